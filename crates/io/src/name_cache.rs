//! Channel names interned through a small cache in front of the [`ChannelTable`]'s hash map.
//!
//! A data set has few distinct channels and names them millions of times: a paths file of a
//! million rows names them some five million times. Hashing each name and comparing it with the
//! stored `String` is most of the time parsing takes, so names of up to 16 bytes are first
//! looked up in a two-way cache keyed by the name's bytes themselves (the first and last
//! eight and the length, which together are the whole name), where a hit costs two integer
//! comparisons. Longer names and misses go to the table; the cache never decides an id the
//! table did not give.

use journeysim_core::journey::{ChannelId, ChannelTable};

/// Slots in the cache (a power of two).
const SLOTS: usize = 256;

/// A name of up to 16 bytes as its first and last eight bytes (a shorter name as one word) and
/// its length: two names with equal keys are equal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Key {
    first: u64,
    last: u64,
    len: u64,
}

impl Key {
    fn of(name: &[u8]) -> Option<Key> {
        let len = name.len();
        let word = |bytes: &[u8]| u64::from_le_bytes(bytes.try_into().expect("eight bytes"));
        let (first, last) = match len {
            // Two overlapping words hold every byte.
            8..=16 => (word(&name[..8]), word(&name[len - 8..])),
            // Two overlapping four-byte words, shifted into place: no loop over the bytes.
            4..8 => {
                let half = |bytes: &[u8]| {
                    u64::from(u32::from_le_bytes(bytes.try_into().expect("four bytes")))
                };
                (
                    half(&name[..4]) | half(&name[len - 4..]) << ((len - 4) * 8),
                    0,
                )
            }
            0..4 => (
                name.iter().rev().fold(0, |acc, &b| acc << 8 | u64::from(b)),
                0,
            ),
            _ => return None,
        };
        Some(Key {
            first,
            last,
            len: len as u64,
        })
    }

    fn slot(&self) -> usize {
        let mixed =
            (self.first ^ self.last.rotate_left(29) ^ self.len).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        (mixed >> (64 - SLOTS.trailing_zeros())) as usize
    }
}

/// The cache of one [`ChannelTable`]: use it with that table only.
#[derive(Debug, Clone)]
pub(crate) struct NameCache {
    slots: Vec<Option<(Key, ChannelId)>>,
}

impl NameCache {
    pub(crate) fn new() -> Self {
        NameCache {
            slots: vec![None; SLOTS],
        }
    }

    /// The id of `name` in `table`, adding it if it is new (as [`ChannelTable::intern`]).
    pub(crate) fn intern(&mut self, table: &mut ChannelTable, name: &str) -> ChannelId {
        let Some(key) = Key::of(name.as_bytes()) else {
            return table.intern(name);
        };
        // Two ways per name: its slot and the neighbour that shares its pair. Twelve names in
        // 256 slots collide one time in four, and two names thrashing one slot would send a
        // sixth of the touches to the table.
        let slot = key.slot();
        for way in [slot, slot ^ 1] {
            if let Some((cached, id)) = self.slots[way]
                && cached == key
            {
                return id;
            }
        }
        let id = table.intern(name);
        let way = if self.slots[slot].is_none() {
            slot
        } else {
            slot ^ 1
        };
        self.slots[way] = Some((key, id));
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_name_is_its_bytes_as_a_little_endian_word() {
        let bytes = [0x61, 0xC3, 0xA9, 0x7F, 0x01, 0xFF, 0x20];
        for len in 0..8 {
            let name = &bytes[..len];
            let word = name.iter().rev().fold(0, |acc, &b| acc << 8 | u64::from(b));
            let key = Key::of(name).unwrap();
            assert_eq!((key.first, key.last, key.len), (word, 0, len as u64));
        }
    }

    #[test]
    fn two_names_of_one_slot_both_stay_cached() {
        let names = ["retargeting", "social"];
        let [a, b] = names.map(|n| Key::of(n.as_bytes()).unwrap().slot());
        assert_eq!(a, b, "the test needs two names that share a slot");
        let mut table = ChannelTable::new();
        let mut cache = NameCache::new();
        for name in names {
            cache.intern(&mut table, name);
        }
        // A table that no longer knows the names: only the cache can answer.
        let mut empty = ChannelTable::new();
        for name in names.iter().cycle().take(6) {
            let id = cache.intern(&mut empty, name);
            assert_eq!(table.name(id), *name);
        }
        assert_eq!(empty.len(), 0, "every lookup was a hit");
    }

    #[test]
    fn names_get_the_tables_ids_whatever_their_length_or_collisions() {
        let mut table = ChannelTable::new();
        let mut cache = NameCache::new();
        // Names of every length around the 8- and 16-byte edges, names that differ only in a
        // middle byte, in the padding or in their length, and enough of them that slots collide.
        let mut names: Vec<String> = (0..=20).map(|n| "x".repeat(n)).collect();
        names.extend(
            [
                "abcdefgh",
                "abcdefgh\0",
                "abcdefghi",
                "abcdefghXbcdefgh",
                "abcdefghYbcdefgh",
            ]
            .map(String::from),
        );
        names.extend((0..2000).map(|i| format!("channel_{i}")));
        names.extend(["é", "日本語", "a long name of more than sixteen bytes"].map(String::from));
        for round in 0..3 {
            for name in &names {
                let id = cache.intern(&mut table, name);
                assert_eq!(table.name(id), name, "round {round}");
            }
        }
        assert_eq!(table.len(), names.len());
    }
}
