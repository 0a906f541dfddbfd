//! Readers and writers: aggregated paths and event logs in, fitted models in and out, atomic
//! output files.

pub mod events;
pub mod model_file;
pub mod output;
pub mod paths;
pub mod table_input;
pub mod time;
