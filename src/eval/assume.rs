//! Role assumption (issue 9): who can assume which role, from the roles' trust policies
//! and the callers' own policies, as a graph of three-valued edges; and which roles a
//! starting point reaches through chains of them, with the path kept.
//!
//! AWS's rules (IAM User Guide, "Cross account resource access", "Granting a user
//! permissions to switch roles"): a trust policy naming the caller's own ARN in the same
//! account suffices alone; naming the account (or its root) delegates to the caller's
//! identity policies, which must allow `sts:AssumeRole` on the role; across accounts both
//! must allow. Explicit denies and SCPs apply either way; the caller's permissions
//! boundary applies where its identity policies decide. `sts:TagSession` and
//! `sts:SetSourceIdentity` are needed too when the trust policy's conditions read session
//! tags or the source identity. Federated providers (SAML, OIDC) and services are kept as
//! named external entry points.
//!
//! Chains are followed breadth first from each role once (so a person's roles are a
//! union of per-role results, never re-evaluated per person), with a depth limit and a
//! counted budget of states; past either the start is *needs review* with the reason.

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;
use std::sync::Arc;

use crate::catalog::{ActionId, Catalog};
use crate::model::{
    ActionClause, Effect, Origin, Principal, PrincipalClause, PrincipalKind, Snapshot, Statement,
};

use super::condition::{self, Tri};
use super::context::RequestContext;
use super::effective::{Effective, Evaluation, clauses_text};
use super::explain::Decision;
use super::layers::Via;
use super::principal_ctx::principal_context;
use super::resources::principal_applies;

/// Role assumptions followed from one start, at most (a chain of this many roles).
pub const DEPTH_LIMIT: usize = 5;
/// Edges examined from one start, at most, before its reach is *needs review*.
pub const STATE_BUDGET: usize = 200_000;
/// The audience AWS's console SAML endpoint puts in `SAML:aud`: the one Identity Center
/// and most identity providers sign in through.
pub const SAML_AUDIENCE: &str = "https://signin.aws.amazon.com/saml";

/// Where an assumption starts: a principal of the side (its index), or an entry point
/// outside it (`federated:ARN-or-provider`, `service:NAME`, `aws:ACCOUNT-or-ARN`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Node {
    Principal(usize),
    Entry(Arc<str>),
}

/// One way into a role: from a principal or an entry point, by a trust statement and,
/// where AWS needs them, the caller's identity statements.
#[derive(Debug, Clone, PartialEq)]
pub struct Edge {
    pub from: Node,
    /// The role (index into the snapshot's principals).
    pub to: usize,
    /// `True`: the assumption is allowed; `Unknown`: only under the undecided conditions.
    pub tri: Tri,
    /// The STS action the trust statement allows (`sts:AssumeRole`, `…WithSAML`, …).
    pub action: &'static str,
    pub trust: Arc<Origin>,
    /// The trust policy names the account (or it is another account's role): the
    /// caller's identity policies must allow too.
    pub needs_identity: bool,
    /// The caller's statements that allow the action on the role, when needed.
    pub identity: Vec<(Arc<Origin>, Via)>,
    /// The undecided conditions (trust statement and identity statements), as text.
    pub conditions: Vec<String>,
}

/// The assumption graph of a side.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    pub edges: Vec<Edge>,
    /// Edges out of each principal (by index).
    out: Vec<Vec<u32>>,
    /// Edges out of each entry point.
    pub entries: BTreeMap<Arc<str>, Vec<u32>>,
    /// Roles whose trust policy may admit a caller in ways not followed (a `NotPrincipal`
    /// trust), with the reason.
    pub review: Vec<(usize, String)>,
}

