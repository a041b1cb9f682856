//! Thin HTTP handlers for feeds: extract, call the operation, shape the response.

use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use tributary_domain::ids;
use tributary_domain::ApiError;
use tributary_http::{AppState, Auth, Body, HttpResult, QueryParams};
use tributary_v3::feed_read::FeedReadResponse;
use tributary_v3::render;
use tributary_v3::replies::{FeedReply, FeedsReply, TaskReply};

use crate::get_or_create::{self as read, GetOrCreateFeedRequest};
use crate::ops::{self, FeedInput, FeedRequest};

/// The query of a feed read: a watched read names the WebSocket connection to subscribe.
#[derive(Debug, Default, Deserialize)]
pub struct ReadQuery {
    connection_id: Option<String>,
}

pub async fn get_or_create(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Path((group, id)): Path<(String, String)>,
    QueryParams(q): QueryParams<ReadQuery>,
    Body(mut req): Body<GetOrCreateFeedRequest>,
) -> HttpResult<Json<FeedReadResponse>> {
    req.connection_id = q.connection_id.or(req.connection_id);
    Ok(Json(
        read::get_or_create(&s, &caller, &group, &id, req).await?,
    ))
}

pub async fn update(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Path((group, id)): Path<(String, String)>,
    Body(input): Body<FeedInput>,
) -> HttpResult<Json<FeedReply>> {
    let fid = ops::parse_fid(&s, &group, &id).await?;
    let feed = ops::update(&s, &caller, &fid, input).await?;
    let feed = render::feeds(&s.store, std::slice::from_ref(&feed))
        .await?
        .remove(0);
    let event = serde_json::json!({"type": "feeds.feed.updated", "feed": feed,
                                   "created_at": tributary_domain::time::now_nanos(), "custom": {}});
    s.publish(vec![tributary_tasks::realtime::RealtimeTask::publish(
        event,
        vec![fid.to_string()],
    )])
    .await;
    Ok(Json(FeedReply { feed }))
}

#[derive(Debug, Default, Deserialize)]
pub struct DeleteQuery {
    hard_delete: Option<bool>,
}

pub async fn delete(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Path((group, id)): Path<(String, String)>,
    QueryParams(q): QueryParams<DeleteQuery>,
) -> HttpResult<Json<TaskReply>> {
    let fid = ops::parse_fid(&s, &group, &id).await?;
    ops::remove(&s, &caller, &fid, q.hard_delete.unwrap_or(false)).await?;
    Ok(Json(TaskReply {
        task_id: ids::new_id(),
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct CreateFeedsBatchRequest {
    feeds: Option<Vec<FeedRequest>>,
}

pub async fn create_batch(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Body(req): Body<CreateFeedsBatchRequest>,
) -> HttpResult<Json<FeedsReply>> {
    let items = req
        .feeds
        .ok_or_else(|| ApiError::field("feeds", "feeds is a required field"))?;
    let created = ops::create_batch(&s, &caller, items).await?;
    let feeds = render::feeds(&s.store, &created).await?;
    Ok(Json(FeedsReply { feeds, next: None }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct DeleteFeedsBatchRequest {
    feeds: Option<Vec<String>>,
    #[serde(default)]
    hard_delete: bool,
}

pub async fn delete_batch(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Body(req): Body<DeleteFeedsBatchRequest>,
) -> HttpResult<Json<TaskReply>> {
    let fids = req
        .feeds
        .ok_or_else(|| ApiError::field("feeds", "feeds is a required field"))?;
    ops::delete_batch(&s, &caller, &fids, req.hard_delete).await?;
    Ok(Json(TaskReply {
        task_id: ids::new_id(),
    }))
}
