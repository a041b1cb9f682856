//! Queued background work. Writers enqueue [`Task`]s on the task queue (SQS); the
//! task worker runs them a step at a time, each step bounded, each safe to repeat.
//!
//! - [`fanout`]: copying activities into follower feeds, and history on follow/unfollow.
//! - [`notifications`]: notification activities for follows, reactions, comments, mentions.
//! - [`user_data`]: deleting and exporting everything a user has; [`records`] keeps the task
//!   records clients poll.
//! - [`realtime`]: delivering events to the WebSocket connections watching a feed.
//! - [`pull`]: switching a feed that reached the follower threshold to pull.
//! - [`queue`]: sending tasks.

pub mod fanout;
pub mod notifications;
pub mod pull;
pub mod queue;
pub mod realtime;
pub mod records;
pub mod user_data;

use serde::{Deserialize, Serialize};
use tributary_domain::ApiResult;
use tributary_store::Store;

use crate::fanout::FanoutTask;
use crate::pull::PullTask;
use crate::queue::TaskQueue;
use crate::realtime::{Publisher, RealtimeTask};
use crate::user_data::UserDataTask;

/// One message on the task queue. Each part serializes as itself (fan-out tasks carry a
/// `kind`, user-data steps their task id and phase), so a module enqueues its own tasks
/// without knowing of the others.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Task {
    Fanout(FanoutTask),
    UserData(UserDataTask),
    Realtime(RealtimeTask),
    Pull(PullTask),
}

impl From<PullTask> for Task {
    fn from(t: PullTask) -> Self {
        Task::Pull(t)
    }
}

impl From<RealtimeTask> for Task {
    fn from(t: RealtimeTask) -> Self {
        Task::Realtime(t)
    }
}

impl From<FanoutTask> for Task {
    fn from(t: FanoutTask) -> Self {
        Task::Fanout(t)
    }
}

impl From<UserDataTask> for Task {
    fn from(t: UserDataTask) -> Self {
        Task::UserData(t)
    }
}

/// Runs one step of a task, queueing its continuation.
pub async fn run(
    store: &Store,
    queue: &TaskQueue,
    publisher: Option<&Publisher>,
    task: &Task,
) -> ApiResult<()> {
    match task {
        Task::Realtime(task) => realtime::run(store, queue, publisher, task).await,
        Task::Pull(task) => pull::run(store, queue, task).await,
        Task::UserData(step) => match user_data::step(store, queue, step).await {
            Ok(Some(next)) => queue.send(&[next]).await,
            Ok(None) => Ok(()),
            Err(e) => {
                // The message is retried; the record says what went wrong meanwhile.
                let _ = records::set_status(
                    store,
                    &step.task_id,
                    "running",
                    None,
                    Some(&e.to_string()),
                )
                .await;
                Err(e)
            }
        },
        // The rest of the audience is queued as soon as the page is read, so another
        // invocation starts on it while this one writes; and before this message is
        // acknowledged, so a crash in between repeats work (harmlessly) instead of losing it.
        Task::Fanout(task) => {
            fanout::step(store, task, fanout::PAGE_SIZE, |next| async move {
                queue.send(&[next]).await
            })
            .await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::user_data::Action;

    #[test]
    fn each_part_reads_back_as_itself() {
        let step = UserDataTask::start("t1", "u1", Action::Export);
        let json = serde_json::to_string(&step).unwrap();
        assert_eq!(
            serde_json::from_str::<Task>(&json).unwrap(),
            Task::UserData(step)
        );
        let deliver = FanoutTask::PurgeHistory {
            source: "timeline:a".into(),
            target: "user:b".into(),
            after: None,
        };
        let json = serde_json::to_string(&deliver).unwrap();
        assert_eq!(
            serde_json::from_str::<Task>(&json).unwrap(),
            Task::Fanout(deliver)
        );
        assert!(serde_json::from_str::<Task>(r#"{"kind": "explode"}"#).is_err());
    }
}
