//! Self-service permission records of an internal developer portal (issue 11 item 3): the
//! entity export of the `provisioned_permissions` blueprint (`{"ok": true, "entities":
//! [...]}`, as the portal's API returns it; shapes in
//! `../shared/corpus/seed-systems/port`). Each record becomes what it says it provisioned:
//! the role of `properties.role_arn`, trusted as the record says (its `trust_policy`, or
//! else the trust the portal's workflow writes: the account root, no condition), with the
//! customer managed policy of `properties.policy_arn` holding `properties.iam_policy`
//! (an object or a JSON string) attached. Both are keyed by the account of their ARN.
//!
//! The record itself is kept in [`Snapshot::portal`] (identifier, requester, expiry, the
//! `permissions` and `aws_resource` relations, and the place of each), so lint can name
//! it. When another source of the side (an account dump) already has the role, the record
//! adds no second role: the dump is what AWS has, and lint compares the two.
//! Entities of other blueprints (the target resources, the action catalog) are skipped.

use serde::Deserialize;
use serde_json::value::RawValue;
use std::sync::Arc;

use super::IngestError;
use super::documents::reparse_pointer;
use super::err::json_message;
use super::policy_doc::{DocRole, DocSite, OriginBase, attach, parse_raw};
use super::source::{Text, offset_in};
use crate::model::{
    Origin, Place, Policy, PolicyKind, PolicyRef, PortalRecord, Principal, PrincipalKind, Snapshot,
    parse_rfc3339,
};

/// The blueprint whose entities are permission records.
pub(crate) const BLUEPRINT: &str = "provisioned_permissions";

#[derive(Deserialize)]
struct RawExport<'a> {
    #[serde(borrow)]
    entities: Option<Vec<RawEntity<'a>>>,
}

#[derive(Deserialize)]
struct RawEntity<'a> {
    identifier: Option<String>,
    blueprint: Option<String>,
    #[serde(borrow, default)]
    properties: Option<RawProperties<'a>>,
    #[serde(default)]
    relations: Option<RawRelations>,
}

#[derive(Deserialize)]
struct RawProperties<'a> {
    requester: Option<String>,
    #[serde(borrow)]
    iam_policy: Option<&'a RawValue>,
    /// Not in the portal guide: the trust policy, for a portal that records the one it wrote.
    #[serde(borrow)]
    trust_policy: Option<&'a RawValue>,
    policy_arn: Option<String>,
    role_arn: Option<String>,
    /// `null` or absent: no expiry (kept raw to tell the two apart for places).
    #[serde(borrow, default, deserialize_with = "present")]
    expiry_time: Option<&'a RawValue>,
}

/// A value that is present, `null` included (serde's `Option` reads `null` as absent).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<&'de RawValue>, D::Error> {
    <&RawValue>::deserialize(d).map(Some)
}

#[derive(Deserialize)]
struct RawRelations {
    permissions: Option<Vec<String>>,
    aws_resource: Option<String>,
}

/// What an export is, for messages.
const SHAPE: &str = "a portal export is `{\"entities\": [...]}` of `provisioned_permissions` \
    entities, each with `identifier` and `properties.role_arn`, `properties.policy_arn`, \
    `properties.iam_policy`";

/// Reads one export into the side.
pub(crate) fn load(name: &Arc<str>, bytes: &[u8], snap: &mut Snapshot) -> Result<(), IngestError> {
    let text = Text::new(name, bytes);
    let raw: RawExport<'_> = serde_json::from_slice(bytes).map_err(|e| {
        IngestError::new(
            text.json_error_place(0, &e, reparse_pointer::<RawExport<'_>>(bytes)),
            format!("invalid portal export: {}", json_message(&e)),
        )
        .with_help(SHAPE)
    })?;
    let Some(entities) = raw.entities else {
        return Err(IngestError::new(
            err_place(&text, ""),
            "expected `entities`, a list of records",
        )
        .with_help(SHAPE));
    };
    if !snap.sources.contains(name) {
        snap.sources.push(name.clone());
    }
    for (i, e) in entities.iter().enumerate() {
        let at = format!("/entities/{i}");
        if e.blueprint.as_deref().is_some_and(|b| b != BLUEPRINT) {
            continue;
        }
        record(&text, &at, e, snap)?;
    }
    Ok(())
}

