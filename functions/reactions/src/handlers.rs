//! Thin HTTP handlers for reactions.

use axum::extract::{Path, State};
use axum::Json;
use tributary_domain::model::reaction::{Reaction, Subject};
use tributary_domain::model::Activity;
use tributary_domain::ApiError;
use tributary_domain::ApiResult;
use tributary_http::HttpResult;
use tributary_http::{AppState, Auth, Body, QueryParams};
use tributary_reactions::reply::{page, reactions_json, DeleteQuery, ReactionsPage};
use tributary_reactions::{self as ops, AddReactionRequest, QueryReactionsRequest};
use tributary_tasks::notifications;
use tributary_tasks::realtime;
use tributary_v3::render;
use tributary_v3::replies::{OnActivity, ReactionReply};

type Reply = HttpResult<Json<ReactionReply<OnActivity>>>;

/// The reply, and the realtime event `kind` about it for the activity's watchers.
async fn activity_and_reaction(s: &AppState, a: &Activity, r: &Reaction, kind: &str) -> Reply {
    let activity = render::activities_for(&s.store, std::slice::from_ref(a), Some(&r.user_id))
        .await?
        .remove(0);
    let reaction = reactions_json(s, std::slice::from_ref(r)).await?.remove(0);
    let fields = serde_json::json!({ "activity": activity, "reaction": reaction });
    s.publish(realtime::activity_events(kind, a, fields)).await;
    Ok(Json(ReactionReply {
        subject: OnActivity { activity },
        reaction,
    }))
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
        s.notify(ops::activity_notice(&reaction, &activity, copy_custom))
            .await?;
    }
    activity_and_reaction(&s, &activity, &reaction, "feeds.activity.reaction.added").await
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
    activity_and_reaction(&s, &activity, &reaction, "feeds.activity.reaction.deleted").await
}

async fn load_activity(s: &AppState, id: &str) -> ApiResult<Activity> {
    s.store
        .get_activity(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("activity '{id}' does not exist")))
}

pub async fn query(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Path(activity_id): Path<String>,
    Body(req): Body<QueryReactionsRequest>,
) -> HttpResult<Json<ReactionsPage>> {
    Ok(Json(
        page(&s, &caller, ops::On::Activities, &[activity_id], &req).await?,
    ))
}

pub async fn batch_query(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Body(req): Body<QueryReactionsRequest>,
) -> HttpResult<Json<ReactionsPage>> {
    let ids = req
        .activity_ids
        .clone()
        .ok_or_else(|| ApiError::field("activity_ids", "activity_ids is a required field"))?;
    tributary_domain::validate::batch_len("activity_ids", ids.len())?;
    Ok(Json(
        page(&s, &caller, ops::On::Activities, &ids, &req).await?,
    ))
}
