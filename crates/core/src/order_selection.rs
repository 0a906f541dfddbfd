//! Choosing the Markov order: held-out log-likelihood (our criterion) beside ChannelAttribution's
//! penalised AUC (for comparison).
//!
//! ## Held-out log-likelihood (k-fold cross-validation over journeys)
//! The journeys are split into `folds` parts at random, *the same split for every order*: every
//! row's integer conversions and non-converting journeys are spread over the folds by a
//! multinomial draw (a fractional remainder goes to one fold drawn at random), from
//! [`crate::rng::stream`]`(seed, row number)`. For each fold, every order is fitted on the other
//! folds and scored by the log-probability it gives the held-out journeys; each journey is held
//! out exactly once, so the sum over folds is comparable across orders, and it is reported per
//! journey (in nats).
//!
//! *What is scored.* The observable is the same for every order: a journey's channel sequence
//! with consecutive repeats merged (`a > a > b` is `a > b`, what ChannelAttribution's order-1
//! chain sees) followed by its outcome. An order-k chain predicts each next symbol (a channel,
//! (conversion) or (null)) from the last k channels; the first k symbols are predicted from the
//! shorter history anchored at (start), which is exactly how the chain's (start) -> first-window
//! probabilities factor. With maximum-likelihood estimates this *is* the fitted order-k chain.
//! Without merging repeats, each order would be scored on different data (an order-1 chain
//! collapses `a > a`, an order-2 chain does not), and the comparison would be meaningless.
//!
//! *Transitions unseen in training.* A maximum-likelihood chain gives them probability 0 and the
//! held-out log-likelihood would be minus infinity for every order that has a state the training
//! folds never left that way. We smooth by Witten-Bell interpolation (Witten and Bell 1991; Chen
//! and Goodman 1999, "An empirical study of smoothing techniques for language modeling"), which
//! needs no tuning parameter: `P(y | h) = (n(h, y) + T(h) P(y | h')) / (n(h) + T(h))`, where
//! `h'` is `h` without its oldest symbol, `n` are training weights and `T(h)` the number of
//! distinct symbols seen after `h`. The recursion ends in the uniform distribution over the
//! symbols. Contexts never seen in training back off entirely to the shorter context. So a
//! higher order is only rewarded where its longer contexts have the data to support them.
//!
//! *Recommendation.* The best order maximises the held-out log-likelihood per journey. We
//! recommend the smallest order whose score is within one standard error of the best (the
//! "one-standard-error rule", Hastie, Tibshirani and Friedman, *Elements of Statistical
//! Learning*, 7.10), the standard error being that of the fold-by-fold difference to the best
//! order. A higher order has exponentially more states; the rule buys it only for a clear gain.
//!
//! ## ChannelAttribution's penalised AUC
//! `choose_order` in ChannelAttribution (Altomare and Loris) fits each order on all the data and
//! predicts each path's conversion by `P(conversion | last state)`, its last state's
//! conversions / (conversions + nulls). Paths are scored by that prediction, converting journeys
//! being positives and non-converting ones negatives; the area under the ROC curve (`auc`) is
//! penalised for the number of parameters: `pauc = 1 - (1 - auc) (N - 1) / (N - p - 1)`, with `N`
//! the number of journeys and `p = C(m + k - 1, k)` for `m` channels (the number of multisets of
//! k channels), like an adjusted R². It is only computed when `p` is smaller than the number of
//! rows, and set to 0 when outside [0, 1], as ChannelAttribution does; its suggestion is the
//! order with the largest `pauc`. We compute the ROC curve exactly (at every distinct
//! prediction) where ChannelAttribution approximates it at 100 thresholds.
//!
//! It is reported for comparison but not used: it is an in-sample measure, it only looks at the
//! last state of each path (not at how well the chain describes the path that led there), and
//! its penalty is ad hoc. Held-out likelihood scores the whole journey on data the fit has not
//! seen, which is what matters for removal effects that reroute whole journeys.
//!
//! ```
//! use journeysim_core::journey::MemoryPaths;
//! use journeysim_core::order_selection::{OrderOptions, select_order};
//!
//! let rows = [
//!     (&["a", "b"][..], 30.0, 0.0, 10.0),
//!     (&["b", "a"][..], 5.0, 0.0, 35.0),
//!     (&["a"][..], 10.0, 0.0, 30.0),
//!     (&["b"][..], 12.0, 0.0, 28.0),
//! ];
//! let options = OrderOptions { max_order: 2, folds: 5, seed: 1 };
//! let selection = select_order(MemoryPaths::new("example", &rows), options)?;
//! assert_eq!(selection.orders.len(), 2);
//! assert!((1..=2).contains(&selection.recommended_order));
//! # Ok::<(), journeysim_core::Error>(())
//! ```

