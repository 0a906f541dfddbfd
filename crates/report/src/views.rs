//! [`Report`] implementations: how each result reads as a table and as CSV.

use super::table::{Cell, Figures, num, pct};
use super::{Report, Table, number};
use journeysim_core::attribution::segments::SegmentedAttribution;
use journeysim_core::attribution::{Attribution, ChannelAttribution};
use journeysim_core::model::document::ModelDocument;
use journeysim_core::top_paths::{PathEntry, TopPaths};

impl Report for Attribution {
    fn table(&self) -> String {
        let m = &self.model;
        let mut out = format!(
            "{}: order {}, {} states, {} channels; {} journeys, {} conversions, value {}\n\
             P(conversion) = {:.6}, value per journey = {:.6} (exact, from the chain)\n",
            m.input,
            m.order,
            m.states,
            m.channels,
            number(m.journeys),
            number(m.total_conversions),
            number(m.total_value),
            m.conversion_probability,
            m.value_per_journey,
        );
        if m.unattributed_conversions > 0.0 {
            out.push_str(&format!(
                "unattributed: {} conversions, value {} (no touch left in their journey; every \
                 method credits only the {} above)\n",
                number(m.unattributed_conversions),
                number(m.unattributed_value),
                number(m.total_conversions),
            ));
        }
        if let Some(i) = &m.intervals {
            out.push_str(&format!(
                "intervals: {:.0}% percentile, {} resamples ({}), seed {}\n",
                i.level * 100.0,
                i.resamples,
                i.method.replace('_', " "),
                i.seed
            ));
        }
        if let (Some(costs), Some(source)) = (&m.costs, &m.cost_input) {
            out.push_str(&super::costs::summary_line(source, costs));
        }
        out.push('\n');
        let columns = attribution_columns(self);
        let mut t = Table::new(columns.iter().map(|c| c.0));
        for (i, c) in self.channels.iter().enumerate() {
            t.row(
                std::iter::once(Cell::from(c.channel.clone())).chain(
                    columns
                        .iter()
                        .skip(1)
                        .map(|(_, cell)| cell(&self.channels[i])),
                ),
            );
        }
        out.push_str(&t.render());
        if let Some(positions) = self
            .channels
            .first()
            .and_then(|c| c.shapley_ordered.as_ref())
            .map(Vec::len)
        {
            out.push_str("\nOrdered Shapley: conversions credited by the position at which each channel joins the journey\n");
            let header: Vec<String> = std::iter::once("channel".to_string())
                .chain((1..=positions).map(|p| format!("pos {p}")))
                .collect();
            let mut t = Table::new(header);
            for c in &self.channels {
                let cells = c.shapley_ordered.iter().flatten().map(|&x| num(x));
                t.row(std::iter::once(Cell::from(c.channel.clone())).chain(cells));
            }
            out.push_str(&t.render());
        }
        let priced = self
            .channels
            .iter()
            .filter_map(|c| Some((c.channel.as_str(), c.costs.as_ref()?)));
        let currency = m.costs.as_ref().and_then(|c| c.currency.as_deref());
        out.push_str(&super::costs::efficiency_tables(priced, currency));
        out
    }

    fn csv(&self, writer: &mut csv::Writer<Vec<u8>>) -> csv::Result<()> {
        channel_csv(writer, None, &[("", self)])
    }
}

