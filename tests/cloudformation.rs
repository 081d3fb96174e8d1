//! CloudFormation templates as a source: every template of the shared corpus loads (or
//! fails with a placed error where it is bad on purpose), YAML and JSON twins read the
//! same, parameters files resolve, what stays unresolved is *needs review* in
//! `effective` and `explain`, `cdk.out` directories skip what is not a template, and
//! malformed templates name their place.

use std::path::{Path, PathBuf};

use iamdiff::ingest::{IngestError, LoadOptions, load_side_opts};
use iamdiff::model::{PrincipalKind, Snapshot, WarningCode};
use serde_json::Value;

use crate::util::{fixture, iamdiff, rel, shared};

fn opts() -> LoadOptions {
    LoadOptions::default()
}

fn load(path: &Path, o: &LoadOptions) -> Result<Snapshot, IngestError> {
    load_side_opts(&[path.to_path_buf()], &[], o)
}

/// The shared corpus's templates; without it the tests say so and pass, except under
/// `CI`, where a missing corpus is a failure.
fn corpus() -> Option<PathBuf> {
    let s = shared();
    if s.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "the shared corpus is missing"
        );
        eprintln!("../shared not found (set IAMDIFF_SHARED): CloudFormation corpus tests skipped");
    }
    s.map(|s| s.join("corpus/formats/cloudformation"))
}

fn names(snap: &Snapshot, kind: PrincipalKind) -> Vec<&str> {
    let mut v: Vec<&str> = snap
        .principals
        .iter()
        .filter(|p| p.kind == kind)
        .map(|p| p.name.as_str())
        .collect();
    v.sort_unstable();
    v
}

fn has_warning(snap: &Snapshot, code: WarningCode, fragment: &str) -> bool {
    snap.warnings
        .iter()
        .any(|w| w.code == code && w.message.contains(fragment))
}

