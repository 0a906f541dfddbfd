//! The computations behind the ChannelAttribution-compatible functions (`markov_model`,
//! `heuristic_models`, `transition_matrix`, `choose_order`): exact journeysim results, with the
//! channels in ChannelAttribution's order (first appearance) and its state names. The Python
//! layer shapes them into its DataFrames.

use std::collections::HashMap;

use pyo3::prelude::*;

use journeysim_core::attribution::{
    AttributionMethod, AttributionOptions, HeuristicOptions, MethodOptions, attribute,
};
use journeysim_core::model::{FitOptions, fit_paths};
use journeysim_core::order_selection::{OrderOptions, select_order};
use journeysim_core::{Chain, Result};

use crate::error::{json, to_py};
use crate::frame::{Column, frame_text};
use crate::source::{Appearance, FirstSeen, PathColumns};

/// One channel of `markov_model`: name, removal effects (conversions, value), credits
/// (conversions, value).
type MarkovChannel = (String, f64, f64, f64, f64);
/// One transition: from, to, probability.
type Transition = (String, String, f64);

/// `markov_model`'s numbers: the channels in first-appearance order, the transitions (with
/// `out_more`) and the warnings about the data.
#[pyfunction]
#[pyo3(signature = (columns, path, conversions, value, null, sep, order, out_more, source))]
#[allow(clippy::too_many_arguments)]
pub fn ca_markov(
    py: Python<'_>,
    columns: Vec<Column<'_>>,
    path: String,
    conversions: String,
    value: Option<String>,
    null: Option<String>,
    sep: String,
    order: usize,
    out_more: bool,
    source: String,
) -> PyResult<(Vec<MarkovChannel>, Vec<Transition>, Vec<String>)> {
    let bytes = frame_text(&columns)?;
    let spec = PathColumns {
        path,
        conversions,
        value,
        null,
        sep,
    };
    py.detach(|| markov(&spec, bytes, order, out_more, &source))
        .map_err(to_py)
}

fn markov(
    spec: &PathColumns,
    bytes: Vec<u8>,
    order: usize,
    out_more: bool,
    source: &str,
) -> Result<(Vec<MarkovChannel>, Vec<Transition>, Vec<String>)> {
    let fit = FitOptions {
        order,
        keep_repeats: false,
        value_distribution: false,
    };
    let options = AttributionOptions {
        fit,
        heuristics: HeuristicOptions::default(),
    };
    let methods = MethodOptions {
        methods: vec![AttributionMethod::Markov],
        intervals: None,
    };
    let mut seen = Appearance::default();
    let reread = out_more.then(|| bytes.clone());
    let result = attribute(
        FirstSeen::new(spec.reader(bytes, source), &mut seen),
        &options,
        &methods,
        None,
    )?;
    let by_name: HashMap<&str, _> = result
        .channels
        .iter()
        .map(|c| (c.channel.as_str(), c))
        .collect();
    let channels = seen
        .used_rows
        .iter()
        .filter_map(|name| by_name.get(name.as_str()))
        .map(|c| {
            (
                c.channel.clone(),
                c.removal_effect.unwrap_or(0.0),
                c.removal_effect_value.unwrap_or(0.0),
                c.markov_conversions.unwrap_or(0.0),
                c.markov_value.unwrap_or(0.0),
            )
        })
        .collect();
    let transitions = match reread {
        Some(bytes) => {
            let fitted = fit_paths(spec.reader(bytes, source), fit, |_| {})?;
            transitions(&fitted.chain, &seen.used_rows)
        }
        None => Vec::new(),
    };
    Ok((channels, transitions, result.warnings))
}

