//! A page of a feed's activities (newest first), for both dialects, with cursors that stay
//! correct while new activities arrive.
//!
//! A page costs one Query of entries and one BatchGetItem of the activities, whatever the
//! feed's length. Entries whose activity is deleted, expired or not for this reader are
//! skipped; the page is topped up with a bounded number of further reads.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tributary_domain::access::{Capability, FeedAccess};
use tributary_domain::caller::Caller;
use tributary_domain::filter::predicate::{self, Field, Kind, Op, EQ_IN, TAGS};
use tributary_domain::model::feed::Feed;
use tributary_domain::model::{Activity, Visibility};
use tributary_domain::time::now_nanos;
use tributary_domain::ApiError;
use tributary_domain::ApiResult;
use tributary_http::AppState;
use tributary_store::keys;
use tributary_store::{Direction, FeedEntry};

use crate::ranked::{RankedPage, RankedRead};

pub const DEFAULT_LIMIT: usize = 25;
pub const MAX_LIMIT: usize = 100;
/// Extra reads one page may make to replace entries it had to skip.
const TOP_UP_ROUNDS: usize = 3;

/// A position in a feed: the entry sort key to continue after.
#[derive(Debug, Serialize, Deserialize)]
struct EntryCursor {
    sk: String,
}

pub fn limit(field: &str, raw: Option<i64>, default: usize) -> ApiResult<usize> {
    tributary_domain::validate::limit(field, raw, default, MAX_LIMIT)
}

/// What a reader may see of a feed.
#[derive(Debug, PartialEq, Eq)]
pub enum Access {
    /// Metadata and activities.
    Full,
    /// Metadata only (a `visible` feed the reader does not follow).
    MetadataOnly,
}

/// Decides whether `caller` may read `feed`, by the permission model: `read-feed` shows
/// the feed, `read-activities` its activities too.
pub fn access(feed_access: &FeedAccess) -> ApiResult<Access> {
    feed_access.require(Capability::ReadFeed)?;
    Ok(if feed_access.allows(Capability::ReadActivities) {
        Access::Full
    } else {
        Access::MetadataOnly
    })
}

/// The `filter` of a feed read: on activity type, filter tags and author.
#[derive(Debug, Default)]
pub struct ActivityFilter {
    /// Activities to leave out (watched stories, with `skip_watched`).
    pub exclude: HashSet<String>,
    types: Option<Vec<String>>,
    tags_any: Option<Vec<String>>,
    tags_all: Option<Vec<String>>,
    users: Option<Vec<String>>,
}

impl ActivityFilter {
    pub fn parse(raw: Option<&Value>) -> ApiResult<ActivityFilter> {
        let fields = |name: &str| {
            let ops = match name {
                "activity_type" | "type" | "user_id" => EQ_IN,
                "filter_tags" => TAGS,
                _ => return None,
            };
            Some(Field {
                name: "",
                kind: Kind::Plain,
                ops,
            })
        };
        let mut out = ActivityFilter::default();
        for term in predicate::parse_terms(raw, &fields)? {
            match (term.field.as_str(), term.op) {
                ("filter_tags", Op::Contains) => out.tags_all = Some(term.values),
                ("filter_tags", _) => out.tags_any = Some(term.values),
                ("user_id", _) => out.users = Some(term.values),
                _ => out.types = Some(term.values),
            }
        }
        Ok(out)
    }

    fn accepts(&self, a: &Activity) -> bool {
        !self.exclude.contains(&a.id)
            && self
                .types
                .as_ref()
                .is_none_or(|t| t.contains(&a.activity_type))
            && self
                .tags_any
                .as_ref()
                .is_none_or(|t| t.iter().any(|x| a.content.filter_tags.contains(x)))
            && self
                .tags_all
                .as_ref()
                .is_none_or(|t| t.iter().all(|x| a.content.filter_tags.contains(x)))
            && self.users.as_ref().is_none_or(|u| u.contains(&a.user_id))
    }
}

