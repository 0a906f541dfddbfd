//! The report as one self-contained HTML page (`journeysim report`): headline figures, the
//! journey map, attribution, the funnel, top converting paths and what-if scenarios, every
//! chart an inline SVG with its numbers in a table under it and a link that saves it as an SVG
//! file. Nothing is fetched: no external fonts, scripts, images or stylesheets, no JavaScript
//! (the attribution methods are CSS-only tabs), so the file opens from a mail attachment; it
//! prints on A4 landscape.
//!
//! The page is built from plain data, an [`Overview`]: [`document`] is the whole file,
//! [`body`] the sections alone and [`STYLE`] their CSS, so another page (a web app) can show
//! the same views inside its own.

mod table;

use std::fmt::Write as _;

use journeysim_core::attribution::{Attribution, AttributionMethod};
use journeysim_core::error::Result;
use journeysim_core::funnel::Funnel;
use journeysim_core::journey_flows::JourneyFlows;
use journeysim_core::stages::StageMap;
use journeysim_core::top_paths::TopPaths;
use journeysim_core::whatif::WhatIf;

use crate::figures::grouped;
use crate::svg::sankey::{Columns, journey_map_chart};
use crate::svg::{Size, attribution_chart, credits, funnel_chart, method_title, whatif_chart};
pub use table::{Column, Figure, Kind, Table, figure_list};

/// The headline figures.
#[derive(Debug, Clone, PartialEq)]
pub struct Headline {
    /// Journeys observed, when the input has data (or a model file records them).
    pub journeys: Option<f64>,
    /// Conversions observed, when the input has data.
    pub conversions: Option<f64>,
    /// Exact P(conversion) of the chain (a map's mixture of personas).
    pub conversion_probability: f64,
    /// Exact expected value per journey.
    pub value_per_journey: f64,
}

/// A channel's exact Markov removal effect, when there are no data to attribute (a model file
/// or a journey map).
#[derive(Debug, Clone, PartialEq)]
pub struct RemovalCredit {
    /// The channel.
    pub channel: String,
    /// Share of P(conversion) lost without it.
    pub removal_effect: f64,
    /// Share of value lost without it.
    pub removal_effect_value: f64,
    /// Its share of the credit: its removal effect over the sum of all.
    pub share: f64,
    /// With costs over a period: the conversions and value its share of the credit earns in
    /// the period, its cost, CPA and ROAS.
    pub costs: Option<RemovalCost>,
}

/// A channel's money figures under Markov credit shares over a costed period.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RemovalCost {
    /// Conversions credited per period: `share x P(conversion) x period journeys`.
    pub conversions: f64,
    /// Value credited per period: its value share (removal effect on value over the sum of
    /// all) times the value per journey and the period's journeys.
    pub value: f64,
    /// Its cost, when the costs file has one.
    pub cost: Option<f64>,
    /// `cost / conversions`.
    pub cpa: Option<f64>,
    /// `value / cost`.
    pub roas: Option<f64>,
}

/// Everything the report shows, as plain data; `None` where the input lacks it.
#[derive(Debug, Clone, PartialEq)]
pub struct Overview {
    /// The input's name (shown in captions, not titles).
    pub input: String,
    /// `paths`, `events`, `model` or `map`.
    pub input_kind: String,
    /// The Markov order of the chain.
    pub order: usize,
    /// The currency of money figures, when a costs file named one.
    pub currency: Option<String>,
    /// The headline figures.
    pub headline: Headline,
    /// The expected traffic between touchpoints, per journey.
    pub flows: JourneyFlows,
    /// The stages, when known (`--stages`, a map's own, a model's attached map).
    pub stages: Option<StageMap>,
    /// Attribution of the data by every method computed (data only).
    pub attribution: Option<Attribution>,
    /// Markov removal effects of the chain (used when there is no `attribution`).
    pub removal_effects: Vec<RemovalCredit>,
    /// The stage funnel, when there are stages.
    pub funnel: Option<Funnel>,
    /// Top converting paths (data only).
    pub top_paths: Option<TopPaths>,
    /// The what-if scenarios, when any were given.
    pub whatif: Option<WhatIf>,
    /// Warnings about the input, shown at the end.
    pub warnings: Vec<String>,
}

