//! Aggregated and notification feeds through v3: their page of groups is
//! `tributary_feed_views` (the worker's notification events show it too; the group rules are
//! `tributary_core::groups`, shared with v2), and marking groups read or seen is here.
//!
//! Marking everything is one write, and a group that gains an activity afterwards is unread
//! again.

use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use serde_json::Value;
pub use tributary_core::groups::{apply_marks, Kind, MarkIds, Marks};
use tributary_domain::caller::Caller;
use tributary_domain::time::now_nanos;
use tributary_domain::validate::Fid;
use tributary_domain::ApiError;
pub use tributary_feed_views::{read, read_ahead, GroupsRequest};
use tributary_http::{AppState, Auth, Body};
use tributary_v3::replies::EmptyReply;

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct MarkRequest {
    mark_all_read: Option<bool>,
    mark_all_seen: Option<bool>,
    mark_read: Option<Value>,
    mark_seen: Option<Value>,
    mark_watched: Option<Value>,
    user_id: Option<String>,
}

/// `mark_activity`: marks groups (or everything) read or seen.
pub async fn mark(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Path((group, id)): Path<(String, String)>,
    Body(req): Body<MarkRequest>,
) -> tributary_http::HttpResult<Json<EmptyReply>> {
    let fid = Fid::parse("feed", &format!("{group}:{id}"))?;
    let acting = caller.acting_user(req.user_id.as_deref())?;
    // Only the feed's owner marks it: a user token must be the feed's user.
    if let (Caller::User(me), false) = (&caller, acting.as_deref() == Some(fid.id.as_str())) {
        return Err(ApiError::not_allowed(format!("user '{me}' may not mark feed '{fid}'")).into());
    }
    let fid = fid.to_string();
    let read = if req.mark_all_read == Some(true) {
        Some(Marks::All)
    } else {
        Marks::parse("mark_read", req.mark_read.as_ref())?
    };
    let seen = if req.mark_all_seen == Some(true) {
        Some(Marks::All)
    } else {
        Marks::parse("mark_seen", req.mark_seen.as_ref())?
    };
    apply_marks(
        &s,
        &fid,
        read,
        seen,
        now_nanos(),
        MarkIds::GroupsOrActivities,
    )
    .await?;
    // Watching is the reader's own: stories they saw, wherever they saw them.
    if let Some(Marks::Ids(ids)) = Marks::parse("mark_watched", req.mark_watched.as_ref())? {
        let watcher = acting.clone().unwrap_or_else(|| id.clone());
        s.store
            .mark_activities(&watcher, "watched", &ids, true)
            .await?;
    }
    Ok(Json(EmptyReply {}))
}
