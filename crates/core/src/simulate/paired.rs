//! Paired simulation with common random numbers: journey `j` is walked through a baseline chain
//! and a modified one on shared random numbers, so the per-journey difference has a far smaller
//! variance than the difference of two independent runs (Law 2015, "Simulation Modeling and
//! Analysis", sec. 11.2). This is the engine of what-if scenarios (issue 4).
//!
//! Each journey gets two generators: the baseline's, seeded with the `j`-th key of its batch's
//! stream ([`crate::rng::stream`]`(seed, batch)`), and the scenario's own, seeded with the
//! `j`-th key of a second stream per batch (seeded only when the journey first needs it). The
//! baseline walk draws exactly as a plain walk would ([`super::walk::walk`]), so every scenario
//! meets the very same baseline journeys.
//!
//! While both walks are in the same state they move by a *maximal coupling* of the two rows
//! ([`super::coupling`]): the scenario takes the baseline's target with probability
//! min(1, q/p) and otherwise draws from the residual, so they part only with the probability
//! the change itself moves (the total variation distance between the rows), and a row the
//! scenario leaves alone costs nothing. The entry row is coupled the same way, and a pair that
//! converts from the same state shares its value draw when the value distributions there have
//! the same weights (so an unchanged value contributes zero difference). Walks in different
//! states are coupled step by step as well ([`Coupling::cross`]), so they can meet again; a walk
//! whose partner has ended goes on alone on its own generator. Each walk on its own is exactly a
//! walk of its chain (every coupling's marginals are p and q), which is what makes every
//! reported figure, and the difference, unbiased.
//!
//! The modified chain must keep the baseline's state ids (new states may be appended), as
//! [`crate::scenario::apply`] does.

use rand::{Rng, SeedableRng};

use super::SimulateOptions;
use super::batch::{self, Stop};
use super::coupling::Coupling;
use super::sampler::Sampler;
use super::tally::Tally;
use super::walk::{End, Trailed, VisitSet, Walk, WideSet, path_touches};
use crate::error::Result;
use crate::rng::{self, Stream};
use crate::stats::{Z95, mean_interval};

/// Batch `b`'s scenario generators are keyed from `rng::stream(seed, b ^ SCENARIO_STREAMS)`,
/// an index no run reaches with batches (2^63 batches of 65,536 journeys).
const SCENARIO_STREAMS: u64 = 1 << 63;

/// Tallies of both chains over the same journeys, plus the per-journey differences.
#[derive(Debug, Clone, PartialEq)]
pub struct PairedTally {
    /// The baseline chain's journeys.
    pub base: Tally,
    /// The modified chain's journeys.
    pub alt: Tally,
    /// Sum over journeys of (alt converted) - (base converted).
    pub conversion_diff: i64,
    /// Journeys whose conversion differs (the sum of squared differences).
    pub conversion_diff_sq: u64,
    /// Sum over journeys of alt value - base value.
    pub value_diff: f64,
    /// Sum of squared value differences.
    pub value_diff_sq: f64,
}

/// A per-journey difference (alt - base) with its 95% interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairedDifference {
    /// Mean difference per journey.
    pub estimate: f64,
    /// Normal 95% interval of the mean difference.
    pub ci: [f64; 2],
}

impl PairedTally {
    fn new(base_channels: usize, alt_channels: usize) -> Self {
        PairedTally {
            base: Tally::new(base_channels),
            alt: Tally::new(alt_channels),
            conversion_diff: 0,
            conversion_diff_sq: 0,
            value_diff: 0.0,
            value_diff_sq: 0.0,
        }
    }

    fn merge(&mut self, other: &PairedTally) {
        self.base.merge(&other.base);
        self.alt.merge(&other.alt);
        self.conversion_diff += other.conversion_diff;
        self.conversion_diff_sq += other.conversion_diff_sq;
        self.value_diff += other.value_diff;
        self.value_diff_sq += other.value_diff_sq;
    }

    /// Difference in conversion rate (alt - base) per journey.
    pub fn conversion_difference(&self) -> PairedDifference {
        let (estimate, ci) = mean_interval(
            self.conversion_diff as f64,
            self.conversion_diff_sq as f64,
            self.base.journeys,
        );
        PairedDifference { estimate, ci }
    }

    /// Difference in value per journey (alt - base).
    pub fn value_difference(&self) -> PairedDifference {
        let (estimate, ci) = mean_interval(self.value_diff, self.value_diff_sq, self.base.journeys);
        PairedDifference { estimate, ci }
    }
}

