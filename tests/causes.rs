//! Root causes and people-first reports (issue 12 items 1 and 2): the diff computes the
//! input changes between the sides once, every finding names the change(s) behind it,
//! every report leads with the changes ranked by impact, and `--show` / `--min-severity`
//! narrow what reports list. On the migration fixture (`fixtures/aws/migration/`, see its
//! README) and on a generated 2,000-user account where one user leaves one group.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use iamdiff::catalog::AccessLevel;
use iamdiff::diff::changes::{Change, ChangeKind};
use iamdiff::diff::findings::{Code, Finding};
use iamdiff::report::diff::DiffReport;

use crate::generator::synth;
use crate::util::iamdiff;

const BEFORE: &str = "fixtures/aws/company/account.json";
const AFTER: &str = "fixtures/aws/migration/after.json";

fn args() -> Vec<&'static str> {
    vec![
        "diff",
        "--before",
        BEFORE,
        "--after",
        AFTER,
        "--map",
        "fixtures/aws/migration/map.yaml",
        "--waivers",
        "fixtures/aws/migration/waivers.yaml",
        "--today",
        "2026-11-24",
    ]
}

fn output(extra: &[&str]) -> String {
    let mut a = args();
    a.extend(extra);
    let out = iamdiff().args(&a).output().unwrap();
    assert!(matches!(out.status.code(), Some(0 | 1)), "{out:?}");
    String::from_utf8(out.stdout).unwrap()
}

fn report_of(extra: &[&str]) -> DiffReport {
    let mut e = extra.to_vec();
    e.extend(["--format", "json"]);
    iamdiff::report::json::from_str(&output(&e)).unwrap()
}

fn migration() -> &'static DiffReport {
    static R: OnceLock<DiffReport> = OnceLock::new();
    R.get_or_init(|| report_of(&[]))
}

fn change<'a>(r: &'a DiffReport, kind: ChangeKind, summary: &str) -> &'a Change {
    r.changes
        .iter()
        .find(|c| c.kind == kind && c.summary == summary)
        .unwrap_or_else(|| {
            let all: Vec<_> = r.changes.iter().map(|c| (c.kind, &c.summary)).collect();
            panic!("no {kind:?} `{summary}` among {all:#?}")
        })
}

fn findings_of<'a>(r: &'a DiffReport, principal: &str) -> Vec<&'a Finding> {
    r.principals
        .iter()
        .filter(|p| p.name == principal)
        .flat_map(|p| &p.findings)
        .collect()
}

// issue 12: the diff names each input change of the migration, once, with its places
#[test]
fn migration_changes_are_the_inputs_changes() {
    let r = migration();
    let carol = change(
        r,
        ChangeKind::MembershipRemoved,
        "carol removed from group data-science-team",
    );
    assert_eq!(carol.subject, "user carol");
    assert!(
        carol.before.is_some(),
        "a membership has a place: {carol:?}"
    );
    change(
        r,
        ChangeKind::MembershipAdded,
        "bob added to group edge-prod-b001-group-ml-users",
    );
    change(
        r,
        ChangeKind::PolicyAttached,
        "policy AWSBillingReadOnlyAccess attached to group finance-readonly",
    );
    let heidi = change(
        r,
        ChangeKind::PolicyChanged,
        "inline policy heidi-restart-team-instances of user heidi changed",
    );
    assert_eq!(
        heidi.detail,
        ["Sid RebootTeamInstances condition added: aws:MultiFactorAuthPresent Bool true"]
    );
    let place = heidi.after.as_ref().unwrap();
    assert_eq!(&*place.file, AFTER);
    assert!(place.pointer.is_some(), "{place:?}");
    let role = change(
        r,
        ChangeKind::PolicyChanged,
        "inline policy sagemaker-project-data of role edge-prod-b001-role-sagemaker-execution changed",
    );
    assert!(
        role.detail[0].contains("Sid TrainingDataAccess narrowed"),
        "{role:?}"
    );
    change(r, ChangeKind::PrincipalRemoved, "ci-deploy removed");
    change(r, ChangeKind::PrincipalAdded, "ivan added");
    change(
        r,
        ChangeKind::PolicyAttached,
        "policy edge-prod-b001-policy-ml-observability attached to group edge-prod-b001-group-ml-platform",
    );
    // the ids are C1… in input order, unique; waivers are W<index>
    let ids: BTreeSet<&str> = r.changes.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids.len(), r.changes.len());
    assert!(ids.contains("W1") && ids.contains("W2"), "{ids:?}");
    assert!(!r.changes.iter().any(|c| c.kind == ChangeKind::Unexplained));
}

