//! `iamdiff diff`: compare two sides, report, and gate.

use std::io::{IsTerminal, Write};

use crate::catalog::AccessLevel;
use crate::diff::findings::Category;
use crate::diff::mapping::Renames;
use crate::diff::{self, DiffOptions, SideInput};
use crate::eval::{self, EvalOptions};
use crate::ingest;
use crate::report::{self, diff::DiffReport};

use super::args::{DiffArgs, DiffFormat, DiffView, FailOn, MinLevel};
use super::common;
use super::report_set;
use super::{CliError, Outcome};

pub fn run(a: &DiffArgs, out: &mut dyn Write) -> Result<Outcome, CliError> {
    let only = common::PrincipalFilter::new(&a.principal)?;
    if a.format.len() > 1 && a.out.is_none() {
        return Err(CliError::Usage(
            "several `--format`s need `--out DIR` to write them to".into(),
        ));
    }
    let today = match &a.today {
        Some(t) if diff::waivers::valid_date(t) => t.clone(),
        Some(t) => {
            return Err(CliError::Usage(format!(
                "`--today {t}`: expected a date YYYY-MM-DD"
            )));
        }
        None => today_utc(),
    };
    let context = common::context(&a.context)?;
    // a map file with a `port:` section is a port between vocabularies (issue 10 item 5)
    let (renames, map_file, port) = match &a.map {
        Some(p) => {
            let (name, text) = ingest::read_yaml_source(p)?;
            if diff::port::is_port(&text) {
                let port = diff::port::Port::parse(&name, &text)?;
                (Renames::default(), None, Some(port))
            } else {
                (Renames::parse(&name, &text)?, Some(name), None)
            }
        }
        None => (Renames::default(), None, None),
    };
    let waivers = match &a.waivers {
        Some(p) => {
            let (name, text) = ingest::read_yaml_source(p)?;
            diff::waivers::parse(&name, &text)?
        }
        None => Vec::new(),
    };
    let progress = Progress::new(a.quiet);
    let timer = common::Timer::new();
    progress.say("reading the before side");
    let mut before_scp = a.scp.clone();
    before_scp.extend(a.before_scp.iter().cloned());
    let mut after_scp = a.scp.clone();
    after_scp.extend(a.after_scp.iter().cloned());
    // the two sides load in parallel; each parses its documents in parallel too
    let (before, after) = rayon::join(
        || {
            common::load(
                &a.before,
                &before_scp,
                &common::load_options(&a.load, a.before_format),
            )
        },
        || {
            common::load(
                &a.after,
                &after_scp,
                &common::load_options(&a.load, a.after_format),
            )
        },
    );
    let (before, after) = (before?, after?);
    // warnings of both sides and of the map file, in one fixed order (issue 7)
    common::print_pair_warnings(&renames, map_file.as_ref(), &before, &after);
    timer.lap("load");
    if let Some(port) = &port {
        progress.done();
        return run_port(a, port, &before, &after, context, &waivers, &today, out);
    }
    let cat = common::catalog_for(&[&before, &after]);
    let opts = EvalOptions { context };
    progress.say("evaluating both sides");
    // only principals whose inputs may differ between the sides are evaluated
    let matching = diff::match_principals(&before, &after, &renames);
    let (mut wb, mut wa) = diff::worth_evaluating(&before, &after, &matching);
    // the person view needs the access of every principal a person may reach: a
    // person's other paths decide what losing one path costs (issue 9)
    let people_view = match a.view {
        DiffView::Principals => false,
        DiffView::People => true,
        DiffView::Auto => {
            (may_assume(&before) || may_assume(&after))
                && (!before.people.people.is_empty()
                    || !after.people.people.is_empty()
                    || before.principals.len() + after.principals.len() <= AUTO_PEOPLE_PRINCIPALS)
        }
    };
    if people_view {
        let (nb, na) = rayon::join(
            || eval::assume::people_may_reach(&before),
            || eval::assume::people_may_reach(&after),
        );
        // a pair is evaluated on both sides or neither, as the principal view compares it
        for &(i, j) in &matching.pairs {
            if nb.get(i).copied().unwrap_or(false) || na.get(j).copied().unwrap_or(false) {
                if let Some(w) = wb.get_mut(i) {
                    *w = true;
                }
                if let Some(w) = wa.get_mut(j) {
                    *w = true;
                }
            }
        }
        for (w, n) in wb.iter_mut().zip(&nb).chain(wa.iter_mut().zip(&na)) {
            *w |= *n;
        }
    }
    timer.note(format_args!(
        "evaluating {} of {} principals before, {} of {} after",
        wb.iter().filter(|w| **w).count(),
        wb.len(),
        wa.iter().filter(|w| **w).count(),
        wa.len()
    ));
    let (eb, ea) = rayon::join(
        || eval::effective::effective_selected(&before, cat, &opts, &wb),
        || eval::effective::effective_selected(&after, cat, &opts, &wa),
    );
    timer.lap("evaluate");
    if timer.on() {
        for (side, e) in [("before", &eb), ("after", &ea)] {
            let mut seen = rustc_hash::FxHashSet::default();
            let (mut grants, mut rules) = (0usize, 0usize);
            for p in &e.principals {
                if seen.insert(std::sync::Arc::as_ptr(&p.evaluation)) {
                    let r = &p.evaluation.rules;
                    grants += p.evaluation.grants.len();
                    rules += r.allows.len()
                        + r.denies.len()
                        + r.levels.iter().map(|(_, l)| l.len()).sum::<usize>()
                        + r.resource_allows.len();
                }
            }
            timer.note(format_args!(
                "{side}: {} distinct evaluations, {grants} grants, {rules} statements decided",
                seen.len()
            ));
        }
    }
    progress.say("comparing");
    let fail_on: Vec<Category> = a.fail_on.iter().map(|f| category(*f)).collect();
    let views = if people_view {
        let (pb, pa) = rayon::join(
            || eval::people::people_of(&before, &eb, cat, &opts.context, Some(&wb)),
            || eval::people::people_of(&after, &ea, cat, &opts.context, Some(&wa)),
        );
        for (side, v) in [("before", &pb), ("after", &pa)]
            .into_iter()
            .filter(|_| timer.on())
        {
            timer.note(format_args!(
                "{side}: {} people, {} role paths",
                v.people.len(),
                v.people.iter().map(|p| p.roles.len()).sum::<usize>()
            ));
        }
        (a.view == DiffView::People || pb.reaches_roles() || pa.reaches_roles()).then_some((pb, pa))
    } else {
        None
    };
    let outcome = diff::diff_matched(
        cat,
        &SideInput {
            snapshot: &before,
            effective: &eb,
        },
        &SideInput {
            snapshot: &after,
            effective: &ea,
        },
        &DiffOptions {
            renames: &renames,
            waivers: &waivers,
            fail_on: &fail_on,
            min_level: level(a.min_level),
            today: &today,
        },
        &matching,
        views.as_ref().map(|(pb, pa)| (pb, pa)),
    );
    timer.lap("compare");
    let mut report = DiffReport::new(outcome, cat, &before, &after);
    report.report_url = a.report_url.clone();
    report.docs_url = super::common::docs_url(a.docs_url.as_deref())?;
    // the sign-off and statement places, for every format (issue 12)
    {
        let compared = (matching.pairs.iter().map(|&(_, j)| after.principals.get(j)))
            .chain(matching.carried.iter().map(|&i| before.principals.get(i)))
            .flatten()
            .map(|p| (p.kind.as_str().to_owned(), p.name.clone()))
            .collect();
        let inputs = super::provenance::Inputs {
            args: a,
            before: &before,
            after: &after,
            compared,
        };
        super::provenance::fill(&mut report, &inputs)?;
    }
    timer.lap("provenance");
    // --principal narrows what every report lists, never the verdict (issue 12 item 9)
    if !only.is_empty() {
        let changed = report.principals.len();
        report.retain_principals(|names| only.matches_any(names));
        if !a.quiet {
            eprintln!(
                "iamdiff: listing {} of {changed} changed principal(s), those matching `--principal {}`; the verdict and counts are the whole comparison's",
                report.principals.len(),
                a.principal.join("`, `")
            );
        }
    }
    // --show and --min-severity narrow what the reports list, never the verdict (issue 12)
    let show = match a.show {
        super::args::ShowFindings::Fails => report::causes::Show::Fails,
        super::args::ShowFindings::Waived => report::causes::Show::Waived,
        super::args::ShowFindings::All => report::causes::Show::All,
    };
    let min = a.min_severity.map_or(AccessLevel::List, level);
    report::causes::filter(&mut report, show, min);
    progress.done();
    write_reports(a, &report, out)?;
    timer.lap("render");
    let passed = report.gate.passed;
    // the process ends right after: let the OS reclaim the large structures at once
    std::mem::forget((report, eb, ea, before, after, views));
    Ok(if passed {
        Outcome::Clean
    } else {
        Outcome::GateFailed
    })
}

