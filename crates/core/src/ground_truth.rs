//! Ground-truth validation of attribution methods: generate journeys from a journey map, attribute
//! them by every method, and score each method against the map's true removal-effect shares.
//!
//! A journey map is a known model, so the credit each touchpoint deserves under the removal-effect
//! definition (Anderl et al. 2016) is exact: `true_share(c) = RE(c) / sum_d RE(d)` with the map's
//! mixture removal effects ([`crate::journey_map::JourneyMap::truth`]). A method's credit shares
//! are its conversions credited to c over all conversions, and its error is the total absolute
//! share error `sum_c |share(c) - true_share(c)|` (0 = perfect, 2 = disjoint). Markov attribution
//! at order k is a consistent estimator of the truth when the map is first-order (no personas, or
//! personas differing only in entry shares), with error shrinking like `N^-1/2`; the heuristics
//! converge to other limits whatever N. Differing personas make the pooled journeys a mixture that
//! no single first-order chain describes, and the table shows the bias that leaves.
//!
//! ```
//! use journeysim_core::attribution::HeuristicOptions;
//! use journeysim_core::ground_truth::{GroundTruthOptions, score};
//! use journeysim_core::journey_map::{JourneyMap, MapFile};
//!
//! let text = r#"{"stages": ["Awareness", "Purchase"], "touchpoints": [
//!     {"name": "a", "stage": "Awareness", "entry": 1.0, "transitions": {"b": 0.5, "null": 0.5},
//!      "dwell_hours": {"distribution": "constant", "value": 1}},
//!     {"name": "b", "stage": "Purchase", "transitions": {"conversion": 0.4, "null": 0.6},
//!      "dwell_hours": {"distribution": "constant", "value": 1}}],
//!   "value": {"distribution": "constant", "value": 50}}"#;
//! let file: MapFile = serde_json::from_str(text).unwrap(); // the io crate reads map files
//! let map = JourneyMap::from_file(&file, "map.json")?;
//! // a and b are each needed for every conversion, so each deserves half the credit. Markov
//! // attribution recovers it; first touch gives everything to a (error 1 of a possible 2).
//! let options = GroundTruthOptions {
//!     journeys: 20_000,
//!     seed: 1,
//!     order: 1,
//!     heuristics: HeuristicOptions::default(),
//! };
//! let scores = score(&map, "map.json", &options)?;
//! let error = |name: &str| {
//!     let m = scores.methods.iter().find(|m| m.method == name).unwrap();
//!     m.total_absolute_share_error
//! };
//! assert!(error("markov_order_1") < 1e-9);
//! assert!((error("first_touch") - 1.0).abs() < 1e-9);
//! # Ok::<(), journeysim_core::Error>(())
//! ```

use serde::Serialize;

use crate::attribution::{AttributionBuilder, AttributionOptions, HeuristicOptions};
use crate::error::{Error, Result};
use crate::journey::{PathRow, ReadSummary};
use crate::journey_map::JourneyMap;
use crate::journey_map::generate::generate_paths_with_progress;
use crate::model::FitOptions;
use crate::progress;

/// What to validate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GroundTruthOptions {
    /// Journeys to generate.
    pub journeys: u64,
    /// Seed of the generator.
    pub seed: u64,
    /// Markov order of the fitted chain.
    pub order: usize,
    /// Heuristic parameters.
    pub heuristics: HeuristicOptions,
}

/// One method's error against the truth.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MethodError {
    /// Method name (`markov_order_k`, `first_touch`, ...).
    pub method: String,
    /// `sum_c |share(c) - true_share(c)|`.
    pub total_absolute_share_error: f64,
    /// The largest single touchpoint's absolute share error.
    pub max_absolute_share_error: f64,
    /// The touchpoint with that largest error.
    pub worst_touchpoint: String,
}

/// One touchpoint: the true share and every method's share.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TouchpointShares {
    /// Touchpoint name.
    pub touchpoint: String,
    /// Its stage.
    pub stage: String,
    /// True removal effect (share of conversions lost without it).
    pub true_removal_effect: f64,
    /// True share of credit (normalised removal effect).
    pub true_share: f64,
    /// Markov removal effect estimated from the data.
    pub markov_removal_effect: f64,
    /// Shares of credit by method, in the order of [`GroundTruthScores::methods`]' names before ranking:
    /// markov, first_touch, last_touch, linear, position_based, time_decay, shapley.
    pub markov: f64,
    /// First-touch share.
    pub first_touch: f64,
    /// Last-touch share.
    pub last_touch: f64,
    /// Linear share.
    pub linear: f64,
    /// Position-based share.
    pub position_based: f64,
    /// Time-decay share (by position; generated paths carry no times).
    pub time_decay: f64,
    /// Share credited by simplified Shapley (Zhao et al. 2018).
    pub shapley: f64,
}

