//! Thin HTTP handlers: extract, call the operation, shape the response.

use axum::extract::{Path, State};
use axum::Json;
use tributary_domain::access::Capability;
use tributary_domain::ApiError;
use tributary_http::{AppState, Auth, Body, HttpResult, QueryParams};
use tributary_v3::render;
use tributary_v3::replies::{
    ActivitiesReply, ActivityReply, DeletedActivitiesReply, EmptyReply, FeedbackReply,
};
use tributary_v3::requests::NewActivityRequest;

use crate::ops;
use crate::requests::*;

/// Every handler answers with one of the v3 reply envelopes.
type Reply<T> = HttpResult<Json<T>>;

pub async fn add_activity(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Body(req): Body<NewActivityRequest>,
) -> Reply<ActivityReply> {
    let activity = ops::add(&s, &caller, req).await?;
    Ok(Json(ActivityReply { activity }))
}

pub async fn upsert_activities(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Body(req): Body<UpsertActivitiesRequest>,
) -> Reply<ActivitiesReply> {
    let activities = req
        .activities
        .ok_or_else(|| ApiError::field("activities", "activities is a required field"))?;
    let activities = crate::update::upsert(&s, &caller, activities).await?;
    Ok(Json(ActivitiesReply {
        activities,
        next: None,
    }))
}

pub async fn get_activity(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
    QueryParams(q): QueryParams<GetActivityQuery>,
) -> Reply<ActivityReply> {
    let activity = ops::get(&s.store, &caller, &id, &q).await?;
    Ok(Json(ActivityReply { activity }))
}

pub async fn update_activity(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
    Body(req): Body<UpdateActivityRequest>,
) -> Reply<ActivityReply> {
    let user_id = req.user_id.clone();
    let activity = crate::update::update(&s, &caller, &id, user_id.as_deref(), req).await?;
    // The event needs the stored record; only read it when there is a realtime API.
    if s.config.realtime_endpoint.is_some() {
        if let Some(updated) = s.store.get_activity(&id).await? {
            ops::announce(&s, "feeds.activity.updated", &updated, &activity).await;
        }
    }
    Ok(Json(ActivityReply { activity }))
}

pub async fn update_activity_partial(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
    Body(req): Body<PartialUpdateRequest>,
) -> Reply<ActivityReply> {
    let set = req.set.unwrap_or_default();
    let unset = req.unset.unwrap_or_default();
    let updated =
        crate::update::update_partial(&s, &caller, &id, req.user_id.as_deref(), &set, &unset)
            .await?;
    let activity = render::activity(&s.store, &updated).await?;
    ops::announce(&s, "feeds.activity.updated", &updated, &activity).await;
    Ok(Json(ActivityReply { activity }))
}

pub async fn update_activities_partial_batch(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Body(req): Body<PartialBatchRequest>,
) -> Reply<ActivitiesReply> {
    let changes = req
        .changes
        .ok_or_else(|| ApiError::field("changes", "changes is a required field"))?;
    tributary_domain::validate::batch_len("changes", changes.len())?;
    let mut ids = Vec::with_capacity(changes.len());
    for (i, change) in changes.iter().enumerate() {
        let id = change
            .activity_id
            .clone()
            .filter(|id| !id.is_empty())
            .ok_or_else(|| {
                ApiError::field(
                    format!("changes[{i}].activity_id"),
                    "activity_id is a required field",
                )
            })?;
        if ids.contains(&id) {
            return Err(ApiError::field(
                format!("changes[{i}].activity_id"),
                format!("activity '{id}' appears more than once in the batch"),
            )
            .into());
        }
        ids.push(id);
    }
    let mut updated = Vec::with_capacity(changes.len());
    for (i, (change, id)) in changes.into_iter().zip(&ids).enumerate() {
        let set = change.set.unwrap_or_default();
        let unset = change.unset.unwrap_or_default();
        let activity =
            crate::update::update_partial(&s, &caller, id, req.user_id.as_deref(), &set, &unset)
                .await
                .map_err(|e| e.within(&format!("changes[{i}]")))?;
        updated.push(activity);
    }
    let activities = render::activities(&s.store, &updated).await?;
    Ok(Json(ActivitiesReply {
        activities,
        next: None,
    }))
}

pub async fn delete_activity(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
    QueryParams(q): QueryParams<DeleteActivityQuery>,
) -> Reply<EmptyReply> {
    ops::delete(
        &s,
        &caller,
        &id,
        q.hard_delete.unwrap_or(false),
        q.user_id.as_deref(),
    )
    .await?;
    Ok(Json(EmptyReply {}))
}

pub async fn delete_activities(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Body(req): Body<DeleteActivitiesRequest>,
) -> Reply<DeletedActivitiesReply> {
    let ids = req
        .ids
        .ok_or_else(|| ApiError::field("ids", "ids is a required field"))?;
    let deleted =
        ops::delete_many(&s, &caller, ids, req.hard_delete, req.user_id.as_deref()).await?;
    Ok(Json(DeletedActivitiesReply {
        deleted_ids: deleted,
    }))
}

pub async fn restore_activity(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
    Body(req): Body<RestoreRequest>,
) -> Reply<ActivityReply> {
    let activity = ops::restore(&s, &caller, &id, req.user_id.as_deref()).await?;
    Ok(Json(ActivityReply { activity }))
}

pub async fn query_activities(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Body(req): Body<crate::query::QueryActivitiesRequest>,
) -> Reply<ActivitiesReply> {
    let (activities, next) = crate::query::query(&s, &caller, &req).await?;
    Ok(Json(ActivitiesReply { activities, next }))
}

#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct FeedbackRequest {
    hide: Option<bool>,
    show_less: Option<bool>,
    show_more: Option<bool>,
    user_id: Option<String>,
}

/// `activity_feedback`: hide (for this user only), show_less, show_more. The feedback is
/// stored beside the activity; `hide` also marks it hidden in the user's reads.
pub async fn activity_feedback(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
    Body(req): Body<FeedbackRequest>,
) -> Reply<FeedbackReply> {
    let user = caller.require_user(req.user_id.as_deref())?;
    let activity = s
        .store
        .get_activity(&id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("activity '{id}' does not exist")))?;
    s.store
        .require_on_activity(&caller, &activity, Capability::ReadActivities)
        .await?;
    let feedback = tributary_store::Feedback {
        hide: req.hide,
        show_less: req.show_less,
        show_more: req.show_more,
    };
    s.store
        .put_feedback(&id, &user, feedback, tributary_domain::time::now_nanos())
        .await?;
    if let Some(hide) = req.hide {
        s.store
            .mark_activities(&user, "hidden", std::slice::from_ref(&id), hide)
            .await?;
    }
    Ok(Json(FeedbackReply { activity_id: id }))
}
