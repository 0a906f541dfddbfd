//! Flattened alias tables: O(1) draws from many small discrete distributions stored in one
//! contiguous array.
//!
//! Walker's alias method (Walker 1977), built with Vose's stable variant (Vose 1991, "A linear
//! algorithm for generating random numbers with a given distribution"): a distribution over `k`
//! outcomes becomes `k` slots, each holding a threshold and two outcomes; a draw picks a slot
//! uniformly and keeps its own outcome below the threshold, its alias above it.
//!
//! Why not `rand_distr::weighted::WeightedAliasIndex`: it is one heap object per distribution
//! (an order-3 chain has thousands of rows, so a walk would chase a pointer per step) and each
//! draw takes two random numbers (a uniform index, then a uniform weight). Measured with
//! `benches/simulate.rs` (`alias/rand_distr` against `alias/flat`, see BENCHMARKS.md), one row
//! per state of the order-1 reference chain: the flat table draws a step about twice as fast,
//! which is the difference between missing and meeting the 40M journeys/s target. Here every
//! row lives in one `Vec<Slot>` and a draw uses ONE `u64`: the high 32 bits pick the slot by a
//! multiply-shift (Lemire 2019, without the rejection step) and the low 32 bits are compared
//! with a 32-bit threshold, branch-free.
//!
//! Precision: skipping Lemire's rejection step biases a slot's probability by at most `k / 2^32`
//! relative, and the 32-bit threshold rounds each slot's split by at most `2^-32`; both are
//! below 1e-8, far under the Monte-Carlo error of any run this tool makes (1e10 journeys give a
//! standard error near 1e-5 on a rate).

/// One slot of a row: below `threshold` (out of 2^32) the draw is `outcomes[0]`, else `outcomes[1]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C)]
struct Slot {
    threshold: u32,
    outcomes: [u32; 2],
}

/// Where a row's slots are: `start..start + len` in the slot array.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C)]
struct Row {
    start: u32,
    len: u32,
}

/// Many discrete distributions ("rows") over `u32` outcomes, each drawn in O(1).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FlatAlias {
    rows: Vec<Row>,
    slots: Vec<Slot>,
}

impl FlatAlias {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Appends a row drawing `outcomes[i]` with probability `weights[i] / sum(weights)`; returns
    /// its index. Weights must be finite, >= 0 and not all zero (the chain is validated first),
    /// and there must be at least one outcome.
    pub fn push_row(&mut self, weights: &[f64], outcomes: &[u32]) -> u32 {
        assert_eq!(weights.len(), outcomes.len(), "one weight per outcome");
        assert!(!weights.is_empty(), "a row needs at least one outcome");
        let k = weights.len();
        let total: f64 = weights.iter().sum();
        assert!(
            total > 0.0 && total.is_finite(),
            "row weights must sum to > 0"
        );
        // Vose: scaled weights q_i = k * w_i / total; "small" slots (q < 1) are topped up by
        // "large" ones (q >= 1), which then lose what they gave.
        let mut q: Vec<f64> = weights.iter().map(|w| w * k as f64 / total).collect();
        let mut small: Vec<usize> = Vec::new();
        let mut large: Vec<usize> = Vec::new();
        for (i, &qi) in q.iter().enumerate() {
            if qi < 1.0 {
                small.push(i)
            } else {
                large.push(i)
            }
        }
        let start = self.slots.len();
        self.slots.extend(outcomes.iter().map(|&o| Slot {
            threshold: u32::MAX,
            outcomes: [o, o],
        }));
        let slots = &mut self.slots[start..];
        while let (Some(&l), Some(&g)) = (small.last(), large.last()) {
            small.pop();
            slots[l] = Slot {
                threshold: threshold(q[l]),
                outcomes: [outcomes[l], outcomes[g]],
            };
            q[g] -= 1.0 - q[l];
            if q[g] < 1.0 {
                large.pop();
                small.push(g);
            }
        }
        // Whatever is left (large slots, or small ones that rounding kept below 1) keeps its own
        // outcome with certainty: both outcomes are the slot's own, set above.
        let index = u32::try_from(self.rows.len()).expect("fewer than 2^32 rows");
        self.rows.push(Row {
            start: u32::try_from(start).expect("fewer than 2^32 slots"),
            len: k as u32,
        });
        index
    }

