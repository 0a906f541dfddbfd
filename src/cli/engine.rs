//! How the heavy commands run: the simulation engine's flags (`simulate`, `whatif`), worker
//! threads for the others, and the progress bar. Threads never change output (every random
//! stream is tied to a fixed-size unit of work), so they are a speed knob only.

use clap::Args;

use journeysim_core::simulate::{DEFAULT_MAX_STEPS, DEFAULT_PRECISION_CAP, SimulateOptions, Stop};
use journeysim_core::{Error, Result};

/// The simulation engine's flags (shared by the simulation commands).
#[derive(Args)]
pub struct EngineArgs {
    /// Journeys to simulate (with --precision: the most to simulate); `1e7` and `10_000_000`
    /// are accepted.
    #[arg(long, value_parser = parse_count)]
    journeys: Option<u64>,
    /// Keep adding batches until the 95% interval of the conversion rate has at most this
    /// half-width (e.g. 0.0005); deterministic for a given seed.
    #[arg(long)]
    pub precision: Option<f64>,
    /// Seed of the random streams (printed in every output).
    #[arg(long, default_value_t = journeysim_core::rng::DEFAULT_SEED)]
    seed: u64,
    /// Worker threads [default: one per core]; never changes the output.
    #[arg(long)]
    threads: Option<usize>,
    /// Cap on states per journey; longer journeys are reported as truncated.
    #[arg(long, default_value_t = DEFAULT_MAX_STEPS)]
    max_steps: u32,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

impl EngineArgs {
    /// The engine options; `default_journeys` applies when neither --journeys nor --precision
    /// is given (commands where the count is optional).
    pub fn options(&self, default_journeys: Option<u64>) -> Result<SimulateOptions> {
        let stop = match (self.journeys.or(default_journeys), self.precision) {
            (Some(n), None) => Stop::Journeys(n),
            (cap, Some(half_width)) => Stop::Precision {
                half_width,
                max_journeys: cap.unwrap_or(DEFAULT_PRECISION_CAP),
            },
            (None, None) => {
                return Err(Error::Invalid(
                    "say how many journeys: --journeys N or --precision P".into(),
                ));
            }
        };
        let options = SimulateOptions {
            seed: self.seed,
            stop,
            max_steps: self.max_steps,
            threads: self.threads,
        };
        options.check()?;
        Ok(options)
    }
}

/// A journey count: digits with optional `_` separators, or a float form such as `1e7`.
fn parse_count(text: &str) -> std::result::Result<u64, String> {
    let plain = text.replace('_', "");
    if let Ok(n) = plain.parse::<u64>() {
        return Ok(n);
    }
    match plain.parse::<f64>() {
        Ok(x) if x >= 0.0 && x.fract() == 0.0 && x <= u64::MAX as f64 => Ok(x as u64),
        _ => Err(format!(
            "'{text}' is not a whole number of journeys",
            text = journeysim_core::error::clip(text)
        )),
    }
}

/// An indicatif bar on standard error, drawn only when standard error is a terminal, the run
/// has lasted a second and --quiet is off. Open-ended (--precision) runs show a count, not a
/// bar towards the cap.
pub struct ProgressBar {
    enabled: bool,
    open_ended: bool,
    start: std::time::Instant,
    bar: std::cell::OnceCell<indicatif::ProgressBar>,
}

impl ProgressBar {
    /// A bar that appears only if the run turns out to be long.
    pub fn new(quiet: bool, open_ended: bool) -> Self {
        use std::io::IsTerminal;
        ProgressBar {
            enabled: !quiet && std::io::stderr().is_terminal(),
            open_ended,
            start: std::time::Instant::now(),
            bar: std::cell::OnceCell::new(),
        }
    }

    /// Moves the bar to `done` of `max` journeys.
    pub fn update(&self, done: u64, max: u64) {
        if !self.enabled || (self.bar.get().is_none() && self.start.elapsed().as_secs_f64() < 1.0) {
            return;
        }
        let bar = self.bar.get_or_init(|| {
            let (bar, template) = if self.open_ended {
                (
                    indicatif::ProgressBar::no_length(),
                    "{elapsed_precise} {human_pos} journeys ({per_sec:0}), until the precision is reached",
                )
            } else {
                (
                    indicatif::ProgressBar::new(max),
                    "{elapsed_precise} [{bar:40}] {human_pos}/{human_len} journeys ({per_sec:0}, eta {eta})",
                )
            };
            if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar
        });
        bar.set_position(done);
    }

    /// Clears the bar, if one was drawn.
    pub fn finish(&self) {
        if let Some(bar) = self.bar.get() {
            bar.finish_and_clear();
        }
    }
}

/// Runs `f` on a pool of `threads` workers (all cores when `None`).
pub fn with_threads<T: Send>(threads: Option<usize>, f: impl FnOnce() -> T + Send) -> Result<T> {
    match threads {
        None => Ok(f()),
        Some(0) => Err(Error::Invalid("--threads must be at least 1".into())),
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .map(|pool| pool.install(f))
            .map_err(|e| Error::Invalid(format!("cannot start {n} threads: {e}"))),
    }
}
