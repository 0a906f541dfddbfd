//! The bad-input catalogue: the binary on inputs an adversarial user would give. Every case runs
//! twice (to standard output, and with `--out`) and must exit with its expected code: 2 (bad
//! input: nothing on standard output, no file left behind) or 0 (a warning case: the output is
//! written). Either way standard error names the input and says what was wrong, and no NaN,
//! infinite or null number appears on standard output or in the `--out` file.
//!
//! To add a case, add a row to [`CASES`] under a comment naming its item: its arguments may name
//! the case's temporary files as `{dir}/NAME` (written from `files` before the run); `stdin` is
//! fed to the binary when given.

use std::path::Path;

use assert_cmd::Command;

/// One bad input: what to run and a fragment its error must contain.
struct Case {
    name: &'static str,
    /// The expected exit code: 2 for bad input, 0 for a case that only warns.
    exit: i32,
    /// Arguments; `{dir}` is the case's temporary directory.
    args: &'static [&'static str],
    /// Files written into `{dir}` before the run: (name, contents).
    files: &'static [(&'static str, &'static str)],
    /// Standard input, when the case reads `-`.
    stdin: Option<&'static str>,
    /// The input the message must name (a file name, or `<stdin>`), on standard error.
    names: &'static str,
    /// A fragment the message must contain.
    stderr: &'static str,
}

