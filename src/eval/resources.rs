//! Resource-based policies in evaluation (issue 8): which statements of which resources'
//! policies apply to a principal, whether they need the principal's identity policies to
//! allow too, and on which resources an identity allow alone does not count.
//!
//! AWS: within one account an allow in either the identity or the resource policy
//! suffices, except for KMS keys, whose key policy must allow (naming the account, or its
//! root, delegates to IAM policies, which then decide); across accounts both must allow;
//! an explicit deny anywhere wins. Resource grants become resource-specific rules of the
//! principal's evaluation, with the resource statement as their source, so grants,
//! witnesses and reports keep their shape.

use std::sync::Arc;

use crate::model::{
    Effect, Principal, PrincipalClause, Resource, ResourceClause, Snapshot, Statement,
};

use super::compile::CompiledSnapshot;
use super::condition::{self, Tri};
use super::context::RequestContext;
use super::effective::Rule;
use super::layers::Via;
use super::scope::{self, ResPat, ResourceScope, ScopeFor};

/// How a statement's `Principal` names the principal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Named {
    /// Not at all.
    No,
    /// By ARN, unique id or `*` (with the truth of that match: a session ARN of the role
    /// is `Unknown`, the session name being unknown offline).
    Directly(Tri),
    /// By its account (`111122223333`, `arn:aws:iam::111122223333:root`): the account's
    /// identity policies must allow too.
    Account,
}

/// Whether `value` of a `Principal` element of type `kind` names `p`.
pub fn names(kind: &str, value: &str, p: &Principal) -> Named {
    if kind == "*" || (kind == "AWS" && value == "*") {
        return Named::Directly(Tri::True);
    }
    if kind != "AWS" {
        // services, federated and canonical users are never an IAM principal of a side
        return Named::No;
    }
    let account = p.account.as_deref();
    if let Some(acct) = crate::model::principal_account(value) {
        return if account.is_none_or(|a| a == acct) {
            Named::Account
        } else {
            Named::No
        };
    }
    if let Some(rest) = value.strip_prefix("arn:aws:sts::") {
        // arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION
        let mut it = rest.splitn(2, ':');
        let acct = it.next().unwrap_or_default();
        let res = it.next().unwrap_or_default();
        let role = res
            .strip_prefix("assumed-role/")
            .and_then(|r| r.split('/').next());
        let same = p.kind == crate::model::PrincipalKind::Role
            && role == Some(p.name.as_str())
            && account.is_none_or(|a| a == acct);
        return if same {
            Named::Directly(Tri::Unknown)
        } else {
            Named::No
        };
    }
    if value.starts_with("arn:") {
        let own = p
            .arn
            .clone()
            .or_else(|| {
                account.map(|a| {
                    format!(
                        "arn:aws:iam::{a}:{}{}{}",
                        p.kind.as_str(),
                        p.path.as_deref().unwrap_or("/"),
                        p.name
                    )
                })
            })
            .unwrap_or_default();
        return if own == value {
            Named::Directly(Tri::True)
        } else {
            Named::No
        };
    }
    if p.id.as_deref() == Some(value) {
        return Named::Directly(Tri::True);
    }
    Named::No
}

/// How a statement's principal element applies to `p`: `(truth, needs identity allow)`.
pub fn principal_applies(s: &Statement, p: &Principal) -> (Tri, bool) {
    let best = |pairs: &[(String, String)]| {
        let mut out = Named::No;
        for (k, v) in pairs {
            match (names(k, v, p), out) {
                (Named::Directly(Tri::True), _) => return Named::Directly(Tri::True),
                (Named::Directly(t), Named::No | Named::Account) => out = Named::Directly(t),
                (Named::Account, Named::No) => out = Named::Account,
                _ => {}
            }
        }
        out
    };
    match &s.principal {
        None => (Tri::False, false),
        Some(PrincipalClause::Principal(v)) => match best(v) {
            Named::No => (Tri::False, false),
            Named::Directly(t) => (t, false),
            Named::Account => (Tri::True, true),
        },
        Some(PrincipalClause::NotPrincipal(v)) => match best(v) {
            Named::No => (Tri::True, false),
            Named::Directly(t) => (t.negate(), false),
            Named::Account => (Tri::False, false),
        },
    }
}

