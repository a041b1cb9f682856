//! v2 follows: `follow` (with `activity_copy_limit`, default 100), `unfollow` (with
//! `keep_history`), `followers` and `following` (newest first, `limit`, `offset`, `filter`),
//! `follow_many`, `unfollow_many` and `stats/follow`. The rules are
//! `tributary_core::follows`, shared with v3.

use axum::extract::{Path, State};
use axum::Json;
use serde_json::{json, Value};

use tributary_core::follows::{self, FollowRequest};
use tributary_core::groups::Kind;
use tributary_domain::caller::Caller;
use tributary_domain::model::follow::Follow;
use tributary_domain::validate::Fid;
use tributary_domain::{ApiError, ApiResult};
use tributary_http::v2::{Action, V2Auth, V2Body, V2Query, V2Result};
use tributary_http::AppState;
use tributary_v2::time;

use crate::fid_of;

/// Activities a v2 follow copies when it names no `activity_copy_limit`.
const DEFAULT_COPY_LIMIT: i64 = 100;
/// Follows one listing sorts to page through by time (and `offset` + `limit` stay within).
const LIST_CAP: usize = 1000;
const DEFAULT_LIMIT: usize = 25;
const MAX_LIMIT: usize = 500;
const MAX_OFFSET: usize = 400;
/// Most follows one batch may create or remove.
const MAX_BATCH: usize = 2500;

fn copy_limit(raw: Option<&Value>) -> ApiResult<i64> {
    match raw {
        None | Some(Value::Null) => Ok(DEFAULT_COPY_LIMIT),
        Some(v) => v
            .as_i64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            .ok_or_else(|| {
                ApiError::field(
                    "activity_copy_limit",
                    "activity_copy_limit must be a number",
                )
            }),
    }
}

async fn follow_one(
    state: &AppState,
    caller: &Caller,
    source: &str,
    target: &str,
    limit: i64,
) -> ApiResult<()> {
    // Only flat feeds may be followed (Stream v2): an aggregated or notification feed's
    // activities are its groups'.
    if let Some((group, _)) = target.split_once(':') {
        let aggregates = state
            .store
            .get_feed_group(group)
            .await?
            .is_some_and(|g| Kind::of(&g).aggregated);
        if aggregates {
            return Err(ApiError::field(
                "target",
                format!("target: '{target}' is an aggregated or notification feed; only flat feeds can be followed"),
            ));
        }
    }
    let req = FollowRequest {
        source: Some(source.to_string()),
        target: Some(target.to_string()),
        activity_copy_limit: Some(limit),
        ..FollowRequest::default()
    };
    follows::follow(state, caller, req, true).await?;
    Ok(())
}

/// `POST feed/{group}/{id}/follows/` `{target, activity_copy_limit}`.
pub async fn follow(
    State(state): State<AppState>,
    V2Auth(auth): V2Auth,
    Path((group, id)): Path<(String, String)>,
    V2Body(body): V2Body,
) -> V2Result<Json<Value>> {
    let fid = fid_of(&group, &id)?;
    auth.require("follower", Action::Write, Some(&fid))?;
    let target = body
        .get("target")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::field("target", "target is a required feed id"))?;
    let limit = copy_limit(body.get("activity_copy_limit"))?;
    follow_one(&state, &auth.caller, &fid, target, limit).await?;
    Ok(Json(json!({})))
}

/// `DELETE feed/{group}/{id}/follows/{target}/` (`keep_history`).
pub async fn unfollow(
    State(state): State<AppState>,
    V2Auth(auth): V2Auth,
    Path((group, id, target)): Path<(String, String, String)>,
    q: V2Query,
) -> V2Result<Json<Value>> {
    let fid = fid_of(&group, &id)?;
    auth.require("follower", Action::Delete, Some(&fid))?;
    let keep = q.flag("keep_history")?;
    follows::unfollow(&state, &auth.caller, Some(&fid), Some(&target), keep, true).await?;
    Ok(Json(json!({})))
}

fn follow_view(f: &Follow) -> Value {
    json!({
        "feed_id": f.source,
        "target_id": f.target,
        "created_at": time::format(f.created_at),
        "updated_at": time::format(f.updated_at),
    })
}

/// Up to [`LIST_CAP`] follows of a feed, newest first.
async fn newest_first(state: &AppState, fid: &str, followers: bool) -> ApiResult<Vec<Follow>> {
    let mut all = Vec::new();
    let mut start: Option<String> = None;
    loop {
        let (page, next) = if followers {
            state
                .store
                .followers_page(fid, LIST_CAP, start.as_deref(), true)
                .await?
        } else {
            state
                .store
                .following_page(fid, LIST_CAP, start.as_deref())
                .await?
        };
        all.extend(page);
        match next {
            Some(n) if all.len() < LIST_CAP => start = Some(n),
            _ => break,
        }
    }
    all.retain(|f| f.is_active());
    all.sort_by(|a, b| {
        b.created_at
            .cmp(&a.created_at)
            .then_with(|| b.source.cmp(&a.source))
            .then_with(|| b.target.cmp(&a.target))
    });
    all.truncate(LIST_CAP);
    Ok(all)
}

