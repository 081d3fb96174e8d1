//! IAM Identity Center (issue 9), on either side of a migration: permission sets, the
//! accounts they are assigned in, and the identity store's users, groups and
//! memberships. Three inputs describe them: the AWS CLI's per-call exports (`cli`), a
//! Terraform `aws_ssoadmin_*` configuration (`terraform/ssoadmin.rs`) and a CloudFormation
//! template's `AWS::SSO::*` resources (`cloudformation/sso.rs`). Each reader fills one
//! [`Ic`]; [`emit`] turns it into the side's model the same way for all three.
//!
//! AWS provisions a permission set assigned in an account as the role
//! `AWSReservedSSO_<permission set>_<16 hex>` under `/aws-reserved/sso.amazonaws.com/`,
//! trusting the account's `AWSSSO_…_DO_NOT_DELETE` SAML provider, with the set's managed
//! policies, its customer managed policy references (the policy of that name and path in
//! that account), its inline policy (`AwsSSOInlinePolicy`) and its boundary. The exports do
//! not give the suffix: when an account dump on the side holds a role whose name starts
//! with `AWSReservedSSO_<name>_` in that account, that role is kept (it is what AWS really
//! has) and the two descriptions are compared, each difference a warning naming both
//! places; otherwise the role is made here, named `AWSReservedSSO_<name>`.
//!
//! People (identity-store users), assignments (by user or group display name) and the
//! identity-store groups go to [`Snapshot::people`](crate::model::Snapshot); evaluation
//! makes people reach the roles. What a reader could not resolve (a part of a permission
//! set no output gives, an intrinsic a template leaves open) stands in the role's policies
//! as an unresolved reference with a warning naming its place, so its access is *needs
//! review*, never silently absent.

pub(crate) mod cli;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use super::aws_auth_details::{Build, names};
use super::policy_doc::{OriginBase, parse_policy_document};
use super::raw::auth_details::RawAttached;
use super::{IngestError, Resolver};
use crate::model::{
    Assignment, AssignmentPrincipal, Person, PersonSource, Place, Policy, PolicyDocument,
    PolicyKind, PolicyRef, Principal, PrincipalKind, Snapshot, Statement, Warning, WarningCode,
};

pub use cli::load_identity_center;

/// The path AWS gives the roles it provisions for permission sets.
pub(crate) const SSO_PATH: &str = "/aws-reserved/sso.amazonaws.com/";
/// The name of the inline policy AWS puts on those roles.
pub(crate) const INLINE_NAME: &str = "AwsSSOInlinePolicy";

/// A permission set's boundary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Boundary {
    Managed(String),
    Customer { name: String, path: String },
}

/// One part of a permission set, as known.
#[derive(Debug, Clone)]
pub(crate) enum Part<T> {
    Known(T),
    /// No input says it; the message names what is missing.
    Unknown(String),
}

impl<T: Default> Default for Part<T> {
    fn default() -> Self {
        Part::Known(T::default())
    }
}

/// One permission set as an input describes it.
#[derive(Debug, Clone)]
pub(crate) struct PermSet {
    /// `ps-…`, or the template's logical id / Terraform address when there is no ARN.
    pub id: String,
    pub name: String,
    pub managed: Part<Vec<(String, Place)>>,
    /// (name, path) of customer managed policies, resolved in each account.
    pub customer: Part<Vec<(String, String, Place)>>,
    pub inline: Part<Option<(PolicyDocument, Place)>>,
    pub boundary: Part<Option<(Boundary, Place)>>,
    /// Parts a template leaves unresolved, each naming its place: the role's access
    /// needs review.
    pub unresolved: Vec<(String, Place)>,
    pub place: Place,
}

impl PermSet {
    pub(crate) fn new(id: String, name: String, place: Place) -> Self {
        PermSet {
            id,
            name,
            managed: Part::default(),
            customer: Part::default(),
            inline: Part::default(),
            boundary: Part::default(),
            unresolved: Vec::new(),
            place,
        }
    }
}

/// An account assignment before its principal's id is resolved to a name.
#[derive(Debug, Clone)]
pub(crate) struct RawAssign {
    pub account: String,
    /// Key of the permission set (its `id`).
    pub set: String,
    pub kind: AssignmentPrincipal,
    pub principal: String,
    pub place: Place,
}

#[derive(Debug, Clone)]
pub(crate) struct StoreUser {
    pub id: String,
    pub user_name: String,
    pub emails: Vec<String>,
    pub place: Place,
}

