//! Applying a scenario's changes to a chain.
//!
//! The chain is copied into an editable form (dense entry vector, one row of `(target,
//! probability)` per state), each change is checked against it and applied in order, and a new
//! [`Chain`] is built (and checked) by [`Chain::from_rows`]. Rows are kept summing to 1: a change that sets or scales
//! some targets rescales the rest of the row, and a change the rest cannot absorb (nothing else
//! in the row) is an error rather than a silently different model. Observed weights are not
//! carried over: a changed chain is no longer an observation.

use super::{Change, RemoveMode, Scenario};
use crate::error::{Error, Result};
use crate::journey::{ChannelId, ChannelTable};
use crate::model::{Chain, ChainParts, StateId, Transition};
use crate::solve::visits_from;

/// Which states a name in a scenario refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selector {
    /// `"*"`: every state.
    All,
    /// A whole state, named by its channels (`"email > direct"`).
    State(StateId),
    /// A touchpoint: every state whose last touch (or, for entry changes, first touch) it is.
    Touchpoint(ChannelId),
}

/// A transition target in a scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TargetSelector {
    Conversion,
    Null,
    States(Selector),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Target {
    State(StateId),
    Conversion,
    Null,
}

/// The chain in a form that is easy to change.
struct Editable {
    order: usize,
    keep_repeats: bool,
    channels: ChannelTable,
    states: Vec<Box<[ChannelId]>>,
    entry: Vec<f64>,
    rows: Vec<Vec<(Target, f64)>>,
    value_per_conversion: Vec<f64>,
    value_distribution: Vec<Vec<(f64, f64)>>,
    /// Per state: whose dwell time it takes (a state of the original chain) and the factor on
    /// it (see [`Applied::dwell`]).
    dwell: Vec<(StateId, f64)>,
    /// What the change being applied did not do, though asked (filled by `apply`, drained per
    /// change).
    warnings: Vec<String>,
}

/// Applies every change of `scenario` to `chain`, in order, and returns the changed chain.
/// Errors name the scenario (`source`), the change's index and kind, and what was wrong.
pub fn apply(chain: &Chain, scenario: &Scenario, source: &str) -> Result<Chain> {
    apply_with_warnings(chain, scenario, source).map(|(chain, _)| chain)
}

/// [`apply`], with warnings about parts of changes that change nothing (an `add_touchpoint`
/// `conversion_factor` on a touchpoint that never converts directly), each naming the scenario
/// and the change as errors do.
pub fn apply_with_warnings(
    chain: &Chain,
    scenario: &Scenario,
    source: &str,
) -> Result<(Chain, Vec<String>)> {
    refuse_spend(scenario, source)?;
    apply_chain_changes(chain, scenario, source)
}

/// Refuses a scenario that changes spends, which needs a budget plan.
pub(crate) fn refuse_spend(scenario: &Scenario, source: &str) -> Result<()> {
    if let Some((i, change)) = scenario
        .changes
        .iter()
        .enumerate()
        .find(|(_, c)| c.is_spend())
    {
        return Err(Error::Invalid(format!(
            "{source}: changes[{i}] ({}): a change of spend needs a budget plan (`budget`) \
             saying what the spend buys",
            change.kind()
        )));
    }
    Ok(())
}

/// [`apply_with_warnings`] for a scenario whose spend changes a budget plan has already applied
/// (`crate::budget::period::PeriodModel::arms`): they are skipped here.
pub fn apply_chain_changes(
    chain: &Chain,
    scenario: &Scenario,
    source: &str,
) -> Result<(Chain, Vec<String>)> {
    apply_scenario(chain, scenario, source).map(|a| (a.chain, a.warnings))
}

/// A scenario applied to a chain.
#[derive(Debug, Clone)]
pub struct Applied {
    /// The changed chain.
    pub chain: Chain,
    /// What changes did not do, though asked (see [`apply_with_warnings`]).
    pub warnings: Vec<String>,
    /// Per state of the changed chain: the state of the original whose dwell time it takes
    /// (its own; for an added touchpoint, the one it is like) and the factor `scale_dwell`
    /// put on it ([`crate::simulate::Timing::scenario`]).
    pub dwell: Vec<(StateId, f64)>,
}

