//! Reading aggregated and notification feeds through v3 (the group rules are
//! `tributary_core::groups`, shared with v2): their activity groups, newest-updated first,
//! with each group's activities, and (for notification feeds) the read/seen status; and
//! marking groups read or seen.
//!
//! A group is read when it was marked read (by itself, or everything at once) at or after
//! its last update; seen likewise. So marking everything is one write, and a group that
//! gains an activity afterwards is unread again.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::Value;
pub use tributary_core::groups::{self, apply_marks, is_read, is_seen, Kind, MarkIds, Marks};
use tributary_domain::caller::Caller;
use tributary_domain::time::now_nanos;
use tributary_domain::validate::Fid;
use tributary_domain::ApiError;
use tributary_domain::ApiResult;
use tributary_http::{AppState, Auth, Body};
use tributary_store::walk::id_of;
use tributary_store::{ActivityGroup, NotificationState};
use tributary_v3::feed_read::{AggregatedActivityResponse, NotificationStatusResponse};
use tributary_v3::render::{self, Enrichment};
use tributary_v3::replies::EmptyReply;
use tributary_v3::responses::ActivityResponse;

#[derive(Debug, Serialize, Deserialize)]
struct GroupCursor {
    after: String,
}

/// What a read of an aggregated feed returns beside the feed.
pub struct GroupsPage {
    pub aggregated: Vec<AggregatedActivityResponse>,
    /// The activities of those groups, newest first.
    pub activities: Vec<ActivityResponse>,
    pub next: Option<String>,
    pub status: Option<NotificationStatusResponse>,
}

/// Reads a page of groups (and, for notification feeds, the status as it was before any
/// marking this read asks for).
pub async fn read(
    s: &AppState,
    fid: &str,
    kind: Kind,
    viewer: Option<&str>,
    limit: usize,
    next: Option<&str>,
    enrich: Enrichment,
) -> ApiResult<GroupsPage> {
    let after = match next {
        Some(c) => Some(s.cursors.decode::<GroupCursor>("next", c)?.after),
        None => None,
    };
    let groups::Loaded {
        groups,
        activities: list,
        more,
        state,
    } = groups::load(s, fid, kind, limit, after.as_deref()).await?;
    let (rendered, _) = render::activities_with_users(&s.store, &list, &[], viewer, enrich).await?;
    let by_id: HashMap<&str, &ActivityResponse> =
        rendered.iter().map(|a| (a.id.as_str(), a)).collect();
    let aggregated = groups
        .iter()
        .map(|g| {
            let activities = g
                .positions
                .iter()
                .filter_map(|p| by_id.get(id_of(p)).map(|a| (*a).clone()))
                .collect();
            AggregatedActivityResponse {
                group: g.group.clone(),
                activities,
                activity_count: g.activity_count,
                user_count: g.user_count,
                user_count_truncated: (g.activity_count as usize) > g.positions.len(),
                created_at: g.created_at,
                updated_at: g.updated_at,
                score: 0.0,
                is_read: kind.track_read.then(|| is_read(g, &state)),
                is_seen: kind.track_seen.then(|| is_seen(g, &state)),
            }
        })
        .collect();
    let status = if kind.is_notification() {
        Some(status(s, fid, &state).await?)
    } else {
        None
    };
    Ok(GroupsPage {
        aggregated,
        activities: rendered,
        next: more.map(|after| s.cursors.encode(&GroupCursor { after })),
        status,
    })
}

/// `unread`, `unseen` and the marks, from the groups updated since the older mark (at most
/// [`STATUS_CAP`] of them).
async fn status(
    s: &AppState,
    fid: &str,
    state: &NotificationState,
) -> ApiResult<NotificationStatusResponse> {
    let groups::Counts {
        unread,
        unseen,
        recent,
    } = groups::counts(s, fid, state).await?;
    let marked = |pick: fn(&ActivityGroup, &NotificationState) -> bool| -> Vec<String> {
        recent
            .iter()
            .filter(|g| pick(g, state))
            .flat_map(|g| g.positions.iter().map(|p| id_of(p).to_string()))
            .collect()
    };
    Ok(NotificationStatusResponse {
        unread,
        unseen,
        last_read_at: state.last_read_at,
        last_seen_at: state.last_seen_at,
        read_activities: marked(is_read),
        seen_activities: marked(is_seen),
    })
}

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
