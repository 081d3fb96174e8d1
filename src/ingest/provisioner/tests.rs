//! Tests of the provisioner config reader and the level definitions.

use super::*;
use crate::catalog::catalog;
use crate::ingest::catalog_resolver;
use crate::model::{ConditionClause, Effect, Warning};

const CONFIG: &str = "\
client:
  company_name: Edge Analytics
  company_prefix: edge
  account_id: \"123456789012\"
  tenant_id: b001
environment:
  env: prod
  region: us-west-1
tier:
  name: medium
  version: medium-10
tags:
  owner: platform-team
security:
  iam_groups:
    data_scientists:
      description: Data scientists
      managed_policies: [CloudWatchLogsReadOnlyAccess]
      policy_assignments:
        s3: level2
        sagemaker: level2
    ml_engineers:
      managed_policies: []
      policy_assignments: {s3: level3, ecr: level2}
  service_roles:
    sagemaker_execution:
      service_principal: sagemaker.amazonaws.com
      policy_assignments: {s3: level3, ecr: level1}
  assumable_roles:
    aml_engineer:
      mirrors_group: ml_engineers
      assumable_by: [data_scientists]
      require_mfa: true
  cross_account_roles:
    cicd_deployer:
      trusted_account_id: \"210987654321\"
      external_id: edge-cicd-2026
      policy_assignments: {pipeline: level3}
";

fn load_with(text: &str, opts: &LoadOptions) -> Result<Snapshot, IngestError> {
    let mut snap = Snapshot::default();
    load(
        &Arc::from("c.yaml"),
        text.as_bytes(),
        &mut snap,
        opts,
        &catalog_resolver,
    )?;
    Ok(snap)
}

fn load_str(text: &str) -> Result<Snapshot, IngestError> {
    load_with(text, &LoadOptions::default())
}

fn role<'s>(snap: &'s Snapshot, name: &str) -> &'s Principal {
    snap.principals
        .iter()
        .find(|p| p.kind == PrincipalKind::Role && p.name == name)
        .unwrap_or_else(|| panic!("no role {name}"))
}

fn group<'s>(snap: &'s Snapshot, name: &str) -> &'s Group {
    snap.groups
        .iter()
        .find(|g| g.name == name)
        .unwrap_or_else(|| panic!("no group {name}"))
}

fn policies<'s>(snap: &'s Snapshot, refs: &[PolicyRef]) -> Vec<&'s Policy> {
    refs.iter()
        .map(|r| match r {
            PolicyRef::Resolved(id) => snap.policy(*id).unwrap(),
            PolicyRef::Unresolved { name, .. } => panic!("unresolved {name}"),
        })
        .collect()
}

fn names(ps: &[&Policy]) -> Vec<String> {
    ps.iter().map(|p| p.name.to_string()).collect()
}

fn resources(s: &Statement) -> Vec<String> {
    match &s.resource {
        ResourceClause::Resource(v) => v.clone(),
        _ => Vec::new(),
    }
}

