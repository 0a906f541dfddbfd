//! Hand-computed chains for every curve and for `entries` and `visits`, the exact gradient
//! against differences, and the optimiser against a brute-force grid.

use super::optimize::{Objective, OptimizeOptions, Target, optimize};
use super::period::{PeriodModel, Volume};
use super::plan::{Buys, ChannelSpec, Plan};
use super::response::Response;
use crate::journey::MemoryPaths;
use crate::model::{Chain, FitOptions, fit_paths};

fn chain(rows: &[(&[&str], f64, f64, f64)]) -> Chain {
    fit_paths(MemoryPaths::new("t", rows), FitOptions::order(1), |_| {})
        .unwrap()
        .chain
}

fn spec(spend: f64, buys: Option<Buys>, response: Option<Response>) -> ChannelSpec {
    ChannelSpec {
        spend,
        buys,
        response,
        min: None,
        max: None,
    }
}

fn plan(channels: &[(&str, ChannelSpec)]) -> Plan {
    let channels = channels
        .iter()
        .map(|(name, spec)| spec.clone().into_plan(name).unwrap())
        .collect();
    Plan::new(Some("EUR".into()), None, channels).unwrap()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * b.abs().max(1.0)
}

/// 10 journeys start at a (4 convert, value 10 each), 10 at b (1 converts, value 50).
const ENTRY_ROWS: &[(&[&str], f64, f64, f64)] =
    &[(&["a"], 4.0, 40.0, 6.0), (&["b"], 1.0, 50.0, 9.0)];

#[test]
fn entries_channel_by_hand_for_every_curve() {
    let chain = chain(ENTRY_ROWS);
    // (curve, spend multiple, m): linear 0.5 -> 0.5; power 0.5 at 4 -> 2; hill K 2 S 1 at 2 -> 1.5.
    let cases = [
        (Response::Linear, 0.5, 0.5),
        (Response::Power { elasticity: 0.5 }, 4.0, 2.0),
        (
            Response::Hill {
                half_saturation: 2.0,
                shape: 1.0,
            },
            2.0,
            1.5,
        ),
    ];
    for (curve, x, m) in cases {
        let plan = plan(&[
            ("a", spec(100.0, Some(Buys::Entries), Some(curve))),
            ("b", spec(30.0, None, None)),
        ]);
        let model = PeriodModel::new(&plan, &[(1.0, &chain)], Volume::Observed(20.0)).unwrap();
        let period = model.evaluate(&[100.0 * x, 30.0]).unwrap();
        // a's 10 journeys become 10 m, converting 0.4 of the time at 10 each; b's stay.
        assert!(close(period.journeys, 10.0 * m + 10.0), "{curve:?}");
        assert!(close(period.conversions, 4.0 * m + 1.0), "{curve:?}");
        assert!(close(period.value, 40.0 * m + 50.0), "{curve:?}");
        assert!(close(period.cost, 100.0 * x + 30.0));
        assert!(close(period.cac.unwrap(), period.cost / period.conversions));
        assert!(close(period.roas.unwrap(), period.value / period.cost));
    }
}

#[test]
fn spend_zero_on_an_entries_channel_removes_its_journeys_exactly() {
    let chain = chain(ENTRY_ROWS);
    let plan = plan(&[("a", spec(100.0, Some(Buys::Entries), None))]);
    let model = PeriodModel::new(&plan, &[(1.0, &chain)], Volume::Observed(20.0)).unwrap();
    let period = model.evaluate(&[0.0]).unwrap();
    assert_eq!(
        (period.journeys, period.conversions, period.value),
        (10.0, 1.0, 50.0)
    );
    assert_eq!(period.roas, None);
    // The whatif arm: only b's journeys, entered at b.
    let arms = model.arms(&[0.0]).unwrap();
    assert_eq!(arms[0].journeys, 10.0);
    let b = arms[0].chain.channels().get("b").unwrap();
    for &(s, p) in arms[0].chain.entry() {
        let first = arms[0].chain.states()[s as usize][0];
        assert_eq!(p, if first == b { 1.0 } else { 0.0 });
    }
}

/// Every journey starts at a; a -> b 0.5, a -> c 0.3, a -> (null) 0.2; b converts 0.8, c 0.1.
const VISIT_ROWS: &[(&[&str], f64, f64, f64)] = &[
    (&["a", "b"], 8.0, 80.0, 2.0),
    (&["a", "c"], 0.6, 30.0, 5.4),
    (&["a"], 0.0, 0.0, 4.0),
];