/// The chain's transitions with ChannelAttribution's names: `(start)`, `(conversion)`,
/// `(null)`, and each state as its channels' 1-based ids in `order` joined by spaces
/// (`"1 2"` at order 2). Rows: `(start)` first, then states by their ids; within a row the
/// states by ids, then `(conversion)`, `(null)`.
fn transitions(chain: &Chain, order: &[String]) -> Vec<Transition> {
    let id: HashMap<&str, u32> = order
        .iter()
        .enumerate()
        .map(|(i, name)| (name.as_str(), i as u32 + 1))
        .collect();
    let names = chain.channels();
    let key = |s: u32| -> Vec<u32> {
        if s == chain.conversion() {
            vec![u32::MAX - 1]
        } else if s == chain.null() {
            vec![u32::MAX]
        } else {
            chain.states()[s as usize]
                .iter()
                .map(|&c| id.get(names.name(c)).copied().unwrap_or(0))
                .collect()
        }
    };
    let label = |k: &[u32]| -> String {
        match k {
            [x] if *x == u32::MAX - 1 => "(conversion)".to_owned(),
            [x] if *x == u32::MAX => "(null)".to_owned(),
            ids => ids.iter().map(u32::to_string).collect::<Vec<_>>().join(" "),
        }
    };
    let mut out = Vec::new();
    let mut entry: Vec<(Vec<u32>, f64)> = chain.entry().iter().map(|&(s, p)| (key(s), p)).collect();
    entry.sort_by(|a, b| a.0.cmp(&b.0));
    for (to, p) in entry {
        out.push(("(start)".to_owned(), label(&to), p));
    }
    let mut states: Vec<(Vec<u32>, u32)> =
        (0..chain.n_states() as u32).map(|s| (key(s), s)).collect();
    states.sort();
    for (from, s) in states {
        let (targets, probs) = chain.row(s);
        let mut row: Vec<(Vec<u32>, f64)> = targets
            .iter()
            .zip(probs)
            .map(|(&t, &p)| (key(t), p))
            .collect();
        row.sort_by(|a, b| a.0.cmp(&b.0));
        for (to, p) in row {
            out.push((label(&from), label(&to), p));
        }
    }
    out
}

/// `transition_matrix`'s numbers: channels in first-appearance order and the transitions
/// (self-loops kept with `keep_repeats`, ChannelAttribution's `flg_equal`).
#[pyfunction]
#[pyo3(signature = (columns, path, conversions, null, sep, order, keep_repeats, source))]
#[allow(clippy::too_many_arguments)]
pub fn ca_transition_matrix(
    py: Python<'_>,
    columns: Vec<Column<'_>>,
    path: String,
    conversions: String,
    null: Option<String>,
    sep: String,
    order: usize,
    keep_repeats: bool,
    source: String,
) -> PyResult<(Vec<String>, Vec<Transition>, Vec<String>)> {
    let bytes = frame_text(&columns)?;
    let spec = PathColumns {
        path,
        conversions,
        value: None,
        null,
        sep,
    };
    py.detach(|| -> Result<_> {
        let mut seen = Appearance::default();
        let options = FitOptions {
            order,
            keep_repeats,
            value_distribution: false,
        };
        let fitted = fit_paths(
            FirstSeen::new(spec.reader(bytes, &source), &mut seen),
            options,
            |_| {},
        )?;
        let rows = transitions(&fitted.chain, &seen.used_rows);
        Ok((seen.used_rows, rows, fitted.warnings))
    })
    .map_err(to_py)
}

/// One heuristic row: name, first, last, linear conversions, then their values.
type HeuristicChannel = (String, f64, f64, f64, f64, f64, f64);

