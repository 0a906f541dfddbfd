//! A plain aligned text table: a header, rows, numbers right-aligned.

/// Rows of cells under a header, rendered with aligned columns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
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
    pub fn row<S: Into<String>>(&mut self, cells: impl IntoIterator<Item = S>) {
        self.rows.push(cells.into_iter().map(Into::into).collect());
    }

    /// The text: first column left-aligned, the others right-aligned, two spaces apart.
    pub fn render(&self) -> String {
        let columns = self.header.len();
        let mut widths: Vec<usize> = self.header.iter().map(|h| h.chars().count()).collect();
        for row in &self.rows {
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
        for row in &self.rows {
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
