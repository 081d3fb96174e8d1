//! The diff report as terminal tables (comfy-table): a verdict line, one summary row per
//! principal, then each principal's findings grouped by service. The default format on a
//! terminal.
//!
//! Width is the caller's decision, because only the CLI may look at the terminal: with a
//! width the tables fit it (`ContentArrangement::Dynamic`); without one nothing wraps, as
//! in CI logs and tests. Either way an ARN is never split across lines (comfy-table splits
//! mid-token when it must): the witness column takes its content's width, and on a
//! terminal an over-long witness is shortened in the middle with `…` instead. The full
//! value is in the Markdown, HTML and JSON reports.

use comfy_table::{Cell, CellAlignment, ColumnConstraint, ContentArrangement, Table, Width};
use std::io::{self, Write};

use super::diff::{DiffReport, PrincipalDiff};
use crate::diff::findings::Finding;

/// How the tables are laid out.
#[derive(Debug, Clone, Copy, Default)]
pub struct TableOptions {
    /// Terminal width when stdout is a terminal; `None` renders without wrapping.
    pub width: Option<u16>,
}

/// How many actions a cell shows before `… (+N more)`.
const SHOW_ACTIONS: usize = 6;
/// Longest witness shown on a terminal; longer ones are shortened in the middle.
const WITNESS_MAX: usize = 64;
/// Shortest a witness is cut to, however narrow the terminal.
const WITNESS_MIN: usize = 24;

