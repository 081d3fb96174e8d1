//! Seeded, deterministic generator of synthetic AWS accounts for iamdiff's benchmarks.
//!
//! It writes what `aws iam get-account-authorization-details` prints (key order, 4-space
//! indentation, empty lists where the CLI prints them, some URL-encoded documents as the raw
//! API returns them), at three scales, and a mutated "after" copy with a few hundred
//! controlled changes together with the exact requests those changes break. Nothing here
//! depends on the iamdiff library: the file is `#[path]`-included from benches, examples and
//! tests, so the generator's own knowledge of what breaks is an independent oracle.
//!
//! Same seed, same bytes: all randomness comes from one SplitMix64 stream per purpose and
//! nothing iterates a hash map.

#![allow(
    dead_code,
    reason = "each bench, example and test that includes this file uses a different part"
)]

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::Path;

// ---------------------------------------------------------------------------------------
// Randomness
// ---------------------------------------------------------------------------------------

/// SplitMix64: tiny, fast, and good enough for synthetic data; no `rand` crate so the
/// stream can never change under us with a dependency update.
#[derive(Clone, Debug)]
pub struct Rng {
    state: u64,
}

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng { state: seed }
    }

    /// An independent stream for one purpose, so adding draws in one part of the
    /// generator does not shift every value after it.
    pub fn fork(seed: u64, purpose: u64) -> Rng {
        let mut r = Rng::new(seed ^ purpose.wrapping_mul(0xA24B_AED4_963E_E407));
        r.next_u64();
        r
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (0 when `n` is 0), by multiply-shift: no modulo bias worth
    /// mentioning at these sizes.
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi.saturating_sub(lo) + 1)
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        let i = self.below(items.len());
        items.get(i).copied().unwrap_or("")
    }

    /// Index drawn from integer weights.
    pub fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|&w| u64::from(w)).sum();
        let mut x = self.below(total as usize) as u64;
        for (i, &w) in weights.iter().enumerate() {
            if x < u64::from(w) {
                return i;
            }
            x -= u64::from(w);
        }
        0
    }

    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}

/// Zipf-like popularity over `n` items: rank `k` has weight `1 / (k + 1)^s`.
pub struct Zipf {
    cdf: Vec<f64>,
}

impl Zipf {
    pub fn new(n: usize, s: f64) -> Zipf {
        let mut acc = 0.0;
        let cdf = (0..n)
            .map(|k| {
                acc += 1.0 / ((k + 1) as f64).powf(s);
                acc
            })
            .collect();
        Zipf { cdf }
    }

    pub fn sample(&self, rng: &mut Rng) -> usize {
        let total = self.cdf.last().copied().unwrap_or(0.0);
        let x = rng.unit() * total;
        self.cdf
            .partition_point(|&c| c <= x)
            .min(self.cdf.len().saturating_sub(1))
    }
}

// ---------------------------------------------------------------------------------------
// Scales
// ---------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    Small,
    Medium,
    Large,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Counts {
    pub users: usize,
    pub groups: usize,
    pub roles: usize,
    /// Customer managed policies (AWS managed ones come on top, as attached).
    pub policies: usize,
    pub mutations: usize,
}

impl Scale {
    pub const ALL: [Scale; 3] = [Scale::Small, Scale::Medium, Scale::Large];

    pub fn parse(s: &str) -> Option<Scale> {
        match s {
            "small" => Some(Scale::Small),
            "medium" => Some(Scale::Medium),
            "large" => Some(Scale::Large),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Scale::Small => "small",
            Scale::Medium => "medium",
            Scale::Large => "large",
        }
    }

    pub fn counts(self) -> Counts {
        match self {
            Scale::Small => Counts {
                users: 200,
                groups: 20,
                roles: 100,
                policies: 60,
                mutations: 30,
            },
            Scale::Medium => Counts {
                users: 2_000,
                groups: 100,
                roles: 1_000,
                policies: 300,
                mutations: 100,
            },
            Scale::Large => Counts {
                users: 20_000,
                groups: 1_000,
                roles: 10_000,
                policies: 3_000,
                mutations: 300,
            },
        }
    }
}

// ---------------------------------------------------------------------------------------
// The export's shape (field order is the AWS CLI's)
// ---------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

/// One condition `Operator: { key: values }`; several with the same operator are grouped
/// under it when written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cond {
    pub op: String,
    pub key: String,
    pub values: Vec<String>,
}

/// A request the statement certainly covers: what the mutation oracle probes. Never
/// written out. `resource` may hold `${aws:username}`, substituted per user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Probe {
    pub action: String,
    pub resource: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stmt {
    pub sid: Option<String>,
    pub effect: Effect,
    /// Trust policies only: (`AWS` | `Service` | `Federated`, values).
    pub principal: Vec<(&'static str, Vec<String>)>,
    pub not_action: bool,
    pub actions: Vec<String>,
    pub not_resource: bool,
    /// Empty means no `Resource` key (trust policies).
    pub resources: Vec<String>,
    pub conditions: Vec<Cond>,
    /// Write single values as one-element lists, as some authors do.
    pub list_form: bool,
    pub probe: Option<Probe>,
}

impl Stmt {
    fn new(effect: Effect, actions: Vec<String>, resources: Vec<String>) -> Stmt {
        Stmt {
            sid: None,
            effect,
            principal: Vec::new(),
            not_action: false,
            actions,
            not_resource: false,
            resources,
            conditions: Vec::new(),
            list_form: false,
            probe: None,
        }
    }

    fn cond(mut self, op: &str, key: &str, values: &[&str]) -> Stmt {
        self.conditions.push(Cond {
            op: op.to_string(),
            key: key.to_string(),
            values: values.iter().map(|v| v.to_string()).collect(),
        });
        self
    }

    fn sid(mut self, sid: &str) -> Stmt {
        self.sid = Some(sid.to_string());
        self
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Doc {
    pub version: &'static str,
    pub statements: Vec<Stmt>,
}

/// A policy document as the export holds it: a JSON object, or (as the raw IAM API returns
/// it) a URL-encoded JSON string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocField {
    pub doc: Doc,
    pub encoded: bool,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InlinePolicy {
    pub policy_name: String,
    pub policy_document: DocField,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Attached {
    pub policy_name: String,
    pub policy_arn: String,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Boundary {
    pub permissions_boundary_type: &'static str,
    pub permissions_boundary_arn: String,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tag {
    pub key: String,
    pub value: String,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct User {
    pub path: String,
    pub user_name: String,
    pub user_id: String,
    pub arn: String,
    pub create_date: String,
    pub group_list: Vec<String>,
    /// The API leaves the key out when a user has no inline policy.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub user_policy_list: Vec<InlinePolicy>,
    pub attached_managed_policies: Vec<Attached>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permissions_boundary: Option<Boundary>,
    pub tags: Vec<Tag>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Group {
    pub path: String,
    pub group_name: String,
    pub group_id: String,
    pub arn: String,
    pub create_date: String,
    pub group_policy_list: Vec<InlinePolicy>,
    pub attached_managed_policies: Vec<Attached>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InstanceProfileRole {
    pub path: String,
    pub role_name: String,
    pub role_id: String,
    pub arn: String,
    pub create_date: String,
    pub assume_role_policy_document: DocField,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InstanceProfile {
    pub path: String,
    pub instance_profile_name: String,
    pub instance_profile_id: String,
    pub arn: String,
    pub create_date: String,
    pub roles: Vec<InstanceProfileRole>,
}

#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RoleLastUsed {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_used_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Role {
    pub path: String,
    pub role_name: String,
    pub role_id: String,
    pub arn: String,
    pub create_date: String,
    pub assume_role_policy_document: DocField,
    pub instance_profile_list: Vec<InstanceProfile>,
    pub role_policy_list: Vec<InlinePolicy>,
    pub attached_managed_policies: Vec<Attached>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permissions_boundary: Option<Boundary>,
    pub tags: Vec<Tag>,
    pub role_last_used: RoleLastUsed,
    /// Whether principals of this account may assume it (the mutation oracle keeps
    /// such roles out of role mutations, whose losses would spread to those principals).
    #[serde(skip)]
    pub human: bool,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyVersion {
    pub document: DocField,
    pub version_id: String,
    pub is_default_version: bool,
    pub create_date: String,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ManagedPolicy {
    pub policy_name: String,
    pub policy_id: String,
    pub arn: String,
    pub path: String,
    pub default_version_id: String,
    pub attachment_count: u32,
    pub permissions_boundary_usage_count: u32,
    pub is_attachable: bool,
    pub create_date: String,
    pub update_date: String,
    pub policy_version_list: Vec<PolicyVersion>,
    #[serde(skip)]
    pub aws_managed: bool,
    /// Boundaries, guard rails and other account-wide policies: not mutated.
    #[serde(skip)]
    pub special: bool,
}

impl ManagedPolicy {
    pub fn default_doc(&self) -> Option<&Doc> {
        self.policy_version_list
            .iter()
            .find(|v| v.is_default_version)
            .map(|v| &v.document.doc)
    }
}

/// One side of the export. Serializes to the AWS CLI's top-level object.
#[derive(Clone, Debug, Serialize)]
pub struct Account {
    #[serde(rename = "UserDetailList")]
    pub users: Vec<User>,
    #[serde(rename = "GroupDetailList")]
    pub groups: Vec<Group>,
    #[serde(rename = "RoleDetailList")]
    pub roles: Vec<Role>,
    #[serde(rename = "Policies")]
    pub policies: Vec<ManagedPolicy>,
    #[serde(skip)]
    pub account_id: String,
}

// --- serialization of the documents --------------------------------------------------

struct OneOrMany<'a>(&'a [String], bool);

impl Serialize for OneOrMany<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            [one] if !self.1 => s.serialize_str(one),
            many => s.collect_seq(many.iter()),
        }
    }
}

struct PrincipalSer<'a>(&'a [(&'static str, Vec<String>)]);

impl Serialize for PrincipalSer<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (kind, values) in self.0 {
            m.serialize_entry(kind, &OneOrMany(values, false))?;
        }
        m.end()
    }
}

struct CondSer<'a>(&'a [Cond]);

impl Serialize for CondSer<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // Group by operator, keeping the order of first appearance.
        let mut ops: Vec<(&str, Vec<&Cond>)> = Vec::new();
        for c in self.0 {
            match ops.iter_mut().find(|(op, _)| *op == c.op) {
                Some((_, list)) => list.push(c),
                None => ops.push((&c.op, vec![c])),
            }
        }
        let mut m = s.serialize_map(Some(ops.len()))?;
        for (op, conds) in &ops {
            m.serialize_entry(op, &CondKeys(conds))?;
        }
        m.end()
    }
}

struct CondKeys<'a>(&'a [&'a Cond]);

impl Serialize for CondKeys<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for c in self.0 {
            m.serialize_entry(&c.key, &OneOrMany(&c.values, false))?;
        }
        m.end()
    }
}

impl Serialize for Stmt {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        if let Some(sid) = &self.sid {
            m.serialize_entry("Sid", sid)?;
        }
        let effect = match self.effect {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        };
        m.serialize_entry("Effect", effect)?;
        if !self.principal.is_empty() {
            m.serialize_entry("Principal", &PrincipalSer(&self.principal))?;
        }
        let action_key = if self.not_action {
            "NotAction"
        } else {
            "Action"
        };
        m.serialize_entry(action_key, &OneOrMany(&self.actions, self.list_form))?;
        if !self.resources.is_empty() {
            let key = if self.not_resource {
                "NotResource"
            } else {
                "Resource"
            };
            m.serialize_entry(key, &OneOrMany(&self.resources, self.list_form))?;
        }
        if !self.conditions.is_empty() {
            m.serialize_entry("Condition", &CondSer(&self.conditions))?;
        }
        m.end()
    }
}

impl Serialize for Doc {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("Version", self.version)?;
        m.serialize_entry("Statement", &self.statements)?;
        m.end()
    }
}

impl Serialize for DocField {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.encoded {
            let compact = serde_json::to_string(&self.doc).map_err(serde::ser::Error::custom)?;
            s.serialize_str(&url_encode(&compact))
        } else {
            self.doc.serialize(s)
        }
    }
}

/// RFC 3986 percent-encoding, as the IAM API applies to policy documents: everything but
/// the unreserved characters is escaped.
pub fn url_encode(text: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(text.len() * 2);
    for &b in text.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
    out
}

/// JSON as the AWS CLI prints it: 4-space indentation, a final newline.
pub fn to_cli_json<T: Serialize>(value: &T) -> Result<Vec<u8>, serde_json::Error> {
    let mut out = Vec::with_capacity(1 << 20);
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut out, fmt);
    value.serialize(&mut ser)?;
    out.push(b'\n');
    Ok(out)
}

// ---------------------------------------------------------------------------------------
// Vocabulary
// ---------------------------------------------------------------------------------------

#[rustfmt::skip]
const FIRST: &[&str] = &[
    "aaron", "abigail", "adam", "adrian", "aisha", "alan", "alex", "alice", "amir", "ana",
    "andrea", "andrew", "anna", "arjun", "ben", "bianca", "boris", "brian", "carla", "carlos",
    "chen", "chloe", "chris", "daniel", "david", "diana", "diego", "dmitri", "elena", "eli",
    "emily", "emma", "eric", "fatima", "felix", "fiona", "gabriel", "grace", "hana", "hannah",
    "hugo", "ian", "ines", "isaac", "ivan", "jack", "james", "jana", "jason", "javier", "jin",
    "joao", "john", "jose", "julia", "kai", "karen", "kenji", "kevin", "laura", "lea", "leo",
    "li", "lina", "lucas", "lucia", "maria", "mark", "marta", "mateo", "maya", "mei", "michael",
    "mina", "mohamed", "nadia", "nathan", "nina", "noah", "olga", "omar", "oscar", "paul",
    "pedro", "priya", "rachel", "rafael", "ravi", "rosa", "ryan", "sam", "sara", "sean",
    "sofia", "sven", "tanya", "thomas", "tom", "uma", "victor", "wei", "yara", "yusuf", "zoe",
];

#[rustfmt::skip]
const LAST: &[&str] = &[
    "abe", "adams", "ahmed", "ali", "alvarez", "andersen", "bailey", "baker", "bauer", "becker",
    "bell", "bernard", "brooks", "brown", "campbell", "carter", "castro", "chen", "clark",
    "cohen", "collins", "cooper", "costa", "cruz", "das", "davis", "diaz", "dubois", "edwards",
    "evans", "fischer", "fernandez", "fontaine", "foster", "garcia", "gomez", "gonzalez",
    "gray", "green", "gupta", "hall", "hansen", "harris", "hayashi", "hill", "hoffmann",
    "horvat", "hughes", "ibrahim", "ito", "jackson", "jensen", "johnson", "jones", "kang",
    "kaur", "khan", "kim", "king", "klein", "kowalski", "kumar", "larsen", "lee", "lewis",
    "lopez", "martin", "martinez", "meyer", "miller", "mitchell", "moore", "morales", "moreau",
    "murphy", "nakamura", "nguyen", "novak", "oconnor", "olsen", "ortiz", "park", "patel",
    "perez", "peters", "petrov", "phillips", "popescu", "ramirez", "reddy", "reyes", "richter",
    "rivera", "roberts", "rossi", "russo", "sanchez", "santos", "sato", "schmidt", "schulz",
    "scott", "shah", "silva", "singh", "smith", "suzuki", "tanaka", "taylor", "thomas",
    "torres", "turner", "walker", "wang", "watanabe", "weber", "white", "williams", "wilson",
    "wong", "wright", "wu", "yamamoto", "yang", "young", "zhang", "zimmermann",
];

