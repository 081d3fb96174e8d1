//! `iamdiff catalog`: look up the embedded AWS reference data.

use comfy_table::{Cell, Table};
use std::io::Write;

use crate::catalog::catalog;
use crate::eval::actions;

use super::args::{CatalogCommand, CatalogFormat};
use super::{CliError, Outcome};

pub fn run(c: &CatalogCommand, out: &mut dyn Write) -> Result<Outcome, CliError> {
    let cat = catalog();
    match c {
        CatalogCommand::Action { pattern, format } => {
            let ids = actions::expand_pattern(cat, pattern);
            if ids.is_empty() {
                return Err(CliError::Usage(format!(
                    "no action in the catalog matches `{pattern}`"
                )));
            }
            let rows: Vec<_> = ids.iter().filter_map(|&id| cat.action(id)).collect();
            match format {
                CatalogFormat::Json => {
                    serde_json::to_writer_pretty(&mut *out, &rows)
                        .map_err(crate::report::json_io)?;
                    writeln!(out)?;
                }
                CatalogFormat::Table => {
                    let mut t = Table::new();
                    t.load_style(comfy_table::presets::UTF8_FULL_CONDENSED);
                    t.set_header(vec![
                        "Action",
                        "Access level",
                        "Resource types",
                        "Condition keys",
                    ]);
                    for a in &rows {
                        let res: Vec<String> = a
                            .resource_types
                            .iter()
                            .map(|r| format!("{}{}", r.name, if r.required { "*" } else { "" }))
                            .collect();
                        t.add_row(vec![
                            Cell::new(a.full_name()),
                            Cell::new(a.level),
                            Cell::new(res.join(", ")),
                            Cell::new(a.condition_keys.join(", ")),
                        ]);
                    }
                    writeln!(out, "{t}")?;
                    writeln!(
                        out,
                        "{} action(s); * marks a required resource type",
                        rows.len()
                    )?;
                }
            }
        }
        CatalogCommand::Policy { name } => {
            let Some(p) = cat.managed_policy(name) else {
                return Err(CliError::Usage(format!(
                    "no AWS managed policy named `{name}` in the catalog"
                )));
            };
            let doc: serde_json::Value = serde_json::from_str(&p.document).map_err(|e| {
                CliError::Usage(format!("embedded document of `{}` is broken: {e}", p.name))
            })?;
            writeln!(out, "# {} ({}), version {}", p.name, p.arn, p.version)?;
            serde_json::to_writer_pretty(&mut *out, &doc).map_err(crate::report::json_io)?;
            writeln!(out)?;
        }
        CatalogCommand::Stats { format } => {
            let m = cat.meta();
            let stats = serde_json::json!({
                "services": cat.services().len(),
                "actions": cat.actions().len(),
                "resource_types": cat.services().iter().map(|s| s.resource_types.len()).sum::<usize>(),
                "condition_keys": cat.services().iter().map(|s| s.condition_keys.len()).sum::<usize>(),
                "managed_policies": cat.managed_policies().len(),
                "actions_source": format!("{} {}", m.actions_source, m.actions_version),
                "policies_source": format!("{} {}", m.policies_source, m.policies_version),
                "generated": m.generated,
            });
            match format {
                CatalogFormat::Json => {
                    serde_json::to_writer_pretty(&mut *out, &stats)
                        .map_err(crate::report::json_io)?;
                    writeln!(out)?;
                }
                CatalogFormat::Table => {
                    if let Some(o) = stats.as_object() {
                        for (k, v) in o {
                            writeln!(
                                out,
                                "{k:<18} {}",
                                v.as_str()
                                    .map(str::to_owned)
                                    .unwrap_or_else(|| v.to_string())
                            )?;
                        }
                    }
                }
            }
        }
    }
    Ok(Outcome::Clean)
}
