//! Exact resource-set comparisons as the diff makes them: ten allowed patterns of ARN
//! length ~60 before against ten after, for the shapes a migration produces (unchanged,
//! broadened, narrowed by a deny, covered only jointly, literal ARNs). The diff asks
//! this once per principal and action, so each answer should cost microseconds.

use criterion::{Criterion, criterion_group, criterion_main};
use iamdiff::eval::lang::{Budget, SetExpr, is_subset, witness_in_difference};
use std::hint::black_box;
use std::time::Duration;

/// `arn:aws:s3:::acme-prod-analytics-07/tenants/*` style prefix, 35 characters.
fn bucket(i: usize) -> String {
    format!("arn:aws:s3:::acme-prod-analytics-{i:02}/tenants/")
}

fn union(f: impl Fn(usize) -> Vec<String>) -> SetExpr {
    SetExpr::union((0..10).flat_map(f).map(|s| SetExpr::pat(&s)))
}

/// Before: ten patterns of 60 characters with two stars each.
fn before() -> SetExpr {
    union(|i| vec![format!("{}*/exports/2024/*", bucket(i))])
}

/// (name, before, after) for each shape.
fn shapes() -> Vec<(&'static str, SetExpr, SetExpr)> {
    let denies = SetExpr::union(
        [3, 5, 7].map(|i| SetExpr::pat(&format!("{}*/exports/2024/pii/*", bucket(i)))),
    );
    vec![
        ("identical", before(), before()),
        (
            "broadened",
            before(),
            union(|i| vec![format!("{}*", bucket(i))]),
        ),
        (
            "narrowed_by_deny",
            before(),
            SetExpr::minus(before(), denies),
        ),
        (
            // `…/2024/` and `…/2024/?*` cover `…/2024/*` only together: product search.
            "covered_jointly",
            before(),
            union(|i| {
                vec![
                    format!("{}*/exports/2024/", bucket(i)),
                    format!("{}*/exports/2024/?*", bucket(i)),
                ]
            }),
        ),
        (
            // Only one-character keys are lost: the witness needs the product search.
            "narrowed_product",
            before(),
            union(|i| {
                vec![
                    format!("{}*/exports/2024/", bucket(i)),
                    format!("{}*/exports/2024/??*", bucket(i)),
                ]
            }),
        ),
        (
            "literal_arns",
            union(|i| vec![format!("{}t-{i}/exports/2024/report-{i}.csv", bucket(i))]),
            before(),
        ),
    ]
}

fn lang(c: &mut Criterion) {
    let mut group = c.benchmark_group("lang");
    group
        .sample_size(30)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    for (name, a, b) in shapes() {
        group.bench_function(format!("witness/{name}"), |bench| {
            // a fresh allowance each time: one budget's series allowance is shared by
            // every question asked with it
            bench.iter(|| witness_in_difference(black_box(&a), black_box(&b), &Budget::default()))
        });
        group.bench_function(format!("subset/{name}"), |bench| {
            bench.iter(|| is_subset(black_box(&a), black_box(&b), &Budget::default()))
        });
    }
    group.finish();
}

criterion_group!(benches, lang);
criterion_main!(benches);
