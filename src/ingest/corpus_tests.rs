//! The real exports of the shared corpus (`../shared/corpus/aws-dumps/`, read in place and
//! never copied into the repository) all load, with the counts and the warnings that
//! `corpus/README.md` says each one must produce.
//!
//! The corpus is found beside the crate root (`$CARGO_MANIFEST_DIR/../shared`, as in CI)
//! or at `$IAMDIFF_SHARED`. Without it the tests say so and pass, except under `CI`,
//! where a missing corpus is a failure.

use std::path::{Path, PathBuf};

use super::*;
use crate::model::{PolicyKind, PolicyRef, PrincipalKind, Snapshot, WarningCode};

fn corpus_dir() -> Option<PathBuf> {
    let beside = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
    let from_env = std::env::var_os("IAMDIFF_SHARED").map(PathBuf::from);
    [Some(beside), from_env]
        .into_iter()
        .flatten()
        .map(|root| root.join("corpus/aws-dumps"))
        .find(|d| d.is_dir())
}

/// The corpus files, or `None` (with a message) when the corpus is not there.
fn dumps() -> Option<Vec<PathBuf>> {
    let Some(dir) = corpus_dir() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "the shared corpus is missing (looked in ../shared and $IAMDIFF_SHARED)"
        );
        eprintln!("skipped: no shared corpus (set IAMDIFF_SHARED to the folder holding corpus/)");
        return None;
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    Some(files)
}

fn dump(name: &str) -> Option<PathBuf> {
    Some(corpus_dir()?.join(name))
}

/// Loads one corpus file without the catalog, so the expectations do not depend on it.
fn load_bare(name: &str) -> Option<Snapshot> {
    let path = dump(name)?;
    Some(
        load_side_with(
            &[path],
            &[],
            &crate::ingest::LoadOptions::default(),
            &|_| None,
        )
        .unwrap(),
    )
}

struct Counts {
    users: usize,
    groups: usize,
    roles: usize,
    /// Managed policies (listed in `Policies`; nothing comes from the catalog here).
    managed: usize,
}

fn counts(snap: &Snapshot) -> Counts {
    let kind = |k| snap.principals.iter().filter(|p| p.kind == k).count();
    Counts {
        users: kind(PrincipalKind::User),
        groups: snap.groups.len(),
        roles: kind(PrincipalKind::Role),
        managed: snap
            .policies
            .iter()
            .filter(|p| matches!(p.kind, PolicyKind::AwsManaged | PolicyKind::CustomerManaged))
            .count(),
    }
}

/// (file, users, groups, roles, managed policies, expected warnings as (code, text in message)).
type Expectation = (
    &'static str,
    [usize; 4],
    &'static [(WarningCode, &'static str)],
);

const EXPECTED: &[Expectation] = &[
    (
        "awscli-doc-example.json",
        [3, 3, 1, 3],
        &[
            (WarningCode::TruncatedExport, "`IsTruncated` is true"),
            (
                WarningCode::UnresolvedPolicy,
                "`AdministratorAccess` is attached to group `Admins`",
            ),
            (
                WarningCode::UnresolvedPolicy,
                "`PowerUserAccess` is attached to group `Dev`",
            ),
            (
                WarningCode::UnresolvedPolicy,
                "`AmazonS3FullAccess` is attached to role `EC2role`",
            ),
            (
                WarningCode::UnresolvedPolicy,
                "`AmazonDynamoDBFullAccess` is attached to role `EC2role`",
            ),
        ],
    ),
    ("cloudmapper-demo.json", [2, 1, 4, 2], &[]),
    (
        "cloudsplaining-authz-v2.json",
        [1, 1, 2, 2],
        &[(
            WarningCode::UnresolvedPolicy,
            "`AdministratorAccess` is attached to group `GOAT`",
        )],
    ),
    ("cloudsplaining-example-large.json", [44, 5, 78, 84], &[]),
    (
        "cloudsplaining-managed-policy-mismatch.json",
        [0, 1, 0, 1],
        &[(
            WarningCode::UnresolvedPolicy,
            "`AWSLambdaReadOnlyAccess` is attached to group `anton-test`",
        )],
    ),
    ("cloudsplaining-overrides-complete.json", [1, 1, 2, 3], &[]),
    ("cloudsplaining-test-authz-details.json", [3, 2, 3, 32], &[]),
    ("iamspy-batch-allow.json", [0, 0, 3, 0], &[]),
    ("iamspy-role-boundary-allow.json", [0, 0, 1, 1], &[]),
    ("iamspy-user-boundary-deny.json", [1, 0, 0, 1], &[]),
];

#[test]
fn every_dump_has_its_counts_and_warnings() {
    let Some(files) = dumps() else { return };
    let names: Vec<String> = files
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    let expected: Vec<&str> = EXPECTED.iter().map(|e| e.0).collect();
    assert_eq!(
        names, expected,
        "a corpus file was added or removed: update EXPECTED"
    );
    for (name, [users, groups, roles, managed], warnings) in EXPECTED {
        let snap = load_bare(name).unwrap();
        let c = counts(&snap);
        assert_eq!(
            [c.users, c.groups, c.roles, c.managed],
            [*users, *groups, *roles, *managed],
            "{name}"
        );
        let got: Vec<(WarningCode, &str)> = snap
            .warnings
            .iter()
            .map(|w| (w.code, w.message.as_str()))
            .collect();
        assert_eq!(got.len(), warnings.len(), "{name}: {got:#?}");
        for ((code, text), w) in warnings.iter().zip(&snap.warnings) {
            assert_eq!(w.code, *code, "{name}: {w}");
            assert!(w.message.contains(text), "{name}: {w}\n  wanted: {text}");
            assert!(w.place.file.ends_with(name), "{name}: {w}");
        }
        // Every statement knows its file, policy and place.
        for p in &snap.policies {
            for s in &p.document.statements {
                assert!(
                    s.origin.file.ends_with(name) && s.origin.pointer.is_some(),
                    "{name}: {}",
                    s.origin
                );
            }
        }
    }
}

