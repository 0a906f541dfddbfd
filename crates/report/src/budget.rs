//! How money reads: amounts with thousands separators and the plan's currency, the figures per
//! period of a budget plan (`whatif --budget`), the [`Optimization`] of `journeysim optimize`
//! as a table and as CSV (one row per plan channel, today and optimal side by side), and its
//! picture: each channel's response curve with today's and the optimal spend
//! ([`response_chart`]).

use journeysim_core::budget::Optimization;
use journeysim_core::budget::period::Period;
use journeysim_core::budget::plan::{Effect, Plan};
use journeysim_core::error::{Error, Result};

use super::figures::grouped;
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
/// its spend from 0 to its max (and past the optimal spend), one small panel per channel in a
/// grid, with today's spend (a circle at m = 1) and the optimal spend (a triangle) marked. The
/// title names no file; the caption names the input `source` and the plan.
pub fn response_chart(
    plan: &Plan,
    optimal: &[f64],
    source: &str,
    size: crate::svg::Size,
) -> Result<String> {
    use crate::svg::canvas::{ASCENT, Anchor, Canvas, DESCENT, Text, text_width, wrap};
    let panels: Vec<(usize, Effect)> = plan
        .channels
        .iter()
        .enumerate()
        .filter_map(|(i, c)| c.effect.map(|e| (i, e)))
        .collect();
    let (w, h) = (f64::from(size.width), f64::from(size.height));
    let margin = 28.0;
    let inner = w - 2.0 * margin;
    let mut canvas = Canvas::new(size.width, size.height);
    fn text<'a>(
        x: f64,
        y: f64,
        size: f64,
        anchor: Anchor,
        colour: &'a str,
        content: &'a str,
    ) -> Text<'a> {
        Text {
            x,
            y,
            size,
            anchor,
            bold: false,
            colour,
            content,
        }
    }
    let mut top = margin;
    for line in wrap(
        "Response curves: today's and the optimal spend",
        28.0,
        true,
        inner,
    ) {
        let mut t = text(
            margin,
            top + ASCENT * 28.0,
            28.0,
            Anchor::Start,
            "#1a1a1a",
            &line,
        );
        t.bold = true;
        canvas.text(&t);
        top += 28.0 * 1.25;
    }
    // The caption and the legend, from the bottom up.
    let mut caption = vec![format!("Input: {source}; plan: {}.", plan.source)];
    caption.push(
        "y: what the spend buys (entries or visits), in multiples of today's; x: spend per period"
            .to_owned()
            + &plan
                .currency
                .as_deref()
                .map_or(String::new(), |c| format!(" ({c})"))
            + ".",
    );
    let caption: Vec<String> = caption
        .iter()
        .flat_map(|c| wrap(c, 14.0, false, inner))
        .collect();
    let step = 14.0 * 1.3;
    let caption_top = h - margin - caption.len() as f64 * step;
    for (i, line) in caption.iter().enumerate() {
        let y = caption_top + ASCENT * 14.0 + i as f64 * step;
        canvas.text(&text(margin, y, 14.0, Anchor::Start, "#555555", line));
    }
    let legend_y = caption_top - 10.0 - DESCENT * 16.0;
    let today_colour = "#0072b2";
    let optimal_colour = "#d55e00";
    canvas.circle((margin + 7.0, legend_y - 5.0), 6.0, today_colour);
    canvas.text(&text(
        margin + 20.0,
        legend_y,
        16.0,
        Anchor::Start,
        "#1a1a1a",
        "today's spend",
    ));
    let x = margin + 44.0 + text_width("today's spend", 16.0, false);
    let triangle = |c: (f64, f64), r: f64| {
        [
            (c.0, c.1 - r),
            (c.0 - r, c.1 + r * 0.8),
            (c.0 + r, c.1 + r * 0.8),
        ]
    };
    canvas.polygon(&triangle((x + 7.0, legend_y - 5.0), 7.0), optimal_colour);
    canvas.text(&text(
        x + 20.0,
        legend_y,
        16.0,
        Anchor::Start,
        "#1a1a1a",
        "optimal spend",
    ));
    let grid_top = top + 12.0;
    let grid_bottom = legend_y - ASCENT * 16.0 - 16.0;

    // The grid: as many columns as keep a panel at least 280 px wide, at most 4.
    let columns = panels
        .len()
        .clamp(1, 4)
        .min(((inner + 24.0) / 304.0).floor().max(1.0) as usize);
    let rows = panels.len().div_ceil(columns).max(1);
    let (gap_x, gap_y) = (24.0, 18.0);
    let panel_w = (inner - gap_x * (columns as f64 - 1.0)) / columns as f64;
    let panel_h = (grid_bottom - grid_top - gap_y * (rows as f64 - 1.0)) / rows as f64;
    if panel_h < 150.0 {
        return Err(Error::Invalid(format!(
            "the {} response curves do not fit a {}x{} picture with text of at least 14 px; \
                 give a larger `size`",
            panels.len(),
            size.width,
            size.height
        )));
    }
    let decimals = |max: f64| crate::figures::decimals(max, 2);
    for (k, (i, effect)) in panels.iter().enumerate() {
        let c = &plan.channels[*i];
        let (px, py) = (
            margin + (k % columns) as f64 * (panel_w + gap_x),
            grid_top + (k / columns) as f64 * (panel_h + gap_y),
        );
        // Heading: the channel (bold), then what it buys and its curve.
        let mut y = py;
        for line in wrap(&c.channel, 16.0, true, panel_w) {
            let mut t = text(px, y + ASCENT * 16.0, 16.0, Anchor::Start, "#1a1a1a", &line);
            t.bold = true;
            canvas.text(&t);
            y += 16.0 * 1.25;
        }
        let kind = format!(
            "buys {}, {} curve",
            effect.buys.name(),
            effect.response.name()
        );
        for line in wrap(&kind, 14.0, false, panel_w) {
            canvas.text(&text(
                px,
                y + ASCENT * 14.0,
                14.0,
                Anchor::Start,
                "#555555",
                &line,
            ));
            y += 14.0 * 1.3;
        }
        let x_max = c.max.max(optimal[*i]).max(c.spend) * 1.05;
        let m = |x: f64| effect.response.multiplier(x / c.spend);
        let points: Vec<(f64, f64)> = (0..=200)
            .map(|j| {
                let x = x_max * j as f64 / 200.0;
                (x, m(x))
            })
            .collect();
        let y_max = points.iter().map(|p| p.1).fold(1.0_f64, f64::max) * 1.1;
        let y_ticks = [0.0, y_max / 2.0, y_max];
        let y_decimals = decimals(y_max).max(1);
        let y_labels: Vec<String> = y_ticks.iter().map(|v| grouped(*v, y_decimals)).collect();
        let left = px
            + y_labels
                .iter()
                .map(|l| text_width(l, 14.0, false))
                .fold(0.0, f64::max)
            + 8.0;
        let mut x_labels: Vec<(f64, String)> = [0.0, x_max / 2.0, x_max]
            .iter()
            .map(|v| (*v, grouped(*v, decimals(x_max))))
            .collect();
        let widths: Vec<f64> = x_labels
            .iter()
            .map(|(_, l)| text_width(l, 14.0, false))
            .collect();
        let right = px + panel_w - widths[2] / 2.0;
        // The middle tick only when its label keeps clear of both ends' labels.
        let half = (right - left) / 2.0;
        if half < widths[0] + widths[1] / 2.0 + 4.0 || half < (widths[1] + widths[2]) / 2.0 + 4.0 {
            x_labels.remove(1);
        }
        if right - left < widths[0] + widths[2] / 2.0 + 4.0 {
            return Err(Error::Invalid(format!(
                "the response curve of {} does not fit a {}x{} picture; give a larger `size`",
                c.channel, size.width, size.height
            )));
        }
        let plot_top = y + 10.0;
        let plot_bottom = py + panel_h - 14.0 * (ASCENT + DESCENT) - 6.0;
        if plot_bottom - plot_top < 40.0 || right - left < 60.0 {
            return Err(Error::Invalid(format!(
                "the response curve of {} does not fit a {}x{} picture; give a larger `size`",
                c.channel, size.width, size.height
            )));
        }
        let sx = |x: f64| left + x / x_max * (right - left);
        let sy = |v: f64| plot_bottom - v / y_max * (plot_bottom - plot_top);
        canvas.line((left, plot_bottom), (right, plot_bottom), "#888888", 1.0);
        canvas.line((left, plot_top), (left, plot_bottom), "#888888", 1.0);
        for (v, label) in y_ticks.iter().zip(&y_labels) {
            canvas.line((left, sy(*v)), (right, sy(*v)), "#eeeeee", 1.0);
            let baseline = (sy(*v) + (ASCENT - DESCENT) / 2.0 * 14.0)
                .clamp(plot_top + ASCENT * 14.0 - 8.0, plot_bottom);
            canvas.text(&text(
                left - 6.0,
                baseline,
                14.0,
                Anchor::End,
                "#555555",
                label,
            ));
        }
        // The x labels: the first starts at the axis, the others are centred on their tick.
        for (j, (v, label)) in x_labels.iter().enumerate() {
            let anchor = if j == 0 {
                Anchor::Start
            } else {
                Anchor::Middle
            };
            canvas.text(&text(
                sx(*v),
                plot_bottom + 4.0 + ASCENT * 14.0,
                14.0,
                anchor,
                "#555555",
                label,
            ));
        }
        let line: Vec<(f64, f64)> = points.iter().map(|&(x, v)| (sx(x), sy(v))).collect();
        canvas.polyline(&line, "#1a1a1a", 2.0);
        canvas.circle((sx(c.spend), sy(1.0)), 5.0, today_colour);
        canvas.polygon(
            &triangle((sx(optimal[*i]), sy(m(optimal[*i]))), 7.0),
            optimal_colour,
        );
    }
    Ok(canvas.finish())
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
