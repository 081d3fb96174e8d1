//! Root causes of the person view (issues 9 and 12): the input changes the principal
//! changes list lacks — Identity Center account assignments removed or added, permission
//! sets whose policies changed (one change for its roles in every account), identity-store
//! group memberships and users removed or added — computed once from the snapshots and
//! hooked into [`super::changes::compute`]; trust-policy changes get keys here too.
//!
//! Then each person finding is attributed: a grant that came through a role session is
//! explained by the first edges of its path that do not hold alike on the other side
//! (the role's trust policy, the caller's `sts:AssumeRole` grant, the caller or role
//! removed, the assignment or identity-store membership that gave the SAML entry), or,
//! when the path is intact, by what changed in the role itself; the person's own access
//! is explained as the principal view explains their IAM user's.

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::{BTreeMap, BTreeSet};

use crate::eval::assume::{Edge, Graph, Node};
use crate::eval::people::{PeopleView, PersonAccess, RolePath};
use crate::model::{AssignmentPrincipal, PrincipalKind, Snapshot};

use super::changes::{Builder, ChangeKind, ChangeSet, Key, SideOf, Sides};
use super::findings::{Code, Finding, Route};
use super::mapping::Renames;
use super::people::PersonDiff;
use super::run::Matching;

/// An assignment as the changes compare it: account, permission set, kind, principal
/// (a user's name lowercased).
pub type AssignmentKey = (String, String, AssignmentPrincipal, String);

/// What attribution finds the people changes by.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) enum PeopleKey {
    /// A role's (side, index) trust policy changed.
    Trust(SideOf, usize),
    /// Identity-store member (lowercased name) left / joined a group (display name).
    StoreOut(String, String),
    StoreIn(String, String),
    /// An assignment only on this side (`Before`: removed; `After`: added).
    Assignment(SideOf, AssignmentKey),
    /// An identity-store user (lowercased key) only on this side.
    Person(SideOf, String),
}

/// The keys of a trust-policy change of a matched role.
pub(super) fn trust_keys(i: usize, j: usize) -> Vec<Key> {
    vec![
        Key::People(PeopleKey::Trust(SideOf::Before, i)),
        Key::People(PeopleKey::Trust(SideOf::After, j)),
    ]
}

fn assignment_key(a: &crate::model::Assignment) -> AssignmentKey {
    let principal = match a.principal_kind {
        AssignmentPrincipal::User => a.principal.to_lowercase(),
        AssignmentPrincipal::Group => a.principal.clone(),
    };
    (
        a.account.clone(),
        a.permission_set.clone(),
        a.principal_kind,
        principal,
    )
}

/// Group memberships of the identity store: (group, member lowercased).
fn store_memberships(s: &Snapshot) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (g, members) in &s.people.store_groups {
        for m in members {
            out.insert((g.clone(), m.to_lowercase()));
        }
    }
    for p in &s.people.people {
        for g in &p.groups {
            out.insert((g.clone(), p.key.to_lowercase()));
        }
    }
    out
}

/// The permission set whose role a role name is (`AWSReservedSSO_<ps>` or
/// `AWSReservedSSO_<ps>_<suffix>`), the longest name first.
fn permission_set_of<'a>(sets: &'a [String], role: &str) -> Option<&'a str> {
    let rest = role.strip_prefix("AWSReservedSSO_")?;
    sets.iter()
        .filter(|ps| {
            rest == ps.as_str()
                || rest
                    .strip_prefix(ps.as_str())
                    .is_some_and(|t| t.starts_with('_'))
        })
        .max_by_key(|ps| ps.len())
        .map(String::as_str)
}

fn kind_word(k: AssignmentPrincipal) -> &'static str {
    match k {
        AssignmentPrincipal::User => "user",
        AssignmentPrincipal::Group => "group",
    }
}

