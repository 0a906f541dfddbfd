//! Small statistics shared by every analysis: the 95% normal quantile, 95% intervals, the
//! G-test of homogeneity and Benjamini-Hochberg q-values.
//!
//! - Proportions (conversion rate, a channel's share of converting walks) use the Wilson score
//!   interval (Wilson 1927), which keeps its coverage near 95% for rates near 0 or 1 where the
//!   normal ("Wald") interval does not (Brown, Cai and DasGupta 2001).
//! - Means (value per journey) use the normal interval `mean +- z * s / sqrt(n)` (central limit
//!   theorem; n is in the millions).
//! - Ratios of sums (value removal effect `sum(v x) / sum(v)`) use the delta method:
//!   `Var(R) ~= sum((v x - R v)^2) / sum(v)^2` (e.g. Cochran 1977, ch. 6, ratio estimator).
//! - Two rows of counts over the same categories (a state's transitions in two periods) are
//!   compared by the G-test of homogeneity (the likelihood-ratio test of a contingency table,
//!   Sokal and Rohlf 1995, ch. 17; for Markov chains Anderson and Goodman 1957), and many such
//!   tests are corrected by Benjamini-Hochberg q-values (Benjamini and Hochberg 1995).
//!
//! ```
//! use journeysim_core::stats::{Z95, mean_interval, wilson_interval};
//!
//! // 5 of 10: the Wilson interval is centred at 0.5 and stays inside [0, 1].
//! let [low, high] = wilson_interval(5.0, 10.0);
//! assert!((low - 0.236_593).abs() < 1e-6 && (high - 0.763_407).abs() < 1e-6);
//! // 1, 2, 3: mean 2, sample variance 1, half-width z / sqrt(3).
//! let (mean, [lo, hi]) = mean_interval(6.0, 14.0, 3);
//! assert_eq!(mean, 2.0);
//! assert!((hi - lo - 2.0 * Z95 / 3f64.sqrt()).abs() < 1e-12);
//! ```

/// The two-sided 95% normal quantile Phi^-1(0.975) = 1.95996398454005423552..., correctly
/// rounded (statrs' numerical inverse lands two ulps below it). Every interval uses this value.
pub const Z95: f64 = 1.959_963_984_540_054_3;

/// Wilson score interval for `successes` out of `trials` (weights allowed); `[0, 1]` on no trials.
pub fn wilson_interval(successes: f64, trials: f64) -> [f64; 2] {
    if trials <= 0.0 {
        return [0.0, 1.0];
    }
    let p = successes / trials;
    let z2 = Z95 * Z95;
    let denominator = 1.0 + z2 / trials;
    let centre = (p + z2 / (2.0 * trials)) / denominator;
    let half = Z95 / denominator * (p * (1.0 - p) / trials + z2 / (4.0 * trials * trials)).sqrt();
    [(centre - half).max(0.0), (centre + half).min(1.0)]
}

/// Normal 95% interval of a mean from `sum`, `sum_sq` over `n` observations: (mean, [lo, hi]).
pub fn mean_interval(sum: f64, sum_sq: f64, n: u64) -> (f64, [f64; 2]) {
    if n == 0 {
        return (0.0, [0.0, 0.0]);
    }
    let nf = n as f64;
    let mean = sum / nf;
    let variance = if n > 1 {
        ((sum_sq - sum * mean) / (nf - 1.0)).max(0.0)
    } else {
        0.0
    };
    let half = Z95 * (variance / nf).sqrt();
    (mean, [mean - half, mean + half])
}

/// Delta-method 95% interval of `R = part / whole` where `part = sum(v x)`, `whole = sum(v)`,
/// `part_sq = sum(v^2 x)` and `whole_sq = sum(v^2)` for indicators x; clamped to [0, 1].
pub fn ratio_interval(part: f64, part_sq: f64, whole: f64, whole_sq: f64) -> (f64, [f64; 2]) {
    if whole <= 0.0 {
        return (0.0, [0.0, 1.0]);
    }
    let r = part / whole;
    // sum((v x - r v)^2) = sum(v^2 x) (1 - 2r) + r^2 sum(v^2), as x^2 = x.
    let residual = (part_sq * (1.0 - 2.0 * r) + r * r * whole_sq).max(0.0);
    let half = Z95 * residual.sqrt() / whole;
    (r, [(r - half).max(0.0), (r + half).min(1.0)])
}

/// The smallest length `l` with at least a share `q` of journeys at most `l` long.
pub fn histogram_quantile(counts: &[u64], q: f64) -> u64 {
    let total: u64 = counts.iter().sum();
    let target = (q * total as f64).ceil().max(1.0) as u64;
    let mut cumulative = 0u64;
    for (l, &c) in counts.iter().enumerate() {
        cumulative += c;
        if cumulative >= target {
            return l as u64;
        }
    }
    counts.len().saturating_sub(1) as u64
}

