//! What-if scenarios: declarative changes to a journey model.
//!
//! A scenario file is JSON:
//!
//! ```json
//! {"name": "checkout-abandonment-minus-20",
//!  "description": "Cart abandonment cut by a fifth",
//!  "changes": [{"change": "scale_dropout", "at": "checkout", "factor": 0.8}]}
//! ```
//!
//! Each change names its kind in `"change"` ([`Change`] lists them); the scenario reader of the
//! io crate reads each change on its own so a bad field is reported as `changes[1]
//! (scale_dropout): unknown field ...`, and [`Change::check`] checks its numbers. [`apply`] then
//! checks every change against
//! the model (unknown touchpoints get the closest names) and builds the changed chain; the
//! engine only ever sees valid chains.
//!
//! ```
//! use journeysim_core::journey::MemoryPaths;
//! use journeysim_core::model::{FitOptions, fit_paths};
//! use journeysim_core::scenario::{Change, RemoveMode, Scenario, apply};
//! use journeysim_core::solve::absorb;
//!
//! // Half the journeys start at a (converting 3 in 5), half at b (1 in 5). Dropping a leaves 0.1.
//! let rows = [(&["a"][..], 3.0, 0.0, 2.0), (&["b"][..], 1.0, 0.0, 4.0)];
//! let chain = fit_paths(MemoryPaths::new("example", &rows), FitOptions::order(1), |_| {})?.chain;
//! let scenario = Scenario {
//!     name: "drop a".into(),
//!     description: String::new(),
//!     changes: vec![Change::RemoveTouchpoint { touchpoint: "a".into(), mode: RemoveMode::Drop }],
//! };
//! let changed = apply(&chain, &scenario, "drop_a.json")?;
//! assert!((absorb(&changed, None)?.conversion_probability - 0.1).abs() < 1e-12);
//! // A touchpoint the chain does not know is an error with the closest names.
//! let typo = Scenario {
//!     changes: vec![Change::RemoveTouchpoint { touchpoint: "aa".into(), mode: RemoveMode::Drop }],
//!     ..scenario
//! };
//! assert!(apply(&chain, &typo, "typo.json").is_err());
//! # Ok::<(), journeysim_core::Error>(())
//! ```

mod apply;

use serde::Deserialize;

pub(crate) use apply::refuse_spend;
pub use apply::{
    Applied, Selector, apply, apply_chain_changes, apply_scenario, apply_with_warnings,
};

/// A named set of changes to a model.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// Short name, used to label results.
    pub name: String,
    /// What the scenario stands for, in words.
    pub description: String,
    /// The changes, applied in order.
    pub changes: Vec<Change>,
}

/// How `remove_touchpoint` treats journeys that reach the touchpoint.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RemoveMode {
    /// Journeys reaching it end without converting: the removal effect's counterfactual.
    #[default]
    Drop,
    /// Its incoming traffic goes where it would have gone next (the touchpoint is skipped).
    Skip,
}

fn one() -> f64 {
    1.0
}

/// One change to a model. `at` and `from` name a touchpoint (every state whose last touch it is;
/// at order 1 that is the touchpoint's state), a whole state such as `"email > direct"`, or
/// `"*"` for every state. Entry changes match a state by its first touch, the journey's first
/// touchpoint. `to` in a transition change is a touchpoint (states whose last touch it is), a
/// whole state, `"conversion"` or `"null"`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case", deny_unknown_fields)]
pub enum Change {
    /// Take a touchpoint out of the journey.
    RemoveTouchpoint {
        /// The touchpoint.
        touchpoint: String,
        /// `drop` (default) or `skip`.
        #[serde(default)]
        mode: RemoveMode,
    },
    /// Multiply the probability of `from -> to`; the rest of the row is rescaled to sum to 1.
    ScaleTransition {
        /// Source states.
        from: String,
        /// Target.
        to: String,
        /// Factor (>= 0).
        factor: f64,
    },
    /// Set the probability of `from -> to`; the rest of the row is rescaled to sum to 1.
    SetTransition {
        /// Source states.
        from: String,
        /// Target.
        to: String,
        /// The new probability, in [0, 1].
        probability: f64,
    },
    /// Multiply the probability of leaving without converting at `at` (e.g. 0.8 for cart
    /// abandonment cut by 20%).
    ScaleDropout {
        /// The states.
        at: String,
        /// Factor (>= 0).
        factor: f64,
    },
    /// Multiply the probability of converting straight from `at`.
    ScaleConversion {
        /// The states.
        at: String,
        /// Factor (>= 0).
        factor: f64,
    },
    /// Move `share` of the entry probability of journeys starting at `from` to `to` (a budget
    /// shift of first touches).
    ShiftEntry {
        /// First touchpoint losing entries.
        from: String,
        /// First touchpoint gaining them.
        to: String,
        /// Share moved, in [0, 1].
        share: f64,
    },
    /// Set the probability that a journey starts at `touchpoint`; the other entries are rescaled.
    SetEntry {
        /// The first touchpoint.
        touchpoint: String,
        /// The new entry probability, in [0, 1].
        probability: f64,
    },
    /// A new touchpoint that behaves like an existing one (order-1 models).
    AddTouchpoint {
        /// The new touchpoint's name.
        name: String,
        /// The touchpoint whose onward transitions and value it copies.
        like: String,
        /// Share of all journeys that start at it (taken from the others in proportion).
        #[serde(default)]
        entry_share: f64,
        /// Share of every transition into `like` that goes to the new touchpoint instead.
        #[serde(default)]
        incoming_share: f64,
        /// Factor on its conversion probability relative to `like` (rest of its row rescaled).
        #[serde(default = "one")]
        conversion_factor: f64,
    },
    /// Multiply the value per conversion of journeys ending at `at` (average order value).
    ScaleValue {
        /// The states.
        at: String,
        /// Factor (>= 0).
        factor: f64,
    },
    /// Multiply the time journeys spend at `at` before their next event ("consideration takes
    /// 30% less time"): moves the time to conversion, never the conversion probability. Needs
    /// dwell times (a model fitted from an event log, or a journey map).
    ScaleDwell {
        /// The states.
        at: String,
        /// Factor (>= 0).
        factor: f64,
    },
    /// Multiply a budget plan channel's spend (needs a plan, see [`crate::budget`]).
    ScaleSpend {
        /// The plan channel.
        channel: String,
        /// Factor (>= 0).
        factor: f64,
    },
    /// Set a budget plan channel's spend.
    SetSpend {
        /// The plan channel.
        channel: String,
        /// The new spend (>= 0).
        spend: f64,
    },
    /// Move `amount` of spend from one plan channel to another.
    ShiftSpend {
        /// The channel losing spend.
        from: String,
        /// The channel gaining it.
        to: String,
        /// The amount moved (>= 0, at most `from`'s spend).
        amount: f64,
    },
}

