//! Comparison of one principal's access on the two sides, exactly.
//!
//! Actions are grouped by the pair (grants that hold them before, grants that hold them
//! after): every action of a group has the same resource sets on both sides, so each
//! group costs one set comparison. Resource sets are boolean combinations of IAM
//! patterns (a grant's scope, within its limits, minus its denies), compared by language
//! inclusion; every difference comes with a witness resource, shaped like the action's
//! ARN format when the catalog knows it.

use rustc_hash::FxHasher;
use std::collections::{BTreeMap, BTreeSet};
use std::hash::{Hash, Hasher};

use crate::catalog::{AccessLevel, ActionId, Catalog};
use crate::eval::Decision;
use crate::eval::actions::ActionMatch;
use crate::eval::effective::{
    Evaluation, Exception, Grant, Point, Status, always_allowed_origin, clauses_text,
};
use crate::eval::idset::IdSet;
use crate::eval::lang::{self, Budget, LangError, SetExpr};
use crate::eval::layers::Via;
use crate::eval::scope::{ResourceScope, hash_scope, scope_text};
use crate::model::{Origin, StatementRef};

use super::findings::{Code, Finding, Route, Side};

thread_local! {
    /// ARN-format patterns by (catalog string address, account); the catalog is static.
    static TEMPLATES: std::cell::RefCell<rustc_hash::FxHashMap<(usize, Option<String>), String>> =
        std::cell::RefCell::new(rustc_hash::FxHashMap::default());
}

/// Identity of a principal for findings.
#[derive(Debug, Clone)]
pub struct Who {
    pub kind: String,
    pub name: String,
    /// Account id, used to make witness ARNs look like the principal's own resources.
    pub account: Option<String>,
}

/// A content hash of an evaluation, blind to provenance: equal hashes mean equal access
/// (the routes may differ, which is no finding).
pub fn fingerprint(ev: &Evaluation) -> u64 {
    // grants share their action sets (a GCP role's thousands of permissions once for all
    // its bindings): hash each distinct set once, by address, and the grant hashes that
    let mut actions: rustc_hash::FxHashMap<*const ActionMatch, u64> =
        rustc_hash::FxHashMap::default();
    fingerprint_with(ev, |a| {
        *actions
            .entry(std::sync::Arc::as_ptr(a))
            .or_insert_with(|| action_hash(a))
    })
}

/// The hash [`fingerprint`] gives an action set.
pub fn action_hash(a: &ActionMatch) -> u64 {
    let mut h = FxHasher::default();
    a.hash(&mut h);
    h.finish()
}

/// [`fingerprint`], each grant's action set hashed by `actions` (which must give what
/// [`action_hash`] gives: callers hash each distinct set once for many evaluations).
pub fn fingerprint_with(
    ev: &Evaluation,
    mut actions: impl FnMut(&std::sync::Arc<ActionMatch>) -> u64,
) -> u64 {
    let mut parts: Vec<u64> = ev
        .grants
        .iter()
        .map(|g| {
            let mut h = FxHasher::default();
            actions(&g.actions).hash(&mut h);
            g.scope.hash(&mut h);
            for l in &g.limits {
                l.scopes.hash(&mut h);
            }
            for e in &g.exceptions {
                e.scope.hash(&mut h);
                e.conditions.hash(&mut h);
            }
            for c in &g.conditions {
                c.clauses.hash(&mut h);
            }
            g.unknown_variables.hash(&mut h);
            h.finish()
        })
        .collect();
    parts.sort_unstable();
    let mut h = FxHasher::default();
    parts.hash(&mut h);
    ev.review.len().hash(&mut h);
    h.finish()
}

/// Unconditional (`sure`) and possible (`maybe`) resources of a set of grants.
struct Sets {
    sure: SetExpr,
    maybe: SetExpr,
}

fn scope_expr(s: &ResourceScope) -> SetExpr {
    match s {
        ResourceScope::Any => SetExpr::All,
        ResourceScope::Only(p) => {
            SetExpr::Union(p.iter().map(|p| SetExpr::Pat(p.pattern.clone())).collect())
        }
        ResourceScope::AllExcept(p) => SetExpr::Not(Box::new(SetExpr::Union(
            p.iter().map(|p| SetExpr::Pat(p.pattern.clone())).collect(),
        ))),
    }
}

/// Scopes of this many patterns or more are built once per principal and shared.
const SHARED_FROM: usize = 4;

/// One principal's resource scopes as sets, each built once by address and then shared
/// ([`SetExpr::Shared`]): every grant's exceptions hold an organization's gated ARNs
/// (issue 8), and every group and question of the principal reads them. The addresses
/// are those of the two evaluations, which outlive the principal's comparison.
#[derive(Default)]
struct Exprs(std::cell::RefCell<rustc_hash::FxHashMap<*const ResourceScope, SetExpr>>);

/// Past this many remembered scopes (or twice as many as were alive at the last look), a
/// thread forgets those no evaluation holds any more.
const BUILT_KEPT: usize = 4096;

/// The scopes one thread has built (see [`BUILT`]), and the count at which to forget.
type Built = (
    usize,
    rustc_hash::FxHashMap<*const ResourceScope, (std::sync::Weak<ResourceScope>, SetExpr)>,
);

thread_local! {
    /// The large scopes this thread has built, by address, for every principal it compares:
    /// an account's principals share its gated scope. The weak reference keeps the address
    /// from being reused while the entry exists, so an address found is the same scope.
    static BUILT: std::cell::RefCell<Built> =
        std::cell::RefCell::new((BUILT_KEPT, rustc_hash::FxHashMap::default()));
}

impl Exprs {
    fn of(&self, s: &std::sync::Arc<ResourceScope>) -> SetExpr {
        let n = match &**s {
            ResourceScope::Any => 0,
            ResourceScope::Only(p) | ResourceScope::AllExcept(p) => p.len(),
        };
        if n < SHARED_FROM {
            return scope_expr(s);
        }
        let key = std::sync::Arc::as_ptr(s);
        if let Some(e) = self.0.borrow().get(&key) {
            return e.clone();
        }
        let e = BUILT.with(|built| {
            let (limit, built) = &mut *built.borrow_mut();
            if let Some((_, e)) = built.get(&key) {
                return e.clone();
            }
            if built.len() >= *limit {
                built.retain(|_, (w, _)| w.strong_count() > 0);
                *limit = BUILT_KEPT.max(2 * built.len());
            }
            let e = SetExpr::Shared(std::sync::Arc::new(scope_expr(s)));
            built.insert(key, (std::sync::Arc::downgrade(s), e.clone()));
            e
        });
        self.0.borrow_mut().insert(key, e.clone());
        e
    }
}

/// The resources a grant covers: always (`sure`) and perhaps (`maybe`).
fn grant_sets(g: &Grant, x: &Exprs) -> Sets {
    grant_sets_with(g, x, |_, e| Some(x.of(&e.scope)))
}

/// [`grant_sets`] with each exception's set (by position) as `minus` says: `None` leaves
/// it out.
fn grant_sets_with(
    g: &Grant,
    x: &Exprs,
    minus: impl Fn(usize, &Exception) -> Option<SetExpr>,
) -> Sets {
    let mut base = vec![x.of(&g.scope)];
    for l in &g.limits {
        base.push(SetExpr::Union(l.scopes.iter().map(|s| x.of(s)).collect()));
    }
    let mut sure_minus = Vec::new();
    let mut maybe_minus = Vec::new();
    for (n, e) in g.exceptions.iter().enumerate() {
        let Some(set) = minus(n, e) else { continue };
        if e.conditions.is_empty() {
            maybe_minus.push(set.clone());
        }
        sure_minus.push(set);
    }
    let with = |minus: Vec<SetExpr>| {
        let mut v = base.clone();
        if !minus.is_empty() {
            v.push(SetExpr::Not(Box::new(SetExpr::Union(minus))));
        }
        SetExpr::Inter(v)
    };
    let maybe = with(maybe_minus);
    // unconditional unless the allow itself is undecided; a conditional deny only takes
    // its resources out of the sure part (already in `sure_minus`), not the whole grant
    let sure = if g.conditions.is_empty() && g.unknown_variables.is_empty() {
        with(sure_minus)
    } else {
        SetExpr::Empty
    };
    Sets { sure, maybe }
}

/// The resources a side's grants cover. A policy whose document is unknown may deny
/// anything (and an unknown boundary may not allow), so such a side allows nothing
/// unconditionally, but for what AWS allows whatever the policies say.
fn side_sets(grants: &[&Grant], ev: &Evaluation, x: &Exprs) -> Sets {
    let all = union_sets(grants, x);
    if !(ev.rules.unresolved_identity || ev.rules.unresolved_boundary) {
        return all;
    }
    let always = always_allowed_origin();
    let sure: Vec<&Grant> = grants
        .iter()
        .copied()
        .filter(|g| std::sync::Arc::ptr_eq(&g.source, &always))
        .collect();
    Sets {
        sure: union_sets(&sure, x).sure,
        maybe: all.maybe,
    }
}

fn union_sets(grants: &[&Grant], x: &Exprs) -> Sets {
    let (mut sure, mut maybe) = (Vec::new(), Vec::new());
    for g in grants {
        let s = grant_sets(g, x);
        sure.push(s.sure);
        maybe.push(s.maybe);
    }
    Sets {
        sure: SetExpr::Union(sure),
        maybe: SetExpr::Union(maybe),
    }
}

/// Which of a grant's two sets a question reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Sure,
    Maybe,
}

impl Kind {
    fn of(self, s: Sets) -> SetExpr {
        match self {
            Kind::Sure => s.sure,
            Kind::Maybe => s.maybe,
        }
    }

    /// Whether a grant's `self` set subtracts exception `e` (see [`grant_sets`]).
    fn subtracts(self, e: &Exception) -> bool {
        self == Kind::Sure || e.conditions.is_empty()
    }
}

/// One piece of a difference question: resources of some grants of one side, and the
/// other side's set as those grants see it.
type Part = (SetExpr, SetExpr);

