//! Resource-based policies end to end (issue 8 items 3-5), on `fixtures/aws/resources/`:
//! two accounts (prod 222222222222, dev 333333333333), a dev bucket granting a prod role,
//! a KMS key without delegation and one delegating to IAM, a prod secret whose policy
//! grants a role and denies another; after the migration the role is renamed and the
//! bucket and secret policies still name its old unique id.

use std::path::PathBuf;

use iamdiff::catalog::catalog;
use iamdiff::diff::findings::Code;
use iamdiff::diff::mapping::Renames;
use iamdiff::eval::context::RequestContext;
use iamdiff::eval::{Decision, EvalOptions};
use iamdiff::model::{PrincipalKind, Snapshot, WarningCode};

use crate::util::{fixture, iamdiff, rel};

const BUCKET_OBJ: &str = "arn:aws:s3:::dev-shared-data/report.csv";
const BUCKET: &str = "arn:aws:s3:::dev-shared-data";
const LOCKED: &str = "arn:aws:kms:us-east-1:222222222222:key/aaaaaaaa-1111-2222-3333-444444444444";
const OPEN: &str = "arn:aws:kms:us-east-1:222222222222:key/bbbbbbbb-1111-2222-3333-444444444444";
const SECRET: &str = "arn:aws:secretsmanager:us-east-1:222222222222:secret:orders-db-AbCdEf";

fn side(name: &str) -> Snapshot {
    iamdiff::ingest::load_side(&[fixture(&format!("aws/resources/{name}"))], &[]).unwrap()
}

/// `explain` and the effective evaluation's decision of one request: they must agree.
fn decide(
    snap: &Snapshot,
    role: &str,
    action: &str,
    resource: &str,
    ctx: &RequestContext,
) -> Decision {
    let (i, p) = snap
        .principals
        .iter()
        .enumerate()
        .find(|(_, p)| p.kind == PrincipalKind::Role && p.name == role)
        .unwrap();
    let e = iamdiff::eval::explain(snap, catalog(), p, action, Some(resource), ctx);
    let eff = iamdiff::eval::effective(
        snap,
        catalog(),
        &EvalOptions {
            context: ctx.clone(),
        },
    );
    let id = catalog().lookup(action).unwrap();
    let point = eff.principals[i].evaluation.decide(id, resource);
    assert_eq!(
        e.decision, point.decision,
        "explain and effective disagree on {role} {action} {resource}: {e:#?} {point:#?}"
    );
    e.decision
}

fn open_ctx() -> RequestContext {
    RequestContext::new(false)
}

// issue 8 item 5: a cross-account bucket grant needs both the bucket policy and the
// identity policy; the bucket's own account's role reaches it by identity alone
#[test]
fn cross_account_bucket_grant_needs_both_sides() {
    let s = side("before");
    let c = open_ctx();
    assert_eq!(
        decide(&s, "orders-app", "s3:GetObject", BUCKET_OBJ, &c),
        Decision::Allowed
    );
    // the bucket policy grants PutObject too, but nothing grants DeleteObject
    assert_eq!(
        decide(&s, "orders-app", "s3:DeleteObject", BUCKET_OBJ, &c),
        Decision::NotAllowed
    );
    // key-admin (prod) has no identity allow: the bucket policy alone is not enough
    assert_eq!(
        decide(&s, "key-admin", "s3:GetObject", BUCKET_OBJ, &c),
        Decision::NotAllowed
    );
    assert_eq!(
        decide(&s, "data-loader", "s3:DeleteObject", BUCKET_OBJ, &c),
        Decision::Allowed
    );
    let after = side("after");
    // the renamed role keeps its identity allow but the bucket no longer names it
    assert_eq!(
        decide(&after, "orders-service", "s3:GetObject", BUCKET_OBJ, &c),
        Decision::NotAllowed
    );
}

// issue 8 item 3: a KMS key policy must allow; without delegation IAM allows are ignored
#[test]
fn kms_key_without_delegation_ignores_identity_allows() {
    let s = side("before");
    let c = open_ctx();
    assert_eq!(
        decide(&s, "orders-app", "kms:Decrypt", LOCKED, &c),
        Decision::NotAllowed
    );
    assert_eq!(
        decide(&s, "orders-app", "kms:Decrypt", OPEN, &c),
        Decision::Allowed
    );
    // the locked key's policy names key-admin directly: allowed with no identity policy
    assert_eq!(
        decide(&s, "key-admin", "kms:ScheduleKeyDeletion", LOCKED, &c),
        Decision::Allowed
    );
    assert_eq!(
        decide(&s, "key-admin", "kms:Decrypt", OPEN, &c),
        Decision::NotAllowed
    );
}

