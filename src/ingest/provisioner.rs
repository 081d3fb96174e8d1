//! A provisioner's target config (YAML, the SEC Provisioner's shape) into groups, roles and
//! policies, as the provisioner would deploy them, so a migration can be checked before
//! anything is deployed.
//!
//! - Names are generated as the provisioner does: `{company_prefix}-{env}-{tenant_id}-group-{key}`
//!   and `...-role-{key}`, the config key's `_` written `-` (`data_scientists` →
//!   `edge-prod-b001-group-data-scientists`); standalone managed policies are
//!   `...-policy-{key}`. ARNs need the account (`client.account_id`, else `--account`).
//! - `managed_policies` name AWS managed policies (by name or ARN, from the embedded
//!   catalog), a standalone policy of the config (by key), or a policy another input of the
//!   side defines; anything else stays unresolved (needs review) with a warning at its line.
//! - `policy_assignments: {service: levelN}` become one inline policy per assignment,
//!   `{service}-level{N}-{level name}`, whose statements come from the level definitions
//!   ([`levels`], data, replaceable with `--levels`). An unknown service or level is an
//!   error: the config is wrong, and the provisioner itself would refuse it.
//! - Service roles trust their service principals; assumable roles trust the account (with
//!   an MFA condition when `require_mfa: true`) and give each group in `assumable_by` an
//!   inline policy allowing `sts:AssumeRole` on them; `mirrors_group` gives a role the
//!   named group's policies too; cross-account roles trust the other accounts with an
//!   `sts:ExternalId` condition. All roles have path `/` (the docs do not say otherwise).
//! - Tier limits (groups and roles per tier) are warnings; users are not managed, so
//!   [`Snapshot::defines_users`] is left as it is.
//! - Every error names the line and column in the config (or in the levels file).

pub(crate) mod levels;
pub(crate) mod tree;

use rustc_hash::FxHashMap;
use std::sync::Arc;

use super::aws_auth_details::{account_of, catalog_policy, managed_kind};
use super::policy_doc::{DocRole, OriginBase, ParsedDoc, attach, parse_raw};
use super::raw::provisioner::{RawAssignment, RawConfig, RawGrants, RawInline};
use super::yaml;
use super::{IngestError, LoadOptions, Resolver, read_source};
use crate::model::{
    ActionClause, Group, GroupAlias, GroupId, Origin, Policy, PolicyDocument, PolicyId, PolicyKind,
    PolicyRef, Principal, PrincipalClause, PrincipalKind, ResourceClause, Snapshot, Statement,
    WarningCode,
};
use levels::{Levels, Values};
use tree::{At, Src};

/// Tier limits: (version, tier name, groups, service roles, assumable roles, cross-account roles).
pub(crate) const TIERS: &[(&str, &str, usize, usize, usize, usize)] = &[
    ("startup-5", "startup", 5, 4, 1, 0),
    ("medium-10", "medium", 10, 5, 6, 1),
    ("enterprise-12", "enterprise", 12, 5, 7, 2),
];

