//! Cutover replay (issue 11 item 1): a runbook's steps applied one by one to a copy of the
//! before side. After each step only the principals the step can touch are evaluated
//! again (the member of a changed group, the holders of a changed policy, the principal
//! itself, the principals of a deployed or deleted stack), and each is compared with its
//! start state — and with the `--after` side's, when given — by the diff's own comparison
//! ([`super::compare`]). A principal with less access than at the start (and than at the
//! end) is in a *window* from the step that opens it to the step that closes it.
//! When a window exists, a reordering is proposed (additive steps before subtractive ones,
//! dependencies kept) and replayed again to verify it closes every window.

use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::catalog::Catalog;
use crate::eval::effective::{self, EvalOptions, Evaluation};
use crate::eval::lang::Budget;
use crate::model::{
    Assignment, EntityKind, Group, GroupId, Place, Policy, PolicyDocument, PolicyId, PolicyKind,
    PolicyRef, Principal, PrincipalKind, Runbook, Snapshot, Step, StepAction, Unfollowed,
};

use super::compare::{self, Who};
use super::findings::{Code, Finding, Route};

/// What the replay needs.
pub struct CutoverInput<'a> {
    pub catalog: &'a Catalog,
    pub before: &'a Snapshot,
    pub after: Option<&'a Snapshot>,
    pub runbook: &'a Runbook,
    pub options: &'a EvalOptions,
}

/// Something a step did that AWS would refuse or that changes nothing.
#[derive(Debug, Clone, Serialize)]
pub struct StepWarning {
    pub step: usize,
    pub place: Place,
    pub message: String,
}

/// A step as replayed.
#[derive(Debug, Clone, Serialize)]
pub struct StepResult {
    pub number: usize,
    pub place: Place,
    pub op: &'static str,
    pub text: String,
    /// Principals evaluated again after it.
    pub touched: usize,
    /// Windows open after it.
    pub open: usize,
    /// Windows it opens and closes.
    pub opens: Vec<String>,
    pub closes: Vec<String>,
}

/// Actions of one service a principal lacks during a window.
#[derive(Debug, Clone, Serialize)]
pub struct Lack {
    pub service: String,
    /// `lost`, `narrowed` or `removed` (the principal itself was deleted).
    pub code: String,
    pub actions: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub witness: Option<String>,
    /// The statements that granted them at the start.
    pub granted_by: Vec<Route>,
    /// The step that took them away.
    pub step: usize,
}

/// A principal with less access than at the start (and the end) for a run of steps.
#[derive(Debug, Clone, Serialize)]
pub struct Window {
    pub kind: String,
    pub principal: String,
    /// The step that opens it (1-based) and its place.
    pub opened: usize,
    pub opened_at: Place,
    /// The step that closes it; `None`: still open at the end of the runbook.
    pub closed: Option<usize>,
    /// How many steps it lasts (`closed - opened`, or to the end inclusive).
    pub steps: usize,
    pub lacks: Vec<Lack>,
}

/// A proposed order of the steps.
#[derive(Debug, Clone, Serialize)]
pub struct Reorder {
    /// Step numbers in the proposed order.
    pub order: Vec<usize>,
    /// Replayed in this order, no window remains.
    pub verified: bool,
    /// The windows the proposed order still has.
    pub remaining: Vec<Window>,
    /// Why a window cannot be closed by any order, when one remains.
    pub reasons: Vec<String>,
}

/// How the end of the runbook differs from `--after`, for a touched principal.
#[derive(Debug, Clone, Serialize)]
pub struct EndDiff {
    pub kind: String,
    pub principal: String,
    /// `missing` (`--after` grants it, the runbook's end does not) or `extra` (neither
    /// the start nor `--after` has it).
    pub what: String,
    pub service: String,
    pub actions: Vec<String>,
}

/// The outcome of a cutover replay.
#[derive(Debug, Clone, Serialize)]
pub struct Cutover {
    pub runbook: String,
    pub form: &'static str,
    pub steps: Vec<StepResult>,
    pub windows: Vec<Window>,
    pub unfollowed: Vec<Unfollowed>,
    /// No line was left unfollowed: the replay covers the whole runbook.
    pub complete: bool,
    pub warnings: Vec<StepWarning>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reorder: Option<Reorder>,
    /// Whether `--after` was given (windows are then below both the start and the end).
    pub with_after: bool,
    pub end_differs: Vec<EndDiff>,
    /// Principal evaluations the replay made (the cost the figure tracks).
    pub evaluations: usize,
}

/// Replays the runbook, finds its windows and, when there are some, a reordering.
pub fn cutover(input: &CutoverInput<'_>) -> Cutover {
    let order: Vec<usize> = (0..input.runbook.steps.len()).collect();
    let mut cache = Cache::default();
    let first = replay(input, &order, &mut cache, true);
    let reorder = (!first.windows.is_empty()).then(|| {
        // steps that edit a document in place and took access away in the runbook's order
        let narrowing: BTreeSet<usize> = first
            .windows
            .iter()
            .flat_map(|w| w.lacks.iter().map(|l| l.step))
            .collect();
        let (proposal, edges) = propose(input.runbook, &narrowing);
        let again = replay(input, &proposal, &mut cache, false);
        let reasons = reasons(input.runbook, &again.windows, &edges);
        Reorder {
            order: proposal
                .iter()
                .filter_map(|&i| input.runbook.steps.get(i).map(|s| s.number))
                .collect(),
            verified: again.windows.is_empty(),
            remaining: again.windows,
            reasons,
        }
    });
    Cutover {
        runbook: input.runbook.file.to_string(),
        form: input.runbook.form,
        complete: input.runbook.unfollowed.is_empty(),
        unfollowed: input.runbook.unfollowed.clone(),
        steps: first.steps,
        windows: first.windows,
        warnings: first.warnings,
        reorder,
        with_after: input.after.is_some(),
        end_differs: first.end_differs,
        evaluations: cache.evaluations,
    }
}

// ---------------------------------------------------------------------------------------
// Evaluations shared between replays.

#[derive(Default)]
struct Cache {
    /// Start and `--after` evaluations by principal index of the before side (start) or
    /// by (kind, name) (after).
    start: FxHashMap<usize, Arc<Evaluation>>,
    after: FxHashMap<(PrincipalKind, String), Option<Arc<Evaluation>>>,
    /// Losses of a current evaluation against a reference one, by (reference pointer,
    /// current fingerprint).
    losses: FxHashMap<(usize, u64), Arc<Vec<Finding>>>,
    evaluations: usize,
}

/// What a replay found.
struct Replayed {
    steps: Vec<StepResult>,
    windows: Vec<Window>,
    warnings: Vec<StepWarning>,
    end_differs: Vec<EndDiff>,
}

/// Lacked actions of one principal: action → (finding code, service, witness, routes, step).
/// The routes are shared by every action of one finding (a window of a principal who
/// lost a group can hold thousands of actions).
type LackSet = BTreeMap<String, (Code, Arc<str>, Option<String>, Arc<Vec<Route>>, usize)>;

