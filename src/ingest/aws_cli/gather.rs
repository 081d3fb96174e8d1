//! Reads every call's output into what it says about each user, group, role and managed
//! policy, keeping track of which calls were seen for whom, so the builder can tell a
//! principal without policies from one whose policies were never listed.

use rustc_hash::FxHashMap;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use super::{Item, Loc};
use crate::ingest::raw::RawDoc;
use crate::ingest::raw::auth_details::{RawGroup, RawRole, RawUser};
use crate::model::{Warning, WarningCode};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) enum Kind {
    User,
    Group,
    Role,
}

impl Kind {
    pub fn label(self) -> &'static str {
        match self {
            Kind::User => "user",
            Kind::Group => "group",
            Kind::Role => "role",
        }
    }
}

/// A list some call gave for one principal, over all its pages.
#[derive(Debug)]
pub(super) struct Listed<T> {
    pub items: Vec<T>,
    /// Some page of it was seen.
    pub seen: bool,
    /// Some page of it was the last (`IsTruncated` not true).
    pub complete: bool,
}

impl<T> Default for Listed<T> {
    fn default() -> Self {
        Listed {
            items: Vec::new(),
            seen: false,
            complete: false,
        }
    }
}

impl<T: PartialEq> Listed<T> {
    fn add(&mut self, items: impl IntoIterator<Item = T>, truncated: bool) {
        self.seen = true;
        self.complete |= !truncated;
        for i in items {
            if !self.items.contains(&i) {
                self.items.push(i);
            }
        }
    }

    pub fn known(&self) -> bool {
        self.seen && self.complete
    }
}

/// An attached managed policy as a list call gives it.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Attached {
    pub arn: String,
    pub name: Option<String>,
    pub loc_pointer: String,
    pub file: usize,
}

/// A policy document and where it is.
#[derive(Clone, Copy)]
pub(super) struct DocAt<'b> {
    pub doc: RawDoc<'b>,
    pub file: usize,
}

/// What the outputs say about one user, group or role.
pub(super) struct Who<'b> {
    pub kind: Kind,
    pub name: String,
    pub arn: Option<String>,
    pub id: Option<String>,
    pub path: Option<String>,
    /// Where it was first seen.
    pub loc: Loc,
    /// Seen by a call that lists it (`list-*`, `get-*`), not only named by one.
    pub listed: bool,
    /// Seen by `get-user`/`get-role`: boundary and tags are known.
    pub detailed: bool,
    pub boundary: Option<(String, Loc)>,
    pub tags: BTreeMap<String, String>,
    pub trust: Option<(DocAt<'b>, Loc)>,
    pub attached: Listed<Attached>,
    pub inline_names: Listed<String>,
    /// `get-*-policy` outputs: name, document, place.
    pub inline_docs: Vec<(String, DocAt<'b>, Loc)>,
    /// `list-groups-for-user`.
    pub groups: Listed<String>,
    pub instance_profiles: Vec<String>,
}

/// A customer or AWS managed policy as `list-policies`/`get-policy` describe it.
pub(super) struct Pol {
    pub name: String,
    pub arn: String,
    pub default_version: Option<String>,
}

/// One `get-policy-version` output.
pub(super) struct Version<'b> {
    pub id: Option<String>,
    pub is_default: bool,
    pub doc: Option<DocAt<'b>>,
    pub loc: Loc,
}

