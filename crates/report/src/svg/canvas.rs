//! The SVG writer under every chart: shapes and text at pixel positions, and the one estimate of
//! how wide a text is ([`text_width`]) that the layouts use to keep labels apart and inside the
//! picture (SVG has no text measurement of its own; the viewer's font decides).

use std::fmt::Write as _;

/// The fonts asked for, widest last: the width estimate is made for them.
pub const FONT_FAMILY: &str = "Helvetica, Arial, 'Liberation Sans', 'DejaVu Sans', sans-serif";

/// Helvetica's advance widths (Adobe's AFM, thousandths of an em) of ASCII 32..=126; Arial and
/// Liberation Sans share them.
const HELVETICA: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // ' '../
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // 0..?
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // @..O
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // P.._
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // `..o
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, // p..~
];

/// Widths are Helvetica's times this: DejaVu Sans, the fallback of many systems, is up to 15%
/// wider, and a label estimated too narrow could touch its neighbour.
const SAFETY: f64 = 1.15;

/// Bold text is about this much wider than regular.
const BOLD: f64 = 1.08;

/// The estimated width in pixels of `text` at `size` pixels (bold when `bold`): Helvetica's
/// advance widths with a margin for wider fallback fonts; characters outside ASCII count a
/// full em.
pub fn text_width(text: &str, size: f64, bold: bool) -> f64 {
    let ems: f64 = text
        .chars()
        .map(|c| match c as u32 {
            32..=126 => f64::from(HELVETICA[c as usize - 32]) / 1000.0,
            _ => 1.0,
        })
        .sum();
    ems * size * SAFETY * if bold { BOLD } else { 1.0 }
}

/// Above the baseline, the part of the em a glyph may reach (capitals and accents).
pub const ASCENT: f64 = 0.92;
/// Below the baseline, the part of the em a glyph may reach (g, p, y).
pub const DESCENT: f64 = 0.24;

/// How a text is placed on its x.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    /// x is the left end.
    Start,
    /// x is the middle.
    Middle,
    /// x is the right end.
    End,
}

/// A text to draw.
#[derive(Debug, Clone)]
pub struct Text<'a> {
    /// Where the anchor is.
    pub x: f64,
    /// The baseline.
    pub y: f64,
    /// Font size in pixels.
    pub size: f64,
    /// Which point of the text is at `x`.
    pub anchor: Anchor,
    /// Bold or regular.
    pub bold: bool,
    /// Fill colour.
    pub colour: &'a str,
    /// The text.
    pub content: &'a str,
}

/// An SVG document being drawn.
pub struct Canvas {
    width: u32,
    height: u32,
    body: String,
}

/// Writes `x` as an SVG coordinate: at most two decimals, so files stay small and stable.
pub fn px(x: f64) -> String {
    let text = format!("{x:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// `text` with the five XML special characters escaped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            _ => out.push(c),
        }
    }
    out
}

impl Canvas {
    /// A white canvas of `width` x `height` pixels.
    pub fn new(width: u32, height: u32) -> Self {
        let mut canvas = Canvas {
            width,
            height,
            body: String::new(),
        };
        canvas.rect(0.0, 0.0, f64::from(width), f64::from(height), "#ffffff");
        canvas
    }

