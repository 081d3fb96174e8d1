//! AWS Organizations (issue 8 item 2): the three-account organization fixture
//! (`fixtures/aws/org`, see `fixtures/aws/org/make.py`) read as each side's folder of
//! account exports and `aws organizations` outputs. Each account gets its SCP chain
//! (root → OUs → account) and RCP chain; the management account is exempt; an OU move and
//! an RCP attachment are changes the diff reports through the principals they cut off.

use iamdiff::diff::findings::{Code, Finding};
use iamdiff::report::diff::DiffReport;

use crate::util::iamdiff;

const BEFORE: &str = "fixtures/aws/org/before";
const AFTER: &str = "fixtures/aws/org/after";
const MAP: &str = "fixtures/aws/org/map.yaml";
const ADMIN: &str = "AWSReservedSSO_AdministratorAccess_0a1b2c3d4e5f6a7b";

fn run(args: &[&str]) -> (i32, String, String) {
    let out = iamdiff().args(args).output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn diff() -> DiffReport {
    let (code, out, err) = run(&[
        "diff", "--before", BEFORE, "--after", AFTER, "--map", MAP, "--format", "json", "--quiet",
    ]);
    assert_eq!(code, 1, "{err}");
    iamdiff::report::json::from_str(&out).unwrap()
}

fn findings<'a>(r: &'a DiffReport, name: &str) -> Vec<&'a Finding> {
    r.principals
        .iter()
        .filter(|p| p.name == name)
        .flat_map(|p| p.findings.iter())
        .collect()
}

fn explain(side: &str, principal: &str, action: &str) -> (i32, String) {
    let (code, out, err) = run(&[
        "explain",
        side,
        "--principal",
        principal,
        "--action",
        action,
    ]);
    assert!(code == 0 || code == 1, "{err}");
    (code, out)
}

// issue 8: each account's SCP chain, root → OUs → account, shown level by level with the
// statement that denies and its file
#[test]
fn explain_shows_the_scp_chain_of_the_account_and_the_denying_statement() {
    let arn = "arn:aws:iam::333333333333:role/data-loader";
    let (_, before) = explain(BEFORE, arn, "dynamodb:GetItem");
    assert!(before.contains("decision: allowed"), "{before}");
    for level in [
        "SCP level `Root (r-a1b2)`",
        "SCP level `Workloads (ou-a1b2-workload1)`",
        "SCP level `Sandbox (ou-a1b2-sandbox11)`",
        "SCP level `dev (333333333333)`",
    ] {
        assert!(before.contains(level), "{level}: {before}");
    }
    let (_, after) = explain(AFTER, arn, "dynamodb:GetItem");
    assert!(after.contains("decision: denied"), "{after}");
    assert!(
        after.contains("SCP level `Restricted (ou-a1b2-restrict1)`"),
        "{after}"
    );
    assert!(!after.contains("Sandbox"), "{after}");
    assert!(
        after.contains("DENY  denies                 SCP `DenyDynamoDB` Sid `DenyDynamoDB`"),
        "{after}"
    );
    assert!(
        after.contains(
            "fixtures/aws/org/after/organization/organizations.describe-policy.p-restrict11.json"
        ),
        "{after}"
    );
}

// issue 8: the management account is exempt from SCPs (and RCPs); members are not
#[test]
fn the_management_account_is_exempt_from_scps() {
    let leave = "organizations:LeaveOrganization";
    let (_, mgmt) = explain(
        AFTER,
        &format!("arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/{ADMIN}"),
        leave,
    );
    assert!(mgmt.contains("decision: allowed"), "{mgmt}");
    assert!(!mgmt.contains("SCP level"), "{mgmt}");
    let (_, prod) = explain(
        AFTER,
        &format!("arn:aws:iam::222222222222:role/aws-reserved/sso.amazonaws.com/{ADMIN}"),
        leave,
    );
    assert!(prod.contains("decision: denied"), "{prod}");
    assert!(
        prod.contains("SCP `DenyLeaveOrg` Sid `DenyLeave`"),
        "{prod}"
    );
}

