//! The Markov chain of journeys: transient states of order k plus absorbing (conversion) and
//! (null), and a (start) distribution over the first state.
//!
//! A state is a window of up to `order` consecutive touches. Rows are stored in compressed sparse
//! row form ([`Chain::row`]) so that solving and simulating touch only the transitions that exist;
//! in a row, target `n` (the number of transient states) is (conversion) and `n + 1` is (null).
//!
//! Every chain is built by [`Chain::from_rows`] from plain [`ChainParts`] (per-state rows of
//! [`Transition`]s) and checked there, so code that holds a [`Chain`] can rely on it being a
//! proper absorbing chain; its fields are private and read through accessors. [`fit`] builds a
//! chain from observed paths; [`document`] is its plain, versioned form (the model file); the
//! scenario and journey-map modules build theirs the same way.

pub mod document;
pub mod fit;
mod transitions;

use crate::error::{Error, Result, clip};
use crate::journey::{ChannelId, ChannelTable};

pub use fit::{DwellTap, FitOptions, Fitted, Fitter, Next, fit_paths, fit_paths_timed};

/// Index of a transient state.
pub type StateId = u32;

/// One transition of a row given to [`Chain::from_rows`]: its target, its probability and,
/// for a fitted chain, the observed weight behind it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Transition {
    /// Target: a state, or for a state's row also `n` (conversion) or `n + 1` (null), where
    /// `n` is the number of states.
    pub to: u32,
    /// Probability of the transition.
    pub probability: f64,
    /// Observed weight behind it (`None` for hand-written chains).
    pub weight: Option<f64>,
}

impl Transition {
    /// A transition without an observed weight.
    pub fn new(to: u32, probability: f64) -> Self {
        Transition {
            to,
            probability,
            weight: None,
        }
    }
}

/// A chain as plain data, what [`Chain::from_rows`] checks and builds from (and what
/// [`Chain::into_parts`] gives back).
///
/// Weights are provenance: they are kept only when every transition of the rows (and,
/// separately, every entry transition) has one, as a model file with some weights missing
/// describes no observation.
#[derive(Debug, Clone, PartialEq)]
pub struct ChainParts {
    /// Model order k: states are windows of up to k touches.
    pub order: usize,
    /// Whether consecutive identical states were kept as self-loops when fitting.
    pub keep_repeats: bool,
    /// The channels the states are made of.
    pub channels: ChannelTable,
    /// Touches of each transient state, indexed by [`StateId`]; each has at least one.
    pub states: Vec<Box<[ChannelId]>>,
    /// (start) -> state transitions.
    pub entry: Vec<Transition>,
    /// Each state's row, in the order it is stored and walked.
    pub rows: Vec<Vec<Transition>>,
    /// Mean value per conversion of journeys whose last state is this one, one per state.
    pub value_per_conversion: Vec<f64>,
    /// Empirical (value, weight) pairs per state, or empty for "use the mean" everywhere.
    pub value_distribution: Vec<Vec<(f64, f64)>>,
}

impl ChainParts {
    /// States reachable from (start) from which no absorbing state can be reached: what
    /// [`Chain::from_rows`] rejects last. Lets a reader name such a state in its own terms
    /// before building. Targets out of range are ignored here (`from_rows` rejects them first).
    pub fn unabsorbable_states(&self) -> Vec<StateId> {
        let n = self.states.len();
        let entry = self
            .entry
            .iter()
            .filter(|t| (t.to as usize) < n)
            .map(|t| (t.to, t.probability));
        unabsorbable_states(n, entry, |s| {
            self.rows
                .get(s as usize)
                .into_iter()
                .flatten()
                .filter(|t| (t.to as usize) < n + 2)
                .map(|t| (t.to, t.probability))
        })
    }
}

