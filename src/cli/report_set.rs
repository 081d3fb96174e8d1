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
    replace(dir, &names, &family, &|name, w| match req
        .all
        .iter()
        .find(|f| (req.file_name)(**f) == name)
    {
        Some(f) => render(*f, w),
        None => Err(io::Error::other(format!(
            "no report format is named `{name}`"
        ))),
    })?;
    if !req.quiet {
        render(req.table, out)?;
    }
    Ok(())
}

fn write_synced(path: &Path, f: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
    let file = fs::File::create(path)?;
    let mut w = io::BufWriter::new(file);
    f(&mut w)?;
    let file = w.into_inner().map_err(|e| e.into_error())?;
    file.sync_all()
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
}