/// Adds the people changes to the builder: assignments, identity-store memberships and
/// users, and permission sets (folding the per-account role changes of a permission set
/// into one change that keeps all their keys).
pub(super) fn extend(b: &mut Builder<'_>, m: &Matching, renames: &Renames) {
    let (before, after) = (b.before, b.after);
    let place_b = super::changes::source_place(before);
    let place_a = super::changes::source_place(after);

    // identity-store users: a person of one side only (an IAM user of the other side
    // with the same name, or the local part of their e-mail, is the same person)
    let names_of = |s: &Snapshot| -> FxHashSet<String> {
        let mut out = FxHashSet::default();
        let store = s.people.people.iter().flat_map(|p| {
            std::iter::once(p.key.to_lowercase()).chain(p.names.iter().map(|n| n.to_lowercase()))
        });
        let users = s
            .principals
            .iter()
            .filter(|p| p.kind == PrincipalKind::User)
            .map(|p| p.name.to_lowercase());
        for n in store.chain(users) {
            if let Some((l, _)) = n.split_once('@') {
                out.insert(l.to_owned());
            }
            out.insert(n);
        }
        out
    };
    let (all_b, all_a) = (names_of(before), names_of(after));
    let renamed = |n: &str| renames.person(n).map(|t| t.to_lowercase());
    for (side, s, other) in [
        (SideOf::Before, before, &all_a),
        (SideOf::After, after, &all_b),
    ] {
        for p in &s.people.people {
            let names: Vec<String> = std::iter::once(p.key.to_lowercase())
                .chain(p.names.iter().map(|n| n.to_lowercase()))
                .flat_map(|n| {
                    let local = n.split_once('@').map(|(l, _)| l.to_owned());
                    std::iter::once(n).chain(local)
                })
                .collect();
            let known = names.iter().any(|n| {
                other.contains(n)
                    || (side == SideOf::Before && renamed(n).is_some_and(|t| other.contains(&t)))
            });
            if known {
                continue;
            }
            let key = p.key.to_lowercase();
            let (kind, summary, places) = match side {
                SideOf::Before => (
                    ChangeKind::PrincipalRemoved,
                    format!("identity-store user {} removed", p.key),
                    (Some(p.place.clone()), None),
                ),
                SideOf::After => (
                    ChangeKind::PrincipalAdded,
                    format!("identity-store user {} added", p.key),
                    (None, Some(p.place.clone())),
                ),
            };
            b.push(
                kind,
                format!("identity-store user {}", p.key),
                None,
                summary,
                places,
                Vec::new(),
                vec![Key::People(PeopleKey::Person(side, key))],
                BTreeSet::new(),
                Vec::new(),
            );
        }
    }

    // identity-store memberships, of users on both sides
    let (mb, ma) = (store_memberships(before), store_memberships(after));
    let map_member = |n: &str| renamed(n).unwrap_or_else(|| n.to_owned());
    let ma_mapped: BTreeSet<(String, String)> = ma.clone();
    let mb_mapped: BTreeSet<(String, String)> =
        mb.iter().map(|(g, n)| (g.clone(), map_member(n))).collect();
    for (g, n) in &mb {
        let to = map_member(n);
        if ma_mapped.contains(&(g.clone(), to.clone())) || !all_a.contains(&to) {
            continue;
        }
        b.push(
            ChangeKind::MembershipRemoved,
            format!("identity-store user {n}"),
            Some(format!("identity-store group {g}")),
            format!("{n} removed from identity-store group {g}"),
            (place_b.clone(), place_a.clone()),
            Vec::new(),
            vec![Key::People(PeopleKey::StoreOut(n.clone(), g.clone()))],
            BTreeSet::new(),
            Vec::new(),
        );
    }
    for (g, n) in &ma {
        if mb_mapped.contains(&(g.clone(), n.clone())) || !all_b_mapped(&all_b, n, &renamed) {
            continue;
        }
        b.push(
            ChangeKind::MembershipAdded,
            format!("identity-store user {n}"),
            Some(format!("identity-store group {g}")),
            format!("{n} added to identity-store group {g}"),
            (place_b.clone(), place_a.clone()),
            Vec::new(),
            vec![Key::People(PeopleKey::StoreIn(n.clone(), g.clone()))],
            BTreeSet::new(),
            Vec::new(),
        );
    }

    // IAM groups replaced by identity-store groups of the same name (or back): a user
    // of one kind not in the other kind's group is a membership removed (or added), found
    // by the IAM side's membership key
    let store_b: FxHashSet<(String, String)> = mb.iter().cloned().collect();
    let store_a: FxHashSet<(String, String)> = ma.iter().cloned().collect();
    let store_groups = |s: &Snapshot| -> FxHashSet<String> {
        s.people
            .store_groups
            .iter()
            .map(|(g, _)| g.clone())
            .collect()
    };
    let (sg_b, sg_a) = (store_groups(before), store_groups(after));
    let iam_groups =
        |s: &Snapshot| -> FxHashSet<String> { s.groups.iter().map(|g| g.name.clone()).collect() };
    let (ig_b, ig_a) = (iam_groups(before), iam_groups(after));
    for (side, s, other_store, other_groups, other_iam) in [
        (SideOf::Before, before, &store_a, &sg_a, &ig_a),
        (SideOf::After, after, &store_b, &sg_b, &ig_b),
    ] {
        for (i, u) in s.principals.iter().enumerate() {
            if u.kind != PrincipalKind::User {
                continue;
            }
            let name = u.name.to_lowercase();
            let mut names = vec![name.clone()];
            for (k, v) in &u.tags {
                if k.eq_ignore_ascii_case("email") {
                    names.push(v.to_lowercase());
                }
            }
            for g in u.groups.iter().filter_map(|g| s.group(*g)) {
                if other_iam.contains(&g.name) || !other_groups.contains(&g.name) {
                    continue;
                }
                let member = other_store.iter().any(|(og, m)| {
                    og == &g.name
                        && (names.contains(m) || m.split_once('@').is_some_and(|(l, _)| l == name))
                });
                if member {
                    continue;
                }
                let (kind, summary, key) = match side {
                    SideOf::Before => (
                        ChangeKind::MembershipRemoved,
                        format!(
                            "{} is not in identity-store group {} that replaces IAM group {}",
                            u.name, g.name, g.name
                        ),
                        Key::MemberOut(i, g.name.clone()),
                    ),
                    SideOf::After => (
                        ChangeKind::MembershipAdded,
                        format!(
                            "{} is in IAM group {} and was not in the identity-store group it replaces",
                            u.name, g.name
                        ),
                        Key::MemberIn(i, g.name.clone()),
                    ),
                };
                b.push(
                    kind,
                    format!("user {}", u.name),
                    Some(format!("group {}", g.name)),
                    summary,
                    (place_b.clone(), place_a.clone()),
                    Vec::new(),
                    vec![key],
                    BTreeSet::new(),
                    vec![(side, i)],
                );
            }
        }
    }

    // account assignments
    fn assignments(s: &Snapshot) -> BTreeMap<AssignmentKey, &crate::model::Assignment> {
        s.people
            .assignments
            .iter()
            .map(|a| (assignment_key(a), a))
            .collect()
    }
    let (ab, aa) = (assignments(before), assignments(after));
    for (side, mine, other) in [(SideOf::Before, &ab, &aa), (SideOf::After, &aa, &ab)] {
        for (k, a) in mine.iter().filter(|(k, _)| !other.contains_key(*k)) {
            let (kind, summary, places) = match side {
                SideOf::Before => (
                    ChangeKind::AssignmentRemoved,
                    format!(
                        "permission set {} in {} no longer assigned to {} {}",
                        a.permission_set,
                        a.account,
                        kind_word(a.principal_kind),
                        a.principal
                    ),
                    (Some(a.place.clone()), None),
                ),
                SideOf::After => (
                    ChangeKind::AssignmentAdded,
                    format!(
                        "permission set {} in {} assigned to {} {}",
                        a.permission_set,
                        a.account,
                        kind_word(a.principal_kind),
                        a.principal
                    ),
                    (None, Some(a.place.clone())),
                ),
            };
            b.push(
                kind,
                format!("permission set {}", a.permission_set),
                Some(format!(
                    "{} {} in {}",
                    kind_word(a.principal_kind),
                    a.principal,
                    a.account
                )),
                summary,
                places,
                Vec::new(),
                vec![Key::People(PeopleKey::Assignment(side, k.clone()))],
                BTreeSet::new(),
                Vec::new(),
            );
        }
    }

    // permission sets: the policy changes of their roles, one change per set
    let mut sets: Vec<String> = before
        .people
        .assignments
        .iter()
        .chain(&after.people.assignments)
        .map(|a| a.permission_set.clone())
        .collect();
    sets.sort();
    sets.dedup();
    if sets.is_empty() {
        return;
    }
    let ps_of = |side: SideOf, i: usize| -> Option<String> {
        let s = match side {
            SideOf::Before => before,
            SideOf::After => after,
        };
        let p = s.principals.get(i)?;
        (p.kind == PrincipalKind::Role)
            .then(|| permission_set_of(&sets, &p.name).map(str::to_owned))
            .flatten()
    };
    let paired: FxHashMap<usize, usize> = m.pairs.iter().copied().collect();
    let mut folded: BTreeMap<String, super::changes::Draft> = BTreeMap::new();
    let mut accounts: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut kept = Vec::with_capacity(b.drafts.len());
    for d in std::mem::take(&mut b.drafts) {
        let foldable = matches!(
            d.change.kind,
            ChangeKind::PolicyDetached
                | ChangeKind::PolicyAttached
                | ChangeKind::PolicyChanged
                | ChangeKind::BoundaryChanged
        );
        let ps = match d.touches.as_slice() {
            [(SideOf::Before, i), (SideOf::After, j)] if foldable => {
                let (x, y) = (ps_of(SideOf::Before, *i), ps_of(SideOf::After, *j));
                (paired.get(i) == Some(j) && x.is_some() && x == y)
                    .then_some(x)
                    .flatten()
                    .map(|ps| (ps, *j))
            }
            _ => None,
        };
        let Some((ps, j)) = ps else {
            kept.push(d);
            continue;
        };
        if let Some(acct) = after.principals.get(j).and_then(|p| p.account.clone()) {
            accounts.entry(ps.clone()).or_default().insert(acct);
        }
        // the role's own wording, without the role's name
        let subject = d.change.subject.clone();
        let line = d
            .change
            .summary
            .replace(&format!(" from {subject}"), "")
            .replace(&format!(" to {subject}"), "")
            .replace(&format!(" of {subject}"), "");
        let entry = folded
            .entry(ps.clone())
            .or_insert_with(|| super::changes::Draft {
                change: super::changes::Change {
                    id: String::new(),
                    kind: ChangeKind::PermissionSetChanged,
                    subject: format!("permission set {ps}"),
                    object: None,
                    summary: format!("permission set {ps} changed"),
                    before: d.change.before.clone(),
                    after: d.change.after.clone(),
                    detail: Vec::new(),
                    principals: Vec::new(),
                    findings: Vec::new(),
                    impact: super::changes::Impact::default(),
                },
                keys: Vec::new(),
                statements: BTreeSet::new(),
                touches: Vec::new(),
            });
        for l in std::iter::once(line).chain(d.change.detail.iter().cloned()) {
            if !entry.change.detail.contains(&l) {
                entry.change.detail.push(l);
            }
        }
        entry.keys.extend(d.keys);
        entry.statements.extend(d.statements);
        entry.touches.extend(d.touches);
    }
    b.drafts = kept;
    for (ps, mut d) in folded {
        if let Some(a) = accounts.get(&ps) {
            let list: Vec<&str> = a.iter().map(String::as_str).take(5).collect();
            let more = a.len().saturating_sub(list.len());
            let mut line = format!("its role in {} account(s): {}", a.len(), list.join(", "));
            if more > 0 {
                line.push_str(&format!(" and {more} more"));
            }
            d.change.detail.push(line);
        }
        b.drafts.push(d);
    }
}