/// What each corpus template must give. A new file in the corpus fails the test until
/// it is given a line here.
#[test]
fn every_corpus_template_loads_or_fails_as_decided() {
    let Some(dir) = corpus() else { return };
    let mut files: Vec<PathBuf> = ["yaml", "json", "cdk"]
        .iter()
        .flat_map(|d| std::fs::read_dir(dir.join(d)).unwrap())
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let mut seen = Vec::new();
    for f in &files {
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        seen.push(name.clone());
        let result = load(f, &opts());
        let snap = match (name.as_str(), result) {
            // cfn-lint's bad IAM fixture: the first bad document is an error with its YAML line
            ("cfnlint-bad-iam-iam_policy.yaml", Err(e)) => {
                assert_eq!((e.place.line, e.place.column), (Some(24), Some(19)), "{e}");
                assert!(e.message.contains("`Effect` is `NotAllow`"), "{e}");
                continue;
            }
            (_, Err(e)) => panic!("{name}: {e}"),
            (_, Ok(s)) => s,
        };
        let roles = names(&snap, PrincipalKind::Role);
        let users = names(&snap, PrincipalKind::User);
        match name.as_str() {
            "awsdocs-quickref-iam-snippets.yaml" => {
                assert_eq!(users, ["existinguser1", "myuser"]);
                // the page refers to a queue and a topic it does not declare
                assert!(has_warning(
                    &snap,
                    WarningCode::Unsupported,
                    "`myqueue` is referenced but not defined"
                ));
                assert!(has_warning(
                    &snap,
                    WarningCode::UnknownGroup,
                    "`myexistinggroup1`"
                ));
                assert!(has_warning(
                    &snap,
                    WarningCode::UnknownGroup,
                    "`myexistinggroup2`"
                ));
                assert!(has_warning(
                    &snap,
                    WarningCode::Unsupported,
                    "`mybucketpolicy` (AWS::S3::BucketPolicy"
                ));
                let myuser = snap.principals.iter().find(|p| p.name == "myuser").unwrap();
                assert_eq!(myuser.groups.len(), 1, "UserToGroupAddition");
            }
            "cfnlint-good-iam-policy.yaml" => {
                // the conditional statement is removed: its condition is false by default
                let p = snap
                    .policies
                    .iter()
                    .find(|p| &*p.name == "SomeManagedPolicy")
                    .unwrap();
                assert_eq!(p.document.statements.len(), 1);
            }
            "cfnlint-good-iam-ref_with_path.yaml" => assert_eq!(roles, ["CodeBuildRole"]),
            "cfnlint-good-properties-list_duplicates.yaml" => {
                assert_eq!(
                    roles,
                    [
                        "IamRole",
                        "IamRoleWithConditions",
                        "IamRoleWithNestedConditions"
                    ]
                );
                // `AssumeRolePolicyDocument: {}` is accepted by cfn-lint, rejected by AWS
                let empty = snap
                    .warnings
                    .iter()
                    .filter(|w| w.message.contains("is empty (`{}`)"))
                    .count();
                assert_eq!(empty, 3);
                assert!(has_warning(
                    &snap,
                    WarningCode::UnresolvedPolicy,
                    "parameter `IamPolicy1` has no value"
                ));
            }
            "cfnpolicyvalidator-public_access_test.yml" => {
                assert_eq!(roles, ["CodePipelineServiceRole"]);
                assert!(has_warning(
                    &snap,
                    WarningCode::Unsupported,
                    "`MyKey` (AWS::KMS::Key, a resource-based policy)"
                ));
            }
            "cfnpolicyvalidator-test_file_2.yml" | "cfnpolicyvalidator-test_file_2.json" => {
                assert_eq!(roles, ["CodeBuildServiceRole", "CodePipelineServiceRole"]);
                assert_eq!(users, ["MyIAMUser"]);
                assert!(has_warning(
                    &snap,
                    WarningCode::Unsupported,
                    // read since issue 9; assigned nowhere in the template
                    "permission set `MyPermissionSet` is assigned in no account"
                ));
            }
            "cfntemplates-ECS-ECS_Schedule_Example.yaml" => {
                assert_eq!(
                    roles,
                    [
                        "AutoscalingRole",
                        "EC2Role",
                        "ECSEventRole",
                        "ECSServiceRole"
                    ]
                );
                let ec2 = snap
                    .principals
                    .iter()
                    .find(|p| p.name == "EC2Role")
                    .unwrap();
                assert_eq!(ec2.instance_profiles, ["EC2InstanceProfile"]);
            }
            "cfntemplates-S3-compliant-static-website.yaml" => assert_eq!(roles.len(), 2),
            "cfntemplates-Solutions-WebApp-webapp.yaml"
            | "cfntemplates-Solutions-WebApp-webapp.json" => {
                assert_eq!(roles.len(), 4);
            }
            "awscdk-integ-iam-role-1.template.json" => {
                assert_eq!(
                    roles,
                    ["TestRole25D98AB21", "TestRole3C1F30727", "TestRole6C9272DF"]
                );
                let r = snap
                    .principals
                    .iter()
                    .find(|p| p.name == "TestRole6C9272DF")
                    .unwrap();
                assert_eq!(
                    r.policies.len(),
                    2,
                    "both AWS::IAM::Policy resources attach to it"
                );
            }
            "awscdk-integ-aws-cdk-iam-managed-policy.template.json" => {
                assert_eq!(users, ["MyUserDC45028B"]);
                // `Fn::Join` of the partition names an AWS managed policy of the catalog
                assert!(snap.policies.iter().any(|p| &*p.name == "SecurityAudit"));
            }
            other => panic!("no expectation for corpus template `{other}`: add one"),
        }
        for p in &snap.policies {
            for s in &p.document.statements {
                for u in &s.unresolved {
                    assert!(u.contains(&f.display().to_string()), "{name}: {u}");
                }
            }
        }
    }
    assert_eq!(seen.len(), 14, "{seen:?}");
    // the reference tables are lookup data, not templates: one is of no known format, the
    // other has a `Resources` key (a list) and is refused as a template, with its place
    let dir = dir.join("reference");
    let e = load(&dir.join("cfnpolicyvalidator-cfn_to_arn_map.json"), &opts()).unwrap_err();
    assert!(e.message.contains("cannot tell the format"), "{e}");
    let e = load(
        &dir.join("cfnpolicyvalidator-services_where_ref_returns_arn.json"),
        &opts(),
    )
    .unwrap_err();
    assert_eq!((e.place.line, e.place.column), (Some(2), Some(18)), "{e}");
    assert_eq!(e.message, "`Resources` must be an object, not a list");
}

