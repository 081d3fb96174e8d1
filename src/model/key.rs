//! Keys of identities: a principal is who it is by account, kind and name, so the same
//! role name in two accounts (Identity Center's `AWSReservedSSO_*` roles, say) is two
//! principals. Ingest builds keys, the diff matches them across sides, reports print them.

use serde::Serialize;
use std::fmt;

use super::{Principal, PrincipalKind};

/// A principal's identity within a side: account (unknown for inputs that do not name
/// one: provisioner configs, templates without `--account`, hand-made fixtures), kind and
/// name. Displayed as the `--map` rules write it: `111122223333:role/name`, or
/// `role/name` when the account is unknown.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct PrincipalKey {
    pub account: Option<String>,
    pub kind: PrincipalKind,
    pub name: String,
}

impl PrincipalKey {
    pub fn new(account: Option<String>, kind: PrincipalKind, name: impl Into<String>) -> Self {
        PrincipalKey {
            account,
            kind,
            name: name.into(),
        }
    }

    /// The name a report shows: the bare name when the run holds one account, else
    /// `ACCOUNT/name` (`?/name` for an unknown account among several).
    pub fn display_name(&self, several_accounts: bool) -> String {
        if several_accounts {
            format!("{}/{}", self.account.as_deref().unwrap_or("?"), self.name)
        } else {
            self.name.clone()
        }
    }
}

impl fmt::Display for PrincipalKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(a) = &self.account {
            write!(f, "{a}:")?;
        }
        write!(f, "{}/{}", self.kind.as_str(), self.name)
    }
}

impl Principal {
    /// This principal's key, with the account it names (if any).
    pub fn key(&self) -> PrincipalKey {
        PrincipalKey::new(self.account.clone(), self.kind, self.name.clone())
    }
}

impl super::Group {
    /// The account of this group, from its ARN (unknown for a group without one).
    pub fn account(&self) -> Option<&str> {
        self.arn.as_deref().and_then(arn_account)
    }
}

/// The account a policy's `AWS` principal names as a whole: a bare account id
/// (`123456789012`) or its root (`arn:aws:iam::123456789012:root`).
pub fn principal_account(value: &str) -> Option<&str> {
    if value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit()) {
        return Some(value);
    }
    value
        .strip_prefix("arn:aws:iam::")
        .and_then(|r| r.strip_suffix(":root"))
}

/// The account of an ARN (`arn:aws:iam::123456789012:user/x` → `123456789012`); `None`
/// for AWS managed policies (`arn:aws:iam::aws:policy/…`), which are global.
pub fn arn_account(arn: &str) -> Option<&str> {
    arn.split(':')
        .nth(4)
        .filter(|a| !a.is_empty() && *a != "aws")
}

/// An ARN's six colon-separated fields (`arn`, partition, service, region, account, the
/// rest, which may hold colons itself); `None` when it has fewer.
pub fn arn_fields(arn: &str) -> Option<[&str; 6]> {
    let mut parts = arn.splitn(6, ':');
    Some([
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arn_fields_keeps_the_colons_of_the_rest() {
        assert_eq!(
            arn_fields("arn:aws:sqs:us-east-1:111122223333:q:x"),
            Some(["arn", "aws", "sqs", "us-east-1", "111122223333", "q:x"])
        );
        assert_eq!(
            arn_fields("arn:aws:s3:::b"),
            Some(["arn", "aws", "s3", "", "", "b"])
        );
        assert_eq!(arn_fields("arn:aws:s3::"), None);
    }

    #[test]
    fn keys_display_as_map_rules_write_them() {
        let k = PrincipalKey::new(Some("111122223333".into()), PrincipalKind::Role, "app");
        assert_eq!(k.to_string(), "111122223333:role/app");
        assert_eq!(k.display_name(false), "app");
        assert_eq!(k.display_name(true), "111122223333/app");
        let u = PrincipalKey::new(None, PrincipalKind::User, "alice");
        assert_eq!(u.to_string(), "user/alice");
        assert_eq!(u.display_name(true), "?/alice");
    }

    #[test]
    fn accounts_of_arns() {
        assert_eq!(
            arn_account("arn:aws:iam::111122223333:policy/p"),
            Some("111122223333")
        );
        assert_eq!(arn_account("arn:aws:iam::aws:policy/ReadOnlyAccess"), None);
        assert_eq!(arn_account("not-an-arn"), None);
    }
}
