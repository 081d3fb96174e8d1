//! Turns what the calls said into the snapshot, through the same builder as the other
//! AWS readers: managed policies whose documents were given first (so attachments
//! resolve to them), then groups, users and roles, each with an unresolved reference and
//! one warning for every part of its picture no output gave.

use std::borrow::Cow;
use std::sync::Arc;

use super::Loc;
use super::gather::{DocAt, Gather, Kind, Who};
use crate::ingest::aws_auth_details::{Build, account_of, managed_kind, names};
use crate::ingest::policy_doc::{DocRole, DocSite, OriginBase, attach, parse_raw};
use crate::ingest::raw::auth_details::RawAttached;
use crate::ingest::source::{Text, offset_in};
use crate::ingest::{IngestError, LoadOptions, Resolver};
use crate::model::{
    Group, Policy, PolicyDocument, PolicyKind, PolicyRef, Principal, PrincipalKind, Snapshot,
    WarningCode,
};

type Files = [(Arc<str>, Vec<u8>)];

/// Stand-ins for what no output gave; evaluation reports each as *needs review*.
const ATTACHED_UNKNOWN: &str = "<attached policies unknown>";
const INLINE_UNKNOWN: &str = "<inline policies unknown>";
const GROUPS_UNKNOWN: &str = "<group memberships unknown>";
const BOUNDARY_UNKNOWN: &str = "<permissions boundary unknown>";

fn marker(name: &str) -> PolicyRef {
    PolicyRef::Unresolved {
        name: name.to_owned(),
        arn: None,
    }
}

fn parse(
    files: &Files,
    at: DocAt<'_>,
    loc: &Loc,
    role: DocRole,
    base: OriginBase,
) -> Result<PolicyDocument, IngestError> {
    let (name, bytes) = match files.get(at.file) {
        Some((n, b)) => (n.clone(), b.as_slice()),
        None => (Arc::from(""), &[][..]),
    };
    let doc = parse_raw(at.doc.text(), role).map_err(|e| {
        e.into_ingest(&DocSite {
            text: Text::new(&name, bytes),
            offset: offset_in(bytes, at.doc.text()),
            pointer: &loc.pointer,
        })
    })?;
    Ok(attach(&doc, &base))
}

fn file_of(files: &Files, i: usize) -> Arc<str> {
    files
        .get(i)
        .map_or_else(|| Arc::from(""), |(n, _)| n.clone())
}

pub(super) fn build(
    files: &Files,
    g: Gather<'_, '_>,
    snap: &mut Snapshot,
    opts: &LoadOptions,
    resolver: Resolver<'_>,
) -> Result<(), IngestError> {
    let mut b = Build::new(snap, resolver);
    for w in &g.warnings {
        b.warn(w.code, w.place.clone(), w.message.clone());
    }
    policies(files, &g, &mut b)?;
    let ctx = Ctx {
        files,
        g: &g,
        account: opts.account.clone(),
    };
    // file names order the outputs, not the principals: by kind, then name
    let mut whos: Vec<&Who<'_>> = g.whos.iter().collect();
    whos.sort_by(|a, b| (a.kind, &a.name).cmp(&(b.kind, &b.name)));
    for w in whos.iter().filter(|w| w.kind == Kind::Group) {
        ctx.group(w, &mut b)?;
    }
    for w in whos.iter().filter(|w| w.kind != Kind::Group) {
        ctx.principal(w, &mut b)?;
    }
    b.finish();
    Ok(())
}