#[test]
fn groups_and_roles_get_generated_names_arns_and_policies() {
    let snap = load_str(CONFIG).unwrap();
    assert!(!snap.defines_users);
    assert!(snap.warnings.is_empty(), "{:?}", snap.warnings);

    let ds = group(&snap, "edge-prod-b001-group-data-scientists");
    assert_eq!(
        ds.arn.as_deref(),
        Some("arn:aws:iam::123456789012:group/edge-prod-b001-group-data-scientists")
    );
    let ps = policies(&snap, &ds.policies);
    assert_eq!(
        names(&ps),
        vec![
            "CloudWatchLogsReadOnlyAccess",
            "s3-level2-project-buckets-only",
            "sagemaker-level2-project-dev",
            "assume-edge-prod-b001-role-aml-engineer",
        ]
    );
    assert_eq!(ps[0].kind, PolicyKind::AwsManaged);
    assert_eq!(
        ps[0].arn.as_deref(),
        Some("arn:aws:iam::aws:policy/CloudWatchLogsReadOnlyAccess")
    );
    // placeholders filled, provenance at the assignment
    let s3 = ps[1];
    assert_eq!(s3.kind, PolicyKind::Inline);
    let objects = s3
        .document
        .statements
        .iter()
        .find(|s| s.sid.as_deref() == Some("ReadWriteProjectObjects"))
        .unwrap();
    assert_eq!(resources(objects), vec!["arn:aws:s3:::edge-prod-b001-*/*"]);
    assert!(objects.unresolved.is_empty());
    assert_eq!(&*objects.origin.file, "c.yaml");
    assert_eq!(
        objects.origin.pointer.as_deref(),
        Some("/security/iam_groups/data_scientists/policy_assignments/s3")
    );
    // the assume-role grant of an assumable role, with its MFA condition
    let assume = &ps[3].document.statements[0];
    assert_eq!(
        resources(assume),
        vec!["arn:aws:iam::123456789012:role/edge-prod-b001-role-aml-engineer"]
    );
    assert_eq!(
        assume.condition,
        vec![ConditionClause {
            operator: "Bool".into(),
            key: "aws:MultiFactorAuthPresent".into(),
            values: vec!["true".into()],
        }]
    );

    let sm = role(&snap, "edge-prod-b001-role-sagemaker-execution");
    assert_eq!(
        sm.arn.as_deref(),
        Some("arn:aws:iam::123456789012:role/edge-prod-b001-role-sagemaker-execution")
    );
    assert_eq!(sm.account.as_deref(), Some("123456789012"));
    assert_eq!(
        sm.tags.get("owner").map(String::as_str),
        Some("platform-team")
    );
    let trust = snap.policy(sm.trust.unwrap()).unwrap();
    assert_eq!(trust.kind, PolicyKind::Trust);
    assert_eq!(
        trust.document.statements[0].principal,
        Some(PrincipalClause::Principal(vec![(
            "Service".into(),
            "sagemaker.amazonaws.com".into()
        )]))
    );
    let ecr = policies(&snap, &sm.policies)[1];
    assert!(
        ecr.document.statements.iter().any(|s| resources(s)
            == vec!["arn:aws:ecr:us-west-1:123456789012:repository/edge-prod-b001-*"])
    );

    // mirrors_group: the role has the group's policies
    let aml = role(&snap, "edge-prod-b001-role-aml-engineer");
    assert_eq!(
        names(&policies(&snap, &aml.policies)),
        vec![
            "s3-level3-project-buckets-full",
            "ecr-level2-dev-read-write"
        ]
    );
    let t = &snap.policy(aml.trust.unwrap()).unwrap().document.statements[0];
    assert_eq!(
        t.principal,
        Some(PrincipalClause::Principal(vec![(
            "AWS".into(),
            "arn:aws:iam::123456789012:root".into()
        )]))
    );
    assert_eq!(t.condition.len(), 1);

    let cicd = role(&snap, "edge-prod-b001-role-cicd-deployer");
    let t = &snap
        .policy(cicd.trust.unwrap())
        .unwrap()
        .document
        .statements[0];
    assert_eq!(
        t.condition,
        vec![ConditionClause {
            operator: "StringEquals".into(),
            key: "sts:ExternalId".into(),
            values: vec!["edge-cicd-2026".into()],
        }]
    );

    // memberships may name groups by their config key
    let aliases: Vec<&str> = snap
        .group_aliases
        .iter()
        .map(|a| a.alias.as_str())
        .collect();
    assert!(aliases.contains(&"data_scientists") && aliases.contains(&"data-scientists"));
}

#[test]
fn the_synthetic_full_config_loads() {
    let text = include_str!("../../../fixtures/provisioner/synthetic-full-config.yaml");
    let snap = load_str(text).unwrap();
    assert_eq!(snap.groups.len(), 4);
    assert_eq!(snap.principals.len(), 3);
    // `assumable_by: [mlops_engineers]` names a group the config does not define
    let codes: Vec<&str> = snap.warnings.iter().map(|w| w.code.as_str()).collect();
    assert_eq!(codes, vec!["unknown-group"], "{:?}", snap.warnings);
    assert!(snap.warnings[0].message.contains("`mlops_engineers`"));
    let sec = group(&snap, "edge-prod-b001-group-security-team");
    assert_eq!(
        names(&policies(&snap, &sec.policies)),
        vec!["ReadOnlyAccess", "SecurityAudit"]
    );
}

#[test]
fn the_shared_corpus_config_loads_when_present() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus/seed-systems/sec/full-config.synthetic.yaml");
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("skipped: {} is not here", path.display());
        return;
    };
    let snap = load_str(&text).unwrap();
    assert_eq!(snap.groups.len(), 4);
}