#[rustfmt::skip]
const TEAMS: &[&str] = &[
    "payments", "billing", "checkout", "search", "identity", "platform", "data", "analytics",
    "ml", "mobile", "web", "growth", "ads", "catalog", "inventory", "logistics", "shipping",
    "fraud", "risk", "compliance", "security", "infra", "networking", "storage", "devex",
    "release", "qa", "support", "crm", "marketing", "finance", "hr", "legal", "reporting",
    "warehouse", "etl", "streaming", "recommendations", "personalization", "notifications",
    "messaging", "media", "video", "images", "maps", "pricing", "orders", "accounts", "auth",
    "gateway", "edge", "cdn", "observability", "monitoring", "sre", "dba", "backup", "archive",
    "audit", "partners", "integrations", "vendors", "procurement", "sales", "onboarding",
    "learning", "docs", "community", "experiments", "forecasting", "pricing-eng", "supply",
    "returns", "loyalty", "rewards", "wallet", "ledger", "tax", "treasury", "insights", "bi",
    "feature-store", "labeling", "research", "robotics", "iot", "firmware", "telemetry",
    "games", "chat", "voice", "translation",
];

#[rustfmt::skip]
const FLAVORS: &[&str] = &[
    "dev", "ops", "data", "analysts", "oncall", "admins", "readonly", "ml", "qa", "release",
    "sre", "security", "support", "contractors", "interns",
];

#[rustfmt::skip]
const PURPOSES: &[&str] = &[
    "s3-access", "data-read", "data-write", "deploy", "pipeline", "analytics", "ml", "ops",
    "readonly", "queue-access", "secrets-read", "observability", "ci", "etl", "api", "batch",
    "cache", "search", "stream", "backup", "reporting", "ingest", "export", "admin-tools",
];

#[rustfmt::skip]
const BUCKET_KINDS: &[&str] = &[
    "data", "artifacts", "logs", "reports", "exports", "uploads", "backups", "raw", "curated",
    "static", "models", "assets",
];

#[rustfmt::skip]
const ENTITIES: &[&str] = &[
    "orders", "customers", "events", "sessions", "invoices", "inventory", "jobs", "audit",
    "metrics", "features", "profiles", "tokens", "shipments", "payments", "products",
];

#[rustfmt::skip]
const VERBS: &[&str] = &[
    "ingest", "transform", "notify", "export", "resize", "validate", "sync", "cleanup",
    "enrich", "score", "router", "authorizer",
];

const REGIONS: &[&str] = &[
    "us-east-1",
    "us-east-1",
    "us-east-1",
    "eu-west-1",
    "us-west-2",
    "eu-central-1",
    "ap-southeast-2",
];

const COMPANIES: &[&str] = &["acme", "globex", "initech", "umbrella", "hooli", "vandelay"];

const B32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// An AWS unique id: four-letter prefix (`AIDA` user, `AGPA` group, `AROA` role, `ANPA`
/// policy, `AIPA` instance profile) and 17 base-32 characters.
fn aws_id(rng: &mut Rng, prefix: &str) -> String {
    let mut s = String::with_capacity(21);
    s.push_str(prefix);
    for _ in 0..17 {
        s.push(char::from(B32[rng.below(32)]));
    }
    s
}

fn hex(rng: &mut Rng, n: usize) -> String {
    const H: &[u8; 16] = b"0123456789abcdef";
    (0..n).map(|_| char::from(H[rng.below(16)])).collect()
}

fn alnum(rng: &mut Rng, n: usize) -> String {
    const A: &[u8; 62] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    (0..n).map(|_| char::from(A[rng.below(62)])).collect()
}

fn uuid(rng: &mut Rng) -> String {
    format!(
        "{}-{}-{}-{}-{}",
        hex(rng, 8),
        hex(rng, 4),
        hex(rng, 4),
        hex(rng, 4),
        hex(rng, 12)
    )
}

/// `YYYY-MM-DDTHH:MM:SS+00:00`, as the AWS CLI v2 prints timestamps.
pub fn iso_date(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil-from-days (Howard Hinnant).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}+00:00",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// 2016-01-01 .. 2025-06-01.
fn random_date(rng: &mut Rng) -> (i64, String) {
    let t = 1_451_606_400 + rng.below(297_000_000) as i64;
    (t, iso_date(t))
}

fn later_date(rng: &mut Rng, after: i64) -> (i64, String) {
    let t = after + 3_600 + rng.below(40_000_000) as i64;
    (t, iso_date(t))
}

fn camel(s: &str) -> String {
    s.split(['-', '_', '/', '.'])
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// AWS managed policies
// ---------------------------------------------------------------------------------------

/// An AWS managed policy the generator attaches. `doc` is a subset of the real policy's
/// unconditional grants (what the oracle may count on); `may` is a superset of the
/// actions the real policy can grant (what the oracle must fear), checked against the
/// real documents for every action the oracle probes. `listed` ones appear in `Policies`
/// with `doc` as their document; the others must be resolved from iamdiff's catalog.
pub struct AwsManaged {
    pub name: &'static str,
    pub path: &'static str,
    pub version: &'static str,
    pub listed: bool,
    pub doc: &'static [(&'static [&'static str], &'static [&'static str])],
    pub may: &'static [&'static str],
}

#[rustfmt::skip]
const READ_LIKE: &[&str] = &[
    "*:Get*", "*:List*", "*:Describe*", "*:BatchGet*", "*:Query", "*:Scan", "*:Search*",
    "*:Lookup*", "*:View*", "*:Select*", "*:Check*", "*:Validate*", "*:Detect*", "*:Estimate*",
    "*:Preview*", "*:Export*", "*:Verify*", "*:Test*", "*:Generate*", "*:Filter*",
    "*:Retrieve*", "*:Read*", "*:Poll*", "*:Discover*", "*:Batch*", "*:Start*", "*:Stop*",
    "*:Download*", "*:Simulate*", "*:Evaluate*", "*:Count*", "*:Access*", "*:Resolve*",
    "*:Connect", "*:Head*", "es:ESHttpGet", "es:ESHttpHead",
];

pub const AWS_MANAGED: &[AwsManaged] = &[
    AwsManaged {
        name: "AdministratorAccess",
        path: "/",
        version: "v1",
        listed: true,
        doc: &[(&["*"], &["*"])],
        may: &["*"],
    },
    AwsManaged {
        name: "ReadOnlyAccess",
        path: "/",
        version: "v188",
        listed: false,
        doc: &[],
        may: READ_LIKE,
    },
    AwsManaged {
        name: "PowerUserAccess",
        path: "/",
        version: "v12",
        listed: false,
        doc: &[],
        may: &["*"],
    },
    AwsManaged {
        name: "AmazonS3ReadOnlyAccess",
        path: "/",
        version: "v3",
        listed: true,
        doc: &[(
            &[
                "s3:Get*",
                "s3:List*",
                "s3:Describe*",
                "s3-object-lambda:Get*",
                "s3-object-lambda:List*",
            ],
            &["*"],
        )],
        may: &["s3:*", "s3-object-lambda:*"],
    },
    AwsManaged {
        name: "SecurityAudit",
        path: "/",
        version: "v92",
        listed: false,
        doc: &[],
        may: READ_LIKE,
    },
    AwsManaged {
        name: "ViewOnlyAccess",
        path: "/job-function/",
        version: "v45",
        listed: false,
        doc: &[],
        may: READ_LIKE,
    },
    AwsManaged {
        name: "AWSLambda_ReadOnlyAccess",
        path: "/",
        version: "v5",
        listed: false,
        doc: &[],
        may: READ_LIKE,
    },
    AwsManaged {
        name: "CloudWatchLogsReadOnlyAccess",
        path: "/",
        version: "v12",
        listed: true,
        doc: &[(
            &[
                "logs:Describe*",
                "logs:Get*",
                "logs:List*",
                "logs:StartQuery",
                "logs:StopQuery",
                "logs:TestMetricFilter",
                "logs:FilterLogEvents",
                "logs:StartLiveTail",
                "logs:StopLiveTail",
                "cloudwatch:GenerateQuery",
                "cloudwatch:GenerateQueryResultsSummary",
            ],
            &["*"],
        )],
        may: &["logs:*", "cloudwatch:*", "observabilityadmin:*"],
    },
    AwsManaged {
        name: "AmazonEC2FullAccess",
        path: "/",
        version: "v5",
        listed: true,
        doc: &[
            (&["ec2:*"], &["*"]),
            (&["elasticloadbalancing:*"], &["*"]),
            (&["cloudwatch:*"], &["*"]),
            (&["autoscaling:*"], &["*"]),
        ],
        may: &[
            "ec2:*",
            "elasticloadbalancing:*",
            "cloudwatch:*",
            "autoscaling:*",
            "iam:CreateServiceLinkedRole",
        ],
    },
    AwsManaged {
        name: "AmazonDynamoDBReadOnlyAccess",
        path: "/",
        version: "v15",
        listed: false,
        doc: &[],
        may: READ_LIKE,
    },
    AwsManaged {
        name: "AmazonSQSFullAccess",
        path: "/",
        version: "v1",
        listed: true,
        doc: &[(&["sqs:*"], &["*"])],
        may: &["sqs:*"],
    },
    AwsManaged {
        name: "AmazonSNSReadOnlyAccess",
        path: "/",
        version: "v2",
        listed: true,
        doc: &[(
            &[
                "sns:GetTopicAttributes",
                "sns:List*",
                "sns:CheckIfPhoneNumberIsOptedOut",
                "sns:GetEndpointAttributes",
                "sns:GetDataProtectionPolicy",
                "sns:GetPlatformApplicationAttributes",
                "sns:GetSMSAttributes",
                "sns:GetSMSSandboxAccountStatus",
                "sns:GetSubscriptionAttributes",
            ],
            &["*"],
        )],
        may: &["sns:*", "sms-voice:*"],
    },
    AwsManaged {
        name: "AWSLambdaBasicExecutionRole",
        path: "/service-role/",
        version: "v1",
        listed: true,
        doc: &[(
            &[
                "logs:CreateLogGroup",
                "logs:CreateLogStream",
                "logs:PutLogEvents",
            ],
            &["*"],
        )],
        may: &["logs:*"],
    },
    AwsManaged {
        name: "AmazonECSTaskExecutionRolePolicy",
        path: "/service-role/",
        version: "v1",
        listed: false,
        doc: &[],
        may: &["ecr:*", "logs:*"],
    },
    AwsManaged {
        name: "AmazonSSMManagedInstanceCore",
        path: "/",
        version: "v2",
        listed: false,
        doc: &[],
        may: &["ssm:*", "ssmmessages:*", "ec2messages:*"],
    },
    AwsManaged {
        name: "AWSGlueServiceRole",
        path: "/service-role/",
        version: "v5",
        listed: false,
        doc: &[],
        may: &["cloudwatch:*", "ec2:*", "glue:*", "iam:*", "logs:*", "s3:*"],
    },
    AwsManaged {
        name: "AmazonSageMakerFullAccess",
        path: "/",
        version: "v29",
        listed: false,
        doc: &[],
        may: &["*"],
    },
    AwsManaged {
        name: "AmazonAthenaFullAccess",
        path: "/",
        version: "v15",
        listed: false,
        doc: &[],
        may: &[
            "athena:*",
            "cloudwatch:*",
            "datazone:*",
            "glue:*",
            "lakeformation:*",
            "pricing:*",
            "s3:*",
            "sns:*",
        ],
    },
    AwsManaged {
        name: "AWSXRayDaemonWriteAccess",
        path: "/",
        version: "v2",
        listed: true,
        doc: &[(
            &[
                "xray:PutTraceSegments",
                "xray:PutTelemetryRecords",
                "xray:GetSamplingRules",
                "xray:GetSamplingTargets",
                "xray:GetSamplingStatisticSummaries",
            ],
            &["*"],
        )],
        may: &["xray:*"],
    },
    AwsManaged {
        name: "IAMUserChangePassword",
        path: "/",
        version: "v5",
        listed: true,
        doc: &[
            (
                &["iam:ChangePassword"],
                &[
                    "arn:aws:iam::*:user/${aws:username}",
                    "arn:aws:iam::*:user/*/${aws:username}",
                ],
            ),
            (&["iam:GetAccountPasswordPolicy"], &["*"]),
        ],
        may: &["iam:*"],
    },
    AwsManaged {
        name: "IAMReadOnlyAccess",
        path: "/",
        version: "v4",
        listed: false,
        doc: &[],
        may: &["iam:*"],
    },
    AwsManaged {
        name: "AmazonRDSReadOnlyAccess",
        path: "/",
        version: "v7",
        listed: false,
        doc: &[],
        may: READ_LIKE,
    },
    AwsManaged {
        name: "Billing",
        path: "/job-function/",
        version: "v30",
        listed: false,
        doc: &[],
        may: &[
            "account:*",
            "aws-portal:*",
            "billing:*",
            "budgets:*",
            "ce:*",
            "consolidatedbilling:*",
            "cur:*",
            "freetier:*",
            "invoicing:*",
            "mapcredits:*",
            "payments:*",
            "pricing:*",
            "purchase-orders:*",
            "support:*",
            "sustainability:*",
            "tax:*",
        ],
    },
];

pub fn aws_managed_arn(m: &AwsManaged) -> String {
    format!("arn:aws:iam::aws:policy{}{}", m.path, m.name)
}

fn aws_managed_by_name(name: &str) -> Option<&'static AwsManaged> {
    AWS_MANAGED.iter().find(|m| m.name == name)
}

fn aws_managed_by_arn(arn: &str) -> Option<&'static AwsManaged> {
    let name = arn.rsplit('/').next()?;
    AWS_MANAGED
        .iter()
        .find(|m| m.name == name && arn.starts_with("arn:aws:iam::aws:policy/"))
}

fn attach_aws(name: &str) -> Option<Attached> {
    aws_managed_by_name(name).map(|m| Attached {
        policy_name: m.name.to_string(),
        policy_arn: aws_managed_arn(m),
    })
}

fn aws_doc(m: &AwsManaged) -> Doc {
    Doc {
        version: "2012-10-17",
        statements: m
            .doc
            .iter()
            .map(|(actions, resources)| {
                let mut s = Stmt::new(
                    Effect::Allow,
                    actions.iter().map(|a| a.to_string()).collect(),
                    resources.iter().map(|r| r.to_string()).collect(),
                );
                s.list_form = actions.len() > 1;
                s
            })
            .collect(),
    }
}

// ---------------------------------------------------------------------------------------
// Statement templates: realistic grants over ~30 services, each with a probe it covers
// ---------------------------------------------------------------------------------------

/// Account-wide facts that resource ARNs need.
struct Ctx {
    co: &'static str,
    account: String,
    other_accounts: Vec<String>,
    saml_provider: String,
}

/// One template: the actions a grant picks from (the first is always kept and probed),
/// wildcard forms that cover that first action, and how to build resources and a witness.
struct Tpl {
    service: &'static str,
    noun: &'static str,
    actions: &'static [&'static str],
    wild: &'static [&'static [&'static str]],
    weight: u32,
}

