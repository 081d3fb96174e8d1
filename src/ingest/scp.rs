//! Service control policies (`--scp FILE`, JSON or YAML). Each file is one level of the
//! organization (root, an OU, the account) and holds one policy document, a list of
//! them, `aws organizations describe-policy` output (the document is the JSON string in
//! `Policy.Content`), or a list of those. Every level must allow an action, as in AWS,
//! so the order of `--scp` files does not change decisions, only how they are shown.

use serde_json::value::RawValue;
use std::borrow::Cow;
use std::path::Path;
use std::sync::Arc;

use super::err::{json_message, pointer_of, split_help, with_help};
use super::policy_doc::{DocRole, DocSite, OriginBase, attach, parse_raw};
use super::raw::scp::RawScpProbe;
use super::source::{Text, decode, first_byte, offset_in};
use super::{IngestError, yaml};
use crate::model::{Policy, PolicyKind, ScpLevel, Snapshot};

const SHAPE_HELP: &str = "an SCP file holds a policy document, a list of them, or the output of \
    `aws organizations describe-policy` (or a list of those)";

/// Reads one SCP file as one [`ScpLevel`] (named after the file) and adds its policies
/// (kind [`PolicyKind::Scp`]) to `snap`.
pub fn load_scp_level(
    file: &Arc<str>,
    bytes: &[u8],
    snap: &mut Snapshot,
) -> Result<(), IngestError> {
    // a YAML file is read as the JSON it converts to: its errors are placed at the
    // YAML line of their pointer
    load_scp_level_inner(file, bytes, snap).map_err(|e| yaml::at_yaml_line(bytes, e))
}

fn load_scp_level_inner(
    file: &Arc<str>,
    bytes: &[u8],
    snap: &mut Snapshot,
) -> Result<(), IngestError> {
    let decoded = decode(file, bytes)?;
    let (json, positions): (Cow<'_, [u8]>, bool) = match first_byte(&decoded) {
        None => {
            return Err(IngestError::new(
                Text::new(file, &decoded).place_at(Some(0), None),
                "the file is empty",
            ));
        }
        Some(b'{' | b'[') => (decoded, true),
        Some(_) => (
            Cow::Owned(yaml::to_json(file, &decoded)?.into_bytes()),
            false,
        ),
    };
    let text = Text {
        file,
        bytes: &json,
        positions,
    };
    let level = level_name(file);

    let items: Vec<(&RawValue, String)> = if first_byte(&json) == Some(b'[') {
        let list: Vec<&RawValue> =
            serde_json::from_slice(&json).map_err(|e| json_error(&text, 0, &e))?;
        list.into_iter()
            .enumerate()
            .map(|(i, v)| (v, format!("/{i}")))
            .collect()
    } else {
        let one: &RawValue = serde_json::from_slice(&json).map_err(|e| json_error(&text, 0, &e))?;
        vec![(one, String::new())]
    };
    let many = items.len() > 1 || first_byte(&json) == Some(b'[');

    let mut ids = Vec::with_capacity(items.len());
    for (i, (item, pointer)) in items.iter().enumerate() {
        let offset = offset_in(&json, item.get());
        if first_byte(item.get().as_bytes()) != Some(b'{') {
            return Err(IngestError::new(
                text.place_at(offset, Some(pointer.clone())),
                with_help("expected a policy document object", SHAPE_HELP),
            ));
        }
        let probe: RawScpProbe<'_> = serde_json::from_str(item.get()).map_err(|e| {
            let mut place_ptr = pointer.clone();
            let mut de = serde_json::Deserializer::from_str(item.get());
            if let Err(pe) = serde_path_to_error::deserialize::<_, RawScpProbe<'_>>(&mut de) {
                place_ptr.push_str(&pointer_of(pe.path()));
            }
            let (message, help) = split_help(json_message(&e));
            IngestError {
                place: text.error_place(offset.unwrap_or(0), e.line(), e.column(), Some(place_ptr)),
                message,
                help,
            }
        })?;
        let default_name = if many {
            format!("{level}[{i}]")
        } else {
            level.clone()
        };
        let (name, arn, doc, doc_pointer) = match &probe.policy {
            Some(described) => {
                let summary = described.summary.as_ref();
                if let Some(kind) = summary.and_then(|s| s.kind.as_deref())
                    && kind != "SERVICE_CONTROL_POLICY"
                {
                    return Err(IngestError::new(
                        text.place_at(offset, Some(format!("{pointer}/Policy/PolicySummary/Type"))),
                        with_help(
                            format!("this is a `{kind}` policy, not a service control policy"),
                            "only `SERVICE_CONTROL_POLICY` policies limit IAM permissions",
                        ),
                    ));
                }
                let name = summary
                    .and_then(|s| s.name.as_deref())
                    .map_or(default_name, str::to_owned);
                let arn = summary.and_then(|s| s.arn.as_deref()).map(Arc::from);
                (
                    name,
                    arn,
                    described.content.text(),
                    format!("{pointer}/Policy/Content"),
                )
            }
            None => (default_name, None, item.get(), pointer.clone()),
        };
        let parsed = parse_raw(doc, DocRole::Identity).map_err(|e| {
            e.into_ingest(&DocSite {
                text,
                offset: offset_in(&json, doc),
                pointer: &doc_pointer,
            })
        })?;
        let base = OriginBase {
            file: file.clone(),
            policy: Arc::from(name),
            policy_arn: arn,
            version: None,
            kind: PolicyKind::Scp,
            pointer: Some(doc_pointer),
        };
        let document = attach(&parsed, &base);
        ids.push(snap.add_policy(Policy {
            name: base.policy,
            arn: base.policy_arn,
            kind: PolicyKind::Scp,
            version: None,
            document,
        }));
    }
    snap.scps.push(ScpLevel {
        name: level,
        source: file.clone(),
        policies: ids,
    });
    snap.sources.push(file.clone());
    Ok(())
}

