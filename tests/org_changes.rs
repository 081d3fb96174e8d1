//! Organization and resource-policy changes (issue 8 item 2, issue 12 item 1): on the
//! organization fixture (`fixtures/aws/org`) and the resource-policy fixture
//! (`fixtures/aws/resources`), each of the findings `tests/organizations.rs` asserts is
//! attributed to the change that causes it — the OU move, the RCP attachment, the
//! resource-policy edits — and each change says where it is on each side, with line and
//! column.

use iamdiff::diff::changes::{Change, ChangeKind};
use iamdiff::report::diff::DiffReport;

use crate::util::{iamdiff, stdout_of};

const ADMIN: &str = "AWSReservedSSO_AdministratorAccess_0a1b2c3d4e5f6a7b";
const RO: &str = "AWSReservedSSO_ReadOnlyAccess_1b2c3d4e5f6a7b8c";

fn report(dir: &str) -> DiffReport {
    let out = stdout_of(
        [
            "diff",
            "--before",
            &format!("fixtures/aws/{dir}/before"),
            "--after",
            &format!("fixtures/aws/{dir}/after"),
            "--map",
            &format!("fixtures/aws/{dir}/map.yaml"),
            "--format",
            "json",
            "--quiet",
        ],
        1,
    );
    iamdiff::report::json::from_str(&out).unwrap()
}

/// The causes of every finding of a principal, as (service, change kinds, summaries).
fn causes<'a>(r: &'a DiffReport, principal: &str) -> Vec<(String, Vec<&'a Change>)> {
    let p = r
        .principals
        .iter()
        .find(|p| p.name == principal)
        .unwrap_or_else(|| panic!("{principal} has findings"));
    p.findings
        .iter()
        .map(|f| {
            assert!(!f.causes.is_empty(), "{f:#?}");
            (
                f.service.clone(),
                f.causes.iter().map(|c| r.change(c).unwrap()).collect(),
            )
        })
        .collect()
}

// issue 8: the OU move of dev is the cause of DynamoDB lost by its three roles; the RCP
// attached to Workloads the cause of prod's conditional S3; the edits of the bucket and
// secret policies (AWS rewrote the old role as its unique id) the cause of orders-service's
// two losses. Each of the 7 findings names exactly its change.
#[test]
fn each_organization_finding_names_the_change_that_causes_it() {
    let r = report("org");
    let moved = "account dev (333333333333) moved from OU Sandbox (ou-a1b2-sandbox11) to OU Restricted (ou-a1b2-restrict1)";
    for role in [ADMIN, RO, "data-loader"] {
        let got = causes(&r, &format!("333333333333/{role}"));
        assert_eq!(got.len(), 1, "{got:#?}");
        let (service, cs) = &got[0];
        assert_eq!(service, "dynamodb");
        assert_eq!(cs.len(), 1, "{cs:#?}");
        assert_eq!(
            (cs[0].kind, cs[0].summary.as_str()),
            (ChangeKind::OuMoved, moved)
        );
    }
    let rcp = "RCP EnforceSecureTransport attached to OU Workloads (ou-a1b2-workload1)";
    for role in [ADMIN, RO] {
        let got = causes(&r, &format!("222222222222/{role}"));
        assert_eq!(got.len(), 1, "{got:#?}");
        let (service, cs) = &got[0];
        assert_eq!(service, "s3");
        assert_eq!(cs.len(), 1, "{cs:#?}");
        assert_eq!(
            (cs[0].kind, cs[0].summary.as_str()),
            (ChangeKind::OrgPolicyAttached, rcp)
        );
    }
    let got = causes(&r, "222222222222/orders-service");
    assert_eq!(got.len(), 2, "{got:#?}");
    for (service, arn) in [
        ("s3", "arn:aws:s3:::dev-shared-data"),
        (
            "secretsmanager",
            "arn:aws:secretsmanager:us-east-1:222222222222:secret:orders-db-AbCdEf",
        ),
    ] {
        let (_, cs) = got.iter().find(|(s, _)| s == service).unwrap();
        assert_eq!(cs.len(), 1, "{cs:#?}");
        assert_eq!(cs[0].kind, ChangeKind::ResourcePolicyChanged);
        assert_eq!(cs[0].summary, format!("resource policy of {arn} changed"));
        assert!(
            cs[0].detail.iter().any(|d| d.contains("principal changed")),
            "{:?}",
            cs[0].detail
        );
    }
    // nothing unexplained, and every change causes something
    assert!(r.changes.iter().all(|c| c.kind != ChangeKind::Unexplained));
    assert_eq!(r.changes.len(), 4, "{:#?}", r.changes);
}

