//! The budget plan: each channel's spend over the period of the data, what that spend buys
//! (`entries` or `visits`) and how it responds to more or less money.
//!
//! The io crate reads the file (`crates/io/src/budget_file.rs`) into [`ChannelSpec`]s keyed by
//! channel name; [`ChannelSpec::into_plan`] checks each one and [`Plan::new`] checks the whole,
//! so the period model and the optimiser only ever see a valid plan.

use serde::{Deserialize, Serialize};

use super::response::Response;

/// What a channel's spend buys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Buys {
    /// Journeys that start at the channel (first touches).
    Entries,
    /// Traffic into the channel from other touchpoints.
    Visits,
}

impl Buys {
    /// The name as written in a plan.
    pub fn name(self) -> &'static str {
        match self {
            Buys::Entries => "entries",
            Buys::Visits => "visits",
        }
    }
}

/// One channel of a plan as written: `{"spend": 12000, "buys": "entries", "response": {...},
/// "min": 0, "max": 36000}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelSpec {
    /// Spend over the period of the data.
    pub spend: f64,
    /// What the spend buys; absent for a fixed cost.
    #[serde(default)]
    pub buys: Option<Buys>,
    /// How it responds; `linear` when `buys` is given without it.
    #[serde(default)]
    pub response: Option<Response>,
    /// Least spend the optimiser may choose (default 0).
    #[serde(default)]
    pub min: Option<f64>,
    /// Most spend the optimiser may choose (default 3x today's).
    #[serde(default)]
    pub max: Option<f64>,
}

/// What a channel's spend does to the model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Effect {
    /// Entries or visits.
    pub buys: Buys,
    /// Its response curve.
    pub response: Response,
}

/// One checked channel of a plan.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelPlan {
    /// The channel's name, as in the data.
    pub channel: String,
    /// Today's spend over the period of the data.
    pub spend: f64,
    /// What it buys; `None` for a fixed cost (its spend is a cost and nothing else).
    pub effect: Option<Effect>,
    /// Least spend the optimiser may choose.
    pub min: f64,
    /// Most spend the optimiser may choose.
    pub max: f64,
}

/// Default upper bound of a channel's spend, in multiples of today's.
pub const DEFAULT_MAX_FACTOR: f64 = 3.0;

impl ChannelSpec {
    /// Checks the channel and fills in the defaults; the message names the field.
    pub fn into_plan(self, channel: &str) -> std::result::Result<ChannelPlan, String> {
        let spend = self.spend;
        if !(spend.is_finite() && spend >= 0.0) {
            return Err(format!("spend is {spend}; it must be a finite number >= 0"));
        }
        let effect = match (self.buys, self.response) {
            (None, None) => None,
            (None, Some(_)) => {
                return Err(
                    "response is given without buys; say what the spend buys (\"buys\": \
                     \"entries\" or \"visits\")"
                        .into(),
                );
            }
            (Some(buys), response) => {
                let response = response.unwrap_or(Response::Linear);
                response
                    .check()
                    .map_err(|message| format!("response: {message}"))?;
                if spend <= 0.0 {
                    return Err(
                        "spend is 0; a channel with buys needs today's spend > 0, since its \
                         response is in multiples of today's spend"
                            .into(),
                    );
                }
                Some(Effect { buys, response })
            }
        };
        let bound = |name: &str, value: Option<f64>| -> std::result::Result<Option<f64>, String> {
            match value {
                Some(_) if effect.is_none() => Err(format!(
                    "{name} applies only to a channel with buys (a fixed cost is not optimised)"
                )),
                Some(v) if !(v.is_finite() && v >= 0.0) => {
                    Err(format!("{name} is {v}; it must be a finite number >= 0"))
                }
                other => Ok(other),
            }
        };
        let min = bound("min", self.min)?.unwrap_or(0.0);
        let max = bound("max", self.max)?.unwrap_or(DEFAULT_MAX_FACTOR * spend);
        if effect.is_some() && min > max {
            return Err(format!("min is {min} but max is {max}; min must be <= max"));
        }
        let (min, max) = if effect.is_some() {
            (min, max)
        } else {
            (spend, spend)
        };
        Ok(ChannelPlan {
            channel: channel.to_owned(),
            spend,
            effect,
            min,
            max,
        })
    }
}

