//! One answer everywhere (issue 7): for every finding of every diff, `explain` on the
//! finding's witness request gives the before and after status the finding states, the
//! code agrees with those two decisions, and every route (statement) the finding names is
//! a statement `explain` lists as deciding that request. The diffs: the migration fixture,
//! the provisioner migration (config, template and plan), the benchmark generator's pairs
//! at small scale, and random small accounts (conditions on keys the context leaves open,
//! principal tags and `${aws:PrincipalTag/…}`, unknown managed policies, boundaries).
//! Also the AWS rules of issue 7, each with the page that states it.

use proptest::prelude::*;
use std::path::{Path, PathBuf};

use iamdiff::catalog::{AccessLevel, catalog};
use iamdiff::diff::compare::route;
use iamdiff::diff::findings::{Code, Finding, Side};
use iamdiff::diff::mapping::Renames;
use iamdiff::diff::{DEFAULT_FAIL_ON, DiffOptions, Outcome, SideInput};
use iamdiff::eval::context::RequestContext;
use iamdiff::eval::{Decision, EvalOptions, Explanation};
use iamdiff::ingest::LoadOptions;
use iamdiff::model::{PrincipalKind, Snapshot};

use crate::generator::synth;
use crate::util::fixture;

/// Actions of one finding checked (a finding may group hundreds).
const ACTIONS_PER_FINDING: usize = 4;

fn load(sources: &[PathBuf], opts: &LoadOptions) -> Snapshot {
    iamdiff::ingest::load_side_opts(sources, &[], opts).unwrap()
}

fn renames(path: Option<&Path>) -> Renames {
    match path {
        Some(p) => {
            let text = std::fs::read_to_string(p).unwrap();
            Renames::parse(&p.display().to_string().into(), &text).unwrap()
        }
        None => Renames::default(),
    }
}

/// The diff as `iamdiff diff` computes it, with `context`.
fn run_diff(
    before: &Snapshot,
    after: &Snapshot,
    map: &Renames,
    context: &RequestContext,
) -> Outcome {
    let cat = catalog();
    let opts = EvalOptions {
        context: context.clone(),
    };
    let (eb, ea) = (
        iamdiff::eval::effective(before, cat, &opts),
        iamdiff::eval::effective(after, cat, &opts),
    );
    iamdiff::diff::diff(
        cat,
        &SideInput {
            snapshot: before,
            effective: &eb,
        },
        &SideInput {
            snapshot: after,
            effective: &ea,
        },
        &DiffOptions {
            renames: map,
            waivers: &[],
            fail_on: &DEFAULT_FAIL_ON,
            min_level: AccessLevel::List,
            today: "2026-01-01",
        },
    )
}

fn kind(k: &str) -> PrincipalKind {
    if k == "role" {
        PrincipalKind::Role
    } else {
        PrincipalKind::User
    }
}

/// `explain` of one request on one side; a principal the side does not have is allowed nothing.
fn explain(
    snap: &Snapshot,
    kind: PrincipalKind,
    name: &str,
    action: &str,
    resource: &str,
    context: &RequestContext,
) -> Option<Explanation> {
    // a run of several accounts names principals `ACCOUNT/name`
    let p = snap.principals.iter().find(|p| {
        p.kind == kind
            && (p.name == name
                || p.account.as_deref().is_some_and(|a| {
                    name.strip_prefix(a).and_then(|n| n.strip_prefix('/')) == Some(&p.name)
                }))
    })?;
    Some(iamdiff::eval::explain(
        snap,
        catalog(),
        p,
        action,
        Some(resource),
        context,
    ))
}

fn maybe(d: &str) -> bool {
    d == "allowed" || d == "conditional"
}

