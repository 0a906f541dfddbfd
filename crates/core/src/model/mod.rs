//! The Markov chain of journeys: transient states of order k plus absorbing (conversion) and
//! (null), and a (start) distribution over the first state.
//!
//! A state is a window of up to `order` consecutive touches. Rows are stored in compressed sparse
//! row form ([`Chain::row`]) so that solving and simulating touch only the transitions that exist;
//! in a row, target `n` (the number of transient states) is (conversion) and `n + 1` is (null).
//!
//! [`fit`] builds a chain from observed paths; [`document`] is its plain, versioned form (the model file).

pub mod document;
pub mod fit;

use crate::error::{Error, Result};
use crate::journey::{ChannelId, ChannelTable};

pub use fit::{FitOptions, Fitted, Fitter, fit_paths};

/// Index of a transient state.
pub type StateId = u32;

/// A fitted or hand-written absorbing Markov chain over journey states.
#[derive(Debug, Clone, PartialEq)]
pub struct Chain {
    /// Model order k: states are windows of up to k touches.
    pub order: usize,
    /// Whether consecutive identical states were kept as self-loops when fitting.
    pub keep_repeats: bool,
    /// The channels the states are made of.
    pub channels: ChannelTable,
    /// Touches of each transient state, indexed by [`StateId`].
    pub states: Vec<Box<[ChannelId]>>,
    /// (start) -> state probabilities, sorted by state.
    pub entry: Vec<(StateId, f64)>,
    /// Observed weight behind each entry probability (empty for hand-written chains).
    pub entry_weights: Vec<f64>,
    /// Offsets of each state's row in `targets`/`probs` (length `n + 1`).
    pub row_ptr: Vec<usize>,
    /// Transition targets; `n` is (conversion), `n + 1` is (null).
    pub targets: Vec<u32>,
    /// Transition probabilities, parallel to `targets`; each row sums to 1.
    pub probs: Vec<f64>,
    /// Observed weight behind each transition (empty for hand-written chains).
    pub weights: Vec<f64>,
    /// Mean value per conversion of journeys whose last state is this one (0 if none converted).
    pub value_per_conversion: Vec<f64>,
    /// Empirical distribution of value per conversion by last state: (value, weight) pairs,
    /// kept only when fitting for simulation. Empty inner vectors mean "use the mean".
    pub value_distribution: Vec<Vec<(f64, f64)>>,
}

impl Chain {
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
        let range = self.row_ptr[s as usize]..self.row_ptr[s as usize + 1];
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
    /// start can reach (otherwise a walk could never end).
    pub fn validate(&self) -> Result<()> {
        const TOL: f64 = 1e-9;
        let n = self.n_states();
        let check_row = |name: &str, probs: &[f64]| -> Result<()> {
            if let Some(p) = probs.iter().find(|p| !(0.0..=1.0 + TOL).contains(*p)) {
                return Err(Error::Invalid(format!(
                    "model row {name}: probability {p} is outside [0, 1]"
                )));
            }
            let sum: f64 = probs.iter().sum();
            if (sum - 1.0).abs() > TOL {
                return Err(Error::Invalid(format!(
                    "model row {name}: probabilities sum to {sum}, not 1"
                )));
            }
            Ok(())
        };
        let entry_probs: Vec<f64> = self.entry.iter().map(|e| e.1).collect();
        check_row("(start)", &entry_probs)?;
        for s in 0..n as StateId {
            check_row(&self.state_name(s), self.row(s).1)?;
        }
        if let Some(s) = self.unabsorbable_states().first() {
            return Err(Error::Invalid(format!(
                "model state '{}' can never reach (conversion) or (null): journeys through it \
                 would never end",
                self.state_name(*s)
            )));
        }
        Ok(())
    }

    /// States reachable from (start) from which no absorbing state can be reached.
    pub fn unabsorbable_states(&self) -> Vec<StateId> {
        let n = self.n_states();
        // Reverse reachability from the absorbing states.
        let mut predecessors: Vec<Vec<StateId>> = vec![Vec::new(); n];
        let mut absorbs = vec![false; n];
        let mut stack = Vec::new();
        for (s, absorbs_s) in absorbs.iter_mut().enumerate() {
            let (targets, probs) = self.row(s as StateId);
            for (&t, &p) in targets.iter().zip(probs) {
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
        self.reachable_from_start()
            .into_iter()
            .filter(|&s| !absorbs[s as usize])
            .collect()
    }

    /// States reachable from (start), in breadth-first order.
    pub fn reachable_from_start(&self) -> Vec<StateId> {
        let n = self.n_states();
        let mut seen = vec![false; n];
        let mut order: Vec<StateId> = Vec::new();
        for &(s, p) in &self.entry {
            if p > 0.0 && !seen[s as usize] {
                seen[s as usize] = true;
                order.push(s);
            }
        }
        let mut head = 0;
        while head < order.len() {
            let s = order[head];
            head += 1;
            let (targets, probs) = self.row(s);
            for (&t, &p) in targets.iter().zip(probs) {
                if p > 0.0 && (t as usize) < n && !seen[t as usize] {
                    seen[t as usize] = true;
                    order.push(t);
                }
            }
        }
        order
    }
}