const TPLS: &[Tpl] = &[
    Tpl {
        service: "s3obj",
        noun: "Objects",
        actions: &[
            "s3:GetObject",
            "s3:PutObject",
            "s3:DeleteObject",
            "s3:GetObjectVersion",
            "s3:GetObjectTagging",
            "s3:PutObjectTagging",
            "s3:AbortMultipartUpload",
            "s3:ListMultipartUploadParts",
            "s3:PutObjectAcl",
        ],
        wild: &[&["s3:Get*", "s3:Put*"], &["s3:*Object*"], &["s3:*"]],
        weight: 22,
    },
    Tpl {
        service: "s3bucket",
        noun: "Bucket",
        actions: &[
            "s3:ListBucket",
            "s3:GetBucketLocation",
            "s3:GetBucketVersioning",
            "s3:ListBucketMultipartUploads",
            "s3:GetBucketPolicy",
            "s3:GetEncryptionConfiguration",
        ],
        wild: &[&["s3:List*", "s3:GetBucket*"]],
        weight: 8,
    },
    Tpl {
        service: "dynamodb",
        noun: "Table",
        actions: &[
            "dynamodb:GetItem",
            "dynamodb:Query",
            "dynamodb:Scan",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
            "dynamodb:BatchGetItem",
            "dynamodb:BatchWriteItem",
            "dynamodb:DescribeTable",
            "dynamodb:ConditionCheckItem",
        ],
        wild: &[
            &["dynamodb:*"],
            &["dynamodb:Get*", "dynamodb:Query", "dynamodb:Scan"],
        ],
        weight: 12,
    },
    Tpl {
        service: "sqs",
        noun: "Queue",
        actions: &[
            "sqs:SendMessage",
            "sqs:ReceiveMessage",
            "sqs:DeleteMessage",
            "sqs:GetQueueAttributes",
            "sqs:GetQueueUrl",
            "sqs:ChangeMessageVisibility",
            "sqs:PurgeQueue",
        ],
        wild: &[&["sqs:*"]],
        weight: 7,
    },
    Tpl {
        service: "sns",
        noun: "Topic",
        actions: &[
            "sns:Publish",
            "sns:Subscribe",
            "sns:GetTopicAttributes",
            "sns:ListSubscriptionsByTopic",
        ],
        wild: &[],
        weight: 4,
    },
    Tpl {
        service: "lambda",
        noun: "Functions",
        actions: &[
            "lambda:InvokeFunction",
            "lambda:GetFunction",
            "lambda:UpdateFunctionCode",
            "lambda:UpdateFunctionConfiguration",
            "lambda:GetFunctionConfiguration",
            "lambda:ListVersionsByFunction",
            "lambda:PublishVersion",
            "lambda:CreateAlias",
        ],
        wild: &[
            &["lambda:InvokeFunction", "lambda:Get*", "lambda:List*"],
            &["lambda:*"],
        ],
        weight: 9,
    },
    Tpl {
        service: "kms",
        noun: "Key",
        actions: &[
            "kms:Decrypt",
            "kms:Encrypt",
            "kms:GenerateDataKey",
            "kms:DescribeKey",
            "kms:ReEncryptFrom",
            "kms:ReEncryptTo",
        ],
        wild: &[&[
            "kms:Decrypt",
            "kms:Encrypt",
            "kms:GenerateDataKey*",
            "kms:ReEncrypt*",
        ]],
        weight: 5,
    },
    Tpl {
        service: "logs",
        noun: "Logs",
        actions: &[
            "logs:GetLogEvents",
            "logs:CreateLogStream",
            "logs:PutLogEvents",
            "logs:DescribeLogStreams",
            "logs:FilterLogEvents",
        ],
        wild: &[],
        weight: 5,
    },
    Tpl {
        service: "secretsmanager",
        noun: "Secrets",
        actions: &[
            "secretsmanager:GetSecretValue",
            "secretsmanager:DescribeSecret",
            "secretsmanager:ListSecretVersionIds",
            "secretsmanager:PutSecretValue",
        ],
        wild: &[],
        weight: 4,
    },
    Tpl {
        service: "ssm",
        noun: "Parameters",
        actions: &[
            "ssm:GetParameter",
            "ssm:GetParameters",
            "ssm:GetParametersByPath",
            "ssm:PutParameter",
        ],
        wild: &[&["ssm:GetParameter*"]],
        weight: 4,
    },
    Tpl {
        service: "ecr",
        noun: "Images",
        actions: &[
            "ecr:BatchGetImage",
            "ecr:BatchCheckLayerAvailability",
            "ecr:GetDownloadUrlForLayer",
            "ecr:PutImage",
            "ecr:InitiateLayerUpload",
            "ecr:UploadLayerPart",
            "ecr:CompleteLayerUpload",
            "ecr:DescribeImages",
        ],
        wild: &[],
        weight: 3,
    },
    Tpl {
        service: "ecs",
        noun: "Services",
        actions: &["ecs:UpdateService", "ecs:DescribeServices"],
        wild: &[],
        weight: 3,
    },
    Tpl {
        service: "states",
        noun: "StateMachine",
        actions: &[
            "states:StartExecution",
            "states:DescribeStateMachine",
            "states:ListExecutions",
        ],
        wild: &[],
        weight: 2,
    },
    Tpl {
        service: "glue",
        noun: "Catalog",
        actions: &[
            "glue:GetTable",
            "glue:GetTables",
            "glue:GetPartitions",
            "glue:GetDatabase",
            "glue:BatchCreatePartition",
            "glue:UpdateTable",
        ],
        wild: &[&["glue:Get*"]],
        weight: 2,
    },
    Tpl {
        service: "athena",
        noun: "Workgroup",
        actions: &[
            "athena:StartQueryExecution",
            "athena:GetQueryExecution",
            "athena:GetQueryResults",
            "athena:StopQueryExecution",
            "athena:GetWorkGroup",
        ],
        wild: &[],
        weight: 2,
    },
    Tpl {
        service: "sagemaker",
        noun: "Endpoint",
        actions: &["sagemaker:InvokeEndpoint", "sagemaker:DescribeEndpoint"],
        wild: &[],
        weight: 2,
    },
    Tpl {
        service: "kinesis",
        noun: "Stream",
        actions: &[
            "kinesis:PutRecord",
            "kinesis:PutRecords",
            "kinesis:GetRecords",
            "kinesis:GetShardIterator",
            "kinesis:DescribeStream",
        ],
        wild: &[],
        weight: 2,
    },
    Tpl {
        service: "firehose",
        noun: "DeliveryStream",
        actions: &["firehose:PutRecord", "firehose:PutRecordBatch"],
        wild: &[],
        weight: 1,
    },
    Tpl {
        service: "events",
        noun: "EventBus",
        actions: &["events:PutEvents"],
        wild: &[],
        weight: 1,
    },
    Tpl {
        service: "codebuild",
        noun: "Builds",
        actions: &[
            "codebuild:StartBuild",
            "codebuild:BatchGetBuilds",
            "codebuild:StopBuild",
        ],
        wild: &[],
        weight: 1,
    },
    Tpl {
        service: "codepipeline",
        noun: "Pipeline",
        actions: &[
            "codepipeline:StartPipelineExecution",
            "codepipeline:GetPipelineState",
            "codepipeline:GetPipeline",
        ],
        wild: &[],
        weight: 1,
    },
    Tpl {
        service: "rds",
        noun: "Database",
        actions: &[
            "rds:RebootDBInstance",
            "rds:DescribeDBInstances",
            "rds:StartDBInstance",
            "rds:StopDBInstance",
            "rds:CreateDBSnapshot",
        ],
        wild: &[],
        weight: 2,
    },
    Tpl {
        service: "rds-db",
        noun: "DbConnect",
        actions: &["rds-db:connect"],
        wild: &[],
        weight: 1,
    },
    Tpl {
        service: "elasticache",
        noun: "Cache",
        actions: &[
            "elasticache:ModifyReplicationGroup",
            "elasticache:DescribeReplicationGroups",
        ],
        wild: &[],
        weight: 1,
    },
    Tpl {
        service: "es",
        noun: "SearchDomain",
        actions: &["es:ESHttpGet", "es:ESHttpPost", "es:ESHttpPut"],
        wild: &[&["es:ESHttp*"]],
        weight: 1,
    },
    Tpl {
        service: "cloudformation",
        noun: "Stacks",
        actions: &[
            "cloudformation:UpdateStack",
            "cloudformation:CreateStack",
            "cloudformation:DeleteStack",
            "cloudformation:DescribeStacks",
            "cloudformation:DescribeStackEvents",
            "cloudformation:CreateChangeSet",
            "cloudformation:ExecuteChangeSet",
        ],
        wild: &[],
        weight: 2,
    },
    Tpl {
        service: "iam",
        noun: "PassRole",
        actions: &["iam:PassRole"],
        wild: &[],
        weight: 2,
    },
    Tpl {
        service: "route53",
        noun: "Dns",
        actions: &[
            "route53:ChangeResourceRecordSets",
            "route53:ListResourceRecordSets",
            "route53:GetHostedZone",
        ],
        wild: &[],
        weight: 1,
    },
    Tpl {
        service: "cloudfront",
        noun: "Cdn",
        actions: &[
            "cloudfront:CreateInvalidation",
            "cloudfront:GetDistribution",
        ],
        wild: &[],
        weight: 1,
    },
    Tpl {
        service: "execute-api",
        noun: "Api",
        actions: &["execute-api:Invoke"],
        wild: &[],
        weight: 1,
    },
    // The ones below make conditional or account-wide grants: no probe.
    Tpl {
        service: "ec2tag",
        noun: "TaggedInstances",
        actions: &[
            "ec2:StartInstances",
            "ec2:StopInstances",
            "ec2:RebootInstances",
        ],
        wild: &[],
        weight: 2,
    },
    Tpl {
        service: "describe",
        noun: "Describe",
        actions: &[
            "ec2:DescribeInstances",
            "ec2:DescribeSecurityGroups",
            "ec2:DescribeSubnets",
            "ec2:DescribeVpcs",
            "cloudwatch:GetMetricData",
            "cloudwatch:ListMetrics",
            "cloudwatch:DescribeAlarms",
            "logs:DescribeLogGroups",
            "s3:ListAllMyBuckets",
            "dynamodb:ListTables",
            "sqs:ListQueues",
            "lambda:ListFunctions",
            "ecr:GetAuthorizationToken",
            "xray:PutTraceSegments",
            "xray:PutTelemetryRecords",
            "acm:ListCertificates",
            "sts:GetCallerIdentity",
        ],
        wild: &[&["ec2:Describe*", "cloudwatch:Get*", "cloudwatch:List*"]],
        weight: 5,
    },
    Tpl {
        service: "metrics",
        noun: "Metrics",
        actions: &["cloudwatch:PutMetricData"],
        wild: &[],
        weight: 1,
    },
];

struct Gen<'a> {
    rng: &'a mut Rng,
    ctx: &'a Ctx,
}