// issue 8 item 3: within one account the secret's policy alone grants; its deny wins
#[test]
fn same_account_secret_policy_grants_alone_and_its_deny_wins() {
    let s = side("before");
    let c = open_ctx();
    assert_eq!(
        decide(
            &s,
            "orders-app",
            "secretsmanager:GetSecretValue",
            SECRET,
            &c
        ),
        Decision::Allowed
    );
    assert_eq!(
        decide(&s, "auditor", "secretsmanager:DeleteSecret", SECRET, &c),
        Decision::Denied
    );
    assert_eq!(
        decide(&s, "auditor", "secretsmanager:GetSecretValue", SECRET, &c),
        Decision::Allowed
    );
}

// issue 8 item 3: `*` with aws:PrincipalOrgID is conditional until the context decides it
#[test]
fn star_with_principal_org_id_is_conditional_then_decided() {
    let s = side("before");
    let c = open_ctx();
    assert_eq!(
        decide(&s, "orders-app", "s3:ListBucket", BUCKET, &c),
        Decision::Conditional
    );
    let mut inside = RequestContext::new(false);
    inside.insert("aws:PrincipalOrgID", vec!["o-a1b2c3d4e5".into()]);
    assert_eq!(
        decide(&s, "orders-app", "s3:ListBucket", BUCKET, &inside),
        Decision::Allowed
    );
    let mut outside = RequestContext::new(false);
    outside.insert("aws:PrincipalOrgID", vec!["o-other".into()]);
    assert_eq!(
        decide(&s, "orders-app", "s3:ListBucket", BUCKET, &outside),
        Decision::NotAllowed
    );
}

// issue 8 item 4: the rename leaves the bucket and secret policies naming the deleted
// role's unique id: both losses are reported, naming the policy, and both are warned of
#[test]
fn rename_leaves_dangling_references_and_both_losses_are_reported() {
    let before = side("before");
    let after = side("after");
    let dangling: Vec<&str> = after
        .warnings
        .iter()
        .filter(|w| w.code == WarningCode::DanglingPrincipal)
        .map(|w| w.message.as_str())
        .collect();
    assert_eq!(dangling.len(), 2, "{dangling:#?}");
    assert!(
        dangling
            .iter()
            .any(|m| m.contains(BUCKET) && m.contains("AROAORDERSAPP0000001"))
    );
    assert!(
        dangling
            .iter()
            .any(|m| m.contains(SECRET) && m.contains("AROAORDERSAPP0000001"))
    );
    assert!(
        before
            .warnings
            .iter()
            .all(|w| w.code != WarningCode::DanglingPrincipal)
    );

    let map_path: PathBuf = fixture("aws/resources/map.yaml");
    let text = std::fs::read_to_string(&map_path).unwrap();
    let map = Renames::parse(&map_path.display().to_string().into(), &text).unwrap();
    let opts = EvalOptions::default();
    let (eb, ea) = (
        iamdiff::eval::effective(&before, catalog(), &opts),
        iamdiff::eval::effective(&after, catalog(), &opts),
    );
    let out = crate::util::diff_of((&before, &eb), (&after, &ea), &map);
    let findings: Vec<_> = out.principals.iter().flat_map(|p| &p.findings).collect();
    let lost: Vec<(String, Vec<String>, Vec<String>)> = findings
        .iter()
        .map(|f| {
            assert_eq!(f.code, Code::Lost, "{f:#?}");
            assert_eq!(f.principal, "222222222222/orders-service", "{f:#?}");
            (
                f.service.clone(),
                f.actions.clone(),
                f.before.routes.iter().map(|r| r.policy.clone()).collect(),
            )
        })
        .collect();
    assert_eq!(lost.len(), 2, "{lost:#?}");
    assert!(lost.iter().any(|(s, a, r)| s == "s3"
        && a == &["s3:GetObject", "s3:PutObject"]
        && r.iter().any(|p| p == BUCKET)));
    assert!(lost.iter().any(|(s, a, r)| s == "secretsmanager"
        && a == &["secretsmanager:GetSecretValue"]
        && r.iter().any(|p| p == SECRET)));
}

// issue 8 item 3: malformed resource-policy exports of each kind exit 2 with file and place
#[test]
fn malformed_resource_exports_exit_2_with_file_and_place() {
    for (file, pointer) in [
        ("res-bucket-no-principal.json", "/Policy"),
        ("res-secret-bad-effect.json", "/ResourcePolicy"),
        ("res-queue-not-json.json", "/Attributes/Policy"),
        ("res-map-not-arn.json", "/arn:aws:sqs"),
        (
            "res-config-bad-policy.json",
            "/configurationItems/0/supplementaryConfiguration/BucketPolicy/policyText",
        ),
        ("res-key-no-region.json", "/Policy"),
    ] {
        let name = rel(&fixture(&format!("malformed/{file}")));
        let out = iamdiff().args(["effective", &name]).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{file}: {err}");
        assert!(err.contains(&format!("{name}:")), "{file}: {err}");
        assert!(err.contains(&format!("(at {pointer})")), "{file}: {err}");
    }
}