impl Graph {
    pub fn out(&self, principal: usize) -> &[u32] {
        self.out
            .get(principal)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    pub fn edge(&self, id: u32) -> Option<&Edge> {
        self.edges.get(id as usize)
    }

    /// Whether any principal of the side can assume any role.
    pub fn has_assumptions(&self) -> bool {
        self.edges
            .iter()
            .any(|e| matches!(e.from, Node::Principal(_)))
    }
}

/// A principal's ARN: its own, else built from its account, path and name (an unknown
/// account written `{{account_id}}`, as the provisioner writes it).
pub fn principal_arn(p: &Principal) -> String {
    p.arn.clone().unwrap_or_else(|| {
        format!(
            "arn:aws:iam::{}:{}{}{}",
            p.account.as_deref().unwrap_or("{{account_id}}"),
            p.kind.as_str(),
            p.path.as_deref().unwrap_or("/"),
            p.name
        )
    })
}

/// Case-insensitive `*`/`?` match of an action pattern against an action name.
fn glob(pattern: &str, name: &str) -> bool {
    let (p, n) = (pattern.as_bytes(), name.as_bytes());
    let (mut i, mut j, mut star, mut mark) = (0usize, 0usize, None, 0usize);
    while j < n.len() {
        match p.get(i) {
            Some(b'*') => {
                star = Some(i);
                mark = j;
                i += 1;
            }
            Some(&c) if c == b'?' || c.eq_ignore_ascii_case(&n[j]) => {
                i += 1;
                j += 1;
            }
            _ => match star {
                Some(s) => {
                    i = s + 1;
                    mark += 1;
                    j = mark;
                }
                None => return false,
            },
        }
    }
    p.get(i..)
        .is_some_and(|rest| rest.iter().all(|&c| c == b'*'))
}

/// Whether a statement's action element covers `action`.
pub fn covers(s: &Statement, action: &str) -> bool {
    match &s.action {
        ActionClause::Action(v) => v.iter().any(|a| glob(a, action)),
        ActionClause::NotAction(v) => !v.iter().any(|a| glob(a, action)),
    }
}

/// The STS actions a trust statement can allow, by the kind of principal it names.
fn action_for(kind: &str, value: &str) -> &'static str {
    match kind {
        "Federated" if value.contains(":saml-provider/") => "sts:AssumeRoleWithSAML",
        "Federated" => "sts:AssumeRoleWithWebIdentity",
        _ => "sts:AssumeRole",
    }
}

/// Whether a trust statement's conditions read session tags or the source identity:
/// then the caller must be allowed `sts:TagSession` / `sts:SetSourceIdentity` too.
fn demanded(s: &Statement) -> Vec<&'static str> {
    let mut out = Vec::new();
    let keys = || s.condition.iter().map(|c| c.key.to_ascii_lowercase());
    if keys().any(|k| k.starts_with("aws:requesttag/") || k == "aws:tagkeys") {
        out.push("sts:TagSession");
    }
    if keys().any(|k| k == "sts:sourceidentity") {
        out.push("sts:SetSourceIdentity");
    }
    out
}

/// Candidates a principal element may name, looked up instead of scanned.
struct Index<'a> {
    snapshot: &'a Snapshot,
    by_arn: FxHashMap<String, Vec<usize>>,
    by_account: FxHashMap<Option<&'a str>, Vec<usize>>,
    /// Per account, the principals whose identity policies may allow `sts:AssumeRole`
    /// at all: the only ones a trust naming the account can admit.
    assumers: FxHashMap<Option<&'a str>, Vec<usize>>,
    by_id: FxHashMap<&'a str, usize>,
    roles_by_name: FxHashMap<&'a str, Vec<usize>>,
    arns: Vec<String>,
    /// The principals evaluated, when not all are: only they are callers.
    evaluated: Option<&'a [bool]>,
}

impl<'a> Index<'a> {
    fn new(snapshot: &'a Snapshot, effective: &Effective, assume: Option<ActionId>) -> Self {
        let mut ix = Index {
            snapshot,
            by_arn: FxHashMap::default(),
            by_account: FxHashMap::default(),
            assumers: FxHashMap::default(),
            by_id: FxHashMap::default(),
            roles_by_name: FxHashMap::default(),
            arns: Vec::with_capacity(snapshot.principals.len()),
            evaluated: None,
        };
        for (i, p) in snapshot.principals.iter().enumerate() {
            let arn = principal_arn(p);
            ix.by_arn.entry(arn.clone()).or_default().push(i);
            ix.arns.push(arn);
            ix.by_account
                .entry(p.account.as_deref())
                .or_default()
                .push(i);
            let may = effective.principals.get(i).is_some_and(|e| {
                let r = &e.evaluation.rules;
                r.unresolved_identity
                    || assume.is_some_and(|a| r.allows.iter().any(|x| x.actions.ids.contains(a)))
            });
            if may {
                ix.assumers.entry(p.account.as_deref()).or_default().push(i);
            }
            if let Some(id) = p.id.as_deref() {
                ix.by_id.insert(id, i);
            }
            if p.kind == PrincipalKind::Role {
                ix.roles_by_name.entry(p.name.as_str()).or_default().push(i);
            }
        }
        ix
    }

