//! Model files: the versioned JSON form of a [`ModelDocument`]. The envelope (`format`,
//! `version`) is read first, so a file of another version gets a version error, not a confusing
//! field error.

use serde::Deserialize;

use journeysim_core::error::{Error, Location, Result};
use journeysim_core::model::document::{FORMAT, ModelDocument, VERSION, VERSIONS};

use crate::json;

/// Reads the model file at `path`.
pub fn read_model(path: &str) -> Result<ModelDocument> {
    parse_model(&json::read_text(path)?, path)
}

/// Parses and checks a model file's text; `source` names it in errors.
pub fn parse_model(text: &str, source: &str) -> Result<ModelDocument> {
    // Read the envelope first so a file of another version gets a version error, not a
    // confusing field error.
    #[derive(Deserialize)]
    struct Envelope {
        format: Option<String>,
        version: Option<u32>,
    }
    let envelope: Envelope = json::parse(text, source)?;
    if envelope.format.as_deref() != Some(FORMAT) {
        return Err(Error::input(
            Location::file(source),
            format!("not a journeysim model: \"format\" should be \"{FORMAT}\""),
        ));
    }
    if !envelope.version.is_some_and(|v| VERSIONS.contains(&v)) {
        return Err(Error::input(
            Location::file(source),
            format!(
                "model file version {} is not supported; this journeysim reads versions 1 and \
                 {VERSION}",
                envelope
                    .version
                    .map_or("(missing)".to_string(), |v| v.to_string())
            ),
        ));
    }
    json::parse(text, source)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HAND_WRITTEN: &str = r#"{"format": "journeysim-model", "version": 1, "order": 1,
        "channels": ["a"],
        "entry": [{"to": "a", "probability": 1.0}],
        "states": [{"state": "a", "transitions": [{"to": "(conversion)", "probability": 1.0}]}]}"#;

    #[test]
    fn rejects_other_versions_before_reading_fields() {
        let text = HAND_WRITTEN.replace("\"version\": 1", "\"version\": 3");
        let err = parse_model(&text, "m.json").unwrap_err().to_string();
        assert_eq!(
            err,
            "m.json: model file version 3 is not supported; this journeysim reads versions 1 and 2"
        );
        // Version 2 (with dwell times) reads, with or without them.
        let two = HAND_WRITTEN.replace("\"version\": 1", "\"version\": 2");
        assert!(parse_model(&two, "m.json").is_ok());
    }

    #[test]
    fn reads_a_hand_written_model() {
        let chain = parse_model(HAND_WRITTEN, "m.json")
            .unwrap()
            .into_chain("m.json")
            .unwrap();
        assert_eq!(chain.conversion_probability_from(0), 1.0);
    }
}
