//! Time to the next event: the distribution of the days from one touch to the next touch (or the
//! conversion), fitted from observed durations, for the semi-Markov reading of a chain.
//!
//! [`fit_dwell`] takes weighted durations in days (rows of merged journeys carry counts, which
//! may be fractional) and, optionally, the bound `max_days` below which a duration is observable
//! at all (a next touch later than the inactivity window starts a new journey, so the data never
//! show longer durations). It returns a [`DwellFit`]:
//!
//! - the empirical summary: the weighted number of observations, the weighted mean and the
//!   weighted quantiles at [`QUANTILE_PROBABILITIES`]. The weighted quantile at `p` is the
//!   smallest observed duration `x` whose weighted distribution function reaches `p`:
//!   `sum(w_i : x_i <= x) >= p * sum(w_i)` (computed in floating point); for equal weights it is
//!   the inverse of the empirical distribution function (Hyndman and Fan 1996, definition 1);
//! - durations of exactly 0 (events at the same instant, common in real logs) as a point mass,
//!   `zero_share` (their weighted share), since no continuous density can put weight on one
//!   point: the continuous families are fitted to the positive durations;
//! - the maximum-likelihood fit of the exponential, gamma, log-normal and Weibull families to the
//!   positive durations, weights counting as repeated observations, each with its log-likelihood
//!   and AIC ([`Candidate`]), and the best of them by AIC ([`DwellFit::best`]).
//!
//! **Truncation.** With `max_days = T`, the positive durations are a sample of the family
//! conditioned on `X <= T`, whose density is `f(x) / F(T)`; every family is fitted by that
//! truncated likelihood (the untruncated fit of such data is biased low: it takes the short
//! durations the window lets through for the whole distribution). The reported parameters are
//! those of the untruncated family, and the model is that family truncated at `T`
//! ([`DwellFit::truncated_at_days`]): [`DwellSampler`] draws from it and its mean is the mean of
//! the truncated distribution, which is what the observed durations estimate.
//!
//! **Estimators.** Without truncation: the exponential's mean is the sample mean; the
//! log-normal's `mu` and `sigma` are the mean and (maximum-likelihood, divisor `n`) standard
//! deviation of `ln x`; the gamma's shape `k` solves `ln k - digamma(k) = ln(mean x) -
//! mean(ln x)` (Minka 2002, "Estimating a Gamma distribution", whose approximation starts a
//! safeguarded Newton iteration) and its scale is `mean / k`; the Weibull's shape solves the
//! profile equation `sum w x^k ln x / sum w x^k - 1/k - mean(ln x) = 0`, increasing in `k`
//! (Cohen 1965, "Maximum likelihood estimation in the Weibull distribution based on complete and
//! on censored samples"), by safeguarded Newton, and its scale is `(mean x^k)^(1/k)`. With
//! truncation: the exponential's score equation `mean x = m - T / (exp(T/m) - 1)` (the truncated
//! mean, increasing in `m` from 0 to `T/2`) is solved the same way; the two-parameter families
//! are maximised by Nelder and Mead's (1965) simplex search over their logarithmic parameters
//! (log shape and log mean for the gamma, `mu / sigma0` and `ln sigma` for the log-normal, log
//! shape and log scale for the Weibull), started at the untruncated estimate and restarted from
//! its own result until a restart gains nothing. Nelder-Mead rather than the `argmin` crate: two
//! parameters, a smooth objective that costs one pass over the distinct durations (the gamma,
//! log-normal and exponential need only sufficient statistics), a hundred lines tested here, and
//! no new dependency in the core, whose dependency list is fixed by the architecture check.
//!
//! **Choosing.** AIC = `2 p - 2 ln L` (Akaike 1974), with `p` the number of parameters (1 for the
//! exponential, 2 for the others) and `ln L` the weighted log-likelihood of the positive
//! durations in days. The exponential is the gamma and the Weibull of shape 1, so their maximum
//! likelihood is never below its own: the raw likelihood would never choose it, the penalty
//! does when the extra parameter buys less than 1 in `ln L`. Ties go to the family listed first
//! (exponential, gamma, log-normal, Weibull). The zero mass adds the same term to every family's
//! likelihood, so it is left out of theirs.
//!
//! **When there is no fit.** With no positive duration, [`DwellFit::best`] is `None` and the
//! model is the point mass at 0. With one distinct positive duration, no continuous family has
//! a maximum-likelihood estimate (each degenerates onto the point), `candidates` is empty and
//! `best` is that constant. A family whose likelihood has no interior maximum on the data is
//! left out of `candidates`: a sample whose spread rounds to nothing (gamma and Weibull shapes
//! beyond an `f64`), a truncated exponential whose sample mean reaches `T/2` (the likelihood
//! still rises as the mean goes to infinity), a truncated search that runs to the edge of its box
//! (30 from its start in a coordinate: a factor e^30 in a shape or a scale), a truncated gamma of
//! shape above 1e7, or parameters whose mean overflows. If every family is left out, `best` is
//! `None` and [`DwellFit::sampler`] says so.
//!
//! **Sampling.** [`DwellSampler`] draws 0 with probability `zero_share`, else from `best`; when
//! truncated, by rejection from rand_distr's sampler of the family while `F(T) >= 1/4` (at most
//! 4 draws expected) and by the inverse distribution function of a uniform on `[0, F(T))` below,
//! both exact. Its mean is `(1 - zero_share) E[X | X <= T]` in closed form: `T (1/r - 1/(e^r -
//! 1))` with `r = T/m` (exponential), `k s P(k + 1, T/s) / P(k, T/s)` (gamma, `P` the regularised
//! incomplete gamma function), `E[X] Phi(z - sigma) / Phi(z)` with `z = (ln T - mu) / sigma`
//! (log-normal), `s Γ(1 + 1/k) P(1 + 1/k, (T/s)^k) / F(T)` (Weibull).
//!
//! Magnitudes: the durations are divided by their weighted geometric mean before fitting (and
//! the parameters and likelihoods converted back), so days of 1e-300 or 1e300 fit as days of 1.
//! Order: the durations are sorted and equal ones merged (their weights summed exactly) first,
//! so no result depends on the order of the input, and a duration of weight 3 is exactly three
//! of weight 1.
//!
//! ```
//! use journeysim_core::dwell::{DwellSampler, fit_dwell};
//! use journeysim_core::distribution::Distribution;
//!
//! // One next event at the same instant, two after 1 day, one after 3 and one after 6.
//! let fit = fit_dwell(&[(0.0, 1.0), (1.0, 2.0), (3.0, 1.0), (6.0, 1.0)], None)?;
//! assert_eq!((fit.observations, fit.zero_share), (5.0, 0.2));
//! assert!((fit.mean_days - 11.0 / 5.0).abs() < 1e-12);
//! // The weighted distribution function is 0.2 at 0 days and 0.6 at 1: the median is 1 day.
//! let median = fit.quantiles.iter().find(|q| q.p == 0.5).unwrap();
//! assert_eq!(median.days, 1.0);
//! // The exponential's estimate is the mean of the positive durations, 11 / 4 days.
//! let Distribution::Exponential { mean } = fit.candidates[0].distribution else { panic!() };
//! assert!((mean - 2.75).abs() < 1e-12);
//! // The model: 0 with probability 0.2, else the best family.
//! let sampler: DwellSampler = fit.sampler()?;
//! let model_mean = 0.8 * fit.best.unwrap().mean();
//! assert!((sampler.mean() - model_mean).abs() < 1e-12);
//! let days = sampler.sample(&mut journeysim_core::rng::stream(7, 0));
//! assert!(days >= 0.0);
//! # Ok::<(), journeysim_core::Error>(())
//! ```

use rand::{Rng, RngExt};
use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal};
use statrs::function::erf::erfc;
use statrs::function::gamma::{checked_gamma_lr, ln_gamma};

use crate::distribution::{Distribution, DistributionSampler};
use crate::error::{Error, Result};
use crate::exact_sum::ExactSum;

/// The probabilities of [`DwellFit::quantiles`].
pub const QUANTILE_PROBABILITIES: [f64; 5] = [0.1, 0.25, 0.5, 0.75, 0.9];

/// The largest gamma shape fitted or sampled with truncation. statrs' regularised incomplete
/// gamma function sums a series whose length grows as the square root of the shape (25,000 terms
/// here); a shape this large is a coefficient of variation below 3e-4, which a duration of
/// journeys does not have.
const MAX_TRUNCATED_GAMMA_SHAPE: f64 = 1e7;

/// A truncated positive part is drawn by rejection from the untruncated family while at least
/// this share of it lies below the bound (at most 4 draws expected), by inverse CDF below.
const REJECTION_ACCEPTANCE: f64 = 0.25;

/// Half the width of a truncated search's box, in its logarithmic coordinates, around its start.
const SEARCH_HALF_WIDTH: f64 = 30.0;

/// A truncated search that ends this close to its box's edge found no interior maximum.
const SEARCH_EDGE: f64 = 1.0;

/// The fitted distribution of the time to the next event (see the module documentation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DwellFit {
    /// The weighted number of durations (zeros included).
    pub observations: f64,
    /// The weighted share of durations of exactly 0 days.
    pub zero_share: f64,
    /// The weighted mean duration in days (zeros included).
    pub mean_days: f64,
    /// Weighted quantiles at [`QUANTILE_PROBABILITIES`] (zeros included).
    pub quantiles: Vec<Quantile>,
    /// The model of the positive durations: the candidate of least AIC, the constant when there
    /// is one distinct positive duration, `None` when there is none or no family could be fitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub best: Option<Distribution>,
    /// Every family fitted, in the order exponential, gamma, log-normal, Weibull (a family
    /// without a maximum-likelihood estimate on the data is left out).
    pub candidates: Vec<Candidate>,
    /// The truncation bound `max_days` the families were fitted under, if any: the model of the
    /// positive durations is then `best` conditioned on being at most this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub truncated_at_days: Option<f64>,
}

/// One weighted quantile.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quantile {
    /// The probability.
    pub p: f64,
    /// The smallest observed duration whose weighted distribution function reaches `p`.
    pub days: f64,
}

