//! Keeps the benchmark account generator (`benches/common/gen.rs`) from rotting: the small
//! scale must be deterministic, parse, have the promised shape, and come with an expected
//! list of breaks that names real principals.

// Marks the helpers below as test code, for clippy's unwrap-in-tests allowance.
#![cfg(test)]

#[path = "../benches/common/gen.rs"]
pub(crate) mod synth;

use serde_json::Value;
use std::collections::BTreeSet;
use synth::Scale;

fn files(seed: u64) -> Vec<(&'static str, Vec<u8>)> {
    synth::scenario_files(Scale::Small, seed).unwrap().0
}

fn file(files: &[(&'static str, Vec<u8>)], name: &str) -> Value {
    let bytes = &files.iter().find(|(n, _)| *n == name).unwrap().1;
    serde_json::from_slice(bytes).unwrap()
}

fn list<'a>(v: &'a Value, key: &str) -> &'a Vec<Value> {
    v[key].as_array().unwrap()
}

fn names(v: &Value, list_key: &str, name_key: &str) -> BTreeSet<String> {
    list(v, list_key)
        .iter()
        .map(|e| e[name_key].as_str().unwrap().to_string())
        .collect()
}

fn is_aws_managed(arn: &str) -> bool {
    arn.starts_with("arn:aws:iam::aws:policy/")
}

/// Every ARN attached or used as a boundary anywhere in the account.
fn referenced_policy_arns(account: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for key in ["UserDetailList", "GroupDetailList", "RoleDetailList"] {
        for e in list(account, key) {
            for a in e["AttachedManagedPolicies"].as_array().unwrap() {
                out.push(a["PolicyArn"].as_str().unwrap().to_string());
            }
            if let Some(b) = e.get("PermissionsBoundary") {
                out.push(b["PermissionsBoundaryArn"].as_str().unwrap().to_string());
            }
        }
    }
    out
}

#[test]
fn small_scale_is_byte_for_byte_deterministic() {
    let a = files(42);
    let b = files(42);
    assert_eq!(a.len(), b.len());
    for ((na, ba), (nb, bb)) in a.iter().zip(&b) {
        assert_eq!(na, nb);
        assert!(ba == bb, "{na} differs between two runs with the same seed");
    }
    let other = files(43);
    assert_ne!(a[0].1, other[0].1, "another seed must give another account");
}

#[test]
fn small_scale_parses_and_has_the_promised_counts() {
    let f = files(42);
    let before = file(&f, "before.json");
    let counts = Scale::Small.counts();
    assert_eq!(list(&before, "UserDetailList").len(), counts.users);
    assert_eq!(list(&before, "GroupDetailList").len(), counts.groups);
    assert_eq!(list(&before, "RoleDetailList").len(), counts.roles);
    let customer = list(&before, "Policies")
        .iter()
        .filter(|p| !is_aws_managed(p["Arn"].as_str().unwrap()))
        .count();
    assert_eq!(customer, counts.policies);
    for name in [
        "after.json",
        "expected-breaks.json",
        "expected-renames.json",
        "mutations.json",
    ] {
        file(&f, name);
    }
}

#[test]
fn output_looks_like_the_aws_cli() {
    let f = files(42);
    let text = std::str::from_utf8(&f[0].1).unwrap();
    assert!(text.starts_with("{\n    \"UserDetailList\": [\n        {\n            \"Path\": "));
    assert!(text.ends_with("}\n"));
    // The CLI's key order, checked on the text (a parsed `Value` sorts its keys).
    let user_keys = [
        "\"Path\"",
        "\"UserName\"",
        "\"UserId\"",
        "\"Arn\"",
        "\"CreateDate\"",
        "\"GroupList\"",
    ];
    let mut at = 0;
    for k in user_keys {
        let i = text[at..].find(k).unwrap();
        at += i;
    }
    let before = file(&f, "before.json");
    let top: Vec<&str> = [
        "UserDetailList",
        "GroupDetailList",
        "RoleDetailList",
        "Policies",
    ]
    .into_iter()
    .filter(|k| before.get(*k).is_some())
    .collect();
    assert_eq!(top.len(), 4);
    for u in list(&before, "UserDetailList") {
        let id = u["UserId"].as_str().unwrap();
        assert!(
            id.starts_with("AIDA") && id.len() == 21,
            "bad user id `{id}`"
        );
    }
}

