//! The diff report as one self-contained HTML page for auditors, usable at any size
//! (issue 12 item 3): the verdict, the summary cards and an SVG chart of losses (the top
//! services, the rest summed in one bar) are rendered here; the changes that cause the
//! findings (ranked by impact, each opening onto what changed, the principals it touches
//! and its findings), the people ranking, the findings table with its "Why" column and
//! each principal's drill-down are rendered by the page's script, a page at a time, from
//! the report's data embedded once as JSON. A 20,000-user account with thousands of
//! findings stays a few megabytes and opens at once.
//!
//! The page must open from disk with no network, so the tera template, the CSS and the
//! script are compiled into the binary (`include_str!`) and inlined. Safety rests on
//! three rules: the template's name ends in `.html`, so tera escapes every value, and no
//! `| safe` anywhere; the embedded data is JSON in a `<script type="application/json">`
//! element with every `<`, `>` and `&` written as a `\u` escape, so no input can close
//! the element; and the script builds the page with `textContent` and `createElement`
//! only, never markup from strings (no `innerHTML`). Output is deterministic: no
//! timestamps, ids derived from positions.

use serde::Serialize;
use std::collections::{BTreeSet, HashMap};
use std::io::{self, Write};

use super::diff::{DiffReport, PrincipalDiff, SignOff};
use crate::catalog::AccessLevel;
use crate::diff::changes::Change;
use crate::diff::findings::{Category, Finding, Side};

const TEMPLATE: &str = include_str!("../../reports/templates/report.html");
const CSS: &str = include_str!("../../reports/assets/report.css");
const JS: &str = include_str!("../../reports/assets/report.js");

/// The element the data goes into, after the template is rendered. Values from inputs are
/// escaped by tera (`<` becomes `&lt;`), so this tag can only be the template's own.
const DATA_TAG: &str = "<script type=\"application/json\" id=\"report-data\"></script>";
/// Actions kept per finding in the page (the JSON report has them all).
const MAX_ACTIONS: usize = 200;
/// Resources kept per side of a finding.
const MAX_RESOURCES: usize = 20;
/// Routes per side of a finding (a person reached through 300 accounts has 300; the JSON
/// report lists them all).
const MAX_ROUTES: usize = 20;
/// Warnings listed in the page.
const MAX_WARNINGS: usize = 200;

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
    let at = out
        .rfind(DATA_TAG)
        .ok_or_else(|| io::Error::other("html template: no data element"))?
        + DATA_TAG.len()
        - "</script>".len();
    let (before, after) = out.split_at(at);
    w.write_all(before.as_bytes())?;
    // the data straight into the page, made safe on the way (one serialization, no copy)
    let mut safe = ScriptSafe(io::BufWriter::with_capacity(1 << 16, &mut *w));
    serde_json::to_writer(&mut safe, &Data::new(report)).map_err(super::json_io)?;
    safe.0.flush()?;
    drop(safe);
    w.write_all(after.as_bytes())
}

/// A writer of JSON that cannot end its `<script>` element or open a comment: `<`, `>`
/// and `&` (which JSON only has inside strings) as `\u` escapes, and the line and
/// paragraph separators too. serde_json writes a string's text between escapes in one
/// piece, so a character's bytes never straddle two writes.
struct ScriptSafe<W: Write>(W);

impl<W: Write> Write for ScriptSafe<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.write_all(buf)?;
        Ok(buf.len())
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        let mut start = 0;
        let mut i = 0;
        while let Some(&b) = buf.get(i) {
            let (esc, len): (&[u8], usize) = match b {
                b'<' => (b"\\u003c", 1),
                b'>' => (b"\\u003e", 1),
                b'&' => (b"\\u0026", 1),
                0xE2 if buf.get(i + 1..i + 3) == Some(&[0x80, 0xA8]) => (b"\\u2028", 3),
                0xE2 if buf.get(i + 1..i + 3) == Some(&[0x80, 0xA9]) => (b"\\u2029", 3),
                _ => {
                    i += 1;
                    continue;
                }
            };
            self.0.write_all(buf.get(start..i).unwrap_or_default())?;
            self.0.write_all(esc)?;
            i += len;
            start = i;
        }
        self.0.write_all(buf.get(start..).unwrap_or_default())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// [`ScriptSafe`] of a JSON text.
