//! Grouping an unsorted event log within a memory limit: partitions by user on disk when needed.
//!
//! An event log that is not sorted by user, then time (or standard input, which cannot be
//! checked and read again) must be grouped by user before its journeys can be cut. This module
//! groups it in memory while the grouping fits in [`Memory::limit`]; when the next row would
//! take it over, it **partitions** the log by user: every row goes, by a hash of its user name,
//! to one of a number of temporary files in a fresh directory under [`Memory::temp_dir`], sized
//! so that each partition's grouping fits the limit. The partitions are then grouped and cut one
//! after another, in memory. A partition that turns out too large (standard input, whose size is
//! not known in advance, or skewed users) is split again with another hash.
//!
//! Rows are parsed and checked **before** they are written, so a bad row is reported with its
//! file and line exactly as the in-memory path reports it, and partitions hold parsed rows in a
//! compact binary form (user name, time, touchpoint and segment ids, counts: about 36 bytes plus
//! the user name).
//!
//! **Same results.** A user's events all land in one partition, so every journey is cut exactly
//! as in memory; only the order in which users' journeys are visited changes, and every consumer
//! reads through `journeysim_core::row_order::Canonical`, whose output does not depend on it
//! (and the reader's own order-dependent sums are exact, [`ExactSum`](journeysim_core::exact_sum)).
//!
//! **What the limit counts**: the grouping (about 48 bytes per event, and per user its name plus
//! about 80 bytes of table), with the growth of its vectors and tables counted before it happens.
//! **Not counted**: the write buffers of the partitions (64 KiB each, a few MiB in all), the table
//! of distinct touchpoints and segments, one user's open journey, and whatever the consumer keeps
//! (`Canonical` holds one record per distinct journey: the size of the distinct-paths table,
//! which is small when touch ages are not used and about one record per journey when they are).
//! A single user with more events than the limit holds is grouped in memory anyway.
//!
//! **Clean-up.** The directory is a [`tempfile::TempDir`]: removed when the read ends, whether it
//! succeeds or fails. While it exists it is listed in [`spill_directories`], so a signal handler
//! can remove it ([`remove_spill_directories`]) before the program exits on Ctrl-C.

use std::fs::File;
use std::hash::Hasher;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rustc_hash::FxHasher;

use journeysim_core::error::{Error, Result};

/// The default memory limit for grouping an unsorted event log: 1 GiB.
pub const DEFAULT_MEMORY_LIMIT: u64 = 1 << 30;

/// How much memory grouping an unsorted event log may take, and where to partition it when it
/// would take more. A small sorted log's parsed rows are kept between its two passes within the
/// same limit (and 64 MiB; `crate::events`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Memory {
    /// Bytes the grouping may hold (see the module documentation for what is counted).
    pub limit: u64,
    /// Directory for the partitions; `None` is the system's ([`std::env::temp_dir`]).
    pub temp_dir: Option<PathBuf>,
}

impl Default for Memory {
    fn default() -> Self {
        Memory {
            limit: DEFAULT_MEMORY_LIMIT,
            temp_dir: None,
        }
    }
}

/// Parses a memory size: a number of bytes (`1000000`, `1e9`, `1_000`) with an optional unit,
/// decimal (`KB`, `MB`, `GB`, `TB`; `K` `M` `G` `T` alike) or binary (`KiB`, `MiB`, `GiB`,
/// `TiB`), case-insensitive, `B` optional: `256MB` is 256,000,000 bytes, `1GiB` 2^30. At least
/// one byte.
///
/// ```
/// use journeysim_io::spill::parse_size;
/// assert_eq!(parse_size("256MB"), Ok(256_000_000));
/// assert_eq!(parse_size("1GiB"), Ok(1 << 30));
/// assert_eq!(parse_size("1e9"), Ok(1_000_000_000));
/// assert!(parse_size("lots").is_err());
/// ```
pub fn parse_size(text: &str) -> std::result::Result<u64, String> {
    let bad = || {
        format!(
            "'{}' is not a memory size; write e.g. 256MB, 1GiB or 1e9 (bytes)",
            journeysim_core::error::clip(text)
        )
    };
    let trimmed = text.trim().replace('_', "");
    let split = trimmed
        .find(|c: char| c.is_ascii_alphabetic() && c != 'e' && c != 'E')
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(split);
    let scale: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "m" | "mb" => 1e6,
        "g" | "gb" => 1e9,
        "t" | "tb" => 1e12,
        "ki" | "kib" => 1024.0,
        "mi" | "mib" => 1024f64.powi(2),
        "gi" | "gib" => 1024f64.powi(3),
        "ti" | "tib" => 1024f64.powi(4),
        _ => return Err(bad()),
    };
    let x: f64 = number.trim().parse().map_err(|_| bad())?;
    let bytes = x * scale;
    if !bytes.is_finite() || bytes < 1.0 || bytes >= 2f64.powi(63) {
        return Err(format!(
            "'{}' is not a memory size of at least one byte",
            journeysim_core::error::clip(text)
        ));
    }
    Ok(bytes.round() as u64)
}

