//! Resource-based policies (issue 8): the outputs of `s3api get-bucket-policy`,
//! `kms get-key-policy`, `sqs get-queue-attributes`, `sns get-topic-attributes`,
//! `lambda get-policy`, `secretsmanager get-resource-policy` and
//! `ecr get-repository-policy`, AWS Config configuration items (a snapshot, a history, a
//! single item or `select-resource-config` results) carrying the policy in
//! `supplementaryConfiguration` or `configuration`, and the plain map
//! `{ "resource ARN": policy document }` documented in `docs/resource-policies.md`.
//!
//! Each policy is attributed to its resource's ARN by content (an ARN beside it, the
//! statements' `Resource`), else by the file-name convention of the CLI exports
//! (`s3api.get-bucket-policy.<bucket>.json`, `kms.get-key-policy.<key-id>.<name>.json`,
//! an optional `<account>.` prefix). What an ARN needs and the content does not give
//! (an account, a region) comes from an ARN of the side naming the same resource, the
//! file-name prefix, `--account`/`--region`, or the side's single account; failing all
//! of them the file is an error naming what is missing.

use serde_json::value::RawValue;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::sync::Arc;

use super::err::{escape_token, json_message, with_help};
use super::policy_doc::{DocRole, DocSite, OriginBase, attach, parse_raw};
use super::source::{Text, decode, first_byte, offset_in};
use super::{IngestError, LoadOptions};
use crate::model::{
    Place, Policy, PolicyKind, Resource, ResourceClause, ResourceKind, Snapshot, arn_account,
};

type Obj<'a> = BTreeMap<String, &'a RawValue>;

/// Whether a file's top-level keys (and text) say it is a resource-policy export.
pub(crate) fn recognizes(keys: &[String], text: &[u8]) -> bool {
    let has = |k: &str| keys.iter().any(|x| x == k);
    let mentions = |k: &str| {
        let k = k.as_bytes();
        text.windows(k.len()).any(|w| w == k)
    };
    (has("Policy")
        && !mentions("PolicySummary")
        && (has("RevisionId") || has("PolicyName") || policy_is_string(text)))
        || (has("Attributes") && mentions("Policy") || has("Attributes") && mentions("Arn\""))
        || has("ResourcePolicy")
        || (has("ARN") && has("Name") && mentions("arn:aws:secretsmanager:"))
        || (has("policyText") && has("repositoryName"))
        || has("configurationItems")
        || has("configurationItem")
        || (has("resourceType") && has("configurationItemCaptureTime"))
        || (has("Results") && has("QueryInfo"))
        || (!keys.is_empty() && keys.iter().all(|k| k.starts_with("arn:")))
}

/// `"Policy"` followed by a string value: `s3api get-bucket-policy` and friends, not
/// `iam get-policy` (whose `Policy` is an object).
fn policy_is_string(text: &[u8]) -> bool {
    let key = b"\"Policy\"";
    let mut at = 0;
    while let Some(i) = text
        .get(at..)
        .and_then(|t| t.windows(key.len()).position(|w| w == key))
    {
        let rest = text.get(at + i + key.len()..).unwrap_or(&[]);
        let mut it = rest.iter().skip_while(|b| b.is_ascii_whitespace());
        if it.next() == Some(&b':') && it.find(|b| !b.is_ascii_whitespace()) == Some(&b'"') {
            return true;
        }
        at += i + key.len();
    }
    false
}

/// What attribution may use besides the file itself: built once per side and kept up to
/// date as each file's policies are added, so reading many files costs no rescan of the
/// side per file (issue 8: 900 resource files over 33,000 roles were quadratic).
pub struct Side {
    /// Full ARNs named by the side's statements (identity and other resources) with a
    /// region and an account, by [`arn_key`] of (service, resource part), each set in
    /// ARN order.
    arns: rustc_hash::FxHashMap<String, BTreeSet<String>>,
    /// The accounts of the side's principals.
    accounts: BTreeSet<String>,
    account: Option<String>,
    region: Option<String>,
}

impl Side {
    /// The attribution context of a side as it stands.
    pub fn of(snap: &Snapshot, opts: &LoadOptions) -> Side {
        let mut side = Side {
            arns: rustc_hash::FxHashMap::default(),
            accounts: snap
                .principals
                .iter()
                .filter_map(|p| p.account.clone())
                .collect(),
            account: opts.account.clone(),
            region: opts.region.clone(),
        };
        for p in &snap.policies {
            side.learn(p);
        }
        side
    }