/// The resources a resource statement covers: its `Resource` patterns, `*` (and an
/// absent element) standing for the resource the policy is attached to.
pub fn statement_scope(s: &Statement, r: &Resource, ctx: &RequestContext) -> ScopeFor {
    let own = r.patterns();
    let clause = match &s.resource {
        ResourceClause::Resource(pats) => ResourceClause::Resource(
            pats.iter()
                .flat_map(|p| {
                    if p == "*" {
                        own.clone()
                    } else {
                        vec![p.clone()]
                    }
                })
                .collect(),
        ),
        // the resource itself, whatever the NotResource says of it
        ResourceClause::NotResource(_) | ResourceClause::Absent => ResourceClause::Resource(own),
    };
    scope::scope_for(&clause, ctx)
}

/// Whether `p` reaches `r` by its identity policies alone: the same account (an unknown
/// account counts as the side's one account), and a resource whose policy is not
/// required.
pub fn identity_suffices(r: &Resource, p: &Principal) -> bool {
    let same = match (&r.account, &p.account) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    };
    same && !r.kind.policy_required()
}

/// The resource-policy statements that bear on one principal, decided for it.
#[derive(Debug, Clone, Default)]
pub struct ResourceRules {
    /// Allows, each with whether the identity policies must allow too.
    pub allows: Vec<(Rule, bool)>,
    pub denies: Vec<Rule>,
    /// Resources an identity allow alone does not reach (another account's, KMS keys).
    pub gated: Option<Arc<ResourceScope>>,
    /// [`OverlapIndex`] of `gated`'s patterns.
    pub gated_index: Option<Arc<OverlapIndex>>,
    /// What the rules depend on, for sharing evaluations between principals: (resource,
    /// statement, truth, needs identity) of every statement that applies.
    pub signature: Vec<Applied>,
}

/// One resource statement that applies to a principal: (resource index, statement index,
/// truth, needs the identity allow).
pub type Applied = (u32, u32, u8, bool);

/// The inventory's resources whose ARN names no account (S3 buckets), with the account
/// that owns them: RCPs of that account bound requests on them.
pub type Unowned = Arc<[(ResourceScope, String)]>;

/// [`Unowned`] of a side, built once per evaluation run.
pub fn unowned(snapshot: &Snapshot) -> Unowned {
    snapshot
        .resources
        .iter()
        .filter(|r| crate::model::arn_account(&r.arn).is_none())
        .filter_map(|r| {
            let account = r.account.clone()?;
            let scope = scope::static_scope(&ResourceClause::Resource(r.patterns()));
            Some((scope, account))
        })
        .collect()
}

/// The account whose RCPs bound a request on `resource` by a principal of account `own`
/// (issue 8): the account its ARN names; for an S3 ARN, which names none, the account of
/// the inventory's bucket, else the principal's own (a bucket of unknown owner is taken
/// to be the principal's); `None` for what no member account owns (`*`, AWS-owned ARNs).
pub fn owner<'a>(
    resource: &'a str,
    unowned: &'a [(ResourceScope, String)],
    own: Option<&'a str>,
) -> Option<&'a str> {
    let mut f = resource.splitn(6, ':');
    let (Some(arn), Some(_), Some(service), Some(_), Some(account), Some(_)) =
        (f.next(), f.next(), f.next(), f.next(), f.next(), f.next())
    else {
        return None;
    };
    if arn != "arn" {
        return None;
    }
    if account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()) {
        return Some(account);
    }
    if account.is_empty() && service == "s3" {
        return unowned
            .iter()
            .find(|(s, _)| s.matches(resource))
            .map(|(_, a)| a.as_str())
            .or(own);
    }
    None
}

