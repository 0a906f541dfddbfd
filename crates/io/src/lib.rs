//! journeysim's readers and writers: aggregated paths and event logs in (as
//! [`PathSource`](journeysim_core::journey::PathSource)s), model, journey map, scenario and stage
//! files in (one JSON error style, [`json`]), generated journeys and atomic output files out.
//! Everything computed lives in `journeysim-core`; this crate only turns bytes into its plain
//! data and back.

#![deny(missing_docs)]

pub mod budget_file;
pub mod chunked;
pub mod cost_file;
pub mod events;
pub mod frame;
pub mod generated;
pub mod json;
pub mod map_file;
pub mod model_file;
mod name_cache;
pub mod output;
pub mod parquet_table;
pub mod paths;
pub mod scenario_file;
pub mod spill;
pub mod sql;
pub mod stage_file;
pub mod table_input;
pub mod time;
