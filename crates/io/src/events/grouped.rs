//! Grouping an unsorted event log by user within [`Memory::limit`]: in memory while it fits,
//! else partitioned by user into temporary files ([`crate::spill`]), each grouped and cut in
//! turn. Rows are parsed and checked before they are written (errors are the in-memory path's,
//! line for line); partitions hold parsed rows (user name, then a 32-byte event: time, touch
//! and segment ids, counts). A user's events all land in one partition, so every journey is cut
//! as in memory; only the order in which users are visited changes, which `Canonical` (and the
//! exact sums of [`Cutter`]) make invisible.

use std::io::Read;
use std::path::Path;

use rustc_hash::FxHashMap;

use super::{
    At, Cutter, Event, EventJourney, EventsFormat, EventsSummary, Segments, check_user, finish,
    new_cutter, open_csv, parse_event, tie_order,
};
use crate::spill::{Memory, PartitionSize, Partitions, SpillDir, partition_count, read_partition};
use crate::table_input::csv_error;
use journeysim_core::error::Result;
use journeysim_core::journey::ChannelTable;

/// Bytes of one grouped event.
const EVENT_BYTES: u64 = std::mem::size_of::<(u32, Event)>() as u64;
/// Bytes of one user in the grouping beside its name: its hash-table slot (with the table's
/// spare room and control bytes), the allocation of its name, and its place in the user order
/// and rank vectors built to cut.
const USER_BYTES: u64 = 80;
/// How many times a partition may be split again before it is grouped whatever its size.
const MAX_DEPTH: u32 = 6;

/// Events grouped by user in memory.
#[derive(Default)]
struct Group {
    users: FxHashMap<Vec<u8>, u32>,
    events: Vec<(u32, Event)>,
    name_bytes: u64,
}

impl Group {
    /// Estimated bytes held once `user` (when new) and one more event are added, counting the
    /// growth of the vector and table that the addition would cause.
    fn estimate_after_push(&self, user: &[u8]) -> u64 {
        let events = self.events.len();
        let event_capacity = if events == self.events.capacity() {
            // Growing doubles the vector; the old one is held while it is copied.
            3 * events.max(4)
        } else {
            self.events.capacity()
        } as u64;
        let new_user = !self.users.contains_key(user);
        let users = self.users.len() as u64 + u64::from(new_user);
        let table = if new_user && self.users.len() == self.users.capacity() {
            3 * self.users.capacity().max(4)
        } else {
            self.users.capacity()
        } as u64;
        event_capacity * EVENT_BYTES
            + table * 40
            + users * USER_BYTES
            + self.name_bytes
            + if new_user { user.len() as u64 } else { 0 }
    }

    fn push(&mut self, user: &[u8], event: Event) {
        let next = self.users.len() as u32;
        let id = match self.users.get(user) {
            Some(&id) => id,
            None => {
                self.name_bytes += user.len() as u64;
                self.users.insert(user.to_vec(), next);
                next
            }
        };
        self.events.push((id, event));
    }

