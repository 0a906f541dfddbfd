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
use crate::progress::{self, Counter, Task};
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
    removal_effects_with_progress(chain, &progress::ignore)
}

/// [`removal_effects`], reporting each channel solved to `progress` (one solve per channel:
/// the long loop on data with many channels).
pub fn removal_effects_with_progress(
    chain: &Chain,
    progress: progress::Report<'_>,
) -> Result<RemovalEffects> {
    let base = absorb(chain, None)?;
    let channels = chain.channels().len();
    let counter = Counter::new(progress, Task::RemovalEffects, channels as u64);
    let effects = (0..channels as ChannelId)
        .into_par_iter()
        .map(|c| {
            let removed = chain.states_containing(c);
            let without = absorb(chain, Some(&removed))?;
            counter.add(1);
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

/// Removal effects of a mixture of chains (personas, segments) that share one channel table:
/// each journey belongs to component `i` with probability `share_i / sum of shares` and walks its
/// chain. P(conversion) and value are share-weighted, and so is P(conversion without c), so the
/// removal effect is `1 - sum_i w_i P_i(conv | c removed) / sum_i w_i P_i(conv)`, which is again
/// P(a converting journey visits c). A mixture of Markov chains is not itself a Markov chain, so
/// this cannot come from one merged chain.
pub fn mixture_removal_effects(components: &[(f64, &Chain)]) -> Result<RemovalEffects> {
    if let [(_, chain)] = components {
        return removal_effects(chain);
    }
    let total: f64 = components.iter().map(|c| c.0).sum();
    let channels = components.first().map_or(0, |c| c.1.channels().len());
    let mut base = Absorption {
        conversion_probability: 0.0,
        value_per_journey: 0.0,
    };
    let mut without = vec![(0.0, 0.0); channels];
    for &(share, chain) in components {
        let w = if total > 0.0 { share / total } else { 0.0 };
        let own = removal_effects(chain)?;
        base.conversion_probability += w * own.base.conversion_probability;
        base.value_per_journey += w * own.base.value_per_journey;
        for (c, slot) in without.iter_mut().enumerate() {
            // Each component's own absorption without c, recovered from its removal effect.
            let e = own.effects.get(c).copied().unwrap_or(RemovalEffect {
                conversions: 0.0,
                value: 0.0,
            });
            slot.0 += w * own.base.conversion_probability * (1.0 - e.conversions);
            slot.1 += w * own.base.value_per_journey * (1.0 - e.value);
        }
    }
    let effects = without
        .iter()
        .map(|&(p, v)| RemovalEffect {
            conversions: lost_share(base.conversion_probability, p),
            value: lost_share(base.value_per_journey, v),
        })
        .collect();
    Ok(RemovalEffects { base, effects })
}