    /// Whether principal `i` was evaluated (and so may be a caller).
    fn caller(&self, i: usize) -> bool {
        self.evaluated
            .is_none_or(|e| e.get(i).copied().unwrap_or(false))
    }

    fn account_known(&self, account: &str) -> bool {
        self.by_account.contains_key(&Some(account))
    }

    /// The principals an `AWS` principal value may name, and whether it names something
    /// outside the side (another account, an ARN of an account the side does not hold).
    fn candidates(&self, value: &str, out: &mut Vec<usize>) -> bool {
        let with_unknown = |out: &mut Vec<usize>, acct: &str| {
            for a in [Some(acct), None] {
                if let Some(v) = self.assumers.get(&a) {
                    out.extend(v);
                }
            }
        };
        if value == "*" {
            out.extend(0..self.snapshot.principals.len());
            return true;
        }
        if let Some(acct) = crate::model::principal_account(value) {
            with_unknown(out, acct);
            return !self.account_known(acct) && !acct.starts_with("{{");
        }
        if let Some(rest) = value.strip_prefix("arn:aws:sts::") {
            let acct = rest.split(':').next().unwrap_or_default();
            if let Some(role) = rest
                .split(':')
                .nth(1)
                .and_then(|r| r.strip_prefix("assumed-role/"))
                .and_then(|r| r.split('/').next())
                && let Some(v) = self.roles_by_name.get(role)
            {
                out.extend(v);
            }
            return !self.account_known(acct);
        }
        if let Some(v) = self.by_arn.get(value) {
            out.extend(v);
            return false;
        }
        if let Some(&i) = self.by_id.get(value) {
            out.push(i);
            return false;
        }
        // an ARN of an account the side holds names a principal it does not have
        // (dangling: warned about by the readers); another account's is external
        match crate::model::arn_account(value) {
            Some(acct) => !self.account_known(acct),
            None => false,
        }
    }
}

/// A caller-side decision: truth, deciding statements, undecided conditions.
type Gate = (Tri, Vec<(Arc<Origin>, Via)>, Vec<String>);

/// The caller side of an assumption: `True` when AWS lets `ev`'s principal make the
/// request on `role_arn`, three-valued; with the statements that decide it and their
/// undecided conditions. Without `needs_identity` only denies and SCP levels bear.
fn caller_gate(
    ev: &Evaluation,
    action: Option<ActionId>,
    role_arn: &str,
    needs_identity: bool,
) -> Gate {
    let Some(action) = action else {
        // an action outside the catalog: nothing can allow it, nothing denies it
        return (Tri::from_bool(!needs_identity), Vec::new(), Vec::new());
    };
    if needs_identity {
        let p = ev.decide(action, role_arn);
        let tri = match p.decision {
            Decision::Allowed => Tri::True,
            Decision::Conditional => Tri::Unknown,
            Decision::Denied | Decision::NotAllowed => Tri::False,
        };
        return (tri, p.deciding, p.conditions);
    }
    let r = &ev.rules;
    let mut deny = Tri::False;
    let mut conditions = Vec::new();
    for d in &r.denies {
        let t = d.applies(action, role_arn);
        if t == Tri::Unknown && !d.clauses.is_empty() {
            conditions.push(format!("not ({})", clauses_text(&d.clauses)));
        }
        deny = deny.or(t);
    }
    let mut ok = deny.negate();
    for (via, level) in &r.levels {
        if matches!(via, Via::Scp(_)) {
            ok = ok.and(Tri::any(level.iter().map(|l| l.applies(action, role_arn))));
        }
    }
    (ok, Vec::new(), conditions)
}

/// The trust statements of a role that bear on one action, for one caller: the
/// truth of "an allow admits it and no deny refuses it", and the admitting statements.
struct Admit {
    tri: Tri,
    delegated: bool,
    statement: Option<usize>,
}

