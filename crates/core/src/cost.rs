//! Money: what each channel cost over the period the data cover, and what it bought.
//!
//! [`Costs`] holds a checked cost per channel (finite, `>= 0`, each channel once), with the
//! line each came from so that later errors can point at it. [`Costs::resolve`] matches them
//! against the channels of the data: a cost for a channel the data lack is an error listing the
//! data's channels (most likely a misspelling, and silently ignoring it would understate the
//! spend); a channel without a cost is allowed (a free channel such as organic search is often
//! left out) and gets null figures and one note.
//!
//! The figures, with `cost(c)` the channel's cost and `credit_m(c)` the conversions (value)
//! method `m` credits to it over the same period:
//!
//! - `cpa_m(c) = cost(c) / conversions credited by m`: cost per acquisition;
//! - `roas_m(c) = value credited by m / cost(c)`: return on ad spend;
//! - `total_cost = sum of the costs given`, `cac = total_cost / conversions`,
//!   `roas = value / total_cost` for the whole period.
//!
//! A ratio whose denominator is 0 (a channel credited with no conversion, a cost of 0) is `None`
//! (JSON `null`), never infinite or NaN: 0 conversions for some money is not a price, and a free
//! channel has no return *on spend*.
//!
//! Simulations and what-ifs walk journeys, not a period: their figures are per journey, so they
//! are priced over the period's journeys ([`PeriodCosts`]), the data's own count (or a model
//! file's, or one the user gives for a journey map).

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use crate::error::{Error, Location, Result, clip, clip_list};
use crate::suggest::did_you_mean;

/// One channel's cost, as read.
#[derive(Debug, Clone, PartialEq)]
pub struct CostEntry {
    /// The channel's name.
    pub channel: String,
    /// Its cost over the period the data cover.
    pub cost: f64,
    /// The 1-based line of the costs file it came from, for messages.
    pub line: u64,
}

/// Checked costs: every cost finite and `>= 0`, every channel named once.
#[derive(Debug, Clone, PartialEq)]
pub struct Costs {
    source: String,
    currency: Option<String>,
    entries: Vec<CostEntry>,
}

impl Costs {
    /// Checks `entries` read from `source`: a negative, NaN or infinite cost, an empty channel
    /// name or a channel given twice is an error naming the line; no entry at all is an error.
    /// `currency` only labels the output.
    pub fn new(
        source: impl Into<String>,
        entries: Vec<CostEntry>,
        currency: Option<String>,
    ) -> Result<Costs> {
        let source = source.into();
        for (i, e) in entries.iter().enumerate() {
            let at = Location::line(&source, e.line);
            if e.channel.is_empty() {
                return Err(Error::input(
                    at,
                    "channel is empty; name the channel it costs",
                ));
            }
            if !e.cost.is_finite() || e.cost < 0.0 {
                return Err(Error::input(
                    at,
                    format!(
                        "cost of '{}' is {}; a cost must be a finite number >= 0",
                        clip(&e.channel),
                        e.cost
                    ),
                ));
            }
            if let Some(first) = entries[..i].iter().find(|f| f.channel == e.channel) {
                return Err(Error::input(
                    at,
                    format!(
                        "channel '{}' has a cost already on line {}; give each channel once",
                        clip(&e.channel),
                        first.line
                    ),
                ));
            }
        }
        if entries.is_empty() {
            return Err(Error::input(
                Location::file(&source),
                "no cost in the file; expected rows such as `email,1200`",
            ));
        }
        if let Some(c) = &currency {
            let bad = c.trim().is_empty()
                || c.chars().count() > 12
                || c.chars().any(|ch| ch.is_whitespace() || ch.is_control());
            if bad {
                return Err(Error::option(
                    "currency",
                    format!(
                        "'{}' is not a currency label: give 1 to 12 characters without spaces, \
                         e.g. EUR",
                        clip(c)
                    ),
                ));
            }
        }
        Ok(Costs {
            source,
            currency,
            entries,
        })
    }

    /// The costs file's name.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The currency label, if one was given.
    pub fn currency(&self) -> Option<&str> {
        self.currency.as_deref()
    }

    /// The costs as read, in file order.
    pub fn entries(&self) -> &[CostEntry] {
        &self.entries
    }