use rand::RngExt;
use rand_distr::Binomial;
use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::journey::{ChannelTable, PathSource};
use crate::model::{Chain, FitOptions, Fitter};
use crate::rng;
use crate::row_order::Canonical;

/// What to compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderOptions {
    /// Highest order tried (orders 1..=max_order).
    pub max_order: usize,
    /// Number of cross-validation folds.
    pub folds: usize,
    /// Seed of the fold assignment.
    pub seed: u64,
}

impl Default for OrderOptions {
    fn default() -> Self {
        OrderOptions {
            max_order: 4,
            folds: 5,
            seed: rng::DEFAULT_SEED,
        }
    }
}

impl OrderOptions {
    fn check(self) -> Result<Self> {
        if self.max_order == 0 || self.max_order > 10 {
            return Err(Error::option(
                "max_order",
                format!("is {}; it must be between 1 and 10", self.max_order),
            ));
        }
        if !(2..=50).contains(&self.folds) {
            return Err(Error::option(
                "folds",
                format!("is {}; it must be between 2 and 50", self.folds),
            ));
        }
        Ok(self)
    }
}

/// One order's scores.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrderScore {
    /// Markov order k.
    pub order: usize,
    /// Transient states of the chain fitted on all the data (ChannelAttribution's semantics).
    pub states: usize,
    /// Held-out log-likelihood per journey (nats; higher is better).
    pub heldout_log_likelihood: f64,
    /// Held-out log-likelihood per journey minus the best order's (0 for the best).
    pub difference_to_best: f64,
    /// Standard error of that difference over the folds.
    pub difference_standard_error: f64,
    /// ChannelAttribution's in-sample AUC of P(conversion | last state).
    pub auc: f64,
    /// ChannelAttribution's penalised AUC (absent when it has more parameters than rows).
    pub penalized_auc: Option<f64>,
}

/// The comparison and the recommendation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OrderSelection {
    /// The input's name.
    pub input: String,
    /// Journeys read.
    pub journeys: f64,
    /// Cross-validation folds.
    pub folds: usize,
    /// Seed of the fold assignment.
    pub seed: u64,
    /// One entry per order, 1..=max_order.
    pub orders: Vec<OrderScore>,
    /// The order with the highest held-out log-likelihood.
    pub best_order: usize,
    /// The recommended order (one-standard-error rule).
    pub recommended_order: usize,
    /// The order ChannelAttribution's choose_order would suggest (largest penalised AUC).
    pub channelattribution_order: Option<usize>,
    /// Why the recommended order.
    pub reason: String,
    /// Things the user should know.
    pub warnings: Vec<String>,
}

// Symbols in contexts and emissions besides channel ids.
const START: u32 = u32::MAX;
const CONVERSION: u32 = u32::MAX - 1;
const NULL: u32 = u32::MAX - 2;

/// Emission weights per fold, keyed by `[context..., next symbol]`, the context being the last
/// up to `max_order` symbols of `(start), c1, ..., c(i-1)`.
struct Emissions {
    max_order: usize,
    folds: usize,
    table: FxHashMap<Box<[u32]>, Vec<f64>>,
    key: Vec<u32>,
}

impl Emissions {
    fn add(&mut self, history: &[u32], next: u32, weights: &[f64]) {
        if weights.iter().all(|&w| w == 0.0) {
            return;
        }
        let context = &history[history.len().saturating_sub(self.max_order)..];
        self.key.clear();
        self.key.extend_from_slice(context);
        self.key.push(next);
        let entry = match self.table.get_mut(self.key.as_slice()) {
            Some(e) => e,
            None => self
                .table
                .entry(self.key.clone().into_boxed_slice())
                .or_insert_with(|| vec![0.0; self.folds]),
        };
        entry.iter_mut().zip(weights).for_each(|(e, w)| *e += w);
    }
}