#[test]
fn unknown_service_or_level_is_a_placed_error() {
    let e = load_str(&CONFIG.replace("sagemaker: level2", "sagemakr: level2")).unwrap_err();
    assert_eq!((e.place.line, e.place.column), (Some(21), Some(9)), "{e}");
    assert!(e.message.contains("unknown service `sagemakr`"), "{e}");
    assert!(e.help.as_deref().unwrap().contains("`sagemaker`"), "{e:?}");

    let e = load_str(&CONFIG.replace("s3: level2", "s3: level9")).unwrap_err();
    assert_eq!((e.place.line, e.place.column), (Some(20), Some(13)), "{e}");
    assert!(e.message.contains("`level2` (project-buckets-only)"), "{e}");

    // a level by name is accepted
    let snap = load_str(&CONFIG.replace("s3: level2", "s3: project-buckets-only")).unwrap();
    let ds = group(&snap, "edge-prod-b001-group-data-scientists");
    assert_eq!(
        names(&policies(&snap, &ds.policies))[1],
        "s3-level2-project-buckets-only"
    );
}

#[test]
fn unknown_managed_policy_is_unresolved_with_a_warning_at_its_line() {
    let snap = load_str(&CONFIG.replace(
        "[CloudWatchLogsReadOnlyAccess]",
        "[CloudWatchLogsReadOnlyAcess, \"arn:aws:iam::123456789012:policy/custom\"]",
    ))
    .unwrap();
    let ds = group(&snap, "edge-prod-b001-group-data-scientists");
    assert_eq!(
        ds.policies[0],
        PolicyRef::Unresolved {
            name: "CloudWatchLogsReadOnlyAcess".into(),
            arn: None
        }
    );
    assert!(
        matches!(&ds.policies[1], PolicyRef::Unresolved { arn: Some(a), .. } if a.ends_with("policy/custom"))
    );
    let w: Vec<(u32, u32)> = snap
        .warnings
        .iter()
        .filter(|w| w.code == WarningCode::UnresolvedPolicy)
        .map(|w| (w.place.line.unwrap(), w.place.column.unwrap()))
        .collect();
    assert_eq!(w, vec![(18, 26), (18, 55)]);
}

#[test]
fn managed_policies_by_arn_and_service_role_paths() {
    let snap = load_str(&CONFIG.replace(
        "[CloudWatchLogsReadOnlyAccess]",
        "[\"arn:aws:iam::aws:policy/ReadOnlyAccess\", AWSLambdaBasicExecutionRole]",
    ))
    .unwrap();
    let ds = group(&snap, "edge-prod-b001-group-data-scientists");
    let ps = policies(&snap, &ds.policies);
    assert_eq!(
        ps[1].arn.as_deref(),
        Some("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
    );
}

#[test]
fn tier_limits_are_warnings() {
    let text = CONFIG
        .replace("medium-10", "startup-5")
        .replace("name: medium", "name: startup");
    let snap = load_str(&text).unwrap();
    let w: Vec<&Warning> = snap.warnings.iter().collect();
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0].code, WarningCode::TierLimit);
    assert!(
        w[0].message
            .contains("allows 0 cross-account roles but the config defines 1"),
        "{}",
        w[0]
    );
    assert_eq!(w[0].place.line, Some(34), "{}", w[0]);

    let snap = load_str(&CONFIG.replace("version: medium-10", "version: startup-5")).unwrap();
    assert!(
        snap.warnings
            .iter()
            .any(|w| w.message.contains("does not match")),
        "{:?}",
        snap.warnings
    );
    let snap = load_str(&CONFIG.replace("version: medium-10", "version: huge-99")).unwrap();
    assert!(
        snap.warnings
            .iter()
            .any(|w| w.message.contains("unknown tier version `huge-99`"))
    );
}

