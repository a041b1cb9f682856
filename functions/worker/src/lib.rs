//! The task worker. Lambda hands it batches of messages from the task queue, each a
//! [`Task`]; it runs them and reports the ones that failed, so only those are retried (and,
//! after the queue's receive limit, land in the dead-letter queue) while the rest of the
//! batch is done.

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use futures::stream::{self, StreamExt};
use tributary_domain::{ApiError, ApiResult};
use tributary_http::AppState;
use tributary_tasks::queue::TaskQueue;
use tributary_tasks::realtime::{Publisher, RealtimeTask};
use tributary_tasks::Task;

/// Messages of one batch worked on at once.
const CONCURRENCY: usize = 4;

/// Runs every message of a batch; the response names the messages to retry.
/// `publisher` delivers realtime events; without one (no WebSocket API) they are dropped.
pub async fn handle(
    state: &AppState,
    queue: &TaskQueue,
    publisher: Option<&Publisher>,
    event: SqsEvent,
) -> SqsBatchResponse {
    let failures: Vec<Option<String>> = stream::iter(event.records)
        .map(|message| async move {
            match process(state, queue, publisher, &message).await {
                Ok(()) => None,
                Err(err) => {
                    tracing::error!(message_id = ?message.message_id, error = %err, "task failed");
                    Some(message.message_id.unwrap_or_default())
                }
            }
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    let mut response = SqsBatchResponse::default();
    response.batch_item_failures = failures
        .into_iter()
        .flatten()
        .map(|id| {
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = id;
            failure
        })
        .collect();
    response
}

async fn process(
    state: &AppState,
    queue: &TaskQueue,
    publisher: Option<&Publisher>,
    message: &SqsMessage,
) -> ApiResult<()> {
    let store = &state.store;
    let body = message.body.as_deref().unwrap_or_default();
    let task: Task =
        serde_json::from_str(body).map_err(|e| ApiError::input(format!("not a task: {e}")))?;
    match &task {
        // An event that shows a v3 read: rendered here, then delivered like any other.
        Task::Realtime(RealtimeTask::NotificationFeed { fid }) => {
            if publisher.is_none() {
                return Ok(());
            }
            match tributary_feed_views::notification_feed_event(state, fid).await? {
                Some(event) => {
                    let publish = RealtimeTask::publish(event, vec![fid.clone()]);
                    tributary_tasks::realtime::run(store, queue, publisher, &publish).await
                }
                None => Ok(()),
            }
        }
        _ => tributary_tasks::run(store, queue, publisher, &task).await,
    }
}