/// The page's CSS: screen and print (A4 landscape), the CSS-only method tabs.
pub const STYLE: &str = r#"
:root { --ink: #1a1a1a; --grey: #555; --line: #d0d0d0; --accent: #0072b2; }
* { box-sizing: border-box; }
body { font-family: Helvetica, Arial, 'Liberation Sans', 'DejaVu Sans', sans-serif; color: var(--ink);
  margin: 0 auto; max-width: 1200px; padding: 16px 24px; line-height: 1.4; }
h1 { font-size: 1.7rem; margin: 0.2em 0; }
h2 { font-size: 1.3rem; margin: 1.4em 0 0.4em; border-bottom: 2px solid var(--accent); }
h3 { font-size: 1.05rem; margin: 0.8em 0 0.3em; }
p.note, .caption { color: var(--grey); font-size: 0.9rem; }
.side { display: flex; flex-wrap: wrap; gap: 0 32px; align-items: flex-start; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 8px 0; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 14px; min-width: 170px; }
.card .label { color: var(--grey); font-size: 0.85rem; }
.card .figure { font-size: 1.5rem; font-weight: bold; }
figure { margin: 8px 0; break-inside: avoid; page-break-inside: avoid; }
figure svg { width: 100%; height: auto; display: block; }
figcaption { color: var(--grey); font-size: 0.85rem; }
a.save { font-size: 0.85rem; }
table { border-collapse: collapse; margin: 6px 0 14px; font-size: 0.9rem; break-inside: auto; }
caption { text-align: left; font-weight: bold; padding: 4px 0; }
th, td { border-bottom: 1px solid var(--line); padding: 3px 8px; text-align: left; vertical-align: top; }
thead th { border-bottom: 2px solid var(--ink); }
tbody th { font-weight: normal; min-width: 12em; }
.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
thead .n { white-space: normal; }
tr { break-inside: avoid; page-break-inside: avoid; }
.tabs > input { position: absolute; opacity: 0; }
.tabs > label { display: inline-block; padding: 4px 12px; margin: 0 2px 6px 0; border: 1px solid var(--line);
  border-radius: 4px; cursor: pointer; }
.tabs > input:checked + label { background: var(--accent); color: #fff; border-color: var(--accent); }
.tabs > input:focus-visible + label { outline: 2px solid var(--ink); }
.tabs > .panel { display: none; }
#m-markov:checked ~ #p-markov, #m-first_touch:checked ~ #p-first_touch,
#m-last_touch:checked ~ #p-last_touch, #m-linear:checked ~ #p-linear,
#m-position_based:checked ~ #p-position_based, #m-time_decay:checked ~ #p-time_decay,
#m-shapley:checked ~ #p-shapley, #m-shapley_ordered:checked ~ #p-shapley_ordered { display: block; }
@page { size: A4 landscape; margin: 12mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  a.save, .tabs > label { display: none; }
  section { break-before: page; page-break-before: always; }
  section:first-of-type { break-before: auto; page-break-before: auto; }
  figure svg { max-height: 165mm; }
  h2 { break-after: avoid; page-break-after: avoid; }
}
"#;

/// `text` with the HTML special characters escaped (user data: channel names, file names).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Standard base64 (RFC 4648, with padding): the `data:` link that saves a chart.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The SVG namespace declaration: needed in a file of its own, implied inside an HTML page
/// (left out there, so the page holds no address at all).
const SVG_NAMESPACE: &str = " xmlns=\"http://www.w3.org/2000/svg\"";

/// A chart inline, a link saving the same SVG as `file`, and its caption; when the chart cannot
/// be drawn (too many rows for its size), a note saying why instead: the table under it still
/// holds every number.
fn figure(svg: Result<String>, file: &str, caption: &str) -> String {
    let svg = match svg {
        Ok(svg) => svg,
        Err(e) => {
            return note(&format!(
                "{caption}: the chart is left out ({e}); the table has every figure."
            ));
        }
    };
    let svg = svg.as_str();
    let inline = svg.replacen(SVG_NAMESPACE, "", 1);
    let label = format!("{}: chart", caption);
    let inline = inline.replacen(
        "<svg",
        &format!("<svg role=\"img\" aria-label=\"{}\"", escape(&label)),
        1,
    );
    format!(
        "<figure>\n{inline}<figcaption>{} <a class=\"save\" download=\"{file}\" \
         href=\"data:image/svg+xml;base64,{}\">Save as SVG</a></figcaption>\n</figure>\n",
        escape(caption),
        base64(svg.as_bytes())
    )
}

/// A note paragraph.
fn note(text: &str) -> String {
    format!("<p class=\"note\">{}</p>\n", escape(text))
}

/// The size of a bar chart inside the page (scaled to its width by CSS) with `rows` rows of
/// `bars` bars each: a slide's width, and as tall as its rows need (a slide at most, and at
/// least the smallest picture whose text stays apart), so one scenario is not a bar lost in
/// white space. A chart whose rows still do not fit folds or leaves a note ([`figure`]).
fn chart_size(rows: usize, bars: usize) -> Size {
    let per_row = 24 + 22 * bars as u32;
    Size {
        width: 1280,
        height: (330 + per_row * rows as u32).clamp(Size::MIN.height, Size::SLIDE.height),
    }
}

/// The whole file: the sections of [`body`] in a page with [`STYLE`].
pub fn document(overview: &Overview) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>Customer journey report</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <h1>Customer journey report</h1>\n<p class=\"note\">Input: {} ({}), Markov order {}.</p>\n\
         {}</body>\n</html>\n",
        escape(&overview.input),
        escape(&overview.input_kind),
        overview.order,
        body(overview)
    )
}

