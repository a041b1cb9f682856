//! Pinned activities: `pin_activity`, `unpin_activity`, `query_pinned_activities`, and the
//! newest pins a feed read shows (`pinned_activities`).
//!
//! Pinning needs the `pin-activity` capability on the feed (by default only its owner holds
//! it; server calls may, acting as the named user). The activity must be one of the feed's
//! own activities (posted to it, not delivered by a follow). Pinning again changes nothing
//! and answers the existing pin; unpinning what is not pinned is a 404. Pins of deleted
//! activities are left out of every read (a page may then hold fewer than `limit`, with
//! `next` still set, as Stream documents).
//!
//! Costs: a pin or unpin is one TransactWriteItems of three items (marker, listing entry,
//! `pin_count`), after reading the feed, the caller's standing and the activity; a read of
//! pins is one Query of the listing plus one BatchGetItem of the activities, then the
//! batched rendering every activity read uses.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tributary_core::activities::visible_to;
use tributary_domain::access::Capability;
use tributary_domain::caller::Caller;
use tributary_domain::filter::predicate;
use tributary_domain::model::feed::Feed;
use tributary_domain::model::Activity;
use tributary_domain::time::{now_nanos, Nanos};
use tributary_domain::{ApiError, ApiResult};
use tributary_http::{AppState, Auth, Body, HttpResult, QueryParams};
use tributary_store::{pin_position, Pin};
use tributary_v3::feed_read::ActivityPinResponse;
use tributary_v3::render::{self, Enrichment};
use tributary_v3::responses::ActivityResponse;

use crate::listing::{self, SortParam};
use crate::ops;
use crate::read;

/// How many of the newest pins a feed read shows.
pub const PINS_SHOWN: usize = 10;
const DEFAULT_LIMIT: usize = 10;

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct PinActivityRequest {
    pub user_id: Option<String>,
    /// Accepted as the SDKs send it: the acting user's own fields are always filled.
    #[allow(dead_code)]
    pub enrich_own_fields: Option<bool>,
    #[allow(dead_code)]
    #[schema(value_type = Option<Object>)]
    pub user: Option<Value>,
}

