//! `aws iam get-account-authorization-details` exports into a [`Snapshot`].
//!
//! A file may hold one page, several pages concatenated (`{..}{..}`, as `>>` appends
//! them) or an array of pages; several files may make up one side. All pages of all
//! files are read first and merged, so a managed policy listed in one page resolves the
//! attachments of every other page.
//!
//! Speed matters (a 20,000-user export is about 67 MB): the outer structure is read in
//! one pass into borrowed raw types that keep every policy document as an unparsed
//! slice of the file; the documents are then parsed in parallel, each distinct text
//! once, in input order so the snapshot is deterministic.
//!
//! What is odd but not fatal becomes a [`Warning`]: a truncated export, a principal
//! or policy listed twice, a managed policy without a default version, a policy that is
//! attached but not listed (taken from the embedded catalog, or left unresolved for
//! evaluation to report as *needs review*), a group membership naming a group that is
//! not in the input.

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::sync::Arc;

use super::IngestError;
use super::documents::{self, Doc};
use super::err::{json_message, split_help};
use super::policy_doc::{
    DocError, DocRole, DocSite, OriginBase, ParsedDoc, attach, parse_policy_document, parse_raw,
};
use super::raw::RawDoc;
use super::raw::auth_details::{
    RawAttached, RawGroup, RawInline, RawManagedPolicy, RawPage, RawRole, RawUser,
};
use super::source::{Text, decode, line_col, offset_in};
use crate::catalog::ManagedPolicy;
use crate::model::{
    Group, GroupId, Place, Policy, PolicyId, PolicyKind, PolicyRef, Principal, PrincipalKind,
    Snapshot, Warning, WarningCode,
};

/// The name statements of catalog policies give as their file.
pub const CATALOG_FILE: &str = "<embedded catalog>";

/// Looks up an AWS managed policy by ARN when an export attaches it without listing it.
/// A parameter so tests (and callers with other reference data) can supply their own.
pub type Resolver<'r> = &'r (dyn Fn(&str) -> Option<ManagedPolicy> + Sync);

/// The embedded catalog as a [`Resolver`].
pub fn catalog_resolver(arn: &str) -> Option<ManagedPolicy> {
    crate::catalog::catalog().managed_policy(arn).cloned()
}

/// Reads one export file and merges it into `snap`; attached policies missing from the
/// export are looked up in the embedded catalog.
pub fn load_auth_details(
    file: &Arc<str>,
    bytes: &[u8],
    snap: &mut Snapshot,
) -> Result<(), IngestError> {
    load_auth_details_with(file, bytes, snap, &catalog_resolver)
}

/// [`load_auth_details`] with a chosen resolver for attached-but-unlisted policies.
pub fn load_auth_details_with(
    file: &Arc<str>,
    bytes: &[u8],
    snap: &mut Snapshot,
    resolver: Resolver<'_>,
) -> Result<(), IngestError> {
    let text = decode(file, bytes)?;
    let mut export = Export::default();
    export.add(file.clone(), &text)?;
    export.finish(snap, resolver)
}

/// An AWS managed policy of the catalog as a [`Policy`] (kind AWS managed, statements
/// whose file is [`CATALOG_FILE`]).
pub fn catalog_policy(mp: &ManagedPolicy) -> Result<Policy, IngestError> {
    let name: Arc<str> = Arc::from(mp.name.as_str());
    let arn: Arc<str> = Arc::from(mp.arn.as_str());
    let version: Arc<str> = Arc::from(mp.version.as_str());
    let base = OriginBase {
        file: Arc::from(CATALOG_FILE),
        policy: name.clone(),
        policy_arn: Some(arn.clone()),
        version: Some(version.clone()),
        kind: PolicyKind::AwsManaged,
        pointer: None,
    };
    let document = parse_policy_document(&mp.document, &base)?;
    Ok(Policy {
        name,
        arn: Some(arn),
        kind: PolicyKind::AwsManaged,
        version: Some(version),
        document,
    })
}

/// `arn:<partition>:iam::aws:policy/...` is an AWS managed policy.
pub(crate) fn managed_kind(arn: &str) -> PolicyKind {
    let mut parts = arn.splitn(6, ':');
    let is_aws = parts.next() == Some("arn")
        && parts.next().is_some()
        && parts.next() == Some("iam")
        && parts.next() == Some("")
        && parts.next() == Some("aws")
        && parts.next().is_some_and(|r| r.starts_with("policy/"));
    if is_aws {
        PolicyKind::AwsManaged
    } else {
        PolicyKind::CustomerManaged
    }
}

/// The account of an ARN (`arn:aws:iam::123456789012:user/x` → `123456789012`).
pub(crate) fn account_of(arn: &str) -> Option<String> {
    arn.split(':')
        .nth(4)
        .filter(|a| !a.is_empty())
        .map(str::to_owned)
}

// ---------------------------------------------------------------------------------------
// Reading pages.

/// Every page of every file of one side, read but not yet converted.
#[derive(Default)]
pub(crate) struct Export<'a> {
    files: Vec<ExportFile<'a>>,
}

struct ExportFile<'a> {
    name: Arc<str>,
    bytes: &'a [u8],
    pages: Vec<Page<'a>>,
}

/// One page of an export file.
type Page<'a> = Doc<RawPage<'a>>;

impl<'a> Export<'a> {
    /// Reads the pages of one file (UTF-8 text, see [`decode`]).
    pub fn add(&mut self, name: Arc<str>, bytes: &'a [u8]) -> Result<(), IngestError> {
        let pages = documents::read(&name, bytes, "pages of the export", page_error)?;
        self.files.push(ExportFile { name, bytes, pages });
        Ok(())
    }
}

fn page_error(
    text: &Text<'_>,
    base: usize,
    e: &serde_json::Error,
    pointer: Option<String>,
) -> IngestError {
    let (message, help) = split_help(json_message(e));
    let help = help.or_else(|| {
        e.is_syntax().then(|| {
            "the file must be JSON as `aws iam get-account-authorization-details` writes it"
                .to_owned()
        })
    });
    IngestError {
        place: text.json_error_place(base, e, pointer),
        message,
        help,
    }
}

// ---------------------------------------------------------------------------------------
// Converting pages into the model.

#[derive(Clone, Copy)]
struct Loc {
    file: usize,
    page: usize,
    list: &'static str,
    idx: usize,
}

struct Entry<'r, T> {
    loc: Loc,
    raw: &'r T,
}

/// A document to parse, where it is, and the policy it makes.
struct Job<'r> {
    doc: RawDoc<'r>,
    role: DocRole,
    loc: Loc,
    /// Pointer below the entry (`/UserPolicyList/0/PolicyDocument`).
    suffix: String,
    kind: PolicyKind,
    name: &'r str,
    arn: Option<&'r str>,
    version: Option<&'r str>,
}

/// Documents to parse, in the order they were found.
#[derive(Default)]
struct Jobs<'r> {
    list: Vec<Job<'r>>,
}

impl<'r> Jobs<'r> {
    fn push(&mut self, job: Job<'r>) -> usize {
        self.list.push(job);
        self.list.len() - 1
    }

    fn inline(&mut self, list: &str, inline: &'r [RawInline<'r>], loc: Loc) -> Vec<usize> {
        let mut out = Vec::with_capacity(inline.len());
        for (i, p) in inline.iter().enumerate() {
            out.push(self.push(Job {
                doc: p.document,
                role: DocRole::Identity,
                loc,
                suffix: format!("/{list}/{i}/PolicyDocument"),
                kind: PolicyKind::Inline,
                name: &p.name,
                arn: None,
                version: None,
            }));
        }
        out
    }
}

impl<'a> Export<'a> {
    fn pointer(&self, loc: Loc, suffix: &str) -> String {
        let prefix = self
            .files
            .get(loc.file)
            .and_then(|f| f.pages.get(loc.page))
            .map_or("", |p| p.prefix.as_str());
        let mut p = String::with_capacity(prefix.len() + loc.list.len() + suffix.len() + 24);
        p.push_str(prefix);
        p.push('/');
        p.push_str(loc.list);
        let _ = write!(p, "/{}", loc.idx);
        p.push_str(suffix);
        p
    }

