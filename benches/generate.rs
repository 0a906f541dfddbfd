//! Journeys generated per second from the shipped journey map (scenarios/journey_map.json:
//! 10 touchpoints, 3 personas, about 2.4 touches per journey), aggregated into paths or written
//! as an event log to memory, with 1 and 2 threads. The map is loaded outside the timed closure.
//!
//! Run: `cargo bench --bench generate -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};

use journeysim_core::journey_map::generate::generate_paths;
use journeysim_io::generated::write_events;

const MAP: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/journey_map.json");

fn bench(c: &mut Criterion) {
    let map = journeysim_io::map_file::read_map(MAP).unwrap();
    let mut group = c.benchmark_group("generate");
    group.sample_size(10);
    for threads in [1usize, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let n = 1_000_000u64;
        group.throughput(Throughput::Elements(n));
        group.bench_with_input(
            BenchmarkId::new(format!("paths/{threads}_threads"), n),
            &n,
            |b, &n| b.iter(|| pool.install(|| black_box(generate_paths(&map, n, 1)))),
        );
        let n = 200_000u64;
        group.throughput(Throughput::Elements(n));
        group.bench_with_input(
            BenchmarkId::new(format!("events/{threads}_threads"), n),
            &n,
            |b, &n| {
                b.iter(|| {
                    pool.install(|| {
                        let mut out = Vec::with_capacity(40 << 20);
                        write_events(&map, n, 1, &mut out, "memory").unwrap();
                        black_box(out.len())
                    })
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