/// One family's maximum-likelihood fit to the positive durations.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Candidate {
    /// The family with its estimated parameters (of the untruncated family), in days.
    pub distribution: Distribution,
    /// The weighted log-likelihood of the positive durations in days (truncated when
    /// [`DwellFit::truncated_at_days`] is given).
    pub log_likelihood: f64,
    /// `2 p - 2 log_likelihood`, with `p` the number of parameters.
    pub aic: f64,
}

impl DwellFit {
    /// The sampler of the fitted model: 0 with probability `zero_share`, else `best` (truncated
    /// at `truncated_at_days` when given). Fails when there are positive durations but no model
    /// of them (`best` is `None`), or when a fit read from a file is not a valid model.
    pub fn sampler(&self) -> Result<DwellSampler> {
        DwellSampler::new(self.zero_share, self.best, self.truncated_at_days)
    }

    /// The mean of the fitted model in days: `(1 - zero_share)` times the mean of `best`, of
    /// `best` truncated at `truncated_at_days` when given (the mean of what
    /// [`DwellFit::sampler`] draws); `None` when there is no model (see [`DwellFit::sampler`]).
    pub fn mean_days_model(&self) -> Option<f64> {
        self.sampler().ok().map(|s| s.mean())
    }
}

/// Fits the distribution of the time to the next event to `durations`, pairs of (days >= 0,
/// weight > 0), which are observable only up to `max_days` when it is given (see the module
/// documentation).
///
/// Errors: no durations at all; a duration that is NaN, negative, infinite or above `max_days`;
/// a weight that is not a finite number above 0, or weights whose sum overflows; a `max_days`
/// that is not a finite number above 0.
pub fn fit_dwell(durations: &[(f64, f64)], max_days: Option<f64>) -> Result<DwellFit> {
    if let Some(max) = max_days
        && !(max > 0.0 && max.is_finite())
    {
        return Err(Error::option(
            "max_days",
            format!("is {max}; it must be a finite number of days above 0"),
        ));
    }
    for (i, &(days, weight)) in durations.iter().enumerate() {
        if !(days >= 0.0 && days.is_finite()) {
            return Err(Error::Invalid(format!(
                "durations[{i}] is {days} days; a duration must be a finite number >= 0"
            )));
        }
        if !(weight > 0.0 && weight.is_finite()) {
            return Err(Error::Invalid(format!(
                "durations[{i}] has weight {weight}; a weight must be a finite number > 0"
            )));
        }
        if let Some(max) = max_days
            && days > max
        {
            return Err(Error::Invalid(format!(
                "durations[{i}] is {days} days, above `max_days` {max}: no duration above the \
                 truncation bound can be observed"
            )));
        }
    }
    if durations.is_empty() {
        return Err(Error::Invalid(
            "no durations to fit: at least one (days, weight) pair is needed".into(),
        ));
    }
    let merged = merge(durations);
    let mut total = ExactSum::default();
    merged.iter().for_each(|&(_, w)| total.add(w));
    let total = total.value();
    if !total.is_finite() {
        return Err(Error::Invalid(
            "the weights of the durations sum beyond the largest number (about 1.8e308)".into(),
        ));
    }
    let zero_weight = merged
        .first()
        .filter(|&&(days, _)| days == 0.0)
        .map_or(0.0, |&(_, w)| w);
    let positive: Vec<(f64, f64)> = merged.iter().copied().filter(|&(d, _)| d > 0.0).collect();
    let (best, candidates) = match positive.as_slice() {
        [] => (None, Vec::new()),
        [(days, _)] => (Some(Distribution::Constant { value: *days }), Vec::new()),
        _ => {
            let sample = Positive::new(&positive, max_days);
            let candidates = fit_families(&sample);
            let best = candidates
                .iter()
                .fold(None::<&Candidate>, |best, c| match best {
                    Some(b) if b.aic <= c.aic => Some(b),
                    _ => Some(c),
                })
                .map(|c| c.distribution);
            (best, candidates)
        }
    };
    Ok(DwellFit {
        observations: total,
        zero_share: zero_weight / total,
        mean_days: merged.iter().map(|&(d, w)| w / total * d).sum(),
        quantiles: weighted_quantiles(&merged, total),
        best,
        candidates,
        truncated_at_days: max_days,
    })
}

/// The durations sorted, equal ones merged with their weights summed exactly.
fn merge(durations: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut sorted = durations.to_vec();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    let mut merged: Vec<(f64, ExactSum)> = Vec::new();
    for (days, weight) in sorted {
        match merged.last_mut() {
            Some((last, sum)) if *last == days => sum.add(weight),
            _ => merged.push((days, ExactSum::of(weight))),
        }
    }
    merged.into_iter().map(|(d, w)| (d, w.value())).collect()
}

/// The weighted quantiles of sorted distinct durations (see the module documentation).
fn weighted_quantiles(merged: &[(f64, f64)], total: f64) -> Vec<Quantile> {
    QUANTILE_PROBABILITIES
        .iter()
        .map(|&p| {
            let target = p * total;
            let mut cumulative = 0.0;
            let days = merged
                .iter()
                .find(|&&(_, w)| {
                    cumulative += w;
                    cumulative >= target
                })
                // Rounding can leave the last cumulative sum a little below p * total.
                .or(merged.last())
                .map_or(0.0, |&(d, _)| d);
            Quantile { p, days }
        })
        .collect()
}

/// The positive durations as the fits use them: divided by their weighted geometric mean `c`
/// (so `mean(ln y) = 0` up to rounding), with the statistics the likelihoods need.
struct Positive {
    weight: Vec<f64>,
    ln_y: Vec<f64>,
    /// The sum of the weights.
    total: f64,
    /// `ln c`.
    ln_scale: f64,
    /// Weighted means of `y`, `ln y`, and the weighted variance (divisor the total) of `ln y`.
    mean_y: f64,
    mean_ln: f64,
    var_ln: f64,
    /// The largest `ln y`.
    max_ln: f64,
    /// `ln(T / c)` when truncated.
    ln_max: Option<f64>,
}

impl Positive {
    /// `durations` are sorted, distinct, positive, at least two.
    fn new(durations: &[(f64, f64)], max_days: Option<f64>) -> Positive {
        let mut total = ExactSum::default();
        durations.iter().for_each(|&(_, w)| total.add(w));
        let total = total.value();
        let weight: Vec<f64> = durations.iter().map(|&(_, w)| w).collect();
        let ln_x: Vec<f64> = durations.iter().map(|&(d, _)| d.ln()).collect();
        let mean =
            |values: &[f64]| -> f64 { weight.iter().zip(values).map(|(w, v)| w / total * v).sum() };
        let ln_scale = mean(&ln_x);
        let ln_y: Vec<f64> = ln_x.iter().map(|l| l - ln_scale).collect();
        let y: Vec<f64> = ln_y.iter().map(|l| l.exp()).collect();
        let mean_ln = mean(&ln_y);
        let deviations: Vec<f64> = ln_y.iter().map(|l| (l - mean_ln).powi(2)).collect();
        Positive {
            mean_y: mean(&y),
            mean_ln,
            var_ln: mean(&deviations),
            max_ln: ln_y.last().copied().unwrap_or(0.0),
            ln_max: max_days.map(|t| t.ln() - ln_scale),
            weight,
            ln_y,
            total,
            ln_scale,
        }
    }
}

/// A family with its parameters in the units of [`Positive`] (durations over `c`).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Family {
    Exponential { mean: f64 },
    Gamma { shape: f64, scale: f64 },
    LogNormal { mu: f64, sigma: f64 },
    Weibull { shape: f64, scale: f64 },
}

impl Family {
    fn parameters(self) -> f64 {
        match self {
            Family::Exponential { .. } => 1.0,
            _ => 2.0,
        }
    }

    /// The log-likelihood of `s` per unit weight, truncated when `s` is; `-inf` where the
    /// parameters are invalid or the truncation leaves the family no mass (never NaN).
    fn mean_log_likelihood(self, s: &Positive) -> f64 {
        let density = match self {
            Family::Exponential { mean } => -mean.ln() - s.mean_y / mean,
            Family::Gamma { shape, scale } => {
                (shape - 1.0) * s.mean_ln - s.mean_y / scale - shape * scale.ln() - ln_gamma(shape)
            }
            Family::LogNormal { mu, sigma } => {
                let centre = s.mean_ln - mu;
                -sigma.ln()
                    - 0.5 * (2.0 * std::f64::consts::PI).ln()
                    - s.mean_ln
                    - (s.var_ln + centre * centre) / (2.0 * sigma * sigma)
            }
            Family::Weibull { shape, scale } => {
                let ln_scale = scale.ln();
                let power: f64 = (s.weight.iter().zip(&s.ln_y))
                    .map(|(w, l)| w * (shape * (l - ln_scale)).exp())
                    .sum();
                shape.ln() - shape * ln_scale + (shape - 1.0) * s.mean_ln - power / s.total
            }
        };
        let ln_mass = s.ln_max.map_or(0.0, |ln_t| self.ln_cdf(ln_t));
        let value = density - ln_mass;
        if value.is_finite() {
            value
        } else {
            f64::NEG_INFINITY
        }
    }

    /// `ln F(t)` from `ln t`.
    fn ln_cdf(self, ln_t: f64) -> f64 {
        match self {
            Family::Exponential { mean } => ln_one_minus_exp_minus((ln_t - mean.ln()).exp()),
            Family::Gamma { shape, scale } => ln_gamma_lr(shape, (ln_t - scale.ln()).exp()),
            Family::LogNormal { mu, sigma } => ln_normal_cdf((ln_t - mu) / sigma),
            Family::Weibull { shape, scale } => {
                ln_one_minus_exp_minus((shape * (ln_t - scale.ln())).exp())
            }
        }
    }

    /// The family in days, for durations that were divided by `e^ln_scale`.
    fn in_days(self, ln_scale: f64) -> Distribution {
        let days = |x: f64| (x.ln() + ln_scale).exp();
        match self {
            Family::Exponential { mean } => Distribution::Exponential { mean: days(mean) },
            Family::Gamma { shape, scale } => Distribution::Gamma {
                shape,
                scale: days(scale),
            },
            Family::LogNormal { mu, sigma } => Distribution::LogNormal {
                mean: (mu + ln_scale + sigma * sigma / 2.0).exp(),
                cv: (sigma * sigma).exp_m1().sqrt(),
            },
            Family::Weibull { shape, scale } => Distribution::Weibull {
                shape,
                scale: days(scale),
            },
        }
    }
}

