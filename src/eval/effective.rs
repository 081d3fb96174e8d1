//! Per-principal effective permissions: every identity allow, narrowed by the permissions
//! boundary and every SCP level, minus every deny, with undecidable conditions and
//! variables kept as *conditional* and unknown policies as *needs review*.
//!
//! This is the only place that runs in parallel: principals whose policy sets are
//! identical (and whose statements do not depend on who they are) share one evaluation,
//! and distinct evaluations run on rayon with an indexed collect, so output order never
//! depends on scheduling.

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::sync::Arc;

use crate::catalog::Catalog;
use crate::model::{ConditionClause, Effect, Origin, PolicyId, Principal, Snapshot};

use crate::catalog::ActionId;

use super::actions::ActionMatch;
use super::compile::CompiledSnapshot;
use super::condition::{self, Tri};
use super::context::RequestContext;
use super::explain::Decision;
use super::layers::{Layers, Unresolved, Via};
use super::principal_ctx::principal_context;
use super::scope::{self, ResourceScope, ScopeFor};

/// An undecided condition block that a grant depends on.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CondNote {
    pub clauses: Vec<ConditionClause>,
    pub source: Arc<Origin>,
    pub via: Via,
}

/// A boundary or SCP level that allows these actions only on some resources.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Limit {
    pub via: Via,
    /// Union of the level's allowing statements' scopes.
    pub scopes: Vec<Arc<ResourceScope>>,
    pub sources: Vec<Arc<Origin>>,
}

/// A deny that removes some resources from a grant, or all of them when its condition
/// holds (`conditions` is then the undecided condition).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Exception {
    pub scope: Arc<ResourceScope>,
    pub conditions: Vec<ConditionClause>,
    pub source: Arc<Origin>,
    pub via: Via,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Allowed whatever the request context.
    Allowed,
    /// Allowed only under conditions the evaluation could not decide.
    Conditional,
}

/// Actions one allow statement grants a principal, and on what.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Grant {
    pub actions: Arc<ActionMatch>,
    pub scope: Arc<ResourceScope>,
    pub limits: Vec<Limit>,
    pub exceptions: Vec<Exception>,
    pub conditions: Vec<CondNote>,
    /// Policy variables that cannot be known offline (the scope keeps them as written).
    pub unknown_variables: Vec<String>,
    pub source: Arc<Origin>,
    pub via: Via,
}

impl Grant {
    pub fn status(&self) -> Status {
        if self.conditions.is_empty()
            && self.unknown_variables.is_empty()
            && self.exceptions.iter().all(|e| e.conditions.is_empty())
        {
            Status::Allowed
        } else {
            Status::Conditional
        }
    }
}

/// What the evaluation could not decide for a principal.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(tag = "reason", rename_all = "kebab-case")]
pub enum Review {
    /// A policy is attached but its document is unknown: the principal may have more.
    UnresolvedPolicy { policy: Unresolved },
    /// The permissions boundary's document is unknown: every grant may be narrower.
    UnresolvedBoundary { policy: Unresolved },
    /// A statement has parts its source left unresolved (a `!Ref` without a value, a
    /// value known only after apply): what it grants or denies is undecided.
    UnresolvedStatement {
        policy: String,
        statement: String,
        file: String,
        unresolved: Vec<String>,
    },
}

impl std::fmt::Display for Review {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Review::UnresolvedPolicy { policy } => write!(
                f,
                "policy `{}` ({}) is attached but its document is unknown: the principal may have more access",
                policy.arn.as_deref().unwrap_or(&policy.name),
                policy.via
            ),
            Review::UnresolvedBoundary { policy } => write!(
                f,
                "permissions boundary `{}` is unknown: every grant may be narrower",
                policy.arn.as_deref().unwrap_or(&policy.name)
            ),
            Review::UnresolvedStatement {
                policy,
                statement,
                file,
                unresolved,
            } => write!(
                f,
                "`{policy}` {statement} ({file}) is undecided: {}",
                unresolved.join("; ")
            ),
        }
    }
}

/// The evaluation shared by principals with the same policies.
#[derive(Debug, Clone, Default)]
pub struct Evaluation {
    pub grants: Vec<Grant>,
    pub review: Vec<Review>,
    pub counts: ActionCounts,
    /// Allows that a deny removed entirely, with the deny: what explains a loss.
    pub denied: Vec<Denied>,
    /// The statements decided for the principal, layer by layer: what [`Evaluation::decide`]
    /// reads to answer one request exactly as `explain` does.
    pub rules: Arc<Rules>,
    /// A person's role sessions (issue 9): each role the person reaches, decided on its
    /// own (a session holds one role at a time) and combined by union.
    pub sessions: Vec<Session>,
}

/// One role session of a person: the role's evaluation, the path as a [`Via::Role`], and
/// whether the path holds only under undecided conditions (which it then names).
#[derive(Debug, Clone)]
pub struct Session {
    pub evaluation: Arc<Evaluation>,
    pub via: Via,
    pub conditions: Vec<String>,
    pub conditional: bool,
}

/// One statement with its condition and scope decided for the principal.
#[derive(Debug, Clone)]
pub struct Rule {
    pub actions: Arc<ActionMatch>,
    pub scope: Arc<ResourceScope>,
    /// `Unknown` when the condition, a variable or an unresolved part is undecided.
    pub tri: Tri,
    /// The resource element has a variable that cannot be known offline: the statement
    /// may cover any resource.
    pub resource_unknown: bool,
    /// The undecided condition (with a pseudo-clause for each unresolved part), empty
    /// when `tri` is decided.
    pub clauses: Vec<ConditionClause>,
    pub unknown_variables: Vec<String>,
    pub source: Arc<Origin>,
    pub via: Via,
}

impl Rule {
    /// Whether the statement applies to `action` on `resource`: `False` when it does not
    /// cover them, else its (possibly undecided) truth.
    pub fn applies(&self, action: ActionId, resource: &str) -> Tri {
        if !self.actions.ids.contains(action) {
            return Tri::False;
        }
        if self.resource_unknown {
            return self.tri.and(Tri::Unknown);
        }
        if self.scope.matches(resource) {
            self.tri
        } else {
            Tri::False
        }
    }
}