    fn place(&self, loc: Loc, suffix: &str) -> Place {
        let pointer = Some(self.pointer(loc, suffix));
        let Some(file) = self.files.get(loc.file) else {
            return Place {
                file: Arc::from(""),
                line: None,
                column: None,
                pointer,
            };
        };
        let start = file.pages.get(loc.page).and_then(|p| p.start);
        let (line, column) = match start {
            Some(s) => {
                let (l, c) = line_col(file.bytes, s);
                (Some(l), Some(c))
            }
            None => (None, None),
        };
        Place {
            file: file.name.clone(),
            line,
            column,
            pointer,
        }
    }

    fn file_name(&self, loc: Loc) -> Arc<str> {
        self.files
            .get(loc.file)
            .map_or_else(|| Arc::from(""), |f| f.name.clone())
    }

    /// Converts everything read into `snap`, after what it already holds.
    pub fn finish(self, snap: &mut Snapshot, resolver: Resolver<'_>) -> Result<(), IngestError> {
        let mut warnings = Vec::new();
        for f in &self.files {
            if let Some(last) = f.pages.last()
                && last.raw.is_truncated == Some(true)
            {
                let start = last.start.map(|s| line_col(f.bytes, s));
                warnings.push(Warning {
                    code: WarningCode::TruncatedExport,
                    place: Place {
                        file: f.name.clone(),
                        line: start.map(|s| s.0),
                        column: start.map(|s| s.1),
                        pointer: Some(format!("{}/IsTruncated", last.prefix)),
                    },
                    message: "the export is one page of several (`IsTruncated` is true): users, groups, \
                              roles or policies on the other pages are missing; export with the AWS CLI, \
                              which follows `Marker` to the end, or add the other pages"
                        .to_owned(),
                });
            }
        }

        // Gather every entry in input order, then drop repeats (overlapping pages).
        let mut users = Vec::new();
        let mut groups = Vec::new();
        let mut roles = Vec::new();
        let mut policies = Vec::new();
        for (fi, f) in self.files.iter().enumerate() {
            for (pi, p) in f.pages.iter().enumerate() {
                let loc = |list, idx| Loc {
                    file: fi,
                    page: pi,
                    list,
                    idx,
                };
                users.extend(p.raw.users.iter().enumerate().map(|(i, raw)| Entry {
                    loc: loc("UserDetailList", i),
                    raw,
                }));
                groups.extend(p.raw.groups.iter().enumerate().map(|(i, raw)| Entry {
                    loc: loc("GroupDetailList", i),
                    raw,
                }));
                roles.extend(p.raw.roles.iter().enumerate().map(|(i, raw)| Entry {
                    loc: loc("RoleDetailList", i),
                    raw,
                }));
                policies.extend(p.raw.policies.iter().enumerate().map(|(i, raw)| Entry {
                    loc: loc("Policies", i),
                    raw,
                }));
            }
        }
        let policies = self.dedupe(
            policies,
            "managed policy",
            |p: &RawManagedPolicy<'_>| p.arn.to_string(),
            |p| p.name.to_string(),
            // every account's export lists the AWS managed policies it uses: identical
            // copies from several accounts are expected, not duplicates (issue 8)
            |p| managed_kind(&p.arn) == PolicyKind::AwsManaged,
            &mut warnings,
        );
        let groups = self.dedupe(
            groups,
            "group",
            |g: &RawGroup<'_>| entity_key(&g.arn, &g.name),
            |g| g.name.to_string(),
            |_| false,
            &mut warnings,
        );
        let users = self.dedupe(
            users,
            "user",
            |u: &RawUser<'_>| entity_key(&u.arn, &u.name),
            |u| u.name.to_string(),
            |_| false,
            &mut warnings,
        );
        let roles = self.dedupe(
            roles,
            "role",
            |r: &RawRole<'_>| entity_key(&r.arn, &r.name),
            |r| r.name.to_string(),
            |_| false,
            &mut warnings,
        );

        // Every document to parse; each entry remembers the indices of its jobs.
        let mut jobs = Jobs::default();
        let mut chosen: Vec<Option<usize>> = Vec::with_capacity(policies.len());
        for e in &policies {
            let pick = self.choose_version(e, &mut warnings);
            chosen.push(pick.map(|(vi, version, doc)| {
                jobs.push(Job {
                    doc: *doc,
                    role: DocRole::Identity,
                    loc: e.loc,
                    suffix: format!("/PolicyVersionList/{vi}/Document"),
                    kind: managed_kind(&e.raw.arn),
                    name: &e.raw.name,
                    arn: Some(&e.raw.arn),
                    version,
                })
            }));
        }
        let group_jobs: Vec<Vec<usize>> = groups
            .iter()
            .map(|e| jobs.inline("GroupPolicyList", &e.raw.inline, e.loc))
            .collect();
        let user_jobs: Vec<Vec<usize>> = users
            .iter()
            .map(|e| jobs.inline("UserPolicyList", &e.raw.inline, e.loc))
            .collect();
        let role_jobs: Vec<(Option<usize>, Vec<usize>)> = roles
            .iter()
            .map(|e| {
                let trust = e.raw.trust.map(|doc| {
                    jobs.push(Job {
                        doc,
                        role: DocRole::Trust,
                        loc: e.loc,
                        suffix: "/AssumeRolePolicyDocument".to_owned(),
                        kind: PolicyKind::Trust,
                        name: &e.raw.name,
                        arn: None,
                        version: None,
                    })
                });
                (trust, jobs.inline("RolePolicyList", &e.raw.inline, e.loc))
            })
            .collect();
        let mut made = self.policies(&jobs.list)?;
        snap.sources
            .extend(self.files.iter().map(|f| f.name.clone()));
        // an organization's tens of thousands of entries, without a copy per doubling
        snap.policies.reserve(made.len());
        snap.principals.reserve(users.len() + roles.len());
        snap.groups.reserve(groups.len());

        let mut b = Build::new(snap, resolver);
        b.warnings = warnings;
        // Adds the policy of job `j` (each job's policy is added once).
        let mut take =
            |b: &mut Build<'_, '_>, j: usize| Some(b.snap.add_policy(made.get_mut(j)?.take()?));

        // Listed managed policies first, so attachments resolve to them.
        for (e, pick) in policies.iter().zip(&chosen) {
            let Some(j) = *pick else { continue };
            let existing = b.managed.get(e.raw.arn.as_ref()).copied();
            let Some(id) = take(&mut b, j) else { continue };
            match existing {
                // Listed by an earlier call: the later one wins, in the earlier slot.
                Some(old) => {
                    b.replace_policy(old, id);
                    b.warn(WarningCode::Duplicate, self.place(e.loc, ""), format!(
                        "managed policy `{}` was already read from another input; the later one was kept",
                        e.raw.name
                    ));
                }
                None => {
                    b.managed.insert(e.raw.arn.to_string(), id);
                }
            }
        }

        // the catalog policies the attachments will look up, parsed in parallel up front
        // (a large account attaches a dozen unlisted ones, `ReadOnlyAccess` among them);
        // they are still added, and warned about, in the order they are met
        let unlisted: BTreeSet<&str> =
            groups
                .iter()
                .flat_map(|e| e.raw.attached.0.iter().map(|a| a.arn.as_ref()))
                .chain(users.iter().flat_map(|e| {
                    attached_and_boundary(&e.raw.attached.0, e.raw.boundary.as_ref())
                }))
                .chain(roles.iter().flat_map(|e| {
                    attached_and_boundary(&e.raw.attached.0, e.raw.boundary.as_ref())
                }))
                .filter(|arn| !b.managed.contains_key(*arn))
                .collect();
        b.prepare_catalog(&unlisted.into_iter().collect::<Vec<_>>());

        for (e, inline) in groups.iter().zip(&group_jobs) {
            let g = e.raw;
            let mut refs = Vec::new();
            for &j in inline {
                refs.extend(take(&mut b, j).map(PolicyRef::Resolved));
            }
            let who = format!("group `{}`", g.name);
            for (i, a) in g.attached.0.iter().enumerate() {
                refs.push(b.resolve(a, &who, || {
                    self.place(e.loc, &format!("/AttachedManagedPolicies/{i}"))
                }));
            }
            let group = Group {
                name: g.name.to_string(),
                arn: g.arn.as_deref().map(str::to_owned),
                path: g.path.as_deref().map(str::to_owned),
                policies: refs,
            };
            b.add_group(group, || self.place(e.loc, ""));
        }

        for (e, inline) in users.iter().zip(&user_jobs) {
            let u = e.raw;
            let mut p = Principal::new(PrincipalKind::User, u.name.as_ref());
            fill_identity(&mut p, &u.arn, &u.id, &u.path);
            let who = format!("user `{}`", u.name);
            for &j in inline {
                p.policies.extend(take(&mut b, j).map(PolicyRef::Resolved));
            }
            for (i, a) in u.attached.0.iter().enumerate() {
                p.policies.push(b.resolve(a, &who, || {
                    self.place(e.loc, &format!("/AttachedManagedPolicies/{i}"))
                }));
            }
            if let Some(bd) = &u.boundary {
                let a = RawAttached {
                    name: None,
                    arn: bd.arn.clone(),
                };
                let who = format!("{who} (as its permissions boundary)");
                p.boundary =
                    Some(b.resolve(&a, &who, || self.place(e.loc, "/PermissionsBoundary")));
            }
            for (i, gname) in u.groups.iter().enumerate() {
                let gid = b.group_for(&p, gname, || self.place(e.loc, &format!("/GroupList/{i}")));
                if !p.groups.contains(&gid) {
                    p.groups.push(gid);
                }
            }
            p.tags = u
                .tags
                .iter()
                .map(|t| (t.key.to_string(), t.value.to_string()))
                .collect::<BTreeMap<_, _>>();
            // the export lists every tag of a user (issue 7)
            p.tags_known = true;
            b.add_principal(p, || self.place(e.loc, ""));
        }

        for (e, (trust, inline)) in roles.iter().zip(&role_jobs) {
            let r = e.raw;
            let mut p = Principal::new(PrincipalKind::Role, r.name.as_ref());
            fill_identity(&mut p, &r.arn, &r.id, &r.path);
            let who = format!("role `{}`", r.name);
            p.trust = trust.and_then(|j| take(&mut b, j));
            for &j in inline {
                p.policies.extend(take(&mut b, j).map(PolicyRef::Resolved));
            }
            for (i, a) in r.attached.0.iter().enumerate() {
                p.policies.push(b.resolve(a, &who, || {
                    self.place(e.loc, &format!("/AttachedManagedPolicies/{i}"))
                }));
            }
            if let Some(bd) = &r.boundary {
                let a = RawAttached {
                    name: None,
                    arn: bd.arn.clone(),
                };
                let who = format!("{who} (as its permissions boundary)");
                p.boundary =
                    Some(b.resolve(&a, &who, || self.place(e.loc, "/PermissionsBoundary")));
            }
            p.instance_profiles = r
                .instance_profiles
                .iter()
                .map(|ip| ip.name.to_string())
                .collect();
            p.tags = r
                .tags
                .iter()
                .map(|t| (t.key.to_string(), t.value.to_string()))
                .collect();
            // and of a role
            p.tags_known = true;
            b.add_principal(p, || self.place(e.loc, ""));
        }
        b.finish();
        Ok(())
    }

