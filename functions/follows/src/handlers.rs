//! Thin HTTP handlers for the follows family.

use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use tributary_domain::caller::Caller;
use tributary_domain::model::follow::Follow;
use tributary_domain::validate::batch_len;
use tributary_domain::{ApiError, ApiResult};
use tributary_http::{AppState, Auth, Body, HttpResult, QueryParams};
use tributary_tasks::notifications;
use tributary_v3::render::{self, FollowResponse};
use tributary_v3::replies::{FollowReply, FollowsReply, UnfollowReply};

use crate::query::{self, QueryFollowsRequest};
use tributary_core::follows::{self as ops, FollowRequest};

async fn one(s: &AppState, f: &Follow) -> ApiResult<FollowResponse> {
    Ok(render::follows(&s.store, std::slice::from_ref(f))
        .await?
        .remove(0))
}

async fn reply(s: &AppState, f: &Follow, created: Option<bool>) -> HttpResult<Json<FollowReply>> {
    Ok(Json(FollowReply {
        follow: one(s, f).await?,
        created,
    }))
}

/// Follow (`UPSERT` false) and get-or-create a follow (true, which says whether it
/// `created` one).
pub async fn follow<const UPSERT: bool>(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Body(req): Body<FollowRequest>,
) -> HttpResult<Json<FollowReply>> {
    let (f, created) = ops::follow(&s, &caller, req, UPSERT).await?;
    let replied = reply(&s, &f, UPSERT.then_some(created)).await?;
    if created || !UPSERT {
        announce(&s, "feeds.follow.created", &f, &replied.follow).await;
    }
    Ok(replied)
}

