//! HTML tables of figures: one number of decimals per column ([`crate::figures`]), each figure
//! also kept exact in a `<data value="...">` element so it can be copied or checked without the
//! rounding a person reads.

use std::fmt::Write as _;

use super::escape;
use crate::figures::{SIGNIFICANT, column_decimals, grouped};

/// How a numeric column reads.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// A plain figure (counts have no decimals).
    Number,
    /// A share, shown as a percentage.
    Percent,
    /// An amount of money, with its currency label when there is one.
    Money(Option<String>),
}

/// One column.
pub enum Column {
    /// Names (escaped when written).
    Text(Vec<String>),
    /// Figures; `None` is a dash.
    Figures(Kind, Vec<Option<f64>>),
    /// Intervals `[lo, hi]`; `None` is a dash.
    Intervals(Kind, Vec<Option<[f64; 2]>>),
}

/// A table with a caption, headings and columns of equal length.
pub struct Table {
    /// Above the table.
    pub caption: String,
    /// One per column.
    pub headings: Vec<String>,
    /// The columns.
    pub columns: Vec<Column>,
    /// A `data-key` per row (for a reader picking rows by name), when given.
    pub keys: Option<Vec<String>>,
}

/// `x` of a column as a person reads it, with the column's decimals.
fn shown(x: f64, kind: &Kind, decimals: usize) -> String {
    match kind {
        Kind::Number => grouped(x, decimals),
        Kind::Percent => format!("{}%", grouped(100.0 * x, decimals)),
        Kind::Money(Some(c)) => format!("{} {}", grouped(x, decimals), escape(c)),
        Kind::Money(None) => grouped(x, decimals),
    }
}

/// The decimals of a column of `values` of `kind`.
fn decimals_of(values: impl Iterator<Item = f64> + Clone, kind: &Kind) -> usize {
    let finite = values.filter(|x| x.is_finite());
    match kind {
        Kind::Percent => column_decimals(finite.map(|x| 100.0 * x), SIGNIFICANT).max(1),
        Kind::Money(_) => 2,
        Kind::Number => column_decimals(finite, SIGNIFICANT),
    }
}

/// A figure cell: the rounded text inside an exact `<data>` value.
fn figure(x: f64, kind: &Kind, decimals: usize) -> String {
    if x.is_finite() {
        format!(
            r#"<td class="n"><data value="{x}">{}</data></td>"#,
            shown(x, kind, decimals)
        )
    } else {
        r#"<td class="n">-</td>"#.into()
    }
}

impl Table {
    /// The table as HTML.
    pub fn html(&self) -> String {
        let rows = self
            .columns
            .iter()
            .map(|c| match c {
                Column::Text(v) => v.len(),
                Column::Figures(_, v) => v.len(),
                Column::Intervals(_, v) => v.len(),
            })
            .max()
            .unwrap_or(0);
        let cells: Vec<Vec<String>> = self
            .columns
            .iter()
            .map(|c| match c {
                Column::Text(v) => v
                    .iter()
                    .map(|s| format!("<th scope=\"row\">{}</th>", escape(s)))
                    .collect(),
                Column::Figures(kind, v) => {
                    let d = decimals_of(v.iter().flatten().copied(), kind);
                    v.iter()
                        .map(|x| match x {
                            Some(x) => figure(*x, kind, d),
                            None => r#"<td class="n">-</td>"#.into(),
                        })
                        .collect()
                }
                Column::Intervals(kind, v) => {
                    let d = decimals_of(v.iter().flatten().flatten().copied(), kind);
                    // The currency once per row is enough: the figure beside says it.
                    let kind = match kind {
                        Kind::Money(_) => &Kind::Money(None),
                        other => other,
                    };
                    v.iter()
                        .map(|x| match x {
                            Some([lo, hi]) if lo.is_finite() && hi.is_finite() => format!(
                                r#"<td class="n"><data value="{lo}">{}</data> to <data value="{hi}">{}</data></td>"#,
                                shown(*lo, kind, d),
                                shown(*hi, kind, d)
                            ),
                            _ => r#"<td class="n">-</td>"#.into(),
                        })
                        .collect()
                }
            })
            .collect();
        let mut out = String::from("<table>\n");
        let _ = writeln!(out, "<caption>{}</caption>", escape(&self.caption));
        out.push_str("<thead><tr>");
        for (h, c) in self.headings.iter().zip(&self.columns) {
            let class = if matches!(c, Column::Text(_)) {
                ""
            } else {
                r#" class="n""#
            };
            let _ = write!(out, "<th scope=\"col\"{class}>{}</th>", escape(h));
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for r in 0..rows {
            match self.keys.as_ref().and_then(|k| k.get(r)) {
                Some(key) => {
                    let _ = write!(out, "<tr data-key=\"{}\">", escape(key));
                }
                None => out.push_str("<tr>"),
            }
            for column in &cells {
                out.push_str(column.get(r).map_or("<td></td>", String::as_str));
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody>\n</table>\n");
        out
    }
}

/// One figure of a [`figure_list`]: its `data-key`, its name, its value and how it reads.
pub struct Figure {
    /// The row's `data-key`.
    pub key: String,
    /// What it is.
    pub name: String,
    /// Its value.
    pub value: f64,
    /// How it reads.
    pub kind: Kind,
}

/// A two-column table of single figures of different kinds, each with [`SIGNIFICANT`]
/// significant digits of its own (counts whole, money with cents).
pub fn figure_list(caption: &str, figures: &[Figure]) -> String {
    let mut out = format!(
        "<table>\n<caption>{}</caption>\n<thead><tr><th scope=\"col\">Figure</th>\
         <th scope=\"col\" class=\"n\">Value</th></tr></thead>\n<tbody>\n",
        escape(caption)
    );
    for f in figures {
        let d = match f.kind {
            Kind::Percent => crate::figures::decimals(100.0 * f.value.abs(), SIGNIFICANT),
            Kind::Money(_) => 2,
            Kind::Number => column_decimals([f.value], SIGNIFICANT),
        };
        let _ = writeln!(
            out,
            "<tr data-key=\"{}\"><th scope=\"row\">{}</th>{}</tr>",
            escape(&f.key),
            escape(&f.name),
            figure(f.value, &f.kind, d)
        );
    }
    out.push_str("</tbody>\n</table>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_keep_their_exact_value_and_share_decimals() {
        let t = Table {
            caption: "c <b>".into(),
            headings: vec!["name".into(), "share".into(), "count".into()],
            columns: vec![
                Column::Text(vec!["<script>".into(), "b".into()]),
                Column::Figures(Kind::Percent, vec![Some(0.123456), Some(0.5)]),
                Column::Figures(Kind::Number, vec![Some(1234.0), None]),
            ],
            keys: None,
        };
        let html = t.html();
        assert!(
            html.contains("&lt;script&gt;") && !html.contains("<script>"),
            "{html}"
        );
        assert!(
            html.contains(r#"<data value="0.123456">12.35%</data>"#),
            "{html}"
        );
        assert!(
            html.contains(r#"<data value="0.5">50.00%</data>"#),
            "{html}"
        );
        assert!(
            html.contains(r#"<data value="1234">1,234</data>"#),
            "{html}"
        );
        assert!(html.contains("c &lt;b&gt;"));
    }
}
