//! `journeysim serve`'s what-if answer time (issue 14's targets): `POST /api/whatif` in <= 50 ms
//! at order 1 and <= 500 ms on `data/paths_10k.csv` at order 3, measured from a client on the
//! same machine. The server runs in this process on a loopback port (the router the binary
//! serves, on tokio); each iteration opens a connection, sends the scenario
//! `scenarios/remove_display.json` and reads the whole answer, as the page's `fetch` does.
//!
//! Run: `cargo bench --bench serve`

use std::io::{Read, Write};
use std::net::TcpStream;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

use journeysim_core::budget::period::Volume;
use journeysim_core::model::{FitOptions, fit_paths};
use journeysim_core::simulate::SimulateOptions;
use journeysim_io::paths::{PathsFormat, PathsReader};
use journeysim_serve::Model;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/paths_10k.csv");
const SCENARIO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/remove_display.json");

/// Serves the chain of order `order` on a loopback port from a background thread; its address.
fn start(order: usize) -> String {
    let data = std::fs::read(DATA).unwrap();
    let chain = fit_paths(
        PathsReader::new(&data[..], "paths_10k.csv", &PathsFormat::default()),
        FitOptions::order(order),
        |_| {},
    )
    .unwrap()
    .chain;
    let model = Model {
        components: vec![(1.0, chain)],
        source: "data/paths_10k.csv".into(),
        timings: None,
        horizons: Vec::new(),
        plan: None,
        volume: Volume::Unknown,
        journeys: 1_000_000,
        options: SimulateOptions::journeys(1_000_000),
        stages: None,
        views: String::new(),
        message: |e| e.to_string(),
    };
    let router = journeysim_serve::router(model).unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            journeysim_serve::serve(listener, router, std::future::pending())
                .await
                .unwrap();
        });
    });
    address
}

/// One `POST /api/whatif` on a new connection; the length of the answer.
fn whatif(address: &str, scenario: &[u8]) -> usize {
    let mut stream = TcpStream::connect(address).unwrap();
    let head = format!(
        "POST /api/whatif HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        scenario.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(scenario).unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    assert!(
        answer.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
    answer.len()
}

fn bench_whatif(c: &mut Criterion) {
    let scenario = std::fs::read(SCENARIO).unwrap();
    let mut group = c.benchmark_group("serve/whatif");
    group.sample_size(20);
    for order in [1, 3] {
        let address = start(order);
        group.bench_with_input(
            BenchmarkId::new("paths_10k_order", order),
            &order,
            |b, _| b.iter(|| whatif(&address, &scenario)),
        );
    }
    group.finish();
}

criterion_group!(benches, bench_whatif);
criterion_main!(benches);