impl Gen<'_> {
    fn region(&mut self) -> &'static str {
        self.rng.pick(REGIONS)
    }

    fn arn(&self, service: &str, region: &str, rest: &str) -> String {
        format!("arn:aws:{service}:{region}:{}:{rest}", self.ctx.account)
    }

    /// The first action, then a few others in catalog order.
    fn choose_actions(&mut self, tpl: &Tpl) -> Vec<String> {
        if let Some(form) = self.wild_form(tpl) {
            return form;
        }
        let extra = tpl.actions.len().saturating_sub(1);
        let want = self.rng.range(0, extra.min(4));
        let mut chosen: BTreeSet<usize> = BTreeSet::new();
        chosen.insert(0);
        while chosen.len() < want + 1 {
            chosen.insert(1 + self.rng.below(extra));
        }
        chosen
            .into_iter()
            .filter_map(|i| tpl.actions.get(i).map(|a| a.to_string()))
            .collect()
    }

    fn wild_form(&mut self, tpl: &Tpl) -> Option<Vec<String>> {
        if tpl.wild.is_empty() || !self.rng.chance(0.15) {
            return None;
        }
        let form = tpl.wild.get(self.rng.below(tpl.wild.len()))?;
        Some(form.iter().map(|a| a.to_string()).collect())
    }

    fn sid(&mut self, verb: &str, noun: &str, scope: &str) -> Option<String> {
        self.rng
            .chance(0.6)
            .then(|| format!("{verb}{noun}{}", camel(scope)))
    }

    /// A grant over one template for resources named after `scope`.
    fn grant(&mut self, tpl: &Tpl, scope: &str) -> Stmt {
        let region = self.region();
        let co = self.ctx.co;
        let acct = self.ctx.account.clone();
        let first = tpl.actions.first().copied().unwrap_or("");
        let actions = self.choose_actions(tpl);
        let kind = self.rng.pick(BUCKET_KINDS);
        let entity = self.rng.pick(ENTITIES);
        let verb = self.rng.pick(VERBS);
        // (resources, witness) or a conditional / account-wide statement without a probe.
        let (resources, witness): (Vec<String>, Option<String>) = match tpl.service {
            "s3obj" => {
                let bucket = format!("{co}-{scope}-{kind}");
                let mut res = vec![format!("arn:aws:s3:::{bucket}/*")];
                if self.rng.chance(0.3) {
                    let other = self.rng.pick(BUCKET_KINDS);
                    if other != kind {
                        res.push(format!("arn:aws:s3:::{co}-{scope}-{other}/*"));
                    }
                }
                (res, Some(format!("arn:aws:s3:::{bucket}/data/sample.csv")))
            }
            "s3bucket" => {
                let bucket = format!("arn:aws:s3:::{co}-{scope}-{kind}");
                (vec![bucket.clone()], Some(bucket))
            }
            "dynamodb" => {
                let table = self.arn("dynamodb", region, &format!("table/{scope}-{entity}"));
                let mut res = vec![table.clone()];
                if self.rng.chance(0.5) {
                    res.push(format!("{table}/index/*"));
                }
                (res, Some(table))
            }
            "sqs" => {
                let q = self.arn("sqs", region, &format!("{scope}-{entity}-queue"));
                let mut res = vec![q.clone()];
                if self.rng.chance(0.4) {
                    res.push(self.arn("sqs", region, &format!("{scope}-{entity}-dlq")));
                }
                (res, Some(q))
            }
            "sns" => {
                let t = self.arn("sns", region, &format!("{scope}-{entity}-events"));
                (vec![t.clone()], Some(t))
            }
            "lambda" => {
                if self.rng.chance(0.4) {
                    let res = self.arn("lambda", region, &format!("function:{scope}-*"));
                    let w = self.arn("lambda", region, &format!("function:{scope}-{verb}"));
                    (vec![res], Some(w))
                } else {
                    let f = self.arn("lambda", region, &format!("function:{scope}-{verb}"));
                    (vec![f.clone()], Some(f))
                }
            }
            "kms" => {
                let id = uuid(self.rng);
                let k = self.arn("kms", region, &format!("key/{id}"));
                (vec![k.clone()], Some(k))
            }
            "logs" => {
                let res = format!("arn:aws:logs:*:{acct}:log-group:/aws/lambda/{scope}-*:*");
                let w = self.arn(
                    "logs",
                    region,
                    &format!("log-group:/aws/lambda/{scope}-{verb}:log-stream:2024/05/01/abc"),
                );
                (vec![res], Some(w))
            }
            "secretsmanager" => {
                let res = self.arn("secretsmanager", region, &format!("secret:prod/{scope}/*"));
                let suffix = alnum(self.rng, 6);
                let w = self.arn(
                    "secretsmanager",
                    region,
                    &format!("secret:prod/{scope}/db-credentials-{suffix}"),
                );
                (vec![res], Some(w))
            }
            "ssm" => {
                let res = self.arn("ssm", region, &format!("parameter/{scope}/*"));
                let w = self.arn("ssm", region, &format!("parameter/{scope}/config/endpoint"));
                (vec![res], Some(w))
            }
            "ecr" => {
                let res = self.arn("ecr", region, &format!("repository/{scope}/*"));
                let w = self.arn("ecr", region, &format!("repository/{scope}/{verb}"));
                (vec![res], Some(w))
            }
            "ecs" => {
                let res = self.arn("ecs", region, &format!("service/{scope}-cluster/*"));
                let w = self.arn("ecs", region, &format!("service/{scope}-cluster/{verb}"));
                (vec![res], Some(w))
            }
            "states" => {
                let sm = self.arn("states", region, &format!("stateMachine:{scope}-pipeline"));
                (vec![sm.clone()], Some(sm))
            }
            "glue" => {
                let db = scope.replace('-', "_");
                let res = vec![
                    self.arn("glue", region, "catalog"),
                    self.arn("glue", region, &format!("database/{db}")),
                    self.arn("glue", region, &format!("table/{db}/*")),
                ];
                let w = self.arn("glue", region, &format!("table/{db}/{entity}"));
                (res, Some(w))
            }
            "athena" => {
                let wg = self.arn("athena", region, &format!("workgroup/{scope}-wg"));
                (vec![wg.clone()], Some(wg))
            }
            "sagemaker" => {
                let ep = self.arn("sagemaker", region, &format!("endpoint/{scope}-model"));
                (vec![ep.clone()], Some(ep))
            }
            "kinesis" => {
                let s = self.arn("kinesis", region, &format!("stream/{scope}-stream"));
                (vec![s.clone()], Some(s))
            }
            "firehose" => {
                let s = self.arn(
                    "firehose",
                    region,
                    &format!("deliverystream/{scope}-firehose"),
                );
                (vec![s.clone()], Some(s))
            }
            "events" => {
                let b = self.arn("events", region, &format!("event-bus/{scope}-bus"));
                (vec![b.clone()], Some(b))
            }
            "codebuild" => {
                let res = self.arn("codebuild", region, &format!("project/{scope}-*"));
                let w = self.arn("codebuild", region, &format!("project/{scope}-build"));
                (vec![res], Some(w))
            }
            "codepipeline" => {
                let p = self.arn("codepipeline", region, &format!("{scope}-deploy"));
                (vec![p.clone()], Some(p))
            }
            "rds" => {
                let db = self.arn("rds", region, &format!("db:{scope}-db"));
                (vec![db.clone()], Some(db))
            }
            "rds-db" => {
                let id = alnum(self.rng, 12).to_ascii_uppercase();
                let u = scope.replace('-', "_");
                let r = self.arn("rds-db", region, &format!("dbuser:db-{id}/{u}_app"));
                (vec![r.clone()], Some(r))
            }
            "elasticache" => {
                let rg = self.arn(
                    "elasticache",
                    region,
                    &format!("replicationgroup:{scope}-cache"),
                );
                (vec![rg.clone()], Some(rg))
            }
            "es" => {
                let res = self.arn("es", region, &format!("domain/{scope}-search/*"));
                let w = self.arn(
                    "es",
                    region,
                    &format!("domain/{scope}-search/{entity}/_search"),
                );
                (vec![res], Some(w))
            }
            "cloudformation" => {
                let res = self.arn("cloudformation", region, &format!("stack/{scope}-*/*"));
                let id = uuid(self.rng);
                let w = self.arn("cloudformation", region, &format!("stack/{scope}-app/{id}"));
                (vec![res], Some(w))
            }
            "iam" => {
                let res = format!("arn:aws:iam::{acct}:role/{scope}-*");
                let w = format!("arn:aws:iam::{acct}:role/{scope}-{verb}-exec");
                (vec![res], Some(w))
            }
            "route53" => {
                let z = format!(
                    "arn:aws:route53:::hostedzone/Z{}",
                    alnum(self.rng, 12).to_ascii_uppercase()
                );
                (vec![z.clone()], Some(z))
            }
            "cloudfront" => {
                let d = format!(
                    "arn:aws:cloudfront::{acct}:distribution/E{}",
                    alnum(self.rng, 12).to_ascii_uppercase()
                );
                (vec![d.clone()], Some(d))
            }
            "execute-api" => {
                let api = alnum(self.rng, 10).to_ascii_lowercase();
                let res = self.arn("execute-api", region, &format!("{api}/*/GET/*"));
                let w = self.arn("execute-api", region, &format!("{api}/prod/GET/{entity}"));
                (vec![res], Some(w))
            }
            "ec2tag" => {
                let res = self.arn("ec2", region, "instance/*");
                let mut s = Stmt::new(Effect::Allow, actions, vec![res]);
                s.sid = self.sid("Operate", tpl.noun, scope);
                let v = if self.rng.chance(0.5) {
                    "${aws:PrincipalTag/team}".to_string()
                } else {
                    scope.to_string()
                };
                s.conditions.push(Cond {
                    op: "StringEquals".into(),
                    key: "aws:ResourceTag/team".into(),
                    values: vec![v],
                });
                return s;
            }
            "metrics" => {
                let mut s = Stmt::new(Effect::Allow, actions, vec!["*".into()]);
                s.sid = self.sid("Publish", tpl.noun, scope);
                s.conditions.push(Cond {
                    op: "StringEquals".into(),
                    key: "cloudwatch:namespace".into(),
                    values: vec![camel(scope)],
                });
                return s;
            }
            _ => {
                let mut s = Stmt::new(Effect::Allow, actions, vec!["*".into()]);
                s.sid = self.sid("Describe", "Resources", scope);
                s.list_form = self.rng.chance(0.3);
                return s;
            }
        };
        let mut s = Stmt::new(Effect::Allow, actions, resources);
        s.sid = self.sid("Allow", tpl.noun, scope);
        s.list_form = self.rng.chance(0.3);
        // A few grants carry a condition (then they are conditional: no probe).
        let cond = self.rng.below(100);
        if cond < 3 {
            s.conditions.push(Cond {
                op: "IpAddress".into(),
                key: "aws:SourceIp".into(),
                values: vec!["203.0.113.0/24".into(), "198.51.100.0/24".into()],
            });
        } else if cond < 5 {
            s.conditions.push(Cond {
                op: "Bool".into(),
                key: "aws:SecureTransport".into(),
                values: vec!["true".into()],
            });
        } else if let Some(w) = witness {
            s.probe = Some(Probe {
                action: first.to_string(),
                resource: w,
            });
        }
        s
    }

    fn template(&mut self) -> &'static Tpl {
        let weights: Vec<u32> = TPLS.iter().map(|t| t.weight).collect();
        let i = self.rng.weighted(&weights);
        TPLS.get(i).unwrap_or(&TPLS[0])
    }

    /// `n` statements for resources named after `scope`, at most one per template, so
    /// that one statement alone grants each probe.
    fn statements(&mut self, scope: &str, n: usize) -> Vec<Stmt> {
        let mut used: BTreeSet<&'static str> = BTreeSet::new();
        let mut out = Vec::with_capacity(n);
        let mut tries = 0;
        while out.len() < n && tries < n * 10 {
            tries += 1;
            let tpl = self.template();
            if !used.insert(tpl.service) {
                continue;
            }
            out.push(self.grant(tpl, scope));
        }
        out
    }

    fn doc(&mut self, statements: Vec<Stmt>) -> DocField {
        DocField {
            doc: Doc {
                version: "2012-10-17",
                statements,
            },
            encoded: self.rng.chance(0.05),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Special, account-wide customer policies
// ---------------------------------------------------------------------------------------

#[rustfmt::skip]
const GLOBAL_SERVICES: &[&str] = &[
    "iam:*", "sts:*", "organizations:*", "route53:*", "cloudfront:*", "support:*", "budgets:*",
    "waf:*", "health:*",
];

#[rustfmt::skip]
const BOUNDARY_SERVICES: &[&str] = &[
    "s3:*", "dynamodb:*", "sqs:*", "sns:*", "lambda:*", "kms:*", "logs:*", "cloudwatch:*",
    "secretsmanager:*", "ssm:*", "ecr:*", "ecs:*", "states:*", "glue:*", "athena:*",
    "sagemaker:*", "kinesis:*", "firehose:*", "events:*", "codebuild:*", "codepipeline:*",
    "rds:*", "rds-db:*", "elasticache:*", "es:*", "cloudformation:*", "route53:*",
    "cloudfront:*", "execute-api:*", "ec2:*", "xray:*", "acm:*", "sts:GetCallerIdentity",
    "iam:PassRole", "iam:Get*", "iam:List*",
];

fn strs(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// (name, is boundary, document). Boundaries allow every service the templates use, so
/// a boundary never hides a probed grant; their denies touch no probed action.
fn special_policies(account: &str) -> Vec<(&'static str, Doc)> {
    let doc = |statements: Vec<Stmt>| Doc {
        version: "2012-10-17",
        statements,
    };
    let boundary_denies = || {
        Stmt::new(
            Effect::Deny,
            strs(&[
                "iam:CreateUser",
                "iam:DeleteUser",
                "iam:CreatePolicyVersion",
                "iam:DeleteRolePermissionsBoundary",
                "iam:DeleteUserPermissionsBoundary",
                "iam:PutRolePermissionsBoundary",
                "iam:PutUserPermissionsBoundary",
                "organizations:*",
                "account:*",
            ]),
            strs(&["*"]),
        )
        .sid("DenyEscalation")
    };
    let mut self_service = Stmt::new(
        Effect::Allow,
        strs(&[
            "iam:ChangePassword",
            "iam:GetUser",
            "iam:CreateAccessKey",
            "iam:DeleteAccessKey",
            "iam:ListAccessKeys",
            "iam:UpdateAccessKey",
            "iam:ListSSHPublicKeys",
            "iam:UploadSSHPublicKey",
        ]),
        vec![format!("arn:aws:iam::{account}:user/${{aws:username}}")],
    )
    .sid("ManageOwnCredentials");
    self_service.probe = Some(Probe {
        action: "iam:CreateAccessKey".into(),
        resource: format!("arn:aws:iam::{account}:user/${{aws:username}}"),
    });
    let mut mfa_self = Stmt::new(
        Effect::Allow,
        strs(&[
            "iam:CreateVirtualMFADevice",
            "iam:EnableMFADevice",
            "iam:ResyncMFADevice",
            "iam:ListMFADevices",
        ]),
        vec![
            format!("arn:aws:iam::{account}:mfa/${{aws:username}}"),
            format!("arn:aws:iam::{account}:user/${{aws:username}}"),
        ],
    )
    .sid("ManageOwnMFA");
    mfa_self.list_form = true;
    let mut mfa_deny = Stmt::new(
        Effect::Deny,
        strs(&[
            "iam:CreateVirtualMFADevice",
            "iam:EnableMFADevice",
            "iam:GetUser",
            "iam:ListMFADevices",
            "iam:ListVirtualMFADevices",
            "iam:ResyncMFADevice",
            "sts:GetSessionToken",
        ]),
        strs(&["*"]),
    )
    .sid("DenyAllExceptListedIfNoMFA")
    .cond("BoolIfExists", "aws:MultiFactorAuthPresent", &["false"]);
    mfa_deny.not_action = true;
    let mut region_deny = Stmt::new(Effect::Deny, strs(GLOBAL_SERVICES), strs(&["*"]))
        .sid("DenyOutsideApprovedRegions")
        .cond(
            "StringNotEquals",
            "aws:RequestedRegion",
            &["us-east-1", "eu-west-1", "us-west-2"],
        );
    region_deny.not_action = true;
    let mut poweruser = Stmt::new(
        Effect::Allow,
        strs(&["iam:*", "organizations:*", "account:*"]),
        strs(&["*"]),
    )
    .sid("EverythingButIdentity");
    poweruser.not_action = true;
    let mut boundary_dev =
        Stmt::new(Effect::Allow, strs(BOUNDARY_SERVICES), strs(&["*"])).sid("AllowedServices");
    boundary_dev.list_form = true;
    let mut boundary_svc = boundary_dev.clone();
    boundary_svc.sid = Some("AllowedServicesForWorkloads".into());
    vec![
        (
            "boundary-developer",
            doc(vec![boundary_dev, boundary_denies()]),
        ),
        (
            "boundary-workload",
            doc(vec![boundary_svc, boundary_denies()]),
        ),
        (
            "deny-iam-except-admins",
            doc(vec![
                Stmt::new(Effect::Deny, strs(&["iam:*"]), strs(&["*"]))
                    .sid("DenyIdentityChangesOutsideAdmins")
                    .cond(
                        "ArnNotLike",
                        "aws:PrincipalArn",
                        &[&format!("arn:aws:iam::{account}:role/admin-*")],
                    ),
            ]),
        ),
        ("region-guard", doc(vec![region_deny])),
        ("mfa-required", doc(vec![mfa_self, mfa_deny])),
        ("self-service-credentials", doc(vec![self_service])),
        (
            "office-network-only",
            doc(vec![
                Stmt::new(Effect::Deny, strs(&["*"]), strs(&["*"]))
                    .sid("DenyOutsideOffice")
                    .cond(
                        "NotIpAddress",
                        "aws:SourceIp",
                        &["192.0.2.0/24", "203.0.113.0/24"],
                    )
                    .cond("Bool", "aws:ViaAWSService", &["false"]),
            ]),
        ),
        (
            "contractor-expiry",
            doc(vec![
                Stmt::new(
                    Effect::Allow,
                    strs(&["s3:GetObject", "s3:ListBucket"]),
                    strs(&["*"]),
                )
                .sid("TemporaryReadAccess")
                .cond("DateLessThan", "aws:CurrentTime", &["2027-06-30T00:00:00Z"]),
            ]),
        ),
        ("ci-deploy-poweruser", doc(vec![poweruser])),
        (
            "break-glass",
            doc(vec![
                Stmt::new(Effect::Allow, strs(&["*"]), strs(&["*"]))
                    .sid("BreakGlass")
                    .cond("Bool", "aws:MultiFactorAuthPresent", &["true"]),
            ]),
        ),
    ]
}

// ---------------------------------------------------------------------------------------
// The account
// ---------------------------------------------------------------------------------------

fn account_id(seed: u64) -> String {
    let mut r = Rng::fork(seed, 1);
    format!("{:012}", 100_000_000_000 + r.below(800_000_000_000))
}

/// A synthetic account at `scale`; the same `(scale, seed)` always gives the same account.
pub fn generate(scale: Scale, seed: u64) -> Account {
    let counts = scale.counts();
    let account = account_id(seed);
    let mut crng = Rng::fork(seed, 2);
    let co = crng.pick(COMPANIES);
    let other_accounts = (0..6)
        .map(|_| format!("{:012}", 100_000_000_000 + crng.below(800_000_000_000)))
        .collect();
    let saml_provider = format!(
        "arn:aws:iam::{account}:saml-provider/AWSSSO_{}_DO_NOT_DELETE",
        hex(&mut crng, 16)
    );
    let ctx = Ctx {
        co,
        account: account.clone(),
        other_accounts,
        saml_provider,
    };

    // --- customer managed policies --------------------------------------------------
    let group_names = group_names(counts.groups);
    let mut prng = Rng::fork(seed, 3);
    let mut policies: Vec<ManagedPolicy> = Vec::with_capacity(counts.policies);
    let mut taken: BTreeSet<String> = BTreeSet::new();
    for (name, doc) in special_policies(&account) {
        let enc = false;
        let p = managed_policy(&mut prng, &account, name, "/", vec![(doc, enc)], true);
        taken.insert(name.to_string());
        policies.push(p);
    }
    while policies.len() < counts.policies {
        let team = group_names
            .get(prng.below(group_names.len()))
            .map(|g| team_slug(g))
            .unwrap_or_default();
        let purpose = prng.pick(PURPOSES);
        let mut name = format!("{team}-{purpose}");
        let mut n = 2;
        while taken.contains(&name) {
            name = format!("{team}-{purpose}-{n}");
            n += 1;
        }
        taken.insert(name.clone());
        let path = if prng.chance(0.2) { "/teams/" } else { "/" };
        let mut g = Gen {
            rng: &mut prng,
            ctx: &ctx,
        };
        let nstmt = g.rng.range(2, 6);
        let versions = if g.rng.chance(0.3) {
            g.rng.range(2, 4)
        } else {
            1
        };
        let encoded = g.rng.chance(0.05);
        let mut docs = Vec::with_capacity(versions);
        for v in 0..versions {
            // Older versions: a statement fewer or other resources.
            let k = if v + 1 < versions {
                nstmt.saturating_sub(1).max(1)
            } else {
                nstmt
            };
            let statements = g.statements(&name, k);
            docs.push((
                Doc {
                    version: "2012-10-17",
                    statements,
                },
                encoded,
            ));
        }
        let p = managed_policy(&mut prng, &account, &name, path, docs, false);
        policies.push(p);
    }
    let team_policy_start = special_policies(&account).len();
    let team_policies = policies.len().saturating_sub(team_policy_start);
    let policy_zipf = Zipf::new(team_policies.max(1), 0.9);
    let arn_of = |policies: &[ManagedPolicy], i: usize| -> Option<Attached> {
        policies.get(i).map(|p| Attached {
            policy_name: p.policy_name.clone(),
            policy_arn: p.arn.clone(),
        })
    };
    let special_arn = |name: &str| -> String { format!("arn:aws:iam::{account}:policy/{name}") };

    // --- groups ---------------------------------------------------------------------
    let mut grng = Rng::fork(seed, 4);
    // Popularity rank is not alphabetical: `rank[k]` is the group of rank `k`.
    let mut rank: Vec<usize> = (0..group_names.len()).collect();
    Rng::fork(seed, 8).shuffle(&mut rank);
    let mut rank_of = vec![0usize; rank.len()];
    for (k, &g) in rank.iter().enumerate() {
        if let Some(slot) = rank_of.get_mut(g) {
            *slot = k;
        }
    }
    let mut groups = Vec::with_capacity(counts.groups);
    for (gi, name) in group_names.iter().enumerate() {
        // The most popular groups get neither guard rails nor broad AWS managed
        // policies: those would make every grant of a quarter of all users conditional.
        let popular = rank_of.get(gi).is_some_and(|&k| k < 5);
        let (_, date) = random_date(&mut grng);
        let scope = team_slug(name);
        let mut g = Gen {
            rng: &mut grng,
            ctx: &ctx,
        };
        let mut inline = Vec::new();
        if g.rng.chance(0.7) {
            let n_inline = if g.rng.chance(0.3) { 2 } else { 1 };
            for k in 0..n_inline {
                let pscope = if k == 0 {
                    scope.clone()
                } else {
                    format!("{scope}-shared")
                };
                let n = g.rng.range(3, 7);
                let mut statements = g.statements(&pscope, n);
                if g.rng.chance(0.1) {
                    statements.push(home_statement(&ctx));
                }
                let document = g.doc(statements);
                inline.push(InlinePolicy {
                    policy_name: format!(
                        "{}-{}",
                        pscope,
                        g.rng.pick(&["access", "inline", "policy", "permissions"])
                    ),
                    policy_document: document,
                });
            }
        }
        let mut attached: Vec<Attached> = Vec::new();
        let n_cust = grng.range(0, 3);
        for _ in 0..n_cust {
            let i = team_policy_start + policy_zipf.sample(&mut grng);
            if let Some(a) = arn_of(&policies, i)
                && !attached.contains(&a)
            {
                attached.push(a);
            }
        }
        if !popular && grng.chance(0.3) {
            let name_aws = if name.ends_with("-admins") && grng.chance(0.5) {
                "AdministratorAccess"
            } else {
                grng.pick(&[
                    "ReadOnlyAccess",
                    "AmazonS3ReadOnlyAccess",
                    "ViewOnlyAccess",
                    "CloudWatchLogsReadOnlyAccess",
                    "AmazonDynamoDBReadOnlyAccess",
                    "AWSLambda_ReadOnlyAccess",
                    "AmazonSQSFullAccess",
                    "AmazonSNSReadOnlyAccess",
                    "AmazonEC2FullAccess",
                    "SecurityAudit",
                    "IAMReadOnlyAccess",
                    "AmazonRDSReadOnlyAccess",
                    "AmazonAthenaFullAccess",
                    "Billing",
                    "PowerUserAccess",
                ])
            };
            if let Some(a) = attach_aws(name_aws) {
                attached.push(a);
            }
        }
        // Guard rails on a few groups.
        let guard = if popular { 100 } else { grng.below(100) };
        let guard_name = match guard {
            0..=3 => Some("region-guard"),
            4..=6 => Some("mfa-required"),
            7..=9 => Some("deny-iam-except-admins"),
            10..=11 => Some("office-network-only"),
            12..=16 => Some("self-service-credentials"),
            _ => None,
        };
        if let Some(gn) = guard_name {
            attached.push(Attached {
                policy_name: gn.to_string(),
                policy_arn: special_arn(gn),
            });
        }
        let path = if grng.chance(0.25) { "/teams/" } else { "/" };
        groups.push(Group {
            path: path.to_string(),
            group_name: name.clone(),
            group_id: aws_id(&mut grng, "AGPA"),
            arn: format!("arn:aws:iam::{account}:group{path}{name}"),
            create_date: date,
            group_policy_list: inline,
            attached_managed_policies: attached,
        });
    }

    // --- users ----------------------------------------------------------------------
    let mut urng = Rng::fork(seed, 5);
    let group_zipf = Zipf::new(groups.len(), 1.0);
    // Popularity rank is not alphabetical: shuffle which group holds which rank.
    let mut users = Vec::with_capacity(counts.users);
    let mut user_names: BTreeSet<String> = BTreeSet::new();
    for _ in 0..counts.users {
        let first = urng.pick(FIRST);
        let last = urng.pick(LAST);
        let mut name = format!("{first}.{last}");
        let mut n = 2;
        while user_names.contains(&name) {
            name = format!("{first}.{last}{n}");
            n += 1;
        }
        user_names.insert(name.clone());
        let (_, date) = random_date(&mut urng);
        let n_groups = [1, 1, 1, 1, 2, 2, 2, 3, 3, 4]
            .get(urng.below(10))
            .copied()
            .unwrap_or(1);
        let mut member_of: Vec<usize> = Vec::new();
        let mut tries = 0;
        while member_of.len() < n_groups.min(groups.len()) && tries < 50 {
            tries += 1;
            let gi = rank.get(group_zipf.sample(&mut urng)).copied().unwrap_or(0);
            if !member_of.contains(&gi) {
                member_of.push(gi);
            }
        }
        let group_list: Vec<String> = member_of
            .iter()
            .filter_map(|&i| groups.get(i).map(|g| g.group_name.clone()))
            .collect();
        let primary = group_list
            .first()
            .map(|g| team_slug(g))
            .unwrap_or_else(|| "general".into());
        let mut inline = Vec::new();
        if urng.chance(0.15) {
            let mut g = Gen {
                rng: &mut urng,
                ctx: &ctx,
            };
            let which = g.rng.below(3);
            let (pname, statements) = match which {
                0 => (
                    "home-directory".to_string(),
                    vec![home_list(&ctx), home_statement(&ctx)],
                ),
                1 => {
                    let scope = format!("sbx-{}", name.replace('.', "-"));
                    let n = g.rng.range(2, 4);
                    (format!("{scope}-sandbox"), g.statements(&scope, n))
                }
                _ => {
                    let scope = format!("{primary}-{}", last);
                    let n = g.rng.range(1, 3);
                    (
                        format!("{}-extra-access", name.replace('.', "-")),
                        g.statements(&scope, n),
                    )
                }
            };
            let document = g.doc(statements);
            inline.push(InlinePolicy {
                policy_name: pname,
                policy_document: document,
            });
        }
        let mut attached = Vec::new();
        if urng.chance(0.2) {
            let n = urng.range(1, 2);
            for _ in 0..n {
                let a = if urng.chance(0.7) {
                    let i = team_policy_start + policy_zipf.sample(&mut urng);
                    arn_of(&policies, i)
                } else {
                    attach_aws(urng.pick(&[
                        "IAMUserChangePassword",
                        "IAMUserChangePassword",
                        "ReadOnlyAccess",
                        "AmazonS3ReadOnlyAccess",
                        "ViewOnlyAccess",
                        "CloudWatchLogsReadOnlyAccess",
                        "AdministratorAccess",
                        "PowerUserAccess",
                        "AmazonSNSReadOnlyAccess",
                    ]))
                };
                if let Some(a) = a
                    && !attached.contains(&a)
                {
                    attached.push(a);
                }
            }
            if urng.chance(0.1) {
                attached.push(Attached {
                    policy_name: "contractor-expiry".into(),
                    policy_arn: special_arn("contractor-expiry"),
                });
            }
        }
        let boundary = urng.chance(0.1).then(|| Boundary {
            permissions_boundary_type: "Policy",
            permissions_boundary_arn: special_arn("boundary-developer"),
        });
        let mut tags = vec![Tag {
            key: "team".into(),
            value: primary.clone(),
        }];
        if urng.chance(0.7) {
            tags.push(Tag {
                key: "cost-center".into(),
                value: format!("cc-{}", 1000 + urng.below(9000)),
            });
        }
        if urng.chance(0.4) {
            tags.push(Tag {
                key: "email".into(),
                value: format!("{name}@{co}.example.com"),
            });
        }
        let path = match urng.below(10) {
            0 => "/contractors/",
            1 | 2 => "/engineering/",
            _ => "/",
        };
        users.push(User {
            path: path.to_string(),
            user_name: name.clone(),
            user_id: aws_id(&mut urng, "AIDA"),
            arn: format!("arn:aws:iam::{account}:user{path}{name}"),
            create_date: date,
            group_list,
            user_policy_list: inline,
            attached_managed_policies: attached,
            permissions_boundary: boundary,
            tags,
        });
    }

    // --- roles ----------------------------------------------------------------------
    let mut rrng = Rng::fork(seed, 6);
    let mut roles: Vec<Role> = Vec::with_capacity(counts.roles);
    let mut role_names: BTreeSet<String> = BTreeSet::new();
    let service_linked: &[(&str, &str)] = &[
        ("AWSServiceRoleForECS", "ecs.amazonaws.com"),
        (
            "AWSServiceRoleForElasticLoadBalancing",
            "elasticloadbalancing.amazonaws.com",
        ),
        ("AWSServiceRoleForRDS", "rds.amazonaws.com"),
        ("AWSServiceRoleForAutoScaling", "autoscaling.amazonaws.com"),
        ("AWSServiceRoleForSupport", "support.amazonaws.com"),
        (
            "AWSServiceRoleForTrustedAdvisor",
            "trustedadvisor.amazonaws.com",
        ),
    ];
    for (name, svc) in service_linked.iter().take(counts.roles / 10) {
        let (t, date) = random_date(&mut rrng);
        let trust = trust_doc(vec![trust_stmt("Service", vec![svc.to_string()])]);
        role_names.insert(name.to_string());
        roles.push(Role {
            path: format!("/aws-service-role/{svc}/"),
            role_name: name.to_string(),
            role_id: aws_id(&mut rrng, "AROA"),
            arn: format!("arn:aws:iam::{account}:role/aws-service-role/{svc}/{name}"),
            create_date: date,
            assume_role_policy_document: DocField {
                doc: trust,
                encoded: false,
            },
            instance_profile_list: Vec::new(),
            role_policy_list: Vec::new(),
            attached_managed_policies: Vec::new(),
            permissions_boundary: None,
            tags: Vec::new(),
            role_last_used: last_used(&mut rrng, t),
            human: false,
        });
    }
    while roles.len() < counts.roles {
        let team = group_names
            .get(rrng.below(group_names.len()))
            .map(|g| team_slug(g))
            .unwrap_or_default();
        let kind = rrng.below(100);
        let (t, date) = random_date(&mut rrng);
        let mut g = Gen {
            rng: &mut rrng,
            ctx: &ctx,
        };
        let (base, path, trust, attached_aws, human): (String, String, Doc, Vec<&str>, bool) =
            if kind < 68 {
                let (svc, label, aws): (&str, &str, &[&str]) = match g.rng.below(8) {
                    0..=2 => (
                        "lambda.amazonaws.com",
                        "lambda",
                        &["AWSLambdaBasicExecutionRole"],
                    ),
                    3 | 4 => (
                        "ecs-tasks.amazonaws.com",
                        "ecs-task",
                        &["AmazonECSTaskExecutionRolePolicy"],
                    ),
                    5 => (
                        "ec2.amazonaws.com",
                        "ec2",
                        &["AmazonSSMManagedInstanceCore"],
                    ),
                    6 => ("glue.amazonaws.com", "glue", &["AWSGlueServiceRole"]),
                    _ => match g.rng.below(4) {
                        0 => ("states.amazonaws.com", "sfn", &[]),
                        1 => (
                            "sagemaker.amazonaws.com",
                            "sagemaker",
                            &["AmazonSageMakerFullAccess"],
                        ),
                        2 => ("codebuild.amazonaws.com", "codebuild", &[]),
                        _ => ("events.amazonaws.com", "events", &[]),
                    },
                };
                let verb = g.rng.pick(VERBS);
                let path = if g.rng.chance(0.4) {
                    "/service-role/"
                } else {
                    "/"
                };
                let mut st = trust_stmt("Service", vec![svc.to_string()]);
                if g.rng.chance(0.1) {
                    st.conditions.push(Cond {
                        op: "StringEquals".into(),
                        key: "aws:SourceAccount".into(),
                        values: vec![account.clone()],
                    });
                }
                let aws: Vec<&str> = aws.iter().copied().filter(|_| g.rng.chance(0.8)).collect();
                (
                    format!("{team}-{label}-{verb}"),
                    path.to_string(),
                    trust_doc(vec![st]),
                    aws,
                    false,
                )
            } else if kind < 82 {
                let other = g
                    .ctx
                    .other_accounts
                    .get(g.rng.below(g.ctx.other_accounts.len()))
                    .cloned()
                    .unwrap_or_default();
                let principal = if g.rng.chance(0.5) {
                    format!("arn:aws:iam::{other}:root")
                } else {
                    format!(
                        "arn:aws:iam::{other}:role/{}",
                        g.rng.pick(&[
                            "deployer",
                            "auditor",
                            "ci-runner",
                            "datadog-integration",
                            "backup-operator"
                        ])
                    )
                };
                let mut st = trust_stmt("AWS", vec![principal]);
                if g.rng.chance(0.6) {
                    st.conditions.push(Cond {
                        op: "StringEquals".into(),
                        key: "sts:ExternalId".into(),
                        values: vec![uuid(g.rng)],
                    });
                }
                let label = g.rng.pick(&[
                    "cross-account-deploy",
                    "vendor-audit",
                    "partner-read",
                    "backup",
                    "monitoring",
                ]);
                let aws: Vec<&str> = if g.rng.chance(0.5) {
                    vec![
                        g.rng
                            .pick(&["ReadOnlyAccess", "SecurityAudit", "ViewOnlyAccess"]),
                    ]
                } else {
                    Vec::new()
                };
                (
                    format!("{team}-{label}"),
                    "/".into(),
                    trust_doc(vec![st]),
                    aws,
                    false,
                )
            } else if kind < 95 {
                // Assumable by people of this account.
                let label = g.rng.pick(&[
                    "deployer",
                    "operator",
                    "admin",
                    "break-glass",
                    "data-access",
                    "readonly",
                ]);
                let mut st = trust_stmt("AWS", vec![format!("arn:aws:iam::{account}:root")]);
                if g.rng.chance(0.5) {
                    st.conditions.push(Cond {
                        op: "Bool".into(),
                        key: "aws:MultiFactorAuthPresent".into(),
                        values: vec!["true".into()],
                    });
                }
                let name = if label == "admin" {
                    format!("admin-{team}")
                } else {
                    format!("{team}-{label}")
                };
                let aws: Vec<&str> = match label {
                    "admin" | "break-glass" => vec!["AdministratorAccess"],
                    "readonly" => vec!["ReadOnlyAccess"],
                    _ => Vec::new(),
                };
                (name, "/".into(), trust_doc(vec![st]), aws, true)
            } else {
                let set = g.rng.pick(&[
                    "AdministratorAccess",
                    "ReadOnlyAccess",
                    "PowerUserAccess",
                    "ViewOnlyAccess",
                    "Billing",
                    "SecurityAudit",
                ]);
                let mut st = trust_stmt("Federated", vec![g.ctx.saml_provider.clone()]);
                st.actions = strs(&["sts:AssumeRoleWithSAML", "sts:TagSession"]);
                st.conditions.push(Cond {
                    op: "StringEquals".into(),
                    key: "SAML:aud".into(),
                    values: vec!["https://signin.aws.amazon.com/saml".into()],
                });
                (
                    format!("AWSReservedSSO_{set}_{}", hex(g.rng, 16)),
                    "/aws-reserved/sso.amazonaws.com/".into(),
                    trust_doc(vec![st]),
                    vec![set],
                    false,
                )
            };
        let mut name = base.clone();
        let mut n = 2;
        while role_names.contains(&name) {
            name = format!("{base}-{n}");
            n += 1;
        }
        role_names.insert(name.clone());
        let sso = path.starts_with("/aws-reserved/");
        let mut inline = Vec::new();
        if !sso && g.rng.chance(0.75) {
            let n_inline = if g.rng.chance(0.1) { 2 } else { 1 };
            for k in 0..n_inline {
                let scope = if k == 0 {
                    name.clone()
                } else {
                    format!("{name}-extra")
                };
                let n = g.rng.range(2, 5);
                let mut statements = g.statements(&scope, n);
                if human && g.rng.chance(0.3) {
                    let mut s = Stmt::new(
                        Effect::Allow,
                        strs(&["sts:AssumeRole"]),
                        vec![format!("arn:aws:iam::{account}:role/{team}-*")],
                    );
                    s.sid = Some("ChainIntoTeamRoles".into());
                    statements.push(s);
                }
                let document = g.doc(statements);
                inline.push(InlinePolicy {
                    policy_name: format!(
                        "{}-{}",
                        scope,
                        g.rng.pick(&["policy", "permissions", "inline"])
                    ),
                    policy_document: document,
                });
            }
        }
        let mut attached: Vec<Attached> = attached_aws.into_iter().filter_map(attach_aws).collect();
        if !sso && rrng.chance(0.25) {
            let i = team_policy_start + policy_zipf.sample(&mut rrng);
            if let Some(a) = arn_of(&policies, i)
                && !attached.contains(&a)
            {
                attached.push(a);
            }
        }
        let boundary = (!sso && rrng.chance(0.1)).then(|| Boundary {
            permissions_boundary_type: "Policy",
            permissions_boundary_arn: special_arn("boundary-workload"),
        });
        let mut tags = Vec::new();
        if rrng.chance(0.5) {
            tags.push(Tag {
                key: "team".into(),
                value: team.clone(),
            });
            tags.push(Tag {
                key: "env".into(),
                value: rrng.pick(&["prod", "staging", "dev"]).into(),
            });
            if rrng.chance(0.3) {
                tags.push(Tag {
                    key: "managed-by".into(),
                    value: rrng.pick(&["terraform", "cloudformation", "cdk"]).into(),
                });
            }
        }
        let arn = format!("arn:aws:iam::{account}:role{path}{name}");
        let role_id = aws_id(&mut rrng, "AROA");
        let trust_field = DocField {
            doc: trust,
            encoded: rrng.chance(0.05),
        };
        let mut profiles = Vec::new();
        if name.contains("-ec2-") {
            profiles.push(InstanceProfile {
                path: path.clone(),
                instance_profile_name: name.clone(),
                instance_profile_id: aws_id(&mut rrng, "AIPA"),
                arn: format!("arn:aws:iam::{account}:instance-profile{path}{name}"),
                create_date: date.clone(),
                roles: vec![InstanceProfileRole {
                    path: path.clone(),
                    role_name: name.clone(),
                    role_id: role_id.clone(),
                    arn: arn.clone(),
                    create_date: date.clone(),
                    assume_role_policy_document: trust_field.clone(),
                }],
            });
        }
        roles.push(Role {
            path,
            role_name: name,
            role_id,
            arn,
            create_date: date,
            assume_role_policy_document: trust_field,
            instance_profile_list: profiles,
            role_policy_list: inline,
            attached_managed_policies: attached,
            permissions_boundary: boundary,
            tags,
            role_last_used: last_used(&mut rrng, t),
            human,
        });
    }

    let mut acct = Account {
        users,
        groups,
        roles,
        policies,
        account_id: account,
    };
    refresh_policy_list(&mut acct);
    acct
}

/// `team-payments` → `payments`; `payments-dev` stays.
fn team_slug(group: &str) -> String {
    group.strip_prefix("team-").unwrap_or(group).to_string()
}

fn group_names(n: usize) -> Vec<String> {
    let mut out = Vec::with_capacity(n);
    for t in TEAMS {
        out.push(format!("team-{t}"));
    }
    'outer: for f in FLAVORS {
        for t in TEAMS {
            if out.len() >= n {
                break 'outer;
            }
            out.push(format!("{t}-{f}"));
        }
    }
    let mut k = 2;
    while out.len() < n {
        out.push(format!(
            "team-{}-{k}",
            TEAMS.get(k % TEAMS.len()).copied().unwrap_or("x")
        ));
        k += 1;
    }
    out.truncate(n);
    out
}

fn home_statement(ctx: &Ctx) -> Stmt {
    let co = ctx.co;
    let mut s = Stmt::new(
        Effect::Allow,
        strs(&["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]),
        vec![format!(
            "arn:aws:s3:::{co}-user-homes/home/${{aws:username}}/*"
        )],
    )
    .sid("AllowOwnHomeDirectory");
    s.probe = Some(Probe {
        action: "s3:GetObject".into(),
        resource: format!("arn:aws:s3:::{co}-user-homes/home/${{aws:username}}/notes.txt"),
    });
    s
}

fn home_list(ctx: &Ctx) -> Stmt {
    Stmt::new(
        Effect::Allow,
        strs(&["s3:ListBucket"]),
        vec![format!("arn:aws:s3:::{}-user-homes", ctx.co)],
    )
    .sid("ListOwnHomePrefix")
    .cond("StringLike", "s3:prefix", &["home/${aws:username}/*"])
}

fn trust_stmt(kind: &'static str, values: Vec<String>) -> Stmt {
    let mut s = Stmt::new(Effect::Allow, strs(&["sts:AssumeRole"]), Vec::new());
    s.principal = vec![(kind, values)];
    s
}

fn trust_doc(statements: Vec<Stmt>) -> Doc {
    Doc {
        version: "2012-10-17",
        statements,
    }
}

fn last_used(rng: &mut Rng, created: i64) -> RoleLastUsed {
    if rng.chance(0.7) {
        let (_, d) = later_date(rng, created);
        RoleLastUsed {
            last_used_date: Some(d),
            region: Some(rng.pick(REGIONS).to_string()),
        }
    } else {
        RoleLastUsed::default()
    }
}

fn managed_policy(
    rng: &mut Rng,
    account: &str,
    name: &str,
    path: &str,
    docs: Vec<(Doc, bool)>,
    special: bool,
) -> ManagedPolicy {
    let (t0, created) = random_date(rng);
    let mut t = t0;
    let mut versions = Vec::with_capacity(docs.len());
    let n = docs.len();
    for (i, (doc, encoded)) in docs.into_iter().enumerate() {
        let date = if i == 0 {
            created.clone()
        } else {
            let (t1, d) = later_date(rng, t);
            t = t1;
            d
        };
        versions.push(PolicyVersion {
            document: DocField { doc, encoded },
            version_id: format!("v{}", i + 1),
            is_default_version: i + 1 == n,
            create_date: date,
        });
    }
    let update = versions
        .last()
        .map(|v| v.create_date.clone())
        .unwrap_or_else(|| created.clone());
    // Newest first, as the export lists them.
    versions.reverse();
    ManagedPolicy {
        policy_name: name.to_string(),
        policy_id: aws_id(rng, "ANPA"),
        arn: format!("arn:aws:iam::{account}:policy{path}{name}"),
        path: path.to_string(),
        default_version_id: format!("v{n}"),
        attachment_count: 0,
        permissions_boundary_usage_count: 0,
        is_attachable: true,
        create_date: created,
        update_date: update,
        policy_version_list: versions,
        aws_managed: false,
        special,
    }
}

/// Recount attachments and list the attached AWS managed policies that the export shows
/// (the `listed` ones); the others stay out, for iamdiff's catalog to resolve.
fn refresh_policy_list(acct: &mut Account) {
    let mut counts: BTreeMap<String, u32> = BTreeMap::new();
    let mut bcounts: BTreeMap<String, u32> = BTreeMap::new();
    let attached = acct
        .users
        .iter()
        .flat_map(|u| u.attached_managed_policies.iter())
        .chain(
            acct.groups
                .iter()
                .flat_map(|g| g.attached_managed_policies.iter()),
        )
        .chain(
            acct.roles
                .iter()
                .flat_map(|r| r.attached_managed_policies.iter()),
        );
    for a in attached {
        *counts.entry(a.policy_arn.clone()).or_default() += 1;
    }
    let boundaries = acct
        .users
        .iter()
        .filter_map(|u| u.permissions_boundary.as_ref())
        .chain(
            acct.roles
                .iter()
                .filter_map(|r| r.permissions_boundary.as_ref()),
        );
    for b in boundaries {
        *bcounts
            .entry(b.permissions_boundary_arn.clone())
            .or_default() += 1;
    }
    // Keep existing AWS entries (stable ids and dates), drop unused ones, add new ones.
    acct.policies
        .retain(|p| !p.aws_managed || counts.contains_key(&p.arn));
    for m in AWS_MANAGED.iter().filter(|m| m.listed) {
        let arn = aws_managed_arn(m);
        if counts.contains_key(&arn) && !acct.policies.iter().any(|p| p.arn == arn) {
            acct.policies.push(aws_policy_entry(m));
        }
    }
    for p in &mut acct.policies {
        p.attachment_count = counts.get(&p.arn).copied().unwrap_or(0);
        p.permissions_boundary_usage_count = bcounts.get(&p.arn).copied().unwrap_or(0);
    }
}

fn aws_policy_entry(m: &AwsManaged) -> ManagedPolicy {
    // AWS managed policies are old; their ids and dates are fixed by the name.
    let mut r = Rng::new(m.name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    }));
    let created = 1_423_180_800 + r.below(60_000_000) as i64;
    let updated = created + 10_000_000 + r.below(200_000_000) as i64;
    ManagedPolicy {
        policy_name: m.name.to_string(),
        policy_id: aws_id(&mut r, "ANPA"),
        arn: aws_managed_arn(m),
        path: m.path.to_string(),
        default_version_id: m.version.to_string(),
        attachment_count: 0,
        permissions_boundary_usage_count: 0,
        is_attachable: true,
        create_date: iso_date(created),
        update_date: iso_date(updated),
        policy_version_list: vec![PolicyVersion {
            document: DocField {
                doc: aws_doc(m),
                encoded: false,
            },
            version_id: m.version.to_string(),
            is_default_version: true,
            create_date: iso_date(updated),
        }],
        aws_managed: true,
        special: false,
    }
}

// ---------------------------------------------------------------------------------------
// The oracle: a small, conservative evaluator over the generator's own statements
// ---------------------------------------------------------------------------------------

/// Three-valued match: `Maybe` when a condition, a policy variable or an unknown policy
/// could go either way.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tri {
    No,
    Maybe,
    Yes,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Certainly allowed: an unconditional allow, no deny that could apply, boundary agrees.
    Allowed,
    /// Certainly denied by an unconditional explicit deny.
    Denied,
    /// Certainly not allowed: nothing could allow it, not even through an assumable role.
    NotAllowed,
    Unsure,
}

/// IAM wildcard match: `*` any run, `?` one character; actions ignore case.
pub fn wildcard(pattern: &str, text: &str, ignore_case: bool) -> bool {
    let p = pattern.as_bytes();
    let s = text.as_bytes();
    let eq = |a: u8, b: u8| {
        if ignore_case {
            a.eq_ignore_ascii_case(&b)
        } else {
            a == b
        }
    };
    let (mut pi, mut si) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        match (p.get(pi), s.get(si)) {
            (Some(b'*'), _) => {
                star = Some((pi, si));
                pi += 1;
            }
            (Some(&pc), Some(&sc)) if pc == b'?' || eq(pc, sc) => {
                pi += 1;
                si += 1;
            }
            _ => match star {
                Some((sp, ss)) => {
                    pi = sp + 1;
                    si = ss + 1;
                    star = Some((sp, ss + 1));
                }
                None => return false,
            },
        }
    }
    while p.get(pi) == Some(&b'*') {
        pi += 1;
    }
    pi == p.len()
}

