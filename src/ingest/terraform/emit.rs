//! Adds what one Terraform file holds to the snapshot of its side, through the same
//! builder as the other AWS readers: policies first (so attachments resolve to them),
//! then groups, then users and roles with their memberships. Principals and groups the
//! file only refers to are found among what other inputs of the side already read, or
//! created by name.

use std::borrow::Cow;
use std::sync::Arc;

use super::collect::{Ent, Inline, Kind, Link, Model};
use crate::ingest::Resolver;
use crate::ingest::aws_auth_details::{Build, names};
use crate::ingest::raw::auth_details::RawAttached;
use crate::model::{
    Group, Place, Policy, PolicyId, PolicyKind, PolicyRef, Principal, PrincipalKind, Snapshot,
    WarningCode,
};

/// A policy of the file whose document is unknown, and who attaches it.
struct UnknownPol {
    attachers: Vec<String>,
}

struct Emit<'s, 'r> {
    file: Arc<str>,
    b: Build<'s, 'r>,
    pols: Vec<(PolicyMeta, Option<PolicyId>)>,
    unknown_pols: Vec<Option<UnknownPol>>,
}

struct PolicyMeta {
    addr: String,
    name: String,
    path: String,
    arn: Option<String>,
    why: Option<String>,
    place: Place,
}

pub(super) fn emit(file: &Arc<str>, m: Model, snap: &mut Snapshot, resolver: Resolver<'_>) {
    snap.sources.push(file.clone());
    let mut e = Emit {
        file: file.clone(),
        b: Build::new(snap, resolver),
        pols: Vec::new(),
        unknown_pols: Vec::new(),
    };
    for pol in m.pols {
        let (id, why) = match pol.doc {
            Ok(document) => {
                let id = e.b.snap.add_policy(Policy {
                    name: Arc::from(pol.name.as_str()),
                    arn: pol.arn.as_deref().map(Arc::from),
                    kind: PolicyKind::CustomerManaged,
                    version: None,
                    document,
                });
                if let Some(arn) = &pol.arn {
                    if e.b.managed.contains_key(arn) {
                        e.b.warn(
                            WarningCode::Duplicate,
                            pol.place.clone(),
                            format!(
                                "managed policy `{}` was already read from another input; the one of `{}` \
                                 was kept",
                                pol.name, pol.addr
                            ),
                        );
                    }
                    e.b.managed.insert(arn.clone(), id);
                }
                (Some(id), None)
            }
            Err(why) => (None, Some(why)),
        };
        e.unknown_pols.push(why.as_ref().map(|_| UnknownPol {
            attachers: Vec::new(),
        }));
        e.pols.push((
            PolicyMeta {
                addr: pol.addr,
                name: pol.name,
                path: pol.path,
                arn: pol.arn,
                why,
                place: pol.place,
            },
            id,
        ));
    }
    for x in &m.exclusive {
        e.exclusive(x.link.clone(), &x.addr, &x.members, &x.place);
    }
    let (groups, principals): (Vec<Ent>, Vec<Ent>) =
        m.ents.into_iter().partition(|e| e.kind == Kind::Group);
    for g in groups {
        e.group(g);
    }
    for p in principals {
        e.principal(p);
    }
    e.finish();
    snap.warnings.extend(m.warnings);
}

impl Emit<'_, '_> {
    /// The policy of this file an ARN names: by ARN, or by path and name when the
    /// policy's ARN is known only after apply.
    fn pol_of_arn(&self, arn: &str) -> Option<usize> {
        if let Some(i) = self
            .pols
            .iter()
            .position(|(p, _)| p.arn.as_deref() == Some(arn))
        {
            return Some(i);
        }
        let resource = arn.splitn(6, ':').nth(5)?;
        let rest = resource.strip_prefix("policy")?;
        self.pols
            .iter()
            .position(|(p, _)| p.arn.is_none() && rest == format!("{}{}", p.path, p.name))
    }

    fn policy_ref(&mut self, link: &Link, who: &str, place: &Place) -> PolicyRef {
        let pol = match link {
            Link::Pol(i) => Some(*i),
            Link::Arn(arn) => self.pol_of_arn(arn),
            Link::Unknown { .. } => None,
        };
        if let Some(i) = pol
            && let Some((meta, id)) = self.pols.get(i)
        {
            if let Some(id) = id {
                return PolicyRef::Resolved(*id);
            }
            let r = PolicyRef::Unresolved {
                name: meta.name.clone(),
                arn: meta.arn.clone(),
            };
            if let Some(Some(u)) = self.unknown_pols.get_mut(i)
                && !u.attachers.contains(&who.to_owned())
            {
                u.attachers.push(who.to_owned());
            }
            return r;
        }
        match link {
            Link::Arn(arn) => {
                let a = RawAttached {
                    name: None,
                    arn: Cow::Borrowed(arn.as_str()),
                };
                self.b.resolve(&a, who, || place.clone())
            }
            Link::Unknown { name, why } => {
                self.b.warn(
                    WarningCode::UnresolvedPolicy,
                    place.clone(),
                    format!(
                        "the managed policy `{name}` of {who} is not known: {why}; access through it \
                         needs review"
                    ),
                );
                PolicyRef::Unresolved {
                    name: name.clone(),
                    arn: None,
                }
            }
            Link::Pol(_) => PolicyRef::Unresolved {
                name: "(unknown policy)".to_owned(),
                arn: None,
            },
        }
    }

