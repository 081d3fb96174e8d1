//! The comparison of a port, in the target's terms: each source principal's effective
//! access (every allowed or conditional action on every resource pattern of its grants,
//! less what a deny removes at that pattern) is translated by the first matching
//! `permissions` rule into target tokens, and by the first matching `resources` rule into a
//! target scope; the target side is evaluated natively (GCP through its evaluation, the
//! platform by its two roles). Findings: `lost` (a translated token the target does not
//! hold on that scope), `unmapped` (no rule translates the permission, resource or
//! identity) and `port-widened` (the target holds more than the translation asks for).

use std::collections::{BTreeMap, BTreeSet};

use crate::catalog::{AccessLevel, ActionId, Catalog};
use crate::eval::Decision;
use crate::eval::effective::{Effective, Evaluation, Status};
use crate::model::{PlatformRole, PlatformSide, Snapshot};

use super::super::compare::route;
use super::super::err::DiffError;
use super::super::findings::{Code, Finding, Route, Side};
use super::super::outcome::{Counts, PrincipalDiff, PrincipalStatus};
use super::super::run::{DiffOptions, Outcome, Tally, finish};
use super::{IdTarget, Port, ResMatch, ScopeRule, TargetKind};

/// The sides of a port: the source in its own vocabulary, the target in its own.
pub struct PortInputs<'a> {
    pub source: &'a Snapshot,
    pub source_eval: &'a Effective,
    pub source_catalog: &'a Catalog,
    pub target: &'a Snapshot,
    /// The target's evaluation (GCP); empty for the platform, evaluated here.
    pub target_eval: &'a Effective,
    pub target_catalog: &'a Catalog,
}

/// How many example actions a message names.
const EXAMPLES: usize = 5;

/// What one principal's translation asks of the target at one (scope, token).
#[derive(Default)]
struct Wanted {
    actions: BTreeSet<String>,
    ids: BTreeSet<ActionId>,
    routes: BTreeSet<Route>,
    rules: BTreeSet<RuleRef>,
    resources: BTreeSet<String>,
    /// Every source grant behind it is conditional.
    conditional: bool,
    any_allowed: bool,
}

/// A rule of the map behind a translation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum RuleRef {
    Permission(usize),
    Resource(usize),
}

/// Tokens lost on one (scope, service): the tokens, the source actions behind them, what
/// asked for them, and why (`not-allowed`, `absent`, `no-such-scope`).
type Lost<'a> = (BTreeSet<String>, BTreeSet<String>, Vec<&'a Wanted>, String);

/// Source access no rule expresses, per service.
#[derive(Default)]
struct Unexpressed {
    actions: BTreeSet<String>,
    routes: BTreeSet<Route>,
    resources: BTreeSet<String>,
    level: Option<AccessLevel>,
}

/// Checks the map against the target's vocabulary: every GCP `to` names a permission or
/// role of the catalog. An error names the rule's place.
pub fn check(port: &Port, target_catalog: &Catalog) -> Result<(), DiffError> {
    if port.to != TargetKind::Gcp {
        return Ok(());
    }
    for r in &port.permissions {
        for (j, t) in r.to.iter().enumerate() {
            if target_catalog.lookup(t).is_none() && target_catalog.role_actions(t).is_none() {
                return Err(DiffError::new(
                    crate::model::Place::pointer(
                        port.file.clone(),
                        format!("/port/permissions/{}/to/{j}", r.index),
                    ),
                    format!("`{t}` is neither a GCP permission nor a predefined role"),
                ));
            }
        }
    }
    Ok(())
}

/// A rule's place as a route, so every report shows the rule behind a finding.
fn rule_route(port: &Port, section: &str, index: usize, via: String) -> Route {
    Route {
        file: port.file.to_string(),
        policy: format!("port map {section}"),
        policy_arn: None,
        version: None,
        kind: "port-rule".into(),
        statement: format!("#{index}"),
        via,
        pointer: Some(format!("/port/{section}/{index}")),
    }
}