#[test]
fn visits_channel_by_hand_for_every_curve() {
    let chain = chain(VISIT_ROWS);
    let base = plan(&[("b", spec(50.0, Some(Buys::Visits), None))]);
    let model = PeriodModel::new(&base, &[(1.0, &chain)], Volume::Observed(20.0)).unwrap();
    let today = model.evaluate(&[50.0]).unwrap();
    // h(a) = 0.5 x 0.8 + 0.3 x 0.1 = 0.43; value 0.5 x 0.8 x 10 + 0.3 x 0.1 x 50 = 5.5.
    assert!(close(today.conversions, 20.0 * 0.43));
    assert!(close(today.value, 20.0 * 5.5));
    let cases = [
        (Response::Linear, 2.0, 2.0),
        (Response::Power { elasticity: 0.5 }, 4.0, 2.0),
        (
            Response::Hill {
                half_saturation: 2.0,
                shape: 1.0,
            },
            2.0,
            1.5,
        ),
        (Response::Linear, 0.0, 0.0),
    ];
    for (curve, x, m) in cases {
        let plan = plan(&[("b", spec(50.0, Some(Buys::Visits), Some(curve)))]);
        let model = PeriodModel::new(&plan, &[(1.0, &chain)], Volume::Observed(20.0)).unwrap();
        let period = model.evaluate(&[50.0 * x]).unwrap();
        // Row a: b 0.5 m, c 0.3, null 0.2, over z = 0.5 m + 0.5.
        let z = 0.5 * m + 0.5;
        let h = (0.5 * m * 0.8 + 0.3 * 0.1) / z;
        let v = (0.5 * m * 0.8 * 10.0 + 0.3 * 0.1 * 50.0) / z;
        assert!(close(period.journeys, 20.0), "{curve:?}");
        assert!(close(period.conversions, 20.0 * h), "{curve:?} {x}");
        assert!(close(period.value, 20.0 * v), "{curve:?} {x}");
    }
}

#[test]
fn a_visits_channel_leaves_its_own_repeats_alone() {
    // Order 2: a > c -> c > b is traffic bought into b; c > b -> b > b is a repeat of b.
    let rows: &[(&[&str], f64, f64, f64)] = &[
        (&["a", "c", "b", "b"], 1.0, 0.0, 1.0),
        (&["a", "c", "b"], 0.0, 0.0, 2.0),
        (&["a", "c"], 0.0, 0.0, 1.0),
    ];
    let chain = fit_paths(MemoryPaths::new("t", rows), FitOptions::order(2), |_| {})
        .unwrap()
        .chain;
    let plan = plan(&[("b", spec(10.0, Some(Buys::Visits), None))]);
    let model = PeriodModel::new(&plan, &[(1.0, &chain)], Volume::Observed(5.0)).unwrap();
    let arms = model.arms(&[20.0]).unwrap();
    let changed = &arms[0].chain;
    let find = |name: &str| (0..changed.n_states() as u32).find(|&s| changed.state_name(s) == name);
    let (ac, cb) = (find("a > c").unwrap(), find("c > b").unwrap());
    // a > c: c > b 4 of 5, (null) 1 of 5; doubled: 8 of 9.
    let (targets, probs) = changed.row(ac);
    let to_cb = targets.iter().position(|&t| t == cb).unwrap();
    assert!(close(probs[to_cb], 8.0 / 9.0));
    // c > b keeps its repeat b > b as it was.
    assert_eq!(changed.row(cb), chain.row(cb));
    // Period: 5 journeys; a > c -> c > b 8/9, then c > b converts 1 of 4 (via b > b, 1 of 2).
    let period = model.evaluate(&[20.0]).unwrap();
    let p_cb = {
        let [h, _] = crate::solve::absorption_by_state(&chain, None).unwrap();
        h[cb as usize]
    };
    assert!(close(period.conversions, 5.0 * 8.0 / 9.0 * p_cb));
}

#[test]
fn a_row_left_with_nothing_ends_in_null() {
    // a always goes on to b: without b's visits its journeys end.
    let rows: &[(&[&str], f64, f64, f64)] = &[(&["a", "b"], 1.0, 0.0, 1.0)];
    let chain = chain(rows);
    let plan = plan(&[("b", spec(10.0, Some(Buys::Visits), None))]);
    let model = PeriodModel::new(&plan, &[(1.0, &chain)], Volume::Observed(2.0)).unwrap();
    let period = model.evaluate(&[0.0]).unwrap();
    assert_eq!((period.journeys, period.conversions), (2.0, 0.0));
    assert_eq!(period.cac, None);
    // Any positive spend renormalises a's row back to the same: unchanged.
    assert!(close(model.evaluate(&[1.0]).unwrap().conversions, 1.0));
}

