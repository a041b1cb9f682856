// Over 400 lines only with its unit tests; the four fan-out steps read best side by side.
//! Fan-out: copying activities into the feeds that follow the feed they were added to.
//!
//! Writers enqueue [`FanoutTask`]s on the task queue; the task worker runs them with
//! [`plan`] and [`apply`]. A task touches at most one page of followers (or feed entries);
//! larger audiences continue in a follow-up task carrying a cursor, so no invocation's work
//! grows with the follower count. Every write is keyed by (feed, time, activity), so running
//! a task twice leaves the same items: redelivered messages make no duplicates.

use serde::{Deserialize, Serialize};

use std::collections::HashMap;

use tributary_domain::aggregation::{self, Format};
use tributary_domain::model::Activity;
use tributary_domain::time::Nanos;
use tributary_domain::ApiResult;
use tributary_store::keys;
use tributary_store::{Direction, FeedEntry, Store, WriteOp};

use crate::queue::TaskQueue;

/// Followers (or entries) one task handles before handing the rest to a follow-up task.
pub const PAGE_SIZE: usize = 500;

/// The followers a delivery's or retraction's first page holds at most: a small first read
/// gets the first writes going sooner, while the next page (a full one) is read in another
/// invocation.
pub const FIRST_PAGE_SIZE: usize = 100;