// issue 8: dev moved from Sandbox to Restricted; DenyDynamoDB now cuts data-loader's
// `dynamodb:*`, and the finding names the SCP statement that denies, with its file
#[test]
fn the_ou_move_cuts_dynamodb_for_data_loader_naming_the_scp() {
    let r = diff();
    let f = findings(&r, "333333333333/data-loader");
    assert_eq!(f.len(), 1, "{f:#?}");
    let f = f[0];
    assert_eq!((f.code, f.service.as_str()), (Code::Lost, "dynamodb"));
    assert!(f.actions.contains(&"dynamodb:GetItem".to_owned()));
    assert_eq!(f.after.status, "denied");
    let deny = f
        .after
        .routes
        .iter()
        .find(|r| r.kind == "scp")
        .expect("the denying SCP is named");
    assert_eq!(
        (deny.policy.as_str(), deny.statement.as_str()),
        ("DenyDynamoDB", "DenyDynamoDB")
    );
    assert_eq!(deny.via, "scp Restricted (ou-a1b2-restrict1)");
    assert!(
        deny.file
            .ends_with("organizations.describe-policy.p-restrict11.json")
    );
    // the Identity Center roles of dev lose DynamoDB too, and nothing else
    for role in [ADMIN, "AWSReservedSSO_ReadOnlyAccess_1b2c3d4e5f6a7b8c"] {
        let f = findings(&r, &format!("333333333333/{role}"));
        assert!(!f.is_empty());
        assert!(
            f.iter()
                .all(|f| f.code == Code::Lost && f.service == "dynamodb"),
            "{f:#?}"
        );
    }
}

// issue 8: the RCP EnforceSecureTransport attached to Workloads makes S3 conditional on
// `aws:SecureTransport` on the resources of prod (a bucket of unknown owner is taken to be
// the principal's account's); other services of prod are untouched
#[test]
fn the_rcp_makes_prods_s3_conditional() {
    let r = diff();
    for role in [ADMIN, "AWSReservedSSO_ReadOnlyAccess_1b2c3d4e5f6a7b8c"] {
        let name = format!("222222222222/{role}");
        let f = findings(&r, &name);
        assert_eq!(f.len(), 1, "{name}: {f:#?}");
        let f = f[0];
        assert_eq!((f.code, f.service.as_str()), (Code::Conditional, "s3"));
        assert_eq!(
            f.after.conditions,
            ["aws:SecureTransport BoolIfExists false"]
        );
        assert!(f.after.routes.iter().any(|r| r.kind == "rcp"
            && r.policy == "EnforceSecureTransport"
            && r.via == "rcp Workloads (ou-a1b2-workload1)"));
    }
}

// issue 8: the rename of orders-app loses what the bucket policy (dev) and the secret
// policy (prod) granted: both still name the old role (as its unique id, as AWS rewrites
// it); each finding names the before grant and, on its after side, the statement still
// naming the old identity with its file. The bucket is dev's: prod's RCP does not bound it.
#[test]
fn the_rename_loses_the_bucket_and_the_secret_naming_the_dangling_statements() {
    let r = diff();
    let p = r
        .principals
        .iter()
        .find(|p| p.name == "222222222222/orders-service")
        .unwrap();
    assert_eq!(p.before_name.as_deref(), Some("222222222222/orders-app"));
    let f = &p.findings;
    assert_eq!(f.len(), 2, "{f:#?}");
    let cases = [
        (
            "s3",
            vec!["s3:GetObject", "s3:PutObject"],
            "arn:aws:s3:::dev-shared-data",
            "OrdersAppReadWrite",
            "resources/333333333333.s3api.get-bucket-policy.dev-shared-data.json",
        ),
        (
            "secretsmanager",
            vec!["secretsmanager:GetSecretValue"],
            "arn:aws:secretsmanager:us-east-1:222222222222:secret:orders-db-AbCdEf",
            "OrdersAppRead",
            "resources/secretsmanager.get-resource-policy.orders-db.json",
        ),
    ];
    for (service, actions, resource, sid, file) in cases {
        let f = f.iter().find(|f| f.service == service).unwrap();
        assert_eq!(f.code, Code::Lost);
        assert_eq!(f.actions, actions);
        assert_eq!(
            (f.before.status.as_str(), f.after.status.as_str()),
            ("allowed", "not-allowed")
        );
        assert!(
            f.before
                .routes
                .iter()
                .any(|r| r.kind == "resource" && r.policy == resource && r.statement == sid),
            "{f:#?}"
        );
        assert!(f.before.routes.iter().all(|r| r.kind != "rcp"), "{f:#?}");
        let d = f
            .after
            .routes
            .iter()
            .find(|r| r.kind == "dangling")
            .expect("the statement still naming the old identity");
        assert_eq!((d.policy.as_str(), d.statement.as_str()), (resource, sid));
        assert_eq!(d.file, format!("{AFTER}/{file}"));
        assert!(d.via.contains("`AROAORDERSAPP0000001`"), "{}", d.via);
        assert!(
            f.message.contains("still names the old identity"),
            "{}",
            f.message
        );
    }
}