fn action_matches(stmt: &Stmt, action: &str) -> bool {
    let hit = stmt.actions.iter().any(|p| wildcard(p, action, true));
    hit != stmt.not_action
}

fn resource_tri(stmt: &Stmt, resource: &str, username: Option<&str>) -> Tri {
    let mut best = Tri::No;
    for p in &stmt.resources {
        let t = if p.contains("${") {
            match username {
                Some(u) if !p.replace("${aws:username}", "").contains("${") => {
                    if wildcard(&p.replace("${aws:username}", u), resource, false) {
                        Tri::Yes
                    } else {
                        Tri::No
                    }
                }
                _ => Tri::Maybe,
            }
        } else if wildcard(p, resource, false) {
            Tri::Yes
        } else {
            Tri::No
        };
        best = best.max(t);
    }
    if stmt.not_resource {
        match best {
            Tri::Yes => Tri::No,
            Tri::Maybe => Tri::Maybe,
            Tri::No => Tri::Yes,
        }
    } else {
        best
    }
}

/// Whether a statement certainly covers its own probe (for a user named `probe-user`).
pub fn probe_is_covered(stmt: &Stmt) -> bool {
    stmt.probe.as_ref().is_some_and(|p| {
        let resource = p.resource.replace("${aws:username}", "probe-user");
        stmt_tri(stmt, &p.action, &resource, Some("probe-user")) == Tri::Yes
    })
}

