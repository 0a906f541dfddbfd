//! Maximal couplings of a baseline chain's steps with a scenario chain's: the joint draws that
//! make paired walks ([`super::paired`]) take the same step as often as two distributions allow.
//!
//! A coupling of two distributions p and q is a joint distribution of (X, Y) with X ~ p and
//! Y ~ q. Every coupling has P(X != Y) >= d_TV(p, q) = sum_y max(q(y) - p(y), 0), and a
//! *maximal* coupling attains it (Lindvall 1992, "Lectures on the Coupling Method", sec. I.5;
//! Thorisson 2000, "Coupling, Stationarity, and Regeneration", ch. 1). The construction used
//! here draws X ~ p as the baseline would anyway, then keeps Y = X with probability
//! min(1, q(X) / p(X)) (an independent uniform decides) and otherwise draws Y from the residual
//! r(y) = max(q(y) - p(y), 0) / d_TV. Then
//! P(Y = y) = p(y) min(1, q(y)/p(y)) + d_TV r(y) = min(p(y), q(y)) + max(q(y) - p(y), 0) = q(y),
//! so the scenario's walk is exactly a walk of its own chain, and P(X = Y) = 1 - d_TV.
//!
//! Why it matters: the alias tables of two different rows map the same random bits to unrelated
//! targets (Vose's construction reshuffles slots when any probability changes), so sharing bits
//! at a changed row decouples the walks with a probability that depends on the slot layout, not
//! on the size of the change. With the maximal coupling a 30% better conversion at one state
//! separates the walks only on the extra conversions, and everything else stays identical.
//!
//! [`Coupling`] precomputes, for a baseline sampler and a scenario sampler, one coupling row per
//! changed row (transition rows and the entry row): the baseline row's targets with their
//! acceptance probabilities, and an alias row of the residual. Rows that are the same
//! distribution in both chains need nothing: the scenario takes the baseline's draw. Targets
//! are compared in the scenario's numbering: states keep their ids (a scenario may only append
//! states) and the baseline's (conversion) and (null), `n` and `n + 1`, become the scenario's.
//!
//! Walks in different states (after parting, or from different entry states) are coupled the
//! same way by [`Coupling::cross`], which pairs baseline row a with scenario row b on the spot
//! (a few scans of two short rows, no table: the pairs of states are too many to precompute).
//! This lets walks that parted meet again: a new touchpoint that behaves like an old one, or a
//! journey moved from one entry to another, goes on to the same next state as the baseline's
//! walk as often as the two rows allow. Measured on the shipped scenarios (ratio of the
//! independent-runs interval to the paired one, 1M journeys): adding live chat 5.0x with walks
//! going on independently after parting, 28x with `cross`; shifting display to paid search
//! 7.9x and 13.9x. A step of `cross` is Markovian in the pair of states and has marginals p(a,
//! .) and q(b, .), so each walk is still exactly its own chain's.

use super::alias::FlatAlias;
use super::sampler::Sampler;
use crate::error::{Error, Result};

/// Marks a baseline state whose row the scenario shares (or whose entry row it shares).
const SAME: u32 = u32::MAX;

/// Maximal couplings of many pairs of distributions (p, q) over `u32` targets: row `r` draws
/// the scenario's target given the baseline's.
#[derive(Debug, Clone, Default)]
pub struct MaximalCoupling {
    /// Row r's baseline targets are `targets[ptr[r]..ptr[r + 1]]`, sorted.
    ptr: Vec<usize>,
    /// Targets of p with positive probability.
    targets: Vec<u32>,
    /// min(1, q(x) / p(x)) for each of them.
    accept: Vec<f64>,
    /// Row r: the residual distribution max(q - p, 0), normalised.
    residual: FlatAlias,
}

/// Collects the rows of a [`MaximalCoupling`].
#[derive(Debug, Default)]
pub struct MaximalCouplingBuilder {
    coupling: MaximalCoupling,
    residual_rows: Vec<(Vec<f64>, Vec<u32>)>,
}