/// [`apply_chain_changes`], also saying where each state's dwell time comes from.
pub fn apply_scenario(chain: &Chain, scenario: &Scenario, source: &str) -> Result<Applied> {
    let mut model = Editable::from_chain(chain);
    let mut warnings = Vec::new();
    for (i, change) in scenario.changes.iter().enumerate() {
        if change.is_spend() {
            continue;
        }
        let at = || format!("{source}: changes[{i}] ({})", change.kind());
        model
            .apply(change)
            .map_err(|message| Error::Invalid(format!("{}: {message}", at())))?;
        for warning in model.warnings.drain(..) {
            warnings.push(format!("{}: {warning}", at()));
        }
    }
    let dwell = std::mem::take(&mut model.dwell);
    let chain = Chain::from_rows(model.into_parts()).map_err(|e| {
        Error::Invalid(format!(
            "{source}: the changed model is not a proper journey model: {e}"
        ))
    })?;
    Ok(Applied {
        chain,
        warnings,
        dwell,
    })
}

type Outcome<T = ()> = std::result::Result<T, String>;

impl Editable {
    fn from_chain(chain: &Chain) -> Self {
        let n = chain.n_states();
        let mut entry = vec![0.0; n];
        for &(s, p) in chain.entry() {
            entry[s as usize] += p;
        }
        let rows = (0..n as StateId)
            .map(|s| {
                let (targets, probs) = chain.row(s);
                targets
                    .iter()
                    .zip(probs)
                    .map(|(&t, &p)| {
                        let target = if t == chain.conversion() {
                            Target::Conversion
                        } else if t == chain.null() {
                            Target::Null
                        } else {
                            Target::State(t)
                        };
                        (target, p)
                    })
                    .collect()
            })
            .collect();
        let value_distribution = if chain.value_distribution().len() == n {
            chain.value_distribution().to_vec()
        } else {
            vec![Vec::new(); n]
        };
        Editable {
            order: chain.order(),
            keep_repeats: chain.keep_repeats(),
            channels: chain.channels().clone(),
            states: chain.states().to_vec(),
            entry,
            rows,
            value_per_conversion: chain.value_per_conversion().to_vec(),
            value_distribution,
            dwell: (0..n as StateId).map(|s| (s, 1.0)).collect(),
            warnings: Vec::new(),
        }
    }

    /// The changed chain as plain data: zero probabilities dropped, rows in target order.
    fn into_parts(self) -> ChainParts {
        let n = self.states.len() as u32;
        let entry = self
            .entry
            .iter()
            .enumerate()
            .filter(|(_, p)| **p > 0.0)
            .map(|(s, &p)| Transition::new(s as StateId, p))
            .collect();
        let rows = self
            .rows
            .into_iter()
            .map(|mut row| {
                row.retain(|&(_, p)| p > 0.0);
                row.sort_by_key(|&(t, _)| t);
                row.into_iter()
                    .map(|(t, p)| {
                        let to = match t {
                            Target::State(s) => s,
                            Target::Conversion => n,
                            Target::Null => n + 1,
                        };
                        Transition::new(to, p)
                    })
                    .collect()
            })
            .collect();
        let has_distribution = self.value_distribution.iter().any(|d| !d.is_empty());
        ChainParts {
            order: self.order,
            keep_repeats: self.keep_repeats,
            channels: self.channels,
            states: self.states,
            entry,
            rows,
            value_per_conversion: self.value_per_conversion,
            value_distribution: if has_distribution {
                self.value_distribution
            } else {
                Vec::new()
            },
        }
    }

    /// State `s`'s name as a message quotes it ([`crate::error::clip`]ped): it is only used in
    /// messages.
    fn state_name(&self, s: usize) -> String {
        crate::error::clip(&self.channels.format_path(&self.states[s])).into_owned()
    }

    /// Resolves a name: `"*"`, a whole state (`a > b`), or a touchpoint.
    fn selector(&self, name: &str) -> Outcome<Selector> {
        let name = name.trim();
        if name == "*" {
            return Ok(Selector::All);
        }
        if name.contains('>') {
            let wanted: Vec<&str> = name.split('>').map(str::trim).collect();
            return (0..self.states.len())
                .find(|&s| {
                    self.states[s].len() == wanted.len()
                        && self.states[s]
                            .iter()
                            .zip(&wanted)
                            .all(|(&c, w)| self.channels.name(c) == *w)
                })
                .map(|s| Selector::State(s as StateId))
                .ok_or_else(|| {
                    format!(
                        "the model has no state '{name}'",
                        name = crate::error::clip(name)
                    )
                });
        }
        self.channels
            .get(name)
            .map(Selector::Touchpoint)
            .ok_or_else(|| self.unknown_touchpoint(name))
    }

