//! Fan-out: copying activities into the feeds that follow the feed they were added to.
//!
//! Writers enqueue [`FanoutTask`]s on the fan-out queue; the SQS-triggered `fanout` function
//! runs them with [`run`]. A task touches at most one page of followers (or feed entries);
//! larger audiences continue in a follow-up task carrying a cursor, so no invocation's work
//! grows with the follower count. Every write is keyed by (feed, time, activity), so running
//! a task twice leaves the same items: redelivered messages make no duplicates.

use serde::{Deserialize, Serialize};

use crate::keys;
use crate::model::Activity;
use crate::store::{Direction, Store, WriteOp};
use crate::time::Nanos;
use crate::ApiResult;

/// Followers (or entries) one task handles before handing the rest to a follow-up task.
pub const PAGE_SIZE: usize = 500;

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
    },
    /// Remove an activity's entry from every feed that follows `origin`.
    Retract {
        activity_id: String,
        created_at: Nanos,
        origin: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        after: Option<String>,
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
        }
    }

    pub fn retract(a: &Activity, origin: &str) -> Self {
        FanoutTask::Retract {
            activity_id: a.id.clone(),
            created_at: a.created_at,
            origin: origin.to_string(),
            after: None,
        }
    }
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

/// One step of a task: the writes for this page, and the task that continues after it.
#[derive(Debug)]
pub struct Step {
    pub writes: Vec<WriteOp>,
    pub next: Option<FanoutTask>,
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
    let step = plan_paged(store, task, page_size).await?;
    store.batch_write(step.writes).await?;
    Ok(step.next)
}

/// Reads what one step of a task needs and returns its writes without making them, so a
/// worker can queue the continuation first and let another worker start on the next page
/// while it writes this one.
pub async fn plan(store: &Store, task: &FanoutTask) -> ApiResult<Step> {
    plan_paged(store, task, PAGE_SIZE).await
}

pub async fn plan_paged(store: &Store, task: &FanoutTask, page_size: usize) -> ApiResult<Step> {
    match task {
        FanoutTask::Deliver {
            activity_id,
            created_at,
            origin,
            expires_at,
            after,
        } => {
            let (followers, next) = store
                .followers_page(origin, page_size, after.as_deref(), true)
                .await?;
            let writes = followers
                .iter()
                .map(|f| delivered_entry(&f.source, activity_id, *created_at, origin, *expires_at))
                .collect();
            let next = next.map(|after| FanoutTask::Deliver {
                activity_id: activity_id.clone(),
                created_at: *created_at,
                origin: origin.clone(),
                expires_at: *expires_at,
                after: Some(after),
            });
            Ok(Step { writes, next })
        }
        FanoutTask::Retract {
            activity_id,
            created_at,
            origin,
            after,
        } => {
            // Every follow, accepted or not: an entry may predate a status change.
            let (followers, next) = store
                .followers_page(origin, page_size, after.as_deref(), false)
                .await?;
            let writes = followers
                .iter()
                .map(|f| WriteOp::Delete(keys::feed_entry(&f.source, *created_at, activity_id)))
                .collect();
            let next = next.map(|after| FanoutTask::Retract {
                activity_id: activity_id.clone(),
                created_at: *created_at,
                origin: origin.clone(),
                after: Some(after),
            });
            Ok(Step { writes, next })
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
            Ok(Step { writes, next })
        }
        FanoutTask::PurgeHistory {
            source,
            target,
            after,
        } => {
            let (entries, more) = store
                .feed_entries(source, page_size, after.as_deref(), Direction::Older)
                .await?;
            let writes = entries
                .iter()
                .filter(|e| e.origin == *target)
                .map(|e| WriteOp::Delete(keys::feed_entry(source, e.created_at, &e.activity_id)))
                .collect();
            let last = entries.last().map(|e| e.sk.clone());
            let next = match (more, last) {
                (true, Some(after)) => Some(FanoutTask::PurgeHistory {
                    source: source.clone(),
                    target: target.clone(),
                    after: Some(after),
                }),
                _ => None,
            };
            Ok(Step { writes, next })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tasks_are_tagged_json() {
        let t = FanoutTask::Deliver {
            activity_id: "a".into(),
            created_at: 5,
            origin: "user:john".into(),
            expires_at: None,
            after: None,
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
