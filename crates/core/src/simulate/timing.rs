//! Time to conversion: a chain read as a semi-Markov process, each state holding a journey for a
//! random time before its next event.
//!
//! A [`Timing`] gives every state two distributions of days: the time to its next touch, and the
//! time to the conversion when the conversion comes next (a time that may depend on where the
//! journey goes next is the usual semi-Markov kernel; these two kinds are what journeys need, as
//! a conversion often follows its touch within minutes while the next touch comes days later).
//! A converting journey's time from its first touch to its conversion is the sum of its states'
//! times to their next touches, then its last state's time to the conversion. A model fitted
//! from an event log has both, fitted apart ([`Timing::fitted`]; a file with only the combined
//! time uses it for both). A journey map's dwell is the time to the next touch, and its
//! conversion happens at the last touch, as `journeysim generate` writes it ([`Timing::hours`]).
//!
//! **Exact mean.** A state's time depends only on the kind of its next event, so with `v(s)` the
//! expected visits to `s` per journey, `h(t)` the probability of converting from `t`, and `m_T`,
//! `m_C` the mean times to a touch and to the conversion,
//! `E[T 1(conversion)] = sum_s v(s) (m_T(s) sum_t P(s, t) h(t) + m_C(s) P(s, conversion))` over
//! transient `t`: each visit to `s` adds its time to a converting journey exactly when the
//! journey converts after it. The mean time to conversion is that over `P(conversion)`
//! ([`Timing::exact`]).
//!
//! **Simulated.** A walk records the states it visits (`super::walk::Trailed`); a converting
//! walk then draws one time per state, in visit order, from a generator seeded with its
//! journey's key of a stream of its own (`super::batch`). Walks do not draw from it, so adding
//! times changes no other figure, and a what-if scenario's journey draws the same times as its
//! baseline journey while they visit the same states: scaling a state's times
//! ([`Timing::scenario`]) scales that journey's time and nothing else.
//!
//! **Quantiles** come from a histogram of bins of relative width 2^-8 (0.4%) over
//! [2^-16, 2^16) days, plus a bin below and one above, each remembering the longest time it
//! holds: the reported quantile is the longest time in the bin where the cumulative count
//! reaches the quantile, an observed time at most 0.4% above the empirical quantile when that
//! lies in the range (2^-16 days is about 1.3 seconds, 2^16 days 179 years).

use rand::SeedableRng;

use crate::distribution::Distribution;
use crate::dwell::{DwellFit, DwellSampler};
use crate::error::{Error, Result};
use crate::model::{Chain, Next, StateId};
use crate::rng::Stream;
use crate::solve::{absorption_by_state, expected_visits};

/// One state's time to one kind of next event, in days: `scale` times a draw of `sampler`.
#[derive(Debug, Clone)]
struct StateDwell {
    sampler: DwellSampler,
    scale: f64,
}

impl StateDwell {
    fn mean(&self) -> f64 {
        self.scale * self.sampler.mean()
    }

    fn of(fit: Option<&DwellFit>, missing: &str) -> std::result::Result<StateDwell, String> {
        let fit = fit.ok_or_else(|| missing.to_owned())?;
        fit.sampler()
            .map(|sampler| StateDwell {
                sampler,
                scale: 1.0,
            })
            .map_err(|e| e.to_string())
    }
}

/// One state's times, or why it has none, by the kind of next event ([`Next`] as index).
type StateTimes = [std::result::Result<StateDwell, String>; 2];

/// Every state's times to its next events (see the module documentation).
#[derive(Debug, Clone)]
pub struct Timing {
    states: Vec<StateTimes>,
}

/// The exact time figures of a chain with a [`Timing`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExactTime {
    /// `E[T 1(conversion)]`, in days per journey.
    pub converting_days: f64,
    /// `P(conversion)`.
    pub conversion_probability: f64,
}

impl ExactTime {
    /// The mean time to conversion of a converting journey, `None` when none converts.
    pub fn mean(&self) -> Option<f64> {
        (self.conversion_probability > 0.0)
            .then(|| self.converting_days / self.conversion_probability)
    }

