//! The journey map's traffic: the expected flows of journeys between touchpoints, into
//! (conversion) and into drop-out, computed exactly from a chain (or a mixture of chains, a
//! journey map's personas). What a Sankey-style journey map draws.
//!
//! With `v = p0 (I - Q)^-1` the expected visits of each state per journey ([`expected_visits`])
//! and `P(s, t)` the chain's transition probabilities, the expected number of moves from state
//! `s` to `t` per journey is `v(s) P(s, t)`. States are windows of touches at order k; each is
//! aggregated to the touchpoint of its **last touch** (where the journey is), so a touchpoint's
//! figures do not depend on the order:
//!
//! - [`TouchpointFlow::entries`]: the share of journeys whose first touch it is (`p0`);
//! - [`TouchpointFlow::visits`]: expected visits per journey (`sum v(s)` over its states);
//! - [`Link::journeys`]: expected moves to another touchpoint; moves to itself (a repeated
//!   touch kept with `--keep-repeats`, or a map's self-loop) are [`TouchpointFlow::repeats`];
//! - [`TouchpointFlow::conversions`] and [`TouchpointFlow::drop_outs`]: journeys that end there,
//!   converting or not.
//!
//! Every visit ends in exactly one move, so a touchpoint's links out, repeats, conversions and
//! drop-outs add up to its visits, and its entries, links in and repeats add up to them too;
//! entries sum to 1 (one per journey) and conversions plus drop-outs over all touchpoints also
//! sum to 1. All figures are per journey and linear in the chain's population, so a mixture's
//! are its components' weighted by share, and [`JourneyFlows::scaled`] turns them into journeys.
//!
//! [`TouchpointFlow::mean_step`] (the mean position of a touchpoint's visits in their journeys,
//! 1 for a first touch) is what a picture without stages lays its columns out by.
//!
//! ```
//! use journeysim_core::journey_flows::JourneyFlows;
//! use journeysim_core::model::{Chain, ChainParts, Transition};
//! use journeysim_core::ChannelTable;
//!
//! // a -> b half the time; b converts 80% of the time. Targets 2 and 3: conversion, null.
//! let chain = Chain::from_rows(ChainParts {
//!     order: 1,
//!     keep_repeats: false,
//!     channels: ChannelTable::from_names(["a", "b"]),
//!     states: vec![vec![0].into(), vec![1].into()],
//!     entry: vec![Transition::new(0, 1.0)],
//!     rows: vec![
//!         vec![Transition::new(1, 0.5), Transition::new(3, 0.5)],
//!         vec![Transition::new(2, 0.8), Transition::new(3, 0.2)],
//!     ],
//!     value_per_conversion: vec![0.0, 10.0],
//!     value_distribution: Vec::new(),
//! })?;
//! let flows = JourneyFlows::of_chain(&chain)?;
//! assert_eq!(flows.links[0].journeys, 0.5); // a -> b
//! assert_eq!(flows.touchpoints[1].conversions, 0.4);
//! assert_eq!(flows.leaks()[0], 0); // a loses the most: half of all journeys
//! # Ok::<(), journeysim_core::Error>(())
//! ```

use serde::Serialize;

use crate::error::{Error, Result};
use crate::model::Chain;
use crate::solve::expected_visits;

/// One touchpoint's traffic, per journey (see the module docs).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TouchpointFlow {
    /// The touchpoint (channel) name.
    pub touchpoint: String,
    /// Journeys whose first touch it is.
    pub entries: f64,
    /// Expected visits.
    pub visits: f64,
    /// Expected moves from it to itself.
    pub repeats: f64,
    /// Journeys that convert right after it.
    pub conversions: f64,
    /// Journeys that end after it without converting.
    pub drop_outs: f64,
    /// The mean position of its visits in their journeys (1 = a first touch); 0 when it is
    /// never visited.
    pub mean_step: f64,
}

/// Expected moves from one touchpoint to another.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Link {
    /// Index of the touchpoint left, in [`JourneyFlows::touchpoints`].
    pub from: usize,
    /// Index of the touchpoint reached.
    pub to: usize,
    /// Expected moves per journey.
    pub journeys: f64,
}

/// The expected flows of a chain or a population of chains.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JourneyFlows {
    /// Touchpoints, sorted by name.
    pub touchpoints: Vec<TouchpointFlow>,
    /// Moves between different touchpoints, by (from, to); only those with traffic.
    pub links: Vec<Link>,
    /// P(conversion): the sum of the touchpoints' conversions.
    pub conversion_probability: f64,
}

