//! What-if scenarios: declarative changes to a journey model.
//!
//! A scenario file is JSON:
//!
//! ```json
//! {"name": "checkout-abandonment-minus-20",
//!  "description": "Cart abandonment cut by a fifth",
//!  "changes": [{"change": "scale_dropout", "at": "checkout", "factor": 0.8}]}
//! ```
//!
//! Each change names its kind in `"change"` ([`Change`] lists them). Parsing is in two steps so
//! that errors say where they are: the document is read with serde_json (a syntax error gets its
//! line and column), then each change is read on its own, so a bad field is reported as
//! `changes[1] (scale_dropout): unknown field ...`. [`apply`] then checks every change against
//! the model (unknown touchpoints get the closest names) and builds the changed chain; the
//! engine only ever sees valid chains.

mod apply;

use serde::Deserialize;

use crate::error::{Error, Location, Result};

pub use apply::{Selector, apply};

/// A named set of changes to a model.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// Short name, used to label results.
    pub name: String,
    /// What the scenario stands for, in words.
    pub description: String,
    /// The changes, applied in order.
    pub changes: Vec<Change>,
}

/// How `remove_touchpoint` treats journeys that reach the touchpoint.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RemoveMode {
    /// Journeys reaching it end without converting: the removal effect's counterfactual.
    #[default]
    Drop,
    /// Its incoming traffic goes where it would have gone next (the touchpoint is skipped).
    Skip,
}

fn one() -> f64 {
    1.0
}

/// One change to a model. `at` and `from` name a touchpoint (every state whose last touch it is;
/// at order 1 that is the touchpoint's state), a whole state such as `"email > direct"`, or
/// `"*"` for every state. Entry changes match a state by its first touch, the journey's first
/// touchpoint. `to` in a transition change is a touchpoint (states whose last touch it is), a
/// whole state, `"conversion"` or `"null"`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case", deny_unknown_fields)]
pub enum Change {
    /// Take a touchpoint out of the journey.
    RemoveTouchpoint {
        /// The touchpoint.
        touchpoint: String,
        /// `drop` (default) or `skip`.
        #[serde(default)]
        mode: RemoveMode,
    },
    /// Multiply the probability of `from -> to`; the rest of the row is rescaled to sum to 1.
    ScaleTransition {
        /// Source states.
        from: String,
        /// Target.
        to: String,
        /// Factor (>= 0).
        factor: f64,
    },
    /// Set the probability of `from -> to`; the rest of the row is rescaled to sum to 1.
    SetTransition {
        /// Source states.
        from: String,
        /// Target.
        to: String,
        /// The new probability, in [0, 1].
        probability: f64,
    },
    /// Multiply the probability of leaving without converting at `at` (e.g. 0.8 for cart
    /// abandonment cut by 20%).
    ScaleDropout {
        /// The states.
        at: String,
        /// Factor (>= 0).
        factor: f64,
    },
    /// Multiply the probability of converting straight from `at`.
    ScaleConversion {
        /// The states.
        at: String,
        /// Factor (>= 0).
        factor: f64,
    },
    /// Move `share` of the entry probability of journeys starting at `from` to `to` (a budget
    /// shift of first touches).
    ShiftEntry {
        /// First touchpoint losing entries.
        from: String,
        /// First touchpoint gaining them.
        to: String,
        /// Share moved, in [0, 1].
        share: f64,
    },
    /// Set the probability that a journey starts at `touchpoint`; the other entries are rescaled.
    SetEntry {
        /// The first touchpoint.
        touchpoint: String,
        /// The new entry probability, in [0, 1].
        probability: f64,
    },
    /// A new touchpoint that behaves like an existing one (order-1 models).
    AddTouchpoint {
        /// The new touchpoint's name.
        name: String,
        /// The touchpoint whose onward transitions and value it copies.
        like: String,
        /// Share of all journeys that start at it (taken from the others in proportion).
        #[serde(default)]
        entry_share: f64,
        /// Share of every transition into `like` that goes to the new touchpoint instead.
        #[serde(default)]
        incoming_share: f64,
        /// Factor on its conversion probability relative to `like` (rest of its row rescaled).
        #[serde(default = "one")]
        conversion_factor: f64,
    },
    /// Multiply the value per conversion of journeys ending at `at` (average order value).
    ScaleValue {
        /// The states.
        at: String,
        /// Factor (>= 0).
        factor: f64,
    },
}

impl Change {
    /// The kind as written in the file.
    pub fn kind(&self) -> &'static str {
        match self {
            Change::RemoveTouchpoint { .. } => "remove_touchpoint",
            Change::ScaleTransition { .. } => "scale_transition",
            Change::SetTransition { .. } => "set_transition",
            Change::ScaleDropout { .. } => "scale_dropout",
            Change::ScaleConversion { .. } => "scale_conversion",
            Change::ShiftEntry { .. } => "shift_entry",
            Change::SetEntry { .. } => "set_entry",
            Change::AddTouchpoint { .. } => "add_touchpoint",
            Change::ScaleValue { .. } => "scale_value",
        }
    }
}

