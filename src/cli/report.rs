//! `journeysim report`: one self-contained HTML page to share (headline figures, the journey
//! map, attribution, the funnel, top converting paths, what-if scenarios), written atomically
//! to `--out`. [`ReportInputs`] loads everything into the report crate's
//! [`Overview`](journeysim_report::html::Overview), so another face (a web app) can build the
//! same views from the same flags; the page itself is `journeysim_report::html`.
//!
//! There is no `--format`: the report is an HTML page, and an HTML page on standard output is
//! of no use, so `--out` is required and must name an `.html` (or `.htm`) file.

use std::path::PathBuf;

use clap::Args;

use journeysim_core::attribution::pricing::price_attribution;
use journeysim_core::attribution::removal::mixture_removal_effects;
use journeysim_core::attribution::{
    AttributionMethod, AttributionOptions, HeuristicOptions, IntervalOptions, MethodOptions,
    attribute,
};
use journeysim_core::budget::period::Volume;
use journeysim_core::cost::{Costs, cpa, roas};
use journeysim_core::funnel::{self, Funnel};
use journeysim_core::journey_flows::JourneyFlows;
use journeysim_core::model::FitOptions;
use journeysim_core::simulate::{Times, Timing};
use journeysim_core::stages::StageMap;
use journeysim_core::top_paths::{TopPathOptions, top_paths};
use journeysim_core::whatif::{ScenarioFile, WhatIf, what_if_budget};
use journeysim_core::{Chain, Error, Result};
use journeysim_io::map_file::read_map;
use journeysim_io::output::write_output;
use journeysim_io::scenario_file::read_scenario;
use journeysim_io::stage_file::read_stage_map;
use journeysim_report::html::{self, Headline, Overview, RemovalCost, RemovalCredit};

use super::chain::{ChainInput, Components, ModelArgs, read_model_file};
use super::costs::{CostArgs, PeriodArgs};
use super::engine::{EngineArgs, ProgressBar};
use super::input::PathsInput;
use super::output::warn;
use super::simulate::channel_names;
use super::timing::DEFAULT_HORIZONS;

/// Journeys per arm of each scenario when no --journeys is given: a report should be quick;
/// give more for narrower intervals.
const REPORT_DEFAULT_JOURNEYS: u64 = 200_000;

/// Paths listed in the top converting paths, and the fewest journeys a path needs to be ranked
/// by its rate (`journeysim paths`' defaults).
const TOP_PATHS: TopPathOptions = TopPathOptions {
    top: 10,
    min_journeys: 30.0,
};

/// What the report is made of: the input and everything shown beside it. The flags of
/// `report` but `--out`.
#[derive(Args)]
pub struct ReportInputs {
    #[command(flatten)]
    input: ChainInput,
    #[command(flatten)]
    model: ModelArgs,
    /// Stage map: `{"stages": [...], "touchpoints": {"name": "stage", ...}}`: the journey
    /// map's columns, the funnel and the reach per stage [default: a journey map's own stages,
    /// a model file's attached ones; data have none].
    #[arg(long, value_name = "STAGES_JSON", value_parser = super::values::file_name())]
    stages: Option<String>,
    /// A scenario file (JSON, see scenarios/README.md) to show with its exact and simulated
    /// change; repeat for several.
    #[arg(long = "scenario", value_name = "FILE", value_parser = super::values::file_name())]
    scenarios: Vec<String>,
    /// Add Bayesian-bootstrap intervals to the Markov credits (data only; seed: --seed).
    #[arg(long)]
    intervals: bool,
    /// Bootstrap resamples (with --intervals).
    #[arg(long, default_value = "200", value_parser = super::values::count_usize, requires = "intervals")]
    resamples: usize,
    #[command(flatten)]
    costs: CostArgs,
    #[command(flatten)]
    period: PeriodArgs,
    #[command(flatten)]
    engine: EngineArgs,
}

/// Arguments of `report`.
#[derive(Args)]
pub struct ReportArgs {
    #[command(flatten)]
    inputs: ReportInputs,
    /// The HTML file to write (atomically): required, as the report is one self-contained page.
    #[arg(long, required = true, value_name = "FILE.html", value_parser = super::values::out_path())]
    out: PathBuf,
}

/// What [`ReportInputs::load`] gives: the page's data and the chains behind it.
pub struct Loaded {
    /// Everything the page shows.
    pub overview: Overview,
    /// The chains with their shares (a journey map's personas), for further what-ifs: `report`
    /// itself needs only the overview; `serve` recomputes on them.
    pub components: Components,
    /// Per chain, its dwell times (when the input has them).
    pub timings: Option<Vec<Timing>>,
    /// The journeys the input observed.
    pub volume: Volume,
}

/// The input's kind as the funnel names it.
fn kind_of(input: &ChainInput) -> &'static str {
    if input.map_file().is_some() {
        "map"
    } else if input.model_file().is_some() {
        "model"
    } else if input
        .data_input()
        .and_then(|d| d.events.events.as_ref())
        .is_some()
    {
        "events"
    } else {
        "paths"
    }
}

