//! An attribution priced: each channel's cost, and its CPA and ROAS under every method
//! reported (definitions in [`crate::cost`]).

use super::{Attribution, AttributionMethod, ChannelAttribution};
use crate::cost::{ChannelCost, Costs, Efficiency, EfficiencyIntervals, cpa, roas};
use crate::error::Result;

/// The conversions and value method `method` credits to `c` (ordered Shapley: summed over
/// positions), `None` when the method was not run.
pub fn credits(c: &ChannelAttribution, method: AttributionMethod) -> Option<(f64, f64)> {
    use AttributionMethod as M;
    let both = |a: Option<f64>, b: Option<f64>| Some((a?, b?));
    match method {
        M::Markov => both(c.markov_conversions, c.markov_value),
        M::FirstTouch => both(c.first_touch, c.first_touch_value),
        M::LastTouch => both(c.last_touch, c.last_touch_value),
        M::Linear => both(c.linear, c.linear_value),
        M::PositionBased => both(c.position_based, c.position_based_value),
        M::TimeDecay => both(c.time_decay, c.time_decay_value),
        M::Shapley => both(c.shapley, c.shapley_value),
        M::ShapleyOrdered => both(
            c.shapley_ordered.as_ref().map(|v| v.iter().sum()),
            c.shapley_ordered_value.as_ref().map(|v| v.iter().sum()),
        ),
    }
}

