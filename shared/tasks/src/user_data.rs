// Over 400 lines: one task's phases, each a page of one kind of data, read in order.
//! Deleting and exporting everything a user has in the feeds: `delete_feed_user_data` and
//! `export_feed_user_data`.
//!
//! Both are background tasks with a record (`GET /api/v2/tasks/{id}`). The work runs on
//! the task queue as [`UserDataTask`] steps: each step handles one page of one kind of
//! data (activities, reactions, comments, follows, feeds) through the user's indexes, then
//! queues the next step, so no Lambda invocation holds more than a page whatever the user
//! has. Steps are safe to repeat: deleting what is gone does nothing, and an export part is
//! keyed by its step number.
//!
//! Deleting corrects every count the user's data was in: feeds' activity counts, the
//! reaction and comment counts of what they reacted to or commented on, and follower and
//! following counts. Soft deletion marks activities, comments and feeds deleted (reads
//! leave them out; comments keep their place in threads); hard deletion removes them.
//! Reactions, bookmarks (with their objects' counts), bookmark folders and follows are removed
//! either way.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::queue::TaskQueue;
use crate::records;
use tributary_domain::model::reaction::{Reaction, Subject};
use tributary_domain::model::Activity;
use tributary_domain::time::now_nanos;
use tributary_domain::ApiResult;
use tributary_store::keys::{self, SubjectKeys};
use tributary_store::walk::id_of;
use tributary_store::{latest_index, Slice, Store, TimePartition};

/// Items one step handles at most.
pub const PAGE: usize = 50;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Delete { hard: bool },
    Export,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Activities,
    Reactions,
    Bookmarks,
    BookmarkFolders,
    Comments,
    Follows,
    Feeds,
    User,
}

impl Phase {
    fn next(self) -> Option<Phase> {
        Some(match self {
            Phase::Activities => Phase::Reactions,
            Phase::Reactions => Phase::Bookmarks,
            Phase::Bookmarks => Phase::BookmarkFolders,
            Phase::BookmarkFolders => Phase::Comments,
            Phase::Comments => Phase::Follows,
            Phase::Follows => Phase::Feeds,
            Phase::Feeds => Phase::User,
            Phase::User => return None,
        })
    }

    fn section(self) -> &'static str {
        match self {
            Phase::Activities => "activities",
            Phase::Reactions => "reactions",
            Phase::Bookmarks => "bookmarks",
            Phase::BookmarkFolders => "bookmark_folders",
            Phase::Comments => "comments",
            Phase::Follows => "follows",
            Phase::Feeds => "feeds",
            Phase::User => "user",
        }
    }
}

/// One step of a user-data task, as it travels on the queue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserDataTask {
    pub task_id: String,
    pub user_id: String,
    pub action: Action,
    pub phase: Phase,
    /// Where the phase continues (an index position), when it reads by cursor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    /// Step number, which names export parts.
    #[serde(default)]
    pub seq: u64,
    /// Items handled so far.
    #[serde(default)]
    pub done: u64,
}

impl UserDataTask {
    pub fn start(task_id: &str, user_id: &str, action: Action) -> Self {
        UserDataTask {
            task_id: task_id.to_string(),
            user_id: user_id.to_string(),
            action,
            phase: Phase::Activities,
            after: None,
            seq: 0,
            done: 0,
        }
    }

    fn hard(&self) -> bool {
        matches!(self.action, Action::Delete { hard: true })
    }

    fn deleting(&self) -> bool {
        matches!(self.action, Action::Delete { .. })
    }
}

