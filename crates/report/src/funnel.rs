//! The funnel as a table and CSV.

use journeysim_core::funnel::{Funnel, StageFlow};

use super::costs::money_cell;
use super::table::{Cell, pct};
use super::{Report, Table, money, number};

impl Report for Funnel {
    fn table(&self) -> String {
        let mut out = format!(
            "{} ({}): P(conversion) = {:.6} (exact)",
            self.input, self.input_kind, self.conversion_probability
        );
        if let (Some(j), Some(r)) = (self.journeys, self.observed_conversion_rate) {
            out.push_str(&format!("; {} journeys, observed rate {:.6}", number(j), r));
        }
        if let Some(m) = self.median_days_to_conversion {
            out.push_str(&format!("; median time to conversion {m:.2} days"));
        }
        if let Some(m) = self.mean_days_to_conversion {
            out.push_str(&format!("; mean time to conversion {m:.2} days"));
        }
        if let Some(m) = &self.costs {
            out.push_str(&format!(
                "\ncosts ({}): total {} over a period of {} journeys, CAC {} per conversion",
                m.cost_input,
                money(m.total_cost, m.currency.as_deref()),
                number(m.period_journeys),
                money_cell(m.cac, m.currency.as_deref()),
            ));
        }
        out.push_str(
            "\nshares of all journeys; \"or later\" = reached this stage or a later one (stages \
             are not nested, so reach can rise from stage to stage; \"or later\" never does); \
             leak rank 1 = the stage losing the most journeys",
        );
        out.push_str(if self.ranked_by_observed {
            " (observed)\n\n"
        } else {
            " (exact)\n\n"
        });
        let mut header = vec![
            "stage",
            "reach",
            "or later",
            "move on",
            "convert",
            "drop out",
            "drop-out rate",
        ];
        if self.ranked_by_observed {
            header.extend([
                "obs reach",
                "obs or later",
                "obs move on",
                "obs convert",
                "obs drop out",
                "obs drop-out rate",
            ]);
        }
        header.push("leak rank");
        let currency = self.costs.as_ref().and_then(|m| m.currency.as_deref());
        if self.costs.is_some() {
            header.extend(["cost", "cost per journey reaching it"]);
        }
        let mut t = Table::new(header);
        for s in &self.stages {
            let f = |x: &StageFlow| {
                vec![
                    pct(x.reach),
                    pct(x.reach_or_later),
                    pct(x.move_on),
                    pct(x.convert),
                    pct(x.drop_out),
                    pct(x.drop_out_rate),
                ]
            };
            let mut row = vec![Cell::from(s.stage.clone())];
            row.extend(f(&s.exact));
            if let Some(o) = &s.observed {
                row.extend(f(o));
            }
            row.push(s.leak_rank.to_string().into());
            if let Some(c) = &s.costs {
                row.push(money_cell(c.cost, currency).into());
                row.push(money_cell(c.cost_per_reach, currency).into());
            }
            t.row(row);
        }
        out.push_str(&t.render());
        out
    }

    fn csv(&self, writer: &mut csv::Writer<Vec<u8>>) -> csv::Result<()> {
        writer.write_record(
            [
                "stage",
                "touchpoints",
                "reach",
                "move_on",
                "convert",
                "drop_out",
                "drop_out_rate",
                "observed_reach",
                "observed_move_on",
                "observed_convert",
                "observed_drop_out",
                "observed_drop_out_rate",
                "leak_rank",
            ]
            .into_iter()
            .chain(
                self.costs
                    .is_some()
                    .then_some(["cost", "cost_per_reach"])
                    .into_iter()
                    .flatten(),
            ),
        )?;
        for s in &self.stages {
            let e = &s.exact;
            let mut row = vec![
                s.stage.clone(),
                s.touchpoints.join(" "),
                e.reach.to_string(),
                e.move_on.to_string(),
                e.convert.to_string(),
                e.drop_out.to_string(),
                e.drop_out_rate.to_string(),
            ];
            match &s.observed {
                Some(o) => row.extend(
                    [o.reach, o.move_on, o.convert, o.drop_out, o.drop_out_rate]
                        .map(|x| x.to_string()),
                ),
                None => row.extend(std::iter::repeat_n(String::new(), 5)),
            }
            row.push(s.leak_rank.to_string());
            if let Some(c) = &s.costs {
                let cell = |x: Option<f64>| x.map_or(String::new(), |x| x.to_string());
                row.extend([cell(c.cost), cell(c.cost_per_reach)]);
            }
            writer.write_record(&row)?;
        }
        Ok(())
    }
}
