//! The provisioner config (SEC Provisioner shape) as written, read from the YAML tree:
//! every value keeps its JSON pointer so later checks (an unknown level, an unknown
//! policy, a tier limit) can name the line. Shapes only; names, levels and policies are
//! interpreted by [`crate::ingest::provisioner`].
//!
//! Keys iamdiff does not know are errors with the closest known key: an ignored typo
//! (`policy_assignment:`) would silently change the access the config grants (issue 7).
//! Sections iamdiff does not interpret (`deployment`, `ssm_parameters`, ...) are known
//! keys and are skipped; the published JSON Schema is as strict.

use super::super::IngestError;
use super::super::provisioner::tree::{At, Src, child, get};
use super::super::yaml::Node;

pub(crate) const TOP_KEYS: &[&str] = &[
    "client",
    "environment",
    "tier",
    "tags",
    "security",
    "deployment",
];
pub(crate) const CLIENT_KEYS: &[&str] =
    &["company_name", "company_prefix", "account_id", "tenant_id"];
pub(crate) const ENV_KEYS: &[&str] = &["env", "region"];
pub(crate) const TIER_KEYS: &[&str] = &["name", "version"];
pub(crate) const SECURITY_KEYS: &[&str] = &[
    "iam_groups",
    "service_roles",
    "assumable_roles",
    "cross_account_roles",
    "managed_policies",
    "ssm_parameters",
    "security_model",
];
pub(crate) const GROUP_KEYS: &[&str] = &[
    "description",
    "managed_policies",
    "policy_assignments",
    "inline_policies",
];
pub(crate) const SERVICE_ROLE_KEYS: &[&str] = &[
    "description",
    "managed_policies",
    "policy_assignments",
    "inline_policies",
    "service_principal",
];
pub(crate) const ASSUMABLE_ROLE_KEYS: &[&str] = &[
    "description",
    "managed_policies",
    "policy_assignments",
    "inline_policies",
    "mirrors_group",
    "assumable_by",
    "require_mfa",
];
pub(crate) const CROSS_ACCOUNT_ROLE_KEYS: &[&str] = &[
    "description",
    "managed_policies",
    "policy_assignments",
    "inline_policies",
    "trusted_account_id",
    "external_id",
];
pub(crate) const STANDALONE_POLICY_KEYS: &[&str] =
    &["description", "policy_assignments", "document"];

pub(crate) struct RawConfig {
    pub client: RawClient,
    pub environment: RawEnvironment,
    pub tier: Option<RawTier>,
    pub tags: Vec<(String, String)>,
    pub security: RawSecurity,
}

pub(crate) struct RawClient {
    pub company_prefix: At<String>,
    pub account_id: Option<At<String>>,
    pub tenant_id: At<String>,
}

pub(crate) struct RawEnvironment {
    pub env: At<String>,
    pub region: Option<At<String>>,
}

pub(crate) struct RawTier {
    pub name: Option<At<String>>,
    pub version: Option<At<String>>,
}

/// Each section with the pointer of the section itself (for tier-limit warnings).
#[derive(Default)]
pub(crate) struct RawSecurity {
    pub iam_groups: At<Vec<RawGroup>>,
    pub service_roles: At<Vec<RawServiceRole>>,
    pub assumable_roles: At<Vec<RawAssumableRole>>,
    pub cross_account_roles: At<Vec<RawCrossAccountRole>>,
    pub managed_policies: Vec<RawStandalonePolicy>,
}

impl<T> Default for At<Vec<T>> {
    fn default() -> Self {
        At::new(Vec::new(), "")
    }
}

/// What a group or role is given: managed policies, service levels, inline policies.
#[derive(Default)]
pub(crate) struct RawGrants {
    pub managed_policies: Vec<At<String>>,
    pub policy_assignments: Vec<RawAssignment>,
    pub inline_policies: Vec<RawInline>,
}

