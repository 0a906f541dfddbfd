//! Exact linear algebra of an absorbing chain, in one place: absorption (the probability that a
//! journey converts and its expected value, optionally with some states "removed", i.e. sent
//! straight to (null)), expected visits, hitting probabilities of a set of states, and the
//! fundamental matrix rows a scenario needs to skip states.
//!
//! With `Q` the transient part of the chain, every solve is one of two linear systems:
//!
//! - **backward**, `(I - Q) x = b`: absorption ([`absorb`], [`absorption_by_state`], reward
//!   `b(s) = P(s -> conversion)` for the probability and `P(s -> conversion) *
//!   value_per_conversion(s)` for the value), hitting probabilities ([`hitting_probabilities`],
//!   `b(s) = P(s -> target)` over the states outside the target) and rows of the fundamental
//!   matrix `(I - Q)^-1` ([`visits_from`], `b` the identity);
//! - **forward**, `(I - Q)^T v = p0`: the expected visits `v = p0 (I - Q)^-1` ([`expected_visits`]).
//!
//! Both are built by one function (`Transient::i_minus_q`) and solved one of two ways. Chains of
//! up to [`DENSE_LIMIT`] states are solved by dense LU (nalgebra). Larger ones (order 3 and 4 give
//! thousands of states, and attribution needs one solve per channel) by Gauss-Seidel sweeps over
//! the sparse rows: each sweep costs O(transitions), and states are swept in an order that follows
//! the flow (deepest-first for backward systems, from (start) on for forward ones) so that on
//! acyclic parts one sweep suffices. The iteration stops when the remaining error, estimated from
//! the observed contraction rate `rho` as `delta * rho / (1 - rho)`, is below 1e-14 relative. For
//! a substochastic `Q` and `b >= 0` the iterates from 0 rise monotonically to the solution, so
//! the estimate is sound once `rho` settles. A plain "largest change is tiny" stop is not: when
//! journeys loop for long (`rho` near 1) the change per sweep is small long before the iterate is
//! close (the test `slow_mixing_chain_is_not_stopped_early` shows one).
//!
//! ```
//! use journeysim_core::journey::MemoryPaths;
//! use journeysim_core::model::{FitOptions, fit_paths};
//! use journeysim_core::solve::{absorb, expected_visits};
//!
//! // a > b converts once in two, a alone never: from (start), a then b with probability 1/2,
//! // and b converts half the time, so P(conversion) = 1/4; a is visited once, b half a time.
//! let rows = [(&["a", "b"][..], 1.0, 8.0, 1.0), (&["a"][..], 0.0, 0.0, 2.0)];
//! let chain = fit_paths(MemoryPaths::new("example", &rows), FitOptions::order(1), |_| {})?.chain;
//! let exact = absorb(&chain, None)?;
//! assert!((exact.conversion_probability - 0.25).abs() < 1e-12);
//! assert!((exact.value_per_journey - 2.0).abs() < 1e-12);
//! let visits = expected_visits(&chain)?;
//! assert!((visits[0] - 1.0).abs() < 1e-12 && (visits[1] - 0.5).abs() < 1e-12);
//! # Ok::<(), journeysim_core::Error>(())
//! ```

use nalgebra::DMatrix;

use crate::error::{Error, Result};
use crate::model::{Chain, StateId};

/// Chains with at most this many states are solved by dense LU, larger ones by sweeps.
///
/// Attribution solves once per channel, and at this size one dense LU (about 10^7 flops) still
/// costs less than the sweeps with their per-solve set-up; above it the O(n^3) of LU grows
/// quickly while the sweeps stay O(transitions) each (BENCHMARKS.md).
pub const DENSE_LIMIT: usize = 300;

const RELATIVE_TOLERANCE: f64 = 1e-14;
const MAX_SWEEPS: usize = 1_000_000;
/// Most unknowns the dense fallback for sweeps that do not converge factors (128 MB of
/// matrix at the limit, seconds of LU).
const DIRECT_LIMIT: usize = 4_000;

/// Conversion probability and expected value per journey of a chain.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Absorption {
    /// P(a journey from (start) ends in (conversion)).
    pub conversion_probability: f64,
    /// E[conversion value of a journey from (start)].
    pub value_per_journey: f64,
}

/// Solves the chain with the states flagged in `removed` sent straight to (null).
pub fn absorb(chain: &Chain, removed: Option<&[bool]>) -> Result<Absorption> {
    let [h_conv, h_value] = absorption_by_state(chain, removed)?;
    let mut result = Absorption {
        conversion_probability: 0.0,
        value_per_journey: 0.0,
    };
    for &(s, p) in chain.entry() {
        result.conversion_probability += p * h_conv[s as usize];
        result.value_per_journey += p * h_value[s as usize];
    }
    Ok(result)
}

/// Per-state `[P(conversion from s), E[conversion value from s]]`, with the states flagged in
/// `removed` sent straight to (null) (zero on them).
pub fn absorption_by_state(chain: &Chain, removed: Option<&[bool]>) -> Result<[Vec<f64>; 2]> {
    absorption_with_limit(chain, removed, DENSE_LIMIT)
}

