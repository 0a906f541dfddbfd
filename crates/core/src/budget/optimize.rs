//! The spends that maximise conversions, value or profit on the exact period model.
//!
//! ## Method
//! The objective `f(x)` (conversions, value, or value - cost) is a smooth function of the
//! responsive channels' spends `x`, evaluated exactly by linear solves, and its gradient is exact
//! too ([`PeriodModel::evaluate_with_gradient`], one backward and at most one forward solve).
//! Channels interact through the chain (a visit bought for one channel changes where journeys go
//! next), so `f` is not separable and water-filling on per-channel curves would be wrong. The
//! feasible set is a box cut by the budget, `{l <= x <= u, sum x = B}` (or `<= B` for profit),
//! onto which the Euclidean projection is exact (one multiplier, found by bisection). So the
//! optimiser is the spectral projected gradient method (Birgin, Martinez and Raydan 2000,
//! "Nonmonotone spectral projected gradient methods on convex sets", SIAM J. Optim. 10(4)):
//! Barzilai-Borwein steps, projected, with a nonmonotone Armijo line search. It stops when the
//! projected gradient step is below 1e-10 of the budget, which is the first-order optimality
//! condition: every channel strictly inside its bounds has the same marginal return.
//!
//! With concave curves (linear, power, hill with shape <= 1) and entries channels the objective is
//! concave and the stationary point is the optimum. With S-shaped hill curves there may be
//! several, so the search then starts from today's spends and from the middle of the bounds and
//! keeps the better end point; otherwise it starts from today's. (Visits channels feeding each
//! other can also bend the objective; the optimiser reports a stationary point, and the test
//! against a brute-force grid covers such a plan.)
//!
//! With a target CPA (or ROAS) the total is not given: it is the largest budget whose optimal
//! plan keeps CAC <= target (ROAS >= target), found by bisection over the budget with each step
//! optimised (warm-started from the previous one).

use serde::Serialize;

use super::period::{Period, PeriodModel};
use super::response::Response;
use crate::error::{Error, Result};

/// What to maximise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Objective {
    /// Expected conversions; total spend equal to the budget.
    Conversions,
    /// Expected value; total spend equal to the budget.
    Value,
    /// Value - spend; total spend at most the budget.
    Profit,
}

impl Objective {
    /// The name as written on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Objective::Conversions => "conversions",
            Objective::Value => "value",
            Objective::Profit => "profit",
        }
    }

    /// The objective's value of a period.
    pub fn of(self, period: &Period) -> f64 {
        match self {
            Objective::Conversions => period.conversions,
            Objective::Value => period.value,
            Objective::Profit => period.value - period.cost,
        }
    }

    fn slope(self, gradient: [f64; 2]) -> f64 {
        match self {
            Objective::Conversions => gradient[0],
            Objective::Value => gradient[1],
            Objective::Profit => gradient[1] - 1.0,
        }
    }
}

/// A target the total spend must keep.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// CAC (cost per conversion) at most this.
    Cpa(f64),
    /// ROAS (value per unit of cost) at least this.
    Roas(f64),
}

impl Target {
    fn kept_by(self, period: &Period) -> bool {
        match self {
            Target::Cpa(x) => period.cac.is_some_and(|c| c <= x),
            Target::Roas(x) => period.roas.is_some_and(|r| r >= x),
        }
    }
}

/// What `optimize` is asked.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OptimizeOptions {
    /// What to maximise.
    pub objective: Objective,
    /// Total spend (all plan channels, fixed costs included); default today's total.
    pub total: Option<f64>,
    /// A CPA or ROAS to keep instead of a total.
    pub target: Option<Target>,
}

/// The best spends found and the figures there.
#[derive(Debug, Clone, PartialEq)]
pub struct Optimum {
    /// Spend per plan channel (fixed costs unchanged).
    pub spends: Vec<f64>,
    /// The period's figures at those spends.
    pub period: Period,
    /// `[d conversions, d value]` per unit of spend of each plan channel there.
    pub gradient: Vec<[f64; 2]>,
    /// The total spend the optimum was found for (fixed costs included).
    pub total: f64,
    /// Largest relative difference between the marginal returns (of the objective) of the
    /// channels strictly inside their bounds: 0 at an exact optimum.
    pub marginal_spread: f64,
}

/// Stop when the projected gradient step is below this share of the budget.
const STATIONARY: f64 = 1e-10;
const MAX_ITERATIONS: usize = 2_000;
/// Steps of the bisection over the budget for a target (2^-50 of the range).
const TARGET_STEPS: usize = 50;
/// Budgets tried, from the most down, before the bisection for a target.
const TARGET_GRID: usize = 32;

