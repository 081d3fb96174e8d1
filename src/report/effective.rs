//! The effective-permissions report: a sorted view of [`crate::eval::Effective`] and its
//! JSON, Markdown and table renderings.
//!
//! By default every format shows each principal's access by service and access level
//! ([`super::access`]); `--detail` adds the grants: their actions, resources, conditions
//! and statements (issue 12 item 9). JSON keeps each distinct grant once, in a `grants`
//! table that principals reference by id: a 20,000-user account where most users share
//! group policies would otherwise repeat the same thousands of actions per user.

use rustc_hash::FxHashMap;
use serde::Serialize;
use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::io::{self, Write};
use std::sync::Arc;

use super::access::{self, ServiceAccess};
use super::layout::{Align, Grid};
use crate::catalog::{AccessLevel, Catalog};
use crate::eval::actions::ActionMatch;
use crate::eval::effective::clauses_text;
use crate::eval::effective::{
    CondNote, Effective, Exception, Grant, Limit, Review, Status, count_actions,
};
use crate::eval::idset::IdSet;
use crate::eval::layers::Via;
use crate::eval::scope::{ResourceScope, scope_text};
use crate::model::{ConditionClause, Origin, Snapshot, Warning};

/// Schema id of the JSON output; bumped on any incompatible change.
pub const SCHEMA: &str = "iamdiff/effective/v1";

/// What to include.
pub struct Selection<'a> {
    /// Principal indices to show.
    pub principals: Vec<usize>,
    /// Only these service prefixes (empty: all).
    pub services: &'a [String],
    /// The grants, action by action (`--detail`), besides the access summary.
    pub detail: bool,
}

/// One grant ready to render: its actions (filtered by `--service`) are `sets[set]`.
pub struct GrantView<'a> {
    pub grant: &'a Grant,
    pub set: usize,
}

pub struct PrincipalView<'a> {
    pub index: usize,
    pub grants: Vec<usize>,
    pub review: &'a [Review],
    pub action_count: usize,
    pub conditional_count: usize,
    /// Access by service and level, and whether any action outside the catalog is allowed.
    pub access: Arc<(Vec<ServiceAccess>, bool)>,
}

/// The report: principals sorted by kind and name, grants deduplicated.
pub struct EffectiveView<'a> {
    pub snapshot: &'a Snapshot,
    pub catalog: &'a Catalog,
    pub principals: Vec<PrincipalView<'a>>,
    pub grants: Vec<GrantView<'a>>,
    /// Distinct action sets of the grants.
    pub sets: Vec<Arc<ActionMatch>>,
    /// The grants are shown (`--detail`).
    pub detail: bool,
    names: Vec<String>,
}

/// Identity of a grant for deduplication: big parts by pointer, small parts by value.
struct GrantKey<'a>(&'a Grant, usize);

impl Hash for GrantKey<'_> {
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.1.hash(h);
        (Arc::as_ptr(&self.0.scope) as usize).hash(h);
        (Arc::as_ptr(&self.0.source) as usize).hash(h);
        self.0.via.hash(h);
        self.0.limits.hash(h);
        self.0.exceptions.hash(h);
        self.0.conditions.hash(h);
        self.0.unknown_variables.hash(h);
    }
}

impl PartialEq for GrantKey<'_> {
    fn eq(&self, o: &Self) -> bool {
        self.1 == o.1
            && Arc::ptr_eq(&self.0.scope, &o.0.scope)
            && Arc::ptr_eq(&self.0.source, &o.0.source)
            && self.0.via == o.0.via
            && self.0.limits == o.0.limits
            && self.0.exceptions == o.0.exceptions
            && self.0.conditions == o.0.conditions
            && self.0.unknown_variables == o.0.unknown_variables
    }
}
impl Eq for GrantKey<'_> {}