    /// Keeps one of each repeated entry (by ARN, else name): in the first one's slot, the
    /// later one's content, with a `duplicate` warning saying whether they differ (none
    /// for identical copies of an entry `quiet` accepts).
    fn dedupe<'r, T: PartialEq>(
        &self,
        entries: Vec<Entry<'r, T>>,
        what: &str,
        key: impl Fn(&T) -> String,
        label: impl Fn(&T) -> String,
        quiet: impl Fn(&T) -> bool,
        warnings: &mut Vec<Warning>,
    ) -> Vec<Entry<'r, T>> {
        let mut seen: FxHashMap<String, usize> = FxHashMap::default();
        let mut out: Vec<Entry<'r, T>> = Vec::with_capacity(entries.len());
        for e in entries {
            let k = key(e.raw);
            match seen.get(&k).and_then(|&i| out.get_mut(i)) {
                Some(first) => {
                    let earlier = if first.loc.file == e.loc.file {
                        format!("at {}", self.pointer(first.loc, ""))
                    } else {
                        format!(
                            "in `{}` at {}",
                            self.file_name(first.loc),
                            self.pointer(first.loc, "")
                        )
                    };
                    let identical = *first.raw == *e.raw;
                    if identical && quiet(e.raw) {
                        *first = e;
                        continue;
                    }
                    let detail = if identical {
                        "the copies are identical and one was kept"
                    } else {
                        "the copies differ and the later one was kept"
                    };
                    warnings.push(Warning {
                        code: WarningCode::Duplicate,
                        place: self.place(e.loc, ""),
                        message: format!(
                            "{what} `{}` appears twice (also {earlier}); {detail}",
                            label(e.raw)
                        ),
                    });
                    *first = e;
                }
                None => {
                    seen.insert(k, out.len());
                    out.push(e);
                }
            }
        }
        out
    }

    /// The version of a managed policy to use: the one marked `IsDefaultVersion`, else
    /// the one named by `DefaultVersionId`, else the newest (with a warning).
    fn choose_version<'r>(
        &self,
        e: &Entry<'r, RawManagedPolicy<'a>>,
        warnings: &mut Vec<Warning>,
    ) -> Option<(usize, Option<&'r str>, &'r RawDoc<'a>)> {
        let p = e.raw;
        let versions = &p.versions;
        let by_flag = versions.iter().position(|v| v.is_default);
        let by_id = || {
            let want = p.default_version.as_deref()?;
            versions.iter().position(|v| v.id.as_deref() == Some(want))
        };
        let index = match by_flag.or_else(by_id) {
            Some(i) => Some(i),
            None => {
                let newest = versions
                    .iter()
                    .enumerate()
                    .max_by_key(|(i, v)| (version_number(v.id.as_deref()), *i))
                    .map(|(i, _)| i);
                if let Some(i) = newest {
                    let id = versions.get(i).and_then(|v| v.id.as_deref()).unwrap_or("?");
                    warnings.push(Warning {
                        code: WarningCode::NoDefaultVersion,
                        place: self.place(e.loc, ""),
                        message: format!(
                            "managed policy `{}` has no default version; the newest, `{id}`, was used",
                            p.name
                        ),
                    });
                }
                newest
            }
        };
        let found = index.and_then(|i| {
            let v = versions.get(i)?;
            Some((i, v.id.as_deref(), v.document.as_ref()?))
        });
        if found.is_none() {
            warnings.push(Warning {
                code: WarningCode::Unsupported,
                place: self.place(e.loc, ""),
                message: format!(
                    "managed policy `{}` is listed without a policy version document, so it is treated as \
                     not listed",
                    p.name
                ),
            });
        }
        found
    }

    /// The policy of every job: each distinct document text parsed once, then stamped
    /// with each job's provenance, both in parallel and in input order. The first failing
    /// job in input order is the error reported.
    fn policies(&self, jobs: &[Job<'_>]) -> Result<Vec<Option<Policy>>, IngestError> {
        let mut unique: FxHashMap<(&str, DocRole), usize> = FxHashMap::default();
        let mut texts: Vec<(&str, DocRole)> = Vec::new();
        let of_job: Vec<usize> = jobs
            .iter()
            .map(|j| {
                *unique.entry((j.doc.text(), j.role)).or_insert_with(|| {
                    texts.push((j.doc.text(), j.role));
                    texts.len() - 1
                })
            })
            .collect();
        let parsed: Vec<Result<ParsedDoc, DocError>> = texts
            .par_iter()
            .map(|(text, role)| parse_raw(text, *role))
            .collect();
        for (job, &u) in jobs.iter().zip(&of_job) {
            if let Some(Err(e)) = parsed.get(u) {
                return Err(self.doc_error(job, e.clone()));
            }
        }
        let made = jobs
            .par_iter()
            .zip(of_job.par_iter())
            .map(|(job, &u)| {
                let doc = parsed.get(u)?.as_ref().ok()?;
                let base = OriginBase {
                    file: self.file_name(job.loc),
                    policy: Arc::from(job.name),
                    policy_arn: job.arn.map(Arc::from),
                    version: job.version.map(Arc::from),
                    kind: job.kind,
                    pointer: Some(self.pointer(job.loc, &job.suffix)),
                };
                let document = attach(doc, &base);
                Some(Policy {
                    name: base.policy,
                    arn: base.policy_arn,
                    kind: job.kind,
                    version: base.version,
                    document,
                })
            })
            .collect();
        Ok(made)
    }

    fn doc_error(&self, job: &Job<'_>, e: DocError) -> IngestError {
        let name = self.file_name(job.loc);
        let bytes = self.files.get(job.loc.file).map_or(&[][..], |f| f.bytes);
        let pointer = self.pointer(job.loc, &job.suffix);
        e.into_ingest(&DocSite {
            text: Text::new(&name, bytes),
            offset: offset_in(bytes, job.doc.text()),
            pointer: &pointer,
        })
    }
}

