//! People (issue 9): who a person is across the inputs of a side, and the names they
//! go by, so the diff can match them across sides and speak per person.

use serde::Serialize;
use std::sync::Arc;

use super::Place;

/// How a person signs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PersonSource {
    /// An IAM user of an account dump.
    IamUser,
    /// An IAM Identity Center (identity store) user.
    IdentityCenter,
    /// A federated identity named by a SAML/OIDC trust or a map rule.
    Federated,
}

/// One person of a side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Person {
    /// The display key: identity-store user name, else e-mail, else IAM user name.
    pub key: String,
    pub source: PersonSource,
    /// Every name the person goes by (IAM user names with their account as
    /// `ACCOUNT/name` when known, identity-store UserName, e-mails), lowercased.
    pub names: Vec<String>,
    /// Identity-store user id (`UserId`), when known.
    pub store_id: Option<String>,
    /// Identity-store groups the person belongs to (group display names).
    pub groups: Vec<String>,
    pub place: Place,
}

/// What an identity-store user or group is assigned: a permission set in an account,
/// which AWS provisions as the role `AWSReservedSSO_<permission set>_<suffix>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assignment {
    pub account: String,
    pub permission_set: String,
    /// `USER` or `GROUP` principal of the assignment, by display name.
    pub principal_kind: AssignmentPrincipal,
    pub principal: String,
    /// The role this yields in `account` (a principal of the side, kind role), by name.
    pub role: String,
    pub place: Place,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum AssignmentPrincipal {
    User,
    Group,
}

/// The people part of a side: filled by readers, read by eval.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct People {
    pub people: Vec<Person>,
    pub assignments: Vec<Assignment>,
    /// Identity-store group → member user names.
    pub store_groups: Vec<(String, Vec<String>)>,
}

pub type PersonRef = Arc<str>;
