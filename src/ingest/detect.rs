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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// `aws iam get-account-authorization-details` output (one page, several, or an array of pages).
    AwsAuthDetails,
}

impl Format {
    pub const ALL: &'static [Format] = &[Format::AwsAuthDetails];

    /// Short name, as `--*-format` options would take it.
    pub fn name(self) -> &'static str {
        match self {
            Format::AwsAuthDetails => "aws-auth-details",
        }
    }

    /// What the format is and how to recognize it, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Format::AwsAuthDetails => {
                "`aws iam get-account-authorization-details` JSON (top-level `UserDetailList`, \
                 `GroupDetailList`, `RoleDetailList` or `Policies`)"
            }
        }
    }
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
        Some(_) => {}
    }
    if bytes.get(at) != Some(&b'{') {
        return Err(unknown(file, "it is not a JSON object or an array of them"));
    }
    if let Some(key) = first_key(bytes, at)
        && AUTH_KEYS.contains(&key)
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
    if keys.iter().any(|k| AUTH_KEYS.contains(&k.as_str())) {
        return Ok(Format::AwsAuthDetails);
    }
    let shown: Vec<String> = keys.iter().take(6).map(|k| format!("`{k}`")).collect();
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
            det(r#"{"IsTruncated": false, "Policies": []}"#).unwrap(),
            Format::AwsAuthDetails
        );
    }

    #[test]
    fn anything_else_lists_the_known_formats() {
        let e = det(r#"{"Version": "2012-10-17", "Statement": []}"#).unwrap_err();
        assert!(e.message.contains("`Version`, `Statement`"), "{e}");
        assert!(e.help.as_deref().unwrap().contains("--scp"), "{e}");
        let e = det("Resources:\n  A: 1\n").unwrap_err();
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