#[cfg(test)]
fn script_safe(json: &str) -> String {
    let mut o = ScriptSafe(Vec::new());
    let _ = o.write_all(json.as_bytes());
    String::from_utf8(o.0).unwrap_or_default()
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
    compared: String,
    before: SideInfo,
    after: SideInfo,
    cards: Vec<Card>,
    chart: Option<Chart>,
    services: Vec<&'a str>,
    categories: Vec<&'static str>,
    levels: Vec<LevelOption>,
    findings: usize,
    people: usize,
    /// Changes that cause findings (the script lists them), and those with no effect.
    changes: usize,
    changes_idle: usize,
    warnings: Vec<WarningView<'a>>,
    warnings_more: usize,
    waivers: Vec<WaiverView<'a>>,
    sign_off: SignOffView<'a>,
    attestation: [&'static str; 5],
}

#[derive(Serialize)]
struct LevelOption {
    rank: usize,
    label: &'static str,
}

#[derive(Serialize)]
struct SignOffView<'a> {
    tool: &'a str,
    catalog: &'a str,
    gate: String,
    generated: String,
    waivers: String,
    sources: String,
    inputs: Vec<InputView<'a>>,
}

#[derive(Serialize)]
struct InputView<'a> {
    uri: &'a str,
    role: &'a str,
    sha256: &'a str,
}

#[derive(Serialize)]
struct SideInfo {
    sources: Vec<String>,
    principals: usize,
}

#[derive(Serialize)]
struct Card {
    label: &'static str,
    value: usize,
    note: String,
    tone: &'static str,
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
    matched: String,
}

