//! `journeysim serve`: a local web app over one model. The page shows the report's views and a
//! what-if panel; the panel talks to a small JSON API that anyone can script:
//!
//! | Route | Answer |
//! |---|---|
//! | `GET /api/health` | `{"status": "ok", "input": ...}` |
//! | `GET /api/model` | channels, states, stages, touchpoint rates, the exact baseline, the budget plan |
//! | `POST /api/whatif` | body: a scenario document (`whatif --scenario`'s format); answer: the exact baseline and scenario figures, named as in `whatif --format json` |
//! | `POST /api/simulate` | body: `{"journeys": N, "seed": S, "scenario": {...}}`; answer: `whatif --format json` (or `simulate --format json` without a scenario) |
//!
//! The model is read once and never changes: a request can only read it, so one browser tab
//! cannot change what another sees. Bad requests answer 400 with `{"error": message}`, in the
//! words the command line uses for the same mistake; bodies over 1 MiB answer 413. Every
//! computation runs off the async threads; simulations run one at a time.
//!
//! ```no_run
//! # async fn example(model: journeysim_serve::Model) -> Result<(), Box<dyn std::error::Error>> {
//! let router = journeysim_serve::router(model)?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
//! println!("http://{}/", listener.local_addr()?);
//! journeysim_serve::serve(listener, router, async {
//!     let _ = tokio::signal::ctrl_c().await;
//! })
//! .await?;
//! # Ok(())
//! # }
//! ```

#![deny(missing_docs)]

mod api;
mod page;

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use journeysim_core::budget::period::Volume;
use journeysim_core::budget::plan::Plan;
use journeysim_core::model::Chain;
use journeysim_core::simulate::{SimulateOptions, Timing};
use journeysim_core::stages::StageMap;

pub use api::MAX_JOURNEYS;

/// The largest request body accepted: 1 MiB.
pub const BODY_LIMIT: usize = 1 << 20;

/// What the app serves: one model, read once.
pub struct Model {
    /// The chains with their shares (one chain, or a journey map's personas).
    pub components: Vec<(f64, Chain)>,
    /// The input's name, as the command line prints it.
    pub source: String,
    /// Per component, the dwell times (a map, an event log, or a model fitted from one).
    pub timings: Option<Vec<Timing>>,
    /// The horizons of `conversions_within`, in days (with timings).
    pub horizons: Vec<f64>,
    /// A budget plan: scenarios may then change spends.
    pub plan: Option<Plan>,
    /// The input's own journeys, if known.
    pub volume: Volume,
    /// The journeys the exact expected counts are over (`whatif`'s default journeys, unless
    /// `--journeys` says otherwise), so the two give the same figures.
    pub journeys: u64,
    /// The defaults of a simulation (seed, threads, step cap; journeys as above).
    pub options: SimulateOptions,
    /// The stages and each touchpoint's stage (with a stages file, a model that has them, or
    /// a map).
    pub stages: Option<StageMap>,
    /// The report's views as an HTML fragment, shown above the panel (may be empty).
    pub views: String,
    /// An error's message as the command line words it (the library names an option
    /// `budget`, the command line `--budget`), so a request's mistake reads the same in both.
    pub message: fn(&journeysim_core::Error) -> String,
}

/// The routes, over `model`. Solves the baseline once, here: an error is the model's.
pub fn router(model: Model) -> journeysim_core::Result<Router> {
    let state = api::State::new(model)?;
    Ok(Router::new()
        .route("/", get(page::index))
        .route("/app.js", get(page::script))
        .route("/app.css", get(page::style))
        .route("/report.css", get(page::report_style))
        .route("/api/health", get(api::health))
        .route("/api/model", get(api::model))
        .route("/api/whatif", post(api::whatif))
        .route("/api/simulate", post(api::simulate))
        .fallback(api::not_found)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(Arc::new(state)))
}

/// Serves `router` on `listener` until `shutdown` completes, then finishes the requests in
/// flight and returns.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}