/// What a snapshot says, as JSON, with policies in place of their ids, principals and
/// groups sorted, and without what differs between a YAML template and its JSON twin:
/// file names, pointers, places, and the spelling of functions (`!Sub`, `Fn::Sub`).
fn comparable(snap: &Snapshot) -> Value {
    use iamdiff::model::PolicyRef;
    let policy = |r: &PolicyRef| match r {
        PolicyRef::Resolved(id) => serde_json::to_value(snap.policy(*id).unwrap()).unwrap(),
        PolicyRef::Unresolved { name, arn } => serde_json::json!({"unresolved": name, "arn": arn}),
    };
    let mut principals: Vec<Value> = snap
        .principals
        .iter()
        .map(|p| {
            serde_json::json!({
                "kind": p.kind, "name": p.name, "arn": p.arn, "path": p.path, "account": p.account,
                "tags": p.tags, "instance_profiles": p.instance_profiles,
                "groups": p.groups.iter().map(|g| snap.group(*g).unwrap().name.clone()).collect::<Vec<_>>(),
                "policies": p.policies.iter().map(policy).collect::<Vec<_>>(),
                "boundary": p.boundary.as_ref().map(policy),
                "trust": p.trust.map(|t| serde_json::to_value(snap.policy(t).unwrap()).unwrap()),
            })
        })
        .collect();
    principals.sort_by_key(|p| format!("{}/{}", p["kind"], p["name"]));
    let mut groups: Vec<Value> = snap
        .groups
        .iter()
        .map(|g| {
            serde_json::json!({"name": g.name, "arn": g.arn, "path": g.path,
                "policies": g.policies.iter().map(policy).collect::<Vec<_>>()})
        })
        .collect();
    groups.sort_by_key(|g| g["name"].to_string());
    let warnings: Vec<Value> = snap
        .warnings
        .iter()
        .map(|w| serde_json::json!({"code": w.code, "message": w.message}))
        .collect();
    let mut v =
        serde_json::json!({"principals": principals, "groups": groups, "warnings": warnings});

    let place = regex::Regex::new(r"[^\s`(]+\.(yaml|yml|json)(:\d+:\d+)?").unwrap();
    let tag = regex::Regex::new(r"!([A-Z][A-Za-z]*)").unwrap();
    fn walk(v: &mut Value, f: &dyn Fn(&str) -> String) {
        match v {
            Value::String(s) => *s = f(s),
            Value::Array(a) => a.iter_mut().for_each(|x| walk(x, f)),
            Value::Object(o) => {
                o.remove("file");
                o.remove("pointer");
                o.values_mut().for_each(|x| walk(x, f));
            }
            _ => {}
        }
    }
    walk(&mut v, &|s: &str| {
        let s = place.replace_all(s, "<place>");
        tag.replace_all(&s, |c: &regex::Captures<'_>| match &c[1] {
            "Ref" | "Condition" => c[1].to_owned(),
            f => format!("Fn::{f}"),
        })
        .into_owned()
    });
    v
}