fn replay(input: &CutoverInput<'_>, order: &[usize], cache: &mut Cache, full: bool) -> Replayed {
    let cat = input.catalog;
    let budget = Budget::default();
    let mut state = State::new(input.before.clone(), input.runbook);
    let n_before = input.before.principals.len();
    let after_index: FxHashMap<(PrincipalKind, &str), usize> = input
        .after
        .map(|a| {
            a.principals
                .iter()
                .enumerate()
                .map(|(i, p)| ((p.kind, p.name.as_str()), i))
                .collect()
        })
        .unwrap_or_default();
    let mut current: FxHashMap<usize, LackSet> = FxHashMap::default();
    let mut open: BTreeMap<usize, Window> = BTreeMap::new();
    let mut windows = Vec::new();
    let mut steps = Vec::new();
    let mut ever: BTreeSet<usize> = BTreeSet::new();
    let start_assign: BTreeSet<(String, String, String)> =
        assignment_set(&input.before.people.assignments);
    let after_assign: Option<BTreeSet<(String, String, String)>> =
        input.after.map(|a| assignment_set(&a.people.assignments));
    let mut assign_open: BTreeMap<String, (usize, Place, BTreeSet<String>)> = BTreeMap::new();
    for (pos, &si) in order.iter().enumerate() {
        let Some(step) = input.runbook.steps.get(si) else {
            continue;
        };
        let touched = state.apply(step);
        ever.extend(touched.iter().copied());
        // start evaluations of the touched principals not seen yet, in one call
        let want: Vec<usize> = touched
            .iter()
            .copied()
            .filter(|&i| i < n_before && !cache.start.contains_key(&i))
            .collect();
        if !want.is_empty() {
            let mut mask = vec![false; n_before];
            for &i in &want {
                if let Some(m) = mask.get_mut(i) {
                    *m = true;
                }
            }
            let e = effective::effective_selected(input.before, cat, input.options, &mask);
            cache.evaluations += want.len();
            for &i in &want {
                if let Some(p) = e.principals.get(i) {
                    cache.start.insert(i, p.evaluation.clone());
                }
            }
        }
        if let Some(after) = input.after {
            let want: Vec<(PrincipalKind, String)> = touched
                .iter()
                .filter_map(|&i| state.snap.principals.get(i))
                .map(|p| (p.kind, p.name.clone()))
                .filter(|k| !cache.after.contains_key(k))
                .collect();
            if !want.is_empty() {
                let mut mask = vec![false; after.principals.len()];
                for k in &want {
                    if let Some(&j) = after_index.get(&(k.0, k.1.as_str()))
                        && let Some(m) = mask.get_mut(j)
                    {
                        *m = true;
                    }
                }
                let e = effective::effective_selected(after, cat, input.options, &mask);
                cache.evaluations += mask.iter().filter(|m| **m).count();
                for k in want {
                    let ev = after_index
                        .get(&(k.0, k.1.as_str()))
                        .and_then(|&j| e.principals.get(j))
                        .map(|p| p.evaluation.clone());
                    cache.after.insert(k, ev);
                }
            }
        }
        // the touched principals, evaluated in the current state
        let alive: Vec<usize> = touched
            .iter()
            .copied()
            .filter(|&i| !state.gone.get(i).copied().unwrap_or(true))
            .collect();
        let mut now: FxHashMap<usize, Arc<Evaluation>> = FxHashMap::default();
        if !alive.is_empty() {
            let mut mask = vec![false; state.snap.principals.len()];
            for &i in &alive {
                if let Some(m) = mask.get_mut(i) {
                    *m = true;
                }
            }
            let e = effective::effective_selected(&state.snap, cat, input.options, &mask);
            cache.evaluations += alive.len();
            for &i in &alive {
                if let Some(p) = e.principals.get(i) {
                    now.insert(i, p.evaluation.clone());
                }
            }
        }
        let mut opens = Vec::new();
        let mut closes = Vec::new();
        for &i in &touched {
            let Some(p) = state.snap.principals.get(i) else {
                continue;
            };
            let who = Who {
                kind: p.kind.as_str().to_owned(),
                name: p.name.clone(),
                account: p.account.clone(),
            };
            let cur = now.get(&i);
            let lack_start = match cache.start.get(&i) {
                Some(s) => losses(cat, &who, s, cur, &budget, &mut cache.losses),
                None => Arc::new(Vec::new()),
            };
            let mut lack: LackSet = BTreeMap::new();
            for f in lack_start.iter() {
                let service: Arc<str> = Arc::from(f.service.as_str());
                let routes = Arc::new(f.before.routes.clone());
                for a in &f.actions {
                    lack.insert(
                        a.clone(),
                        (
                            f.code,
                            service.clone(),
                            f.witness.clone(),
                            routes.clone(),
                            step.number,
                        ),
                    );
                }
            }
            if input.after.is_some() {
                let after_ev = cache
                    .after
                    .get(&(p.kind, p.name.clone()))
                    .cloned()
                    .flatten();
                let lack_after: BTreeSet<String> = match &after_ev {
                    Some(a) => losses(cat, &who, a, cur, &budget, &mut cache.losses)
                        .iter()
                        .flat_map(|f| f.actions.iter().cloned())
                        .collect(),
                    None => BTreeSet::new(),
                };
                lack.retain(|a, _| lack_after.contains(a));
            }
            // keep the step that first took each action away while the window is open
            let prev = current.remove(&i).unwrap_or_default();
            for (a, v) in lack.iter_mut() {
                if let Some(old) = prev.get(a) {
                    v.4 = old.4;
                }
            }
            match (prev.is_empty(), lack.is_empty()) {
                (true, false) => {
                    opens.push(p.name.clone());
                    open.insert(
                        i,
                        Window {
                            kind: p.kind.as_str().to_owned(),
                            principal: p.name.clone(),
                            opened: step.number,
                            opened_at: step.place.clone(),
                            closed: None,
                            steps: pos,
                            lacks: Vec::new(),
                        },
                    );
                }
                (false, true) => {
                    if let Some(mut w) = open.remove(&i) {
                        closes.push(p.name.clone());
                        w.closed = Some(step.number);
                        w.steps = pos - w.steps;
                        windows.push(w);
                    }
                }
                _ => {}
            }
            if let Some(w) = open.get_mut(&i) {
                merge_lacks(w, &lack);
            }
            if !lack.is_empty() {
                current.insert(i, lack);
            }
        }
        // permission-set assignments: a principal without one it had at the start (and
        // has at the end)
        if let StepAction::Assignment { principal, .. } = &step.action {
            let have = assignment_set(&state.snap.people.assignments);
            let missing: BTreeSet<String> = start_assign
                .iter()
                .filter(|k| &k.2 == principal && !have.contains(*k))
                .filter(|k| after_assign.as_ref().is_none_or(|a| a.contains(*k)))
                .map(|k| format!("permission set `{}` in account {}", k.1, k.0))
                .collect();
            match (assign_open.contains_key(principal), missing.is_empty()) {
                (false, false) => {
                    opens.push(principal.clone());
                    assign_open.insert(principal.clone(), (pos, step.place.clone(), missing));
                }
                (true, true) => {
                    if let Some((p0, place, lacked)) = assign_open.remove(principal) {
                        closes.push(principal.clone());
                        windows.push(assignment_window(
                            principal,
                            input.runbook,
                            order,
                            p0,
                            place,
                            Some(step.number),
                            pos - p0,
                            lacked,
                        ));
                    }
                }
                (true, false) => {
                    if let Some(w) = assign_open.get_mut(principal) {
                        w.2.extend(missing);
                    }
                }
                _ => {}
            }
        }
        if full || pos + 1 == order.len() {
            steps.push(StepResult {
                number: step.number,
                place: step.place.clone(),
                op: step.action.op(),
                text: step.text.clone(),
                touched: touched.len(),
                open: open.len() + assign_open.len(),
                opens,
                closes,
            });
        }
    }
    let total = order.len();
    for (_, mut w) in open {
        w.steps = total - w.steps;
        windows.push(w);
    }
    for (principal, (p0, place, lacked)) in assign_open {
        windows.push(assignment_window(
            &principal,
            input.runbook,
            order,
            p0,
            place,
            None,
            total - p0,
            lacked,
        ));
    }
    windows
        .sort_by(|a, b| (a.opened, &a.kind, &a.principal).cmp(&(b.opened, &b.kind, &b.principal)));
    let end_differs = match (input.after, full) {
        (Some(_), true) => end_differs(input, &state, &ever, cache, &budget),
        _ => Vec::new(),
    };
    Replayed {
        steps,
        windows,
        warnings: state.warnings,
        end_differs,
    }
}