fn absorption_with_limit(
    chain: &Chain,
    removed: Option<&[bool]>,
    dense_limit: usize,
) -> Result<[Vec<f64>; 2]> {
    let n = chain.n_states();
    let keep: Vec<bool> = (0..n).map(|s| removed.is_none_or(|r| !r[s])).collect();
    let mut rewards = [vec![0.0; n], vec![0.0; n]];
    for s in (0..n).filter(|&s| keep[s]) {
        let p = chain.conversion_probability_from(s as StateId);
        rewards[0][s] = p;
        rewards[1][s] = p * chain.value_per_conversion()[s];
    }
    solve_backward(chain, &keep, rewards, n <= dense_limit)
}

/// Expected visits to each state per journey from (start): `v = p0 (I - Q)^-1`, with `p0` the
/// entry row.
pub fn expected_visits(chain: &Chain) -> Result<Vec<f64>> {
    visits_with_limit(chain, DENSE_LIMIT)
}

fn visits_with_limit(chain: &Chain, dense_limit: usize) -> Result<Vec<f64>> {
    let n = chain.n_states();
    let q = Transient::of_chain(chain, |_| true);
    let mut p0 = vec![0.0; n];
    chain.entry().iter().for_each(|&(s, p)| p0[s as usize] += p);
    let b = [p0];
    let mut x = if n == 0 {
        Vec::new()
    } else if n <= dense_limit {
        solve_dense(&q, Direction::Forward, &b)?
    } else {
        solve_sweeps(&q.transpose(), &b, &forward_order(chain))?.into()
    };
    Ok(x.pop().unwrap_or_default())
}

/// P(ever visiting a `target` state) from each state: `h = 1` on targets, `h = Q h` elsewhere.
pub fn hitting_probabilities(chain: &Chain, target: &[bool]) -> Result<Vec<f64>> {
    hitting_with_limit(chain, target, DENSE_LIMIT)
}

fn hitting_with_limit(chain: &Chain, target: &[bool], dense_limit: usize) -> Result<Vec<f64>> {
    let n = chain.n_states();
    let keep: Vec<bool> = target.iter().map(|&t| !t).collect();
    let b: Vec<f64> = (0..n)
        .map(|s| {
            if target[s] {
                return 0.0;
            }
            let (targets, probs) = chain.row(s as StateId);
            targets
                .iter()
                .zip(probs)
                .filter(|(t, _)| (**t as usize) < n && target[**t as usize])
                .map(|(_, p)| p)
                .sum()
        })
        .collect();
    let [mut h] = solve_backward(chain, &keep, [b], n <= dense_limit)?;
    for (h, &t) in h.iter_mut().zip(target) {
        if t {
            *h = 1.0;
        }
    }
    Ok(h)
}

/// Rows of the fundamental matrix `(I - Q)^-1` of a substochastic `Q` over states `0..m`, given
/// by its sparse rows `q[s] = [(t, Q(s, t)), ...]`: for each state of `starts`, the expected
/// visits to every state from it (1 counts the start itself). Errors when the journeys from some
/// state never leave the states `q` covers.
pub fn visits_from(q: &[Vec<(usize, f64)>], starts: &[usize]) -> Result<Vec<Vec<f64>>> {
    visits_from_with_limit(q, starts, DENSE_LIMIT)
}

fn visits_from_with_limit(
    q: &[Vec<(usize, f64)>],
    starts: &[usize],
    dense_limit: usize,
) -> Result<Vec<Vec<f64>>> {
    let m = q.len();
    let q = Transient::from_rows(q);
    if m == 0 || starts.is_empty() {
        return Ok(vec![Vec::new(); starts.len()]);
    }
    if m <= dense_limit {
        // Backward with the identity: column j of the solution is the visits to j from every
        // state, so the whole matrix comes from one factorisation.
        let identity: Vec<Vec<f64>> = (0..m)
            .map(|j| (0..m).map(|i| f64::from(u8::from(i == j))).collect())
            .collect();
        let n = solve_dense(&q, Direction::Backward, &identity)?;
        return Ok(starts
            .iter()
            .map(|&i| (0..m).map(|j| n[j][i]).collect())
            .collect());
    }
    // Forward, one solve per start: only the rows asked for are computed.
    let transposed = q.transpose();
    let order: Vec<usize> = (0..m).collect();
    starts
        .iter()
        .map(|&i| {
            let b = (0..m).map(|j| f64::from(u8::from(i == j))).collect();
            let [row] = solve_sweeps(&transposed, &[b], &order)?;
            Ok(row)
        })
        .collect()
}

/// The transient part `Q` of a chain restricted to some states (the unknowns), as sparse rows in
/// local indices: unknown `i` is chain state `states[i]`, and transitions to states that are not
/// unknowns (absorbing, removed, targets) are left out.
struct Transient {
    states: Vec<usize>,
    row_ptr: Vec<usize>,
    cols: Vec<usize>,
    vals: Vec<f64>,
}

impl Transient {
    /// `Q` over the states of `chain` that `keep` accepts, in state order.
    fn of_chain(chain: &Chain, keep: impl Fn(usize) -> bool) -> Self {
        let n = chain.n_states();
        let states: Vec<usize> = (0..n).filter(|&s| keep(s)).collect();
        let mut position = vec![usize::MAX; n];
        for (i, &s) in states.iter().enumerate() {
            position[s] = i;
        }
        let mut q = Transient {
            states: Vec::new(),
            row_ptr: vec![0],
            cols: Vec::new(),
            vals: Vec::new(),
        };
        for &s in &states {
            let (targets, probs) = chain.row(s as StateId);
            for (&t, &p) in targets.iter().zip(probs) {
                let t = t as usize;
                if t < n && position[t] != usize::MAX {
                    q.cols.push(position[t]);
                    q.vals.push(p);
                }
            }
            q.row_ptr.push(q.cols.len());
        }
        q.states = states;
        q
    }