/// The G-test of homogeneity of two rows of counts over the same categories (weights allowed):
/// `G = 2 sum O ln(O / E)` with `E = row total x column total / total`, on `df` = the number of
/// categories with a count in either row minus 1, and `p` = P(chi-squared(df) >= G) (statrs).
/// A table with at most one used category, or an empty row, has `G = 0`, `df = 0`, `p = 1`.
pub fn g_test(a: &[f64], b: &[f64]) -> GTest {
    assert_eq!(a.len(), b.len(), "two rows over the same categories");
    let (ta, tb): (f64, f64) = (a.iter().sum(), b.iter().sum());
    let used = a.iter().zip(b).filter(|(x, y)| **x + **y > 0.0).count();
    if used < 2 || ta <= 0.0 || tb <= 0.0 {
        return GTest {
            g: 0.0,
            df: used.saturating_sub(1),
            p: 1.0,
        };
    }
    let total = ta + tb;
    let mut g = 0.0;
    for (&x, &y) in a.iter().zip(b) {
        let column = x + y;
        for (observed, row) in [(x, ta), (y, tb)] {
            if observed > 0.0 {
                g += observed * (observed / (row * column / total)).ln();
            }
        }
    }
    // Rounding can leave a tiny negative sum for identical rows.
    let g = (2.0 * g).max(0.0);
    let df = used - 1;
    let p = statrs::distribution::ChiSquared::new(df as f64)
        .map(|d| statrs::distribution::ContinuousCDF::sf(&d, g))
        .unwrap_or(1.0);
    GTest { g, df, p }
}

/// The result of [`g_test`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GTest {
    /// The G statistic.
    pub g: f64,
    /// Degrees of freedom: categories with a count in either row, minus 1.
    pub df: usize,
    /// P(chi-squared(df) >= G).
    pub p: f64,
}

/// Benjamini-Hochberg q-values of `p` (in the same order): `q(i) = min over j with p(j) >= p(i)
/// of m p(j) / rank(j)`, capped at 1. Flagging every test with `q <= alpha` keeps the expected
/// share of false discoveries at most `alpha` for independent tests (Benjamini and Hochberg
/// 1995).
pub fn benjamini_hochberg(p: &[f64]) -> Vec<f64> {
    let m = p.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&i, &j| p[i].total_cmp(&p[j]).then(i.cmp(&j)));
    let mut q = vec![0.0; m];
    let mut running = 1.0f64;
    for (rank, &i) in order.iter().enumerate().rev() {
        running = running.min(p[i] * m as f64 / (rank + 1) as f64);
        q[i] = running.min(1.0);
    }
    q
}

#[cfg(test)]
mod tests {
    use super::*;
    use statrs::distribution::{ContinuousCDF, Normal};

    #[test]
    fn wilson_matches_a_hand_computed_case() {
        // 5 of 10: centre (0.5 + 1.92/10) / 1.384 = 0.5, half-width 0.2634.
        let [lo, hi] = wilson_interval(5.0, 10.0);
        assert!(
            (lo - 0.236_593).abs() < 1e-6 && (hi - 0.763_407).abs() < 1e-6,
            "{lo} {hi}"
        );
    }

    #[test]
    fn z_is_the_normal_quantile() {
        // The tabulated quantile, correctly rounded (Rust's parser rounds correctly)...
        assert_eq!(Z95, "1.95996398454005423552".parse::<f64>().unwrap());
        // ... and statrs' numerical inverse agrees to within a few ulps.
        let statrs = Normal::standard().inverse_cdf(0.975);
        assert!((Z95 - statrs).abs() <= 4.0 * f64::EPSILON * Z95, "{statrs}");
    }

    #[test]
    fn mean_interval_matches_a_hand_computed_case() {
        // 1, 2, 3: mean 2, sample variance 1, half-width z / sqrt(3).
        let (mean, [lo, hi]) = mean_interval(6.0, 14.0, 3);
        assert_eq!(mean, 2.0);
        let half = Z95 / 3f64.sqrt();
        assert!((lo - (2.0 - half)).abs() < 1e-12 && (hi - (2.0 + half)).abs() < 1e-12);
    }

