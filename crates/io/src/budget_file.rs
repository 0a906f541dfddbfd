//! Budget plan files (`--budget plan.json`):
//!
//! ```json
//! {"currency": "EUR", "journeys": 100000,
//!  "channels": {
//!    "search_paid": {"spend": 12000, "buys": "entries", "response": {"curve": "hill", "half_saturation": 2.0, "shape": 1.0}},
//!    "retargeting": {"spend": 5000, "buys": "visits", "response": {"curve": "power", "elasticity": 0.6}, "max": 8000},
//!    "email": {"spend": 800}}}
//! ```
//!
//! Read in one pass with [`crate::json::parse`], so a syntax error, a field of the wrong type or
//! an unknown field gets its line and column; each channel is checked as it is read
//! ([`ChannelSpec::into_plan`]) and its errors name it: `plan.json line 3: column 80:
//! channels.email: spend is -3; it must be a finite number >= 0`.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, MapAccess, Visitor};

use journeysim_core::budget::plan::{ChannelPlan, ChannelSpec, Plan};
use journeysim_core::error::{Error, Location, Result, clip};

use crate::json;

/// Reads and checks the budget plan at `path`.
pub fn read_plan(path: &str) -> Result<Plan> {
    parse_plan(&json::read_text(path)?, path)
}

/// Parses and checks a plan's text; `source` names it in errors.
pub fn parse_plan(text: &str, source: &str) -> Result<Plan> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Raw {
        #[serde(default)]
        currency: Option<String>,
        #[serde(default)]
        journeys: Option<f64>,
        channels: Channels,
    }
    let raw: Raw = json::parse(text, source)?;
    let mut plan = Plan::new(raw.currency, raw.journeys, raw.channels.0)
        .map_err(|message| Error::input(Location::file(source), message))?;
    plan.source = source.to_owned();
    Ok(plan)
}

/// The `channels` object, each channel checked as it is read.
struct Channels(Vec<ChannelPlan>);

impl<'de> Deserialize<'de> for Channels {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        d.deserialize_map(ChannelsVisitor)
    }
}

struct ChannelsVisitor;

impl<'de> Visitor<'de> for ChannelsVisitor {
    type Value = Channels;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object of channels: {\"email\": {\"spend\": 800}, ...}")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Channels, A::Error> {
        let mut channels = Vec::new();
        while let Some(name) = map.next_key::<String>()? {
            let at = |message: &dyn fmt::Display| {
                let message = message.to_string();
                // serde_json puts the position at the end; the error gets its own.
                let message = message
                    .rfind(" at line ")
                    .map_or(message.as_str(), |i| &message[..i]);
                de::Error::custom(format!("channels.{}: {message}", clip(&name)))
            };
            if name.trim().is_empty() {
                return Err(at(&"a channel name is empty"));
            }
            let spec: ChannelSpec = map.next_value().map_err(|e| at(&e))?;
            channels.push(spec.into_plan(&name).map_err(|e| at(&e))?);
        }
        Ok(Channels(channels))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use journeysim_core::budget::plan::Buys;
    use journeysim_core::budget::response::Response;

    const PLAN: &str = r#"{"currency": "EUR",
 "channels": {
   "search_paid": {"spend": 12000, "buys": "entries", "response": {"curve": "hill", "half_saturation": 2.0, "shape": 1.0}},
   "retargeting": {"spend": 5000,  "buys": "visits",  "response": {"curve": "power", "elasticity": 0.6}},
   "email":       {"spend": 800}
 }}"#;

    #[test]
    fn reads_the_example_of_the_issue() {
        let plan = parse_plan(PLAN, "plan.json").unwrap();
        assert_eq!(plan.currency.as_deref(), Some("EUR"));
        assert_eq!(plan.journeys, None);
        let names: Vec<&str> = plan.names().collect();
        assert_eq!(names, ["email", "retargeting", "search_paid"]);
        assert_eq!(plan.channels[0].effect, None);
        let retargeting = plan.channels[1].effect.unwrap();
        assert_eq!(retargeting.buys, Buys::Visits);
        assert_eq!(retargeting.response, Response::Power { elasticity: 0.6 });
        assert_eq!(plan.channels[2].max, 36000.0);
    }

    fn error(text: &str) -> String {
        parse_plan(text, "plan.json").unwrap_err().to_string()
    }

    #[test]
    fn errors_name_the_line_and_the_channel_field() {
        let e = error("{\"channels\": {\n \"email\": {\"spend\": -3}}}");
        assert!(e.starts_with("plan.json line 2: column"), "{e}");
        assert!(
            e.ends_with("channels.email: spend is -3; it must be a finite number >= 0"),
            "{e}"
        );
        let e = error("{\"channels\": {\n \"email\": {\"spnd\": 3}}}");
        assert!(e.contains("channels.email: unknown field `spnd`"), "{e}");
        let e = error(r#"{"channels": {"a": {"spend": 1, "buys": "clicks"}}}"#);
        assert!(e.contains("channels.a: unknown variant `clicks`"), "{e}");
        let e = error(
            r#"{"channels": {"a": {"spend": 1, "buys": "visits", "response": {"curve": "log"}}}}"#,
        );
        assert!(e.contains("channels.a: unknown variant `log`"), "{e}");
        let e = error(r#"{"channels": {"a": {"spend": "lots"}}}"#);
        assert!(
            e.contains("channels.a: invalid type: string \"lots\""),
            "{e}"
        );
        let e = error(r#"{"channels": {}}"#);
        assert_eq!(
            e,
            "plan.json: \"channels\" is empty; a plan needs at least one channel"
        );
        let e = error(r#"{"channels": {"a": {"spend": 1}}, "journeys": -5}"#);
        assert!(e.contains("journeys is -5"), "{e}");
        let e = error(r#"{"channels": {"a": {"spend": 1}, "a": {"spend": 2}}}"#);
        assert!(e.contains("duplicate key 'a'"), "{e}");
        let e = error(r#"{"chanels": {}}"#);
        assert!(e.contains("unknown field `chanels`"), "{e}");
        let e = error(r#"{"channels": {" ": {"spend": 1}}}"#);
        assert!(e.contains("a channel name is empty"), "{e}");
    }
}