// issue 8: every finding of the organization migration, and nothing else: DynamoDB cut
// by the OU move for dev's three roles, S3 conditional for prod's Identity Center roles,
// the two dangling losses of orders-service; the management account reports nothing
#[test]
fn the_organization_migration_reports_exactly_its_findings() {
    let r = diff();
    let mut got: Vec<(String, Code, String, String)> = r
        .principals
        .iter()
        .flat_map(|p| {
            p.findings.iter().map(|f| {
                (
                    p.name.clone(),
                    f.code,
                    f.service.clone(),
                    f.after.status.clone(),
                )
            })
        })
        .collect();
    got.sort();
    let ro = "AWSReservedSSO_ReadOnlyAccess_1b2c3d4e5f6a7b8c";
    let want = |n: &str, c, s: &str, a: &str| (n.to_owned(), c, s.to_owned(), a.to_owned());
    let mut expected = vec![
        want(
            &format!("222222222222/{ADMIN}"),
            Code::Conditional,
            "s3",
            "conditional",
        ),
        want(
            &format!("222222222222/{ro}"),
            Code::Conditional,
            "s3",
            "conditional",
        ),
        want(
            "222222222222/orders-service",
            Code::Lost,
            "s3",
            "not-allowed",
        ),
        want(
            "222222222222/orders-service",
            Code::Lost,
            "secretsmanager",
            "not-allowed",
        ),
        want(
            &format!("333333333333/{ADMIN}"),
            Code::Lost,
            "dynamodb",
            "denied",
        ),
        want(
            &format!("333333333333/{ro}"),
            Code::Lost,
            "dynamodb",
            "denied",
        ),
        want("333333333333/data-loader", Code::Lost, "dynamodb", "denied"),
    ];
    expected.sort();
    assert_eq!(got, expected);
    assert_eq!((r.summary.compared, r.summary.changed), (8, 6));
}