impl ReportInputs {
    /// The simulation engine's flags.
    pub fn engine(&self) -> &EngineArgs {
        &self.engine
    }

    /// Reads the input, the stages, the costs and the scenarios, and computes every figure of
    /// the report. Bad input fails before any long computation.
    pub fn load(&self) -> Result<Loaded> {
        self.load_with(REPORT_DEFAULT_JOURNEYS)
    }

    /// [`ReportInputs::load`], simulating the scenarios over `default_journeys` journeys per arm
    /// unless --journeys says otherwise (`serve` uses its panel's count, so the two agree).
    pub fn load_with(&self, default_journeys: u64) -> Result<Loaded> {
        let data = self.input.data_input();
        if data.is_some_and(|d| d.source() == "<stdin>") {
            return Err(Error::Invalid(
                "the report reads its data several times (fit, attribution, funnel, paths): give \
                 a file, not standard input"
                    .into(),
            ));
        }
        if self.intervals && data.is_none() {
            return Err(Error::Invalid(
                "--intervals bootstraps observed journeys: give a paths file or --events, not a \
                 model or a map"
                    .into(),
            ));
        }
        let costs = self.costs.read()?;
        let stage_file = self.stages.as_deref().map(read_stage_map).transpose()?;
        let scenarios = self
            .scenarios
            .iter()
            .map(|file| {
                Ok(ScenarioFile {
                    scenario: read_scenario(file)?,
                    file: file.clone(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let options = self.engine.options(Some(default_journeys))?;
        let loaded = self.input.load_timed(&self.model)?;
        let source = loaded.source.clone();
        let mut warnings = loaded.warnings.clone();
        let components = loaded.components;
        let refs: Vec<(f64, &Chain)> = components.iter().map(|(w, c)| (*w, c)).collect();
        let order = components.first().map_or(1, |(_, c)| c.order());
        let kind = kind_of(&self.input);

        // Stages: --stages, else a map's own, else a model file's attached ones.
        let stages: Option<(StageMap, String)> = match (stage_file, self.stages.as_deref()) {
            (Some(s), Some(path)) => Some((s, path.to_owned())),
            _ => {
                if let Some(path) = self.input.map_file() {
                    Some((read_map(path)?.stage_map(), path.to_owned()))
                } else if let Some(path) = self.input.model_file() {
                    read_model_file(path)?.stages.map(|s| (s, path.to_owned()))
                } else {
                    None
                }
            }
        };

        let period = |channels: Vec<&str>, journeys: Option<f64>, costs: &Costs| {
            self.period.price(costs, channels, journeys, &source)
        };

        // Attribution: every method on data, Markov removal effects of the chain otherwise.
        let (attribution, removal_effects, headline) = match data {
            Some(input) => {
                let mut result = self.attribute(input, order)?;
                if let Some(costs) = &costs {
                    price_attribution(&mut result, costs)?;
                }
                warnings.extend(result.warnings.iter().cloned());
                let m = &result.model;
                let headline = Headline {
                    journeys: Some(m.journeys),
                    conversions: Some(m.total_conversions),
                    conversion_probability: m.conversion_probability,
                    value_per_journey: m.value_per_journey,
                };
                (Some(result), Vec::new(), headline)
            }
            None => {
                let effects = mixture_removal_effects(&refs)?;
                let names = components
                    .first()
                    .map(|(_, c)| c.channels().names().to_vec())
                    .unwrap_or_default();
                let total: f64 = effects.effects.iter().map(|e| e.conversions).sum();
                let total_value: f64 = effects.effects.iter().map(|e| e.value).sum();
                // With costs: the period's conversions and value, shared by the credit shares.
                let priced = costs
                    .as_ref()
                    .map(|costs| {
                        let channels = names.iter().map(String::as_str).collect();
                        period(channels, loaded.volume.journeys(), costs)
                    })
                    .transpose()?;
                let base = effects.base;
                let credits = names
                    .iter()
                    .zip(&effects.effects)
                    .map(|(name, e)| {
                        let share = if total > 0.0 {
                            e.conversions / total
                        } else {
                            0.0
                        };
                        let value_share = if total_value > 0.0 {
                            e.value / total_value
                        } else {
                            0.0
                        };
                        RemovalCredit {
                            channel: name.clone(),
                            removal_effect: e.conversions,
                            removal_effect_value: e.value,
                            share,
                            costs: priced.as_ref().map(|p| {
                                let conversions = share * base.conversion_probability * p.journeys;
                                let value = value_share * base.value_per_journey * p.journeys;
                                let cost = p.priced.cost(name);
                                RemovalCost {
                                    conversions,
                                    value,
                                    cost,
                                    cpa: cpa(cost, conversions),
                                    roas: roas(cost, value),
                                }
                            }),
                        }
                    })
                    .collect();
                let headline = Headline {
                    journeys: loaded.volume.journeys(),
                    conversions: None,
                    conversion_probability: effects.base.conversion_probability,
                    value_per_journey: effects.base.value_per_journey,
                };
                (None, credits, headline)
            }
        };

        // The funnel, when there are stages.
        let mut funnel: Option<Funnel> = match &stages {
            None => None,
            Some((stages, stages_source)) => Some(if let Some(path) = self.input.map_file() {
                let map = read_map(path)?;
                funnel::map_funnel(&map, path, Some((stages.clone(), stages_source)))?
            } else if let Some(path) = self.input.model_file() {
                funnel::chain_funnel(&components[0].1, path, stages, stages_source)?
            } else {
                let input = data.ok_or_else(|| Error::Invalid("no input".into()))?;
                funnel::data_funnel(input.data(None)?, kind, stages, stages_source, order)?
            }),
        };
        if let (Some(f), Some(costs)) = (&mut funnel, &costs) {
            let journeys = f.journeys.or(headline.journeys);
            let channels: Vec<&str> = f.touchpoints().collect();
            let priced = period(channels, journeys, costs)?;
            f.price(&priced);
        }
        if let Some(f) = &funnel {
            warnings.extend(f.warnings.iter().cloned());
        }

        let top_paths = data
            .map(|input| top_paths(input.data(None)?, TOP_PATHS))
            .transpose()?;

        let whatif = if scenarios.is_empty() {
            None
        } else {
            Some(self.what_if(
                &components,
                &refs,
                &source,
                &scenarios,
                loaded.timings.as_deref(),
                &options,
                costs.as_ref(),
                loaded.volume,
            )?)
        };
        if let Some(w) = &whatif {
            warnings.extend(w.warnings.iter().cloned());
        }

        let flows = JourneyFlows::mixture(&refs)?;
        let currency = costs.as_ref().and_then(|c| c.currency().map(str::to_owned));
        // The fit, the attribution and the funnel read the same input: say each thing once.
        let mut seen = std::collections::HashSet::new();
        warnings.retain(|w| seen.insert(w.clone()));
        Ok(Loaded {
            overview: Overview {
                input: source,
                input_kind: kind.into(),
                order,
                currency,
                headline,
                flows,
                stages: stages.map(|(s, _)| s),
                attribution,
                removal_effects,
                funnel,
                top_paths,
                whatif,
                warnings,
            },
            components,
            timings: loaded.timings,
            volume: loaded.volume,
        })
    }

    /// Every attribution method on the data, as `journeysim attribute` runs them by default.
    fn attribute(
        &self,
        input: &PathsInput,
        order: usize,
    ) -> Result<journeysim_core::attribution::Attribution> {
        let options = AttributionOptions {
            fit: FitOptions {
                order,
                keep_repeats: self.model.keep_repeats,
                value_distribution: false,
            },
            heuristics: HeuristicOptions::default(),
        };
        let methods = MethodOptions {
            methods: AttributionMethod::ALL.to_vec(),
            intervals: self.intervals.then_some(IntervalOptions {
                resamples: self.resamples,
                level: 0.95,
                seed: self.engine.seed(),
            }),
        };
        // `attribute`'s default half-life in days when touch times are known.
        let half_life_days = input.events_file()?.map(|_| 7.0);
        attribute(input.data(None)?, &options, &methods, half_life_days)
    }

    /// The scenarios against the chains, as `journeysim whatif` runs them.
    #[allow(clippy::too_many_arguments)]
    fn what_if(
        &self,
        components: &Components,
        refs: &[(f64, &Chain)],
        source: &str,
        scenarios: &[ScenarioFile],
        timings: Option<&[journeysim_core::simulate::Timing]>,
        options: &journeysim_core::simulate::SimulateOptions,
        costs: Option<&Costs>,
        volume: Volume,
    ) -> Result<WhatIf> {
        let period = costs
            .map(|costs| {
                self.period
                    .price(costs, channel_names(components), volume.journeys(), source)
            })
            .transpose()?;
        let times = timings.map(|timings| Times {
            timings,
            horizons: &DEFAULT_HORIZONS,
        });
        let bar = ProgressBar::new(self.engine.quiet, self.engine.precision.is_some());
        let result = what_if_budget(
            refs,
            source,
            scenarios,
            None,
            times,
            options,
            &|_, done, max| bar.update(done, max),
        );
        bar.finish();
        let mut result = result?;
        if let Some(period) = &period {
            result.price(period, scenarios);
        }
        Ok(result)
    }
}

/// Writes the report: checks `--out`, loads and computes everything, renders the page and
/// writes it atomically (nothing is written on an error).
pub fn run(args: ReportArgs) -> Result<()> {
    let out = &args.out;
    if let Some(extension) = out.extension() {
        let extension = extension.to_string_lossy().to_ascii_lowercase();
        if extension != "html" && extension != "htm" {
            return Err(Error::Invalid(format!(
                "--out {}: the report is an HTML page; name it .html",
                out.display()
            )));
        }
    }
    if out.as_os_str() == "-" {
        return Err(Error::Invalid(
            "--out -: the report is a page to open or send; give a file name ending in .html"
                .into(),
        ));
    }
    let loaded = args.inputs.load()?;
    warn(&loaded.overview.warnings);
    let page = html::document(&loaded.overview);
    write_output(Some(out), page.as_bytes())
}
