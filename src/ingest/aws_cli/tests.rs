//! Tests of the per-call AWS CLI reader: the fixture folders, attribution by hint key and
//! by file name, pages, versions, and what is named when the picture is incomplete.

use serde_json::{Value, json};
use std::path::{Path, PathBuf};

use crate::ingest::{IngestError, LoadOptions, load_side_with};
use crate::model::{PolicyRef, Principal, PrincipalClause, PrincipalKind, Snapshot, WarningCode};

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel)
}

fn load_dir(dir: &Path) -> Result<Snapshot, IngestError> {
    load_side_with(
        &[dir.to_path_buf()],
        &[],
        &LoadOptions::default(),
        &crate::ingest::catalog_resolver,
    )
}

/// Writes the files into a fresh folder and reads it.
fn load_files(files: &[(&str, Value)]) -> Result<Snapshot, IngestError> {
    let dir = tempfile::tempdir().unwrap();
    for (name, v) in files {
        std::fs::write(dir.path().join(name), v.to_string()).unwrap();
    }
    load_dir(dir.path())
}

fn principal<'s>(snap: &'s Snapshot, kind: PrincipalKind, name: &str) -> &'s Principal {
    snap.principals
        .iter()
        .find(|p| p.kind == kind && p.name == name)
        .unwrap_or_else(|| panic!("no {name}"))
}

fn policy_names(snap: &Snapshot, refs: &[PolicyRef]) -> Vec<String> {
    refs.iter()
        .map(|r| match r {
            PolicyRef::Resolved(id) => snap.policy(*id).unwrap().name.to_string(),
            PolicyRef::Unresolved { name, .. } => format!("unresolved {name}"),
        })
        .collect()
}

fn group_names(snap: &Snapshot, p: &Principal) -> Vec<String> {
    p.groups
        .iter()
        .map(|g| snap.group(*g).unwrap().name.clone())
        .collect()
}