#[derive(Debug, Clone)]
pub(crate) struct StoreGroup {
    pub id: String,
    pub name: String,
}

/// What one input says about Identity Center.
#[derive(Debug, Default)]
pub(crate) struct Ic {
    /// `ssoins-…`, for the SAML provider's name.
    pub instance: Option<String>,
    pub sets: Vec<PermSet>,
    pub assignments: Vec<RawAssign>,
    /// (set, account) pairs provisioned (`list-accounts-for-provisioned-permission-set`).
    pub provisioned: Vec<(String, String, Place)>,
    pub users: Vec<StoreUser>,
    pub groups: Vec<StoreGroup>,
    /// (group id, user id, place).
    pub memberships: Vec<(String, String, Place)>,
    pub warnings: Vec<Warning>,
}

impl Ic {
    pub(crate) fn is_empty(&self) -> bool {
        self.sets.is_empty()
            && self.assignments.is_empty()
            && self.users.is_empty()
            && self.groups.is_empty()
            && self.memberships.is_empty()
    }

    pub(crate) fn warn(&mut self, code: WarningCode, place: Place, message: String) {
        self.warnings.push(Warning {
            code,
            place,
            message,
        });
    }

    pub(crate) fn set(&self, id: &str) -> Option<&PermSet> {
        self.sets.iter().find(|s| s.id == id)
    }
}

/// The `ps-…` id of a permission set ARN (`arn:aws:sso:::permissionSet/ssoins-…/ps-…`),
/// or the text itself when it is a bare id.
pub(crate) fn set_id(arn_or_id: &str) -> &str {
    arn_or_id.rsplit('/').next().unwrap_or(arn_or_id)
}

/// The `ssoins-…` id of an instance or permission set ARN.
pub(crate) fn instance_id(arn: &str) -> Option<&str> {
    arn.split('/').find(|s| s.starts_with("ssoins-"))
}

pub(crate) fn is_account(id: &str) -> bool {
    id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit())
}

/// The ARN of a customer managed policy reference in an account.
fn customer_arn(account: &str, name: &str, path: &str) -> String {
    let path = if path.is_empty() { "/" } else { path };
    format!("arn:aws:iam::{account}:policy{path}{name}")
}

/// The role name prefix of a permission set.
fn role_prefix(set: &str) -> String {
    format!("AWSReservedSSO_{set}")
}

/// Statements compared without where they came from.
fn bare(statements: &[Statement]) -> BTreeSet<String> {
    statements
        .iter()
        .map(|s| {
            format!(
                "{:?}|{:?}|{:?}|{:?}|{:?}",
                s.effect, s.action, s.resource, s.principal, s.condition
            )
        })
        .collect()
}

