//! `journeysim optimize`'s work (issue 16's speed targets): optimising a budget plan over all 12
//! channels of `data/paths_10k.csv` (every channel responsive: entries and visits channels
//! alternating, linear, power and hill curves) at order 1 in <= 1 s and at order 3 in <= 10 s.
//! The chain is fitted outside the timed closure; each iteration binds the plan, evaluates today
//! and optimises (every evaluation exact, with its gradient).
//!
//! Run: `cargo bench --bench optimize`

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

use journeysim_core::budget::optimize::{Objective, OptimizeOptions};
use journeysim_core::budget::optimize_plan;
use journeysim_core::budget::period::{PeriodModel, Volume};
use journeysim_core::budget::plan::{Buys, ChannelSpec, Plan};
use journeysim_core::budget::response::Response;
use journeysim_core::model::{FitOptions, fit_paths};
use journeysim_io::paths::{PathsFormat, PathsReader};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/paths_10k.csv");

/// A plan over every channel of the chain: spends 1,000 to 12,000, curves and kinds in turn.
fn plan(channels: &[String]) -> Plan {
    let curves = [
        Response::Linear,
        Response::Power { elasticity: 0.6 },
        Response::Hill {
            half_saturation: 2.0,
            shape: 1.0,
        },
        Response::Power { elasticity: 0.4 },
    ];
    let specs = channels
        .iter()
        .enumerate()
        .map(|(i, name)| {
            ChannelSpec {
                spend: 1000.0 * (i + 1) as f64,
                buys: Some(if i % 3 == 2 {
                    Buys::Visits
                } else {
                    Buys::Entries
                }),
                response: Some(curves[i % curves.len()]),
                min: None,
                max: None,
            }
            .into_plan(name)
            .unwrap()
        })
        .collect();
    Plan::new(Some("EUR".into()), None, specs).unwrap()
}

fn bench_optimize(c: &mut Criterion) {
    let mut group = c.benchmark_group("optimize");
    group.sample_size(10);
    for order in [1, 3] {
        let data = std::fs::read(DATA).unwrap();
        let fitted = fit_paths(
            PathsReader::new(&data[..], "paths_10k.csv", &PathsFormat::default()),
            FitOptions::order(order),
            |_| {},
        )
        .unwrap();
        let plan = plan(fitted.chain.channels().names());
        let journeys = fitted.summary.journeys();
        let options = OptimizeOptions {
            objective: Objective::Conversions,
            total: None,
            target: None,
        };
        let id = BenchmarkId::new(format!("order{order}"), plan.channels.len());
        group.bench_function(id, |b| {
            b.iter(|| {
                let model =
                    PeriodModel::new(&plan, &[(1.0, &fitted.chain)], Volume::Observed(journeys))
                        .unwrap();
                let (result, _) = optimize_plan(&model, "bench", options).unwrap();
                black_box(result.gain.conversions)
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench_optimize);
criterion_main!(benches);
