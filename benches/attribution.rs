//! Read + fit + exact attribution of generated aggregated paths (issue 2's speed targets):
//! 1M distinct paths at order 1 in <= 1 s and 100k distinct paths at order 3 in <= 0.4 s, on
//! one core. The data are generated in memory from a fixed seed (not committed): 12 channels,
//! path lengths 1-10 with shorter paths more common, conversions and nulls per path drawn so
//! that roughly one journey in eight converts.
//!
//! Run: `cargo bench --bench attribution`

use std::collections::HashSet;
use std::fmt::Write as _;
use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use journeysim::attribution::{AttributionOptions, HeuristicOptions, attribute_paths};
use journeysim::io::paths::PathsFormat;
use journeysim::model::FitOptions;

const CHANNELS: [&str; 12] = [
    "affiliate",
    "comparison",
    "direct",
    "display",
    "email",
    "referral",
    "retargeting",
    "reviews",
    "search_organic",
    "search_paid",
    "social",
    "video",
];

/// `count` distinct paths in ChannelAttribution's CSV format, from a fixed seed.
fn generate_paths(count: usize, seed: u64) -> Vec<u8> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut seen: HashSet<Vec<u8>> = HashSet::with_capacity(count);
    let mut text = String::from("path,total_conversions,total_conversion_value,total_null\n");
    while seen.len() < count {
        let length = 1 + (rng.random::<f64>().powi(2) * 10.0) as usize;
        let path: Vec<u8> = (0..length).map(|_| rng.random_range(0..12u8)).collect();
        if !seen.insert(path.clone()) {
            continue;
        }
        let names: Vec<&str> = path.iter().map(|&c| CHANNELS[c as usize]).collect();
        let journeys = rng.random_range(1..40u32);
        let conversions = (0..journeys)
            .filter(|_| rng.random::<f64>() < 0.125)
            .count();
        let value = conversions as f64 * rng.random_range(5.0..80.0);
        let nulls = journeys as usize - conversions;
        writeln!(
            text,
            "{},{conversions},{value:.2},{nulls}",
            names.join(" > ")
        )
        .unwrap();
    }
    text.into_bytes()
}

fn attribute(data: &[u8], order: usize) -> usize {
    let options = AttributionOptions {
        fit: FitOptions::order(order),
        heuristics: HeuristicOptions::default(),
    };
    let result = attribute_paths(data, "bench", &PathsFormat::default(), &options).unwrap();
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
