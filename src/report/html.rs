//! The diff report as one self-contained HTML page for auditors: verdict banner, summary
//! cards, an SVG chart of losses by service and access level, a filterable and sortable
//! table of findings, a drill-down per principal, input warnings and waivers.
//!
//! The page must open from disk with no network, so the tera template, the CSS and the
//! script are compiled into the binary (`include_str!`) and inlined; the chart is SVG whose
//! geometry is computed here, with no charting library. Safety rests on three rules: the
//! template's name ends in `.html`, so tera escapes every value; no `| safe` anywhere; and
//! the script reads data only from escaped `data-*` attributes and never builds markup
//! (no JSON island, no inline script that interpolates data). The CSS and script are
//! tera templates without variables, included as literal text. Output is deterministic:
//! no timestamps, ids derived from positions.

use serde::Serialize;
use std::collections::BTreeSet;
use std::io::{self, Write};

use super::diff::{Counts, DiffReport, PrincipalDiff};
use super::table::abbreviate;
use crate::catalog::AccessLevel;
use crate::diff::findings::{Category, Finding, Route, Side};

const TEMPLATE: &str = include_str!("../../reports/templates/report.html");
const CSS: &str = include_str!("../../reports/assets/report.css");
const JS: &str = include_str!("../../reports/assets/report.js");

/// Actions shown in a table row before `… (+N more)`; the drill-down lists them all.
const SHOW_ACTIONS: usize = 5;

pub fn write_html(report: &DiffReport, w: &mut dyn Write) -> io::Result<()> {
    let mut tera = tera::Tera::new();
    // `.html` keeps autoescape on; the assets are included as text
    tera.add_raw_templates([
        ("report.html", TEMPLATE),
        ("report.css", CSS),
        ("report.js", JS),
    ])
    .map_err(|e| io::Error::other(format!("html template: {e}")))?;
    let page = Page::new(report);
    let ctx = tera::Context::from_serialize(&page)
        .map_err(|e| io::Error::other(format!("html context: {e}")))?;
    let out = tera
        .render("report.html", &ctx)
        .map_err(|e| io::Error::other(format!("html render: {e}")))?;
    w.write_all(out.as_bytes())
}

// ---- the page's view of the report: every field present (tera errors on missing keys) ----

#[derive(Serialize)]
struct Page<'a> {
    tool: &'a str,
    catalog: &'a str,
    passed: bool,
    verdict_word: &'static str,
    verdict_text: String,
    gate_selection: String,
    failing: usize,
    waived: usize,
    before: SideInfo<'a>,
    after: SideInfo<'a>,
    cards: Vec<Card>,
    chart: Option<Chart>,
    services: Vec<&'a str>,
    categories: Vec<&'static str>,
    levels: Vec<LevelOption>,
    /// The changes, ranked by impact (issue 12).
    changes: Vec<super::causes::HtmlChange>,
    rows: Vec<Row<'a>>,
    principals: Vec<PrincipalView<'a>>,
    warnings: Vec<WarningView<'a>>,
    waivers: Vec<WaiverView<'a>>,
}

#[derive(Serialize)]
struct SideInfo<'a> {
    sources: &'a [String],
    principals: usize,
}

#[derive(Serialize)]
struct Card {
    label: &'static str,
    value: usize,
    note: String,
    tone: &'static str,
}

/// An option of the "at or above" level filter.
#[derive(Serialize)]
struct LevelOption {
    rank: usize,
    name: &'static str,
}

#[derive(Serialize)]
struct Row<'a> {
    pid: String,
    /// The finding's causes (issue 12).
    why: String,
    principal: String,
    kind: &'a str,
    name: &'a str,
    service: &'a str,
    code: &'static str,
    category: &'static str,
    level: &'static str,
    level_rank: usize,
    level_class: &'static str,
    level_label: &'static str,
    actions: String,
    action_count: usize,
    pairs: usize,
    witness: Vec<&'a str>,
    before: &'a str,
    after: &'a str,
    gate: &'static str,
    gate_rank: usize,
}