/// Writes the channel rows of several attributions under one header. Results can differ in
/// their columns (ordered Shapley has one column per position, and segments see different
/// journey lengths), so the header is the widest row's and missing cells stay empty. With
/// `group_column`, each row starts with its group's name (e.g. the segment).
pub(crate) fn channel_csv(
    writer: &mut csv::Writer<Vec<u8>>,
    group_column: Option<&str>,
    groups: &[(&str, &Attribution)],
) -> csv::Result<()> {
    // Rows are formatted one at a time, twice (once to find the header, once to write): holding
    // every row's cells at once took gigabytes for thousands of segments times channels. Each
    // group ends with its (unattributed) row when it has conversions without a touch.
    let unattributed: Vec<Option<ChannelAttribution>> =
        groups.iter().map(|(_, r)| unattributed_row(r)).collect();
    let rows = || {
        groups
            .iter()
            .zip(&unattributed)
            .flat_map(|((group, result), extra)| {
                result
                    .channels
                    .iter()
                    .chain(extra.as_ref())
                    .map(move |c| (*group, c))
            })
    };
    // The header is the last of the widest rows' field names, as `max_by_key` picks it.
    let Some((_, widest)) = rows().max_by_key(|(_, c)| csv_fields(c).len()) else {
        return Ok(());
    };
    let widest = csv_fields(widest);
    let header: Vec<&str> = widest.iter().map(|(name, _)| name.as_str()).collect();
    writer.write_record(group_column.into_iter().chain(header.iter().copied()))?;
    for (group, c) in rows() {
        let fields = csv_fields(c);
        let cell = |name: &str| {
            fields
                .iter()
                .find(|(n, _)| n == name)
                .map_or("", |(_, v)| v.as_str())
        };
        let cells = header.iter().map(|h| cell(h));
        match group_column {
            Some(_) => writer.write_record(std::iter::once(group).chain(cells))?,
            None => writer.write_record(cells)?,
        }
    }
    Ok(())
}

/// The CSV row `(unattributed)` of conversions that kept no touch, when there are any: each
/// method's credit columns hold them (conversions, or value), so every method's column adds up
/// to all conversions; the removal effects, intervals and ordered Shapley stay empty.
fn unattributed_row(result: &Attribution) -> Option<ChannelAttribution> {
    let m = &result.model;
    if m.unattributed_conversions <= 0.0 {
        return None;
    }
    let first = result.channels.first()?;
    let (c, v) = (Some(m.unattributed_conversions), Some(m.unattributed_value));
    let same = |present: Option<f64>, x: Option<f64>| present.and(x);
    Some(ChannelAttribution {
        channel: "(unattributed)".into(),
        removal_effect: None,
        removal_effect_value: None,
        markov_conversions: same(first.markov_conversions, c),
        markov_value: same(first.markov_value, v),
        removal_effect_ci: None,
        markov_conversions_ci: None,
        markov_value_ci: None,
        first_touch: same(first.first_touch, c),
        last_touch: same(first.last_touch, c),
        linear: same(first.linear, c),
        position_based: same(first.position_based, c),
        time_decay: same(first.time_decay, c),
        first_touch_value: same(first.first_touch_value, v),
        last_touch_value: same(first.last_touch_value, v),
        linear_value: same(first.linear_value, v),
        position_based_value: same(first.position_based_value, v),
        time_decay_value: same(first.time_decay_value, v),
        shapley: same(first.shapley, c),
        shapley_value: same(first.shapley_value, v),
        shapley_ordered: None,
        shapley_ordered_value: None,
        costs: None,
    })
}