/// The side's status and routes against `explain` on the same request.
fn check_side(
    what: &str,
    side: &Side,
    e: Option<&Explanation>,
    action: &str,
    f: &Finding,
) -> Result<(), String> {
    let (decision, known) = match e {
        Some(e) => (e.decision, true),
        // a user kept on a side that does not manage users: only what AWS always allows
        None if action.eq_ignore_ascii_case("sts:GetCallerIdentity") => (Decision::Allowed, false),
        None => (Decision::NotAllowed, false),
    };
    if side.status != decision.as_str() {
        return Err(format!(
            "{what}: the finding says `{}`, explain says `{}` for `{action}` on `{}`\n{f:#?}\n{e:#?}",
            side.status,
            decision.as_str(),
            f.witness.as_deref().unwrap_or_default()
        ));
    }
    // a dangling route names a statement that no longer grants (issue 8): it bears on
    // nothing by design
    for r in side.routes.iter().filter(|r| r.kind != "dangling") {
        let listed = e.is_some_and(|e| {
            e.statements
                .iter()
                .any(|s| s.outcome != "does-not-apply" && route(&s.origin, &s.via) == *r)
        });
        if !listed && (known || !r.policy.starts_with("AWS:")) {
            return Err(format!(
                "{what}: route {} does not bear on `{action}` on `{}`\n{f:#?}\n{e:#?}",
                r.summary(),
                f.witness.as_deref().unwrap_or_default()
            ));
        }
    }
    Ok(())
}

/// Checks every finding with a witness of one diff; `Err` lists the first disagreement.
fn check(
    before: &Snapshot,
    after: &Snapshot,
    map: &Renames,
    context: &RequestContext,
) -> Result<usize, String> {
    let outcome = run_diff(before, after, map, context);
    let mut checked = 0;
    for p in &outcome.principals {
        let k = kind(&p.kind);
        let before_name = p.before_name.as_deref().unwrap_or(&p.name);
        for f in &p.findings {
            let Some(w) = &f.witness else { continue };
            if !matches!(
                f.code,
                Code::Lost | Code::Narrowed | Code::Conditional | Code::Gained | Code::Widened
            ) {
                continue;
            }
            let (b, a) = (&f.before.status, &f.after.status);
            let consistent = match f.code {
                Code::Lost | Code::Narrowed => maybe(b) && !maybe(a),
                Code::Gained | Code::Widened => !maybe(b) && maybe(a),
                _ => b == "allowed" && a == "conditional",
            };
            if !consistent {
                return Err(format!("{} with {b} → {a}\n{f:#?}", f.code));
            }
            for action in f.actions.iter().take(ACTIONS_PER_FINDING) {
                let eb = explain(before, k, before_name, action, w, context);
                let ea = explain(after, k, &p.name, action, w, context);
                check_side("before", &f.before, eb.as_ref(), action, f)?;
                check_side("after", &f.after, ea.as_ref(), action, f)?;
                checked += 1;
            }
        }
    }
    Ok(checked)
}

fn assert_consistent(before: &Snapshot, after: &Snapshot, map: &Renames, context: &RequestContext) {
    match check(before, after, map, context) {
        Ok(n) => assert!(n > 0, "no finding with a witness was checked"),
        Err(e) => panic!("{e}"),
    }
}

fn open() -> RequestContext {
    RequestContext::new(false)
}

// ---- the fixtures ----

/// Issue 8: the resource-policy fixture (cross-account bucket, KMS keys, a secret, a
/// rename leaving dangling references): every finding agrees with explain, with the
/// organization id open and given.
#[test]
fn resource_fixture_findings_agree_with_explain() {
    let side = |s: &str| {
        load(
            &[fixture(&format!("aws/resources/{s}"))],
            &LoadOptions::default(),
        )
    };
    let (before, after) = (side("before"), side("after"));
    let map = renames(Some(&fixture("aws/resources/map.yaml")));
    assert_consistent(&before, &after, &map, &open());
    let mut org = RequestContext::new(false);
    org.insert("aws:PrincipalOrgID", vec!["o-a1b2c3d4e5".into()]);
    assert_consistent(&before, &after, &map, &org);
}