#[derive(Serialize)]
struct PrincipalView<'a> {
    pid: String,
    kind: &'a str,
    name: &'a str,
    before_name: Option<&'a str>,
    arn_before: Option<&'a str>,
    arn_after: Option<&'a str>,
    /// One ARN line when the principal kept its ARN.
    arn_same: bool,
    status: &'static str,
    fails: bool,
    max_severity: &'static str,
    max_class: &'static str,
    counts: Counts,
    findings: Vec<FindingView<'a>>,
}

#[derive(Serialize)]
struct FindingView<'a> {
    code: &'static str,
    category: &'static str,
    severity: &'static str,
    level_class: &'static str,
    service: &'a str,
    message: &'a str,
    actions: &'a [String],
    pairs: usize,
    witness: Vec<&'a str>,
    fails: bool,
    waiver: Option<WaiverRefView<'a>>,
    sides: [SideView<'a>; 2],
}

#[derive(Serialize)]
struct WaiverRefView<'a> {
    index: usize,
    reason: &'a str,
    approved_by: &'a str,
    expires: Option<&'a str>,
}

#[derive(Serialize)]
struct SideView<'a> {
    label: &'static str,
    status: &'a str,
    resources: &'a [String],
    conditions: &'a [String],
    routes: Vec<RouteView<'a>>,
}

#[derive(Serialize)]
struct RouteView<'a> {
    file: &'a str,
    policy: &'a str,
    policy_arn: Option<&'a str>,
    version: Option<&'a str>,
    kind: &'a str,
    statement: String,
    via: &'a str,
    pointer: Option<&'a str>,
}

#[derive(Serialize)]
struct WarningView<'a> {
    side: &'static str,
    code: &'static str,
    place: String,
    message: &'a str,
}

#[derive(Serialize)]
struct WaiverView<'a> {
    index: usize,
    principal: &'a str,
    action: &'a str,
    resource: Option<&'a str>,
    reason: &'a str,
    approved_by: &'a str,
    expires: Option<&'a str>,
    state: &'static str,
    matched: usize,
}

impl<'a> Page<'a> {
    fn new(r: &'a DiffReport) -> Self {
        let (word, text) = r.gate.verdict();
        let s = &r.summary;
        let c = &s.counts;
        let cards = vec![
            card("Principals compared", s.compared, String::new(), "neutral"),
            card("Changed", s.changed, String::new(), "neutral"),
            card("Removed", s.removed, String::new(), tone(s.removed, "bad")),
            card("New", s.new, String::new(), tone(s.new, "info")),
            card(
                "Actions lost",
                c.lost,
                pairs(c.lost_pairs),
                tone(c.lost, "bad"),
            ),
            card(
                "Narrowed",
                c.narrowed,
                pairs(c.narrowed_pairs),
                tone(c.narrowed, "warn"),
            ),
            card(
                "Conditional",
                c.conditional,
                pairs(c.conditional_pairs),
                tone(c.conditional, "warn"),
            ),
            card(
                "Gained",
                c.gained,
                pairs(c.gained_pairs),
                tone(c.gained, "info"),
            ),
            card(
                "Needs review",
                c.review,
                String::new(),
                tone(c.review, "warn"),
            ),
        ];
        let services: BTreeSet<&str> = r
            .findings()
            .map(|f| f.service.as_str())
            .filter(|s| !s.is_empty())
            .collect();
        let categories: BTreeSet<Category> = r.findings().map(|f| f.category).collect();
        let levels: BTreeSet<AccessLevel> = r.findings().map(|f| f.severity).collect();
        let mut rows = Vec::new();
        let mut principals = Vec::new();
        for (i, p) in r.principals.iter().enumerate() {
            let pid = format!("p{i}");
            for f in &p.findings {
                let mut x = row(&pid, p, f);
                x.why = super::causes::why(r, f);
                rows.push(x);
            }
            principals.push(principal_view(pid, p));
        }
        let warnings = [("before", &r.before), ("after", &r.after)]
            .into_iter()
            .flat_map(|(side, info)| {
                info.warnings.iter().map(move |x| WarningView {
                    side,
                    code: x.code.as_str(),
                    place: x.place.to_string(),
                    message: &x.message,
                })
            })
            .collect();
        let waivers = r
            .waivers
            .iter()
            .map(|x| WaiverView {
                index: x.index,
                principal: &x.principal,
                action: &x.action,
                resource: x.resource.as_deref(),
                reason: &x.reason,
                approved_by: &x.approved_by,
                expires: x.expires.as_deref(),
                state: x.state.as_str(),
                matched: x.matched,
            })
            .collect();
        Page {
            tool: &r.tool,
            catalog: &r.catalog,
            passed: r.gate.passed,
            verdict_word: word,
            verdict_text: text,
            gate_selection: r.gate.selection(),
            failing: r.gate.failing,
            waived: r.gate.waived,
            before: SideInfo {
                sources: &r.before.sources,
                principals: r.before.principals,
            },
            after: SideInfo {
                sources: &r.after.sources,
                principals: r.after.principals,
            },
            cards,
            chart: Chart::new(r),
            services: services.into_iter().collect(),
            categories: categories.into_iter().map(Category::as_str).collect(),
            levels: levels
                .into_iter()
                .map(|l| LevelOption {
                    rank: level_rank(l),
                    name: l.as_str(),
                })
                .collect(),
            changes: super::causes::html_changes(r, &|name| {
                r.principals
                    .iter()
                    .position(|p| p.name == name)
                    .map(|i| format!("p{i}"))
            }),
            rows,
            principals,
            warnings,
            waivers,
        }
    }
}

