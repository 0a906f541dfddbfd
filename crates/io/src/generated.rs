//! Writers of generated journeys: the aggregated paths CSV and the event log, which describe the
//! same journeys (aggregating the event log gives the paths file).

use std::io::Write;

use journeysim_core::error::{Error, Result};
use journeysim_core::journey_map::JourneyMap;
use journeysim_core::journey_map::generate::{
    BATCH, GenerateSummary, GeneratedJourney, PathCounts, START_TIME,
    generate_batches_with_progress,
};
use journeysim_core::progress;

/// Room for one batch of event rows (about 200 bytes per journey).
const BATCH_BYTES: usize = BATCH as usize * 200;

/// The paths CSV of aggregated counts, rows sorted by path text.
pub fn paths_csv(map: &JourneyMap, counts: &PathCounts) -> Result<Vec<u8>> {
    let channels = map.channels();
    let mut rows: Vec<(String, &[f64; 3])> = counts
        .iter()
        .map(|(touches, c)| (channels.format_path(touches), c))
        .collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    let mut writer = csv::Writer::from_writer(Vec::new());
    let csv_error = |e: csv::Error| Error::Numerical(format!("cannot write CSV: {e}"));
    writer
        .write_record([
            "path",
            "total_conversions",
            "total_conversion_value",
            "total_null",
        ])
        .map_err(csv_error)?;
    for (path, c) in rows {
        writer
            .write_record([
                path,
                c[0].to_string(),
                // Values are whole cents; the sum is too, up to float rounding.
                ((c[1] * 100.0).round() / 100.0).to_string(),
                c[2].to_string(),
            ])
            .map_err(csv_error)?;
    }
    writer
        .into_inner()
        .map_err(|e| Error::Numerical(format!("cannot write CSV: {e}")))
}

/// Writes the event log of `journeys` journeys to `out`, streaming: memory is bounded by one
/// chunk of batches whatever N. Users are `u` + the journey number zero-padded to a fixed width,
/// so the log is sorted by user, then time (the order `--events` streams).
pub fn write_events(
    map: &JourneyMap,
    journeys: u64,
    seed: u64,
    out: &mut dyn Write,
    out_name: &str,
) -> Result<GenerateSummary> {
    write_events_with_progress(map, journeys, seed, out, out_name, &progress::ignore)
}

/// [`write_events`], reporting the journeys generated to `progress`.
pub fn write_events_with_progress(
    map: &JourneyMap,
    journeys: u64,
    seed: u64,
    out: &mut dyn Write,
    out_name: &str,
    progress: progress::Report<'_>,
) -> Result<GenerateSummary> {
    let fields = EventFields::new(map)?;
    let width = journeys.to_string().len().max(7);
    let write_error = |source| Error::Write {
        path: out_name.to_owned(),
        source,
    };
    out.write_all(b"user_id,timestamp,touchpoint,stage,persona,conversion,value\n")
        .map_err(write_error)?;
    generate_batches_with_progress(
        map,
        journeys,
        seed,
        || Vec::with_capacity(BATCH_BYTES),
        |bytes, j, journey| fields.write_journey(bytes, width, j, journey),
        |bytes| out.write_all(&bytes).map_err(write_error),
        progress,
    )
}

/// The fixed text of event rows, CSV-escaped once: `touchpoint,stage,` per touchpoint and
/// `persona,` per persona, so rows are written without per-row allocation.
struct EventFields {
    touchpoint_stage: Vec<Vec<u8>>,
    persona: Vec<Vec<u8>>,
}

impl EventFields {
    fn new(map: &JourneyMap) -> Result<EventFields> {
        let escape = |fields: &[&str]| -> Result<Vec<u8>> {
            let mut writer = csv::WriterBuilder::new()
                .has_headers(false)
                .terminator(csv::Terminator::Any(b','))
                .from_writer(Vec::new());
            writer
                .write_record(fields)
                .map_err(|e| Error::Numerical(format!("cannot write CSV: {e}")))?;
            writer
                .into_inner()
                .map_err(|e| Error::Numerical(format!("cannot write CSV: {e}")))
        };
        Ok(EventFields {
            touchpoint_stage: map
                .touchpoints
                .iter()
                .map(|t| escape(&[&t.name, &map.stages[t.stage]]))
                .collect::<Result<_>>()?,
            persona: map
                .personas
                .iter()
                .map(|p| escape(&[&p.name]))
                .collect::<Result<_>>()?,
        })
    }

