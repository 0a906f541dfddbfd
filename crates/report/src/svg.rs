//! Charts as SVG, drawn with plotters' SVG backend (no font files or system libraries needed).
//!
//! Every chart is a pure function from plain data to an SVG string, so it can be tested and
//! reused by any command:
//! - [`attribution_chart`]: conversions credited to each channel, the methods side by side, with
//!   the bootstrap intervals as whiskers when the result has them (`attribute --svg`);
//! - [`scenario_chart`]: baseline beside scenario for each item, and the difference with its
//!   interval (for `whatif --svg`);
//! - [`comparison_chart`]: the same for two named sides (`compare --svg`: each channel's
//!   removal effect in A and B, and B - A with its interval);
//! - [`funnel_chart`]: the share of journeys reaching each stage as horizontal bars, labelled in
//!   percent (for `funnel --svg`).
//!
//! Bars are placed in pixels inside a plotters chart whose segmented axis carries the category
//! names, which is how grouped bars are drawn with plotters (it has no grouped-bar series).

use plotters::coord::Shift;
use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;

use journeysim_core::attribution::Attribution;
use journeysim_core::error::{Error, Result};

/// One series of a grouped bar chart: a value per category, optionally with intervals.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend name.
    pub name: String,
    /// One value per category.
    pub values: Vec<f64>,
    /// One `[lo, hi]` per category, drawn as whiskers.
    pub intervals: Option<Vec<[f64; 2]>>,
}

/// One item of a what-if comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioItem {
    /// What is compared (a channel, "total", ...).
    pub label: String,
    /// The baseline's value.
    pub baseline: f64,
    /// The scenario's value.
    pub scenario: f64,
    /// Interval of `scenario - baseline`, if known.
    pub difference_interval: Option<[f64; 2]>,
}

/// One stage of a funnel.
#[derive(Debug, Clone, PartialEq)]
pub struct FunnelStage {
    /// Stage name.
    pub name: String,
    /// Share of all journeys that reach the stage, in [0, 1].
    pub share: f64,
}

/// A colour-blind-safe palette (Okabe and Ito 2008), then greys.
const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(213, 94, 0),
    RGBColor(240, 228, 66),
    RGBColor(100, 100, 100),
];

fn draw_error<E: std::fmt::Display>(e: E) -> Error {
    Error::Numerical(format!("cannot draw the chart: {e}"))
}

/// Conversions credited to each channel by every method in `result`, side by side; whiskers
/// show the Markov credits' intervals when present.
pub fn attribution_chart(result: &Attribution) -> Result<String> {
    let channels: Vec<String> = result.channels.iter().map(|c| c.channel.clone()).collect();
    type Get = fn(&journeysim_core::attribution::ChannelAttribution) -> Option<f64>;
    let methods: [(&str, Get); 7] = [
        ("markov", |c| c.markov_conversions),
        ("first_touch", |c| c.first_touch),
        ("last_touch", |c| c.last_touch),
        ("linear", |c| c.linear),
        ("position_based", |c| c.position_based),
        ("time_decay", |c| c.time_decay),
        ("shapley", |c| c.shapley),
    ];
    let series: Vec<Series> = methods
        .iter()
        .filter(|(_, get)| result.channels.first().and_then(get).is_some())
        .map(|(name, get)| Series {
            name: name.to_string(),
            values: result
                .channels
                .iter()
                .map(|c| get(c).unwrap_or(0.0))
                .collect(),
            intervals: (*name == "markov")
                .then(|| {
                    result
                        .channels
                        .iter()
                        .map(|c| c.markov_conversions_ci)
                        .collect::<Option<Vec<_>>>()
                })
                .flatten(),
        })
        .collect();
    let width = (160 + channels.len() * (30 + 16 * series.len().max(1))).max(720) as u32;
    let caption = format!(
        "Conversions credited by channel ({}, order {}{})",
        result.model.input,
        result.model.order,
        result
            .model
            .intervals
            .as_ref()
            .map_or(String::new(), |i| format!(
                "; whiskers: {:.0}% intervals",
                i.level * 100.0
            ))
    );
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, 560)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_error)?;
        grouped_bars(&root, &caption, "conversions", &channels, &series)?;
        root.present().map_err(draw_error)?;
    }
    Ok(svg)
}