    fn target_selector(&self, name: &str) -> Outcome<TargetSelector> {
        match name.trim() {
            "conversion" | "(conversion)" => Ok(TargetSelector::Conversion),
            "null" | "(null)" => Ok(TargetSelector::Null),
            other => self.selector(other).map(TargetSelector::States),
        }
    }

    fn unknown_touchpoint(&self, name: &str) -> String {
        let close = crate::suggest::closest(name, self.channels.names().iter().map(String::as_str));
        if close.is_empty() {
            let mut all: Vec<&str> = self.channels.names().iter().map(String::as_str).collect();
            all.sort();
            format!(
                "unknown touchpoint '{name}'; the model has: {}",
                crate::error::clip_list(&all),
                name = crate::error::clip(name)
            )
        } else {
            format!(
                "unknown touchpoint '{name}'; did you mean {}?",
                close
                    .iter()
                    .map(|c| crate::error::clip(c))
                    .collect::<Vec<_>>()
                    .join(" or "),
                name = crate::error::clip(name)
            )
        }
    }

    /// Whether state `s` is selected; touchpoints match by last touch, or first touch for entry.
    fn selects(&self, selector: Selector, s: usize, by_first_touch: bool) -> bool {
        match selector {
            Selector::All => true,
            Selector::State(t) => t as usize == s,
            Selector::Touchpoint(c) => {
                let touches = &self.states[s];
                let touch = if by_first_touch {
                    touches.first()
                } else {
                    touches.last()
                };
                touch == Some(&c)
            }
        }
    }

    fn target_matches(&self, selector: TargetSelector, target: Target) -> bool {
        match (selector, target) {
            (TargetSelector::Conversion, Target::Conversion) => true,
            (TargetSelector::Null, Target::Null) => true,
            (TargetSelector::States(sel), Target::State(t)) => self.selects(sel, t as usize, false),
            _ => false,
        }
    }

    /// The single target a selector names when a transition has to be created, if there is one.
    fn single_target(&self, selector: TargetSelector) -> Option<Target> {
        match selector {
            TargetSelector::Conversion => Some(Target::Conversion),
            TargetSelector::Null => Some(Target::Null),
            TargetSelector::States(Selector::State(s)) => Some(Target::State(s)),
            TargetSelector::States(Selector::Touchpoint(c)) => (0..self.states.len())
                .find(|&s| *self.states[s] == [c])
                .map(|s| Target::State(s as StateId)),
            TargetSelector::States(Selector::All) => None,
        }
    }

    fn apply(&mut self, change: &Change) -> Outcome {
        match change {
            Change::RemoveTouchpoint { touchpoint, mode } => {
                let c = match self.selector(touchpoint)? {
                    Selector::Touchpoint(c) => c,
                    _ => {
                        return Err(format!(
                            "'{touchpoint}' is not a touchpoint",
                            touchpoint = crate::error::clip(touchpoint)
                        ));
                    }
                };
                match mode {
                    RemoveMode::Drop => {
                        self.drop_channel(c);
                        Ok(())
                    }
                    RemoveMode::Skip => self.skip_channel(c),
                }
            }
            Change::ScaleTransition { from, to, factor } => {
                self.scale_rows(from, to, Edit::Scale(*factor))
            }
            Change::SetTransition {
                from,
                to,
                probability,
            } => self.scale_rows(from, to, Edit::Set(*probability)),
            Change::ScaleDropout { at, factor } => {
                self.scale_rows(at, "null", Edit::Scale(*factor))
            }
            Change::ScaleConversion { at, factor } => {
                self.scale_rows(at, "conversion", Edit::Scale(*factor))
            }
            Change::ShiftEntry { from, to, share } => self.shift_entry(from, to, *share),
            Change::SetEntry {
                touchpoint,
                probability,
            } => self.set_entry(touchpoint, *probability),
            Change::AddTouchpoint {
                name,
                like,
                entry_share,
                incoming_share,
                conversion_factor,
            } => self.add_touchpoint(
                name,
                like,
                *entry_share,
                *incoming_share,
                *conversion_factor,
            ),
            Change::ScaleValue { at, factor } => {
                let selector = self.selector(at)?;
                for s in 0..self.states.len() {
                    if self.selects(selector, s, false) {
                        self.value_per_conversion[s] *= factor;
                        for pair in &mut self.value_distribution[s] {
                            pair.0 *= factor;
                        }
                    }
                }
                Ok(())
            }
            Change::ScaleDwell { at, factor } => {
                let selector = self.selector(at)?;
                for s in 0..self.states.len() {
                    if self.selects(selector, s, false) {
                        self.dwell[s].1 *= factor;
                    }
                }
                Ok(())
            }
            // A budget plan applies these (`apply_chain_changes` skips them; `apply` refuses).
            Change::ScaleSpend { .. } | Change::SetSpend { .. } | Change::ShiftSpend { .. } => {
                Err("a change of spend needs a budget plan (`budget`)".into())
            }
        }
    }

