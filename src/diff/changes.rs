//! Root causes (issue 12): the input-level changes between the two sides — memberships,
//! attachments, policy documents (with their statement-level difference), boundaries,
//! SCP levels, trust policies, principals removed, added or renamed without a mapping —
//! computed once from the snapshots (after `--map` renames), independent of evaluation.
//! Every finding is then attributed to the change(s) its routes touch; a finding none
//! explains gets an explicit *unexplained* cause, never none. Reports lead with these
//! changes, ranked by impact, and collapse the findings under them.

use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

use crate::catalog::AccessLevel;
use crate::eval::layers::Via;
use crate::model::{Place, Policy, PolicyKind, PolicyRef, Principal, Snapshot, Statement};

use super::findings::{Category, Code, Finding, Route};
use super::mapping::Renames;
use super::outcome::PrincipalDiff;
use super::run::Matching;

/// What kind of input change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    /// A user left a group (or the group is gone, or renamed without a mapping).
    MembershipRemoved,
    /// A user joined a group.
    MembershipAdded,
    /// A policy (managed, or an inline one by name) no longer attached to a principal or group.
    PolicyDetached,
    /// A policy newly attached to a principal or group.
    PolicyAttached,
    /// A managed policy's default version changed; `detail` has the statement difference.
    DefaultVersionChanged,
    /// A policy's document changed (same version or none); `detail` has the statement difference.
    PolicyChanged,
    /// A principal's permissions boundary was set, removed, replaced or edited.
    BoundaryChanged,
    /// An SCP level's policies changed, or the level was added or removed.
    ScpChanged,
    /// A role's trust policy changed.
    TrustChanged,
    /// A principal exists before and not after.
    PrincipalRemoved,
    /// A principal exists only after.
    PrincipalAdded,
    /// A removed and a new principal look like the same one (same unique id, or the same
    /// policies and groups) but no `--map` rule pairs them.
    RenamedWithoutMapping,
    /// A waiver expired or matched nothing (the cause of `expired-waiver` and `unused-waiver`).
    Waiver,
    /// No input change explains the findings of this principal: review them directly.
    Unexplained,
    /// An Identity Center account assignment removed (issue 9, [`super::changes_people`]).
    AssignmentRemoved,
    /// An Identity Center account assignment added.
    AssignmentAdded,
    /// A permission set's policies changed (its roles in every account alike).
    PermissionSetChanged,
    /// An account moved to another OU (issue 8): it left the SCP/RCP levels of the old
    /// parent and came under the new one's.
    OuMoved,
    /// An SCP or RCP attached to a root, an OU or an account.
    OrgPolicyAttached,
    /// An SCP or RCP detached from a root, an OU or an account.
    OrgPolicyDetached,
    /// An SCP's or RCP's document changed; `detail` has the statement difference.
    OrgPolicyChanged,
    /// A resource (by ARN) has a resource policy after and none before.
    ResourcePolicyAdded,
    /// A resource's policy is gone after.
    ResourcePolicyRemoved,
    /// A resource's policy changed; `detail` has the statement difference.
    ResourcePolicyChanged,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::MembershipRemoved => "membership-removed",
            ChangeKind::MembershipAdded => "membership-added",
            ChangeKind::PolicyDetached => "policy-detached",
            ChangeKind::PolicyAttached => "policy-attached",
            ChangeKind::DefaultVersionChanged => "default-version-changed",
            ChangeKind::PolicyChanged => "policy-changed",
            ChangeKind::BoundaryChanged => "boundary-changed",
            ChangeKind::ScpChanged => "scp-changed",
            ChangeKind::TrustChanged => "trust-changed",
            ChangeKind::PrincipalRemoved => "principal-removed",
            ChangeKind::PrincipalAdded => "principal-added",
            ChangeKind::RenamedWithoutMapping => "renamed-without-mapping",
            ChangeKind::Waiver => "waiver",
            ChangeKind::Unexplained => "unexplained",
            ChangeKind::AssignmentRemoved => "assignment-removed",
            ChangeKind::AssignmentAdded => "assignment-added",
            ChangeKind::PermissionSetChanged => "permission-set-changed",
            ChangeKind::OuMoved => "ou-moved",
            ChangeKind::OrgPolicyAttached => "org-policy-attached",
            ChangeKind::OrgPolicyDetached => "org-policy-detached",
            ChangeKind::OrgPolicyChanged => "org-policy-changed",
            ChangeKind::ResourcePolicyAdded => "resource-policy-added",
            ChangeKind::ResourcePolicyRemoved => "resource-policy-removed",
            ChangeKind::ResourcePolicyChanged => "resource-policy-changed",
        }
    }
}

/// What a change does to access, over the findings attributed to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Impact {
    /// Highest severity among its findings (`null`: none).
    pub severity: Option<AccessLevel>,
    /// Principals with at least one finding it causes.
    pub principals: usize,
    /// Findings it causes, and how many of them fail the gate.
    pub findings: usize,
    pub failing: usize,
    /// Actions (summed over principals) lost: `lost` and `removed-principal` findings.
    pub actions_lost: usize,
    /// Actions narrowed or made conditional.
    pub actions_changed: usize,
    /// Actions gained: `gained`, `widened` and `new-principal` findings.
    pub actions_gained: usize,
    /// Distinct services among its findings.
    pub services: usize,
}

/// One input change between the sides, with what it does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// `C1`, `C2`, … in a deterministic order of the inputs (kind, subject, object), the
    /// same whatever evaluation finds; `W<n>` for waiver `n`, `U<n>` for unexplained.
    pub id: String,
    pub kind: ChangeKind,
    /// Who or what changed: `user bob`, `group ml-platform`, `customer-managed policy X`,
    /// `scp level root`.
    pub subject: String,
    /// The other party, for memberships (`group X`) and attachments (`policy X`).
    #[serde(default)]
    pub object: Option<String>,
    /// One line: `bob removed from group PowerUsers`.
    pub summary: String,
    /// Where the change is on each side (file, and pointer where the model knows it).
    #[serde(default)]
    pub before: Option<Place>,
    #[serde(default)]
    pub after: Option<Place>,
    /// Statement-level difference of a changed policy, and other precisions.
    #[serde(default)]
    pub detail: Vec<String>,
    /// Principals with findings it causes, sorted.
    #[serde(default)]
    pub principals: Vec<String>,
    /// Ids of the findings it causes (the report's finding ids); filled by the report.
    #[serde(default)]
    pub findings: Vec<String>,
    #[serde(default)]
    pub impact: Impact,
}

impl Change {
    /// How a change ranks: failing findings first, then severity, principals, actions lost.
    pub fn rank_key(&self) -> impl Ord + use<> {
        (
            std::cmp::Reverse(self.impact.failing > 0),
            std::cmp::Reverse(self.impact.severity),
            std::cmp::Reverse(self.impact.principals),
            std::cmp::Reverse(self.impact.actions_lost),
            std::cmp::Reverse(self.impact.actions_changed + self.impact.actions_gained),
            id_order(&self.id),
        )
    }
}

/// `C2` before `C10`; `C…` before `W…` before `U…`.
fn id_order(id: &str) -> (u8, usize) {
    let class = match id.as_bytes().first() {
        Some(b'C') => 0,
        Some(b'W') => 1,
        _ => 2,
    };
    (class, id.get(1..).and_then(|n| n.parse().ok()).unwrap_or(0))
}

// ---- computing the changes ----

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) enum SideOf {
    Before,
    After,
}

/// Who holds a policy, on one side: a principal (by index) or a group (by name).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) enum Holder {
    Principal(usize),
    Group(String),
}

/// A policy as routes and attachments name it: managed (global by name) or inline (by
/// name, within its holder).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) enum PolicyName {
    Managed(String),
    Inline(String),
}

impl PolicyName {
    fn of_ref(snap: &Snapshot, r: &PolicyRef) -> PolicyName {
        match r {
            PolicyRef::Resolved(id) => match snap.policy(*id) {
                Some(p) if p.kind == PolicyKind::Inline => PolicyName::Inline(p.name.to_string()),
                Some(p) => PolicyName::Managed(p.name.to_string()),
                None => PolicyName::Managed(String::new()),
            },
            PolicyRef::Unresolved { name, .. } => PolicyName::Managed(name.clone()),
        }
    }

