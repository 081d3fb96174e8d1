//! `iamdiff cutover`: load the before side (and `--after`), read the runbook, replay it,
//! render, and gate on `--fail-on window,incomplete`.

use std::io::Write;

use crate::diff::cutover::{self, Cutover, CutoverInput};
use crate::eval::EvalOptions;
use crate::ingest;
use crate::report::cutover as render;

use super::args::{CutoverArgs, CutoverFailOn, CutoverFormat};
use super::{CliError, Outcome, common, report_set};

pub fn run(a: &CutoverArgs, out: &mut dyn Write) -> Result<Outcome, CliError> {
    if a.format.len() > 1 && a.out.is_none() {
        return Err(CliError::Usage(
            "several `--format`s need `--out DIR` to write them to".into(),
        ));
    }
    let context = common::context(&a.context)?;
    let timer = common::Timer::new();
    let opts = common::load_options(&a.load, None);
    let before = common::load(&a.before, &a.scp, &opts)?;
    let after = if a.after.is_empty() {
        None
    } else {
        Some(common::load(&a.after, &a.scp, &opts)?)
    };
    let runbook = ingest::load_runbook(&a.runbook, &opts)?;
    common::print_warnings(
        before
            .warnings
            .iter()
            .chain(after.iter().flat_map(|s| s.warnings.iter())),
    );
    timer.lap("load");
    let sides: Vec<&crate::model::Snapshot> =
        std::iter::once(&before).chain(after.as_ref()).collect();
    let cat = common::catalog_for(&sides);
    let eval = EvalOptions { context };
    let result = cutover::cutover(&CutoverInput {
        catalog: cat,
        before: &before,
        after: after.as_ref(),
        runbook: &runbook,
        options: &eval,
    });
    timer.lap(&format!(
        "replay ({} steps, {} evaluations)",
        result.steps.len(),
        result.evaluations
    ));
    write_reports(a, &result, out)?;
    timer.lap("render");
    let failed = (a.fail_on.contains(&CutoverFailOn::Window) && !result.windows.is_empty())
        || (a.fail_on.contains(&CutoverFailOn::Incomplete) && !result.complete);
    std::mem::forget((before, after, runbook));
    Ok(if failed {
        Outcome::GateFailed
    } else {
        Outcome::Clean
    })
}

const OUT_FORMATS: [CutoverFormat; 5] = [
    CutoverFormat::Md,
    CutoverFormat::Html,
    CutoverFormat::Json,
    CutoverFormat::Sarif,
    CutoverFormat::Junit,
];

fn file_name(f: CutoverFormat) -> &'static str {
    match f {
        CutoverFormat::Table => "cutover-report.txt",
        CutoverFormat::Md => "cutover-report.md",
        CutoverFormat::Html => "cutover-report.html",
        CutoverFormat::Json => "cutover-report.json",
        CutoverFormat::Sarif => "cutover-report.sarif",
        CutoverFormat::Junit => "cutover-report.xml",
    }
}

fn write(c: &Cutover, f: CutoverFormat, w: &mut dyn Write) -> std::io::Result<()> {
    match f {
        CutoverFormat::Table => render::write_table(c, w),
        CutoverFormat::Md => render::write_markdown(c, w),
        CutoverFormat::Html => render::write_html(c, w),
        CutoverFormat::Json => render::write_json(c, w),
        CutoverFormat::Sarif => render::write_sarif(c, w),
        CutoverFormat::Junit => render::write_junit(c, w),
    }
}

fn write_reports(a: &CutoverArgs, c: &Cutover, out: &mut dyn Write) -> Result<(), CliError> {
    report_set::write(
        &report_set::Request {
            dir: a.out.as_deref(),
            asked: &a.format,
            all: &OUT_FORMATS,
            table: CutoverFormat::Table,
            quiet: a.quiet,
            file_name,
        },
        &|f, w| write(c, f, w),
        out,
    )?;
    Ok(())
}