/// Adds what `ic` says to the side: roles (or checks against the dump's), people,
/// assignments and identity-store groups.
pub(crate) fn emit(
    mut ic: Ic,
    snap: &mut Snapshot,
    resolver: Resolver<'_>,
) -> Result<(), IngestError> {
    let warnings = std::mem::take(&mut ic.warnings);
    snap.warnings.extend(warnings);
    let users: BTreeMap<&str, &StoreUser> = ic.users.iter().map(|u| (u.id.as_str(), u)).collect();
    let groups: BTreeMap<&str, &StoreGroup> =
        ic.groups.iter().map(|g| (g.id.as_str(), g)).collect();
    let mut warnings: Vec<Warning> = Vec::new();
    // (set, account) → role name
    let mut roles: BTreeMap<(String, String), String> = BTreeMap::new();
    let mut wanted: Vec<(String, String, Place)> = ic
        .assignments
        .iter()
        .map(|a| (a.set.clone(), a.account.clone(), a.place.clone()))
        .collect();
    wanted.extend(ic.provisioned.iter().cloned());
    let saml = format!(
        "AWSSSO_{}_DO_NOT_DELETE",
        ic.instance
            .as_deref()
            .map(|i| i.trim_start_matches("ssoins-"))
            .unwrap_or("unknown")
    );
    for set in &ic.sets {
        if !wanted.iter().any(|(s, _, _)| *s == set.id) {
            snap.warnings.push(Warning {
                code: WarningCode::Unsupported,
                place: set.place.clone(),
                message: format!(
                    "permission set `{}` is assigned in no account in this input: it gives no one access here",
                    set.name
                ),
            });
        }
    }
    let mut b = Build::new(snap, resolver);
    // each account's roles, in order (a role made here joins its account's): an
    // organization's thousands of assignments each looked through every principal
    let mut roles_of: rustc_hash::FxHashMap<String, Vec<usize>> = Default::default();
    for (i, p) in b.snap.principals.iter().enumerate() {
        if let (PrincipalKind::Role, Some(a)) = (p.kind, &p.account) {
            roles_of.entry(a.clone()).or_default().push(i);
        }
    }
    for (set_key, account, place) in wanted {
        if roles.contains_key(&(set_key.clone(), account.clone())) {
            continue;
        }
        let Some(set) = ic.set(&set_key) else {
            return Err(IngestError::new(
                place,
                format!("permission set `{set_key}` is assigned here but no input describes it"),
            )
            .with_help(format!(
                "add the output of `aws sso-admin describe-permission-set --permission-set-arn …/{set_key}`"
            )));
        };
        let prefix = role_prefix(&set.name);
        let dumped = roles_of.get(&account).and_then(|at| {
            at.iter().copied().find(|&i| {
                b.snap.principals.get(i).is_some_and(|p| {
                    p.name == prefix
                        || p.name
                            .strip_prefix(&prefix)
                            .is_some_and(|rest| rest.starts_with('_'))
                })
            })
        });
        let name = match dumped {
            Some(i) => {
                let name = b
                    .snap
                    .principals
                    .get(i)
                    .map(|p| p.name.clone())
                    .unwrap_or_default();
                cross_check(b.snap, i, set, &account, &mut warnings);
                name
            }
            None => {
                let role = make_role(&mut b, set, &account, &saml)?;
                let name = role.name.clone();
                let at = set.place.clone();
                let n = b.snap.principals.len();
                b.add_principal(role, || at);
                if let Some(p) = b.snap.principals.get(n)
                    && let (PrincipalKind::Role, Some(a)) = (p.kind, &p.account)
                {
                    roles_of.entry(a.clone()).or_default().push(n);
                }
                name
            }
        };
        roles.insert((set_key, account), name);
    }
    b.finish();
    snap.warnings.extend(warnings);

    // people
    let mut member_of: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut store_groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for g in &ic.groups {
        store_groups.entry(g.name.clone()).or_default();
    }
    for (gid, uid, place) in &ic.memberships {
        let group = match groups.get(gid.as_str()) {
            Some(g) => g.name.clone(),
            None => {
                if !ic.groups.is_empty() {
                    snap.warnings.push(Warning {
                        code: WarningCode::UnknownGroup,
                        place: place.clone(),
                        message: format!(
                            "group id `{gid}` is in no `identitystore list-groups` output; the membership names it by id"
                        ),
                    });
                }
                gid.clone()
            }
        };
        let user = match users.get(uid.as_str()) {
            Some(u) => u.user_name.clone(),
            None => {
                snap.warnings.push(Warning {
                    code: WarningCode::Unsupported,
                    place: place.clone(),
                    message: format!(
                        "user id `{uid}` is in no `identitystore list-users` output; the member is named by id"
                    ),
                });
                uid.clone()
            }
        };
        let members = store_groups.entry(group.clone()).or_default();
        if !members.contains(&user) {
            members.push(user);
        }
        if let Some(u) = users.get(uid.as_str()) {
            let gs = member_of.entry(u.id.as_str()).or_default();
            if !gs.contains(&group) {
                gs.push(group);
            }
        }
    }
    // the Identity Center people already read, by key (the first of each)
    let mut read: rustc_hash::FxHashMap<String, usize> = Default::default();
    for (i, p) in snap.people.people.iter().enumerate() {
        if p.source == PersonSource::IdentityCenter {
            read.entry(p.key.clone()).or_insert(i);
        }
    }
    for u in &ic.users {
        let mut names = vec![u.user_name.to_lowercase()];
        for e in &u.emails {
            let e = e.to_lowercase();
            if !names.contains(&e) {
                names.push(e);
            }
        }
        let person = Person {
            key: u.user_name.clone(),
            source: PersonSource::IdentityCenter,
            names,
            store_id: Some(u.id.clone()),
            groups: member_of.get(u.id.as_str()).cloned().unwrap_or_default(),
            place: u.place.clone(),
        };
        match read
            .get(&person.key)
            .and_then(|&i| snap.people.people.get_mut(i))
        {
            Some(slot) => *slot = person,
            None => {
                read.insert(person.key.clone(), snap.people.people.len());
                snap.people.people.push(person);
            }
        }
    }
    for (g, members) in store_groups {
        match snap.people.store_groups.iter_mut().find(|(n, _)| *n == g) {
            Some((_, m)) => {
                for u in members {
                    if !m.contains(&u) {
                        m.push(u);
                    }
                }
            }
            None => snap.people.store_groups.push((g, members)),
        }
    }
    for a in &ic.assignments {
        let principal = match a.kind {
            AssignmentPrincipal::User => {
                users.get(a.principal.as_str()).map(|u| u.user_name.clone())
            }
            AssignmentPrincipal::Group => groups.get(a.principal.as_str()).map(|g| g.name.clone()),
        };
        let principal = match principal {
            Some(p) => p,
            None => {
                let (what, cmd) = match a.kind {
                    AssignmentPrincipal::User => ("user", "list-users"),
                    AssignmentPrincipal::Group => ("group", "list-groups"),
                };
                snap.warnings.push(Warning {
                    code: WarningCode::Unsupported,
                    place: a.place.clone(),
                    message: format!(
                        "the assignment's {what} `{}` is in no `identitystore {cmd}` output; it is named by id, so no person is known to hold it",
                        a.principal
                    ),
                });
                a.principal.clone()
            }
        };
        let set_name = ic
            .set(&a.set)
            .map(|s| s.name.clone())
            .unwrap_or_else(|| a.set.clone());
        let role = roles
            .get(&(a.set.clone(), a.account.clone()))
            .cloned()
            .unwrap_or_else(|| role_prefix(&set_name));
        let assignment = Assignment {
            account: a.account.clone(),
            permission_set: set_name,
            principal_kind: a.kind,
            principal,
            role,
            place: a.place.clone(),
        };
        if !snap.people.assignments.iter().any(|x| {
            x.account == assignment.account
                && x.permission_set == assignment.permission_set
                && x.principal_kind == assignment.principal_kind
                && x.principal == assignment.principal
        }) {
            snap.people.assignments.push(assignment);
        }
    }
    Ok(())
}