/// Duplicate key of a user, group or role: its ARN, else its name.
fn entity_key(arn: &Option<std::borrow::Cow<'_, str>>, name: &str) -> String {
    match arn {
        Some(a) => a.to_string(),
        None => format!("name:{name}"),
    }
}

/// `v12` → 12, for picking the newest version.
fn version_number(id: Option<&str>) -> u64 {
    id.and_then(|v| v.trim_start_matches(['v', 'V']).parse().ok())
        .unwrap_or(0)
}

fn fill_identity(
    p: &mut Principal,
    arn: &Option<std::borrow::Cow<'_, str>>,
    id: &Option<std::borrow::Cow<'_, str>>,
    path: &Option<std::borrow::Cow<'_, str>>,
) {
    p.arn = arn.as_deref().map(str::to_owned);
    p.account = arn.as_deref().and_then(account_of);
    p.id = id.as_deref().map(str::to_owned);
    p.path = path.as_deref().map(str::to_owned);
}

/// Who attaches an unresolved policy, for its one warning.
struct Unresolved {
    name: String,
    place: Place,
    attachers: Vec<String>,
}

/// Membership in a group that is not in the input, for its one warning.
struct MissingGroup {
    name: String,
    place: Place,
    members: Vec<String>,
}

/// Builds the snapshot: indexes what it already holds so later inputs merge into it.
/// Shared with the other AWS readers (Terraform, per-call CLI exports) so every format
/// merges, deduplicates and warns the same way.
pub(crate) struct Build<'s, 'r> {
    pub(crate) snap: &'s mut Snapshot,
    resolver: Resolver<'r>,
    warnings: Vec<Warning>,
    /// Managed policies by ARN.
    pub(crate) managed: FxHashMap<String, PolicyId>,
    groups: FxHashMap<(Option<String>, String), GroupId>,
    groups_by_name: FxHashMap<String, Vec<GroupId>>,
    principals: FxHashMap<(PrincipalKind, String), usize>,
    /// ARNs looked up in the catalog, and what came of it.
    from_catalog: FxHashMap<String, Option<PolicyId>>,
    unresolved: Vec<Unresolved>,
    unresolved_at: FxHashMap<String, usize>,
    missing_groups: Vec<MissingGroup>,
    missing_at: FxHashMap<GroupId, usize>,
    /// Catalog policies resolved and parsed ahead of [`Build::lookup_catalog`] (by ARN).
    prepared: FxHashMap<String, Option<Prepared>>,
}

/// A catalog policy looked up and parsed ahead of its first attachment.
type Prepared = (ManagedPolicy, Result<Policy, IngestError>);

impl<'s, 'r> Build<'s, 'r> {
    pub(crate) fn new(snap: &'s mut Snapshot, resolver: Resolver<'r>) -> Self {
        let mut b = Build {
            resolver,
            warnings: Vec::new(),
            managed: FxHashMap::default(),
            groups: FxHashMap::default(),
            groups_by_name: FxHashMap::default(),
            principals: FxHashMap::default(),
            from_catalog: FxHashMap::default(),
            unresolved: Vec::new(),
            unresolved_at: FxHashMap::default(),
            missing_groups: Vec::new(),
            missing_at: FxHashMap::default(),
            prepared: FxHashMap::default(),
            snap,
        };
        for (i, p) in b.snap.policies.iter().enumerate() {
            if let (Some(arn), PolicyKind::AwsManaged | PolicyKind::CustomerManaged) =
                (&p.arn, p.kind)
            {
                b.managed.insert(
                    arn.to_string(),
                    PolicyId(u32::try_from(i).unwrap_or(u32::MAX)),
                );
            }
        }
        for (i, g) in b.snap.groups.iter().enumerate() {
            let id = GroupId(u32::try_from(i).unwrap_or(u32::MAX));
            let account = g.arn.as_deref().and_then(account_of);
            b.groups.insert((account, g.name.clone()), id);
            b.groups_by_name.entry(g.name.clone()).or_default().push(id);
        }
        for (i, p) in b.snap.principals.iter().enumerate() {
            b.principals.insert((p.kind, principal_key(p)), i);
        }
        b
    }

    pub(crate) fn warn(&mut self, code: WarningCode, place: Place, message: String) {
        self.warnings.push(Warning {
            code,
            place,
            message,
        });
    }

    /// Moves the policy just added as `new` into slot `old` (a later duplicate wins).
    fn replace_policy(&mut self, old: PolicyId, new: PolicyId) {
        if new.0 as usize + 1 == self.snap.policies.len()
            && let Some(p) = self.snap.policies.pop()
            && let Some(slot) = self.snap.policies.get_mut(old.0 as usize)
        {
            *slot = p;
        }
    }

    /// A managed policy reference: listed in the input, else from the catalog (warned
    /// once per policy), else unresolved (warned once per policy, naming every attacher).
    pub(crate) fn resolve(
        &mut self,
        a: &RawAttached<'_>,
        who: &str,
        place: impl FnOnce() -> Place,
    ) -> PolicyRef {
        let arn = a.arn.as_ref();
        if let Some(&id) = self.managed.get(arn) {
            return PolicyRef::Resolved(id);
        }
        let name = a
            .name
            .as_deref()
            .unwrap_or_else(|| arn.rsplit('/').next().unwrap_or(arn))
            .to_owned();
        let looked_up = match self.from_catalog.get(arn) {
            Some(r) => *r,
            None => {
                let place = place();
                let found = self.lookup_catalog(arn, &name, &place);
                self.from_catalog.insert(arn.to_owned(), found);
                if found.is_none() {
                    self.unresolved_at
                        .insert(arn.to_owned(), self.unresolved.len());
                    self.unresolved.push(Unresolved {
                        name: name.clone(),
                        place,
                        attachers: Vec::new(),
                    });
                }
                found
            }
        };
        match looked_up {
            Some(id) => PolicyRef::Resolved(id),
            None => {
                if let Some(u) = self
                    .unresolved_at
                    .get(arn)
                    .and_then(|&i| self.unresolved.get_mut(i))
                {
                    u.attachers.push(who.to_owned());
                }
                PolicyRef::Unresolved {
                    name,
                    arn: Some(arn.to_owned()),
                }
            }
        }
    }

