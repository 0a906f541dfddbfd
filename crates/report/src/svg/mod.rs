//! Charts as SVG, sized for a slide: pure functions from a result to an SVG string, written by
//! hand (no plotting library) so that every text's place and room is known.
//!
//! - [`attribution_chart`]: one method's credits by channel, largest first, conversions beside
//!   value when the data have value, with the Markov intervals as whiskers (`attribute --svg`);
//! - [`whatif_chart`]: each scenario's change in conversions (and value) with its paired
//!   interval, largest gain first (`whatif --svg`);
//! - [`comparison_chart`]: each channel's removal effect in A and B, and B - A with its
//!   interval (`compare --svg`);
//! - [`funnel_chart`]: per stage, the share of journeys that reached it and the share that
//!   reached it or a later one, on an axis from 0% to 100% (`funnel --svg`);
//! - [`sankey::journey_map_chart`]: the journey map, touchpoints in columns and bands as wide
//!   as the expected traffic between them (`report`);
//! - [`crate::budget::response_chart`]: the response curves of a budget plan (`optimize --svg`).
//!
//! Every picture is [`Size::SLIDE`] (1280 x 720) unless asked otherwise, with no text under
//! 14 px, titles free of file names and seeds (a caption at the bottom carries them), figures
//! with thousands separators and the currency when one is known ([`crate::figures`]), and labels
//! that never overlap: one bar layout places every text in room measured with [`text_width`],
//! and the tests check it on the drawn file.

mod bars;
pub(crate) mod canvas;
pub mod sankey;

use journeysim_core::attribution::{Attribution, AttributionMethod, ChannelAttribution};
use journeysim_core::compare::Comparison;
use journeysim_core::error::{Error, Result};
use journeysim_core::funnel::Funnel;
use journeysim_core::whatif::WhatIf;

use crate::figures::{SIGNIFICANT, amount, decimals, grouped, signed};
use bars::{Axis, Bars, Chart, PALETTE, Panel, draw};
pub use canvas::{ASCENT, DESCENT, text_width};

/// A picture's size in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
}

impl Size {
    /// A 16:9 slide: 1280 x 720.
    pub const SLIDE: Size = Size {
        width: 1280,
        height: 720,
    };
    /// The smallest picture whose text can stay at 14 px and apart: 800 x 450.
    pub const MIN: Size = Size {
        width: 800,
        height: 450,
    };
    /// The largest picture: 10000 x 10000.
    pub const MAX: Size = Size {
        width: 10_000,
        height: 10_000,
    };

    /// Reads `WxH` (`1920x1080`; `X` and `×` work too), checked against [`Size::MIN`] and
    /// [`Size::MAX`].
    pub fn parse(text: &str) -> Result<Size> {
        let bad = |why: &str| {
            Error::option(
                "size",
                format!(
                    "'{}' {why}; give WIDTHxHEIGHT in pixels, e.g. 1280x720 (from {}x{} to {}x{})",
                    journeysim_core::error::clip(text),
                    Size::MIN.width,
                    Size::MIN.height,
                    Size::MAX.width,
                    Size::MAX.height
                ),
            )
        };
        let lower = text.trim().to_lowercase().replace('×', "x");
        let (w, h) = lower.split_once('x').ok_or_else(|| bad("is not a size"))?;
        let number = |s: &str| {
            let s = s.trim();
            if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad("is not a size"));
            }
            s.parse::<u32>().map_err(|_| bad("is too large"))
        };
        let size = Size {
            width: number(w)?,
            height: number(h)?,
        };
        if size.width < Size::MIN.width || size.height < Size::MIN.height {
            return Err(bad("is too small for text of at least 14 px"));
        }
        if size.width > Size::MAX.width || size.height > Size::MAX.height {
            return Err(bad("is too large"));
        }
        Ok(size)
    }
}

impl Default for Size {
    fn default() -> Self {
        Size::SLIDE
    }
}

