//! People (issue 9): each person of a side (IAM users, Identity Center users, one person
//! when they share a name or e-mail) with what they can do directly and through every
//! role they reach, and by which path.
//!
//! Roles are evaluated once (by `effective`); a person's access is the union of their own
//! evaluation and a session per reached role (a session holds one role at a time, so a
//! role's denies bear only on its own grants). People with the same starting points (the
//! members of one Identity Center group, say) share one result.

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::collections::BTreeSet;
use std::sync::Arc;

use crate::catalog::Catalog;
use crate::model::{
    AssignmentPrincipal, ConditionClause, Person, PersonSource, Place, PrincipalKind, Snapshot,
};

use super::assume::{self, DEPTH_LIMIT, Graph, Node, Reach};
use super::condition::Tri;
use super::context::RequestContext;
use super::effective::{CondNote, Effective, Evaluation, Session, count_actions};
use super::layers::Via;

/// One step of a path: who assumes which role, by which trust statement. The texts are
/// shared: a side formats each edge of its graph once, and every person's path through
/// it holds the same text (thousands of people share their roles' paths).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Step {
    pub from: Arc<str>,
    pub role: Arc<str>,
    pub action: Arc<str>,
    /// The trust statement that admits the step (`Trust policy `role-a`, Sid X (file)`).
    pub trust: Arc<str>,
    /// The caller's statements that allow the action, where AWS needs them.
    #[serde(skip_serializing_if = "no_text")]
    pub identity: Arc<[String]>,
    /// Undecided conditions of the step (`sts:ExternalId StringEquals x`).
    #[serde(skip_serializing_if = "no_text")]
    pub conditions: Arc<[String]>,
}

fn no_text(v: &Arc<[String]>) -> bool {
    v.is_empty()
}

/// A role a person reaches and the path to it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RolePath {
    /// The role as reports name it (`ACCOUNT/name` when the side holds several accounts);
    /// shared by every person with the same path (hundreds of thousands of paths a side).
    pub role: Arc<str>,
    /// Index into the snapshot's principals.
    #[serde(skip)]
    pub index: usize,
    /// `allowed`, or `conditional` when every path depends on undecided conditions.
    pub status: &'static str,
    /// The path as text: `erin → 111122223333/role-a → 444455556666/role-b`.
    pub path: String,
    /// Shared by everyone with the same path, unless it starts at a federated entry
    /// (whose first step names the person).
    pub steps: Arc<[Step]>,
    /// The path's edges in the side's assumption graph, first to last (shared as `role`).
    #[serde(skip)]
    pub edges: Arc<[u32]>,
}

/// One person of a side and their access.
#[derive(Debug, Clone)]
pub struct PersonAccess {
    pub person: Person,
    /// The IAM users this person is (indices into the snapshot's principals).
    pub users: Vec<usize>,
    pub roles: Vec<RolePath>,
    /// What could not be followed (depth limit, path budget, an assignment without its role).
    pub review: Vec<String>,
    /// Their own access and every role session's, combined.
    pub evaluation: Arc<Evaluation>,
    /// Each IAM user's own evaluation, in the order of `users`.
    pub own: Vec<Arc<Evaluation>>,
    /// Each reached role's evaluation, in the order of `roles`.
    pub role_evaluations: Vec<Arc<Evaluation>>,
}

/// The people of a side, with the assumption graph they were computed from.
#[derive(Debug, Clone, Default)]
pub struct PeopleView {
    pub graph: Graph,
    pub people: Vec<PersonAccess>,
}

impl PeopleView {
    /// The person one of whose names (key, user name, e-mail, `ACCOUNT/user`) is `name`.
    pub fn find(&self, name: &str) -> Option<&PersonAccess> {
        let lower = name.to_lowercase();
        self.people
            .iter()
            .find(|p| p.person.key == name)
            .or_else(|| self.people.iter().find(|p| p.person.names.contains(&lower)))
    }

    /// Whether some person reaches some role: the inputs hold roles people assume, and
    /// the person view is what a summary should speak of.
    pub fn reaches_roles(&self) -> bool {
        self.people.iter().any(|p| !p.roles.is_empty())
    }
}

/// How reports name a principal of the side.
pub fn principal_name(snapshot: &Snapshot, several_accounts: bool, i: usize) -> String {
    snapshot
        .principals
        .get(i)
        .map(|p| p.key().display_name(several_accounts))
        .unwrap_or_default()
}