    /// Looks up and parses these ARNs' catalog policies in parallel, for
    /// [`Build::lookup_catalog`] (which does the same for any it was not given).
    fn prepare_catalog(&mut self, arns: &[&str]) {
        let resolver = self.resolver;
        let found: Vec<Option<Prepared>> = arns
            .par_iter()
            .map(|arn| {
                let mp = resolver(arn)?;
                let policy = catalog_policy(&mp);
                Some((mp, policy))
            })
            .collect();
        self.prepared
            .extend(arns.iter().map(|a| (*a).to_owned()).zip(found));
    }

    fn lookup_catalog(&mut self, arn: &str, name: &str, place: &Place) -> Option<PolicyId> {
        let (mp, parsed) = match self.prepared.remove(arn) {
            Some(prepared) => prepared?,
            None => {
                let mp = (self.resolver)(arn)?;
                let parsed = catalog_policy(&mp);
                (mp, parsed)
            }
        };
        match parsed {
            Ok(mut policy) => {
                policy.arn = Some(Arc::from(arn));
                let version = mp.version.clone();
                let id = self.snap.add_policy(policy);
                self.warn(
                    WarningCode::PolicyFromCatalog,
                    place.clone(),
                    format!(
                        "managed policy `{name}` is attached but not in the export's `Policies`; version \
                         `{version}` from the embedded catalog was used"
                    ),
                );
                Some(id)
            }
            Err(e) => {
                self.warn(
                    WarningCode::Unsupported,
                    place.clone(),
                    format!(
                        "managed policy `{name}` from the embedded catalog could not be read: {e}"
                    ),
                );
                None
            }
        }
    }

    pub(crate) fn add_group(&mut self, group: Group, place: impl FnOnce() -> Place) {
        let account = group.arn.as_deref().and_then(account_of);
        let key = (account, group.name.clone());
        if let Some(&id) = self.groups.get(&key) {
            if let Some(slot) = self.snap.groups.get_mut(id.0 as usize) {
                // An earlier placeholder (a membership seen before the group) is filled
                // in silently; a real earlier group is a duplicate.
                let placeholder =
                    slot.arn.is_none() && slot.path.is_none() && slot.policies.is_empty();
                let name = group.name.clone();
                *slot = group;
                if !placeholder {
                    self.warn(WarningCode::Duplicate, place(), format!(
                        "group `{name}` was already read from another input; the later one was kept"
                    ));
                }
            }
            return;
        }
        let name = group.name.clone();
        let id = self.snap.add_group(group);
        self.groups.insert(key, id);
        self.groups_by_name.entry(name).or_default().push(id);
    }

    /// The group a user's `GroupList` names: same account first, else the only group of
    /// that name that may be in the user's account (its account or the user's is
    /// unknown); otherwise an empty placeholder, so the membership is not lost. A group
    /// of another account is never joined: names resolve within an account (issue 8).
    pub(crate) fn group_for(
        &mut self,
        user: &Principal,
        name: &str,
        place: impl FnOnce() -> Place,
    ) -> GroupId {
        let key = (user.account.clone(), name.to_owned());
        let found = self.groups.get(&key).copied().or_else(|| {
            let groups = &self.snap.groups;
            let same_account = |id: &&GroupId| match (
                user.account.as_deref(),
                groups.get(id.0 as usize).and_then(|g| g.account()),
            ) {
                (Some(u), Some(g)) => u == g,
                _ => true,
            };
            let candidates: Vec<GroupId> = self
                .groups_by_name
                .get(name)
                .map(|ids| ids.iter().filter(same_account).copied().collect())
                .unwrap_or_default();
            match candidates.as_slice() {
                [only] => Some(*only),
                _ => None,
            }
        });
        if let Some(id) = found {
            if let Some(m) = self
                .missing_at
                .get(&id)
                .and_then(|&i| self.missing_groups.get_mut(i))
                && !m.members.contains(&user.name)
            {
                m.members.push(user.name.clone());
            }
            return id;
        }
        let id = self.snap.add_group(Group {
            name: name.to_owned(),
            arn: None,
            path: None,
            policies: Vec::new(),
        });
        self.groups.insert(key, id);
        self.groups_by_name
            .entry(name.to_owned())
            .or_default()
            .push(id);
        self.missing_at.insert(id, self.missing_groups.len());
        self.missing_groups.push(MissingGroup {
            name: name.to_owned(),
            place: place(),
            members: vec![user.name.clone()],
        });
        id
    }

    pub(crate) fn add_principal(&mut self, p: Principal, place: impl FnOnce() -> Place) {
        let key = (p.kind, principal_key(&p));
        if let Some(&i) = self.principals.get(&key)
            && let Some(slot) = self.snap.principals.get_mut(i)
        {
            let what = format!("{} `{}`", p.kind.as_str(), p.name);
            *slot = p;
            self.warn(
                WarningCode::Duplicate,
                place(),
                format!("{what} was already read from another input; the later one was kept"),
            );
            return;
        }
        self.principals.insert(key, self.snap.principals.len());
        self.snap.principals.push(p);
    }

    /// Adds the once-per-policy and once-per-group warnings, then all warnings.
    pub(crate) fn finish(mut self) {
        for m in std::mem::take(&mut self.missing_groups) {
            self.warn(
                WarningCode::UnknownGroup,
                m.place,
                format!(
                    "group `{}` is not in the input but {} in it ({}); an empty group was assumed, so \
                     its policies are unknown",
                    m.name,
                    if m.members.len() == 1 { "a user is" } else { "users are" },
                    names(&m.members)
                ),
            );
        }
        for u in std::mem::take(&mut self.unresolved) {
            self.warn(
                WarningCode::UnresolvedPolicy,
                u.place,
                format!(
                    "managed policy `{}` is attached to {} but its document is in neither the input nor \
                     the embedded catalog; access through it needs review",
                    u.name,
                    names(&u.attachers)
                ),
            );
        }
        self.snap.warnings.append(&mut self.warnings);
    }
}

fn principal_key(p: &Principal) -> String {
    match &p.arn {
        Some(a) => a.clone(),
        None => format!("name:{}", p.name),
    }
}

/// `a, b, c and 4 more`.
pub(crate) fn names(list: &[String]) -> String {
    names_up_to(list, 5)
}

/// The first `shown` names, then how many more.
pub(crate) fn names_up_to(list: &[String], shown: usize) -> String {
    let mut out = list
        .iter()
        .take(shown)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    if list.len() > shown {
        out.push_str(&format!(" and {} more", list.len() - shown));
    }
    out
}

