//! How money reads: amounts with thousands separators and the plan's currency, the figures per
//! period of a budget plan (`whatif --budget`), the [`Optimization`] of `journeysim optimize`
//! as a table and as CSV (one row per plan channel, today and optimal side by side), and its
//! picture: each channel's response curve with today's and the optimal spend
//! ([`response_chart`]).

use journeysim_core::budget::Optimization;
use journeysim_core::budget::period::Period;
use journeysim_core::budget::plan::{Effect, Plan};
use journeysim_core::error::{Error, Result};

use super::{Report, Table, number};

/// `x` with thousands separators and two decimals, then the currency when there is one:
/// `12,345.60 EUR`.
pub fn money(x: f64, currency: Option<&str>) -> String {
    let amount = grouped(x, 2);
    match currency {
        Some(c) => format!("{amount} {c}"),
        None => amount,
    }
}

/// `x` with `decimals` decimals and a comma between every three digits of its whole part.
fn grouped(x: f64, decimals: usize) -> String {
    let text = format!("{:.*}", decimals, x.abs());
    let (whole, fraction) = text
        .split_once('.')
        .map_or((text.as_str(), ""), |(w, f)| (w, f));
    let mut out = String::new();
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    if !fraction.is_empty() {
        out.push('.');
        out.push_str(fraction);
    }
    // -0.00 reads as 0.00.
    if x < 0.0 && out.chars().any(|c| c.is_ascii_digit() && c != '0') {
        out.insert(0, '-');
    }
    out
}

fn optional(x: Option<f64>, show: impl Fn(f64) -> String) -> String {
    x.map_or("-".to_string(), show)
}

/// The figures per period of arms side by side: one column per `(label, period)`.
pub fn period_table(columns: &[(&str, &Period)], currency: Option<&str>) -> String {
    let mut header = vec!["per period".to_string()];
    header.extend(columns.iter().map(|(label, _)| label.to_string()));
    let mut t = Table::new(header);
    type Row<'a> = (&'a str, Box<dyn Fn(&Period) -> String + 'a>);
    let rows: [Row; 6] = [
        ("journeys", Box::new(|p: &Period| grouped(p.journeys, 1))),
        (
            "conversions",
            Box::new(|p: &Period| grouped(p.conversions, 2)),
        ),
        (
            "value",
            Box::new(move |p: &Period| money(p.value, currency)),
        ),
        ("cost", Box::new(move |p: &Period| money(p.cost, currency))),
        (
            "CAC",
            Box::new(move |p: &Period| optional(p.cac, |x| money(x, currency))),
        ),
        (
            "ROAS",
            Box::new(|p: &Period| optional(p.roas, |x| format!("{x:.4}"))),
        ),
    ];
    for (name, show) in rows {
        let mut cells = vec![name.to_string()];
        cells.extend(columns.iter().map(|(_, p)| show(p)));
        t.row(cells);
    }
    t.render()
}

/// The period's fields in CSV order, with `prefix_` before each name.
pub(crate) fn period_header(prefix: &str) -> Vec<String> {
    ["journeys", "conversions", "value", "cost", "cac", "roas"]
        .iter()
        .map(|f| format!("{prefix}_{f}"))
        .collect()
}

/// The period's fields as CSV cells (an undefined CAC or ROAS is empty).
pub(crate) fn period_cells(p: &Period) -> Vec<String> {
    let optional = |x: Option<f64>| x.map_or(String::new(), |v| v.to_string());
    vec![
        p.journeys.to_string(),
        p.conversions.to_string(),
        p.value.to_string(),
        p.cost.to_string(),
        optional(p.cac),
        optional(p.roas),
    ]
}

impl Report for Optimization {
    fn table(&self) -> String {
        let currency = self.currency.as_deref();
        let target = match self.target {
            Some(journeysim_core::budget::optimize::Target::Cpa(x)) => {
                format!(", keeping CAC <= {}", money(x, currency))
            }
            Some(journeysim_core::budget::optimize::Target::Roas(x)) => {
                format!(", keeping ROAS >= {x}")
            }
            None => String::new(),
        };
        let mut out = format!(
            "optimize on {}: maximise {} with a total spend of {}{target}\n\n",
            self.input,
            self.objective.name(),
            money(self.total, currency)
        );
        out.push_str(&period_table(
            &[("today", &self.today), ("optimal", &self.optimal)],
            currency,
        ));
        let ci = |x: Option<[f64; 2]>, show: &dyn Fn(f64) -> String| {
            x.map_or(String::new(), |[lo, hi]| {
                format!(" [{}, {}]", show(lo), show(hi))
            })
        };
        out.push_str(&format!(
            "\ngain: {} conversions{}, {} value{}\n\n",
            signed(self.gain.conversions, &|x| grouped(x, 2)),
            ci(self.gain.conversions_ci, &|x| grouped(x, 2)),
            signed(self.gain.value, &|x| money(x, currency)),
            ci(self.gain.value_ci, &|x| money(x, currency)),
        ));
        let mut t = Table::new([
            "channel",
            "buys",
            "curve",
            "spend today",
            "spend optimal",
            "min",
            "max",
            "marginal ROAS today",
            "at optimum",
            "marginal CPA today",
            "at optimum",
        ]);
        for c in &self.channels {
            t.row([
                c.channel.clone(),
                c.buys.to_string(),
                c.curve.to_string(),
                money(c.spend_today, None),
                money(c.spend_optimal, None),
                money(c.min, None),
                money(c.max, None),
                optional(c.marginal_roas_today, number),
                optional(c.marginal_roas_optimal, number),
                optional(c.marginal_cpa_today, |x| money(x, None)),
                optional(c.marginal_cpa_optimal, |x| money(x, None)),
            ]);
        }
        out.push_str(&t.render());
        for line in &self.assumptions {
            out.push_str(&format!("\nassumption: {line}\n"));
        }
        out
    }