/// Reads one provisioner config and merges what it deploys into `snap`.
pub(crate) fn load(
    file: &Arc<str>,
    bytes: &[u8],
    snap: &mut Snapshot,
    opts: &LoadOptions,
    resolver: Resolver<'_>,
) -> Result<(), IngestError> {
    let root = yaml::parse_tree(file, bytes)?;
    let mut src = Src::new(file, bytes);
    let raw = RawConfig::read(&mut src, &root)?;
    let levels = match &opts.levels {
        Some(path) => {
            let (name, text) = read_source(path)?;
            Levels::load(name, &text)?
        }
        None => Levels::embedded()?,
    };
    let naming = Naming::new(&mut src, &raw, opts)?;
    check_tier(&mut src, &raw);
    let mut b = Builder::new(src, snap, resolver, levels, naming);
    b.build(&raw)?;
    b.finish();
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Names.

/// What names, ARNs and placeholders are made of.
struct Naming {
    /// `{company_prefix}-{env}-{tenant_id}`.
    prefix: String,
    company_prefix: String,
    env: String,
    tenant_id: String,
    account: Option<String>,
    region: Option<String>,
    partition: String,
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "+=,.@_-".contains(c)
}

impl Naming {
    fn new(src: &mut Src<'_>, raw: &RawConfig, opts: &LoadOptions) -> Result<Naming, IngestError> {
        let prefix = &raw.client.company_prefix;
        let ok = prefix.value.starts_with(|c: char| c.is_ascii_lowercase())
            && prefix
                .value
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !ok {
            return Err(src
                .error(&prefix.pointer, false, format!("`company_prefix` `{}` is not lowercase letters, digits and `-`, starting with a letter", prefix.value))
                .with_help("e.g. `company_prefix: edge`"));
        }
        let tenant = &raw.client.tenant_id;
        if tenant.value.len() != 4
            || !tenant
                .value
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        {
            return Err(src
                .error(
                    &tenant.pointer,
                    false,
                    format!(
                        "`tenant_id` `{}` is not 4 lowercase letters or digits",
                        tenant.value
                    ),
                )
                .with_help("e.g. `tenant_id: b001`"));
        }
        let env = &raw.environment.env;
        if env.value.is_empty()
            || !env
                .value
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(src
                .error(
                    &env.pointer,
                    false,
                    format!(
                        "`env` `{}` is not lowercase letters, digits and `-`",
                        env.value
                    ),
                )
                .with_help("e.g. `env: prod` (prod, dev, test, staging)"));
        }
        let mut account = None;
        if let Some(a) = &raw.client.account_id {
            if a.value.len() != 12 || !a.value.chars().all(|c| c.is_ascii_digit()) {
                return Err(src
                    .error(
                        &a.pointer,
                        false,
                        format!("`account_id` `{}` is not 12 digits", a.value),
                    )
                    .with_help(
                        "quote it, so YAML keeps leading zeros: `account_id: \"012345678901\"`",
                    ));
            }
            if let Some(o) = opts.account.as_deref().filter(|o| *o != a.value) {
                src.warn(
                    WarningCode::Unsupported,
                    &a.pointer,
                    false,
                    format!("`--account {o}` differs from the config's `account_id`; the config's `{}` was used", a.value),
                );
            }
            account = Some(a.value.clone());
        }
        let account = account.or_else(|| opts.account.clone());
        let mut region = None;
        if let Some(r) = &raw.environment.region {
            if r.value.is_empty()
                || !r
                    .value
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            {
                return Err(src
                    .error(
                        &r.pointer,
                        false,
                        format!("`region` `{}` is not an AWS region name", r.value),
                    )
                    .with_help("e.g. `region: us-west-1`"));
            }
            if let Some(o) = opts.region.as_deref().filter(|o| *o != r.value) {
                src.warn(
                    WarningCode::Unsupported,
                    &r.pointer,
                    false,
                    format!("`--region {o}` differs from the config's `region`; the config's `{}` was used", r.value),
                );
            }
            region = Some(r.value.clone());
        }
        let region = region.or_else(|| opts.region.clone());
        let partition = match region.as_deref() {
            Some(r) if r.starts_with("cn-") => "aws-cn",
            Some(r) if r.starts_with("us-gov-") => "aws-us-gov",
            _ => "aws",
        }
        .to_owned();
        Ok(Naming {
            prefix: format!("{}-{}-{}", prefix.value, env.value, tenant.value),
            company_prefix: prefix.value.clone(),
            env: env.value.clone(),
            tenant_id: tenant.value.clone(),
            account,
            region,
            partition,
        })
    }

    fn name(&self, kind: &str, key: &str) -> String {
        format!("{}-{kind}-{}", self.prefix, key.replace('_', "-"))
    }

    /// `arn:aws:iam::{account}:{kind}/{name}`, or the same with `{{account_id}}` left in
    /// when the account is not known (the statement using it is then unresolved).
    fn iam_arn(&self, kind: &str, name: &str) -> String {
        format!(
            "arn:{}:iam::{}:{kind}/{name}",
            self.partition,
            self.account.as_deref().unwrap_or("{{account_id}}")
        )
    }

    fn known_arn(&self, kind: &str, name: &str) -> Option<String> {
        self.account.as_ref().map(|_| self.iam_arn(kind, name))
    }

    fn values(&self) -> Values {
        Values {
            values: vec![
                ("prefix", Some(self.prefix.clone())),
                ("company_prefix", Some(self.company_prefix.clone())),
                ("env", Some(self.env.clone())),
                ("tenant_id", Some(self.tenant_id.clone())),
                ("account_id", self.account.clone()),
                ("region", self.region.clone()),
                ("partition", Some(self.partition.clone())),
            ],
        }
    }
}