impl<'a> EffectiveView<'a> {
    pub fn new(
        snapshot: &'a Snapshot,
        catalog: &'a Catalog,
        effective: &'a Effective,
        selection: &Selection<'_>,
    ) -> Self {
        let universe = effective.universe;
        let filter: Option<ActionMatch> = (!selection.services.is_empty()).then(|| {
            let ids = selection
                .services
                .iter()
                .filter_map(|s| catalog.service(s))
                .flat_map(|s| s.actions.clone())
                .collect();
            // uncataloged actions of the service are kept too
            let unknown = selection
                .services
                .iter()
                .map(|s| format!("{s}:*"))
                .collect();
            ActionMatch {
                ids: IdSet::from_ids(ids),
                unknown,
                covers_uncataloged: false,
            }
        });
        let mut order: Vec<usize> = selection.principals.clone();
        order.sort_by(|&a, &b| {
            let (pa, pb) = (snapshot.principals.get(a), snapshot.principals.get(b));
            let k = |p: Option<&crate::model::Principal>| {
                p.map(|p| (p.kind, p.name.clone(), p.arn.clone()))
            };
            k(pa).cmp(&k(pb)).then(a.cmp(&b))
        });

        let mut grants: Vec<GrantView<'a>> = Vec::new();
        let mut ids: FxHashMap<GrantKey<'a>, usize> = FxHashMap::default();
        // distinct action sets, by address first and by content second
        let mut sets: Vec<Arc<ActionMatch>> = Vec::new();
        let mut set_by_ptr: FxHashMap<usize, usize> = FxHashMap::default();
        let mut set_by_content: FxHashMap<Arc<ActionMatch>, usize> = FxHashMap::default();
        // per evaluation (shared by principals): its grant ids and counts
        #[allow(clippy::type_complexity)]
        let mut per_eval: FxHashMap<
            usize,
            (Vec<usize>, usize, usize, Arc<(Vec<ServiceAccess>, bool)>),
        > = FxHashMap::default();
        let mut principals = Vec::with_capacity(order.len());
        for i in order {
            let Some(pp) = effective.principals.get(i) else {
                continue;
            };
            let ev = &pp.evaluation;
            let entry = per_eval.entry(Arc::as_ptr(ev) as usize).or_insert_with(|| {
                let mut list = Vec::new();
                let mut kept: Vec<(&Grant, Arc<ActionMatch>)> = Vec::new();
                for g in &ev.grants {
                    let acts = match &filter {
                        None => g.actions.clone(),
                        Some(f) => Arc::new(g.actions.intersect(f)),
                    };
                    if acts.is_empty() {
                        continue;
                    }
                    let ptr = Arc::as_ptr(&acts) as usize;
                    let set = match set_by_ptr.get(&ptr) {
                        Some(&s) => s,
                        None => {
                            let n = sets.len();
                            let s = *set_by_content.entry(acts.clone()).or_insert(n);
                            if s == n {
                                sets.push(acts.clone());
                            }
                            set_by_ptr.insert(ptr, s);
                            s
                        }
                    };
                    let key = GrantKey(g, set);
                    let n = grants.len();
                    let id = *ids.entry(key).or_insert(n);
                    if id == n {
                        grants.push(GrantView { grant: g, set });
                    }
                    list.push(id);
                    kept.push((g, acts));
                }
                let access = Arc::new(access::of(
                    catalog,
                    universe,
                    kept.iter().map(|(g, a)| (*g, &**a)),
                ));
                // the evaluation counted its actions; a --service filter needs a recount
                let counts = if filter.is_some() {
                    count_actions(kept.iter().map(|(g, a)| (*g, &**a)), universe)
                } else {
                    ev.counts
                };
                (list, counts.actions, counts.conditional_only, access)
            });
            principals.push(PrincipalView {
                index: i,
                grants: entry.0.clone(),
                review: &ev.review,
                action_count: entry.1,
                conditional_count: entry.2,
                access: entry.3.clone(),
            });
        }
        let names = catalog.actions().iter().map(|a| a.full_name()).collect();
        EffectiveView {
            snapshot,
            catalog,
            principals,
            grants,
            sets,
            detail: selection.detail,
            names,
        }
    }

