//! The pictures' promises, checked on the drawn files: the size asked for, no text under 14 px,
//! no two texts overlapping and none leaving the picture (boxes from [`text_width`]), the order of
//! the rows, and titles free of file names.

use super::*;
use journeysim_core::attribution::{AttributionOptions, HeuristicOptions, attribute_paths};
use journeysim_core::journey::MemoryPaths;
use journeysim_core::model::FitOptions;

/// A drawn text: its content, size and box.
#[derive(Debug)]
struct Drawn {
    content: String,
    size: f64,
    bold: bool,
    rect: [f64; 4],
}

/// Parses `svg`, checks its size is `size`, and returns its texts with their boxes.
fn texts(svg: &str, size: Size) -> Vec<Drawn> {
    let doc = roxmltree::Document::parse(svg).expect("the SVG parses as XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(
        root.attribute("width"),
        Some(size.width.to_string().as_str())
    );
    assert_eq!(
        root.attribute("height"),
        Some(size.height.to_string().as_str())
    );
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| {
            let number = |name: &str| n.attribute(name).unwrap().parse::<f64>().unwrap();
            let content = n.text().unwrap_or("").to_owned();
            let size = number("font-size");
            let bold = n.attribute("font-weight") == Some("bold");
            let width = text_width(&content, size, bold);
            let x = number("x");
            let x0 = match n.attribute("text-anchor") {
                Some("middle") => x - width / 2.0,
                Some("end") => x - width,
                _ => x,
            };
            let y = number("y");
            Drawn {
                content,
                size,
                bold,
                rect: [x0, y - ASCENT * size, x0 + width, y + DESCENT * size],
            }
        })
        .collect()
}

/// Asserts every text is at least 14 px, inside the picture and clear of every other text.
fn assert_legible(svg: &str, size: Size) -> Vec<Drawn> {
    let drawn = texts(svg, size);
    assert!(!drawn.is_empty());
    for t in &drawn {
        assert!(t.size >= 14.0, "{t:?} is under 14 px");
        let [x0, y0, x1, y1] = t.rect;
        assert!(
            x0 >= 0.0 && y0 >= 0.0 && x1 <= f64::from(size.width) && y1 <= f64::from(size.height),
            "{t:?} leaves the {size:?} picture"
        );
    }
    for (i, a) in drawn.iter().enumerate() {
        for b in &drawn[i + 1..] {
            let apart = a.rect[2] <= b.rect[0]
                || b.rect[2] <= a.rect[0]
                || a.rect[3] <= b.rect[1]
                || b.rect[3] <= a.rect[1];
            assert!(apart, "{a:?} overlaps {b:?}");
        }
    }
    drawn
}

