//! What-if changes applied to chains, checked against hand-computed results and against the
//! exact removal effects.

use journeysim_core::attribution::removal_effects;
use journeysim_core::model::{Chain, FitOptions, fit_paths};
use journeysim_core::scenario::apply;
use journeysim_core::solve::absorb;
use journeysim_io::paths::{PathsFormat, PathsReader};

/// The chain of `hand_computed::value_removal_effects_follow_the_value_of_each_last_state`:
/// start -> a 3/4, b 1/4; a: b 1/4, conv 1/4, null 1/2 (value 10); b: conv 1/2, a 1/2 (value
/// 100). P(conversion) = 1/2, h_a = 3/7, h_b = 5/7.
fn hand_chain() -> Chain {
    fit(
        "path,total_conversions,total_conversion_value,total_null\n\
         a > b,1,100,0\n\
         b > a,1,10,0\n\
         a,0,0,2\n",
        1,
    )
}

fn fit(text: &str, order: usize) -> Chain {
    let mut options = FitOptions::order(order);
    options.value_distribution = true;
    fit_paths(
        PathsReader::new(text.as_bytes(), "t.csv", &PathsFormat::default()),
        options,
        |_| {},
    )
    .unwrap()
    .chain
}

fn reference_chain(order: usize) -> Chain {
    let file = std::fs::File::open(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/paths_10k.csv"
    ))
    .unwrap();
    let mut options = FitOptions::order(order);
    options.value_distribution = true;
    fit_paths(
        PathsReader::new(file, "paths_10k.csv", &PathsFormat::default()),
        options,
        |_| {},
    )
    .unwrap()
    .chain
}

