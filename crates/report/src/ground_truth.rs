//! The ground-truth scores of `journeysim validate` as a table and CSV.

use journeysim_core::ground_truth::GroundTruthScores;

use super::table::{Cell, Figures, pct};
use super::{Report, Table, number};

impl Report for GroundTruthScores {
    fn table(&self) -> String {
        let mut out = format!(
            "{}: {} personas; {} journeys generated (seed {}); P(conversion) exact {}%, observed {}%\n\
             error = total absolute difference between a method's credit shares and the map's true \
             removal-effect shares, in percentage points (0 = perfect, 200 pp = disjoint)\n\n",
            self.map,
            self.personas,
            self.journeys,
            self.seed,
            number(100.0 * self.true_conversion_probability),
            number(100.0 * self.observed_conversion_rate)
        );
        let points = |x: f64| Figures::points().number(x);
        let mut t = Table::new([
            "method",
            "total abs share error",
            "max abs error",
            "worst touchpoint",
        ]);
        for m in &self.methods {
            t.row::<Cell>([
                m.method.as_str().into(),
                points(m.total_absolute_share_error).into(),
                points(m.max_absolute_share_error).into(),
                m.worst_touchpoint.as_str().into(),
            ]);
        }
        out.push_str(&t.render());
        let mut s = Table::new([
            "touchpoint",
            "stage",
            "true share",
            "markov",
            "first",
            "last",
            "linear",
            "position",
            "decay",
        ]);
        for p in &self.touchpoints {
            s.row(
                [
                    Cell::from(p.touchpoint.as_str()),
                    Cell::from(p.stage.as_str()),
                ]
                .into_iter()
                .chain(
                    [
                        p.true_share,
                        p.markov,
                        p.first_touch,
                        p.last_touch,
                        p.linear,
                        p.position_based,
                        p.time_decay,
                    ]
                    .map(pct),
                ),
            );
        }
        out.push_str(&format!("\ncredit shares by touchpoint\n{}", s.render()));

        out
    }

    fn csv(&self, writer: &mut csv::Writer<Vec<u8>>) -> csv::Result<()> {
        self.methods.iter().try_for_each(|m| writer.serialize(m))
    }
}
