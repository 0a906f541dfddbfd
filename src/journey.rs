//! Channels and journeys.
//!
//! A channel (touchpoint) name is interned once into a dense [`ChannelId`] so that the hot paths
//! (fitting, solving, simulating) work on small integers. [`ChannelTable`] keeps the names in
//! first-seen order; reports sort by name.

use rustc_hash::FxHashMap;

/// Dense index of a channel in a [`ChannelTable`].
pub type ChannelId = u32;

/// The interned channel names of one data set or model.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChannelTable {
    names: Vec<String>,
    index: FxHashMap<String, ChannelId>,
}

impl ChannelTable {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// A table holding `names` in the given order (duplicates are interned once).
    pub fn from_names<I: IntoIterator<Item = S>, S: AsRef<str>>(names: I) -> Self {
        let mut table = Self::new();
        for name in names {
            table.intern(name.as_ref());
        }
        table
    }

    /// The id of `name`, adding it if it is new. Allocates only for new names.
    pub fn intern(&mut self, name: &str) -> ChannelId {
        if let Some(&id) = self.index.get(name) {
            return id;
        }
        let id = ChannelId::try_from(self.names.len()).expect("fewer than 2^32 channels");
        self.names.push(name.to_owned());
        self.index.insert(name.to_owned(), id);
        id
    }

    /// The id of `name`, if known.
    pub fn get(&self, name: &str) -> Option<ChannelId> {
        self.index.get(name).copied()
    }

    /// The name of channel `id`.
    pub fn name(&self, id: ChannelId) -> &str {
        &self.names[id as usize]
    }

    /// All names, indexed by id.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Number of channels.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// True when no channel is known.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Channel ids sorted by name: the order every report uses.
    pub fn sorted_ids(&self) -> Vec<ChannelId> {
        let mut ids: Vec<ChannelId> = (0..self.names.len() as ChannelId).collect();
        ids.sort_by(|&a, &b| self.names[a as usize].cmp(&self.names[b as usize]));
        ids
    }

    /// The names of `touches` joined by `" > "`, the way paths are written.
    pub fn format_path(&self, touches: &[ChannelId]) -> String {
        let names: Vec<&str> = touches.iter().map(|&c| self.name(c)).collect();
        names.join(" > ")
    }
}

/// One row of aggregated journeys: a path of touches and how often it ended each way.
///
/// Counts are `f64` because inputs may carry fractional weights; they are never truncated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PathRow<'a> {
    /// The touches in order, repeats included.
    pub touches: &'a [ChannelId],
    /// Journeys on this path that converted (a count or weight).
    pub conversions: f64,
    /// Total conversion value of those journeys.
    pub value: f64,
    /// Journeys on this path that ended without converting.
    pub nulls: f64,
}

impl PathRow<'_> {
    /// All journeys on this path, converting or not.
    pub fn journeys(&self) -> f64 {
        self.conversions + self.nulls
    }
}