    fn link_arn(&self, link: &Link) -> Option<String> {
        match link {
            Link::Arn(a) => Some(a.clone()),
            Link::Pol(i) => self.pols.get(*i).and_then(|(p, _)| p.arn.clone()),
            Link::Unknown { .. } => None,
        }
    }

    /// `aws_iam_policy_attachment` is the only attachment of its policy: after apply, the
    /// users, groups and roles of other inputs it does not list no longer have it.
    fn exclusive(&mut self, link: Link, addr: &str, members: &[(Kind, String)], place: &Place) {
        let Some(arn) = self.link_arn(&link) else {
            return;
        };
        let snap = &mut *self.b.snap;
        let has = |r: &PolicyRef, policies: &[Policy]| match r {
            PolicyRef::Resolved(id) => {
                policies.get(id.0 as usize).and_then(|p| p.arn.as_deref()) == Some(arn.as_str())
            }
            PolicyRef::Unresolved { arn: a, .. } => a.as_deref() == Some(arn.as_str()),
        };
        let mut detached = Vec::new();
        for p in &mut snap.principals {
            let kind = match p.kind {
                PrincipalKind::User => Kind::User,
                PrincipalKind::Role => Kind::Role,
            };
            if members.iter().any(|(k, n)| *k == kind && *n == p.name) {
                continue;
            }
            let before = p.policies.len();
            p.policies.retain(|r| !has(r, &snap.policies));
            if p.policies.len() != before {
                detached.push(format!("{} `{}`", kind.label(), p.name));
            }
        }
        for g in &mut snap.groups {
            if members
                .iter()
                .any(|(k, n)| *k == Kind::Group && *n == g.name)
            {
                continue;
            }
            let before = g.policies.len();
            g.policies.retain(|r| !has(r, &snap.policies));
            if g.policies.len() != before {
                detached.push(format!("group `{}`", g.name));
            }
        }
        if !detached.is_empty() {
            self.b.warn(
                WarningCode::Unsupported,
                place.clone(),
                format!(
                    "`{addr}` is the only attachment of `{arn}`: after apply it is detached from {}, \
                     which other inputs attach it to",
                    names(&detached)
                ),
            );
        }
    }

    /// Inline policies and attachments of an entity as policy references.
    fn refs(&mut self, ent: &Ent, who: &str) -> Vec<PolicyRef> {
        let mut refs = Vec::new();
        for item in &ent.inline {
            match item {
                Inline::Doc(p) => refs.push(PolicyRef::Resolved(self.b.snap.add_policy(p.clone()))),
                Inline::Unknown { name, why, place } => {
                    self.b.warn(
                        WarningCode::UnresolvedPolicy,
                        place.clone(),
                        format!(
                            "the document of inline policy `{name}` of {who} is not known: {why}; access \
                             through it needs review"
                        ),
                    );
                    refs.push(PolicyRef::Unresolved {
                        name: name.clone(),
                        arn: None,
                    });
                }
            }
        }
        for (link, place) in &ent.managed {
            let r = self.policy_ref(link, who, place);
            if !refs.contains(&r) {
                refs.push(r);
            }
        }
        refs
    }

    fn group(&mut self, g: Ent) {
        let who = format!("group `{}`", g.name);
        let refs = self.refs(&g, &who);
        if g.defined.is_some() {
            let place = g.place.clone();
            self.b.add_group(
                Group {
                    name: g.name,
                    arn: g.arn,
                    path: g.path,
                    policies: refs,
                },
                || place,
            );
            return;
        }
        if refs.is_empty() {
            // only a membership names it: the builder finds it or warns
            return;
        }
        let existing: Vec<usize> = self
            .b
            .snap
            .groups
            .iter()
            .enumerate()
            .filter(|(_, x)| x.name == g.name)
            .map(|(i, _)| i)
            .collect();
        if let [only] = existing.as_slice()
            && let Some(slot) = self.b.snap.groups.get_mut(*only)
        {
            for r in refs {
                if !slot.policies.contains(&r) {
                    slot.policies.push(r);
                }
            }
            return;
        }
        self.b.warn(
            WarningCode::UnknownGroup,
            g.place.clone(),
            format!(
                "group `{}` is not defined in the inputs, but `{}` gives it policies; only those are \
                 known",
                g.name, self.file
            ),
        );
        let place = g.place.clone();
        self.b.add_group(
            Group {
                name: g.name,
                arn: None,
                path: None,
                policies: refs,
            },
            || place,
        );
    }