/// `service: levelN`; the service's pointer is the entry's (its key is the service).
pub(crate) struct RawAssignment {
    pub service: At<String>,
    pub level: At<String>,
}

/// `inline_policies: {name: document}`.
pub(crate) struct RawInline {
    pub name: At<String>,
    pub document: Node,
}

/// A group or role key of the config (`data_scientists`), at its entry.
pub(crate) struct RawGroup {
    pub key: At<String>,
    pub grants: RawGrants,
}

pub(crate) struct RawServiceRole {
    pub key: At<String>,
    pub services: Vec<At<String>>,
    pub grants: RawGrants,
}

pub(crate) struct RawAssumableRole {
    pub key: At<String>,
    pub mirrors_group: Option<At<String>>,
    pub assumable_by: Vec<At<String>>,
    pub require_mfa: bool,
    pub grants: RawGrants,
}

pub(crate) struct RawCrossAccountRole {
    pub key: At<String>,
    pub trusted_accounts: Vec<At<String>>,
    pub external_id: Option<At<String>>,
    pub grants: RawGrants,
}

pub(crate) struct RawStandalonePolicy {
    pub key: At<String>,
    pub policy_assignments: Vec<RawAssignment>,
    pub document: Option<At<Node>>,
}

impl RawConfig {
    /// Reads the config's shape from its tree; an unknown key is an error at its line.
    pub fn read(src: &mut Src<'_>, root: &Node) -> Result<RawConfig, IngestError> {
        let top = match root {
            Node::Map(entries) => entries.as_slice(),
            other => {
                return Err(src.error(
                    "",
                    false,
                    format!(
                        "a provisioner config must be a mapping with `client`, `environment` and \
                         `security`, not {}",
                        other.kind()
                    ),
                ));
            }
        };
        src.unknown_keys(top, "", TOP_KEYS, "a provisioner config")?;
        let client = read_client(src, top)?;
        let environment = read_environment(src, top)?;
        let tier = match get(top, "tier") {
            None | Some(Node::Null) => None,
            Some(n) => {
                let entries = src.map(n, "/tier", "`tier`")?;
                src.unknown_keys(entries, "/tier", TIER_KEYS, "`tier`")?;
                Some(RawTier {
                    name: opt_text(src, entries, "/tier", "name")?,
                    version: opt_text(src, entries, "/tier", "version")?,
                })
            }
        };
        let mut tags = Vec::new();
        if let Some(n) = get(top, "tags") {
            for (k, v) in src.map(n, "/tags", "`tags`")? {
                let value = src.text(v, &child("/tags", k), "a tag value")?;
                tags.push((k.clone(), value.value));
            }
        }
        let security = match get(top, "security") {
            None => RawSecurity::default(),
            Some(n) => read_security(src, n)?,
        };
        Ok(RawConfig {
            client,
            environment,
            tier,
            tags,
            security,
        })
    }
}

fn required<'n>(
    src: &Src<'_>,
    entries: &'n [(String, Node)],
    pointer: &str,
    key: &str,
    example: &str,
) -> Result<&'n Node, IngestError> {
    match get(entries, key) {
        Some(n) if *n != Node::Null => Ok(n),
        _ => Err(src
            .error(pointer, false, format!("missing `{key}`"))
            .with_help(format!("e.g. `{key}: {example}`"))),
    }
}

fn opt_text(
    src: &Src<'_>,
    entries: &[(String, Node)],
    pointer: &str,
    key: &str,
) -> Result<Option<At<String>>, IngestError> {
    match get(entries, key) {
        None | Some(Node::Null) => Ok(None),
        Some(n) => src
            .text(n, &child(pointer, key), &format!("`{key}`"))
            .map(Some),
    }
}