/// Walks the same journeys through `base` and `alt` (common random numbers) per `options`.
/// In a `Stop::Precision` run the target is the half-width of the conversion-rate difference.
pub fn simulate_paired(
    base: &Sampler,
    alt: &Sampler,
    options: &SimulateOptions,
    progress: &dyn Fn(u64, u64),
) -> Result<PairedTally> {
    options.check()?;
    let coupling = Coupling::new(base, alt)?;
    let pool = batch::pool(options.threads)?;
    let mut total = PairedTally::new(base.n_channels(), alt.n_channels());
    let (seed, max_steps) = (options.seed, options.max_steps);
    batch::run_batches(
        &pool,
        options.stop,
        |b, journeys| paired_batch(base, alt, &coupling, seed, b, journeys, max_steps),
        |round| {
            round.iter().for_each(|t| total.merge(t));
            match options.stop {
                Stop::Precision { half_width, .. } => {
                    let n = total.base.journeys as f64;
                    let m = total.conversion_diff as f64 / n;
                    let var = (total.conversion_diff_sq as f64 / n - m * m).max(0.0);
                    Z95 * (var / n).sqrt() <= half_width
                }
                Stop::Journeys(_) => false,
            }
        },
        progress,
    );
    Ok(total)
}

/// One batch of paired journeys: journey `j` of batch `index` walks `base` on the generator
/// seeded with the `j`-th key of the batch's stream and `alt` coupled to it (see the module
/// docs); `coupling` is [`Coupling::new`]`(base, alt)`.
pub fn paired_batch(
    base: &Sampler,
    alt: &Sampler,
    coupling: &Coupling,
    seed: u64,
    index: u64,
    journeys: u64,
    max_steps: u32,
) -> PairedTally {
    let pair = Pair {
        base,
        alt,
        coupling,
        max_steps,
    };
    match ((base.words, alt.words), base.is_timed() || alt.is_timed()) {
        ((1, 1), false) => pair.batch::<u64, u64>(seed, index, journeys),
        (_, false) => pair.batch::<WideSet, WideSet>(seed, index, journeys),
        ((1, 1), true) => pair.batch::<Trailed<u64>, Trailed<u64>>(seed, index, journeys),
        (_, true) => pair.batch::<Trailed<WideSet>, Trailed<WideSet>>(seed, index, journeys),
    }
}

/// Two samplers, their coupling and the step cap: what a paired walk needs.
struct Pair<'a> {
    base: &'a Sampler,
    alt: &'a Sampler,
    coupling: &'a Coupling,
    max_steps: u32,
}

/// The scenario's generator for one journey, seeded from its key when first needed (most
/// journeys of a small change never need it).
struct LazyStream {
    key: u64,
    rng: Option<Stream>,
}

impl LazyStream {
    #[inline(always)]
    fn get(&mut self) -> &mut Stream {
        let key = self.key;
        self.rng.get_or_insert_with(|| Stream::seed_from_u64(key))
    }

    #[inline(always)]
    fn next_u64(&mut self) -> u64 {
        self.get().next_u64()
    }
}