impl<'a> Page<'a> {
    fn new(r: &'a DiffReport) -> Self {
        let (word, text) = r.gate.verdict();
        let s = &r.summary;
        let c = &s.counts;
        let cards = vec![
            card(
                "Principals",
                s.compared + s.removed + s.new,
                format!("{} on both sides", s.compared),
                "neutral",
            ),
            card(
                "Changed",
                s.changed,
                format!("{} unchanged", s.compared.saturating_sub(s.changed)),
                "neutral",
            ),
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
        let all_warnings: Vec<WarningView<'a>> = [("before", &r.before), ("after", &r.after)]
            .into_iter()
            .flat_map(|(side, info)| {
                info.warnings.iter().map(move |x| WarningView {
                    side,
                    code: x.code.as_str(),
                    place: x.place.to_string(),
                    message: &x.message,
                })
            })
            .take(MAX_WARNINGS)
            .collect();
        let n_warnings = r.before.warnings.len() + r.after.warnings.len();
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
                matched: r.waiver_matches(x),
            })
            .collect();
        let so = SignOff::of(r);
        let side = |info: &super::diff::SideInfo| SideInfo {
            sources: info
                .sources
                .iter()
                .map(|x| r.provenance.uri_of(x))
                .collect(),
            principals: info.principals,
        };
        Page {
            tool: &r.tool,
            catalog: &r.catalog,
            passed: r.gate.passed,
            verdict_word: word,
            verdict_text: text,
            gate_selection: r.gate.selection(),
            failing: r.gate.failing,
            waived: r.gate.waived,
            compared: super::diff::compared_sentence(s),
            before: side(&r.before),
            after: side(&r.after),
            cards,
            chart: Chart::new(r),
            services: services.into_iter().collect(),
            categories: categories.into_iter().map(Category::as_str).collect(),
            levels: levels
                .into_iter()
                .map(|l| LevelOption {
                    rank: level_rank(l),
                    label: l.as_str(),
                })
                .collect(),
            findings: r.principals.iter().map(|p| p.findings.len()).sum(),
            people: r.principals.len(),
            changes: super::causes::shown(r).count(),
            changes_idle: r.changes.iter().filter(|c| c.impact.findings == 0).count(),
            warnings: all_warnings,
            warnings_more: n_warnings.saturating_sub(MAX_WARNINGS),
            waivers,
            sign_off: SignOffView {
                tool: so.tool,
                catalog: so.catalog,
                gate: so.gate,
                generated: so.generated,
                waivers: so.waivers,
                sources: so.sources,
                inputs: so
                    .inputs
                    .iter()
                    .map(|i| InputView {
                        uri: &i.uri,
                        role: &i.role,
                        sha256: i.sha256.as_deref().unwrap_or("— (not a file)"),
                    })
                    .collect(),
            },
            attestation: super::diff::ATTESTATION_FIELDS,
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

fn level_rank(l: AccessLevel) -> usize {
    match l {
        AccessLevel::List => 0,
        AccessLevel::Read => 1,
        AccessLevel::Tagging => 2,
        AccessLevel::Write => 3,
        AccessLevel::PermissionsManagement => 4,
    }
}

// ---- the embedded data: compact, strings that repeat (actions, routes) stored once ----

/// What the script renders from. Arrays of fixed shape keep it small; `s` holds every
/// action, resource and route text once, referenced by index.
#[derive(Serialize)]
struct Data {
    /// Interned strings.
    s: Vec<String>,
    /// Principals, most severe first: `[kind, name, was, status, level rank, fails (0|1),
    /// lost, lost pairs, narrowed, conditional, gained, review, ARN before, ARN after]`.
    p: Vec<serde_json::Value>,
    /// Findings in report order: `[principal, service, code, category, level rank, gate
    /// (0 passes, 1 waived, 2 fails), actions (count), pairs, witness, message, actions
    /// (string ids, at most MAX_ACTIONS), waiver text, before side, after side, causes]`;
    /// a side is `[status, resources, conditions, routes]` with string ids; causes are
    /// indexes into `c` (or the change's id when it is not listed there).
    f: Vec<serde_json::Value>,
    /// The changes that cause findings, ranked by impact (issue 12 item 1): `[id, fails
    /// (0|1), summary, impact, level rank (null when none), detail lines, principals
    /// (ranks in `p`, or the name when not listed there), findings (count, in `f`)]`.
    c: Vec<serde_json::Value>,
}

#[derive(Default)]
struct Interner {
    ids: HashMap<String, usize>,
    all: Vec<String>,
}

impl Interner {
    fn id(&mut self, s: &str) -> usize {
        if let Some(&i) = self.ids.get(s) {
            return i;
        }
        let i = self.all.len();
        self.all.push(s.to_owned());
        self.ids.insert(s.to_owned(), i);
        i
    }
}

impl Data {
    fn new(r: &DiffReport) -> Data {
        use serde_json::json;
        let mut t = Interner::default();
        let order = super::causes::ranked_principals(r);
        // principal index in report order → rank
        let mut rank = vec![0usize; r.principals.len()];
        for (k, p) in order.iter().enumerate() {
            if let Some(i) = r
                .principals
                .iter()
                .position(|q| std::ptr::eq(q, *p))
                .and_then(|i| rank.get_mut(i))
            {
                *i = k;
            }
        }
        let p = order
            .iter()
            .map(|p: &&PrincipalDiff| {
                let n = &p.counts;
                json!([
                    p.kind,
                    p.name,
                    p.before_name,
                    p.status.as_str(),
                    level_rank(p.max_severity),
                    u8::from(p.fails_gate),
                    n.lost,
                    n.lost_pairs,
                    n.narrowed,
                    n.conditional,
                    n.gained,
                    n.review,
                    p.arn_before,
                    p.arn_after
                ])
            })
            .collect();
        // a principal's rank by name (the first, most severe, when kinds share a name)
        let mut by_name: HashMap<&str, usize> = HashMap::new();
        for (k, p) in order.iter().enumerate() {
            by_name.entry(p.name.as_str()).or_insert(k);
        }
        let shown: Vec<&Change> = super::causes::shown(r).collect();
        let at: HashMap<&str, usize> = shown
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id.as_str(), i))
            .collect();
        // the findings of each change the table lists (general findings are not in it)
        let mut listed = vec![0usize; shown.len()];
        for x in r.principals.iter().flat_map(|p| &p.findings) {
            for id in &x.causes {
                if let Some(n) = at.get(id.as_str()).and_then(|&i| listed.get_mut(i)) {
                    *n += 1;
                }
            }
        }
        let c = shown
            .iter()
            .zip(&listed)
            .map(|(c, listed)| {
                let principals: Vec<serde_json::Value> = c
                    .principals
                    .iter()
                    .map(|n| match by_name.get(n.as_str()) {
                        Some(&k) => json!(k),
                        None => json!(n),
                    })
                    .collect();
                json!([
                    c.id,
                    u8::from(c.impact.failing > 0),
                    c.summary,
                    super::causes::impact_phrase(c),
                    c.impact.severity.map(level_rank),
                    c.detail,
                    principals,
                    listed
                ])
            })
            .collect();
        let mut f = Vec::new();
        for (i, pd) in r.principals.iter().enumerate() {
            let k = rank.get(i).copied().unwrap_or(0);
            for x in &pd.findings {
                let mut v = finding_data(k, x, &mut t);
                let causes: Vec<serde_json::Value> = x
                    .causes
                    .iter()
                    .map(|id| match at.get(id.as_str()) {
                        Some(&n) => json!(n),
                        None => json!(id),
                    })
                    .collect();
                if let Some(a) = v.as_array_mut() {
                    a.push(json!(causes));
                }
                f.push(v);
            }
        }
        Data { s: t.all, p, f, c }
    }
}