/// `diff --map PORT`: each side evaluated in its own vocabulary, the before side
/// translated by the port and compared with the after side in the target's terms.
#[allow(clippy::too_many_arguments)]
fn run_port(
    a: &DiffArgs,
    port: &diff::port::Port,
    before: &crate::model::Snapshot,
    after: &crate::model::Snapshot,
    context: eval::context::RequestContext,
    waivers: &[diff::waivers::Waiver],
    today: &str,
    out: &mut dyn Write,
) -> Result<Outcome, CliError> {
    let (scat, tcat) = (
        common::catalog_for(&[before]),
        common::catalog_for(&[after]),
    );
    let want = match port.to {
        diff::port::TargetKind::Gcp => after.gcp.is_some(),
        diff::port::TargetKind::Platform => after.platform.is_some(),
    };
    if !want {
        return Err(CliError::Usage(format!(
            "the port map {} targets `{}`, and the after side is not a {} input",
            port.file,
            port.to.as_str(),
            port.to.as_str()
        )));
    }
    diff::port::compare::check(port, tcat)?;
    let opts = EvalOptions { context };
    let (eb, ea) = rayon::join(
        || eval::effective::effective(before, scat, &opts),
        || eval::effective::effective(after, tcat, &opts),
    );
    let fail_on: Vec<Category> = a.fail_on.iter().map(|f| category(*f)).collect();
    let outcome = diff::port::compare(
        port,
        &diff::port::PortInputs {
            source: before,
            source_eval: &eb,
            source_catalog: scat,
            target: after,
            target_eval: &ea,
            target_catalog: tcat,
        },
        &DiffOptions {
            renames: &Renames::default(),
            waivers,
            fail_on: &fail_on,
            min_level: level(a.min_level),
            today,
        },
    );
    let report_cat = match port.to {
        diff::port::TargetKind::Gcp => tcat,
        diff::port::TargetKind::Platform => scat,
    };
    let mut report = DiffReport::new(outcome, report_cat, before, after);
    report.report_url = a.report_url.clone();
    report.docs_url = super::common::docs_url(a.docs_url.as_deref())?;
    write_reports(a, &report, out)?;
    Ok(if report.gate.passed {
        Outcome::Clean
    } else {
        Outcome::GateFailed
    })
}

