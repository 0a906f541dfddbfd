//! Row order is not information: the same journeys, read in any order, give the same bytes out.
//!
//! Floating-point sums depend on the order of their terms, and so do the things numbered in
//! order of first appearance (channels, states), the rows a seeded stream draws for (bootstrap
//! weights, held-out folds) and the ties of every sort. Rather than make each of them
//! order-free, [`Canonical`] fixes the order at the one place rows enter: it reads every row of
//! a [`PathSource`], merges identical journeys (same touches, value per conversion, touch ages
//! and segment; their counts summed exactly, [`ExactSum`]), numbers the channels in name (byte)
//! order, and hands the merged rows on in an order decided by their content alone. Everything
//! downstream then sees one sequence whatever the file's order, and the totals of the summary
//! are summed again in it.
//!
//! The order is by a 64-bit hash of each key, ties broken by the key itself: cheaper than
//! sorting paths by name and just as fixed. Merging changes no figure beyond the last bits
//! (every method is linear in a row's counts, the Bayesian bootstrap's Gamma weights add up,
//! and value per conversion is part of the key, so value distributions keep their samples).
//!
//! **Memory**: one record per distinct journey (72 bytes plus 4 per touch, and 48 more for the
//! rare record whose counts an `f64` cannot sum exactly), which is the size of the table of
//! distinct paths, whatever the number of events, plus the rows read since they were last
//! merged: up to 2^20 of them (about 80 MB) or as many as there are distinct
//! journeys, whichever is more. Rows are appended as they come and merged in bulk (sorted, not
//! looked up one by one), and a file of up to 2^20 rows is merged once, at the end. With touch
//! ages kept (time decay by real time, time to convert), journeys rarely repeat and it is one
//! record per journey (8 more bytes per touch). Consumers that do not use ages ask for
//! [`Canonical::without_ages`].
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

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHasher};

use crate::error::Result;
use crate::exact_sum::{ExactSum, add_exactly};
use crate::journey::{ChannelId, ChannelTable, PathRow, PathSource, ReadSummary, SourceRow};

/// A [`PathSource`] that hands on the journeys of `S` merged by content and in an order fixed by
/// that content, with channels numbered in name order (see the module documentation).
#[derive(Debug, Clone)]
pub struct Canonical<S> {
    inner: S,
    ages: bool,
}

impl<S: PathSource> Canonical<S> {
    /// `inner`, read in canonical order, touch ages kept.
    pub fn new(inner: S) -> Self {
        Canonical { inner, ages: true }
    }

    /// Drops the touches' ages, for consumers that do not use them: journeys that differ only
    /// in time then merge, and memory is one record per distinct path.
    pub fn without_ages(mut self) -> Self {
        self.ages = false;
        self
    }
}

impl<S: PathSource> Canonical<S> {
    /// Reads every row of the inner source, merging identical journeys, and interns its
    /// channels into `channels` in name order: the rows, in canonical order, to be visited as
    /// often as needed (by several consumers at once, say). The summary is as
    /// [`PathSource::read`] gives it.
    pub fn collect(
        self,
        channels: &mut ChannelTable,
    ) -> Result<(CanonicalRows, ReadSummary, Vec<String>)> {
        let name = self.inner.name().to_owned();
        let (rows, summary, warnings) = self.collect_rows(channels)?;
        let summary = rows.totals(summary, &name)?;
        Ok((rows, summary, warnings))
    }

    /// [`Canonical::collect`] without its last step, the totals: the summary's conversions,
    /// value and nulls are the inner source's, summed in the order it read them, until
    /// [`CanonicalRows::totals`] sums them again from the rows. The two steps apart let the
    /// totals be summed beside other work on the rows.
    pub fn collect_rows(
        self,
        channels: &mut ChannelTable,
    ) -> Result<(CanonicalRows, ReadSummary, Vec<String>)> {
        let mut own = ChannelTable::new();
        let mut rows = Rows::new(self.ages);
        let (summary, warnings) = self.inner.read(&mut own, &mut |row| rows.push(row))?;
        let mut renumber = vec![0; own.len()];
        for id in own.sorted_ids() {
            renumber[id as usize] = channels.intern(own.name(id));
        }
        Ok((rows.into_canonical(&renumber), summary, warnings))
    }
}

