//! Channels and journeys.
//!
//! A channel (touchpoint) name is interned once into a dense [`ChannelId`] so that the hot paths
//! (fitting, solving, simulating) work on small integers. [`ChannelTable`] keeps the names in
//! first-seen order; reports sort by name.

use rustc_hash::FxHashMap;

use crate::error::{Error, Location, Result};

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

/// What a journey still in progress when an event log ends counts as (`journeysim_io::events`
/// explains the rule and why).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpenJourneys {
    /// Exits of visits that began less than the inactivity window before the end are censored;
    /// open journeys are neither conversions nor nulls ([`PathRow::censored`]).
    #[default]
    Censor,
    /// Every journey is taken as ended at the end of the data: an open one is a null.
    Null,
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
    /// Journeys on this path still in progress when the data end: neither converted nor ended
    /// (an event log read with open journeys censored). Their last touch's exit is not known,
    /// so `censored >= 1` whenever `open > 0`.
    pub open: f64,
    /// How many of the last touches began too close to the end of the data for their exit (the
    /// next touch, the conversion or silence) to be known: a chain is fitted from the touches up
    /// to the first of them and learns no exit from it or after it
    /// ([`chain_touches`](Self::chain_touches)). 0 for every journey whose exits are all known
    /// (every row of a paths file). A row with censored touches has no nulls: a journey known
    /// to have ended in silence had its last exit seen.
    pub censored: usize,
}

impl PathRow<'_> {
    /// All journeys on this path: converted, ended without converting, or still open.
    pub fn journeys(&self) -> f64 {
        self.conversions + self.nulls + self.open
    }

    /// A row of `touches` with every exit known (no open journeys, nothing censored).
    pub fn whole<'t>(
        touches: &'t [ChannelId],
        conversions: f64,
        value: f64,
        nulls: f64,
    ) -> PathRow<'t> {
        PathRow {
            touches,
            conversions,
            value,
            nulls,
            open: 0.0,
            censored: 0,
        }
    }

    /// The touches a chain learns from, and whether the journey's end (conversion or null) is
    /// known: all of them and `true` without censoring; else the touches up to and including
    /// the first censored one (the transition into it was seen, nothing after it) and `false`.
    pub fn chain_touches(&self) -> (&[ChannelId], bool) {
        if self.censored == 0 {
            (self.touches, true)
        } else {
            let known = self.touches.len().saturating_sub(self.censored);
            (&self.touches[..(known + 1).min(self.touches.len())], false)
        }
    }
}

/// Totals over everything read, including what was skipped.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ReadSummary {
    /// Data rows read (header excluded).
    pub rows: u64,
    /// Rows with zero conversions and zero nulls: they carry no journey and are skipped.
    pub skipped_rows: u64,
    /// Rows with value but no conversions: the value cannot be attached and is ignored.
    pub value_without_conversions_rows: u64,
    /// Sum of conversions over used rows.
    pub conversions: f64,
    /// Sum of conversion value over used rows with conversions.
    pub value: f64,
    /// Sum of non-converting journeys over used rows.
    pub nulls: f64,
    /// Journeys still in progress when the data end, neither conversions nor nulls (an event
    /// log read with open journeys censored; see [`PathRow::open`]).
    pub open: f64,
    /// Touches whose exit was censored ([`PathRow::censored`], summed over journeys).
    pub censored_visits: f64,
    /// For an event log: how journeys still in progress at its end were counted, and how many
    /// there were (in `open` under [`OpenJourneys::Censor`], in `nulls` under
    /// [`OpenJourneys::Null`]).
    pub open_journeys: Option<(OpenJourneys, f64)>,
    /// Conversions that kept no touch (an event log's offline orders, or orders whose touches
    /// all fell outside the lookback): no method can credit them, so they are counted here and
    /// not in `conversions`, which every method shares out.
    pub unattributed_conversions: f64,
    /// The value of those conversions, likewise not in `value`.
    pub unattributed_value: f64,
}

impl ReadSummary {
    /// All journeys read: converted, ended without converting, or still open.
    pub fn journeys(&self) -> f64 {
        self.conversions + self.nulls + self.open
    }

    /// Fails, naming `source`, when a total passed the largest finite number: counts near
    /// `f64::MAX` add up to infinity, which no later figure can recover from (NaN credits, a
    /// `null` in JSON). Every reader calls this once its rows are read; infinity is sticky, so
    /// one check at the end sees an overflow anywhere.
    pub fn check_totals(&self, source: &str) -> Result<()> {
        let totals = [
            ("conversions", self.conversions),
            ("conversion value", self.value),
            ("nulls", self.nulls),
            ("open journeys", self.open),
            (
                if self.open > 0.0 {
                    "journeys (conversions + nulls + open journeys)"
                } else {
                    "journeys (conversions + nulls)"
                },
                self.journeys(),
            ),
            ("conversions without a touch", self.unattributed_conversions),
            (
                "value of conversions without a touch",
                self.unattributed_value,
            ),
        ];
        match totals.iter().find(|(_, total)| !total.is_finite()) {
            Some((name, _)) => Err(Error::input(
                Location::file(source),
                format!(
                    "the total of {name} over all rows passes {:e}, the largest number that can \
                     be added up; scale the counts down",
                    f64::MAX
                ),
            )),
            None => Ok(()),
        }
    }

