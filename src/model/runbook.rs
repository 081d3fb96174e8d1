//! A cutover runbook (issue 11 item 1): the ordered steps an operator will run against the
//! before side (deploy a target source, delete a stack, change memberships, attachments,
//! inline policies, policy versions, permission-set assignments), each with its place, and
//! the lines the reader could not follow. Ingest resolves everything a step needs (policy
//! documents, deployed sources) so the replay in `diff::cutover` reads no file.

use serde::Serialize;
use std::sync::Arc;

use super::{AssignmentPrincipal, Place, Policy, PolicyDocument, Snapshot};

/// What a step creates, deletes or changes a policy of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EntityKind {
    User,
    Group,
    Role,
    Policy,
}

impl EntityKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::User => "user",
            EntityKind::Group => "group",
            EntityKind::Role => "role",
            EntityKind::Policy => "policy",
        }
    }
}

/// A source deployed by a step or declared as what an existing stack holds: its path as
/// written and the snapshot read from it.
#[derive(Debug, Clone, Serialize)]
pub struct Deployed {
    pub source: String,
    #[serde(skip)]
    pub snapshot: Arc<Snapshot>,
}

/// One operation of a runbook, with everything resolved.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "op", rename_all = "kebab-case")]
pub enum StepAction {
    Deploy {
        #[serde(flatten)]
        deployed: Deployed,
        stack: Option<String>,
    },
    DeleteStack {
        stack: String,
    },
    AddUserToGroup {
        user: String,
        group: String,
    },
    RemoveUserFromGroup {
        user: String,
        group: String,
    },
    /// Attach a managed policy (by ARN) to a user, group or role. `catalog` is the AWS
    /// managed policy's document from the embedded catalog, when the ARN names one.
    AttachPolicy {
        holder: EntityKind,
        name: String,
        policy: String,
        #[serde(skip)]
        catalog: Option<Box<Policy>>,
    },
    DetachPolicy {
        holder: EntityKind,
        name: String,
        policy: String,
    },
    PutInlinePolicy {
        holder: EntityKind,
        name: String,
        policy_name: String,
        #[serde(skip)]
        document: PolicyDocument,
    },
    DeleteInlinePolicy {
        holder: EntityKind,
        name: String,
        policy_name: String,
    },
    /// Create a user, group, role (with its trust policy) or managed policy (with its document).
    Create {
        kind: EntityKind,
        name: String,
        #[serde(skip)]
        document: Option<PolicyDocument>,
    },
    /// Delete a user, group, role, or managed policy (by ARN or name).
    Delete {
        kind: EntityKind,
        name: String,
    },
    CreatePolicyVersion {
        policy: String,
        set_default: bool,
        #[serde(skip)]
        document: PolicyDocument,
    },
    SetDefaultPolicyVersion {
        policy: String,
        version: String,
    },
    /// An Identity Center account assignment created (`assign`) or deleted.
    Assignment {
        assign: bool,
        account: String,
        permission_set: String,
        principal_kind: AssignmentPrincipal,
        principal: String,
    },
}

impl StepAction {
    /// The operation's name as reports show it (`add-user-to-group`, ...).
    pub fn op(&self) -> &'static str {
        match self {
            StepAction::Deploy { .. } => "deploy",
            StepAction::DeleteStack { .. } => "delete-stack",
            StepAction::AddUserToGroup { .. } => "add-user-to-group",
            StepAction::RemoveUserFromGroup { .. } => "remove-user-from-group",
            StepAction::AttachPolicy { .. } => "attach-policy",
            StepAction::DetachPolicy { .. } => "detach-policy",
            StepAction::PutInlinePolicy { .. } => "put-policy",
            StepAction::DeleteInlinePolicy { .. } => "delete-inline-policy",
            StepAction::Create { .. } => "create",
            StepAction::Delete { .. } => "delete",
            StepAction::CreatePolicyVersion { .. } => "create-policy-version",
            StepAction::SetDefaultPolicyVersion { .. } => "set-default-policy-version",
            StepAction::Assignment { assign: true, .. } => "create-account-assignment",
            StepAction::Assignment { .. } => "delete-account-assignment",
        }
    }

    /// Whether the step only takes access away (removes, detaches, deletes, unassigns):
    /// the reordering puts such steps after the others.
    pub fn subtractive(&self) -> bool {
        matches!(
            self,
            StepAction::DeleteStack { .. }
                | StepAction::RemoveUserFromGroup { .. }
                | StepAction::DetachPolicy { .. }
                | StepAction::DeleteInlinePolicy { .. }
                | StepAction::Delete { .. }
                | StepAction::Assignment { assign: false, .. }
        )
    }

    /// Whether the step replaces a document in place (a policy version, an inline policy
    /// put over an existing one): it may widen or narrow, so the reordering treats it as
    /// subtractive when the replay saw it take access away.
    pub fn edits_in_place(&self) -> bool {
        matches!(
            self,
            StepAction::CreatePolicyVersion { .. }
                | StepAction::SetDefaultPolicyVersion { .. }
                | StepAction::PutInlinePolicy { .. }
        )
    }
}

/// One step: its 1-based number in the runbook, its place, the text as written (the
/// command line, or the YAML step as JSON) and what it does.
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub number: usize,
    pub place: Place,
    pub text: String,
    pub action: StepAction,
}

/// A line the reader could not follow (a loop, a conditional, a variable it cannot
/// resolve, a command it does not know): reported, never guessed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unfollowed {
    pub place: Place,
    pub text: String,
    pub reason: String,
}

/// A stack the runbook says exists before it runs, with the source describing it.
#[derive(Debug, Clone, Serialize)]
pub struct DeclaredStack {
    pub name: String,
    pub place: Place,
    #[serde(flatten)]
    pub deployed: Deployed,
}

/// A whole runbook.
#[derive(Debug, Clone, Serialize)]
pub struct Runbook {
    pub file: Arc<str>,
    /// `yaml` or `shell`.
    pub form: &'static str,
    pub steps: Vec<Step>,
    pub unfollowed: Vec<Unfollowed>,
    pub stacks: Vec<DeclaredStack>,
}