impl Pair<'_> {
    fn batch<A: VisitSet, B: VisitSet>(&self, seed: u64, index: u64, journeys: u64) -> PairedTally {
        let mut keys = rng::stream(seed, index);
        let mut alt_keys = rng::stream(seed, index ^ SCENARIO_STREAMS);
        let mut tally = PairedTally::new(self.base.n_channels(), self.alt.n_channels());
        let (mut seen_a, mut seen_b) = (A::empty(self.base.words), B::empty(self.alt.words));
        // Both walks of journey j draw their times from its one key (see `super::timing`).
        let mut time_keys = (self.base.is_timed() || self.alt.is_timed())
            .then(|| rng::stream(seed, index ^ super::batch::TIME_STREAMS));
        for _ in 0..journeys {
            let mut journey = Stream::seed_from_u64(keys.next_u64());
            let mut alt_rng = LazyStream {
                key: alt_keys.next_u64(),
                rng: None,
            };
            let (a, b) = self.walk(&mut journey, &mut alt_rng, &mut seen_a, &mut seen_b);
            tally.base.record(&a, &seen_a);
            tally.alt.record(&b, &seen_b);
            if let Some(keys) = time_keys.as_mut() {
                let key = keys.next_u64();
                for (walk, seen, sampler, arm) in [
                    (&a, seen_a.trail(), self.base, &mut tally.base),
                    (&b, seen_b.trail(), self.alt, &mut tally.alt),
                ] {
                    if let (End::Conversion, Some(clock)) = (walk.end, &sampler.clock) {
                        let days = clock.timing.journey_days(seen, key);
                        arm.record_time(days, &clock.horizons);
                    }
                }
            }
            let converted = |w: &Walk| (w.end == End::Conversion) as i64;
            let d = converted(&b) - converted(&a);
            tally.conversion_diff += d;
            tally.conversion_diff_sq += (d * d) as u64;
            let dv = b.value - a.value;
            tally.value_diff += dv;
            tally.value_diff_sq += dv * dv;
        }
        tally
    }

    /// One journey through both chains: every step maximally coupled, from the shared table
    /// while the walks are in the same state and computed on the spot while they are apart (so
    /// they can meet again). The baseline uses `rng` exactly as [`super::walk::walk`] would.
    #[inline]
    fn walk<A: VisitSet, B: VisitSet>(
        &self,
        rng: &mut Stream,
        alt_rng: &mut LazyStream,
        seen_a: &mut A,
        seen_b: &mut B,
    ) -> (Walk, Walk) {
        let (base, alt, coupling) = (self.base, self.alt, self.coupling);
        let table = &base.transitions;
        seen_a.clear();
        seen_b.clear();
        let first = table.id(base.entry.draw(0, rng.next_u64()));
        let alt_first = coupling.entry(first, || alt_rng.next_u64());
        let (mut a, mut b) = (first, alt_first);
        let conversion = table.handle(base.n);
        let mut states = 1u32;
        loop {
            // One step from (a, b): the baseline's target x (its numbering) and the scenario's
            // y (its numbering). Together, the walks step on handles in a tight loop until they
            // part, end or reach the cap.
            let (x, y) = if a == b {
                let mut state = table.handle(a);
                loop {
                    let s = table.id(state);
                    seen_a.add(&base.masks, base.words, s);
                    seen_b.add(&alt.masks, alt.words, s);
                    // SAFETY: `state` is the handle of a baseline row, as in `walk`.
                    let next = unsafe { table.step(state, rng.next_u64()) };
                    let x = table.id(next);
                    let x_alt = coupling.common(x);
                    let y = coupling.step(s, x_alt, || alt_rng.next_u64());
                    if y != x_alt || next >= conversion || states >= self.max_steps {
                        (a, b) = (s, s);
                        break (x, y);
                    }
                    states += 1;
                    state = next;
                }
            } else {
                seen_a.add(&base.masks, base.words, a);
                seen_b.add(&alt.masks, alt.words, b);
                // SAFETY: `a` is a transient baseline state, as in `walk`.
                let x = table.id(unsafe { table.step(table.handle(a), rng.next_u64()) });
                let x_alt = coupling.common(x);
                (
                    x,
                    coupling.cross(base, alt, a, b, x_alt, || alt_rng.next_u64()),
                )
            };
            let x_alt = coupling.common(x);
            let (a_ends, b_ends) = (x >= base.n, y >= alt.n);
            if !a_ends && !b_ends && states < self.max_steps {
                states += 1;
                (a, b) = (x, y);
                continue;
            }
            if a == b && x_alt == y {
                // Together to the same end (or cut off together).
                let end = if x == base.n {
                    End::Conversion
                } else if x == base.n + 1 {
                    End::Null
                } else {
                    End::Truncated
                };
                let mut wa = ended(base, first, a, states, end);
                let mut wb = ended(alt, alt_first, b, states, end);
                if end == End::Conversion {
                    let i = base.value_index(a, || rng.next_u64());
                    wa.value = base.values[i as usize];
                    wb.value = if coupling.same_value_weights(a) {
                        let k = i - base.value_first[a as usize];
                        alt.values[(alt.value_first[a as usize] + k) as usize]
                    } else {
                        alt.value(b, || alt_rng.next_u64())
                    };
                }
                return (wa, wb);
            }
            return (
                self.after_step(base, rng, first, a, x, states, seen_a),
                self.after_step(alt, alt_rng.get(), alt_first, b, y, states, seen_b),
            );
        }
    }

    /// The rest of a walk of `sampler` that has visited `states` states, the last being
    /// `last`, and has just drawn `target` (in `sampler`'s numbering).
    #[allow(clippy::too_many_arguments)]
    #[inline]
    fn after_step<V: VisitSet>(
        &self,
        sampler: &Sampler,
        rng: &mut Stream,
        first: u32,
        last: u32,
        target: u32,
        states: u32,
        visited: &mut V,
    ) -> Walk {
        if target == sampler.n {
            let mut w = ended(sampler, first, last, states, End::Conversion);
            w.value = sampler.value(last, || rng.next_u64());
            w
        } else if target == sampler.n + 1 {
            ended(sampler, first, last, states, End::Null)
        } else if states >= self.max_steps {
            ended(sampler, first, last, states, End::Truncated)
        } else {
            self.resume(sampler, rng, first, target, states + 1, visited)
        }
    }

    /// Walks `sampler` on from transient state `state`, the `states`-th of a journey that
    /// started at `first` and whose earlier states are already in `visited`: the loop of
    /// [`super::walk::walk`] after its first draw.
    fn resume<V: VisitSet>(
        &self,
        sampler: &Sampler,
        rng: &mut Stream,
        first: u32,
        state: u32,
        mut states: u32,
        visited: &mut V,
    ) -> Walk {
        let table = &sampler.transitions;
        let conversion = table.handle(sampler.n);
        let mut state = table.handle(state);
        loop {
            let s = table.id(state);
            visited.add(&sampler.masks, sampler.words, s);
            // SAFETY: `state` is the handle of a transient state of `sampler`: the coupling
            // and the rows only yield targets `Sampler::new` checked, and absorbing ones
            // (handles from `conversion` on) end the walk before they are stepped from.
            let next = unsafe { table.step(state, rng.next_u64()) };
            if next >= conversion {
                if next == conversion {
                    let mut w = ended(sampler, first, s, states, End::Conversion);
                    w.value = sampler.value(s, || rng.next_u64());
                    return w;
                }
                return ended(sampler, first, s, states, End::Null);
            }
            if states >= self.max_steps {
                return ended(sampler, first, s, states, End::Truncated);
            }
            states += 1;
            state = next;
        }
    }
}

