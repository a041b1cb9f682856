//! Batched reads and writes: chunked to DynamoDB's limits, unprocessed items retried with
//! exponential backoff, a bounded number of calls in flight.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::types::{
    AttributeValue, DeleteRequest, KeysAndAttributes, PutRequest, WriteRequest,
};
use futures::stream::{self, StreamExt, TryStreamExt};
use tributary_domain::retry::Backoff;

use super::Store;
use crate::keys::Key;
use tributary_domain::ApiError;
use tributary_domain::ApiResult;

pub const BATCH_WRITE_MAX: usize = 25;
pub const BATCH_GET_MAX: usize = 100;
/// Batch calls one operation keeps in flight.
const CONCURRENCY: usize = 4;
/// Attempts per chunk before unprocessed items count as a failure.
const MAX_ATTEMPTS: u32 = 8;
const BACKOFF: Backoff = Backoff {
    base: Duration::from_millis(25),
    max_doublings: 6,
    jitter: Duration::ZERO,
};

pub type Item = HashMap<String, AttributeValue>;

/// One write in a batch.
#[derive(Clone, Debug)]
pub enum WriteOp {
    Put(Item),
    Delete(Key),
}

impl WriteOp {
    fn into_request(self) -> WriteRequest {
        match self {
            WriteOp::Put(item) => WriteRequest::builder()
                .put_request(
                    PutRequest::builder()
                        .set_item(Some(item))
                        .build()
                        .expect("item is set"),
                )
                .build(),
            WriteOp::Delete(key) => WriteRequest::builder()
                .delete_request(
                    DeleteRequest::builder()
                        .set_key(Some(key.to_item()))
                        .build()
                        .expect("key is set"),
                )
                .build(),
        }
    }
}

impl Store {
    /// Writes every op, 25 per call. Succeeds only when every item was written.
    pub async fn batch_write(&self, ops: Vec<WriteOp>) -> ApiResult<()> {
        let chunks: Vec<Vec<WriteRequest>> = ops
            .into_iter()
            .map(WriteOp::into_request)
            .collect::<Vec<_>>()
            .chunks(BATCH_WRITE_MAX)
            .map(<[WriteRequest]>::to_vec)
            .collect();
        stream::iter(chunks)
            .map(|chunk| self.write_chunk(chunk))
            .buffer_unordered(CONCURRENCY)
            .try_collect::<Vec<()>>()
            .await?;
        Ok(())
    }

    async fn write_chunk(&self, mut pending: Vec<WriteRequest>) -> ApiResult<()> {
        for attempt in 0..MAX_ATTEMPTS {
            if attempt > 0 {
                tokio::time::sleep(BACKOFF.delay(attempt)).await;
            }
            let out = self
                .run(
                    "batch write",
                    self.client
                        .batch_write_item()
                        .request_items(self.table.to_string(), pending),
                )
                .await?;
            pending = out
                .unprocessed_items
                .and_then(|mut m| m.remove(self.table.as_ref()))
                .unwrap_or_default();
            if pending.is_empty() {
                return Ok(());
            }
        }
        Err(ApiError::internal_msg(format!(
            "batch write: {} items still unprocessed",
            pending.len()
        )))
    }

    /// Reads every key, 100 per call, eventually consistent. Missing items are absent.
    pub async fn batch_get(&self, keys: Vec<Key>) -> ApiResult<Vec<Item>> {
        let mut unique: Vec<Key> = Vec::with_capacity(keys.len());
        for k in keys {
            if !unique.contains(&k) {
                unique.push(k);
            }
        }
        let chunks: Vec<Vec<Key>> = unique.chunks(BATCH_GET_MAX).map(<[Key]>::to_vec).collect();
        let results: Vec<Vec<Item>> = stream::iter(chunks)
            .map(|chunk| self.get_chunk(chunk))
            .buffer_unordered(CONCURRENCY)
            .try_collect()
            .await?;
        Ok(results.into_iter().flatten().collect())
    }

    async fn get_chunk(&self, keys: Vec<Key>) -> ApiResult<Vec<Item>> {
        let mut pending: Vec<Item> = keys.iter().map(Key::to_item).collect();
        let mut found = Vec::with_capacity(pending.len());
        for attempt in 0..MAX_ATTEMPTS {
            if attempt > 0 {
                tokio::time::sleep(BACKOFF.delay(attempt)).await;
            }
            let request = KeysAndAttributes::builder()
                .set_keys(Some(pending))
                .build()
                .map_err(|e| ApiError::internal("batch get request", e))?;
            let out = self
                .run(
                    "batch get",
                    self.client
                        .batch_get_item()
                        .request_items(self.table.to_string(), request),
                )
                .await?;
            if let Some(mut responses) = out.responses {
                found.extend(responses.remove(self.table.as_ref()).unwrap_or_default());
            }
            pending = out
                .unprocessed_keys
                .and_then(|mut m| m.remove(self.table.as_ref()))
                .map(|k| k.keys)
                .unwrap_or_default();
            if pending.is_empty() {
                return Ok(found);
            }
        }
        Err(ApiError::internal_msg(format!(
            "batch get: {} keys still unprocessed",
            pending.len()
        )))
    }
}
