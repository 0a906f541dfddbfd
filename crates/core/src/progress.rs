//! Progress of the long loops (removal effects over many channels, bootstrap resamples,
//! generated journeys), reported to a callback the caller passes in: the core never prints, the
//! binary draws a bar. [`Step`] says which loop and how far; [`Counter`] counts units finished on
//! any thread and reports each.

use std::sync::atomic::{AtomicU64, Ordering};

/// Which long loop a [`Step`] belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Task {
    /// One absorption solve per channel removed.
    RemovalEffects,
    /// Bootstrap resamples of the attribution.
    Resamples,
    /// Journeys generated from a journey map.
    Journeys,
}

impl Task {
    /// What the loop counts, in the plural (`channels`).
    pub fn unit(self) -> &'static str {
        match self {
            Task::RemovalEffects => "channels",
            Task::Resamples => "resamples",
            Task::Journeys => "journeys",
        }
    }
}

/// `done` of `total` units of `task` are finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    /// The loop.
    pub task: Task,
    /// Units finished so far (steps of one task may arrive out of order from several threads).
    pub done: u64,
    /// Units in the loop.
    pub total: u64,
}

/// A progress callback; called from worker threads, so it must be `Sync`.
pub type Report<'a> = &'a (dyn Fn(Step) + Sync);

/// The callback of a caller that wants no progress.
pub fn ignore(_: Step) {}

/// Counts the finished units of one task across threads and reports each addition.
pub struct Counter<'a> {
    report: Report<'a>,
    task: Task,
    total: u64,
    done: AtomicU64,
}

impl<'a> Counter<'a> {
    /// A counter of `total` units of `task`; reports `0` of `total` at once, so a caller knows
    /// the loop has begun.
    pub fn new(report: Report<'a>, task: Task, total: u64) -> Self {
        report(Step {
            task,
            done: 0,
            total,
        });
        Counter {
            report,
            task,
            total,
            done: AtomicU64::new(0),
        }
    }

    /// `n` more units are finished.
    pub fn add(&self, n: u64) {
        let done = self.done.fetch_add(n, Ordering::Relaxed) + n;
        (self.report)(Step {
            task: self.task,
            done,
            total: self.total,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rayon::prelude::*;
    use std::sync::Mutex;

    #[test]
    fn a_counter_reports_every_unit_once_across_threads() {
        let seen = Mutex::new(Vec::new());
        let report = |s: Step| seen.lock().unwrap().push(s);
        let counter = Counter::new(&report, Task::Resamples, 1000);
        (0..1000).into_par_iter().for_each(|_| counter.add(1));
        let mut done: Vec<u64> = seen.lock().unwrap().iter().map(|s| s.done).collect();
        done.sort_unstable();
        assert_eq!(done, (0..=1000).collect::<Vec<_>>());
        assert!(
            seen.lock()
                .unwrap()
                .iter()
                .all(|s| s.total == 1000 && s.task == Task::Resamples)
        );
    }
}

/// The long loops report through their callbacks without changing their results.
#[cfg(test)]
mod reported {
    use std::sync::Mutex;

    use super::*;
    use crate::attribution::{
        AttributionOptions, HeuristicOptions, IntervalOptions, MethodOptions, attribute,
        attribute_with_progress,
    };
    use crate::journey::MemoryPaths;
    use crate::journey_map::generate::{BATCH, generate_paths, generate_paths_with_progress};
    use crate::model::FitOptions;

    /// The largest `done` seen for each task, and whether every step had the task's total.
    fn last(seen: &[Step], task: Task) -> Option<(u64, u64)> {
        let steps: Vec<&Step> = seen.iter().filter(|s| s.task == task).collect();
        let total = steps.first()?.total;
        assert!(steps.iter().all(|s| s.total == total && s.done <= total));
        Some((steps.iter().map(|s| s.done).max()?, total))
    }

    #[test]
    fn attribution_reports_every_channel_and_resample() {
        let rows = [
            (&["a", "b"][..], 3.0, 10.0, 1.0),
            (&["c", "a"][..], 1.0, 4.0, 2.0),
            (&["d"][..], 0.0, 0.0, 5.0),
        ];
        let options = AttributionOptions {
            fit: FitOptions::order(1),
            heuristics: HeuristicOptions::default(),
        };
        let methods = MethodOptions {
            intervals: Some(IntervalOptions {
                resamples: 40,
                level: 0.9,
                seed: 1,
            }),
            ..MethodOptions::default()
        };
        let seen = Mutex::new(Vec::new());
        let report = |s: Step| seen.lock().unwrap().push(s);
        let with = attribute_with_progress(
            MemoryPaths::new("x", &rows),
            &options,
            &methods,
            None,
            &report,
        )
        .unwrap();
        let without = attribute(MemoryPaths::new("x", &rows), &options, &methods, None).unwrap();
        assert_eq!(with, without);
        let seen = seen.into_inner().unwrap();
        assert_eq!(last(&seen, Task::RemovalEffects), Some((4, 4)));
        assert_eq!(last(&seen, Task::Resamples), Some((40, 40)));
    }

    #[test]
    fn generation_reports_every_journey() {
        let map =
            crate::journey_map::tests::parse(crate::journey_map::tests::TINY, "tiny.json").unwrap();
        // More than two batches, the last one partial.
        let journeys = 2 * BATCH + 17;
        let seen = Mutex::new(Vec::new());
        let report = |s: Step| seen.lock().unwrap().push(s);
        let with = generate_paths_with_progress(&map, journeys, 5, &report);
        assert_eq!(with, generate_paths(&map, journeys, 5));
        let seen = seen.into_inner().unwrap();
        assert_eq!(last(&seen, Task::Journeys), Some((journeys, journeys)));
        // 0, then one step per batch.
        assert_eq!(seen.len(), 4);
    }
}
