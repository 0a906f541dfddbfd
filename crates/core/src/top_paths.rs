//! Which paths lead to purchase: the paths with the most conversions, the paths with the highest
//! conversion rate (with a Wilson 95% interval, which stays inside [0, 1] and behaves on small
//! counts), and path-length statistics; and the two reports analysts know from Google Analytics:
//! conversions by the touches on their path (*path length*: 1 to 11, then 12 or more) and, for an
//! event log, by the whole days from the journey's first touch to the conversion (*time lag*: 0
//! to 11 days, 12-30, 31-60, 61 or more).
//!
//! Rows of the same path are merged first (a path may be split over several rows), so memory
//! grows with the number of distinct paths.
//!
//! ```
//! use journeysim_core::journey::MemoryPaths;
//! use journeysim_core::top_paths::{TopPathOptions, top_paths};
//!
//! // The two rows of a > b merge: 3 conversions in 4 journeys.
//! let rows = [
//!     (&["a", "b"][..], 1.0, 0.0, 1.0),
//!     (&["a", "b"][..], 2.0, 0.0, 0.0),
//!     (&["c"][..], 1.0, 0.0, 5.0),
//! ];
//! let options = TopPathOptions { top: 5, min_journeys: 1.0 };
//! let top = top_paths(MemoryPaths::new("example", &rows), options)?;
//! assert_eq!(top.by_conversions[0].path, "a > b");
//! assert_eq!(top.by_conversions[0].conversion_rate, 0.75);
//! # Ok::<(), journeysim_core::Error>(())
//! ```

use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::exact_sum::ExactSum;
use crate::journey::{ChannelId, ChannelTable, Inspect, PathSource, SourceRow};
use crate::row_order::Canonical;
use crate::stats::wilson_interval;

/// Options of [`top_paths`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TopPathOptions {
    /// How many paths each ranking lists.
    pub top: usize,
    /// Paths with fewer journeys are left out of the conversion-rate ranking.
    pub min_journeys: f64,
}

/// One path and its outcomes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PathEntry {
    /// Channels joined by `" > "`.
    pub path: String,
    /// Touches, repeats counted.
    pub length: usize,
    /// Journeys on the path.
    pub journeys: f64,
    /// Converting journeys.
    pub conversions: f64,
    /// Conversion value.
    pub value: f64,
    /// conversions / journeys.
    pub conversion_rate: f64,
    /// Wilson 95% interval of the rate.
    pub conversion_rate_ci: [f64; 2],
}

/// Weighted statistics of path length (touches, repeats counted).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct LengthStats {
    /// Journeys counted.
    pub journeys: f64,
    /// Mean length.
    pub mean: f64,
    /// Median length.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// Longest path.
    pub max: f64,
}

/// Path lengths of all, converting and non-converting journeys.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct PathLengths {
    /// Every journey.
    pub all: LengthStats,
    /// Journeys weighted by conversions.
    pub converting: LengthStats,
    /// Journeys weighted by nulls.
    pub non_converting: LengthStats,
}

/// Conversions in one bucket of [`TopPaths::touches_to_conversion`] or
/// [`TopPaths::days_to_conversion`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bucket {
    /// The bucket: a number of touches or days (`"3"`), a range (`"12-30"`) or an open end
    /// (`"12+"`).
    pub bucket: String,
    /// Conversions in it.
    pub conversions: f64,
    /// Their share of all conversions with touches.
    pub share: f64,
    /// Their conversion value.
    pub value: f64,
}

/// Touches to conversion: 1 to 11, then 12 or more.
const TOUCH_BUCKETS: usize = 12;
/// Days to conversion: 0 to 11 single days, then these ranges (first day of each) and beyond.
const DAY_RANGES: [(u64, &str); 3] = [(12, "12-30"), (31, "31-60"), (61, "61+")];

fn touch_bucket(touches: usize) -> usize {
    touches.clamp(1, TOUCH_BUCKETS) - 1
}

fn day_bucket(days: f64) -> usize {
    let whole = days.max(0.0).floor() as u64;
    match DAY_RANGES.iter().rposition(|&(from, _)| whole >= from) {
        Some(r) => 12 + r,
        None => whole as usize,
    }
}

/// The buckets' conversions and value, summed exactly, as shares of their total.
fn buckets(sums: &[[ExactSum; 2]], label: impl Fn(usize) -> String) -> Vec<Bucket> {
    let total: f64 = {
        let mut t = ExactSum::default();
        sums.iter().for_each(|s| t.merge(&s[0]));
        t.value()
    };
    sums.iter()
        .enumerate()
        .map(|(i, [conversions, value])| Bucket {
            bucket: label(i),
            conversions: conversions.value(),
            share: if total > 0.0 {
                conversions.value() / total
            } else {
                0.0
            },
            value: value.value(),
        })
        .collect()
}