/// The statements of one evaluation by layer, as AWS evaluates them.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    /// Identity-policy allows.
    pub allows: Vec<Rule>,
    /// Denies of every layer.
    pub denies: Vec<Rule>,
    /// The permissions boundary and each SCP level, with its allow statements: each must allow.
    pub levels: Vec<(Via, Vec<Rule>)>,
    /// An identity policy's document is unknown: it may allow or deny anything.
    pub unresolved_identity: bool,
    /// The boundary's document is unknown: it may not allow, and may deny.
    pub unresolved_boundary: bool,
    /// The action AWS allows whatever the policies say (`sts:GetCallerIdentity`).
    pub always: Option<ActionId>,
    /// Resource-policy allows, each with whether the identity policies must allow too.
    pub resource_allows: Vec<(Rule, bool)>,
    /// Resources an identity allow alone does not reach (another account's, KMS keys).
    pub gated: Option<Arc<ResourceScope>>,
    /// RCP denies (issue 8), each over the resources of the accounts under its level:
    /// a request is bounded by those of its resource's owner (see
    /// [`super::resources::owner`]).
    pub rcp_denies: Vec<super::resources::RcpDeny>,
    /// The inventory's S3 buckets with their owner, and the principal's account: what
    /// decides a resource's owner.
    pub unowned: Option<super::resources::Unowned>,
    pub own_account: Option<String>,
}

/// The decision on one request, with the statements that decide it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Point {
    pub decision: Decision,
    /// Allow statements that allow or may allow it, and deny statements that deny or may
    /// deny it (identity, boundary and SCP layers).
    pub deciding: Vec<(Arc<Origin>, Via)>,
    /// The undecided conditions of the deciding statements, as text.
    pub conditions: Vec<String>,
}

/// AWS allows this action whatever the policies say, even under an explicit deny: "No
/// permissions are required to perform this operation. If an administrator attaches a
/// policy to your identity that explicitly denies access to the sts:GetCallerIdentity
/// action, you can still perform this operation"
/// (<https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html>).
pub const ALWAYS_ALLOWED: &str = "sts:GetCallerIdentity";

/// Where the grant of [`ALWAYS_ALLOWED`] comes from: AWS itself, not a policy.
pub fn always_allowed_origin() -> Arc<Origin> {
    static ORIGIN: std::sync::LazyLock<Arc<Origin>> = std::sync::LazyLock::new(|| {
        Arc::new(Origin {
            file: Arc::from("(AWS)"),
            policy: Arc::from("AWS: sts:GetCallerIdentity needs no permission"),
            policy_arn: None,
            version: None,
            kind: crate::model::PolicyKind::AwsManaged,
            statement: crate::model::StatementRef::Sid("AlwaysAllowed".to_owned()),
            pointer: None,
        })
    });
    ORIGIN.clone()
}

impl Evaluation {
    /// Decides `action` on `resource` from the evaluation's statements, with the AWS
    /// evaluation logic `explain` follows: an explicit deny wins, an identity allow is
    /// needed, the boundary and every SCP level must allow, and an unknown policy
    /// document may allow or deny anything.
    pub fn decide(&self, action: ActionId, resource: &str) -> Point {
        self.decide_with(action, resource, true)
    }

    /// [`Evaluation::decide`] as if every policy were known: what the known statements
    /// alone decide.
    pub fn decide_known(&self, action: ActionId, resource: &str) -> Point {
        self.decide_with(action, resource, false)
    }

    fn decide_with(&self, action: ActionId, resource: &str, unknown_docs: bool) -> Point {
        let own = self.decide_own(action, resource, unknown_docs);
        if self.sessions.is_empty() {
            return own;
        }
        // a person: the best of their own request and every role session's
        let rank = |d: Decision| match d {
            Decision::Allowed => 3,
            Decision::Conditional => 2,
            Decision::Denied => 1,
            Decision::NotAllowed => 0,
        };
        let mut best = own;
        for s in &self.sessions {
            let mut p = s.evaluation.decide_own(action, resource, unknown_docs);
            for d in &mut p.deciding {
                d.1 = s.via.clone();
            }
            if s.conditional && p.decision == Decision::Allowed {
                p.decision = Decision::Conditional;
                p.conditions.extend(s.conditions.iter().cloned());
            }
            let (rb, rp) = (rank(best.decision), rank(p.decision));
            if rp > rb {
                best = p;
            } else if rp == rb && rp >= 2 {
                best.deciding.extend(p.deciding);
                best.deciding.sort();
                best.deciding.dedup();
                best.conditions.extend(p.conditions);
                best.conditions.sort();
                best.conditions.dedup();
            }
        }
        best
    }

