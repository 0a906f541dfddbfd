//! The layers of the workspace, kept by a test so that a change that crosses them fails CI:
//!
//! - `journeysim-core` reaches none of io, report or the binary, and nothing that reads files,
//!   parses flags, shows progress or draws (no clap, csv, indicatif, plotters, tempfile), not even
//!   through another crate (checked on the resolved graph in `Cargo.lock`);
//! - `journeysim-io` and `journeysim-report` do not reach each other, and the Python bindings
//!   (`journeysim-python`) reach core and io only;
//! - no crate has an import cycle among its top-level modules (`crate::name` in non-test code).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Package name -> names of its dependencies, from `Cargo.lock`.
fn lock_graph() -> BTreeMap<String, Vec<String>> {
    let text = std::fs::read_to_string(format!("{ROOT}/Cargo.lock")).unwrap();
    let mut graph = BTreeMap::new();
    for block in text.split("[[package]]").skip(1) {
        let name = block
            .lines()
            .find_map(|l| l.strip_prefix("name = "))
            .unwrap()
            .trim_matches('"')
            .to_owned();
        let deps: Vec<String> = match block.find("dependencies = [") {
            Some(start) => block[start..]
                .lines()
                .skip(1)
                .take_while(|l| !l.starts_with(']'))
                // Entries are "name" or "name version" when two versions are locked.
                .map(|l| {
                    let entry = l.trim().trim_end_matches(',').trim_matches('"');
                    entry.split(' ').next().unwrap().to_owned()
                })
                .collect(),
            None => Vec::new(),
        };
        graph.insert(name, deps);
    }
    graph
}

/// Every package `package` depends on, directly or not (normal, build and dev dependencies of
/// the libraries alike: Cargo.lock does not tell them apart, so this is the strict reading).
fn reach(graph: &BTreeMap<String, Vec<String>>, package: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut stack = vec![package.to_owned()];
    while let Some(p) = stack.pop() {
        for d in graph.get(&p).into_iter().flatten() {
            if seen.insert(d.clone()) {
                stack.push(d.clone());
            }
        }
    }
    seen
}

#[test]
fn core_reaches_no_io_report_binary_or_face_crate() {
    let graph = lock_graph();
    let reached = reach(&graph, "journeysim-core");
    let forbidden = [
        "journeysim",
        "journeysim-io",
        "journeysim-report",
        "clap",
        "csv",
        "indicatif",
        "plotters",
        "tempfile",
    ];
    let found: Vec<&str> = forbidden
        .into_iter()
        .filter(|f| reached.contains(*f))
        .collect();
    assert!(found.is_empty(), "journeysim-core reaches {found:?}");
}

#[test]
fn the_python_bindings_reach_core_and_io_only() {
    let graph = lock_graph();
    let reached = reach(&graph, "journeysim-python");
    assert!(reached.contains("journeysim-core") && reached.contains("journeysim-io"));
    for forbidden in ["journeysim", "journeysim-report", "clap", "indicatif"] {
        assert!(
            !reached.contains(forbidden),
            "journeysim-python reaches {forbidden}"
        );
    }
}

#[test]
fn io_and_report_do_not_reach_each_other() {
    let graph = lock_graph();
    assert!(!reach(&graph, "journeysim-io").contains("journeysim-report"));
    assert!(!reach(&graph, "journeysim-report").contains("journeysim-io"));
    for library in ["journeysim-io", "journeysim-report"] {
        let reached = reach(&graph, library);
        assert!(
            !reached.contains("clap") && !reached.contains("indicatif"),
            "{library} reaches the binary's argument or progress crates"
        );
    }
}

/// The `.rs` files of a top-level module: `name.rs`, or every file under the folder `name/`.
fn module_files(entry: &Path) -> Vec<PathBuf> {
    if entry.is_file() {
        return vec![entry.to_owned()];
    }
    let mut files = Vec::new();
    for e in std::fs::read_dir(entry).unwrap() {
        files.extend(module_files(&e.unwrap().path()));
    }
    files.retain(|f| f.extension().is_some_and(|x| x == "rs"));
    files
}

