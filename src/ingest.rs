//! Ingest: input files into the cloud-neutral [`model`](mod@crate::model). One module per
//! input format, each with raw serde types mirroring the format (`raw/`) converted into
//! validated model values; that conversion is the only place input errors arise, and
//! every one of them is an [`IngestError`] naming the file and the place in it.
//!
//! Formats so far: AWS `get-account-authorization-details` exports (the sources of a
//! side), per-call CLI outputs, AWS Organizations exports, templates and provisioner
//! configs, service control policies (`--scp`), and context files (`--context-file`).

mod aws_auth_details;
mod aws_cli;
mod cloudformation;
mod context;
mod detect;
mod documents;
mod err;
mod gcp;
mod identity_center;
mod locate;
mod memberships;
mod organizations;
mod platform;
mod policy_doc;
mod portal;
mod provisioner;
mod raw;
mod resource_policies;
mod runbook;
mod scp;
mod source;
mod terraform;
mod yaml;

#[cfg(test)]
mod corpus_tests;

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use aws_auth_details::{
    CATALOG_FILE, Resolver, catalog_policy, catalog_resolver, load_auth_details,
    load_auth_details_with,
};
pub use context::load_context_file;
pub use detect::{Format, detect};
pub use err::IngestError;
pub use gcp::check as check_gcp;
pub use identity_center::load_identity_center;
pub use locate::{
    Attachment, Needles, find_attachments, find_attachments_in, locate_pointers, parse_tree,
};
pub use organizations::load_organization;
pub use platform::read as read_platform;
pub use policy_doc::{OriginBase, parse_policy_document};
pub use resource_policies::load as load_resource_policies;
pub use runbook::{load_runbook, parse_runbook};
pub use scp::load_scp_level;
pub use source::{decode, read_for_places, read_source, sha256_hex};

use crate::model::{self, Snapshot, Warning, WarningCode};
use detect::Kind;

/// How to read one side, beyond its files.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Read every source as this format instead of detecting it (`--before-format`, ...).
    pub format: Option<Format>,
    /// Level definitions replacing the embedded ones for provisioner configs (`--levels`).
    pub levels: Option<PathBuf>,
    /// CloudFormation parameter files (`--cfn-params`, the AWS CLI's
    /// `ParameterKey`/`ParameterValue` JSON).
    pub cfn_params: Vec<PathBuf>,
    /// `AWS::AccountId` for templates, and the account of generated ARNs (`--account`).
    pub account: Option<String>,
    /// `AWS::Region` for templates (`--region`).
    pub region: Option<String>,
}

/// Reads one side: every source file (format detected from its content), merged into
/// one [`Snapshot`], then each `--scp` file as one SCP level, in order. Attached managed
/// policies missing from the sources come from the embedded catalog.
/// Reads a YAML file that a later layer deserializes itself (the `--map` and `--waivers`
/// files): the text, checked to be one well-formed document so that syntax errors, a
/// second document or an alias bomb are reported with their line:column.
pub fn read_yaml_source(path: &Path) -> Result<(Arc<str>, String), IngestError> {
    let (name, bytes) = read_source(path)?;
    check_yaml_document(&name, &bytes)?;
    Ok((name, String::from_utf8_lossy(&bytes).into_owned()))
}

/// The check of [`read_yaml_source`] on text already read: one well-formed YAML
/// document, or an error placed at its line:column.
pub fn check_yaml_document(name: &Arc<str>, bytes: &[u8]) -> Result<(), IngestError> {
    yaml::check_document(name, bytes)
}

pub fn load_side(sources: &[PathBuf], scps: &[PathBuf]) -> Result<Snapshot, IngestError> {
    load_side_opts(sources, scps, &LoadOptions::default())
}

/// [`load_side`] with options.
pub fn load_side_opts(
    sources: &[PathBuf],
    scps: &[PathBuf],
    opts: &LoadOptions,
) -> Result<Snapshot, IngestError> {
    load_side_with(sources, scps, opts, &catalog_resolver)
}