/// `x \ y`, the `kx` sets of grants `x` minus the `ky` sets of grants `y`, as parts for
/// [`lang::witness_in_difference_parts`] (issue 8). The grants of `x` that subtract the
/// same exceptions of `y` form one part, in which `y` leaves those exceptions out: every
/// resource of the part is outside them, and inside a set and outside one of its
/// exceptions the set with and without that exception are the same, so the part's
/// difference is unchanged. Two sides that both subtract the organization's gated ARNs,
/// or the accounts of an RCP, then no longer make one disjunct per subtracted pattern.
/// Exceptions are matched by equal scopes, never by pattern work. `None` when nothing
/// would be left out (the plain question is the same one).
fn difference_parts(
    x: &[&Grant],
    kx: Kind,
    y: &[&Grant],
    ky: Kind,
    exprs: &Exprs,
) -> Option<Vec<Part>> {
    // per grant of x, per subtracted exception of y (in order): whether x's grant
    // subtracts that very scope, then, for a list of patterns, whether it subtracts each
    // (of the exceptions x's grant subtracts, in order)
    let signature = |own: &[&Exception]| -> Vec<bool> {
        let pats: rustc_hash::FxHashSet<&crate::eval::wildcard::Pattern> = own
            .iter()
            .filter_map(|f| match &*f.scope {
                ResourceScope::Only(p) => Some(p.iter().map(|p| &p.pattern)),
                _ => None,
            })
            .flatten()
            .collect();
        let mut sig = Vec::new();
        for e in y
            .iter()
            .flat_map(|h| h.exceptions.iter().filter(|e| ky.subtracts(e)))
        {
            let whole = own.iter().any(|f| f.scope == e.scope);
            sig.push(whole);
            if let ResourceScope::Only(p) = &*e.scope {
                sig.extend(p.iter().map(|p| !whole && pats.contains(&p.pattern)));
            }
        }
        sig
    };
    // grants subtracting the very same exceptions (an account's gated ARNs, in each of a
    // person's hundreds of grants) have one signature, worked out once
    let mut known: rustc_hash::FxHashMap<Vec<*const ResourceScope>, Vec<bool>> =
        rustc_hash::FxHashMap::default();
    let mut groups: Vec<(Vec<bool>, Vec<&Grant>)> = Vec::new();
    for g in x {
        let own: Vec<&Exception> = g.exceptions.iter().filter(|e| kx.subtracts(e)).collect();
        let key = own
            .iter()
            .map(|e| std::sync::Arc::as_ptr(&e.scope))
            .collect();
        let sig = known.entry(key).or_insert_with(|| signature(&own)).clone();
        match groups.iter_mut().find(|(s, _)| *s == sig) {
            Some((_, v)) => v.push(g),
            None => groups.push((sig, vec![g])),
        }
    }
    if groups.iter().all(|(sig, _)| !sig.contains(&true)) {
        return None;
    }
    let parts = groups
        .into_iter()
        .map(|(sig, gs)| {
            let xs = SetExpr::Union(gs.iter().map(|g| kx.of(grant_sets(g, exprs))).collect());
            let mut at = 0usize;
            let ys = y
                .iter()
                .map(|h| {
                    // each subtracted exception of h: left out, narrowed to the patterns
                    // x's grants do not subtract, or kept
                    let edits: Vec<Option<SetExpr>> = h
                        .exceptions
                        .iter()
                        .map(|e| {
                            if !ky.subtracts(e) {
                                return Some(exprs.of(&e.scope));
                            }
                            let whole = sig.get(at).copied().unwrap_or(false);
                            at += 1;
                            let ResourceScope::Only(p) = &*e.scope else {
                                return (!whole).then(|| exprs.of(&e.scope));
                            };
                            let dropped = sig.get(at..at + p.len()).unwrap_or_default();
                            at += p.len();
                            if whole || dropped.iter().all(|d| *d) {
                                None
                            } else if !dropped.contains(&true) {
                                Some(exprs.of(&e.scope))
                            } else {
                                Some(SetExpr::Union(
                                    p.iter()
                                        .zip(dropped)
                                        .filter(|(_, d)| !**d)
                                        .map(|(p, _)| SetExpr::Pat(p.pattern.clone()))
                                        .collect(),
                                ))
                            }
                        })
                        .collect();
                    ky.of(grant_sets_with(h, exprs, |n, _| {
                        edits.get(n).cloned().flatten()
                    }))
                })
                .collect();
            (xs, SetExpr::Union(ys))
        })
        .collect();
    Some(parts)
}

pub fn route(o: &Origin, via: &Via) -> Route {
    Route {
        file: o.file.to_string(),
        policy: o.policy.to_string(),
        policy_arn: o.policy_arn.as_deref().map(str::to_owned),
        version: o.version.as_deref().map(str::to_owned),
        kind: serde_json::to_value(o.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
        statement: match &o.statement {
            StatementRef::Sid(s) => s.clone(),
            StatementRef::Index(i) => format!("#{i}"),
        },
        via: match via {
            Via::Direct => "direct".into(),
            Via::Group(g) => format!("group {g}"),
            Via::Boundary => "boundary".into(),
            Via::Scp(l) => format!("scp {l}"),
            Via::Rcp(l) => format!("rcp {l}"),
            Via::Resource(r) => format!("resource {r}"),
            Via::Identity => "identity".into(),
            Via::Role(p) => format!("role {p}"),
        },
        pointer: o.pointer.clone(),
    }
}

/// How a side holds a group of actions, for the report.
/// Patterns a finding lists in full; past it, the first of them and a count.
const LISTED: usize = 12;

/// A scope as a finding shows it: in full up to [`LISTED`] patterns; past that, the
/// accounts whose every resource it names (`arn:*:*:*:ACCOUNT:*`, an RCP over an OU, issue
/// 8) as one account set, the other patterns as the first few and a count, so that a
/// finding does not repeat an organization's 1,500 gated ARNs (the full scope is what
/// `effective --detail` and `explain` show).
fn listed_text(s: &ResourceScope) -> String {
    let pats = match s {
        ResourceScope::Only(p) | ResourceScope::AllExcept(p) if p.len() > LISTED => p,
        _ => return scope_text(s).replace('\n', ", "),
    };
    let mut accounts: Vec<&str> = Vec::new();
    let mut others: Vec<&str> = Vec::new();
    for p in pats {
        match p
            .text
            .strip_prefix("arn:*:*:*:")
            .and_then(|r| r.strip_suffix(":*"))
            .filter(|a| a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()))
        {
            Some(a) => accounts.push(a),
            None => others.push(&p.text),
        }
    }
    let few = |v: &[&str], n: usize| {
        let shown = v.iter().take(n).copied().collect::<Vec<_>>().join(", ");
        if v.len() > n {
            format!("{shown}, … {} more", v.len() - n)
        } else {
            shown
        }
    };
    let mut out = Vec::new();
    if !accounts.is_empty() {
        out.push(format!(
            "resources of {} account(s) ({})",
            accounts.len(),
            few(&accounts, 5)
        ));
    }
    if !others.is_empty() {
        out.push(format!(
            "{} pattern(s) ({})",
            others.len(),
            few(&others, LISTED / 2)
        ));
    }
    let text = out.join(", ");
    match s {
        ResourceScope::AllExcept(_) => format!("all except {text}"),
        _ => text,
    }
}

pub fn side(grants: &[&Grant]) -> Side {
    side_with(grants, true)
}

/// [`side`], its routes left out unless `routes`.
fn side_with(grants: &[&Grant], with_routes: bool) -> Side {
    if grants.is_empty() {
        return Side {
            status: "not-allowed".into(),
            ..Side::default()
        };
    }
    let status = if grants.iter().any(|g| g.status() == Status::Allowed) {
        "allowed"
    } else {
        "conditional"
    };
    let mut resources = BTreeSet::new();
    let mut conditions = BTreeSet::new();
    let mut routes = BTreeSet::new();
    for g in grants {
        let mut r = scope_text(&g.scope).replace('\n', ", ");
        for l in &g.limits {
            r.push_str(&format!(
                " within {} ({})",
                l.scopes
                    .iter()
                    .map(|s| scope_text(s).replace('\n', ", "))
                    .collect::<Vec<_>>()
                    .join(" or "),
                l.via
            ));
        }
        for e in &g.exceptions {
            r.push_str(&format!(" except {}", listed_text(&e.scope)));
            // the gate of resource policies (issue 8) is AWS's rule, not a statement
            if with_routes && e.via != Via::Identity {
                routes.insert(route(&e.source, &e.via));
            }
            if !e.conditions.is_empty() {
                conditions.insert(format!("deny if {}", clauses_text(&e.conditions)));
            }
        }
        resources.insert(r);
        for c in &g.conditions {
            conditions.insert(clauses_text(&c.clauses));
        }
        for v in &g.unknown_variables {
            conditions.insert(format!("unknown variable ${{{v}}}"));
        }
        if with_routes {
            routes.insert(route(&g.source, &g.via));
        }
    }
    Side {
        status: status.into(),
        resources: resources.into_iter().collect(),
        conditions: conditions.into_iter().collect(),
        routes: routes.into_iter().collect(),
    }
}

/// Action × resource-type pairs of an action (at least one: actions on `*`).
pub fn pairs(catalog: &Catalog, id: ActionId) -> usize {
    catalog
        .action(id)
        .map_or(1, |a| a.resource_types.len().max(1))
}

/// ARN-shaped pattern of a resource type (`arn:${Partition}:s3:::${BucketName}` →
/// `arn:aws:s3:::?*`), to steer witnesses towards real-looking ARNs.
fn template_pattern(arn: &str, account: Option<&str>) -> String {
    let mut out = String::new();
    let mut rest = arn;
    while let Some(i) = rest.find("${") {
        out.push_str(rest.get(..i).unwrap_or_default());
        let after = rest.get(i + 2..).unwrap_or_default();
        let Some(j) = after.find('}') else {
            out.push_str(rest.get(i..).unwrap_or_default());
            rest = "";
            break;
        };
        let name = after.get(..j).unwrap_or_default();
        match name {
            "Partition" => out.push_str("aws"),
            "Account" if account.is_some() => out.push_str(account.unwrap_or_default()),
            "Region" => out.push_str("us-east-1"),
            _ => out.push_str("?*"),
        }
        rest = after.get(j + 1..).unwrap_or_default();
    }
    out.push_str(rest);
    out
}