// issue 12: every finding names the change behind it, and the change lists it back
#[test]
fn each_migration_finding_names_its_cause() {
    let r = migration();
    let id = |kind, summary| change(r, kind, summary).id.clone();
    let bob_ml = id(
        ChangeKind::MembershipAdded,
        "bob added to group edge-prod-b001-group-ml-users",
    );
    let lost: Vec<_> = findings_of(r, "bob")
        .into_iter()
        .filter(|f| f.code == Code::Lost)
        .collect();
    assert_eq!(lost.len(), 1);
    assert_eq!(lost[0].causes, [bob_ml], "the new deny came with ml-users");
    let billing = id(
        ChangeKind::PolicyAttached,
        "policy AWSBillingReadOnlyAccess attached to group finance-readonly",
    );
    for f in findings_of(r, "frank") {
        assert_eq!(f.causes, std::slice::from_ref(&billing), "{f:?}");
    }
    let heidi = id(
        ChangeKind::PolicyChanged,
        "inline policy heidi-restart-team-instances of user heidi changed",
    );
    for f in findings_of(r, "heidi") {
        assert_eq!(f.causes, std::slice::from_ref(&heidi));
    }
    let gone = id(ChangeKind::PrincipalRemoved, "ci-deploy removed");
    for f in findings_of(r, "ci-deploy") {
        assert_eq!(f.causes, std::slice::from_ref(&gone));
    }
    // carol's SageMaker access went with the group she left (and may come back through
    // the unknown policy attached to ml-platform)
    let left = id(
        ChangeKind::MembershipRemoved,
        "carol removed from group data-science-team",
    );
    for f in findings_of(r, "carol")
        .into_iter()
        .filter(|f| f.code == Code::Conditional)
    {
        assert!(f.causes.contains(&left), "{f:?}");
    }
    // no finding without a cause; every cause exists and lists the finding back
    for f in r.findings() {
        assert!(!f.causes.is_empty(), "{f:?}");
        let fid = iamdiff::report::json::finding_id(f);
        for c in &f.causes {
            let ch = r.change(c).unwrap_or_else(|| panic!("no change {c}"));
            assert!(ch.findings.contains(&fid), "{c} does not list {fid}");
        }
    }
    // the AmazonSageMakerFullAccess detach from data-scientists changes nobody's access:
    // bob holds it through ml-users, carol left the group
    let detach = change(
        r,
        ChangeKind::PolicyDetached,
        "policy AmazonSageMakerFullAccess detached from group edge-prod-b001-group-data-scientists",
    );
    assert_eq!(detach.impact.findings, 0, "{detach:?}");
}

// issue 12: changes are ranked by impact: failing first, then severity, people, actions lost
#[test]
fn changes_are_ranked_by_impact() {
    let r = migration();
    let keys: Vec<_> = r
        .changes
        .iter()
        .map(|c| {
            (
                c.impact.failing == 0,
                std::cmp::Reverse(c.impact.severity),
                std::cmp::Reverse(c.impact.principals),
                std::cmp::Reverse(c.impact.actions_lost),
            )
        })
        .collect();
    assert!(keys.windows(2).all(|w| w[0] <= w[1]), "{keys:#?}");
    let removed = change(r, ChangeKind::PrincipalRemoved, "ci-deploy removed");
    assert_eq!(removed.impact.actions_lost, 12);
    assert_eq!(removed.impact.services, 4);
    assert_eq!(removed.principals, ["ci-deploy"]);
}