    /// Adds the full ARNs a policy's statements name.
    fn learn(&mut self, p: &Policy) {
        // one key buffer for every ARN, and new Strings only for what is new (an
        // organization's policies name the same ARNs thousands of times)
        let mut key = String::new();
        for s in &p.document.statements {
            if let ResourceClause::Resource(r) = &s.resource {
                for a in r {
                    if !a.starts_with("arn:") || a.contains(['*', '?']) {
                        continue;
                    }
                    let Some([_, _, service, region, account, resource]) =
                        crate::model::arn_fields(a)
                    else {
                        continue;
                    };
                    if region.is_empty() || account.is_empty() {
                        continue;
                    }
                    arn_key(&mut key, service, resource);
                    match self.arns.get_mut(key.as_str()) {
                        Some(set) => {
                            if !set.contains(a) {
                                set.insert(a.clone());
                            }
                        }
                        None => {
                            self.arns.insert(key.clone(), BTreeSet::from([a.clone()]));
                        }
                    }
                }
            }
        }
    }

    /// A full ARN of the side of `service` whose resource part is `resource` and whose
    /// account (when given) is `account`.
    fn sibling(&self, service: &str, account: Option<&str>, resource: &str) -> Option<&str> {
        let mut key = String::new();
        arn_key(&mut key, service, resource);
        self.arns
            .get(key.as_str())?
            .iter()
            .find(|a| account.is_none_or(|acct| a.split(':').nth(4) == Some(acct)))
            .map(String::as_str)
    }

    fn single_account(&self) -> Option<&str> {
        match (self.accounts.len(), self.accounts.first()) {
            (1, Some(a)) => Some(a),
            _ => None,
        }
    }
}

/// The key of [`Side`]'s ARNs for a service and resource part, written into `out`: the
/// service's length first, so no two pairs share a key whatever their text holds.
fn arn_key(out: &mut String, service: &str, resource: &str) {
    out.clear();
    let _ = write!(out, "{}:", service.len());
    out.push_str(service);
    out.push_str(resource);
}

/// What the file name says: an optional `<account>.` prefix, the CLI command, the rest.
struct FileName {
    account: Option<String>,
    command: String,
    rest: Vec<String>,
}

fn file_name(file: &str) -> FileName {
    let base = file.rsplit(['/', '\\']).next().unwrap_or(file);
    let base = base
        .strip_suffix(".json")
        .or_else(|| base.strip_suffix(".yaml"))
        .or_else(|| base.strip_suffix(".yml"))
        .unwrap_or(base);
    let mut parts: Vec<String> = base.split('.').map(str::to_owned).collect();
    let account = parts
        .first()
        .filter(|p| p.len() == 12 && p.bytes().all(|b| b.is_ascii_digit()))
        .cloned();
    if account.is_some() {
        parts.remove(0);
    }
    let command = match (parts.first(), parts.get(1)) {
        (Some(a), Some(b)) => format!("{a}.{b}"),
        _ => String::new(),
    };
    let rest = parts.into_iter().skip(2).collect();
    FileName {
        account,
        command,
        rest,
    }
}

/// Reads one resource-policy file into `snap`.
pub fn load(
    file: &Arc<str>,
    bytes: &[u8],
    snap: &mut Snapshot,
    opts: &LoadOptions,
) -> Result<(), IngestError> {
    let mut side = Side::of(snap, opts);
    load_with(file, bytes, snap, &mut side)
}

/// [`load`] with the side's attribution context built once for all its files (and
/// updated with what this file adds).
pub fn load_with(
    file: &Arc<str>,
    bytes: &[u8],
    snap: &mut Snapshot,
    side: &mut Side,
) -> Result<(), IngestError> {
    let bytes = decode(file, bytes)?;
    let text = Text::new(file, &bytes);
    if first_byte(&bytes) != Some(b'{') {
        return Err(IngestError::new(
            // placed at the start even when the file is empty (fuzz `resource_policies`)
            text.place_at(Some(0), None),
            with_help(
                "expected a JSON object: a resource policy export",
                SHAPE_HELP,
            ),
        ));
    }
    let mut reader = Reader {
        text,
        side,
        name: file_name(file),
        found: Vec::new(),
    };
    let top: Obj<'_> = object(&reader.text, &bytes, "")?;
    let whole: &RawValue = serde_json::from_slice(&bytes).map_err(|e| {
        IngestError::new(reader.text.json_error_place(0, &e, None), json_message(&e))
    })?;
    reader.read_top(&top, whole)?;
    let found = std::mem::take(&mut reader.found);
    for f in found {
        let id = add(snap, f);
        if let Some(p) = snap.policy(id) {
            reader.side.learn(p);
        }
    }
    Ok(())
}

