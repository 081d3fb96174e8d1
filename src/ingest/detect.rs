//! Which format a source file is, from its content (never from its name): the first
//! top-level key of the first JSON object usually decides it at once; otherwise all
//! top-level keys of the first page are read. A file iamdiff cannot read is an error
//! that lists what it can read.

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use std::fmt;
use std::sync::Arc;

use super::IngestError;
use super::err::{escape_token, json_message, with_help};
use super::provisioner::tree::closest;
use super::source::{Text, skip_ws};
use super::yaml;
use crate::model::Place;

/// A source format iamdiff reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    /// `aws iam get-account-authorization-details` output (one page, several, or an array of pages).
    AwsAuthDetails,
    /// Output of the per-call AWS CLI commands (`list-users`, `get-role`, `get-policy-version`, ...).
    AwsCli,
    /// A CloudFormation template, JSON or YAML (also `cdk synth` output).
    CloudFormation,
    /// `terraform show -json` of a state or a plan.
    Terraform,
    /// A provisioner target config (YAML: `client`, `environment`, `security`, ...).
    Provisioner,
    /// User-to-group memberships (`group: user1 user2` lines, or YAML/JSON).
    Memberships,
    /// AWS Organizations CLI outputs (`list-roots`, `list-accounts-for-parent`, ...).
    AwsOrganizations,
    /// Resource-based policies: CLI outputs, AWS Config items, the ARN → policy map.
    ResourcePolicies,
    /// GCP IAM: allow and deny policies, asset exports, custom roles, group memberships,
    /// the hierarchy manifest.
    Gcp,
    /// IAM Identity Center CLI outputs (`sso-admin`, `identitystore`; issue 9).
    IdentityCenter,
    /// An application platform's organization members and project memberships (a port
    /// target, issue 10 item 5).
    Platform,
}

impl Format {
    pub const ALL: &'static [Format] = &[
        Format::AwsAuthDetails,
        Format::AwsCli,
        Format::CloudFormation,
        Format::Terraform,
        Format::Provisioner,
        Format::Memberships,
        Format::AwsOrganizations,
        Format::ResourcePolicies,
        Format::Gcp,
        Format::IdentityCenter,
        Format::Platform,
    ];

    /// Short name, as `--before-format`/`--after-format` take it.
    pub fn name(self) -> &'static str {
        match self {
            Format::AwsAuthDetails => "aws-auth-details",
            Format::AwsCli => "aws-cli",
            Format::CloudFormation => "cloudformation",
            Format::Terraform => "terraform",
            Format::Provisioner => "provisioner",
            Format::Memberships => "memberships",
            Format::AwsOrganizations => "aws-organizations",
            Format::ResourcePolicies => "resource-policies",
            Format::Gcp => "gcp",
            Format::IdentityCenter => "aws-identity-center",
            Format::Platform => "platform",
        }
    }

    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL.iter().copied().find(|f| f.name() == name)
    }

    /// What the format is and how to recognize it, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Format::AwsAuthDetails => {
                "`aws iam get-account-authorization-details` JSON (top-level `UserDetailList`, \
                 `GroupDetailList`, `RoleDetailList` or `Policies`)"
            }
            Format::AwsCli => {
                "per-call AWS CLI JSON (`Users`, `Groups`, `Roles`, `Role`, `Group`, \
                 `AttachedPolicies`, `PolicyNames`, `Policy`, `PolicyVersion`, ...)"
            }
            Format::CloudFormation => {
                "a CloudFormation template, JSON or YAML (top-level `Resources` or \
                 `AWSTemplateFormatVersion`)"
            }
            Format::Terraform => {
                "`terraform show -json` of a state or plan (top-level `format_version`)"
            }
            Format::Provisioner => {
                "a provisioner target config, YAML (top-level `client`, `environment`, `security`)"
            }
            Format::Memberships => {
                "user-to-group memberships (`group: user1 user2` lines, or YAML/JSON group → users)"
            }
            Format::AwsOrganizations => {
                "`aws organizations` CLI JSON (`Roots`, `Organization`, `OrganizationalUnits`, \
                 `Accounts`, `Targets`, `Policies` of SCPs/RCPs, `describe-policy` output)"
            }
            Format::ResourcePolicies => {
                "resource policies: `s3api get-bucket-policy`, `kms get-key-policy`, `sqs \
                 get-queue-attributes`, `sns get-topic-attributes`, `lambda get-policy`, \
                 `secretsmanager get-resource-policy`, `ecr get-repository-policy` outputs, AWS \
                 Config items, or a map of resource ARN to policy document"
            }
            Format::Gcp => {
                "GCP IAM JSON (`bindings`, deny `rules`, `includedPermissions`, \
                 `preferredMemberKey`, asset `iamPolicy`) or a `gcp-hierarchy` manifest"
            }
            Format::IdentityCenter => {
                "IAM Identity Center CLI JSON: `aws sso-admin` (`Instances`, `PermissionSets`, \
                 `PermissionSet`, `AttachedManagedPolicies`, `CustomerManagedPolicyReferences`, \
                 `InlinePolicy`, `PermissionsBoundary`, `AccountAssignments`, `AccountIds`) and \
                 `aws identitystore` (`Users`, `Groups`, `GroupMemberships`) outputs"
            }
            Format::Platform => {
                "an application platform's members and project memberships, YAML (top-level \
                 `platform`, `organization`, `members`, `projects`)"
            }
        }
    }
}

