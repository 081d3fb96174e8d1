//! Tests of the Terraform reader: the plan and state fixtures, unknown values, modules,
//! count and for_each, deletes, and errors placed in the file.

use serde_json::{Value, json};
use std::path::Path;
use std::sync::Arc;

use super::load;
use crate::ingest::{IngestError, LoadOptions, catalog_resolver, read_source};
use crate::model::{
    ActionClause, Effect, Policy, PolicyKind, PolicyRef, Principal, PrincipalClause, PrincipalKind,
    Snapshot, WarningCode,
};

fn fixture(rel: &str) -> (Arc<str>, Vec<u8>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel);
    read_source(&path).unwrap()
}

fn load_bytes(name: &str, bytes: &[u8], opts: &LoadOptions) -> Result<Snapshot, IngestError> {
    let mut snap = Snapshot::default();
    load(&Arc::from(name), bytes, &mut snap, opts, &catalog_resolver)?;
    Ok(snap)
}

fn load_json(v: &Value) -> Result<Snapshot, IngestError> {
    load_bytes(
        "plan.json",
        v.to_string().as_bytes(),
        &LoadOptions::default(),
    )
}

fn principal<'s>(snap: &'s Snapshot, kind: PrincipalKind, name: &str) -> &'s Principal {
    snap.principals
        .iter()
        .find(|p| p.kind == kind && p.name == name)
        .unwrap_or_else(|| panic!("no {name}: {:?}", names(snap)))
}

fn names(snap: &Snapshot) -> Vec<String> {
    snap.principals
        .iter()
        .map(|p| format!("{} {}", p.kind.as_str(), p.name))
        .collect()
}

fn policies<'s>(snap: &'s Snapshot, refs: &[PolicyRef]) -> Vec<Result<&'s Policy, String>> {
    refs.iter()
        .map(|r| match r {
            PolicyRef::Resolved(id) => Ok(snap.policy(*id).unwrap()),
            PolicyRef::Unresolved { name, .. } => Err(name.clone()),
        })
        .collect()
}

fn policy_names(snap: &Snapshot, refs: &[PolicyRef]) -> Vec<String> {
    policies(snap, refs)
        .into_iter()
        .map(|p| match p {
            Ok(p) => p.name.to_string(),
            Err(n) => format!("unresolved {n}"),
        })
        .collect()
}

fn group_names(snap: &Snapshot, p: &Principal) -> Vec<String> {
    p.groups
        .iter()
        .map(|g| snap.group(*g).unwrap().name.clone())
        .collect()
}

fn warnings(snap: &Snapshot) -> Vec<String> {
    snap.warnings.iter().map(ToString::to_string).collect()
}