/// Runs one step; returns the step that continues the task, if any.
pub async fn step(
    store: &Store,
    queue: &TaskQueue,
    task: &UserDataTask,
) -> ApiResult<Option<UserDataTask>> {
    if task.seq == 0 && task.phase == Phase::Activities && task.after.is_none() {
        records::set_status(store, &task.task_id, "running", None, None).await?;
    }
    let (handled, after) = match task.phase {
        Phase::Activities => activities(store, queue, task).await?,
        Phase::Reactions => reactions(store, task).await?,
        Phase::Bookmarks => bookmarks(store, task).await?,
        Phase::BookmarkFolders => bookmark_folders(store, task).await?,
        Phase::Comments => comments(store, task).await?,
        Phase::Follows => follows(store, task).await?,
        Phase::Feeds => feeds(store, task).await?,
        Phase::User => user(store, task).await?,
    };
    let mut next = task.clone();
    next.seq += 1;
    next.done += handled as u64;
    match after {
        Some(position) => next.after = Some(position),
        None => match task.phase.next() {
            Some(phase) => {
                next.phase = phase;
                next.after = None;
            }
            None => {
                let result = match task.action {
                    Action::Delete { hard } => json!({"deleted": next.done, "hard_delete": hard}),
                    Action::Export => json!({"exported": next.done}),
                };
                records::set_status(store, &task.task_id, "completed", Some(result), None).await?;
                return Ok(None);
            }
        },
    }
    Ok(Some(next))
}

/// A page of positions from one of the user's index partitions.
async fn page(
    store: &Store,
    part: TimePartition,
    after: Option<&str>,
) -> ApiResult<(Vec<String>, Option<String>)> {
    let (from, to) = tributary_store::walk::bounds((None, None));
    let slice = Slice::oldest_first(&from, &to, PAGE);
    store.merged_positions(&[part], &slice, after).await
}

async fn export_part(store: &Store, task: &UserDataTask, items: Vec<Value>) -> ApiResult<()> {
    if items.is_empty() {
        return Ok(());
    }
    let part = json!({ "section": task.phase.section(), "items": items });
    records::put_part(store, &task.task_id, task.seq, &part).await
}

async fn activities(
    store: &Store,
    queue: &TaskQueue,
    task: &UserDataTask,
) -> ApiResult<(usize, Option<String>)> {
    let part = TimePartition::index(keys::GSI1, keys::activities_of_user(&task.user_id));
    let (positions, after) = page(store, part, task.after.as_deref()).await?;
    let ids: Vec<String> = positions.iter().map(|p| id_of(p).to_string()).collect();
    let found = store.get_activities(&ids).await?;
    let list: Vec<&Activity> = ids.iter().filter_map(|id| found.get(id)).collect();
    match task.action {
        Action::Export => {
            let items = list.iter().map(|a| json!(a)).collect();
            export_part(store, task, items).await?;
        }
        Action::Delete { hard: true } => {
            for a in &list {
                crate::fanout::remove_for_good(store, queue, a).await?;
            }
        }
        Action::Delete { hard: false } => {
            let now = now_nanos();
            for a in list.iter().filter(|a| a.deleted_at.is_none()) {
                store.set_activity_deleted(&a.id, Some(now), now).await?;
            }
        }
    }
    Ok((list.len(), after))
}

/// The reaction a position of the user's reaction index names.
fn reaction_key(user_id: &str, position: &str) -> Option<keys::Key> {
    let (_, rest) = position.split_once('#')?;
    let (kind, subject) = rest.split_once('#')?;
    let subject = match subject.split_once(':')? {
        ("a", id) => Subject::Activity(id),
        ("c", id) => Subject::Comment(id),
        _ => return None,
    };
    Some(subject.reaction_key(user_id, kind))
}

async fn reactions(store: &Store, task: &UserDataTask) -> ApiResult<(usize, Option<String>)> {
    let part = TimePartition::index(keys::GSI2, keys::reactions_of_user(&task.user_id));
    // Deleted reactions leave the index, so deletion always reads from the start.
    let cursor = if task.deleting() {
        None
    } else {
        task.after.as_deref()
    };
    let (positions, after) = page(store, part, cursor).await?;
    let keys: Vec<keys::Key> = positions
        .iter()
        .filter_map(|p| reaction_key(&task.user_id, p))
        .collect();
    let list = store.get_reactions(keys).await?;
    if !task.deleting() {
        let items = list.iter().map(|r| json!(r)).collect();
        export_part(store, task, items).await?;
        return Ok((list.len(), after));
    }
    for r in &list {
        remove_reaction_exactly(store, r).await?;
    }
    Ok((list.len(), after.filter(|_| !list.is_empty())))
}