impl<S: PathSource> PathSource for Canonical<S> {
    fn name(&self) -> &str {
        self.inner.name()
    }

    /// Reads every row of the inner source first, merging identical journeys, then interns its
    /// channels into `channels` in name order and visits the merged rows in canonical order.
    /// The summary's conversions, value and nulls are summed again in that order; its other
    /// fields (rows read, rows skipped) and the warnings are the inner source's.
    fn read(
        self,
        channels: &mut ChannelTable,
        visit: &mut dyn FnMut(&SourceRow<'_>),
    ) -> Result<(ReadSummary, Vec<String>)> {
        let (rows, summary, warnings) = self.collect(channels)?;
        rows.iter().for_each(|row| visit(&row));
        Ok((summary, warnings))
    }
}

/// The distinct journeys of a source in canonical order (see the module documentation), their
/// counts summed: what [`Canonical::collect`] gives.
#[derive(Debug)]
pub struct CanonicalRows {
    rows: Rows,
}

impl CanonicalRows {
    /// The rows, in canonical order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = SourceRow<'_>> + '_ {
        self.rows
            .records
            .iter()
            .map(|record| self.rows.row_of(record))
    }

    /// The number of distinct journeys.
    pub fn len(&self) -> usize {
        self.rows.records.len()
    }

    /// True when no row carries a journey.
    pub fn is_empty(&self) -> bool {
        self.rows.records.is_empty()
    }

    /// `summary` with its conversions, value, nulls and open journeys summed from these rows,
    /// exactly (how journeys split into rows, by ages or censored touches, must not move the
    /// totals' last bits); an error naming `source` if a total is not finite.
    pub fn totals(&self, mut summary: ReadSummary, source: &str) -> Result<ReadSummary> {
        // Exact sums do not depend on how the rows are split, so blocks sum in parallel.
        let sums = (0..self.len())
            .into_par_iter()
            .fold(<[ExactSum; 4]>::default, |mut sums, r| {
                let path = self.rows.get(r).path;
                for (sum, x) in
                    sums.iter_mut()
                        .zip([path.conversions, path.value, path.nulls, path.open])
                {
                    sum.add(x);
                }
                sums
            })
            .reduce(<[ExactSum; 4]>::default, |mut a, b| {
                a.iter_mut().zip(&b).for_each(|(a, b)| a.merge(b));
                a
            });
        let [conversions, value, nulls, open] = sums.each_ref().map(ExactSum::value);
        summary.conversions = conversions;
        summary.value = value;
        summary.nulls = nulls;
        summary.open = open;
        summary.check_totals(source)?;
        Ok(summary)
    }
}

/// No index (no ages, no segment).
const NONE: u32 = u32::MAX;

/// Rows appended since the last merge before they are merged again: at least this many (about
/// 80 MB of records and touches), and at least as many as there are distinct journeys (so
/// merging costs a constant per row).
const MERGE_AFTER: usize = 1 << 20;

/// The journeys of one key: the same touches, value per conversion, ages, segment and censored
/// touches.
#[derive(Debug, Clone)]
struct Record {
    /// [`key_hash`] of the key (in the source's channel numbering until the rows are put in
    /// canonical order, then in name order); 0 until the record is first merged.
    hash: u64,
    /// Start of the touches in [`Rows::touches`].
    start: usize,
    len: u32,
    /// [`PathRow::censored`]. A row with censored touches has no nulls, so such a record keeps
    /// its open journeys where others keep nulls.
    censored: u32,
    /// Index into [`Rows::segments`], or [`NONE`].
    segment: u32,
    /// Start of the ages in [`Rows::ages`] (`len` of them), or `usize::MAX` for none.
    ages: usize,
    /// Bits of value per conversion (0 for rows without conversions).
    per_conversion: u64,
    /// Conversions, value, and nulls (or open journeys when `censored > 0`), each the exact
    /// sum of the record's rows, unless `exact` is not [`NONE`].
    counts: [f64; 3],
    /// Index into [`Rows::exact`] of the counts' exact sums, when an `f64` could not hold one
    /// of them (then `counts` is not used), or [`NONE`]. Most sums stay exact in an `f64`
    /// (whole numbers, a single row), so a record is 72 bytes, not the 96 that three
    /// [`ExactSum`]s would make it: less to move in a sort and less memory to fault in.
    exact: u32,
}