const SHAPE_HELP: &str = "resource policies are read from the JSON outputs of `aws s3api \
    get-bucket-policy`, `kms get-key-policy`, `sqs get-queue-attributes`, `sns \
    get-topic-attributes`, `lambda get-policy`, `secretsmanager get-resource-policy`, `ecr \
    get-repository-policy`, AWS Config configuration items, or a map of resource ARN to \
    policy document (docs/resource-policies.md)";

/// A policy found, with its resource.
struct Found {
    arn: String,
    account: Option<String>,
    kind: ResourceKind,
    document: crate::model::PolicyDocument,
    place: Place,
}

fn add(snap: &mut Snapshot, f: Found) -> crate::model::PolicyId {
    let policy = snap.add_policy(Policy {
        name: Arc::from(f.arn.as_str()),
        arn: Some(Arc::from(f.arn.as_str())),
        kind: PolicyKind::Resource,
        version: None,
        document: f.document,
    });
    snap.resources.push(Resource {
        arn: f.arn,
        account: f.account,
        kind: f.kind,
        policy,
        place: f.place,
    });
    policy
}

/// A JSON object of the file at `raw`, its members kept raw (and so placeable).
fn object<'a>(text: &Text<'_>, raw: &'a [u8], pointer: &str) -> Result<Obj<'a>, IngestError> {
    let at = offset_in(text.bytes, std::str::from_utf8(raw).unwrap_or_default());
    serde_json::from_slice(raw).map_err(|e| {
        let place = match at {
            Some(base) if e.line() > 0 => text.json_error_place(base, &e, Some(pointer.into())),
            _ => text.place_at(at, Some(pointer.to_owned())),
        };
        IngestError::new(
            place,
            with_help(
                format!("expected a JSON object here: {}", json_message(&e)),
                SHAPE_HELP,
            ),
        )
    })
}

fn kind_of_service(service: &str) -> ResourceKind {
    match service {
        "s3" => ResourceKind::S3Bucket,
        "kms" => ResourceKind::KmsKey,
        "sqs" => ResourceKind::SqsQueue,
        "sns" => ResourceKind::SnsTopic,
        "lambda" => ResourceKind::LambdaFunction,
        "secretsmanager" => ResourceKind::Secret,
        "ecr" => ResourceKind::EcrRepository,
        _ => ResourceKind::Other,
    }
}

/// The ARN a statement's resource names for a resource of `kind`: the bucket of an
/// object ARN, the function of a qualified function ARN.
fn resource_arn_of(pattern: &str, kind: ResourceKind) -> Option<String> {
    let parts: Vec<&str> = pattern.splitn(6, ':').collect();
    let service = parts.get(2)?;
    if pattern.contains(['*', '?']) && kind != ResourceKind::S3Bucket {
        return None;
    }
    match kind {
        ResourceKind::S3Bucket if *service == "s3" => {
            let bucket = parts.get(5)?.split('/').next()?;
            (!bucket.is_empty() && !bucket.contains(['*', '?']))
                .then(|| format!("arn:aws:s3:::{bucket}"))
        }
        ResourceKind::LambdaFunction if *service == "lambda" => {
            let p: Vec<&str> = pattern.split(':').take(7).collect();
            (p.len() == 7).then(|| p.join(":"))
        }
        ResourceKind::SqsQueue if *service == "sqs" => Some(pattern.to_owned()),
        ResourceKind::SnsTopic if *service == "sns" => Some(pattern.to_owned()),
        _ => None,
    }
}

struct Reader<'t, 's> {
    text: Text<'t>,
    side: &'s mut Side,
    name: FileName,
    found: Vec<Found>,
}

/// A document's parsed statements, for attribution by content.
fn statement_arns(doc: &crate::model::PolicyDocument) -> Vec<String> {
    doc.statements
        .iter()
        .flat_map(|s| match &s.resource {
            ResourceClause::Resource(r) => r.clone(),
            _ => Vec::new(),
        })
        .collect()
}

