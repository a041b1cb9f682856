//! Aggregated and notification feeds' groups, for both dialects: how a group behaves
//! ([`Kind`]), when it counts as read or seen, loading a page of groups with their
//! activities, the unread/unseen counts, and marking groups read or seen.
//!
//! A group is read when it was marked read (by itself, or everything at once) at or after
//! its last update; seen likewise. So marking everything is one write, and a group that
//! gains an activity afterwards is unread again.

use std::collections::{HashMap, HashSet};

use serde_json::Value;
use tributary_domain::aggregation;
use tributary_domain::model::feed_group::FeedGroup;
use tributary_domain::model::Activity;
use tributary_domain::time::{now_nanos, Nanos};
use tributary_domain::ApiError;
use tributary_domain::ApiResult;
use tributary_http::AppState;
use tributary_store::walk::id_of;
use tributary_store::{ActivityGroup, GroupList, NotificationState};

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

pub fn is_read(g: &ActivityGroup, state: &NotificationState) -> bool {
    g.read_at
        .max(state.last_read_at)
        .is_some_and(|t| t >= g.updated_at)
}

pub fn is_seen(g: &ActivityGroup, state: &NotificationState) -> bool {
    g.seen_at
        .max(state.last_seen_at)
        .is_some_and(|t| t >= g.updated_at)
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

/// What the ids of a mark name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarkIds {
    /// Groups, or activities in them; any other id is refused (v3).
    GroupsOrActivities,
    /// Groups only; other ids are passed over (v2).
    Groups,
}

/// A page of groups, newest-updated first, with their live activities.
pub struct Loaded {
    pub groups: Vec<ActivityGroup>,
    /// The groups' activities that are not deleted or expired, newest first.
    pub activities: Vec<Activity>,
    /// Where the next page starts (the last group's key), when there is one.
    pub more: Option<String>,
    /// The feed's "mark all" state (default for feeds that do not track read or seen).
    pub state: NotificationState,
}

/// A page's first step, read from the feed's id alone ([`read_ahead`]): the names of its
/// groups and the feed's "mark all" state, so that a read can take them in the same step as
/// the feed and its group.
#[derive(Clone, Debug)]
pub struct Ahead {
    after: Option<String>,
    limit: usize,
    listed: GroupList,
    state: NotificationState,
}

/// Lists the groups a page of `fid` after `after` shows and reads the feed's state, at once.
/// A feed that turns out not to aggregate leaves them unused (two reads of half a unit).
pub async fn read_ahead(
    s: &AppState,
    fid: &str,
    limit: usize,
    after: Option<&str>,
) -> ApiResult<Ahead> {
    let (state, listed) =
        tokio::try_join!(s.store.notification_state(fid), list(s, fid, limit, after))?;
    Ok(Ahead {
        after: after.map(str::to_string),
        limit,
        listed,
        state,
    })
}

async fn list(s: &AppState, fid: &str, limit: usize, after: Option<&str>) -> ApiResult<GroupList> {
    if limit == 0 {
        Ok(GroupList::default())
    } else {
        s.store.list_groups(fid, limit, after).await
    }
}

/// Loads a page of `fid`'s groups after `after`: the feed's read/seen state and one Query
/// of group names at once (unless `ahead` read them already), then the groups, then one
/// BatchGetItem of their activities.
pub async fn load(
    s: &AppState,
    fid: &str,
    kind: Kind,
    limit: usize,
    after: Option<&str>,
) -> ApiResult<Loaded> {
    Ok(load_with_counts(s, fid, kind, limit, after, false, None)
        .await?
        .0)
}

