//! What `Ref` and `Fn::GetAtt` return for the resource types that policies name, written
//! from the AWS CloudFormation resource reference ("Return values" of each type). The
//! trap this table exists for: `Ref` of an IAM role, user or group is its *name*, while
//! `Ref` of a managed policy is its *ARN*; `Ref` of a queue is its URL, of a topic its
//! ARN. A type or attribute not listed here is unresolved (a placeholder and a message),
//! never guessed.
//!
//! Values are patterns: `{partition}`, `{region}`, `{account}`, `{urlsuffix}`, `{name}`
//! (the physical name: the naming property, else generated at deploy) and `{path}` (the
//! IAM path, `/` by default).

/// How one resource type answers `Ref` and `Fn::GetAtt`.
#[derive(Debug)]
pub(crate) struct TypeInfo {
    pub ty: &'static str,
    /// What it is, for messages.
    pub what: &'static str,
    /// The property holding the physical name; without it CloudFormation generates one.
    pub name_prop: Option<&'static str>,
    /// What `Ref` returns; `None` when it is an id only known after deploy.
    pub reference: Option<&'static str>,
    /// `Fn::GetAtt` attributes that can be known before deploy.
    pub attrs: &'static [(&'static str, &'static str)],
}

const fn t(
    ty: &'static str,
    what: &'static str,
    name_prop: Option<&'static str>,
    reference: Option<&'static str>,
    attrs: &'static [(&'static str, &'static str)],
) -> TypeInfo {
    TypeInfo {
        ty,
        what,
        name_prop,
        reference,
        attrs,
    }
}

const NAME: Option<&str> = Some("{name}");

static TYPES: &[TypeInfo] = &[
    // IAM
    t(
        "AWS::IAM::Role",
        "role",
        Some("RoleName"),
        NAME,
        &[("Arn", "arn:{partition}:iam::{account}:role{path}{name}")],
    ),
    t(
        "AWS::IAM::User",
        "user",
        Some("UserName"),
        NAME,
        &[("Arn", "arn:{partition}:iam::{account}:user{path}{name}")],
    ),
    t(
        "AWS::IAM::Group",
        "group",
        Some("GroupName"),
        NAME,
        &[("Arn", "arn:{partition}:iam::{account}:group{path}{name}")],
    ),
    t(
        "AWS::IAM::ManagedPolicy",
        "managed policy",
        Some("ManagedPolicyName"),
        Some("arn:{partition}:iam::{account}:policy{path}{name}"),
        &[(
            "PolicyArn",
            "arn:{partition}:iam::{account}:policy{path}{name}",
        )],
    ),
    t(
        "AWS::IAM::InstanceProfile",
        "instance profile",
        Some("InstanceProfileName"),
        NAME,
        &[(
            "Arn",
            "arn:{partition}:iam::{account}:instance-profile{path}{name}",
        )],
    ),
    t(
        "AWS::IAM::SAMLProvider",
        "SAML provider",
        Some("Name"),
        Some("arn:{partition}:iam::{account}:saml-provider/{name}"),
        &[("Arn", "arn:{partition}:iam::{account}:saml-provider/{name}")],
    ),
    // storage and data
    t(
        "AWS::S3::Bucket",
        "bucket",
        Some("BucketName"),
        NAME,
        &[
            ("Arn", "arn:{partition}:s3:::{name}"),
            ("DomainName", "{name}.s3.{urlsuffix}"),
            ("RegionalDomainName", "{name}.s3.{region}.{urlsuffix}"),
        ],
    ),
    t(
        "AWS::DynamoDB::Table",
        "table",
        Some("TableName"),
        NAME,
        &[(
            "Arn",
            "arn:{partition}:dynamodb:{region}:{account}:table/{name}",
        )],
    ),
    t(
        "AWS::Kinesis::Stream",
        "stream",
        Some("Name"),
        NAME,
        &[(
            "Arn",
            "arn:{partition}:kinesis:{region}:{account}:stream/{name}",
        )],
    ),
    t(
        "AWS::ECR::Repository",
        "repository",
        Some("RepositoryName"),
        NAME,
        &[(
            "Arn",
            "arn:{partition}:ecr:{region}:{account}:repository/{name}",
        )],
    ),
    t(
        "AWS::Logs::LogGroup",
        "log group",
        Some("LogGroupName"),
        NAME,
        // the ARN CloudFormation returns ends with `:*`
        &[(
            "Arn",
            "arn:{partition}:logs:{region}:{account}:log-group:{name}:*",
        )],
    ),
    t("AWS::SSM::Parameter", "parameter", Some("Name"), NAME, &[]),
    // messaging and compute
    t(
        "AWS::SQS::Queue",
        "queue",
        Some("QueueName"),
        Some("https://sqs.{region}.{urlsuffix}/{account}/{name}"),
        &[
            ("Arn", "arn:{partition}:sqs:{region}:{account}:{name}"),
            ("QueueName", "{name}"),
            (
                "QueueUrl",
                "https://sqs.{region}.{urlsuffix}/{account}/{name}",
            ),
        ],
    ),
    t(
        "AWS::SNS::Topic",
        "topic",
        Some("TopicName"),
        Some("arn:{partition}:sns:{region}:{account}:{name}"),
        &[
            ("TopicArn", "arn:{partition}:sns:{region}:{account}:{name}"),
            ("TopicName", "{name}"),
        ],
    ),
    t(
        "AWS::Lambda::Function",
        "function",
        Some("FunctionName"),
        NAME,
        &[(
            "Arn",
            "arn:{partition}:lambda:{region}:{account}:function:{name}",
        )],
    ),
    t(
        "AWS::StepFunctions::StateMachine",
        "state machine",
        Some("StateMachineName"),
        Some("arn:{partition}:states:{region}:{account}:stateMachine:{name}"),
        &[
            (
                "Arn",
                "arn:{partition}:states:{region}:{account}:stateMachine:{name}",
            ),
            ("Name", "{name}"),
        ],
    ),
    t(
        "AWS::Events::EventBus",
        "event bus",
        Some("Name"),
        NAME,
        &[(
            "Arn",
            "arn:{partition}:events:{region}:{account}:event-bus/{name}",
        )],
    ),
    t(
        "AWS::ECS::Cluster",
        "cluster",
        Some("ClusterName"),
        NAME,
        &[(
            "Arn",
            "arn:{partition}:ecs:{region}:{account}:cluster/{name}",
        )],
    ),
    t(
        "AWS::CodeBuild::Project",
        "project",
        Some("Name"),
        NAME,
        &[(
            "Arn",
            "arn:{partition}:codebuild:{region}:{account}:project/{name}",
        )],
    ),
    t("AWS::KMS::Alias", "alias", Some("AliasName"), NAME, &[]),
    // the id is generated at deploy: known types, nothing knowable before
    t("AWS::KMS::Key", "key", None, None, &[]),
    t("AWS::SecretsManager::Secret", "secret", None, None, &[]),
];