impl Scenario {
    /// Parses a scenario file's text; `source` names it in errors.
    pub fn parse(text: &str, source: &str) -> Result<Scenario> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            name: String,
            #[serde(default)]
            description: String,
            changes: Vec<serde_json::Value>,
        }
        let raw: Raw = serde_json::from_str(text).map_err(|e| {
            let at = if e.line() > 0 {
                Location::line(source, e.line() as u64)
            } else {
                Location::file(source)
            };
            Error::input(
                at,
                format!("column {}: {}", e.column(), strip_position(&e.to_string())),
            )
        })?;
        if raw.changes.is_empty() {
            return Err(Error::input(
                Location::file(source),
                "\"changes\" is empty; a scenario needs at least one change",
            ));
        }
        let changes = raw
            .changes
            .into_iter()
            .enumerate()
            .map(|(i, value)| {
                let kind = value
                    .get("change")
                    .and_then(|k| k.as_str())
                    .map_or(String::new(), |k| format!(" ({k})"));
                let change: Change = serde_json::from_value(value).map_err(|e| {
                    Error::input(Location::file(source), format!("changes[{i}]{kind}: {e}"))
                })?;
                check_numbers(&change).map_err(|message| {
                    Error::input(
                        Location::file(source),
                        format!("changes[{i}]{kind}: {message}"),
                    )
                })?;
                Ok(change)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Scenario {
            name: raw.name,
            description: raw.description,
            changes,
        })
    }
}

/// Checks the numbers a change carries, before any model is involved.
fn check_numbers(change: &Change) -> std::result::Result<(), String> {
    let probability = |name: &str, p: f64| {
        if (0.0..=1.0).contains(&p) {
            Ok(())
        } else {
            Err(format!("{name} is {p}; it must be in [0, 1]"))
        }
    };
    let factor = |f: f64| {
        if f.is_finite() && f >= 0.0 {
            Ok(())
        } else {
            Err(format!("factor is {f}; it must be a finite number >= 0"))
        }
    };
    match change {
        Change::RemoveTouchpoint { .. } => Ok(()),
        Change::ScaleTransition { factor: f, .. }
        | Change::ScaleDropout { factor: f, .. }
        | Change::ScaleConversion { factor: f, .. }
        | Change::ScaleValue { factor: f, .. } => factor(*f),
        Change::SetTransition { probability: p, .. } | Change::SetEntry { probability: p, .. } => {
            probability("probability", *p)
        }
        Change::ShiftEntry { share, .. } => probability("share", *share),
        Change::AddTouchpoint {
            entry_share,
            incoming_share,
            conversion_factor,
            ..
        } => {
            probability("entry_share", *entry_share)?;
            probability("incoming_share", *incoming_share)?;
            factor(*conversion_factor)
        }
    }
}

/// serde_json appends " at line L column C"; the location is reported separately.
fn strip_position(message: &str) -> &str {
    message.find(" at line ").map_or(message, |i| &message[..i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_kind() {
        let text = r#"{"name": "all", "changes": [
            {"change": "remove_touchpoint", "touchpoint": "display", "mode": "skip"},
            {"change": "scale_transition", "from": "email", "to": "direct", "factor": 1.3},
            {"change": "set_transition", "from": "*", "to": "null", "probability": 0.5},
            {"change": "scale_dropout", "at": "checkout", "factor": 0.8},
            {"change": "scale_conversion", "at": "email", "factor": 1.3},
            {"change": "shift_entry", "from": "display", "to": "search_paid", "share": 0.1},
            {"change": "set_entry", "touchpoint": "email", "probability": 0.2},
            {"change": "add_touchpoint", "name": "live_chat", "like": "reviews", "incoming_share": 0.2},
            {"change": "scale_value", "at": "*", "factor": 1.1}]}"#;
        let scenario = Scenario::parse(text, "s.json").unwrap();
        let kinds: Vec<&str> = scenario.changes.iter().map(Change::kind).collect();
        assert_eq!(
            kinds,
            [
                "remove_touchpoint",
                "scale_transition",
                "set_transition",
                "scale_dropout",
                "scale_conversion",
                "shift_entry",
                "set_entry",
                "add_touchpoint",
                "scale_value"
            ]
        );
        assert_eq!(
            scenario.changes[7],
            Change::AddTouchpoint {
                name: "live_chat".into(),
                like: "reviews".into(),
                entry_share: 0.0,
                incoming_share: 0.2,
                conversion_factor: 1.0
            }
        );
    }

    fn error(text: &str) -> String {
        Scenario::parse(text, "s.json").unwrap_err().to_string()
    }

    #[test]
    fn syntax_errors_give_line_and_column() {
        let message = error("{\"name\": \"x\",\n \"changes\": [}\n");
        assert!(
            message.starts_with("s.json line 2: column 14:"),
            "{message}"
        );
    }

    #[test]
    fn field_errors_name_the_change() {
        let message = error(
            r#"{"name": "x", "changes": [{"change": "scale_dropout", "at": "a", "factr": 2}]}"#,
        );
        assert_eq!(
            message,
            "s.json: changes[0] (scale_dropout): unknown field `factr`, expected `at` or `factor`"
        );
        let message = error(r#"{"name": "x", "changes": [{"change": "shrink", "at": "a"}]}"#);
        assert!(
            message.contains("changes[0] (shrink): unknown variant `shrink`"),
            "{message}"
        );
    }

    #[test]
    fn probabilities_outside_the_unit_interval_are_rejected() {
        let message = error(
            r#"{"name": "x", "changes": [{"change": "set_entry", "touchpoint": "a", "probability": 1.5}]}"#,
        );
        assert!(
            message.ends_with("probability is 1.5; it must be in [0, 1]"),
            "{message}"
        );
        let message = error(
            r#"{"name": "x", "changes": [{"change": "scale_dropout", "at": "a", "factor": -1}]}"#,
        );
        assert!(message.contains("factor is -1"), "{message}");
    }
}
