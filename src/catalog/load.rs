//! Decoding of the embedded catalog data (`data/*.json.deflate`, written by
//! `scripts/catalog/generate.py`; the layout is in `data/SOURCE.md`).
//!
//! Two blobs, decoded separately: the actions part on first use of [`catalog`], the managed
//! policies only when something asks for them, so commands that need actions alone never
//! pay for inflating policy documents. Decoding never panics: a part that fails to decode
//! is empty and the reason is kept for [`Catalog::load_error`]. Sorting and ranges are
//! checked on load, because every lookup's binary search relies on them.

use std::fmt;
use std::ops::Range;
use std::sync::{LazyLock, OnceLock};

use serde::Deserialize;

use super::{
    AccessLevel, Action, ActionId, ActionResource, Catalog, CatalogMeta, ConditionKey,
    ManagedPolicy, ResourceType, Service,
};

const ACTIONS_BLOB: &[u8] = include_bytes!("data/actions.json.deflate");
const POLICIES_BLOB: &[u8] = include_bytes!("data/managed-policies.json.deflate");

/// The only layout this code reads; the generator writes it into both blobs.
const FORMAT: u32 = 1;
/// Inflated sizes are a few MB; the cap only stops a corrupt stream from eating memory.
const INFLATE_LIMIT: usize = 64 << 20;

static CATALOG: LazyLock<Catalog> = LazyLock::new(Catalog::decode_embedded);

/// The embedded catalog, decoded on first use.
pub fn catalog() -> &'static Catalog {
    &CATALOG
}

impl Catalog {
    /// Decodes a fresh copy of the embedded catalog (the actions part now, the managed
    /// policies on first use). [`catalog`] does this once and keeps the result; this is for
    /// benchmarks and tests.
    pub fn decode_embedded() -> Catalog {
        decode(ACTIONS_BLOB, POLICIES_BLOB)
    }
}

fn decode(actions_blob: &'static [u8], policies_blob: &'static [u8]) -> Catalog {
    let policies = ManagedPolicies::lazy(policies_blob);
    match decode_actions(actions_blob) {
        Ok((meta, services, actions, lower_names)) => Catalog {
            meta,
            services,
            actions,
            lower_names,
            policies,
            error: None,
            roles: Vec::new(),
        },
        Err(e) => Catalog {
            meta: CatalogMeta {
                actions_source: String::new(),
                actions_version: String::new(),
                policies_source: String::new(),
                policies_version: String::new(),
                generated: String::new(),
            },
            services: Vec::new(),
            actions: Vec::new(),
            lower_names: Vec::new(),
            policies,
            error: Some(format!("embedded action catalog: {e}")),
            roles: Vec::new(),
        },
    }
}

/// Managed policies, decoded from their blob on first access (or given decoded).
pub(crate) struct ManagedPolicies {
    blob: &'static [u8],
    decoded: OnceLock<(Vec<ManagedPolicy>, Option<String>)>,
}

impl ManagedPolicies {
    fn lazy(blob: &'static [u8]) -> Self {
        ManagedPolicies {
            blob,
            decoded: OnceLock::new(),
        }
    }

    fn decoded(&self) -> &(Vec<ManagedPolicy>, Option<String>) {
        self.decoded
            .get_or_init(|| match decode_policies(self.blob) {
                Ok(policies) => (policies, None),
                Err(e) => (Vec::new(), Some(format!("embedded managed policies: {e}"))),
            })
    }

    /// Sorted by name.
    pub(crate) fn get(&self) -> &[ManagedPolicy] {
        &self.decoded().0
    }

    pub(crate) fn error(&self) -> Option<&str> {
        self.decoded().1.as_deref()
    }
}

/// Already decoded policies (a catalog built in tests); they must be sorted by name.
impl From<Vec<ManagedPolicy>> for ManagedPolicies {
    fn from(policies: Vec<ManagedPolicy>) -> Self {
        ManagedPolicies {
            blob: &[],
            decoded: OnceLock::from((policies, None)),
        }
    }
}

