//! How a command obtains its chain: fitted from data at `--order K` (or `auto`), read from a
//! model file, or built from a journey map. `fit`, `simulate`, `whatif`, `graph` and `funnel`
//! all go through here, so a chain means the same thing whichever command asked for it.

use clap::Args;

use journeysim_core::budget::period::Volume;
use journeysim_core::dwell::DwellFit;
use journeysim_core::error::Location;
use journeysim_core::model::document::ModelDocument;
use journeysim_core::model::{FitOptions, Fitted, fit_paths, fit_paths_timed};
use journeysim_core::order_selection::{OrderOptions, OrderSelection, select_order};
use journeysim_core::simulate::Timing;
use journeysim_core::{Chain, Error, Result};
use journeysim_io::map_file::read_map;
use journeysim_io::model_file::read_model;

use super::input::PathsInput;

/// How a chain is fitted from data: its order and whether repeated states are kept.
#[derive(Args)]
pub struct ModelArgs {
    /// Markov order: states are windows of this many consecutive touches, or `auto` to choose
    /// it by held-out log-likelihood (see `journeysim order`; reads the input into memory).
    #[arg(long, default_value = "1")]
    order: OrderArg,
    /// Keep consecutive identical states as self-loops (ChannelAttribution collapses them).
    #[arg(long)]
    pub keep_repeats: bool,
}

/// `--order K` or `--order auto`.
#[derive(Clone, Copy)]
enum OrderArg {
    Fixed(usize),
    Auto,
}

impl std::str::FromStr for OrderArg {
    type Err = String;
    fn from_str(text: &str) -> std::result::Result<Self, String> {
        if text.eq_ignore_ascii_case("auto") {
            return Ok(OrderArg::Auto);
        }
        text.parse::<usize>().map(OrderArg::Fixed).map_err(|_| {
            format!(
                "'{text}' is not an order: give a whole number >= 1 or 'auto'",
                text = journeysim_core::error::clip(text)
            )
        })
    }
}

/// What `--order auto` found, and the input it buffered to read again.
pub type AutoOrder = (OrderSelection, Vec<u8>);

impl ModelArgs {
    /// The order to fit and, for `auto`, the comparison behind it and the buffered input (a
    /// stream can be read only once).
    pub fn resolve(&self, input: &PathsInput) -> Result<(usize, Option<AutoOrder>)> {
        match self.order {
            OrderArg::Fixed(k) => Ok((k, None)),
            OrderArg::Auto => {
                let bytes = input.read_all()?;
                let selection =
                    select_order(input.data(Some(bytes.clone()))?, OrderOptions::default())?;
                eprintln!(
                    "order auto: {} ({})",
                    selection.recommended_order, selection.reason
                );
                Ok((selection.recommended_order, Some((selection, bytes))))
            }
        }
    }
}

/// Fits the chain of `input` (paths or an event log) at the order `model` asks for, with the
/// empirical value distribution kept (for model files and simulated value draws); returns the
/// fit and the warnings about the input.
pub fn fit_data(input: &PathsInput, model: &ModelArgs) -> Result<(Fitted, Vec<String>)> {
    let (order, auto) = model.resolve(input)?;
    let options = FitOptions {
        order,
        keep_repeats: model.keep_repeats,
        value_distribution: true,
    };
    let fitted = fit_paths(input.data(auto.map(|(_, bytes)| bytes))?, options, |_| {})?;
    let warnings = fitted.warnings.clone();
    Ok((fitted, warnings))
}

/// [`fit_data`], also fitting each state's time to its next event when the input is an event
/// log (`journeysim fit`: the model file's dwell times).
pub fn fit_data_timed(input: &PathsInput, model: &ModelArgs) -> Result<(Fitted, Vec<String>)> {
    if input.events_file()?.is_none() {
        return fit_data(input, model);
    }
    let (order, auto) = model.resolve(input)?;
    let options = FitOptions {
        order,
        keep_repeats: model.keep_repeats,
        value_distribution: true,
    };
    let max_days = input.events_format()?.inactivity_days;
    let data = input.data(auto.map(|(_, bytes)| bytes))?;
    let fitted = fit_paths_timed(data, options, max_days, |_| {})?;
    let warnings = fitted.warnings.clone();
    Ok((fitted, warnings))
}