/// A fitted or hand-written absorbing Markov chain over journey states.
///
/// Built only by [`Chain::from_rows`], which checks it, so every chain is a proper absorbing
/// chain; its fields are read through accessors.
#[derive(Debug, Clone, PartialEq)]
pub struct Chain {
    order: usize,
    keep_repeats: bool,
    channels: ChannelTable,
    /// Touches of each transient state, indexed by [`StateId`].
    states: Vec<Box<[ChannelId]>>,
    /// (start) -> state probabilities.
    entry: Vec<(StateId, f64)>,
    /// Observed weight behind each entry probability (empty for hand-written chains).
    entry_weights: Vec<f64>,
    /// Offsets of each state's row in `targets`/`probs` (length `n + 1`).
    row_ptr: Vec<usize>,
    /// Transition targets; `n` is (conversion), `n + 1` is (null).
    targets: Vec<u32>,
    /// Transition probabilities, parallel to `targets`.
    probs: Vec<f64>,
    /// Observed weight behind each transition (empty for hand-written chains).
    weights: Vec<f64>,
    value_per_conversion: Vec<f64>,
    value_distribution: Vec<Vec<(f64, f64)>>,
}

/// How far a row's probabilities may be from [0, 1] and their sum from 1.
const TOLERANCE: f64 = 1e-9;

impl Chain {
    /// Builds a chain from plain data and checks it: lengths agree (one row, value and, if
    /// any, value distribution per state), every state has at least one touch of a known
    /// channel, entry targets are states and row targets states, (conversion) or (null);
    /// probabilities are in [0, 1] and every row and the entry sum to 1 within 1e-9 (they are
    /// stored as given, not renormalised); every state the start can reach can end.
    ///
    /// ```
    /// use journeysim_core::model::{Chain, ChainParts, Transition};
    /// use journeysim_core::{ChannelTable, solve};
    ///
    /// // Two states, a and b; targets 2 and 3 are (conversion) and (null).
    /// let chain = Chain::from_rows(ChainParts {
    ///     order: 1,
    ///     keep_repeats: false,
    ///     channels: ChannelTable::from_names(["a", "b"]),
    ///     states: vec![vec![0].into(), vec![1].into()],
    ///     entry: vec![Transition::new(0, 1.0)],
    ///     rows: vec![
    ///         vec![Transition::new(1, 0.5), Transition::new(3, 0.5)],
    ///         vec![Transition::new(2, 0.8), Transition::new(3, 0.2)],
    ///     ],
    ///     value_per_conversion: vec![0.0, 10.0],
    ///     value_distribution: Vec::new(),
    /// })?;
    /// // A journey converts through a then b: 0.5 * 0.8.
    /// let exact = solve::absorb(&chain, None)?;
    /// assert!((exact.conversion_probability - 0.4).abs() < 1e-12);
    /// assert!((exact.value_per_journey - 4.0).abs() < 1e-12);
    ///
    /// // A row that does not sum to 1 is refused.
    /// let mut parts = chain.into_parts();
    /// parts.rows[1][0].probability = 0.7;
    /// assert!(Chain::from_rows(parts).is_err());
    /// # Ok::<(), journeysim_core::Error>(())
    /// ```
    pub fn from_rows(parts: ChainParts) -> Result<Chain> {
        let ChainParts {
            order,
            keep_repeats,
            channels,
            states,
            entry,
            rows,
            value_per_conversion,
            value_distribution,
        } = parts;
        let n = states.len();
        if rows.len() != n {
            return Err(Error::Invalid(format!(
                "the model has {n} states but {} rows",
                rows.len()
            )));
        }
        if value_per_conversion.len() != n {
            return Err(Error::Invalid(format!(
                "the model has {n} states but {} values per conversion",
                value_per_conversion.len()
            )));
        }
        if !value_distribution.is_empty() && value_distribution.len() != n {
            return Err(Error::Invalid(format!(
                "the model has {n} states but {} value distributions",
                value_distribution.len()
            )));
        }
        for (s, touches) in states.iter().enumerate() {
            if touches.is_empty() {
                return Err(Error::Invalid(format!("model state {s} has no channels")));
            }
            if let Some(c) = touches.iter().find(|&&c| c as usize >= channels.len()) {
                return Err(Error::Invalid(format!(
                    "model state {s} names channel {c}, which does not exist"
                )));
            }
        }
        if let Some(t) = entry.iter().find(|t| t.to as usize >= n) {
            return Err(Error::Invalid(format!(
                "(start) goes to state {}, which does not exist",
                t.to
            )));
        }
        let transitions: usize = rows.iter().map(Vec::len).sum();
        let mut row_ptr = Vec::with_capacity(n + 1);
        let mut targets = Vec::with_capacity(transitions);
        let mut probs = Vec::with_capacity(transitions);
        let mut weights = Vec::with_capacity(transitions);
        row_ptr.push(0);
        for row in &rows {
            for t in row {
                if t.to as usize > n + 1 {
                    return Err(Error::Invalid(format!(
                        "a transition goes to state {}, which does not exist",
                        t.to
                    )));
                }
                targets.push(t.to);
                probs.push(t.probability);
                weights.extend(t.weight);
            }
            row_ptr.push(targets.len());
        }
        if weights.len() != targets.len() {
            weights = Vec::new();
        }
        let mut entry_weights: Vec<f64> = entry.iter().filter_map(|t| t.weight).collect();
        if entry_weights.len() != entry.len() {
            entry_weights.clear();
        }
        let chain = Chain {
            order,
            keep_repeats,
            channels,
            states,
            entry: entry.iter().map(|t| (t.to, t.probability)).collect(),
            entry_weights,
            row_ptr,
            targets,
            probs,
            weights,
            value_per_conversion,
            value_distribution,
        };
        chain.check()?;
        Ok(chain)
    }

