//! How the heavy commands run: the simulation engine's flags (`simulate`, `whatif`), worker
//! threads for the others, and the progress bar. Threads never change output (every random
//! stream is tied to a fixed-size unit of work), so they are a speed knob only.

use clap::Args;

use journeysim_core::progress::Step;
use journeysim_core::simulate::{DEFAULT_MAX_STEPS, DEFAULT_PRECISION_CAP, SimulateOptions, Stop};
use journeysim_core::{Error, Result};

/// The simulation engine's flags (shared by the simulation commands).
#[derive(Args)]
pub struct EngineArgs {
    /// Journeys to simulate (with --precision: the most to simulate); `1e7` and `10_000_000`
    /// are accepted.
    #[arg(long, value_parser = super::values::count_u64)]
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
    #[arg(long, default_value_t = DEFAULT_MAX_STEPS, value_parser = super::values::count_u32)]
    max_steps: u32,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

impl EngineArgs {
    /// `--seed`: the simulation's, and any other random stream of the command (`report`'s
    /// bootstrap intervals).
    pub fn seed(&self) -> u64 {
        self.seed
    }

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
            threads: self.threads.map(capped_threads),
        };
        options.check()?;
        Ok(options)
    }
}

/// An indicatif bar on standard error, drawn only when standard error is a terminal, the loop
/// has lasted a second and --quiet is off. One bar per long loop (journeys, channels,
/// resamples): a new loop clears the last one. Open-ended (--precision) runs show a count, not a
/// bar towards the cap. The rate and time left are computed here from the loop's own start, at
/// least a second before the first draw, so they are never a count divided by almost nothing.
pub struct ProgressBar {
    enabled: bool,
    open_ended: bool,
    current: std::sync::Mutex<Option<Loop>>,
}

/// The loop being shown: its unit, when it began, and its bar once drawn.
struct Loop {
    unit: &'static str,
    start: std::time::Instant,
    bar: Option<indicatif::ProgressBar>,
}

impl ProgressBar {
    /// A bar that appears only if a loop turns out to be long.
    pub fn new(quiet: bool, open_ended: bool) -> Self {
        use std::io::IsTerminal;
        ProgressBar {
            enabled: !quiet && std::io::stderr().is_terminal(),
            open_ended,
            current: std::sync::Mutex::new(None),
        }
    }

    /// Moves the bar to `done` of `max` simulated journeys.
    pub fn update(&self, done: u64, max: u64) {
        self.show("journeys", self.open_ended, done, max);
    }

    /// Shows a step of one of the library's long loops.
    pub fn step(&self, step: Step) {
        self.show(step.task.unit(), false, step.done, step.total);
    }

    fn show(&self, unit: &'static str, open_ended: bool, done: u64, max: u64) {
        if !self.enabled {
            return;
        }
        let Ok(mut current) = self.current.lock() else {
            return;
        };
        if current.as_ref().is_none_or(|l| l.unit != unit) {
            if let Some(bar) = current.take().and_then(|l| l.bar) {
                bar.finish_and_clear();
            }
            *current = Some(Loop {
                unit,
                start: std::time::Instant::now(),
                bar: None,
            });
        }
        let Some(shown) = current.as_mut() else {
            return;
        };
        let elapsed = shown.start.elapsed();
        if shown.bar.is_none() && elapsed.as_secs_f64() < 1.0 {
            return;
        }
        let bar = shown.bar.get_or_insert_with(|| {
            let (bar, template) = if open_ended {
                (
                    indicatif::ProgressBar::no_length(),
                    format!("{{elapsed_precise}} {{human_pos}} {unit} ({{msg}}), until the precision is reached"),
                )
            } else {
                (
                    indicatif::ProgressBar::new(max),
                    format!("{{elapsed_precise}} [{{bar:40}}] {{human_pos}}/{{human_len}} {unit} ({{msg}})"),
                )
            };
            if let Ok(style) = indicatif::ProgressStyle::with_template(&template) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.with_elapsed(elapsed)
        });
        // Steps from several threads may arrive out of order: never move back.
        if done > bar.position() {
            bar.set_position(done);
            bar.set_message(rate_text(done, (!open_ended).then_some(max), elapsed));
        }
    }

    /// Clears the bar, if one was drawn.
    pub fn finish(&self) {
        if let Ok(mut current) = self.current.lock()
            && let Some(bar) = current.take().and_then(|l| l.bar)
        {
            bar.finish_and_clear();
        }
    }
}

/// "12,345/s, 3s left": units per second since the loop began, and the time left at that rate
/// when the total is known. Less than a second is counted as a second, so a rate is never a
/// count divided by almost nothing.
fn rate_text(done: u64, total: Option<u64>, elapsed: std::time::Duration) -> String {
    let seconds = elapsed.as_secs_f64().max(1.0);
    let rate = done as f64 / seconds;
    let mut text = format!("{}/s", indicatif::HumanCount(rate.round() as u64));
    if let Some(total) = total.filter(|_| rate > 0.0) {
        let left = total.saturating_sub(done) as f64 / rate;
        text.push_str(&format!(
            ", {} left",
            indicatif::HumanDuration(std::time::Duration::from_secs_f64(left.min(1e9)))
        ));
    }
    text
}

/// Runs `f` on a pool of `threads` workers (all cores when `None`; see [`capped_threads`]).
pub fn with_threads<T: Send>(threads: Option<usize>, f: impl FnOnce() -> T + Send) -> Result<T> {
    match threads.map(capped_threads) {
        None => Ok(f()),
        Some(0) => Err(Error::Invalid("--threads must be at least 1".into())),
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .map(|pool| pool.install(f))
            .map_err(|e| Error::Invalid(format!("cannot start {n} threads: {e}"))),
    }
}

/// `--threads n`, at most 4x the available cores (with a note on standard error): more
/// workers than that only cost memory and start-up (`--threads 100000` started thousands of
/// threads), and the output is the same for any count.
pub fn capped_threads(n: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
    let cap = cores.saturating_mul(4);
    if n > cap {
        eprintln!("note: --threads {n} is more than 4x the {cores} available cores; using {cap}");
        cap
    } else {
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_rate_is_never_a_count_over_almost_no_time() {
        // The bug: a bar created late saw its whole count arrive in ~0 s.
        assert_eq!(
            rate_text(1_816_452, None, Duration::from_nanos(1)),
            "1,816,452/s"
        );
        assert_eq!(rate_text(0, Some(10), Duration::ZERO), "0/s");
        assert_eq!(
            rate_text(500, Some(1500), Duration::from_secs(5)),
            "100/s, 10 seconds left"
        );
    }
}