/// The page a walk of followers reads next: a short first page, then full ones.
fn follower_page_size(after: Option<&str>, page_size: usize) -> usize {
    match after {
        None => page_size.min(FIRST_PAGE_SIZE),
        Some(_) => page_size,
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FanoutTask {
    /// Write an activity's entry into every feed that follows `origin`.
    Deliver {
        activity_id: String,
        created_at: Nanos,
        origin: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expires_at: Option<Nanos>,
        /// The follower (source fid) to continue after.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        after: Option<String>,
        /// Only the followers in this feed group (a large feed's aggregated followers; its
        /// flat ones pull its posts, see `pull`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        group: Option<String>,
    },
    /// Remove an activity's entry from every feed that follows `origin` (or, with `group`,
    /// from its followers in that feed group only: a large feed's post reached only its
    /// aggregated groups' followers).
    Retract {
        activity_id: String,
        created_at: Nanos,
        origin: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        after: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        group: Option<String>,
    },
    /// On follow: copy `target`'s own activities into `source`, newest first: up to
    /// `limit` of them, or all when `limit` is absent.
    CopyHistory {
        source: String,
        target: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        limit: Option<usize>,
        /// The target entry to continue after.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        after: Option<String>,
    },
    /// On unfollow: remove from `source` the entries that came from `target`.
    PurgeHistory {
        source: String,
        target: String,
        /// The entry sort key to continue after.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        after: Option<String>,
    },
}

impl FanoutTask {
    pub fn deliver(a: &Activity, origin: &str) -> Self {
        FanoutTask::Deliver {
            activity_id: a.id.clone(),
            created_at: a.created_at,
            origin: origin.to_string(),
            expires_at: a.content.expires_at,
            after: None,
            group: None,
        }
    }

    pub fn retract(a: &Activity, origin: &str) -> Self {
        FanoutTask::Retract {
            activity_id: a.id.clone(),
            created_at: a.created_at,
            origin: origin.to_string(),
            after: None,
            group: None,
        }
    }
}

/// The app's aggregated feed groups, in name order: a large feed (one whose flat followers
/// pull it) pushes its posts, and retracts them, to these groups' followers only, one walk
/// of each group's follower range.
pub async fn aggregated_groups(store: &Store) -> ApiResult<Vec<String>> {
    let mut groups: Vec<String> = formats(store).await?.into_keys().collect();
    groups.sort();
    Ok(groups)
}

/// The tasks that take `a` out of the feeds that follow each of `feeds`. A feed that was
/// pulled by its flat followers when `a` was made (its `pull_since` at or before `a`) pushed
/// `a` to its aggregated groups' followers only, so only those are walked: a hard delete in
/// a feed of a million followers costs what one in a feed of a thousand does. (An activity
/// whose time was set in the future may have been pushed before the switch; its entries
/// left in flat followers' feeds are skipped by reads, as is any entry whose activity is
/// gone.)
pub async fn retractions(
    store: &Store,
    a: &Activity,
    feeds: &[String],
) -> ApiResult<Vec<FanoutTask>> {
    if feeds.is_empty() {
        return Ok(Vec::new());
    }
    let found = store.get_feeds(feeds).await?;
    let pulled = |fid: &String| {
        found
            .get(fid)
            .and_then(|f| f.pull_since)
            .is_some_and(|since| since <= a.created_at)
    };
    let groups = if feeds.iter().any(pulled) {
        aggregated_groups(store).await?
    } else {
        Vec::new()
    };
    Ok(feeds
        .iter()
        .flat_map(|fid| {
            if pulled(fid) {
                groups
                    .iter()
                    .map(|g| FanoutTask::Retract {
                        activity_id: a.id.clone(),
                        created_at: a.created_at,
                        origin: fid.clone(),
                        after: None,
                        group: Some(g.clone()),
                    })
                    .collect()
            } else {
                vec![FanoutTask::retract(a, fid)]
            }
        })
        .collect())
}

/// Removes an activity for good: the activity and its own feeds' entries, those feeds'
/// counts, and (through the queue) its entries in their followers' feeds.
pub async fn remove_for_good(store: &Store, queue: &TaskQueue, a: &Activity) -> ApiResult<()> {
    store.delete_activity_hard(a).await?;
    for fid in &a.content.feeds {
        store.bump_feed_counter(fid, "activity_count", -1).await?;
    }
    retract_from_followers(store, queue, a).await
}

/// Queues the removal of an activity from the feeds that follow each of its feeds.
pub async fn retract_from_followers(
    store: &Store,
    queue: &TaskQueue,
    a: &Activity,
) -> ApiResult<()> {
    let tasks = retractions(store, a, &a.content.feeds).await?;
    if tasks.is_empty() {
        return Ok(());
    }
    queue.send(&tasks).await
}

/// An entry item for a delivered activity.
pub fn delivered_entry(
    fid: &str,
    activity_id: &str,
    created_at: Nanos,
    origin: &str,
    expires_at: Option<Nanos>,
) -> WriteOp {
    let mut item = keys::feed_entry(fid, created_at, activity_id).to_item();
    use aws_sdk_dynamodb::types::AttributeValue::{N, S};
    item.insert("activity_id".into(), S(activity_id.to_string()));
    item.insert("created_at".into(), N(created_at.to_string()));
    item.insert("origin".into(), S(origin.to_string()));
    if let Some(expires_at) = expires_at {
        item.insert(
            keys::TTL.into(),
            N((expires_at / 1_000_000_000 + 86_400).to_string()),
        );
    }
    WriteOp::Put(item)
}

/// One step of a task: the writes for this page, the activity groups of aggregated feeds
/// to add to, and the task that continues after it.
#[derive(Debug)]
pub struct Step {
    pub writes: Vec<WriteOp>,
    pub groups: Vec<GroupAdd>,
    /// Activities leaving groups of aggregated feeds (an unfollow's purge).
    pub ungroup: Vec<GroupAdd>,
    pub next: Option<FanoutTask>,
}

/// An activity joining a group of an aggregated feed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupAdd {
    pub fid: String,
    pub group: String,
    /// The activity's position (`<time>#<id>`).
    pub position: String,
    pub user_id: String,
}

/// Group adds run this many at once.
const GROUP_CONCURRENCY: usize = 8;

/// Makes a step's writes: the entries in batches, then the group adds.
pub async fn apply(store: &Store, step: Step) -> ApiResult<()> {
    store.batch_write(step.writes).await?;
    add_to_groups(store, step.groups).await?;
    for g in step.ungroup {
        store
            .remove_from_group(&g.fid, &g.group, &g.position)
            .await?;
    }
    Ok(())
}

pub async fn add_to_groups(store: &Store, adds: Vec<GroupAdd>) -> ApiResult<()> {
    use futures::stream::{self, StreamExt, TryStreamExt};
    let now = tributary_domain::time::now_nanos();
    stream::iter(adds)
        .map(|g| async move {
            store
                .add_to_group(&g.fid, &g.group, &g.position, &g.user_id, now)
                .await
                .map(|_| ())
        })
        .buffer_unordered(GROUP_CONCURRENCY)
        .try_collect::<Vec<()>>()
        .await?;
    Ok(())
}

/// The group adds for activities arriving in feeds: for each (feed, activity) whose feed's
/// group aggregates, the group its format renders. `formats` are the app's aggregation
/// formats by feed group. A format that fails for one activity leaves that activity out
/// of the groups (it is still in the feed), and is logged.
pub fn group_adds<'a>(
    formats: &HashMap<String, Format>,
    arrivals: impl IntoIterator<Item = (&'a str, &'a Activity)>,
) -> Vec<GroupAdd> {
    arrivals
        .into_iter()
        .filter_map(|(fid, a)| {
            let format = formats.get(fid.split_once(':')?.0)?;
            match format.render(a, fid) {
                Ok(group) => Some(GroupAdd {
                    fid: fid.to_string(),
                    group,
                    position: tributary_store::walk::position(a.created_at, &a.id),
                    user_id: a.user_id.clone(),
                }),
                Err(e) => {
                    tracing::warn!(fid, activity = %a.id, error = %e, "aggregation format did not render");
                    None
                }
            }
        })
        .collect()
}

