//! The resource-policy reader on the corpus samples (read in place) and on malformed
//! inputs (issue 8 item 3).

use super::*;
use crate::model::{PrincipalClause, Snapshot};

const CORPUS: &str = "../shared/corpus/formats";

fn read_as(path: &str, name: &str, opts: &LoadOptions) -> Result<Snapshot, IngestError> {
    let bytes = std::fs::read(path).unwrap();
    let mut snap = Snapshot::default();
    load(&Arc::from(name), &bytes, &mut snap, opts)?;
    Ok(snap)
}

fn corpus(file: &str, opts: &LoadOptions) -> Result<Snapshot, IngestError> {
    let path = format!("{CORPUS}/{file}");
    read_as(&path, &path, opts)
}

fn region() -> LoadOptions {
    LoadOptions {
        region: Some("us-east-1".into()),
        ..LoadOptions::default()
    }
}

#[test]
fn every_cli_sample_is_read_and_attributed() {
    let cases = [
        (
            "s3api.get-bucket-policy.amzn-s3-demo-bucket.json",
            "arn:aws:s3:::amzn-s3-demo-bucket",
            ResourceKind::S3Bucket,
        ),
        (
            "s3api.get-bucket-policy.example-shared-bucket.json",
            "arn:aws:s3:::example-shared-bucket",
            ResourceKind::S3Bucket,
        ),
        (
            "kms.get-key-policy.1234abcd-12ab-34cd-56ef-1234567890ab.default.json",
            "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            ResourceKind::KmsKey,
        ),
        (
            "lambda.get-policy.my-function.json",
            "arn:aws:lambda:us-east-1:123456789012:function:my-function",
            ResourceKind::LambdaFunction,
        ),
        (
            "lambda.get-policy.my-function.awsdocs-object-form.json",
            "arn:aws:lambda:us-west-2:123456789012:function:my-function",
            ResourceKind::LambdaFunction,
        ),
        (
            "sqs.get-queue-attributes.example-queue.Policy.json",
            "arn:aws:sqs:us-east-1:123456789012:example-queue",
            ResourceKind::SqsQueue,
        ),
        (
            "sns.get-topic-attributes.alerts.json",
            "arn:aws:sns:us-east-1:123456789012:alerts",
            ResourceKind::SnsTopic,
        ),
        (
            "secretsmanager.get-resource-policy.MyTestSecret.json",
            "arn:aws:secretsmanager:us-west-2:123456789012:secret:MyTestSecret-a1b2c3",
            ResourceKind::Secret,
        ),
        (
            "ecr.get-repository-policy.example-repo.json",
            "arn:aws:ecr:us-east-1:123456789012:repository/example-repo",
            ResourceKind::EcrRepository,
        ),
    ];
    let opts = LoadOptions {
        account: Some("123456789012".into()),
        ..region()
    };
    for (file, arn, kind) in cases {
        let snap = corpus(&format!("resource-policies/{file}"), &opts)
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(snap.resources.len(), 1, "{file}");
        let r = &snap.resources[0];
        assert_eq!((r.arn.as_str(), r.kind), (arn, kind), "{file}");
        let p = snap.policy(r.policy).unwrap();
        assert_eq!(p.kind, PolicyKind::Resource);
        assert!(!p.document.statements.is_empty(), "{file}");
        assert_eq!(&*p.document.statements[0].origin.policy, arn, "{file}");
    }
}

#[test]
fn a_resource_without_policy_adds_nothing() {
    for file in [
        "resource-policies/sqs.get-queue-attributes.MyQueue.All.json",
        "resource-policies/secretsmanager.get-resource-policy.NoPolicySecret.json",
    ] {
        assert!(
            corpus(file, &region()).unwrap().resources.is_empty(),
            "{file}"
        );
    }
}

#[test]
fn unique_id_principals_are_kept_as_written() {
    let snap = corpus(
        "resource-policies/s3api.get-bucket-policy.example-shared-bucket.json",
        &LoadOptions {
            account: Some("123456789012".into()),
            ..region()
        },
    )
    .unwrap();
    let p = snap.policy(snap.resources[0].policy).unwrap();
    let ids: Vec<&str> = p
        .document
        .statements
        .iter()
        .filter_map(|s| match &s.principal {
            Some(PrincipalClause::Principal(v)) => Some(v),
            _ => None,
        })
        .flatten()
        .map(|(_, v)| v.as_str())
        .filter(|v| v.starts_with("AROA") || v.starts_with("AIDA"))
        .collect();
    assert!(!ids.is_empty());
}

#[test]
fn config_items_of_every_spelling_are_read() {
    let cases = [
        ("configitem.rdk-example_ci.AWS_S3_Bucket.json", 1),
        ("configitem.rdk-example_ci.AWS_KMS_Key.json", 1),
        ("configitem.rdk-example_ci.AWS_IAM_Role.json", 0),
        (
            "configservice.get-resource-config-history.AWS_S3_Bucket.example-shared-bucket.json",
            1,
        ),
        (
            "configservice.select-resource-config.AWS_S3_Bucket.BucketPolicy.json",
            1,
        ),
        (
            "config-snapshot.123456789012_Config_us-east-1_ConfigSnapshot_20240203T000012Z.json",
            1,
        ),
    ];
    for (file, n) in cases {
        let snap = corpus(&format!("aws-config/{file}"), &LoadOptions::default())
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(snap.resources.len(), n, "{file}");
        for r in &snap.resources {
            assert!(r.account.is_some(), "{file}");
        }
    }
}

#[test]
fn a_key_policy_without_region_or_account_is_an_error_naming_what_is_missing() {
    let e = corpus(
        "resource-policies/kms.get-key-policy.1234abcd-12ab-34cd-56ef-1234567890ab.default.json",
        &LoadOptions::default(),
    )
    .unwrap_err();
    assert!(e.message.contains("needs a region"), "{e}");
    assert_eq!(e.place.pointer.as_deref(), Some("/Policy"), "{e}");
    assert!(e.place.line.is_some(), "{e}");
}

#[test]
fn malformed_documents_are_placed() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &str, &str); 4] = [
        (
            "s3api.get-bucket-policy.b.json",
            r#"{"Policy": "{\"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"s3:GetObject\", \"Resource\": \"*\"}]}"}"#,
            "/Policy",
        ),
        (
            "secretsmanager.get-resource-policy.s.json",
            r#"{"ARN": "arn:aws:secretsmanager:us-east-1:111122223333:secret:s", "Name": "s", "ResourcePolicy": "{\"Statement\": [{\"Effect\": \"Maybe\"}]}"}"#,
            "/ResourcePolicy",
        ),
        (
            "map.json",
            r#"{"arn:aws:sqs:us-east-1:111122223333:q": {"Statement": [{"Effect": "Allow", "Principal": "*"}]}}"#,
            "/arn:aws:sqs:us-east-1:111122223333:q/Statement/0",
        ),
        (
            "config.json",
            r#"{"configurationItems": [{"resourceType": "AWS::S3::Bucket", "arn": "arn:aws:s3:::b", "accountId": "111122223333", "supplementaryConfiguration": {"BucketPolicy": {"policyText": "{\"Statement\": 3}"}}}]}"#,
            "/configurationItems/0/supplementaryConfiguration/BucketPolicy/policyText",
        ),
    ];
    for (name, text, pointer) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let e = read_as(path.to_str().unwrap(), name, &LoadOptions::default()).unwrap_err();
        assert_eq!(e.place.pointer.as_deref(), Some(pointer), "{name}: {e}");
        assert!(e.place.line.is_some(), "{name}: {e}");
    }
}