/// An input of another option, found among the sources of a side: what it is and the
/// flag that reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Other {
    Scp,
    Map,
    Waivers,
    Context,
    Levels,
    CfnParams,
}

impl Other {
    pub(crate) fn what(self) -> &'static str {
        match self {
            Other::Scp => "a service control policy",
            Other::Map => "a rename map",
            Other::Waivers => "a waivers file",
            Other::Context => "a request context file",
            Other::Levels => "a levels file",
            Other::CfnParams => "a CloudFormation parameters file",
        }
    }

    pub(crate) fn flag(self) -> &'static str {
        match self {
            Other::Scp => "--scp",
            Other::Map => "--map",
            Other::Waivers => "--waivers",
            Other::Context => "--context-file",
            Other::Levels => "--levels",
            Other::CfnParams => "--cfn-params",
        }
    }
}

/// What a source file holds: an IAM input of a side, or the input of another option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Iam(Format),
    Other(Other),
}

/// Keys that mark a per-call AWS CLI output.
const CLI_KEYS: &[&str] = &[
    "Users",
    "Groups",
    "Roles",
    "User",
    "Group",
    "Role",
    "AttachedPolicies",
    "PolicyNames",
    "Policy",
    "PolicyVersion",
    "PolicyDocument",
    "InstanceProfiles",
    "InstanceProfile",
];

/// Keys that mark an Identity Center output (`sso-admin`, `identitystore`), or one
/// object of them keyed by command name.
const IC_KEYS: &[&str] = &[
    "Instances",
    "PermissionSets",
    "PermissionSet",
    "AttachedManagedPolicies",
    "CustomerManagedPolicyReferences",
    "InlinePolicy",
    "PermissionsBoundary",
    "AccountAssignments",
    "AccountIds",
    "GroupMemberships",
    "list-instances",
    "describe-permission-set",
    "list-account-assignments",
];

/// Keys that mark an `aws organizations` output (`Policies` too, when its entries are
/// organization policies, and `describe-policy` output beside a tree).
const ORG_KEYS: &[&str] = &[
    "Roots",
    "Organization",
    "OrganizationalUnits",
    "Accounts",
    "Targets",
];

const AUTH_KEYS: &[&str] = &[
    "UserDetailList",
    "GroupDetailList",
    "RoleDetailList",
    "Policies",
];

/// Top-level keys of a YAML (or text) file: unindented `key:` lines, in order, with
/// their 1-based line.
pub(crate) fn yaml_top_keys(bytes: &[u8]) -> Vec<(String, u32)> {
    let text = String::from_utf8_lossy(bytes);
    text.lines()
        .zip(1u32..)
        .filter(|(l, _)| {
            !l.starts_with([' ', '\t', '#', '-', '%', '[', '{', '.']) && !l.trim().is_empty()
        })
        .filter_map(|(l, n)| yaml_key(l).map(|k| (k, n)))
        .collect()
}