/// The report's sections as an HTML fragment, in order: headline figures, journey map,
/// attribution, funnel, top converting paths, scenarios, notes.
pub fn body(overview: &Overview) -> String {
    let mut out = String::new();
    out.push_str(&headline_section(overview));
    out.push_str(&journey_map_section(overview));
    out.push_str(&attribution_section(overview));
    out.push_str(&funnel_section(overview));
    out.push_str(&paths_section(overview));
    out.push_str(&scenario_section(overview));
    if !overview.warnings.is_empty() {
        out.push_str("<section id=\"notes\">\n<h2>Notes on the input</h2>\n<ul>\n");
        for w in &overview.warnings {
            let _ = writeln!(out, "<li>{}</li>", escape(w));
        }
        out.push_str("</ul>\n</section>\n");
    }
    out
}

/// A headline card.
fn card(label: &str, figure: &str) -> String {
    format!(
        "<div class=\"card\"><div class=\"label\">{}</div><div class=\"figure\">{}</div></div>\n",
        escape(label),
        escape(figure)
    )
}

fn headline_section(o: &Overview) -> String {
    let h = &o.headline;
    let mut out = String::from(
        "<section id=\"headline\">\n<h2>Headline figures</h2>\n<div class=\"cards\">\n",
    );
    if let Some(j) = h.journeys {
        out.push_str(&card("Journeys observed", &grouped(j, 0)));
    }
    out.push_str(&card(
        "Conversion probability",
        &format!("{}%", grouped(100.0 * h.conversion_probability, 2)),
    ));
    let money = |x: f64| match &o.currency {
        Some(c) => format!("{} {c}", grouped(x, 2)),
        None => grouped(x, 2),
    };
    out.push_str(&card("Value per journey", &money(h.value_per_journey)));
    out.push_str("</div>\n");
    let mut figures = Vec::new();
    let mut push = |key: &str, name: &str, value: f64, kind: Kind| {
        figures.push(Figure {
            key: key.into(),
            name: name.into(),
            value,
            kind,
        });
    };
    if let Some(j) = h.journeys {
        push("journeys", "Journeys observed", j, Kind::Number);
    }
    if let Some(c) = h.conversions {
        push("conversions", "Conversions observed", c, Kind::Number);
    }
    push(
        "conversion_probability",
        "Conversion probability (exact, from the chain)",
        h.conversion_probability,
        Kind::Percent,
    );
    push(
        "value_per_journey",
        "Value per journey (exact, from the chain)",
        h.value_per_journey,
        Kind::Money(o.currency.clone()),
    );
    out.push_str("<div class=\"side\">\n");
    out.push_str(&table::figure_list("Headline figures", &figures));
    match &o.funnel {
        Some(f) => {
            let observed = f.stages.iter().all(|s| s.observed.is_some());
            let mut columns = vec![
                Column::Text(f.stages.iter().map(|s| s.stage.clone()).collect()),
                Column::Figures(
                    Kind::Percent,
                    f.stages.iter().map(|s| Some(s.exact.reach)).collect(),
                ),
            ];
            let mut headings = vec!["Stage".into(), "Reached this stage (exact)".into()];
            if observed {
                columns.push(Column::Figures(
                    Kind::Percent,
                    f.stages
                        .iter()
                        .map(|s| s.observed.map(|x| x.reach))
                        .collect(),
                ));
                headings.push("Reached this stage (observed)".into());
            }
            out.push_str(
                &Table {
                    caption: "Reach per stage: the share of journeys that visit the stage".into(),
                    headings,
                    columns,
                    keys: Some(
                        f.stages
                            .iter()
                            .map(|s| format!("reach:{}", s.stage))
                            .collect(),
                    ),
                }
                .html(),
            );
        }
        None => out.push_str(&note(
            "No reach per stage: the input has no stages. Give --stages stages.json (a journey \
             map brings its own).",
        )),
    }
    out.push_str("</div>\n</section>\n");
    out
}

