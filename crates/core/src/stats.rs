//! Small statistics shared by every analysis: the 95% normal quantile and 95% intervals.
//!
//! - Proportions (conversion rate, a channel's share of converting walks) use the Wilson score
//!   interval (Wilson 1927), which keeps its coverage near 95% for rates near 0 or 1 where the
//!   normal ("Wald") interval does not (Brown, Cai and DasGupta 2001).
//! - Means (value per journey) use the normal interval `mean +- z * s / sqrt(n)` (central limit
//!   theorem; n is in the millions).
//! - Ratios of sums (value removal effect `sum(v x) / sum(v)`) use the delta method:
//!   `Var(R) ~= sum((v x - R v)^2) / sum(v)^2` (e.g. Cochran 1977, ch. 6, ratio estimator).
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
}
