//! Transactions: the one way this crate writes several items atomically. Conditions that
//! fail are reported by item, so callers say what each means; collisions with concurrent
//! transactions on the same items are retried with backoff.

use std::time::Duration;

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::TransactWriteItem;
use tributary_domain::retry::Backoff;
use tributary_domain::{ApiError, ApiResult};

use crate::{sdk_error, Store};

/// Attempts at a transaction that keeps colliding with others on the same items.
const CONFLICT_ATTEMPTS: u32 = 25;
const BACKOFF: Backoff = Backoff {
    base: Duration::from_millis(5),
    max_doublings: 3,
    jitter: Duration::from_millis(15),
};

/// Which of a transaction's conditions failed, by item index; `None` for a conflict with
/// another transaction (worth retrying).
fn cancelled(e: &SdkError<TransactWriteItemsError, impl std::fmt::Debug>) -> Option<Vec<bool>> {
    match e.as_service_error() {
        Some(TransactWriteItemsError::TransactionCanceledException(c)) => {
            let reasons: Vec<Option<&str>> =
                c.cancellation_reasons().iter().map(|r| r.code()).collect();
            if reasons
                .iter()
                .any(|r| matches!(r, Some("TransactionConflict")))
            {
                None
            } else {
                Some(
                    reasons
                        .iter()
                        .map(|r| matches!(r, Some("ConditionalCheckFailed")))
                        .collect(),
                )
            }
        }
        _ => None,
    }
}

/// The message of an item DynamoDB refused as invalid, when that cancelled the transaction.
fn invalid_reason(e: &SdkError<TransactWriteItemsError, impl std::fmt::Debug>) -> Option<String> {
    match e.as_service_error() {
        Some(TransactWriteItemsError::TransactionCanceledException(c)) => c
            .cancellation_reasons()
            .iter()
            .find(|r| r.code() == Some("ValidationError"))
            .map(|r| r.message().unwrap_or("invalid item").to_string()),
        _ => None,
    }
}

fn is_conflict(e: &SdkError<TransactWriteItemsError, impl std::fmt::Debug>) -> bool {
    match e.as_service_error() {
        Some(TransactWriteItemsError::TransactionCanceledException(_)) => cancelled(e).is_none(),
        Some(TransactWriteItemsError::TransactionInProgressException(_)) => true,
        _ => false,
    }
}

impl Store {
    /// Runs a transaction, retrying while it collides with concurrent ones. Returns which
    /// conditions failed (empty when it succeeded).
    pub(crate) async fn transact(
        &self,
        context: &str,
        items: Vec<TransactWriteItem>,
    ) -> ApiResult<Vec<bool>> {
        for attempt in 0..CONFLICT_ATTEMPTS {
            if attempt > 0 {
                tokio::time::sleep(BACKOFF.delay(attempt)).await;
            }
            let request = self
                .client()
                .transact_write_items()
                .set_transact_items(Some(items.clone()));
            match self.send(request).await {
                Ok(_) => return Ok(Vec::new()),
                Err(e) if is_conflict(&e) => continue,
                Err(e) if invalid_reason(&e).is_some() => {
                    let message = invalid_reason(&e).unwrap_or_default();
                    return Err(crate::call::validation_error(context, &message));
                }
                Err(e) => match cancelled(&e) {
                    Some(failed) => return Ok(failed),
                    None => return Err(sdk_error(context, e)),
                },
            }
        }
        Err(ApiError::internal_msg(format!(
            "{context}: kept colliding with concurrent writes"
        )))
    }
}
