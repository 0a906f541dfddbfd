//! Attribution of event logs: journeys cut from events (see [`crate::io::events`]), time decay
//! by real time, and optionally one model and attribution per segment (`--segment-col`) beside
//! the total.
//!
//! Segments answer the question a pooled first-order model cannot: when personas travel the map
//! differently, the pooled chain mixes their transition rows and its removal effects are biased
//! (see [`crate::journey_map`]); a model per segment is first-order again within the segment.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Attribution, AttributionBuilder, AttributionOptions, MethodOptions};
use crate::error::Result;
use crate::io::events::{EventsFormat, EventsSummary, read_events_file};
use crate::io::paths::ReadSummary;
use crate::journey::ChannelTable;
use crate::report::{Report, Table, number};

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

/// Reads an event log and attributes its journeys; time decay uses real time with
/// `half_life_days`. Returns the attribution and what was read.
pub fn attribute_events(
    path: &str,
    source: &str,
    format: &EventsFormat,
    options: &AttributionOptions,
    methods: &MethodOptions,
    half_life_days: f64,
) -> Result<(Attribution, EventsSummary)> {
    let mut builder =
        AttributionBuilder::new(options, Some(half_life_days))?.with_methods(methods)?;
    let mut channels = ChannelTable::new();
    let mut ages = Vec::new();
    let summary = read_events_file(path, source, format, &mut channels, |j| {
        j.ages_days(&mut ages);
        builder.observe(&j.row, Some(&ages));
    })?;
    let read = summary.as_read_summary();
    let attribution = builder.finish(channels, source, &read, summary.warnings(source))?;
    Ok((attribution, summary))
}

/// Like [`attribute_events`], with one attribution per value of `format.segment_col` as well.
pub fn attribute_event_segments(
    path: &str,
    source: &str,
    format: &EventsFormat,
    options: &AttributionOptions,
    methods: &MethodOptions,
    half_life_days: f64,
) -> Result<(SegmentedAttribution, EventsSummary)> {
    let segment_col = format.segment_col.clone().unwrap_or_default();
    let mut total =
        AttributionBuilder::new(options, Some(half_life_days))?.with_methods(methods)?;
    let mut segments: BTreeMap<String, (AttributionBuilder, ReadSummary)> = BTreeMap::new();
    let mut channels = ChannelTable::new();
    let mut ages = Vec::new();
    let mut error = None;
    let summary = read_events_file(path, source, format, &mut channels, |j| {
        j.ages_days(&mut ages);
        total.observe(&j.row, Some(&ages));
        if !segments.contains_key(j.segment) {
            match AttributionBuilder::new(options, Some(half_life_days))
                .and_then(|b| b.with_methods(methods))
            {
                Ok(b) => {
                    segments.insert(j.segment.to_owned(), (b, ReadSummary::default()));
                }
                Err(e) => {
                    error.get_or_insert(e);
                    return;
                }
            }
        }
        let (builder, read) = segments.get_mut(j.segment).expect("inserted");
        builder.observe(&j.row, Some(&ages));
        add(read, j.row.conversions, j.row.value, j.row.nulls);
    })?;
    if let Some(e) = error {
        return Err(e);
    }
    let total = total.finish(
        channels.clone(),
        source,
        &summary.as_read_summary(),
        summary.warnings(source),
    )?;
    let segments = segments
        .into_iter()
        .map(|(segment, (builder, read))| {
            let name = format!("{source} [{segment_col}={segment}]");
            let warnings = read.warnings(&name);
            Ok(SegmentAttribution {
                attribution: builder.finish(channels.clone(), &name, &read, warnings)?,
                segment,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok((
        SegmentedAttribution {
            segment_col,
            total,
            segments,
        },
        summary,
    ))
}

impl Report for SegmentedAttribution {
    fn table(&self) -> String {
        let mut out = format!("total (all segments)\n{}", self.total.table());
        let mut summary = Table::new([
            self.segment_col.as_str(),
            "journeys",
            "conversions",
            "P(conversion)",
            "value per journey",
        ]);
        for s in &self.segments {
            let m = &s.attribution.model;
            summary.row([
                s.segment.clone(),
                number(m.journeys),
                number(m.total_conversions),
                format!("{:.6}", m.conversion_probability),
                format!("{:.4}", m.value_per_journey),
            ]);
        }
        out.push_str(&format!(
            "\nsegments by {}\n{}",
            self.segment_col,
            summary.render()
        ));
        for s in &self.segments {
            out.push_str(&format!(
                "\n{} = {}\n{}",
                self.segment_col,
                s.segment,
                s.attribution.table()
            ));
        }
        out
    }

    fn csv(&self, writer: &mut csv::Writer<Vec<u8>>) -> csv::Result<()> {
        // The channel rows of `attribute`, each with the segment in front ("(total)" for all).
        let groups: Vec<(&str, &Attribution)> = std::iter::once(("(total)", &self.total))
            .chain(
                self.segments
                    .iter()
                    .map(|s| (s.segment.as_str(), &s.attribution)),
            )
            .collect();
        crate::report::channel_csv(writer, Some("segment"), &groups)
    }
}