    /// Appends journey `j`'s rows to `out`.
    fn write_journey(&self, out: &mut Vec<u8>, width: usize, j: u64, journey: &GeneratedJourney) {
        use std::io::Write as _;
        let last = journey.touches.len() - 1;
        for (i, (&t, &h)) in journey.touches.iter().zip(&journey.hours).enumerate() {
            let seconds = START_TIME + (h * 3600.0).floor() as i64;
            // Writing to a Vec cannot fail.
            let _ = write!(out, "u{:0width$},", j + 1);
            write_rfc3339(out, seconds);
            out.push(b',');
            out.extend_from_slice(&self.touchpoint_stage[t as usize]);
            out.extend_from_slice(&self.persona[journey.persona]);
            if i == last && journey.converted {
                let _ = writeln!(out, "1,{}", journey.value);
            } else {
                out.extend_from_slice(b"0,0\n");
            }
        }
    }
}

/// Appends [`crate::time::format_rfc3339`]'s text for `seconds` without allocating.
fn write_rfc3339(out: &mut Vec<u8>, seconds: i64) {
    let (y, m, d) = crate::time::civil_from_days(seconds.div_euclid(86_400));
    let rest = seconds.rem_euclid(86_400);
    let two = |out: &mut Vec<u8>, x: i64| {
        out.extend_from_slice(&[b'0' + (x / 10) as u8, b'0' + (x % 10) as u8])
    };
    if (0..=9999).contains(&y) {
        two(out, y / 100);
        two(out, y % 100);
    } else {
        out.extend_from_slice(format!("{y:04}").as_bytes());
    }
    out.push(b'-');
    two(out, i64::from(m));
    out.push(b'-');
    two(out, i64::from(d));
    out.push(b'T');
    two(out, rest / 3600);
    out.push(b':');
    two(out, rest % 3600 / 60);
    out.push(b':');
    two(out, rest % 60);
    out.push(b'Z');
}

#[cfg(test)]
mod tests {
    use super::*;

    const TINY: &str = r#"{
      "stages": ["Awareness", "Purchase"],
      "touchpoints": [
        {"name": "a", "stage": "Awareness", "entry": 1.0,
         "transitions": {"b": 0.5, "null": 0.5},
         "dwell_hours": {"distribution": "exponential", "mean": 2}},
        {"name": "b", "stage": "Purchase",
         "transitions": {"conversion": 0.4, "null": 0.6},
         "dwell_hours": {"distribution": "gamma", "shape": 2, "scale": 1}}
      ],
      "value": {"distribution": "log_normal", "mean": 50, "cv": 0.5}
    }"#;

    fn tiny() -> JourneyMap {
        crate::map_file::parse_map(TINY, "tiny.json").unwrap()
    }

    #[test]
    fn fast_timestamps_match_the_formatter() {
        for seconds in [START_TIME, START_TIME + 86_399, 951_782_400 + 3661, -1, 0] {
            let mut out = Vec::new();
            write_rfc3339(&mut out, seconds);
            assert_eq!(
                String::from_utf8(out).unwrap(),
                crate::time::format_rfc3339(seconds)
            );
        }
    }

    #[test]
    fn runs_are_prefixes_of_longer_runs() {
        let map = tiny();
        let mut small = Vec::new();
        write_events(&map, 5000, 3, &mut small, "x").unwrap();
        let mut large = Vec::new();
        write_events(&map, 9000, 3, &mut large, "x").unwrap();
        let small = String::from_utf8(small).unwrap();
        let large = String::from_utf8(large).unwrap();
        assert!(large.starts_with(&small));
    }
}