// issue 8: RCPs bound the resources of the accounts under their level, whoever asks: a
// bucket of dev is not bounded by the RCP over prod, a prod S3 access point is, even for a
// principal of another account or of the management account; the management account's
// own resources are exempt
#[test]
fn rcps_bound_the_resources_of_their_accounts_whoever_asks() {
    let rcp = "RCP level `Workloads (ou-a1b2-workload1)`";
    let explain_on = |principal: &str, resource: &str| {
        let (code, out, err) = run(&[
            "explain",
            AFTER,
            "--principal",
            principal,
            "--action",
            "s3:GetObject",
            "--resource",
            resource,
        ]);
        assert!(code == 0 || code == 1, "{err}");
        out
    };
    let prod_admin =
        format!("arn:aws:iam::222222222222:role/aws-reserved/sso.amazonaws.com/{ADMIN}");
    let dev_admin =
        format!("arn:aws:iam::333333333333:role/aws-reserved/sso.amazonaws.com/{ADMIN}");
    let mgmt_admin =
        format!("arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/{ADMIN}");
    // a bucket of unknown owner is the principal's account's
    let out = explain_on(&prod_admin, "arn:aws:s3:::prod-logs/x");
    assert!(
        out.contains("decision: conditional") && out.contains(rcp),
        "{out}"
    );
    let out = explain_on(&dev_admin, "arn:aws:s3:::dev-logs/x");
    assert!(
        out.contains("decision: allowed") && !out.contains(rcp),
        "{out}"
    );
    // the inventory's bucket of dev: dev's chain, not prod's
    let out = explain_on(
        "arn:aws:iam::222222222222:role/orders-service",
        "arn:aws:s3:::dev-shared-data/x",
    );
    assert!(!out.contains(rcp), "{out}");
    // a resource ARN naming prod: prod's chain, whoever asks
    let ap = "arn:aws:s3:us-east-1:222222222222:accesspoint/orders";
    for who in [&dev_admin, &mgmt_admin, &prod_admin] {
        let out = explain_on(who, ap);
        assert!(out.contains(rcp), "{who}: {out}");
    }
    // the management account's resources are exempt
    let out = explain_on(
        &prod_admin,
        "arn:aws:s3:us-east-1:111111111111:accesspoint/m",
    );
    assert!(!out.contains(rcp), "{out}");
}

// issue 8: Identity Center roles have the same name in every account and are compared
// account by account; the management account, unchanged, reports nothing
#[test]
fn identity_center_roles_stay_apart_and_the_management_account_reports_nothing() {
    let r = diff();
    assert_eq!(r.summary.compared, 8, "{:?}", r.summary);
    assert_eq!((r.summary.removed, r.summary.new), (0, 0));
    assert!(
        r.principals
            .iter()
            .all(|p| p.account.as_deref() != Some("111111111111"))
    );
    for p in &r.principals {
        let acct = p.account.as_deref().unwrap();
        assert!(p.name.starts_with(&format!("{acct}/")), "{}", p.name);
        if let Some(b) = &p.before_name {
            assert!(
                b.starts_with(&format!("{acct}/")),
                "paired across accounts: {b}"
            );
        }
    }
    let admins = r
        .principals
        .iter()
        .filter(|p| p.name.ends_with(ADMIN))
        .count();
    assert_eq!(admins, 2, "prod's and dev's, not the management account's");
}

// issue 8: an organization export that cannot be attributed or read is exit 2 with the
// file and the place
#[test]
fn malformed_organization_exports_exit_2_with_file_and_place() {
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&str, &str, &str, &str)] = &[
        (
            "organizations.list-targets.json",
            "{\n  \"Targets\": [{\"TargetId\": \"r-a1b2\", \"Type\": \"ROOT\"}]\n}\n",
            ":2:14",
            "which policy these targets are of",
        ),
        (
            "organizations.describe-policy.p-1.json",
            "{\"Policy\": {\"PolicySummary\": {\"Id\": \"p-1\", \"Type\": \"SERVICE_CONTROL_POLICY\"},\n \"Content\": \"{\\\"Statement\\\": 3}\"}}\n",
            ":2:13",
            "/Policy/Content",
        ),
        (
            "organizations.list-accounts.json",
            "{\"Accounts\": [{\"Id\": \"111111111111\"},\n  {\"Id\": \"12\"}]}\n",
            ":2:10",
            "`12` is not an account id",
        ),
    ];
    for (name, text, at, what) in cases {
        let sub = dir.path().join(name.replace('.', "_"));
        std::fs::create_dir(&sub).unwrap();
        std::fs::write(
            sub.join("organizations.list-roots.json"),
            r#"{"Roots": [{"Id": "r-a1b2", "Name": "Root"}]}"#,
        )
        .unwrap();
        let path = sub.join(name);
        std::fs::write(&path, text).unwrap();
        let (code, out, err) = run(&["effective", sub.to_str().unwrap()]);
        assert_eq!(code, 2, "{name}: {err}");
        assert!(out.is_empty());
        let shown = format!("{}{at}", path.display());
        assert!(err.contains(&shown), "{name}: expected {shown} in {err}");
        assert!(err.contains(what), "{name}: {err}");
    }
    // an attached policy whose document is missing
    let sub = dir.path().join("missing");
    std::fs::create_dir(&sub).unwrap();
    std::fs::write(
        sub.join("organizations.list-accounts-for-parent.r-a1b2.json"),
        r#"{"Accounts": [{"Id": "222222222222", "Name": "prod"}]}"#,
    )
    .unwrap();
    let t = sub.join("organizations.list-targets-for-policy.p-custom1.json");
    std::fs::write(
        &t,
        "{\"Targets\": [\n  {\"TargetId\": \"222222222222\", \"Type\": \"ACCOUNT\"}]}",
    )
    .unwrap();
    std::fs::write(
        sub.join("organizations.list-policies.json"),
        r#"{"Policies": [{"Id": "p-custom1", "Type": "SERVICE_CONTROL_POLICY"}]}"#,
    )
    .unwrap();
    let (code, _, err) = run(&["effective", sub.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(&format!("{}:2:3", t.display())), "{err}");
    assert!(
        err.contains("describe-policy --policy-id p-custom1"),
        "{err}"
    );
}

