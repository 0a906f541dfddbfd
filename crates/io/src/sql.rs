//! The journey-cutting query for a warehouse: one SQL statement that turns an event table into
//! the aggregated paths table (`path, total_conversions, total_conversion_value, total_null`,
//! plus the segment column when one is named), with the semantics of [`crate::events`] (the
//! `--events` reader), so only the small table of distinct paths leaves the warehouse.
//!
//! It lives beside the event-log reader because it is the same cutting rules written a second
//! way, and because it is text of a foreign format, which the core never produces.
//!
//! **Semantics** (per user, events in time order; ties at one instant by touchpoint bytes, a
//! conversion without a touch first, then conversions, then value, then segment):
//! a conversion ends a journey at its row; a journey that does not convert ends when the next
//! event comes more than the inactivity window after its last touch, or at the end of the data;
//! touches more than the lookback window before a conversion are dropped from its journey; a
//! conversion left with no touch is not in the table (it cannot be attributed); the segment of a
//! journey is the segment on its last row. In SQL this is: each event starts a journey when it is
//! the user's first, follows a conversion, or comes more than the inactivity window after the
//! event before it (which, in a non-converting journey, is its last touch); a running sum of those
//! starts numbers the journeys; the journey's last row says how it ended.
//!
//! **Where SQL and the CSV reader differ** (the reader stops with an error, a warehouse query
//! cannot): rows with a NULL user or time are skipped, and so are rows with neither a touchpoint
//! nor a conversion; NULL conversion and value are 0; negative counts or values and touchpoints
//! containing `>` are not checked.
//!
//! **Safety**: table and column names are quoted as identifiers of the dialect (a quote
//! character doubled where the dialect allows it); a name that cannot be quoted safely (empty, a
//! control character, a BigQuery backtick or backslash) is an error. The windows are typed
//! constants in a `params` CTE, checked finite and positive first.
//!
//! ```
//! use journeysim_io::events::EventsFormat;
//! use journeysim_io::sql::{Dialect, journeys_query};
//!
//! let query = journeys_query(Dialect::Postgres, "analytics.events", &EventsFormat::default())?;
//! assert!(query.contains(r#"FROM "analytics"."events""#));
//! assert!(query.contains(r#"COLLATE "C""#));
//! let hostile = EventsFormat { user_col: "a\nb".into(), ..EventsFormat::default() };
//! assert!(journeys_query(Dialect::DuckDb, "events", &hostile).is_err());
//! # Ok::<(), journeysim_core::Error>(())
//! ```

use journeysim_core::error::{Error, Result, clip};

use crate::events::{DAY, EventsFormat};

/// The SQL engines `journeysim sql` writes for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// DuckDB.
    DuckDb,
    /// PostgreSQL.
    Postgres,
    /// Apache Spark SQL (Databricks).
    Spark,
    /// Google BigQuery (GoogleSQL).
    BigQuery,
    /// Snowflake.
    Snowflake,
}

