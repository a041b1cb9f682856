//! How long to wait before trying a call again: one policy type for every retry loop
//! (batch leftovers, queue sends, colliding transactions).

use std::hash::{BuildHasher, RandomState};
use std::time::Duration;

/// Exponential backoff: `base` doubled per attempt up to `max_doublings` times, plus up to
/// `jitter` at random so that colliding writers drift apart.
#[derive(Clone, Copy, Debug)]
pub struct Backoff {
    pub base: Duration,
    pub max_doublings: u32,
    pub jitter: Duration,
}

impl Backoff {
    /// The wait before attempt `attempt` (the first retry is attempt 1).
    pub fn delay(&self, attempt: u32) -> Duration {
        let exp = self.base * 2u32.pow(attempt.min(self.max_doublings));
        let jitter_ms = self.jitter.as_millis() as u64;
        if jitter_ms == 0 {
            return exp;
        }
        exp + Duration::from_millis(RandomState::new().hash_one(attempt) % jitter_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_up_to_the_cap() {
        let b = Backoff {
            base: Duration::from_millis(10),
            max_doublings: 3,
            jitter: Duration::ZERO,
        };
        assert_eq!(b.delay(1), Duration::from_millis(20));
        assert_eq!(b.delay(3), Duration::from_millis(80));
        assert_eq!(b.delay(9), Duration::from_millis(80));
    }

    #[test]
    fn jitter_stays_within_its_bound() {
        let b = Backoff {
            base: Duration::from_millis(5),
            max_doublings: 0,
            jitter: Duration::from_millis(15),
        };
        for attempt in 0..50 {
            let d = b.delay(attempt);
            assert!(d >= Duration::from_millis(5) && d < Duration::from_millis(20));
        }
    }
}
