//! Tributary's storage: the single-table layout ([`keys`], with the access patterns in
//! `keys.md`) and the DynamoDB access layer. Items are (de)serialized with `serde_dynamo`,
//! free-form client JSON as JSON text ([`document`]).
//! Every call asks for its consumed capacity and adds it to a [`CapacityMeter`], which
//! benchmarks read to price each operation.

pub mod access;
pub mod app_settings;
pub mod collections;
pub mod feed_rules;
pub mod keys;
pub mod polls;
pub mod threads;
pub mod walk;

mod activities;
mod aws;
mod batch;
mod bookmarks;
mod call;
mod capacity;
mod comments;
pub mod document;
mod feed_groups;
mod feeds;
mod follows;
mod foreign_ids;
mod groups;
mod marks;
mod members;
mod metrics;
mod pins;
mod pulled;
mod ranges;
mod rate_limits;
mod reactions;
mod realtime;
pub mod revisions;
mod transact;
mod usage;
mod user_writes;
mod users;
mod v2_reactions;

pub use activities::LATEST_SHARES_KEPT;
pub use aws::sdk_config;
pub use batch::{Item, WriteOp, BATCH_GET_MAX, BATCH_WRITE_MAX};
pub use bookmarks::{Bookmark, BookmarkFolder, BookmarkWrite};
pub(crate) use call::sdk_error;
pub use call::serde_error;
pub use call::{Call, Page};
pub use capacity::{CapacityMeter, CapacitySnapshot};
pub use comments::CommentConflict;
pub use feeds::{Arrival, Direction, FeedEntry};
pub use follows::{mark_status, AllFollowsPosition};
pub use groups::{ActivityGroup, GroupList, NotificationState};
pub use marks::{Feedback, UserMarks};
pub use pins::{pin_position, Pin, PinPage};
pub use pulled::MAX_PULLED;
pub use ranges::{Slice, TimePartition};
pub use rate_limits::RateCount;
pub use reactions::{by_activity, latest_index, Added};
pub use realtime::{Connection, Watcher, MAX_WATCHERS};
pub use usage::DailyCounts;
pub use user_writes::Profile;
pub use v2_reactions::V2ReactionRecord;

use std::sync::Arc;

use aws_sdk_dynamodb::Client;

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
        let config = sdk_config().await;
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
        deleted_at: Option<tributary_domain::time::Nanos>,
        now: tributary_domain::time::Nanos,
        context: &str,
    ) -> tributary_domain::ApiResult<Option<Item>> {
        use aws_sdk_dynamodb::types::ReturnValue;
        let mut request = self
            .update(key)
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":now", n(now));
        request = match deleted_at {
            Some(at) => request
                .update_expression("SET deleted_at = :at, updated_at = :now")
                .expression_attribute_values(":at", n(at)),
            None => request.update_expression("SET updated_at = :now REMOVE deleted_at"),
        };
        let request = request.return_values(ReturnValue::AllNew);
        Ok(self
            .run_if(context, request)
            .await?
            .map(|out| out.attributes.unwrap_or_default()))
    }
}

/// A string attribute.
pub fn s(v: impl Into<String>) -> aws_sdk_dynamodb::types::AttributeValue {
    aws_sdk_dynamodb::types::AttributeValue::S(v.into())
}

/// A number attribute.
pub fn n(v: impl ToString) -> aws_sdk_dynamodb::types::AttributeValue {
    aws_sdk_dynamodb::types::AttributeValue::N(v.to_string())
}
