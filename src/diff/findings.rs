//! Findings: what changed for one principal, as plain sortable data. Each has a stable
//! kebab-case code (documented in the README's findings table), a category the gate
//! filters on, and a severity taken from the catalog's access level.

use serde::{Deserialize, Serialize};
use std::fmt;

use crate::catalog::AccessLevel;

/// The stable code of a finding. One enum is the source of truth; `ALL` lists them for
/// the documentation test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Code {
    /// Allowed before, not allowed after.
    Lost,
    /// Allowed on fewer resources after (a witness resource was allowed before and is not after).
    Narrowed,
    /// Was unconditional, is now conditional, or its conditions changed.
    Conditional,
    /// Not allowed before, allowed after.
    Gained,
    /// Allowed on more resources after.
    Widened,
    /// The principal exists before and not after: all its access is lost.
    RemovedPrincipal,
    /// The principal exists only after: all its access is new.
    NewPrincipal,
    /// Something could not be decided (unknown policy, unresolved reference, too complex).
    NeedsReview,
    /// A waiver has expired: it no longer silences findings.
    ExpiredWaiver,
    /// A waiver matched no finding.
    UnusedWaiver,
    /// A port (`--map` with a `port:` section): a source permission, identity or resource
    /// the mapping cannot express in the target's vocabulary.
    Unmapped,
    /// A port: the target grants more than the source had (a target role broader than the
    /// source permissions mapped to it, or a target permission nothing mapped to).
    PortWidened,
}

impl Code {
    pub const ALL: [Code; 12] = [
        Code::Lost,
        Code::Narrowed,
        Code::Conditional,
        Code::Gained,
        Code::Widened,
        Code::RemovedPrincipal,
        Code::NewPrincipal,
        Code::NeedsReview,
        Code::ExpiredWaiver,
        Code::UnusedWaiver,
        Code::Unmapped,
        Code::PortWidened,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Code::Lost => "lost",
            Code::Narrowed => "narrowed",
            Code::Conditional => "conditional",
            Code::Gained => "gained",
            Code::Widened => "widened",
            Code::RemovedPrincipal => "removed-principal",
            Code::NewPrincipal => "new-principal",
            Code::NeedsReview => "needs-review",
            Code::ExpiredWaiver => "expired-waiver",
            Code::UnusedWaiver => "unused-waiver",
            Code::Unmapped => "unmapped",
            Code::PortWidened => "port-widened",
        }
    }

    /// The `--fail-on` kind that selects this code.
    pub fn category(self) -> Category {
        match self {
            Code::Lost => Category::Lost,
            Code::Narrowed => Category::Narrowed,
            Code::Conditional => Category::Conditional,
            Code::Gained | Code::Widened | Code::NewPrincipal | Code::PortWidened => {
                Category::Gained
            }

            Code::RemovedPrincipal => Category::Removed,
            Code::NeedsReview | Code::ExpiredWaiver | Code::Unmapped => Category::Review,
            Code::UnusedWaiver => Category::Info,
        }
    }

    /// One-line description, for docs and SARIF rules.
    pub fn description(self) -> &'static str {
        match self {
            Code::Lost => "an action allowed before is not allowed after",
            Code::Narrowed => "an action is allowed on fewer resources after",
            Code::Conditional => {
                "an action that was unconditional now depends on conditions, or its conditions changed"
            }
            Code::Gained => "an action not allowed before is allowed after",
            Code::Widened => "an action is allowed on more resources after",
            Code::RemovedPrincipal => "a principal exists before and not after",
            Code::NewPrincipal => "a principal exists only after",
            Code::NeedsReview => "the change could not be decided offline and needs a person",
            Code::ExpiredWaiver => "a waiver has expired and no longer applies",
            Code::UnusedWaiver => "a waiver matched no finding",
            Code::Unmapped => "a source permission the port mapping cannot express in the target",
            Code::PortWidened => "the port target grants more than the source had",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What `--fail-on` selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    Lost,
    Narrowed,
    Conditional,
    Gained,
    Removed,
    Review,
    /// Never fails a gate.
    Info,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Lost => "lost",
            Category::Narrowed => "narrowed",
            Category::Conditional => "conditional",
            Category::Gained => "gained",
            Category::Removed => "removed",
            Category::Review => "review",
            Category::Info => "info",
        }
    }
}

/// Where a side's access came from: one statement, and how the principal holds it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Route {
    pub file: String,
    pub policy: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy_arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// `aws-managed`, `customer-managed`, `inline`, `scp`, `trust`.
    pub kind: String,
    /// Sid, or `#N` for the N-th statement (0-based).
    pub statement: String,
    /// `direct`, `group <name>`, `boundary`, `scp <level>`, `role <name>`.
    pub via: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
}

/// One side of a finding: how the actions were held there.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default)]
pub struct Side {
    /// `allowed`, `conditional`, `not-allowed` (or `absent` for a principal that does not exist).
    pub status: String,
    /// Resource scope as text: patterns, `*`, `all except …`, with limits and exceptions.
    pub resources: Vec<String>,
    /// Undecided conditions, as `key Operator value|value`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<String>,
    /// Statements that allow (and, when they matter, deny) on this side.
    pub routes: Vec<Route>,
}

