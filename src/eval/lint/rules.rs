//! The lint rules: one enum is the source of truth for each rule's code, name, default
//! severity and documentation (summary and fix), read by every report format.

use serde::Serialize;
use std::fmt;

/// How bad a finding is; the order is the gate's (`--fail-on`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Rule {
    /// A literally named action none of whose resource types the statement's resources
    /// can match.
    ActionResourceMismatch,
    /// A resource pattern that matches no resource type of any action of its statement.
    DeadResource,
    /// An action the catalog does not know.
    UnknownAction,
    /// An allow statement every request of which a deny of the same policy denies.
    ShadowedByDeny,
    /// An allow statement another allow of the same policy already grants.
    RedundantStatement,
    /// A permissions boundary or SCP level that allows nothing the identity policies grant.
    LimitAllowsNothing,
    /// A condition on a service key that none of the statement's actions has.
    InapplicableConditionKey,
    /// A trust policy admitting a whole account (or everyone) with no condition.
    AccountWideTrust,
    /// A resource or trust policy naming a principal the inputs do not have.
    DanglingPrincipal,
    /// An identity policy naming an IAM user, role or group the inputs do not have.
    DanglingResource,
}

impl Rule {
    pub const ALL: [Rule; 10] = [
        Rule::ActionResourceMismatch,
        Rule::DeadResource,
        Rule::UnknownAction,
        Rule::ShadowedByDeny,
        Rule::RedundantStatement,
        Rule::LimitAllowsNothing,
        Rule::InapplicableConditionKey,
        Rule::AccountWideTrust,
        Rule::DanglingPrincipal,
        Rule::DanglingResource,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Rule::ActionResourceMismatch => "L001",
            Rule::DeadResource => "L002",
            Rule::UnknownAction => "L003",
            Rule::ShadowedByDeny => "L004",
            Rule::RedundantStatement => "L005",
            Rule::LimitAllowsNothing => "L006",
            Rule::InapplicableConditionKey => "L007",
            Rule::AccountWideTrust => "L008",
            Rule::DanglingPrincipal => "L009",
            Rule::DanglingResource => "L010",
        }
    }

    /// kebab-case name, also the anchor of its section in docs/lint.md.
    pub fn name(self) -> &'static str {
        match self {
            Rule::ActionResourceMismatch => "action-resource-mismatch",
            Rule::DeadResource => "dead-resource",
            Rule::UnknownAction => "unknown-action",
            Rule::ShadowedByDeny => "shadowed-by-deny",
            Rule::RedundantStatement => "redundant-statement",
            Rule::LimitAllowsNothing => "limit-allows-nothing",
            Rule::InapplicableConditionKey => "inapplicable-condition-key",
            Rule::AccountWideTrust => "account-wide-trust",
            Rule::DanglingPrincipal => "dangling-principal",
            Rule::DanglingResource => "dangling-resource",
        }
    }

    /// The severity a finding of this rule has unless the finding says otherwise
    /// (`"Principal": "*"` makes L008 an error).
    pub fn severity(self) -> Severity {
        match self {
            Rule::ActionResourceMismatch | Rule::LimitAllowsNothing => Severity::Error,
            Rule::DeadResource
            | Rule::UnknownAction
            | Rule::ShadowedByDeny
            | Rule::InapplicableConditionKey
            | Rule::AccountWideTrust
            | Rule::DanglingPrincipal
            | Rule::DanglingResource => Severity::Warning,
            Rule::RedundantStatement => Severity::Note,
        }
    }

    /// One line: what the rule finds.
    pub fn summary(self) -> &'static str {
        match self {
            Rule::ActionResourceMismatch => {
                "an action is granted or denied only on resources of a type it does not take"
            }
            Rule::DeadResource => {
                "a resource pattern matches no resource type of any action of its statement"
            }
            Rule::UnknownAction => {
                "an action the AWS catalog does not know (a typo or a retired action)"
            }
            Rule::ShadowedByDeny => {
                "an allow statement is entirely denied by a deny of the same policy"
            }
            Rule::RedundantStatement => {
                "an allow statement is entirely granted by another statement of the same policy"
            }
            Rule::LimitAllowsNothing => {
                "a permissions boundary or SCP level allows none of the actions the identity policies grant"
            }
            Rule::InapplicableConditionKey => {
                "a condition tests a service key that none of the statement's actions has"
            }
            Rule::AccountWideTrust => {
                "a trust policy lets a whole account (or everyone) assume the role, with no condition"
            }
            Rule::DanglingPrincipal => {
                "a resource or trust policy names a principal the inputs do not have"
            }
            Rule::DanglingResource => {
                "an identity policy names an IAM user, role or group the inputs do not have"
            }
        }
    }

    /// What to do about it.
    pub fn fix(self) -> &'static str {
        match self {
            Rule::ActionResourceMismatch => {
                "add a resource of a type the action takes (`iamdiff catalog action` lists them), or move the action to a statement with such resources"
            }
            Rule::DeadResource => {
                "write the ARN in the format of a resource type the actions take (a bucket is `arn:aws:s3:::bucket`, its objects `arn:aws:s3:::bucket/*`), or remove it"
            }
            Rule::UnknownAction => {
                "correct the action's spelling (the closest known action is suggested) or remove it"
            }
            Rule::ShadowedByDeny => {
                "remove the allow, or narrow the deny if the allow is meant to work"
            }
            Rule::RedundantStatement => {
                "remove the redundant statement, or give it the narrower scope it was meant to have"
            }
            Rule::LimitAllowsNothing => {
                "allow in the boundary or SCP the actions the role or user needs, or detach it if the principal is meant to do nothing"
            }
            Rule::InapplicableConditionKey => {
                "use a condition key of the action (`iamdiff catalog action` lists them); on an absent key the condition is false, or true with `IfExists`"
            }
            Rule::AccountWideTrust => {
                "name the roles or users that may assume it, or add a condition (`aws:PrincipalArn`, `sts:ExternalId`, `aws:PrincipalOrgID`)"
            }
            Rule::DanglingPrincipal => {
                "remove the reference, or point it at the principal that replaced the deleted one"
            }
            Rule::DanglingResource => {
                "remove the resource, or name the user, role or group that exists"
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Rule;

    #[test]
    fn codes_and_names_are_unique_and_documented() {
        let doc = include_str!("../../../docs/lint.md");
        let mut codes: Vec<&str> = Rule::ALL.iter().map(|r| r.code()).collect();
        let mut names: Vec<&str> = Rule::ALL.iter().map(|r| r.name()).collect();
        for r in Rule::ALL {
            assert!(
                doc.contains(&format!("## {} `{}`", r.code(), r.name())),
                "docs/lint.md has no section for {}",
                r.code()
            );
        }
        codes.sort_unstable();
        codes.dedup();
        names.sort_unstable();
        names.dedup();
        assert_eq!(
            (codes.len(), names.len()),
            (Rule::ALL.len(), Rule::ALL.len())
        );
    }
}
