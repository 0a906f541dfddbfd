//! How money reads: cost lines and the CPA / ROAS tables that every priced result shares, and
//! the CSV cells of a channel's cost fields. A figure that does not exist (no cost, no credited
//! conversion, a cost of 0) is `-` in a table and an empty cell in CSV.

use journeysim_core::cost::{ChannelCost, CostField, CostSummary};

use super::{Table, money};

/// A money cell: the amount with separators and currency, or `-`.
pub(crate) fn money_cell(x: Option<f64>, currency: Option<&str>) -> String {
    x.map_or_else(|| "-".to_owned(), |x| money(x, currency))
}

/// A ROAS cell: value per unit of cost, two decimals, or `-`.
pub(crate) fn roas_cell(x: Option<f64>) -> String {
    x.map_or_else(|| "-".to_owned(), |x| format!("{x:.2}"))
}

/// The one line of a period's total cost, CAC and ROAS.
pub(crate) fn summary_line(source: &str, s: &CostSummary) -> String {
    let currency = s.currency.as_deref();
    format!(
        "costs ({source}): total {}, CAC {} per conversion, ROAS {}\n",
        money(s.total_cost, currency),
        money_cell(s.cac, currency),
        roas_cell(s.roas),
    )
}

/// The CPA and ROAS tables of channels priced under several methods: one row per channel, one
/// column per method (Markov's interval beside it when there is one).
pub(crate) fn efficiency_tables<'a>(
    rows: impl Iterator<Item = (&'a str, &'a ChannelCost)> + Clone,
    currency: Option<&str>,
) -> String {
    let Some((_, first)) = rows.clone().next() else {
        return String::new();
    };
    let with_ci = first.intervals.is_some();
    let mut methods: Vec<String> = Vec::new();
    for e in &first.methods {
        methods.push(e.method.clone());
        if with_ci && e.method == journeysim_core::cost::MARKOV {
            methods.push("markov_ci".to_owned());
        }
    }
    let header = |first: &[&str]| -> Vec<String> {
        first
            .iter()
            .map(|s| (*s).to_owned())
            .chain(methods.iter().cloned())
            .collect()
    };
    let mut cpa = Table::new(header(&["channel", "cost"]));
    let mut roas = Table::new(header(&["channel"]));
    let interval = |ends: [Option<f64>; 2], show: &dyn Fn(Option<f64>) -> String| {
        format!("[{}, {}]", show(ends[0]), show(ends[1]))
    };
    for (channel, c) in rows {
        let mut cpa_row = vec![channel.to_owned(), money_cell(c.cost, currency)];
        let mut roas_row = vec![channel.to_owned()];
        for e in &c.methods {
            cpa_row.push(money_cell(e.cpa, currency));
            roas_row.push(roas_cell(e.roas));
            if e.method == journeysim_core::cost::MARKOV
                && let Some(ci) = &c.intervals
            {
                cpa_row.push(interval(ci.cpa, &|x| money_cell(x, currency)));
                roas_row.push(interval(ci.roas, &roas_cell));
            }
        }
        cpa.row(cpa_row);
        roas.row(roas_row);
    }
    format!(
        "\nCost per conversion credited (CPA = cost / conversions credited), by method\n{}\
         \nReturn on ad spend (ROAS = value credited / cost), by method\n{}",
        cpa.render(),
        roas.render()
    )
}

/// A channel's cost fields as CSV cells: every field named, null ones empty, intervals as
/// `_lo`/`_hi` columns. Every channel has every field, so the header never depends on which
/// channel has a cost.
pub(crate) fn csv_cells(c: &ChannelCost) -> Vec<(String, String)> {
    let cell = |x: Option<f64>| x.map_or(String::new(), |x| format!("{x:?}"));
    let mut out = Vec::new();
    for (name, field) in c.fields() {
        match field {
            CostField::Number(x) => out.push((name, cell(x))),
            CostField::Interval([lo, hi]) => {
                out.push((format!("{name}_lo"), cell(lo)));
                out.push((format!("{name}_hi"), cell(hi)));
            }
        }
    }
    out
}