    /// The figures of a mixture of chains with shares (a journey map's personas).
    pub fn mixture(parts: &[(f64, ExactTime)]) -> ExactTime {
        let total: f64 = parts.iter().map(|p| p.0).sum();
        let mut mixed = ExactTime {
            converting_days: 0.0,
            conversion_probability: 0.0,
        };
        for (share, part) in parts {
            mixed.converting_days += share / total * part.converting_days;
            mixed.conversion_probability += share / total * part.conversion_probability;
        }
        mixed
    }
}

impl Timing {
    /// The times fitted from an event log, per state `s`: `all[s]`, the time to any next event,
    /// and `by_next[s]`, the times to a next touch and to the conversion fitted apart (as
    /// [`crate::model::fit_paths_timed`] gives them; may be empty). A state with either of the
    /// two uses them; one with neither uses `all[s]` for both kinds. A kind without a fit, or
    /// whose fit is no model, has no time; [`Timing::check`] says whether that matters.
    pub fn fitted(all: &[Option<DwellFit>], by_next: &[[Option<DwellFit>; 2]]) -> Timing {
        let states = all
            .iter()
            .enumerate()
            .map(|(s, combined)| match by_next.get(s) {
                Some([touch, conversion]) if touch.is_some() || conversion.is_some() => [
                    StateDwell::of(touch.as_ref(), "no time to a next touch was observed"),
                    StateDwell::of(conversion.as_ref(), "no time to a conversion was observed"),
                ],
                _ => {
                    let one =
                        StateDwell::of(combined.as_ref(), "no time to its next event was observed");
                    [one.clone(), one]
                }
            })
            .collect();
        Timing { states }
    }

    /// A journey map's dwell times in hours, one per touchpoint state: the time to the next
    /// touch; the conversion happens at the last touch (no time).
    pub fn hours(dwell_hours: &[Distribution]) -> Result<Timing> {
        let at_once = DwellSampler::new(1.0, None, None)?;
        let states = dwell_hours
            .iter()
            .map(|d| {
                let sampler = DwellSampler::new(0.0, Some(*d), None)?;
                Ok([
                    Ok(StateDwell {
                        sampler,
                        scale: 1.0 / 24.0,
                    }),
                    Ok(StateDwell {
                        sampler: at_once.clone(),
                        scale: 1.0,
                    }),
                ])
            })
            .collect::<Result<_>>()?;
        Ok(Timing { states })
    }

    /// The timing of a scenario's chain: its state `s` takes the times of this timing's state
    /// `sources[s].0` scaled by `sources[s].1` (what [`crate::scenario::apply_scenario`] gives:
    /// a state keeps its own times, a new touchpoint takes those of the one it is like,
    /// `scale_dwell` multiplies).
    pub fn scenario(&self, sources: &[(StateId, f64)]) -> Timing {
        let states = sources
            .iter()
            .map(|&(s, factor)| {
                self.states[s as usize].clone().map(|kind| {
                    kind.map(|d| StateDwell {
                        scale: d.scale * factor,
                        ..d
                    })
                })
            })
            .collect();
        Timing { states }
    }

    /// Number of states.
    pub fn len(&self) -> usize {
        self.states.len()
    }

    /// Whether there are no states.
    pub fn is_empty(&self) -> bool {
        self.states.is_empty()
    }

    /// The mean time in days of state `s` to a `next` event, `None` when it has none.
    pub fn mean_days(&self, s: StateId, next: Next) -> Option<f64> {
        self.states[s as usize][next as usize]
            .as_ref()
            .ok()
            .map(StateDwell::mean)
    }

    /// Per state and kind of next event, the probability that a visit's time of that kind ends
    /// up in a converting journey's time: `sum_t P(s, t) h(t)` and `P(s, conversion)`.
    fn weights(chain: &Chain, h: &[f64]) -> Vec<[f64; 2]> {
        let n = chain.n_states();
        (0..n)
            .map(|s| {
                let (targets, probs) = chain.row(s as StateId);
                let mut w = [0.0; 2];
                for (&t, &p) in targets.iter().zip(probs) {
                    match t as usize {
                        t if t < n => w[Next::Touch as usize] += p * h[t],
                        t if t == n => w[Next::Conversion as usize] += p,
                        _ => {}
                    }
                }
                w
            })
            .collect()
    }

