//! Row order is not information: the same journeys, read in any order, give the same bytes out.
//!
//! Floating-point sums depend on the order of their terms, and so do the things numbered in
//! order of first appearance (channels, states), the rows a seeded stream draws for (bootstrap
//! weights, held-out folds) and the ties of every sort. Rather than make each of them
//! order-free, [`Canonical`] fixes the order at the one place rows enter: it reads every row of
//! a [`PathSource`], numbers the channels in name (byte) order, and hands the rows on in an order
//! decided by their content alone, so everything downstream sees one sequence whatever the
//! file's order. The totals of the summary are summed again in that order.
//!
//! The order is by a 64-bit hash of each row's content (touches, counts, ages, segment), ties
//! broken by the content itself: it is cheaper than sorting paths by name and just as fixed.
//! Identical rows are interchangeable, so their relative order does not matter.
//!
//! **Memory**: one record per row (about 40 bytes plus 4 per touch, 8 more per touch for rows
//! with ages), which for aggregated paths is the size of the distinct-paths table.
//!
//! ```
//! use journeysim_core::journey::{ChannelTable, MemoryPaths, PathSource};
//! use journeysim_core::row_order::Canonical;
//!
//! // Visited rows (touches by channel name) and the total value, read in canonical order.
//! fn read(rows: &[(&[&str], f64, f64, f64)]) -> (Vec<String>, Vec<String>, f64) {
//!     let mut channels = ChannelTable::new();
//!     let mut seen = Vec::new();
//!     let (summary, _) = Canonical::new(MemoryPaths::new("example", rows))
//!         .read(&mut channels, &mut |row| seen.push(format!("{:?}", row.path.touches)))
//!         .unwrap();
//!     (channels.names().to_vec(), seen, summary.value)
//! }
//! let rows = [(&["b", "a"][..], 1.0, 0.1, 0.0), (&["c"][..], 1.0, 0.2, 2.0), (&["a"][..], 1.0, 0.3, 0.0)];
//! let mut reversed = rows;
//! reversed.reverse();
//! // Channels are numbered in name order, and rows and sums come out the same either way.
//! assert_eq!(read(&rows).0, ["a", "b", "c"]);
//! assert_eq!(read(&rows), read(&reversed));
//! ```

use std::cmp::Ordering;
use std::hash::Hasher;
use std::ops::Range;

use rustc_hash::{FxHashMap, FxHasher};

use crate::error::Result;
use crate::journey::{ChannelId, ChannelTable, PathRow, PathSource, ReadSummary, SourceRow};

/// A [`PathSource`] that hands on the rows of `S` in an order fixed by their content, with
/// channels numbered in name order (see the module documentation).
#[derive(Debug, Clone)]
pub struct Canonical<S> {
    inner: S,
}

impl<S: PathSource> Canonical<S> {
    /// `inner`, read in canonical order.
    pub fn new(inner: S) -> Self {
        Canonical { inner }
    }
}

impl<S: PathSource> PathSource for Canonical<S> {
    fn name(&self) -> &str {
        self.inner.name()
    }

