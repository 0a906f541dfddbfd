//! Positive continuous distributions as files write them (`{"distribution": "gamma", "shape": 2,
//! "scale": 24}`): a journey map's dwell times and conversion values, a model's fitted times to
//! the next event ([`crate::dwell`]), and their samplers.

use rand_distr::{Distribution as _, Exp, Gamma, LogNormal, Weibull};
use serde::{Deserialize, Serialize};

/// A positive continuous distribution (dwell time in hours, or conversion value).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "distribution", rename_all = "snake_case", deny_unknown_fields)]
pub enum Distribution {
    /// Exponential with the given mean.
    Exponential {
        /// Mean (> 0).
        mean: f64,
    },
    /// Gamma with shape k and scale s (mean k s).
    Gamma {
        /// Shape k (> 0).
        shape: f64,
        /// Scale s (> 0).
        scale: f64,
    },
    /// Log-normal given by its mean and coefficient of variation (sd / mean).
    LogNormal {
        /// Mean (> 0).
        mean: f64,
        /// Coefficient of variation (>= 0).
        cv: f64,
    },
    /// Weibull with shape k and scale s: `P(X > x) = exp(-(x / s)^k)`, mean s Γ(1 + 1/k).
    Weibull {
        /// Shape k (> 0; 1 is the exponential).
        shape: f64,
        /// Scale s (> 0).
        scale: f64,
    },
    /// Always the same number.
    Constant {
        /// The number (>= 0).
        value: f64,
    },
}

impl Distribution {
    /// The distribution's mean.
    pub fn mean(&self) -> f64 {
        match *self {
            Distribution::Exponential { mean } | Distribution::LogNormal { mean, .. } => mean,
            Distribution::Gamma { shape, scale } => shape * scale,
            // Through the logarithm: Γ(1 + 1/k) overflows an f64 for k below about 0.006
            // while scale * Γ may still be representable.
            Distribution::Weibull { shape, scale } => {
                (scale.ln() + statrs::function::gamma::ln_gamma(1.0 + 1.0 / shape)).exp()
            }
            Distribution::Constant { value } => value,
        }
    }

    /// `k` equally likely values standing for the distribution: the quantiles at the midpoints
    /// `(i + 1/2) / k`, rescaled so their mean is exactly the distribution's mean. The
    /// simulation engine draws conversion values from such discrete distributions (alias
    /// tables), so a map's value distribution is walked with its spread, not only its mean.
    pub fn quantiles(&self, k: usize) -> Vec<f64> {
        use statrs::distribution::{ContinuousCDF, Normal};
        let q = |i: usize| (i as f64 + 0.5) / k as f64;
        let raw: Vec<f64> = match *self {
            Distribution::Constant { value } => return vec![value],
            Distribution::Exponential { mean } => {
                (0..k).map(|i| -mean * (1.0 - q(i)).ln()).collect()
            }
            Distribution::LogNormal { mean, cv } => {
                let sigma = (1.0 + cv * cv).ln().sqrt();
                let mu = mean.ln() - sigma * sigma / 2.0;
                let normal = Normal::standard();
                (0..k)
                    .map(|i| (mu + sigma * normal.inverse_cdf(q(i))).exp())
                    .collect()
            }
            Distribution::Gamma { shape, scale } => {
                match statrs::distribution::Gamma::new(shape, 1.0 / scale) {
                    Ok(gamma) => (0..k).map(|i| gamma.inverse_cdf(q(i))).collect(),
                    Err(_) => return vec![self.mean()],
                }
            }
            Distribution::Weibull { shape, scale } => (0..k)
                .map(|i| scale * (-(-q(i)).ln_1p()).powf(1.0 / shape))
                .collect(),
        };
        let average = raw.iter().sum::<f64>() / raw.len().max(1) as f64;
        if !(average > 0.0 && average.is_finite()) {
            return vec![self.mean()];
        }
        raw.iter().map(|x| x * self.mean() / average).collect()
    }

    /// A sampler, or what is wrong with the parameters.
    pub fn sampler(&self) -> std::result::Result<DistributionSampler, String> {
        let positive = |name: &str, x: f64| {
            if x > 0.0 && x.is_finite() {
                Ok(())
            } else {
                Err(format!("{name} is {x}; it must be a positive number"))
            }
        };
        match *self {
            Distribution::Exponential { mean } => {
                positive("mean", mean)?;
                Ok(DistributionSampler::Exponential(
                    Exp::new(1.0 / mean).map_err(|e| e.to_string())?,
                ))
            }
            Distribution::Gamma { shape, scale } => {
                positive("shape", shape)?;
                positive("scale", scale)?;
                Ok(DistributionSampler::Gamma(
                    Gamma::new(shape, scale).map_err(|e| e.to_string())?,
                ))
            }
            Distribution::LogNormal { mean, cv } => {
                positive("mean", mean)?;
                if !(cv >= 0.0 && cv.is_finite()) {
                    return Err(format!("cv is {cv}; it must be >= 0"));
                }
                // rand_distr's `from_mean_cv` takes `ln(mean^2 / (1 + cv^2)) / 2`, whose square
                // overflows above a mean of about 1.3e154 (and loses the mean below 1e-154):
                // such means take the same parameters through the logarithm. Means in between
                // keep rand_distr's own arithmetic, so seeded outputs stay bit for bit.
                let squared = mean * mean / (1.0 + cv * cv);
                let log_normal = if squared.is_normal() {
                    LogNormal::from_mean_cv(mean, cv)
                } else {
                    let variance = (cv * cv).ln_1p();
                    LogNormal::new(mean.ln() - variance / 2.0, variance.sqrt())
                };
                Ok(DistributionSampler::LogNormal(
                    log_normal.map_err(|e| e.to_string())?,
                ))
            }
            Distribution::Weibull { shape, scale } => {
                positive("shape", shape)?;
                positive("scale", scale)?;
                // A small shape gives a mean beyond any f64 (shape 0.005: Γ(201)); a map's
                // figures use the mean, so such a distribution is refused here.
                if !self.mean().is_finite() {
                    return Err(format!(
                        "shape {shape} with scale {scale} has an infinite mean; the shape must be larger"
                    ));
                }
                // rand_distr's order is (scale, shape).
                Ok(DistributionSampler::Weibull(
                    Weibull::new(scale, shape).map_err(|e| e.to_string())?,
                ))
            }
            Distribution::Constant { value } => {
                if !(value >= 0.0 && value.is_finite()) {
                    return Err(format!("value is {value}; it must be >= 0"));
                }
                Ok(DistributionSampler::Constant(value))
            }
        }
    }
}

/// A ready-to-draw [`Distribution`].
#[derive(Debug, Clone, Copy)]
pub enum DistributionSampler {
    /// Exponential.
    Exponential(Exp<f64>),
    /// Gamma.
    Gamma(Gamma<f64>),
    /// Log-normal.
    LogNormal(LogNormal<f64>),
    /// Weibull.
    Weibull(Weibull<f64>),
    /// Constant.
    Constant(f64),
}

impl DistributionSampler {
    /// One draw.
    pub fn sample<R: rand::Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match self {
            DistributionSampler::Exponential(d) => d.sample(rng),
            DistributionSampler::Gamma(d) => d.sample(rng),
            DistributionSampler::LogNormal(d) => d.sample(rng),
            DistributionSampler::Weibull(d) => d.sample(rng),
            DistributionSampler::Constant(v) => *v,
        }
    }
}