/// Whether the side's principals name more than one account.
pub fn several_accounts(snapshot: &Snapshot) -> bool {
    let accounts: BTreeSet<&str> = snapshot
        .principals
        .iter()
        .filter_map(|p| p.account.as_deref())
        .collect();
    accounts.len() > 1
}

/// The people of a side: its IAM users and the readers' Identity Center users, one
/// person when they share a name (user name, e-mail), the Identity Center name first.
pub fn persons(snapshot: &Snapshot) -> Vec<(Person, Vec<usize>)> {
    let mut out: Vec<(Person, Vec<usize>)> = Vec::new();
    let mut by_name: FxHashMap<String, usize> = FxHashMap::default();
    let mut add = |person: Person, users: Vec<usize>, out: &mut Vec<(Person, Vec<usize>)>| {
        let existing = person.names.iter().find_map(|n| by_name.get(n).copied());
        let at = match existing.and_then(|i| out.get_mut(i).map(|o| (i, o))) {
            Some((i, (p, u))) => {
                for n in &person.names {
                    if !p.names.contains(n) {
                        p.names.push(n.clone());
                    }
                }
                for g in &person.groups {
                    if !p.groups.contains(g) {
                        p.groups.push(g.clone());
                    }
                }
                // the Identity Center user gives the key
                if person.source == PersonSource::IdentityCenter
                    && p.source != PersonSource::IdentityCenter
                {
                    p.key.clone_from(&person.key);
                    p.source = person.source;
                    p.store_id.clone_from(&person.store_id);
                }
                u.extend(users);
                i
            }
            None => {
                out.push((person, users));
                out.len() - 1
            }
        };
        if let Some((p, _)) = out.get(at) {
            for n in &p.names {
                by_name.entry(n.clone()).or_insert(at);
            }
        }
    };
    for p in &snapshot.people.people {
        let mut p = p.clone();
        for n in &mut p.names {
            *n = n.to_lowercase();
        }
        add(p, Vec::new(), &mut out);
    }
    for (i, u) in snapshot.principals.iter().enumerate() {
        if u.kind != PrincipalKind::User {
            continue;
        }
        let mut names = vec![u.name.to_lowercase()];
        if let Some(a) = &u.account {
            names.push(format!("{a}/{}", u.name.to_lowercase()));
        }
        // an e-mail tag names the person as Identity Center does
        for (k, v) in &u.tags {
            if k.eq_ignore_ascii_case("email") || k.eq_ignore_ascii_case("e-mail") {
                names.push(v.to_lowercase());
            }
        }
        let person = Person {
            key: u.name.clone(),
            source: PersonSource::IamUser,
            names,
            store_id: None,
            groups: Vec::new(),
            place: Place::file(
                snapshot
                    .sources
                    .first()
                    .cloned()
                    .unwrap_or_else(|| Arc::from("")),
            ),
        };
        add(person, vec![i], &mut out);
    }
    out
}

/// The side's Identity Center assignments indexed for people: who each is assigned to
/// and the role it provisions, computed once per side (a linear scan per person and
/// assignment costs people × assignments × principals on a large organization).
struct AssignmentIndex<'a> {
    /// Identity-store group names by member (lowercased).
    member_groups: FxHashMap<String, Vec<&'a str>>,
    /// Assignment indices by user (lowercased) and by group.
    by_user: FxHashMap<String, Vec<usize>>,
    by_group: FxHashMap<&'a str, Vec<usize>>,
    /// The SAML edges into each assignment's role (empty: no such role, or it does not
    /// trust Identity Center).
    edges: Vec<&'a [u32]>,
}

