//! `iamdiff lint` (issue 11 item 2): grants that can never work and policies that say
//! less than they seem to, found in one side's inputs without evaluating anyone's access:
//! actions on resource types they do not take (the catalog's ARN formats), actions the
//! catalog does not know, statements shadowed by a deny or by another statement, limits
//! that allow nothing the identity policies grant, condition keys the actions never have,
//! account-wide trust, and references to principals or IAM resources that do not exist.
//!
//! Each finding names its rule ([`Rule`]), severity and place (file and JSON pointer; the
//! CLI adds line:column). AWS managed policies are not linted: they are AWS's documents,
//! and a snapshot holds hundreds of them. Statements with unresolved parts (a `!Ref`
//! without a value) are skipped: what they say is not known.

mod arn;
mod portal;
mod rules;

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;

use crate::catalog::{ActionId, Catalog};
use crate::model::{
    ActionClause, ConditionClause, Effect, Place, Policy, PolicyId, PolicyKind, PolicyRef,
    PortalOrigin, PrincipalClause, ResourceClause, Snapshot, Statement, StatementRef, WarningCode,
    suggest,
};

use super::actions::ActionMatch;
use super::idset::IdSet;
use super::scope::{clause_has_variables, static_scope};

use arn::Scratch;
pub use arn::may_match;
pub use rules::{Rule, Severity};

/// One finding of a lint rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LintFinding {
    pub code: &'static str,
    pub rule: &'static str,
    pub severity: Severity,
    /// Where: the file and the JSON pointer of the element at fault (the CLI fills in
    /// line and column).
    pub place: Place,
    /// The policy holding it (`AWS managed` never), with its kind.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy_kind: Option<PolicyKind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement: Option<StatementRef>,
    pub message: String,
    /// The closest known name, for unknown actions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<String>,
    /// The portal record the finding is about (issue 11 item 3).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub portal: Option<PortalOrigin>,
    #[serde(skip)]
    pub rule_id: Rule,
}

/// Lints one side. Findings come sorted by file, pointer, code and message.
pub fn lint(snap: &Snapshot, catalog: &Catalog) -> Vec<LintFinding> {
    lint_at(snap, catalog, None)
}

/// [`lint`] at a time (seconds since the epoch), which decides the portal records that
/// have expired (none without it).
///
/// Each policy's statements are walked once, every per-statement rule run on each, and
/// policies are linted in parallel (each chunk of them with its own pattern cache); the
/// findings are then gathered in policy order, so the output does not depend on the
/// threads.
pub fn lint_at(snap: &Snapshot, catalog: &Catalog, now: Option<i64>) -> Vec<LintFinding> {
    let linted: Vec<&Policy> = snap
        .policies
        .iter()
        .filter(|p| p.kind != PolicyKind::AwsManaged)
        .collect();
    // a few chunks per thread, each with one linter: its caches (expanded action
    // patterns, resource-pattern answers) serve the whole chunk, where `map_init` would
    // start a fresh linter for every piece rayon splits off
    let chunk = chunk_len(linted.len());
    // the whole-side rules (limits, dangling resources) run alongside the policies'
    let (per_chunk, side): (Vec<Vec<LintFinding>>, Vec<LintFinding>) = rayon::join(
        || {
            linted
                .par_chunks(chunk)
                .map(|policies| {
                    let mut l = Linter::new(snap, catalog);
                    for policy in policies {
                        l.policy(policy);
                    }
                    l.out
                })
                .collect()
        },
        || {
            let mut l = Linter::new(snap, catalog);
            if l.aws {
                l.limits();
                l.dangling_resources();
            }
            l.out
        },
    );
    let mut l = Linter::new(snap, catalog);
    l.out = per_chunk.concat();
    l.out.extend(side);
    for w in &snap.warnings {
        if w.code == WarningCode::DanglingPrincipal {
            l.out.push(finding(
                Rule::DanglingPrincipal,
                w.place.clone(),
                None,
                None,
                w.message.clone(),
            ));
        }
    }
    let mut out = l.out;
    portal::lint(snap, now, &mut out);
    out.sort_by(|a, b| {
        (&a.place.file, &a.place.pointer, a.code, &a.message).cmp(&(
            &b.place.file,
            &b.place.pointer,
            b.code,
            &b.message,
        ))
    });
    out.dedup();
    out
}

