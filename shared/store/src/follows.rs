//! Follows, with the follower and following counts kept exact by transactions.

use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{Delete, Put, ReturnConsumedCapacity, TransactWriteItem, Update};

use super::batch::Item;
use super::capacity::Kind;
use super::{sdk_error, serde_error, Store};
use crate::keys;
use tributary_domain::model::follow::{Follow, FollowStatus};
use tributary_domain::time::Nanos;
use tributary_domain::ApiError;
use tributary_domain::ApiResult;

use super::{n, s};

fn follow_item(f: &Follow) -> ApiResult<Item> {
    let mut item: Item =
        serde_dynamo::to_item(f).map_err(|e| serde_error("serialize follow", e))?;
    item.extend(keys::follow(&f.source, &f.target).to_item());
    let (g1pk, g1sk) = keys::follow_by_source(&f.source, &f.target);
    item.insert(keys::GSI1_PK.into(), s(g1pk));
    item.insert(keys::GSI1_SK.into(), s(g1sk));
    Ok(item)
}

fn parse_follow(item: Item) -> ApiResult<Follow> {
    serde_dynamo::from_item(item).map_err(|e| serde_error("parse follow", e))
}

/// The counter updates an accepted follow adds (`delta` = 1) or removes (-1).
fn count_updates(store: &Store, f: &Follow, delta: i64) -> ApiResult<Vec<TransactWriteItem>> {
    [
        (f.target.as_str(), "follower_count"),
        (f.source.as_str(), "following_count"),
    ]
    .into_iter()
    .map(|(fid, counter)| {
        let update = Update::builder()
            .table_name(store.table())
            .set_key(Some(keys::feed_counts(fid).to_item()))
            .update_expression("ADD #c :d")
            .expression_attribute_names("#c", counter)
            .expression_attribute_values(":d", n(delta))
            .build()
            .map_err(|e| ApiError::internal("build counter update", e))?;
        Ok(TransactWriteItem::builder().update(update).build())
    })
    .collect()
}

fn first_condition_failed(
    e: &aws_sdk_dynamodb::error::SdkError<TransactWriteItemsError, impl std::fmt::Debug>,
) -> bool {
    match e.as_service_error() {
        Some(TransactWriteItemsError::TransactionCanceledException(cancel)) => cancel
            .cancellation_reasons()
            .first()
            .and_then(|r| r.code())
            .is_some_and(|c| c == "ConditionalCheckFailed"),
        _ => false,
    }
}

impl Store {
    async fn transact(&self, context: &str, items: Vec<TransactWriteItem>) -> ApiResult<bool> {
        let result = self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await;
        match result {
            Ok(out) => {
                self.meter.record(Kind::Write, out.consumed_capacity());
                Ok(true)
            }
            Err(e) if first_condition_failed(&e) => Ok(false),
            Err(e) => Err(sdk_error(context, e)),
        }
    }

    /// Creates a follow that does not exist yet, counting it if it is accepted. `Ok(false)`
    /// when the follow already exists.
    pub async fn create_follow(&self, f: &Follow) -> ApiResult<bool> {
        let put = Put::builder()
            .table_name(self.table())
            .set_item(Some(follow_item(f)?))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(|e| ApiError::internal("build follow put", e))?;
        let mut items = vec![TransactWriteItem::builder().put(put).build()];
        if f.is_active() {
            items.extend(count_updates(self, f, 1)?);
        }
        self.transact("create follow", items).await
    }

    /// Replaces a follow whose status was `seen_status`, adjusting the counts when it
    /// becomes (or stops being) accepted. `Ok(false)` when it changed or vanished meanwhile.
    pub async fn replace_follow(&self, f: &Follow, seen_status: FollowStatus) -> ApiResult<bool> {
        let put = Put::builder()
            .table_name(self.table())
            .set_item(Some(follow_item(f)?))
            .condition_expression("#st = :seen")
            .expression_attribute_names("#st", "status")
            .expression_attribute_values(":seen", s(seen_status.as_str()))
            .build()
            .map_err(|e| ApiError::internal("build follow put", e))?;
        let mut items = vec![TransactWriteItem::builder().put(put).build()];
        let was = seen_status == FollowStatus::Accepted;
        if was != f.is_active() {
            items.extend(count_updates(self, f, if f.is_active() { 1 } else { -1 })?);
        }
        self.transact("update follow", items).await
    }

    /// Deletes a follow, uncounting it if it was accepted. `Ok(false)` when it was already
    /// gone or its status changed meanwhile.
    pub async fn delete_follow(&self, f: &Follow) -> ApiResult<bool> {
        let delete = Delete::builder()
            .table_name(self.table())
            .set_key(Some(keys::follow(&f.source, &f.target).to_item()))
            .condition_expression("#st = :seen")
            .expression_attribute_names("#st", "status")
            .expression_attribute_values(":seen", s(f.status.as_str()))
            .build()
            .map_err(|e| ApiError::internal("build follow delete", e))?;
        let mut items = vec![TransactWriteItem::builder().delete(delete).build()];
        if f.is_active() {
            items.extend(count_updates(self, f, -1)?);
        }
        self.transact("delete follow", items).await
    }