fn journey_map_section(o: &Overview) -> String {
    let flows = &o.flows;
    let (journeys, unit) = match o.headline.journeys {
        Some(j) if j > 0.0 => (j, "expected journeys, of the journeys observed".to_owned()),
        _ => (1000.0, "expected journeys per 1,000 journeys".to_owned()),
    };
    let scaled = flows.scaled(journeys);
    let (columns, how) = match &o.stages {
        Some(stages) => (
            Columns::by_stage(flows, stages),
            "Columns are the stages; a touchpoint sits in its stage's column.",
        ),
        None => (
            Columns::by_step(flows),
            "Without stages, each touchpoint sits in the column of its typical step: the mean \
             position of its visits in their journeys, rounded (step 1 = the first touch).",
        ),
    };
    let mut out = String::from("<section id=\"journey-map\">\n<h2>The journey map</h2>\n");
    out.push_str(&note(&format!(
        "Journeys flow from their first touch (left) through the touchpoints to conversion or \
         drop-out (right). Each band is as wide as the journeys expected to make that move \
         (exact, from the chain: the expected visits of each state times its transition \
         probabilities, states counted at their last touch); figures are {unit}. {how} Grey \
         bands go back to an earlier or the same column; moves of less than 0.5% of all \
         journeys are not drawn (the tables list every move). The largest drop-outs are \
         tagged \"leak\"."
    )));
    let svg = journey_map_chart(&scaled, journeys, &columns, 1280.0, 620.0).map(|(svg, _)| svg);
    out.push_str(&figure(svg, "journey-map.svg", "The journey map"));
    let stage_of = |t: usize| columns.names[columns.of_touchpoint[t]].clone();
    let order: Vec<usize> = {
        let mut v: Vec<usize> = (0..flows.touchpoints.len()).collect();
        v.sort_by_key(|&t| {
            (
                columns.of_touchpoint[t],
                flows.touchpoints[t].touchpoint.clone(),
            )
        });
        v
    };
    let col = |f: &dyn Fn(usize) -> f64| -> Column {
        Column::Figures(Kind::Number, order.iter().map(|&t| Some(f(t))).collect())
    };
    let t = &scaled.touchpoints;
    out.push_str("<div class=\"side\">\n");
    out.push_str(
        &Table {
            caption: format!("Touchpoints ({unit})"),
            headings: [
                "Touchpoint",
                if o.stages.is_some() {
                    "Stage"
                } else {
                    "Column"
                },
                "First touches",
                "Visits",
                "Repeats",
                "Conversions",
                "Drop-outs",
            ]
            .map(String::from)
            .to_vec(),
            columns: vec![
                Column::Text(order.iter().map(|&i| t[i].touchpoint.clone()).collect()),
                Column::Text(order.iter().map(|&i| stage_of(i)).collect()),
                col(&|i| t[i].entries),
                col(&|i| t[i].visits),
                col(&|i| t[i].repeats),
                col(&|i| t[i].conversions),
                col(&|i| t[i].drop_outs),
            ],
            keys: Some(
                order
                    .iter()
                    .map(|&i| format!("touchpoint:{}", t[i].touchpoint))
                    .collect(),
            ),
        }
        .html(),
    );
    let leaks = scaled.leaks();
    let shown: Vec<usize> = leaks.iter().copied().take(5).collect();
    out.push_str(
        &Table {
            caption: "The biggest leaks: where journeys end without converting".into(),
            headings: [
                "Touchpoint",
                "Drop-outs",
                "Share of all journeys",
                "Share of its visits",
            ]
            .map(String::from)
            .to_vec(),
            columns: vec![
                Column::Text(shown.iter().map(|&i| t[i].touchpoint.clone()).collect()),
                Column::Figures(
                    Kind::Number,
                    shown.iter().map(|&i| Some(t[i].drop_outs)).collect(),
                ),
                Column::Figures(
                    Kind::Percent,
                    shown
                        .iter()
                        .map(|&i| Some(flows.touchpoints[i].drop_outs))
                        .collect(),
                ),
                Column::Figures(
                    Kind::Percent,
                    shown
                        .iter()
                        .map(|&i| {
                            let own = &flows.touchpoints[i];
                            (own.visits > 0.0).then(|| own.drop_outs / own.visits)
                        })
                        .collect(),
                ),
            ],
            keys: None,
        }
        .html(),
    );
    out.push_str("</div>\n");
    let mut links = scaled.links.clone();
    links.sort_by(|a, b| b.journeys.total_cmp(&a.journeys));
    let moves = links.len();
    let links_table = Table {
        caption: format!("Moves between touchpoints, largest first ({unit})"),
        headings: ["From", "To", "Journeys"].map(String::from).to_vec(),
        columns: vec![
            Column::Text(links.iter().map(|l| t[l.from].touchpoint.clone()).collect()),
            Column::Text(links.iter().map(|l| t[l.to].touchpoint.clone()).collect()),
            Column::Figures(
                Kind::Number,
                links.iter().map(|l| Some(l.journeys)).collect(),
            ),
        ],
        keys: Some(
            links
                .iter()
                .map(|l| format!("link:{}|{}", t[l.from].touchpoint, t[l.to].touchpoint))
                .collect(),
        ),
    }
    .html();
    let _ = writeln!(
        out,
        "<details>\n<summary>All {moves} moves between touchpoints</summary>\n{links_table}</details>"
    );
    out.push_str("</section>\n");
    out
}

