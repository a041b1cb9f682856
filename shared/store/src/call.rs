//! The one way this crate talks to DynamoDB. Every request is sent through [`Store::run`]
//! (or [`Store::run_if`] where a failed condition is an answer, not an error): it asks for
//! the consumed capacity, adds it to the meter and maps failures to [`ApiError`] with the
//! service's code and message. Query paging over `LastEvaluatedKey` lives here once
//! ([`Store::query_page`], [`Store::query_all`]); typed single-item reads and writes sit on
//! top ([`Store::get_item`], [`Store::put_item`]).

use std::future::Future;

use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation;
use aws_sdk_dynamodb::types::{ConsumedCapacity, ReturnConsumedCapacity};
use serde::de::DeserializeOwned;
use tributary_domain::{ApiError, ApiResult};

use crate::batch::Item;
use crate::capacity::Kind;
use crate::keys::Key;
use crate::Store;

/// A request builder that can be sent and metered.
pub trait Call: Send {
    type Output: Send;
    type Error: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static;
    /// What the call's capacity counts as when the service does not split it.
    const KIND: Kind;
    fn send_metered(
        self,
    ) -> impl Future<Output = Result<Self::Output, SdkError<Self::Error, HttpResponse>>> + Send;
    fn consumed(out: &Self::Output) -> impl Iterator<Item = &ConsumedCapacity>;
}

macro_rules! metered {
    ($op:ident, $builder:ident, $output:ident, $error:ident, $kind:expr) => {
        impl Call for operation::$op::builders::$builder {
            type Output = operation::$op::$output;
            type Error = operation::$op::$error;
            const KIND: Kind = $kind;
            fn send_metered(
                self,
            ) -> impl Future<Output = Result<Self::Output, SdkError<Self::Error, HttpResponse>>> + Send
            {
                self.return_consumed_capacity(ReturnConsumedCapacity::Total)
                    .send()
            }
            fn consumed(out: &Self::Output) -> impl Iterator<Item = &ConsumedCapacity> {
                out.consumed_capacity().into_iter()
            }
        }
    };
}

metered!(
    get_item,
    GetItemFluentBuilder,
    GetItemOutput,
    GetItemError,
    Kind::Read
);
metered!(
    query,
    QueryFluentBuilder,
    QueryOutput,
    QueryError,
    Kind::Read
);
metered!(
    batch_get_item,
    BatchGetItemFluentBuilder,
    BatchGetItemOutput,
    BatchGetItemError,
    Kind::Read
);
metered!(
    put_item,
    PutItemFluentBuilder,
    PutItemOutput,
    PutItemError,
    Kind::Write
);
metered!(
    update_item,
    UpdateItemFluentBuilder,
    UpdateItemOutput,
    UpdateItemError,
    Kind::Write
);
metered!(
    delete_item,
    DeleteItemFluentBuilder,
    DeleteItemOutput,
    DeleteItemError,
    Kind::Write
);
metered!(
    batch_write_item,
    BatchWriteItemFluentBuilder,
    BatchWriteItemOutput,
    BatchWriteItemError,
    Kind::Write
);
metered!(
    transact_write_items,
    TransactWriteItemsFluentBuilder,
    TransactWriteItemsOutput,
    TransactWriteItemsError,
    Kind::Write
);

/// One page of a query: its items, and the key to continue after when more remain.
#[derive(Debug, Default)]
pub struct Page {
    pub items: Vec<Item>,
    pub last_key: Option<Item>,
}

impl Page {
    /// A string attribute of the key to continue after (an index sort key, say).
    pub fn last_key_attr(&self, name: &str) -> Option<String> {
        self.last_key.as_ref()?.get(name)?.as_s().ok().cloned()
    }
}

impl Store {
    /// Sends a request and meters it, handing back the SDK's own error for callers that
    /// read it (transactions' cancellation reasons).
    pub async fn send<C: Call>(
        &self,
        call: C,
    ) -> Result<C::Output, SdkError<C::Error, HttpResponse>> {
        let meter = self.meter();
        let depth = meter.begin();
        let out = call.send_metered().await;
        meter.end(depth);
        let out = out?;
        meter.record(C::KIND, C::consumed(&out));
        Ok(out)
    }

    /// Sends a request, meters it and maps its failure.
    pub async fn run<C: Call>(&self, context: &str, call: C) -> ApiResult<C::Output> {
        self.send(call).await.map_err(|e| sdk_error(context, e))
    }

    /// [`Store::run`] for a conditional write: `Ok(None)` when its condition failed.
    pub async fn run_if<C: Call>(&self, context: &str, call: C) -> ApiResult<Option<C::Output>> {
        match self.send(call).await {
            Ok(out) => Ok(Some(out)),
            Err(e) if is_conditional_failure(&e) => Ok(None),
            Err(e) => Err(sdk_error(context, e)),
        }
    }

    /// A query on this table.
    pub fn query(&self) -> operation::query::builders::QueryFluentBuilder {
        self.client().query().table_name(self.table())
    }

    /// A query on one of the table's indexes.
    pub fn query_index(&self, index: &str) -> operation::query::builders::QueryFluentBuilder {
        self.query().index_name(index)
    }