fn all_b_mapped(
    all_b: &FxHashSet<String>,
    n: &str,
    renamed: &dyn Fn(&str) -> Option<String>,
) -> bool {
    all_b.contains(n) || all_b.iter().any(|b| renamed(b).as_deref() == Some(n))
}

// ---- attribution ----

/// One side of the person view, as attribution reads it.
pub struct PeopleSide<'a> {
    pub snapshot: &'a Snapshot,
    pub view: &'a PeopleView,
}

/// What attributing person findings needs besides the changes.
pub struct PeopleInputs<'a> {
    pub before: PeopleSide<'a>,
    pub after: PeopleSide<'a>,
    pub matching: &'a Matching,
}

struct Ctx<'a> {
    set: &'a ChangeSet,
    inp: &'a PeopleInputs<'a>,
    fwd: FxHashMap<usize, usize>,
    rev: FxHashMap<usize, usize>,
    /// Each side's store memberships (members lowercased, by group), computed once
    /// (before, after).
    members: [FxHashMap<String, FxHashSet<String>>; 2],
    /// Whether each assignment of a side (by index) has one of the same key on the
    /// other side, computed once.
    on_other: [Vec<bool>; 2],
    /// What touches each principal of a side (by index), and the changes a
    /// needs-review finding of it would name: the same for every person whose path
    /// passes there, computed once.
    touching: [Vec<std::sync::OnceLock<BTreeSet<usize>>>; 2],
    reviewed: [Vec<std::sync::OnceLock<BTreeSet<usize>>>; 2],
    /// Each side's assignments by the principal (index) whose role they provision, in
    /// the assignments' order.
    yields: [FxHashMap<usize, Vec<usize>>; 2],
    /// Each side's graph edges from entry points, by the role they lead into: the
    /// counterpart of a federated step is looked up, not scanned (every person's path
    /// asks, and a side holds an entry per account).
    entries_into: [FxHashMap<usize, Vec<u32>>; 2],
    empty: BTreeSet<usize>,
}