impl Dialect {
    /// The dialect's name as `--dialect` spells it.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::DuckDb => "duckdb",
            Dialect::Postgres => "postgres",
            Dialect::Spark => "spark",
            Dialect::BigQuery => "bigquery",
            Dialect::Snowflake => "snowflake",
        }
    }

    /// Every dialect.
    pub const ALL: [Dialect; 5] = [
        Dialect::DuckDb,
        Dialect::Postgres,
        Dialect::Spark,
        Dialect::BigQuery,
        Dialect::Snowflake,
    ];

    /// The identifier quote character.
    fn quote_char(self) -> char {
        match self {
            Dialect::Spark | Dialect::BigQuery => '`',
            _ => '"',
        }
    }

    /// `name` quoted as an identifier, or why it cannot be.
    fn quote(self, name: &str) -> std::result::Result<String, String> {
        if name.is_empty() {
            return Err("is empty".into());
        }
        if name.chars().any(char::is_control) {
            return Err("contains a control character (a newline, tab or NUL)".into());
        }
        let q = self.quote_char();
        if self == Dialect::BigQuery && (name.contains('`') || name.contains('\\')) {
            return Err(
                "contains a backtick or backslash, which BigQuery cannot quote safely".into(),
            );
        }
        let doubled = name.replace(q, &format!("{q}{q}"));
        Ok(format!("{q}{doubled}{q}"))
    }

    /// The 64-bit float type.
    fn double(self) -> &'static str {
        match self {
            Dialect::Postgres => "DOUBLE PRECISION",
            Dialect::BigQuery => "FLOAT64",
            _ => "DOUBLE",
        }
    }

    /// The string type.
    fn string(self) -> &'static str {
        match self {
            Dialect::Postgres => "TEXT",
            Dialect::Spark | Dialect::BigQuery => "STRING",
            _ => "VARCHAR",
        }
    }

    /// Seconds since the Unix epoch of the timestamp expression `t`, as a float.
    fn epoch_seconds(self, t: &str) -> String {
        match self {
            Dialect::DuckDb => format!("CAST(epoch_us({t}) AS DOUBLE) / 1e6"),
            Dialect::Postgres => format!("CAST(EXTRACT(EPOCH FROM {t}) AS DOUBLE PRECISION)"),
            Dialect::Spark => format!("CAST(unix_micros({t}) AS DOUBLE) / 1e6"),
            Dialect::BigQuery => format!("UNIX_MICROS({t}) / 1e6"),
            Dialect::Snowflake => {
                format!("CAST(DATE_PART(EPOCH_MICROSECOND, {t}) AS DOUBLE) / 1e6")
            }
        }
    }

    /// The string expression `s` compared by its UTF-8 bytes (DuckDB, Spark and BigQuery
    /// compare strings that way by default; PostgreSQL needs the "C" collation, Snowflake an
    /// explicit `utf8` one against a table's default collation).
    fn bytes_order(self, s: &str) -> String {
        match self {
            Dialect::Postgres => format!(r#"{s} COLLATE "C""#),
            Dialect::Snowflake => format!("COLLATE({s}, 'utf8')"),
            _ => s.to_owned(),
        }
    }

    /// The kept touches of a journey joined by `" > "` in `rank` order (NULLs skipped).
    fn path_agg(self, touch: &str, rank: &str) -> String {
        match self {
            Dialect::DuckDb | Dialect::Postgres | Dialect::BigQuery => {
                format!("STRING_AGG({touch}, ' > ' ORDER BY {rank})")
            }
            Dialect::Snowflake => format!("LISTAGG({touch}, ' > ') WITHIN GROUP (ORDER BY {rank})"),
            Dialect::Spark => format!(
                "concat_ws(' > ', transform(array_sort(collect_list(CASE WHEN {touch} IS NOT NULL \
                 THEN named_struct('r', {rank}, 't', {touch}) END)), x -> x.t))"
            ),
        }
    }
}

/// A window in seconds, checked: finite and positive days whose seconds are finite.
fn window_seconds(option: &'static str, days: f64) -> Result<f64> {
    let seconds = days * DAY;
    if !(days.is_finite() && days > 0.0 && seconds.is_finite()) {
        return Err(Error::option(
            option,
            format!("is {days}; a query needs a finite, positive number of days"),
        ));
    }
    Ok(seconds)
}