    fn csv(&self, writer: &mut csv::Writer<Vec<u8>>) -> csv::Result<()> {
        writer.write_record([
            "channel",
            "buys",
            "curve",
            "spend_today",
            "spend_optimal",
            "min",
            "max",
            "marginal_roas_today",
            "marginal_roas_optimal",
            "marginal_cpa_today",
            "marginal_cpa_optimal",
        ])?;
        let optional = |x: Option<f64>| x.map_or(String::new(), |v| v.to_string());
        for c in &self.channels {
            writer.write_record([
                c.channel.clone(),
                c.buys.to_string(),
                c.curve.to_string(),
                c.spend_today.to_string(),
                c.spend_optimal.to_string(),
                c.min.to_string(),
                c.max.to_string(),
                optional(c.marginal_roas_today),
                optional(c.marginal_roas_optimal),
                optional(c.marginal_cpa_today),
                optional(c.marginal_cpa_optimal),
            ])?;
        }
        Ok(())
    }
}

fn signed(x: f64, show: &dyn Fn(f64) -> String) -> String {
    if x >= 0.0 {
        format!("+{}", show(x))
    } else {
        show(x)
    }
}

/// Each responsive channel's response curve `m(x)` (what it buys, in multiples of today) against
/// its spend from 0 to its max (and past the optimal spend), one small panel per channel, with
/// today's spend (a circle at m = 1) and the optimal spend (a triangle) marked.
pub fn response_chart(title: &str, plan: &Plan, optimal: &[f64]) -> Result<String> {
    use plotters::prelude::*;
    let draw_error =
        |e: &dyn std::fmt::Display| Error::Numerical(format!("cannot draw the chart: {e}"));
    let panels: Vec<(usize, Effect)> = plan
        .channels
        .iter()
        .enumerate()
        .filter_map(|(i, c)| c.effect.map(|e| (i, e)))
        .collect();
    let columns = panels.len().clamp(1, 3);
    let rows = panels.len().div_ceil(columns).max(1);
    let (width, height) = (330 * columns as u32, 60 + 250 * rows as u32);
    let today_colour = RGBColor(0, 114, 178);
    let optimal_colour = RGBColor(213, 94, 0);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| draw_error(&e))?;
        let root = root
            .titled(title, ("sans-serif", 20))
            .map_err(|e| draw_error(&e))?;
        let areas = root.split_evenly((rows, columns));
        for ((i, effect), area) in panels.iter().zip(&areas) {
            let c = &plan.channels[*i];
            let x_max = c.max.max(optimal[*i]).max(c.spend) * 1.05;
            let m = |x: f64| effect.response.multiplier(x / c.spend);
            let points: Vec<(f64, f64)> = (0..=200)
                .map(|k| {
                    let x = x_max * k as f64 / 200.0;
                    (x, m(x))
                })
                .collect();
            let y_max = points.iter().map(|p| p.1).fold(1.0_f64, f64::max) * 1.1;
            let mut chart = ChartBuilder::on(area)
                .caption(
                    format!(
                        "{} ({}, {})",
                        c.channel,
                        effect.buys.name(),
                        effect.response.name()
                    ),
                    ("sans-serif", 14),
                )
                .margin(10)
                .x_label_area_size(30)
                .y_label_area_size(40)
                .build_cartesian_2d(0.0..x_max, 0.0..y_max)
                .map_err(|e| draw_error(&e))?;
            chart
                .configure_mesh()
                .x_labels(4)
                .y_labels(5)
                .x_label_formatter(&|v| grouped(*v, 0))
                .y_label_formatter(&|v| format!("{v:.1}"))
                .light_line_style(WHITE)
                .draw()
                .map_err(|e| draw_error(&e))?;
            chart
                .draw_series(LineSeries::new(points, BLACK.stroke_width(2)))
                .map_err(|e| draw_error(&e))?;
            chart
                .draw_series(std::iter::once(Circle::new(
                    (c.spend, 1.0),
                    5,
                    today_colour.filled(),
                )))
                .map_err(|e| draw_error(&e))?;
            chart
                .draw_series(std::iter::once(TriangleMarker::new(
                    (optimal[*i], m(optimal[*i])),
                    7,
                    optimal_colour.filled(),
                )))
                .map_err(|e| draw_error(&e))?;
        }
        let legend = ("sans-serif", 13).into_font();
        let bottom = height as i32 - 16;
        root.draw(&Circle::new((20, bottom), 5, today_colour.filled()))
            .map_err(|e| draw_error(&e))?;
        root.draw(&Text::new(
            "today's spend",
            (30, bottom - 7),
            legend.clone(),
        ))
        .map_err(|e| draw_error(&e))?;
        root.draw(&TriangleMarker::new(
            (150, bottom),
            7,
            optimal_colour.filled(),
        ))
        .map_err(|e| draw_error(&e))?;
        root.draw(&Text::new(
            "optimal spend (y: what the spend buys, in multiples of today's)",
            (160, bottom - 7),
            legend,
        ))
        .map_err(|e| draw_error(&e))?;
        root.present().map_err(|e| draw_error(&e))?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_has_thousands_separators_and_the_currency() {
        assert_eq!(money(1234567.891, Some("EUR")), "1,234,567.89 EUR");
        assert_eq!(money(999.5, None), "999.50");
        assert_eq!(money(-12000.0, None), "-12,000.00");
        assert_eq!(money(-0.001, None), "0.00");
        assert_eq!(grouped(100.0, 1), "100.0");
    }
}