/// The target tokens of a rule: GCP roles stand for their permissions.
fn tokens(port: &Port, target: &Catalog, to: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    for t in to {
        match (port.to, target.role_actions(t)) {
            (TargetKind::Gcp, Some(ids)) => out.extend(
                ids.iter()
                    .filter_map(|i| target.action(*i).map(crate::catalog::Action::full_name)),
            ),
            _ => out.push(t.clone()),
        }
    }
    out.sort();
    out.dedup();
    out
}

/// A concrete resource standing for a pattern, to ask the source evaluation whether a
/// deny removes the action there.
fn sample(pattern: &str) -> String {
    pattern.replace(['*', '?'], "x")
}

/// The account an ARN pattern names (fifth field), if it names one.
fn arn_account(pattern: &str) -> Option<&str> {
    let acct = pattern.split(':').nth(4)?;
    (!acct.is_empty() && !acct.contains(['*', '?'])).then_some(acct)
}

/// The target scope label of a source resource pattern, by the first matching rule.
fn scope_label(
    port: &Port,
    pattern: &str,
    account: Option<&str>,
    conditions: &[(String, Vec<String>)],
) -> Option<(String, usize)> {
    port.resources.iter().find_map(|r| {
        let hit = match &r.matches {
            ResMatch::Account(a) => match arn_account(pattern) {
                Some(x) => x == a,
                None => account == Some(a.as_str()),
            },
            ResMatch::Arn(g) => crate::eval::wildcard::matches_ignore_ascii_case(g, pattern),
            ResMatch::Tag(k, v) => {
                let key = format!("aws:resourcetag/{}", k.to_ascii_lowercase());
                conditions
                    .iter()
                    .any(|(ck, vals)| ck.to_ascii_lowercase() == key && vals.contains(v))
            }
            ResMatch::Project(p) => {
                let seg = format!("projects/{p}");
                pattern
                    .split('/')
                    .collect::<Vec<_>>()
                    .windows(2)
                    .any(|w| w.first() == Some(&"projects") && w.get(1) == Some(&p.as_str()))
                    || pattern.starts_with(&seg)
            }
        };
        hit.then(|| (r.to.clone(), r.index))
    })
}

/// One target principal's translated source access.
#[derive(Default)]
struct Translation {
    /// (scope label, token) → what asks for it.
    wanted: BTreeMap<(String, String), Wanted>,
    unmapped: BTreeMap<String, Unexpressed>,
    no_scope: BTreeMap<String, Unexpressed>,
    sources: Vec<String>,
    source_routes: BTreeSet<Route>,
    identity_rules: BTreeSet<usize>,
}

/// Translates one source principal's evaluation into `t`.
fn translate(
    port: &Port,
    inputs: &PortInputs<'_>,
    rule_of: &[Option<usize>],
    rule_tokens: &[Vec<String>],
    account: Option<&str>,
    ev: &Evaluation,
    t: &mut Translation,
) {
    let cat = inputs.source_catalog;
    let universe = cat.actions().len();
    for g in &ev.grants {
        let conditional = g.status() == Status::Conditional;
        let r = route(&g.source, &g.via);
        let conditions: Vec<(String, Vec<String>)> = g
            .conditions
            .iter()
            .flat_map(|c| c.clauses.iter().map(|k| (k.key.clone(), k.values.clone())))
            .collect();
        for id in g.actions.ids.iter(universe) {
            let Some(action) = cat.action(id) else {
                continue;
            };
            let name = action.full_name();
            for pattern in g.scope.texts() {
                let point = ev.decide(id, &sample(pattern));
                let cond = match point.decision {
                    Decision::Allowed => conditional,
                    Decision::Conditional => true,
                    _ => continue,
                };
                let rule = rule_of.get(id as usize).copied().flatten();
                let Some(ri) = rule else {
                    let u = t.unmapped.entry(action.service.clone()).or_default();
                    u.actions.insert(name.clone());
                    u.routes.insert(r.clone());
                    u.resources.insert(pattern.to_owned());
                    u.level = u.level.max(Some(action.level));
                    continue;
                };
                let Some(prule) = port.permissions.get(ri) else {
                    continue;
                };
                if prule.drop {
                    continue;
                }
                let label = match prule.scope {
                    ScopeRule::Organization => Some(("organization".to_owned(), None)),
                    ScopeRule::Resource => {
                        scope_label(port, pattern, account, &conditions).map(|(l, i)| (l, Some(i)))
                    }
                };
                let Some((label, res_rule)) = label else {
                    let u = t.no_scope.entry(action.service.clone()).or_default();
                    u.actions.insert(name.clone());
                    u.routes.insert(r.clone());
                    u.resources.insert(pattern.to_owned());
                    u.level = u.level.max(Some(action.level));
                    continue;
                };
                for tok in rule_tokens.get(ri).map(Vec::as_slice).unwrap_or_default() {
                    let w = t.wanted.entry((label.clone(), tok.clone())).or_default();
                    w.actions.insert(name.clone());
                    w.ids.insert(id);
                    w.routes.insert(r.clone());
                    w.rules.insert(RuleRef::Permission(ri));
                    if let Some(i) = res_rule {
                        w.rules.insert(RuleRef::Resource(i));
                    }
                    w.resources.insert(pattern.to_owned());
                    if cond {
                        w.conditional = !w.any_allowed;
                    } else {
                        w.any_allowed = true;
                        w.conditional = false;
                    }
                }
                t.source_routes.insert(r.clone());
            }
        }
    }
}

