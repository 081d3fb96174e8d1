//! Fills the diff report's provenance (issue 12): the inputs' paths relative to
//! `--source-root` and their SHA-256, the generation time from `SOURCE_DATE_EPOCH`, the
//! line:column of the statements findings route through, where catalog policies are
//! attached in the user's files, and (for `--junit-all`) the unchanged principals. The CLI
//! does this because it is the layer that reads files; the report layer only presents.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use sha2::{Digest, Sha256};

use crate::diff::findings::Finding;
use crate::ingest::{self, Attachment};
use crate::model::Snapshot;
use crate::report::diff::DiffReport;
use crate::report::provenance::{
    self, AttachmentPlace, InputFile, Provenance, StatementPlace, UnchangedPrincipal,
};

use super::CliError;
use super::args::DiffArgs;

/// The inputs of a run, for [`fill`].
pub struct Inputs<'a> {
    pub args: &'a DiffArgs,
    pub before: &'a Snapshot,
    pub after: &'a Snapshot,
    /// (kind, name) of every compared principal, as the report names them.
    pub compared: Vec<(String, String)>,
}

pub fn fill(report: &mut DiffReport, inputs: &Inputs<'_>) -> Result<(), CliError> {
    let a = inputs.args;
    let cwd = std::env::current_dir()?;
    let root = absolute(&cwd, a.source_root.as_deref().unwrap_or(Path::new(".")));
    let mut files: Vec<(&str, String)> = Vec::new();
    for (role, snap) in [("before", inputs.before), ("after", inputs.after)] {
        files.extend(snap.sources.iter().map(|s| (role, s.to_string())));
    }
    let named = |role: &'static str, ps: &[PathBuf]| -> Vec<(&'static str, String)> {
        ps.iter().map(|p| (role, p.display().to_string())).collect()
    };
    files.extend(named("scp", &a.scp));
    files.extend(named("before-scp", &a.before_scp));
    files.extend(named("after-scp", &a.after_scp));
    files.extend(named("map", a.map.as_slice()));
    files.extend(named("waivers", a.waivers.as_slice()));
    files.extend(named("context", a.context.context_file.as_slice()));
    files.extend(named("cfn-params", &a.load.cfn_params));
    files.extend(named("levels", a.load.levels.as_slice()));
    let mut seen = BTreeSet::new();
    let mut prov = Provenance {
        generated: generated()?,
        ..Provenance::default()
    };
    let files: Vec<(&str, String)> = files
        .into_iter()
        .filter(|(_, path)| provenance::is_file(path) && seen.insert(path.clone()))
        .collect();
    // each input read once, its digest and its places from the same bytes; the files
    // are hashed in parallel (a 68 MB input took a third of the render)
    let read: Vec<Option<Arc<[u8]>>> = {
        use rayon::prelude::*;
        let bytes: Vec<Option<Vec<u8>>> = files
            .par_iter()
            .map(|(_, path)| std::fs::read(path).ok())
            .collect();
        bytes.into_iter().map(|b| b.map(Arc::from)).collect()
    };
    let digests: Vec<Option<String>> = {
        use rayon::prelude::*;
        let raw: Vec<Option<&[u8]>> = read.iter().map(|b| b.as_deref()).collect();
        raw.par_iter()
            .map(|b| b.map(|b| hex(&Sha256::digest(b))))
            .collect()
    };
    let mut cache = Files::default();
    for (((role, path), bytes), sha256) in files.into_iter().zip(read).zip(digests) {
        // a source that cannot be read again (a pipe) is listed without a digest
        // (a file with a byte-order mark goes through the reader's decoding instead)
        if let Some(b) =
            bytes.filter(|b| !b.first().is_some_and(|c| [0xEF, 0xFE, 0xFF].contains(c)))
        {
            cache.texts.insert(path.clone(), Some(b));
        }
        prov.inputs.push(InputFile {
            role: role.to_owned(),
            uri: relative(&root, &absolute(&cwd, Path::new(&path))),
            path,
            sha256,
        });
    }
    let mut files = cache;
    locate(report, inputs, &mut prov, &mut files);
    place_changes(report, &mut files);
    // the texts and trees (a 70 MB export's tree is millions of nodes) are freed on a
    // thread of their own while the reports render, not before them
    std::thread::spawn(move || drop(files));
    if a.junit_all {
        let listed: BTreeSet<(&str, &str)> = report
            .principals
            .iter()
            .map(|p| (p.kind.as_str(), p.name.as_str()))
            .collect();
        prov.unchanged = inputs
            .compared
            .iter()
            .filter(|(k, n)| !listed.contains(&(k.as_str(), n.as_str())))
            .map(|(kind, name)| UnchangedPrincipal {
                kind: kind.clone(),
                name: name.clone(),
            })
            .collect();
        prov.unchanged
            .sort_by(|x, y| (&x.kind, &x.name).cmp(&(&y.kind, &y.name)));
        prov.unchanged.dedup();
    }
    report.provenance = prov;
    Ok(())
}

