//! Generated bench data shared by the benches (a bench file includes it with `mod common;`):
//! distinct aggregated paths over 12 channels, lengths 1-10 with shorter paths more common,
//! conversions and nulls per path drawn so that about one journey in eight converts. Generated
//! in memory from a fixed seed, so nothing large is committed.

use std::collections::HashSet;
use std::fmt::Write as _;

use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

const CHANNELS: [&str; 12] = [
    "affiliate",
    "comparison",
    "direct",
    "display",
    "email",
    "referral",
    "retargeting",
    "reviews",
    "search_organic",
    "search_paid",
    "social",
    "video",
];

/// `count` distinct paths in ChannelAttribution's CSV format, from a fixed seed.
pub fn generate_paths(count: usize, seed: u64) -> Vec<u8> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut seen: HashSet<Vec<u8>> = HashSet::with_capacity(count);
    let mut text = String::from("path,total_conversions,total_conversion_value,total_null\n");
    while seen.len() < count {
        let length = 1 + (rng.random::<f64>().powi(2) * 10.0) as usize;
        let path: Vec<u8> = (0..length).map(|_| rng.random_range(0..12u8)).collect();
        if !seen.insert(path.clone()) {
            continue;
        }
        let names: Vec<&str> = path.iter().map(|&c| CHANNELS[c as usize]).collect();
        let journeys = rng.random_range(1..40u32);
        let conversions = (0..journeys)
            .filter(|_| rng.random::<f64>() < 0.125)
            .count();
        let value = conversions as f64 * rng.random_range(5.0..80.0);
        let nulls = journeys as usize - conversions;
        writeln!(
            text,
            "{},{conversions},{value:.2},{nulls}",
            names.join(" > ")
        )
        .unwrap();
    }
    text.into_bytes()
}
