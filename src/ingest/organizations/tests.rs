//! The organizations reader on the shared corpus's AWS Organizations samples (read in
//! place, `../shared/corpus/formats/aws-organizations`, with their documented quirks) and
//! on small hand-made exports (issue 8).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::*;
use crate::ingest::detect::{Format, Kind, Other, classify};

fn samples() -> Option<PathBuf> {
    let beside = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
    let from_env = std::env::var_os("IAMDIFF_SHARED").map(PathBuf::from);
    let found = [Some(beside), from_env]
        .into_iter()
        .flatten()
        .map(|root| root.join("corpus/formats/aws-organizations"))
        .find(|d| d.is_dir());
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "the shared corpus is missing"
        );
        eprintln!("skipped: no shared corpus");
    }
    found
}

fn read(files: &[(String, Vec<u8>)]) -> Result<Snapshot, IngestError> {
    let mut e = Deferred::default();
    for (n, b) in files {
        e.add(Arc::from(n.as_str()), b);
    }
    let mut snap = Snapshot::default();
    finish(&e, &mut snap)?;
    Ok(snap)
}

fn sample(dir: &Path, name: &str) -> (String, Vec<u8>) {
    let p = dir.join(name);
    (p.display().to_string(), std::fs::read(&p).unwrap())
}

#[test]
fn every_sample_is_recognised_by_content() {
    let Some(dir) = samples() else { return };
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_none_or(|x| x != "json") {
            continue;
        }
        let name: Arc<str> = Arc::from(p.display().to_string());
        let bytes = std::fs::read(&p).unwrap();
        let kind = classify(&name, &bytes).unwrap();
        if p.to_string_lossy().contains("describe-policy") {
            // alone it is what `--scp` reads; beside a tree it joins the organization
            assert_eq!(kind, Kind::Other(Other::Scp), "{name}");
            assert!(is_described_policy(&bytes));
        } else {
            assert_eq!(kind, Kind::Iam(Format::AwsOrganizations), "{name}");
        }
    }
}

#[test]
fn the_documented_examples_make_a_tree_with_attachments() {
    let Some(dir) = samples() else { return };
    let files: Vec<(String, Vec<u8>)> = [
        "organizations.list-roots.json",
        "organizations.list-organizational-units-for-parent.r-examplerootid111.json",
        // its `Paths` disagree with the file name (a docs error): the file name wins
        "organizations.list-accounts-for-parent.ou-examplerootid111-exampleouid111.json",
        "organizations.list-targets-for-policy.p-FullAWSAccess.json",
        "organizations.list-policies.SERVICE_CONTROL_POLICY.json",
        "organizations.describe-organization.json",
    ]
    .iter()
    .map(|n| sample(&dir, n))
    .collect();
    let snap = read(&files).unwrap();
    let org = snap.org.unwrap();
    assert_eq!(org.management.as_deref(), Some("111111111111"));
    assert_eq!(org.id.as_deref(), Some("o-exampleorgid"));
    let parents: Vec<(&str, &str)> = org
        .accounts
        .iter()
        .map(|a| (a.id.as_str(), a.parent.as_str()))
        .collect();
    let ou = "ou-examplerootid111-exampleouid111";
    assert_eq!(parents, [("333333333333", ou), ("444444444444", ou)]);
    // FullAWSAccess (document known without describe-policy) on the root, the OU and 333…
    let chain = &org.chains["333333333333"].scp;
    let names: Vec<&str> = chain.iter().map(|(n, _)| &**n).collect();
    assert_eq!(
        names,
        [
            "Root (r-examplerootid111)",
            "AccountingDepartment (ou-examplerootid111-exampleouid111)",
            "Development Account (333333333333)"
        ]
    );
    // only SCPs are enabled on that root: no RCP chain
    assert!(org.chains["333333333333"].rcp.is_empty());
    // 444… has no SCP of its own in the export: warned, its level left out
    assert!(
        snap.warnings
            .iter()
            .any(|w| w.message.contains("no SCP attached to `444444444444`")),
        "{:?}",
        snap.warnings
    );
}

#[test]
fn described_rcps_are_read_with_their_content() {
    let Some(dir) = samples() else { return };
    let files = vec![
        sample(&dir, "organizations.list-roots.v2-all-policy-types.json"),
        sample(&dir, "organizations.describe-policy.p-8d7k2m4x9q.json"),
        sample(&dir, "organizations.list-accounts.v2-page1.json"),
    ];
    // list-accounts without Paths does not say where the accounts are
    let e = read(&files).unwrap_err();
    assert!(
        e.message
            .contains("does not say where account `111111111111`"),
        "{e}"
    );
    assert!(e.place.line.is_some(), "{e}");
    let snap = read(&files[..2]).unwrap();
    let rcp = snap
        .policies
        .iter()
        .find(|p| p.kind == PolicyKind::Rcp)
        .unwrap();
    assert_eq!(&*rcp.name, "DataPerimeter-S3-KMS");
    assert_eq!(rcp.document.statements.len(), 2);
    let org = snap.org.unwrap();
    assert_eq!(org.enabled, [OrgPolicyType::Scp, OrgPolicyType::Rcp]);
}

#[test]
fn file_names_give_what_the_output_does_not_say() {
    assert_eq!(
        file_arg(
            "d/organizations.list-targets-for-policy.p-1.json",
            "list-targets-for-policy"
        ),
        Some("p-1")
    );
    assert_eq!(
        file_arg(
            "list-policies-for-target.222222222222.SERVICE_CONTROL_POLICY.json",
            "list-policies-for-target"
        ),
        Some("222222222222")
    );
    assert_eq!(
        file_arg(
            "organizations.list-accounts.json",
            "list-accounts-for-parent"
        ),
        None
    );
    assert_eq!(
        parent_in_path("o-1/r-1/ou-2/333333333333/", "333333333333").as_deref(),
        Some("ou-2")
    );
    assert_eq!(parent_in_path("o-1/r-1/", "r-1"), None);
}