    fn decide_own(&self, action: ActionId, resource: &str, unknown_docs: bool) -> Point {
        let r = &self.rules;
        let unresolved_identity = unknown_docs && r.unresolved_identity;
        let unresolved_boundary = unknown_docs && r.unresolved_boundary;
        if r.always == Some(action) {
            return Point {
                decision: Decision::Allowed,
                deciding: vec![(always_allowed_origin(), Via::Direct)],
                conditions: Vec::new(),
            };
        }
        // (statement, its truth here, its layer: 0 identity allow, 1 deny, 2 level allow)
        let mut bearing: Vec<(&Rule, Tri, u8)> = Vec::new();
        let mut allow = Tri::False;
        for a in &r.allows {
            let t = a.applies(action, resource);
            bearing.push((a, t, 0));
            allow = allow.or(t);
        }
        let mut deny = Tri::False;
        for d in &r.denies {
            let t = d.applies(action, resource);
            bearing.push((d, t, 1));
            deny = deny.or(t);
        }
        if unresolved_identity {
            allow = allow.or(Tri::Unknown);
        }
        // resource policies (issue 8): an identity allow alone does not reach another
        // account's resource or a KMS key; a resource allow may need the identity allow
        let identity = allow;
        // (an organization's gated ARNs are many: matched only when they could matter)
        if allow != Tri::False && r.gated.as_ref().is_some_and(|g| g.matches(resource)) {
            allow = Tri::False;
        }
        for (a, needs_identity) in &r.resource_allows {
            let mut t = a.applies(action, resource);
            if *needs_identity {
                t = t.and(identity);
            }
            bearing.push((a, t, 0));
            allow = allow.or(t);
        }
        // RCPs: those of the levels over the resource's owner, whoever asks
        if !r.rcp_denies.is_empty() {
            // the owner is worked out once, at the first deny of the action (a deny of
            // other actions does not apply, and so does not bear on the request)
            let mut owner: Option<Option<&str>> = None;
            for d in &r.rcp_denies {
                if !d.rule.actions.ids.contains(action) {
                    continue;
                }
                let owner = *owner.get_or_insert_with(|| {
                    let unowned = r.unowned.as_deref().unwrap_or_default();
                    super::resources::owner(resource, unowned, r.own_account.as_deref())
                });
                if !d.bounds(owner) {
                    continue;
                }
                let t = d.rule.applies(action, resource);
                bearing.push((&d.rule, t, 1));
                deny = deny.or(t);
            }
        }
        if unresolved_identity || unresolved_boundary {
            deny = deny.or(Tri::Unknown);
        }
        if unresolved_boundary {
            allow = allow.and(Tri::Unknown);
        }
        for (_, level) in &r.levels {
            let mut ok = Tri::False;
            for a in level {
                let t = a.applies(action, resource);
                bearing.push((a, t, 2));
                ok = ok.or(t);
            }
            allow = allow.and(ok);
        }
        let decision = if deny == Tri::True {
            Decision::Denied
        } else if allow == Tri::False {
            Decision::NotAllowed
        } else if allow == Tri::True && deny == Tri::False {
            Decision::Allowed
        } else {
            Decision::Conditional
        };
        // what decides it: the allows that allow, the denies that deny, and where it is
        // undecided, every statement that may
        let deciding_rule = |t: Tri, layer: u8| match decision {
            Decision::Allowed => layer == 0 && t == Tri::True,
            Decision::Denied => layer == 1 && t == Tri::True,
            Decision::Conditional => t == Tri::Unknown || (layer == 0 && t == Tri::True),
            Decision::NotAllowed => false,
        };
        let mut deciding = Vec::new();
        let mut conditions = std::collections::BTreeSet::new();
        for (rule, t, layer) in bearing {
            if !deciding_rule(t, layer) {
                continue;
            }
            deciding.push((rule.source.clone(), rule.via.clone()));
            if t == Tri::Unknown && !rule.clauses.is_empty() {
                conditions.insert(clauses_text(&rule.clauses));
            }
            if t == Tri::Unknown {
                for v in &rule.unknown_variables {
                    conditions.insert(format!("unknown variable ${{{v}}}"));
                }
            }
        }
        deciding.sort();
        deciding.dedup();
        Point {
            decision,
            deciding,
            conditions: conditions.into_iter().collect(),
        }
    }
}

/// Actions an allow granted that a deny takes away on every resource of the grant.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Denied {
    pub actions: Arc<ActionMatch>,
    pub allow: Arc<Origin>,
    pub allow_via: Via,
    pub deny: Arc<Origin>,
    pub deny_via: Via,
}

/// How many distinct actions an evaluation allows, computed where it runs in parallel.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ActionCounts {
    /// Catalog actions allowed on some resource, plus uncataloged action patterns.
    pub actions: usize,
    /// Of those, the catalog actions allowed only under undecided conditions.
    pub conditional_only: usize,
}

/// The action counts of one run's evaluations, by the action sets their grants hold and
/// whether each is conditional: members of the same roles on other resources count alike
/// (a GCP organization's thousands of members, each counting its roles' thousands of
/// permissions bit by bit). A key holds its sets, so no address in it is reused meanwhile.
#[derive(Default)]
struct CountMemo(std::sync::Mutex<FxHashMap<Vec<(BySet, Status)>, ActionCounts>>);

/// An action set compared and hashed by address.
struct BySet(Arc<ActionMatch>);

impl PartialEq for BySet {
    fn eq(&self, other: &BySet) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for BySet {}

impl std::hash::Hash for BySet {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        std::ptr::hash(Arc::as_ptr(&self.0), state);
    }
}

impl CountMemo {
    /// [`count_actions`] of `grants`, counted once per distinct key.
    fn count(&self, grants: &[Grant], universe: usize) -> ActionCounts {
        let mut key: Vec<(BySet, Status)> = grants
            .iter()
            .map(|g| (BySet(g.actions.clone()), g.status()))
            .collect();
        key.sort_unstable_by_key(|(set, status)| (Arc::as_ptr(&set.0), *status));
        key.dedup();
        if let Some(known) = self.0.lock().ok().and_then(|m| m.get(&key).copied()) {
            return known;
        }
        let counts = count_actions(grants.iter().map(|g| (g, &*g.actions)), universe);
        if let Ok(mut m) = self.0.lock() {
            m.insert(key, counts);
        }
        counts
    }
}