impl fmt::Debug for ManagedPolicies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.decoded.get() {
            Some((policies, _)) => write!(f, "ManagedPolicies({} decoded)", policies.len()),
            None => write!(
                f,
                "ManagedPolicies({} bytes not yet decoded)",
                self.blob.len()
            ),
        }
    }
}

fn inflate(blob: &[u8]) -> Result<Vec<u8>, String> {
    miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(blob, INFLATE_LIMIT)
        .map_err(|e| format!("cannot inflate: {e}"))
}

fn check_format(format: u32) -> Result<(), String> {
    if format == FORMAT {
        Ok(())
    } else {
        Err(format!("format `{format}` is not the expected `{FORMAT}`"))
    }
}

#[derive(Deserialize)]
struct RawActions {
    format: u32,
    meta: RawMeta,
    levels: Vec<String>,
    services: Vec<RawService>,
    actions: Vec<RawAction>,
}

#[derive(Deserialize)]
struct RawMeta {
    actions_source: String,
    actions_version: String,
    policies_source: String,
    policies_version: String,
    generated: String,
}

/// `[prefix, name, first_action, end_action, resource_types, condition_keys]`.
#[derive(Deserialize)]
struct RawService(
    String,
    String,
    ActionId,
    ActionId,
    Vec<RawResourceType>,
    Vec<(String, String)>,
);

/// `[name, arn, condition_keys]`.
#[derive(Deserialize)]
struct RawResourceType(String, String, Vec<String>);

/// `[name, level index, [[resource type, required 0|1]...], condition_keys]`.
#[derive(Deserialize)]
struct RawAction(String, usize, Vec<(String, u8)>, Vec<String>);

type ActionsPart = (CatalogMeta, Vec<Service>, Vec<Action>, Vec<String>);

fn decode_actions(blob: &[u8]) -> Result<ActionsPart, String> {
    let raw: RawActions =
        serde_json::from_slice(&inflate(blob)?).map_err(|e| format!("cannot parse: {e}"))?;
    check_format(raw.format)?;
    let levels = raw
        .levels
        .iter()
        .map(|l| level_named(l).ok_or_else(|| format!("unknown access level `{l}`")))
        .collect::<Result<Vec<_>, _>>()?;

    // Which service owns each action, from the services' ranges.
    let mut owner: Vec<Option<usize>> = vec![None; raw.actions.len()];
    for (s, svc) in raw.services.iter().enumerate() {
        for id in svc.2..svc.3 {
            match owner.get_mut(id as usize) {
                Some(slot @ None) => *slot = Some(s),
                Some(Some(_)) => return Err(format!("action {id} is in two services' ranges")),
                None => return Err(format!("service `{}` has a range past the end", svc.0)),
            }
        }
    }

    let mut actions = Vec::with_capacity(raw.actions.len());
    for (id, (a, s)) in raw.actions.into_iter().zip(owner).enumerate() {
        let service = s
            .and_then(|s| raw.services.get(s))
            .ok_or_else(|| format!("action {id} `{}` is in no service's range", a.0))?;
        let level = *levels
            .get(a.1)
            .ok_or_else(|| format!("action `{}:{}` has no level {}", service.0, a.0, a.1))?;
        actions.push(Action {
            service: service.0.clone(),
            name: a.0,
            level,
            resource_types: a
                .2
                .into_iter()
                .map(|(name, required)| ActionResource {
                    name,
                    required: required != 0,
                })
                .collect(),
            condition_keys: a.3,
        });
    }

    let services = raw
        .services
        .into_iter()
        .map(|s| Service {
            prefix: s.0,
            name: s.1,
            actions: s.2..s.3,
            resource_types: s
                .4
                .into_iter()
                .map(|r| ResourceType {
                    name: r.0,
                    arn: r.1,
                    condition_keys: r.2,
                })
                .collect(),
            condition_keys: s
                .5
                .into_iter()
                .map(|(name, value_type)| ConditionKey { name, value_type })
                .collect(),
        })
        .collect::<Vec<_>>();
    let lower_names = index(&services, &actions)?;
    let meta = CatalogMeta {
        actions_source: raw.meta.actions_source,
        actions_version: raw.meta.actions_version,
        policies_source: raw.meta.policies_source,
        policies_version: raw.meta.policies_version,
        generated: raw.meta.generated,
    };
    Ok((meta, services, actions, lower_names))
}

