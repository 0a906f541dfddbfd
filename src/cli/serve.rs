//! `journeysim serve`: reads the model once, computes the report's views ([`super::report`]),
//! starts the web app (crate `journeysim-serve`) on a local port, prints its URL on standard
//! output and serves until Ctrl-C.

use std::io::Write;
use std::net::{IpAddr, SocketAddr};

use clap::Args;

use journeysim_core::{Error, Result};
use journeysim_io::budget_file::read_plan;
use journeysim_serve::Model;

use super::output::warn;
use super::report::ReportInputs;
use super::timing::TimeArgs;

/// Arguments of `serve`.
#[derive(Args)]
pub struct ServeArgs {
    #[command(flatten)]
    inputs: ReportInputs,
    /// A budget plan (JSON, README "Budgets"): the panel then has a spend per channel.
    #[arg(long, value_name = "PLAN_JSON", value_parser = super::values::file_name())]
    budget: Option<String>,
    /// The port to listen on; 0 picks a free one (the printed URL says which).
    #[arg(long, default_value_t = 8050)]
    port: u16,
    /// The address to listen on. Anything but a loopback address opens the app (and the model)
    /// to the network, without authentication: a warning says so.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    #[command(flatten)]
    time: TimeArgs,
    /// Refused with a reason: the app answers in JSON and HTML over HTTP.
    #[arg(long, hide = true, value_name = "FORMAT")]
    format: Option<String>,
    /// Refused with a reason: the app writes no file.
    #[arg(long, hide = true, value_name = "FILE")]
    out: Option<String>,
}

/// Journeys the exact counts are over, and a simulation's default: `whatif`'s own default, so
/// the panel and `journeysim whatif` give the same numbers.
const DEFAULT_JOURNEYS: u64 = 1_000_000;

/// Loads the model, binds the port and serves until interrupted.
pub fn run(args: ServeArgs) -> Result<()> {
    if args.format.is_some() || args.out.is_some() {
        let flag = if args.format.is_some() {
            "format"
        } else {
            "out"
        };
        return Err(Error::option(
            flag,
            "does not apply to serve: it writes no file and prints only its URL; the page and \
             the JSON API (GET /api/model, POST /api/whatif...) are its output, and `journeysim \
             report --out report.html` writes the views to a file",
        ));
    }
    let options = args.inputs.engine().options(Some(DEFAULT_JOURNEYS))?;
    let journeys = match options.stop {
        journeysim_core::simulate::Stop::Journeys(n) => n,
        journeysim_core::simulate::Stop::Precision { .. } => {
            return Err(Error::option(
                "precision",
                "does not apply to serve: each simulation says how many journeys it walks",
            ));
        }
    };
    if journeys > journeysim_serve::MAX_JOURNEYS {
        return Err(Error::option(
            "journeys",
            format!(
                "{journeys} is more than a simulation of the app may walk ({})",
                journeysim_serve::MAX_JOURNEYS
            ),
        ));
    }
    let plan = args.budget.as_deref().map(read_plan).transpose()?;
    let loaded = args.inputs.load_with(DEFAULT_JOURNEYS)?;
    let horizons = args.time.horizons(loaded.timings.is_some())?;
    let overview = loaded.overview;
    warn(&overview.warnings);
    let model = Model {
        components: loaded.components,
        source: overview.input.clone(),
        timings: loaded.timings,
        horizons,
        plan,
        volume: loaded.volume,
        journeys,
        options,
        stages: overview.stages.clone(),
        views: journeysim_report::html::body(&overview),
        message: super::flags::error_text,
    };
    let router = journeysim_serve::router(model)?;
    if !args.host.is_loopback() {
        warn(&[format!(
            "--host {} serves the app and its model to every machine that can reach this one, \
             with no password; use --host 127.0.0.1 to keep it on this machine",
            args.host
        )]);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Numerical(format!("cannot start the web server: {e}")))?;
    runtime.block_on(async move {
        let address = SocketAddr::new(args.host, args.port);
        let listener = tokio::net::TcpListener::bind(address)
            .await
            .map_err(|e| Error::option("port", format!("cannot listen on {address}: {e}")))?;
        let bound = listener
            .local_addr()
            .map_err(|e| Error::Numerical(format!("cannot read the bound address: {e}")))?;
        let mut stdout = std::io::stdout();
        let _ = writeln!(stdout, "http://{bound}/");
        let _ = stdout.flush();
        eprintln!("serving {} until Ctrl-C", bound);
        journeysim_serve::serve(listener, router, async {
            interrupted().await;
            eprintln!("stopping");
        })
        .await
        .map_err(|e| Error::Numerical(format!("the web server failed: {e}")))
    })
}

/// Ctrl-C (SIGINT), or SIGTERM where there is one.
async fn interrupted() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