/// The key of a `key: value` line: quoted, or up to the first `: ` (or a final `:`), so
/// that `aws:SourceIp: 10.0.0.1` has the key `aws:SourceIp`.
fn yaml_key(line: &str) -> Option<String> {
    let line = line.trim_end();
    if let Some(q) = line.chars().next().filter(|c| matches!(c, '"' | '\'')) {
        let rest = line.get(1..)?;
        let end = rest.find(q)?;
        return Some(rest.get(..end)?.to_owned());
    }
    let end = line
        .find(": ")
        .or_else(|| line.strip_suffix(':').map(str::len))
        .or_else(|| line.find(':'))?;
    Some(line.get(..end)?.trim().to_owned())
}

/// What the top-level keys say the file is, if they say.
fn by_keys(keys: &[String], text: &[u8]) -> Option<Kind> {
    let has = |k: &str| keys.iter().any(|x| x == k);
    let mentions = |k: &str| {
        let k = k.as_bytes();
        text.windows(k.len()).any(|w| w == k)
    };
    let kind = if gcp_keys(&has, &mentions) {
        Kind::Iam(Format::Gcp)
    } else if keys
        .iter()
        .any(|k| AUTH_KEYS.contains(&k.as_str()) && k != "Policies")
    {
        Kind::Iam(Format::AwsAuthDetails)
    } else if has("format_version") || has("terraform_version") {
        Kind::Iam(Format::Terraform)
    } else if has("AWSTemplateFormatVersion") || has("Resources") {
        Kind::Iam(Format::CloudFormation)
    } else if keys.iter().any(|k| IC_KEYS.contains(&k.as_str()))
        || ((has("Users") || has("Groups")) && mentions("IdentityStoreId"))
    {
        // `identitystore list-users`/`list-groups` share `Users`/`Groups` with `aws iam`;
        // every identity-store entry names its store
        Kind::Iam(Format::IdentityCenter)
    } else if keys.iter().any(|k| ORG_KEYS.contains(&k.as_str()))
        || (has("Policies") && (mentions("CONTROL_POLICY") || mentions(":organizations:")))
    {
        Kind::Iam(Format::AwsOrganizations)
    } else if has("Policies") {
        // `list-policies` has no versions; an export's `Policies` has `PolicyVersionList`
        Kind::Iam(if mentions("PolicyVersionList") {
            Format::AwsAuthDetails
        } else {
            Format::AwsCli
        })
    } else if super::resource_policies::recognizes(keys, text) {
        Kind::Iam(Format::ResourcePolicies)
    } else if has("Statement") || (has("Policy") && mentions("PolicySummary")) {
        // a policy document, or `aws organizations describe-policy` output
        Kind::Other(Other::Scp)
    } else if keys.iter().any(|k| CLI_KEYS.contains(&k.as_str())) {
        Kind::Iam(Format::AwsCli)
    } else if has(super::platform::PLATFORM_KEY) && has("organization") {
        Kind::Iam(Format::Platform)
    } else if has("security") || (has("client") && has("environment")) {
        Kind::Iam(Format::Provisioner)
    } else if has("waivers") {
        Kind::Other(Other::Waivers)
    } else if has("renames") {
        Kind::Other(Other::Map)
    } else if has("services") && has("format") {
        Kind::Other(Other::Levels)
    } else if has("memberships") {
        Kind::Iam(Format::Memberships)
    } else if has("ParameterKey") || (keys.len() == 1 && has("Parameters")) {
        Kind::Other(Other::CfnParams)
    } else if !keys.is_empty() && keys.iter().all(|k| context_key(k)) {
        // condition keys (`aws:SourceIp`); IAM group names cannot hold a colon
        Kind::Other(Other::Context)
    } else {
        return None;
    };
    Some(kind)
}

/// The keys of GCP IAM inputs (see `gcp::read`).
fn gcp_keys(has: &dyn Fn(&str) -> bool, mentions: &dyn Fn(&str) -> bool) -> bool {
    has("bindings")
        || has(super::gcp::MANIFEST_KEY)
        || (has("rules") && mentions("denyRule"))
        || has("includedPermissions")
        || (has("roles") && mentions("includedPermissions"))
        || has("preferredMemberKey")
        || has("iamPolicy")
        || has("iam_policy")
        || (has("resource") && has("policy"))
        || (has("policy") && has("id"))
        || (has("etag") && (has("version") || has("auditConfigs")))
}