/// The step's page of a user's bookmarks or folders: at most [`PAGE`] after the cursor
/// (deletion reads from the start, as what it removed leaves the index), and the position
/// to continue from when more may follow.
fn cursor_page<T>(
    task: &UserDataTask,
    mut list: Vec<T>,
    more: bool,
    position: impl Fn(&T) -> String,
) -> (Vec<T>, Option<String>) {
    let cursor = task.after.as_deref().filter(|_| !task.deleting());
    list.retain(|x| Some(position(x).as_str()) != cursor);
    let full = list.len() > PAGE;
    list.truncate(PAGE);
    let after = list.last().map(&position).filter(|_| more || full);
    (list, after)
}

/// The user's bookmarks: exported, or removed with their objects' counts corrected.
async fn bookmarks(store: &Store, task: &UserDataTask) -> ApiResult<(usize, Option<String>)> {
    let cursor = task.after.clone().filter(|_| !task.deleting());
    let (list, more) = store
        .bookmark_chunk(None, &task.user_id, false, (cursor, None), PAGE + 2)
        .await?;
    let (list, after) = cursor_page(task, list, more, tributary_store::Bookmark::position);
    if !task.deleting() {
        let items = list.iter().map(|b| json!(b)).collect();
        export_part(store, task, items).await?;
        return Ok((list.len(), after));
    }
    let mut removed = 0;
    for b in &list {
        if store.remove_bookmark(b).await? {
            removed += 1;
        }
    }
    Ok((removed, after.filter(|_| removed > 0)))
}

/// The user's bookmark folders (their bookmarks went in the step before).
async fn bookmark_folders(
    store: &Store,
    task: &UserDataTask,
) -> ApiResult<(usize, Option<String>)> {
    let cursor = task.after.clone().filter(|_| !task.deleting());
    let (list, more) = store
        .bookmark_folder_chunk(&task.user_id, false, (cursor, None), PAGE + 2)
        .await?;
    let (list, after) = cursor_page(task, list, more, tributary_store::BookmarkFolder::position);
    if !task.deleting() {
        let items = list.iter().map(|f| json!(f)).collect();
        export_part(store, task, items).await?;
        return Ok((list.len(), after));
    }
    for f in &list {
        store.delete_bookmark_folder(f).await?;
    }
    Ok((list.len(), after.filter(|_| !list.is_empty())))
}

/// Removes a reaction and takes it off its subject's counts and newest list; when the
/// subject is gone, only the reaction goes.
async fn remove_reaction_exactly(store: &Store, r: &Reaction) -> ApiResult<()> {
    for _ in 0..10 {
        let latest = match r.subject() {
            Subject::Activity(id) => store.get_activity(id).await?.map(|a| a.latest_reactions),
            Subject::Comment(id) => store.get_comment(id).await?.map(|c| c.latest_reactions),
        };
        let Some(latest) = latest else {
            let key = r.subject().reaction_key(&r.user_id, &r.kind);
            return store
                .batch_write(vec![tributary_store::WriteOp::Delete(key)])
                .await;
        };
        let index = latest_index(&latest, &r.user_id, &r.kind);
        if store.remove_reaction(r, index).await? {
            return Ok(());
        }
        let still_there = store
            .user_reactions(r.subject(), &r.user_id)
            .await?
            .iter()
            .any(|x| x.kind == r.kind);
        if !still_there {
            return Ok(());
        }
    }
    Err(tributary_domain::ApiError::internal_msg(
        "a reaction kept changing while the user's data was deleted",
    ))
}

