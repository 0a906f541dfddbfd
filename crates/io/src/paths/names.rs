//! The channel names of a path, found by their first bytes rather than cut out and looked up.
//!
//! Splitting a path byte by byte costs a mispredicted branch at every separator, and each piece
//! is then trimmed and looked up: most of the time a paths file takes to parse. A file names a
//! few channels millions of times, always with the same bytes around them (`social > `), so
//! once a name has been read the slow way, [`PathNames`] remembers it under its **key**: the
//! bytes from the name's start up to the next separator, at most eight of them, and their
//! count. At the start of the next piece of a path, its next 16 bytes are read as two words;
//! where the separator is in them takes a few arithmetic steps, no branch per byte, and gives
//! both where the piece ends (so the piece after it need not wait for this one's lookup) and
//! the key. The key is looked up, and the name it promises is checked against the text in
//! full: its bytes, then nothing but ASCII whitespace up to the piece's end. Only then is its
//! id taken.
//!
//! [`PathNames::split`] either reads a whole path this way or gives up (an unknown name, an
//! empty piece, whitespace other than ASCII's), and the caller reads the path the slow way,
//! which reports its errors and teaches the names it meets. A name's id always comes from the
//! channel table; the memory only says where to look, and the checks make a wrong guess
//! impossible, not merely unlikely: a name is a trimmed string, so a piece that is ASCII
//! whitespace, the name's bytes and ASCII whitespace trims to exactly that name.

use journeysim_core::journey::{ChannelId, ChannelTable};

use crate::name_cache::NameCache;

/// Slots in the memory (a power of two); a key has two, its own and the neighbour sharing its
/// pair, as in [`NameCache`].
const SLOTS: usize = 256;

/// Eight copies of one byte, for testing eight bytes at once.
const fn repeated(byte: u8) -> u64 {
    u64::from_le_bytes([byte; 8])
}

/// A remembered name: where it was met, its length and its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Known {
    /// The key's bytes as a little-endian word, zero past `key_len`.
    key: u64,
    key_len: usize,
    /// The name's length in bytes.
    len: usize,
    /// The name's last eight bytes under `tail_mask`: all of them when it is 9 to 16 bytes
    /// long (its first eight are in the key), none when the key holds it all.
    tail: u64,
    tail_mask: u64,
    id: ChannelId,
}

/// The channel names of one [`ChannelTable`], for paths split at one ASCII separator.
#[derive(Debug, Clone)]
pub(crate) struct PathNames {
    /// Names interned the slow way pass through this cache in front of the table.
    cache: NameCache,
    slots: Vec<Option<Known>>,
}

impl PathNames {
    pub(crate) fn new() -> Self {
        PathNames {
            cache: NameCache::new(),
            slots: vec![None; SLOTS],
        }
    }

    /// The id of `name`, adding it to `table` if it is new, for paths [`PathNames::split`]
    /// cannot read (nothing is remembered).
    pub(crate) fn intern_name(&mut self, table: &mut ChannelTable, name: &str) -> ChannelId {
        self.cache.intern(table, name)
    }

    /// Whether [`PathNames::split`] can read paths cut at `separator`: a visible ASCII byte
    /// (one never inside a longer character, and never the whitespace around a name).
    pub(crate) fn splits_at(separator: &[u8]) -> Option<u8> {
        match separator {
            &[byte] if byte.is_ascii_graphic() => Some(byte),
            _ => None,
        }
    }

    /// The id of `name`, adding it to `table` if it is new (as [`ChannelTable::intern`]), and
    /// remembered for [`PathNames::split`]: `name` is the trimmed piece of `path` (a path cut at
    /// `separator`) that starts at byte `start`.
    pub(crate) fn intern(
        &mut self,
        table: &mut ChannelTable,
        path: &[u8],
        start: usize,
        name: &str,
        separator: u8,
    ) -> ChannelId {
        let id = self.cache.intern(table, name);
        let (key, key_len) = key_at(path, start, separator);
        let len = name.len();
        let tail_mask = if (9..=16).contains(&len) { u64::MAX } else { 0 };
        let known = Known {
            key,
            key_len,
            len,
            tail: word_at(path, (start + len).saturating_sub(8)) & tail_mask,
            tail_mask,
            id,
        };
        let slot = slot_of(key, key_len);
        let way = match self.slots[slot] {
            None => slot,
            Some(held) if held.key == key && held.key_len == key_len => slot,
            Some(_) => slot ^ 1,
        };
        self.slots[way] = Some(known);
        id
    }