fn stmt_tri(stmt: &Stmt, action: &str, resource: &str, username: Option<&str>) -> Tri {
    if !action_matches(stmt, action) {
        return Tri::No;
    }
    let r = resource_tri(stmt, resource, username);
    if r == Tri::No {
        Tri::No
    } else if stmt.conditions.is_empty() {
        r
    } else {
        Tri::Maybe
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    User,
    Role,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::User => "user",
            Kind::Role => "role",
        }
    }
}

enum Source<'a> {
    Doc(&'a Doc),
    Aws(&'static AwsManaged),
    Unknown,
}

/// Lookups over one account for the oracle.
pub struct Oracle<'a> {
    acct: &'a Account,
    users: BTreeMap<&'a str, usize>,
    groups: BTreeMap<&'a str, usize>,
    roles: BTreeMap<&'a str, usize>,
    policies: BTreeMap<&'a str, usize>,
    /// Roles whose trust names a principal of this account: (role, trusts the root).
    assumable: Vec<(usize, bool)>,
}

impl<'a> Oracle<'a> {
    pub fn new(acct: &'a Account) -> Oracle<'a> {
        let root = format!("arn:aws:iam::{}:root", acct.account_id);
        let assumable = acct
            .roles
            .iter()
            .enumerate()
            .filter_map(|(i, r)| {
                let mut trusts_root = false;
                let mut any = false;
                for s in &r.assume_role_policy_document.doc.statements {
                    for (kind, values) in &s.principal {
                        if *kind != "AWS" {
                            continue;
                        }
                        for v in values {
                            if *v == root || *v == acct.account_id || v == "*" {
                                trusts_root = true;
                                any = true;
                            } else if v.starts_with(&format!("arn:aws:iam::{}:", acct.account_id)) {
                                any = true;
                            }
                        }
                    }
                }
                any.then_some((i, trusts_root))
            })
            .collect();
        Oracle {
            acct,
            users: acct
                .users
                .iter()
                .enumerate()
                .map(|(i, u)| (u.user_name.as_str(), i))
                .collect(),
            groups: acct
                .groups
                .iter()
                .enumerate()
                .map(|(i, g)| (g.group_name.as_str(), i))
                .collect(),
            roles: acct
                .roles
                .iter()
                .enumerate()
                .map(|(i, r)| (r.role_name.as_str(), i))
                .collect(),
            policies: acct
                .policies
                .iter()
                .enumerate()
                .map(|(i, p)| (p.arn.as_str(), i))
                .collect(),
            assumable,
        }
    }

    fn managed(&self, arn: &str) -> Source<'a> {
        if let Some(m) = aws_managed_by_arn(arn) {
            return Source::Aws(m);
        }
        match self
            .policies
            .get(arn)
            .and_then(|&i| self.acct.policies.get(i))
            .and_then(|p| p.default_doc())
        {
            Some(d) => Source::Doc(d),
            None => Source::Unknown,
        }
    }