/// Every family's fit that exists, as candidates in days.
fn fit_families(s: &Positive) -> Vec<Candidate> {
    [
        fit_exponential(s),
        fit_gamma(s),
        fit_log_normal(s),
        fit_weibull(s),
    ]
    .into_iter()
    .flatten()
    .filter_map(|family| {
        // In days each density is divided by c: ln L = W (mean ln L in units of c - ln c).
        let log_likelihood = s.total * (family.mean_log_likelihood(s) - s.ln_scale);
        let distribution = family.in_days(s.ln_scale);
        let aic = 2.0 * family.parameters() - 2.0 * log_likelihood;
        (aic.is_finite() && distribution.sampler().is_ok()).then_some(Candidate {
            distribution,
            log_likelihood,
            aic,
        })
    })
    .collect()
}

fn fit_exponential(s: &Positive) -> Option<Family> {
    let t = match s.ln_max.map(f64::exp) {
        Some(t) if t.is_finite() => t,
        _ => return Some(Family::Exponential { mean: s.mean_y }),
    };
    // The truncated mean m h(T/m) T/m = T h(T/m) increases from 0 to T/2 with m: a sample mean
    // of T/2 or more has no finite estimate.
    if s.mean_y >= t / 2.0 {
        return None;
    }
    let score = |u: f64| {
        let mean = u.exp();
        let r = t / mean;
        // dE/dm = 1 - r^2 e^r / (e^r - 1)^2, written without overflow.
        let slope = 1.0 - r * r / (r.exp_m1() * -(-r).exp_m1());
        (t * truncated_exponential_h(r) - s.mean_y, mean * slope)
    };
    let (lo, hi) = bracket(score, s.mean_y.ln())?;
    let u = solve_increasing(score, lo, hi)?;
    Some(Family::Exponential { mean: u.exp() })
}

/// `h(r) = 1/r - 1/(e^r - 1)`: an exponential of mean `m` truncated at `T` has mean `T h(T/m)`.
fn truncated_exponential_h(r: f64) -> f64 {
    if r < 1e-2 {
        // The series; its next term, r^5 / 30240, is below 4e-15 of 1/2 here.
        0.5 - r / 12.0 + r.powi(3) / 720.0
    } else {
        1.0 / r - 1.0 / r.exp_m1()
    }
}

fn fit_gamma(s: &Positive) -> Option<Family> {
    // ln(mean) - mean(ln), > 0 by Jensen's inequality when the durations differ; rounding can
    // make it 0 when they differ by a few ulps, and the shape then has no finite estimate.
    let gap = s.mean_y.ln() - s.mean_ln;
    if !(gap > 0.0 && gap.is_finite()) {
        return None;
    }
    // Minka's approximation, within 1.5% of the root, starts the search.
    let start = (3.0 - gap + ((gap - 3.0).powi(2) + 24.0 * gap).sqrt()) / (12.0 * gap);
    let equation = |u: f64| {
        let shape = u.exp();
        (
            gap - ln_minus_digamma(shape),
            -shape * ln_minus_digamma_slope(shape),
        )
    };
    let (lo, hi) = bracket(equation, start.ln())?;
    let shape = solve_increasing(equation, lo, hi)?.exp();
    let untruncated = Family::Gamma {
        shape,
        scale: s.mean_y / shape,
    };
    if s.ln_max.is_none() {
        return Some(untruncated);
    }
    // Log shape and log mean: the mean is what the data pin down best, so the two coordinates
    // are less correlated than log shape and log scale.
    maximise_truncated(s, [shape.ln(), s.mean_y.ln()], |v| {
        let shape = v[0].exp();
        (shape <= MAX_TRUNCATED_GAMMA_SHAPE).then(|| Family::Gamma {
            shape,
            scale: v[1].exp() / shape,
        })
    })
}

fn fit_log_normal(s: &Positive) -> Option<Family> {
    let sigma = s.var_ln.sqrt();
    if !(sigma > 0.0 && sigma.is_finite()) {
        return None;
    }
    let mu = s.mean_ln;
    if s.ln_max.is_none() {
        return Some(Family::LogNormal { mu, sigma });
    }
    maximise_truncated(s, [mu / sigma, sigma.ln()], |v| {
        Some(Family::LogNormal {
            mu: v[0] * sigma,
            sigma: v[1].exp(),
        })
    })
}

fn fit_weibull(s: &Positive) -> Option<Family> {
    if !(s.var_ln > 0.0 && s.var_ln.is_finite()) {
        return None;
    }
    // The weights w x^k, scaled by the largest so that none overflows.
    let sums = |shape: f64| {
        let (mut b, mut a, mut c) = (0.0, 0.0, 0.0);
        for (w, l) in s.weight.iter().zip(&s.ln_y) {
            let e = w * (shape * (l - s.max_ln)).exp();
            b += e;
            a += e * l;
            c += e * l * l;
        }
        (a / b, (c / b - (a / b).powi(2)).max(0.0), b)
    };
    let equation = |u: f64| {
        let shape = u.exp();
        let (mean, variance, _) = sums(shape);
        (
            mean - 1.0 / shape - s.mean_ln,
            shape * (variance + 1.0 / (shape * shape)),
        )
    };
    // ln x of a Weibull has standard deviation pi / (k sqrt 6): the start.
    let start = std::f64::consts::PI / (6.0 * s.var_ln).sqrt();
    let (lo, hi) = bracket(equation, start.ln())?;
    let shape = solve_increasing(equation, lo, hi)?.exp();
    let (_, _, b) = sums(shape);
    let scale = (s.max_ln + (b / s.total).ln() / shape).exp();
    if s.ln_max.is_none() {
        return Some(Family::Weibull { shape, scale });
    }
    maximise_truncated(s, [shape.ln(), scale.ln()], |v| {
        Some(Family::Weibull {
            shape: v[0].exp(),
            scale: v[1].exp(),
        })
    })
}

/// The truncated fit of a two-parameter family: Nelder-Mead over the coordinates `v`, started
/// at `start` (the untruncated estimate), kept inside a box of half-width [`SEARCH_HALF_WIDTH`];
/// `None` when the search ends near the box's edge (no interior maximum) or nowhere valid.
fn maximise_truncated(
    s: &Positive,
    start: [f64; 2],
    family: impl Fn([f64; 2]) -> Option<Family>,
) -> Option<Family> {
    let outside = |v: [f64; 2], half_width: f64| {
        (v[0] - start[0]).abs() > half_width || (v[1] - start[1]).abs() > half_width
    };
    let objective = |v: [f64; 2]| {
        if outside(v, SEARCH_HALF_WIDTH) {
            return f64::INFINITY;
        }
        family(v).map_or(f64::INFINITY, |f| -f.mean_log_likelihood(s))
    };
    let (v, value) = nelder_mead(objective, start, 0.1);
    if !value.is_finite() || outside(v, SEARCH_HALF_WIDTH - SEARCH_EDGE) {
        return None;
    }
    family(v)
}

/// `ln(1 - e^-x)` for `x >= 0`, accurate at both ends.
fn ln_one_minus_exp_minus(x: f64) -> f64 {
    if x > std::f64::consts::LN_2 {
        (-(-x).exp()).ln_1p()
    } else {
        (-(-x).exp_m1()).ln()
    }
}

/// `ln P(a, x)`, the regularised lower incomplete gamma function; `-inf` where it underflows,
/// NaN for a shape above [`MAX_TRUNCATED_GAMMA_SHAPE`] or invalid arguments.
fn ln_gamma_lr(a: f64, x: f64) -> f64 {
    if a > MAX_TRUNCATED_GAMMA_SHAPE {
        return f64::NAN;
    }
    if x == f64::INFINITY {
        return 0.0;
    }
    if x == 0.0 {
        return f64::NEG_INFINITY;
    }
    match checked_gamma_lr(a, x) {
        Ok(p) if p > 0.0 => p.ln(),
        Ok(0.0) => f64::NEG_INFINITY,
        _ => f64::NAN,
    }
}

/// `Phi(z)`, the standard normal distribution function.
fn normal_cdf(z: f64) -> f64 {
    0.5 * erfc(-z / std::f64::consts::SQRT_2)
}

/// `ln Phi(z)`; `-inf` below about z = -38, where `Phi` underflows.
fn ln_normal_cdf(z: f64) -> f64 {
    normal_cdf(z).ln()
}

/// The asymptotic series is used from this argument on; below, the recurrence
/// `digamma(x) = digamma(x + 1) - 1/x` climbs to it. Its first omitted term is below 1e-16.
const SERIES_FROM: f64 = 16.0;

/// `ln x - digamma(x)` for `x > 0`, by the recurrence and the asymptotic series
/// `1/(2x) + sum B_2n / (2n x^2n)` (Abramowitz and Stegun 6.3.18), without the cancellation of
/// subtracting the two for large `x`, where the difference is about `1 / (2x)`.
fn ln_minus_digamma(x: f64) -> f64 {
    let (mut z, mut sum) = (x, 0.0);
    while z < SERIES_FROM {
        sum += 1.0 / z;
        z += 1.0;
    }
    let r = 1.0 / (z * z);
    let series = 0.5 / z
        + r * (1.0 / 12.0 - r * (1.0 / 120.0 - r * (1.0 / 252.0 - r * (1.0 / 240.0 - r / 132.0))));
    (x / z).ln() + series + sum
}

/// The derivative of [`ln_minus_digamma`], `1/x - trigamma(x)` (< 0), likewise.
fn ln_minus_digamma_slope(x: f64) -> f64 {
    let (mut z, mut sum) = (x, 0.0);
    while z < SERIES_FROM {
        sum += 1.0 / (z * z);
        z += 1.0;
    }
    let r = 1.0 / (z * z);
    // trigamma(z) - 1/z = 1/(2z^2) + 1/(6z^3) - 1/(30z^5) + 1/(42z^7) - 1/(30z^9).
    let series =
        r * (0.5 + (1.0 / z) * (1.0 / 6.0 - r * (1.0 / 30.0 - r * (1.0 / 42.0 - r / 30.0))));
    1.0 / x - 1.0 / z - series - sum
}