/// Issue 8: the three-account organization (SCP chains, an OU move, an RCP over the
/// Workloads accounts' resources, resource policies, a rename leaving dangling
/// references): every finding agrees with explain, with `aws:SecureTransport` open and
/// given.
#[test]
fn organization_fixture_findings_agree_with_explain() {
    let side = |s: &str| load(&[fixture(&format!("aws/org/{s}"))], &LoadOptions::default());
    let (before, after) = (side("before"), side("after"));
    let map = renames(Some(&fixture("aws/org/map.yaml")));
    assert_consistent(&before, &after, &map, &open());
    let mut secure = RequestContext::new(false);
    secure.insert("aws:SecureTransport", vec!["true".into()]);
    assert_consistent(&before, &after, &map, &secure);
}

/// Issue 7: carol's `s3:GetObject` on `arn:aws:s3:::aws-glue/z` was reported lost
/// (allowed → not-allowed) while explain said allowed → conditional (a policy attached
/// after has an unknown document); and a narrowed finding named a statement that does not
/// cover its witness.
#[test]
fn migration_fixture_findings_agree_with_explain() {
    let before = load(
        &[fixture("aws/company/account.json")],
        &LoadOptions::default(),
    );
    let after = load(
        &[fixture("aws/migration/after.json")],
        &LoadOptions::default(),
    );
    let map = renames(Some(&fixture("aws/migration/map.yaml")));
    assert_consistent(&before, &after, &map, &open());

    let outcome = run_diff(&before, &after, &map, &open());
    let carol = outcome
        .principals
        .iter()
        .find(|p| p.name == "carol")
        .unwrap();
    let get = carol
        .findings
        .iter()
        .find(|f| {
            f.actions.iter().any(|a| a == "s3:GetObject")
                && f.witness.as_deref() == Some("arn:aws:s3:::aws-glue/z")
        })
        .unwrap();
    assert_eq!(get.transition(), "allowed → conditional", "{get:#?}");
    assert_eq!(get.code, Code::Conditional);
}

fn provisioner(after: &[&str]) {
    let dir = fixture("provisioner/migration");
    let opts = LoadOptions {
        account: Some("123456789012".into()),
        region: Some("us-west-1".into()),
        ..LoadOptions::default()
    };
    let before = load(&[dir.join("before.json")], &opts);
    let after = load(
        &after.iter().map(|f| dir.join(f)).collect::<Vec<_>>(),
        &opts,
    );
    let map = renames(Some(&dir.join("map.yaml")));
    assert_consistent(&before, &after, &map, &open());
}

#[test]
fn provisioner_migration_findings_agree_with_explain() {
    provisioner(&["edge-prod-b001-us-west-1-sec.yaml", "memberships.txt"]);
}

#[test]
fn provisioner_template_and_plan_findings_agree_with_explain() {
    provisioner(&["template.yaml", "memberships.txt"]);
    provisioner(&["plan.json", "memberships.txt"]);
}

// ---- the benchmark generator's pairs (small scale) ----

fn generated(seed: u64) -> (Snapshot, Snapshot, Renames) {
    let (files, _) = synth::scenario_files(synth::Scale::Small, seed).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut map = String::from("renames:\n");
    for (name, bytes) in &files {
        std::fs::write(dir.path().join(name), bytes).unwrap();
        if *name == "expected-renames.json" {
            let renames: serde_json::Value = serde_json::from_slice(bytes).unwrap();
            for kind in ["user", "role", "group"] {
                let rules: Vec<String> = renames
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|r| r["kind"] == kind)
                    .map(|r| {
                        format!(
                            "    - from: \"{}\"\n      to: \"{}\"\n",
                            r["old"].as_str().unwrap(),
                            r["new"].as_str().unwrap()
                        )
                    })
                    .collect();
                if !rules.is_empty() {
                    map.push_str(&format!("  {kind}s:\n{}", rules.concat()));
                }
            }
        }
    }
    let before = load(&[dir.path().join("before.json")], &LoadOptions::default());
    let after = load(&[dir.path().join("after.json")], &LoadOptions::default());
    let map = Renames::parse(&"map.yaml".into(), &map).unwrap();
    (before, after, map)
}

