//! Reactions to comments: the reactions family's rules, with the comment as the subject.

use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};
use tributary_core::http::{AppState, Auth, Body, QueryParams};
use tributary_core::model::reaction::{Reaction, Subject};
use tributary_core::{ApiError, ApiResult};

use ::reactions::handlers::{page, reactions_json};
use ::reactions::ops::{self as rules, AddReactionRequest, On, QueryReactionsRequest};

type Reply = ApiResult<Json<Value>>;

async fn comment_and_reaction(s: &AppState, id: &str, r: &Reaction) -> Reply {
    let c = crate::ops::load(s, id).await?;
    let comment = crate::ops::render(s, std::slice::from_ref(&c))
        .await?
        .remove(0);
    let reaction = reactions_json(s, std::slice::from_ref(r)).await?.remove(0);
    Ok(Json(json!({ "comment": comment, "reaction": reaction })))
}

pub async fn add(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
    Body(req): Body<AddReactionRequest>,
) -> Reply {
    let r = rules::add(&s, &caller, Subject::Comment(&id), req).await?;
    comment_and_reaction(&s, &id, &r).await
}

#[derive(Debug, Default, Deserialize)]
pub struct DeleteQuery {
    user_id: Option<String>,
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
    comment_and_reaction(&s, &id, &r).await
}

pub async fn query(
    State(s): State<AppState>,
    Auth(_c): Auth,
    Path(id): Path<String>,
    Body(req): Body<QueryReactionsRequest>,
) -> Reply {
    page(&s, On::Comments, &[id], &req).await
}

pub async fn batch_query(
    State(s): State<AppState>,
    Auth(_c): Auth,
    Body(req): Body<QueryReactionsRequest>,
) -> Reply {
    let ids = req
        .comment_ids
        .clone()
        .ok_or_else(|| ApiError::field("comment_ids", "comment_ids is a required field"))?;
    tributary_core::validate::batch_len("comment_ids", ids.len())?;
    page(&s, On::Comments, &ids, &req).await
}