    /// A short description of some actions: whole services as `svc:*`, else names.
    fn describe_ids(&self, ids: &[crate::catalog::ActionId]) -> String {
        let mut by_service: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for &id in ids {
            if let (Some(a), Some(n)) = (self.catalog.action(id), self.names.get(id as usize)) {
                by_service
                    .entry(a.service.as_str())
                    .or_default()
                    .push(n.as_str());
            }
        }
        let mut parts = Vec::new();
        for (svc, names) in by_service {
            let whole = self
                .catalog
                .service(svc)
                .is_some_and(|s| s.actions.len() == names.len());
            if whole {
                parts.push(format!("{svc}:*"));
            } else {
                parts.extend(names.iter().map(|n| n.to_string()));
            }
        }
        abbreviate_list(&parts, 12)
    }

    fn action_names_by_level(&self, acts: &ActionMatch) -> BTreeMap<AccessLevel, Vec<&str>> {
        let mut by: BTreeMap<AccessLevel, Vec<&str>> = BTreeMap::new();
        for id in acts.ids.iter(self.names.len()) {
            if let (Some(a), Some(n)) = (self.catalog.action(id), self.names.get(id as usize)) {
                by.entry(a.level).or_default().push(n.as_str());
            }
        }
        by
    }

    pub fn write_json(&self, w: &mut dyn Write) -> io::Result<()> {
        let meta = self.catalog.meta();
        let doc = JsonDoc {
            schema: SCHEMA,
            catalog: JsonCatalog {
                actions: format!("{} {}", meta.actions_source, meta.actions_version),
                managed_policies: format!("{} {}", meta.policies_source, meta.policies_version),
                generated: &meta.generated,
            },
            sources: self.snapshot.sources.iter().map(|s| s.as_ref()).collect(),
            warnings: &self.snapshot.warnings,
            principals: self
                .principals
                .iter()
                .filter_map(|pv| {
                    let p = self.snapshot.principals.get(pv.index)?;
                    Some(JsonPrincipal {
                        kind: p.kind.as_str(),
                        name: &p.name,
                        arn: p.arn.as_deref(),
                        actions: pv.action_count,
                        conditional_only: pv.conditional_count,
                        access: pv.access.0.iter().map(JsonAccess::of).collect(),
                        any_uncataloged_action: pv.access.1,
                        grants: self
                            .detail
                            .then(|| pv.grants.iter().map(|g| GrantId(*g)).collect()),
                        review: pv.review,
                    })
                })
                .collect(),
            detail: self.detail,
            grants: self.detail.then_some(GrantsMap(self)),
            action_sets: self.detail.then_some(SetsMap(self)),
        };
        // compact: the output of a large account is big, and it is read by programs
        serde_json::to_writer(&mut *w, &doc).map_err(crate::report::json_io)?;
        writeln!(w)
    }

    /// The table: each principal's access by service and level (with `--detail`, each
    /// grant), fitted to `width` when given (see [`super::layout`]).
    pub fn write_table(&self, width: Option<u16>, w: &mut dyn Write) -> io::Result<()> {
        let text = |s: String| match width {
            Some(n) => super::layout::wrap_hanging(&s, usize::from(n)),
            None => s,
        };
        self.write_warnings_text(w)?;
        for pv in &self.principals {
            let Some(p) = self.snapshot.principals.get(pv.index) else {
                continue;
            };
            writeln!(w, "{}", text(principal_heading(p, pv)))?;
            for r in pv.review {
                writeln!(w, "{}", text(format!("  needs review: {}", review_text(r))))?;
            }
            if pv.grants.is_empty() {
                writeln!(w, "  (no allowed actions)\n")?;
                continue;
            }
            if !self.detail {
                for note in self.conditional_notes(pv) {
                    writeln!(w, "{}", text(format!("  {note}")))?;
                }
                writeln!(w, "{}\n", access_grid(&pv.access).render(width))?;
                continue;
            }
            let mut t = Grid::new(&[
                ("Service", Align::Left),
                ("Level", Align::Left),
                ("Actions", Align::Left),
                ("Resources", Align::Left),
                ("Status", Align::Left),
                ("Granted by", Align::Left),
            ]);
            for row in self.rows(pv) {
                t.row(row);
            }
            writeln!(w, "{}\n", t.render(width))?;
        }
        if !self.detail && self.principals.iter().any(|pv| !pv.grants.is_empty()) {
            writeln!(
                w,
                "{}",
                text(
                    "--detail lists each grant: its actions, resources, conditions and the statement behind it".to_owned()
                )
            )?;
        }
        Ok(())
    }