fn missing(text: &Text<'_>, pointer: String, what: &str) -> IngestError {
    IngestError::new(err_place(text, &pointer), format!("expected {what}")).with_help(SHAPE)
}

/// A place with its line:column, for errors (records are located later, by lint).
fn err_place(text: &Text<'_>, pointer: &str) -> Place {
    super::yaml::place_of(text.file, text.bytes, pointer, false)
}

fn place(text: &Text<'_>, pointer: &str) -> Place {
    Place::pointer(text.file.clone(), pointer)
}

/// An IAM ARN of `kind` (`role`, `policy`): its account, path and name.
fn iam_arn<'s>(arn: &'s str, kind: &str) -> Option<(&'s str, String, &'s str)> {
    let Some(["arn", partition, "iam", "", account, rest]) = crate::model::arn_fields(arn) else {
        return None;
    };
    if !partition.starts_with("aws")
        || account.len() != 12
        || !account.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let tail = rest.strip_prefix(kind)?.strip_prefix('/')?;
    let (path, name) = match tail.rsplit_once('/') {
        Some((p, n)) => (format!("/{p}/"), n),
        None => ("/".to_owned(), tail),
    };
    (!name.is_empty()).then_some((account, path, name))
}

fn record(
    text: &Text<'_>,
    at: &str,
    e: &RawEntity<'_>,
    snap: &mut Snapshot,
) -> Result<(), IngestError> {
    let file = text.file.clone();
    let Some(identifier) = e.identifier.clone().filter(|s| !s.is_empty()) else {
        return Err(missing(text, at.to_owned(), "the record's `identifier`"));
    };
    let Some(props) = &e.properties else {
        return Err(missing(
            text,
            format!("{at}/properties"),
            &format!("the properties of record `{identifier}`"),
        ));
    };
    let role_ptr = format!("{at}/properties/role_arn");
    let policy_ptr = format!("{at}/properties/policy_arn");
    let role_arn = props.role_arn.clone().unwrap_or_default();
    let Some((account, role_path, role_name)) = iam_arn(&role_arn, "role") else {
        return Err(missing(
            text,
            role_ptr,
            &format!(
                "record `{identifier}`'s `role_arn` to be a role ARN (`arn:aws:iam::<account>:role/<name>`), found `{role_arn}`"
            ),
        ));
    };
    let policy_arn = props.policy_arn.clone().unwrap_or_default();
    let Some((policy_account, _, policy_name)) = iam_arn(&policy_arn, "policy") else {
        return Err(missing(
            text,
            policy_ptr,
            &format!(
                "record `{identifier}`'s `policy_arn` to be a customer managed policy ARN (`arn:aws:iam::<account>:policy/<name>`), found `{policy_arn}`"
            ),
        ));
    };
    if policy_account != account {
        return Err(IngestError::new(
            err_place(text, &policy_ptr),
            format!(
                "record `{identifier}`'s policy is in account `{policy_account}` but its role in `{account}`: a role can only attach policies of its own account"
            ),
        ));
    }
    let expiry_ptr = format!("{at}/properties/expiry_time");
    let expiry_text = match props.expiry_time.map(RawValue::get) {
        None | Some("null") => None,
        Some(raw) => match serde_json::from_str::<String>(raw) {
            Ok(t) => Some(t),
            Err(_) => {
                return Err(missing(
                    text,
                    expiry_ptr,
                    &format!(
                        "record `{identifier}`'s `expiry_time` to be a string or null, found `{raw}`"
                    ),
                ));
            }
        },
    };
    let expiry = match expiry_text.as_deref() {
        None | Some("") => None,
        Some(t) => match parse_rfc3339(t) {
            Some(secs) => Some((t.to_owned(), secs)),
            None => {
                return Err(missing(
                    text,
                    expiry_ptr,
                    &format!(
                        "record `{identifier}`'s `expiry_time` to be an RFC 3339 time (`2026-11-21T09:00:00Z`) or null, found `{t}`"
                    ),
                ));
            }
        },
    };
    // the policy document
    let doc_ptr = format!("{at}/properties/iam_policy");
    let Some(doc) = props.iam_policy.filter(|d| d.get().trim() != "null") else {
        return Err(missing(
            text,
            doc_ptr,
            &format!("record `{identifier}`'s `iam_policy`, the policy document it provisioned"),
        ));
    };
    let policy_doc = document(text, doc, &doc_ptr, DocRole::Identity, |pointer| {
        OriginBase {
            file: file.clone(),
            policy: Arc::from(policy_name),
            policy_arn: Some(Arc::from(policy_arn.as_str())),
            version: None,
            kind: PolicyKind::CustomerManaged,
            pointer,
        }
    })?;
    // the trust policy: the record's, or the workflow's
    let trust_name: Arc<str> = Arc::from(format!("{role_name} trust policy"));
    let trust_base = |pointer| OriginBase {
        file: file.clone(),
        policy: trust_name.clone(),
        policy_arn: None,
        version: None,
        kind: PolicyKind::Trust,
        pointer,
    };
    let trust_ptr = format!("{at}/properties/trust_policy");
    let (trust_doc, trust_implied) = match props.trust_policy.filter(|d| d.get().trim() != "null") {
        Some(t) => (
            document(text, t, &trust_ptr, DocRole::Trust, trust_base)?,
            false,
        ),
        None => {
            let json = format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{account}:root"}},"Action":"sts:AssumeRole"}}]}}"#
            );
            let parsed = parse_raw(&json, DocRole::Trust)
                .map_err(|e| IngestError::new(place(text, &role_ptr), e.message))?;
            let mut d = attach(&parsed, &trust_base(None));
            for s in &mut d.statements {
                let mut o: Origin = (*s.origin).clone();
                o.pointer = Some(role_ptr.clone());
                s.origin = Arc::new(o);
            }
            (d, true)
        }
    };
    let policy = snap.add_policy(Policy {
        name: Arc::from(policy_name),
        arn: Some(Arc::from(policy_arn.as_str())),
        kind: PolicyKind::CustomerManaged,
        version: None,
        document: policy_doc,
    });
    let trust = snap.add_policy(Policy {
        name: trust_name.clone(),
        arn: None,
        kind: PolicyKind::Trust,
        version: None,
        document: trust_doc,
    });
    if let Some(first) = snap
        .portal
        .iter()
        .find(|r| r.role_arn.eq_ignore_ascii_case(&role_arn))
    {
        return Err(IngestError::new(
            err_place(text, &role_ptr),
            format!(
                "role `{role_arn}` is provisioned by two records: `{identifier}` and `{}` ({})",
                first.identifier, first.place
            ),
        ));
    }
    // a role another source of the side has (the account dump) is not added again
    let dumped = snap.principals.iter().any(|p| {
        p.kind == PrincipalKind::Role
            && (p
                .arn
                .as_deref()
                .is_some_and(|a| a.eq_ignore_ascii_case(&role_arn))
                || (p.account.as_deref() == Some(account)
                    && p.name.eq_ignore_ascii_case(role_name)))
    });
    if !dumped {
        let mut role = Principal::new(PrincipalKind::Role, role_name);
        role.arn = Some(role_arn.clone());
        role.path = Some(role_path);
        role.account = Some(account.to_owned());
        role.policies.push(PolicyRef::Resolved(policy));
        role.trust = Some(trust);
        snap.principals.push(role);
    }
    let relations = e.relations.as_ref();
    snap.portal.push(PortalRecord {
        identifier,
        requester: props.requester.clone().filter(|r| !r.is_empty()),
        expiry,
        account: account.to_owned(),
        role_name: role_name.to_owned(),
        role_arn: role_arn.clone(),
        policy_name: policy_name.to_owned(),
        policy_arn: policy_arn.clone(),
        policy,
        trust,
        trust_implied,
        permissions: relations
            .and_then(|r| r.permissions.clone())
            .unwrap_or_default(),
        resource: relations.and_then(|r| r.aws_resource.clone()),
        dumped,
        place: place(text, at),
        role_place: place(text, &role_ptr),
        policy_place: place(text, &policy_ptr),
        expiry_place: if props.expiry_time.is_some() {
            place(text, &expiry_ptr)
        } else {
            place(text, at)
        },
        permissions_place: place(text, &format!("{at}/relations/permissions")),
    });
    Ok(())
}