fn card(label: &'static str, value: usize, note: String, tone: &'static str) -> Card {
    Card {
        label,
        value,
        note,
        tone,
    }
}

fn tone(n: usize, when_nonzero: &'static str) -> &'static str {
    if n == 0 { "neutral" } else { when_nonzero }
}

fn pairs(n: usize) -> String {
    if n == 0 {
        String::new()
    } else {
        format!("{n} pairs")
    }
}

fn level_class(l: AccessLevel) -> &'static str {
    match l {
        AccessLevel::List => "lv-list",
        AccessLevel::Read => "lv-read",
        AccessLevel::Tagging => "lv-tagging",
        AccessLevel::Write => "lv-write",
        AccessLevel::PermissionsManagement => "lv-pm",
    }
}

/// Short enough for a table cell; the full name is in the filter and the drill-down.
fn level_label(l: AccessLevel) -> &'static str {
    match l {
        AccessLevel::PermissionsManagement => "Perm. mgmt",
        l => l.as_str(),
    }
}

fn status_or_dash(s: &str) -> &str {
    if s.is_empty() { "—" } else { s }
}

/// An ARN cut after each `/` and `:`, so the page can offer line breaks there (`<wbr>`)
/// instead of breaking mid-word; the text itself is unchanged.
fn arn_parts(arn: &str) -> Vec<&str> {
    arn.split_inclusive(['/', ':']).collect()
}

fn level_rank(l: AccessLevel) -> usize {
    match l {
        AccessLevel::List => 0,
        AccessLevel::Read => 1,
        AccessLevel::Tagging => 2,
        AccessLevel::Write => 3,
        AccessLevel::PermissionsManagement => 4,
    }
}

fn row<'a>(pid: &str, p: &'a PrincipalDiff, f: &'a Finding) -> Row<'a> {
    let (gate, gate_rank) = if f.fails_gate {
        ("fails", 2)
    } else if f.waived.is_some() {
        ("waived", 1)
    } else {
        ("passes", 0)
    };
    Row {
        pid: pid.to_owned(),
        why: String::new(),
        principal: format!("{} {}", p.kind, p.name),
        kind: &p.kind,
        name: &p.name,
        service: &f.service,
        code: f.code.as_str(),
        category: f.category.as_str(),
        level: f.severity.as_str(),
        level_rank: level_rank(f.severity),
        level_class: level_class(f.severity),
        level_label: level_label(f.severity),
        actions: abbreviate(&f.short_actions(), SHOW_ACTIONS),
        action_count: f.actions.len(),
        pairs: f.pairs,
        witness: f.witness.as_deref().map(arn_parts).unwrap_or_default(),
        before: status_or_dash(&f.before.status),
        after: status_or_dash(&f.after.status),
        gate,
        gate_rank,
    }
}