    fn of_route(r: &Route) -> PolicyName {
        if r.kind == "inline" {
            PolicyName::Inline(r.policy.clone())
        } else {
            PolicyName::Managed(r.policy.clone())
        }
    }

    fn label(&self) -> String {
        match self {
            PolicyName::Managed(n) => format!("policy {n}"),
            PolicyName::Inline(n) => format!("inline policy {n}"),
        }
    }
}

/// What attribution looks a change up by.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) enum Key {
    /// Before principal left before group.
    MemberOut(usize, String),
    /// After principal joined after group.
    MemberIn(usize, String),
    Detached(Holder, PolicyName),
    Attached(Holder, PolicyName),
    /// A managed policy's document changed (by name).
    Managed(String),
    /// An inline policy's document changed: its holder on one side, and its name.
    Inline(SideOf, Holder, String),
    Boundary(SideOf, usize),
    Scp(SideOf, String),
    Gone(usize),
    New(usize),
    /// Trust, Identity Center and identity-store changes ([`super::changes_people`]).
    People(super::changes_people::PeopleKey),
    /// Organization and resource-policy changes ([`super::changes_org`]).
    Org(super::changes_org::OrgKey),
}

/// A change while it is being built: its sort key, and the keys attribution finds it by.
pub(super) struct Draft {
    pub(super) change: Change,
    pub(super) keys: Vec<Key>,
    /// Statement labels (Sid or `#N`) a policy change touches on either side.
    pub(super) statements: BTreeSet<String>,
    /// Principals (side, index) whose inputs it touches, for the fallback.
    pub(super) touches: Vec<(SideOf, usize)>,
}

/// The changes between two sides, with what attribution needs to find them.
pub struct ChangeSet {
    changes: Vec<Change>,
    keys: FxHashMap<Key, Vec<usize>>,
    statements: Vec<BTreeSet<String>>,
    touching: FxHashMap<(SideOf, usize), Vec<usize>>,
    /// Policies each before / after principal holds, by name.
    held_before: Vec<HeldNames>,
    held_after: Vec<HeldNames>,
    /// Unknown policies each after principal holds: (via, name).
    unresolved_after: Vec<Vec<(Via, String)>>,
    /// Group names each principal is in, per side.
    groups_before: Vec<Vec<String>>,
    groups_after: Vec<Vec<String>>,
    /// Changes of a group's attachments and inline documents, per side.
    by_group: FxHashMap<(SideOf, String), Vec<usize>>,
    /// Each principal's account, for organization changes.
    org: super::changes_org::OrgIndex,
}

pub(super) fn source_place(snap: &Snapshot) -> Option<Place> {
    snap.sources.first().map(|s| Place::file(s.clone()))
}

/// The statement's label as routes give it: its Sid or `#N`.
pub(super) fn label(s: &Statement, i: usize) -> String {
    s.sid.clone().unwrap_or_else(|| format!("#{i}"))
}

fn same_statement(a: &Statement, b: &Statement) -> bool {
    a.effect == b.effect
        && a.action == b.action
        && a.resource == b.resource
        && a.principal == b.principal
        && crate::eval::condition::normalized(&a.condition)
            == crate::eval::condition::normalized(&b.condition)
        && a.unresolved == b.unresolved
}

pub(super) fn same_document(a: &Policy, b: &Policy) -> bool {
    a.document.statements.len() == b.document.statements.len()
        && a.document
            .statements
            .iter()
            .zip(&b.document.statements)
            .all(|(x, y)| same_statement(x, y))
}

fn patterns(c: &crate::model::ResourceClause) -> (bool, BTreeSet<&str>) {
    use crate::model::ResourceClause as R;
    match c {
        R::Resource(v) => (false, v.iter().map(String::as_str).collect()),
        R::NotResource(v) => (true, v.iter().map(String::as_str).collect()),
        R::Absent => (false, BTreeSet::new()),
    }
}

pub(super) fn actions(c: &crate::model::ActionClause) -> (bool, BTreeSet<&str>) {
    use crate::model::ActionClause as A;
    match c {
        A::Action(v) => (false, v.iter().map(String::as_str).collect()),
        A::NotAction(v) => (true, v.iter().map(String::as_str).collect()),
    }
}

pub(super) fn effect(s: &Statement) -> &'static str {
    match s.effect {
        crate::model::Effect::Allow => "Allow",
        crate::model::Effect::Deny => "Deny",
    }
}

pub(super) fn list(items: &BTreeSet<&str>) -> String {
    const SHOWN: usize = 4;
    let v: Vec<&str> = items.iter().copied().take(SHOWN).collect();
    let more = items.len().saturating_sub(SHOWN);
    let mut s = v.join(", ");
    if more > 0 {
        s.push_str(&format!(" and {more} more"));
    }
    s
}

/// The statement-level difference of two documents: one line per statement added,
/// removed or changed, and the labels of those statements.
pub fn statement_difference(before: &Policy, after: &Policy) -> (Vec<String>, BTreeSet<String>) {
    fn index(p: &Policy) -> BTreeMap<String, &Statement> {
        p.document
            .statements
            .iter()
            .enumerate()
            .map(|(i, s)| (label(s, i), s))
            .collect()
    }
    let (b, a) = (index(before), index(after));
    let mut lines = Vec::new();
    let mut labels = BTreeSet::new();
    let name = statement_name;
    for (l, s) in &b {
        if !a.contains_key(l) {
            let (_, acts) = actions(&s.action);
            lines.push(format!(
                "{} removed ({} {})",
                name(l),
                effect(s),
                list(&acts)
            ));
            labels.insert(l.clone());
        }
    }
    for (l, s) in &a {
        let Some(old) = b.get(l) else {
            let (_, acts) = actions(&s.action);
            let what = if s.effect == crate::model::Effect::Deny {
                "deny added"
            } else {
                "added"
            };
            lines.push(format!(
                "{} {what} ({} {})",
                name(l),
                effect(s),
                list(&acts)
            ));
            labels.insert(l.clone());
            continue;
        };
        if same_statement(old, s) {
            continue;
        }
        labels.insert(l.clone());
        let mut what = Vec::new();
        if old.effect != s.effect {
            what.push(format!("effect {} → {}", effect(old), effect(s)));
        }
        let (ob, oa) = (actions(&old.action), actions(&s.action));
        if ob != oa {
            let gone: BTreeSet<&str> = ob.1.difference(&oa.1).copied().collect();
            let new: BTreeSet<&str> = oa.1.difference(&ob.1).copied().collect();
            if !gone.is_empty() {
                what.push(format!("actions removed: {}", list(&gone)));
            }
            if !new.is_empty() {
                what.push(format!("actions added: {}", list(&new)));
            }
            if gone.is_empty() && new.is_empty() {
                what.push("Action ↔ NotAction".to_owned());
            }
        }
        let (rb, ra) = (patterns(&old.resource), patterns(&s.resource));
        if rb != ra {
            let gone: BTreeSet<&str> = rb.1.difference(&ra.1).copied().collect();
            let new: BTreeSet<&str> = ra.1.difference(&rb.1).copied().collect();
            // each pattern of one side read as text against the other's as wildcards: an
            // approximation of inclusion, good enough to name the direction
            let covered = |xs: &BTreeSet<&str>, by: &BTreeSet<&str>| {
                xs.iter().all(|x| {
                    by.iter()
                        .any(|b| crate::eval::wildcard::Pattern::parse(b).matches(x))
                })
            };
            let verb = if rb.0 != ra.0 {
                "resources changed"
            } else if covered(&ra.1, &rb.1) {
                if rb.0 { "widened" } else { "narrowed" }
            } else if covered(&rb.1, &ra.1) {
                if rb.0 { "narrowed" } else { "widened" }
            } else {
                "resources changed"
            };
            let mut t = verb.to_owned();
            if !gone.is_empty() {
                t.push_str(&format!(": {} → ", list(&gone)));
                t.push_str(&if new.is_empty() {
                    "—".to_owned()
                } else {
                    list(&new)
                });
            } else if !new.is_empty() {
                t.push_str(&format!(": + {}", list(&new)));
            }
            what.push(t);
        }
        let (cb, ca) = (
            crate::eval::condition::normalized(&old.condition),
            crate::eval::condition::normalized(&s.condition),
        );
        let text = |c: &crate::model::ConditionClause| {
            format!("{} {} {}", c.key, c.operator, c.values.join("|"))
        };
        for c in ca.iter().filter(|c| !cb.contains(c)) {
            what.push(format!("condition added: {}", text(c)));
        }
        for c in cb.iter().filter(|c| !ca.contains(c)) {
            what.push(format!("condition removed: {}", text(c)));
        }
        if old.principal != s.principal {
            what.push("principal changed".to_owned());
        }
        if old.unresolved != s.unresolved {
            what.push("unresolved values changed".to_owned());
        }
        lines.push(format!("{} {}", name(l), what.join("; ")));
    }
    if lines.is_empty() && before.document.statements != after.document.statements {
        lines.push("statements reordered".to_owned());
    }
    (lines, labels)
}

