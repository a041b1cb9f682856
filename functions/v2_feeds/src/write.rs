//! Writing v2 feeds: adding activities (one, or `{"activities": [...]}` up to 100), removing
//! them by id or by `foreign_id`, and `add_to_many`.
//!
//! An activity that names its `time` has an id derived from its `foreign_id` (or its content)
//! and that time ([`tributary_v2::activity`]). Adding it again overwrites its data in place and
//! puts it into any feed it is not in yet; every feed shows it once.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::Json;
use serde_json::{json, Value};

use tributary_core::activities;
use tributary_domain::access::Capability;
use tributary_domain::caller::Caller;
use tributary_domain::model::Activity;
use tributary_domain::time::now_nanos;
use tributary_domain::validate::Fid;
use tributary_domain::{ApiError, ApiResult};
use tributary_http::v2::{bounded_list, parse_each, Action, V2Auth, V2Body, V2Query, V2Result};
use tributary_http::AppState;
use tributary_store::keys;
use tributary_v2::activity::{parse_new, render};

use crate::fid_of;

/// Most activities one batch may add.
const MAX_BATCH: usize = 100;
/// Most feeds `add_to_many` writes into (Stream's limit).
const MAX_TARGET_FEEDS: usize = 5000;

/// `POST feed/{group}/{id}/`: one activity, or `{"activities": [...]}`.
pub async fn add(
    State(state): State<AppState>,
    V2Auth(auth): V2Auth,
    Path((group, id)): Path<(String, String)>,
    V2Body(body): V2Body,
) -> V2Result<Json<Value>> {
    let fid = fid_of(&group, &id)?;
    auth.require("feed", Action::Write, Some(&fid))?;
    if body.get("activities").is_some() {
        let list = bounded_list(&body, "activities", MAX_BATCH)?;
        // Parse all first: a bad one adds none.
        let parsed = parse_each(list, "activities", |raw| {
            parse_new(raw, &fid, tributary_v2::time::next_time())
        })?;
        let mut out = Vec::with_capacity(parsed.len());
        for new in parsed {
            let a = activities::upsert(&state, &auth.caller, new.activity, true).await?;
            announce(&state, &a).await?;
            out.push(render(&a, None));
        }
        return Ok(Json(json!({ "activities": out })));
    }
    let new = parse_new(&body, &fid, tributary_v2::time::next_time())?;
    let a = activities::upsert(&state, &auth.caller, new.activity, true).await?;
    announce(&state, &a).await?;
    Ok(Json(render(&a, None)))
}

/// Tells the realtime clients watching the activity's feeds (through the v3 API) of it.
async fn announce(state: &AppState, a: &Activity) -> ApiResult<()> {
    if state.config.realtime_endpoint.is_none() {
        return Ok(());
    }
    let activity = tributary_v3::render::activity(&state.store, a).await?;
    let fields = json!({ "activity": activity });
    state
        .publish(tributary_tasks::realtime::activity_events(
            "feeds.activity.added",
            a,
            fields,
        ))
        .await;
    Ok(())
}

/// Takes `a` out of `fid`. Removing it from the feed it was first written to removes it
/// everywhere (its `to` targets and all followers); from another feed, only there.
async fn remove_from(state: &AppState, a: &Activity, fid: &str) -> ApiResult<()> {
    let store = &state.store;
    let foreign = activities::foreign_id(a).map(str::to_string);
    if a.content.feeds.first().map(String::as_str) == Some(fid) {
        activities::remove(state, a, true).await?;
        if let Some(f) = foreign {
            store
                .delete_foreign_id_refs(&a.content.feeds, &f, &a.id)
                .await?;
        }
        return Ok(());
    }
    if a.content.feeds.iter().any(|f| f == fid) {
        let mut content = a.content.clone();
        content.feeds.retain(|f| f != fid);
        if store
            .replace_activity_content(a, content, now_nanos())
            .await?
            .is_none()
        {
            return Err(ApiError::input(
                "the activity changed while it was being removed; try again",
            ));
        }
        activities::left(state, a, &[fid.to_string()]).await?;
        if let Some(f) = foreign {
            store
                .delete_foreign_id_refs(&[fid.to_string()], &f, &a.id)
                .await?;
        }
        return Ok(());
    }
    // A follower's copy: only this feed's entry goes.
    store
        .run(
            "remove feed entry",
            store.delete(keys::feed_entry(fid, a.created_at, &a.id)),
        )
        .await?;
    Ok(())
}

/// `DELETE feed/{group}/{id}/{activity_id}/`, or `.../{foreign_id}/?foreign_id=1`.
pub async fn remove(
    State(state): State<AppState>,
    V2Auth(auth): V2Auth,
    Path((group, id, activity_id)): Path<(String, String, String)>,
    q: V2Query,
) -> V2Result<Json<Value>> {
    let fid = fid_of(&group, &id)?;
    auth.require("feed", Action::Delete, Some(&fid))?;
    let ids = if q.flag("foreign_id")? {
        state
            .store
            .activities_with_foreign_id(&fid, &activity_id)
            .await?
    } else {
        vec![activity_id.clone()]
    };
    let found: HashMap<String, Activity> = state.store.get_activities(&ids).await?;
    for a in found.values() {
        if let Caller::User(_) = &auth.caller {
            state
                .store
                .may_change_activity(&auth.caller, a, Capability::DeleteAnyActivity)
                .await?;
        }
        remove_from(&state, a, &fid).await?;
    }
    Ok(Json(json!({ "removed": activity_id })))
}

/// `POST feed/add_to_many/`: one activity into many feeds (at most 5,000), without `to` and
/// without delivery to those feeds' followers, as Stream does.
pub async fn add_to_many(
    State(state): State<AppState>,
    V2Auth(auth): V2Auth,
    V2Body(body): V2Body,
) -> V2Result<Json<Value>> {
    auth.require("feed", Action::Write, None)?;
    let feeds: Vec<String> = body
        .get("feeds")
        .and_then(Value::as_array)
        .ok_or_else(|| ApiError::field("feeds", "feeds must be a list of feed ids"))?
        .iter()
        .map(|f| {
            f.as_str()
                .map(str::to_string)
                .ok_or_else(|| ApiError::field("feeds", "feeds must be a list of feed ids"))
        })
        .collect::<ApiResult<_>>()?;
    if feeds.is_empty() || feeds.len() > MAX_TARGET_FEEDS {
        return Err(ApiError::field(
            "feeds",
            format!("feeds must name 1 to {MAX_TARGET_FEEDS} feeds"),
        )
        .into());
    }
    for f in &feeds {
        Fid::parse("feeds", f)?;
    }
    let raw = body
        .get("activity")
        .ok_or_else(|| ApiError::field("activity", "activity is a required field"))?;
    if raw.get("to").is_some_and(|t| !t.is_null()) {
        return Err(ApiError::field("activity.to", "add_to_many does not take to targets").into());
    }
    let mut new = parse_new(raw, &feeds[0], tributary_v2::time::next_time())
        .map_err(|e| e.within("activity"))?;
    let mut all = Vec::new();
    for f in feeds {
        if !all.contains(&f) {
            all.push(f);
        }
    }
    new.activity.content.feeds = all;
    activities::upsert(&state, &auth.caller, new.activity, false).await?;
    Ok(Json(json!({})))
}