fn principal_view(pid: String, p: &PrincipalDiff) -> PrincipalView<'_> {
    PrincipalView {
        pid,
        kind: &p.kind,
        name: &p.name,
        before_name: p.before_name.as_deref(),
        arn_before: p.arn_before.as_deref(),
        arn_after: p.arn_after.as_deref(),
        arn_same: p.arn_before.is_some() && p.arn_before == p.arn_after,
        status: p.status.as_str(),
        fails: p.fails_gate,
        max_severity: p.max_severity.as_str(),
        max_class: level_class(p.max_severity),
        counts: p.counts,
        findings: p.findings.iter().map(finding_view).collect(),
    }
}

fn finding_view(f: &Finding) -> FindingView<'_> {
    FindingView {
        code: f.code.as_str(),
        category: f.category.as_str(),
        severity: f.severity.as_str(),
        level_class: level_class(f.severity),
        service: &f.service,
        message: &f.message,
        actions: &f.actions,
        pairs: f.pairs,
        witness: f.witness.as_deref().map(arn_parts).unwrap_or_default(),
        fails: f.fails_gate,
        waiver: f.waived.as_ref().map(|x| WaiverRefView {
            index: x.index,
            reason: &x.reason,
            approved_by: &x.approved_by,
            expires: x.expires.as_deref(),
        }),
        sides: [side_view("Before", &f.before), side_view("After", &f.after)],
    }
}

fn side_view<'a>(label: &'static str, s: &'a Side) -> SideView<'a> {
    SideView {
        label,
        status: &s.status,
        resources: &s.resources,
        conditions: &s.conditions,
        routes: s.routes.iter().map(route_view).collect(),
    }
}

fn route_view(r: &Route) -> RouteView<'_> {
    RouteView {
        file: &r.file,
        policy: &r.policy,
        policy_arn: r.policy_arn.as_deref(),
        version: r.version.as_deref(),
        kind: &r.kind,
        statement: r.statement_label(),
        via: &r.via,
        pointer: r.pointer.as_deref(),
    }
}

// ---- the chart: horizontal bars, one per service, stacked by access level ----

/// Services drawn; the rest are summed into one `other services` bar.
const MAX_BARS: usize = 14;
const WIDTH: f64 = 760.0;
const LABEL_W: f64 = 150.0;
const TOTAL_W: f64 = 48.0;
const BAR_H: f64 = 20.0;
const GAP: f64 = 10.0;
const TOP: f64 = 24.0;

#[derive(Serialize)]
struct Chart {
    width: f64,
    height: f64,
    bar_x: f64,
    ticks: Vec<Tick>,
    bars: Vec<Bar>,
    legend: Vec<Legend>,
    total: usize,
}

#[derive(Serialize)]
struct Tick {
    x: String,
    label: usize,
}

#[derive(Serialize)]
struct Bar {
    service: String,
    total: usize,
    y: String,
    text_y: String,
    total_x: String,
    segments: Vec<Segment>,
}

#[derive(Serialize)]
struct Segment {
    x: String,
    width: String,
    class: &'static str,
    level: &'static str,
    count: usize,
}

#[derive(Serialize)]
struct Legend {
    class: &'static str,
    level: &'static str,
}

const LEVELS: [AccessLevel; 5] = [
    AccessLevel::List,
    AccessLevel::Read,
    AccessLevel::Tagging,
    AccessLevel::Write,
    AccessLevel::PermissionsManagement,
];