/// `prefix:name`, the shape of a condition key.
fn context_key(k: &str) -> bool {
    k.split_once(':')
        .is_some_and(|(p, n)| !p.is_empty() && !n.is_empty() && !p.contains(char::is_whitespace))
}

/// Detects a non-JSON source: YAML (templates, provisioner configs, AWS CLI output
/// written with `--output yaml`, other options' files) or memberships text.
fn classify_text(file: &Arc<str>, bytes: &[u8]) -> Result<Kind, IngestError> {
    let found = yaml_top_keys(bytes);
    let keys: Vec<String> = found.iter().map(|(k, _)| k.clone()).collect();
    if let Some(kind) = by_keys(&keys, bytes) {
        return Ok(kind);
    }
    if !keys.is_empty() && looks_like_memberships(bytes) {
        return Ok(Kind::Iam(Format::Memberships));
    }
    let text = Text::new(file, bytes);
    if found.is_empty() {
        return Err(unknown(
            file,
            text.place_at(Some(skip_ws(bytes, 0)), None),
            "it is neither JSON nor YAML with top-level keys",
        ));
    }
    let keys: Vec<String> = found.iter().map(|(k, _)| k.clone()).collect();
    let place = |i: usize| Place {
        file: file.clone(),
        line: found.get(i).map(|(_, line)| *line),
        column: Some(1),
        pointer: None,
    };
    Err(unknown_keys(file, &keys, &place))
}

/// Meaningful lines are `group: name name ...` (or YAML list items under one): the first
/// one, and at least as many as not, so a file with a malformed line is still read as
/// memberships and the line is reported with its place.
fn looks_like_memberships(bytes: &[u8]) -> bool {
    let (mut good, mut bad) = (0usize, 0usize);
    for l in String::from_utf8_lossy(bytes).lines() {
        let t = l.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let ok = t.starts_with("- ")
            || t.split_once(':').is_some_and(|(k, v)| {
                !k.trim().is_empty()
                    && !k.contains(char::is_whitespace)
                    && !v.contains(['{', '}', ':'])
            });
        if !ok && good == 0 {
            return false;
        }
        if ok {
            good += 1;
        } else {
            bad += 1;
        }
    }
    good >= bad
}

/// A JSON object whose values are all lists of names: memberships given as
/// `{group: [users]}` at the top.
fn json_memberships(slice: &[u8]) -> bool {
    let Ok(map) = serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(slice)
    else {
        return false;
    };
    !map.is_empty()
        && !map.contains_key("Statement")
        && map.values().all(|v| {
            v.as_array()
                .is_some_and(|items| items.iter().all(serde_json::Value::is_string))
        })
}

fn known_formats() -> String {
    let list: Vec<String> = Format::ALL
        .iter()
        .map(|f| format!("{} ({})", f.describe(), f.name()))
        .collect();
    format!("known formats: {}", list.join("; "))
}

/// Detects the format of a source file's (decoded) bytes. The input of another option
/// (an SCP, a rename map, waivers, ...) is an error naming the flag that reads it.
pub fn detect(file: &Arc<str>, bytes: &[u8]) -> Result<Format, IngestError> {
    match classify(file, bytes)? {
        Kind::Iam(format) => Ok(format),
        Kind::Other(other) => Err(other_input(file, bytes, other)),
    }
}

/// The error for the input of another option given as a source.
pub(crate) fn other_input(file: &Arc<str>, bytes: &[u8], other: Other) -> IngestError {
    IngestError::new(
        Text::new(file, bytes).place_at(Some(skip_ws(bytes, 0)), None),
        format!("`{file}` is {}, not an IAM input of a side", other.what()),
    )
    .with_help(format!("pass it with `{}`", other.flag()))
}

