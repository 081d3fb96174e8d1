//! The `--out DIR` report set, replaced as a whole or not at all (issue 7): every report
//! is rendered to a temporary file in DIR and synced first; only when all of them are
//! written are the earlier reports moved aside and the new ones renamed into place, and
//! any failure puts the earlier set back. A full disk or an unwritable file never leaves
//! new and stale reports side by side.

use rayon::prelude::*;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::CliError;

/// Renders one report into a writer.
pub type Render<'a> = dyn Fn(&str, &mut dyn Write) -> io::Result<()> + Sync + 'a;

/// Writes the reports `names` into `dir` through `render` (called with each name, in
/// parallel), replacing every file of `family` (the names a report set may have): files
/// of the family this run does not write are removed with the earlier set, so the folder
/// holds one run's reports. On failure the earlier set is left as it was and the error
/// says which file and why.
pub fn replace(
    dir: &Path,
    names: &[&str],
    family: &[&str],
    render: &Render<'_>,
) -> Result<(), CliError> {
    let fail = |what: &Path, e: &dyn std::fmt::Display| {
        CliError::Reports(format!(
            "cannot write `{}`: {e}; the reports in `{}` were left as they were",
            what.display(),
            dir.display()
        ))
    };
    fs::create_dir_all(dir).map_err(|e| fail(dir, &e))?;
    // a directory where a report goes cannot be replaced by a file: say so before writing
    for name in family {
        let path = dir.join(name);
        if let Ok(m) = fs::symlink_metadata(&path)
            && m.is_dir()
        {
            return Err(fail(&path, &"it is a directory"));
        }
    }
    let pid = std::process::id();
    let temp = |name: &str| dir.join(format!(".{name}.tmp-{pid}"));
    let backup = |name: &str| dir.join(format!(".{name}.old-{pid}"));

    // 1. every report to its temporary file, synced
    let written: Vec<io::Result<()>> = names
        .par_iter()
        .map(|name| write_synced(&temp(name), |w| render(name, w)))
        .collect();
    if let Some((name, Err(e))) = names.iter().zip(&written).find(|(_, r)| r.is_err()) {
        for name in names {
            let _ = fs::remove_file(temp(name));
        }
        return Err(fail(&dir.join(name), e));
    }

    // 2. the earlier set aside, the new one in; undone step by step on failure
    let mut moved_aside: Vec<&str> = Vec::new();
    let mut installed: Vec<&str> = Vec::new();
    let mut step = || -> Result<(), (PathBuf, io::Error)> {
        for name in family {
            let path = dir.join(name);
            if fs::symlink_metadata(&path).is_ok() {
                fs::rename(&path, backup(name)).map_err(|e| (path, e))?;
                moved_aside.push(name);
            }
        }
        for name in names {
            let path = dir.join(name);
            fs::rename(temp(name), &path).map_err(|e| (path, e))?;
            installed.push(name);
        }
        Ok(())
    };
    if let Err((path, e)) = step() {
        for name in &installed {
            let _ = fs::remove_file(dir.join(name));
        }
        for name in &moved_aside {
            let _ = fs::rename(backup(name), dir.join(name));
        }
        for name in names {
            let _ = fs::remove_file(temp(name));
        }
        return Err(fail(&path, &e));
    }
    // the renames themselves durable, then the earlier set gone
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    for name in &moved_aside {
        let _ = fs::remove_file(backup(name));
    }
    Ok(())
}

/// What `--format` and `--out` ask of a command with report formats `F`, shared by
/// `diff` and `cutover` (they repeated it): with `--out DIR`, every asked format but the
/// table (all of `all` when only the table was asked) replaces the set in DIR, then the
/// table goes to `out` unless `quiet`; without it, the first asked format (else the
/// table) goes to `out`.
pub struct Request<'a, F> {
    pub dir: Option<&'a Path>,
    pub asked: &'a [F],
    /// Every format a set may hold, in the order of `file_name`'s family.
    pub all: &'a [F],
    pub table: F,
    pub quiet: bool,
    pub file_name: fn(F) -> &'static str,
}

/// Writes the reports `req` asks for through `render`.
pub fn write<F: Copy + PartialEq + Sync>(
    req: &Request<'_, F>,
    render: &(dyn Fn(F, &mut dyn Write) -> io::Result<()> + Sync),
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let Some(dir) = req.dir else {
        let f = req.asked.first().copied().unwrap_or(req.table);
        render(f, out)?;
        return Ok(());
    };
    let formats: &[F] = if req.asked.iter().any(|f| *f != req.table) {
        req.asked
    } else {
        req.all
    };
    let names: Vec<&str> = formats
        .iter()
        .filter(|f| **f != req.table)
        .map(|f| (req.file_name)(*f))
        .collect();
    let family: Vec<&str> = req.all.iter().map(|f| (req.file_name)(*f)).collect();
    // the table is rendered beside the files (it was a serial tail after them) and
    // printed only once they are all in place
    let (replaced, table) = rayon::join(
        || {
            replace(dir, &names, &family, &|name, w| match req
                .all
                .iter()
                .find(|f| (req.file_name)(**f) == name)
            {
                Some(f) => render(*f, w),
                None => Err(io::Error::other(format!(
                    "no report format is named `{name}`"
                ))),
            })
        },
        || {
            (!req.quiet).then(|| {
                let mut text = Vec::new();
                render(req.table, &mut text).map(|()| text)
            })
        },
    );
    replaced?;
    if let Some(text) = table {
        out.write_all(&text?)?;
    }
    Ok(())
}

