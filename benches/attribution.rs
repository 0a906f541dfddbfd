//! Read + fit + exact attribution of generated aggregated paths (issue 2's speed targets):
//! 1M distinct paths at order 1 in <= 1 s and 100k distinct paths at order 3 in <= 0.4 s, on
//! one core. The data are generated in memory from a fixed seed (not committed): 12 channels,
//! path lengths 1-10 with shorter paths more common, conversions and nulls per path drawn so
//! that roughly one journey in eight converts.
//!
//! Run: `cargo bench --bench attribution`

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

mod common;

use common::generate_paths;
use journeysim_core::attribution::{AttributionOptions, HeuristicOptions, attribute_paths};
use journeysim_core::model::FitOptions;
use journeysim_io::paths::{PathsFormat, PathsReader};

fn attribute(data: &[u8], order: usize) -> usize {
    let options = AttributionOptions {
        fit: FitOptions::order(order),
        heuristics: HeuristicOptions::default(),
    };
    let result = attribute_paths(
        PathsReader::new(data, "bench", &PathsFormat::default()),
        &options,
    )
    .unwrap();
    result.model.states
}

fn bench_attribution(c: &mut Criterion) {
    // One core, as the targets are stated per core.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let mut group = c.benchmark_group("attribute");
    group.sample_size(10);
    for (paths, order) in [(100_000, 1), (1_000_000, 1), (100_000, 3), (100_000, 4)] {
        let data = generate_paths(paths, 7);
        group.throughput(Throughput::Elements(paths as u64));
        let id = BenchmarkId::new(format!("order{order}"), paths);
        group.bench_with_input(id, &data, |b, data| {
            b.iter(|| pool.install(|| black_box(attribute(data, order))))
        });
    }
    group.finish();
}

criterion_group!(benches, bench_attribution);
criterion_main!(benches);