#[test]
fn yaml_and_json_twins_read_the_same() {
    let mut pairs = vec![(
        fixture("cloudformation/target/template.yaml"),
        fixture("cloudformation/target/template.json"),
    )];
    if let Some(dir) = corpus() {
        for (y, j) in [
            (
                "yaml/cfnpolicyvalidator-test_file_2.yml",
                "json/cfnpolicyvalidator-test_file_2.json",
            ),
            (
                "yaml/cfntemplates-Solutions-WebApp-webapp.yaml",
                "json/cfntemplates-Solutions-WebApp-webapp.json",
            ),
        ] {
            pairs.push((dir.join(y), dir.join(j)));
        }
    }
    for (y, j) in pairs {
        for o in [
            opts(),
            LoadOptions {
                account: Some("111122223333".into()),
                region: Some("us-east-1".into()),
                ..opts()
            },
        ] {
            let a = comparable(&load(&y, &o).unwrap());
            let mut b = comparable(&load(&j, &o).unwrap());
            if j.ends_with("cfnpolicyvalidator-test_file_2.json") {
                // the corpus twins differ in one place: the JSON one also gives
                // `CodeBuildServiceRole` the AWS managed `ReadOnlyAccess`
                let role = b["principals"]
                    .as_array_mut()
                    .unwrap()
                    .iter_mut()
                    .find(|p| p["name"] == "CodeBuildServiceRole")
                    .unwrap();
                let policies = role["policies"].as_array_mut().unwrap();
                let before = policies.len();
                policies.retain(|p| p["name"] != "ReadOnlyAccess");
                assert_eq!(policies.len() + 1, before);
            }
            assert!(a["principals"].as_array().is_some_and(|p| !p.is_empty()));
            for key in ["principals", "groups", "warnings"] {
                assert_eq!(
                    a[key],
                    b[key],
                    "{} and its twin differ in {key}",
                    y.display()
                );
            }
        }
    }
}

