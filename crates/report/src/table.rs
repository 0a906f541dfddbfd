//! A plain aligned text table: a header, rows, numbers right-aligned.
//!
//! Cells are text, or [`Figures`] that the table formats with the rest of their column
//! ([`crate::figures`]): every figure of a column gets the decimals that give the column's largest
//! magnitude [`SIGNIFICANT`] significant digits (none when all are
//! whole), thousands are separated by commas and shares are written as percentages, so a column
//! never changes its decimals from row to row.

use crate::figures::{SIGNIFICANT, column_decimals, grouped, signed};

/// Rows of cells under a header, rendered with aligned columns.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<Cell>>,
}

/// One cell of a [`Table`].
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Shown as given.
    Text(String),
    /// Numbers formatted with their column.
    Figures(Figures),
}

impl From<String> for Cell {
    fn from(text: String) -> Self {
        Cell::Text(text)
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Self {
        Cell::Text(text.to_owned())
    }
}

impl From<Figures> for Cell {
    fn from(figures: Figures) -> Self {
        Cell::Figures(figures)
    }
}

/// Numbers, and the text between them, of one cell (`+12.5 [+3.1, +20.0]`): the numbers are
/// written with their column's decimals when the table is rendered.
#[derive(Debug, Clone, PartialEq)]
pub struct Figures {
    pieces: Vec<Piece>,
    unit: Unit,
}

/// What the numbers of a [`Figures`] are.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Unit {
    Plain,
    /// Shares, written as percentages.
    Percent,
    /// Differences of shares, written in percentage points (`pp`): `+1.2 pp`, not the `+1.2%`
    /// that would read as a relative change.
    Points,
}

#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Text(String),
    Number(f64),
    Signed(f64),
}

impl Figures {
    /// An empty cell of plain numbers.
    pub fn new() -> Self {
        Figures {
            pieces: Vec::new(),
            unit: Unit::Plain,
        }
    }

    /// An empty cell of shares written as percentages (`0.1234` reads `12.34%`).
    pub fn percent() -> Self {
        Figures {
            pieces: Vec::new(),
            unit: Unit::Percent,
        }
    }

    /// An empty cell of differences of shares in percentage points (`0.012` reads `1.2 pp`).
    pub fn points() -> Self {
        Figures {
            pieces: Vec::new(),
            unit: Unit::Points,
        }
    }

    /// Appends literal text.
    pub fn text(mut self, text: &str) -> Self {
        self.pieces.push(Piece::Text(text.to_owned()));
        self
    }

    /// Appends a number.
    pub fn number(mut self, x: f64) -> Self {
        self.pieces.push(Piece::Number(x));
        self
    }

    /// Appends a change: a number with `+` in front when positive.
    pub fn signed(mut self, x: f64) -> Self {
        self.pieces.push(Piece::Signed(x));
        self
    }

    /// Appends `[lo, hi]`, signed when `changes`.
    pub fn interval(self, [lo, hi]: [f64; 2], changes: bool) -> Self {
        let push = |f: Self, x| if changes { f.signed(x) } else { f.number(x) };
        let f = push(self.text("["), lo).text(", ");
        push(f, hi).text("]")
    }

    fn scale(&self) -> f64 {
        match self.unit {
            Unit::Plain => 1.0,
            Unit::Percent | Unit::Points => 100.0,
        }
    }

    fn numbers(&self) -> impl Iterator<Item = f64> + Clone + '_ {
        let scale = self.scale();
        self.pieces.iter().filter_map(move |p| match p {
            Piece::Number(x) | Piece::Signed(x) => Some(x * scale),
            Piece::Text(_) => None,
        })
    }

    fn render(&self, decimals: usize) -> String {
        let unit = match self.unit {
            Unit::Plain => "",
            Unit::Percent => "%",
            Unit::Points => " pp",
        };
        let mut out = String::new();
        for piece in &self.pieces {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Number(x) => {
                    out.push_str(&grouped(x * self.scale(), decimals));
                    out.push_str(unit);
                }
                Piece::Signed(x) => {
                    out.push_str(&signed(x * self.scale(), decimals));
                    out.push_str(unit);
                }
            }
        }
        out
    }
}

/// A cell's figures on their own, outside a table: the decimals their own column would give.
impl std::fmt::Display for Figures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.render(column_decimals(self.numbers(), SIGNIFICANT)))
    }
}

impl Default for Figures {
    fn default() -> Self {
        Figures::new()
    }
}

/// A cell holding one number.
pub fn num(x: f64) -> Cell {
    Figures::new().number(x).into()
}

/// A cell holding one share as a percentage.
pub fn pct(x: f64) -> Cell {
    Figures::percent().number(x).into()
}

/// A cell holding one number or nothing (`-`).
pub fn opt_num(x: Option<f64>) -> Cell {
    x.map_or_else(|| Cell::Text("-".into()), num)
}

impl Table {
    /// A table with these column names.
    pub fn new<S: Into<String>>(header: impl IntoIterator<Item = S>) -> Self {
        Table {
            header: header.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
        }
    }

    /// Appends a row (missing cells are blank).
    pub fn row<S: Into<Cell>>(&mut self, cells: impl IntoIterator<Item = S>) {
        self.rows.push(cells.into_iter().map(Into::into).collect());
    }