/// A policy document of the record (object or JSON string), with its statements placed.
fn document(
    text: &Text<'_>,
    raw: &RawValue,
    pointer: &str,
    role: DocRole,
    base: impl Fn(Option<String>) -> OriginBase,
) -> Result<crate::model::PolicyDocument, IngestError> {
    let json = raw.get();
    let parsed = parse_raw(json, role).map_err(|e| {
        e.into_ingest(&DocSite {
            text: *text,
            offset: offset_in(text.bytes, json),
            pointer,
        })
    })?;
    Ok(attach(&parsed, &base(Some(pointer.to_owned()))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(json: &str) -> Result<Snapshot, IngestError> {
        let mut snap = Snapshot::default();
        load(&Arc::from("export.json"), json.as_bytes(), &mut snap)?;
        Ok(snap)
    }

    const ONE: &str = r#"{"entities": [{"identifier": "Permission-1", "blueprint": "provisioned_permissions",
      "properties": {"requester": "dana@example.com",
        "iam_policy": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::b/*\"}]}",
        "policy_arn": "arn:aws:iam::111122223333:policy/Permission-1",
        "role_arn": "arn:aws:iam::111122223333:role/Permission-1", "expiry_time": null},
      "relations": {"aws_resource": "arn:aws:s3:::b", "permissions": ["s3:GetObject"]}},
      {"identifier": "arn:aws:s3:::b", "blueprint": "aws_resource", "properties": {"resource_type": "S3"}}]}"#;

    #[test]
    fn a_record_becomes_its_role_policy_and_implied_trust() {
        let snap = read(ONE).unwrap();
        assert_eq!(snap.principals.len(), 1);
        let role = &snap.principals[0];
        assert_eq!(
            (role.name.as_str(), role.account.as_deref()),
            ("Permission-1", Some("111122223333"))
        );
        let r = &snap.portal[0];
        assert!(r.trust_implied && !r.dumped && r.expiry.is_none());
        let trust = snap.policy(r.trust).unwrap();
        assert_eq!(
            trust.document.statements[0].origin.pointer.as_deref(),
            Some("/entities/0/properties/role_arn")
        );
        let pol = snap.policy(r.policy).unwrap();
        // a document in a string is placed at the string
        assert_eq!(
            pol.document.statements[0].origin.pointer.as_deref(),
            Some("/entities/0/properties/iam_policy")
        );
    }

    #[test]
    fn malformed_records_are_placed_errors() {
        let cases = [
            (
                ONE.replace(r#""identifier": "Permission-1", "#, ""),
                "/entities/0",
                "identifier",
            ),
            (
                ONE.replace("role/Permission-1", "user/x"),
                "/entities/0/properties/role_arn",
                "role ARN",
            ),
            (
                ONE.replace("111122223333:policy", "444455556666:policy"),
                "/entities/0/properties/policy_arn",
                "own account",
            ),
            (
                ONE.replace(r#""expiry_time": null"#, r#""expiry_time": "soon""#),
                "/entities/0/properties/expiry_time",
                "RFC 3339",
            ),
            (
                ONE.replace(r#"\"Effect\":\"Allow\","#, ""),
                "/entities/0/properties/iam_policy",
                "Effect",
            ),
            (
                ONE.replace(r#""requester": "dana@example.com""#, r#""requester": 7"#),
                "/entities/0/properties/requester",
                "invalid portal export",
            ),
            (r#"{"ok": true}"#.to_owned(), "", "expected `entities`"),
        ];
        for (json, pointer, says) in cases {
            let e = read(&json).unwrap_err();
            assert_eq!(e.place.pointer.as_deref(), Some(pointer), "{e}");
            assert!(e.to_string().contains(says), "{e}");
        }
    }
}