    /// The chain of no journeys: no states and no entry, for `channels`. [`Chain::from_rows`]
    /// refuses it (its entry cannot sum to 1), but fitting data in which no journey was
    /// observed gives it, so that attribution of such data reports zeros instead of failing.
    pub fn empty(order: usize, keep_repeats: bool, channels: ChannelTable) -> Chain {
        Chain {
            order,
            keep_repeats,
            channels,
            states: Vec::new(),
            entry: Vec::new(),
            entry_weights: Vec::new(),
            row_ptr: vec![0],
            targets: Vec::new(),
            probs: Vec::new(),
            weights: Vec::new(),
            value_per_conversion: Vec::new(),
            value_distribution: Vec::new(),
        }
    }

    /// The chain as plain data, to change and build again with [`Chain::from_rows`].
    pub fn into_parts(self) -> ChainParts {
        let n = self.states.len();
        let transition = |to: u32, probability: f64, weight: Option<&f64>| Transition {
            to,
            probability,
            weight: weight.copied(),
        };
        let entry = self
            .entry
            .iter()
            .enumerate()
            .map(|(i, &(s, p))| transition(s, p, self.entry_weights.get(i)))
            .collect();
        let rows = (0..n)
            .map(|s| {
                (self.row_ptr[s]..self.row_ptr[s + 1])
                    .map(|i| transition(self.targets[i], self.probs[i], self.weights.get(i)))
                    .collect()
            })
            .collect();
        ChainParts {
            order: self.order,
            keep_repeats: self.keep_repeats,
            channels: self.channels,
            states: self.states,
            entry,
            rows,
            value_per_conversion: self.value_per_conversion,
            value_distribution: self.value_distribution,
        }
    }

