//! Scenario files: a named list of changes, read in two steps so errors say where they are. The
//! document is read first (a syntax error gets its line and column), then each change on its own,
//! so a bad field is reported as `changes[1] (scale_dropout): unknown field ...`.

use serde::Deserialize;

use journeysim_core::error::{Error, Location, Result};
use journeysim_core::scenario::{Change, Scenario};

use crate::json;

/// Reads and checks the scenario file at `path`.
pub fn read_scenario(path: &str) -> Result<Scenario> {
    parse_scenario(&json::read_text(path)?, path)
}

/// Parses and checks a scenario file's text; `source` names it in errors.
pub fn parse_scenario(text: &str, source: &str) -> Result<Scenario> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Raw {
        name: String,
        #[serde(default)]
        description: String,
        changes: Vec<serde_json::Value>,
    }
    let raw: Raw = json::parse(text, source)?;
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
            let change: Change = serde_json::from_value(value).map_err(|e| Error::Parse {
                at: Location::file(source),
                message: format!("changes[{i}]{kind}: {e}"),
            })?;
            change.check().map_err(|message| {
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
        let scenario = parse_scenario(text, "s.json").unwrap();
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
        parse_scenario(text, "s.json").unwrap_err().to_string()
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