/// The step walk behind [`TouchpointFlow::mean_step`] stops when less than this share of
/// journeys is still walking...
const STEP_MASS: f64 = 1e-9;
/// ... or after this many steps (the mean is a layout hint, not a reported figure).
const MAX_STEPS: usize = 1_000;

impl JourneyFlows {
    /// The flows of one chain.
    pub fn of_chain(chain: &Chain) -> Result<JourneyFlows> {
        Self::mixture(&[(1.0, chain)])
    }

    /// The flows of a population: each chain's weighted by its share (shares are normalised to
    /// sum to 1). Touchpoints are matched by name across the chains.
    pub fn mixture(components: &[(f64, &Chain)]) -> Result<JourneyFlows> {
        let total_share: f64 = components.iter().map(|c| c.0).sum();
        if components.is_empty() || !(total_share.is_finite() && total_share > 0.0) {
            return Err(Error::Invalid(
                "journey flows need at least one chain with a positive share".into(),
            ));
        }
        let mut names: Vec<String> = components
            .iter()
            .flat_map(|(_, c)| c.channels().names().iter().cloned())
            .collect();
        names.sort_unstable();
        names.dedup();
        let n = names.len();
        let index = |name: &str| names.binary_search_by(|x| x.as_str().cmp(name)).ok();
        let mut touchpoints: Vec<TouchpointFlow> = names
            .iter()
            .map(|name| TouchpointFlow {
                touchpoint: name.clone(),
                entries: 0.0,
                visits: 0.0,
                repeats: 0.0,
                conversions: 0.0,
                drop_outs: 0.0,
                mean_step: 0.0,
            })
            .collect();
        let mut links = vec![0.0; n * n];
        // Sums of step x mass and of mass per touchpoint, for the mean step.
        let mut step_sums = vec![(0.0, 0.0); n];
        for &(share, chain) in components {
            let w = share / total_share;
            if w == 0.0 || chain.n_states() == 0 {
                continue;
            }
            // The touchpoint of each state's last touch.
            let node: Vec<usize> = chain
                .states()
                .iter()
                .map(|touches| {
                    let last = touches.last().copied().unwrap_or_default();
                    index(chain.channels().name(last)).unwrap_or_default()
                })
                .collect();
            let visits = expected_visits(chain)?;
            for &(s, p) in chain.entry() {
                touchpoints[node[s as usize]].entries += w * p;
            }
            let (conversion, null) = (chain.conversion(), chain.null());
            for (s, &v) in visits.iter().enumerate() {
                let from = node[s];
                touchpoints[from].visits += w * v;
                let (targets, probs) = chain.row(s as u32);
                for (&t, &p) in targets.iter().zip(probs) {
                    let moves = w * v * p;
                    if t == conversion {
                        touchpoints[from].conversions += moves;
                    } else if t == null {
                        touchpoints[from].drop_outs += moves;
                    } else if node[t as usize] == from {
                        touchpoints[from].repeats += moves;
                    } else {
                        links[from * n + node[t as usize]] += moves;
                    }
                }
            }
            add_steps(chain, &node, w, &mut step_sums);
        }
        for (t, &(weighted, mass)) in touchpoints.iter_mut().zip(&step_sums) {
            t.mean_step = if mass > 0.0 { weighted / mass } else { 0.0 };
        }
        let links = links
            .iter()
            .enumerate()
            .filter(|&(_, &x)| x > 0.0)
            .map(|(i, &journeys)| Link {
                from: i / n,
                to: i % n,
                journeys,
            })
            .collect();
        let conversion_probability = touchpoints.iter().map(|t| t.conversions).sum();
        Ok(JourneyFlows {
            touchpoints,
            links,
            conversion_probability,
        })
    }

    /// Every figure times `journeys` (expected journeys rather than shares of one journey);
    /// the mean steps stay as they are.
    pub fn scaled(&self, journeys: f64) -> JourneyFlows {
        let mut out = self.clone();
        for t in &mut out.touchpoints {
            t.entries *= journeys;
            t.visits *= journeys;
            t.repeats *= journeys;
            t.conversions *= journeys;
            t.drop_outs *= journeys;
        }
        for l in &mut out.links {
            l.journeys *= journeys;
        }
        out.conversion_probability = self.conversion_probability;
        out
    }

