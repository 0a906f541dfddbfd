//! `journeysim compare`: what changed between two sets of journeys, two paths files or two
//! event logs (`compare A B`, `compare --events A B`), or one event log split by the time of
//! each journey's first touch (`--split-at`) or by a segment column (`--segment-col`,
//! `--segments X,Y`). The figures come from `core::compare`; `--svg` draws each channel's
//! removal effect on both sides and the difference with its interval.

use std::path::PathBuf;

use clap::Args;

use journeysim_core::attribution::IntervalOptions;
use journeysim_core::compare::{
    CompareOptions, Comparison, SegmentSide, compare, compare_segments,
};
use journeysim_core::error::clip;
use journeysim_core::model::FitOptions;
use journeysim_core::{Error, Result};
use journeysim_io::output::write_output;
use journeysim_io::stage_file::read_stage_map;
use journeysim_io::time::parse_timestamp;
use journeysim_report::Format;
use journeysim_report::svg::comparison_chart;

use super::input::PathsInput;
use super::methods::HeuristicArgs;
use super::output::{OutputArgs, warn};
use super::picture::PictureArgs;

/// Arguments of `compare`.
#[derive(Args)]
pub struct CompareArgs {
    #[command(flatten)]
    input: PathsInput,
    /// The second input B: a paths file, or (with --events A) the second event log.
    #[arg(value_name = "B", value_parser = super::values::file_name())]
    second: Option<String>,
    /// Split one event log in two: A = journeys whose first touch is before this time (a date,
    /// RFC 3339 or Unix seconds), B = the others.
    #[arg(long, value_name = "DATE", conflicts_with = "segment_col")]
    split_at: Option<String>,
    /// Split one event log by this column (the value on a journey's last row); name the two
    /// sides with --segments.
    #[arg(long, value_name = "COL", requires = "segments")]
    segment_col: Option<String>,
    /// The two segments compared, A then B (with --segment-col).
    #[arg(
        long,
        value_name = "X,Y",
        value_delimiter = ',',
        requires = "segment_col"
    )]
    segments: Vec<String>,
    /// Markov order of both chains.
    #[arg(long, default_value_t = 1)]
    order: usize,
    #[command(flatten)]
    heuristics: HeuristicArgs,
    /// Bootstrap resamples of each side; `1e3` and `1_000` are accepted.
    #[arg(long, default_value = "200", value_parser = super::values::count_usize)]
    resamples: usize,
    /// Interval coverage.
    #[arg(long, default_value_t = 0.95)]
    level: f64,
    /// Seed of the resamples; the same seed gives the same intervals on any thread count.
    #[arg(long, default_value_t = journeysim_core::rng::DEFAULT_SEED)]
    seed: u64,
    /// Transitions listed per row: those whose probability changed most.
    #[arg(long, default_value_t = 3)]
    changes: usize,
    /// Stage map (`{"stages": [...], "touchpoints": {...}}`): add each side's stage funnel.
    #[arg(long, value_name = "STAGES_JSON", value_parser = super::values::file_name())]
    stages: Option<String>,
    /// Also draw each channel's removal effect in A and B, and B - A with its interval, to
    /// this SVG file.
    #[arg(long, value_name = "FILE", value_parser = super::values::out_path())]
    svg: Option<PathBuf>,
    #[command(flatten)]
    picture: PictureArgs,
    #[command(flatten)]
    output: OutputArgs,
}

/// Compares the two sides and writes the result (and the SVG when asked).
pub fn run(args: CompareArgs) -> Result<()> {
    args.output.check()?;
    let stages = match &args.stages {
        Some(path) => Some((read_stage_map(path)?, path.clone())),
        None => None,
    };
    let input = &args.input;
    let events = input.events.events.is_some();
    let options = CompareOptions {
        fit: FitOptions::order(args.order),
        heuristics: args.heuristics.options(),
        half_life_days: events.then_some(args.heuristics.half_life_days),
        intervals: IntervalOptions {
            resamples: args.resamples,
            level: args.level,
            seed: args.seed,
        },
        changes: args.changes,
        stages,
    };
    let split = args.split_at.is_some() || args.segment_col.is_some();
    let result = if split {
        if !events {
            let (flag, what) = match args.split_at {
                Some(_) => ("--split-at", "times"),
                None => ("--segment-col", "segments"),
            };
            return Err(Error::Invalid(format!(
                "{flag} splits the journeys of an event log; {} is a paths file, which has no \
                 {what}: give --events FILE",
                input.source()
            )));
        }
        if input.file.is_some() || args.second.is_some() {
            return Err(Error::Invalid(
                "--split-at and --segment-col split one event log; give --events FILE alone, \
                 or two inputs without them"
                    .into(),
            ));
        }
        split_one(&args, &options)?
    } else {
        let (a, b) = match (events, &input.file, &args.second) {
            (true, Some(b), None) => (input.clone(), input.other(b)),
            (false, Some(_), Some(b)) => (input.clone(), input.other(b)),
            (true, Some(_), Some(_)) => {
                return Err(Error::Invalid(
                    "with --events A, give one more event log B: `compare --events A B`".into(),
                ));
            }
            _ => {
                return Err(Error::Invalid(
                    "compare needs two inputs (`compare A B`, or `compare --events A B`), or one \
                     event log split by --split-at DATE or --segment-col COL --segments X,Y"
                        .into(),
                ));
            }
        };
        let mut result = compare(a.data(None)?, b.data(None)?, &options)?;
        if a.source() == b.source() {
            result.warnings.push(format!(
                "A and B are the same input ({}): every difference is 0, and the intervals show \
                 only the spread of two independent resamples",
                a.source()
            ));
        }
        result
    };
    if let Some(path) = &args.svg {
        write_output(
            Some(path),
            comparison_chart(&result, args.picture.size())?.as_bytes(),
        )?;
    }
    warn(&result.warnings);
    args.output.emit(&result, Format::Table)
}

/// One event log split by first-touch time or by segment.
fn split_one(args: &CompareArgs, options: &CompareOptions) -> Result<Comparison> {
    let input = &args.input;
    let source = input.source();
    if let Some(date) = &args.split_at {
        let at = parse_timestamp(date).ok_or_else(|| {
            Error::Invalid(format!(
                "--split-at '{}' is not a time; give a date (2026-01-20), an RFC 3339 time or \
                 Unix seconds",
                clip(date)
            ))
        })?;
        let labels = ["before".to_owned(), "from".to_owned()];
        let sides = [
            SegmentSide {
                value: labels[0].clone(),
                name: format!("{source} [first touch before {date}]"),
            },
            SegmentSide {
                value: labels[1].clone(),
                name: format!("{source} [first touch from {date}]"),
            },
        ];
        return compare_segments(input.events_split_at(at, labels)?, &sides, options);
    }
    let column = args.segment_col.as_deref().expect("checked by the caller");
    let [x, y] = args.segments.as_slice() else {
        return Err(Error::Invalid(format!(
            "--segments takes exactly two values, A and B (got {}): --segments X,Y",
            args.segments.len()
        )));
    };
    let side = |value: &String| SegmentSide {
        value: value.clone(),
        name: format!("{source} [{column}={value}]"),
    };
    compare_segments(
        input.events_by_segment(column)?,
        &[side(x), side(y)],
        options,
    )
}