/// The edges from entry points of a graph, by the role they lead into, in edge order.
fn entries_into(g: &Graph) -> FxHashMap<usize, Vec<u32>> {
    let mut out: FxHashMap<usize, Vec<u32>> = FxHashMap::default();
    for ids in g.entries.values() {
        for &id in ids {
            if let Some(e) = g.edge(id) {
                out.entry(e.to).or_default().push(id);
            }
        }
    }
    for v in out.values_mut() {
        v.sort_unstable();
        v.dedup();
    }
    out
}

/// The assignments of a side by the principals that can be their role: of the
/// assignment's account (or of no account), named as the assignment's role or
/// `AWSReservedSSO_<permission set>_…`.
fn assignments_by_role(s: &Snapshot) -> FxHashMap<usize, Vec<usize>> {
    let mut of_account: FxHashMap<Option<&str>, Vec<usize>> = FxHashMap::default();
    for (i, p) in s.principals.iter().enumerate() {
        of_account.entry(p.account.as_deref()).or_default().push(i);
    }
    let mut out: FxHashMap<usize, Vec<usize>> = FxHashMap::default();
    for (k, a) in s.people.assignments.iter().enumerate() {
        let prefix = format!("AWSReservedSSO_{}_", a.permission_set);
        for acct in [Some(a.account.as_str()), None] {
            for &i in of_account.get(&acct).map_or(&[][..], Vec::as_slice) {
                let yields = s
                    .principals
                    .get(i)
                    .is_some_and(|r| r.name == a.role || r.name.starts_with(&prefix));
                if yields {
                    out.entry(i).or_default().push(k);
                }
            }
        }
    }
    out
}