    /// Reads every row of the inner source first, then interns its channels into `channels` in
    /// name order and visits the rows in canonical order. The summary's conversions, value and
    /// nulls are summed again in that order; its other fields and the warnings are the inner
    /// source's.
    fn read(
        self,
        channels: &mut ChannelTable,
        visit: &mut dyn FnMut(&SourceRow<'_>),
    ) -> Result<(ReadSummary, Vec<String>)> {
        let name = self.inner.name().to_owned();
        let mut own = ChannelTable::new();
        let mut rows = Rows::default();
        let (mut summary, warnings) = self.inner.read(&mut own, &mut |row| rows.push(row))?;
        let mut renumber = vec![0; own.len()];
        for id in own.sorted_ids() {
            renumber[id as usize] = channels.intern(own.name(id));
        }
        for touch in &mut rows.touches {
            *touch = renumber[*touch as usize];
        }
        let (mut conversions, mut value, mut nulls) = (0.0, 0.0, 0.0);
        for r in rows.canonical_order() {
            let row = rows.get(r);
            conversions += row.path.conversions;
            value += row.path.value;
            nulls += row.path.nulls;
            visit(&row);
        }
        summary.conversions = conversions;
        summary.value = value;
        summary.nulls = nulls;
        summary.check_totals(&name)?;
        Ok((summary, warnings))
    }
}

/// One buffered row; its touches and ages live in the shared arenas of [`Rows`].
#[derive(Debug, Clone)]
struct Record {
    touches: Range<usize>,
    /// Start of its ages in [`Rows::ages`] (same length as the touches), if it has ages.
    ages: Option<usize>,
    conversions: f64,
    value: f64,
    nulls: f64,
    /// Index into [`Rows::segments`], if it has a segment.
    segment: Option<u32>,
}

/// Every row of a source, in arenas.
#[derive(Debug, Default)]
struct Rows {
    records: Vec<Record>,
    touches: Vec<ChannelId>,
    ages: Vec<f64>,
    segments: Vec<String>,
    segment_index: FxHashMap<String, u32>,
}

impl Rows {
    fn push(&mut self, row: &SourceRow<'_>) {
        let start = self.touches.len();
        self.touches.extend_from_slice(row.path.touches);
        let ages = row.ages_days.map(|ages| {
            let at = self.ages.len();
            self.ages.extend_from_slice(ages);
            at
        });
        let segment = row.segment.map(|s| match self.segment_index.get(s) {
            Some(&id) => id,
            None => {
                let id = self.segments.len() as u32;
                self.segments.push(s.to_owned());
                self.segment_index.insert(s.to_owned(), id);
                id
            }
        });
        self.records.push(Record {
            touches: start..self.touches.len(),
            ages,
            conversions: row.path.conversions,
            value: row.path.value,
            nulls: row.path.nulls,
            segment,
        });
    }

    fn get(&self, r: usize) -> SourceRow<'_> {
        let record = &self.records[r];
        SourceRow {
            path: PathRow {
                touches: &self.touches[record.touches.clone()],
                conversions: record.conversions,
                value: record.value,
                nulls: record.nulls,
            },
            ages_days: record
                .ages
                .map(|at| &self.ages[at..at + record.touches.len()]),
            segment: record.segment.map(|s| self.segments[s as usize].as_str()),
        }
    }