/// Decimals for a chart's figures: [`SIGNIFICANT`] digits of the largest, none for counts, at
/// most `cap`.
fn chart_decimals(values: impl Iterator<Item = f64> + Clone, cap: usize) -> usize {
    crate::figures::column_decimals(values, SIGNIFICANT).min(cap)
}

/// The credits of `method` for channel `c` and, when the method has them, its value credits.
pub(crate) fn credits(
    c: &ChannelAttribution,
    method: AttributionMethod,
) -> (Option<f64>, Option<f64>) {
    use AttributionMethod as M;
    let sum = |x: &Option<Vec<f64>>| x.as_ref().map(|v| v.iter().sum());
    match method {
        M::Markov => (c.markov_conversions, c.markov_value),
        M::FirstTouch => (c.first_touch, c.first_touch_value),
        M::LastTouch => (c.last_touch, c.last_touch_value),
        M::Linear => (c.linear, c.linear_value),
        M::PositionBased => (c.position_based, c.position_based_value),
        M::TimeDecay => (c.time_decay, c.time_decay_value),
        M::Shapley => (c.shapley, c.shapley_value),
        M::ShapleyOrdered => (sum(&c.shapley_ordered), sum(&c.shapley_ordered_value)),
    }
}

/// How a method reads in a title.
pub(crate) fn method_title(method: AttributionMethod) -> &'static str {
    use AttributionMethod as M;
    match method {
        M::Markov => "Markov removal effects",
        M::FirstTouch => "first touch",
        M::LastTouch => "last touch",
        M::Linear => "linear",
        M::PositionBased => "position-based",
        M::TimeDecay => "time decay",
        M::Shapley => "Shapley",
        M::ShapleyOrdered => "ordered Shapley (all positions)",
    }
}

/// The currency of `result`'s money, when a costs file named one.
fn attribution_currency(result: &Attribution) -> Option<&str> {
    result
        .model
        .costs
        .as_ref()
        .and_then(|c| c.currency.as_deref())
}