/// Whether `reader` sees activity `a` in `feed`.
fn visible(caller: &Caller, feed: &Feed, a: &Activity, now: i64) -> bool {
    if a.deleted_at.is_some() || a.content.expires_at.is_some_and(|e| e <= now) {
        return false;
    }
    match (a.content.visibility, caller) {
        (Visibility::Private, Caller::Server) => true,
        (Visibility::Private, Caller::User(me)) => *me == a.user_id || *me == feed.created_by_id,
        (Visibility::Private, Caller::Anonymous) => false,
        _ => true,
    }
}

#[derive(Default)]
pub struct Page {
    /// The page's activities, not yet rendered (the caller renders them together with
    /// whatever else its response shows, in one read of users).
    pub activities: Vec<Activity>,
    /// The feed each activity's entry came from, in the same order.
    pub origins: Vec<String>,
    pub next: Option<String>,
    pub prev: Option<String>,
}

/// One page of a feed's activities. `next` continues to older activities, `prev` to newer
/// ones; `id_around` centres the page on an activity.
/// What page of a feed to read.
pub struct PageRequest<'a> {
    pub limit: usize,
    pub next: Option<&'a str>,
    pub prev: Option<&'a str>,
    pub id_around: Option<&'a str>,
    pub filter: &'a ActivityFilter,
    /// The feed's ranking, when it orders reads by score rather than time.
    pub ranked: Option<&'a RankedRead>,
    /// The feed's own first entries for this page, read ahead beside the feed.
    pub ahead: Option<ReadAhead>,
}

/// A page's first entries of the feed's own partition, read from the feed's id alone (see
/// [`read_ahead`]), so a page's first Query runs beside the feed read.
pub struct ReadAhead {
    start: Option<String>,
    direction: Direction,
    limit: usize,
    entries: Vec<FeedEntry>,
    more: bool,
}

/// Reads the first entries a time-ordered page of `fid` starts with, before the feed itself
/// is known: the newest `limit`, or those after the `next`/`prev` cursor. `None` for pages
/// that do not start that way (`id_around`, an empty page, a cursor that does not decode:
/// the page's own read reports it). A feed that turns out to rank or aggregate reads its own
/// way and leaves this one Query unused.
pub async fn read_ahead(
    state: &AppState,
    fid: &str,
    limit: usize,
    next: Option<&str>,
    prev: Option<&str>,
    id_around: Option<&str>,
) -> ApiResult<Option<ReadAhead>> {
    if limit == 0 || id_around.is_some() {
        return Ok(None);
    }
    let decode = |c: &str| {
        state
            .cursors
            .decode::<EntryCursor>("next", c)
            .ok()
            .map(|p| p.sk)
    };
    let (start, direction) = match (next, prev) {
        (Some(c), _) => match decode(c) {
            Some(sk) => (Some(sk), Direction::Older),
            None => return Ok(None),
        },
        (None, Some(c)) => match decode(c) {
            Some(sk) => (Some(sk), Direction::Newer),
            None => return Ok(None),
        },
        (None, None) => (None, Direction::Older),
    };
    let (entries, more) = state
        .store
        .feed_entries(fid, limit, start.as_deref(), direction)
        .await?;
    Ok(Some(ReadAhead {
        start,
        direction,
        limit,
        entries,
        more,
    }))
}

impl ReadAhead {
    /// The entries, when they are what a round from `start` in `direction` for `want` reads.
    fn take(
        self,
        start: Option<&str>,
        direction: Direction,
        want: usize,
    ) -> Option<(Vec<FeedEntry>, bool)> {
        (self.start.as_deref() == start && self.direction == direction && self.limit == want)
            .then_some((self.entries, self.more))
    }
}