fn read_client(src: &mut Src<'_>, top: &[(String, Node)]) -> Result<RawClient, IngestError> {
    let node = required(
        src,
        top,
        "",
        "client",
        "{company_prefix: edge, account_id: \"123456789012\", tenant_id: b001}",
    )?;
    let entries = src.map(node, "/client", "`client`")?;
    src.unknown_keys(entries, "/client", CLIENT_KEYS, "`client`")?;
    let prefix = required(src, entries, "/client", "company_prefix", "edge")?;
    let tenant = required(src, entries, "/client", "tenant_id", "b001")?;
    Ok(RawClient {
        company_prefix: src.text(prefix, "/client/company_prefix", "`company_prefix`")?,
        account_id: opt_text(src, entries, "/client", "account_id")?,
        tenant_id: src.text(tenant, "/client/tenant_id", "`tenant_id`")?,
    })
}

fn read_environment(
    src: &mut Src<'_>,
    top: &[(String, Node)],
) -> Result<RawEnvironment, IngestError> {
    let node = required(
        src,
        top,
        "",
        "environment",
        "{env: prod, region: us-west-1}",
    )?;
    let entries = src.map(node, "/environment", "`environment`")?;
    src.unknown_keys(entries, "/environment", ENV_KEYS, "`environment`")?;
    let env = required(src, entries, "/environment", "env", "prod")?;
    Ok(RawEnvironment {
        env: src.text(env, "/environment/env", "`env`")?,
        region: opt_text(src, entries, "/environment", "region")?,
    })
}

fn read_security(src: &mut Src<'_>, node: &Node) -> Result<RawSecurity, IngestError> {
    let entries = src.map(node, "/security", "`security`")?;
    src.unknown_keys(entries, "/security", SECURITY_KEYS, "`security`")?;
    let mut out = RawSecurity::default();
    if let Some(n) = get(entries, "iam_groups") {
        let p = "/security/iam_groups";
        out.iam_groups.pointer = p.to_owned();
        for (key, ptr, e) in section(src, n, p, "`iam_groups`")? {
            src.unknown_keys(e, &ptr, GROUP_KEYS, "an IAM group")?;
            out.iam_groups.value.push(RawGroup {
                grants: read_grants(src, e, &ptr)?,
                key: At::new(key, ptr),
            });
        }
    }
    if let Some(n) = get(entries, "service_roles") {
        let p = "/security/service_roles";
        out.service_roles.pointer = p.to_owned();
        for (key, ptr, e) in section(src, n, p, "`service_roles`")? {
            src.unknown_keys(e, &ptr, SERVICE_ROLE_KEYS, "a service role")?;
            let principal = required(src, e, &ptr, "service_principal", "sagemaker.amazonaws.com")?;
            out.service_roles.value.push(RawServiceRole {
                services: src.texts(
                    principal,
                    &child(&ptr, "service_principal"),
                    "`service_principal`",
                )?,
                grants: read_grants(src, e, &ptr)?,
                key: At::new(key, ptr),
            });
        }
    }
    if let Some(n) = get(entries, "assumable_roles") {
        let p = "/security/assumable_roles";
        out.assumable_roles.pointer = p.to_owned();
        for (key, ptr, e) in section(src, n, p, "`assumable_roles`")? {
            src.unknown_keys(e, &ptr, ASSUMABLE_ROLE_KEYS, "an assumable role")?;
            let assumable_by = match get(e, "assumable_by") {
                None => Vec::new(),
                Some(n) => src.texts(n, &child(&ptr, "assumable_by"), "a group key")?,
            };
            let require_mfa = match get(e, "require_mfa") {
                None | Some(Node::Null) => false,
                Some(n) => src.boolean(n, &child(&ptr, "require_mfa"), "`require_mfa`")?,
            };
            out.assumable_roles.value.push(RawAssumableRole {
                mirrors_group: opt_text(src, e, &ptr, "mirrors_group")?,
                assumable_by,
                require_mfa,
                grants: read_grants(src, e, &ptr)?,
                key: At::new(key, ptr),
            });
        }
    }
    if let Some(n) = get(entries, "cross_account_roles") {
        let p = "/security/cross_account_roles";
        out.cross_account_roles.pointer = p.to_owned();
        for (key, ptr, e) in section(src, n, p, "`cross_account_roles`")? {
            src.unknown_keys(e, &ptr, CROSS_ACCOUNT_ROLE_KEYS, "a cross-account role")?;
            let trusted = required(src, e, &ptr, "trusted_account_id", "\"210987654321\"")?;
            out.cross_account_roles.value.push(RawCrossAccountRole {
                trusted_accounts: src.texts(
                    trusted,
                    &child(&ptr, "trusted_account_id"),
                    "`trusted_account_id`",
                )?,
                external_id: opt_text(src, e, &ptr, "external_id")?,
                grants: read_grants(src, e, &ptr)?,
                key: At::new(key, ptr),
            });
        }
    }
    if let Some(n) = get(entries, "managed_policies") {
        let p = "/security/managed_policies";
        for (key, ptr, e) in section(src, n, p, "`managed_policies`")? {
            src.unknown_keys(
                e,
                &ptr,
                STANDALONE_POLICY_KEYS,
                "a standalone managed policy",
            )?;
            let document = get(e, "document")
                .filter(|d| **d != Node::Null)
                .map(|d| At::new(d.clone(), child(&ptr, "document")));
            let policy_assignments = read_assignments(src, e, &ptr)?;
            if document.is_none() && policy_assignments.is_empty() {
                return Err(src
                    .error(&ptr, true, format!("managed policy `{key}` grants nothing"))
                    .with_help("give it `policy_assignments` (service: levelN) or a `document`"));
            }
            out.managed_policies.push(RawStandalonePolicy {
                key: At::new(key, ptr),
                policy_assignments,
                document,
            });
        }
    }
    Ok(out)
}

