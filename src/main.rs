//! The `journeysim` command line: parse arguments, call the library, print, map errors to exit
//! codes (0 ok, 1 failure, 2 bad input or usage). All logic lives in the library; the argument
//! groups and one handler per command live in [`cli`].

mod cli;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use journeysim_core::Result;

#[derive(Parser)]
#[command(
    name = "journeysim",
    version,
    about = "Customer journeys as Markov chains: exact attribution, heuristics and simulation",
    after_help = "Examples:\n  journeysim attribute data/paths_10k.csv\n  journeysim attribute data/paths_10k.csv --order 3 --format json --out attribution.json\n  journeysim fit data/paths_10k.csv --order 2 --out model.json\n  journeysim paths data/paths_10k.csv --top 10"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Attribute conversions and value to channels: exact Markov removal effects beside
    /// first/last touch, linear, position-based and time-decay.
    #[command(
        after_help = "Example:\n  journeysim attribute data/paths_10k.csv --order 2 --format json --out attribution.json\n  journeysim attribute data/paths_10k.csv --models markov,shapley --intervals --resamples 500 --seed 7\n  journeysim attribute data/paths_10k.csv --costs data/costs_10k.csv --currency EUR"
    )]
    Attribute(cli::attribute::AttributeArgs),
    /// Fit an order-k chain and save it as a versioned JSON model file.
    #[command(
        after_help = "Examples:\n  journeysim fit data/paths_10k.csv --order 2 --out model.json\n  journeysim fit data/sample_paths.csv --stages scenarios/stages.json --out model.json"
    )]
    Fit(cli::fit::FitArgs),
    /// Compare Markov orders: held-out log-likelihood (k-fold over journeys) beside
    /// ChannelAttribution's penalised AUC, and a recommended order.
    #[command(
        after_help = "Example:\n  journeysim order data/paths_10k.csv --max-order 4 --folds 5"
    )]
    Order(cli::order::OrderArgs),
    /// The transition graph of a chain, fitted from a paths file or read from a model file, as
    /// Graphviz DOT or Mermaid.
    #[command(
        after_help = "Examples:\n  journeysim graph data/paths_10k.csv --min-probability 0.05 --out graph.dot\n  journeysim graph --model model.json --format mermaid"
    )]
    Graph(cli::graph::GraphArgs),
    /// The paths that lead to purchase: most conversions, highest conversion rate (Wilson 95%
    /// interval), and path-length statistics.
    #[command(
        after_help = "Example:\n  journeysim paths data/paths_10k.csv --top 10 --min-journeys 50"
    )]
    Paths(cli::paths::PathsArgs),
    /// Simulate journeys through a fitted or hand-written chain (Monte Carlo): conversion rate,
    /// value, path length and removal effects with 95% intervals, beside the exact figures.
    /// Bit-identical output for any --threads.
    #[command(
        after_help = "Examples:\n  journeysim simulate data/paths_10k.csv --journeys 10000000 --seed 7\n  journeysim simulate --model model.json --precision 0.0005 --format json --out sim.json\n  journeysim simulate data/paths_10k.csv --journeys 1000000 --costs data/costs_10k.csv --currency EUR\n  journeysim simulate --map scenarios/journey_map.json --journeys 1000000 --horizons 7,30,90"
    )]
    Simulate(cli::simulate::SimulateArgs),
    /// What-if scenarios: change the model (remove or add a touchpoint, scale dropout or
    /// conversion, shift entries...) and compare it with the baseline, exact and simulated on
    /// common random numbers, with an interval on the difference.
    #[command(
        after_help = "Examples:\n  journeysim whatif data/paths_10k.csv --scenario scenarios/remove_display.json --scenario scenarios/shift_display_to_search.json\n  journeysim whatif data/sample_paths.csv --scenario scenarios/checkout_abandonment.json --journeys 2000000 --seed 7 --format json --out whatif.json\n  journeysim whatif data/paths_10k.csv --scenario scenarios/remove_display.json --journeys 200000 --costs data/costs_10k.csv --currency EUR\n  journeysim whatif --map scenarios/journey_map.json --scenario scenarios/faster_consideration.json --journeys 200000"
    )]
    Whatif(cli::whatif::WhatifArgs),
    /// A local web app: the exact what-if of every slider move at once, simulations with
    /// intervals on demand, and a JSON API (GET /api/model, POST /api/whatif, POST
    /// /api/simulate, GET /api/health). Prints its URL; Ctrl-C stops it. It writes no file:
    /// the URL is its output, so --format and --out do not apply.
    #[command(
        after_help = "Examples:\n  journeysim serve data/sample_paths.csv\n  journeysim serve data/paths_10k.csv --order 3 --port 0\n  journeysim serve --map scenarios/journey_map.json --port 8080\n  curl -s -X POST --data @scenarios/checkout_abandonment.json http://127.0.0.1:8050/api/whatif"
    )]
    Serve(cli::serve::ServeArgs),
    /// Budget optimiser: the spends of a budget plan that maximise conversions, value or profit
    /// on the exact model (or the largest budget that keeps a target CPA or ROAS), today beside
    /// the optimum, with marginal ROAS and CPA per channel.
    #[command(
        after_help = "Examples:\n  journeysim optimize data/paths_10k.csv --budget scenarios/budget_10k.json\n  journeysim optimize data/paths_10k.csv --budget scenarios/budget_10k.json --objective value --total 50000 --format json\n  journeysim optimize data/paths_10k.csv --budget scenarios/budget_10k.json --target-cpa 11 --svg curves.svg\n  journeysim optimize data/paths_10k.csv --budget scenarios/budget_10k.json --intervals --resamples 50 --seed 7"
    )]
    Optimize(cli::optimize::OptimizeArgs),
    /// The stage funnel: per stage, the share of journeys that reach it, move on, convert from
    /// it and drop out there (exact from the chain, observed from data), ranked by leakage.
    #[command(
        after_help = "Examples:\n  journeysim funnel --map scenarios/journey_map.json\n  journeysim funnel data/sample_paths.csv --stages scenarios/stages.json\n  journeysim funnel --events data/sample_events.csv --stages scenarios/stages.json --format json\n  journeysim funnel --model model.json\n  journeysim funnel --map scenarios/journey_map.json --svg funnel.svg\n  journeysim funnel --map scenarios/journey_map.json --costs scenarios/journey_map_costs.csv --period-journeys 100000 --currency EUR"
    )]
    Funnel(cli::funnel::FunnelArgs),
    /// What changed between two sets of journeys (two periods, markets or segments):
    /// P(conversion), value per journey, every channel's removal effect and credit shares with
    /// bootstrap intervals on the differences, and a G-test of every state's transition row.
    #[command(
        after_help = "Examples:\n  journeysim compare --events data/sample_events.csv --split-at 2026-01-20 --inactivity-days 7\n  journeysim compare --events data/sample_events.csv --segment-col persona --segments bargain_hunter,busy_professional --format json\n  journeysim compare --events data/sample_events.csv --split-at 2026-01-20 --inactivity-days 7 --stages scenarios/stages.json --svg compare.svg\n  journeysim compare data/sample_paths.csv data/sample_paths.csv --resamples 50"
    )]
    Compare(cli::compare::CompareArgs),
    /// Score every attribution method against a journey map's true removal effects: generate
    /// journeys, attribute them, report each method's total absolute share error.
    #[command(
        after_help = "Examples:\n  journeysim validate --map scenarios/journey_map.json --journeys 100000\n  journeysim validate --map scenarios/journey_map.json --journeys 200000 --order 2 --seed 7 --format json"
    )]
    Validate(cli::validate::ValidateArgs),
    /// Generate synthetic journeys from a journey map (known ground truth): aggregated paths or
    /// an event log.
    #[command(
        after_help = "Examples:\n  journeysim generate --map scenarios/journey_map.json --journeys 100000 --seed 1 --format paths --out paths.csv\n  journeysim generate --map scenarios/journey_map.json --journeys 5000 --format events --out events.csv"
    )]
    Generate(cli::generate::GenerateArgs),
    /// An event log cut into journeys (the rules of --events) and written as the paths table
    /// every command reads (CSV, or Parquet for --out FILE.parquet), so a cut can be stored and
    /// reused.
    #[command(
        after_help = "Examples:\n  journeysim aggregate --events data/sample_events.csv --out paths.csv\n  journeysim aggregate --events data/sample_events.csv --lookback-days 14 --segment-col persona --out paths.parquet"
    )]
    Aggregate(cli::aggregate::AggregateArgs),
    /// The SQL query that cuts a warehouse's event table into the paths table with the
    /// semantics of --events (DuckDB, PostgreSQL, Spark, BigQuery, Snowflake): run it there,
    /// export the small result, attribute it here.
    #[command(
        after_help = "The table's time column is a TIMESTAMP; its conversion and value columns must exist and be\nnumeric (NULL counts as 0). The semantics, and what differs from the CSV reader: README,\n\"At warehouse scale\".\n\nExamples:\n  journeysim sql --dialect bigquery --table my_project.analytics.events --out cut.sql\n  journeysim sql --dialect postgres --table events --lookback-days 14 --segment-col persona"
    )]
    Sql(cli::sql::SqlArgs),
    /// One self-contained HTML page to share: headline figures, the journey map, attribution,
    /// the funnel, top converting paths and what-if scenarios.
    ///
    /// The journey map is a Sankey diagram of the chain's exact expected traffic. Every chart
    /// has its table and a link saving it as SVG; nothing is fetched, so the page opens from a
    /// mail attachment and prints on A4 landscape. Always written to --out (no --format).
    #[command(
        after_help = "Examples:\n  journeysim report --map scenarios/journey_map.json --scenario scenarios/faster_consideration.json --out report.html\n  journeysim report data/sample_paths.csv --stages scenarios/stages.json --scenario scenarios/checkout_abandonment.json --out report.html\n  journeysim report data/paths_10k.csv --costs data/costs_10k.csv --currency EUR --out report.html"
    )]
    Report(cli::report::ReportArgs),
}

