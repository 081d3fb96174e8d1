//! Ingest: input files into the cloud-neutral [`model`](crate::model). One module per
//! input format, each with raw serde types mirroring the format (`raw/`) converted into
//! validated model values; that conversion is the only place input errors arise, and
//! every one of them is an [`IngestError`] naming the file and the place in it.
//!
//! Formats so far: AWS `get-account-authorization-details` exports (the sources of a
//! side), service control policies (`--scp`), and context files (`--context-file`).

mod aws_auth_details;
mod context;
mod detect;
mod err;
mod policy_doc;
mod raw;
mod scp;
mod source;
mod yaml;

#[cfg(test)]
mod corpus_tests;

use std::path::PathBuf;

pub use aws_auth_details::{
    CATALOG_FILE, Resolver, catalog_policy, catalog_resolver, load_auth_details,
    load_auth_details_with,
};
pub use context::load_context_file;
pub use detect::{Format, detect};
pub use err::IngestError;
pub use policy_doc::{OriginBase, parse_policy_document};
pub use scp::load_scp_level;
pub use source::{decode, read_source};

use crate::model::Snapshot;

/// Reads one side: every source file (format detected from its content), merged into
/// one [`Snapshot`], then each `--scp` file as one SCP level, in order. Attached managed
/// policies missing from the sources come from the embedded catalog.
pub fn load_side(sources: &[PathBuf], scps: &[PathBuf]) -> Result<Snapshot, IngestError> {
    load_side_with(sources, scps, &catalog_resolver)
}

/// [`load_side`] with a chosen resolver for attached-but-unlisted managed policies.
pub fn load_side_with(
    sources: &[PathBuf],
    scps: &[PathBuf],
    resolver: Resolver<'_>,
) -> Result<Snapshot, IngestError> {
    let files = sources
        .iter()
        .map(|p| read_source(p))
        .collect::<Result<Vec<_>, _>>()?;
    let mut export = aws_auth_details::Export::default();
    for (name, bytes) in &files {
        match detect(name, bytes)? {
            Format::AwsAuthDetails => export.add(name.clone(), bytes)?,
        }
    }
    let mut snap = Snapshot::default();
    export.finish(&mut snap, resolver)?;
    for path in scps {
        let (name, bytes) = read_source(path)?;
        load_scp_level(&name, &bytes, &mut snap)?;
    }
    Ok(snap)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ActionClause, PolicyKind};
    use std::path::Path;

    fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    const EXPORT: &str = r#"{"UserDetailList": [{"UserName": "a", "Arn": "arn:aws:iam::111122223333:user/a",
        "UserPolicyList": [{"PolicyName": "p", "PolicyDocument": {"Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}}]}]}"#;

    #[test]
    fn a_side_with_sources_and_scp_levels() {
        let dir = tempfile::tempdir().unwrap();
        // Saved by PowerShell: UTF-16LE with a BOM.
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(EXPORT.encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let export = write(dir.path(), "export.json", &utf16);
        let root = write(
            dir.path(),
            "root.json",
            br#"{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}"#,
        );
        let ou = write(
            dir.path(),
            "ou.yaml",
            b"Statement:\n  - Effect: Deny\n    Action: s3:DeleteBucket\n    Resource: '*'\n",
        );
        let snap = load_side_with(&[export], &[root, ou], &|_| None).unwrap();
        assert_eq!(snap.principals.len(), 1);
        let names: Vec<&str> = snap.scps.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, vec!["root", "ou"]);
        assert_eq!(snap.sources.len(), 3);
        let scp = snap.policy(snap.scps[1].policies[0]).unwrap();
        assert_eq!(scp.kind, PolicyKind::Scp);
        assert_eq!(
            scp.document.statements[0].action,
            ActionClause::Action(vec!["s3:DeleteBucket".into()])
        );
    }

    #[test]
    fn sources_of_unknown_format_or_unreadable_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let tf = write(
            dir.path(),
            "plan.json",
            br#"{"format_version": "1.2", "planned_values": {}}"#,
        );
        let e = load_side(&[tf], &[]).unwrap_err();
        assert!(
            e.message.contains("cannot tell the format") && e.message.contains("plan.json"),
            "{e}"
        );
        assert!(
            e.help
                .as_deref()
                .unwrap()
                .contains("get-account-authorization-details"),
            "{e}"
        );

        let missing = dir.path().join("missing.json");
        let e = load_side(&[missing], &[]).unwrap_err();
        assert!(
            e.to_string().contains("missing.json") && e.message.contains("no such file"),
            "{e}"
        );

        let e = load_side(&[dir.path().to_path_buf()], &[]).unwrap_err();
        assert!(e.message.contains("is a directory"), "{e}");
    }
}