/// The ARNs of a user's or role's attached policies and of its boundary.
fn attached_and_boundary<'r>(
    attached: &'r [crate::ingest::raw::auth_details::RawAttached<'_>],
    boundary: Option<&'r crate::ingest::raw::auth_details::RawBoundary<'_>>,
) -> impl Iterator<Item = &'r str> {
    attached
        .iter()
        .map(|a| a.arn.as_ref())
        .chain(boundary.map(|bd| bd.arn.as_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ActionClause, Effect, PrincipalClause, ResourceClause, StatementRef};
    use serde_json::json;

    fn load_with(text: &str, resolver: Resolver<'_>) -> Result<Snapshot, IngestError> {
        let mut snap = Snapshot::default();
        load_auth_details_with(&Arc::from("e.json"), text.as_bytes(), &mut snap, resolver)?;
        Ok(snap)
    }

    fn load(text: &str) -> Result<Snapshot, IngestError> {
        load_with(text, &|_| None)
    }

    fn err(text: &str) -> IngestError {
        load(text).unwrap_err()
    }

    fn codes(snap: &Snapshot) -> Vec<&'static str> {
        snap.warnings.iter().map(|w| w.code.as_str()).collect()
    }

    fn allow(action: &str) -> serde_json::Value {
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}]})
    }

    fn managed(name: &str, arn: &str, action: &str) -> serde_json::Value {
        json!({"PolicyName": name, "Arn": arn, "Path": "/", "DefaultVersionId": "v1",
               "PolicyVersionList": [{"Document": allow(action), "VersionId": "v1", "IsDefaultVersion": true}]})
    }

    fn user(name: &str) -> serde_json::Value {
        json!({"UserName": name, "UserId": format!("AIDA{name}"), "Path": "/",
               "Arn": format!("arn:aws:iam::111122223333:user/{name}"),
               "UserPolicyList": [], "GroupList": [], "AttachedManagedPolicies": []})
    }

    fn principal<'s>(snap: &'s Snapshot, name: &str) -> &'s Principal {
        snap.principals.iter().find(|p| p.name == name).unwrap()
    }

    fn policy(snap: &Snapshot, r: &PolicyRef) -> Policy {
        match r {
            PolicyRef::Resolved(id) => snap.policy(*id).unwrap().clone(),
            PolicyRef::Unresolved { name, .. } => panic!("unresolved {name}"),
        }
    }

    #[test]
    fn a_complete_small_export() {
        let export = json!({
            "UserDetailList": [{
                "UserName": "alice", "UserId": "AIDA1", "Path": "", "Arn": "arn:aws:iam::111122223333:user/alice",
                "UserPolicyList": [{"PolicyName": "own", "PolicyDocument": allow("s3:GetObject")}],
                "GroupList": ["devs"],
                "AttachedManagedPolicies": [{"PolicyName": "ro", "PolicyArn": "arn:aws:iam::111122223333:policy/ro"}],
                "PermissionsBoundary": {"PermissionsBoundaryType": "Policy",
                                        "PermissionsBoundaryArn": "arn:aws:iam::111122223333:policy/ro"},
                "Tags": [{"Key": "team", "Value": "data"}],
                "CreateDate": "2020-01-01T00:00:00Z", "SomethingNew": {"ignored": [1, 2]}
            }],
            "GroupDetailList": [{
                "GroupName": "devs", "GroupId": "AGPA1", "Path": "/", "Arn": "arn:aws:iam::111122223333:group/devs",
                "GroupPolicyList": [{"PolicyName": "g", "PolicyDocument": allow("ec2:Describe*")}],
                "AttachedManagedPolicies": {"PolicyName": "ro", "PolicyArn": "arn:aws:iam::111122223333:policy/ro"}
            }],
            "RoleDetailList": [{
                "RoleName": "app", "RoleId": "AROA1", "Path": "/service-role/", "Arn": "arn:aws:iam::111122223333:role/service-role/app",
                "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                    "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
                "RolePolicyList": [], "AttachedManagedPolicies": [],
                "InstanceProfileList": [{"InstanceProfileName": "app-profile", "Roles": [{"RoleName": "app"}]}],
                "Tags": [], "RoleLastUsed": {}
            }],
            "Policies": [managed("ro", "arn:aws:iam::111122223333:policy/ro", "s3:List*")]
        });
        let snap = load(&export.to_string()).unwrap();
        assert!(snap.warnings.is_empty(), "{:?}", snap.warnings);
        assert_eq!(snap.sources, vec![Arc::from("e.json")]);
        assert_eq!((snap.principals.len(), snap.groups.len()), (2, 1));

        let alice = principal(&snap, "alice");
        assert_eq!(alice.kind, PrincipalKind::User);
        assert_eq!(alice.account.as_deref(), Some("111122223333"));
        assert_eq!(alice.path.as_deref(), Some(""));
        assert_eq!(alice.id.as_deref(), Some("AIDA1"));
        assert_eq!(alice.tags.get("team").map(String::as_str), Some("data"));
        assert_eq!(alice.groups, vec![GroupId(0)]);
        let inline = policy(&snap, &alice.policies[0]);
        assert_eq!((inline.kind, &*inline.name), (PolicyKind::Inline, "own"));
        let origin = &inline.document.statements[0].origin;
        assert_eq!(
            origin.pointer.as_deref(),
            Some("/UserDetailList/0/UserPolicyList/0/PolicyDocument/Statement/0")
        );
        assert_eq!(origin.statement, StatementRef::Index(0));
        let ro = policy(&snap, &alice.policies[1]);
        assert_eq!(
            (ro.kind, ro.version.as_deref()),
            (PolicyKind::CustomerManaged, Some("v1"))
        );
        assert_eq!(alice.boundary, Some(alice.policies[1].clone()));

        let devs = &snap.groups[0];
        assert_eq!(devs.policies.len(), 2);
        assert_eq!(devs.policies[1], alice.policies[1]);

        let app = principal(&snap, "app");
        assert_eq!(app.instance_profiles, vec!["app-profile".to_owned()]);
        let trust = snap.policy(app.trust.unwrap()).unwrap();
        assert_eq!(trust.kind, PolicyKind::Trust);
        let s = &trust.document.statements[0];
        assert_eq!(s.resource, ResourceClause::Absent);
        assert_eq!(
            s.principal,
            Some(PrincipalClause::Principal(vec![(
                "Service".into(),
                "ec2.amazonaws.com".into()
            )]))
        );
    }

    #[test]
    fn aws_managed_policies_are_recognized_in_any_partition() {
        assert_eq!(
            managed_kind("arn:aws:iam::aws:policy/ReadOnlyAccess"),
            PolicyKind::AwsManaged
        );
        assert_eq!(
            managed_kind("arn:aws-cn:iam::aws:policy/service-role/X"),
            PolicyKind::AwsManaged
        );
        assert_eq!(
            managed_kind("arn:aws:iam::111122223333:policy/aws"),
            PolicyKind::CustomerManaged
        );
    }

    #[test]
    fn the_default_version_is_used() {
        let doc = |a| allow(a);
        let export = json!({"Policies": [
            {"PolicyName": "flag", "Arn": "arn:aws:iam::1:policy/flag", "DefaultVersionId": "v1", "PolicyVersionList": [
                {"Document": doc("a:Old"), "VersionId": "v1", "IsDefaultVersion": false},
                {"Document": doc("a:New"), "VersionId": "v2", "IsDefaultVersion": true}]},
            {"PolicyName": "id", "Arn": "arn:aws:iam::1:policy/id", "DefaultVersionId": "v1", "PolicyVersionList": [
                {"Document": doc("b:Default"), "VersionId": "v1"},
                {"Document": doc("b:Other"), "VersionId": "v2"}]},
            {"PolicyName": "none", "Arn": "arn:aws:iam::1:policy/none", "PolicyVersionList": [
                {"Document": doc("c:V9"), "VersionId": "v9"},
                {"Document": doc("c:V10"), "VersionId": "v10"},
                {"Document": doc("c:V2"), "VersionId": "v2"}]},
            {"PolicyName": "empty", "Arn": "arn:aws:iam::1:policy/empty", "PolicyVersionList": []}
        ]});
        let snap = load(&export.to_string()).unwrap();
        let actions: Vec<(&str, &str, ActionClause)> = snap
            .policies
            .iter()
            .map(|p| {
                (
                    &*p.name,
                    p.version.as_deref().unwrap(),
                    p.document.statements[0].action.clone(),
                )
            })
            .collect();
        assert_eq!(
            actions,
            vec![
                ("flag", "v2", ActionClause::Action(vec!["a:New".into()])),
                ("id", "v1", ActionClause::Action(vec!["b:Default".into()])),
                ("none", "v10", ActionClause::Action(vec!["c:V10".into()])),
            ]
        );
        assert_eq!(codes(&snap), vec!["no-default-version", "unsupported"]);
        assert!(snap.warnings[0].message.contains("`v10`"));
        assert_eq!(
            snap.warnings[0].place.pointer.as_deref(),
            Some("/Policies/2")
        );
    }

    #[test]
    fn documents_as_strings_and_url_encoded() {
        let text = allow("s3:GetObject").to_string();
        let encoded =
            percent_encoding::utf8_percent_encode(&text, percent_encoding::NON_ALPHANUMERIC)
                .to_string();
        let mut a = user("a");
        a["UserPolicyList"] = json!([{"PolicyName": "s", "PolicyDocument": text},
                                     {"PolicyName": "u", "PolicyDocument": encoded}]);
        let snap = load(&json!({"UserDetailList": [a]}).to_string()).unwrap();
        for p in &snap.policies {
            assert_eq!(
                p.document.statements[0].action,
                ActionClause::Action(vec!["s3:GetObject".into()])
            );
            // A statement inside a string is pointed at by the string's pointer.
            assert_eq!(
                p.document.statements[0]
                    .origin
                    .pointer
                    .as_deref()
                    .unwrap()
                    .rsplit('/')
                    .next(),
                Some("PolicyDocument")
            );
        }
    }

    #[test]
    fn pages_concatenated_or_in_an_array_are_merged() {
        let p1 = json!({"UserDetailList": [user("a")], "IsTruncated": true, "Marker": "m"});
        let p2 = json!({"UserDetailList": [user("b")], "IsTruncated": false});
        for text in [
            format!("{p1}{p2}"),
            format!("{p1:#}\n\n{p2:#}\n"),
            format!("[{p1}, {p2}]"),
        ] {
            let snap = load(&text).unwrap();
            let names: Vec<&str> = snap.principals.iter().map(|p| p.name.as_str()).collect();
            assert_eq!(names, vec!["a", "b"], "{text}");
            assert!(snap.warnings.is_empty(), "{:?}", snap.warnings);
        }
        let snap = load(&format!("[{p2}, {p1}]")).unwrap();
        assert_eq!(codes(&snap), vec!["truncated-export"]);
        assert_eq!(
            snap.warnings[0].place.pointer.as_deref(),
            Some("/1/IsTruncated")
        );
    }

    #[test]
    fn overlapping_pages_keep_one_copy() {
        let mut b2 = user("b");
        b2["Path"] = json!("/changed/");
        let p1 = json!({"UserDetailList": [user("a"), user("b")], "Policies": [managed("m", "arn:aws:iam::1:policy/m", "s3:*")]});
        let p2 = json!({"UserDetailList": [user("a"), b2], "Policies": [managed("m", "arn:aws:iam::1:policy/m", "s3:*")]});
        let snap = load(&format!("{p1}\n{p2}")).unwrap();
        assert_eq!(snap.principals.len(), 2);
        assert_eq!(snap.policies.len(), 1);
        assert_eq!(principal(&snap, "b").path.as_deref(), Some("/changed/"));
        assert_eq!(codes(&snap), vec!["duplicate", "duplicate", "duplicate"]);
        let msgs: Vec<&str> = snap.warnings.iter().map(|w| w.message.as_str()).collect();
        assert!(
            msgs[0].contains("managed policy `m` appears twice") && msgs[0].contains("identical"),
            "{msgs:?}"
        );
        assert!(
            msgs[1].contains("user `a`") && msgs[1].contains("identical"),
            "{msgs:?}"
        );
        assert!(
            msgs[2].contains("user `b`") && msgs[2].contains("differ"),
            "{msgs:?}"
        );
        // The later copy is on line 2 of the file.
        assert_eq!(snap.warnings[2].place.line, Some(2));
    }

    // issue 8: names resolve within an account: a user of account 1 never joins a group
    // of account 2 that happens to share its name, and identical AWS managed policies
    // listed by both accounts' exports are no duplicate
    #[test]
    fn groups_and_policies_of_two_accounts_stay_apart() {
        let user_in = |acct: &str, name: &str, group: &str| {
            json!({"UserName": name, "Arn": format!("arn:aws:iam::{acct}:user/{name}"),
                   "GroupList": [group], "UserPolicyList": [], "AttachedManagedPolicies": []})
        };
        let group_in = |acct: &str, name: &str| {
            json!({"GroupName": name, "Arn": format!("arn:aws:iam::{acct}:group/{name}"),
                   "GroupPolicyList": [], "AttachedManagedPolicies": [
                       {"PolicyName": "p", "PolicyArn": format!("arn:aws:iam::{acct}:policy/p")}]})
        };
        let aws = managed("ReadOnly", "arn:aws:iam::aws:policy/ReadOnly", "s3:Get*");
        let one = json!({"UserDetailList": [user_in("111111111111", "a", "ops")],
            "GroupDetailList": [group_in("111111111111", "dev")],
            "Policies": [managed("p", "arn:aws:iam::111111111111:policy/p", "s3:*"), aws]});
        let two = json!({"UserDetailList": [user_in("222222222222", "a", "dev")],
            "GroupDetailList": [group_in("222222222222", "ops"), group_in("222222222222", "dev")],
            "Policies": [managed("p", "arn:aws:iam::222222222222:policy/p", "ec2:*"), aws]});
        let snap = load(&format!("{one}\n{two}")).unwrap();
        assert_eq!(snap.principals.len(), 2);
        let group_of = |p: &Principal| {
            let g = snap.group(p.groups[0]).unwrap();
            (g.name.clone(), g.account().map(str::to_owned))
        };
        // account 1's `a` is in `ops`, which account 1 does not list: a placeholder,
        // not account 2's `ops`
        assert_eq!(group_of(&snap.principals[0]), ("ops".to_owned(), None));
        assert_eq!(
            group_of(&snap.principals[1]),
            ("dev".to_owned(), Some("222222222222".to_owned()))
        );
        // the two customer-managed `p` are two policies
        let ps: Vec<&Policy> = snap.policies.iter().filter(|p| &*p.name == "p").collect();
        assert_eq!(ps.len(), 2);
        assert_eq!(codes(&snap), vec!["unknown-group"]);
    }

    #[test]
    fn unknown_groups_become_empty_placeholders() {
        let mut a = user("a");
        a["GroupList"] = json!(["ghost", "real"]);
        let mut b = user("b");
        b["GroupList"] = json!(["ghost"]);
        let export = json!({"UserDetailList": [a, b], "GroupDetailList": [
            {"GroupName": "real", "Arn": "arn:aws:iam::111122223333:group/real", "GroupPolicyList": [], "AttachedManagedPolicies": []}]});
        let snap = load(&export.to_string()).unwrap();
        assert_eq!(snap.groups.len(), 2);
        let ghost = snap.groups.iter().position(|g| g.name == "ghost").unwrap();
        assert!(snap.groups[ghost].policies.is_empty());
        assert!(
            principal(&snap, "a")
                .groups
                .contains(&GroupId(u32::try_from(ghost).unwrap()))
        );
        assert!(
            principal(&snap, "b")
                .groups
                .contains(&GroupId(u32::try_from(ghost).unwrap()))
        );
        assert_eq!(codes(&snap), vec!["unknown-group"]);
        assert!(
            snap.warnings[0].message.contains("group `ghost`")
                && snap.warnings[0].message.contains("(a, b)")
        );
        assert_eq!(
            snap.warnings[0].place.pointer.as_deref(),
            Some("/UserDetailList/0/GroupList/0")
        );
    }

    #[test]
    fn unlisted_policies_are_unresolved_once_with_every_attacher() {
        let arn = "arn:aws:iam::aws:policy/ReadOnlyAccess";
        let mut a = user("a");
        a["AttachedManagedPolicies"] = json!([{"PolicyName": "ReadOnlyAccess", "PolicyArn": arn}]);
        let mut b = user("b");
        b["PermissionsBoundary"] =
            json!({"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": arn});
        let snap = load(&json!({"UserDetailList": [a, b]}).to_string()).unwrap();
        let want = PolicyRef::Unresolved {
            name: "ReadOnlyAccess".into(),
            arn: Some(arn.into()),
        };
        assert_eq!(principal(&snap, "a").policies, vec![want.clone()]);
        assert_eq!(principal(&snap, "b").boundary, Some(want));
        assert_eq!(codes(&snap), vec!["unresolved-policy"]);
        let m = &snap.warnings[0].message;
        assert!(
            m.contains("user `a`, user `b` (as its permissions boundary)"),
            "{m}"
        );
    }

    #[test]
    fn unlisted_policies_come_from_the_catalog_once() {
        let arn = "arn:aws:iam::aws:policy/ReadOnlyAccess";
        let fake = |want: &str| {
            (want == arn).then(|| ManagedPolicy {
                name: "ReadOnlyAccess".into(),
                arn: arn.into(),
                path: "/".into(),
                version: "v42".into(),
                document: allow("ec2:Describe*").to_string(),
            })
        };
        let mut a = user("a");
        a["AttachedManagedPolicies"] = json!([{"PolicyName": "ReadOnlyAccess", "PolicyArn": arn}]);
        let mut b = user("b");
        b["AttachedManagedPolicies"] = json!([{"PolicyName": "ReadOnlyAccess", "PolicyArn": arn},
                                             {"PolicyName": "Gone", "PolicyArn": "arn:aws:iam::aws:policy/Gone"}]);
        let snap = load_with(&json!({"UserDetailList": [a, b]}).to_string(), &fake).unwrap();
        let pa = &principal(&snap, "a").policies[0];
        assert_eq!(pa, &principal(&snap, "b").policies[0]);
        let p = policy(&snap, pa);
        assert_eq!(
            (p.kind, p.version.as_deref(), p.arn.as_deref()),
            (PolicyKind::AwsManaged, Some("v42"), Some(arn))
        );
        assert_eq!(&*p.document.statements[0].origin.file, CATALOG_FILE);
        assert_eq!(
            codes(&snap),
            vec!["policy-from-catalog", "unresolved-policy"]
        );
        assert!(snap.warnings[0].message.contains("`v42`"));
    }

    #[test]
    fn determinism_across_thread_counts() {
        let users: Vec<_> = (0..200)
            .map(|i| {
                let mut u = user(&format!("u{i}"));
                u["UserPolicyList"] = json!([{"PolicyName": "p", "PolicyDocument": allow(&format!("s3:Get{}", i % 7))}]);
                u
            })
            .collect();
        let text = json!({"UserDetailList": users}).to_string();
        let run = |threads| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| load(&text).unwrap())
        };
        let (one, four) = (run(1), run(4));
        assert_eq!(one.principals, four.principals);
        assert_eq!(one.policies, four.policies);
        // Shared texts are parsed once but every policy has its own provenance.
        assert_eq!(
            one.policies[150].document.statements[0]
                .origin
                .pointer
                .as_deref(),
            Some("/UserDetailList/150/UserPolicyList/0/PolicyDocument/Statement/0")
        );
    }

    #[test]
    fn later_loads_merge_into_the_same_snapshot() {
        let file: Arc<str> = Arc::from("a.json");
        let mut snap = Snapshot::default();
        let first = json!({"UserDetailList": [user("a")], "Policies": [managed("m", "arn:aws:iam::1:policy/m", "s3:*")]});
        let mut second_user = user("a");
        second_user["AttachedManagedPolicies"] =
            json!([{"PolicyName": "m", "PolicyArn": "arn:aws:iam::1:policy/m"}]);
        let second = json!({"UserDetailList": [second_user]});
        load_auth_details_with(&file, first.to_string().as_bytes(), &mut snap, &|_| None).unwrap();
        load_auth_details_with(&file, second.to_string().as_bytes(), &mut snap, &|_| None).unwrap();
        assert_eq!(snap.principals.len(), 1);
        assert_eq!(
            snap.principals[0].policies,
            vec![PolicyRef::Resolved(PolicyId(0))]
        );
        assert_eq!(codes(&snap), vec!["duplicate"]);
        assert_eq!(
            snap.policies[0].document.statements[0].effect,
            Effect::Allow
        );
    }

    #[test]
    fn malformed_exports_name_file_and_place() {
        // Bad JSON: line:column from serde_json.
        let e = err("{\"UserDetailList\": [\n  {\"UserName\": \"a\",}\n]}");
        assert!(e.to_string().starts_with("e.json:2:"), "{e}");
        assert!(e.message.contains("trailing comma"), "{e}");

        // A number where a list is expected: the pointer names it.
        let mut a = user("a");
        a["GroupList"] = json!(5);
        let e = err(&json!({"UserDetailList": [a]}).to_string());
        assert_eq!(
            e.place.pointer.as_deref(),
            Some("/UserDetailList/0/GroupList"),
            "{e}"
        );
        assert!(e.message.contains("invalid type: integer `5`"), "{e}");
        assert!(e.place.line.is_some());

        // A missing required field.
        let e = err(r#"{"UserDetailList": [{"Path": "/"}]}"#);
        assert!(e.message.contains("missing field `UserName`"), "{e}");
        assert_eq!(e.place.pointer.as_deref(), Some("/UserDetailList/0"));

        // A repeated field of a user.
        let e = err(r#"{"UserDetailList": [{"UserName": "a", "UserName": "b"}]}"#);
        assert!(e.message.contains("duplicate field `UserName`"), "{e}");

        // A bad second page: its line, and a pointer inside it.
        let e = err("{\"UserDetailList\": []}\n{\"UserDetailList\": [{\"Path\": \"/\"}]}");
        assert_eq!(
            (e.place.line, e.place.pointer.as_deref()),
            (Some(2), Some("/UserDetailList/0")),
            "{e}"
        );
        let e = err("[{}, {\"RoleDetailList\": {}}]");
        assert_eq!(e.place.pointer.as_deref(), Some("/1/RoleDetailList"), "{e}");
        let e = err("{\"UserDetailList\": []}\n\ntrailing words");
        assert!(
            e.to_string()
                .starts_with("e.json:3:1: unexpected text after the JSON document"),
            "{e}"
        );

        // Not an export page at all.
        let e = err("[1]");
        assert!(
            e.message.contains("get-account-authorization-details"),
            "{e}"
        );
        assert!(!e.message.contains("RawPage"), "{e}");
    }

    #[test]
    fn bad_documents_are_located_in_the_file() {
        let text = "{\"UserDetailList\": [{\"UserName\": \"a\",\n \"UserPolicyList\": [{\"PolicyName\": \"p\", \"PolicyDocument\":\n  {\"Statement\": [{\"Effect\": \"Allow\", \"Effect\": \"Deny\", \"Action\": \"*\", \"Resource\": \"*\"}]}}]}]}";
        let e = err(text);
        assert_eq!(e.place.line, Some(3), "{e}");
        assert_eq!(
            e.place.pointer.as_deref(),
            Some("/UserDetailList/0/UserPolicyList/0/PolicyDocument/Statement/0")
        );
        assert!(e.message.contains("duplicate `Effect`"), "{e}");

        let mut a = user("a");
        a["UserPolicyList"] = json!([{"PolicyName": "p", "PolicyDocument": {"Statement": [{"Action": "*", "Resource": "*"}]}}]);
        let e = err(&json!({"UserDetailList": [a.clone()]}).to_string());
        assert!(e.message.contains("no `Effect`") && e.help.is_some(), "{e}");

        a["UserPolicyList"] =
            json!([{"PolicyName": "p", "PolicyDocument": "%7B%22Statement%22%3A%5B%7B%ZZ"}]);
        let e = err(&json!({"UserDetailList": [a]}).to_string());
        assert!(e.to_string().starts_with("e.json:1:"), "{e}");
        assert_eq!(
            e.place.pointer.as_deref(),
            Some("/UserDetailList/0/UserPolicyList/0/PolicyDocument")
        );
        assert!(
            e.message
                .starts_with("in the URL-encoded policy document at line 1 column"),
            "{e}"
        );

        // The first bad document in input order is the one reported, on page 2.
        let good = json!({"UserDetailList": [user("x")]});
        let bad = json!({"RoleDetailList": [{"RoleName": "r", "AssumeRolePolicyDocument":
            {"Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole"}]}}]});
        let e = err(&format!("{good}\n{bad}"));
        assert_eq!(e.place.line, Some(2), "{e}");
        assert!(
            e.message.contains("neither `Principal` nor `NotPrincipal`"),
            "{e}"
        );
    }
}
