//! The transition weights a fitter adds up: a dense table for the first states, a hash map for
//! the rest.
//!
//! At order 1 a chain has a state per channel, a dozen or so, and every touch of every row
//! adds to one (from, to) pair: indexing a small table costs a multiply and an add where a hash
//! map hashes, probes and compares. Pairs whose states are all among the first [`DENSE`] go to
//! the table, the others to the map. The table is as wide as the states seen so far need (a
//! power of two), so a fitter of a few states stays small: attribution by segment keeps one per
//! segment. When it widens, its weights move with their pairs; a pair never moves between table
//! and map (a state's id is fixed once given), so each pair's weights are added in the same
//! order, to the same bits, as one map would add them.

use rustc_hash::FxHashMap;

/// States (ids below this) whose pairs are kept in the table.
const DENSE: u32 = 64;

/// Weights of (from, to) pairs. `from` is a state or [`Transitions::START`]; `to` a state or one
/// of the two ends, [`Transitions::CONVERSION`] and [`Transitions::NULL`].
#[derive(Debug)]
pub(crate) struct Transitions {
    /// The states the table has room for (0 until the first pair, then a power of two up to
    /// [`DENSE`]).
    width: usize,
    /// Row `from + 1` (row 0 is the start), column `to` (the ends after the states), as
    /// `Some(weight)` once a weight was added.
    dense: Vec<Option<f64>>,
    /// Pairs with a state not below [`DENSE`], keyed `from << 32 | to`.
    sparse: FxHashMap<u64, f64>,
}

impl Transitions {
    pub(crate) const START: u32 = u32::MAX;
    pub(crate) const CONVERSION: u32 = u32::MAX - 1;
    pub(crate) const NULL: u32 = u32::MAX - 2;

    pub(crate) fn new() -> Self {
        Transitions {
            width: 0,
            dense: Vec::new(),
            sparse: FxHashMap::default(),
        }
    }

    /// The state at an end of a pair, or `None` for the start, conversion and null.
    fn state(end: u32) -> Option<u32> {
        (![Self::START, Self::CONVERSION, Self::NULL].contains(&end)).then_some(end)
    }

    /// The cell of a pair in a table of `width` states, if it has room for the pair.
    fn cell(width: usize, from: u32, to: u32) -> Option<usize> {
        // `from` is a state or the start, never an end.
        let row = match from {
            Self::START => 0,
            s if (s as usize) < width => s as usize + 1,
            _ => return None,
        };
        let column = match to {
            Self::CONVERSION => width,
            Self::NULL => width + 1,
            s if (s as usize) < width => s as usize,
            _ => return None,
        };
        Some(row * (width + 2) + column)
    }

    /// The pair of a cell in a table of `width` states.
    fn pair(width: usize, cell: usize) -> (u32, u32) {
        let (row, column) = (cell / (width + 2), cell % (width + 2));
        let from = match row {
            0 => Self::START,
            r => r as u32 - 1,
        };
        let to = if column < width {
            column as u32
        } else if column == width {
            Self::CONVERSION
        } else {
            Self::NULL
        };
        (from, to)
    }

    /// Adds `weight` to the pair (`from`, `to`).
    pub(crate) fn add(&mut self, from: u32, to: u32, weight: f64) {
        if let Some(cell) = Self::cell(self.width, from, to) {
            *self.dense[cell].get_or_insert(0.0) += weight;
            return;
        }
        let widest = [from, to].into_iter().filter_map(Self::state).max();
        match widest {
            Some(s) if s >= DENSE => {
                *self
                    .sparse
                    .entry(u64::from(from) << 32 | u64::from(to))
                    .or_default() += weight;
            }
            // A state the table has no room for yet (or no table yet): widen it, then add.
            _ => {
                self.widen(widest.map_or(1, |s| s as usize + 1));
                let cell = Self::cell(self.width, from, to).expect("a pair of states below DENSE");
                *self.dense[cell].get_or_insert(0.0) += weight;
            }
        }
    }

