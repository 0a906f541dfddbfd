//! The JSON API: one handler per route, each a thin shell over the library. Request bodies are
//! read as text by journeysim's own parsers, so a mistake gets the command line's message.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State as Extract;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;

use journeysim_core::budget::plan::Plan;
use journeysim_core::model::Chain;
use journeysim_core::simulate::{SimulateOptions, Stop, Times, Timing, simulate_timed};
use journeysim_core::stages::StageMap;
use journeysim_core::touchpoint_rates::{TouchpointRates, touchpoint_rates};
use journeysim_core::whatif::{
    Budget, ExactBaseline, ScenarioFile, exact_baseline, what_if_budget, what_if_exact,
};
use journeysim_core::{Error, Result};
use journeysim_io::json;
use journeysim_io::scenario_file::parse_scenario;

use crate::Model;

/// The most journeys one `POST /api/simulate` may ask for (per arm).
pub const MAX_JOURNEYS: u64 = 10_000_000;

/// How a request body is named in error messages, where the command line names the file.
const REQUEST: &str = "request";

/// The app's state: the model, the answer of `GET /api/model` (computed once) and the one
/// permit simulations take turns with.
pub struct State {
    model: Model,
    summary: Vec<u8>,
    simulations: Semaphore,
}

/// `GET /api/model`.
#[derive(Serialize)]
struct Summary<'a> {
    input: &'a str,
    order: usize,
    /// The journeys the exact expected counts are over.
    journeys: u64,
    seed: u64,
    max_journeys: u64,
    channels: Vec<&'a str>,
    states: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stages: Option<&'a StageMap>,
    touchpoints: Vec<TouchpointRates>,
    has_dwell_times: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    budget: Option<BudgetSummary<'a>>,
    baseline: ExactBaseline,
}

#[derive(Serialize)]
struct BudgetSummary<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    currency: Option<&'a str>,
    channels: Vec<Spend<'a>>,
}

#[derive(Serialize)]
struct Spend<'a> {
    channel: &'a str,
    spend: f64,
}

impl State {
    pub(crate) fn new(model: Model) -> Result<State> {
        let summary = {
            let components = model.components();
            let first = components
                .first()
                .ok_or_else(|| Error::Invalid("nothing to serve: no chain".into()))?
                .1;
            let mut channels: Vec<&str> = model
                .components
                .iter()
                .flat_map(|(_, c)| c.channels().names().iter().map(String::as_str))
                .collect();
            channels.sort_unstable();
            channels.dedup();
            let summary = Summary {
                input: &model.source,
                order: first.order(),
                journeys: model.journeys,
                seed: model.options.seed,
                max_journeys: MAX_JOURNEYS,
                channels,
                states: first
                    .states()
                    .iter()
                    .map(|s| first.channels().format_path(s))
                    .collect(),
                stages: model.stages.as_ref(),
                touchpoints: touchpoint_rates(&components)?,
                has_dwell_times: model.timings.is_some(),
                budget: model.plan.as_ref().map(|plan| BudgetSummary {
                    currency: plan.currency.as_deref(),
                    channels: plan
                        .names()
                        .zip(plan.today())
                        .map(|(channel, spend)| Spend { channel, spend })
                        .collect(),
                }),
                baseline: exact_baseline(
                    &components,
                    model.budget(),
                    model.times(),
                    model.journeys,
                )?,
            };
            serde_json::to_vec(&summary)
                .map_err(|e| Error::Numerical(format!("cannot serialise the model: {e}")))?
        };
        Ok(State {
            model,
            summary,
            simulations: Semaphore::new(1),
        })
    }
}

impl State {
    /// The model's name and the report's views, for the page.
    pub(crate) fn page_parts(&self) -> (&str, &str) {
        (&self.model.source, &self.model.views)
    }
}

impl Model {
    fn components(&self) -> Vec<(f64, &Chain)> {
        self.components.iter().map(|(w, c)| (*w, c)).collect()
    }