impl MaximalCouplingBuilder {
    /// Adds the coupling of `p` (the baseline's distribution) with `q` (the scenario's), each a
    /// list of `(target, probability)` normalised here, and returns its row; `None` when the two
    /// are the same distribution, which needs no row (the scenario takes the baseline's draw).
    pub fn push(&mut self, p: &[(u32, f64)], q: &[(u32, f64)]) -> Option<u32> {
        let (p, q) = (normalised(p), normalised(q));
        if p == q {
            return None;
        }
        let prob =
            |d: &[(u32, f64)], t: u32| d.binary_search_by_key(&t, |e| e.0).map_or(0.0, |i| d[i].1);
        let (weights, outcomes): (Vec<f64>, Vec<u32>) = q
            .iter()
            .map(|&(t, qt)| (qt - prob(&p, t), t))
            .filter(|&(w, _)| w > 0.0)
            .unzip();
        if weights.is_empty() {
            // p and q differ only by rounding that leaves no mass to move: the same distribution.
            return None;
        }
        let c = &mut self.coupling;
        if c.ptr.is_empty() {
            c.ptr.push(0);
        }
        for &(t, pt) in &p {
            c.targets.push(t);
            c.accept.push((prob(&q, t) / pt).min(1.0));
        }
        c.ptr.push(c.targets.len());
        self.residual_rows.push((weights, outcomes));
        Some(self.residual_rows.len() as u32 - 1)
    }

    /// The finished couplings.
    pub fn finish(mut self) -> MaximalCoupling {
        self.coupling.residual = FlatAlias::new(&self.residual_rows);
        self.coupling
    }
}

/// `d` sorted by target, duplicate targets merged, zero probabilities dropped, summing to 1
/// (as the alias tables normalise their weights).
fn normalised(d: &[(u32, f64)]) -> Vec<(u32, f64)> {
    let mut d: Vec<(u32, f64)> = d.iter().copied().filter(|e| e.1 > 0.0).collect();
    d.sort_by_key(|e| e.0);
    d.dedup_by(|next, kept| {
        let same = next.0 == kept.0;
        if same {
            kept.1 += next.1;
        }
        same
    });
    let total: f64 = d.iter().map(|e| e.1).sum();
    d.iter_mut().for_each(|e| e.1 /= total);
    d
}