/// `Sid Read` or `statement #0`.
pub(super) fn statement_name(l: &str) -> String {
    if l.starts_with('#') {
        format!("statement {l}")
    } else {
        format!("Sid {l}")
    }
}

/// The place of a policy's first statement whose label is in `labels` (else its first).
pub(super) fn policy_place(p: &Policy, labels: &BTreeSet<String>) -> Option<Place> {
    let st = &p.document.statements;
    let s = st
        .iter()
        .enumerate()
        .find(|(i, s)| labels.contains(&label(s, *i)))
        .map(|(_, s)| s)
        .or_else(|| st.first())?;
    let o = &s.origin;
    Some(Place {
        file: o.file.clone(),
        line: None,
        column: None,
        pointer: o.pointer.clone(),
    })
}

/// Attachments of a holder, by name, with the policy when resolved.
fn attachments<'a>(
    snap: &'a Snapshot,
    refs: &'a [PolicyRef],
) -> BTreeMap<PolicyName, &'a PolicyRef> {
    refs.iter()
        .map(|r| (PolicyName::of_ref(snap, r), r))
        .collect()
}

fn resolved<'a>(snap: &'a Snapshot, r: &PolicyRef) -> Option<&'a Policy> {
    match r {
        PolicyRef::Resolved(id) => snap.policy(*id),
        PolicyRef::Unresolved { .. } => None,
    }
}

pub(super) struct Builder<'a> {
    pub(super) before: &'a Snapshot,
    pub(super) after: &'a Snapshot,
    names_b: Vec<String>,
    names_a: Vec<String>,
    pub(super) drafts: Vec<Draft>,
}

impl Builder<'_> {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn push(
        &mut self,
        kind: ChangeKind,
        subject: String,
        object: Option<String>,
        summary: String,
        places: (Option<Place>, Option<Place>),
        detail: Vec<String>,
        keys: Vec<Key>,
        statements: BTreeSet<String>,
        touches: Vec<(SideOf, usize)>,
    ) {
        self.drafts.push(Draft {
            change: Change {
                id: String::new(),
                kind,
                subject,
                object,
                summary,
                before: places.0,
                after: places.1,
                detail,
                principals: Vec::new(),
                findings: Vec::new(),
                impact: Impact::default(),
            },
            keys,
            statements,
            touches,
        });
    }

    fn principal_label(&self, side: SideOf, i: usize) -> String {
        let (snap, names) = match side {
            SideOf::Before => (self.before, &self.names_b),
            SideOf::After => (self.after, &self.names_a),
        };
        let kind = snap
            .principals
            .get(i)
            .map(|p| p.kind.as_str())
            .unwrap_or("principal");
        format!("{kind} {}", names.get(i).cloned().unwrap_or_default())
    }

    /// Attachments of one holder compared: detached, attached, inline documents changed.
    fn holder(
        &mut self,
        hb: (Holder, &[PolicyRef]),
        ha: (Holder, &[PolicyRef]),
        subject: String,
        touches: Vec<(SideOf, usize)>,
    ) {
        let (before, after) = (self.before, self.after);
        let (mb, ma) = (attachments(before, hb.1), attachments(after, ha.1));
        for (name, r) in &mb {
            if !ma.contains_key(name) {
                let place = resolved(before, r)
                    .and_then(|p| policy_place(p, &BTreeSet::new()))
                    .or_else(|| source_place(before));
                self.push(
                    ChangeKind::PolicyDetached,
                    subject.clone(),
                    Some(name.label()),
                    format!("{} detached from {subject}", name.label()),
                    (place, None),
                    Vec::new(),
                    vec![Key::Detached(hb.0.clone(), name.clone())],
                    BTreeSet::new(),
                    touches.clone(),
                );
            }
        }
        for (name, r) in &ma {
            match mb.get(name) {
                None => {
                    let place = resolved(after, r)
                        .and_then(|p| policy_place(p, &BTreeSet::new()))
                        .or_else(|| source_place(after));
                    let detail = match r {
                        PolicyRef::Unresolved { .. } => {
                            vec!["its document is in neither the input nor the catalog: access through it needs review".to_owned()]
                        }
                        PolicyRef::Resolved(_) => Vec::new(),
                    };
                    self.push(
                        ChangeKind::PolicyAttached,
                        subject.clone(),
                        Some(name.label()),
                        format!("{} attached to {subject}", name.label()),
                        (None, place),
                        detail,
                        vec![Key::Attached(ha.0.clone(), name.clone())],
                        BTreeSet::new(),
                        touches.clone(),
                    );
                }
                // an inline policy kept by name: compare its document here (managed
                // policies are compared once, by name)
                Some(rb) => {
                    let PolicyName::Inline(n) = name else {
                        continue;
                    };
                    let (Some(pb), Some(pa)) = (resolved(before, rb), resolved(after, r)) else {
                        continue;
                    };
                    if same_document(pb, pa) {
                        continue;
                    }
                    let (detail, labels) = statement_difference(pb, pa);
                    self.push(
                        ChangeKind::PolicyChanged,
                        format!("inline policy {n} of {subject}"),
                        None,
                        format!("inline policy {n} of {subject} changed"),
                        (policy_place(pb, &labels), policy_place(pa, &labels)),
                        detail,
                        vec![
                            Key::Inline(SideOf::Before, hb.0.clone(), n.clone()),
                            Key::Inline(SideOf::After, ha.0.clone(), n.clone()),
                        ],
                        labels,
                        touches.clone(),
                    );
                }
            }
        }
    }
}

fn group_names(snap: &Snapshot, p: &Principal) -> Vec<String> {
    p.groups
        .iter()
        .filter_map(|g| snap.group(*g).map(|g| g.name.clone()))
        .collect()
}

/// The policies a principal holds by name, as [`HeldNames`], and its unknown ones with
/// how it holds them: what [`crate::eval::layers::Layers::of`] lists as identity policies
/// and unresolved, read straight from the principal, its groups' names shared from
/// `groups` (each group's, built once: a GCP member holds hundreds of bindings through
/// its groups, issue 10 Figures).
fn held(
    snap: &Snapshot,
    groups: &[std::sync::Arc<NameBits>],
    p: &Principal,
) -> (HeldNames, Vec<(Via, String)>) {
    let mut own = NameBits::default();
    let mut unresolved: Vec<(Via, String)> = Vec::new();
    let mut add = |r: &PolicyRef, via: &dyn Fn() -> Via| {
        if let PolicyRef::Unresolved { name, .. } = r {
            unresolved.push((via(), name.clone()));
        }
    };
    for r in &p.policies {
        if let PolicyRef::Resolved(id) = r
            && let Some(pol) = snap.policy(*id)
        {
            name_bits(&mut own, pol);
        }
        add(r, &|| Via::Direct);
    }
    let mut shared = Vec::with_capacity(p.groups.len());
    for gid in &p.groups {
        if let Some(g) = snap.group(*gid) {
            let name: std::sync::Arc<str> = std::sync::Arc::from(g.name.as_str());
            for r in &g.policies {
                add(r, &|| Via::Group(name.clone()));
            }
            if let Some(bits) = groups.get(gid.0 as usize) {
                shared.push(bits.clone());
            }
        }
    }
    if let Some(PolicyRef::Unresolved { name, .. }) = &p.boundary {
        unresolved.push((Via::Boundary, name.clone()));
    }
    for (_, n) in &unresolved {
        *own.entry(std::sync::Arc::from(n.as_str())).or_default() |= 1;
    }
    (HeldNames { own, shared }, unresolved)
}