impl<'t> Reader<'t, '_> {
    fn place(&self, raw: &RawValue, pointer: &str) -> Place {
        self.text
            .place_at(offset_in(self.text.bytes, raw.get()), Some(pointer.into()))
    }

    fn error(&self, raw: &RawValue, pointer: &str, message: impl Into<String>) -> IngestError {
        IngestError::new(self.place(raw, pointer), message)
    }

    /// Parses the policy document at `raw` (an object or a string holding it).
    fn document(
        &self,
        raw: &RawValue,
        pointer: &str,
        arn: &str,
    ) -> Result<crate::model::PolicyDocument, IngestError> {
        let parsed = parse_raw(raw.get(), DocRole::Resource).map_err(|e| {
            e.into_ingest(&DocSite {
                text: self.text,
                offset: offset_in(self.text.bytes, raw.get()),
                pointer,
            })
        })?;
        Ok(attach(
            &parsed,
            &OriginBase {
                file: self.text.file.clone(),
                policy: Arc::from(arn),
                policy_arn: Some(Arc::from(arn)),
                version: None,
                kind: PolicyKind::Resource,
                pointer: Some(pointer.to_owned()),
            },
        ))
    }

    /// A policy held as a JSON string inside another JSON string (Config history's
    /// `BucketPolicy`): parsed from the decoded text, placed at the outer string.
    fn document_in(
        &self,
        inner: &str,
        outer: &RawValue,
        pointer: &str,
        arn: &str,
    ) -> Result<crate::model::PolicyDocument, IngestError> {
        let parsed = parse_raw(inner, DocRole::Resource).map_err(|e| {
            let mut err = e.into_ingest(&DocSite {
                text: self.text,
                offset: None,
                pointer,
            });
            err.place = self.place(outer, pointer);
            err
        })?;
        Ok(attach(
            &parsed,
            &OriginBase {
                file: self.text.file.clone(),
                policy: Arc::from(arn),
                policy_arn: Some(Arc::from(arn)),
                version: None,
                kind: PolicyKind::Resource,
                pointer: Some(pointer.to_owned()),
            },
        ))
    }

    fn string(&self, raw: &RawValue, pointer: &str) -> Result<String, IngestError> {
        serde_json::from_str(raw.get())
            .map_err(|_| self.error(raw, pointer, "expected a string here"))
    }

    fn read_top(&mut self, top: &Obj<'_>, whole: &RawValue) -> Result<(), IngestError> {
        if let Some(items) = top.get("configurationItems") {
            return self.config_items(items, "/configurationItems");
        }
        if let Some(item) = top.get("configurationItem") {
            let obj = object(&self.text, item.get().as_bytes(), "/configurationItem")?;
            return self.config_item(&obj, item, "/configurationItem", None);
        }
        if top.contains_key("resourceType") {
            return self.config_item(top, whole, "", None);
        }
        if let Some(results) = top.get("Results") {
            return self.config_results(results);
        }
        if let Some(policy) = top.get("Policy") {
            return self.policy_key(top, policy);
        }
        if let Some(attrs) = top.get("Attributes") {
            return self.attributes(attrs);
        }
        if top.contains_key("ARN") && top.contains_key("Name") {
            return self.secret(top);
        }
        if let Some(text) = top.get("policyText") {
            return self.ecr(top, text);
        }
        if !top.is_empty() && top.keys().all(|k| k.starts_with("arn:")) {
            for (arn, doc) in top {
                let pointer = format!("/{}", escape_token(arn));
                self.plain(arn, doc, &pointer)?;
            }
            return Ok(());
        }
        Err(IngestError::new(
            self.text.place_at(Some(0), Some(String::new())),
            with_help("not a resource policy export this reader knows", SHAPE_HELP),
        ))
    }

    /// One entry of the plain map: the ARN decides the kind and, where it has one, the
    /// account.
    fn plain(&mut self, arn: &str, doc: &RawValue, pointer: &str) -> Result<(), IngestError> {
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        if parts.len() < 6 || parts.get(5).is_some_and(|r| r.is_empty()) {
            return Err(self.error(
                doc,
                pointer,
                with_help(
                    format!("`{arn}` is not a resource ARN"),
                    "a key of the map is `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`",
                ),
            ));
        }
        let kind = kind_of_service(parts.get(2).copied().unwrap_or_default());
        let arn = if kind == ResourceKind::S3Bucket {
            resource_arn_of(arn, kind).unwrap_or_else(|| arn.to_owned())
        } else {
            arn.to_owned()
        };
        let document = self.document(doc, pointer, &arn)?;
        let account = self.account_of(&arn, None, doc, pointer)?;
        self.found.push(Found {
            place: self.place(doc, pointer),
            arn,
            account: Some(account),
            kind,
            document,
        });
        Ok(())
    }

    /// The account of a resource: its ARN's, else the input's, the file-name prefix,
    /// `--account`, or the side's single account.
    fn account_of(
        &self,
        arn: &str,
        given: Option<&str>,
        raw: &RawValue,
        pointer: &str,
    ) -> Result<String, IngestError> {
        arn_account(arn)
            .or(given)
            .or(self.name.account.as_deref())
            .or(self.side.account.as_deref())
            .or(self.side.single_account())
            .map(str::to_owned)
            .ok_or_else(|| {
                self.error(
                    raw,
                    pointer,
                    with_help(
                        format!("the account that owns `{arn}` is unknown"),
                        "name the file `<ACCOUNT>.<command>.<name>.json` (e.g. \
                         `111122223333.s3api.get-bucket-policy.my-bucket.json`), or pass \
                         `--account` when the side holds one account",
                    ),
                )
            })
    }

    /// `{"Policy": …}`: S3, KMS or Lambda, told apart by the file name, the keys beside
    /// it (`RevisionId`: Lambda; `PolicyName`: KMS) or the statements' resources.
    fn policy_key(&mut self, top: &Obj<'_>, raw: &RawValue) -> Result<(), IngestError> {
        let pointer = "/Policy";
        let kind = match self.name.command.as_str() {
            "s3api.get-bucket-policy" => Some(ResourceKind::S3Bucket),
            "kms.get-key-policy" => Some(ResourceKind::KmsKey),
            "lambda.get-policy" => Some(ResourceKind::LambdaFunction),
            _ if top.contains_key("RevisionId") => Some(ResourceKind::LambdaFunction),
            _ if top.contains_key("PolicyName") => Some(ResourceKind::KmsKey),
            _ => None,
        };
        // parse first (errors in the document come before attribution); the name is
        // stamped once the ARN is known
        let document = self.document(raw, pointer, "")?;
        let arns = statement_arns(&document);
        let kind = kind
            .or_else(|| {
                [ResourceKind::S3Bucket, ResourceKind::LambdaFunction]
                    .into_iter()
                    .find(|k| arns.iter().any(|a| resource_arn_of(a, *k).is_some()))
            })
            .ok_or_else(|| {
                self.error(
                    raw,
                    pointer,
                    with_help(
                        "cannot tell which resource this policy belongs to",
                        "keep the CLI's file name: `s3api.get-bucket-policy.<bucket>.json`, \
                         `kms.get-key-policy.<key-id>.<policy-name>.json` or \
                         `lambda.get-policy.<function>.json`",
                    ),
                )
            })?;
        let named = self.name.rest.first().cloned();
        let arn = match kind {
            ResourceKind::S3Bucket => {
                let bucket = (self.name.command == "s3api.get-bucket-policy")
                    .then(|| self.name.rest.join("."))
                    .filter(|b| !b.is_empty());
                bucket
                    .map(|b| format!("arn:aws:s3:::{b}"))
                    .or_else(|| arns.iter().find_map(|a| resource_arn_of(a, kind)))
            }
            ResourceKind::LambdaFunction => arns
                .iter()
                .find_map(|a| resource_arn_of(a, kind))
                .or_else(|| {
                    named
                        .as_ref()
                        .and_then(|f| self.regional("lambda", &format!("function:{f}"), &document))
                }),
            _ => named
                .as_ref()
                .and_then(|k| self.regional("kms", &format!("key/{k}"), &document)),
        };
        let arn = match arn {
            Some(a) => a,
            None => return Err(self.missing(kind, named.as_deref(), raw, pointer)),
        };
        let account = self.account_of(&arn, None, raw, pointer)?;
        self.push(arn, Some(account), kind, document, raw, pointer);
        Ok(())
    }

    /// What a regional ARN lacks, as an error.
    fn missing(
        &self,
        kind: ResourceKind,
        named: Option<&str>,
        raw: &RawValue,
        pointer: &str,
    ) -> IngestError {
        let what = match named {
            None => format!("cannot tell which {} this policy belongs to", kind.label()),
            Some(n) => format!(
                "the ARN of {} `{n}` needs a region and an account that neither the file nor the side gives",
                kind.label()
            ),
        };
        self.error(
            raw,
            pointer,
            with_help(
                what,
                "keep the CLI's file name (`kms.get-key-policy.<key-id>.<policy-name>.json`, \
                 optionally prefixed by `<ACCOUNT>.`) and pass `--region`, or give the policy in \
                 the ARN map of docs/resource-policies.md",
            ),
        )
    }

    /// The full ARN of a regional resource known by `resource` (`key/<id>`): an ARN of
    /// the side naming it, else one built from the account (file-name prefix, the
    /// policy's own account root, `--account`, the side's one account) and `--region`.
    fn regional(
        &self,
        service: &str,
        resource: &str,
        doc: &crate::model::PolicyDocument,
    ) -> Option<String> {
        let prefix = self.name.account.as_deref();
        if let Some(a) = self.side.sibling(service, prefix, resource) {
            return Some(a.to_owned());
        }
        let region = self.side.region.as_deref()?;
        let own_root = doc.statements.iter().find_map(|s| match &s.principal {
            Some(crate::model::PrincipalClause::Principal(ps)) => ps.iter().find_map(|(t, v)| {
                (t == "AWS")
                    .then(|| v.strip_suffix(":root"))
                    .flatten()
                    .and_then(arn_account)
            }),
            _ => None,
        });
        let account = prefix
            .or(self.side.account.as_deref())
            .or(own_root)
            .or(self.side.single_account())?;
        Some(format!("arn:aws:{service}:{region}:{account}:{resource}"))
    }

    fn push(
        &mut self,
        arn: String,
        account: Option<String>,
        kind: ResourceKind,
        mut document: crate::model::PolicyDocument,
        raw: &RawValue,
        pointer: &str,
    ) {
        // the document was parsed before its resource was known: name it now
        let name: Arc<str> = Arc::from(arn.as_str());
        for s in &mut document.statements {
            let mut o = (*s.origin).clone();
            o.policy = name.clone();
            o.policy_arn = Some(name.clone());
            s.origin = Arc::new(o);
        }
        self.found.push(Found {
            place: self.place(raw, pointer),
            arn,
            account,
            kind,
            document,
        });
    }

    /// `{"Attributes": {…, "Policy": "…"}}`: SQS or SNS. Without `Policy` the resource
    /// has no policy: nothing to read.
    fn attributes(&mut self, attrs: &RawValue) -> Result<(), IngestError> {
        let obj = object(&self.text, attrs.get().as_bytes(), "/Attributes")?;
        let Some(raw) = obj.get("Policy") else {
            return Ok(());
        };
        let pointer = "/Attributes/Policy";
        let document = self.document(raw, pointer, "")?;
        let beside = |k: &str| -> Result<Option<String>, IngestError> {
            obj.get(k)
                .map(|r| self.string(r, &format!("/Attributes/{k}")))
                .transpose()
        };
        let (kind, beside_arn) = if let Some(a) = beside("QueueArn")? {
            (ResourceKind::SqsQueue, Some(a))
        } else if let Some(a) = beside("TopicArn")? {
            (ResourceKind::SnsTopic, Some(a))
        } else if self.name.command.starts_with("sqs.") {
            (ResourceKind::SqsQueue, None)
        } else if self.name.command.starts_with("sns.") {
            (ResourceKind::SnsTopic, None)
        } else if statement_arns(&document)
            .iter()
            .any(|a| a.starts_with("arn:aws:sqs:"))
        {
            (ResourceKind::SqsQueue, None)
        } else {
            (ResourceKind::SnsTopic, None)
        };
        let service = if kind == ResourceKind::SqsQueue {
            "sqs"
        } else {
            "sns"
        };
        let arn = beside_arn
            .or_else(|| {
                statement_arns(&document)
                    .iter()
                    .find_map(|a| resource_arn_of(a, kind))
            })
            .or_else(|| {
                self.name
                    .rest
                    .first()
                    .and_then(|n| self.regional(service, n, &document))
            });
        let Some(arn) = arn else {
            return Err(self.missing(
                kind,
                self.name.rest.first().map(String::as_str),
                raw,
                pointer,
            ));
        };
        let account = self.account_of(&arn, None, raw, pointer)?;
        self.push(arn, Some(account), kind, document, raw, pointer);
        Ok(())
    }

    /// `secretsmanager get-resource-policy`: `ARN`, `Name`, `ResourcePolicy` (absent
    /// when the secret has none).
    fn secret(&mut self, top: &Obj<'_>) -> Result<(), IngestError> {
        let Some(raw) = top.get("ResourcePolicy") else {
            return Ok(());
        };
        let arn_raw = top.get("ARN").copied().unwrap_or(raw);
        let arn = self.string(arn_raw, "/ARN")?;
        if !arn.starts_with("arn:") {
            return Err(self.error(arn_raw, "/ARN", format!("`{arn}` is not an ARN")));
        }
        let pointer = "/ResourcePolicy";
        let document = self.document(raw, pointer, &arn)?;
        let account = self.account_of(&arn, None, raw, pointer)?;
        self.push(
            arn,
            Some(account),
            ResourceKind::Secret,
            document,
            raw,
            pointer,
        );
        Ok(())
    }

    /// `ecr get-repository-policy`: `registryId` (the account), `repositoryName`,
    /// `policyText`; the region comes from an ARN of the side or `--region`.
    fn ecr(&mut self, top: &Obj<'_>, raw: &RawValue) -> Result<(), IngestError> {
        let pointer = "/policyText";
        let repo = match top.get("repositoryName") {
            Some(r) => self.string(r, "/repositoryName")?,
            None => return Err(self.error(raw, "", "`repositoryName` is missing")),
        };
        let registry = top
            .get("registryId")
            .map(|r| self.string(r, "/registryId"))
            .transpose()?;
        let document = self.document(raw, pointer, "")?;
        let resource = format!("repository/{repo}");
        let arn = self
            .side
            .sibling("ecr", registry.as_deref(), &resource)
            .map(str::to_owned)
            .or_else(|| {
                let region = self.side.region.as_deref()?;
                let account = registry.as_deref().or(self.name.account.as_deref())?;
                Some(format!("arn:aws:ecr:{region}:{account}:{resource}"))
            });
        let Some(arn) = arn else {
            return Err(self.missing(ResourceKind::EcrRepository, Some(&repo), raw, pointer));
        };
        let account = self.account_of(&arn, registry.as_deref(), raw, pointer)?;
        self.push(
            arn,
            Some(account),
            ResourceKind::EcrRepository,
            document,
            raw,
            pointer,
        );
        Ok(())
    }

    fn config_items(&mut self, items: &RawValue, pointer: &str) -> Result<(), IngestError> {
        let list: Vec<&RawValue> = serde_json::from_str(items.get())
            .map_err(|_| self.error(items, pointer, "expected a list of configuration items"))?;
        for (i, item) in list.into_iter().enumerate() {
            let p = format!("{pointer}/{i}");
            let obj = object(&self.text, item.get().as_bytes(), &p)?;
            self.config_item(&obj, item, &p, None)?;
        }
        Ok(())
    }

    /// `select-resource-config`: `Results` is a list of JSON strings, one per row.
    fn config_results(&mut self, results: &RawValue) -> Result<(), IngestError> {
        let list: Vec<&RawValue> = serde_json::from_str(results.get())
            .map_err(|_| self.error(results, "/Results", "expected a list of result rows"))?;
        for (i, row) in list.into_iter().enumerate() {
            let p = format!("/Results/{i}");
            let text = self.string(row, &p)?;
            let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
                self.error(
                    row,
                    &p,
                    format!("the result row is not a JSON object: {}", json_message(&e)),
                )
            })?;
            self.config_value(&value, row, &p)?;
        }
        Ok(())
    }

    /// One configuration item given as raw JSON of the file.
    fn config_item(
        &mut self,
        _obj: &Obj<'_>,
        raw: &RawValue,
        pointer: &str,
        _given: Option<&str>,
    ) -> Result<(), IngestError> {
        let value: serde_json::Value = serde_json::from_str(raw.get()).map_err(|e| {
            self.error(
                raw,
                pointer,
                format!("invalid configuration item: {}", json_message(&e)),
            )
        })?;
        self.config_value(&value, raw, pointer)
    }

    /// A configuration item (any of its spellings): the resource's policy from
    /// `supplementaryConfiguration` (`BucketPolicy.policyText`, `Policy`,
    /// `ResourcePolicy`) or `configuration.Policy`. IAM items are not resources with a
    /// policy of their own here (the account export gives their trust policies).
    fn config_value(
        &mut self,
        item: &serde_json::Value,
        raw: &RawValue,
        pointer: &str,
    ) -> Result<(), IngestError> {
        let field = |k: &str| item.get(k).and_then(serde_json::Value::as_str);
        let Some(rtype) = field("resourceType") else {
            return Err(self.error(raw, pointer, "the configuration item has no `resourceType`"));
        };
        if rtype.starts_with("AWS::IAM::") {
            return Ok(());
        }
        let decode_nested = |v: &serde_json::Value| -> Option<serde_json::Value> {
            match v {
                serde_json::Value::String(s) if s.trim_start().starts_with('{') => {
                    serde_json::from_str(s).ok()
                }
                other => Some(other.clone()),
            }
        };
        let supp = item
            .get("supplementaryConfiguration")
            .and_then(decode_nested)
            .unwrap_or(serde_json::Value::Null);
        let conf = item
            .get("configuration")
            .and_then(decode_nested)
            .unwrap_or(serde_json::Value::Null);
        let (text, at) = if let Some(bp) = supp.get("BucketPolicy") {
            let bp = decode_nested(bp).unwrap_or(serde_json::Value::Null);
            (
                bp.get("policyText").cloned(),
                "/supplementaryConfiguration/BucketPolicy/policyText",
            )
        } else if let Some(p) = supp.get("Policy") {
            (Some(p.clone()), "/supplementaryConfiguration/Policy")
        } else if let Some(p) = supp.get("ResourcePolicy") {
            (
                Some(p.clone()),
                "/supplementaryConfiguration/ResourcePolicy",
            )
        } else if let Some(p) = conf.get("Policy").or_else(|| conf.get("policy")) {
            (Some(p.clone()), "/configuration/Policy")
        } else {
            (None, "")
        };
        let Some(text) = text.filter(|t| !t.is_null()) else {
            return Ok(());
        };
        let inner = match &text {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let at = format!("{pointer}{at}");
        let account = field("accountId").or_else(|| field("awsAccountId"));
        let region = field("awsRegion");
        let id = field("resourceId").or_else(|| field("resourceName"));
        let service = rtype
            .strip_prefix("AWS::")
            .and_then(|r| r.split("::").next())
            .unwrap_or_default()
            .to_ascii_lowercase();
        let kind = match rtype {
            "AWS::S3::Bucket" => ResourceKind::S3Bucket,
            "AWS::KMS::Key" => ResourceKind::KmsKey,
            "AWS::SQS::Queue" => ResourceKind::SqsQueue,
            "AWS::SNS::Topic" => ResourceKind::SnsTopic,
            "AWS::Lambda::Function" => ResourceKind::LambdaFunction,
            "AWS::SecretsManager::Secret" => ResourceKind::Secret,
            "AWS::ECR::Repository" => ResourceKind::EcrRepository,
            _ => ResourceKind::Other,
        };
        let arn = field("arn")
            .or_else(|| field("ARN"))
            .map(str::to_owned)
            .or_else(|| {
                let id = id?;
                match kind {
                    ResourceKind::S3Bucket => Some(format!("arn:aws:s3:::{id}")),
                    ResourceKind::KmsKey => {
                        Some(format!("arn:aws:kms:{}:{}:key/{id}", region?, account?))
                    }
                    _ => None,
                }
            });
        let Some(arn) = arn else {
            return Err(self.error(
                raw,
                pointer,
                format!("the configuration item of `{service}` has no `arn` (or `ARN`)"),
            ));
        };
        let document = self.document_in(&inner, raw, &at, &arn)?;
        let account = self.account_of(&arn, account, raw, &at)?;
        self.push(arn, Some(account), kind, document, raw, pointer);
        if let Some(f) = self.found.last_mut() {
            f.place.pointer = Some(at);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;

/// Warns of every principal a resource or trust policy of the side names that the side
/// does not have (issue 8 item 4): an IAM user or role ARN of an account the side holds,
/// or a unique id (`AROA…`, `AIDA…`: what AWS writes once the named principal is deleted).
/// Such a reference grants nothing; the warning names the policy still holding it.
pub(crate) fn dangling(snap: &mut Snapshot) {
    let accounts: rustc_hash::FxHashSet<&str> = snap
        .principals
        .iter()
        .filter_map(|p| p.account.as_deref())
        .collect();
    let arns: rustc_hash::FxHashSet<&str> = snap
        .principals
        .iter()
        .filter_map(|p| p.arn.as_deref())
        .collect();
    let ids: rustc_hash::FxHashSet<&str> = snap
        .principals
        .iter()
        .filter_map(|p| p.id.as_deref())
        .collect();
    let mut policies: Vec<crate::model::PolicyId> =
        snap.resources.iter().map(|r| r.policy).collect();
    policies.extend(snap.principals.iter().filter_map(|p| p.trust));
    let mut warnings = Vec::new();
    for id in policies {
        let Some(policy) = snap.policy(id) else {
            continue;
        };
        for s in &policy.document.statements {
            let Some(crate::model::PrincipalClause::Principal(pairs)) = &s.principal else {
                continue;
            };
            for (kind, value) in pairs {
                if kind != "AWS" {
                    continue;
                }
                let unique = is_unique_id(value) && !ids.contains(value.as_str());
                let gone_arn = value.starts_with("arn:aws:iam::")
                    && (value.contains(":role/") || value.contains(":user/"))
                    && arn_account(value).is_some_and(|a| accounts.contains(a))
                    && !arns.contains(value.as_str());
                if !(unique || gone_arn) {
                    continue;
                }
                let what = if unique {
                    "the unique id of a deleted principal"
                } else {
                    "a principal this side does not have"
                };
                warnings.push(crate::model::Warning {
                    code: crate::model::WarningCode::DanglingPrincipal,
                    place: Place {
                        file: s.origin.file.clone(),
                        line: None,
                        column: None,
                        pointer: s.origin.pointer.clone(),
                    },
                    message: format!(
                        "{} `{}` {} names `{value}`, {what}: it grants that reference nothing",
                        policy.kind.label(),
                        policy.name,
                        s.origin.statement
                    ),
                });
            }
        }
    }
    snap.warnings.extend(warnings);
}

/// `AROA…`, `AIDA…` (and the other IAM unique-id prefixes) followed by upper-case letters
/// or digits (21 characters in real accounts; fixtures write shorter ones).
fn is_unique_id(v: &str) -> bool {
    (16..=32).contains(&v.len())
        && ["AROA", "AIDA", "AGPA", "ANPA", "ASIA", "AKIA"]
            .iter()
            .any(|p| v.starts_with(p))
        && v.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}
