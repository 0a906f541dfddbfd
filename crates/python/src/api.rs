//! journeysim's own API: attribution, fitted models, simulation, what-if, event logs and
//! generated journeys. Results cross to Python as the CLI's JSON (the core's serialised types,
//! the same field names), which the Python layer turns into dicts and DataFrames.

use pyo3::prelude::*;

use journeysim_core::attribution::pricing::price_attribution;
use journeysim_core::attribution::{
    AttributionMethod, AttributionOptions, HeuristicOptions, IntervalOptions, MethodOptions,
    attribute as attribute_source,
};
use journeysim_core::journey::{ChannelTable, PathSource};
use journeysim_core::model::FitOptions;
use journeysim_core::model::document::{ModelDocument, Totals};
use journeysim_core::model::fit_paths;
use journeysim_core::row_order::Canonical;
use journeysim_core::simulate::{SimulateOptions, Stop, simulate as simulate_chain};
use journeysim_core::solve::absorb;
use journeysim_core::whatif::{ScenarioFile, what_if};
use journeysim_core::{Chain, Error, Result};
use journeysim_io::cost_file::parse_costs;
use journeysim_io::events::EventsFormat;
use journeysim_io::frame;
use journeysim_io::map_file::{parse_map, read_map};
use journeysim_io::model_file::{parse_model, read_model};
use journeysim_io::output::write_output;
use journeysim_io::paths::read_paths;
use journeysim_io::scenario_file::{parse_scenario, read_scenario};

use crate::error::{json, to_py};
use crate::frame::{Column, frame_text};
use crate::source::PathColumns;

/// `attribute`: the CLI's JSON of `journeysim attribute` on the frame.
#[pyfunction]
#[pyo3(signature = (columns, path, conversions, value, null, sep, order, methods, intervals, resamples, seed, costs, source))]
#[allow(clippy::too_many_arguments)]
pub fn attribute(
    py: Python<'_>,
    columns: Vec<Column<'_>>,
    path: String,
    conversions: String,
    value: Option<String>,
    null: Option<String>,
    sep: String,
    order: usize,
    methods: Option<Vec<String>>,
    intervals: bool,
    resamples: usize,
    seed: u64,
    costs: Option<(String, String)>,
    source: String,
) -> PyResult<String> {
    let bytes = frame_text(&columns)?;
    let spec = PathColumns {
        path,
        conversions,
        value,
        null,
        sep,
    };
    py.detach(|| -> Result<String> {
        let methods = match methods {
            None => AttributionMethod::ALL.to_vec(),
            Some(names) => names
                .iter()
                .map(|m| AttributionMethod::parse(m))
                .collect::<Result<_>>()?,
        };
        let methods = MethodOptions {
            methods,
            intervals: intervals.then_some(IntervalOptions {
                resamples,
                level: 0.95,
                seed,
            }),
        };
        // Costs are read before the data, as the CLI does, so a bad costs table costs no time.
        let costs = costs
            .map(|(text, name)| parse_costs(text.as_bytes(), &name, None))
            .transpose()?;
        let options = AttributionOptions {
            fit: FitOptions::order(order),
            heuristics: HeuristicOptions::default(),
        };
        let mut result = attribute_source(spec.reader(bytes, &source), &options, &methods, None)?;
        if let Some(costs) = &costs {
            price_attribution(&mut result, costs)?;
        }
        serde_json::to_string(&result).map_err(|e| Error::Numerical(e.to_string()))
    })
    .map_err(to_py)
}

/// A fitted or loaded chain and its model file.
#[pyclass(module = "journeysim._native", frozen)]
pub struct NativeModel {
    chain: Chain,
    document: ModelDocument,
    conversion_probability: f64,
    value_per_journey: f64,
}

impl NativeModel {
    fn new(document: ModelDocument, source: &str) -> Result<NativeModel> {
        let chain = document.clone().into_chain(source)?;
        let exact = absorb(&chain, None)?;
        Ok(NativeModel {
            chain,
            document,
            conversion_probability: exact.conversion_probability,
            value_per_journey: exact.value_per_journey,
        })
    }
}

#[pymethods]
impl NativeModel {
    /// P(conversion) of a journey under the chain.
    #[getter]
    fn conversion_probability(&self) -> f64 {
        self.conversion_probability
    }

    /// Expected conversion value of a journey.
    #[getter]
    fn value_per_journey(&self) -> f64 {
        self.value_per_journey
    }

