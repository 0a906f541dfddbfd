//! The journey map as a Sankey-style diagram: all journeys on the left, touchpoints as nodes in
//! columns (stages, or the step at which a touchpoint is typically visited), conversion and
//! drop-out as the two exits on the right, and bands between them as wide as the expected
//! traffic ([`journeysim_core::journey_flows`]).
//!
//! [`layout`] places everything (and is what the tests check: nodes apart, widths proportional);
//! [`journey_map_chart`] draws the layout. One pixel scale serves every node and band, so a
//! node is exactly as tall as its visits and the bands leaving it, stacked, as tall as its
//! departures (its repeats, moves to itself, are the part of its right side no band leaves).
//! A node's slot is at least as tall as its label, so a tiny node keeps its name readable;
//! the bar itself stays proportional.

use journeysim_core::error::{Error, Result};
use journeysim_core::journey_flows::JourneyFlows;
use journeysim_core::stages::StageMap;

use super::canvas::{ASCENT, Anchor, Canvas, Text, px, text_width, wrap};
use crate::figures::grouped;

/// Margin around the picture.
const MARGIN: f64 = 24.0;
/// Column heading size.
const HEADING: f64 = 16.0;
/// Node label size (the smallest text).
const LABEL: f64 = 14.0;
/// Line step of a node label.
const LINE: f64 = 17.0;
/// Width of a node's bar.
const NODE: f64 = 14.0;
/// Vertical gap between the slots of a column.
const GAP: f64 = 10.0;
/// Gap between a bar and its label.
const LABEL_GAP: f64 = 5.0;
/// Room kept on the right of the last column for the exits' labels.
const EXIT_LABELS: f64 = 170.0;
/// Most columns of steps when there are no stages (later steps share the last).
pub const MAX_STEP_COLUMNS: usize = 6;
/// Bands carrying less than this share of all journeys are not drawn (they crowd the picture
/// and would be hairlines); the tables list them.
pub const MIN_DRAWN: f64 = 0.005;
/// How many drop-out bands are labelled as leaks.
pub const LEAKS_LABELLED: usize = 3;

/// Colours: bands forward, backward (to an earlier or the same column), to conversion, to
/// drop-out; node bars.
const FORWARD: &str = "#0072b2";
const BACKWARD: &str = "#999999";
const CONVERT: &str = "#009e73";
const DROP: &str = "#d55e00";
const BAR: &str = "#333333";
const INK: &str = "#1a1a1a";
const GREY: &str = "#555555";

/// The columns of the touchpoints: names (left to right) and each touchpoint's column.
#[derive(Debug, Clone, PartialEq)]
pub struct Columns {
    /// Column headings.
    pub names: Vec<String>,
    /// The column of each touchpoint of the flows, by index.
    pub of_touchpoint: Vec<usize>,
}

impl Columns {
    /// Stages as columns, in the stage map's order; touchpoints without a stage share a last
    /// column "no stage".
    pub fn by_stage(flows: &JourneyFlows, stages: &StageMap) -> Columns {
        let mut names = stages.stages.clone();
        let mut of_touchpoint: Vec<usize> = flows
            .touchpoints
            .iter()
            .map(|t| {
                stages
                    .touchpoints
                    .get(&t.touchpoint)
                    .and_then(|s| stages.stages.iter().position(|x| x == s))
                    .unwrap_or(usize::MAX)
            })
            .collect();
        if of_touchpoint.contains(&usize::MAX) {
            names.push("no stage".into());
            for c in &mut of_touchpoint {
                if *c == usize::MAX {
                    *c = names.len() - 1;
                }
            }
        }
        Columns {
            names,
            of_touchpoint,
        }
    }