impl Chart {
    /// Losses (lost actions, removed principals' included) per service and level.
    fn new(r: &DiffReport) -> Option<Chart> {
        let mut per: Vec<(String, [usize; 5])> = Vec::new();
        for x in &r.summary.by_service {
            if x.lost == 0 {
                continue;
            }
            let slot = match per.iter_mut().find(|(s, _)| *s == x.service) {
                Some(slot) => slot,
                None => {
                    per.push((x.service.clone(), [0; 5]));
                    per.last_mut()?
                }
            };
            if let Some(n) = slot.1.get_mut(level_rank(x.level)) {
                *n += x.lost;
            }
        }
        if per.is_empty() {
            return None;
        }
        // biggest losses first, then by name
        per.sort_by(|a, b| {
            let (ta, tb): (usize, usize) = (a.1.iter().sum(), b.1.iter().sum());
            tb.cmp(&ta).then_with(|| a.0.cmp(&b.0))
        });
        if per.len() > MAX_BARS {
            let rest = per.split_off(MAX_BARS - 1);
            let mut sum = [0usize; 5];
            for (_, v) in &rest {
                for (s, n) in sum.iter_mut().zip(v) {
                    *s += n;
                }
            }
            per.push((format!("{} other services", rest.len()), sum));
        }
        let max = per
            .iter()
            .map(|(_, v)| v.iter().sum::<usize>())
            .max()
            .unwrap_or(1)
            .max(1);
        let step = nice_step(max);
        let top_tick = max.div_ceil(step) * step;
        let span = WIDTH - LABEL_W - TOTAL_W;
        let scale = span / top_tick as f64;
        let ticks = (0..=top_tick / step)
            .map(|i| Tick {
                x: px(LABEL_W + (i * step) as f64 * scale),
                label: i * step,
            })
            .collect();
        let bars: Vec<Bar> = per
            .into_iter()
            .enumerate()
            .map(|(i, (service, v))| {
                let y = TOP + i as f64 * (BAR_H + GAP);
                let mut x = LABEL_W;
                let mut segments = Vec::new();
                for (n, level) in v.iter().zip(LEVELS) {
                    if *n == 0 {
                        continue;
                    }
                    let w = *n as f64 * scale;
                    segments.push(Segment {
                        x: px(x),
                        width: px(w),
                        class: level_class(level),
                        level: level.as_str(),
                        count: *n,
                    });
                    x += w;
                }
                Bar {
                    service,
                    total: v.iter().sum(),
                    y: px(y),
                    text_y: px(y + BAR_H / 2.0 + 4.0),
                    total_x: px(x + 6.0),
                    segments,
                }
            })
            .collect();
        let height = TOP + bars.len() as f64 * (BAR_H + GAP) + 4.0;
        let total = bars.iter().map(|b| b.total).sum();
        Some(Chart {
            width: WIDTH,
            height,
            bar_x: LABEL_W,
            ticks,
            bars,
            legend: LEVELS
                .iter()
                .map(|&l| Legend {
                    class: level_class(l),
                    level: l.as_str(),
                })
                .collect(),
            total,
        })
    }
}

/// A round tick step giving at most about five ticks: 1, 2, 5, 10, 20, 50, …
fn nice_step(max: usize) -> usize {
    let mut step = 1;
    loop {
        for m in [1, 2, 5] {
            if max.div_ceil(step * m) <= 5 {
                return step * m;
            }
        }
        step *= 10;
    }
}

/// One decimal, no trailing `.0`: stable bytes across platforms.
fn px(v: f64) -> String {
    let s = format!("{v:.1}");
    s.strip_suffix(".0").map(str::to_owned).unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_steps_are_round() {
        assert_eq!(nice_step(1), 1);
        assert_eq!(nice_step(5), 1);
        assert_eq!(nice_step(6), 2);
        assert_eq!(nice_step(43), 10);
        assert_eq!(nice_step(900), 200);
    }

    #[test]
    fn arns_split_after_separators() {
        assert_eq!(
            arn_parts("arn:aws:s3:::b/k"),
            ["arn:", "aws:", "s3:", ":", ":", "b/", "k"]
        );
        assert_eq!(arn_parts("").len(), 0);
    }

    #[test]
    fn pixels_are_short() {
        assert_eq!(px(12.0), "12");
        assert_eq!(px(12.345), "12.3");
    }

    #[test]
    fn assets_have_no_template_syntax() {
        // they are included as tera templates: a `{{`, `{%` or `{#` would be interpreted
        for asset in [CSS, JS] {
            for bad in ["{{", "{%", "{#"] {
                assert!(!asset.contains(bad), "asset contains {bad}");
            }
        }
    }
}