/// The role AWS provisions for `set` in `account`.
fn make_role(
    b: &mut Build<'_, '_>,
    set: &PermSet,
    account: &str,
    saml: &str,
) -> Result<Principal, IngestError> {
    let name = role_prefix(&set.name);
    let mut role = Principal::new(PrincipalKind::Role, name.clone());
    role.account = Some(account.to_owned());
    role.path = Some(SSO_PATH.to_owned());
    role.arn = Some(format!("arn:aws:iam::{account}:role{SSO_PATH}{name}"));
    let who = format!("role `{name}` in account {account}");
    let unknown = |b: &mut Build<'_, '_>, role: &mut Principal, what: &str, why: &str| {
        b.warn(
            WarningCode::UnresolvedPolicy,
            set.place.clone(),
            format!(
                "the {what} of permission set `{}` are unknown ({why}); access of {who} through them needs review",
                set.name
            ),
        );
        role.policies.push(PolicyRef::Unresolved {
            name: format!("<{what} of permission set {} unknown>", set.name),
            arn: None,
        });
    };
    match &set.managed {
        Part::Known(list) => {
            for (arn, place) in list {
                let a = RawAttached {
                    name: None,
                    arn: arn.as_str().into(),
                };
                let r = b.resolve(&a, &who, || place.clone());
                role.policies.push(r);
            }
        }
        Part::Unknown(why) => unknown(b, &mut role, "managed policies", why),
    }
    match &set.customer {
        Part::Known(list) => {
            for (pname, path, place) in list {
                let arn = customer_arn(account, pname, path);
                let a = RawAttached {
                    name: Some(pname.as_str().into()),
                    arn: arn.as_str().into(),
                };
                let r = b.resolve(&a, &who, || place.clone());
                role.policies.push(r);
            }
        }
        Part::Unknown(why) => unknown(b, &mut role, "customer managed policy references", why),
    }
    match &set.inline {
        Part::Known(Some((doc, _))) => {
            let id = b.snap.add_policy(Policy {
                name: Arc::from(INLINE_NAME),
                arn: None,
                kind: PolicyKind::Inline,
                version: None,
                document: doc.clone(),
            });
            role.policies.push(PolicyRef::Resolved(id));
        }
        Part::Known(None) => {}
        Part::Unknown(why) => unknown(b, &mut role, "inline policy", why),
    }
    for (why, place) in &set.unresolved {
        b.warn(
            WarningCode::Unsupported,
            place.clone(),
            format!(
                "{why}; access of {who} through permission set `{}` needs review",
                set.name
            ),
        );
        role.policies.push(PolicyRef::Unresolved {
            name: format!("<unresolved part of permission set {}>", set.name),
            arn: None,
        });
    }
    match &set.boundary {
        Part::Known(Some((Boundary::Managed(arn), place))) => {
            let a = RawAttached {
                name: None,
                arn: arn.as_str().into(),
            };
            role.boundary = Some(b.resolve(&a, &who, || place.clone()));
        }
        Part::Known(Some((Boundary::Customer { name: pname, path }, place))) => {
            let arn = customer_arn(account, pname, path);
            let a = RawAttached {
                name: Some(pname.as_str().into()),
                arn: arn.as_str().into(),
            };
            role.boundary = Some(b.resolve(&a, &who, || place.clone()));
        }
        Part::Known(None) | Part::Unknown(_) => {}
    }
    let trust = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Federated":"arn:aws:iam::{account}:saml-provider/{saml}"}},"Action":["sts:AssumeRoleWithSAML","sts:TagSession"]}}]}}"#
    );
    let base = OriginBase {
        file: set.place.file.clone(),
        policy: Arc::from(format!("trust policy of {name} (Identity Center)")),
        policy_arn: None,
        version: None,
        kind: PolicyKind::Trust,
        pointer: set.place.pointer.clone(),
    };
    let document = parse_policy_document(&trust, &base)?;
    let id = b.snap.add_policy(Policy {
        name: base.policy,
        arn: None,
        kind: PolicyKind::Trust,
        version: None,
        document,
    });
    role.trust = Some(id);
    role.tags_known = true;
    Ok(role)
}