/// Top-level module -> the top-level modules its non-test code names as `crate::name`.
fn import_graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut modules: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    for e in std::fs::read_dir(src).unwrap() {
        let path = e.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if name == "lib" || name == "main" || name == "bin" {
            continue;
        }
        if path.is_dir() || path.extension().is_some_and(|x| x == "rs") {
            modules.insert(name, module_files(&path));
        }
    }
    let names: BTreeSet<String> = modules.keys().cloned().collect();
    modules
        .iter()
        .map(|(module, files)| {
            let mut edges = BTreeSet::new();
            for file in files {
                let text = std::fs::read_to_string(file).unwrap();
                let code = text.split("#[cfg(test)]").next().unwrap();
                for line in code.lines() {
                    let line = line.split("//").next().unwrap();
                    let mut rest = line;
                    while let Some(i) = rest.find("crate::") {
                        rest = &rest[i + "crate::".len()..];
                        let word: String = rest
                            .chars()
                            .take_while(|c| c.is_alphanumeric() || *c == '_')
                            .collect();
                        if word.is_empty() && rest.starts_with('{') {
                            let group = &rest[1..rest.find('}').unwrap_or(rest.len())];
                            edges.extend(
                                group
                                    .split(',')
                                    .map(|p| p.trim().split("::").next().unwrap().to_owned()),
                            );
                        } else {
                            edges.insert(word);
                        }
                    }
                }
            }
            edges.retain(|e| names.contains(e) && e != module);
            (module.clone(), edges)
        })
        .collect()
}

/// A cycle through `start`, if there is one.
fn cycle_through(graph: &BTreeMap<String, BTreeSet<String>>, start: &str) -> Option<Vec<String>> {
    fn walk(
        graph: &BTreeMap<String, BTreeSet<String>>,
        start: &str,
        path: &mut Vec<String>,
        seen: &mut BTreeSet<String>,
    ) -> bool {
        let here = path.last().unwrap().clone();
        for next in &graph[&here] {
            if next == start {
                return true;
            }
            if seen.insert(next.clone()) {
                path.push(next.clone());
                if walk(graph, start, path, seen) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    let mut path = vec![start.to_owned()];
    walk(graph, start, &mut path, &mut BTreeSet::new()).then_some(path)
}

#[test]
fn no_crate_has_an_import_cycle_among_its_top_level_modules() {
    let mut sources = vec![PathBuf::from(format!("{ROOT}/src"))];
    for e in std::fs::read_dir(format!("{ROOT}/crates")).unwrap() {
        sources.push(e.unwrap().path().join("src"));
    }
    let mut cycles = Vec::new();
    for src in sources {
        let graph = import_graph(&src);
        for module in graph.keys() {
            if let Some(cycle) = cycle_through(&graph, module) {
                cycles.push(format!("{}: {}", src.display(), cycle.join(" -> ")));
            }
        }
    }
    assert!(cycles.is_empty(), "import cycles:\n{}", cycles.join("\n"));
}

#[test]
fn the_cycle_finder_finds_a_cycle() {
    // A check that cannot fail proves nothing: a -> b -> a must be found, c alone must not.
    let graph: BTreeMap<String, BTreeSet<String>> =
        [("a", vec!["b"]), ("b", vec!["a"]), ("c", vec!["a"])]
            .into_iter()
            .map(|(m, e)| (m.to_owned(), e.into_iter().map(String::from).collect()))
            .collect();
    assert_eq!(cycle_through(&graph, "a").unwrap(), ["a", "b"]);
    assert!(cycle_through(&graph, "c").is_none());
}

#[test]
fn the_web_app_is_a_face_the_libraries_never_reach() {
    let graph = lock_graph();
    let reached = reach(&graph, "journeysim-serve");
    for needed in [
        "journeysim-core",
        "journeysim-io",
        "journeysim-report",
        "axum",
        "tokio",
    ] {
        assert!(
            reached.contains(needed),
            "journeysim-serve does not use {needed}"
        );
    }
    for forbidden in ["journeysim", "clap", "indicatif"] {
        assert!(
            !reached.contains(forbidden),
            "journeysim-serve reaches {forbidden}"
        );
    }
    for library in ["journeysim-core", "journeysim-io", "journeysim-report"] {
        let reached = reach(&graph, library);
        for web in ["journeysim-serve", "axum", "tokio"] {
            assert!(!reached.contains(web), "{library} reaches {web}");
        }
    }
}