#[test]
fn generated_pairs_agree_with_explain() {
    for seed in [42, 7] {
        let (before, after, map) = generated(seed);
        assert_consistent(&before, &after, &map, &open());
    }
}

/// The generator's pairs again with a closed context, where conditions are decided.
#[test]
fn generated_pair_with_a_closed_context_agrees_with_explain() {
    let (before, after, map) = generated(42);
    assert_consistent(&before, &after, &map, &RequestContext::new(true));
}

// ---- random small accounts ----

/// One generated statement of the random accounts.
#[derive(Debug, Clone)]
struct Stmt {
    allow: bool,
    actions: Vec<&'static str>,
    not_resource: bool,
    resources: Vec<String>,
    condition: Option<(&'static str, &'static str, Vec<&'static str>)>,
}

impl Stmt {
    fn json(&self) -> serde_json::Value {
        let mut s = serde_json::json!({
            "Effect": if self.allow { "Allow" } else { "Deny" },
            "Action": self.actions,
        });
        let key = if self.not_resource {
            "NotResource"
        } else {
            "Resource"
        };
        s[key] = serde_json::json!(self.resources);
        if let Some((op, k, v)) = &self.condition {
            s["Condition"] = serde_json::json!({ *op: { *k: v } });
        }
        s
    }
}

fn pattern() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::collection::vec(
            prop_oneof![Just('a'), Just('b'), Just('/'), Just('*'), Just('?')],
            0..=3,
        )
        .prop_map(|t| format!("arn:aws:s3:::b/{}", t.into_iter().collect::<String>())),
        1 => Just("*".to_owned()),
        1 => Just("arn:aws:s3:::b/${aws:PrincipalTag/team}/*".to_owned()),
        1 => Just("arn:aws:s3:::b/${aws:username}*".to_owned()),
    ]
}

fn condition() -> impl Strategy<Value = Option<(&'static str, &'static str, Vec<&'static str>)>> {
    prop_oneof![
        5 => Just(None),
        1 => Just(Some(("Bool", "aws:MultiFactorAuthPresent", vec!["true"]))),
        1 => Just(Some(("StringEquals", "aws:PrincipalTag/team", vec!["red", "blue"]))),
        1 => Just(Some(("StringEquals", "aws:PrincipalTag/team", vec!["blue", "red"]))),
        1 => Just(Some(("StringNotEquals", "aws:PrincipalTag/owner", vec!["x"]))),
        1 => Just(Some(("ForAnyValue:Null", "aws:TagKeys", vec!["false"]))),
    ]
}

fn statement() -> impl Strategy<Value = Stmt> {
    (
        prop::bool::weighted(0.65),
        prop_oneof![
            Just(vec!["s3:GetObject"]),
            Just(vec!["s3:PutObject"]),
            Just(vec!["s3:GetObject", "s3:PutObject"]),
            Just(vec!["sts:GetCallerIdentity"]),
            Just(vec!["*"]),
        ],
        prop::bool::weighted(0.15),
        proptest::collection::vec(pattern(), 1..=2),
        condition(),
    )
        .prop_map(
            |(allow, actions, not_resource, resources, condition)| Stmt {
                allow,
                actions,
                not_resource,
                resources,
                condition,
            },
        )
}

/// One side of a random account: the user's statements, its tags, whether a managed
/// policy it has is unknown, and its boundary's statements.
#[derive(Debug, Clone)]
struct SideSpec {
    stmts: Vec<Stmt>,
    team: Option<&'static str>,
    unknown_policy: bool,
    boundary: Option<Vec<Stmt>>,
}

fn side_spec() -> impl Strategy<Value = SideSpec> {
    (
        proptest::collection::vec(statement(), 1..=4),
        prop_oneof![Just(None), Just(Some("red")), Just(Some("green"))],
        prop::bool::weighted(0.15),
        prop::option::weighted(0.2, proptest::collection::vec(statement(), 1..=2)),
    )
        .prop_map(|(stmts, team, unknown_policy, boundary)| SideSpec {
            stmts,
            team,
            unknown_policy,
            boundary,
        })
}