/// Why a placeholder has no value, naming where it should have come from.
fn missing_message(name: &str, file: &str, at: &str) -> String {
    match name {
        "account_id" => format!(
            "`{{{{account_id}}}}` has no value: `{file}` has no `client.account_id` and no `--account` was given (used at {at})"
        ),
        "region" => format!(
            "`{{{{region}}}}` has no value: `{file}` has no `environment.region` and no `--region` was given (used at {at})"
        ),
        other => format!("`{{{{{other}}}}}` has no value (used at {at})"),
    }
}

// ---------------------------------------------------------------------------------------
// Tiers.

fn check_tier(src: &mut Src<'_>, raw: &RawConfig) {
    let Some(tier) = &raw.tier else { return };
    let known = || {
        TIERS
            .iter()
            .map(|t| format!("`{}`", t.0))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let by_version = tier
        .version
        .as_ref()
        .map(|v| (v, TIERS.iter().find(|t| t.0 == v.value)));
    let by_name = tier
        .name
        .as_ref()
        .map(|n| (n, TIERS.iter().find(|t| t.1 == n.value)));
    let limits = match (by_version, by_name) {
        (Some((v, None)), _) => {
            let message = format!(
                "unknown tier version `{}` (known: {}); tier limits were not checked",
                v.value,
                known()
            );
            src.warn(WarningCode::Unsupported, &v.pointer, false, message);
            return;
        }
        (Some((_, Some(t))), Some((n, _))) if n.value != t.1 => {
            let message = format!(
                "tier name `{}` does not match tier version `{}` (a `{}` tier); the version's limits were used",
                n.value, t.0, t.1
            );
            src.warn(WarningCode::Unsupported, &n.pointer, false, message);
            t
        }
        (Some((_, Some(t))), _) => t,
        (None, Some((n, None))) => {
            let message = format!(
                "unknown tier `{}` (known: startup, medium, enterprise); tier limits were not checked",
                n.value
            );
            src.warn(WarningCode::Unsupported, &n.pointer, false, message);
            return;
        }
        (None, Some((_, Some(t)))) => t,
        (None, None) => return,
    };
    let s = &raw.security;
    let checks = [
        (
            "IAM groups",
            s.iam_groups.value.len(),
            limits.2,
            &s.iam_groups.pointer,
        ),
        (
            "service roles",
            s.service_roles.value.len(),
            limits.3,
            &s.service_roles.pointer,
        ),
        (
            "assumable roles",
            s.assumable_roles.value.len(),
            limits.4,
            &s.assumable_roles.pointer,
        ),
        (
            "cross-account roles",
            s.cross_account_roles.value.len(),
            limits.5,
            &s.cross_account_roles.pointer,
        ),
    ];
    for (what, n, max, pointer) in checks {
        if n > max {
            let message = format!(
                "tier `{}` allows {max} {what} but the config defines {n}; the provisioner would refuse it or \
                 leave some out, so access planned through them may not exist",
                limits.0
            );
            src.warn(WarningCode::TierLimit, pointer, true, message);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Building the snapshot.

struct Builder<'a, 's> {
    src: Src<'a>,
    snap: &'s mut Snapshot,
    resolver: Resolver<'a>,
    levels: Levels,
    naming: Naming,
    /// Managed policies of the snapshot by ARN, and customer managed ones by name.
    by_arn: FxHashMap<String, PolicyId>,
    by_name: FxHashMap<String, PolicyId>,
    /// Standalone policies of this config by key.
    standalone: FxHashMap<String, PolicyId>,
    /// Groups of this config by key.
    groups: Vec<(String, GroupId)>,
    /// Generated names, to refuse two keys that give the same name.
    generated: FxHashMap<String, String>,
}

impl<'a, 's> Builder<'a, 's> {
    fn new(
        src: Src<'a>,
        snap: &'s mut Snapshot,
        resolver: Resolver<'a>,
        levels: Levels,
        naming: Naming,
    ) -> Self {
        let mut by_arn = FxHashMap::default();
        let mut by_name = FxHashMap::default();
        for (i, p) in snap.policies.iter().enumerate() {
            let id = PolicyId(u32::try_from(i).unwrap_or(u32::MAX));
            if matches!(p.kind, PolicyKind::AwsManaged | PolicyKind::CustomerManaged) {
                if let Some(arn) = &p.arn {
                    by_arn.insert(arn.to_string(), id);
                }
                if p.kind == PolicyKind::CustomerManaged {
                    by_name.insert(p.name.to_string(), id);
                }
            }
        }
        Builder {
            src,
            snap,
            resolver,
            levels,
            naming,
            by_arn,
            by_name,
            standalone: FxHashMap::default(),
            groups: Vec::new(),
            generated: FxHashMap::default(),
        }
    }

    fn file(&self) -> Arc<str> {
        self.src.file.clone()
    }

    fn build(&mut self, raw: &RawConfig) -> Result<(), IngestError> {
        let tags: std::collections::BTreeMap<String, String> = raw.tags.iter().cloned().collect();
        let sec = &raw.security;
        for p in &sec.managed_policies {
            let name = self.generated_name("policy", &p.key, 128)?;
            let mut statements = Vec::new();
            for a in &p.policy_assignments {
                let (_, doc) = self.level_document(a, &name, PolicyKind::CustomerManaged)?;
                statements.extend(doc.statements);
            }
            if let Some(d) = &p.document {
                let doc =
                    self.config_document(&d.value, &d.pointer, &name, PolicyKind::CustomerManaged)?;
                statements.extend(doc.statements);
            }
            let arn = self.naming.known_arn("policy", &name);
            let id = self.snap.add_policy(Policy {
                name: Arc::from(name.as_str()),
                arn: arn.as_deref().map(Arc::from),
                kind: PolicyKind::CustomerManaged,
                version: Some(Arc::from("v1")),
                document: PolicyDocument {
                    version: Some("2012-10-17".to_owned()),
                    statements,
                },
            });
            if let Some(arn) = arn {
                self.by_arn.insert(arn, id);
            }
            self.by_name.insert(name, id);
            self.standalone.insert(p.key.value.clone(), id);
        }

        for g in &sec.iam_groups.value {
            let name = self.generated_name("group", &g.key, 128)?;
            let policies = self.grants(&name, &g.grants)?;
            let id = self.add_group(
                Group {
                    name: name.clone(),
                    arn: self.naming.known_arn("group", &name),
                    path: Some("/".to_owned()),
                    policies,
                },
                &g.key.pointer,
            );
            self.groups.push((g.key.value.clone(), id));
            let file = self.file();
            let hyphens = g.key.value.replace('_', "-");
            for alias in [g.key.value.clone(), hyphens] {
                if !self
                    .snap
                    .group_aliases
                    .iter()
                    .any(|a| a.alias == alias && a.group == id)
                {
                    self.snap.group_aliases.push(GroupAlias {
                        alias,
                        group: id,
                        source: file.clone(),
                    });
                }
            }
        }

        for r in &sec.service_roles.value {
            let name = self.generated_name("role", &r.key, 64)?;
            let services: Vec<&str> = r.services.iter().map(|s| s.value.as_str()).collect();
            for s in &r.services {
                if !s.value.contains('.') {
                    return Err(self
                        .src
                        .error(
                            &s.pointer,
                            false,
                            format!("`{}` is not a service principal", s.value),
                        )
                        .with_help("e.g. `service_principal: sagemaker.amazonaws.com`"));
                }
            }
            let trust = serde_json::json!({
                "Version": "2012-10-17",
                "Statement": [{
                    "Effect": "Allow",
                    "Principal": {"Service": services},
                    "Action": "sts:AssumeRole",
                }],
            });
            let policies = self.grants(&name, &r.grants)?;
            self.add_role(&name, &r.key.pointer, &trust, policies, &tags)?;
        }

        for r in &sec.assumable_roles.value {
            let name = self.generated_name("role", &r.key, 64)?;
            let mut policies = Vec::new();
            if let Some(m) = &r.mirrors_group {
                let Some(g) = sec.iam_groups.value.iter().find(|g| g.key.value == m.value) else {
                    return Err(self.unknown_group_key(m, sec));
                };
                policies.extend(self.grants(&name, &g.grants)?);
            }
            policies.extend(self.grants(&name, &r.grants)?);
            let root = self.naming.iam_arn_root();
            let mut statement = serde_json::json!({
                "Effect": "Allow",
                "Principal": {"AWS": root},
                "Action": "sts:AssumeRole",
            });
            if r.require_mfa
                && let Some(o) = statement.as_object_mut()
            {
                o.insert(
                    "Condition".to_owned(),
                    serde_json::json!({"Bool": {"aws:MultiFactorAuthPresent": "true"}}),
                );
            }
            let trust = serde_json::json!({"Version": "2012-10-17", "Statement": [statement]});
            self.add_role(&name, &r.key.pointer, &trust, policies, &tags)?;
            let role_arn = self.naming.iam_arn("role", &name);
            for g in &r.assumable_by {
                // a key of this config, or the IAM name of a group another input defines
                let gid = self
                    .groups
                    .iter()
                    .find(|(k, _)| *k == g.value)
                    .map(|(_, id)| *id)
                    .or_else(|| {
                        self.snap
                            .groups
                            .iter()
                            .position(|x| x.name == g.value)
                            .map(|i| GroupId(u32::try_from(i).unwrap_or(u32::MAX)))
                    });
                let Some(gid) = gid else {
                    // nobody is in a group that does not exist, so no one loses anything
                    // here; but the plan is probably not what its author meant
                    let message = format!(
                        "`assumable_by` names group `{}`, which neither this config nor another input of the side \
                         defines; no group was allowed to assume `{name}` through it",
                        g.value
                    );
                    self.src
                        .warn(WarningCode::UnknownGroup, &g.pointer, false, message);
                    continue;
                };
                let mut statement = serde_json::json!({
                    "Sid": "AssumeRole",
                    "Effect": "Allow",
                    "Action": "sts:AssumeRole",
                    "Resource": role_arn,
                });
                if r.require_mfa
                    && let Some(o) = statement.as_object_mut()
                {
                    o.insert(
                        "Condition".to_owned(),
                        serde_json::json!({"Bool": {"aws:MultiFactorAuthPresent": "true"}}),
                    );
                }
                let json = serde_json::json!({"Version": "2012-10-17", "Statement": [statement]})
                    .to_string();
                let pname = format!("assume-{name}");
                let doc = self.generated_document(
                    &json,
                    DocRole::Identity,
                    &pname,
                    PolicyKind::Inline,
                    &g.pointer,
                )?;
                let id = self.snap.add_policy(Policy {
                    name: Arc::from(pname.as_str()),
                    arn: None,
                    kind: PolicyKind::Inline,
                    version: None,
                    document: doc,
                });
                if let Some(group) = self.snap.groups.get_mut(gid.0 as usize) {
                    group.policies.push(PolicyRef::Resolved(id));
                }
            }
        }

        for r in &sec.cross_account_roles.value {
            let name = self.generated_name("role", &r.key, 64)?;
            let mut roots = Vec::new();
            for a in &r.trusted_accounts {
                if a.value.len() != 12 || !a.value.chars().all(|c| c.is_ascii_digit()) {
                    return Err(self
                        .src
                        .error(
                            &a.pointer,
                            false,
                            format!("`trusted_account_id` `{}` is not 12 digits", a.value),
                        )
                        .with_help("quote it: `trusted_account_id: \"210987654321\"`"));
                }
                roots.push(format!(
                    "arn:{}:iam::{}:root",
                    self.naming.partition, a.value
                ));
            }
            let mut statement = serde_json::json!({
                "Effect": "Allow",
                "Principal": {"AWS": roots},
                "Action": "sts:AssumeRole",
            });
            if let Some(x) = &r.external_id
                && let Some(o) = statement.as_object_mut()
            {
                o.insert(
                    "Condition".to_owned(),
                    serde_json::json!({"StringEquals": {"sts:ExternalId": x.value}}),
                );
            }
            let trust = serde_json::json!({"Version": "2012-10-17", "Statement": [statement]});
            let policies = self.grants(&name, &r.grants)?;
            self.add_role(&name, &r.key.pointer, &trust, policies, &tags)?;
        }
        Ok(())
    }

    fn unknown_group_key(
        &self,
        key: &At<String>,
        sec: &super::raw::provisioner::RawSecurity,
    ) -> IngestError {
        let keys: Vec<String> = sec
            .iam_groups
            .value
            .iter()
            .map(|g| format!("`{}`", g.key.value))
            .collect();
        self.src
            .error(
                &key.pointer,
                false,
                format!("no group `{}` in `security.iam_groups`", key.value),
            )
            .with_help(if keys.is_empty() {
                "the config defines no groups".to_owned()
            } else {
                format!("groups of this config: {}", keys.join(", "))
            })
    }

    /// The generated IAM name for a key, checked: valid characters, IAM's length limit,
    /// and not generated by another key too.
    fn generated_name(
        &mut self,
        kind: &str,
        key: &At<String>,
        max: usize,
    ) -> Result<String, IngestError> {
        if key.value.is_empty() || !key.value.chars().all(is_name_char) {
            return Err(self
                .src
                .error(
                    &key.pointer,
                    true,
                    format!("`{}` cannot be part of an IAM name", key.value),
                )
                .with_help("use letters, digits and `_` (written `-` in the generated name)"));
        }
        let name = self.naming.name(kind, &key.value);
        if name.len() > max {
            return Err(self.src.error(
                &key.pointer,
                true,
                format!(
                    "the generated {kind} name `{name}` is {} characters; IAM allows {max}",
                    name.len()
                ),
            ));
        }
        if let Some(other) = self.generated.insert(name.clone(), key.pointer.clone()) {
            return Err(self.src.error(
                &key.pointer,
                true,
                format!(
                    "`{}` generates the {kind} name `{name}`, as the key at {other} does",
                    key.value
                ),
            ));
        }
        Ok(name)
    }

    /// The policies of a group or role: managed ones, one inline policy per level
    /// assignment, and its inline policies.
    fn grants(&mut self, owner: &str, g: &RawGrants) -> Result<Vec<PolicyRef>, IngestError> {
        let mut out = Vec::new();
        for m in &g.managed_policies {
            out.push(self.managed(m, owner));
        }
        for a in &g.policy_assignments {
            let (name, document) = self.level_document(a, owner, PolicyKind::Inline)?;
            let id = self.snap.add_policy(Policy {
                name: Arc::from(name.as_str()),
                arn: None,
                kind: PolicyKind::Inline,
                version: None,
                document,
            });
            out.push(PolicyRef::Resolved(id));
        }
        for RawInline { name, document } in &g.inline_policies {
            let doc =
                self.config_document(document, &name.pointer, &name.value, PolicyKind::Inline)?;
            let id = self.snap.add_policy(Policy {
                name: Arc::from(name.value.as_str()),
                arn: None,
                kind: PolicyKind::Inline,
                version: None,
                document: doc,
            });
            out.push(PolicyRef::Resolved(id));
        }
        Ok(out)
    }

    /// The statements a level assignment grants, named `{service}-level{N}-{level}`.
    fn level_document(
        &mut self,
        a: &RawAssignment,
        policy: &str,
        kind: PolicyKind,
    ) -> Result<(String, PolicyDocument), IngestError> {
        let Some(service) = self.levels.service(&a.service.value) else {
            let near = tree::closest(&a.service.value, self.levels.names());
            let known = format!(
                "services in `{}`: {}",
                self.levels.file,
                self.levels.known()
            );
            return Err(self
                .src
                .error(
                    &a.service.pointer,
                    true,
                    format!(
                        "unknown service `{}` in `policy_assignments`",
                        a.service.value
                    ),
                )
                .with_help(match near {
                    Some(n) => format!("did you mean `{n}`? {known}"),
                    None => known,
                }));
        };
        let (n, level) = service
            .level(&a.level.value)
            .map_err(|m| self.src.error(&a.level.pointer, false, m))?;
        let name = format!("{}-level{n}-{}", service.key, level.name);
        let (doc, missing) = self.levels.document(level, &self.naming.values())?;
        let policy_name = if kind == PolicyKind::Inline {
            name.clone()
        } else {
            policy.to_owned()
        };
        let document = self.finish_document(&doc, &policy_name, kind, &a.service.pointer, &missing);
        Ok((name, document))
    }

    /// A policy document written in the config (`inline_policies`, a standalone policy's
    /// `document`); errors are placed in the config.
    fn config_document(
        &self,
        node: &yaml::Node,
        pointer: &str,
        policy: &str,
        kind: PolicyKind,
    ) -> Result<PolicyDocument, IngestError> {
        let parsed = parse_raw(&node.to_json(), DocRole::Identity).map_err(|e| {
            let err = self
                .src
                .error(&format!("{pointer}{}", e.pointer), false, e.message);
            match e.help {
                Some(h) => err.with_help(h),
                None => err,
            }
        })?;
        let base = OriginBase {
            file: self.file(),
            policy: Arc::from(policy),
            policy_arn: None,
            version: None,
            kind,
            pointer: Some(pointer.to_owned()),
        };
        Ok(attach(&parsed, &base))
    }

    /// A document iamdiff wrote (trust policies, assume-role grants): an error in it
    /// would be iamdiff's, but is still reported at the config entry it came from.
    fn generated_document(
        &self,
        json: &str,
        role: DocRole,
        policy: &str,
        kind: PolicyKind,
        pointer: &str,
    ) -> Result<PolicyDocument, IngestError> {
        let parsed = parse_raw(json, role).map_err(|e| {
            self.src.error(
                pointer,
                false,
                format!("the policy made from this entry is invalid: {}", e.message),
            )
        })?;
        let missing: Vec<String> =
            if self.naming.account.is_none() && json.contains("{{account_id}}") {
                vec!["account_id".to_owned()]
            } else {
                Vec::new()
            };
        Ok(self.finish_document(&parsed, policy, kind, pointer, &missing))
    }

    /// Stamps provenance (this config, at `pointer`) and marks the statements that use a
    /// placeholder without a value as unresolved.
    fn finish_document(
        &self,
        doc: &ParsedDoc,
        policy: &str,
        kind: PolicyKind,
        pointer: &str,
        missing: &[String],
    ) -> PolicyDocument {
        let base = OriginBase {
            file: self.file(),
            policy: Arc::from(policy),
            policy_arn: None,
            version: None,
            kind,
            pointer: Some(pointer.to_owned()),
        };
        let mut document = attach(doc, &base);
        let place = self.src.place(pointer, false);
        let at = match (place.line, place.column) {
            (Some(l), Some(c)) => format!("{}:{l}:{c}", place.file),
            _ => place.to_string(),
        };
        for s in &mut document.statements {
            // the statement was generated from this entry: point at it, not inside it
            let origin = Origin {
                pointer: Some(pointer.to_owned()),
                ..(*s.origin).clone()
            };
            s.origin = Arc::new(origin);
            for m in missing {
                let placeholder = format!("{{{{{m}}}}}");
                if mentions(s, &placeholder) {
                    s.unresolved.push(missing_message(m, self.src.file, &at));
                }
            }
        }
        document
    }

    /// A managed policy named in the config.
    fn managed(&mut self, m: &At<String>, owner: &str) -> PolicyRef {
        let v = m.value.trim();
        if let Some(&id) = self.standalone.get(v) {
            return PolicyRef::Resolved(id);
        }
        if let Some(&id) = self.by_arn.get(v).or_else(|| self.by_name.get(v)) {
            return PolicyRef::Resolved(id);
        }
        let is_arn = v.starts_with("arn:");
        if is_arn && managed_kind(v) == PolicyKind::CustomerManaged {
            let message = format!(
                "managed policy `{v}` (attached to `{owner}`) is in none of this side's inputs; access through it needs review"
            );
            self.src
                .warn(WarningCode::UnresolvedPolicy, &m.pointer, false, message);
            let name = v.rsplit('/').next().unwrap_or(v).to_owned();
            return PolicyRef::Unresolved {
                name,
                arn: Some(v.to_owned()),
            };
        }
        let candidates = if is_arn {
            vec![v.to_owned()]
        } else {
            vec![format!("arn:aws:iam::aws:policy/{v}"), v.to_owned()]
        };
        let found = candidates.iter().find_map(|c| (self.resolver)(c));
        if let Some(mp) = found {
            let arn = mp
                .arn
                .replacen("arn:aws:", &format!("arn:{}:", self.naming.partition), 1);
            if let Some(&id) = self.by_arn.get(&arn) {
                return PolicyRef::Resolved(id);
            }
            match catalog_policy(&mp) {
                Ok(mut policy) => {
                    policy.arn = Some(Arc::from(arn.as_str()));
                    let id = self.snap.add_policy(policy);
                    self.by_arn.insert(arn, id);
                    return PolicyRef::Resolved(id);
                }
                Err(e) => {
                    let message = format!(
                        "managed policy `{v}` from the embedded catalog could not be read: {e}"
                    );
                    self.src
                        .warn(WarningCode::Unsupported, &m.pointer, false, message);
                }
            }
        } else {
            let message = format!(
                "managed policy `{v}` (attached to `{owner}`) is neither an AWS managed policy of the embedded catalog, \
                 a standalone policy of this config, nor in this side's other inputs; access through it needs review"
            );
            self.src
                .warn(WarningCode::UnresolvedPolicy, &m.pointer, false, message);
        }
        let name = v.rsplit('/').next().unwrap_or(v).to_owned();
        PolicyRef::Unresolved {
            name,
            arn: is_arn.then(|| v.to_owned()),
        }
    }

    fn add_group(&mut self, group: Group, pointer: &str) -> GroupId {
        let account = group.arn.as_deref().and_then(account_of);
        let existing = self.snap.groups.iter().position(|g| {
            g.name == group.name
                && (g.arn.is_none() || g.arn.as_deref().and_then(account_of) == account)
        });
        if let Some(i) = existing
            && let Some(slot) = self.snap.groups.get_mut(i)
        {
            let placeholder = slot.arn.is_none() && slot.path.is_none() && slot.policies.is_empty();
            let name = group.name.clone();
            *slot = group;
            if !placeholder {
                let message = format!(
                    "group `{name}` was already read from another input; this config's was kept"
                );
                self.src
                    .warn(WarningCode::Duplicate, pointer, true, message);
            }
            return GroupId(u32::try_from(i).unwrap_or(u32::MAX));
        }
        self.snap.add_group(group)
    }

    fn add_role(
        &mut self,
        name: &str,
        pointer: &str,
        trust: &serde_json::Value,
        policies: Vec<PolicyRef>,
        tags: &std::collections::BTreeMap<String, String>,
    ) -> Result<(), IngestError> {
        let doc = self.generated_document(
            &trust.to_string(),
            DocRole::Trust,
            name,
            PolicyKind::Trust,
            pointer,
        )?;
        let trust_id = self.snap.add_policy(Policy {
            name: Arc::from(name),
            arn: None,
            kind: PolicyKind::Trust,
            version: None,
            document: doc,
        });
        let mut role = Principal::new(PrincipalKind::Role, name);
        role.arn = self.naming.known_arn("role", name);
        role.account = self.naming.account.clone();
        role.path = Some("/".to_owned());
        role.policies = policies;
        role.trust = Some(trust_id);
        role.tags = tags.clone();
        let existing = self.snap.principals.iter().position(|p| {
            p.kind == PrincipalKind::Role
                && p.name == role.name
                && (p.account.is_none() || role.account.is_none() || p.account == role.account)
        });
        match existing.and_then(|i| self.snap.principals.get_mut(i)) {
            Some(slot) => {
                *slot = role;
                let message = format!(
                    "role `{name}` was already read from another input; this config's was kept"
                );
                self.src
                    .warn(WarningCode::Duplicate, pointer, true, message);
            }
            None => self.snap.principals.push(role),
        }
        Ok(())
    }

    fn finish(self) {
        let Builder { src, snap, .. } = self;
        snap.warnings.extend(src.warnings);
    }
}

impl Naming {
    fn iam_arn_root(&self) -> String {
        format!(
            "arn:{}:iam::{}:root",
            self.partition,
            self.account.as_deref().unwrap_or("{{account_id}}")
        )
    }
}

/// Whether any pattern, principal or condition of a statement contains `text`.
fn mentions(s: &Statement, text: &str) -> bool {
    let actions = match &s.action {
        ActionClause::Action(v) | ActionClause::NotAction(v) => v,
    };
    let resources: &[String] = match &s.resource {
        ResourceClause::Resource(v) | ResourceClause::NotResource(v) => v,
        ResourceClause::Absent => &[],
    };
    let principals: &[(String, String)] = match &s.principal {
        Some(PrincipalClause::Principal(v) | PrincipalClause::NotPrincipal(v)) => v,
        None => &[],
    };
    actions.iter().chain(resources).any(|x| x.contains(text))
        || principals.iter().any(|(_, v)| v.contains(text))
        || s.condition
            .iter()
            .any(|c| c.key.contains(text) || c.values.iter().any(|v| v.contains(text)))
}

#[cfg(test)]
mod tests;