/// Places of statements (by pointer) and of catalog policies' attachments.
fn locate(report: &DiffReport, inputs: &Inputs<'_>, prov: &mut Provenance, files: &mut Files) {
    // file → pointers; (side, policy, arn, holder) of catalog routes
    let mut pointers: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut attached: BTreeSet<(&str, &str, Option<&str>, &str)> = BTreeSet::new();
    let all: Vec<&Finding> = report.findings().collect();
    for f in &all {
        for (side, s) in [("before", &f.before), ("after", &f.after)] {
            for r in &s.routes {
                if provenance::is_file(&r.file) {
                    if let Some(p) = &r.pointer {
                        pointers.entry(&r.file).or_default().insert(p);
                    }
                } else {
                    let holder = provenance::holder(r, &f.principal);
                    attached.insert((side, &r.policy, r.policy_arn.as_deref(), holder));
                }
            }
        }
    }
    for (file, ps) in &pointers {
        let Some(text) = files.text(file) else {
            continue;
        };
        let ps: Vec<&str> = ps.iter().copied().collect();
        for (p, at) in ps.iter().zip(ingest::locate_pointers(&text, &ps)) {
            if let Some((line, column)) = at {
                prov.statements.push(StatementPlace {
                    file: (*file).to_owned(),
                    pointer: (*p).to_owned(),
                    line,
                    column,
                });
            }
        }
    }
    for (side, snap) in [("before", inputs.before), ("after", inputs.after)] {
        let mut left: Vec<&(&str, &str, Option<&str>, &str)> =
            attached.iter().filter(|x| x.0 == side).collect();
        for file in snap.sources.iter().filter(|s| provenance::is_file(s)) {
            if left.is_empty() {
                break;
            }
            let Some(text) = files.text(file) else {
                continue;
            };
            let wanted: Vec<Attachment<'_>> = left
                .iter()
                .map(|(_, policy, arn, holder)| Attachment {
                    arn: *arn,
                    name: policy,
                    holder,
                })
                .collect();
            let Some(tree) = files.tree(file) else {
                continue;
            };
            let found = ingest::find_attachments_in(&tree, &wanted);
            let ptrs: Vec<&str> = found.iter().flatten().map(String::as_str).collect();
            let mut places = ingest::locate_pointers(&text, &ptrs).into_iter();
            let mut still = Vec::new();
            for (x, ptr) in left.into_iter().zip(&found) {
                let Some(ptr) = ptr else {
                    still.push(x);
                    continue;
                };
                if let Some(Some((line, column))) = places.next() {
                    prov.attachments.push(AttachmentPlace {
                        side: side.to_owned(),
                        policy: x.1.to_owned(),
                        holder: x.3.to_owned(),
                        file: file.to_string(),
                        pointer: ptr.clone(),
                        line,
                        column,
                    });
                }
            }
            left = still;
        }
    }
}