/// Which of [`Record::counts`] holds what.
const CONVERSIONS: usize = 0;
const VALUE: usize = 1;
const NULLS_OR_OPEN: usize = 2;

/// The journeys of a source, in arenas. Rows are appended as they come; every so often (and at
/// the end) the records are sorted in place by key hash, identical neighbours merged with their
/// counts summed exactly, and the touches copied again in that order. Appending is a sequential
/// write and sorting a cache-friendly pass, where a hash table of keys would cost a scattered
/// lookup per row; memory stays within the distinct journeys plus [`MERGE_AFTER`] rows (or as
/// many again), and the touches twice while they are copied.
#[derive(Debug)]
struct Rows {
    keep_ages: bool,
    records: Vec<Record>,
    touches: Vec<ChannelId>,
    ages: Vec<f64>,
    segments: Vec<String>,
    segment_index: FxHashMap<String, u32>,
    /// The exact counts of the records whose `f64`s could not hold them ([`Record::exact`]).
    exact: Vec<[ExactSum; 3]>,
    /// `records[..merged]` are distinct keys, sorted by hash (as of the last merge).
    merged: usize,
    /// [`MERGE_AFTER`], smaller in tests.
    merge_after: usize,
}

impl Rows {
    fn new(keep_ages: bool) -> Self {
        Rows {
            keep_ages,
            records: Vec::new(),
            touches: Vec::new(),
            ages: Vec::new(),
            segments: Vec::new(),
            segment_index: FxHashMap::default(),
            exact: Vec::new(),
            merged: 0,
            merge_after: MERGE_AFTER,
        }
    }

    fn push(&mut self, row: &SourceRow<'_>) {
        let path = &row.path;
        let ages = row.ages_days.filter(|_| self.keep_ages);
        let per_conversion = if path.conversions > 0.0 {
            (path.value / path.conversions).to_bits()
        } else {
            0
        };
        let segment = match row.segment {
            None => NONE,
            Some(s) => match self.segment_index.get(s) {
                Some(&id) => id,
                None => {
                    let id = self.segments.len() as u32;
                    self.segments.push(s.to_owned());
                    self.segment_index.insert(s.to_owned(), id);
                    id
                }
            },
        };
        let censored = u32::try_from(path.censored).expect("fewer than 2^32 touches per journey");
        debug_assert!(
            (censored == 0 && path.open == 0.0) || (censored > 0 && path.nulls == 0.0),
            "open journeys have censored touches and censored rows have no nulls"
        );
        let start = self.touches.len();
        self.touches.extend_from_slice(path.touches);
        let ages_at = match ages {
            Some(ages) => {
                self.ages.extend_from_slice(ages);
                self.ages.len() - ages.len()
            }
            None => usize::MAX,
        };
        if self.records.len() == self.records.capacity() {
            // Grow by doubling, but never past the next merge (memory is bounded by it).
            let merge_at = self
                .merged
                .saturating_add(self.merged.max(self.merge_after));
            let room = self
                .records
                .len()
                .max(1024)
                .min(merge_at - self.records.len());
            self.records.reserve_exact(room.max(1));
        }
        self.records.push(Record {
            // Hashed when merged, in parallel: off the thread that takes the rows.
            hash: 0,
            start,
            len: u32::try_from(path.touches.len()).expect("fewer than 2^32 touches per journey"),
            censored,
            segment,
            ages: ages_at,
            per_conversion,
            counts: [
                path.conversions,
                path.value,
                if censored > 0 { path.open } else { path.nulls },
            ],
            exact: NONE,
        });
        if self.records.len() - self.merged >= self.merged.max(self.merge_after) {
            self.hash_unmerged();
            self.merge();
        }
    }