async fn list(
    state: AppState,
    auth: &tributary_http::v2::V2Caller,
    group: &str,
    id: &str,
    q: &V2Query,
    followers: bool,
) -> V2Result<Json<Value>> {
    let fid = fid_of(group, id)?;
    auth.require("follower", Action::Read, Some(&fid))?;
    let limit = q.number("limit", DEFAULT_LIMIT, MAX_LIMIT)?;
    let offset = q.number("offset", 0, MAX_OFFSET)?;
    let filter = q.all("filter");
    let follows = newest_first(&state, &fid, followers).await?;
    let results: Vec<Value> = follows
        .iter()
        .filter(|f| {
            let other = if followers { &f.source } else { &f.target };
            filter.is_empty() || filter.contains(other)
        })
        .skip(offset)
        .take(limit)
        .map(follow_view)
        .collect();
    Ok(Json(json!({ "results": results })))
}

/// `GET feed/{group}/{id}/followers/`.
pub async fn followers(
    State(state): State<AppState>,
    V2Auth(auth): V2Auth,
    Path((group, id)): Path<(String, String)>,
    q: V2Query,
) -> V2Result<Json<Value>> {
    list(state, &auth, &group, &id, &q, true).await
}

/// `GET feed/{group}/{id}/follows/`: what the feed follows.
pub async fn following(
    State(state): State<AppState>,
    V2Auth(auth): V2Auth,
    Path((group, id)): Path<(String, String)>,
    q: V2Query,
) -> V2Result<Json<Value>> {
    list(state, &auth, &group, &id, &q, false).await
}

/// The `source` and `target` of one item of a batch, both feed ids.
fn pair(item: &Value, i: usize) -> ApiResult<(String, String)> {
    let field = |name: &str| {
        item.get(name)
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| {
                ApiError::field(format!("[{i}].{name}"), format!("{name} must be a feed id"))
            })
    };
    let (source, target) = (field("source")?, field("target")?);
    Fid::parse(&format!("[{i}].source"), &source)?;
    Fid::parse(&format!("[{i}].target"), &target)?;
    Ok((source, target))
}

fn batch(body: &Value) -> ApiResult<&Vec<Value>> {
    let list = body
        .as_array()
        .ok_or_else(|| ApiError::input("the body must be a list of follows"))?;
    if list.len() > MAX_BATCH {
        return Err(ApiError::input(format!(
            "at most {MAX_BATCH} follows at once"
        )));
    }
    Ok(list)
}

/// `POST follow_many/` `[{source, target}]`, `activity_copy_limit` in the query.
pub async fn follow_many(
    State(state): State<AppState>,
    V2Auth(auth): V2Auth,
    q: V2Query,
    V2Body(body): V2Body,
) -> V2Result<Json<Value>> {
    auth.require("follower", Action::Write, None)?;
    let limit = match q.get("activity_copy_limit") {
        Some(v) => copy_limit(Some(&Value::String(v.to_string())))?,
        None => DEFAULT_COPY_LIMIT,
    };
    let pairs = batch(&body)?
        .iter()
        .enumerate()
        .map(|(i, item)| pair(item, i))
        .collect::<ApiResult<Vec<_>>>()?;
    for (source, target) in pairs {
        follow_one(&state, &auth.caller, &source, &target, limit).await?;
    }
    Ok(Json(json!({})))
}

/// `POST unfollow_many/` `[{source, target, keep_history}]`; follows that do not exist are
/// skipped.
pub async fn unfollow_many(
    State(state): State<AppState>,
    V2Auth(auth): V2Auth,
    V2Body(body): V2Body,
) -> V2Result<Json<Value>> {
    auth.require("follower", Action::Delete, None)?;
    let list = batch(&body)?;
    let mut items = Vec::with_capacity(list.len());
    for (i, item) in list.iter().enumerate() {
        let (source, target) = pair(item, i)?;
        let keep = item
            .get("keep_history")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        items.push((source, target, keep));
    }
    for (source, target, keep) in items {
        follows::unfollow(
            &state,
            &auth.caller,
            Some(&source),
            Some(&target),
            keep,
            true,
        )
        .await?;
    }
    Ok(Json(json!({})))
}

/// `GET stats/follow/?followers=<fid>&following=<fid>` (and `followers_slugs`,
/// `following_slugs`: count only follows whose other side is in those groups).
pub async fn stats(
    State(state): State<AppState>,
    V2Auth(auth): V2Auth,
    q: V2Query,
) -> V2Result<Json<Value>> {
    auth.require("follower", Action::Read, None)?;
    let mut results = serde_json::Map::new();
    for (name, followers) in [("followers", true), ("following", false)] {
        let Some(fid) = q.get(name) else { continue };
        Fid::parse(name, fid)?;
        let slugs = q.all(&format!("{name}_slugs"));
        let count = if slugs.is_empty() {
            match state.store.get_feed(fid).await? {
                Some(feed) if followers => feed.follower_count,
                Some(feed) => feed.following_count,
                None => 0,
            }
        } else {
            newest_first(&state, fid, followers)
                .await?
                .iter()
                .filter(|f| {
                    let other = if followers { &f.source } else { &f.target };
                    other
                        .split_once(':')
                        .is_some_and(|(g, _)| slugs.iter().any(|s| s == g))
                })
                .count() as i64
        };
        results.insert(name.into(), json!({"feed": fid, "count": count}));
    }
    Ok(Json(json!({ "results": results })))
}