// issue 12: each organization change says where it is on each side, with line and column:
// the move at the account's entry of each side's `list-accounts-for-parent`, the
// attachment at its target in `list-targets-for-policy`
#[test]
fn organization_changes_are_placed_at_line_and_column() {
    let r = report("org");
    let moved = r
        .changes
        .iter()
        .find(|c| c.kind == ChangeKind::OuMoved)
        .unwrap();
    let (b, a) = (
        moved.before.as_ref().unwrap(),
        moved.after.as_ref().unwrap(),
    );
    assert!(
        b.file
            .ends_with("organizations.list-accounts-for-parent.ou-a1b2-sandbox11.json"),
        "{b:?}"
    );
    assert!(
        a.file
            .ends_with("organizations.list-accounts-for-parent.ou-a1b2-restrict1.json"),
        "{a:?}"
    );
    for p in [b, a] {
        assert_eq!(p.pointer.as_deref(), Some("/Accounts/0"));
        assert!(p.line.is_some() && p.column.is_some(), "{p:?}");
    }
    let rcp = r
        .changes
        .iter()
        .find(|c| c.kind == ChangeKind::OrgPolicyAttached)
        .unwrap();
    assert!(rcp.before.is_none());
    let a = rcp.after.as_ref().unwrap();
    assert!(
        a.file
            .ends_with("organizations.list-targets-for-policy.p-rcpsecure1.json")
    );
    assert!(a.line.is_some() && a.column.is_some(), "{a:?}");
}

// issue 8: on the resource fixture the bucket loss names the bucket-policy edit, at the
// statement's place on each side
#[test]
fn the_bucket_loss_names_the_bucket_policy_edit() {
    let r = report("resources");
    let p = r
        .principals
        .iter()
        .find(|p| p.findings.iter().any(|f| f.service == "s3"))
        .unwrap();
    let f = p.findings.iter().find(|f| f.service == "s3").unwrap();
    let cs: Vec<&Change> = f.causes.iter().map(|c| r.change(c).unwrap()).collect();
    assert!(
        cs.iter()
            .any(|c| c.kind == ChangeKind::ResourcePolicyChanged
                && c.summary == "resource policy of arn:aws:s3:::dev-shared-data changed"),
        "{cs:#?}"
    );
    let c = cs
        .iter()
        .find(|c| c.kind == ChangeKind::ResourcePolicyChanged)
        .unwrap();
    for p in [&c.before, &c.after] {
        let p = p.as_ref().unwrap();
        assert!(
            p.file
                .ends_with("333333333333.s3api.get-bucket-policy.dev-shared-data.json")
        );
        assert!(p.line.is_some(), "{p:?}");
    }
}

// issue 12: SARIF results carry their causes' places as related locations
#[test]
fn sarif_results_relate_the_places_of_their_causes() {
    let out = iamdiff()
        .args([
            "diff",
            "--before",
            "fixtures/aws/org/before",
            "--after",
            "fixtures/aws/org/after",
            "--map",
            "fixtures/aws/org/map.yaml",
            "--format",
            "sarif",
            "--quiet",
        ])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = v["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 7);
    for res in results {
        let rel = res["relatedLocations"]
            .as_array()
            .expect("related locations");
        assert!(
            rel.iter().any(|l| l["message"]["text"]
                .as_str()
                .is_some_and(|t| t.starts_with("cause C"))
                && l["physicalLocation"]["region"]["startColumn"].is_u64()),
            "{rel:#?}"
        );
    }
}