/// The title: the bold texts of the largest size.
fn title(drawn: &[Drawn]) -> String {
    let biggest = drawn.iter().map(|t| t.size).fold(0.0, f64::max);
    drawn
        .iter()
        .filter(|t| t.bold && t.size == biggest)
        .map(|t| t.content.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// `n` channels with long names, each the single touch of one row, channel `i` converting
/// `i + 1` times: credits rise with the index, so the order by credit is the reverse of the
/// order by name for the first ten.
fn long_named(n: usize) -> Attribution {
    let names: Vec<String> = (0..n)
        .map(|i| format!("touchpoint_with_a_long_descriptive_name_number_{i:02}"))
        .collect();
    let paths: Vec<Vec<&str>> = names.iter().map(|n| vec![n.as_str()]).collect();
    let rows: Vec<(&[&str], f64, f64, f64)> = paths
        .iter()
        .enumerate()
        .map(|(i, p)| (p.as_slice(), (i + 1) as f64, 1234.5 * (i + 1) as f64, 3.0))
        .collect();
    let options = AttributionOptions {
        fit: FitOptions::order(1),
        heuristics: HeuristicOptions::default(),
    };
    attribute_paths(
        MemoryPaths::new("data/secret_file_name.csv", &rows),
        &options,
    )
    .unwrap()
}

#[test]
fn sizes_parse_and_are_checked() {
    assert_eq!(
        Size::parse("1920x1080").unwrap(),
        Size {
            width: 1920,
            height: 1080
        }
    );
    assert_eq!(Size::parse(" 800X600 ").unwrap().width, 800);
    assert_eq!(Size::parse("1280×720").unwrap(), Size::SLIDE);
    for bad in [
        "",
        "1280",
        "x720",
        "1280x",
        "12a0x720",
        "-1280x720",
        "100x100",
        "640x360",
        "20000x720",
        "99999999999x720",
    ] {
        let err = Size::parse(bad).unwrap_err().to_string();
        assert!(err.contains("WIDTHxHEIGHT"), "{bad}: {err}");
    }
}

#[test]
fn attribution_of_many_long_names_is_legible_sorted_and_folded() {
    let result = long_named(40);
    for size in [Size::SLIDE, Size::MIN, Size::parse("1920x1080").unwrap()] {
        let svg = attribution_chart(&result, AttributionMethod::Markov, size).unwrap();
        let drawn = assert_legible(&svg, size);
        let title = title(&drawn);
        assert!(title.contains("Markov"), "{title}");
        assert!(!title.contains("secret_file_name") && !title.contains("seed"));
        // The caption names the input.
        assert!(drawn.iter().any(|t| t.content.contains("secret_file_name")));
        // Rows in the order of their credit: channel 39 converts most, so its label comes
        // first; 40 rows cannot fit, so the last row sums the rest.
        let labels: Vec<&Drawn> = drawn
            .iter()
            .filter(|t| t.content.starts_with("touchpoint") || t.content.contains(" other "))
            .collect();
        assert!(labels[0].content.starts_with("touchpoint"), "{labels:?}");
        let folded = labels.last().unwrap();
        assert!(folded.content.ends_with("other channels"), "{folded:?}");
        // Long names are wrapped: no label line is wider than 28% of the picture.
        for l in &labels {
            assert!(l.rect[2] - l.rect[0] <= 0.28 * f64::from(size.width));
        }
    }
    // The credits' labels, top to bottom, never rise.
    let svg = attribution_chart(&long_named(8), AttributionMethod::LastTouch, Size::SLIDE).unwrap();
    let drawn = assert_legible(&svg, Size::SLIDE);
    let credits: Vec<f64> = drawn
        .iter()
        .filter(|t| t.content.ends_with("%)"))
        .filter_map(|t| t.content.split(' ').next()?.replace(',', "").parse().ok())
        .collect();
    assert_eq!(credits.len(), 8, "{drawn:?}");
    assert!(credits.windows(2).all(|w| w[0] >= w[1]), "{credits:?}");
    assert_eq!(credits[0], 8.0);
    // Value is drawn beside conversions, with separators: channel 7's 8 x 1234.5.
    assert!(
        drawn.iter().any(|t| t.content == "9,876"),
        "{:?}",
        drawn.iter().map(|t| &t.content).collect::<Vec<_>>()
    );
    assert!(title(&drawn).contains("last touch"));
}

#[test]
fn a_method_that_was_not_computed_is_an_error() {
    let rows = [(&["a", "b"][..], 1.0, 0.0, 1.0)];
    let options = AttributionOptions {
        fit: FitOptions::order(1),
        heuristics: HeuristicOptions::default(),
    };
    let mut result = attribute_paths(MemoryPaths::new("p.csv", &rows), &options).unwrap();
    for c in &mut result.channels {
        c.shapley = None;
    }
    let err = attribution_chart(&result, AttributionMethod::Shapley, Size::SLIDE).unwrap_err();
    assert!(err.to_string().contains("shapley"), "{err}");
}

/// A synthetic chart of `n` rows with long names and diverging values with intervals.
fn diverging(n: usize, fold: bool) -> Chart {
    let values: Vec<f64> = (0..n).map(|i| 150.0 - 200.5 * i as f64).collect();
    let labels = values.clone();
    Chart {
        title: "A long title that has to wrap onto a second line when the picture is narrow".into(),
        subtitle: "subtitle".into(),
        legend: vec![("series".into(), PALETTE[0])],
        rows: (0..n)
            .map(|i| format!("scenario-{i}-with a very long name that wraps over lines"))
            .collect(),
        panels: vec![Panel {
            heading: "change".into(),
            series: vec![Bars {
                colour: PALETTE[0],
                intervals: Some(values.iter().map(|v| [v - 100.0, v + 80.0]).collect()),
                values,
                label: Box::new(move |i: usize, x: f64| {
                    format!(
                        "{} [{}]",
                        signed(x, 1),
                        labels.get(i).copied().unwrap_or(0.0)
                    )
                }),
            }],
            axis: None,
        }],
        notes: vec!["a caption line".into(); 2],
        fold: fold.then(|| "scenarios".into()),
        items: "scenarios".into(),
    }
}

#[test]
fn diverging_bars_with_long_names_stay_apart_or_are_refused() {
    // Six rows of three-line names fill a slide; the smallest picture holds two.
    for (size, rows) in [(Size::SLIDE, 6), (Size::MIN, 2)] {
        let svg = draw(diverging(rows, false), size).unwrap();
        let drawn = assert_legible(&svg, size);
        // Negative values are labelled to the left of their bars, positive to the right.
        assert!(drawn.iter().any(|t| t.content.starts_with("-")));
        assert!(drawn.iter().any(|t| t.content.starts_with("+")));
        // Too many rows that cannot be summed: an error naming --size, not a crowded picture.
        let err = draw(diverging(60, false), size).unwrap_err().to_string();
        assert!(
            err.contains("60 scenarios") && err.contains("`size`"),
            "{err}"
        );
        // Rows that can be summed are folded.
        let svg = draw(diverging(60, true), size).unwrap();
        let drawn = assert_legible(&svg, size);
        assert!(drawn.iter().any(|t| t.content.ends_with("other scenarios")));
    }
}

#[test]
fn funnel_axis_ends_at_100_percent_and_shows_both_measures() {
    let text = r#"{"stages": ["Awareness", "Consideration", "Purchase"], "touchpoints": [
        {"name": "a", "stage": "Awareness", "entry": 0.5, "transitions": {"b": 0.4, "c": 0.2, "null": 0.4},
         "dwell_hours": {"distribution": "constant", "value": 1}},
        {"name": "b", "stage": "Consideration", "entry": 0.1, "transitions": {"c": 0.5, "null": 0.5},
         "dwell_hours": {"distribution": "constant", "value": 1}},
        {"name": "c", "stage": "Purchase", "entry": 0.4, "transitions": {"conversion": 0.5, "null": 0.5},
         "dwell_hours": {"distribution": "constant", "value": 1}}],
        "value": {"distribution": "constant", "value": 50}}"#;
    let file: journeysim_core::journey_map::MapFile = serde_json::from_str(text).unwrap();
    let map = journeysim_core::journey_map::JourneyMap::from_file(&file, "maps/m.json").unwrap();
    let funnel = journeysim_core::funnel::map_funnel(&map, "maps/m.json", None).unwrap();
    // Purchase is reached by more journeys than Consideration: the stages are not nested.
    assert!(funnel.stages[2].exact.reach > funnel.stages[1].exact.reach);
    let svg = funnel_chart(&funnel, Size::SLIDE).unwrap();
    let drawn = assert_legible(&svg, Size::SLIDE);
    let contents: Vec<&str> = drawn.iter().map(|t| t.content.as_str()).collect();
    assert!(contents.contains(&"100%"), "{contents:?}");
    // No tick past 100%.
    for t in &contents {
        if let Some(p) = t.strip_suffix('%').and_then(|p| p.parse::<f64>().ok()) {
            assert!(p <= 100.0, "{t}");
        }
    }
    assert!(contents.contains(&"reached this stage"));
    assert!(contents.contains(&"reached this stage or a later one"));
    for s in &funnel.stages {
        for x in [s.exact.reach, s.exact.reach_or_later] {
            let label = format!("{}%", grouped(100.0 * x, 1));
            assert!(contents.contains(&label.as_str()), "{label}: {contents:?}");
        }
    }
    assert!(!title(&drawn).contains("m.json"));
}