    #[test]
    fn ratio_interval_matches_a_hand_computed_case() {
        // Values 1, 2, 3 with x = 1, 0, 1: R = 4/6; residuals 1/3, -4/3, 1 squared sum to 26/9.
        let (r, [lo, hi]) = ratio_interval(4.0, 10.0, 6.0, 14.0);
        assert!((r - 4.0 / 6.0).abs() < 1e-15);
        let half = Z95 * (26.0f64 / 9.0).sqrt() / 6.0;
        assert!((lo - (r - half).max(0.0)).abs() < 1e-12);
        assert!((hi - (r + half).min(1.0)).abs() < 1e-12);
    }

    #[test]
    fn quantiles_of_a_histogram() {
        // lengths 1,1,2,3,3,3,3,4,4,9
        let mut counts = vec![0u64; 10];
        for (l, c) in [(1, 2), (2, 1), (3, 4), (4, 2), (9, 1)] {
            counts[l] = c;
        }
        assert_eq!(histogram_quantile(&counts, 0.5), 3);
        assert_eq!(histogram_quantile(&counts, 0.9), 4);
        assert_eq!(histogram_quantile(&counts, 1.0), 9);
        assert_eq!(histogram_quantile(&counts, 0.2), 1);
    }

    #[test]
    fn g_test_matches_a_hand_computed_table() {
        // Rows (10, 20) and (20, 10): totals 30 and 30, columns 30 and 30, every E = 15.
        // G = 2 (2 x 10 ln(10/15) + 2 x 20 ln(20/15)) = 40 ln(2/3) + 80 ln(4/3) = 6.79536...
        let t = g_test(&[10.0, 20.0], &[20.0, 10.0]);
        let g = 40.0 * (2.0f64 / 3.0).ln() + 80.0 * (4.0f64 / 3.0).ln();
        assert!((t.g - g).abs() < 1e-12, "{}", t.g);
        assert_eq!(t.df, 1);
        // chi-squared(1) survival = erfc(sqrt(G / 2)).
        let p = statrs::function::erf::erfc((g / 2.0).sqrt());
        assert!((t.p - p).abs() < 1e-12, "{} {p}", t.p);
    }

    #[test]
    fn g_test_counts_only_categories_seen_on_either_side() {
        // (3, 0, 1) against (1, 0, 3): the empty middle column is no category; E = 2 everywhere.
        let t = g_test(&[3.0, 0.0, 1.0], &[1.0, 0.0, 3.0]);
        let g = 2.0 * (2.0 * 3.0 * 1.5f64.ln() + 2.0 * 0.5f64.ln());
        assert!((t.g - g).abs() < 1e-12);
        assert_eq!(t.df, 1);
        // Three columns seen, df 2 (p from the chi-squared(2) survival exp(-G/2)).
        let t = g_test(&[2.0, 1.0, 1.0], &[0.0, 1.0, 3.0]);
        assert_eq!(t.df, 2);
        assert!((t.p - (-t.g / 2.0).exp()).abs() < 1e-12);
        // Identical proportions: G = 0, p = 1; one category only: df 0.
        let same = g_test(&[1.0, 2.0], &[2.0, 4.0]);
        assert!(same.g.abs() < 1e-12 && (same.p - 1.0).abs() < 1e-12);
        assert_eq!(g_test(&[5.0, 0.0], &[7.0, 0.0]).df, 0);
    }

    #[test]
    fn benjamini_hochberg_matches_hand_computed_and_published_values() {
        // By hand: p = 0.01, 0.04, 0.03, 0.5 (m = 4). Sorted 0.01, 0.03, 0.04, 0.5 give
        // m p / rank = 0.04, 0.06, 0.0533, 0.5; running minima from the top: 0.04, 0.0533,
        // 0.0533, 0.5.
        let q = benjamini_hochberg(&[0.01, 0.04, 0.03, 0.5]);
        let expected = [0.04, 0.16 / 3.0, 0.16 / 3.0, 0.5];
        for (a, b) in q.iter().zip(expected) {
            assert!((a - b).abs() < 1e-15, "{q:?}");
        }
        // Benjamini and Hochberg (1995), section 4: 15 p-values from a clinical trial; at
        // alpha 0.05 the procedure rejects the four smallest (and Bonferroni only three).
        let p = [
            0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.3240, 0.4262,
            0.5719, 0.6528, 0.7590, 1.0000,
        ];
        let q = benjamini_hochberg(&p);
        let rejected = q.iter().filter(|&&q| q <= 0.05).count();
        assert_eq!(rejected, 4, "{q:?}");
        // R's p.adjust(p, "BH") gives 0.0015, 0.0030, 0.0095, 0.035625 for the first four.
        for (a, b) in q.iter().zip([0.0015, 0.003, 0.0095, 0.035625]) {
            assert!((a - b).abs() < 1e-12, "{q:?}");
        }
        assert!(benjamini_hochberg(&[]).is_empty());
    }
}