/// `heuristic_models`' numbers, channels in first-appearance order over every row.
#[pyfunction]
#[pyo3(signature = (columns, path, conversions, value, sep, source))]
pub fn ca_heuristics(
    py: Python<'_>,
    columns: Vec<Column<'_>>,
    path: String,
    conversions: String,
    value: Option<String>,
    sep: String,
    source: String,
) -> PyResult<(Vec<HeuristicChannel>, Vec<String>)> {
    let bytes = frame_text(&columns)?;
    let spec = PathColumns {
        path,
        conversions,
        value,
        null: None,
        sep,
    };
    py.detach(|| -> Result<_> {
        let mut seen = Appearance::default();
        let options = AttributionOptions {
            fit: FitOptions::order(1),
            heuristics: HeuristicOptions::default(),
        };
        let methods = MethodOptions {
            methods: vec![
                AttributionMethod::FirstTouch,
                AttributionMethod::LastTouch,
                AttributionMethod::Linear,
            ],
            intervals: None,
        };
        let result = attribute(
            FirstSeen::new(spec.reader(bytes, &source), &mut seen),
            &options,
            &methods,
            None,
        )?;
        let by_name: HashMap<&str, _> = result
            .channels
            .iter()
            .map(|c| (c.channel.as_str(), c))
            .collect();
        let z = |x: Option<f64>| x.unwrap_or(0.0);
        let rows = seen
            .all_rows
            .iter()
            .filter_map(|name| by_name.get(name.as_str()))
            .map(|c| {
                (
                    c.channel.clone(),
                    z(c.first_touch),
                    z(c.last_touch),
                    z(c.linear),
                    z(c.first_touch_value),
                    z(c.last_touch_value),
                    z(c.linear_value),
                )
            })
            .collect();
        Ok((rows, result.warnings))
    })
    .map_err(to_py)
}

/// A ROC curve: (false positive rate, true positive rate) points.
type Roc = Vec<(f64, f64)>;

/// `choose_order`'s numbers: journeysim's order selection (held-out likelihood beside
/// ChannelAttribution's penalised AUC) as the CLI's JSON, and each order's ROC curve of
/// `P(conversion | last state)` as (false positive rate, true positive rate) points.
#[pyfunction]
#[pyo3(signature = (columns, path, conversions, null, sep, max_order, source))]
#[allow(clippy::too_many_arguments)]
pub fn ca_choose_order(
    py: Python<'_>,
    columns: Vec<Column<'_>>,
    path: String,
    conversions: String,
    null: Option<String>,
    sep: String,
    max_order: usize,
    source: String,
) -> PyResult<(String, Vec<Roc>)> {
    let bytes = frame_text(&columns)?;
    let spec = PathColumns {
        path,
        conversions,
        value: None,
        null,
        sep,
    };
    py.detach(|| -> Result<_> {
        let options = OrderOptions {
            max_order,
            ..OrderOptions::default()
        };
        let selection = select_order(spec.reader(bytes.clone(), &source), options)?;
        let mut rocs = Vec::new();
        for k in 1..=max_order {
            let fitted = fit_paths(
                spec.reader(bytes.clone(), &source),
                FitOptions::order(k),
                |_| {},
            )?;
            rocs.push(roc(&fitted.chain));
        }
        Ok((serde_json::to_string(&selection), rocs))
    })
    .map_err(to_py)
    .and_then(|(text, rocs)| Ok((text.map_err(json)?, rocs)))
}

/// The ROC curve of predicting conversion by the last state's conversion probability (the
/// curve under ChannelAttribution's AUC): from (0, 0) to (1, 1), one point per distinct score.
fn roc(chain: &Chain) -> Roc {
    let mut points: Vec<(f64, f64, f64)> = (0..chain.n_states() as u32)
        .filter_map(|s| {
            let (mut pos, mut neg) = (0.0, 0.0);
            for e in chain.row_range(s) {
                if chain.targets()[e] == chain.conversion() {
                    pos += chain.weights()[e];
                } else if chain.targets()[e] == chain.null() {
                    neg += chain.weights()[e];
                }
            }
            (pos + neg > 0.0).then(|| (pos / (pos + neg), pos, neg))
        })
        .collect();
    points.sort_by(|a, b| b.0.total_cmp(&a.0));
    let positives: f64 = points.iter().map(|p| p.1).sum();
    let negatives: f64 = points.iter().map(|p| p.2).sum();
    let mut curve = vec![(0.0, 0.0)];
    let (mut tp, mut fp) = (0.0, 0.0);
    let mut i = 0;
    while i < points.len() {
        let score = points[i].0;
        while i < points.len() && points[i].0.total_cmp(&score).is_eq() {
            tp += points[i].1;
            fp += points[i].2;
            i += 1;
        }
        let rate = |x: f64, total: f64| if total > 0.0 { x / total } else { 0.0 };
        curve.push((rate(fp, negatives), rate(tp, positives)));
    }
    curve
}
