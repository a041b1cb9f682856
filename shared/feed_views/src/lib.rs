//! Feed reads rendered for v3 that more than one function shows: a page of an aggregated or
//! notification feed's groups, newest-updated first, with each group's activities and (for
//! notification feeds) the read/seen status. The feeds family answers reads with it; the task
//! worker sends it in `feeds.notification_feed.updated` events.
//!
//! A group is read when it was marked read (by itself, or everything at once) at or after
//! its last update; seen likewise (`tributary_core::groups`).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tributary_core::groups::{self, is_read, is_seen, Kind};
use tributary_domain::time::now_nanos;
use tributary_domain::ApiResult;
use tributary_http::AppState;
use tributary_store::walk::id_of;
use tributary_store::{ActivityGroup, NotificationState};
use tributary_v3::feed_read::{AggregatedActivityResponse, NotificationStatusResponse};
use tributary_v3::render::{self, Enrichment};
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

/// The first step of a page of `fid`'s groups from `next`, read before the feed is known
/// (see [`groups::read_ahead`]); `None` when `next` is not a group cursor (the page's own
/// read reports it).
pub async fn read_ahead(
    s: &AppState,
    fid: &str,
    limit: usize,
    next: Option<&str>,
) -> ApiResult<Option<groups::Ahead>> {
    let after = match next {
        Some(c) => match s.cursors.decode::<GroupCursor>("next", c) {
            Ok(cursor) => Some(cursor.after),
            Err(_) => return Ok(None),
        },
        None => None,
    };
    groups::read_ahead(s, fid, limit, after.as_deref())
        .await
        .map(Some)
}

/// What a page of groups reads and shows.
pub struct GroupsRequest<'a> {
    pub kind: Kind,
    pub viewer: Option<&'a str>,
    pub limit: usize,
    pub next: Option<&'a str>,
    pub enrich: Enrichment,
    /// The page's first step, when it was read ahead ([`read_ahead`]).
    pub ahead: Option<groups::Ahead>,
}

/// Reads a page of groups (and, for notification feeds, the status as it was before any
/// marking this read asks for).
pub async fn read(s: &AppState, fid: &str, req: GroupsRequest<'_>) -> ApiResult<GroupsPage> {
    let GroupsRequest {
        kind,
        viewer,
        limit,
        next,
        enrich,
        ahead,
    } = req;
    let after = match next {
        Some(c) => Some(s.cursors.decode::<GroupCursor>("next", c)?.after),
        None => None,
    };
    let (
        groups::Loaded {
            groups,
            activities: list,
            more,
            state,
        },
        counts,
    ) = groups::load_with_counts(
        s,
        fid,
        kind,
        limit,
        after.as_deref(),
        kind.is_notification(),
        ahead,
    )
    .await?;
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
    let status = counts.map(|counts| status_from(counts, &state));
    Ok(GroupsPage {
        aggregated,
        activities: rendered,
        next: more.map(|after| s.cursors.encode(&GroupCursor { after })),
        status,
    })
}

/// `unread`, `unseen` and the marks, from the groups updated since the older mark (at most
/// [`STATUS_CAP`] of them).
pub async fn status(
    s: &AppState,
    fid: &str,
    state: &NotificationState,
) -> ApiResult<NotificationStatusResponse> {
    Ok(status_from(groups::counts(s, fid, state).await?, state))
}

/// The status from counts already read.
fn status_from(counts: groups::Counts, state: &NotificationState) -> NotificationStatusResponse {
    let groups::Counts {
        unread,
        unseen,
        recent,
    } = counts;
    let marked = |pick: fn(&ActivityGroup, &NotificationState) -> bool| -> Vec<String> {
        recent
            .iter()
            .filter(|g| pick(g, state))
            .flat_map(|g| g.positions.iter().map(|p| id_of(p).to_string()))
            .collect()
    };
    NotificationStatusResponse {
        unread,
        unseen,
        last_read_at: state.last_read_at,
        last_seen_at: state.last_seen_at,
        read_activities: marked(is_read),
        seen_activities: marked(is_seen),
    }
}

/// Groups a notification event shows (the client replaces its page's groups with them).
const EVENT_GROUPS: usize = 25;

/// The `feeds.notification_feed.updated` event for the notification feed `fid`: its newest
/// groups and its status, as its owner reads them. `None` when notification feeds are off
/// (the group was deleted).
pub async fn notification_feed_event(s: &AppState, fid: &str) -> ApiResult<Option<Value>> {
    let (group, owner) = fid.split_once(':').unwrap_or((fid, ""));
    let Some(feed_group) = s
        .store
        .get_feed_group(group)
        .await?
        .filter(|g| g.deleted_at.is_none())
    else {
        return Ok(None);
    };
    let kind = Kind::of(&feed_group);
    let request = GroupsRequest {
        kind,
        viewer: Some(owner),
        limit: EVENT_GROUPS,
        next: None,
        enrich: Enrichment::from_options(None),
        ahead: None,
    };
    let page = read(s, fid, request).await?;
    Ok(Some(json!({
        "type": "feeds.notification_feed.updated",
        "fid": fid,
        "aggregated_activities": page.aggregated,
        "notification_status": page.status,
        "created_at": now_nanos(),
        "custom": {},
    })))
}
