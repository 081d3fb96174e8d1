//! What several commands share: loading a side's sources, building the request context
//! from flags and files, and the principal filter.

use globset::{GlobSet, GlobSetBuilder};

use crate::eval::context::RequestContext;
use crate::ingest;
use crate::model::{Principal, Snapshot};

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
        }),
        levels: load.levels.clone(),
        cfn_params: load.cfn_params.clone(),
        account: load.account.clone(),
        region: load.region.clone(),
    }
}

/// Reads and merges the sources of one side, and its SCP levels. Warnings go to stderr.
pub fn load(
    sources: &[std::path::PathBuf],
    scps: &[std::path::PathBuf],
    opts: &ingest::LoadOptions,
) -> Result<Snapshot, CliError> {
    let snap = ingest::load_side_opts(sources, scps, opts)?;
    for w in &snap.warnings {
        eprintln!("{w}");
    }
    Ok(snap)
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
    pub fn new(globs: &[String]) -> Result<Self, CliError> {
        if globs.is_empty() {
            return Ok(PrincipalFilter(None));
        }
        let mut b = GlobSetBuilder::new();
        for g in globs {
            let glob = globset::GlobBuilder::new(g)
                .literal_separator(false)
                .backslash_escape(false)
                .build()
                .map_err(|e| CliError::Usage(format!("`--principal {g}`: {e}")))?;
            b.add(glob);
        }
        let set = b
            .build()
            .map_err(|e| CliError::Usage(format!("`--principal`: {e}")))?;
        Ok(PrincipalFilter(Some(set)))
    }

    pub fn matches(&self, p: &Principal) -> bool {
        match &self.0 {
            None => true,
            Some(set) => set.is_match(&p.name) || p.arn.as_deref().is_some_and(|a| set.is_match(a)),
        }
    }
}

/// Checks `--service` prefixes against the catalog, so a typo is an error, not an
/// empty report.
pub fn services(prefixes: &[String]) -> Result<Vec<String>, CliError> {
    let cat = crate::catalog::catalog();
    prefixes
        .iter()
        .map(|p| match cat.service(p) {
            Some(s) => Ok(s.prefix.clone()),
            None => Err(CliError::Usage(format!(
                "`--service {p}`: no such service prefix in the catalog (try `iamdiff catalog action '{p}:*'`)"
            ))),
        })
        .collect()
}

/// Phase timings on stderr when `IAMDIFF_TIMINGS` is set (for benchmarking; never on by
/// default, so output stays deterministic).
pub struct Timer(Option<std::cell::Cell<std::time::Instant>>);

impl Timer {
    pub fn new() -> Self {
        Timer(
            std::env::var_os("IAMDIFF_TIMINGS")
                .map(|_| std::cell::Cell::new(std::time::Instant::now())),
        )
    }

    pub fn lap(&self, what: &str) {
        if let Some(c) = &self.0 {
            let now = std::time::Instant::now();
            eprintln!(
                "timing: {what} {:.1} ms",
                now.duration_since(c.get()).as_secs_f64() * 1000.0
            );
            c.set(now);
        }
    }
}