/// A model file (written by `journeysim fit` or by hand), parsed but not yet checked as a chain.
pub fn read_model_file(path: &str) -> Result<ModelDocument> {
    read_model(path)
}

/// A chain from data (a paths file or an event log, fitted here) or from a model file: the
/// input of the commands that walk or draw a chain.
#[derive(Args)]
pub struct ChainInput {
    #[command(flatten)]
    data: PathsInput,
    /// A model file written by `journeysim fit` (or by hand) instead of data; --order and the
    /// column options then do not apply.
    #[arg(long, value_name = "MODEL_JSON", conflicts_with_all = ["file", "events"], value_parser = super::values::file_name())]
    model: Option<String>,
    /// A journey map (scenarios/README.md) instead of data: its personas are walked as a
    /// mixture, each journey drawing its persona by share.
    #[arg(long, value_name = "MAP_JSON", conflicts_with_all = ["file", "events", "model"], value_parser = super::values::file_name())]
    map: Option<String>,
}

impl ChainInput {
    /// The data input (a paths FILE or `--events`), when one was given rather than a model or
    /// map.
    pub fn data_input(&self) -> Option<&PathsInput> {
        (self.data.file.is_some() || self.data.events.events.is_some()).then_some(&self.data)
    }

    /// The model file, when the chain is read from one.
    pub fn model_file(&self) -> Option<&str> {
        self.model.as_deref()
    }

    /// The journey map, when the chain is built from one.
    pub fn map_file(&self) -> Option<&str> {
        self.map.as_deref()
    }
}

/// Chains with population shares: one chain (share 1) or a journey map's personas.
pub type Components = Vec<(f64, Chain)>;

/// What [`ChainInput::load_timed`] gives: the chains to walk, the input's name, warnings about
/// it, the journeys it observed, and each chain's dwell times when it has them.
pub struct Loaded {
    /// The chains with their shares.
    pub components: Components,
    /// The input's name.
    pub source: String,
    /// Warnings about the input.
    pub warnings: Vec<String>,
    /// The journeys the input observed.
    pub volume: Volume,
    /// One per component, when the input has dwell times for every state that needs one.
    pub timings: Option<Vec<Timing>>,
}

/// Dwell times fitted per state (`all[s]` and `by_next[s]`, in the chain's state order, see
/// [`Timing::fitted`]) as a timing of `chain`, when there are any. A state that leads to
/// conversions without a time leaves the chain untimed, with a warning saying why.
fn fitted_timing(
    chain: &Chain,
    all: &[Option<DwellFit>],
    by_next: &[[Option<DwellFit>; 2]],
    source: &str,
    warnings: &mut Vec<String>,
) -> Option<Vec<Timing>> {
    let any = all
        .iter()
        .chain(by_next.iter().flatten())
        .any(Option::is_some);
    if !any {
        return None;
    }
    let timing = Timing::fitted(all, by_next);
    match timing.check(chain) {
        Ok(()) => Some(vec![timing]),
        Err(e) => {
            warnings.push(format!("{source}: no time to conversion is reported: {e}"));
            None
        }
    }
}

impl ChainInput {
    /// The chains to walk with their shares, the input's name, any warnings, and the journeys
    /// the input observed: the data's
    /// conversions + nulls, a model file's `totals.journeys` (written by `fit`), none for a map
    /// or a hand-written model. A budget plan's figures per period need them.
    pub fn load_population_with_volume(
        &self,
        model: &ModelArgs,
    ) -> Result<(Components, String, Vec<String>, Volume)> {
        if let Some(path) = &self.map {
            let map = read_map(path)?;
            return Ok((
                map.persona_chains()?,
                path.clone(),
                Vec::new(),
                Volume::Unknown,
            ));
        }
        let (chain, source, warnings, volume) = self.load_with_volume(model)?;
        if chain.n_states() == 0 {
            // Only data can give a chain without states (a model file or map must have an entry).
            return Err(Error::input(
                Location::file(&source),
                "no journey in the data (a row with zero conversions and zero nulls holds none), \
                 so there is no chain to walk",
            ));
        }
        Ok((vec![(1.0, chain)], source, warnings, volume))
    }

