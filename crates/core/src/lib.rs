//! journeysim's core: customer journeys as absorbing Markov chains, and everything computed on
//! them. Plain data in, plain data out: no files, flags, printing or formatting (the io and
//! report crates and the binary do those).
//!
//! The pipeline: a [`journey::PathSource`] (a paths file or event log read by the io crate, or
//! rows held in memory) feeds a [`model::Fitter`], which builds an order-k [`model::Chain`];
//! [`solve`] computes exact absorption probabilities; [`attribution`] turns them into removal
//! effects and credits beside the heuristic rules.
//!
//! A hand-written [`journey_map`] (stages, touchpoints, personas) is a known model: it generates
//! data ([`journey_map::generate`]) whose true removal effects are exact, so [`ground_truth`]
//! can score every attribution method against the truth; [`funnel`] reads any chain or data by
//! stage; [`journey_flows`] gives the expected traffic between touchpoints; [`simulate`] walks journeys; [`scenario`] and [`whatif`] change a chain and compare.
//!
//! ```
//! use journeysim_core::attribution::{AttributionOptions, HeuristicOptions, attribute_paths};
//! use journeysim_core::journey::MemoryPaths;
//! use journeysim_core::model::FitOptions;
//!
//! let rows = [(&["a", "b"][..], 1.0, 10.0, 0.0), (&["c"][..], 0.0, 0.0, 1.0)];
//! let options = AttributionOptions { fit: FitOptions::order(1), heuristics: HeuristicOptions::default() };
//! let result = attribute_paths(MemoryPaths::new("example", &rows), &options)?;
//! // Only a > b converts and it needs both channels: removing either loses every conversion,
//! // so they share the one conversion; c never converts and gets nothing.
//! assert_eq!(result.model.conversion_probability, 0.5);
//! let credits: Vec<f64> = result.channels.iter().filter_map(|c| c.markov_conversions).collect();
//! assert_eq!(credits, vec![0.5, 0.5, 0.0]);
//! # Ok::<(), journeysim_core::Error>(())
//! ```

#![deny(missing_docs)]

pub mod attribution;
pub mod budget;
pub mod compare;
pub mod cost;
pub mod distribution;
pub mod dwell;
pub mod error;
pub mod exact_sum;
pub mod funnel;
pub mod ground_truth;
pub mod journey;
pub mod journey_flows;
pub mod journey_map;
pub mod model;
pub mod order_selection;
pub mod paths_table;
pub mod progress;
pub mod rng;
pub mod row_order;
pub mod scenario;
pub mod simulate;
pub mod solve;
pub mod stages;
pub mod stats;
pub mod suggest;
pub mod top_paths;
pub mod touchpoint_rates;
pub mod whatif;

pub use error::{Error, Result};
pub use journey::{ChannelId, ChannelTable, PathRow};
pub use model::Chain;