/// Everything `journeysim validate` reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroundTruthScores {
    /// The map's file name.
    pub map: String,
    /// Journeys generated.
    pub journeys: u64,
    /// Generator seed.
    pub seed: u64,
    /// Markov order.
    pub order: usize,
    /// Personas in the map (more than one with differing rows: not first-order).
    pub personas: usize,
    /// The map's exact conversion probability.
    pub true_conversion_probability: f64,
    /// The generated data's conversion rate.
    pub observed_conversion_rate: f64,
    /// Methods ranked by total absolute share error, best first.
    pub methods: Vec<MethodError>,
    /// Per touchpoint, in map order.
    pub touchpoints: Vec<TouchpointShares>,
}

/// Generates, attributes and scores (see the module docs).
pub fn score(
    map: &JourneyMap,
    name: &str,
    options: &GroundTruthOptions,
) -> Result<GroundTruthScores> {
    score_with_progress(map, name, options, &progress::ignore)
}

/// [`score`], reporting the long loops (journeys generated, then removal effects) to
/// `progress`.
pub fn score_with_progress(
    map: &JourneyMap,
    name: &str,
    options: &GroundTruthOptions,
    progress: progress::Report<'_>,
) -> Result<GroundTruthScores> {
    if options.journeys == 0 {
        return Err(Error::option("journeys", "must be at least 1"));
    }
    let truth = map.truth()?;
    let (counts, generated) =
        generate_paths_with_progress(map, options.journeys, options.seed, progress);
    if generated.conversions == 0 {
        return Err(Error::Invalid(format!(
            "no generated journey converted in {} journeys; generate more",
            options.journeys
        )));
    }
    let attribution_options = AttributionOptions {
        fit: FitOptions::order(options.order),
        heuristics: options.heuristics,
    };
    let mut builder = AttributionBuilder::new(&attribution_options, None)?;
    let mut rows: Vec<(&Vec<u32>, &[f64; 3])> = counts.iter().collect();
    rows.sort_by(|a, b| a.0.cmp(b.0));
    let mut summary = ReadSummary::default();
    for (touches, c) in rows {
        builder.observe(&PathRow::whole(touches, c[0], c[1], c[2]), None);
        summary.rows += 1;
        summary.conversions += c[0];
        summary.value += c[1];
        summary.nulls += c[2];
    }
    let attribution =
        builder.finish_with_progress(map.channels(), name, &summary, Vec::new(), progress)?;
    let total = summary.conversions;
    let by_name = |t: &str| {
        attribution
            .channels
            .iter()
            .find(|c| c.channel == t)
            .expect("every touchpoint is a channel of the map's table")
    };
    // Every method is chosen by default, so every field is present.
    let share = |credit: Option<f64>| credit.unwrap_or(0.0) / total;
    let touchpoints: Vec<TouchpointShares> = truth
        .touchpoints
        .iter()
        .map(|t| {
            let c = by_name(&t.touchpoint);
            TouchpointShares {
                touchpoint: t.touchpoint.clone(),
                stage: t.stage.clone(),
                true_removal_effect: t.removal_effect,
                true_share: t.removal_effect_share,
                markov_removal_effect: c.removal_effect.unwrap_or(0.0),
                markov: share(c.markov_conversions),
                first_touch: share(c.first_touch),
                last_touch: share(c.last_touch),
                linear: share(c.linear),
                position_based: share(c.position_based),
                time_decay: share(c.time_decay),
                shapley: share(c.shapley),
            }
        })
        .collect();
    type Pick = fn(&TouchpointShares) -> f64;
    let methods: [(String, Pick); 7] = [
        (format!("markov_order_{}", options.order), |t| t.markov),
        ("first_touch".into(), |t| t.first_touch),
        ("last_touch".into(), |t| t.last_touch),
        ("linear".into(), |t| t.linear),
        ("position_based".into(), |t| t.position_based),
        ("time_decay".into(), |t| t.time_decay),
        ("shapley".into(), |t| t.shapley),
    ];
    let mut errors: Vec<MethodError> = methods
        .into_iter()
        .map(|(method, pick)| {
            let mut total = 0.0;
            let mut worst = (0.0f64, String::new());
            for t in &touchpoints {
                let e = (pick(t) - t.true_share).abs();
                total += e;
                if e > worst.0 || worst.1.is_empty() {
                    worst = (e, t.touchpoint.clone());
                }
            }
            MethodError {
                method,
                total_absolute_share_error: total,
                max_absolute_share_error: worst.0,
                worst_touchpoint: worst.1,
            }
        })
        .collect();
    errors.sort_by(|a, b| {
        a.total_absolute_share_error
            .total_cmp(&b.total_absolute_share_error)
    });
    Ok(GroundTruthScores {
        map: name.to_owned(),
        journeys: options.journeys,
        seed: options.seed,
        order: options.order,
        personas: map.personas.len(),
        true_conversion_probability: truth.conversion_probability,
        observed_conversion_rate: generated.conversions as f64 / generated.journeys as f64,
        methods: errors,
        touchpoints,
    })
}