#[allow(clippy::too_many_arguments)]
fn assignment_window(
    principal: &str,
    runbook: &Runbook,
    order: &[usize],
    p0: usize,
    place: Place,
    closed: Option<usize>,
    steps: usize,
    lacked: BTreeSet<String>,
) -> Window {
    let opened = order
        .get(p0)
        .and_then(|&i| runbook.steps.get(i))
        .map_or(0, |s| s.number);
    Window {
        kind: "identity-center".into(),
        principal: principal.to_owned(),
        opened,
        opened_at: place,
        closed,
        steps,
        lacks: vec![Lack {
            service: "sso".into(),
            code: "lost".into(),
            actions: lacked.into_iter().collect(),
            witness: None,
            granted_by: Vec::new(),
            step: opened,
        }],
    }
}

fn assignment_set(a: &[Assignment]) -> BTreeSet<(String, String, String)> {
    a.iter()
        .map(|x| {
            (
                x.account.clone(),
                x.permission_set.clone(),
                x.principal.clone(),
            )
        })
        .collect()
}

/// Folds a step's lack into the window's, one entry per (service, code, step).
fn merge_lacks(w: &mut Window, lack: &LackSet) {
    let mut by: BTreeMap<(String, String, usize), Lack> = BTreeMap::new();
    for l in w.lacks.drain(..) {
        by.insert((l.service.clone(), l.code.clone(), l.step), l);
    }
    for (action, (code, service, witness, routes, step)) in lack {
        let code = match code {
            Code::RemovedPrincipal => "removed",
            Code::Narrowed => "narrowed",
            _ => "lost",
        };
        let e = by
            .entry((service.to_string(), code.to_owned(), *step))
            .or_insert_with(|| Lack {
                service: service.to_string(),
                code: code.to_owned(),
                actions: Vec::new(),
                witness: witness.clone(),
                granted_by: Vec::new(),
                step: *step,
            });
        if !e.actions.contains(action) {
            e.actions.push(action.clone());
            e.actions.sort();
        }
        for r in routes.iter() {
            if !e.granted_by.contains(r) {
                e.granted_by.push(r.clone());
            }
        }
    }
    w.lacks = by.into_values().collect();
}

/// What `cur` (`None`: the principal no longer exists) lacks of `reference`: the diff's
/// `lost` and `narrowed` findings, or all of the reference's access for a deleted one.
fn losses(
    cat: &Catalog,
    who: &Who,
    reference: &Arc<Evaluation>,
    cur: Option<&Arc<Evaluation>>,
    budget: &Budget,
    memo: &mut FxHashMap<(usize, u64), Arc<Vec<Finding>>>,
) -> Arc<Vec<Finding>> {
    let fp = cur.map_or(u64::MAX, |c| compare::fingerprint(c));
    let key = (Arc::as_ptr(reference) as usize, fp);
    if let Some(v) = memo.get(&key) {
        return v.clone();
    }
    let found: Vec<Finding> = match cur {
        Some(c) => {
            if compare::fingerprint(reference) == fp {
                Vec::new()
            } else {
                compare::compare(cat, who, reference, c, budget)
                    .into_iter()
                    .filter(|f| matches!(f.code, Code::Lost | Code::Narrowed))
                    .collect()
            }
        }
        None => compare::whole(cat, who, reference, Code::RemovedPrincipal, budget)
            .into_iter()
            .filter(|f| f.code == Code::RemovedPrincipal)
            .collect(),
    };
    let v = Arc::new(found);
    memo.insert(key, v.clone());
    v
}

