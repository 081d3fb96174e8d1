//! Writes a synthetic AWS organization pair for benchmarks (issue 8): `before/` and
//! `after/` (each `accounts/`, `organization/`, `resources/`), `map.yaml` (the renames) and
//! `expected-breaks.json` (every request the mutations certainly break).
//!
//! ```sh
//! cargo run --release --example gen_org -- --scale full --seed 42 --out bench-data/org
//! ```

#[path = "../benches/common/org.rs"]
mod org;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: gen_org --scale small|full [--accounts N] [--seed N] --out DIR";

fn run() -> Result<(), String> {
    let mut scale = org::OrgScale::FULL;
    let mut seed = 42u64;
    let mut accounts: Option<usize> = None;
    let mut out: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .ok_or_else(|| format!("`{flag}` needs a value\n{USAGE}"))?;
        match flag.as_str() {
            "--scale" => {
                scale = org::OrgScale::parse(&value)
                    .ok_or_else(|| format!("unknown scale `{value}`\n{USAGE}"))?;
            }
            "--seed" => {
                seed = value
                    .parse()
                    .map_err(|_| format!("`{value}` is not a seed\n{USAGE}"))?;
            }
            // a smaller (or larger) organization of the scale's shape, to see how cost grows
            "--accounts" => {
                accounts = Some(value.parse().ok().filter(|n| *n >= 2).ok_or_else(|| {
                    format!("`{value}` is not an account count (2 or more)\n{USAGE}")
                })?);
            }
            "--out" => out = Some(PathBuf::from(value)),
            _ => return Err(format!("unknown argument `{flag}`\n{USAGE}")),
        }
    }
    let out = out.ok_or_else(|| USAGE.to_owned())?;
    if let Some(n) = accounts {
        // mutations keep the scale's proportion (one per account but the management one)
        scale.mutations = (scale.mutations * n / scale.accounts).clamp(1, n - 1);
        scale.accounts = n;
    }
    let breaks =
        org::write_pair(scale, seed, &out).map_err(|e| format!("{}: {e}", out.display()))?;
    println!("{}: {} expected breaks", out.display(), breaks.len());
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