/// Lints only the given policies, with the per-statement and per-document rules (no
/// limits, no dangling references): what the diff needs to explain the findings of the
/// principals holding them without linting the whole side (issue 11 item 2). The findings
/// of each policy come in its own list, in the order of `policies`.
///
/// The policies are linted in chunks as [`lint_at`] lints them: an organization's
/// accounts repeat the same patterns in thousands of policies, and a linter's caches
/// answer them once per chunk, not once per policy.
pub fn lint_policies(
    snap: &Snapshot,
    catalog: &Catalog,
    policies: &[PolicyId],
) -> Vec<Vec<LintFinding>> {
    let chunk = chunk_len(policies.len());
    policies
        .par_chunks(chunk)
        .flat_map_iter(|ids| {
            let mut l = Linter::new(snap, catalog);
            ids.iter()
                .map(|id| {
                    if let Some(p) = snap.policy(*id)
                        && p.kind != PolicyKind::AwsManaged
                    {
                        l.policy(p);
                    }
                    std::mem::take(&mut l.out)
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// How many of `n` policies one linter takes: a few chunks per thread, each with its
/// own caches, where `map_init` would start a fresh linter for every piece rayon splits
/// off.
fn chunk_len(n: usize) -> usize {
    n.div_ceil(rayon::current_num_threads().max(1) * 4).max(64)
}

fn finding(
    rule: Rule,
    place: Place,
    policy: Option<&Policy>,
    statement: Option<&Statement>,
    message: String,
) -> LintFinding {
    LintFinding {
        code: rule.code(),
        rule: rule.name(),
        severity: rule.severity(),
        place,
        policy: policy.map(|p| p.name.to_string()),
        policy_kind: policy.map(|p| p.kind),
        statement: statement.map(|s| s.origin.statement.clone()),
        message,
        suggestion: None,
        portal: None,
        rule_id: rule,
    }
}

/// The place of a statement's element: its pointer followed by `suffix` tokens.
fn place_in(s: &Statement, suffix: &[&str]) -> Place {
    let mut pointer = s.origin.pointer.clone();
    if let Some(p) = &mut pointer {
        for t in suffix {
            p.push('/');
            p.push_str(&t.replace('~', "~0").replace('/', "~1"));
        }
    }
    Place {
        file: s.origin.file.clone(),
        line: None,
        column: None,
        pointer,
    }
}

/// A limit's policies, and its SCP level's name (`None`: a permissions boundary).
type Limit = (Vec<PolicyId>, Option<Arc<str>>);

struct Linter<'a> {
    snap: &'a Snapshot,
    catalog: &'a Catalog,
    aws: bool,
    /// Action pattern (as written) → the catalog actions it names.
    expanded: FxHashMap<Box<str>, Arc<[ActionId]>>,
    /// Policy → its allow statements' actions (for limits).
    allow_sets: FxHashMap<PolicyId, Arc<Vec<ActionMatch>>>,
    scratch: Scratch,
    out: Vec<LintFinding>,
}

impl<'a> Linter<'a> {
    fn new(snap: &'a Snapshot, catalog: &'a Catalog) -> Self {
        Linter {
            snap,
            catalog,
            aws: snap.gcp.is_none(),
            expanded: FxHashMap::default(),
            allow_sets: FxHashMap::default(),
            scratch: Scratch::default(),
            out: Vec::new(),
        }
    }

    fn expand(&mut self, pattern: &str) -> Arc<[ActionId]> {
        // keyed by the pattern as written (no lowercase copy per look-up): spellings
        // differing in case expand alike and get an entry each
        if let Some(v) = self.expanded.get(pattern) {
            return v.clone();
        }
        let v: Arc<[ActionId]> = super::actions::expand_pattern(self.catalog, pattern).into();
        self.expanded.insert(pattern.into(), v.clone());
        v
    }

    /// `expand_clause` with the pattern cache.
    fn clause(&mut self, clause: &ActionClause) -> ActionMatch {
        let (patterns, negated) = match clause {
            ActionClause::Action(p) => (p, false),
            ActionClause::NotAction(p) => (p, true),
        };
        let mut ids = Vec::new();
        let mut unknown = Vec::new();
        for p in patterns {
            let found = self.expand(p);
            if found.is_empty() {
                unknown.push(p.to_ascii_lowercase());
            }
            ids.extend_from_slice(&found);
        }
        let universe = self.catalog.actions().len();
        let set = IdSet::from_ids(ids).compact(universe);
        let mut named: Vec<String> = if negated {
            patterns.iter().map(|p| p.to_ascii_lowercase()).collect()
        } else {
            unknown
        };
        named.sort();
        named.dedup();
        ActionMatch {
            ids: if negated { set.complement() } else { set },
            unknown: named,
            covers_uncataloged: negated,
        }
    }

    fn policy(&mut self, policy: &Policy) {
        let stmts = &policy.document.statements;
        for s in stmts.iter().filter(|s| s.unresolved.is_empty()) {
            self.unknown_actions(policy, s);
            if self.aws {
                if policy.kind == PolicyKind::Trust {
                    self.trust(policy, s);
                } else {
                    self.resource_types(policy, s);
                }
                self.condition_keys(policy, s);
            }
        }
        if stmts.len() > 1 {
            self.shadowing(policy);
        }
    }

    // ---- L003 ----------------------------------------------------------------------

    fn unknown_actions(&mut self, policy: &Policy, s: &Statement) {
        let (patterns, key) = match &s.action {
            ActionClause::Action(p) => (p, "Action"),
            ActionClause::NotAction(p) => (p, "NotAction"),
        };
        for (i, p) in patterns.iter().enumerate() {
            if !self.expand(p).is_empty() {
                continue;
            }
            let (message, suggestion) = self.unknown_message(p);
            let idx = i.to_string();
            let place = if patterns.len() > 1 {
                place_in(s, &[key, &idx])
            } else {
                place_in(s, &[key])
            };
            let mut f = finding(Rule::UnknownAction, place, Some(policy), Some(s), message);
            f.suggestion = suggestion;
            self.out.push(f);
        }
    }

    fn unknown_message(&self, pattern: &str) -> (String, Option<String>) {
        let cat = self.catalog;
        let shown = if pattern.len() > 80 {
            format!("{}…", pattern.chars().take(80).collect::<String>())
        } else {
            pattern.to_owned()
        };
        let Some((svc, _)) = pattern.split_once(':') else {
            // GCP permissions and roles have no `service:` form
            return (format!("`{shown}` names no known action"), None);
        };
        match cat.service(svc) {
            None if !svc.contains(['*', '?']) => {
                let close = suggest::closest(svc, cat.services().iter().map(|s| s.prefix.as_str()))
                    .map(str::to_owned);
                let tail = close
                    .as_deref()
                    .map(|c| format!(", did you mean `{c}`?"))
                    .unwrap_or_default();
                (
                    format!("`{shown}`: the service prefix `{svc}` is not in the catalog{tail}"),
                    close.map(|c| format!("{c}:{}", pattern.split_once(':').map_or("", |x| x.1))),
                )
            }
            Some(service) if !pattern.contains(['*', '?']) => {
                let names = service.actions.clone().filter_map(|id| cat.lower_name(id));
                let close = suggest::closest(pattern, names)
                    .and_then(|n| cat.lookup(n))
                    .and_then(|id| cat.action(id))
                    .map(|a| a.full_name());
                let tail = close
                    .as_deref()
                    .map(|c| format!(", did you mean `{c}`?"))
                    .unwrap_or_default();
                (
                    format!(
                        "`{shown}` is not an action of `{}` in the catalog (a typo or a retired action){tail}",
                        service.prefix
                    ),
                    close,
                )
            }
            _ => (format!("`{shown}` matches no action in the catalog"), None),
        }
    }

    // ---- L001, L002 ----------------------------------------------------------------

    fn resource_types(&mut self, policy: &Policy, s: &Statement) {
        let (ActionClause::Action(actions), ResourceClause::Resource(resources)) =
            (&s.action, &s.resource)
        else {
            return;
        };
        let verb = match s.effect {
            Effect::Allow => "grants",
            Effect::Deny => "denies",
        };
        let cat = self.catalog;
        // L001: each literally named action against all the statement's resources
        let mut dead_actions = 0usize;
        let mut literal_actions = 0usize;
        // (resource index, format) → may match: the actions of one service share formats
        let mut fits: Vec<(usize, *const u8, bool)> = Vec::new();
        for (i, a) in actions.iter().enumerate() {
            if a.contains(['*', '?']) {
                continue;
            }
            let Some(action) = cat.lookup(a).and_then(|id| cat.action(id)) else {
                continue;
            };
            literal_actions += 1;
            let service = cat.service(&action.service);
            let formats: Vec<(&str, &str)> = action
                .resource_types
                .iter()
                .filter_map(|rt| {
                    service?
                        .resource_types
                        .iter()
                        .find(|t| t.name == rt.name)
                        .map(|t| (t.name.as_str(), t.arn.as_str()))
                })
                .collect();
            let scratch = &mut self.scratch;
            let live = resources
                .iter()
                .enumerate()
                .any(|(j, r)| fits_cached(scratch, &mut fits, j, r, &formats));
            if live {
                continue;
            }
            dead_actions += 1;
            let takes = if formats.is_empty() {
                "takes no resource type: only `\"Resource\": \"*\"` reaches it".to_owned()
            } else {
                format!(
                    "takes {}",
                    formats
                        .iter()
                        .map(|(n, f)| format!("`{n}` ({f})"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            let idx = i.to_string();
            let place = if actions.len() > 1 {
                place_in(s, &["Action", &idx])
            } else {
                place_in(s, &["Action"])
            };
            self.out.push(finding(
                Rule::ActionResourceMismatch,
                place,
                Some(policy),
                Some(s),
                format!(
                    "`{}` {}; no resource of this statement ({}) can match one, so the statement {verb} it nowhere",
                    action.full_name(),
                    takes,
                    quoted(resources)
                ),
            ));
        }
        // L002: each resource pattern against every action the statement names, when every
        // action pattern names its service (a `*` action is meant for any resource)
        if actions.iter().any(|a| {
            a.split_once(':')
                .is_none_or(|(svc, _)| svc.contains(['*', '?']))
        }) {
            return;
        }
        if literal_actions == actions.len() && dead_actions == literal_actions {
            // every action already has its L001
            return;
        }
        let mut ids: Vec<ActionId> = Vec::new();
        for a in actions {
            let found = self.expand(a);
            if found.is_empty() {
                // an action outside the catalog may take any resource
                return;
            }
            ids.extend_from_slice(&found);
        }
        ids.sort_unstable();
        ids.dedup();
        let mut formats: Vec<(&str, &str)> = Vec::new();
        let mut any_untyped = false;
        for id in ids {
            let Some(action) = cat.action(id) else {
                continue;
            };
            let Some(service) = cat.service(&action.service) else {
                continue;
            };
            if action.resource_types.is_empty() {
                any_untyped = true;
            }
            for rt in &action.resource_types {
                if let Some(t) = service.resource_types.iter().find(|t| t.name == rt.name) {
                    formats.push((t.name.as_str(), t.arn.as_str()));
                }
            }
        }
        formats.sort_unstable();
        formats.dedup();
        for (j, r) in resources.iter().enumerate() {
            if is_all(r) || !r.starts_with("arn:") && !r.starts_with("ARN:") {
                continue;
            }
            if pattern_fits(&mut self.scratch, r, &formats) || (any_untyped && is_all(r)) {
                continue;
            }
            let idx = j.to_string();
            let place = if resources.len() > 1 {
                place_in(s, &["Resource", &idx])
            } else {
                place_in(s, &["Resource"])
            };
            self.out.push(finding(
                Rule::DeadResource,
                place,
                Some(policy),
                Some(s),
                format!(
                    "`{r}` matches no resource type of the statement's actions ({}): it {verb} nothing",
                    quoted(actions)
                ),
            ));
        }
    }

    // ---- L007 ----------------------------------------------------------------------

    fn condition_keys(&mut self, policy: &Policy, s: &Statement) {
        if s.condition.is_empty() {
            return;
        }
        let ActionClause::Action(actions) = &s.action else {
            return;
        };
        if actions.iter().any(|a| {
            a.split_once(':')
                .is_none_or(|(svc, _)| svc.contains(['*', '?']))
        }) {
            return;
        }
        let mut ids: Vec<ActionId> = Vec::new();
        for a in actions {
            let found = self.expand(a);
            if found.is_empty() {
                return;
            }
            ids.extend_from_slice(&found);
        }
        let cat = self.catalog;
        let services: FxHashSet<&str> = ids
            .iter()
            .filter_map(|&id| cat.action(id))
            .map(|a| a.service.as_str())
            .collect();
        let mut reported: FxHashSet<String> = FxHashSet::default();
        for c in &s.condition {
            let Some((prefix, _)) = c.key.split_once(':') else {
                continue;
            };
            let prefix = prefix.to_ascii_lowercase();
            // global keys, and keys of services other than the actions' (cross-service
            // keys are left alone: the catalog does not list which actions see them)
            if prefix == "aws" || !services.contains(prefix.as_str()) {
                continue;
            }
            let has = ids.iter().filter_map(|&id| cat.action(id)).any(|a| {
                let service = cat.service(&a.service);
                a.condition_keys.iter().any(|k| key_matches(k, &c.key))
                    || a.resource_types.iter().any(|rt| {
                        service
                            .and_then(|svc| svc.resource_types.iter().find(|t| t.name == rt.name))
                            .is_some_and(|t| {
                                t.condition_keys.iter().any(|k| key_matches(k, &c.key))
                            })
                    })
            });
            if has || !reported.insert(c.key.to_ascii_lowercase()) {
                continue;
            }
            self.out.push(finding(
                Rule::InapplicableConditionKey,
                place_in(s, &["Condition", &c.operator, &c.key]),
                Some(policy),
                Some(s),
                format!(
                    "condition key `{}` is not a key of {} in the catalog: requests never carry it, so `{}` {}",
                    c.key,
                    quoted(actions),
                    c.operator,
                    if c.operator.ends_with("IfExists") {
                        "always holds"
                    } else {
                        "never holds (the statement is dead) unless it tests absence"
                    }
                ),
            ));
        }
    }

    // ---- L008 ----------------------------------------------------------------------

    fn trust(&mut self, policy: &Policy, s: &Statement) {
        if s.effect != Effect::Allow || !s.condition.is_empty() {
            return;
        }
        let Some(PrincipalClause::Principal(pairs)) = &s.principal else {
            return;
        };
        for (kind, value) in pairs {
            let everyone = (kind == "*" || kind == "AWS") && value == "*";
            let account = kind == "AWS"
                && (is_account_id(value)
                    || (value.starts_with("arn:") && value.ends_with(":root")));
            if !(everyone || account) {
                continue;
            }
            let mut f = finding(
                Rule::AccountWideTrust,
                place_in(s, &["Principal"]),
                Some(policy),
                Some(s),
                if everyone {
                    format!(
                        "trust policy `{}` lets anyone (`\"Principal\": \"*\"`) assume the role, with no condition",
                        policy.name
                    )
                } else {
                    format!(
                        "trust policy `{}` lets every principal of account `{}` whose own policies allow it assume the role, with no condition",
                        policy.name,
                        account_of(value)
                    )
                },
            );
            if everyone {
                f.severity = Severity::Error;
            }
            self.out.push(f);
        }
    }

    // ---- L004, L005 ----------------------------------------------------------------

    fn shadowing(&mut self, policy: &Policy) {
        let stmts: Vec<&Statement> = policy
            .document
            .statements
            .iter()
            .filter(|s| s.unresolved.is_empty())
            .collect();
        let matches: Vec<ActionMatch> = stmts.iter().map(|s| self.clause(&s.action)).collect();
        let scopes: Vec<_> = stmts.iter().map(|s| static_scope(&s.resource)).collect();
        let vars: Vec<bool> = stmts
            .iter()
            .map(|s| clause_has_variables(&s.resource))
            .collect();
        let conds: Vec<Vec<ConditionClause>> = stmts
            .iter()
            .map(|s| super::condition::normalized(&s.condition))
            .collect();
        for (i, s) in stmts.iter().enumerate() {
            if s.effect != Effect::Allow {
                continue;
            }
            let (Some(ms), Some(ss)) = (matches.get(i), scopes.get(i)) else {
                continue;
            };
            let mut shadow: Option<(Rule, usize)> = None;
            for (j, t) in stmts.iter().enumerate() {
                if i == j || t.principal != s.principal || vars.get(j).copied().unwrap_or(true) {
                    continue;
                }
                let (Some(mt), Some(st), Some(ct), Some(cs)) =
                    (matches.get(j), scopes.get(j), conds.get(j), conds.get(i))
                else {
                    continue;
                };
                let covered = ms.minus(mt).is_empty() && st.covers(ss);
                if !covered {
                    continue;
                }
                if t.effect == Effect::Deny && ct.is_empty() {
                    shadow = Some((Rule::ShadowedByDeny, j));
                    break;
                }
                if t.effect == Effect::Allow && ct.iter().all(|c| cs.contains(c)) {
                    // two statements granting the same: only the later is redundant
                    let mutual = mt.minus(ms).is_empty()
                        && ss.covers(st)
                        && cs.iter().all(|c| ct.contains(c))
                        && !vars.get(i).copied().unwrap_or(true);
                    if mutual && j > i {
                        continue;
                    }
                    if shadow.is_none() {
                        shadow = Some((Rule::RedundantStatement, j));
                    }
                }
            }
            let Some((rule, j)) = shadow else { continue };
            let Some(t) = stmts.get(j) else { continue };
            let message = match rule {
                Rule::ShadowedByDeny => format!(
                    "{} of `{}` allows nothing: {} denies every action and resource it names",
                    s.origin.statement, policy.name, t.origin.statement
                ),
                _ => format!(
                    "{} of `{}` grants nothing {} does not already grant",
                    s.origin.statement, policy.name, t.origin.statement
                ),
            };
            self.out.push(finding(
                rule,
                place_in(s, &[]),
                Some(policy),
                Some(s),
                message,
            ));
        }
    }

    // ---- L006 ----------------------------------------------------------------------

    fn allow_set(&mut self, id: PolicyId) -> Arc<Vec<ActionMatch>> {
        if let Some(v) = self.allow_sets.get(&id) {
            return v.clone();
        }
        let snap = self.snap;
        let stmts: Vec<&Statement> = snap
            .policy(id)
            .map(|p| {
                p.document
                    .statements
                    .iter()
                    .filter(|s| s.effect == Effect::Allow)
                    .collect()
            })
            .unwrap_or_default();
        let v: Arc<Vec<ActionMatch>> =
            Arc::new(stmts.iter().map(|s| self.clause(&s.action)).collect());
        self.allow_sets.insert(id, v.clone());
        v
    }

    /// The allow sets of a principal's identity policies (its own and its groups'); `None`
    /// when one is unresolved or unresolved-in-part (what it grants is not known).
    fn identity_allows(&mut self, p: &crate::model::Principal) -> Option<Vec<PolicyId>> {
        let snap = self.snap;
        let mut ids = Vec::new();
        let refs = p.policies.iter().chain(
            p.groups
                .iter()
                .filter_map(|g| snap.group(*g))
                .flat_map(|g| g.policies.iter()),
        );
        for r in refs {
            match r {
                PolicyRef::Resolved(id) => {
                    let pol = snap.policy(*id)?;
                    if pol
                        .document
                        .statements
                        .iter()
                        .any(|s| !s.unresolved.is_empty())
                    {
                        return None;
                    }
                    ids.push(*id);
                }
                PolicyRef::Unresolved { .. } => return None,
            }
        }
        ids.sort_unstable();
        ids.dedup();
        Some(ids)
    }

    fn allows_any(&mut self, identity: &[PolicyId], limit: &[PolicyId]) -> bool {
        let universe = self.catalog.actions().len();
        let mine: Vec<Arc<Vec<ActionMatch>>> =
            identity.iter().map(|&i| self.allow_set(i)).collect();
        let theirs: Vec<Arc<Vec<ActionMatch>>> = limit.iter().map(|&i| self.allow_set(i)).collect();
        mine.iter().flat_map(|v| v.iter()).any(|a| {
            theirs
                .iter()
                .flat_map(|v| v.iter())
                .any(|b| a.intersects(b, universe))
        })
    }

    fn limits(&mut self) {
        let snap = self.snap;
        // (limit, its level name or None for a boundary) → principals it starves
        let mut starved: BTreeMap<Limit, Vec<String>> = BTreeMap::new();
        let mut memo: FxHashMap<(Vec<PolicyId>, Vec<PolicyId>), bool> = FxHashMap::default();
        let management = snap.org.as_ref().and_then(|o| o.management.as_deref());
        for p in &snap.principals {
            // the limits first: most principals of an account have none, and need no
            // allow sets
            let mut limits: Vec<Limit> = Vec::new();
            if let Some(PolicyRef::Resolved(b)) = &p.boundary {
                limits.push((vec![*b], None));
            }
            let service_linked = p
                .path
                .as_deref()
                .is_some_and(|x| x.starts_with("/aws-service-role/"));
            if !service_linked && (management.is_none() || p.account.as_deref() != management) {
                for (name, level) in snap.scp_chain(p.account.as_deref()) {
                    limits.push((level, Some(name)));
                }
            }
            if limits.is_empty() {
                continue;
            }
            let Some(identity) = self.identity_allows(p) else {
                continue;
            };
            if identity.is_empty() {
                continue;
            }
            let mut grants = false;
            for &i in &identity {
                if !self.allow_set(i).is_empty() {
                    grants = true;
                }
            }
            if !grants {
                continue;
            }
            for (limit, name) in limits {
                let key = (identity.clone(), limit.clone());
                let any = match memo.get(&key) {
                    Some(v) => *v,
                    None => {
                        let v = self.allows_any(&identity, &limit);
                        memo.insert(key, v);
                        v
                    }
                };
                if !any {
                    starved
                        .entry((limit, name))
                        .or_default()
                        .push(p.name.clone());
                }
            }
        }
        for ((limit, level), names) in starved {
            let Some(first) = limit.first().and_then(|&id| snap.policy(id)) else {
                continue;
            };
            let place = first
                .document
                .statements
                .first()
                .map(|s| place_in(s, &[]))
                .unwrap_or_else(|| {
                    Place::file(
                        snap.sources
                            .first()
                            .cloned()
                            .unwrap_or_else(|| Arc::from("")),
                    )
                });
            let who = if names.len() > 5 {
                format!(
                    "{} and {} more",
                    names.get(..5).unwrap_or_default().join("`, `"),
                    names.len() - 5
                )
            } else {
                names.join("`, `")
            };
            let what = match &level {
                None => format!("permissions boundary `{}`", first.name),
                Some(l) => format!("SCP level `{l}`"),
            };
            self.out.push(finding(
                Rule::LimitAllowsNothing,
                place,
                Some(first),
                None,
                format!(
                    "{what} allows none of the actions the identity policies grant to `{who}`: they can do nothing"
                ),
            ));
        }
    }

    // ---- L010 ----------------------------------------------------------------------

    fn dangling_resources(&mut self) {
        let snap = self.snap;
        let lower = |s: &str| s.to_ascii_lowercase();
        let mut known: FxHashSet<String> = FxHashSet::default();
        // (account, kind) pairs the inputs list
        let mut listed: FxHashSet<(String, &'static str)> = FxHashSet::default();
        for p in &snap.principals {
            if let (Some(arn), Some(acct)) = (&p.arn, &p.account) {
                known.insert(lower(arn));
                let kind = p.kind.as_str();
                if kind == "role" || snap.defines_users {
                    listed.insert((acct.clone(), if kind == "role" { "role" } else { "user" }));
                }
            }
        }
        for g in &snap.groups {
            if let Some(arn) = &g.arn {
                known.insert(lower(arn));
                if let Some(acct) = arn_account(arn) {
                    listed.insert((acct.to_owned(), "group"));
                }
            }
        }
        if listed.is_empty() {
            return;
        }
        for policy in &snap.policies {
            if !matches!(
                policy.kind,
                PolicyKind::Inline | PolicyKind::CustomerManaged
            ) {
                continue;
            }
            for s in &policy.document.statements {
                let ResourceClause::Resource(resources) = &s.resource else {
                    continue;
                };
                for (j, r) in resources.iter().enumerate() {
                    if r.contains(['*', '?', '$']) || !r.starts_with("arn:aws:iam::") {
                        continue;
                    }
                    let Some(acct) = arn_account(r) else { continue };
                    let rest = r.splitn(6, ':').nth(5).unwrap_or_default();
                    let Some(kind) = ["role", "user", "group"]
                        .into_iter()
                        .find(|k| rest.starts_with(&format!("{k}/")))
                    else {
                        continue;
                    };
                    if !listed.contains(&(acct.to_owned(), kind)) || known.contains(&lower(r)) {
                        continue;
                    }
                    let idx = j.to_string();
                    let place = if resources.len() > 1 {
                        place_in(s, &["Resource", &idx])
                    } else {
                        place_in(s, &["Resource"])
                    };
                    self.out.push(finding(
                        Rule::DanglingResource,
                        place,
                        Some(policy),
                        Some(s),
                        format!("`{r}` names a {kind} the inputs of account `{acct}` do not have"),
                    ));
                }
            }
        }
    }
}

/// Whether a resource pattern may match a resource of one of the formats; with no formats
/// (the action takes no resource type) only `*` reaches the action.
fn pattern_fits(scratch: &mut Scratch, pattern: &str, formats: &[(&str, &str)]) -> bool {
    if is_all(pattern) {
        return true;
    }
    if formats.is_empty() {
        return false;
    }
    // not an ARN (an unresolved reference kept as text): not judged
    if !pattern
        .get(..4)
        .is_some_and(|p| p.eq_ignore_ascii_case("arn:"))
    {
        return true;
    }
    formats
        .iter()
        .any(|(_, f)| arn::may_match_memo(scratch, pattern, f))
}

/// [`pattern_fits`] one format at a time, remembered per resource of the statement.
fn fits_cached(
    scratch: &mut Scratch,
    memo: &mut Vec<(usize, *const u8, bool)>,
    j: usize,
    pattern: &str,
    formats: &[(&str, &str)],
) -> bool {
    if formats.is_empty() {
        return pattern_fits(scratch, pattern, formats);
    }
    formats.iter().any(|(n, f)| {
        let key = (j, f.as_ptr());
        if let Some((_, _, v)) = memo.iter().find(|(a, b, _)| (*a, *b) == key) {
            return *v;
        }
        let v = pattern_fits(scratch, pattern, &[(n, f)]);
        memo.push((key.0, key.1, v));
        v
    })
}

fn is_all(pattern: &str) -> bool {
    !pattern.is_empty() && pattern.chars().all(|c| c == '*')
}

/// A catalog key (`s3:ExistingObjectTag/<key>`, `aws:ResourceTag/${TagKey}`) against a
/// policy's (`s3:ExistingObjectTag/team`), ignoring case.
fn key_matches(catalog_key: &str, key: &str) -> bool {
    match catalog_key.split_once('/') {
        Some((head, _)) => key
            .split_once('/')
            .is_some_and(|(h, _)| h.eq_ignore_ascii_case(head)),
        None => catalog_key.eq_ignore_ascii_case(key),
    }
}

fn quoted(items: &[String]) -> String {
    let shown: Vec<String> = items.iter().take(4).map(|i| format!("`{i}`")).collect();
    if items.len() > 4 {
        format!("{}, …", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

fn is_account_id(v: &str) -> bool {
    v.len() == 12 && v.bytes().all(|b| b.is_ascii_digit())
}

fn account_of(v: &str) -> &str {
    arn_account(v).unwrap_or(v)
}

/// The account field of an ARN.
fn arn_account(arn: &str) -> Option<&str> {
    arn.split(':').nth(4).filter(|a| !a.is_empty())
}