fn write_synced(path: &Path, f: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
    let file = fs::File::create(path)?;
    let mut w = io::BufWriter::new(WrittenBack::new(file));
    f(&mut w)?;
    let file = w.into_inner().map_err(|e| e.into_error())?.finish()?;
    file.sync_all()
}

/// Bytes after which the disk is given what was written so far.
const WRITEBACK: u64 = 16 << 20;

/// A report file whose bytes go to the disk while the rest is still being rendered: a
/// helper thread syncs the file every [`WRITEBACK`] bytes, so the final sync waits only
/// for the last few (a GCP organization's 216 MB JSON report waited ~0.1 s for its sync
/// after the render was done). An error of a helper's sync is the write's error: a
/// failed writeback is reported once per open file, and the final sync would not see it.
struct WrittenBack {
    file: fs::File,
    since: u64,
    helper: Option<(
        std::sync::mpsc::Sender<()>,
        std::thread::JoinHandle<io::Result<()>>,
    )>,
}

impl WrittenBack {
    fn new(file: fs::File) -> Self {
        WrittenBack {
            file,
            since: 0,
            helper: None,
        }
    }

    /// Asks the helper (started on first need) to sync what is written so far.
    fn write_back(&mut self) -> io::Result<()> {
        if self.helper.is_none() {
            let clone = self.file.try_clone()?;
            let (tx, rx) = std::sync::mpsc::channel::<()>();
            let handle = std::thread::spawn(move || {
                while rx.recv().is_ok() {
                    // requests made while syncing are served by the next sync
                    while rx.try_recv().is_ok() {}
                    clone.sync_data()?;
                }
                Ok(())
            });
            self.helper = Some((tx, handle));
        }
        if let Some((tx, _)) = &self.helper {
            // a helper that stopped on an error reports it from `finish`
            let _ = tx.send(());
        }
        Ok(())
    }

    /// The file, once the helper is done; its error if it had one.
    fn finish(mut self) -> io::Result<fs::File> {
        if let Some((tx, handle)) = self.helper.take() {
            drop(tx);
            handle
                .join()
                .unwrap_or_else(|_| Err(io::Error::other("the writeback thread failed")))?;
        }
        Ok(self.file)
    }
}

impl Write for WrittenBack {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.write(buf)?;
        self.since += n as u64;
        if self.since >= WRITEBACK {
            self.since = 0;
            self.write_back()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAMILY: &[&str] = &["r.md", "r.json", "r.xml"];

    fn files(dir: &Path) -> Vec<(String, String)> {
        let mut v: Vec<_> = fs::read_dir(dir)
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (
                    e.file_name().to_string_lossy().into_owned(),
                    fs::read_to_string(e.path()).unwrap_or_default(),
                )
            })
            .collect();
        v.sort();
        v
    }

    fn earlier_set(dir: &Path) {
        for n in FAMILY {
            fs::write(dir.join(n), format!("old {n}")).unwrap();
        }
    }

    #[test]
    fn the_whole_set_is_replaced() {
        let d = tempfile::tempdir().unwrap();
        earlier_set(d.path());
        replace(d.path(), &["r.md", "r.json"], FAMILY, &|n, w| {
            write!(w, "new {n}")
        })
        .unwrap();
        // the xml of the earlier run is gone with it: one run's reports only
        assert_eq!(
            files(d.path()),
            vec![
                ("r.json".into(), "new r.json".into()),
                ("r.md".into(), "new r.md".into())
            ]
        );
    }

    #[test]
    fn a_failed_write_leaves_the_earlier_set_untouched() {
        // issue 7: on a full disk the reports that fit were written and the rest were not
        let d = tempfile::tempdir().unwrap();
        earlier_set(d.path());
        let before = files(d.path());
        let e = replace(d.path(), FAMILY, FAMILY, &|n, w| {
            if n == "r.json" {
                write!(w, "partial")?;
                return Err(io::Error::new(
                    io::ErrorKind::StorageFull,
                    "no space left on device",
                ));
            }
            write!(w, "new {n}")
        })
        .unwrap_err()
        .to_string();
        assert!(e.contains("r.json`: no space left on device"), "{e}");
        assert!(e.contains("were left as they were"), "{e}");
        assert_eq!(files(d.path()), before, "no temporary file is left either");
    }

    #[test]
    fn a_directory_in_the_way_is_an_error_before_anything_is_written() {
        let d = tempfile::tempdir().unwrap();
        earlier_set(d.path());
        fs::remove_file(d.path().join("r.xml")).unwrap();
        fs::create_dir(d.path().join("r.xml")).unwrap();
        let e = replace(d.path(), FAMILY, FAMILY, &|n, w| write!(w, "new {n}"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("r.xml`: it is a directory"), "{e}");
        assert_eq!(
            fs::read_to_string(d.path().join("r.md")).unwrap(),
            "old r.md"
        );
        assert_eq!(files(d.path()).len(), 3);
    }

    #[test]
    fn a_report_larger_than_the_writeback_step_is_written_whole() -> io::Result<()> {
        // past WRITEBACK bytes a helper syncs while the rest is written
        let d = tempfile::tempdir()?;
        let path = d.path().join("big");
        let line = [b'x'; 1000];
        let n = (WRITEBACK as usize / line.len()) * 2 + 7;
        write_synced(&path, |w| {
            for _ in 0..n {
                w.write_all(&line)?;
            }
            Ok(())
        })?;
        assert_eq!(fs::metadata(&path)?.len(), (n * line.len()) as u64);
        Ok(())
    }
}
