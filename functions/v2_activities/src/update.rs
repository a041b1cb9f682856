//! `POST activities/` `{"activities": [...]}`: full updates, each activity found by its
//! `foreign_id` + `time` (both required, as Stream asks).
//!
//! The activity keeps its id, time, feeds and `to` targets (Stream ignores changes to `to`
//! here; `activity_to_targets` changes them) and what only v3 can see (attachments,
//! visibility, ...); its v2 data is replaced by the request's. `actor` and `verb` name who did
//! what and cannot change: a different one is refused. Fields the server itself sends back
//! (`id`, `origin`) are ignored, so a read activity can be sent back as it is.
//!
//! An activity that does not exist is not created (it would belong to no feed): it is skipped
//! and the request still succeeds, as with Stream (`stream-python`'s
//! `test_update_activities_create` sends a new one and expects success). Everything is checked
//! before anything is written: one bad activity writes none.

use axum::extract::State;
use axum::Json;
use serde_json::{json, Map, Value};

use tributary_domain::model::Activity;
use tributary_domain::{validate, ApiError, ApiResult};
use tributary_http::v2::{bounded_list, parse_each, Action, V2Auth, V2Body, V2Result};
use tributary_http::AppState;
use tributary_v2::activity::{parse_new, NewActivity};
use tributary_v2::partial;

use crate::lookup::{self, foreign_id_and_time, Named};

/// Most activities one request may update (Stream's limit).
const MAX_BATCH: usize = 100;

/// `parse_new` wants the feed a new activity goes to; an update keeps the activity's own feeds,
/// so this one only lets it parse and is never written to.
const PARSE_FEED: &str = "user:update";

/// One activity of the request, parsed: how it is named and its new data.
struct Change {
    named: Named,
    new: NewActivity,
}

fn parse(raw: &Value) -> ApiResult<Change> {
    let obj: &Map<String, Value> = raw
        .as_object()
        .ok_or_else(|| ApiError::input("an activity must be a JSON object"))?;
    let (foreign_id, time) = foreign_id_and_time(obj)?;
    let new = parse_new(raw, PARSE_FEED, time)?;
    Ok(Change {
        named: Named::ForeignId { foreign_id, time },
        new,
    })
}

/// Refuses a change of who did what.
fn same_actor_and_verb(current: &Activity, new: &Activity) -> ApiResult<()> {
    if new.user_id != current.user_id {
        return Err(ApiError::field(
            "actor",
            format!(
                "actor cannot change in an update (it is '{}')",
                current.user_id
            ),
        ));
    }
    if new.activity_type != current.activity_type {
        return Err(ApiError::field(
            "verb",
            format!(
                "verb cannot change in an update (it is '{}')",
                current.activity_type
            ),
        ));
    }
    Ok(())
}

pub async fn update(
    State(state): State<AppState>,
    V2Auth(auth): V2Auth,
    V2Body(body): V2Body,
) -> V2Result<Json<Value>> {
    auth.require("activities", Action::Write, None)?;
    let list = bounded_list(&body, "activities", MAX_BATCH)?;
    let changes: Vec<Change> = parse_each(list, "activities", parse)?;
    let named: Vec<Named> = changes.iter().map(|c| c.named.clone()).collect();
    let found = lookup::load(&state, &named).await?;

    // Check every change against the activity as read before writing any.
    for (i, (change, current)) in changes.iter().zip(&found).enumerate() {
        let Some(current) = current else { continue };
        let within = |e: ApiError| e.within(&format!("activities[{i}]"));
        same_actor_and_verb(current, &change.new.activity).map_err(within)?;
        lookup::may_change(&state, &auth.caller, current).await?;
        let content =
            partial::replace(&current.content, change.new.activity.content.custom.clone());
        validate::content(&current.activity_type, &content).map_err(within)?;
    }

    for (change, current) in changes.into_iter().zip(found) {
        let Some(current) = current else { continue };
        let new = &change.new.activity;
        lookup::rewrite(&state, &auth.caller, &change.named, current, |now| {
            same_actor_and_verb(now, new)?;
            Ok(partial::replace(&now.content, new.content.custom.clone()))
        })
        .await?;
    }
    Ok(Json(json!({})))
}