/// A table column: its header and how to fill a cell.
type Column = (&'static str, fn(&ChannelAttribution) -> Cell);

/// The table's columns: the channel, then every method present in the result. Removal effects
/// are shares, so they read as percentages; credits are conversions.
fn attribution_columns(result: &Attribution) -> Vec<Column> {
    let mut columns: Vec<Column> = vec![("channel", |c| c.channel.clone().into())];
    let Some(c) = result.channels.first() else {
        return columns;
    };
    if c.removal_effect.is_some() {
        columns.push(("removal_effect", |c| opt(c.removal_effect, pct)));
    }
    if c.removal_effect_ci.is_some() {
        columns.push(("removal_effect_ci", |c| {
            interval(c.removal_effect_ci, Figures::percent())
        }));
    }
    if c.markov_conversions.is_some() {
        columns.push(("markov_conversions", |c| opt(c.markov_conversions, num)));
    }
    if c.markov_conversions_ci.is_some() {
        columns.push(("markov_conversions_ci", |c| {
            interval(c.markov_conversions_ci, Figures::new())
        }));
    }
    if c.markov_value.is_some() {
        columns.push(("markov_value", |c| opt(c.markov_value, num)));
    }
    if c.markov_value_ci.is_some() {
        columns.push(("markov_value_ci", |c| {
            interval(c.markov_value_ci, Figures::new())
        }));
    }
    let simple: [Column; 6] = [
        ("first_touch", |c| opt(c.first_touch, num)),
        ("last_touch", |c| opt(c.last_touch, num)),
        ("linear", |c| opt(c.linear, num)),
        ("position_based", |c| opt(c.position_based, num)),
        ("time_decay", |c| opt(c.time_decay, num)),
        ("shapley", |c| opt(c.shapley, num)),
    ];
    let present = [
        c.first_touch.is_some(),
        c.last_touch.is_some(),
        c.linear.is_some(),
        c.position_based.is_some(),
        c.time_decay.is_some(),
        c.shapley.is_some(),
    ];
    columns.extend(
        simple
            .into_iter()
            .zip(present)
            .filter(|(_, p)| *p)
            .map(|(col, _)| col),
    );
    columns
}

fn opt(x: Option<f64>, show: fn(f64) -> Cell) -> Cell {
    x.map_or_else(|| Cell::from(""), show)
}

fn interval(x: Option<[f64; 2]>, figures: Figures) -> Cell {
    x.map_or_else(|| Cell::from(""), |ci| figures.interval(ci, false).into())
}

/// One CSV row: the JSON fields in order, intervals as `_lo`/`_hi` columns and the ordered
/// Shapley vectors as one column per position (`shapley_ordered_1`, ...).
fn csv_fields(c: &ChannelAttribution) -> Vec<(String, String)> {
    let mut fields = vec![("channel".to_string(), c.channel.clone())];
    let mut number = |name: &str, x: Option<f64>| {
        if let Some(x) = x {
            fields.push((name.to_string(), format!("{x:?}")));
        }
    };
    number("removal_effect", c.removal_effect);
    number("removal_effect_value", c.removal_effect_value);
    number("markov_conversions", c.markov_conversions);
    number("markov_value", c.markov_value);
    for (name, ci) in [
        ("removal_effect_ci", c.removal_effect_ci),
        ("markov_conversions_ci", c.markov_conversions_ci),
        ("markov_value_ci", c.markov_value_ci),
    ] {
        number(&format!("{name}_lo"), ci.map(|x| x[0]));
        number(&format!("{name}_hi"), ci.map(|x| x[1]));
    }
    number("first_touch", c.first_touch);
    number("last_touch", c.last_touch);
    number("linear", c.linear);
    number("position_based", c.position_based);
    number("time_decay", c.time_decay);
    number("first_touch_value", c.first_touch_value);
    number("last_touch_value", c.last_touch_value);
    number("linear_value", c.linear_value);
    number("position_based_value", c.position_based_value);
    number("time_decay_value", c.time_decay_value);
    number("shapley", c.shapley);
    number("shapley_value", c.shapley_value);
    for (name, values) in [
        ("shapley_ordered", &c.shapley_ordered),
        ("shapley_ordered_value", &c.shapley_ordered_value),
    ] {
        for (p, &x) in values.iter().flatten().enumerate() {
            number(&format!("{name}_{}", p + 1), Some(x));
        }
    }
    if let Some(costs) = &c.costs {
        fields.extend(super::costs::csv_cells(costs));
    }
    fields
}

impl Report for SegmentedAttribution {
    fn table(&self) -> String {
        let mut out = format!("total (all segments)\n{}", self.total.table());
        let mut summary = Table::new([
            self.segment_col.as_str(),
            "journeys",
            "conversions",
            "P(conversion)",
            "value per journey",
        ]);
        for s in &self.segments {
            let m = &s.attribution.model;
            summary.row([
                s.segment.clone().into(),
                num(m.journeys),
                num(m.total_conversions),
                pct(m.conversion_probability),
                num(m.value_per_journey),
            ]);
        }
        out.push_str(&format!(
            "\nsegments by {}\n{}",
            self.segment_col,
            summary.render()
        ));
        for s in &self.segments {
            out.push_str(&format!(
                "\n{} = {}\n{}",
                self.segment_col,
                s.segment,
                s.attribution.table()
            ));
        }
        out
    }

    fn csv(&self, writer: &mut csv::Writer<Vec<u8>>) -> csv::Result<()> {
        // The channel rows of `attribute`, each with the segment in front ("(total)" for all).
        let groups: Vec<(&str, &Attribution)> = std::iter::once(("(total)", &self.total))
            .chain(
                self.segments
                    .iter()
                    .map(|s| (s.segment.as_str(), &s.attribution)),
            )
            .collect();
        channel_csv(writer, Some("segment"), &groups)
    }
}

/// Conversions by bucket (path length or time lag), empty buckets left out.
fn buckets_table(what: &str, buckets: &[journeysim_core::top_paths::Bucket]) -> Table {
    let mut t = Table::new([what, "conversions", "share", "value"]);
    for b in buckets.iter().filter(|b| b.conversions > 0.0) {
        t.row([
            b.bucket.clone().into(),
            num(b.conversions),
            pct(b.share),
            num(b.value),
        ]);
    }
    t
}

impl Report for TopPaths {
    fn table(&self) -> String {
        let l = &self.path_length;
        let mut out = format!(
            "{}: {} journeys, {} conversions, {} distinct paths\n\n",
            self.input,
            number(self.journeys),
            number(self.conversions),
            self.distinct_paths
        );
        let mut lengths = Table::new(["path length", "journeys", "mean", "p50", "p90", "max"]);
        for (name, s) in [
            ("all", l.all),
            ("converting", l.converting),
            ("non-converting", l.non_converting),
        ] {
            lengths.row([
                name.into(),
                num(s.journeys),
                num(s.mean),
                num(s.p50),
                num(s.p90),
                num(s.max),
            ]);
        }
        out.push_str(&lengths.render());
        out.push_str("\nMost conversions\n");
        out.push_str(&entries_table(&self.by_conversions).render());
        out.push_str(&format!(
            "\nHighest conversion rate (paths with >= {} journeys; Wilson 95% interval)\n",
            number(self.min_journeys)
        ));
        out.push_str(&entries_table(&self.by_conversion_rate).render());
        out.push_str("\nPath length: conversions by the touches on their path\n");
        out.push_str(&buckets_table("touches", &self.touches_to_conversion).render());
        if let Some(days) = &self.days_to_conversion {
            out.push_str("\nTime lag: conversions by whole days from the journey's first touch\n");
            out.push_str(&buckets_table("days", days).render());
        }
        out
    }

    fn csv(&self, writer: &mut csv::Writer<Vec<u8>>) -> csv::Result<()> {
        writer.write_record([
            "ranking",
            "rank",
            "path",
            "length",
            "journeys",
            "conversions",
            "value",
            "conversion_rate",
            "conversion_rate_lo",
            "conversion_rate_hi",
        ])?;
        for (ranking, entries) in [
            ("conversions", &self.by_conversions),
            ("conversion_rate", &self.by_conversion_rate),
        ] {
            for (i, e) in entries.iter().enumerate() {
                writer.write_record([
                    ranking.to_string(),
                    (i + 1).to_string(),
                    e.path.clone(),
                    e.length.to_string(),
                    e.journeys.to_string(),
                    e.conversions.to_string(),
                    e.value.to_string(),
                    e.conversion_rate.to_string(),
                    e.conversion_rate_ci[0].to_string(),
                    e.conversion_rate_ci[1].to_string(),
                ])?;
            }
        }
        Ok(())
    }
}

fn entries_table(entries: &[PathEntry]) -> Table {
    let mut t = Table::new([
        "path",
        "journeys",
        "conversions",
        "rate",
        "95% interval",
        "value",
    ]);
    for e in entries {
        t.row([
            e.path.clone().into(),
            num(e.journeys),
            num(e.conversions),
            pct(e.conversion_rate),
            Figures::percent()
                .interval(e.conversion_rate_ci, false)
                .into(),
            num(e.value),
        ]);
    }
    t
}

/// The model's times from entering each state to its next event (version 2 files).
fn dwell_table(model: &ModelDocument) -> String {
    use journeysim_core::distribution::Distribution;
    let mut t = Table::new([
        "state",
        "observed",
        "at once",
        "mean days",
        "median",
        "p90",
        "best fit (AIC)",
    ]);
    for s in &model.states {
        let Some(d) = &s.dwell else { continue };
        let quantile = |p: f64| {
            d.quantiles
                .iter()
                .find(|q| q.p == p)
                .map_or(String::new(), |q| format!("{:.3}", q.days))
        };
        let best = match d.best {
            None => "-".to_owned(),
            Some(Distribution::Exponential { mean }) => format!("exponential, mean {mean:.3}"),
            Some(Distribution::Gamma { shape, scale }) => {
                format!("gamma, shape {shape:.3}, scale {scale:.3}")
            }
            Some(Distribution::LogNormal { mean, cv }) => {
                format!("log-normal, mean {mean:.3}, cv {cv:.3}")
            }
            Some(Distribution::Weibull { shape, scale }) => {
                format!("weibull, shape {shape:.3}, scale {scale:.3}")
            }
            Some(Distribution::Constant { value }) => format!("constant {value:.3}"),
        };
        t.row([
            s.state.clone(),
            number(d.observations),
            format!("{:.1}%", 100.0 * d.zero_share),
            format!("{:.3}", d.mean_days),
            quantile(0.5),
            quantile(0.9),
            best,
        ]);
    }
    format!(
        "\ntime from entering a state to its next event (touch or conversion), in days; \
         \"at once\" is the share at the same instant:\n{}",
        t.render()
    )
}

impl Report for ModelDocument {
    fn table(&self) -> String {
        let mut out = format!(
            "order {} model: {} states, {} channels\n\n",
            self.order,
            self.states.len(),
            self.channels.len()
        );
        let mut t = Table::new(["from", "to", "probability", "weight"]);
        let rows = self.entry.iter().map(|e| ("(start)", e)).chain(
            self.states
                .iter()
                .flat_map(|s| s.transitions.iter().map(move |e| (s.state.as_str(), e))),
        );
        for (from, e) in rows {
            t.row([
                from.to_string(),
                e.to.clone(),
                format!("{:.6}", e.probability),
                e.weight.map_or(String::new(), number),
            ]);
        }
        out.push_str(&t.render());
        if self.states.iter().any(|s| s.dwell.is_some()) {
            out.push_str(&dwell_table(self));
        }
        out
    }

    fn csv(&self, writer: &mut csv::Writer<Vec<u8>>) -> csv::Result<()> {
        writer.write_record(["from", "to", "probability", "weight"])?;
        let rows = self.entry.iter().map(|e| ("(start)", e)).chain(
            self.states
                .iter()
                .flat_map(|s| s.transitions.iter().map(move |e| (s.state.as_str(), e))),
        );
        for (from, e) in rows {
            let weight = e.weight.map_or(String::new(), |w| w.to_string());
            writer.write_record([from, &e.to, &e.probability.to_string(), &weight])?;
        }
        Ok(())
    }
}

impl Report for journeysim_core::order_selection::OrderSelection {
    fn table(&self) -> String {
        let mut out = format!(
            "{}: {} journeys; held-out log-likelihood by {}-fold cross-validation over journeys (seed {})\n\n",
            self.input,
            number(self.journeys),
            self.folds,
            self.seed
        );
        let mut t = Table::new([
            "order",
            "states",
            "held-out loglik/journey",
            "vs best",
            "std error",
            "auc",
            "penalized_auc",
        ]);
        for o in &self.orders {
            t.row([
                o.order.to_string(),
                o.states.to_string(),
                format!("{:.5}", o.heldout_log_likelihood),
                format!("{:+.5}", o.difference_to_best),
                format!("{:.5}", o.difference_standard_error),
                format!("{:.4}", o.auc),
                o.penalized_auc
                    .map_or("-".to_string(), |p| format!("{p:.4}")),
            ]);
        }
        out.push_str(&t.render());
        out.push_str(&format!(
            "\nrecommended order: {} ({})\n",
            self.recommended_order, self.reason
        ));
        if let Some(k) = self.channelattribution_order {
            out.push_str(&format!(
                "ChannelAttribution's choose_order (largest penalized AUC) would pick order {k}\n"
            ));
        }
        out
    }

    fn csv(&self, writer: &mut csv::Writer<Vec<u8>>) -> csv::Result<()> {
        writer.write_record([
            "order",
            "states",
            "heldout_log_likelihood",
            "difference_to_best",
            "difference_standard_error",
            "auc",
            "penalized_auc",
            "recommended",
        ])?;
        for o in &self.orders {
            writer.write_record([
                o.order.to_string(),
                o.states.to_string(),
                format!("{:?}", o.heldout_log_likelihood),
                format!("{:?}", o.difference_to_best),
                format!("{:?}", o.difference_standard_error),
                format!("{:?}", o.auc),
                o.penalized_auc.map_or(String::new(), |p| format!("{p:?}")),
                (o.order == self.recommended_order).to_string(),
            ])?;
        }
        Ok(())
    }
}
