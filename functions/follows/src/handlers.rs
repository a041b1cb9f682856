//! Thin HTTP handlers for the follows family.

use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use tributary_domain::validate::batch_len;
use tributary_domain::ApiError;
use tributary_domain::ApiResult;
use tributary_http::{AppState, Auth, Body, QueryParams};
use tributary_tasks::notifications;
use tributary_v3::render;

use crate::ops::{self, FollowRequest};
use crate::query::{self, QueryFollowsRequest};

type Reply = tributary_http::HttpResult<Json<Value>>;

async fn one(s: &AppState, f: &tributary_domain::model::follow::Follow) -> ApiResult<Value> {
    let rendered = render::follows(&s.store, std::slice::from_ref(f)).await?;
    Ok(serde_json::to_value(&rendered[0]).unwrap_or(Value::Null))
}

pub async fn follow(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Body(req): Body<FollowRequest>,
) -> Reply {
    let (f, _) = ops::follow(&s, &caller, req, false).await?;
    Ok(Json(json!({ "follow": one(&s, &f).await? })))
}

pub async fn get_or_create_follow(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Body(req): Body<FollowRequest>,
) -> Reply {
    let (f, created) = ops::follow(&s, &caller, req, true).await?;
    Ok(Json(
        json!({ "follow": one(&s, &f).await?, "created": created }),
    ))
}

#[derive(Debug, Deserialize)]
pub struct FollowBatchRequest {
    follows: Option<Vec<FollowRequest>>,
    create_users: Option<bool>,
}

async fn batch(
    s: &AppState,
    caller: &tributary_domain::caller::Caller,
    req: FollowBatchRequest,
    upsert: bool,
) -> Reply {
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
    let created = render::follows(&s.store, &created).await?;
    Ok(Json(json!({ "follows": all, "created": created })))
}

pub async fn follow_batch(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Body(req): Body<FollowBatchRequest>,
) -> Reply {
    batch(&s, &caller, req, false).await
}

pub async fn get_or_create_follows(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Body(req): Body<FollowBatchRequest>,
) -> Reply {
    batch(&s, &caller, req, true).await
}

pub async fn update_follow(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Body(req): Body<FollowRequest>,
) -> Reply {
    let f = ops::update(&s, &caller, req).await?;
    Ok(Json(json!({ "follow": one(&s, &f).await? })))
}

#[derive(Debug, Deserialize)]
pub struct DecisionRequest {
    source: Option<String>,
    target: Option<String>,
    follower_role: Option<String>,
}

pub async fn accept_follow(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Body(req): Body<DecisionRequest>,
) -> Reply {
    let f = ops::decide(
        &s,
        &caller,
        req.source.as_deref(),
        req.target.as_deref(),
        true,
        req.follower_role,
    )
    .await?;
    Ok(Json(json!({ "follow": one(&s, &f).await? })))
}

pub async fn reject_follow(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Body(req): Body<DecisionRequest>,
) -> Reply {
    let f = ops::decide(
        &s,
        &caller,
        req.source.as_deref(),
        req.target.as_deref(),
        false,
        None,
    )
    .await?;
    Ok(Json(json!({ "follow": one(&s, &f).await? })))
}

pub async fn query_follows(
    State(s): State<AppState>,
    Auth(_caller): Auth,
    Body(req): Body<QueryFollowsRequest>,
) -> Reply {
    let (follows, next) = query::query(&s, req).await?;
    let follows = render::follows(&s.store, &follows).await?;
    let mut body = json!({ "follows": follows });
    if let Some(next) = next {
        body["next"] = json!(next);
    }
    Ok(Json(body))
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
) -> Reply {
    let keep = q.keep_history.unwrap_or(false);
    let f = ops::unfollow(&s, &caller, Some(&source), Some(&target), keep, false).await?;
    let f = f.ok_or_else(|| ApiError::not_found("the follow does not exist"))?;
    if q.delete_notification_activity == Some(true) {
        if let Some(target) = s.store.get_feed(&f.target).await? {
            let cause = ops::notification_cause(&f.source, &f.target);
            notifications::retract(&s.store, "follow", &cause, &target.created_by_id).await?;
        }
    }
    Ok(Json(json!({ "follow": one(&s, &f).await? })))
}

#[derive(Debug, Deserialize)]
pub struct UnfollowPair {
    source: Option<String>,
    target: Option<String>,
    #[serde(default)]
    keep_history: bool,
}

#[derive(Debug, Deserialize)]
pub struct UnfollowBatchRequest {
    follows: Option<Vec<UnfollowPair>>,
}

async fn unfollow_many(
    s: &AppState,
    caller: &tributary_domain::caller::Caller,
    req: UnfollowBatchRequest,
    tolerant: bool,
) -> Reply {
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
    Ok(Json(json!({ "follows": follows })))
}

pub async fn unfollow_batch(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Body(req): Body<UnfollowBatchRequest>,
) -> Reply {
    unfollow_many(&s, &caller, req, false).await
}

pub async fn get_or_create_unfollows(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Body(req): Body<UnfollowBatchRequest>,
) -> Reply {
    unfollow_many(&s, &caller, req, true).await
}

pub async fn get_or_create_unfollow(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Body(req): Body<UnfollowPair>,
) -> Reply {
    let f = ops::unfollow(
        &s,
        &caller,
        req.source.as_deref(),
        req.target.as_deref(),
        req.keep_history,
        true,
    )
    .await?;
    let mut body = json!({ "deleted": f.is_some() });
    if let Some(f) = f {
        body["follow"] = one(&s, &f).await?;
    }
    Ok(Json(body))
}
