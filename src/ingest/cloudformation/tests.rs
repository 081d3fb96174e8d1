//! Templates into snapshots: entities, references between them, conditions, names,
//! merging with what other inputs read, and placed errors.

use super::*;
use crate::catalog::ManagedPolicy;
use crate::model::{ActionClause, Effect, Policy, ResourceClause};

/// A catalog of one AWS managed policy, `ReadOnlyAccess`.
fn catalog(arn: &str) -> Option<ManagedPolicy> {
    arn.ends_with(":iam::aws:policy/ReadOnlyAccess").then(|| ManagedPolicy {
        name: "ReadOnlyAccess".into(),
        arn: "arn:aws:iam::aws:policy/ReadOnlyAccess".into(),
        path: "/".into(),
        version: "v7".into(),
        document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:Describe*","Resource":"*"}]}"#
            .into(),
    })
}

fn opts(account: Option<&str>) -> LoadOptions {
    LoadOptions {
        account: account.map(str::to_owned),
        region: Some("eu-west-1".into()),
        ..LoadOptions::default()
    }
}

fn load_into(
    snap: &mut Snapshot,
    name: &str,
    text: &str,
    o: &LoadOptions,
) -> Result<(), IngestError> {
    load(&Arc::from(name), text.as_bytes(), snap, o, &catalog)
}

fn read(name: &str, text: &str) -> Snapshot {
    let mut snap = Snapshot::default();
    load_into(&mut snap, name, text, &opts(Some("111122223333"))).unwrap();
    snap
}

fn err(name: &str, text: &str) -> IngestError {
    let mut snap = Snapshot::default();
    load_into(&mut snap, name, text, &opts(None)).unwrap_err()
}

fn principal<'s>(snap: &'s Snapshot, kind: PrincipalKind, name: &str) -> &'s Principal {
    snap.principals
        .iter()
        .find(|p| p.kind == kind && p.name == name)
        .unwrap_or_else(|| panic!("no {kind:?} {name}: {:?}", snap.principals))
}

fn policies<'s>(snap: &'s Snapshot, refs: &[PolicyRef]) -> Vec<&'s Policy> {
    refs.iter()
        .filter_map(|r| match r {
            PolicyRef::Resolved(id) => snap.policy(*id),
            PolicyRef::Unresolved { .. } => None,
        })
        .collect()
}

fn resources(p: &Policy) -> Vec<String> {
    p.document
        .statements
        .iter()
        .flat_map(|s| match &s.resource {
            ResourceClause::Resource(r) | ResourceClause::NotResource(r) => r.clone(),
            ResourceClause::Absent => Vec::new(),
        })
        .collect()
}