/// Files of the sources: a directory stands for the files in it (sorted; `.json`,
/// `.yaml`, `.yml`, `.txt`) and in its sub-directories, which is how per-call CLI exports,
/// `cdk.out` and an organization's folder (`accounts/`, `organization/`) come. Of a
/// directory, only IAM inputs are read: the files of other options (`--scp`, `--map`,
/// `--waivers`, ...) and files of no known format are skipped with a warning.
///
/// Each file comes with the index of the directory it was found in (`None` for a file
/// given by itself): per-call CLI exports of different directories are different
/// exports, usually of different accounts (issue 8).
fn expand(sources: &[PathBuf]) -> Result<Vec<(PathBuf, Option<usize>)>, IngestError> {
    let mut out = Vec::new();
    let mut next_dir = 0usize;
    for p in sources {
        if p.is_dir() {
            let before = out.len();
            expand_dir(p, 0, &mut next_dir, &mut out)?;
            if out.len() == before {
                return Err(IngestError::in_file(
                    &Arc::from(p.display().to_string()),
                    "the directory holds no .json, .yaml, .yml or .txt file",
                ));
            }
        } else {
            out.push((p.clone(), None));
        }
    }
    Ok(out)
}

/// How deep sub-directories of a side's directory are read (`org/before/accounts/…`).
const MAX_DIR_DEPTH: usize = 4;