const CASES: &[Case] = &[
    // Item: non-ASCII characters inside a timestamp (used to panic slicing bytes).
    Case {
        name: "timestamp_non_ascii_day",
        exit: 2,
        args: &["attribute", "--events", "{dir}/ev.csv"],
        files: &[(
            "ev.csv",
            "user_id,timestamp,touchpoint,conversion,value\nu1,2026-01-0é,a,1,0\n",
        )],
        stdin: None,
        names: "ev.csv line 2",
        stderr: "'2026-01-0é' is not a timestamp",
    },
    Case {
        name: "timestamp_non_ascii_second",
        exit: 2,
        args: &["attribute", "--events", "{dir}/ev.csv"],
        files: &[(
            "ev.csv",
            "user_id,timestamp,touchpoint,conversion,value\nu1,2026-01-01T00:00:00Z,a,0,0\nu1,2026-01-01T00:00:0é,a,1,0\n",
        )],
        stdin: None,
        names: "ev.csv line 3",
        stderr: "is not a timestamp",
    },
    Case {
        name: "timestamp_non_ascii_offset",
        exit: 2,
        args: &["fit", "--events", "-"],
        files: &[],
        stdin: Some(
            "user_id,timestamp,touchpoint,conversion,value\nu1,2026-01-01T00:00:00+0é0,a,1,0\n",
        ),
        names: "<stdin> line 2",
        stderr: "'2026-01-01T00:00:00+0é0' is not a timestamp",
    },
    // Item: a key given twice in a JSON object (serde kept the last one, silently).
    Case {
        name: "json_model_duplicate_field",
        exit: 2,
        args: &["simulate", "--model", "{dir}/m.json", "--journeys", "100"],
        files: &[(
            "m.json",
            r#"{"format": "journeysim-model", "version": 1, "order": 1, "channels": ["a"],
  "entry": [{"to": "a", "probability": 1.0}],
  "states": [{"state": "a", "transitions": [{"to": "(conversion)", "probability": 0.5}, {"to": "(null)", "probability": 0.5}]}],
  "order": 2}"#,
        )],
        stdin: None,
        names: "m.json line 4",
        stderr: "duplicate key 'order'",
    },
    Case {
        name: "json_map_duplicate_transition",
        exit: 2,
        args: &["graph", "--map", "{dir}/map.json"],
        files: &[(
            "map.json",
            r#"{"name": "m", "stages": ["A"], "touchpoints": [
  {"name": "a", "stage": "A", "entry": 1.0,
   "transitions": {"conversion": 0.2, "null": 0.3, "conversion": 0.5}}]}"#,
        )],
        stdin: None,
        names: "map.json line 3",
        stderr: "duplicate key 'conversion'",
    },
    Case {
        name: "json_stage_duplicate_touchpoint",
        exit: 2,
        args: &["fit", "{dir}/p.csv", "--stages", "{dir}/st.json"],
        files: &[
            ("p.csv", "path,total_conversions,total_null\na > b,1,1\n"),
            (
                "st.json",
                "{\"stages\": [\"A\", \"B\"],\n \"touchpoints\": {\"a\": \"A\", \"b\": \"B\",\n \"a\": \"B\"}}",
            ),
        ],
        stdin: None,
        names: "st.json line 3",
        stderr: "duplicate key 'a'",
    },
    Case {
        name: "json_scenario_duplicate_change_field",
        exit: 2,
        args: &[
            "whatif",
            "{dir}/p.csv",
            "--scenario",
            "{dir}/sc.json",
            "--journeys",
            "100",
        ],
        files: &[
            ("p.csv", "path,total_conversions,total_null\na > b,1,1\n"),
            (
                "sc.json",
                r#"{"name": "s", "changes": [
  {"change": "remove_touchpoint", "touchpoint": "a", "touchpoint": "b", "mode": "drop"}]}"#,
            ),
        ],
        stdin: None,
        names: "sc.json line 2",
        stderr: "duplicate key 'touchpoint'",
    },
    // Item: totals that overflow (counts near f64::MAX added up to infinity: NaN credits, `null`
    // in JSON, a model file that cannot be read back).
    Case {
        name: "totals_conversions_overflow",
        exit: 2,
        args: &["attribute", "{dir}/p.csv", "--format", "json"],
        files: &[(
            "p.csv",
            "path,total_conversions,total_conversion_value,total_null\na > b,1e308,1,1\nb,1e308,1,1\n",
        )],
        stdin: None,
        names: "p.csv",
        stderr: "the total of conversions over all rows passes",
    },
    Case {
        name: "totals_nulls_overflow",
        exit: 2,
        args: &["fit", "{dir}/p.csv"],
        files: &[(
            "p.csv",
            "path,total_conversions,total_conversion_value,total_null\na > b,1,1,1e308\nb,1,1,1e308\n",
        )],
        stdin: None,
        names: "p.csv",
        stderr: "the total of nulls over all rows passes",
    },
    Case {
        name: "totals_value_overflow",
        exit: 2,
        args: &["attribute", "{dir}/p.csv"],
        files: &[(
            "p.csv",
            "path,total_conversions,total_conversion_value,total_null\na > b,1,1e308,1\nb,1,1e308,1\n",
        )],
        stdin: None,
        names: "p.csv",
        stderr: "the total of conversion value over all rows passes",
    },
    Case {
        name: "totals_journeys_overflow",
        exit: 2,
        args: &["paths", "{dir}/p.csv"],
        files: &[(
            "p.csv",
            "path,total_conversions,total_null\na > b,1e308,1e308\n",
        )],
        stdin: None,
        names: "p.csv",
        stderr: "the total of journeys (conversions + nulls) over all rows passes",
    },
    Case {
        name: "totals_state_weights_overflow",
        exit: 2,
        args: &["fit", "{dir}/p.csv", "--format", "json"],
        files: &[(
            "p.csv",
            "path,total_conversions,total_null\na > b > a > b,1e308,0\n",
        )],
        stdin: None,
        names: "p.csv",
        stderr: "the weights out of state 'a' add up past",
    },
    Case {
        name: "totals_event_value_overflow",
        exit: 2,
        args: &["attribute", "--events", "{dir}/ev.csv", "--format", "json"],
        files: &[(
            "ev.csv",
            "user_id,timestamp,touchpoint,conversion,value\nu1,2026-01-01,a,0,\nu1,2026-01-02,,1,1e308\nu2,2026-01-01,b,0,\nu2,2026-01-02,,1,1e308\n",
        )],
        stdin: None,
        names: "ev.csv",
        stderr: "the total of conversion value over all rows passes",
    },
    Case {
        name: "model_value_distribution_overflow",
        exit: 2,
        args: &["simulate", "--model", "{dir}/m.json", "--journeys", "100"],
        files: &[(
            "m.json",
            r#"{"format": "journeysim-model", "version": 1, "order": 1, "channels": ["a"],
  "entry": [{"to": "a", "probability": 1.0}],
  "states": [{"state": "a", "value_distribution": [[1e308, 1.0], [1e308, 1.0]],
    "transitions": [{"to": "(conversion)", "probability": 0.5}, {"to": "(null)", "probability": 0.5}]}]}"#,
        )],
        stdin: None,
        names: "m.json",
        stderr: "state 'a': value_distribution adds up past",
    },
    Case {
        name: "model_value_distribution_negative_weight",
        exit: 2,
        args: &["simulate", "--model", "{dir}/m.json", "--journeys", "100"],
        files: &[(
            "m.json",
            r#"{"format": "journeysim-model", "version": 1, "order": 1, "channels": ["a"],
  "entry": [{"to": "a", "probability": 1.0}],
  "states": [{"state": "a", "value_distribution": [[10.0, 2.0], [30.0, -1.0]],
    "transitions": [{"to": "(conversion)", "probability": 0.5}, {"to": "(null)", "probability": 0.5}]}]}"#,
        )],
        stdin: None,
        names: "m.json",
        stderr: "state 'a': value_distribution has weight -1; weights must be finite and >= 0",
    },
    // Item: renamed columns taken as absent (every journey converted, P(conversion) = 1).
    Case {
        name: "renamed_null_column",
        exit: 2,
        args: &[
            "attribute",
            "{dir}/p.csv",
            "--conversions-col",
            "conversions",
        ],
        files: &[(
            "p.csv",
            "path;conversions;value;nulls\na > b;1;10;3\nb;2;20;5\n",
        )],
        stdin: None,
        names: "p.csv line 1",
        stderr: "no column 'total_null' (non-converting counts) in the header, but it has unused columns: value, nulls; name the non-converting counts column with --null-col",
    },
    Case {
        name: "renamed_value_column",
        exit: 2,
        args: &[
            "fit",
            "{dir}/p.csv",
            "--conversions-col",
            "conversions",
            "--null-col",
            "nulls",
        ],
        files: &[(
            "p.csv",
            "path;conversions;value;nulls\na > b;1;10;3\nb;2;20;5\n",
        )],
        stdin: None,
        names: "p.csv line 1",
        stderr: "no column 'total_conversion_value' (conversion value) in the header, but it has unused columns: value; name the conversion value column with --value-col",
    },
    // Item: a channel separator that cannot split a path.
    Case {
        name: "channel_sep_empty",
        exit: 2,
        args: &["attribute", "{dir}/p.csv", "--channel-sep", ""],
        files: &[("p.csv", "path,total_conversions,total_null\na > b,1,1\n")],
        stdin: None,
        names: "--channel-sep",
        stderr: "is empty; an empty separator cannot split a path into channels",
    },
    // Item: all-zero data must name the file when a command cannot go on.
    Case {
        name: "simulate_all_zero_data",
        exit: 2,
        args: &["simulate", "{dir}/p.csv", "--journeys", "100"],
        files: &[(
            "p.csv",
            "path,total_conversions,total_null\na > b,0,0\nb,0,0\n",
        )],
        stdin: None,
        names: "p.csv",
        stderr: "no journey in the data",
    },
    Case {
        name: "whatif_all_zero_data",
        exit: 2,
        args: &[
            "whatif",
            "{dir}/p.csv",
            "--scenario",
            "{dir}/sc.json",
            "--journeys",
            "100",
        ],
        files: &[
            ("p.csv", "path,total_conversions,total_null\na > b,0,0\n"),
            (
                "sc.json",
                r#"{"name": "s", "changes": [{"change": "remove_touchpoint", "touchpoint": "a", "mode": "drop"}]}"#,
            ),
        ],
        stdin: None,
        names: "p.csv",
        stderr: "no journey in the data",
    },
    Case {
        name: "attribute_all_zero_data_warns",
        exit: 0,
        args: &["attribute", "{dir}/p.csv", "--format", "json"],
        files: &[("p.csv", "path,total_conversions,total_null\na > b,0,0\n")],
        stdin: None,
        names: "p.csv",
        stderr: "skipped 1 row(s) with zero conversions and zero nulls",
    },
    // Item: conversions that keep no touch are reported apart (a warning, exit 0), in every
    // format.
    Case {
        name: "events_offline_orders_json",
        exit: 0,
        args: &[
            "attribute",
            "--events",
            "{dir}/ev.csv",
            "--format",
            "json",
            "--open-journeys",
            "null",
        ],
        files: &[(
            "ev.csv",
            "user_id,timestamp,touchpoint,conversion,value\nu1,2026-01-01,a,0,\nu1,2026-01-02,b,1,10\nu2,2026-01-03,,1,7\n",
        )],
        stdin: None,
        names: "ev.csv",
        stderr: "1 conversions (value 7) had no touch within the lookback window",
    },
    // Item: journeys still in progress (`--as-of`, `--open-journeys`).
    Case {
        name: "events_every_touch_censored",
        exit: 2,
        args: &["fit", "--events", "{dir}/ev.csv"],
        files: &[(
            "ev.csv",
            "user_id,timestamp,touchpoint,conversion,value\nu1,2026-01-01,a,0,\nu1,2026-01-02,b,1,10\n",
        )],
        stdin: None,
        names: "ev.csv",
        stderr: "every touch began less than the inactivity window before the end of the data (2026-01-02T00:00:00Z)",
    },
    Case {
        name: "as_of_without_events",
        exit: 2,
        args: &["attribute", "{dir}/p.csv", "--as-of", "2026-01-01"],
        files: &[("p.csv", "path,total_conversions,total_null\na,1,1\n")],
        stdin: None,
        names: "",
        stderr: "--as-of applies to an event log; give --events FILE, or leave --as-of out",
    },
    Case {
        name: "as_of_not_a_time",
        exit: 2,
        args: &["attribute", "--events", "{dir}/ev.csv", "--as-of", "soon"],
        files: &[("ev.csv", "user_id,timestamp,touchpoint\nu1,2026-01-01,a\n")],
        stdin: None,
        names: "",
        stderr: "'soon' is not a time",
    },
    Case {
        name: "aggregate_cannot_censor",
        exit: 2,
        args: &[
            "aggregate",
            "--events",
            "{dir}/ev.csv",
            "--open-journeys",
            "censor",
        ],
        files: &[("ev.csv", "user_id,timestamp,touchpoint\nu1,2026-01-01,a\n")],
        stdin: None,
        names: "",
        stderr: "--open-journeys censor does not apply to aggregate",
    },
    Case {
        name: "events_only_offline_orders_csv",
        exit: 0,
        args: &[
            "attribute",
            "--events",
            "{dir}/ev.csv",
            "--format",
            "csv",
            "--open-journeys",
            "null",
        ],
        files: &[(
            "ev.csv",
            "user_id,timestamp,touchpoint,conversion,value\nu1,2026-01-01,a,0,\nu2,2026-01-03,,1,7\n",
        )],
        stdin: None,
        names: "ev.csv",
        stderr: "had no touch within the lookback window",
    },
    // Item: `sql` names no table or column it cannot quote, and windows are finite and positive.
    Case {
        name: "sql_bigquery_backtick_column",
        exit: 2,
        args: &[
            "sql",
            "--dialect",
            "bigquery",
            "--table",
            "events",
            "--user-col",
            "u` OR 1=1 --",
        ],
        files: &[],
        stdin: None,
        names: "--user-col",
        stderr: "cannot be a bigquery identifier",
    },
    Case {
        name: "sql_newline_in_table",
        exit: 2,
        args: &[
            "sql",
            "--dialect",
            "postgres",
            "--table",
            "events\n; DROP TABLE x",
        ],
        files: &[],
        stdin: None,
        names: "--table",
        stderr: "contains a control character",
    },
    Case {
        name: "sql_empty_table_part",
        exit: 2,
        args: &["sql", "--dialect", "duckdb", "--table", "analytics..events"],
        files: &[],
        stdin: None,
        names: "--table",
        stderr: "'' is empty",
    },
    Case {
        name: "sql_nan_lookback",
        exit: 2,
        args: &[
            "sql",
            "--dialect",
            "spark",
            "--table",
            "events",
            "--lookback-days",
            "NaN",
        ],
        files: &[],
        stdin: None,
        names: "--lookback-days",
        stderr: "a query needs a finite, positive number of days",
    },
    Case {
        name: "sql_negative_inactivity",
        exit: 2,
        args: &[
            "sql",
            "--dialect",
            "snowflake",
            "--table",
            "events",
            "--inactivity-days=-1",
        ],
        files: &[],
        stdin: None,
        names: "--inactivity-days",
        stderr: "is -1; a query needs a finite, positive number of days",
    },
    Case {
        name: "sql_infinite_lookback",
        exit: 2,
        args: &[
            "sql",
            "--dialect",
            "duckdb",
            "--table",
            "events",
            "--lookback-days",
            "inf",
        ],
        files: &[],
        stdin: None,
        names: "--lookback-days",
        stderr: "is inf",
    },
    Case {
        name: "sql_unknown_dialect",
        exit: 2,
        args: &["sql", "--dialect", "oracle", "--table", "events"],
        files: &[],
        stdin: None,
        names: "--dialect",
        stderr: "invalid value 'oracle'",
    },
    // Item: `aggregate` reads an event log as --events does: same errors, file and line.
    Case {
        name: "aggregate_empty_touchpoint_without_conversion",
        exit: 2,
        args: &["aggregate", "--events", "{dir}/ev.csv"],
        files: &[(
            "ev.csv",
            "user_id,timestamp,touchpoint,conversion,value\nu1,2026-01-01,a,0,\nu1,2026-01-02,,0,\n",
        )],
        stdin: None,
        names: "ev.csv line 3",
        stderr: "touchpoint is empty and the row is not a conversion",
    },
    Case {
        name: "aggregate_missing_segment_column",
        exit: 2,
        args: &[
            "aggregate",
            "--events",
            "{dir}/ev.csv",
            "--segment-col",
            "persona",
        ],
        files: &[(
            "ev.csv",
            "user_id,timestamp,touchpoint,conversion,value\nu1,2026-01-01,a,1,3\n",
        )],
        stdin: None,
        names: "ev.csv",
        stderr: "persona",
    },
    // Item: long names and lists in messages are cut (~80 characters, 10 items and N more).
    Case {
        name: "long_state_name_is_cut",
        exit: 2,
        args: &["simulate", "--model", "{dir}/m.json", "--journeys", "100"],
        files: &[(
            "m.json",
            r#"{"format": "journeysim-model", "version": 1, "order": 1, "channels": ["xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"],
  "entry": [{"to": "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "probability": 1.0}],
  "states": [{"state": "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "transitions": [{"to": "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "probability": 1.0}]}]}"#,
        )],
        stdin: None,
        names: "m.json",
        stderr: "model state 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...' can never reach (conversion) or (null)",
    },
    Case {
        name: "long_column_list_is_cut",
        exit: 2,
        args: &["attribute", "{dir}/p.csv"],
        files: &[(
            "p.csv",
            "c0,c1,c2,c3,c4,c5,c6,c7,c8,c9,c10,c11,c12,c13,c14\n1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n",
        )],
        stdin: None,
        names: "p.csv line 1",
        stderr: "columns found: c0, c1, c2, c3, c4, c5, c6, c7, c8, c9 and 5 more; name it with --path-col",
    },
    // Item: funnel on data without a journey (a nalgebra panic on an empty matrix).
    Case {
        name: "funnel_all_zero_data",
        exit: 2,
        args: &[
            "funnel",
            "{dir}/zero.csv",
            "--stages",
            "scenarios/stages.json",
        ],
        files: &[(
            "zero.csv",
            "path,total_conversions,total_conversion_value,total_null\na > b,0,0,0\nb,0,0,0\n",
        )],
        stdin: None,
        names: "zero.csv",
        stderr: "no journeys to make a funnel of",
    },
    // Item: counts past f64::MAX made `order` and `--order auto` loop forever on NaN.
    Case {
        name: "order_counts_past_the_largest_number",
        exit: 2,
        args: &["order", "{dir}/big.csv"],
        files: &[(
            "big.csv",
            "path,total_conversions,total_conversion_value,total_null\na > b,1e308,0,1e308\nb,1e308,0,1e308\n",
        )],
        stdin: None,
        names: "big.csv",
        stderr: "the largest number",
    },
    Case {
        name: "order_auto_counts_past_the_largest_number",
        exit: 2,
        args: &["attribute", "{dir}/big.csv", "--order", "auto"],
        files: &[(
            "big.csv",
            "path,total_conversions,total_conversion_value,total_null\na > b,1e308,0,1e308\nb,1e308,0,1e308\n",
        )],
        stdin: None,
        names: "big.csv",
        stderr: "the largest number",
    },
    // Item: an --out extension that names no format (a text table was written as .xlsx).
    Case {
        name: "out_extension_names_no_format",
        exit: 2,
        args: &[
            "attribute",
            "data/sample_paths.csv",
            "--out",
            "{dir}/credits.xlsx",
        ],
        files: &[],
        stdin: None,
        names: "credits.xlsx",
        stderr: "names no supported format",
    },
    // Item: one count parser; 1e20 is too large, not "not a whole number".
    Case {
        name: "journeys_too_large",
        exit: 2,
        args: &["simulate", "data/sample_paths.csv", "--journeys", "1e20"],
        files: &[],
        stdin: None,
        names: "--journeys",
        stderr: "too large: at most",
    },
    // Item: --threads far beyond the cores is capped with a note (thousands of threads started).
    Case {
        name: "threads_capped_with_a_note",
        exit: 0,
        args: &[
            "simulate",
            "data/sample_paths.csv",
            "--journeys",
            "1e3",
            "--threads",
            "100000",
        ],
        files: &[],
        stdin: None,
        names: "--threads 100000",
        stderr: "available cores; using",
    },
    // Item: --svg with --segment-col exited 0 and wrote nothing.
    Case {
        name: "svg_with_segment_col",
        exit: 2,
        args: &[
            "attribute",
            "--events",
            "data/sample_events.csv",
            "--segment-col",
            "persona",
            "--svg",
            "{dir}/credits.svg",
        ],
        files: &[],
        stdin: None,
        names: "--svg",
        stderr: "--segment-col",
    },
    // Item: cost files (`--costs`): every bad field names the file, line and field; a channel
    // the data lack lists the data's channels; a channel without a cost only warns.
    Case {
        name: "costs_negative",
        exit: 2,
        args: &["attribute", "{dir}/p.csv", "--costs", "{dir}/c.csv"],
        files: &[
            (
                "p.csv",
                "path,total_conversions,total_conversion_value,total_null\na > b,3,30,1\nc,1,5,3\n",
            ),
            ("c.csv", "channel,cost\na,10\nb,-3\n"),
        ],
        stdin: None,
        names: "c.csv line 3",
        stderr: "cost of 'b' is -3; a cost must be a finite number >= 0",
    },
    Case {
        name: "costs_nan",
        exit: 2,
        args: &["attribute", "{dir}/p.csv", "--costs", "{dir}/c.csv"],
        files: &[
            (
                "p.csv",
                "path,total_conversions,total_conversion_value,total_null\na > b,3,30,1\nc,1,5,3\n",
            ),
            ("c.csv", "channel,cost\na,NaN\n"),
        ],
        stdin: None,
        names: "c.csv line 2",
        stderr: "cost of 'a' is NaN",
    },
    Case {
        name: "costs_infinite",
        exit: 2,
        args: &[
            "simulate",
            "{dir}/p.csv",
            "--journeys",
            "100",
            "--costs",
            "{dir}/c.csv",
        ],
        files: &[
            (
                "p.csv",
                "path,total_conversions,total_conversion_value,total_null\na > b,3,30,1\nc,1,5,3\n",
            ),
            ("c.csv", "channel,cost\na,1e999\n"),
        ],
        stdin: None,
        names: "c.csv line 2",
        stderr: "cost of 'a' is inf",
    },
    Case {
        name: "costs_not_a_number",
        exit: 2,
        args: &["attribute", "{dir}/p.csv", "--costs", "{dir}/c.csv"],
        files: &[
            (
                "p.csv",
                "path,total_conversions,total_conversion_value,total_null\na > b,3,30,1\nc,1,5,3\n",
            ),
            ("c.csv", "channel,cost\na,€12\n"),
        ],
        stdin: None,
        names: "c.csv line 2",
        stderr: "cost of 'a' is '€12', not a number",
    },
    Case {
        name: "costs_thousands_separator",
        exit: 2,
        args: &["attribute", "{dir}/p.csv", "--costs", "{dir}/c.csv"],
        files: &[
            (
                "p.csv",
                "path,total_conversions,total_conversion_value,total_null\na > b,3,30,1\nc,1,5,3\n",
            ),
            ("c.csv", "channel;cost\na;1,200\n"),
        ],
        stdin: None,
        names: "c.csv line 2",
        stderr: "cost of 'a' is '1,200', not a number",
    },
    Case {
        name: "costs_unknown_channel",
        exit: 2,
        args: &[
            "whatif",
            "{dir}/p.csv",
            "--scenario",
            "scenarios/remove_display.json",
            "--journeys",
            "100",
            "--costs",
            "{dir}/c.csv",
        ],
        files: &[
            (
                "p.csv",
                "path,total_conversions,total_conversion_value,total_null\na > b,3,30,1\nc,1,5,3\n",
            ),
            ("c.csv", "channel,cost\na,1\ndisplay,5\n"),
        ],
        stdin: None,
        names: "c.csv line 3",
        stderr: "channel 'display' is not in the data; the data's channels are: a, b, c",
    },
    Case {
        name: "costs_duplicate_channel",
        exit: 2,
        args: &["attribute", "{dir}/p.csv", "--costs", "{dir}/c.csv"],
        files: &[
            (
                "p.csv",
                "path,total_conversions,total_conversion_value,total_null\na > b,3,30,1\nc,1,5,3\n",
            ),
            ("c.csv", "channel,cost\na,1\nb,2\na,3\n"),
        ],
        stdin: None,
        names: "c.csv line 4",
        stderr: "channel 'a' has a cost already on line 2",
    },
    Case {
        name: "costs_empty_channel",
        exit: 2,
        args: &["attribute", "{dir}/p.csv", "--costs", "{dir}/c.csv"],
        files: &[
            (
                "p.csv",
                "path,total_conversions,total_conversion_value,total_null\na > b,3,30,1\nc,1,5,3\n",
            ),
            ("c.csv", "channel,cost\n,1\n"),
        ],
        stdin: None,
        names: "c.csv line 2",
        stderr: "channel is empty",
    },
    Case {
        name: "costs_missing_column",
        exit: 2,
        args: &["attribute", "{dir}/p.csv", "--costs", "{dir}/c.csv"],
        files: &[
            (
                "p.csv",
                "path,total_conversions,total_conversion_value,total_null\na > b,3,30,1\nc,1,5,3\n",
            ),
            ("c.csv", "channel,spend\na,1\n"),
        ],
        stdin: None,
        names: "c.csv line 1",
        stderr: "no column 'cost' in the header; columns found: channel, spend",
    },
    Case {
        name: "costs_short_row",
        exit: 2,
        args: &["attribute", "{dir}/p.csv", "--costs", "{dir}/c.csv"],
        files: &[
            (
                "p.csv",
                "path,total_conversions,total_conversion_value,total_null\na > b,3,30,1\nc,1,5,3\n",
            ),
            ("c.csv", "channel,cost\na,1\nb\n"),
        ],
        stdin: None,
        names: "c.csv line 3",
        stderr: "the row has 1 fields but the header has 2",
    },
    Case {
        name: "costs_no_rows",
        exit: 2,
        args: &["attribute", "{dir}/p.csv", "--costs", "{dir}/c.csv"],
        files: &[
            (
                "p.csv",
                "path,total_conversions,total_conversion_value,total_null\na > b,3,30,1\nc,1,5,3\n",
            ),
            ("c.csv", "channel,cost\n"),
        ],
        stdin: None,
        names: "c.csv",
        stderr: "no cost in the file",
    },
    Case {
        name: "costs_empty_file",
        exit: 2,
        args: &["attribute", "{dir}/p.csv", "--costs", "{dir}/c.csv"],
        files: &[
            (
                "p.csv",
                "path,total_conversions,total_conversion_value,total_null\na > b,3,30,1\nc,1,5,3\n",
            ),
            ("c.csv", ""),
        ],
        stdin: None,
        names: "c.csv",
        stderr: "the file is empty",
    },
    Case {
        name: "costs_channel_without_cost_warns",
        exit: 0,
        args: &["attribute", "{dir}/p.csv", "--costs", "{dir}/c.csv"],
        files: &[
            (
                "p.csv",
                "path,total_conversions,total_conversion_value,total_null\na > b,3,30,1\nc,1,5,3\n",
            ),
            ("c.csv", "channel,cost\na,10\nc,0\n"),
        ],
        stdin: None,
        names: "c.csv",
        stderr: "gives no cost for 1 channel(s) of the data (b)",
    },
    Case {
        name: "costs_period_journeys_on_data",
        exit: 2,
        args: &[
            "simulate",
            "{dir}/p.csv",
            "--journeys",
            "100",
            "--costs",
            "{dir}/c.csv",
            "--period-journeys",
            "10",
        ],
        files: &[
            (
                "p.csv",
                "path,total_conversions,total_conversion_value,total_null\na > b,3,30,1\nc,1,5,3\n",
            ),
            ("c.csv", "channel,cost\na,1\n"),
        ],
        stdin: None,
        names: "p.csv",
        stderr: "--period-journeys cannot apply",
    },
    Case {
        name: "costs_map_without_period",
        exit: 2,
        args: &[
            "simulate",
            "--map",
            "scenarios/journey_map.json",
            "--journeys",
            "100",
            "--costs",
            "{dir}/c.csv",
        ],
        files: &[
            (
                "p.csv",
                "path,total_conversions,total_conversion_value,total_null\na > b,3,30,1\nc,1,5,3\n",
            ),
            ("c.csv", "channel,cost\ncheckout,1\n"),
        ],
        stdin: None,
        names: "scenarios/journey_map.json",
        stderr: "give --period-journeys N",
    },
    Case {
        name: "costs_with_segment_col",
        exit: 2,
        args: &[
            "attribute",
            "--events",
            "data/sample_events.csv",
            "--segment-col",
            "persona",
            "--costs",
            "{dir}/c.csv",
        ],
        files: &[
            (
                "p.csv",
                "path,total_conversions,total_conversion_value,total_null\na > b,3,30,1\nc,1,5,3\n",
            ),
            ("c.csv", "channel,cost\ncheckout,1\n"),
        ],
        stdin: None,
        names: "--segment-col",
        stderr: "cannot be split by --segment-col's segments",
    },
    Case {
        name: "costs_unknown_channel_writes_no_svg",
        exit: 2,
        args: &[
            "attribute",
            "{dir}/p.csv",
            "--costs",
            "{dir}/c.csv",
            "--svg",
            "{dir}/credits.svg",
        ],
        files: &[
            (
                "p.csv",
                "path,total_conversions,total_conversion_value,total_null\na > b,3,30,1\nc,1,5,3\n",
            ),
            ("c.csv", "channel,cost\nd,1\n"),
        ],
        stdin: None,
        names: "c.csv line 2",
        stderr: "channel 'd' is not in the data",
    },
    // Item: an add_touchpoint conversion_factor that changes nothing said "+0" silently.
    Case {
        name: "whatif_conversion_factor_that_changes_nothing_warns",
        exit: 0,
        args: &[
            "whatif",
            "{dir}/p.csv",
            "--scenario",
            "{dir}/s.json",
            "--journeys",
            "1e3",
        ],
        files: &[
            (
                "p.csv",
                "path,total_conversions,total_conversion_value,total_null\na,3,30,2\nb > a,1,10,1\nb,0,0,4\n",
            ),
            (
                "s.json",
                r#"{"name": "n", "changes": [{"change": "add_touchpoint", "name": "new", "like": "b", "entry_share": 0.2, "conversion_factor": 2}]}"#,
            ),
        ],
        stdin: None,
        names: "s.json: changes[0] (add_touchpoint)",
        stderr: "'b' never converts directly",
    },
    // Item: budget plans (--budget): every field checked with the file, line and channel named.
    Case {
        name: "budget_with_costs",
        exit: 2,
        args: &[
            "whatif",
            "data/paths_10k.csv",
            "--budget",
            "scenarios/budget_10k.json",
            "--costs",
            "data/costs_10k.csv",
            "--scenario",
            "scenarios/remove_display.json",
            "--journeys",
            "100",
        ],
        files: &[],
        stdin: None,
        names: "budget_10k.json",
        stderr: "--costs and --budget cannot be combined",
    },
    Case {
        name: "budget_negative_spend",
        exit: 2,
        args: &[
            "optimize",
            "data/paths_10k.csv",
            "--budget",
            "{dir}/plan.json",
        ],
        files: &[(
            "plan.json",
            "{\"channels\": {\n  \"display\": {\"spend\": -3, \"buys\": \"entries\"}}}",
        )],
        stdin: None,
        names: "plan.json line 2",
        stderr: "channels.display: spend is -3; it must be a finite number >= 0",
    },
    Case {
        name: "budget_unknown_field",
        exit: 2,
        args: &[
            "whatif",
            "data/paths_10k.csv",
            "--budget",
            "{dir}/plan.json",
            "--scenario",
            "scenarios/remove_display.json",
            "--journeys",
            "100",
        ],
        files: &[(
            "plan.json",
            "{\"channels\": {\"display\": {\"spend\": 3, \"buy\": \"entries\"}}}",
        )],
        stdin: None,
        names: "plan.json line 1",
        stderr: "channels.display: unknown field `buy`",
    },
    Case {
        name: "budget_bad_curve_parameter",
        exit: 2,
        args: &[
            "optimize",
            "data/paths_10k.csv",
            "--budget",
            "{dir}/plan.json",
        ],
        files: &[(
            "plan.json",
            "{\"channels\": {\"display\": {\"spend\": 3, \"buys\": \"visits\", \"response\": {\"curve\": \"power\", \"elasticity\": 1.5}}}}",
        )],
        stdin: None,
        names: "plan.json line 1",
        stderr: "channels.display: response: elasticity is 1.5; it must be in (0, 1]",
    },
    Case {
        name: "budget_zero_spend_with_buys",
        exit: 2,
        args: &[
            "optimize",
            "data/paths_10k.csv",
            "--budget",
            "{dir}/plan.json",
        ],
        files: &[(
            "plan.json",
            "{\"channels\": {\"display\": {\"spend\": 0, \"buys\": \"entries\"}}}",
        )],
        stdin: None,
        names: "plan.json line 1",
        stderr: "channels.display: spend is 0; a channel with buys needs today's spend > 0",
    },
    Case {
        name: "budget_non_numeric_spend",
        exit: 2,
        args: &[
            "optimize",
            "data/paths_10k.csv",
            "--budget",
            "{dir}/plan.json",
        ],
        files: &[(
            "plan.json",
            "{\"channels\": {\"display\": {\"spend\": \"1e3 EUR\"}}}",
        )],
        stdin: None,
        names: "plan.json line 1",
        stderr: "channels.display: invalid type: string",
    },
    Case {
        name: "budget_channel_the_data_lack",
        exit: 2,
        args: &[
            "optimize",
            "data/paths_10k.csv",
            "--budget",
            "{dir}/plan.json",
        ],
        files: &[(
            "plan.json",
            "{\"channels\": {\"dispaly\": {\"spend\": 5, \"buys\": \"entries\"}}}",
        )],
        stdin: None,
        names: "plan.json: budget plan channel 'dispaly'",
        stderr: "is not a channel of the model; did you mean 'display'?; its channels: affiliate, comparison",
    },
    Case {
        name: "budget_syntax_error",
        exit: 2,
        args: &[
            "optimize",
            "data/paths_10k.csv",
            "--budget",
            "{dir}/plan.json",
        ],
        files: &[(
            "plan.json",
            "{\"channels\": {\n\"display\": {\"spend\": 5,}}}",
        )],
        stdin: None,
        names: "plan.json line 2",
        stderr: "trailing comma",
    },
    Case {
        name: "budget_map_without_journeys",
        exit: 2,
        args: &[
            "optimize",
            "--map",
            "scenarios/journey_map.json",
            "--budget",
            "{dir}/plan.json",
        ],
        files: &[(
            "plan.json",
            "{\"channels\": {\"checkout\": {\"spend\": 5}}}",
        )],
        stdin: None,
        names: "plan.json: the budget plan has no",
        stderr: "give the journeys per period in the plan",
    },
    Case {
        name: "budget_shift_more_than_spent",
        exit: 2,
        args: &[
            "whatif",
            "data/paths_10k.csv",
            "--budget",
            "scenarios/budget_10k.json",
            "--scenario",
            "{dir}/s.json",
            "--journeys",
            "100",
        ],
        files: &[(
            "s.json",
            "{\"name\": \"x\", \"changes\": [{\"change\": \"shift_spend\", \"from\": \"email\", \"to\": \"display\", \"amount\": 900}]}",
        )],
        stdin: None,
        names: "s.json",
        stderr: "changes[0] (shift_spend): amount is 900, more than 'email' spends (800)",
    },
    Case {
        name: "budget_spend_change_unknown_channel",
        exit: 2,
        args: &[
            "whatif",
            "data/paths_10k.csv",
            "--budget",
            "scenarios/budget_10k.json",
            "--scenario",
            "{dir}/s.json",
            "--journeys",
            "100",
        ],
        files: &[(
            "s.json",
            "{\"name\": \"x\", \"changes\": [{\"change\": \"scale_spend\", \"channel\": \"emial\", \"factor\": 2}]}",
        )],
        stdin: None,
        names: "s.json",
        stderr: "'emial' is not a channel of the budget plan; did you mean 'email'?",
    },
    Case {
        name: "budget_spend_change_negative",
        exit: 2,
        args: &[
            "whatif",
            "data/paths_10k.csv",
            "--budget",
            "scenarios/budget_10k.json",
            "--scenario",
            "{dir}/s.json",
        ],
        files: &[(
            "s.json",
            "{\"name\": \"x\", \"changes\": [{\"change\": \"set_spend\", \"channel\": \"email\", \"spend\": -1}]}",
        )],
        stdin: None,
        names: "s.json",
        stderr: "changes[0] (set_spend): spend is -1; it must be a finite amount >= 0",
    },
    // Item: compare's inputs (two files, or one event log split in two).
    Case {
        name: "compare_same_file_twice_warns",
        exit: 0,
        args: &["compare", "{dir}/p.csv", "{dir}/p.csv", "--resamples", "10"],
        files: &[(
            "p.csv",
            "path,total_conversions,total_null\na > b,1,1\nb,2,3\n",
        )],
        stdin: None,
        names: "p.csv",
        stderr: "A and B are the same input",
    },
    Case {
        name: "compare_split_at_on_paths",
        exit: 2,
        args: &["compare", "{dir}/p.csv", "--split-at", "2026-01-20"],
        files: &[("p.csv", "path,total_conversions,total_null\na > b,1,1\n")],
        stdin: None,
        names: "p.csv",
        stderr: "--split-at splits the journeys of an event log",
    },
    Case {
        name: "compare_unknown_segment",
        exit: 2,
        args: &[
            "compare",
            "--events",
            "{dir}/ev.csv",
            "--segment-col",
            "persona",
            "--segments",
            "x,yy",
            "--open-journeys",
            "null",
        ],
        files: &[(
            "ev.csv",
            "user_id,timestamp,touchpoint,conversion,value,persona\nu1,2026-01-01,a,1,5,x\nu2,2026-01-01,b,0,,y\n",
        )],
        stdin: None,
        names: "ev.csv",
        stderr: "no journeys in segment 'yy'; the segments seen are x, y; did you mean 'y'?",
    },
    Case {
        name: "compare_split_at_leaves_a_side_empty",
        exit: 2,
        args: &[
            "compare",
            "--events",
            "{dir}/ev.csv",
            "--split-at",
            "2025-01-01",
            "--open-journeys",
            "null",
        ],
        files: &[(
            "ev.csv",
            "user_id,timestamp,touchpoint,conversion,value\nu1,2026-01-01,a,1,5\n",
        )],
        stdin: None,
        names: "ev.csv",
        stderr: "no journeys in segment 'before'",
    },
    Case {
        name: "compare_split_at_not_a_time",
        exit: 2,
        args: &["compare", "--events", "{dir}/ev.csv", "--split-at", "soon"],
        files: &[(
            "ev.csv",
            "user_id,timestamp,touchpoint,conversion,value\nu1,2026-01-01,a,1,5\n",
        )],
        stdin: None,
        names: "soon",
        stderr: "is not a time",
    },
    Case {
        name: "compare_second_file_bad_row",
        exit: 2,
        args: &["compare", "{dir}/a.csv", "{dir}/b.csv"],
        files: &[
            ("a.csv", "path,total_conversions,total_null\na > b,1,1\n"),
            ("b.csv", "path,total_conversions,total_null\na > b,-1,1\n"),
        ],
        stdin: None,
        names: "b.csv line 2",
        stderr: "total_conversions",
    },
    // Item: `report` writes only to a file (its cases give their own --out): bad input is the
    // same clear error, and no partial page is left behind.
    Case {
        name: "report_negative_count",
        exit: 2,
        args: &["report", "{dir}/p.csv", "--out", "{dir}/r.html"],
        files: &[(
            "p.csv",
            "path,total_conversions,total_conversion_value,total_null\na > b,1,2,-3\n",
        )],
        stdin: None,
        names: "p.csv line 2",
        stderr: "total_null is -3; counts must be >= 0",
    },
    Case {
        name: "report_touchpoint_without_a_stage",
        exit: 2,
        args: &[
            "report",
            "{dir}/p.csv",
            "--stages",
            "{dir}/st.json",
            "--out",
            "{dir}/r.html",
        ],
        files: &[
            (
                "p.csv",
                "path,total_conversions,total_conversion_value,total_null\na > b,1,2,3\nb,0,0,2\n",
            ),
            (
                "st.json",
                "{\"stages\": [\"x\"], \"touchpoints\": {\"a\": \"x\"}}",
            ),
        ],
        stdin: None,
        names: "st.json",
        stderr: "no stage for b",
    },
    Case {
        name: "report_truncated_scenario",
        exit: 2,
        args: &[
            "report",
            "{dir}/p.csv",
            "--scenario",
            "{dir}/sc.json",
            "--out",
            "{dir}/r.html",
        ],
        files: &[
            (
                "p.csv",
                "path,total_conversions,total_conversion_value,total_null\na > b,1,2,3\n",
            ),
            ("sc.json", "{\"name\": \"s\", \"changes\": ["),
        ],
        stdin: None,
        names: "sc.json line 1",
        stderr: "EOF while parsing",
    },
    Case {
        name: "report_events_bad_timestamp",
        exit: 2,
        args: &[
            "report",
            "--events",
            "{dir}/ev.csv",
            "--out",
            "{dir}/r.html",
        ],
        files: &[(
            "ev.csv",
            "user_id,timestamp,touchpoint,conversion,value\nu1,2026-13-01,a,1,0\n",
        )],
        stdin: None,
        names: "ev.csv line 2",
        stderr: "'2026-13-01' is not a timestamp",
    },
    Case {
        name: "report_costs_without_channel_column",
        exit: 2,
        args: &[
            "report",
            "{dir}/p.csv",
            "--costs",
            "{dir}/c.csv",
            "--out",
            "{dir}/r.html",
        ],
        files: &[
            (
                "p.csv",
                "path,total_conversions,total_conversion_value,total_null\na > b,1,2,3\n",
            ),
            ("c.csv", "touchpoint,cost\na,-5\n"),
        ],
        stdin: None,
        names: "c.csv line 1",
        stderr: "no column 'channel'",
    },
    Case {
        name: "report_to_a_file_that_is_not_html",
        exit: 2,
        args: &["report", "{dir}/p.csv", "--out", "{dir}/r.svg"],
        files: &[(
            "p.csv",
            "path,total_conversions,total_conversion_value,total_null\na > b,1,2,3\n",
        )],
        stdin: None,
        names: "r.svg",
        stderr: "the report is an HTML page",
    },
];

