//! `iamdiff effective`: the inventory of who can do what.

use std::io::Write;

use crate::eval::{self, EvalOptions};
use crate::report::effective::{EffectiveView, Selection};

use super::args::{EffectiveArgs, EffectiveFormat};
use super::common::{self, PrincipalFilter};
use super::{CliError, Outcome};

pub fn run(a: &EffectiveArgs, out: &mut dyn Write) -> Result<Outcome, CliError> {
    let filter = PrincipalFilter::new(&a.principal)?;
    let services = common::services(&a.service)?;
    let context = common::context(&a.context)?;
    let timer = common::Timer::new();
    let snap = common::load(
        &a.sources,
        &a.scp,
        &common::load_options(&a.load, a.source_format),
    )?;
    common::print_warnings(&snap.warnings);
    timer.lap("load");
    let cat = common::catalog_for(&[&snap]);
    let eff = eval::effective(&snap, cat, &EvalOptions { context });
    let context_of = |a: &EffectiveArgs| common::context(&a.context);
    timer.lap(&format!("evaluate ({} distinct evaluations)", eff.distinct));
    if a.people {
        let view = eval::people::people(&snap, &eff, cat, &context_of(a)?);
        timer.lap(&format!("people ({} edges)", view.graph.edges.len()));
        let report =
            crate::report::people::PeopleReport::new(&snap, cat, &view, &a.principal, &services);
        if report.people.is_empty() && !a.principal.is_empty() {
            return Err(CliError::Usage(format!(
                "no person matches `--principal {}`",
                a.principal.join("`, `")
            )));
        }
        match a.format {
            EffectiveFormat::Table => report.write_text(out, false)?,
            EffectiveFormat::Md => report.write_text(out, true)?,
            EffectiveFormat::Json => report.write_json(out)?,
        }
        return Ok(Outcome::Clean);
    }
    let principals: Vec<usize> = snap
        .principals
        .iter()
        .enumerate()
        .filter(|(_, p)| filter.matches(p))
        .map(|(i, _)| i)
        .collect();
    if principals.is_empty() && !a.principal.is_empty() {
        return Err(CliError::Usage(format!(
            "no user or role matches `--principal {}`",
            a.principal.join("`, `")
        )));
    }
    let view = EffectiveView::new(
        &snap,
        cat,
        &eff,
        &Selection {
            principals,
            services: &services,
            detail: a.detail,
        },
    );
    timer.lap("report model");
    match a.format {
        EffectiveFormat::Table => view.write_table(common::table_width(), out)?,
        EffectiveFormat::Json => view.write_json(out)?,
        EffectiveFormat::Md => view.write_markdown(out)?,
    }
    timer.lap("write");
    // The process ends right after: freeing a large account's millions of small
    // allocations one by one would cost more than everything else; the OS reclaims them.
    std::mem::forget(view);
    std::mem::forget(eff);
    std::mem::forget(snap);
    Ok(Outcome::Clean)
}