/// Runs the chosen command.
fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Attribute(args) => cli::attribute::run(args),
        Command::Fit(args) => cli::fit::run(args),
        Command::Order(args) => cli::order::run(args),
        Command::Graph(args) => cli::graph::run(args),
        Command::Paths(args) => cli::paths::run(args),
        Command::Simulate(args) => cli::simulate::run(args),
        Command::Whatif(args) => cli::whatif::run(args),
        Command::Serve(args) => cli::serve::run(args),
        Command::Optimize(args) => cli::optimize::run(args),
        Command::Funnel(args) => cli::funnel::run(args),
        Command::Compare(args) => cli::compare::run(args),
        Command::Validate(args) => cli::validate::run(args),
        Command::Generate(args) => cli::generate::run(args),
        Command::Aggregate(args) => cli::aggregate::run(args),
        Command::Sql(args) => cli::sql::run(args),
        Command::Report(args) => cli::report::run(args),
    }
}

/// On SIGINT or SIGTERM, removes the temporary file of an `--out` being written and the
/// partitions of an event log being grouped ([`journeysim_io::spill`]), and exits with
/// 128 + the signal (130, 143), so an interrupted run leaves nothing beside its destination.
#[cfg(unix)]
fn clean_up_on_signals() {
    use signal_hook::consts::{SIGINT, SIGTERM};
    match signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) {
        Ok(mut signals) => {
            std::thread::spawn(move || {
                if let Some(signal) = signals.forever().next() {
                    journeysim_io::output::remove_pending_temporary_files();
                    journeysim_io::spill::remove_spill_directories();
                    std::process::exit(128 + signal);
                }
            });
        }
        Err(e) => eprintln!(
            "warning: cannot watch for interrupts ({e}); an interrupted --out may leave a temporary file"
        ),
    }
}

/// Elsewhere an interrupt ends the program as usual.
#[cfg(not(unix))]
fn clean_up_on_signals() {}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // `serve` writes no file and stops itself cleanly on an interrupt.
    if !matches!(cli.command, Command::Serve(_)) {
        clean_up_on_signals();
    }
    journeysim_io::parquet_table::quiet_decoder_panics();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", cli::flags::error_text(&e));
            ExitCode::from(e.exit_code() as u8)
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        // clap checks flag clashes and references only in debug builds; check them in release too.
        super::Cli::command().debug_assert();
    }
}