impl<'a> AssignmentIndex<'a> {
    fn new(snapshot: &'a Snapshot, saml_into: &'a FxHashMap<usize, Vec<u32>>) -> Self {
        let mut member_groups: FxHashMap<String, Vec<&str>> = FxHashMap::default();
        for (g, members) in &snapshot.people.store_groups {
            for m in members {
                let list = member_groups.entry(m.to_lowercase()).or_default();
                if !list.contains(&g.as_str()) {
                    list.push(g.as_str());
                }
            }
        }
        let mut by_user: FxHashMap<String, Vec<usize>> = FxHashMap::default();
        let mut by_group: FxHashMap<&str, Vec<usize>> = FxHashMap::default();
        for (k, a) in snapshot.people.assignments.iter().enumerate() {
            match a.principal_kind {
                AssignmentPrincipal::User => {
                    by_user
                        .entry(a.principal.to_lowercase())
                        .or_default()
                        .push(k);
                }
                AssignmentPrincipal::Group => {
                    by_group.entry(a.principal.as_str()).or_default().push(k);
                }
            }
        }
        // the roles of each account (and of no account, which any account's may be),
        // in the snapshot's order: an assignment's role is the first that fits
        let mut roles_of: FxHashMap<Option<&str>, Vec<usize>> = FxHashMap::default();
        for (i, p) in snapshot.principals.iter().enumerate() {
            if p.kind == PrincipalKind::Role {
                roles_of.entry(p.account.as_deref()).or_default().push(i);
            }
        }
        let edges = snapshot
            .people
            .assignments
            .par_iter()
            .map(|a| {
                let prefix = format!("AWSReservedSSO_{}_", a.permission_set);
                let fits = |i: &&usize| {
                    snapshot
                        .principals
                        .get(**i)
                        .is_some_and(|p| p.name == a.role || p.name.starts_with(&prefix))
                };
                let first = |acct: Option<&str>| {
                    roles_of
                        .get(&acct)
                        .and_then(|l| l.iter().find(fits).copied())
                };
                let role = match (first(Some(a.account.as_str())), first(None)) {
                    (Some(x), Some(y)) => Some(x.min(y)),
                    (x, y) => x.or(y),
                };
                role.and_then(|r| saml_into.get(&r))
                    .map_or(&[][..], Vec::as_slice)
            })
            .collect();
        AssignmentIndex {
            member_groups,
            by_user,
            by_group,
            edges,
        }
    }
}

/// The SAML edges into the roles of a person's Identity Center assignments, and the
/// assignments whose role the side does not have or does not let Identity Center in.
fn assignment_edges(
    snapshot: &Snapshot,
    index: &AssignmentIndex<'_>,
    person: &Person,
) -> (Vec<u32>, Vec<String>) {
    let mut first = Vec::new();
    let mut review = Vec::new();
    let mut groups: Vec<&str> = person.groups.iter().map(String::as_str).collect();
    for n in &person.names {
        if let Some(gs) = index.member_groups.get(n) {
            groups.extend(gs.iter().copied());
        }
    }
    groups.sort_unstable();
    groups.dedup();
    let mut assigned: Vec<usize> = Vec::new();
    for n in &person.names {
        if let Some(ks) = index.by_user.get(n) {
            assigned.extend_from_slice(ks);
        }
    }
    for g in &groups {
        if let Some(ks) = index.by_group.get(g) {
            assigned.extend_from_slice(ks);
        }
    }
    // in the assignments' order, as the reviews list them
    assigned.sort_unstable();
    assigned.dedup();
    for k in assigned {
        let (Some(a), Some(e)) = (
            snapshot.people.assignments.get(k),
            index.edges.get(k).copied(),
        ) else {
            continue;
        };
        if e.is_empty() {
            review.push(format!(
                "the assignment of permission set `{}` in `{}` has no role `{}` that trusts Identity Center",
                a.permission_set, a.account, a.role
            ));
        } else {
            first.extend_from_slice(e);
        }
    }
    first.sort_unstable();
    first.dedup();
    (first, review)
}

/// The name of a graph node, as a path shows it.
fn node_name(snapshot: &Snapshot, several: bool, n: &Node) -> String {
    match n {
        Node::Principal(i) => principal_name(snapshot, several, *i),
        Node::Entry(e) => e.to_string(),
    }
}

/// Each edge of a side's graph as a step, formatted once (a federated entry's caller is
/// the person, named by [`role_paths`]).
fn edge_steps(snapshot: &Snapshot, graph: &Graph, several: bool) -> Vec<Step> {
    graph
        .edges
        .par_iter()
        .map(|e| Step {
            from: match &e.from {
                Node::Entry(x) if x.starts_with("federated:") => Arc::from(""),
                n => Arc::from(node_name(snapshot, several, n)),
            },
            role: Arc::from(principal_name(snapshot, several, e.to)),
            action: Arc::from(e.action),
            trust: Arc::from(e.trust.to_string()),
            identity: e
                .identity
                .iter()
                .map(|(o, v)| format!("{o} via {v}"))
                .collect(),
            conditions: Arc::from(e.conditions.as_slice()),
        })
        .collect()
}

