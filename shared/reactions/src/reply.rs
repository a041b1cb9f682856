//! What the reaction endpoints answer, for activities and comments alike.

use serde::{Deserialize, Serialize};
use tributary_domain::caller::Caller;
use tributary_domain::model::reaction::Reaction;
use tributary_domain::ApiResult;
use tributary_http::AppState;
use tributary_v3::responses::{ReactionResponse, UserDirectory};

use crate::query::{self, On, QueryReactionsRequest};

/// The query parameters of deleting a reaction.
#[derive(Debug, Default, Deserialize)]
pub struct DeleteQuery {
    pub user_id: Option<String>,
    pub delete_notification_activity: Option<bool>,
}

/// A page of reactions, as the query endpoints answer it.
#[derive(Debug, Serialize)]
pub struct ReactionsPage {
    pub reactions: Vec<ReactionResponse>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// Reactions with their users, in one batched read of the users.
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

/// One page of the reactions to `ids`.
pub async fn page(
    s: &AppState,
    caller: &Caller,
    on: On,
    ids: &[String],
    req: &QueryReactionsRequest,
) -> ApiResult<ReactionsPage> {
    let (list, next) = query::query(s, caller, on, ids, req).await?;
    Ok(ReactionsPage {
        reactions: reactions_json(s, &list).await?,
        next,
    })
}