    /// Every state containing `c` sends its journeys to (null): the removal-effect counterfactual.
    fn drop_channel(&mut self, c: ChannelId) {
        for s in 0..self.states.len() {
            if self.states[s].contains(&c) {
                self.rows[s] = vec![(Target::Null, 1.0)];
            }
        }
    }

    /// Skips the states containing `c`: traffic into them goes where it would have gone next,
    /// i.e. to the first state after them that does not contain `c` (or to conversion / null).
    /// This is the chain censored to the other states (the stochastic complement): with R the
    /// skipped states, traffic entering R at r leaves to target u with probability
    /// `[(I - P_RR)^-1 P_R,out](r, u)`. Conversions that happen inside R keep the value of the
    /// state they happen at, so the value of the journeys is unchanged. At order 1 R is the one
    /// state `c`; at higher orders the windows containing `c` are skipped together. The rows of
    /// `(I - P_RR)^-1` are [`visits_from`]'s, for the states of R that traffic enters at only.
    fn skip_channel(&mut self, c: ChannelId) -> Outcome {
        let skipped: Vec<usize> = (0..self.states.len())
            .filter(|&s| self.states[s].contains(&c))
            .collect();
        let m = skipped.len();
        let mut position = vec![usize::MAX; self.states.len()];
        for (i, &s) in skipped.iter().enumerate() {
            position[s] = i;
        }
        // P_RR, and the skipped states that traffic enters R at: from a kept state or (start).
        let p_rr: Vec<Vec<(usize, f64)>> = skipped
            .iter()
            .map(|&s| {
                self.rows[s]
                    .iter()
                    .filter_map(|&(t, p)| match t {
                        Target::State(t) if position[t as usize] != usize::MAX => {
                            Some((position[t as usize], p))
                        }
                        _ => None,
                    })
                    .collect()
            })
            .collect();
        let mut entered = vec![false; m];
        for s in (0..self.states.len()).filter(|&s| position[s] == usize::MAX) {
            for &(t, _) in &self.rows[s] {
                if let Target::State(t) = t
                    && position[t as usize] != usize::MAX
                {
                    entered[position[t as usize]] = true;
                }
            }
        }
        for (i, &s) in skipped.iter().enumerate() {
            entered[i] |= self.entry[s] != 0.0;
        }
        let starts: Vec<usize> = (0..m).filter(|&i| entered[i]).collect();
        // Rows of (I - P_RR)^-1: visits[i][j] is the expected number of visits to j from i.
        let rows = visits_from(&p_rr, &starts).map_err(|_| {
            format!(
                "journeys reaching '{}' never leave it, so it cannot be skipped",
                crate::error::clip(self.channels.name(c))
            )
        })?;
        let mut visits: Vec<Vec<f64>> = vec![Vec::new(); m];
        for (&i, row) in starts.iter().zip(rows) {
            visits[i] = row;
        }
        // Where traffic entering at each skipped state leaves to, and the conversions (by the
        // state they happen at) along the way.
        let exits: Vec<Vec<(Target, f64)>> = (0..m)
            .map(|i| {
                let mut out: Vec<(Target, f64)> = Vec::new();
                // Empty for the states nothing enters at.
                for (&s, &v) in skipped.iter().zip(&visits[i]) {
                    if v == 0.0 {
                        continue;
                    }
                    for &(t, p) in &self.rows[s] {
                        let inside =
                            matches!(t, Target::State(t) if position[t as usize] != usize::MAX);
                        if !inside {
                            add(&mut out, t, v * p);
                        }
                    }
                }
                out
            })
            .collect();
        let conversion_probability: Vec<f64> = skipped
            .iter()
            .map(|&s| {
                self.rows[s]
                    .iter()
                    .filter(|(t, _)| *t == Target::Conversion)
                    .map(|(_, p)| p)
                    .sum()
            })
            .collect();
        // For traffic entering at each skipped state: the conversions inside R, by state.
        let conversions_at: Vec<Vec<(usize, f64)>> = (0..m)
            .map(|i| {
                visits[i]
                    .iter()
                    .enumerate()
                    .map(|(j, v)| (skipped[j], v * conversion_probability[j]))
                    .filter(|&(_, w)| w > 0.0)
                    .collect()
            })
            .collect();
        for s in 0..self.states.len() {
            if position[s] != usize::MAX {
                continue;
            }
            let into: Vec<(usize, f64)> = self.rows[s]
                .iter()
                .filter_map(|&(t, p)| match t {
                    Target::State(t) if position[t as usize] != usize::MAX => {
                        Some((position[t as usize], p))
                    }
                    _ => None,
                })
                .collect();
            if into.is_empty() {
                continue;
            }
            let own_conversion: f64 = self.rows[s]
                .iter()
                .filter(|(t, _)| *t == Target::Conversion)
                .map(|(_, p)| p)
                .sum();
            let mut row: Vec<(Target, f64)> = self.rows[s]
                .iter()
                .copied()
                .filter(
                    |&(t, _)| !matches!(t, Target::State(t) if position[t as usize] != usize::MAX),
                )
                .collect();
            let mut value_parts = vec![(own_conversion, s)];
            for &(i, p) in &into {
                for &(t, q) in &exits[i] {
                    add(&mut row, t, p * q);
                }
                value_parts.extend(conversions_at[i].iter().map(|&(r, w)| (p * w, r)));
            }
            self.rows[s] = row;
            self.mix_values(s, &value_parts);
        }
        // Journeys that would have started inside R start where they would have gone next.
        // Conversions straight from the entry are impossible in a chain, so an entry exit to
        // (conversion) or (null) would be lost: such mass is kept on the first kept state after
        // it only if there is one; otherwise the journey is treated as ending at once, which the
        // chain expresses as entering a skipped state that goes straight to its end.
        let mut entry = self.entry.clone();
        let mut stranded = Vec::new();
        for (i, &s) in skipped.iter().enumerate() {
            let p = entry[s];
            if p == 0.0 {
                continue;
            }
            entry[s] = 0.0;
            for &(t, q) in &exits[i] {
                match t {
                    Target::State(t) => entry[t as usize] += p * q,
                    end => stranded.push((i, s, end, p * q)),
                }
            }
        }
        // A journey that starts at c and ends (converts or drops out) before any other touch
        // has no touch left once c is skipped; it keeps its outcome through the skipped state
        // it started at, whose row is turned into that outcome mix.
        let mut end_rows: Vec<Vec<(Target, f64)>> = vec![Vec::new(); m];
        for (i, _, end, p) in stranded {
            add(&mut end_rows[i], end, p);
        }
        for (i, row) in end_rows.into_iter().enumerate() {
            let total: f64 = row.iter().map(|(_, p)| p).sum();
            if total > 0.0 {
                let s = skipped[i];
                entry[s] = total;
                self.rows[s] = row.into_iter().map(|(t, p)| (t, p / total)).collect();
                let weighted: Vec<(f64, usize)> =
                    conversions_at[i].iter().map(|&(r, w)| (w, r)).collect();
                self.mix_values(s, &weighted);
            }
        }
        self.entry = entry;
        Ok(())
    }