#[test]
fn without_an_account_statements_that_need_it_are_unresolved() {
    let text = CONFIG.replace("  account_id: \"123456789012\"\n", "");
    let snap = load_str(&text).unwrap();
    let sm = role(&snap, "edge-prod-b001-role-sagemaker-execution");
    assert_eq!(sm.arn, None);
    let ecr = policies(&snap, &sm.policies)[1];
    let pull = ecr
        .document
        .statements
        .iter()
        .find(|s| s.sid.as_deref() == Some("PullProjectImages"))
        .unwrap();
    assert_eq!(pull.unresolved.len(), 1);
    assert!(
        pull.unresolved[0].contains("no `client.account_id` and no `--account`"),
        "{:?}",
        pull.unresolved
    );
    assert!(
        pull.unresolved[0].contains("used at c.yaml:27:45)"),
        "{:?}",
        pull.unresolved
    );
    let login = ecr
        .document
        .statements
        .iter()
        .find(|s| s.sid.as_deref() == Some("RegistryLogin"))
        .unwrap();
    assert!(login.unresolved.is_empty());

    // --account fills it
    let opts = LoadOptions {
        account: Some("123456789012".into()),
        ..LoadOptions::default()
    };
    let snap = load_with(&text, &opts).unwrap();
    assert!(snap.policies.iter().all(|p| {
        p.document
            .statements
            .iter()
            .all(|s| s.unresolved.is_empty())
    }));
}

#[test]
fn bad_values_are_placed_errors() {
    for (from, to, line, what) in [
        (
            "company_prefix: edge",
            "company_prefix: Edge",
            3,
            "`company_prefix` `Edge`",
        ),
        (
            "tenant_id: b001",
            "tenant_id: b0001",
            5,
            "`tenant_id` `b0001`",
        ),
        (
            "account_id: \"123456789012\"",
            "account_id: 12345",
            4,
            "not 12 digits",
        ),
        (
            "service_principal: sagemaker.amazonaws.com",
            "service_principal: [sagemaker]",
            27,
            "not a service principal",
        ),
        (
            "mirrors_group: ml_engineers",
            "mirrors_group: ml_engineer",
            31,
            "no group `ml_engineer`",
        ),
        (
            "sagemaker_execution:",
            "sagemaker_execution_role_for_every_training_and_inference_job:",
            26,
            "IAM allows 64",
        ),
        (
            "data_scientists:\n      description",
            "data scientists:\n      description",
            16,
            "cannot be part of an IAM name",
        ),
        (
            "s3: level3, ecr: level2",
            "s3: level3, ecr: [level2]",
            24,
            "must be a string",
        ),
    ] {
        let text = CONFIG.replacen(from, to, 1);
        assert_ne!(text, CONFIG, "{from}");
        let e = load_str(&text).unwrap_err();
        assert_eq!(e.place.line, Some(line), "{to}: {e}");
        assert!(e.place.column.is_some(), "{to}: {e}");
        assert!(e.message.contains(what), "{to}: {e}");
    }
    let e = load_str("client: {company_prefix: edge, tenant_id: b001}\nenvironment: {region: x}\n")
        .unwrap_err();
    assert!(e.message.contains("missing `env`"), "{e}");
    assert_eq!(e.place.line, Some(2));
    let e = load_str("client: [1]\nenvironment: {env: prod}\n").unwrap_err();
    assert!(e.message.contains("`client` must be a mapping"), "{e}");
    let e = load_str("client:\n  company_prefix: edge\n  company_prefix: x\n").unwrap_err();
    assert!(e.message.contains("duplicate"), "{e}");
    assert!(e.place.line.is_some(), "{e}");
    let e = load_str("client: !Ref X\n").unwrap_err();
    assert_eq!((e.place.line, e.place.column), (Some(1), Some(9)), "{e}");
}

#[test]
fn unknown_keys_are_errors_with_the_closest_key() {
    // issue 7: an ignored typo changed the result (lost actions 248 -> 598)
    let text = CONFIG.replace(
        "      description: Data scientists\n",
        "      policy_asignments: {s3: level4}\n",
    );
    let e = load_str(&text).unwrap_err();
    assert_eq!((e.place.line, e.place.column), (Some(17), Some(7)), "{e}");
    assert!(
        e.message.contains(
            "unknown key `policy_asignments` in an IAM group, did you mean `policy_assignments`?"
        ),
        "{e}"
    );
    let e = load_str(&CONFIG.replace("client:", "clinet:")).unwrap_err();
    assert!(e.message.contains("did you mean `client`?"), "{e}");
    let e = load_str(&CONFIG.replace("  env: prod", "  env: prod\n  colour: blue")).unwrap_err();
    assert!(
        e.message
            .starts_with("unknown key `colour` in `environment`"),
        "{e}"
    );
    assert!(!e.message.contains("did you mean"), "{e}");
}

