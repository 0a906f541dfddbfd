//! Costs files: a CSV with the columns `channel` and `cost` (the cost of the period the data
//! cover), read into checked [`Costs`]. The delimiter (`,` `;` or tab) is detected from the
//! header as for paths files; other columns are ignored. A cost that is not a number, negative,
//! NaN or infinite is an error naming the file, line and field.
//!
//! ```text
//! channel,cost
//! search_paid,12000
//! email,800
//! ```

use std::fs::File;

use journeysim_core::cost::{CostEntry, Costs};
use journeysim_core::error::{Error, Location, Result, clip, clip_list};

use crate::table_input::{csv_error, open};

const EXAMPLE: &str = "`channel,cost`";

/// Reads and checks the costs file at `path`; `currency` only labels the output.
pub fn read_costs(path: &str, currency: Option<String>) -> Result<Costs> {
    let file = File::open(path).map_err(|source| Error::Read {
        path: path.to_owned(),
        source,
    })?;
    parse_costs(file, path, currency)
}

/// Parses and checks a costs file's bytes, named `source` in errors.
pub fn parse_costs(
    input: impl std::io::Read,
    source: &str,
    currency: Option<String>,
) -> Result<Costs> {
    let (mut reader, header) = open(input, source, None, EXAMPLE)?;
    let column = |name: &str| -> Result<usize> {
        header.optional(name, "", false)?.ok_or_else(|| {
            let found = header.unused(&[]);
            Error::input(
                Location::line(source, 1),
                format!(
                    "no column '{name}' in the header; columns found: {}; a costs file has the \
                     columns {EXAMPLE}",
                    clip_list(found)
                ),
            )
        })
    };
    let (channel_col, cost_col) = (column("channel")?, column("cost")?);
    let mut entries = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => record.trim(),
            Ok(false) => break,
            Err(e) => return Err(csv_error(e, source)),
        }
        let line = record.position().map_or(0, |p| p.line());
        let at = || Location::line(source, line);
        let field = |i: usize, name: &str| {
            record
                .get(i)
                .ok_or_else(|| Error::input(at(), format!("the row has no field {name}")))
        };
        let channel = field(channel_col, "channel")?;
        let text = field(cost_col, "cost")?;
        let cost = parse_cost(text).ok_or_else(|| {
            Error::input(
                at(),
                format!(
                    "cost of '{}' is '{}', not a number; write it plainly, e.g. 1200 or 1200.50",
                    clip(channel),
                    clip(text)
                ),
            )
        })?;
        entries.push(CostEntry {
            channel: channel.to_owned(),
            cost,
            line,
        });
    }
    Costs::new(source, entries, currency)
}

/// A number as Rust reads it. `inf` and `NaN` parse too, so that [`Costs::new`] can say what
/// is wrong with them rather than calling them "not a number".
fn parse_cost(text: &str) -> Option<f64> {
    if text.is_empty() {
        return None;
    }
    text.parse::<f64>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Costs> {
        parse_costs(text.as_bytes(), "c.csv", None)
    }

    #[test]
    fn reads_channels_and_costs_in_any_column_order() {
        let costs = parse("\u{feff}note;cost;channel\nx; 12.5 ;email\ny;0;seo\n").unwrap();
        let got: Vec<(&str, f64, u64)> = costs
            .entries()
            .iter()
            .map(|e| (e.channel.as_str(), e.cost, e.line))
            .collect();
        assert_eq!(got, [("email", 12.5, 2), ("seo", 0.0, 3)]);
    }

    #[test]
    fn bad_fields_name_the_line_and_field() {
        for (text, fragment) in [
            (
                "channel,cost\na,1\nb,-3\n",
                "c.csv line 3: cost of 'b' is -3",
            ),
            ("channel,cost\na,NaN\n", "c.csv line 2: cost of 'a' is NaN"),
            ("channel,cost\na,inf\n", "c.csv line 2: cost of 'a' is inf"),
            (
                "channel,cost\na,12k\n",
                "c.csv line 2: cost of 'a' is '12k', not a number",
            ),
            (
                "channel,cost\na,\n",
                "c.csv line 2: cost of 'a' is '', not a number",
            ),
            (
                "channel,cost\na\n",
                "c.csv line 2: the row has 1 fields but the header has 2",
            ),
            (
                "channel,price\na,1\n",
                "c.csv line 1: no column 'cost' in the header",
            ),
            ("channel,cost\n", "c.csv: no cost in the file"),
            ("", "c.csv: the file is empty"),
        ] {
            let e = parse(text).unwrap_err();
            assert_eq!(e.exit_code(), 2);
            assert!(e.to_string().contains(fragment), "{text:?}: {e}");
        }
    }
}