/// Spreads `count` journeys over `folds` folds: a multinomial draw of the integer part with
/// equal probabilities, the fractional remainder to one fold drawn uniformly.
fn split(count: f64, out: &mut [f64], stream: &mut rng::Stream) {
    out.iter_mut().for_each(|x| *x = 0.0);
    if count <= 0.0 {
        return;
    }
    let whole = count.floor();
    let mut remaining = whole as u64;
    let folds = out.len();
    for (f, slot) in out.iter_mut().enumerate().take(folds - 1) {
        let p = 1.0 / (folds - f) as f64;
        let x = Binomial::new(remaining, p).map_or(0, |b| stream.sample(b));
        *slot = x as f64;
        remaining -= x;
    }
    out[folds - 1] = remaining as f64;
    let fraction = count - whole;
    if fraction > 0.0 {
        out[stream.random_range(0..folds)] += fraction;
    }
}

/// Compares orders 1..=max_order on the paths of `source` (one streaming pass).
pub fn select_order(source: impl PathSource, options: OrderOptions) -> Result<OrderSelection> {
    let options = options.check()?;
    let (k_max, folds) = (options.max_order, options.folds);
    let mut channels = ChannelTable::new();
    let mut fitters: Vec<Fitter> = (1..=k_max)
        .map(|k| Fitter::new(FitOptions::order(k)))
        .collect::<Result<_>>()?;
    let mut emissions = Emissions {
        max_order: k_max,
        folds,
        table: FxHashMap::default(),
        key: Vec::new(),
    };
    let (mut conversions, mut nulls, mut journeys) =
        (vec![0.0; folds], vec![0.0; folds], vec![0.0; folds]);
    let mut history: Vec<u32> = Vec::new();
    let mut row_number = 0u64;
    let mut fold_journeys = vec![0.0; folds];
    let name = source.name().to_owned();
    let (summary, warnings) =
        Canonical::new(source)
            .without_ages()
            .read(&mut channels, &mut |row| {
                let row = &row.path;
                row_number += 1;
                fitters.iter_mut().for_each(|f| f.observe(row));
                if row.journeys() <= 0.0 || row.touches.is_empty() {
                    return;
                }
                let mut stream = rng::stream(options.seed, row_number);
                split(row.conversions, &mut conversions, &mut stream);
                // Open journeys weigh the transitions they were seen to make, as non-converting
                // ones, and have no exit ([`PathRow::censored`]).
                split(row.nulls + row.open, &mut nulls, &mut stream);
                for f in 0..folds {
                    journeys[f] = conversions[f] + nulls[f];
                    fold_journeys[f] += journeys[f];
                }
                history.clear();
                history.push(START);
                let (touches, ended) = row.chain_touches();
                for &c in touches {
                    if history.last() != Some(&c) {
                        emissions.add(&history, c, &journeys);
                        history.push(c);
                    }
                }
                if ended {
                    emissions.add(&history, CONVERSION, &conversions);
                    emissions.add(&history, NULL, &nulls);
                }
            })?;
    if summary.journeys() <= 0.0 {
        return Err(Error::Invalid(format!(
            "{name}: no journeys to compare orders on"
        )));
    }
    let symbols = channels.len() + 2;
    let heldout = heldout_log_likelihoods(&emissions, k_max, folds, symbols);
    let chains: Vec<Chain> = fitters
        .into_iter()
        .map(|f| f.finish(channels.clone()))
        .collect::<Result<_>>()?;
    let rows = summary.rows - summary.skipped_rows;
    let auc: Vec<(f64, Option<f64>)> = chains
        .iter()
        .map(|c| penalized_auc(c, channels.len(), summary.journeys(), rows))
        .collect();

    // Per-journey scores per order and fold, and the paired comparison with the best order.
    let per_journey = |k: usize, f: usize| heldout[k][f] / fold_journeys[f].max(f64::MIN_POSITIVE);
    let total = |k: usize| heldout[k].iter().sum::<f64>() / summary.journeys();
    let best = (0..k_max)
        .max_by(|&a, &b| total(a).total_cmp(&total(b)))
        .expect("at least one order");
    let used_folds: Vec<usize> = (0..folds).filter(|&f| fold_journeys[f] > 0.0).collect();
    let difference_se = |k: usize| -> f64 {
        let d: Vec<f64> = used_folds
            .iter()
            .map(|&f| per_journey(k, f) - per_journey(best, f))
            .collect();
        let n = d.len() as f64;
        if n < 2.0 {
            return 0.0;
        }
        let mean = d.iter().sum::<f64>() / n;
        (d.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0) / n).sqrt()
    };
    let orders: Vec<OrderScore> = (0..k_max)
        .map(|k| OrderScore {
            order: k + 1,
            states: chains[k].n_states(),
            heldout_log_likelihood: total(k),
            difference_to_best: total(k) - total(best),
            difference_standard_error: difference_se(k),
            auc: auc[k].0,
            penalized_auc: auc[k].1,
        })
        .collect();
    // Every score must be a number: a non-finite one cannot be ranked, and would be written as
    // null or NaN.
    if let Some(o) = orders.iter().find(|o| {
        ![
            o.heldout_log_likelihood,
            o.difference_to_best,
            o.difference_standard_error,
            o.auc,
            o.penalized_auc.unwrap_or(0.0),
        ]
        .iter()
        .all(|x| x.is_finite())
    }) {
        return Err(Error::Invalid(format!(
            "{name}: the scores of order {} are not finite numbers (the counts are too large or \
             too uneven to compare orders on)",
            o.order
        )));
    }
    let recommended = orders
        .iter()
        .find(|o| o.difference_to_best >= -o.difference_standard_error)
        .map_or(best + 1, |o| o.order);
    let reason = if recommended == best + 1 {
        let next = orders.get(best + 1).map_or(String::new(), |o| {
            format!(
                "; order {} does not improve on it ({:+.5} nats per journey)",
                o.order,
                o.heldout_log_likelihood - orders[best].heldout_log_likelihood
            )
        });
        let previous = if best > 0 {
            let o = &orders[best - 1];
            format!(
                "; it beats order {} by {:.5} nats per journey ({:.1} standard errors)",
                o.order,
                -o.difference_to_best,
                -o.difference_to_best / o.difference_standard_error.max(f64::MIN_POSITIVE)
            )
        } else {
            String::new()
        };
        format!(
            "order {recommended} has the highest held-out log-likelihood ({:.5} nats per journey){previous}{next}",
            orders[best].heldout_log_likelihood
        )
    } else {
        let o = &orders[recommended - 1];
        format!(
            "order {} has the highest held-out log-likelihood, but order {recommended} is within one standard error of it ({:+.5} +/- {:.5} nats per journey) with {} states instead of {}",
            best + 1,
            o.difference_to_best,
            o.difference_standard_error,
            o.states,
            orders[best].states
        )
    };
    let channelattribution_order = orders
        .iter()
        .filter_map(|o| o.penalized_auc.map(|p| (o.order, p)))
        .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
        .map(|(k, _)| k);
    Ok(OrderSelection {
        input: name,
        journeys: summary.journeys(),
        folds,
        seed: options.seed,
        orders,
        best_order: best + 1,
        recommended_order: recommended,
        channelattribution_order,
        reason,
        warnings,
    })
}