    /// Draws an outcome of `row` from the 64 random bits `bits`.
    #[inline(always)]
    pub fn draw(&self, row: u32, bits: u64) -> u32 {
        let r = self.rows[row as usize];
        let slot = r.start as usize + (((bits >> 32) * r.len as u64) >> 32) as usize;
        let slot = self.slots[slot];
        slot.outcomes[((bits as u32) >= slot.threshold) as usize]
    }

    /// Number of outcomes of `row` (1 means the draw is certain and needs no random bits).
    #[inline(always)]
    pub fn row_len(&self, row: u32) -> u32 {
        self.rows[row as usize].len
    }

    /// The first outcome of `row` (its only one when [`FlatAlias::row_len`] is 1).
    #[inline(always)]
    pub fn first(&self, row: u32) -> u32 {
        self.slots[self.rows[row as usize].start as usize].outcomes[0]
    }
}

/// `q` in [0, 1) as a 32-bit threshold: P(bits < threshold) = threshold / 2^32.
fn threshold(q: f64) -> u32 {
    (q.clamp(0.0, 1.0) * 4_294_967_296.0).min(u32::MAX as f64) as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_xoshiro::Xoshiro256PlusPlus;

    /// The probability of each outcome implied by the slots, exactly (up to 2^-32 rounding).
    fn implied(table: &FlatAlias, row: u32, outcomes: usize) -> Vec<f64> {
        let r = table.rows[row as usize];
        let mut p = vec![0.0; outcomes];
        for slot in &table.slots[r.start as usize..(r.start + r.len) as usize] {
            let keep = slot.threshold as f64 / 4_294_967_296.0;
            p[slot.outcomes[0] as usize] += keep / r.len as f64;
            p[slot.outcomes[1] as usize] += (1.0 - keep) / r.len as f64;
        }
        p
    }

    #[test]
    fn slots_reproduce_the_weights() {
        let mut table = FlatAlias::new();
        let weights = [0.1, 0.0, 0.45, 0.2, 0.25];
        let row = table.push_row(&weights, &[0, 1, 2, 3, 4]);
        let other = table.push_row(&[3.0, 1.0], &[1, 0]);
        for (got, want) in implied(&table, row, 5).iter().zip(weights) {
            assert!((got - want).abs() < 1e-9, "{got} vs {want}");
        }
        let p = implied(&table, other, 2);
        assert!((p[1] - 0.75).abs() < 1e-9 && (p[0] - 0.25).abs() < 1e-9);
    }

    #[test]
    fn draws_follow_the_weights_within_four_standard_errors() {
        let mut table = FlatAlias::new();
        let weights = [0.5, 0.3, 0.2];
        let row = table.push_row(&weights, &[7, 8, 9]);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        let n = 200_000;
        let mut counts = [0u32; 3];
        for _ in 0..n {
            counts[(table.draw(row, rng.next_u64()) - 7) as usize] += 1;
        }
        for (c, p) in counts.iter().zip(weights) {
            let se = (p * (1.0 - p) / n as f64).sqrt();
            assert!((*c as f64 / n as f64 - p).abs() < 4.0 * se, "{counts:?}");
        }
    }

    #[test]
    fn a_certain_row_always_gives_its_outcome() {
        let mut table = FlatAlias::new();
        let row = table.push_row(&[2.0], &[42]);
        assert_eq!(table.row_len(row), 1);
        assert_eq!(table.first(row), 42);
        assert_eq!(table.draw(row, u64::MAX), 42);
        assert_eq!(table.draw(row, 0), 42);
    }
}