    /// Splits `path` at `separator` into the ids of its channels, in `touches` (cleared first),
    /// when every piece is a remembered name; false otherwise, with `touches` holding some of
    /// them. `table` must be the table the names were interned into.
    pub(crate) fn split(
        &self,
        table: &ChannelTable,
        path: &[u8],
        separator: u8,
        touches: &mut Vec<ChannelId>,
    ) -> bool {
        touches.clear();
        let end = path.len();
        let skip_space = |mut at: usize| {
            while at < end && path[at].is_ascii_whitespace() {
                at += 1;
            }
            at
        };
        let mut at = skip_space(0);
        loop {
            // Where the piece ends comes from the text alone, not from the name found in it,
            // so the next piece need not wait for this one's lookup.
            let (piece_end, key) = piece_at(path, at, separator);
            let Some(known) = self.find(key) else {
                return false;
            };
            let name_end = at + known.len;
            if name_end > piece_end {
                return false;
            }
            // The key held the name's first eight bytes; its last eight (no branch on which
            // names have them: they come in every length) and, past 16, all of them.
            let tail = word_at(path, name_end.saturating_sub(8)) & known.tail_mask;
            if tail != known.tail
                || (known.len > 16 && path[at..name_end] != *table.name(known.id).as_bytes())
                || !path[name_end..piece_end]
                    .iter()
                    .all(u8::is_ascii_whitespace)
            {
                return false;
            }
            touches.push(known.id);
            if piece_end == end {
                return true;
            }
            at = skip_space(piece_end + 1);
        }
    }

    /// The name remembered under a key.
    fn find(&self, (key, key_len): (u64, usize)) -> Option<Known> {
        let slot = slot_of(key, key_len);
        [slot, slot ^ 1]
            .into_iter()
            .filter_map(|way| self.slots[way])
            .find(|known| known.key == key && known.key_len == key_len)
    }
}

/// The key at byte `at` of `path`: the bytes up to the next `separator` or the path's end, at
/// most eight, as a little-endian word (zero past them), and their count. At the path's end it
/// is empty, a key no name has (a name has at least one byte before any separator).
fn key_at(path: &[u8], at: usize, separator: u8) -> (u64, usize) {
    piece_at(path, at, separator).1
}

/// The end of the piece of `path` that starts at byte `at` (the next `separator` or the path's
/// end) and its key ([`key_at`]). A separator in the next 16 bytes is found without a branch
/// per byte or per word.
#[inline(always)]
fn piece_at(path: &[u8], at: usize, separator: u8) -> (usize, (u64, usize)) {
    let (first, second) = (word_at(path, at), word_at(path, at + 8));
    let separators = u128::from(separators_in(first, separator))
        | u128::from(separators_in(second, separator)) << 64;
    let before = (separators.trailing_zeros() / 8) as usize;
    let rest = path.len().saturating_sub(at);
    let len = if before == 16 && rest > 16 {
        long_piece(&path[at..], separator)
    } else {
        before.min(rest)
    };
    let key_len = len.min(8);
    let key = if key_len == 8 {
        first
    } else {
        first & ((1u64 << (8 * key_len)) - 1)
    };
    (at + len, (key, key_len))
}

/// The length of a piece of more than 16 bytes at the start of `rest`.
#[cold]
fn long_piece(rest: &[u8], separator: u8) -> usize {
    memchr::memchr(separator, &rest[16..]).map_or(rest.len(), |i| 16 + i)
}

/// The high bit of each byte of `word` that is `separator`: the classic exact test for a zero
/// byte, with no carry from one byte to the next.
fn separators_in(word: u64, separator: u8) -> u64 {
    let diff = word ^ repeated(separator);
    let low = repeated(0x7F);
    !(((diff & low).wrapping_add(low)) | diff | low)
}

/// Eight bytes of `path` from `at`, little-endian, zero past its end.
fn word_at(path: &[u8], at: usize) -> u64 {
    match path.get(at..at + 8) {
        Some(bytes) => u64::from_le_bytes(bytes.try_into().expect("eight bytes")),
        None => {
            let mut bytes = [0; 8];
            let rest = path.get(at..).unwrap_or_default();
            bytes[..rest.len()].copy_from_slice(rest);
            u64::from_le_bytes(bytes)
        }
    }
}