/// A bracket `(lo, hi)` with `f(lo) < 0 < f(hi)` around `start` for an increasing `f`, found
/// by steps of 1, 2, 4, ... 512; `None` when there is none in reach or `f` is NaN.
fn bracket(f: impl Fn(f64) -> (f64, f64), start: f64) -> Option<(f64, f64)> {
    let at_start = f(start).0;
    if at_start.is_nan() {
        return None;
    }
    if at_start == 0.0 {
        return Some((start, start));
    }
    let direction = if at_start < 0.0 { 1.0 } else { -1.0 };
    let mut last = start;
    for i in 0..10 {
        let next = start + direction * f64::from(1 << i);
        let value = f(next).0;
        if value.is_nan() {
            return None;
        }
        let crossed = if direction > 0.0 {
            value >= 0.0
        } else {
            value <= 0.0
        };
        if crossed {
            return Some(if direction > 0.0 {
                (last, next)
            } else {
                (next, last)
            });
        }
        last = next;
    }
    None
}

/// The root of an increasing `f` (value, derivative) in `[lo, hi]` with `f(lo) <= 0 <= f(hi)`:
/// Newton's steps while they stay inside the bracket, which shrinks every step, bisection
/// otherwise ("rtsafe", Press et al., Numerical Recipes, 9.4).
fn solve_increasing(f: impl Fn(f64) -> (f64, f64), mut lo: f64, mut hi: f64) -> Option<f64> {
    let mut u = 0.5 * (lo + hi);
    for _ in 0..200 {
        let (value, slope) = f(u);
        if value.is_nan() {
            return None;
        }
        if value == 0.0 {
            return Some(u);
        }
        if value < 0.0 {
            lo = u;
        } else {
            hi = u;
        }
        let newton = u - value / slope;
        let next = if newton > lo && newton < hi {
            newton
        } else {
            0.5 * (lo + hi)
        };
        let tolerance = 4.0 * f64::EPSILON * next.abs().max(1.0);
        if (next - u).abs() <= tolerance || hi - lo <= tolerance {
            return Some(next);
        }
        u = next;
    }
    Some(u)
}

/// Restarts of [`nelder_mead`] at most; each begins a fresh simplex at the best point so far.
const MAX_RESTARTS: usize = 5;
/// Iterations of one simplex search at most.
const MAX_ITERATIONS: usize = 2_000;
/// A simplex whose vertices are this close to the best one (in every coordinate) has converged.
const X_TOLERANCE: f64 = 1e-10;

/// The minimum of `f` over the plane by Nelder and Mead's (1965) simplex search, with the
/// standard coefficients (reflection 1, expansion 2, contraction and shrink 1/2; Lagarias et al.
/// 1998, "Convergence properties of the Nelder-Mead simplex method in low dimensions"), from a
/// right-angled simplex of side `step` at `start`. A simplex can collapse short of the minimum,
/// so the search is restarted from its result until a restart gains no more than the rounding of
/// the objective. `f` must not return NaN (`+inf` marks invalid points).
fn nelder_mead(f: impl Fn([f64; 2]) -> f64, start: [f64; 2], step: f64) -> ([f64; 2], f64) {
    let mut best = (start, f(start));
    for _ in 0..MAX_RESTARTS {
        let (x, value) = simplex_search(&f, best.0, step);
        let gain = best.1 - value;
        if value < best.1 {
            best = (x, value);
        }
        if gain.is_nan() || gain <= 8.0 * f64::EPSILON * value.abs().max(1.0) {
            break;
        }
    }
    best
}

fn simplex_search(f: &impl Fn([f64; 2]) -> f64, start: [f64; 2], step: f64) -> ([f64; 2], f64) {
    let along = |from: [f64; 2], to: [f64; 2], t: f64| {
        [
            from[0] + t * (to[0] - from[0]),
            from[1] + t * (to[1] - from[1]),
        ]
    };
    let mut points = [
        start,
        [start[0] + step, start[1]],
        [start[0], start[1] + step],
    ];
    let mut values = points.map(f);
    for _ in 0..MAX_ITERATIONS {
        let mut order = [0, 1, 2];
        order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
        points = order.map(|i| points[i]);
        values = order.map(|i| values[i]);
        let size = points[1..]
            .iter()
            .flat_map(|p| [(p[0] - points[0][0]).abs(), (p[1] - points[0][1]).abs()])
            .fold(0.0, f64::max);
        if size <= X_TOLERANCE {
            break;
        }
        let centroid = along(points[0], points[1], 0.5);
        let worst = points[2];
        let reflected = along(centroid, worst, -1.0);
        let reflected_value = f(reflected);
        if reflected_value < values[0] {
            let expanded = along(centroid, worst, -2.0);
            let expanded_value = f(expanded);
            (points[2], values[2]) = if expanded_value < reflected_value {
                (expanded, expanded_value)
            } else {
                (reflected, reflected_value)
            };
        } else if reflected_value < values[1] {
            (points[2], values[2]) = (reflected, reflected_value);
        } else {
            // Contract outside (towards the reflected point) or inside (towards the worst).
            let (contracted, bar) = if reflected_value < values[2] {
                (along(centroid, reflected, 0.5), reflected_value)
            } else {
                (along(centroid, worst, 0.5), values[2])
            };
            let contracted_value = f(contracted);
            if contracted_value < bar {
                (points[2], values[2]) = (contracted, contracted_value);
            } else {
                for i in 1..3 {
                    points[i] = along(points[0], points[i], 0.5);
                    values[i] = f(points[i]);
                }
            }
        }
    }
    let best = (0..3)
        .min_by(|&a, &b| values[a].total_cmp(&values[b]))
        .unwrap_or(0);
    (points[best], values[best])
}

/// Draws from a fitted model: 0 with probability `zero_share`, else the positive part's family,
/// truncated at `max_days` when given. Built only by [`DwellSampler::new`], which checks it.
#[derive(Debug, Clone)]
pub struct DwellSampler {
    zero_share: f64,
    positive: Option<PositivePart>,
    mean: f64,
}

#[derive(Debug, Clone)]
struct PositivePart {
    distribution: Distribution,
    sampler: DistributionSampler,
    draw: Draw,
}

/// How a positive duration is drawn.
#[derive(Debug, Clone, Copy)]
enum Draw {
    /// From the family.
    Untruncated,
    /// From the family until a draw is at most `max` (accepts at least [`REJECTION_ACCEPTANCE`]).
    Rejection { max: f64 },
    /// `F^-1(u)` for `u` uniform below `mass = F(max)`.
    Inverse { max: f64, mass: f64 },
}

impl DwellSampler {
    /// The model with `zero_share` of zeros and `positive` for the rest, truncated at
    /// `max_days`. Fails when a share of the durations is positive but `positive` is `None`,
    /// when `zero_share` is not in [0, 1] or `max_days` not a finite number above 0, when
    /// `positive` is invalid ([`Distribution::sampler`]) or puts no probability at or below
    /// `max_days`, when its truncated mean is not finite, or for a truncated gamma of shape above
    /// 1e7 (a coefficient of variation below 3e-4).
    pub fn new(
        zero_share: f64,
        positive: Option<Distribution>,
        max_days: Option<f64>,
    ) -> Result<DwellSampler> {
        if !(0.0..=1.0).contains(&zero_share) {
            return Err(Error::Invalid(format!(
                "zero_share is {zero_share}; it must be a share in [0, 1]"
            )));
        }
        if let Some(max) = max_days
            && !(max > 0.0 && max.is_finite())
        {
            return Err(Error::option(
                "max_days",
                format!("is {max}; it must be a finite number of days above 0"),
            ));
        }
        if zero_share == 1.0 {
            return Ok(DwellSampler {
                zero_share,
                positive: None,
                mean: 0.0,
            });
        }
        let distribution = positive.ok_or_else(|| {
            Error::Invalid(format!(
                "no distribution of the positive durations ({}% of them): no family could be fitted",
                (1.0 - zero_share) * 100.0
            ))
        })?;
        let sampler = distribution
            .sampler()
            .map_err(|m| Error::Invalid(format!("the dwell distribution: {m}")))?;
        let (draw, mean) = match max_days {
            None => (Draw::Untruncated, distribution.mean()),
            Some(max) => {
                if let Distribution::Gamma { shape, .. } = distribution
                    && shape > MAX_TRUNCATED_GAMMA_SHAPE
                {
                    return Err(Error::Invalid(format!(
                        "the dwell distribution: a gamma of shape {shape} cannot be truncated \
                         (shapes up to {MAX_TRUNCATED_GAMMA_SHAPE} can)"
                    )));
                }
                let mass = cdf(distribution, max);
                if mass.is_nan() || mass <= 0.0 {
                    return Err(Error::Invalid(format!(
                        "the dwell distribution {distribution:?} puts no probability at or \
                         below `max_days` {max}"
                    )));
                }
                let draw = if mass >= REJECTION_ACCEPTANCE {
                    Draw::Rejection { max }
                } else {
                    Draw::Inverse { max, mass }
                };
                (draw, truncated_mean(distribution, max))
            }
        };
        let mean = (1.0 - zero_share) * mean;
        if !mean.is_finite() {
            return Err(Error::Invalid(format!(
                "the dwell distribution {distribution:?} has no finite mean"
            )));
        }
        Ok(DwellSampler {
            zero_share,
            positive: Some(PositivePart {
                distribution,
                sampler,
                draw,
            }),
            mean,
        })
    }

    /// The exact mean of what [`DwellSampler::sample`] draws, in days.
    pub fn mean(&self) -> f64 {
        self.mean
    }

    /// One duration in days. Uses one uniform draw for the zero mass (when `zero_share` is
    /// strictly between 0 and 1), then the family's own draws (one or more when truncated by
    /// rejection, exactly one uniform by inverse CDF).
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let Some(part) = &self.positive else {
            return 0.0;
        };
        if self.zero_share > 0.0 && rng.random::<f64>() < self.zero_share {
            return 0.0;
        }
        match part.draw {
            Draw::Untruncated => part.sampler.sample(rng),
            Draw::Rejection { max } => loop {
                let x = part.sampler.sample(rng);
                if x <= max {
                    return x;
                }
            },
            Draw::Inverse { max, mass } => {
                let u = rng.random::<f64>() * mass;
                inverse_cdf(part.distribution, u).clamp(0.0, max)
            }
        }
    }
}

