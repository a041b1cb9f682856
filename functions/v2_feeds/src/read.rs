//! Reading a v2 feed: `GET feed/{group}/{id}/` with `limit` (25, at most 100), `offset`
//! (at most 400) and one of `id_lt`, `id_lte`, `id_gt`, `id_gte`, newest first. Groups that
//! aggregate answer groups (`aggregated.rs`). The page comes
//! from `tributary_core::feed_page`, so visibility, deletes, expiry and hiding are v3's.
//! With `ranking` (and `ranking_vars`), the page comes from the group's ranking
//! (`tributary_core::ranked`), by `offset`, each activity with its `score`.

use axum::extract::{Path, State};
use axum::Json;
use serde_json::{json, Map, Value};

use tributary_core::feed_page::{self, ActivityFilter, Found};
use tributary_core::groups::Kind;
use tributary_core::ranked::{stable_seed, RankedRead};
use tributary_domain::caller::Caller;
use tributary_domain::{ApiError, ApiResult};
use tributary_http::v2::{Action, V2Auth, V2Query, V2Result};
use tributary_http::AppState;
use tributary_store::{keys, Direction};

use crate::fid_of;

pub const DEFAULT_LIMIT: usize = 25;
pub const MAX_LIMIT: usize = 100;
pub const MAX_OFFSET: usize = 400;

/// Where a page starts, from the `id_*` parameters.
enum Start {
    Top,
    Before { sk: String },
    After { sk: String },
}

/// `limit`: 25 when absent; a larger one than 100 reads 100, as Stream's does.
pub fn limit(q: &V2Query) -> ApiResult<usize> {
    Ok(q.number("limit", DEFAULT_LIMIT, usize::MAX)?.min(MAX_LIMIT))
}

/// The entry key of `id` in `fid`, inclusive or not, as a start for `direction`.
async fn start_at(
    state: &AppState,
    fid: &str,
    id: &str,
    inclusive: bool,
    older: bool,
) -> ApiResult<Option<Start>> {
    let Some(a) = state.store.get_activity(id).await? else {
        return Ok(None);
    };
    let entry = keys::feed_entry(fid, a.created_at, &a.id).sk;
    Ok(Some(match (older, inclusive) {
        (true, false) => Start::Before { sk: entry },
        // `~` sorts after every id character: the page starts with the activity itself.
        (true, true) => Start::Before {
            sk: format!("{entry}~"),
        },
        (false, false) => Start::After { sk: entry },
        // Just below the activity's key: every entry of its time, itself included.
        (false, true) => Start::After {
            sk: keys::feed_entry(fid, a.created_at, "").sk,
        },
    }))
}

/// A page of `fid` as `caller` may see it: `limit` activities after skipping `offset`.
pub async fn page(
    state: &AppState,
    caller: &Caller,
    fid: &str,
    q: &V2Query,
) -> ApiResult<(Vec<Found>, bool, usize)> {
    let limit = limit(q)?;
    let offset = q.number("offset", 0, MAX_OFFSET)?;
    let ranked = ranked_read(state, fid, q).await?;
    // A feed nothing was ever written to or followed from has no entries.
    let Some(feed) = state.store.get_feed(fid).await? else {
        return Ok((Vec::new(), false, limit));
    };
    feed_page::access(&state.store.feed_access(caller, &feed).await?)?;
    let start = match (
        q.get("id_lt"),
        q.get("id_lte"),
        q.get("id_gt"),
        q.get("id_gte"),
    ) {
        (Some(id), _, _, _) => start_at(state, fid, id, false, true).await?,
        (_, Some(id), _, _) => start_at(state, fid, id, true, true).await?,
        (_, _, Some(id), _) => start_at(state, fid, id, false, false).await?,
        (_, _, _, Some(id)) => start_at(state, fid, id, true, false).await?,
        _ => Some(Start::Top),
    };
    let Some(start) = start else {
        return Ok((Vec::new(), false, limit));
    };
    let filter = ActivityFilter::default();
    if let Some(ranked) = ranked {
        let (from, newer_than) = match start {
            Start::Top => (None, None),
            Start::Before { sk } => (Some(sk), None),
            Start::After { sk } => (None, Some(sk)),
        };
        let mut window = ranked.window(state, caller, &feed, from, &filter).await?;
        if let Some(sk) = newer_than {
            window.retain(|f| f.sk > sk);
        }
        let more = window.len() > offset + limit;
        let found = window.into_iter().skip(offset).take(limit).collect();
        return Ok((found, more, limit));
    }
    let want = limit + offset;
    let (mut found, more) = match start {
        Start::Top => {
            feed_page::collect(state, caller, &feed, want, None, Direction::Older, &filter).await?
        }
        Start::Before { sk } => {
            feed_page::collect(
                state,
                caller,
                &feed,
                want,
                Some(sk),
                Direction::Older,
                &filter,
            )
            .await?
        }
        Start::After { sk } => {
            let (mut list, more) = feed_page::collect(
                state,
                caller,
                &feed,
                want,
                Some(sk),
                Direction::Newer,
                &filter,
            )
            .await?;
            list.reverse();
            (list, more)
        }
    };
    let more = more || found.len() > want;
    found.truncate(want);
    let found: Vec<Found> = found.into_iter().skip(offset).collect();
    Ok((found, more, limit))
}