    /// Matches the costs with the data's `channels`. Fails when a cost names a channel the data
    /// lack (naming its line and listing the data's channels); channels without a cost are
    /// collected for one note.
    pub fn resolve<'a>(&self, channels: impl IntoIterator<Item = &'a str>) -> Result<Priced> {
        let mut names: Vec<&str> = channels.into_iter().collect();
        names.sort_unstable();
        names.dedup();
        let unknown: Vec<&CostEntry> = self
            .entries
            .iter()
            .filter(|e| names.binary_search(&e.channel.as_str()).is_err())
            .collect();
        if let Some(first) = unknown.first() {
            let others = if unknown.len() > 1 {
                format!(
                    " (nor are {})",
                    clip_list(unknown[1..].iter().map(|e| e.channel.as_str()))
                )
            } else {
                String::new()
            };
            return Err(Error::input(
                Location::line(&self.source, first.line),
                format!(
                    "channel '{}' is not in the data{}{}; the data's channels are: {}",
                    clip(&first.channel),
                    did_you_mean(&first.channel, names.iter().copied()),
                    others,
                    clip_list(&names)
                ),
            ));
        }
        let mut costs: Vec<(String, f64)> = self
            .entries
            .iter()
            .map(|e| (e.channel.clone(), e.cost))
            .collect();
        costs.sort_by(|a, b| a.0.cmp(&b.0));
        let missing: Vec<String> = names
            .iter()
            .filter(|n| costs.binary_search_by(|c| c.0.as_str().cmp(n)).is_err())
            .map(|n| (*n).to_owned())
            .collect();
        let total_cost = costs.iter().map(|c| c.1).sum();
        Ok(Priced {
            source: self.source.clone(),
            currency: self.currency.clone(),
            costs,
            missing,
            total_cost,
        })
    }
}

/// Costs matched with the data's channels.
#[derive(Debug, Clone, PartialEq)]
pub struct Priced {
    source: String,
    currency: Option<String>,
    /// (channel, cost), sorted by channel.
    costs: Vec<(String, f64)>,
    /// The data's channels without a cost, sorted.
    missing: Vec<String>,
    total_cost: f64,
}

impl Priced {
    /// The costs file's name.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The cost of `channel`, `None` when the file gives none.
    pub fn cost(&self, channel: &str) -> Option<f64> {
        self.costs
            .binary_search_by(|c| c.0.as_str().cmp(channel))
            .ok()
            .map(|i| self.costs[i].1)
    }

    /// The sum of the costs given.
    pub fn total_cost(&self) -> f64 {
        self.total_cost
    }

    /// The currency label, if one was given.
    pub fn currency(&self) -> Option<&str> {
        self.currency.as_deref()
    }

    /// The data's channels that have no cost, sorted.
    pub fn missing(&self) -> &[String] {
        &self.missing
    }

    /// The one note about channels without a cost, if there are any.
    pub fn note(&self) -> Option<String> {
        if self.missing.is_empty() {
            return None;
        }
        Some(format!(
            "{} gives no cost for {} channel(s) of the data ({}): their cost and the figures \
             that need it (CPA, ROAS) are null, and the totals count only the channels with a \
             cost",
            self.source,
            self.missing.len(),
            clip_list(&self.missing)
        ))
    }

    /// The period's figures: `total_cost`, `cac = total_cost / conversions`, `roas = value /
    /// total_cost`.
    pub fn summary(&self, conversions: f64, value: f64) -> CostSummary {
        CostSummary {
            currency: self.currency.clone(),
            total_cost: self.total_cost,
            cac: cpa(Some(self.total_cost), conversions),
            roas: roas(Some(self.total_cost), value),
        }
    }
}

/// Cost per acquisition: `cost / conversions`; `None` without a cost or without conversions.
pub fn cpa(cost: Option<f64>, conversions: f64) -> Option<f64> {
    ratio(cost?, conversions)
}

/// Return on ad spend: `value / cost`; `None` without a cost or when it is 0.
pub fn roas(cost: Option<f64>, value: f64) -> Option<f64> {
    ratio(value, cost?)
}

/// `a / b` when `b > 0` and the quotient is finite (a cost near the largest number over a tiny
/// credit would overflow).
fn ratio(a: f64, b: f64) -> Option<f64> {
    (b > 0.0).then(|| a / b).filter(|x| x.is_finite())
}

/// The whole period's money figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CostSummary {
    /// The currency label (`--currency`), when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// The sum of the channels' costs.
    pub total_cost: f64,
    /// `total_cost / conversions` (customer acquisition cost); `None` without conversions.
    pub cac: Option<f64>,
    /// `value / total_cost`; `None` when the total cost is 0.
    pub roas: Option<f64>,
}

/// One method's CPA and ROAS for a channel.
#[derive(Debug, Clone, PartialEq)]
pub struct Efficiency {
    /// The method's name (`markov`, `last_touch`, ...).
    pub method: String,
    /// `cost / conversions credited`.
    pub cpa: Option<f64>,
    /// `value credited / cost`.
    pub roas: Option<f64>,
}

