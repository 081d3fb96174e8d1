//! Resources that carry their own policy (a bucket, a key, a queue, a secret, ...): the
//! resource's ARN and account, what kind of resource it is (which decides how AWS
//! combines its policy with identity policies), and where the policy was read.

use serde::Serialize;

use super::{Place, PolicyId};

/// What kind of resource a policy is attached to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResourceKind {
    S3Bucket,
    KmsKey,
    SqsQueue,
    SnsTopic,
    LambdaFunction,
    Secret,
    EcrRepository,
    /// Any other resource, from the plain ARN → policy map or a Config item.
    Other,
}

impl ResourceKind {
    pub fn label(self) -> &'static str {
        match self {
            ResourceKind::S3Bucket => "bucket",
            ResourceKind::KmsKey => "KMS key",
            ResourceKind::SqsQueue => "queue",
            ResourceKind::SnsTopic => "topic",
            ResourceKind::LambdaFunction => "function",
            ResourceKind::Secret => "secret",
            ResourceKind::EcrRepository => "repository",
            ResourceKind::Other => "resource",
        }
    }

    /// The policy must allow by itself: an identity allow alone never reaches the
    /// resource, even within its account (KMS key policies; the key policy may delegate
    /// to the account's IAM policies by naming the account).
    pub fn policy_required(self) -> bool {
        self == ResourceKind::KmsKey
    }
}

/// A resource with a resource-based policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Resource {
    /// The resource's ARN (`arn:aws:s3:::bucket`, `arn:aws:kms:…:key/…`).
    pub arn: String,
    /// The owning account; `None` when neither the ARN nor the input says it (S3 ARNs
    /// have no account: the reader takes it from the export or the side's one account).
    pub account: Option<String>,
    pub kind: ResourceKind,
    pub policy: PolicyId,
    /// Where the policy was read.
    pub place: Place,
}

impl Resource {
    /// The ARN patterns a request on this resource names: the ARN itself, and for a
    /// bucket its objects (`arn:aws:s3:::bucket/*`).
    pub fn patterns(&self) -> Vec<String> {
        match self.kind {
            ResourceKind::S3Bucket => vec![self.arn.clone(), format!("{}/*", self.arn)],
            _ => vec![self.arn.clone()],
        }
    }
}