/// Whether the target holds `token` on `label` for principal `j`, and by what.
enum Held {
    Yes,
    Conditional(Vec<Route>),
    No,
    /// The label names no scope of the target.
    NoScope,
}

fn platform_route(side: &PlatformSide, place: &crate::model::Place, via: String) -> Route {
    Route {
        file: place.file.to_string(),
        policy: format!("platform {} organization {}", side.name, side.organization),
        policy_arn: None,
        version: None,
        kind: "platform".into(),
        statement: place
            .pointer
            .as_deref()
            .and_then(|p| p.rsplit('/').next())
            .map(|i| format!("#{i}"))
            .unwrap_or_else(|| "#0".into()),
        via,
        pointer: place.pointer.clone(),
    }
}

/// What the platform grants a member: (token, scope label, route).
fn platform_grants(side: &PlatformSide, id: &str) -> Vec<(String, String, Route)> {
    let mut out = Vec::new();
    if let Some(m) = side.member(id)
        && m.role == PlatformRole::Administrator
    {
        out.push((
            "Administrator".to_owned(),
            "organization".to_owned(),
            platform_route(side, &m.place, "organization role Administrator".into()),
        ));
    }
    for p in &side.projects {
        for (mid, place) in &p.members {
            if mid == id {
                out.push((
                    "Member".to_owned(),
                    p.name.clone(),
                    platform_route(side, place, format!("member of project {}", p.name)),
                ));
            }
        }
    }
    out
}

struct Target<'a> {
    inputs: &'a PortInputs<'a>,
    port: &'a Port,
    /// Target principal name → its evaluation (GCP).
    evals: BTreeMap<&'a str, &'a Evaluation>,
}