async fn comments(store: &Store, task: &UserDataTask) -> ApiResult<(usize, Option<String>)> {
    let part = TimePartition::index(keys::GSI1, keys::comments_of_user(&task.user_id));
    let cursor = if task.hard() {
        None
    } else {
        task.after.as_deref()
    };
    let (positions, after) = page(store, part, cursor).await?;
    let ids: Vec<String> = positions.iter().map(|p| id_of(p).to_string()).collect();
    let found = store.get_comments(&ids).await?;
    let list: Vec<_> = ids.iter().filter_map(|id| found.get(id)).collect();
    match task.action {
        Action::Export => {
            let items = list.iter().map(|c| json!(c)).collect();
            export_part(store, task, items).await?;
        }
        Action::Delete { hard: true } => {
            for c in &list {
                store.delete_comment_hard(c).await?;
            }
        }
        Action::Delete { hard: false } => {
            let now = now_nanos();
            for c in list.iter().filter(|c| c.deleted_at.is_none()) {
                store.set_comment_deleted(&c.id, Some(now), now).await?;
            }
        }
    }
    let after = if task.hard() {
        after.filter(|_| !list.is_empty())
    } else {
        after
    };
    Ok((list.len(), after))
}

/// The user's feeds, a page at a time (`after` is the index position to continue from).
async fn user_feeds(
    store: &Store,
    user_id: &str,
    after: Option<&str>,
) -> ApiResult<(Vec<String>, Option<String>)> {
    // A cursor is the index's start key: the feed's partition and its index sort key.
    let start = after.and_then(|a| {
        let (pk, sk) = a.split_once('\u{1f}')?;
        Some((pk.to_string(), sk.to_string()))
    });
    let (fids, next) = store
        .feeds_in_index(keys::GSI2, &format!("FCRT#{user_id}"), PAGE, start, false)
        .await?;
    Ok((fids, next.map(|(pk, sk)| format!("{pk}\u{1f}{sk}"))))
}

/// Where the follows phase is: past which of the user's feeds, and within the current one.
#[derive(Debug, Default, Serialize, Deserialize)]
struct FollowCursor {
    /// The feed-list cursor before the current feed (`None`: the first feed).
    feeds: Option<String>,
    followers: Option<String>,
    following: Option<String>,
}

async fn follows(store: &Store, task: &UserDataTask) -> ApiResult<(usize, Option<String>)> {
    // One of the user's feeds per step: its follows both ways, a page each. Deleted follows
    // leave the lists, so deletion rereads them from the start until they are empty.
    let cursor: FollowCursor = task
        .after
        .as_deref()
        .and_then(|a| serde_json::from_str(a).ok())
        .unwrap_or_default();
    let (fids, _) = user_feeds(store, &task.user_id, cursor.feeds.as_deref()).await?;
    let Some(fid) = fids.first() else {
        return Ok((0, None));
    };
    let deleting = task.deleting();
    let pick = |c: &Option<String>| if deleting { None } else { c.clone() };
    let (followers, more_followers) = store
        .followers_page(fid, PAGE, pick(&cursor.followers).as_deref(), false)
        .await?;
    let (following, more_following) = store
        .following_page(fid, PAGE, pick(&cursor.following).as_deref())
        .await?;
    let all: Vec<_> = followers.iter().chain(following.iter()).collect();
    if deleting {
        for f in &all {
            store.delete_follow(f).await?;
        }
    } else {
        let items = all.iter().map(|f| json!(f)).collect();
        export_part(store, task, items).await?;
    }
    let next = if more_followers.is_some() || more_following.is_some() {
        // Stay on this feed.
        FollowCursor {
            feeds: cursor.feeds,
            followers: more_followers.or(cursor.followers),
            following: more_following.or(cursor.following),
        }
    } else {
        FollowCursor {
            feeds: Some(feed_cursor_after(store, task, fid).await?),
            followers: None,
            following: None,
        }
    };
    Ok((
        all.len(),
        Some(serde_json::to_string(&next).expect("cursor")),
    ))
}

