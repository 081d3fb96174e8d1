//! `iamdiff lint`: load one side, run the lint rules, locate each finding's pointer to a
//! line and column in its file, render, and gate on `--fail-on`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use crate::eval::lint::{self, LintFinding, Severity};
use crate::ingest;
use crate::report::lint::LintReport;

use super::args::{LintArgs, LintFormat, LintLevel};
use super::common;
use super::{CliError, Outcome};

pub fn run(a: &LintArgs, out: &mut dyn Write) -> Result<Outcome, CliError> {
    // the context is read so a bad file exits 2 as for `effective`; no rule needs it yet
    let _context = common::context(&a.context)?;
    let now = now(a.now.as_deref())?;
    let timer = common::Timer::new();
    // the catalog (the actions now, the managed policies on first use) is decoded on a
    // thread of its own while the sources are read: the export's unlisted policies and
    // every rule need it, and decoding it took ~50 ms of the serial load
    rayon::spawn(|| {
        let _ = crate::catalog::catalog().managed_policies();
    });
    let snap = common::load(
        &a.sources,
        &a.scp,
        &common::load_options(&a.load, a.source_format),
    )?;
    // dangling principals are findings here; the other warnings still go to stderr
    common::print_warnings(
        snap.warnings
            .iter()
            .filter(|w| w.code != crate::model::WarningCode::DanglingPrincipal),
    );
    timer.lap("load");
    let cat = common::catalog_for(&[&snap]);
    // the files are read again for the places while the rules run (the loader keeps no
    // text), so locating only scans them
    let (mut findings, texts) = rayon::join(
        || lint::lint_at(&snap, cat, Some(now)),
        || read_texts(&snap.sources),
    );
    timer.lap(&format!("lint ({} findings)", findings.len()));
    locate(&mut findings, texts);
    timer.lap("locate");
    let report = LintReport {
        docs_url: common::docs_url(a.docs_url.as_deref())?,
        findings: &findings,
        sources: a.sources.iter().map(|p| p.display().to_string()).collect(),
    };
    match a.format {
        LintFormat::Table => report.write_table(out)?,
        LintFormat::Json => report.write_json(out)?,
        LintFormat::Sarif => report.write_sarif(out)?,
        LintFormat::Md => report.write_markdown(out)?,
    }
    timer.lap("write");
    let threshold = match a.fail_on {
        LintLevel::Note => Severity::Note,
        LintLevel::Warning => Severity::Warning,
        LintLevel::Error => Severity::Error,
    };
    let failed = findings.iter().any(|f| f.severity >= threshold);
    // the process ends right after; the OS reclaims the snapshot faster than drop would
    std::mem::forget(snap);
    Ok(if failed {
        Outcome::GateFailed
    } else {
        Outcome::Clean
    })
}

/// The time expiries are judged at: `--now`, else `SOURCE_DATE_EPOCH`, else the clock.
fn now(arg: Option<&str>) -> Result<i64, CliError> {
    if let Some(t) = arg {
        return crate::model::parse_rfc3339(t).ok_or_else(|| {
            CliError::Usage(format!(
                "`--now {t}`: expected an RFC 3339 time such as `2026-11-22T00:00:00Z`"
            ))
        });
    }
    if let Ok(raw) = std::env::var("SOURCE_DATE_EPOCH") {
        return raw.trim().parse().map_err(|_| {
            CliError::Usage(format!(
                "`SOURCE_DATE_EPOCH={raw}`: expected whole seconds since 1970-01-01 UTC"
            ))
        });
    }
    Ok(std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX)))
}

/// The bytes of each source as they are (as SARIF counts them), for [`locate`]; a file
/// that cannot be read again or is UTF-16 is left to it.
fn read_texts(sources: &[std::sync::Arc<str>]) -> BTreeMap<String, Vec<u8>> {
    sources
        .iter()
        .filter_map(|file| {
            let b = std::fs::read(Path::new(&**file)).ok()?;
            let utf16 = b.starts_with(&[0xFF, 0xFE]) || b.starts_with(&[0xFE, 0xFF]);
            (!utf16).then(|| (file.to_string(), b))
        })
        .collect()
}

/// Fills in line and column from each finding's JSON pointer, one scan per file.
fn locate(findings: &mut [LintFinding], mut texts: BTreeMap<String, Vec<u8>>) {
    let mut by_file: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, f) in findings.iter().enumerate() {
        if f.place.pointer.is_some() {
            by_file.entry(f.place.file.to_string()).or_default().push(i);
        }
    }
    for (file, idx) in by_file {
        // the bytes as they are (as SARIF counts them); a UTF-16 file goes through the
        // reader's decoding, which also re-checks it (slower: a second YAML outline)
        let read = match texts.remove(&file) {
            Some(b) => Ok(b),
            None => std::fs::read(Path::new(&file)),
        };
        let text = match read {
            Ok(b) if !b.starts_with(&[0xFF, 0xFE]) && !b.starts_with(&[0xFE, 0xFF]) => b,
            _ => match ingest::read_source(Path::new(&file)) {
                Ok((_, b)) => b,
                Err(_) => continue,
            },
        };
        let pointers: Vec<String> = idx
            .iter()
            .filter_map(|&i| findings.get(i).and_then(|f| f.place.pointer.clone()))
            .collect();
        let refs: Vec<&str> = pointers.iter().map(String::as_str).collect();
        let places = ingest::locate_pointers(&text, &refs);
        for (&i, at) in idx.iter().zip(places) {
            if let (Some(f), Some((line, column))) = (findings.get_mut(i), at) {
                f.place.line = Some(line);
                f.place.column = Some(column);
            }
        }
    }
}