    /// `Q` from sparse rows over `0..rows.len()`.
    fn from_rows(rows: &[Vec<(usize, f64)>]) -> Self {
        let mut q = Transient {
            states: (0..rows.len()).collect(),
            row_ptr: vec![0],
            cols: Vec::new(),
            vals: Vec::new(),
        };
        for row in rows {
            for &(t, p) in row {
                q.cols.push(t);
                q.vals.push(p);
            }
            q.row_ptr.push(q.cols.len());
        }
        q
    }

    /// `Q^T`: the incoming transitions of each unknown, for the forward sweeps.
    fn transpose(&self) -> Self {
        let m = self.len();
        let mut incoming: Vec<Vec<(usize, f64)>> = vec![Vec::new(); m];
        for i in 0..m {
            for (j, p) in self.row(i) {
                incoming[j].push((i, p));
            }
        }
        let mut t = Transient::from_rows(&incoming);
        t.states.clone_from(&self.states);
        t
    }

    /// The dense `I - Q`: the one matrix every dense solve factors.
    fn i_minus_q(&self) -> DMatrix<f64> {
        let m = self.len();
        let mut a = DMatrix::<f64>::identity(m, m);
        for i in 0..m {
            for (j, p) in self.row(i) {
                a[(i, j)] -= p;
            }
        }
        a
    }

    /// A per-unknown vector spread over all `n` chain states (zero elsewhere).
    fn scatter(&self, x: Vec<f64>, n: usize) -> Vec<f64> {
        let mut out = vec![0.0; n];
        for (&s, v) in self.states.iter().zip(x) {
            out[s] = v;
        }
        out
    }
}

/// Sparse rows of a nonnegative matrix, as the sweeps read them.
trait Rows {
    fn len(&self) -> usize;
    fn row(&self, i: usize) -> impl Iterator<Item = (usize, f64)> + '_;
}

impl Rows for Transient {
    fn len(&self) -> usize {
        self.states.len()
    }

    fn row(&self, i: usize) -> impl Iterator<Item = (usize, f64)> + '_ {
        let range = self.row_ptr[i]..self.row_ptr[i + 1];
        self.cols[range.clone()]
            .iter()
            .copied()
            .zip(self.vals[range].iter().copied())
    }
}

/// A chain's `Q` read from its own rows (absorbing targets left out), so that the per-channel
/// solves of attribution copy nothing.
struct ChainRows<'a>(&'a Chain);

impl Rows for ChainRows<'_> {
    fn len(&self) -> usize {
        self.0.n_states()
    }

    fn row(&self, i: usize) -> impl Iterator<Item = (usize, f64)> + '_ {
        let n = self.0.n_states();
        let (targets, probs) = self.0.row(i as StateId);
        targets
            .iter()
            .zip(probs)
            .filter(move |(t, _)| (**t as usize) < n)
            .map(|(&t, &p)| (t as usize, p))
    }
}

/// Which of the two systems of `Q` to solve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    /// `(I - Q) x = b`.
    Backward,
    /// `(I - Q)^T x = b`.
    Forward,
}

/// Solves the backward system `(I - Q) x = b` over the states `keep` flags, for each
/// right-hand side of `b` (indexed by chain state, zero off `keep`); the solutions are zero off
/// `keep`. Dense LU builds `Q` over the kept states; the sweeps read the chain's own rows, where
/// the states off `keep` stay at 0 and so add nothing.
fn solve_backward<const K: usize>(
    chain: &Chain,
    keep: &[bool],
    b: [Vec<f64>; K],
    dense: bool,
) -> Result<[Vec<f64>; K]> {
    let n = chain.n_states();
    if dense {
        let q = Transient::of_chain(chain, |s| keep[s]);
        if q.len() == 0 {
            // Nothing is unknown (every state removed): nalgebra cannot factor an empty matrix.
            return Ok(std::array::from_fn(|_| vec![0.0; n]));
        }
        let local: Vec<Vec<f64>> = b
            .iter()
            .map(|b| q.states.iter().map(|&s| b[s]).collect())
            .collect();
        let x = solve_dense(&q, Direction::Backward, &local)?;
        let x: Vec<Vec<f64>> = x.into_iter().map(|x| q.scatter(x, n)).collect();
        return Ok(x.try_into().expect("one solution per right-hand side"));
    }
    solve_sweeps(&ChainRows(chain), &b, &backward_order(chain, keep))
}

fn solve_dense(q: &Transient, direction: Direction, b: &[Vec<f64>]) -> Result<Vec<Vec<f64>>> {
    let m = q.len();
    let a = match direction {
        Direction::Backward => q.i_minus_q(),
        Direction::Forward => q.i_minus_q().transpose(),
    };
    let rhs = DMatrix::<f64>::from_fn(m, b.len(), |i, k| b[k][i]);
    let x = a.lu().solve(&rhs).ok_or_else(|| {
        Error::Numerical("the chain is singular: some journeys can never end".into())
    })?;
    Ok((0..b.len())
        .map(|k| x.column(k).iter().copied().collect())
        .collect())
}