    /// Identity policies of a principal, and its boundary if any.
    fn sources(
        &self,
        kind: Kind,
        name: &str,
    ) -> Option<(Vec<Source<'a>>, Option<Source<'a>>, &'a str)> {
        let mut out = Vec::new();
        match kind {
            Kind::User => {
                let u = self.acct.users.get(*self.users.get(name)?)?;
                out.extend(
                    u.user_policy_list
                        .iter()
                        .map(|p| Source::Doc(&p.policy_document.doc)),
                );
                out.extend(
                    u.attached_managed_policies
                        .iter()
                        .map(|a| self.managed(&a.policy_arn)),
                );
                for g in &u.group_list {
                    match self
                        .groups
                        .get(g.as_str())
                        .and_then(|&i| self.acct.groups.get(i))
                    {
                        Some(g) => {
                            out.extend(
                                g.group_policy_list
                                    .iter()
                                    .map(|p| Source::Doc(&p.policy_document.doc)),
                            );
                            out.extend(
                                g.attached_managed_policies
                                    .iter()
                                    .map(|a| self.managed(&a.policy_arn)),
                            );
                        }
                        None => out.push(Source::Unknown),
                    }
                }
                let b = u
                    .permissions_boundary
                    .as_ref()
                    .map(|b| self.managed(&b.permissions_boundary_arn));
                Some((out, b, u.arn.as_str()))
            }
            Kind::Role => {
                let r = self.acct.roles.get(*self.roles.get(name)?)?;
                out.extend(
                    r.role_policy_list
                        .iter()
                        .map(|p| Source::Doc(&p.policy_document.doc)),
                );
                out.extend(
                    r.attached_managed_policies
                        .iter()
                        .map(|a| self.managed(&a.policy_arn)),
                );
                let b = r
                    .permissions_boundary
                    .as_ref()
                    .map(|b| self.managed(&b.permissions_boundary_arn));
                Some((out, b, r.arn.as_str()))
            }
        }
    }

    /// (allow, deny) over some policies.
    fn verdict(
        sources: &[Source<'_>],
        action: &str,
        resource: &str,
        username: Option<&str>,
    ) -> (Tri, Tri) {
        let mut allow = Tri::No;
        let mut deny = Tri::No;
        for src in sources {
            match src {
                Source::Doc(d) => {
                    for s in &d.statements {
                        let t = stmt_tri(s, action, resource, username);
                        match s.effect {
                            Effect::Allow => allow = allow.max(t),
                            Effect::Deny => deny = deny.max(t),
                        }
                    }
                }
                Source::Aws(m) => {
                    for s in &aws_doc(m).statements {
                        allow = allow.max(stmt_tri(s, action, resource, username));
                    }
                    if m.may.iter().any(|p| wildcard(p, action, true)) {
                        allow = allow.max(Tri::Maybe);
                    }
                }
                Source::Unknown => allow = allow.max(Tri::Maybe),
            }
        }
        (allow, deny)
    }

    /// Whether `kind`/`name` may do `action` on `resource` by its own policies, within
    /// its boundary: (allow, deny).
    fn own(&self, kind: Kind, name: &str, action: &str, resource: &str) -> Option<(Tri, Tri)> {
        let (sources, boundary, _) = self.sources(kind, name)?;
        let username = (kind == Kind::User).then_some(name);
        let (mut allow, mut deny) = Self::verdict(&sources, action, resource, username);
        if let Some(b) = boundary {
            let (ba, bd) = Self::verdict(std::slice::from_ref(&b), action, resource, username);
            allow = allow.min(ba);
            deny = deny.max(bd);
        }
        Some((allow, deny))
    }

    /// Whether any allow the principal holds could name `action` at all, whatever the
    /// resource: the cheap test before looking at roles one by one.
    fn may_act(&self, kind: Kind, name: &str, action: &str) -> bool {
        let Some((sources, _, _)) = self.sources(kind, name) else {
            return true;
        };
        sources.iter().any(|src| match src {
            Source::Doc(d) => d
                .statements
                .iter()
                .any(|s| s.effect == Effect::Allow && action_matches(s, action)),
            Source::Aws(m) => m.may.iter().any(|p| wildcard(p, action, true)),
            Source::Unknown => true,
        })
    }

    fn may_assume(&self, kind: Kind, name: &str, role_arn: &str) -> bool {
        self.own(kind, name, "sts:AssumeRole", role_arn)
            .is_some_and(|(a, d)| a != Tri::No && d != Tri::Yes)
    }

    /// Roles the principal could reach by `sts:AssumeRole`, chained: those whose trust
    /// names it, and those trusting the account when its own policies may allow the call.
    fn reachable_roles(&self, kind: Kind, name: &str) -> Vec<usize> {
        let mut seen: BTreeSet<usize> = BTreeSet::new();
        let mut queue: Vec<(Kind, String)> = vec![(kind, name.to_string())];
        while let Some((k, n)) = queue.pop() {
            let Some((_, _, arn)) = self.sources(k, &n) else {
                continue;
            };
            let can_call = self.may_act(k, &n, "sts:AssumeRole");
            for &(ri, trusts_root) in &self.assumable {
                let Some(role) = self.acct.roles.get(ri) else {
                    continue;
                };
                if seen.contains(&ri) {
                    continue;
                }
                let named = role
                    .assume_role_policy_document
                    .doc
                    .statements
                    .iter()
                    .any(|s| s.principal.iter().any(|(_, v)| v.iter().any(|x| x == arn)));
                if named || (trusts_root && can_call && self.may_assume(k, &n, &role.arn)) {
                    seen.insert(ri);
                    queue.push((Kind::Role, role.role_name.clone()));
                }
            }
        }
        seen.into_iter().collect()
    }

    pub fn decide(&self, kind: Kind, name: &str, action: &str, resource: &str) -> Decision {
        let resource = if kind == Kind::User {
            resource.replace("${aws:username}", name)
        } else if resource.contains("${") {
            return Decision::Unsure;
        } else {
            resource.to_string()
        };
        let Some((allow, deny)) = self.own(kind, name, action, &resource) else {
            return Decision::Unsure;
        };
        if deny == Tri::Yes {
            return Decision::Denied;
        }
        if allow == Tri::Yes && deny == Tri::No {
            return Decision::Allowed;
        }
        if allow != Tri::No {
            return Decision::Unsure;
        }
        for ri in self.reachable_roles(kind, name) {
            let Some(role) = self.acct.roles.get(ri) else {
                return Decision::Unsure;
            };
            match self.own(Kind::Role, &role.role_name, action, &resource) {
                Some((Tri::No, _)) => {}
                _ => return Decision::Unsure,
            }
        }
        Decision::NotAllowed
    }
}

// ---------------------------------------------------------------------------------------
// Mutations
// ---------------------------------------------------------------------------------------

/// One expected lost request, as written to `expected-breaks.json`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Break {
    pub mutation: String,
    pub principal_kind: &'static str,
    pub principal: String,
    pub action: String,
    pub resource: String,
    pub before: &'static str,
    pub after: &'static str,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Rename {
    pub kind: &'static str,
    pub old: String,
    pub new: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct MutationRecord {
    pub id: String,
    pub kind: &'static str,
    pub target: String,
    pub detail: String,
    pub breaks: usize,
}

pub struct Mutated {
    pub after: Account,
    pub breaks: Vec<Break>,
    pub renames: Vec<Rename>,
    pub mutations: Vec<MutationRecord>,
}

const KINDS: &[(&str, u32)] = &[
    ("remove-user-from-group", 30),
    ("detach-user-policy", 8),
    ("detach-group-policy", 10),
    ("detach-role-policy", 8),
    ("new-default-version", 14),
    ("deny-in-group-policy", 10),
    ("rename-group", 10),
    ("narrow-role-policy", 10),
];

/// Largest number of principals one mutation may affect, so the expected list stays a
/// list a person can read.
const FANOUT: usize = 40;

/// The naming template of the migration's new groups (`{client}-{env}-{deployment}-group-`).
pub const RENAME_PREFIX: &str = "edge-prod-b001-group-";

type Probes = Vec<(Kind, String, Probe)>;

/// For each customer policy: the principals it reaches (users directly and through
/// groups, roles), and whether one of them is a role people can assume.
type Reach = BTreeMap<String, (Vec<(Kind, String)>, bool)>;

/// What a mutation changed, and which requests to probe on whom.
struct Pending {
    record: MutationRecord,
    probes: Probes,
}

/// Applies mutations to `after`, one at a time, keeping their targets disjoint so that
/// each expected break has one cause.
struct Mutator<'a> {
    rng: Rng,
    before: &'a Account,
    oracle: Oracle<'a>,
    after: Account,
    members: BTreeMap<String, Vec<String>>,
    reach: Reach,
    groups: BTreeSet<String>,
    policies: BTreeSet<String>,
    roles: BTreeSet<String>,
    users: BTreeSet<String>,
    renames: Vec<Rename>,
}

/// Apply `count` controlled mutations to a copy of `before`, and work out exactly which
/// requests they break.
pub fn mutate(before: &Account, seed: u64, count: usize) -> Mutated {
    let mut rng = Rng::fork(seed, 100);
    let total: u32 = KINDS.iter().map(|(_, w)| w).sum();
    let mut plan: Vec<&'static str> = Vec::with_capacity(count);
    for (k, w) in KINDS {
        let n = (count * *w as usize).div_ceil(total as usize);
        plan.extend(std::iter::repeat_n(*k, n));
    }
    rng.shuffle(&mut plan);
    plan.truncate(count);

    let members = memberships(before);
    let reach = policy_reach(before, &members);
    let mut m = Mutator {
        rng,
        before,
        oracle: Oracle::new(before),
        after: before.clone(),
        members,
        reach,
        groups: BTreeSet::new(),
        policies: BTreeSet::new(),
        roles: BTreeSet::new(),
        users: BTreeSet::new(),
        renames: Vec::new(),
    };
    let mut pending: Vec<Pending> = Vec::new();
    for (i, kind) in plan.iter().enumerate() {
        for _ in 0..500 {
            let done = match *kind {
                "remove-user-from-group" => m.remove_user(),
                "detach-user-policy" => m.detach_user(),
                "detach-group-policy" => m.detach_group(),
                "detach-role-policy" => m.detach_role(),
                "new-default-version" => m.new_version(),
                "deny-in-group-policy" => m.deny_in_group(i + 1),
                "rename-group" => m.rename_group(),
                _ => m.narrow_role(),
            };
            if let Some(mut p) = done {
                p.record.id = format!("m{:04}", i + 1);
                p.record.kind = kind;
                pending.push(p);
                break;
            }
        }
    }
    let Mutator {
        mut after,
        oracle: ob,
        mut renames,
        ..
    } = m;
    refresh_policy_list(&mut after);

    let oa = Oracle::new(&after);
    let mut breaks: Vec<Break> = Vec::new();
    let mut seen: BTreeSet<(&'static str, String, String, String)> = BTreeSet::new();
    let mut records = Vec::with_capacity(pending.len());
    for p in pending {
        let label = format!("{} {} {}", p.record.id, p.record.kind, p.record.target);
        let mut n = 0;
        for (kind, name, probe) in &p.probes {
            let resource = if *kind == Kind::User {
                probe.resource.replace("${aws:username}", name)
            } else {
                probe.resource.clone()
            };
            if ob.decide(*kind, name, &probe.action, &resource) != Decision::Allowed {
                continue;
            }
            let after_word = match oa.decide(*kind, name, &probe.action, &resource) {
                Decision::NotAllowed => "not-allowed",
                Decision::Denied => "denied",
                _ => continue,
            };
            let key = (
                kind.as_str(),
                name.clone(),
                probe.action.clone(),
                resource.clone(),
            );
            if !seen.insert(key) {
                continue;
            }
            n += 1;
            breaks.push(Break {
                mutation: label.clone(),
                principal_kind: kind.as_str(),
                principal: name.clone(),
                action: probe.action.clone(),
                resource,
                before: "allowed",
                after: after_word,
            });
        }
        let mut record = p.record;
        record.breaks = n;
        records.push(record);
    }
    breaks.sort();
    renames.sort();
    Mutated {
        after,
        breaks,
        renames,
        mutations: records,
    }
}

fn record(target: String, detail: String) -> MutationRecord {
    MutationRecord {
        id: String::new(),
        kind: "",
        target,
        detail,
        breaks: 0,
    }
}

fn memberships(acct: &Account) -> BTreeMap<String, Vec<String>> {
    let mut m: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for g in &acct.groups {
        m.entry(g.group_name.clone()).or_default();
    }
    for u in &acct.users {
        for g in &u.group_list {
            m.entry(g.clone()).or_default().push(u.user_name.clone());
        }
    }
    m
}

fn policy_reach(acct: &Account, members: &BTreeMap<String, Vec<String>>) -> Reach {
    let mut out = Reach::new();
    for u in &acct.users {
        for a in &u.attached_managed_policies {
            out.entry(a.policy_arn.clone())
                .or_default()
                .0
                .push((Kind::User, u.user_name.clone()));
        }
    }
    for g in &acct.groups {
        for a in &g.attached_managed_policies {
            let e = out.entry(a.policy_arn.clone()).or_default();
            for m in members.get(&g.group_name).into_iter().flatten() {
                e.0.push((Kind::User, m.clone()));
            }
        }
    }
    for r in &acct.roles {
        for a in &r.attached_managed_policies {
            let e = out.entry(a.policy_arn.clone()).or_default();
            e.0.push((Kind::Role, r.role_name.clone()));
            e.1 |= r.human;
        }
    }
    out
}

fn doc_probes(doc: &Doc) -> Vec<Probe> {
    doc.statements
        .iter()
        .filter(|s| s.effect == Effect::Allow && s.conditions.is_empty())
        .filter_map(|s| s.probe.clone())
        .collect()
}

fn policy_doc<'a>(acct: &'a Account, arn: &str) -> Option<&'a Doc> {
    acct.policies
        .iter()
        .find(|p| p.arn == arn && !p.aws_managed)
        .and_then(|p| p.default_doc())
}

fn is_customer(arn: &str) -> bool {
    !arn.starts_with("arn:aws:iam::aws:")
}

fn on(kind: Kind, name: &str, probes: Vec<Probe>) -> Probes {
    probes
        .into_iter()
        .map(|p| (kind, name.to_string(), p))
        .collect()
}

fn on_all(names: &[String], probes: &[Probe]) -> Probes {
    names
        .iter()
        .flat_map(|n| probes.iter().map(|p| (Kind::User, n.clone(), p.clone())))
        .collect()
}