/// An RCP deny with the accounts whose resources it bounds (issue 8).
#[derive(Debug, Clone)]
pub struct RcpDeny {
    pub rule: Rule,
    /// Sorted account ids.
    pub accounts: Arc<[String]>,
}

impl RcpDeny {
    /// Whether it bounds the resources of `account`.
    pub fn bounds(&self, account: Option<&str>) -> bool {
        account.is_some_and(|a| {
            self.accounts
                .binary_search_by(|x| x.as_str().cmp(a))
                .is_ok()
        })
    }
}

/// The part of an RCP deny's scope that identity grants meet on the resources of
/// `accounts`: ARNs naming one of them and, when the principal's own account is among
/// them (`own`), S3 ARNs, which name no account (another account's inventory bucket is
/// out of an identity grant's reach anyway). `None` when nothing is left. Patterns are
/// narrowed by their account field; a `NotResource` deny keeps its scope over the own
/// account's resources and is taken to cover all of another account's.
pub fn restrict(scope: &ResourceScope, accounts: &[String], own: bool) -> Option<ResourceScope> {
    let owned = || {
        let mut v: Vec<ResPat> = accounts
            .iter()
            .map(|a| ResPat::parse(&format!("arn:*:*:*:{a}:*")))
            .collect();
        if own {
            v.push(ResPat::parse("arn:*:s3:::*"));
        }
        v
    };
    let out = match scope {
        ResourceScope::Any => owned(),
        ResourceScope::AllExcept(_) if own => return Some(scope.clone()),
        ResourceScope::AllExcept(_) => owned(),
        ResourceScope::Only(pats) => {
            let mut out = Vec::new();
            for p in pats {
                let mut f: Vec<&str> = p.text.splitn(6, ':').collect();
                let Some(acct) = f.get(4).copied().filter(|_| f.len() == 6) else {
                    // wildcards spanning the fields: the owned patterns it may meet
                    out.extend(
                        owned()
                            .into_iter()
                            .filter(|o| may_overlap(&p.text, &o.text)),
                    );
                    continue;
                };
                if acct.is_empty() {
                    if own {
                        out.push(p.clone());
                    }
                } else if acct == "*" {
                    for a in accounts {
                        if let Some(slot) = f.get_mut(4) {
                            *slot = a;
                        }
                        out.push(ResPat::parse(&f.join(":")));
                    }
                    if own {
                        if let Some(slot) = f.get_mut(4) {
                            *slot = "";
                        }
                        out.push(ResPat::parse(&f.join(":")));
                    }
                } else if acct.contains(['*', '?']) {
                    if own || accounts.iter().any(|a| super::wildcard::matches(acct, a)) {
                        out.push(p.clone());
                    }
                } else if accounts.iter().any(|a| a == acct) {
                    out.push(p.clone());
                }
            }
            out
        }
    };
    (!out.is_empty()).then_some(ResourceScope::Only(out))
}

/// The side's resource statements indexed by whom they may name, and the resources an
/// identity allow alone does not reach per account, built once per evaluation run: a
/// principal meets only the statements that may name it, not every resource of the
/// organization (issue 8: 1,500 resource policies × tens of thousands of principals).
#[derive(Debug, Default)]
pub struct ResourceIndex {
    /// Statements naming an ARN or a unique id, by that value.
    by_name: rustc_hash::FxHashMap<String, Vec<(u32, u32)>>,
    /// Statements naming an account (`111122223333`, `arn:aws:iam::111122223333:root`),
    /// or a session of a role of it, by the account.
    by_account: rustc_hash::FxHashMap<String, Vec<(u32, u32)>>,
    /// Statements that may name anyone (`*`, `NotPrincipal`, what is not told apart).
    anyone: Vec<(u32, u32)>,
    /// Gated resources by principal account, with their overlap index.
    gated: std::sync::Mutex<rustc_hash::FxHashMap<Option<String>, Gated>>,
    /// Each resource's own patterns, parsed once for every account's gated scope, with
    /// their literal prefixes for its [`OverlapIndex`]; and all of them as (resource,
    /// pattern) in the order of their texts, sorted once for every account.
    patterns: std::sync::OnceLock<Parsed>,
    /// The scope of each statement whose resource element names no variable, the same
    /// for every principal (`None`: it covers nothing), by (resource, statement).
    scopes: std::sync::Mutex<rustc_hash::FxHashMap<(u32, u32), KnownScope>>,
}