/// Counts the distinct actions of some grants (with their action sets given separately,
/// so a caller can count filtered sets).
pub fn count_actions<'a>(
    grants: impl Iterator<Item = (&'a Grant, &'a ActionMatch)>,
    universe: usize,
) -> ActionCounts {
    let words = universe.div_ceil(64);
    let mut all = vec![0u64; words];
    let mut sure = vec![0u64; words];
    let mut cond = vec![0u64; words];
    let mut uncataloged = std::collections::BTreeSet::new();
    // grants share their action sets (a GCP role's permissions for all its bindings):
    // each set is added once per status
    let mut seen: rustc_hash::FxHashSet<(*const ActionMatch, Status)> =
        rustc_hash::FxHashSet::default();
    for (g, acts) in grants {
        if !seen.insert((std::ptr::from_ref(acts), g.status())) {
            continue;
        }
        acts.ids.or_into(&mut all);
        match g.status() {
            Status::Allowed => acts.ids.or_into(&mut sure),
            Status::Conditional => acts.ids.or_into(&mut cond),
        }
        if !acts.covers_uncataloged {
            uncataloged.extend(acts.unknown.iter());
        }
    }
    // bits past the universe (set by complements) do not count
    let tail = universe % 64;
    let count = |bits: &[u64]| -> usize {
        bits.iter()
            .enumerate()
            .map(|(i, w)| {
                let w = if i + 1 == bits.len() && tail != 0 {
                    w & ((1u64 << tail) - 1)
                } else {
                    *w
                };
                w.count_ones() as usize
            })
            .sum()
    };
    let cond_only: Vec<u64> = cond.iter().zip(&sure).map(|(c, s)| c & !s).collect();
    ActionCounts {
        actions: count(&all) + uncataloged.len(),
        conditional_only: count(&cond_only),
    }
}

#[derive(Debug, Clone)]
pub struct PrincipalPermissions {
    /// Index into the snapshot's principals.
    pub principal: usize,
    pub evaluation: Arc<Evaluation>,
}

#[derive(Debug)]
pub struct Effective {
    pub principals: Vec<PrincipalPermissions>,
    /// Number of distinct evaluations (principals sharing policies share one).
    pub distinct: usize,
    /// Size of the action universe (catalog actions).
    pub universe: usize,
}

/// Options of an evaluation.
#[derive(Debug, Clone)]
pub struct EvalOptions {
    /// Request context given by the user (`--context`, `--context-file`, `--closed-context`).
    pub context: RequestContext,
}

impl Default for EvalOptions {
    fn default() -> Self {
        EvalOptions {
            context: RequestContext::new(false),
        }
    }
}

#[derive(PartialEq, Eq, Hash)]
struct Key {
    layers: Layers,
    /// Set when a statement depends on who the principal is.
    principal: Option<usize>,
    /// With resource policies: the principal's account and the resource statements
    /// that apply to it.
    resources: Option<(Option<String>, Vec<super::resources::Applied>)>,
}

/// Computes every principal's effective permissions.
pub fn effective(snapshot: &Snapshot, catalog: &Catalog, options: &EvalOptions) -> Effective {
    let compiled = CompiledSnapshot::compile(snapshot, catalog);
    effective_compiled(snapshot, catalog, &compiled, options)
}

/// [`effective`] for the selected principals only (`selected[i]`); the others get an
/// empty evaluation. The diff uses it to skip principals whose inputs did not change.
pub fn effective_selected(
    snapshot: &Snapshot,
    catalog: &Catalog,
    options: &EvalOptions,
    selected: &[bool],
) -> Effective {
    let compiled = CompiledSnapshot::compile_for(snapshot, catalog, Some(selected));
    effective_inner(snapshot, catalog, &compiled, options, Some(selected))
}

pub fn effective_compiled(
    snapshot: &Snapshot,
    catalog: &Catalog,
    compiled: &CompiledSnapshot,
    options: &EvalOptions,
) -> Effective {
    effective_inner(snapshot, catalog, compiled, options, None)
}

fn effective_inner(
    snapshot: &Snapshot,
    catalog: &Catalog,
    compiled: &CompiledSnapshot,
    options: &EvalOptions,
    selected: Option<&[bool]>,
) -> Effective {
    let skipped = Arc::new(Evaluation::default());
    let resource_index = super::resources::ResourceIndex::build(snapshot);
    // what decides each selected principal's evaluation, worked out in parallel (the
    // resource rules of an organization's thousands of principals)
    // (and the resource rules, which a representative's evaluation starts from)
    type Keyed = Option<(Key, Option<super::resources::ResourceRules>)>;
    let keys: Vec<Keyed> = snapshot
        .principals
        .par_iter()
        .enumerate()
        .map(|(i, p)| {
            if selected.is_some_and(|s| !s.get(i).copied().unwrap_or(true)) {
                return None;
            }
            let layers = Layers::of(snapshot, p);
            let specific = layer_policies(&layers)
                .any(|id| compiled.statements(id).iter().any(|c| c.principal_specific));
            let rules = (!snapshot.resources.is_empty()).then(|| {
                let ctx = principal_context(&options.context, p);
                super::resources::for_principal(snapshot, compiled, &resource_index, p, &ctx)
            });
            let key = Key {
                layers,
                principal: specific.then_some(i),
                resources: rules
                    .as_ref()
                    .map(|r| (p.account.clone(), r.signature.clone())),
            };
            Some((key, rules))
        })
        .collect();
    // principals alike share one evaluation, the first of them its representative
    let mut index: FxHashMap<Key, usize> = FxHashMap::default();
    type Rep = (usize, Layers, Option<super::resources::ResourceRules>);
    let mut reps: Vec<Rep> = Vec::new();
    let mut of_principal = Vec::with_capacity(snapshot.principals.len());
    for (i, keyed) in keys.into_iter().enumerate() {
        let Some((key, rules)) = keyed else {
            of_principal.push(usize::MAX);
            continue;
        };
        let n = index.len();
        let k = *index.entry(key).or_insert_with_key(|k| {
            reps.push((i, k.layers.clone(), rules));
            n
        });
        of_principal.push(k);
    }
    let universe = catalog.actions().len();
    let always = catalog.lookup(ALWAYS_ALLOWED);
    let unowned = super::resources::unowned(snapshot);
    let counts = CountMemo::default();
    let evaluations: Vec<Arc<Evaluation>> = reps
        .into_par_iter()
        .map(|(i, layers, rules)| {
            let p = snapshot.principals.get(i);
            Arc::new(match p {
                Some(p) => evaluate(
                    snapshot,
                    compiled,
                    universe,
                    p,
                    &layers,
                    &options.context,
                    always,
                    &counts,
                    &unowned,
                    (&resource_index, rules),
                ),
                None => Evaluation::default(),
            })
        })
        .collect();
    let principals = of_principal
        .into_iter()
        .enumerate()
        .map(|(principal, k)| PrincipalPermissions {
            principal,
            evaluation: evaluations
                .get(k)
                .cloned()
                .unwrap_or_else(|| skipped.clone()),
        })
        .collect();
    Effective {
        principals,
        distinct: evaluations.len(),
        universe,
    }
}

