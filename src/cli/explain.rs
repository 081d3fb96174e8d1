//! `iamdiff explain`: one request decided, with the statements behind the decision.

use std::io::Write;

use crate::catalog::catalog;
use crate::eval;
use crate::model::Snapshot;
use crate::report;

use super::args::{ExplainArgs, ExplainFormat};
use super::common;
use super::{CliError, Outcome};

pub fn run(a: &ExplainArgs, out: &mut dyn Write) -> Result<Outcome, CliError> {
    let context = common::context(&a.context)?;
    let snap = common::load(&a.sources, &a.scp)?;
    let p = find_principal(&snap, &a.principal)?;
    let cat = catalog();
    let e = eval::explain(&snap, cat, p, &a.action, a.resource.as_deref(), &context);
    match a.format {
        ExplainFormat::Text => report::explain::write_text(&e, cat, out)?,
        ExplainFormat::Json => report::explain::write_json(&e, out)?,
    }
    Ok(Outcome::Clean)
}

/// A principal by exact name or ARN; an ambiguous name (a user and a role) is an error.
pub fn find_principal<'a>(
    snap: &'a Snapshot,
    name: &str,
) -> Result<&'a crate::model::Principal, CliError> {
    let hits: Vec<_> = snap
        .principals
        .iter()
        .filter(|p| p.name == name || p.arn.as_deref() == Some(name))
        .collect();
    match hits.as_slice() {
        [one] => Ok(one),
        [] => {
            let mut close: Vec<&str> = snap
                .principals
                .iter()
                .map(|p| p.name.as_str())
                .filter(|n| n.eq_ignore_ascii_case(name) || n.contains(name))
                .take(5)
                .collect();
            close.sort();
            Err(CliError::Usage(format!(
                "no user or role named `{name}`{}",
                if close.is_empty() {
                    String::new()
                } else {
                    format!(" (did you mean `{}`?)", close.join("`, `"))
                }
            )))
        }
        _ => Err(CliError::Usage(format!(
            "`{name}` names both a user and a role: give the ARN instead"
        ))),
    }
}
