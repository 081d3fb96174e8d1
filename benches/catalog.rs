//! First decode of the embedded catalog: the actions part (paid by every command that
//! looks up an action) and the managed policies (paid only by commands that need them).
//! The design target is under 20 ms for startup on the 2-core project machines.

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use iamdiff::catalog::Catalog;
use std::time::Duration;

fn decode(c: &mut Criterion) {
    let mut group = c.benchmark_group("catalog");
    group
        .sample_size(30)
        .measurement_time(Duration::from_secs(8));
    // A fresh decode each time, as `catalog()` does once per process; dropping is not timed.
    group.bench_function("decode_actions", |b| {
        b.iter_with_large_drop(Catalog::decode_embedded)
    });
    group.bench_function("decode_policies", |b| {
        b.iter_batched_ref(
            Catalog::decode_embedded,
            |catalog| catalog.managed_policies().len(),
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, decode);
criterion_main!(benches);
