//! The one layout of every bar chart: a title, a subtitle and a legend at the top, a caption at
//! the bottom, category labels in a column on the left (wrapped to its width) and one or more
//! panels of horizontal bars to their right, each row of every panel at the same height.
//!
//! Every text is placed in room measured for it with [`text_width`], so no two texts overlap and
//! none leaves the picture: rows are as tall as their wrapped label and their bars need, value
//! labels sit beyond the bar (and its whisker) in a margin kept free for them, and rows that do
//! not fit are summed into one "others" row when the values add up (credits), or refused with a
//! message asking for a larger size when they do not (changes, shares).

use journeysim_core::error::{Error, Result};

use super::Size;
use super::canvas::{ASCENT, Anchor, Canvas, DESCENT, Text, text_width, wrap};

/// Margin around the picture.
const MARGIN: f64 = 28.0;
/// Title size.
const TITLE: f64 = 28.0;
/// Subtitle and panel heading size.
const SUBTITLE: f64 = 18.0;
/// Category label and legend size.
const LABEL: f64 = 16.0;
/// Value label size.
const VALUE: f64 = 15.0;
/// Caption and axis size: the smallest text drawn.
pub const SMALL: f64 = 14.0;
/// Vertical room of one bar and its value label.
const SLOT: f64 = 19.0;
/// Space above and below the bars of a row.
const ROW_PAD: f64 = 4.0;
/// Gap between a bar's end (or whisker) and its value label.
const GAP: f64 = 6.0;

/// Text colours.
const INK: &str = "#1a1a1a";
const GREY: &str = "#555555";

/// A colour-blind-safe palette (Okabe and Ito 2008).
pub const PALETTE: [&str; 5] = ["#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9"];

