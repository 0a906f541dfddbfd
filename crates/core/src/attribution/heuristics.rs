//! Rule-based attribution: first touch, last touch, linear, position-based and time-decay.
//!
//! All work on the raw touches of converting paths (repeats counted), share each path's
//! conversions and value among its touches, and so sum to the totals. Time decay here is by
//! position: the touch `d` steps before the last gets weight `2^(-d / half_life)`.

use crate::error::{Error, Result};
use crate::journey::PathRow;

/// Parameters of the position-based and time-decay rules.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HeuristicOptions {
    /// Position-based share of the first touch (default 0.4).
    pub first_share: f64,
    /// Position-based share of the last touch (default 0.4); the middle touches share the rest.
    pub last_share: f64,
    /// Time-decay half-life in touches (default 1: each step back halves the weight).
    pub half_life: f64,
}

impl Default for HeuristicOptions {
    fn default() -> Self {
        HeuristicOptions {
            first_share: 0.4,
            last_share: 0.4,
            half_life: 1.0,
        }
    }
}

impl HeuristicOptions {
    /// Checks the shares are in [0, 1] with first + last <= 1 and the half-life is positive.
    pub fn check(self) -> Result<Self> {
        let ok_share = |s: f64| (0.0..=1.0).contains(&s);
        if !ok_share(self.first_share)
            || !ok_share(self.last_share)
            || self.first_share + self.last_share > 1.0 + 1e-12
        {
            return Err(Error::Invalid(format!(
                "position-based shares {} (first) and {} (last) must be in [0, 1] and sum to at most 1",
                self.first_share, self.last_share
            )));
        }
        if !(self.half_life > 0.0 && self.half_life.is_finite()) {
            return Err(Error::Invalid(format!(
                "the time-decay half-life is {}; it must be a positive number of touches",
                self.half_life
            )));
        }
        Ok(self)
    }
}

/// One figure for each of the five rules: a channel's credit, or one touch's weight.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RuleCredits {
    /// All to the first touch.
    pub first_touch: f64,
    /// All to the last touch.
    pub last_touch: f64,
    /// Equal shares to every touch.
    pub linear: f64,
    /// Fixed shares to the first and last touch, the rest equally to the middle ones.
    pub position_based: f64,
    /// Shares halving with each half-life before the end.
    pub time_decay: f64,
}

/// Credits of every rule for one channel.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct HeuristicCredits {
    /// Conversions credited by each rule.
    pub conversions: RuleCredits,
    /// Value credited by each rule.
    pub value: RuleCredits,
}