/// Policy names with whether each is held as a managed policy (bit 1) and as an inline
/// one (bit 2), the names shared with the snapshot's policies.
type NameBits = FxHashMap<std::sync::Arc<str>, u8>;

fn name_bits(bits: &mut NameBits, pol: &Policy) {
    *bits.entry(pol.name.clone()).or_default() |=
        if pol.kind == PolicyKind::Inline { 2 } else { 1 };
}

/// The resolved policies of each group of a snapshot, by name.
fn group_bits(snap: &Snapshot) -> Vec<std::sync::Arc<NameBits>> {
    snap.groups
        .iter()
        .map(|g| {
            let mut bits = NameBits::default();
            for r in &g.policies {
                if let PolicyRef::Resolved(id) = r
                    && let Some(pol) = snap.policy(*id)
                {
                    name_bits(&mut bits, pol);
                }
            }
            std::sync::Arc::new(bits)
        })
        .collect()
}

/// The policies a principal holds, by name: its own (and its unknown ones) and its
/// groups', each group's shared.
#[derive(Default)]
struct HeldNames {
    own: NameBits,
    shared: Vec<std::sync::Arc<NameBits>>,
}

impl HeldNames {
    fn contains(&self, p: &PolicyName) -> bool {
        let (n, bit) = match p {
            PolicyName::Managed(n) => (n, 1),
            PolicyName::Inline(n) => (n, 2),
        };
        std::iter::once(&self.own)
            .chain(self.shared.iter().map(|s| &**s))
            .any(|m| m.get(n.as_str()).is_some_and(|b| b & bit != 0))
    }

    /// The names held as managed policies (a name may come more than once).
    fn managed(&self) -> impl Iterator<Item = &str> {
        std::iter::once(&self.own)
            .chain(self.shared.iter().map(|s| &**s))
            .flat_map(|m| m.iter().filter(|(_, b)| **b & 1 != 0).map(|(n, _)| &**n))
    }
}

/// Whether two principals look like one renamed without a mapping: the same unique id,
/// or the same groups and policies (and at least one of them).
fn looks_renamed(before: &Snapshot, pb: &Principal, after: &Snapshot, pa: &Principal) -> bool {
    if pb.kind != pa.kind {
        return false;
    }
    if let (Some(x), Some(y)) = (&pb.id, &pa.id) {
        return x == y;
    }
    let shape = |s: &Snapshot, p: &Principal| {
        let mut g = group_names(s, p);
        g.sort();
        let mut pol: Vec<PolicyName> = p
            .policies
            .iter()
            .map(|r| PolicyName::of_ref(s, r))
            .collect();
        pol.sort();
        (g, pol)
    };
    let (b, a) = (shape(before, pb), shape(after, pa));
    (!b.0.is_empty() || !b.1.is_empty()) && b == a
}