/// Everything `journeysim paths` reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopPaths {
    /// The input's name.
    pub input: String,
    /// Journeys read.
    pub journeys: f64,
    /// Conversions read.
    pub conversions: f64,
    /// Distinct paths.
    pub distinct_paths: usize,
    /// The minimum journeys for the rate ranking.
    pub min_journeys: f64,
    /// Length statistics.
    pub path_length: PathLengths,
    /// The paths with the most conversions.
    pub by_conversions: Vec<PathEntry>,
    /// The paths with the highest conversion rate among those with enough journeys.
    pub by_conversion_rate: Vec<PathEntry>,
    /// Conversions by the number of touches on their path (1 to 11, then `"12+"`).
    pub touches_to_conversion: Vec<Bucket>,
    /// Conversions by the whole days from their journey's first touch to the conversion (0 to
    /// 11, `"12-30"`, `"31-60"`, `"61+"`), when the source knows times (an event log).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days_to_conversion: Option<Vec<Bucket>>,
    /// Things the user should know.
    pub warnings: Vec<String>,
}

/// Ranks the paths of `source`: rows of the same path are merged first.
pub fn top_paths(source: impl PathSource, options: TopPathOptions) -> Result<TopPaths> {
    if options.min_journeys.is_nan() || options.min_journeys < 0.0 {
        return Err(Error::option("min_journeys", "must be >= 0"));
    }
    let mut channels = ChannelTable::new();
    // Summed exactly: a path's journeys can come in several rows (censored touches are part of
    // a row's key), and the sums must not depend on how they were split.
    let mut paths: FxHashMap<Box<[ChannelId]>, [ExactSum; 3]> = FxHashMap::default();
    let name = source.name().to_owned();
    let mut by_touches: [[ExactSum; 2]; TOUCH_BUCKETS] = Default::default();
    let mut by_days: [[ExactSum; 2]; 15] = Default::default();
    let mut timed = false;
    // The conversion buckets are summed from the rows as read (exact sums, so in any order):
    // merging identical journeys with their ages would keep one record per journey.
    let buckets_of = |row: &SourceRow<'_>| {
        let path = &row.path;
        timed |= row.ages_days.is_some();
        if path.conversions > 0.0 {
            let bucket = &mut by_touches[touch_bucket(path.touches.len())];
            bucket[0].add(path.conversions);
            bucket[1].add(path.value);
            if let Some(&first) = row.ages_days.and_then(|a| a.first()) {
                // The first touch's age when the journey ended, at its conversion.
                let bucket = &mut by_days[day_bucket(first)];
                bucket[0].add(path.conversions);
                bucket[1].add(path.value);
            }
        }
    };
    let source = Inspect {
        inner: source,
        inspect: buckets_of,
    };
    let (summary, warnings) =
        Canonical::new(source)
            .without_ages()
            .read(&mut channels, &mut |row| {
                let entry = paths.entry(row.path.touches.into()).or_default();
                entry[0].add(row.path.conversions);
                entry[1].add(row.path.value);
                // A journey still open is not converting (yet): the observed rates describe
                // what happened by the end of the data, as they do without censoring.
                entry[2].add(row.path.nulls);
                entry[2].add(row.path.open);
            })?;
    let mut entries: Vec<PathEntry> = paths
        .iter()
        .map(|(touches, sums)| {
            let [conversions, value, nulls] = sums.each_ref().map(ExactSum::value);
            let journeys = conversions + nulls;
            PathEntry {
                path: channels.format_path(touches),
                length: touches.len(),
                journeys,
                conversions,
                value,
                conversion_rate: conversions / journeys,
                conversion_rate_ci: wilson_interval(conversions, journeys),
            }
        })
        .collect();
    // Path name breaks every tie so the ranking is the same whatever the row order.
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    let path_length = PathLengths {
        all: length_stats(entries.iter().map(|e| (e.length, e.journeys))),
        converting: length_stats(entries.iter().map(|e| (e.length, e.conversions))),
        non_converting: length_stats(
            entries
                .iter()
                .map(|e| (e.length, e.journeys - e.conversions)),
        ),
    };
    let mut by_conversions: Vec<PathEntry> = entries
        .iter()
        .filter(|e| e.conversions > 0.0)
        .cloned()
        .collect();
    by_conversions.sort_by(|a, b| b.conversions.total_cmp(&a.conversions));
    by_conversions.truncate(options.top);
    let mut by_rate: Vec<PathEntry> = entries
        .iter()
        .filter(|e| e.journeys >= options.min_journeys)
        .cloned()
        .collect();
    by_rate.sort_by(|a, b| {
        b.conversion_rate
            .total_cmp(&a.conversion_rate)
            .then(b.journeys.total_cmp(&a.journeys))
    });
    by_rate.truncate(options.top);
    let touches_to_conversion = buckets(&by_touches, |i| match i + 1 {
        TOUCH_BUCKETS => format!("{TOUCH_BUCKETS}+"),
        n => n.to_string(),
    });
    let days_to_conversion = timed.then(|| {
        buckets(&by_days, |i| match i.checked_sub(12) {
            Some(r) => DAY_RANGES[r].1.to_owned(),
            None => i.to_string(),
        })
    });
    Ok(TopPaths {
        input: name,
        journeys: summary.journeys(),
        conversions: summary.conversions,
        distinct_paths: entries.len(),
        min_journeys: options.min_journeys,
        path_length,
        by_conversions,
        by_conversion_rate: by_rate,
        touches_to_conversion,
        days_to_conversion,
        warnings,
    })
}