const TEMPLATE: &str = r#"
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Readers:
    Type: AWS::IAM::Group
    Properties:
      GroupName: readers
      ManagedPolicyArns:
        - !Sub arn:${AWS::Partition}:iam::aws:policy/ReadOnlyAccess
        - !Ref ReadData
  ReadData:
    Type: AWS::IAM::ManagedPolicy
    Metadata:
      aws:cdk:path: Stack/ReadData/Resource
    Properties:
      ManagedPolicyName: read-data
      Path: /team/
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Action: s3:GetObject
            Resource: !Sub arn:aws:s3:::${Bucket}/*
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: data
  App:
    Type: AWS::IAM::Role
    Properties:
      RoleName: app
      AssumeRolePolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {Service: !Sub "ec2.${AWS::URLSuffix}"}
            Action: sts:AssumeRole
      ManagedPolicyArns: [!Ref ReadData]
      PermissionsBoundary: !Sub arn:aws:iam::${AWS::AccountId}:policy/team/read-data
      Tags: [{Key: team, Value: data}]
  Alice:
    Type: AWS::IAM::User
    Properties:
      UserName: alice
      Groups: [!Ref Readers, legacy]
      Policies:
        - PolicyName: own
          PolicyDocument:
            Statement: {Effect: Allow, Action: sqs:SendMessage, Resource: !GetAtt App.Arn}
  Logs:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: logs
      PolicyDocument:
        Statement: [{Effect: Allow, Action: "logs:*", Resource: "*"}]
      Roles: [!Ref App, external-role]
      Groups: [readers]
  More:
    Type: AWS::IAM::UserToGroupAddition
    Properties:
      GroupName: !Ref Readers
      Users: [bob, !Ref Alice]
  Profile:
    Type: AWS::IAM::InstanceProfile
    Properties:
      InstanceProfileName: app-profile
      Roles: [!Ref App]
"#;

#[test]
fn entities_and_references_between_them() {
    let snap = read("t.yaml", TEMPLATE);
    assert_eq!(snap.sources, vec![Arc::from("t.yaml")]);
    assert!(!snap.defines_users);

    let readers = snap.groups.iter().find(|g| g.name == "readers").unwrap();
    assert_eq!(
        readers.arn.as_deref(),
        Some("arn:aws:iam::111122223333:group/readers")
    );
    let names: Vec<String> = policies(&snap, &readers.policies)
        .iter()
        .map(|p| format!("{:?} {}", p.kind, p.name))
        .collect();
    assert_eq!(
        names,
        [
            "AwsManaged ReadOnlyAccess",
            "CustomerManaged read-data",
            "Inline logs"
        ]
    );

    let read_data = policies(&snap, &readers.policies)[1];
    assert_eq!(
        read_data.arn.as_deref(),
        Some("arn:aws:iam::111122223333:policy/team/read-data")
    );
    assert_eq!(resources(read_data), ["arn:aws:s3:::data/*"]);
    let origin = &read_data.document.statements[0].origin;
    assert_eq!(
        &*origin.policy, "Stack/ReadData",
        "the CDK path names the policy"
    );
    assert_eq!(
        origin.pointer.as_deref(),
        Some("/Resources/ReadData/Properties/PolicyDocument/Statement/0")
    );

    let app = principal(&snap, PrincipalKind::Role, "app");
    assert_eq!(
        app.arn.as_deref(),
        Some("arn:aws:iam::111122223333:role/app")
    );
    assert_eq!(app.instance_profiles, ["app-profile"]);
    assert_eq!(app.tags.get("team").map(String::as_str), Some("data"));
    let trust = snap.policy(app.trust.unwrap()).unwrap();
    assert_eq!(trust.kind, PolicyKind::Trust);
    assert_eq!(
        trust.document.statements[0].principal,
        Some(crate::model::PrincipalClause::Principal(vec![(
            "Service".into(),
            "ec2.amazonaws.com".into()
        )]))
    );
    // `!Ref ReadData` and the boundary's ARN both find the template's managed policy
    let app_policies: Vec<&str> = policies(&snap, &app.policies)
        .iter()
        .map(|p| &*p.name)
        .collect();
    assert_eq!(app_policies, ["read-data", "logs"]);
    assert_eq!(app.boundary, Some(readers.policies[1].clone()));

    let alice = principal(&snap, PrincipalKind::User, "alice");
    let groups: Vec<&str> = alice
        .groups
        .iter()
        .map(|g| snap.group(*g).unwrap().name.as_str())
        .collect();
    assert_eq!(groups, ["readers", "legacy"]);
    let own = policies(&snap, &alice.policies)[0];
    assert_eq!(resources(own), ["arn:aws:iam::111122223333:role/app"]);
    assert!(own.document.statements[0].unresolved.is_empty());

    // users and roles named but not defined are added (a role with a warning)
    let bob = principal(&snap, PrincipalKind::User, "bob");
    assert_eq!(bob.groups.len(), 1);
    let ext = principal(&snap, PrincipalKind::Role, "external-role");
    assert_eq!(policies(&snap, &ext.policies)[0].name.as_ref(), "logs");
    let codes: Vec<&str> = snap.warnings.iter().map(|w| w.code.as_str()).collect();
    assert_eq!(
        codes,
        ["unknown-group", "unsupported"],
        "{:#?}",
        snap.warnings
    );
    assert!(snap.warnings[0].message.contains("group `legacy`"));
    assert_eq!(
        (snap.warnings[0].place.line, snap.warnings[0].place.column),
        (Some(44), Some(30))
    );
    assert!(snap.warnings[1].message.contains("role `external-role`"));
}

#[test]
fn json_twin_reads_the_same() {
    let json = crate::ingest::yaml::cfn_to_json(&Arc::from("t.yaml"), TEMPLATE.as_bytes()).unwrap();
    let a = read("t.yaml", TEMPLATE);
    let b = read("t.json", &json);
    let norm = |s: &Snapshot| {
        let mut s = s.clone();
        for p in &mut s.policies {
            for st in &mut p.document.statements {
                let mut o = (*st.origin).clone();
                o.file = Arc::from("");
                st.origin = Arc::new(o);
            }
        }
        for w in &mut s.warnings {
            w.place = Place::file(Arc::from(""));
        }
        s.sources.clear();
        format!("{s:?}")
    };
    assert_eq!(norm(&a), norm(&b));
}

#[test]
fn unnamed_entities_are_called_by_logical_id() {
    let snap = read(
        "out/MyStack.template.json",
        r#"{"Resources": {
            "Role1ABC": {"Type": "AWS::IAM::Role",
                "Metadata": {"aws:cdk:path": "MyStack/Role/Resource"},
                "Properties": {"AssumeRolePolicyDocument": {"Statement": [{"Effect": "Allow",
                    "Principal": {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}},
                    "Action": "sts:AssumeRole"}]}}},
            "RoleDefaultPolicy": {"Type": "AWS::IAM::Policy",
                "Metadata": {"aws:cdk:path": "MyStack/Role/DefaultPolicy/Resource"},
                "Properties": {"PolicyName": "RoleDefaultPolicy", "Roles": [{"Ref": "Role1ABC"}],
                    "PolicyDocument": {"Statement": [
                        {"Effect": "Allow", "Action": "iam:PassRole", "Resource": {"Fn::GetAtt": ["Role1ABC", "Arn"]}},
                        {"Effect": "Allow", "Action": "sqs:*", "Resource": {"Fn::Sub": "arn:aws:sqs:::${AWS::StackName}-*"}}]}}}
        }}"#,
    );
    let role = principal(&snap, PrincipalKind::Role, "Role1ABC");
    assert_eq!(role.arn, None, "the name is not known until deploy");
    let p = policies(&snap, &role.policies)[0];
    assert_eq!(
        &*p.document.statements[0].origin.policy,
        "MyStack/Role/DefaultPolicy"
    );
    assert_eq!(
        resources(p),
        [
            "arn:aws:iam::111122223333:role/<generated:Role1ABC>",
            "arn:aws:sqs:::MyStack-*"
        ]
    );
    let u = &p.document.statements[0].unresolved;
    assert_eq!(u.len(), 1);
    assert!(u[0].contains("role `Role1ABC` has no `RoleName`"), "{u:?}");
    assert!(
        p.document.statements[1].unresolved.is_empty(),
        "the stack name comes from the file name"
    );
    let w = &snap.warnings[0];
    assert!(
        w.message
            .contains("role `Role1ABC` (`MyStack/Role`) has no name of its own"),
        "{w}"
    );
    assert!(w.message.contains("`MyStack-<logical id>-<random>`"), "{w}");
}

#[test]
fn conditions_and_parameters() {
    let template = r#"
Parameters:
  Env: {Type: String, Default: dev}
  Bucket: {Type: String}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  HasBucket: !Not [!Equals [!Ref Bucket, ""]]
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: !Sub ${Env}-app
      Policies:
        - PolicyName: p
          PolicyDocument:
            Statement:
              - Effect: Allow
                Action: s3:GetObject
                Resource: !Sub arn:aws:s3:::${Bucket}/*
              - !If
                - IsProd
                - {Effect: Deny, Action: "s3:Delete*", Resource: "*"}
                - !Ref AWS::NoValue
              - !If
                - HasBucket
                - {Effect: Allow, Action: s3:ListBucket, Resource: !Sub "arn:aws:s3:::${Bucket}"}
                - {Effect: Allow, Action: s3:ListAllMyBuckets, Resource: "*"}
        - !If [IsProd, {PolicyName: prod-only, PolicyDocument: {Statement: []}}, !Ref AWS::NoValue]
  ProdUser:
    Type: AWS::IAM::User
    Condition: IsProd
    Properties: {UserName: prod-user}
  MaybeUser:
    Type: AWS::IAM::User
    Condition: HasBucket
    Properties:
      UserName: maybe
      ManagedPolicyArns: [arn:aws:iam::aws:policy/ReadOnlyAccess]
"#;
    let snap = read("t.yaml", template);
    assert!(
        snap.principals.iter().all(|p| p.name != "prod-user"),
        "IsProd is false"
    );
    let role = principal(&snap, PrincipalKind::Role, "dev-app");
    let ps = policies(&snap, &role.policies);
    assert_eq!(ps.len(), 1, "the prod-only inline policy is left out");
    let st = &ps[0].document.statements;
    // statement 0: bucket unknown; the Deny is gone; HasBucket undecided: both branches
    assert_eq!(st.len(), 3, "{st:#?}");
    assert!(
        st[0].unresolved[0].contains("`${Bucket} in !Sub` at t.yaml:19:27"),
        "{:?}",
        st[0].unresolved
    );
    assert_eq!(
        st[1].action,
        ActionClause::Action(vec!["s3:ListBucket".into()])
    );
    assert_eq!(
        st[2].action,
        ActionClause::Action(vec!["s3:ListAllMyBuckets".into()])
    );
    for s in &st[1..] {
        assert!(
            s.unresolved[0].contains("condition `HasBucket` is undecided"),
            "{:?}",
            s.unresolved
        );
        assert!(
            s.unresolved[0].contains("t.yaml:24:17"),
            "{:?}",
            s.unresolved
        );
    }
    assert_eq!(
        st[1].origin.pointer.as_deref(),
        Some("/Resources/Role/Properties/Policies/0/PolicyDocument/Statement/2/Fn::If/1")
    );
    // a user that exists only if HasBucket: what it is given needs review
    let maybe = principal(&snap, PrincipalKind::User, "maybe");
    let ro = policies(&snap, &maybe.policies)[0];
    assert_eq!(ro.name.as_ref(), "ReadOnlyAccess");
    assert!(
        ro.document.statements[0].unresolved[0].contains("resource `MaybeUser`"),
        "{:?}",
        ro.document.statements
    );

    // with values given, everything resolves
    let given = r#"[{"ParameterKey": "Env", "ParameterValue": "prod"},
                    {"ParameterKey": "Bucket", "ParameterValue": "data"}]"#;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("params.json");
    std::fs::write(&path, given).unwrap();
    let mut o = opts(Some("111122223333"));
    o.cfn_params = vec![path];
    let mut snap = Snapshot::default();
    load_into(&mut snap, "t.yaml", template, &o).unwrap();
    let role = principal(&snap, PrincipalKind::Role, "prod-app");
    let ps = policies(&snap, &role.policies);
    assert_eq!(ps.len(), 2);
    let st = &ps[0].document.statements;
    assert_eq!(st.len(), 3);
    assert!(st.iter().all(|s| s.unresolved.is_empty()), "{st:#?}");
    assert_eq!(st[1].effect, Effect::Deny);
    assert_eq!(resources(ps[0])[2], "arn:aws:s3:::data");
    principal(&snap, PrincipalKind::User, "prod-user");
}

#[test]
fn unresolved_managed_policies_and_names() {
    let snap = read(
        "t.yaml",
        r#"
Parameters:
  Extra: {Type: String}
  Name: {Type: String}
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      RoleName: !Ref Name
      ManagedPolicyArns:
        - !Ref Extra
        - !ImportValue shared-policy-arn
        - arn:aws:iam::aws:policy/NoSuchPolicy
        - arn:aws:iam::999988887777:policy/theirs
"#,
    );
    let role = principal(&snap, PrincipalKind::Role, "Role");
    let unresolved: Vec<(&str, Option<&str>)> = role
        .policies
        .iter()
        .map(|r| match r {
            PolicyRef::Unresolved { name, arn } => (name.as_str(), arn.as_deref()),
            PolicyRef::Resolved(_) => ("resolved", None),
        })
        .collect();
    assert_eq!(
        unresolved,
        [
            ("<unresolved:Ref Extra>", None),
            ("<unresolved:ImportValue shared-policy-arn>", None),
            ("NoSuchPolicy", Some("arn:aws:iam::aws:policy/NoSuchPolicy")),
            ("theirs", Some("arn:aws:iam::999988887777:policy/theirs")),
        ]
    );
    let messages: Vec<String> = snap
        .warnings
        .iter()
        .map(|w| format!("{} {}", w.code.as_str(), w.message))
        .collect();
    assert!(
        messages[0].starts_with("unsupported the name of role `Role` is unresolved"),
        "{messages:#?}"
    );
    assert!(
        messages[1].starts_with(
            "unresolved-policy a managed policy attached to role `Role` is unresolved"
        ),
        "{messages:#?}"
    );
    assert!(messages[1].contains("t.yaml:11:11"), "{messages:#?}");
    assert_eq!(messages.len(), 5, "{messages:#?}");
}

#[test]
fn later_inputs_merge_with_earlier_ones() {
    let mut snap = Snapshot::default();
    let o = opts(None);
    load_into(
        &mut snap,
        "a.yaml",
        "Resources:\n  P: {Type: 'AWS::IAM::Policy', Properties: {PolicyName: p, Roles: [shared], PolicyDocument: {Statement: [{Effect: Allow, Action: 's3:*', Resource: '*'}]}}}\n",
        &o,
    )
    .unwrap();
    load_into(
        &mut snap,
        "b.yaml",
        "Resources:\n  R: {Type: 'AWS::IAM::Role', Properties: {RoleName: shared}}\n  Again: {Type: 'AWS::IAM::Group', Properties: {GroupName: g}}\n",
        &o,
    )
    .unwrap();
    load_into(
        &mut snap,
        "c.yaml",
        "Resources:\n  R: {Type: 'AWS::IAM::Role', Properties: {RoleName: shared}}\n  G: {Type: 'AWS::IAM::Group', Properties: {GroupName: g}}\n",
        &o,
    )
    .unwrap();
    let roles: Vec<&Principal> = snap
        .principals
        .iter()
        .filter(|p| p.name == "shared")
        .collect();
    assert_eq!(roles.len(), 1);
    // the placeholder of a.yaml became b.yaml's role, keeping the policy; c.yaml's replaced it
    let codes: Vec<&str> = snap.warnings.iter().map(|w| w.code.as_str()).collect();
    assert_eq!(
        codes,
        ["unsupported", "duplicate", "duplicate"],
        "{:#?}",
        snap.warnings
    );
    assert_eq!(snap.sources.len(), 3);
    assert_eq!(snap.groups.len(), 1);
}

#[test]
fn errors_name_the_yaml_line() {
    let cases = [
        (
            "Resources:\n  A: {Properties: {}}\n",
            "t.yaml:2:6",
            "resource `A` has no `Type`",
        ),
        (
            "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      Policies:\n        - PolicyName: p\n          PolicyDocument:\n            Statement:\n              - Effect: Permit\n                Action: '*'\n                Resource: '*'\n",
            "t.yaml:9:25",
            "`Effect` is `Permit`",
        ),
        (
            "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      RoleName: !If [C, a]\n",
            "t.yaml:5:21",
            "`!If` takes a list",
        ),
        (
            "Resources: [a]\n",
            "t.yaml:1:12",
            "`Resources` must be an object",
        ),
        (
            "Resources:\n  A: 1\n  A: 2\n",
            "t.yaml:2:3",
            "duplicate entry",
        ),
    ];
    for (text, place, message) in cases {
        let e = err("t.yaml", text);
        assert!(e.to_string().starts_with(place), "{text}: {e}");
        assert!(e.message.contains(message), "{text}: {e}");
    }
    let e = err(
        "t.json",
        "{\"Resources\": {\"A\": {\"Type\": \"AWS::IAM::Group\", \"Type\": \"x\"}}}",
    );
    assert_eq!(
        e.to_string(),
        "t.json:1:49 (at /Resources/A/Type): duplicate key `Type`"
    );
}

#[test]
fn documents_given_as_json_strings_and_language_extensions() {
    let snap = read(
        "t.yaml",
        r#"
Transform: AWS::LanguageExtensions
Resources:
  Fn::ForEach::Roles:
    - Name
    - [a, b]
    - Role${Name}: {Type: AWS::IAM::Role}
  G:
    Type: AWS::IAM::Group
    Properties:
      GroupName: g
      Policies:
        - PolicyName: p
          PolicyDocument: !Sub '{"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::${AWS::AccountId}-data/*"}]}'
"#,
    );
    let g = &snap.groups[0];
    let p = policies(&snap, &g.policies)[0];
    assert_eq!(resources(p), ["arn:aws:s3:::111122223333-data/*"]);
    let messages: Vec<&str> = snap.warnings.iter().map(|w| w.message.as_str()).collect();
    assert!(messages[0].contains("`Fn::ForEach::Roles`"), "{messages:?}");
    assert!(
        messages[1].contains("`AWS::LanguageExtensions`: what a transform"),
        "{messages:?}"
    );
}

#[test]
fn stack_names_of_cdk_templates() {
    assert_eq!(
        stack_name("cdk.out/MyStack.template.json").as_deref(),
        Some("MyStack")
    );
    assert_eq!(
        stack_name("C:\\out\\Other.template.json").as_deref(),
        Some("Other")
    );
    assert_eq!(stack_name("template.yaml"), None);
}
