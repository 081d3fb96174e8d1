//! Bare JSON parse of the generated accounts (`serde_json::from_slice::<Value>`), the floor
//! that iamdiff's own ingest times are reported beside: whatever iamdiff does on top of
//! reading the bytes is the difference.
//!
//! The accounts are generated once into `bench-data/<scale>/` (git-ignored) and reused.

#[path = "common/gen.rs"]
mod synth;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::path::Path;

fn parse(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench-data");
    let mut group = c.benchmark_group("bare_parse");
    for scale in synth::Scale::ALL {
        let bytes = match synth::ensure_scenario(&root, scale)
            .and_then(|dir| std::fs::read(dir.join("before.json")))
        {
            Ok(b) => b,
            Err(e) => {
                eprintln!(
                    "skipping `{}`: cannot generate or read it: {e}",
                    scale.name()
                );
                continue;
            }
        };
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        // The larger files take tens to hundreds of milliseconds per parse: few samples.
        group.sample_size(if scale == synth::Scale::Small { 20 } else { 10 });
        group.bench_function(scale.name(), |b| {
            b.iter(|| serde_json::from_slice::<serde_json::Value>(black_box(&bytes)))
        });
    }
    group.finish();
}

criterion_group!(benches, parse);
criterion_main!(benches);
