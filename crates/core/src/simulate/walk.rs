//! One simulated journey: a small pure function from (sampler, generator) to an outcome.
//!
//! The walk draws its first state from (start), then one alias draw per step until it reaches
//! (conversion) or (null), or has visited `max_steps` states (then it is *truncated*: neither a
//! conversion nor a non-conversion, and counted apart). A converting walk then draws its value
//! (see `super::sampler`). Nothing else is random, so the same generator state gives the same
//! journey in any chain that shares the rows the journey visits, which is what common random
//! numbers (`super::paired`) rely on.

use rand::Rng;

use super::sampler::Sampler;

/// How a walk ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// Reached (conversion).
    Conversion,
    /// Reached (null).
    Null,
    /// Still transient after `max_steps` states.
    Truncated,
}

/// The outcome of one walk.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Walk {
    /// How it ended.
    pub end: End,
    /// The last transient state visited.
    pub last: u32,
    /// Transient states visited.
    pub states: u32,
    /// Touches: the first state's window plus one per later state (the path length the data
    /// would show, with repeats collapsed as when fitting). Wider than `states`: a walk of
    /// `u32::MAX` states from an order-k window has more touches than a `u32` holds.
    pub touches: u64,
    /// Conversion value (0 unless it converted).
    pub value: f64,
}

/// The set of channels a walk visited. [`u64`] is the fast set for at most 64 channels;
/// [`WideSet`] holds any number.
pub trait VisitSet {
    /// Empties the set.
    fn clear(&mut self);
    /// Adds the channels of `state`, whose mask is `words` words at `masks[state * words..]`.
    fn add(&mut self, masks: &[u64], words: usize, state: u32);
    /// Calls `f` with every channel in the set, in increasing order.
    fn for_each(&self, f: impl FnMut(usize));
    /// An empty set for `words` mask words.
    fn empty(words: usize) -> Self;
    /// The set as one bitmask, when it fits in one word.
    fn word(&self) -> Option<u64>;
    /// The states added since the last `clear`, in order, when the set keeps them
    /// ([`Trailed`]); empty otherwise.
    fn trail(&self) -> &[u32] {
        &[]
    }
}

impl VisitSet for u64 {
    #[inline(always)]
    fn clear(&mut self) {
        *self = 0;
    }
    #[inline(always)]
    fn add(&mut self, masks: &[u64], _words: usize, state: u32) {
        *self |= masks[state as usize];
    }
    #[inline(always)]
    fn for_each(&self, mut f: impl FnMut(usize)) {
        let mut bits = *self;
        while bits != 0 {
            f(bits.trailing_zeros() as usize);
            bits &= bits - 1;
        }
    }
    fn empty(_words: usize) -> Self {
        0
    }
    #[inline(always)]
    fn word(&self) -> Option<u64> {
        Some(*self)
    }
}

/// A channel set of any size: one bit per channel in `words` words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WideSet(Vec<u64>);

impl VisitSet for WideSet {
    fn clear(&mut self) {
        self.0.fill(0);
    }
    fn add(&mut self, masks: &[u64], words: usize, state: u32) {
        let mask = &masks[state as usize * words..][..words];
        self.0.iter_mut().zip(mask).for_each(|(a, m)| *a |= m);
    }
    fn for_each(&self, mut f: impl FnMut(usize)) {
        for (w, &word) in self.0.iter().enumerate() {
            word.for_each(|c| f(w * 64 + c));
        }
    }
    fn empty(words: usize) -> Self {
        WideSet(vec![0; words])
    }
    fn word(&self) -> Option<u64> {
        None
    }
}

/// A channel set that also keeps the states added to it, in order: the trail of a walk whose
/// time is drawn when it converts (`super::timing`). Walks need no change to keep it, since they
/// add every state they visit, once per visit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trailed<V> {
    set: V,
    states: Vec<u32>,
}

impl<V: VisitSet> VisitSet for Trailed<V> {
    #[inline(always)]
    fn clear(&mut self) {
        self.set.clear();
        self.states.clear();
    }
    #[inline(always)]
    fn add(&mut self, masks: &[u64], words: usize, state: u32) {
        self.set.add(masks, words, state);
        self.states.push(state);
    }
    #[inline(always)]
    fn for_each(&self, f: impl FnMut(usize)) {
        self.set.for_each(f);
    }
    fn empty(words: usize) -> Self {
        Trailed {
            set: V::empty(words),
            states: Vec::with_capacity(64),
        }
    }
    #[inline(always)]
    fn word(&self) -> Option<u64> {
        self.set.word()
    }
    #[inline(always)]
    fn trail(&self) -> &[u32] {
        &self.states
    }
}