pub async fn activities(
    state: &AppState,
    caller: &Caller,
    feed: &Feed,
    req: PageRequest<'_>,
) -> ApiResult<Page> {
    let PageRequest {
        limit,
        next,
        prev,
        id_around,
        filter,
        ranked,
        ahead,
    } = req;
    if limit == 0 {
        return Ok(Page::default());
    }
    if let Some(ranked) = ranked {
        let req = RankedPage {
            limit,
            next,
            prev,
            id_around,
        };
        return ranked.page(state, caller, feed, req, filter).await;
    }
    let decode = |field: &str, c: &str| state.cursors.decode::<EntryCursor>(field, c).map(|p| p.sk);
    let (mut found, older_left, newer_left) = match (next, prev, id_around) {
        (Some(c), _, _) => {
            let (list, more) = collect_from(
                state,
                caller,
                feed,
                limit,
                Some(decode("next", c)?),
                Direction::Older,
                filter,
                ahead,
            )
            .await?;
            (list, more, true)
        }
        (None, Some(c), _) => {
            let (mut list, more) = collect_from(
                state,
                caller,
                feed,
                limit,
                Some(decode("prev", c)?),
                Direction::Newer,
                filter,
                ahead,
            )
            .await?;
            list.reverse();
            (list, true, more)
        }
        (None, None, Some(id)) => {
            let around = state.store.get_activity(id).await?.ok_or_else(|| {
                ApiError::field(
                    "id_around",
                    format!("id_around: activity '{id}' does not exist"),
                )
            })?;
            let centre = keys::feed_entry(&feed.fid, around.created_at, &around.id).sk;
            let newer_count = limit / 2;
            let (mut newer, newer_more) = collect(
                state,
                caller,
                feed,
                newer_count,
                Some(centre.clone()),
                Direction::Newer,
                filter,
            )
            .await?;
            newer.reverse();
            // The centre itself, then older ones.
            let centre_after = format!("{centre}~");
            let (older, older_more) = collect(
                state,
                caller,
                feed,
                limit - newer.len(),
                Some(centre_after),
                Direction::Older,
                filter,
            )
            .await?;
            newer.extend(older);
            (newer, older_more, newer_more)
        }
        (None, None, None) => {
            let (list, more) = collect_from(
                state,
                caller,
                feed,
                limit,
                None,
                Direction::Older,
                filter,
                ahead,
            )
            .await?;
            (list, more, false)
        }
    };
    found.truncate(limit);
    let next = older_left
        .then(|| {
            found
                .last()
                .map(|e| state.cursors.encode(&EntryCursor { sk: e.sk.clone() }))
        })
        .flatten();
    let prev = newer_left
        .then(|| {
            found
                .first()
                .map(|e| state.cursors.encode(&EntryCursor { sk: e.sk.clone() }))
        })
        .flatten();
    let origins = found.iter().map(|e| e.origin.clone()).collect();
    let activities: Vec<Activity> = found.into_iter().map(|e| e.activity).collect();
    Ok(Page {
        activities,
        origins,
        next,
        prev,
    })
}

/// A visible activity of a feed, with its entry.
pub struct Found {
    /// The entry's sort key: where a page continues after it.
    pub sk: String,
    pub activity: Activity,
    /// The feed the entry came from (the feed itself for activities written to it).
    pub origin: String,
}

/// Reads entries from `start` (an entry sort key, exclusive) in `direction` until `limit`
/// visible activities are found or the feed ends. Returns them, and whether more entries
/// remain. Bounded: at most a few Query and BatchGetItem rounds. A feed that pulls large
/// feeds (hybrid push/pull, see `crate::pull`) reads their own entries alongside its own in
/// each round and merges them by sort key (the same `<time>#<id>` in every feed), so one
/// cursor pages across all of them.
pub async fn collect(
    state: &AppState,
    caller: &Caller,
    feed: &Feed,
    limit: usize,
    start: Option<String>,
    direction: Direction,
    filter: &ActivityFilter,
) -> ApiResult<(Vec<Found>, bool)> {
    collect_from(state, caller, feed, limit, start, direction, filter, None).await
}

