//! Parameter values: `--cfn-params` files (the AWS CLI's
//! `[{"ParameterKey": .., "ParameterValue": ..}]`, also wrapped in `{"Parameters": [...]}`,
//! or CodePipeline's `{"Parameters": {"Key": "Value"}}`), else each parameter's
//! `Default`. A parameter with neither has no value, and what uses it is unresolved;
//! so is one read from SSM Parameter Store at deploy, or one the file keeps at its
//! deployed value (`UsePreviousValue`).

use std::path::PathBuf;
use std::sync::Arc;

use rustc_hash::FxHashMap;

use super::intrinsics::{Env, Param};
use crate::ingest::IngestError;
use crate::ingest::raw::cloudformation::{Kind, Node};
use crate::ingest::read_source;
use crate::model::{Place, WarningCode};

/// One value given by a parameters file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Given {
    pub key: String,
    /// `None` for `UsePreviousValue`.
    pub value: Option<String>,
    pub place: Place,
}

const SHAPE: &str = "a parameters file is the AWS CLI's JSON: `[{\"ParameterKey\": \"Name\", \
    \"ParameterValue\": \"value\"}, ...]`, optionally as `{\"Parameters\": [...]}`, or \
    `{\"Parameters\": {\"Name\": \"value\"}}`";

/// Reads every `--cfn-params` file, in order (a later file's value wins).
pub(crate) fn read_files(paths: &[PathBuf]) -> Result<Vec<Given>, IngestError> {
    let mut out = Vec::new();
    for path in paths {
        let (name, bytes) = read_source(path)?;
        out.extend(read(&name, &bytes)?);
    }
    Ok(out)
}

/// Reads one parameters file.
pub(crate) fn read(file: &Arc<str>, bytes: &[u8]) -> Result<Vec<Given>, IngestError> {
    let tree = super::read_json(file, bytes)?;
    let place = |id: u32| {
        let loc = tree.locs.get(id as usize);
        Place {
            file: file.clone(),
            line: loc.map(|l| l.line),
            column: loc.map(|l| l.column),
            pointer: loc.map(|l| l.pointer.clone()),
        }
    };
    let err = |id: u32, m: String| IngestError::new(place(id), m).with_help(SHAPE);
    let root = &tree.root;
    let list = match &root.kind {
        Kind::List(items) => items,
        Kind::Map(_) => match root.get("Parameters") {
            Some(Node {
                kind: Kind::List(items),
                ..
            }) => items,
            Some(Node {
                kind: Kind::Map(entries),
                ..
            }) => {
                let mut out = Vec::new();
                for (k, v) in entries {
                    let value = scalar(v).ok_or_else(|| {
                        err(
                            v.id,
                            format!(
                                "the value of parameter `{k}` must be a string, not {}",
                                v.describe()
                            ),
                        )
                    })?;
                    out.push(Given {
                        key: k.clone(),
                        value: Some(value),
                        place: place(v.id),
                    });
                }
                check_unique(&out)?;
                return Ok(out);
            }
            _ => return Err(err(root.id, "there is no `Parameters` list".to_owned())),
        },
        _ => return Err(err(root.id, format!("the file holds {}", root.describe()))),
    };
    let mut out = Vec::new();
    for item in list {
        let entries = item.as_map().ok_or_else(|| {
            err(
                item.id,
                format!("a parameter must be an object, not {}", item.describe()),
            )
        })?;
        let mut key = None;
        let mut value = None;
        let mut previous = false;
        for (k, v) in entries {
            match k.as_str() {
                "ParameterKey" => {
                    key = Some(v.as_str().ok_or_else(|| {
                        err(
                            v.id,
                            format!("`ParameterKey` must be a string, not {}", v.describe()),
                        )
                    })?);
                }
                "ParameterValue" => {
                    value = Some(v.as_str().ok_or_else(|| {
                        err(
                            v.id,
                            format!("`ParameterValue` must be a string, not {}", v.describe()),
                        )
                    })?);
                }
                "UsePreviousValue" => previous = v.kind == Kind::Bool(true),
                "ResolvedValue" => {}
                other => {
                    return Err(err(
                        v.id,
                        format!(
                            "unknown field `{other}`: expected `ParameterKey`, `ParameterValue`, `UsePreviousValue` or `ResolvedValue`"
                        ),
                    ));
                }
            }
        }
        let key =
            key.ok_or_else(|| err(item.id, "a parameter has no `ParameterKey`".to_owned()))?;
        if value.is_none() && !previous {
            return Err(err(
                item.id,
                format!("parameter `{key}` has neither `ParameterValue` nor `UsePreviousValue`"),
            ));
        }
        out.push(Given {
            key: key.to_owned(),
            value: if previous {
                None
            } else {
                value.map(str::to_owned)
            },
            place: place(item.id),
        });
    }
    check_unique(&out)?;
    Ok(out)
}

