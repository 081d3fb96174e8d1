//! What several commands share: loading a side's sources, building the request context
//! from flags and files, and the principal filter.

use globset::GlobSet;
use std::io::IsTerminal;

use std::cmp::Ordering;
use std::io::{self, Write};
use std::sync::Arc;

use crate::diff::waivers::{compile_glob, compile_globs, shorten};
use crate::eval::context::RequestContext;
use crate::ingest;
use crate::model::{Principal, Snapshot, Warning};

use super::CliError;
use super::args::{ContextArgs, LoadArgs, SourceFormat};

/// Load options of one side from the flags.
pub fn load_options(load: &LoadArgs, format: Option<SourceFormat>) -> ingest::LoadOptions {
    ingest::LoadOptions {
        format: format.map(|f| match f {
            SourceFormat::AwsAuthDetails => ingest::Format::AwsAuthDetails,
            SourceFormat::AwsCli => ingest::Format::AwsCli,
            SourceFormat::Cloudformation => ingest::Format::CloudFormation,
            SourceFormat::Terraform => ingest::Format::Terraform,
            SourceFormat::Provisioner => ingest::Format::Provisioner,
            SourceFormat::Memberships => ingest::Format::Memberships,
            SourceFormat::AwsOrganizations => ingest::Format::AwsOrganizations,
            SourceFormat::ResourcePolicies => ingest::Format::ResourcePolicies,
            SourceFormat::AwsIdentityCenter => ingest::Format::IdentityCenter,
            SourceFormat::Gcp => ingest::Format::Gcp,
            SourceFormat::Platform => ingest::Format::Platform,
            SourceFormat::Portal => ingest::Format::Portal,
        }),
        levels: load.levels.clone(),
        cfn_params: load.cfn_params.clone(),
        account: load.account.clone(),
        region: load.region.clone(),
    }
}

/// Reads and merges the sources of one side, and its SCP levels. Its warnings stay in the
/// snapshot: the caller prints those of every side at once with [`print_warnings`].
pub fn load(
    sources: &[std::path::PathBuf],
    scps: &[std::path::PathBuf],
    opts: &ingest::LoadOptions,
) -> Result<Snapshot, CliError> {
    Ok(ingest::load_side_opts(sources, scps, opts)?)
}

/// Prints the warnings of both sides of a comparison and of its map file (a rule that
/// renamed nothing), in the one order of [`print_warnings`].
pub fn print_pair_warnings(
    renames: &crate::diff::mapping::Renames,
    map_file: Option<&Arc<str>>,
    before: &Snapshot,
    after: &Snapshot,
) {
    let map_warnings = match map_file {
        Some(name) => renames.unused_rules(name, before, after),
        None => Vec::new(),
    };
    print_warnings(
        before
            .warnings
            .iter()
            .chain(&after.warnings)
            .chain(&map_warnings),
    );
}

/// Prints warnings to stderr in one fixed order, whatever order the sides were read in
/// (they load in parallel) and however they were collected: by file, line, column, JSON
/// pointer (numbers compared as numbers), message and code; a warning given twice (a file
/// on both sides) is printed once. Stderr is then the same bytes on every run (issue 7).
pub fn print_warnings<'w>(warnings: impl IntoIterator<Item = &'w Warning>) {
    let mut all: Vec<&Warning> = warnings.into_iter().collect();
    all.sort_by(|a, b| warning_order(a, b));
    all.dedup_by(|a, b| warning_order(a, b).is_eq());
    let mut err = io::stderr().lock();
    for w in all {
        // a closed stderr must not end the run: its exit code is still owed (issue 7)
        if writeln!(err, "{w}").is_err() {
            return;
        }
    }
}

fn warning_order(a: &Warning, b: &Warning) -> Ordering {
    let (pa, pb) = (&a.place, &b.place);
    pa.file
        .cmp(&pb.file)
        .then(pa.line.cmp(&pb.line))
        .then(pa.column.cmp(&pb.column))
        .then_with(|| pointer_order(pa.pointer.as_deref(), pb.pointer.as_deref()))
        .then_with(|| a.message.cmp(&b.message))
        .then_with(|| a.code.as_str().cmp(b.code.as_str()))
}

/// JSON pointers token by token, array indexes as numbers (`/2` before `/10`).
fn pointer_order(a: Option<&str>, b: Option<&str>) -> Ordering {
    let (Some(a), Some(b)) = (a, b) else {
        return a.cmp(&b);
    };
    let key = |t: &'_ str| (t.parse::<u64>().ok(), t.to_owned());
    let ta = a.split('/').map(key);
    let tb = b.split('/').map(key);
    ta.cmp(tb)
}