/// Directories of partitions that exist now: removed by [`remove_spill_directories`].
static SPILL_DIRS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// The partition directories that exist now (empty between reads).
pub fn spill_directories() -> Vec<PathBuf> {
    SPILL_DIRS.lock().map(|d| d.clone()).unwrap_or_default()
}

/// Removes every partition directory (for a signal handler that then exits), so an interrupted
/// run leaves nothing in the temporary directory. Keeps the list locked: the program is about to
/// exit.
pub fn remove_spill_directories() {
    let mut dirs = match SPILL_DIRS.lock() {
        Ok(d) => d,
        Err(poisoned) => poisoned.into_inner(),
    };
    for dir in dirs.drain(..) {
        let _ = std::fs::remove_dir_all(dir);
    }
    std::mem::forget(dirs);
}

/// A partition directory, listed in [`SPILL_DIRS`] for its life and removed when dropped.
pub(crate) struct SpillDir {
    dir: tempfile::TempDir,
}

impl SpillDir {
    /// A new directory under `memory.temp_dir` (or the system's).
    pub(crate) fn new(memory: &Memory) -> Result<SpillDir> {
        let parent = memory.temp_dir.clone().unwrap_or_else(std::env::temp_dir);
        let dir = tempfile::Builder::new()
            .prefix("journeysim-spill-")
            .tempdir_in(&parent)
            .map_err(|source| Error::Write {
                path: parent.display().to_string(),
                source,
            })?;
        if let Ok(mut d) = SPILL_DIRS.lock() {
            d.push(dir.path().to_path_buf());
        }
        Ok(SpillDir { dir })
    }
}

impl Drop for SpillDir {
    fn drop(&mut self) {
        if let Ok(mut d) = SPILL_DIRS.lock()
            && let Some(i) = d.iter().position(|p| p == self.dir.path())
        {
            d.swap_remove(i);
        }
    }
}

/// The most partitions written at once (each holds a 64 KiB buffer); more is reached by
/// splitting partitions again.
pub(crate) const MAX_PARTITIONS: u64 = 256;

/// Counts of what was written to one partition.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct PartitionSize {
    /// Records written.
    pub(crate) records: u64,
    /// Bytes of their keys.
    pub(crate) key_bytes: u64,
}

/// Partition files being written: records (a key, by whose hash the partition is chosen, and
/// a payload) appended to one of them.
pub(crate) struct Partitions {
    seed: u64,
    files: Vec<(PathBuf, BufWriter<File>)>,
    sizes: Vec<PartitionSize>,
}

fn write_error(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |source| Error::Write {
        path: path.display().to_string(),
        source,
    }
}

impl Partitions {
    /// `count` new files named `{prefix}{i}.bin` in `dir`, keys hashed with `seed`.
    pub(crate) fn create(dir: &SpillDir, prefix: &str, count: u64, seed: u64) -> Result<Self> {
        let mut files = Vec::with_capacity(count as usize);
        for i in 0..count {
            let path = dir.dir.path().join(format!("{prefix}{i}.bin"));
            let file = File::create(&path).map_err(write_error(&path))?;
            files.push((path, BufWriter::with_capacity(1 << 16, file)));
        }
        Ok(Partitions {
            seed,
            files,
            sizes: vec![PartitionSize::default(); count as usize],
        })
    }

    fn index(&self, key: &[u8]) -> usize {
        let mut h = FxHasher::default();
        h.write_u64(self.seed);
        h.write(key);
        // Mix (splitmix64's finaliser), then map onto the partitions without modulo bias.
        let mut z = h.finish();
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        ((u128::from(z) * self.files.len() as u128) >> 64) as usize
    }