/// Compares the dump's role `i` with what `set` says it should be; each difference is a
/// warning naming both places.
fn cross_check(snap: &Snapshot, i: usize, set: &PermSet, account: &str, out: &mut Vec<Warning>) {
    let Some(role) = snap.principals.get(i) else {
        return;
    };
    let file_of = |r: &PolicyRef| match r {
        PolicyRef::Resolved(id) => snap
            .policy(*id)
            .and_then(|p| p.document.statements.first())
            .map(|s| s.origin.file.clone()),
        PolicyRef::Unresolved { .. } => None,
    };
    let dump = role
        .trust
        .map(PolicyRef::Resolved)
        .iter()
        .chain(role.policies.iter())
        .find_map(file_of)
        .map(|f| format!("`{f}`"))
        .unwrap_or_else(|| "the account dump".to_owned());
    let mut say = |what: String| {
        out.push(Warning {
            code: WarningCode::Inconsistent,
            place: set.place.clone(),
            message: format!(
                "role `{}` in account {account} ({dump}) and permission set `{}` here differ: {what}",
                role.name, set.name
            ),
        });
    };
    let mut attached: BTreeSet<String> = BTreeSet::new();
    let mut inline: Vec<&Statement> = Vec::new();
    for r in &role.policies {
        match r {
            PolicyRef::Resolved(id) => {
                if let Some(p) = snap.policy(*id) {
                    match (p.kind, &p.arn) {
                        (PolicyKind::Inline, _) => inline.extend(p.document.statements.iter()),
                        (_, Some(arn)) => {
                            attached.insert(arn.to_string());
                        }
                        (_, None) => {
                            attached.insert(p.name.to_string());
                        }
                    }
                }
            }
            PolicyRef::Unresolved { name, arn } => {
                attached.insert(arn.clone().unwrap_or_else(|| name.clone()));
            }
        }
    }
    if let (Part::Known(managed), Part::Known(customer)) = (&set.managed, &set.customer) {
        let expected: BTreeSet<String> = managed
            .iter()
            .map(|(a, _)| a.clone())
            .chain(customer.iter().map(|(n, p, _)| customer_arn(account, n, p)))
            .collect();
        let only_dump: Vec<String> = attached
            .difference(&expected)
            .map(|a| format!("`{a}`"))
            .collect();
        let only_set: Vec<String> = expected
            .difference(&attached)
            .map(|a| format!("`{a}`"))
            .collect();
        if !only_dump.is_empty() {
            say(format!(
                "the role has {} attached, which the permission set does not",
                names(&only_dump)
            ));
        }
        if !only_set.is_empty() {
            say(format!(
                "the permission set attaches {}, which the role does not have",
                names(&only_set)
            ));
        }
    }
    if let Part::Known(doc) = &set.inline {
        let have: Vec<Statement> = inline.into_iter().cloned().collect();
        let want: Vec<Statement> = doc
            .as_ref()
            .map(|(d, _)| d.statements.clone())
            .unwrap_or_default();
        if bare(&have) != bare(&want) {
            say(format!(
                "the role's inline policy ({} statements) is not the permission set's inline policy ({} statements)",
                have.len(),
                want.len()
            ));
        }
    }
}
