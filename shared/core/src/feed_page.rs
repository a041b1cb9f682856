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
use tributary_store::Direction;

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
            let (list, more) = collect(
                state,
                caller,
                feed,
                limit,
                Some(decode("next", c)?),
                Direction::Older,
                filter,
            )
            .await?;
            (list, more, true)
        }
        (None, Some(c), _) => {
            let (mut list, more) = collect(
                state,
                caller,
                feed,
                limit,
                Some(decode("prev", c)?),
                Direction::Newer,
                filter,
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
            let (list, more) =
                collect(state, caller, feed, limit, None, Direction::Older, filter).await?;
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
/// remain. Bounded: at most a few Query and BatchGetItem rounds.
pub async fn collect(
    state: &AppState,
    caller: &Caller,
    feed: &Feed,
    limit: usize,
    start: Option<String>,
    direction: Direction,
    filter: &ActivityFilter,
) -> ApiResult<(Vec<Found>, bool)> {
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
        let (entries, has_more) = state
            .store
            .feed_entries(&feed.fid, want, start.as_deref(), direction)
            .await?;
        more = has_more;
        let Some(last) = entries.last() else { break };
        start = Some(last.sk.clone());
        let ids: Vec<String> = entries.iter().map(|e| e.activity_id.clone()).collect();
        let activities = state.store.get_activities(&ids).await?;
        for e in entries {
            if let Some(a) = activities.get(&e.activity_id) {
                let recent = cutoff.is_none_or(|c| a.created_at >= c);
                if recent
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