    /// Sets state `s`'s value per conversion (and distribution) to the mixture of the states in
    /// `parts`, weighted by the conversions that happen there.
    fn mix_values(&mut self, s: usize, parts: &[(f64, usize)]) {
        let total: f64 = parts.iter().map(|(w, _)| w).sum();
        if total <= 0.0 {
            return;
        }
        let mean = parts
            .iter()
            .map(|&(w, r)| w * self.value_per_conversion[r])
            .sum::<f64>()
            / total;
        let mut pairs: Vec<(f64, f64)> = Vec::new();
        if parts
            .iter()
            .all(|&(w, r)| w == 0.0 || !self.value_distribution[r].is_empty())
        {
            for &(w, r) in parts {
                let dist = &self.value_distribution[r];
                let mass: f64 = dist.iter().map(|(_, q)| q).sum();
                if w > 0.0 && mass > 0.0 {
                    pairs.extend(dist.iter().map(|&(v, q)| (v, q / mass * w / total)));
                }
            }
            pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
            pairs.dedup_by(|b, a| {
                if a.0 == b.0 {
                    a.1 += b.1;
                    true
                } else {
                    false
                }
            });
        }
        self.value_per_conversion[s] = mean;
        self.value_distribution[s] = pairs;
    }

    /// Scales or sets the probability of `from -> to` in every selected row and rescales the rest.
    fn scale_rows(&mut self, from: &str, to: &str, edit: Edit) -> Outcome {
        let from_selector = self.selector(from)?;
        let to_selector = self.target_selector(to)?;
        let mut touched = false;
        for s in 0..self.states.len() {
            if self.selects(from_selector, s, false) {
                touched |= self.edit_row(s, to_selector, to, edit)?;
            }
        }
        if !touched {
            return Err(format!(
                "no state matching '{from}' has a transition to '{to}'; the change would do nothing",
                from = crate::error::clip(from),
                to = crate::error::clip(to)
            ));
        }
        Ok(())
    }