fn sides() -> impl Strategy<Value = (SideSpec, SideSpec)> {
    side_spec().prop_flat_map(|before| {
        let b = before.clone();
        prop_oneof![
            (Just(before.clone()), side_spec()),
            (Just(b), statement(), any::<prop::sample::Index>()).prop_map(|(b, s, i)| {
                let mut a = b.clone();
                let n = a.stmts.len();
                a.stmts[i.index(n)] = s;
                (b, a)
            }),
            (Just(before), any::<bool>()).prop_map(|(b, flip)| {
                let mut a = b.clone();
                if flip {
                    a.unknown_policy = !a.unknown_policy;
                } else {
                    a.team = if a.team.is_some() { None } else { Some("blue") };
                }
                (b, a)
            }),
        ]
    })
}

fn account(spec: &SideSpec) -> serde_json::Value {
    let doc = |stmts: &[Stmt]| {
        serde_json::json!({
            "Version": "2012-10-17",
            "Statement": stmts.iter().map(Stmt::json).collect::<Vec<_>>(),
        })
    };
    let mut attached = Vec::new();
    if spec.unknown_policy {
        attached.push(serde_json::json!({
            "PolicyName": "not-exported",
            "PolicyArn": "arn:aws:iam::111122223333:policy/not-exported",
        }));
    }
    let mut user = serde_json::json!({
        "Path": "/",
        "UserName": "u",
        "UserId": "AIDAPROPTEST00000001",
        "Arn": "arn:aws:iam::111122223333:user/u",
        "CreateDate": "2024-01-01T00:00:00Z",
        "GroupList": [],
        "AttachedManagedPolicies": attached,
        "UserPolicyList": [{ "PolicyName": "generated", "PolicyDocument": doc(&spec.stmts) }],
    });
    if let Some(team) = spec.team {
        user["Tags"] = serde_json::json!([{ "Key": "team", "Value": team }]);
    }
    let mut policies = Vec::new();
    if let Some(b) = &spec.boundary {
        user["PermissionsBoundary"] = serde_json::json!({
            "PermissionsBoundaryType": "Policy",
            "PermissionsBoundaryArn": "arn:aws:iam::111122223333:policy/boundary",
        });
        policies.push(serde_json::json!({
            "PolicyName": "boundary",
            "PolicyId": "ANPAPROPTEST00000001",
            "Arn": "arn:aws:iam::111122223333:policy/boundary",
            "Path": "/",
            "DefaultVersionId": "v1",
            "AttachmentCount": 1,
            "IsAttachable": true,
            "PolicyVersionList": [{
                "Document": doc(b),
                "VersionId": "v1",
                "IsDefaultVersion": true,
                "CreateDate": "2024-01-01T00:00:00Z",
            }],
        }));
    }
    serde_json::json!({
        "UserDetailList": [user],
        "GroupDetailList": [],
        "RoleDetailList": [],
        "Policies": policies,
    })
}

fn load_spec(dir: &Path, name: &str, spec: &SideSpec) -> Snapshot {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec_pretty(&account(spec)).unwrap()).unwrap();
    load(&[path], &LoadOptions::default())
}

fn check_random(before: &SideSpec, after: &SideSpec, closed: bool) -> Result<(), String> {
    let dir = tempfile::tempdir().unwrap();
    let b = load_spec(dir.path(), "before.json", before);
    let a = load_spec(dir.path(), "after.json", after);
    check(&b, &a, &Renames::default(), &RequestContext::new(closed))
        .map(|_| ())
        .map_err(|e| format!("{e}\nbefore: {before:#?}\nafter: {after:#?}"))
}