struct Ctx<'a> {
    catalog: &'a Catalog,
    who: &'a Who,
    budget: &'a Budget,
    before: &'a Evaluation,
    after: &'a Evaluation,
    /// What each witness asked about so far decides (see [`At`]): a group's services
    /// share their witness.
    at: std::cell::RefCell<rustc_hash::FxHashMap<String, At<'a>>>,
    exprs: Exprs,
}

/// At one witness resource: the action sets of the statements that may apply there (and
/// the actions AWS always allows), and the two decisions of each class of actions those
/// sets tell apart (see [`At::classes`]), by the class's signature.
struct At<'a> {
    sets: Vec<&'a IdSet>,
    always: Vec<ActionId>,
    decided: rustc_hash::FxHashMap<Vec<u64>, (Point, Point)>,
}

impl Ctx<'_> {
    /// A resource in `a` and not in `b`; `Err` when too complex to decide.
    /// ARN patterns of the actions' resource types (a group has thousands of actions
    /// and few types: collect the distinct types first).
    fn templates(&self, ids: &[ActionId]) -> BTreeSet<String> {
        let mut types: Vec<(&str, &str)> = Vec::new();
        for id in ids {
            if let Some(act) = self.catalog.action(*id) {
                for rt in &act.resource_types {
                    types.push((act.service.as_str(), rt.name.as_str()));
                }
            }
        }
        types.sort_unstable();
        types.dedup();
        let mut templates = BTreeSet::new();
        let mut svc: Option<&crate::catalog::Service> = None;
        for (service, name) in types {
            if svc.is_none_or(|s| s.prefix != service) {
                svc = self.catalog.service(service);
            }
            if let Some(t) = svc.and_then(|s| s.resource_types.iter().find(|t| t.name == name)) {
                // the same few formats come up for every principal: build each once per thread
                let key = (t.arn.as_ptr() as usize, self.who.account.clone());
                let pattern = TEMPLATES.with(|c| {
                    c.borrow_mut()
                        .entry(key)
                        .or_insert_with(|| template_pattern(&t.arn, self.who.account.as_deref()))
                        .clone()
                });
                templates.insert(pattern);
            }
        }
        templates
    }

    /// A resource in `a` and not in `b` (`Err` when too complex to decide), shaped like
    /// an ARN of the given templates when one is in the difference.
    /// `parts`, when given, are `a \ b` split as [`difference_parts`] splits it.
    fn witness(
        &self,
        templates: &BTreeSet<String>,
        a: &SetExpr,
        b: &SetExpr,
        plain: &Plain,
    ) -> Result<Option<String>, LangError> {
        let parts = plain.parts.as_deref();
        let any = || {
            plain
                .any
                .get_or_init(|| self.difference(a, b, parts))
                .clone()
        };
        if templates.is_empty() {
            let Some(any) = any()? else {
                return Ok(None);
            };
            // actions without resource types apply to `*`
            let everything =
                !misses_empty(a) && lang::is_subset(&SetExpr::All, a, self.budget).unwrap_or(false);
            return Ok(Some(if everything { "*".into() } else { any }));
        }
        let shaped = || {
            let shapes = SetExpr::Union(templates.iter().map(|t| SetExpr::pat(t)).collect());
            let shaped = SetExpr::Inter(vec![a.clone(), shapes.clone()]);
            let shaped_parts: Option<Vec<Part>> = parts.map(|parts| {
                parts
                    .iter()
                    .map(|(x, y)| (SetExpr::Inter(vec![x.clone(), shapes.clone()]), y.clone()))
                    .collect()
            });
            self.difference(&shaped, b, shaped_parts.as_deref())
                .ok()
                .flatten()
        };
        // one set, nothing taken from it (a group gained or lost whole): an ARN-shaped
        // member proves it non-empty, and the question without shapes, as costly as the
        // shaped one, is asked only when there is none
        if matches!(b, SetExpr::Empty) {
            if let Some(w) = shaped() {
                return Ok(Some(w));
            }
            return any();
        }
        // is there a difference at all (asked once for every template), then an
        // ARN-shaped witness in it when there is one
        let Some(any) = any()? else {
            return Ok(None);
        };
        Ok(Some(shaped().unwrap_or(any)))
    }

    /// A resource in `a` and not in `b`, asked as `parts` when given (see
    /// [`difference_parts`]); `Err` when too complex to decide.
    fn difference(&self, a: &SetExpr, b: &SetExpr, parts: Option<&[Part]>) -> Answer {
        match parts {
            Some(parts) => lang::witness_in_difference_parts(a, b, parts, self.budget),
            None => lang::witness_in_difference(a, b, self.budget),
        }
    }

    fn finding(
        &self,
        code: Code,
        ids: &[ActionId],
        witness: Option<String>,
        before: Side,
        after: Side,
        message: String,
    ) -> Finding {
        let severity = ids
            .iter()
            .filter_map(|id| self.catalog.action(*id).map(|a| a.level))
            .max()
            .unwrap_or(AccessLevel::PermissionsManagement);
        let service = ids
            .first()
            .and_then(|id| self.catalog.action(*id))
            .map(|a| a.service.clone())
            .unwrap_or_default();
        Finding {
            code,
            category: code.category(),
            severity,
            principal_kind: self.who.kind.clone(),
            principal: self.who.name.clone(),
            service,
            actions: ids
                .iter()
                .filter_map(|id| self.catalog.action(*id).map(|a| a.full_name()))
                .collect(),
            pairs: ids.iter().map(|id| pairs(self.catalog, *id)).sum(),
            witness,
            message,
            before,
            after,
            waived: None,
            fails_gate: false,
            causes: Vec::new(),
            lint: Vec::new(),
            parts: Vec::new(),
        }
    }
}

