//! Which format a source file is, from its content (never from its name): the first
//! top-level key of the first JSON object usually decides it at once; otherwise all
//! top-level keys of the first page are read. A file iamdiff cannot read is an error
//! that lists what it can read.

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use std::fmt;
use std::sync::Arc;

use super::IngestError;
use super::err::{json_message, with_help};
use super::source::{Text, skip_ws};

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
}

impl Format {
    pub const ALL: &'static [Format] = &[
        Format::AwsAuthDetails,
        Format::AwsCli,
        Format::CloudFormation,
        Format::Terraform,
        Format::Provisioner,
        Format::Memberships,
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
        }
    }
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

/// Top-level keys of a YAML (or text) file: unindented `key:` lines, in order.
pub(crate) fn yaml_top_keys(bytes: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(bytes);
    text.lines()
        .filter(|l| {
            !l.starts_with([' ', '\t', '#', '-']) && !l.trim().is_empty() && !l.starts_with("---")
        })
        .filter_map(|l| {
            l.split_once(':')
                .map(|(k, _)| k.trim().trim_matches(['"', '\'']).to_owned())
        })
        .collect()
}

/// Detects a non-JSON source: CloudFormation YAML, a provisioner config, memberships.
fn detect_text(file: &Arc<str>, bytes: &[u8]) -> Result<Format, IngestError> {
    let keys = yaml_top_keys(bytes);
    let has = |k: &str| keys.iter().any(|x| x == k);
    if has("AWSTemplateFormatVersion") || has("Resources") {
        return Ok(Format::CloudFormation);
    }
    if has("security") || (has("client") && has("environment")) {
        return Ok(Format::Provisioner);
    }
    if has("memberships") || (!keys.is_empty() && looks_like_memberships(bytes)) {
        return Ok(Format::Memberships);
    }
    let shown: Vec<String> = keys
        .iter()
        .take(6)
        .map(|k| format!("`{}`", printable(k)))
        .collect();
    Err(unknown(
        file,
        &if shown.is_empty() {
            "it is neither JSON nor YAML with top-level keys".to_owned()
        } else {
            format!("its top-level keys are {}", shown.join(", "))
        },
    ))
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

const AUTH_KEYS: &[&str] = &[
    "UserDetailList",
    "GroupDetailList",
    "RoleDetailList",
    "Policies",
];

fn known_formats() -> String {
    let list: Vec<String> = Format::ALL
        .iter()
        .map(|f| format!("{} ({})", f.describe(), f.name()))
        .collect();
    format!("known formats: {}", list.join("; "))
}

/// Detects the format of a source file's (decoded) bytes.
pub fn detect(file: &Arc<str>, bytes: &[u8]) -> Result<Format, IngestError> {
    let text = Text::new(file, bytes);
    let mut at = skip_ws(bytes, 0);
    match bytes.get(at) {
        None => return Err(IngestError::in_file(file, "the file is empty")),
        Some(b'[') => at = skip_ws(bytes, at + 1),
        Some(b'{') => {}
        Some(_) => return detect_text(file, bytes),
    }
    if bytes.get(at) != Some(&b'{') {
        return Err(unknown(file, "it is not a JSON object or an array of them"));
    }
    if let Some(key) = first_key(bytes, at)
        && AUTH_KEYS.contains(&key)
        && key != "Policies"
    {
        return Ok(Format::AwsAuthDetails);
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
    let has = |k: &str| keys.iter().any(|x| x == k);
    if keys
        .iter()
        .any(|k| AUTH_KEYS.contains(&k.as_str()) && k != "Policies")
    {
        return Ok(Format::AwsAuthDetails);
    }
    if has("format_version") || has("terraform_version") {
        return Ok(Format::Terraform);
    }
    if has("AWSTemplateFormatVersion") || has("Resources") {
        return Ok(Format::CloudFormation);
    }
    if has("Policies") {
        // `list-policies` has no versions; an export's `Policies` has `PolicyVersionList`
        let slice = bytes.get(at..).unwrap_or(&[]);
        let versions = String::from_utf8_lossy(slice).contains("\"PolicyVersionList\"");
        return Ok(if versions {
            Format::AwsAuthDetails
        } else {
            Format::AwsCli
        });
    }
    if keys.iter().any(|k| CLI_KEYS.contains(&k.as_str())) {
        return Ok(Format::AwsCli);
    }
    if has("memberships") || json_memberships(bytes.get(at..).unwrap_or(&[])) {
        return Ok(Format::Memberships);
    }
    let shown: Vec<String> = keys
        .iter()
        .take(6)
        .map(|k| format!("`{}`", printable(k)))
        .collect();
    let mut err = unknown(
        file,
        &if shown.is_empty() {
            "its first object is empty".to_owned()
        } else {
            format!("its top-level keys are {}", shown.join(", "))
        },
    );
    if keys.iter().any(|k| k == "Statement" || k == "Policy") {
        err.help = Some(format!(
            "{}; a policy document on its own is read with `--scp`",
            known_formats()
        ));
    }
    Err(err)
}

fn unknown(file: &Arc<str>, why: &str) -> IngestError {
    IngestError::in_file(file, format!("cannot tell the format of `{file}`: {why}"))
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
        assert!(e.message.contains("`Version`, `Statement`"), "{e}");
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
        assert!(det("").is_err());
    }
}