/// Prices an attribution: every channel's cost, CPA and ROAS under each method reported (with
/// intervals of Markov's when its credits have them), the period's total cost, CAC and ROAS in
/// the model summary, and the note about channels without a cost. Fails when a cost names a
/// channel the data lack.
///
/// The intervals come from the credits' bootstrap intervals: ROAS is the value credit over a
/// fixed cost, so its percentile interval is `markov_value_ci / cost`; CPA falls as the credit
/// rises, so its interval is `cost / markov_conversions_ci` with the ends swapped (an end at
/// zero credit leaves the CPA unbounded: `None`).
pub fn price_attribution(attribution: &mut Attribution, costs: &Costs) -> Result<()> {
    let priced = costs.resolve(attribution.channels.iter().map(|c| c.channel.as_str()))?;
    let methods: Vec<AttributionMethod> = AttributionMethod::ALL
        .into_iter()
        .filter(|m| attribution.model.methods.iter().any(|n| n == m.name()))
        .collect();
    for c in &mut attribution.channels {
        let cost = priced.cost(&c.channel);
        let efficiencies = methods
            .iter()
            .filter_map(|&m| {
                let (conversions, value) = credits(c, m)?;
                Some(Efficiency {
                    method: m.name().to_owned(),
                    cpa: cpa(cost, conversions),
                    roas: roas(cost, value),
                })
            })
            .collect();
        let intervals = match (c.markov_conversions_ci, c.markov_value_ci) {
            (Some([lo, hi]), Some([value_lo, value_hi])) => Some(EfficiencyIntervals {
                cpa: [cpa(cost, hi), cpa(cost, lo)],
                roas: [roas(cost, value_lo), roas(cost, value_hi)],
            }),
            _ => None,
        };
        c.costs = Some(ChannelCost {
            cost,
            methods: efficiencies,
            intervals,
        });
    }
    let m = &mut attribution.model;
    m.costs = Some(priced.summary(m.total_conversions, m.total_value));
    m.cost_input = Some(costs.source().to_owned());
    attribution.warnings.extend(priced.note());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attribution::{AttributionOptions, HeuristicOptions, MethodOptions, attribute};
    use crate::cost::CostEntry;
    use crate::journey::MemoryPaths;
    use crate::model::FitOptions;

    fn costs(entries: &[(&str, f64)]) -> Costs {
        let entries = entries
            .iter()
            .enumerate()
            .map(|(i, (c, x))| CostEntry {
                channel: (*c).into(),
                cost: *x,
                line: i as u64 + 2,
            })
            .collect();
        Costs::new("c.csv", entries, None).unwrap()
    }

    fn close(a: Option<f64>, b: f64) {
        let a = a.expect("a figure");
        assert!((a - b).abs() <= 1e-12 * b.abs().max(1.0), "{a} != {b}");
    }

    #[test]
    fn hand_computed_cpa_and_roas() {
        // a > b converts 3 times (value 30) in 4, c once (value 5) in 4. Markov credits (see the
        // module example): a and b 12/7 conversions each, c 4/7; value removal effects 30/35,
        // 30/35 and 5/35 share the 35 of value: a and b 1050/65 each, c 175/65. Last touch: b 3
        // conversions and 30 of value, c 1 and 5, a nothing.
        let rows = [
            (&["a", "b"][..], 3.0, 30.0, 1.0),
            (&["c"][..], 1.0, 5.0, 3.0),
        ];
        let methods = MethodOptions {
            methods: vec![AttributionMethod::Markov, AttributionMethod::LastTouch],
            intervals: None,
        };
        let mut result = attribute(
            MemoryPaths::new("example", &rows),
            &AttributionOptions {
                fit: FitOptions::order(1),
                heuristics: HeuristicOptions::default(),
            },
            &methods,
            None,
        )
        .unwrap();
        price_attribution(&mut result, &costs(&[("a", 24.0), ("b", 0.0), ("c", 2.0)])).unwrap();
        let channel = |name: &str| {
            let c = result.channels.iter().find(|c| c.channel == name).unwrap();
            c.costs.clone().unwrap()
        };
        let (a, b, c) = (channel("a"), channel("b"), channel("c"));
        assert_eq!(a.cost, Some(24.0));
        close(a.methods[0].cpa, 24.0 / (12.0 / 7.0));
        close(a.methods[0].roas, (1050.0 / 65.0) / 24.0);
        close(c.methods[0].cpa, 2.0 / (4.0 / 7.0));
        close(c.methods[0].roas, (175.0 / 65.0) / 2.0);
        assert_eq!(a.methods[1].method, "last_touch");
        assert_eq!(a.methods[1].cpa, None, "no conversion credited: no price");
        assert_eq!(a.methods[1].roas, Some(0.0));
        // A free channel costs nothing per conversion and has no return on spend.
        assert_eq!(b.methods[0].cpa, Some(0.0));
        assert_eq!(b.methods[0].roas, None);
        assert_eq!(b.methods[1].roas, None);
        close(c.methods[1].cpa, 2.0);
        close(c.methods[1].roas, 2.5);
        let summary = result.model.costs.unwrap();
        assert_eq!(summary.total_cost, 26.0);
        close(summary.cac, 26.0 / 4.0);
        close(summary.roas, 35.0 / 26.0);
        assert!(result.warnings.is_empty(), "{:?}", result.warnings);
    }

    #[test]
    fn intervals_follow_the_credits_intervals() {
        let rows = [
            (&["a", "b"][..], 30.0, 300.0, 10.0),
            (&["c"][..], 10.0, 50.0, 30.0),
            (&["b", "c"][..], 5.0, 40.0, 20.0),
        ];
        let methods = MethodOptions {
            methods: vec![AttributionMethod::Markov],
            intervals: Some(crate::attribution::IntervalOptions {
                resamples: 40,
                level: 0.9,
                seed: 5,
            }),
        };
        let mut result = attribute(
            MemoryPaths::new("example", &rows),
            &AttributionOptions {
                fit: FitOptions::order(1),
                heuristics: HeuristicOptions::default(),
            },
            &methods,
            None,
        )
        .unwrap();
        price_attribution(&mut result, &costs(&[("a", 100.0), ("c", 50.0)])).unwrap();
        for c in &result.channels {
            let costs = c.costs.as_ref().unwrap();
            let ci = costs.intervals.unwrap();
            let [lo, hi] = c.markov_conversions_ci.unwrap();
            let [value_lo, value_hi] = c.markov_value_ci.unwrap();
            match costs.cost {
                Some(cost) => {
                    close(ci.cpa[0], cost / hi);
                    close(ci.cpa[1], cost / lo);
                    close(ci.roas[0], value_lo / cost);
                    close(ci.roas[1], value_hi / cost);
                    let point = costs.methods[0].cpa.unwrap();
                    assert!(ci.cpa[0].unwrap() <= point && point <= ci.cpa[1].unwrap());
                }
                None => assert_eq!(
                    ci,
                    EfficiencyIntervals {
                        cpa: [None; 2],
                        roas: [None; 2]
                    }
                ),
            }
        }
        // b has no cost: one note names it.
        assert_eq!(result.warnings.len(), 1);
        assert!(result.warnings[0].contains("(b)"), "{:?}", result.warnings);
    }
}