#[test]
fn references_resolve_and_one_default_version_per_policy() {
    let f = files(42);
    for side in ["before.json", "after.json"] {
        let account = file(&f, side);
        let groups = names(&account, "GroupDetailList", "GroupName");
        for u in list(&account, "UserDetailList") {
            for g in u["GroupList"].as_array().unwrap() {
                let g = g.as_str().unwrap();
                assert!(groups.contains(g), "{side}: user lists missing group `{g}`");
            }
        }
        let policies: BTreeSet<String> = list(&account, "Policies")
            .iter()
            .map(|p| p["Arn"].as_str().unwrap().to_string())
            .collect();
        for arn in referenced_policy_arns(&account) {
            if !is_aws_managed(&arn) {
                assert!(
                    policies.contains(&arn),
                    "{side}: dangling customer policy `{arn}`"
                );
            }
        }
        for p in list(&account, "Policies") {
            let versions = p["PolicyVersionList"].as_array().unwrap();
            let defaults: Vec<&Value> = versions
                .iter()
                .filter(|v| v["IsDefaultVersion"].as_bool().unwrap())
                .collect();
            assert_eq!(defaults.len(), 1, "{side}: policy {}", p["Arn"]);
            assert_eq!(defaults[0]["VersionId"], p["DefaultVersionId"]);
            assert!(versions.len() <= 5);
            assert!(
                p["AttachmentCount"].as_u64().unwrap() > 0
                    || p["PermissionsBoundaryUsageCount"].as_u64().unwrap() > 0
                    || !is_aws_managed(p["Arn"].as_str().unwrap())
            );
        }
    }
}

#[test]
fn some_documents_are_url_encoded_and_decode_to_json() {
    let f = files(42);
    let before = file(&f, "before.json");
    let mut encoded = 0;
    let mut objects = 0;
    let mut check = |doc: &Value| match doc {
        Value::String(s) => {
            let decoded = percent_encoding::percent_decode_str(s)
                .decode_utf8()
                .unwrap();
            let v: Value = serde_json::from_str(&decoded).unwrap();
            assert_eq!(v["Version"], "2012-10-17");
            encoded += 1;
        }
        Value::Object(_) => objects += 1,
        other => panic!("policy document is neither object nor string: {other}"),
    };
    for key in ["UserDetailList", "GroupDetailList", "RoleDetailList"] {
        for e in list(&before, key) {
            for pl in ["UserPolicyList", "GroupPolicyList", "RolePolicyList"] {
                for p in e.get(pl).and_then(Value::as_array).into_iter().flatten() {
                    check(&p["PolicyDocument"]);
                }
            }
        }
    }
    for p in list(&before, "Policies") {
        for v in p["PolicyVersionList"].as_array().unwrap() {
            check(&v["Document"]);
        }
    }
    assert!(encoded > 0, "no URL-encoded document at small scale");
    assert!(objects > encoded * 5);
}

#[test]
fn expected_breaks_name_real_principals_and_renames_real_groups() {
    let f = files(42);
    let before = file(&f, "before.json");
    let after = file(&f, "after.json");
    let users = names(&before, "UserDetailList", "UserName");
    let roles = names(&before, "RoleDetailList", "RoleName");
    let breaks = file(&f, "expected-breaks.json");
    let breaks = breaks.as_array().unwrap();
    assert!(!breaks.is_empty());
    for b in breaks {
        let who = b["principal"].as_str().unwrap();
        match b["principal_kind"].as_str().unwrap() {
            "user" => assert!(users.contains(who), "unknown user `{who}`"),
            "role" => assert!(roles.contains(who), "unknown role `{who}`"),
            other => panic!("bad principal kind `{other}`"),
        }
        assert_eq!(b["before"], "allowed");
        assert!(matches!(
            b["after"].as_str().unwrap(),
            "not-allowed" | "denied"
        ));
        assert!(b["action"].as_str().unwrap().contains(':'));
        assert!(b["resource"].as_str().unwrap().starts_with("arn:aws:"));
    }
    let kinds: BTreeSet<&str> = breaks
        .iter()
        .map(|b| b["mutation"].as_str().unwrap().split(' ').nth(1).unwrap())
        .collect();
    assert!(
        kinds.len() >= 4,
        "breaks come from too few mutation kinds: {kinds:?}"
    );

    let before_groups = names(&before, "GroupDetailList", "GroupName");
    let after_groups = names(&after, "GroupDetailList", "GroupName");
    let renames = file(&f, "expected-renames.json");
    let renames = renames.as_array().unwrap();
    assert!(!renames.is_empty());
    for r in renames {
        let old = r["old"].as_str().unwrap();
        let new = r["new"].as_str().unwrap();
        assert!(before_groups.contains(old) && !after_groups.contains(old));
        assert!(after_groups.contains(new) && !before_groups.contains(new));
        assert_eq!(new, format!("{}{old}", synth::RENAME_PREFIX));
    }
}

