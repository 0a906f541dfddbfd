//! Journey map files: JSON read into [`MapFile`], then validated by the core into a
//! [`JourneyMap`].

use journeysim_core::error::Result;
use journeysim_core::journey_map::{JourneyMap, MapFile};

use crate::json;

/// Reads and validates the journey map file at `path`.
pub fn read_map(path: &str) -> Result<JourneyMap> {
    parse_map(&json::read_text(path)?, path)
}

/// Parses and validates a map's JSON text; `source` names it in errors.
pub fn parse_map(text: &str, source: &str) -> Result<JourneyMap> {
    let file: MapFile = json::parse(text, source)?;
    JourneyMap::from_file(&file, source)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_fields_are_reported_with_their_line() {
        let text = r#"{"stages": ["A"],
          "touchpoints": [{"name": "a", "stage": "A", "entri": 1.0}]}"#;
        let message = parse_map(text, "map.json").unwrap_err().to_string();
        assert!(message.starts_with("map.json line 2: column "), "{message}");
        assert!(message.contains("unknown field `entri`"), "{message}");
    }
}
