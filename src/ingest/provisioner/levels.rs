//! Level definitions: what `policy_assignments: {s3: level2}` grants. They are data
//! (`levels.yaml`, embedded; `--levels FILE` replaces it), read and checked here: every
//! level's statements must be a valid policy once its `{{placeholders}}` are filled, and
//! every placeholder must be one iamdiff knows, so a mistake in a levels file is an
//! error at its line, not a silent gap in somebody's access.
//!
//! Placeholders use `{{name}}` so that IAM's own policy variables (`${aws:username}`)
//! pass through untouched.

use std::sync::Arc;

use super::super::IngestError;
use super::super::policy_doc::{DocRole, ParsedDoc, parse_raw};
use super::super::yaml::{self, Node};
use super::tree::{At, Src, child, get};

/// The embedded level definitions (`src/ingest/provisioner/levels.yaml`).
pub(crate) const EMBEDDED: &str = include_str!("levels.yaml");
/// The file name statements and errors of the embedded definitions give.
pub(crate) const EMBEDDED_FILE: &str = "<embedded levels>";
/// The `format` a levels file declares.
pub(crate) const FORMAT: &str = "iamdiff-levels/1";
/// The keys of a levels file, of a service and of a level (docs/levels.md); any other is
/// an error with the closest of these (issue 7).
const TOP_KEYS: &[&str] = &["format", "services"];
const SERVICE_KEYS: &[&str] = &["title", "aliases", "levels"];
const LEVEL_KEYS: &[&str] = &["name", "source", "description", "statements"];

/// Every placeholder a level statement may use.
pub(crate) const PLACEHOLDERS: &[&str] = &[
    "prefix",
    "company_prefix",
    "env",
    "tenant_id",
    "account_id",
    "region",
    "partition",
];

pub(crate) struct Levels {
    pub file: Arc<str>,
    bytes: Vec<u8>,
    pub services: Vec<Service>,
}

pub(crate) struct Service {
    pub key: String,
    pub aliases: Vec<String>,
    pub levels: Vec<Level>,
}

pub(crate) struct Level {
    pub name: String,
    /// The `statements` list, placeholders unfilled, and its pointer in the file.
    pub statements: At<Node>,
}

/// The values placeholders are filled with; `None` when the config does not say
/// (no account id anywhere): such statements are kept but marked unresolved.
#[derive(Debug, Clone, Default)]
pub(crate) struct Values {
    pub values: Vec<(&'static str, Option<String>)>,
}

impl Values {
    /// Every placeholder with a dummy value, to check the levels' shapes.
    pub fn default_filled() -> Values {
        Values {
            values: PLACEHOLDERS
                .iter()
                .map(|p| (*p, Some("x".to_owned())))
                .collect(),
        }
    }

    fn get(&self, name: &str) -> Option<Option<&str>> {
        self.values
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_deref())
    }
}

const LEVELS_HELP: &str = "a levels file is YAML: `format: iamdiff-levels/1` and `services: {KEY: {levels: \
     [{name, statements}, ...]}}`; see docs/levels.md";

impl Levels {
    /// The embedded definitions.
    pub fn embedded() -> Result<Levels, IngestError> {
        Levels::load(Arc::from(EMBEDDED_FILE), EMBEDDED.as_bytes())
    }