    /// Channel names, sorted.
    #[getter]
    fn channels(&self) -> Vec<String> {
        let names = self.chain.channels();
        names
            .sorted_ids()
            .into_iter()
            .map(|id| names.name(id).to_owned())
            .collect()
    }

    /// Transient states, by name (`a > b` at order 2), in the model file's order.
    #[getter]
    fn states(&self) -> Vec<String> {
        (0..self.chain.n_states() as u32)
            .map(|s| self.chain.state_name(s))
            .collect()
    }

    /// Markov order.
    #[getter]
    fn order(&self) -> usize {
        self.chain.order()
    }

    /// The model file's JSON, as `journeysim fit` writes it.
    fn to_json(&self) -> PyResult<String> {
        let mut text = serde_json::to_string_pretty(&self.document).map_err(json)?;
        text.push('\n');
        Ok(text)
    }

    /// Writes the model file to `path` (atomically, as `--out` does).
    fn save(&self, py: Python<'_>, path: std::path::PathBuf) -> PyResult<()> {
        let text = self.to_json()?;
        py.detach(|| write_output(Some(&path), text.as_bytes()))
            .map_err(to_py)
    }
}

/// `fit`: the chain fitted on the frame, as `journeysim fit` saves it.
#[pyfunction]
#[pyo3(signature = (columns, path, conversions, value, null, sep, order, source))]
#[allow(clippy::too_many_arguments)]
pub fn fit(
    py: Python<'_>,
    columns: Vec<Column<'_>>,
    path: String,
    conversions: String,
    value: Option<String>,
    null: Option<String>,
    sep: String,
    order: usize,
    source: String,
) -> PyResult<(NativeModel, Vec<String>)> {
    let bytes = frame_text(&columns)?;
    let spec = PathColumns {
        path,
        conversions,
        value,
        null,
        sep,
    };
    py.detach(|| -> Result<_> {
        let options = FitOptions {
            order,
            keep_repeats: false,
            value_distribution: true,
        };
        let fitted = fit_paths(spec.reader(bytes, &source), options, |_| {})?;
        let s = &fitted.summary;
        let totals = Totals::of(s);
        let document = ModelDocument::from_chain(&fitted.chain, Some(&source), Some(totals));
        Ok((NativeModel::new(document, &source)?, fitted.warnings))
    })
    .map_err(to_py)
}

/// A model from its JSON text (`source` names it in messages).
#[pyfunction]
pub fn model_from_json(py: Python<'_>, text: String, source: String) -> PyResult<NativeModel> {
    py.detach(|| NativeModel::new(parse_model(&text, &source)?, &source))
        .map_err(to_py)
}

/// A model from its file.
#[pyfunction]
pub fn model_load(py: Python<'_>, path: String) -> PyResult<NativeModel> {
    py.detach(|| NativeModel::new(read_model(&path)?, &path))
        .map_err(to_py)
}

fn simulate_options(journeys: u64, seed: u64, threads: Option<usize>) -> SimulateOptions {
    SimulateOptions {
        seed,
        stop: Stop::Journeys(journeys),
        threads,
        ..SimulateOptions::journeys(journeys)
    }
}

/// `simulate`: the CLI's JSON of `journeysim simulate --model`.
#[pyfunction]
#[pyo3(signature = (model, journeys, seed, threads, source))]
pub fn simulate(
    py: Python<'_>,
    model: &NativeModel,
    journeys: u64,
    seed: u64,
    threads: Option<usize>,
    source: String,
) -> PyResult<String> {
    let options = simulate_options(journeys, seed, threads);
    let result = py
        .detach(|| simulate_chain(&model.chain, &source, &options, &|_, _| {}))
        .map_err(to_py)?;
    serde_json::to_string(&result).map_err(json)
}