#[test]
fn inline_and_standalone_policies() {
    let text = CONFIG.replace(
        "  service_roles:\n",
        "    readers:\n      managed_policies: [shared_read]\n      inline_policies:\n        extra:\n          Statement:\n            - Effect: Allow\n              Action: s3:GetObject\n              Resource: \"arn:aws:s3:::${aws:username}/*\"\n  managed_policies:\n    shared_read:\n      policy_assignments: {s3: level1}\n      document:\n        Version: \"2012-10-17\"\n        Statement: {Effect: Allow, Action: \"glue:GetTable\", Resource: \"*\"}\n  service_roles:\n",
    );
    let snap = load_str(&text).unwrap();
    let g = group(&snap, "edge-prod-b001-group-readers");
    let ps = policies(&snap, &g.policies);
    assert_eq!(
        names(&ps),
        vec!["edge-prod-b001-policy-shared-read", "extra"]
    );
    assert_eq!(ps[0].kind, PolicyKind::CustomerManaged);
    assert_eq!(
        ps[0].arn.as_deref(),
        Some("arn:aws:iam::123456789012:policy/edge-prod-b001-policy-shared-read")
    );
    assert_eq!(ps[0].document.statements.len(), 4);
    // IAM's own variables survive
    assert_eq!(
        resources(&ps[1].document.statements[0]),
        vec!["arn:aws:s3:::${aws:username}/*"]
    );
    assert_eq!(
        ps[1].document.statements[0].origin.pointer.as_deref(),
        Some("/security/iam_groups/readers/inline_policies/extra/Statement/0")
    );
    // a bad inline document is placed in the config
    let bad = text.replace(
        "- Effect: Allow\n              Action: s3:GetObject",
        "- Effect: allow\n              Action: s3:GetObject",
    );
    let e = load_str(&bad).unwrap_err();
    assert_eq!(e.place.line, Some(30), "{e}");
    assert!(e.message.contains("allow"), "{e}");
}

#[test]
fn the_same_name_from_two_keys_is_an_error() {
    let text = CONFIG.replace(
        "    ml_engineers:\n",
        "    data-scientists: {}\n    ml_engineers:\n",
    );
    let e = load_str(&text).unwrap_err();
    assert!(
        e.message
            .contains("generates the group name `edge-prod-b001-group-data-scientists`"),
        "{e}"
    );
}

#[test]
fn a_levels_file_replaces_the_embedded_one_and_its_errors_are_placed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("levels.yaml");
    let write = |t: &str| std::fs::write(&path, t).unwrap();
    let opts = LoadOptions {
        levels: Some(path.clone()),
        ..LoadOptions::default()
    };
    let good = "format: iamdiff-levels/1\nservices:\n  s3:\n    levels:\n      - name: one\n        statements:\n          - {Effect: Allow, Action: s3:GetObject, Resource: \"arn:aws:s3:::{{prefix}}-*/*\"}\n      - name: two\n        statements:\n          - {Effect: Allow, Action: \"s3:*\", Resource: \"*\"}\n";
    write(good);
    let text = "client: {company_prefix: edge, tenant_id: b001}\nenvironment: {env: prod}\nsecurity:\n  iam_groups:\n    g:\n      policy_assignments: {s3: level1}\n";
    let snap = load_with(text, &opts).unwrap();
    let g = group(&snap, "edge-prod-b001-group-g");
    let p = policies(&snap, &g.policies)[0];
    assert_eq!(&*p.name, "s3-level1-one");
    assert_eq!(
        resources(&p.document.statements[0]),
        vec!["arn:aws:s3:::edge-prod-b001-*/*"]
    );

    write(&good.replace("{{prefix}}", "{{prefx}}"));
    let e = load_with(text, &opts).unwrap_err();
    assert!(e.place.file.ends_with("levels.yaml"), "{e}");
    assert_eq!(e.place.line, Some(7), "{e}");
    assert!(e.message.contains("unknown placeholder `{{prefx}}`"), "{e}");

    write(&good.replace(
        "Effect: Allow, Action: \"s3:*\"",
        "Effect: Allow, Actions: \"s3:*\"",
    ));
    let e = load_with(text, &opts).unwrap_err();
    assert_eq!(e.place.line, Some(10), "{e}");

    write("format: iamdiff-levels/2\n");
    let e = load_with(text, &opts).unwrap_err();
    assert!(e.message.contains("unknown levels format"), "{e}");
    assert_eq!(e.place.line, Some(1));
}