fn slot_of(key: u64, key_len: usize) -> usize {
    let mixed = (key ^ (key_len as u64).rotate_right(8)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (mixed >> (64 - SLOTS.trailing_zeros())) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads `path` the slow way, as the paths reader does: pieces cut at `>`, trimmed.
    fn learn(names: &mut PathNames, table: &mut ChannelTable, path: &str) -> Vec<ChannelId> {
        let mut start = 0;
        let mut ids = Vec::new();
        for piece in path.split('>') {
            let name = piece.trim();
            let offset = start + (name.as_ptr().addr() - piece.as_ptr().addr());
            ids.push(names.intern(table, path.as_bytes(), offset, name, b'>'));
            start += piece.len() + 1;
        }
        ids
    }

    #[test]
    fn a_key_stops_at_the_separator_the_end_or_eight_bytes() {
        let path = b"email > search_paid > tv";
        assert_eq!(
            key_at(path, 0, b'>'),
            (u64::from_le_bytes(*b"email \0\0"), 6)
        );
        assert_eq!(key_at(path, 8, b'>'), (u64::from_le_bytes(*b"search_p"), 8));
        assert_eq!(
            key_at(path, 22, b'>'),
            (u64::from_le_bytes(*b"tv\0\0\0\0\0\0"), 2)
        );
        assert_eq!(key_at(path, 24, b'>'), (0, 0));
        assert_eq!(key_at(b"a>", 1, b'>'), (0, 0));
    }

    #[test]
    fn a_piece_ends_at_the_first_separator_at_any_distance() {
        for len in 0..40 {
            for tail in ["", ">", ">x", " > abc"] {
                let path = format!("{}{tail}", "a".repeat(len));
                for at in 0..=len {
                    let expected = at
                        + path.as_bytes()[at..]
                            .iter()
                            .position(|&b| b == b'>')
                            .unwrap_or(path.len() - at);
                    assert_eq!(
                        piece_at(path.as_bytes(), at, b'>').0,
                        expected,
                        "{path} {at}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_path_of_known_names_splits_as_the_slow_way_reads_it() {
        let mut table = ChannelTable::new();
        let mut names = PathNames::new();
        let paths = [
            "email > search_paid > tv > a name of more than sixteen bytes",
            "search_paid>email  >  tv>a name of more than sixteen bytes",
            "tv > email > paid search term > retargeting",
        ];
        for path in paths {
            let ids = learn(&mut names, &mut table, path);
            let mut touches = Vec::new();
            assert!(
                names.split(&table, path.as_bytes(), b'>', &mut touches),
                "{path}"
            );
            assert_eq!(touches, ids, "{path}");
        }
    }

    #[test]
    fn anything_but_known_names_and_ascii_space_gives_up() {
        let mut table = ChannelTable::new();
        let mut names = PathNames::new();
        learn(
            &mut names,
            &mut table,
            "search > search_paid > paid search term > e",
        );
        learn(&mut names, &mut table, "search_paid > search");
        let mut touches = Vec::new();
        for path in [
            // A name that is a known name's start, or a known name and more.
            "search_p > search",
            "search_paidx > search",
            "searchx > search",
            "paid search termx > search",
            "paid search terx > search",
            // Empty pieces.
            "",
            " ",
            "search > ",
            "> search",
            "search >> search",
            // Whitespace str::trim trims but ASCII's does not: the slow way decides.
            "search\u{A0} > search",
            "search > \u{A0}search",
            "search\u{0B} > search",
            // An unknown name, and a known one where its key was never met (before a
            // separator rather than at the end).
            "search > email",
            "e > search",
        ] {
            assert!(
                !names.split(&table, path.as_bytes(), b'>', &mut touches),
                "{path:?}"
            );
        }
        assert!(names.split(&table, b"  search_paid >search ", b'>', &mut touches));
        assert_eq!(touches, [1, 0]);
    }

    #[test]
    fn many_names_sharing_slots_still_give_the_tables_ids() {
        let mut table = ChannelTable::new();
        let mut names = PathNames::new();
        let channels: Vec<String> = (0..600)
            .map(|i| format!("{}{i}", "c".repeat(i % 20)))
            .collect();
        for round in 0..2 {
            for pair in channels.chunks(2) {
                let path = pair.join(" > ");
                let ids = learn(&mut names, &mut table, &path);
                let expected: Vec<ChannelId> = pair.iter().map(|n| table.get(n).unwrap()).collect();
                assert_eq!(ids, expected);
                let mut touches = Vec::new();
                if names.split(&table, path.as_bytes(), b'>', &mut touches) {
                    assert_eq!(touches, expected, "round {round}: {path}");
                }
            }
        }
        assert_eq!(table.len(), channels.len());
    }

    #[test]
    fn only_a_visible_ascii_byte_is_a_separator_split_can_use() {
        assert_eq!(PathNames::splits_at(b">"), Some(b'>'));
        assert_eq!(PathNames::splits_at(b"|"), Some(b'|'));
        for separator in [&b" "[..], b"\t", b" > ", b"", "→".as_bytes()] {
            assert_eq!(PathNames::splits_at(separator), None);
        }
    }
}