    /// Without stages: each touchpoint in the column of its typical step, its mean position in
    /// the journeys that visit it rounded (step 1 = first touch), steps from
    /// [`MAX_STEP_COLUMNS`] on sharing the last column. Empty columns are left out.
    pub fn by_step(flows: &JourneyFlows) -> Columns {
        let step = |m: f64| (m.round().max(1.0) as usize).min(MAX_STEP_COLUMNS);
        let steps: Vec<usize> = flows
            .touchpoints
            .iter()
            .map(|t| step(t.mean_step))
            .collect();
        let mut used: Vec<usize> = steps.clone();
        used.sort_unstable();
        used.dedup();
        let names = used
            .iter()
            .map(|&s| {
                if s == MAX_STEP_COLUMNS {
                    format!("step {s} or later")
                } else {
                    format!("step {s}")
                }
            })
            .collect();
        let of_touchpoint = steps
            .iter()
            .map(|s| used.iter().position(|u| u == s).unwrap_or(0))
            .collect();
        Columns {
            names,
            of_touchpoint,
        }
    }
}

/// What a node stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    /// All journeys, where they enter.
    Start,
    /// A touchpoint, by index in the flows.
    Touchpoint(usize),
    /// (conversion).
    Conversion,
    /// Drop-out: journeys that end without converting.
    DropOut,
}

/// A placed node.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeBox {
    /// What it is.
    pub kind: NodeKind,
    /// Its name.
    pub name: String,
    /// Its traffic: visits (journeys for the start and the exits).
    pub value: f64,
    /// Its column, 0 = the start.
    pub column: usize,
    /// The bar's left edge.
    pub x: f64,
    /// The bar's top.
    pub y: f64,
    /// The bar's height: `value x scale`.
    pub height: f64,
    /// The slot's top and bottom (the bar and its label): slots of a column never overlap.
    pub slot: (f64, f64),
    /// The label's lines: the name's (bold), then the figures'.
    pub label: Vec<String>,
    /// How many of the label's lines are the name's.
    pub name_lines: usize,
}

/// A placed band between two nodes.
#[derive(Debug, Clone, PartialEq)]
pub struct Band {
    /// Index of the node left, in [`Layout::nodes`].
    pub from: usize,
    /// Index of the node reached.
    pub to: usize,
    /// Expected traffic.
    pub value: f64,
    /// Top of the band where it leaves and where it arrives.
    pub y: (f64, f64),
    /// Its width: `value x scale`.
    pub width: f64,
}

/// The whole picture's geometry.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// Picture width and height.
    pub size: (f64, f64),
    /// Pixels per unit of traffic, for every node and band.
    pub scale: f64,
    /// The x of each column's bars, start first, exits last.
    pub column_x: Vec<f64>,
    /// Column headings, start first, exits last.
    pub headings: Vec<String>,
    /// The nodes.
    pub nodes: Vec<NodeBox>,
    /// The bands, drawn in this order.
    pub bands: Vec<Band>,
}

/// A number of journeys for a label.
fn journeys_text(x: f64) -> String {
    let d = if x >= 100.0 {
        0
    } else if x >= 10.0 {
        1
    } else {
        2
    };
    grouped(x, d)
}