/// Managed policies whose default version was given by `get-policy-version`.
fn policies(files: &Files, g: &Gather<'_, '_>, b: &mut Build<'_, '_>) -> Result<(), IngestError> {
    for (arn, versions) in &g.versions {
        let pol = g.pols.iter().find(|p| p.arn == *arn);
        let name = pol.map_or_else(
            || arn.rsplit('/').next().unwrap_or(arn).to_owned(),
            |p| p.name.clone(),
        );
        let default = pol.and_then(|p| p.default_version.as_deref());
        let ids: Vec<String> = versions
            .iter()
            .map(|v| format!("`{}`", v.id.as_deref().unwrap_or("?")))
            .collect();
        let first = versions.first().map(|v| v.loc.place(files));
        let chosen = versions
            .iter()
            .find(|v| v.is_default || (default.is_some() && v.id.as_deref() == default));
        let chosen = match (chosen, default) {
            (Some(v), _) => v,
            (None, Some(d)) => {
                if let Some(place) = first {
                    b.warn(
                        WarningCode::NoDefaultVersion,
                        place,
                        format!(
                            "the `get-policy-version` outputs of managed policy `{name}` are for {}, but its \
                             default version is `{d}`; its document is unknown",
                            ids.join(", ")
                        ),
                    );
                }
                continue;
            }
            (None, None) => {
                let newest = versions.iter().max_by_key(|v| {
                    v.id.as_deref()
                        .and_then(|v| v.trim_start_matches(['v', 'V']).parse::<u64>().ok())
                        .unwrap_or(0)
                });
                let Some(newest) = newest else { continue };
                if let Some(place) = first {
                    b.warn(
                        WarningCode::NoDefaultVersion,
                        place,
                        format!(
                            "no `get-policy-version` output of managed policy `{name}` is its default version \
                             (and no `get-policy` or `list-policies` says which is); the newest, `{}`, was used",
                            newest.id.as_deref().unwrap_or("?")
                        ),
                    );
                }
                newest
            }
        };
        let Some(doc) = chosen.doc else {
            b.warn(
                WarningCode::UnresolvedPolicy,
                chosen.loc.place(files),
                format!(
                    "the `get-policy-version` output of managed policy `{name}` has no `Document`"
                ),
            );
            continue;
        };
        let kind = managed_kind(arn);
        let loc = chosen.loc.at("/Document");
        let base = OriginBase {
            file: file_of(files, loc.file),
            policy: Arc::from(name.as_str()),
            policy_arn: Some(Arc::from(arn.as_str())),
            version: chosen.id.as_deref().map(Arc::from),
            kind,
            pointer: Some(loc.pointer.clone()),
        };
        let document = parse(files, doc, &loc, DocRole::Identity, base)?;
        let id = b.snap.add_policy(Policy {
            name: Arc::from(name.as_str()),
            arn: Some(Arc::from(arn.as_str())),
            kind,
            version: chosen.id.as_deref().map(Arc::from),
            document,
        });
        if b.managed.contains_key(arn) {
            b.warn(
                WarningCode::Duplicate,
                chosen.loc.place(files),
                format!(
                    "managed policy `{name}` was already read from another input; this one was kept"
                ),
            );
        }
        b.managed.insert(arn.clone(), id);
    }
    Ok(())
}

struct Ctx<'c, 'f, 'b> {
    files: &'c Files,
    g: &'c Gather<'f, 'b>,
    account: Option<String>,
}

/// The commands that would have told, by kind.
fn calls(kind: Kind) -> (&'static str, &'static str, &'static str, &'static str) {
    match kind {
        Kind::User => (
            "list-attached-user-policies",
            "list-user-policies",
            "get-user-policy",
            "list-users` or `get-user",
        ),
        Kind::Group => (
            "list-attached-group-policies",
            "list-group-policies",
            "get-group-policy",
            "list-groups` or `get-group",
        ),
        Kind::Role => (
            "list-attached-role-policies",
            "list-role-policies",
            "get-role-policy",
            "list-roles` or `get-role",
        ),
    }
}