fn levels_text(catalog: &Catalog, ids: &[ActionId]) -> String {
    let set: BTreeSet<AccessLevel> = ids
        .iter()
        .filter_map(|i| catalog.action(*i).map(|a| a.level))
        .collect();
    set.iter()
        .map(|l| l.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn routes_text(s: &Side) -> String {
    s.routes
        .iter()
        .take(3)
        .map(|r| format!("`{}` {} via {}", r.policy, r.statement, r.via))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Findings for one principal present on both sides.
pub fn compare(
    catalog: &Catalog,
    who: &Who,
    before: &Evaluation,
    after: &Evaluation,
    budget: &Budget,
) -> Vec<Finding> {
    let mut out = Vec::new();
    review_findings(catalog, who, before, after, &mut out);
    if fingerprint(before) == fingerprint(after) {
        return out;
    }
    compare_changed(catalog, who, before, after, budget, out)
}

/// [`compare`] for two evaluations already known to differ (fingerprints computed by the
/// caller, once per distinct evaluation).
pub fn compare_known(
    catalog: &Catalog,
    who: &Who,
    before: &Evaluation,
    after: &Evaluation,
    budget: &Budget,
    equal: bool,
) -> Vec<Finding> {
    let mut out = Vec::new();
    review_findings(catalog, who, before, after, &mut out);
    if equal {
        return out;
    }
    compare_changed(catalog, who, before, after, budget, out)
}

fn compare_changed(
    catalog: &Catalog,
    who: &Who,
    before: &Evaluation,
    after: &Evaluation,
    budget: &Budget,
    mut out: Vec<Finding>,
) -> Vec<Finding> {
    let universe = catalog.actions().len();
    // each principal has its own allowance of work, whatever the others used (issue 7)
    let budget = &budget.fresh();
    let ctx = Ctx {
        catalog,
        who,
        budget,
        before,
        after,
        at: Default::default(),
        exprs: Exprs::default(),
    };
    // grants' resource sets, blind to actions and provenance: a group whose grants are the
    // same on both sides has the same resources on both, so nothing to report (most of a
    // changed principal's groups: one binding changed among dozens)
    let exact = !(before.rules.unresolved_identity
        || before.rules.unresolved_boundary
        || after.rules.unresolved_identity
        || after.rules.unresolved_boundary);
    let scopes = Scopes::default();
    let groups = partition(universe, before, after, exact, &scopes);
    // the resources hashes of the grants some group names (pruned, few of them)
    let (hb, ha) = if exact {
        let mut hb: Vec<Option<u64>> = vec![None; before.grants.len()];
        let mut ha: Vec<Option<u64>> = vec![None; after.grants.len()];
        for key in groups.keys() {
            let split = key.iter().position(|&x| x == u32::MAX).unwrap_or(key.len());
            for (n, &i) in key.iter().enumerate() {
                let (hashes, grants) = match n.cmp(&split) {
                    std::cmp::Ordering::Less => (&mut hb, &before.grants),
                    std::cmp::Ordering::Equal => continue,
                    std::cmp::Ordering::Greater => (&mut ha, &after.grants),
                };
                if let (Some(h @ None), Some(g)) =
                    (hashes.get_mut(i as usize), grants.get(i as usize))
                {
                    *h = Some(resources_hash(g));
                }
            }
        }
        let known =
            |v: Vec<Option<u64>>| -> Vec<u64> { v.into_iter().map(|h| h.unwrap_or(0)).collect() };
        (known(hb), known(ha))
    } else {
        (Vec::new(), Vec::new())
    };
    // the shared records of answers, by the resources hashes of the grants on each side
    let mut shared: rustc_hash::FxHashMap<(Vec<u64>, Vec<u64>), Vec<SharedAsked<'_>>> =
        rustc_hash::FxHashMap::default();
    for (key, mut ids) in groups {
        ids.sort_unstable();
        let split = key.iter().position(|&x| x == u32::MAX).unwrap_or(key.len());
        let b: Vec<&Grant> = key
            .get(..split)
            .unwrap_or_default()
            .iter()
            .filter_map(|&i| before.grants.get(i as usize))
            .collect();
        let a: Vec<&Grant> = key
            .get(split + 1..)
            .unwrap_or_default()
            .iter()
            .filter_map(|&i| after.grants.get(i as usize))
            .collect();
        let (kb, ka) = (
            key.get(..split).unwrap_or_default(),
            key.get(split + 1..).unwrap_or_default(),
        );
        if exact && same_resources((kb, &b, &hb), (ka, &a, &ha), &scopes) {
            continue;
        }
        // one finding per service within the group
        let mut by_service: BTreeMap<&str, Vec<ActionId>> = BTreeMap::new();
        for id in &ids {
            if let Some(act) = catalog.action(*id) {
                by_service
                    .entry(act.service.as_str())
                    .or_default()
                    .push(*id);
            }
        }
        // both sides' description, resource sets and answers about them are the same for
        // every service of the group, and the sets and answers for every group whose grants
        // cover the same resources in the same order
        let asked = if exact {
            let key = (
                kb.iter()
                    .filter_map(|&i| hb.get(i as usize).copied())
                    .collect::<Vec<u64>>(),
                ka.iter()
                    .filter_map(|&i| ha.get(i as usize).copied())
                    .collect::<Vec<u64>>(),
            );
            let known = shared.entry(key).or_default();
            let same = |x: &[&Grant], y: &[&Grant]| {
                x.len() == y.len()
                    && x.iter()
                        .zip(y)
                        .all(|(g, h)| same_grant_resources(g, h, &scopes))
            };
            match known
                .iter()
                .find(|(kb, ka, _)| same(kb, &b) && same(ka, &a))
            {
                Some((_, _, asked)) => asked.clone(),
                None => {
                    let asked = std::rc::Rc::new(Asked::new(&ctx, &b, &a));
                    known.push((b.clone(), a.clone(), asked.clone()));
                    asked
                }
            }
        } else {
            std::rc::Rc::new(Asked::new(&ctx, &b, &a))
        };
        let group = Group::new(&b, &a, asked);
        for (_, ids) in by_service {
            compare_group(&ctx, &ids, &group, &mut out);
        }
    }
    uncataloged_findings(who, before, after, &mut out);
    out
}

/// A record of answers with the grants, before and after, of the group that made it.
type SharedAsked<'e> = (Vec<&'e Grant>, Vec<&'e Grant>, std::rc::Rc<Asked>);

/// A hash of what decides a grant's resource sets (see [`grant_sets`]): its scope, limits,
/// exceptions and whether it is conditional.
fn resources_hash(g: &Grant) -> u64 {
    let mut h = FxHasher::default();
    g.scope.hash(&mut h);
    for l in &g.limits {
        l.scopes.hash(&mut h);
    }
    for e in &g.exceptions {
        e.scope.hash(&mut h);
        e.conditions.hash(&mut h);
    }
    for c in &g.conditions {
        c.clauses.hash(&mut h);
    }
    g.unknown_variables.hash(&mut h);
    h.finish()
}

/// Equality of resource scopes by content, remembered by address for one principal: its
/// grants on one node share their scope, and the two sides, evaluated apart, hold equal
/// scopes at different addresses (compared once, not once per pair of grants).
#[derive(Default)]
struct Scopes(
    std::cell::RefCell<rustc_hash::FxHashMap<(*const ResourceScope, *const ResourceScope), bool>>,
);

impl Scopes {
    fn same(&self, x: &std::sync::Arc<ResourceScope>, y: &std::sync::Arc<ResourceScope>) -> bool {
        if std::sync::Arc::ptr_eq(x, y) {
            return true;
        }
        let key = (std::sync::Arc::as_ptr(x), std::sync::Arc::as_ptr(y));
        if let Some(&known) = self.0.borrow().get(&key) {
            return known;
        }
        let same = **x == **y;
        self.0.borrow_mut().insert(key, same);
        same
    }
}

/// Whether two grants cover the same resources under the same conditions, compared as
/// [`resources_hash`] hashes them.
fn same_grant_resources(x: &Grant, y: &Grant, scopes: &Scopes) -> bool {
    scopes.same(&x.scope, &y.scope)
        && x.limits.len() == y.limits.len()
        && x.limits.iter().zip(&y.limits).all(|(l, m)| {
            l.scopes.len() == m.scopes.len()
                && l.scopes
                    .iter()
                    .zip(&m.scopes)
                    .all(|(s, t)| scopes.same(s, t))
        })
        && x.exceptions.len() == y.exceptions.len()
        && x.exceptions
            .iter()
            .zip(&y.exceptions)
            .all(|(e, f)| scopes.same(&e.scope, &f.scope) && e.conditions == f.conditions)
        && x.conditions.len() == y.conditions.len()
        && x.conditions
            .iter()
            .zip(&y.conditions)
            .all(|(c, d)| c.clauses == d.clauses)
        && x.unknown_variables == y.unknown_variables
}

/// Whether a group's grants before and after are the same but for their provenance (so
/// its resource sets and conditions are equal on both sides): sorted by hash and checked
/// pair by pair. `false` when unsure.
fn same_resources(
    (kb, b, hb): (&[u32], &[&Grant], &[u64]),
    (ka, a, ha): (&[u32], &[&Grant], &[u64]),
    scopes: &Scopes,
) -> bool {
    if b.len() != a.len() || b.len() != kb.len() || a.len() != ka.len() {
        return false;
    }
    // (hash, position in the group) by hash
    let sorted = |keys: &[u32], hashes: &[u64]| -> Option<Vec<(u64, usize)>> {
        let mut v = Vec::with_capacity(keys.len());
        for (n, &k) in keys.iter().enumerate() {
            v.push((*hashes.get(k as usize)?, n));
        }
        v.sort_unstable();
        Some(v)
    };
    let (Some(sb), Some(sa)) = (sorted(kb, hb), sorted(ka, ha)) else {
        return false;
    };
    sb.iter().zip(&sa).all(|(&(x, i), &(y, j))| {
        x == y
            && match (b.get(i), a.get(j)) {
                (Some(g), Some(h)) => same_grant_resources(g, h, scopes),
                _ => false,
            }
    })
}

thread_local! {
    /// The per-action masks of [`partition`], kept between principals of one thread: a
    /// diff partitions the whole universe once per changed principal.
    static MASKS: std::cell::RefCell<Vec<u64>> = const { std::cell::RefCell::new(Vec::new()) };
    /// The row of each action id in [`partition`]'s masks, `u32::MAX` for none: sized to
    /// the universe once per thread, and reset after each principal to the ids it touched.
    static ROWS: std::cell::RefCell<Vec<u32>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The grants' action sets by content: each grant's class, on each side, and the set of
/// each class. The two sides are evaluated apart, so the same role has one set on each
/// side; a class holds both.
struct Classes<'e> {
    sets: Vec<&'e IdSet>,
    before: Vec<usize>,
    after: Vec<usize>,
}

impl<'e> Classes<'e> {
    fn of(before: &'e Evaluation, after: &'e Evaluation) -> Self {
        let mut by_address: rustc_hash::FxHashMap<*const crate::eval::actions::ActionMatch, usize> =
            rustc_hash::FxHashMap::default();
        let mut sets: Vec<&IdSet> = Vec::new();
        let mut class_of = |g: &'e Grant| -> usize {
            *by_address
                .entry(std::sync::Arc::as_ptr(&g.actions))
                .or_insert_with(|| {
                    let ids = &g.actions.ids;
                    sets.iter().position(|s| *s == ids).unwrap_or_else(|| {
                        sets.push(ids);
                        sets.len() - 1
                    })
                })
        };
        let before = before.grants.iter().map(&mut class_of).collect();
        let after = after.grants.iter().map(&mut class_of).collect();
        Classes {
            sets,
            before,
            after,
        }
    }

    /// The classes of the grants some grant of the other side does not match: the same
    /// class and the same resources ([`same_grant_resources`]), one to one. An action
    /// that only matched grants hold has, in its group, grants of the same resources on
    /// both sides, which [`same_resources`] skips: only these classes' actions matter.
    fn unmatched(&self, before: &Evaluation, after: &Evaluation, scopes: &Scopes) -> Vec<bool> {
        // candidates by class and a cheap key of their resources, compared in full only
        // when both agree (a role bound on many nodes: one candidate per node)
        let mut by_class: Vec<Vec<(u64, usize)>> = vec![Vec::new(); self.sets.len()];
        for ((j, &c), h) in self.after.iter().enumerate().zip(&after.grants) {
            if let Some(v) = by_class.get_mut(c) {
                v.push((quick_key(h), j));
            }
        }
        let mut taken = vec![false; self.after.len()];
        let mut wanted = vec![false; self.sets.len()];
        for (g, &c) in before.grants.iter().zip(&self.before) {
            let key = quick_key(g);
            let pair = by_class.get(c).and_then(|v| {
                v.iter().find_map(|&(k, j)| {
                    (k == key
                        && !taken.get(j).copied().unwrap_or(true)
                        && after
                            .grants
                            .get(j)
                            .is_some_and(|h| same_grant_resources(g, h, scopes)))
                    .then_some(j)
                })
            });
            match pair.and_then(|j| taken.get_mut(j)) {
                Some(t) => *t = true,
                None => {
                    if let Some(w) = wanted.get_mut(c) {
                        *w = true;
                    }
                }
            }
        }
        for (&c, t) in self.after.iter().zip(&taken) {
            if !t && let Some(w) = wanted.get_mut(c) {
                *w = true;
            }
        }
        wanted
    }
}

/// A cheap key of what decides a grant's resources, from the patterns' own hashes: equal
/// for grants [`same_grant_resources`] finds alike.
fn quick_key(g: &Grant) -> u64 {
    let mut h = FxHasher::default();
    hash_scope(&g.scope, &mut h);
    for l in &g.limits {
        h.write_usize(l.scopes.len());
        for s in &l.scopes {
            hash_scope(s, &mut h);
        }
    }
    for e in &g.exceptions {
        hash_scope(&e.scope, &mut h);
    }
    h.write_usize(g.limits.len());
    h.write_usize(g.exceptions.len());
    h.write_usize(g.conditions.len());
    h.write_usize(g.unknown_variables.len());
    h.finish()
}

/// Calls `hit` with the position in `r` of each id of `r` that `s` holds (both ascending):
/// a merge, or a search per id when `s` is much the longer.
fn meet(r: &[ActionId], s: &[ActionId], mut hit: impl FnMut(usize)) {
    if s.len() > 8 * r.len() {
        let mut rest = s;
        for (n, id) in r.iter().enumerate() {
            rest = rest
                .get(rest.partition_point(|x| x < id)..)
                .unwrap_or_default();
            if rest.first() == Some(id) {
                hit(n);
            }
        }
    } else {
        let (mut i, mut j) = (0, 0);
        while let (Some(x), Some(y)) = (r.get(i), s.get(j)) {
            match x.cmp(y) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    hit(i);
                    i += 1;
                    j += 1;
                }
            }
        }
    }
}

