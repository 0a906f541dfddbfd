//! The one way JSON inputs (model, journey map, scenario and stage files) are parsed, so a syntax
//! or schema error reads the same for every file: `FILE line L: column C: what was wrong`.

use serde::de::DeserializeOwned;

use journeysim_core::error::{Error, Location, Result};

/// Parses `text` (named `source` in errors) as a `T`.
pub fn parse<T: DeserializeOwned>(text: &str, source: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| error(&e, source))
}

/// The input error for a serde_json error, with its line and column where it has them.
pub fn error(e: &serde_json::Error, source: &str) -> Error {
    let at = if e.line() > 0 {
        Location::line(source, e.line() as u64)
    } else {
        Location::file(source)
    };
    Error::Parse {
        at,
        message: format!("column {}: {}", e.column(), strip_position(&e.to_string())),
    }
}

/// Reads the file at `path` as text.
pub fn read_text(path: &str) -> Result<String> {
    std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_owned(),
        source,
    })
}

/// serde_json appends " at line L column C"; the location is reported separately.
fn strip_position(message: &str) -> &str {
    message
        .rfind(" at line ")
        .map_or(message, |i| &message[..i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_errors_give_line_and_column_once() {
        let e = parse::<serde_json::Value>("{\"a\": 1,\n \"b\": }\n", "x.json").unwrap_err();
        assert_eq!(e.to_string(), "x.json line 2: column 7: expected value");
    }
}
