//! journeysim's renderings of core results: terminal tables, JSON, CSV, SVG charts and graphs,
//! and the self-contained HTML report ([`html`]).
//! Nothing here computes a figure; everything here decides how one reads.
//!
//! Every result type implements [`Report`]: JSON is its serde form (the contract), CSV is one row
//! per item of its main list with the same field names, and the table is what a person reads.
//! Floats in JSON and CSV are printed in shortest round-trip form, so output is reproducible
//! bit for bit.
//!
//! ```
//! use journeysim_core::attribution::{AttributionOptions, HeuristicOptions, attribute_paths};
//! use journeysim_core::journey::MemoryPaths;
//! use journeysim_core::model::FitOptions;
//! use journeysim_report::{Format, render};
//!
//! let rows = [(&["a", "b"][..], 1.0, 0.0, 1.0), (&["c"][..], 0.0, 0.0, 2.0)];
//! let options = AttributionOptions { fit: FitOptions::order(1), heuristics: HeuristicOptions::default() };
//! let attribution = attribute_paths(MemoryPaths::new("example", &rows), &options)?;
//! let csv = String::from_utf8(render(&attribution, Format::Csv)?).unwrap();
//! let mut lines = csv.lines();
//! assert!(lines.next().unwrap().starts_with("channel,removal_effect,"));
//! // One row per channel, sorted by name; a and b share the one conversion.
//! assert!(lines.next().unwrap().starts_with("a,1.0,0.0,0.5,"));
//! assert_eq!(lines.count(), 2);
//! # Ok::<(), journeysim_core::Error>(())
//! ```

#![deny(missing_docs)]

pub mod budget;
mod compare;
mod costs;
pub mod figures;
mod funnel;
pub mod graph;
mod ground_truth;
pub mod html;
mod simulation;
pub mod svg;
pub mod table;
mod views;
mod whatif;

use serde::Serialize;

use journeysim_core::error::{Error, Result};
pub use table::Table;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Aligned columns for a terminal.
    Table,
    /// Pretty-printed JSON.
    Json,
    /// Comma-separated values with a header row.
    Csv,
}

impl Format {
    /// The format a file name implies by its extension (`.json`, `.csv`), if any.
    pub fn from_extension(path: &std::path::Path) -> Option<Format> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "json" => Some(Format::Json),
            "csv" => Some(Format::Csv),
            _ => None,
        }
    }
}

/// A result that can be shown in every format.
pub trait Report: Serialize {
    /// The table a person reads in a terminal.
    fn table(&self) -> String;
    /// Writes the CSV rows (header included) of the main list.
    fn csv(&self, writer: &mut csv::Writer<Vec<u8>>) -> csv::Result<()>;
}

/// Renders `report` in `format`.
pub fn render<R: Report>(report: &R, format: Format) -> Result<Vec<u8>> {
    match format {
        Format::Table => Ok(report.table().into_bytes()),
        Format::Json => {
            let mut text = serde_json::to_vec_pretty(report)
                .map_err(|e| Error::Numerical(format!("cannot serialise the result: {e}")))?;
            text.push(b'\n');
            Ok(text)
        }
        Format::Csv => {
            let mut writer = csv::Writer::from_writer(Vec::new());
            report
                .csv(&mut writer)
                .map_err(|e| Error::Numerical(format!("cannot write CSV: {e}")))?;
            writer
                .into_inner()
                .map_err(|e| Error::Numerical(format!("cannot write CSV: {e}")))
        }
    }
}

/// Formats a number alone, outside a table column: integers as integers, others with four
/// significant digits (`1,234.6`, `12.35`, `0.1235`), thousands separated.
pub fn number(x: f64) -> String {
    let d = if x.fract() == 0.0 {
        0
    } else {
        figures::decimals(x.abs(), figures::SIGNIFICANT)
    };
    figures::grouped(x, d)
}

/// Formats an amount of money for a table: two decimals, thousands separated by commas
/// (`1234567.891` is `1,234,567.89`), followed by the currency label when there is one.
pub fn money(x: f64, currency: Option<&str>) -> String {
    figures::amount(x, 2, currency)
}

#[cfg(test)]
mod tests {
    use super::{money, number};

    #[test]
    fn money_has_thousands_separators_and_its_currency() {
        assert_eq!(money(0.0, None), "0.00");
        assert_eq!(money(999.999, None), "1,000.00");
        assert_eq!(money(1234567.891, Some("EUR")), "1,234,567.89 EUR");
        assert_eq!(money(-12345.5, None), "-12,345.50");
        assert_eq!(money(-0.001, None), "0.00");
        assert_eq!(money(100.0, Some("$")), "100.00 $");
    }

    #[test]
    fn a_number_alone_has_four_significant_digits() {
        assert_eq!(number(10000.0), "10,000");
        assert_eq!(number(1234.56), "1,235");
        assert_eq!(number(12.3456), "12.35");
        assert_eq!(number(0.123456), "0.1235");
        assert_eq!(number(-2.5), "-2.500");
    }
}
