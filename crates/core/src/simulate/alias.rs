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
//! per state of the order-1 reference chain: 52M walks/s against 28.5M, which is the difference
//! between missing and meeting the 40M journeys/s target. Here every
//! row lives in one `Vec<Slot>` and a draw uses ONE `u64`: the high 32 bits pick the slot by a
//! multiply-shift (Lemire 2019, without the rejection step) and the low 32 bits are compared
//! with a 32-bit threshold, branch-free.
//!
//! Precision: skipping Lemire's rejection step biases a slot's probability by at most `k / 2^32`
//! relative, and the 32-bit threshold rounds each slot's split by at most `2^-32`; both are
//! below 1e-8, far under the Monte-Carlo error of any run this tool makes (1e10 journeys give a
//! standard error near 1e-5 on a rate).

/// One slot of a row: below `threshold` (out of 2^32) the draw is `outcomes[0]`, else
/// `outcomes[1]`. 16 bytes, aligned, so a slot is one aligned load and its byte offset is a
/// shift.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C, align(16))]
struct Slot {
    threshold: u32,
    /// `outcomes[0] | outcomes[1] << 32`: one register, so the select is a conditional move.
    pair: u64,
}

impl Slot {
    fn new(threshold: u32, outcomes: [u32; 2]) -> Self {
        Slot {
            threshold,
            pair: outcomes[0] as u64 | (outcomes[1] as u64) << 32,
        }
    }

    fn outcomes(&self) -> [u32; 2] {
        [self.pair as u32, (self.pair >> 32) as u32]
    }
}

const SLOT_SHIFT: u32 = 4;
const _: () = assert!(std::mem::size_of::<Slot>() == 1 << SLOT_SHIFT);

/// Where a row's slots are: `start..start + len` in the slot array (`len` without padding).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C)]
struct RowSpan {
    start: u32,
    len: u32,
}

/// Rows padded to one power-of-two length are used while they take at most this many slots
/// (64 MB) and at most 4 times the packed size (one long row would otherwise blow up every
/// row, and a table that falls out of cache costs more than the row lookup it saves: measured
/// 2.6x slower on the order-3 reference chain when its long entry row was padded into it).
/// Fitted chains have rows of at most channels + 2 targets, so this covers e.g. 12 channels at
/// any order up to a few hundred thousand states.
const UNIFORM_LIMIT: usize = 1 << 22;

/// Many discrete distributions ("rows") over `u32` outcomes, each drawn in O(1).
///
/// Two layouts, chosen when built. *Uniform*: every row padded (with zero-weight slots) to the
/// same power-of-two length `2^shift`, so the slot of row `r` is at `r << shift | top bits of
/// the draw`, computed without loading anything. *Variable*: rows packed back to back and found
/// through a `(start, len)` table, used when padding would waste too much memory.
///
/// A *chain* table ([`FlatAlias::chain`]) is one whose outcomes name its own rows (states) or,
/// from `len()` on, absorbing targets. In the uniform layout it stores each outcome as a
/// *handle*, the byte offset of that row's slots, so a walk's step is `or` + one load + a
/// conditional move: the shortest dependency chain from one state to the next (each step of a
/// walk depends on the last, so that chain's latency is the walk's speed).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FlatAlias {
    rows: Vec<RowSpan>,
    slots: Vec<Slot>,
    /// log2 of the padded row length in the uniform layout; 0 for the variable layout.
    shift: u32,
    /// Outcomes are stored as `id << handle_shift` (chain tables in the uniform layout), else 0.
    handle_shift: u32,
}

impl FlatAlias {
    /// Builds one row per `(weights, outcomes)`: row `i` draws `outcomes[j]` with probability
    /// `weights[j] / sum(weights)`. Weights must be finite, >= 0 and not all zero (the chain is
    /// validated first), with one weight per outcome and at least one outcome.
    pub fn new(rows: &[(Vec<f64>, Vec<u32>)]) -> Self {
        Self::build(rows, UNIFORM_LIMIT, false)
    }

    /// Like [`FlatAlias::new`] for a chain: outcomes below `rows.len()` are rows of this table,
    /// and outcomes up to `rows.len() + 1` are absorbing. Walk it with [`FlatAlias::handle`],
    /// [`FlatAlias::step`] and [`FlatAlias::id`].
    /// `min_row_len` pads rows to at least that length, so that two tables built with the same
    /// value lay out identical rows identically (see [`super::Sampler::pair`]).
    pub fn chain(rows: &[(Vec<f64>, Vec<u32>)], min_row_len: usize) -> Self {
        Self::build_padded(rows, UNIFORM_LIMIT, true, min_row_len)
    }

    fn build(rows: &[(Vec<f64>, Vec<u32>)], uniform_limit: usize, chain: bool) -> Self {
        Self::build_padded(rows, uniform_limit, chain, 0)
    }

