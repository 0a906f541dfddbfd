//! Stage maps: the ordered stages of a journey (Awareness ... Loyalty) and the stage of every
//! touchpoint, as read from `stages.json`, kept in a model file, or taken from a journey map
//! ([`crate::journey_map::JourneyMap::stage_map`]). The [`crate::funnel`] reads chains and data
//! through them.
//!
//! ```
//! use std::collections::BTreeMap;
//!
//! use journeysim_core::journey::ChannelTable;
//! use journeysim_core::stages::StageMap;
//!
//! let stages = StageMap {
//!     stages: vec!["Awareness".into(), "Purchase".into()],
//!     touchpoints: BTreeMap::from([("ad".into(), "Awareness".into()), ("cart".into(), "Purchase".into())]),
//! };
//! stages.check("stages.json")?;
//! // Stage index of each channel of a data set, in the data's channel order.
//! assert_eq!(stages.assign(&ChannelTable::from_names(["cart", "ad"]), "stages.json")?, [1, 0]);
//! // A channel without a stage is an error that names it.
//! assert!(stages.assign(&ChannelTable::from_names(["ad", "tv"]), "stages.json").is_err());
//! # Ok::<(), journeysim_core::Error>(())
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Location, Result, clip, clip_list};
use crate::journey::ChannelTable;

/// A stage map: ordered stages and the stage of every touchpoint (`stages.json`, and the optional
/// `stages` field of a model file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageMap {
    /// Stage names in journey order.
    pub stages: Vec<String>,
    /// Touchpoint -> stage.
    pub touchpoints: BTreeMap<String, String>,
}

impl StageMap {
    /// Checks a stage map read from `source`: stage names unique and non-empty, every
    /// touchpoint's stage known.
    pub fn check(&self, source: &str) -> Result<()> {
        let at = |path: String, message: String| {
            Error::input(Location::file(source), format!("{path}: {message}"))
        };
        if self.stages.is_empty() {
            return Err(at("stages".into(), "at least one stage is needed".into()));
        }
        for (i, s) in self.stages.iter().enumerate() {
            if s.trim().is_empty() {
                return Err(at(format!("stages[{i}]"), "the name is empty".into()));
            }
            if self.stages[..i].contains(s) {
                return Err(at(
                    format!("stages[{i}]"),
                    format!("duplicate stage name '{}'", clip(s)),
                ));
            }
        }
        for (t, s) in &self.touchpoints {
            if !self.stages.contains(s) {
                return Err(at(
                    format!("touchpoints.{}", clip(t)),
                    format!(
                        "unknown stage '{}'; the stages are {}",
                        clip(s),
                        clip_list(&self.stages)
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Stage index of every channel of `channels`. Errors name touchpoints of the stage file the
    /// channels do not know, and channels without a stage.
    pub fn assign(&self, channels: &ChannelTable, source: &str) -> Result<Vec<usize>> {
        if let Some(t) = self.touchpoints.keys().find(|t| channels.get(t).is_none()) {
            let mut known: Vec<&str> = channels.names().iter().map(String::as_str).collect();
            known.sort_unstable();
            return Err(Error::input(
                Location::file(source),
                format!(
                    "touchpoints.{}: unknown touchpoint '{}'{}; the data's touchpoints are {}",
                    clip(t),
                    clip(t),
                    crate::suggest::did_you_mean(t, known.iter().copied()),
                    clip_list(&known)
                ),
            ));
        }
        let mut unstaged: Vec<&str> = channels
            .names()
            .iter()
            .filter(|c| !self.touchpoints.contains_key(*c))
            .map(String::as_str)
            .collect();
        if !unstaged.is_empty() {
            unstaged.sort_unstable();
            return Err(Error::input(
                Location::file(source),
                format!(
                    "touchpoints: no stage for {}; give every touchpoint a stage",
                    clip_list(&unstaged)
                ),
            ));
        }
        Ok(channels
            .names()
            .iter()
            .map(|c| {
                let stage = &self.touchpoints[c];
                self.stages
                    .iter()
                    .position(|s| s == stage)
                    .expect("checked")
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_stages(text: &str, source: &str) -> Result<StageMap> {
        let map: StageMap = serde_json::from_str(text).expect("test stage maps are valid JSON");
        map.check(source)?;
        Ok(map)
    }

    #[test]
    fn stage_file_errors_name_the_path() {
        let dup = r#"{"stages": ["A", "A"], "touchpoints": {}}"#;
        let e = parse_stages(dup, "s.json").unwrap_err().to_string();
        assert_eq!(e, "s.json: stages[1]: duplicate stage name 'A'");
        let unknown_stage = r#"{"stages": ["A"], "touchpoints": {"x": "B"}}"#;
        let e = parse_stages(unknown_stage, "s.json")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("s.json: touchpoints.x: unknown stage 'B'"),
            "{e}"
        );
        let map = parse_stages(
            r#"{"stages": ["A"], "touchpoints": {"x": "A", "y": "A"}}"#,
            "s.json",
        )
        .unwrap();
        let e = map
            .assign(&ChannelTable::from_names(["x"]), "s.json")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("s.json: touchpoints.y: unknown touchpoint 'y'"),
            "{e}"
        );
        let e = map
            .assign(&ChannelTable::from_names(["x", "y", "z"]), "s.json")
            .unwrap_err()
            .to_string();
        assert!(e.contains("no stage for z"), "{e}");
    }
}