#[test]
fn the_plan_fixture() {
    let (name, bytes) = fixture("terraform/plan/plan.json");
    let snap = load_bytes(&name, &bytes, &LoadOptions::default()).unwrap();
    assert_eq!(
        names(&snap),
        vec!["user alice", "user bob", "role app-service"],
        "the deleted user `legacy` is gone after apply"
    );
    assert!(!snap.defines_users);
    assert_eq!(snap.sources.len(), 1);

    // count instances, their group through a membership, the group's policies: an
    // inline one and one attached by a `policy_arn` known only after apply
    let alice = principal(&snap, PrincipalKind::User, "alice");
    assert_eq!(group_names(&snap, alice), vec!["developers"]);
    assert_eq!(alice.tags.get("team").map(String::as_str), Some("app"));
    let dev = snap.groups.iter().find(|g| g.name == "developers").unwrap();
    assert_eq!(policy_names(&snap, &dev.policies), vec!["code", "deploy"]);

    // an attachment whose policy ARN is unknown and whose configuration refers to a
    // local value: unresolved, with a warning that says why and where
    let bob = principal(&snap, PrincipalKind::User, "bob");
    assert_eq!(
        policy_names(&snap, &bob.policies),
        vec!["unresolved aws_iam_user_policy_attachment.mystery.policy_arn"]
    );
    let w = warnings(&snap);
    assert!(
        w.iter()
            .any(|w| w.contains("aws_iam_user_policy_attachment.mystery")
                && w.contains("/resource_changes/10/change/after_unknown/policy_arn")
                && w.contains("`local.extra_policy_arn`")),
        "{w:#?}"
    );

    // a role in a module: trust from a data source of the prior state, an AWS managed
    // policy from the catalog, a policy reached through a module variable, and an
    // inline policy of a nested for_each module whose `role` is unknown
    let role = principal(&snap, PrincipalKind::Role, "app-service");
    assert_eq!(role.path.as_deref(), Some("/service/"));
    assert_eq!(
        policy_names(&snap, &role.policies),
        vec!["send-jobs", "read-logs", "ReadOnlyAccess"]
    );
    let trust = snap.policy(role.trust.unwrap()).unwrap();
    assert_eq!(
        trust.document.statements[0].principal,
        Some(PrincipalClause::Principal(vec![(
            "Service".into(),
            "lambda.amazonaws.com".into()
        )]))
    );
    assert_eq!(
        trust.document.statements[0].origin.pointer.as_deref(),
        Some("/planned_values/root_module/child_modules/0/resources/0/values/assume_role_policy")
    );

    // the policy whose document is read only during apply: rebuilt from the data
    // source's statements, the unknown resources named with their place
    let logs = &policies(&snap, &role.policies)[1];
    let logs = logs.as_ref().unwrap();
    assert_eq!(logs.kind, PolicyKind::CustomerManaged);
    assert_eq!(logs.arn, None);
    let s0 = &logs.document.statements[0];
    assert_eq!(s0.sid.as_deref(), Some("ReadLogs"));
    assert_eq!(s0.effect, Effect::Allow);
    assert_eq!(s0.unresolved.len(), 2, "{:?}", s0.unresolved);
    assert!(
        s0.unresolved[1].contains("`statement[0].resources[1]` of `data.aws_iam_policy_document.logs`")
            && s0.unresolved[1].contains(
                "fixtures/terraform/plan/plan.json at /resource_changes/12/change/after_unknown/statement/0/resources/1"
            ),
        "{:?}",
        s0.unresolved
    );
    assert_eq!(
        s0.origin.pointer.as_deref(),
        Some("/resource_changes/12/change/after/statement/0")
    );
    let s1 = &logs.document.statements[1];
    assert!(s1.unresolved.is_empty());
    assert_eq!(s1.condition[0].key, "aws:RequestedRegion");

    let codes: Vec<WarningCode> = snap.warnings.iter().map(|w| w.code).collect();
    assert!(codes.contains(&WarningCode::PolicyFromCatalog));
    assert!(codes.contains(&WarningCode::UnresolvedPolicy));
}

#[test]
fn the_state_fixture() {
    let (name, bytes) = fixture("terraform/state/state.json");
    let snap = load_bytes(&name, &bytes, &LoadOptions::default()).unwrap();
    assert_eq!(
        names(&snap),
        vec!["role ci-deployer", "user carol", "user dave"]
    );
    let role = principal(&snap, PrincipalKind::Role, "ci-deployer");
    assert_eq!(role.account.as_deref(), Some("444455556666"));
    assert_eq!(role.id.as_deref(), Some("AROAEXAMPLECI"));
    assert_eq!(role.instance_profiles, vec!["ci-profile"]);
    assert_eq!(role.tags.get("owner").map(String::as_str), Some("platform"));
    // a state echoes the role's attachments and inline policies in the role itself:
    // each is counted once
    assert_eq!(
        policy_names(&snap, &role.policies),
        vec!["ci-inline", "ReadOnlyAccess", "ci-artifacts"]
    );
    let boundary = policy_names(&snap, std::slice::from_ref(role.boundary.as_ref().unwrap()));
    assert_eq!(boundary, vec!["boundary"]);
    let carol = principal(&snap, PrincipalKind::User, "carol");
    assert_eq!(carol.path.as_deref(), Some("/people/"));
    assert_eq!(group_names(&snap, carol), vec!["ops"]);
    assert_eq!(policy_names(&snap, &carol.policies), vec!["no-delete"]);
    let dave = principal(&snap, PrincipalKind::User, "dave");
    assert_eq!(group_names(&snap, dave), vec!["ops"]);
    let ops = snap.groups.iter().find(|g| g.name == "ops").unwrap();
    assert_eq!(policy_names(&snap, &ops.policies), vec!["ViewOnlyAccess"]);
    // nothing odd but the catalog lookups
    assert!(
        snap.warnings
            .iter()
            .all(|w| w.code == WarningCode::PolicyFromCatalog),
        "{:#?}",
        warnings(&snap)
    );
}

