//! The DynamoDB access layer. Items are (de)serialized with `serde_dynamo`; keys come from
//! [`crate::keys`]. Every call asks for its consumed capacity and adds it to a [`CapacityMeter`],
//! which benchmarks read to price each operation.

mod activities;
mod batch;
mod capacity;
mod comments;
mod feed_groups;
mod feeds;
mod follows;
mod groups;
mod marks;
mod ranges;
mod reactions;
mod tasks;
mod users;

pub use batch::{WriteOp, BATCH_GET_MAX, BATCH_WRITE_MAX};
pub use capacity::{CapacityMeter, CapacitySnapshot};
pub use comments::CommentConflict;
pub use feeds::{Direction, FeedEntry};
pub use follows::mark_status;
pub use groups::{ActivityGroup, NotificationState};
pub use marks::{Feedback, UserMarks};
pub use ranges::{Slice, TimePartition};
pub use reactions::{by_activity, latest_index, Added};

use std::sync::Arc;

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::Client;

use crate::keys;
use crate::ApiError;

#[derive(Clone)]
pub struct Store {
    client: Client,
    table: Arc<str>,
    meter: Arc<CapacityMeter>,
}

impl Store {
    pub fn new(client: Client, table: &str) -> Self {
        Store {
            client,
            table: Arc::from(table),
            meter: Arc::new(CapacityMeter::default()),
        }
    }

    /// A client configured from the environment: credentials, region and, locally,
    /// `AWS_ENDPOINT_URL_DYNAMODB` pointing at DynamoDB Local.
    pub async fn connect(table: &str) -> Self {
        let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        Store::new(Client::new(&config), table)
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    pub fn meter(&self) -> &CapacityMeter {
        &self.meter
    }
}

impl Store {
    /// Soft-deletes (`Some`) or restores (`None`) the item at `key`, returning it as it now
    /// is; `Ok(None)` when there is no such item.
    pub(crate) async fn mark_deleted(
        &self,
        key: keys::Key,
        deleted_at: Option<crate::time::Nanos>,
        now: crate::time::Nanos,
        context: &str,
    ) -> crate::ApiResult<
        Option<std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>>,
    > {
        use aws_sdk_dynamodb::types::{ReturnConsumedCapacity, ReturnValue};
        let mut request = self
            .client
            .update_item()
            .table_name(self.table())
            .set_key(Some(key.to_item()))
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":now", n(now));
        request = match deleted_at {
            Some(at) => request
                .update_expression("SET deleted_at = :at, updated_at = :now")
                .expression_attribute_values(":at", n(at)),
            None => request.update_expression("SET updated_at = :now REMOVE deleted_at"),
        };
        let result = request
            .return_values(ReturnValue::AllNew)
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await;
        match result {
            Ok(out) => {
                self.meter
                    .record(capacity::Kind::Write, out.consumed_capacity());
                Ok(Some(out.attributes.unwrap_or_default()))
            }
            Err(e) if is_conditional_failure(&e) => Ok(None),
            Err(e) => Err(sdk_error(context, e)),
        }
    }
}

/// Wraps an SDK failure as an internal error, keeping the service's code and message.
pub(crate) fn sdk_error<E, R>(context: &str, err: SdkError<E, R>) -> ApiError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let detail = match err.as_service_error() {
        Some(service) => format!(
            "{context}: {} {}",
            service.code().unwrap_or("unknown"),
            service.message().unwrap_or("")
        ),
        None => format!("{context}: {err}"),
    };
    ApiError::internal(detail, err)
}

pub(crate) fn is_conditional_failure<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> bool {
    err.as_service_error()
        .and_then(|e| e.code())
        .is_some_and(|code| code == "ConditionalCheckFailedException")
}

/// A string attribute.
pub(crate) fn s(v: impl Into<String>) -> aws_sdk_dynamodb::types::AttributeValue {
    aws_sdk_dynamodb::types::AttributeValue::S(v.into())
}

/// A number attribute.
pub(crate) fn n(v: impl ToString) -> aws_sdk_dynamodb::types::AttributeValue {
    aws_sdk_dynamodb::types::AttributeValue::N(v.to_string())
}

pub(crate) fn serde_error(context: &str, err: serde_dynamo::Error) -> ApiError {
    ApiError::internal(context.to_string(), err)
}
