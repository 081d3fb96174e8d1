//! YAML inputs (SCP files, context files; later CloudFormation), and the only file that
//! names the YAML crate, so it can be swapped (for a saphyr-based loader, say) without
//! touching the readers.
//!
//! YAML is turned into equivalent JSON text, keys in input order, and then read by the
//! same code as JSON, so both formats get the same checks (duplicate keys, shapes,
//! policy grammar). The YAML parser itself rejects duplicate keys and anchor bombs;
//! YAML 1.2 keeps `2012-10-17`, `012345678901` and `yes` as strings, as IAM needs.
//! Tags (`!Ref`) mean nothing in these files and are rejected with their place.
//! CloudFormation templates are the exception: [`cfn_to_json`] reads their short-form
//! tags (`!Ref`, `!Sub`, `!GetAtt`...) into the long-form objects JSON templates use.

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

/// CloudFormation YAML → the equivalent long-form JSON text, keys in input order, the
/// way AWS's `cfn-flip` reads short-form tags: `!Ref X` → `{"Ref": "X"}`, `!Condition X`
/// → `{"Condition": "X"}`, any other `!X v` → `{"Fn::X": v}`, and a scalar `!GetAtt A.B`
/// → `{"Fn::GetAtt": ["A", "B"]}` (split on the first dot; attribute names may hold
/// dots). Afterwards YAML and JSON templates are read by the same code. Errors carry the
/// YAML line:column, or the JSON pointer of the offending value.
pub(crate) fn cfn_to_json(file: &Arc<str>, bytes: &[u8]) -> Result<String, IngestError> {
    let value: Value = serde_yaml::from_slice(bytes).map_err(|e| yaml_error(file, &e))?;
    let mut out = String::new();
    let mut pointer = String::new();
    write_cfn(&value, &mut out, &mut pointer).map_err(|message| {
        IngestError::new(Place::pointer(file.clone(), pointer.clone()), message)
    })?;
    Ok(out)
}

/// A YAML parser error placed at its line:column.
fn yaml_error(file: &Arc<str>, e: &serde_yaml::Error) -> IngestError {
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
}

/// The long-form key of a short-form tag (`!Ref` → `Ref`, `!Sub` → `Fn::Sub`).
pub(crate) fn cfn_tag_key(tag: &str) -> String {
    let name = tag.trim_start_matches('!');
    match name {
        "Ref" | "Condition" => name.to_owned(),
        _ => format!("Fn::{name}"),
    }
}

/// [`write_json`] with CloudFormation's short-form tags turned into long-form objects.
fn write_cfn(v: &Value, out: &mut String, pointer: &mut String) -> Result<(), String> {
    match v {
        Value::Sequence(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let len = pointer.len();
                pointer.push_str(&format!("/{i}"));
                write_cfn(item, out, pointer)?;
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
                write_cfn(item, out, pointer)?;
                pointer.truncate(len);
            }
            out.push('}');
        }
        Value::Tagged(t) => {
            let key = cfn_tag_key(&t.tag.to_string());
            out.push('{');
            push_str(out, &key);
            out.push(':');
            let len = pointer.len();
            pointer.push('/');
            pointer.push_str(&escape_token(&key));
            match (&t.value, key.as_str()) {
                (Value::String(s), "Fn::GetAtt") => {
                    out.push('[');
                    match s.split_once('.') {
                        Some((resource, attribute)) => {
                            push_str(out, resource);
                            out.push(',');
                            push_str(out, attribute);
                        }
                        None => push_str(out, s),
                    }
                    out.push(']');
                }
                (inner, _) => write_cfn(inner, out, pointer)?,
            }
            pointer.truncate(len);
            out.push('}');
        }
        scalar => write_json(scalar, out, pointer)?,
    }
    Ok(())
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
    fn cfn(y: &str) -> Result<String, IngestError> {
        cfn_to_json(&Arc::from("t.yaml"), y.as_bytes())
    }

    #[test]
    fn cfn_short_forms_become_long_forms() {
        let j = cfn(concat!(
            "A: !Ref Bucket\n",
            "B: !GetAtt Role.Arn\n",
            "C: !GetAtt Db.Endpoint.Address\n",
            "D: !Sub 'arn:${AWS::Partition}:s3:::${Bucket}/*'\n",
            "E: !If [Cond, !Ref X, !Ref 'AWS::NoValue']\n",
            "F: !Condition IsProd\n",
            "G: !Join\n  - ''\n  - - a\n    - !ImportValue Shared\n",
            "H: !GetAtt [Role, Arn]\n",
            "I: {Fn::Select: [0, !Split [',', 'a,b']]}\n",
        ))
        .unwrap();
        assert_eq!(
            j,
            concat!(
                r#"{"A":{"Ref":"Bucket"},"B":{"Fn::GetAtt":["Role","Arn"]},"#,
                r#""C":{"Fn::GetAtt":["Db","Endpoint.Address"]},"#,
                r#""D":{"Fn::Sub":"arn:${AWS::Partition}:s3:::${Bucket}/*"},"#,
                r#""E":{"Fn::If":["Cond",{"Ref":"X"},{"Ref":"AWS::NoValue"}]},"#,
                r#""F":{"Condition":"IsProd"},"#,
                r#""G":{"Fn::Join":["",["a",{"Fn::ImportValue":"Shared"}]]},"#,
                r#""H":{"Fn::GetAtt":["Role","Arn"]},"#,
                r#""I":{"Fn::Select":[0,{"Fn::Split":[",","a,b"]}]}}"#
            )
        );
    }

    #[test]
    fn cfn_errors_are_placed() {
        // the YAML parser places a duplicate key at the start of its mapping
        let e = cfn("B:\n  A: 1\n  A: 2\n").unwrap_err();
        assert_eq!((e.place.line, e.place.column), (Some(2), Some(3)), "{e}");
        let e = cfn("A: !Ref [x\n").unwrap_err();
        assert!(e.to_string().starts_with("t.yaml:"), "{e}");
        // plain SCP and context files still reject tags
        assert!(conv("A: !Ref X\n").is_err());
    }
}
