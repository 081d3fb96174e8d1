//! The migration scenario of `fixtures/provisioner/migration/`, end to end: the old account
//! against the provisioner config plus the saved memberships must show the forgotten user's
//! loss and the narrowed SageMaker role; the same target written as a CloudFormation template
//! and as a Terraform plan must give the same findings.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

use iamdiff::ingest::{LoadOptions, load_side_opts};
use iamdiff::model::{
    ActionClause, PolicyKind, PolicyRef, PrincipalClause, PrincipalKind, ResourceClause, Snapshot,
    Statement,
};

use crate::util::{fixture, iamdiff};

const DIR: &str = "fixtures/provisioner/migration";
const CONFIG: &str = "fixtures/provisioner/migration/edge-prod-b001-us-west-1-sec.yaml";
const MEMBERSHIPS: &str = "fixtures/provisioner/migration/memberships.txt";
const ACCOUNT: &str = "123456789012";

/// One finding as the renderings are compared: kind, principal, code, actions, witness.
type Key = (String, String, String, Vec<String>, Option<String>);

/// `iamdiff diff --format json` of the old account against `after`, with the renames.
fn diff(after: &[&str]) -> std::process::Output {
    let mut cmd = iamdiff();
    cmd.args(["diff", "--before", &format!("{DIR}/before.json"), "--after"]);
    cmd.args(after);
    cmd.args(["--map", &format!("{DIR}/map.yaml"), "--format", "json"]);
    cmd.args(["--account", ACCOUNT, "--region", "us-west-1"]);
    cmd.output().unwrap()
}

fn report(out: &std::process::Output) -> Value {
    let err = String::from_utf8_lossy(&out.stderr);
    // the gate fails (losses), so exit 1; anything else is a broken run
    assert_eq!(out.status.code(), Some(1), "stderr: {err}");
    let mut v = serde_json::from_slice(&out.stdout).unwrap();
    // routes are listed once in the report (issue 10 Figures): inline them to read them
    iamdiff::report::json::inline_routes(&mut v);
    v
}

fn keys(report: &Value) -> BTreeSet<Key> {
    let mut out = BTreeSet::new();
    for p in report["principals"].as_array().unwrap() {
        for f in p["findings"].as_array().unwrap() {
            let actions = f["actions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap().to_owned())
                .collect();
            out.insert((
                f["principal_kind"].as_str().unwrap().to_owned(),
                f["principal"].as_str().unwrap().to_owned(),
                f["code"].as_str().unwrap().to_owned(),
                actions,
                f["witness"].as_str().map(str::to_owned),
            ));
        }
    }
    out
}

fn findings<'r>(report: &'r Value, name: &str) -> Vec<&'r Value> {
    report["principals"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["name"] == name)
        .flat_map(|p| p["findings"].as_array().unwrap())
        .collect()
}