fn finding_data(principal: usize, x: &Finding, t: &mut Interner) -> serde_json::Value {
    let gate = if x.fails_gate {
        2
    } else if x.waived.is_some() {
        1
    } else {
        0
    };
    let actions: Vec<usize> = x
        .actions
        .iter()
        .take(MAX_ACTIONS)
        .map(|a| t.id(a))
        .collect();
    let waiver = x.waived.as_ref().map(|w| {
        format!(
            "Waiver #{}: {} — approved by {}{}",
            w.index,
            w.reason,
            w.approved_by,
            w.expires
                .as_deref()
                .map(|e| format!(", until {e}"))
                .unwrap_or_default()
        )
    });
    serde_json::json!([
        principal,
        x.service,
        x.code.as_str(),
        x.category.as_str(),
        level_rank(x.severity),
        gate,
        x.actions.len(),
        x.pairs,
        x.witness,
        x.message,
        actions,
        waiver,
        side_data(&x.before, t),
        side_data(&x.after, t)
    ])
}

fn side_data(s: &Side, t: &mut Interner) -> serde_json::Value {
    let resources: Vec<usize> = s
        .resources
        .iter()
        .take(MAX_RESOURCES)
        .map(|x| t.id(x))
        .collect();
    let mut routes: Vec<usize> = s
        .routes
        .iter()
        .take(MAX_ROUTES)
        .map(|r| {
            let mut text = r.summary();
            text.push_str(" · ");
            text.push_str(&r.file);
            if let Some(p) = &r.pointer {
                text.push(' ');
                text.push_str(p);
            }
            t.id(&text)
        })
        .collect();
    if s.routes.len() > MAX_ROUTES {
        routes.push(t.id(&format!(
            "… and {} more routes (the JSON report lists them all)",
            s.routes.len() - MAX_ROUTES
        )));
    }
    serde_json::json!([s.status, resources, s.conditions, routes])
}

// ---- the chart: horizontal bars, one per service, stacked by access level ----

/// Services drawn; the rest are summed in one line under the chart, not a bar (a bar of
/// hundreds of small services would dwarf the ones that matter).
const MAX_BARS: usize = 12;
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
    /// Services beyond the bars, and their losses.
    other_services: usize,
    other_total: usize,
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
        let (mut other_services, mut other_total) = (0, 0);
        if per.len() > MAX_BARS {
            let rest = per.split_off(MAX_BARS);
            other_services = rest.len();
            other_total = rest.iter().map(|(_, v)| v.iter().sum::<usize>()).sum();
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
        let total = bars.iter().map(|b| b.total).sum::<usize>() + other_total;
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
            other_services,
            other_total,
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
    fn embedded_data_cannot_close_its_element() {
        let j = serde_json::to_string("</script><!--&\u{2028}").unwrap();
        let safe = script_safe(&j);
        assert!(!safe.contains('<') && !safe.contains('>') && !safe.contains('&'));
        assert_eq!(
            serde_json::from_str::<String>(&safe).unwrap(),
            "</script><!--&\u{2028}"
        );
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
