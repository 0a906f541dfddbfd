//! Bootstrap intervals (issue 6's speed target): read + fit + exact attribution + 200
//! Bayesian-bootstrap resamples (each re-solving every channel's removal) on 100k distinct paths
//! at order 1 in <= 10 s on 2 cores. The data are generated in memory from a fixed seed, as in
//! `benches/attribution.rs`: 12 channels, path lengths 1-10, about one journey in eight converts.
//!
//! Run: `cargo bench --bench intervals -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

mod common;

use common::generate_paths;
use journeysim_core::attribution::{
    AttributionMethod, AttributionOptions, HeuristicOptions, IntervalOptions, MethodOptions,
    attribute,
};
use journeysim_core::model::FitOptions;
use journeysim_io::paths::{PathsFormat, PathsReader};

fn intervals(c: &mut Criterion) {
    let mut group = c.benchmark_group("intervals");
    group.sample_size(10);
    let paths = 100_000;
    let resamples = 200;
    let data = generate_paths(paths, 6);
    let options = AttributionOptions {
        fit: FitOptions::order(1),
        heuristics: HeuristicOptions::default(),
    };
    let methods = MethodOptions {
        methods: vec![AttributionMethod::Markov],
        intervals: Some(IntervalOptions {
            resamples,
            level: 0.95,
            seed: 1,
        }),
    };
    group.bench_with_input(
        BenchmarkId::new("order1_resamples200", paths),
        &data,
        |b, data| {
            b.iter(|| {
                let result = attribute(
                    PathsReader::new(black_box(data.as_slice()), "bench", &PathsFormat::default()),
                    &options,
                    &methods,
                    None,
                )
                .unwrap();
                black_box(result)
            })
        },
    );
    group.finish();
}

criterion_group!(benches, intervals);
criterion_main!(benches);