/// The query that cuts the event table `table` (dot-separated parts, each quoted: `project.
/// dataset.events`) into journeys and aggregates them into the paths table, in `dialect`, reading
/// the columns and windows of `format` (its delimiter does not apply). The conversion and value
/// columns must exist in the table (NULL for none).
pub fn journeys_query(dialect: Dialect, table: &str, format: &EventsFormat) -> Result<String> {
    let name = |option: &'static str, text: &str| {
        dialect.quote(text).map_err(|why| {
            Error::option(
                option,
                format!(
                    "'{}' {why}; it cannot be a {} identifier",
                    clip(text),
                    dialect.name()
                ),
            )
        })
    };
    let table = table
        .split('.')
        .map(|part| name("table", part))
        .collect::<Result<Vec<_>>>()?
        .join(".");
    let user = name("user_col", &format.user_col)?;
    let time = name("time_col", &format.time_col)?;
    let touchpoint = name("touchpoint_col", &format.touchpoint_col)?;
    let conversion = name("conversion_col", &format.conversion_col)?;
    let value = name("value_col", &format.value_col)?;
    let segment = format
        .segment_col
        .as_deref()
        .map(|s| name("segment_col", s))
        .transpose()?;
    let lookback = window_seconds("lookback_days", format.lookback_days)?;
    let inactivity = window_seconds("inactivity_days", format.inactivity_days)?;

    let d = dialect;
    let double = d.double();
    let string = d.string();
    let epoch = d.epoch_seconds(&time);
    let segment_expr = match &segment {
        Some(s) => format!("COALESCE(CAST({s} AS {string}), '')"),
        None => "''".to_owned(),
    };
    let tie_touch = d.bytes_order("COALESCE(ev_touch, '')");
    let tie_segment = d.bytes_order("ev_segment");
    let user_window = "PARTITION BY ev_user ORDER BY ev_rank";
    let journey_window = "PARTITION BY ev_user, ev_journey ORDER BY ev_rank DESC";
    let path = d.path_agg("CASE WHEN kept = 1 THEN ev_touch END", "ev_rank");
    let out = |n: &str| d.quote(n).expect("fixed names quote");
    let (segment_select, segment_group, segment_order) = match &segment {
        Some(s) => (
            format!(",\n  j_segment AS {s}"),
            ", j_segment".to_owned(),
            format!(", {}", d.bytes_order("j_segment")),
        ),
        None => (String::new(), String::new(), String::new()),
    };
    let path_order = d.bytes_order("j_path");
    Ok(format!(
        "-- journeysim sql --dialect {dialect}: event table -> paths table, with the semantics of \
         --events\n\
         -- (README, \"At warehouse scale\"). Windows in seconds: lookback {lookback:?}, \
         inactivity {inactivity:?}.\n\
         WITH params AS (\n\
         \x20 SELECT\n\
         \x20   CAST({lookback:?} AS {double}) AS lookback_seconds,\n\
         \x20   CAST({inactivity:?} AS {double}) AS inactivity_seconds\n\
         ),\n\
         events AS (\n\
         \x20 SELECT\n\
         \x20   {user} AS ev_user,\n\
         \x20   {epoch} AS ev_time,\n\
         \x20   NULLIF(CAST({touchpoint} AS {string}), '') AS ev_touch,\n\
         \x20   CAST(COALESCE({conversion}, 0) AS {double}) AS ev_conversions,\n\
         \x20   CAST(COALESCE({value}, 0) AS {double}) AS ev_value,\n\
         \x20   {segment_expr} AS ev_segment\n\
         \x20 FROM {table}\n\
         \x20 WHERE {user} IS NOT NULL AND {time} IS NOT NULL\n\
         ),\n\
         ranked AS (\n\
         \x20 SELECT\n\
         \x20   e.*,\n\
         \x20   ROW_NUMBER() OVER (\n\
         \x20     PARTITION BY ev_user\n\
         \x20     ORDER BY ev_time, {tie_touch}, ev_conversions, ev_value, {tie_segment}\n\
         \x20   ) AS ev_rank\n\
         \x20 FROM events e\n\
         \x20 WHERE ev_touch IS NOT NULL OR ev_conversions > 0\n\
         ),\n\
         starts AS (\n\
         \x20 SELECT\n\
         \x20   r.*,\n\
         \x20   CASE\n\
         \x20     WHEN ev_rank = 1 THEN 1\n\
         \x20     WHEN LAG(ev_conversions) OVER ({user_window}) > 0 THEN 1\n\
         \x20     WHEN ev_time - LAG(ev_time) OVER ({user_window}) > p.inactivity_seconds THEN 1\n\
         \x20     ELSE 0\n\
         \x20   END AS ev_starts\n\
         \x20 FROM ranked r CROSS JOIN params p\n\
         ),\n\
         numbered AS (\n\
         \x20 SELECT\n\
         \x20   s.*,\n\
         \x20   SUM(ev_starts) OVER ({user_window} ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS ev_journey\n\
         \x20 FROM starts s\n\
         ),\n\
         ended AS (\n\
         \x20 SELECT\n\
         \x20   n.*,\n\
         \x20   FIRST_VALUE(ev_time) OVER ({journey_window}) AS end_time,\n\
         \x20   FIRST_VALUE(ev_conversions) OVER ({journey_window}) AS end_conversions,\n\
         \x20   FIRST_VALUE(ev_value) OVER ({journey_window}) AS end_value,\n\
         \x20   FIRST_VALUE(ev_segment) OVER ({journey_window}) AS end_segment\n\
         \x20 FROM numbered n\n\
         ),\n\
         kept AS (\n\
         \x20 SELECT\n\
         \x20   x.*,\n\
         \x20   CASE\n\
         \x20     WHEN ev_touch IS NULL THEN 0\n\
         \x20     WHEN end_conversions > 0 AND ev_time < end_time - p.lookback_seconds THEN 0\n\
         \x20     ELSE 1\n\
         \x20   END AS kept\n\
         \x20 FROM ended x CROSS JOIN params p\n\
         ),\n\
         journeys AS (\n\
         \x20 SELECT\n\
         \x20   {path} AS j_path,\n\
         \x20   MAX(end_conversions) AS j_conversions,\n\
         \x20   MAX(CASE WHEN end_conversions > 0 THEN end_value ELSE 0 END) AS j_value,\n\
         \x20   MAX(CASE WHEN end_conversions > 0 THEN 0 ELSE 1 END) AS j_null,\n\
         \x20   MAX(end_segment) AS j_segment,\n\
         \x20   SUM(kept) AS j_touches\n\
         \x20 FROM kept\n\
         \x20 GROUP BY ev_user, ev_journey\n\
         )\n\
         SELECT\n\
         \x20 j_path AS {path_out},\n\
         \x20 SUM(j_conversions) AS {conversions_out},\n\
         \x20 SUM(j_value) AS {value_out},\n\
         \x20 SUM(j_null) AS {null_out}{segment_select}\n\
         FROM journeys\n\
         WHERE j_touches > 0\n\
         GROUP BY j_path{segment_group}\n\
         ORDER BY {path_order}{segment_order}\n",
        dialect = d.name(),
        path_out = out("path"),
        conversions_out = out("total_conversions"),
        value_out = out("total_conversion_value"),
        null_out = out("total_null"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(dialect: Dialect, table: &str, format: &EventsFormat) -> Result<String> {
        journeys_query(dialect, table, format)
    }

    #[test]
    fn quote_characters_are_doubled_where_the_dialect_allows_and_refused_elsewhere() {
        let hostile = EventsFormat {
            user_col: r#"u" FROM x; DROP TABLE y; --"#.into(),
            touchpoint_col: "t` OR 1=1 --".into(),
            ..EventsFormat::default()
        };
        let q = query(Dialect::Postgres, "events", &hostile).unwrap();
        assert!(q.contains(r#""u"" FROM x; DROP TABLE y; --""#), "{q}");
        let q = query(Dialect::Spark, "events", &hostile).unwrap();
        assert!(q.contains("`t`` OR 1=1 --`"), "{q}");
        let e = query(Dialect::BigQuery, "events", &hostile).unwrap_err();
        assert!(
            matches!(&e, Error::Option { option, .. } if *option == "touchpoint_col"),
            "{e}"
        );
        for bad in ["", "a\nb", "a\0b", "a\tb"] {
            for d in Dialect::ALL {
                let f = EventsFormat {
                    time_col: bad.into(),
                    ..EventsFormat::default()
                };
                assert!(query(d, "events", &f).is_err(), "{d:?} {bad:?}");
                assert!(query(d, &format!("s.{bad}"), &EventsFormat::default()).is_err());
            }
        }
        assert!(query(Dialect::BigQuery, r"a\b", &EventsFormat::default()).is_err());
        assert!(query(Dialect::DuckDb, "a..b", &EventsFormat::default()).is_err());
    }

    #[test]
    fn windows_must_be_finite_and_positive() {
        for days in [f64::NAN, 0.0, -1.0, f64::INFINITY, 1e305] {
            for option in ["lookback_days", "inactivity_days"] {
                let mut f = EventsFormat::default();
                if option == "lookback_days" {
                    f.lookback_days = days;
                } else {
                    f.inactivity_days = days;
                }
                let e = query(Dialect::DuckDb, "events", &f).unwrap_err();
                assert!(
                    matches!(&e, Error::Option { option: o, .. } if *o == option),
                    "{days} {e}"
                );
            }
        }
        let f = EventsFormat {
            lookback_days: 0.5,
            inactivity_days: 1e-9,
            ..EventsFormat::default()
        };
        let q = query(Dialect::BigQuery, "p.d.events", &f).unwrap();
        assert!(
            q.contains("CAST(43200.0 AS FLOAT64) AS lookback_seconds"),
            "{q}"
        );
        assert!(
            q.contains("CAST(8.64e-5 AS FLOAT64) AS inactivity_seconds"),
            "{q}"
        );
        assert!(q.contains("FROM `p`.`d`.`events`"), "{q}");
    }

    #[test]
    fn the_segment_column_is_selected_only_when_named() {
        let plain = query(Dialect::Snowflake, "events", &EventsFormat::default()).unwrap();
        assert!(!plain.contains("j_segment AS"));
        let f = EventsFormat {
            segment_col: Some("persona".into()),
            ..EventsFormat::default()
        };
        let q = query(Dialect::Snowflake, "events", &f).unwrap();
        assert!(q.contains(r#"j_segment AS "persona""#), "{q}");
        assert!(q.contains("GROUP BY j_path, j_segment"), "{q}");
    }
}