/// The files of one directory (each sub-directory its own, read after the files).
fn expand_dir(
    p: &Path,
    depth: usize,
    next_dir: &mut usize,
    out: &mut Vec<(PathBuf, Option<usize>)>,
) -> Result<(), IngestError> {
    let dir = *next_dir;
    *next_dir += 1;
    let mut entries: Vec<PathBuf> = std::fs::read_dir(p)
        .map_err(|e| {
            IngestError::in_file(
                &Arc::from(p.display().to_string()),
                format!("cannot read the directory: {e}"),
            )
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for f in entries.iter().filter(|f| {
        f.is_file()
            && f.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| matches!(e, "json" | "ndjson" | "yaml" | "yml" | "txt"))
    }) {
        out.push((f.clone(), Some(dir)));
    }
    if depth < MAX_DIR_DEPTH {
        for d in entries.iter().filter(|f| f.is_dir()) {
            expand_dir(d, depth + 1, next_dir, out)?;
        }
    }
    Ok(())
}

/// [`load_side_opts`] with a chosen resolver for attached-but-unlisted managed policies.
pub fn load_side_with(
    sources: &[PathBuf],
    scps: &[PathBuf],
    opts: &LoadOptions,
    resolver: Resolver<'_>,
) -> Result<Snapshot, IngestError> {
    let mut files = Vec::new();
    let mut skipped: Vec<Warning> = Vec::new();
    let mut unknown: Vec<IngestError> = Vec::new();
    // AWS CLI output written with `--output yaml`: the YAML text of each such file,
    // read as the JSON it is the same structure as
    let mut yaml_texts: Vec<(Arc<str>, Vec<u8>)> = Vec::new();
    // the directory of each file in `files`
    let mut dirs: Vec<Option<usize>> = Vec::new();
    // `describe-policy` outputs, with whether they were found in a directory
    let mut described: Vec<(Arc<str>, Vec<u8>, bool)> = Vec::new();
    // JSON exports (indexes in `files`) whose nesting is checked while serde_json, which
    // stops at 128 levels by itself, parses them (see `read_files`): ~50 ms of a 70 MB
    // export off the serial load. An error of a later step waits for their checks, so a
    // file nesting too deep is still the error reported, as when each file was checked
    // on reading.
    let mut unchecked: Vec<usize> = Vec::new();
    // the SHA-256 of every file read, as read
    let mut digests: Vec<(Arc<str>, String)> = Vec::new();
    let gathered = (|| -> Result<(), IngestError> {
        for (path, dir) in expand(sources)? {
            let in_dir = dir.is_some();
            let (name, bytes, digest) = source::read_unchecked_hashed(&path)?;
            digests.push((name.clone(), digest));
            // JSON-shaped text is classified by its first keys (or serde_json) before the
            // check; any other text is checked first, as every parser reading it needs
            let json = matches!(source::first_byte(&bytes), Some(b'{' | b'['));
            if !json {
                yaml::check_nesting(&name, &bytes)?;
            }
            let classified = match opts.format {
                Some(f) => Ok(Kind::Iam(f)),
                None => detect::classify(&name, &bytes),
            };
            let defer = json && matches!(classified, Ok(Kind::Iam(Format::AwsAuthDetails)));
            if json && !defer {
                yaml::check_nesting(&name, &bytes)?;
            }
            let format = match classified {
                Ok(Kind::Iam(f)) => f,
                // `describe-policy` output: part of the organization export when the
                // side has one (decided once every file is classified)
                Ok(Kind::Other(detect::Other::Scp))
                    if organizations::is_described_policy(&bytes) =>
                {
                    described.push((name, bytes, in_dir));
                    continue;
                }
                // a directory side reads only IAM inputs; the files of other options
                // are skipped and named with the flag that reads them
                Ok(Kind::Other(other)) if in_dir => {
                    skipped.push(Warning {
                        code: WarningCode::Unsupported,
                        place: model::Place::file(name.clone()),
                        message: format!(
                            "skipped: this is {}, not an IAM input; `{}` reads it",
                            other.what(),
                            other.flag()
                        ),
                    });
                    continue;
                }
                Ok(Kind::Other(other)) => {
                    return Err(detect::other_input(&name, &bytes, other));
                }
                // inside a directory, files of no known format (cdk.out's manifest.json,
                // a README) are skipped and named, not fatal
                Err(e) if in_dir => {
                    unknown.push(e);
                    continue;
                }
                Err(e) => return Err(e),
            };
            let bytes = if matches!(
                format,
                Format::AwsAuthDetails
                    | Format::AwsCli
                    | Format::AwsOrganizations
                    | Format::IdentityCenter
            ) && !matches!(source::first_byte(&bytes), Some(b'{' | b'[') | None)
            {
                let json = yaml::to_json(&name, &bytes)?.into_bytes();
                yaml_texts.push((name.clone(), bytes));
                json
            } else {
                bytes
            };
            if defer {
                unchecked.push(files.len());
            }
            files.push((name, bytes, format));
            dirs.push(dir);
        }
        Ok(())
    })();
    if let Err(e) = gathered {
        return Err(first_too_deep(&files, &unchecked).unwrap_or(e));
    }
    if files.iter().any(|(_, _, f)| *f == Format::AwsOrganizations) {
        for (name, bytes, _) in described {
            files.push((name, bytes, Format::AwsOrganizations));
            dirs.push(None);
        }
    } else {
        // no organization: a policy is what `--scp` reads, as before
        for (name, bytes, in_dir) in described {
            if !in_dir {
                return Err(first_too_deep(&files, &unchecked)
                    .unwrap_or_else(|| detect::other_input(&name, &bytes, detect::Other::Scp)));
            }
            let other = detect::Other::Scp;
            skipped.push(Warning {
                code: WarningCode::Unsupported,
                place: model::Place::file(name),
                message: format!(
                    "skipped: this is {}, not an IAM input; `{}` reads it",
                    other.what(),
                    other.flag()
                ),
            });
        }
    }
    if files.is_empty() && !unknown.is_empty() {
        return Err(unknown.swap_remove(0));
    }
    let mut snap = match read_files(&files, &dirs, &unchecked, opts, resolver) {
        Ok(snap) => snap,
        Err(mut e) => {
            relocate(&mut e.place, &yaml_texts);
            return Err(e);
        }
    };
    for w in snap.warnings.iter_mut().take(RELOCATED_WARNINGS) {
        relocate(&mut w.place, &yaml_texts);
    }
    for e in unknown {
        skipped.push(Warning {
            code: WarningCode::Unsupported,
            place: e.place.clone(),
            message: format!("skipped: {}", e.message),
        });
    }
    // skipped files in file order, whatever made them skipped
    skipped.sort_by(|a, b| a.place.file.cmp(&b.place.file));
    snap.warnings.extend(skipped);
    if snap.org.is_some()
        && let Some(first) = scps.first()
    {
        return Err(IngestError::in_file(
            &Arc::from(first.display().to_string()),
            "`--scp` cannot be combined with an organization export on the same side",
        )
        .with_help(
            "the export already gives each account its SCPs; attach this policy in the export instead",
        ));
    }
    if let Some(org) = &snap.org {
        let mut missing: Vec<&str> = snap
            .principals
            .iter()
            .filter_map(|p| p.account.as_deref())
            .filter(|a| org.account(a).is_none())
            .collect();
        missing.sort_unstable();
        missing.dedup();
        let place = org
            .accounts
            .first()
            .map(|a| a.place.clone())
            .or_else(|| org.nodes.first().map(|n| n.place.clone()));
        if let Some(place) = place {
            for a in missing {
                snap.warnings.push(Warning {
                    code: WarningCode::Unsupported,
                    place: place.clone(),
                    message: format!(
                        "account `{a}` has principals in this side but is not in the organization export: no SCP or RCP applies to them"
                    ),
                });
            }
        }
    }
    for path in scps {
        let (name, bytes) = read_source(path)?;
        load_scp_level(&name, &bytes, &mut snap)?;
    }
    snap.digests = digests;
    Ok(snap)
}

/// The nesting error of the first of the `unchecked` files that nests too deep.
fn first_too_deep(
    files: &[(Arc<str>, Vec<u8>, Format)],
    unchecked: &[usize],
) -> Option<IngestError> {
    unchecked
        .iter()
        .filter_map(|&i| files.get(i))
        .find_map(|(name, bytes, _)| yaml::check_nesting(name, bytes).err())
}

/// How many warnings about a YAML CLI output get YAML lines (each costs a parse).
const RELOCATED_WARNINGS: usize = 200;

/// A place in the JSON a YAML CLI output was read as, moved to the YAML text: its
/// pointer's line:column there.
fn relocate(place: &mut model::Place, yaml_texts: &[(Arc<str>, Vec<u8>)]) {
    let Some((_, text)) = yaml_texts.iter().find(|(n, _)| *n == place.file) else {
        return;
    };
    let at = place
        .pointer
        .as_deref()
        .and_then(|p| yaml::locate(text, p, false));
    place.line = at.map(|(l, _)| l);
    place.column = at.map(|(_, c)| c);
}

/// Reads the (detected) files of one side into a snapshot. `dirs` gives the directory
/// each file came from: when per-call CLI exports come from several directories, each
/// directory is read as one export (one account's), so same-named users, groups and
/// roles of different accounts stay apart; otherwise they are all one export.
fn read_files(
    files: &[(Arc<str>, Vec<u8>, Format)],
    dirs: &[Option<usize>],
    unchecked: &[usize],
    opts: &LoadOptions,
    resolver: Resolver<'_>,
) -> Result<Snapshot, IngestError> {
    let mut export = aws_auth_details::Export::default();
    let cli_dirs: std::collections::BTreeSet<usize> = files
        .iter()
        .zip(dirs)
        .filter(|((_, _, f), _)| *f == Format::AwsCli)
        .filter_map(|(_, d)| *d)
        .collect();
    let per_dir = cli_dirs.len() > 1;
    // one export per directory (loose files together), in the order first seen
    let mut cli: Vec<(Option<usize>, aws_cli::Exports)> = Vec::new();
    // files read together once all are known, because they refer to each other
    let mut org = source::Deferred::default();
    let mut ic = source::Deferred::default();
    let mut gcp_files = source::Deferred::default();
    let mut add = || -> Result<(), IngestError> {
        for ((name, bytes, format), dir) in files.iter().zip(dirs) {
            match format {
                Format::AwsAuthDetails => export.add(name.clone(), bytes)?,
                Format::AwsOrganizations => org.add(name.clone(), bytes),
                Format::IdentityCenter => ic.add(name.clone(), bytes),
                Format::Gcp => gcp_files.add(name.clone(), bytes),
                Format::AwsCli => {
                    let group = if per_dir { *dir } else { None };
                    let at = match cli.iter().position(|(g, _)| *g == group) {
                        Some(i) => i,
                        None => {
                            cli.push((group, aws_cli::Exports::default()));
                            cli.len() - 1
                        }
                    };
                    if let Some((_, e)) = cli.get_mut(at) {
                        e.add(name.clone(), bytes)?;
                    }
                }
                _ => {}
            }
        }
        Ok(())
    };
    if unchecked.is_empty() {
        add()?;
    } else {
        // the exports' nesting checks on a thread of their own while they are parsed;
        // a file nesting too deep is the error, whatever the parse made of it
        let (too_deep, added) = std::thread::scope(|s| {
            let check = s.spawn(|| first_too_deep(files, unchecked));
            let added = add();
            let too_deep = check
                .join()
                .unwrap_or_else(|_| first_too_deep(files, unchecked));
            (too_deep, added)
        });
        if let Some(e) = too_deep {
            return Err(e);
        }
        added?;
    }
    // an export lists every user of the account
    let mut snap = Snapshot {
        defines_users: files.iter().any(|(_, _, f)| *f == Format::AwsAuthDetails),
        ..Snapshot::default()
    };
    export.finish(&mut snap, resolver)?;
    for (_, e) in cli {
        e.finish(&mut snap, opts, resolver)?;
    }
    organizations::finish(&org, &mut snap)?;
    // after the account dumps: an assignment's role is matched to the dump's
    identity_center::cli::finish(&ic, &mut snap, resolver)?;
    for (name, bytes, format) in files {
        match format {
            Format::CloudFormation => cloudformation::load(name, bytes, &mut snap, opts, resolver)?,
            Format::Terraform => terraform::load(name, bytes, &mut snap, opts, resolver)?,
            Format::Provisioner => provisioner::load(name, bytes, &mut snap, opts, resolver)?,
            _ => {}
        }
    }
    if !gcp_files.is_empty() {
        gcp::load(&gcp_files, &mut snap)?;
    }
    for (name, bytes, format) in files {
        if *format == Format::Platform {
            platform::load(name, bytes, &mut snap)?;
        }
    }
    for (name, bytes, format) in files {
        if *format == Format::Memberships {
            memberships::apply(name, bytes, &mut snap)?;
        }
    }
    // after the dumps: a record whose role a dump has adds none
    for (name, bytes, format) in files {
        if *format == Format::Portal {
            portal::load(name, bytes, &mut snap)?;
        }
    }
    // last: attribution may use the ARNs and accounts of everything else on the side
    let mut side: Option<resource_policies::Side> = None;
    for (name, bytes, format) in files {
        if *format == Format::ResourcePolicies {
            let side = side.get_or_insert_with(|| resource_policies::Side::of(&snap, opts));
            resource_policies::load_with(name, bytes, &mut snap, side)?;
        }
    }
    resource_policies::dangling(&mut snap);
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
        let snap =
            load_side_with(&[export], &[root, ou], &LoadOptions::default(), &|_| None).unwrap();
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
            br#"{"some_tool_version": "1.2", "results": {}}"#,
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

        // a directory whose files are of no known format
        let e = load_side(&[dir.path().to_path_buf()], &[]).unwrap_err();
        assert!(e.message.contains("cannot tell the format"), "{e}");
    }
}