fn admits(
    statements: &[Statement],
    caller: &Principal,
    action: &str,
    ctx: &RequestContext,
) -> Admit {
    let mut allow = Tri::False;
    let mut delegated = true;
    let mut statement = None;
    let mut deny = Tri::False;
    for (si, s) in statements.iter().enumerate() {
        if !covers(s, action) {
            continue;
        }
        let (named, deleg) = principal_applies(s, caller);
        if named == Tri::False {
            continue;
        }
        let t = named.and(condition::evaluate(&s.condition, ctx));
        match s.effect {
            Effect::Allow => {
                // prefer a statement that admits outright, then one naming the caller
                let better = match (t, allow) {
                    (Tri::True, Tri::True) => delegated && !deleg,
                    (Tri::True, _) | (Tri::Unknown, Tri::False) => true,
                    (Tri::Unknown, Tri::Unknown) => delegated && !deleg,
                    _ => false,
                };
                if better {
                    statement = Some(si);
                    delegated = deleg;
                }
                allow = allow.or(t);
            }
            Effect::Deny => deny = deny.or(t),
        }
    }
    Admit {
        tri: allow.and(deny.negate()),
        delegated,
        statement,
    }
}

/// The edges into one role.
fn edges_into(
    snapshot: &Snapshot,
    ix: &Index<'_>,
    effective: &Effective,
    catalog: &Catalog,
    base: &RequestContext,
    role: usize,
) -> (Vec<Edge>, Option<String>) {
    let mut out = Vec::new();
    let Some(r) = snapshot.principals.get(role) else {
        return (out, None);
    };
    let Some(policy) = r.trust.and_then(|t| snapshot.policy(t)) else {
        return (out, None);
    };
    let statements = &policy.document.statements;
    let role_arn = ix.arns.get(role).cloned().unwrap_or_default();
    let mut review = None;
    // who the allow statements may name
    let mut candidates: Vec<usize> = Vec::new();
    let mut entries: BTreeMap<(Arc<str>, &'static str), usize> = BTreeMap::new();
    for (si, s) in statements.iter().enumerate() {
        if s.effect != Effect::Allow {
            continue;
        }
        match &s.principal {
            Some(PrincipalClause::Principal(pairs)) => {
                for (kind, value) in pairs {
                    match kind.as_str() {
                        "AWS"
                            if ix.candidates(value, &mut candidates)
                                && covers(s, "sts:AssumeRole") =>
                        {
                            entries
                                .entry((Arc::from(format!("aws:{value}")), "sts:AssumeRole"))
                                .or_insert(si);
                        }
                        "*" => {
                            candidates.extend(0..snapshot.principals.len());
                        }
                        "Federated" | "Service" => {
                            let action = action_for(kind, value);
                            if covers(s, action) {
                                let name = if kind == "Service" {
                                    format!("service:{value}")
                                } else {
                                    format!("federated:{value}")
                                };
                                entries.entry((Arc::from(name), action)).or_insert(si);
                            }
                        }
                        _ => {}
                    }
                }
            }
            Some(PrincipalClause::NotPrincipal(_)) => {
                candidates.extend(0..snapshot.principals.len());
                review = Some(format!(
                    "the trust policy of `{}` allows by `NotPrincipal`: callers outside this side may assume it",
                    r.name
                ));
            }
            None => {}
        }
    }
    candidates.sort_unstable();
    candidates.dedup();
    // the caller side depends only on the caller's evaluation: callers sharing one (the
    // members of a group, say) share the decision
    let mut gates: FxHashMap<(usize, &'static str, bool), Gate> = FxHashMap::default();
    let conditional = statements.iter().any(|s| !s.condition.is_empty());
    let plain = RequestContext::new(false);
    for c in candidates {
        if c == role || !ix.caller(c) {
            continue;
        }
        let Some(p) = snapshot.principals.get(c) else {
            continue;
        };
        // a trust policy without conditions needs no request context
        let ctx = if conditional {
            principal_context(base, p)
        } else {
            plain.clone()
        };
        let a = admits(statements, p, "sts:AssumeRole", &ctx);
        if a.tri == Tri::False {
            continue;
        }
        let Some(s) = a.statement.and_then(|i| statements.get(i)) else {
            continue;
        };
        let cross = r
            .account
            .as_deref()
            .zip(p.account.as_deref())
            .is_some_and(|(x, y)| x != y);
        let needs_identity = a.delegated || cross;
        let ev = effective.principals.get(c).map(|e| &*e.evaluation);
        let Some(ev) = ev else { continue };
        let mut tri = a.tri;
        let mut conditions = Vec::new();
        if a.tri == Tri::Unknown {
            conditions.push(clauses_text(&condition::normalized(&s.condition)));
        }
        let mut identity = Vec::new();
        for action in std::iter::once("sts:AssumeRole").chain(demanded(s)) {
            if action != "sts:AssumeRole" {
                let extra = admits(statements, p, action, &ctx);
                tri = tri.and(extra.tri);
            }
            let key = (std::ptr::from_ref(ev) as usize, action, needs_identity);
            let (t, deciding, conds) = gates
                .entry(key)
                .or_insert_with(|| {
                    caller_gate(ev, catalog.lookup(action), &role_arn, needs_identity)
                })
                .clone();
            tri = tri.and(t);
            identity.extend(deciding);
            conditions.extend(conds);
            if tri == Tri::False {
                break;
            }
        }
        if tri == Tri::False {
            continue;
        }
        conditions.sort();
        conditions.dedup();
        identity.sort();
        identity.dedup();
        out.push(Edge {
            from: Node::Principal(c),
            to: role,
            tri,
            action: "sts:AssumeRole",
            trust: s.origin.clone(),
            needs_identity,
            identity,
            conditions,
        });
    }
    for ((name, action), si) in entries {
        let Some(s) = statements.get(si) else {
            continue;
        };
        let mut ctx = base.clone();
        if action == "sts:AssumeRoleWithSAML" {
            ctx.insert("SAML:aud", vec![SAML_AUDIENCE.to_owned()]);
        }
        let tri = condition::evaluate(&s.condition, &ctx);
        if tri == Tri::False {
            continue;
        }
        let conditions = if tri == Tri::Unknown {
            vec![clauses_text(&condition::normalized(&s.condition))]
        } else {
            Vec::new()
        };
        out.push(Edge {
            from: Node::Entry(name),
            to: role,
            tri,
            action,
            trust: s.origin.clone(),
            needs_identity: false,
            identity: Vec::new(),
            conditions,
        });
    }
    (out, review)
}

/// The assumption graph of a side, from its roles' trust policies and every principal's
/// evaluation (which must cover every principal: see `effective_selected`).
pub fn graph(
    snapshot: &Snapshot,
    effective: &Effective,
    catalog: &Catalog,
    context: &RequestContext,
) -> Graph {
    graph_of(snapshot, effective, catalog, context, None)
}

/// [`graph`] from an evaluation of only the principals `evaluated` marks: the edges out
/// of the others are left out (their evaluation is empty, not theirs). With every
/// principal a person may reach evaluated ([`people_may_reach`]), people reach the same
/// roles by the same paths as in the whole graph.
pub fn graph_of(
    snapshot: &Snapshot,
    effective: &Effective,
    catalog: &Catalog,
    context: &RequestContext,
    evaluated: Option<&[bool]>,
) -> Graph {
    let mut ix = Index::new(snapshot, effective, catalog.lookup("sts:AssumeRole"));
    ix.evaluated = evaluated;
    let roles: Vec<usize> = snapshot
        .principals
        .iter()
        .enumerate()
        .filter(|(_, p)| p.kind == PrincipalKind::Role && p.trust.is_some())
        .map(|(i, _)| i)
        .collect();
    let per_role: Vec<(Vec<Edge>, Option<String>)> = roles
        .par_iter()
        .map(|&r| edges_into(snapshot, &ix, effective, catalog, context, r))
        .collect();
    let mut g = Graph {
        out: vec![Vec::new(); snapshot.principals.len()],
        ..Graph::default()
    };
    for ((edges, review), &role) in per_role.into_iter().zip(&roles) {
        if let Some(why) = review {
            g.review.push((role, why));
        }
        for e in edges {
            let id = u32::try_from(g.edges.len()).unwrap_or(u32::MAX);
            match &e.from {
                Node::Principal(p) => {
                    if let Some(v) = g.out.get_mut(*p) {
                        v.push(id);
                    }
                }
                Node::Entry(name) => g.entries.entry(name.clone()).or_default().push(id),
            }
            g.edges.push(e);
        }
    }
    g
}

/// The principals some person may reach, from the trust policies alone: the side's IAM
/// users, the roles a federated provider may assume (Identity Center's), and every role
/// one of those may assume, transitively. A superset: a caller's own policies, denies,
/// SCPs and conditions only take edges away, so a person view needs no other
/// principal evaluated (issue 9: the others are evaluated only where they changed).
pub fn people_may_reach(snapshot: &Snapshot) -> Vec<bool> {
    let n = snapshot.principals.len();
    let mut by_arn: FxHashMap<String, Vec<usize>> = FxHashMap::default();
    let mut by_id: FxHashMap<&str, Vec<usize>> = FxHashMap::default();
    let mut roles_by_name: FxHashMap<&str, Vec<usize>> = FxHashMap::default();
    for (i, p) in snapshot.principals.iter().enumerate() {
        by_arn.entry(principal_arn(p)).or_default().push(i);
        if let Some(id) = p.id.as_deref() {
            by_id.entry(id).or_default().push(i);
        }
        if p.kind == PrincipalKind::Role {
            roles_by_name.entry(p.name.as_str()).or_default().push(i);
        }
    }
    // who may assume each role, inverted: roles by the caller they name, by the account
    // they name (a caller of that account or of none), and roles anyone may assume
    let mut named: FxHashMap<usize, Vec<usize>> = FxHashMap::default();
    let mut of_account: FxHashMap<&str, Vec<usize>> = FxHashMap::default();
    let mut anyone: Vec<usize> = Vec::new();
    let mut seeds: Vec<usize> = Vec::new();
    for (r, p) in snapshot.principals.iter().enumerate() {
        if p.kind == PrincipalKind::User {
            seeds.push(r);
        }
        if p.kind != PrincipalKind::Role {
            continue;
        }
        let Some(policy) = p.trust.and_then(|t| snapshot.policy(t)) else {
            continue;
        };
        for s in &policy.document.statements {
            if s.effect != Effect::Allow {
                continue;
            }
            let pairs = match &s.principal {
                Some(PrincipalClause::Principal(pairs)) => pairs,
                Some(PrincipalClause::NotPrincipal(_)) => {
                    anyone.push(r);
                    continue;
                }
                None => continue,
            };
            for (kind, value) in pairs {
                match kind.as_str() {
                    "*" => anyone.push(r),
                    "Federated" => seeds.push(r),
                    "AWS" if value == "*" => anyone.push(r),
                    "AWS" => {
                        if let Some(acct) = crate::model::principal_account(value) {
                            of_account.entry(acct).or_default().push(r);
                            continue;
                        }
                        let mut callers: Vec<usize> = Vec::new();
                        if let Some(role) = value
                            .strip_prefix("arn:aws:sts::")
                            .and_then(|x| x.split(':').nth(1))
                            .and_then(|x| x.strip_prefix("assumed-role/"))
                            .and_then(|x| x.split('/').next())
                        {
                            callers.extend(roles_by_name.get(role).into_iter().flatten());
                        }
                        callers.extend(by_arn.get(value.as_str()).into_iter().flatten());
                        callers.extend(by_id.get(value.as_str()).into_iter().flatten());
                        for c in callers {
                            named.entry(c).or_default().push(r);
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    let mut reached = vec![false; n];
    let mut queue: Vec<usize> = Vec::new();
    let push = |r: usize, reached: &mut Vec<bool>, queue: &mut Vec<usize>| {
        if let Some(x) = reached.get_mut(r)
            && !*x
        {
            *x = true;
            queue.push(r);
        }
    };
    for r in seeds {
        push(r, &mut reached, &mut queue);
    }
    let mut anyone_done = false;
    while let Some(c) = queue.pop() {
        let mut next: Vec<usize> = named.get(&c).cloned().unwrap_or_default();
        match snapshot
            .principals
            .get(c)
            .and_then(|p| p.account.as_deref())
        {
            Some(a) => next.extend(of_account.get(a).into_iter().flatten()),
            None => next.extend(of_account.values().flatten()),
        }
        if !anyone_done {
            anyone_done = true;
            next.extend(&anyone);
        }
        for r in next {
            push(r, &mut reached, &mut queue);
        }
    }
    reached
}

/// A role reached, how surely, and by which edges (first to last).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reached {
    pub role: usize,
    /// `True` when some path holds unconditionally; `Unknown` when every path depends on
    /// undecided conditions.
    pub tri: Tri,
    pub path: Vec<u32>,
}

/// The roles one start reaches, and what was not followed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reach {
    /// Sorted by role.
    pub roles: Vec<Reached>,
    pub review: Vec<String>,
}

fn rank(t: Tri) -> u8 {
    match t {
        Tri::True => 2,
        Tri::Unknown => 1,
        Tri::False => 0,
    }
}

/// Whether `a` is a better way to a role than `b`: surer, then shorter, then first in
/// edge order (so results never depend on evaluation order).
fn better(a: &Reached, b: &Reached) -> bool {
    (std::cmp::Reverse(rank(a.tri)), a.path.len(), &a.path)
        < (std::cmp::Reverse(rank(b.tri)), b.path.len(), &b.path)
}

/// Breadth-first reach over the edges `first` and what follows them, up to `depth`
/// assumptions in all: once over edges that hold outright, then over every edge, so each
/// role gets its surest, then shortest, path. `states` counts edges examined.
pub fn reach(g: &Graph, first: &[u32], depth: usize, names: &dyn Fn(usize) -> String) -> Reach {
    let mut best: BTreeMap<usize, Reached> = BTreeMap::new();
    let mut review = Vec::new();
    let mut states = 0usize;
    for sure_only in [true, false] {
        let mut seen: rustc_hash::FxHashSet<usize> = rustc_hash::FxHashSet::default();
        let mut frontier: Vec<(usize, Tri, Vec<u32>)> = Vec::new();
        let mut take = |id: u32,
                        tri: Tri,
                        path: &[u32],
                        next: &mut Vec<(usize, Tri, Vec<u32>)>,
                        seen: &mut rustc_hash::FxHashSet<usize>| {
            let Some(e) = g.edge(id) else { return };
            let t = tri.and(e.tri);
            if (sure_only && t != Tri::True) || t == Tri::False || !seen.insert(e.to) {
                return;
            }
            let mut p = path.to_vec();
            p.push(id);
            let cand = Reached {
                role: e.to,
                tri: t,
                path: p.clone(),
            };
            match best.get(&e.to) {
                Some(b) if !better(&cand, b) => {}
                _ => {
                    best.insert(e.to, cand);
                }
            }
            next.push((e.to, t, p));
        };
        let mut next = Vec::new();
        for &id in first {
            states += 1;
            take(id, Tri::True, &[], &mut next, &mut seen);
        }
        frontier.append(&mut next);
        let mut level = 1;
        while !frontier.is_empty() {
            if level >= depth {
                // what would come next is not followed
                if let Some((n, _, _)) = frontier.iter().find(|(n, _, _)| {
                    g.out(*n)
                        .iter()
                        .any(|&e| g.edge(e).is_some_and(|e| !seen.contains(&e.to)))
                }) {
                    review.push(format!(
                        "role chains longer than {depth} assumptions are not followed (from `{}`)",
                        names(*n)
                    ));
                }
                break;
            }
            for (n, tri, path) in std::mem::take(&mut frontier) {
                for &id in g.out(n) {
                    states += 1;
                    take(id, tri, &path, &mut next, &mut seen);
                }
                if states > STATE_BUDGET {
                    review.push(format!(
                        "the path budget of {STATE_BUDGET} states was spent following role chains"
                    ));
                    frontier.clear();
                    next.clear();
                    break;
                }
            }
            frontier.append(&mut next);
            level += 1;
        }
    }
    review.sort();
    review.dedup();
    Reach {
        roles: best.into_values().collect(),
        review,
    }
}

/// Merges the reach of several starts: each role's best path wins.
pub fn merge(parts: impl IntoIterator<Item = Reach>) -> Reach {
    let mut best: BTreeMap<usize, Reached> = BTreeMap::new();
    let mut review = Vec::new();
    for part in parts {
        review.extend(part.review);
        for r in part.roles {
            match best.get(&r.role) {
                Some(b) if !better(&r, b) => {}
                _ => {
                    best.insert(r.role, r);
                }
            }
        }
    }
    review.sort();
    review.dedup();
    Reach {
        roles: best.into_values().collect(),
        review,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_globs() {
        assert!(glob("sts:AssumeRole", "sts:assumerole"));
        assert!(glob("sts:*", "sts:AssumeRoleWithSAML"));
        assert!(glob("sts:Assume*", "sts:AssumeRole"));
        assert!(!glob("sts:AssumeRole", "sts:AssumeRoleWithSAML"));
        assert!(glob("*", "sts:TagSession"));
        assert!(glob("sts:?agSession", "sts:TagSession"));
    }

    fn edge(from: usize, to: usize, tri: Tri) -> Edge {
        Edge {
            from: Node::Principal(from),
            to,
            tri,
            action: "sts:AssumeRole",
            trust: Arc::new(Origin {
                file: Arc::from("f.json"),
                policy: Arc::from("trust"),
                policy_arn: None,
                version: None,
                kind: crate::model::PolicyKind::Trust,
                statement: crate::model::StatementRef::Index(0),
                pointer: None,
            }),
            needs_identity: true,
            identity: Vec::new(),
            conditions: Vec::new(),
        }
    }

    fn graph_of(n: usize, edges: Vec<Edge>) -> Graph {
        let mut g = Graph {
            out: vec![Vec::new(); n],
            ..Graph::default()
        };
        for (i, e) in edges.into_iter().enumerate() {
            if let Node::Principal(p) = e.from {
                g.out[p].push(i as u32);
            }
            g.edges.push(e);
        }
        g
    }

    // issue 9: chains are followed with a depth limit; a cycle ends; past the limit the
    // start is needs review with the reason
    #[test]
    fn chains_stop_at_the_depth_limit_and_cycles_end() {
        // 0 (a user) → 1 → 2 → … → 7, and 7 → 1 (a cycle)
        let mut edges: Vec<Edge> = (0..7).map(|i| edge(i, i + 1, Tri::True)).collect();
        edges.push(edge(7, 1, Tri::True));
        let g = graph_of(8, edges);
        let names = |i: usize| format!("r{i}");
        let r = reach(&g, g.out(0), DEPTH_LIMIT, &names);
        let roles: Vec<usize> = r.roles.iter().map(|x| x.role).collect();
        assert_eq!(roles, [1, 2, 3, 4, 5]);
        assert_eq!(r.roles[4].path, [0, 1, 2, 3, 4]);
        assert_eq!(
            r.review,
            ["role chains longer than 5 assumptions are not followed (from `r5`)"]
        );
        // a short cycle ends without review
        let g = graph_of(
            3,
            vec![
                edge(0, 1, Tri::True),
                edge(1, 2, Tri::True),
                edge(2, 1, Tri::True),
            ],
        );
        let r = reach(&g, g.out(0), DEPTH_LIMIT, &names);
        assert_eq!(r.roles.len(), 2);
        assert!(r.review.is_empty());
    }

    // issue 9: a role is reached unconditionally when some path holds outright, even if
    // a shorter one is conditional; conditional only when every path is
    #[test]
    fn the_surest_path_wins_then_the_shortest() {
        // 0 → 2 conditional; 0 → 1 → 2 allowed; 0 → 3 conditional only
        let g = graph_of(
            4,
            vec![
                edge(0, 2, Tri::Unknown),
                edge(0, 1, Tri::True),
                edge(1, 2, Tri::True),
                edge(0, 3, Tri::Unknown),
            ],
        );
        let r = reach(&g, g.out(0), DEPTH_LIMIT, &|i| format!("r{i}"));
        let got: Vec<(usize, Tri, Vec<u32>)> = r
            .roles
            .iter()
            .map(|x| (x.role, x.tri, x.path.clone()))
            .collect();
        assert_eq!(
            got,
            [
                (1, Tri::True, vec![1]),
                (2, Tri::True, vec![1, 2]),
                (3, Tri::Unknown, vec![3]),
            ]
        );
    }
}