    fn build_padded(
        rows: &[(Vec<f64>, Vec<u32>)],
        uniform_limit: usize,
        chain: bool,
        min_row_len: usize,
    ) -> Self {
        let longest = rows
            .iter()
            .map(|r| r.0.len())
            .max()
            .unwrap_or(1)
            .max(min_row_len);
        let padded = longest.max(2).next_power_of_two();
        let packed: usize = rows.iter().map(|r| r.0.len()).sum();
        let size = rows.len().saturating_mul(padded);
        let shift = padded.trailing_zeros();
        // Handles of chain tables (absorbing targets included) must fit in a u32.
        let handles_fit = ((rows.len() as u64 + 2) << (shift + SLOT_SHIFT)) <= u32::MAX as u64;
        let uniform = size <= uniform_limit && size <= 4 * packed && (!chain || handles_fit);
        let mut table = FlatAlias {
            rows: Vec::with_capacity(rows.len()),
            slots: Vec::new(),
            shift: if uniform { shift } else { 0 },
            handle_shift: if uniform && chain {
                shift + SLOT_SHIFT
            } else {
                0
            },
        };
        let mut weights = Vec::new();
        let mut outcomes = Vec::new();
        for (w, o) in rows {
            assert_eq!(w.len(), o.len(), "one weight per outcome");
            assert!(!w.is_empty(), "a row needs at least one outcome");
            weights.clone_from(w);
            outcomes.clear();
            outcomes.extend(o.iter().map(|&x| x << table.handle_shift));
            if uniform {
                weights.resize(padded, 0.0);
                outcomes.resize(padded, outcomes[0]);
            }
            table.push_row(&weights, &outcomes, o.len() as u32);
        }
        table
    }

    /// Number of rows.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Appends the alias slots of one row (Vose's algorithm); `len` is its unpadded length.
    fn push_row(&mut self, weights: &[f64], outcomes: &[u32], len: u32) {
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
        self.slots
            .extend(outcomes.iter().map(|&o| Slot::new(u32::MAX, [o, o])));
        let slots = &mut self.slots[start..];
        while let (Some(&l), Some(&g)) = (small.last(), large.last()) {
            small.pop();
            slots[l] = Slot::new(threshold(q[l]), [outcomes[l], outcomes[g]]);
            q[g] -= 1.0 - q[l];
            if q[g] < 1.0 {
                large.pop();
                small.push(g);
            }
        }
        // Whatever is left (large slots, or small ones that rounding kept below 1) keeps its own
        // outcome with certainty: both outcomes are the slot's own, set above.
        self.rows.push(RowSpan {
            start: u32::try_from(start).expect("fewer than 2^32 slots"),
            len,
        });
    }

    /// The slots of `row` (padding included).
    #[cfg(test)]
    fn row_slots(&self, row: u32) -> &[Slot] {
        let r = self.rows[row as usize];
        let len = if self.shift > 0 {
            1 << self.shift
        } else {
            r.len as usize
        };
        &self.slots[r.start as usize..r.start as usize + len]
    }

    /// The handle of row (or absorbing target) `id` in a chain table; `id` itself otherwise.
    #[inline(always)]
    pub fn handle(&self, id: u32) -> u32 {
        id << self.handle_shift
    }

    /// The row (or absorbing target) of a handle: the inverse of [`FlatAlias::handle`].
    #[inline(always)]
    pub fn id(&self, handle: u32) -> u32 {
        handle >> self.handle_shift
    }

    /// Draws an outcome of `row` from the 64 random bits `bits`. Panics if `row` is not a row.
    #[inline(always)]
    pub fn draw(&self, row: u32, bits: u64) -> u32 {
        assert!((row as usize) < self.rows.len(), "no row {row}");
        let index = if self.shift > 0 {
            ((row as usize) << self.shift) | (bits >> (64 - self.shift)) as usize
        } else {
            let r = self.rows[row as usize];
            r.start as usize + (((bits >> 32) * r.len as u64) >> 32) as usize
        };
        self.id(select(&self.slots[index], bits))
    }

    /// One step of a walk: the handle drawn from the row whose handle is `handle`.
    ///
    /// # Safety
    /// `handle` is [`FlatAlias::handle`] of a row (`id(handle) < len()`). Then the slot is in
    /// bounds: in the uniform layout row `r`'s slots are the bytes `r << handle_shift ..`
    /// `(r + 1) << handle_shift` and the top `shift` bits of `bits` pick one of its `2^shift`
    /// 16-byte slots; in the variable layout the multiply-shift is below the row's length.
    #[inline(always)]
    pub(crate) unsafe fn step(&self, handle: u32, bits: u64) -> u32 {
        let slot = if self.handle_shift > 0 {
            let offset = handle as usize | ((bits >> (64 - self.shift)) as usize) << SLOT_SHIFT;
            // SAFETY: in bounds (see above) and 16-byte aligned, as slots are.
            unsafe { &*self.slots.as_ptr().cast::<u8>().add(offset).cast::<Slot>() }
        } else {
            // SAFETY: `handle` is a row id here (handle_shift is 0 or the table is not a chain
            // table in the uniform layout, where handles are ids).
            let index = if self.shift > 0 {
                ((handle as usize) << self.shift) | (bits >> (64 - self.shift)) as usize
            } else {
                let r = unsafe { *self.rows.get_unchecked(handle as usize) };
                r.start as usize + (((bits >> 32) * r.len as u64) >> 32) as usize
            };
            unsafe { self.slots.get_unchecked(index) }
        };
        select(slot, bits)
    }