/// A picture of horizontal bars.
pub struct Chart {
    /// The headline (no file names or seeds: those go in `notes`).
    pub title: String,
    /// One line under the title (may be empty).
    pub subtitle: String,
    /// Legend entries: a name and its colour.
    pub legend: Vec<(String, &'static str)>,
    /// Category names, top row first.
    pub rows: Vec<String>,
    /// Panels side by side, each with one value per row and series.
    pub panels: Vec<Panel>,
    /// Caption lines at the bottom (sources, seeds, definitions).
    pub notes: Vec<String>,
    /// When rows do not fit: `Some(what)` sums the last rows into one row named
    /// "`n` other `what`" (for values that add up); `None` refuses with an error naming `what`
    /// from [`Chart::items`].
    pub fold: Option<String>,
    /// What a row is, plural, for messages ("scenarios", "stages").
    pub items: String,
}

/// One panel: a heading, its series and an optional fixed axis.
pub struct Panel {
    /// Above the panel.
    pub heading: String,
    /// Bars per row, one per series.
    pub series: Vec<Bars>,
    /// A fixed axis from 0 to `max` with tick labels at the bottom (shares: 0% to 100%).
    pub axis: Option<Axis>,
}

/// A fixed axis.
pub struct Axis {
    /// The end of the axis.
    pub max: f64,
    /// Tick positions and their labels.
    pub ticks: Vec<(f64, String)>,
}

/// One series of a panel.
pub struct Bars {
    /// Bar colour.
    pub colour: &'static str,
    /// One value per row.
    pub values: Vec<f64>,
    /// One `[lo, hi]` per row, drawn as a whisker.
    pub intervals: Option<Vec<[f64; 2]>>,
    /// A bar's label from its row and value (a row past the given ones is the "others" row).
    pub label: Box<dyn Fn(usize, f64) -> String>,
}

/// Texts stacked from `top`: each line's baseline, and the y below the last.
fn stack(top: f64, lines: usize, size: f64, step: f64) -> (Vec<f64>, f64) {
    let baselines: Vec<f64> = (0..lines)
        .map(|i| top + ASCENT * size + i as f64 * step)
        .collect();
    let bottom = baselines.last().map_or(top, |b| b + DESCENT * size);
    (baselines, bottom)
}

fn text<'a>(x: f64, y: f64, size: f64, anchor: Anchor, colour: &'a str, s: &'a str) -> Text<'a> {
    Text {
        x,
        y,
        size,
        anchor,
        bold: false,
        colour,
        content: s,
    }
}

/// Draws `chart` at `size`.
pub fn draw(mut chart: Chart, size: Size) -> Result<String> {
    let (w, h) = (f64::from(size.width), f64::from(size.height));
    let inner = w - 2.0 * MARGIN;
    let mut canvas = Canvas::new(size.width, size.height);

    // Top: title, subtitle, legend.
    let title = wrap(&chart.title, TITLE, true, inner);
    let (baselines, mut top) = stack(MARGIN, title.len(), TITLE, TITLE * 1.25);
    for (line, y) in title.iter().zip(baselines) {
        let mut t = text(MARGIN, y, TITLE, Anchor::Start, INK, line);
        t.bold = true;
        canvas.text(&t);
    }
    if !chart.subtitle.is_empty() {
        let lines = wrap(&chart.subtitle, SUBTITLE, false, inner);
        let (baselines, bottom) = stack(top + 8.0, lines.len(), SUBTITLE, SUBTITLE * 1.3);
        for (line, y) in lines.iter().zip(baselines) {
            canvas.text(&text(MARGIN, y, SUBTITLE, Anchor::Start, GREY, line));
        }
        top = bottom;
    }
    if !chart.legend.is_empty() {
        top += 12.0;
        let (mut x, step) = (MARGIN, LABEL * 1.5);
        let mut baseline = top + ASCENT * LABEL;
        for (name, colour) in &chart.legend {
            let width = 22.0 + text_width(name, LABEL, false);
            if x > MARGIN && x + width > w - MARGIN {
                x = MARGIN;
                baseline += step;
            }
            canvas.rect(x, baseline - 13.0, 14.0, 14.0, colour);
            canvas.text(&text(x + 20.0, baseline, LABEL, Anchor::Start, INK, name));
            x += width + 24.0;
        }
        top = baseline + DESCENT * LABEL;
    }

    // Bottom: the caption, from the bottom margin up.
    let notes: Vec<String> = chart
        .notes
        .iter()
        .flat_map(|n| wrap(n, SMALL, false, inner))
        .collect();
    let note_step = SMALL * 1.3;
    let notes_top = h - MARGIN - notes.len() as f64 * note_step;
    let (baselines, _) = stack(notes_top, notes.len(), SMALL, note_step);
    for (line, y) in notes.iter().zip(baselines) {
        canvas.text(&text(MARGIN, y, SMALL, Anchor::Start, GREY, line));
    }

    // Columns: the labels' width, capped at 28% of the picture, then the panels.
    let label_room = chart
        .rows
        .iter()
        .map(|r| text_width(r, LABEL, false))
        .fold(0.0_f64, f64::max)
        .min(0.28 * inner)
        .max(60.0);
    let panels_x0 = MARGIN + label_room + 20.0;
    let n_panels = chart.panels.len().max(1) as f64;
    let panel_gap = 40.0;
    let panel_width = (w - MARGIN - panels_x0 - panel_gap * (n_panels - 1.0)) / n_panels;
    let panel_x = |p: usize| panels_x0 + p as f64 * (panel_width + panel_gap);

    // Panel headings.
    let headings: Vec<Vec<String>> = chart
        .panels
        .iter()
        .map(|p| wrap(&p.heading, SUBTITLE, true, panel_width))
        .collect();
    let heading_lines = headings.iter().map(Vec::len).max().unwrap_or(0);
    let heading_top = top + 16.0;
    for (p, lines) in headings.iter().enumerate() {
        let (baselines, _) = stack(heading_top, lines.len(), SUBTITLE, SUBTITLE * 1.25);
        for (line, y) in lines.iter().zip(baselines) {
            let mut t = text(panel_x(p), y, SUBTITLE, Anchor::Start, INK, line);
            t.bold = true;
            canvas.text(&t);
        }
    }
    let (_, rows_top) = stack(heading_top, heading_lines, SUBTITLE, SUBTITLE * 1.25);
    let rows_top = rows_top + 10.0;
    let axis_room = if chart.panels.iter().any(|p| p.axis.is_some()) {
        SMALL * (ASCENT + DESCENT) + 10.0
    } else {
        0.0
    };
    let rows_bottom = notes_top - 12.0 - axis_room;
    let room = rows_bottom - rows_top;

    // Rows: as tall as their wrapped label or their bars, whichever needs more.
    let series = chart
        .panels
        .iter()
        .map(|p| p.series.len())
        .max()
        .unwrap_or(1)
        .max(1);
    let bars_height = series as f64 * SLOT + 2.0 * ROW_PAD;
    let line_step = LABEL * 1.25;
    let natural = |label: &str| {
        let lines = wrap(label, LABEL, false, label_room).len() as f64;
        (lines * line_step + 2.0 * ROW_PAD).max(bars_height)
    };
    let needed: f64 = chart.rows.iter().map(|r| natural(r.as_str())).sum();
    if needed > room {
        fold_rows(&mut chart, room, &natural, size)?;
    }
    let heights: Vec<f64> = chart.rows.iter().map(|r| natural(r.as_str())).collect();
    let spare = (room - heights.iter().sum::<f64>()).max(0.0) / heights.len().max(1) as f64;
    // Spare room widens the rows, up to a point: bars thicker than ~36 px look like blocks.
    let extra = spare.min(series as f64 * 16.0);

    // Category labels.
    let mut row_top = Vec::with_capacity(heights.len());
    let mut y = rows_top;
    for (label, height) in chart.rows.iter().zip(&heights) {
        let row_h = height + extra;
        row_top.push((y, row_h));
        let lines = wrap(label, LABEL, false, label_room);
        let block = lines.len() as f64 * line_step;
        let first = y + (row_h - block) / 2.0 + (line_step - (ASCENT + DESCENT) * LABEL) / 2.0;
        let (baselines, _) = stack(first, lines.len(), LABEL, line_step);
        for (line, b) in lines.iter().zip(baselines) {
            canvas.text(&text(panels_x0 - 20.0, b, LABEL, Anchor::End, INK, line));
        }
        y += row_h;
    }

    for (p, panel) in chart.panels.iter().enumerate() {
        draw_panel(
            &mut canvas,
            panel,
            (panel_x(p), panel_x(p) + panel_width),
            &row_top,
            rows_bottom,
        )?;
    }
    Ok(canvas.finish())
}

/// Replaces the rows that do not fit in `room` with one summed row, or fails.
fn fold_rows(
    chart: &mut Chart,
    room: f64,
    natural: &dyn Fn(&str) -> f64,
    size: Size,
) -> Result<()> {
    let too_many = || {
        Error::Invalid(format!(
            "the {} {} do not fit a {}x{} picture with text of at least 14 px; give a \
                 larger `size`",
            chart.rows.len(),
            chart.items,
            size.width,
            size.height
        ))
    };
    let Some(what) = chart.fold.clone() else {
        return Err(too_many());
    };
    // Keep the most rows k such that k rows and the "others" row fit.
    let n = chart.rows.len();
    let mut keep = 0;
    let mut used = 0.0;
    for k in 0..n {
        let others = natural(&format!("{} other {what}", n - k - 1));
        if used + natural(&chart.rows[k]) + others > room {
            break;
        }
        used += natural(&chart.rows[k]);
        keep = k + 1;
    }
    if keep == 0 {
        return Err(too_many());
    }
    let folded = n - keep;
    chart.rows.truncate(keep);
    chart.rows.push(format!("{folded} other {what}"));
    for panel in &mut chart.panels {
        for s in &mut panel.series {
            let rest: f64 = s.values[keep..].iter().sum();
            s.values.truncate(keep);
            s.values.push(rest);
            // An interval of a sum is not the sum of intervals: the folded row has none.
            if let Some(ci) = &mut s.intervals {
                ci.truncate(keep);
                ci.push([rest, rest]);
            }
        }
    }
    Ok(())
}

/// One panel's bars, whiskers, value labels and axis.
fn draw_panel(
    canvas: &mut Canvas,
    panel: &Panel,
    (x0, x1): (f64, f64),
    rows: &[(f64, f64)],
    rows_bottom: f64,
) -> Result<()> {
    let extent = |s: &Bars, i: usize| {
        let v = s.values[i];
        match s.intervals.as_ref().map(|c| c[i]) {
            Some([lo, hi]) => (v.min(lo), v.max(hi)),
            None => (v, v),
        }
    };
    let (mut lo, mut hi) = (0.0_f64, 0.0_f64);
    let (mut left_room, mut right_room) = (0.0_f64, 0.0_f64);
    for s in &panel.series {
        for i in 0..s.values.len() {
            let (a, b) = extent(s, i);
            lo = lo.min(a);
            hi = hi.max(b);
            let label = (s.label)(i, s.values[i]);
            let width = text_width(&label, VALUE, false) + GAP;
            if s.values[i] < 0.0 {
                left_room = left_room.max(width);
            } else {
                right_room = right_room.max(width);
            }
        }
    }
    if let Some(axis) = &panel.axis {
        lo = 0.0;
        hi = hi.max(axis.max);
        // The last tick's label is centred on the axis end.
        let half = axis
            .ticks
            .iter()
            .map(|(_, t)| text_width(t, SMALL, false) / 2.0)
            .fold(0.0, f64::max);
        right_room = right_room.max(half);
        left_room = left_room.max(half);
    }
    let span = if hi > lo { hi - lo } else { 1.0 };
    let (px0, px1) = (x0 + left_room, x1 - right_room);
    if px1 - px0 < 40.0 {
        return Err(Error::Invalid(
            "the picture is too narrow for its value labels; give a wider `size`".to_owned(),
        ));
    }
    let x = |v: f64| px0 + (v - lo) / span * (px1 - px0);
    let top = rows.first().map_or(rows_bottom, |r| r.0);
    if let Some(axis) = &panel.axis {
        for (v, label) in &axis.ticks {
            canvas.line((x(*v), top), (x(*v), rows_bottom), "#dddddd", 1.0);
            canvas.text(&text(
                x(*v),
                rows_bottom + 6.0 + ASCENT * SMALL,
                SMALL,
                Anchor::Middle,
                GREY,
                label,
            ));
        }
    }
    if lo < 0.0 || panel.axis.is_some() {
        canvas.line((x(0.0), top), (x(0.0), rows_bottom), "#888888", 1.0);
    }
    let n_series = panel.series.len().max(1) as f64;
    for (i, &(row_y, row_h)) in rows.iter().enumerate() {
        let slot = (row_h - 2.0 * ROW_PAD) / n_series;
        let thickness = (slot - 6.0).min(36.0);
        for (k, s) in panel.series.iter().enumerate() {
            let Some(&v) = s.values.get(i) else { continue };
            let centre = row_y + ROW_PAD + slot * (k as f64 + 0.5);
            let (a, b) = (x(v.min(0.0)), x(v.max(0.0)));
            canvas.rect(
                a,
                centre - thickness / 2.0,
                (b - a).max(1.0),
                thickness,
                s.colour,
            );
            let ci = s.intervals.as_ref().map(|c| c[i]).filter(|c| c[0] < c[1]);
            if let Some([ci_lo, ci_hi]) = ci {
                let cap = thickness * 0.3;
                canvas.line((x(ci_lo), centre), (x(ci_hi), centre), INK, 1.5);
                for end in [ci_lo, ci_hi] {
                    canvas.line((x(end), centre - cap), (x(end), centre + cap), INK, 1.5);
                }
            }
            let (e_lo, e_hi) = extent(s, i);
            let label = (s.label)(i, v);
            let baseline = centre + (ASCENT - DESCENT) / 2.0 * VALUE;
            let t = if v < 0.0 {
                text(x(e_lo) - GAP, baseline, VALUE, Anchor::End, INK, &label)
            } else {
                text(x(e_hi) + GAP, baseline, VALUE, Anchor::Start, INK, &label)
            };
            canvas.text(&t);
        }
    }
    Ok(())
}