    /// This chain with the same states and transitions but new observed weights: entry and
    /// row probabilities become the weights over their totals (a row whose weights total 0
    /// gets probabilities 0, which [`Chain::check`] then rejects), with new values per
    /// conversion. What a resample of the fitted paths changes, without rebuilding the rows.
    pub(crate) fn reweighted(
        &self,
        entry_weights: Vec<f64>,
        weights: Vec<f64>,
        value_per_conversion: Vec<f64>,
    ) -> Chain {
        assert_eq!(entry_weights.len(), self.entry.len());
        assert_eq!(weights.len(), self.targets.len());
        assert_eq!(value_per_conversion.len(), self.n_states());
        let entry_total: f64 = entry_weights.iter().sum();
        let entry = self
            .entry
            .iter()
            .zip(&entry_weights)
            .map(|(&(s, _), w)| (s, w / entry_total))
            .collect();
        let mut probs = vec![0.0; weights.len()];
        for range in self.row_ptr.windows(2).map(|w| w[0]..w[1]) {
            let total: f64 = weights[range.clone()].iter().sum();
            for e in range {
                probs[e] = if total > 0.0 { weights[e] / total } else { 0.0 };
            }
        }
        Chain {
            order: self.order,
            keep_repeats: self.keep_repeats,
            channels: self.channels.clone(),
            states: self.states.clone(),
            entry,
            entry_weights,
            row_ptr: self.row_ptr.clone(),
            targets: self.targets.clone(),
            probs,
            weights,
            value_per_conversion,
            value_distribution: self.value_distribution.clone(),
        }
    }

    /// Model order k: states are windows of up to k touches.
    pub fn order(&self) -> usize {
        self.order
    }

    /// Whether consecutive identical states were kept as self-loops when fitting.
    pub fn keep_repeats(&self) -> bool {
        self.keep_repeats
    }

    /// The channels the states are made of.
    pub fn channels(&self) -> &ChannelTable {
        &self.channels
    }

    /// Touches of each transient state, indexed by [`StateId`].
    pub fn states(&self) -> &[Box<[ChannelId]>] {
        &self.states
    }

    /// (start) -> state probabilities, in the order given (a fitted chain's are sorted by state).
    pub fn entry(&self) -> &[(StateId, f64)] {
        &self.entry
    }

    /// Observed weight behind each entry probability (empty for hand-written chains).
    pub fn entry_weights(&self) -> &[f64] {
        &self.entry_weights
    }

    /// Mean value per conversion of journeys whose last state is each state (0 if none
    /// converted).
    pub fn value_per_conversion(&self) -> &[f64] {
        &self.value_per_conversion
    }

    /// Empirical distribution of value per conversion by last state: (value, weight) pairs,
    /// kept only when fitting for simulation. Empty (or empty inner vectors) means "use the
    /// mean".
    pub fn value_distribution(&self) -> &[Vec<(f64, f64)>] {
        &self.value_distribution
    }

    /// Where state `s`'s transitions sit in [`Chain::targets`], [`Chain::probabilities`] and
    /// [`Chain::weights`].
    pub fn row_range(&self, s: StateId) -> std::ops::Range<usize> {
        self.row_ptr[s as usize]..self.row_ptr[s as usize + 1]
    }

    /// Every row's start in the flat transition arrays, then their length (`n + 1` offsets).
    pub fn row_offsets(&self) -> &[usize] {
        &self.row_ptr
    }

    /// All transition targets, row after row.
    pub fn targets(&self) -> &[u32] {
        &self.targets
    }

    /// All transition probabilities, parallel to [`Chain::targets`].
    pub fn probabilities(&self) -> &[f64] {
        &self.probs
    }

    /// Observed weight behind each transition, parallel to [`Chain::targets`] (empty for
    /// hand-written chains).
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    /// Number of transient states.
    pub fn n_states(&self) -> usize {
        self.states.len()
    }

    /// Row target standing for (conversion).
    pub fn conversion(&self) -> u32 {
        self.states.len() as u32
    }

    /// Row target standing for (null).
    pub fn null(&self) -> u32 {
        self.states.len() as u32 + 1
    }

    /// Targets and probabilities of state `s`'s row.
    pub fn row(&self, s: StateId) -> (&[u32], &[f64]) {
        let range = self.row_range(s);
        (&self.targets[range.clone()], &self.probs[range])
    }

    /// Probability that state `s` goes straight to (conversion).
    pub fn conversion_probability_from(&self, s: StateId) -> f64 {
        let (targets, probs) = self.row(s);
        let conversion = self.conversion();
        targets
            .iter()
            .zip(probs)
            .filter(|(t, _)| **t == conversion)
            .map(|(_, p)| p)
            .sum()
    }