/// A walk that ended (value 0; a conversion's value is set by the caller).
#[inline(always)]
fn ended(sampler: &Sampler, first: u32, last: u32, states: u32, end: End) -> Walk {
    Walk {
        end,
        last,
        states,
        touches: path_touches(sampler.window[first as usize], states),
        value: 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Chain;

    fn chain(b_row: &str) -> Chain {
        let text = format!(
            r#"{{"format": "journeysim-model", "version": 1, "order": 1, "channels": ["a", "b", "c"],
            "entry": [{{"to": "a", "probability": 0.9}}, {{"to": "c", "probability": 0.1}}],
            "states": [
              {{"state": "a", "transitions": [{{"to": "b", "probability": 0.5}},
                {{"to": "(conversion)", "probability": 0.2}}, {{"to": "(null)", "probability": 0.3}}]}},
              {{"state": "b", "value_per_conversion": 5, "transitions": [{b_row}]}},
              {{"state": "c", "value_per_conversion": 9, "transitions": [{{"to": "(conversion)", "probability": 1}}]}}]}}"#
        );
        serde_json::from_str::<crate::model::document::ModelDocument>(&text)
            .unwrap()
            .into_chain("t")
            .unwrap()
    }

    #[test]
    fn walks_in_different_states_are_coupled_maximally_too() {
        // Baseline state a (b 0.5 | conversion 0.2 | null 0.3) against the scenario's state b
        // (conversion 0.5 | null 0.2 | a, b, c 0.1 each): the scenario's draws follow its row
        // and agree with the baseline's with probability 1 - d_TV = 0.5, within 4 standard
        // errors.
        let base = chain(
            r#"{"to": "(conversion)", "probability": 0.6}, {"to": "(null)", "probability": 0.4}"#,
        );
        let alt = chain(
            r#"{"to": "(conversion)", "probability": 0.5}, {"to": "(null)", "probability": 0.2},
               {"to": "a", "probability": 0.1}, {"to": "b", "probability": 0.1},
               {"to": "c", "probability": 0.1}"#,
        );
        let (sb, sa) = (Sampler::new(&base).unwrap(), Sampler::new(&alt).unwrap());
        let coupling = Coupling::new(&sb, &sa).unwrap();
        let mut rng = rng::stream(8, 0);
        let n = 200_000;
        let (mut counts, mut agree) = ([0u32; 5], 0u32);
        for _ in 0..n {
            let x = coupling.common(sb.transitions.draw(0, rng.next_u64()));
            let y = coupling.cross(&sb, &sa, 0, 1, x, || rng.next_u64());
            counts[y as usize] += 1;
            agree += (x == y) as u32;
        }
        let within = |count: u32, p: f64| {
            let se = (p * (1.0 - p) / n as f64).sqrt();
            (count as f64 / n as f64 - p).abs() <= 4.0 * se
        };
        for (y, q) in [0.1, 0.1, 0.1, 0.5, 0.2].into_iter().enumerate() {
            assert!(within(counts[y], q), "{counts:?}");
        }
        assert!(within(agree, 0.5), "{agree}");
    }

    #[test]
    fn walks_part_only_as_often_as_the_changed_row_requires() {
        // b's row changes from conversion 0.6 | null 0.4 to conversion 0.5 | null 0.2 | a, b,
        // c 0.1 each: total variation 0.3. A maximal coupling keeps the walks together at b
        // with probability 0.7, and then both end the same way; otherwise the scenario goes on
        // while the baseline ends. Journeys that never reach b are identical, and the baseline
        // walk is exactly the plain walk of its generator.
        let base = chain(
            r#"{"to": "(conversion)", "probability": 0.6}, {"to": "(null)", "probability": 0.4}"#,
        );
        let alt = chain(
            r#"{"to": "(conversion)", "probability": 0.5}, {"to": "(null)", "probability": 0.2},
               {"to": "a", "probability": 0.1}, {"to": "b", "probability": 0.1},
               {"to": "c", "probability": 0.1}"#,
        );
        let (sb, sa) = (Sampler::new(&base).unwrap(), Sampler::new(&alt).unwrap());
        let coupling = Coupling::new(&sb, &sa).unwrap();
        assert_eq!(coupling.changed_rows(), 1);
        let pair = Pair {
            base: &sb,
            alt: &sa,
            coupling: &coupling,
            max_steps: 100,
        };
        let (mut keys, mut alt_keys) = (rng::stream(5, 0), rng::stream(5, 1));
        let (mut avoided, mut reached, mut parted) = (0u32, 0u32, 0u32);
        let (mut seen_a, mut seen_b, mut plain_seen) = (0u64, 0u64, 0u64);
        for _ in 0..20_000 {
            let journey = Stream::seed_from_u64(keys.next_u64());
            let mut alt_rng = LazyStream {
                key: alt_keys.next_u64(),
                rng: None,
            };
            let (a, b) = pair.walk(&mut journey.clone(), &mut alt_rng, &mut seen_a, &mut seen_b);
            let plain = super::super::walk::walk(&sb, &mut journey.clone(), 100, &mut plain_seen);
            assert_eq!((a, seen_a), (plain, plain_seen));
            if seen_a & 0b010 == 0 {
                avoided += 1;
                assert_eq!((a, seen_a), (b, seen_b));
                assert!(
                    alt_rng.rng.is_none(),
                    "no scenario draws off the changed row"
                );
            } else {
                reached += 1;
                parted += (a != b) as u32;
            }
        }
        assert!(avoided > 8000, "{avoided}");
        let share = parted as f64 / reached as f64;
        let se = (0.3 * 0.7 / reached as f64).sqrt();
        assert!(
            (share - 0.3).abs() <= 4.0 * se,
            "parted {share} of {reached}"
        );
        // The paired difference agrees with the exact one within 4 standard errors.
        let exact = crate::solve::absorb(&alt, None)
            .unwrap()
            .conversion_probability
            - crate::solve::absorb(&base, None)
                .unwrap()
                .conversion_probability;
        let options = SimulateOptions::journeys(100_000);
        let paired = simulate_paired(&sb, &sa, &options, &|_, _| {}).unwrap();
        // A journey differs in conversion only if it parted at b: P(reach b) x 0.3.
        let visits_b: f64 = 0.9 * 0.5;
        let differ = paired.conversion_diff_sq as f64 / 100_000.0;
        assert!(differ <= visits_b * 0.3 + 4.0 * (visits_b * 0.3 / 100_000.0).sqrt());
        let d = paired.conversion_difference();
        let se = (d.ci[1] - d.ci[0]) / (2.0 * Z95);
        assert!(
            (d.estimate - exact).abs() <= 4.0 * se,
            "{} vs {exact}",
            d.estimate
        );
        assert_eq!(paired.base.journeys, 100_000);
    }
}
