//! Pictures: every `--svg` is a slide (1280x720 unless `--size` says otherwise) whose texts are
//! at least 14 px, never overlap and stay inside; `graph` names every channel.

use assert_cmd::Command;
use journeysim_report::svg::{ASCENT, DESCENT, text_width};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");

fn channels() -> Vec<String> {
    let mut reader = csv::Reader::from_path(format!("{DATA}/paths_10k_exact_order1.csv")).unwrap();
    reader
        .records()
        .map(|r| r.unwrap()[0].to_string())
        .collect()
}

fn texts(svg: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).expect("the SVG parses as XML");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text().map(|t| t.trim().to_owned()))
        .collect()
}

/// A drawn text and its box, from the file's attributes and [`text_width`].
#[derive(Debug)]
struct Drawn {
    content: String,
    size: f64,
    bold: bool,
    rect: [f64; 4],
}

/// Parses `svg`, checks it is `width` x `height`, every text is at least 14 px, inside the
/// picture and clear of every other text, and returns the texts.
fn legible(svg: &str, width: f64, height: f64) -> Vec<Drawn> {
    let doc = roxmltree::Document::parse(svg).expect("the SVG parses as XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(
        root.attribute("width").unwrap().parse::<f64>().unwrap(),
        width
    );
    assert_eq!(
        root.attribute("height").unwrap().parse::<f64>().unwrap(),
        height
    );
    let drawn: Vec<Drawn> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| {
            let number = |name: &str| n.attribute(name).unwrap().parse::<f64>().unwrap();
            let content = n.text().unwrap_or("").to_owned();
            let size = number("font-size");
            let bold = n.attribute("font-weight") == Some("bold");
            let w = text_width(&content, size, bold);
            let x = number("x");
            let x0 = match n.attribute("text-anchor") {
                Some("middle") => x - w / 2.0,
                Some("end") => x - w,
                _ => x,
            };
            let y = number("y");
            Drawn {
                content,
                size,
                bold,
                rect: [x0, y - ASCENT * size, x0 + w, y + DESCENT * size],
            }
        })
        .collect();
    for t in &drawn {
        assert!(t.size >= 14.0, "{t:?}");
        let [x0, y0, x1, y1] = t.rect;
        assert!(
            x0 >= 0.0 && y0 >= 0.0 && x1 <= width && y1 <= height,
            "{t:?} leaves the picture"
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

/// Runs journeysim from the repository root with `args`, `--svg FILE` and `extra`, and returns
/// the picture.
fn draw(args: &[&str], extra: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("picture.svg");
    Command::cargo_bin("journeysim")
        .unwrap()
        .current_dir(ROOT)
        .args(args)
        .arg("--svg")
        .arg(&svg)
        .args(extra)
        .assert()
        .success();
    std::fs::read_to_string(&svg).unwrap()
}

/// Every command that draws, on the shipped data, at the default slide size and two others: the
/// size asked for, legible text, no file name or seed in the title.
#[test]
fn every_svg_is_a_legible_slide_at_any_size() {
    let commands: [&[&str]; 5] = [
        &[
            "attribute",
            "data/paths_10k.csv",
            "--intervals",
            "--resamples",
            "20",
            "--costs",
            "data/costs_10k.csv",
            "--currency",
            "EUR",
        ],
        &[
            "whatif",
            "data/paths_10k.csv",
            "--scenario",
            "scenarios/remove_display.json",
            "--scenario",
            "scenarios/add_live_chat.json",
            "--scenario",
            "scenarios/email_persuasion.json",
            "--journeys",
            "20000",
            "--seed",
            "7",
        ],
        &["funnel", "--map", "scenarios/journey_map.json"],
        &[
            "compare",
            "--events",
            "data/sample_events.csv",
            "--split-at",
            "2026-01-20",
            "--resamples",
            "20",
        ],
        &[
            "optimize",
            "data/paths_10k.csv",
            "--budget",
            "scenarios/budget_10k.json",
        ],
    ];
    for args in commands {
        for (size, w, h) in [
            (None, 1280.0, 720.0),
            (Some("1920x1080"), 1920.0, 1080.0),
            (Some("1024x768"), 1024.0, 768.0),
        ] {
            let extra: Vec<&str> = size.map(|s| vec!["--size", s]).unwrap_or_default();
            let svg = draw(args, &extra);
            let drawn = legible(&svg, w, h);
            let title = title(&drawn);
            assert!(!title.is_empty(), "{args:?}");
            for word in ["data/", "scenarios/", ".csv", ".json", "seed"] {
                assert!(!title.contains(word), "{args:?}: title {title}");
            }
        }
    }
}

/// Channels are drawn in the order of their credit, and money has separators and the currency.
#[test]
fn attribute_svg_sorts_channels_by_credit_and_shows_value_in_the_currency() {
    let json = Command::cargo_bin("journeysim")
        .unwrap()
        .current_dir(ROOT)
        .args(["attribute", "data/paths_10k.csv", "--format", "json"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let result: serde_json::Value = serde_json::from_slice(&json).unwrap();
    let mut expected: Vec<(String, f64)> = result["channels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["channel"].as_str().unwrap().to_owned(),
                c["markov_conversions"].as_f64().unwrap(),
            )
        })
        .collect();
    expected.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let svg = draw(
        &[
            "attribute",
            "data/paths_10k.csv",
            "--costs",
            "data/costs_10k.csv",
            "--currency",
            "EUR",
        ],
        &[],
    );
    let drawn = legible(&svg, 1280.0, 720.0);
    let names: Vec<&str> = expected.iter().map(|e| e.0.as_str()).collect();
    // Channel labels, top to bottom.
    let mut labels: Vec<(&str, f64)> = drawn
        .iter()
        .filter(|t| names.contains(&t.content.as_str()))
        .map(|t| (t.content.as_str(), t.rect[1]))
        .collect();
    labels.sort_by(|a, b| a.1.total_cmp(&b.1));
    let order: Vec<&str> = labels.iter().map(|l| l.0).collect();
    assert_eq!(order, names);
    assert!(
        drawn
            .iter()
            .any(|t| t.content.ends_with(" EUR") && t.content.contains(',')),
        "no value in EUR with separators"
    );
    assert!(drawn.iter().any(|t| t.content == "Value credited (EUR)"));
}

#[test]
fn size_is_checked_and_needs_an_svg() {
    let run = |args: &[&str]| {
        Command::cargo_bin("journeysim")
            .unwrap()
            .current_dir(ROOT)
            .args(args)
            .output()
            .unwrap()
    };
    let dir = tempfile::tempdir().unwrap();
    let svg = dir.path().join("x.svg");
    let svg = svg.to_str().unwrap();
    for bad in ["1280", "axb", "100x100", "20000x720", "1280x720x2"] {
        let out = run(&[
            "funnel",
            "--map",
            "scenarios/journey_map.json",
            "--svg",
            svg,
            "--size",
            bad,
        ]);
        assert_eq!(out.status.code(), Some(2), "{bad}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("--size") && stderr.contains("WIDTHxHEIGHT"),
            "{bad}: {stderr}"
        );
        assert!(!std::path::Path::new(svg).exists());
    }
    for command in [
        vec!["attribute", "data/paths_10k.csv"],
        vec!["funnel", "--map", "scenarios/journey_map.json"],
        vec![
            "whatif",
            "data/paths_10k.csv",
            "--scenario",
            "scenarios/remove_display.json",
        ],
        vec!["compare", "data/paths_10k.csv", "data/sample_paths.csv"],
        vec![
            "optimize",
            "data/paths_10k.csv",
            "--budget",
            "scenarios/budget_10k.json",
        ],
    ] {
        let args: Vec<&str> = command
            .iter()
            .copied()
            .chain(["--size", "1920x1080"])
            .collect();
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{command:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("--svg"), "{command:?}: {stderr}");
    }
    // Eight response curves cannot be drawn legibly on the smallest picture: a message, not a
    // crowded picture, and no file.
    let out = run(&[
        "optimize",
        "data/paths_10k.csv",
        "--budget",
        "scenarios/budget_10k.json",
        "--svg",
        svg,
        "--size",
        "800x450",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("give a larger --size"), "{stderr}");
    assert!(!std::path::Path::new(svg).exists());
}

#[test]
fn attribute_svg_is_valid_and_names_every_channel_and_method() {
    let dir = tempfile::tempdir().unwrap();
    let svg_path = dir.path().join("credits.svg");
    Command::cargo_bin("journeysim")
        .unwrap()
        .args([
            "attribute",
            &format!("{DATA}/paths_10k.csv"),
            "--intervals",
            "--resamples",
            "20",
        ])
        .arg("--svg")
        .arg(&svg_path)
        .assert()
        .success();
    let svg = std::fs::read_to_string(&svg_path).unwrap();
    let texts = texts(&svg);
    for name in channels().iter().map(String::as_str) {
        assert!(
            texts.iter().any(|t| t == name),
            "{name} missing from {texts:?}"
        );
    }
    assert!(texts.iter().any(|t| t.contains("95% intervals")));
    assert!(texts.iter().any(|t| t.contains("Markov")));
}

#[test]
fn attribute_svg_draws_the_first_method_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let svg_path = dir.path().join("credits.svg");
    Command::cargo_bin("journeysim")
        .unwrap()
        .args([
            "attribute",
            &format!("{DATA}/paths_10k.csv"),
            "--models",
            "linear,markov",
        ])
        .arg("--svg")
        .arg(&svg_path)
        .assert()
        .success();
    let texts = texts(&std::fs::read_to_string(&svg_path).unwrap());
    assert!(texts.iter().any(|t| t.ends_with(": linear")), "{texts:?}");
    assert!(
        !texts
            .iter()
            .any(|t| t.contains("Markov removal") || t.contains("intervals"))
    );
}

#[test]
fn graph_from_paths_and_from_a_model_file_name_every_channel() {
    let dot = Command::cargo_bin("journeysim")
        .unwrap()
        .args(["graph", &format!("{DATA}/paths_10k.csv")])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let dot = String::from_utf8(dot).unwrap();
    assert!(dot.starts_with("digraph journeys {"));
    for name in channels() {
        assert!(dot.contains(&format!("label=\"{name}\"")), "{name}");
    }

    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model.json");
    Command::cargo_bin("journeysim")
        .unwrap()
        .args([
            "fit",
            &format!("{DATA}/paths_10k.csv"),
            "--order",
            "2",
            "--out",
        ])
        .arg(&model)
        .assert()
        .success();
    let mermaid = Command::cargo_bin("journeysim")
        .unwrap()
        .args([
            "graph",
            "--format",
            "mermaid",
            "--min-probability",
            "0.1",
            "--model",
        ])
        .arg(&model)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let mermaid = String::from_utf8(mermaid).unwrap();
    assert!(mermaid.starts_with("flowchart LR\n"));
    assert!(mermaid.contains("(conversion)"));
    // Every edge kept has probability >= 0.1.
    for label in mermaid.lines().filter_map(|l| l.split('|').nth(1)) {
        assert!(label.parse::<f64>().unwrap() >= 0.1 - 5e-4, "{label}");
    }
}

#[test]
fn graph_rejects_a_bad_threshold_and_needs_an_input() {
    Command::cargo_bin("journeysim")
        .unwrap()
        .args([
            "graph",
            &format!("{DATA}/paths_10k.csv"),
            "--min-probability",
            "2",
        ])
        .assert()
        .code(2);
    Command::cargo_bin("journeysim")
        .unwrap()
        .args(["graph"])
        .assert()
        .code(2);
}