    /// The state's name: its channels joined by `" > "`.
    pub fn state_name(&self, s: StateId) -> String {
        self.channels.format_path(&self.states[s as usize])
    }

    /// A mask of the states that contain channel `c` anywhere in their window.
    pub fn states_containing(&self, c: ChannelId) -> Vec<bool> {
        self.states
            .iter()
            .map(|touches| touches.contains(&c))
            .collect()
    }

    /// Checks that the chain is a proper absorbing chain: probabilities in [0, 1], every row and
    /// the entry row summing to 1, and (conversion) or (null) reachable from every state that the
    /// start can reach (otherwise a walk could never end). [`Chain::from_rows`] checks this;
    /// a chain from `Chain::reweighted` may need it again.
    pub fn check(&self) -> Result<()> {
        let n = self.n_states();
        // The row's name is only formatted for the message: checking runs on every chain built.
        let check_row = |name: &dyn Fn() -> String, probs: &[f64]| -> Result<()> {
            if let Some(p) = probs.iter().find(|p| !(0.0..=1.0 + TOLERANCE).contains(*p)) {
                return Err(Error::Invalid(format!(
                    "model row {}: probability {p} is outside [0, 1]",
                    clip(&name())
                )));
            }
            let sum: f64 = probs.iter().sum();
            if (sum - 1.0).abs() > TOLERANCE {
                return Err(Error::Invalid(format!(
                    "model row {}: probabilities sum to {sum}, not 1",
                    clip(&name())
                )));
            }
            Ok(())
        };
        let entry_probs: Vec<f64> = self.entry.iter().map(|e| e.1).collect();
        check_row(&|| "(start)".to_string(), &entry_probs)?;
        for s in 0..n as StateId {
            check_row(&|| self.state_name(s), self.row(s).1)?;
        }
        self.check_values()?;
        if let Some(s) = self.unabsorbable_states().first() {
            return Err(Error::Invalid(format!(
                "model state '{}' can never reach (conversion) or (null): journeys through it \
                 would never end",
                clip(&self.state_name(*s))
            )));
        }
        Ok(())
    }

    /// Every value per conversion is finite, and every value distribution has finite values and
    /// finite weights >= 0 whose sums (of weights, and of value x weight) stay finite: the
    /// simulation draws from it and averages it, which an overflow would turn into NaN.
    fn check_values(&self) -> Result<()> {
        let bad = |s: usize, what: String| {
            Err(Error::Invalid(format!(
                "model state '{}': {what}",
                clip(&self.state_name(s as StateId))
            )))
        };
        for (s, &v) in self.value_per_conversion.iter().enumerate() {
            if !v.is_finite() {
                return bad(s, format!("value_per_conversion is {v}; it must be finite"));
            }
        }
        for (s, distribution) in self.value_distribution.iter().enumerate() {
            let (mut weights, mut total) = (0.0_f64, 0.0_f64);
            for &(v, w) in distribution {
                if !v.is_finite() {
                    return bad(
                        s,
                        format!("value_distribution has value {v}; values must be finite"),
                    );
                }
                if !(w.is_finite() && w >= 0.0) {
                    return bad(
                        s,
                        format!(
                            "value_distribution has weight {w}; weights must be finite and >= 0"
                        ),
                    );
                }
                weights += w;
                total += v.abs() * w;
            }
            if !(weights.is_finite() && total.is_finite()) {
                return bad(
                    s,
                    format!(
                        "value_distribution adds up past {:e}, the largest number that can be \
                         added up; scale the values or weights down",
                        f64::MAX
                    ),
                );
            }
        }
        Ok(())
    }

    /// States reachable from (start) from which no absorbing state can be reached.
    fn unabsorbable_states(&self) -> Vec<StateId> {
        unabsorbable_states(self.n_states(), self.entry.iter().copied(), |s| {
            self.row_pairs(s)
        })
    }

    /// States reachable from (start), in breadth-first order.
    pub fn reachable_from_start(&self) -> Vec<StateId> {
        reachable_from_start(self.n_states(), self.entry.iter().copied(), |s| {
            self.row_pairs(s)
        })
    }