/// The actions held by some grant, grouped by the grants that hold them on each side:
/// key = before grant indices, `u32::MAX`, after grant indices; actions in no set order
/// (the caller sorts them). With `prune`, groups whose grants pair up, before with after,
/// by action set and resources are left out (the caller would skip them).
///
/// Grants share their action sets (one per distinct clause, a GCP role's permissions once
/// for all its bindings), so the actions are partitioned by the distinct sets: each action
/// gets a bit mask of the sets holding it, and actions with equal masks form a group. A
/// changed principal mostly keeps its grants (one binding changed among dozens): pruned,
/// only the actions of the unmatched grants get a mask, each set met with those ids only,
/// not walked (a GCP role's thousands of permissions, for every member).
fn partition<'e>(
    universe: usize,
    before: &'e Evaluation,
    after: &'e Evaluation,
    prune: bool,
    scopes: &Scopes,
) -> BTreeMap<Vec<u32>, Vec<ActionId>> {
    let classes = Classes::of(before, after);
    let sets = &classes.sets;
    let words = sets.len().div_ceil(64).max(1);
    // the actions that matter, when fewer than all the sets hold
    let relevant: Option<Vec<ActionId>> = if prune {
        let wanted = classes.unmatched(before, after, scopes);
        let mut ids: Vec<ActionId> = Vec::new();
        let mut plain = true;
        for (s, _) in sets.iter().zip(&wanted).filter(|(_, w)| **w) {
            match s.included() {
                Some(v) => ids.extend(v.iter().copied().filter(|&i| (i as usize) < universe)),
                None => plain = false,
            }
        }
        ids.sort_unstable();
        ids.dedup();
        plain.then_some(ids)
    } else {
        None
    };
    // a complement (`*`, `NotAction`) touches the whole universe: one row per action id;
    // else rows for the actions some set holds only (a principal's grants touch a few
    // thousand of the catalog's actions), in the order the sets first reach them
    let complement = relevant.is_none() && sets.iter().any(|ids| ids.excluded().is_some());
    MASKS.with(|cell| {
        ROWS.with(|rows_cell| {
            let mut masks = cell.borrow_mut();
            masks.clear();
            // the action id of each row, when rows are not the ids themselves
            let mut row_ids: Vec<ActionId> = Vec::new();
            if let Some(relevant) = relevant {
                masks.resize(relevant.len() * words, 0);
                let mut hits = vec![false; relevant.len()];
                for (s, ids) in sets.iter().enumerate() {
                    let (w, bit) = (s / 64, 1u64 << (s % 64));
                    let mut set = |n: usize| {
                        if let Some(m) = masks.get_mut(n * words + w) {
                            *m |= bit;
                        }
                    };
                    match (ids.included(), ids.excluded()) {
                        (Some(held), _) => meet(&relevant, held, set),
                        (None, Some(excluded)) => {
                            hits.fill(false);
                            meet(&relevant, excluded, |n| {
                                if let Some(h) = hits.get_mut(n) {
                                    *h = true;
                                }
                            });
                            for (n, h) in hits.iter().enumerate() {
                                if !h {
                                    set(n);
                                }
                            }
                        }
                        (None, None) => {}
                    }
                }
                row_ids = relevant;
            } else if complement {
                masks.resize(universe * words, 0);
                for (s, ids) in sets.iter().enumerate() {
                    let (w, bit) = (s / 64, 1u64 << (s % 64));
                    let mut set = |id: usize, on: bool| {
                        if let Some(m) = masks.get_mut(id * words + w) {
                            if on {
                                *m |= bit;
                            } else {
                                *m &= !bit;
                            }
                        }
                    };
                    match ids.excluded() {
                        Some(excluded) => {
                            (0..universe).for_each(|id| set(id, true));
                            excluded.iter().for_each(|&id| set(id as usize, false));
                        }
                        None => ids.iter(universe).for_each(|id| set(id as usize, true)),
                    }
                }
            } else {
                // each set's ids in one pass: an id's row is made when first reached
                let mut row = rows_cell.borrow_mut();
                if row.len() < universe {
                    row.resize(universe, u32::MAX);
                }
                for (s, ids) in sets.iter().enumerate() {
                    let (w, bit) = (s / 64, 1u64 << (s % 64));
                    let held = ids.included().unwrap_or_default();
                    for &id in held {
                        // ids past the universe are no catalog action: no row
                        let Some(r) = row
                            .get_mut(id as usize)
                            .filter(|_| (id as usize) < universe)
                        else {
                            continue;
                        };
                        if *r == u32::MAX {
                            *r = row_ids.len() as u32;
                            row_ids.push(id);
                            let n = masks.len();
                            masks.resize(n + words, 0);
                        }
                        if let Some(m) = masks.get_mut(*r as usize * words + w) {
                            *m |= bit;
                        }
                    }
                }
                // untouched again for the next principal
                for &id in &row_ids {
                    if let Some(r) = row.get_mut(id as usize) {
                        *r = u32::MAX;
                    }
                }
            }
            let id_of = |row: usize| -> Option<ActionId> {
                if complement {
                    ActionId::try_from(row).ok()
                } else {
                    row_ids.get(row).copied()
                }
            };
            let mut index: rustc_hash::FxHashMap<&[u64], usize> = rustc_hash::FxHashMap::default();
            let mut by_mask: Vec<(&[u64], Vec<ActionId>)> = Vec::new();
            // neighbours (a service's actions) mostly share their mask: skip the hash then
            let mut last: Option<(&[u64], usize)> = None;
            for (row, mask) in masks.chunks_exact(words).enumerate() {
                // actions held by no grant on either side are no business of the diff
                if mask.iter().all(|m| *m == 0) {
                    continue;
                }
                let Some(id) = id_of(row) else {
                    continue;
                };
                let at = match last {
                    Some((m, at)) if m == mask => at,
                    _ => *index.entry(mask).or_insert_with(|| {
                        by_mask.push((mask, Vec::new()));
                        by_mask.len() - 1
                    }),
                };
                last = Some((mask, at));
                if let Some((_, ids)) = by_mask.get_mut(at) {
                    ids.push(id);
                }
            }
            // the grants of each set, before and after
            let mut users: Vec<(Vec<u32>, Vec<u32>)> = vec![(Vec::new(), Vec::new()); sets.len()];
            for (i, &s) in classes.before.iter().enumerate() {
                if let Some(u) = users.get_mut(s) {
                    u.0.push(i as u32);
                }
            }
            for (i, &s) in classes.after.iter().enumerate() {
                if let Some(u) = users.get_mut(s) {
                    u.1.push(i as u32);
                }
            }
            // a group's ids are sorted by the caller: the order rows come in is no matter
            let mut groups: BTreeMap<Vec<u32>, Vec<ActionId>> = BTreeMap::new();
            for (mask, ids) in by_mask {
                let (mut kb, mut ka) = (Vec::new(), Vec::new());
                for (w, &bits) in mask.iter().enumerate() {
                    let mut bits = bits;
                    while bits != 0 {
                        let s = w * 64 + bits.trailing_zeros() as usize;
                        bits &= bits - 1;
                        if let Some((b, a)) = users.get(s) {
                            kb.extend_from_slice(b);
                            ka.extend_from_slice(a);
                        }
                    }
                }
                kb.sort_unstable();
                ka.sort_unstable();
                let mut key = kb;
                key.push(u32::MAX);
                key.extend(ka);
                groups.entry(key).or_default().extend(ids);
            }
            groups
        })
    })
}

/// Which two resource sets of a group a witness question compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Question {
    /// possibly after, and not before (when nothing was allowed before)
    AfterMaybe,
    /// surely before (when nothing is allowed after)
    BeforeSure,
    /// possibly before (when nothing is allowed after)
    BeforeMaybe,
    /// possibly before, not possibly after
    Lost,
    /// surely before, not surely after
    LessSure,
    /// possibly after, not possibly before
    Widened,
}

type Answer = Result<Option<String>, LangError>;

/// A question as every service of a group asks it: split into parts (see
/// [`difference_parts`]), and a resource in the difference, of any shape.
struct Plain {
    parts: Option<Vec<Part>>,
    /// A member of the difference, whatever its shape: asked on first need.
    any: std::cell::OnceCell<Answer>,
}

/// What every service of one group shares: the grants on each side, their description and
/// resource sets, and the answers about those sets (a GCP role spans a hundred services,
/// whose actions have no resource types and so ask the very same questions).
struct Group<'g> {
    b: &'g [&'g Grant],
    a: &'g [&'g Grant],
    /// Each side's status, resources and conditions, without routes: a finding at a
    /// witness names the statements deciding it there, not the group's.
    sides: (Side, Side),
    /// Both sides in full, routes too, for the findings that show the group's sides.
    full: std::cell::OnceCell<(Side, Side)>,
    /// The resource sets and the answers about them, shared with the principal's other
    /// groups whose grants cover the same resources (see [`Asked`]).
    asked: std::rc::Rc<Asked>,
}

/// A group's resource sets and the answers about them. They are read from the grants'
/// resources alone (scope, limits, exceptions, conditions, in order), blind to the
/// actions and the provenance: groups of one principal whose grants are equal in those,
/// in the same order on each side, ask the very same questions of the very same sets
/// (a GCP member's roles bound on one node make one group each, all on the node's
/// scope), and share one record.
struct Asked {
    before: Sets,
    after: Sets,
    /// Both sides' policies are known: the sets are the grants' unions, which
    /// [`difference_parts`] may split.
    exact: bool,
    answers: std::cell::RefCell<Vec<(Question, BTreeSet<String>, Answer)>>,
    /// Per question, the parts it splits into and whether its sets differ at all: the
    /// same for every service of the group, whatever their ARN templates.
    plain: std::cell::RefCell<Vec<(Question, std::rc::Rc<Plain>)>>,
    /// Per question, whether [`surely_within`] settles it.
    within: std::cell::RefCell<Vec<(Question, bool)>>,
    before_empty: std::cell::OnceCell<bool>,
    after_empty: std::cell::OnceCell<bool>,
}