/// Lays out `flows` (already scaled to the journeys to show, see
/// [`JourneyFlows::scaled`]; `journeys` is their total) in `columns`, `width` pixels wide.
/// The height follows from the tallest column (at least `min_height`).
pub fn layout(
    flows: &JourneyFlows,
    journeys: f64,
    columns: &Columns,
    width: f64,
    min_height: f64,
) -> Result<Layout> {
    if columns.of_touchpoint.len() != flows.touchpoints.len() {
        return Err(Error::Invalid(format!(
            "{} columns for {} touchpoints",
            columns.of_touchpoint.len(),
            flows.touchpoints.len()
        )));
    }
    let n_columns = columns.names.len() + 2;
    let usable = width - 2.0 * MARGIN - EXIT_LABELS - NODE;
    let step = usable / (n_columns - 1) as f64;
    let column_x: Vec<f64> = (0..n_columns).map(|c| MARGIN + c as f64 * step).collect();
    let label_width = step - NODE - 2.0 * LABEL_GAP;
    let mut headings = vec!["Entry".to_owned()];
    headings.extend(columns.names.iter().cloned());
    headings.push("Exit".into());

    // Nodes: the start, touchpoints visited (by column, then mean step, then name), the exits.
    let share = |x: f64| {
        if journeys > 0.0 {
            format!("{}%", grouped(100.0 * x / journeys, 1))
        } else {
            String::new()
        }
    };
    let mut nodes: Vec<NodeBox> = Vec::new();
    let mut node = |kind, name: String, value: f64, column: usize, room: f64| {
        let mut label = wrap(&name, LABEL, true, room);
        let name_lines = label.len();
        let figures = format!("{} ({})", journeys_text(value), share(value));
        label.extend(wrap(&figures, LABEL, false, room));
        nodes.push(NodeBox {
            name_lines,
            kind,
            name,
            value,
            column,
            x: column_x[column],
            y: 0.0,
            height: 0.0,
            slot: (0.0, 0.0),
            label,
        });
    };
    node(
        NodeKind::Start,
        "All journeys".into(),
        journeys,
        0,
        label_width,
    );
    let mut order: Vec<usize> = (0..flows.touchpoints.len())
        .filter(|&t| flows.touchpoints[t].visits > 0.0)
        .collect();
    order.sort_by(|&a, &b| {
        let (ta, tb) = (&flows.touchpoints[a], &flows.touchpoints[b]);
        columns.of_touchpoint[a]
            .cmp(&columns.of_touchpoint[b])
            .then(ta.mean_step.total_cmp(&tb.mean_step))
            .then_with(|| ta.touchpoint.cmp(&tb.touchpoint))
    });
    for &t in &order {
        let own = &flows.touchpoints[t];
        node(
            NodeKind::Touchpoint(t),
            own.touchpoint.clone(),
            own.visits,
            columns.of_touchpoint[t] + 1,
            label_width,
        );
    }
    let converted: f64 = flows.touchpoints.iter().map(|t| t.conversions).sum();
    let dropped: f64 = flows.touchpoints.iter().map(|t| t.drop_outs).sum();
    let last = n_columns - 1;
    node(
        NodeKind::Conversion,
        "Conversion".into(),
        converted,
        last,
        EXIT_LABELS - NODE,
    );
    node(
        NodeKind::DropOut,
        "Drop-out".into(),
        dropped,
        last,
        EXIT_LABELS - NODE,
    );

    // One scale for the whole picture: the tallest column fits the height, every slot at
    // least as tall as its label. Slots below their label's height do not scale, so solve for
    // the scale with those fixed, until the set of such slots stops changing.
    let top = MARGIN + HEADING * 1.6;
    let bottom_margin = MARGIN;
    let label_height = |n: &NodeBox| n.label.len() as f64 * LINE;
    let height_for = |scale: f64, nodes: &[NodeBox]| -> f64 {
        (0..n_columns)
            .map(|c| {
                let in_column: Vec<&NodeBox> = nodes.iter().filter(|n| n.column == c).collect();
                let slots: f64 = in_column
                    .iter()
                    .map(|n| (n.value * scale).max(label_height(n)))
                    .sum();
                slots + GAP * in_column.len().saturating_sub(1) as f64
            })
            .fold(0.0, f64::max)
    };
    let available = (min_height - top - bottom_margin).max(100.0);
    let total_value = (0..n_columns)
        .map(|c| {
            nodes
                .iter()
                .filter(|n| n.column == c)
                .map(|n| n.value)
                .sum::<f64>()
        })
        .fold(0.0, f64::max);
    if !(total_value.is_finite() && total_value > 0.0) {
        return Err(Error::Invalid(
            "the journey map has no traffic to draw".into(),
        ));
    }
    // The largest scale whose tallest column fits: bisection on a monotone function.
    let (mut lo, mut hi) = (0.0, available / total_value);
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if height_for(mid, &nodes) <= available {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let scale = lo;
    let height = top + height_for(scale, &nodes).max(available) + bottom_margin;

    // Stack each column's slots from the top, the bar centred in its slot.
    for c in 0..n_columns {
        let mut y = top;
        for n in nodes.iter_mut().filter(|n| n.column == c) {
            let slot = (n.value * scale).max(n.label.len() as f64 * LINE);
            n.height = n.value * scale;
            n.y = y + (slot - n.height) / 2.0;
            n.slot = (y, y + slot);
            y += slot + GAP;
        }
    }

    // Bands: entries, links between touchpoints, conversions and drop-outs.
    let index_of = |kind: NodeKind| nodes.iter().position(|n| n.kind == kind);
    let mut pairs: Vec<(usize, usize, f64)> = Vec::new();
    let start = 0;
    let (conversion, drop_out) = (
        index_of(NodeKind::Conversion).unwrap_or_default(),
        index_of(NodeKind::DropOut).unwrap_or_default(),
    );
    for (t, own) in flows.touchpoints.iter().enumerate() {
        let Some(i) = index_of(NodeKind::Touchpoint(t)) else {
            continue;
        };
        if own.entries > 0.0 {
            pairs.push((start, i, own.entries));
        }
        if own.conversions > 0.0 {
            pairs.push((i, conversion, own.conversions));
        }
        if own.drop_outs > 0.0 {
            pairs.push((i, drop_out, own.drop_outs));
        }
    }
    for l in &flows.links {
        if let (Some(a), Some(b)) = (
            index_of(NodeKind::Touchpoint(l.from)),
            index_of(NodeKind::Touchpoint(l.to)),
        ) {
            pairs.push((a, b, l.journeys));
        }
    }
    // Stack the bands on each side in the order of the node at their other end (top to
    // bottom, left to right), so fewer of them cross.
    let rank = |i: usize| (nodes[i].column, nodes[i].y);
    let mut out_order: Vec<usize> = (0..pairs.len()).collect();
    out_order.sort_by(|&a, &b| {
        let (ra, rb) = (rank(pairs[a].1), rank(pairs[b].1));
        ra.0.cmp(&rb.0).then(ra.1.total_cmp(&rb.1))
    });
    let mut in_order: Vec<usize> = (0..pairs.len()).collect();
    in_order.sort_by(|&a, &b| {
        let (ra, rb) = (rank(pairs[a].0), rank(pairs[b].0));
        ra.0.cmp(&rb.0).then(ra.1.total_cmp(&rb.1))
    });
    let mut out_y: Vec<f64> = nodes.iter().map(|n| n.y).collect();
    let mut in_y: Vec<f64> = nodes.iter().map(|n| n.y).collect();
    let mut y0 = vec![0.0; pairs.len()];
    let mut y1 = vec![0.0; pairs.len()];
    for &p in &out_order {
        let from = pairs[p].0;
        y0[p] = out_y[from];
        out_y[from] += pairs[p].2 * scale;
    }
    for &p in &in_order {
        let to = pairs[p].1;
        y1[p] = in_y[to];
        in_y[to] += pairs[p].2 * scale;
    }
    let bands = pairs
        .iter()
        .enumerate()
        .map(|(p, &(from, to, value))| Band {
            from,
            to,
            value,
            y: (y0[p], y1[p]),
            width: value * scale,
        })
        .collect();
    Ok(Layout {
        size: (width, height),
        scale,
        column_x,
        headings,
        nodes,
        bands,
    })
}

/// The SVG path of a band: a ribbon from the right of its source bar to the left of its target
/// bar, its edges cubic curves.
fn ribbon(layout: &Layout, band: &Band) -> String {
    let from = &layout.nodes[band.from];
    let to = &layout.nodes[band.to];
    let x0 = from.x + NODE;
    let x1 = to.x;
    let bend = ((x1 - x0).abs() / 2.0).max(60.0);
    let (a0, a1) = band.y;
    let (b0, b1) = (a0 + band.width, a1 + band.width);
    format!(
        "M{} {} C{} {} {} {} {} {} L{} {} C{} {} {} {} {} {} Z",
        px(x0),
        px(a0),
        px(x0 + bend),
        px(a0),
        px(x1 - bend),
        px(a1),
        px(x1),
        px(a1),
        px(x1),
        px(b1),
        px(x1 - bend),
        px(b1),
        px(x0 + bend),
        px(b0),
        px(x0),
        px(b0)
    )
}

/// Draws the journey map of `flows` (scaled to `journeys` journeys) in `columns`, `width`
/// pixels wide and at least `min_height` tall, the [`LEAKS_LABELLED`] largest drop-outs
/// labelled. Returns the SVG and its layout.
pub fn journey_map_chart(
    flows: &JourneyFlows,
    journeys: f64,
    columns: &Columns,
    width: f64,
    min_height: f64,
) -> Result<(String, Layout)> {
    let layout = layout(flows, journeys, columns, width, min_height)?;
    let mut canvas = Canvas::new(layout.size.0.ceil() as u32, layout.size.1.ceil() as u32);
    // Column headings.
    for (c, heading) in layout.headings.iter().enumerate() {
        let room = if c + 1 == layout.headings.len() {
            EXIT_LABELS
        } else {
            layout
                .column_x
                .get(1)
                .map_or(200.0, |x1| x1 - layout.column_x[0])
                - LABEL_GAP
        };
        let line = wrap(heading, HEADING, true, room)
            .into_iter()
            .next()
            .unwrap_or_default();
        canvas.text(&Text {
            x: layout.column_x[c],
            y: MARGIN + ASCENT * HEADING,
            size: HEADING,
            anchor: Anchor::Start,
            bold: true,
            colour: GREY,
            content: &line,
        });
    }
    // The largest drop-out bands: the leaks, drawn stronger and tagged.
    let mut leaks: Vec<usize> = (0..layout.bands.len())
        .filter(|&b| layout.nodes[layout.bands[b].to].kind == NodeKind::DropOut)
        .collect();
    leaks.sort_by(|&a, &b| layout.bands[b].value.total_cmp(&layout.bands[a].value));
    leaks.truncate(LEAKS_LABELLED);
    // Bands under the bars; small ones are left out of the picture (their room on the bars
    // stays, so every bar keeps its height and the table lists them).
    let smallest = MIN_DRAWN * journeys;
    for (b, band) in layout.bands.iter().enumerate() {
        if band.value < smallest {
            continue;
        }
        let (from, to) = (&layout.nodes[band.from], &layout.nodes[band.to]);
        let (colour, opacity) = match to.kind {
            NodeKind::Conversion => (CONVERT, 0.5),
            NodeKind::DropOut if leaks.contains(&b) => (DROP, 0.4),
            NodeKind::DropOut => (DROP, 0.15),
            _ if to.column <= from.column => (BACKWARD, 0.25),
            _ => (FORWARD, 0.35),
        };
        let tooltip = format!(
            "{} to {}: {}",
            from.name,
            to.name,
            journeys_text(band.value)
        );
        canvas.path(&ribbon(&layout, band), colour, opacity, &tooltip);
    }
    // Bars and labels (a white box behind each label keeps it readable over the bands).
    for n in &layout.nodes {
        let colour = match n.kind {
            NodeKind::Conversion => CONVERT,
            NodeKind::DropOut => DROP,
            _ => BAR,
        };
        canvas.rect(n.x, n.y, NODE, n.height.max(1.0), colour);
        let lines = n.label.len() as f64;
        let centre = (n.slot.0 + n.slot.1) / 2.0;
        let first = centre - lines * LINE / 2.0 + ASCENT * LABEL;
        let x = n.x + NODE + LABEL_GAP;
        let wide = n
            .label
            .iter()
            .enumerate()
            .map(|(i, l)| text_width(l, LABEL, i < n.name_lines))
            .fold(0.0, f64::max);
        canvas.rect(
            x - 2.0,
            centre - lines * LINE / 2.0,
            wide + 4.0,
            lines * LINE,
            "#ffffff",
        );
        for (i, line) in n.label.iter().enumerate() {
            let name = i < n.name_lines;
            canvas.text(&Text {
                x,
                y: first + i as f64 * LINE,
                size: LABEL,
                anchor: Anchor::Start,
                bold: name,
                colour: if name { INK } else { GREY },
                content: line,
            });
        }
    }
    // The largest leaks: a numbered tag on the drop-out band, where it leaves its touchpoint,
    // pushed down so tags never overlap.
    let mut tags: Vec<(f64, f64, String)> = Vec::new();
    for (rank, band) in leaks.iter().map(|&b| &layout.bands[b]).enumerate() {
        let from = &layout.nodes[band.from];
        let text = format!("leak {}: {}", rank + 1, journeys_text(band.value));
        let x = from.x + NODE + LABEL_GAP;
        let mut y = band.y.0 + band.width / 2.0 - LINE / 2.0;
        // Below the node's own label when the band starts inside it.
        let label_bottom = (from.slot.0 + from.slot.1) / 2.0 + from.label.len() as f64 * LINE / 2.0;
        y = y.max(label_bottom + 2.0);
        while tags.iter().any(|(tx, ty, t)| {
            (y - ty).abs() < LINE && (x - tx).abs() < text_width(t, LABEL, true) + 8.0
        }) {
            y += LINE;
        }
        tags.push((x, y, text));
    }
    for (x, y, text) in &tags {
        let w = text_width(text, LABEL, true);
        canvas.rect(*x - 2.0, *y, w + 4.0, LINE, "#fbe3d6");
        canvas.text(&Text {
            x: *x,
            y: y + ASCENT * LABEL,
            size: LABEL,
            anchor: Anchor::Start,
            bold: true,
            colour: DROP,
            content: text,
        });
    }
    Ok((canvas.finish(), layout))
}

#[cfg(test)]
mod tests {
    use super::*;
    use journeysim_core::journey_flows::{JourneyFlows, Link, TouchpointFlow};

    fn touchpoint(
        name: &str,
        entries: f64,
        visits: f64,
        conv: f64,
        drop: f64,
        step: f64,
    ) -> TouchpointFlow {
        TouchpointFlow {
            touchpoint: name.into(),
            entries,
            visits,
            repeats: 0.0,
            conversions: conv,
            drop_outs: drop,
            mean_step: step,
        }
    }

    /// a (entry) -> b 0.5 and -> c 0.3, drop 0.2; b converts 0.3, drops 0.2; c -> b 0.1,
    /// drops 0.2.
    fn flows() -> JourneyFlows {
        JourneyFlows {
            touchpoints: vec![
                touchpoint("a", 1.0, 1.0, 0.0, 0.2, 1.0),
                touchpoint("b", 0.0, 0.6, 0.4, 0.2, 2.1),
                touchpoint("c", 0.0, 0.3, 0.0, 0.2, 2.0),
            ],
            links: vec![
                Link {
                    from: 0,
                    to: 1,
                    journeys: 0.5,
                },
                Link {
                    from: 0,
                    to: 2,
                    journeys: 0.3,
                },
                Link {
                    from: 2,
                    to: 1,
                    journeys: 0.1,
                },
            ],
            conversion_probability: 0.4,
        }
    }

    #[test]
    fn nodes_of_a_column_never_overlap_and_stay_in_the_picture() {
        let f = flows().scaled(1000.0);
        let columns = Columns::by_step(&f);
        assert_eq!(columns.names, ["step 1", "step 2"]);
        let l = layout(&f, 1000.0, &columns, 1000.0, 300.0).unwrap();
        for a in &l.nodes {
            assert!(a.slot.0 >= 0.0 && a.slot.1 <= l.size.1, "{a:?}");
            assert!(a.y >= a.slot.0 - 1e-9 && a.y + a.height <= a.slot.1 + 1e-9);
            for b in l
                .nodes
                .iter()
                .filter(|b| b.column == a.column && b.kind != a.kind)
            {
                assert!(a.slot.1 <= b.slot.0 || b.slot.1 <= a.slot.0, "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn heights_and_widths_are_proportional_to_traffic() {
        let f = flows().scaled(1000.0);
        let l = layout(&f, 1000.0, &Columns::by_step(&f), 1000.0, 300.0).unwrap();
        assert!(l.scale > 0.0);
        for n in &l.nodes {
            assert!((n.height - n.value * l.scale).abs() < 1e-9);
        }
        for b in &l.bands {
            assert!((b.width - b.value * l.scale).abs() < 1e-9);
        }
        // Bands leaving a node fill its bar (no repeats here), and so do bands arriving.
        for (i, n) in l.nodes.iter().enumerate() {
            let out: f64 = l
                .bands
                .iter()
                .filter(|b| b.from == i)
                .map(|b| b.width)
                .sum();
            let into: f64 = l.bands.iter().filter(|b| b.to == i).map(|b| b.width).sum();
            if n.kind != NodeKind::Conversion && n.kind != NodeKind::DropOut {
                assert!((out - n.height).abs() < 1e-6, "{n:?}");
            }
            if n.kind != NodeKind::Start {
                assert!((into - n.height).abs() < 1e-6, "{n:?}");
            }
            // Stacked bands stay inside their bar.
            for b in l.bands.iter().filter(|b| b.from == i) {
                assert!(b.y.0 >= n.y - 1e-9 && b.y.0 + b.width <= n.y + n.height + 1e-6);
            }
        }
        // The exits hold every journey: 0.4 convert, 0.6 drop out.
        let exit = |k| l.nodes.iter().find(|n| n.kind == k).unwrap().value;
        assert!((exit(NodeKind::Conversion) - 400.0).abs() < 1e-9);
        assert!((exit(NodeKind::DropOut) - 600.0).abs() < 1e-9);
    }

    #[test]
    fn labels_fit_between_columns_even_with_many_stages() {
        // A chain of 10 touchpoints with long names, one stage each: narrow columns.
        let n = 10;
        let touchpoints = (0..n)
            .map(|i| {
                let entries = if i == 0 { 1.0 } else { 0.0 };
                let visits = 0.9_f64.powi(i as i32);
                let drop = if i + 1 == n { 0.0 } else { 0.1 * visits };
                let conv = if i + 1 == n { visits } else { 0.0 };
                touchpoint(
                    &format!("touchpoint_with_a_long_name_{i}"),
                    entries,
                    visits,
                    conv,
                    drop,
                    i as f64 + 1.0,
                )
            })
            .collect();
        let links = (0..n - 1)
            .map(|i| Link {
                from: i,
                to: i + 1,
                journeys: 0.9_f64.powi(i as i32 + 1),
            })
            .collect();
        let f = JourneyFlows {
            touchpoints,
            links,
            conversion_probability: 0.9_f64.powi(n as i32 - 1),
        };
        let stages = StageMap {
            stages: (0..n).map(|i| format!("stage {i}")).collect(),
            touchpoints: (0..n)
                .map(|i| {
                    (
                        format!("touchpoint_with_a_long_name_{i}"),
                        format!("stage {i}"),
                    )
                })
                .collect(),
        };
        let f = f.scaled(123_456.0);
        let l = layout(
            &f,
            123_456.0,
            &Columns::by_stage(&f, &stages),
            1280.0,
            500.0,
        )
        .unwrap();
        let step = l.column_x[1] - l.column_x[0];
        for node in &l.nodes {
            let room = if node.kind == NodeKind::Conversion || node.kind == NodeKind::DropOut {
                EXIT_LABELS - NODE
            } else {
                step - NODE - 2.0 * LABEL_GAP
            };
            for (i, line) in node.label.iter().enumerate() {
                assert!(
                    text_width(line, LABEL, i < node.name_lines) <= room,
                    "{line} in {room}"
                );
            }
            // The label fits its slot.
            assert!(node.label.len() as f64 * LINE <= node.slot.1 - node.slot.0 + 1e-9);
        }
        assert_eq!(
            l.nodes.last().unwrap().x + NODE + EXIT_LABELS,
            1280.0 - MARGIN
        );
    }

    #[test]
    fn stages_make_the_columns() {
        let f = flows();
        let stages = StageMap {
            stages: vec!["Awareness".into(), "Purchase".into()],
            touchpoints: [("a", "Awareness"), ("b", "Purchase")]
                .map(|(t, s)| (t.to_owned(), s.to_owned()))
                .into_iter()
                .collect(),
        };
        let columns = Columns::by_stage(&f, &stages);
        assert_eq!(columns.names, ["Awareness", "Purchase", "no stage"]);
        assert_eq!(columns.of_touchpoint, [0, 1, 2]);
        let (svg, _) = journey_map_chart(&f.scaled(100.0), 100.0, &columns, 1100.0, 400.0).unwrap();
        assert!(svg.contains("leak 1: 20.0"), "{svg}");
        roxmltree::Document::parse(&svg).unwrap();
    }
}
