//! Every loss of a generated GCP migration is reported (issue 10, Figures): a small
//! organization built like `scripts/bench/gen_gcp_org.py` (folders, projects, groups with a
//! nested one, custom roles, bindings of one or two members), whose after side drops one
//! binding in ten. The test knows what each dropped binding granted and what the kept
//! bindings still grant, so it knows every user's lost permissions, and checks the diff
//! reports each of them.

use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::util::iamdiff;

const PERMS: [&str; 6] = [
    "storage.buckets.get",
    "storage.objects.list",
    "compute.instances.get",
    "pubsub.topics.get",
    "run.services.get",
    "bigquery.datasets.get",
];

struct Org {
    /// (name, parent)
    nodes: Vec<(String, Option<String>)>,
    /// group e-mail → members (`user:…` or `group:…`)
    groups: BTreeMap<String, Vec<String>>,
    /// custom role name → permissions
    roles: BTreeMap<String, Vec<&'static str>>,
    /// (node, role, members), in order per node
    bindings: Vec<(String, String, Vec<String>)>,
}

/// A deterministic pseudo-random sequence (a linear congruential generator).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

fn generate() -> Org {
    let mut rnd = Lcg(10);
    let mut nodes = vec![("organizations/1".to_owned(), None)];
    for f in 0..3 {
        nodes.push((format!("folders/{f}"), Some("organizations/1".to_owned())));
    }
    for p in 0..10 {
        nodes.push((format!("projects/p{p}"), Some(format!("folders/{}", p % 3))));
    }
    let mut groups = BTreeMap::new();
    for g in 0..6 {
        let mut m: Vec<String> = (0..10)
            .map(|u| format!("user:u{}@corp.com", g * 10 + u))
            .collect();
        if g == 0 {
            m.push("group:g3@corp.com".to_owned());
        }
        groups.insert(format!("g{g}@corp.com"), m);
    }
    let mut roles = BTreeMap::new();
    for r in 0..5 {
        roles.insert(
            format!("organizations/1/roles/r{r}"),
            vec![PERMS[r], PERMS[r + 1]],
        );
    }
    let names: Vec<String> = roles.keys().cloned().collect();
    let mut bindings = Vec::new();
    for k in 0..300 {
        let node = if k % 20 == 0 {
            nodes[rnd.below(4)].0.clone()
        } else {
            nodes[4 + rnd.below(10)].0.clone()
        };
        let role = names[rnd.below(names.len())].clone();
        let members = (0..1 + rnd.below(2))
            .map(|_| {
                if rnd.below(10) < 4 {
                    format!("group:g{}@corp.com", rnd.below(6))
                } else {
                    format!("user:u{}@corp.com", rnd.below(60))
                }
            })
            .collect();
        bindings.push((node, role, members));
    }
    Org {
        nodes,
        groups,
        roles,
        bindings,
    }
}

/// The bindings kept after: all but one in ten.
fn kept(i: usize) -> bool {
    i % 10 != 3
}

fn write_side(org: &Org, dir: &Path, after: bool) {
    std::fs::create_dir_all(dir).unwrap();
    let mut manifest = String::from("gcp-hierarchy:\n");
    for (node, parent) in &org.nodes {
        let bindings: Vec<Value> = org
            .bindings
            .iter()
            .enumerate()
            .filter(|(i, (n, _, _))| n == node && (!after || kept(*i)))
            .map(|(_, (_, role, members))| json!({"role": role, "members": members}))
            .collect();
        let file = format!("{}.json", node.replace('/', "-"));
        let policy = json!({"version": 3, "etag": "x", "bindings": bindings});
        std::fs::write(dir.join(&file), policy.to_string()).unwrap();
        manifest.push_str(&format!("  - node: {node}\n"));
        if let Some(p) = parent {
            manifest.push_str(&format!("    parent: {p}\n"));
        }
        manifest.push_str(&format!("    policy: {file}\n"));
    }
    manifest.push_str("groups:\n");
    for (g, members) in &org.groups {
        let file = format!("members-{}.json", g.split('@').next().unwrap());
        manifest.push_str(&format!("  {g}: {file}\n"));
        let list: Vec<Value> = members
            .iter()
            .enumerate()
            .map(|(j, m)| {
                let (kind, id) = m.split_once(':').unwrap();
                json!({"name": format!("groups/x/memberships/{j}"),
                       "preferredMemberKey": {"id": id},
                       "type": if kind == "group" { "GROUP" } else { "USER" }})
            })
            .collect();
        std::fs::write(dir.join(file), Value::Array(list).to_string()).unwrap();
    }
    std::fs::write(dir.join("manifest.yaml"), manifest).unwrap();
    let roles: Vec<Value> = org
        .roles
        .iter()
        .map(|(n, p)| json!({"name": n, "stage": "GA", "includedPermissions": p}))
        .collect();
    std::fs::write(
        dir.join("custom-roles.json"),
        Value::Array(roles).to_string(),
    )
    .unwrap();
}