fn other(s: SideOf) -> SideOf {
    match s {
        SideOf::Before => SideOf::After,
        SideOf::After => SideOf::Before,
    }
}

impl Ctx<'_> {
    fn side(&self, s: SideOf) -> &PeopleSide<'_> {
        match s {
            SideOf::Before => &self.inp.before,
            SideOf::After => &self.inp.after,
        }
    }

    /// The principal of the other side that is `i` of side `s`.
    fn partner(&self, s: SideOf, i: usize) -> Option<usize> {
        match s {
            SideOf::Before => self.fwd.get(&i).copied(),
            SideOf::After => self.rev.get(&i).copied(),
        }
    }

    fn sides(&self, s: SideOf, i: usize) -> Sides {
        let o = self.partner(s, i);
        match s {
            SideOf::Before => Sides {
                before: Some(i),
                after: o,
            },
            SideOf::After => Sides {
                before: o,
                after: Some(i),
            },
        }
    }

    fn gone(&self, s: SideOf, i: usize, out: &mut BTreeSet<usize>) {
        let k = match s {
            SideOf::Before => Key::Gone(i),
            SideOf::After => Key::New(i),
        };
        out.extend(self.set.find(&k));
    }

    /// The edges of the other side's graph that correspond to `e` of side `s`.
    fn counterpart<'g>(&self, s: SideOf, e: &Edge, og: &'g Graph) -> Option<Vec<&'g Edge>> {
        let to = self.partner(s, e.to)?;
        let at = usize::from(other(s) == SideOf::After);
        let ids: &[u32] = match &e.from {
            Node::Principal(c) => og.out(self.partner(s, *c)?),
            Node::Entry(_) => self
                .entries_into
                .get(at)
                .and_then(|m| m.get(&to))
                .map_or(&[][..], Vec::as_slice),
        };
        let same_start = |x: &Edge| match (&e.from, &x.from) {
            (Node::Principal(_), _) => true,
            (Node::Entry(n), Node::Entry(m)) if n.starts_with("federated:") => {
                m.starts_with("federated:")
            }
            (Node::Entry(n), Node::Entry(m)) => n == m,
            (Node::Entry(_), Node::Principal(_)) => false,
        };
        Some(
            ids.iter()
                .filter_map(|&id| og.edge(id))
                .filter(|x| x.to == to && x.action == e.action && same_start(x))
                .collect(),
        )
    }

    /// Why the caller side of an edge may differ: the statements that allowed it, else
    /// what touches the caller (unknown policies first).
    fn caller(&self, s: SideOf, c: usize, e: &Edge, fallback: bool, out: &mut BTreeSet<usize>) {
        if fallback {
            out.extend(self.reviewed(s, c).iter().copied());
            return;
        }
        let who = self.sides(s, c);
        for (o, via) in &e.identity {
            let r = super::compare::route(o, via);
            self.set.route_causes(s, who, &r, out);
        }
    }

    /// The assignments (or identity-store memberships) that give `person` on side `s` the
    /// Identity Center role `role`, where the other side lacks them.
    fn assignment(&self, s: SideOf, person: &PersonAccess, role: usize, out: &mut BTreeSet<usize>) {
        let side = self.side(s);
        let at = |s: SideOf| usize::from(s == SideOf::After);
        let (Some(on_other), Some(other_members), Some(mine)) = (
            self.on_other.get(at(s)),
            self.members.get(at(other(s))),
            self.members.get(at(s)),
        ) else {
            return;
        };
        let has = |m: &FxHashMap<String, FxHashSet<String>>, g: &str, n: &str| {
            m.get(g).is_some_and(|ms| ms.contains(n))
        };
        let names: Vec<String> = std::iter::once(person.person.key.to_lowercase())
            .chain(person.person.names.iter().map(|n| n.to_lowercase()))
            .collect();
        let Some(yields) = self.yields.get(at(s)).and_then(|y| y.get(&role)) else {
            return;
        };
        for (a, there) in yields.iter().filter_map(|&k| {
            Some((
                side.snapshot.people.assignments.get(k)?,
                on_other.get(k).copied().unwrap_or(false),
            ))
        }) {
            let member = |g: &str| -> Option<String> {
                names.iter().find(|n| has(mine, g, n)).cloned().or_else(|| {
                    person
                        .person
                        .groups
                        .iter()
                        .any(|x| x == g)
                        .then(|| person.person.key.to_lowercase())
                })
            };
            let applies = match a.principal_kind {
                AssignmentPrincipal::User => names.contains(&a.principal.to_lowercase()),
                AssignmentPrincipal::Group => member(&a.principal).is_some(),
            };
            if !applies {
                continue;
            }
            if !there {
                let k = assignment_key(a);
                out.extend(self.set.find(&Key::People(PeopleKey::Assignment(s, k))));
                continue;
            }
            if a.principal_kind == AssignmentPrincipal::Group
                && let Some(n) = member(&a.principal)
            {
                let still = names.iter().any(|x| has(other_members, &a.principal, x));
                if !still {
                    let key = match s {
                        SideOf::Before => PeopleKey::StoreOut(n, a.principal.clone()),
                        SideOf::After => PeopleKey::StoreIn(n, a.principal.clone()),
                    };
                    out.extend(self.set.find(&Key::People(key)));
                }
            }
        }
    }

    /// [`ChangeSet::touching`] of principal `i` of side `s`, once per principal.
    fn touching(&self, s: SideOf, i: usize) -> &BTreeSet<usize> {
        let at = usize::from(s == SideOf::After);
        match self.touching.get(at).and_then(|v| v.get(i)) {
            Some(cell) => cell.get_or_init(|| self.set.touching(self.sides(s, i))),
            None => &self.empty,
        }
    }

    /// The changes a needs-review finding of principal `i` of side `s` names, once per
    /// principal.
    fn reviewed(&self, s: SideOf, i: usize) -> &BTreeSet<usize> {
        let at = usize::from(s == SideOf::After);
        match self.reviewed.get(at).and_then(|v| v.get(i)) {
            Some(cell) => {
                cell.get_or_init(|| self.set.causes_of(&review_probe(), self.sides(s, i)))
            }
            None => &self.empty,
        }
    }

    /// The changes that make a path of side `s` not hold alike on the other side.
    fn path(&self, s: SideOf, person: &PersonAccess, rp: &RolePath, out: &mut BTreeSet<usize>) {
        let g = &self.side(s).view.graph;
        let og = &self.side(other(s)).view.graph;
        let start = out.len();
        for e in rp.edges.iter().filter_map(|&id| g.edge(id)) {
            if self.partner(s, e.to).is_none() {
                self.gone(s, e.to, out);
                if matches!(&e.from, Node::Entry(n) if n.starts_with("federated:")) {
                    self.assignment(s, person, e.to, out);
                }
                continue;
            }
            if let Node::Principal(c) = e.from
                && self.partner(s, c).is_none()
            {
                self.gone(s, c, out);
                continue;
            }
            let cps = self.counterpart(s, e, og).unwrap_or_default();
            if cps
                .iter()
                .any(|x| x.tri == e.tri && x.conditions == e.conditions)
            {
                continue;
            }
            let at = out.len();
            out.extend(self.set.find(&Key::People(PeopleKey::Trust(s, e.to))));
            match &e.from {
                Node::Principal(c) => {
                    // the statements that let the caller in, on either side
                    let oc = self.partner(s, *c);
                    self.caller(s, *c, e, false, out);
                    for x in &cps {
                        if let Some(oc) = oc {
                            self.caller(other(s), oc, x, false, out);
                        }
                    }
                    // neither the trust nor those statements changed: what touches the caller
                    if out.len() == at {
                        self.caller(s, *c, e, true, out);
                    }
                }
                Node::Entry(n) if n.starts_with("federated:") => {
                    self.assignment(s, person, e.to, out);
                }
                _ => {}
            }
        }
        if out.len() == start {
            // every edge holds alike: the start changed (a federated assignment)
            if let Some(first) = rp.edges.first().and_then(|&id| g.edge(id)) {
                self.assignment(s, person, first.to, out);
            }
        }
    }

    /// The causes of one route of a person's finding on side `s`.
    fn route(
        &self,
        s: SideOf,
        me: Option<&PersonAccess>,
        them: Option<&PersonAccess>,
        look: &Lookup<'_>,
        r: &Route,
        out: &mut BTreeSet<usize>,
    ) -> bool {
        let Some(rest) = r.via.strip_prefix("role ") else {
            return false;
        };
        let Some(me) = me else { return true };
        let Some(&rp) = look.via.get(rest) else {
            return true;
        };
        // the same role reached alike on the other side: its own policies changed
        let there = self
            .partner(s, rp.index)
            .and_then(|o| look.them.get(&o).copied());
        let at = out.len();
        match there {
            Some(x) if x.status == rp.status => {
                // the path may hold under other conditions, and the role's own policies
                // may have changed
                self.path(s, me, rp, out);
                let mut direct = r.clone();
                direct.via = "direct".to_owned();
                let who = self.sides(s, rp.index);
                self.set.route_causes(s, who, &direct, out);
                if out.len() == at {
                    out.extend(self.touching(s, rp.index).iter().copied());
                }
            }
            Some(x) => {
                self.path(s, me, rp, out);
                self.path(other(s), them.unwrap_or(me), x, out);
            }
            None => self.path(s, me, rp, out),
        }
        true
    }
}