/// Weighted mean, median, 90th percentile and max of lengths.
fn length_stats(items: impl Iterator<Item = (usize, f64)>) -> LengthStats {
    let mut by_length: Vec<(usize, f64)> = items.filter(|&(_, w)| w > 0.0).collect();
    if by_length.is_empty() {
        return LengthStats::default();
    }
    by_length.sort_by_key(|&(l, _)| l);
    let total: f64 = by_length.iter().map(|&(_, w)| w).sum();
    let mean = by_length.iter().map(|&(l, w)| l as f64 * w).sum::<f64>() / total;
    let quantile = |q: f64| {
        let mut seen = 0.0;
        for &(l, w) in &by_length {
            seen += w;
            if seen >= q * total {
                return l as f64;
            }
        }
        by_length.last().map_or(0.0, |&(l, _)| l as f64)
    };
    LengthStats {
        journeys: total,
        mean,
        p50: quantile(0.5),
        p90: quantile(0.9),
        max: by_length.last().map_or(0.0, |&(l, _)| l as f64),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journey::MemoryPaths;

    #[test]
    fn buckets_follow_google_analytics_path_length_and_time_lag() {
        let touches: Vec<usize> = [1, 2, 11, 12, 40].map(touch_bucket).to_vec();
        assert_eq!(touches, [0, 1, 10, 11, 11]);
        let days: Vec<usize> = [0.0, 0.99, 1.0, 11.99, 12.0, 30.99, 31.0, 60.99, 61.0, 400.0]
            .map(day_bucket)
            .to_vec();
        assert_eq!(days, [0, 0, 1, 11, 12, 12, 13, 13, 14, 14]);
        // Paths without times: path length only.
        let rows = [
            (&["a", "b"][..], 2.0, 8.0, 1.0),
            (&["c"][..], 1.0, 2.0, 0.0),
        ];
        let options = TopPathOptions {
            top: 2,
            min_journeys: 1.0,
        };
        let top = top_paths(MemoryPaths::new("t", &rows), options).unwrap();
        assert!(top.days_to_conversion.is_none());
        let b = &top.touches_to_conversion;
        assert_eq!(b.len(), 12);
        assert_eq!(
            (b[0].conversions, b[0].value, b[0].share),
            (1.0, 2.0, 1.0 / 3.0)
        );
        assert_eq!(
            (b[1].conversions, b[1].value, b[1].share),
            (2.0, 8.0, 2.0 / 3.0)
        );
        assert_eq!(b[11].bucket, "12+");
    }

    #[test]
    fn merges_split_rows_and_ranks() {
        let rows = [
            (&["a", "b"][..], 1.0, 0.0, 1.0),
            (&["c"][..], 3.0, 0.0, 0.0),
            (&["a", "b"][..], 2.0, 0.0, 0.0),
            (&["b"][..], 0.0, 0.0, 9.0),
        ];
        let options = TopPathOptions {
            top: 2,
            min_journeys: 3.0,
        };
        let top = top_paths(MemoryPaths::new("t", &rows), options).unwrap();
        assert_eq!(top.distinct_paths, 3);
        assert_eq!(top.by_conversions[0].path, "a > b");
        assert_eq!(top.by_conversions[0].conversions, 3.0);
        let rates: Vec<&str> = top
            .by_conversion_rate
            .iter()
            .map(|e| e.path.as_str())
            .collect();
        assert_eq!(rates, vec!["c", "a > b"]);
        assert_eq!(top.path_length.converting.mean, (3.0 * 2.0 + 3.0) / 6.0);
        assert_eq!(top.path_length.all.max, 2.0);
    }
}