#[path = "../benches/common/org.rs"]
#[allow(dead_code)]
pub(crate) mod org_gen;

// issue 8: the organization benchmark's generator at CI size (10 accounts): every request
// its mutations break — renames leaving dangling references, OU moves into the
// restricted OU, resource-policy edits — is reported lost for that principal, and the
// management account reports nothing
#[test]
fn generated_organization_breaks_are_all_reported() {
    let dir = tempfile::tempdir().unwrap();
    let breaks = org_gen::write_pair(org_gen::OrgScale::SMALL, 42, dir.path()).unwrap();
    let kinds: std::collections::BTreeSet<&str> = breaks
        .iter()
        .filter_map(|b| b.mutation.split(' ').nth(1))
        .collect();
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        [
            "edit-queue-policy",
            "edit-secret-policy",
            "move-account",
            "rename-role"
        ]
    );
    let side = |s: &str| dir.path().join(s).display().to_string();
    let (code, out, err) = run(&[
        "diff",
        "--before",
        &side("before"),
        "--after",
        &side("after"),
        "--map",
        &side("map.yaml"),
        "--format",
        "json",
        "--quiet",
    ]);
    assert_eq!(code, 1, "{err}");
    let r: DiffReport = iamdiff::report::json::from_str(&out).unwrap();
    assert_eq!(r.summary.removed + r.summary.new, 0, "{:?}", r.summary);
    let mut missing = Vec::new();
    for b in &breaks {
        let name = format!("{}/{}", b.account, b.role);
        let reported = r
            .principals
            .iter()
            .filter(|p| p.name == name)
            .flat_map(|p| &p.findings)
            .any(|f| {
                matches!(f.code, Code::Lost | Code::Narrowed) && f.actions.contains(&b.action)
            });
        if !reported {
            missing.push(b);
        }
    }
    assert!(
        missing.is_empty(),
        "{} of {} breaks not reported: {missing:#?}",
        missing.len(),
        breaks.len()
    );
    let mgmt = org_gen_management();
    assert!(
        r.principals
            .iter()
            .all(|p| p.account.as_deref() != Some(mgmt.as_str()))
    );
}

fn org_gen_management() -> String {
    format!("{:012}", 100_000_000_000u64)
}

