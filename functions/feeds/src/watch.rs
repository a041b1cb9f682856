//! `stop_watching_feed`: a WebSocket connection stops receiving a feed's events (Stream's
//! client calls it when a feed it watched is no longer shown). Watching starts with a
//! watched read (`get_or_create.rs`).

use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use tributary_domain::caller::Caller;
use tributary_domain::validate::Fid;
use tributary_domain::{ApiError, ApiResult};
use tributary_http::{AppState, Auth, HttpResult, QueryParams};
use tributary_v3::replies::EmptyReply;

#[derive(Debug, Default, Deserialize)]
pub struct UnwatchQuery {
    connection_id: Option<String>,
}

/// Removes the connection's watch of the feed; removing a watch that is not there succeeds
/// too. Only the connection's own user (or the server) may: a user token naming another
/// user's connection is refused. A connection that is gone (closed, or never signed in)
/// belongs to no one any more, so what is left of its watch is removed for any caller with
/// an identity.
pub async fn stop(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Path((group, id)): Path<(String, String)>,
    QueryParams(q): QueryParams<UnwatchQuery>,
) -> HttpResult<Json<EmptyReply>> {
    let fid = Fid::parse("feed", &format!("{group}:{id}"))?.to_string();
    let connection = q.connection_id.filter(|c| !c.is_empty()).ok_or_else(|| {
        ApiError::field(
            "connection_id",
            "connection_id: name the WebSocket connection that stops watching the feed",
        )
    })?;
    may_unwatch(&s, &caller, &connection).await?;
    s.store.unwatch(&connection, &fid).await?;
    Ok(Json(EmptyReply {}))
}

async fn may_unwatch(s: &AppState, caller: &Caller, connection: &str) -> ApiResult<()> {
    match caller {
        Caller::Server => Ok(()),
        Caller::Anonymous => Err(ApiError::not_allowed(
            "anonymous users have no WebSocket connection to stop watching with",
        )),
        Caller::User(me) => match s.store.get_connection(connection).await? {
            Some(c) if c.user_id != *me => Err(ApiError::not_allowed(
                "the connection belongs to another user",
            )),
            _ => Ok(()),
        },
    }
}
