//! Intrinsic functions and conditions, one small template at a time.

use super::*;
use crate::ingest::cloudformation::{params, read_yaml, sections};

const BASE: &str = "\
Parameters:
  Env: {Type: String, Default: dev}
  NoDefault: {Type: String}
  Subnets: {Type: CommaDelimitedList, Default: 'a, b,c'}
  Ami: {Type: 'AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>', Default: /aws/ami}
Mappings:
  ByEnv:
    dev: {Bucket: dev-data, Zones: [z1, z2]}
Conditions:
  IsDev: !Equals [!Ref Env, dev]
  IsProd: !Not [!Condition IsDev]
  Unknown: !Equals [!Ref NoDefault, x]
  Both: !And [!Condition IsDev, !Condition Unknown]
  Either: !Or [!Condition IsDev, !Condition Unknown]
  Loop: !Not [!Condition Loop]
Resources:
  Role: {Type: 'AWS::IAM::Role', Properties: {RoleName: app, Path: /svc/}}
  Unnamed: {Type: 'AWS::IAM::Role'}
  Policy: {Type: 'AWS::IAM::ManagedPolicy', Properties: {ManagedPolicyName: !Sub '${Env}-read'}}
  Queue: {Type: 'AWS::SQS::Queue', Properties: {QueueName: jobs}}
  Bucket: {Type: 'AWS::S3::Bucket', Properties: {BucketName: !FindInMap [ByEnv, !Ref Env, Bucket]}}
  Key: {Type: 'AWS::KMS::Key'}
  Vpc: {Type: 'AWS::EC2::VPC'}
Outputs:
";

/// Resolves `expr` (YAML, as an output's `Value`) against [`BASE`].
fn eval_with(
    expr: &str,
    account: Option<&str>,
    region: Option<&str>,
) -> (Result<V, IngestError>, Vec<Warning>) {
    let yaml = format!("{BASE}  X:\n    Value: {expr}\n");
    let file: Arc<str> = Arc::from("t.yaml");
    let tree = read_yaml(&file, &yaml).unwrap();
    let pseudo = Pseudo::new(account.map(str::to_owned), region.map(str::to_owned), None);
    let mut env = Env::new(file.clone(), true, &tree.locs, pseudo);
    let t = sections(&mut env, &tree.root).unwrap();
    env.params = params::values(&env, t.parameters, &[]).unwrap();
    let node = tree
        .root
        .get("Outputs")
        .unwrap()
        .get("X")
        .unwrap()
        .get("Value")
        .unwrap();
    let v = env.resolve(node);
    (v, env.warnings.take())
}

fn eval(expr: &str) -> V {
    eval_with(expr, Some("111122223333"), Some("eu-west-1"))
        .0
        .unwrap()
}

/// The text of a string value, and its messages.
fn text(v: &V) -> (String, Vec<String>) {
    match &v.kind {
        VKind::Str(s, m) => (s.clone(), m.clone()),
        other => panic!("not a string: {other:?}"),
    }
}

fn known(expr: &str) -> String {
    let (s, m) = text(&eval(expr));
    assert!(m.is_empty(), "{expr}: unresolved: {m:?}");
    s
}

fn strings(v: &V) -> Vec<String> {
    match &v.kind {
        VKind::List(items) => items.iter().map(|i| text(i).0).collect(),
        other => panic!("not a list: {other:?}"),
    }
}

macro_rules! resolves {
    ($($expr:expr => $want:expr),* $(,)?) => {
        $( assert_eq!(known($expr), $want, "{}", $expr); )*
    };
}

#[test]
fn refs_and_pseudo_parameters() {
    resolves! {
        "!Ref Env" => "dev",
        "!Ref AWS::AccountId" => "111122223333",
        "!Ref AWS::Region" => "eu-west-1",
        "!Ref AWS::Partition" => "aws",
        "!Ref AWS::URLSuffix" => "amazonaws.com",
        // Ref of a role is its name, of a managed policy its ARN, of a queue its URL
        "!Ref Role" => "app",
        "!Ref Policy" => "arn:aws:iam::111122223333:policy/dev-read",
        "!Ref Queue" => "https://sqs.eu-west-1.amazonaws.com/111122223333/jobs",
        "!GetAtt Role.Arn" => "arn:aws:iam::111122223333:role/svc/app",
        "!GetAtt [Queue, Arn]" => "arn:aws:sqs:eu-west-1:111122223333:jobs",
        "!GetAtt Bucket.Arn" => "arn:aws:s3:::dev-data",
    }
    assert_eq!(strings(&eval("!Ref Subnets")), ["a", "b", "c"]);
    let (v, _) = eval_with("!Ref AWS::Partition", None, Some("cn-north-1"));
    assert_eq!(text(&v.unwrap()).0, "aws-cn");
}