/// Gauss-Seidel for `x = b + M x` with `M` (nonnegative, substochastic) given by `m`'s rows,
/// updating the unknowns in `order`, for the `K` right-hand sides of `b` together (a row is read
/// once for all of them) until each has converged; solved directly instead when the sweeps
/// would take more than [`MAX_SWEEPS`].
fn solve_sweeps<const K: usize>(
    m: &impl Rows,
    b: &[Vec<f64>; K],
    order: &[usize],
) -> Result<[Vec<f64>; K]> {
    match sweep(m, b, order) {
        Sweeps::Converged(x) => Ok(x),
        Sweeps::TooSlow { rate, sweeps } => solve_direct(m, b, order, rate, sweeps),
    }
}

/// How the sweeps ended.
#[derive(Debug)]
enum Sweeps<const K: usize> {
    /// Converged to the tolerance.
    Converged([Vec<f64>; K]),
    /// The observed contraction rate predicts more than [`MAX_SWEEPS`] sweeps: stopped after
    /// `sweeps`, with the slowest right-hand side's `rate`.
    TooSlow { rate: f64, sweeps: usize },
}

/// Sweeps before the contraction rate is trusted to predict the remaining ones: the first
/// sweeps carry the right-hand side through the chain and their changes do not yet shrink at
/// the chain's rate.
const SETTLE_SWEEPS: usize = 1_000;
/// Consecutive sweeps whose prediction must exceed [`MAX_SWEEPS`] before the sweeps give up,
/// so that one noisy rate estimate does not end them.
const SLOW_STREAK: usize = 100;

/// The Gauss-Seidel iteration of [`solve_sweeps`]. The iterates and the stop are those of a
/// plain loop to [`MAX_SWEEPS`]; the only addition is the early stop when, with `rho` the
/// observed contraction rate, the sweeps still needed for `delta * rho^n / (1 - rho)` to fall
/// below the tolerance would take the total past [`MAX_SWEEPS`] (journeys that loop for very
/// long). So results where the sweeps converge are unchanged.
fn sweep<const K: usize>(m: &impl Rows, b: &[Vec<f64>; K], order: &[usize]) -> Sweeps<K> {
    let mut x = vec![[0.0f64; K]; m.len()];
    // Per right-hand side, the last two sweeps' largest changes; the contraction rate is
    // estimated from both ratios (the larger), and only once both are finite.
    let mut deltas = [[f64::INFINITY; K]; 2];
    let mut slow_streak = 0;
    let mut slowest = 0.0f64;
    for done in 1..=MAX_SWEEPS {
        let mut delta = [0.0f64; K];
        for &i in order {
            let mut sum: [f64; K] = std::array::from_fn(|k| b[k][i]);
            for (j, p) in m.row(i) {
                for k in 0..K {
                    sum[k] += p * x[j][k];
                }
            }
            for k in 0..K {
                delta[k] = delta[k].max((sum[k] - x[i][k]).abs());
            }
            x[i] = sum;
        }
        let scale = |k: usize| x.iter().fold(0.0f64, |acc, v| acc.max(v[k].abs()));
        let rate = |k: usize| (delta[k] / deltas[1][k]).max(deltas[1][k] / deltas[0][k]);
        let converged = (0..K).all(|k| {
            if delta[k] == 0.0 {
                return true;
            }
            if !deltas[0][k].is_finite() {
                return false;
            }
            let rho = rate(k);
            rho < 1.0 && delta[k] * rho / (1.0 - rho) <= RELATIVE_TOLERANCE * scale(k)
        });
        if converged {
            return Sweeps::Converged(std::array::from_fn(|k| x.iter().map(|v| v[k]).collect()));
        }
        if done >= SETTLE_SWEEPS {
            // The sweeps n still needed: delta * rho^n / (1 - rho) <= tolerance * scale.
            let too_slow = (0..K).any(|k| {
                if delta[k] == 0.0 {
                    return false;
                }
                let rho = rate(k);
                slowest = slowest.max(rho);
                if rho.is_nan() || rho >= 1.0 {
                    return true;
                }
                let target = RELATIVE_TOLERANCE * scale(k) * (1.0 - rho) / (delta[k] * rho);
                let remaining = target.ln() / rho.ln();
                done as f64 + remaining > MAX_SWEEPS as f64
            });
            slow_streak = if too_slow { slow_streak + 1 } else { 0 };
            if slow_streak >= SLOW_STREAK {
                return Sweeps::TooSlow {
                    rate: slowest,
                    sweeps: done,
                };
            }
        }
        deltas = [deltas[1], delta];
    }
    Sweeps::TooSlow {
        rate: slowest,
        sweeps: MAX_SWEEPS,
    }
}