    /// `conditional (6 action(s)): aws:SourceIp IpAddress 10.0.0.0/8`: the conditions the
    /// principal's conditional-only actions depend on (a conditional grant of actions
    /// also allowed without condition changes nothing), the most actions first, at most
    /// three.
    fn conditional_notes(&self, pv: &PrincipalView<'_>) -> Vec<String> {
        const SHOWN: usize = 3;
        if pv.conditional_count == 0 {
            return Vec::new();
        }
        let universe = self.names.len();
        let views = || pv.grants.iter().filter_map(|&g| self.grants.get(g));
        let mut sure = vec![0u64; universe.div_ceil(64)];
        for gv in views().filter(|gv| gv.grant.status() == Status::Allowed) {
            if let Some(a) = self.sets.get(gv.set) {
                a.ids.or_into(&mut sure);
            }
        }
        // per condition, the actions it alone decides (an action under two grants of the
        // same condition counts once)
        let mut by: BTreeMap<String, Vec<u64>> = BTreeMap::new();
        for gv in views().filter(|gv| gv.grant.status() == Status::Conditional) {
            let Some(a) = self.sets.get(gv.set) else {
                continue;
            };
            let bits = by
                .entry(status_text(gv.grant))
                .or_insert_with(|| vec![0u64; sure.len()]);
            a.ids.or_into(bits);
        }
        let tail = universe % 64;
        let by: BTreeMap<String, usize> = by
            .into_iter()
            .map(|(text, bits)| {
                let n: usize = bits
                    .iter()
                    .zip(&sure)
                    .enumerate()
                    .map(|(i, (b, s))| {
                        let mut w = b & !s;
                        if i + 1 == bits.len() && tail != 0 {
                            w &= (1u64 << tail) - 1;
                        }
                        w.count_ones() as usize
                    })
                    .sum();
                (text, n)
            })
            .filter(|(_, n)| *n > 0)
            .collect();
        let mut v: Vec<(String, usize)> = by.into_iter().collect();
        v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let more = v.len().saturating_sub(SHOWN);
        let mut out: Vec<String> = v
            .into_iter()
            .take(SHOWN)
            .map(|(t, n)| {
                let rest = t.strip_prefix("conditional: ").unwrap_or(&t).to_owned();
                format!("conditional ({n} action(s)): {rest}")
            })
            .collect();
        if more > 0 {
            out.push(format!("… and {more} other condition(s) (--detail)"));
        }
        out
    }