/// Queues the realtime event about a follow for the watchers of both its feeds.
async fn announce<T: serde::Serialize>(s: &AppState, kind: &str, f: &Follow, follow: &T) {
    let event = serde_json::json!({
        "type": kind,
        "follow": follow,
        "created_at": tributary_domain::time::now_nanos(),
        "custom": {},
    });
    let fids = vec![f.source.clone(), f.target.clone()];
    s.publish(vec![tributary_tasks::realtime::RealtimeTask::publish(
        event, fids,
    )])
    .await;
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct FollowBatchRequest {
    follows: Option<Vec<FollowRequest>>,
    create_users: Option<bool>,
}

/// A batch of follows (`UPSERT` false) or of get-or-create follows (true).
pub async fn batch<const UPSERT: bool>(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Body(req): Body<FollowBatchRequest>,
) -> HttpResult<Json<FollowsReply>> {
    let (s, caller, upsert) = (&s, &caller, UPSERT);
    let create_users = req.create_users;
    let follows = req
        .follows
        .ok_or_else(|| ApiError::field("follows", "follows is a required field"))?;
    batch_len("follows", follows.len())?;
    // Every pair is checked before anything is written.
    for (i, f) in follows.iter().enumerate() {
        ops::Pair::parse(f.source.as_deref(), f.target.as_deref())
            .map_err(|e| e.within(&format!("follows[{i}]")))?;
    }
    let mut all = Vec::new();
    let mut created = Vec::new();
    for (i, mut f) in follows.into_iter().enumerate() {
        f.create_users = f.create_users.or(create_users);
        let (follow, new) = ops::follow(s, caller, f, upsert)
            .await
            .map_err(|e| e.within(&format!("follows[{i}]")))?;
        if new {
            created.push(follow.clone());
        }
        all.push(follow);
    }
    let all = render::follows(&s.store, &all).await?;
    let new = created;
    let created = render::follows(&s.store, &new).await?;
    for (f, rendered) in new.iter().zip(&created) {
        announce(s, "feeds.follow.created", f, rendered).await;
    }
    Ok(Json(FollowsReply {
        follows: all,
        created: Some(created),
        next: None,
    }))
}

pub async fn update_follow(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Body(req): Body<FollowRequest>,
) -> HttpResult<Json<FollowReply>> {
    let f = ops::update(&s, &caller, req).await?;
    let replied = reply(&s, &f, None).await?;
    announce(&s, "feeds.follow.updated", &f, &replied.follow).await;
    Ok(replied)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct DecisionRequest {
    source: Option<String>,
    target: Option<String>,
    follower_role: Option<String>,
}

/// Accepts (`ACCEPT` true) or rejects a pending follow.
pub async fn decide<const ACCEPT: bool>(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Body(req): Body<DecisionRequest>,
) -> HttpResult<Json<FollowReply>> {
    let role = if ACCEPT { req.follower_role } else { None };
    let (source, target) = (req.source.as_deref(), req.target.as_deref());
    let f = ops::decide(&s, &caller, source, target, ACCEPT, role).await?;
    let replied = reply(&s, &f, None).await?;
    announce(&s, "feeds.follow.updated", &f, &replied.follow).await;
    Ok(replied)
}

pub async fn query_follows(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Body(req): Body<QueryFollowsRequest>,
) -> HttpResult<Json<FollowsReply>> {
    let (follows, next) = query::query(&s, &caller, req).await?;
    let follows = render::follows(&s.store, &follows).await?;
    Ok(Json(FollowsReply {
        follows,
        created: None,
        next,
    }))
}

#[derive(Debug, Default, Deserialize)]
pub struct UnfollowQuery {
    keep_history: Option<bool>,
    delete_notification_activity: Option<bool>,
}

pub async fn unfollow(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Path((source, target)): Path<(String, String)>,
    QueryParams(q): QueryParams<UnfollowQuery>,
) -> HttpResult<Json<FollowReply>> {
    let keep = q.keep_history.unwrap_or(false);
    let f = ops::unfollow(&s, &caller, Some(&source), Some(&target), keep, false).await?;
    let f = f.ok_or_else(|| ApiError::not_found("the follow does not exist"))?;
    if q.delete_notification_activity == Some(true) {
        if let Some(target) = s.store.get_feed(&f.target).await? {
            let cause = ops::notification_cause(&f.source, &f.target);
            notifications::retract(&s.store, "follow", &cause, &target.created_by_id).await?;
        }
    }
    let replied = reply(&s, &f, None).await?;
    announce(&s, "feeds.follow.deleted", &f, &replied.follow).await;
    Ok(replied)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct UnfollowPair {
    source: Option<String>,
    target: Option<String>,
    #[serde(default)]
    keep_history: bool,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct UnfollowBatchRequest {
    follows: Option<Vec<UnfollowPair>>,
}

/// A batch of unfollows; with `TOLERANT`, pairs that do not follow are skipped instead of
/// refused (get-or-create).
pub async fn unfollow_many<const TOLERANT: bool>(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Body(req): Body<UnfollowBatchRequest>,
) -> HttpResult<Json<FollowsReply>> {
    let (s, caller, tolerant): (&AppState, &Caller, bool) = (&s, &caller, TOLERANT);
    let pairs = req
        .follows
        .ok_or_else(|| ApiError::field("follows", "follows is a required field"))?;
    batch_len("follows", pairs.len())?;
    for (i, p) in pairs.iter().enumerate() {
        let pair = ops::Pair::parse(p.source.as_deref(), p.target.as_deref())
            .map_err(|e| e.within(&format!("follows[{i}]")))?;
        if !tolerant
            && s.store
                .get_follow(&pair.source.to_string(), &pair.target.to_string())
                .await?
                .is_none()
        {
            return Err(ApiError::not_found(format!(
                "follows[{i}]: feed '{}' does not follow '{}'",
                pair.source, pair.target
            ))
            .into());
        }
    }
    let mut removed = Vec::new();
    for p in pairs {
        if let Some(f) = ops::unfollow(
            s,
            caller,
            p.source.as_deref(),
            p.target.as_deref(),
            p.keep_history,
            true,
        )
        .await?
        {
            removed.push(f);
        }
    }
    let follows = render::follows(&s.store, &removed).await?;
    Ok(Json(FollowsReply {
        follows,
        created: None,
        next: None,
    }))
}

pub async fn get_or_create_unfollow(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Body(req): Body<UnfollowPair>,
) -> HttpResult<Json<UnfollowReply>> {
    let f = ops::unfollow(
        &s,
        &caller,
        req.source.as_deref(),
        req.target.as_deref(),
        req.keep_history,
        true,
    )
    .await?;
    let follow = match &f {
        Some(f) => Some(one(&s, f).await?),
        None => None,
    };
    Ok(Json(UnfollowReply {
        deleted: follow.is_some(),
        follow,
    }))
}
