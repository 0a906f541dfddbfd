//! Exact results of an absorbing chain: the probability that a journey converts and its expected
//! conversion value, optionally with some states "removed" (sent straight to (null)).
//!
//! Both are solutions of the backward equations `h(s) = r(s) + sum_t P(s, t) h(t)` over the
//! transient states that are kept, with reward `r(s) = P(s -> conversion)` for the probability and
//! `r(s) = P(s -> conversion) * value_per_conversion(s)` for the value; the answer is
//! `sum_s entry(s) h(s)`.
//!
//! Chains of up to [`DENSE_LIMIT`] states are solved by dense LU (nalgebra). Larger ones (order 3
//! and 4 give thousands of states, and attribution needs one solve per channel) by Gauss-Seidel
//! sweeps over the sparse rows: each sweep costs O(transitions), states are swept deepest-first
//! (reverse breadth-first order from (start)) so that on acyclic parts one sweep suffices, and the
//! iteration stops when the remaining error, estimated from the observed contraction rate
//! `rho` as `delta * rho / (1 - rho)`, is below 1e-14 relative. For a substochastic matrix the
//! iterates from 0 rise monotonically to the solution, so the estimate is sound once `rho`
//! settles.

use nalgebra::DMatrix;

use crate::error::{Error, Result};
use crate::model::{Chain, StateId};

/// Chains with at most this many states are solved by dense LU.
pub const DENSE_LIMIT: usize = 300;

const RELATIVE_TOLERANCE: f64 = 1e-14;
const MAX_SWEEPS: usize = 1_000_000;

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
    let [h_conv, h_value] = solve(chain, removed, Method::Auto)?;
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

/// Which linear solver to use; [`Method::Auto`] picks by size. The others exist so tests can
/// check one against the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Dense LU up to [`DENSE_LIMIT`] states, Gauss-Seidel sweeps beyond.
    Auto,
    /// Dense LU whatever the size.
    Dense,
    /// Gauss-Seidel sweeps whatever the size.
    Sweeps,
}

/// Per-state solutions `[h_conversion, h_value]` (zero on removed states).
pub fn solve(chain: &Chain, removed: Option<&[bool]>, method: Method) -> Result<[Vec<f64>; 2]> {
    let n = chain.n_states();
    let kept = |s: usize| removed.is_none_or(|r| !r[s]);
    let mut rewards = [vec![0.0; n], vec![0.0; n]];
    for s in (0..n).filter(|&s| kept(s)) {
        let p = chain.conversion_probability_from(s as StateId);
        rewards[0][s] = p;
        rewards[1][s] = p * chain.value_per_conversion()[s];
    }
    let dense = match method {
        Method::Auto => n <= DENSE_LIMIT,
        Method::Dense => true,
        Method::Sweeps => false,
    };
    if dense {
        solve_dense(chain, &kept, &rewards)
    } else {
        solve_sweeps(chain, &kept, &rewards)
    }
}

fn solve_dense(
    chain: &Chain,
    kept: &dyn Fn(usize) -> bool,
    rewards: &[Vec<f64>; 2],
) -> Result<[Vec<f64>; 2]> {
    let n = chain.n_states();
    let index: Vec<usize> = (0..n).filter(|&s| kept(s)).collect();
    let mut position = vec![usize::MAX; n];
    for (i, &s) in index.iter().enumerate() {
        position[s] = i;
    }
    let m = index.len();
    if m == 0 {
        // Every state removed (a channel present in every state): nothing can convert, and
        // nalgebra cannot factor an empty matrix.
        return Ok([vec![0.0; n], vec![0.0; n]]);
    }
    let mut a = DMatrix::<f64>::identity(m, m);
    let mut b = DMatrix::<f64>::zeros(m, 2);
    for (i, &s) in index.iter().enumerate() {
        let (targets, probs) = chain.row(s as StateId);
        for (&t, &p) in targets.iter().zip(probs) {
            let t = t as usize;
            if t < n && position[t] != usize::MAX {
                a[(i, position[t])] -= p;
            }
        }
        b[(i, 0)] = rewards[0][s];
        b[(i, 1)] = rewards[1][s];
    }
    let x = a.lu().solve(&b).ok_or_else(|| {
        Error::Numerical("the chain is singular: some journeys can never end".into())
    })?;
    let mut out = [vec![0.0; n], vec![0.0; n]];
    for (i, &s) in index.iter().enumerate() {
        out[0][s] = x[(i, 0)];
        out[1][s] = x[(i, 1)];
    }
    Ok(out)
}

fn solve_sweeps(
    chain: &Chain,
    kept: &dyn Fn(usize) -> bool,
    rewards: &[Vec<f64>; 2],
) -> Result<[Vec<f64>; 2]> {
    let n = chain.n_states();
    // Deepest reachable states first; states (start) cannot reach come last, as they only feed
    // into the others.
    let reachable = chain.reachable_from_start();
    let mut is_reachable = vec![false; n];
    reachable
        .iter()
        .for_each(|&s| is_reachable[s as usize] = true);
    let order: Vec<usize> = reachable
        .iter()
        .rev()
        .map(|&s| s as usize)
        .chain((0..n).filter(|&s| !is_reachable[s]))
        .filter(|&s| kept(s))
        .collect();
    let mut h = [vec![0.0; n], vec![0.0; n]];
    // The last two sweeps' largest changes, per reward; the contraction rate is estimated from
    // both ratios (the larger), and only once both are finite.
    let mut deltas = [[f64::INFINITY; 2]; 2];
    for _ in 0..MAX_SWEEPS {
        let mut delta = [0.0f64; 2];
        for &s in &order {
            let (targets, probs) = chain.row(s as StateId);
            let mut sum = [rewards[0][s], rewards[1][s]];
            for (&t, &p) in targets.iter().zip(probs) {
                let t = t as usize;
                if t < n {
                    sum[0] += p * h[0][t];
                    sum[1] += p * h[1][t];
                }
            }
            for k in 0..2 {
                delta[k] = delta[k].max((sum[k] - h[k][s]).abs());
                h[k][s] = sum[k];
            }
        }
        let converged = (0..2).all(|k| {
            let scale = h[k].iter().fold(0.0f64, |m, v| m.max(v.abs()));
            if delta[k] == 0.0 {
                return true;
            }
            if !deltas[0][k].is_finite() {
                return false;
            }
            let rho = (delta[k] / deltas[1][k]).max(deltas[1][k] / deltas[0][k]);
            rho < 1.0 && delta[k] * rho / (1.0 - rho) <= RELATIVE_TOLERANCE * scale
        });
        if converged {
            return Ok(h);
        }
        deltas = [deltas[1], delta];
    }
    Err(Error::Numerical(format!(
        "Gauss-Seidel did not converge in {MAX_SWEEPS} sweeps: the chain has journeys that almost never end"
    )))
}