    pub fn write_markdown(&self, w: &mut dyn Write) -> io::Result<()> {
        writeln!(w, "# Effective permissions\n")?;
        writeln!(
            w,
            "Sources: {}. Catalog: {} {}.\n",
            self.snapshot
                .sources
                .iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", "),
            self.catalog.meta().actions_source,
            self.catalog.meta().actions_version
        )?;
        writeln!(
            w,
            "| Principal | Kind | Actions | Conditional only | Needs review |"
        )?;
        writeln!(w, "|---|---|--:|--:|---|")?;
        for pv in &self.principals {
            let Some(p) = self.snapshot.principals.get(pv.index) else {
                continue;
            };
            writeln!(
                w,
                "| {} | {} | {} | {} | {} |",
                md(&p.name),
                p.kind.as_str(),
                pv.action_count,
                pv.conditional_count,
                if pv.review.is_empty() {
                    "—".to_owned()
                } else {
                    pv.review.len().to_string()
                }
            )?;
        }
        writeln!(w)?;
        if !self.snapshot.warnings.is_empty() {
            writeln!(
                w,
                "<details><summary>Input warnings ({})</summary>\n",
                self.snapshot.warnings.len()
            )?;
            for x in &self.snapshot.warnings {
                writeln!(
                    w,
                    "- `{}` {}: {}",
                    x.code.as_str(),
                    md(&x.place.to_string()),
                    md(&x.message)
                )?;
            }
            writeln!(w, "\n</details>\n")?;
        }
        for pv in &self.principals {
            let Some(p) = self.snapshot.principals.get(pv.index) else {
                continue;
            };
            writeln!(
                w,
                "<details><summary>{}</summary>\n",
                md(&principal_heading(p, pv))
            )?;
            for r in pv.review {
                writeln!(w, "- **needs review**: {}", md(&review_text(r)))?;
            }
            if !self.detail {
                for note in self.conditional_notes(pv) {
                    writeln!(w, "- {}", md(&note))?;
                }
                let grid = access_grid(&pv.access);
                writeln!(w, "\n| {} |", grid.headers().join(" | "))?;
                writeln!(w, "|---{}|", "|--:".repeat(grid.headers().len() - 1))?;
                for row in grid.rows() {
                    let cells: Vec<String> = row.iter().map(|c| md(c)).collect();
                    writeln!(w, "| {} |", cells.join(" | "))?;
                }
                writeln!(w, "\n</details>\n")?;
                continue;
            }
            writeln!(
                w,
                "\n| Service | Level | Actions | Resources | Status | Granted by |"
            )?;
            writeln!(w, "|---|---|---|---|---|---|")?;
            for row in self.rows(pv) {
                let cells: Vec<String> = row.iter().map(|c| md(c).replace('\n', "<br>")).collect();
                writeln!(w, "| {} |", cells.join(" | "))?;
            }
            writeln!(w, "\n</details>\n")?;
        }
        Ok(())
    }

    fn write_warnings_text(&self, w: &mut dyn Write) -> io::Result<()> {
        if !self.snapshot.warnings.is_empty() {
            writeln!(
                w,
                "{} input warning(s) (see stderr)\n",
                self.snapshot.warnings.len()
            )?;
        }
        Ok(())
    }

    /// Table rows of a principal: one per grant, service and access level.
    fn rows(&self, pv: &PrincipalView<'_>) -> Vec<Vec<String>> {
        let universe = self.names.len();
        let mut rows = Vec::new();
        for &gid in &pv.grants {
            let Some(gv) = self.grants.get(gid) else {
                continue;
            };
            let Some(acts) = self.sets.get(gv.set) else {
                continue;
            };
            let g = gv.grant;
            let resources = resources_text(g);
            let status = status_text(g);
            let by = format!("{}\nvia {}", origin_text(&g.source), g.via);
            let excluded = acts.ids.excluded().filter(|e| e.len() <= 2_000);
            if universe > 0 && acts.ids.is_all(universe) {
                rows.push(vec![
                    "*".into(),
                    "all".into(),
                    format!("every action ({universe})"),
                    resources.clone(),
                    status.clone(),
                    by.clone(),
                ]);
            } else if let Some(excluded) = excluded {
                // `*` or `NotAction` minus a few: say what is missing, not what is there
                rows.push(vec![
                    "*".into(),
                    "all".into(),
                    format!(
                        "every action ({}) except {}",
                        universe.saturating_sub(excluded.len()),
                        self.describe_ids(excluded)
                    ),
                    resources.clone(),
                    status.clone(),
                    by.clone(),
                ]);
            } else {
                let mut by_service: BTreeMap<&str, BTreeMap<AccessLevel, Vec<&str>>> =
                    BTreeMap::new();
                for (level, names) in self.action_names_by_level(acts) {
                    for n in names {
                        let svc = n.split(':').next().unwrap_or(n);
                        by_service
                            .entry(svc)
                            .or_default()
                            .entry(level)
                            .or_default()
                            .push(n);
                    }
                }
                for (svc, levels) in by_service {
                    let total: usize = levels.values().map(Vec::len).sum();
                    let full = self
                        .catalog
                        .service(svc)
                        .is_some_and(|s| s.actions.len() == total && total > 1);
                    if full {
                        rows.push(vec![
                            svc.into(),
                            "all".into(),
                            format!("{svc}:* ({total} actions)"),
                            resources.clone(),
                            status.clone(),
                            by.clone(),
                        ]);
                        continue;
                    }
                    for (level, names) in levels {
                        rows.push(vec![
                            svc.into(),
                            level.to_string(),
                            abbreviate(&names),
                            resources.clone(),
                            status.clone(),
                            by.clone(),
                        ]);
                    }
                }
            }
            if !acts.unknown.is_empty() && !acts.covers_uncataloged {
                rows.push(vec![
                    "?".into(),
                    "unknown".into(),
                    format!("not in the catalog: {}", acts.unknown.join(", ")),
                    resources.clone(),
                    status.clone(),
                    by.clone(),
                ]);
            }
            if acts.covers_uncataloged {
                rows.push(vec![
                    "?".into(),
                    "unknown".into(),
                    "any action not in the catalog".into(),
                    resources,
                    status,
                    by,
                ]);
            }
        }
        rows
    }
}