#[derive(Debug, Default, Deserialize)]
pub struct UnpinQuery {
    user_id: Option<String>,
    #[allow(dead_code)]
    enrich_own_fields: Option<bool>,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct QueryPinnedActivitiesRequest {
    pub user_id: Option<String>,
    /// Accepted as the SDKs send it: the reader's own fields are always filled.
    #[allow(dead_code)]
    pub enrich_own_fields: Option<bool>,
    pub limit: Option<i64>,
    pub next: Option<String>,
    pub prev: Option<String>,
    pub sort: Option<Vec<SortParam>>,
    #[schema(value_type = Option<Object>)]
    pub filter: Option<Value>,
}

/// Stream's `PinActivityResponse`.
#[derive(Debug, Serialize)]
pub struct PinActivityReply {
    activity: ActivityResponse,
    feed: String,
    user_id: String,
    created_at: Nanos,
}

/// Stream's `UnpinActivityResponse`.
#[derive(Debug, Serialize)]
pub struct UnpinActivityReply {
    activity: ActivityResponse,
    feed: String,
    user_id: String,
}

/// Stream's `QueryPinnedActivitiesResponse`.
#[derive(Debug, Serialize)]
pub struct QueryPinnedActivitiesReply {
    pinned_activities: Vec<ActivityPinResponse>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    prev: Option<String>,
}

/// The feed, the acting user, and the activity, once the caller may pin in the feed.
async fn prepare(
    s: &AppState,
    caller: &Caller,
    group: &str,
    id: &str,
    activity_id: &str,
    user_id: Option<&str>,
) -> ApiResult<(Feed, String, Activity)> {
    let user = caller.require_user(user_id)?;
    let fid = ops::parse_fid(s, group, id).await?;
    let feed = ops::load(s, &fid).await?;
    let acting = Caller::User(user.clone());
    let standing = if caller.is_server() { caller } else { &acting };
    s.store
        .feed_access(standing, &feed)
        .await?
        .require(Capability::PinActivity)?;
    let activity = match s.store.get_activity(activity_id).await? {
        Some(a) if a.deleted_at.is_none() => a,
        _ => {
            return Err(ApiError::not_found(format!(
                "activity '{activity_id}' does not exist"
            )))
        }
    };
    if !activity.content.feeds.contains(&feed.fid) {
        return Err(ApiError::field(
            "activity_id",
            format!(
                "activity_id: activity '{activity_id}' is not in feed '{}'",
                feed.fid
            ),
        ));
    }
    Ok((feed, user, activity))
}

async fn render_one(s: &AppState, a: &Activity, reader: &str) -> ApiResult<ActivityResponse> {
    let mut list = render::activities_for(&s.store, std::slice::from_ref(a), Some(reader)).await?;
    Ok(list.remove(0))
}

/// `pin_activity`.
pub async fn pin(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Path((group, id, activity_id)): Path<(String, String, String)>,
    Body(req): Body<PinActivityRequest>,
) -> HttpResult<Json<PinActivityReply>> {
    let (feed, user, activity) = prepare(
        &s,
        &caller,
        &group,
        &id,
        &activity_id,
        req.user_id.as_deref(),
    )
    .await?;
    let now = now_nanos();
    let wanted = Pin {
        fid: feed.fid.clone(),
        activity_id: activity.id.clone(),
        user_id: user.clone(),
        created_at: now,
        updated_at: now,
    };
    let pin = match s.store.pin_activity(&wanted).await? {
        Some(pin) => pin,
        // Already pinned: the pin stands as it was.
        None => s
            .store
            .get_pin(&feed.fid, &activity.id)
            .await?
            .unwrap_or(wanted),
    };
    Ok(Json(PinActivityReply {
        activity: render_one(&s, &activity, &user).await?,
        feed: feed.fid,
        user_id: user,
        created_at: pin.created_at,
    }))
}

/// `unpin_activity`.
pub async fn unpin(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Path((group, id, activity_id)): Path<(String, String, String)>,
    QueryParams(q): QueryParams<UnpinQuery>,
) -> HttpResult<Json<UnpinActivityReply>> {
    let (feed, user, activity) =
        prepare(&s, &caller, &group, &id, &activity_id, q.user_id.as_deref()).await?;
    let not_pinned = || {
        ApiError::not_found(format!(
            "activity '{activity_id}' is not pinned in feed '{}'",
            feed.fid
        ))
    };
    let pin = s
        .store
        .get_pin(&feed.fid, &activity.id)
        .await?
        .ok_or_else(not_pinned)?;
    if !s.store.unpin_activity(&pin).await? {
        return Err(not_pinned().into());
    }
    Ok(Json(UnpinActivityReply {
        activity: render_one(&s, &activity, &user).await?,
        feed: feed.fid.clone(),
        user_id: user,
    }))
}

/// A position in a feed's pins: the listing sort key to continue after, and which way.
#[derive(Debug, Serialize, Deserialize)]
struct PinCursor {
    after: String,
    oldest_first: bool,
}

/// The fields a pinned-activities `filter` may name: the pinned activity, who pinned it and
/// when (`$eq`/`$in`; times also `$gt`, `$gte`, `$lt`, `$lte`), with `$and`/`$or`/`$nor`.
/// Listing entries one query may examine looking for pins its filter keeps.
const EXAMINE_BUDGET: usize = 1000;

fn pin_field(name: &str) -> Option<predicate::Field> {
    let (kind, ops) = match name {
        "activity_id" | "user_id" => (predicate::Kind::Plain, predicate::EQ_IN),
        "created_at" | "updated_at" => (predicate::Kind::Time, predicate::RANGE),
        _ => return None,
    };
    Some(predicate::Field {
        name: "",
        kind,
        ops,
    })
}

fn pin_value(pin: &Pin, name: &str) -> Option<Value> {
    Some(match name {
        "activity_id" => Value::from(pin.activity_id.clone()),
        "user_id" => Value::from(pin.user_id.clone()),
        "created_at" => Value::from(pin.created_at),
        "updated_at" => Value::from(pin.updated_at),
        _ => return None,
    })
}

/// `query_pinned_activities`: a feed's pins by the time they were pinned (newest first, or
/// `sort: [{field: created_at, direction: 1}]` for oldest first), with cursors.
pub async fn query(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Path((group, id)): Path<(String, String)>,
    Body(req): Body<QueryPinnedActivitiesRequest>,
) -> HttpResult<Json<QueryPinnedActivitiesReply>> {
    let fid = ops::parse_fid(&s, &group, &id).await?;
    let feed = ops::load(&s, &fid).await?;
    let acting = match &caller {
        Caller::Anonymous => None,
        _ => caller.acting_user(req.user_id.as_deref())?,
    };
    let reader = match (&caller, &acting) {
        (Caller::Server, Some(user)) => Caller::User(user.clone()),
        _ => caller.clone(),
    };
    let standing = s.store.feed_access(&reader, &feed).await?;
    standing.require(Capability::ReadActivities)?;
    let limit = read::limit("limit", req.limit, DEFAULT_LIMIT)?;
    let keep = predicate::parse(req.filter.as_ref(), &pin_field)?;
    let sort = listing::sort_keys(req.sort.as_deref(), &["created_at"], ("created_at", true))?;
    let newest_first = sort.first().is_none_or(|(_, desc)| *desc);
    let (cursor, backwards) = match (req.next.as_deref(), req.prev.as_deref()) {
        (Some(c), _) => (Some(s.cursors.decode::<PinCursor>("next", c)?), false),
        (None, Some(c)) => (Some(s.cursors.decode::<PinCursor>("prev", c)?), true),
        (None, None) => (None, false),
    };
    // A `prev` cursor reads the other way from its position, then turns the page around.
    let oldest_first = cursor.as_ref().map_or(!newest_first, |c| c.oldest_first);
    // Pages of the listing until one more than `limit` pins match (or the listing or the
    // examining budget ends); `resume` is where a page cut short by the budget continues.
    let mut pins: Vec<Pin> = Vec::new();
    let mut after = cursor.as_ref().map(|c| c.after.clone());
    let mut examined = 0;
    let mut resume: Option<Pin> = None;
    loop {
        let page = s
            .store
            .pins(&feed.fid, limit + 1, after.as_deref(), oldest_first)
            .await?;
        examined += page.pins.len();
        let last_seen = page.pins.last().cloned();
        pins.extend(
            page.pins
                .into_iter()
                .filter(|p| keep.matches(&|f| pin_value(p, f))),
        );
        if pins.len() > limit || page.last.is_none() {
            break;
        }
        if examined >= EXAMINE_BUDGET {
            resume = last_seen;
            break;
        }
        after = page.last;
    }
    let more = pins.len() > limit || resume.is_some();
    pins.truncate(limit);
    if backwards {
        pins.reverse();
    }
    let forward_order = if backwards {
        !oldest_first
    } else {
        oldest_first
    };
    let cursor_at = |pin: &Pin, oldest_first: bool| {
        s.cursors.encode(&PinCursor {
            after: pin_position(pin),
            oldest_first,
        })
    };
    // Where the walk stopped for its budget is the far end of the page in its direction.
    let ends = if backwards {
        (resume.as_ref().or(pins.first()), pins.last())
    } else {
        (pins.first(), resume.as_ref().or(pins.last()))
    };
    let (next, prev) = match ends {
        (Some(first), Some(last)) => {
            let has_next = if backwards { true } else { more };
            let has_prev = if backwards { more } else { cursor.is_some() };
            (
                has_next.then(|| cursor_at(last, forward_order)),
                has_prev.then(|| cursor_at(first, !forward_order)),
            )
        }
        _ => (None, None),
    };
    let pinned = render_pins(&s, &reader, &feed, &pins).await?;
    Ok(Json(QueryPinnedActivitiesReply {
        pinned_activities: pinned,
        next,
        prev,
    }))
}

/// Loads pins' activities (one batched read), leaving out what `reader` may not see there:
/// deleted and expired activities, and private ones of others (the feed's owner sees them).
pub async fn load_pinned(
    s: &AppState,
    reader: &Caller,
    feed: &Feed,
    pins: Vec<Pin>,
) -> ApiResult<(Vec<Pin>, Vec<Activity>)> {
    let now = now_nanos();
    let owner = matches!(reader, Caller::User(me) if *me == feed.created_by_id);
    let shown = |a: &Activity| {
        a.deleted_at.is_none()
            && a.content.expires_at.is_none_or(|e| e > now)
            && (owner || visible_to(reader, a))
    };
    let ids: Vec<String> = pins.iter().map(|p| p.activity_id.clone()).collect();
    let mut found: HashMap<String, Activity> = if ids.is_empty() {
        HashMap::new()
    } else {
        s.store.get_activities(&ids).await?
    };
    let mut kept = Vec::new();
    let mut activities = Vec::new();
    for pin in pins {
        match found.remove(&pin.activity_id) {
            Some(a) if shown(&a) => {
                activities.push(a);
                kept.push(pin);
            }
            _ => {}
        }
    }
    Ok((kept, activities))
}

/// The responses for pins whose activities are rendered already (in the same order).
pub fn pin_responses(
    pins: &[Pin],
    activities: Vec<ActivityResponse>,
    users: &tributary_v3::responses::UserDirectory,
) -> Vec<ActivityPinResponse> {
    pins.iter()
        .zip(activities)
        .map(|(pin, activity)| ActivityPinResponse {
            activity,
            feed: pin.fid.clone(),
            user: users.get(&pin.user_id),
            created_at: pin.created_at,
            updated_at: pin.updated_at,
        })
        .collect()
}

async fn render_pins(
    s: &AppState,
    reader: &Caller,
    feed: &Feed,
    pins: &[Pin],
) -> ApiResult<Vec<ActivityPinResponse>> {
    let (pins, activities) = load_pinned(s, reader, feed, pins.to_vec()).await?;
    let pinners: Vec<&str> = pins.iter().map(|p| p.user_id.as_str()).collect();
    let viewer = match reader {
        Caller::User(me) => Some(me.as_str()),
        _ => None,
    };
    let (mut rendered, users) = render::activities_with_users(
        &s.store,
        &activities,
        &pinners,
        viewer,
        Enrichment::default(),
    )
    .await?;
    render::apply_previews(&s.store, reader, &activities, &mut rendered).await?;
    Ok(pin_responses(&pins, rendered, &users))
}