/// A JSON input with a UTF-8 byte-order mark is read, as CSV inputs are.
#[test]
fn json_with_a_byte_order_mark_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let model = std::fs::read_to_string("tests/golden/inputs/model_small.json").unwrap();
    let path = dir.path().join("bom.json");
    std::fs::write(&path, format!("\u{feff}{model}")).unwrap();
    let output = Command::cargo_bin("journeysim")
        .unwrap()
        .args(["graph", "--model", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A 1 MB name quoted in an error comes back cut, so the message stays a line long.
#[test]
fn a_megabyte_name_gives_a_short_error() {
    let dir = tempfile::tempdir().unwrap();
    let name = "n".repeat(1 << 20);
    let path = dir.path().join("p.csv");
    std::fs::write(
        &path,
        format!("path,total_conversions,total_null\n{name} > ,1,1\n"),
    )
    .unwrap();
    let output = Command::cargo_bin("journeysim")
        .unwrap()
        .args(["attribute", path.to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("p.csv line 2: the path 'nnn"), "{stderr}");
    assert!(stderr.len() < 500, "{} bytes of error", stderr.len());
}

fn run_case(case: &Case, out: bool) {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in case.files {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let d = dir.path().to_str().unwrap();
    let mut args: Vec<String> = case.args.iter().map(|a| a.replace("{dir}", d)).collect();
    let out_name = out_name(case);
    let target = dir.path().join(out_name);
    if out {
        args.push("--out".into());
        args.push(target.to_str().unwrap().into());
    }
    let mut cmd = Command::cargo_bin("journeysim").unwrap();
    cmd.args(&args).timeout(std::time::Duration::from_secs(60));
    if let Some(input) = case.stdin {
        cmd.write_stdin(input);
    }
    let output = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let what = format!("case {} (out: {out}): {stderr}", case.name);
    assert_eq!(output.status.code(), Some(case.exit), "{what}");
    assert!(
        stderr.contains(case.names),
        "{what}: does not name {}",
        case.names
    );
    assert!(
        stderr.contains(case.stderr),
        "{what}: expected {}",
        case.stderr
    );
    assert_numbers_are_numbers(&stdout, &format!("{what}: stdout"));
    if case.exit != 0 {
        assert!(output.stdout.is_empty(), "{what}: stdout not empty");
    }
    if out && case.exit == 0 {
        let text = std::fs::read_to_string(&target)
            .unwrap_or_else(|e| panic!("{what}: no --out file ({e})"));
        assert_numbers_are_numbers(&text, &format!("{what}: --out file"));
    }
    // Nothing else is left in the case's directory: no partial output, no temporary file, no
    // picture of a failed run.
    assert_only(
        dir.path(),
        case,
        (out && case.exit == 0).then_some(out_name),
        &what,
    );
}

/// The `--out` file a case writes: an extension that names a format the command writes (a
/// table, or a graph for `graph`, CSV for `generate`).
fn out_name(case: &Case) -> &'static str {
    match case.args.first() {
        Some(&"graph") => "out.dot",
        Some(&"generate") | Some(&"aggregate") => "out.csv",
        Some(&"sql") => "out.sql",
        _ => "out.txt",
    }
}

/// No NaN, infinity or JSON `null` appears as a number in `text` (the state `(null)` is a name).
fn assert_numbers_are_numbers(text: &str, what: &str) {
    let words = text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '(' || c == ')'));
    for word in words {
        let bare = word.trim_start_matches(['+', '-']);
        assert!(
            !matches!(
                bare.to_ascii_lowercase().as_str(),
                "nan" | "inf" | "infinity" | "null"
            ),
            "{what}: '{word}' in\n{text}"
        );
    }
}

/// The directory holds the case's own files, `output` if given, and nothing else.
fn assert_only(dir: &Path, case: &Case, output: Option<&str>, what: &str) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name();
        let name = name.to_string_lossy();
        assert!(
            case.files.iter().any(|(f, _)| *f == name) || output == Some(&name),
            "{what}: left {name} behind"
        );
    }
}

#[test]
fn every_bad_input_exits_as_expected_naming_the_input_without_stray_numbers_or_files() {
    for case in CASES {
        run_case(case, false);
        // A case about --out itself names its own; the others are run again writing to one.
        if !case.args.contains(&"--out") {
            run_case(case, true);
        }
    }
}