/// The request context from `--context K=V`, `--context-file` and `--closed-context`.
/// Values from `--context` are added after the file's and replace them key by key.
pub fn context(args: &ContextArgs) -> Result<RequestContext, CliError> {
    let mut ctx = RequestContext::new(args.closed_context);
    if let Some(path) = &args.context_file {
        let (name, bytes) = ingest::read_source(path)?;
        for (k, v) in ingest::load_context_file(&name, &bytes)? {
            ctx.insert(&k, v);
        }
    }
    let mut given: Vec<(String, Vec<String>)> = Vec::new();
    for kv in &args.context {
        let Some((k, v)) = kv.split_once('=') else {
            return Err(CliError::Usage(format!(
                "`--context {kv}`: expected KEY=VALUE, e.g. `aws:SourceIp=10.0.0.1`"
            )));
        };
        let k = k.trim();
        if k.is_empty() {
            return Err(CliError::Usage(format!(
                "`--context {kv}`: the key is empty"
            )));
        }
        // repeating a key makes a multi-valued key
        match given.iter_mut().find(|(g, _)| g.eq_ignore_ascii_case(k)) {
            Some((_, vals)) => vals.push(v.to_owned()),
            None => given.push((k.to_owned(), vec![v.to_owned()])),
        }
    }
    for (k, v) in given {
        ctx.insert(&k, v);
    }
    Ok(ctx)
}

/// Principal filter from `--principal` globs, matched against name and ARN.
pub struct PrincipalFilter(Option<GlobSet>);

impl PrincipalFilter {
    /// Each glob is compiled as a waiver's is: bounded in length, never a panic (issue 7).
    pub fn new(globs: &[String]) -> Result<Self, CliError> {
        if globs.is_empty() {
            return Ok(PrincipalFilter(None));
        }
        // each alone first, so an error names the glob
        for g in globs {
            compile_glob(g, false)
                .map_err(|why| CliError::Usage(format!("`--principal {}`: {why}", shorten(g))))?;
        }
        let all: Vec<&str> = globs.iter().map(String::as_str).collect();
        let set = compile_globs(&all, false)
            .map_err(|why| CliError::Usage(format!("`--principal`: {why}")))?;
        Ok(PrincipalFilter(Some(set)))
    }

    /// Whether any of the names (a principal's names and ARNs) matches; no globs match all.
    pub fn matches_any(&self, names: &[&str]) -> bool {
        match &self.0 {
            None => true,
            Some(set) => names.iter().any(|n| set.is_match(n)),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    pub fn matches(&self, p: &Principal) -> bool {
        match &self.0 {
            None => true,
            Some(set) => set.is_match(&p.name) || p.arn.as_deref().is_some_and(|a| set.is_match(a)),
        }
    }
}

/// Checks `--docs-url`: an absolute `http(s)` URL, returned without its final `/`, so
/// `URL/docs/findings.md#lost` is the page SARIF links to (issue 12). Nothing is fetched.
pub fn docs_url(url: Option<&str>) -> Result<Option<String>, CliError> {
    let Some(u) = url else { return Ok(None) };
    let ok = (u.starts_with("https://") || u.starts_with("http://"))
        && u.len() <= 2048
        && !u
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '#' || c == '?');
    if !ok {
        return Err(CliError::Usage(format!(
            "`--docs-url {}`: expected an absolute http(s) URL without spaces, query or fragment (the base the repository's docs/ are served under)",
            shorten(u)
        )));
    }
    Ok(Some(u.trim_end_matches('/').to_owned()))
}

/// Service prefixes are short (`elasticmapreduce`); a longer `--service` is not echoed whole.
const MAX_SERVICE_CHARS: usize = 64;

/// Checks `--service` prefixes against the catalog, so a typo is an error, not an
/// empty report.
pub fn services(prefixes: &[String]) -> Result<Vec<String>, CliError> {
    let cat = crate::catalog::catalog();
    prefixes
        .iter()
        .map(|p| match cat.service(p) {
            Some(s) => Ok(s.prefix.clone()),
            // a hostile value may be megabytes long: quote it shortened (issue 7)
            None => Err(CliError::Usage(format!(
                "`--service {}`: no such service prefix in the catalog{}",
                shorten(p),
                if p.len() <= MAX_SERVICE_CHARS {
                    format!(" (try `iamdiff catalog action '{p}:*'`)")
                } else {
                    String::new()
                }
            ))),
        })
        .collect()
}

/// The width terminal tables fit: `COLUMNS` when set (as `ls` and `git` read it), else
/// the terminal's when stdout is one; `None` in a pipe or a file, where nothing wraps (as
/// with ripgrep and cargo: a row stays one line for `grep`). Widths under 40 are taken
/// as 40: narrower, the tables would be all line breaks.
pub fn table_width() -> Option<u16> {
    const NARROWEST: u16 = 40;
    let columns = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<u16>().ok())
        .filter(|&c| c > 0);
    let width = columns.or_else(|| {
        std::io::stdout()
            .is_terminal()
            .then(|| comfy_table::Table::new().width())
            .flatten()
    });
    width.map(|w| w.max(NARROWEST))
}