/// The end of the runbook against `--after`, for every principal a step touched.
fn end_differs(
    input: &CutoverInput<'_>,
    state: &State,
    ever: &BTreeSet<usize>,
    cache: &mut Cache,
    budget: &Budget,
) -> Vec<EndDiff> {
    let cat = input.catalog;
    let alive: Vec<usize> = ever
        .iter()
        .copied()
        .filter(|&i| !state.gone.get(i).copied().unwrap_or(true))
        .collect();
    let mut mask = vec![false; state.snap.principals.len()];
    for &i in &alive {
        if let Some(m) = mask.get_mut(i) {
            *m = true;
        }
    }
    let e = effective::effective_selected(&state.snap, cat, input.options, &mask);
    let mut out = Vec::new();
    for &i in ever {
        let Some(p) = state.snap.principals.get(i) else {
            continue;
        };
        let who = Who {
            kind: p.kind.as_str().to_owned(),
            name: p.name.clone(),
            account: p.account.clone(),
        };
        let Some(Some(after)) = cache.after.get(&(p.kind, p.name.clone())).cloned() else {
            continue;
        };
        let cur = (!state.gone.get(i).copied().unwrap_or(true))
            .then(|| e.principals.get(i).map(|x| x.evaluation.clone()))
            .flatten();
        let findings = match &cur {
            Some(c) => compare::compare(cat, &who, &after, c, budget),
            None => compare::whole(cat, &who, &after, Code::RemovedPrincipal, budget),
        };
        let start_gained: BTreeSet<String> = match (cache.start.get(&i), &cur) {
            (Some(s), Some(c)) => compare::compare(cat, &who, s, c, budget)
                .into_iter()
                .filter(|f| matches!(f.code, Code::Gained | Code::Widened))
                .flat_map(|f| f.actions)
                .collect(),
            (None, Some(c)) => compare::whole(cat, &who, c, Code::NewPrincipal, budget)
                .into_iter()
                .flat_map(|f| f.actions)
                .collect(),
            _ => BTreeSet::new(),
        };
        for f in findings {
            let what = match f.code {
                Code::Lost | Code::Narrowed | Code::RemovedPrincipal => "missing",
                Code::Gained | Code::Widened => "extra",
                _ => continue,
            };
            let actions: Vec<String> = if what == "extra" {
                f.actions
                    .into_iter()
                    .filter(|a| start_gained.contains(a))
                    .collect()
            } else {
                f.actions
            };
            if actions.is_empty() {
                continue;
            }
            out.push(EndDiff {
                kind: p.kind.as_str().to_owned(),
                principal: p.name.clone(),
                what: what.to_owned(),
                service: f.service,
                actions,
            });
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// The replay state.

/// What a stack holds, by name.
#[derive(Debug, Clone, Default)]
struct Contents {
    groups: Vec<String>,
    principals: Vec<(PrincipalKind, String)>,
    policies: Vec<String>,
}

fn contents_of(s: &Snapshot) -> Contents {
    Contents {
        groups: s.groups.iter().map(|g| g.name.clone()).collect(),
        principals: s
            .principals
            .iter()
            .filter(|p| p.kind == PrincipalKind::Role || s.defines_users)
            .map(|p| (p.kind, p.name.clone()))
            .collect(),
        policies: s
            .policies
            .iter()
            .filter(|p| p.kind == PolicyKind::CustomerManaged)
            .map(|p| p.name.to_string())
            .collect(),
    }
}

struct State {
    snap: Snapshot,
    /// Deleted principals and groups keep their index (evaluation and windows key on it).
    gone: Vec<bool>,
    gone_group: Vec<bool>,
    groups: FxHashMap<String, GroupId>,
    principals: FxHashMap<(PrincipalKind, String), usize>,
    /// Managed policies by ARN and by name.
    managed: FxHashMap<String, PolicyId>,
    /// Versions created by the runbook, and the default one, by policy.
    versions: FxHashMap<PolicyId, Vec<(String, PolicyDocument)>>,
    stacks: BTreeMap<String, Contents>,
    account: Option<String>,
    warnings: Vec<StepWarning>,
    step: usize,
    place: Place,
}

impl State {
    fn new(snap: Snapshot, runbook: &Runbook) -> State {
        let accounts: BTreeSet<&str> = snap
            .principals
            .iter()
            .filter_map(|p| p.account.as_deref())
            .collect();
        let account = (accounts.len() == 1)
            .then(|| accounts.first().map(|a| (*a).to_owned()))
            .flatten();
        let mut s = State {
            gone: vec![false; snap.principals.len()],
            gone_group: vec![false; snap.groups.len()],
            groups: FxHashMap::default(),
            principals: FxHashMap::default(),
            managed: FxHashMap::default(),
            versions: FxHashMap::default(),
            stacks: runbook
                .stacks
                .iter()
                .map(|d| (d.name.clone(), contents_of(&d.deployed.snapshot)))
                .collect(),
            account,
            warnings: Vec::new(),
            step: 0,
            place: Place::file(runbook.file.clone()),
            snap,
        };
        for (i, g) in s.snap.groups.iter().enumerate() {
            s.groups.insert(
                g.name.clone(),
                GroupId(u32::try_from(i).unwrap_or(u32::MAX)),
            );
        }
        for (i, p) in s.snap.principals.iter().enumerate() {
            s.principals.insert((p.kind, p.name.clone()), i);
        }
        for (i, p) in s.snap.policies.iter().enumerate() {
            if matches!(p.kind, PolicyKind::AwsManaged | PolicyKind::CustomerManaged) {
                let id = PolicyId(u32::try_from(i).unwrap_or(u32::MAX));
                if let Some(arn) = &p.arn {
                    s.managed.insert(arn.to_string(), id);
                }
                s.managed.entry(p.name.to_string()).or_insert(id);
            }
        }
        s
    }

    fn warn(&mut self, message: String) {
        self.warnings.push(StepWarning {
            step: self.step,
            place: self.place.clone(),
            message,
        });
    }

    fn principal(&self, kind: PrincipalKind, name: &str) -> Option<usize> {
        self.principals
            .get(&(kind, name.to_owned()))
            .copied()
            .filter(|&i| !self.gone.get(i).copied().unwrap_or(true))
    }

    fn group(&self, name: &str) -> Option<GroupId> {
        self.groups
            .get(name)
            .copied()
            .filter(|g| !self.gone_group.get(g.0 as usize).copied().unwrap_or(true))
    }

    fn members(&self, g: GroupId) -> Vec<usize> {
        self.snap
            .principals
            .iter()
            .enumerate()
            .filter(|(i, p)| p.groups.contains(&g) && !self.gone.get(*i).copied().unwrap_or(true))
            .map(|(i, _)| i)
            .collect()
    }

    /// Principals holding a policy: directly, as boundary, or through a group.
    fn holders(&self, id: PolicyId) -> Vec<usize> {
        let r = PolicyRef::Resolved(id);
        let groups: FxHashSet<GroupId> = self
            .snap
            .groups
            .iter()
            .enumerate()
            .filter(|(_, g)| g.policies.contains(&r))
            .map(|(i, _)| GroupId(u32::try_from(i).unwrap_or(u32::MAX)))
            .collect();
        self.snap
            .principals
            .iter()
            .enumerate()
            .filter(|(i, p)| {
                !self.gone.get(*i).copied().unwrap_or(true)
                    && (p.policies.contains(&r)
                        || p.boundary.as_ref() == Some(&r)
                        || p.groups.iter().any(|g| groups.contains(g)))
            })
            .map(|(i, _)| i)
            .collect()
    }

    fn managed_id(&self, arn_or_name: &str) -> Option<PolicyId> {
        self.managed.get(arn_or_name).copied().or_else(|| {
            let short = arn_or_name.rsplit('/').next().unwrap_or(arn_or_name);
            self.managed.get(short).copied()
        })
    }

    fn add_policy(&mut self, p: Policy) -> PolicyId {
        let managed = matches!(p.kind, PolicyKind::AwsManaged | PolicyKind::CustomerManaged);
        let (arn, name) = (p.arn.clone(), p.name.clone());
        let id = self.snap.add_policy(p);
        if managed {
            if let Some(a) = arn {
                self.managed.insert(a.to_string(), id);
            }
            self.managed.insert(name.to_string(), id);
        }
        id
    }

    /// The policy list of a user, group or role; `None` (with a warning) when absent.
    fn holder_refs(
        &mut self,
        holder: EntityKind,
        name: &str,
    ) -> Option<(&mut Vec<PolicyRef>, Vec<usize>)> {
        match holder {
            EntityKind::Group => {
                let Some(g) = self.group(name) else {
                    self.warn(format!("group `{name}` does not exist at this step"));
                    return None;
                };
                let members = self.members(g);
                self.snap
                    .groups
                    .get_mut(g.0 as usize)
                    .map(|g| (&mut g.policies, members))
            }
            EntityKind::User | EntityKind::Role => {
                let kind = if holder == EntityKind::User {
                    PrincipalKind::User
                } else {
                    PrincipalKind::Role
                };
                let Some(i) = self.principal(kind, name) else {
                    self.warn(format!(
                        "{} `{name}` does not exist at this step",
                        holder.as_str()
                    ));
                    return None;
                };
                self.snap
                    .principals
                    .get_mut(i)
                    .map(|p| (&mut p.policies, vec![i]))
            }
            EntityKind::Policy => None,
        }
    }

    fn is_ref_to(&self, r: &PolicyRef, arn_or_name: &str) -> bool {
        let short = arn_or_name.rsplit('/').next().unwrap_or(arn_or_name);
        match r {
            PolicyRef::Resolved(id) => self.snap.policy(*id).is_some_and(|p| {
                matches!(p.kind, PolicyKind::AwsManaged | PolicyKind::CustomerManaged)
                    && (p.arn.as_deref() == Some(arn_or_name) || &*p.name == short)
            }),
            PolicyRef::Unresolved { name, arn } => {
                arn.as_deref() == Some(arn_or_name) || name == short
            }
        }
    }

    fn is_inline(&self, r: &PolicyRef, policy_name: &str) -> bool {
        matches!(r, PolicyRef::Resolved(id) if self.snap.policy(*id).is_some_and(|p| p.kind == PolicyKind::Inline && &*p.name == policy_name))
    }

    /// Applies one step; returns the principals it touched.
    fn apply(&mut self, step: &Step) -> Vec<usize> {
        self.step = step.number;
        self.place = step.place.clone();
        let mut t = match &step.action {
            StepAction::AddUserToGroup { user, group } => self.membership(user, group, true),
            StepAction::RemoveUserFromGroup { user, group } => self.membership(user, group, false),
            StepAction::AttachPolicy {
                holder,
                name,
                policy,
                catalog,
            } => {
                let r = match self.managed_id(policy) {
                    Some(id) => PolicyRef::Resolved(id),
                    None => match catalog {
                        Some(p) => PolicyRef::Resolved(self.add_policy((**p).clone())),
                        None => {
                            self.warn(format!("policy `{policy}` is in neither the inputs nor the catalog: its holders need review"));
                            PolicyRef::Unresolved {
                                name: policy.rsplit('/').next().unwrap_or(policy).to_owned(),
                                arn: Some(policy.clone()),
                            }
                        }
                    },
                };
                let already = match self.holder_refs(*holder, name) {
                    Some((refs, touched)) => {
                        if refs.contains(&r) {
                            Some(true)
                        } else {
                            refs.push(r);
                            return touched;
                        }
                    }
                    None => None,
                };
                if already == Some(true) {
                    self.warn(format!(
                        "`{policy}` is already attached to {} `{name}`",
                        holder.as_str()
                    ));
                }
                Vec::new()
            }
            StepAction::DetachPolicy {
                holder,
                name,
                policy,
            } => {
                let Some((refs, touched)) = self.holder_refs(*holder, name) else {
                    return Vec::new();
                };
                let mut refs_taken = std::mem::take(refs);
                let before = refs_taken.len();
                // decide which refs go without holding the borrow
                let keep: Vec<bool> = {
                    let this: &State = self;
                    refs_taken
                        .iter()
                        .map(|r| !this.is_ref_to(r, policy))
                        .collect()
                };
                let mut k = keep.iter();
                refs_taken.retain(|_| *k.next().unwrap_or(&true));
                let removed = before != refs_taken.len();
                if let Some((refs, _)) = self.holder_refs(*holder, name) {
                    *refs = refs_taken;
                }
                if !removed {
                    self.warn(format!(
                        "`{policy}` is not attached to {} `{name}`: nothing to detach",
                        holder.as_str()
                    ));
                    return Vec::new();
                }
                touched
            }
            StepAction::PutInlinePolicy {
                holder,
                name,
                policy_name,
                document,
            } => {
                let id = self.add_policy(Policy {
                    name: Arc::from(policy_name.as_str()),
                    arn: None,
                    kind: PolicyKind::Inline,
                    version: None,
                    document: document.clone(),
                });
                let keep: Option<Vec<bool>> = self
                    .holder_refs(*holder, name)
                    .map(|(refs, _)| refs.clone())
                    .map(|refs| {
                        refs.iter()
                            .map(|r| !self.is_inline(r, policy_name))
                            .collect()
                    });
                let Some(keep) = keep else { return Vec::new() };
                match self.holder_refs(*holder, name) {
                    Some((refs, touched)) => {
                        let mut k = keep.iter();
                        refs.retain(|_| *k.next().unwrap_or(&true));
                        refs.push(PolicyRef::Resolved(id));
                        touched
                    }
                    None => Vec::new(),
                }
            }
            StepAction::DeleteInlinePolicy {
                holder,
                name,
                policy_name,
            } => {
                let keep: Option<Vec<bool>> = self
                    .holder_refs(*holder, name)
                    .map(|(refs, _)| refs.clone())
                    .map(|refs| {
                        refs.iter()
                            .map(|r| !self.is_inline(r, policy_name))
                            .collect()
                    });
                let Some(keep) = keep else { return Vec::new() };
                if keep.iter().all(|k| *k) {
                    self.warn(format!(
                        "{} `{name}` has no inline policy `{policy_name}`",
                        holder.as_str()
                    ));
                    return Vec::new();
                }
                match self.holder_refs(*holder, name) {
                    Some((refs, touched)) => {
                        let mut k = keep.iter();
                        refs.retain(|_| *k.next().unwrap_or(&true));
                        touched
                    }
                    None => Vec::new(),
                }
            }
            StepAction::Create {
                kind,
                name,
                document,
            } => self.create(*kind, name, document.as_ref()),
            StepAction::Delete { kind, name } => self.delete(*kind, name, true),
            StepAction::CreatePolicyVersion {
                policy,
                set_default,
                document,
            } => {
                let Some(id) = self.managed_id(policy) else {
                    self.warn(format!("policy `{policy}` does not exist at this step"));
                    return Vec::new();
                };
                let current = self
                    .snap
                    .policy(id)
                    .map(|p| (p.version.clone(), p.document.clone()));
                let list = self.versions.entry(id).or_default();
                if list.is_empty()
                    && let Some((v, d)) = current
                {
                    list.push((v.as_deref().unwrap_or("v1").to_owned(), d));
                }
                let next = list
                    .iter()
                    .filter_map(|(v, _)| v.trim_start_matches('v').parse::<u32>().ok())
                    .max()
                    .unwrap_or(0)
                    + 1;
                let v = format!("v{next}");
                list.push((v.clone(), document.clone()));
                if *set_default {
                    self.set_version(id, &v, document.clone())
                } else {
                    Vec::new()
                }
            }
            StepAction::SetDefaultPolicyVersion { policy, version } => {
                let Some(id) = self.managed_id(policy) else {
                    self.warn(format!("policy `{policy}` does not exist at this step"));
                    return Vec::new();
                };
                if self.snap.policy(id).and_then(|p| p.version.as_deref()) == Some(version.as_str())
                {
                    self.warn(format!(
                        "`{version}` is already the default version of `{policy}`"
                    ));
                    return Vec::new();
                }
                let doc = self
                    .versions
                    .get(&id)
                    .and_then(|l| l.iter().find(|(v, _)| v == version))
                    .map(|(_, d)| d.clone());
                match doc {
                    Some(d) => self.set_version(id, version, d),
                    None => {
                        self.warn(format!("version `{version}` of `{policy}` is not in the inputs (an export holds the default version only): not replayed"));
                        Vec::new()
                    }
                }
            }
            StepAction::Assignment {
                assign,
                account,
                permission_set,
                principal_kind,
                principal,
            } => {
                let a = &mut self.snap.people.assignments;
                let pos = a.iter().position(|x| {
                    &x.account == account
                        && &x.permission_set == permission_set
                        && &x.principal == principal
                });
                match (assign, pos) {
                    (true, None) => a.push(Assignment {
                        account: account.clone(),
                        permission_set: permission_set.clone(),
                        principal_kind: *principal_kind,
                        principal: principal.clone(),
                        role: format!("AWSReservedSSO_{permission_set}"),
                        place: self.place.clone(),
                    }),
                    (false, Some(i)) => {
                        a.remove(i);
                    }
                    (true, Some(_)) => self.warn(format!(
                        "`{principal}` already has `{permission_set}` in {account}"
                    )),
                    (false, None) => self.warn(format!(
                        "`{principal}` has no assignment of `{permission_set}` in {account}"
                    )),
                }
                Vec::new()
            }
            StepAction::Deploy { deployed, stack } => {
                self.deploy(&deployed.snapshot, stack.as_deref())
            }
            StepAction::DeleteStack { stack } => match self.stacks.remove(stack) {
                Some(c) => self.delete_contents(&c),
                None => {
                    self.warn(format!("stack `{stack}` does not exist at this step"));
                    Vec::new()
                }
            },
        };
        t.sort_unstable();
        t.dedup();
        t
    }

    fn set_version(&mut self, id: PolicyId, version: &str, doc: PolicyDocument) -> Vec<usize> {
        if let Some(p) = self.snap.policies.get_mut(id.0 as usize) {
            p.document = doc;
            p.version = Some(Arc::from(version));
        }
        self.holders(id)
    }

    fn membership(&mut self, user: &str, group: &str, add: bool) -> Vec<usize> {
        let (Some(i), Some(g)) = (self.principal(PrincipalKind::User, user), self.group(group))
        else {
            match self.principal(PrincipalKind::User, user) {
                None => self.warn(format!("user `{user}` does not exist at this step")),
                Some(_) => self.warn(format!("group `{group}` does not exist at this step")),
            }
            return Vec::new();
        };
        let Some(p) = self.snap.principals.get_mut(i) else {
            return Vec::new();
        };
        let has = p.groups.contains(&g);
        match (add, has) {
            (true, false) => p.groups.push(g),
            (false, true) => p.groups.retain(|x| *x != g),
            (true, true) => {
                self.warn(format!("user `{user}` is already in group `{group}`"));
                return Vec::new();
            }
            (false, false) => {
                self.warn(format!(
                    "user `{user}` is not in group `{group}`: nothing to remove"
                ));
                return Vec::new();
            }
        }
        vec![i]
    }

    fn create(
        &mut self,
        kind: EntityKind,
        name: &str,
        document: Option<&PolicyDocument>,
    ) -> Vec<usize> {
        match kind {
            EntityKind::Group => {
                if self.group(name).is_some() {
                    self.warn(format!("group `{name}` already exists"));
                    return Vec::new();
                }
                let g = Group {
                    name: name.to_owned(),
                    arn: self
                        .account
                        .as_ref()
                        .map(|a| format!("arn:aws:iam::{a}:group/{name}")),
                    path: Some("/".into()),
                    policies: Vec::new(),
                };
                match self.groups.get(name).copied() {
                    Some(id) => {
                        if let Some(slot) = self.snap.groups.get_mut(id.0 as usize) {
                            *slot = g;
                        }
                        if let Some(x) = self.gone_group.get_mut(id.0 as usize) {
                            *x = false;
                        }
                    }
                    None => {
                        let id = self.snap.add_group(g);
                        self.gone_group.push(false);
                        self.groups.insert(name.to_owned(), id);
                    }
                }
                Vec::new()
            }
            EntityKind::User | EntityKind::Role => {
                let pk = if kind == EntityKind::User {
                    PrincipalKind::User
                } else {
                    PrincipalKind::Role
                };
                if self.principal(pk, name).is_some() {
                    self.warn(format!("{} `{name}` already exists", kind.as_str()));
                    return Vec::new();
                }
                let mut p = Principal::new(pk, name);
                p.account.clone_from(&self.account);
                p.arn = self
                    .account
                    .as_ref()
                    .map(|a| format!("arn:aws:iam::{a}:{}/{name}", kind.as_str()));
                p.tags_known = true;
                if let Some(d) = document {
                    p.trust = Some(self.add_policy(Policy {
                        name: Arc::from(name),
                        arn: None,
                        kind: PolicyKind::Trust,
                        version: None,
                        document: d.clone(),
                    }));
                }
                self.put_principal(p)
            }
            EntityKind::Policy => {
                if self.managed_id(name).is_some_and(|id| {
                    self.snap
                        .policy(id)
                        .is_some_and(|p| p.kind == PolicyKind::CustomerManaged)
                }) {
                    self.warn(format!("policy `{name}` already exists"));
                    return Vec::new();
                }
                let arn = self
                    .account
                    .as_ref()
                    .map(|a| Arc::from(format!("arn:aws:iam::{a}:policy/{name}")));
                self.add_policy(Policy {
                    name: Arc::from(name),
                    arn,
                    kind: PolicyKind::CustomerManaged,
                    version: Some(Arc::from("v1")),
                    document: document.cloned().unwrap_or_default(),
                });
                Vec::new()
            }
        }
    }

    /// Adds a principal, or brings back a deleted one of the same kind and name at its
    /// index (so a window closes when it is made again).
    fn put_principal(&mut self, p: Principal) -> Vec<usize> {
        let key = (p.kind, p.name.clone());
        match self.principals.get(&key).copied() {
            Some(i) => {
                if let Some(slot) = self.snap.principals.get_mut(i) {
                    *slot = p;
                }
                if let Some(g) = self.gone.get_mut(i) {
                    *g = false;
                }
                vec![i]
            }
            None => {
                self.snap.principals.push(p);
                self.gone.push(false);
                let i = self.snap.principals.len() - 1;
                self.principals.insert(key, i);
                vec![i]
            }
        }
    }

    fn delete(&mut self, kind: EntityKind, name: &str, explicit: bool) -> Vec<usize> {
        match kind {
            EntityKind::Group => {
                let Some(g) = self.group(name) else {
                    self.warn(format!("group `{name}` does not exist at this step"));
                    return Vec::new();
                };
                let members = self.members(g);
                if explicit && !members.is_empty() {
                    self.warn(format!(
                        "AWS refuses to delete group `{name}` while it has {} member(s) (DeleteConflict); replayed as if they were removed first",
                        members.len()
                    ));
                }
                for &i in &members {
                    if let Some(p) = self.snap.principals.get_mut(i) {
                        p.groups.retain(|x| *x != g);
                    }
                }
                if let Some(x) = self.snap.groups.get_mut(g.0 as usize) {
                    x.policies.clear();
                }
                if let Some(x) = self.gone_group.get_mut(g.0 as usize) {
                    *x = true;
                }
                members
            }
            EntityKind::User | EntityKind::Role => {
                let pk = if kind == EntityKind::User {
                    PrincipalKind::User
                } else {
                    PrincipalKind::Role
                };
                let Some(i) = self.principal(pk, name) else {
                    self.warn(format!(
                        "{} `{name}` does not exist at this step",
                        kind.as_str()
                    ));
                    return Vec::new();
                };
                if let Some(p) = self.snap.principals.get_mut(i) {
                    let busy = !p.policies.is_empty() || !p.groups.is_empty();
                    p.policies.clear();
                    p.groups.clear();
                    p.boundary = None;
                    if explicit && busy {
                        self.warn(format!(
                            "AWS refuses to delete {} `{name}` while it has policies or groups (DeleteConflict); replayed as if they were removed first",
                            kind.as_str()
                        ));
                    }
                }
                if let Some(g) = self.gone.get_mut(i) {
                    *g = true;
                }
                vec![i]
            }
            EntityKind::Policy => {
                let Some(id) = self.managed_id(name) else {
                    self.warn(format!("policy `{name}` does not exist at this step"));
                    return Vec::new();
                };
                let holders = self.holders(id);
                if explicit && !holders.is_empty() {
                    self.warn(format!(
                        "AWS refuses to delete policy `{name}` while it is attached (DeleteConflict); replayed as if it were detached first"
                    ));
                }
                let r = PolicyRef::Resolved(id);
                for g in &mut self.snap.groups {
                    g.policies.retain(|x| *x != r);
                }
                for p in &mut self.snap.principals {
                    p.policies.retain(|x| *x != r);
                    if p.boundary.as_ref() == Some(&r) {
                        p.boundary = None;
                    }
                }
                self.managed.retain(|_, v| *v != id);
                holders
            }
        }
    }

    fn delete_contents(&mut self, c: &Contents) -> Vec<usize> {
        let mut t = Vec::new();
        for g in &c.groups {
            if self.group(g).is_some() {
                t.extend(self.delete(EntityKind::Group, g, false));
            }
        }
        for (k, n) in &c.principals {
            if self.principal(*k, n).is_some() {
                let kind = if *k == PrincipalKind::User {
                    EntityKind::User
                } else {
                    EntityKind::Role
                };
                t.extend(self.delete(kind, n, false));
            }
        }
        for p in &c.policies {
            if self.managed_id(p).is_some() {
                t.extend(self.delete(EntityKind::Policy, p, false));
            }
        }
        t
    }

    /// Merges a deployed source: its managed policies, groups and principals replace
    /// those of the same name or are added; with a stack name, what the stack held
    /// before and no longer holds is deleted, as CloudFormation does.
    fn deploy(&mut self, dep: &Snapshot, stack: Option<&str>) -> Vec<usize> {
        let mut touched = Vec::new();
        let mut map: Vec<PolicyId> = Vec::with_capacity(dep.policies.len());
        for p in &dep.policies {
            let existing = match p.kind {
                PolicyKind::AwsManaged => p
                    .arn
                    .as_deref()
                    .and_then(|a| self.managed.get(a).copied())
                    .or_else(|| self.managed.get(&*p.name).copied()),
                PolicyKind::CustomerManaged => self.managed.get(&*p.name).copied(),
                _ => None,
            };
            let id = match existing {
                Some(id) if p.kind == PolicyKind::CustomerManaged => {
                    let changed = self
                        .snap
                        .policy(id)
                        .is_some_and(|x| x.document != p.document);
                    if changed {
                        if let Some(x) = self.snap.policies.get_mut(id.0 as usize) {
                            x.document = p.document.clone();
                        }
                        touched.extend(self.holders(id));
                    }
                    id
                }
                Some(id) => id,
                None => self.add_policy(p.clone()),
            };
            map.push(id);
        }
        let remap = |r: &PolicyRef| match r {
            PolicyRef::Resolved(id) => map
                .get(id.0 as usize)
                .map_or_else(|| r.clone(), |n| PolicyRef::Resolved(*n)),
            other => other.clone(),
        };
        let mut gmap: Vec<GroupId> = Vec::with_capacity(dep.groups.len());
        for g in &dep.groups {
            let mut ng = g.clone();
            ng.policies = g.policies.iter().map(remap).collect();
            let id = match self.groups.get(&g.name).copied() {
                Some(id) => {
                    let was_gone = self.gone_group.get(id.0 as usize).copied().unwrap_or(false);
                    let same = !was_gone
                        && self
                            .snap
                            .group(id)
                            .is_some_and(|x| x.policies == ng.policies);
                    if !same {
                        if let Some(slot) = self.snap.groups.get_mut(id.0 as usize) {
                            *slot = ng;
                        }
                        if let Some(x) = self.gone_group.get_mut(id.0 as usize) {
                            *x = false;
                        }
                        touched.extend(self.members(id));
                    }
                    id
                }
                None => {
                    let id = self.snap.add_group(ng);
                    self.gone_group.push(false);
                    self.groups.insert(g.name.clone(), id);
                    id
                }
            };
            gmap.push(id);
        }
        let regroup = |g: &GroupId| gmap.get(g.0 as usize).copied().unwrap_or(*g);
        for p in &dep.principals {
            let mut np = p.clone();
            np.policies = p.policies.iter().map(remap).collect();
            np.boundary = p.boundary.as_ref().map(remap);
            np.trust = p.trust.and_then(|t| map.get(t.0 as usize).copied());
            np.groups = p.groups.iter().map(regroup).collect();
            if np.account.is_none() {
                np.account.clone_from(&self.account);
            }
            let user = p.kind == PrincipalKind::User;
            match self.principal(p.kind, &p.name) {
                Some(i) if user && !dep.defines_users => {
                    // a source that does not manage users only adds them to its groups
                    if let Some(x) = self.snap.principals.get_mut(i) {
                        for g in np.groups {
                            if !x.groups.contains(&g) {
                                x.groups.push(g);
                            }
                        }
                    }
                    touched.push(i);
                }
                Some(i) => {
                    if let Some(x) = self.snap.principals.get_mut(i) {
                        x.policies = np.policies;
                        x.boundary = np.boundary;
                        x.trust = np.trust;
                        if user {
                            x.groups = np.groups;
                        }
                    }
                    touched.push(i);
                }
                None if user && !dep.defines_users => {
                    self.warn(format!("the deployed source adds user `{}` to groups, and no such user exists at this step", p.name));
                }
                None => touched.extend(self.put_principal(np)),
            }
        }
        if let Some(name) = stack {
            let new = contents_of(dep);
            if let Some(old) = self.stacks.remove(name) {
                let dropped = Contents {
                    groups: old
                        .groups
                        .into_iter()
                        .filter(|g| !new.groups.contains(g))
                        .collect(),
                    principals: old
                        .principals
                        .into_iter()
                        .filter(|p| !new.principals.contains(p))
                        .collect(),
                    policies: old
                        .policies
                        .into_iter()
                        .filter(|p| !new.policies.contains(p))
                        .collect(),
                };
                touched.extend(self.delete_contents(&dropped));
            }
            self.stacks.insert(name.to_owned(), new);
        }
        touched
    }
}

// ---------------------------------------------------------------------------------------
// Reordering.

/// What a step creates and what it deletes, for the dependencies a reordering keeps.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Key {
    Entity(EntityKind, String),
    Stack(String),
    Member(String, String),
    Attach(EntityKind, String, String),
    Inline(EntityKind, String, String),
    Assign(String, String, String),
}

impl Key {
    fn text(&self) -> String {
        match self {
            Key::Entity(k, n) => format!("{} `{n}`", k.as_str()),
            Key::Stack(s) => format!("stack `{s}`"),
            Key::Member(u, g) => format!("the membership of `{u}` in `{g}`"),
            Key::Attach(k, n, p) => format!("the attachment of `{p}` to {} `{n}`", k.as_str()),
            Key::Inline(k, n, p) => format!("the inline policy `{p}` of {} `{n}`", k.as_str()),
            Key::Assign(a, ps, p) => format!("the assignment of `{ps}` to `{p}` in {a}"),
        }
    }
}

fn keys(step: &Step) -> (Vec<Key>, Vec<Key>, Vec<Key>) {
    let (mut creates, mut deletes, mut uses) = (Vec::new(), Vec::new(), Vec::new());
    let of_snapshot = |s: &Snapshot, out: &mut Vec<Key>| {
        let c = contents_of(s);
        out.extend(
            c.groups
                .into_iter()
                .map(|g| Key::Entity(EntityKind::Group, g)),
        );
        out.extend(c.principals.into_iter().map(|(k, n)| {
            Key::Entity(
                if k == PrincipalKind::User {
                    EntityKind::User
                } else {
                    EntityKind::Role
                },
                n,
            )
        }));
        out.extend(
            c.policies
                .into_iter()
                .map(|p| Key::Entity(EntityKind::Policy, p)),
        );
    };
    let short = |p: &str| p.rsplit('/').next().unwrap_or(p).to_owned();
    match &step.action {
        StepAction::Deploy { deployed, stack } => {
            if let Some(s) = stack {
                creates.push(Key::Stack(s.clone()));
            }
            of_snapshot(&deployed.snapshot, &mut creates);
        }
        StepAction::DeleteStack { stack } => deletes.push(Key::Stack(stack.clone())),
        StepAction::AddUserToGroup { user, group } => {
            creates.push(Key::Member(user.clone(), group.clone()));
            uses.push(Key::Entity(EntityKind::Group, group.clone()));
            uses.push(Key::Entity(EntityKind::User, user.clone()));
        }
        StepAction::RemoveUserFromGroup { user, group } => {
            deletes.push(Key::Member(user.clone(), group.clone()))
        }
        StepAction::AttachPolicy {
            holder,
            name,
            policy,
            ..
        } => {
            creates.push(Key::Attach(*holder, name.clone(), short(policy)));
            uses.push(Key::Entity(*holder, name.clone()));
            uses.push(Key::Entity(EntityKind::Policy, short(policy)));
        }
        StepAction::DetachPolicy {
            holder,
            name,
            policy,
        } => {
            deletes.push(Key::Attach(*holder, name.clone(), short(policy)));
        }
        StepAction::PutInlinePolicy {
            holder,
            name,
            policy_name,
            ..
        } => {
            creates.push(Key::Inline(*holder, name.clone(), policy_name.clone()));
            uses.push(Key::Entity(*holder, name.clone()));
        }
        StepAction::DeleteInlinePolicy {
            holder,
            name,
            policy_name,
        } => {
            deletes.push(Key::Inline(*holder, name.clone(), policy_name.clone()));
        }
        StepAction::Create { kind, name, .. } => creates.push(Key::Entity(*kind, name.clone())),
        StepAction::Delete { kind, name } => {
            let n = if *kind == EntityKind::Policy {
                short(name)
            } else {
                name.clone()
            };
            deletes.push(Key::Entity(*kind, n));
        }
        StepAction::CreatePolicyVersion { policy, .. }
        | StepAction::SetDefaultPolicyVersion { policy, .. } => {
            uses.push(Key::Entity(EntityKind::Policy, short(policy)));
        }
        StepAction::Assignment {
            assign,
            account,
            permission_set,
            principal,
            ..
        } => {
            let k = Key::Assign(account.clone(), permission_set.clone(), principal.clone());
            if *assign {
                creates.push(k);
            } else {
                deletes.push(k);
            }
        }
    }
    (creates, deletes, uses)
}

/// What a step creates, deletes and uses, and whether it is subtractive.
type StepKeys = (Vec<Key>, Vec<Key>, Vec<Key>, bool);

/// A dependency kept: step `from` (an index) must stay before `to`, because of `key`.
struct Edge {
    from: usize,
    to: usize,
    key: Key,
}

/// Additive steps first, subtractive ones after, each kind in its own order; a subtractive
/// step stays before a later additive one that makes again (or uses) what it deletes. A
/// step editing a document in place counts as subtractive when it is one of `narrowing`
/// (the step numbers that took access away when replayed in the runbook's order): a
/// policy narrowed in place waits for the steps that grant its access elsewhere.
fn propose(runbook: &Runbook, narrowing: &BTreeSet<usize>) -> (Vec<usize>, Vec<Edge>) {
    let n = runbook.steps.len();
    let info: Vec<StepKeys> = runbook
        .steps
        .iter()
        .map(|s| {
            let (c, d, u) = keys(s);
            let sub = s.action.subtractive()
                || (s.action.edits_in_place() && narrowing.contains(&s.number));
            (c, d, u, sub)
        })
        .collect();
    let mut edges = Vec::new();
    // deleted keys → the subtractive steps that delete them, for the additive ones after
    let mut deleted_by: FxHashMap<&Key, Vec<usize>> = FxHashMap::default();
    for (j, (creates, deletes, uses, sub)) in info.iter().enumerate() {
        if !sub {
            for k in creates.iter().chain(uses) {
                if let Some(list) = deleted_by.get(k) {
                    for &i in list {
                        edges.push(Edge {
                            from: i,
                            to: j,
                            key: k.clone(),
                        });
                    }
                }
                // a stack's contents: deleting the stack deletes them
            }
        }
        for k in deletes {
            deleted_by.entry(k).or_default().push(j);
        }
    }
    // deleting a stack deletes what it holds: a later deploy of the same stack (or of a
    // source making the same entities) depends on it through the stack key above
    let mut preds = vec![0usize; n];
    let mut succ: Vec<Vec<usize>> = vec![Vec::new(); n];
    let add = |a: usize, b: usize, preds: &mut Vec<usize>, succ: &mut Vec<Vec<usize>>| {
        if let Some(s) = succ.get_mut(a) {
            s.push(b);
        }
        if let Some(p) = preds.get_mut(b) {
            *p += 1;
        }
    };
    for e in &edges {
        add(e.from, e.to, &mut preds, &mut succ);
    }
    // each kind keeps its own order
    for sub in [false, true] {
        let idx: Vec<usize> = (0..n)
            .filter(|&i| info.get(i).is_some_and(|x| x.3 == sub))
            .collect();
        for w in idx.windows(2) {
            if let [a, b] = w {
                add(*a, *b, &mut preds, &mut succ);
            }
        }
    }
    let mut order = Vec::with_capacity(n);
    let mut ready: BTreeSet<(bool, usize)> = (0..n)
        .filter(|&i| preds.get(i) == Some(&0))
        .map(|i| (info.get(i).is_some_and(|x| x.3), i))
        .collect();
    while let Some(first) = ready.pop_first() {
        let i = first.1;
        order.push(i);
        for &j in succ.get(i).map(Vec::as_slice).unwrap_or_default() {
            if let Some(p) = preds.get_mut(j) {
                *p = p.saturating_sub(1);
                if *p == 0 {
                    ready.insert((info.get(j).is_some_and(|x| x.3), j));
                }
            }
        }
    }
    if order.len() != n {
        // cannot happen (edges go forward in the runbook's order); keep the original
        return ((0..n).collect(), edges);
    }
    (order, edges)
}

/// Why windows remain under the proposed order.
fn reasons(runbook: &Runbook, remaining: &[Window], edges: &[Edge]) -> Vec<String> {
    let mut out = BTreeSet::new();
    let number = |i: usize| runbook.steps.get(i).map_or(0, |s| s.number);
    for w in remaining {
        if w.closed.is_none() {
            out.insert(format!(
                "{} `{}` still lacks access at the end of the runbook: the end state itself loses it, so no order of these steps closes the window",
                w.kind, w.principal
            ));
            continue;
        }
        let mut found = false;
        for e in edges.iter().filter(|e| {
            number(e.from) == w.opened || w.lacks.iter().any(|l| l.step == number(e.from))
        }) {
            found = true;
            out.insert(format!(
                "step {} deletes {} and step {} makes it again: that order is kept, so {} `{}` lacks access in between; make the new one under another name, or update it in place",
                number(e.from),
                e.key.text(),
                number(e.to),
                w.kind,
                w.principal
            ));
        }
        if !found {
            out.insert(format!(
                "{} `{}` lacks access from step {} while the steps that restore it must follow it",
                w.kind, w.principal, w.opened
            ));
        }
    }
    out.into_iter().collect()
}