/// The system the sweeps solve, `x = b + M x` over the unknowns in `order` (every other unknown
/// stays 0), solved directly by dense LU: the fallback when the sweeps have not converged in
/// [`MAX_SWEEPS`] (journeys that loop for very long: the sweeps contract at `rate`, within
/// about 1e-7 of 1). Chains the sweeps do solve never come here, so their results are unchanged.
/// A chain too large to factor densely is refused as bad input: its journeys almost never end.
fn solve_direct<const K: usize>(
    m: &impl Rows,
    b: &[Vec<f64>; K],
    order: &[usize],
    rate: f64,
    sweeps: usize,
) -> Result<[Vec<f64>; K]> {
    let unknowns = order.len();
    if unknowns > DIRECT_LIMIT {
        return Err(Error::Invalid(format!(
            "the model cannot be solved: its journeys almost never end (after {sweeps} sweeps an \
             iterative solve shrinks the error only by a factor {rate} per sweep, so it would \
             need more than {MAX_SWEEPS} sweeps), and its {unknowns} states are more than the {DIRECT_LIMIT} a \
             direct solve takes; give loops a real chance to end"
        )));
    }
    let mut position = vec![usize::MAX; m.len()];
    for (local, &i) in order.iter().enumerate() {
        position[i] = local;
    }
    let mut a = DMatrix::<f64>::identity(unknowns, unknowns);
    for (local, &i) in order.iter().enumerate() {
        for (j, p) in m.row(i) {
            if position[j] != usize::MAX {
                a[(local, position[j])] -= p;
            }
        }
    }
    let rhs = DMatrix::<f64>::from_fn(unknowns, K, |local, k| b[k][order[local]]);
    let x = a.lu().solve(&rhs).ok_or_else(|| {
        Error::Numerical("the chain is singular: some journeys can never end".into())
    })?;
    Ok(std::array::from_fn(|k| {
        let mut out = vec![0.0; m.len()];
        for (local, &i) in order.iter().enumerate() {
            out[i] = x[(local, k)];
        }
        out
    }))
}

/// The `keep` states deepest-first: reachable states in reverse breadth-first order from
/// (start), then the states (start) cannot reach, as they only feed into the others.
fn backward_order(chain: &Chain, keep: &[bool]) -> Vec<usize> {
    let (reachable, unreachable) = breadth_first(chain);
    reachable
        .into_iter()
        .rev()
        .chain(unreachable)
        .filter(|&s| keep[s])
        .collect()
}

/// Every state in breadth-first order from (start), the unreachable ones last: visits flow
/// forward, so on acyclic parts one sweep suffices.
fn forward_order(chain: &Chain) -> Vec<usize> {
    let (reachable, unreachable) = breadth_first(chain);
    reachable.into_iter().chain(unreachable).collect()
}

