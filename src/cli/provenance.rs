//! Fills the diff report's provenance (issue 12): the inputs' paths relative to
//! `--source-root` and their SHA-256, the generation time from `SOURCE_DATE_EPOCH`, the
//! line:column of the statements findings route through, where catalog policies are
//! attached in the user's files, and (for `--junit-all`) the unchanged principals. The CLI
//! does this because it is the layer that reads files; the report layer only presents.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use rustc_hash::{FxHashMap, FxHashSet};

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
    let mut seen = FxHashSet::default();
    let mut prov = Provenance {
        generated: generated()?,
        ..Provenance::default()
    };
    let files: Vec<(&str, String)> = files
        .into_iter()
        .filter(|(_, path)| provenance::is_file(path) && seen.insert(path.clone()))
        .collect();
    // the sides' files were hashed as they were read (the digest is of the bytes
    // evaluated); their texts are read again only where a place is looked up
    let known: FxHashMap<&str, &str> = [inputs.before, inputs.after]
        .iter()
        .flat_map(|snap| snap.digests.iter().map(|(f, d)| (&**f, d.as_str())))
        .collect();
    // any other input read once, its digest and its places from the same bytes; the
    // files are read and hashed in parallel (a 68 MB input took a third of the render),
    // and their bytes kept as read (a copy of 130 MB of inputs into new memory took
    // longer than reading them)
    let (read, digests): (Vec<Option<Text>>, Vec<Option<String>>) = {
        use rayon::prelude::*;
        files
            .par_iter()
            .map(|(_, path)| {
                if let Some(d) = known.get(path.as_str()) {
                    return (None, Some((*d).to_owned()));
                }
                match std::fs::read(path) {
                    Ok(b) => {
                        let sha256 = ingest::sha256_hex(&b);
                        (Some(Arc::new(b)), Some(sha256))
                    }
                    Err(_) => (None, None),
                }
            })
            .unzip()
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
    let pointers: Vec<(&str, Vec<&str>)> = pointers
        .into_iter()
        .map(|(file, ps)| (file, ps.into_iter().collect()))
        .collect();
    for (file, ps, at) in files.locate_all(pointers) {
        for (p, at) in ps.iter().zip(at) {
            if let Some((line, column)) = at {
                prov.statements.push(StatementPlace {
                    file: file.to_owned(),
                    pointer: (*p).to_owned(),
                    line,
                    column,
                });
            }
        }
    }
    for (side, snap) in [("before", inputs.before), ("after", inputs.after)] {
        let left: Vec<&(&str, &str, Option<&str>, &str)> =
            attached.iter().filter(|x| x.0 == side).collect();
        let wanted: Vec<Attachment<'_>> = left
            .iter()
            .map(|(_, policy, arn, holder)| Attachment {
                arn: *arn,
                name: policy,
                holder,
            })
            .collect();
        let sources: Vec<&str> = snap
            .sources
            .iter()
            .map(|s| &**s)
            .filter(|s| provenance::is_file(s))
            .collect();
        // per file (in source order), the attachments first found there, in their order
        let mut by_file: BTreeMap<usize, Vec<(usize, String)>> = BTreeMap::new();
        for (w, at) in files
            .first_attachments(&sources, &wanted)
            .into_iter()
            .enumerate()
        {
            if let Some((f, ptr)) = at {
                by_file.entry(f).or_default().push((w, ptr));
            }
        }
        let by_file: Vec<(&str, Vec<(usize, String)>)> = by_file
            .into_iter()
            .filter_map(|(f, found)| Some((*sources.get(f)?, found)))
            .collect();
        let asked: Vec<(&str, Vec<&str>)> = by_file
            .iter()
            .map(|(file, found)| (*file, found.iter().map(|(_, p)| p.as_str()).collect()))
            .collect();
        for ((file, _, places), (_, found)) in files.locate_all(asked).into_iter().zip(&by_file) {
            for ((w, ptr), at) in found.iter().zip(places) {
                if let (Some(x), Some((line, column))) = (left.get(*w), at) {
                    prov.attachments.push(AttachmentPlace {
                        side: side.to_owned(),
                        policy: x.1.to_owned(),
                        holder: x.3.to_owned(),
                        file: file.to_owned(),
                        pointer: ptr.clone(),
                        line,
                        column,
                    });
                }
            }
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
        let sources: Vec<&str> = sources
            .iter()
            .map(String::as_str)
            .filter(|s| provenance::is_file(s))
            .collect();
        let left: Vec<&(usize, usize, String, String)> =
            entries.iter().filter(|e| e.0 == side).collect();
        let wanted: Vec<Attachment<'_>> = left
            .iter()
            .map(|e| Attachment {
                arn: None,
                name: &e.3,
                holder: &e.2,
            })
            .collect();
        let found = files.first_attachments(&sources, &wanted);
        for (e, at) in left.into_iter().zip(found) {
            let Some((f, ptr)) = at else {
                continue;
            };
            let (Some(c), Some(file)) = (report.changes.get_mut(e.1), sources.get(f)) else {
                continue;
            };
            let place = crate::model::Place {
                file: (*file).into(),
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
    let asked: Vec<(&str, Vec<&str>)> = wanted
        .iter()
        .map(|(file, ptrs)| (file.as_str(), ptrs.iter().map(String::as_str).collect()))
        .collect();
    for (file, ps, places) in files.locate_all(asked) {
        for (p, found) in ps.iter().zip(places) {
            if let Some(lc) = found {
                at.insert((file.to_owned(), (*p).to_owned()), lc);
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

/// An input's bytes, shared by the threads placing things in it.
type Text = Arc<Vec<u8>>;

/// The input texts the places are found in, each read (and parsed, when attachments are
/// looked for) once however many findings and changes point into it.
#[derive(Default)]
struct Files {
    texts: FxHashMap<String, Option<Text>>,
    trees: FxHashMap<String, Option<Arc<serde_yaml::Value>>>,
}

impl Files {
    /// The texts of `files` (`None`: unreadable), those not read yet read in parallel.
    fn texts(&mut self, files: &[&str]) -> Vec<Option<Text>> {
        use rayon::prelude::*;
        let mut missing: Vec<&str> = files
            .iter()
            .copied()
            .filter(|f| !self.texts.contains_key(*f))
            .collect();
        missing.sort_unstable();
        missing.dedup();
        let read: Vec<Option<Text>> = missing.par_iter().map(|f| read_text(f)).collect();
        for (f, t) in missing.into_iter().zip(read) {
            self.texts.insert(f.to_owned(), t);
        }
        files
            .iter()
            .map(|f| self.texts.get(*f).cloned().flatten())
            .collect()
    }

    /// [`ingest::locate_pointers`] in each file (one that cannot be read is left out),
    /// the files in parallel: each file with its pointers and their places.
    #[allow(clippy::type_complexity)]
    fn locate_all<'p>(
        &mut self,
        asked: Vec<(&'p str, Vec<&'p str>)>,
    ) -> Vec<(&'p str, Vec<&'p str>, Vec<Option<(u32, u32)>>)> {
        use rayon::prelude::*;
        let names: Vec<&str> = asked.iter().map(|(file, _)| *file).collect();
        let texts: Vec<(&str, Vec<&str>, Text)> = asked
            .into_iter()
            .zip(self.texts(&names))
            .filter_map(|((file, ps), text)| Some((file, ps, text?)))
            .collect();
        texts
            .into_par_iter()
            .map(|(file, ps, text)| {
                let at = ingest::locate_pointers(&text, &ps);
                (file, ps, at)
            })
            .collect()
    }

    /// For each wanted attachment, the first of `sources` (in their order) that attaches
    /// it and the pointer there: what a walk of the files one at a time, each parsed and
    /// searched for the attachments not found yet, finds. The files are searched a batch
    /// at a time in parallel, and a file is parsed only when its bytes may hold a policy
    /// still wanted (most hold none).
    fn first_attachments(
        &mut self,
        sources: &[&str],
        wanted: &[Attachment<'_>],
    ) -> Vec<Option<(usize, String)>> {
        use rayon::prelude::*;
        /// Files searched in parallel before the attachments found are struck off.
        const BATCH: usize = 64;
        let needles = ingest::Needles::new(wanted);
        let mut out: Vec<Option<(usize, String)>> = vec![None; wanted.len()];
        let mut left: Vec<usize> = (0..wanted.len()).collect();
        for (b, batch) in sources.chunks(BATCH).enumerate() {
            if left.is_empty() {
                break;
            }
            // the texts, and the trees already parsed, of the batch's readable files
            type Cached = Option<Option<Arc<serde_yaml::Value>>>;
            // a file searched: its place in `sources`, its name, the (wanted, pointer)
            // pairs found there, and the tree parsed for it
            type Searched<'f> = (usize, &'f str, Vec<(usize, String)>, Cached);
            let items: Vec<(usize, &str, Text, Cached)> = batch
                .iter()
                .zip(self.texts(batch))
                .enumerate()
                .filter_map(|(i, (file, text))| {
                    Some((b * BATCH + i, *file, text?, self.trees.get(*file).cloned()))
                })
                .collect();
            let searched: Vec<Searched<'_>> = items
                .into_par_iter()
                .map(|(f, file, text, cached)| {
                    let may = needles.possible(&text, &left);
                    if may.is_empty() {
                        return (f, file, Vec::new(), None);
                    }
                    let (tree, parsed) = match cached {
                        Some(tree) => (tree, None),
                        None => {
                            let tree = ingest::parse_tree(&text).map(Arc::new);
                            (tree.clone(), Some(tree))
                        }
                    };
                    let Some(tree) = tree else {
                        return (f, file, Vec::new(), parsed);
                    };
                    let asked: Vec<Attachment<'_>> =
                        may.iter().filter_map(|&w| wanted.get(w)).copied().collect();
                    let found = ingest::find_attachments_in(&tree, &asked);
                    let found = may
                        .into_iter()
                        .zip(found)
                        .filter_map(|(w, p)| Some((w, p?)))
                        .collect();
                    (f, file, found, parsed)
                })
                .collect();
            for (f, file, found, parsed) in searched {
                if let Some(tree) = parsed {
                    self.trees.insert(file.to_owned(), tree);
                }
                for (w, ptr) in found {
                    if let Some(slot @ None) = out.get_mut(w) {
                        *slot = Some((f, ptr));
                    }
                }
            }
            left.retain(|&w| out.get(w).is_some_and(Option::is_none));
        }
        out
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

/// A file's text as the readers read it (`None`: it cannot be read).
fn read_text(file: &str) -> Option<Text> {
    ingest::read_for_places(Path::new(file))
        .ok()
        .map(|(_, b)| Arc::new(b))
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