impl ResourceIndex {
    pub fn build(snapshot: &Snapshot) -> ResourceIndex {
        let mut ix = ResourceIndex::default();
        for (ri, r) in snapshot.resources.iter().enumerate() {
            let Some(policy) = snapshot.policy(r.policy) else {
                continue;
            };
            for (si, s) in policy.document.statements.iter().enumerate() {
                let at = (
                    u32::try_from(ri).unwrap_or(u32::MAX),
                    u32::try_from(si).unwrap_or(u32::MAX),
                );
                let pairs = match &s.principal {
                    Some(PrincipalClause::Principal(v)) => v,
                    Some(PrincipalClause::NotPrincipal(_)) => {
                        ix.anyone.push(at);
                        continue;
                    }
                    None => continue,
                };
                for (kind, value) in pairs {
                    if kind == "*" || value == "*" {
                        ix.anyone.push(at);
                    } else if kind != "AWS" {
                        // services, federated and canonical users name no IAM principal
                    } else if let Some(rest) = crate::model::principal_account(value) {
                        ix.by_account.entry(rest.to_owned()).or_default().push(at);
                    } else if let Some(rest) = value.strip_prefix("arn:aws:sts::") {
                        let acct = rest.split(':').next().unwrap_or_default();
                        ix.by_account.entry(acct.to_owned()).or_default().push(at);
                    } else {
                        ix.by_name.entry(value.clone()).or_default().push(at);
                    }
                }
            }
        }
        ix
    }

    /// [`statement_scope`] of statement `at` = (resource, statement), made once when its
    /// resource element names no variable.
    fn statement_scope(
        &self,
        s: &Statement,
        r: &Resource,
        at: (u32, u32),
        ctx: &RequestContext,
    ) -> ScopeFor {
        let variables = match &s.resource {
            ResourceClause::Resource(v) | ResourceClause::NotResource(v) => {
                v.iter().any(|p| super::variables::has_variables(p))
            }
            ResourceClause::Absent => false,
        } || r
            .patterns()
            .iter()
            .any(|p| super::variables::has_variables(p));
        if variables {
            return statement_scope(s, r, ctx);
        }
        if let Ok(m) = self.scopes.lock()
            && let Some(known) = m.get(&at)
        {
            return known.clone().map_or(ScopeFor::Nothing, ScopeFor::Scope);
        }
        let made = statement_scope(s, r, ctx);
        let keep = match &made {
            ScopeFor::Scope(sc) => Some(Some(sc.clone())),
            ScopeFor::Nothing => Some(None),
            // no variable, so never unknown; not kept if it were
            ScopeFor::Unknown { .. } => None,
        };
        if let (Some(keep), Ok(mut m)) = (keep, self.scopes.lock()) {
            m.insert(at, keep);
        }
        made
    }