#[test]
fn the_gradient_is_exact() {
    let rows: &[(&[&str], f64, f64, f64)] = &[
        (&["a", "b", "c"], 3.0, 90.0, 4.0),
        (&["b", "a"], 2.0, 20.0, 5.0),
        (&["c", "b"], 1.0, 40.0, 6.0),
        (&["a", "c", "a"], 1.5, 10.0, 2.0),
        (&["c"], 0.5, 5.0, 7.0),
    ];
    let chain = chain(rows);
    let plan = plan(&[
        (
            "a",
            spec(
                100.0,
                Some(Buys::Entries),
                Some(Response::Power { elasticity: 0.7 }),
            ),
        ),
        (
            "b",
            spec(
                60.0,
                Some(Buys::Visits),
                Some(Response::Hill {
                    half_saturation: 1.5,
                    shape: 1.3,
                }),
            ),
        ),
        ("c", spec(40.0, Some(Buys::Visits), None)),
    ]);
    let model = PeriodModel::new(&plan, &[(1.0, &chain)], Volume::Observed(31.0)).unwrap();
    for spends in [[100.0, 60.0, 40.0], [150.0, 20.0, 90.0]] {
        let (_, gradient) = model.evaluate_with_gradient(&spends).unwrap();
        for c in 0..3 {
            let h = 1e-4 * spends[c];
            let at = |d: f64| {
                let mut s = spends;
                s[c] += d;
                model.evaluate(&s).unwrap()
            };
            let (up, down) = (at(h), at(-h));
            let numeric = [
                (up.conversions - down.conversions) / (2.0 * h),
                (up.value - down.value) / (2.0 * h),
            ];
            for k in 0..2 {
                let scale = gradient.iter().fold(0.0_f64, |m, g| m.max(g[k].abs()));
                assert!(
                    (numeric[k] - gradient[c][k]).abs() <= 1e-6 * scale,
                    "channel {c} [{k}]: {} vs {}",
                    numeric[k],
                    gradient[c][k]
                );
            }
        }
    }
}

/// Brute-force maximum over the budget simplex of two free channels (the third takes the
/// rest): a grid, then a finer grid around its best cell, twice.
fn grid_maximum(model: &PeriodModel<'_>, objective: Objective, total: f64, max: [f64; 3]) -> f64 {
    let feasible = |x: f64, y: f64| {
        let z = total - x - y;
        (0.0..=max[0]).contains(&x) && (0.0..=max[1]).contains(&y) && (0.0..=max[2]).contains(&z)
    };
    let (mut cx, mut cy, mut half) = (total / 2.0, total / 2.0, total / 2.0);
    let mut best = f64::NEG_INFINITY;
    for _ in 0..4 {
        let steps = 120;
        let (mut bx, mut by) = (cx, cy);
        for i in 0..=steps {
            for j in 0..=steps {
                let x = cx - half + 2.0 * half * i as f64 / steps as f64;
                let y = cy - half + 2.0 * half * j as f64 / steps as f64;
                if !feasible(x, y) {
                    continue;
                }
                let f = objective.of(&model.evaluate(&[x, y, total - x - y]).unwrap());
                if f > best {
                    (best, bx, by) = (f, x, y);
                }
            }
        }
        (cx, cy, half) = (bx, by, 4.0 * half / steps as f64);
    }
    best
}