/// 48 cases keep the suite fast; `IAMDIFF_PROP_CASES=2000` searches harder.
fn cases() -> u32 {
    std::env::var("IAMDIFF_PROP_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(48)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Issue 7: every finding of a random diff agrees with explain on its witness.
    #[test]
    fn random_findings_agree_with_explain((before, after) in sides(), closed in any::<bool>()) {
        if let Err(e) = check_random(&before, &after, closed) {
            prop_assert!(false, "{}", e);
        }
    }
}

// ---- condition values are sets ----

fn allow_with(values: Vec<&'static str>) -> SideSpec {
    SideSpec {
        stmts: vec![Stmt {
            allow: true,
            actions: vec!["s3:GetObject"],
            not_resource: false,
            resources: vec!["arn:aws:s3:::b/*".into()],
            condition: Some(("StringEquals", "aws:SourceVpce", values)),
        }],
        team: None,
        unknown_policy: false,
        boundary: None,
    }
}

/// Issue 7: `["A","B"]` → `["B","A"]` (and a repeated value) is no change: condition values
/// are sets (IAM User Guide, "Conditions with multiple context keys or values": the values
/// of one key are OR-ed, https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html).
#[test]
fn reordered_condition_values_are_no_change() {
    let dir = tempfile::tempdir().unwrap();
    let b = load_spec(dir.path(), "before.json", &allow_with(vec!["A", "B"]));
    for after in [vec!["B", "A"], vec!["B", "A", "A"]] {
        let a = load_spec(dir.path(), "after.json", &allow_with(after.clone()));
        let outcome = run_diff(&b, &a, &Renames::default(), &open());
        assert!(
            outcome.principals.is_empty(),
            "{after:?}: {:#?}",
            outcome.principals
        );
        assert!(outcome.gate.passed);
    }
    // a real change still is one
    let a = load_spec(dir.path(), "after.json", &allow_with(vec!["B", "C"]));
    assert!(
        !run_diff(&b, &a, &Renames::default(), &open())
            .principals
            .is_empty()
    );
}

// ---- the AWS rules ----

fn user(stmts: Vec<Stmt>, team: Option<&'static str>) -> Snapshot {
    let dir = tempfile::tempdir().unwrap();
    load_spec(
        dir.path(),
        "account.json",
        &SideSpec {
            stmts,
            team,
            unknown_policy: false,
            boundary: None,
        },
    )
}

fn stmt(allow: bool, actions: &[&'static str], resources: &[&str]) -> Stmt {
    Stmt {
        allow,
        actions: actions.to_vec(),
        not_resource: false,
        resources: resources.iter().map(|r| (*r).to_owned()).collect(),
        condition: None,
    }
}

fn decide(snap: &Snapshot, action: &str, resource: &str, ctx: &RequestContext) -> Decision {
    explain(snap, PrincipalKind::User, "u", action, resource, ctx)
        .unwrap()
        .decision
}

/// Issue 7: "No permissions are required to perform this operation. If an administrator
/// attaches a policy to your identity that explicitly denies access to the
/// sts:GetCallerIdentity action, you can still perform this operation."
/// (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html)
/// The same in effective, explain and diff.
#[test]
fn get_caller_identity_is_always_allowed() {
    let gci = "sts:GetCallerIdentity";
    let nothing = user(
        vec![stmt(true, &["s3:GetObject"], &["arn:aws:s3:::b/*"])],
        None,
    );
    let deny_all = user(
        vec![stmt(true, &["*"], &["*"]), stmt(false, &["*"], &["*"])],
        None,
    );
    for snap in [&nothing, &deny_all] {
        assert_eq!(decide(snap, gci, "*", &open()), Decision::Allowed);
        let e = iamdiff::eval::effective(snap, catalog(), &EvalOptions::default());
        let id = catalog().lookup(gci).unwrap();
        assert_eq!(
            e.principals[0].evaluation.status_of(id),
            Some(iamdiff::eval::effective::Status::Allowed)
        );
    }
    assert_eq!(
        decide(&deny_all, "sts:GetSessionToken", "*", &open()),
        Decision::Denied
    );
    // no finding about it, either way
    for (b, a) in [(&nothing, &deny_all), (&deny_all, &nothing)] {
        let outcome = run_diff(b, a, &Renames::default(), &open());
        let about = outcome
            .principals
            .iter()
            .flat_map(|p| &p.findings)
            .filter(|f| f.actions.iter().any(|x| x == gci))
            .count();
        assert_eq!(about, 0);
    }
}

/// Issue 7: the export lists a user's tags, so `${aws:PrincipalTag/team}` for a user
/// without that tag is a variable with no value: "If there is no value … the policy
/// variable … does not match" and a `Resource` with it matches nothing
/// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#policy-vars-no-value);
/// in a condition the key is absent, so `StringNotEquals` is true.
#[test]
fn a_missing_principal_tag_is_absent_not_unknown() {
    let home = stmt(
        true,
        &["s3:GetObject"],
        &["arn:aws:s3:::b/${aws:PrincipalTag/team}/*"],
    );
    let untagged = user(vec![home.clone()], None);
    let tagged = user(vec![home], Some("red"));
    let red = "arn:aws:s3:::b/red/k";
    assert_eq!(
        decide(&untagged, "s3:GetObject", red, &open()),
        Decision::NotAllowed
    );
    assert_eq!(
        decide(&tagged, "s3:GetObject", red, &open()),
        Decision::Allowed
    );
    let e = iamdiff::eval::effective(&untagged, catalog(), &EvalOptions::default());
    let id = catalog().lookup("s3:GetObject").unwrap();
    assert_eq!(e.principals[0].evaluation.status_of(id), None);

    let mut not_owner = stmt(true, &["s3:PutObject"], &["*"]);
    not_owner.condition = Some(("StringNotEquals", "aws:PrincipalTag/owner", vec!["x"]));
    let mut owner = stmt(true, &["s3:DeleteObject"], &["*"]);
    owner.condition = Some(("StringEquals", "aws:PrincipalTag/owner", vec!["x"]));
    let u = user(vec![not_owner, owner], None);
    assert_eq!(decide(&u, "s3:PutObject", red, &open()), Decision::Allowed);
    assert_eq!(
        decide(&u, "s3:DeleteObject", red, &open()),
        Decision::NotAllowed
    );
}

/// Issue 7: `ForAllValues:Null` / `ForAnyValue:Null` are decided with a closed context.
/// `ForAllValues` "also returns true if there are no context keys in the request", and
/// `ForAnyValue` needs one request value (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html);
/// a value present in the request is not null
/// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Null).
#[test]
fn set_qualified_null_is_decided_in_a_closed_context() {
    let with = |op: &'static str, v: &'static str| {
        let mut s = stmt(true, &["s3:GetObject"], &["*"]);
        s.condition = Some((op, "aws:TagKeys", vec![v]));
        user(vec![s], None)
    };
    let closed = RequestContext::new(true);
    let mut tagged = RequestContext::new(true);
    tagged.insert("aws:TagKeys", vec!["a".into(), "b".into()]);
    let r = "arn:aws:s3:::b/k";
    let cases = [
        ("ForAllValues:Null", "true", &closed, Decision::Allowed),
        ("ForAllValues:Null", "false", &closed, Decision::Allowed),
        ("ForAllValues:Null", "true", &tagged, Decision::NotAllowed),
        ("ForAllValues:Null", "false", &tagged, Decision::Allowed),
        ("ForAnyValue:Null", "true", &closed, Decision::NotAllowed),
        ("ForAnyValue:Null", "false", &closed, Decision::NotAllowed),
        ("ForAnyValue:Null", "true", &tagged, Decision::NotAllowed),
        ("ForAnyValue:Null", "false", &tagged, Decision::Allowed),
    ];
    for (op, v, ctx, want) in cases {
        assert_eq!(
            decide(&with(op, v), "s3:GetObject", r, ctx),
            want,
            "{op} {v}"
        );
    }
    assert_eq!(
        decide(
            &with("ForAnyValue:Null", "false"),
            "s3:GetObject",
            r,
            &open()
        ),
        Decision::Conditional
    );
}