    /// Checks that the timing fits `chain`: times for each state, and a time of every kind that
    /// can enter a converting journey's time (a state without one is named, with the reason).
    pub fn check(&self, chain: &Chain) -> Result<()> {
        if self.states.len() != chain.n_states() {
            return Err(Error::Invalid(format!(
                "{} dwell times for a chain of {} states",
                self.states.len(),
                chain.n_states()
            )));
        }
        let [h, _] = absorption_by_state(chain, None)?;
        for (s, weights) in Self::weights(chain, &h).into_iter().enumerate() {
            for (kind, w) in self.states[s].iter().zip(weights) {
                if let (Err(why), true) = (kind, w > 0.0) {
                    return Err(Error::Invalid(format!(
                        "state '{}' leads to conversions but has no time for it: {why}",
                        crate::error::clip(&chain.state_name(s as StateId))
                    )));
                }
            }
        }
        Ok(())
    }

    /// The exact figures of `chain` under this timing (checked with [`Timing::check`]).
    pub fn exact(&self, chain: &Chain) -> Result<ExactTime> {
        self.check(chain)?;
        let [h, _] = absorption_by_state(chain, None)?;
        let visits = expected_visits(chain)?;
        let mut converting_days = 0.0;
        for (s, weights) in Self::weights(chain, &h).into_iter().enumerate() {
            for (kind, w) in self.states[s].iter().zip(weights) {
                if let (Ok(d), true) = (kind, w > 0.0) {
                    converting_days += visits[s] * d.mean() * w;
                }
            }
        }
        let conversion_probability = chain.entry().iter().map(|&(s, p)| p * h[s as usize]).sum();
        Ok(ExactTime {
            converting_days,
            conversion_probability,
        })
    }

    /// The time of a converting journey that visited `trail` (its states in order): each
    /// state's time to its next touch, then the last one's time to the conversion, drawn in
    /// that order from a generator seeded with `key`.
    pub(crate) fn journey_days(&self, trail: &[u32], key: u64) -> f64 {
        let Some((&last, before)) = trail.split_last() else {
            return 0.0;
        };
        let mut rng = Stream::seed_from_u64(key);
        let mut days = 0.0;
        // A checked timing has every time a converting journey's time counts.
        let mut draw = |s: u32, next: Next| {
            if let Ok(d) = &self.states[s as usize][next as usize] {
                days += d.scale * d.sampler.sample(&mut rng);
            }
        };
        for &s in before {
            draw(s, Next::Touch);
        }
        draw(last, Next::Conversion);
        days
    }
}

/// A [`Timing`] with the horizons of `conversions_within`: what a sampler needs to time walks.
#[derive(Debug, Clone)]
pub(crate) struct Clock {
    pub(crate) timing: Timing,
    pub(crate) horizons: Vec<f64>,
}

/// Checks the horizons of `conversions_within`: finite numbers of days above 0, increasing.
pub fn check_horizons(horizons: &[f64]) -> Result<()> {
    if let Some(h) = horizons.iter().find(|h| !(h.is_finite() && **h > 0.0)) {
        return Err(Error::option(
            "horizons",
            format!("{h} is not a number of days above 0"),
        ));
    }
    if let Some(w) = horizons.windows(2).find(|w| w[0] >= w[1]) {
        return Err(Error::option(
            "horizons",
            format!(
                "must be increasing, each given once ({} then {})",
                w[0], w[1]
            ),
        ));
    }
    Ok(())
}

/// Bins per power of two of the time histogram (2^8: relative width 0.4%).
const SUB_BINS_BITS: u32 = 8;
/// The histogram's finite range is `[2^MIN_EXPONENT, 2^MAX_EXPONENT)` days.
const MIN_EXPONENT: i32 = -16;
const MAX_EXPONENT: i32 = 16;
const BINS: usize = ((MAX_EXPONENT - MIN_EXPONENT) as usize) << SUB_BINS_BITS;