fn attribution_section(o: &Overview) -> String {
    let mut out = String::from("<section id=\"attribution\">\n<h2>Attribution</h2>\n");
    let Some(result) = &o.attribution else {
        out.push_str(&note(
            "Only Markov removal effects exist for a model or a journey map: the heuristic \
             methods (first touch, last touch, linear, position-based, time decay) and Shapley \
             credit the touches of observed journeys, which a model or a map does not hold. \
             Give a paths file or an event log to compare them.",
        ));
        let mut rows: Vec<&RemovalCredit> = o.removal_effects.iter().collect();
        rows.sort_by(|a, b| {
            b.removal_effect
                .total_cmp(&a.removal_effect)
                .then_with(|| a.channel.cmp(&b.channel))
        });
        let mut headings: Vec<String> = [
            "Channel",
            "Removal effect (conversions)",
            "Removal effect (value)",
            "Share of credit",
        ]
        .map(String::from)
        .to_vec();
        let mut columns = vec![
            Column::Text(rows.iter().map(|r| r.channel.clone()).collect()),
            Column::Figures(
                Kind::Percent,
                rows.iter().map(|r| Some(r.removal_effect)).collect(),
            ),
            Column::Figures(
                Kind::Percent,
                rows.iter().map(|r| Some(r.removal_effect_value)).collect(),
            ),
            Column::Figures(Kind::Percent, rows.iter().map(|r| Some(r.share)).collect()),
        ];
        if rows.iter().any(|r| r.costs.is_some()) {
            let money = Kind::Money(o.currency.clone());
            let of = |f: fn(&RemovalCost) -> Option<f64>| -> Vec<Option<f64>> {
                rows.iter().map(|r| r.costs.as_ref().and_then(f)).collect()
            };
            headings.extend(
                [
                    "Conversions credited per period",
                    "Value credited per period",
                    "Cost",
                    "CPA",
                    "ROAS",
                ]
                .map(String::from),
            );
            columns.push(Column::Figures(Kind::Number, of(|c| Some(c.conversions))));
            columns.push(Column::Figures(money.clone(), of(|c| Some(c.value))));
            columns.push(Column::Figures(money.clone(), of(|c| c.cost)));
            columns.push(Column::Figures(money, of(|c| c.cpa)));
            columns.push(Column::Figures(Kind::Number, of(|c| c.roas)));
        }
        out.push_str(
            &Table {
                caption: "Markov removal effects (exact), largest first".into(),
                headings,
                columns,
                keys: Some(
                    rows.iter()
                        .map(|r| format!("removal:{}", r.channel))
                        .collect(),
                ),
            }
            .html(),
        );
        out.push_str("</section>\n");
        return out;
    };
    let methods: Vec<AttributionMethod> = AttributionMethod::ALL
        .into_iter()
        .filter(|&m| result.channels.iter().any(|c| credits(c, m).0.is_some()))
        .collect();
    out.push_str(&note(
        "One method at a time (Markov removal effects by default); channels sorted by the \
         conversions the method credits them with.",
    ));
    out.push_str("<div class=\"tabs\">\n");
    for (i, m) in methods.iter().enumerate() {
        let _ = writeln!(
            out,
            "<input type=\"radio\" name=\"method\" id=\"m-{0}\"{1}/><label for=\"m-{0}\">{2}</label>",
            m.name(),
            if i == 0 { " checked=\"checked\"" } else { "" },
            escape(method_title(*m))
        );
    }
    let currency = result.model.costs.as_ref().and_then(|c| c.currency.clone());
    for &m in &methods {
        let _ = writeln!(out, "<div class=\"panel\" id=\"p-{}\">", m.name());
        let svg = attribution_chart(result, m, chart_size(result.channels.len(), 1));
        out.push_str(&figure(
            svg,
            &format!("attribution-{}.svg", m.name()),
            &format!("Conversions credited by channel: {}", method_title(m)),
        ));
        let mut rows: Vec<_> = result
            .channels
            .iter()
            .filter_map(|c| {
                let (conv, value) = credits(c, m);
                Some((c, conv?, value))
            })
            .collect();
        rows.sort_by(|a, b| {
            b.1.total_cmp(&a.1)
                .then_with(|| a.0.channel.cmp(&b.0.channel))
        });
        let total: f64 = rows.iter().map(|r| r.1).sum();
        let mut headings: Vec<String> = ["Channel", "Conversions credited", "Share"]
            .map(String::from)
            .to_vec();
        let mut columns = vec![
            Column::Text(rows.iter().map(|r| r.0.channel.clone()).collect()),
            Column::Figures(Kind::Number, rows.iter().map(|r| Some(r.1)).collect()),
            Column::Figures(
                Kind::Percent,
                rows.iter()
                    .map(|r| (total > 0.0).then(|| r.1 / total))
                    .collect(),
            ),
        ];
        if m == AttributionMethod::Markov
            && rows.iter().any(|r| r.0.markov_conversions_ci.is_some())
        {
            headings.push("Interval (conversions)".into());
            columns.push(Column::Intervals(
                Kind::Number,
                rows.iter().map(|r| r.0.markov_conversions_ci).collect(),
            ));
        }
        if result.model.total_value > 0.0 {
            headings.push("Value credited".into());
            columns.push(Column::Figures(
                Kind::Money(currency.clone()),
                rows.iter().map(|r| r.2).collect(),
            ));
        }
        if result.model.costs.is_some() {
            let efficiency = |c: &journeysim_core::attribution::ChannelAttribution| {
                c.costs.as_ref().and_then(|k| {
                    k.methods
                        .iter()
                        .find(|e| e.method == m.name())
                        .map(|e| (k.cost, e.cpa, e.roas))
                })
            };
            headings.extend(["Cost", "CPA", "ROAS"].map(String::from));
            columns.push(Column::Figures(
                Kind::Money(currency.clone()),
                rows.iter()
                    .map(|r| r.0.costs.as_ref().and_then(|k| k.cost))
                    .collect(),
            ));
            columns.push(Column::Figures(
                Kind::Money(currency.clone()),
                rows.iter()
                    .map(|r| efficiency(r.0).and_then(|e| e.1))
                    .collect(),
            ));
            columns.push(Column::Figures(
                Kind::Number,
                rows.iter()
                    .map(|r| efficiency(r.0).and_then(|e| e.2))
                    .collect(),
            ));
        }
        out.push_str(
            &Table {
                caption: format!("Credits: {}", method_title(m)),
                headings,
                columns,
                keys: Some(
                    rows.iter()
                        .map(|r| format!("{}:{}", m.name(), r.0.channel))
                        .collect(),
                ),
            }
            .html(),
        );
        out.push_str("</div>\n");
    }
    out.push_str("</div>\n");
    if let Some(i) = &result.model.intervals {
        out.push_str(&note(&format!(
            "Intervals: {:.0}% Bayesian-bootstrap percentile intervals of the Markov credits ({} \
             resamples, seed {}).",
            100.0 * i.level,
            i.resamples,
            i.seed
        )));
    }
    out.push_str("</section>\n");
    out
}

