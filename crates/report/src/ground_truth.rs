//! The ground-truth scores of `journeysim validate` as a table and CSV.

use journeysim_core::ground_truth::GroundTruthScores;

use super::{Report, Table};

impl Report for GroundTruthScores {
    fn table(&self) -> String {
        let mut out = format!(
            "{}: {} personas; {} journeys generated (seed {}); P(conversion) exact {:.6}, observed {:.6}\n\
             error = total absolute difference between a method's credit shares and the map's true \
             removal-effect shares (0 = perfect, 2 = disjoint)\n\n",
            self.map,
            self.personas,
            self.journeys,
            self.seed,
            self.true_conversion_probability,
            self.observed_conversion_rate
        );
        let mut t = Table::new([
            "method",
            "total abs share error",
            "max abs error",
            "worst touchpoint",
        ]);
        for m in &self.methods {
            t.row([
                m.method.clone(),
                format!("{:.4}", m.total_absolute_share_error),
                format!("{:.4}", m.max_absolute_share_error),
                m.worst_touchpoint.clone(),
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
            s.row([
                p.touchpoint.clone(),
                p.stage.clone(),
                format!("{:.4}", p.true_share),
                format!("{:.4}", p.markov),
                format!("{:.4}", p.first_touch),
                format!("{:.4}", p.last_touch),
                format!("{:.4}", p.linear),
                format!("{:.4}", p.position_based),
                format!("{:.4}", p.time_decay),
            ]);
        }
        out.push_str(&format!("\ncredit shares by touchpoint\n{}", s.render()));

        out
    }

    fn csv(&self, writer: &mut csv::Writer<Vec<u8>>) -> csv::Result<()> {
        self.methods.iter().try_for_each(|m| writer.serialize(m))
    }
}
