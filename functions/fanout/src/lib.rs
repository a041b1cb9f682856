//! The fan-out worker. Lambda hands it batches of SQS messages, each a
//! [`FanoutTask`](tributary_core::fanout::FanoutTask); it runs them and reports the ones
//! that failed, so only those are retried (and, after the queue's receive limit, land in
//! the dead-letter queue) while the rest of the batch is done.

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent, SqsMessage};
use futures::stream::{self, StreamExt};
use tributary_core::fanout::{self, FanoutTask};
use tributary_core::queue::FanoutQueue;
use tributary_core::store::Store;
use tributary_core::user_data;
use tributary_core::{ApiError, ApiResult};

/// Messages of one batch worked on at once.
const CONCURRENCY: usize = 4;

/// Runs every message of a batch; the response names the messages to retry.
pub async fn handle(store: &Store, queue: &FanoutQueue, event: SqsEvent) -> SqsBatchResponse {
    let failures: Vec<Option<String>> = stream::iter(event.records)
        .map(|message| async move {
            match process(store, queue, &message).await {
                Ok(()) => None,
                Err(err) => {
                    tracing::error!(message_id = ?message.message_id, error = %err, "fan-out task failed");
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

async fn process(store: &Store, queue: &FanoutQueue, message: &SqsMessage) -> ApiResult<()> {
    let body = message.body.as_deref().unwrap_or_default();
    let task: FanoutTask = serde_json::from_str(body)
        .map_err(|e| ApiError::input(format!("not a fan-out task: {e}")))?;
    if let FanoutTask::UserData(step) = &task {
        return match user_data::step(store, queue, step).await {
            Ok(Some(next)) => queue.send(&[FanoutTask::UserData(next)]).await,
            Ok(None) => Ok(()),
            Err(e) => {
                // The message is retried; the record says what went wrong meanwhile.
                let _ = store
                    .set_task_status(&step.task_id, "running", None, Some(&e.to_string()))
                    .await;
                Err(e)
            }
        };
    }
    let step = fanout::plan(store, &task).await?;
    if let Some(next) = &step.next {
        // The rest of the audience is queued before this page is written, so another
        // worker starts on it meanwhile; and before this message is acknowledged, so a
        // crash in between repeats work (harmlessly) instead of losing it.
        queue.send(std::slice::from_ref(next)).await?;
    }
    fanout::apply(store, step).await
}
