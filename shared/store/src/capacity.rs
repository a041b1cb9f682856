//! Counts the read and write units and the round trips a store has consumed, and how many
//! of those round trips were sequential: the longest chain of calls each of which started
//! after the one before it had answered. Calls made at once share a depth; a call made after
//! another answered is one deeper, whether or not it needed that answer, so the depth is
//! never less than the request's real chain of dependent calls. (The store is shared by a
//! request's calls, so concurrent requests blur the depth; measure one request at a time.)

use std::sync::atomic::{AtomicU64, Ordering};

use aws_sdk_dynamodb::types::ConsumedCapacity;

/// Units are kept in thousandths so that half units (eventually consistent reads) add up.
#[derive(Default, Debug)]
pub struct CapacityMeter {
    read_milli: AtomicU64,
    write_milli: AtomicU64,
    round_trips: AtomicU64,
    /// The depth of the deepest call that has answered.
    answered_depth: AtomicU64,
    /// The depth of the deepest call made.
    sequential: AtomicU64,
}

#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CapacitySnapshot {
    pub read_units: f64,
    pub write_units: f64,
    pub round_trips: u64,
    /// Sequential steps among the round trips: the longest chain of calls each made after
    /// the one before had answered (calls made at once count once).
    pub sequential: u64,
}

impl std::ops::Add for CapacitySnapshot {
    type Output = CapacitySnapshot;
    fn add(self, rhs: Self) -> Self {
        CapacitySnapshot {
            read_units: self.read_units + rhs.read_units,
            write_units: self.write_units + rhs.write_units,
            round_trips: self.round_trips + rhs.round_trips,
            sequential: self.sequential + rhs.sequential,
        }
    }
}

impl std::ops::Sub for CapacitySnapshot {
    type Output = CapacitySnapshot;
    fn sub(self, rhs: Self) -> Self {
        CapacitySnapshot {
            read_units: self.read_units - rhs.read_units,
            write_units: self.write_units - rhs.write_units,
            round_trips: self.round_trips - rhs.round_trips,
            sequential: self.sequential - rhs.sequential,
        }
    }
}

/// Whether a call reads or writes.
#[derive(Clone, Copy)]
pub enum Kind {
    Read,
    Write,
}

impl CapacityMeter {
    pub fn snapshot(&self) -> CapacitySnapshot {
        CapacitySnapshot {
            read_units: self.read_milli.load(Ordering::Relaxed) as f64 / 1000.0,
            write_units: self.write_milli.load(Ordering::Relaxed) as f64 / 1000.0,
            round_trips: self.round_trips.load(Ordering::Relaxed),
            sequential: self.sequential.load(Ordering::Relaxed),
        }
    }

    /// A call starts, one deeper than the deepest call answered so far; its depth is handed
    /// back to [`CapacityMeter::end`].
    pub(crate) fn begin(&self) -> u64 {
        let depth = self.answered_depth.load(Ordering::Acquire) + 1;
        self.sequential.fetch_max(depth, Ordering::AcqRel);
        depth
    }

    /// A call of `depth` ended (answered or failed).
    pub(crate) fn end(&self, depth: u64) {
        self.answered_depth.fetch_max(depth, Ordering::AcqRel);
    }

    /// Records one call and what it consumed. Where the service splits reads from writes
    /// (transactions) the split is used; otherwise the call's kind decides.
    pub(crate) fn record<'a>(
        &self,
        kind: Kind,
        consumed: impl IntoIterator<Item = &'a ConsumedCapacity>,
    ) {
        self.round_trips.fetch_add(1, Ordering::Relaxed);
        for c in consumed {
            let (read, write) = match (c.read_capacity_units(), c.write_capacity_units()) {
                (Some(r), Some(w)) if r + w > 0.0 => (r, w),
                (Some(r), None) if r > 0.0 => (r, 0.0),
                (None, Some(w)) if w > 0.0 => (0.0, w),
                _ => {
                    let total = c.capacity_units().unwrap_or(0.0);
                    match kind {
                        Kind::Read => (total, 0.0),
                        Kind::Write => (0.0, total),
                    }
                }
            };
            self.read_milli
                .fetch_add((read * 1000.0).round() as u64, Ordering::Relaxed);
            self.write_milli
                .fetch_add((write * 1000.0).round() as u64, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_made_at_once_share_a_step_and_later_calls_go_deeper() {
        let meter = CapacityMeter::default();
        // Two calls at once.
        let (a, b) = (meter.begin(), meter.begin());
        meter.end(a);
        // A call made after the first answered, while the second is still out.
        let c = meter.begin();
        meter.end(b);
        meter.end(c);
        assert_eq!(meter.snapshot().sequential, 2);
        // A call made after everything answered is a third step.
        let d = meter.begin();
        meter.end(d);
        assert_eq!(meter.snapshot().sequential, 3);
    }
}