impl Asked {
    fn new(ctx: &Ctx<'_>, b: &[&Grant], a: &[&Grant]) -> Self {
        Asked {
            before: side_sets(b, ctx.before, &ctx.exprs),
            after: side_sets(a, ctx.after, &ctx.exprs),
            exact: [ctx.before, ctx.after]
                .iter()
                .all(|e| !(e.rules.unresolved_identity || e.rules.unresolved_boundary)),
            answers: std::cell::RefCell::new(Vec::new()),
            plain: std::cell::RefCell::new(Vec::new()),
            within: std::cell::RefCell::new(Vec::new()),
            before_empty: std::cell::OnceCell::new(),
            after_empty: std::cell::OnceCell::new(),
        }
    }
}

impl<'g> Group<'g> {
    fn new(b: &'g [&'g Grant], a: &'g [&'g Grant], asked: std::rc::Rc<Asked>) -> Self {
        Group {
            b,
            a,
            sides: (side_with(b, false), side_with(a, false)),
            full: std::cell::OnceCell::new(),
            asked,
        }
    }

    /// Both sides in full (see [`side`]).
    fn full(&self) -> &(Side, Side) {
        self.full.get_or_init(|| (side(self.b), side(self.a)))
    }

    /// A resource in one set of the question and not in the other, asked once per group
    /// and templates.
    fn witness(&self, ctx: &Ctx<'_>, q: Question, templates: &BTreeSet<String>) -> Answer {
        let asked = &*self.asked;
        if let Some((_, _, known)) = asked
            .answers
            .borrow()
            .iter()
            .find(|(kq, kt, _)| *kq == q && kt == templates)
        {
            return known.clone();
        }
        let empty = SetExpr::Empty;
        let (x, y) = match q {
            Question::AfterMaybe => (&asked.after.maybe, &empty),
            Question::BeforeSure => (&asked.before.sure, &empty),
            Question::BeforeMaybe => (&asked.before.maybe, &empty),
            Question::Lost => (&asked.before.maybe, &asked.after.maybe),
            Question::LessSure => (&asked.before.sure, &asked.after.sure),
            Question::Widened => (&asked.after.maybe, &asked.before.maybe),
        };
        // a plain union of patterns within the other side's plain patterns has no
        // difference: settled without building the question (once per question: the
        // group's services ask it with their own templates)
        let within = {
            let known = asked
                .within
                .borrow()
                .iter()
                .find(|(kq, _)| *kq == q)
                .map(|k| k.1);
            known.unwrap_or_else(|| {
                let w = surely_within(x, y);
                asked.within.borrow_mut().push((q, w));
                w
            })
        };
        if within {
            let answer: Answer = Ok(None);
            asked
                .answers
                .borrow_mut()
                .push((q, templates.clone(), answer.clone()));
            return answer;
        }
        let plain = self.plain(ctx, q);
        let answer = ctx.witness(templates, x, y, &plain);
        asked
            .answers
            .borrow_mut()
            .push((q, templates.clone(), answer.clone()));
        answer
    }

    /// Question `q` of `x` and `y` as every service of the group asks it, made once.
    fn plain(&self, ctx: &Ctx<'_>, q: Question) -> std::rc::Rc<Plain> {
        let asked = &*self.asked;
        if let Some((_, p)) = asked.plain.borrow().iter().find(|(kq, _)| *kq == q) {
            return p.clone();
        }
        let parts = match q {
            _ if !asked.exact => None,
            Question::Lost => {
                difference_parts(self.b, Kind::Maybe, self.a, Kind::Maybe, &ctx.exprs)
            }
            Question::LessSure => {
                difference_parts(self.b, Kind::Sure, self.a, Kind::Sure, &ctx.exprs)
            }
            Question::Widened => {
                difference_parts(self.a, Kind::Maybe, self.b, Kind::Maybe, &ctx.exprs)
            }
            _ => None,
        };
        let p = std::rc::Rc::new(Plain {
            parts,
            any: std::cell::OnceCell::new(),
        });
        asked.plain.borrow_mut().push((q, p.clone()));
        p
    }

    /// Nothing possibly allowed before (the group is new).
    fn before_empty(&self, ctx: &Ctx<'_>) -> bool {
        let asked = &*self.asked;
        *asked.before_empty.get_or_init(|| {
            !surely_nonempty(&asked.before.maybe)
                && lang::is_empty(&asked.before.maybe, ctx.budget).unwrap_or(false)
        })
    }

    /// Nothing possibly allowed after (the group is gone).
    fn after_empty(&self, ctx: &Ctx<'_>) -> bool {
        let asked = &*self.asked;
        *asked.after_empty.get_or_init(|| {
            !surely_nonempty(&asked.after.maybe)
                && lang::is_empty(&asked.after.maybe, ctx.budget).unwrap_or(false)
        })
    }
}

/// Whether `e` is a union of patterns (or of every string), through unions and
/// intersections of one set (a grant's scope with neither limits nor exceptions): its
/// patterns go to `pats`, and `all` is set when it holds every string.
fn plain<'s>(
    e: &'s SetExpr,
    pats: &mut Vec<&'s crate::eval::wildcard::Pattern>,
    all: &mut bool,
) -> bool {
    match e {
        SetExpr::Empty => true,
        SetExpr::All => {
            *all = true;
            true
        }
        SetExpr::Pat(p) => {
            pats.push(p);
            true
        }
        SetExpr::Union(v) => v.iter().all(|e| plain(e, pats, all)),
        SetExpr::Inter(v) if v.len() == 1 => v.iter().all(|e| plain(e, pats, all)),
        SetExpr::Shared(e) => plain(e, pats, all),
        _ => false,
    }
}

/// Whether `x` is surely within `y`, shown without a question: each member of `x`'s union
/// is one of `y`'s members (a grant both sides hold alike), or a plain union of patterns
/// (see [`plain`]) each of which is one of the patterns of `y`'s plain members (or one of
/// those holds every string). `false` when not shown.
fn surely_within(x: &SetExpr, y: &SetExpr) -> bool {
    fn members(e: &SetExpr) -> &[SetExpr] {
        match e {
            SetExpr::Union(v) => v.as_slice(),
            other => std::slice::from_ref(other),
        }
    }
    let ym = members(y);
    // y's plain patterns, and whether one holds every string, gathered on first need
    let mut yp: Option<(rustc_hash::FxHashSet<&crate::eval::wildcard::Pattern>, bool)> = None;
    for m in members(x) {
        if ym.contains(m) {
            continue;
        }
        let (mut p, mut all) = (Vec::new(), false);
        if !plain(m, &mut p, &mut all) {
            return false;
        }
        if p.is_empty() && !all {
            continue;
        }
        let (pats, y_all) = yp.get_or_insert_with(|| {
            let mut pats = rustc_hash::FxHashSet::default();
            for n in ym {
                let (mut q, mut n_all) = (Vec::new(), false);
                if plain(n, &mut q, &mut n_all) {
                    if n_all {
                        return (pats, true);
                    }
                    pats.extend(q);
                }
            }
            (pats, false)
        });
        if *y_all {
            continue;
        }
        if all || !p.iter().all(|q| pats.contains(q)) {
            return false;
        }
    }
    true
}

/// Whether `e` surely lacks the empty string, and so is not every string: a plain union
/// of patterns (see [`plain`]) each starting with a literal.
fn misses_empty(e: &SetExpr) -> bool {
    let (mut pats, mut all) = (Vec::new(), false);
    plain(e, &mut pats, &mut all) && !all && pats.iter().all(|p| !p.literal_prefix().is_empty())
}

/// Whether `e` surely holds some string: every pattern matches one, so a plain union of
/// patterns does (see [`plain`]).
fn surely_nonempty(e: &SetExpr) -> bool {
    match e {
        SetExpr::All | SetExpr::Pat(_) => true,
        SetExpr::Union(v) => v.iter().any(surely_nonempty),
        SetExpr::Inter(v) => v.len() == 1 && v.iter().all(surely_nonempty),
        SetExpr::Shared(e) => surely_nonempty(e),
        _ => false,
    }
}

fn compare_group(ctx: &Ctx<'_>, ids: &[ActionId], group: &Group<'_>, out: &mut Vec<Finding>) {
    let templates = ctx.templates(ids);
    // statuses and conditions; findings that show the group's sides get them in full
    let (sb, sa) = (&group.sides.0, &group.sides.1);
    let review = |out: &mut Vec<Finding>, why: LangError| {
        let (fb, fa) = group.full();
        out.push(ctx.finding(
            Code::NeedsReview,
            ids,
            None,
            fb.clone(),
            fa.clone(),
            format!(
                "{}: the resource sets are too complex to compare offline ({why})",
                group_what(ctx, ids, "may have changed")
            ),
        ))
    };
    let (b, a) = (group.b, group.a);
    let emit = |out: &mut Vec<Finding>, w: String| {
        out.extend(ctx.at_witness(ids, &w, group));
    };
    if b.is_empty() {
        match group.witness(ctx, Question::AfterMaybe, &templates) {
            Ok(Some(w)) => emit(out, w),
            // a grant every resource of which is denied grants nothing
            Ok(None) => {}
            Err(why) => review(out, why),
        }
        return;
    }
    if a.is_empty() {
        // prefer a resource that was allowed whatever the context
        let sure = group
            .witness(ctx, Question::BeforeSure, &templates)
            .ok()
            .flatten()
            .filter(|w| w.starts_with("arn:") || w == "*");
        let found = match sure {
            Some(w) => Ok(Some(w)),
            None => group.witness(ctx, Question::BeforeMaybe, &templates),
        };
        match found {
            // the before grant covered nothing (every resource denied): nothing is lost
            Ok(None) => {}
            Ok(Some(w)) => emit(out, w),
            // too complex to tell whether it covered anything: report the loss, soundly
            Err(_) => {
                let (fb, fa) = group.full();
                let msg = format!(
                    "{}: allowed before by {}, not allowed after",
                    group_what(ctx, ids, "loses"),
                    routes_text(fb)
                );
                out.push(ctx.finding(Code::Lost, ids, None, fb.clone(), fa.clone(), msg));
            }
        }
        return;
    }
    // lost or narrowed: resources possibly allowed before, certainly not after
    match group.witness(ctx, Question::Lost, &templates) {
        Err(why) => return review(out, why),
        Ok(Some(w)) => emit(out, w),
        Ok(None) => {
            // same or more resources; did certainty drop?
            match group.witness(ctx, Question::LessSure, &templates) {
                Err(why) => return review(out, why),
                Ok(Some(w)) => emit(out, w),
                Ok(None) => {
                    if sb.conditions != sa.conditions
                        && !sa.conditions.is_empty()
                        && sb.status != "allowed"
                        && !group.before_empty(ctx)
                    {
                        let msg = format!(
                            "{}: conditions changed from ({}) to ({})",
                            group_what(ctx, ids, "keeps"),
                            sb.conditions.join("; "),
                            sa.conditions.join("; ")
                        );
                        let (fb, fa) = group.full();
                        out.push(ctx.finding(
                            Code::Conditional,
                            ids,
                            None,
                            fb.clone(),
                            fa.clone(),
                            msg,
                        ));
                    }
                }
            }
        }
    }
    // widened: resources allowed after, not before
    match group.witness(ctx, Question::Widened, &templates) {
        Ok(Some(w)) => emit(out, w),
        Ok(None) => {}
        Err(why) => review(out, why),
    }
}