impl Mutator<'_> {
    /// Whether at least one probe is certainly allowed before: a mutation that could
    /// break nothing is not worth one of the few slots.
    fn promising(&self, probes: &Probes) -> bool {
        probes
            .iter()
            .any(|(k, n, p)| self.oracle.decide(*k, n, &p.action, &p.resource) == Decision::Allowed)
    }

    /// Customer policies attached in `list`, untouched, with at least one probe.
    fn detachable(&self, list: &[Attached]) -> Vec<usize> {
        list.iter()
            .enumerate()
            .filter(|(_, a)| is_customer(&a.policy_arn) && !self.policies.contains(&a.policy_arn))
            .filter(|(_, a)| {
                policy_doc(self.before, &a.policy_arn).is_some_and(|d| !doc_probes(d).is_empty())
            })
            .map(|(i, _)| i)
            .collect()
    }

    fn remove_user(&mut self) -> Option<Pending> {
        let ui = self.rng.below(self.after.users.len());
        let user = self.after.users.get(ui)?;
        if user.group_list.is_empty() || self.users.contains(&user.user_name) {
            return None;
        }
        let gi = self.rng.below(user.group_list.len());
        let group = user.group_list.get(gi)?.clone();
        if self.groups.contains(&group) {
            return None;
        }
        let name = user.user_name.clone();
        let g = self.before.groups.iter().find(|g| g.group_name == group)?;
        let mut probes = Vec::new();
        for p in &g.group_policy_list {
            probes.extend(doc_probes(&p.policy_document.doc));
        }
        for a in &g.attached_managed_policies {
            if let Some(d) = policy_doc(self.before, &a.policy_arn) {
                probes.extend(doc_probes(d));
            }
        }
        let probes = on(Kind::User, &name, probes);
        if !self.promising(&probes) {
            return None;
        }
        self.after.users.get_mut(ui)?.group_list.remove(gi);
        self.users.insert(name.clone());
        Some(Pending {
            record: record(
                format!("user={name} group={group}"),
                format!("user `{name}` removed from group `{group}`"),
            ),
            probes,
        })
    }

    fn detach_user(&mut self) -> Option<Pending> {
        let ui = self.rng.below(self.after.users.len());
        let user = self.after.users.get(ui)?;
        if self.users.contains(&user.user_name) {
            return None;
        }
        let candidates = self.detachable(&user.attached_managed_policies);
        let ai = *candidates.get(self.rng.below(candidates.len()))?;
        let a = user.attached_managed_policies.get(ai)?.clone();
        let name = user.user_name.clone();
        let probes = policy_doc(self.before, &a.policy_arn)
            .map(doc_probes)
            .unwrap_or_default();
        let probes = on(Kind::User, &name, probes);
        if !self.promising(&probes) {
            return None;
        }
        self.after
            .users
            .get_mut(ui)?
            .attached_managed_policies
            .remove(ai);
        self.users.insert(name.clone());
        Some(Pending {
            record: record(
                format!("user={name} policy={}", a.policy_name),
                format!("policy `{}` detached from user `{name}`", a.policy_arn),
            ),
            probes,
        })
    }

    fn detach_group(&mut self) -> Option<Pending> {
        let gi = self.rng.below(self.after.groups.len());
        let group = self.after.groups.get(gi)?;
        let names = self.members.get(&group.group_name)?;
        if self.groups.contains(&group.group_name) || names.is_empty() || names.len() > FANOUT {
            return None;
        }
        let candidates = self.detachable(&group.attached_managed_policies);
        let ai = *candidates.get(self.rng.below(candidates.len()))?;
        let a = group.attached_managed_policies.get(ai)?.clone();
        let gname = group.group_name.clone();
        let probes = policy_doc(self.before, &a.policy_arn)
            .map(doc_probes)
            .unwrap_or_default();
        let probes = on_all(names, &probes);
        if !self.promising(&probes) {
            return None;
        }
        self.after
            .groups
            .get_mut(gi)?
            .attached_managed_policies
            .remove(ai);
        self.groups.insert(gname.clone());
        Some(Pending {
            record: record(
                format!("group={gname} policy={}", a.policy_name),
                format!("policy `{}` detached from group `{gname}`", a.policy_arn),
            ),
            probes,
        })
    }

    fn detach_role(&mut self) -> Option<Pending> {
        let ri = self.rng.below(self.after.roles.len());
        let role = self.after.roles.get(ri)?;
        if role.human || self.roles.contains(&role.role_name) {
            return None;
        }
        let candidates = self.detachable(&role.attached_managed_policies);
        let ai = *candidates.get(self.rng.below(candidates.len()))?;
        let a = role.attached_managed_policies.get(ai)?.clone();
        let name = role.role_name.clone();
        let probes = policy_doc(self.before, &a.policy_arn)
            .map(doc_probes)
            .unwrap_or_default();
        let probes = on(Kind::Role, &name, probes);
        if !self.promising(&probes) {
            return None;
        }
        self.after
            .roles
            .get_mut(ri)?
            .attached_managed_policies
            .remove(ai);
        self.roles.insert(name.clone());
        Some(Pending {
            record: record(
                format!("role={name} policy={}", a.policy_name),
                format!("policy `{}` detached from role `{name}`", a.policy_arn),
            ),
            probes,
        })
    }

    fn new_version(&mut self) -> Option<Pending> {
        let pi = self.rng.below(self.after.policies.len());
        let policy = self.after.policies.get(pi)?;
        if policy.aws_managed || policy.special || self.policies.contains(&policy.arn) {
            return None;
        }
        let (principals, human) = self.reach.get(&policy.arn)?;
        if *human || principals.is_empty() || principals.len() > FANOUT {
            return None;
        }
        let old = policy
            .policy_version_list
            .iter()
            .find(|v| v.is_default_version)?;
        let mut doc = old.document.doc.clone();
        let mut narrowed = Vec::new();
        for s in &mut doc.statements {
            let probe = s.probe.clone();
            if s.effect == Effect::Allow && s.conditions.is_empty() && narrow_s3(s) {
                narrowed.extend(probe);
            }
        }
        let probes: Probes = principals
            .iter()
            .flat_map(|(k, n)| narrowed.iter().map(|p| (*k, n.clone(), p.clone())))
            .collect();
        if !self.promising(&probes) {
            return None;
        }
        let encoded = old.document.encoded;
        let arn = policy.arn.clone();
        let pname = policy.policy_name.clone();
        let date = bump_date(&policy.update_date, &mut self.rng);
        let policy = self.after.policies.get_mut(pi)?;
        let next = policy
            .policy_version_list
            .iter()
            .filter_map(|v| v.version_id.trim_start_matches('v').parse::<u32>().ok())
            .max()
            .unwrap_or(0)
            + 1;
        for v in &mut policy.policy_version_list {
            v.is_default_version = false;
        }
        // IAM keeps at most five versions: the oldest goes first.
        while policy.policy_version_list.len() >= 5 {
            policy.policy_version_list.pop();
        }
        policy.policy_version_list.insert(
            0,
            PolicyVersion {
                document: DocField { doc, encoded },
                version_id: format!("v{next}"),
                is_default_version: true,
                create_date: date.clone(),
            },
        );
        policy.default_version_id = format!("v{next}");
        policy.update_date = date;
        self.policies.insert(arn.clone());
        Some(Pending {
            record: record(
                format!("policy={pname} version=v{next}"),
                format!(
                    "policy `{arn}` gets default version `v{next}` with S3 object grants narrowed to `reports/`"
                ),
            ),
            probes,
        })
    }

    fn deny_in_group(&mut self, index: usize) -> Option<Pending> {
        let gi = self.rng.below(self.after.groups.len());
        let group = self.after.groups.get(gi)?;
        let names = self.members.get(&group.group_name)?;
        if self.groups.contains(&group.group_name) || names.is_empty() || names.len() > FANOUT {
            return None;
        }
        // Freeze one of the group's own unconditional grants.
        let (pi, allow) = group
            .group_policy_list
            .iter()
            .enumerate()
            .flat_map(|(pi, p)| {
                p.policy_document
                    .doc
                    .statements
                    .iter()
                    .map(move |s| (pi, s))
            })
            .find(|(_, s)| {
                s.effect == Effect::Allow && s.conditions.is_empty() && s.probe.is_some()
            })?;
        let probe = allow.probe.clone()?;
        let mut deny = Stmt::new(
            Effect::Deny,
            vec![probe.action.clone()],
            allow.resources.clone(),
        );
        deny.sid = Some(format!("MigrationFreeze{index}"));
        let probes = on_all(names, std::slice::from_ref(&probe));
        if !self.promising(&probes) {
            return None;
        }
        let gname = group.group_name.clone();
        let pname = group.group_policy_list.get(pi)?.policy_name.clone();
        self.after
            .groups
            .get_mut(gi)?
            .group_policy_list
            .get_mut(pi)?
            .policy_document
            .doc
            .statements
            .push(deny);
        self.groups.insert(gname.clone());
        Some(Pending {
            record: record(
                format!("group={gname} policy={pname} action={}", probe.action),
                format!(
                    "deny of `{}` added to inline policy `{pname}` of group `{gname}`",
                    probe.action
                ),
            ),
            probes,
        })
    }

    fn rename_group(&mut self) -> Option<Pending> {
        let gi = self.rng.below(self.after.groups.len());
        let account = self.after.account_id.clone();
        let group = self.after.groups.get_mut(gi)?;
        if self.groups.contains(&group.group_name) {
            return None;
        }
        let old = group.group_name.clone();
        let new = format!("{RENAME_PREFIX}{old}");
        group.group_name = new.clone();
        group.arn = format!("arn:aws:iam::{account}:group{}{new}", group.path);
        // The migration creates the new group: it gets a new id.
        group.group_id = aws_id(&mut self.rng, "AGPA");
        for u in &mut self.after.users {
            for g in &mut u.group_list {
                if *g == old {
                    g.clone_from(&new);
                }
            }
        }
        self.groups.insert(old.clone());
        self.groups.insert(new.clone());
        self.renames.push(Rename {
            kind: "group",
            old: old.clone(),
            new: new.clone(),
        });
        Some(Pending {
            record: record(
                format!("group={old} new={new}"),
                format!("group `{old}` renamed to `{new}`, members moved"),
            ),
            probes: Vec::new(),
        })
    }

    fn narrow_role(&mut self) -> Option<Pending> {
        let ri = self.rng.below(self.after.roles.len());
        let role = self.after.roles.get(ri)?;
        if role.human || self.roles.contains(&role.role_name) || role.role_policy_list.is_empty() {
            return None;
        }
        let pi = self.rng.below(role.role_policy_list.len());
        let policy = role.role_policy_list.get(pi)?;
        let mut doc = policy.policy_document.doc.clone();
        let mut narrowed = Vec::new();
        let mut how = "";
        for s in &mut doc.statements {
            if s.effect != Effect::Allow || !s.conditions.is_empty() {
                continue;
            }
            let probe = s.probe.clone();
            if narrow_s3(s) {
                narrowed.extend(probe);
                how = "S3 object grants narrowed to `reports/`";
                break;
            }
            if narrow_actions(s) {
                narrowed.extend(probe);
                how = "an action removed from a grant";
                break;
            }
        }
        let name = role.role_name.clone();
        let pname = policy.policy_name.clone();
        let probes = on(Kind::Role, &name, narrowed);
        if !self.promising(&probes) {
            return None;
        }
        self.after
            .roles
            .get_mut(ri)?
            .role_policy_list
            .get_mut(pi)?
            .policy_document
            .doc = doc;
        self.roles.insert(name.clone());
        Some(Pending {
            record: record(
                format!("role={name} policy={pname}"),
                format!("inline policy `{pname}` of role `{name}`: {how}"),
            ),
            probes,
        })
    }
}

/// `arn:aws:s3:::b/*` → `arn:aws:s3:::b/reports/*`: the same bucket, a narrower prefix.
fn narrow_s3(stmt: &mut Stmt) -> bool {
    let mut changed = false;
    for r in &mut stmt.resources {
        if r.starts_with("arn:aws:s3:::") && r.ends_with("/*") && !r.contains("${") {
            let base = r.trim_end_matches("/*").to_string();
            *r = format!("{base}/reports/*");
            changed = true;
        }
    }
    if changed && let Some(p) = &mut stmt.probe {
        // The new statement's own certain request lies under the new prefix.
        if let Some((bucket, _)) = p.resource.split_once("/data/") {
            p.resource = format!("{bucket}/reports/data/sample.csv");
        }
    }
    changed
}

/// Drop the probed action from an explicit action list (keeping at least one action).
fn narrow_actions(stmt: &mut Stmt) -> bool {
    let Some(p) = &stmt.probe else {
        return false;
    };
    if stmt.not_action || stmt.actions.len() < 2 || !stmt.actions.contains(&p.action) {
        return false;
    }
    let action = p.action.clone();
    stmt.actions.retain(|a| *a != action);
    stmt.probe = None;
    true
}

/// A later timestamp for a changed policy: 30 days and up to one more after `last`.
fn bump_date(last: &str, rng: &mut Rng) -> String {
    let secs = parse_iso(last).unwrap_or(1_700_000_000);
    iso_date(secs + 2_592_000 + rng.below(86_400) as i64)
}

/// Seconds since the epoch of an [`iso_date`] string.
pub fn parse_iso(s: &str) -> Option<i64> {
    let y: i64 = s.get(0..4)?.parse().ok()?;
    let m: i64 = s.get(5..7)?.parse().ok()?;
    let d: i64 = s.get(8..10)?.parse().ok()?;
    let hh: i64 = s.get(11..13)?.parse().ok()?;
    let mm: i64 = s.get(14..16)?.parse().ok()?;
    let ss: i64 = s.get(17..19)?.parse().ok()?;
    // Days-from-civil (Howard Hinnant).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + hh * 3600 + mm * 60 + ss)
}

// ---------------------------------------------------------------------------------------
// Writing a scenario
// ---------------------------------------------------------------------------------------

/// What [`write_scenario`] wrote.
#[derive(Clone, Debug)]
pub struct Summary {
    pub before_bytes: usize,
    pub after_bytes: usize,
    pub users: usize,
    pub groups: usize,
    pub roles: usize,
    pub policies: usize,
    pub mutations: usize,
    pub breaks: usize,
    pub renames: usize,
}

/// A file of a scenario: name and bytes.
pub type NamedFile = (&'static str, Vec<u8>);

/// All files of one scenario, in memory.
pub fn scenario_files(
    scale: Scale,
    seed: u64,
) -> Result<(Vec<NamedFile>, Summary), serde_json::Error> {
    let before = generate(scale, seed);
    let m = mutate(&before, seed, scale.counts().mutations);
    let b = to_cli_json(&before)?;
    let a = to_cli_json(&m.after)?;
    let summary = Summary {
        before_bytes: b.len(),
        after_bytes: a.len(),
        users: before.users.len(),
        groups: before.groups.len(),
        roles: before.roles.len(),
        policies: before.policies.len(),
        mutations: m.mutations.len(),
        breaks: m.breaks.len(),
        renames: m.renames.len(),
    };
    let files = vec![
        ("before.json", b),
        ("after.json", a),
        ("expected-breaks.json", to_cli_json(&m.breaks)?),
        ("expected-renames.json", to_cli_json(&m.renames)?),
        ("mutations.json", to_cli_json(&m.mutations)?),
    ];
    Ok((files, summary))
}

/// Generate one scenario into `dir` (created if missing).
pub fn write_scenario(dir: &Path, scale: Scale, seed: u64) -> io::Result<Summary> {
    let (files, summary) = scenario_files(scale, seed)?;
    std::fs::create_dir_all(dir)?;
    for (name, bytes) in files {
        // Write then rename, so an interrupted run never leaves a half file behind.
        let tmp = dir.join(format!(".{name}.tmp"));
        std::fs::write(&tmp, &bytes)?;
        std::fs::rename(&tmp, dir.join(name))?;
    }
    Ok(summary)
}

/// The bench data directory for a scale, generated once (seed 42) and reused.
pub fn ensure_scenario(root: &Path, scale: Scale) -> io::Result<std::path::PathBuf> {
    let dir = root.join(scale.name());
    if !dir.join("before.json").is_file() || !dir.join("after.json").is_file() {
        write_scenario(&dir, scale, 42)?;
    }
    Ok(dir)
}
