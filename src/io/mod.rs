//! Readers and writers: aggregated paths in, fitted models in and out, atomic output files.

pub mod model_file;
pub mod output;
pub mod paths;
