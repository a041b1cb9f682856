//! Thin HTTP handlers for comments.

use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{Map, Value};
use tributary_core::revisions::{self, Action};
use tributary_domain::access::Capability;
use tributary_domain::model::comment::Comment;
use tributary_domain::time::now_nanos;
use tributary_domain::validate::batch_len;
use tributary_domain::ApiError;
use tributary_domain::ApiResult;
use tributary_http::{AppState, Auth, Body, HttpResult, QueryParams};
use tributary_tasks::notifications;
use tributary_v3::render;
use tributary_v3::replies::{CommentReply, CommentsReply};
use tributary_v3::responses::CommentResponse;

use crate::ops::{self, AddCommentRequest, CommentChanges};
use crate::thread::{self, ThreadQuery};

/// Every handler answers with one of the v3 reply envelopes.
type Reply<T> = HttpResult<Json<T>>;

pub(crate) async fn one(s: &AppState, c: &Comment) -> ApiResult<CommentResponse> {
    Ok(ops::render(s, std::slice::from_ref(c)).await?.remove(0))
}

async fn reply(s: &AppState, c: &Comment) -> Reply<CommentReply> {
    Ok(Json(CommentReply {
        comment: one(s, c).await?,
        activity: None,
    }))
}

/// A comment with the activity it is on (`null` when it is on something else).
async fn reply_with_activity(s: &AppState, c: &Comment) -> Reply<CommentReply> {
    let found = if c.object_type == "activity" {
        s.store.get_activity(&c.object_id).await?
    } else {
        None
    };
    let activity = match found {
        Some(a) => Some(render::activity(&s.store, &a).await?),
        None => None,
    };
    Ok(Json(CommentReply {
        comment: one(s, c).await?,
        activity: Some(activity),
    }))
}

pub async fn add_comment(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Body(req): Body<AddCommentRequest>,
) -> Reply<CommentReply> {
    let notify = req.create_notification_activity == Some(true);
    let copy_custom = req.copy_custom_to_notification == Some(true);
    let c = ops::add(&s, &caller, req).await?;
    if notify {
        ops::notify_comment(&s, &c, copy_custom).await?;
    }
    reply_announced(&s, &c, "feeds.comment.added").await
}

/// Queues a realtime event about a comment on an activity (`fields`: the comment, and a
/// reaction to it) for the watchers of the activity's feeds, with the activity.
pub(crate) async fn announce(
    s: &AppState,
    kind: &str,
    c: &Comment,
    mut fields: Value,
) -> ApiResult<()> {
    if s.config.realtime_endpoint.is_none() || c.object_type != "activity" {
        return Ok(());
    }
    let Some(a) = s.store.get_activity(&c.object_id).await? else {
        return Ok(());
    };
    fields["activity"] =
        serde_json::to_value(render::activity(&s.store, &a).await?).unwrap_or_default();
    s.publish(tributary_tasks::realtime::activity_events(kind, &a, fields))
        .await;
    Ok(())
}

/// The reply about a comment, and the realtime event `kind` about it.
async fn reply_announced(s: &AppState, c: &Comment, kind: &str) -> Reply<CommentReply> {
    let replied = reply(s, c).await?;
    announce(s, kind, c, comment_field(&replied.comment)).await?;
    Ok(replied)
}

