//! The app's usage counts (`query_feeds_usage_stats`): API requests answered, activities
//! added and follows made, per UTC day.
//!
//! Counting must not cost a write per request, so each function instance keeps its counts
//! in memory and adds them to the table (one UpdateItem per day on the instance's own shard)
//! when a request ends and `flush_every` has passed since the last write: with the deployed
//! 10 s, about one write unit per instance every 10 s, whatever the traffic. What an
//! instance counted after its last write is lost if Lambda retires it before its next
//! request; a failed write keeps the counts for the next one. `0` writes after every
//! request (the local stack, so figures are exact at once); no interval writes only on
//! demand ([`UsageMeter::flush`], which the usage query does first).

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use tributary_domain::ApiResult;
use tributary_store::Store;

use crate::AppState;

/// Requests answered (every path but the readiness check).
pub const API_REQUESTS: &str = "api_requests";
/// Activities added (new ones: an upsert of an existing activity is not counted).
pub const ACTIVITIES: &str = "activities";
/// Follows made (new ones).
pub const FOLLOWS: &str = "follows";

/// Counts by UTC day, then by counter.
type Pending = BTreeMap<String, BTreeMap<&'static str, i64>>;

struct Inner {
    pending: Pending,
    last_write: Instant,
}

/// One function instance's usage counts not yet written.
pub struct UsageMeter {
    inner: Mutex<Inner>,
    flush_every: Option<Duration>,
    shard: u32,
}

/// Today's UTC date, `YYYY-MM-DD`.
pub fn today() -> String {
    chrono::Utc::now().format("%Y-%m-%d").to_string()
}

impl UsageMeter {
    /// A meter writing at most every `flush_every` (never on its own when `None`), to a
    /// shard picked at random for this instance.
    pub fn new(flush_every: Option<Duration>) -> Self {
        use std::hash::{BuildHasher, Hasher};
        // Seeded at random per process: instances spread over the shards.
        let seed = std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish();
        let shard = (seed % u64::from(tributary_store::keys::USAGE_SHARDS)) as u32;
        UsageMeter {
            inner: Mutex::new(Inner {
                pending: Pending::new(),
                last_write: Instant::now(),
            }),
            flush_every,
            shard,
        }
    }

    /// Counts `amount` of `counter` today.
    pub fn count(&self, counter: &'static str, amount: i64) {
        if amount == 0 {
            return;
        }
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        *inner
            .pending
            .entry(today())
            .or_default()
            .entry(counter)
            .or_default() += amount;
    }

    /// Takes what is pending when `due` says so.
    fn take(&self, due: impl Fn(&Inner) -> bool) -> Pending {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if inner.pending.is_empty() || !due(&inner) {
            return Pending::new();
        }
        inner.last_write = Instant::now();
        std::mem::take(&mut inner.pending)
    }

    /// Puts counts back after a failed write, for the next one.
    fn restore(&self, counts: Pending) {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        for (day, counters) in counts {
            let pending = inner.pending.entry(day).or_default();
            for (counter, amount) in counters {
                *pending.entry(counter).or_default() += amount;
            }
        }
    }

    async fn write(&self, store: &Store, counts: Pending) -> ApiResult<()> {
        for (i, (day, counters)) in counts.iter().enumerate() {
            let list: Vec<(&str, i64)> = counters.iter().map(|(c, n)| (*c, *n)).collect();
            if let Err(e) = store.add_usage(day, self.shard, &list).await {
                // The days not written yet go back; the ones written stay written.
                self.restore(counts.into_iter().skip(i).collect());
                return Err(e);
            }
        }
        Ok(())
    }

    /// Writes everything pending now.
    pub async fn flush(&self, store: &Store) -> ApiResult<()> {
        let counts = self.take(|_| true);
        self.write(store, counts).await
    }

    /// Writes what is pending if the interval has passed; a failure is logged and the counts
    /// kept, never answered to the request that happened to carry the write.
    async fn flush_if_due(&self, store: &Store) {
        let Some(every) = self.flush_every else {
            return;
        };
        let counts = self.take(|inner| inner.last_write.elapsed() >= every);
        if let Err(e) = self.write(store, counts).await {
            tracing::warn!(error = %e, "usage counts not written; kept for the next write");
        }
    }
}

/// The layer counting each request and writing the counts when due.
pub async fn count_request(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.uri().path() != "/health" {
        state.usage.count(API_REQUESTS, 1);
    }
    let response = next.run(req).await;
    state.usage.flush_if_due(&state.store).await;
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_add_up_per_day_and_are_taken_once() {
        let meter = UsageMeter::new(None);
        meter.count(API_REQUESTS, 1);
        meter.count(API_REQUESTS, 2);
        meter.count(ACTIVITIES, 0);
        meter.count(FOLLOWS, 1);
        let taken = meter.take(|_| true);
        let today = taken.get(&today()).expect("today's counts");
        assert_eq!(today.get(API_REQUESTS), Some(&3));
        assert_eq!(today.get(FOLLOWS), Some(&1));
        assert!(!today.contains_key(ACTIVITIES));
        assert!(meter.take(|_| true).is_empty());
    }

    #[test]
    fn counts_not_due_stay_and_failed_writes_come_back() {
        let meter = UsageMeter::new(Some(Duration::from_secs(3600)));
        meter.count(ACTIVITIES, 4);
        assert!(meter
            .take(|inner| inner.last_write.elapsed() >= Duration::from_secs(3600))
            .is_empty());
        let taken = meter.take(|_| true);
        meter.restore(taken);
        meter.count(ACTIVITIES, 1);
        assert_eq!(meter.take(|_| true)[&today()][ACTIVITIES], 5);
    }
}