/// Computes the changes between the two sides, once, from their inputs.
pub fn compute(before: &Snapshot, after: &Snapshot, m: &Matching, renames: &Renames) -> ChangeSet {
    let names_b = (0..before.principals.len())
        .map(|i| m.display_name(false, i))
        .collect();
    let names_a = (0..after.principals.len())
        .map(|j| m.display_name(true, j))
        .collect();
    let mut b = Builder {
        before,
        after,
        names_b,
        names_a,
        drafts: Vec::new(),
    };
    // the after name of a before group
    let mapped = |g: &crate::model::Group| -> String {
        renames
            .group(g.account(), &g.name)
            .map(|t| t.name)
            .unwrap_or_else(|| g.name.clone())
    };
    let after_groups: BTreeMap<&str, &crate::model::Group> =
        after.groups.iter().map(|g| (g.name.as_str(), g)).collect();
    let after_name_of: BTreeMap<String, String> = before
        .groups
        .iter()
        .map(|g| (g.name.clone(), mapped(g)))
        .collect();

    // principals matched: memberships, direct attachments, boundary, trust
    for &(i, j) in &m.pairs {
        let (Some(pb), Some(pa)) = (before.principals.get(i), after.principals.get(j)) else {
            continue;
        };
        let who = b.principal_label(SideOf::After, j);
        let name = b.names_a.get(j).cloned().unwrap_or_default();
        let touches = vec![(SideOf::Before, i), (SideOf::After, j)];
        let gb: Vec<String> = group_names(before, pb);
        let ga: BTreeSet<String> = group_names(after, pa).into_iter().collect();
        let gb_mapped: BTreeSet<String> = gb
            .iter()
            .map(|g| after_name_of.get(g).cloned().unwrap_or_else(|| g.clone()))
            .collect();
        for g in &gb {
            let to = after_name_of.get(g).cloned().unwrap_or_else(|| g.clone());
            if !ga.contains(&to) {
                let detail = if !after_groups.contains_key(to.as_str()) {
                    vec![format!("group {to} does not exist after")]
                } else {
                    Vec::new()
                };
                b.push(
                    ChangeKind::MembershipRemoved,
                    who.clone(),
                    Some(format!("group {g}")),
                    format!("{name} removed from group {g}"),
                    (source_place(before), source_place(after)),
                    detail,
                    vec![Key::MemberOut(i, g.clone())],
                    BTreeSet::new(),
                    touches.clone(),
                );
            }
        }
        for g in ga.iter().filter(|g| !gb_mapped.contains(*g)) {
            b.push(
                ChangeKind::MembershipAdded,
                who.clone(),
                Some(format!("group {g}")),
                format!("{name} added to group {g}"),
                (source_place(before), source_place(after)),
                Vec::new(),
                vec![Key::MemberIn(j, g.clone())],
                BTreeSet::new(),
                touches.clone(),
            );
        }
        b.holder(
            (Holder::Principal(i), &pb.policies),
            (Holder::Principal(j), &pa.policies),
            who.clone(),
            touches.clone(),
        );
        fn boundary<'s>(
            s: &'s Snapshot,
            r: &Option<PolicyRef>,
        ) -> Option<(PolicyName, Option<&'s Policy>)> {
            r.as_ref()
                .map(|r| (PolicyName::of_ref(s, r), resolved(s, r)))
        }
        let (bb, ba) = (
            boundary(before, &pb.boundary),
            boundary(after, &pa.boundary),
        );
        let differs = match (&bb, &ba) {
            (None, None) => false,
            (Some((nb, Some(x))), Some((na, Some(y)))) => nb != na || !same_document(x, y),
            (Some((nb, None)), Some((na, None))) => nb != na,
            _ => true,
        };
        if differs {
            let text = |x: &Option<(PolicyName, Option<&Policy>)>| match x {
                Some((n, _)) => n.label(),
                None => "none".to_owned(),
            };
            let mut detail = vec![format!("{} → {}", text(&bb), text(&ba))];
            let mut labels = BTreeSet::new();
            if let (Some((_, Some(x))), Some((_, Some(y)))) = (&bb, &ba) {
                let (d, l) = statement_difference(x, y);
                detail.extend(d);
                labels = l;
            }
            let place = |x: &Option<(PolicyName, Option<&Policy>)>| {
                x.as_ref()
                    .and_then(|(_, p)| p.and_then(|p| policy_place(p, &labels)))
            };
            b.push(
                ChangeKind::BoundaryChanged,
                who.clone(),
                None,
                format!("permissions boundary of {name} changed"),
                (place(&bb), place(&ba)),
                detail,
                vec![
                    Key::Boundary(SideOf::Before, i),
                    Key::Boundary(SideOf::After, j),
                ],
                BTreeSet::new(),
                touches.clone(),
            );
        }
        fn trust<'s>(s: &'s Snapshot, p: &Principal) -> Option<&'s Policy> {
            p.trust.and_then(|t| s.policy(t))
        }
        match (trust(before, pb), trust(after, pa)) {
            (Some(x), Some(y)) if !same_document(x, y) => {
                let (detail, labels) = statement_difference(x, y);
                b.push(
                    ChangeKind::TrustChanged,
                    who.clone(),
                    None,
                    format!("trust policy of {name} changed"),
                    (policy_place(x, &labels), policy_place(y, &labels)),
                    detail,
                    super::changes_people::trust_keys(i, j),
                    BTreeSet::new(),
                    touches.clone(),
                );
            }
            (Some(_), None) | (None, Some(_)) => {
                b.push(
                    ChangeKind::TrustChanged,
                    who.clone(),
                    None,
                    format!("trust policy of {name} changed"),
                    (
                        trust(before, pb).and_then(|p| policy_place(p, &BTreeSet::new())),
                        trust(after, pa).and_then(|p| policy_place(p, &BTreeSet::new())),
                    ),
                    vec!["a trust policy on one side only".to_owned()],
                    super::changes_people::trust_keys(i, j),
                    BTreeSet::new(),
                    touches.clone(),
                );
            }
            _ => {}
        }
    }

    // groups matched through the renames: their attachments
    for gb in &before.groups {
        let to = mapped(gb);
        let Some(ga) = after_groups.get(to.as_str()) else {
            continue;
        };
        let subject = format!("group {to}");
        b.holder(
            (Holder::Group(gb.name.clone()), &gb.policies),
            (Holder::Group(ga.name.clone()), &ga.policies),
            subject,
            Vec::new(),
        );
    }

    // managed policies by name: documents that changed, among those something uses
    let used = |s: &Snapshot| -> BTreeSet<String> {
        let mut u = BTreeSet::new();
        for p in &s.principals {
            for r in p.policies.iter().chain(p.boundary.iter()) {
                if let PolicyName::Managed(n) = PolicyName::of_ref(s, r) {
                    u.insert(n);
                }
            }
        }
        for g in &s.groups {
            for r in &g.policies {
                if let PolicyName::Managed(n) = PolicyName::of_ref(s, r) {
                    u.insert(n);
                }
            }
        }
        u
    };
    let (ub, ua) = (used(before), used(after));
    fn managed(s: &Snapshot) -> BTreeMap<String, &Policy> {
        s.policies
            .iter()
            .filter(|p| matches!(p.kind, PolicyKind::AwsManaged | PolicyKind::CustomerManaged))
            .map(|p| (p.name.to_string(), p))
            .collect()
    }
    let (mb, ma) = (managed(before), managed(after));
    for (n, pb) in &mb {
        let Some(pa) = ma.get(n) else { continue };
        if !(ub.contains(n) || ua.contains(n)) || same_document(pb, pa) {
            continue;
        }
        let (mut detail, labels) = statement_difference(pb, pa);
        let kind = if pb.version != pa.version && pb.version.is_some() {
            detail.insert(
                0,
                format!(
                    "default version {} → {}",
                    pb.version.as_deref().unwrap_or("?"),
                    pa.version.as_deref().unwrap_or("?")
                ),
            );
            ChangeKind::DefaultVersionChanged
        } else {
            ChangeKind::PolicyChanged
        };
        let what = pb.kind.label();
        b.push(
            kind,
            format!("{what} {n}"),
            None,
            match kind {
                ChangeKind::DefaultVersionChanged => {
                    format!("default version of {what} {n} changed")
                }
                _ => format!("{what} {n} changed"),
            },
            (policy_place(pb, &labels), policy_place(pa, &labels)),
            detail,
            vec![Key::Managed(n.clone())],
            labels,
            Vec::new(),
        );
    }

    // SCP levels by name
    fn levels(s: &Snapshot) -> BTreeMap<String, Vec<&Policy>> {
        s.scps
            .iter()
            .map(|l| {
                (
                    l.name.clone(),
                    l.policies.iter().filter_map(|id| s.policy(*id)).collect(),
                )
            })
            .collect()
    }
    let (lb, la) = (levels(before), levels(after));
    let all: BTreeSet<&String> = lb.keys().chain(la.keys()).collect();
    for l in all {
        let (x, y) = (lb.get(l), la.get(l));
        let mut detail = Vec::new();
        match (x, y) {
            (Some(x), Some(y)) => {
                fn by<'p>(v: &[&'p Policy]) -> BTreeMap<String, &'p Policy> {
                    v.iter().map(|p| (p.name.to_string(), *p)).collect()
                }
                let (px, py) = (by(x), by(y));
                for (n, p) in &px {
                    match py.get(n) {
                        None => detail.push(format!("SCP {n} detached")),
                        Some(q) if !same_document(p, q) => {
                            let (d, _) = statement_difference(p, q);
                            detail.extend(d.into_iter().map(|d| format!("SCP {n}: {d}")));
                        }
                        Some(_) => {}
                    }
                }
                for n in py.keys().filter(|n| !px.contains_key(*n)) {
                    detail.push(format!("SCP {n} attached"));
                }
            }
            (Some(_), None) => detail.push("level removed".to_owned()),
            (None, Some(_)) => detail.push("level added".to_owned()),
            (None, None) => {}
        }
        if detail.is_empty() {
            continue;
        }
        let place = |v: Option<&Vec<&Policy>>| {
            v.and_then(|v| v.first().and_then(|p| policy_place(p, &BTreeSet::new())))
        };
        b.push(
            ChangeKind::ScpChanged,
            format!("scp level {l}"),
            None,
            format!("SCPs of level {l} changed"),
            (place(x), place(y)),
            detail,
            vec![
                Key::Scp(SideOf::Before, l.clone()),
                Key::Scp(SideOf::After, l.clone()),
            ],
            BTreeSet::new(),
            Vec::new(),
        );
    }

    // the organization (OU moves, SCP/RCP attachments and documents) and resource policies
    let org = super::changes_org::compute(&mut b);

    // principals removed, added, or renamed without a mapping
    let mut renamed_new = FxHashSet::default();
    let gone: Vec<usize> = m.removed.iter().chain(&m.carried).copied().collect();
    for &i in &gone {
        let Some(pb) = before.principals.get(i) else {
            continue;
        };
        let twin = m.new.iter().copied().find(|j| {
            !renamed_new.contains(j)
                && after
                    .principals
                    .get(*j)
                    .is_some_and(|pa| looks_renamed(before, pb, after, pa))
        });
        let who = b.principal_label(SideOf::Before, i);
        let name = b.names_b.get(i).cloned().unwrap_or_default();
        match twin {
            Some(j) => {
                renamed_new.insert(j);
                let to = b.names_a.get(j).cloned().unwrap_or_default();
                b.push(
                    ChangeKind::RenamedWithoutMapping,
                    who,
                    Some(b.principal_label(SideOf::After, j)),
                    format!("{name} looks renamed to {to}, but no --map rule pairs them"),
                    (source_place(before), source_place(after)),
                    vec![format!(
                        "add a rename rule `from: {} to: {}` if they are the same",
                        pb.name,
                        after
                            .principals
                            .get(j)
                            .map(|p| p.name.as_str())
                            .unwrap_or("")
                    )],
                    vec![Key::Gone(i), Key::New(j)],
                    BTreeSet::new(),
                    vec![(SideOf::Before, i), (SideOf::After, j)],
                );
            }
            None => {
                let detail = if m.carried.contains(&i) {
                    vec!["the after side defines no users: compared with no access".to_owned()]
                } else {
                    Vec::new()
                };
                b.push(
                    ChangeKind::PrincipalRemoved,
                    who,
                    None,
                    format!("{name} removed"),
                    (source_place(before), None),
                    detail,
                    vec![Key::Gone(i)],
                    BTreeSet::new(),
                    vec![(SideOf::Before, i)],
                );
            }
        }
    }
    for &j in m.new.iter().filter(|j| !renamed_new.contains(*j)) {
        let who = b.principal_label(SideOf::After, j);
        let name = b.names_a.get(j).cloned().unwrap_or_default();
        b.push(
            ChangeKind::PrincipalAdded,
            who,
            None,
            format!("{name} added"),
            (None, source_place(after)),
            Vec::new(),
            vec![Key::New(j)],
            BTreeSet::new(),
            vec![(SideOf::After, j)],
        );
    }

    // trust, Identity Center and identity-store changes (issue 9)
    super::changes_people::extend(&mut b, m, renames);

    // deterministic ids: by kind, subject, object, summary
    let mut drafts = b.drafts;
    drafts.sort_by(|x, y| {
        (
            x.change.kind,
            &x.change.subject,
            &x.change.object,
            &x.change.summary,
        )
            .cmp(&(
                y.change.kind,
                &y.change.subject,
                &y.change.object,
                &y.change.summary,
            ))
    });
    let mut set = ChangeSet {
        changes: Vec::with_capacity(drafts.len()),
        keys: FxHashMap::default(),
        statements: Vec::with_capacity(drafts.len()),
        touching: FxHashMap::default(),
        held_before: Vec::new(),
        held_after: Vec::new(),
        unresolved_after: Vec::new(),
        groups_before: before
            .principals
            .iter()
            .map(|p| group_names(before, p))
            .collect(),
        groups_after: after
            .principals
            .iter()
            .map(|p| group_names(after, p))
            .collect(),
        by_group: FxHashMap::default(),
        org,
    };
    for (n, d) in drafts.into_iter().enumerate() {
        let mut c = d.change;
        c.id = format!("C{}", n + 1);
        for k in d.keys {
            let group = match &k {
                Key::Detached(Holder::Group(g), _) => Some((SideOf::Before, g.clone())),
                Key::Attached(Holder::Group(g), _) => Some((SideOf::After, g.clone())),
                Key::Inline(s, Holder::Group(g), _) => Some((*s, g.clone())),
                _ => None,
            };
            if let Some(g) = group {
                set.by_group.entry(g).or_default().push(n);
            }
            set.keys.entry(k).or_default().push(n);
        }
        for t in d.touches {
            set.touching.entry(t).or_default().push(n);
        }
        set.statements.push(d.statements);
        set.changes.push(c);
    }
    let side = |snap: &Snapshot| -> Vec<_> {
        let groups = group_bits(snap);
        snap.principals
            .iter()
            .map(|p| held(snap, &groups, p))
            .collect()
    };
    let (hb, ha) = rayon::join(|| side(before), || side(after));
    set.held_before = hb.into_iter().map(|(h, _)| h).collect();
    let (held_a, unres): (Vec<_>, Vec<_>) = ha.into_iter().unzip();
    set.held_after = held_a;
    set.unresolved_after = unres;
    set
}