fn resource(addr: &str, kind: &str, name: &str, values: Value) -> Value {
    json!({"address": addr, "mode": "managed", "type": kind, "name": name, "values": values})
}

fn plan(resources: Vec<Value>, changes: Vec<Value>, config: Value) -> Value {
    json!({
        "format_version": "1.2",
        "planned_values": {"root_module": {"resources": resources}},
        "resource_changes": changes,
        "configuration": config,
    })
}

fn change(addr: &str, actions: &[&str], unknown: Value) -> Value {
    json!({"address": addr, "change": {"actions": actions, "after_unknown": unknown}})
}

fn doc(action: &str) -> String {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}]})
        .to_string()
}

#[test]
fn a_resource_the_plan_deletes_is_not_there_after_apply() {
    // a plan should not list a deleted resource among its planned values; if one does,
    // the change wins
    let p = plan(
        vec![
            resource("aws_iam_user.a", "aws_iam_user", "a", json!({"name": "a"})),
            resource("aws_iam_user.b", "aws_iam_user", "b", json!({"name": "b"})),
        ],
        vec![
            change("aws_iam_user.a", &["delete"], json!({})),
            change("aws_iam_user.b", &["delete", "create"], json!({})),
        ],
        json!({}),
    );
    let snap = load_json(&p).unwrap();
    assert_eq!(names(&snap), vec!["user b"]);
}

#[test]
fn unknown_names_and_unknown_documents() {
    let p = plan(
        vec![
            resource(
                "aws_iam_role.r",
                "aws_iam_role",
                "r",
                json!({"name_prefix": "app-", "path": "/"}),
            ),
            resource(
                "aws_iam_policy.p",
                "aws_iam_policy",
                "p",
                json!({"name": "p", "path": "/"}),
            ),
            resource(
                "aws_iam_role_policy_attachment.a",
                "aws_iam_role_policy_attachment",
                "a",
                json!({}),
            ),
            resource(
                "aws_iam_role_policy.i",
                "aws_iam_role_policy",
                "i",
                json!({"name": "i"}),
            ),
        ],
        vec![
            change(
                "aws_iam_role.r",
                &["create"],
                json!({"name": true, "arn": true}),
            ),
            change(
                "aws_iam_policy.p",
                &["create"],
                json!({"arn": true, "policy": true}),
            ),
            change(
                "aws_iam_role_policy_attachment.a",
                &["create"],
                json!({"role": true, "policy_arn": true}),
            ),
            change(
                "aws_iam_role_policy.i",
                &["create"],
                json!({"role": true, "policy": true}),
            ),
        ],
        json!({"root_module": {"resources": [
            {"address": "aws_iam_role.r", "expressions": {"name_prefix": {"constant_value": "app-"}}},
            {"address": "aws_iam_policy.p", "expressions": {"policy": {"references": ["aws_s3_bucket.b.arn", "aws_s3_bucket.b"]}}},
            {"address": "aws_iam_role_policy_attachment.a", "expressions": {
                "role": {"references": ["aws_iam_role.r.name", "aws_iam_role.r"]},
                "policy_arn": {"references": ["aws_iam_policy.p.arn", "aws_iam_policy.p"]}}},
            {"address": "aws_iam_role_policy.i", "expressions": {
                "role": {"references": ["aws_iam_role.r.id", "aws_iam_role.r"]},
                "policy": {"references": ["local.doc"]}}}
        ]}}),
    );
    let snap = load_json(&p).unwrap();
    let r = principal(&snap, PrincipalKind::Role, "aws_iam_role.r");
    assert_eq!(
        r.policies,
        vec![
            PolicyRef::Unresolved {
                name: "i".into(),
                arn: None
            },
            PolicyRef::Unresolved {
                name: "p".into(),
                arn: None
            },
        ]
    );
    let w = warnings(&snap);
    let joined = w.join("\n");
    assert!(
        joined.contains(
            "the name of role `aws_iam_role.r` is known only after apply (it starts with `app-`)"
        ),
        "{joined}"
    );
    assert!(
        joined.contains("the document of managed policy `p` (`aws_iam_policy.p`) is not known: `policy` of `aws_iam_policy.p` is known only after apply (plan.json at /resource_changes/1/change/after_unknown/policy); it is made from `aws_s3_bucket.b`; access through it needs review for role `aws_iam_role.r`"),
        "{joined}"
    );
    assert!(
        joined.contains("inline policy `i` of role `aws_iam_role.r` is not known")
            && joined.contains("`local.doc`"),
        "{joined}"
    );
}