fn funnel_section(o: &Overview) -> String {
    let mut out = String::from("<section id=\"funnel\">\n<h2>The funnel</h2>\n");
    let Some(f) = &o.funnel else {
        out.push_str(&note(
            "No funnel: the input has no stages. Give --stages stages.json (a journey map brings \
             its own stages; a model file may have them attached by `journeysim fit --stages`).",
        ));
        out.push_str("</section>\n");
        return out;
    };
    out.push_str(&note(
        "Two measures per stage. \"Reached this stage\": the share of all journeys that visit \
         one of its touchpoints. \"Reached this stage or a later one\": the share that visit it \
         or any later stage, i.e. that got at least this far; it never rises from one stage to \
         the next. Stages are not nested (a journey can skip a stage or start late), so the \
         first measure can rise.",
    ));
    let svg = funnel_chart(f, chart_size(f.stages.len(), 2));
    out.push_str(&figure(
        svg,
        "funnel.svg",
        "Share of journeys reaching each stage",
    ));
    let s = &f.stages;
    let mut headings: Vec<String> = [
        "Stage",
        "Reached this stage",
        "Reached this stage or a later one",
        "Converted from it",
        "Dropped out there",
        "Drop-out rate",
    ]
    .map(String::from)
    .to_vec();
    let mut columns = vec![
        Column::Text(s.iter().map(|x| x.stage.clone()).collect()),
        Column::Figures(
            Kind::Percent,
            s.iter().map(|x| Some(x.exact.reach)).collect(),
        ),
        Column::Figures(
            Kind::Percent,
            s.iter().map(|x| Some(x.exact.reach_or_later)).collect(),
        ),
        Column::Figures(
            Kind::Percent,
            s.iter().map(|x| Some(x.exact.convert)).collect(),
        ),
        Column::Figures(
            Kind::Percent,
            s.iter().map(|x| Some(x.exact.drop_out)).collect(),
        ),
        Column::Figures(
            Kind::Percent,
            s.iter().map(|x| Some(x.exact.drop_out_rate)).collect(),
        ),
    ];
    if s.iter().all(|x| x.observed.is_some()) {
        headings.push("Reached (observed)".into());
        columns.push(Column::Figures(
            Kind::Percent,
            s.iter().map(|x| x.observed.map(|y| y.reach)).collect(),
        ));
    }
    if s.iter().any(|x| x.costs.is_some()) {
        headings.push("Cost".into());
        columns.push(Column::Figures(
            Kind::Money(o.currency.clone()),
            s.iter().map(|x| x.costs.and_then(|c| c.cost)).collect(),
        ));
    }
    out.push_str(
        &Table {
            caption: "The funnel, exact shares of all journeys (from the chain)".into(),
            headings,
            columns,
            keys: Some(s.iter().map(|x| format!("stage:{}", x.stage)).collect()),
        }
        .html(),
    );
    out.push_str("</section>\n");
    out
}

