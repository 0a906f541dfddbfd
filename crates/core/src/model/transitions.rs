//! The transition weights a fitter adds up: a dense table for the first states, a hash map for
//! the rest.
//!
//! At order 1 a chain has a state per channel, a dozen or so, and every touch of every row
//! adds to one (from, to) pair: indexing a small table costs a multiply and an add where a hash
//! map hashes, probes and compares. Pairs whose states are all among the first [`DENSE`] go to
//! the table, the others to the map; a pair's place never changes (a state's id is fixed once
//! given), so each pair's weights are added in the same order, to the same bits, as one map
//! would add them.

use rustc_hash::FxHashMap;

/// States (ids below this) whose pairs are kept in the table.
const DENSE: u32 = 64;

/// Weights of (from, to) pairs. `from` is a state or [`Transitions::START`]; `to` a state or one
/// of the two ends, [`Transitions::CONVERSION`] and [`Transitions::NULL`].
#[derive(Debug)]
pub(crate) struct Transitions {
    /// Row `from + 1` (row 0 is the start), column `to` (the ends after the states), as
    /// `Some(weight)` once a weight was added.
    dense: Vec<Option<f64>>,
    /// Pairs with a state not below [`DENSE`], keyed `from << 32 | to`.
    sparse: FxHashMap<u64, f64>,
}

/// Columns of the table: the states, then conversion and null.
const COLUMNS: usize = DENSE as usize + 2;

impl Transitions {
    pub(crate) const START: u32 = u32::MAX;
    pub(crate) const CONVERSION: u32 = u32::MAX - 1;
    pub(crate) const NULL: u32 = u32::MAX - 2;

    pub(crate) fn new() -> Self {
        Transitions {
            dense: vec![None; (DENSE as usize + 1) * COLUMNS],
            sparse: FxHashMap::default(),
        }
    }

    /// The table's cell of a pair, if it has one.
    fn cell(from: u32, to: u32) -> Option<usize> {
        let row = match from {
            Self::START => 0,
            s if s < DENSE => s as usize + 1,
            _ => return None,
        };
        let column = match to {
            Self::CONVERSION => DENSE as usize,
            Self::NULL => DENSE as usize + 1,
            s if s < DENSE => s as usize,
            _ => return None,
        };
        Some(row * COLUMNS + column)
    }

    /// Adds `weight` to the pair (`from`, `to`).
    pub(crate) fn add(&mut self, from: u32, to: u32, weight: f64) {
        match Self::cell(from, to) {
            Some(cell) => *self.dense[cell].get_or_insert(0.0) += weight,
            None => {
                *self
                    .sparse
                    .entry(u64::from(from) << 32 | u64::from(to))
                    .or_default() += weight
            }
        }
    }

    /// Every pair with its weight, in no particular order.
    pub(crate) fn pairs(&self) -> impl Iterator<Item = (u32, u32, f64)> + '_ {
        let dense = self.dense.iter().enumerate().filter_map(|(cell, weight)| {
            let weight = (*weight)?;
            let (row, column) = (cell / COLUMNS, cell % COLUMNS);
            let from = match row {
                0 => Self::START,
                r => r as u32 - 1,
            };
            let to = match column {
                c if c == DENSE as usize => Self::CONVERSION,
                c if c == DENSE as usize + 1 => Self::NULL,
                c => c as u32,
            };
            Some((from, to, weight))
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