/// The comment of a reply, as an event's field.
fn comment_field<T: serde::Serialize>(comment: &T) -> Value {
    serde_json::json!({ "comment": comment })
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct BatchRequest {
    comments: Option<Vec<AddCommentRequest>>,
}

pub async fn add_comments_batch(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Body(req): Body<BatchRequest>,
) -> Reply<CommentsReply> {
    let list = req
        .comments
        .ok_or_else(|| ApiError::field("comments", "comments is a required field"))?;
    batch_len("comments", list.len())?;
    let mut added = Vec::with_capacity(list.len());
    for (i, c) in list.into_iter().enumerate() {
        added.push(
            ops::add(&s, &caller, c)
                .await
                .map_err(|e| e.within(&format!("comments[{i}]")))?,
        );
    }
    let comments = ops::render(&s, &added).await?;
    Ok(Json(CommentsReply {
        comments,
        sort: None,
        next: None,
    }))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct UserQuery {
    user_id: Option<String>,
    hard_delete: Option<bool>,
    delete_notification_activity: Option<bool>,
}

pub async fn get_comment(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
) -> Reply<CommentReply> {
    let c = ops::load(&s, &id).await?;
    ops::require_readable_object(&s, &caller, &c.object_type, &c.object_id).await?;
    reply(&s, &c).await
}

pub async fn update_comment(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
    Body(req): Body<CommentChanges>,
) -> Reply<CommentReply> {
    let acting = req.user_id.clone();
    let c = ops::update_with(&s, &caller, &id, acting.as_deref(), |current| {
        let mut next = current.clone();
        if let Some(t) = &req.comment {
            next.text = Some(t.clone());
        }
        if let Some(a) = &req.attachments {
            next.attachments = a.clone();
        }
        if let Some(m) = &req.mentioned_user_ids {
            next.mentioned_user_ids = m.clone();
        }
        if let Some(c) = &req.custom {
            next.custom = c.clone();
        }
        Ok(next)
    })
    .await?;
    reply_announced(&s, &c, "feeds.comment.updated").await
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct PartialRequest {
    #[schema(value_type = Option<Object>)]
    set: Option<Map<String, Value>>,
    unset: Option<Vec<String>>,
    user_id: Option<String>,
}

pub async fn update_comment_partial(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
    Body(req): Body<PartialRequest>,
) -> Reply<CommentReply> {
    let set = req.set.unwrap_or_default();
    let unset = req.unset.unwrap_or_default();
    let c = ops::update_with(&s, &caller, &id, req.user_id.as_deref(), |current| {
        tributary_domain::partial::apply_to_comment(current, &set, &unset)
    })
    .await?;
    reply_announced(&s, &c, "feeds.comment.updated").await
}

pub async fn delete_comment(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
    QueryParams(q): QueryParams<UserQuery>,
) -> Reply<CommentReply> {
    caller.acting_user(q.user_id.as_deref())?;
    let c = ops::load(&s, &id).await?;
    s.store
        .may_change_comment(&caller, &c, Capability::DeleteAnyComment)
        .await?;
    if q.delete_notification_activity == Some(true) {
        if let Some(recipient) = ops::comment_recipient(&s, &c).await? {
            notifications::retract(&s.store, "comment", &c.id, &recipient).await?;
        }
        for mentioned in &c.mentioned_user_ids {
            notifications::retract(&s.store, "comment_mention", &c.id, mentioned).await?;
        }
    }
    let shown = if q.hard_delete.unwrap_or(false) {
        s.store.delete_comment_hard(&c).await?;
        revisions::forget(&s, "comment", &c.id).await?;
        if c.object_type == "activity" {
            if let Some(a) = s.store.get_activity(&c.object_id).await? {
                ops::count_in_feeds(&s.store, &a.content.feeds, -1).await?;
            }
        }
        c
    } else {
        // Soft: the comment keeps its place (and its replies) and reads as deleted.
        let deleted = s
            .store
            .set_comment_deleted(&id, Some(now_nanos()), now_nanos())
            .await?;
        if deleted.is_some() && c.deleted_at.is_none() {
            revisions::comment(&s, &caller, Action::Delete, Some(&c), None).await?;
        }
        deleted.unwrap_or(c)
    };
    let replied = reply_with_activity(&s, &shown).await?;
    announce(
        &s,
        "feeds.comment.deleted",
        &shown,
        comment_field(&replied.comment),
    )
    .await?;
    Ok(replied)
}

pub async fn restore_comment(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
    Body(req): Body<UserQuery>,
) -> Reply<CommentReply> {
    caller.acting_user(req.user_id.as_deref())?;
    let c = ops::load(&s, &id).await?;
    s.store
        .may_change_comment(&caller, &c, Capability::DeleteAnyComment)
        .await?;
    let restored = match s.store.set_comment_deleted(&id, None, now_nanos()).await? {
        Some(restored) => {
            if c.deleted_at.is_some() {
                revisions::comment(&s, &caller, Action::Restore, Some(&c), Some(&restored)).await?;
            }
            restored
        }
        None => c,
    };
    reply_with_activity(&s, &restored).await
}

fn page_body(
    comments: Vec<CommentResponse>,
    next: Option<String>,
    sort: Option<&str>,
) -> CommentsReply {
    CommentsReply {
        comments,
        sort: Some(sort.unwrap_or("first").to_string()),
        next,
    }
}

pub async fn get_comments(
    State(s): State<AppState>,
    Auth(caller): Auth,
    QueryParams(q): QueryParams<ThreadQuery>,
) -> Reply<CommentsReply> {
    caller.acting_user(q.user_id.as_deref())?;
    let object_id = q
        .object_id
        .clone()
        .filter(|o| !o.is_empty())
        .ok_or_else(|| ApiError::field("object_id", "object_id is a required field"))?;
    let object_type = q.object_type.clone().unwrap_or_else(|| "activity".into());
    ops::require_readable_object(&s, &caller, &object_type, &object_id).await?;
    let (comments, next) = thread::thread(&s, &object_type, &object_id, None, &q).await?;
    Ok(Json(page_body(comments, next, q.sort.as_deref())))
}

pub async fn get_replies(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
    QueryParams(q): QueryParams<ThreadQuery>,
) -> Reply<CommentsReply> {
    caller.acting_user(q.user_id.as_deref())?;
    let parent = ops::load(&s, &id).await?;
    ops::require_readable_object(&s, &caller, &parent.object_type, &parent.object_id).await?;
    let (comments, next) = thread::thread(
        &s,
        &parent.object_type,
        &parent.object_id,
        Some(&parent.id),
        &q,
    )
    .await?;
    Ok(Json(page_body(comments, next, q.sort.as_deref())))
}

pub async fn query_comments(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Body(req): Body<crate::query::QueryCommentsRequest>,
) -> Reply<CommentsReply> {
    caller.acting_user(req.user_id.as_deref())?;
    let (comments, next) = crate::query::query(&s, &caller, &req).await?;
    Ok(Json(page_body(comments, next, req.sort.as_deref())))
}