/// `method`'s credits by channel, largest first: conversions, and value beside them when the
/// data have value; the Markov credits' intervals as whiskers when the result has them. Channels
/// beyond the picture's room are summed into one "other channels" row.
pub fn attribution_chart(
    result: &Attribution,
    method: AttributionMethod,
    size: Size,
) -> Result<String> {
    let mut rows: Vec<(&ChannelAttribution, f64, Option<f64>)> = result
        .channels
        .iter()
        .filter_map(|c| {
            let (conversions, value) = credits(c, method);
            Some((c, conversions?, value))
        })
        .collect();
    if rows.is_empty() && !result.channels.is_empty() {
        return Err(Error::Invalid(format!(
            "the picture draws the method {}, which was not computed; add it to `methods`",
            method.name()
        )));
    }
    rows.sort_by(|a, b| {
        b.1.total_cmp(&a.1)
            .then_with(|| a.0.channel.cmp(&b.0.channel))
    });
    let m = &result.model;
    let currency = attribution_currency(result);
    let total = rows.iter().map(|r| r.1).sum::<f64>();
    let total_value = rows.iter().filter_map(|r| r.2).sum::<f64>();
    let with_value = m.total_value > 0.0 && rows.iter().all(|r| r.2.is_some());
    let intervals = (method == AttributionMethod::Markov)
        .then(|| {
            rows.iter()
                .map(|r| r.0.markov_conversions_ci)
                .collect::<Option<Vec<_>>>()
        })
        .flatten();
    let value_intervals = (method == AttributionMethod::Markov)
        .then(|| {
            rows.iter()
                .map(|r| r.0.markov_value_ci)
                .collect::<Option<Vec<_>>>()
        })
        .flatten();
    let conversions: Vec<f64> = rows.iter().map(|r| r.1).collect();
    let d = chart_decimals(conversions.iter().copied(), 2);
    let share = move |x: f64| {
        if total > 0.0 {
            format!(" ({}%)", grouped(100.0 * x / total, 1))
        } else {
            String::new()
        }
    };
    let mut panels = vec![Panel {
        heading: "Conversions credited".into(),
        series: vec![Bars {
            colour: PALETTE[0],
            values: conversions,
            intervals,
            label: Box::new(move |_: usize, x: f64| format!("{}{}", grouped(x, d), share(x))),
        }],
        axis: None,
    }];
    if with_value {
        let values: Vec<f64> = rows.iter().map(|r| r.2.unwrap_or(0.0)).collect();
        let d = chart_decimals(values.iter().copied(), 2);
        let currency = currency.map(str::to_owned);
        panels.push(Panel {
            heading: match &currency {
                Some(c) => format!("Value credited ({c})"),
                None => "Value credited".into(),
            },
            series: vec![Bars {
                colour: PALETTE[2],
                values,
                intervals: value_intervals,
                label: Box::new(move |_: usize, x: f64| amount(x, d, currency.as_deref())),
            }],
            axis: None,
        });
    }
    let mut subtitle = format!(
        "{} journeys, {} conversions",
        grouped(m.journeys, chart_decimals([m.journeys].into_iter(), 0)),
        grouped(m.total_conversions, chart_decimals([total].into_iter(), 2)),
    );
    if m.total_value > 0.0 {
        subtitle.push_str(&format!(
            ", value {}",
            amount(
                m.total_value,
                chart_decimals([total_value].into_iter(), 2),
                currency
            )
        ));
    }
    subtitle.push_str(&format!(
        "; P(conversion) {}%",
        grouped(100.0 * m.conversion_probability, 2)
    ));
    let mut notes = vec![format!(
        "Input: {}. Markov order {}; channels sorted by conversions credited.",
        m.input, m.order
    )];
    if let Some(i) = &m.intervals {
        notes.push(format!(
            "Whiskers: {:.0}% intervals ({} resamples, seed {}).",
            100.0 * i.level,
            i.resamples,
            i.seed
        ));
    }
    if m.unattributed_conversions > 0.0 {
        notes.push(format!(
            "{} conversions had no touch left in their journey and are credited to no channel.",
            grouped(m.unattributed_conversions, d)
        ));
    }
    draw(
        Chart {
            title: format!("Conversions credited by channel: {}", method_title(method)),
            subtitle,
            legend: Vec::new(),
            rows: rows.iter().map(|r| r.0.channel.clone()).collect(),
            panels,
            notes,
            fold: Some("channels".into()),
            items: "channels".into(),
        },
        size,
    )
}