/// Phase timings on stderr when `IAMDIFF_TIMINGS` is set (for benchmarking; never on by
/// default, so output stays deterministic).
/// Each lap gives the wall time and, where `/proc/self/stat` is readable, the CPU time of
/// all threads (on a loaded machine the wall time says little), and the resident memory.
pub struct Timer(Option<std::cell::Cell<(std::time::Instant, Option<u64>)>>);

impl Timer {
    pub fn new() -> Self {
        Timer(
            std::env::var_os("IAMDIFF_TIMINGS")
                .map(|_| std::cell::Cell::new((std::time::Instant::now(), cpu_ticks()))),
        )
    }

    pub fn lap(&self, what: &str) {
        if let Some(c) = &self.0 {
            let (then, then_cpu) = c.get();
            let now = std::time::Instant::now();
            let cpu = cpu_ticks();
            let cpu_text = match (then_cpu, cpu) {
                // clock ticks of 10 ms (USER_HZ is 100 on Linux)
                (Some(a), Some(b)) => format!(" (cpu {} ms)", b.saturating_sub(a) * 10),
                _ => String::new(),
            };
            let memory_text = memory_mib()
                .map(|(now, peak)| format!(" (rss {now} MiB, peak {peak} MiB)"))
                .unwrap_or_default();
            // never fails the run, even with stderr closed
            let _ = writeln!(
                io::stderr(),
                "timing: {what} {:.1} ms{cpu_text}{memory_text}",
                now.duration_since(then).as_secs_f64() * 1000.0
            );
            c.set((now, cpu));
        }
    }

    /// Whether timings are asked for (a figure costly to gather is gathered only then).
    pub fn on(&self) -> bool {
        self.0.is_some()
    }

    /// A figure beside the laps (how many principals a phase worked on), printed only
    /// when timings are asked for.
    pub fn note(&self, what: std::fmt::Arguments<'_>) {
        if self.0.is_some() {
            let _ = writeln!(io::stderr(), "timing: {what}");
        }
    }
}

/// User plus system CPU time of the process in clock ticks, from `/proc/self/stat`.
fn cpu_ticks() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // the fields after the command name, which is in parentheses and may hold spaces
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line: 12 and 13 after the name
    let user: u64 = fields.get(11)?.parse().ok()?;
    let system: u64 = fields.get(12)?.parse().ok()?;
    Some(user + system)
}

/// Resident memory of the process now and at its peak, in MiB, from `/proc/self/status`.
fn memory_mib() -> Option<(u64, u64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |name: &str| -> Option<u64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        let kib: u64 = line[name.len()..]
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()?;
        Some(kib / 1024)
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

/// The action catalog a run evaluates with: GCP permissions when a side is a GCP snapshot,
/// else the AWS actions (a run compares sides in one vocabulary).
pub fn catalog_for(sides: &[&crate::model::Snapshot]) -> &'static crate::catalog::Catalog {
    if sides.iter().any(|s| s.gcp.is_some()) {
        crate::catalog::gcp::gcp_catalog()
    } else {
        crate::catalog::catalog()
    }
}

/// The resource `explain` decides on: for a GCP snapshot, the scope path of the name given
/// (`//storage.googleapis.com/projects/_/buckets/b` → `organizations/1/…/buckets/b`); a
/// name outside the hierarchy is kept as given.
pub fn resource_for(snap: &crate::model::Snapshot, resource: Option<&str>) -> Option<String> {
    let r = resource?;
    Some(
        snap.gcp
            .as_ref()
            .and_then(|g| g.scope_of(r))
            .unwrap_or_else(|| r.to_owned()),
    )
}
