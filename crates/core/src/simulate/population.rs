//! A population: several chains (personas, segments) with shares; each journey first draws its
//! component, then walks that component's chain. A single chain is a population of one, which
//! draws nothing extra, so its results are exactly those of the chain alone.
//!
//! Why a mixture rather than one merged chain: segments differ in how they move, not only in
//! where they start, and a mixture keeps each segment's own transition rows (the latent-class
//! view of journeys, e.g. Anderl et al. 2016 sec. 5 on heterogeneity). Per-channel statistics
//! add across components, so all components must share one channel numbering (the caller maps
//! each chain's channels onto a common [`crate::ChannelTable`] first).

use rand::Rng;

use super::alias::FlatAlias;
use super::sampler::Sampler;
use crate::error::{Error, Result};

/// Components `(share, sampler)` of a population, borrowed.
#[derive(Debug, Clone)]
pub struct Population<'a> {
    components: Vec<&'a Sampler>,
    /// One row over the components by share; `None` for a single component.
    pick: Option<FlatAlias>,
}

impl<'a> Population<'a> {
    /// The population of one chain.
    pub fn single(sampler: &'a Sampler) -> Self {
        Population {
            components: vec![sampler],
            pick: None,
        }
    }

    /// A mixture: `components[i].1` walks a share `components[i].0 / sum of shares` of the
    /// journeys. Shares must be finite, >= 0 and not all 0; every component must have the same
    /// number of channels.
    pub fn new(components: &[(f64, &'a Sampler)]) -> Result<Self> {
        let Some(first) = components.first() else {
            return Err(Error::Invalid(
                "a population needs at least one component".into(),
            ));
        };
        if let Some((share, _)) = components
            .iter()
            .find(|(s, _)| !(s.is_finite() && *s >= 0.0))
        {
            return Err(Error::Invalid(format!(
                "population share {share} must be a finite number >= 0"
            )));
        }
        if components.iter().all(|(s, _)| *s == 0.0) {
            return Err(Error::Invalid("population shares are all 0".into()));
        }
        let channels = first.1.n_channels();
        if components.iter().any(|(_, s)| s.n_channels() != channels) {
            return Err(Error::Invalid(
                "population components must share one channel table".into(),
            ));
        }
        let horizons = |s: &Sampler| s.clock.as_ref().map(|c| c.horizons.clone());
        if components
            .iter()
            .any(|(_, s)| horizons(s) != horizons(first.1))
        {
            return Err(Error::Invalid(
                "population components must all be timed, with the same horizons, or none".into(),
            ));
        }
        let shares: Vec<f64> = components.iter().map(|c| c.0).collect();
        let ids: Vec<u32> = (0..components.len() as u32).collect();
        Ok(Population {
            components: components.iter().map(|c| c.1).collect(),
            pick: (components.len() > 1).then(|| FlatAlias::new(&[(shares, ids)])),
        })
    }

    /// Number of channels of every component.
    pub fn n_channels(&self) -> usize {
        self.components[0].n_channels()
    }

    /// Mask words per state of every component (the widest).
    pub(crate) fn words(&self) -> usize {
        self.components.iter().map(|s| s.words).max().unwrap_or(1)
    }

    /// Whether converting walks are timed (every component is, or none).
    pub(crate) fn timed(&self) -> bool {
        self.components[0].is_timed()
    }

    /// The only component, when there is one.
    pub fn only(&self) -> Option<&'a Sampler> {
        match self.pick {
            None => Some(self.components[0]),
            Some(_) => None,
        }
    }

    /// The component the next journey walks; draws random bits only for a mixture.
    #[inline(always)]
    pub fn pick<R: Rng + ?Sized>(&self, rng: &mut R) -> &'a Sampler {
        match &self.pick {
            None => self.components[0],
            Some(table) => self.components[table.draw(0, rng.next_u64()) as usize],
        }
    }
}
