//! Bootstrap intervals (issue 6's speed target): read + fit + exact attribution + 200
//! Bayesian-bootstrap resamples (each re-solving every channel's removal) on 100k distinct paths
//! at order 1 in <= 10 s on 2 cores. The data are generated in memory from a fixed seed, as in
//! `benches/attribution.rs`: 12 channels, path lengths 1-10, about one journey in eight converts.
//!
//! Run: `cargo bench --bench intervals -- --warm-up-time 1 --measurement-time 3`

use std::collections::HashSet;
use std::fmt::Write as _;
use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

use journeysim::attribution::{
    AttributionOptions, HeuristicOptions, IntervalOptions, Method, MethodOptions,
    attribute_paths_with,
};
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
        methods: vec![Method::Markov],
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
                let result = attribute_paths_with(
                    black_box(data.as_slice()),
                    "bench",
                    &PathsFormat::default(),
                    &options,
                    &methods,
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