    /// Edits one row; false when there was nothing to edit (scaling a transition that does not
    /// exist, or setting one that does not exist to 0).
    fn edit_row(
        &mut self,
        s: usize,
        to: TargetSelector,
        to_name: &str,
        edit: Edit,
    ) -> Outcome<bool> {
        let matched: f64 = self.rows[s]
            .iter()
            .filter(|&&(t, _)| self.target_matches(to, t))
            .map(|(_, p)| p)
            .sum();
        let wanted = match edit {
            Edit::Scale(_) if matched == 0.0 => return Ok(false),
            Edit::Scale(f) => matched * f,
            Edit::Set(0.0) if matched == 0.0 => return Ok(false),
            Edit::Set(p) => p,
        };
        if wanted > 1.0 + 1e-12 {
            return Err(format!(
                "P({} -> {}) would become {wanted}, above 1",
                self.state_name(s),
                crate::error::clip(to_name)
            ));
        }
        let wanted = wanted.min(1.0);
        let rest = 1.0 - matched;
        if rest <= 1e-15 && wanted < 1.0 {
            return Err(format!(
                "state '{}' goes only to '{to_name}', so the rest of its row is empty and cannot \
                 take the remaining {:.6}",
                self.state_name(s),
                1.0 - wanted,
                to_name = crate::error::clip(to_name)
            ));
        }
        let rest_scale = if rest > 0.0 {
            (1.0 - wanted) / rest
        } else {
            0.0
        };
        let mut row: Vec<(Target, f64)> = self.rows[s]
            .iter()
            .map(|&(t, p)| {
                if self.target_matches(to, t) {
                    (t, p * wanted / matched)
                } else {
                    (t, p * rest_scale)
                }
            })
            .collect();
        if matched == 0.0 {
            // Setting a transition that does not exist yet: it needs exactly one target.
            let Some(target) = self.single_target(to) else {
                return Err(format!(
                    "state '{}' has no transition to '{to_name}' to set, and '{to_name}' is not \
                     one state",
                    self.state_name(s),
                    to_name = crate::error::clip(to_name)
                ));
            };
            row.push((target, wanted));
        }
        normalise(&mut row);
        if row.iter().all(|&(_, p)| p <= 0.0) {
            return Err(format!(
                "the change empties the row of state '{}'",
                self.state_name(s)
            ));
        }
        self.rows[s] = row;
        Ok(true)
    }

    fn entry_mass(&self, selector: Selector) -> f64 {
        (0..self.states.len())
            .filter(|&s| self.selects(selector, s, true))
            .map(|s| self.entry[s])
            .sum()
    }