/// [`collect`], its first round starting from entries read ahead when they fit.
#[allow(clippy::too_many_arguments)]
async fn collect_from(
    state: &AppState,
    caller: &Caller,
    feed: &Feed,
    limit: usize,
    start: Option<String>,
    direction: Direction,
    filter: &ActivityFilter,
    ahead: Option<ReadAhead>,
) -> ApiResult<(Vec<Found>, bool)> {
    let mut ahead = ahead;
    let now = now_nanos();
    // With HIDE_ACTIVITIES_AFTER, activities older than that are left out of every read.
    let cutoff = state.config.hide_activities_after.map(|age| now - age);
    let mut found: Vec<Found> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut start = start;
    let mut more = true;
    for _ in 0..=TOP_UP_ROUNDS {
        if found.len() >= limit || !more || limit == 0 {
            break;
        }
        let want = limit - found.len();
        let own = ahead
            .take()
            .and_then(|a| a.take(start.as_deref(), direction, want));
        let round = entries(state, feed, want, start.as_deref(), direction, own).await?;
        more = round.more;
        let Some(reached) = round.reached else { break };
        start = Some(reached);
        let ids: Vec<String> = round
            .entries
            .iter()
            .map(|(e, _)| e.activity_id.clone())
            .collect();
        let activities = state.store.get_activities(&ids).await?;
        for (e, pulled) in round.entries {
            if let Some(a) = activities.get(&e.activity_id) {
                let recent = cutoff.is_none_or(|c| a.created_at >= c);
                // Private activities do not travel: pulled, as pushed, they are not shown.
                let travels = !pulled || a.content.visibility != Visibility::Private;
                if recent
                    && travels
                    && visible(caller, feed, a, now)
                    && filter.accepts(a)
                    && seen.insert(a.id.clone())
                {
                    found.push(Found {
                        sk: e.sk,
                        activity: a.clone(),
                        origin: e.origin,
                    });
                }
            }
        }
    }
    Ok((found, more))
}

/// One round of entries: at most `want`, in reading order, each marked whether it came from
/// a pulled feed.
struct Round {
    entries: Vec<(FeedEntry, bool)>,
    /// More entries follow `reached`.
    more: bool,
    /// Where the next round starts: everything up to it has been seen (`None`: nothing read).
    reached: Option<String>,
}

/// The next `want` entries after `start` of `feed` and of the feeds it pulls. Each pulled
/// feed's Query runs alongside the feed's own (one sequential round trip) and keeps only the
/// pulled feed's own posts (what a push would have delivered). Merged by sort key, entries
/// are kept only up to the nearest point any stream with more left unread (its last sort
/// key), so no entry is skipped; the same entry met twice (pushed before its feed turned
/// to pull, and pulled) is kept once.
async fn entries(
    state: &AppState,
    feed: &Feed,
    want: usize,
    start: Option<&str>,
    direction: Direction,
    own: Option<(Vec<FeedEntry>, bool)>,
) -> ApiResult<Round> {
    let store = &state.store;
    // The feed's own entries: read ahead already, or read now.
    let own_read = async {
        match own {
            Some(read) => Ok(read),
            None => store.feed_entries(&feed.fid, want, start, direction).await,
        }
    };
    if feed.pulled.is_empty() {
        let (entries, more) = own_read.await?;
        let reached = entries.last().map(|e| e.sk.clone());
        let entries = entries.into_iter().map(|e| (e, false)).collect();
        return Ok(Round {
            entries,
            more,
            reached,
        });
    }
    let sources = feed
        .pulled
        .iter()
        .map(String::as_str)
        .filter(|p| *p != feed.fid);
    let own_stream = async {
        let (entries, more) = own_read.await?;
        let last = entries.last().map(|e| e.sk.clone());
        Ok::<_, tributary_domain::ApiError>((entries, more, last, false))
    };
    let pulled_streams = futures::future::try_join_all(sources.map(|fid| async move {
        let (mut entries, more) = store.feed_entries(fid, want, start, direction).await?;
        let last = entries.last().map(|e| e.sk.clone());
        entries.retain(|e| e.origin == fid);
        Ok::<_, tributary_domain::ApiError>((entries, more, last, true))
    }));
    let (own_stream, mut streams) = futures::future::try_join(own_stream, pulled_streams).await?;
    streams.insert(0, own_stream);
    Ok(merge(streams, want, direction))
}

