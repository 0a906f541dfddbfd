//! How a [`Comparison`] reads as a table and as CSV. The CSV is long: one row per compared
//! figure (`kind` = `level`, `channel`, `row` or `transition`), so one file holds the levels,
//! every channel's measures and every row's test, and a spreadsheet filters it by `kind`.

use journeysim_core::compare::{CREDIT_METHODS, Comparison, SideSummary};

use super::table::{Cell, Figures, num, pct};
use super::{Report, Table, number};

/// A change and its interval in one line of text, the three with the same decimals.
fn change_text(figures: Figures, x: f64, ci: [f64; 2]) -> String {
    figures.signed(x).text(" ").interval(ci, true).to_string()
}

fn points(x: f64) -> Cell {
    Figures::points().signed(x).into()
}

fn points_interval(ci: [f64; 2]) -> Cell {
    Figures::points().interval(ci, true).into()
}

fn p_value(p: f64) -> String {
    if p < 1e-4 {
        format!("{p:.1e}")
    } else {
        format!("{p:.4}")
    }
}

fn side_line(label: &str, s: &SideSummary) -> String {
    format!(
        "{label}: {}: {} journeys, {} conversions, P(conversion) {}%, value per journey {}\n",
        s.input,
        number(s.journeys),
        number(s.conversions),
        number(100.0 * s.conversion_probability),
        number(s.value_per_journey)
    )
}

impl Report for Comparison {
    fn table(&self) -> String {
        let level = 100.0 * self.intervals.level;
        let mut out = side_line("A", &self.a);
        out.push_str(&side_line("B", &self.b));
        let d = &self.difference;
        out.push_str(&format!(
            "B - A: P(conversion) {}, value per journey {}\n",
            change_text(
                Figures::points(),
                d.conversion_probability,
                d.conversion_probability_ci
            ),
            change_text(Figures::new(), d.value_per_journey, d.value_per_journey_ci)
        ));
        out.push_str(&format!(
            "order {}; {level:.0}% intervals: Bayesian bootstrap, {} resamples of each side, seed {}\n\n",
            self.order, self.intervals.resamples, self.intervals.seed
        ));

        out.push_str(
            "channels, most changed first (removal effect; markov share = share of the side's \
             conversions; the heuristics' shares are in JSON and CSV)\n",
        );
        let mut t = Table::new([
            "channel",
            "removal A",
            "removal B",
            "B - A",
            "interval",
            "markov share A",
            "markov share B",
            "B - A",
            "interval",
        ]);
        for c in &self.channels {
            let m = &c.credit_shares[0];
            t.row([
                c.channel.as_str().into(),
                pct(c.removal_effect_a),
                pct(c.removal_effect_b),
                points(c.removal_effect_difference),
                points_interval(c.removal_effect_difference_ci),
                pct(m.a),
                pct(m.b),
                points(m.difference),
                points_interval(m.difference_ci),
            ]);
        }
        out.push_str(&t.render());

        out.push_str(
            "\ntransition rows, most significant first (G-test of A against B; q: \
             Benjamini-Hochberg over all rows)\n",
        );
        let mut t = Table::new([
            "state",
            "journeys A",
            "journeys B",
            "G",
            "df",
            "p",
            "q",
            "largest change to",
            "P A",
            "P B",
            "B - A",
            "interval",
        ]);
        for r in &self.rows {
            let change: [Cell; 5] = match r.changes.first() {
                Some(c) => [
                    c.to.as_str().into(),
                    pct(c.probability_a),
                    pct(c.probability_b),
                    points(c.difference),
                    points_interval(c.difference_ci),
                ],
                None => std::array::from_fn(|_| "".into()),
            };
            t.row(
                [
                    r.state.as_str().into(),
                    num(r.journeys_a),
                    num(r.journeys_b),
                    num(r.g),
                    r.df.to_string().into(),
                    p_value(r.p).into(),
                    p_value(r.q).into(),
                ]
                .into_iter()
                .chain(change),
            );
        }
        out.push_str(&t.render());
        for (label, states) in [("A", &self.only_a), ("B", &self.only_b)] {
            if !states.is_empty() {
                out.push_str(&format!(
                    "\nstates only in {label} ({}): {}\n",
                    states.len(),
                    states.join(", ")
                ));
            }
        }
        for (label, side) in [("A", &self.a), ("B", &self.b)] {
            if let Some(f) = &side.funnel {
                out.push_str(&format!("\nfunnel of {label}: "));
                out.push_str(&f.table());
            }
        }
        out
    }

    fn csv(&self, writer: &mut csv::Writer<Vec<u8>>) -> csv::Result<()> {
        writer.write_record([
            "kind",
            "item",
            "to",
            "measure",
            "a",
            "b",
            "difference",
            "difference_lo",
            "difference_hi",
            "g",
            "df",
            "p",
            "q",
        ])?;
        let f = |x: f64| x.to_string();
        let (a, b, d) = (&self.a, &self.b, &self.difference);
        record(
            writer,
            ["level", "", "", "conversion_probability"],
            [
                a.conversion_probability,
                b.conversion_probability,
                d.conversion_probability,
            ],
            d.conversion_probability_ci,
        )?;
        record(
            writer,
            ["level", "", "", "value_per_journey"],
            [
                a.value_per_journey,
                b.value_per_journey,
                d.value_per_journey,
            ],
            d.value_per_journey_ci,
        )?;
        for c in &self.channels {
            record(
                writer,
                ["channel", &c.channel, "", "removal_effect"],
                [
                    c.removal_effect_a,
                    c.removal_effect_b,
                    c.removal_effect_difference,
                ],
                c.removal_effect_difference_ci,
            )?;
            for (s, method) in c.credit_shares.iter().zip(CREDIT_METHODS) {
                record(
                    writer,
                    ["channel", &c.channel, "", &format!("{method}_share")],
                    [s.a, s.b, s.difference],
                    s.difference_ci,
                )?;
            }
        }
        for r in &self.rows {
            let (a, b) = (f(r.journeys_a), f(r.journeys_b));
            writer.write_record([
                "row",
                &r.state,
                "",
                "journeys",
                &a,
                &b,
                &f(r.journeys_b - r.journeys_a),
                "",
                "",
                &f(r.g),
                &r.df.to_string(),
                &f(r.p),
                &f(r.q),
            ])?;
            for c in &r.changes {
                record(
                    writer,
                    ["transition", &r.state, &c.to, "probability"],
                    [c.probability_a, c.probability_b, c.difference],
                    c.difference_ci,
                )?;
            }
        }
        for (kind, states) in [("only_a", &self.only_a), ("only_b", &self.only_b)] {
            for s in states {
                writer.write_record([kind, s, "", "", "", "", "", "", "", "", "", "", ""])?;
            }
        }
        Ok(())
    }
}

/// One CSV row of a compared figure: `kind`, `item`, `to`, `measure`, then A, B, B - A and the
/// interval (the test's columns empty).
fn record(
    writer: &mut csv::Writer<Vec<u8>>,
    labels: [&str; 4],
    values: [f64; 3],
    ci: [f64; 2],
) -> csv::Result<()> {
    let numbers = [values[0], values[1], values[2], ci[0], ci[1]].map(|x| x.to_string());
    let mut fields: Vec<&str> = labels.to_vec();
    fields.extend(numbers.iter().map(String::as_str));
    fields.extend(["", "", "", ""]);
    writer.write_record(fields)
}