/// A uniform in [0, 1) from 53 random bits.
#[inline(always)]
fn uniform(bits: u64) -> f64 {
    (bits >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

impl MaximalCoupling {
    /// The scenario's target of row `row` when the baseline drew `x`: `x` itself with
    /// probability min(1, q(x)/p(x)), else a residual draw. `bits` supplies random numbers
    /// independent of the ones that drew `x` (called at most twice, and not at all when `x` is
    /// kept with certainty).
    #[inline]
    pub fn couple(&self, row: u32, x: u32, mut bits: impl FnMut() -> u64) -> u32 {
        let range = self.ptr[row as usize]..self.ptr[row as usize + 1];
        let targets = &self.targets[range.clone()];
        let i = targets.partition_point(|&t| t < x);
        // x is always one of p's targets (the baseline drew it); 0 keeps the draw exact anyway.
        let accept = if targets.get(i) == Some(&x) {
            self.accept[range.start + i]
        } else {
            0.0
        };
        if accept >= 1.0 || (accept > 0.0 && uniform(bits()) < accept) {
            x
        } else if self.residual.row_len(row) == 1 {
            self.residual.first(row)
        } else {
            self.residual.draw(row, bits())
        }
    }

    /// Number of rows.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.residual.len()
    }
}

/// How paired walks through a baseline and a scenario sampler share their draws (see the
/// module docs). Built once per pair of samplers, in time linear in their rows.
#[derive(Debug, Clone)]
pub struct Coupling {
    /// The baseline's number of states (its (conversion) target).
    base_n: u32,
    /// The scenario's number of states.
    alt_n: u32,
    /// Per baseline state: its row in `maximal`, or [`SAME`].
    rows: Vec<u32>,
    /// The entry row's row in `maximal`, or [`SAME`].
    entry: u32,
    /// Per baseline state: the scenario's value distribution there has the same weights, so a
    /// pair of walks converting from it takes values from the same draw (its position in the
    /// list of values), and the value difference is 0 unless the values themselves changed.
    same_value_weights: Vec<bool>,
    maximal: MaximalCoupling,
}

impl Coupling {
    /// The coupling of `base` with `alt`, which must keep `base`'s states (same ids; it may
    /// append more).
    pub fn new(base: &Sampler, alt: &Sampler) -> Result<Self> {
        if alt.n < base.n {
            return Err(Error::Invalid(
                "the modified chain must keep the baseline's states (it may only add some)".into(),
            ));
        }
        let (base_n, alt_n) = (base.n, alt.n);
        let common = |t: u32| if t < base_n { t } else { t - base_n + alt_n };
        let mut builder = MaximalCouplingBuilder::default();
        let entry = builder
            .push(&base.entry_probs, &alt.entry_probs)
            .unwrap_or(SAME);
        let mut rows = Vec::with_capacity(base_n as usize);
        let mut same_value_weights = Vec::with_capacity(base_n as usize);
        let (mut p, mut q) = (Vec::new(), Vec::new());
        for s in 0..base_n {
            let (targets, probs) = base.row_probabilities(s);
            p.clear();
            p.extend(
                targets
                    .iter()
                    .map(|&t| common(t))
                    .zip(probs.iter().copied()),
            );
            let (targets, probs) = alt.row_probabilities(s);
            q.clear();
            q.extend(targets.iter().copied().zip(probs.iter().copied()));
            rows.push(builder.push(&p, &q).unwrap_or(SAME));
            same_value_weights
                .push(base.value_distribution_weights(s) == alt.value_distribution_weights(s));
        }
        Ok(Coupling {
            base_n,
            alt_n,
            rows,
            entry,
            same_value_weights,
            maximal: builder.finish(),
        })
    }

    /// A baseline target (state, `base_n` = (conversion) or `base_n + 1` = (null)) in the
    /// scenario's numbering.
    #[inline(always)]
    pub fn common(&self, target: u32) -> u32 {
        if target < self.base_n {
            target
        } else {
            target - self.base_n + self.alt_n
        }
    }

    /// The scenario's first state when the baseline's is `first`.
    #[inline]
    pub fn entry(&self, first: u32, bits: impl FnMut() -> u64) -> u32 {
        if self.entry == SAME {
            first
        } else {
            self.maximal.couple(self.entry, first, bits)
        }
    }

    /// The scenario's target (its numbering) from baseline state `s` when the baseline's
    /// target is `x` (already in the scenario's numbering, see [`Coupling::common`]).
    #[inline(always)]
    pub fn step(&self, s: u32, x: u32, bits: impl FnMut() -> u64) -> u32 {
        // SAFETY of the index: walks only hold baseline states, and `rows` has one per state.
        let row = self.rows[s as usize];
        if row == SAME {
            x
        } else {
            self.maximal.couple(row, x, bits)
        }
    }

    /// The scenario's target (its numbering) from its state `b` when the baseline, in another
    /// state `a`, drew `x` (in the scenario's numbering): the maximal coupling of p(a, .) with
    /// q(b, .), computed on the spot from the two rows (no table: the pairs are too many).
    pub fn cross(
        &self,
        base: &Sampler,
        alt: &Sampler,
        a: u32,
        b: u32,
        x: u32,
        mut bits: impl FnMut() -> u64,
    ) -> u32 {
        let (pt, pp) = base.row_probabilities(a);
        let (qt, qp) = alt.row_probabilities(b);
        // p(a, y) for y in the scenario's numbering (new states: 0).
        let p_of = |y: u32| {
            let yb = if y < self.base_n {
                y
            } else if y >= self.alt_n {
                y - self.alt_n + self.base_n
            } else {
                return 0.0;
            };
            pt.iter().position(|&t| t == yb).map_or(0.0, |i| pp[i])
        };
        let q_of = |y: u32| qt.iter().position(|&t| t == y).map_or(0.0, |i| qp[i]);
        let (px, qx) = (p_of(x), q_of(x));
        if qx >= px || (qx > 0.0 && uniform(bits()) * px < qx) {
            return x;
        }
        let total: f64 = qt
            .iter()
            .zip(qp)
            .map(|(&y, &q)| (q - p_of(y)).max(0.0))
            .sum();
        let mut u = uniform(bits()) * total;
        let mut last = x;
        for (&y, &q) in qt.iter().zip(qp) {
            let r = (q - p_of(y)).max(0.0);
            if r > 0.0 {
                last = y;
                if u < r {
                    return y;
                }
                u -= r;
            }
        }
        last
    }

    /// True when the scenario's value distribution at baseline state `s` has the baseline's
    /// weights, so converting pairs share the draw.
    #[inline(always)]
    pub fn same_value_weights(&self, s: u32) -> bool {
        self.same_value_weights[s as usize]
    }

    /// Number of baseline rows (the entry row included) the scenario changes.
    #[cfg(test)]
    pub fn changed_rows(&self) -> usize {
        self.maximal.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_xoshiro::Xoshiro256PlusPlus;

    fn coupling(p: &[(u32, f64)], q: &[(u32, f64)]) -> (MaximalCoupling, u32) {
        let mut b = MaximalCouplingBuilder::default();
        let row = b.push(p, q).expect("p and q differ");
        (b.finish(), row)
    }

    #[test]
    fn acceptances_give_the_scenario_exactly_q_and_agreement_one_minus_total_variation() {
        // p over targets 0..4; q moves mass from 1 and 3 to 0 and to a new target 4.
        let p = [(0, 0.1), (1, 0.4), (2, 0.2), (3, 0.3)];
        let q = [(0, 0.25), (1, 0.3), (2, 0.2), (3, 0.05), (4, 0.2)];
        let (c, row) = coupling(&p, &q);
        let accept = |x: u32| {
            let i = c.targets.iter().position(|&t| t == x).unwrap();
            c.accept[c.ptr[row as usize] + i]
        };
        // Kept mass min(p, q) per target; the rejected mass is d_TV = 0.35, spread over the
        // residual max(q - p, 0) / d_TV = {0: 0.15, 4: 0.2} / 0.35.
        let kept: Vec<f64> = p.iter().map(|&(x, px)| px * accept(x)).collect();
        assert_eq!(kept.len(), 4);
        let rejected: f64 = p.iter().map(|&(x, px)| px * (1.0 - accept(x))).sum();
        assert!((rejected - 0.35).abs() < 1e-12, "{rejected}");
        let residual = [(0, 0.15 / 0.35), (4, 0.2 / 0.35)];
        for &(y, qy) in &q {
            let k = p.iter().position(|e| e.0 == y).map_or(0.0, |i| kept[i]);
            let r = residual.iter().find(|e| e.0 == y).map_or(0.0, |e| e.1);
            assert!((k + rejected * r - qy).abs() < 1e-12, "q({y})");
        }
        // The residual alias row draws only the targets q gained.
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        for _ in 0..1000 {
            let y = c.residual.draw(row, rng.next_u64());
            assert!(y == 0 || y == 4, "{y}");
        }
    }

    #[test]
    fn sampled_pairs_follow_q_and_agree_as_often_as_possible_within_four_standard_errors() {
        let p = [(0, 0.5), (1, 0.3), (2, 0.2)];
        let q = [(0, 0.35), (1, 0.3), (2, 0.15), (5, 0.2)];
        let (c, row) = coupling(&p, &q);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(9);
        let n = 200_000;
        let (mut counts, mut same) = ([0u32; 6], 0u32);
        for _ in 0..n {
            // x ~ p by inversion.
            let v = uniform(rng.next_u64());
            let x = if v < 0.5 {
                0
            } else if v < 0.8 {
                1
            } else {
                2
            };
            let y = c.couple(row, x, || rng.next_u64());
            counts[y as usize] += 1;
            same += (x == y) as u32;
        }
        for (t, qt) in q {
            let se = (qt * (1.0 - qt) / n as f64).sqrt();
            let got = counts[t as usize] as f64 / n as f64;
            assert!((got - qt).abs() <= 4.0 * se, "q({t}): {got} vs {qt}");
        }
        // d_TV = 0.15 + 0.05 = 0.2.
        let (agree, tv) = (same as f64 / n as f64, 0.2);
        let se = (tv * (1.0 - tv) / n as f64).sqrt();
        assert!((agree - (1.0 - tv)).abs() <= 4.0 * se, "{agree}");
    }

    #[test]
    fn identical_distributions_need_no_row_and_certain_outcomes_take_no_bits() {
        let mut b = MaximalCouplingBuilder::default();
        // The same distribution, listed in another order and unnormalised.
        assert_eq!(b.push(&[(0, 0.25), (3, 0.75)], &[(3, 3.0), (0, 1.0)]), None);
        // q puts more mass on 0 than p: keeping x = 0 is certain and takes no random bits.
        let row = b
            .push(&[(0, 0.5), (1, 0.5)], &[(0, 0.6), (1, 0.4)])
            .unwrap();
        let c = b.finish();
        assert_eq!(c.len(), 1);
        assert_eq!(c.couple(row, 0, || panic!("no bits needed")), 0);
        // x = 1 is kept with probability 0.8: all bits set (a uniform just below 1) rejects
        // it, and the residual has one target, 0, drawn without more bits.
        let mut calls = 0;
        assert_eq!(
            c.couple(row, 1, || {
                calls += 1;
                u64::MAX
            }),
            0
        );
        assert_eq!(calls, 1);
        assert_eq!(c.couple(row, 1, || 0), 1);
    }
}