    /// Adds `mass` of entry probability to the journeys starting at `selector`: in proportion to
    /// their current entry, or to the touchpoint's own single-touch state when none starts there.
    fn add_entry(&mut self, selector: Selector, name: &str, mass: f64) -> Outcome {
        let current = self.entry_mass(selector);
        if current > 0.0 {
            for s in 0..self.states.len() {
                if self.selects(selector, s, true) {
                    self.entry[s] += mass * self.entry[s] / current;
                }
            }
            return Ok(());
        }
        let single = match selector {
            Selector::State(s) => Some(s as usize),
            Selector::Touchpoint(c) => (0..self.states.len()).find(|&s| *self.states[s] == [c]),
            Selector::All => None,
        };
        match single {
            Some(s) => {
                self.entry[s] += mass;
                Ok(())
            }
            None => Err(format!(
                "the model has no state for journeys starting at '{name}'",
                name = crate::error::clip(name)
            )),
        }
    }

    fn shift_entry(&mut self, from: &str, to: &str, share: f64) -> Outcome {
        let (from_selector, to_selector) = (self.selector(from)?, self.selector(to)?);
        let mass = self.entry_mass(from_selector);
        if mass == 0.0 {
            return Err(format!(
                "no journey starts at '{from}', so there is nothing to shift",
                from = crate::error::clip(from)
            ));
        }
        for s in 0..self.states.len() {
            if self.selects(from_selector, s, true) {
                self.entry[s] *= 1.0 - share;
            }
        }
        self.add_entry(to_selector, to, mass * share)
    }

    fn set_entry(&mut self, touchpoint: &str, probability: f64) -> Outcome {
        let selector = self.selector(touchpoint)?;
        let current = self.entry_mass(selector);
        let rest = 1.0 - current;
        if rest <= 1e-15 && probability < 1.0 {
            return Err(format!(
                "every journey starts at '{touchpoint}', so no other entry can take the rest",
                touchpoint = crate::error::clip(touchpoint)
            ));
        }
        let rest_scale = if rest > 0.0 {
            (1.0 - probability) / rest
        } else {
            0.0
        };
        for s in 0..self.states.len() {
            if !self.selects(selector, s, true) {
                self.entry[s] *= rest_scale;
            } else if current > 0.0 {
                // The selected states keep their proportions among themselves.
                self.entry[s] *= probability / current;
            }
        }
        if current > 0.0 {
            Ok(())
        } else {
            self.add_entry(selector, touchpoint, probability)
        }
    }