/// The log-normal's `(mu, sigma)` from its mean and coefficient of variation.
fn log_normal_parameters(mean: f64, cv: f64) -> (f64, f64) {
    let variance = (cv * cv).ln_1p();
    (mean.ln() - variance / 2.0, variance.sqrt())
}

/// `F(x)` of a valid distribution.
fn cdf(d: Distribution, x: f64) -> f64 {
    match d {
        Distribution::Exponential { mean } => -(-x / mean).exp_m1(),
        Distribution::Gamma { shape, scale } => ln_gamma_lr(shape, x / scale).exp(),
        Distribution::LogNormal { mean, cv } => {
            let (mu, sigma) = log_normal_parameters(mean, cv);
            if sigma == 0.0 {
                return if x >= mean { 1.0 } else { 0.0 };
            }
            normal_cdf((x.ln() - mu) / sigma)
        }
        Distribution::Weibull { shape, scale } => -(-(x / scale).powf(shape)).exp_m1(),
        Distribution::Constant { value } => {
            if x >= value {
                1.0
            } else {
                0.0
            }
        }
    }
}

/// `E[X | X <= t]` of a valid distribution with `F(t) > 0`.
fn truncated_mean(d: Distribution, t: f64) -> f64 {
    match d {
        Distribution::Exponential { mean } => t * truncated_exponential_h(t / mean),
        // E[X; X <= t] = k s P(k + 1, t / s): x f(x) is k s times the density of shape k + 1.
        Distribution::Gamma { shape, scale } => {
            shape
                * scale
                * (ln_gamma_lr(shape + 1.0, t / scale) - ln_gamma_lr(shape, t / scale)).exp()
        }
        // x f(x) is e^(mu + sigma^2 / 2) times the log-normal density of mu + sigma^2.
        Distribution::LogNormal { mean, cv } => {
            let (mu, sigma) = log_normal_parameters(mean, cv);
            if sigma == 0.0 {
                return mean;
            }
            let z = (t.ln() - mu) / sigma;
            mean * (ln_normal_cdf(z - sigma) - ln_normal_cdf(z)).exp()
        }
        // With y = (x / s)^k ~ Exp(1): E[X; X <= t] = s E[y^(1/k); y <= (t/s)^k]
        // = s Γ(1 + 1/k) P(1 + 1/k, (t/s)^k).
        Distribution::Weibull { shape, scale } => {
            let y = (t / scale).powf(shape);
            d.mean() * (ln_gamma_lr(1.0 + 1.0 / shape, y) - ln_one_minus_exp_minus(y)).exp()
        }
        Distribution::Constant { value } => value,
    }
}