    /// Makes room for `states` states (at most [`DENSE`]), moving each weight to its pair's new
    /// cell.
    fn widen(&mut self, states: usize) {
        let width = states.next_power_of_two().min(DENSE as usize);
        let mut dense = vec![None; (width + 1) * (width + 2)];
        for (cell, &weight) in self.dense.iter().enumerate() {
            if weight.is_some() {
                let (from, to) = Self::pair(self.width, cell);
                dense[Self::cell(width, from, to).expect("a wider table has room")] = weight;
            }
        }
        (self.width, self.dense) = (width, dense);
    }

    /// Every pair with its weight, in no particular order.
    pub(crate) fn pairs(&self) -> impl Iterator<Item = (u32, u32, f64)> + '_ {
        let dense = self.dense.iter().enumerate().filter_map(|(cell, weight)| {
            let (from, to) = Self::pair(self.width, cell);
            Some((from, to, (*weight)?))
        });
        let sparse = self
            .sparse
            .iter()
            .map(|(&key, &weight)| ((key >> 32) as u32, key as u32, weight));
        dense.chain(sparse)
    }

    /// The number of pairs with a weight.
    pub(crate) fn len(&self) -> usize {
        self.dense.iter().filter(|w| w.is_some()).count() + self.sparse.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pair_adds_up_as_one_map_would_on_either_side_of_the_table() {
        let mut transitions = Transitions::new();
        let mut map: FxHashMap<(u32, u32), f64> = FxHashMap::default();
        let states = [0, 1, DENSE - 1, DENSE, DENSE + 1, 1000];
        let froms = states.iter().copied().chain([Transitions::START]);
        let tos = states
            .iter()
            .copied()
            .chain([Transitions::CONVERSION, Transitions::NULL]);
        let pairs: Vec<(u32, u32)> = froms
            .flat_map(|f| tos.clone().map(move |t| (f, t)))
            .collect();
        // Weights whose sums depend on their order, added in a scrambled order several times.
        for round in 0..5u32 {
            for (i, &(from, to)) in pairs.iter().enumerate() {
                let weight = 0.1 * f64::from(round + 1) + 1e-3 * i as f64;
                transitions.add(from, to, weight);
                *map.entry((from, to)).or_default() += weight;
            }
        }
        let mut got: Vec<(u32, u32, u64)> = transitions
            .pairs()
            .map(|(f, t, w)| (f, t, w.to_bits()))
            .collect();
        let mut expected: Vec<(u32, u32, u64)> =
            map.iter().map(|(&(f, t), w)| (f, t, w.to_bits())).collect();
        got.sort_unstable();
        expected.sort_unstable();
        assert_eq!(got, expected);
        assert_eq!(transitions.len(), pairs.len());
    }

    #[test]
    fn the_table_widens_as_states_come_and_keeps_every_weight() {
        let mut transitions = Transitions::new();
        transitions.add(Transitions::START, 0, 1.5);
        assert_eq!(transitions.width, 1);
        transitions.add(0, Transitions::CONVERSION, 2.5);
        transitions.add(0, 2, 0.25);
        assert_eq!(transitions.width, 4);
        transitions.add(2, Transitions::NULL, 4.0);
        transitions.add(40, 2, 8.0);
        assert_eq!(transitions.width, 64);
        transitions.add(64, 2, 16.0);
        assert_eq!(
            transitions.width, 64,
            "a state past the table goes to the map"
        );
        let mut pairs: Vec<_> = transitions.pairs().collect();
        pairs.sort_by_key(|&(f, t, _)| (f, t));
        assert_eq!(
            pairs,
            [
                (0, 2, 0.25),
                (0, Transitions::CONVERSION, 2.5),
                (2, Transitions::NULL, 4.0),
                (40, 2, 8.0),
                (64, 2, 16.0),
                (Transitions::START, 0, 1.5),
            ]
        );
    }

    #[test]
    fn a_pair_never_given_a_weight_is_not_listed() {
        let mut transitions = Transitions::new();
        transitions.add(Transitions::START, 3, 0.0);
        transitions.add(3, Transitions::NULL, 2.0);
        let pairs: Vec<_> = transitions.pairs().collect();
        assert_eq!(
            pairs,
            [(Transitions::START, 3, 0.0), (3, Transitions::NULL, 2.0)]
        );
    }
}