#[test]
fn the_forgotten_user_and_the_narrowed_service_role_are_reported() {
    let r = report(&diff(&[CONFIG, MEMBERSHIPS]));

    // erin was in data-science-team and is in no group of memberships.txt: all of it is lost
    let erin = findings(&r, "erin");
    assert!(!erin.is_empty());
    assert!(erin.iter().all(|f| f["code"] == "lost"), "{erin:#?}");
    let lost: BTreeSet<&str> = erin
        .iter()
        .flat_map(|f| f["actions"].as_array().unwrap())
        .map(|a| a.as_str().unwrap())
        .collect();
    for a in [
        "s3:GetObject",
        "s3:PutObject",
        "sagemaker:CreateTrainingJob",
    ] {
        assert!(lost.contains(a), "erin should lose {a}: {lost:?}");
    }
    assert!(
        erin.iter()
            .all(|f| f["after"]["routes"].as_array().unwrap().is_empty())
    );

    // the SageMaker execution role could use every bucket; its successor only project buckets
    let role = r["principals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "edge-prod-b001-role-sagemaker-execution")
        .unwrap();
    assert_eq!(role["before_name"], "old-sagemaker-role");
    let narrowed = role["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "narrowed" && f["service"] == "s3")
        .expect("a narrowed s3 finding");
    let witness = narrowed["witness"].as_str().expect("a witness");
    assert!(witness.starts_with("arn:aws:s3:::"), "{witness}");
    assert!(
        !witness.starts_with("arn:aws:s3:::edge-prod-b001-"),
        "{witness}"
    );
    let actions = narrowed["actions"].as_array().unwrap();
    assert!(actions.iter().any(|a| a == "s3:GetObject"), "{actions:?}");

    // users placed in their new groups keep what they had (alice, bob: all but Athena,
    // which the config does not map); dave is an administrator on both sides
    for who in ["alice", "bob"] {
        let lost: Vec<&Value> = findings(&r, who)
            .into_iter()
            .filter(|f| f["code"] == "lost")
            .collect();
        assert_eq!(lost.len(), 1, "{who}: {lost:#?}");
        assert_eq!(lost[0]["service"], "athena");
    }
    assert!(findings(&r, "dave").is_empty());
}

#[test]
fn memberships_by_config_key_are_the_same_as_by_generated_name() {
    let dir = tempfile::tempdir().unwrap();
    let keyed = dir.path().join("memberships.yaml");
    std::fs::write(
        &keyed,
        "memberships:\n  data_scientists: [alice, bob]\n  ml_engineers: [carol, dave]\n  platform-administrators: [dave]\n",
    )
    .unwrap();
    let by_name = keys(&report(&diff(&[CONFIG, MEMBERSHIPS])));
    let by_key = keys(&report(&diff(&[CONFIG, keyed.to_str().unwrap()])));
    assert_eq!(by_name, by_key);
}

/// The loaders of these formats are still stubs in some builds: such a rendering is
/// reported as pending, but any other failure fails the test.
fn pending(out: &std::process::Output, what: &str) -> bool {
    let err = String::from_utf8_lossy(&out.stderr);
    if out.status.code() == Some(2) && err.contains("not supported yet") {
        println!("pending: {what} cannot be compared yet: {}", err.trim());
        return true;
    }
    false
}

#[test]
fn the_template_and_the_plan_give_the_same_findings_as_the_config() {
    let expected = keys(&report(&diff(&[CONFIG, MEMBERSHIPS])));
    let template = format!("{DIR}/template.yaml");
    let plan = format!("{DIR}/plan.json");
    for (what, after) in [
        (
            "template.yaml + memberships.txt",
            vec![template.as_str(), MEMBERSHIPS],
        ),
        // the template and the plan carry the same memberships themselves
        ("template.yaml", vec![template.as_str()]),
        (
            "plan.json + memberships.txt",
            vec![plan.as_str(), MEMBERSHIPS],
        ),
        ("plan.json", vec![plan.as_str()]),
    ] {
        let out = diff(&after);
        if pending(&out, what) {
            continue;
        }
        let got = keys(&report(&out));
        let missing: Vec<&Key> = expected.difference(&got).collect();
        let extra: Vec<&Key> = got.difference(&expected).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{what} differs from the provisioner config:\nmissing: {missing:#?}\nextra: {extra:#?}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// The plan, read here by a small independent reader of the resources it uses, grants every
// group and role exactly what iamdiff's reader of the config makes of it. (make-renderings.py
// checks that the template grants what the plan does.) So once the CloudFormation and
// Terraform readers land, any difference in findings is theirs.

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Canon {
    effect: String,
    actions: Vec<String>,
    resources: Vec<String>,
    principals: Vec<(String, String)>,
    conditions: Vec<(String, String, Vec<String>)>,
}

fn sorted(v: &[String]) -> Vec<String> {
    let mut v = v.to_vec();
    v.sort();
    v
}

fn canon(s: &Statement) -> Canon {
    let (ActionClause::Action(a) | ActionClause::NotAction(a)) = &s.action;
    let resources = match &s.resource {
        ResourceClause::Resource(r) | ResourceClause::NotResource(r) => sorted(r),
        ResourceClause::Absent => Vec::new(),
    };
    let mut principals = match &s.principal {
        Some(PrincipalClause::Principal(p) | PrincipalClause::NotPrincipal(p)) => p.clone(),
        None => Vec::new(),
    };
    principals.sort();
    let mut conditions: Vec<_> = s
        .condition
        .iter()
        .map(|c| (c.operator.clone(), c.key.clone(), sorted(&c.values)))
        .collect();
    conditions.sort();
    Canon {
        effect: format!("{:?}", s.effect),
        actions: sorted(a),
        resources,
        principals,
        conditions,
    }
}

fn strings(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a.iter().map(|x| x.as_str().unwrap().to_owned()).collect(),
        Value::Null => Vec::new(),
        other => panic!("not a string or list: {other}"),
    };
    out.sort();
    out
}

fn canon_json(policy: &str) -> Vec<Canon> {
    let doc: Value = serde_json::from_str(policy).unwrap();
    let mut out: Vec<Canon> = doc["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let mut principals = Vec::new();
            if let Some(p) = s["Principal"].as_object() {
                for (k, v) in p {
                    principals.extend(strings(v).into_iter().map(|x| (k.clone(), x)));
                }
            }
            principals.sort();
            let mut conditions = Vec::new();
            if let Some(c) = s["Condition"].as_object() {
                for (op, kv) in c {
                    for (k, v) in kv.as_object().unwrap() {
                        conditions.push((op.clone(), k.clone(), strings(v)));
                    }
                }
            }
            conditions.sort();
            Canon {
                effect: s["Effect"].as_str().unwrap().to_owned(),
                actions: strings(&s["Action"]),
                resources: strings(&s["Resource"]),
                principals,
                conditions,
            }
        })
        .collect();
    out.sort();
    out
}

/// What a group or role is given: inline statements, managed policy ARNs, trust, members.
#[derive(Debug, Default, PartialEq, Eq)]
struct Grants {
    inline: Vec<Canon>,
    managed: Vec<String>,
    trust: Vec<Canon>,
    members: Vec<String>,
}

fn from_snapshot(snap: &Snapshot) -> (BTreeMap<String, Grants>, BTreeMap<String, Vec<Canon>>) {
    let mut out: BTreeMap<String, Grants> = BTreeMap::new();
    let mut customer = BTreeMap::new();
    let mut add = |g: &mut Grants, refs: &[PolicyRef]| {
        for r in refs {
            let PolicyRef::Resolved(id) = r else {
                panic!("unresolved {r:?}")
            };
            let p = snap.policy(*id).unwrap();
            match p.kind {
                PolicyKind::Inline => g.inline.extend(p.document.statements.iter().map(canon)),
                _ => {
                    let arn = p.arn.as_deref().unwrap().to_owned();
                    if p.kind == PolicyKind::CustomerManaged {
                        let mut c: Vec<Canon> = p.document.statements.iter().map(canon).collect();
                        c.sort();
                        customer.insert(arn.clone(), c);
                    }
                    g.managed.push(arn);
                }
            }
        }
    };
    for (i, group) in snap.groups.iter().enumerate() {
        let g = out.entry(group.name.clone()).or_default();
        add(g, &group.policies);
        for p in &snap.principals {
            if p.groups.iter().any(|id| id.0 as usize == i) {
                g.members.push(p.name.clone());
            }
        }
    }
    for p in snap
        .principals
        .iter()
        .filter(|p| p.kind == PrincipalKind::Role)
    {
        let g = out.entry(p.name.clone()).or_default();
        add(g, &p.policies);
        let trust = snap.policy(p.trust.unwrap()).unwrap();
        g.trust = trust.document.statements.iter().map(canon).collect();
    }
    for g in out.values_mut() {
        g.inline.sort();
        g.managed.sort();
        g.trust.sort();
        g.members.sort();
    }
    (out, customer)
}

fn from_plan(plan: &Value) -> (BTreeMap<String, Grants>, BTreeMap<String, Vec<Canon>>) {
    let resources = plan["planned_values"]["root_module"]["resources"]
        .as_array()
        .unwrap();
    let config = plan["configuration"]["root_module"]["resources"]
        .as_array()
        .unwrap();
    let mut out: BTreeMap<String, Grants> = BTreeMap::new();
    let mut customer = BTreeMap::new();
    let mut policy_arn = BTreeMap::new();
    for r in resources.iter().filter(|r| r["type"] == "aws_iam_policy") {
        let v = &r["values"];
        let arn = format!(
            "arn:aws:iam::{ACCOUNT}:policy/{}",
            v["name"].as_str().unwrap()
        );
        policy_arn.insert(r["address"].as_str().unwrap().to_owned(), arn.clone());
        customer.insert(arn, canon_json(v["policy"].as_str().unwrap()));
    }
    for r in resources {
        let v = &r["values"];
        let s = |k: &str| v[k].as_str().unwrap().to_owned();
        match r["type"].as_str().unwrap() {
            "aws_iam_group" => {
                out.entry(s("name")).or_default();
            }
            "aws_iam_role" => {
                out.entry(s("name")).or_default().trust =
                    canon_json(v["assume_role_policy"].as_str().unwrap());
            }
            "aws_iam_group_policy" => out
                .entry(s("group"))
                .or_default()
                .inline
                .extend(canon_json(v["policy"].as_str().unwrap())),
            "aws_iam_role_policy" => out
                .entry(s("role"))
                .or_default()
                .inline
                .extend(canon_json(v["policy"].as_str().unwrap())),
            t @ ("aws_iam_group_policy_attachment" | "aws_iam_role_policy_attachment") => {
                let arn = v["policy_arn"]
                    .as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| {
                        // known after apply: follow the configuration's reference
                        let c = config
                            .iter()
                            .find(|c| c["address"] == r["address"])
                            .unwrap();
                        let target = c["expressions"]["policy_arn"]["references"][1]
                            .as_str()
                            .unwrap();
                        policy_arn[target].clone()
                    });
                let who = if t.starts_with("aws_iam_group") {
                    s("group")
                } else {
                    s("role")
                };
                out.entry(who).or_default().managed.push(arn);
            }
            "aws_iam_group_membership" => out
                .entry(s("group"))
                .or_default()
                .members
                .extend(strings(&v["users"])),
            "aws_iam_policy" => {}
            other => panic!("resource type {other} is not read here"),
        }
    }
    for g in out.values_mut() {
        g.inline.sort();
        g.managed.sort();
        g.trust.sort();
        g.members.sort();
    }
    (out, customer)
}

#[test]
fn the_plan_grants_what_the_config_does() {
    let opts = LoadOptions {
        account: Some(ACCOUNT.into()),
        region: Some("us-west-1".into()),
        ..LoadOptions::default()
    };
    let snap = load_side_opts(
        &[
            fixture("provisioner/migration/edge-prod-b001-us-west-1-sec.yaml"),
            fixture("provisioner/migration/memberships.txt"),
        ],
        &[],
        &opts,
    )
    .unwrap();
    assert!(snap.warnings.is_empty(), "{:?}", snap.warnings);
    let plan: Value =
        serde_json::from_slice(&std::fs::read(fixture("provisioner/migration/plan.json")).unwrap())
            .unwrap();
    let (config_grants, config_customer) = from_snapshot(&snap);
    let (plan_grants, plan_customer) = from_plan(&plan);
    assert_eq!(
        config_grants.keys().collect::<Vec<_>>(),
        plan_grants.keys().collect::<Vec<_>>()
    );
    for (name, g) in &config_grants {
        assert_eq!(Some(g), plan_grants.get(name), "{name}");
    }
    assert_eq!(config_customer, plan_customer);
}

#[test]
fn schema_target_prints_the_json_schema() {
    let out = iamdiff().args(["schema", "target"]).output().unwrap();
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["$schema"], "https://json-schema.org/draft/2020-12/schema");
    assert!(v["properties"]["security"].is_object());
}

#[test]
fn every_fixture_config_is_read_with_effective() {
    for cfg in [CONFIG, "fixtures/provisioner/synthetic-full-config.yaml"] {
        let out = iamdiff()
            .args(["effective", cfg, "--format", "json"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{cfg}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn malformed_configs_memberships_and_levels_name_their_place() {
    for (args, place, what) in [
        (
            vec!["fixtures/malformed/provisioner-unknown-level.yaml"],
            "provisioner-unknown-level.yaml:13:13",
            "has no level `level7`",
        ),
        (
            vec!["fixtures/malformed/provisioner-unknown-service.yaml"],
            "provisioner-unknown-service.yaml:13:9",
            "did you mean `sagemaker`",
        ),
        (
            vec!["fixtures/malformed/provisioner-bad-indent.yaml"],
            "provisioner-bad-indent.yaml:12:6",
            "invalid YAML",
        ),
        (
            vec!["fixtures/malformed/provisioner-account-not-digits.yaml"],
            "provisioner-account-not-digits.yaml:3:15",
            "is not 12 digits",
        ),
        (
            vec![CONFIG, "fixtures/malformed/memberships-no-colon.txt"],
            "memberships-no-colon.txt:3:1",
            "expected `group: user1 user2`",
        ),
        (
            vec![CONFIG, "fixtures/malformed/memberships-unknown-group.txt"],
            "memberships-unknown-group.txt:3:1",
            "did you mean `edge-prod-b001-group-ml-engineers`",
        ),
        (
            vec![
                CONFIG,
                "--levels",
                "fixtures/malformed/levels-unknown-placeholder.yaml",
            ],
            "levels-unknown-placeholder.yaml:9:23",
            "unknown placeholder `{{project}}`",
        ),
    ] {
        let out = iamdiff().arg("effective").args(&args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains(&format!("fixtures/malformed/{place}")),
            "{args:?}: {err}"
        );
        assert!(err.contains(what), "{args:?}: {err}");
    }
}