    /// The expected moves out of touchpoint `t`: links out, repeats, conversions and drop-outs
    /// (equal to its visits).
    pub fn outflow(&self, t: usize) -> f64 {
        let own = &self.touchpoints[t];
        let links: f64 = self
            .links
            .iter()
            .filter(|l| l.from == t)
            .map(|l| l.journeys)
            .sum();
        links + own.repeats + own.conversions + own.drop_outs
    }

    /// The expected arrivals at touchpoint `t`: entries, links in and repeats (equal to its
    /// visits).
    pub fn inflow(&self, t: usize) -> f64 {
        let own = &self.touchpoints[t];
        let links: f64 = self
            .links
            .iter()
            .filter(|l| l.to == t)
            .map(|l| l.journeys)
            .sum();
        own.entries + links + own.repeats
    }

    /// The touchpoints that lose the most journeys (drop-outs), largest first, ties by name;
    /// touchpoints that lose none are left out.
    pub fn leaks(&self) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.touchpoints.len())
            .filter(|&t| self.touchpoints[t].drop_outs > 0.0)
            .collect();
        order.sort_by(|&a, &b| {
            let (ta, tb) = (&self.touchpoints[a], &self.touchpoints[b]);
            tb.drop_outs
                .total_cmp(&ta.drop_outs)
                .then_with(|| ta.touchpoint.cmp(&tb.touchpoint))
        });
        order
    }
}