/// Each scenario's change against the baseline, largest gain in conversions first: the paired
/// simulated change in conversions with its interval, and in value beside it when the chain has
/// value.
pub fn whatif_chart(result: &WhatIf, size: Size) -> Result<String> {
    let mut scenarios: Vec<_> = result.scenarios.iter().collect();
    scenarios.sort_by(|a, b| {
        b.difference
            .conversions
            .total_cmp(&a.difference.conversions)
            .then_with(|| a.name.cmp(&b.name))
    });
    let changes: Vec<f64> = scenarios.iter().map(|s| s.difference.conversions).collect();
    let d = chart_decimals(changes.iter().copied(), 1);
    let baselines: Vec<f64> = scenarios
        .iter()
        .map(|s| s.baseline.conversions as f64)
        .collect();
    let relative = move |i: usize, x: f64| match baselines.get(i) {
        Some(&b) if b > 0.0 => format!(" ({}%)", signed(100.0 * x / b, 1)),
        _ => String::new(),
    };
    let mut panels = vec![Panel {
        heading: format!(
            "Change in conversions per {} journeys",
            grouped(result.journeys as f64, 0)
        ),
        series: vec![Bars {
            colour: PALETTE[0],
            values: changes,
            intervals: Some(
                scenarios
                    .iter()
                    .map(|s| s.difference.conversions_ci)
                    .collect(),
            ),
            label: Box::new(move |i: usize, x: f64| format!("{}{}", signed(x, d), relative(i, x))),
        }],
        axis: None,
    }];
    let with_value = scenarios
        .iter()
        .any(|s| s.baseline.value > 0.0 || s.scenario.value > 0.0);
    let currency = result.currency.clone();
    if with_value {
        let values: Vec<f64> = scenarios.iter().map(|s| s.difference.value).collect();
        let d = chart_decimals(values.iter().copied(), 2);
        panels.push(Panel {
            heading: match &currency {
                Some(c) => format!("Change in value ({c})"),
                None => "Change in value".into(),
            },
            series: vec![Bars {
                colour: PALETTE[2],
                values,
                intervals: Some(scenarios.iter().map(|s| s.difference.value_ci).collect()),
                label: Box::new(move |_: usize, x: f64| {
                    let text = signed(x, d);
                    match &currency {
                        Some(c) => format!("{text} {c}"),
                        None => text,
                    }
                }),
            }],
            axis: None,
        });
    }
    let subtitle = scenarios.first().map_or(String::new(), |s| {
        format!(
            "Baseline: P(conversion) {}%, value per journey {} (exact)",
            grouped(100.0 * s.baseline.conversion_probability, 3),
            amount(s.baseline.value_per_journey, 2, result.currency.as_deref())
        )
    });
    let notes = vec![
        format!(
            "Input: {}. Markov order {}; {} journeys per arm, seed {}.",
            result.input,
            result.order,
            grouped(result.journeys as f64, 0),
            result.seed
        ),
        "Bars: simulated change, the scenario and the baseline walked with the same random \
         numbers; whiskers: 95% intervals of the change. Scenarios sorted by change in \
         conversions."
            .into(),
    ];
    draw(
        Chart {
            title: "What-if: the change each scenario makes".into(),
            subtitle,
            legend: Vec::new(),
            rows: scenarios.iter().map(|s| s.name.clone()).collect(),
            panels,
            notes,
            fold: None,
            items: "scenarios".into(),
        },
        size,
    )
}

/// Each channel's removal effect in A and in B, largest (of the two) first, and B - A in
/// percentage points with its interval.
pub fn comparison_chart(result: &Comparison, size: Size) -> Result<String> {
    let mut channels: Vec<_> = result.channels.iter().collect();
    channels.sort_by(|a, b| {
        let big = |c: &&journeysim_core::compare::ChannelDifference| {
            c.removal_effect_a.max(c.removal_effect_b)
        };
        big(b)
            .total_cmp(&big(a))
            .then_with(|| a.channel.cmp(&b.channel))
    });
    let a: Vec<f64> = channels.iter().map(|c| c.removal_effect_a).collect();
    let b: Vec<f64> = channels.iter().map(|c| c.removal_effect_b).collect();
    let difference: Vec<f64> = channels
        .iter()
        .map(|c| c.removal_effect_difference)
        .collect();
    let pd = decimals(
        a.iter()
            .chain(&b)
            .fold(0.0_f64, |m, x| m.max(100.0 * x.abs())),
        3,
    );
    let dd = decimals(
        difference
            .iter()
            .fold(0.0_f64, |m, x| m.max(100.0 * x.abs())),
        2,
    )
    .max(1);
    let percent = move |_: usize, x: f64| format!("{}%", grouped(100.0 * x, pd));
    let level = 100.0 * result.intervals.level;
    draw(
        Chart {
            title: "Removal effect by channel: A and B".into(),
            subtitle: format!(
                "P(conversion): A {}%, B {}%",
                grouped(100.0 * result.a.conversion_probability, 3),
                grouped(100.0 * result.b.conversion_probability, 3)
            ),
            legend: vec![("A".into(), PALETTE[0]), ("B".into(), PALETTE[1])],
            rows: channels.iter().map(|c| c.channel.clone()).collect(),
            panels: vec![
                Panel {
                    heading: "Removal effect".into(),
                    series: vec![
                        Bars {
                            colour: PALETTE[0],
                            values: a,
                            intervals: None,
                            label: Box::new(percent),
                        },
                        Bars {
                            colour: PALETTE[1],
                            values: b,
                            intervals: None,
                            label: Box::new(percent),
                        },
                    ],
                    axis: None,
                },
                Panel {
                    heading: "B - A, percentage points".into(),
                    series: vec![Bars {
                        colour: PALETTE[2],
                        values: difference,
                        intervals: Some(
                            channels
                                .iter()
                                .map(|c| c.removal_effect_difference_ci)
                                .collect(),
                        ),
                        label: Box::new(move |_: usize, x: f64| signed(100.0 * x, dd)),
                    }],
                    axis: None,
                },
            ],
            notes: vec![
                format!("A: {}. B: {}.", result.a.input, result.b.input),
                format!(
                    "Markov order {}; whiskers: {level:.0}% bootstrap intervals ({} resamples, \
                     seed {}). Channels sorted by the larger removal effect.",
                    result.order, result.intervals.resamples, result.intervals.seed
                ),
            ],
            fold: None,
            items: "channels".into(),
        },
        size,
    )
}