#[test]
fn parameters_files_resolve_and_bad_ones_are_placed() {
    let t = rel(&fixture("cloudformation/target/template.yaml"));
    let params = rel(&fixture("cloudformation/target/params.json"));
    let out = iamdiff()
        .args([
            "effective",
            &t,
            "--cfn-params",
            &params,
            "--account",
            "111122223333",
        ])
        .args(["--region", "eu-west-1", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let principals = v["principals"].as_array().unwrap();
    let role = principals
        .iter()
        .find(|p| p["name"] == "edge-prod-role-sagemaker")
        .unwrap();
    // only the import of another stack's export stays unresolved
    let review: Vec<&Value> = role["review"].as_array().unwrap().iter().collect();
    assert_eq!(review.len(), 1, "{review:#?}");
    assert!(
        review[0]["unresolved"][0]
            .as_str()
            .unwrap()
            .contains("!ImportValue shared-artifacts-bucket")
    );
    assert!(
        principals
            .iter()
            .any(|p| p["name"] == "edge-prod-role-bucket-admin")
    );

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("params.json");
    std::fs::write(
        &bad,
        "[\n  {\"ParameterKey\": \"Env\", \"ParameterValue\": [\"prod\"]}\n]\n",
    )
    .unwrap();
    let out = iamdiff()
        .args(["effective", &t, "--cfn-params", &bad.display().to_string()])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("params.json:2:45 (at /0/ParameterValue)"),
        "{err}"
    );
    assert!(err.contains("`ParameterValue` must be a string"), "{err}");
}

#[test]
fn unresolved_statements_need_review_in_effective_and_explain() {
    let t = rel(&fixture("cloudformation/target/template.yaml"));
    let out = iamdiff()
        .args(["effective", &t, "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let alice = v["principals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "alice")
        .unwrap();
    let review = alice["review"].as_array().unwrap();
    let bucket = review
        .iter()
        .find(|r| r["policy"] == "edge-dev-read-data")
        .unwrap_or_else(|| panic!("{review:#?}"));
    assert_eq!(bucket["reason"], "unresolved-statement");
    let msg = bucket["unresolved"][0].as_str().unwrap();
    assert!(
        msg.contains(&format!(
            "`${{DataBucket}} in !Sub` at {t}:61:17: parameter `DataBucket` has no value"
        )),
        "{msg}"
    );

    let out = iamdiff()
        .args([
            "explain",
            &t,
            "--principal",
            "alice",
            "--action",
            "s3:GetObject",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["decision"], "conditional");
    let st = v["statements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["policy"] == "edge-dev-read-data")
        .unwrap();
    assert!(
        st["unresolved"][0]
            .as_str()
            .unwrap()
            .contains(&format!("{t}:61:17")),
        "{st:#}"
    );
    assert_eq!(
        st["pointer"],
        "/Resources/ReadData/Properties/PolicyDocument/Statement/0"
    );
    assert_eq!(
        st["resources"][0], "arn:aws:s3:::<unresolved:Ref DataBucket>",
        "the unresolved part is a readable placeholder, not a wildcard"
    );
}

#[test]
fn cdk_out_directory_reads_templates_and_skips_the_rest() {
    let dir = fixture("cloudformation/cdk.out");
    let o = LoadOptions {
        account: Some("111122223333".into()),
        region: Some("eu-west-1".into()),
        ..opts()
    };
    let snap = load_side_opts(std::slice::from_ref(&dir), &[], &o).unwrap();
    for skipped in ["manifest.json", "tree.json", "DataStack.assets.json"] {
        assert!(
            snap.warnings
                .iter()
                .any(|w| w.code == WarningCode::Unsupported
                    && w.place.file.ends_with(skipped)
                    && w.message.starts_with("skipped")),
            "{skipped}: {:#?}",
            snap.warnings
        );
    }
    assert_eq!(snap.sources.len(), 2, "{:?}", snap.sources);
    let role = snap
        .principals
        .iter()
        .find(|p| p.name == "NotebookRoleC1D2E3F4")
        .unwrap();
    let default = role
        .policies
        .iter()
        .filter_map(|r| match r {
            iamdiff::model::PolicyRef::Resolved(id) => snap.policy(*id),
            iamdiff::model::PolicyRef::Unresolved { .. } => None,
        })
        .find(|p| p.kind == iamdiff::model::PolicyKind::Inline)
        .unwrap();
    let st = &default.document.statements;
    // provenance names the CDK construct path
    assert_eq!(
        &*st[0].origin.policy,
        "DataStack/NotebookRole/DefaultPolicy"
    );
    // a bucket created without a name, and another stack's export, need review
    assert!(st[0].unresolved[0].contains("bucket `ResultsBucketE5F6A7B8` has no `BucketName`"));
    assert!(
        st[1].unresolved[0]
            .contains("Fn::ImportValue SharedStack:ExportsOutputFnGetAttArtifactsBucketArn")
    );
    // the stack name comes from the file name
    assert!(st[2].unresolved.is_empty(), "{:?}", st[2].unresolved);
    let iamdiff::model::ResourceClause::Resource(r) = &st[2].resource else {
        panic!()
    };
    assert_eq!(
        r,
        &["arn:aws:logs:eu-west-1:111122223333:log-group:/aws/sagemaker/DataStack:*"]
    );
    let groups: Vec<&str> = snap.groups.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(
        groups,
        [
            "edge-prod-group-data-scientists",
            "edge-prod-group-ml-platform"
        ]
    );
    assert!(!snap.defines_users);
}

#[test]
fn malformed_templates_name_their_place() {
    for (file, place, message) in [
        (
            "cfn-bad-if.yaml",
            ":14:31 (at /Resources/Readers/Properties/Policies/0/PolicyDocument/Statement/0/Resource/Fn::If)",
            "`!If` takes a list of a condition name and two values",
        ),
        (
            "cfn-duplicate-key.json",
            ":12:80 (at /Resources/Readers/Properties/Policies/0/PolicyDocument/Statement/0/Effect)",
            "duplicate key `Effect`",
        ),
        (
            "cfn-no-type.yaml",
            ":4:5 (at /Resources/Readers)",
            "resource `Readers` has no `Type`",
        ),
        (
            "cfn-bad-effect.yaml",
            ":12:25 (at /Resources/App/Properties/Policies/0/PolicyDocument/Statement/0/Effect)",
            "`Effect` is `Permit`",
        ),
        (
            "cfn-undefined-condition.json",
            ":6:33 (at /Resources/App/Properties/RoleName/Fn::If/0)",
            "condition `IsProd` is not defined in `Conditions`",
        ),
        (
            "cfn-bad-yaml.yaml",
            ":7:16: invalid YAML",
            "did not find expected ','",
        ),
    ] {
        let path = rel(&fixture(&format!("malformed/{file}")));
        let out = iamdiff().args(["effective", &path]).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{file}: {err}");
        assert!(out.stdout.is_empty(), "{file}");
        assert!(err.contains(&format!("{path}{place}")), "{file}: {err}");
        assert!(err.contains(message), "{file}: {err}");
    }
}