/// `F^-1(u)` of a valid distribution for `u` in [0, 1).
fn inverse_cdf(d: Distribution, u: f64) -> f64 {
    match d {
        Distribution::Exponential { mean } => -mean * (-u).ln_1p(),
        Distribution::Gamma { shape, scale } => {
            match statrs::distribution::Gamma::new(shape, 1.0 / scale) {
                Ok(gamma) => gamma.inverse_cdf(u),
                Err(_) => d.mean(),
            }
        }
        Distribution::LogNormal { mean, cv } => {
            let (mu, sigma) = log_normal_parameters(mean, cv);
            (mu + sigma * Normal::standard().inverse_cdf(u)).exp()
        }
        Distribution::Weibull { shape, scale } => scale * (-(-u).ln_1p()).powf(1.0 / shape),
        Distribution::Constant { value } => value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use statrs::distribution::Continuous;

    const N: usize = 20_000;

    /// The four truths of the recovery tests, in days.
    fn truths() -> [Distribution; 4] {
        let (mu, sigma) = (1.0f64, 0.8f64);
        [
            Distribution::Exponential { mean: 3.0 },
            Distribution::Gamma {
                shape: 2.5,
                scale: 1.5,
            },
            Distribution::LogNormal {
                mean: (mu + sigma * sigma / 2.0).exp(),
                cv: (sigma * sigma).exp_m1().sqrt(),
            },
            Distribution::Weibull {
                shape: 1.6,
                scale: 4.0,
            },
        ]
    }

    fn same_family(a: &Distribution, b: &Distribution) -> bool {
        std::mem::discriminant(a) == std::mem::discriminant(b)
    }

    /// The natural parameters: the mean; shape and scale; mu and sigma.
    fn parameters(d: &Distribution) -> Vec<f64> {
        match *d {
            Distribution::Exponential { mean } => vec![mean],
            Distribution::Gamma { shape, scale } | Distribution::Weibull { shape, scale } => {
                vec![shape, scale]
            }
            Distribution::LogNormal { mean, cv } => {
                // Independent of the module's conversion: sigma^2 = ln(1 + cv^2).
                let variance = (1.0 + cv * cv).ln();
                vec![mean.ln() - variance / 2.0, variance.sqrt()]
            }
            Distribution::Constant { value } => vec![value],
        }
    }

    fn with_parameters(d: &Distribution, p: &[f64]) -> Distribution {
        match *d {
            Distribution::Exponential { .. } => Distribution::Exponential { mean: p[0] },
            Distribution::Gamma { .. } => Distribution::Gamma {
                shape: p[0],
                scale: p[1],
            },
            Distribution::Weibull { .. } => Distribution::Weibull {
                shape: p[0],
                scale: p[1],
            },
            Distribution::LogNormal { .. } => Distribution::LogNormal {
                mean: (p[0] + p[1] * p[1] / 2.0).exp(),
                cv: (p[1] * p[1]).exp_m1().sqrt(),
            },
            Distribution::Constant { .. } => Distribution::Constant { value: p[0] },
        }
    }

    /// statrs' density, distribution function and quantile function of `d`: an implementation
    /// independent of the module's likelihoods.
    fn statrs_of(d: &Distribution) -> Box<dyn Fn(f64) -> (f64, f64, f64)> {
        use statrs::distribution as sd;
        fn wrap<D: Continuous<f64, f64> + ContinuousCDF<f64, f64> + 'static>(
            d: D,
        ) -> Box<dyn Fn(f64) -> (f64, f64, f64)> {
            Box::new(move |x| (d.ln_pdf(x), d.cdf(x), d.pdf(x)))
        }
        let p = parameters(d);
        match d {
            Distribution::Exponential { .. } => wrap(sd::Exp::new(1.0 / p[0]).unwrap()),
            Distribution::Gamma { .. } => wrap(sd::Gamma::new(p[0], 1.0 / p[1]).unwrap()),
            Distribution::LogNormal { .. } => wrap(sd::LogNormal::new(p[0], p[1]).unwrap()),
            Distribution::Weibull { .. } => wrap(sd::Weibull::new(p[0], p[1]).unwrap()),
            Distribution::Constant { .. } => unreachable!("no density"),
        }
    }

    /// The weighted log-likelihood of `data` under `d` (truncated at `max`), by statrs.
    fn reference_log_likelihood(d: &Distribution, data: &[(f64, f64)], max: Option<f64>) -> f64 {
        let f = statrs_of(d);
        let ln_mass = max.map_or(0.0, |t| f(t).1.ln());
        data.iter()
            .filter(|&&(x, _)| x > 0.0)
            .map(|&(x, w)| w * (f(x).0 - ln_mass))
            .sum()
    }

    /// The quantile of `d` at `p`, by bisection on statrs' distribution function.
    fn quantile(d: &Distribution, p: f64) -> f64 {
        let f = statrs_of(d);
        let (mut lo, mut hi) = (0.0, 1e3);
        for _ in 0..200 {
            let mid = 0.5 * (lo + hi);
            if f(mid).1 < p { lo = mid } else { hi = mid }
        }
        0.5 * (lo + hi)
    }

    /// Standard errors of the natural parameters from the observed information: the inverse of
    /// minus the Hessian of the reference log-likelihood at `d`, by central differences with
    /// steps of 1e-4 of each parameter (truncation error ~1e-8 relative; the rounding of a sum of
    /// 20,000 terms, ~1e-11, over a step squared of ~1e-8, is ~1e-3 against entries ~1e4).
    fn observed_standard_errors(
        d: &Distribution,
        data: &[(f64, f64)],
        max: Option<f64>,
    ) -> Vec<f64> {
        let p = parameters(d);
        let ll = |q: &[f64]| reference_log_likelihood(&with_parameters(d, q), data, max);
        let h: Vec<f64> = p.iter().map(|x| 1e-4 * x.abs()).collect();
        let shifted = |moves: &[(usize, f64)]| {
            let mut q = p.clone();
            moves.iter().for_each(|&(i, s)| q[i] += s * h[i]);
            ll(&q)
        };
        let k = p.len();
        let mut minus_hessian = vec![vec![0.0; k]; k];
        for i in 0..k {
            for j in 0..k {
                minus_hessian[i][j] = -if i == j {
                    (shifted(&[(i, 1.0)]) - 2.0 * ll(&p) + shifted(&[(i, -1.0)])) / (h[i] * h[i])
                } else {
                    (shifted(&[(i, 1.0), (j, 1.0)])
                        - shifted(&[(i, 1.0), (j, -1.0)])
                        - shifted(&[(i, -1.0), (j, 1.0)])
                        + shifted(&[(i, -1.0), (j, -1.0)]))
                        / (4.0 * h[i] * h[j])
                };
            }
        }
        if k == 1 {
            return vec![(1.0 / minus_hessian[0][0]).sqrt()];
        }
        let [[a, b], [c, e]] = [
            [minus_hessian[0][0], minus_hessian[0][1]],
            [minus_hessian[1][0], minus_hessian[1][1]],
        ];
        let det = a * e - b * c;
        vec![(e / det).sqrt(), (a / det).sqrt()]
    }

    /// Standard errors of the natural parameters of n untruncated observations from the
    /// expected (Fisher) information per observation, inverted:
    /// - exponential: I = 1/m^2;
    /// - gamma (k, s): I = [[trigamma(k), 1/s], [1/s, k/s^2]], so Var k = k / (n (k trigamma(k) - 1))
    ///   and Var s = s^2 trigamma(k) / (n (k trigamma(k) - 1));
    /// - log-normal: the normal's, Var mu = sigma^2 / n, Var sigma = sigma^2 / (2n);
    /// - Weibull (k, s): with z = (x/s)^k ~ Exp(1) the scores are (k/s)(z - 1) and
    ///   (1 + (1 - z) ln z) / k, so I = [[a/k^2, -(1-g)/s], [-(1-g)/s, k^2/s^2]] with
    ///   a = (1-g)^2 + pi^2/6 and g Euler's constant; det = pi^2 / (6 s^2), so
    ///   Var k = 6 k^2 / (pi^2 n) and Var s = 6 a s^2 / (pi^2 k^2 n).
    fn fisher_standard_errors(d: &Distribution, n: f64) -> Vec<f64> {
        use std::f64::consts::PI;
        const EULER: f64 = 0.577_215_664_901_532_9;
        let p = parameters(d);
        match d {
            Distribution::Exponential { .. } => vec![p[0] / n.sqrt()],
            Distribution::Gamma { .. } => {
                assert_eq!(p[0], 2.5, "trigamma(2.5) is written for shape 2.5");
                // trigamma(1/2) = pi^2/2 and trigamma(x + 1) = trigamma(x) - 1/x^2.
                let trigamma = PI * PI / 2.0 - 4.0 - 1.0 / 1.5f64.powi(2);
                let d = p[0] * trigamma - 1.0;
                vec![
                    (p[0] / (n * d)).sqrt(),
                    (p[1] * p[1] * trigamma / (n * d)).sqrt(),
                ]
            }
            Distribution::LogNormal { .. } => vec![p[1] / n.sqrt(), p[1] / (2.0 * n).sqrt()],
            Distribution::Weibull { .. } => {
                let a = (1.0 - EULER).powi(2) + PI * PI / 6.0;
                vec![
                    (6.0 * p[0] * p[0] / (PI * PI * n)).sqrt(),
                    (6.0 * a * p[1] * p[1] / (PI * PI * p[0] * p[0] * n)).sqrt(),
                ]
            }
            Distribution::Constant { .. } => unreachable!(),
        }
    }

    /// `n` draws of `d` at most `max` (all of them when `max` is `None`), weight 1 each.
    fn draws(d: &Distribution, n: usize, max: Option<f64>, seed: u64) -> Vec<(f64, f64)> {
        let sampler = d.sampler().unwrap();
        let mut rng = crate::rng::stream(seed, 0);
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            let x = sampler.sample(&mut rng);
            if max.is_none_or(|t| x <= t) {
                out.push((x, 1.0));
            }
        }
        out
    }

    fn candidate<'a>(fit: &'a DwellFit, like: &Distribution) -> &'a Candidate {
        fit.candidates
            .iter()
            .find(|c| same_family(&c.distribution, like))
            .unwrap_or_else(|| panic!("no {like:?} among {:?}", fit.candidates))
    }

    /// Every number of the fit is finite: serde_json writes NaN and infinities as null.
    fn assert_finite(fit: &DwellFit) {
        let json = serde_json::to_string(fit).unwrap();
        assert!(!json.contains("null"), "{json}");
    }

    #[test]
    fn hand_computed_summary_and_exponential_on_a_tiny_weighted_sample() {
        let data = [(6.0, 1.0), (0.0, 1.0), (1.0, 2.0), (3.0, 1.0)];
        let fit = fit_dwell(&data, None).unwrap();
        assert_eq!(fit.observations, 5.0);
        assert_eq!(fit.zero_share, 0.2);
        // (0 + 2 * 1 + 3 + 6) / 5; a few roundings of terms of 1.
        assert!((fit.mean_days - 2.2).abs() < 1e-14);
        // Weighted distribution function: 0.2 at 0, 0.6 at 1, 0.8 at 3, 1 at 6.
        let days: Vec<f64> = fit.quantiles.iter().map(|q| q.days).collect();
        assert_eq!(days, vec![0.0, 1.0, 1.0, 3.0, 6.0]);
        let ps: Vec<f64> = fit.quantiles.iter().map(|q| q.p).collect();
        assert_eq!(ps, QUANTILE_PROBABILITIES);
        // Exponential on the positive durations 1, 1, 3, 6: mean 11/4, ln L = -4 ln(11/4) - 4.
        let exponential = &fit.candidates[0];
        let Distribution::Exponential { mean } = exponential.distribution else {
            panic!("{exponential:?}")
        };
        let ll = -4.0 * 2.75f64.ln() - 4.0;
        assert!((mean - 2.75).abs() < 1e-14 * 2.75);
        assert!((exponential.log_likelihood - ll).abs() < 1e-13 * ll.abs());
        assert!((exponential.aic - (2.0 - 2.0 * ll)).abs() < 1e-13 * ll.abs());
        // Every candidate's likelihood is statrs' at its parameters, and its AIC follows.
        assert_eq!(fit.candidates.len(), 4);
        for c in &fit.candidates {
            let reference = reference_log_likelihood(&c.distribution, &data, None);
            assert!(
                (c.log_likelihood - reference).abs() < 1e-12 * reference.abs(),
                "{c:?}"
            );
            let p = parameters(&c.distribution).len() as f64;
            assert!((c.aic - (2.0 * p - 2.0 * c.log_likelihood)).abs() < 1e-12 * c.aic.abs());
        }
        let best = fit
            .candidates
            .iter()
            .min_by(|a, b| a.aic.total_cmp(&b.aic))
            .unwrap();
        assert_eq!(fit.best, Some(best.distribution));
        assert_finite(&fit);
    }

    #[test]
    fn weighted_quantiles_take_the_smallest_duration_reaching_p() {
        // Equal weights: F = 0.25, 0.5, 0.75, 1 at 1, 2, 3, 4; F reaches p exactly at 1, 2, 3.
        let fit = fit_dwell(&[(4.0, 1.0), (3.0, 1.0), (2.0, 1.0), (1.0, 1.0)], None).unwrap();
        let days: Vec<f64> = fit.quantiles.iter().map(|q| q.days).collect();
        assert_eq!(days, vec![1.0, 1.0, 2.0, 3.0, 4.0]);
        // Fractional weights 0.5, 0.25, 0.25: F = 0.5, 0.75, 1 at 1, 2, 5.
        let fit = fit_dwell(&[(1.0, 0.5), (2.0, 0.25), (5.0, 0.25)], None).unwrap();
        let days: Vec<f64> = fit.quantiles.iter().map(|q| q.days).collect();
        assert_eq!(days, vec![1.0, 1.0, 1.0, 2.0, 5.0]);
        assert_eq!(fit.observations, 1.0);
        assert_eq!(fit.mean_days, 0.5 + 0.5 + 1.25);
    }

    #[test]
    fn a_weight_is_a_count_of_repeats_and_row_order_is_not_information() {
        let weighted = [(0.0, 2.0), (1.5, 3.0), (2.0, 1.0), (4.25, 2.0), (7.0, 1.0)];
        let mut repeated = Vec::new();
        for &(d, w) in &weighted {
            for _ in 0..w as usize {
                repeated.push((d, 1.0));
            }
        }
        repeated.reverse();
        for max in [None, Some(8.0)] {
            let a = fit_dwell(&weighted, max).unwrap();
            let b = fit_dwell(&repeated, max).unwrap();
            // Equal durations are merged with their weights summed exactly: the same numbers.
            assert_eq!(a, b);
            assert_eq!(a.candidates.len(), 4, "{a:?}");
        }
        let sample = draws(&truths()[1], 500, Some(5.0), 3);
        let mut shuffled = sample.clone();
        shuffled.rotate_left(123);
        shuffled.swap(0, 400);
        assert_eq!(
            fit_dwell(&sample, Some(5.0)).unwrap(),
            fit_dwell(&shuffled, Some(5.0)).unwrap()
        );
    }

    #[test]
    fn each_family_is_recovered_from_20000_draws_and_chosen_by_aic() {
        for (seed, truth) in truths().iter().enumerate() {
            let data = draws(truth, N, None, seed as u64);
            let fit = fit_dwell(&data, None).unwrap();
            let found = candidate(&fit, truth);
            let se = fisher_standard_errors(truth, N as f64);
            for ((estimate, true_value), se) in parameters(&found.distribution)
                .iter()
                .zip(parameters(truth))
                .zip(se)
            {
                assert!(
                    (estimate - true_value).abs() < 4.0 * se,
                    "{truth:?}: {estimate} vs {true_value}, 4 SE = {}",
                    4.0 * se
                );
            }
            // Every candidate's likelihood is statrs' at its parameters (independent sums of
            // 20,000 terms agree to ~1e-13).
            for c in &fit.candidates {
                let reference = reference_log_likelihood(&c.distribution, &data, None);
                assert!((c.log_likelihood - reference).abs() < 1e-10 * reference.abs());
            }
            // The non-nested families differ by n times their Kullback-Leibler divergence,
            // hundreds here. For the exponential truth, the gamma and the Weibull nest it and
            // each beats its AIC with probability P(chi2_1 > 2) = 0.16 (seeded here).
            assert!(
                same_family(fit.best.as_ref().unwrap(), truth),
                "{truth:?}: {fit:?}"
            );
            assert_finite(&fit);
        }
    }

    #[test]
    fn maximum_likelihood_estimates_solve_their_likelihood_equations() {
        let data = [(0.5, 1.0), (1.25, 2.0), (2.0, 1.5), (4.5, 1.0), (9.0, 0.5)];
        let total: f64 = data.iter().map(|d| d.1).sum();
        let mean = data.iter().map(|&(x, w)| w * x).sum::<f64>() / total;
        let mean_ln = data.iter().map(|&(x, w)| w * x.ln()).sum::<f64>() / total;
        let fit = fit_dwell(&data, None).unwrap();
        // Gamma: ln k - digamma(k) = ln mean - mean ln (statrs' digamma), and k s = mean.
        let Distribution::Gamma { shape, scale } = candidate(&fit, &truths()[1]).distribution
        else {
            unreachable!()
        };
        let gap = mean.ln() - mean_ln;
        let residual = shape.ln() - statrs::function::gamma::digamma(shape) - gap;
        assert!(residual.abs() < 1e-12 * gap, "{residual}");
        assert!((shape * scale - mean).abs() < 1e-13 * mean);
        // Weibull: sum w x^k ln x / sum w x^k - 1/k - mean ln = 0 and s^k = mean x^k.
        let Distribution::Weibull { shape, scale } = candidate(&fit, &truths()[3]).distribution
        else {
            unreachable!()
        };
        let power: f64 = data.iter().map(|&(x, w)| w * x.powf(shape)).sum();
        let power_ln: f64 = data.iter().map(|&(x, w)| w * x.powf(shape) * x.ln()).sum();
        let residual = power_ln / power - 1.0 / shape - mean_ln;
        assert!(residual.abs() < 1e-12, "{residual}");
        assert!((scale.powf(shape) - power / total).abs() < 1e-12 * power / total);
        // Log-normal: mu and sigma are the mean and divisor-n deviation of ln x.
        let Distribution::LogNormal { .. } = candidate(&fit, &truths()[2]).distribution else {
            unreachable!()
        };
        let p = parameters(&candidate(&fit, &truths()[2]).distribution);
        let variance = data
            .iter()
            .map(|&(x, w)| w * (x.ln() - mean_ln).powi(2))
            .sum::<f64>()
            / total;
        assert!((p[0] - mean_ln).abs() < 1e-13);
        assert!((p[1] - variance.sqrt()).abs() < 1e-13);
    }

    #[test]
    fn the_truncated_exponential_solves_its_score_equation_or_is_left_out() {
        // Mean 1.5 below T/2 = 2: the estimate solves 1.5 = m - T / (e^(T/m) - 1).
        let fit = fit_dwell(&[(1.0, 1.0), (2.0, 1.0)], Some(4.0)).unwrap();
        let Distribution::Exponential { mean } = fit.candidates[0].distribution else {
            panic!("{fit:?}")
        };
        let residual = mean - 4.0 / (4.0 / mean).exp_m1() - 1.5;
        assert!(residual.abs() < 1e-13, "{residual}");
        // Its likelihood is the truncated one.
        let reference = reference_log_likelihood(
            &fit.candidates[0].distribution,
            &[(1.0, 1.0), (2.0, 1.0)],
            Some(4.0),
        );
        assert!((fit.candidates[0].log_likelihood - reference).abs() < 1e-13 * reference.abs());
        // Mean 2 = T/2: the likelihood rises without end as m grows; no exponential.
        let fit = fit_dwell(&[(1.0, 1.0), (3.0, 1.0)], Some(4.0)).unwrap();
        assert!(
            fit.candidates
                .iter()
                .all(|c| !matches!(c.distribution, Distribution::Exponential { .. })),
            "{fit:?}"
        );
    }

    /// The truncation point: the 80th percentile of the truth.
    const KEPT: f64 = 0.8;

    #[test]
    fn truncated_fits_recover_the_parameters_the_untruncated_fit_misses() {
        for (seed, truth) in truths().iter().enumerate() {
            let max = quantile(truth, KEPT);
            let data = draws(truth, N, Some(max), 10 + seed as u64);
            let fit = fit_dwell(&data, Some(max)).unwrap();
            assert_eq!(fit.truncated_at_days, Some(max));
            let found = candidate(&fit, truth);
            let estimate = parameters(&found.distribution);
            let se = observed_standard_errors(&found.distribution, &data, Some(max));
            let z: Vec<f64> = (estimate.iter().zip(parameters(truth)).zip(&se))
                .map(|((e, t), s)| (e - t) / s)
                .collect();
            assert!(
                z.iter().all(|z| z.abs() < 4.0),
                "{truth:?}: {found:?}, z {z:?}"
            );
            let reference = reference_log_likelihood(&found.distribution, &data, Some(max));
            assert!((found.log_likelihood - reference).abs() < 1e-10 * reference.abs());
            // The fit is a maximum: the reference likelihood is lower one tenth of a standard
            // error away along each parameter.
            for i in 0..estimate.len() {
                for sign in [-1.0, 1.0] {
                    let mut moved = estimate.clone();
                    moved[i] += sign * 0.1 * se[i];
                    let other = with_parameters(&found.distribution, &moved);
                    assert!(reference_log_likelihood(&other, &data, Some(max)) < reference);
                }
            }
            assert!(
                same_family(fit.best.as_ref().unwrap(), truth),
                "{truth:?}: {fit:?}"
            );
            // The same data fitted as if complete: some parameter is more than 10 standard
            // errors (of the truncated fit) off, the short durations taken for the whole.
            let naive = fit_dwell(&data, None).unwrap();
            let biased = parameters(&candidate(&naive, truth).distribution);
            let z_naive: Vec<f64> = (biased.iter().zip(parameters(truth)).zip(&se))
                .map(|((e, t), s)| (e - t) / s)
                .collect();
            assert!(
                z_naive.iter().any(|z| z.abs() > 10.0),
                "{truth:?}: z {z_naive:?}"
            );
            assert_finite(&fit);
        }
    }

    /// `int_0^t x f(x) dx / F(t)` by Simpson's rule on 20,000 intervals with statrs' density
    /// (error ~h^2.6 ~ 1e-10 for the Weibull's x^0.6 at 0, h^4 elsewhere).
    fn integrated_truncated_mean(d: &Distribution, t: f64) -> f64 {
        let f = statrs_of(d);
        let steps = 20_000;
        let h = t / steps as f64;
        let integrand = |x: f64| if x > 0.0 { x * f(x).2 } else { 0.0 };
        let mut sum = integrand(0.0) + integrand(t);
        for i in 1..steps {
            sum += integrand(i as f64 * h) * if i % 2 == 1 { 4.0 } else { 2.0 };
        }
        sum * h / 3.0 / f(t).1
    }

    #[test]
    fn the_sampler_draws_the_truncated_mixture_with_its_exact_mean() {
        let zero_share = 0.3;
        for (seed, truth) in truths().iter().enumerate() {
            // Untruncated; truncated at the 80th percentile (rejection, accepts 0.8); at the
            // 10th (inverse CDF, 0.1 < 1/4).
            for (case, p) in [None, Some(0.8), Some(0.1)].into_iter().enumerate() {
                let max = p.map(|p| quantile(truth, p));
                let sampler = DwellSampler::new(zero_share, Some(*truth), max).unwrap();
                let positive = sampler.positive.as_ref().unwrap();
                match (p, positive.draw) {
                    (None, Draw::Untruncated)
                    | (Some(0.8), Draw::Rejection { .. })
                    | (Some(0.1), Draw::Inverse { .. }) => {}
                    other => panic!("{other:?}"),
                }
                let exact_positive = match max {
                    None => truth.mean(),
                    Some(t) => {
                        let integrated = integrated_truncated_mean(truth, t);
                        let formula = truncated_mean(*truth, t);
                        assert!(
                            (formula - integrated).abs() < 1e-8 * integrated,
                            "{truth:?}"
                        );
                        formula
                    }
                };
                assert!(
                    (sampler.mean() - (1.0 - zero_share) * exact_positive).abs()
                        < 1e-15 * exact_positive
                );
                let n = 40_000;
                let mut rng = crate::rng::stream(100 + seed as u64, case as u64);
                let xs: Vec<f64> = (0..n).map(|_| sampler.sample(&mut rng)).collect();
                assert!(xs.iter().all(|&x| x >= 0.0 && max.is_none_or(|t| x <= t)));
                let mean = xs.iter().sum::<f64>() / n as f64;
                let sd =
                    (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt();
                assert!(
                    (mean - sampler.mean()).abs() < 4.0 * sd / (n as f64).sqrt(),
                    "{truth:?} {max:?}: {mean} vs {}",
                    sampler.mean()
                );
                // The zero mass: a binomial share, within 4 standard errors.
                let zeros = xs.iter().filter(|&&x| x == 0.0).count() as f64 / n as f64;
                let se = (zero_share * (1.0 - zero_share) / n as f64).sqrt();
                assert!((zeros - zero_share).abs() < 4.0 * se, "{zeros}");
            }
        }
    }

    #[test]
    fn zeros_are_a_point_mass_and_the_families_fit_the_rest() {
        let truth = truths()[3];
        let positive = draws(&truth, 2_000, Some(6.0), 5);
        let mut with_zeros = positive.clone();
        with_zeros.push((0.0, 300.0));
        with_zeros.push((0.0, 200.0));
        for max in [None, Some(6.0)] {
            let alone = fit_dwell(&positive, max).unwrap();
            let fit = fit_dwell(&with_zeros, max).unwrap();
            assert_eq!(fit.zero_share, 500.0 / 2_500.0);
            assert_eq!(fit.observations, 2_500.0);
            assert_eq!(fit.candidates, alone.candidates);
            assert_eq!(fit.best, alone.best);
            // 20% of the weight is at 0: the 10th percentile is 0, the median is not.
            assert_eq!(fit.quantiles[0].days, 0.0);
            assert!(fit.quantiles[2].days > 0.0);
            let positive_mean = match max {
                None => fit.best.unwrap().mean(),
                Some(t) => truncated_mean(fit.best.unwrap(), t),
            };
            let model = fit.mean_days_model().unwrap();
            assert!((model - 0.8 * positive_mean).abs() < 1e-15 * model);
        }
    }

    #[test]
    fn fewer_than_two_distinct_positive_durations_have_no_continuous_fit() {
        // Only zeros: the model is the point mass at 0.
        let fit = fit_dwell(&[(0.0, 2.0), (0.0, 1.5)], Some(30.0)).unwrap();
        assert_eq!((fit.zero_share, fit.mean_days, fit.best), (1.0, 0.0, None));
        assert!(fit.candidates.is_empty());
        assert!(fit.quantiles.iter().all(|q| q.days == 0.0));
        assert_eq!(fit.mean_days_model(), Some(0.0));
        assert_eq!(
            fit.sampler().unwrap().sample(&mut crate::rng::stream(1, 0)),
            0.0
        );
        // One distinct positive duration (twice, and once with zeros): the constant.
        for data in [
            &[(2.5, 1.0), (2.5, 3.0)][..],
            &[(2.5, 1.0)],
            &[(0.0, 1.0), (2.5, 3.0)],
        ] {
            let fit = fit_dwell(data, None).unwrap();
            assert_eq!(
                fit.best,
                Some(Distribution::Constant { value: 2.5 }),
                "{data:?}"
            );
            assert!(fit.candidates.is_empty());
            let model = fit.mean_days_model().unwrap();
            assert_eq!(model, (1.0 - fit.zero_share) * 2.5);
            assert_finite(&fit);
        }
        let fit = fit_dwell(&[(2.5, 1.0)], None).unwrap();
        assert!(fit.quantiles.iter().all(|q| q.days == 2.5));
        assert_eq!(
            fit.sampler().unwrap().sample(&mut crate::rng::stream(1, 0)),
            2.5
        );
    }

    #[test]
    fn bad_input_is_an_error_that_names_it() {
        let message =
            |data: &[(f64, f64)], max: Option<f64>| fit_dwell(data, max).unwrap_err().to_string();
        assert!(message(&[], None).contains("no durations"));
        assert!(message(&[], Some(3.0)).contains("no durations"));
        for bad in [-1.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let m = message(&[(1.0, 1.0), (bad, 1.0)], None);
            assert!(
                m.starts_with("durations[1] is") && m.contains("a duration must be"),
                "{m}"
            );
        }
        for bad in [0.0, -2.0, f64::NAN, f64::INFINITY] {
            let m = message(&[(1.0, bad)], None);
            assert!(
                m.starts_with("durations[0] has weight") && m.contains("> 0"),
                "{m}"
            );
        }
        let m = message(&[(1.0, 1.0), (31.0, 1.0)], Some(30.0));
        assert!(
            m.starts_with("durations[1] is 31 days, above `max_days` 30"),
            "{m}"
        );
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let e = fit_dwell(&[(1.0, 1.0)], Some(bad)).unwrap_err();
            assert!(
                matches!(
                    e,
                    Error::Option {
                        option: "max_days",
                        ..
                    }
                ),
                "{e:?}"
            );
        }
        let m = message(&[(1.0, f64::MAX), (2.0, f64::MAX)], None);
        assert!(m.contains("weights of the durations sum beyond"), "{m}");
        // A duration at the bound is observable.
        assert!(fit_dwell(&[(1.0, 1.0), (30.0, 1.0)], Some(30.0)).is_ok());
    }

    #[test]
    fn degenerate_and_extreme_inputs_fit_without_panic_and_with_finite_numbers() {
        type Case = (Vec<(f64, f64)>, Option<f64>);
        let cases: Vec<Case> = vec![
            (vec![(1.0, 1.0), (1.0 + f64::EPSILON, 1.0)], None),
            (vec![(1.0, 1.0), (1.0 + f64::EPSILON, 1.0)], Some(2.0)),
            (
                vec![(1.0, 1.0), (1.0 + 1e-9, 1.0), (1.0 - 1e-9, 2.0)],
                Some(1.5),
            ),
            (vec![(1e300, 1.0), (1.5e300, 2.0), (3e300, 1.0)], None),
            (
                vec![(1e300, 1.0), (1.5e300, 2.0), (3e300, 1.0)],
                Some(f64::MAX),
            ),
            (
                vec![(1e-300, 1.0), (3e-300, 1.0), (5e-300, 1.0)],
                Some(1e-299),
            ),
            (vec![(1e-300, 1.0), (1e300, 1.0), (1.0, 1.0)], None),
            (vec![(1e-300, 1.0), (1e300, 1.0), (1.0, 1.0)], Some(1e301)),
            (vec![(5e-324, 1.0), (1e-320, 1.0)], None),
            (vec![(1.0, 1e-300), (2.0, 1e300), (3.0, 1.0)], Some(3.0)),
            (vec![(1.0, 1.0), (2.0, 1.0)], Some(2.0)),
            (vec![(1.0, 1.0), (2.0, 1.0)], Some(1e300)),
            // Crowded at the bound: a density rising towards it.
            (vec![(9.0, 1.0), (9.9, 5.0), (10.0, 20.0)], Some(10.0)),
            (vec![(0.0, 1e6), (1e-9, 1.0), (2e-9, 1.0)], None),
        ];
        for (data, max) in cases {
            let fit = fit_dwell(&data, max).unwrap_or_else(|e| panic!("{data:?}: {e}"));
            assert_finite(&fit);
            for c in &fit.candidates {
                assert!(c.distribution.sampler().is_ok(), "{c:?}");
            }
            // A model, when there is one, draws finite durations within the bound.
            if let Ok(sampler) = fit.sampler() {
                assert!(sampler.mean().is_finite());
                let mut rng = crate::rng::stream(9, 0);
                for _ in 0..100 {
                    let x = sampler.sample(&mut rng);
                    assert!(
                        x >= 0.0 && x.is_finite() && max.is_none_or(|t| x <= t),
                        "{data:?}: {x}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_model_read_from_a_file_is_checked_before_sampling() {
        let gamma = Some(truths()[1]);
        let error = |z: f64, d: Option<Distribution>, max: Option<f64>| {
            DwellSampler::new(z, d, max).unwrap_err().to_string()
        };
        assert!(error(1.5, gamma, None).contains("zero_share is 1.5"));
        assert!(error(f64::NAN, gamma, None).contains("zero_share is NaN"));
        assert!(error(0.5, None, None).contains("no distribution of the positive durations"));
        assert!(
            error(
                0.5,
                Some(Distribution::Gamma {
                    shape: -1.0,
                    scale: 1.0
                }),
                None
            )
            .contains("shape is -1")
        );
        assert!(error(0.5, gamma, Some(-1.0)).contains("max_days is -1"));
        assert!(
            error(0.5, Some(Distribution::Constant { value: 5.0 }), Some(3.0))
                .contains("no probability")
        );
        assert!(
            error(
                0.5,
                Some(Distribution::Gamma {
                    shape: 1e8,
                    scale: 1.0
                }),
                Some(1e8)
            )
            .contains("cannot be truncated")
        );
        // Far in the tail the mass underflows: no probability below the bound.
        assert!(
            error(
                0.0,
                Some(Distribution::LogNormal {
                    mean: 1e6,
                    cv: 0.01
                }),
                Some(1.0)
            )
            .contains("no probability")
        );
        // All zeros needs no distribution.
        assert_eq!(DwellSampler::new(1.0, None, None).unwrap().mean(), 0.0);
    }

    #[test]
    fn a_dwell_fit_round_trips_through_json_and_refuses_unknown_fields() {
        let fit = fit_dwell(
            &[(0.0, 1.0), (1.0, 2.0), (3.0, 1.0), (6.0, 1.0)],
            Some(10.0),
        )
        .unwrap();
        let json = serde_json::to_string(&fit).unwrap();
        for field in [
            "\"observations\"",
            "\"zero_share\"",
            "\"mean_days\"",
            "\"quantiles\"",
            "\"best\"",
            "\"candidates\"",
            "\"log_likelihood\"",
            "\"aic\"",
            "\"truncated_at_days\":10",
            "\"distribution\":\"weibull\"",
            "\"distribution\":\"log_normal\"",
        ] {
            assert!(json.contains(field), "{field} in {json}");
        }
        assert_eq!(serde_json::from_str::<DwellFit>(&json).unwrap(), fit);
        let unknown = json.replacen("\"zero_share\"", "\"zeros\":1,\"zero_share\"", 1);
        assert!(serde_json::from_str::<DwellFit>(&unknown).is_err());
        // Without truncation or a model the two optional fields are left out, not null.
        let fit = fit_dwell(&[(0.0, 1.0)], None).unwrap();
        let json = serde_json::to_string(&fit).unwrap();
        assert!(
            !json.contains("best") && !json.contains("truncated_at_days"),
            "{json}"
        );
        assert_eq!(serde_json::from_str::<DwellFit>(&json).unwrap(), fit);
    }

    #[test]
    fn nelder_mead_reaches_the_minimum_of_a_curved_valley() {
        // Rosenbrock's function: minimum 0 at (1, 1) at the end of a curved valley.
        let rosenbrock = |v: [f64; 2]| (1.0 - v[0]).powi(2) + 100.0 * (v[1] - v[0] * v[0]).powi(2);
        let (v, value) = nelder_mead(rosenbrock, [-1.2, 1.0], 0.1);
        assert!(
            (v[0] - 1.0).abs() < 1e-8 && (v[1] - 1.0).abs() < 1e-8,
            "{v:?}"
        );
        assert!(value < 1e-16);
        // Invalid points (+inf) are walls, not minima.
        let walled = |v: [f64; 2]| {
            if v[0] < 0.5 {
                f64::INFINITY
            } else {
                (v[0] - 2.0).powi(2) + (v[1] + 1.0).powi(2)
            }
        };
        let (v, _) = nelder_mead(walled, [0.6, 0.0], 0.1);
        assert!(
            (v[0] - 2.0).abs() < 1e-9 && (v[1] + 1.0).abs() < 1e-9,
            "{v:?}"
        );
    }

    #[test]
    fn ln_minus_digamma_matches_statrs_and_its_asymptote() {
        use statrs::function::gamma::digamma;
        for x in [1e-3f64, 0.1, 0.5, 1.0, 2.5, 10.0, 15.9, 16.0, 100.0] {
            let reference = x.ln() - digamma(x);
            assert!(
                (ln_minus_digamma(x) - reference).abs() < 1e-13 * reference.max(1.0),
                "{x}"
            );
            // The slope against a central difference (step 1e-6 x: error ~1e-11 relative).
            let h = 1e-6 * x;
            let numeric = (ln_minus_digamma(x + h) - ln_minus_digamma(x - h)) / (2.0 * h);
            assert!(
                (ln_minus_digamma_slope(x) - numeric).abs() < 1e-7 * numeric.abs(),
                "{x}"
            );
        }
        // Far out, ln x - digamma(x) = 1/(2x) + 1/(12x^2) + O(x^-4), which the difference of
        // the two would lose entirely.
        for x in [1e6f64, 1e12] {
            let leading = 0.5 / x + 1.0 / (12.0 * x * x);
            assert!((ln_minus_digamma(x) - leading).abs() < 1e-15 * leading);
        }
    }
}
