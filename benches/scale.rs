//! Any size on one machine (issue 12, part 4): reading on every core and grouping an unsorted
//! log within a memory limit. Inputs are generated in memory outside the timed closures (fixed
//! seeds, not committed):
//!
//! - `sorted_events/{1,2}`: check the order of and cut a sorted event log (200,000 journeys from
//!   scenarios/journey_map.json, ~470,000 events, ~35 MB) into an order-1 fit, on a pool of 1
//!   and 2 threads; throughput in bytes (target: >= 250 MB/s on 2 cores). A log this small is
//!   parsed once (its parsed rows are kept between the two passes).
//! - `sorted_events_streamed/2`: the same with a memory limit of one byte, so that it is read
//!   and parsed twice, streaming, as a log too large to keep is.
//! - `unsorted_events/{in_memory,partitioned}`: the same log reversed, grouped in memory, then
//!   with a 4 MB limit that partitions it into temporary files.
//! - `paths_attribute/{1,2}`: read a 1M-path CSV and run order-1 attribution (target: <= 0.5 s
//!   on 2 cores).
//!
//! Run: `cargo bench --bench scale -- --warm-up-time 1 --measurement-time 5`

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

mod common;

use common::generate_paths;
use journeysim_core::ChannelTable;
use journeysim_core::attribution::{AttributionOptions, HeuristicOptions, attribute_paths};
use journeysim_core::model::{FitOptions, Fitter};
use journeysim_io::events::{EventsFormat, read_events_bytes_within};
use journeysim_io::generated::write_events;
use journeysim_io::paths::{PathsFormat, PathsReader};
use journeysim_io::spill::Memory;

const MAP: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/journey_map.json");

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
}

fn fit_events(bytes: &[u8], memory: &Memory) -> usize {
    let mut channels = ChannelTable::new();
    let mut fitter = Fitter::new(FitOptions::order(1)).unwrap();
    let summary = read_events_bytes_within(
        bytes,
        "bench",
        &EventsFormat::default(),
        memory,
        &mut channels,
        |j| fitter.observe(&j.row),
    )
    .unwrap();
    black_box(fitter.finish(channels).unwrap());
    summary.rows as usize
}

fn bench(c: &mut Criterion) {
    let map = journeysim_io::map_file::read_map(MAP).unwrap();
    let mut sorted = Vec::new();
    write_events(&map, 200_000, 1, &mut sorted, "memory").unwrap();
    let text = String::from_utf8(sorted.clone()).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let header = lines.remove(0);
    lines.reverse();
    let reversed = format!("{header}\n{}\n", lines.join("\n")).into_bytes();

    let mut group = c.benchmark_group("scale");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(sorted.len() as u64));
    for threads in [1, 2] {
        let pool = pool(threads);
        group.bench_with_input(
            BenchmarkId::new("sorted_events", threads),
            &sorted,
            |b, bytes| b.iter(|| pool.install(|| fit_events(bytes, &Memory::default()))),
        );
    }
    let streamed = Memory {
        limit: 1,
        temp_dir: None,
    };
    let pool2 = pool(2);
    group.bench_with_input(
        BenchmarkId::new("sorted_events_streamed", 2),
        &sorted,
        |b, bytes| b.iter(|| pool2.install(|| fit_events(bytes, &streamed))),
    );
    let partitioned = Memory {
        limit: 4_000_000,
        temp_dir: None,
    };
    for (name, memory) in [
        ("in_memory", Memory::default()),
        ("partitioned", partitioned),
    ] {
        group.bench_with_input(
            BenchmarkId::new("unsorted_events", name),
            &reversed,
            |b, bytes| b.iter(|| fit_events(bytes, &memory)),
        );
    }
    let paths = generate_paths(1_000_000, 7);
    group.throughput(Throughput::Bytes(paths.len() as u64));
    let options = AttributionOptions {
        fit: FitOptions::order(1),
        heuristics: HeuristicOptions::default(),
    };
    for threads in [1, 2] {
        let pool = pool(threads);
        group.bench_with_input(
            BenchmarkId::new("paths_attribute", threads),
            &paths,
            |b, data| {
                b.iter(|| {
                    pool.install(|| {
                        let reader = PathsReader::new(&data[..], "bench", &PathsFormat::default());
                        black_box(attribute_paths(reader, &options).unwrap().model.states)
                    })
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