fn paths_section(o: &Overview) -> String {
    let mut out = String::from("<section id=\"paths\">\n<h2>Top converting paths</h2>\n");
    let Some(p) = &o.top_paths else {
        out.push_str(&note(
            "No paths: a model or a journey map holds transition probabilities, not observed \
             journeys, so it has no paths to rank. Give a paths file or an event log.",
        ));
        out.push_str("</section>\n");
        return out;
    };
    let rows = &p.by_conversions;
    out.push_str(
        &Table {
            caption: format!(
                "The paths with the most conversions ({} journeys, {} distinct paths); \
                 95% Wilson intervals of the conversion rate",
                grouped(p.journeys, 0),
                grouped(p.distinct_paths as f64, 0)
            ),
            headings: [
                "Path",
                "Journeys",
                "Conversions",
                "Conversion rate",
                "Interval",
                "Value",
            ]
            .map(String::from)
            .to_vec(),
            columns: vec![
                Column::Text(rows.iter().map(|r| r.path.clone()).collect()),
                Column::Figures(
                    Kind::Number,
                    rows.iter().map(|r| Some(r.journeys)).collect(),
                ),
                Column::Figures(
                    Kind::Number,
                    rows.iter().map(|r| Some(r.conversions)).collect(),
                ),
                Column::Figures(
                    Kind::Percent,
                    rows.iter().map(|r| Some(r.conversion_rate)).collect(),
                ),
                Column::Intervals(
                    Kind::Percent,
                    rows.iter().map(|r| Some(r.conversion_rate_ci)).collect(),
                ),
                Column::Figures(
                    Kind::Money(o.currency.clone()),
                    rows.iter().map(|r| Some(r.value)).collect(),
                ),
            ],
            keys: Some(rows.iter().map(|r| format!("path:{}", r.path)).collect()),
        }
        .html(),
    );
    out.push_str("</section>\n");
    out
}