    fn row_pairs(&self, s: StateId) -> impl Iterator<Item = (u32, f64)> + '_ {
        let (targets, probs) = self.row(s);
        targets.iter().copied().zip(probs.iter().copied())
    }
}

/// States reachable from (start) (given by `entry`, all below `n`) from which no absorbing
/// state can be reached, with `row(s)` giving state `s`'s (target, probability) pairs.
fn unabsorbable_states<I: Iterator<Item = (u32, f64)>>(
    n: usize,
    entry: impl Iterator<Item = (StateId, f64)>,
    row: impl Fn(StateId) -> I,
) -> Vec<StateId> {
    // Reverse reachability from the absorbing states.
    let mut predecessors: Vec<Vec<StateId>> = vec![Vec::new(); n];
    let mut absorbs = vec![false; n];
    let mut stack = Vec::new();
    for (s, absorbs_s) in absorbs.iter_mut().enumerate() {
        for (t, p) in row(s as StateId) {
            if p <= 0.0 {
                continue;
            }
            if (t as usize) < n {
                predecessors[t as usize].push(s as StateId);
            } else if !*absorbs_s {
                *absorbs_s = true;
                stack.push(s as StateId);
            }
        }
    }
    while let Some(s) = stack.pop() {
        for &p in &predecessors[s as usize] {
            if !absorbs[p as usize] {
                absorbs[p as usize] = true;
                stack.push(p);
            }
        }
    }
    reachable_from_start(n, entry, row)
        .into_iter()
        .filter(|&s| !absorbs[s as usize])
        .collect()
}