/// What a source file holds, from its content.
pub(crate) fn classify(file: &Arc<str>, bytes: &[u8]) -> Result<Kind, IngestError> {
    let text = Text::new(file, bytes);
    let mut at = skip_ws(bytes, 0);
    let array = match bytes.get(at) {
        None => {
            return Err(
                IngestError::new(text.place_at(Some(0), None), "the file is empty")
                    .with_help(known_formats()),
            );
        }
        Some(b'[') => {
            at = skip_ws(bytes, at + 1);
            true
        }
        Some(b'{') => false,
        Some(_) => return classify_text(file, bytes),
    };
    if bytes.get(at) != Some(&b'{') {
        return Err(unknown(
            file,
            text.place_at(Some(at), None),
            "it is not a JSON object or an array of them",
        ));
    }
    if let Some(key) = first_key(bytes, at)
        && AUTH_KEYS.contains(&key)
        && key != "Policies"
    {
        return Ok(Kind::Iam(Format::AwsAuthDetails));
    }
    let slice = bytes.get(at..).unwrap_or(&[]);
    let keys = TopKeys
        .deserialize(&mut serde_json::Deserializer::from_slice(slice))
        .map_err(|e| {
            IngestError::new(
                text.json_error_place(at, &e, None),
                with_help(
                    format!("invalid JSON: {}", json_message(&e)),
                    known_formats(),
                ),
            )
        })?;
    if let Some(kind) = by_keys(&keys, slice) {
        return Ok(kind);
    }
    if !array && json_memberships(slice) {
        return Ok(Kind::Iam(Format::Memberships));
    }
    if keys.is_empty() {
        return Err(unknown(
            file,
            text.place_at(Some(at), None),
            "its first object is empty",
        ));
    }
    let prefix = if array { "/0" } else { "" };
    // placing a key costs a parse of the file: only the one the message names is placed
    let place = |i: usize| {
        let located = keys.get(i).and_then(|k| {
            let pointer = format!("{prefix}/{}", escape_token(k));
            let mut place = yaml::place_of(file, bytes, &pointer, true);
            place.pointer = None;
            place.line.is_some().then_some(place)
        });
        located.unwrap_or_else(|| text.place_at(Some(at), None))
    };
    Err(unknown_keys(file, &keys, &place))
}

/// How many keys a message names.
const SHOWN_KEYS: usize = 6;

/// The keys each input format has at its top: the ones that identify it, then others
/// it may have. For telling a user which format an unknown file is closest to.
const SIGNATURES: &[(&str, &[&str], &[&str])] = &[
    (
        "`aws iam get-account-authorization-details` output (aws-auth-details)",
        AUTH_KEYS,
        &["IsTruncated", "Marker"],
    ),
    (
        "per-call AWS CLI output (aws-cli)",
        CLI_KEYS,
        &[
            "IsTruncated",
            "Marker",
            "RoleName",
            "UserName",
            "GroupName",
            "PolicyName",
        ],
    ),
    (
        "a CloudFormation template (cloudformation)",
        &["AWSTemplateFormatVersion", "Resources"],
        &[
            "Description",
            "Parameters",
            "Conditions",
            "Outputs",
            "Mappings",
            "Transform",
            "Metadata",
            "Rules",
        ],
    ),
    (
        "`terraform show -json` output (terraform)",
        &["format_version", "terraform_version"],
        &[
            "values",
            "planned_values",
            "resource_changes",
            "configuration",
            "prior_state",
            "variables",
            "output_changes",
        ],
    ),
    (
        "a provisioner target config (provisioner)",
        &["client", "environment", "security"],
        &["tier", "tags"],
    ),
    ("memberships (memberships)", &["memberships"], &[]),
    (
        "`aws organizations` output (aws-organizations)",
        ORG_KEYS,
        &["NextToken", "Policies", "Policy"],
    ),
    (
        "GCP IAM (gcp)",
        &[
            "bindings",
            "rules",
            "includedPermissions",
            "iamPolicy",
            "gcp-hierarchy",
        ],
        &[
            "etag",
            "version",
            "preferredMemberKey",
            "assetType",
            "ancestors",
        ],
    ),
    (
        "IAM Identity Center CLI output (aws-identity-center)",
        IC_KEYS,
        &["NextToken", "Users", "Groups", "PermissionSetArn"],
    ),
    (
        "a service control policy (read with `--scp`)",
        &["Statement", "Policy"],
        &["Version", "Id"],
    ),
    ("a waivers file (read with `--waivers`)", &["waivers"], &[]),
    ("a rename map (read with `--map`)", &["renames"], &[]),
    (
        "a levels file (read with `--levels`)",
        &["format", "services"],
        &[],
    ),
    (
        "a CloudFormation parameters file (read with `--cfn-params`)",
        &["ParameterKey", "Parameters"],
        &["ParameterValue", "UsePreviousValue", "ResolvedValue"],
    ),
];