/// Condition clauses as text: `key Operator value|value and …`.
pub fn clauses_text(c: &[ConditionClause]) -> String {
    c.iter()
        .map(|c| {
            if c.values.is_empty() {
                format!("{} {}", c.key, c.operator)
            } else {
                format!("{} {} {}", c.key, c.operator, c.values.join("|"))
            }
        })
        .collect::<Vec<_>>()
        .join(" and ")
}

/// A clause that stands for what is undecided besides the condition (an unresolved part,
/// an unknown variable): its operator is no IAM operator, so it evaluates as unknown.
fn pseudo_clause(what: &str, text: &str) -> ConditionClause {
    ConditionClause {
        operator: what.to_owned(),
        key: text.to_owned(),
        values: Vec::new(),
    }
}

fn layer_policies(l: &Layers) -> impl Iterator<Item = PolicyId> + '_ {
    l.identity
        .iter()
        .map(|(id, _)| *id)
        .chain(l.boundary.iter().flatten().copied())
        .chain(
            l.scps
                .iter()
                .chain(&l.rcps)
                .flat_map(|(_, v)| v.iter().copied()),
        )
}

#[expect(
    clippy::too_many_arguments,
    reason = "the evaluation state of one principal"
)]
fn live_statements(
    snapshot: &Snapshot,
    compiled: &CompiledSnapshot,
    id: PolicyId,
    via: &Via,
    ctx: &RequestContext,
    mut allows: Option<&mut Vec<Rule>>,
    denies: &mut Vec<Rule>,
    review: &mut Vec<Review>,
) {
    let Some(policy) = snapshot.policy(id) else {
        return;
    };
    for (s, c) in policy
        .document
        .statements
        .iter()
        .zip(compiled.statements(id))
    {
        // allows not asked for (an RCP level's: RCPs act by their denies) are skipped,
        // but for the review of their unresolved parts
        if allows.is_none() && s.effect == Effect::Allow && s.unresolved.is_empty() {
            continue;
        }
        let mut tri = condition::evaluate(&s.condition, ctx);
        if !s.unresolved.is_empty() {
            review.push(Review::UnresolvedStatement {
                policy: s.origin.policy.to_string(),
                statement: s.origin.statement.to_string(),
                file: s.origin.file.to_string(),
                unresolved: s.unresolved.clone(),
            });
            if tri == Tri::True {
                tri = Tri::Unknown;
            }
        }
        if tri == Tri::False {
            continue;
        }
        let (scope, unknown_variables) = match &c.scope {
            Some(sc) => (sc.clone(), Vec::new()),
            None => match scope::scope_for(&s.resource, ctx) {
                ScopeFor::Scope(sc) => (sc, Vec::new()),
                ScopeFor::Nothing => continue,
                ScopeFor::Unknown { scope, variables } => (scope, variables),
            },
        };
        let resource_unknown = !unknown_variables.is_empty();
        let tri = if resource_unknown { Tri::Unknown } else { tri };
        let mut clauses = Vec::new();
        if tri == Tri::Unknown {
            // condition values are sets: one spelling for equal conditions
            clauses = condition::normalized(&s.condition);
            clauses.extend(
                s.unresolved
                    .iter()
                    .map(|u| pseudo_clause("(unresolved)", u)),
            );
            // a deny's undecided resource must stay visible in the exceptions it makes
            if s.effect == Effect::Deny {
                clauses.extend(
                    unknown_variables
                        .iter()
                        .map(|v| pseudo_clause("(unknown variable)", &format!("${{{v}}}"))),
                );
            }
        }
        let live = Rule {
            actions: c.actions.clone(),
            scope,
            tri,
            resource_unknown,
            clauses,
            unknown_variables,
            source: s.origin.clone(),
            via: via.clone(),
        };
        match (s.effect, allows.as_mut()) {
            (Effect::Allow, Some(allows)) => allows.push(live),
            (Effect::Allow, None) => {}
            (Effect::Deny, _) => denies.push(live),
        }
    }
}