fn level_named(name: &str) -> Option<AccessLevel> {
    [
        AccessLevel::List,
        AccessLevel::Read,
        AccessLevel::Tagging,
        AccessLevel::Write,
        AccessLevel::PermissionsManagement,
    ]
    .into_iter()
    .find(|l| l.as_str() == name)
}

/// Checks what the lookups rely on and returns the lowercase names: services strictly
/// sorted by lowercase prefix, actions strictly sorted by lowercase `service:action`, and
/// each service's range holding exactly its own actions.
pub(crate) fn index(services: &[Service], actions: &[Action]) -> Result<Vec<String>, String> {
    for pair in services.windows(2) {
        if let [a, b] = pair
            && a.prefix >= b.prefix
        {
            return Err(format!(
                "services `{}` and `{}` are out of order",
                a.prefix, b.prefix
            ));
        }
    }
    let mut covered = 0usize;
    for s in services {
        if s.prefix != s.prefix.to_ascii_lowercase() {
            return Err(format!("service prefix `{}` is not lowercase", s.prefix));
        }
        let Range { start, end } = s.actions.clone();
        let own = actions
            .get(start as usize..end as usize)
            .ok_or_else(|| format!("service `{}` has a bad range", s.prefix))?;
        if let Some(a) = own.iter().find(|a| a.service != s.prefix) {
            return Err(format!(
                "action `{}` is in the range of `{}`",
                a.full_name(),
                s.prefix
            ));
        }
        covered += own.len();
    }
    if covered != actions.len() {
        return Err("some actions are in no service's range".to_owned());
    }
    let lower_names = actions
        .iter()
        .map(|a| a.full_name().to_ascii_lowercase())
        .collect::<Vec<_>>();
    for pair in lower_names.windows(2) {
        if let [a, b] = pair
            && a >= b
        {
            return Err(format!(
                "actions `{a}` and `{b}` are out of order or repeated"
            ));
        }
    }
    Ok(lower_names)
}

#[derive(Deserialize)]
struct RawPolicies {
    format: u32,
    policies: Vec<(String, String, String, String, String)>,
}

fn decode_policies(blob: &[u8]) -> Result<Vec<ManagedPolicy>, String> {
    let raw: RawPolicies =
        serde_json::from_slice(&inflate(blob)?).map_err(|e| format!("cannot parse: {e}"))?;
    check_format(raw.format)?;
    let policies = raw
        .policies
        .into_iter()
        .map(|(name, arn, path, version, document)| ManagedPolicy {
            name,
            arn,
            path,
            version,
            document,
        })
        .collect::<Vec<_>>();
    for pair in policies.windows(2) {
        if let [a, b] = pair
            && a.name >= b.name
        {
            return Err(format!(
                "policies `{}` and `{}` are out of order",
                a.name, b.name
            ));
        }
    }
    Ok(policies)
}

#[cfg(test)]
impl Catalog {
    /// A small catalog for unit tests anywhere in the crate, checked like the embedded one
    /// (`policies` must be sorted by name).
    pub(crate) fn from_parts(
        meta: CatalogMeta,
        services: Vec<Service>,
        actions: Vec<Action>,
        policies: Vec<ManagedPolicy>,
    ) -> Result<Catalog, String> {
        let lower_names = index(&services, &actions)?;
        Ok(Catalog {
            meta,
            services,
            actions,
            lower_names,
            policies: ManagedPolicies::from(policies),
            error: None,
            roles: Vec::new(),
        })
    }

    /// Decodes the given blobs as if they were embedded (for the no-panic tests).
    pub(crate) fn decode_blobs(actions: &'static [u8], policies: &'static [u8]) -> Catalog {
        decode(actions, policies)
    }
}
