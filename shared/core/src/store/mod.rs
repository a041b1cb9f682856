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
mod reactions;
mod users;

pub use batch::{WriteOp, BATCH_GET_MAX, BATCH_WRITE_MAX};
pub use capacity::{CapacityMeter, CapacitySnapshot};
pub use comments::CommentConflict;
pub use feeds::{Direction, FeedEntry};
pub use follows::mark_status;
pub use reactions::{by_activity, latest_index, Added};

use std::sync::Arc;

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::Client;

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
