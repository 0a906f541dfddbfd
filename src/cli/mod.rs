//! The binary's half of `journeysim`: clap argument types and one handler per command. It lives
//! beside `main.rs`, not in the library, so the library never depends on clap and never prints.
//! Each handler turns checked arguments into library options, calls the library and writes the
//! result; `main.rs` maps the error to an exit code in one place.
//!
//! Shared argument groups, by concept: [`input`] (where data come from), [`chain`] (how a chain
//! is obtained: fitted, read from a model file or a journey map), [`methods`] (attribution
//! method settings), [`costs`] (`--costs`, `--currency`, `--period-journeys`), [`engine`] (the
//! simulation engine, threads, progress) and [`output`] (`--format`/`--out`, warnings) and [`picture`] (`--size` of an `--svg`). The other modules are one command each.

pub mod aggregate;
pub mod attribute;
pub mod chain;
pub mod compare;
pub mod costs;
pub mod engine;
pub mod fit;
pub mod flags;
pub mod funnel;
pub mod generate;
pub mod graph;
pub mod input;
pub mod methods;
pub mod optimize;
pub mod order;
pub mod output;
pub mod paths;
pub mod picture;
pub mod report;
pub mod serve;
pub mod simulate;
pub mod sql;
pub mod timing;
pub mod validate;
pub mod values;
pub mod whatif;
