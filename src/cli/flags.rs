//! The library names options as its options types do (`min_journeys`); the command line names
//! them as flags (`--min-journeys`). This module is the one place that translates: an
//! [`Error::Option`] names its option first, and library text writes any other option it mentions
//! in backticks (`` `journeys` ``), which become the flag here.

use journeysim_core::Error;

/// Each library option name beside the flag that sets it. A name missing here is shown as the
/// library writes it.
const FLAGS: &[(&str, &str)] = &[
    ("journeys", "--journeys"),
    // The journey cap of a `--precision` run is given with `--journeys` too.
    ("max_journeys", "--journeys"),
    ("precision", "--precision"),
    ("max_steps", "--max-steps"),
    ("threads", "--threads"),
    ("min_journeys", "--min-journeys"),
    ("max_order", "--max-order"),
    ("folds", "--folds"),
    ("resamples", "--resamples"),
    ("level", "--level"),
    ("methods", "--models"),
    ("lookback_days", "--lookback-days"),
    ("inactivity_days", "--inactivity-days"),
    ("as_of", "--as-of"),
    ("open_journeys", "--open-journeys"),
    ("delimiter", "--delimiter"),
    ("path_col", "--path-col"),
    ("conversions_col", "--conversions-col"),
    ("value_col", "--value-col"),
    ("null_col", "--null-col"),
    ("channel_sep", "--channel-sep"),
    ("user_col", "--user-col"),
    ("time_col", "--time-col"),
    ("touchpoint_col", "--touchpoint-col"),
    ("conversion_col", "--conversion-col"),
    ("segment_col", "--segment-col"),
    ("table", "--table"),
    ("currency", "--currency"),
    ("size", "--size"),
    ("period_journeys", "--period-journeys"),
    ("budget", "--budget"),
    ("total", "--total"),
    ("objective", "--objective"),
    ("target_cpa", "--target-cpa"),
    ("target_roas", "--target-roas"),
    ("port", "--port"),
    ("format", "--format"),
    ("out", "--out"),
];

/// The flag for the library option `option`.
fn flag(option: &str) -> Option<&'static str> {
    FLAGS.iter().find(|(o, _)| *o == option).map(|(_, f)| *f)
}

/// `text` with every backticked option name the library wrote (`` `max_steps` ``) as its flag
/// (`--max-steps`). Other backticked words (a JSON field in a parse error) are left alone.
pub fn in_flags(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('`') {
        let after = &rest[open + 1..];
        match after
            .find('`')
            .and_then(|close| Some((close, flag(&after[..close])?)))
        {
            Some((close, flag)) => {
                out.push_str(&rest[..open]);
                out.push_str(flag);
                rest = &after[close + 1..];
            }
            None => {
                out.push_str(&rest[..=open]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The error as the command line shows it: options named by their flags.
pub fn error_text(e: &Error) -> String {
    match e {
        Error::Option { option, message } => {
            format!("{} {}", flag(option).unwrap_or(option), in_flags(message))
        }
        // A parser's message quotes the input's own field names in backticks: never flags.
        Error::Parse { .. } => e.to_string(),
        other => in_flags(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_flag_exists_on_some_command() {
        use clap::CommandFactory;
        let cli = crate::Cli::command();
        let longs: Vec<String> = cli
            .get_subcommands()
            .flat_map(|c| c.get_arguments())
            .filter_map(|a| a.get_long().map(|l| format!("--{l}")))
            .collect();
        for (option, f) in FLAGS {
            assert!(longs.iter().any(|l| l == f), "{option}: no flag {f}");
        }
    }

    #[test]
    fn option_errors_and_mentions_become_flags() {
        let e = Error::option(
            "max_journeys",
            "(the cap of a `precision` run) must be at least 1",
        );
        assert_eq!(
            error_text(&e),
            "--journeys (the cap of a --precision run) must be at least 1"
        );
        assert_eq!(
            in_flags("unknown field `factr`, expected `at` or `factor`; name it with `path_col`"),
            "unknown field `factr`, expected `at` or `factor`; name it with --path-col"
        );
        assert_eq!(in_flags("a ` b `threads"), "a ` b `threads");
    }

    #[test]
    fn a_parsers_field_names_never_become_flags() {
        // A model file's `totals` has a field named like the `journeys` option.
        let e = Error::Parse {
            at: journeysim_core::error::Location::line("m.json", 1),
            message: "column 9: unknown field `journeyz`, expected one of `journeys`, `value`"
                .into(),
        };
        assert_eq!(
            error_text(&e),
            "m.json line 1: column 9: unknown field `journeyz`, expected one of `journeys`, `value`"
        );
    }
}