/// Where each change is on each side, with line and column (issue 12: a change says
/// where it is as a finding does), and the line and column of each lint note. A
/// membership or an attachment is placed at the entry naming the group or the policy
/// under its holder in the side's files; anything else at its pointer.
fn place_changes(report: &mut DiffReport, files: &mut Files) {
    use crate::diff::changes::ChangeKind as K;
    // (side, change index, holder, name) of memberships and attachments to find
    let mut entries: Vec<(usize, usize, String, String)> = Vec::new();
    for (n, c) in report.changes.iter().enumerate() {
        let side = match c.kind {
            K::MembershipRemoved | K::PolicyDetached => 0,
            K::MembershipAdded | K::PolicyAttached => 1,
            _ => continue,
        };
        let Some(name) = c.object.as_deref().and_then(|o| {
            o.strip_prefix("group ")
                .or_else(|| o.strip_prefix("policy "))
        }) else {
            continue;
        };
        let Some(holder) = c.subject.split_once(' ').map(|(_, h)| h) else {
            continue;
        };
        let holder = holder.rsplit('/').next().unwrap_or(holder);
        entries.push((side, n, holder.to_owned(), name.to_owned()));
    }
    for side in 0..2 {
        let sources = if side == 0 {
            report.before.sources.clone()
        } else {
            report.after.sources.clone()
        };
        let mut left: Vec<&(usize, usize, String, String)> =
            entries.iter().filter(|e| e.0 == side).collect();
        for file in sources.iter().filter(|s| provenance::is_file(s)) {
            if left.is_empty() {
                break;
            }
            let wanted: Vec<Attachment<'_>> = left
                .iter()
                .map(|e| Attachment {
                    arn: None,
                    name: &e.3,
                    holder: &e.2,
                })
                .collect();
            let Some(tree) = files.tree(file) else {
                continue;
            };
            let found = ingest::find_attachments_in(&tree, &wanted);
            let mut still = Vec::new();
            for (e, ptr) in left.into_iter().zip(found) {
                let Some(ptr) = ptr else {
                    still.push(e);
                    continue;
                };
                if let Some(c) = report.changes.get_mut(e.1) {
                    let place = crate::model::Place {
                        file: file.as_str().into(),
                        line: None,
                        column: None,
                        pointer: Some(ptr),
                    };
                    if side == 0 {
                        c.before = Some(place);
                    } else {
                        c.after = Some(place);
                    }
                }
            }
            left = still;
        }
    }
    // every pointer of a change place or a lint note, by file
    let mut wanted: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for c in &report.changes {
        for p in [&c.before, &c.after].into_iter().flatten() {
            if let (Some(ptr), true) = (&p.pointer, provenance::is_file(&p.file)) {
                wanted
                    .entry(p.file.to_string())
                    .or_default()
                    .insert(ptr.clone());
            }
        }
    }
    for f in report.principals.iter().flat_map(|p| &p.findings) {
        for n in &f.lint {
            if let Some(ptr) = &n.pointer {
                wanted
                    .entry(n.file.clone())
                    .or_default()
                    .insert(ptr.clone());
            }
        }
    }
    let mut at: BTreeMap<(String, String), (u32, u32)> = BTreeMap::new();
    for (file, ptrs) in &wanted {
        let Some(text) = files.text(file) else {
            continue;
        };
        let ps: Vec<&str> = ptrs.iter().map(String::as_str).collect();
        for (p, found) in ps.iter().zip(ingest::locate_pointers(&text, &ps)) {
            if let Some(lc) = found {
                at.insert((file.clone(), (*p).to_owned()), lc);
            }
        }
    }
    let find = |file: &str, ptr: &Option<String>| {
        ptr.as_ref()
            .and_then(|p| at.get(&(file.to_owned(), p.clone())).copied())
    };
    for c in &mut report.changes {
        for p in [&mut c.before, &mut c.after].into_iter().flatten() {
            if let Some((l, col)) = find(&p.file, &p.pointer) {
                p.line = Some(l);
                p.column = Some(col);
            }
        }
    }
    for f in report.principals.iter_mut().flat_map(|p| &mut p.findings) {
        for n in &mut f.lint {
            if let Some((l, col)) = find(&n.file, &n.pointer) {
                n.line = Some(l);
                n.column = Some(col);
            }
        }
    }
}

/// The input texts the places are found in, each read (and parsed, when attachments are
/// looked for) once however many findings and changes point into it.
#[derive(Default)]
struct Files {
    texts: BTreeMap<String, Option<Arc<[u8]>>>,
    trees: BTreeMap<String, Option<Arc<serde_yaml::Value>>>,
}

impl Files {
    fn text(&mut self, file: &str) -> Option<Arc<[u8]>> {
        self.texts
            .entry(file.to_owned())
            .or_insert_with(|| {
                ingest::read_source(Path::new(file))
                    .ok()
                    .map(|(_, b)| Arc::from(b))
            })
            .clone()
    }

    fn tree(&mut self, file: &str) -> Option<Arc<serde_yaml::Value>> {
        if let Some(t) = self.trees.get(file) {
            return t.clone();
        }
        let tree = self
            .text(file)
            .and_then(|text| ingest::parse_tree(&text))
            .map(Arc::new);
        self.trees.insert(file.to_owned(), tree.clone());
        tree
    }
}

/// `SOURCE_DATE_EPOCH` as RFC 3339 UTC; none without it (reports stay reproducible).
fn generated() -> Result<Option<String>, CliError> {
    let Ok(raw) = std::env::var("SOURCE_DATE_EPOCH") else {
        return Ok(None);
    };
    let secs: i64 = raw.trim().parse().map_err(|_| {
        CliError::Usage(format!(
            "`SOURCE_DATE_EPOCH={raw}`: expected whole seconds since 1970-01-01 UTC"
        ))
    })?;
    let (y, m, d) = super::diff::civil_from_days(secs.div_euclid(86_400));
    let s = secs.rem_euclid(86_400);
    Ok(Some(format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        s / 3600,
        s / 60 % 60,
        s % 60
    )))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `base` joined with `p`, with `.` and `..` resolved lexically (no file system access:
/// the path may name a file that is gone, and symlinks are kept as the user wrote them).
fn absolute(base: &Path, p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in base.join(p).components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

/// `path` relative to `root`, with `/` separators (`../` when it lies outside).
fn relative(root: &Path, path: &Path) -> String {
    let r: Vec<Component<'_>> = root.components().collect();
    let p: Vec<Component<'_>> = path.components().collect();
    let common = r.iter().zip(&p).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_owned(); r.len() - common];
    parts.extend(
        p.get(common..)
            .unwrap_or_default()
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_relative_to_the_source_root() {
        let root = Path::new("/repo");
        assert_eq!(
            relative(root, &absolute(root, Path::new("a/./b/../c.json"))),
            "a/c.json"
        );
        assert_eq!(
            relative(Path::new("/repo/sub"), Path::new("/repo/x.json")),
            "../x.json"
        );
    }
}