    /// An update of the item at `key`.
    pub fn update(&self, key: Key) -> operation::update_item::builders::UpdateItemFluentBuilder {
        self.client()
            .update_item()
            .table_name(self.table())
            .set_key(Some(key.to_item()))
    }

    /// A put of `item`.
    pub fn put(&self, item: Item) -> operation::put_item::builders::PutItemFluentBuilder {
        self.client()
            .put_item()
            .table_name(self.table())
            .set_item(Some(item))
    }

    /// A delete of the item at `key`.
    pub fn delete(&self, key: Key) -> operation::delete_item::builders::DeleteItemFluentBuilder {
        self.client()
            .delete_item()
            .table_name(self.table())
            .set_key(Some(key.to_item()))
    }

    /// One page of a query, starting after `start`.
    pub async fn query_page(
        &self,
        context: &str,
        query: operation::query::builders::QueryFluentBuilder,
        start: Option<Item>,
    ) -> ApiResult<Page> {
        let out = self
            .run(context, query.set_exclusive_start_key(start))
            .await?;
        Ok(Page {
            items: out.items.unwrap_or_default(),
            last_key: out.last_evaluated_key,
        })
    }

    /// Every item a query finds, page after page. Only for partitions whose size is bounded.
    pub async fn query_all(
        &self,
        context: &str,
        query: operation::query::builders::QueryFluentBuilder,
    ) -> ApiResult<Vec<Item>> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let page = self.query_page(context, query.clone(), start).await?;
            items.extend(page.items);
            match page.last_key {
                Some(k) => start = Some(k),
                None => return Ok(items),
            }
        }
    }

    /// The item at `key`, as stored.
    pub async fn get_raw(
        &self,
        context: &str,
        key: Key,
        consistent: bool,
    ) -> ApiResult<Option<Item>> {
        let request = self
            .client()
            .get_item()
            .table_name(self.table())
            .set_key(Some(key.to_item()))
            .consistent_read(consistent);
        Ok(self.run(context, request).await?.item)
    }

    /// The item at `key`, parsed.
    pub async fn get_item<T: DeserializeOwned>(
        &self,
        context: &str,
        key: Key,
        consistent: bool,
    ) -> ApiResult<Option<T>> {
        self.get_raw(context, key, consistent)
            .await?
            .map(|item| crate::document::from_item(context, item))
            .transpose()
    }

    /// Writes `item`, replacing what is at its key.
    pub async fn put_item(&self, context: &str, item: Item) -> ApiResult<()> {
        self.run(context, self.put(item)).await.map(|_| ())
    }
}

/// Wraps an SDK failure as an internal error, keeping the service's code and message. A
/// `ValidationException` means DynamoDB refused what the request carried (a value it cannot
/// store, an item over 400 KB): input the rules let through, so it is answered as code 4
/// (naming the attribute when DynamoDB's message does) and logged, never as a 500.
pub(crate) fn sdk_error<E, R>(context: &str, err: SdkError<E, R>) -> ApiError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    if let Some(service) = err.as_service_error() {
        if service.code() == Some("ValidationException") {
            return validation_error(context, service.message().unwrap_or(""));
        }
    }
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

/// DynamoDB refused the request's values: code 4, with the attribute named when the
/// message names one of the record's fields.
pub(crate) fn validation_error(context: &str, message: &str) -> ApiError {
    tracing::warn!(%context, %message, "DynamoDB refused the request as invalid");
    let field = validation_field(message);
    let text = format!("the data could not be stored ({context}): {message}");
    match field {
        Some(f) => ApiError::field(f, text),
        None => ApiError::input(text),
    }
}

/// The attribute a DynamoDB validation message is about, when it names one
/// (`... for key custom`, `... attribute name: custom`, `Nesting ... custom`).
fn validation_field(message: &str) -> Option<String> {
    const FIELDS: &[&str] = &[
        "custom",
        "attachments",
        "search_data",
        "location",
        "notification_context",
        "teams_role",
        "settings",
        "content",
    ];
    let words = message
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty());
    let mut named = None;
    for w in words {
        if FIELDS.contains(&w) {
            named = Some(w.to_string());
            if w != "content" {
                break;
            }
        }
    }
    named
}

pub(crate) fn is_conditional_failure<E: ProvideErrorMetadata, R>(err: &SdkError<E, R>) -> bool {
    err.as_service_error()
        .and_then(|e| e.code())
        .is_some_and(|code| code == "ConditionalCheckFailedException")
}

pub fn serde_error(context: &str, err: serde_dynamo::Error) -> ApiError {
    ApiError::internal(context.to_string(), err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_exceptions_are_input_errors() {
        let e = validation_error(
            "put activity",
            "Number overflow. Attempting to store a number with magnitude larger than supported range",
        );
        assert_eq!(e.status(), 400);
        assert_eq!(e.code(), tributary_domain::error::codes::INPUT);
        match validation_error(
            "put item",
            "One or more parameter values were invalid: An AttributeValue may not contain an empty string. Key: custom",
        ) {
            ApiError::Input { field, .. } => assert_eq!(field.as_deref(), Some("custom")),
            other => panic!("{other:?}"),
        }
    }
}