/// Every aggregated group's format, by group id.
pub async fn formats(store: &Store) -> ApiResult<HashMap<String, Format>> {
    Ok(aggregation::formats_of(store.list_feed_groups().await?))
}

fn aggregated<'a>(
    formats: &HashMap<String, Format>,
    fids: impl IntoIterator<Item = &'a str>,
) -> bool {
    fids.into_iter().any(|f| {
        f.split_once(':')
            .is_some_and(|(g, _)| formats.contains_key(g))
    })
}

/// Runs one task. Returns the follow-up task when the work continues past this page.
pub async fn run(store: &Store, task: &FanoutTask) -> ApiResult<Option<FanoutTask>> {
    run_paged(store, task, PAGE_SIZE).await
}

/// [`run`] with a given page size (tests use small pages to exercise continuations).
pub async fn run_paged(
    store: &Store,
    task: &FanoutTask,
    page_size: usize,
) -> ApiResult<Option<FanoutTask>> {
    let mut step = plan_paged(store, task, page_size).await?;
    let next = step.next.take();
    apply(store, step).await?;
    Ok(next)
}

/// Runs one step of a task as the task worker does: `hand_on` gets the task that continues
/// past this page as soon as the page is read, and runs beside this page's writes, so the
/// next page starts in another invocation instead of waiting for them. The step succeeds
/// only when both have: the worker queues the continuation in `hand_on`, before its message
/// is acknowledged, so a failure in between repeats work (harmlessly) instead of losing it.
pub async fn step<F, Fut>(
    store: &Store,
    task: &FanoutTask,
    page_size: usize,
    hand_on: F,
) -> ApiResult<()>
where
    F: FnOnce(FanoutTask) -> Fut,
    Fut: std::future::Future<Output = ApiResult<()>>,
{
    let mut step = plan_paged(store, task, page_size).await?;
    let handed_on = step.next.take().map(hand_on);
    let handed_on = async {
        match handed_on {
            Some(queued) => queued.await,
            None => Ok(()),
        }
    };
    futures::try_join!(handed_on, apply(store, step))?;
    Ok(())
}