/// `carol loses 3 s3 action(s) (Read, Write)`.
fn group_what(ctx: &Ctx<'_>, ids: &[ActionId], verb: &str) -> String {
    format!(
        "{} {} {} {} action(s) ({})",
        ctx.who.name,
        verb,
        ids.len(),
        ids.first()
            .and_then(|i| ctx.catalog.action(*i))
            .map(|x| x.service.as_str())
            .unwrap_or(""),
        levels_text(ctx.catalog, ids)
    )
}

/// Possibly allowed: allowed, or allowed under conditions.
fn maybe(d: Decision) -> bool {
    matches!(d, Decision::Allowed | Decision::Conditional)
}

impl<'a> Ctx<'a> {
    /// The finding a witness shows, decided on the witness request itself as `explain`
    /// decides it (the same statements, the same AWS logic): each side's status is the
    /// decision on that request, its routes the statements that decide it, and the code
    /// follows from the two decisions. `None` when the request did not change after all
    /// (a side whose policy is unknown may allow it, and so did not certainly lose it).
    ///
    /// The actions of a group have the same grants, but a deny or a level may still tell
    /// them apart on the witness: actions are split by their two decisions (and the
    /// statements behind them), one finding per part.
    fn at_witness(&self, ids: &[ActionId], w: &str, group: &Group<'_>) -> Vec<Finding> {
        let mut parts: Vec<(Point, Point, Vec<ActionId>)> = Vec::new();
        {
            let mut known = self.at.borrow_mut();
            let at = known
                .entry(w.to_owned())
                .or_insert_with(|| self.applicable(w));
            for (sig, class) in at.classes(ids) {
                let Some(&id) = class.first() else {
                    continue;
                };
                let (pb, pa) = at
                    .decided
                    .entry(sig)
                    .or_insert_with(|| (self.before.decide(id, w), self.after.decide(id, w)))
                    .clone();
                match parts.iter_mut().find(|(b, a, _)| *b == pb && *a == pa) {
                    Some((_, _, v)) => v.extend(class),
                    None => parts.push((pb, pa, class)),
                }
            }
        }
        // classes come in the order of their first action, so parts do too; within a
        // part, actions ascending as the group lists them
        for (_, _, v) in &mut parts {
            v.sort_unstable();
        }
        parts
            .into_iter()
            .filter_map(|(pb, pa, part)| self.at_witness_part(&part, w, pb, pa, group))
            .collect()
    }

    /// The action sets of the statements that may apply at `w`, on both sides (see
    /// [`At::classes`]).
    fn applicable(&self, w: &str) -> At<'a> {
        let mut sets: Vec<&IdSet> = Vec::new();
        let mut seen: rustc_hash::FxHashSet<*const crate::eval::actions::ActionMatch> =
            rustc_hash::FxHashSet::default();
        let mut always: Vec<ActionId> = Vec::new();
        let mut evs: Vec<&Evaluation> = vec![self.before, self.after];
        for ev in [self.before, self.after] {
            evs.extend(ev.sessions.iter().map(|s| &*s.evaluation));
        }
        for ev in evs {
            let r = &*ev.rules;
            always.extend(r.always);
            let rules = r
                .allows
                .iter()
                .chain(&r.denies)
                .chain(r.resource_allows.iter().map(|(a, _)| a))
                .chain(r.rcp_denies.iter().map(|d| &d.rule))
                .chain(r.levels.iter().flat_map(|(_, l)| l));
            for rule in rules {
                if (rule.resource_unknown || rule.scope.matches(w))
                    && seen.insert(std::sync::Arc::as_ptr(&rule.actions))
                {
                    sets.push(&rule.actions.ids);
                }
            }
        }
        At {
            sets,
            always,
            decided: rustc_hash::FxHashMap::default(),
        }
    }
}

impl At<'_> {
    /// The actions of `ids` (ascending) split into classes that every statement bearing
    /// on the witness treats alike, each ascending, in the order of their first action,
    /// with their signature (the sets holding them). A request's decision reads an action
    /// only through whether each statement's action set holds it (and whether it is the
    /// action AWS always allows), and a statement whose scope misses the witness does not
    /// apply whatever the action: actions of one signature have the same decision and the
    /// same deciding statements on both sides, so [`Ctx::at_witness`] decides each
    /// signature once (a GCP role's thousands of permissions on one node: a few classes,
    /// the same for each service of the group).
    fn classes(&self, ids: &[ActionId]) -> Vec<(Vec<u64>, Vec<ActionId>)> {
        let sets = &self.sets;
        // one bit per set, and a last one for the always-allowed action
        let words = (sets.len() + 1).div_ceil(64);
        let mut sig = vec![0u64; ids.len() * words];
        for (k, set) in sets.iter().enumerate() {
            let (w, bit) = (k / 64, 1u64 << (k % 64));
            for (n, &id) in ids.iter().enumerate() {
                if set.contains(id)
                    && let Some(m) = sig.get_mut(n * words + w)
                {
                    *m |= bit;
                }
            }
        }
        let k = sets.len();
        for (n, &id) in ids.iter().enumerate() {
            if self.always.contains(&id)
                && let Some(m) = sig.get_mut(n * words + k / 64)
            {
                *m |= 1u64 << (k % 64);
            }
        }
        let mut index: rustc_hash::FxHashMap<&[u64], usize> = rustc_hash::FxHashMap::default();
        let mut classes: Vec<(Vec<u64>, Vec<ActionId>)> = Vec::new();
        for (&id, s) in ids.iter().zip(sig.chunks_exact(words)) {
            let at = *index.entry(s).or_insert_with(|| {
                classes.push((s.to_vec(), Vec::new()));
                classes.len() - 1
            });
            if let Some((_, c)) = classes.get_mut(at) {
                c.push(id);
            }
        }
        classes
    }
}

impl Ctx<'_> {
    fn at_witness_part(
        &self,
        ids: &[ActionId],
        w: &str,
        pb: Point,
        pa: Point,
        group: &Group<'_>,
    ) -> Option<Finding> {
        let action = *ids.first()?;
        let (db, da) = (pb.decision, pa.decision);
        let gone = || group.after_empty(self);
        let new = || group.before_empty(self);
        let code = if maybe(db) && !maybe(da) {
            if gone() { Code::Lost } else { Code::Narrowed }
        } else if !maybe(db) && maybe(da) {
            if new() { Code::Gained } else { Code::Widened }
        } else if db == Decision::Allowed && da == Decision::Conditional {
            // what the known statements still allow after, and only an unknown document
            // may take away, is the principal's needs-review finding: not one per action
            let unknown_after = {
                let r = &self.after.rules;
                r.unresolved_identity || r.unresolved_boundary
            };
            if unknown_after && self.after.decide_known(action, w).decision == Decision::Allowed {
                return None;
            }
            Code::Conditional
        } else {
            return None;
        };
        let pointed = |group: &Side, p: &Point| Side {
            status: p.decision.as_str().to_owned(),
            resources: group.resources.clone(),
            conditions: p.conditions.clone(),
            routes: {
                let mut r: Vec<Route> = p.deciding.iter().map(|(o, v)| route(o, v)).collect();
                r.sort();
                r.dedup();
                r
            },
        };
        let (sb, sa) = (pointed(&group.sides.0, &pb), pointed(&group.sides.1, &pa));
        let unknown_after = {
            let r = &self.after.rules;
            r.unresolved_identity || r.unresolved_boundary
        };
        let after_text = if da == Decision::Denied {
            format!("denied after by {}", routes_text(&sa))
        } else {
            "not allowed after".to_owned()
        };
        let msg = match code {
            Code::Lost => format!(
                "{}: allowed before by {}, {after_text}",
                group_what(self, ids, "loses"),
                routes_text(&sb)
            ),
            Code::Narrowed => format!(
                "{} on fewer resources: `{w}` was allowed before by {}, {after_text}",
                group_what(self, ids, "keeps"),
                routes_text(&sb)
            ),
            Code::Conditional => {
                let mut why = sa.conditions.clone();
                if unknown_after {
                    why.push("a policy it has after has an unknown document".to_owned());
                }
                format!(
                    "{} only under conditions after ({}); `{w}` was allowed unconditionally before",
                    group_what(self, ids, "keeps"),
                    why.join("; ")
                )
            }
            Code::Gained => format!(
                "{}, allowed after by {}",
                group_what(self, ids, "gains"),
                routes_text(&sa)
            ),
            _ => format!(
                "{} on more resources: `{w}` is allowed after by {}",
                group_what(self, ids, "keeps"),
                routes_text(&sa)
            ),
        };
        Some(self.finding(code, ids, Some(w.to_owned()), sb, sa, msg))
    }
}