fn scenario_section(o: &Overview) -> String {
    let Some(w) = &o.whatif else {
        return String::new();
    };
    let mut out = String::from("<section id=\"scenarios\">\n<h2>What-if scenarios</h2>\n");
    out.push_str(&note(&format!(
        "Each scenario against the baseline: the exact change (from the chain) and the \
         simulated change with its 95% interval ({} journeys per arm, the scenario and the \
         baseline walked with the same random numbers, seed {}).",
        grouped(w.journeys as f64, 0),
        w.seed
    )));
    let svg = whatif_chart(w, chart_size(w.scenarios.len(), 1));
    out.push_str(&figure(
        svg,
        "scenarios.svg",
        "What-if: the change each scenario makes",
    ));
    let s = &w.scenarios;
    let mut headings: Vec<String> = [
        "Scenario",
        "P(conversion), baseline",
        "P(conversion), scenario",
        "Exact change in conversions",
        "Simulated change in conversions",
        "Interval",
    ]
    .map(String::from)
    .to_vec();
    let mut columns = vec![
        Column::Text(s.iter().map(|x| x.name.clone()).collect()),
        Column::Figures(
            Kind::Percent,
            s.iter()
                .map(|x| Some(x.baseline.conversion_probability))
                .collect(),
        ),
        Column::Figures(
            Kind::Percent,
            s.iter()
                .map(|x| Some(x.scenario.conversion_probability))
                .collect(),
        ),
        Column::Figures(
            Kind::Number,
            s.iter()
                .map(|x| Some(x.difference.expected_conversions))
                .collect(),
        ),
        Column::Figures(
            Kind::Number,
            s.iter().map(|x| Some(x.difference.conversions)).collect(),
        ),
        Column::Intervals(
            Kind::Number,
            s.iter()
                .map(|x| Some(x.difference.conversions_ci))
                .collect(),
        ),
    ];
    if s.iter()
        .any(|x| x.baseline.value > 0.0 || x.scenario.value > 0.0)
    {
        headings.extend(
            [
                "Exact change in value",
                "Simulated change in value",
                "Interval (value)",
            ]
            .map(String::from),
        );
        let money = Kind::Money(w.currency.clone());
        columns.push(Column::Figures(
            money.clone(),
            s.iter()
                .map(|x| Some(x.difference.expected_value))
                .collect(),
        ));
        columns.push(Column::Figures(
            money.clone(),
            s.iter().map(|x| Some(x.difference.value)).collect(),
        ));
        columns.push(Column::Intervals(
            money,
            s.iter().map(|x| Some(x.difference.value_ci)).collect(),
        ));
    }
    out.push_str(
        &Table {
            caption: format!("Changes per {} journeys", grouped(w.journeys as f64, 0)),
            headings,
            columns,
            keys: Some(s.iter().map(|x| format!("scenario:{}", x.name)).collect()),
        }
        .html(),
    );
    for x in s {
        if !x.description.is_empty() {
            out.push_str(&note(&format!("{}: {}", x.name, x.description)));
        }
    }
    for warning in &w.warnings {
        out.push_str(&note(&format!("Note: {warning}")));
    }
    out.push_str("</section>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_is_rfc_4648() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64(&[0xff, 0xfe]), "//4=");
    }

    #[test]
    fn a_chart_that_cannot_be_drawn_leaves_a_note_not_a_failed_page() {
        let error = journeysim_core::Error::Invalid("40 scenarios do not fit <here>".into());
        let html = figure(Err(error), "x.svg", "What-if");
        assert!(
            html.starts_with("<p class=\"note\">What-if: the chart is left out"),
            "{html}"
        );
        assert!(html.contains("&lt;here&gt;") && !html.contains("<svg"));
        let html = figure(
            Ok("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1\"></svg>".into()),
            "x.svg",
            "A & B",
        );
        assert!(
            html.contains("<svg role=\"img\" aria-label=\"A &amp; B: chart\" width=\"1\">"),
            "{html}"
        );
        assert!(html.contains("download=\"x.svg\" href=\"data:image/svg+xml;base64,PHN2Zy"));
        assert!(!html.contains("http://"));
    }

    #[test]
    fn names_are_escaped() {
        assert_eq!(escape("<script>&'\""), "&lt;script&gt;&amp;&#39;&quot;");
    }
}