/// Adds `w x` (step x mass, mass) of each touchpoint's visits, walking the chain's distribution
/// over states step by step from the entry (step 1) until almost every journey has ended.
fn add_steps(chain: &Chain, node: &[usize], w: f64, sums: &mut [(f64, f64)]) {
    let n = chain.n_states();
    let mut mass = vec![0.0; n];
    for &(s, p) in chain.entry() {
        mass[s as usize] += p;
    }
    for step in 1..=MAX_STEPS {
        let mut next = vec![0.0; n];
        let mut walking = 0.0;
        for (s, &m) in mass.iter().enumerate() {
            if m == 0.0 {
                continue;
            }
            walking += m;
            let sum = &mut sums[node[s]];
            sum.0 += w * m * step as f64;
            sum.1 += w * m;
            let (targets, probs) = chain.row(s as u32);
            for (&t, &p) in targets.iter().zip(probs) {
                if (t as usize) < n {
                    next[t as usize] += m * p;
                }
            }
        }
        if walking < STEP_MASS {
            break;
        }
        mass = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ChannelTable;
    use crate::model::{ChainParts, Transition};

    /// A chain of order 1 over `names` from (target, probability) rows; targets `n` and `n + 1`
    /// are (conversion) and (null).
    fn chain(names: &[&str], entry: &[(u32, f64)], rows: &[&[(u32, f64)]]) -> Chain {
        Chain::from_rows(ChainParts {
            order: 1,
            keep_repeats: true,
            channels: ChannelTable::from_names(names.iter().copied()),
            states: (0..names.len() as u32).map(|c| vec![c].into()).collect(),
            entry: entry.iter().map(|&(s, p)| Transition::new(s, p)).collect(),
            rows: rows
                .iter()
                .map(|r| r.iter().map(|&(t, p)| Transition::new(t, p)).collect())
                .collect(),
            value_per_conversion: vec![0.0; names.len()],
            value_distribution: Vec::new(),
        })
        .unwrap()
    }

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-12, "{a} != {b}");
    }

    /// Every touchpoint's arrivals and departures equal its visits, entries sum to 1 and every
    /// journey ends once.
    fn conserved(flows: &JourneyFlows) {
        for (t, own) in flows.touchpoints.iter().enumerate() {
            close(flows.outflow(t), own.visits);
            close(flows.inflow(t), own.visits);
        }
        close(flows.touchpoints.iter().map(|t| t.entries).sum(), 1.0);
        let ends: f64 = flows
            .touchpoints
            .iter()
            .map(|t| t.conversions + t.drop_outs)
            .sum();
        close(ends, 1.0);
    }

    #[test]
    fn a_straight_chain_by_hand() {
        // a (entry) -> b with 0.5, else drop out; b converts with 0.8, else drops out.
        let c = chain(
            &["a", "b"],
            &[(0, 1.0)],
            &[&[(1, 0.5), (3, 0.5)], &[(2, 0.8), (3, 0.2)]],
        );
        let flows = JourneyFlows::of_chain(&c).unwrap();
        conserved(&flows);
        let [a, b] = &flows.touchpoints[..] else {
            panic!()
        };
        close(a.visits, 1.0);
        close(b.visits, 0.5);
        close(a.drop_outs, 0.5);
        close(b.conversions, 0.4);
        close(b.drop_outs, 0.1);
        assert_eq!(
            flows.links,
            [Link {
                from: 0,
                to: 1,
                journeys: 0.5
            }]
        );
        close(a.mean_step, 1.0);
        close(b.mean_step, 2.0);
        close(flows.conversion_probability, 0.4);
        assert_eq!(flows.leaks(), [0, 1]);
    }

    #[test]
    fn a_cycle_by_hand() {
        // Entry a 0.6, b 0.4; a -> b 0.5, null 0.5; b -> a 0.25, conversion 0.5, null 0.25.
        // v_a = 0.6 + 0.25 v_b, v_b = 0.4 + 0.5 v_a: v_a = v_b = 0.8.
        let c = chain(
            &["a", "b"],
            &[(0, 0.6), (1, 0.4)],
            &[&[(1, 0.5), (3, 0.5)], &[(0, 0.25), (2, 0.5), (3, 0.25)]],
        );
        let flows = JourneyFlows::of_chain(&c).unwrap();
        conserved(&flows);
        close(flows.touchpoints[0].visits, 0.8);
        close(flows.touchpoints[1].visits, 0.8);
        close(flows.links[0].journeys, 0.4); // a -> b
        close(flows.links[1].journeys, 0.2); // b -> a
        close(flows.touchpoints[0].drop_outs, 0.4);
        close(flows.touchpoints[1].drop_outs, 0.2);
        close(flows.conversion_probability, 0.4);
        // a is entered first more often than b, so its visits come earlier on average.
        assert!(flows.touchpoints[0].mean_step < flows.touchpoints[1].mean_step);
    }

    #[test]
    fn repeats_stay_on_their_touchpoint() {
        // a repeats itself half the time: 2 visits, 1 repeat, then it converts.
        let c = chain(&["a"], &[(0, 1.0)], &[&[(0, 0.5), (1, 0.5)]]);
        let flows = JourneyFlows::of_chain(&c).unwrap();
        conserved(&flows);
        close(flows.touchpoints[0].visits, 2.0);
        close(flows.touchpoints[0].repeats, 1.0);
        assert!(flows.links.is_empty());
        // Steps 1, 2, 3... with mass 2^-(k-1): mean 2.
        assert!((flows.touchpoints[0].mean_step - 2.0).abs() < 1e-6);
    }

    #[test]
    fn higher_order_states_count_for_their_last_touch() {
        // Order 2: states a, a>b, b. a -> a>b -> conversion; b -> null.
        let c = Chain::from_rows(ChainParts {
            order: 2,
            keep_repeats: false,
            channels: ChannelTable::from_names(["a", "b"]),
            states: vec![vec![0].into(), vec![0, 1].into(), vec![1].into()],
            entry: vec![Transition::new(0, 0.5), Transition::new(2, 0.5)],
            rows: vec![
                vec![Transition::new(1, 1.0)],
                vec![Transition::new(3, 1.0)],
                vec![Transition::new(4, 1.0)],
            ],
            value_per_conversion: vec![0.0; 3],
            value_distribution: Vec::new(),
        })
        .unwrap();
        let flows = JourneyFlows::of_chain(&c).unwrap();
        conserved(&flows);
        close(flows.touchpoints[1].visits, 1.0); // b: 0.5 entered, 0.5 after a
        close(flows.touchpoints[1].conversions, 0.5);
        close(flows.touchpoints[1].drop_outs, 0.5);
        close(flows.links[0].journeys, 0.5);
    }

    #[test]
    fn a_mixture_weighs_its_components_by_share() {
        let one = chain(&["a", "b"], &[(0, 1.0)], &[&[(1, 1.0)], &[(2, 1.0)]]);
        let two = chain(&["a", "b"], &[(1, 1.0)], &[&[(2, 1.0)], &[(3, 1.0)]]);
        // Shares 3:1, normalised to 0.75 and 0.25.
        let flows = JourneyFlows::mixture(&[(3.0, &one), (1.0, &two)]).unwrap();
        conserved(&flows);
        close(flows.touchpoints[0].entries, 0.75);
        close(flows.touchpoints[1].visits, 1.0);
        close(flows.conversion_probability, 0.75);
        close(flows.touchpoints[1].drop_outs, 0.25);
        let scaled = flows.scaled(1000.0);
        close(scaled.links[0].journeys, 750.0);
        close(scaled.conversion_probability, 0.75);
        assert!(JourneyFlows::mixture(&[]).is_err());
    }
}