#[test]
fn attachments_by_name_arn_and_reference() {
    let p = plan(
        vec![
            resource(
                "aws_iam_group.g",
                "aws_iam_group",
                "g",
                json!({"name": "g"}),
            ),
            resource(
                "aws_iam_policy.p",
                "aws_iam_policy",
                "p",
                json!({"name": "p", "path": "/x/", "policy": doc("s3:GetObject")}),
            ),
            // by ARN, to the policy created in the same plan (its ARN unknown)
            resource(
                "aws_iam_policy_attachment.all",
                "aws_iam_policy_attachment",
                "all",
                json!({"name": "all", "policy_arn": "arn:aws:iam::111122223333:policy/x/p",
                       "users": ["u1", ""], "groups": ["g"], "roles": null}),
            ),
            resource(
                "aws_iam_group_membership.m",
                "aws_iam_group_membership",
                "m",
                json!({"name": "m", "group": "g", "users": ["u2"]}),
            ),
            resource(
                "aws_iam_user_group_membership.u",
                "aws_iam_user_group_membership",
                "u",
                json!({"user": "u1", "groups": ["g", "elsewhere"]}),
            ),
            resource(
                "aws_iam_role_policy_attachment.ext",
                "aws_iam_role_policy_attachment",
                "ext",
                json!({"role": "external", "policy_arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}),
            ),
            resource(
                "aws_s3_bucket.b",
                "aws_s3_bucket",
                "b",
                json!({"bucket": "b"}),
            ),
            resource(
                "aws_iam_access_key.k",
                "aws_iam_access_key",
                "k",
                json!({"user": "u1"}),
            ),
            resource(
                "aws_iam_service_linked_role.s",
                "aws_iam_service_linked_role",
                "s",
                json!({"aws_service_name": "x.amazonaws.com"}),
            ),
        ],
        vec![],
        json!({}),
    );
    let snap = load_json(&p).unwrap();
    assert_eq!(names(&snap), vec!["user u1", "user u2", "role external"]);
    let u1 = principal(&snap, PrincipalKind::User, "u1");
    assert_eq!(policy_names(&snap, &u1.policies), vec!["p"]);
    assert_eq!(group_names(&snap, u1), vec!["g", "elsewhere"]);
    let u2 = principal(&snap, PrincipalKind::User, "u2");
    assert_eq!(group_names(&snap, u2), vec!["g"]);
    let g = snap.groups.iter().find(|g| g.name == "g").unwrap();
    assert_eq!(policy_names(&snap, &g.policies), vec!["p"]);
    let w = warnings(&snap).join("\n");
    assert!(w.contains("group `elsewhere` is not in the input"), "{w}");
    assert!(
        w.contains("role `external` is not defined in the inputs"),
        "{w}"
    );
    assert!(
        w.contains("iamdiff does not read were skipped: `aws_iam_service_linked_role.s`")
            && !w.contains("aws_iam_access_key"),
        "{w}"
    );
}

#[test]
fn an_exclusive_attachment_detaches_the_policy_elsewhere() {
    let export = json!({"UserDetailList": [
        {"UserName": "old", "AttachedManagedPolicies": [{"PolicyName": "ReadOnlyAccess", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}]},
        {"UserName": "kept", "AttachedManagedPolicies": [{"PolicyName": "ReadOnlyAccess", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}]}
    ]});
    let mut snap = Snapshot::default();
    crate::ingest::load_auth_details(
        &Arc::from("export.json"),
        export.to_string().as_bytes(),
        &mut snap,
    )
    .unwrap();
    let p = plan(
        vec![resource(
            "aws_iam_policy_attachment.ro",
            "aws_iam_policy_attachment",
            "ro",
            json!({"name": "ro", "policy_arn": "arn:aws:iam::aws:policy/ReadOnlyAccess", "users": ["kept"]}),
        )],
        vec![],
        json!({}),
    );
    load(
        &Arc::from("plan.json"),
        p.to_string().as_bytes(),
        &mut snap,
        &LoadOptions::default(),
        &catalog_resolver,
    )
    .unwrap();
    assert!(
        principal(&snap, PrincipalKind::User, "old")
            .policies
            .is_empty()
    );
    assert_eq!(
        policy_names(
            &snap,
            &principal(&snap, PrincipalKind::User, "kept").policies
        ),
        vec!["ReadOnlyAccess"]
    );
    let w = warnings(&snap).join("\n");
    assert!(
        w.contains("`aws_iam_policy_attachment.ro` is the only attachment of `arn:aws:iam::aws:policy/ReadOnlyAccess`: after apply it is detached from user `old`"),
        "{w}"
    );
}

#[test]
fn account_and_arns() {
    let p = plan(
        vec![
            resource(
                "aws_iam_user.u",
                "aws_iam_user",
                "u",
                json!({"name": "u", "path": "/p/"}),
            ),
            resource(
                "aws_iam_user.v",
                "aws_iam_user",
                "v",
                json!({"name": "v", "arn": "arn:aws-cn:iam::999988887777:user/v"}),
            ),
        ],
        vec![],
        json!({}),
    );
    let opts = LoadOptions {
        account: Some("111122223333".into()),
        ..LoadOptions::default()
    };
    let snap = load_bytes("plan.json", p.to_string().as_bytes(), &opts).unwrap();
    let u = principal(&snap, PrincipalKind::User, "u");
    assert_eq!(
        u.arn.as_deref(),
        Some("arn:aws-cn:iam::111122223333:user/p/u")
    );
    assert_eq!(u.account.as_deref(), Some("111122223333"));
    let v = principal(&snap, PrincipalKind::User, "v");
    assert_eq!(v.account.as_deref(), Some("999988887777"));
}

#[test]
fn data_sources_known_while_planning() {
    // the document is in planned_values (data source read while planning)
    let p = json!({
        "format_version": "1.0",
        "planned_values": {"root_module": {"resources": [
            {"address": "aws_iam_role.r", "mode": "managed", "type": "aws_iam_role", "name": "r",
             "values": {"name": "r", "inline_policy": [{"name": "", "policy": ""}]}},
            {"address": "data.aws_iam_policy_document.t", "mode": "data", "type": "aws_iam_policy_document", "name": "t",
             "values": {"json": "{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"sts:AssumeRole\",\"Principal\":{\"AWS\":\"*\"}}}"}}
        ]}},
        "resource_changes": [{"address": "aws_iam_role.r", "change": {"actions": ["create"], "after_unknown": {"assume_role_policy": true}}}],
        "configuration": {"root_module": {"resources": [
            {"address": "aws_iam_role.r", "expressions": {"assume_role_policy": {"references": ["data.aws_iam_policy_document.t.json", "data.aws_iam_policy_document.t"]}}}
        ]}}
    });
    let snap = load_json(&p).unwrap();
    let r = principal(&snap, PrincipalKind::Role, "r");
    assert!(
        r.policies.is_empty(),
        "the empty inline block of a state is nothing"
    );
    let t = snap.policy(r.trust.unwrap()).unwrap();
    assert_eq!(
        t.document.statements[0].action,
        ActionClause::Action(vec!["sts:AssumeRole".into()])
    );
}

#[test]
fn gcp_resources_are_named_once() {
    let p = plan(
        vec![
            resource(
                "google_project_iam_member.a",
                "google_project_iam_member",
                "a",
                json!({"member": "user:a@x.com", "project": "{{.Provider.project}}"}),
            ),
            resource(
                "google_project_iam_member.b",
                "google_project_iam_member",
                "b",
                json!({}),
            ),
        ],
        vec![],
        json!({}),
    );
    let snap = load_json(&p).unwrap();
    assert!(snap.principals.is_empty());
    assert_eq!(snap.warnings.len(), 1);
    assert_eq!(snap.warnings[0].code, WarningCode::Unsupported);
    assert!(
        snap.warnings[0]
            .message
            .contains("`google_project_iam_member.a`, `google_project_iam_member.b`"),
        "{}",
        snap.warnings[0]
    );
}

#[test]
fn bad_policy_strings_are_placed_in_the_plan() {
    let policy = "{\n  \"Statement\": [{\"Effect\": \"Permit\", \"Action\": \"s3:*\", \"Resource\": \"*\"}]\n}";
    let p = plan(
        vec![resource(
            "aws_iam_policy.p",
            "aws_iam_policy",
            "p",
            json!({"name": "p", "policy": policy}),
        )],
        vec![],
        json!({}),
    );
    let text = serde_json::to_string_pretty(&p).unwrap();
    let e = load_bytes("plan.json", text.as_bytes(), &LoadOptions::default()).unwrap_err();
    let s = e.to_string();
    assert!(
        s.starts_with("plan.json:")
            && s.contains("(at /planned_values/root_module/resources/0/values/policy)")
            && s.contains("in the policy document string at line 2 column")
            && s.contains("(at /Statement/0/Effect)"),
        "{s}"
    );
    let (line, col) = (e.place.line.unwrap(), e.place.column.unwrap());
    let at = text.lines().nth(line as usize - 1).unwrap();
    assert!(at[col as usize - 1..].starts_with("\"{\\n"), "{at}");
}

#[test]
fn bad_structure_is_placed() {
    let e = load_bytes(
        "plan.json",
        br#"{"format_version": "1.2", "planned_values": {"root_module": {"resources": [{"address": "x.y", "type": "x"}]}}}"#,
        &LoadOptions::default(),
    )
    .unwrap_err();
    assert!(e.message.contains("missing field `name`"), "{e}");
    assert_eq!(
        e.place.pointer.as_deref(),
        Some("/planned_values/root_module/resources/0")
    );
    let e = load_bytes(
        "plan.json",
        br#"{"format_version": "1.2"} x"#,
        &LoadOptions::default(),
    )
    .unwrap_err();
    assert_eq!((e.place.line, e.place.column), (Some(1), Some(27)), "{e}");
    let e = load_bytes(
        "plan.json",
        br#"{"format_version": "1.2", "planned_values": {"root_module": {"resources": [{"address": "??", "type": "x", "name": "y"}]}}}"#,
        &LoadOptions::default(),
    )
    .unwrap_err();
    assert!(
        e.message.contains("cannot read the resource address `??`"),
        "{e}"
    );
}

#[test]
fn computed_attachments_of_a_plan_repeat_the_prior_state() {
    // an existing role whose `managed_policy_arns` the configuration does not set: the
    // plan repeats the prior state, which still lists the policy the plan detaches
    let p = plan(
        vec![resource(
            "aws_iam_role.r",
            "aws_iam_role",
            "r",
            json!({"name": "r", "arn": "arn:aws:iam::111122223333:role/r",
                   "managed_policy_arns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
                   "inline_policy": [{"name": "old", "policy": doc("s3:*")}]}),
        )],
        vec![
            change("aws_iam_role.r", &["no-op"], json!({})),
            change("aws_iam_role_policy_attachment.ro", &["delete"], json!({})),
        ],
        json!({"root_module": {"resources": [
            {"address": "aws_iam_role.r", "expressions": {"name": {"constant_value": "r"}}}
        ]}}),
    );
    let snap = load_json(&p).unwrap();
    assert!(
        principal(&snap, PrincipalKind::Role, "r")
            .policies
            .is_empty()
    );
    // the same values in a state are what the account has
    let state = json!({"format_version": "1.0", "values": p["planned_values"]});
    let snap = load_json(&state).unwrap();
    assert_eq!(
        policy_names(&snap, &principal(&snap, PrincipalKind::Role, "r").policies),
        vec!["old", "ReadOnlyAccess"]
    );
}

#[test]
fn a_principal_of_another_input_is_replaced_not_doubled() {
    let export =
        json!({"UserDetailList": [{"UserName": "u", "Arn": "arn:aws:iam::111122223333:user/u"}]});
    let mut snap = Snapshot::default();
    crate::ingest::load_auth_details(
        &Arc::from("export.json"),
        export.to_string().as_bytes(),
        &mut snap,
    )
    .unwrap();
    let p = plan(
        vec![resource(
            "aws_iam_user.u",
            "aws_iam_user",
            "u",
            json!({"name": "u"}),
        )],
        vec![],
        json!({}),
    );
    load(
        &Arc::from("plan.json"),
        p.to_string().as_bytes(),
        &mut snap,
        &LoadOptions::default(),
        &catalog_resolver,
    )
    .unwrap();
    assert_eq!(names(&snap), vec!["user u"]);
    assert_eq!(snap.warnings[0].code, WarningCode::Duplicate);
}

#[test]
fn a_target_known_only_after_apply_is_not_guessed() {
    let role = |n: &str| {
        resource(
            &format!("aws_iam_role.{n}"),
            "aws_iam_role",
            n,
            json!({"name": n}),
        )
    };
    let inline = |n: &str| {
        resource(
            &format!("aws_iam_role_policy.{n}"),
            "aws_iam_role_policy",
            n,
            json!({"name": n, "policy": doc("s3:GetObject")}),
        )
    };
    let p = plan(
        vec![role("a"), role("b"), inline("either"), inline("nowhere")],
        vec![
            change(
                "aws_iam_role_policy.either",
                &["create"],
                json!({"role": true}),
            ),
            change(
                "aws_iam_role_policy.nowhere",
                &["create"],
                json!({"role": true}),
            ),
        ],
        json!({"root_module": {"resources": [
            {"address": "aws_iam_role_policy.either", "expressions": {"role": {"references": ["var.blue", "aws_iam_role.a.name", "aws_iam_role.a", "aws_iam_role.b.name", "aws_iam_role.b"]}}},
            {"address": "aws_iam_role_policy.nowhere", "expressions": {"role": {"references": ["var.role_name"]}}}
        ]}}),
    );
    let snap = load_json(&p).unwrap();
    assert!(snap.principals.iter().all(|p| p.policies.is_empty()));
    let w = warnings(&snap).join("\n");
    assert!(
        w.contains("cannot tell which role `aws_iam_role_policy.either` applies to: its `role` is known only after apply and may be any of `a`, `b`; it was skipped"),
        "{w}"
    );
    assert!(
        w.contains("cannot tell which role `aws_iam_role_policy.nowhere` applies to: `role` of `aws_iam_role_policy.nowhere` is known only after apply (plan.json at /resource_changes/1/change/after_unknown/role), and its configuration refers to no aws_iam_role iamdiff can follow; it was skipped"),
        "{w}"
    );
}