    /// Hashes the records appended since the last merge, in the source's channel numbering
    /// (segments by their index).
    fn hash_unmerged(&mut self) {
        let mut records = std::mem::take(&mut self.records);
        records[self.merged..].par_iter_mut().for_each(|record| {
            record.hash = key_hash(
                self.touches_of(record),
                record.per_conversion,
                self.ages_of(record),
                record.segment.to_le_bytes().as_slice(),
                record.censored,
            );
        });
        self.records = records;
    }

    /// Puts the rows in canonical order: channels renumbered (`renumber[own id]`), keys hashed
    /// again in that numbering (segments by their text), sorted and merged.
    fn into_canonical(mut self, renumber: &[ChannelId]) -> CanonicalRows {
        self.touches
            .par_chunks_mut(1 << 16)
            .for_each(|touches| touches.iter_mut().for_each(|t| *t = renumber[*t as usize]));
        let mut records = std::mem::take(&mut self.records);
        records.par_iter_mut().for_each(|record| {
            let segment = self.segment_of(record).map_or(&[][..], str::as_bytes);
            record.hash = key_hash(
                self.touches_of(record),
                record.per_conversion,
                self.ages_of(record),
                segment,
                record.censored,
            );
        });
        self.records = records;
        self.merge();
        CanonicalRows { rows: self }
    }

    /// Sorts the records by hash, then by key, and rebuilds the arenas in that order with
    /// identical keys merged into one record.
    fn merge(&mut self) {
        // Sorted in place (no second array of records), then identical neighbours merged.
        let mut records = std::mem::take(&mut self.records);
        records.par_sort_unstable_by(|x, y| x.hash.cmp(&y.hash).then_with(|| self.compare(x, y)));
        let mut exact = std::mem::take(&mut self.exact);
        records.dedup_by(|later, kept| {
            let same = later.hash == kept.hash && self.compare(kept, later) == Ordering::Equal;
            if same {
                add_counts(&mut exact, kept, later);
            }
            same
        });
        // The exact sums of the records merged away are dropped (a pass over the records only
        // when some sum needed one).
        let mut kept_exact = Vec::new();
        if !exact.is_empty() {
            for record in records.iter_mut().filter(|r| r.exact != NONE) {
                kept_exact.push(std::mem::take(&mut exact[record.exact as usize]));
                record.exact = slot(kept_exact.len() - 1);
            }
        }
        self.exact = kept_exact;
        // The touches and ages again, in the records' order and without the merged ones: each
        // block of records finds its share of the new arenas by a running sum of its lengths,
        // and the blocks copy in parallel (scattered reads, a cost per touch).
        const BLOCK: usize = 1 << 13;
        let lengths: Vec<(usize, usize)> = records
            .par_chunks(BLOCK)
            .map(|block| {
                block.iter().fold((0, 0), |(touches, ages), r| {
                    let len = r.len as usize;
                    (
                        touches + len,
                        ages + if r.ages == usize::MAX { 0 } else { len },
                    )
                })
            })
            .collect();
        let mut touches: Vec<ChannelId> = vec![0; lengths.iter().map(|l| l.0).sum()];
        let mut ages = vec![0.0; lengths.iter().map(|l| l.1).sum()];
        let mut blocks = Vec::with_capacity(lengths.len());
        let (mut touches_rest, mut ages_rest) = (&mut touches[..], &mut ages[..]);
        let (mut touches_at, mut ages_at) = (0, 0);
        for (block, &(t, a)) in records.chunks_mut(BLOCK).zip(&lengths) {
            let (touches_here, touches_next) = std::mem::take(&mut touches_rest).split_at_mut(t);
            let (ages_here, ages_next) = std::mem::take(&mut ages_rest).split_at_mut(a);
            blocks.push((block, touches_here, touches_at, ages_here, ages_at));
            (touches_rest, ages_rest) = (touches_next, ages_next);
            (touches_at, ages_at) = (touches_at + t, ages_at + a);
        }
        let (old_touches, old_ages) = (&self.touches, &self.ages);
        blocks
            .into_par_iter()
            .for_each(|(block, touches, touches_at, ages, ages_at)| {
                let (mut t, mut a) = (0, 0);
                for record in block {
                    let (start, len) = (record.start, record.len as usize);
                    touches[t..t + len].copy_from_slice(&old_touches[start..start + len]);
                    record.start = touches_at + t;
                    t += len;
                    if record.ages != usize::MAX {
                        ages[a..a + len].copy_from_slice(&old_ages[record.ages..record.ages + len]);
                        record.ages = ages_at + a;
                        a += len;
                    }
                }
            });
        self.merged = records.len();
        self.records = records;
        self.touches = touches;
        self.ages = ages;
    }