    pub async fn get_follow(&self, source: &str, target: &str) -> ApiResult<Option<Follow>> {
        let out = self
            .client
            .get_item()
            .table_name(self.table())
            .set_key(Some(keys::follow(source, target).to_item()))
            .consistent_read(true)
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .map_err(|e| sdk_error("get follow", e))?;
        self.meter.record(Kind::Read, out.consumed_capacity());
        out.item.map(parse_follow).transpose()
    }

    /// One page of the follows into `target` (its followers), in source order. `start` is the
    /// source to continue after. Returns the follows and the source to continue from.
    pub async fn followers_page(
        &self,
        target: &str,
        limit: usize,
        start: Option<&str>,
        only_accepted: bool,
    ) -> ApiResult<(Vec<Follow>, Option<String>)> {
        let mut request = self
            .client
            .query()
            .table_name(self.table())
            .key_condition_expression("pk = :pk AND begins_with(sk, :f)")
            .expression_attribute_values(":pk", s(keys::feed_partition(target)))
            .expression_attribute_values(":f", s(keys::FOLLOWER_PREFIX))
            .limit(limit.clamp(1, 1000) as i32)
            .return_consumed_capacity(ReturnConsumedCapacity::Total);
        if only_accepted {
            request = request
                .filter_expression("#st = :accepted")
                .expression_attribute_names("#st", "status")
                .expression_attribute_values(":accepted", s(FollowStatus::Accepted.as_str()));
        }
        if let Some(source) = start {
            let key = keys::follow(source, target);
            request = request
                .exclusive_start_key(keys::PK, s(key.pk))
                .exclusive_start_key(keys::SK, s(key.sk));
        }
        let out = request
            .send()
            .await
            .map_err(|e| sdk_error("read followers", e))?;
        self.meter.record(Kind::Read, out.consumed_capacity());
        let next = out.last_evaluated_key.as_ref().and_then(|k| {
            k.get(keys::SK)?
                .as_s()
                .ok()?
                .strip_prefix(keys::FOLLOWER_PREFIX)
                .map(str::to_string)
        });
        let follows = out
            .items
            .unwrap_or_default()
            .into_iter()
            .map(parse_follow)
            .collect::<ApiResult<_>>()?;
        Ok((follows, next))
    }

    /// One page of the follows out of `source` (what it follows), in target order.
    pub async fn following_page(
        &self,
        source: &str,
        limit: usize,
        start: Option<&str>,
    ) -> ApiResult<(Vec<Follow>, Option<String>)> {
        let (g1pk, _) = keys::follow_by_source(source, "");
        let mut request = self
            .client
            .query()
            .table_name(self.table())
            .index_name(keys::GSI1)
            .key_condition_expression("gsi1pk = :p")
            .expression_attribute_values(":p", s(g1pk.clone()))
            .limit(limit.clamp(1, 1000) as i32)
            .return_consumed_capacity(ReturnConsumedCapacity::Total);
        if let Some(target) = start {
            let key = keys::follow(source, target);
            request = request
                .exclusive_start_key(keys::PK, s(key.pk))
                .exclusive_start_key(keys::SK, s(key.sk))
                .exclusive_start_key(keys::GSI1_PK, s(g1pk))
                .exclusive_start_key(keys::GSI1_SK, s(target));
        }
        let out = request
            .send()
            .await
            .map_err(|e| sdk_error("read following", e))?;
        self.meter.record(Kind::Read, out.consumed_capacity());
        let next = out
            .last_evaluated_key
            .as_ref()
            .and_then(|k| k.get(keys::GSI1_SK)?.as_s().ok().cloned());
        let follows = out
            .items
            .unwrap_or_default()
            .into_iter()
            .map(parse_follow)
            .collect::<ApiResult<_>>()?;
        Ok((follows, next))
    }
}

/// `now` is threaded through callers for status changes.
pub fn mark_status(f: &mut Follow, status: FollowStatus, now: Nanos) {
    f.status = status;
    f.updated_at = now;
    match status {
        FollowStatus::Accepted => f.request_accepted_at = Some(now),
        FollowStatus::Rejected => f.request_rejected_at = Some(now),
        FollowStatus::Pending => {}
    }
}

impl Store {
    /// Bulk-loads follows with batch writes: no existence check and no counters. For
    /// imports and benchmarks, not for request paths.
    pub async fn import_follows(&self, list: &[Follow]) -> ApiResult<()> {
        let ops = list
            .iter()
            .map(|f| follow_item(f).map(super::WriteOp::Put))
            .collect::<ApiResult<Vec<_>>>()?;
        self.batch_write(ops).await
    }
}