/// A reached role's path as everyone with the same starting points has it: a person's
/// own path puts their key in front of `tail` and into the federated steps.
struct SharedPath {
    role: Arc<str>,
    status: &'static str,
    /// ` → role-a → role-b`: the path after the person.
    tail: String,
    steps: Arc<[Step]>,
    /// Whether a step starts at a federated entry: each person's own steps then.
    federated: bool,
    edges: Arc<[u32]>,
}

/// The paths of one start, formatted once for all the people who share it.
fn shared_paths(
    snapshot: &Snapshot,
    graph: &Graph,
    edge_steps: &[Step],
    several: bool,
    reach: &Reach,
) -> Vec<SharedPath> {
    reach
        .roles
        .iter()
        .map(|r| {
            let steps: Vec<Step> = r
                .path
                .iter()
                .filter_map(|&id| edge_steps.get(id as usize))
                .cloned()
                .collect();
            let mut tail = String::new();
            for s in &steps {
                tail.push_str(" → ");
                tail.push_str(&s.role);
            }
            let federated = r
                .path
                .iter()
                .filter_map(|&id| graph.edge(id))
                .any(|e| matches!(&e.from, Node::Entry(x) if x.starts_with("federated:")));
            SharedPath {
                role: principal_name(snapshot, several, r.role).into(),
                status: if r.tri == Tri::True {
                    "allowed"
                } else {
                    "conditional"
                },
                tail,
                steps: steps.into(),
                federated,
                edges: r.path.as_slice().into(),
            }
        })
        .collect()
}

/// A person's paths, as reports show them.
fn role_paths(graph: &Graph, shared: &[SharedPath], reach: &Reach, key: &str) -> Vec<RolePath> {
    shared
        .iter()
        .zip(&reach.roles)
        .map(|(sp, r)| {
            // the steps of edges the graph has (as `edge_steps` holds them), in order; the
            // shared ones unless a step names the person
            let steps: Arc<[Step]> = if sp.federated {
                sp.edges
                    .iter()
                    .filter_map(|&id| graph.edge(id))
                    .zip(sp.steps.iter())
                    .map(|(e, s)| {
                        let mut s = s.clone();
                        if let Node::Entry(x) = &e.from
                            && x.starts_with("federated:")
                        {
                            s.from = Arc::from(format!("{key} (Identity Center / {x})"));
                        }
                        s
                    })
                    .collect()
            } else {
                sp.steps.clone()
            };
            let mut path = String::with_capacity(key.len() + sp.tail.len());
            path.push_str(key);
            path.push_str(&sp.tail);
            RolePath {
                role: sp.role.clone(),
                index: r.role,
                status: sp.status,
                path,
                steps,
                edges: sp.edges.clone(),
            }
        })
        .collect()
}

/// Own access plus one session per reached role, as one evaluation.
fn combine(
    own: &Evaluation,
    others: &[Arc<Evaluation>],
    sessions: Vec<Session>,
    universe: usize,
) -> Evaluation {
    let mut ev = own.clone();
    let mut all: Vec<Session> = others
        .iter()
        .map(|o| Session {
            evaluation: o.clone(),
            via: Via::Direct,
            conditions: Vec::new(),
            conditional: false,
        })
        .collect();
    all.extend(sessions);
    for s in &all {
        for g in &s.evaluation.grants {
            let mut g = g.clone();
            g.via = s.via.clone();
            if s.conditional {
                g.conditions.push(CondNote {
                    clauses: s
                        .conditions
                        .iter()
                        .map(|c| ConditionClause {
                            operator: "(path)".to_owned(),
                            key: c.clone(),
                            values: Vec::new(),
                        })
                        .collect(),
                    source: g.source.clone(),
                    via: s.via.clone(),
                });
            }
            ev.grants.push(g);
        }
        ev.review.extend(s.evaluation.review.iter().cloned());
        ev.denied.extend(s.evaluation.denied.iter().cloned());
    }
    ev.review.sort();
    ev.review.dedup();
    ev.counts = count_actions(ev.grants.iter().map(|g| (g, &*g.actions)), universe);
    ev.sessions = all;
    ev
}

