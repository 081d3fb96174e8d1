//! YAML inputs (SCP files, context files; later CloudFormation), and the only file that
//! names the YAML crate, so it can be swapped (for a saphyr-based loader, say) without
//! touching the readers.
//!
//! YAML is turned into equivalent JSON text, keys in input order, and then read by the
//! same code as JSON, so both formats get the same checks (duplicate keys, shapes,
//! policy grammar). The YAML parser itself rejects duplicate keys and anchor bombs;
//! YAML 1.2 keeps `2012-10-17`, `012345678901` and `yes` as strings, as IAM needs.
//! Tags (`!Ref`) mean nothing in these files and are rejected with their place.

use serde_yaml::Value;
use std::sync::Arc;

use super::IngestError;
use super::err::escape_token;
use crate::model::Place;

/// YAML text → equivalent JSON text. Errors carry the YAML line:column, or the JSON
/// pointer of the offending value.
pub(crate) fn to_json(file: &Arc<str>, bytes: &[u8]) -> Result<String, IngestError> {
    let value: Value = serde_yaml::from_slice(bytes).map_err(|e| {
        let loc = e.location();
        let mut message = e.to_string();
        if let Some(l) = &loc {
            message = message.replacen(
                &format!(" at line {} column {}", l.line(), l.column()),
                "",
                1,
            );
        }
        let place = Place {
            file: file.clone(),
            line: loc.as_ref().and_then(|l| u32::try_from(l.line()).ok()),
            column: loc.as_ref().and_then(|l| u32::try_from(l.column()).ok()),
            pointer: None,
        };
        IngestError::new(place, format!("invalid YAML: {message}"))
    })?;
    let mut out = String::new();
    let mut pointer = String::new();
    write_json(&value, &mut out, &mut pointer).map_err(|message| {
        IngestError::new(Place::pointer(file.clone(), pointer.clone()), message)
    })?;
    Ok(out)
}

/// Writes `v` as JSON; on error, `pointer` is left at the offending value.
fn write_json(v: &Value, out: &mut String, pointer: &mut String) -> Result<(), String> {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            if n.is_nan() || n.is_infinite() {
                return Err(format!("`{n}` is not a number JSON can hold"));
            }
            out.push_str(&serde_json::to_string(n).map_err(|e| e.to_string())?);
        }
        Value::String(s) => push_str(out, s),
        Value::Sequence(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let len = pointer.len();
                pointer.push_str(&format!("/{i}"));
                write_json(item, out, pointer)?;
                pointer.truncate(len);
            }
            out.push(']');
        }
        Value::Mapping(map) => {
            out.push('{');
            for (i, (k, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let key = match k {
                    Value::String(s) => s.clone(),
                    Value::Bool(b) => b.to_string(),
                    Value::Number(n) => n.to_string(),
                    _ => return Err("a mapping key must be a string".to_owned()),
                };
                push_str(out, &key);
                out.push(':');
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&escape_token(&key));
                write_json(item, out, pointer)?;
                pointer.truncate(len);
            }
            out.push('}');
        }
        Value::Tagged(t) => {
            return Err(format!(
                "YAML tag `{}` is not supported in this file",
                t.tag
            ));
        }
    }
    Ok(())
}

fn push_str(out: &mut String, s: &str) {
    // Serializing a string cannot fail; an empty string is the harmless fallback.
    out.push_str(&serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned()));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conv(y: &str) -> Result<String, IngestError> {
        to_json(&Arc::from("f.yaml"), y.as_bytes())
    }

    #[test]
    fn keeps_strings_order_and_types() {
        let j = conv("Version: 2012-10-17\nb: 012345678901\na: [yes, 3, true, 1.5]\n").unwrap();
        assert_eq!(
            j,
            r#"{"Version":"2012-10-17","b":"012345678901","a":["yes",3,true,1.5]}"#
        );
    }

    #[test]
    fn duplicate_keys_and_syntax_errors_have_a_line() {
        let e = conv("a: 1\na: 2\n").unwrap_err();
        assert!(e.message.contains("duplicate"), "{e}");
        assert!(e.place.line.is_some(), "{e}");
        let e = conv("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(e.to_string().starts_with("f.yaml:"), "{e}");
    }

    #[test]
    fn tags_are_rejected_with_a_pointer() {
        let e = conv("Statement:\n  - Resource: !Ref Bucket\n").unwrap_err();
        assert_eq!(e.place.pointer.as_deref(), Some("/Statement/0/Resource"));
        assert!(e.message.contains("`!Ref`"), "{e}");
    }
}
