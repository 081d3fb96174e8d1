//! Context files (`--context-file`): the request context conditions are evaluated
//! against, as a JSON or YAML object of key → value, where a value is a string, number,
//! boolean or a list of those (`{"aws:SourceIp": "10.0.0.1", "aws:MultiFactorAuthPresent":
//! true}`). Values become strings, as condition values do; keys keep their input order.

use serde::de::{DeserializeSeed, Deserializer, Error as _, MapAccess, Visitor};
use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use super::err::{json_message, pointer_of, split_help};
use super::policy_doc::ScalarsSeed;
use super::source::{Text, decode, first_byte};
use super::{IngestError, yaml};

/// Reads a context file into (key, values) pairs in input order.
pub fn load_context_file(
    file: &Arc<str>,
    bytes: &[u8],
) -> Result<Vec<(String, Vec<String>)>, IngestError> {
    // a YAML file is read as the JSON it converts to: its errors are placed at the
    // YAML line of their pointer
    load_context_file_inner(file, bytes).map_err(|e| yaml::at_yaml_line(bytes, e))
}

fn load_context_file_inner(
    file: &Arc<str>,
    bytes: &[u8],
) -> Result<Vec<(String, Vec<String>)>, IngestError> {
    let decoded = decode(file, bytes)?;
    let (json, positions): (Cow<'_, [u8]>, bool) = match first_byte(&decoded) {
        None => {
            return Err(IngestError::new(
                Text::new(file, &decoded).place_at(Some(0), None),
                "the file is empty",
            ));
        }
        Some(b'{' | b'[') => (decoded, true),
        Some(_) => (
            Cow::Owned(yaml::to_json(file, &decoded)?.into_bytes()),
            false,
        ),
    };
    let text = Text {
        file,
        bytes: &json,
        positions,
    };
    let mut de = serde_json::Deserializer::from_slice(&json);
    let result = ContextSeed
        .deserialize(&mut de)
        .and_then(|v| de.end().map(|()| v));
    result.map_err(|e| {
        let mut de = serde_json::Deserializer::from_slice(&json);
        let mut track = serde_path_to_error::Track::new();
        let tracked =
            ContextSeed.deserialize(serde_path_to_error::Deserializer::new(&mut de, &mut track));
        let pointer = tracked.is_err().then(|| pointer_of(&track.path()));
        let (message, help) = split_help(json_message(&e));
        IngestError {
            place: text.json_error_place(0, &e, pointer),
            message,
            help: help.or_else(|| {
                Some(
                    "a context file is an object of condition keys and values, e.g. \
                      `{\"aws:SourceIp\": \"10.0.0.1\", \"aws:MultiFactorAuthPresent\": true}`"
                        .to_owned(),
                )
            }),
        }
    })
}

struct ContextSeed;

impl<'de> DeserializeSeed<'de> for ContextSeed {
    type Value = Vec<(String, Vec<String>)>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ContextSeed {
    type Value = Vec<(String, Vec<String>)>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object of context keys and values")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out: Vec<(String, Vec<String>)> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.iter().any(|(k, _)| *k == key) {
                return Err(A::Error::custom(format!("duplicate context key `{key}`")));
            }
            let values = map.next_value_seed(ScalarsSeed)?;
            out.push((key, values));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(name: &str, text: &str) -> Result<Vec<(String, Vec<String>)>, IngestError> {
        load_context_file(&Arc::from(name), text.as_bytes())
    }

    #[test]
    fn scalars_and_lists_in_order() {
        let c = load(
            "c.json",
            r#"{"z:b": true, "aws:SourceIp": ["10.0.0.1", "10.0.0.2"], "n": 5}"#,
        )
        .unwrap();
        assert_eq!(
            c,
            vec![
                ("z:b".to_owned(), vec!["true".to_owned()]),
                (
                    "aws:SourceIp".to_owned(),
                    vec!["10.0.0.1".to_owned(), "10.0.0.2".to_owned()]
                ),
                ("n".to_owned(), vec!["5".to_owned()]),
            ]
        );
        let y = load(
            "c.yaml",
            "aws:RequestedRegion: eu-west-1\naws:MultiFactorAuthPresent: true\n",
        )
        .unwrap();
        assert_eq!(
            y[0],
            (
                "aws:RequestedRegion".to_owned(),
                vec!["eu-west-1".to_owned()]
            )
        );
        assert_eq!(y[1].1, vec!["true".to_owned()]);
    }

    #[test]
    fn bad_values_have_a_place() {
        let e = load("c.json", "{\n \"a\": {\"b\": 1}\n}").unwrap_err();
        assert!(e.to_string().starts_with("c.json:2:"), "{e}");
        assert_eq!(e.place.pointer.as_deref(), Some("/a"));
        let e = load("c.json", r#"{"a": 1, "a": 2}"#).unwrap_err();
        assert!(e.message.contains("duplicate context key `a`"), "{e}");
        let e = load("c.json", "[1]").unwrap_err();
        assert!(
            e.message
                .contains("expected an object of context keys and values"),
            "{e}"
        );
        let e = load("c.yaml", "a:\n  - [1]\n").unwrap_err();
        assert_eq!(e.place.pointer.as_deref(), Some("/a/0"));
    }
}