/// Times of converting journeys: sums for the mean, counts within each horizon, and a histogram
/// for quantiles (see the module documentation). Merges by addition, like [`super::Tally`].
#[derive(Debug, Clone, PartialEq)]
pub struct TimeTally {
    /// Converting journeys timed.
    pub journeys: u64,
    /// Sum of their times in days.
    pub sum: f64,
    /// Sum of squared times.
    pub sum_sq: f64,
    /// Per horizon: converting journeys whose time is at most it.
    pub within: Vec<u64>,
    /// Counts of bin 0 (below the range), the range's bins, then one above it.
    counts: Vec<u64>,
    /// The longest time each bin holds (0 while empty).
    longest: Vec<f64>,
}

impl TimeTally {
    /// An empty tally for `horizons` horizons.
    pub fn new(horizons: usize) -> Self {
        TimeTally {
            journeys: 0,
            sum: 0.0,
            sum_sq: 0.0,
            within: vec![0; horizons],
            counts: vec![0; BINS + 2],
            longest: vec![0.0; BINS + 2],
        }
    }

    /// The bin of a time in days (>= 0).
    fn bin(days: f64) -> usize {
        let low = 2f64.powi(MIN_EXPONENT);
        if days < low {
            0
        } else if days >= 2f64.powi(MAX_EXPONENT) {
            BINS + 1
        } else {
            // Positive floats order as their bits: exponent then mantissa, whose top bits split
            // each power of two into equal bins.
            let shift = 52 - SUB_BINS_BITS;
            1 + ((days.to_bits() >> shift) - (low.to_bits() >> shift)) as usize
        }
    }

    /// Adds one converting journey of `days` days, counted within each of `horizons`.
    #[inline]
    pub fn add(&mut self, days: f64, horizons: &[f64]) {
        self.journeys += 1;
        self.sum += days;
        self.sum_sq += days * days;
        for (count, &h) in self.within.iter_mut().zip(horizons) {
            *count += u64::from(days <= h);
        }
        let b = Self::bin(days);
        self.counts[b] += 1;
        if days > self.longest[b] {
            self.longest[b] = days;
        }
    }

    /// Adds every journey of `other`.
    pub fn merge(&mut self, other: &TimeTally) {
        self.journeys += other.journeys;
        self.sum += other.sum;
        self.sum_sq += other.sum_sq;
        for (a, b) in self.within.iter_mut().zip(&other.within) {
            *a += b;
        }
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        for (a, &b) in self.longest.iter_mut().zip(&other.longest) {
            *a = a.max(b);
        }
    }

