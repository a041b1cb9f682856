//! Ranked reads, for both dialects: a feed whose group ranks by `expression` or `interest`
//! (v3 reads), or a v2 read naming a `ranking`, is ordered by score instead of time.
//!
//! A ranked read scores the newest [`WINDOW`] activities the reader may see, from where the
//! read starts, and pages through them by position. Its cost is bounded like a long time-
//! ordered page: one Query of entries and BatchGetItems of their activities (see
//! `scripts/bench ranking`). Pages of one read keep its clock and random seed in their
//! cursor, so decay and `rand()` score every page alike.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tributary_domain::caller::Caller;
use tributary_domain::model::feed::Feed;
use tributary_domain::ranking::{Inputs, Ranking};
use tributary_domain::time::{now_nanos, Nanos};
use tributary_domain::ApiResult;
use tributary_http::AppState;
use tributary_store::Direction;

use crate::feed_page::{collect, ActivityFilter, Found, Page};

/// How many of a feed's newest visible activities a ranked read orders: past these a ranked
/// feed ends. Reads stay bounded whatever the feed's length.
pub const WINDOW: usize = 200;

/// A ranking and what it is computed with for one read.
#[derive(Clone, Debug)]
pub struct RankedRead {
    pub ranking: Ranking,
    /// The time decay is measured from, the same for every page of a read.
    pub now: Nanos,
    /// The seed `rand()` draws from, the same for every page of a read.
    pub seed: u64,
    /// Variables the caller supplies (v3 `external_ranking`, v2 `ranking_vars`).
    pub external: Map<String, Value>,
    /// v3 `interest_weights`: tag to weight, for `interest_score`.
    pub interest_weights: Map<String, Value>,
}

/// Where a ranked page stands: its position in the ranked window, and the read's clock
/// and seed.
#[derive(Debug, Serialize, Deserialize)]
pub struct RankCursor {
    pub offset: usize,
    pub now: Nanos,
    pub seed: u64,
}

impl RankedRead {
    /// A new read of `ranking`, now, with a fresh seed.
    pub fn new(ranking: Ranking) -> Self {
        let now = now_nanos();
        RankedRead {
            ranking,
            now,
            seed: mix(now as u64),
            external: Map::new(),
            interest_weights: Map::new(),
        }
    }

    /// Continues the read a cursor came from: its clock and seed.
    pub fn resume(mut self, cursor: &RankCursor) -> Self {
        self.now = cursor.now;
        self.seed = cursor.seed;
        self
    }

    pub fn cursor(&self, offset: usize) -> RankCursor {
        RankCursor {
            offset,
            now: self.now,
            seed: self.seed,
        }
    }

    /// The window of `feed` from `start` (an entry sort key, exclusive; the newest entry when
    /// `None`), scored and ordered highest first; equal scores newest first. Each activity
    /// carries its score.
    pub async fn window(
        &self,
        state: &AppState,
        caller: &Caller,
        feed: &Feed,
        start: Option<String>,
        filter: &ActivityFilter,
    ) -> ApiResult<Vec<Found>> {
        let (mut found, _) =
            collect(state, caller, feed, WINDOW, start, Direction::Older, filter).await?;
        let inputs = Inputs {
            now: self.now,
            seed: self.seed,
            external: &self.external,
            interest_weights: &self.interest_weights,
        };
        for f in &mut found {
            f.activity.score = self.ranking.score(&f.activity, &inputs);
        }
        order(&mut found);
        Ok(found)
    }
}

/// What page of a ranked read to answer: v3's cursors, each holding the offset of the page
/// it leads to, or `id_around`, which centres the page on an activity.
pub struct RankedPage<'a> {
    pub limit: usize,
    pub next: Option<&'a str>,
    pub prev: Option<&'a str>,
    pub id_around: Option<&'a str>,
}

impl RankedRead {
    /// One page of `feed` ranked, with cursors to the pages after and before it.
    pub async fn page(
        &self,
        state: &AppState,
        caller: &Caller,
        feed: &Feed,
        req: RankedPage<'_>,
        filter: &ActivityFilter,
    ) -> ApiResult<Page> {
        let cursor = match (req.next, req.prev) {
            (Some(c), _) => Some(state.cursors.decode::<RankCursor>("next", c)?),
            (None, Some(c)) => Some(state.cursors.decode::<RankCursor>("prev", c)?),
            _ => None,
        };
        let read = match &cursor {
            Some(c) => self.clone().resume(c),
            None => self.clone(),
        };
        let window = read.window(state, caller, feed, None, filter).await?;
        let offset = match (&cursor, req.id_around) {
            (Some(c), _) => c.offset,
            (None, Some(id)) => window
                .iter()
                .position(|f| f.activity.id == id)
                .map_or(0, |at| at.saturating_sub(req.limit / 2)),
            (None, None) => 0,
        };
        let end = (offset + req.limit).min(window.len());
        let next = (end < window.len()).then(|| state.cursors.encode(&read.cursor(end)));
        let prev = (offset > 0 && req.limit > 0).then(|| {
            state
                .cursors
                .encode(&read.cursor(offset.saturating_sub(req.limit)))
        });
        let page: Vec<Found> = window
            .into_iter()
            .skip(offset)
            .take(end.saturating_sub(offset))
            .collect();
        Ok(Page {
            origins: page.iter().map(|f| f.origin.clone()).collect(),
            activities: page.into_iter().map(|f| f.activity).collect(),
            next,
            prev,
        })
    }
}

/// Highest score first; between equal scores the newer entry first.
fn order(found: &mut [Found]) {
    found.sort_by(|a, b| {
        b.activity
            .score
            .total_cmp(&a.activity.score)
            .then_with(|| b.sk.cmp(&a.sk))
    });
}

/// A well-spread 64-bit value from `x` (splitmix64's finaliser), for seeds.
fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A seed that is the same for every read of `key` (v2 ranked reads page by offset in
/// separate requests, so their `rand()` must not change between them).
pub fn stable_seed(key: &str) -> u64 {
    key.bytes().fold(0xCBF2_9CE4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tributary_domain::model::Activity;

    fn found(sk: &str, score: f64) -> Found {
        let mut activity = Activity::new(
            sk.to_string(),
            "post".to_string(),
            "u".to_string(),
            Default::default(),
            0,
        );
        activity.score = score;
        Found {
            sk: sk.to_string(),
            activity,
            origin: String::new(),
        }
    }

    #[test]
    fn orders_by_score_then_newest() {
        let mut list = vec![found("t1", 1.0), found("t3", 1.0), found("t2", 5.0)];
        order(&mut list);
        let sks: Vec<&str> = list.iter().map(|f| f.sk.as_str()).collect();
        assert_eq!(sks, ["t2", "t3", "t1"]);
    }

    #[test]
    fn seeds() {
        assert_eq!(stable_seed("user:a"), stable_seed("user:a"));
        assert_ne!(stable_seed("user:a"), stable_seed("user:b"));
        assert_ne!(mix(1), mix(2));
    }
}