    fn budget(&self) -> Option<Budget<'_>> {
        self.plan.as_ref().map(|plan: &Plan| Budget {
            plan,
            volume: self.volume,
        })
    }

    fn times(&self) -> Option<Times<'_>> {
        self.timings.as_deref().map(|timings: &[Timing]| Times {
            timings,
            horizons: &self.horizons,
        })
    }

    /// The exact what-if of one scenario.
    fn exact(&self, scenario: ScenarioFile) -> Result<Vec<u8>> {
        let result = what_if_exact(
            &self.components(),
            &self.source,
            &[scenario],
            self.budget(),
            self.times(),
            self.journeys,
        )?;
        to_json(&result)
    }

    /// A simulation: `whatif`'s with a scenario, `simulate`'s without.
    fn simulate(&self, request: SimulateRequest) -> Result<Vec<u8>> {
        let bad = |message: String| {
            Error::input(journeysim_core::error::Location::file(REQUEST), message)
        };
        let journeys = match &request.journeys {
            None => self.journeys,
            Some(n) => n
                .as_u64()
                .filter(|n| (1..=MAX_JOURNEYS).contains(n))
                .ok_or_else(|| bad(format!("journeys is {n}; ask for 1 to {MAX_JOURNEYS}")))?,
        };
        let seed = match &request.seed {
            None => self.options.seed,
            Some(n) => n.as_u64().ok_or_else(|| {
                bad(format!(
                    "seed is {n}; give a whole number from 0 to {}",
                    u64::MAX
                ))
            })?,
        };
        let options = SimulateOptions {
            seed,
            stop: Stop::Journeys(journeys),
            ..self.options
        };
        let components = self.components();
        match request.scenario {
            Some(scenario) => {
                let scenario = parse_scenario(&scenario.to_string(), REQUEST)?;
                let file = ScenarioFile {
                    scenario,
                    file: REQUEST.to_owned(),
                };
                let result = what_if_budget(
                    &components,
                    &self.source,
                    &[file],
                    self.budget(),
                    self.times(),
                    &options,
                    &|_, _, _| {},
                )?;
                to_json(&result)
            }
            None => {
                let result = simulate_timed(
                    &components,
                    self.times(),
                    &self.source,
                    &options,
                    &|_, _| {},
                )?;
                to_json(&result)
            }
        }
    }
}

/// The body of `POST /api/simulate`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SimulateRequest {
    /// Numbers as written, so that a wrong one is named in the error.
    journeys: Option<serde_json::Number>,
    seed: Option<serde_json::Number>,
    scenario: Option<serde_json::Value>,
}

fn to_json(value: &impl Serialize) -> Result<Vec<u8>> {
    serde_json::to_vec(value)
        .map_err(|e| Error::Numerical(format!("cannot serialise the result: {e}")))
}

/// The request body as text.
fn text(body: &Bytes) -> Result<&str> {
    std::str::from_utf8(body).map_err(|e| {
        Error::input(
            journeysim_core::error::Location::file(REQUEST),
            format!("the body is not UTF-8 text ({e})"),
        )
    })
}

/// A JSON answer.
fn answer(status: StatusCode, body: Vec<u8>) -> Response {
    (
        status,
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response()
}

/// `{"error": message}`: 400 for what the request got wrong (the command line's exit code 2),
/// 500 for the rest, worded by `message`.
fn failure_in(message: fn(&Error) -> String, error: &Error) -> Response {
    let status = if error.exit_code() == 2 {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::INTERNAL_SERVER_ERROR
    };
    (status, Json(serde_json::json!({ "error": message(error) }))).into_response()
}

/// [`failure_in`] with the library's own words (errors of the server, not of the model).
fn failure(error: &Error) -> Response {
    failure_in(|e| e.to_string(), error)
}

/// Runs `work` on a blocking thread and answers with its JSON or its error, worded by
/// `message`.
async fn blocking(
    message: fn(&Error) -> String,
    work: impl FnOnce() -> Result<Vec<u8>> + Send + 'static,
) -> Response {
    match tokio::task::spawn_blocking(work).await {
        Ok(Ok(body)) => answer(StatusCode::OK, body),
        Ok(Err(error)) => failure_in(message, &error),
        Err(join) => failure(&Error::Numerical(format!(
            "the computation failed ({join}); the model is unchanged"
        ))),
    }
}

/// `GET /api/health`.
pub async fn health(Extract(state): Extract<Arc<State>>) -> Response {
    Json(serde_json::json!({ "status": "ok", "input": state.model.source })).into_response()
}

/// `GET /api/model`.
pub async fn model(Extract(state): Extract<Arc<State>>) -> Response {
    answer(StatusCode::OK, state.summary.clone())
}

/// `POST /api/whatif`: a scenario document in, the exact figures out.
pub async fn whatif(Extract(state): Extract<Arc<State>>, body: Bytes) -> Response {
    let message = state.model.message;
    blocking(message, move || {
        let scenario = parse_scenario(text(&body)?, REQUEST)?;
        state.model.exact(ScenarioFile {
            scenario,
            file: REQUEST.to_owned(),
        })
    })
    .await
}

/// `POST /api/simulate`: journeys, seed and an optional scenario in, simulated figures out.
pub async fn simulate(Extract(state): Extract<Arc<State>>, body: Bytes) -> Response {
    let request: SimulateRequest = match text(&body).and_then(|t| json::parse(t, REQUEST)) {
        Ok(request) => request,
        Err(error) => return failure_in(state.model.message, &error),
    };
    let Ok(_permit) = state.simulations.acquire().await else {
        return failure(&Error::Numerical("the server is shutting down".into()));
    };
    let state = Arc::clone(&state);
    blocking(state.model.message, move || state.model.simulate(request)).await
}

/// Any other route.
pub async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        Json(serde_json::json!({
            "error": "no such page; the API is GET /api/health, GET /api/model, \
                      POST /api/whatif and POST /api/simulate"
        })),
    )
        .into_response()
}