    fn add_touchpoint(
        &mut self,
        name: &str,
        like: &str,
        entry_share: f64,
        incoming_share: f64,
        conversion_factor: f64,
    ) -> Outcome {
        if self.order != 1 {
            return Err(format!(
                "add_touchpoint needs an order-1 model (this one has order {}): at higher orders \
                 the new touchpoint's windows with every neighbour would have to be invented",
                self.order
            ));
        }
        if self.channels.get(name).is_some() {
            return Err(format!(
                "touchpoint '{name}' already exists",
                name = crate::error::clip(name)
            ));
        }
        let like_channel = match self.selector(like)? {
            Selector::Touchpoint(c) => c,
            _ => {
                return Err(format!(
                    "'{like}' is not a touchpoint",
                    like = crate::error::clip(like)
                ));
            }
        };
        let like_state = (0..self.states.len())
            .find(|&s| *self.states[s] == [like_channel])
            .ok_or_else(|| {
                format!(
                    "the model has no state for '{like}'",
                    like = crate::error::clip(like)
                )
            })?;
        let new_channel = self.channels.intern(name);
        let new_state = self.states.len();
        self.states.push(vec![new_channel].into());
        self.rows.push(self.rows[like_state].clone());
        self.value_per_conversion
            .push(self.value_per_conversion[like_state]);
        self.value_distribution
            .push(self.value_distribution[like_state].clone());
        self.dwell.push(self.dwell[like_state]);
        self.entry.iter_mut().for_each(|p| *p *= 1.0 - entry_share);
        self.entry.push(entry_share);
        let like_target = Target::State(like_state as StateId);
        for row in &mut self.rows {
            if let Some(i) = row.iter().position(|&(t, _)| t == like_target) {
                let moved = row[i].1 * incoming_share;
                row[i].1 -= moved;
                add(row, Target::State(new_state as StateId), moved);
            }
        }
        if conversion_factor != 1.0 {
            let edit = Edit::Scale(conversion_factor);
            let edited = self
                .edit_row(new_state, TargetSelector::Conversion, "conversion", edit)
                .map_err(|e| format!("conversion_factor: {e}"))?;
            if !edited {
                // A factor on a probability of 0 leaves it 0: say so rather than report a
                // silent "+0".
                self.warnings.push(format!(
                    "'{like}' never converts directly, so a conversion_factor ({conversion_factor}) \
                     changes nothing for '{name}'"
                ));
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy)]
enum Edit {
    Scale(f64),
    Set(f64),
}

/// Adds `p` to target `t` in `row`.
fn add(row: &mut Vec<(Target, f64)>, t: Target, p: f64) {
    match row.iter_mut().find(|(u, _)| *u == t) {
        Some(entry) => entry.1 += p,
        None => row.push((t, p)),
    }
}

/// Divides a row by its sum so rounding never lets it drift from 1.
fn normalise(row: &mut [(Target, f64)]) {
    let sum: f64 = row.iter().map(|(_, p)| p).sum();
    if sum > 0.0 {
        row.iter_mut().for_each(|(_, p)| *p /= sum);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journey::MemoryPaths;
    use crate::model::{FitOptions, fit_paths};
    use crate::simulate::SimulateOptions;
    use crate::solve::absorb;
    use crate::whatif::{ScenarioFile, what_if};

    /// `a` converts directly; `b` only ever leads on to `a` or drops out.
    fn chain() -> Chain {
        let rows = [
            (&["a"][..], 3.0, 30.0, 2.0),
            (&["b", "a"][..], 1.0, 10.0, 1.0),
            (&["b"][..], 0.0, 0.0, 4.0),
        ];
        fit_paths(
            MemoryPaths::new("p.csv", &rows),
            FitOptions::order(1),
            |_| {},
        )
        .unwrap()
        .chain
    }

    fn add_like(like: &str, conversion_factor: f64) -> Scenario {
        Scenario {
            name: "new".into(),
            description: String::new(),
            changes: vec![Change::AddTouchpoint {
                name: "new".into(),
                like: like.into(),
                entry_share: 0.2,
                incoming_share: 0.0,
                conversion_factor,
            }],
        }
    }

    #[test]
    fn conversion_factor_on_a_touchpoint_that_never_converts_directly_is_warned_about() {
        let base = chain();
        let (changed, warnings) =
            apply_with_warnings(&base, &add_like("b", 2.0), "s.json").unwrap();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        let w = &warnings[0];
        assert!(
            w.starts_with("s.json: changes[0] (add_touchpoint): "),
            "{w}"
        );
        assert!(w.contains("'b' never converts directly"), "{w}");
        assert!(w.contains("changes nothing"), "{w}");
        // Indeed the factor changes nothing: the same as with factor 1.
        let (same, none) = apply_with_warnings(&base, &add_like("b", 1.0), "s.json").unwrap();
        assert!(none.is_empty());
        assert_eq!(
            absorb(&changed, None).unwrap(),
            absorb(&same, None).unwrap()
        );
    }

    #[test]
    fn conversion_factor_that_changes_something_is_not_warned_about() {
        let (_, warnings) = apply_with_warnings(&chain(), &add_like("a", 1.5), "s.json").unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
    }

    /// `scale_conversion` at a touchpoint that never converts directly would change nothing:
    /// it is refused, naming the change.
    #[test]
    fn scale_conversion_that_changes_nothing_is_an_error() {
        let scenario = Scenario {
            name: "x".into(),
            description: String::new(),
            changes: vec![Change::ScaleConversion {
                at: "b".into(),
                factor: 2.0,
            }],
        };
        let err = apply(&chain(), &scenario, "s.json").unwrap_err();
        assert_eq!(err.exit_code(), 2);
        let text = err.to_string();
        assert!(
            text.contains("s.json: changes[0] (scale_conversion)"),
            "{text}"
        );
        assert!(text.contains("the change would do nothing"), "{text}");
    }

    /// The what-if result carries the warning.
    #[test]
    fn what_if_carries_the_warning() {
        let base = chain();
        let scenarios = [ScenarioFile {
            scenario: add_like("b", 2.0),
            file: "s.json".into(),
        }];
        let result = what_if(
            &base,
            "p.csv",
            &scenarios,
            &SimulateOptions::journeys(1000),
            &|_, _, _| {},
        )
        .unwrap();
        assert!(
            result
                .warnings
                .iter()
                .any(|w| w.contains("'b' never converts directly")),
            "{:?}",
            result.warnings
        );
    }
}