/// A waiver that silences a finding in the gate.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct WaiverRef {
    /// 0-based index in the waivers file.
    pub index: usize,
    pub reason: String,
    pub approved_by: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
}

/// One change for one principal: a group of actions of one service that changed the
/// same way for the same reasons.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Finding {
    pub code: Code,
    pub category: Category,
    /// Highest access level among the actions.
    pub severity: AccessLevel,
    /// `user`, `role` (or a GCP member kind later).
    pub principal_kind: String,
    /// The principal's name on the after side (before side for removed principals).
    pub principal: String,
    /// Service prefix (`s3`); empty for principal-level findings.
    pub service: String,
    /// Full action names, sorted (`s3:GetObject`); may be empty for principal-level findings.
    pub actions: Vec<String>,
    /// Action × resource-type pairs these actions account for (the quantity shown in summaries).
    pub pairs: usize,
    /// A concrete resource allowed on one side and not the other (lost/narrowed: before
    /// not after; gained/widened: after not before).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub witness: Option<String>,
    /// One sentence saying what changed and why.
    pub message: String,
    pub before: Side,
    pub after: Side,
    /// Set when a waiver silences this finding in the gate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waived: Option<WaiverRef>,
    /// Whether this finding fails the gate (selected by --fail-on and --min-level, not waived).
    pub fails_gate: bool,
    /// Ids of the input changes that cause it (`C…`, `W…` for a waiver, `U…` when no
    /// change explains it): never empty in a finished diff (issue 12).
    #[serde(default)]
    pub causes: Vec<String>,
    /// Lint findings on either side that explain it (a dead grant, a misspelt action, a
    /// shadowed statement: issue 11 item 2); omitted when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lint: Vec<LintNote>,
    /// When one change took several groups of actions at the same place for the same
    /// reason (a GCP binding lost at a scope: its role's permissions across services),
    /// they are one finding and these are its groups, each with its own resources
    /// (issue 10 Figures). Empty for a finding of one group (every AWS finding).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<FindingPart>,
}

/// A lint finding (`iamdiff lint`) that explains a diff finding: its code and rule, the
/// side it is on, and its place (line and column filled in by the CLI).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct LintNote {
    /// `L002`.
    pub code: String,
    /// `dead-resource`.
    pub rule: String,
    /// `before` or `after`.
    pub side: String,
    pub file: String,
    #[serde(default)]
    pub pointer: Option<String>,
    #[serde(default)]
    pub line: Option<u32>,
    #[serde(default)]
    pub column: Option<u32>,
    pub message: String,
}

/// One group of actions of a merged finding: its service, actions and the resources each
/// side allows them on (the finding's `before`/`after` hold the union; a side whose
/// resources are the union's is left out).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FindingPart {
    pub service: String,
    /// Full action names, sorted.
    pub actions: Vec<String>,
    pub pairs: usize,
    pub severity: AccessLevel,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before_resources: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after_resources: Option<Vec<String>>,
}

impl Route {
    /// The statement, as people name it: `Sid ProjectBucketReadWrite` or `statement #0`.
    pub fn statement_label(&self) -> String {
        if self.statement.starts_with('#') {
            format!("statement {}", self.statement)
        } else {
            format!("Sid {}", self.statement)
        }
    }

    /// One line: `ds-s3-project-access v2, Sid ProjectBucketReadWrite, via group data-science-team`.
    pub fn summary(&self) -> String {
        let version = self
            .version
            .as_deref()
            .map(|v| format!(" {v}"))
            .unwrap_or_default();
        format!(
            "{}{version}, {}, via {}",
            self.policy,
            self.statement_label(),
            self.via
        )
    }
}

impl Finding {
    /// A finding that something about the principal cannot be decided (an unknown
    /// document, a budget reached): Permissions management, no actions of its own,
    /// `message` prefixed with the principal's name.
    pub fn needs_review(principal_kind: &str, principal: &str, message: &str) -> Finding {
        Finding {
            code: Code::NeedsReview,
            category: Code::NeedsReview.category(),
            severity: AccessLevel::PermissionsManagement,
            principal_kind: principal_kind.to_owned(),
            principal: principal.to_owned(),
            service: String::new(),
            actions: Vec::new(),
            pairs: 0,
            witness: None,
            message: format!("{principal}: {message}"),
            before: Side::default(),
            after: Side::default(),
            waived: None,
            fails_gate: false,
            causes: Vec::new(),
            lint: Vec::new(),
            parts: Vec::new(),
        }
    }

    /// Action names without the service prefix (`GetObject`), for views grouped by service.
    pub fn short_actions(&self) -> Vec<&str> {
        self.actions
            .iter()
            .map(|a| match a.split_once(':') {
                Some((svc, name)) if svc == self.service => name,
                _ => a.as_str(),
            })
            .collect()
    }

    /// `before-status → after-status`.
    pub fn transition(&self) -> String {
        let s = |x: &str| {
            if x.is_empty() {
                "—".to_owned()
            } else {
                x.to_owned()
            }
        };
        format!("{} → {}", s(&self.before.status), s(&self.after.status))
    }
}