/// The objective, its gradient over the variables, the period and every plan channel's
/// `[d conversions, d value]`.
type Evaluation = (f64, Vec<f64>, Period, Vec<[f64; 2]>);

/// The responsive channels' bounds and the budget they share.
struct Problem<'m, 'a> {
    model: &'m PeriodModel<'a>,
    objective: Objective,
    /// Plan indices of the responsive channels (the variables).
    free: Vec<usize>,
    lower: Vec<f64>,
    upper: Vec<f64>,
    /// Spend of the fixed-cost channels.
    fixed: f64,
    /// Whether the variables' sum must equal the budget (else at most).
    equal: bool,
}

/// Maximises `options.objective` over the plan's responsive channels.
pub fn optimize(model: &PeriodModel<'_>, options: OptimizeOptions) -> Result<Optimum> {
    let plan = model.plan();
    let free: Vec<usize> = (0..plan.channels.len())
        .filter(|&i| plan.channels[i].effect.is_some())
        .collect();
    if free.is_empty() {
        return Err(Error::Invalid(
            "the budget plan has no channel with buys, so there is nothing to optimise: give \
             \"buys\" (and a response) to the channels whose spend can change"
                .into(),
        ));
    }
    let problem = Problem {
        model,
        objective: options.objective,
        lower: free.iter().map(|&i| plan.channels[i].min).collect(),
        upper: free.iter().map(|&i| plan.channels[i].max).collect(),
        fixed: plan
            .channels
            .iter()
            .filter(|c| c.effect.is_none())
            .map(|c| c.spend)
            .sum(),
        free,
        equal: options.objective != Objective::Profit,
    };
    let least = problem.fixed + problem.lower.iter().sum::<f64>();
    let most = problem.fixed + problem.upper.iter().sum::<f64>();
    match options.target {
        None => {
            let total = options.total.unwrap_or_else(|| plan.today().iter().sum());
            if !(total.is_finite() && total >= 0.0) {
                return Err(Error::option(
                    "total",
                    format!("is {total}; it must be a finite amount >= 0"),
                ));
            }
            if total < least * (1.0 - 1e-12) {
                return Err(Error::option(
                    "total",
                    format!(
                        "is {total}, below the least the plan allows ({least}: the fixed costs \
                         plus every channel's min)"
                    ),
                ));
            }
            if problem.equal && total > most * (1.0 + 1e-12) {
                return Err(Error::option(
                    "total",
                    format!(
                        "is {total}, above the most the plan allows ({most}: the fixed costs \
                         plus every channel's max); raise some max or use `objective` profit"
                    ),
                ));
            }
            problem.solve(total.clamp(least, most.max(least)), None)
        }
        Some(target) => problem.for_target(target, least, most),
    }
}

impl Problem<'_, '_> {
    /// The plan's spends with the variables set to `x`.
    fn spends(&self, x: &[f64]) -> Vec<f64> {
        let mut spends = self.model.plan().today();
        for (&i, &v) in self.free.iter().zip(x) {
            spends[i] = v;
        }
        spends
    }

    /// Objective, its gradient over the variables, the period and the full gradient.
    fn evaluate(&self, x: &[f64]) -> Result<Evaluation> {
        let (period, gradient) = self.model.evaluate_with_gradient(&self.spends(x))?;
        let g = self
            .free
            .iter()
            .map(|&i| self.objective.slope(gradient[i]))
            .collect();
        Ok((self.objective.of(&period), g, period, gradient))
    }