/// A checked budget plan: channels sorted by name.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Where the plan came from (its file name), for messages; "budget plan" by default.
    pub source: String,
    /// Currency label of the amounts (only labels output).
    pub currency: Option<String>,
    /// Journeys per period, for a model or map without observed journeys.
    pub journeys: Option<f64>,
    /// The channels, sorted by name.
    pub channels: Vec<ChannelPlan>,
}

impl Plan {
    /// Checks the plan as a whole: at least one channel, `journeys` finite and > 0, and every
    /// total (today's spends, the largest spends) finite.
    pub fn new(
        currency: Option<String>,
        journeys: Option<f64>,
        mut channels: Vec<ChannelPlan>,
    ) -> std::result::Result<Plan, String> {
        if channels.is_empty() {
            return Err("\"channels\" is empty; a plan needs at least one channel".into());
        }
        if let Some(j) = journeys
            && !(j.is_finite() && j > 0.0)
        {
            return Err(format!("journeys is {j}; it must be a finite number > 0"));
        }
        let total: f64 = channels.iter().map(|c| c.spend.max(c.max)).sum();
        if !total.is_finite() {
            return Err(format!(
                "the spends add up past {:e}, the largest number that can be added up",
                f64::MAX
            ));
        }
        channels.sort_by(|a, b| a.channel.cmp(&b.channel));
        Ok(Plan {
            source: "budget plan".into(),
            currency,
            journeys,
            channels,
        })
    }

    /// Today's spends, in the order of [`Plan::channels`].
    pub fn today(&self) -> Vec<f64> {
        self.channels.iter().map(|c| c.spend).collect()
    }

    /// The index of `channel` in [`Plan::channels`].
    pub fn index(&self, channel: &str) -> Option<usize> {
        self.channels
            .binary_search_by(|c| c.channel.as_str().cmp(channel))
            .ok()
    }

    /// The plan's channel names, for messages.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.channels.iter().map(|c| c.channel.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(spend: f64) -> ChannelSpec {
        ChannelSpec {
            spend,
            buys: Some(Buys::Entries),
            response: None,
            min: None,
            max: None,
        }
    }

    #[test]
    fn defaults_are_linear_and_zero_to_three_times_today() {
        let plan = spec(100.0).into_plan("a").unwrap();
        assert_eq!(plan.effect.unwrap().response, Response::Linear);
        assert_eq!((plan.min, plan.max), (0.0, 300.0));
        let fixed = ChannelSpec {
            buys: None,
            ..spec(50.0)
        }
        .into_plan("b")
        .unwrap();
        assert_eq!((fixed.effect, fixed.min, fixed.max), (None, 50.0, 50.0));
    }

    #[test]
    fn bad_channels_are_named_by_field() {
        let cases = [
            (spec(-1.0), "spend is -1"),
            (spec(f64::NAN), "spend is NaN"),
            (spec(0.0), "spend is 0; a channel with buys"),
            (
                ChannelSpec {
                    buys: None,
                    response: Some(Response::Linear),
                    ..spec(1.0)
                },
                "response is given without buys",
            ),
            (
                ChannelSpec {
                    buys: None,
                    min: Some(1.0),
                    ..spec(1.0)
                },
                "min applies only to a channel with buys",
            ),
            (
                ChannelSpec {
                    min: Some(5.0),
                    max: Some(2.0),
                    ..spec(1.0)
                },
                "min is 5 but max is 2",
            ),
            (
                ChannelSpec {
                    response: Some(Response::Power { elasticity: 2.0 }),
                    ..spec(1.0)
                },
                "response: elasticity is 2",
            ),
        ];
        for (spec, message) in cases {
            let e = spec.into_plan("a").unwrap_err();
            assert!(e.starts_with(message), "{e}");
        }
    }

    #[test]
    fn plans_sort_channels_and_check_totals() {
        let a = spec(1.0).into_plan("b").unwrap();
        let b = spec(2.0).into_plan("a").unwrap();
        let plan = Plan::new(None, None, vec![a, b]).unwrap();
        assert_eq!(plan.names().collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(plan.index("b"), Some(1));
        assert!(Plan::new(None, None, Vec::new()).is_err());
        assert!(Plan::new(None, Some(0.0), vec![spec(1.0).into_plan("a").unwrap()]).is_err());
        let huge = spec(1e308).into_plan("a").unwrap();
        assert!(Plan::new(None, None, vec![huge.clone(), huge]).is_err());
    }
}
