//! `iamdiff diff` end to end, through the binary: the migration fixture
//! (`fixtures/aws/migration/`, see its README) gives one case of every finding category,
//! and the tests assert the JSON report's findings, witnesses (checked again with
//! `iamdiff explain` on both sides), waivers, renames, the gate's exit codes, the files
//! `--out` writes and their determinism. Small focused pairs live in `fixtures/aws/diff/`.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::OnceLock;

use iamdiff::catalog::AccessLevel;
use iamdiff::diff::findings::{Category, Code, Finding};
use iamdiff::report::diff::{DiffReport, PrincipalDiff, PrincipalStatus, WaiverState};

use crate::util::{fixture, iamdiff};

const BEFORE: &str = "fixtures/aws/company/account.json";
const AFTER: &str = "fixtures/aws/migration/after.json";
const MAP: &str = "fixtures/aws/migration/map.yaml";
const WAIVERS: &str = "fixtures/aws/migration/waivers.yaml";
/// Waiver #0 (2099) is valid, #1 (2025-12-31) expired, #2 matches nobody.
const TODAY: &str = "2026-11-24";
const SM_ROLE: &str = "edge-prod-b001-role-sagemaker-execution";
const PROJECTS_OBJECTS: &str = "arn:aws:s3:::examplecorp-ds-projects/";
const MODELS_OBJECTS: &str = "arn:aws:s3:::examplecorp-ds-projects/models/";
const PRESIGNED: &str = "sagemaker:CreatePresignedNotebookInstanceUrl";

/// The migration's arguments with map, waivers and a fixed date.
fn migration_args() -> Vec<&'static str> {
    vec![
        "diff",
        "--before",
        BEFORE,
        "--after",
        AFTER,
        "--map",
        MAP,
        "--waivers",
        WAIVERS,
        "--today",
        TODAY,
    ]
}

struct Run {
    code: i32,
    stdout: Vec<u8>,
    stderr: String,
}

fn run(args: &[&str]) -> Run {
    let out = iamdiff().args(args).output().unwrap();
    Run {
        code: out.status.code().expect("exit code"),
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `iamdiff diff <args> --format json`, parsed into the report model.
fn json_report(args: &[&str]) -> (i32, DiffReport) {
    let mut a = args.to_vec();
    a.extend(["--format", "json"]);
    let r = run(&a);
    assert!(r.code == 0 || r.code == 1, "exit {}: {}", r.code, r.stderr);
    let report: DiffReport = iamdiff::report::json::from_str(&String::from_utf8_lossy(&r.stdout))
        .unwrap_or_else(|e| panic!("not a diff report: {e}\n{}", r.stderr));
    (r.code, report)
}

/// The migration with the default gate, computed once.
fn migration() -> &'static (i32, DiffReport) {
    static REPORT: OnceLock<(i32, DiffReport)> = OnceLock::new();
    REPORT.get_or_init(|| json_report(&migration_args()))
}

fn principal<'a>(r: &'a DiffReport, name: &str) -> &'a PrincipalDiff {
    r.principals
        .iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| {
            panic!(
                "no principal `{name}` in {:?}",
                r.principals.iter().map(|p| &p.name).collect::<Vec<_>>()
            )
        })
}

fn with_action<'a>(p: &'a PrincipalDiff, action: &str) -> Vec<&'a Finding> {
    p.findings
        .iter()
        .filter(|f| f.actions.iter().any(|a| a == action))
        .collect()
}