    /// Row indices in canonical order: by content hash, then by content.
    fn canonical_order(&self) -> Vec<usize> {
        let mut keyed: Vec<(u64, usize)> = (0..self.records.len())
            .map(|r| (self.content_hash(r), r))
            .collect();
        keyed.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| self.compare(a.1, b.1)));
        keyed.into_iter().map(|(_, r)| r).collect()
    }

    fn content_hash(&self, r: usize) -> u64 {
        let row = self.get(r);
        let mut hasher = FxHasher::default();
        hasher.write_usize(row.path.touches.len());
        for &touch in row.path.touches {
            hasher.write_u32(touch);
        }
        for x in [row.path.conversions, row.path.value, row.path.nulls] {
            hasher.write_u64(x.to_bits());
        }
        if let Some(ages) = row.ages_days {
            hasher.write_u8(1);
            for age in ages {
                hasher.write_u64(age.to_bits());
            }
        }
        if let Some(segment) = row.segment {
            hasher.write_u8(2);
            hasher.write(segment.as_bytes());
        }
        hasher.finish()
    }

    /// A total order on row content (floats by their bits, so it is total).
    fn compare(&self, a: usize, b: usize) -> Ordering {
        let (a, b) = (self.get(a), self.get(b));
        let bits = |row: &SourceRow<'_>| {
            [row.path.conversions, row.path.value, row.path.nulls].map(f64::to_bits)
        };
        a.path
            .touches
            .cmp(b.path.touches)
            .then_with(|| bits(&a).cmp(&bits(&b)))
            .then_with(|| match (a.ages_days, b.ages_days) {
                (Some(x), Some(y)) => x
                    .iter()
                    .map(|t| t.to_bits())
                    .cmp(y.iter().map(|t| t.to_bits())),
                (x, y) => x.is_some().cmp(&y.is_some()),
            })
            .then_with(|| a.segment.cmp(&b.segment))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journey::MemoryPaths;

    type Row<'a> = (&'a [&'a str], f64, f64, f64);

    /// Channel names and rows as visited, and the summary, for `rows` read canonically.
    fn read(rows: &[Row<'_>]) -> (Vec<String>, Vec<String>, ReadSummary) {
        let mut channels = ChannelTable::new();
        let mut seen = Vec::new();
        let (summary, _) = Canonical::new(MemoryPaths::new("test", rows))
            .read(&mut channels, &mut |row| {
                seen.push(format!(
                    "{:?} {} {} {}",
                    row.path.touches, row.path.conversions, row.path.value, row.path.nulls
                ))
            })
            .unwrap();
        (channels.names().to_vec(), seen, summary)
    }

    #[test]
    fn every_permutation_of_the_rows_reads_the_same() {
        // Values whose floating-point sum depends on the order of addition.
        let rows: [Row<'_>; 4] = [
            (&["x", "a"], 1.0, 0.1, 0.0),
            (&["b"], 1.0, 0.2, 3.0),
            (&["a", "b", "a"], 2.0, 0.3, 1.0),
            (&["b"], 1.0, 0.6, 0.0),
        ];
        assert_ne!(
            (0.1 + 0.2 + 0.3 + 0.6_f64).to_bits(),
            (0.6 + 0.3 + 0.2 + 0.1_f64).to_bits(),
            "the values must be order-sensitive for this test to mean anything"
        );
        let expected = read(&rows);
        assert_eq!(expected.0, ["a", "b", "x"]);
        let mut permutation = rows;
        // All 24 orders, by Heap's algorithm.
        let mut c = [0usize; 4];
        let mut i = 1;
        while i < 4 {
            if c[i] < i {
                permutation.swap(if i % 2 == 0 { 0 } else { c[i] }, i);
                let got = read(&permutation);
                assert_eq!(got.0, expected.0);
                assert_eq!(got.1, expected.1);
                assert_eq!(got.2.value.to_bits(), expected.2.value.to_bits());
                c[i] += 1;
                i = 1;
            } else {
                c[i] = 0;
                i += 1;
            }
        }
    }

    #[test]
    fn totals_are_those_of_the_visited_rows() {
        let rows: [Row<'_>; 3] = [
            (&["z"], 0.0, 0.0, 0.0),
            (&["b"], 2.0, 5.0, 1.0),
            (&["a"], 0.0, 0.0, 4.0),
        ];
        let (names, seen, summary) = read(&rows);
        // MemoryPaths interns no channel of a skipped row (the paths reader does; either way
        // the table is the inner source's, in name order).
        assert_eq!(names, ["a", "b"]);
        assert_eq!(seen.len(), 2);
        assert_eq!(
            (summary.conversions, summary.value, summary.nulls),
            (2.0, 5.0, 5.0)
        );
        assert_eq!((summary.rows, summary.skipped_rows), (3, 1));
    }

    #[test]
    fn rows_that_differ_only_in_ages_or_segment_are_ordered_by_them() {
        let mut rows = Rows::default();
        let touches = [0u32, 1];
        let row = |ages: Option<&'static [f64]>, segment: Option<&'static str>| SourceRow {
            path: PathRow {
                touches: &touches,
                conversions: 1.0,
                value: 0.0,
                nulls: 0.0,
            },
            ages_days: ages,
            segment,
        };
        rows.push(&row(Some(&[2.0, 1.0]), Some("q")));
        rows.push(&row(Some(&[2.0, 1.0]), Some("p")));
        rows.push(&row(Some(&[3.0, 1.0]), None));
        rows.push(&row(None, None));
        assert_eq!(rows.compare(0, 1), Ordering::Greater);
        assert_eq!(rows.compare(0, 2), Ordering::Less);
        assert_eq!(rows.compare(3, 2), Ordering::Less);
        assert_eq!(rows.compare(2, 2), Ordering::Equal);
    }
}
