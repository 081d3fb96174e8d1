//! Every real export in `../shared/corpus/aws-dumps/` (written by other projects, with
//! their quirks) loads, evaluates, and says what is odd about it.

use iamdiff::catalog::catalog;
use iamdiff::eval::{self, EvalOptions};
use iamdiff::model::WarningCode;

use crate::util::shared;

fn dumps() -> Vec<std::path::PathBuf> {
    let Some(s) = shared() else {
        eprintln!("../shared not found: corpus tests skipped");
        return Vec::new();
    };
    let mut v: Vec<_> = std::fs::read_dir(s.join("corpus/aws-dumps"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    v.sort();
    v
}

fn codes(s: &iamdiff::model::Snapshot) -> Vec<WarningCode> {
    s.warnings.iter().map(|w| w.code).collect()
}

#[test]
fn every_real_dump_loads_and_evaluates() {
    let files = dumps();
    if files.is_empty() {
        return;
    }
    assert_eq!(files.len(), 10, "the corpus README lists 10 dumps");
    for f in files {
        let snap = iamdiff::ingest::load_side(std::slice::from_ref(&f), &[])
            .unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let eff = eval::effective(&snap, catalog(), &EvalOptions::default());
        assert_eq!(eff.principals.len(), snap.principals.len());
    }
}

#[test]
fn awscli_doc_example_is_a_truncated_page() {
    let Some(s) = shared() else { return };
    let snap =
        iamdiff::ingest::load_side(&[s.join("corpus/aws-dumps/awscli-doc-example.json")], &[])
            .unwrap();
    assert!(codes(&snap).contains(&WarningCode::TruncatedExport));
    // attached AWS managed policies missing from `Policies` come from the catalog
    assert!(codes(&snap).contains(&WarningCode::PolicyFromCatalog));
}

#[test]
fn dangling_managed_policy_is_named() {
    let Some(s) = shared() else { return };
    let snap = iamdiff::ingest::load_side(
        &[s.join("corpus/aws-dumps/cloudsplaining-managed-policy-mismatch.json")],
        &[],
    )
    .unwrap();
    let w: Vec<_> = snap
        .warnings
        .iter()
        .filter(|w| w.message.contains("AWSLambdaReadOnlyAccess"))
        .collect();
    assert!(!w.is_empty(), "warnings: {:?}", snap.warnings);
}

#[test]
fn administrator_access_not_listed_resolves_from_catalog() {
    let Some(s) = shared() else { return };
    let snap = iamdiff::ingest::load_side(
        &[s.join("corpus/aws-dumps/cloudsplaining-authz-v2.json")],
        &[],
    )
    .unwrap();
    assert!(
        snap.policies
            .iter()
            .any(|p| &*p.name == "AdministratorAccess")
    );
    assert!(codes(&snap).contains(&WarningCode::PolicyFromCatalog));
}