    /// The point of the feasible set nearest to `y`, for a budget `b` of the variables.
    fn project(&self, y: &[f64], b: f64) -> Vec<f64> {
        let clamp = |lambda: f64| -> Vec<f64> {
            y.iter()
                .zip(self.lower.iter().zip(&self.upper))
                .map(|(&v, (&l, &u))| (v - lambda).clamp(l, u))
                .collect()
        };
        let boxed = clamp(0.0);
        let sum = |x: &[f64]| x.iter().sum::<f64>();
        if !self.equal && sum(&boxed) <= b {
            return boxed;
        }
        // sum(clamp(lambda)) falls from sum(upper) to sum(lower) as lambda rises.
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for ((&v, &l), &u) in y.iter().zip(&self.lower).zip(&self.upper) {
            lo = lo.min(v - u);
            hi = hi.max(v - l);
        }
        for _ in 0..200 {
            let mid = 0.5 * (lo + hi);
            if mid <= lo || mid >= hi {
                break;
            }
            if sum(&clamp(mid)) > b {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        let mut x = clamp(0.5 * (lo + hi));
        // The bisection leaves a rounding residual: spread it over the channels that can take it.
        for _ in 0..4 {
            let residual = b - sum(&x);
            let movable: Vec<usize> = (0..x.len())
                .filter(|&i| {
                    if residual > 0.0 {
                        x[i] < self.upper[i]
                    } else {
                        x[i] > self.lower[i]
                    }
                })
                .collect();
            if residual == 0.0 || movable.is_empty() {
                break;
            }
            let share = residual / movable.len() as f64;
            for i in movable {
                x[i] = (x[i] + share).clamp(self.lower[i], self.upper[i]);
            }
        }
        x
    }

    /// Optimises for total spend `total` (fixed costs included), from today's spends, the middle
    /// of the bounds and `warm` (a previous optimum) if given; keeps the best.
    fn solve(&self, total: f64, warm: Option<&[f64]>) -> Result<Optimum> {
        let b = (total - self.fixed).max(0.0);
        let today: Vec<f64> = self
            .free
            .iter()
            .map(|&i| self.model.plan().channels[i].spend)
            .collect();
        let middle: Vec<f64> = self
            .lower
            .iter()
            .zip(&self.upper)
            .map(|(l, u)| 0.5 * (l + u))
            .collect();
        let mut best: Option<(f64, Vec<f64>)> = None;
        // A second start only where the objective may have several maxima along the curves
        // (S-shaped hill curves); with concave curves both starts end at the same point.
        let s_shaped = self.free.iter().any(|&i| {
            matches!(
                self.model.plan().channels[i].effect.map(|e| e.response),
                Some(Response::Hill { shape, .. }) if shape > 1.0
            )
        });
        let starts: Vec<&[f64]> = match warm {
            Some(w) => vec![w],
            None if s_shaped => vec![&today, &middle],
            None => vec![&today],
        };
        for start in starts {
            let (f, x) = self.ascend(self.project(start, b), b)?;
            if best.as_ref().is_none_or(|(g, _)| f > *g) {
                best = Some((f, x));
            }
        }
        let (_, x) = best.expect("at least one start");
        let (_, g, period, gradient) = self.evaluate(&x)?;
        Ok(Optimum {
            spends: self.spends(&x),
            period,
            gradient,
            total,
            marginal_spread: self.spread(&x, &g),
        })
    }

    /// Largest relative difference between the marginal returns of the variables strictly
    /// inside their bounds (and, for profit below the budget, from 0).
    fn spread(&self, x: &[f64], g: &[f64]) -> f64 {
        let inside: Vec<f64> = (0..x.len())
            .filter(|&i| {
                let width = (self.upper[i] - self.lower[i]).max(1e-300);
                (x[i] - self.lower[i]) > 1e-9 * width && (self.upper[i] - x[i]) > 1e-9 * width
            })
            .map(|i| g[i])
            .collect();
        let scale = g.iter().fold(0.0_f64, |m, v| m.max(v.abs())).max(1e-300);
        let hi = inside.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let lo = inside.iter().copied().fold(f64::INFINITY, f64::min);
        if inside.len() < 2 {
            0.0
        } else {
            (hi - lo) / scale
        }
    }

    /// Spectral projected gradient ascent from the feasible point `x`.
    fn ascend(&self, mut x: Vec<f64>, b: f64) -> Result<(f64, Vec<f64>)> {
        const MEMORY: usize = 10;
        const ARMIJO: f64 = 1e-4;
        let scale = self
            .upper
            .iter()
            .zip(&self.lower)
            .map(|(u, l)| u - l)
            .fold(b, f64::max)
            .max(1e-300);
        let (mut f, mut g, _, _) = self.evaluate(&x)?;
        let norm = |v: &[f64]| v.iter().fold(0.0_f64, |m, a| m.max(a.abs()));
        let mut step = scale / norm(&g).max(1e-300);
        let mut history = vec![f];
        for _ in 0..MAX_ITERATIONS {
            // Optimality: the projected gradient with a step that could move the whole budget.
            let reference = scale / norm(&g).max(1e-300);
            let probe: Vec<f64> = x.iter().zip(&g).map(|(a, d)| a + reference * d).collect();
            let moved = self.project(&probe, b);
            let residual = norm(&moved.iter().zip(&x).map(|(a, c)| a - c).collect::<Vec<_>>());
            if residual <= STATIONARY * scale {
                break;
            }
            let trial: Vec<f64> = x.iter().zip(&g).map(|(a, d)| a + step * d).collect();
            let d: Vec<f64> = self
                .project(&trial, b)
                .iter()
                .zip(&x)
                .map(|(p, a)| p - a)
                .collect();
            let slope: f64 = d.iter().zip(&g).map(|(a, c)| a * c).sum();
            if slope <= 0.0 {
                // No ascent direction at this step: shrink it (rounding near the optimum).
                step *= 0.1;
                if step < 1e-300 {
                    break;
                }
                continue;
            }
            let reference_f = history.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            // Trial points need only the objective (one backward solve); the gradient (and its
            // forward solve) is taken at the point accepted. A rejected step is shortened to the
            // maximum of the quadratic through f, the slope and the trial, kept in [0.1, 0.5] of it.
            let mut lambda = 1.0;
            let next = loop {
                let candidate: Vec<f64> = x.iter().zip(&d).map(|(a, c)| a + lambda * c).collect();
                let fc = self
                    .objective
                    .of(&self.model.evaluate(&self.spends(&candidate))?);
                if fc >= reference_f + ARMIJO * lambda * slope || lambda < 1e-12 {
                    break candidate;
                }
                let curvature = (fc - f - slope * lambda) / (lambda * lambda);
                let best = if curvature < 0.0 {
                    -slope / (2.0 * curvature)
                } else {
                    0.5 * lambda
                };
                lambda = best.clamp(0.1 * lambda, 0.5 * lambda);
            };
            let (f_next, g_next, _, _) = self.evaluate(&next)?;
            let s: Vec<f64> = next.iter().zip(&x).map(|(a, c)| a - c).collect();
            let y: Vec<f64> = g_next.iter().zip(&g).map(|(a, c)| a - c).collect();
            let ss: f64 = s.iter().map(|v| v * v).sum();
            let sy: f64 = s.iter().zip(&y).map(|(a, c)| a * c).sum();
            step = if sy < 0.0 {
                (ss / -sy).clamp(1e-30 * scale, 1e30 * scale)
            } else {
                scale / norm(&g_next).max(1e-300)
            };
            let stalled = ss == 0.0;
            x = next;
            f = f_next;
            g = g_next;
            history.push(f);
            if history.len() > MEMORY {
                history.remove(0);
            }
            if stalled {
                break;
            }
        }
        Ok((f, x))
    }

    /// The largest total whose optimum keeps `target`. CAC need not rise with the budget
    /// (fixed costs are shared by more conversions first), so budgets are scanned from the most
    /// down on a grid of [`TARGET_GRID`] steps, and the boundary above the largest one that keeps
    /// the target is found by bisection.
    fn for_target(&self, target: Target, least: f64, most: f64) -> Result<Optimum> {
        let at_most = self.solve(most, None)?;
        if target.kept_by(&at_most.period) {
            return Ok(at_most);
        }
        let mut above = most;
        let mut kept: Option<Optimum> = None;
        let mut seen = at_most.period;
        for k in (0..TARGET_GRID).rev() {
            let total = least + (most - least) * k as f64 / TARGET_GRID as f64;
            let candidate = self.solve(total, None)?;
            if target.kept_by(&candidate.period) {
                kept = Some(candidate);
                break;
            }
            seen = candidate.period;
            above = total;
        }
        let Some(mut lo) = kept else {
            return Err(Error::Invalid(format!(
                "no budget between the least the plan allows ({least}) and the most ({most})                  keeps the target: the least gives {}",
                describe(target, &seen)
            )));
        };
        let mut hi = above;
        for _ in 0..TARGET_STEPS {
            let mid = 0.5 * (lo.total + hi);
            if mid <= lo.total || mid >= hi {
                break;
            }
            let warm: Vec<f64> = self.free.iter().map(|&i| lo.spends[i]).collect();
            let candidate = self.solve(mid, Some(&warm))?;
            if target.kept_by(&candidate.period) {
                lo = candidate;
            } else {
                hi = mid;
            }
        }
        Ok(lo)
    }
}

fn describe(target: Target, period: &Period) -> String {
    let show = |x: Option<f64>| x.map_or("none".to_string(), |v| format!("{v}"));
    match target {
        Target::Cpa(x) => format!("CAC {} (target {x})", show(period.cac)),
        Target::Roas(x) => format!("ROAS {} (target {x})", show(period.roas)),
    }
}