fn messages(snap: &Snapshot) -> String {
    snap.warnings
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_complete_folder() {
    let snap = load_dir(&fixture("aws/cli/complete")).unwrap();
    assert!(snap.defines_users, "`list-users` lists every user");
    assert_eq!(snap.sources.len(), 29);
    let names: Vec<String> = snap
        .principals
        .iter()
        .map(|p| format!("{} {}", p.kind.as_str(), p.name))
        .collect();
    assert_eq!(
        names,
        vec!["user alice", "user bob", "role app-role", "role ci-role"]
    );
    // only AWS managed policies from the catalog: nothing is missing
    assert!(
        snap.warnings
            .iter()
            .all(|w| w.code == WarningCode::PolicyFromCatalog),
        "{}",
        messages(&snap)
    );

    let alice = principal(&snap, PrincipalKind::User, "alice");
    assert_eq!(alice.account.as_deref(), Some("111122223333"));
    assert_eq!(
        policy_names(&snap, &alice.policies),
        vec!["alice-notebooks"]
    );
    assert_eq!(
        policy_names(
            &snap,
            std::slice::from_ref(alice.boundary.as_ref().unwrap())
        ),
        vec!["dev-boundary"]
    );
    assert_eq!(alice.tags.get("team").map(String::as_str), Some("data"));
    assert_eq!(group_names(&snap, alice), vec!["developers"]);

    // attributed by a `UserName` key in a file whose name says nothing
    let bob = principal(&snap, PrincipalKind::User, "bob");
    assert_eq!(policy_names(&snap, &bob.policies), vec!["orders-data"]);
    assert_eq!(bob.boundary, None, "get-user says bob has none");
    assert_eq!(group_names(&snap, bob), vec!["admins", "developers"]);

    // the default version (v2), not v1
    let PolicyRef::Resolved(id) = bob.policies[0] else {
        panic!()
    };
    let orders = snap.policy(id).unwrap();
    assert_eq!(orders.version.as_deref(), Some("v2"));
    assert_eq!(
        orders.document.statements[0].sid.as_deref(),
        Some("OrdersTable")
    );
    assert_eq!(
        orders.document.statements[0].origin.pointer.as_deref(),
        Some("/PolicyVersion/Document/Statement/0")
    );

    let app = principal(&snap, PrincipalKind::Role, "app-role");
    assert_eq!(app.path.as_deref(), Some("/service/"));
    assert_eq!(
        policy_names(&snap, &app.policies),
        vec!["AmazonS3ReadOnlyAccess", "orders-data"]
    );
    assert_eq!(app.instance_profiles, vec!["app-profile"]);
    assert_eq!(app.tags.get("app").map(String::as_str), Some("orders"));

    // a URL-encoded trust policy in `list-roles`, an object in `get-role`
    let ci = principal(&snap, PrincipalKind::Role, "ci-role");
    assert_eq!(policy_names(&snap, &ci.policies), vec!["deploy"]);
    let trust = snap.policy(ci.trust.unwrap()).unwrap();
    assert_eq!(
        trust.document.statements[0].principal,
        Some(PrincipalClause::Principal(vec![(
            "AWS".into(),
            "arn:aws:iam::111122223333:user/bob".into()
        )]))
    );

    let dev = snap.groups.iter().find(|g| g.name == "developers").unwrap();
    assert_eq!(
        policy_names(&snap, &dev.policies),
        vec!["no-prod-delete", "ReadOnlyAccess"]
    );
}

#[test]
fn the_incomplete_folder() {
    let snap = load_dir(&fixture("aws/cli/incomplete")).unwrap();
    assert!(snap.defines_users);
    let w = messages(&snap);
    for expected in [
        "warning[unsupported]: ",
        "attached.json (at /AttachedPolicies): cannot tell whose attached policies",
        "version.json (at /PolicyVersion): cannot tell which policy",
        "warning[truncated-export]: ",
        "list-users.json (at /IsTruncated)",
        "role `batch-role` is not fully known: attached policies unknown: no `list-attached-role-policies` output for it; inline policies unknown: no `list-role-policies` output for it; permissions boundary unknown",
        "role `web-role` is not fully known: inline policy `web-extra` named by `list-role-policies` but no `get-role-policy` output has it",
        "group `ops` is not fully known: attached policies unknown",
        "group memberships unknown: no complete `get-group` output for `ops`",
    ] {
        assert!(w.contains(expected), "missing {expected:?} in\n{w}");
    }
    let batch = principal(&snap, PrincipalKind::Role, "batch-role");
    assert_eq!(
        policy_names(&snap, &batch.policies),
        vec![
            "unresolved <inline policies unknown>",
            "unresolved <attached policies unknown>"
        ]
    );
    assert_eq!(
        batch.boundary,
        Some(PolicyRef::Unresolved {
            name: "<permissions boundary unknown>".into(),
            arn: None
        })
    );
    let web = principal(&snap, PrincipalKind::Role, "web-role");
    assert_eq!(
        policy_names(&snap, &web.policies),
        vec!["unresolved web-extra", "AmazonS3ReadOnlyAccess"]
    );
    let carol = principal(&snap, PrincipalKind::User, "carol");
    assert!(
        policy_names(&snap, &carol.policies)
            .contains(&"unresolved <group memberships unknown>".to_owned())
    );
}

fn complete_role(name: &str) -> Vec<(String, Value)> {
    vec![
        (
            format!("get-role.{name}.json"),
            json!({"Role": {"RoleName": name, "Arn": format!("arn:aws:iam::111122223333:role/{name}"),
                "AssumeRolePolicyDocument": {"Statement": {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}}}}),
        ),
        (
            format!("list-role-policies.{name}.json"),
            json!({"PolicyNames": []}),
        ),
    ]
}

fn with_role(name: &str, more: Vec<(&str, Value)>) -> Result<Snapshot, IngestError> {
    let mut files: Vec<(String, Value)> = complete_role(name);
    files.extend(more.into_iter().map(|(n, v)| (n.to_owned(), v)));
    let refs: Vec<(&str, Value)> = files.iter().map(|(n, v)| (n.as_str(), v.clone())).collect();
    load_files(&refs)
}

#[test]
fn attribution_by_file_name_and_hint() {
    let attached = json!({"AttachedPolicies": [{"PolicyName": "ReadOnlyAccess", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}]});
    // by file name
    let snap = with_role(
        "r.with.dots",
        vec![(
            "list-attached-role-policies.r.with.dots.json",
            attached.clone(),
        )],
    )
    .unwrap();
    let r = principal(&snap, PrincipalKind::Role, "r.with.dots");
    assert_eq!(policy_names(&snap, &r.policies), vec!["ReadOnlyAccess"]);
    assert!(
        snap.warnings
            .iter()
            .all(|w| w.code == WarningCode::PolicyFromCatalog),
        "{}",
        messages(&snap)
    );

    // by a hint key, whatever the file is called
    let mut hinted = attached.clone();
    hinted["RoleName"] = json!("r");
    let snap = with_role("r", vec![("x.json", hinted)]).unwrap();
    assert_eq!(
        policy_names(&snap, &principal(&snap, PrincipalKind::Role, "r").policies),
        vec!["ReadOnlyAccess"]
    );

    // neither: not guessed, named
    for (file, v, why) in [
        (
            "attached.json",
            attached.clone(),
            "neither does the file name",
        ),
        (
            "list-attached-role-policies-r.json",
            attached.clone(),
            "neither does the file name",
        ),
        (
            "list-attached-role-policies.r.json",
            json!([attached.clone(), attached.clone()]),
            "the file holds several outputs",
        ),
        (
            "two.json",
            json!({"AttachedPolicies": [], "RoleName": "r", "UserName": "u"}),
            "names more than one",
        ),
    ] {
        let snap = with_role("r", vec![(file, v)]).unwrap();
        let w = messages(&snap);
        assert!(
            w.contains(&format!("{file} (at "))
                && w.contains("cannot tell whose attached policies")
                && w.contains(why),
            "{file}: {w}"
        );
        assert!(
            policy_names(&snap, &principal(&snap, PrincipalKind::Role, "r").policies)
                .contains(&"unresolved <attached policies unknown>".to_owned()),
            "{file}"
        );
    }
}

#[test]
fn pages_of_one_list() {
    let page = |arn: &str, truncated: bool| json!({"RoleName": "r", "IsTruncated": truncated, "AttachedPolicies": [{"PolicyName": "p", "PolicyArn": arn}]});
    // the last page seen: complete
    let snap = with_role(
        "r",
        vec![
            (
                "a.json",
                page("arn:aws:iam::aws:policy/ReadOnlyAccess", true),
            ),
            (
                "b.json",
                page("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess", false),
            ),
        ],
    )
    .unwrap();
    let r = principal(&snap, PrincipalKind::Role, "r");
    assert_eq!(
        policy_names(&snap, &r.policies),
        vec!["ReadOnlyAccess", "AmazonS3ReadOnlyAccess"]
    );
    // only a first page: incomplete
    let snap = with_role(
        "r",
        vec![(
            "a.json",
            page("arn:aws:iam::aws:policy/ReadOnlyAccess", true),
        )],
    )
    .unwrap();
    let w = messages(&snap);
    assert!(
        w.contains(
            "attached policies incomplete: its `list-attached-role-policies` output is truncated"
        ),
        "{w}"
    );
}

#[test]
fn policy_versions() {
    let attached = json!({"RoleName": "r", "AttachedPolicies": [{"PolicyName": "p", "PolicyArn": "arn:aws:iam::111122223333:policy/p"}]});
    let version = |id: &str, default: bool, action: &str| {
        json!({"PolicyVersion": {"VersionId": id, "IsDefaultVersion": default,
            "Document": {"Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}]}}})
    };
    let get_policy = json!({"Policy": {"PolicyName": "p", "Arn": "arn:aws:iam::111122223333:policy/p", "DefaultVersionId": "v3"}});
    // the default version is not among those given: unknown, said so
    let snap = with_role(
        "r",
        vec![
            ("l.json", attached.clone()),
            ("get-policy.json", get_policy.clone()),
            ("get-policy-version.p.v1.json", version("v1", false, "s3:*")),
        ],
    )
    .unwrap();
    let w = messages(&snap);
    assert!(
        w.contains("are for `v1`, but its default version is `v3`; its document is unknown")
            && w.contains("warning[unresolved-policy]"),
        "{w}"
    );
    // no default said anywhere: the newest, said so (named by the file, the policy known
    // only from the attachment)
    let snap = with_role(
        "r",
        vec![
            ("l.json", attached.clone()),
            ("get-policy-version.p.v1.json", json!({"PolicyVersion": {"VersionId": "v1", "Document": {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}}})),
            ("get-policy-version.p.v2.json", json!({"PolicyVersion": {"VersionId": "v2", "Document": {"Statement": [{"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}]}}})),
        ],
    )
    .unwrap();
    let w = messages(&snap);
    assert!(w.contains("the newest, `v2`, was used"), "{w}");
    let r = principal(&snap, PrincipalKind::Role, "r");
    let PolicyRef::Resolved(id) = r.policies[0] else {
        panic!("{w}")
    };
    assert_eq!(snap.policy(id).unwrap().version.as_deref(), Some("v2"));
    // a file named after a policy nobody names
    let snap = with_role(
        "r",
        vec![("get-policy-version.other.json", version("v1", true, "s3:*"))],
    )
    .unwrap();
    assert!(
        messages(&snap).contains("is named after policy `other`, but no `list-policies`"),
        "{}",
        messages(&snap)
    );
}

#[test]
fn memberships_from_list_groups_for_user() {
    let user = json!({"User": {"UserName": "u", "Arn": "arn:aws:iam::111122223333:user/u"}});
    let groups =
        json!({"Groups": [{"GroupName": "g", "Arn": "arn:aws:iam::111122223333:group/g"}]});
    let snap = load_files(&[
        ("get-user.json", user),
        ("list-groups-for-user.u.json", groups),
        ("list-user-policies.u.json", json!({"PolicyNames": []})),
        (
            "list-attached-user-policies.u.json",
            json!({"AttachedPolicies": []}),
        ),
        ("list-group-policies.g.json", json!({"PolicyNames": []})),
        (
            "list-attached-group-policies.g.json",
            json!({"AttachedPolicies": []}),
        ),
    ])
    .unwrap();
    assert!(!snap.defines_users, "no `list-users`");
    let u = principal(&snap, PrincipalKind::User, "u");
    assert_eq!(group_names(&snap, u), vec!["g"]);
    assert!(u.policies.is_empty());
    assert!(snap.warnings.is_empty(), "{}", messages(&snap));
}

#[test]
fn lone_documents_and_outputs_of_no_known_call() {
    let snap = with_role(
        "r",
        vec![(
            "doc.json",
            json!({"PolicyName": "p", "PolicyDocument": {"Statement": []}}),
        )],
    )
    .unwrap();
    let w = messages(&snap);
    assert!(
        w.contains("doc.json (at /PolicyDocument): `")
            && w.contains("holds a `PolicyDocument` without the `PolicyName` and exactly one of"),
        "{w}"
    );
    // read as CLI output by force (`--source-format aws-cli`)
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("names.json");
    std::fs::write(&path, r#"{"PolicyName": "p", "Marker": "m"}"#).unwrap();
    let opts = LoadOptions {
        format: Some(crate::ingest::Format::AwsCli),
        ..LoadOptions::default()
    };
    let snap = load_side_with(&[path], &[], &opts, &|_| None).unwrap();
    let w = messages(&snap);
    assert!(
        w.contains("names.json (at the document root): `")
            && w.contains("is not the output of a call iamdiff reads"),
        "{w}"
    );
}

#[test]
fn errors_are_placed() {
    let dir = tempfile::tempdir().unwrap();
    // concatenated outputs (`>>`): the second one's bad document is placed in the file
    let text = "{\"PolicyNames\": [], \"RoleName\": \"r\"}\n{\"RoleName\": \"r\", \"PolicyName\": \"p\",\n \"PolicyDocument\": {\"Statement\": [{\"Effect\": \"Allow\", \"Action\": 3, \"Resource\": \"*\"}]}}\n";
    std::fs::write(dir.path().join("cat.json"), text).unwrap();
    let e = load_dir(dir.path()).unwrap_err();
    let s = e.to_string();
    assert!(
        s.contains("cat.json:3:") && s.contains("(at /PolicyDocument/Statement/0/Action)"),
        "{s}"
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("x.json"),
        "{\"Roles\": [{\"RoleName\": 3}]}",
    )
    .unwrap();
    let e = load_dir(dir.path()).unwrap_err();
    assert_eq!(e.place.pointer.as_deref(), Some("/Roles/0/RoleName"), "{e}");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("x.json"), "{\"Roles\": []} trailing").unwrap();
    let e = load_dir(dir.path()).unwrap_err();
    assert!(
        e.message
            .contains("unexpected text after the JSON document"),
        "{e}"
    );
}