fn abbreviate_list(items: &[String], show: usize) -> String {
    if items.len() <= show {
        items.join(", ")
    } else {
        format!(
            "{}, … (+{} more)",
            items.get(..show).unwrap_or_default().join(", "),
            items.len() - show
        )
    }
}

fn abbreviate(names: &[&str]) -> String {
    const SHOW: usize = 8;
    let short: Vec<&str> = names
        .iter()
        .map(|n| n.split_once(':').map_or(*n, |(_, a)| a))
        .collect();
    if short.len() <= SHOW {
        short.join(", ")
    } else {
        format!(
            "{}, … (+{} more)",
            short.get(..SHOW).unwrap_or_default().join(", "),
            short.len() - SHOW
        )
    }
}

fn principal_heading(p: &crate::model::Principal, pv: &PrincipalView<'_>) -> String {
    format!(
        "{} {}{} — {} action(s){}",
        p.kind.as_str(),
        p.name,
        p.arn
            .as_deref()
            .map(|a| format!(" ({a})"))
            .unwrap_or_default(),
        pv.action_count,
        if pv.conditional_count > 0 {
            format!(", {} only under conditions", pv.conditional_count)
        } else {
            String::new()
        }
    )
}

fn resources_text(g: &Grant) -> String {
    let mut s = scope_text(&g.scope);
    for l in &g.limits {
        s.push_str(&format!(
            "\nwithin {} ({})",
            l.scopes
                .iter()
                .map(|x| scope_text(x))
                .collect::<Vec<_>>()
                .join(" or "),
            l.via
        ));
    }
    for e in &g.exceptions {
        s.push_str(&format!(
            "\nexcept {}{} (deny: {})",
            scope_text(&e.scope),
            if e.conditions.is_empty() {
                String::new()
            } else {
                format!(" if {}", clauses_text(&e.conditions))
            },
            origin_short(&e.source)
        ));
    }
    s
}

fn status_text(g: &Grant) -> String {
    match g.status() {
        Status::Allowed => "allowed".into(),
        Status::Conditional => {
            let mut parts: Vec<String> = g
                .conditions
                .iter()
                .map(|c| clauses_text(&c.clauses))
                .collect();
            if !g.unknown_variables.is_empty() {
                parts.push(format!(
                    "unknown variable(s) {}",
                    g.unknown_variables.join(", ")
                ));
            }
            if g.exceptions.iter().any(|e| !e.conditions.is_empty()) {
                parts.push("a deny may apply".into());
            }
            format!("conditional: {}", parts.join("; "))
        }
    }
}

fn origin_short(o: &Origin) -> String {
    format!("{} {}", o.policy, o.statement)
}

pub fn origin_text(o: &Origin) -> String {
    format!(
        "{} `{}`{} {}",
        o.kind.label(),
        o.policy,
        o.version
            .as_deref()
            .map(|v| format!(" {v}"))
            .unwrap_or_default(),
        o.statement
    )
}

pub fn review_text(r: &Review) -> String {
    r.to_string()
}

/// Escapes text for a Markdown table cell.
pub fn md(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' => o.push_str("\\|"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '&' => o.push_str("&amp;"),
            '`' => o.push_str("\\`"),
            '*' => o.push_str("\\*"),
            '_' => o.push_str("\\_"),
            '[' => o.push_str("\\["),
            ']' => o.push_str("\\]"),
            _ => o.push(c),
        }
    }
    o
}