/// `whatif`: the CLI's JSON of `journeysim whatif --model`; each scenario is `(text, name)`
/// (its JSON) or `(path, None)` (a scenario file).
#[pyfunction]
#[pyo3(signature = (model, scenarios, journeys, seed, threads, source))]
pub fn whatif(
    py: Python<'_>,
    model: &NativeModel,
    scenarios: Vec<(String, Option<String>)>,
    journeys: u64,
    seed: u64,
    threads: Option<usize>,
    source: String,
) -> PyResult<String> {
    let options = simulate_options(journeys, seed, threads);
    let result = py
        .detach(|| -> Result<_> {
            let scenarios = scenarios
                .iter()
                .map(|(text, name)| {
                    Ok(match name {
                        Some(name) => ScenarioFile {
                            scenario: parse_scenario(text, name)?,
                            file: name.clone(),
                        },
                        None => ScenarioFile {
                            scenario: read_scenario(text)?,
                            file: text.clone(),
                        },
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            what_if(&model.chain, &source, &scenarios, &options, &|_, _, _| {})
        })
        .map_err(to_py)?;
    serde_json::to_string(&result).map_err(json)
}

/// Aggregated paths: path text, conversions, value, non-converting journeys.
type PathsColumns = (Vec<String>, Vec<f64>, Vec<f64>, Vec<f64>);

/// `aggregate_events`: the event log cut into journeys exactly as `--events` cuts a file, the
/// identical journeys merged, rows in the canonical order (by content).
#[pyfunction]
#[pyo3(signature = (columns, user, time, touchpoint, conversion, value, lookback_days, inactivity_days, source))]
#[allow(clippy::too_many_arguments)]
pub fn aggregate_events(
    py: Python<'_>,
    columns: Vec<Column<'_>>,
    user: String,
    time: String,
    touchpoint: String,
    conversion: Option<String>,
    value: Option<String>,
    lookback_days: f64,
    inactivity_days: f64,
    source: String,
) -> PyResult<(PathsColumns, Vec<String>)> {
    let bytes = frame_text(&columns)?;
    let defaults = EventsFormat::default();
    let format = EventsFormat {
        user_col: user,
        time_col: time,
        touchpoint_col: touchpoint,
        conversion_required: conversion.is_some(),
        conversion_col: conversion.unwrap_or(defaults.conversion_col),
        value_required: value.is_some(),
        value_col: value.unwrap_or(defaults.value_col),
        segment_col: None,
        delimiter: Some(b','),
        lookback_days,
        inactivity_days,
        // A paths table keeps whole journeys: open ones are nulls, as `journeysim aggregate`.
        as_of: None,
        open_journeys: journeysim_core::journey::OpenJourneys::Null,
    };
    py.detach(|| -> Result<_> {
        let reader = frame::events_reader(bytes, &source, &format);
        let mut channels = ChannelTable::new();
        let mut rows: Vec<(Vec<u32>, f64, f64, f64)> = Vec::new();
        let (_, warnings) =
            Canonical::new(reader)
                .without_ages()
                .read(&mut channels, &mut |row| {
                    let p = &row.path;
                    rows.push((p.touches.to_vec(), p.conversions, p.value, p.nulls));
                })?;
        Ok((columns_of(&channels, rows), warnings))
    })
    .map_err(to_py)
}

fn columns_of(channels: &ChannelTable, rows: Vec<(Vec<u32>, f64, f64, f64)>) -> PathsColumns {
    let mut out: PathsColumns = Default::default();
    for (touches, c, v, n) in rows {
        out.0.push(channels.format_path(&touches));
        out.1.push(c);
        out.2.push(v);
        out.3.push(n);
    }
    out
}

/// `generate`: journeys drawn from a journey map (`(text, name)` of its JSON, or `(path, None)`),
/// aggregated into paths as `journeysim generate` writes them (rows sorted by path).
#[pyfunction]
pub fn generate(
    py: Python<'_>,
    map: (String, Option<String>),
    journeys: u64,
    seed: u64,
) -> PyResult<PathsColumns> {
    py.detach(|| -> Result<_> {
        let (text, name) = map;
        let (map, source) = match name {
            Some(name) => (parse_map(&text, &name)?, name),
            None => (read_map(&text)?, text),
        };
        if journeys == 0 {
            return Err(Error::option("journeys", "must be at least 1"));
        }
        let (counts, _) =
            journeysim_core::journey_map::generate::generate_paths(&map, journeys, seed);
        let csv = journeysim_io::generated::paths_csv(&map, &counts)?;
        let mut channels = ChannelTable::new();
        let mut rows = Vec::new();
        read_paths(
            csv.as_slice(),
            &source,
            &Default::default(),
            &mut channels,
            |p| rows.push((p.touches.to_vec(), p.conversions, p.value, p.nulls)),
        )?;
        Ok(columns_of(&channels, rows))
    })
    .map_err(to_py)
}