pub fn write_table(report: &DiffReport, opts: &TableOptions, w: &mut dyn Write) -> io::Result<()> {
    let (word, text) = report.gate.verdict();
    writeln!(w, "{word}: {text}")?;
    let s = &report.summary;
    writeln!(
        w,
        "{} principal(s) compared: {} changed, {} removed, {} new",
        s.compared, s.changed, s.removed, s.new
    )?;
    let c = &s.counts;
    writeln!(
        w,
        "actions lost {} ({} pairs), narrowed {}, conditional {}, gained {}, needs review {}\n",
        c.lost, c.lost_pairs, c.narrowed, c.conditional, c.gained, c.review
    )?;

    if !report.principals.is_empty() {
        let mut t = new_table(opts);
        t.set_header(vec![
            "Principal",
            "Status",
            "Lost",
            "Narrowed",
            "Conditional",
            "Gained",
            "Review",
            "Pairs lost",
            "Max severity",
            "Gate",
        ]);
        for p in &report.principals {
            let n = &p.counts;
            t.add_row(vec![
                Cell::new(principal_label(p)),
                Cell::new(p.status.as_str()),
                num(n.lost),
                num(n.narrowed),
                num(n.conditional),
                num(n.gained),
                num(n.review),
                num(n.lost_pairs),
                Cell::new(p.max_severity.as_str()),
                Cell::new(if p.fails_gate { "FAIL" } else { "pass" }),
            ]);
        }
        // on a terminal too narrow for the table (long names: Identity Center roles with
        // their account), one entry per principal reads better than names cut in pieces
        let natural = {
            let mut n = t.clone();
            n.force_no_tty();
            n.set_content_arrangement(ContentArrangement::Disabled);
            n.lines().next().map_or(0, |l| width_of(&l))
        };
        match opts.width {
            Some(width) if natural > usize::from(width) => {
                for p in &report.principals {
                    writeln!(w, "{}", summary_entry(p))?;
                }
                writeln!(w)?;
            }
            _ => writeln!(w, "{t}\n")?,
        }
    }

    for p in &report.principals {
        writeln!(w, "{}", heading(p))?;
        let mut t = new_table(opts);
        let mut rows: Vec<[String; 6]> = Vec::new();
        let mut last_service: Option<&str> = None;
        for f in &p.findings {
            let service = if last_service == Some(f.service.as_str()) {
                String::new()
            } else if f.service.is_empty() {
                "—".to_owned()
            } else {
                clean(&f.service)
            };
            last_service = Some(f.service.as_str());
            rows.push([
                service,
                format!("{}\n{}", code_mark(f), f.severity),
                clean(&abbreviate(&f.short_actions(), SHOW_ACTIONS)),
                f.witness.as_deref().map(clean).unwrap_or_default(),
                format!(
                    "{}\n→ {}",
                    dash(&clean(&f.before.status)),
                    dash(&clean(&f.after.status))
                ),
                f.waived
                    .as_ref()
                    .map(|x| format!("yes (#{})", x.index))
                    .unwrap_or_default(),
            ]);
        }
        // the longest action name: the actions column never gets narrower, so names are
        // never split (comfy-table splits mid-token when squeezed); they wrap at commas
        let longest_action = rows
            .iter()
            .flat_map(|r| r[2].split(' '))
            .map(width_of)
            .max()
            .unwrap_or(0)
            .max("Actions".len());
        if let Some(width) = opts.width {
            let max = witness_budget(width, &rows, longest_action);
            for r in &mut rows {
                r[3] = shorten_middle(&r[3], max);
            }
        }
        // on a terminal, the Waived column only when something is waived
        let waived = opts.width.is_none() || rows.iter().any(|r| !r[5].is_empty());
        let n = if waived { 6 } else { 5 };
        t.set_header(
            [
                "Service",
                "Finding",
                "Actions",
                "Witness",
                "Before → after",
                "Waived",
            ]
            .into_iter()
            .take(n),
        );
        for r in rows {
            t.add_row(r.into_iter().take(n).map(Cell::new));
        }
        // every other column keeps its content's width
        for i in [0, 1, 3, 4, 5] {
            if let Some(col) = t.column_mut(i) {
                col.set_constraint(ColumnConstraint::ContentWidth);
            }
        }
        if let Some(col) = t.column_mut(2) {
            // the boundary counts the cell's padding, one space each side
            let min = u16::try_from(longest_action + 2).unwrap_or(u16::MAX);
            col.set_constraint(ColumnConstraint::LowerBoundary(Width::Fixed(min)));
        }
        writeln!(w, "{t}\n")?;
    }
    if report.findings().any(|f| f.fails_gate) {
        writeln!(w, "! marks a finding that fails the gate\n")?;
    }

    let warnings: Vec<(&str, String)> = [("before", &report.before), ("after", &report.after)]
        .into_iter()
        .flat_map(|(side, info)| info.warnings.iter().map(move |x| (side, x.to_string())))
        .collect();
    if !warnings.is_empty() {
        writeln!(w, "Input warnings:")?;
        for (side, x) in warnings {
            writeln!(w, "  {side}: {}", clean(&x))?;
        }
        writeln!(w)?;
    }
    if !report.waivers.is_empty() {
        writeln!(w, "Waivers:")?;
        for x in &report.waivers {
            writeln!(
                w,
                "  #{} {} {}{}: {}, matched {} — {} (approved by {}{})",
                x.index,
                clean(&x.principal),
                clean(&x.action),
                x.resource
                    .as_deref()
                    .map(|r| format!(" on {}", clean(r)))
                    .unwrap_or_default(),
                x.state.as_str(),
                x.matched,
                clean(&x.reason),
                clean(&x.approved_by),
                x.expires
                    .as_deref()
                    .map(|e| format!(", expires {}", clean(e)))
                    .unwrap_or_default(),
            )?;
        }
    }
    Ok(())
}

fn new_table(opts: &TableOptions) -> Table {
    let mut t = Table::new();
    t.load_style(comfy_table::presets::UTF8_FULL_CONDENSED);
    match opts.width {
        Some(width) => {
            t.set_width(width);
            t.set_content_arrangement(ContentArrangement::Dynamic);
        }
        None => {
            t.force_no_tty();
            t.set_content_arrangement(ContentArrangement::Disabled);
        }
    }
    t
}

fn num(n: usize) -> Cell {
    let cell = if n == 0 {
        Cell::new("·")
    } else {
        Cell::new(n)
    };
    cell.set_alignment(CellAlignment::Right)
}