/// Reads what one step of a task needs and returns its writes without making them.
pub async fn plan_paged(store: &Store, task: &FanoutTask, page_size: usize) -> ApiResult<Step> {
    match task {
        FanoutTask::Deliver {
            activity_id,
            created_at,
            origin,
            expires_at,
            after,
            group,
        } => {
            // The app's aggregation formats are read beside the page, not after it.
            let ((followers, next), formats) = futures::try_join!(
                store.follower_sources(
                    origin,
                    group.as_deref(),
                    follower_page_size(after.as_deref(), page_size),
                    after.as_deref(),
                    true,
                ),
                formats(store),
            )?;
            let writes = followers
                .iter()
                .map(|f| delivered_entry(f, activity_id, *created_at, origin, *expires_at))
                .collect();
            let next = next.map(|after| FanoutTask::Deliver {
                activity_id: activity_id.clone(),
                created_at: *created_at,
                origin: origin.clone(),
                expires_at: *expires_at,
                after: Some(after),
                group: group.clone(),
            });
            let mut groups = Vec::new();
            if aggregated(&formats, followers.iter().map(String::as_str)) {
                if let Some(a) = store.get_activity(activity_id).await? {
                    groups = group_adds(&formats, followers.iter().map(|f| (f.as_str(), &a)));
                }
            }
            Ok(Step {
                writes,
                groups,
                ungroup: Vec::new(),
                next,
            })
        }
        FanoutTask::Retract {
            activity_id,
            created_at,
            origin,
            after,
            group,
        } => {
            // Every follow, accepted or not: an entry may predate a status change.
            let (followers, next) = store
                .follower_sources(
                    origin,
                    group.as_deref(),
                    follower_page_size(after.as_deref(), page_size),
                    after.as_deref(),
                    false,
                )
                .await?;
            let writes = followers
                .iter()
                .map(|f| WriteOp::Delete(keys::feed_entry(f, *created_at, activity_id)))
                .collect();
            let next = next.map(|after| FanoutTask::Retract {
                activity_id: activity_id.clone(),
                created_at: *created_at,
                origin: origin.clone(),
                after: Some(after),
                group: group.clone(),
            });
            Ok(Step {
                writes,
                groups: Vec::new(),
                ungroup: Vec::new(),
                next,
            })
        }
        FanoutTask::CopyHistory {
            source,
            target,
            limit,
            after,
        } => {
            let want = limit.map_or(page_size, |l| l.min(page_size));
            if want == 0 {
                return Ok(Step {
                    writes: Vec::new(),
                    groups: Vec::new(),
                    ungroup: Vec::new(),
                    next: None,
                });
            }
            let (entries, more) = store
                .feed_entries(target, want, after.as_deref(), Direction::Older)
                .await?;
            // Only the target's own activities travel, not what it received from others.
            let writes: Vec<WriteOp> = entries
                .iter()
                .filter(|e| e.origin == *target)
                .map(|e| delivered_entry(source, &e.activity_id, e.created_at, target, None))
                .collect();
            let remaining = limit.map(|l| l.saturating_sub(writes.len()));
            let next = match (more, entries.last(), remaining) {
                (true, Some(last), r) if r != Some(0) => Some(FanoutTask::CopyHistory {
                    source: source.clone(),
                    target: target.clone(),
                    limit: r,
                    after: Some(last.sk.clone()),
                }),
                _ => None,
            };
            let formats = formats(store).await?;
            let mut groups = Vec::new();
            if aggregated(&formats, [source.as_str()]) {
                let ids: Vec<String> = entries
                    .iter()
                    .filter(|e| e.origin == *target)
                    .map(|e| e.activity_id.clone())
                    .collect();
                let found = store.get_activities(&ids).await?;
                groups = group_adds(
                    &formats,
                    ids.iter()
                        .filter_map(|id| found.get(id))
                        .map(|a| (source.as_str(), a)),
                );
            }
            Ok(Step {
                writes,
                groups,
                ungroup: Vec::new(),
                next,
            })
        }
        FanoutTask::PurgeHistory {
            source,
            target,
            after,
        } => {
            let (entries, more) = store
                .feed_entries(source, page_size, after.as_deref(), Direction::Older)
                .await?;
            let purged: Vec<&FeedEntry> = entries.iter().filter(|e| e.origin == *target).collect();
            let writes = purged
                .iter()
                .map(|e| WriteOp::Delete(keys::feed_entry(source, e.created_at, &e.activity_id)))
                .collect();
            // An aggregated feed also holds them in its groups.
            let formats = formats(store).await?;
            let mut ungroup = Vec::new();
            if aggregated(&formats, [source.as_str()]) && !purged.is_empty() {
                let ids: Vec<String> = purged.iter().map(|e| e.activity_id.clone()).collect();
                let found = store.get_activities(&ids).await?;
                ungroup = group_adds(
                    &formats,
                    ids.iter()
                        .filter_map(|id| found.get(id))
                        .map(|a| (source.as_str(), a)),
                );
            }
            let last = entries.last().map(|e| e.sk.clone());
            let next = match (more, last) {
                (true, Some(after)) => Some(FanoutTask::PurgeHistory {
                    source: source.clone(),
                    target: target.clone(),
                    after: Some(after),
                }),
                _ => None,
            };
            Ok(Step {
                writes,
                groups: Vec::new(),
                ungroup,
                next,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_walk_of_followers_starts_with_a_short_page() {
        assert_eq!(follower_page_size(None, PAGE_SIZE), FIRST_PAGE_SIZE);
        assert_eq!(follower_page_size(Some("timeline:a"), PAGE_SIZE), PAGE_SIZE);
        // Smaller pages stay as asked.
        assert_eq!(follower_page_size(None, 2), 2);
    }

    #[test]
    fn tasks_are_tagged_json() {
        let t = FanoutTask::Deliver {
            activity_id: "a".into(),
            created_at: 5,
            origin: "user:john".into(),
            expires_at: None,
            after: None,
            group: None,
        };
        let json = serde_json::to_value(&t).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"kind": "deliver", "activity_id": "a", "created_at": 5, "origin": "user:john"})
        );
        assert_eq!(serde_json::from_value::<FanoutTask>(json).unwrap(), t);
        assert!(serde_json::from_str::<FanoutTask>(r#"{"kind": "explode"}"#).is_err());
    }
}