    /// Human-readable warnings about what was skipped or is degenerate; empty when all is well.
    pub fn warnings(&self, source: &str) -> Vec<String> {
        let mut out = Vec::new();
        if self.skipped_rows > 0 {
            out.push(format!(
                "{source}: skipped {} row(s) with zero conversions and zero nulls",
                self.skipped_rows
            ));
        }
        if self.value_without_conversions_rows > 0 {
            out.push(format!(
                "{source}: ignored the value of {} row(s) that have value but no conversions",
                self.value_without_conversions_rows
            ));
        }
        if self.rows > self.skipped_rows && self.conversions == 0.0 {
            out.push(format!(
                "{source}: no conversions in the data; all credits are zero"
            ));
        }
        out
    }
}

/// One journey or row as a source hands it over: the path row, and what an event log adds: each
/// touch's age in days when the journey ended (for time decay) and the journey's segment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SourceRow<'a> {
    /// The touches and their outcome.
    pub path: PathRow<'a>,
    /// Age of each touch at the journey's end, in days, when the source knows times.
    pub ages_days: Option<&'a [f64]>,
    /// The journey's segment, when the source has a segment column.
    pub segment: Option<&'a str>,
}

/// A source of path rows: a paths file, an event log cut into journeys, generated data, rows held
/// in memory. Fitting, attribution, top paths and order selection read their data through it, so
/// they work the same on every source and never touch files themselves.
pub trait PathSource {
    /// The input's name, as messages show it.
    fn name(&self) -> &str;

    /// Interns the channels of every row into `channels` and hands each row that carries a
    /// journey to `visit`, once, in input order; returns the totals of what was read and the
    /// warnings about it (skipped rows, dropped touches). Totals that overflow are the source's
    /// error ([`ReadSummary::check_totals`], called once its rows are read), so no consumer
    /// ever sees an infinite total.
    fn read(
        self,
        channels: &mut ChannelTable,
        visit: &mut dyn FnMut(&SourceRow<'_>),
    ) -> Result<(ReadSummary, Vec<String>)>;
}

/// A source whose rows are shown to `inspect` as they are read, in the source's order and
/// numbering, before any merging: for sums that need what merging would have to keep (each
/// journey's touch ages, say) and that do not depend on the order of their terms.
pub struct Inspect<S, F> {
    /// The source.
    pub inner: S,
    /// What sees each row.
    pub inspect: F,
}

impl<S: PathSource, F: FnMut(&SourceRow<'_>)> PathSource for Inspect<S, F> {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn read(
        self,
        channels: &mut ChannelTable,
        visit: &mut dyn FnMut(&SourceRow<'_>),
    ) -> Result<(ReadSummary, Vec<String>)> {
        let mut inspect = self.inspect;
        self.inner.read(channels, &mut |row| {
            inspect(row);
            visit(row);
        })
    }
}

/// Paths held in memory, one `(channels, conversions, value, nulls)` tuple per row: the
/// [`PathSource`] of examples, tests and programs that build their rows themselves.
///
/// ```
/// use journeysim_core::journey::{ChannelTable, MemoryPaths, PathSource};
///
/// let rows = [(&["a", "b"][..], 1.0, 10.0, 0.0), (&["c"][..], 0.0, 0.0, 2.0)];
/// let mut channels = ChannelTable::new();
/// let mut touches = 0;
/// let (summary, warnings) = MemoryPaths::new("example", &rows)
///     .read(&mut channels, &mut |row| touches += row.path.touches.len())?;
/// assert_eq!((summary.conversions, summary.nulls, touches), (1.0, 2.0, 3));
/// assert_eq!(channels.names(), ["a", "b", "c"]);
/// assert!(warnings.is_empty());
/// # Ok::<(), journeysim_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct MemoryPaths<'a> {
    name: &'a str,
    rows: &'a [(&'a [&'a str], f64, f64, f64)],
}

impl<'a> MemoryPaths<'a> {
    /// The rows, named `name` in messages.
    pub fn new(name: &'a str, rows: &'a [(&'a [&'a str], f64, f64, f64)]) -> Self {
        MemoryPaths { name, rows }
    }
}

impl PathSource for MemoryPaths<'_> {
    fn name(&self) -> &str {
        self.name
    }

    fn read(
        self,
        channels: &mut ChannelTable,
        visit: &mut dyn FnMut(&SourceRow<'_>),
    ) -> Result<(ReadSummary, Vec<String>)> {
        let mut summary = ReadSummary::default();
        let mut touches = Vec::new();
        for &(names, conversions, value, nulls) in self.rows {
            summary.rows += 1;
            if conversions + nulls <= 0.0 {
                summary.skipped_rows += 1;
                continue;
            }
            let value = if conversions > 0.0 {
                value
            } else {
                if value != 0.0 {
                    summary.value_without_conversions_rows += 1;
                }
                0.0
            };
            touches.clear();
            touches.extend(names.iter().map(|n| channels.intern(n)));
            summary.conversions += conversions;
            summary.value += value;
            summary.nulls += nulls;
            visit(&SourceRow {
                path: PathRow::whole(&touches, conversions, value, nulls),
                ages_days: None,
                segment: None,
            });
        }
        summary.check_totals(self.name)?;
        Ok((summary, summary.warnings(self.name)))
    }
}
