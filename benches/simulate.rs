//! Journeys per second of the Monte-Carlo engine (issue 3's speed targets): the 12-channel
//! reference chain (`tests/data/paths_10k.csv` fitted) at order 1 and order 3, with 1 and 2
//! threads. Targets: >= 40M journeys/s per core at order 1, >= 10M/s at order 3, >= 1.8x with
//! 2 threads. The `alias` group measures why the engine uses its own flattened alias table
//! rather than one `rand_distr::weighted::WeightedAliasIndex` per state: the same order-1 walk
//! (no statistics kept) with each.
//!
//! The `timed` group walks the order-1 chain with a dwell time on every state (issue 13: time to
//! conversion; target >= 15M journeys/s per core): gamma times (shape 2, the costliest family
//! to draw) for every state, summed for every converting journey.
//!
//! Run: `cargo bench --bench simulate -- --warm-up-time 1 --measurement-time 3`

use std::fs::File;
use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rand::Rng;
use rand_distr::Distribution;
use rand_distr::weighted::WeightedAliasIndex;

use journeysim_core::Chain;
use journeysim_core::journey_map::Distribution as TimeDistribution;
use journeysim_core::model::{FitOptions, fit_paths};
use journeysim_core::rng;
use journeysim_core::simulate::walk::{End, walk};
use journeysim_core::simulate::{Sampler, SimulateOptions, Stop, Timing, run_tally};
use journeysim_io::paths::{PathsFormat, PathsReader};

/// Journeys per iteration: 16M (244 batches) measures the steady state; at 4M a fixed cost
/// per run (about 10 ms to start the pool's threads on the reference machine) hid part of the
/// 2-thread speed-up.
const JOURNEYS: u64 = 16_000_000;

fn reference_chain(order: usize) -> Chain {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/paths_10k.csv");
    let options = FitOptions {
        order,
        keep_repeats: false,
        value_distribution: true,
    };
    fit_paths(
        PathsReader::new(
            File::open(path).unwrap(),
            "paths_10k.csv",
            &PathsFormat::default(),
        ),
        options,
        |_| {},
    )
    .unwrap()
    .chain
}

fn bench_simulate(c: &mut Criterion) {
    let mut group = c.benchmark_group("simulate");
    group.sample_size(10);
    group.throughput(Throughput::Elements(JOURNEYS));
    for order in [1, 3] {
        let sampler = Sampler::new(&reference_chain(order)).unwrap();
        for threads in [1, 2] {
            let options = SimulateOptions {
                seed: 7,
                stop: Stop::Journeys(JOURNEYS),
                max_steps: 10_000,
                threads: Some(threads),
            };
            let id = BenchmarkId::new(format!("order{order}/threads{threads}"), JOURNEYS);
            group.bench_function(id, |b| {
                b.iter(|| {
                    black_box(
                        run_tally(&sampler, &options, &|_, _| {})
                            .unwrap()
                            .conversions,
                    )
                })
            });
        }
    }
    group.finish();
}

fn bench_timed(c: &mut Criterion) {
    let mut group = c.benchmark_group("simulate/timed");
    group.sample_size(10);
    group.throughput(Throughput::Elements(JOURNEYS));
    let chain = reference_chain(1);
    let gamma = TimeDistribution::Gamma {
        shape: 2.0,
        scale: 24.0,
    };
    let timing = Timing::hours(&vec![gamma; chain.n_states()]).unwrap();
    let sampler = Sampler::new(&chain)
        .unwrap()
        .timed(&chain, timing, &[7.0, 30.0, 90.0])
        .unwrap();
    for threads in [1, 2] {
        let options = SimulateOptions {
            seed: 7,
            stop: Stop::Journeys(JOURNEYS),
            max_steps: 10_000,
            threads: Some(threads),
        };
        let id = BenchmarkId::new(format!("order1/threads{threads}"), JOURNEYS);
        group.bench_function(id, |b| {
            b.iter(|| {
                let tally = run_tally(&sampler, &options, &|_, _| {}).unwrap();
                black_box(tally.time.map(|t| t.sum))
            })
        });
    }
    group.finish();
}

/// One `WeightedAliasIndex` per row, walked the same way as the engine's walk.
struct PerRowAlias {
    rows: Vec<(WeightedAliasIndex<f64>, Vec<u32>)>,
    entry: (WeightedAliasIndex<f64>, Vec<u32>),
    n: u32,
}

impl PerRowAlias {
    fn new(chain: &Chain) -> Self {
        let row = |targets: &[u32], probs: &[f64]| {
            (
                WeightedAliasIndex::new(probs.to_vec()).unwrap(),
                targets.to_vec(),
            )
        };
        let (entry_states, entry_probs): (Vec<u32>, Vec<f64>) =
            chain.entry().iter().copied().unzip();
        PerRowAlias {
            rows: (0..chain.n_states() as u32)
                .map(|s| {
                    let (t, p) = chain.row(s);
                    row(t, p)
                })
                .collect(),
            entry: row(&entry_states, &entry_probs),
            n: chain.n_states() as u32,
        }
    }

    fn converts<R: Rng>(&self, rng: &mut R) -> bool {
        let draw = |(alias, targets): &(WeightedAliasIndex<f64>, Vec<u32>), rng: &mut R| {
            targets[alias.sample(rng)]
        };
        let mut state = draw(&self.entry, rng);
        loop {
            let next = draw(&self.rows[state as usize], rng);
            if next >= self.n {
                return next == self.n;
            }
            state = next;
        }
    }
}

fn bench_alias(c: &mut Criterion) {
    const WALKS: u64 = 1_000_000;
    let chain = reference_chain(1);
    let flat = Sampler::new(&chain).unwrap();
    let per_row = PerRowAlias::new(&chain);
    let mut group = c.benchmark_group("alias");
    group.sample_size(10);
    group.throughput(Throughput::Elements(WALKS));
    group.bench_function(BenchmarkId::new("flat", WALKS), |b| {
        b.iter(|| {
            let mut rng = rng::stream(7, 0);
            let mut visited = 0u64;
            (0..WALKS)
                .filter(|_| walk(&flat, &mut rng, 10_000, &mut visited).end == End::Conversion)
                .count()
        })
    });
    group.bench_function(BenchmarkId::new("rand_distr", WALKS), |b| {
        b.iter(|| {
            let mut rng = rng::stream(7, 0);
            (0..WALKS).filter(|_| per_row.converts(&mut rng)).count()
        })
    });
    group.finish();
}

criterion_group!(benches, bench_simulate, bench_timed, bench_alias);
criterion_main!(benches);