/// A channel's credits for conversions and for value, each with the row's amount of it.
fn amounts<'c>(
    credit: &'c mut HeuristicCredits,
    row: &PathRow<'_>,
) -> [(&'c mut RuleCredits, f64); 2] {
    [
        (&mut credit.conversions, row.conversions),
        (&mut credit.value, row.value),
    ]
}

/// The position-based weight of touch `i` of `length`.
fn position_weight(options: &HeuristicOptions, length: usize, i: usize) -> f64 {
    let (first, last) = (options.first_share, options.last_share);
    match length {
        1 => 1.0,
        // Two touches: first and last split everything in the ratio of their shares.
        2 if first + last > 0.0 => [first, last][i] / (first + last),
        2 => 0.5,
        _ if i == 0 => first,
        _ if i == length - 1 => last,
        _ => (1.0 - first - last) / (length - 2) as f64,
    }
}

/// Path lengths whose touch weights [`Heuristics`] keeps once worked out.
const CACHED_LENGTHS: usize = 64;

/// Adds `row`'s conversions and value to the credits of its touches, touch `i` weighing
/// `weights[i]` (position-based, time decay) and first, last and linear as their names say.
fn add_credits(credits: &mut [HeuristicCredits], row: &PathRow<'_>, weights: &[[f64; 2]]) {
    let linear = 1.0 / row.touches.len() as f64;
    // First and last touch weigh 1 on their touch and 0 elsewhere: one addition each per row,
    // so adding them outside the loop adds the same terms in the same order.
    let (Some(&first), Some(&last)) = (row.touches.first(), row.touches.last()) else {
        return;
    };
    for (rules, amount) in amounts(&mut credits[first as usize], row) {
        rules.first_touch += amount;
    }
    for (rules, amount) in amounts(&mut credits[last as usize], row) {
        rules.last_touch += amount;
    }
    for (&c, &[position, decay]) in row.touches.iter().zip(weights) {
        for (rules, amount) in amounts(&mut credits[c as usize], row) {
            rules.linear += linear * amount;
            rules.position_based += position * amount;
            rules.time_decay += decay * amount;
        }
    }
}

/// Accumulates heuristic credits row by row (streaming).
#[derive(Debug, Clone, Default)]
pub struct Heuristics {
    options: HeuristicOptions,
    credits: Vec<HeuristicCredits>,
    /// The time-decay weights of the row being added, before normalising.
    decay: Vec<f64>,
    /// `2^(-d / half_life)` for `d` steps before the end, as far as paths have reached.
    decay_by_steps: Vec<f64>,
    /// For each path length up to [`CACHED_LENGTHS`] met so far, each touch's position-based
    /// and (by position) time-decay weight: most rows are short, and their weights need not be
    /// worked out again row by row.
    weights_by_length: Vec<Vec<[f64; 2]>>,
    /// The weights of the row being added when they are not kept (longer paths, real ages).
    row_weights: Vec<[f64; 2]>,
    /// Time-decay half-life in days, used by [`Heuristics::observe_aged`] when touch times are
    /// known (event logs): a touch `a` days before the journey's end weighs `2^(-a / h)`.
    half_life_days: Option<f64>,
}

impl Heuristics {
    /// An empty accumulator.
    pub fn new(options: HeuristicOptions) -> Self {
        Heuristics {
            options,
            credits: Vec::new(),
            decay: Vec::new(),
            decay_by_steps: Vec::new(),
            weights_by_length: Vec::new(),
            row_weights: Vec::new(),
            half_life_days: None,
        }
    }

    /// Time decay by real time: rows observed with [`Heuristics::observe_aged`] weigh a touch
    /// `a` days before the end of the journey `2^(-a / half_life_days)` instead of by position.
    pub fn with_time_half_life(mut self, half_life_days: f64) -> Result<Self> {
        if !(half_life_days > 0.0 && half_life_days.is_finite()) {
            return Err(Error::Invalid(format!(
                "the time-decay half-life is {half_life_days} days; it must be positive"
            )));
        }
        self.half_life_days = Some(half_life_days);
        Ok(self)
    }

    /// Adds one row whose touches are `ages_days` old at the journey's end (or by position when
    /// `ages_days` is `None` or no time half-life was set).
    pub fn observe_aged(&mut self, row: &PathRow<'_>, ages_days: Option<&[f64]>) {
        self.observe_with(row, ages_days);
    }

    /// Adds one row's conversions and value.
    pub fn observe(&mut self, row: &PathRow<'_>) {
        self.observe_with(row, None);
    }

    fn observe_with(&mut self, row: &PathRow<'_>, ages_days: Option<&[f64]>) {
        if row.conversions <= 0.0 || row.touches.is_empty() {
            return;
        }
        let length = row.touches.len();
        let top = *row.touches.iter().max().expect("non-empty") as usize;
        if self.credits.len() <= top {
            self.credits.resize(top + 1, HeuristicCredits::default());
        }
        let aged = match (ages_days, self.half_life_days) {
            (Some(ages), Some(h)) => Some((ages, h)),
            _ => None,
        };
        if aged.is_none() && length <= CACHED_LENGTHS {
            while self.weights_by_length.len() <= length {
                let mut weights = Vec::new();
                self.touch_weights(self.weights_by_length.len(), None, &mut weights);
                self.weights_by_length.push(weights);
            }
            add_credits(&mut self.credits, row, &self.weights_by_length[length]);
        } else {
            let mut weights = std::mem::take(&mut self.row_weights);
            self.touch_weights(length, aged, &mut weights);
            add_credits(&mut self.credits, row, &weights);
            self.row_weights = weights;
        }
    }

    /// The position-based and time-decay weights of each touch of a path of `length` touches,
    /// into `weights`; time decay by position unless `aged` gives the touches' ages in days and
    /// the half-life.
    fn touch_weights(
        &mut self,
        length: usize,
        aged: Option<(&[f64], f64)>,
        weights: &mut Vec<[f64; 2]>,
    ) {
        self.decay.clear();
        match aged {
            Some((ages, h)) => {
                self.decay
                    .extend(ages.iter().map(|age| (-age.max(0.0) / h).exp2()));
            }
            None => {
                // By position: the weight of d steps before the end, computed once per d.
                while self.decay_by_steps.len() < length {
                    let steps = self.decay_by_steps.len() as f64;
                    self.decay_by_steps
                        .push((-steps / self.options.half_life).exp2());
                }
                self.decay
                    .extend(self.decay_by_steps[..length].iter().rev());
            }
        }
        let decay_total: f64 = self.decay.iter().sum();
        weights.clear();
        weights.extend((0..length).map(|i| {
            [
                position_weight(&self.options, length, i),
                self.decay[i] / decay_total,
            ]
        }));
    }

    /// Credits for channel ids `0..channels` (channels never seen converting get zeros).
    pub fn finish(mut self, channels: usize) -> Vec<HeuristicCredits> {
        self.credits.resize(
            channels.max(self.credits.len()),
            HeuristicCredits::default(),
        );
        self.credits
    }
}

#[cfg(test)]
mod tests {
    use rand::RngExt;

    use super::*;

    fn credits(touches: &[u32], options: HeuristicOptions) -> Vec<HeuristicCredits> {
        let mut h = Heuristics::new(options);
        h.observe(&PathRow::whole(touches, 2.0, 10.0, 5.0));
        h.finish(3)
    }

    #[test]
    fn hand_computed_path_of_four_touches_with_a_repeat() {
        // a > b > a > c with 2 conversions worth 10.
        let c = credits(&[0, 1, 0, 2], HeuristicOptions::default());
        let (a, b, cc) = (c[0].conversions, c[1].conversions, c[2].conversions);
        assert_eq!(
            (a.first_touch, b.first_touch, cc.first_touch),
            (2.0, 0.0, 0.0)
        );
        assert_eq!((a.last_touch, b.last_touch, cc.last_touch), (0.0, 0.0, 2.0));
        assert_eq!((a.linear, b.linear, cc.linear), (1.0, 0.5, 0.5));
        // position based: first 0.4, middle two 0.1 each, last 0.4.
        assert!((a.position_based - 2.0 * 0.5).abs() < 1e-12);
        assert!((b.position_based - 0.2).abs() < 1e-12);
        assert!((cc.position_based - 0.8).abs() < 1e-12);
        // time decay, half-life 1: weights 1/8, 1/4, 1/2, 1 over 15/8.
        assert!((a.time_decay - 2.0 * (0.125 + 0.5) / 1.875).abs() < 1e-12);
        assert!((cc.time_decay - 2.0 / 1.875).abs() < 1e-12);
        assert!((c[2].value.time_decay - 10.0 / 1.875).abs() < 1e-12);
    }

    #[test]
    fn two_touches_split_position_credit_by_the_end_shares() {
        let options = HeuristicOptions {
            first_share: 0.3,
            last_share: 0.6,
            half_life: 1.0,
        };
        let c = credits(&[0, 1], options);
        assert!((c[0].conversions.position_based - 2.0 / 3.0).abs() < 1e-12);
        assert!((c[1].conversions.position_based - 4.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn time_decay_by_real_time_halves_per_half_life() {
        // Touches 14, 7 and 0 days before the end with a 7-day half-life: weights 1/4, 1/2, 1.
        let mut h = Heuristics::new(HeuristicOptions::default())
            .with_time_half_life(7.0)
            .unwrap();
        let row = PathRow::whole(&[0, 1, 2], 1.75, 0.0, 0.0);
        h.observe_aged(&row, Some(&[14.0, 7.0, 0.0]));
        let c = h.finish(3);
        assert_eq!(
            [
                c[0].conversions.time_decay,
                c[1].conversions.time_decay,
                c[2].conversions.time_decay
            ],
            [0.25, 0.5, 1.0]
        );
    }

    #[test]
    fn rejects_shares_over_one() {
        let bad = HeuristicOptions {
            first_share: 0.7,
            last_share: 0.4,
            half_life: 1.0,
        };
        assert!(bad.check().is_err());
    }

    /// The rules worked out touch by touch, every weight computed afresh for every row: what
    /// [`Heuristics::observe`] must give, bit for bit, with its weights kept per length.
    fn credits_touch_by_touch(
        rows: &[(Vec<u32>, f64, f64)],
        options: HeuristicOptions,
        channels: usize,
    ) -> Vec<HeuristicCredits> {
        let mut credits = vec![HeuristicCredits::default(); channels];
        for (touches, conversions, value) in rows {
            let length = touches.len();
            let decay: Vec<f64> = (0..length)
                .map(|i| (-((length - 1 - i) as f64) / options.half_life).exp2())
                .collect();
            let decay_total: f64 = decay.iter().sum();
            for (i, &c) in touches.iter().enumerate() {
                let credit = &mut credits[c as usize];
                for (rules, amount) in [
                    (&mut credit.conversions, *conversions),
                    (&mut credit.value, *value),
                ] {
                    if i == 0 {
                        rules.first_touch += amount;
                    }
                    if i == length - 1 {
                        rules.last_touch += amount;
                    }
                    rules.linear += (1.0 / length as f64) * amount;
                    rules.position_based += position_weight(&options, length, i) * amount;
                    rules.time_decay += decay[i] / decay_total * amount;
                }
            }
        }
        credits
    }

    #[test]
    fn weights_kept_per_length_give_the_bits_of_weights_worked_out_per_row() {
        let options = HeuristicOptions {
            first_share: 0.3,
            last_share: 0.45,
            half_life: 1.7,
        };
        // Lengths on both sides of the lengths whose weights are kept, in a scrambled order.
        let mut rng = crate::rng::stream(11, 0);
        let rows: Vec<(Vec<u32>, f64, f64)> = (0..3000)
            .map(|_| {
                let length = rng.random_range(1..=2 * CACHED_LENGTHS);
                let touches = (0..length).map(|_| rng.random_range(0..9)).collect();
                (
                    touches,
                    1.0 + f64::from(rng.random_range(0..7u32)) / 3.0,
                    f64::from(rng.random_range(0..10_000u32)) / 7.0,
                )
            })
            .collect();
        let mut heuristics = Heuristics::new(options);
        for (touches, conversions, value) in &rows {
            heuristics.observe(&PathRow::whole(touches, *conversions, *value, 1.0));
        }
        assert_eq!(
            heuristics.finish(9),
            credits_touch_by_touch(&rows, options, 9)
        );
    }
}