// ---- JSON shapes ----

#[derive(Serialize)]
struct JsonDoc<'a> {
    schema: &'static str,
    catalog: JsonCatalog<'a>,
    sources: Vec<&'a str>,
    warnings: &'a [Warning],
    principals: Vec<JsonPrincipal<'a>>,
    /// Whether `grants` and `action_sets` are included (`--detail`).
    detail: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    grants: Option<GrantsMap<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    action_sets: Option<SetsMap<'a>>,
}

#[derive(Serialize)]
struct JsonCatalog<'a> {
    actions: String,
    managed_policies: String,
    generated: &'a str,
}

#[derive(Serialize)]
struct JsonPrincipal<'a> {
    kind: &'static str,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    arn: Option<&'a str>,
    /// Distinct actions allowed (catalog actions plus uncataloged patterns).
    actions: usize,
    /// Of those, how many are allowed only under undecided conditions.
    conditional_only: usize,
    /// Access by service and access level.
    access: Vec<JsonAccess<'a>>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    any_uncataloged_action: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    grants: Option<Vec<GrantId>>,
    #[serde(skip_serializing_if = "<[Review]>::is_empty")]
    review: &'a [Review],
}

#[derive(Serialize)]
struct JsonAccess<'a> {
    service: &'a str,
    levels: BTreeMap<&'static str, usize>,
    conditional: usize,
    every_action: bool,
    #[serde(skip_serializing_if = "is_zero")]
    uncataloged: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl<'a> JsonAccess<'a> {
    fn of(a: &'a ServiceAccess) -> Self {
        JsonAccess {
            service: &a.service,
            levels: a.levels.iter().map(|(l, n)| (l.as_str(), *n)).collect(),
            conditional: a.conditional,
            every_action: a.every_action,
            uncataloged: a.uncataloged,
        }
    }
}

/// A principal's access as a table: one row per service, or per group of alike ones;
/// the conditional column only when some action is allowed only under conditions.
fn access_grid(access: &(Vec<ServiceAccess>, bool)) -> Grid {
    let rows = access::rows(&access.0);
    let conditional = rows.iter().any(|r| r.conditional > 0);
    let mut columns = vec![
        ("Service", Align::Left),
        ("List", Align::Right),
        ("Read", Align::Right),
        ("Tagging", Align::Right),
        ("Write", Align::Right),
        ("Permissions management", Align::Right),
    ];
    if conditional {
        columns.push(("Conditional", Align::Right));
    }
    let mut t = Grid::new(&columns);
    let count = |n: usize| {
        if n == 0 {
            "·".to_owned()
        } else {
            n.to_string()
        }
    };
    for r in rows {
        let mut label = r.label.clone();
        if r.uncataloged > 0 {
            label.push_str(&format!(" (+{} not in the catalog)", r.uncataloged));
        }
        let mut cells = vec![label];
        cells.extend(
            access::LEVELS
                .iter()
                .map(|l| count(r.levels.get(l).copied().unwrap_or(0))),
        );
        if conditional {
            cells.push(count(r.conditional));
        }
        t.row(cells);
    }
    if access.1 {
        let mut cells = vec!["any action not in the catalog".to_owned()];
        cells.extend(std::iter::repeat_n("·".to_owned(), columns.len() - 1));
        t.row(cells);
    }
    t
}

struct GrantId(usize);

impl Serialize for GrantId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&format_args!("g{}", self.0 + 1))
    }
}

struct SetId(usize);

impl Serialize for SetId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&format_args!("a{}", self.0 + 1))
    }
}

struct SetsMap<'a>(&'a EffectiveView<'a>);