#[test]
fn embedded_levels_are_valid_and_name_real_actions() {
    let levels = Levels::embedded().unwrap();
    let cat = catalog();
    let mut keys = Vec::new();
    for s in &levels.services {
        keys.push(s.key.clone());
        for level in &s.levels {
            let (doc, _) = levels.document(level, &Values::default_filled()).unwrap();
            for st in &doc.statements {
                assert_eq!(st.effect, Effect::Allow);
                let ActionClause::Action(actions) = &st.action else {
                    panic!("{}: NotAction", level.name)
                };
                for a in actions {
                    let found = !crate::eval::actions::expand_pattern(cat, a).is_empty();
                    assert!(
                        found,
                        "{} {}: action `{a}` is not in the catalog",
                        s.key, level.name
                    );
                }
            }
        }
    }
    // the nine categories of the policy guide
    assert_eq!(
        keys,
        vec![
            "s3",
            "ecr",
            "pipeline",
            "inference",
            "sagemaker",
            "bedrock",
            "lambda",
            "glue_redshift",
            "monitoring"
        ]
    );
    // the documented level names, in the documented order
    let names = |k: &str| -> Vec<String> {
        levels
            .service(k)
            .unwrap()
            .levels
            .iter()
            .map(|l| l.name.clone())
            .collect()
    };
    assert_eq!(
        names("s3"),
        [
            "read-only",
            "project-buckets-only",
            "project-buckets-full",
            "full"
        ]
    );
    assert_eq!(
        names("ecr"),
        ["read-only", "dev-read-write", "ci-read-write", "full"]
    );
    assert_eq!(
        names("pipeline"),
        ["read-only", "project-dev", "project-ci", "full"]
    );
    assert_eq!(
        names("inference"),
        [
            "read-only",
            "read-only-invoke",
            "dev-invoke",
            "prod-invoke",
            "full",
            "deploy-only"
        ]
    );
    assert!(levels.service("redshift").is_some() && levels.service("cloudwatch").is_some());
}

#[test]
fn the_schema_knows_every_key_the_reader_knows() {
    use super::super::raw::provisioner as keys;
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../../../schemas/target.schema.json")).unwrap();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    let props = |ptr: &str| -> Vec<String> {
        let mut v: Vec<String> = schema
            .pointer(ptr)
            .unwrap_or_else(|| panic!("no {ptr}"))
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        v.sort();
        v
    };
    let sorted = |k: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = k.iter().map(|s| (*s).to_owned()).collect();
        v.sort();
        v
    };
    assert_eq!(props("/properties"), sorted(keys::TOP_KEYS));
    assert_eq!(props("/$defs/client/properties"), sorted(keys::CLIENT_KEYS));
    assert_eq!(
        props("/$defs/environment/properties"),
        sorted(keys::ENV_KEYS)
    );
    assert_eq!(props("/$defs/tier/properties"), sorted(keys::TIER_KEYS));
    assert_eq!(
        props("/$defs/security/properties"),
        sorted(keys::SECURITY_KEYS)
    );
    assert_eq!(props("/$defs/group/properties"), sorted(keys::GROUP_KEYS));
    assert_eq!(
        props("/$defs/service_role/properties"),
        sorted(keys::SERVICE_ROLE_KEYS)
    );
    assert_eq!(
        props("/$defs/assumable_role/properties"),
        sorted(keys::ASSUMABLE_ROLE_KEYS)
    );
    assert_eq!(
        props("/$defs/cross_account_role/properties"),
        sorted(keys::CROSS_ACCOUNT_ROLE_KEYS)
    );
    assert_eq!(
        props("/$defs/managed_policy/properties"),
        sorted(keys::STANDALONE_POLICY_KEYS)
    );
    // the service keys the schema offers are the embedded levels' keys and aliases
    let levels = Levels::embedded().unwrap();
    let mut offered = props("/$defs/policy_assignments/properties");
    let mut known: Vec<String> = levels
        .services
        .iter()
        .flat_map(|s| std::iter::once(s.key.clone()).chain(s.aliases.iter().cloned()))
        .collect();
    known.sort();
    offered.sort();
    assert_eq!(offered, known);
}