    /// [`ChainInput::load_population_with_volume`] with dwell times: a journey map's, a model
    /// file's (`fit --events` writes them), or fitted from an event log here.
    pub fn load_timed(&self, model: &ModelArgs) -> Result<Loaded> {
        if let Some(path) = &self.map {
            let map = read_map(path)?;
            let timings = map
                .personas
                .iter()
                .map(|p| Timing::hours(&p.dwell_hours))
                .collect::<Result<Vec<_>>>()
                .map_err(|e| Error::Invalid(format!("{path}: {e}")))?;
            return Ok(Loaded {
                components: map.persona_chains()?,
                source: path.clone(),
                warnings: Vec::new(),
                volume: Volume::Unknown,
                timings: Some(timings),
            });
        }
        if let Some(path) = &self.model {
            let document = read_model_file(path)?;
            let volume = match document.totals {
                Some(totals) => Volume::Observed(totals.journeys),
                None => Volume::Unknown,
            };
            let all: Vec<_> = document.states.iter().map(|s| s.dwell.clone()).collect();
            let by_next: Vec<_> = document
                .states
                .iter()
                .map(|s| [s.dwell_to_touch.clone(), s.dwell_to_conversion.clone()])
                .collect();
            let chain = document.into_chain(path)?;
            let mut warnings = Vec::new();
            let timings = fitted_timing(&chain, &all, &by_next, path, &mut warnings);
            return Ok(Loaded {
                components: vec![(1.0, chain)],
                source: path.clone(),
                warnings,
                volume,
                timings,
            });
        }
        if self.data.events.events.is_none() {
            let (components, source, warnings, volume) = self.load_population_with_volume(model)?;
            return Ok(Loaded {
                components,
                source,
                warnings,
                volume,
                timings: None,
            });
        }
        let input = &self.data;
        let (fitted, mut warnings) = fit_data_timed(input, model)?;
        let source = input.source().to_owned();
        if fitted.chain.n_states() == 0 {
            return Err(Error::input(
                Location::file(&source),
                "no journey in the data, so there is no chain to walk",
            ));
        }
        let timings = fitted_timing(
            &fitted.chain,
            &fitted.dwell,
            &fitted.dwell_by_next,
            &source,
            &mut warnings,
        );
        Ok(Loaded {
            volume: Volume::Observed(fitted.summary.journeys()),
            components: vec![(1.0, fitted.chain)],
            source,
            warnings,
            timings,
        })
    }

    /// The chain, the input's name and any warnings about the input. Data are fitted with the
    /// empirical value distribution kept, for the simulated value draws.
    pub fn load(&self, model: &ModelArgs) -> Result<(Chain, String, Vec<String>)> {
        if let Some(path) = &self.map {
            let map = read_map(path)?;
            return Ok((map.flow_chain()?, path.clone(), Vec::new()));
        }
        self.load_with_volume(model)
            .map(|(chain, source, warnings, _)| (chain, source, warnings))
    }

    /// A chain from data or a model file, with the journeys it observed (see
    /// [`ChainInput::load_population_with_volume`]).
    fn load_with_volume(&self, model: &ModelArgs) -> Result<(Chain, String, Vec<String>, Volume)> {
        if let Some(path) = &self.model {
            let document = read_model_file(path)?;
            let volume = match document.totals {
                Some(totals) => Volume::Observed(totals.journeys),
                None => Volume::Unknown,
            };
            let chain = document.into_chain(path)?;
            return Ok((chain, path.clone(), Vec::new(), volume));
        }
        let input = &self.data;
        if input.file.is_none() && input.events.events.is_none() {
            return Err(Error::Invalid(
                "no input: give a paths FILE, --events FILE or --model FILE".into(),
            ));
        }
        let (fitted, warnings) = fit_data(input, model)?;
        let volume = Volume::Observed(fitted.summary.journeys());
        Ok((fitted.chain, input.source().to_owned(), warnings, volume))
    }
}
