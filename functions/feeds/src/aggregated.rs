//! Reading aggregated and notification feeds: their activity groups, newest-updated first,
//! with each group's activities, and (for notification feeds) the read/seen status; and
//! marking groups read or seen.
//!
//! A group is read when it was marked read (by itself, or everything at once) at or after
//! its last update; seen likewise. So marking everything is one write, and a group that
//! gains an activity afterwards is unread again.

use std::collections::{HashMap, HashSet};

use axum::extract::{Path, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tributary_domain::aggregation;
use tributary_domain::caller::Caller;
use tributary_domain::model::feed_group::FeedGroup;
use tributary_domain::time::{now_nanos, Nanos};
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

/// Groups counted for `unread`/`unseen` at most (the newest); more show as this number.
pub const STATUS_CAP: usize = 100;

/// How a group behaves: aggregated, and whether it tracks read and seen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Kind {
    pub aggregated: bool,
    pub track_read: bool,
    pub track_seen: bool,
}

impl Kind {
    pub fn of(group: &FeedGroup) -> Kind {
        let notification = group.settings.get("notification").filter(|v| v.is_object());
        let flag = |name: &str| {
            notification
                .and_then(|n| n.get(name))
                .and_then(Value::as_bool)
                .unwrap_or(notification.is_some())
        };
        Kind {
            aggregated: aggregation::format_of(&group.settings).is_some(),
            track_read: flag("track_read"),
            track_seen: flag("track_seen"),
        }
    }

    pub fn is_notification(self) -> bool {
        self.track_read || self.track_seen
    }
}

fn is_read(g: &ActivityGroup, state: &NotificationState) -> bool {
    g.read_at
        .max(state.last_read_at)
        .is_some_and(|t| t >= g.updated_at)
}

fn is_seen(g: &ActivityGroup, state: &NotificationState) -> bool {
    g.seen_at
        .max(state.last_seen_at)
        .is_some_and(|t| t >= g.updated_at)
}

#[derive(Debug, Serialize, Deserialize)]
struct GroupCursor {
    after: String,
}

/// `mark_read` / `mark_seen` as a read or `mark_activity` sends them: everything, or ids
/// (of groups or of activities in them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Marks {
    All,
    Ids(Vec<String>),
}