#[expect(
    clippy::too_many_arguments,
    reason = "the evaluation state of one principal, and what a run shares"
)]
fn evaluate(
    snapshot: &Snapshot,
    compiled: &CompiledSnapshot,
    universe: usize,
    principal: &Principal,
    layers: &Layers,
    base: &RequestContext,
    always: Option<ActionId>,
    counted: &CountMemo,
    unowned: &super::resources::Unowned,
    (resource_index, rules): (
        &super::resources::ResourceIndex,
        Option<super::resources::ResourceRules>,
    ),
) -> Evaluation {
    let ctx = principal_context(base, principal);
    let mut allows = Vec::new();
    let mut denies = Vec::new();
    let mut review = Vec::new();
    // the principal's resource rules, when its key did not work them out already
    let res = rules.unwrap_or_else(|| {
        super::resources::for_principal(snapshot, compiled, resource_index, principal, &ctx)
    });
    denies.extend(res.denies.iter().cloned());
    for (id, via) in &layers.identity {
        live_statements(
            snapshot,
            compiled,
            *id,
            via,
            &ctx,
            Some(&mut allows),
            &mut denies,
            &mut review,
        );
    }
    // Each limiting level: its allow statements (its denies join the global denies).
    let mut levels: Vec<(Via, Vec<Rule>)> = Vec::new();
    if let Some(Some(b)) = layers.boundary {
        let mut a = Vec::new();
        live_statements(
            snapshot,
            compiled,
            b,
            &Via::Boundary,
            &ctx,
            Some(&mut a),
            &mut denies,
            &mut review,
        );
        levels.push((Via::Boundary, a));
    }
    for (name, ids) in &layers.scps {
        let via = Via::Scp(name.clone());
        let mut a = Vec::new();
        for id in ids {
            live_statements(
                snapshot,
                compiled,
                *id,
                &via,
                &ctx,
                Some(&mut a),
                &mut denies,
                &mut review,
            );
        }
        levels.push((via, a));
    }
    // RCPs (issue 8): an RCP level allows every action (`RCPFullAWSAccess` is attached
    // to every root, OU and account and cannot be detached: AWS Organizations User Guide,
    // "Resource control policies"), so RCPs act by their denies, only on the services
    // RCPs govern, and over the resources of the accounts under the level, whoever asks
    let own = principal.account.as_deref();
    let mut rcp_denies: Vec<super::resources::RcpDeny> = Vec::new();
    if layers.rcp_bound {
        let (governed, _) = compiled.rcp_sets();
        for level in snapshot.rcp_reach() {
            // most levels hold `RCPFullAWSAccess` only: nothing to work out
            let bears = level.policies.iter().any(|id| {
                snapshot.policy(*id).is_some_and(|p| {
                    p.document
                        .statements
                        .iter()
                        .any(|s| s.effect == Effect::Deny || !s.unresolved.is_empty())
                })
            });
            if !bears {
                continue;
            }
            let via = Via::Rcp(level.name.clone());
            let mut d = Vec::new();
            for id in &level.policies {
                live_statements(
                    snapshot,
                    compiled,
                    *id,
                    &via,
                    &ctx,
                    None,
                    &mut d,
                    &mut review,
                );
            }
            rcp_denies.extend(d.into_iter().filter_map(|mut r| {
                let (inside, _) = split(&r.actions, governed, universe)?;
                r.actions = inside;
                Some(super::resources::RcpDeny {
                    rule: r,
                    accounts: level.accounts.clone(),
                })
            }));
        }
    }
    // what identity grants meet of them: the deny narrowed to its accounts' ARNs
    let identity_rcp: Vec<Rule> = rcp_denies
        .iter()
        .filter_map(|d| {
            let scope = restricted(&d.rule.scope, &d.accounts, d.bounds(own))?;
            let mut r = d.rule.clone();
            r.scope = scope;
            Some(r)
        })
        .collect();

    let mut grants: Vec<Grant> = Vec::new();
    let mut denied: Vec<Denied> = Vec::new();
    for a in &allows {
        let mut pieces = vec![Grant {
            conditions: cond_note(a),
            actions: a.actions.clone(),
            scope: a.scope.clone(),
            limits: Vec::new(),
            exceptions: Vec::new(),
            unknown_variables: a.unknown_variables.clone(),
            source: a.source.clone(),
            via: a.via.clone(),
        }];
        for (via, level) in &levels {
            pieces = pieces
                .into_iter()
                .flat_map(|g| limit(g, via, level, universe))
                .collect();
        }
        for d in denies.iter().chain(&identity_rcp) {
            pieces = pieces
                .into_iter()
                .flat_map(|g| subtract(g, d, universe, &mut denied))
                .collect();
        }
        if let Some(gated) = &res.gated {
            let index = res.gated_index.as_deref();
            pieces = pieces
                .into_iter()
                .filter_map(|g| gate(g, gated, index))
                .collect();
        }
        grants.extend(pieces.into_iter().filter(|g| !g.actions.is_empty()));
    }
    // resource grants: resource-specific pieces with the resource statement as source,
    // bounded by the RCPs of the resource's owner
    for (a, needs_identity) in &res.allows {
        let mut pieces = vec![Grant {
            conditions: cond_note(a),
            actions: a.actions.clone(),
            scope: a.scope.clone(),
            limits: Vec::new(),
            exceptions: Vec::new(),
            unknown_variables: a.unknown_variables.clone(),
            source: a.source.clone(),
            via: a.via.clone(),
        }];
        if *needs_identity {
            pieces = pieces
                .into_iter()
                .flat_map(|g| limit(g, &Via::Identity, &allows, universe))
                .map(|g| name_identity(g, &allows, universe))
                .collect();
        }
        for (via, level) in &levels {
            pieces = pieces
                .into_iter()
                .flat_map(|g| limit(g, via, level, universe))
                .collect();
        }
        let owner = match &a.via {
            Via::Resource(arn) => super::resources::owner(arn, unowned, own),
            _ => own,
        };
        let rcp = rcp_denies
            .iter()
            .filter(|d| d.bounds(owner))
            .map(|d| &d.rule);
        for d in denies.iter().chain(rcp) {
            pieces = pieces
                .into_iter()
                .flat_map(|g| subtract(g, d, universe, &mut denied))
                .collect();
        }
        grants.extend(pieces.into_iter().filter(|g| !g.actions.is_empty()));
    }

    for u in &layers.unresolved {
        review.push(match u.via {
            Via::Boundary => Review::UnresolvedBoundary { policy: u.clone() },
            _ => Review::UnresolvedPolicy { policy: u.clone() },
        });
    }
    review.sort();
    review.dedup();
    if let Some(id) = always {
        // AWS allows it whatever the policies say, so no deny, boundary or SCP narrows
        // it: one grant on every resource, from AWS itself
        grants.push(always_grant(id));
    }
    let counts = counted.count(&grants, universe);
    // kept for the whole run, tens of thousands of them: without the growth's spare room
    // (a GCP organization's evaluations held a third more memory than their grants and
    // statements), which the next evaluation on this thread then reuses
    grants.shrink_to_fit();
    allows.shrink_to_fit();
    denies.shrink_to_fit();
    Evaluation {
        grants,
        review,
        counts,
        denied,
        rules: Arc::new(Rules {
            allows,
            denies,
            levels,
            unresolved_identity: layers.unresolved.iter().any(|u| u.via != Via::Boundary),
            unresolved_boundary: matches!(layers.boundary, Some(None)),
            always,
            resource_allows: res.allows,
            gated: res.gated,
            unowned: (!rcp_denies.is_empty()).then(|| unowned.clone()),
            rcp_denies,
            own_account: own.map(str::to_owned),
        }),
        sessions: Vec::new(),
    }
}