    /// Reads and checks a levels file.
    pub fn load(file: Arc<str>, bytes: &[u8]) -> Result<Levels, IngestError> {
        let root = yaml::parse_tree(&file, bytes)?;
        let mut services = Vec::new();
        {
            let src = Src::new(&file, bytes);
            let top = match &root {
                Node::Map(e) => e.as_slice(),
                other => {
                    return Err(src
                        .error(
                            "",
                            false,
                            format!("a levels file must be a mapping, not {}", other.kind()),
                        )
                        .with_help(LEVELS_HELP));
                }
            };
            match get(top, "format").and_then(Node::scalar) {
                Some(f) if f == FORMAT => {}
                Some(f) => {
                    return Err(src
                        .error("/format", false, format!("unknown levels format `{f}`"))
                        .with_help(format!("this iamdiff reads `format: {FORMAT}`")));
                }
                None => {
                    return Err(src.error("", false, "missing `format`").with_help(format!(
                        "the first line of a levels file is `format: {FORMAT}`"
                    )));
                }
            }
            src.unknown_keys(top, "", TOP_KEYS, "a levels file")?;
            let Some(svc_node) = get(top, "services") else {
                return Err(src
                    .error("", false, "missing `services`")
                    .with_help(LEVELS_HELP));
            };
            for (key, node) in src.map(svc_node, "/services", "`services`")? {
                let ptr = child("/services", key);
                let entries = src.map(node, &ptr, &format!("service `{key}`"))?;
                src.unknown_keys(entries, &ptr, SERVICE_KEYS, &format!("service `{key}`"))?;
                let aliases = match get(entries, "aliases") {
                    None => Vec::new(),
                    Some(n) => src
                        .texts(n, &child(&ptr, "aliases"), "an alias")?
                        .into_iter()
                        .map(|a| a.value)
                        .collect(),
                };
                let lptr = child(&ptr, "levels");
                let list = match get(entries, "levels") {
                    Some(Node::Seq(items)) => items,
                    Some(other) => {
                        return Err(src.error(
                            &lptr,
                            false,
                            format!("`levels` must be a list, not {}", other.kind()),
                        ));
                    }
                    None => {
                        return Err(src
                            .error(&ptr, true, format!("service `{key}` has no `levels`"))
                            .with_help(LEVELS_HELP));
                    }
                };
                let mut levels = Vec::new();
                for (i, item) in list.iter().enumerate() {
                    let iptr = format!("{lptr}/{i}");
                    let e = src.map(item, &iptr, "a level")?;
                    src.unknown_keys(e, &iptr, LEVEL_KEYS, "a level")?;
                    let name = match get(e, "name") {
                        Some(n) => src.text(n, &child(&iptr, "name"), "a level name")?.value,
                        None => return Err(src.error(&iptr, false, "missing `name`")),
                    };
                    let sptr = child(&iptr, "statements");
                    let statements = match get(e, "statements") {
                        Some(s @ Node::Seq(_)) => s.clone(),
                        Some(other) => {
                            return Err(src.error(
                                &sptr,
                                false,
                                format!("`statements` must be a list, not {}", other.kind()),
                            ));
                        }
                        None => return Err(src.error(&iptr, false, "missing `statements`")),
                    };
                    levels.push(Level {
                        name,
                        statements: At::new(statements, sptr),
                    });
                }
                if levels.is_empty() {
                    return Err(src.error(&lptr, false, format!("service `{key}` has no levels")));
                }
                services.push(Service {
                    key: key.clone(),
                    aliases,
                    levels,
                });
            }
        }
        let levels = Levels {
            file,
            bytes: bytes.to_vec(),
            services,
        };
        levels.check()?;
        Ok(levels)
    }

    /// Every level must be a valid policy with any values filled in, and names and
    /// aliases must not collide.
    fn check(&self) -> Result<(), IngestError> {
        let src = Src::new(&self.file, &self.bytes);
        let any = Values::default_filled();
        let mut seen: Vec<&str> = Vec::new();
        for s in &self.services {
            for name in std::iter::once(&s.key).chain(&s.aliases) {
                if seen.contains(&name.as_str()) {
                    return Err(src.error(
                        &child("/services", &s.key),
                        true,
                        format!("service name or alias `{name}` is used twice"),
                    ));
                }
                seen.push(name);
            }
            for level in &s.levels {
                self.document(level, &any)?;
            }
        }
        Ok(())
    }

    /// The service a config key names (its key or an alias).
    pub fn service(&self, key: &str) -> Option<&Service> {
        self.services
            .iter()
            .find(|s| s.key == key || s.aliases.iter().any(|a| a == key))
    }

