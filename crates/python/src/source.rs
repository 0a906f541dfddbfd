//! The data of a call: a frame's text read as aggregated paths, and the order in which its
//! channels first appear (ChannelAttribution lists channels in that order, journeysim by name).

use journeysim_core::Result;
use journeysim_core::journey::{ChannelId, ChannelTable, PathSource, ReadSummary, SourceRow};
use journeysim_io::frame;
use journeysim_io::paths::PathsFormat;

/// The paths columns of a call, by their names in the frame.
#[derive(Debug, Clone)]
pub struct PathColumns {
    /// Path column.
    pub path: String,
    /// Conversions column.
    pub conversions: String,
    /// Value column, if any.
    pub value: Option<String>,
    /// Non-converting counts column, if any.
    pub null: Option<String>,
    /// Separator between channels in a path.
    pub sep: String,
}

impl PathColumns {
    /// The reader's format: the named columns, each required when named.
    pub fn format(&self) -> PathsFormat {
        let defaults = PathsFormat::default();
        PathsFormat {
            path_col: self.path.clone(),
            conversions_col: self.conversions.clone(),
            value_required: self.value.is_some(),
            value_col: self.value.clone().unwrap_or(defaults.value_col),
            null_required: self.null.is_some(),
            null_col: self.null.clone().unwrap_or(defaults.null_col),
            delimiter: Some(b','),
            channel_sep: self.sep.clone(),
        }
    }

    /// The frame text read as paths, named `source` in messages.
    pub fn reader(&self, bytes: Vec<u8>, source: &str) -> impl PathSource + use<> {
        frame::paths_reader(bytes, source, &self.format())
    }
}

/// The channels in the order they first appear.
#[derive(Debug, Default, Clone)]
pub struct Appearance {
    /// Over every row read (rows without journeys included).
    pub all_rows: Vec<String>,
    /// Over the rows that carry journeys (handed on to the computation).
    pub used_rows: Vec<String>,
}

/// A source that records [`Appearance`] while it is read.
pub struct FirstSeen<'a, S> {
    inner: S,
    seen: &'a mut Appearance,
}

impl<'a, S> FirstSeen<'a, S> {
    /// Wraps `inner`, recording into `seen`.
    pub fn new(inner: S, seen: &'a mut Appearance) -> Self {
        FirstSeen { inner, seen }
    }
}

impl<S: PathSource> PathSource for FirstSeen<'_, S> {
    fn name(&self) -> &str {
        self.inner.name()
    }

    fn read(
        self,
        channels: &mut ChannelTable,
        visit: &mut dyn FnMut(&SourceRow<'_>),
    ) -> Result<(ReadSummary, Vec<String>)> {
        let mut marked: Vec<bool> = Vec::new();
        let mut used: Vec<ChannelId> = Vec::new();
        let read = self.inner.read(channels, &mut |row| {
            for &t in row.path.touches {
                let i = t as usize;
                if i >= marked.len() {
                    marked.resize(i + 1, false);
                }
                if !marked[i] {
                    marked[i] = true;
                    used.push(t);
                }
            }
            visit(row)
        })?;
        self.seen.all_rows = channels.names().to_vec();
        self.seen.used_rows = used.iter().map(|&t| channels.name(t).to_owned()).collect();
        Ok(read)
    }
}