/// How close `seen` is to the known `key`: 2 when equal, 1 when a near miss (case,
/// `_`/`-`, two edits), else 0. Short keys are near nothing (two edits make `k1` of
/// `Id`), long ones are not compared (a binary file's noise).
fn closeness(seen: &str, key: &str) -> u8 {
    if seen == key {
        2
    } else if (5..=64).contains(&seen.len()) && closest(seen, [key]).is_some() {
        1
    } else {
        0
    }
}

/// The error for a file of unknown format: the keys seen, the closest format, and the
/// place where the file stops looking like it.
fn unknown_keys(
    file: &Arc<str>,
    keys: &[String],
    place_of: &dyn Fn(usize) -> Place,
) -> IngestError {
    let shown: Vec<String> = keys
        .iter()
        .take(SHOWN_KEYS)
        .map(|k| format!("`{}`", printable(k)))
        .collect();
    let seen = format!("top-level keys {}", shown.join(", "));
    let score = |sig: &(&str, &[&str], &[&str])| -> u32 {
        keys.iter()
            .take(50)
            .map(|k| {
                sig.1
                    .iter()
                    .chain(sig.2.iter())
                    .map(|known| u32::from(closeness(k, known)))
                    .max()
                    .unwrap_or(0)
            })
            .sum()
    };
    let best = SIGNATURES
        .iter()
        .map(|sig| (score(sig), sig))
        .filter(|(s, _)| *s > 0)
        .max_by_key(|(s, sig)| (*s, std::cmp::Reverse(sig.0)));
    let Some((_, (label, ids, others))) = best else {
        return IngestError::new(
            place_of(0),
            format!(
                "cannot tell the format of `{file}`: {seen}, none of which any known format has"
            ),
        )
        .with_help(known_formats());
    };
    // where the file stops looking like it: a near miss of an identifying key, else
    // the first key the format does not have
    let near = keys.iter().enumerate().find_map(|(i, k)| {
        ids.iter()
            .find(|id| closeness(k, id) == 1)
            .map(|id| (k, *id, i))
    });
    let expected: Vec<String> = ids
        .iter()
        .take(SHOWN_KEYS)
        .map(|k| format!("`{k}`"))
        .collect();
    let (place, diverges) = match near {
        Some((k, id, i)) => (
            place_of(i),
            format!("`{}` here is not `{id}`", printable(k)),
        ),
        None => {
            let odd = keys
                .iter()
                .enumerate()
                .find(|(_, k)| !ids.contains(&k.as_str()) && !others.contains(&k.as_str()));
            match odd {
                Some((i, k)) => (
                    place_of(i),
                    format!(
                        "it has none of {}, and `{}` here is none of its keys",
                        expected.join(", "),
                        printable(k)
                    ),
                ),
                None => (
                    place_of(0),
                    format!("it has none of {}", expected.join(", ")),
                ),
            }
        }
    };
    IngestError::new(
        place,
        format!(
            "cannot tell the format of `{file}`: it looks like {label} but {diverges}; saw {seen}"
        ),
    )
    .with_help(known_formats())
}

fn unknown(file: &Arc<str>, place: Place, why: &str) -> IngestError {
    IngestError::new(place, format!("cannot tell the format of `{file}`: {why}"))
        .with_help(known_formats())
}

/// The first key of the object starting at `at`, when it has no escapes (the fast path).
fn first_key(bytes: &[u8], at: usize) -> Option<&str> {
    let start = skip_ws(bytes, at + 1);
    if bytes.get(start) != Some(&b'"') {
        return None;
    }
    let rest = bytes.get(start + 1..)?;
    let end = rest.iter().position(|&b| b == b'"' || b == b'\\')?;
    if rest.get(end) != Some(&b'"') {
        return None;
    }
    std::str::from_utf8(rest.get(..end)?).ok()
}

