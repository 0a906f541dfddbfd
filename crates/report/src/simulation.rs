//! How a [`Simulation`] reads as a table and as CSV (one row per channel; intervals as `_lo` /
//! `_hi` columns, since CSV has no arrays; the seed and journeys repeated on every row, so the
//! run can be repeated from the CSV alone).

use super::costs::{csv_cells, money_cell, roas_cell};
use super::table::{Cell, Figures, num, pct};
use super::{Report, Table, money, number};
use journeysim_core::simulate::Simulation;

impl Report for Simulation {
    fn table(&self) -> String {
        // Shares as percentages; every column with its own significant digits.
        let shares = |ci: [f64; 2]| -> Cell { Figures::percent().interval(ci, false).into() };
        let numbers = |ci: [f64; 2]| -> Cell { Figures::new().interval(ci, false).into() };
        let blank = || Cell::Text(String::new());
        let l = &self.path_length;
        let mut out = format!(
            "{}: order {}, {} states; {} journeys simulated (seed {}, batches of {}, max {} steps)\n",
            self.input,
            self.order,
            self.states,
            self.journeys,
            self.seed,
            self.batch_size,
            self.max_steps
        );
        if let Some(p) = self.precision {
            out.push_str(&format!(
                "(--precision {p}: batches added until the conversion rate's 95% half-width is <= {p}, or the --journeys cap)\n"
            ));
        }
        let mut t = Table::new(["", "simulated", "95% interval", "exact"]);
        t.row([
            "conversion rate".into(),
            pct(self.conversion_rate),
            shares(self.conversion_rate_ci),
            pct(self.exact.conversion_probability),
        ]);
        t.row([
            "value per journey".into(),
            num(self.value_per_journey),
            numbers(self.value_per_journey_ci),
            num(self.exact.value_per_journey),
        ]);
        if let Some(time) = &self.time_to_conversion {
            t.row([
                "days to conversion (mean)".into(),
                num(time.mean),
                numbers(time.mean_ci),
                self.exact.mean_time_to_conversion.map_or_else(blank, num),
            ]);
            for (name, days) in [("median", time.p50), ("90th percentile", time.p90)] {
                t.row([
                    format!("days to conversion ({name})").into(),
                    num(days),
                    blank(),
                    blank(),
                ]);
            }
        }
        for w in &self.conversions_within {
            t.row([
                format!("converted within {} days", w.days).into(),
                pct(w.share),
                shares(w.share_ci),
                blank(),
            ]);
        }
        if let Some(m) = &self.costs {
            let currency = m.currency.as_deref();
            let ends = |ci: [Option<f64>; 2], show: &dyn Fn(Option<f64>) -> String| {
                format!("[{}, {}]", show(ci[0]), show(ci[1]))
            };
            t.row([
                "CAC (cost per conversion)".to_string(),
                money_cell(m.cac, currency),
                ends(m.cac_ci, &|x| money_cell(x, currency)),
                money_cell(m.exact_cac, currency),
            ]);
            t.row([
                "ROAS (value / cost)".to_string(),
                roas_cell(m.roas),
                ends(m.roas_ci, &roas_cell),
                roas_cell(m.exact_roas),
            ]);
            out.push_str(&format!(
                "costs ({}): total {} over a period of {} journeys\n",
                m.cost_input,
                money(m.total_cost, currency),
                number(m.period_journeys)
            ));
        }
        out.push('\n');
        out.push_str(&t.render());
        out.push_str(&format!(
            "\n{} conversions, total value {}, {} truncated; path length mean {:.3}, p50 {}, p90 {}, max {}\n\n",
            self.conversions,
            number(self.total_value),
            self.truncated,
            l.mean,
            l.p50,
            l.p90,
            l.max
        ));
        let mut header = vec![
            "channel",
            "visit_rate",
            "removal_effect",
            "95% interval",
            "exact",
            "markov_conversions",
            "removal_effect_value",
            "markov_value",
        ];
        let currency = self.costs.as_ref().and_then(|m| m.currency.as_deref());
        if self.costs.is_some() {
            header.extend(["cost", "cpa (period)", "roas (period)"]);
        }
        let mut t = Table::new(header);
        for c in &self.channels {
            let money_cells = c.costs.iter().flat_map(|k| {
                let markov = k.methods.first();
                [
                    money_cell(k.cost, currency),
                    money_cell(markov.and_then(|e| e.cpa), currency),
                    roas_cell(markov.and_then(|e| e.roas)),
                ]
            });
            t.row(
                [
                    c.channel.as_str().into(),
                    pct(c.visit_rate),
                    pct(c.removal_effect),
                    shares(c.removal_effect_ci),
                    pct(c.exact_removal_effect),
                    num(c.markov_conversions),
                    pct(c.removal_effect_value),
                    num(c.markov_value),
                ]
                .into_iter()
                .chain(money_cells.map(Cell::Text)),
            );
        }
        out.push_str(&t.render());
        out
    }

    fn csv(&self, writer: &mut csv::Writer<Vec<u8>>) -> csv::Result<()> {
        let cost_header: Vec<String> = self
            .channels
            .first()
            .and_then(|c| c.costs.as_ref())
            .map(|k| csv_cells(k).into_iter().map(|(name, _)| name).collect())
            .unwrap_or_default();
        writer.write_record(
            [
                "channel",
                "visit_rate",
                "removal_effect",
                "removal_effect_lo",
                "removal_effect_hi",
                "markov_conversions",
                "removal_effect_value",
                "removal_effect_value_lo",
                "removal_effect_value_hi",
                "markov_value",
                "exact_removal_effect",
                "seed",
                "journeys",
            ]
            .into_iter()
            .map(str::to_owned)
            .chain(cost_header),
        )?;
        for c in &self.channels {
            let cost_cells = c
                .costs
                .iter()
                .flat_map(|k| csv_cells(k).into_iter().map(|(_, cell)| cell));
            writer.write_record(
                [
                    c.channel.clone(),
                    c.visit_rate.to_string(),
                    c.removal_effect.to_string(),
                    c.removal_effect_ci[0].to_string(),
                    c.removal_effect_ci[1].to_string(),
                    c.markov_conversions.to_string(),
                    c.removal_effect_value.to_string(),
                    c.removal_effect_value_ci[0].to_string(),
                    c.removal_effect_value_ci[1].to_string(),
                    c.markov_value.to_string(),
                    c.exact_removal_effect.to_string(),
                    self.seed.to_string(),
                    self.journeys.to_string(),
                ]
                .into_iter()
                .chain(cost_cells),
            )?;
        }
        Ok(())
    }
}