/// Merges streams of entries (each in reading order, with whether more follow its last
/// read sort key) into at most `want` entries in reading order: see [`entries`].
fn merge(
    streams: Vec<(Vec<FeedEntry>, bool, Option<String>, bool)>,
    want: usize,
    direction: Direction,
) -> Round {
    // Whether sort key `a` is read before `b`.
    let before = |a: &str, b: &str| match direction {
        Direction::Older => a > b,
        Direction::Newer => a < b,
    };
    let horizon: Option<String> = streams
        .iter()
        .filter(|s| s.1)
        .filter_map(|s| s.2.clone())
        .reduce(|a, b| if before(&a, &b) { a } else { b });
    let mut all: Vec<(FeedEntry, bool)> = streams
        .into_iter()
        .flat_map(|(entries, _, _, pulled)| entries.into_iter().map(move |e| (e, pulled)))
        .filter(|(e, _)| horizon.as_deref().is_none_or(|h| !before(h, &e.sk)))
        .collect();
    // Reading order; the feed's own entry first where both streams hold the same one.
    all.sort_by(|(a, ap), (b, bp)| {
        let order = a.sk.cmp(&b.sk);
        let order = if direction == Direction::Older {
            order.reverse()
        } else {
            order
        };
        order.then(ap.cmp(bp))
    });
    all.dedup_by(|(b, _), (a, _)| a.sk == b.sk);
    let cut = all.len() > want;
    all.truncate(want);
    let (reached, more) = if cut || (all.len() == want && horizon.is_some()) {
        (all.last().map(|(e, _)| e.sk.clone()), true)
    } else {
        match horizon {
            Some(h) => (Some(h), true),
            None => (all.last().map(|(e, _)| e.sk.clone()), false),
        }
    };
    Round {
        entries: all,
        more,
        reached,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(sk: &str, origin: &str) -> FeedEntry {
        FeedEntry {
            sk: sk.to_string(),
            activity_id: sk.to_string(),
            created_at: 0,
            origin: origin.to_string(),
        }
    }

    fn sks(r: &Round) -> Vec<&str> {
        r.entries.iter().map(|(e, _)| e.sk.as_str()).collect()
    }

    #[test]
    fn merges_newest_first_up_to_the_nearest_unread_point() {
        // Own stream read 3 of more (down to 5); a pulled one all of its (down to 2).
        let own = (
            vec![entry("9", "t"), entry("7", "t"), entry("5", "t")],
            true,
            Some("5".into()),
            false,
        );
        let pulled = (
            vec![entry("8", "s"), entry("6", "s"), entry("2", "s")],
            false,
            Some("2".into()),
            true,
        );
        let r = merge(vec![own, pulled], 10, Direction::Older);
        // "2" lies past where the own stream stopped: left for the next round.
        assert_eq!(sks(&r), ["9", "8", "7", "6", "5"]);
        assert_eq!(r.reached.as_deref(), Some("5"));
        assert!(r.more);
    }

    #[test]
    fn takes_at_most_want_and_drops_entries_met_twice() {
        let own = (
            vec![entry("9", "t"), entry("8", "s")],
            false,
            Some("8".into()),
            false,
        );
        let pulled = (
            vec![entry("8", "s"), entry("7", "s")],
            false,
            Some("7".into()),
            true,
        );
        let r = merge(vec![own, pulled], 2, Direction::Older);
        assert_eq!(sks(&r), ["9", "8"]);
        assert!(!r.entries[1].1, "the feed's own copy is kept");
        assert_eq!(r.reached.as_deref(), Some("8"));
        assert!(r.more);
        let own = (vec![entry("1", "t")], false, Some("1".into()), false);
        let pulled = (
            vec![entry("2", "s"), entry("3", "s")],
            false,
            Some("3".into()),
            true,
        );
        let r = merge(vec![own, pulled], 5, Direction::Newer);
        assert_eq!(sks(&r), ["1", "2", "3"]);
        assert!(!r.more);
    }

    #[test]
    fn moves_past_a_stream_of_others_entries() {
        // The pulled feed's page held only entries it received (filtered out): the round
        // still advances to where it stopped.
        let own = (vec![], false, None, false);
        let pulled = (vec![], true, Some("5".into()), true);
        let r = merge(vec![own, pulled], 3, Direction::Older);
        assert!(r.entries.is_empty());
        assert_eq!(r.reached.as_deref(), Some("5"));
        assert!(r.more);
    }
}