    /// Every key and alias.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.services
            .iter()
            .flat_map(|s| std::iter::once(&s.key).chain(&s.aliases))
            .map(String::as_str)
    }

    /// `s3, ecr, ...` for messages.
    pub fn known(&self) -> String {
        self.services
            .iter()
            .map(|s| format!("`{}`", s.key))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// A level's policy document with the placeholders filled. Placeholders without a
    /// value stay as written and are returned by name, for the caller to mark the
    /// statements unresolved. Errors are placed in the levels file.
    pub fn document(
        &self,
        level: &Level,
        values: &Values,
    ) -> Result<(ParsedDoc, Vec<String>), IngestError> {
        let src = Src::new(&self.file, &self.bytes);
        let mut missing = Vec::new();
        let filled = fill(
            &level.statements.value,
            &level.statements.pointer,
            values,
            &mut missing,
        )
        .map_err(|(pointer, message)| src.error(&pointer, false, message))?;
        let json = format!(
            "{{\"Version\":\"2012-10-17\",\"Statement\":{}}}",
            filled.to_json()
        );
        let doc = parse_raw(&json, DocRole::Identity).map_err(|e| {
            // the document's `/Statement` is the level's `statements`
            let inner = e.pointer.strip_prefix("/Statement").unwrap_or(&e.pointer);
            let pointer = format!("{}{inner}", level.statements.pointer);
            let err = src.error(&pointer, false, e.message);
            match e.help {
                Some(h) => err.with_help(h),
                None => err,
            }
        })?;
        missing.sort();
        missing.dedup();
        Ok((doc, missing))
    }
}

impl Service {
    /// The level a config value names: `levelN` (N-th in the list, from 1), or a level's
    /// name. The error says what levels there are.
    pub fn level(&self, spec: &str) -> Result<(usize, &Level), String> {
        let lower = spec.trim().to_ascii_lowercase();
        let by_number = lower
            .strip_prefix("level")
            .map(str::trim)
            .and_then(|n| n.parse::<usize>().ok());
        let found = match by_number {
            Some(n) => n
                .checked_sub(1)
                .and_then(|i| self.levels.get(i).map(|l| (n, l))),
            None => self
                .levels
                .iter()
                .enumerate()
                .find(|(_, l)| l.name == spec.trim())
                .map(|(i, l)| (i + 1, l)),
        };
        found.ok_or_else(|| {
            format!(
                "`{}` has no level `{spec}`; its levels are {}",
                self.key,
                self.levels
                    .iter()
                    .enumerate()
                    .map(|(i, l)| format!("`level{}` ({})", i + 1, l.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
    }
}

/// Fills `{{placeholders}}` in every string and key of `node`. Unknown names are
/// errors (pointer, message); names without a value stay as written and are collected.
fn fill(
    node: &Node,
    pointer: &str,
    values: &Values,
    missing: &mut Vec<String>,
) -> Result<Node, (String, String)> {
    Ok(match node {
        Node::String(s) => Node::String(fill_str(s, pointer, values, missing)?),
        Node::Seq(items) => Node::Seq(
            items
                .iter()
                .enumerate()
                .map(|(i, n)| fill(n, &format!("{pointer}/{i}"), values, missing))
                .collect::<Result<_, _>>()?,
        ),
        Node::Map(entries) => Node::Map(
            entries
                .iter()
                .map(|(k, v)| {
                    let p = child(pointer, k);
                    Ok::<_, (String, String)>((
                        fill_str(k, &p, values, missing)?,
                        fill(v, &p, values, missing)?,
                    ))
                })
                .collect::<Result<_, _>>()?,
        ),
        other => other.clone(),
    })
}

fn fill_str(
    s: &str,
    pointer: &str,
    values: &Values,
    missing: &mut Vec<String>,
) -> Result<String, (String, String)> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find("{{") {
        let (before, after) = rest.split_at(start);
        out.push_str(before);
        let body = after.get(2..).unwrap_or("");
        let Some(end) = body.find("}}") else {
            return Err((
                pointer.to_owned(),
                format!("`{{{{` without a closing `}}}}` in `{s}`"),
            ));
        };
        let name = body.get(..end).unwrap_or("").trim();
        match values.get(name) {
            Some(Some(v)) => out.push_str(v),
            Some(None) => {
                out.push_str(after.get(..end + 4).unwrap_or(""));
                missing.push(name.to_owned());
            }
            None => {
                return Err((
                    pointer.to_owned(),
                    format!(
                        "unknown placeholder `{{{{{name}}}}}`; known: {}",
                        PLACEHOLDERS
                            .iter()
                            .map(|p| format!("`{{{{{p}}}}}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ));
            }
        }
        rest = body.get(end + 2..).unwrap_or("");
    }
    out.push_str(rest);
    Ok(out)
}
