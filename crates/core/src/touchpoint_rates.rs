//! Each touchpoint's exact rates in a chain (or a population of chains with shares): how many
//! journeys start at it, how often it is visited, and what share of its visits end in a
//! conversion or a drop-out straight from it. These are the figures a what-if change to the
//! touchpoint acts on (`set_entry`, `scale_conversion`, `scale_dropout`), so a panel can show
//! where a change can have an effect before it is tried.
//!
//! A touchpoint stands for every state whose last touch it is (its first touch for the entry
//! share), as in scenario changes. Rates are weighted by expected visits: at order 1 they are
//! the touchpoint's transition probabilities.
//!
//! ```
//! use journeysim_core::journey::MemoryPaths;
//! use journeysim_core::model::{FitOptions, fit_paths};
//! use journeysim_core::touchpoint_rates::touchpoint_rates;
//!
//! // Journeys a > b (3 convert of 4) and a alone (no conversion, 4 of them).
//! let rows = [(&["a", "b"][..], 3.0, 0.0, 1.0), (&["a"][..], 0.0, 0.0, 4.0)];
//! let chain = fit_paths(MemoryPaths::new("example", &rows), FitOptions::order(1), |_| {})?.chain;
//! let rates = touchpoint_rates(&[(1.0, &chain)])?;
//! let a = rates.iter().find(|r| r.touchpoint == "a").unwrap();
//! let close = |x: f64, y: f64| (x - y).abs() < 1e-12;
//! assert!(close(a.entry_share, 1.0) && close(a.conversion, 0.0) && close(a.dropout, 0.5));
//! let b = rates.iter().find(|r| r.touchpoint == "b").unwrap();
//! assert!(close(b.expected_visits, 0.5) && close(b.conversion, 0.75) && close(b.dropout, 0.25));
//! # Ok::<(), journeysim_core::Error>(())
//! ```

use serde::Serialize;

use crate::error::Result;
use crate::model::{Chain, StateId};
use crate::solve::expected_visits;

/// One touchpoint's rates.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TouchpointRates {
    /// The touchpoint.
    pub touchpoint: String,
    /// Share of journeys whose first touch it is.
    pub entry_share: f64,
    /// Expected visits per journey.
    pub expected_visits: f64,
    /// Share of its visits followed straight by a conversion.
    pub conversion: f64,
    /// Share of its visits followed straight by a drop-out (the journey ends unconverted).
    pub dropout: f64,
}

/// Every touchpoint's rates, sorted by name, in a population of chains with shares.
pub fn touchpoint_rates(components: &[(f64, &Chain)]) -> Result<Vec<TouchpointRates>> {
    let total: f64 = components.iter().map(|c| c.0).sum();
    let mut names: Vec<&str> = components
        .iter()
        .flat_map(|(_, chain)| chain.channels().names().iter().map(String::as_str))
        .collect();
    names.sort_unstable();
    names.dedup();
    // Per touchpoint: entry share, visits, visits converting, visits dropping out.
    let mut sums = vec![[0.0f64; 4]; names.len()];
    for &(share, chain) in components {
        let weight = if total > 0.0 { share / total } else { 0.0 };
        let index: Vec<usize> = chain
            .channels()
            .names()
            .iter()
            .map(|n| names.binary_search(&n.as_str()).unwrap_or(usize::MAX))
            .collect();
        let of = |touch: Option<&crate::journey::ChannelId>| {
            touch
                .map(|&c| index[c as usize])
                .filter(|&i| i != usize::MAX)
        };
        for &(s, p) in chain.entry() {
            if let Some(i) = of(chain.states()[s as usize].first()) {
                sums[i][0] += weight * p;
            }
        }
        let visits = expected_visits(chain)?;
        for (s, &v) in visits.iter().enumerate() {
            let Some(i) = of(chain.states()[s].last()) else {
                continue;
            };
            let (targets, probs) = chain.row(s as StateId);
            let to = |end: u32| -> f64 {
                targets
                    .iter()
                    .zip(probs)
                    .filter(|&(&t, _)| t == end)
                    .map(|(_, &p)| p)
                    .sum()
            };
            sums[i][1] += weight * v;
            sums[i][2] += weight * v * to(chain.conversion());
            sums[i][3] += weight * v * to(chain.null());
        }
    }
    Ok(names
        .into_iter()
        .zip(sums)
        .map(|(name, [entry, visits, conversions, dropouts])| {
            let rate = |x: f64| if visits > 0.0 { x / visits } else { 0.0 };
            TouchpointRates {
                touchpoint: name.to_owned(),
                entry_share: entry,
                expected_visits: visits,
                conversion: rate(conversions),
                dropout: rate(dropouts),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::touchpoint_rates;
    use crate::journey::MemoryPaths;
    use crate::model::{FitOptions, fit_paths};

    #[test]
    fn order_two_rates_are_visit_weighted_over_the_states_ending_at_the_touchpoint() {
        // Order 2: c is reached as "a > c" (2 journeys, both convert) and "b > c" (2 journeys,
        // none converts). Each of c's states is visited 0.5 times per journey: c converts
        // half its visits and drops out the other half.
        let rows = [
            (&["a", "c"][..], 2.0, 0.0, 0.0),
            (&["b", "c"][..], 0.0, 0.0, 2.0),
        ];
        let chain = fit_paths(MemoryPaths::new("t", &rows), FitOptions::order(2), |_| {})
            .unwrap()
            .chain;
        let rates = touchpoint_rates(&[(1.0, &chain)]).unwrap();
        let c = rates.iter().find(|r| r.touchpoint == "c").unwrap();
        assert!((c.expected_visits - 1.0).abs() < 1e-12);
        assert!((c.conversion - 0.5).abs() < 1e-12);
        assert!((c.dropout - 0.5).abs() < 1e-12);
        assert_eq!(c.entry_share, 0.0);
        let a = rates.iter().find(|r| r.touchpoint == "a").unwrap();
        assert!((a.entry_share - 0.5).abs() < 1e-12);
        assert_eq!((a.conversion, a.dropout), (0.0, 0.0));
    }

    #[test]
    fn a_population_mixes_by_share() {
        let one = [(&["a"][..], 1.0, 0.0, 0.0)];
        let other = [(&["a"][..], 0.0, 0.0, 1.0), (&["b"][..], 0.0, 0.0, 1.0)];
        let fit = |rows: &[(&[&str], f64, f64, f64)]| {
            fit_paths(MemoryPaths::new("t", rows), FitOptions::order(1), |_| {})
                .unwrap()
                .chain
        };
        let (x, y) = (fit(&one), fit(&other));
        // 3/4 of journeys from x (a converts always), 1/4 from y (a, b half each, never
        // convert): a is visited 3/4 + 1/8 times, converting 3/4 of those journeys.
        let rates = touchpoint_rates(&[(3.0, &x), (1.0, &y)]).unwrap();
        let a = &rates[0];
        assert_eq!(a.touchpoint, "a");
        assert!((a.entry_share - 0.875).abs() < 1e-12);
        assert!((a.conversion - 0.75 / 0.875).abs() < 1e-12);
        assert!((a.dropout - 0.125 / 0.875).abs() < 1e-12);
        assert!((rates[1].entry_share - 0.125).abs() < 1e-12);
    }
}