/// A principal of the diff: its index on each side where it exists.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sides {
    pub before: Option<usize>,
    pub after: Option<usize>,
}

impl ChangeSet {
    /// The changes found, in id order.
    pub fn changes(&self) -> &[Change] {
        &self.changes
    }

    pub(super) fn find(&self, key: &Key) -> &[usize] {
        self.keys.get(key).map(Vec::as_slice).unwrap_or(&[])
    }

    fn statement_ok(&self, c: usize, r: &Route) -> bool {
        self.statements
            .get(c)
            .is_some_and(|s| s.is_empty() || s.contains(&r.statement))
    }

    /// The changes one route of one side points at.
    pub(super) fn route_causes(
        &self,
        side: SideOf,
        who: Sides,
        r: &Route,
        out: &mut BTreeSet<usize>,
    ) {
        let me = match side {
            SideOf::Before => who.before,
            SideOf::After => who.after,
        };
        let Some(me) = me else { return };
        // organization and resource-policy routes: their level, policy, resource
        if let Some(keys) = super::changes_org::route_keys(&self.org, side, me, r) {
            for k in keys {
                let found = self.find(&Key::Org(k));
                out.extend(found.iter().copied().filter(|&c| self.statement_ok(c, r)));
            }
        }
        let name = PolicyName::of_route(r);
        let holder = if r.via == "direct" {
            Some(Holder::Principal(me))
        } else {
            r.via
                .strip_prefix("group ")
                .map(|g| Holder::Group(g.to_owned()))
        };
        // the document of the policy changed, at this statement
        let edited = match (&name, &holder) {
            (PolicyName::Managed(n), _) => self.find(&Key::Managed(n.clone())),
            (PolicyName::Inline(n), Some(h)) => self.find(&Key::Inline(side, h.clone(), n.clone())),
            (PolicyName::Inline(_), None) => &[],
        };
        out.extend(edited.iter().copied().filter(|&c| self.statement_ok(c, r)));
        if r.via == "boundary" {
            out.extend(self.find(&Key::Boundary(side, me)));
            return;
        }
        if let Some(l) = r.via.strip_prefix("scp ") {
            out.extend(self.find(&Key::Scp(side, l.to_owned())));
            return;
        }
        // the policy is held on this side and not on the other: how it came or went
        let other = match side {
            SideOf::Before => who.after.and_then(|j| self.held_after.get(j)),
            SideOf::After => who.before.and_then(|i| self.held_before.get(i)),
        };
        if other.is_some_and(|h| h.contains(&name)) {
            return;
        }
        match (side, &holder) {
            (SideOf::Before, Some(Holder::Group(g))) => {
                let gone = self.find(&Key::MemberOut(me, g.clone()));
                if gone.is_empty() {
                    out.extend(self.find(&Key::Detached(Holder::Group(g.clone()), name)));
                } else {
                    out.extend(gone);
                }
            }
            (SideOf::After, Some(Holder::Group(g))) => {
                let came = self.find(&Key::MemberIn(me, g.clone()));
                if came.is_empty() {
                    out.extend(self.find(&Key::Attached(Holder::Group(g.clone()), name)));
                } else {
                    out.extend(came);
                }
            }
            (SideOf::Before, Some(h)) => out.extend(self.find(&Key::Detached(h.clone(), name))),
            (SideOf::After, Some(h)) => out.extend(self.find(&Key::Attached(h.clone(), name))),
            (_, None) => {}
        }
    }

    /// Every change that touches a principal's inputs (the sound fallback).
    pub(super) fn touching(&self, who: Sides) -> BTreeSet<usize> {
        let mut out = BTreeSet::new();
        for (side, me) in [(SideOf::Before, who.before), (SideOf::After, who.after)] {
            if let Some(k) = me.and_then(|me| super::changes_org::account_keys(&self.org, side, me))
            {
                out.extend(self.find(&Key::Org(k)));
            }
        }
        if let Some(i) = who.before {
            out.extend(
                self.touching
                    .get(&(SideOf::Before, i))
                    .into_iter()
                    .flatten(),
            );
            // a group it left: the membership change stands for all of the group's
            for g in self.groups_before.get(i).into_iter().flatten() {
                if self.find(&Key::MemberOut(i, g.clone())).is_empty() {
                    out.extend(self.find_group(g, SideOf::Before));
                }
            }
            if let Some(h) = self.held_before.get(i) {
                for n in h.managed() {
                    out.extend(self.find(&Key::Managed(n.to_owned())));
                }
            }
        }
        if let Some(j) = who.after {
            out.extend(self.touching.get(&(SideOf::After, j)).into_iter().flatten());
            for g in self.groups_after.get(j).into_iter().flatten() {
                if self.find(&Key::MemberIn(j, g.clone())).is_empty() {
                    out.extend(self.find_group(g, SideOf::After));
                }
            }
            if let Some(h) = self.held_after.get(j) {
                for n in h.managed() {
                    out.extend(self.find(&Key::Managed(n.to_owned())));
                }
            }
        }
        out.extend(
            self.changes
                .iter()
                .enumerate()
                .filter(|(_, c)| c.kind == ChangeKind::ScpChanged)
                .map(|(n, _)| n),
        );
        out
    }