/// Takes the gated resources (another account's, KMS keys) out of an identity grant:
/// there the identity allow alone does not count. `None` when nothing is left.
fn gate(
    mut g: Grant,
    gated: &Arc<ResourceScope>,
    index: Option<&super::resources::OverlapIndex>,
) -> Option<Grant> {
    if !super::resources::scope_meets_indexed(&g.scope, gated, index) {
        return Some(g);
    }
    if gated.covers(&g.scope) {
        return None;
    }
    g.exceptions.push(Exception {
        scope: gated.clone(),
        conditions: Vec::new(),
        source: gate_origin(),
        via: Via::Identity,
    });
    Some(g)
}

/// Where the rule "identity allows alone do not reach these resources" comes from.
fn gate_origin() -> Arc<Origin> {
    static ORIGIN: std::sync::LazyLock<Arc<Origin>> = std::sync::LazyLock::new(|| {
        Arc::new(Origin {
            file: Arc::from("(AWS)"),
            policy: Arc::from(
                "AWS: another account's resource, or a KMS key, needs its resource policy to allow",
            ),
            policy_arn: None,
            version: None,
            kind: crate::model::PolicyKind::Resource,
            statement: crate::model::StatementRef::Sid("ResourcePolicyRequired".to_owned()),
            pointer: None,
        })
    });
    ORIGIN.clone()
}

/// Names the identity statements a resource grant also needs (as a limit of the
/// identity layer), when [`limit`] did not already.
fn name_identity(mut g: Grant, allows: &[Rule], universe: usize) -> Grant {
    if g.limits.iter().any(|l| l.via == Via::Identity) {
        return g;
    }
    let sources: Vec<Arc<Origin>> = allows
        .iter()
        .filter(|a| {
            a.actions.intersects(&g.actions, universe)
                && super::resources::scope_meets(&a.scope, &g.scope)
        })
        .map(|a| a.source.clone())
        .collect();
    g.limits.push(Limit {
        via: Via::Identity,
        scopes: vec![g.scope.clone()],
        sources,
    });
    g
}

/// The grant of [`ALWAYS_ALLOWED`]: on every resource, from AWS itself.
fn always_grant(id: ActionId) -> Grant {
    Grant {
        actions: always_match(id),
        scope: Arc::new(ResourceScope::Any),
        limits: Vec::new(),
        exceptions: Vec::new(),
        conditions: Vec::new(),
        unknown_variables: Vec::new(),
        source: always_allowed_origin(),
        via: Via::Direct,
    }
}

/// The action set holding only [`ALWAYS_ALLOWED`], shared by every evaluation.
fn always_match(id: ActionId) -> Arc<ActionMatch> {
    static ALWAYS: std::sync::OnceLock<Arc<ActionMatch>> = std::sync::OnceLock::new();
    ALWAYS
        .get_or_init(|| {
            Arc::new(ActionMatch {
                ids: super::idset::IdSet::from_ids(vec![id]),
                unknown: Vec::new(),
                covers_uncataloged: false,
            })
        })
        .clone()
}

fn cond_note(l: &Rule) -> Vec<CondNote> {
    if l.tri == Tri::Unknown && !l.clauses.is_empty() {
        vec![CondNote {
            clauses: l.clauses.clone(),
            source: l.source.clone(),
            via: l.via.clone(),
        }]
    } else {
        Vec::new()
    }
}

/// Splits a grant by which of a level's allow statements cover its actions; actions no
/// statement covers are dropped (the level does not allow them).
fn limit(grant: Grant, via: &Via, level: &[Rule], universe: usize) -> Vec<Grant> {
    // (actions, indices of covering statements)
    let mut parts: Vec<(Arc<ActionMatch>, Vec<usize>)> = vec![(grant.actions.clone(), Vec::new())];
    for (i, s) in level.iter().enumerate() {
        let mut next = Vec::with_capacity(parts.len() + 1);
        for (acts, sig) in parts {
            let Some((inside, outside)) = split(&acts, &s.actions, universe) else {
                next.push((acts, sig));
                continue;
            };
            let mut with = sig.clone();
            with.push(i);
            match outside {
                None => next.push((acts, with)),
                Some(outside) => {
                    next.push((inside, with));
                    next.push((outside, sig));
                }
            }
        }
        parts = next;
    }
    let mut out = Vec::new();
    for (acts, sig) in parts {
        if sig.is_empty() {
            continue;
        }
        let covering: Vec<&Rule> = sig.iter().filter_map(|&i| level.get(i)).collect();
        let mut g = Grant {
            actions: acts,
            ..grant.clone()
        };
        let decided = covering
            .iter()
            .any(|s| s.tri == Tri::True && s.scope.covers(&g.scope));
        if !decided {
            // an undecided statement may be what allows part of the grant: conditional
            if covering.iter().any(|s| s.tri == Tri::Unknown) {
                g.conditions
                    .extend(covering.iter().flat_map(|s| cond_note(s)));
                g.unknown_variables
                    .extend(covering.iter().flat_map(|s| s.unknown_variables.clone()));
            }
            if !covering.iter().any(|s| s.scope.covers(&g.scope)) {
                g.limits.push(Limit {
                    via: via.clone(),
                    scopes: covering.iter().map(|s| s.scope.clone()).collect(),
                    sources: covering.iter().map(|s| s.source.clone()).collect(),
                });
            }
        }
        out.push(g);
    }
    out
}