#[test]
fn what_is_not_known_is_a_placeholder_with_a_placed_message() {
    let cases = [
        (
            "!Ref NoDefault",
            "<unresolved:Ref NoDefault>",
            "`!Ref NoDefault` at t.yaml:26:12: parameter `NoDefault` has no value",
        ),
        (
            "!Ref Ami",
            "<unresolved:Ref Ami>",
            "read from SSM Parameter Store",
        ),
        (
            "!ImportValue shared-bucket",
            "<unresolved:ImportValue shared-bucket>",
            "exported by other stacks",
        ),
        (
            "!Ref AWS::StackName",
            "<unresolved:AWS::StackName>",
            "stack name",
        ),
        ("!Ref Key", "<unresolved:Ref Key>", "id made at deploy"),
        (
            "!GetAtt Vpc.CidrBlock",
            "<unresolved:GetAtt Vpc.CidrBlock>",
            "not known offline",
        ),
        (
            "!GetAtt Unnamed.Arn",
            "arn:aws:iam::111122223333:role/<generated:Unnamed>",
            "has no `RoleName`",
        ),
        (
            "!Base64 x",
            "<unresolved:Fn::Base64>",
            "not evaluated offline",
        ),
    ];
    for (expr, want, why) in cases {
        let (s, m) = text(&eval(expr));
        assert_eq!(s, want, "{expr}");
        assert_eq!(m.len(), 1, "{expr}: {m:?}");
        assert!(m[0].contains(why), "{expr}: {m:?}");
        assert!(m[0].contains("t.yaml:26:12"), "{expr}: {m:?}");
        assert!(!s.contains(['*', '?']) && !s.contains("${"), "{expr}: {s}");
    }
    let (v, _) = eval_with(
        "!Sub 'arn:aws:s3:::${AWS::AccountId}-${AWS::Region}'",
        None,
        None,
    );
    let (s, m) = text(&v.unwrap());
    assert_eq!(
        s,
        "arn:aws:s3:::<unresolved:AWS::AccountId>-<unresolved:AWS::Region>"
    );
    assert!(
        m[0].contains("--account") && m[1].contains("--region"),
        "{m:?}"
    );
    let (v, _) = eval_with("!GetAtt Role.Arn", None, None);
    let (s, m) = text(&v.unwrap());
    assert_eq!(s, "arn:aws:iam::<unresolved:AWS::AccountId>:role/svc/app");
    assert_eq!(m.len(), 1);
}

#[test]
fn undefined_names_warn_once() {
    let (v, w) = eval_with("[!Ref Nope, !GetAtt Nope.Arn]", None, None);
    let v = v.unwrap();
    assert_eq!(
        strings(&v),
        ["<unresolved:Ref Nope>", "<unresolved:Ref Nope>"]
    );
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].message
            .contains("`Nope` is referenced but not defined"),
        "{w:?}"
    );
}

#[test]
fn sub_join_select_split_find_in_map() {
    resolves! {
        "!Sub '${Env}-${Role}-${Role.Arn}'" => "dev-app-arn:aws:iam::111122223333:role/svc/app",
        "!Sub ['${A}/${Env}', {A: !Ref Queue}]" => "https://sqs.eu-west-1.amazonaws.com/111122223333/jobs/dev",
        // `${!X}` is a literal `${X}`; IAM policy variables stay as written
        "!Sub 'arn:aws:s3:::b/${!Literal}/${aws:username}/*'" => "arn:aws:s3:::b/${Literal}/${aws:username}/*",
        "!Join ['', ['arn:', !Ref AWS::Partition, ':iam::aws:policy/ReadOnlyAccess']]" => "arn:aws:iam::aws:policy/ReadOnlyAccess",
        "!Join [',', !Split ['|', 'a|b|c']]" => "a,b,c",
        "!Select [1, !Split [',', 'x,y,z']]" => "y",
        "!Select ['0', !Ref Subnets]" => "a",
        "!FindInMap [ByEnv, !Ref Env, Bucket]" => "dev-data",
        "!Select [1, !FindInMap [ByEnv, dev, Zones]]" => "z2",
        "!FindInMap [ByEnv, prod, Bucket, {DefaultValue: none}]" => "none",
        "!Join ['-', [a, !Ref AWS::NoValue, b]]" => "a-b",
    }
    // an unresolved piece makes the whole value unresolved, with the piece's message
    let (s, m) = text(&eval("!Select [0, !Split [',', !Ref NoDefault]]"));
    assert_eq!((s.as_str(), m.len()), ("<unresolved:Ref NoDefault>", 1));
    let (s, m) = text(&eval("!Join ['', [!Ref NoDefault, -x]]"));
    assert_eq!((s.as_str(), m.len()), ("<unresolved:Ref NoDefault>-x", 1));
}