/// The level's name: the file name without its extension (`ou-prod.json` → `ou-prod`).
fn level_name(file: &str) -> String {
    Path::new(file)
        .file_stem()
        .map_or_else(|| file.to_owned(), |s| s.to_string_lossy().into_owned())
}

fn json_error(text: &Text<'_>, base: usize, e: &serde_json::Error) -> IngestError {
    let (message, help) = split_help(json_message(e));
    IngestError {
        place: text.json_error_place(base, e, None),
        message,
        help: help.or_else(|| Some(SHAPE_HELP.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ActionClause, Effect};

    fn load(name: &str, text: &str) -> Result<Snapshot, IngestError> {
        let mut snap = Snapshot::default();
        load_scp_level(&Arc::from(name), text.as_bytes(), &mut snap)?;
        Ok(snap)
    }

    const DENY_LEAVE: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"organizations:LeaveOrganization","Resource":"*"}]}"#;

    #[test]
    fn one_document_is_one_level() {
        let snap = load("scps/root.json", DENY_LEAVE).unwrap();
        assert_eq!(snap.scps.len(), 1);
        assert_eq!(snap.scps[0].name, "root");
        let p = &snap.policies[0];
        assert_eq!((p.kind, &*p.name), (PolicyKind::Scp, "root"));
        assert_eq!(p.document.statements[0].effect, Effect::Deny);
        assert_eq!(
            p.document.statements[0].origin.pointer.as_deref(),
            Some("/Statement/0")
        );
    }

    #[test]
    fn describe_policy_output_and_lists() {
        let described = serde_json::json!({"Policy": {
            "PolicySummary": {"Id": "p-1", "Arn": "arn:aws:organizations::1:policy/o-1/service_control_policy/p-1",
                "Name": "FullAWSAccess", "Type": "SERVICE_CONTROL_POLICY", "AwsManaged": true},
            "Content": r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#}});
        let list = format!("[{described}, {DENY_LEAVE}]");
        let snap = load("ou.json", &list).unwrap();
        assert_eq!(snap.scps[0].policies.len(), 2);
        assert_eq!(&*snap.policies[0].name, "FullAWSAccess");
        assert!(snap.policies[0].arn.is_some());
        assert_eq!(&*snap.policies[1].name, "ou[1]");
        assert_eq!(
            snap.policies[0].document.statements[0].action,
            ActionClause::Action(vec!["*".into()])
        );
    }

    #[test]
    fn yaml_scp() {
        let y = "Version: 2012-10-17\nStatement:\n  - Effect: Deny\n    Action: [s3:DeleteBucket]\n    Resource: '*'\n";
        let snap = load("acct.yaml", y).unwrap();
        assert_eq!(snap.scps[0].name, "acct");
        assert_eq!(
            snap.policies[0].document.version.as_deref(),
            Some("2012-10-17")
        );
    }

    #[test]
    fn errors_name_the_place() {
        let e = load(
            "x.json",
            "{\"Policy\": {\"Content\": \"{\\\"Statement\\\": 3}\"}}",
        )
        .unwrap_err();
        assert!(e.to_string().starts_with("x.json:1:"), "{e}");
        assert_eq!(e.place.pointer.as_deref(), Some("/Policy/Content"));
        assert!(e.message.contains("policy document string"), "{e}");
        let e = load(
            "x.json",
            r#"{"Policy": {"PolicySummary": {"Type": "TAG_POLICY"}, "Content": "{}"}}"#,
        )
        .unwrap_err();
        assert!(e.message.contains("`TAG_POLICY`"), "{e}");
        // a YAML file's errors are placed at the YAML line of their pointer (issue 7)
        let e = load("x.yaml", "Statement:\n  - Effect: Allow\n    Action: '*'\n").unwrap_err();
        assert_eq!((e.place.line, e.place.column), (Some(2), Some(5)), "{e}");
        assert_eq!(e.place.pointer.as_deref(), Some("/Statement/0"));
        let e = load("x.json", "[1]").unwrap_err();
        assert_eq!(e.place.pointer.as_deref(), Some("/0"));
    }
}