    /// The quantile `q` of the times: the longest time in the first bin where the cumulative
    /// count reaches `q` of the journeys (at least one); `None` without journeys.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if self.journeys == 0 {
            return None;
        }
        let target = (q * self.journeys as f64).ceil().max(1.0) as u64;
        let mut cumulative = 0;
        for (count, longest) in self.counts.iter().zip(&self.longest) {
            cumulative += count;
            if cumulative >= target {
                return Some(*longest);
            }
        }
        self.longest.iter().copied().reduce(f64::max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journey::ChannelTable;
    use crate::model::{ChainParts, Transition};
    use rand::RngExt;

    /// a -> b 0.5 | conversion 0.3 | null 0.2; b -> a 0.2 | conversion 0.4 | null 0.4.
    fn chain() -> Chain {
        Chain::from_rows(ChainParts {
            order: 1,
            keep_repeats: false,
            channels: ChannelTable::from_names(["a", "b"]),
            states: vec![vec![0].into(), vec![1].into()],
            entry: vec![Transition::new(0, 1.0)],
            rows: vec![
                vec![
                    Transition::new(1, 0.5),
                    Transition::new(2, 0.3),
                    Transition::new(3, 0.2),
                ],
                vec![
                    Transition::new(0, 0.2),
                    Transition::new(2, 0.4),
                    Transition::new(3, 0.4),
                ],
            ],
            value_per_conversion: vec![1.0, 1.0],
            value_distribution: Vec::new(),
        })
        .unwrap()
    }

    fn constant_hours(a: f64, b: f64) -> Timing {
        Timing::hours(&[
            Distribution::Constant { value: a },
            Distribution::Constant { value: b },
        ])
        .unwrap()
    }

    /// A fit that is the constant `days` (one distinct positive time).
    fn constant_fit(days: f64) -> Option<DwellFit> {
        Some(crate::dwell::fit_dwell(&[(days, 1.0)], None).unwrap())
    }

    // By hand: h_a = 0.3 + 0.5 h_b, h_b = 0.4 + 0.2 h_a, so h_a = 0.5 / 0.9 = 5/9 and
    // h_b = 0.4 + 1/9 = 23/45. Visits from a: v_a = 1 + 0.2 v_b, v_b = 0.5 v_a, so v_a = 1/0.9
    // = 10/9 and v_b = 5/9. Touch weights: w_a = 0.5 h_b = 23/90, w_b = 0.2 h_a = 1/9;
    // conversion weights 0.3 and 0.4.
    // Map (1 day to a touch at a, 2 at b, none to the conversion): E[T 1conv] = 10/9 * 1 *
    // 23/90 + 5/9 * 2 * 1/9 = 23/81 + 10/81 = 33/81 days; the mean is (33/81) / (5/9) = 33/45.
    // Fitted, with times to the conversion of 0.5 day at a and 0.25 at b: add 10/9 * 0.5 * 0.3
    // + 5/9 * 0.25 * 0.4 = 1/6 + 1/18 = 2/9 = 18/81, so 51/81 and a mean of 51/45.
    // Fitted with one combined time per state (1 and 2 days for both kinds): add 10/9 * 0.3 +
    // 5/9 * 2 * 0.4 = 1/3 + 4/9 = 63/81, so 96/81 and a mean of 96/45.
    #[test]
    fn the_exact_mean_time_to_conversion_by_hand() {
        let map = constant_hours(24.0, 48.0).exact(&chain()).unwrap();
        assert!((map.conversion_probability - 5.0 / 9.0).abs() < 1e-12);
        assert!((map.converting_days - 33.0 / 81.0).abs() < 1e-12);
        assert!((map.mean().unwrap() - 33.0 / 45.0).abs() < 1e-12);
        let split = Timing::fitted(
            &[constant_fit(9.0), constant_fit(9.0)],
            &[
                [constant_fit(1.0), constant_fit(0.5)],
                [constant_fit(2.0), constant_fit(0.25)],
            ],
        );
        let exact = split.exact(&chain()).unwrap();
        assert!((exact.mean().unwrap() - 51.0 / 45.0).abs() < 1e-12);
        let combined = Timing::fitted(&[constant_fit(1.0), constant_fit(2.0)], &[]);
        let exact = combined.exact(&chain()).unwrap();
        assert!((exact.mean().unwrap() - 96.0 / 45.0).abs() < 1e-12);
    }

    #[test]
    fn a_scenario_scales_and_copies_times() {
        let timing = constant_hours(24.0, 48.0);
        let alt = timing.scenario(&[(0, 0.5), (1, 1.0), (0, 2.0)]);
        assert_eq!(alt.len(), 3);
        assert_eq!(alt.mean_days(0, Next::Touch), Some(0.5));
        assert_eq!(alt.mean_days(1, Next::Touch), Some(2.0));
        assert_eq!(alt.mean_days(2, Next::Touch), Some(2.0));
        assert_eq!(alt.mean_days(2, Next::Conversion), Some(0.0));
        // Halving every time halves the exact mean.
        let half = timing
            .scenario(&[(0, 0.5), (1, 0.5)])
            .exact(&chain())
            .unwrap();
        assert!((half.mean().unwrap() - 33.0 / 90.0).abs() < 1e-12);
    }

    #[test]
    fn a_state_leading_to_conversions_needs_a_time() {
        let timing = Timing::fitted(
            &[constant_fit(1.0), constant_fit(1.0)],
            &[
                [constant_fit(1.0), constant_fit(1.0)],
                [constant_fit(1.0), None],
            ],
        );
        let err = timing.check(&chain()).unwrap_err().to_string();
        assert!(
            err.contains(
                "state 'b' leads to conversions but has no time for it: no time to a conversion"
            ),
            "{err}"
        );
        // A time that never counts may be missing: here b never converts straight.
        let b_never_converts = Chain::from_rows(ChainParts {
            order: 1,
            keep_repeats: false,
            channels: ChannelTable::from_names(["a", "b"]),
            states: vec![vec![0].into(), vec![1].into()],
            entry: vec![Transition::new(0, 1.0)],
            rows: vec![
                vec![Transition::new(1, 0.5), Transition::new(2, 0.5)],
                vec![Transition::new(0, 0.5), Transition::new(3, 0.5)],
            ],
            value_per_conversion: vec![1.0, 1.0],
            value_distribution: Vec::new(),
        })
        .unwrap();
        assert!(timing.check(&b_never_converts).is_ok());
        let empty = Chain::empty(1, false, ChannelTable::from_names(["a"]));
        assert!(timing.check(&empty).is_err());
    }

    #[test]
    fn journey_days_sum_the_trail() {
        // Map: each state's time to its next touch, none to the conversion.
        let timing = constant_hours(24.0, 48.0);
        assert_eq!(timing.journey_days(&[0, 1, 0], 1), 3.0);
        assert_eq!(timing.journey_days(&[1], 1), 0.0);
        assert_eq!(timing.journey_days(&[], 1), 0.0);
        let split = Timing::fitted(
            &[None, None],
            &[
                [constant_fit(1.0), constant_fit(0.5)],
                [constant_fit(2.0), constant_fit(0.25)],
            ],
        );
        assert_eq!(split.journey_days(&[0, 1, 0], 1), 3.5);
        assert_eq!(split.journey_days(&[1], 1), 0.25);
    }

    #[test]
    fn horizons_are_positive_and_increasing() {
        assert!(check_horizons(&[7.0, 30.0, 90.0]).is_ok());
        assert!(check_horizons(&[]).is_ok());
        for bad in [
            &[0.0][..],
            &[-1.0],
            &[f64::NAN],
            &[f64::INFINITY],
            &[7.0, 7.0],
            &[30.0, 7.0],
        ] {
            assert!(check_horizons(bad).is_err(), "{bad:?}");
        }
    }

    /// Quantiles from the histogram are observed times no more than one bin (0.4%) above the
    /// empirical quantile, and exact below and above the range.
    #[test]
    fn histogram_quantiles_are_within_a_bin_of_the_empirical_ones() {
        let mut rng = crate::rng::stream(5, 0);
        let mut tally = TimeTally::new(2);
        let mut times: Vec<f64> = (0..20_000)
            .map(|_| {
                let u: f64 = rng.random();
                // Log-uniform over 1e-6 .. 1e6 days: every bin region, both overflow bins.
                10f64.powf(12.0 * u - 6.0)
            })
            .collect();
        for &t in &times {
            tally.add(t, &[1.0, 100.0]);
        }
        times.sort_by(f64::total_cmp);
        for q in [0.001, 0.1, 0.5, 0.9, 0.999, 1.0] {
            let empirical = times[((q * times.len() as f64).ceil() as usize).max(1) - 1];
            let reported = tally.quantile(q).unwrap();
            assert!(times.contains(&reported), "{q}: {reported} not observed");
            assert!(reported >= empirical, "{q}: {reported} < {empirical}");
            let in_range = (2f64.powi(MIN_EXPONENT)..2f64.powi(MAX_EXPONENT)).contains(&empirical);
            if in_range {
                let bound = empirical * (1.0 + 2f64.powi(-8));
                assert!(reported <= bound, "{q}: {reported} vs {empirical}");
            }
        }
        assert_eq!(
            tally.within[0],
            times.iter().filter(|&&t| t <= 1.0).count() as u64
        );
        assert_eq!(
            tally.within[1],
            times.iter().filter(|&&t| t <= 100.0).count() as u64
        );
        // Merging two halves gives the same tally as adding all.
        let (mut a, mut b) = (TimeTally::new(2), TimeTally::new(2));
        for (i, &t) in times.iter().enumerate() {
            if i % 2 == 0 {
                a.add(t, &[1.0, 100.0])
            } else {
                b.add(t, &[1.0, 100.0])
            }
        }
        a.merge(&b);
        assert_eq!(a.quantile(0.5), tally.quantile(0.5));
        assert_eq!(a.within, tally.within);
        assert_eq!(TimeTally::new(0).quantile(0.5), None);
    }
}
