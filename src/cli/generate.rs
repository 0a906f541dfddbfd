//! `journeysim generate`: synthetic journeys from a journey map, as aggregated paths or an event
//! log, so every reader and method can be checked against a known truth.

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use journeysim_core::journey_map::generate;
use journeysim_core::{Error, Result};
use journeysim_io::generated::{paths_csv, write_events_with_progress};
use journeysim_io::map_file::read_map;
use journeysim_io::output::{write_output, write_output_streaming};

use super::engine::{ProgressBar, with_threads};

/// Arguments of `generate`. It writes data, not a report, so it has its own `--format` (paths or
/// events) and `--out`.
#[derive(Args)]
pub struct GenerateArgs {
    /// Journey map (JSON; see scenarios/README.md, "Journey maps").
    #[arg(long, value_parser = super::values::file_name())]
    map: String,
    /// Number of journeys; `1e7` and `10_000_000` are accepted.
    #[arg(long, value_parser = super::values::count_u64)]
    journeys: u64,
    /// Random seed [default: 20240601].
    #[arg(long)]
    seed: Option<u64>,
    /// What to write: aggregated paths (the CSV `attribute` reads) or one row per touch
    /// [default: paths]; both are CSV, so without --format an --out extension must be .csv.
    #[arg(long, value_enum)]
    format: Option<GenerateFormat>,
    /// Write to this file (atomically) instead of standard output.
    #[arg(long, value_parser = super::values::out_path())]
    out: Option<PathBuf>,
    /// Worker threads [default: all cores]; the output is the same for any number.
    #[arg(long)]
    threads: Option<usize>,
}

/// Output of `generate`.
#[derive(Clone, Copy, ValueEnum)]
enum GenerateFormat {
    /// `path,total_conversions,total_conversion_value,total_null`.
    Paths,
    /// `user_id,timestamp,touchpoint,stage,persona,conversion,value`.
    Events,
}

/// Generates on `--threads` workers and writes the journeys; a summary goes to standard error.
pub fn run(args: GenerateArgs) -> Result<()> {
    let format = match args.format {
        Some(format) => format,
        None => {
            check_csv_extension(args.out.as_deref())?;
            GenerateFormat::Paths
        }
    };
    with_threads(args.threads, || {
        generate_journeys(
            &args.map,
            args.journeys,
            args.seed,
            format,
            args.out.as_deref(),
        )
    })?
}

fn generate_journeys(
    map: &str,
    journeys: u64,
    seed: Option<u64>,
    format: GenerateFormat,
    out: Option<&Path>,
) -> Result<()> {
    if journeys == 0 {
        return Err(Error::Invalid("--journeys must be at least 1".into()));
    }
    let map = read_map(map)?;
    let seed = seed.unwrap_or(journeysim_core::rng::DEFAULT_SEED);
    let bar = ProgressBar::new(false, false);
    let progress = |step| bar.step(step);
    let summary = match format {
        GenerateFormat::Paths => {
            let (counts, summary) =
                generate::generate_paths_with_progress(&map, journeys, seed, &progress);
            bar.finish();
            write_output(out, &paths_csv(&map, &counts)?)?;
            summary
        }
        GenerateFormat::Events => {
            let mut summary = None;
            let written = write_output_streaming(out, |w, name| {
                summary = Some(write_events_with_progress(
                    &map, journeys, seed, w, name, &progress,
                )?);
                Ok(())
            });
            bar.finish();
            written?;
            summary.expect("set on success")
        }
    };
    eprintln!(
        "generated {} journeys (seed {seed}): {} conversions, value {:.2}, {} touches{}",
        summary.journeys,
        summary.conversions,
        summary.value,
        summary.touches,
        if summary.truncated > 0 {
            format!(
                ", {} truncated at {} touches",
                summary.truncated,
                generate::MAX_STEPS
            )
        } else {
            String::new()
        }
    );
    Ok(())
}

/// Without --format, an --out extension other than .csv names no format `generate` writes.
fn check_csv_extension(out: Option<&Path>) -> Result<()> {
    match out.and_then(Path::extension) {
        Some(e) if !e.eq_ignore_ascii_case("csv") => Err(Error::Invalid(format!(
            "--out {}: the extension .{} names no format generate writes; use .csv, or choose \
             the format explicitly with --format paths|events",
            out.map(Path::display)
                .map(|d| d.to_string())
                .unwrap_or_default(),
            e.to_string_lossy()
        ))),
        _ => Ok(()),
    }
}