/// The name of the Markov method, whose CPA and ROAS are the unsuffixed `cpa` and `roas`.
pub const MARKOV: &str = "markov";

/// One channel's cost and what it bought under each method reported. Serialised (flattened into
/// the channel) as `cost`; Markov's `cpa` and `roas` (and `cpa_ci`, `roas_ci` with intervals);
/// every other method's `cpa_<method>` and `roas_<method>`.
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelCost {
    /// The channel's cost, `None` when the costs file has none for it.
    pub cost: Option<f64>,
    /// Per method reported, in report order.
    pub methods: Vec<Efficiency>,
    /// Intervals of Markov's CPA and ROAS (with `--intervals`): `[lo, hi]`, an end `None` when
    /// unbounded or unknown.
    pub intervals: Option<EfficiencyIntervals>,
}

/// Intervals of Markov's CPA and ROAS, from the bootstrap intervals of its credits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EfficiencyIntervals {
    /// CPA interval.
    pub cpa: [Option<f64>; 2],
    /// ROAS interval.
    pub roas: [Option<f64>; 2],
}

impl ChannelCost {
    /// The field names and values as serialised, in order.
    pub fn fields(&self) -> Vec<(String, CostField)> {
        let mut out = vec![("cost".to_owned(), CostField::Number(self.cost))];
        for e in &self.methods {
            let markov = e.method == MARKOV;
            let suffix = if markov {
                String::new()
            } else {
                format!("_{}", e.method)
            };
            out.push((format!("cpa{suffix}"), CostField::Number(e.cpa)));
            out.push((format!("roas{suffix}"), CostField::Number(e.roas)));
            if markov && let Some(ci) = &self.intervals {
                out.push(("cpa_ci".to_owned(), CostField::Interval(ci.cpa)));
                out.push(("roas_ci".to_owned(), CostField::Interval(ci.roas)));
            }
        }
        out
    }
}

/// A serialised cost field: a number or an interval, either possibly null.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(untagged)]
pub enum CostField {
    /// A figure.
    Number(Option<f64>),
    /// An interval `[lo, hi]`.
    Interval([Option<f64>; 2]),
}

impl Serialize for ChannelCost {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let fields = self.fields();
        let mut map = serializer.serialize_map(Some(fields.len()))?;
        for (name, value) in &fields {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

/// The money figures of a walk through the period's journeys: how many journeys a period has,
/// and the period's total cost.
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodCosts {
    /// The matched costs.
    pub priced: Priced,
    /// Journeys per period.
    pub journeys: f64,
}

impl PeriodCosts {
    /// Matches `costs` with `channels` over a period of `journeys` journeys (finite, > 0).
    pub fn new<'a>(
        costs: &Costs,
        channels: impl IntoIterator<Item = &'a str>,
        journeys: f64,
    ) -> Result<PeriodCosts> {
        if !(journeys.is_finite() && journeys > 0.0) {
            return Err(Error::option(
                "period_journeys",
                format!("is {journeys}; the period must hold a finite number of journeys > 0"),
            ));
        }
        Ok(PeriodCosts {
            priced: costs.resolve(channels)?,
            journeys,
        })
    }

    /// The figures of a period whose journeys convert with probability `conversion_probability`
    /// and are worth `value_per_journey` each (exact figures of a chain), at a total `cost`.
    pub fn period(&self, conversion_probability: f64, value_per_journey: f64, cost: f64) -> Period {
        Period::new(
            self.journeys,
            conversion_probability * self.journeys,
            value_per_journey * self.journeys,
            cost,
        )
    }
}

/// A period's journeys, conversions, value and cost, and what a conversion costs and a unit of
/// cost returns (exact, from the chain).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Period {
    /// Journeys per period.
    pub journeys: f64,
    /// Expected conversions per period.
    pub conversions: f64,
    /// Expected value per period.
    pub value: f64,
    /// Total cost per period.
    pub cost: f64,
    /// `cost / conversions`; `None` without conversions.
    pub cac: Option<f64>,
    /// `value / cost`; `None` when the cost is 0.
    pub roas: Option<f64>,
}

impl Period {
    /// The figures from their totals (CAC and ROAS derived, `None` where undefined).
    pub fn new(journeys: f64, conversions: f64, value: f64, cost: f64) -> Period {
        Period {
            journeys,
            conversions,
            value,
            cost,
            cac: cpa(Some(cost), conversions),
            roas: roas(Some(cost), value),
        }
    }

