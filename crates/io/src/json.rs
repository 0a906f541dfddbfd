//! The one way JSON inputs (model, journey map, scenario and stage files) are parsed, so a syntax
//! or schema error reads the same for every file: `FILE line L: column C: what was wrong`.
//!
//! A UTF-8 byte-order mark is skipped (as for CSV inputs), and a key given twice in one object is
//! an error: serde would silently keep the last one, so the text is first walked once
//! ([`check_duplicate_keys`]) before the typed parse.

use std::collections::HashSet;
use std::fmt;

use serde::de::{self, DeserializeOwned, DeserializeSeed, MapAccess, SeqAccess, Visitor};

use journeysim_core::error::{Error, Location, Result, clip};

/// Parses `text` (named `source` in errors) as a `T`.
pub fn parse<T: DeserializeOwned>(text: &str, source: &str) -> Result<T> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    check_duplicate_keys(text).map_err(|e| error(&e, source))?;
    serde_json::from_str(text).map_err(|e| error(&e, source))
}

/// Walks the JSON `text` and fails at the first object that gives a key twice (the error's line
/// and column are where the second one ends), or at the first syntax error.
pub fn check_duplicate_keys(text: &str) -> serde_json::Result<()> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    Unique.deserialize(&mut deserializer)?;
    deserializer.end()
}

/// A JSON value of any shape whose objects each name a key at most once.
struct Unique;

impl<'de> DeserializeSeed<'de> for Unique {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Unique {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> std::result::Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> std::result::Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> std::result::Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> std::result::Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> std::result::Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> std::result::Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<(), A::Error> {
        while seq.next_element_seed(Unique)?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<(), A::Error> {
        let mut seen: HashSet<String> = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if seen.contains(&key) {
                return Err(de::Error::custom(format!(
                    "duplicate key '{}': an object names each key once",
                    clip(&key)
                )));
            }
            map.next_value_seed(Unique)?;
            seen.insert(key);
        }
        Ok(())
    }
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

    #[test]
    fn a_byte_order_mark_is_skipped() {
        let v = parse::<serde_json::Value>("\u{feff}{\"a\": 1}", "x.json").unwrap();
        assert_eq!(v["a"], 1);
    }

    #[test]
    fn duplicate_keys_at_any_depth_name_the_key_and_where() {
        let e =
            parse::<serde_json::Value>("{\"a\": 1, \"b\": 2,\n \"a\": 3}", "x.json").unwrap_err();
        assert_eq!(
            e.to_string(),
            "x.json line 2: column 4: duplicate key 'a': an object names each key once"
        );
        let nested = "{\"states\": [{\"t\": {\"x\": 1}},\n {\"t\": {\"y\": 1, \"y\": 2}}]}";
        let e = parse::<serde_json::Value>(nested, "m.json").unwrap_err();
        assert!(e.to_string().starts_with("m.json line 2: column "), "{e}");
        assert!(e.to_string().contains("duplicate key 'y'"), "{e}");
        // The same key in different objects is fine.
        parse::<serde_json::Value>("[{\"a\": 1}, {\"a\": 2, \"b\": {\"a\": 3}}]", "x.json")
            .unwrap();
    }
}
