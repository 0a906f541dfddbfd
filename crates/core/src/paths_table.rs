//! The aggregated paths table of any source: one row per distinct path (and segment), with its
//! conversions, conversion value and non-converting journeys summed: what `journeysim aggregate`
//! writes and what `journeysim sql`'s query computes in a warehouse.
//!
//! Rows come out sorted by path text (bytes), then segment, and every sum is correctly rounded
//! ([`ExactSum`]), so the table does not depend on the order of the source's rows.
//!
//! A paths table keeps whole journeys and how they ended; it has no place for a journey still
//! in progress or for touches whose exit is censored ([`crate::journey::PathRow::censored`]),
//! which need each touch's time. A source giving such rows is an error: read the event log
//! with open journeys counted as nulls, or fit from the log itself.
//!
//! ```
//! use journeysim_core::journey::MemoryPaths;
//! use journeysim_core::paths_table::paths_table;
//!
//! let rows = [
//!     (&["b"][..], 1.0, 5.0, 0.0),
//!     (&["a", "b"][..], 0.0, 0.0, 1.0),
//!     (&["b"][..], 2.0, 1.5, 0.0),
//! ];
//! let table = paths_table(MemoryPaths::new("example", &rows))?;
//! assert_eq!(table.rows[0].path, "a > b");
//! assert_eq!((table.rows[1].conversions, table.rows[1].value), (3.0, 6.5));
//! # Ok::<(), journeysim_core::Error>(())
//! ```

use rustc_hash::FxHashMap;

use crate::error::{Error, Location, Result};
use crate::exact_sum::ExactSum;
use crate::journey::{ChannelId, ChannelTable, PathSource, ReadSummary};
use crate::row_order::Canonical;

/// One distinct path (of one segment) and its totals.
#[derive(Debug, Clone, PartialEq)]
pub struct PathsTableRow {
    /// Channels joined by `" > "`.
    pub path: String,
    /// The segment, when the source has a segment column.
    pub segment: Option<String>,
    /// Converting journeys (conversion counts summed).
    pub conversions: f64,
    /// Their conversion value.
    pub value: f64,
    /// Journeys that ended without converting.
    pub nulls: f64,
}

/// The table of distinct paths of a source.
#[derive(Debug, Clone, PartialEq)]
pub struct PathsTable {
    /// Rows sorted by path (bytes), then segment.
    pub rows: Vec<PathsTableRow>,
    /// Whether the source had a segment column (each row then has its segment).
    pub segmented: bool,
    /// What was read.
    pub summary: ReadSummary,
    /// The source's warnings about its data.
    pub warnings: Vec<String>,
}

/// Sums of one key.
#[derive(Default)]
struct Totals {
    conversions: ExactSum,
    value: ExactSum,
    nulls: ExactSum,
}

/// Reads `source` (in canonical order, ages dropped) and sums its journeys by path and segment.
pub fn paths_table(source: impl PathSource) -> Result<PathsTable> {
    let mut channels = ChannelTable::new();
    let mut by_key: FxHashMap<(Vec<ChannelId>, Option<String>), Totals> = FxHashMap::default();
    let mut segmented = false;
    let mut censored = false;
    let name = source.name().to_owned();
    let (summary, warnings) =
        Canonical::new(source)
            .without_ages()
            .read(&mut channels, &mut |row| {
                segmented |= row.segment.is_some();
                censored |= row.path.censored > 0;
                let key = (row.path.touches.to_vec(), row.segment.map(str::to_owned));
                let totals = by_key.entry(key).or_default();
                totals.conversions.add(row.path.conversions);
                totals.value.add(row.path.value);
                totals.nulls.add(row.path.nulls);
            })?;
    if censored {
        return Err(Error::input(
            Location::file(&name),
            "a paths table cannot hold journeys whose exits are censored (still in progress when \
             the data end); read the log with open journeys counted as nulls",
        ));
    }
    let mut rows: Vec<PathsTableRow> = by_key
        .into_iter()
        .map(|((touches, segment), t)| PathsTableRow {
            path: channels.format_path(&touches),
            segment,
            conversions: t.conversions.value(),
            value: t.value.value(),
            nulls: t.nulls.value(),
        })
        .collect();
    rows.sort_by(|a, b| a.path.cmp(&b.path).then_with(|| a.segment.cmp(&b.segment)));
    Ok(PathsTable {
        rows,
        segmented,
        summary,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journey::MemoryPaths;

    #[test]
    fn rows_of_one_path_merge_and_sort_by_bytes_whatever_their_order() {
        let rows = [
            (&["é"][..], 1.0, 0.1, 0.0),
            (&["b", "a"][..], 0.0, 0.0, 2.0),
            (&["Z"][..], 1.0, 0.2, 1.0),
            (&["é"][..], 2.0, 0.2, 0.0),
        ];
        let mut reversed = rows;
        reversed.reverse();
        let table = paths_table(MemoryPaths::new("t", &rows)).unwrap();
        assert_eq!(
            table,
            paths_table(MemoryPaths::new("t", &reversed)).unwrap()
        );
        let paths: Vec<&str> = table.rows.iter().map(|r| r.path.as_str()).collect();
        assert_eq!(paths, ["Z", "b > a", "é"]);
        let e = &table.rows[2];
        assert_eq!((e.conversions, e.value, e.nulls), (3.0, 0.1 + 0.2, 0.0));
        assert!(!table.segmented);
    }
}