    #[inline]
    fn touches_of(&self, record: &Record) -> &[ChannelId] {
        &self.touches[record.start..record.start + record.len as usize]
    }

    #[inline]
    fn ages_of(&self, record: &Record) -> Option<&[f64]> {
        (record.ages != usize::MAX)
            .then(|| &self.ages[record.ages..record.ages + record.len as usize])
    }

    #[inline]
    fn segment_of(&self, record: &Record) -> Option<&str> {
        (record.segment != NONE).then(|| self.segments[record.segment as usize].as_str())
    }

    /// Count `which` of `record` ([`CONVERSIONS`], [`VALUE`] or [`NULLS_OR_OPEN`]).
    fn count(&self, record: &Record, which: usize) -> f64 {
        match record.exact {
            NONE => record.counts[which],
            at => self.exact[at as usize][which].value(),
        }
    }

    fn get(&self, r: usize) -> SourceRow<'_> {
        self.row_of(&self.records[r])
    }

    /// The row of `record`: its counts read from the record unless they are kept exactly in
    /// [`Rows::exact`] (the rare case, tested once). The walks over every row call this a
    /// million times for a million paths.
    #[inline]
    fn row_of<'a>(&'a self, record: &'a Record) -> SourceRow<'a> {
        let [conversions, value, nulls_or_open] = match record.exact {
            NONE => record.counts,
            _ => [CONVERSIONS, VALUE, NULLS_OR_OPEN].map(|which| self.count(record, which)),
        };
        let (nulls, open) = match record.censored {
            0 => (nulls_or_open, 0.0),
            _ => (0.0, nulls_or_open),
        };
        SourceRow {
            path: PathRow {
                touches: self.touches_of(record),
                conversions,
                value,
                nulls,
                open,
                censored: record.censored as usize,
            },
            ages_days: self.ages_of(record),
            segment: self.segment_of(record),
        }
    }

    /// A total order on keys (floats by their bits); equal only for identical keys.
    fn compare(&self, x: &Record, y: &Record) -> Ordering {
        self.touches_of(x)
            .cmp(self.touches_of(y))
            .then(x.per_conversion.cmp(&y.per_conversion))
            .then(x.censored.cmp(&y.censored))
            .then_with(|| match (self.ages_of(x), self.ages_of(y)) {
                (Some(p), Some(q)) => p
                    .iter()
                    .map(|t| t.to_bits())
                    .cmp(q.iter().map(|t| t.to_bits())),
                (p, q) => p.is_some().cmp(&q.is_some()),
            })
            .then_with(|| self.segment_of(x).cmp(&self.segment_of(y)))
    }
}

/// Adds the counts of `later` to those of `kept`, exactly: in `kept`'s `f64`s while they
/// hold the sums exactly, else in a slot of `exact`.
fn add_counts(exact: &mut Vec<[ExactSum; 3]>, kept: &mut Record, later: &Record) {
    if kept.exact == NONE && later.exact == NONE {
        let sums = [0, 1, 2].map(|i| add_exactly(kept.counts[i], later.counts[i]));
        if let [Some(a), Some(b), Some(c)] = sums {
            kept.counts = [a, b, c];
            return;
        }
    }
    if kept.exact == NONE {
        exact.push(kept.counts.map(ExactSum::of));
        kept.exact = slot(exact.len() - 1);
    }
    let later_sums = match later.exact {
        NONE => later.counts.map(ExactSum::of),
        at => exact[at as usize].clone(),
    };
    for (sum, terms) in exact[kept.exact as usize].iter_mut().zip(&later_sums) {
        sum.merge(terms);
    }
}