/// The states (start) reaches, in breadth-first order, and the others, in id order.
fn breadth_first(chain: &Chain) -> (Vec<usize>, Vec<usize>) {
    let reachable: Vec<usize> = chain
        .reachable_from_start()
        .iter()
        .map(|&s| s as usize)
        .collect();
    let mut is_reachable = vec![false; chain.n_states()];
    reachable.iter().for_each(|&s| is_reachable[s] = true);
    let unreachable = (0..chain.n_states())
        .filter(|&s| !is_reachable[s])
        .collect();
    (reachable, unreachable)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journey::{ChannelTable, MemoryPaths};
    use crate::model::{ChainParts, FitOptions, Transition, fit_paths};

    /// Row target standing for (conversion) in [`chain`]'s rows.
    const CONV: usize = usize::MAX;
    /// Row target standing for (null) in [`chain`]'s rows.
    const NULL: usize = usize::MAX - 1;
    /// Forces the dense path whatever the size.
    const DENSE: usize = usize::MAX;
    /// Forces the sweeps whatever the size.
    const SPARSE: usize = 0;

    /// An order-1 chain with the given entry and rows (targets: a state, [`CONV`] or [`NULL`]);
    /// state `s` has value per conversion `s + 1`.
    fn chain(entry: &[(usize, f64)], rows: &[Vec<(usize, f64)>]) -> Chain {
        let n = rows.len();
        let transition = |to: u32, probability: f64| Transition {
            to,
            probability,
            weight: None,
        };
        let rows = rows
            .iter()
            .map(|row| {
                let mut row: Vec<Transition> = row
                    .iter()
                    .map(|&(t, p)| match t {
                        CONV => transition(n as u32, p),
                        NULL => transition(n as u32 + 1, p),
                        t => transition(t as u32, p),
                    })
                    .collect();
                row.sort_by_key(|t| t.to);
                row
            })
            .collect();
        Chain::from_rows(ChainParts {
            order: 1,
            keep_repeats: true,
            channels: ChannelTable::from_names((0..n).map(|s| format!("c{s}"))),
            states: (0..n as u32).map(|c| vec![c].into_boxed_slice()).collect(),
            entry: entry
                .iter()
                .map(|&(s, p)| transition(s as StateId, p))
                .collect(),
            rows,
            value_per_conversion: (0..n).map(|s| s as f64 + 1.0).collect(),
            value_distribution: Vec::new(),
        })
        .expect("test chains are proper")
    }

    /// a -> b 0.5, a -> null 0.5; b -> conversion 0.4, b -> a 0.2, b -> null 0.4; start at a.
    fn two_states() -> Chain {
        chain(
            &[(0, 1.0)],
            &[
                vec![(1, 0.5), (NULL, 0.5)],
                vec![(CONV, 0.4), (0, 0.2), (NULL, 0.4)],
            ],
        )
    }

    /// `n` states, each going to three others (earlier ones too, so there are loops) and ending
    /// with probability about 0.1; entry at the first few. Deterministic.
    fn generated(n: usize) -> Chain {
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let rows: Vec<Vec<(usize, f64)>> = (0..n)
            .map(|_| {
                let mut row: Vec<(usize, f64)> = Vec::new();
                for _ in 0..3 {
                    let t = (next() % n as u64) as usize;
                    let w = 1.0 + (next() % 1000) as f64 / 100.0;
                    match row.iter_mut().find(|(u, _)| *u == t) {
                        Some(r) => r.1 += w,
                        None => row.push((t, w)),
                    }
                }
                let stay: f64 = row.iter().map(|r| r.1).sum();
                let end = 0.05 + (next() % 100) as f64 / 1000.0;
                row.iter_mut().for_each(|r| r.1 *= (1.0 - end) / stay);
                row.push((CONV, end * 0.3));
                row.push((NULL, end * 0.7));
                row
            })
            .collect();
        chain(&[(0, 0.5), (1, 0.3), (2, 0.2)], &rows)
    }

    /// `Q` of `chain` as the sparse rows [`visits_from`] takes.
    fn q_rows(chain: &Chain) -> Vec<Vec<(usize, f64)>> {
        let n = chain.n_states();
        (0..n)
            .map(|s| {
                let (targets, probs) = chain.row(s as StateId);
                targets
                    .iter()
                    .zip(probs)
                    .filter(|(t, _)| (**t as usize) < n)
                    .map(|(&t, &p)| (t as usize, p))
                    .collect()
            })
            .collect()
    }

    fn assert_close(actual: &[f64], expected: &[f64], relative: f64, what: &str) {
        assert_eq!(actual.len(), expected.len(), "{what}");
        for (s, (a, e)) in actual.iter().zip(expected).enumerate() {
            assert!(
                (a - e).abs() <= relative * e.abs().max(f64::MIN_POSITIVE),
                "{what}[{s}]: {a} vs {e}"
            );
        }
    }

    #[test]
    fn absorption_of_a_hand_computed_chain_on_both_paths() {
        // h(a) = 0.5 h(b), h(b) = 0.4 + 0.2 h(a): h(a) = 0.2 / 0.9, h(b) = 0.4 / 0.9. Values
        // are 10 times as much at b (value 2 per conversion there).
        let chain = two_states();
        for limit in [DENSE, SPARSE] {
            let [h, value] = absorption_with_limit(&chain, None, limit).unwrap();
            assert_close(&h, &[0.2 / 0.9, 0.4 / 0.9], 1e-14, "h");
            assert_close(&value, &[0.4 / 0.9, 0.8 / 0.9], 1e-14, "value");
            // a removed: b converts at once or goes to a, which now ends in (null).
            let removed = [true, false];
            let [h, value] = absorption_with_limit(&chain, Some(&removed), limit).unwrap();
            assert_eq!(h, vec![0.0, 0.4]);
            assert_eq!(value, vec![0.0, 0.8]);
        }
        let a = absorb(&chain, None).unwrap();
        assert!((a.conversion_probability - 0.2 / 0.9).abs() < 1e-15);
        assert!((a.value_per_journey - 0.4 / 0.9).abs() < 1e-15);
    }

    #[test]
    fn expected_visits_of_a_hand_computed_chain_on_both_paths() {
        // v(a) = 1 + 0.2 v(b), v(b) = 0.5 v(a): v(a) = 1 / 0.9, v(b) = 0.5 / 0.9.
        let chain = two_states();
        for limit in [DENSE, SPARSE] {
            let v = visits_with_limit(&chain, limit).unwrap();
            assert_close(&v, &[1.0 / 0.9, 0.5 / 0.9], 1e-14, "visits");
        }
    }

    #[test]
    fn hitting_probabilities_of_a_hand_computed_chain_on_both_paths() {
        // Reaching b: from a only by the first step (0.5). Reaching a: from b with 0.2.
        let chain = two_states();
        for limit in [DENSE, SPARSE] {
            let h = hitting_with_limit(&chain, &[false, true], limit).unwrap();
            assert_close(&h, &[0.5, 1.0], 1e-14, "hit b");
            let h = hitting_with_limit(&chain, &[true, false], limit).unwrap();
            assert_close(&h, &[1.0, 0.2], 1e-14, "hit a");
            let h = hitting_with_limit(&chain, &[true, true], limit).unwrap();
            assert_eq!(h, vec![1.0, 1.0]);
        }
    }

    #[test]
    fn fundamental_matrix_rows_of_a_hand_computed_chain_on_both_paths() {
        // Q = [[0, 0.5], [0.2, 0]]: (I - Q)^-1 = [[1, 0.5], [0.2, 1]] / 0.9.
        let q = q_rows(&two_states());
        for limit in [DENSE, SPARSE] {
            let rows = visits_from_with_limit(&q, &[1, 0], limit).unwrap();
            assert_close(&rows[0], &[0.2 / 0.9, 1.0 / 0.9], 1e-14, "from b");
            assert_close(&rows[1], &[1.0 / 0.9, 0.5 / 0.9], 1e-14, "from a");
        }
        assert_eq!(visits_from(&[], &[]).unwrap(), Vec::<Vec<f64>>::new());
    }

    /// Dense LU and sweeps agree to 1e-12 relative on generated chains just below and just
    /// above [`DENSE_LIMIT`], for every solve, and the default takes dense below the limit and
    /// sweeps above it.
    #[test]
    fn dense_and_sparse_agree_on_both_sides_of_the_limit() {
        for n in [DENSE_LIMIT - 50, DENSE_LIMIT + 50] {
            let chain = generated(n);
            let dense_side = n <= DENSE_LIMIT;
            let pick = |dense: Vec<f64>, sparse: Vec<f64>, auto: Vec<f64>, what: &str| {
                assert_close(&sparse, &dense, 1e-12, what);
                assert_eq!(auto, if dense_side { dense } else { sparse }, "{what}");
            };
            let removed: Vec<bool> = (0..n).map(|s| s % 7 == 3).collect();
            for mask in [None, Some(removed.as_slice())] {
                let dense = absorption_with_limit(&chain, mask, DENSE).unwrap();
                let sparse = absorption_with_limit(&chain, mask, SPARSE).unwrap();
                let auto = absorption_by_state(&chain, mask).unwrap();
                for k in 0..2 {
                    pick(
                        dense[k].clone(),
                        sparse[k].clone(),
                        auto[k].clone(),
                        "absorption",
                    );
                }
            }
            let dense = visits_with_limit(&chain, DENSE).unwrap();
            let sparse = visits_with_limit(&chain, SPARSE).unwrap();
            pick(dense, sparse, expected_visits(&chain).unwrap(), "visits");
            let target: Vec<bool> = (0..n).map(|s| s % 11 == 5).collect();
            let dense = hitting_with_limit(&chain, &target, DENSE).unwrap();
            let sparse = hitting_with_limit(&chain, &target, SPARSE).unwrap();
            let auto = hitting_probabilities(&chain, &target).unwrap();
            pick(dense, sparse, auto, "hitting");
            let q = q_rows(&chain);
            let starts = [0, n / 2, n - 1];
            let dense = visits_from_with_limit(&q, &starts, DENSE).unwrap();
            let sparse = visits_from_with_limit(&q, &starts, SPARSE).unwrap();
            let auto = visits_from(&q, &starts).unwrap();
            for k in 0..starts.len() {
                pick(
                    dense[k].clone(),
                    sparse[k].clone(),
                    auto[k].clone(),
                    "visits_from",
                );
            }
        }
    }

    #[test]
    fn visits_from_each_start_mix_into_the_expected_visits() {
        // v = p0 (I - Q)^-1 is the entry-weighted sum of the fundamental matrix's rows.
        let chain = generated(DENSE_LIMIT + 50);
        let starts: Vec<usize> = chain.entry().iter().map(|e| e.0 as usize).collect();
        for limit in [DENSE, SPARSE] {
            let rows = visits_from_with_limit(&q_rows(&chain), &starts, limit).unwrap();
            let mixed: Vec<f64> = (0..chain.n_states())
                .map(|j| {
                    chain
                        .entry()
                        .iter()
                        .zip(&rows)
                        .map(|(e, r)| e.1 * r[j])
                        .sum()
                })
                .collect();
            let v = visits_with_limit(&chain, limit).unwrap();
            assert_close(&mixed, &v, 1e-12, "mixed rows");
        }
    }

    /// Journeys loop at `a` for about 10,000 steps (rho = 1 - 1e-4): each sweep changes the
    /// iterate by little long before it is close, so a stop at "change <= 1e-13 of the scale"
    /// is off by about 1e-9, while the contraction-rate rule is right to 1e-12.
    #[test]
    fn slow_mixing_chain_is_not_stopped_early() {
        let eps = 1e-4;
        // a -> a 1 - eps, a -> b eps/2, a -> null eps/2; b -> conversion.
        let chain = chain(
            &[(0, 1.0)],
            &[
                vec![(0, 1.0 - eps), (1, eps / 2.0), (NULL, eps / 2.0)],
                vec![(CONV, 1.0)],
            ],
        );
        // The naive rule on h(a) = eps/2 + (1 - eps) h(a), from 0.
        let mut naive = 0.0f64;
        loop {
            let next = eps / 2.0 + (1.0 - eps) * naive;
            let delta = (next - naive).abs();
            naive = next;
            if delta <= 1e-13 * naive.abs() {
                break;
            }
        }
        assert!((naive - 0.5).abs() > 1e-10, "naive stop at {naive}");

        let [h, _] = absorption_with_limit(&chain, None, SPARSE).unwrap();
        assert_close(&h, &[0.5, 1.0], 1e-12, "absorption");
        let v = visits_with_limit(&chain, SPARSE).unwrap();
        assert_close(&v, &[1.0 / eps, 0.5], 1e-12, "visits");
        let h = hitting_with_limit(&chain, &[false, true], SPARSE).unwrap();
        assert_close(&h, &[0.5, 1.0], 1e-12, "hitting");
        let rows = visits_from_with_limit(&q_rows(&chain), &[0], SPARSE).unwrap();
        assert_close(&rows[0], &[1.0 / eps, 0.5], 1e-12, "visits_from");
    }

    /// 400 states in cycles of 8 where every state loops back to itself with probability
    /// 1 - 1e-6 and leaves rarely (to the next in its cycle, to another state, converts, drops
    /// out). The sweeps contract at about 1 - 1e-6 per sweep and cannot converge in
    /// `MAX_SWEEPS`; the solve falls back to a direct one and agrees with dense LU.
    #[test]
    fn slow_mixing_cycles_above_the_dense_limit_are_solved() {
        let n = 400;
        assert!(n > DENSE_LIMIT);
        let eps = 1e-6;
        let rows: Vec<Vec<(usize, f64)>> = (0..n)
            .map(|i| {
                let next = i / 8 * 8 + (i + 1) % 8;
                let other = (i * 37 + 11) % n;
                let mut row = vec![(i, 1.0 - eps), (next, 0.4 * eps)];
                if other == i || other == next {
                    row[1].1 += 0.3 * eps;
                } else {
                    row.push((other, 0.3 * eps));
                }
                row.push((CONV, 0.1 * eps));
                row.push((NULL, 0.2 * eps));
                row
            })
            .collect();
        let chain = chain(&[(0, 0.6), (9, 0.4)], &rows);

        // The sweeps see early that they cannot finish, rather than after a million sweeps.
        let b = [vec![1.0; n]];
        let order: Vec<usize> = (0..n).collect();
        match sweep(&ChainRows(&chain), &b, &order) {
            Sweeps::TooSlow { rate, sweeps } => {
                assert!(sweeps < SETTLE_SWEEPS + 2 * SLOW_STREAK, "{sweeps}");
                assert!(rate > 1.0 - 1e-5 && rate < 1.0, "{rate}");
            }
            Sweeps::Converged(_) => panic!("the sweeps cannot converge here"),
        }

        let [h, value] = absorption_by_state(&chain, None).unwrap();
        let [h_lu, value_lu] = absorption_with_limit(&chain, None, DENSE).unwrap();
        assert_close(&h, &h_lu, 1e-9, "absorption");
        assert_close(&value, &value_lu, 1e-9, "value");
        let exact = absorb(&chain, None).unwrap();
        assert!(exact.conversion_probability.is_finite() && exact.conversion_probability > 0.0);

        let mut removed = vec![false; n];
        removed[3] = true;
        removed[200] = true;
        let [h, _] = absorption_by_state(&chain, Some(&removed)).unwrap();
        let [h_lu, _] = absorption_with_limit(&chain, Some(&removed), DENSE).unwrap();
        assert_close(&h, &h_lu, 1e-9, "absorption with states removed");

        let v = expected_visits(&chain).unwrap();
        let v_lu = visits_with_limit(&chain, DENSE).unwrap();
        assert_close(&v, &v_lu, 1e-9, "visits");

        let target: Vec<bool> = (0..n).map(|s| s % 50 == 7).collect();
        let h = hitting_probabilities(&chain, &target).unwrap();
        let h_lu = hitting_with_limit(&chain, &target, DENSE).unwrap();
        assert_close(&h, &h_lu, 1e-9, "hitting");

        let q = q_rows(&chain);
        let rows = visits_from(&q, &[0, 9]).unwrap();
        let rows_lu = visits_from_with_limit(&q, &[0, 9], DENSE).unwrap();
        for (r, r_lu) in rows.iter().zip(&rows_lu) {
            assert_close(r, r_lu, 1e-9, "visits_from");
        }
    }

    /// A chain whose journeys almost never end and that is too large for the direct solve is
    /// refused as bad input (exit 2) with the reason, after a few sweeps.
    #[test]
    fn slow_mixing_chain_too_large_for_a_direct_solve_is_refused_as_bad_input() {
        let n = DIRECT_LIMIT + 1;
        let eps = 1e-6;
        let rows: Vec<Vec<(usize, f64)>> = (0..n)
            .map(|i| {
                vec![
                    (i, 1.0 - eps),
                    ((i + 1) % n, 0.5 * eps),
                    (CONV, 0.2 * eps),
                    (NULL, 0.3 * eps),
                ]
            })
            .collect();
        let chain = chain(&[(0, 1.0)], &rows);
        let err = absorb(&chain, None).unwrap_err();
        assert_eq!(err.exit_code(), 2, "{err}");
        let text = err.to_string();
        assert!(text.contains("journeys almost never end"), "{text}");
        assert!(text.contains(&format!("{n} states")), "{text}");
    }

    /// The dense and the sweeping solvers agree on the reference data at order 2 (hundreds of
    /// states, many loops), with and without a channel removed.
    #[test]
    fn dense_and_sparse_agree_on_the_reference_data_at_order_2() {
        let text = include_str!("../../../tests/data/paths_10k.csv");
        let parsed: Vec<(Vec<&str>, [f64; 3])> = text
            .lines()
            .skip(1)
            .map(|line| {
                let f: Vec<&str> = line.split(',').collect();
                let number = |i: usize| f[i].parse::<f64>().unwrap();
                (
                    f[0].split(" > ").collect(),
                    [number(1), number(2), number(3)],
                )
            })
            .collect();
        let rows: Vec<(&[&str], f64, f64, f64)> = parsed
            .iter()
            .map(|(path, [c, v, n])| (path.as_slice(), *c, *v, *n))
            .collect();
        let fitted = fit_paths(
            MemoryPaths::new("paths_10k.csv", &rows),
            FitOptions::order(2),
            |_| {},
        )
        .unwrap();
        let chain = &fitted.chain;
        assert!(chain.n_states() > 100, "{}", chain.n_states());
        let removed = chain.states_containing(0);
        for mask in [None, Some(removed.as_slice())] {
            let dense = absorption_with_limit(chain, mask, DENSE).unwrap();
            let sweeps = absorption_with_limit(chain, mask, SPARSE).unwrap();
            for k in 0..2 {
                for (d, s) in dense[k].iter().zip(&sweeps[k]) {
                    assert!((d - s).abs() <= 1e-10 * d.abs().max(1.0), "{d} vs {s}");
                }
            }
        }
        assert!(absorb(chain, None).unwrap().conversion_probability > 0.0);
    }
}
