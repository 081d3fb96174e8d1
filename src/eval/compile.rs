//! Statements compiled once per snapshot, in parallel: each statement's action clause
//! expanded against the catalog (identical clauses expanded once) and, where it has no
//! policy variables, its resource scope. Everything per-principal starts from here.

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::sync::Arc;

use crate::catalog::Catalog;
use crate::model::{ActionClause, ConditionClause, PolicyId, Snapshot, Statement};

use super::actions::{self, ActionMatch};
use super::scope::{self, ResourceScope};
use super::variables;

/// One statement, ready for evaluation.
#[derive(Debug, Clone)]
pub struct Compiled {
    pub actions: Arc<ActionMatch>,
    /// `None` when the resource element has policy variables (resolved per principal).
    pub scope: Option<Arc<ResourceScope>>,
    /// Its outcome depends on who the principal is (variables, `aws:Principal*` keys).
    pub principal_specific: bool,
}

/// The compiled statements of every policy of a snapshot, indexed like the snapshot.
#[derive(Debug, Default)]
pub struct CompiledSnapshot {
    policies: Vec<Vec<Compiled>>,
    /// The actions RCPs govern (those of [`RCP_SERVICES`]), and every action.
    rcp_governed: Arc<ActionMatch>,
    every_action: Arc<ActionMatch>,
}

/// The services whose resources RCPs apply to (AWS Organizations User Guide, "Resource
/// control policies": the list of supported services).
pub const RCP_SERVICES: &[&str] = &["s3:*", "sts:*", "kms:*", "sqs:*", "secretsmanager:*"];

impl CompiledSnapshot {
    pub fn statements(&self, id: PolicyId) -> &[Compiled] {
        self.policies
            .get(id.0 as usize)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// The actions an RCP can deny, and every action (what each RCP level allows).
    pub fn rcp_sets(&self) -> (&Arc<ActionMatch>, &Arc<ActionMatch>) {
        (&self.rcp_governed, &self.every_action)
    }

    pub fn compile(snapshot: &Snapshot, catalog: &Catalog) -> CompiledSnapshot {
        Self::compile_for(snapshot, catalog, None)
    }

    /// Compiles the policies the selected principals use (all when `selected` is `None`);
    /// the others are left empty.
    pub fn compile_for(
        snapshot: &Snapshot,
        catalog: &Catalog,
        selected: Option<&[bool]>,
    ) -> CompiledSnapshot {
        let needed: Option<Vec<bool>> = selected.map(|sel| {
            let mut need = vec![false; snapshot.policies.len()];
            let mut mark = |id: PolicyId| {
                if let Some(n) = need.get_mut(id.0 as usize) {
                    *n = true;
                }
            };
            for (i, p) in snapshot.principals.iter().enumerate() {
                if !sel.get(i).copied().unwrap_or(true) {
                    continue;
                }
                let layers = super::layers::Layers::of(snapshot, p);
                layers.identity.iter().for_each(|(id, _)| mark(*id));
                layers.boundary.iter().flatten().for_each(|id| mark(*id));
                layers
                    .scps
                    .iter()
                    .chain(&layers.rcps)
                    .flat_map(|(_, v)| v.iter())
                    .for_each(|id| mark(*id));
            }
            // resource policies may bear on any principal, and so may every RCP level
            for r in &snapshot.resources {
                mark(r.policy);
            }
            for level in snapshot.rcp_reach() {
                level.policies.iter().for_each(|id| mark(*id));
            }
            need
        });
        let wanted = |i: usize| {
            needed
                .as_ref()
                .is_none_or(|n| n.get(i).copied().unwrap_or(false))
        };
        // Expand each distinct action clause once: real accounts repeat them a lot.
        let mut distinct: FxHashMap<&ActionClause, usize> = FxHashMap::default();
        let mut clauses: Vec<&ActionClause> = Vec::new();
        for (i, p) in snapshot.policies.iter().enumerate() {
            if !wanted(i) {
                continue;
            }
            for s in &p.document.statements {
                distinct.entry(&s.action).or_insert_with(|| {
                    clauses.push(&s.action);
                    clauses.len() - 1
                });
            }
        }
        let expanded: Vec<Arc<ActionMatch>> = clauses
            .par_iter()
            .map(|c| Arc::new(actions::expand_clause(catalog, c)))
            .collect();
        let policies = snapshot
            .policies
            .par_iter()
            .enumerate()
            .map(|(i, p)| {
                if !wanted(i) {
                    return Vec::new();
                }
                let vars = variables_enabled(&p.document);
                p.document
                    .statements
                    .iter()
                    .map(|s| Compiled {
                        actions: distinct
                            .get(&s.action)
                            .and_then(|&i| expanded.get(i))
                            .cloned()
                            .unwrap_or_default(),
                        scope: (!vars || !scope::clause_has_variables(&s.resource))
                            .then(|| super::intern::scope(scope::static_scope(&s.resource))),
                        principal_specific: is_principal_specific(s, vars),
                    })
                    .collect()
            })
            .collect();
        let governed = actions::expand_clause(
            catalog,
            &ActionClause::Action(RCP_SERVICES.iter().map(|s| (*s).to_owned()).collect()),
        );
        let all = actions::expand_clause(catalog, &ActionClause::Action(vec!["*".to_owned()]));
        CompiledSnapshot {
            policies,
            every_action: Arc::new(all),
            rcp_governed: Arc::new(governed),
        }
    }
}

/// Condition keys whose value is a fact about the principal, known offline.
pub fn is_principal_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k == "aws:username"
        || k == "aws:userid"
        || k.starts_with("aws:principal")
        || k.starts_with("iam:resourcetag")
}

/// Policy variables exist only in documents of language version `2012-10-17`; in older
/// (or version-less) documents `${aws:username}` is literal text (IAM User Guide, "IAM
/// policy elements: Version").
pub fn variables_enabled(doc: &crate::model::PolicyDocument) -> bool {
    doc.version.as_deref() == Some("2012-10-17")
}

/// Whether a statement's outcome depends on who the principal is (policy variables,
/// `aws:Principal*` keys); `vars`: the document has policy variables at all.
pub fn is_principal_specific(s: &Statement, vars: bool) -> bool {
    (vars && scope::clause_has_variables(&s.resource))
        || s.condition.iter().any(|c: &ConditionClause| {
            is_principal_key(&c.key) || c.values.iter().any(|v| variables::has_variables(v))
        })
}

impl Default for ActionMatch {
    fn default() -> Self {
        ActionMatch {
            ids: super::idset::IdSet::empty(),
            unknown: Vec::new(),
            covers_uncataloged: false,
        }
    }
}