/// States reachable from (start), in breadth-first order (see [`unabsorbable_states`]).
fn reachable_from_start<I: Iterator<Item = (u32, f64)>>(
    n: usize,
    entry: impl Iterator<Item = (StateId, f64)>,
    row: impl Fn(StateId) -> I,
) -> Vec<StateId> {
    let mut seen = vec![false; n];
    let mut order: Vec<StateId> = Vec::new();
    for (s, p) in entry {
        if p > 0.0 && !seen[s as usize] {
            seen[s as usize] = true;
            order.push(s);
        }
    }
    let mut head = 0;
    while head < order.len() {
        let s = order[head];
        head += 1;
        for (t, p) in row(s) {
            if p > 0.0 && (t as usize) < n && !seen[t as usize] {
                seen[t as usize] = true;
                order.push(t);
            }
        }
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    /// a -> b 0.5 | (null) 0.5; b -> (conversion) 0.8 | (null) 0.2; entered at a.
    fn parts() -> ChainParts {
        ChainParts {
            order: 1,
            keep_repeats: false,
            channels: ChannelTable::from_names(["a", "b"]),
            states: vec![vec![0].into(), vec![1].into()],
            entry: vec![Transition::new(0, 1.0)],
            rows: vec![
                vec![Transition::new(1, 0.5), Transition::new(3, 0.5)],
                vec![Transition::new(2, 0.8), Transition::new(3, 0.2)],
            ],
            value_per_conversion: vec![0.0, 10.0],
            value_distribution: Vec::new(),
        }
    }

    fn error(change: impl FnOnce(&mut ChainParts)) -> String {
        let mut parts = parts();
        change(&mut parts);
        Chain::from_rows(parts).unwrap_err().to_string()
    }

    /// Values feed every expected value and simulated sum: an infinite value per conversion
    /// (a value total divided by few conversions) or a value distribution with a negative or
    /// infinite weight is refused, naming the state.
    #[test]
    fn values_must_be_finite_and_weights_non_negative() {
        let e = error(|p| p.value_per_conversion[1] = f64::INFINITY);
        assert!(
            e.contains("model state 'b': value_per_conversion is inf"),
            "{e}"
        );
        for (x, w) in [(5.0, -1.0), (5.0, f64::INFINITY), (f64::NAN, 1.0)] {
            let e = error(|p| p.value_distribution = vec![vec![], vec![(10.0, 1.0), (x, w)]]);
            assert!(
                e.contains("model state 'b': value_distribution has "),
                "{e}"
            );
        }
        let mut fine = parts();
        fine.value_distribution = vec![vec![], vec![(10.0, 1.0), (0.0, 0.0)]];
        assert!(Chain::from_rows(fine).is_ok());
    }

    #[test]
    fn rows_are_stored_as_given_and_taken_apart_again() {
        let chain = Chain::from_rows(parts()).unwrap();
        assert_eq!(chain.row(0), (&[1, 3][..], &[0.5, 0.5][..]));
        assert_eq!(chain.row(1), (&[2, 3][..], &[0.8, 0.2][..]));
        assert_eq!(chain.row_range(1), 2..4);
        assert!(chain.weights().is_empty() && chain.entry_weights().is_empty());
        assert_eq!(chain.clone().into_parts(), parts());
    }

    #[test]
    fn weights_are_kept_only_when_every_transition_has_one() {
        let mut weighted = parts();
        for t in weighted.rows.iter_mut().flatten() {
            t.weight = Some(2.0);
        }
        weighted.entry[0].weight = Some(4.0);
        let chain = Chain::from_rows(weighted.clone()).unwrap();
        assert_eq!(chain.weights(), [2.0; 4]);
        assert_eq!(chain.entry_weights(), [4.0]);
        assert_eq!(chain.into_parts(), weighted);

        weighted.rows[1][0].weight = None;
        let chain = Chain::from_rows(weighted).unwrap();
        assert!(chain.weights().is_empty());
        assert_eq!(chain.entry_weights(), [4.0]);
    }

    #[test]
    fn shapes_that_do_not_agree_are_refused() {
        assert!(error(|p| p.entry[0].to = 5).contains("(start) goes to state 5"));
        assert!(error(|p| p.rows[0][0].to = 9).contains("goes to state 9"));
        assert!(error(|p| p.rows.truncate(1)).contains("2 states but 1 rows"));
        assert!(error(|p| p.value_per_conversion.clear()).contains("0 values per conversion"));
        assert!(error(|p| p.value_distribution = vec![Vec::new()]).contains("1 value distri"));
        assert!(error(|p| p.states[1] = Vec::new().into()).contains("state 1 has no channels"));
        assert!(error(|p| p.states[1] = vec![7].into()).contains("channel 7"));
    }

    #[test]
    fn improper_chains_are_refused_with_the_row_named() {
        assert_eq!(
            error(|p| p.entry[0].probability = 0.5),
            "model row (start): probabilities sum to 0.5, not 1"
        );
        assert_eq!(
            error(|p| p.rows[1][1].probability = 0.3),
            "model row b: probabilities sum to 1.1, not 1"
        );
        assert_eq!(
            error(|p| p.rows[0] = vec![Transition::new(1, 1.5), Transition::new(3, -0.5)]),
            "model row a: probability 1.5 is outside [0, 1]"
        );
        assert!(
            error(|p| p.rows[1] = vec![Transition::new(1, 1.0)])
                .starts_with("model state 'b' can never reach (conversion) or (null)")
        );
    }

    #[test]
    fn parts_name_the_states_that_never_end_before_building() {
        let mut loop_parts = parts();
        loop_parts.rows[1] = vec![Transition::new(1, 1.0)];
        assert_eq!(loop_parts.unabsorbable_states(), vec![1]);
        assert!(parts().unabsorbable_states().is_empty());
    }

    #[test]
    fn reweighting_keeps_the_rows_and_normalises_the_weights() {
        let chain = Chain::from_rows(parts()).unwrap();
        let again = chain.reweighted(vec![3.0], vec![1.0, 3.0, 2.0, 0.0], vec![0.0, 5.0]);
        assert_eq!(again.targets(), chain.targets());
        assert_eq!(again.probabilities(), [0.25, 0.75, 1.0, 0.0]);
        assert_eq!(again.entry(), [(0, 1.0)]);
        assert_eq!(again.weights(), [1.0, 3.0, 2.0, 0.0]);
        again.check().unwrap();
    }
}