#[test]
fn the_optimiser_matches_a_brute_force_grid_and_equalises_marginal_returns() {
    let rows: &[(&[&str], f64, f64, f64)] = &[
        (&["a", "b"], 3.0, 90.0, 4.0),
        (&["b", "c"], 2.0, 20.0, 5.0),
        (&["c", "b"], 1.0, 40.0, 6.0),
        (&["a", "c"], 1.5, 10.0, 2.0),
        (&["c"], 0.5, 5.0, 7.0),
    ];
    let chain = chain(rows);
    let plan = plan(&[
        (
            "a",
            spec(
                100.0,
                Some(Buys::Entries),
                Some(Response::Power { elasticity: 0.6 }),
            ),
        ),
        (
            "b",
            spec(
                60.0,
                Some(Buys::Visits),
                Some(Response::Hill {
                    half_saturation: 1.0,
                    shape: 1.0,
                }),
            ),
        ),
        (
            "c",
            spec(
                40.0,
                Some(Buys::Entries),
                Some(Response::Power { elasticity: 0.4 }),
            ),
        ),
    ]);
    let model = PeriodModel::new(&plan, &[(1.0, &chain)], Volume::Observed(38.0)).unwrap();
    for objective in [Objective::Conversions, Objective::Value] {
        let options = OptimizeOptions {
            objective,
            total: None,
            target: None,
        };
        let optimum = optimize(&model, options).unwrap();
        assert!(close(optimum.spends.iter().sum::<f64>(), 200.0));
        let found = objective.of(&optimum.period);
        let grid = grid_maximum(&model, objective, 200.0, [300.0, 180.0, 120.0]);
        assert!(
            (found - grid).abs() <= 1e-6 * grid.abs(),
            "{objective:?}: optimiser {found}, grid {grid}"
        );
        assert!(found >= grid * (1.0 - 1e-9), "the grid beats the optimiser");
        // Equal marginal returns for the channels inside their bounds.
        let slope = |g: [f64; 2]| match objective {
            Objective::Conversions => g[0],
            _ => g[1],
        };
        let inside: Vec<f64> = (0..3)
            .filter(|&c| {
                optimum.spends[c] > 1e-6 && optimum.spends[c] < plan.channels[c].max - 1e-6
            })
            .map(|c| slope(optimum.gradient[c]))
            .collect();
        assert!(inside.len() >= 2, "{:?}", optimum.spends);
        for g in &inside {
            assert!(
                (g - inside[0]).abs() <= 1e-6 * inside[0].abs(),
                "{inside:?}"
            );
        }
        assert!(optimum.marginal_spread <= 1e-6);
    }
}

#[test]
fn profit_spends_at_most_the_budget_where_a_euro_returns_a_euro() {
    let chain = chain(ENTRY_ROWS);
    // a's journeys are worth 4 per journey; power 0.5: value(x) = 40 sqrt(x / 100) + 50,
    // marginal value 20 / sqrt(100 x) = 1 at x = 4. Budget 100 is not binding.
    let plan = plan(&[(
        "a",
        spec(
            100.0,
            Some(Buys::Entries),
            Some(Response::Power { elasticity: 0.5 }),
        ),
    )]);
    let model = PeriodModel::new(&plan, &[(1.0, &chain)], Volume::Observed(20.0)).unwrap();
    let optimum = optimize(
        &model,
        OptimizeOptions {
            objective: Objective::Profit,
            total: None,
            target: None,
        },
    )
    .unwrap();
    assert!(
        (optimum.spends[0] - 4.0).abs() < 1e-6,
        "{:?}",
        optimum.spends
    );
}

#[test]
fn a_target_cpa_finds_the_largest_budget_that_keeps_it() {
    let chain = chain(ENTRY_ROWS);
    // Conversions 0.4 sqrt(x) + 1; CAC = (x + 30) / conversions falls, then rises (the fixed
    // 30 is shared by more conversions first). Target 25: x + 30 = 25 (0.4 sqrt(x) + 1).
    let plan = plan(&[
        (
            "a",
            spec(
                100.0,
                Some(Buys::Entries),
                Some(Response::Power { elasticity: 0.5 }),
            ),
        ),
        ("b", spec(30.0, None, None)),
    ]);
    let model = PeriodModel::new(&plan, &[(1.0, &chain)], Volume::Observed(20.0)).unwrap();
    let optimum = optimize(
        &model,
        OptimizeOptions {
            objective: Objective::Conversions,
            total: None,
            target: Some(Target::Cpa(25.0)),
        },
    )
    .unwrap();
    // x - 10 sqrt(x) + 5 = 0: sqrt(x) = 5 + sqrt(20), the larger root.
    let root = 5.0 + 20.0_f64.sqrt();
    assert!(
        (optimum.spends[0] - root * root).abs() < 1e-6,
        "{:?}",
        optimum.spends
    );
    assert!((optimum.period.cac.unwrap() - 25.0).abs() < 1e-9);
}

#[test]
fn plan_channels_the_model_lacks_and_missing_journeys_are_errors() {
    let chain = chain(ENTRY_ROWS);
    let typo = plan(&[("aa", spec(1.0, None, None))]);
    let e = PeriodModel::new(&typo, &[(1.0, &chain)], Volume::Observed(1.0))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("'aa' is not a channel of the model; did you mean 'a'?"),
        "{e}"
    );
    assert!(e.ends_with("its channels: a, b"), "{e}");
    let fine = plan(&[("a", spec(1.0, None, None))]);
    let e = PeriodModel::new(&fine, &[(1.0, &chain)], Volume::Unknown)
        .unwrap_err()
        .to_string();
    assert!(e.contains("no \"journeys\""), "{e}");
}
