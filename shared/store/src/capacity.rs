//! Counts the read and write units and the round trips a store has consumed, and how many
//! of those round trips were sequential: a call that starts while another is in flight runs
//! beside it and adds no depth; one that starts when none is in flight begins a new
//! sequential step. (The store is shared by a request's calls, so concurrent requests blur
//! the depth; measure one request at a time.)

use std::sync::atomic::{AtomicU64, Ordering};

use aws_sdk_dynamodb::types::ConsumedCapacity;

/// Units are kept in thousandths so that half units (eventually consistent reads) add up.
#[derive(Default, Debug)]
pub struct CapacityMeter {
    read_milli: AtomicU64,
    write_milli: AtomicU64,
    round_trips: AtomicU64,
    in_flight: AtomicU64,
    sequential: AtomicU64,
}

#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct CapacitySnapshot {
    pub read_units: f64,
    pub write_units: f64,
    pub round_trips: u64,
    /// Sequential steps among the round trips (calls made at once count once).
    pub sequential: u64,
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

    /// A call starts: a new sequential step when no other call is in flight.
    pub(crate) fn begin(&self) {
        if self.in_flight.fetch_add(1, Ordering::AcqRel) == 0 {
            self.sequential.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// A call ended (answered or failed).
    pub(crate) fn end(&self) {
        self.in_flight.fetch_sub(1, Ordering::AcqRel);
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