/// [`load`], and with `counted` the feed's `unread`/`unseen` counts too, read beside the
/// page's groups and activities (they need only the state): with the first step read ahead,
/// a notification page's groups, activities and counts take two steps more.
pub async fn load_with_counts(
    s: &AppState,
    fid: &str,
    kind: Kind,
    limit: usize,
    after: Option<&str>,
    counted: bool,
    ahead: Option<Ahead>,
) -> ApiResult<(Loaded, Option<Counts>)> {
    let ahead = ahead.filter(|a| a.after.as_deref() == after && a.limit == limit);
    let (state, listed) = match ahead {
        Some(a) => (a.state, a.listed),
        None => tokio::try_join!(
            async {
                if kind.is_notification() {
                    s.store.notification_state(fid).await
                } else {
                    Ok(NotificationState::default())
                }
            },
            list(s, fid, limit, after),
        )?,
    };
    // A feed that does not track read or seen has no state, whatever was read ahead.
    let state = if kind.is_notification() {
        state
    } else {
        NotificationState::default()
    };
    // The page's groups beside the names of the groups counted; then the page's activities
    // beside whichever counted groups the page did not already read (most are the same).
    let (groups, counted_names) =
        tokio::try_join!(s.store.groups_in_order(fid, &listed.names), async {
            if counted {
                counted_names(s, fid, &state).await.map(Some)
            } else {
                Ok(None)
            }
        },)?;
    let ids: Vec<String> = groups
        .iter()
        .flat_map(|g| g.positions.iter().map(|p| id_of(p).to_string()))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let read: HashSet<&str> = groups.iter().map(|g| g.group.as_str()).collect();
    let unread: Vec<String> = counted_names
        .iter()
        .flatten()
        .filter(|n| !read.contains(n.as_str()))
        .cloned()
        .collect();
    let (found, more) = tokio::try_join!(
        s.store.get_activities(&ids),
        s.store.groups_in_order(fid, &unread),
    )?;
    let counts = counted_names.map(|names| {
        let by_name: HashMap<&str, &ActivityGroup> = groups
            .iter()
            .chain(&more)
            .map(|g| (g.group.as_str(), g))
            .collect();
        let recent = names
            .iter()
            .filter_map(|n| by_name.get(n.as_str()).map(|g| (*g).clone()))
            .collect();
        counts_of(recent, &state)
    });
    let now = now_nanos();
    let mut activities: Vec<Activity> = found
        .into_values()
        .filter(|a| a.deleted_at.is_none() && a.content.expires_at.is_none_or(|e| e > now))
        .collect();
    activities.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
    // A group none of whose activities is live any more (deleted, expired, unfollowed) is not
    // shown.
    let live: HashSet<&str> = activities.iter().map(|a| a.id.as_str()).collect();
    let mut groups = groups;
    groups.retain(|g| g.positions.iter().any(|p| live.contains(id_of(p))));
    Ok((
        Loaded {
            groups,
            activities,
            more: listed.next,
            state,
        },
        counts,
    ))
}

/// `unread` and `unseen`, and the groups they were counted from: those updated since the
/// older "mark all" (at most [`STATUS_CAP`]).
pub struct Counts {
    pub unread: usize,
    pub unseen: usize,
    pub recent: Vec<ActivityGroup>,
}

pub async fn counts(s: &AppState, fid: &str, state: &NotificationState) -> ApiResult<Counts> {
    let names = counted_names(s, fid, state).await?;
    let recent = s.store.groups_in_order(fid, &names).await?;
    Ok(counts_of(recent, state))
}

/// The names of the groups [`Counts`] are counted from.
async fn counted_names(
    s: &AppState,
    fid: &str,
    state: &NotificationState,
) -> ApiResult<Vec<String>> {
    let since = match (state.last_read_at, state.last_seen_at) {
        (Some(r), Some(v)) => Some(r.min(v)),
        _ => None,
    };
    s.store.groups_named_since(fid, since, STATUS_CAP).await
}

fn counts_of(recent: Vec<ActivityGroup>, state: &NotificationState) -> Counts {
    Counts {
        unread: recent.iter().filter(|g| !is_read(g, state)).count(),
        unseen: recent.iter().filter(|g| !is_seen(g, state)).count(),
        recent,
    }
}

/// Applies marks. With [`MarkIds::GroupsOrActivities`] (v3) ids name groups or activities in
/// them, and an id that is neither, among the feed's recent groups, is refused (code 4) and
/// nothing is marked; with [`MarkIds::Groups`] (v2) ids name groups only, and others are passed
/// over (v2 clients send activity ids and empty lists that are to mark nothing).
pub async fn apply_marks(
    s: &AppState,
    fid: &str,
    read: Option<Marks>,
    seen: Option<Marks>,
    now: Nanos,
    ids_name: MarkIds,
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
            let mut groups = Vec::new();
            for id in wanted {
                let found = recent.iter().find(|g| {
                    g.group == *id
                        || (ids_name == MarkIds::GroupsOrActivities
                            && g.positions.iter().any(|p| id_of(p) == id))
                });
                match found {
                    Some(g) => groups.push(g.group.clone()),
                    None if ids_name == MarkIds::GroupsOrActivities => {
                        return Err(ApiError::field(
                            field,
                            format!("{field}: '{id}' is not a group or activity of feed '{fid}'"),
                        ))
                    }
                    None => {}
                }
            }
            Ok(groups)
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