#[test]
fn every_dump_loads_with_the_embedded_catalog() {
    let Some(files) = dumps() else { return };
    for path in &files {
        let snap = load_side(std::slice::from_ref(path), &[]).unwrap();
        // Attached-but-unlisted policies come from the catalog or stay unresolved, and
        // each one is named by exactly one warning either way.
        let refs = snap
            .principals
            .iter()
            .flat_map(|p| p.policies.iter().chain(&p.boundary))
            .chain(snap.groups.iter().flat_map(|g| &g.policies));
        for r in refs {
            if let PolicyRef::Unresolved { name, .. } = r {
                let named = snap
                    .warnings
                    .iter()
                    .filter(|w| {
                        w.code == WarningCode::UnresolvedPolicy
                            && w.message.contains(&format!("`{name}`"))
                    })
                    .count();
                assert_eq!(named, 1, "{}: {name}", path.display());
            }
        }
        let from_catalog = snap
            .warnings
            .iter()
            .filter(|w| w.code == WarningCode::PolicyFromCatalog)
            .count();
        let catalog_policies = snap
            .policies
            .iter()
            .filter(|p| {
                p.document
                    .statements
                    .first()
                    .is_some_and(|s| &*s.origin.file == CATALOG_FILE)
            })
            .count();
        assert_eq!(from_catalog, catalog_policies, "{}", path.display());
    }
}

#[test]
fn the_mismatched_lambda_policy_is_not_confused_with_the_listed_one() {
    let Some(snap) = load_bare("cloudsplaining-managed-policy-mismatch.json") else {
        return;
    };
    assert_eq!(
        snap.groups[0].policies,
        vec![PolicyRef::Unresolved {
            name: "AWSLambdaReadOnlyAccess".into(),
            arn: Some("arn:aws:iam::aws:policy/AWSLambdaReadOnlyAccess".into()),
        }]
    );
    assert_eq!(&*snap.policies[0].name, "AWSLambda_ReadOnlyAccess");
    assert_eq!(snap.policies[0].version.as_deref(), Some("v2"));
}

#[test]
fn details_of_real_exports() {
    let Some(large) = load_bare("cloudsplaining-example-large.json") else {
        return;
    };
    let commit = large
        .policies
        .iter()
        .find(|p| &*p.name == "AWSCodeCommitPowerUser")
        .unwrap();
    assert_eq!(
        (commit.kind, commit.version.as_deref()),
        (PolicyKind::AwsManaged, Some("v11"))
    );
    assert!(large.principals.iter().any(|p| {
        p.path
            .as_deref()
            .is_some_and(|x| x.starts_with("/aws-reserved/sso.amazonaws.com/"))
    }));

    let doc = load_bare("awscli-doc-example.json").unwrap();
    let bob = doc.principals.iter().find(|p| p.name == "Bob").unwrap();
    let PolicyRef::Resolved(id) = bob.policies[0] else {
        panic!()
    };
    let stmt = &doc.policy(id).unwrap().document.statements[0];
    assert_eq!(
        stmt.origin.pointer.as_deref(),
        Some("/UserDetailList/1/UserPolicyList/0/PolicyDocument/Statement")
    );
    let admins = &doc.groups[0];
    assert_eq!(admins.name, "Admins");
    assert_eq!(
        admins.policies.len(),
        1,
        "an object for `AttachedManagedPolicies` is a one-element list"
    );

    let demo = load_bare("cloudmapper-demo.json").unwrap();
    let user = demo.principals.iter().find(|p| p.name == "USER").unwrap();
    assert_eq!(
        demo.group(user.groups[0]).unwrap().name,
        "GROUP_WITH_BAD_INLINE_POLICY"
    );
    assert_eq!(user.account.as_deref(), Some("aws"));
    assert!(
        demo.principals
            .iter()
            .any(|p| p.path.as_deref() == Some(""))
    );

    for name in [
        "iamspy-role-boundary-allow.json",
        "iamspy-user-boundary-deny.json",
    ] {
        let snap = load_bare(name).unwrap();
        assert!(
            matches!(snap.principals[0].boundary, Some(PolicyRef::Resolved(_))),
            "{name}"
        );
    }
}

#[test]
fn all_dumps_as_one_side() {
    let Some(files) = dumps() else { return };
    let snap = load_side_with(&files, &[], &crate::ingest::LoadOptions::default(), &|_| {
        None
    })
    .unwrap();
    assert_eq!(snap.sources.len(), files.len());
    let users: usize = EXPECTED.iter().map(|e| e.1[0]).sum();
    let roles: usize = EXPECTED.iter().map(|e| e.1[2]).sum();
    let repeats = snap
        .warnings
        .iter()
        .filter(|w| {
            w.code == WarningCode::Duplicate
                && (w.message.starts_with("user `") || w.message.starts_with("role `"))
        })
        .count();
    // The same principals appear in several cloudsplaining files: one kept, one warning per repeat.
    assert_eq!(snap.principals.len() + repeats, users + roles);
}