#[test]
fn every_probe_is_covered_by_its_own_statement() {
    let before = synth::generate(Scale::Small, 42);
    let mut n = 0;
    let docs = before
        .users
        .iter()
        .flat_map(|u| u.user_policy_list.iter().map(|p| &p.policy_document.doc))
        .chain(
            before
                .groups
                .iter()
                .flat_map(|g| g.group_policy_list.iter().map(|p| &p.policy_document.doc)),
        )
        .chain(
            before
                .roles
                .iter()
                .flat_map(|r| r.role_policy_list.iter().map(|p| &p.policy_document.doc)),
        )
        .chain(
            before
                .policies
                .iter()
                .flat_map(|p| p.policy_version_list.iter().map(|v| &v.document.doc)),
        );
    for doc in docs {
        for s in &doc.statements {
            if s.probe.is_some() {
                n += 1;
                assert!(synth::probe_is_covered(s), "probe not covered: {s:?}");
            }
        }
    }
    assert!(n > 100);
}

#[test]
fn the_oracle_knows_iam_basics() {
    assert!(synth::wildcard("s3:Get*", "s3:getobject", true));
    assert!(!synth::wildcard("s3:Get*", "s3:getobject", false));
    assert!(synth::wildcard(
        "arn:aws:s3:::b/*",
        "arn:aws:s3:::b/x/y",
        false
    ));
    assert!(!synth::wildcard(
        "arn:aws:s3:::b/reports/*",
        "arn:aws:s3:::b/data/x",
        false
    ));
    assert!(synth::wildcard("a?c", "abc", false));
    assert!(!synth::wildcard("a?c", "ac", false));
    assert!(synth::wildcard("*", "", false));
    assert_eq!(synth::iso_date(0), "1970-01-01T00:00:00+00:00");
    assert_eq!(synth::iso_date(1_700_000_000), "2023-11-14T22:13:20+00:00");
    assert_eq!(
        synth::parse_iso("2023-11-14T22:13:20+00:00"),
        Some(1_700_000_000)
    );
    assert_eq!(
        synth::url_encode("{\"a\": \"b/c\"}"),
        "%7B%22a%22%3A%20%22b%2Fc%22%7D"
    );
}

/// The generator knows which requests each mutation breaks; the diff must report every one
/// of them as lost or narrowed (for the principal and action), and `explain` must agree on
/// the concrete resource: allowed before, not after.
#[test]
fn diff_reports_every_break_the_mutations_cause() {
    use iamdiff::catalog::catalog;
    use iamdiff::diff::mapping::Renames;
    use iamdiff::eval::context::RequestContext;
    use iamdiff::eval::{Decision, EvalOptions, effective, explain};

    let dir = tempfile::tempdir().unwrap();
    synth::write_scenario(dir.path(), Scale::Small, 42).unwrap();
    let before = iamdiff::ingest::load_side(&[dir.path().join("before.json")], &[]).unwrap();
    let after = iamdiff::ingest::load_side(&[dir.path().join("after.json")], &[]).unwrap();
    let cat = catalog();
    let (eb, ea) = (
        effective(&before, cat, &EvalOptions::default()),
        effective(&after, cat, &EvalOptions::default()),
    );
    let renames = Renames::default();
    let outcome = crate::util::diff_of((&before, &eb), (&after, &ea), &renames);
    let breaks: Vec<Value> =
        serde_json::from_slice(&std::fs::read(dir.path().join("expected-breaks.json")).unwrap())
            .unwrap();
    assert!(!breaks.is_empty());
    let ctx = RequestContext::new(false);
    let mut missed = Vec::new();
    for b in &breaks {
        let (kind, name, action) = (
            b["principal_kind"].as_str().unwrap(),
            b["principal"].as_str().unwrap(),
            b["action"].as_str().unwrap(),
        );
        let reported = outcome.principals.iter().any(|p| {
            p.kind == kind
                && p.name == name
                && p.findings.iter().any(|f| {
                    matches!(f.code.as_str(), "lost" | "narrowed" | "removed-principal")
                        && f.actions.iter().any(|a| a.eq_ignore_ascii_case(action))
                })
        });
        if !reported {
            missed.push(format!("{} {kind} {name} {action}", b["mutation"]));
        }
        // and the concrete request really changes
        let resource = b["resource"].as_str().unwrap();
        let find = |s: &iamdiff::model::Snapshot| {
            s.principals
                .iter()
                .find(|p| p.name == name && p.kind.as_str() == kind)
                .cloned()
        };
        if let (Some(pb), Some(pa)) = (find(&before), find(&after)) {
            let db = explain(&before, cat, &pb, action, Some(resource), &ctx).decision;
            let da = explain(&after, cat, &pa, action, Some(resource), &ctx).decision;
            assert_eq!(db, Decision::Allowed, "{b}");
            assert!(
                matches!(da, Decision::NotAllowed | Decision::Denied),
                "{b}: after is {da:?}"
            );
        }
    }
    assert!(
        missed.is_empty(),
        "{} of {} breaks not reported:\n{}",
        missed.len(),
        breaks.len(),
        missed.join("\n")
    );
}