    /// Number of outcomes of `row`, padding excluded (1 means the draw is certain and needs no
    /// random bits).
    #[inline(always)]
    pub fn row_len(&self, row: u32) -> u32 {
        self.rows[row as usize].len
    }

    /// The first outcome of `row` (its only one when [`FlatAlias::row_len`] is 1).
    #[inline(always)]
    pub fn first(&self, row: u32) -> u32 {
        self.id(self.slots[self.rows[row as usize].start as usize].outcomes()[0])
    }
}

/// The slot's outcome for `bits`: its own below the threshold, else its alias. Both outcomes
/// are loaded with the slot and selected in registers (a conditional move), not by indexing
/// memory with the comparison, which would put a second load on every step's critical path
/// (measured: the order-1 walk took 13% longer that way).
#[inline(always)]
fn select(slot: &Slot, bits: u64) -> u32 {
    let pair = slot.pair;
    std::hint::select_unpredictable(
        (bits as u32) < slot.threshold,
        pair as u32,
        (pair >> 32) as u32,
    )
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
        let slots = table.row_slots(row);
        let mut p = vec![0.0; outcomes];
        for slot in slots {
            let keep = slot.threshold as f64 / 4_294_967_296.0;
            p[slot.outcomes()[0] as usize] += keep / slots.len() as f64;
            p[slot.outcomes()[1] as usize] += (1.0 - keep) / slots.len() as f64;
        }
        p
    }

    fn rows() -> Vec<(Vec<f64>, Vec<u32>)> {
        vec![
            (vec![0.1, 0.0, 0.45, 0.2, 0.25], vec![0, 1, 2, 3, 4]),
            (vec![3.0, 1.0], vec![1, 0]),
            (vec![2.0], vec![4]),
        ]
    }

    #[test]
    fn slots_reproduce_the_weights_in_both_layouts() {
        // 3 rows padded to 8 slots = 24: a limit of 24 gives the uniform layout, 23 the variable.
        for (limit, shift) in [(24, 3), (23, 0)] {
            let table = FlatAlias::build(&rows(), limit, false);
            assert_eq!(table.shift, shift);
            for (row, (weights, outcomes)) in rows().iter().enumerate() {
                let total: f64 = weights.iter().sum();
                let p = implied(&table, row as u32, 5);
                for (w, &o) in weights.iter().zip(outcomes) {
                    assert!((p[o as usize] - w / total).abs() < 1e-9, "{p:?} row {row}");
                }
            }
        }
    }

    #[test]
    fn draws_follow_the_weights_within_four_standard_errors() {
        for limit in [UNIFORM_LIMIT, 0] {
            let table = FlatAlias::build(&rows(), limit, false);
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
            let n = 200_000;
            let mut counts = [0u32; 5];
            for _ in 0..n {
                counts[table.draw(0, rng.next_u64()) as usize] += 1;
            }
            for (c, p) in counts.iter().zip([0.1, 0.0, 0.45, 0.2, 0.25]) {
                let se = (p * (1.0 - p) / n as f64).sqrt();
                assert!((*c as f64 / n as f64 - p).abs() <= 4.0 * se, "{counts:?}");
            }
        }
    }

    #[test]
    fn chain_tables_step_by_handles_in_both_layouts() {
        // Two states: 0 -> 1 (0.5) | 2 = absorbing (0.5); 1 -> 3 = absorbing.
        let rows = vec![(vec![1.0, 1.0], vec![1, 2]), (vec![1.0], vec![3])];
        for (limit, uniform) in [(UNIFORM_LIMIT, true), (0, false)] {
            let table = FlatAlias::build(&rows, limit, true);
            assert_eq!(table.handle_shift > 0, uniform);
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
            let mut seen = [0u32; 4];
            for _ in 0..1000 {
                // SAFETY: handle(0) and handle(1) are rows.
                let h = unsafe { table.step(table.handle(0), rng.next_u64()) };
                seen[table.id(h) as usize] += 1;
                assert_eq!(
                    table.id(unsafe { table.step(table.handle(1), rng.next_u64()) }),
                    3
                );
                assert!(
                    table.handle(2) > table.handle(1),
                    "absorbing handles sort last"
                );
            }
            assert!(seen[1] > 400 && seen[2] > 400 && seen[0] == 0, "{seen:?}");
            assert_eq!(table.draw(1, 0), 3);
        }
    }

    #[test]
    fn a_certain_row_always_gives_its_outcome() {
        let table = FlatAlias::new(&rows());
        assert_eq!(table.row_len(2), 1);
        assert_eq!(table.first(2), 4);
        for bits in [0, u64::MAX, 1 << 63, 12_345] {
            assert_eq!(table.draw(2, bits), 4);
        }
    }
}