    /// Cuts every user's events, users in byte order, events by time, ties by content.
    #[allow(clippy::too_many_arguments)]
    fn cut(
        self,
        channels: &ChannelTable,
        segments: &Segments,
        cutter: &mut Cutter,
        summary: &mut EventsSummary,
        visit: &mut dyn FnMut(&EventJourney<'_>),
    ) {
        let Group {
            users, mut events, ..
        } = self;
        let mut user_order: Vec<(&Vec<u8>, u32)> = users.iter().map(|(u, &id)| (u, id)).collect();
        user_order.sort_unstable();
        let mut rank = vec![0u32; users.len()];
        for (r, &(_, id)) in user_order.iter().enumerate() {
            rank[id as usize] = r as u32;
        }
        drop(user_order);
        // Unstable is enough: events that compare equal are equal in every field.
        events.sort_unstable_by(|a, b| {
            rank[a.0 as usize]
                .cmp(&rank[b.0 as usize])
                .then(a.1.time.total_cmp(&b.1.time))
                .then_with(|| tie_order(&a.1, &b.1, channels, &segments.names))
        });
        summary.users += users.len() as u64;
        let mut current = u32::MAX;
        for &(user, event) in &events {
            if user != current {
                cutter.end_without_conversion(&segments.names, summary, visit);
                current = user;
            }
            cutter.push(event, &segments.names, summary, visit);
        }
        cutter.end_without_conversion(&segments.names, summary, visit);
    }
}

/// The most a partition's grouping can take (as if every record were a new user).
fn estimate(size: &PartitionSize) -> u64 {
    size.records * (EVENT_BYTES + USER_BYTES + 40) + size.key_bytes
}

/// An event as a partition record's payload: time, touch id (`u32::MAX` for none),
/// conversions, value, segment id, little-endian.
fn encode(e: &Event) -> [u8; 32] {
    let mut out = [0u8; 32];
    out[0..8].copy_from_slice(&e.time.to_le_bytes());
    out[8..12].copy_from_slice(&e.touch.unwrap_or(u32::MAX).to_le_bytes());
    out[12..20].copy_from_slice(&e.conversions.to_le_bytes());
    out[20..28].copy_from_slice(&e.value.to_le_bytes());
    out[28..32].copy_from_slice(&e.segment.to_le_bytes());
    out
}

fn decode(bytes: &[u8]) -> Event {
    let f64_at = |i: usize| f64::from_le_bytes(bytes[i..i + 8].try_into().expect("8 bytes"));
    let u32_at = |i: usize| u32::from_le_bytes(bytes[i..i + 4].try_into().expect("4 bytes"));
    let touch = u32_at(8);
    Event {
        time: f64_at(0),
        touch: (touch != u32::MAX).then_some(touch),
        conversions: f64_at(12),
        value: f64_at(20),
        segment: u32_at(28),
    }
}

/// Groups an unsorted log (see the module documentation): in memory while it fits in
/// `memory.limit`, else partitioned by user under `memory.temp_dir`. `size` is the input's size
/// in bytes when known (it sizes the partitions). `unsorted` is the first line out of order,
/// for the summary.
#[allow(clippy::too_many_arguments)]
pub(crate) fn read_grouped<R: Read>(
    input: R,
    size: Option<u64>,
    source: &str,
    format: &EventsFormat,
    memory: &Memory,
    channels: &mut ChannelTable,
    mut visit: impl FnMut(&EventJourney<'_>),
    unsorted: Option<u64>,
) -> Result<EventsSummary> {
    let (mut reader, columns) = open_csv(input, source, format)?;
    let mut summary = EventsSummary {
        unsorted,
        ..EventsSummary::default()
    };
    let mut segments = Segments::new();
    let mut group = Group::default();
    let mut spilled: Option<(SpillDir, Partitions)> = None;
    let mut record = csv::ByteRecord::new();
    let mut raw = csv::ByteRecord::new();
    let mut latest = f64::NEG_INFINITY;
    while crate::chunked::read_trimmed(&mut reader, &mut raw, &mut record)
        .map_err(|e| csv_error(e, source))?
    {
        let at = At {
            source,
            line: record.position().map_or(0, |p| p.line()),
        };
        summary.rows += 1;
        let user = check_user(&record, &columns, format, &at)?;
        let event = parse_event(&record, &columns, format, &at, channels, &mut segments)?;
        latest = latest.max(event.time);
        if spilled.is_none() && group.estimate_after_push(user) > memory.limit {
            // Partition: as many files as the whole log's grouping needs, extrapolated from the
            // share of the input read so far (a guess of 8x for a stream of unknown size).
            let held = group.estimate_after_push(user);
            let read = record.position().map_or(1, |p| p.byte()).max(1);
            let total = match size {
                Some(size) => (held as f64 * size as f64 / read as f64) as u64,
                None => held.saturating_mul(8),
            };
            let dir = SpillDir::new(memory)?;
            let mut partitions =
                Partitions::create(&dir, "p", partition_count(total, memory.limit), 0)?;
            spill_group(std::mem::take(&mut group), &mut partitions)?;
            spilled = Some((dir, partitions));
        }
        match &mut spilled {
            Some((_, partitions)) => partitions.write(user, &encode(&event))?,
            None => group.push(user, event),
        }
    }
    let mut cutter = new_cutter(format, latest, &mut summary);
    match spilled {
        None => group.cut(channels, &segments, &mut cutter, &mut summary, &mut visit),
        Some((dir, partitions)) => {
            let files = partitions.finish()?;
            summary.partitions = files.len() as u64;
            let mut cut = |group: Group| {
                group.cut(channels, &segments, &mut cutter, &mut summary, &mut visit)
            };
            for (path, size) in files {
                cut_partition(&dir, &path, size, memory.limit, 1, &mut cut)?;
            }
            drop(dir);
        }
    }
    finish(summary, source)
}

/// Writes the events grouped so far to the partitions.
fn spill_group(group: Group, partitions: &mut Partitions) -> Result<()> {
    let mut names: Vec<&[u8]> = vec![&[]; group.users.len()];
    for (name, &id) in &group.users {
        names[id as usize] = name;
    }
    for (id, event) in &group.events {
        partitions.write(names[*id as usize], &encode(event))?;
    }
    Ok(())
}

/// Groups one partition and hands it to `cut`, splitting it again (with another hash) when its
/// grouping could exceed `limit`. The file is removed once read.
fn cut_partition(
    dir: &SpillDir,
    path: &Path,
    size: PartitionSize,
    limit: u64,
    depth: u32,
    cut: &mut dyn FnMut(Group),
) -> Result<()> {
    if estimate(&size) > limit && depth <= MAX_DEPTH && size.records > 1 {
        let prefix = format!(
            "{}-",
            path.file_stem().map_or("p".into(), |s| s.to_string_lossy())
        );
        let count = partition_count(estimate(&size), limit);
        let mut parts = Partitions::create(dir, &prefix, count, u64::from(depth))?;
        read_partition(path, |user, event| parts.write(user, event))?;
        let _ = std::fs::remove_file(path);
        let parts = parts.finish()?;
        // One user (or one hash value) holds everything: splitting again cannot help.
        let unsplittable = parts.iter().any(|(_, s)| s.records == size.records);
        for (sub, sub_size) in parts {
            let depth = if unsplittable {
                MAX_DEPTH + 1
            } else {
                depth + 1
            };
            cut_partition(dir, &sub, sub_size, limit, depth, cut)?;
        }
        return Ok(());
    }
    let mut group = Group {
        events: Vec::with_capacity(size.records as usize),
        ..Group::default()
    };
    read_partition(path, |user, event| {
        group.push(user, decode(event));
        Ok(())
    })?;
    let _ = std::fs::remove_file(path);
    cut(group);
    Ok(())
}