impl Marks {
    /// `true`, a list of ids, or a comma-separated string of them.
    pub fn parse(field: &str, v: Option<&Value>) -> ApiResult<Option<Marks>> {
        match v {
            None | Some(Value::Null) | Some(Value::Bool(false)) => Ok(None),
            Some(Value::Bool(true)) => Ok(Some(Marks::All)),
            Some(Value::String(s)) if s == "true" => Ok(Some(Marks::All)),
            Some(Value::String(s)) => Ok(Some(Marks::Ids(
                s.split(',')
                    .map(str::trim)
                    .filter(|x| !x.is_empty())
                    .map(str::to_string)
                    .collect(),
            ))),
            Some(Value::Array(list)) => list
                .iter()
                .map(|x| {
                    x.as_str().map(str::to_string).ok_or_else(|| {
                        ApiError::field(field, format!("{field} must list ids as strings"))
                    })
                })
                .collect::<ApiResult<Vec<_>>>()
                .map(|ids| (!ids.is_empty()).then_some(Marks::Ids(ids))),
            Some(_) => Err(ApiError::field(
                field,
                format!("{field} must be true or a list of ids"),
            )),
        }
    }
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
    let state = if kind.is_notification() {
        s.store.notification_state(fid).await?
    } else {
        NotificationState::default()
    };
    let (groups, more) = if limit == 0 {
        (Vec::new(), None)
    } else {
        s.store.groups_page(fid, limit, after.as_deref()).await?
    };
    let ids: Vec<String> = groups
        .iter()
        .flat_map(|g| g.positions.iter().map(|p| id_of(p).to_string()))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let found = s.store.get_activities(&ids).await?;
    let now = now_nanos();
    let mut list: Vec<_> = found
        .into_values()
        .filter(|a| a.deleted_at.is_none() && a.content.expires_at.is_none_or(|e| e > now))
        .collect();
    list.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
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
    let since = match (state.last_read_at, state.last_seen_at) {
        (Some(r), Some(v)) => Some(r.min(v)),
        _ => None,
    };
    let recent = s.store.groups_updated_since(fid, since, STATUS_CAP).await?;
    let unread = recent.iter().filter(|g| !is_read(g, state)).count();
    let unseen = recent.iter().filter(|g| !is_seen(g, state)).count();
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

/// Applies marks. Ids may name groups or activities in them; an id that is neither, among
/// the feed's recent groups, is refused (code 4) and nothing is marked.
pub async fn apply_marks(
    s: &AppState,
    fid: &str,
    read: Option<Marks>,
    seen: Option<Marks>,
    now: Nanos,
) -> ApiResult<()> {
    let all_read = read == Some(Marks::All);
    let all_seen = seen == Some(Marks::All);
    let ids = |m: &Option<Marks>| match m {
        Some(Marks::Ids(ids)) => ids.clone(),
        _ => Vec::new(),
    };
    let (read_ids, seen_ids) = (ids(&read), ids(&seen));
    if !read_ids.is_empty() || !seen_ids.is_empty() {
        let recent = s.store.groups_updated_since(fid, None, 1000).await?;
        let resolve = |field: &str, wanted: &[String]| -> ApiResult<Vec<String>> {
            wanted
                .iter()
                .map(|id| {
                    recent
                        .iter()
                        .find(|g| g.group == *id || g.positions.iter().any(|p| id_of(p) == id))
                        .map(|g| g.group.clone())
                        .ok_or_else(|| {
                            ApiError::field(
                                field,
                                format!(
                                    "{field}: '{id}' is not a group or activity of feed '{fid}'"
                                ),
                            )
                        })
                })
                .collect()
        };
        let read_groups = resolve("mark_read", &read_ids)?;
        let seen_groups = resolve("mark_seen", &seen_ids)?;
        let both: Vec<String> = read_groups
            .iter()
            .filter(|g| seen_groups.contains(g))
            .cloned()
            .collect();
        let only = |list: &[String]| -> Vec<String> {
            list.iter().filter(|g| !both.contains(g)).cloned().collect()
        };
        s.store.mark_groups(fid, &both, true, true, now).await?;
        s.store
            .mark_groups(fid, &only(&read_groups), true, false, now)
            .await?;
        s.store
            .mark_groups(fid, &only(&seen_groups), false, true, now)
            .await?;
    }
    s.store.mark_all(fid, all_read, all_seen, now).await
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
    apply_marks(&s, &fid, read, seen, now_nanos()).await?;
    // Watching is the reader's own: stories they saw, wherever they saw them.
    if let Some(Marks::Ids(ids)) = Marks::parse("mark_watched", req.mark_watched.as_ref())? {
        let watcher = acting.clone().unwrap_or_else(|| id.clone());
        s.store
            .mark_activities(&watcher, "watched", &ids, true)
            .await?;
    }
    Ok(Json(EmptyReply {}))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn marks() {
        assert_eq!(
            Marks::parse("m", Some(&json!(true))).unwrap(),
            Some(Marks::All)
        );
        assert_eq!(Marks::parse("m", None).unwrap(), None);
        assert_eq!(
            Marks::parse("m", Some(&json!("a, b"))).unwrap(),
            Some(Marks::Ids(vec!["a".into(), "b".into()]))
        );
        assert_eq!(
            Marks::parse("m", Some(&json!(["a"]))).unwrap(),
            Some(Marks::Ids(vec!["a".into()]))
        );
        assert!(Marks::parse("m", Some(&json!(3))).is_err());
    }

    #[test]
    fn read_and_seen_follow_the_latest_update() {
        let g = ActivityGroup {
            fid: "n:a".into(),
            group: "g".into(),
            positions: vec![],
            activity_count: 1,
            user_count: 1,
            created_at: 10,
            updated_at: 20,
            read_at: Some(15),
            seen_at: None,
        };
        let none = NotificationState::default();
        assert!(!is_read(&g, &none));
        let all = NotificationState {
            last_read_at: Some(25),
            last_seen_at: Some(20),
        };
        assert!(is_read(&g, &all));
        assert!(is_seen(&g, &all));
        let mut later = g.clone();
        later.read_at = Some(20);
        assert!(is_read(&later, &none));
    }
}