#[test]
fn malformed_functions_are_placed_errors() {
    for (expr, want) in [
        ("!Select [5, [a, b]]", "index 5 is out of range"),
        (
            "!FindInMap [ByEnv, prod, Bucket]",
            "`Mappings` has no `ByEnv.prod.Bucket`",
        ),
        ("!If [Nope, a, b]", "condition `Nope` is not defined"),
        (
            "!If [IsDev, a]",
            "takes a list of a condition name and two values",
        ),
        ("!Join [a]", "takes a list of a delimiter and a list"),
        (
            "!Ref [a]",
            "takes the name of a parameter or resource, not a list",
        ),
        ("!GetAtt Role", "takes a resource and an attribute"),
        ("!Sub [a, b, c]", "takes a string, or a list"),
        ("!If [Loop, a, b]", "condition `Loop` depends on itself"),
    ] {
        let e = eval_with(expr, None, None).0.unwrap_err();
        assert!(e.message.contains(want), "{expr}: {e}");
        assert!(e.place.line.is_some(), "{expr}: {e}");
    }
}

#[test]
fn conditions_are_three_valued() {
    resolves! {
        "!If [IsDev, yes, no]" => "yes",
        "!If [IsProd, yes, no]" => "no",
        // false AND unknown is false; true OR unknown is true
        "!If [Either, yes, no]" => "yes",
    }
    for expr in ["!If [Unknown, yes, no]", "!If [Both, yes, no]"] {
        let v = eval(expr);
        let VKind::Choice(c) = &v.kind else {
            panic!("{expr}: {v:?}")
        };
        assert_eq!(
            (text(&c.yes).0.as_str(), text(&c.no).0.as_str()),
            ("yes", "no")
        );
        assert!(c.message.contains("is undecided"), "{}", c.message);
        assert!(
            c.message.contains("parameter `NoDefault` has no value"),
            "{}",
            c.message
        );
    }
    // `AWS::NoValue` removes a list item or a property
    let v = eval("[a, !If [IsDev, !Ref 'AWS::NoValue', b], c]");
    assert_eq!(strings(&v), ["a", "c"]);
    let v = eval("{A: !If [IsProd, x, !Ref 'AWS::NoValue'], B: y}");
    let VKind::Map(m) = &v.kind else { panic!() };
    assert_eq!(m.len(), 1);
}

#[test]
fn alternatives_of_undecided_choices() {
    let v = eval("{Effect: !If [Unknown, Allow, Deny], Action: [a, !If [Unknown, b, c]]}");
    let alts = expand(&v);
    assert_eq!(alts.len(), 2);
    for (alt, msgs) in &alts {
        // the list keeps both items; the object is taken each way
        assert_eq!(msgs.len(), 2, "{msgs:?}");
        let VKind::Map(m) = &alt.kind else { panic!() };
        assert_eq!(strings(&m[1].1), ["a", "b", "c"]);
    }
    let flat: Vec<String> = items(&eval("[a, !If [Unknown, [b, c], !Ref 'AWS::NoValue']]"))
        .iter()
        .map(|(v, m)| format!("{}:{}", text(v).0, m.len()))
        .collect();
    assert_eq!(flat, ["a:0", "b:1", "c:1"]);
    // never more than MAX_CHOICES alternatives
    let many = format!(
        "{{{}}}",
        (0..6)
            .map(|i| format!("K{i}: !If [Unknown, a, b]"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    assert_eq!(expand(&eval(&many)).len(), MAX_CHOICES);
}
