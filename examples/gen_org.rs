//! Writes a synthetic AWS organization pair for benchmarks (issue 8): `before/` and
//! `after/` (each `accounts/`, `organization/`, `resources/`), `map.yaml` (the renames) and
//! `expected-breaks.json` (every request the mutations certainly break).
//!
//! ```sh
//! cargo run --release --example gen_org -- --scale full --seed 42 --out bench-data/org
//! ```
//!
//! With `--people 5000 --permission-sets 40` each side also holds `identity-center/` and
//! the pair `expected-losses.json` (issue 9): every role a person can no longer reach.

#[path = "../benches/common/org.rs"]
mod org;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: gen_org --scale small|full [--accounts N] [--seed N] [--people N [--permission-sets N]] --out DIR";

fn run() -> Result<(), String> {
    let mut scale = org::OrgScale::FULL;
    let mut seed = 42u64;
    let mut accounts: Option<usize> = None;
    let mut out: Option<PathBuf> = None;
    let mut people: Option<usize> = None;
    let mut permission_sets = 40usize;
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
            // Identity Center (issue 9): people in a store, permission sets assigned to
            // their groups, role chains, and `expected-losses.json`
            "--people" => {
                people = Some(value.parse().ok().filter(|n| *n >= 1).ok_or_else(|| {
                    format!("`{value}` is not a number of people (1 or more)\n{USAGE}")
                })?);
            }
            "--permission-sets" => {
                permission_sets = value.parse().ok().filter(|n| *n >= 1).ok_or_else(|| {
                    format!("`{value}` is not a number of permission sets (1 or more)\n{USAGE}")
                })?;
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
    let ic = people.map(|n| org::IcScale::new(n, permission_sets));
    let (breaks, losses) = org::write_pair_with(scale, seed, ic, &out)
        .map_err(|e| format!("{}: {e}", out.display()))?;
    if ic.is_some() {
        println!(
            "{}: {} expected breaks, {} expected person losses",
            out.display(),
            breaks.len(),
            losses.len()
        );
    } else {
        println!("{}: {} expected breaks", out.display(), breaks.len());
    }
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