/// The entry of a resource type, if the table has it.
pub(crate) fn type_info(ty: &str) -> Option<&'static TypeInfo> {
    TYPES.iter().find(|t| t.ty == ty)
}

impl TypeInfo {
    pub fn attr(&self, name: &str) -> Option<&'static str> {
        self.attrs.iter().find(|(a, _)| *a == name).map(|(_, v)| *v)
    }
}

/// IAM resource types that create or change identities or their policies.
pub(crate) fn is_iam(ty: &str) -> bool {
    matches!(
        ty,
        "AWS::IAM::Role"
            | "AWS::IAM::User"
            | "AWS::IAM::Group"
            | "AWS::IAM::Policy"
            | "AWS::IAM::ManagedPolicy"
            | "AWS::IAM::RolePolicy"
            | "AWS::IAM::UserPolicy"
            | "AWS::IAM::GroupPolicy"
            | "AWS::IAM::UserToGroupAddition"
            | "AWS::IAM::InstanceProfile"
    )
}

/// Properties that hold a resource-based policy (or another grant outside IAM
/// identities) on resources that are not IAM identities.
const RESOURCE_POLICY_PROPS: &[&str] = &[
    "PolicyDocument",
    "KeyPolicy",
    "Policy",
    "ResourcePolicy",
    "AccessPolicy",
    "PermissionsPolicyDocument",
    "RepositoryPolicyText",
    "InlinePolicy",
    "ManagedPolicies",
];

/// Why a resource that grants access is not read, if it is one: resource-based policies,
/// permission sets, service-linked roles, nested stacks and transforms' resources.
pub(crate) fn not_read(ty: &str, props: &[(String, super::Node)]) -> Option<&'static str> {
    if is_iam(ty) {
        return None;
    }
    match ty {
        "AWS::IAM::ServiceLinkedRole" => Some("a service-linked role, whose policy AWS defines"),
        "AWS::CloudFormation::Stack" => Some("a nested stack"),
        "AWS::Lambda::Permission" => Some("a resource-based permission"),
        t if t.starts_with("AWS::Serverless::") => {
            Some("a SAM resource, whose IAM roles the transform creates")
        }
        // read by `sso` (issue 9)
        "AWS::SSO::PermissionSet" | "AWS::SSO::Assignment" => None,
        t if t.starts_with("AWS::SSO::") => Some("IAM Identity Center, not IAM identities"),
        _ => props
            .iter()
            .any(|(k, _)| RESOURCE_POLICY_PROPS.contains(&k.as_str()))
            .then_some("a resource-based policy"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ref_of_identities_is_the_name_of_managed_policies_the_arn() {
        assert_eq!(
            type_info("AWS::IAM::Role").unwrap().reference,
            Some("{name}")
        );
        assert!(
            type_info("AWS::IAM::ManagedPolicy")
                .unwrap()
                .reference
                .unwrap()
                .starts_with("arn:")
        );
        assert_eq!(
            type_info("AWS::SQS::Queue").unwrap().attr("Arn"),
            Some("arn:{partition}:sqs:{region}:{account}:{name}")
        );
        assert!(type_info("AWS::EC2::VPC").is_none());
        let names: std::collections::BTreeSet<&str> = TYPES.iter().map(|t| t.ty).collect();
        assert_eq!(names.len(), TYPES.len(), "a type is listed twice");
    }
}
