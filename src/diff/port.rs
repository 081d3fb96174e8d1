//! Ports between vocabularies (issue 10 item 5): a `port:` map translates the source
//! side's effective access (AWS actions or GCP permissions, on resources, held by
//! principals) into the target's vocabulary (GCP permissions or roles on projects, or an
//! application platform's two roles), and compares it with the target side, evaluated
//! natively. Besides losses it reports `unmapped` (what the map cannot express) and
//! `port-widened` (what the target grants beyond what the source had). The file format is
//! documented in `docs/ports.md`; the comparison is in [`mod@compare`].

pub mod compare;

use regex::Regex;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::Arc;

use crate::model::Place;

use super::err::DiffError;

pub use compare::{PortInputs, compare};

/// The longest identity pattern, in characters: it bounds the compiled expression.
const MAX_PATTERN_CHARS: usize = 1024;

/// The target vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetKind {
    /// GCP: permissions (or predefined and custom roles, standing for theirs) on a node of
    /// the hierarchy.
    Gcp,
    /// The two-role application platform (`ingest::platform`): `Administrator` on the
    /// organization, `Member` on a project.
    Platform,
}

impl TargetKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TargetKind::Gcp => "gcp",
            TargetKind::Platform => "platform",
        }
    }
}

/// The platform's roles, the only tokens a platform port may map to.
pub const PLATFORM_ROLES: [&str; 2] = ["Administrator", "Member"];

/// Where a rule's target applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopeRule {
    /// The target scope of the resource (by the `resources` rules).
    Resource,
    /// The whole target organization, whatever the resource.
    Organization,
}

/// One `permissions` rule: source patterns to target tokens.
#[derive(Debug, Clone)]
pub struct PermRule {
    pub index: usize,
    /// Source action or permission patterns (`s3:Get*`, `storage.objects.*`), as written.
    pub from: Vec<String>,
    /// Target permissions or roles; empty with `drop`.
    pub to: Vec<String>,
    pub scope: ScopeRule,
    /// The target needs no counterpart: the source permission is not ported, silently.
    pub drop: bool,
}

impl PermRule {
    pub fn matches(&self, action: &str) -> bool {
        self.from
            .iter()
            .any(|p| crate::eval::wildcard::matches_ignore_ascii_case(p, action))
    }

    /// `s3:GetObject, s3:ListBucket → storage.objects.get`, for messages and routes.
    pub fn label(&self) -> String {
        let to = if self.drop {
            "(dropped)".to_owned()
        } else {
            self.to.join(", ")
        };
        format!("{} → {to}", self.from.join(", "))
    }
}

/// What a `resources` rule matches on the source side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResMatch {
    /// An AWS account: ARNs naming it, and account-less patterns (`*`, S3) of its principals.
    Account(String),
    /// A glob over the resource pattern as written (`arn:aws:s3:::ml-*`).
    Arn(String),
    /// An AWS grant conditioned on `aws:ResourceTag/<key>` equal to the value.
    Tag(String, String),
    /// A GCP project (by id) the source scope lies in.
    Project(String),
}

/// One `resources` rule: source resources to a target scope.
#[derive(Debug, Clone)]
pub struct ResRule {
    pub index: usize,
    pub matches: ResMatch,
    /// A target project, or `organization`.
    pub to: String,
}

/// One `identities` rule: a source principal to a target principal.
#[derive(Debug, Clone)]
pub struct IdRule {
    pub index: usize,
    from: IdMatch,
    /// The target principal's name (`user:alice@corp.com`, `alice@corp.com`); `None` with
    /// `skip: true` (deliberately not ported).
    to: Option<String>,
}

#[derive(Debug, Clone)]
enum IdMatch {
    Exact(String),
    Pattern(Regex),
}

/// What an identity rule says of a source principal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdTarget {
    /// Ported as this target principal, by this rule.
    To(String, usize),
    /// Deliberately not ported, by this rule.
    Skip(usize),
}