fn explain_both(principal: &str, action: &str, resource: &str) -> serde_json::Value {
    let r = run(&[
        "explain",
        "--before",
        BEFORE,
        "--after",
        AFTER,
        "--map",
        MAP,
        "--principal",
        principal,
        "--action",
        action,
        "--resource",
        resource,
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    serde_json::from_slice(&r.stdout).unwrap()
}

/// A gate verdict must follow from the findings: selected by `--fail-on` and
/// `--min-level`, and not waived.
fn check_gate(r: &DiffReport, code: i32) {
    let mut failing = 0;
    for f in r.findings() {
        let selected = r.gate.fail_on.contains(&f.category) && f.severity >= r.gate.min_level;
        assert_eq!(
            f.fails_gate,
            selected && f.waived.is_none(),
            "{} {} {:?} (severity {}, waived {:?}) under {}",
            f.principal,
            f.code,
            f.actions,
            f.severity,
            f.waived.as_ref().map(|w| w.index),
            r.gate.selection()
        );
        failing += usize::from(f.fails_gate);
    }
    for p in &r.principals {
        assert_eq!(
            p.fails_gate,
            p.findings.iter().any(|f| f.fails_gate),
            "{}",
            p.name
        );
    }
    assert_eq!(r.gate.failing, failing);
    assert_eq!(r.gate.passed, failing == 0);
    assert_eq!(
        code,
        if failing == 0 { 0 } else { 1 },
        "{}",
        r.gate.selection()
    );
}

// ---- every category on the migration fixture ----

#[test]
fn migration_fails_the_default_gate() {
    let (code, r) = migration();
    assert_eq!(*code, 1);
    assert_eq!(r.schema, "iamdiff/diff/v3");
    assert_eq!(
        r.gate.fail_on,
        [
            Category::Lost,
            Category::Narrowed,
            Category::Removed,
            Category::Review
        ]
    );
    assert_eq!(r.gate.min_level, AccessLevel::List);
    check_gate(r, *code);
    // 8 users and 4 roles before; ci-deploy removed; ivan new
    assert_eq!(r.summary.compared, 11);
    assert_eq!(r.summary.removed, 1);
    assert_eq!(r.summary.new, 1);
    assert_eq!(r.summary.changed, 6);
    assert_eq!(r.before.sources, [BEFORE]);
    assert_eq!(r.after.sources, [AFTER]);
}

#[test]
fn unchanged_principals_are_absent() {
    let (_, r) = migration();
    for name in [
        "alice",
        "erin",
        "grace",
        "ops-admin",
        "AWSServiceRoleForSupport",
    ] {
        assert!(
            r.principals.iter().all(|p| p.name != name),
            "`{name}` did not change and must not be listed"
        );
    }
    let names: Vec<(&str, &str)> = r
        .principals
        .iter()
        .map(|p| (p.kind.as_str(), p.name.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            ("role", "ci-deploy"),
            ("role", SM_ROLE),
            ("user", "bob"),
            ("user", "carol"),
            ("user", "dave"),
            ("user", "frank"),
            ("user", "heidi"),
            ("user", "ivan"),
        ],
        "sorted by kind, then name"
    );
}

#[test]
fn carol_loses_the_project_bucket() {
    let (_, r) = migration();
    let carol = principal(r, "carol");
    assert_eq!(carol.status, PrincipalStatus::Changed);
    assert!(carol.fails_gate);
    // ds-s3-project-access reached her through data-science-team, which she is no longer
    // in; but a policy she has after has an unknown document, which may allow it: explain
    // says allowed → conditional, and so does the diff (issue 7). Her needs-review finding
    // fails the gate.
    for action in ["s3:GetObject", "s3:PutObject", "s3:ListBucket"] {
        let found = with_action(carol, action);
        assert_eq!(found.len(), 1, "{action}: {found:#?}");
        let f = found[0];
        assert_eq!(f.code, Code::Conditional, "{action}");
        assert_eq!(f.service, "s3");
        assert!(f.waived.is_none(), "{action}");
        assert_eq!(f.after.status, "conditional");
        assert!(f.after.routes.is_empty());
        // the routes are the statements that allowed the witness (issue 7): the project
        // bucket's, or AmazonSageMakerFullAccess's for buckets named like `*aws-glue*`
        assert!(!f.before.routes.is_empty(), "{action}");
        assert!(
            f.before
                .routes
                .iter()
                .all(|r| (r.policy == "ds-s3-project-access"
                    && r.version.as_deref() == Some("v2"))
                    || r.policy == "AmazonSageMakerFullAccess"),
            "{action}: {:#?}",
            f.before.routes
        );
        let w = f.witness.as_deref().expect("a lost finding has a witness");
        assert!(w.starts_with("arn:aws:s3:::"), "{w}");
    }
}

#[test]
fn carols_sagemaker_losses_are_waived_by_waiver_0() {
    let (_, r) = migration();
    let carol = principal(r, "carol");
    let sagemaker: Vec<&Finding> = carol
        .findings
        .iter()
        .filter(|f| f.service == "sagemaker")
        .collect();
    assert!(!sagemaker.is_empty());
    let mut waived_actions = 0;
    for f in &sagemaker {
        // conditional, not lost: a policy she has after is unknown (issue 7)
        assert_eq!(f.code, Code::Conditional, "{:?}", f.actions);
        let w = f.waived.as_ref().expect("waived by `sagemaker:*`");
        assert_eq!(w.index, 0);
        assert_eq!(
            w.reason,
            "carol joins edge-prod-b001-group-ml-users in sprint 42 (MIG-118)"
        );
        assert_eq!(w.approved_by, "security@examplecorp.example");
        assert_eq!(w.expires.as_deref(), Some("2099-12-31"));
        assert!(!f.fails_gate, "a waived finding never fails the gate");
        waived_actions += f.actions.len();
    }
    assert!(waived_actions > 100, "{waived_actions}");
    // `sagemaker:*` does not reach `sagemaker-geospatial:*`, nor any other service
    for f in carol.findings.iter().filter(|f| f.service != "sagemaker") {
        assert!(
            f.waived.is_none(),
            "{} {:?} is not a sagemaker action",
            f.code,
            f.actions
        );
    }
    assert!(
        carol
            .findings
            .iter()
            .any(|f| f.service == "sagemaker-geospatial" && f.waived.is_none())
    );
    let w0 = &r.waivers[0];
    assert_eq!(w0.state, WaiverState::Applied);
    // the person view's findings of carol are waived alike, and counted (issue 9)
    let person_waived = r
        .people
        .iter()
        .flat_map(|p| &p.diff.findings)
        .filter(|f| f.waived.as_ref().is_some_and(|w| w.index == 0))
        .count();
    assert_eq!(w0.matched, sagemaker.len() + person_waived);
    // every waived finding the gate would have selected is counted
    let waived = r
        .findings()
        .filter(|f| f.waived.is_some() && r.gate.fail_on.contains(&f.category))
        .count();
    assert_eq!(r.gate.waived, waived);
    // conditional findings are not selected by the default gate
    assert_eq!(waived, 0);
}

#[test]
fn renamed_sagemaker_role_is_narrowed_on_put_object() {
    let (_, r) = migration();
    let role = principal(r, SM_ROLE);
    assert_eq!(role.kind, "role");
    assert_eq!(role.status, PrincipalStatus::Changed);
    assert_eq!(role.before_name.as_deref(), Some("old-sagemaker-role"));
    assert_eq!(
        role.arn_before.as_deref(),
        Some("arn:aws:iam::111122223333:role/service-role/old-sagemaker-role")
    );
    assert_eq!(
        role.arn_after.as_deref(),
        Some(&*format!(
            "arn:aws:iam::111122223333:role/service-role/{SM_ROLE}"
        ))
    );
    let put = with_action(role, "s3:PutObject");
    assert_eq!(put.len(), 1, "{put:#?}");
    let f = put[0];
    assert_eq!(f.code, Code::Narrowed);
    assert_eq!(f.actions, ["s3:PutObject"]);
    assert_eq!(f.severity, AccessLevel::Write);
    assert!(f.fails_gate);
    // the witness is an object of the projects bucket outside models/: matched by
    // `examplecorp-ds-projects/*` (a prefix pattern) and not by `.../models/*`
    let w = f
        .witness
        .as_deref()
        .expect("a narrowed finding has a witness");
    assert!(w.starts_with(PROJECTS_OBJECTS), "{w}");
    assert!(!w.starts_with(MODELS_OBJECTS), "{w}");
    assert!(f.message.contains(w), "{}", f.message);
    assert!(
        f.before
            .routes
            .iter()
            .any(|r| r.policy == "sagemaker-project-data" && r.statement == "TrainingDataAccess")
    );
    // ListBucket keeps the bucket itself: no finding
    assert!(with_action(role, "s3:ListBucket").is_empty());
}

#[test]
fn narrowed_witness_is_allowed_before_and_not_after() {
    let (_, r) = migration();
    let f = with_action(principal(r, SM_ROLE), "s3:PutObject")[0];
    let w = f.witness.as_deref().unwrap();
    let e = explain_both("old-sagemaker-role", "s3:PutObject", w);
    assert_eq!(e["before"]["decision"], "allowed", "{e:#}");
    assert_eq!(e["before"]["principal"], "old-sagemaker-role");
    assert_eq!(e["after"]["principal"], SM_ROLE);
    let after = e["after"]["decision"].as_str().unwrap();
    assert!(after == "not-allowed" || after == "denied", "{e:#}");
    // and a models/ object is still allowed after: narrowed, not lost
    let kept = format!("{MODELS_OBJECTS}churn.tar.gz");
    let e = explain_both("old-sagemaker-role", "s3:PutObject", &kept);
    assert_eq!(e["before"]["decision"], "allowed");
    assert_eq!(e["after"]["decision"], "allowed");
}

#[test]
fn bob_loses_presigned_urls_to_the_new_deny_and_the_expired_waiver_does_not_apply() {
    let (_, r) = migration();
    let bob = principal(r, "bob");
    let lost: Vec<&Finding> = with_action(bob, PRESIGNED)
        .into_iter()
        .filter(|f| f.code == Code::Lost)
        .collect();
    assert_eq!(lost.len(), 1, "{:#?}", bob.findings);
    let f = lost[0];
    assert_eq!(f.actions, [PRESIGNED]);
    assert!(f.waived.is_none(), "waiver #1 expired on 2025-12-31");
    assert!(f.fails_gate);
    assert_eq!(f.after.status, "denied", "the new deny explains the loss");
    // the witness: allowed before, explicitly denied after by the new guardrail
    let w = f.witness.as_deref().expect("witness");
    let e = explain_both("bob", PRESIGNED, w);
    assert_eq!(e["before"]["decision"], "allowed", "{e:#}");
    assert_eq!(e["after"]["decision"], "denied", "{e:#}");
    assert!(
        e["after"]["statements"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["policy"] == "ml-users-guardrails"
                && s["statement"] == "NoPresignedNotebookUrls"
                && s["outcome"] == "denies"),
        "{e:#}"
    );
    // the expired waiver is itself a finding, under bob
    let expired: Vec<&Finding> = bob
        .findings
        .iter()
        .filter(|f| f.code == Code::ExpiredWaiver)
        .collect();
    assert_eq!(expired.len(), 1);
    assert_eq!(expired[0].actions, [PRESIGNED]);
    assert_eq!(expired[0].category, Category::Review);
    assert!(expired[0].fails_gate, "review is in the default gate");
    assert!(expired[0].message.contains("2025-12-31"));
    let w1 = &r.waivers[1];
    assert_eq!((w1.state, w1.matched), (WaiverState::Expired, 0));
    assert_eq!(w1.principal, "bob");
    // nothing else of bob's changed: the other SageMaker actions moved to ml-users
    assert_eq!(bob.findings.len(), 2, "{:#?}", bob.findings);
}

/// STYLE habit 6 and DESIGN promise 2: a lost finding names the statements behind it
/// on both sides. Here the after side is an explicit Deny, which `explain` shows but the
/// diff finding does not (it says `not-allowed` with no route).
#[test]
fn bob_lost_finding_names_the_new_deny() {
    let (_, r) = migration();
    let f = with_action(principal(r, "bob"), PRESIGNED)
        .into_iter()
        .find(|f| f.code == Code::Lost)
        .unwrap();
    assert!(
        f.after
            .routes
            .iter()
            .any(|r| r.policy == "ml-users-guardrails" && r.statement == "NoPresignedNotebookUrls"),
        "the after side of bob's lost finding does not name the Deny that removes it: {:#?}\nmessage: {}",
        f.after,
        f.message
    );
}

#[test]
fn unmatched_waiver_is_reported_unused() {
    let (_, r) = migration();
    let w2 = &r.waivers[2];
    assert_eq!(w2.principal, "mallory");
    assert_eq!((w2.state, w2.matched), (WaiverState::Unused, 0));
    let unused: Vec<&Finding> = r
        .general
        .iter()
        .filter(|f| f.code == Code::UnusedWaiver)
        .collect();
    assert_eq!(unused.len(), 1);
    assert_eq!(unused[0].principal, "mallory");
    assert_eq!(unused[0].category, Category::Info);
    assert!(!unused[0].fails_gate, "info never fails a gate");
    assert_eq!(r.waivers.len(), 3);
}

#[test]
fn heidi_needs_mfa_now() {
    let (_, r) = migration();
    let heidi = principal(r, "heidi");
    assert_eq!(heidi.findings.len(), 1, "{:#?}", heidi.findings);
    let f = &heidi.findings[0];
    assert_eq!(f.code, Code::Conditional);
    assert_eq!(f.actions, ["ec2:RebootInstances"]);
    assert!(!f.fails_gate, "conditional is not in the default gate");
    assert!(
        f.after
            .conditions
            .iter()
            .any(|c| c.contains("aws:MultiFactorAuthPresent")),
        "{:?}",
        f.after.conditions
    );
    assert!(
        !f.before
            .conditions
            .iter()
            .any(|c| c.contains("aws:MultiFactorAuthPresent"))
    );
    // with her team's tag but without MFA known, the after side is only conditional
    let e = explain_both(
        "heidi",
        "ec2:RebootInstances",
        "arn:aws:ec2:us-east-1:111122223333:instance/i-0f1e2d3c4b5a69788",
    );
    assert_eq!(e["after"]["decision"], "conditional", "{e:#}");
}

#[test]
fn frank_gains_billing() {
    let (_, r) = migration();
    let frank = principal(r, "frank");
    assert!(!frank.findings.is_empty());
    assert!(!frank.fails_gate);
    for f in &frank.findings {
        assert_eq!(f.code, Code::Gained, "{:?}", f.actions);
        assert_eq!(f.category, Category::Gained);
        assert!(f.severity <= AccessLevel::Read, "billing read-only");
        assert!(
            f.after.routes.iter().any(
                |r| r.policy == "AWSBillingReadOnlyAccess" && r.via == "group finance-readonly"
            ),
            "{:#?}",
            f.after.routes
        );
    }
    assert!(frank.findings.iter().any(|f| f.service == "invoicing"));
    assert_eq!(frank.counts.lost, 0);
    assert!(frank.counts.gained > 0);
}

#[test]
fn ci_deploy_is_removed() {
    let (_, r) = migration();
    let ci = principal(r, "ci-deploy");
    assert_eq!(ci.status, PrincipalStatus::Removed);
    assert_eq!(
        ci.arn_before.as_deref(),
        Some("arn:aws:iam::111122223333:role/ci-deploy")
    );
    assert!(ci.arn_after.is_none());
    assert!(ci.fails_gate);
    for f in &ci.findings {
        assert_eq!(f.code, Code::RemovedPrincipal);
        assert_eq!(f.after.status, "absent");
        assert!(f.fails_gate);
    }
    let services: Vec<&str> = ci.findings.iter().map(|f| f.service.as_str()).collect();
    // sts: `sts:GetCallerIdentity`, which AWS allows every principal (issue 7)
    assert_eq!(services, ["ecr", "iam", "lambda", "sts"]);
    assert!(ci.counts.lost > 0);
}

#[test]
fn ivan_is_new() {
    let (_, r) = migration();
    let ivan = principal(r, "ivan");
    assert_eq!(ivan.status, PrincipalStatus::New);
    assert_eq!(
        ivan.arn_after.as_deref(),
        Some("arn:aws:iam::111122223333:user/ivan")
    );
    assert!(ivan.arn_before.is_none());
    assert!(!ivan.fails_gate, "gained is not in the default gate");
    assert!(!ivan.findings.is_empty());
    for f in &ivan.findings {
        assert_eq!(f.code, Code::NewPrincipal);
        assert_eq!(f.before.status, "absent");
    }
    // ivan is a copy of bob's new memberships: the presigned URL is denied to him too
    assert!(
        ivan.findings
            .iter()
            .all(|f| !f.actions.iter().any(|a| a == PRESIGNED))
    );
}

#[test]
fn dave_needs_review_for_the_unknown_policy() {
    let (_, r) = migration();
    let dave = principal(r, "dave");
    assert_eq!(dave.findings.len(), 1, "{:#?}", dave.findings);
    let f = &dave.findings[0];
    assert_eq!(f.code, Code::NeedsReview);
    assert_eq!(f.category, Category::Review);
    assert!(f.fails_gate);
    assert!(
        f.message
            .contains("arn:aws:iam::111122223333:policy/edge-prod-b001-policy-ml-observability"),
        "{}",
        f.message
    );
    // carol joined the same group after: she needs the same review
    assert!(
        principal(r, "carol")
            .findings
            .iter()
            .any(|f| f.code == Code::NeedsReview
                && f.message.contains("edge-prod-b001-policy-ml-observability"))
    );
    // and the input warning names the place
    assert!(r.after.warnings.iter().any(|w| {
        let s = w.to_string();
        s.contains("edge-prod-b001-policy-ml-observability") && s.contains(AFTER)
    }));
}

#[test]
fn counts_add_up() {
    let (_, r) = migration();
    let mut lost = 0;
    let mut gained = 0;
    for p in &r.principals {
        let l: usize = p
            .findings
            .iter()
            .filter(|f| matches!(f.code, Code::Lost | Code::RemovedPrincipal))
            .map(|f| f.actions.len())
            .sum();
        assert_eq!(p.counts.lost, l, "{}", p.name);
        lost += l;
        gained += p.counts.gained;
        // the severity of access changes; an expired waiver placed under the principal
        // (Permissions management, so that it passes any --min-level) does not count
        let access = p
            .findings
            .iter()
            .filter(|f| !matches!(f.code, Code::ExpiredWaiver | Code::UnusedWaiver))
            .map(|f| f.severity)
            .max()
            .unwrap();
        assert_eq!(p.max_severity, access, "{}", p.name);
    }
    assert_eq!(r.summary.counts.lost, lost);
    assert_eq!(r.summary.counts.gained, gained);
}

// ---- waivers: boundaries and filters ----

#[test]
fn a_waiver_applies_through_its_expiry_date() {
    let bob_presigned_waived = |today: &str| {
        let mut a = migration_args();
        let i = a.iter().position(|x| *x == TODAY).unwrap();
        a[i] = today;
        let (_, r) = json_report(&a);
        let f = with_action(principal(&r, "bob"), PRESIGNED)
            .into_iter()
            .find(|f| f.code == Code::Lost)
            .cloned()
            .unwrap();
        (f.waived.map(|w| w.index), r.waivers[1].state)
    };
    assert_eq!(
        bob_presigned_waived("2025-12-31"),
        (Some(1), WaiverState::Applied)
    );
    assert_eq!(
        bob_presigned_waived("2026-01-01"),
        (None, WaiverState::Expired)
    );
}

/// Builds a waivers file in `dir`.
fn waivers_file(dir: &Path, text: &str) -> String {
    let p = dir.join("waivers.yaml");
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

#[test]
fn waiver_resource_and_code_filters() {
    let dir = tempfile::tempdir().unwrap();
    // the role's narrowed PutObject and conditional GetObject share one witness; only the
    // code tells them apart
    let w = waivers_file(
        dir.path(),
        &format!(
            "waivers:\n  - principal: '{SM_ROLE}'\n    action: 's3:*'\n    resource: 'arn:aws:s3:::examplecorp-ds-projects/*'\n    code: narrowed\n    reason: models only, by design\n    approved_by: data-platform@examplecorp.example\n"
        ),
    );
    let (_, r) = json_report(&[
        "diff",
        "--before",
        BEFORE,
        "--after",
        AFTER,
        "--map",
        MAP,
        "--waivers",
        &w,
    ]);
    let role = principal(&r, SM_ROLE);
    for f in &role.findings {
        match f.code {
            Code::Narrowed => assert_eq!(f.waived.as_ref().map(|w| w.index), Some(0)),
            _ => assert!(f.waived.is_none(), "{} must not be waived", f.code),
        }
    }
    assert_eq!(r.waivers[0].state, WaiverState::Applied);
    assert_eq!(r.waivers[0].matched, 1);

    // a resource glob that matches no witness: unused
    let w = waivers_file(
        dir.path(),
        &format!(
            "waivers:\n  - principal: '{SM_ROLE}'\n    action: 's3:PutObject'\n    resource: 'arn:aws:s3:::other-bucket/*'\n    reason: r\n    approved_by: me\n"
        ),
    );
    let (code, r) = json_report(&[
        "diff",
        "--before",
        BEFORE,
        "--after",
        AFTER,
        "--map",
        MAP,
        "--waivers",
        &w,
    ]);
    assert_eq!(r.waivers[0].state, WaiverState::Unused);
    assert!(
        principal(&r, SM_ROLE)
            .findings
            .iter()
            .all(|f| f.waived.is_none())
    );
    check_gate(&r, code);
}

#[test]
fn a_waiver_covering_part_of_a_finding_splits_it() {
    let dir = tempfile::tempdir().unwrap();
    // carol's lost `s3:GetBucketAcl, s3:PutObjectAcl` (one finding): waive the Put only
    let w = waivers_file(
        dir.path(),
        "waivers:\n  - principal: carol\n    action: 's3:Put*'\n    reason: uploads move to the pipeline\n    approved_by: me\n",
    );
    let (code, r) = json_report(&[
        "diff",
        "--before",
        BEFORE,
        "--after",
        AFTER,
        "--waivers",
        &w,
    ]);
    check_gate(&r, code);
    let carol = principal(&r, "carol");
    let acl_get = with_action(carol, "s3:GetBucketAcl");
    let acl_put = with_action(carol, "s3:PutObjectAcl");
    assert_eq!((acl_get.len(), acl_put.len()), (1, 1));
    assert_eq!(acl_put[0].actions, ["s3:PutObjectAcl"]);
    assert!(acl_put[0].waived.is_some() && !acl_put[0].fails_gate);
    assert_eq!(acl_get[0].actions, ["s3:GetBucketAcl"]);
    // conditional (a policy carol has after is unknown, issue 7): not failing by default
    assert!(acl_get[0].waived.is_none() && !acl_get[0].fails_gate);
    assert_eq!(acl_get[0].witness, acl_put[0].witness);
    // no Put action of carol's is left failing
    for f in &carol.findings {
        if f.actions.iter().any(|a| a.starts_with("s3:Put")) {
            assert!(f.waived.is_some(), "{:?}", f.actions);
        }
    }
}

// ---- exit codes and gate options ----

#[test]
fn gates_that_pass_and_fail() {
    let with = |extra: &[&str]| {
        let mut a = migration_args();
        a.extend(extra);
        let (code, r) = json_report(&a);
        check_gate(&r, code);
        (code, r)
    };
    // heidi's conditional is Write and the role's is Read; only carol's (what she had and
    // only an unknown policy may still allow, issue 7) reach Permissions management
    let (code, r) = with(&["--fail-on", "conditional", "--min-level", "permissions"]);
    assert_eq!(code, 1);
    assert_eq!(r.gate.fail_on, [Category::Conditional]);
    assert_eq!(r.gate.min_level, AccessLevel::PermissionsManagement);
    assert!(r.findings().any(|f| f.code == Code::Conditional));
    let failing: Vec<&str> = r
        .principals
        .iter()
        .filter(|p| p.fails_gate)
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(failing, ["carol"]);
    // at any level they fail it
    assert_eq!(with(&["--fail-on", "conditional"]).0, 1);
    // frank's gains are Read; ivan's reach Permissions management (iam:PassRole)
    let (code, r) = with(&["--fail-on", "gained"]);
    assert_eq!(code, 1);
    assert!(principal(&r, "frank").fails_gate && principal(&r, "ivan").fails_gate);
    assert!(!principal(&r, "carol").fails_gate);
    let (code, r) = with(&["--fail-on", "gained", "--min-level", "write"]);
    assert_eq!(code, 1);
    assert!(!principal(&r, "frank").fails_gate && principal(&r, "ivan").fails_gate);
    // only the removed role, only the review items
    let (code, r) = with(&["--fail-on", "removed"]);
    assert_eq!(code, 1);
    let failing: Vec<&str> = r
        .principals
        .iter()
        .filter(|p| p.fails_gate)
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(failing, ["ci-deploy"]);
    let (_, r) = with(&["--fail-on", "review"]);
    let failing: Vec<&str> = r
        .principals
        .iter()
        .filter(|p| p.fails_gate)
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(
        failing,
        ["bob", "carol", "dave"],
        "expired waiver, unknown policy"
    );
}

#[test]
fn min_level_filters_the_gate_not_the_report() {
    let (_, all) = migration();
    let mut previous = usize::MAX;
    for level in ["list", "read", "tagging", "write", "permissions"] {
        let mut a = migration_args();
        a.extend(["--min-level", level]);
        let (code, r) = json_report(&a);
        check_gate(&r, code);
        // every finding is still reported
        assert_eq!(r.findings().count(), all.findings().count(), "{level}");
        assert_eq!(r.principals.len(), all.principals.len());
        assert!(r.gate.failing <= previous, "{level}");
        previous = r.gate.failing;
        for f in r.findings().filter(|f| f.fails_gate) {
            assert!(f.severity >= r.gate.min_level);
        }
    }
    // at Permissions management, heidi and the role no longer fail; ci-deploy still does
    assert_eq!(
        serde_json::to_value(AccessLevel::PermissionsManagement).unwrap(),
        "Permissions management"
    );
    let mut a = migration_args();
    a.extend(["--min-level", "permissions"]);
    let (_, r) = json_report(&a);
    assert!(principal(&r, "ci-deploy").fails_gate);
    assert!(!principal(&r, SM_ROLE).fails_gate);
    assert!(
        !principal(&r, "bob")
            .findings
            .iter()
            .any(|f| f.code == Code::Lost && f.fails_gate)
    );
}

#[test]
fn fail_on_takes_a_list_or_repeats() {
    let gate = |extra: &[&str]| {
        let mut a = migration_args();
        a.extend(extra);
        json_report(&a).1.gate
    };
    let listed = gate(&["--fail-on", "lost,gained"]);
    let repeated = gate(&["--fail-on", "lost", "--fail-on", "gained"]);
    assert_eq!(listed.fail_on, [Category::Lost, Category::Gained]);
    assert_eq!(listed, repeated);
    let all = gate(&[
        "--fail-on",
        "lost,narrowed,conditional,gained,removed,review",
    ]);
    assert_eq!(all.fail_on.len(), 6);
    assert!(all.failing > listed.failing);

    let mut a = migration_args();
    a.extend(["--fail-on", "lost,lots"]);
    let r = run(&a);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("lots") && r.stderr.contains("possible values"),
        "{}",
        r.stderr
    );
}

#[test]
fn bad_map_file_is_exit_2_with_its_place() {
    let dir = tempfile::tempdir().unwrap();
    for (text, place) in [
        (
            "renames:\n  roles:\n    - to: b\n",
            " (at /renames/roles/0)",
        ),
        (
            "renames:\n  roles:\n    - pattern: '('\n      to: b\n",
            " (at /renames/roles/0)",
        ),
        ("renames:\n  roles: [\n", ":3:1"),
        ("renames:\n  principals: []\n", ":2:3"),
    ] {
        let p = dir.path().join("map.yaml");
        std::fs::write(&p, text).unwrap();
        let p = p.display().to_string();
        let r = run(&["diff", "--before", BEFORE, "--after", AFTER, "--map", &p]);
        assert_eq!(r.code, 2, "{text}: {}", r.stderr);
        assert!(r.stdout.is_empty(), "no report on bad input");
        assert!(
            r.stderr.contains(&format!("{p}{place}")),
            "{text}: expected `{p}{place}` in\n{}",
            r.stderr
        );
    }
}

#[test]
fn bad_waivers_file_is_exit_2_with_its_place() {
    let dir = tempfile::tempdir().unwrap();
    let ok = "principal: a\n    action: b\n    reason: r\n    approved_by: me\n";
    for (text, place, what) in [
        (
            format!("waivers:\n  - {ok}    expires: soon\n"),
            " (at /waivers/0)",
            "YYYY-MM-DD",
        ),
        (
            format!("waivers:\n  - {ok}  - {ok}    reason: ''\n"),
            ":6:5",
            "duplicate entry with key \"reason\"",
        ),
        (
            format!(
                "waivers:\n  - {ok}  - principal: a\n    action: b\n    reason: ' '\n    approved_by: me\n"
            ),
            " (at /waivers/1)",
            "`reason`",
        ),
        (
            format!("waivers:\n  - {ok}    colour: red\n"),
            ":6:5",
            "colour",
        ),
        (
            format!("waivers:\n  - {ok}    code: vanished\n"),
            ":6:11",
            "unknown value `vanished`",
        ),
        (
            "waivers:\n  - principal: 'a[b'\n    action: b\n    reason: r\n    approved_by: me\n"
                .to_owned(),
            " (at /waivers/0/principal)",
            "`principal",
        ),
    ] {
        let p = waivers_file(dir.path(), &text);
        let r = run(&[
            "diff",
            "--before",
            BEFORE,
            "--after",
            AFTER,
            "--waivers",
            &p,
        ]);
        assert_eq!(r.code, 2, "{text}: {}", r.stderr);
        assert!(
            r.stderr.contains(&format!("{p}{place}")) && r.stderr.contains(what),
            "{text}: expected `{p}{place}` and `{what}` in\n{}",
            r.stderr
        );
    }
}

#[test]
fn missing_map_or_waivers_file_is_exit_2() {
    for flag in ["--map", "--waivers"] {
        let r = run(&[
            "diff",
            "--before",
            BEFORE,
            "--after",
            AFTER,
            flag,
            "fixtures/aws/migration/nope.yaml",
        ]);
        assert_eq!(r.code, 2);
        assert!(
            r.stderr.contains("fixtures/aws/migration/nope.yaml"),
            "{}",
            r.stderr
        );
    }
}

#[test]
fn several_formats_need_out() {
    let mut a = migration_args();
    a.extend(["--format", "md", "--format", "json"]);
    let r = run(&a);
    assert_eq!(r.code, 2);
    assert!(r.stdout.is_empty());
    assert!(r.stderr.contains("--out"), "{}", r.stderr);
}

/// `--today` is compared with `expires` as text, so it must be a real `YYYY-MM-DD`:
/// `2026-2-1` sorts after `2026-10-01` and would expire a waiver eight months early.
#[test]
fn malformed_today_is_a_usage_error() {
    for today in ["2026-2-1", "tomorrow", "2026/01/01"] {
        let r = run(&[
            "diff",
            "--before",
            BEFORE,
            "--after",
            AFTER,
            "--waivers",
            WAIVERS,
            "--today",
            today,
        ]);
        assert_eq!(
            r.code, 2,
            "`--today {today}` was accepted (exit {}); waiver expiry compares dates as text",
            r.code
        );
        assert!(r.stderr.contains("--today"), "{}", r.stderr);
    }
}

// ---- renames ----

#[test]
fn without_the_map_the_renamed_role_is_removed_and_new() {
    let (code, r) = json_report(&[
        "diff",
        "--before",
        BEFORE,
        "--after",
        AFTER,
        "--waivers",
        WAIVERS,
        "--today",
        TODAY,
    ]);
    assert_eq!(code, 1);
    let old = principal(&r, "old-sagemaker-role");
    assert_eq!(old.status, PrincipalStatus::Removed);
    assert!(
        old.findings
            .iter()
            .all(|f| f.code == Code::RemovedPrincipal)
    );
    assert!(
        old.findings
            .iter()
            .any(|f| f.actions.iter().any(|a| a == "s3:PutObject"))
    );
    let new = principal(&r, SM_ROLE);
    assert_eq!(new.status, PrincipalStatus::New);
    assert!(new.before_name.is_none());
    assert!(new.findings.iter().all(|f| f.code == Code::NewPrincipal));
    assert_eq!((r.summary.removed, r.summary.new), (2, 2));
    assert_eq!(r.summary.compared, 10);
    // the users keep their names: the same findings with or without the map
    let (_, mapped) = migration();
    for name in ["bob", "carol", "frank", "heidi"] {
        let codes = |r: &DiffReport| {
            principal(r, name)
                .findings
                .iter()
                .map(|f| (f.code, f.actions.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(codes(&r), codes(mapped), "{name}");
    }
}

#[test]
fn with_the_map_the_renamed_role_is_changed() {
    let (_, r) = migration();
    assert!(r.principals.iter().all(|p| p.name != "old-sagemaker-role"));
    let role = principal(r, SM_ROLE);
    assert_eq!(role.status, PrincipalStatus::Changed);
    assert!(
        role.findings
            .iter()
            .all(|f| !matches!(f.code, Code::RemovedPrincipal | Code::NewPrincipal))
    );
}

#[test]
fn a_pattern_rename_matches_the_role() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("map.yaml");
    std::fs::write(
        &p,
        "renames:\n  roles:\n    - pattern: 'old-(.*)-role'\n      to: 'edge-prod-b001-role-$1-execution'\n",
    )
    .unwrap();
    let p = p.display().to_string();
    let (_, r) = json_report(&["diff", "--before", BEFORE, "--after", AFTER, "--map", &p]);
    let role = principal(&r, SM_ROLE);
    assert_eq!(role.before_name.as_deref(), Some("old-sagemaker-role"));
    assert_eq!(role.status, PrincipalStatus::Changed);
}

// ---- explain on both sides ----

#[test]
fn explain_before_after_shows_both_decisions() {
    let e = explain_both(
        "carol",
        "s3:GetObject",
        "arn:aws:s3:::examplecorp-ds-projects/churn/train.csv",
    );
    let keys: Vec<&String> = e.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["after", "before"]);
    assert_eq!(e["before"]["decision"], "allowed");
    assert!(
        e["before"]["statements"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["policy"] == "ds-s3-project-access" && s["outcome"] == "allows")
    );
    // after, no statement allows it, but the ML platform group's unknown policy might:
    // undecided, never silently not-allowed
    assert_eq!(e["after"]["decision"], "conditional", "{e:#}");
    assert!(
        e["after"]["reasons"].as_array().unwrap().iter().any(|r| r
            .as_str()
            .unwrap()
            .contains("edge-prod-b001-policy-ml-observability")),
        "{e:#}"
    );
    assert_eq!(e["before"]["resource"], e["after"]["resource"]);
    // text: both sections
    let r = run(&[
        "explain",
        "--before",
        BEFORE,
        "--after",
        AFTER,
        "--principal",
        "carol",
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::examplecorp-ds-projects/churn/train.csv",
    ]);
    assert_eq!(r.code, 0);
    let text = String::from_utf8(r.stdout).unwrap();
    let (b, a) = (
        text.find("== before ==").unwrap(),
        text.find("== after ==").unwrap(),
    );
    assert!(b < a, "{text}");
    assert!(text[b..a].contains("decision: allowed"), "{text}");
    assert!(text[a..].contains("decision: conditional"), "{text}");
}

#[test]
fn explain_without_map_has_no_after_principal_for_the_renamed_role() {
    let r = run(&[
        "explain",
        "--before",
        BEFORE,
        "--after",
        AFTER,
        "--principal",
        "old-sagemaker-role",
        "--action",
        "s3:PutObject",
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let e: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
    assert_eq!(e["before"]["decision"], "allowed");
    assert!(e["after"].is_null(), "{e:#}");
}

// ---- files, atomicity, determinism ----

const ALL_FILES: [&str; 5] = [
    "iamdiff-report.html",
    "iamdiff-report.json",
    "iamdiff-report.md",
    "iamdiff-report.sarif",
    "iamdiff-report.xml",
];

fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

fn write_reports(dir: &Path, threads: &str, extra: &[&str]) -> Run {
    let d = dir.display().to_string();
    let mut a = migration_args();
    a.extend(["--out", &d]);
    a.extend(extra);
    let out = iamdiff()
        .env("RAYON_NUM_THREADS", threads)
        .args(&a)
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap(),
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn out_writes_every_report_and_nothing_else() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("reports/ci");
    let r = write_reports(&dir, "2", &[]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let written = files(&dir);
    let names: Vec<&str> = written.keys().map(String::as_str).collect();
    assert_eq!(names, ALL_FILES, "no temporary file remains");
    // the table still goes to stdout
    let table = String::from_utf8(r.stdout).unwrap();
    assert!(table.starts_with("FAIL"), "{table}");
    // the JSON file is the JSON report
    let (_, report) = migration();
    let from_file: DiffReport =
        iamdiff::report::json::from_str(&String::from_utf8_lossy(&written["iamdiff-report.json"]))
            .unwrap();
    assert_eq!(&from_file, report);
    let md = String::from_utf8(written["iamdiff-report.md"].clone()).unwrap();
    assert!(md.starts_with("## iamdiff"), "{md}");
    let sarif: serde_json::Value =
        serde_json::from_slice(&written["iamdiff-report.sarif"]).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let xml = String::from_utf8(written["iamdiff-report.xml"].clone()).unwrap();
    assert!(xml.starts_with("<?xml"), "{xml}");
    let html = String::from_utf8(written["iamdiff-report.html"].clone()).unwrap();
    assert!(html.contains(SM_ROLE));

    // --quiet: nothing on stdout; --format picks the files
    let only = tmp.path().join("only");
    let r = write_reports(&only, "2", &["--format", "md", "--format", "sarif", "-q"]);
    assert_eq!(r.code, 1);
    assert!(r.stdout.is_empty());
    let names: Vec<String> = files(&only).into_keys().collect();
    assert_eq!(names, ["iamdiff-report.md", "iamdiff-report.sarif"]);
}

#[test]
fn reports_are_byte_identical_across_runs_and_thread_counts() {
    let tmp = tempfile::tempdir().unwrap();
    let runs: Vec<BTreeMap<String, Vec<u8>>> = [("a", "4"), ("b", "4"), ("c", "1")]
        .iter()
        .map(|(name, threads)| {
            let dir = tmp.path().join(name);
            let r = write_reports(&dir, threads, &["-q"]);
            assert_eq!(r.code, 1, "{}", r.stderr);
            files(&dir)
        })
        .collect();
    for f in ALL_FILES {
        assert!(runs[0][f] == runs[1][f], "{f}: a second run differs");
        assert!(
            runs[0][f] == runs[2][f],
            "{f}: RAYON_NUM_THREADS=1 differs from 4"
        );
    }
    // a second run into the same directory replaces the files, leaving nothing behind
    let dir = tmp.path().join("a");
    let r = write_reports(&dir, "4", &["-q"]);
    assert_eq!(r.code, 1);
    assert_eq!(files(&dir), runs[0]);
    // stdout formats too
    let once = run(&[migration_args(), vec!["--format", "md"]].concat());
    let twice = iamdiff()
        .env("RAYON_NUM_THREADS", "1")
        .args([migration_args(), vec!["--format", "md"]].concat())
        .output()
        .unwrap();
    assert!(once.stdout == twice.stdout);
    assert_eq!(once.stdout, runs[0]["iamdiff-report.md"]);
}

// ---- snapshots ----

#[test]
fn snapshot_migration_markdown() {
    let r = run(&[migration_args(), vec!["--format", "md"]].concat());
    assert_eq!(r.code, 1);
    insta::assert_snapshot!("diff_migration_md", String::from_utf8(r.stdout).unwrap());
}

#[test]
fn snapshot_migration_json() {
    let r = run(&[migration_args(), vec!["--format", "json"]].concat());
    assert_eq!(r.code, 1);
    insta::assert_snapshot!("diff_migration_json", String::from_utf8(r.stdout).unwrap());
}

// ---- focused pairs ----

/// `fixtures/aws/diff/fully-denied-grant`: an Allow that a `NotResource` Deny cancels
/// entirely grants nothing, so dropping it loses nothing (and adding it gains nothing).
#[test]
fn removing_a_fully_denied_allow_is_no_loss() {
    let before = fixture("aws/diff/fully-denied-grant/before.json");
    let after = fixture("aws/diff/fully-denied-grant/after.json");
    let (before, after) = (before.to_str().unwrap(), after.to_str().unwrap());
    // the allow really is dead
    let r = run(&[
        "explain",
        before,
        "--principal",
        "uma",
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::examplecorp-reports/2026/q1.csv",
        "--format",
        "json",
    ]);
    let e: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
    assert_eq!(e["decision"], "denied", "{e:#}");
    for (b, a) in [(before, after), (after, before)] {
        let (code, r) = json_report(&["diff", "--before", b, "--after", a]);
        let findings: Vec<(Code, &Vec<String>, &Option<String>)> = r
            .findings()
            .map(|f| (f.code, &f.actions, &f.witness))
            .collect();
        assert!(
            findings.is_empty(),
            "{b} → {a}: nothing is allowed on either side, yet: {findings:?}"
        );
        assert_eq!(code, 0);
    }
}

/// `fixtures/aws/diff/guardrail-extended`: an MFA guardrail newly covers part of what a
/// user reads. Unconditional before, conditional after: never silently unchanged.
#[test]
fn an_extended_mfa_guardrail_makes_reads_conditional() {
    let before = fixture("aws/diff/guardrail-extended/before.json");
    let after = fixture("aws/diff/guardrail-extended/after.json");
    let (before, after) = (before.to_str().unwrap(), after.to_str().unwrap());
    let finance = "arn:aws:s3:::examplecorp-analytics/finance/";

    // certain without MFA: narrowed to outside finance/
    let (code, r) = json_report(&[
        "diff",
        "--before",
        before,
        "--after",
        after,
        "--context",
        "aws:MultiFactorAuthPresent=false",
    ]);
    assert_eq!(code, 1);
    let f = with_action(principal(&r, "victor"), "s3:GetObject");
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0].code, Code::Narrowed);
    assert!(f[0].witness.as_deref().unwrap().starts_with(finance));

    // open context: conditional, with a witness under finance/
    let (code, r) = json_report(&["diff", "--before", before, "--after", after]);
    let found: Vec<(Code, Option<&str>)> = r
        .findings()
        .map(|f| (f.code, f.witness.as_deref()))
        .collect();
    assert_eq!(code, 0, "conditional is not in the default gate");
    assert!(
        r.principals.iter().any(|p| p.name == "victor"),
        "victor's reads under finance/ became conditional, and the diff says nothing changed"
    );
    let f = with_action(principal(&r, "victor"), "s3:GetObject");
    assert_eq!(f.len(), 1, "{found:?}");
    assert_eq!(f[0].code, Code::Conditional);
    let w = f[0].witness.as_deref().expect("a witness");
    assert!(w.starts_with(finance), "{w}");
    let (code, _) = json_report(&[
        "diff",
        "--before",
        before,
        "--after",
        after,
        "--fail-on",
        "conditional",
    ]);
    assert_eq!(code, 1);
}