/// All keys of one JSON object, values skipped.
struct TopKeys;

impl<'de> DeserializeSeed<'de> for TopKeys {
    type Value = Vec<String>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for TopKeys {
    type Value = Vec<String>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut keys = Vec::new();
        while let Some(k) = map.next_key::<String>()? {
            map.next_value::<IgnoredAny>()?;
            keys.push(k);
        }
        Ok(keys)
    }
}

/// A key as it may be shown on a terminal: control characters escaped, long ones cut (a
/// binary file's "keys" are noise).
fn printable(k: &str) -> String {
    let mut out: String = k.chars().take(40).flat_map(char::escape_debug).collect();
    if k.chars().count() > 40 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn det(s: &str) -> Result<Format, IngestError> {
        detect(&Arc::from("in.json"), s.as_bytes())
    }

    #[test]
    fn auth_details_by_first_or_any_key() {
        assert_eq!(
            det(r#"{"UserDetailList": []}"#).unwrap(),
            Format::AwsAuthDetails
        );
        assert_eq!(
            det(r#"  [ {"Marker": "x", "RoleDetailList": []} ]"#).unwrap(),
            Format::AwsAuthDetails
        );
        assert_eq!(
            det(r#"{"IsTruncated": false, "Policies": [{"PolicyVersionList": []}]}"#).unwrap(),
            Format::AwsAuthDetails
        );
        assert_eq!(
            det(r#"{"IsTruncated": false, "Policies": [{"PolicyName": "p"}]}"#).unwrap(),
            Format::AwsCli
        );
        // `get-role-policy` and `get-instance-profile` output
        assert_eq!(
            det(r#"{"RoleName": "r", "PolicyName": "p", "PolicyDocument": {}}"#).unwrap(),
            Format::AwsCli
        );
        assert_eq!(
            det(r#"{"InstanceProfile": {"InstanceProfileName": "p", "Roles": []}}"#).unwrap(),
            Format::AwsCli
        );
    }

    #[test]
    fn anything_else_lists_the_known_formats() {
        let e = det(r#"{"Version": "2012-10-17", "Statement": []}"#).unwrap_err();
        assert!(e.message.contains("service control policy"), "{e}");
        assert!(e.help.as_deref().unwrap().contains("--scp"), "{e}");
        assert_eq!(det("Resources:\n  A: 1\n").unwrap(), Format::CloudFormation);
        assert_eq!(
            det("client:\n  a: 1\nenvironment:\n  env: prod\n").unwrap(),
            Format::Provisioner
        );
        assert_eq!(
            det("data-scientists: bob carol\nml: dave\n").unwrap(),
            Format::Memberships
        );
        // a malformed line is reported by the memberships reader, with its place
        assert_eq!(
            det("data-scientists: bob carol\nml dave\n").unwrap(),
            Format::Memberships
        );
        assert_eq!(
            det(r#"{"data-scientists": ["bob", "carol"], "ml": ["dave"]}"#).unwrap(),
            Format::Memberships
        );
        assert_eq!(
            det(r#"{"format_version": "1.2", "planned_values": {}}"#).unwrap(),
            Format::Terraform
        );
        let e = det("just some prose, not a config\n").unwrap_err();
        assert!(
            e.help
                .as_deref()
                .unwrap()
                .contains("get-account-authorization-details"),
            "{e}"
        );
        let e = det("{\"a\": [1,]}").unwrap_err();
        assert!(e.to_string().starts_with("in.json:1:"), "{e}");
        let e = det("").unwrap_err();
        assert!(e.to_string().starts_with("in.json:1:1: "), "{e}");
        let e = det("{\"a\": [1,]}").unwrap_err();
        assert!(e.to_string().starts_with("in.json:1:"), "{e}");
        assert!(det("").is_err());
    }

    fn kind(s: &str) -> Kind {
        classify(&Arc::from("in.yaml"), s.as_bytes()).unwrap()
    }

    #[test]
    fn inputs_of_other_options_are_told_apart_from_memberships() {
        // issue 7: a directory side swallowed map, waiver and SCP files as memberships
        let cases = [
            (
                "renames:\n  roles:\n    - from: a\n      to: b\n",
                Other::Map,
            ),
            (
                "waivers:\n  - principal: a\n    action: s3:*\n",
                Other::Waivers,
            ),
            (
                "Version: '2012-10-17'\nStatement:\n  - Effect: Deny\n",
                Other::Scp,
            ),
            (
                "aws:SourceIp: 10.0.0.1\naws:MultiFactorAuthPresent: true\n",
                Other::Context,
            ),
            ("format: iamdiff-levels/1\nservices: {}\n", Other::Levels),
            (r#"{"aws:SourceIp": ["10.0.0.1"]}"#, Other::Context),
            (
                r#"[{"ParameterKey": "A", "ParameterValue": "b"}]"#,
                Other::CfnParams,
            ),
            (r#"{"Parameters": {"A": "b"}}"#, Other::CfnParams),
            (
                r#"{"Policy": {"PolicySummary": {}, "Content": "{}"}}"#,
                Other::Scp,
            ),
        ];
        for (text, other) in cases {
            assert_eq!(kind(text), Kind::Other(other), "{text}");
        }
        assert_eq!(
            kind("admins: alice bob\nml: carol\n"),
            Kind::Iam(Format::Memberships)
        );
        assert_eq!(
            kind(r#"{"Policy": {"PolicyName": "p", "DefaultVersionId": "v1"}}"#),
            Kind::Iam(Format::AwsCli)
        );
        let e = det("waivers: []\n").unwrap_err();
        assert_eq!(e.help.as_deref(), Some("pass it with `--waivers`"), "{e}");
        assert!(e.to_string().starts_with("in.json:1:1: "), "{e}");
    }

    #[test]
    fn identity_center_outputs_are_told_from_iam_ones() {
        // issue 9: `identitystore list-users`/`list-groups` share `Users`/`Groups` with `aws iam`
        let ic = [
            r#"{"Users": [{"UserName": "a", "UserId": "u-1", "IdentityStoreId": "d-1"}]}"#,
            r#"{"Groups": [{"GroupId": "g-1", "DisplayName": "devs", "IdentityStoreId": "d-1"}]}"#,
            r#"{"InlinePolicy": ""}"#,
            r#"{"AccountAssignments": []}"#,
            r#"{"list-instances": {"Instances": []}}"#,
        ];
        for text in ic {
            assert_eq!(det(text).unwrap(), Format::IdentityCenter, "{text}");
        }
        assert_eq!(
            det(r#"{"Users": [{"UserName": "a", "UserId": "AIDA1", "Arn": "arn:aws:iam::1:user/a"}]}"#)
                .unwrap(),
            Format::AwsCli
        );
    }

    #[test]
    fn aws_cli_yaml_output_is_recognised() {
        // issue 7: `--output yaml` was read as memberships
        assert_eq!(
            kind("UserDetailList:\n- UserName: a\nGroupDetailList: []\n"),
            Kind::Iam(Format::AwsAuthDetails)
        );
        assert_eq!(
            kind("Roles:\n- RoleName: r\n  Arn: arn:aws:iam::1:role/r\n"),
            Kind::Iam(Format::AwsCli)
        );
    }

    #[test]
    fn an_unknown_format_names_its_keys_the_closest_format_and_the_place() {
        // issue 7: unknown inputs exited 2 without a place
        let e = det("{\n  \"Marker\": \"x\",\n  \"UserDetailsList\": []\n}").unwrap_err();
        let text = e.to_string();
        assert!(text.starts_with("in.json:3:3: "), "{text}");
        assert!(text.contains("get-account-authorization-details"), "{text}");
        assert!(
            text.contains("`UserDetailsList` here is not `UserDetailList`"),
            "{text}"
        );
        assert!(
            text.contains("saw top-level keys `Marker`, `UserDetailsList`"),
            "{text}"
        );
        let e = det("zzz: {a: b}\nqqq: 1\n").unwrap_err();
        assert!(e.to_string().starts_with("in.json:1:1: "), "{e}");
        let e = det("{\"a\\u0007b\": 1}").unwrap_err();
        assert!(e.message.contains("`a\\u{7}b`"), "{e}");
    }
}