    /// A filled rectangle.
    pub fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, fill: &str) {
        let _ = writeln!(
            self.body,
            r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{fill}"/>"#,
            px(x),
            px(y),
            px(w.max(0.0)),
            px(h.max(0.0))
        );
    }

    /// A straight line.
    pub fn line(&mut self, from: (f64, f64), to: (f64, f64), stroke: &str, width: f64) {
        let _ = writeln!(
            self.body,
            r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{stroke}" stroke-width="{}"/>"#,
            px(from.0),
            px(from.1),
            px(to.0),
            px(to.1),
            px(width)
        );
    }

    /// A line through `points`.
    pub fn polyline(&mut self, points: &[(f64, f64)], stroke: &str, width: f64) {
        let list: Vec<String> = points
            .iter()
            .map(|(x, y)| format!("{},{}", px(*x), px(*y)))
            .collect();
        let _ = writeln!(
            self.body,
            r#"<polyline points="{}" fill="none" stroke="{stroke}" stroke-width="{}"/>"#,
            list.join(" "),
            px(width)
        );
    }

    /// A filled circle.
    pub fn circle(&mut self, centre: (f64, f64), radius: f64, fill: &str) {
        let _ = writeln!(
            self.body,
            r#"<circle cx="{}" cy="{}" r="{}" fill="{fill}"/>"#,
            px(centre.0),
            px(centre.1),
            px(radius)
        );
    }

    /// A filled polygon.
    pub fn polygon(&mut self, points: &[(f64, f64)], fill: &str) {
        let list: Vec<String> = points
            .iter()
            .map(|(x, y)| format!("{},{}", px(*x), px(*y)))
            .collect();
        let _ = writeln!(
            self.body,
            r#"<polygon points="{}" fill="{fill}"/>"#,
            list.join(" ")
        );
    }

    /// A filled path (`d` in SVG path syntax, built by the caller from [`px`]-rounded numbers)
    /// at `opacity`, with a tooltip.
    pub fn path(&mut self, d: &str, fill: &str, opacity: f64, tooltip: &str) {
        let _ = writeln!(
            self.body,
            r#"<path d="{d}" fill="{fill}" fill-opacity="{}"><title>{}</title></path>"#,
            px(opacity),
            escape(tooltip)
        );
    }

    /// A text on one line.
    pub fn text(&mut self, t: &Text<'_>) {
        let anchor = match t.anchor {
            Anchor::Start => "start",
            Anchor::Middle => "middle",
            Anchor::End => "end",
        };
        let weight = if t.bold { r#" font-weight="bold""# } else { "" };
        let _ = writeln!(
            self.body,
            r#"<text x="{}" y="{}" font-size="{}" text-anchor="{anchor}" fill="{}"{weight}>{}</text>"#,
            px(t.x),
            px(t.y),
            px(t.size),
            t.colour,
            escape(t.content)
        );
    }

    /// The document.
    pub fn finish(self) -> String {
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" \
             viewBox=\"0 0 {w} {h}\" font-family=\"{FONT_FAMILY}\">\n{}</svg>\n",
            self.body,
            w = self.width,
            h = self.height
        )
    }
}

/// Cuts `text` into lines no wider than `width` at `size`: at spaces first, then after the
/// characters that join the words of a name (`_`, `-`, `/`, `.`, `>`), and inside a word only
/// when one word alone is too wide.
pub fn wrap(text: &str, size: f64, bold: bool, width: f64) -> Vec<String> {
    let fits = |s: &str| text_width(s, size, bold) <= width;
    // Pieces that may start a new line: each ends after a space or a joining character.
    let mut pieces: Vec<String> = Vec::new();
    let mut current = String::new();
    for c in text.chars() {
        current.push(c);
        if matches!(c, ' ' | '_' | '-' | '/' | '.' | '>' | ',') {
            pieces.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        pieces.push(current);
    }
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for piece in pieces {
        let joined = format!("{line}{piece}");
        if fits(joined.trim_end()) {
            line = joined;
            continue;
        }
        if !line.is_empty() {
            lines.push(line.trim_end().to_owned());
            line = String::new();
        }
        // A piece too wide alone is cut between characters.
        for c in piece.chars() {
            let longer = format!("{line}{c}");
            if !line.is_empty() && !fits(longer.trim_end()) {
                lines.push(line.trim_end().to_owned());
                line = c.to_string();
            } else {
                line = longer;
            }
        }
    }
    if !line.trim().is_empty() || lines.is_empty() {
        lines.push(line.trim_end().to_owned());
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_follow_helvetica_with_a_margin() {
        // "ab" = 556 + 556 thousandths of an em.
        let w = text_width("ab", 10.0, false);
        assert!((w - 1.112 * 10.0 * SAFETY).abs() < 1e-9, "{w}");
        assert!(text_width("ab", 10.0, true) > w);
        assert!((text_width("é", 10.0, false) - 10.0 * SAFETY).abs() < 1e-9);
    }

    #[test]
    fn wrap_breaks_at_joins_and_never_exceeds_the_width() {
        let lines = wrap("reviews_comparison_site_long_name", 16.0, false, 120.0);
        assert!(lines.len() > 1, "{lines:?}");
        assert_eq!(lines.concat(), "reviews_comparison_site_long_name");
        for l in &lines {
            assert!(text_width(l, 16.0, false) <= 120.0, "{l}");
        }
        assert_eq!(wrap("email", 16.0, false, 300.0), ["email"]);
        // One word wider than the room is cut inside.
        let cut = wrap("abcdefghijklmnopqrstuvwxyz", 16.0, false, 60.0);
        assert!(cut.len() > 2);
        assert_eq!(cut.concat(), "abcdefghijklmnopqrstuvwxyz");
        assert_eq!(wrap("", 16.0, false, 60.0), [""]);
    }

    #[test]
    fn text_is_escaped() {
        let mut c = Canvas::new(10, 10);
        c.text(&Text {
            x: 1.0,
            y: 2.0,
            size: 14.0,
            anchor: Anchor::Start,
            bold: false,
            colour: "#000",
            content: "a > b & <c>",
        });
        let svg = c.finish();
        assert!(svg.contains(">a &gt; b &amp; &lt;c&gt;</text>"), "{svg}");
    }
}