impl Target<'_> {
    fn gcp_path(&self, label: &str) -> Option<String> {
        let g = self.inputs.target.gcp.as_ref()?;
        if label == "organization" {
            return g
                .nodes
                .iter()
                .find(|n| n.kind == crate::model::GcpNodeKind::Organization)
                .map(|n| n.path.clone());
        }
        g.scope_of(label)
    }

    fn holds(&self, who: &str, token: &str, label: &str) -> Held {
        match self.port.to {
            TargetKind::Platform => {
                let Some(side) = self.inputs.target.platform.as_ref() else {
                    return Held::NoScope;
                };
                if label != "organization" && side.project(label).is_none() {
                    return Held::NoScope;
                }
                let routes: Vec<Route> = platform_grants(side, who)
                    .into_iter()
                    .filter(|(t, l, _)| t == token && (t == "Administrator" || l == label))
                    .map(|(_, _, r)| r)
                    .collect();
                if routes.is_empty() {
                    Held::No
                } else {
                    Held::Yes
                }
            }
            TargetKind::Gcp => {
                let Some(path) = self.gcp_path(label) else {
                    return Held::NoScope;
                };
                let (Some(ev), Some(id)) = (
                    self.evals.get(who),
                    self.inputs.target_catalog.lookup(token),
                ) else {
                    return Held::No;
                };
                let p = ev.decide(id, &path);
                let routes = p.deciding.iter().map(|(o, v)| route(o, v)).collect();
                match p.decision {
                    Decision::Allowed => Held::Yes,
                    Decision::Conditional => Held::Conditional(routes),
                    _ => Held::No,
                }
            }
        }
    }

    /// What the target grants principal `who`: (tokens, scope, route behind them).
    fn grants(&self, who: &str) -> Vec<(Vec<String>, String, Route)> {
        match self.port.to {
            TargetKind::Platform => self
                .inputs
                .target
                .platform
                .as_ref()
                .map(|side| {
                    platform_grants(side, who)
                        .into_iter()
                        .map(|(t, l, r)| (vec![t], l, r))
                        .collect()
                })
                .unwrap_or_default(),
            TargetKind::Gcp => {
                let Some(ev) = self.evals.get(who) else {
                    return Vec::new();
                };
                let cat = self.inputs.target_catalog;
                let universe = cat.actions().len();
                let mut out = Vec::new();
                for g in &ev.grants {
                    let names: Vec<String> = g
                        .actions
                        .ids
                        .iter(universe)
                        .filter_map(|i| cat.action(i).map(crate::catalog::Action::full_name))
                        .collect();
                    let paths: BTreeSet<&str> = g
                        .scope
                        .texts()
                        .into_iter()
                        .map(|t| t.strip_suffix("/*").unwrap_or(t))
                        .collect();
                    for p in paths {
                        out.push((names.clone(), p.to_owned(), route(&g.source, &g.via)));
                    }
                }
                out
            }
        }
    }

    /// The level of a target token, for severity.
    fn level(&self, token: &str) -> AccessLevel {
        match self.port.to {
            TargetKind::Platform if token == "Administrator" => AccessLevel::PermissionsManagement,
            TargetKind::Platform => AccessLevel::Write,
            TargetKind::Gcp => self
                .inputs
                .target_catalog
                .lookup(token)
                .and_then(|i| self.inputs.target_catalog.action(i))
                .map_or(AccessLevel::Write, |a| a.level),
        }
    }

    fn service(&self, token: &str) -> String {
        match self.port.to {
            TargetKind::Platform => "platform".into(),
            TargetKind::Gcp => token.split('.').next().unwrap_or(token).to_owned(),
        }
    }
}

fn examples(set: &BTreeSet<String>) -> String {
    let mut v: Vec<String> = set
        .iter()
        .take(EXAMPLES)
        .map(|a| format!("`{a}`"))
        .collect();
    if set.len() > EXAMPLES {
        v.push(format!("and {} more", set.len() - EXAMPLES));
    }
    v.join(", ")
}

