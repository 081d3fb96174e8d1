//! `iamdiff catalog`: look up the embedded AWS reference data and GCP role catalog.

use comfy_table::{Cell, Table};
use std::io::Write;

use crate::catalog::catalog;
use crate::catalog::gcp::{gcp_catalog, gcp_roles};
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
        CatalogCommand::Role { name, format } => gcp_role(name, *format, out)?,
        CatalogCommand::Permission { pattern, format } => gcp_permission(pattern, *format, out)?,
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
                "gcp_roles": gcp_roles().roles.len(),
                "gcp_permissions": gcp_roles().permissions.len(),
                "gcp_source": gcp_roles().meta.as_ref().map(|g| format!("{} {} ({}; sha256 {})", g.source, g.version, g.licence, g.sha256)),
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

/// `catalog role`: a GCP predefined role and its permissions.
fn gcp_role(name: &str, format: CatalogFormat, out: &mut dyn Write) -> Result<(), CliError> {
    let roles = gcp_roles();
    let Some(r) = roles.role(name) else {
        return Err(CliError::Usage(format!(
            "no GCP predefined role named `{name}` in the catalog (custom roles are read from `gcloud iam roles describe` output)"
        )));
    };
    let perms: Vec<&str> = roles.permissions_of(r).collect();
    match format {
        CatalogFormat::Json => {
            let v = serde_json::json!({
                "name": r.name, "title": r.title, "stage": r.stage, "includedPermissions": perms,
            });
            serde_json::to_writer_pretty(&mut *out, &v).map_err(crate::report::json_io)?;
            writeln!(out)?;
        }
        CatalogFormat::Table => {
            writeln!(out, "# {} ({}), stage {}", r.name, r.title, r.stage)?;
            for p in &perms {
                writeln!(out, "{p}")?;
            }
            writeln!(out, "{} permission(s)", perms.len())?;
        }
    }
    Ok(())
}

/// `catalog permission`: GCP permissions matching a pattern and the roles granting them.
fn gcp_permission(
    pattern: &str,
    format: CatalogFormat,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let cat = gcp_catalog();
    let roles = gcp_roles();
    let ids = actions::expand_pattern(cat, pattern);
    if ids.is_empty() {
        return Err(CliError::Usage(format!(
            "no GCP permission in the catalog matches `{pattern}`"
        )));
    }
    let names: Vec<String> = ids
        .iter()
        .filter_map(|&id| cat.action(id))
        .map(crate::catalog::Action::full_name)
        .collect();
    let granting = |perm: &str| -> Vec<&str> {
        let Ok(i) = roles.permissions.binary_search_by(|p| p.as_str().cmp(perm)) else {
            return Vec::new();
        };
        let i = u32::try_from(i).unwrap_or(u32::MAX);
        roles
            .roles
            .iter()
            .filter(|r| r.permissions.binary_search(&i).is_ok())
            .map(|r| r.name.as_str())
            .collect()
    };
    match format {
        CatalogFormat::Json => {
            let rows: Vec<_> = names
                .iter()
                .map(|n| serde_json::json!({"permission": n, "roles": granting(n)}))
                .collect();
            serde_json::to_writer_pretty(&mut *out, &rows).map_err(crate::report::json_io)?;
            writeln!(out)?;
        }
        CatalogFormat::Table => {
            let mut t = Table::new();
            t.load_style(comfy_table::presets::UTF8_FULL_CONDENSED);
            t.set_header(vec!["Permission", "Predefined roles granting it"]);
            for n in &names {
                let r = granting(n);
                let shown = if r.len() > SHOWN_ROLES {
                    format!(
                        "{} … ({} roles)",
                        r.get(..SHOWN_ROLES).unwrap_or(&[]).join(", "),
                        r.len()
                    )
                } else {
                    r.join(", ")
                };
                t.add_row(vec![Cell::new(n), Cell::new(shown)]);
            }
            writeln!(out, "{t}")?;
            writeln!(out, "{} permission(s)", names.len())?;
        }
    }
    Ok(())
}

/// Roles named per permission in the table; JSON lists all.
const SHOWN_ROLES: usize = 8;