    /// Changes of a group's attachments and inline documents on one side.
    fn find_group(&self, g: &str, side: SideOf) -> &[usize] {
        self.by_group
            .get(&(side, g.to_owned()))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// The change indexes that cause one finding.
    pub(super) fn causes_of(&self, f: &Finding, who: Sides) -> BTreeSet<usize> {
        let mut out = BTreeSet::new();
        match f.code {
            Code::RemovedPrincipal => {
                if let Some(i) = who.before {
                    out.extend(self.find(&Key::Gone(i)));
                }
                return out;
            }
            Code::NewPrincipal => {
                if let Some(j) = who.after {
                    out.extend(self.find(&Key::New(j)));
                }
                return out;
            }
            _ => {}
        }
        for r in &f.before.routes {
            self.route_causes(SideOf::Before, who, r, &mut out);
        }
        for r in &f.after.routes {
            self.route_causes(SideOf::After, who, r, &mut out);
        }
        // a review about actions (unknown to the catalog, or undecidable) may come from
        // anything that touches the principal: all of it, sound before precise
        if f.code == Code::NeedsReview && !f.actions.is_empty() {
            return self.touching(who);
        }
        // unknown policies attached after make access conditional or need review
        if f.code == Code::NeedsReview || f.after.status == "conditional" {
            for (via, n) in who
                .after
                .and_then(|j| self.unresolved_after.get(j).map(|u| (j, u)))
                .into_iter()
                .flat_map(|(j, u)| u.iter().map(move |x| (j, x)))
                .map(|(j, (via, n))| ((j, via), n))
            {
                let (j, via) = via;
                let name = PolicyName::Managed(n.clone());
                match via {
                    Via::Group(g) => {
                        let g = g.to_string();
                        let came = self.find(&Key::MemberIn(j, g.clone()));
                        if came.is_empty() {
                            out.extend(self.find(&Key::Attached(Holder::Group(g), name)));
                        } else {
                            out.extend(came);
                        }
                    }
                    Via::Direct => {
                        out.extend(self.find(&Key::Attached(Holder::Principal(j), name)));
                    }
                    Via::Boundary => out.extend(self.find(&Key::Boundary(SideOf::After, j))),
                    // organization and resource policies are not yet among the changes
                    // computed here: such findings fall back to what touches the principal
                    Via::Scp(_) | Via::Rcp(_) | Via::Resource(_) | Via::Identity | Via::Role(_) => {
                    }
                }
            }
        }
        if out.is_empty() {
            out = self.touching(who);
        }
        out
    }

    /// Attributes every finding to its causes (`Finding::causes`) and returns the changes
    /// ranked by impact, each with its affected principals and impact. `sides` gives each
    /// principal diff's index on each side; findings with causes already set (waivers)
    /// keep them; `extra` are changes made outside the inputs (waivers), by id.
    pub fn attribute(
        self,
        diffs: &mut [PrincipalDiff],
        sides: &[Sides],
        general: &mut [Finding],
        extra: Vec<Change>,
    ) -> Vec<Change> {
        let mut changes = self.changes.clone();
        let mut unexplained: Vec<Change> = Vec::new();
        for (d, who) in diffs.iter_mut().zip(sides) {
            let mut u: Option<String> = None;
            for f in &mut d.findings {
                if !f.causes.is_empty() {
                    continue;
                }
                let found = self.causes_of(f, *who);
                if found.is_empty() {
                    let id = u.get_or_insert_with(|| {
                        let id = format!("U{}", unexplained.len() + 1);
                        unexplained.push(Change {
                            id: id.clone(),
                            kind: ChangeKind::Unexplained,
                            subject: format!("{} {}", d.kind, d.name),
                            object: None,
                            summary: format!(
                                "no input change found for findings of {}: review them directly",
                                d.name
                            ),
                            before: None,
                            after: None,
                            detail: Vec::new(),
                            principals: Vec::new(),
                            findings: Vec::new(),
                            impact: Impact::default(),
                        });
                        id
                    });
                    f.causes = vec![id.clone()];
                } else {
                    f.causes = found
                        .into_iter()
                        .filter_map(|c| changes.get(c).map(|c| c.id.clone()))
                        .collect();
                }
            }
        }
        changes.extend(extra);
        changes.extend(unexplained);
        for f in general.iter_mut().filter(|f| f.causes.is_empty()) {
            // general findings are about waivers; one with no waiver change stays explicit
            f.causes = vec!["unexplained".to_owned()];
        }
        impacts(&mut changes, diffs, general);
        changes.sort_by_key(|c| c.rank_key());
        changes
    }
}

/// Fills each change's principals and impact from the findings naming it.
fn impacts(changes: &mut [Change], diffs: &[PrincipalDiff], general: &[Finding]) {
    let index: FxHashMap<String, usize> = changes
        .iter()
        .enumerate()
        .map(|(n, c)| (c.id.clone(), n))
        .collect();
    let mut principals: Vec<BTreeSet<&str>> = vec![BTreeSet::new(); changes.len()];
    let mut services: Vec<BTreeSet<&str>> = vec![BTreeSet::new(); changes.len()];
    let findings = diffs
        .iter()
        .flat_map(|d| d.findings.iter().map(move |f| (Some(d.name.as_str()), f)))
        .chain(general.iter().map(|f| (None, f)));
    for (who, f) in findings {
        for c in &f.causes {
            let Some(&n) = index.get(c) else { continue };
            let Some(ch) = changes.get_mut(n) else {
                continue;
            };
            let im = &mut ch.impact;
            im.findings += 1;
            if f.fails_gate {
                im.failing += 1;
            }
            if f.category != Category::Info {
                im.severity = im.severity.max(Some(f.severity));
            }
            let k = f.actions.len();
            match f.code {
                Code::Lost | Code::RemovedPrincipal => im.actions_lost += k,
                Code::Narrowed | Code::Conditional => im.actions_changed += k,
                Code::Gained | Code::Widened | Code::NewPrincipal => im.actions_gained += k,
                _ => {}
            }
            if let (Some(p), Some(s)) = (who, principals.get_mut(n)) {
                s.insert(p);
            }
            if let Some(s) = services.get_mut(n).filter(|_| !f.service.is_empty()) {
                // a merged finding names its services `a, b` (diff::merge)
                s.extend(f.service.split(", "));
            }
        }
    }
    for ((c, p), s) in changes.iter_mut().zip(principals).zip(services) {
        c.impact.principals = p.len();
        c.impact.services = s.len();
        c.principals = p.into_iter().map(str::to_owned).collect();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{
        ActionClause, Effect, Origin, PolicyDocument, ResourceClause, StatementRef,
    };
    use std::sync::Arc;

    fn stmt(sid: &str, effect: Effect, action: &str, resource: &str) -> Statement {
        Statement {
            sid: Some(sid.to_owned()),
            effect,
            action: ActionClause::Action(vec![action.to_owned()]),
            resource: ResourceClause::Resource(vec![resource.to_owned()]),
            principal: None,
            condition: Vec::new(),
            unresolved: Vec::new(),
            origin: Arc::new(Origin {
                file: Arc::from("f.json"),
                policy: Arc::from("p"),
                policy_arn: None,
                version: None,
                kind: PolicyKind::Inline,
                statement: StatementRef::Sid(sid.to_owned()),
                pointer: Some(format!("/{sid}")),
            }),
        }
    }

    fn policy(statements: Vec<Statement>) -> Policy {
        Policy {
            name: Arc::from("p"),
            arn: None,
            kind: PolicyKind::Inline,
            version: None,
            document: PolicyDocument {
                version: None,
                statements,
            },
        }
    }

    // issue 12: the statement-level difference names narrowed resources, added denies and conditions
    #[test]
    fn statement_difference_names_narrowing_denies_and_conditions() {
        let before = policy(vec![
            stmt("Read", Effect::Allow, "s3:GetObject", "arn:aws:s3:::b/*"),
            stmt("Old", Effect::Allow, "ec2:*", "*"),
        ]);
        let mut cond = stmt(
            "Read",
            Effect::Allow,
            "s3:GetObject",
            "arn:aws:s3:::b/models/*",
        );
        cond.condition.push(crate::model::ConditionClause {
            operator: "Bool".into(),
            key: "aws:MultiFactorAuthPresent".into(),
            values: vec!["true".into()],
        });
        let after = policy(vec![
            cond,
            stmt("NoDelete", Effect::Deny, "s3:DeleteObject", "*"),
        ]);
        let (lines, labels) = statement_difference(&before, &after);
        assert_eq!(
            labels.into_iter().collect::<Vec<_>>(),
            ["NoDelete", "Old", "Read"]
        );
        let text = lines.join("\n");
        assert!(text.contains("Sid Old removed (Allow ec2:*)"), "{text}");
        assert!(
            text.contains("Sid NoDelete deny added (Deny s3:DeleteObject)"),
            "{text}"
        );
        assert!(
            text.contains("narrowed: arn:aws:s3:::b/* → arn:aws:s3:::b/models/*"),
            "{text}"
        );
        assert!(
            text.contains("condition added: aws:MultiFactorAuthPresent Bool true"),
            "{text}"
        );
        assert!(same_document(&before, &before.clone()));
        assert!(!same_document(&before, &after));
    }

    fn user(name: &str, groups: Vec<crate::model::GroupId>) -> Principal {
        let mut p = Principal::new(crate::model::PrincipalKind::User, name);
        p.groups = groups;
        p
    }

    fn side(users: &[(&str, bool)]) -> Snapshot {
        let mut s = Snapshot {
            sources: vec![Arc::from("side.json")],
            defines_users: true,
            ..Snapshot::default()
        };
        let id = s.add_policy(Policy {
            name: Arc::from("PowerUserAccess"),
            kind: PolicyKind::AwsManaged,
            ..policy(vec![stmt("All", Effect::Allow, "*", "*")])
        });
        let g = s.add_group(crate::model::Group {
            name: "PowerUsers".into(),
            arn: None,
            path: None,
            policies: vec![PolicyRef::Resolved(id)],
        });
        for (n, member) in users {
            s.principals
                .push(user(n, if *member { vec![g] } else { Vec::new() }));
        }
        s
    }

    // issue 12: a membership removed is one change, found by the route through the group
    #[test]
    fn membership_removal_is_one_change_and_routes_find_it() {
        let before = side(&[("jesse", true), ("kim", true)]);
        let after = side(&[("jesse", false), ("kim", true)]);
        let m = super::super::run::match_principals(&before, &after, &Renames::default());
        let set = compute(&before, &after, &m, &Renames::default());
        let kinds: Vec<(ChangeKind, &str)> = set
            .changes()
            .iter()
            .map(|c| (c.kind, c.summary.as_str()))
            .collect();
        assert_eq!(
            kinds,
            [(
                ChangeKind::MembershipRemoved,
                "jesse removed from group PowerUsers"
            )]
        );
        let route = Route {
            file: "side.json".into(),
            policy: "PowerUserAccess".into(),
            policy_arn: None,
            version: None,
            kind: "aws-managed".into(),
            statement: "All".into(),
            via: "group PowerUsers".into(),
            pointer: None,
        };
        let f = Finding {
            code: Code::Lost,
            category: Category::Lost,
            severity: AccessLevel::Write,
            principal_kind: "user".into(),
            principal: "jesse".into(),
            service: "s3".into(),
            actions: vec!["s3:PutObject".into()],
            pairs: 1,
            witness: None,
            message: String::new(),
            before: crate::diff::findings::Side {
                status: "allowed".into(),
                resources: vec!["*".into()],
                conditions: Vec::new(),
                routes: vec![route],
            },
            after: crate::diff::findings::Side::default(),
            waived: None,
            fails_gate: true,
            causes: Vec::new(),
            lint: Vec::new(),
            parts: Vec::new(),
        };
        let who = Sides {
            before: Some(0),
            after: Some(0),
        };
        assert_eq!(set.causes_of(&f, who).into_iter().collect::<Vec<_>>(), [0]);
        let mut diffs = vec![PrincipalDiff {
            kind: "user".into(),
            account: None,
            name: "jesse".into(),
            before_name: None,
            arn_before: None,
            arn_after: None,
            status: crate::diff::outcome::PrincipalStatus::Changed,
            counts: Default::default(),
            max_severity: AccessLevel::Write,
            fails_gate: true,
            findings: vec![
                f.clone(),
                Finding {
                    service: "ec2".into(),
                    actions: vec!["ec2:RunInstances".into(), "ec2:StopInstances".into()],
                    ..f
                },
            ],
        }];
        let changes = set.attribute(&mut diffs, &[who], &mut [], Vec::new());
        assert_eq!(changes.len(), 1);
        let c = &changes[0];
        assert_eq!(c.id, "C1");
        assert_eq!(c.principals, ["jesse"]);
        assert_eq!(c.impact.actions_lost, 3);
        assert_eq!(c.impact.services, 2);
        assert_eq!(c.impact.failing, 2);
        assert!(diffs[0].findings.iter().all(|f| f.causes == ["C1"]));
    }

    // issue 12: a finding no change explains gets an explicit unexplained cause
    #[test]
    fn a_finding_without_a_change_is_unexplained() {
        let before = side(&[("jesse", true)]);
        let after = side(&[("jesse", true)]);
        let m = super::super::run::match_principals(&before, &after, &Renames::default());
        let set = compute(&before, &after, &m, &Renames::default());
        assert!(set.changes().is_empty());
        let f = Finding {
            code: Code::NeedsReview,
            category: Category::Review,
            severity: AccessLevel::Read,
            principal_kind: "user".into(),
            principal: "jesse".into(),
            service: String::new(),
            actions: Vec::new(),
            pairs: 0,
            witness: None,
            message: String::new(),
            before: Default::default(),
            after: Default::default(),
            waived: None,
            fails_gate: true,
            causes: Vec::new(),
            lint: Vec::new(),
            parts: Vec::new(),
        };
        let mut diffs = vec![PrincipalDiff {
            kind: "user".into(),
            account: None,
            name: "jesse".into(),
            before_name: None,
            arn_before: None,
            arn_after: None,
            status: crate::diff::outcome::PrincipalStatus::Changed,
            counts: Default::default(),
            max_severity: AccessLevel::Read,
            fails_gate: true,
            findings: vec![f],
        }];
        let who = Sides {
            before: Some(0),
            after: Some(0),
        };
        let changes = set.attribute(&mut diffs, &[who], &mut [], Vec::new());
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].kind, ChangeKind::Unexplained);
        assert_eq!(diffs[0].findings[0].causes, ["U1"]);
    }