    fn principal(&mut self, ent: Ent) {
        let kind = match ent.kind {
            Kind::Role => PrincipalKind::Role,
            _ => PrincipalKind::User,
        };
        let who = format!("{} `{}`", ent.kind.label(), ent.name);
        let refs = self.refs(&ent, &who);
        let boundary = ent.boundary.as_ref().map(|(l, place)| {
            let who = format!("{who} (as its permissions boundary)");
            self.policy_ref(l, &who, place)
        });
        let trust = match &ent.trust {
            Some(Ok(p)) => Some(self.b.snap.add_policy(p.clone())),
            Some(Err(why)) => {
                self.b.warn(
                    WarningCode::UnresolvedPolicy,
                    ent.place.clone(),
                    format!(
                        "the trust policy of {who} is not known: {why}; who may assume it is unknown"
                    ),
                );
                None
            }
            None => None,
        };
        if ent.defined.is_none() {
            let existing: Vec<usize> = self
                .b
                .snap
                .principals
                .iter()
                .enumerate()
                .filter(|(_, p)| p.kind == kind && p.name == ent.name)
                .map(|(i, _)| i)
                .collect();
            if let [only] = existing.as_slice() {
                self.extend_existing(*only, &ent, refs, boundary);
                return;
            }
            if kind == PrincipalKind::Role {
                self.b.warn(
                    WarningCode::Unsupported,
                    ent.place.clone(),
                    format!(
                        "role `{}` is not defined in the inputs, but `{}` gives it policies; only those \
                         are known",
                        ent.name, self.file
                    ),
                );
            }
        }
        let mut p = Principal::new(kind, ent.name.clone());
        p.arn = ent.arn.clone();
        if p.arn.is_none() {
            // the same principal read from another input of the side: the same key, so
            // the builder sees the duplicate instead of keeping both
            let same: Vec<&Principal> = self
                .b
                .snap
                .principals
                .iter()
                .filter(|x| x.kind == kind && x.name == ent.name)
                .collect();
            if let [only] = same.as_slice() {
                p.arn = only.arn.clone();
            }
        }
        p.id = ent.id.clone();
        p.path = ent.path.clone();
        p.account = ent.account.clone();
        p.tags = ent.tags.clone();
        p.policies = refs;
        p.boundary = boundary;
        p.trust = trust;
        p.instance_profiles = ent.instance_profiles.clone();
        for (g, place) in &ent.groups {
            let gid = self.b.group_for(&p, g, || place.clone());
            if !p.groups.contains(&gid) {
                p.groups.push(gid);
            }
        }
        let place = ent.place.clone();
        self.b.add_principal(p, || place);
    }

    /// A principal of another input that this file attaches policies to or puts in groups.
    fn extend_existing(
        &mut self,
        at: usize,
        ent: &Ent,
        refs: Vec<PolicyRef>,
        boundary: Option<PolicyRef>,
    ) {
        let Some(snapshot_p) = self.b.snap.principals.get(at).cloned() else {
            return;
        };
        let mut gids = Vec::new();
        for (g, place) in &ent.groups {
            gids.push(self.b.group_for(&snapshot_p, g, || place.clone()));
        }
        let Some(p) = self.b.snap.principals.get_mut(at) else {
            return;
        };
        for r in refs {
            if !p.policies.contains(&r) {
                p.policies.push(r);
            }
        }
        if boundary.is_some() {
            p.boundary = boundary;
        }
        for gid in gids {
            if !p.groups.contains(&gid) {
                p.groups.push(gid);
            }
        }
        for ip in &ent.instance_profiles {
            if !p.instance_profiles.contains(ip) {
                p.instance_profiles.push(ip.clone());
            }
        }
    }

    fn finish(mut self) {
        let unknown = std::mem::take(&mut self.unknown_pols);
        for ((meta, _), u) in self.pols.iter().zip(unknown) {
            let (Some(u), Some(why)) = (u, &meta.why) else {
                continue;
            };
            let used = if u.attachers.is_empty() {
                "it is attached to nothing in this file".to_owned()
            } else {
                format!("access through it needs review for {}", names(&u.attachers))
            };
            self.b.warn(
                WarningCode::UnresolvedPolicy,
                meta.place.clone(),
                format!(
                    "the document of managed policy `{}` (`{}`) is not known: {why}; {used}",
                    meta.name, meta.addr
                ),
            );
        }
        self.b.finish();
    }
}
