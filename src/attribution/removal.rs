//! Removal effects (Anderl, Becker, von Wangenheim and Schumann 2016), computed exactly.
//!
//! The removal effect of channel c is `1 - P(conversion | every state containing c goes to
//! (null)) / P(conversion)`: the share of conversions that would be lost without c. The value
//! removal effect is the same ratio for expected conversion value, which equals
//! `E[value x 1(the converting journey visits c)] / E[value]`. Credits share total conversions
//! (and total value) in proportion to the removal effects.
//!
//! Each channel needs one solve of the chain with its states removed; they are independent and
//! run in parallel, each result depending only on its own channel, so the output does not depend
//! on the thread count.

use rayon::prelude::*;

use crate::error::Result;
use crate::journey::ChannelId;
use crate::model::Chain;
use crate::solve::{Absorption, absorb};

/// Removal effect of one channel.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RemovalEffect {
    /// Share of P(conversion) lost when the channel is removed, in [0, 1].
    pub conversions: f64,
    /// Share of expected value lost when the channel is removed, in [0, 1].
    pub value: f64,
}

/// The chain's own absorption and every channel's removal effect (indexed by channel id).
#[derive(Debug, Clone, PartialEq)]
pub struct RemovalEffects {
    /// The intact chain.
    pub base: Absorption,
    /// One entry per channel id.
    pub effects: Vec<RemovalEffect>,
}

/// Computes every channel's removal effect.
pub fn removal_effects(chain: &Chain) -> Result<RemovalEffects> {
    let base = absorb(chain, None)?;
    let effects = (0..chain.channels.len() as ChannelId)
        .into_par_iter()
        .map(|c| {
            let removed = chain.states_containing(c);
            let without = absorb(chain, Some(&removed))?;
            Ok(RemovalEffect {
                conversions: lost_share(
                    base.conversion_probability,
                    without.conversion_probability,
                ),
                value: lost_share(base.value_per_journey, without.value_per_journey),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(RemovalEffects { base, effects })
}

/// `1 - without / base`, clamped to [0, 1] against rounding; 0 when there is nothing to lose.
fn lost_share(base: f64, without: f64) -> f64 {
    if base > 0.0 {
        (1.0 - without / base).clamp(0.0, 1.0)
    } else {
        0.0
    }
}

/// Shares `total` in proportion to `effects`; all zero when the effects sum to zero.
pub fn share(effects: impl Iterator<Item = f64> + Clone, total: f64) -> Vec<f64> {
    let sum: f64 = effects.clone().sum();
    effects
        .map(|e| if sum > 0.0 { e / sum * total } else { 0.0 })
        .collect()
}