    /// The decimals of each column's figures.
    fn decimals(&self) -> Vec<usize> {
        (0..self.header.len())
            .map(|i| {
                let figures = self.rows.iter().filter_map(|row| match row.get(i) {
                    Some(Cell::Figures(f)) => Some(f),
                    _ => None,
                });
                column_decimals(figures.flat_map(Figures::numbers), SIGNIFICANT)
            })
            .collect()
    }

    /// The text: first column left-aligned, the others right-aligned, two spaces apart.
    pub fn render(&self) -> String {
        let columns = self.header.len();
        let decimals = self.decimals();
        let rows: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|row| {
                row.iter()
                    .enumerate()
                    .map(|(i, cell)| match cell {
                        Cell::Text(t) => t.clone(),
                        Cell::Figures(f) => f.render(decimals.get(i).copied().unwrap_or(0)),
                    })
                    .collect()
            })
            .collect();
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.chars().count()).collect();
        for row in &rows {
            for (i, cell) in row.iter().enumerate().take(columns) {
                widths[i] = widths[i].max(cell.chars().count());
            }
        }
        let mut out = String::new();
        // Padding is written by hand: `format!` width arguments stop at 65,535 and panic
        // above it, and a cell (a long channel name, a path of thousands of touches) can be
        // longer than that.
        let mut line = |cells: &[String]| {
            let mut text = String::new();
            for (i, &width) in widths.iter().enumerate() {
                let cell = cells.get(i).map_or("", String::as_str);
                let pad = width.saturating_sub(cell.chars().count());
                if i == 0 {
                    text.push_str(cell);
                    push_spaces(&mut text, pad);
                } else {
                    text.push_str("  ");
                    push_spaces(&mut text, pad);
                    text.push_str(cell);
                }
            }
            out.push_str(text.trim_end());
            out.push('\n');
        };
        line(&self.header);
        let rule: Vec<String> = widths.iter().map(|&w| "-".repeat(w)).collect();
        line(&rule);
        for row in &rows {
            line(row);
        }
        out
    }
}

/// Appends `n` spaces.
fn push_spaces(text: &mut String, n: usize) {
    text.extend(std::iter::repeat_n(' ', n));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_columns() {
        let mut t = Table::new(["channel", "credit"]);
        t.row(["email", "1.5"]);
        t.row(["search_paid", "12.25"]);
        assert_eq!(
            t.render(),
            "channel      credit\n-----------  ------\nemail           1.5\nsearch_paid   12.25\n"
        );
    }

    /// The cells of each body row, split at the column gaps.
    fn body(t: &Table) -> Vec<Vec<String>> {
        t.render()
            .lines()
            .skip(2)
            .map(|l| {
                l.split("  ")
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                    .map(String::from)
                    .collect()
            })
            .collect()
    }

    #[test]
    fn a_column_shares_its_decimals_and_groups_thousands() {
        let mut t = Table::new(["channel", "credit", "share", "change"]);
        t.row([
            "a".into(),
            num(1234.6),
            pct(0.5),
            Figures::new()
                .signed(12.5)
                .text(" ")
                .interval([-1.25, 30.0], true)
                .into(),
        ]);
        t.row(["b".into(), num(12.25), pct(0.0126), Cell::from("-")]);
        t.row(["c".into(), num(0.4), pct(1.0), num(-0.5)]);
        // credit: the largest, 1234.6, has 4 whole digits, so the column has no decimals;
        // share: 100% has 3, so one decimal; change: 30 has 2, so two decimals.
        assert_eq!(
            body(&t),
            [
                vec!["a", "1,235", "50.0%", "+12.50 [-1.25, +30.00]"],
                vec!["b", "12", "1.3%", "-"],
                vec!["c", "0", "100.0%", "-0.50"],
            ]
        );
        // Counts stay whole; small figures get the digits they need.
        let mut counts = Table::new(["k", "journeys", "rate"]);
        counts.row(["x".into(), num(10000.0), num(0.012345)]);
        counts.row(["y".into(), num(7.0), num(0.5)]);
        assert_eq!(
            counts.render(),
            "k  journeys    rate\n-  --------  ------\nx    10,000  0.0123\ny         7  0.5000\n"
        );
    }

    #[test]
    fn renders_cells_longer_than_format_width_limit() {
        let long = "x".repeat(100_000);
        let mut t = Table::new(["path", "count"]);
        t.row([long.as_str(), "3"]);
        t.row(["a", "12"]);
        let text = t.render();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4);
        assert_eq!(lines[0].chars().count(), 100_000 + 2 + 5);
        assert_eq!(lines[1], format!("{}  -----", "-".repeat(100_000)));
        assert_eq!(lines[2], format!("{long}      3"));
        assert!(lines[3].starts_with('a'));
        assert!(lines[3].ends_with("     12"));
        assert_eq!(lines[3].chars().count(), 100_000 + 2 + 5);
    }

    #[test]
    fn right_aligns_wide_numbers_past_the_limit() {
        let wide = "9".repeat(70_000);
        let mut t = Table::new(["k", "v"]);
        t.row(["a", wide.as_str()]);
        t.row(["b", "1"]);
        let text = t.render();
        let last = text.lines().last().unwrap();
        assert_eq!(last.chars().count(), 1 + 2 + 70_000);
        assert!(last.ends_with(" 1"));
    }
}