    // issue 10: `held` reads a principal's policies itself (each group's names shared)
    // instead of through `Layers::of`; it must hold the very names `Layers::of` lists,
    // unknown ones included, with the same routes
    #[test]
    fn held_names_are_what_the_layers_list() {
        let mut snap = crate::ingest::load_side(
            &[std::path::PathBuf::from(
                "fixtures/aws/company/account.json",
            )],
            &[],
        )
        .unwrap();
        let unknown = |n: &str| PolicyRef::Unresolved {
            name: n.into(),
            arn: None,
        };
        if let Some(g) = snap.groups.first_mut() {
            g.policies.push(unknown("GroupGone"));
        }
        let mut grouped = 0;
        for (n, p) in snap.principals.iter_mut().enumerate() {
            p.policies.push(unknown(&format!("Gone{n}")));
            if n % 2 == 0 {
                p.boundary = Some(unknown("BoundaryGone"));
            }
            grouped += usize::from(!p.groups.is_empty());
        }
        assert!(grouped > 0, "the fixture has group members");
        let groups = group_bits(&snap);
        for p in &snap.principals {
            let (names, unresolved) = held(&snap, &groups, p);
            let layers = crate::eval::layers::Layers::of(&snap, p);
            let mut want: BTreeSet<(String, u8)> = layers
                .identity
                .iter()
                .filter_map(|(id, _)| snap.policy(*id))
                .map(|pol| {
                    let bit = if pol.kind == PolicyKind::Inline { 2 } else { 1 };
                    (pol.name.to_string(), bit)
                })
                .collect();
            want.extend(layers.unresolved.iter().map(|u| (u.name.clone(), 1)));
            let got: BTreeSet<(String, u8)> = std::iter::once(&names.own)
                .chain(names.shared.iter().map(|s| &**s))
                .flat_map(|m| {
                    m.iter().flat_map(|(n, b)| {
                        [1u8, 2]
                            .into_iter()
                            .filter(move |x| b & x != 0)
                            .map(move |x| (n.to_string(), x))
                    })
                })
                .collect();
            assert_eq!(got, want, "{}", p.name);
            let routes = |v: Vec<String>| v.into_iter().collect::<BTreeSet<String>>();
            assert_eq!(
                routes(
                    unresolved
                        .iter()
                        .map(|(v, n)| format!("{v:?} {n}"))
                        .collect()
                ),
                routes(
                    layers
                        .unresolved
                        .iter()
                        .map(|u| format!("{:?} {}", u.via, u.name))
                        .collect()
                ),
                "{}",
                p.name
            );
        }
    }
}