#[allow(clippy::too_many_arguments)]
fn finding(
    code: Code,
    severity: AccessLevel,
    principal: &str,
    service: String,
    actions: Vec<String>,
    pairs: usize,
    witness: Option<String>,
    message: String,
    before: Side,
    after: Side,
) -> Finding {
    Finding {
        code,
        category: code.category(),
        severity,
        principal_kind: "user".into(),
        principal: principal.to_owned(),
        service,
        actions,
        pairs,
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

/// Compares the source, translated by the port, with the target (see the module doc).
pub fn compare(port: &Port, inputs: &PortInputs<'_>, opts: &DiffOptions<'_>) -> Outcome {
    let scat = inputs.source_catalog;
    // the first rule of each source action, once
    let rule_of: Vec<Option<usize>> = scat
        .actions()
        .iter()
        .map(|a| {
            let name = a.full_name();
            port.permissions.iter().position(|r| r.matches(&name))
        })
        .collect();
    let rule_tokens: Vec<Vec<String>> = port
        .permissions
        .iter()
        .map(|r| tokens(port, inputs.target_catalog, &r.to))
        .collect();
    // the source actions each target token stands for (what a role is "made of")
    let mut preimage: BTreeMap<&str, BTreeSet<ActionId>> = BTreeMap::new();
    for (id, r) in rule_of.iter().enumerate() {
        let Some(ri) = r else { continue };
        for tok in rule_tokens.get(*ri).map(Vec::as_slice).unwrap_or_default() {
            if let Ok(id) = ActionId::try_from(id) {
                preimage.entry(tok.as_str()).or_default().insert(id);
            }
        }
    }
    let target = Target {
        inputs,
        port,
        evals: inputs
            .target_eval
            .principals
            .iter()
            .filter_map(|p| {
                let pr = inputs.target.principals.get(p.principal)?;
                Some((pr.name.as_str(), p.evaluation.as_ref()))
            })
            .collect(),
    };
    let target_names: BTreeSet<&str> = inputs
        .target
        .principals
        .iter()
        .map(|p| p.name.as_str())
        .collect();

    // source principals by target principal
    let mut by_target: BTreeMap<String, Translation> = BTreeMap::new();
    let mut diffs: Vec<PrincipalDiff> = Vec::new();
    for pp in &inputs.source_eval.principals {
        let Some(p) = inputs.source.principals.get(pp.principal) else {
            continue;
        };
        match port.identity(&p.name) {
            Some(IdTarget::Skip(_)) => {}
            Some(IdTarget::To(to, rule)) => {
                let t = by_target.entry(to).or_default();
                t.sources.push(format!("{} {}", p.kind.as_str(), p.name));
                t.identity_rules.insert(rule);
                translate(
                    port,
                    inputs,
                    &rule_of,
                    &rule_tokens,
                    p.account.as_deref(),
                    &pp.evaluation,
                    t,
                );
            }
            None => {
                let mut t = Translation::default();
                translate(
                    port,
                    inputs,
                    &rule_of,
                    &rule_tokens,
                    p.account.as_deref(),
                    &pp.evaluation,
                    &mut t,
                );
                let mut actions: BTreeSet<String> = BTreeSet::new();
                for w in t.wanted.values() {
                    actions.extend(w.actions.iter().cloned());
                }
                for u in t.unmapped.values().chain(t.no_scope.values()) {
                    actions.extend(u.actions.iter().cloned());
                }
                if actions.is_empty() {
                    continue;
                }
                let f = finding(
                    Code::Unmapped,
                    AccessLevel::PermissionsManagement,
                    &p.name,
                    String::new(),
                    Vec::new(),
                    actions.len(),
                    None,
                    format!(
                        "{} {} has {} source actions and no `identities` rule of the port map \
                         names it: none of its access is carried to the target",
                        p.kind.as_str(),
                        p.name,
                        actions.len()
                    ),
                    Side {
                        status: "allowed".into(),
                        resources: Vec::new(),
                        conditions: Vec::new(),
                        routes: t.source_routes.iter().cloned().collect(),
                    },
                    Side {
                        status: "unmapped".into(),
                        ..Side::default()
                    },
                );
                diffs.push(principal_diff(
                    &p.name,
                    None,
                    PrincipalStatus::Removed,
                    vec![f],
                ));
            }
        }
    }
    let (mut removed, mut new, mut compared) = (0, 0, 0);
    for (to, t) in &by_target {
        let present = target_names.contains(to.as_str());
        let mut findings = Vec::new();
        let idroute: Vec<Route> = t
            .identity_rules
            .iter()
            .map(|i| rule_route(port, "identities", *i, format!("identity → {to}")))
            .collect();
        // lost: translated tokens the target does not hold on their scope
        let mut lost: BTreeMap<(String, String), Lost<'_>> = BTreeMap::new();
        for ((label, tok), w) in &t.wanted {
            let held = if present {
                target.holds(to, tok, label)
            } else {
                Held::No
            };
            let why = match held {
                Held::Yes => continue,
                Held::Conditional(troutes) => {
                    if w.any_allowed {
                        findings.push(finding(
                            Code::Conditional,
                            target.level(tok),
                            to,
                            target.service(tok),
                            vec![tok.clone()],
                            1,
                            Some(label.clone()),
                            format!(
                                "{} had {} unconditionally; `{tok}` on `{label}` is conditional \
                                 in the target",
                                t.sources.join(", "),
                                examples(&w.actions)
                            ),
                            Side {
                                status: "allowed".into(),
                                resources: w.resources.iter().cloned().collect(),
                                conditions: Vec::new(),
                                routes: w.routes.iter().cloned().collect(),
                            },
                            Side {
                                status: "conditional".into(),
                                resources: vec![label.clone()],
                                conditions: Vec::new(),
                                routes: troutes,
                            },
                        ));
                    }
                    continue;
                }
                Held::No if present => "not-allowed",
                Held::No => "absent",
                Held::NoScope => "no-such-scope",
            };
            let e = lost
                .entry((label.clone(), target.service(tok)))
                .or_insert_with(|| (BTreeSet::new(), BTreeSet::new(), Vec::new(), why.into()));
            e.0.insert(tok.clone());
            e.1.extend(w.actions.iter().cloned());
            e.2.push(w);
        }
        for ((label, service), (toks, src_actions, ws, why)) in lost {
            let mut routes: BTreeSet<Route> = BTreeSet::new();
            let mut rules: BTreeSet<RuleRef> = BTreeSet::new();
            let mut resources: BTreeSet<String> = BTreeSet::new();
            for w in &ws {
                routes.extend(w.routes.iter().cloned());
                rules.extend(w.rules.iter().copied());
                resources.extend(w.resources.iter().cloned());
            }
            let mut routes: Vec<Route> = routes.into_iter().collect();
            routes.extend(rules.iter().map(|r| match *r {
                RuleRef::Resource(i) => {
                    let to = port
                        .resources
                        .get(i)
                        .map(|r| r.to.clone())
                        .unwrap_or_default();
                    rule_route(port, "resources", i, format!("resource → {to}"))
                }
                RuleRef::Permission(i) => {
                    let label = port
                        .permissions
                        .get(i)
                        .map(|r| r.label())
                        .unwrap_or_default();
                    rule_route(port, "permissions", i, label)
                }
            }));
            routes.extend(idroute.iter().cloned());
            let severity = toks
                .iter()
                .map(|t| target.level(t))
                .max()
                .unwrap_or(AccessLevel::List);
            let scope_word = if label == "organization" {
                "the organization".to_owned()
            } else {
                format!("`{label}`")
            };
            let reason = match why.as_str() {
                "absent" => format!("the target has no principal `{to}`"),
                "no-such-scope" => format!("the target has no scope {scope_word}"),
                _ => format!("the target does not grant it on {scope_word}"),
            };
            let n = toks.len();
            findings.push(finding(
                Code::Lost,
                severity,
                to,
                service,
                toks.into_iter().collect(),
                n,
                Some(label.clone()),
                format!(
                    "{} (from {}) maps to {n} target token(s) on {scope_word}: {reason}",
                    t.sources.join(", "),
                    examples(&src_actions),
                ),
                Side {
                    status: "allowed".into(),
                    resources: resources.into_iter().collect(),
                    conditions: Vec::new(),
                    routes,
                },
                Side {
                    status: if why == "absent" {
                        "absent"
                    } else {
                        "not-allowed"
                    }
                    .into(),
                    resources: vec![label],
                    ..Side::default()
                },
            ));
        }
        // unmapped: source access no rule expresses (permission, or resource)
        for (what, map) in [("permissions", &t.unmapped), ("resources", &t.no_scope)] {
            for (service, u) in map {
                let mut routes: Vec<Route> = u.routes.iter().cloned().collect();
                routes.extend(idroute.iter().cloned());
                let msg = if what == "permissions" {
                    format!(
                        "{}: {} {service} action(s) ({}) match no `permissions` rule of the \
                         port map: the target cannot express them",
                        t.sources.join(", "),
                        u.actions.len(),
                        examples(&u.actions)
                    )
                } else {
                    format!(
                        "{}: {} {service} action(s) ({}) on {} match no `resources` rule of the \
                         port map: the target scope is unknown",
                        t.sources.join(", "),
                        u.actions.len(),
                        examples(&u.actions),
                        examples(&u.resources)
                    )
                };
                findings.push(finding(
                    Code::Unmapped,
                    u.level.unwrap_or(AccessLevel::List),
                    to,
                    service.clone(),
                    u.actions.iter().cloned().collect(),
                    u.actions.len(),
                    u.resources.first().cloned(),
                    msg,
                    Side {
                        status: "allowed".into(),
                        resources: u.resources.iter().cloned().collect(),
                        conditions: Vec::new(),
                        routes,
                    },
                    Side {
                        status: "unmapped".into(),
                        ..Side::default()
                    },
                ));
            }
        }
        if present {
            findings.extend(widened(port, &target, &preimage, to, Some(t)));
            compared += 1;
        } else {
            removed += 1;
        }
        if !findings.is_empty() {
            let status = if present {
                PrincipalStatus::Changed
            } else {
                PrincipalStatus::Removed
            };
            diffs.push(principal_diff(
                to,
                Some(t.sources.join(", ")),
                status,
                findings,
            ));
        }
    }
    // target principals no source principal is ported to: all they hold is wider
    for p in &inputs.target.principals {
        let name = p.name.as_str();
        let person = port.to == TargetKind::Platform
            || name.starts_with("user:")
            || name.starts_with("serviceAccount:");
        if by_target.contains_key(name) || !person {
            continue;
        }
        let findings = widened(port, &target, &preimage, name, None);
        if !findings.is_empty() {
            new += 1;
            diffs.push(principal_diff(name, None, PrincipalStatus::New, findings));
        }
    }
    let changed = diffs
        .iter()
        .filter(|d| d.status == PrincipalStatus::Changed)
        .count();
    let cat = match port.to {
        TargetKind::Gcp => inputs.target_catalog,
        TargetKind::Platform => inputs.source_catalog,
    };
    finish(
        cat,
        diffs,
        Tally {
            compared,
            changed,
            removed,
            new,
        },
        opts,
        None,
    )
}

fn principal_diff(
    name: &str,
    before: Option<String>,
    status: PrincipalStatus,
    findings: Vec<Finding>,
) -> PrincipalDiff {
    PrincipalDiff {
        kind: "user".into(),
        account: None,
        before_name: before,
        name: name.to_owned(),
        arn_before: None,
        arn_after: None,
        status,
        counts: Counts::default(),
        max_severity: AccessLevel::List,
        fails_gate: false,
        findings,
    }
}

/// What the target grants `who` beyond the translation `t` (all of it when no source
/// principal is ported to `who`).
fn widened(
    port: &Port,
    target: &Target<'_>,
    preimage: &BTreeMap<&str, BTreeSet<ActionId>>,
    who: &str,
    t: Option<&Translation>,
) -> Vec<Finding> {
    let scat = target.inputs.source_catalog;
    let sources = t.map(|t| t.sources.join(", ")).unwrap_or_default();
    let absent = t.is_none();
    let before_side = |routes: Vec<Route>| Side {
        status: if absent { "absent" } else { "allowed" }.into(),
        resources: Vec::new(),
        conditions: Vec::new(),
        routes,
    };
    let mut out = Vec::new();
    for (toks, scope, troute) in target.grants(who) {
        match port.to {
            TargetKind::Platform => {
                // a role is made of the source actions the map turns into it; the
                // principal is widened by those it did not have there
                for tok in toks {
                    let made_of = preimage.get(tok.as_str()).cloned().unwrap_or_default();
                    let mut had: BTreeSet<ActionId> = BTreeSet::new();
                    let mut routes: BTreeSet<Route> = BTreeSet::new();
                    if let Some(t) = t {
                        for ((label, tk), w) in &t.wanted {
                            if *tk == tok && (tok == "Administrator" || *label == scope) {
                                had.extend(w.ids.iter().copied());
                                routes.extend(w.routes.iter().cloned());
                            }
                        }
                    }
                    let extra: BTreeSet<String> = made_of
                        .difference(&had)
                        .filter_map(|i| scat.action(*i).map(crate::catalog::Action::full_name))
                        .collect();
                    if !made_of.is_empty() && extra.is_empty() {
                        continue;
                    }
                    let scope_word = if scope == "organization" {
                        "the organization".to_owned()
                    } else {
                        format!("project `{scope}`")
                    };
                    let rules: Vec<Route> = port
                        .permissions
                        .iter()
                        .filter(|r| r.to.contains(&tok))
                        .map(|r| rule_route(port, "permissions", r.index, r.label()))
                        .collect();
                    let message = if made_of.is_empty() {
                        format!(
                            "`{tok}` on {scope_word} is held, and no source permission maps to it"
                        )
                    } else if absent {
                        format!(
                            "`{tok}` on {scope_word} stands for {} source actions (e.g. {}); \
                             {who} had none of them in the source",
                            made_of.len(),
                            examples(&extra)
                        )
                    } else {
                        format!(
                            "`{tok}` on {scope_word} stands for {} source actions; {sources} had \
                             {} of them there, so it widens by {} (e.g. {})",
                            made_of.len(),
                            made_of.len() - extra.len(),
                            extra.len(),
                            examples(&extra)
                        )
                    };
                    let mut broutes: Vec<Route> = routes.into_iter().collect();
                    broutes.extend(rules);
                    out.push(finding(
                        Code::PortWidened,
                        target.level(&tok),
                        who,
                        "platform".into(),
                        vec![tok.clone()],
                        extra.len().max(1),
                        Some(scope.clone()),
                        message,
                        before_side(broutes),
                        Side {
                            status: "allowed".into(),
                            resources: vec![scope.clone()],
                            conditions: Vec::new(),
                            routes: vec![troute.clone()],
                        },
                    ));
                }
            }
            TargetKind::Gcp => {
                // a permission is wider when no translated token asks for it within scope
                let covered = |tok: &str| {
                    t.is_some_and(|t| {
                        t.wanted.keys().any(|(label, tk)| {
                            tk == tok
                                && target.gcp_path(label).is_some_and(|p| {
                                    p == scope || scope.starts_with(&format!("{p}/"))
                                })
                        })
                    })
                };
                let mut by_service: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
                for tok in toks.iter().filter(|tk| !covered(tk)) {
                    by_service
                        .entry(target.service(tok))
                        .or_default()
                        .insert(tok.clone());
                }
                for (service, extra) in by_service {
                    let severity = extra
                        .iter()
                        .map(|x| target.level(x))
                        .max()
                        .unwrap_or(AccessLevel::List);
                    let n = extra.len();
                    out.push(finding(
                        Code::PortWidened,
                        severity,
                        who,
                        service.clone(),
                        extra.iter().cloned().collect(),
                        n,
                        Some(scope.clone()),
                        format!(
                            "{} grants {n} {service} permission(s) on `{scope}` ({}) that no \
                             ported source permission asks for{}",
                            troute.summary(),
                            examples(&extra),
                            if absent {
                                String::new()
                            } else {
                                format!(" ({sources})")
                            }
                        ),
                        before_side(Vec::new()),
                        Side {
                            status: "allowed".into(),
                            resources: vec![scope.clone()],
                            conditions: Vec::new(),
                            routes: vec![troute.clone()],
                        },
                    ));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{arn_account, sample};

    #[test]
    fn samples_and_accounts() {
        assert_eq!(sample("arn:aws:s3:::b/*"), "arn:aws:s3:::b/x");
        assert_eq!(
            arn_account("arn:aws:ec2:us-east-1:111122223333:instance/*"),
            Some("111122223333")
        );
        assert_eq!(arn_account("arn:aws:s3:::b"), None);
        assert_eq!(arn_account("*"), None);
    }
}