/// One entry of a section: its key, its pointer, and its own entries.
type SectionEntry<'n> = (String, String, &'n [(String, Node)]);

/// The entries of a section (`key: {...}`), each a mapping (null counts as empty).
fn section<'n>(
    src: &Src<'_>,
    node: &'n Node,
    pointer: &str,
    what: &str,
) -> Result<Vec<SectionEntry<'n>>, IngestError> {
    let mut out = Vec::new();
    for (k, v) in src.map(node, pointer, what)? {
        let ptr = child(pointer, k);
        let entries = src.map(v, &ptr, &format!("`{k}`"))?;
        out.push((k.clone(), ptr, entries));
    }
    Ok(out)
}

fn read_assignments(
    src: &Src<'_>,
    entries: &[(String, Node)],
    pointer: &str,
) -> Result<Vec<RawAssignment>, IngestError> {
    let mut out = Vec::new();
    if let Some(n) = get(entries, "policy_assignments") {
        let p = child(pointer, "policy_assignments");
        for (service, level) in src.map(n, &p, "`policy_assignments`")? {
            let ptr = child(&p, service);
            out.push(RawAssignment {
                level: src.text(level, &ptr, "a level (e.g. `level2`)")?,
                service: At::new(service.clone(), ptr),
            });
        }
    }
    Ok(out)
}

fn read_grants(
    src: &Src<'_>,
    entries: &[(String, Node)],
    pointer: &str,
) -> Result<RawGrants, IngestError> {
    let managed_policies = match get(entries, "managed_policies") {
        None => Vec::new(),
        Some(n) => src.texts(
            n,
            &child(pointer, "managed_policies"),
            "a managed policy name or ARN",
        )?,
    };
    let mut inline_policies = Vec::new();
    if let Some(n) = get(entries, "inline_policies") {
        let p = child(pointer, "inline_policies");
        for (name, doc) in src.map(n, &p, "`inline_policies`")? {
            inline_policies.push(RawInline {
                name: At::new(name.clone(), child(&p, name)),
                document: doc.clone(),
            });
        }
    }
    Ok(RawGrants {
        managed_policies,
        policy_assignments: read_assignments(src, entries, pointer)?,
        inline_policies,
    })
}
