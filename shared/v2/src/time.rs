//! v2 times: `%Y-%m-%dT%H:%M:%S.%f` in UTC with no zone, microseconds kept. Clients may send
//! them without the fraction, or with a zone suffix.

use chrono::{DateTime, NaiveDateTime, Utc};
use tributary_domain::time::Nanos;

const FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.6f";

/// Renders a domain time (nanoseconds) as a v2 time, always with six fraction digits (the
/// clients turn any string of that shape into a datetime).
pub fn format(t: Nanos) -> String {
    DateTime::<Utc>::from_timestamp_nanos(t)
        .naive_utc()
        .format(FORMAT)
        .to_string()
}

/// Parses a v2 time; `None` when it is not one. The result is whole microseconds.
pub fn parse(raw: &str) -> Option<Nanos> {
    let raw = raw.trim();
    let naive = NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .or_else(|| {
            DateTime::parse_from_rfc3339(raw)
                .ok()
                .map(|d| d.naive_utc())
        })
        .or_else(|| NaiveDateTime::parse_from_str(raw, "%Y-%m-%d %H:%M:%S%.f").ok())?;
    let nanos = naive.and_utc().timestamp_nanos_opt()?;
    Some(truncate_to_micros(nanos))
}

/// v2 keeps microseconds: times are stored as whole microseconds so that a time read back
/// and sent again names the same activity.
pub fn truncate_to_micros(t: Nanos) -> Nanos {
    t - t.rem_euclid(1_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_with_microseconds() {
        let t = parse("2014-12-01T15:05:40.123456").unwrap();
        assert_eq!(format(t), "2014-12-01T15:05:40.123456");
        assert_eq!(
            format(parse("2014-12-01T15:05:40").unwrap()),
            "2014-12-01T15:05:40.000000"
        );
        assert_eq!(
            format(parse("2014-12-01T15:05:40.5+00:00").unwrap()),
            "2014-12-01T15:05:40.500000"
        );
        assert_eq!(parse("yesterday"), None);
        assert_eq!(truncate_to_micros(1_234_567), 1_234_000);
    }
}

/// The time of a new activity that names none: now, in whole microseconds, and always later
/// than the last one this process handed out, so activities added back to back (in one batch
/// too) read back newest first in the order they were added.
pub fn next_time() -> Nanos {
    use std::sync::atomic::{AtomicI64, Ordering};
    static LAST: AtomicI64 = AtomicI64::new(0);
    let now = truncate_to_micros(tributary_domain::time::now_nanos());
    let mut last = LAST.load(Ordering::Relaxed);
    loop {
        let next = now.max(last + 1_000);
        match LAST.compare_exchange_weak(last, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return next,
            Err(seen) => last = seen,
        }
    }
}

#[cfg(test)]
mod next_time_tests {
    #[test]
    fn strictly_increases() {
        let a = super::next_time();
        let b = super::next_time();
        assert!(b > a && (b - a) % 1_000 == 0);
    }
}