/// The people of a side and their access, from its evaluation (which must cover every
/// principal) and assumption graph.
pub fn people(
    snapshot: &Snapshot,
    effective: &Effective,
    catalog: &Catalog,
    context: &RequestContext,
) -> PeopleView {
    people_of(snapshot, effective, catalog, context, None)
}

/// [`people`] from an evaluation of the principals `evaluated` marks, which must cover
/// every principal a person may reach ([`assume::people_may_reach`]).
pub fn people_of(
    snapshot: &Snapshot,
    effective: &Effective,
    catalog: &Catalog,
    context: &RequestContext,
    evaluated: Option<&[bool]>,
) -> PeopleView {
    let graph = assume::graph_of(snapshot, effective, catalog, context, evaluated);
    let several = several_accounts(snapshot);
    let mut saml_into: FxHashMap<usize, Vec<u32>> = FxHashMap::default();
    for (name, edges) in &graph.entries {
        if !name.starts_with("federated:") {
            continue;
        }
        for &id in edges {
            if let Some(e) = graph.edge(id)
                && e.action == "sts:AssumeRoleWithSAML"
            {
                saml_into.entry(e.to).or_default().push(id);
            }
        }
    }
    let nothing = Arc::new(Evaluation::nothing(catalog));
    let universe = catalog.actions().len();
    let eval_of = |i: usize| {
        effective
            .principals
            .get(i)
            .map(|p| p.evaluation.clone())
            .unwrap_or_else(|| nothing.clone())
    };
    let names = |i: usize| principal_name(snapshot, several, i);
    let list = persons(snapshot);
    let index = AssignmentIndex::new(snapshot, &saml_into);
    // starting edges per person; people with the same ones share the reach
    let starts: Vec<(Vec<u32>, Vec<String>)> = list
        .par_iter()
        .map(|(person, users)| {
            let (mut first, review) = assignment_edges(snapshot, &index, person);
            for &u in users {
                first.extend_from_slice(graph.out(u));
            }
            first.sort_unstable();
            first.dedup();
            (first, review)
        })
        .collect();
    let mut distinct: FxHashMap<&[u32], usize> = FxHashMap::default();
    let mut keys: Vec<&[u32]> = Vec::new();
    for (first, _) in &starts {
        distinct.entry(first.as_slice()).or_insert_with(|| {
            keys.push(first.as_slice());
            keys.len() - 1
        });
    }
    let steps = edge_steps(snapshot, &graph, several);
    let reaches: Vec<Reach> = keys
        .par_iter()
        .map(|first| assume::reach(&graph, first, DEPTH_LIMIT, &names))
        .collect();
    let paths: Vec<Vec<SharedPath>> = reaches
        .par_iter()
        .map(|r| shared_paths(snapshot, &graph, &steps, several, r))
        .collect();
    let no_reach = Reach::default();
    // people who are no IAM user share the combined evaluation of their starting points
    let shared: Vec<std::sync::OnceLock<Arc<Evaluation>>> = (0..keys.len())
        .map(|_| std::sync::OnceLock::new())
        .collect();
    let people: Vec<PersonAccess> = list
        .into_par_iter()
        .zip(starts.par_iter())
        .map(|((person, users), (first, assignment_review))| {
            let k = distinct.get(first.as_slice()).copied();
            let reach = k.and_then(|k| reaches.get(k)).unwrap_or(&no_reach);
            let formatted = k.and_then(|k| paths.get(k)).map_or(&[][..], Vec::as_slice);
            let roles = role_paths(&graph, formatted, reach, &person.key);
            let build = || {
                // the session's route names the roles of the path, not the person, so
                // people with the same paths have equal evaluations
                let sessions: Vec<Session> = roles
                    .iter()
                    .zip(&reach.roles)
                    .map(|(rp, r)| Session {
                        evaluation: eval_of(r.role),
                        via: Via::Role(Arc::from(
                            rp.steps
                                .iter()
                                .map(|s| &*s.role)
                                .collect::<Vec<_>>()
                                .join(" → "),
                        )),
                        conditions: rp
                            .steps
                            .iter()
                            .flat_map(|s| s.conditions.iter().cloned())
                            .collect(),
                        conditional: r.tri != Tri::True,
                    })
                    .collect();
                let own = users
                    .first()
                    .map_or_else(|| nothing.clone(), |&u| eval_of(u));
                let others: Vec<Arc<Evaluation>> =
                    users.iter().skip(1).map(|&u| eval_of(u)).collect();
                if sessions.is_empty() && others.is_empty() {
                    own
                } else {
                    Arc::new(combine(&own, &others, sessions, universe))
                }
            };
            let evaluation = match k.and_then(|k| shared.get(k)) {
                Some(cell) if users.is_empty() => cell.get_or_init(build).clone(),
                _ => build(),
            };
            let mut review = reach.review.clone();
            review.extend(assignment_review.iter().cloned());
            let own_list = users.iter().map(|&u| eval_of(u)).collect();
            let role_evaluations = reach.roles.iter().map(|r| eval_of(r.role)).collect();
            PersonAccess {
                person,
                users,
                roles,
                review,
                evaluation,
                own: own_list,
                role_evaluations,
            }
        })
        .collect();
    PeopleView { graph, people }
}

