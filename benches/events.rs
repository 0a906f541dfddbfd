//! Event-log reading: parse, check order, cut into journeys and fit an order-1 chain, on an event
//! log generated in memory (outside the timed closure) from scenarios/journey_map.json with a
//! fixed seed: 200,000 journeys, about 470,000 events, sorted by user then time (streaming path)
//! and reversed (grouped in memory).
//!
//! Run: `cargo bench --bench events -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

use journeysim_core::ChannelTable;
use journeysim_core::model::{FitOptions, Fitter};
use journeysim_io::events::{EventsFormat, read_events_bytes};
use journeysim_io::generated::write_events;

const MAP: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/journey_map.json");

fn bench(c: &mut Criterion) {
    let map = journeysim_io::map_file::read_map(MAP).unwrap();
    let mut sorted = Vec::new();
    write_events(&map, 200_000, 1, &mut sorted, "memory").unwrap();
    let text = String::from_utf8(sorted.clone()).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let header = lines.remove(0);
    lines.reverse();
    let reversed = format!("{header}\n{}\n", lines.join("\n")).into_bytes();
    let events = lines.len() as u64;
    let format = EventsFormat::default();
    let mut group = c.benchmark_group("events");
    group.sample_size(10);
    group.throughput(Throughput::Elements(events));
    for (name, bytes) in [("sorted", &sorted), ("unsorted", &reversed)] {
        group.bench_with_input(BenchmarkId::new(name, events), bytes, |b, bytes| {
            b.iter(|| {
                let mut channels = ChannelTable::new();
                let mut fitter = Fitter::new(FitOptions::order(1)).unwrap();
                let summary = read_events_bytes(bytes, "bench", &format, &mut channels, |j| {
                    fitter.observe(&j.row)
                })
                .unwrap();
                black_box((fitter.finish(channels), summary))
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