/// Per stage, in journey order: the share of journeys that reached it and the share that
/// reached it or a later one (exact, from the chain), on an axis from 0% to 100%.
pub fn funnel_chart(funnel: &Funnel, size: Size) -> Result<String> {
    let reach: Vec<f64> = funnel.stages.iter().map(|s| s.exact.reach).collect();
    let later: Vec<f64> = funnel
        .stages
        .iter()
        .map(|s| s.exact.reach_or_later)
        .collect();
    let ticks = [0.0, 0.25, 0.5, 0.75, 1.0]
        .map(|t| (t, format!("{}%", grouped(100.0 * t, 0))))
        .to_vec();
    let percent = |_: usize, x: f64| format!("{}%", grouped(100.0 * x, 1));
    let mut subtitle = format!(
        "P(conversion) {}% (exact)",
        grouped(100.0 * funnel.conversion_probability, 3)
    );
    if let Some(j) = funnel.journeys {
        subtitle.push_str(&format!("; {} journeys", grouped(j, 0)));
    }
    if let Some(c) = &funnel.costs {
        subtitle.push_str(&format!(
            "; cost {} per conversion",
            c.cac
                .map_or("-".into(), |x| amount(x, 2, c.currency.as_deref()))
        ));
    }
    draw(
        Chart {
            title: "Share of journeys reaching each stage".into(),
            subtitle,
            legend: vec![
                ("reached this stage".into(), PALETTE[0]),
                ("reached this stage or a later one".into(), PALETTE[4]),
            ],
            rows: funnel.stages.iter().map(|s| s.stage.clone()).collect(),
            panels: vec![Panel {
                heading: "Share of all journeys".into(),
                series: vec![
                    Bars {
                        colour: PALETTE[0],
                        values: reach,
                        intervals: None,
                        label: Box::new(percent),
                    },
                    Bars {
                        colour: PALETTE[4],
                        values: later,
                        intervals: None,
                        label: Box::new(percent),
                    },
                ],
                axis: Some(Axis { max: 1.0, ticks }),
            }],
            notes: vec![
                "Stages are not nested: a journey can skip a stage or start at a late one, so \
                 a later stage can be reached by more journeys than an earlier one. \"Or a \
                 later one\" counts the journeys that got at least this far; it never rises."
                    .into(),
                format!(
                    "Input: {} ({}); exact shares from the chain.",
                    funnel.input, funnel.input_kind
                ),
            ],
            fold: None,
            items: "stages".into(),
        },
        size,
    )
}

#[cfg(test)]
mod tests;