/// The users a member stands for (a group's members, through nested groups).
fn users_of(org: &Org, member: &str, out: &mut BTreeSet<String>) {
    match member.strip_prefix("group:") {
        Some(g) => {
            for m in org.groups.get(g).into_iter().flatten() {
                users_of(org, m, out);
            }
        }
        None => {
            out.insert(member.to_owned());
        }
    }
}

/// The node and its ancestors.
fn chain(org: &Org, node: &str) -> Vec<String> {
    let mut out = vec![node.to_owned()];
    let mut cur = node.to_owned();
    while let Some(Some(p)) = org.nodes.iter().find(|(n, _)| *n == cur).map(|(_, p)| p) {
        out.push(p.clone());
        cur = p.clone();
    }
    out
}

/// Every (user, permission) a dropped binding granted at its node that no kept binding
/// grants there (at the node or above, directly or through a group).
fn expected_losses(org: &Org) -> BTreeSet<(String, String)> {
    let mut lost = BTreeSet::new();
    for (i, (node, role, members)) in org.bindings.iter().enumerate() {
        if kept(i) {
            continue;
        }
        let above = chain(org, node);
        let mut users = BTreeSet::new();
        for m in members {
            users_of(org, m, &mut users);
        }
        for u in users {
            for perm in &org.roles[role] {
                let still = org.bindings.iter().enumerate().any(|(j, (n, r, ms))| {
                    kept(j)
                        && above.contains(n)
                        && org.roles[r].contains(perm)
                        && ms.iter().any(|m| {
                            let mut us = BTreeSet::new();
                            users_of(org, m, &mut us);
                            us.contains(&u)
                        })
                });
                if !still {
                    lost.insert((u.clone(), (*perm).to_owned()));
                }
            }
        }
    }
    lost
}

// issue 10 (Figures: every generated loss reported): each permission a user loses when one
// binding in ten is dropped is in a lost or narrowed finding of that user.
#[test]
fn gcp_generated_losses_all_reported() {
    let org = generate();
    let tmp = tempfile::tempdir().unwrap();
    let (before, after) = (tmp.path().join("before"), tmp.path().join("after"));
    write_side(&org, &before, false);
    write_side(&org, &after, true);
    let expected = expected_losses(&org);
    assert!(
        expected.len() > 20,
        "the generator should lose something: {expected:?}"
    );
    let out = iamdiff()
        .args(["diff", "--format", "json", "--before"])
        .arg(&before)
        .arg("--after")
        .arg(&after)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let d: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut reported = BTreeSet::new();
    for p in d["principals"].as_array().unwrap() {
        for f in p["findings"].as_array().unwrap() {
            if f["code"] == "lost" || f["code"] == "narrowed" {
                for a in f["actions"].as_array().unwrap() {
                    reported.insert((
                        p["name"].as_str().unwrap().to_owned(),
                        a.as_str().unwrap().to_owned(),
                    ));
                }
            }
        }
    }
    let missing: Vec<_> = expected.difference(&reported).collect();
    assert!(missing.is_empty(), "losses not reported: {missing:?}");
}

// issue 10 (Figures: fewer, merged findings): a member's findings with the same code, scope
// (witness) and deciding bindings are one finding, whose parts hold each group's actions.
#[test]
fn gcp_findings_merged_per_member_scope_and_cause() {
    let org = generate();
    let tmp = tempfile::tempdir().unwrap();
    let (before, after) = (tmp.path().join("before"), tmp.path().join("after"));
    write_side(&org, &before, false);
    write_side(&org, &after, true);
    let out = iamdiff()
        .args(["diff", "--format", "json", "--before"])
        .arg(&before)
        .arg("--after")
        .arg(&after)
        .output()
        .unwrap();
    let d: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut merged = 0;
    for p in d["principals"].as_array().unwrap() {
        let mut seen = BTreeSet::new();
        for f in p["findings"].as_array().unwrap() {
            if f["witness"].is_string() {
                // what decides each side: equal ones would have been merged
                let side =
                    |s: &Value| format!("{} {} {}", s["status"], s["conditions"], s["route_set"]);
                let cause = (
                    f["code"].to_string(),
                    f["witness"].to_string(),
                    side(&f["before"]),
                    side(&f["after"]),
                );
                assert!(seen.insert(cause), "not merged: {f}");
            }
            if let Some(parts) = f["parts"].as_array() {
                merged += 1;
                let mut actions: Vec<&str> = parts
                    .iter()
                    .flat_map(|x| x["actions"].as_array().unwrap())
                    .map(|a| a.as_str().unwrap())
                    .collect();
                actions.sort_unstable();
                let all: Vec<&str> = f["actions"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| a.as_str().unwrap())
                    .collect();
                assert_eq!(actions, all, "parts hold the finding's actions: {f}");
            }
        }
    }
    assert!(merged > 0, "some finding spans several groups");
}
