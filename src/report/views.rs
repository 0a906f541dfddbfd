//! [`Report`] implementations: how each result reads as a table and as CSV.

use super::{Report, Table, number};
use crate::attribution::Attribution;
use crate::io::model_file::ModelFile;
use crate::top_paths::{PathEntry, TopPaths};

impl Report for Attribution {
    fn table(&self) -> String {
        let m = &self.model;
        let mut out = format!(
            "{}: order {}, {} states, {} channels; {} journeys, {} conversions, value {}\n\
             P(conversion) = {:.6}, value per journey = {:.6} (exact, from the chain)\n\n",
            m.input,
            m.order,
            m.states,
            m.channels,
            number(m.journeys),
            number(m.total_conversions),
            number(m.total_value),
            m.conversion_probability,
            m.value_per_journey,
        );
        let mut t = Table::new([
            "channel",
            "removal_effect",
            "markov_conversions",
            "markov_value",
            "first_touch",
            "last_touch",
            "linear",
            "position_based",
            "time_decay",
        ]);
        for c in &self.channels {
            t.row([
                c.channel.clone(),
                format!("{:.4}", c.removal_effect),
                number(c.markov_conversions),
                number(c.markov_value),
                number(c.first_touch),
                number(c.last_touch),
                number(c.linear),
                number(c.position_based),
                number(c.time_decay),
            ]);
        }
        out.push_str(&t.render());
        out
    }

    fn csv(&self, writer: &mut csv::Writer<Vec<u8>>) -> csv::Result<()> {
        self.channels.iter().try_for_each(|c| writer.serialize(c))
    }
}

impl Report for TopPaths {
    fn table(&self) -> String {
        let l = &self.path_length;
        let mut out = format!(
            "{}: {} journeys, {} conversions, {} distinct paths\n\n",
            self.input,
            number(self.journeys),
            number(self.conversions),
            self.distinct_paths
        );
        let mut lengths = Table::new(["path length", "journeys", "mean", "p50", "p90", "max"]);
        for (name, s) in [
            ("all", l.all),
            ("converting", l.converting),
            ("non-converting", l.non_converting),
        ] {
            lengths.row([
                name.to_string(),
                number(s.journeys),
                format!("{:.3}", s.mean),
                number(s.p50),
                number(s.p90),
                number(s.max),
            ]);
        }
        out.push_str(&lengths.render());
        out.push_str("\nMost conversions\n");
        out.push_str(&entries_table(&self.by_conversions).render());
        out.push_str(&format!(
            "\nHighest conversion rate (paths with >= {} journeys; Wilson 95% interval)\n",
            number(self.min_journeys)
        ));
        out.push_str(&entries_table(&self.by_conversion_rate).render());
        out
    }

    fn csv(&self, writer: &mut csv::Writer<Vec<u8>>) -> csv::Result<()> {
        writer.write_record([
            "ranking",
            "rank",
            "path",
            "length",
            "journeys",
            "conversions",
            "value",
            "conversion_rate",
            "conversion_rate_lo",
            "conversion_rate_hi",
        ])?;
        for (ranking, entries) in [
            ("conversions", &self.by_conversions),
            ("conversion_rate", &self.by_conversion_rate),
        ] {
            for (i, e) in entries.iter().enumerate() {
                writer.write_record([
                    ranking.to_string(),
                    (i + 1).to_string(),
                    e.path.clone(),
                    e.length.to_string(),
                    e.journeys.to_string(),
                    e.conversions.to_string(),
                    e.value.to_string(),
                    e.conversion_rate.to_string(),
                    e.conversion_rate_ci[0].to_string(),
                    e.conversion_rate_ci[1].to_string(),
                ])?;
            }
        }
        Ok(())
    }
}

fn entries_table(entries: &[PathEntry]) -> Table {
    let mut t = Table::new([
        "path",
        "journeys",
        "conversions",
        "rate",
        "95% interval",
        "value",
    ]);
    for e in entries {
        t.row([
            e.path.clone(),
            number(e.journeys),
            number(e.conversions),
            format!("{:.4}", e.conversion_rate),
            format!(
                "[{:.4}, {:.4}]",
                e.conversion_rate_ci[0], e.conversion_rate_ci[1]
            ),
            number(e.value),
        ]);
    }
    t
}

impl Report for ModelFile {
    fn table(&self) -> String {
        let mut out = format!(
            "order {} model: {} states, {} channels\n\n",
            self.order,
            self.states.len(),
            self.channels.len()
        );
        let mut t = Table::new(["from", "to", "probability", "weight"]);
        let rows = self.entry.iter().map(|e| ("(start)", e)).chain(
            self.states
                .iter()
                .flat_map(|s| s.transitions.iter().map(move |e| (s.state.as_str(), e))),
        );
        for (from, e) in rows {
            t.row([
                from.to_string(),
                e.to.clone(),
                format!("{:.6}", e.probability),
                e.weight.map_or(String::new(), number),
            ]);
        }
        out.push_str(&t.render());
        out
    }

    fn csv(&self, writer: &mut csv::Writer<Vec<u8>>) -> csv::Result<()> {
        writer.write_record(["from", "to", "probability", "weight"])?;
        let rows = self.entry.iter().map(|e| ("(start)", e)).chain(
            self.states
                .iter()
                .flat_map(|s| s.transitions.iter().map(move |e| (s.state.as_str(), e))),
        );
        for (from, e) in rows {
            let weight = e.weight.map_or(String::new(), |w| w.to_string());
            writer.write_record([from, &e.to, &e.probability.to_string(), &weight])?;
        }
        Ok(())
    }
}
