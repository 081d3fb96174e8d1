//! Writes a synthetic AWS account for benchmarks and diff tests: `before.json` (an
//! `aws iam get-account-authorization-details` export), `after.json` (the same account
//! after a few hundred controlled mutations), `expected-breaks.json` (every request those
//! mutations certainly break), `expected-renames.json` and `mutations.json`.
//!
//! ```sh
//! cargo run --release --example gen_account -- --scale large --seed 42 --out bench-data/large
//! ```

#[path = "../benches/common/gen.rs"]
mod synth;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

const USAGE: &str = "usage: gen_account --scale small|medium|large [--seed N] --out DIR";

struct Args {
    scale: synth::Scale,
    seed: u64,
    out: PathBuf,
}

fn parse_args() -> Result<Args, String> {
    let mut scale = None;
    let mut seed = 42u64;
    let mut out = None;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("`{flag}` needs a value"));
        match flag.as_str() {
            "--scale" => {
                let v = value()?;
                scale =
                    Some(synth::Scale::parse(&v).ok_or_else(|| format!("unknown scale `{v}`"))?);
            }
            "--seed" => {
                let v = value()?;
                seed = v
                    .parse()
                    .map_err(|_| format!("seed `{v}` is not a whole number"))?;
            }
            "--out" => out = Some(PathBuf::from(value()?)),
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(Args {
        scale: scale.ok_or("missing `--scale`")?,
        seed,
        out: out.ok_or("missing `--out`")?,
    })
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("error: {e}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let start = Instant::now();
    match synth::write_scenario(&args.out, args.scale, args.seed) {
        Ok(s) => {
            println!(
                "{}: {} users, {} groups, {} roles, {} policies; before.json {} bytes, after.json {} bytes; \
                 {} mutations, {} expected breaks, {} renames; {:.2} s",
                args.out.display(),
                s.users,
                s.groups,
                s.roles,
                s.policies,
                s.before_bytes,
                s.after_bytes,
                s.mutations,
                s.breaks,
                s.renames,
                start.elapsed().as_secs_f64()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: cannot write to `{}`: {e}", args.out.display());
            ExitCode::from(1)
        }
    }
}