impl Ctx<'_, '_, '_> {
    /// Inline and attached policies, and what is unknown about them.
    fn refs(
        &self,
        w: &Who<'_>,
        who: &str,
        b: &mut Build<'_, '_>,
        missing: &mut Vec<String>,
    ) -> Result<Vec<PolicyRef>, IngestError> {
        let (attached_call, names_call, get_call, list_call) = calls(w.kind);
        let mut refs = Vec::new();
        if !w.listed {
            missing.push(format!("no `{list_call}` output lists it"));
        }
        let first = missing.len();
        // a later output of the same inline policy wins
        let mut docs: Vec<&(String, DocAt<'_>, Loc)> = Vec::new();
        for d in &w.inline_docs {
            match docs.iter().position(|x| x.0 == d.0) {
                Some(i) => {
                    if let Some(slot) = docs.get_mut(i) {
                        *slot = d;
                    }
                }
                None => docs.push(d),
            }
        }
        for (name, at, loc) in docs {
            let base = OriginBase {
                file: file_of(self.files, loc.file),
                policy: Arc::from(name.as_str()),
                policy_arn: None,
                version: None,
                kind: PolicyKind::Inline,
                pointer: Some(loc.pointer.clone()),
            };
            let document = parse(self.files, *at, loc, DocRole::Identity, base)?;
            let id = b.snap.add_policy(Policy {
                name: Arc::from(name.as_str()),
                arn: None,
                kind: PolicyKind::Inline,
                version: None,
                document,
            });
            refs.push(PolicyRef::Resolved(id));
        }
        let without: Vec<String> = w
            .inline_names
            .items
            .iter()
            .filter(|n| !w.inline_docs.iter().any(|d| &d.0 == *n))
            .cloned()
            .collect();
        for n in &without {
            refs.push(marker(n));
        }
        if !without.is_empty() {
            let shown: Vec<String> = without.iter().map(|n| format!("`{n}`")).collect();
            missing.push(format!(
                "inline {} {} named by `{names_call}` but no `{get_call}` output has {}",
                if without.len() == 1 {
                    "policy"
                } else {
                    "policies"
                },
                names(&shown),
                if without.len() == 1 { "it" } else { "them" }
            ));
        }
        if !w.inline_names.known() {
            refs.push(marker(INLINE_UNKNOWN));
            missing.push(if w.inline_names.seen {
                format!("inline policies incomplete: its `{names_call}` output is truncated")
            } else {
                format!("inline policies unknown: no `{names_call}` output for it")
            });
        }
        for a in &w.attached.items {
            let raw = RawAttached {
                name: a.name.as_deref().map(Cow::Borrowed),
                arn: Cow::Borrowed(a.arn.as_str()),
            };
            let loc = Loc {
                file: a.file,
                pointer: a.loc_pointer.clone(),
                start: None,
            };
            let r = b.resolve(&raw, who, || loc.place(self.files));
            if !refs.contains(&r) {
                refs.push(r);
            }
        }
        if !w.attached.known() {
            refs.push(marker(ATTACHED_UNKNOWN));
            // the attached policies first: they are what a list call most often misses
            missing.insert(
                first,
                if w.attached.seen {
                    format!(
                        "attached policies incomplete: its `{attached_call}` output is truncated"
                    )
                } else {
                    format!("attached policies unknown: no `{attached_call}` output for it")
                },
            );
        }
        Ok(refs)
    }

    fn report(&self, w: &Who<'_>, who: &str, missing: &[String], b: &mut Build<'_, '_>) {
        if missing.is_empty() {
            return;
        }
        b.warn(
            WarningCode::UnresolvedPolicy,
            w.loc.place(self.files),
            format!(
                "{who} is not fully known: {}; its access needs review",
                missing.join("; ")
            ),
        );
    }

    fn group(&self, w: &Who<'_>, b: &mut Build<'_, '_>) -> Result<(), IngestError> {
        let who = format!("group `{}`", w.name);
        let mut missing = Vec::new();
        let policies = self.refs(w, &who, b, &mut missing)?;
        self.report(w, &who, &missing, b);
        let place = w.loc.place(self.files);
        b.add_group(
            Group {
                name: w.name.clone(),
                arn: w.arn.clone(),
                path: w.path.clone(),
                policies,
            },
            || place,
        );
        Ok(())
    }

    /// The groups of a user, and whether they are all known.
    fn groups_of(&self, w: &Who<'_>) -> (Vec<String>, Option<String>) {
        let mut groups: Vec<String> = w.groups.items.clone();
        for (g, m) in &self.g.members {
            if m.items.contains(&w.name) && !groups.contains(g) {
                groups.push(g.clone());
            }
        }
        if w.groups.known() {
            return (groups, None);
        }
        let all = &self.g.all_groups;
        let why = if !all.seen {
            Some(format!(
                "group memberships unknown: no `list-groups` output (with a `get-group` output for each \
                 group) nor `list-groups-for-user.{}.json`",
                w.name
            ))
        } else if !all.complete {
            Some("group memberships incomplete: the `list-groups` output is truncated".to_owned())
        } else {
            let unknown: Vec<String> = all
                .items
                .iter()
                .filter(|g| !self.g.members.get(*g).is_some_and(|m| m.known()))
                .map(|g| format!("`{g}`"))
                .collect();
            (!unknown.is_empty()).then(|| {
                format!(
                    "group memberships unknown: no complete `get-group` output for {}",
                    names(&unknown)
                )
            })
        };
        (groups, why)
    }

    fn principal(&self, w: &Who<'_>, b: &mut Build<'_, '_>) -> Result<(), IngestError> {
        let kind = match w.kind {
            Kind::Role => PrincipalKind::Role,
            _ => PrincipalKind::User,
        };
        let who = format!("{} `{}`", w.kind.label(), w.name);
        let mut missing = Vec::new();
        let mut p = Principal::new(kind, w.name.clone());
        p.arn = w.arn.clone();
        p.account = w
            .arn
            .as_deref()
            .and_then(account_of)
            .or_else(|| self.account.clone());
        p.id = w.id.clone();
        p.path = w.path.clone();
        p.tags = w.tags.clone();
        // `get-user`/`get-role` show every tag; a list call shows none (issue 7)
        p.tags_known = w.detailed;
        p.instance_profiles = w.instance_profiles.clone();
        p.policies = self.refs(w, &who, b, &mut missing)?;
        match &w.boundary {
            Some((arn, loc)) => {
                let raw = RawAttached {
                    name: None,
                    arn: Cow::Borrowed(arn.as_str()),
                };
                let as_boundary = format!("{who} (as its permissions boundary)");
                p.boundary = Some(b.resolve(&raw, &as_boundary, || loc.place(self.files)));
            }
            None if !w.detailed => {
                p.boundary = Some(marker(BOUNDARY_UNKNOWN));
                let (get, list) = match w.kind {
                    Kind::Role => ("get-role", "list-roles"),
                    _ => ("get-user", "list-users"),
                };
                missing.push(format!(
                    "permissions boundary unknown: `{list}` does not return it, and no `{get}` output for it"
                ));
            }
            None => {}
        }
        if kind == PrincipalKind::Role {
            match &w.trust {
                Some((at, loc)) => {
                    let base = OriginBase {
                        file: file_of(self.files, loc.file),
                        policy: Arc::from(w.name.as_str()),
                        policy_arn: None,
                        version: None,
                        kind: PolicyKind::Trust,
                        pointer: Some(loc.pointer.clone()),
                    };
                    let document = parse(self.files, *at, loc, DocRole::Trust, base)?;
                    p.trust = Some(b.snap.add_policy(Policy {
                        name: Arc::from(w.name.as_str()),
                        arn: None,
                        kind: PolicyKind::Trust,
                        version: None,
                        document,
                    }));
                }
                None => missing.push(
                    "trust policy unknown: no `list-roles` or `get-role` output for it".to_owned(),
                ),
            }
        } else {
            let (groups, why) = self.groups_of(w);
            for g in groups {
                let gid = b.group_for(&p, &g, || w.loc.place(self.files));
                if !p.groups.contains(&gid) {
                    p.groups.push(gid);
                }
            }
            if let Some(why) = why {
                p.policies.push(marker(GROUPS_UNKNOWN));
                missing.push(why);
            }
        }
        self.report(w, &who, &missing, b);
        let place = w.loc.place(self.files);
        b.add_principal(p, || place);
        Ok(())
    }
}