    /// `self - base`, field by field (`None` where either side is).
    pub fn minus(&self, base: &Period) -> Period {
        let diff = |a: Option<f64>, b: Option<f64>| Some(a? - b?);
        Period {
            journeys: self.journeys - base.journeys,
            conversions: self.conversions - base.conversions,
            value: self.value - base.value,
            cost: self.cost - base.cost,
            cac: diff(self.cac, base.cac),
            roas: diff(self.roas, base.roas),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(channel: &str, cost: f64, line: u64) -> CostEntry {
        CostEntry {
            channel: channel.into(),
            cost,
            line,
        }
    }

    #[test]
    fn ratios_are_null_never_infinite() {
        assert_eq!(cpa(Some(100.0), 4.0), Some(25.0));
        assert_eq!(cpa(Some(100.0), 0.0), None);
        assert_eq!(cpa(Some(0.0), 4.0), Some(0.0));
        assert_eq!(cpa(None, 4.0), None);
        assert_eq!(roas(Some(50.0), 200.0), Some(4.0));
        assert_eq!(roas(Some(0.0), 200.0), None);
        assert_eq!(roas(None, 200.0), None);
        assert_eq!(cpa(Some(1e308), 1e-300), None);
    }

    #[test]
    fn bad_costs_name_their_line() {
        for (bad, fragment) in [
            (vec![entry("a", -1.0, 2)], "line 2: cost of 'a' is -1"),
            (vec![entry("a", f64::NAN, 3)], "line 3: cost of 'a' is NaN"),
            (
                vec![entry("a", 1.0, 2), entry("a", 2.0, 5)],
                "line 5: channel 'a' has a cost already on line 2",
            ),
            (vec![entry("", 1.0, 4)], "line 4: channel is empty"),
            (vec![], "no cost in the file"),
        ] {
            let e = Costs::new("c.csv", bad, None).unwrap_err().to_string();
            assert!(e.contains(fragment), "{e}");
        }
        let e = Costs::new("c.csv", vec![entry("a", 1.0, 2)], Some("E U R".into()))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("currency"), "{e}");
    }

    #[test]
    fn a_cost_for_an_unknown_channel_lists_the_datas_channels() {
        let costs = Costs::new(
            "c.csv",
            vec![entry("email", 1.0, 2), entry("emial", 2.0, 3)],
            None,
        )
        .unwrap();
        let e = costs
            .resolve(["email", "search", "email"])
            .unwrap_err()
            .to_string();
        assert_eq!(
            e,
            "c.csv line 3: channel 'emial' is not in the data; did you mean 'email'?; \
             the data's channels are: email, search"
        );
    }

    #[test]
    fn channels_without_a_cost_get_one_note_and_stay_out_of_the_total() {
        let costs = Costs::new("c.csv", vec![entry("b", 30.0, 2)], Some("EUR".into())).unwrap();
        let priced = costs.resolve(["a", "b", "c"]).unwrap();
        assert_eq!(priced.cost("b"), Some(30.0));
        assert_eq!(priced.cost("a"), None);
        assert_eq!(priced.missing(), ["a", "c"]);
        assert!(
            priced
                .note()
                .unwrap()
                .contains("2 channel(s) of the data (a, c)")
        );
        let s = priced.summary(6.0, 120.0);
        assert_eq!((s.total_cost, s.cac, s.roas), (30.0, Some(5.0), Some(4.0)));
    }

    #[test]
    fn a_period_prices_the_chains_figures() {
        let costs = Costs::new("c.csv", vec![entry("a", 500.0, 2)], None).unwrap();
        let period = PeriodCosts::new(&costs, ["a"], 1000.0).unwrap();
        // 1000 journeys converting at 0.05 worth 2 each: 50 conversions, 2000 value.
        let p = period.period(0.05, 2.0, 500.0);
        assert_eq!(p.conversions, 50.0);
        assert_eq!(p.cac, Some(10.0));
        assert_eq!(p.roas, Some(4.0));
        let q = period.period(0.1, 2.0, 500.0);
        assert_eq!(q.minus(&p).cac, Some(-5.0));
        assert!(PeriodCosts::new(&costs, ["a"], 0.0).is_err());
    }

    #[test]
    fn channel_fields_are_named_by_method() {
        let c = ChannelCost {
            cost: Some(10.0),
            methods: vec![
                Efficiency {
                    method: MARKOV.into(),
                    cpa: Some(2.0),
                    roas: None,
                },
                Efficiency {
                    method: "last_touch".into(),
                    cpa: Some(5.0),
                    roas: Some(1.5),
                },
            ],
            intervals: Some(EfficiencyIntervals {
                cpa: [Some(1.0), None],
                roas: [Some(0.5), Some(2.0)],
            }),
        };
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(
            json,
            r#"{"cost":10.0,"cpa":2.0,"roas":null,"cpa_ci":[1.0,null],"roas_ci":[0.5,2.0],"cpa_last_touch":5.0,"roas_last_touch":1.5}"#
        );
    }
}
