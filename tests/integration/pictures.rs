//! Pictures: `attribute --svg` and `graph` produce valid files that name every channel.

use assert_cmd::Command;

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
    for name in channels()
        .iter()
        .map(String::as_str)
        .chain(["markov", "shapley", "last_touch"])
    {
        assert!(
            texts.iter().any(|t| t == name),
            "{name} missing from {texts:?}"
        );
    }
    assert!(texts.iter().any(|t| t.contains("95% intervals")));
}

#[test]
fn attribute_svg_without_intervals_draws_only_the_chosen_methods() {
    let dir = tempfile::tempdir().unwrap();
    let svg_path = dir.path().join("credits.svg");
    Command::cargo_bin("journeysim")
        .unwrap()
        .args([
            "attribute",
            &format!("{DATA}/paths_10k.csv"),
            "--models",
            "markov,linear",
        ])
        .arg("--svg")
        .arg(&svg_path)
        .assert()
        .success();
    let texts = texts(&std::fs::read_to_string(&svg_path).unwrap());
    assert!(texts.iter().any(|t| t == "linear"));
    assert!(
        !texts
            .iter()
            .any(|t| t == "shapley" || t.contains("intervals"))
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
