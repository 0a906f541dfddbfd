//! Sums whose result does not depend on the order of their terms.
//!
//! A floating-point `+=` rounds after every term, so the same numbers added in another order
//! can differ in the last bits. [`ExactSum`] keeps the exact sum and rounds once, when read: its
//! value is the correctly rounded sum of everything added, whatever the order. Whole numbers
//! below 2^53 (counts of journeys, the common case) are added in an `f64`, where their sum is
//! exact, as is any addition that happens to lose nothing (the first term, say); a term whose
//! addition would round goes to a long fixed-point accumulator (the `bitrep` crate's), allocated
//! only when first needed.
//!
//! ```
//! use journeysim_core::exact_sum::ExactSum;
//!
//! let (mut a, mut b) = (ExactSum::default(), ExactSum::default());
//! for x in [0.1, 0.2, 0.3, 0.6, 3.0] { a.add(x); }
//! for x in [3.0, 0.6, 0.3, 0.2, 0.1] { b.add(x); }
//! assert_eq!(a.value().to_bits(), b.value().to_bits());
//! // Plain addition in those two orders disagrees in the last bit.
//! assert_ne!(0.1 + 0.2 + 0.3 + 0.6 + 3.0, 3.0 + 0.6 + 0.3 + 0.2 + 0.1);
//! ```

use bitrep::SumF64;

/// An order-independent sum of `f64` terms (see the module documentation).
#[derive(Debug, Clone, Default)]
pub struct ExactSum {
    /// The exact sum of the terms whose addition lost nothing.
    whole: f64,
    /// Every other term, exactly.
    rest: Option<Box<SumF64>>,
}

impl ExactSum {
    /// Adds `x` (infinities and NaN are kept as such: the value is then not finite).
    pub fn add(&mut self, x: f64) {
        match add_exactly(self.whole, x) {
            Some(sum) => self.whole = sum,
            None => self.rest.get_or_insert_default().add(x),
        }
    }

    /// The sum of the one term `x`.
    pub fn of(x: f64) -> Self {
        let mut sum = ExactSum::default();
        sum.add(x);
        sum
    }

    /// Adds every term of `other`, exactly.
    pub fn merge(&mut self, other: &ExactSum) {
        self.add(other.whole);
        if let Some(rest) = &other.rest {
            self.rest.get_or_insert_default().merge(rest);
        }
    }

    /// The correctly rounded sum of every term added.
    pub fn value(&self) -> f64 {
        match &self.rest {
            None => self.whole,
            Some(rest) => {
                let mut total = (**rest).clone();
                total.add(self.whole);
                total.value()
            }
        }
    }
}

/// `a + b` if an `f64` holds it exactly (and it is finite), else `None`.
pub fn add_exactly(a: f64, b: f64) -> Option<f64> {
    // Knuth's two-sum: `error` is exactly what rounding `a + b` lost, so a zero error means the
    // f64 holds the exact sum (always so when one term is zero, and for whole numbers below
    // 2^53).
    let sum = a + b;
    let b_part = sum - a;
    let error = (a - (sum - b_part)) + (b - b_part);
    (error == 0.0 && sum.is_finite()).then_some(sum)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sum(terms: &[f64]) -> f64 {
        let mut s = ExactSum::default();
        terms.iter().for_each(|&x| s.add(x));
        s.value()
    }

    #[test]
    fn additions_that_lose_nothing_stay_in_the_fast_path() {
        let mut s = ExactSum::default();
        for _ in 0..1000 {
            s.add(3.0);
        }
        s.add(0.25);
        assert!(s.rest.is_none());
        assert_eq!(s.value(), 3000.25);
        // One decimal term alone is exact; a second that rounds spills.
        let mut t = ExactSum::default();
        t.add(0.1);
        assert!(t.rest.is_none());
        t.add(0.2);
        assert!(t.rest.is_some());
        assert_eq!(t.value(), 0.30000000000000004);
    }

    #[test]
    fn sums_past_two_to_the_53_stay_exact() {
        const EXACT_INTEGERS: f64 = 9_007_199_254_740_992.0; // 2^53
        // 2^53 - 1 + 1 + 1 = 2^53 + 1, which an f64 cannot hold: the correctly rounded sum is
        // 2^53 (ties to even); plain addition gives the same here, but then adding -2^53
        // must give exactly 1.
        let big = EXACT_INTEGERS - 1.0;
        assert_eq!(sum(&[big, 1.0, 1.0, -EXACT_INTEGERS]), 1.0);
        assert_eq!(sum(&[-EXACT_INTEGERS, 1.0, big, 1.0]), 1.0);
    }

    #[test]
    fn every_order_gives_the_correctly_rounded_sum() {
        let terms = [0.1, 1e16, 0.2, -1e16, 0.3, 7.0, 1e-300];
        // The exact sum is 7.6 + 1e-300, whose nearest double is the nearest double to 7.6.
        let expected = sum(&terms);
        assert_eq!(expected, 7.6);
        let mut reversed = terms;
        reversed.reverse();
        assert_eq!(sum(&reversed).to_bits(), expected.to_bits());
        let mut rotated = terms;
        rotated.rotate_left(3);
        assert_eq!(sum(&rotated).to_bits(), expected.to_bits());
    }

    #[test]
    fn non_finite_terms_give_a_non_finite_value() {
        assert!(sum(&[1.0, f64::INFINITY]).is_infinite());
        assert!(sum(&[1.0, f64::NAN]).is_nan());
        assert!(sum(&[f64::MAX, f64::MAX]).is_infinite());
    }
}