fn changed(chain: &Chain, changes: &str) -> Chain {
    let text = format!(r#"{{"name": "t", "changes": [{changes}]}}"#);
    apply(
        chain,
        &journeysim_io::scenario_file::parse_scenario(&text, "t.json").unwrap(),
        "t.json",
    )
    .unwrap()
}

fn change_error(chain: &Chain, changes: &str) -> String {
    let text = format!(r#"{{"name": "t", "changes": [{changes}]}}"#);
    apply(
        chain,
        &journeysim_io::scenario_file::parse_scenario(&text, "t.json").unwrap(),
        "t.json",
    )
    .unwrap_err()
    .to_string()
}

fn p(chain: &Chain) -> f64 {
    absorb(chain, None).unwrap().conversion_probability
}

fn assert_close(got: f64, want: f64) {
    assert!((got - want).abs() <= 1e-12, "got {got}, want {want}");
}

#[test]
fn drop_reproduces_every_exact_removal_effect() {
    for order in [1, 2] {
        let chain = reference_chain(order);
        let effects = removal_effects(&chain).unwrap();
        let base = p(&chain);
        for c in 0..chain.channels().len() {
            let name = chain.channels().name(c as u32);
            let without = changed(
                &chain,
                &format!(r#"{{"change": "remove_touchpoint", "touchpoint": "{name}"}}"#),
            );
            let effect = 1.0 - p(&without) / base;
            assert!(
                (effect - effects.effects[c].conversions).abs() < 1e-12,
                "order {order} {name}: {effect} vs {}",
                effects.effects[c].conversions
            );
        }
    }
}

/// scale_dropout at a by 1/2: a's null 1/2 -> 1/4, the rest (b 1/4, conv 1/4) scaled by 3/2.
/// h_a = 3/8 + 3/8 h_b, h_b = 1/2 + 1/2 h_a => h_a = 9/13, h_b = 11/13, P = 19/26.
#[test]
fn scaled_dropout_gives_the_hand_computed_probability() {
    let chain = changed(
        &hand_chain(),
        r#"{"change": "scale_dropout", "at": "a", "factor": 0.5}"#,
    );
    assert_close(p(&chain), 19.0 / 26.0);
    let (_, probs) = chain.row(0);
    assert_eq!(probs, [0.375, 0.375, 0.25]);
}

/// scale_transition a -> b by 2 is the same as set_transition a -> b to 1/2: a: b 1/2, conv 1/6,
/// null 1/3. h_a = 1/6 + 1/2 h_b, h_b = 1/2 + 1/2 h_a => h_a = 5/9, h_b = 7/9, P = 11/18.
#[test]
fn scale_and_set_transition_agree_with_the_hand_computed_chain() {
    let scaled = changed(
        &hand_chain(),
        r#"{"change": "scale_transition", "from": "a", "to": "b", "factor": 2}"#,
    );
    let set = changed(
        &hand_chain(),
        r#"{"change": "set_transition", "from": "a", "to": "b", "probability": 0.5}"#,
    );
    assert_close(p(&scaled), 11.0 / 18.0);
    assert_close(p(&set), 11.0 / 18.0);
    // scale_conversion at b by 0 leaves b only its way back to a: nothing converts from b, and
    // a converts with 1/4 per visit; h_a = 1/4 + 1/4 h_b, h_b = h_a => h_a = 1/3 = P.
    let no_b = changed(
        &hand_chain(),
        r#"{"change": "scale_conversion", "at": "b", "factor": 0}"#,
    );
    assert_close(p(&no_b), 1.0 / 3.0);
}

/// shift_entry of a third of a's entries (3/4) to b: 1/2 each, P = (3/7 + 5/7) / 2 = 4/7.
/// set_entry b to 1/4 is the current entry: nothing changes.
#[test]
fn entry_changes_move_first_touches() {
    let shifted = changed(
        &hand_chain(),
        r#"{"change": "shift_entry", "from": "a", "to": "b", "share": 0.3333333333333333}"#,
    );
    assert!((p(&shifted) - 4.0 / 7.0).abs() < 1e-15 * 10.0);
    let set = changed(
        &hand_chain(),
        r#"{"change": "set_entry", "touchpoint": "b", "probability": 0.25}"#,
    );
    assert_close(p(&set), 0.5);
    let all_b = changed(
        &hand_chain(),
        r#"{"change": "set_entry", "touchpoint": "b", "probability": 1}"#,
    );
    assert_close(p(&all_b), 5.0 / 7.0);
}

/// A twin of b that takes half of b's incoming traffic behaves exactly like b, so P stays 1/2.
/// Giving it 30% of all entries moves those journeys from the mix (P 1/2) to b's behaviour
/// (h_b = 5/7): P = 0.7 / 2 + 0.3 * 5/7 = 79/140.
#[test]
fn added_touchpoint_behaves_like_its_model() {
    let twin = changed(
        &hand_chain(),
        r#"{"change": "add_touchpoint", "name": "chat", "like": "b", "incoming_share": 0.5}"#,
    );
    assert_eq!(twin.channels().len(), 3);
    assert_close(p(&twin), 0.5);
    let entering = changed(
        &hand_chain(),
        r#"{"change": "add_touchpoint", "name": "chat", "like": "b", "entry_share": 0.3}"#,
    );
    assert_close(p(&entering), 79.0 / 140.0);
    // A more persuasive twin: conversion 1/2 -> 3/4, so its way back to a drops to 1/4.
    // h_c = 3/4 + 1/4 h_a with h_a unchanged (nothing flows into c): 3/4 + 3/28 = 6/7.
    let persuasive = changed(
        &hand_chain(),
        r#"{"change": "add_touchpoint", "name": "chat", "like": "b", "entry_share": 0.3, "conversion_factor": 1.5}"#,
    );
    assert_close(p(&persuasive), 0.35 + 0.3 * 6.0 / 7.0);
}

/// Skipping a touchpoint at order 1 sends its traffic where it would have gone next, conversions
/// included, so P(conversion) and value are unchanged (the chain censored to the other states).
/// Row of a after skipping b: b's 1/4 goes to conv 1/8 and back to a 1/8, so a: a 1/8,
/// conv 1/4 + 1/8 = 3/8, null 1/2.
#[test]
fn skip_at_order_one_keeps_outcomes_and_reroutes_traffic() {
    let base = hand_chain();
    let skipped = changed(
        &base,
        r#"{"change": "remove_touchpoint", "touchpoint": "b", "mode": "skip"}"#,
    );
    let (targets, probs) = skipped.row(0);
    assert_eq!(targets, [0, 2, 3]);
    assert_eq!(probs, [0.125, 0.375, 0.5]);
    let (before, after) = (
        absorb(&base, None).unwrap(),
        absorb(&skipped, None).unwrap(),
    );
    assert_close(after.conversion_probability, before.conversion_probability);
    assert!((after.value_per_journey - before.value_per_journey).abs() < 1e-9);
    // On the reference data: every channel, same outcome at order 1; at order 2 the windows
    // around the skipped touchpoint carry history, so outcomes change.
    let chain = reference_chain(1);
    for name in ["display", "email", "direct"] {
        let s = changed(
            &chain,
            &format!(
                r#"{{"change": "remove_touchpoint", "touchpoint": "{name}", "mode": "skip"}}"#
            ),
        );
        assert!((p(&s) - p(&chain)).abs() < 1e-12, "{name}");
    }
}

#[test]
fn scale_value_scales_expected_value() {
    let chain = changed(
        &hand_chain(),
        r#"{"change": "scale_value", "at": "*", "factor": 1.2}"#,
    );
    let value = absorb(&chain, None).unwrap().value_per_journey;
    assert!((value - 27.5 * 1.2).abs() < 1e-12, "{value}");
}

#[test]
fn invalid_changes_get_clear_errors() {
    let chain = reference_chain(1);
    let message = change_error(
        &chain,
        r#"{"change": "scale_dropout", "at": "emial", "factor": 0.5}"#,
    );
    assert_eq!(
        message,
        "t.json: changes[0] (scale_dropout): unknown touchpoint 'emial'; did you mean email?"
    );
    let message = change_error(
        &chain,
        r#"{"change": "remove_touchpoint", "touchpoint": "podcast"}"#,
    );
    assert!(
        message.contains("the model has: affiliate, comparison"),
        "{message}"
    );
    // b goes to conversion and back to a; setting both to 0 leaves nothing.
    let message = change_error(
        &hand_chain(),
        r#"{"change": "set_transition", "from": "b", "to": "a", "probability": 0},
           {"change": "set_transition", "from": "b", "to": "conversion", "probability": 0}"#,
    );
    assert!(message.contains("changes[1] (set_transition)"), "{message}");
    assert!(
        message.contains("row is empty") || message.contains("empties"),
        "{message}"
    );
    let message = change_error(
        &hand_chain(),
        r#"{"change": "scale_conversion", "at": "a", "factor": 5}"#,
    );
    assert!(message.contains("would become 1.25, above 1"), "{message}");
    let message = change_error(
        &reference_chain(2),
        r#"{"change": "add_touchpoint", "name": "chat", "like": "email"}"#,
    );
    assert!(message.contains("needs an order-1 model"), "{message}");
}
