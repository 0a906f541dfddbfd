//! The running statistics of simulated journeys: counts and sums only, so memory does not grow
//! with the number of journeys and two tallies merge by addition.
//!
//! Determinism: a tally's floating-point sums depend on the order journeys are added. Each batch
//! adds its journeys in order, and batches are merged in batch-index order
//! ([`super::batch::run_batches`]), so the sums are the same bits for any thread count.

use super::walk::{End, VisitSet, Walk};

/// Counts and sums over simulated journeys.
#[derive(Debug, Clone, PartialEq)]
pub struct Tally {
    /// Journeys walked.
    pub journeys: u64,
    /// Journeys that reached (conversion).
    pub conversions: u64,
    /// Journeys cut off by `max_steps`.
    pub truncated: u64,
    /// Sum of conversion values.
    pub value: f64,
    /// Sum of squared conversion values.
    pub value_sq: f64,
    /// `touches[l]`: journeys of `l` touches (grown as needed).
    pub touches: Vec<u64>,
    /// Per channel: journeys visiting a state that contains it.
    pub visits: Vec<u64>,
    /// Per channel: converting journeys visiting it.
    pub converting_visits: Vec<u64>,
    /// Per channel: value of converting journeys visiting it.
    pub converting_value: Vec<f64>,
    /// Per channel: squared value of converting journeys visiting it.
    pub converting_value_sq: Vec<f64>,
}

impl Tally {
    /// An empty tally for `channels` channels.
    pub fn new(channels: usize) -> Self {
        Tally {
            journeys: 0,
            conversions: 0,
            truncated: 0,
            value: 0.0,
            value_sq: 0.0,
            touches: Vec::new(),
            visits: vec![0; channels],
            converting_visits: vec![0; channels],
            converting_value: vec![0.0; channels],
            converting_value_sq: vec![0.0; channels],
        }
    }

    /// Adds one walk whose visited channels are `visited`.
    #[inline(always)]
    pub fn record<V: VisitSet>(&mut self, walk: &Walk, visited: &V) {
        self.journeys += 1;
        let l = walk.touches as usize;
        if l >= self.touches.len() {
            self.touches.resize(l + 1, 0);
        }
        self.touches[l] += 1;
        match walk.end {
            End::Conversion => {
                let v = walk.value;
                self.conversions += 1;
                self.value += v;
                self.value_sq += v * v;
                visited.for_each(|c| {
                    self.visits[c] += 1;
                    self.converting_visits[c] += 1;
                    self.converting_value[c] += v;
                    self.converting_value_sq[c] += v * v;
                });
            }
            End::Null => visited.for_each(|c| self.visits[c] += 1),
            End::Truncated => {
                self.truncated += 1;
                visited.for_each(|c| self.visits[c] += 1);
            }
        }
    }

    /// Adds `other` (the next batch) into `self`.
    pub fn merge(&mut self, other: &Tally) {
        self.journeys += other.journeys;
        self.conversions += other.conversions;
        self.truncated += other.truncated;
        self.value += other.value;
        self.value_sq += other.value_sq;
        if other.touches.len() > self.touches.len() {
            self.touches.resize(other.touches.len(), 0);
        }
        add(&mut self.touches, &other.touches);
        add(&mut self.visits, &other.visits);
        add(&mut self.converting_visits, &other.converting_visits);
        add(&mut self.converting_value, &other.converting_value);
        add(&mut self.converting_value_sq, &other.converting_value_sq);
    }
}

fn add<T: Copy + std::ops::AddAssign>(into: &mut [T], from: &[T]) {
    into.iter_mut().zip(from).for_each(|(a, &b)| *a += b);
}
