//! journeysim models customer journeys as absorbing Markov chains and attributes conversions and
//! value to the channels (touchpoints) on them.
//!
//! The pipeline: [`io::paths`] streams aggregated paths (ChannelAttribution's format) into a
//! [`model::Fitter`], which builds an order-k [`model::Chain`]; [`solve`] computes exact
//! absorption probabilities; [`attribution`] turns them into removal effects and credits beside
//! the heuristic rules; [`report`] renders any result as a table, JSON or CSV.
//!
//! Event logs ([`io::events`]) are cut into journeys and feed the same pipeline. A hand-written
//! [`journey_map`] (stages, touchpoints, personas) is a known model: it generates data
//! ([`journey_map::generate`]) whose true removal effects are exact, so [`validate`] can score
//! every attribution method against the truth; [`funnel`] reads any chain or data by stage.
//!
//! ```
//! use journeysim::attribution::{AttributionOptions, HeuristicOptions, attribute_paths};
//! use journeysim::io::paths::PathsFormat;
//! use journeysim::model::FitOptions;
//!
//! let data = "path,total_conversions,total_conversion_value,total_null\n\
//!             a > b,1,10,0\n\
//!             c,0,0,1\n";
//! let options = AttributionOptions { fit: FitOptions::order(1), heuristics: HeuristicOptions::default() };
//! let result = attribute_paths(data.as_bytes(), "example", &PathsFormat::default(), &options)?;
//! // Only a > b converts and it needs both channels: removing either loses every conversion,
//! // so they share the one conversion; c never converts and gets nothing.
//! assert_eq!(result.model.conversion_probability, 0.5);
//! let credits: Vec<f64> = result.channels.iter().filter_map(|c| c.markov_conversions).collect();
//! assert_eq!(credits, vec![0.5, 0.5, 0.0]);
//! # Ok::<(), journeysim::Error>(())
//! ```

#![deny(missing_docs)]

pub mod attribution;
pub mod error;
pub mod funnel;
pub mod io;
pub mod journey;
pub mod journey_map;
pub mod model;
pub mod order_selection;
pub mod report;
pub mod rng;
pub mod scenario;
pub mod simulate;
pub mod solve;
pub mod top_paths;
pub mod validate;
pub mod whatif;

pub use error::{Error, Result};
pub use journey::{ChannelId, ChannelTable, PathRow};
pub use model::Chain;