/// Training statistics of one context for every fold: weights of each next symbol, their total
/// and the number of distinct next symbols.
struct Context {
    next: FxHashMap<u32, usize>,
    weights: Vec<Vec<f64>>,
    total: Vec<f64>,
    distinct: Vec<f64>,
}

/// Held-out log-likelihood (sum over held-out journeys) for each order (index k - 1) and fold.
fn heldout_log_likelihoods(
    emissions: &Emissions,
    k_max: usize,
    folds: usize,
    symbols: usize,
) -> Vec<Vec<f64>> {
    // Intern every suffix of every emission context, with per-fold weights of what follows it.
    let mut ids: FxHashMap<&[u32], usize> = FxHashMap::default();
    let mut contexts: Vec<Context> = Vec::new();
    let mut entries: Vec<(Vec<usize>, u32, &[f64])> = Vec::with_capacity(emissions.table.len());
    for (key, weights) in &emissions.table {
        let (context, next) = key.split_at(key.len() - 1);
        let next = next[0];
        let mut chain = Vec::with_capacity(context.len() + 1);
        for m in 0..=context.len() {
            let suffix = &context[context.len() - m..];
            let id = *ids.entry(suffix).or_insert_with(|| {
                contexts.push(Context {
                    next: FxHashMap::default(),
                    weights: Vec::new(),
                    total: vec![0.0; folds],
                    distinct: vec![0.0; folds],
                });
                contexts.len() - 1
            });
            let c = &mut contexts[id];
            let slot = *c.next.entry(next).or_insert_with(|| {
                c.weights.push(vec![0.0; folds]);
                c.weights.len() - 1
            });
            c.weights[slot]
                .iter_mut()
                .zip(weights.iter())
                .for_each(|(a, w)| *a += w);
            chain.push(id);
        }
        entries.push((chain, next, weights));
    }
    // Training weights of fold f are the sum over the other folds (no cancellation).
    let train = |w: &[f64], f: usize| -> f64 {
        w.iter()
            .enumerate()
            .filter(|&(g, _)| g != f)
            .map(|(_, x)| x)
            .sum()
    };
    for c in &mut contexts {
        for f in 0..folds {
            for w in &c.weights {
                let t = train(w, f);
                c.total[f] += t;
                if t > 0.0 {
                    c.distinct[f] += 1.0;
                }
            }
        }
    }
    // FxHash has no random state, so the iteration (and summation) order is the same on every
    // run over the same input.
    let mut ll = vec![vec![0.0; folds]; k_max];
    let mut p = Vec::with_capacity(k_max + 1);
    for (chain, next, weights) in &entries {
        for (f, &w) in weights.iter().enumerate() {
            if w <= 0.0 {
                continue;
            }
            // p[m]: the smoothed probability using contexts of up to m symbols.
            p.clear();
            let mut q = 1.0 / symbols as f64;
            for &id in chain {
                let c = &contexts[id];
                let n = c.total[f];
                if n > 0.0 {
                    let seen = c.next.get(next).map_or(0.0, |&s| train(&c.weights[s], f));
                    let t = c.distinct[f];
                    q = (seen + t * q) / (n + t);
                }
                p.push(q);
            }
            // Order k uses the last min(k, context length) symbols.
            let longest = chain.len() - 1;
            for (k, row) in ll.iter_mut().enumerate() {
                row[f] += w * p[(k + 1).min(longest)].ln();
            }
        }
    }
    ll
}

