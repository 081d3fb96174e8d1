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

use super::actions::ActionMatch;
use super::compile::CompiledSnapshot;
use super::condition::{self, Tri};
use super::context::RequestContext;
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

/// The evaluation shared by principals with the same policies.
#[derive(Debug, Clone, Default)]
pub struct Evaluation {
    pub grants: Vec<Grant>,
    pub review: Vec<Review>,
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
}

/// Computes every principal's effective permissions.
pub fn effective(snapshot: &Snapshot, catalog: &Catalog, options: &EvalOptions) -> Effective {
    let compiled = CompiledSnapshot::compile(snapshot, catalog);
    effective_compiled(snapshot, catalog, &compiled, options)
}

pub fn effective_compiled(
    snapshot: &Snapshot,
    catalog: &Catalog,
    compiled: &CompiledSnapshot,
    options: &EvalOptions,
) -> Effective {
    let mut index: FxHashMap<Key, usize> = FxHashMap::default();
    let mut reps: Vec<(usize, Layers)> = Vec::new();
    let mut of_principal = Vec::with_capacity(snapshot.principals.len());
    for (i, p) in snapshot.principals.iter().enumerate() {
        let layers = Layers::of(snapshot, p);
        let specific = layer_policies(&layers)
            .any(|id| compiled.statements(id).iter().any(|c| c.principal_specific));
        let key = Key {
            layers,
            principal: specific.then_some(i),
        };
        let n = index.len();
        let k = *index.entry(key).or_insert_with_key(|k| {
            reps.push((i, k.layers.clone()));
            n
        });
        of_principal.push(k);
    }
    let universe = catalog.actions().len();
    let evaluations: Vec<Arc<Evaluation>> = reps
        .par_iter()
        .map(|(i, layers)| {
            let p = snapshot.principals.get(*i);
            Arc::new(match p {
                Some(p) => evaluate(snapshot, compiled, universe, p, layers, &options.context),
                None => Evaluation::default(),
            })
        })
        .collect();
    let principals = of_principal
        .into_iter()
        .enumerate()
        .map(|(principal, k)| PrincipalPermissions {
            principal,
            evaluation: evaluations.get(k).cloned().unwrap_or_default(),
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
        .map(|c| format!("{} {} {}", c.key, c.operator, c.values.join("|")))
        .collect::<Vec<_>>()
        .join(" and ")
}

fn layer_policies(l: &Layers) -> impl Iterator<Item = PolicyId> + '_ {
    l.identity
        .iter()
        .map(|(id, _)| *id)
        .chain(l.boundary.iter().flatten().copied())
        .chain(l.scps.iter().flat_map(|(_, v)| v.iter().copied()))
}

/// A statement with its condition and scope decided for this principal.
struct Live {
    actions: Arc<ActionMatch>,
    scope: Arc<ResourceScope>,
    /// `Unknown` when the condition or a variable is undecided.
    tri: Tri,
    clauses: Vec<ConditionClause>,
    unknown_variables: Vec<String>,
    source: Arc<Origin>,
    via: Via,
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
    allows: &mut Vec<Live>,
    denies: &mut Vec<Live>,
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
        let tri = if unknown_variables.is_empty() {
            tri
        } else {
            Tri::Unknown
        };
        let live = Live {
            actions: c.actions.clone(),
            scope,
            tri,
            clauses: if tri == Tri::Unknown {
                s.condition.clone()
            } else {
                Vec::new()
            },
            unknown_variables,
            source: s.origin.clone(),
            via: via.clone(),
        };
        match s.effect {
            Effect::Allow => allows.push(live),
            Effect::Deny => denies.push(live),
        }
    }
}

fn evaluate(
    snapshot: &Snapshot,
    compiled: &CompiledSnapshot,
    universe: usize,
    principal: &Principal,
    layers: &Layers,
    base: &RequestContext,
) -> Evaluation {
    let ctx = principal_context(base, principal);
    let mut allows = Vec::new();
    let mut denies = Vec::new();
    let mut review = Vec::new();
    for (id, via) in &layers.identity {
        live_statements(
            snapshot,
            compiled,
            *id,
            via,
            &ctx,
            &mut allows,
            &mut denies,
            &mut review,
        );
    }
    // Each limiting level: its allow statements (its denies join the global denies).
    let mut levels: Vec<(Via, Vec<Live>)> = Vec::new();
    if let Some(Some(b)) = layers.boundary {
        let mut a = Vec::new();
        live_statements(
            snapshot,
            compiled,
            b,
            &Via::Boundary,
            &ctx,
            &mut a,
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
                &mut a,
                &mut denies,
                &mut review,
            );
        }
        levels.push((via, a));
    }

    let mut grants: Vec<Grant> = Vec::new();
    for a in allows {
        let mut pieces = vec![Grant {
            conditions: cond_note(&a),
            actions: a.actions,
            scope: a.scope,
            limits: Vec::new(),
            exceptions: Vec::new(),
            unknown_variables: a.unknown_variables,
            source: a.source,
            via: a.via,
        }];
        for (via, level) in &levels {
            pieces = pieces
                .into_iter()
                .flat_map(|g| limit(g, via, level, universe))
                .collect();
        }
        for d in &denies {
            pieces = pieces
                .into_iter()
                .flat_map(|g| subtract(g, d, universe))
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
    Evaluation { grants, review }
}

fn cond_note(l: &Live) -> Vec<CondNote> {
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
fn limit(grant: Grant, via: &Via, level: &[Live], universe: usize) -> Vec<Grant> {
    // (actions, indices of covering statements)
    let mut parts: Vec<(Arc<ActionMatch>, Vec<usize>)> = vec![(grant.actions.clone(), Vec::new())];
    for (i, s) in level.iter().enumerate() {
        let mut next = Vec::with_capacity(parts.len() + 1);
        for (acts, sig) in parts {
            if !acts.intersects(&s.actions, universe) {
                next.push((acts, sig));
                continue;
            }
            let inside = acts.intersect(&s.actions);
            let outside = acts.minus(&s.actions);
            let mut with = sig.clone();
            with.push(i);
            if outside.is_empty() {
                next.push((acts, with));
            } else {
                next.push((Arc::new(inside), with));
                next.push((Arc::new(outside), sig));
            }
        }
        parts = next;
    }
    let mut out = Vec::new();
    for (acts, sig) in parts {
        if sig.is_empty() {
            continue;
        }
        let covering: Vec<&Live> = sig.iter().filter_map(|&i| level.get(i)).collect();
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
fn subtract(grant: Grant, deny: &Live, universe: usize) -> Vec<Grant> {
    if !grant.actions.intersects(&deny.actions, universe) {
        return vec![grant];
    }
    let inside = grant.actions.intersect(&deny.actions);
    let outside = grant.actions.minus(&deny.actions);
    let mut out = Vec::with_capacity(2);
    if !outside.is_empty() {
        out.push(Grant {
            actions: Arc::new(outside),
            ..grant.clone()
        });
    }
    let certain = deny.tri == Tri::True;
    if certain && deny.scope.covers(&grant.scope) {
        return out; // denied everywhere the grant applies
    }
    let actions = if out.is_empty() {
        grant.actions.clone()
    } else {
        Arc::new(inside)
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
