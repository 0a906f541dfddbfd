//! The transition graph of a chain as Graphviz DOT or Mermaid text.
//!
//! Nodes are (start), every transient state (named by its channels), (conversion) and (null);
//! edges are transitions with probability at least `min_probability`, labelled with it. States
//! left without any edge by the threshold are left out, so a threshold prunes the picture to
//! its main routes. Node ids are generated (`n0`, `n1`, ...) and names appear only in quoted
//! labels, so any channel name is safe in either format.

use journeysim_core::model::Chain;

/// Which text format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GraphFormat {
    /// Graphviz DOT (`dot -Tsvg graph.dot > graph.svg`).
    Dot,
    /// Mermaid flowchart (renders in GitHub and GitLab markdown).
    Mermaid,
}

/// The chain's transition graph in `format`, keeping edges with probability >= `min_probability`.
pub fn transition_graph(chain: &Chain, format: GraphFormat, min_probability: f64) -> String {
    let n = chain.n_states();
    // Node ids: 0 = (start), 1..=n states, n + 1 (conversion), n + 2 (null).
    let name = |node: usize| -> String {
        match node {
            0 => "(start)".to_string(),
            s if s <= n => chain.state_name((s - 1) as u32),
            s if s == n + 1 => "(conversion)".to_string(),
            _ => "(null)".to_string(),
        }
    };
    let mut edges: Vec<(usize, usize, f64)> = chain
        .entry()
        .iter()
        .map(|&(s, p)| (0, s as usize + 1, p))
        .collect();
    for s in 0..n {
        let (targets, probs) = chain.row(s as u32);
        for (&t, &p) in targets.iter().zip(probs) {
            edges.push((s + 1, t as usize + 1, p));
        }
    }
    edges.retain(|e| e.2 >= min_probability && e.2 > 0.0);
    let mut used = vec![false; n + 3];
    for &(a, b, _) in &edges {
        used[a] = true;
        used[b] = true;
    }
    let nodes = (0..n + 3).filter(|&i| used[i]);
    let mut out = String::new();
    match format {
        GraphFormat::Dot => {
            out.push_str("digraph journeys {\n  rankdir=LR;\n  node [shape=box, style=rounded, fontname=\"sans-serif\"];\n  edge [fontname=\"sans-serif\", fontsize=10];\n");
            for i in nodes {
                let shape = match i {
                    0 => ", shape=circle",
                    i if i == n + 1 => ", shape=doublecircle, color=darkgreen",
                    i if i == n + 2 => ", shape=doublecircle, color=gray50",
                    _ => "",
                };
                out.push_str(&format!(
                    "  n{i} [label=\"{}\"{shape}];\n",
                    dot_escape(&name(i))
                ));
            }
            for (a, b, p) in edges {
                let width = 0.5 + 3.0 * p;
                out.push_str(&format!(
                    "  n{a} -> n{b} [label=\"{p:.3}\", penwidth={width:.2}];\n"
                ));
            }
            out.push_str("}\n");
        }
        GraphFormat::Mermaid => {
            out.push_str("flowchart LR\n");
            for i in nodes {
                let label = mermaid_escape(&name(i));
                match i {
                    0 => out.push_str(&format!("  n{i}((\"{label}\"))\n")),
                    i if i > n => out.push_str(&format!("  n{i}(((\"{label}\")))\n")),
                    _ => out.push_str(&format!("  n{i}[\"{label}\"]\n")),
                }
            }
            for (a, b, p) in edges {
                out.push_str(&format!("  n{a} -->|{p:.3}| n{b}\n"));
            }
        }
    }
    out
}

fn dot_escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

fn mermaid_escape(text: &str) -> String {
    text.replace('"', "#quot;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use journeysim_core::journey::{ChannelTable, PathRow};
    use journeysim_core::model::{FitOptions, Fitter};

    fn chain() -> Chain {
        let mut channels = ChannelTable::new();
        let mut fitter = Fitter::new(FitOptions::order(1)).unwrap();
        for (names, conversions, nulls) in [
            (&["email", "search \"paid\""][..], 3.0, 1.0),
            (&["display"][..], 0.0, 9.0),
            (&["email"][..], 1.0, 0.0),
        ] {
            let touches: Vec<u32> = names.iter().map(|n| channels.intern(n)).collect();
            fitter.observe(&PathRow::whole(&touches, conversions, 0.0, nulls));
        }
        fitter.finish(channels).unwrap()
    }

    #[test]
    fn dot_names_every_state_and_escapes_quotes() {
        let dot = transition_graph(&chain(), GraphFormat::Dot, 0.0);
        assert!(dot.starts_with("digraph journeys {") && dot.ends_with("}\n"));
        for name in [
            "(start)",
            "email",
            "display",
            "search \\\"paid\\\"",
            "(conversion)",
            "(null)",
        ] {
            assert!(
                dot.contains(&format!("label=\"{name}\"")),
                "{name} in {dot}"
            );
        }
        // (start) -> display has probability 9/14.
        assert!(dot.contains("label=\"0.643\""), "{dot}");
    }

    #[test]
    fn threshold_prunes_edges_and_the_states_they_leave_alone() {
        let mermaid = transition_graph(&chain(), GraphFormat::Mermaid, 0.5);
        assert!(mermaid.starts_with("flowchart LR\n"));
        assert!(mermaid.contains("[\"display\"]"));
        // email is entered with probability 5/14 < 0.5, but email -> search "paid" (0.75) stays.
        assert!(
            mermaid.contains("[\"search #quot;paid#quot;\"]"),
            "{mermaid}"
        );
        assert!(!mermaid.contains("0.357"), "{mermaid}");
    }
}
