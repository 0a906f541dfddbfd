//! How a [`WhatIf`] reads as a table and as CSV (one row per scenario; intervals as `_lo` /
//! `_hi` columns, since CSV has no arrays).

use super::budget::{period_cells, period_header, period_table};
use super::costs::{money_cell, roas_cell};
use super::table::{Cell, Figures, num, pct};
use super::{Report, Table, number};
use journeysim_core::whatif::{ScenarioOutcome, WhatIf};

/// A change and its interval: `+12.5 [+3.0, +21.0]`.
fn change(x: f64, ci: [f64; 2]) -> Cell {
    Figures::new().signed(x).text(" ").interval(ci, true).into()
}

/// A change alone.
fn signed(x: f64) -> Cell {
    Figures::new().signed(x).into()
}

/// An interval.
fn interval(ci: [f64; 2]) -> Cell {
    Figures::new().interval(ci, false).into()
}

impl Report for WhatIf {
    fn table(&self) -> String {
        let mut out = format!(
            "what-if on {}: order {}, {} journeys through each chain, seed {} \
             (paired: common random numbers)\n\n",
            self.input,
            self.order,
            number(self.journeys as f64),
            self.seed
        );
        for line in &self.assumptions {
            out.push_str(&format!("assumption: {line}\n\n"));
        }
        let mut t = Table::new([
            "scenario",
            "P(conv) baseline",
            "P(conv) scenario",
            "change",
            "conversions (sim.)",
            "difference [95% CI]",
            "value difference [95% CI]",
        ]);
        for s in &self.scenarios {
            t.row([
                s.name.clone().into(),
                pct(s.baseline.conversion_probability),
                pct(s.scenario.conversion_probability),
                Figures::percent()
                    .signed(s.difference.relative_conversion_probability)
                    .into(),
                Figures::new()
                    .number(s.baseline.conversions as f64)
                    .text(" -> ")
                    .number(s.scenario.conversions as f64)
                    .into(),
                change(s.difference.conversions, s.difference.conversions_ci),
                change(s.difference.value, s.difference.value_ci),
            ]);
        }
        out.push_str(&t.render());
        for s in &self.scenarios {
            out.push_str(&scenario_detail(s, self.journeys, self.currency.as_deref()));
        }
        out
    }

    fn csv(&self, writer: &mut csv::Writer<Vec<u8>>) -> csv::Result<()> {
        // With a budget plan, the figures per period follow as more columns.
        let periods = self.scenarios.iter().any(|s| s.baseline.period.is_some());
        let mut header: Vec<String> = [
            "scenario",
            "file",
            "journeys",
            "seed",
            "baseline_conversion_probability",
            "scenario_conversion_probability",
            "baseline_value_per_journey",
            "scenario_value_per_journey",
            "baseline_conversions",
            "scenario_conversions",
            "baseline_conversion_rate",
            "baseline_conversion_rate_lo",
            "baseline_conversion_rate_hi",
            "scenario_conversion_rate",
            "scenario_conversion_rate_lo",
            "scenario_conversion_rate_hi",
            "baseline_value",
            "scenario_value",
            "difference_conversions",
            "difference_conversions_lo",
            "difference_conversions_hi",
            "difference_value",
            "difference_value_lo",
            "difference_value_hi",
            "difference_expected_conversions",
            "difference_expected_value",
        ]
        .iter()
        .map(|h| h.to_string())
        .collect();
        if periods {
            for prefix in ["baseline_period", "scenario_period", "difference_period"] {
                header.extend(period_header(prefix));
            }
        }
        // With dwell times, each arm's time to conversion and shares converted in time.
        let horizons: Option<Vec<f64>> = self
            .scenarios
            .iter()
            .find(|s| s.baseline.mean_time_to_conversion.is_some())
            .map(|s| {
                s.baseline
                    .conversions_within
                    .iter()
                    .map(|w| w.days)
                    .collect()
            });
        if let Some(horizons) = &horizons {
            for arm in ["baseline", "scenario"] {
                header.push(format!("{arm}_mean_time_to_conversion"));
                for field in ["mean", "lo", "hi", "p50", "p90"] {
                    header.push(format!("{arm}_time_to_conversion_{field}"));
                }
                for days in horizons {
                    for field in ["", "_lo", "_hi"] {
                        header.push(format!("{arm}_converted_within_{days}_days{field}"));
                    }
                }
            }
            header.push("difference_mean_time_to_conversion".into());
        }
        writer.write_record(&header)?;
        for s in &self.scenarios {
            let (b, a, d) = (&s.baseline, &s.scenario, &s.difference);
            let fields: Vec<String> = [
                b.conversion_probability,
                a.conversion_probability,
                b.value_per_journey,
                a.value_per_journey,
                b.conversions as f64,
                a.conversions as f64,
                b.conversion_rate,
                b.conversion_rate_ci[0],
                b.conversion_rate_ci[1],
                a.conversion_rate,
                a.conversion_rate_ci[0],
                a.conversion_rate_ci[1],
                b.value,
                a.value,
                d.conversions,
                d.conversions_ci[0],
                d.conversions_ci[1],
                d.value,
                d.value_ci[0],
                d.value_ci[1],
                d.expected_conversions,
                d.expected_value,
            ]
            .iter()
            .map(|x| x.to_string())
            .collect();
            let mut record = vec![
                s.name.clone(),
                s.file.clone(),
                self.journeys.to_string(),
                self.seed.to_string(),
            ];
            record.extend(fields);
            if periods {
                for p in [b.period, a.period, d.period] {
                    record.extend(p.as_ref().map_or(vec![String::new(); 6], period_cells));
                }
            }
            if horizons.is_some() {
                let cell = |x: Option<f64>| x.map_or(String::new(), |x| x.to_string());
                for arm in [b, a] {
                    record.push(cell(arm.mean_time_to_conversion));
                    let t = arm.time_to_conversion.as_ref();
                    record.extend(
                        [
                            t.map(|t| t.mean),
                            t.map(|t| t.mean_ci[0]),
                            t.map(|t| t.mean_ci[1]),
                            t.map(|t| t.p50),
                            t.map(|t| t.p90),
                        ]
                        .map(cell),
                    );
                    for w in &arm.conversions_within {
                        record
                            .extend([w.share, w.share_ci[0], w.share_ci[1]].map(|x| x.to_string()));
                    }
                }
                record.push(cell(d.mean_time_to_conversion));
            }
            writer.write_record(&record)?;
        }
        Ok(())
    }
}

