//! Hybrid push/pull: the one-time switch of a feed that reached the follower threshold.
//!
//! A feed's flat followers (feeds of groups that do not aggregate, read through
//! `feed_page::collect`) pull a large feed's own entries at read time instead of receiving
//! them. When a follow makes a feed reach the threshold, [`PullTask::SwitchToPull`] walks
//! its followers a page at a time and adds the feed to each flat follower's pulled set;
//! the last page sets the feed's `pull_since`, from which its posts push only to followers
//! in aggregated (and notification) groups. Until then posts still push to everyone, and
//! reads drop the entries they meet twice, so nothing is missed meanwhile.

use std::collections::HashMap;

use futures::stream::{self, StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};
use tributary_domain::aggregation::Format;
use tributary_domain::time::now_nanos;
use tributary_domain::ApiResult;
use tributary_store::Store;

use crate::fanout;
use crate::queue::TaskQueue;

/// Followers one step of the switch handles.
pub const PAGE_SIZE: usize = 500;

/// Pulled-set writes one step keeps in flight.
const CONCURRENCY: usize = 16;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PullTask {
    /// Add `target` to the pulled set of each of its flat followers, after `after`.
    SwitchToPull {
        target: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        after: Option<String>,
    },
}

/// Whether feed `fid` reads by merging pulled feeds: its group does not aggregate.
/// `formats` are the aggregation formats by feed group.
pub fn pulls(formats: &HashMap<String, Format>, fid: &str) -> bool {
    fid.split_once(':')
        .is_some_and(|(group, _)| !formats.contains_key(group))
}

/// Runs one page of the switch, then queues the next page, or marks the feed pulled.
pub async fn run(store: &Store, queue: &TaskQueue, task: &PullTask) -> ApiResult<()> {
    match run_paged(store, task, PAGE_SIZE).await? {
        Some(next) => queue.send(&[next]).await,
        None => Ok(()),
    }
}

/// One page of the switch: returns the task that continues it, if any. The next page is
/// queued only after this one's writes, so `pull_since` is set after every page is done.
pub async fn run_paged(
    store: &Store,
    task: &PullTask,
    page_size: usize,
) -> ApiResult<Option<PullTask>> {
    let PullTask::SwitchToPull { target, after } = task;
    let (followers, next) = store
        .followers_page(target, page_size, after.as_deref(), true)
        .await?;
    let formats = fanout::formats(store).await?;
    stream::iter(followers.iter().filter(|f| pulls(&formats, &f.source)))
        .map(|f| store.add_pulled(&f.source, target, None))
        .buffer_unordered(CONCURRENCY)
        .try_collect::<Vec<bool>>()
        .await?;
    match next {
        Some(after) => Ok(Some(PullTask::SwitchToPull {
            target: target.clone(),
            after: Some(after),
        })),
        None => {
            store.set_pull_since(target, now_nanos()).await?;
            Ok(None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_groups_pull() {
        let mut formats = HashMap::new();
        formats.insert(
            "notification".to_string(),
            Format::parse("{{ type }}").unwrap(),
        );
        assert!(pulls(&formats, "timeline:bob"));
        assert!(!pulls(&formats, "notification:bob"));
        assert!(!pulls(&formats, "nonsense"));
    }

    #[test]
    fn tasks_are_tagged_json() {
        let t = PullTask::SwitchToPull {
            target: "user:star".into(),
            after: None,
        };
        let json = serde_json::to_value(&t).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"kind": "switch_to_pull", "target": "user:star"})
        );
        assert_eq!(
            serde_json::from_value::<crate::Task>(json).unwrap(),
            crate::Task::Pull(t)
        );
    }
}