/// Walks one journey through `sampler` with `rng`, recording visited channels in `visited`.
/// `max_steps` >= 1 caps the transient states visited.
#[inline(always)]
pub fn walk<R: Rng + ?Sized, V: VisitSet>(
    sampler: &Sampler,
    rng: &mut R,
    max_steps: u32,
    visited: &mut V,
) -> Walk {
    let table = &sampler.transitions;
    let words = sampler.words;
    // Walk in handles (see `FlatAlias::chain`); absorbing targets have the largest handles.
    let conversion = table.handle(sampler.n);
    visited.clear();
    // SAFETY (the `step` calls): `state` is always a handle drawn from the entry row or a
    // transient outcome (below `conversion`), and `Sampler::new` checked that every entry and
    // transition outcome is a state or an absorbing target, so it is the handle of a row.
    let first = sampler.entry.draw(0, rng.next_u64());
    let mut state = first;
    let mut states = 1u32;
    loop {
        visited.add(&sampler.masks, words, table.id(state));
        let next = unsafe { table.step(state, rng.next_u64()) };
        if next >= conversion {
            let last = table.id(state);
            let touches = path_touches(sampler.window[table.id(first) as usize], states);
            return if next == conversion {
                Walk {
                    end: End::Conversion,
                    last,
                    states,
                    touches,
                    value: sampler.value(last, || rng.next_u64()),
                }
            } else {
                Walk {
                    end: End::Null,
                    last,
                    states,
                    touches,
                    value: 0.0,
                }
            };
        }
        if states >= max_steps {
            return Walk {
                end: End::Truncated,
                last: table.id(state),
                states,
                touches: path_touches(sampler.window[table.id(first) as usize], states),
                value: 0.0,
            };
        }
        states += 1;
        state = next;
    }
}

/// The touches of a walk that entered at a state of `window` touches and visited `states`
/// states: the window, then one touch per later state.
#[inline(always)]
pub(crate) fn path_touches(window: u32, states: u32) -> u64 {
    u64::from(window) + u64::from(states) - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A walk of `u32::MAX` states (`--max-steps 4294967295`) from an order-3 window has
    /// 2^32 + 1 touches: counted, not wrapped to 1.
    #[test]
    fn touches_of_the_longest_walk_do_not_wrap() {
        assert_eq!(path_touches(1, 1), 1);
        assert_eq!(path_touches(3, 5), 7);
        assert_eq!(path_touches(3, u32::MAX), u64::from(u32::MAX) + 2);
    }
    use crate::rng;

    fn sampler(text: &str) -> Sampler {
        let chain = serde_json::from_str::<crate::model::document::ModelDocument>(text)
            .unwrap()
            .into_chain("t.json")
            .unwrap();
        Sampler::new(&chain).unwrap()
    }

    #[test]
    fn a_certain_chain_walks_the_same_journey_every_time() {
        // (start) -> a -> b -> (conversion), value 7 at b.
        let s = sampler(
            r#"{"format": "journeysim-model", "version": 1, "order": 1, "channels": ["a", "b"],
            "entry": [{"to": "a", "probability": 1}],
            "states": [{"state": "a", "transitions": [{"to": "b", "probability": 1}]},
              {"state": "b", "value_per_conversion": 7,
               "transitions": [{"to": "(conversion)", "probability": 1}]}]}"#,
        );
        let mut rng = rng::stream(1, 0);
        for _ in 0..100 {
            let mut seen = 0u64;
            let w = walk(&s, &mut rng, 10, &mut seen);
            assert_eq!(w.end, End::Conversion);
            assert_eq!((w.last, w.states, w.touches, w.value), (1, 2, 2, 7.0));
            assert_eq!(seen, 0b11);
            let mut wide = WideSet::empty(1);
            let mut again = rng.clone();
            let w2 = walk(&s, &mut again, 10, &mut wide);
            assert_eq!(w2.end, End::Conversion);
            let mut channels = Vec::new();
            wide.for_each(|c| channels.push(c));
            assert_eq!(channels, vec![0, 1]);
        }
    }

    #[test]
    fn the_step_cap_truncates_and_touches_count_the_first_window() {
        // Order 2: the first state "a > b" has two touches; it loops on "b > b" forever-ish.
        let s = sampler(
            r#"{"format": "journeysim-model", "version": 1, "order": 2, "channels": ["a", "b"],
            "entry": [{"to": "a > b", "probability": 1}],
            "states": [{"state": "a > b", "transitions": [{"to": "b > b", "probability": 1}]},
              {"state": "b > b", "transitions": [{"to": "b > b", "probability": 0.999999},
                 {"to": "(null)", "probability": 0.000001}]}]}"#,
        );
        let mut seen = 0u64;
        let w = walk(&s, &mut rng::stream(2, 0), 4, &mut seen);
        assert_eq!(w.end, End::Truncated);
        assert_eq!((w.states, w.touches, w.value), (4, 5, 0.0));
    }
}