/// One scenario: both arms exact and simulated, then attribution in both chains.
fn scenario_detail(s: &ScenarioOutcome, journeys: u64, currency: Option<&str>) -> String {
    let mut out = format!("\n{} ({})\n", s.name, s.file);
    if !s.description.is_empty() {
        out.push_str(&format!("{}\n", s.description));
    }
    let mut t = Table::new([
        "",
        "exact",
        "simulated",
        "95% interval",
        "exact difference",
        "paired difference [95% CI]",
    ]);
    let (b, a, d) = (&s.baseline, &s.scenario, &s.difference);
    let empty = || Cell::from("");
    t.row([
        format!("conversions per {} (baseline)", number(journeys as f64)).into(),
        num(b.expected_conversions),
        num(b.conversions as f64),
        interval(b.conversions_ci),
        empty(),
        empty(),
    ]);
    t.row([
        "conversions (scenario)".into(),
        num(a.expected_conversions),
        num(a.conversions as f64),
        interval(a.conversions_ci),
        signed(d.expected_conversions),
        change(d.conversions, d.conversions_ci),
    ]);
    t.row([
        "value (baseline)".into(),
        num(b.expected_value),
        num(b.value),
        interval(b.value_ci),
        empty(),
        empty(),
    ]);
    t.row([
        "value (scenario)".into(),
        num(a.expected_value),
        num(a.value),
        interval(a.value_ci),
        signed(d.expected_value),
        change(d.value, d.value_ci),
    ]);
    if let (Some(bt), Some(at)) = (&b.time_to_conversion, &a.time_to_conversion) {
        let exact = |m: Option<f64>| m.map_or(String::new(), |m| format!("{m:.4}"));
        let days = |x: [f64; 2]| format!("[{:.4}, {:.4}]", x[0], x[1]);
        t.row([
            "days to conversion (baseline)".to_string(),
            exact(b.mean_time_to_conversion),
            format!("{:.4}", bt.mean),
            days(bt.mean_ci),
            String::new(),
            String::new(),
        ]);
        t.row([
            "days to conversion (scenario)".to_string(),
            exact(a.mean_time_to_conversion),
            format!("{:.4}", at.mean),
            days(at.mean_ci),
            d.mean_time_to_conversion
                .map_or(String::new(), |x| format!("{x:+.4}")),
            String::new(),
        ]);
    }
    for (bw, aw) in b.conversions_within.iter().zip(&a.conversions_within) {
        for (arm, w) in [("baseline", bw), ("scenario", aw)] {
            t.row([
                format!("converted within {} days ({arm})", w.days),
                String::new(),
                format!("{:.6}", w.share),
                format!("[{:.6}, {:.6}]", w.share_ci[0], w.share_ci[1]),
                String::new(),
                String::new(),
            ]);
        }
    }
    out.push_str(&t.render());
    let [lo, hi] = d.unpaired_conversions_ci;
    out.push_str(&format!(
        "(two independent runs would give [{}, {}] for the difference in conversions)\n",
        crate::figures::signed(lo, 1),
        crate::figures::signed(hi, 1)
    ));
    if let (Some(bp), Some(ap), Some(dp)) = (&b.period, &a.period, &d.period) {
        out.push('\n');
        out.push_str(&period_table(
            &[("baseline", bp), ("scenario", ap), ("difference", dp)],
            currency,
        ));
    }
    let mut header = vec![
        "channel",
        "removal effect",
        "under scenario",
        "markov conversions",
        "under scenario",
    ];
    let priced = s.channels.iter().any(|c| c.costs.is_some());
    if priced {
        header.extend([
            "cost",
            "under scenario",
            "cpa",
            "under scenario",
            "roas",
            "under scenario",
        ]);
    }
    let mut c = Table::new(header);
    for ch in &s.channels {
        let money = ch.costs.iter().flat_map(|k| {
            [
                money_cell(k.cost, currency),
                money_cell(k.scenario_cost, currency),
                money_cell(k.baseline_cpa, currency),
                money_cell(k.scenario_cpa, currency),
                roas_cell(k.baseline_roas),
                roas_cell(k.scenario_roas),
            ]
        });
        c.row(
            [
                ch.channel.clone().into(),
                pct(ch.baseline_removal_effect),
                pct(ch.scenario_removal_effect),
                num(ch.baseline_markov_conversions),
                num(ch.scenario_markov_conversions),
            ]
            .into_iter()
            .chain(money.map(Cell::from)),
        );
    }
    out.push('\n');
    out.push_str(&c.render());
    out
}