/// ChannelAttribution's AUC of `P(conversion | last state)` and its penalised AUC.
fn penalized_auc(chain: &Chain, channels: usize, journeys: f64, rows: u64) -> (f64, Option<f64>) {
    // Positives and negatives per last state: its weights into (conversion) and (null).
    let mut points: Vec<(f64, f64, f64)> = (0..chain.n_states())
        .filter_map(|s| {
            let range = chain.row_range(s as u32);
            let (mut pos, mut neg) = (0.0, 0.0);
            for e in range {
                if chain.targets()[e] == chain.conversion() {
                    pos += chain.weights()[e];
                } else if chain.targets()[e] == chain.null() {
                    neg += chain.weights()[e];
                }
            }
            (pos + neg > 0.0).then(|| (pos / (pos + neg), pos, neg))
        })
        .collect();
    points.sort_by(|a, b| b.0.total_cmp(&a.0));
    let (positives, negatives): (f64, f64) = points
        .iter()
        .fold((0.0, 0.0), |(p, n), x| (p + x.1, n + x.2));
    let auc = if positives > 0.0 && negatives > 0.0 {
        let (mut tp, mut area) = (0.0, 0.0);
        let mut i = 0;
        while i < points.len() {
            let (mut dp, mut dn) = (0.0, 0.0);
            let score = points[i].0;
            // Ties by `total_cmp`, so that a NaN score (which equals nothing under `==`) still
            // forms its group and the scan always advances.
            while i < points.len() && points[i].0.total_cmp(&score).is_eq() {
                dp += points[i].1;
                dn += points[i].2;
                i += 1;
            }
            // Trapezoid between the ROC points before and after this tie group.
            area += (dn / negatives) * (tp + dp / 2.0) / positives;
            tp += dp;
        }
        area
    } else {
        0.5
    };
    let k = chain.order() as f64;
    let m = channels as f64;
    let parameters = (statrs::function::gamma::ln_gamma(m + k)
        - statrs::function::gamma::ln_gamma(k + 1.0)
        - statrs::function::gamma::ln_gamma(m))
    .exp();
    let penalized = (parameters < rows as f64).then(|| {
        let p = 1.0 - (1.0 - auc) * (journeys - 1.0) / (journeys - parameters - 1.0);
        if (0.0..=1.0).contains(&p) { p } else { 0.0 }
    });
    (auc, penalized)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journey::MemoryPaths;

    #[test]
    fn penalized_auc_matches_hand_computation() {
        // Last state a: 3 conversions, 1 null (prediction 0.75); b: 1 and 3 (0.25). Of the 16
        // (positive, negative) pairs 9 are ordered right and 6 tied: AUC = (9 + 6/2) / 16.
        // Two channels at order 1: p = C(2, 1) = 2 parameters, 3 rows, N = 8 journeys:
        // pauc = 1 - (1 - 0.75) * 7 / (8 - 2 - 1) = 0.65.
        let rows = [
            (&["a"][..], 2.0, 0.0, 1.0),
            (&["a"][..], 1.0, 0.0, 0.0),
            (&["b"][..], 1.0, 0.0, 3.0),
        ];
        let options = OrderOptions {
            max_order: 1,
            ..Default::default()
        };
        let s = select_order(MemoryPaths::new("hand", &rows), options).unwrap();
        assert!((s.orders[0].auc - 0.75).abs() < 1e-12);
        assert!((s.orders[0].penalized_auc.unwrap() - 0.65).abs() < 1e-12);
        assert_eq!(s.recommended_order, 1);
    }

    #[test]
    fn folds_split_counts_exactly() {
        let mut stream = rng::stream(1, 1);
        let mut out = vec![0.0; 5];
        split(17.25, &mut out, &mut stream);
        assert_eq!(out.iter().sum::<f64>(), 17.25);
        assert!(out.iter().all(|&x| x >= 0.0));
    }

    fn select(rows: &[(Vec<&str>, f64, f64, f64)]) -> Result<OrderSelection> {
        let rows: Vec<(&[&str], f64, f64, f64)> = rows
            .iter()
            .map(|(p, c, v, n)| (&p[..], *c, *v, *n))
            .collect();
        select_order(MemoryPaths::new("huge", &rows), OrderOptions::default())
    }

    #[test]
    fn counts_past_f64_max_are_an_error_not_a_hang() {
        // The ranking loop used to spin forever here: NaN scores never compared equal.
        let err = select(&[
            (vec!["a", "b"], 1e308, 0.0, 1e308),
            (vec!["b"], 1e308, 0.0, 1e308),
        ])
        .unwrap_err();
        assert_eq!(err.exit_code(), 2);
        let text = err.to_string();
        assert!(text.contains("huge"), "{text}");
    }

    /// Huge but finite totals either give finite scores or a clear error; never a hang or NaN.
    #[test]
    fn huge_finite_counts_give_numbers_or_an_error() {
        for big in [1e300, 1e307, 4e307] {
            let result = select(&[
                (vec!["a", "b"], big, 0.0, big / 2.0),
                (vec!["b"], big / 3.0, 0.0, big),
                (vec!["a"], 0.0, 0.0, 1.0),
            ]);
            match result {
                Ok(s) => {
                    for o in &s.orders {
                        assert!(o.heldout_log_likelihood.is_finite(), "{big}: {o:?}");
                        assert!(o.difference_standard_error.is_finite(), "{big}: {o:?}");
                        assert!(o.auc.is_finite(), "{big}: {o:?}");
                    }
                }
                Err(e) => assert_eq!(e.exit_code(), 2, "{big}: {e}"),
            }
        }
    }
}
