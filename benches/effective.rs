//! Meso and end-to-end benchmarks on the generated accounts (`bench-data/<scale>/`):
//! ingest, evaluation, the effective JSON report, and the whole diff (load both sides,
//! evaluate, compare, render all six formats). Whole-process timings with peak memory are
//! `scripts/bench-e2e.sh`; these isolate the phases.

#[path = "common/gen.rs"]
mod synth;

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::path::{Path, PathBuf};

use iamdiff::catalog::catalog;
use iamdiff::diff::mapping::Renames;
use iamdiff::diff::{DEFAULT_FAIL_ON, DiffOptions, SideInput};
use iamdiff::eval::{EvalOptions, effective};
use iamdiff::report::diff::DiffReport;
use iamdiff::report::effective::{EffectiveView, Selection};

type Render = fn(&DiffReport, &mut Vec<u8>) -> std::io::Result<()>;

fn scenario(scale: synth::Scale) -> Option<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench-data");
    match synth::ensure_scenario(&root, scale) {
        Ok(d) => Some(d),
        Err(e) => {
            eprintln!("skipping `{}`: {e}", scale.name());
            None
        }
    }
}

fn bench(c: &mut Criterion) {
    let cat = catalog();
    for scale in [synth::Scale::Medium, synth::Scale::Large] {
        let Some(dir) = scenario(scale) else { continue };
        let before = dir.join("before.json");
        let after = dir.join("after.json");
        let mut g = c.benchmark_group(scale.name());
        g.sample_size(10);

        g.bench_function("ingest", |b| {
            b.iter(|| {
                black_box(iamdiff::ingest::load_side(
                    std::slice::from_ref(&before),
                    &[],
                ))
            })
        });
        let Ok(snap) = iamdiff::ingest::load_side(std::slice::from_ref(&before), &[]) else {
            continue;
        };
        g.bench_function("evaluate", |b| {
            b.iter(|| black_box(effective(&snap, cat, &EvalOptions::default())))
        });
        let eff = effective(&snap, cat, &EvalOptions::default());
        g.bench_function("effective_json", |b| {
            b.iter(|| {
                let all: Vec<usize> = (0..snap.principals.len()).collect();
                let view = EffectiveView::new(
                    &snap,
                    cat,
                    &eff,
                    &Selection {
                        principals: all,
                        services: &[],
                        // the grants, as this benchmark measured before the summary
                        detail: true,
                    },
                );
                let mut out = Vec::with_capacity(64 << 20);
                view.write_json(&mut out).ok();
                black_box(out.len())
            })
        });

        g.bench_function("diff_all_formats", |b| {
            b.iter(|| {
                let (sb, sa) = rayon::join(
                    || iamdiff::ingest::load_side(std::slice::from_ref(&before), &[]),
                    || iamdiff::ingest::load_side(std::slice::from_ref(&after), &[]),
                );
                let (Ok(sb), Ok(sa)) = (sb, sa) else { return 0 };
                let opts = EvalOptions::default();
                let renames = Renames::default();
                // as the CLI does: only principals whose inputs differ are evaluated
                let matching = iamdiff::diff::match_principals(&sb, &sa, &renames);
                let (wb, wa) = iamdiff::diff::worth_evaluating(&sb, &sa, &matching);
                let (eb, ea) = rayon::join(
                    || iamdiff::eval::effective::effective_selected(&sb, cat, &opts, &wb),
                    || iamdiff::eval::effective::effective_selected(&sa, cat, &opts, &wa),
                );
                let outcome = iamdiff::diff::diff(
                    cat,
                    &SideInput {
                        snapshot: &sb,
                        effective: &eb,
                    },
                    &SideInput {
                        snapshot: &sa,
                        effective: &ea,
                    },
                    &DiffOptions {
                        renames: &renames,
                        waivers: &[],
                        fail_on: &DEFAULT_FAIL_ON,
                        min_level: iamdiff::catalog::AccessLevel::List,
                        today: "2026-11-24",
                    },
                );
                let report = DiffReport::new(outcome, cat, &sb, &sa);
                let mut total = 0;
                let writers: [Render; 5] = [
                    |r, w| iamdiff::report::markdown::write_markdown(r, w),
                    |r, w| iamdiff::report::html::write_html(r, w),
                    |r, w| r.write_json(w),
                    |r, w| iamdiff::report::sarif::write_sarif(r, w),
                    |r, w| iamdiff::report::junit::write_junit(r, w),
                ];
                for wr in writers {
                    let mut out = Vec::new();
                    wr(&report, &mut out).ok();
                    total += out.len();
                }
                black_box(total)
            })
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