/// Writes the reports `--format`/`--out` ask for.
fn write_reports(a: &DiffArgs, report: &DiffReport, out: &mut dyn Write) -> Result<(), CliError> {
    let table = report::table::TableOptions {
        width: common::table_width(),
        detail: a.detail,
    };
    report_set::write(
        &report_set::Request {
            dir: a.out.as_deref(),
            asked: &a.format,
            all: &OUT_FORMATS,
            table: DiffFormat::Table,
            quiet: a.quiet,
            file_name,
        },
        &|f, w| render(report, f, w, &table),
        out,
    )?;
    Ok(())
}

/// The reports `--out DIR` holds, all of them unless `--format` says which.
const OUT_FORMATS: [DiffFormat; 5] = [
    DiffFormat::Md,
    DiffFormat::Html,
    DiffFormat::Json,
    DiffFormat::Sarif,
    DiffFormat::Junit,
];

fn render(
    r: &DiffReport,
    f: DiffFormat,
    w: &mut dyn Write,
    table: &report::table::TableOptions,
) -> std::io::Result<()> {
    match f {
        DiffFormat::Table => report::table::write_table(r, table, w),
        DiffFormat::Md => report::markdown::write_markdown(r, w),
        DiffFormat::Html => report::html::write_html(r, w),
        DiffFormat::Json => r.write_json(w),
        DiffFormat::Sarif => report::sarif::write_sarif(r, w),
        DiffFormat::Junit => report::junit::write_junit(r, w),
    }
}