impl Change {
    /// The kind as written in the file.
    pub fn kind(&self) -> &'static str {
        match self {
            Change::RemoveTouchpoint { .. } => "remove_touchpoint",
            Change::ScaleTransition { .. } => "scale_transition",
            Change::SetTransition { .. } => "set_transition",
            Change::ScaleDropout { .. } => "scale_dropout",
            Change::ScaleConversion { .. } => "scale_conversion",
            Change::ShiftEntry { .. } => "shift_entry",
            Change::SetEntry { .. } => "set_entry",
            Change::AddTouchpoint { .. } => "add_touchpoint",
            Change::ScaleValue { .. } => "scale_value",
            Change::ScaleDwell { .. } => "scale_dwell",
            Change::ScaleSpend { .. } => "scale_spend",
            Change::SetSpend { .. } => "set_spend",
            Change::ShiftSpend { .. } => "shift_spend",
        }
    }

    /// Whether the change is to a budget plan's spend (applied by the plan, not to the chain).
    pub fn is_spend(&self) -> bool {
        matches!(
            self,
            Change::ScaleSpend { .. } | Change::SetSpend { .. } | Change::ShiftSpend { .. }
        )
    }
}

impl Change {
    /// Checks the numbers the change carries, before any model is involved: probabilities and
    /// shares in [0, 1], factors finite and >= 0. The message names the field.
    pub fn check(&self) -> std::result::Result<(), String> {
        check_numbers(self)
    }
}

fn check_numbers(change: &Change) -> std::result::Result<(), String> {
    let probability = |name: &str, p: f64| {
        if (0.0..=1.0).contains(&p) {
            Ok(())
        } else {
            Err(format!("{name} is {p}; it must be in [0, 1]"))
        }
    };
    let factor = |f: f64| {
        if f.is_finite() && f >= 0.0 {
            Ok(())
        } else {
            Err(format!("factor is {f}; it must be a finite number >= 0"))
        }
    };
    let amount = |name: &str, x: f64| {
        if x.is_finite() && x >= 0.0 {
            Ok(())
        } else {
            Err(format!("{name} is {x}; it must be a finite amount >= 0"))
        }
    };
    match change {
        Change::RemoveTouchpoint { .. } => Ok(()),
        Change::ScaleTransition { factor: f, .. }
        | Change::ScaleDropout { factor: f, .. }
        | Change::ScaleConversion { factor: f, .. }
        | Change::ScaleValue { factor: f, .. }
        | Change::ScaleDwell { factor: f, .. }
        | Change::ScaleSpend { factor: f, .. } => factor(*f),
        Change::SetSpend { spend, .. } => amount("spend", *spend),
        Change::ShiftSpend { amount: a, .. } => amount("amount", *a),
        Change::SetTransition { probability: p, .. } | Change::SetEntry { probability: p, .. } => {
            probability("probability", *p)
        }
        Change::ShiftEntry { share, .. } => probability("share", *share),
        Change::AddTouchpoint {
            entry_share,
            incoming_share,
            conversion_factor,
            ..
        } => {
            probability("entry_share", *entry_share)?;
            probability("incoming_share", *incoming_share)?;
            factor(*conversion_factor)
        }
    }
}
