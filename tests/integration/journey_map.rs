//! The shipped journey map: it loads, its numbers are realistic, and its exact mixture figures
//! agree with each persona's chain and with generated data.

use journeysim_core::journey_map::generate::generate_paths;
use journeysim_core::solve::absorb;

pub const MAP: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/journey_map.json");

#[test]
fn shipped_map_loads_with_six_stages_and_three_personas() {
    let map = journeysim_io::map_file::read_map(MAP).unwrap();
    assert_eq!(
        map.stages,
        [
            "Awareness",
            "Interest",
            "Consideration",
            "Purchase",
            "Experience",
            "Loyalty"
        ]
    );
    assert_eq!(map.personas.len(), 3);
    assert!(map.touchpoints.len() >= 10);
    // Checkout abandonment (leaving without converting) is about 70% in the population.
    let checkout = map.touchpoint("checkout").unwrap();
    let n = map.touchpoints.len();
    let abandonment: f64 = map
        .personas
        .iter()
        .map(|p| p.share * (1.0 - p.rows[checkout][n]))
        .sum();
    assert!((0.65..=0.75).contains(&abandonment), "{abandonment}");
}

#[test]
fn mixture_truth_is_the_share_weighted_persona_figures() {
    let map = journeysim_io::map_file::read_map(MAP).unwrap();
    let truth = map.truth().unwrap();
    let mut p = 0.0;
    for (i, persona) in map.personas.iter().enumerate() {
        let a = absorb(&map.persona_chain(i).unwrap(), None).unwrap();
        p += persona.share * a.conversion_probability;
    }
    assert!((truth.conversion_probability - p).abs() < 1e-12);
    let share_sum: f64 = truth
        .touchpoints
        .iter()
        .map(|t| t.removal_effect_share)
        .sum();
    assert!((share_sum - 1.0).abs() < 1e-12);
}

#[test]
fn generated_rates_agree_with_the_exact_mixture_within_four_standard_errors() {
    let map = journeysim_io::map_file::read_map(MAP).unwrap();
    let truth = map.truth().unwrap();
    let n = 200_000u64;
    let (_, summary) = generate_paths(&map, n, 11);
    let p = truth.conversion_probability;
    let rate = summary.conversions as f64 / n as f64;
    let se = (p * (1.0 - p) / n as f64).sqrt();
    assert!(
        (rate - p).abs() < 4.0 * se,
        "rate {rate} vs exact {p} (se {se})"
    );
    // Value per journey: its standard error from the sample itself is not available here, so
    // bound it by the log-normal values' largest mean and cv: Var <= p E[V^2] <= p * 160^2 (1 + 0.7^2).
    let v = summary.value / n as f64;
    let se_v = (p * 160.0f64.powi(2) * (1.0 + 0.49) / n as f64).sqrt();
    assert!(
        (v - truth.value_per_journey).abs() < 4.0 * se_v,
        "value {v} vs {}",
        truth.value_per_journey
    );
}