pub(super) struct Gather<'f, 'b> {
    files: &'f [(Arc<str>, Vec<u8>)],
    pub whos: Vec<Who<'b>>,
    at: FxHashMap<(Kind, String), usize>,
    /// `list-users` was seen: the side lists every user.
    pub lists_users: bool,
    /// `list-groups`: every group of the account.
    pub all_groups: Listed<String>,
    /// `get-group`: group → members.
    pub members: BTreeMap<String, Listed<String>>,
    pub pols: Vec<Pol>,
    pol_at: FxHashMap<String, usize>,
    /// Policy ARN → its versions, in input order of first sight.
    pub versions: Vec<(String, Vec<Version<'b>>)>,
    /// Versions attributed by a policy name in the file name, for after every file is read.
    pending: Vec<(String, Version<'b>)>,
    pub warnings: Vec<Warning>,
}

/// `list-attached-role-policies.app.json` → `app` for `list-attached-role-policies`.
fn named_in_file(file: &str, command: &str) -> Option<String> {
    let base = Path::new(file).file_name()?.to_str()?;
    let stem = base.strip_suffix(".json")?;
    let rest = stem.strip_prefix(command)?.strip_prefix('.')?;
    (!rest.is_empty()).then(|| rest.to_owned())
}

const ATTACHED_HELP: &str = "name the file `list-attached-role-policies.<RoleName>.json` \
    (or `-user-`, `-group-` with the user or group name), or add a `RoleName`, `UserName` or \
    `GroupName` key beside `AttachedPolicies`";
const NAMES_HELP: &str = "name the file `list-role-policies.<RoleName>.json` (or \
    `list-user-policies.`, `list-group-policies.`), or add a `RoleName`, `UserName` or \
    `GroupName` key beside `PolicyNames`";
const VERSION_HELP: &str = "name the file `get-policy-version.<PolicyName>.json` (the policy \
    listed by `list-policies` or `get-policy`), or add a `PolicyArn` key beside `PolicyVersion`";

impl<'f, 'b> Gather<'f, 'b> {
    pub fn new(files: &'f [(Arc<str>, Vec<u8>)]) -> Self {
        Gather {
            files,
            whos: Vec::new(),
            at: FxHashMap::default(),
            lists_users: false,
            all_groups: Listed::default(),
            members: BTreeMap::new(),
            pols: Vec::new(),
            pol_at: FxHashMap::default(),
            versions: Vec::new(),
            pending: Vec::new(),
            warnings: Vec::new(),
        }
    }

    fn file_name(&self, f: usize) -> &str {
        self.files.get(f).map_or("", |(n, _)| n)
    }

    fn warn(&mut self, code: WarningCode, loc: &Loc, message: String) {
        let place = loc.place(self.files);
        self.warnings.push(Warning {
            code,
            place,
            message,
        });
    }

    /// The index of principal or group `name`, created on first mention.
    fn who(&mut self, kind: Kind, name: &str, loc: &Loc) -> usize {
        if let Some(&i) = self.at.get(&(kind, name.to_owned())) {
            return i;
        }
        self.whos.push(Who {
            kind,
            name: name.to_owned(),
            arn: None,
            id: None,
            path: None,
            loc: loc.clone(),
            listed: false,
            detailed: false,
            boundary: None,
            tags: BTreeMap::new(),
            trust: None,
            attached: Listed::default(),
            inline_names: Listed::default(),
            inline_docs: Vec::new(),
            groups: Listed::default(),
            instance_profiles: Vec::new(),
        });
        self.at.insert((kind, name.to_owned()), self.whos.len() - 1);
        self.whos.len() - 1
    }

    /// Changes principal or group `name` (created on first mention).
    fn with(&mut self, kind: Kind, name: &str, loc: &Loc, change: impl FnOnce(&mut Who<'b>)) {
        let i = self.who(kind, name, loc);
        if let Some(w) = self.whos.get_mut(i) {
            change(w);
        }
    }

    /// Records a sighting by a call that lists it.
    fn listed(
        &mut self,
        kind: Kind,
        name: &str,
        ids: [Option<&str>; 3],
        loc: &Loc,
        change: impl FnOnce(&mut Who<'b>),
    ) {
        let [arn, id, path] = ids;
        self.with(kind, name, loc, |w| {
            if !w.listed {
                w.listed = true;
                w.loc = loc.clone();
            }
            w.arn = w.arn.take().or(arn.map(str::to_owned));
            w.id = w.id.take().or(id.map(str::to_owned));
            w.path = w.path.take().or(path.map(str::to_owned));
            change(w);
        });
    }

    fn user(&mut self, u: &RawUser<'b>, loc: &Loc, detailed: bool) {
        let ids = [u.arn.as_deref(), u.id.as_deref(), u.path.as_deref()];
        let boundary = u.boundary.as_ref().map(|b| b.arn.to_string());
        self.listed(Kind::User, &u.name, ids, loc, |w| {
            read_details(w, boundary, &u.tags, loc, detailed);
        });
    }

    fn group(&mut self, g: &RawGroup<'b>, loc: &Loc) {
        let ids = [g.arn.as_deref(), g.id.as_deref(), g.path.as_deref()];
        self.listed(Kind::Group, &g.name, ids, loc, |_| {});
    }

    fn role(&mut self, r: &RawRole<'b>, loc: &Loc, detailed: bool) {
        let file = loc.file;
        let ids = [r.arn.as_deref(), r.id.as_deref(), r.path.as_deref()];
        let boundary = r.boundary.as_ref().map(|b| b.arn.to_string());
        self.listed(Kind::Role, &r.name, ids, loc, |w| {
            if let Some(doc) = r.trust
                && (w.trust.is_none() || detailed)
            {
                w.trust = Some((DocAt { doc, file }, loc.at("/AssumeRolePolicyDocument")));
            }
            read_details(w, boundary, &r.tags, loc, detailed);
        });
    }

    fn policy(&mut self, p: &crate::ingest::raw::auth_details::RawManagedPolicy<'b>) {
        match self.pol_at.get(p.arn.as_ref()) {
            Some(&i) => {
                if let Some(pol) = self.pols.get_mut(i)
                    && pol.default_version.is_none()
                {
                    pol.default_version = p.default_version.as_deref().map(str::to_owned);
                }
            }
            None => {
                self.pol_at.insert(p.arn.to_string(), self.pols.len());
                self.pols.push(Pol {
                    name: p.name.to_string(),
                    arn: p.arn.to_string(),
                    default_version: p.default_version.as_deref().map(str::to_owned),
                });
            }
        }
    }

    /// Whose an output is that does not say it: a hint key, else the file name.
    fn whose(
        &self,
        item: &Item<'b>,
        file: usize,
        single: bool,
        commands: &[(&str, Kind)],
    ) -> Result<(Kind, String), String> {
        let o = &item.raw;
        let hints: Vec<(Kind, &str)> = [
            (Kind::User, o.user_name.as_deref()),
            (Kind::Group, o.group_name.as_deref()),
            (Kind::Role, o.role_name.as_deref()),
        ]
        .into_iter()
        .filter_map(|(k, n)| n.map(|n| (k, n)))
        .collect();
        match hints.as_slice() {
            [(k, n)] => return Ok((*k, (*n).to_owned())),
            [] => {}
            _ => {
                return Err("it names more than one of `UserName`, `GroupName`, `RoleName`".into());
            }
        }
        if single {
            let name = self.file_name(file);
            for (cmd, kind) in commands {
                if let Some(n) = named_in_file(name, cmd) {
                    return Ok((*kind, n));
                }
            }
            Err("the output does not name it, and neither does the file name".into())
        } else {
            Err("the output does not name it, and the file holds several outputs".into())
        }
    }

    /// Reads one call's output.
    pub fn item(&mut self, file: usize, item: &Item<'b>, single: bool) {
        let o = &item.raw;
        let base = Loc {
            file,
            pointer: item.prefix.clone(),
            start: item.start,
        };
        let truncated = o.is_truncated == Some(true);
        let fname = self.file_name(file).to_owned();
        let mut used = false;
        if truncated {
            self.warn(
                WarningCode::TruncatedExport,
                &base.at("/IsTruncated"),
                format!(
                    "`{fname}` is one page of several (`IsTruncated` is true): what the other pages list is \
                     missing; let the AWS CLI paginate (it does unless `--max-items` or `--no-paginate` is \
                     given) or add the other pages"
                ),
            );
        }
        if let Some(g) = &o.group {
            // get-group: the group and its members
            used = true;
            self.group(g, &base.at("/Group"));
            let mut names = Vec::new();
            for (i, u) in o.users.iter().flatten().enumerate() {
                self.user(u, &base.at(&format!("/Users/{i}")), false);
                names.push(u.name.to_string());
            }
            self.members
                .entry(g.name.to_string())
                .or_default()
                .add(names, truncated);
        } else if let Some(users) = &o.users {
            used = true;
            self.lists_users = true;
            for (i, u) in users.iter().enumerate() {
                self.user(u, &base.at(&format!("/Users/{i}")), false);
            }
        }
        if let Some(u) = &o.user {
            used = true;
            self.user(u, &base.at("/User"), true);
        }
        if let Some(groups) = &o.groups {
            used = true;
            let names: Vec<String> = groups.iter().map(|g| g.name.to_string()).collect();
            for (i, g) in groups.iter().enumerate() {
                self.group(g, &base.at(&format!("/Groups/{i}")));
            }
            let for_user = o.user_name.as_deref().map(str::to_owned).or_else(|| {
                single
                    .then(|| named_in_file(&fname, "list-groups-for-user"))
                    .flatten()
            });
            match for_user {
                Some(u) => self.with(Kind::User, &u, &base, |w| w.groups.add(names, truncated)),
                None => self.all_groups.add(names, truncated),
            }
        }
        if let Some(roles) = &o.roles {
            used = true;
            for (i, r) in roles.iter().enumerate() {
                self.role(r, &base.at(&format!("/Roles/{i}")), false);
            }
        }
        if let Some(r) = &o.role {
            used = true;
            self.role(r, &base.at("/Role"), true);
        }
        if let Some(attached) = &o.attached {
            used = true;
            let cmds = [
                ("list-attached-role-policies", Kind::Role),
                ("list-attached-user-policies", Kind::User),
                ("list-attached-group-policies", Kind::Group),
            ];
            match self.whose(item, file, single, &cmds) {
                Ok((kind, name)) => {
                    let list: Vec<Attached> = attached
                        .iter()
                        .enumerate()
                        .map(|(i, a)| Attached {
                            arn: a.arn.to_string(),
                            name: a.name.as_deref().map(str::to_owned),
                            loc_pointer: format!("{}/AttachedPolicies/{i}", item.prefix),
                            file,
                        })
                        .collect();
                    self.with(kind, &name, &base, |w| w.attached.add(list, truncated));
                }
                Err(why) => self.warn(
                    WarningCode::Unsupported,
                    &base.at("/AttachedPolicies"),
                    format!(
                        "cannot tell whose attached policies `{fname}` lists: {why}; it was not used \
                         ({ATTACHED_HELP})"
                    ),
                ),
            }
        }
        if let Some(names) = &o.policy_names {
            used = true;
            let cmds = [
                ("list-role-policies", Kind::Role),
                ("list-user-policies", Kind::User),
                ("list-group-policies", Kind::Group),
            ];
            match self.whose(item, file, single, &cmds) {
                Ok((kind, name)) => {
                    let list: Vec<String> = names.iter().map(|n| n.to_string()).collect();
                    self.with(kind, &name, &base, |w| w.inline_names.add(list, truncated));
                }
                Err(why) => self.warn(
                    WarningCode::Unsupported,
                    &base.at("/PolicyNames"),
                    format!(
                        "cannot tell whose inline policies `{fname}` names: {why}; it was not used \
                         ({NAMES_HELP})"
                    ),
                ),
            }
        }
        if let Some(doc) = o.policy_document {
            used = true;
            let loc = base.at("/PolicyDocument");
            match (self.whose(item, file, true, &[]), &o.policy_name) {
                (Ok((kind, name)), Some(pname)) => {
                    let entry = (pname.to_string(), DocAt { doc, file }, loc);
                    self.with(kind, &name, &base, |w| w.inline_docs.push(entry));
                }
                _ => self.warn(
                    WarningCode::Unsupported,
                    &loc,
                    format!(
                        "`{fname}` holds a `PolicyDocument` without the `PolicyName` and exactly one of \
                         `UserName`, `GroupName` or `RoleName` that `get-user-policy`, `get-group-policy` \
                         and `get-role-policy` write; it was not used"
                    ),
                ),
            }
        }
        if let Some(pols) = &o.policies {
            used = true;
            for p in pols {
                self.policy(p);
            }
        }
        if let Some(p) = &o.policy {
            used = true;
            self.policy(p);
        }
        if let Some(v) = &o.policy_version {
            used = true;
            let loc = base.at("/PolicyVersion");
            let version = Version {
                id: v.id.as_deref().map(str::to_owned),
                is_default: v.is_default,
                doc: v.document.map(|doc| DocAt { doc, file }),
                loc: loc.clone(),
            };
            if let Some(arn) = &o.policy_arn {
                self.add_version(arn, version);
            } else {
                let named = single
                    .then(|| named_in_file(&fname, "get-policy-version"))
                    .flatten()
                    .map(|n| {
                        // `get-policy-version.deploy.v3.json`: the version id is not part of the name
                        match &version.id {
                            Some(id) => n
                                .strip_suffix(id.as_str())
                                .and_then(|x| x.strip_suffix('.'))
                                .map_or(n.clone(), str::to_owned),
                            None => n,
                        }
                    });
                match named {
                    Some(name) => self.pending.push((name, version)),
                    None => self.warn(
                        WarningCode::Unsupported,
                        &loc,
                        format!(
                            "cannot tell which policy `{fname}` holds a version of: `get-policy-version` \
                             output does not name it; it was not used ({VERSION_HELP})"
                        ),
                    ),
                }
            }
        }
        let profiles = o
            .instance_profiles
            .iter()
            .flatten()
            .enumerate()
            .map(|(i, p)| (format!("/InstanceProfiles/{i}"), p))
            .chain(
                o.instance_profile
                    .iter()
                    .map(|p| ("/InstanceProfile".to_owned(), p)),
            );
        used |= o.instance_profiles.is_some() || o.instance_profile.is_some();
        for (suffix, ip) in profiles {
            let at = base.at(&suffix);
            for (j, r) in ip.roles.iter().enumerate() {
                let loc = at.at(&format!("/Roles/{j}"));
                self.role(r, &loc, false);
                let profile = ip.name.to_string();
                self.with(Kind::Role, &r.name, &loc, |w| {
                    if !w.instance_profiles.contains(&profile) {
                        w.instance_profiles.push(profile);
                    }
                });
            }
        }
        if !used {
            self.warn(
                WarningCode::Unsupported,
                &base,
                format!(
                    "`{fname}` is not the output of a call iamdiff reads (`list-users`, `get-group`, \
                     `list-roles`, `get-role`, `list-attached-*-policies`, `list-*-policies`, \
                     `get-*-policy`, `list-policies`, `get-policy`, `get-policy-version`, ...); it was \
                     not used"
                ),
            );
        }
    }

    fn add_version(&mut self, arn: &str, v: Version<'b>) {
        match self.versions.iter_mut().find(|(a, _)| a == arn) {
            Some((_, list)) => list.push(v),
            None => self.versions.push((arn.to_owned(), vec![v])),
        }
    }

    /// Attributes the versions named by file name to the one policy of that name that
    /// `list-policies`, `get-policy` or an attachment names.
    pub fn resolve_versions(&mut self) {
        let pending = std::mem::take(&mut self.pending);
        for (name, v) in pending {
            let mut arns: Vec<String> = self
                .pols
                .iter()
                .filter(|p| p.name == name)
                .map(|p| p.arn.clone())
                .collect();
            for w in &self.whos {
                for a in &w.attached.items {
                    let a_name = a
                        .name
                        .clone()
                        .unwrap_or_else(|| a.arn.rsplit('/').next().unwrap_or("").to_owned());
                    if a_name == name && !arns.contains(&a.arn) {
                        arns.push(a.arn.clone());
                    }
                }
            }
            match arns.as_slice() {
                [arn] => {
                    let arn = arn.clone();
                    self.add_version(&arn, v);
                }
                [] => {
                    let fname = self.file_name(v.loc.file).to_owned();
                    self.warn(
                        WarningCode::Unsupported,
                        &v.loc,
                        format!(
                            "`{fname}` is named after policy `{name}`, but no `list-policies`, `get-policy` \
                             or attachment names a policy of that name, so its ARN is unknown; it was not used \
                             ({VERSION_HELP})"
                        ),
                    );
                }
                _ => {
                    let fname = self.file_name(v.loc.file).to_owned();
                    let listed: Vec<String> = arns.iter().map(|a| format!("`{a}`")).collect();
                    self.warn(
                        WarningCode::Unsupported,
                        &v.loc,
                        format!(
                            "`{fname}` is named after policy `{name}`, but several policies have that name \
                             ({}); it was not used (add a `PolicyArn` key beside `PolicyVersion`)",
                            listed.join(", ")
                        ),
                    );
                }
            }
        }
    }
}

/// Boundary and tags: only `get-user`/`get-role` return them; a list call's silence
/// says nothing.
fn read_details(
    w: &mut Who<'_>,
    boundary: Option<String>,
    tags: &[crate::ingest::raw::auth_details::RawTag<'_>],
    loc: &Loc,
    detailed: bool,
) {
    if detailed {
        w.detailed = true;
    }
    if let Some(b) = boundary {
        w.boundary = Some((b, loc.at("/PermissionsBoundary")));
    }
    for t in tags {
        w.tags.insert(t.key.to_string(), t.value.to_string());
    }
}
