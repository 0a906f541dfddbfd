//! Shapley-value attribution in the simplified form of Zhao, Mahboobi and Bagheri (2018),
//! "Shapley Value Methods for Attribution Modeling in Online Advertising" (arXiv:1804.05327),
//! and their ordered variant.
//!
//! ## Simplified Shapley
//! Channels are the players. For a set of channels `S`, let `R(S)` be the conversions of the
//! journeys whose set of *distinct* channels is exactly `S`. Zhao et al. show that the Shapley
//! value of the game whose worth is `v(T) = sum of R(S) over S subset of T` reduces to
//!
//! ```text
//! phi(j) = sum over S containing j of R(S) / |S|
//! ```
//!
//! i.e. every converting journey shares its conversions equally among its distinct channels,
//! however often each was touched. The sum over `S` regroups journey by journey, so the credits
//! are accumulated in the single streaming pass with memory per channel only (no table of
//! coalitions): a row with conversions `c` and `|S|` distinct channels adds `c / |S|` to each.
//! The credits sum to total conversions (efficiency). Value is shared the same way
//! (`shapley_value`, with `R(S)` the conversion value of those journeys).
//!
//! ## Ordered Shapley
//! Zhao et al.'s ordered Shapley value splits each channel's credit by the position at which the
//! channel joins the journey: `phi_i(j) = sum over S containing j of R_i(S, j) / |S|`, where
//! `R_i(S, j)` is the conversions of journeys with channel set `S` in which `j` is the `i`-th
//! distinct channel to appear (position by *first* touch; repeats do not open a new position).
//! So `phi(j) = sum over i of phi_i(j)`. In JSON `shapley_ordered` is the vector
//! `[phi_1(j), phi_2(j), ...]` with one entry per position up to the largest number of distinct
//! channels on a converting path (the same length for every channel), and
//! `shapley_ordered_value` is the same for value. It answers "does this channel earn its credit
//! by opening journeys or by closing them?".

use crate::journey::{ChannelId, PathRow};

/// One channel's Shapley credits.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ShapleyCredits {
    /// Conversions credited by the simplified Shapley value.
    pub conversions: f64,
    /// Value credited by the simplified Shapley value.
    pub value: f64,
    /// Conversions credited at each distinct-channel position (1st, 2nd, ...).
    pub ordered_conversions: Vec<f64>,
    /// Value credited at each distinct-channel position.
    pub ordered_value: Vec<f64>,
}

/// Accumulates Shapley credits row by row (streaming).
#[derive(Debug, Clone, Default)]
pub struct Shapley {
    /// Per channel, per position: [conversions, value].
    ordered: Vec<Vec<[f64; 2]>>,
    /// The row in which each channel was last seen (distinctness without clearing).
    seen_in: Vec<u64>,
    row: u64,
    distinct: Vec<ChannelId>,
    positions: usize,
}

impl Shapley {
    /// An empty accumulator.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one row's conversions and value.
    pub fn observe(&mut self, row: &PathRow<'_>) {
        if row.conversions <= 0.0 || row.touches.is_empty() {
            return;
        }
        self.row += 1;
        // Every touch is written to the next place, which moves on only for a channel not
        // seen before in the row: no branch on whether it was (repeats come at random).
        self.distinct.clear();
        self.distinct.resize(row.touches.len(), 0);
        let mut distinct = 0;
        for &c in row.touches {
            let c_index = c as usize;
            if self.seen_in.len() <= c_index {
                self.seen_in.resize(c_index + 1, 0);
                self.ordered.resize(c_index + 1, Vec::new());
            }
            let new = self.seen_in[c_index] != self.row;
            self.seen_in[c_index] = self.row;
            self.distinct[distinct] = c;
            distinct += usize::from(new);
        }
        self.distinct.truncate(distinct);
        let size = self.distinct.len() as f64;
        let (conversions, value) = (row.conversions / size, row.value / size);
        self.positions = self.positions.max(self.distinct.len());
        for (position, &c) in self.distinct.iter().enumerate() {
            let credits = &mut self.ordered[c as usize];
            if credits.len() <= position {
                credits.resize(position + 1, [0.0; 2]);
            }
            credits[position][0] += conversions;
            credits[position][1] += value;
        }
    }

    /// Credits for channel ids `0..channels`; every ordered vector has the same length.
    pub fn finish(mut self, channels: usize) -> Vec<ShapleyCredits> {
        self.ordered
            .resize(channels.max(self.ordered.len()), Vec::new());
        self.ordered
            .into_iter()
            .map(|mut by_position| {
                by_position.resize(self.positions, [0.0; 2]);
                ShapleyCredits {
                    conversions: by_position.iter().map(|p| p[0]).sum(),
                    value: by_position.iter().map(|p| p[1]).sum(),
                    ordered_conversions: by_position.iter().map(|p| p[0]).collect(),
                    ordered_value: by_position.iter().map(|p| p[1]).collect(),
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(rows: &[(&[u32], f64, f64, f64)], channels: usize) -> Vec<ShapleyCredits> {
        let mut s = Shapley::new();
        for (touches, conversions, value, nulls) in rows {
            s.observe(&PathRow::whole(touches, *conversions, *value, *nulls));
        }
        s.finish(channels)
    }

    #[test]
    fn repeats_do_not_add_credit_and_positions_follow_first_touch() {
        // b > a > b > c: distinct channels b, a, c (3); 3 conversions worth 30.
        let c = run(&[(&[1, 0, 1, 2], 3.0, 30.0, 0.0)], 4);
        assert_eq!(c[0].conversions, 1.0);
        assert_eq!(c[1].conversions, 1.0);
        assert_eq!(c[2].value, 10.0);
        assert_eq!(c[1].ordered_conversions, vec![1.0, 0.0, 0.0]);
        assert_eq!(c[0].ordered_conversions, vec![0.0, 1.0, 0.0]);
        assert_eq!(c[2].ordered_value, vec![0.0, 0.0, 10.0]);
        assert_eq!(
            c[3],
            ShapleyCredits {
                conversions: 0.0,
                value: 0.0,
                ordered_conversions: vec![0.0; 3],
                ordered_value: vec![0.0; 3],
            }
        );
    }

    #[test]
    fn non_converting_rows_are_ignored() {
        let c = run(&[(&[0], 0.0, 0.0, 10.0), (&[1], 2.0, 4.0, 1.0)], 2);
        assert_eq!(c[0].conversions, 0.0);
        assert_eq!(c[1].conversions, 2.0);
        assert_eq!(c[0].ordered_conversions, vec![0.0]);
    }
}