/// Actions outside the catalog (kept as literals) and `NotAction` grants' reach beyond it.
fn uncataloged_findings(
    who: &Who,
    before: &Evaluation,
    after: &Evaluation,
    out: &mut Vec<Finding>,
) {
    let lits = |ev: &Evaluation| -> BTreeSet<String> {
        ev.grants
            .iter()
            .filter(|g| !g.actions.covers_uncataloged)
            .flat_map(|g| g.actions.unknown.iter().cloned())
            .collect()
    };
    let covers = |ev: &Evaluation| ev.grants.iter().any(|g| g.actions.covers_uncataloged);
    let (lb, la) = (lits(before), lits(after));
    let lost: Vec<String> = lb
        .difference(&la)
        .filter(|_| !covers(after))
        .cloned()
        .collect();
    let mut msgs = Vec::new();
    if !lost.is_empty() {
        msgs.push(format!(
            "actions not in the catalog are no longer granted: {}",
            lost.join(", ")
        ));
    }
    if covers(before) && !covers(after) {
        msgs.push(
            "a `NotAction` grant reached actions the catalog does not know; after, none does"
                .into(),
        );
    }
    for m in msgs {
        out.push(Finding {
            actions: lost.clone(),
            pairs: lost.len(),
            ..Finding::needs_review(&who.kind, &who.name, &m)
        });
    }
}

/// Policies whose documents are unknown make the comparison undecidable for the principal.
fn review_findings(
    catalog: &Catalog,
    who: &Who,
    before: &Evaluation,
    after: &Evaluation,
    out: &mut Vec<Finding>,
) {
    let _ = catalog;
    for (side_name, ev) in [("before", before), ("after", after)] {
        for r in &ev.review {
            out.push(Finding::needs_review(
                &who.kind,
                &who.name,
                &format!("{side_name}: {r}"),
            ));
        }
    }
}

/// All of a principal's access as findings of one code (removed or new principals).
pub fn whole(
    catalog: &Catalog,
    who: &Who,
    ev: &Evaluation,
    code: Code,
    budget: &Budget,
) -> Vec<Finding> {
    let universe = catalog.actions().len();
    let ctx = Ctx {
        catalog,
        who,
        budget,
        before: ev,
        after: ev,
        at: Default::default(),
        exprs: Exprs::default(),
    };
    let mut by_service: BTreeMap<String, (BTreeSet<ActionId>, Vec<&Grant>)> = BTreeMap::new();
    for g in &ev.grants {
        for id in g.actions.ids.iter(universe) {
            if let Some(a) = catalog.action(id) {
                let e = by_service.entry(a.service.clone()).or_default();
                e.0.insert(id);
                if !e.1.iter().any(|x| std::ptr::eq(*x, g)) {
                    e.1.push(g);
                }
            }
        }
    }
    let mut out = Vec::new();
    for (svc, (ids, grants)) in by_service {
        let ids: Vec<ActionId> = ids.into_iter().collect();
        let s = side(&grants);
        let absent = Side {
            status: "absent".into(),
            ..Side::default()
        };
        let (before, after, verb) = match code {
            Code::RemovedPrincipal => (s, absent, "no longer exists after: loses"),
            _ => (absent, s, "is new after: gains"),
        };
        let msg = format!(
            "{} {verb} {} {svc} action(s) ({})",
            who.name,
            ids.len(),
            levels_text(catalog, &ids)
        );
        out.push(ctx.finding(code, &ids, None, before, after, msg));
    }
    if out.is_empty() {
        let absent = Side {
            status: "absent".into(),
            ..Side::default()
        };
        let msg = match code {
            Code::RemovedPrincipal => format!(
                "{} no longer exists after (it had no allowed action)",
                who.name
            ),
            _ => format!("{} is new after (it has no allowed action)", who.name),
        };
        let mut f = ctx.finding(code, &[], None, absent.clone(), absent, msg);
        f.severity = AccessLevel::List;
        out.push(f);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::actions::ActionMatch;
    use crate::eval::scope::ResPat;
    use crate::model::ConditionClause;
    use proptest::prelude::*;
    use std::sync::Arc;

    /// Scopes shared by the grants of a case, as an evaluation shares them (the gated
    /// ARNs, an RCP's accounts): exceptions are told apart by equal scopes.
    fn pool() -> Vec<Arc<ResourceScope>> {
        let only = |ps: &[&str]| {
            Arc::new(ResourceScope::Only(
                ps.iter().map(|p| ResPat::parse(p)).collect(),
            ))
        };
        vec![
            Arc::new(ResourceScope::Any),
            only(&["a*"]),
            only(&["ab", "b*"]),
            only(&["*b", "a?a"]),
            only(&["ba", "aa*"]),
            Arc::new(ResourceScope::AllExcept(vec![ResPat::parse("b*")])),
            // shares patterns with the lists above, so that exceptions are narrowed
            // pattern by pattern, not only left out whole
            only(&["ab", "ba", "bb"]),
            only(&["a*", "*b"]),
        ]
    }

    /// (scope, [(exception scope, conditional)], conditional)
    type Shape = (usize, Vec<(usize, bool)>, bool);

    fn grant(pool: &[Arc<ResourceScope>], (scope, exceptions, conditional): &Shape) -> Grant {
        let origin = always_allowed_origin();
        let clause = || ConditionClause {
            operator: "Bool".into(),
            key: "aws:SecureTransport".into(),
            values: vec!["false".into()],
        };
        Grant {
            actions: Arc::new(ActionMatch {
                ids: crate::eval::idset::IdSet::empty(),
                unknown: Vec::new(),
                covers_uncataloged: false,
            }),
            scope: pool[*scope % pool.len()].clone(),
            limits: Vec::new(),
            exceptions: exceptions
                .iter()
                .map(|(s, c)| Exception {
                    scope: pool[*s % pool.len()].clone(),
                    conditions: if *c { vec![clause()] } else { Vec::new() },
                    source: origin.clone(),
                    via: Via::Direct,
                })
                .collect(),
            conditions: if *conditional {
                vec![crate::eval::effective::CondNote {
                    clauses: vec![clause()],
                    source: origin.clone(),
                    via: Via::Direct,
                }]
            } else {
                Vec::new()
            },
            unknown_variables: Vec::new(),
            source: origin,
            via: Via::Direct,
        }
    }

    fn shape() -> impl Strategy<Value = Shape> {
        (
            0usize..8,
            proptest::collection::vec((0usize..8, any::<bool>()), 0..4),
            any::<bool>(),
        )
    }

    proptest! {
        /// issue 8: a difference split by the exceptions both sides subtract is the same
        /// set as the plain question's: both decided alike, shortest members of the same
        /// length, the witness in the difference, for every question the compare asks.
        #[test]
        fn split_differences_answer_as_the_plain_question(
            x in proptest::collection::vec(shape(), 1..4),
            y in proptest::collection::vec(shape(), 1..4),
        ) {
            let pool = pool();
            let xs: Vec<Grant> = x.iter().map(|s| grant(&pool, s)).collect();
            let ys: Vec<Grant> = y.iter().map(|s| grant(&pool, s)).collect();
            let (xr, yr): (Vec<&Grant>, Vec<&Grant>) = (xs.iter().collect(), ys.iter().collect());
            for (kx, ky) in [(Kind::Maybe, Kind::Maybe), (Kind::Sure, Kind::Sure)] {
                let set = |gs: &[&Grant], k: Kind| {
                    let s = union_sets(gs, &Exprs::default());
                    k.of(s)
                };
                let (a, b) = (set(&xr, kx), set(&yr, ky));
                let plain = lang::witness_in_difference(&a, &b, &Budget::default());
                if let Some(parts) = difference_parts(&xr, kx, &yr, ky, &Exprs::default()) {
                    let split = lang::witness_in_difference_parts(&a, &b, &parts, &Budget::default());
                    // the same set: both decided, the same length of shortest member, and
                    // the split witness in it (which of equally short members is shown may
                    // differ once an exception is narrowed)
                    let (Ok(plain), Ok(split)) = (plain, split) else {
                        return Err(TestCaseError::fail("a question of this size gave up"));
                    };
                    prop_assert_eq!(
                        plain.as_ref().map(|w| w.chars().count()),
                        split.as_ref().map(|w| w.chars().count())
                    );
                    if let Some(w) = &split {
                        prop_assert!(a.contains(w) && !b.contains(w), "{}", w);
                    }
                    // and the parts cover a: every short string of a \ b is in one of them
                    for s in ["", "a", "b", "aa", "ab", "ba", "bb", "aab", "aba", "bab"] {
                        let want = a.contains(s) && !b.contains(s);
                        let got = parts.iter().any(|(p, q)| p.contains(s) && !q.contains(s));
                        prop_assert_eq!(want, got, "{}", s);
                    }
                }
            }
        }

        /// issue 8: what `surely_within` settles without a question has no difference:
        /// the question, asked, finds none. Grants of `y` are built from their own scopes
        /// (equal, not shared), as the two sides' evaluations hold them; some of `x`'s
        /// grants are among them.
        #[test]
        fn surely_within_only_settles_empty_differences(
            x in proptest::collection::vec(shape(), 1..4),
            y in proptest::collection::vec(shape(), 0..3),
            shared in proptest::collection::vec(any::<bool>(), 1..4),
        ) {
            let (px, py) = (pool(), pool());
            let xs: Vec<Grant> = x.iter().map(|s| grant(&px, s)).collect();
            let ys: Vec<Grant> = x
                .iter()
                .zip(shared.iter().chain(std::iter::repeat(&false)))
                .filter(|(_, on)| **on)
                .map(|(s, _)| s)
                .chain(&y)
                .map(|s| grant(&py, s))
                .collect();
            let (xr, yr): (Vec<&Grant>, Vec<&Grant>) = (xs.iter().collect(), ys.iter().collect());
            for k in [Kind::Maybe, Kind::Sure] {
                let (a, b) = (k.of(union_sets(&xr, &Exprs::default())), k.of(union_sets(&yr, &Exprs::default())));
                if surely_within(&a, &b) {
                    prop_assert_eq!(lang::witness_in_difference(&a, &b, &Budget::default()), Ok(None));
                }
            }
        }
    }
}