pub fn file_name(f: DiffFormat) -> &'static str {
    match f {
        DiffFormat::Table => "iamdiff-report.txt",
        DiffFormat::Md => "iamdiff-report.md",
        DiffFormat::Html => "iamdiff-report.html",
        DiffFormat::Json => "iamdiff-report.json",
        DiffFormat::Sarif => "iamdiff-report.sarif",
        DiffFormat::Junit => "iamdiff-report.xml",
    }
}

fn category(f: FailOn) -> Category {
    match f {
        FailOn::Lost => Category::Lost,
        FailOn::Narrowed => Category::Narrowed,
        FailOn::Conditional => Category::Conditional,
        FailOn::Gained => Category::Gained,
        FailOn::Removed => Category::Removed,
        FailOn::Review => Category::Review,
    }
}

fn level(l: MinLevel) -> AccessLevel {
    match l {
        MinLevel::List => AccessLevel::List,
        MinLevel::Read => AccessLevel::Read,
        MinLevel::Tagging => AccessLevel::Tagging,
        MinLevel::Write => AccessLevel::Write,
        MinLevel::Permissions => AccessLevel::PermissionsManagement,
    }
}

/// Today's date in UTC as `YYYY-MM-DD` (or that of `SOURCE_DATE_EPOCH`).
fn today_utc() -> String {
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| i64::try_from(d.as_secs()).unwrap_or(0))
                .unwrap_or(0)
        });
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}")
}

/// Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
pub(super) fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// A spinner on stderr, only on a terminal and without --quiet.
struct Progress(Option<indicatif::ProgressBar>);

impl Progress {
    fn new(quiet: bool) -> Self {
        if quiet || !std::io::stderr().is_terminal() {
            return Progress(None);
        }
        let pb = indicatif::ProgressBar::new_spinner();
        pb.enable_steady_tick(std::time::Duration::from_millis(120));
        Progress(Some(pb))
    }

    fn say(&self, msg: &'static str) {
        if let Some(pb) = &self.0 {
            pb.set_message(msg);
        }
    }

    fn done(&self) {
        if let Some(pb) = &self.0 {
            pb.finish_and_clear();
        }
    }
}

/// `--view auto` adds the person view for IAM users alone up to this many principals
/// (both sides): it evaluates every principal, not only the changed ones, which a large
/// account export does not need for its principal view (issue 9; `--view people` asks
/// for it at any size).
const AUTO_PEOPLE_PRINCIPALS: usize = 5_000;

/// Whether someone of a side may assume a role of it: a role with a trust policy, and
/// users or Identity Center people to assume it (issue 9).
fn may_assume(s: &crate::model::Snapshot) -> bool {
    let roles = s
        .principals
        .iter()
        .any(|p| p.kind == crate::model::PrincipalKind::Role && p.trust.is_some());
    let people = !s.people.people.is_empty()
        || s.principals
            .iter()
            .any(|p| p.kind == crate::model::PrincipalKind::User);
    roles && people
}

#[cfg(test)]
mod tests {
    use super::civil_from_days;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_416), (2025, 11, 24));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }
}