impl IdRule {
    fn apply(&self, name: &str) -> Option<IdTarget> {
        let to = match &self.from {
            IdMatch::Exact(f) => (f == name).then(|| self.to.clone())?,
            IdMatch::Pattern(re) => {
                let caps = re.captures(name)?;
                match &self.to {
                    Some(t) => {
                        let mut out = String::new();
                        caps.expand(t, &mut out);
                        Some(out)
                    }
                    None => None,
                }
            }
        };
        Some(match to {
            Some(t) => IdTarget::To(t, self.index),
            None => IdTarget::Skip(self.index),
        })
    }
}

/// A parsed port map.
#[derive(Debug, Clone)]
pub struct Port {
    pub file: Arc<str>,
    pub to: TargetKind,
    pub permissions: Vec<PermRule>,
    pub resources: Vec<ResRule>,
    pub identities: Vec<IdRule>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    port: RawPort,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPort {
    to: String,
    #[serde(default)]
    permissions: Vec<RawPerm>,
    #[serde(default)]
    resources: Vec<RawRes>,
    #[serde(default)]
    identities: Vec<RawId>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPerm {
    from: OneOrMany,
    #[serde(default)]
    to: Option<OneOrMany>,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default)]
    drop: bool,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRes {
    account: Option<String>,
    arn: Option<String>,
    tag: Option<BTreeMap<String, String>>,
    project: Option<String>,
    to: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawId {
    from: Option<String>,
    pattern: Option<String>,
    to: Option<String>,
    #[serde(default)]
    skip: bool,
}

/// Whether a map file is a port (a top-level `port:` key) rather than renames.
pub fn is_port(text: &str) -> bool {
    text.lines().any(|l| {
        l.strip_prefix("port:")
            .is_some_and(|r| r.is_empty() || r.starts_with([' ', '\t', '#']))
            || l.trim_start().starts_with("{\"port\"")
    })
}

impl Port {
    pub fn parse(file: &Arc<str>, text: &str) -> Result<Port, DiffError> {
        let raw: RawFile =
            serde_yaml::from_str(text).map_err(|e| DiffError::yaml(file, text, &e))?;
        let at = |p: String| Place::pointer(file.clone(), p);
        let to = match raw.port.to.as_str() {
            "gcp" => TargetKind::Gcp,
            "platform" => TargetKind::Platform,
            other => {
                return Err(DiffError::new(
                    at("/port/to".into()),
                    format!("unknown target `{other}`: expected `gcp` or `platform`"),
                ));
            }
        };
        let mut permissions = Vec::with_capacity(raw.port.permissions.len());
        for (i, r) in raw.port.permissions.into_iter().enumerate() {
            let place = |k: &str| at(format!("/port/permissions/{i}{k}"));
            let from = r.from.into_vec();
            if from.is_empty() || from.iter().any(|p| p.trim().is_empty()) {
                return Err(DiffError::new(
                    place("/from"),
                    "expected source action or permission patterns (`s3:Get*`), not empty",
                ));
            }
            let to_list = r.to.map(OneOrMany::into_vec).unwrap_or_default();
            match (r.drop, to_list.is_empty()) {
                (true, false) => {
                    return Err(DiffError::new(
                        place("/drop"),
                        "`drop: true` and `to` together: a dropped permission has no target",
                    ));
                }
                (false, true) => {
                    return Err(DiffError::new(
                        place(""),
                        "expected `to` (target permissions or roles) or `drop: true`",
                    ));
                }
                _ => {}
            }
            if let Some((j, t)) = to_list
                .iter()
                .enumerate()
                .find(|(_, t)| t.trim().is_empty() || t.contains(char::is_whitespace))
            {
                return Err(DiffError::new(
                    place(&format!("/to/{j}")),
                    format!("`{t}` is not a target permission or role name"),
                ));
            }
            if to == TargetKind::Platform
                && let Some((j, t)) = to_list
                    .iter()
                    .enumerate()
                    .find(|(_, t)| !PLATFORM_ROLES.contains(&t.as_str()))
            {
                return Err(DiffError::new(
                    place(&format!("/to/{j}")),
                    format!(
                        "unknown platform role `{t}`: the platform has `Administrator` and `Member`"
                    ),
                ));
            }
            let scope = match r.scope.as_deref() {
                None | Some("resource") => ScopeRule::Resource,
                Some("organization") => ScopeRule::Organization,
                Some(other) => {
                    return Err(DiffError::new(
                        place("/scope"),
                        format!("unknown scope `{other}`: expected `resource` or `organization`"),
                    ));
                }
            };
            permissions.push(PermRule {
                index: i,
                from,
                to: to_list,
                scope,
                drop: r.drop,
            });
        }
        let mut resources = Vec::with_capacity(raw.port.resources.len());
        for (i, r) in raw.port.resources.into_iter().enumerate() {
            let place = |k: &str| at(format!("/port/resources/{i}{k}"));
            let mut found = Vec::new();
            if let Some(a) = r.account {
                if a.len() != 12 || !a.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(DiffError::new(
                        place("/account"),
                        format!("`{a}` is not an AWS account id: expected 12 digits"),
                    ));
                }
                found.push(ResMatch::Account(a));
            }
            if let Some(a) = r.arn {
                if !a.starts_with("arn:") && a != "*" {
                    return Err(DiffError::new(
                        place("/arn"),
                        format!("`{a}` is not an ARN pattern: expected `arn:…`"),
                    ));
                }
                found.push(ResMatch::Arn(a));
            }
            if let Some(t) = r.tag {
                let mut it = t.into_iter();
                match (it.next(), it.next()) {
                    (Some((k, v)), None) => found.push(ResMatch::Tag(k, v)),
                    _ => {
                        return Err(DiffError::new(
                            place("/tag"),
                            "expected one tag, `key: value`",
                        ));
                    }
                }
            }
            if let Some(p) = r.project {
                found.push(ResMatch::Project(p));
            }
            let matches = match (found.pop(), found.is_empty()) {
                (Some(m), true) => m,
                _ => {
                    return Err(DiffError::new(
                        place(""),
                        "expected exactly one of `account`, `arn`, `tag` or `project`",
                    ));
                }
            };
            if r.to.trim().is_empty() {
                return Err(DiffError::new(
                    place("/to"),
                    "expected a target project or `organization`",
                ));
            }
            resources.push(ResRule {
                index: i,
                matches,
                to: r.to,
            });
        }
        let mut identities = Vec::with_capacity(raw.port.identities.len());
        for (i, r) in raw.port.identities.into_iter().enumerate() {
            let place = |k: &str| at(format!("/port/identities/{i}{k}"));
            let from = match (r.from, r.pattern) {
                (Some(f), None) => IdMatch::Exact(f),
                (None, Some(p)) if p.chars().nth(MAX_PATTERN_CHARS).is_some() => {
                    return Err(DiffError::new(
                        place("/pattern"),
                        format!("`pattern` is longer than {MAX_PATTERN_CHARS} characters"),
                    ));
                }
                (None, Some(p)) => {
                    IdMatch::Pattern(Regex::new(&format!("^(?:{p})$")).map_err(|e| {
                        DiffError::new(
                            place("/pattern"),
                            format!("`pattern` is not a valid regular expression: {e}"),
                        )
                    })?)
                }
                _ => {
                    return Err(DiffError::new(
                        place(""),
                        "expected exactly one of `from` or `pattern`",
                    ));
                }
            };
            let to = match (r.to, r.skip) {
                (Some(t), false) if !t.trim().is_empty() => Some(t),
                (None, true) => None,
                (Some(_), true) => {
                    return Err(DiffError::new(
                        place("/skip"),
                        "`skip: true` and `to` together: a skipped identity has no target",
                    ));
                }
                _ => {
                    return Err(DiffError::new(
                        place(""),
                        "expected `to` (the target principal) or `skip: true`",
                    ));
                }
            };
            identities.push(IdRule { index: i, from, to });
        }
        Ok(Port {
            file: file.clone(),
            to,
            permissions,
            resources,
            identities,
        })
    }

    /// The first identity rule that matches a source principal's name.
    pub fn identity(&self, name: &str) -> Option<IdTarget> {
        self.identities.iter().find_map(|r| r.apply(name))
    }

    /// The first permission rule that matches a source action or permission.
    pub fn permission(&self, action: &str) -> Option<&PermRule> {
        self.permissions.iter().find(|r| r.matches(action))
    }
}