/// The ranked read `ranking` asks for: the group's ranking (one per group: any name reads
/// it), with `ranking_vars` (a JSON object) as its external variables. Stream's missing-
/// ranking error (code 12) when the group does not rank.
async fn ranked_read(state: &AppState, fid: &str, q: &V2Query) -> ApiResult<Option<RankedRead>> {
    let Some(name) = q.get("ranking").filter(|n| !n.is_empty()) else {
        return Ok(None);
    };
    let group = fid.split_once(':').map_or(fid, |(g, _)| g);
    let ranking = state
        .store
        .get_feed_group(group)
        .await?
        .and_then(|g| g.ranking())
        .ok_or_else(|| {
            ApiError::MissingRanking(format!(
                "feed group '{group}' has no ranking '{name}'; give the group an expression ranking to rank its reads"
            ))
        })?;
    let external = match q.get("ranking_vars") {
        None => Map::new(),
        Some(raw) => match serde_json::from_str::<Value>(raw) {
            Ok(Value::Object(vars)) => vars,
            _ => {
                return Err(ApiError::field(
                    "ranking_vars",
                    "ranking_vars: must be a JSON object of variables",
                ))
            }
        },
    };
    Ok(Some(RankedRead {
        external,
        // Pages of a v2 ranked read are separate requests: `rand()` must agree between them.
        seed: stable_seed(fid),
        ..RankedRead::new(ranking)
    }))
}

/// An entry's `origin` as v2 shows it: the feed a follower's copy came from, `null` in the
/// feeds the activity was written to.
pub fn origin_of<'a>(entry: &'a Found, fid: &str) -> Option<&'a str> {
    let written_here = entry.origin.is_empty()
        || entry.origin == fid
        || entry.activity.content.feeds.iter().any(|f| f == fid);
    (!written_here).then_some(entry.origin.as_str())
}

/// The kind of `group` when it aggregates, once `caller` is known to be allowed to read
/// `fid`; `None` for flat groups (whose page read checks access itself).
pub async fn aggregating(
    state: &AppState,
    caller: &Caller,
    group: &str,
    fid: &str,
) -> ApiResult<Option<Kind>> {
    let feed_group = state
        .store
        .get_feed_group(group)
        .await?
        .filter(|g| g.deleted_at.is_none())
        .ok_or_else(|| ApiError::field("feed", format!("feed group '{group}' does not exist")))?;
    let kind = Kind::of(&feed_group);
    if !kind.aggregated {
        return Ok(None);
    }
    if let Some(feed) = state.store.get_feed(fid).await? {
        feed_page::access(&state.store.feed_access(caller, &feed).await?)?;
    }
    Ok(Some(kind))
}

/// A flat feed's page rendered (without `discard_actors`' activities), and its `next`: `base`
/// (the path it was read at) continued after the last activity, or `""` at the end.
pub async fn flat(
    state: &AppState,
    caller: &Caller,
    fid: &str,
    q: &V2Query,
    base: &str,
) -> ApiResult<(Vec<Value>, String)> {
    let (found, more, limit) = page(state, caller, fid, q).await?;
    // `discard_actors`: leave out what these actors did (Stream's way to mute them).
    let discarded = q.all("discard_actors");
    let ranking = q.get("ranking").filter(|n| !n.is_empty());
    let results: Vec<Value> = found
        .iter()
        .map(|e| {
            let mut a = tributary_v2::activity::render(&e.activity, origin_of(e, fid));
            if ranking.is_some() {
                a["score"] = json!(e.activity.score);
            }
            a
        })
        .filter(|a| {
            a["actor"]
                .as_str()
                .is_none_or(|actor| !discarded.iter().any(|d| d == actor))
        })
        .collect();
    let next = match (more, found.last(), ranking) {
        // A ranked read pages by position in its ranked window.
        (true, Some(_), Some(name)) => {
            let offset = q.number("offset", 0, MAX_OFFSET)? + limit;
            format!("{base}?ranking={name}&offset={offset}&limit={limit}")
        }
        (true, Some(last), None) => {
            format!("{base}?id_lt={}&limit={limit}", last.activity.id)
        }
        _ => String::new(),
    };
    Ok((results, next))
}

pub async fn read(
    State(state): State<AppState>,
    V2Auth(auth): V2Auth,
    Path((group, id)): Path<(String, String)>,
    q: V2Query,
) -> V2Result<Json<Value>> {
    let fid = fid_of(&group, &id)?;
    auth.require("feed", Action::Read, Some(&fid))?;
    if let Some(kind) = aggregating(&state, &auth.caller, &group, &fid).await? {
        return Ok(Json(crate::aggregated::read(&state, &fid, kind, &q).await?));
    }
    let base = format!("/api/v1.0/feed/{group}/{id}/");
    let (results, next) = flat(&state, &auth.caller, &fid, &q, &base).await?;
    Ok(Json(json!({"results": results, "next": next})))
}