/// Baseline and scenario side by side for each item (left) and their difference with its
/// interval (right).
pub fn scenario_chart(title: &str, metric: &str, items: &[ScenarioItem]) -> Result<String> {
    comparison_chart(title, metric, ["baseline", "scenario"], items)
}

/// Two sides named `names` (an item's `baseline` is the first, its `scenario` the second)
/// side by side for each item (left) and the second minus the first with its interval
/// (right): [`scenario_chart`], and `compare --svg` with the sides A and B.
pub fn comparison_chart(
    title: &str,
    metric: &str,
    names: [&str; 2],
    items: &[ScenarioItem],
) -> Result<String> {
    let labels: Vec<String> = items.iter().map(|i| i.label.clone()).collect();
    // Scenario names are long: give each group room for its label (about 7 px a character).
    let longest = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    let group = (7 * longest + 16).max(70);
    let width = (2 * (120 + items.len() * group)).max(900) as u32;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, 520)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_error)?;
        let root = root.titled(title, ("sans-serif", 22)).map_err(draw_error)?;
        let (left, right) = root.split_horizontally(width / 2);
        let both = [
            Series {
                name: names[0].into(),
                values: items.iter().map(|i| i.baseline).collect(),
                intervals: None,
            },
            Series {
                name: names[1].into(),
                values: items.iter().map(|i| i.scenario).collect(),
                intervals: None,
            },
        ];
        let both_title = format!("{} and {}", names[0], names[1]);
        grouped_bars(&left, &both_title, metric, &labels, &both)?;
        let difference = Series {
            name: format!("{} - {}", names[1], names[0]),
            values: items.iter().map(|i| i.scenario - i.baseline).collect(),
            intervals: items
                .iter()
                .map(|i| i.difference_interval)
                .collect::<Option<Vec<_>>>(),
        };
        grouped_bars(
            &right,
            "difference (whiskers: interval)",
            metric,
            &labels,
            std::slice::from_ref(&difference),
        )?;
        root.present().map_err(draw_error)?;
    }
    Ok(svg)
}

/// Journeys reaching each stage, as horizontal bars labelled with the share of the first stage.
pub fn funnel_chart(title: &str, stages: &[FunnelStage]) -> Result<String> {
    let height = (140 + 56 * stages.len()).max(300) as u32;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (900, height)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_error)?;
        // Shares of all journeys: the axis runs to 100% (with room for the labels), and no bar
        // is compared with the first stage, since stages need not be nested.
        let x_max = 1.15;
        let n = stages.len().max(1) as u32;
        let names: Vec<String> = stages.iter().map(|s| s.name.clone()).collect();
        let label_width = names.iter().map(|n| n.len()).max().unwrap_or(4) as u32 * 8 + 20;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 22))
            .margin(16)
            .x_label_area_size(40)
            .y_label_area_size(label_width.min(300))
            .build_cartesian_2d(0.0..x_max, segments(n))
            .map_err(draw_error)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(stages.len().max(1))
            .y_label_formatter(&|v| match v {
                // Stage 0 at the top.
                SegmentValue::CenterOf(i) => {
                    names.get((n - 1 - i) as usize).cloned().unwrap_or_default()
                }
                _ => String::new(),
            })
            .y_label_style(("sans-serif", 14))
            .x_desc("share of all journeys reaching the stage")
            .x_label_formatter(&|v| format!("{:.0}%", 100.0 * v))
            .light_line_style(WHITE)
            .draw()
            .map_err(draw_error)?;
        for (i, stage) in stages.iter().enumerate() {
            let row = n - 1 - i as u32;
            let (x0, y0) = chart.backend_coord(&(0.0, SegmentValue::Exact(row + 1)));
            let (x1, y1) = chart.backend_coord(&(stage.share, SegmentValue::Exact(row)));
            let pad = (y1 - y0) / 6;
            root.draw(&Rectangle::new(
                [(x0, y0 + pad), (x1.max(x0 + 1), y1 - pad)],
                PALETTE[0].filled(),
            ))
            .map_err(draw_error)?;
            root.draw(&Text::new(
                format!("{:.1}%", 100.0 * stage.share),
                (x1 + 6, (y0 + y1) / 2 - 7),
                ("sans-serif", 14).into_font(),
            ))
            .map_err(draw_error)?;
        }
        root.present().map_err(draw_error)?;
    }
    Ok(svg)
}