/// A person's roles on one side found by the route that names them (the roles of the
/// path joined by ` → `), and the other side's by principal index; the first of each.
struct Lookup<'a> {
    via: FxHashMap<std::borrow::Cow<'a, str>, &'a RolePath>,
    them: FxHashMap<usize, &'a RolePath>,
}

impl<'a> Lookup<'a> {
    fn new(me: Option<&'a PersonAccess>, them: Option<&'a PersonAccess>) -> Self {
        let mut via: FxHashMap<std::borrow::Cow<'a, str>, &RolePath> = FxHashMap::default();
        let roles = me.map_or(&[][..], |p| p.roles.as_slice());
        // the person's evaluation ends with a session per role, in order, whose route
        // names the path's roles as the finding's routes do (`eval::people`): the key is
        // borrowed from there, not formatted again for every person
        let sessions = me.map_or(&[][..], |p| p.evaluation.sessions.as_slice());
        let named: Option<Vec<&'a str>> = sessions
            .len()
            .checked_sub(roles.len())
            .and_then(|k| sessions.get(k..))
            .and_then(|tail| {
                tail.iter()
                    .zip(roles)
                    .map(|(s, rp)| match &s.via {
                        // checked, not assumed: the same text as formatting gives
                        crate::eval::layers::Via::Role(r)
                            if r.split(" → ").eq(rp.steps.iter().map(|x| &*x.role)) =>
                        {
                            Some(&**r)
                        }
                        _ => None,
                    })
                    .collect()
            });
        match named {
            Some(named) => {
                for (key, rp) in named.into_iter().zip(roles) {
                    via.entry(std::borrow::Cow::Borrowed(key)).or_insert(rp);
                }
            }
            None => {
                for rp in roles {
                    let key = rp
                        .steps
                        .iter()
                        .map(|x| &*x.role)
                        .collect::<Vec<_>>()
                        .join(" → ");
                    via.entry(std::borrow::Cow::Owned(key)).or_insert(rp);
                }
            }
        }
        let mut by_index: FxHashMap<usize, &RolePath> = FxHashMap::default();
        for rp in them.iter().flat_map(|p| &p.roles) {
            by_index.entry(rp.index).or_insert(rp);
        }
        Lookup {
            via,
            them: by_index,
        }
    }
}

