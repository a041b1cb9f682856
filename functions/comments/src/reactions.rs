//! Reactions to comments: the reactions family's rules, with the comment as the subject.

use axum::extract::{Path, State};
use axum::Json;
use serde_json::json;
use tributary_domain::model::comment::Comment;
use tributary_domain::model::reaction::{Reaction, Subject};
use tributary_domain::ApiError;
use tributary_http::{AppState, Auth, Body, QueryParams};
use tributary_tasks::notifications::{self, Notice};

use tributary_http::HttpResult;
use tributary_reactions::reply::{page, reactions_json, DeleteQuery, ReactionsPage};
use tributary_reactions::{self as rules, AddReactionRequest, On, QueryReactionsRequest};
use tributary_v3::replies::{OnComment, ReactionReply};

type Reply = HttpResult<Json<ReactionReply<OnComment>>>;

/// The reply, and the realtime event `kind` about it for the watchers of the comment's
/// activity.
async fn comment_and_reaction(s: &AppState, c: &Comment, r: &Reaction, kind: &str) -> Reply {
    let comment = crate::handlers::one(s, c).await?;
    let reaction = reactions_json(s, std::slice::from_ref(r)).await?.remove(0);
    let fields = json!({ "comment": comment, "reaction": reaction });
    crate::handlers::announce(s, kind, c, fields).await?;
    Ok(Json(ReactionReply {
        subject: OnComment { comment },
        reaction,
    }))
}

pub async fn add(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
    Body(req): Body<AddReactionRequest>,
) -> Reply {
    let notify = req.create_notification_activity == Some(true);
    let copy_custom = req.copy_custom_to_notification == Some(true);
    let r = rules::add(&s, &caller, Subject::Comment(&id), req).await?;
    let c = crate::ops::load(&s, &id).await?;
    if notify {
        let notice = Notice {
            kind: "comment_reaction",
            actor: r.user_id.clone(),
            recipient: c.user_id.clone(),
            cause: rules::notification_cause(&r),
            target: json!({"id": c.object_id, "type": c.object_type, "user_id": c.user_id,
                           "comment": {"id": c.id, "comment": c.text.as_deref().unwrap_or(""),
                                       "user_id": c.user_id}}),
            text: format!("{} reacted with {} to your comment", r.user_id, r.kind),
            custom: if copy_custom {
                r.custom.clone()
            } else {
                Default::default()
            },
            deduplicate: true,
        };
        s.notify(notice).await?;
    }
    comment_and_reaction(&s, &c, &r, "feeds.comment.reaction.added").await
}

pub async fn delete(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Path((id, kind)): Path<(String, String)>,
    QueryParams(q): QueryParams<DeleteQuery>,
) -> Reply {
    let r = rules::delete(
        &s,
        &caller,
        Subject::Comment(&id),
        &kind,
        q.user_id.as_deref(),
    )
    .await?;
    let c = crate::ops::load(&s, &id).await?;
    if q.delete_notification_activity == Some(true) {
        let cause = rules::notification_cause(&r);
        notifications::retract(&s.store, "comment_reaction", &cause, &c.user_id).await?;
    }
    comment_and_reaction(&s, &c, &r, "feeds.comment.reaction.deleted").await
}

pub async fn query(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
    Body(req): Body<QueryReactionsRequest>,
) -> HttpResult<Json<ReactionsPage>> {
    Ok(Json(page(&s, &caller, On::Comments, &[id], &req).await?))
}

pub async fn batch_query(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Body(req): Body<QueryReactionsRequest>,
) -> HttpResult<Json<ReactionsPage>> {
    let ids = req
        .comment_ids
        .clone()
        .ok_or_else(|| ApiError::field("comment_ids", "comment_ids is a required field"))?;
    tributary_domain::validate::batch_len("comment_ids", ids.len())?;
    Ok(Json(page(&s, &caller, On::Comments, &ids, &req).await?))
}