/// `n` category segments: plotters' integer ranges include their end, so `0..n - 1`.
fn segments(
    n: u32,
) -> plotters::coord::ranged1d::SegmentedCoord<plotters::coord::types::RangedCoordu32> {
    (0..n.saturating_sub(1)).into_segmented()
}

/// Draws `series` as grouped vertical bars over `categories` in `area`, with a legend and
/// whiskers for series that have intervals. Negative values go below a zero line.
fn grouped_bars(
    area: &DrawingArea<SVGBackend<'_>, Shift>,
    caption: &str,
    y_desc: &str,
    categories: &[String],
    series: &[Series],
) -> Result<()> {
    let n = categories.len().max(1) as u32;
    let (mut lo, mut hi) = (0.0f64, 0.0f64);
    for s in series {
        for (i, &v) in s.values.iter().enumerate() {
            lo = lo.min(v);
            hi = hi.max(v);
            if let Some(ci) = s.intervals.as_ref().and_then(|c| c.get(i)) {
                lo = lo.min(ci[0]);
                hi = hi.max(ci[1]);
            }
        }
    }
    let span = if hi - lo > 0.0 { hi - lo } else { 1.0 };
    let (y_lo, y_hi) = (
        if lo < 0.0 { lo - 0.08 * span } else { 0.0 },
        // Headroom for the legend in the upper right.
        hi + span * (0.12 + 0.03 * series.len() as f64),
    );
    let mut chart = ChartBuilder::on(area)
        .caption(caption, ("sans-serif", 18))
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(70)
        .build_cartesian_2d(segments(n), y_lo..y_hi)
        .map_err(draw_error)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(categories.len().max(1))
        .x_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => categories.get(*i as usize).cloned().unwrap_or_default(),
            _ => String::new(),
        })
        .x_label_style(("sans-serif", 13))
        .y_desc(y_desc)
        .y_label_formatter(&|v| super::number(*v))
        .light_line_style(WHITE)
        .draw()
        .map_err(draw_error)?;
    let groups = series.len().max(1) as i32;
    let drawing = chart.plotting_area().strip_coord_spec();
    let origin = chart.plotting_area().get_base_pixel();
    let to_local = |(x, y): (i32, i32)| (x - origin.0, y - origin.1);
    for (k, s) in series.iter().enumerate() {
        let colour = PALETTE[k % PALETTE.len()];
        for (i, &v) in s.values.iter().enumerate() {
            let (left, zero) = to_local(chart.backend_coord(&(SegmentValue::Exact(i as u32), 0.0)));
            let (right, _) =
                to_local(chart.backend_coord(&(SegmentValue::Exact(i as u32 + 1), 0.0)));
            let slot = (right - left) as f64 * 0.8 / groups as f64;
            let x0 = left + ((right - left) as f64 * 0.1 + slot * k as f64).round() as i32;
            let x1 = (x0 + slot.round() as i32 - 1).max(x0 + 1);
            let (_, top) = to_local(chart.backend_coord(&(SegmentValue::Exact(i as u32), v)));
            drawing
                .draw(&Rectangle::new(
                    [(x0, top.min(zero)), (x1, top.max(zero))],
                    colour.filled(),
                ))
                .map_err(draw_error)?;
            if let Some(&[ci_lo, ci_hi]) = s.intervals.as_ref().and_then(|c| c.get(i)) {
                let (_, y_lo) =
                    to_local(chart.backend_coord(&(SegmentValue::Exact(i as u32), ci_lo)));
                let (_, y_hi) =
                    to_local(chart.backend_coord(&(SegmentValue::Exact(i as u32), ci_hi)));
                let mid = (x0 + x1) / 2;
                let cap = ((x1 - x0) / 3).max(2);
                let whisker = BLACK.stroke_width(1);
                for line in [
                    vec![(mid, y_lo), (mid, y_hi)],
                    vec![(mid - cap, y_lo), (mid + cap, y_lo)],
                    vec![(mid - cap, y_hi), (mid + cap, y_hi)],
                ] {
                    drawing
                        .draw(&PathElement::new(line, whisker))
                        .map_err(draw_error)?;
                }
            }
        }
    }
    if lo < 0.0 {
        let (left, zero) = to_local(chart.backend_coord(&(SegmentValue::Exact(0), 0.0)));
        let (right, _) = to_local(chart.backend_coord(&(SegmentValue::Exact(n), 0.0)));
        drawing
            .draw(&PathElement::new(vec![(left, zero), (right, zero)], BLACK))
            .map_err(draw_error)?;
    }
    // Legend entries from empty series, so the legend uses plotters' own layout.
    for (k, s) in series.iter().enumerate() {
        let colour = PALETTE[k % PALETTE.len()];
        chart
            .draw_series(std::iter::empty::<Rectangle<(SegmentValue<u32>, f64)>>())
            .map_err(draw_error)?
            .label(s.name.clone())
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], colour.filled()));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .label_font(("sans-serif", 13))
        .draw()
        .map_err(draw_error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(svg: &str) -> roxmltree::Document<'_> {
        roxmltree::Document::parse(svg).expect("valid XML")
    }

    fn texts(doc: &roxmltree::Document<'_>) -> Vec<String> {
        doc.descendants()
            .filter(|n| n.has_tag_name("text"))
            .filter_map(|n| n.text().map(|t| t.trim().to_owned()))
            .collect()
    }

    #[test]
    fn scenario_chart_is_valid_svg_naming_every_item() {
        let items = vec![
            ScenarioItem {
                label: "email".into(),
                baseline: 120.0,
                scenario: 90.0,
                difference_interval: Some([-40.0, -20.0]),
            },
            ScenarioItem {
                label: "search_paid".into(),
                baseline: 200.0,
                scenario: 230.0,
                difference_interval: Some([18.0, 41.0]),
            },
        ];
        let svg = scenario_chart("cut email by half", "conversions", &items).unwrap();
        let doc = parse(&svg);
        assert_eq!(doc.root_element().tag_name().name(), "svg");
        let texts = texts(&doc);
        for label in [
            "email",
            "search_paid",
            "baseline",
            "scenario",
            "scenario - baseline",
        ] {
            assert!(
                texts.iter().any(|t| t == label),
                "{label} missing from {texts:?}"
            );
        }
    }

    #[test]
    fn funnel_chart_names_every_stage_with_its_share() {
        let stages = vec![
            FunnelStage {
                name: "visited".into(),
                share: 1.0,
            },
            FunnelStage {
                name: "considered".into(),
                share: 0.4,
            },
            FunnelStage {
                name: "converted".into(),
                share: 0.05,
            },
        ];
        let svg = funnel_chart("funnel", &stages).unwrap();
        let texts = texts(&parse(&svg));
        for name in ["visited", "considered", "converted"] {
            assert!(
                texts.iter().any(|t| t == name),
                "{name} missing from {texts:?}"
            );
        }
        assert!(texts.iter().any(|t| t == "40.0%"), "{texts:?}");
        assert!(texts.iter().any(|t| t == "5.0%"), "{texts:?}");
    }

    #[test]
    fn empty_inputs_still_draw() {
        assert!(funnel_chart("nothing", &[]).is_ok());
        assert!(scenario_chart("nothing", "conversions", &[]).is_ok());
    }
}
