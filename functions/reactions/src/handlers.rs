//! Thin HTTP handlers for reactions.

use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use tributary_core::http::{AppState, Auth, Body, QueryParams};
use tributary_core::model::reaction::{Reaction, Subject};
use tributary_core::model::response::{ReactionResponse, UserDirectory};
use tributary_core::model::Activity;
use tributary_core::notifications;
use tributary_core::{render, ApiError, ApiResult};

use crate::ops::{self, AddReactionRequest, QueryReactionsRequest};

type Reply = ApiResult<Json<Value>>;

pub async fn reactions_json(s: &AppState, list: &[Reaction]) -> ApiResult<Vec<ReactionResponse>> {
    let users = UserDirectory(
        s.store
            .get_users(list.iter().map(|r| r.user_id.as_str()))
            .await?,
    );
    Ok(list
        .iter()
        .map(|r| ReactionResponse::render(r, &users))
        .collect())
}

async fn activity_and_reaction(s: &AppState, a: &Activity, r: &Reaction) -> Reply {
    let activity = render::activities_for(&s.store, std::slice::from_ref(a), Some(&r.user_id))
        .await?
        .remove(0);
    let reaction = reactions_json(s, std::slice::from_ref(r)).await?.remove(0);
    Ok(Json(json!({ "activity": activity, "reaction": reaction })))
}

pub async fn add(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Path(activity_id): Path<String>,
    Body(req): Body<AddReactionRequest>,
) -> Reply {
    let notify = req.create_notification_activity == Some(true);
    let copy_custom = req.copy_custom_to_notification == Some(true);
    let reaction = ops::add(&s, &caller, Subject::Activity(&activity_id), req).await?;
    let activity = load_activity(&s, &activity_id).await?;
    if notify {
        notifications::notify(
            &s.store,
            ops::activity_notice(&reaction, &activity, copy_custom),
        )
        .await?;
    }
    activity_and_reaction(&s, &activity, &reaction).await
}

#[derive(Debug, Default, Deserialize)]
pub struct DeleteQuery {
    pub user_id: Option<String>,
    pub delete_notification_activity: Option<bool>,
}

pub async fn delete(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Path((activity_id, kind)): Path<(String, String)>,
    QueryParams(q): QueryParams<DeleteQuery>,
) -> Reply {
    let reaction = ops::delete(
        &s,
        &caller,
        Subject::Activity(&activity_id),
        &kind,
        q.user_id.as_deref(),
    )
    .await?;
    let activity = load_activity(&s, &activity_id).await?;
    if q.delete_notification_activity == Some(true) {
        let cause = ops::notification_cause(&reaction);
        notifications::retract(&s.store, "reaction", &cause, &activity.user_id).await?;
    }
    activity_and_reaction(&s, &activity, &reaction).await
}

async fn load_activity(s: &AppState, id: &str) -> ApiResult<Activity> {
    s.store
        .get_activity(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("activity '{id}' does not exist")))
}

/// A page of reactions as the query endpoints answer it.
pub async fn page(s: &AppState, on: ops::On, ids: &[String], req: &QueryReactionsRequest) -> Reply {
    let (list, next) = ops::query(s, on, ids, req).await?;
    let mut body = json!({ "reactions": reactions_json(s, &list).await? });
    if let Some(next) = next {
        body["next"] = json!(next);
    }
    Ok(Json(body))
}

pub async fn query(
    State(s): State<AppState>,
    Auth(_caller): Auth,
    Path(activity_id): Path<String>,
    Body(req): Body<QueryReactionsRequest>,
) -> Reply {
    page(&s, ops::On::Activities, &[activity_id], &req).await
}

pub async fn batch_query(
    State(s): State<AppState>,
    Auth(_caller): Auth,
    Body(req): Body<QueryReactionsRequest>,
) -> Reply {
    let ids = req
        .activity_ids
        .clone()
        .ok_or_else(|| ApiError::field("activity_ids", "activity_ids is a required field"))?;
    tributary_core::validate::batch_len("activity_ids", ids.len())?;
    page(&s, ops::On::Activities, &ids, &req).await
}
