//! The task queue (SQS): writers enqueue tasks ([`crate::Task`] and its parts) in batches
//! of ten.

use aws_sdk_sqs::types::SendMessageBatchRequestEntry;
use aws_sdk_sqs::Client;

use serde::Serialize;
use tributary_domain::retry::Backoff;
use tributary_domain::ApiError;
use tributary_domain::ApiResult;

/// SQS takes at most ten messages per batch.
const SQS_BATCH: usize = 10;
const ATTEMPTS: u32 = 5;
const BACKOFF: Backoff = Backoff {
    base: std::time::Duration::from_millis(20),
    max_doublings: 4,
    jitter: std::time::Duration::ZERO,
};

#[derive(Clone)]
pub struct TaskQueue {
    client: Client,
    url: String,
}

impl TaskQueue {
    pub fn new(client: Client, url: &str) -> Self {
        TaskQueue {
            client,
            url: url.to_string(),
        }
    }

    /// A client configured from the environment (`AWS_ENDPOINT_URL_SQS` locally).
    pub async fn connect(url: &str) -> Self {
        let config = tributary_store::sdk_config().await;
        TaskQueue::new(Client::new(&config), url)
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Sends every task, retrying entries SQS did not take.
    pub async fn send<T: Serialize>(&self, tasks: &[T]) -> ApiResult<()> {
        for chunk in tasks.chunks(SQS_BATCH) {
            let mut pending: Vec<SendMessageBatchRequestEntry> = chunk
                .iter()
                .enumerate()
                .map(|(i, t)| {
                    let body = serde_json::to_string(t)
                        .map_err(|e| ApiError::internal("serialize task", e))?;
                    SendMessageBatchRequestEntry::builder()
                        .id(i.to_string())
                        .message_body(body)
                        .build()
                        .map_err(|e| ApiError::internal("build message", e))
                })
                .collect::<ApiResult<_>>()?;
            for attempt in 0..ATTEMPTS {
                if attempt > 0 {
                    tokio::time::sleep(BACKOFF.delay(attempt)).await;
                }
                let out = self
                    .client
                    .send_message_batch()
                    .queue_url(&self.url)
                    .set_entries(Some(pending.clone()))
                    .send()
                    .await
                    .map_err(|e| ApiError::internal("send tasks", e))?;
                let failed: Vec<&str> = out.failed().iter().map(|f| f.id()).collect();
                pending.retain(|e| failed.contains(&e.id()));
                if pending.is_empty() {
                    break;
                }
            }
            if !pending.is_empty() {
                return Err(ApiError::internal_msg(format!(
                    "{} tasks could not be queued",
                    pending.len()
                )));
            }
        }
        Ok(())
    }
}