fn scalar(v: &Node) -> Option<String> {
    match &v.kind {
        Kind::Str(s) | Kind::Num(s) => Some(s.clone()),
        Kind::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn check_unique(out: &[Given]) -> Result<(), IngestError> {
    for (i, g) in out.iter().enumerate() {
        if out.iter().take(i).any(|o| o.key == g.key) {
            return Err(IngestError::new(
                g.place.clone(),
                format!("parameter `{}` is given twice", g.key),
            ));
        }
    }
    Ok(())
}

/// The value of each parameter the template declares: from the files, else `Default`.
/// Values given for parameters the template does not declare are warned about.
pub(crate) fn values<'t>(
    env: &Env<'t>,
    declared: Option<&'t Node>,
    given: &[Given],
) -> Result<FxHashMap<&'t str, Param>, IngestError> {
    let mut out = FxHashMap::default();
    let entries = match declared {
        None => &[][..],
        Some(n) => n.as_map().ok_or_else(|| {
            env.error(
                n.id,
                format!("`Parameters` must be an object, not {}", n.describe()),
            )
        })?,
    };
    for (name, decl) in entries {
        let ty = decl
            .get("Type")
            .and_then(Node::as_str)
            .ok_or_else(|| env.error(decl.id, format!("parameter `{name}` has no `Type`")))?;
        let from_file = given.iter().rev().find(|g| g.key == *name);
        let value = match from_file {
            Some(g) => match &g.value {
                Some(v) => Ok(v.clone()),
                None => Err(format!(
                    "parameter `{name}` keeps its deployed value (`UsePreviousValue` in `{}`), which is not known offline",
                    g.place.file
                )),
            },
            None => match decl.get("Default").map(|d| (scalar(d), d)) {
                Some((Some(v), _)) => Ok(v),
                Some((None, d)) => {
                    return Err(env.error(
                        d.id,
                        format!(
                            "the `Default` of parameter `{name}` must be a string, not {}",
                            d.describe()
                        ),
                    ));
                }
                None => Err(format!(
                    "parameter `{name}` has no value (no `Default`, and no `--cfn-params` file gives it)"
                )),
            },
        };
        let param = match value {
            Err(why) => Param::Unknown(why),
            Ok(v) if ty.starts_with("AWS::SSM::Parameter::Value<") => Param::Unknown(format!(
                "parameter `{name}` is read from SSM Parameter Store (`{v}`) at deploy"
            )),
            Ok(v) if ty == "CommaDelimitedList" || ty.starts_with("List<") => {
                Param::List(v.split(',').map(|s| s.trim().to_owned()).collect())
            }
            Ok(v) => Param::Str(v),
        };
        out.insert(name.as_str(), param);
    }
    for g in given {
        if !out.contains_key(g.key.as_str()) {
            env.warnings.borrow_mut().push(crate::model::Warning {
                code: WarningCode::Unsupported,
                place: g.place.clone(),
                message: format!(
                    "parameter `{}` is not declared by `{}`, so its value is not used there",
                    g.key, env.file
                ),
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Vec<Given>, IngestError> {
        read(&Arc::from("p.json"), text.as_bytes())
    }

    fn pairs(g: &[Given]) -> Vec<(&str, Option<&str>)> {
        g.iter()
            .map(|g| (g.key.as_str(), g.value.as_deref()))
            .collect()
    }

    #[test]
    fn the_three_shapes() {
        let list = r#"[{"ParameterKey": "Env", "ParameterValue": "prod"},
                       {"ParameterKey": "Old", "UsePreviousValue": true}]"#;
        assert_eq!(
            pairs(&parse(list).unwrap()),
            [("Env", Some("prod")), ("Old", None)]
        );
        let wrapped = format!(r#"{{"Parameters": {list}}}"#);
        assert_eq!(pairs(&parse(&wrapped).unwrap()).len(), 2);
        let map = r#"{"Parameters": {"Env": "prod", "Count": 3}}"#;
        assert_eq!(
            pairs(&parse(map).unwrap()),
            [("Env", Some("prod")), ("Count", Some("3"))]
        );
    }

    #[test]
    fn bad_shapes_are_placed() {
        let e = parse(r#"[{"ParameterKey": "A", "ParameterValue": 5}]"#).unwrap_err();
        assert_eq!(e.place.pointer.as_deref(), Some("/0/ParameterValue"));
        assert_eq!((e.place.line, e.place.column), (Some(1), Some(42)));
        assert!(e.message.contains("must be a string"), "{e}");
        let e = parse(r#"[{"ParameterKey": "A", "Value": "x"}]"#).unwrap_err();
        assert!(e.message.contains("unknown field `Value`"), "{e}");
        let e = parse(r#"{"Params": []}"#).unwrap_err();
        assert!(e.help.as_deref().unwrap().contains("ParameterKey"), "{e}");
        let e = parse(
            r#"[{"ParameterKey": "A", "ParameterValue": "1"},
                         {"ParameterKey": "A", "ParameterValue": "2"}]"#,
        )
        .unwrap_err();
        assert!(e.message.contains("given twice"), "{e}");
        assert_eq!(e.place.line, Some(2));
        let e = parse("[{\"ParameterKey\": \"A\",}]").unwrap_err();
        assert!(e.to_string().starts_with("p.json:1:"), "{e}");
    }
}