// issue 12: every format leads with the verdict, then the changes, then the principals
#[test]
fn every_report_leads_with_the_changes() {
    let table = output(&[]);
    let at = |s: &str, what: &str| {
        s.find(what)
            .unwrap_or_else(|| panic!("no `{what}` in:\n{s}"))
    };
    assert!(table.starts_with("FAIL: "));
    assert!(at(&table, "Changes, by impact:") < at(&table, "│ Principal"));
    assert!(table.contains("ci-deploy removed → loses 12 actions in 4 services"));
    // with --detail each finding names its causes in the table (issue 12 item 9 moved the
    // per-action rows behind --detail)
    assert!(output(&["--detail"]).contains("why: C"));
    let md = output(&["--format", "md"]);
    assert!(at(&md, "**FAIL**") < at(&md, "### Changes by impact"));
    assert!(at(&md, "### Changes by impact") < at(&md, "### Findings by principal"));
    let html = output(&["--format", "html"]);
    assert!(at(&html, "id=\"changes-h\"") < at(&html, "id=\"findings-h\""));
    assert!(html.contains("carol removed from group data-science-team"));
    assert!(html.contains("<th>Why</th>"));
    let sarif = output(&["--format", "sarif"]);
    assert!(sarif.contains("(cause: "), "SARIF messages name the cause");
    assert!(sarif.contains("\"causes\""));
    let junit = output(&["--format", "junit"]);
    assert!(
        junit.contains("cause: C") || junit.contains("cause: W"),
        "{junit}"
    );
}

// issue 12: --show and --min-severity narrow what reports list (at or above, not equal)
#[test]
fn show_and_min_severity_filter_the_findings() {
    let all = migration();
    let fails = report_of(&["--show", "fails"]);
    assert!(fails.findings().all(|f| f.fails_gate));
    assert_eq!(
        fails.findings().count(),
        all.findings().filter(|f| f.fails_gate).count()
    );
    assert_eq!(fails.gate, all.gate, "the verdict stays the whole diff's");
    let write = report_of(&["--min-severity", "write"]);
    assert!(write.findings().all(|f| f.severity >= AccessLevel::Write));
    assert!(
        write
            .findings()
            .any(|f| f.severity == AccessLevel::PermissionsManagement),
        "at or above, not only equal"
    );
    let waived = report_of(&["--show", "waived"]);
    assert!(waived.findings().count() > 0);
    assert!(waived.findings().all(|f| f.waived.is_some()));
}

// issue 12: on a generated 2,000-user account, one user leaving one group is one change
// that all of that user's findings collapse under
#[test]
fn one_membership_removal_is_one_change_at_scale() {
    let before = synth::generate(synth::Scale::Medium, 7);
    let mut after = before.clone();
    // the user in the most groups leaves the first of them
    let (_, user) = after
        .users
        .iter_mut()
        .enumerate()
        .max_by_key(|(i, u)| (u.group_list.len(), std::cmp::Reverse(*i)))
        .unwrap();
    let group = user.group_list.remove(0);
    let name = user.user_name.clone();
    let dir = tempfile::tempdir().unwrap();
    let (b, a) = (
        dir.path().join("before.json"),
        dir.path().join("after.json"),
    );
    std::fs::write(&b, synth::to_cli_json(&before).unwrap()).unwrap();
    std::fs::write(&a, synth::to_cli_json(&after).unwrap()).unwrap();
    let out = iamdiff()
        .args(["diff", "--before"])
        .arg(&b)
        .arg("--after")
        .arg(&a)
        .args(["--format", "json", "-q"])
        .output()
        .unwrap();
    let r = iamdiff::report::json::from_str(&String::from_utf8_lossy(&out.stdout))
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    let changes: Vec<&Change> = r.changes.iter().collect();
    assert_eq!(changes.len(), 1, "{changes:#?}");
    let c = changes[0];
    assert_eq!(c.kind, ChangeKind::MembershipRemoved);
    assert_eq!(c.summary, format!("{name} removed from group {group}"));
    let findings: Vec<&Finding> = r.findings().collect();
    assert!(
        findings.len() > 1,
        "the group granted something: {findings:#?}"
    );
    assert!(findings.iter().all(|f| f.causes == [c.id.clone()]));
    assert_eq!(c.findings.len(), findings.len());
    assert_eq!(c.principals, [name]);
}
