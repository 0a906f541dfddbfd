//! Stage files: `{"stages": [...], "touchpoints": {"name": "stage", ...}}`, read into a checked
//! [`StageMap`].

use journeysim_core::error::Result;
use journeysim_core::stages::StageMap;

use crate::json;

/// Reads and checks the stage file at `path`.
pub fn read_stage_map(path: &str) -> Result<StageMap> {
    parse_stage_map(&json::read_text(path)?, path)
}

/// Parses and checks a stage file's text: stage names unique and non-empty, every touchpoint's
/// stage known.
pub fn parse_stage_map(text: &str, source: &str) -> Result<StageMap> {
    let map: StageMap = json::parse(text, source)?;
    map.check(source)?;
    Ok(map)
}