/// Applies one deny to a grant: actions it covers on every resource of the grant are
/// removed when the deny certainly applies, and otherwise carry an exception.
fn subtract(grant: Grant, deny: &Rule, universe: usize, denied: &mut Vec<Denied>) -> Vec<Grant> {
    let Some((inside, outside)) = split(&grant.actions, &deny.actions, universe) else {
        return vec![grant];
    };
    let mut out = Vec::with_capacity(2);
    if let Some(outside) = &outside {
        out.push(Grant {
            actions: outside.clone(),
            ..grant.clone()
        });
    }
    let certain = deny.tri == Tri::True;
    if certain && deny.scope.covers(&grant.scope) {
        // denied everywhere the grant applies; remember who did it
        denied.push(Denied {
            actions: inside,
            allow: grant.source.clone(),
            allow_via: grant.via.clone(),
            deny: deny.source.clone(),
            deny_via: deny.via.clone(),
        });
        return out;
    }
    let actions = if out.is_empty() {
        grant.actions.clone()
    } else {
        inside
    };
    let mut g = Grant { actions, ..grant };
    g.exceptions.push(Exception {
        scope: deny.scope.clone(),
        conditions: if certain {
            Vec::new()
        } else {
            deny.clauses.clone()
        },
        source: deny.source.clone(),
        via: deny.via.clone(),
    });
    if !deny.unknown_variables.is_empty() {
        g.unknown_variables
            .extend(deny.unknown_variables.iter().cloned());
    }
    out.push(g);
    out
}

impl Evaluation {
    /// The evaluation of a principal with no policy at all: what AWS allows anyway.
    pub fn nothing(catalog: &Catalog) -> Evaluation {
        let always = catalog.lookup(ALWAYS_ALLOWED);
        let grants: Vec<Grant> = always.map(always_grant).into_iter().collect();
        let universe = catalog.actions().len();
        Evaluation {
            counts: count_actions(grants.iter().map(|g| (g, &*g.actions)), universe),
            grants,
            review: Vec::new(),
            denied: Vec::new(),
            rules: Arc::new(Rules {
                always,
                ..Rules::default()
            }),
            sessions: Vec::new(),
        }
    }

    /// How a catalog action is held: `Allowed` when some unconditional grant has it (on
    /// some resources), `Conditional` when only conditional ones do, `None` when none.
    pub fn status_of(&self, id: crate::catalog::ActionId) -> Option<Status> {
        let mut best = None;
        for g in self.grants.iter().filter(|g| g.actions.ids.contains(id)) {
            match g.status() {
                Status::Allowed => return Some(Status::Allowed),
                Status::Conditional => best = Some(Status::Conditional),
            }
        }
        best
    }

    /// The grants that hold a catalog action.
    pub fn grants_for(&self, id: crate::catalog::ActionId) -> impl Iterator<Item = &Grant> {
        self.grants
            .iter()
            .filter(move |g| g.actions.ids.contains(id))
    }
}

#[cfg(test)]
mod tests;

type SplitResult = Option<(Arc<ActionMatch>, Option<Arc<ActionMatch>>)>;
/// Inputs (kept alive) and result of one split.
type SplitEntry = (Arc<ActionMatch>, Arc<ActionMatch>, SplitResult);

thread_local! {
    /// Splits already computed on this thread, keyed by the two sets' addresses. The
    /// same statements meet again and again across principals; reusing the result saves
    /// the set algebra and makes equal pieces share one allocation (which keeps the
    /// report's deduplication cheap). The inputs are kept alive in the entry, so an
    /// address cannot be reused by another set while its entry exists.
    static SPLITS: std::cell::RefCell<FxHashMap<(usize, usize), SplitEntry>>
        = std::cell::RefCell::new(FxHashMap::default());
}

/// Inputs (kept alive) and result of one [`super::resources::restrict`].
type RestrictEntry = (
    Arc<ResourceScope>,
    Arc<[String]>,
    Option<Arc<ResourceScope>>,
);

thread_local! {
    /// RCP deny scopes already narrowed to their accounts on this thread, keyed by the
    /// scope's and the account list's addresses and whether the principal's account is
    /// among them: every principal of an organization meets the same few RCP denies,
    /// each narrowed to hundreds of account patterns (issue 8 figure). The inputs are
    /// kept alive in the entry, so an address cannot be reused while it exists.
    static RESTRICTED: std::cell::RefCell<FxHashMap<(usize, usize, bool), RestrictEntry>>
        = std::cell::RefCell::new(FxHashMap::default());
}

/// [`super::resources::restrict`], computed once per deny scope, account list and
/// ownership on each thread, and shared.
fn restricted(
    scope: &Arc<ResourceScope>,
    accounts: &Arc<[String]>,
    own: bool,
) -> Option<Arc<ResourceScope>> {
    let key = (
        Arc::as_ptr(scope) as usize,
        Arc::as_ptr(accounts).cast::<String>() as usize,
        own,
    );
    if let Some(hit) = RESTRICTED.with(|c| c.borrow().get(&key).map(|e| e.2.clone())) {
        return hit;
    }
    let result = super::resources::restrict(scope, accounts, own).map(Arc::new);
    RESTRICTED.with(|c| {
        c.borrow_mut()
            .insert(key, (scope.clone(), accounts.clone(), result.clone()));
    });
    result
}

/// `a ∩ b` and `a − b`: `None` when they do not meet; the second part `None` when `a ⊆ b`.
fn split(a: &Arc<ActionMatch>, b: &Arc<ActionMatch>, universe: usize) -> SplitResult {
    let key = (Arc::as_ptr(a) as usize, Arc::as_ptr(b) as usize);
    if let Some(hit) = SPLITS.with(|c| c.borrow().get(&key).map(|e| e.2.clone())) {
        return hit;
    }
    let result = if a.intersects(b, universe) {
        let outside = a.minus(b);
        if outside.is_empty() {
            Some((a.clone(), None))
        } else {
            Some((Arc::new(a.intersect(b)), Some(Arc::new(outside))))
        }
    } else {
        None
    };
    SPLITS.with(|c| {
        c.borrow_mut()
            .insert(key, (a.clone(), b.clone(), result.clone()));
    });
    result
}