impl Serialize for SetsMap<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let v = self.0;
        let mut m = s.serialize_map(Some(v.sets.len()))?;
        for (i, acts) in v.sets.iter().enumerate() {
            let levels = v.action_names_by_level(acts);
            let j = JsonSet {
                by_level: levels.into_iter().map(|(l, n)| (l.as_str(), n)).collect(),
                uncataloged_actions: if acts.covers_uncataloged {
                    Vec::new()
                } else {
                    acts.unknown.iter().map(String::as_str).collect()
                },
                any_uncataloged_action: acts.covers_uncataloged,
            };
            m.serialize_entry(&SetId(i), &j)?;
        }
        m.end()
    }
}

#[derive(Serialize)]
struct JsonSet<'a> {
    /// Access level → action names.
    #[serde(flatten)]
    by_level: BTreeMap<&'a str, Vec<&'a str>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    uncataloged_actions: Vec<&'a str>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    any_uncataloged_action: bool,
}

struct GrantsMap<'a>(&'a EffectiveView<'a>);

impl Serialize for GrantsMap<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let v = self.0;
        let mut m = s.serialize_map(Some(v.grants.len()))?;
        for (i, gv) in v.grants.iter().enumerate() {
            let g = gv.grant;
            let j = JsonGrant {
                status: g.status(),
                actions: SetId(gv.set),
                resources: JsonScope::of(&g.scope),
                limits: g.limits.iter().map(JsonLimit::of).collect(),
                exceptions: g.exceptions.iter().map(JsonException::of).collect(),
                conditions: g.conditions.iter().map(JsonCond::of).collect(),
                unknown_variables: &g.unknown_variables,
                source: &g.source,
                via: &g.via,
            };
            m.serialize_entry(&GrantId(i), &j)?;
        }
        m.end()
    }
}

#[derive(Serialize)]
struct JsonGrant<'a> {
    status: Status,
    /// Id of the action set in `action_sets`.
    actions: SetId,
    resources: JsonScope<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    limits: Vec<JsonLimit<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    exceptions: Vec<JsonException<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    conditions: Vec<JsonCond<'a>>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    unknown_variables: &'a [String],
    source: &'a Origin,
    via: &'a Via,
}

#[derive(Serialize)]
#[serde(rename_all = "snake_case")]
enum JsonScope<'a> {
    Any(bool),
    Only(Vec<&'a str>),
    AllExcept(Vec<&'a str>),
}

impl<'a> JsonScope<'a> {
    fn of(s: &'a ResourceScope) -> Self {
        match s {
            ResourceScope::Any => JsonScope::Any(true),
            ResourceScope::Only(p) => JsonScope::Only(p.iter().map(|p| &*p.text).collect()),
            ResourceScope::AllExcept(p) => {
                JsonScope::AllExcept(p.iter().map(|p| &*p.text).collect())
            }
        }
    }
}

#[derive(Serialize)]
struct JsonLimit<'a> {
    via: &'a Via,
    /// The grant applies only to resources in one of these scopes.
    within: Vec<JsonScope<'a>>,
    sources: Vec<&'a Origin>,
}

impl<'a> JsonLimit<'a> {
    fn of(l: &'a Limit) -> Self {
        JsonLimit {
            via: &l.via,
            within: l.scopes.iter().map(|s| JsonScope::of(s)).collect(),
            sources: l.sources.iter().map(|s| s.as_ref()).collect(),
        }
    }
}

#[derive(Serialize)]
struct JsonException<'a> {
    via: &'a Via,
    resources: JsonScope<'a>,
    /// Empty: the deny always applies to these resources.
    #[serde(skip_serializing_if = "<[ConditionClause]>::is_empty")]
    conditions: &'a [ConditionClause],
    source: &'a Origin,
}

impl<'a> JsonException<'a> {
    fn of(e: &'a Exception) -> Self {
        JsonException {
            via: &e.via,
            resources: JsonScope::of(&e.scope),
            conditions: &e.conditions,
            source: &e.source,
        }
    }
}

#[derive(Serialize)]
struct JsonCond<'a> {
    via: &'a Via,
    clauses: &'a [ConditionClause],
    source: &'a Origin,
}

impl<'a> JsonCond<'a> {
    fn of(c: &'a CondNote) -> Self {
        JsonCond {
            via: &c.via,
            clauses: &c.clauses,
            source: &c.source,
        }
    }
}