/// A finding about nothing in particular: what `causes_of` finds for it is what may
/// make a principal's access differ (unknown policies attached, else all its changes).
fn review_probe() -> Finding {
    Finding {
        code: Code::NeedsReview,
        category: Code::NeedsReview.category(),
        severity: crate::catalog::AccessLevel::List,
        principal_kind: String::new(),
        principal: String::new(),
        service: String::new(),
        actions: Vec::new(),
        pairs: 0,
        witness: None,
        message: String::new(),
        before: Default::default(),
        after: Default::default(),
        waived: None,
        fails_gate: false,
        causes: Vec::new(),
        lint: Vec::new(),
        parts: Vec::new(),
    }
}

/// Sets `causes` on every person finding that names an input change; findings left
/// without one are made *unexplained* by [`ChangeSet::attribute`].
pub fn attribute(set: &ChangeSet, inp: &PeopleInputs<'_>, diffs: &mut [PersonDiff]) {
    let ctx = Ctx {
        set,
        inp,
        fwd: inp.matching.pairs.iter().copied().collect(),
        rev: inp.matching.pairs.iter().map(|&(i, j)| (j, i)).collect(),
        members: [inp.before.snapshot, inp.after.snapshot].map(|s| {
            let mut by_group: FxHashMap<String, FxHashSet<String>> = FxHashMap::default();
            for (g, m) in store_memberships(s) {
                by_group.entry(g).or_default().insert(m);
            }
            by_group
        }),
        on_other: {
            let keys: [FxHashSet<AssignmentKey>; 2] = [inp.before.snapshot, inp.after.snapshot]
                .map(|s| s.people.assignments.iter().map(assignment_key).collect());
            [
                (inp.before.snapshot, &keys[1]),
                (inp.after.snapshot, &keys[0]),
            ]
            .map(|(s, other)| {
                s.people
                    .assignments
                    .iter()
                    .map(|a| other.contains(&assignment_key(a)))
                    .collect()
            })
        },
        touching: [inp.before.snapshot, inp.after.snapshot].map(|s| {
            (0..s.principals.len())
                .map(|_| std::sync::OnceLock::new())
                .collect()
        }),
        reviewed: [inp.before.snapshot, inp.after.snapshot].map(|s| {
            (0..s.principals.len())
                .map(|_| std::sync::OnceLock::new())
                .collect()
        }),
        yields: [
            assignments_by_role(inp.before.snapshot),
            assignments_by_role(inp.after.snapshot),
        ],
        entries_into: [
            entries_into(&inp.before.view.graph),
            entries_into(&inp.after.view.graph),
        ],
        empty: BTreeSet::new(),
    };
    let ids: Vec<String> = set.changes().iter().map(|c| c.id.clone()).collect();
    diffs.par_iter_mut().for_each(|d| {
        let pb = d.sides.0.and_then(|i| inp.before.view.people.get(i));
        let pa = d.sides.1.and_then(|j| inp.after.view.people.get(j));
        let users = Sides {
            before: pb.and_then(|p| p.users.first().copied()),
            after: pa.and_then(|p| p.users.first().copied()),
        };
        let looks = [Lookup::new(pb, pa), Lookup::new(pa, pb)];
        // what changed in the person's paths, for findings no route explains
        let mut paths = BTreeSet::new();
        for (s, me, look) in [
            (SideOf::Before, pb, &looks[0]),
            (SideOf::After, pa, &looks[1]),
        ] {
            let Some(me) = me else { continue };
            for rp in &me.roles {
                let alike = ctx
                    .partner(s, rp.index)
                    .and_then(|o| look.them.get(&o).copied());
                if alike.is_none_or(|x| x.status != rp.status) {
                    ctx.path(s, me, rp, &mut paths);
                }
            }
        }
        for f in &mut d.diff.findings {
            if !f.causes.is_empty() {
                continue;
            }
            let mut out = BTreeSet::new();
            match f.code {
                Code::RemovedPrincipal | Code::NewPrincipal => {
                    let (s, p, u) = if f.code == Code::RemovedPrincipal {
                        (SideOf::Before, pb, users.before)
                    } else {
                        (SideOf::After, pa, users.after)
                    };
                    if let Some(p) = p {
                        out.extend(set.find(&Key::People(PeopleKey::Person(
                            s,
                            p.person.key.to_lowercase(),
                        ))));
                    }
                    if let Some(u) = u {
                        ctx.gone(s, u, &mut out);
                    }
                }
                _ => {
                    let mut own = false;
                    for (s, me, them, look, routes) in [
                        (SideOf::Before, pb, pa, &looks[0], &f.before.routes),
                        (SideOf::After, pa, pb, &looks[1], &f.after.routes),
                    ] {
                        for r in routes {
                            if !ctx.route(s, me, them, look, r, &mut out) {
                                own = true;
                            }
                        }
                    }
                    let no_routes = f.before.routes.is_empty() && f.after.routes.is_empty();
                    if (own || no_routes) && (users.before.is_some() || users.after.is_some()) {
                        let mut g = f.clone();
                        g.before.routes.retain(|r| !r.via.starts_with("role "));
                        g.after.routes.retain(|r| !r.via.starts_with("role "));
                        out.extend(set.causes_of(&g, users));
                    }
                    if out.is_empty() {
                        out.extend(paths.iter().copied());
                    }
                }
            }
            f.causes = out
                .into_iter()
                .filter_map(|c| ids.get(c).cloned())
                .collect();
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    // issue 9: a role name gives its permission set, the longest name first
    #[test]
    fn role_names_give_their_permission_set() {
        let sets = vec!["Data".to_owned(), "Data_Team".to_owned()];
        assert_eq!(
            permission_set_of(&sets, "AWSReservedSSO_Data_Team_0123456789abcdef"),
            Some("Data_Team")
        );
        assert_eq!(
            permission_set_of(&sets, "AWSReservedSSO_Data"),
            Some("Data")
        );
        assert_eq!(permission_set_of(&sets, "AWSReservedSSO_Other_01"), None);
        assert_eq!(permission_set_of(&sets, "ops-admin"), None);
    }
}