    /// The statements that may name `p`, in resource and statement order: every statement
    /// [`for_principal`] reads for it (the diff fingerprints a principal's inputs by them).
    pub fn candidates(&self, p: &Principal) -> Vec<(u32, u32)> {
        let mut out: Vec<(u32, u32)> = self.anyone.clone();
        let own_arn = p.arn.clone().or_else(|| {
            p.account.as_deref().map(|a| {
                format!(
                    "arn:aws:iam::{a}:{}{}{}",
                    p.kind.as_str(),
                    p.path.as_deref().unwrap_or("/"),
                    p.name
                )
            })
        });
        for key in [own_arn.as_deref(), p.id.as_deref()].into_iter().flatten() {
            if let Some(v) = self.by_name.get(key) {
                out.extend(v);
            }
        }
        match p.account.as_deref() {
            Some(a) => {
                if let Some(v) = self.by_account.get(a) {
                    out.extend(v);
                }
            }
            // an unknown account may be any of them
            None => self.by_account.values().for_each(|v| out.extend(v)),
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The resources `p` does not reach by its identity policies alone.
    fn gated(&self, snapshot: &Snapshot, p: &Principal) -> Gated {
        let key = p.account.clone();
        if let Ok(m) = self.gated.lock()
            && let Some(g) = m.get(&key)
        {
            return g.clone();
        }
        // what `static_scope` makes of the sorted, distinct patterns, from patterns parsed
        // once (300 accounts × 2,000 gated patterns were parsed again for each account)
        let (parsed, order, counts) = self.patterns.get_or_init(|| {
            use rayon::prelude::*;
            let parsed: Vec<Vec<Prefixed>> = snapshot
                .resources
                .par_iter()
                .map(|r| r.patterns().iter().map(|t| Prefixed::of(t)).collect())
                .collect();
            let mut order: Vec<(u32, u32)> = parsed
                .iter()
                .enumerate()
                .flat_map(|(ri, pats)| (0..pats.len()).map(move |k| (ri as u32, k as u32)))
                .collect();
            let text = |&(ri, k): &(u32, u32)| {
                parsed
                    .get(ri as usize)
                    .and_then(|v| v.get(k as usize))
                    .map_or("", |p| &*p.pat.text)
            };
            order.par_sort_by(|x, y| text(x).cmp(text(y)));
            let counts = PrefixCounts::of(parsed.iter().flatten().map(|p| (p.lit.clone(), p.full)));
            (parsed, order, Arc::new(counts))
        });
        // the patterns of the resources `p` does not reach alone, sorted and distinct;
        // those it does reach alone, counted (every pattern is counted in `counts`)
        let mut gated: Vec<&Prefixed> = Vec::new();
        let mut reached = Tally::default();
        for &(ri, k) in order {
            let (Some(r), Some(pat)) = (
                snapshot.resources.get(ri as usize),
                parsed.get(ri as usize).and_then(|v| v.get(k as usize)),
            ) else {
                continue;
            };
            if identity_suffices(r, p) {
                tally(&mut reached, pat.lit.clone(), pat.full);
                continue;
            }
            if gated.last().is_some_and(|l| l.pat.text == pat.pat.text) {
                continue;
            }
            gated.push(pat);
        }
        let only = !gated.iter().any(|p| p.pat.text.chars().all(|c| c == '*'));
        let scope = (!gated.is_empty()).then(|| {
            Arc::new(if only {
                ResourceScope::Only(gated.iter().map(|p| p.pat.clone()).collect())
            } else {
                ResourceScope::Any
            })
        });
        // what `OverlapIndex::build` makes of the scope's patterns: all of them but those
        // reached alone
        let index = (!gated.is_empty() && only && gated.iter().all(|p| p.pat.text.is_ascii()))
            .then(|| {
                Arc::new(OverlapIndex {
                    all: counts.clone(),
                    minus: reached,
                })
            });
        let g = (scope, index);
        if let Ok(mut m) = self.gated.lock() {
            m.insert(key, g.clone());
        }
        g
    }
}

/// The resource rules of `p` (with its request context `ctx`).
pub fn for_principal(
    snapshot: &Snapshot,
    compiled: &CompiledSnapshot,
    index: &ResourceIndex,
    p: &Principal,
    ctx: &RequestContext,
) -> ResourceRules {
    let (gated, gated_index) = index.gated(snapshot, p);
    let mut out = ResourceRules {
        gated,
        gated_index,
        ..ResourceRules::default()
    };
    for (ri, si) in index.candidates(p) {
        let Some(r) = snapshot.resources.get(ri as usize) else {
            continue;
        };
        let Some(policy) = snapshot.policy(r.policy) else {
            continue;
        };
        let (Some(s), Some(c)) = (
            policy.document.statements.get(si as usize),
            compiled.statements(r.policy).get(si as usize),
        ) else {
            continue;
        };
        let cross = r
            .account
            .as_deref()
            .zip(p.account.as_deref())
            .is_some_and(|(a, b)| a != b);
        let via = Via::Resource(Arc::from(r.arn.as_str()));
        {
            let (named, delegated) = principal_applies(s, p);
            if named == Tri::False {
                continue;
            }
            let cond = condition::evaluate(&s.condition, ctx);
            let tri = named.and(cond);
            if tri == Tri::False {
                continue;
            }
            let (scope, unknown_variables) = match index.statement_scope(s, r, (ri, si), ctx) {
                ScopeFor::Scope(sc) => (sc, Vec::new()),
                ScopeFor::Nothing => continue,
                ScopeFor::Unknown { scope, variables } => (scope, variables),
            };
            let resource_unknown = !unknown_variables.is_empty();
            let tri = if resource_unknown { Tri::Unknown } else { tri };
            let mut clauses = Vec::new();
            if tri == Tri::Unknown {
                clauses = condition::normalized(&s.condition);
                if named == Tri::Unknown {
                    clauses.push(crate::model::ConditionClause {
                        operator: "(session)".into(),
                        key: "the role session the policy names".into(),
                        values: Vec::new(),
                    });
                }
            }
            let needs_identity = delegated || cross;
            out.signature.push((ri, si, tri as u8, needs_identity));
            let rule = Rule {
                actions: c.actions.clone(),
                scope,
                tri,
                resource_unknown,
                clauses,
                unknown_variables,
                source: s.origin.clone(),
                via: via.clone(),
            };
            match s.effect {
                Effect::Allow => out.allows.push((rule, needs_identity)),
                Effect::Deny => out.denies.push(rule),
            }
        }
    }
    out
}

/// The gated resources of an account, with their overlap index.
type Gated = (Option<Arc<ResourceScope>>, Option<Arc<OverlapIndex>>);

/// A statement's scope made once (`None`: it covers nothing).
type KnownScope = Option<Arc<ResourceScope>>;

/// Whether two ARN patterns may match a common resource: their literal prefixes (up to
/// the first wildcard) agree. Cheap and never wrong in the "no" direction.
pub fn may_overlap(a: &str, b: &str) -> bool {
    let lit = |s: &str| s.find(['*', '?']).map_or(s.len(), |i| i);
    let (la, lb) = (lit(a), lit(b));
    let n = la.min(lb);
    if a.get(..n) != b.get(..n) {
        return false;
    }
    // a fully literal pattern must be matched in full by the other's prefix
    match (la == a.len(), lb == b.len()) {
        (true, true) => a == b,
        _ => true,
    }
}

/// [`may_overlap`] of one pattern against many, answered from their literal prefixes
/// (up to the first wildcard) by lookups instead of a scan: the gated resources of an
/// organization are thousands of ARNs, met by every identity grant of every principal
/// (issue 8 figure). Built only over ASCII patterns, where byte prefixes are what
/// [`may_overlap`] compares; it answers exactly as the scan would.
///
/// The patterns are counted, and an index may be a shared one less a few of its
/// patterns: each account's gated resources are every other account's, so the 300
/// accounts of an organization share one count of all the patterns and each takes out
/// only its own few, where each used to build an index of 1,500 prefixes.
#[derive(Debug, Default)]
pub struct OverlapIndex {
    all: Arc<PrefixCounts>,
    /// Patterns of `all` not in this index, counted as `all` counts them.
    minus: Tally,
}

/// Patterns by literal prefix: how many with it have a wildcard, and how many are that
/// literal alone.
type Tally = rustc_hash::FxHashMap<Arc<str>, [u32; 2]>;

/// Counts one pattern, given by its literal prefix and whether that is all of it.
fn tally(t: &mut Tally, lit: Arc<str>, full: bool) {
    t.entry(lit).or_default()[usize::from(full)] += 1;
}

/// Patterns counted by literal prefix.
#[derive(Debug, Default)]
struct PrefixCounts {
    by_prefix: Tally,
    /// The literal prefixes, sorted, with whether the pattern is that literal alone (the
    /// entries of `by_prefix`, one per kind that is counted).
    sorted: Vec<(Arc<str>, bool)>,
}

impl PrefixCounts {
    fn of(patterns: impl Iterator<Item = (Arc<str>, bool)>) -> PrefixCounts {
        let mut by_prefix = Tally::default();
        for (lit, full) in patterns {
            tally(&mut by_prefix, lit, full);
        }
        let mut sorted: Vec<(Arc<str>, bool)> = by_prefix
            .iter()
            .flat_map(|(lit, counts)| {
                [false, true]
                    .into_iter()
                    .filter(|full| counts[usize::from(*full)] > 0)
                    .map(|full| (lit.clone(), full))
            })
            .collect();
        sorted.sort();
        PrefixCounts { by_prefix, sorted }
    }
}

/// Each resource's patterns (see [`Prefixed`]), all of them as (resource, pattern) sorted
/// by text, and all of them counted by literal prefix.
type Parsed = (Vec<Vec<Prefixed>>, Vec<(u32, u32)>, Arc<PrefixCounts>);

/// A resource pattern, parsed, with its literal prefix and whether that is all of it.
#[derive(Debug)]
struct Prefixed {
    pat: ResPat,
    lit: Arc<str>,
    full: bool,
}

impl Prefixed {
    fn of(text: &str) -> Prefixed {
        let (lit, full) = literal_prefix(text);
        Prefixed {
            lit: Arc::from(lit),
            full,
            pat: ResPat::parse(text),
        }
    }
}

impl OverlapIndex {
    /// `None` when a pattern is not ASCII (the scan then decides).
    pub fn build(pats: &[ResPat]) -> Option<OverlapIndex> {
        if !pats.iter().all(|p| p.text.is_ascii()) {
            return None;
        }
        let all = PrefixCounts::of(pats.iter().map(|p| {
            let (lit, full) = literal_prefix(&p.text);
            (Arc::from(lit), full)
        }));
        Some(OverlapIndex {
            all: Arc::new(all),
            minus: Default::default(),
        })
    }

    /// Whether some pattern with literal prefix `lit` (and a wildcard after it, or
    /// `full`: that literal alone) is in the index.
    fn holds(&self, lit: &str, counts: [u32; 2], full: bool) -> bool {
        let k = usize::from(full);
        let out = self.minus.get(lit).map_or(0, |m| m[k]);
        counts[k] > out
    }

    /// Whether some pattern of the index may overlap `x`, as [`may_overlap`] answers.
    pub fn meets(&self, x: &str) -> bool {
        let all = &*self.all;
        let counted = |lit: &str, full: bool| {
            all.by_prefix
                .get(lit)
                .is_some_and(|c| self.holds(lit, *c, full))
        };
        if !x.is_ascii() {
            return all
                .sorted
                .iter()
                .any(|(lit, full)| counted(lit, *full) && may_overlap_parts(x, lit, *full));
        }
        let (lx, fx) = literal_prefix(x);
        // patterns whose literal prefix is a prefix of x's (or equal to it)
        for k in 0..=lx.len() {
            let Some((p, &c)) = lx.get(..k).and_then(|p| all.by_prefix.get_key_value(p)) else {
                continue;
            };
            let (wild, lone) = (self.holds(p, c, false), self.holds(p, c, true));
            if wild || (lone && (!fx || k == lx.len())) {
                return true;
            }
        }
        // patterns whose literal prefix is longer and starts with x's
        let start = all.sorted.partition_point(|(l, _)| &**l <= lx);
        all.sorted
            .get(start..)
            .unwrap_or_default()
            .iter()
            .take_while(|(l, _)| l.starts_with(lx))
            .any(|(l, full)| (!fx || !full) && counted(l, *full))
    }
}

/// The literal prefix of a pattern (up to its first wildcard) and whether that is all of it.
fn literal_prefix(s: &str) -> (&str, bool) {
    match s.find(['*', '?']) {
        Some(i) => (s.get(..i).unwrap_or_default(), false),
        None => (s, true),
    }
}

/// [`may_overlap`] of `a` and a pattern given by its literal prefix and whether that is
/// all of it.
fn may_overlap_parts(a: &str, lit_b: &str, full_b: bool) -> bool {
    if full_b {
        may_overlap(a, lit_b)
    } else {
        // any pattern with that literal prefix and a wildcard after it answers alike
        may_overlap(a, &format!("{lit_b}*"))
    }
}

/// Whether a grant's scope may meet the gated resources, with the gated resources'
/// [`OverlapIndex`] when there is one.
pub fn scope_meets_indexed(
    scope: &ResourceScope,
    gated: &ResourceScope,
    index: Option<&OverlapIndex>,
) -> bool {
    match (scope, gated, index) {
        (ResourceScope::Only(a), ResourceScope::Only(_), Some(ix)) => {
            a.iter().any(|x| ix.meets(&x.text))
        }
        _ => scope_meets(scope, gated),
    }
}

/// Whether a grant's scope may meet the gated resources.
pub fn scope_meets(scope: &ResourceScope, gated: &ResourceScope) -> bool {
    match (scope, gated) {
        (ResourceScope::Only(a), ResourceScope::Only(b)) => a
            .iter()
            .any(|x| b.iter().any(|y| may_overlap(&x.text, &y.text))),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// issue 8 figure: the literal-prefix index answers exactly as the scan of
    /// [`may_overlap`] does, on every pair of a family of patterns sharing prefixes, with
    /// and without wildcards, and on non-ASCII patterns (which fall back to the scan).
    #[test]
    fn overlap_index_answers_as_the_scan() {
        let family = [
            "arn:aws:s3:::b",
            "arn:aws:s3:::b*",
            "arn:aws:s3:::b/*",
            "arn:aws:s3:::b/k",
            "arn:aws:s3:::bx",
            "arn:aws:s3:::",
            "arn:aws:s3:::*",
            "arn:aws:s3:::?",
            "arn:*:*:*:111122223333:*",
            "arn:aws:kms:us-east-1:111122223333:key/k",
            "arn:aws:kms:us-east-1:111122223333:key/*",
            "arn:aws:kms:us-east-1:111122223333:key/k2",
            "a",
            "",
            "*",
            "arn:aws:s3:::bé",
            "arn:aws:s3:::bé*",
        ];
        let subsets: Vec<Vec<&str>> = (0..family.len())
            .map(|i| family.iter().copied().skip(i).step_by(1 + i % 3).collect())
            .chain(std::iter::once(family.to_vec()))
            .collect();
        for set in &subsets {
            let pats: Vec<ResPat> = set.iter().map(|t| ResPat::parse(t)).collect();
            let index = OverlapIndex::build(&pats);
            if set.iter().any(|t| !t.is_ascii()) {
                assert!(index.is_none());
                continue;
            }
            let Some(index) = index else {
                panic!("ASCII patterns {set:?} get no index");
            };
            // the same set as the whole family's counts less the patterns not in it (as
            // each account's gated resources are the organization's less its own), with
            // duplicates counted
            let all = PrefixCounts::of(family.iter().chain(set.iter()).map(|t| {
                let (lit, full) = literal_prefix(t);
                (Arc::from(lit), full)
            }));
            let mut minus = Tally::default();
            for t in family
                .iter()
                .filter(|t| !set.contains(t))
                .chain(family.iter())
            {
                let (lit, full) = literal_prefix(t);
                tally(&mut minus, Arc::from(lit), full);
            }
            let less = OverlapIndex {
                all: Arc::new(all),
                minus,
            };
            for x in family {
                let scan = set.iter().any(|y| may_overlap(x, y));
                assert_eq!(index.meets(x), scan, "{x} against {set:?}");
                assert_eq!(less.meets(x), scan, "{x} against the family less {set:?}");
            }
        }
    }
}