// issue 8 figure: the diff evaluates only principals whose inputs may differ (their
// fingerprints, src/diff/inputs.rs). The generated organization's OU moves, renames and
// resource-policy edits must leave the skipped principals exactly as evaluating every
// principal would: same findings, same changes, same counts.
#[test]
fn skipping_unchanged_principals_changes_no_answer() {
    let (before, after, renames) = small_generated_pair();
    let cat = iamdiff::catalog::catalog();
    let opts = iamdiff::eval::EvalOptions::default();
    let matching = iamdiff::diff::match_principals(&before, &after, &renames);
    let (wb, wa) = iamdiff::diff::worth_evaluating(&before, &after, &matching);
    let skipped = wb.iter().filter(|w| !**w).count();
    assert!(
        skipped > before.principals.len() / 2,
        "only {skipped} of {} principals skipped",
        before.principals.len()
    );
    let outcome = |wb: &[bool], wa: &[bool]| {
        let eb = iamdiff::eval::effective::effective_selected(&before, cat, &opts, wb);
        let ea = iamdiff::eval::effective::effective_selected(&after, cat, &opts, wa);
        let o = crate::util::diff_of((&before, &eb), (&after, &ea), &renames);
        serde_json::to_string(&(&o.principals, &o.changes, &o.summary)).unwrap()
    };
    let all_b = vec![true; wb.len()];
    let all_a = vec![true; wa.len()];
    assert!(outcome(&wb, &wa) == outcome(&all_b, &all_a));
}

/// Principals alike on both sides (roles of one account with the same inline policy,
/// each in its own place of the export) share one comparison: each gets exactly the
/// findings its own comparison gives, its name and its statements' places included.
#[test]
fn alike_principals_share_one_comparison_and_keep_their_own_findings() {
    use iamdiff::diff::compare::{self, Who};
    let (before, after, renames) = small_generated_pair();
    let cat = iamdiff::catalog::catalog();
    let opts = iamdiff::eval::EvalOptions::default();
    let matching = iamdiff::diff::match_principals(&before, &after, &renames);
    let eb = iamdiff::eval::effective::effective(&before, cat, &opts);
    let ea = iamdiff::eval::effective::effective(&after, cat, &opts);
    let budget = iamdiff::eval::lang::Budget::default();
    let asked: Vec<iamdiff::diff::memo::Asked> = matching
        .pairs
        .iter()
        .map(|&(i, j)| {
            let p = &after.principals[j];
            let (xb, xa) = (&eb.principals[i].evaluation, &ea.principals[j].evaluation);
            iamdiff::diff::memo::Asked {
                who: Who {
                    kind: p.kind.as_str().to_owned(),
                    name: p.name.clone(),
                    account: p.account.clone(),
                },
                before: xb.clone(),
                after: xa.clone(),
                equal: compare::fingerprint(xb) == compare::fingerprint(xa),
            }
        })
        .collect();
    let memo = iamdiff::diff::memo::compare_all(cat, &asked, &budget);
    let compared = asked.iter().filter(|a| !a.equal).count();
    for (a, copied) in asked.iter().zip(&memo.findings) {
        let own = compare::compare_known(cat, &a.who, &a.before, &a.after, &budget, a.equal);
        assert_eq!(
            serde_json::to_string(&own).unwrap(),
            serde_json::to_string(copied).unwrap(),
            "{}",
            a.who.name
        );
    }
    assert!(
        memo.shared * 4 > compared,
        "{} of {compared} comparisons shared",
        memo.shared
    );
}

/// The small generated organization's two sides (seed 7) and its rename rules.
fn small_generated_pair() -> (
    iamdiff::model::Snapshot,
    iamdiff::model::Snapshot,
    iamdiff::diff::mapping::Renames,
) {
    let dir = tempfile::tempdir().unwrap();
    org_gen::write_pair(org_gen::OrgScale::SMALL, 7, dir.path()).unwrap();
    let load = |s: &str| iamdiff::ingest::load_side(&[dir.path().join(s)], &[]).unwrap();
    let map = dir.path().join("map.yaml");
    let renames = iamdiff::diff::mapping::Renames::parse(
        &std::sync::Arc::from(map.display().to_string()),
        &std::fs::read_to_string(&map).unwrap(),
    )
    .unwrap();
    (load("before"), load("after"), renames)
}