/// `i` as an index into [`Rows::exact`].
fn slot(i: usize) -> u32 {
    let slot = u32::try_from(i).expect("fewer than 2^32 inexact sums");
    assert!(slot != NONE, "fewer than 2^32 - 1 inexact sums");
    slot
}

/// Hash of a journey's key: touches, value per conversion, ages, segment and censored touches.
fn key_hash(
    touches: &[ChannelId],
    per_conversion: u64,
    ages: Option<&[f64]>,
    segment: &[u8],
    censored: u32,
) -> u64 {
    let mut hasher = FxHasher::default();
    hasher.write_usize(touches.len());
    for &touch in touches {
        hasher.write_u32(touch);
    }
    hasher.write_u64(per_conversion);
    if censored > 0 {
        hasher.write_u32(censored);
    }
    if let Some(ages) = ages {
        hasher.write_u8(1);
        for age in ages {
            hasher.write_u64(age.to_bits());
        }
    }
    hasher.write(segment);
    hasher.finish()
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
    fn merging_as_rows_come_gives_what_one_merge_at_the_end_gives() {
        // 5,000 rows of 300 keys (touches, value per conversion), each seen many times, in a
        // scattered order; merged every 64 rows or only at the end.
        let mut state = 7u64;
        let mut next = |n: u64| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) % n
        };
        let rows: Vec<(Vec<ChannelId>, f64, f64, f64)> = (0..5_000)
            .map(|_| {
                let key = next(300);
                let touches = (0..1 + key % 4).map(|i| ((key + i) % 7) as u32).collect();
                let conversions = next(3) as f64;
                let per_conversion = (key % 5) as f64 * 0.1;
                (
                    touches,
                    conversions,
                    conversions * per_conversion,
                    next(4) as f64 + 0.5,
                )
            })
            .collect();
        let read = |merge_after: usize| {
            let mut merged = Rows::new(false);
            merged.merge_after = merge_after;
            for (touches, conversions, value, nulls) in &rows {
                merged.push(&SourceRow {
                    path: PathRow::whole(touches, *conversions, *value, *nulls),
                    ages_days: None,
                    segment: None,
                });
            }
            let canonical = merged.into_canonical(&(0..7).collect::<Vec<_>>());
            canonical
                .iter()
                .map(|row| {
                    format!(
                        "{:?} {:?} {:?} {:?}",
                        row.path.touches,
                        row.path.conversions.to_bits(),
                        row.path.value.to_bits(),
                        row.path.nulls.to_bits()
                    )
                })
                .collect::<Vec<_>>()
        };
        let at_the_end = read(usize::MAX);
        assert!(at_the_end.len() <= 300 * 2, "merged: {}", at_the_end.len());
        assert_eq!(read(64), at_the_end);
        assert_eq!(read(1), at_the_end);
    }

    #[test]
    fn a_record_is_72_bytes() {
        // The size the sort moves and the memory per distinct journey are documented.
        assert_eq!(std::mem::size_of::<Record>(), 72);
    }

    #[test]
    fn counts_an_f64_cannot_hold_are_summed_exactly_whatever_the_merges() {
        // 0.1 + 0.2 rounds; so do sums of counts past 2^53. Merged pairwise in different
        // groupings, the rows give the correctly rounded total of all their terms.
        let terms = [0.1, 0.2, 0.3, 9_007_199_254_740_993.0, 1.0, 0.7, 1e-20];
        let read = |merge_after: usize, reversed: bool| {
            let mut rows = Rows::new(false);
            rows.merge_after = merge_after;
            let touches = [0u32];
            let mut order: Vec<f64> = terms.to_vec();
            if reversed {
                order.reverse();
            }
            for &x in &order {
                rows.push(&SourceRow {
                    path: PathRow::whole(&touches, x, x, x),
                    ages_days: None,
                    segment: None,
                });
            }
            let canonical = rows.into_canonical(&[0]);
            let row = canonical.iter().next().unwrap();
            assert_eq!(canonical.len(), 1);
            [row.path.conversions, row.path.value, row.path.nulls].map(f64::to_bits)
        };
        let mut exact = ExactSum::default();
        terms.iter().for_each(|&x| exact.add(x));
        let expected = [exact.value().to_bits(); 3];
        for merge_after in [1, 2, 3, usize::MAX] {
            assert_eq!(read(merge_after, false), expected, "every {merge_after}");
            assert_eq!(
                read(merge_after, true),
                expected,
                "every {merge_after}, reversed"
            );
        }
    }

    #[test]
    fn censored_rows_merge_apart_from_whole_ones_and_keep_their_open_journeys() {
        let mut rows = Rows::new(false);
        let touches = [0u32, 1];
        let row = |nulls: f64, open: f64, censored: usize| SourceRow {
            path: PathRow {
                open,
                censored,
                ..PathRow::whole(&touches, 0.0, 0.0, nulls)
            },
            ages_days: None,
            segment: None,
        };
        rows.push(&row(1.0, 0.0, 0));
        rows.push(&row(0.0, 1.0, 1));
        rows.push(&row(0.0, 2.5, 1));
        rows.push(&row(0.0, 1.0, 2));
        rows.push(&row(3.0, 0.0, 0));
        let merged: Vec<(f64, f64, usize)> = rows
            .into_canonical(&[0, 1])
            .iter()
            .map(|r| (r.path.nulls, r.path.open, r.path.censored))
            .collect();
        let mut sorted = merged.clone();
        sorted.sort_by_key(|r| r.2);
        assert_eq!(sorted, [(4.0, 0.0, 0), (0.0, 3.5, 1), (0.0, 1.0, 2)]);
    }

    #[test]
    fn identical_journeys_merge_and_differing_ones_stay_apart() {
        let mut rows = Rows::new(true);
        let touches = [0u32, 1];
        let row =
            |value: f64, ages: Option<&'static [f64]>, segment: Option<&'static str>| SourceRow {
                path: PathRow::whole(&touches, 1.0, value, 0.0),
                ages_days: ages,
                segment,
            };
        rows.push(&row(10.0, Some(&[2.0, 1.0]), Some("q")));
        rows.push(&row(10.0, Some(&[2.0, 1.0]), Some("q")));
        rows.push(&row(10.0, Some(&[2.0, 1.0]), Some("p")));
        rows.push(&row(10.0, Some(&[3.0, 1.0]), Some("q")));
        rows.push(&row(10.0, None, Some("q")));
        rows.push(&row(20.0, Some(&[2.0, 1.0]), Some("q")));
        for (a, b, expected, why) in [
            (0, 1, Ordering::Equal, "the same key"),
            (0, 2, Ordering::Greater, "segment p before q"),
            (0, 3, Ordering::Less, "ages 2 before 3"),
            (4, 0, Ordering::Less, "no ages first"),
            (0, 5, Ordering::Less, "10 per conversion before 20"),
        ] {
            assert_eq!(
                rows.compare(&rows.records[a], &rows.records[b]),
                expected,
                "{why}"
            );
        }
        rows.hash_unmerged();
        rows.merge();
        assert_eq!(rows.records.len(), 5);
        let merged: Vec<(f64, f64)> = (0..5)
            .map(|r| rows.get(r))
            .filter(|row| row.segment == Some("q") && row.ages_days == Some(&[2.0, 1.0][..]))
            .map(|row| (row.path.conversions, row.path.value))
            .collect();
        assert_eq!(merged.len(), 2, "20 and 10 per conversion");
        assert!(merged.contains(&(2.0, 20.0)), "{merged:?}");
        // Without ages, the journeys that differed only in time merge.
        let mut rows = Rows::new(false);
        rows.push(&row(10.0, Some(&[2.0, 1.0]), None));
        rows.push(&row(10.0, Some(&[3.0, 1.0]), None));
        rows.hash_unmerged();
        rows.merge();
        assert_eq!(rows.records.len(), 1);
        assert_eq!(rows.get(0).ages_days, None);
    }
}