/// One role session of a person, decided for one request.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SessionExplanation {
    #[serde(flatten)]
    pub path: RolePath,
    /// The decision for the session: the role's, made conditional by a conditional path.
    pub decision: super::explain::Decision,
    pub explanation: super::explain::Explanation,
}

/// One request decided for a person: on their own and in each role session they reach.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PersonExplanation {
    pub person: String,
    pub source: PersonSource,
    pub decision: super::explain::Decision,
    /// The path of the session that decides it (absent when it is the person's own access).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The person's own access (each IAM user they are).
    pub own: Vec<super::explain::Explanation>,
    pub sessions: Vec<SessionExplanation>,
    /// What the paths could not follow.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub review: Vec<String>,
}

/// Decides `action` on `resource` for a person: the best of their own decision and each
/// reached role's, as `explain` decides one principal's.
pub fn explain_person(
    snapshot: &Snapshot,
    catalog: &Catalog,
    person: &PersonAccess,
    action: &str,
    resource: Option<&str>,
    context: &RequestContext,
) -> PersonExplanation {
    use super::explain::{Decision, explain};
    let rank = |d: Decision| match d {
        Decision::Allowed => 3,
        Decision::Conditional => 2,
        Decision::Denied => 1,
        Decision::NotAllowed => 0,
    };
    let several = several_accounts(snapshot);
    let mut decision = Decision::NotAllowed;
    let mut path = None;
    let own: Vec<_> = person
        .users
        .iter()
        .filter_map(|&u| snapshot.principals.get(u))
        .map(|p| {
            let mut e = explain(snapshot, catalog, p, action, resource, context);
            if several {
                e.principal = p.key().display_name(true);
            }
            e
        })
        .collect();
    for e in &own {
        if rank(e.decision) > rank(decision) {
            decision = e.decision;
        }
    }
    let sessions: Vec<SessionExplanation> = person
        .roles
        .iter()
        .filter_map(|rp| {
            let p = snapshot.principals.get(rp.index)?;
            let mut e = explain(snapshot, catalog, p, action, resource, context);
            if several {
                e.principal = p.key().display_name(true);
            }
            let d = if rp.status != "allowed" && e.decision == Decision::Allowed {
                Decision::Conditional
            } else {
                e.decision
            };
            Some(SessionExplanation {
                path: rp.clone(),
                decision: d,
                explanation: e,
            })
        })
        .collect();
    for s in &sessions {
        if rank(s.decision) > rank(decision) {
            decision = s.decision;
            path = Some(s.path.path.clone());
        }
    }
    PersonExplanation {
        person: person.person.key.clone(),
        source: person.person.source,
        decision,
        path,
        own,
        sessions,
        review: person.review.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::catalog;
    use crate::model::Assignment;

    /// An account dump with one Identity Center role (SAML trust, as AWS provisions it)
    /// and a role it may chain to, read as the readers would read it.
    fn side() -> Snapshot {
        let dump = serde_json::json!({
            "UserDetailList": [], "GroupDetailList": [], "Policies": [],
            "RoleDetailList": [
                {
                    "Path": "/aws-reserved/sso.amazonaws.com/",
                    "RoleName": "AWSReservedSSO_DataTeam_0123456789abcdef",
                    "RoleId": "AROASSODATA000000001",
                    "Arn": "arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_DataTeam_0123456789abcdef",
                    "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
                        "Effect": "Allow",
                        "Principal": {"Federated": "arn:aws:iam::111111111111:saml-provider/AWSSSO_0123456789abcdef_DO_NOT_DELETE"},
                        "Action": ["sts:AssumeRoleWithSAML", "sts:TagSession"],
                        "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}}]},
                    "RolePolicyList": [{"PolicyName": "data", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::data/*"},
                        {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "arn:aws:iam::111111111111:role/loader"}]}}],
                    "AttachedManagedPolicies": [], "InstanceProfileList": [], "Tags": []
                },
                {
                    "Path": "/", "RoleName": "loader", "RoleId": "AROALOADER0000000001",
                    "Arn": "arn:aws:iam::111111111111:role/loader",
                    "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
                        "Effect": "Allow",
                        "Principal": {"AWS": "arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_DataTeam_0123456789abcdef"},
                        "Action": "sts:AssumeRole"}]},
                    "RolePolicyList": [{"PolicyName": "load", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                        {"Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": "*"}]}}],
                    "AttachedManagedPolicies": [], "InstanceProfileList": [], "Tags": []
                }
            ]
        });
        let path = std::env::temp_dir().join(format!("iamdiff-people-{}.json", std::process::id()));
        std::fs::write(&path, dump.to_string()).unwrap();
        let mut snap = crate::ingest::load_side(std::slice::from_ref(&path), &[]).unwrap();
        let _ = std::fs::remove_file(&path);
        let place = Place::file(Arc::from("identitystore.list-users.json"));
        let person = |name: &str| Person {
            key: name.to_owned(),
            source: PersonSource::IdentityCenter,
            names: vec![name.to_owned()],
            store_id: None,
            groups: Vec::new(),
            place: place.clone(),
        };
        snap.people.people = vec![person("erin@example.com"), person("omar@example.com")];
        snap.people.store_groups = vec![("data".to_owned(), vec!["erin@example.com".to_owned()])];
        snap.people.assignments = vec![Assignment {
            account: "111111111111".to_owned(),
            permission_set: "DataTeam".to_owned(),
            principal_kind: AssignmentPrincipal::Group,
            principal: "data".to_owned(),
            role: "AWSReservedSSO_DataTeam".to_owned(),
            place,
        }];
        snap
    }

    // issue 9: an Identity Center user reaches the roles of their group's assignments
    // through the SAML entry point, and the roles those chain to
    #[test]
    fn identity_center_people_reach_assigned_roles_and_their_chains() {
        let snap = side();
        let cat = catalog();
        let ctx = RequestContext::new(false);
        let eff = super::super::effective(&snap, cat, &super::super::EvalOptions::default());
        let view = people(&snap, &eff, cat, &ctx);
        let erin = view.find("erin@example.com").unwrap();
        let roles: Vec<(&str, &str, &str)> = erin
            .roles
            .iter()
            .map(|r| (&*r.role, r.status, r.path.as_str()))
            .collect();
        assert_eq!(
            roles,
            [
                (
                    "AWSReservedSSO_DataTeam_0123456789abcdef",
                    "allowed",
                    "erin@example.com → AWSReservedSSO_DataTeam_0123456789abcdef"
                ),
                (
                    "loader",
                    "allowed",
                    "erin@example.com → AWSReservedSSO_DataTeam_0123456789abcdef → loader"
                ),
            ]
        );
        let put = cat.lookup("dynamodb:PutItem").unwrap();
        assert_eq!(
            erin.evaluation
                .decide(put, "arn:aws:dynamodb:us-east-1:111111111111:table/t")
                .decision,
            super::super::Decision::Allowed
        );
        // omar is in no group: no role, nothing but what AWS allows anyway
        let omar = view.find("omar@example.com").unwrap();
        assert!(omar.roles.is_empty());
        assert!(view.reaches_roles());
    }

    // issue 9: an IAM user and an Identity Center user sharing an e-mail are one person
    #[test]
    fn an_iam_user_with_the_same_email_is_the_same_person() {
        let mut snap = side();
        let mut u = crate::model::Principal::new(PrincipalKind::User, "erin");
        u.account = Some("111111111111".to_owned());
        u.tags
            .insert("email".to_owned(), "Erin@example.com".to_owned());
        snap.principals.push(u);
        let list = persons(&snap);
        let erin: Vec<_> = list
            .iter()
            .filter(|(p, _)| p.names.contains(&"erin".to_owned()))
            .collect();
        assert_eq!(erin.len(), 1);
        assert_eq!(erin[0].0.key, "erin@example.com");
        assert_eq!(erin[0].1.len(), 1);
    }
}