    /// Appends a record to the partition of `key`.
    pub(crate) fn write(&mut self, key: &[u8], payload: &[u8]) -> Result<()> {
        let i = self.index(key);
        let (path, out) = &mut self.files[i];
        (|| {
            out.write_all(&(key.len() as u32).to_le_bytes())?;
            out.write_all(key)?;
            out.write_all(&(payload.len() as u32).to_le_bytes())?;
            out.write_all(payload)
        })()
        .map_err(write_error(path))?;
        self.sizes[i].records += 1;
        self.sizes[i].key_bytes += key.len() as u64;
        Ok(())
    }

    /// Flushes and closes the files: their paths and sizes.
    pub(crate) fn finish(self) -> Result<Vec<(PathBuf, PartitionSize)>> {
        let mut out = Vec::with_capacity(self.files.len());
        for ((path, writer), size) in self.files.into_iter().zip(self.sizes) {
            writer
                .into_inner()
                .map_err(|e| write_error(&path)(e.into_error()))?;
            out.push((path, size));
        }
        Ok(out)
    }
}

/// Reads every record of a partition file in the order written, calling `each` with its key
/// and payload.
pub(crate) fn read_partition(
    path: &Path,
    mut each: impl FnMut(&[u8], &[u8]) -> Result<()>,
) -> Result<()> {
    let read_error = |source| Error::Read {
        path: path.display().to_string(),
        source,
    };
    let mut input = BufReader::with_capacity(1 << 16, File::open(path).map_err(read_error)?);
    let (mut key, mut payload) = (Vec::new(), Vec::new());
    let mut len = [0u8; 4];
    loop {
        match input.read_exact(&mut len) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(()),
            Err(e) => return Err(read_error(e)),
        }
        key.resize(u32::from_le_bytes(len) as usize, 0);
        input.read_exact(&mut key).map_err(read_error)?;
        input.read_exact(&mut len).map_err(read_error)?;
        payload.resize(u32::from_le_bytes(len) as usize, 0);
        input.read_exact(&mut payload).map_err(read_error)?;
        each(&key, &payload)?;
    }
}

/// How many partitions for an estimated `estimate` bytes of work: each about half the limit.
pub(crate) fn partition_count(estimate: u64, limit: u64) -> u64 {
    estimate
        .div_ceil((limit / 2).max(1))
        .clamp(2, MAX_PARTITIONS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_take_decimal_and_binary_units_and_refuse_the_rest() {
        for (text, bytes) in [
            ("256MB", 256_000_000),
            ("256mb", 256_000_000),
            ("1GiB", 1 << 30),
            ("1 GiB", 1 << 30),
            ("1e9", 1_000_000_000),
            ("1.5e3", 1500),
            ("2k", 2000),
            ("64KiB", 65536),
            ("1_000", 1000),
            ("512B", 512),
            ("1.5GB", 1_500_000_000),
        ] {
            assert_eq!(parse_size(text), Ok(bytes), "{text}");
        }
        for text in ["", "0", "-1MB", "MB", "12XB", "nan", "inf", "1e30", "0.1"] {
            assert!(parse_size(text).is_err(), "{text}");
        }
    }

    #[test]
    fn records_round_trip_through_a_partition_file_and_the_directory_goes() {
        let dir = SpillDir::new(&Memory::default()).unwrap();
        let listed = dir.dir.path().to_path_buf();
        assert!(spill_directories().contains(&listed));
        let mut parts = Partitions::create(&dir, "t", 3, 0).unwrap();
        let records: Vec<(Vec<u8>, Vec<u8>)> = (0..200u32)
            .map(|i| {
                (
                    format!("ü{}", i % 17).into_bytes(),
                    i.to_le_bytes().repeat(i as usize % 3),
                )
            })
            .collect();
        for (key, payload) in &records {
            parts.write(key, payload).unwrap();
        }
        let mut back = Vec::new();
        let files = parts.finish().unwrap();
        assert_eq!(files.iter().map(|(_, s)| s.records).sum::<u64>(), 200);
        for (path, _) in files {
            let mut keys = std::collections::BTreeSet::new();
            read_partition(&path, |k, p| {
                keys.insert(k.to_vec());
                back.push((k.to_vec(), p.to_vec()));
                Ok(())
            })
            .unwrap();
        }
        back.sort();
        let mut expected = records.clone();
        expected.sort();
        assert_eq!(back, expected);
        drop(dir);
        assert!(!listed.exists());
        assert!(!spill_directories().contains(&listed));
    }
}