/// A principal's summary row as two lines, for narrow terminals.
fn summary_entry(p: &PrincipalDiff) -> String {
    let n = &p.counts;
    let mut counts: Vec<String> = [
        ("lost", n.lost),
        ("narrowed", n.narrowed),
        ("conditional", n.conditional),
        ("gained", n.gained),
        ("review", n.review),
    ]
    .into_iter()
    .filter(|(_, k)| *k > 0)
    .map(|(what, k)| format!("{what} {k}"))
    .collect();
    if n.lost_pairs > 0 {
        counts.push(format!("{} pairs lost", n.lost_pairs));
    }
    format!(
        "{} {}\n     {}: {}; max {}",
        if p.fails_gate { "FAIL" } else { "pass" },
        principal_label(p),
        p.status.as_str(),
        counts.join(", "),
        p.max_severity.as_str()
    )
}

fn principal_label(p: &PrincipalDiff) -> String {
    clean(&format!("{} {}", p.kind, p.name))
}

/// Input text made safe for a terminal: control characters (an ANSI escape in a name
/// could rewrite the screen) are shown as `\u{1b}`, line breaks included.
fn clean(s: &str) -> String {
    if !s.chars().any(char::is_control) {
        return s.to_owned();
    }
    s.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

fn heading(p: &PrincipalDiff) -> String {
    let renamed = p
        .before_name
        .as_deref()
        .map(|b| format!(" (was {})", clean(b)))
        .unwrap_or_default();
    let gate = if p.fails_gate { ", fails the gate" } else { "" };
    format!(
        "{}{renamed}: {}, {} finding(s){gate}",
        principal_label(p),
        p.status.as_str(),
        p.findings.len()
    )
}

/// The code, with `!` when the finding fails the gate.
fn code_mark(f: &Finding) -> String {
    if f.fails_gate {
        format!("{} !", f.code)
    } else {
        f.code.to_string()
    }
}

/// How long a witness may be on a terminal: what the other columns leave of its width
/// (the actions column at its narrowest), within `WITNESS_MIN..=WITNESS_MAX`.
fn witness_budget(width: u16, rows: &[[String; 6]], actions_min: usize) -> usize {
    let col = |i: usize, header: &str| {
        rows.iter()
            .filter_map(|r| r.get(i))
            .flat_map(|c| c.lines())
            .map(width_of)
            .chain([width_of(header)])
            .max()
            .unwrap_or(0)
    };
    // each column has one space of padding either side, and there are 7 borders
    let fixed = col(0, "Service") + col(1, "Finding") + col(4, "Before → after") + col(5, "Waived");
    let used = fixed + actions_min + 6 * 2 + 7;
    usize::from(width)
        .saturating_sub(used)
        .clamp(WITNESS_MIN, WITNESS_MAX)
}

/// Characters, as the terminal counts them for the text iamdiff prints (no wide glyphs).
fn width_of(s: &str) -> usize {
    s.chars().count()
}

fn dash(s: &str) -> &str {
    if s.is_empty() { "—" } else { s }
}

/// `arn:aws:s3:::bucket/very/…/key`: keeps both ends, which identify an ARN best.
fn shorten_middle(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if n <= max {
        return s.to_owned();
    }
    let keep = max.saturating_sub(1);
    let head = keep / 2;
    let tail = keep - head;
    let start: String = s.chars().take(head).collect();
    let end: String = s.chars().skip(n - tail).collect();
    format!("{start}…{end}")
}

/// `GetObject, PutObject, … (+3 more)`.
pub(crate) fn abbreviate(names: &[&str], show: usize) -> String {
    if names.len() <= show {
        names.join(", ")
    } else {
        format!(
            "{}, … (+{} more)",
            names
                .iter()
                .take(show)
                .copied()
                .collect::<Vec<_>>()
                .join(", "),
            names.len() - show
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shortens_in_the_middle() {
        assert_eq!(shorten_middle("abcdef", 6), "abcdef");
        assert_eq!(shorten_middle("abcdefgh", 5), "ab…gh");
    }

    #[test]
    fn control_characters_cannot_reach_the_terminal() {
        assert_eq!(clean("a\u{1b}[2Jb\n"), "a\\u{1b}[2Jb\\u{a}");
        assert_eq!(clean("plain"), "plain");
    }

    #[test]
    fn abbreviates_long_lists() {
        assert_eq!(abbreviate(&["a", "b"], 2), "a, b");
        assert_eq!(abbreviate(&["a", "b", "c"], 2), "a, b, … (+1 more)");
    }
}