/// The cursor that continues the user's feeds after `fid`.
async fn feed_cursor_after(store: &Store, task: &UserDataTask, fid: &str) -> ApiResult<String> {
    let feed = store.get_feed(fid).await?;
    let created = feed.map(|f| f.created_at).unwrap_or(0);
    let (_, sk) = keys::feed_by_creator(&task.user_id, created, fid);
    Ok(format!("{}\u{1f}{sk}", keys::feed_partition(fid)))
}

async fn feeds(store: &Store, task: &UserDataTask) -> ApiResult<(usize, Option<String>)> {
    let cursor = if task.hard() {
        None
    } else {
        task.after.as_deref()
    };
    let (fids, next) = user_feeds(store, &task.user_id, cursor).await?;
    let found = store.get_feeds(&fids).await?;
    match task.action {
        Action::Export => {
            let items = fids
                .iter()
                .filter_map(|f| found.get(f))
                .map(|f| json!(f))
                .collect();
            export_part(store, task, items).await?;
        }
        Action::Delete { hard: true } => {
            for fid in &fids {
                store.delete_feed_items(fid).await?;
            }
        }
        Action::Delete { hard: false } => {
            let now = now_nanos();
            for f in fids.iter().filter_map(|f| found.get(f)) {
                if f.deleted_at.is_none() {
                    let mut f = f.clone();
                    f.deleted_at = Some(now);
                    f.updated_at = now;
                    store.put_feed(&f).await?;
                }
            }
        }
    }
    let next = if task.hard() {
        next.filter(|_| !fids.is_empty())
    } else {
        next
    };
    Ok((fids.len(), next))
}

async fn user(store: &Store, task: &UserDataTask) -> ApiResult<(usize, Option<String>)> {
    if let Action::Export = task.action {
        let users = store.get_users([task.user_id.as_str()]).await?;
        let items: Vec<Value> = users.values().map(|u| json!(u)).collect();
        let n = items.len();
        export_part(store, task, items).await?;
        return Ok((n, None));
    }
    Ok((0, None))
}

/// The export of a finished task, assembled from its parts: `{"activities": [...], ...}`.
pub fn assemble(parts: Vec<Value>) -> Value {
    let mut out = serde_json::Map::new();
    for section in [
        "user",
        "activities",
        "reactions",
        "bookmarks",
        "bookmark_folders",
        "comments",
        "follows",
        "feeds",
    ] {
        out.insert(section.into(), json!([]));
    }
    for part in parts {
        let (Some(section), Some(items)) = (part["section"].as_str(), part["items"].as_array())
        else {
            continue;
        };
        if let Some(Value::Array(list)) = out.get_mut(section) {
            list.extend(items.iter().cloned());
        }
    }
    if let Some(Value::Array(users)) = out.get("user").cloned() {
        out.insert(
            "user".into(),
            users.into_iter().next().unwrap_or(Value::Null),
        );
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reaction_positions_name_their_reaction() {
        let k = reaction_key("amy", "00000000000000000001#like#a:act-1").unwrap();
        assert_eq!(k, Subject::Activity("act-1").reaction_key("amy", "like"));
        let k = reaction_key("amy", "00000000000000000001#upvote#c:c#9").unwrap();
        assert_eq!(k, Subject::Comment("c#9").reaction_key("amy", "upvote"));
        assert!(reaction_key("amy", "garbage").is_none());
    }

    #[test]
    fn phases_run_in_order_and_end() {
        let mut p = Phase::Activities;
        let mut seen = vec![p];
        while let Some(n) = p.next() {
            seen.push(n);
            p = n;
        }
        assert_eq!(seen.len(), 8);
        assert_eq!(seen.last(), Some(&Phase::User));
    }

    #[test]
    fn exports_assemble_by_section() {
        let out = assemble(vec![
            json!({"section": "activities", "items": [{"id": "a1"}]}),
            json!({"section": "activities", "items": [{"id": "a2"}]}),
            json!({"section": "user", "items": [{"id": "amy"}]}),
        ]);
        assert_eq!(out["activities"].as_array().unwrap().len(), 2);
        assert_eq!(out["user"]["id"], "amy");
        assert_eq!(out["comments"], json!([]));
    }
}
