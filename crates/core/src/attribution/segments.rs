//! Attribution by segment: one model and attribution per segment of the journeys (a persona, a
//! market) beside the total.
//!
//! Segments answer the question a pooled first-order model cannot: when personas travel the map
//! differently, the pooled chain mixes their transition rows and its removal effects are biased
//! (see [`crate::journey_map`]); a model per segment is first-order again within the segment.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Attribution, AttributionBuilder, AttributionOptions, MethodOptions};
use crate::error::Result;
use crate::journey::{ChannelTable, PathSource, ReadSummary};

/// The total attribution and one per segment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SegmentedAttribution {
    /// The segment column.
    pub segment_col: String,
    /// All journeys.
    pub total: Attribution,
    /// One entry per segment value, sorted by it.
    pub segments: Vec<SegmentAttribution>,
}

/// One segment's attribution.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SegmentAttribution {
    /// The segment value.
    pub segment: String,
    /// Its model and attribution.
    pub attribution: Attribution,
}

/// Per-segment totals, kept in the paths reader's form.
fn add(summary: &mut ReadSummary, conversions: f64, value: f64, nulls: f64) {
    summary.rows += 1;
    summary.conversions += conversions;
    summary.value += value;
    summary.nulls += nulls;
}

/// Attributes every journey of `source` and, beside the total, the journeys of each segment
/// (`segment_col` names the segment column in messages and output). Time decay uses real time
/// with `half_life_days` where the source knows the touches' ages.
pub fn attribute_segments(
    source: impl PathSource,
    segment_col: &str,
    options: &AttributionOptions,
    methods: &MethodOptions,
    half_life_days: Option<f64>,
) -> Result<SegmentedAttribution> {
    let builder = || AttributionBuilder::new(options, half_life_days)?.with_methods(methods);
    let mut total = builder()?;
    let mut segments: BTreeMap<String, (AttributionBuilder, ReadSummary)> = BTreeMap::new();
    let mut channels = ChannelTable::new();
    let mut error = None;
    let name = source.name().to_owned();
    let (summary, warnings) = source.read(&mut channels, &mut |j| {
        total.observe(&j.path, j.ages_days);
        let segment = j.segment.unwrap_or_default();
        if !segments.contains_key(segment) {
            match builder() {
                Ok(b) => {
                    segments.insert(segment.to_owned(), (b, ReadSummary::default()));
                }
                Err(e) => {
                    error.get_or_insert(e);
                    return;
                }
            }
        }
        let (builder, read) = segments.get_mut(segment).expect("inserted");
        builder.observe(&j.path, j.ages_days);
        add(read, j.path.conversions, j.path.value, j.path.nulls);
    })?;
    if let Some(e) = error {
        return Err(e);
    }
    let total = total.finish(channels.clone(), &name, &summary, warnings)?;
    let segments = segments
        .into_iter()
        .map(|(segment, (builder, read))| {
            let name = format!("{name} [{segment_col}={segment}]");
            let warnings = read.warnings(&name);
            Ok(SegmentAttribution {
                attribution: builder.finish(channels.clone(), &name, &read, warnings)?,
                segment,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(SegmentedAttribution {
        segment_col: segment_col.to_owned(),
        total,
        segments,
    })
}
