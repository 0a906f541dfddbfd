//! "Did you mean": the names closest to a misspelt one, by one edit distance everywhere
//! (Damerau-Levenshtein, case-insensitive, so a transposition counts as one typo).
//!
//! ```
//! use journeysim_core::suggest::did_you_mean;
//!
//! let names = ["email", "display", "search_paid"];
//! assert_eq!(did_you_mean("dispaly", names.into_iter()), "; did you mean 'display'?");
//! assert_eq!(did_you_mean("radio", names.into_iter()), "");
//! ```

/// Edit distance between `a` and `b`, ignoring case.
pub fn edit_distance(a: &str, b: &str) -> usize {
    strsim::damerau_levenshtein(&a.to_lowercase(), &b.to_lowercase())
}

/// Up to three candidates close to `name`: within one edit of the best, and at most a third of
/// the longer name's length (at least 2) away; closest first, then by name.
pub fn closest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut scored: Vec<(usize, &str)> = candidates.map(|c| (edit_distance(c, name), c)).collect();
    scored.sort();
    let best = scored.first().map_or(0, |(d, _)| *d);
    scored
        .iter()
        .filter(|(d, c)| *d <= best + 1 && *d <= (c.len().max(name.len()) / 3).max(2))
        .take(3)
        .map(|(_, c)| *c)
        .collect()
}

/// `"; did you mean 'x'?"` for the candidate closest to `name` when it is close (at most a
/// third of the name's length, and at least 1 edit, away), else nothing.
pub fn did_you_mean<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> String {
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .map(|c| (edit_distance(name, c), c))
        .filter(|&(d, _)| d <= limit)
        .min()
        .map_or(String::new(), |(_, c)| {
            format!("; did you mean '{}'?", crate::error::clip(c))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_transposition_is_one_edit() {
        assert_eq!(edit_distance("emial", "email"), 1);
        assert_eq!(edit_distance("Email", "email"), 0);
    }

    #[test]
    fn suggests_only_close_names() {
        let names = ["email", "display", "search_paid"];
        assert_eq!(closest("emial", names.into_iter()), vec!["email"]);
        assert!(closest("zzzzzzzz", names.into_iter()).is_empty());
        assert_eq!(
            did_you_mean("dispaly", names.into_iter()),
            "; did you mean 'display'?"
        );
        assert_eq!(did_you_mean("tv", names.into_iter()), "");
    }
}
