//! Exact attribution on chains small enough to solve by hand. The derivations are in the
//! comments; every expected number is a fraction worked out on paper, not a value read back from
//! the code.

use journeysim_core::attribution::{
    Attribution, AttributionOptions, HeuristicOptions, attribute_paths,
};
use journeysim_core::model::FitOptions;
use journeysim_io::paths::{PathsFormat, PathsReader};

fn attribute(text: &str, order: usize) -> Attribution {
    let options = AttributionOptions {
        fit: FitOptions::order(order),
        heuristics: HeuristicOptions::default(),
    };
    attribute_paths(
        PathsReader::new(text.as_bytes(), "hand.csv", &PathsFormat::default()),
        &options,
    )
    .unwrap()
}

fn assert_close(got: f64, want: f64, what: &str) {
    assert!(
        (got - want).abs() <= 1e-12 * want.abs().max(1.0),
        "{what}: got {got}, want {want}"
    );
}

/// A loop a > b > a > b, where a walk may cycle a -> b -> a many times before it ends.
/// ChannelAttribution caps walks at `max_step` steps, which biases such chains; the exact
/// solution has no cap.
///
/// Paths: `a > b > a > b` (2 conversions, 1 null), `c > b` (1, 1), `a` (0, 2), `c` (0, 1).
/// Counts: start -> a 5, start -> c 3; a -> b 6, a -> null 2; b -> a 3, b -> conv 3,
/// b -> null 2; c -> b 2, c -> null 1. So
///   h_b = 3/8 + 3/8 h_a,  h_a = 3/4 h_b  =>  h_b = 12/23, h_a = 9/23, h_c = 2/3 h_b = 8/23,
///   P = 5/8 * 9/23 + 3/8 * 8/23 = 3/8 (the observed 3 conversions in 8 journeys).
/// Without a: h_b = 3/8, h_c = 1/4, P = 3/8 * 1/4 = 3/32, removal effect 1 - (3/32)/(3/8) = 3/4.
/// Without b: nothing converts, removal effect 1.
/// Without c: P = 5/8 * 9/23 = 45/184, removal effect 1 - 45/69 = 8/23.
/// Credits share the 3 conversions in proportion 3/4 : 1 : 8/23 = 69 : 92 : 32 (sum 193).
#[test]
fn loop_through_two_channels_is_solved_exactly() {
    let result = attribute(
        "path,total_conversions,total_conversion_value,total_null\n\
         a > b > a > b,2,20,1\n\
         c > b,1,30,1\n\
         a,0,0,2\n\
         c,0,0,1\n",
        1,
    );
    assert_close(
        result.model.conversion_probability,
        3.0 / 8.0,
        "P(conversion)",
    );
    let effects: Vec<f64> = result
        .channels
        .iter()
        .map(|c| c.removal_effect.unwrap())
        .collect();
    let want = [3.0 / 4.0, 1.0, 8.0 / 23.0];
    for (got, want) in effects.iter().zip(want) {
        assert_close(*got, want, "removal effect");
    }
    let credits: Vec<f64> = result
        .channels
        .iter()
        .map(|c| c.markov_conversions.unwrap())
        .collect();
    for (got, want) in credits.iter().zip([69.0, 92.0, 32.0]) {
        assert_close(*got, 3.0 * want / 193.0, "markov_conversions");
    }
    // Every conversion ends at b, so value follows conversions exactly.
    for c in &result.channels {
        assert_close(
            c.removal_effect_value.unwrap(),
            c.removal_effect.unwrap(),
            "value removal effect",
        );
    }
}

/// Value attached to different last states.
///
/// Paths: `a > b` (1 conversion worth 100), `b > a` (1 worth 10), `a` (2 nulls).
/// start -> a 3/4, b 1/4; a: b 1/4, conv 1/4, null 1/2, value 10 per conversion;
/// b: conv 1/2, a 1/2, value 100 per conversion.
///   h_a = 1/4 + 1/4 h_b, h_b = 1/2 + 1/2 h_a  =>  h_a = 3/7, h_b = 5/7, P = 1/2.
///   v_a = 10/4 + 1/4 v_b, v_b = 100/2 + 1/2 v_a =>  v_a = 120/7, v_b = 410/7, E[V] = 27.5.
/// Without a: P = 1/4 * 1/2 = 1/8 (effect 3/4), E[V] = 1/4 * 50 = 12.5 (effect 6/11).
/// Without b: P = 3/4 * 1/4 = 3/16 (effect 5/8), E[V] = 3/4 * 2.5 (effect 41/44).
/// Credits: conversions 2 * (6/11, 5/11); value 110 * (24/65, 41/65).
#[test]
fn value_removal_effects_follow_the_value_of_each_last_state() {
    let result = attribute(
        "path,total_conversions,total_conversion_value,total_null\n\
         a > b,1,100,0\n\
         b > a,1,10,0\n\
         a,0,0,2\n",
        1,
    );
    assert_close(result.model.conversion_probability, 0.5, "P(conversion)");
    assert_close(result.model.value_per_journey, 27.5, "value per journey");
    let [a, b] = [&result.channels[0], &result.channels[1]];
    assert_close(a.removal_effect.unwrap(), 3.0 / 4.0, "a removal effect");
    assert_close(b.removal_effect.unwrap(), 5.0 / 8.0, "b removal effect");
    assert_close(
        a.removal_effect_value.unwrap(),
        6.0 / 11.0,
        "a value removal effect",
    );
    assert_close(
        b.removal_effect_value.unwrap(),
        41.0 / 44.0,
        "b value removal effect",
    );
    assert_close(a.markov_conversions.unwrap(), 12.0 / 11.0, "a credit");
    assert_close(b.markov_conversions.unwrap(), 10.0 / 11.0, "b credit");
    assert_close(
        a.markov_value.unwrap(),
        110.0 * 24.0 / 65.0,
        "a value credit",
    );
    assert_close(
        b.markov_value.unwrap(),
        110.0 * 41.0 / 65.0,
        "b value credit",
    );
    // Heuristics on the same paths: first touch gives a the a > b conversion, b the other.
    assert_eq!((a.first_touch.unwrap(), b.first_touch.unwrap()), (1.0, 1.0));
    assert_eq!(
        (a.last_touch_value.unwrap(), b.last_touch_value.unwrap()),
        (10.0, 100.0)
    );
}

/// Order 2 on `a > b > c` (1 conversion) and `b > c` (1 null): states "a > b", "b > c"; every
/// journey passes "b > c", whose row is conv 1/2, null 1/2. Removing a only removes the first
/// journey's start state: P drops from 1/2 to 1/4, so a's effect is 1/2 and b's and c's are 1.
#[test]
fn order_two_windows_hand_computed() {
    let result = attribute(
        "path,total_conversions,total_conversion_value,total_null\n\
         a > b > c,1,0,0\n\
         b > c,0,0,1\n",
        2,
    );
    assert_eq!(result.model.states, 2);
    assert_close(result.model.conversion_probability, 0.5, "P(conversion)");
    let effects: Vec<f64> = result
        .channels
        .iter()
        .map(|c| c.removal_effect.unwrap())
        .collect();
    assert_eq!(effects, vec![0.5, 1.0, 1.0]);
}
