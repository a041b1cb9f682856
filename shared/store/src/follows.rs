//! Follows, with the follower and following counts kept exact by transactions.

use aws_sdk_dynamodb::types::{Delete, Put, TransactWriteItem, Update};

use super::batch::Item;
use super::Store;
use crate::keys;
use tributary_domain::model::follow::{Follow, FollowStatus};
use tributary_domain::time::Nanos;
use tributary_domain::ApiError;
use tributary_domain::ApiResult;

use super::{n, s};

fn follow_item(f: &Follow) -> ApiResult<Item> {
    let mut item: Item = crate::document::to_item("serialize follow", f)?;
    item.extend(keys::follow(&f.source, &f.target).to_item());
    let (g1pk, g1sk) = keys::follow_by_source(&f.source, &f.target);
    item.insert(keys::GSI1_PK.into(), s(g1pk));
    item.insert(keys::GSI1_SK.into(), s(g1sk));
    let (g3pk, g3sk) = keys::follow_by_time(f.created_at, &f.source, &f.target);
    item.insert(keys::GSI3_PK.into(), s(g3pk));
    item.insert(keys::GSI3_SK.into(), s(g3sk));
    Ok(item)
}

fn parse_follows(items: Vec<Item>) -> ApiResult<Vec<Follow>> {
    items.into_iter().map(parse_follow).collect()
}

fn parse_follow(item: Item) -> ApiResult<Follow> {
    crate::document::from_item("parse follow", item)
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

impl Store {
    /// A follow transaction: `Ok(false)` when its first condition (the follow item's) failed.
    async fn transact_follow(
        &self,
        context: &str,
        items: Vec<TransactWriteItem>,
    ) -> ApiResult<bool> {
        match self.transact(context, items).await?.as_slice() {
            [] => Ok(true),
            [true, ..] => Ok(false),
            _ => Err(ApiError::internal_msg(format!(
                "{context}: a counter condition failed"
            ))),
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
        self.transact_follow("create follow", items).await
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
        self.transact_follow("update follow", items).await
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
        self.transact_follow("delete follow", items).await
    }

    pub async fn get_follow(&self, source: &str, target: &str) -> ApiResult<Option<Follow>> {
        let item = self
            .get_raw("get follow", keys::follow(source, target), true)
            .await?;
        item.map(parse_follow).transpose()
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
        let (items, next) = self
            .followers_query(target, None, limit, start, only_accepted, false)
            .await?;
        Ok((parse_follows(items)?, next))
    }

    /// The feeds following `target` (in one feed group only with `group`), a page in source
    /// order, as ids: what a fan-out walks. Only the keys are read back, so a page of
    /// hundreds of followers costs the service (and this process) as little as it can.
    pub async fn follower_sources(
        &self,
        target: &str,
        group: Option<&str>,
        limit: usize,
        start: Option<&str>,
        only_accepted: bool,
    ) -> ApiResult<(Vec<String>, Option<String>)> {
        let (items, next) = self
            .followers_query(target, group, limit, start, only_accepted, true)
            .await?;
        let sources = items
            .iter()
            .filter_map(|i| i.get(keys::SK)?.as_s().ok())
            .filter_map(|sk| sk.strip_prefix(keys::FOLLOWER_PREFIX))
            .map(str::to_string)
            .collect();
        Ok((sources, next))
    }

    async fn followers_query(
        &self,
        target: &str,
        group: Option<&str>,
        limit: usize,
        start: Option<&str>,
        only_accepted: bool,
        keys_only: bool,
    ) -> ApiResult<(Vec<Item>, Option<String>)> {
        let prefix = group.map_or_else(
            || keys::FOLLOWER_PREFIX.to_string(),
            keys::followers_in_group,
        );
        let mut request = self
            .query()
            .key_condition_expression("pk = :pk AND begins_with(sk, :f)")
            .expression_attribute_values(":pk", s(keys::feed_partition(target)))
            .expression_attribute_values(":f", s(prefix))
            .limit(limit.clamp(1, 1000) as i32);
        if only_accepted {
            request = request
                .filter_expression("#st = :accepted")
                .expression_attribute_names("#st", "status")
                .expression_attribute_values(":accepted", s(FollowStatus::Accepted.as_str()));
        }
        if keys_only {
            request = request.projection_expression("pk, sk");
        }
        let start = start.map(|source| keys::follow(source, target).to_item());
        let page = self.query_page("read followers", request, start).await?;
        let next = page
            .last_key_attr(keys::SK)
            .and_then(|sk| sk.strip_prefix(keys::FOLLOWER_PREFIX).map(str::to_string));
        Ok((page.items, next))
    }

    /// One page of the follows out of `source` (what it follows), in target order.
    pub async fn following_page(
        &self,
        source: &str,
        limit: usize,
        start: Option<&str>,
    ) -> ApiResult<(Vec<Follow>, Option<String>)> {
        let (g1pk, _) = keys::follow_by_source(source, "");
        let request = self
            .query_index(keys::GSI1)
            .key_condition_expression("gsi1pk = :p")
            .expression_attribute_values(":p", s(g1pk.clone()))
            .limit(limit.clamp(1, 1000) as i32);
        let start = start.map(|target| {
            keys::follow(source, target).on_index((keys::GSI1_PK, &g1pk), (keys::GSI1_SK, target))
        });
        let page = self.query_page("read following", request, start).await?;
        let next = page.last_key_attr(keys::GSI1_SK);
        Ok((parse_follows(page.items)?, next))
    }
}

/// Where a listing of all follows stopped: the yearly bucket, and the follow to continue
/// after in it.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct AllFollowsPosition {
    pub bucket: Option<i64>,
    pub after: Option<(Nanos, String, String)>,
}

/// The oldest yearly bucket a listing of all follows looks in (2020).
const OLDEST_FOLLOW_BUCKET: Nanos = 1_577_836_800_000_000_000;

impl Store {
    /// A page of every follow, newest first: one Query of the all-follows index per yearly
    /// bucket it passes (from this year back to 2020) and one BatchGetItem of the follows.
    /// Returns where to continue when more may follow.
    pub async fn all_follows_page(
        &self,
        limit: usize,
        pos: AllFollowsPosition,
    ) -> ApiResult<(Vec<Follow>, Option<AllFollowsPosition>)> {
        let oldest = keys::activity_bucket(OLDEST_FOLLOW_BUCKET);
        let mut bucket = pos
            .bucket
            .unwrap_or_else(|| keys::activity_bucket(tributary_domain::time::now_nanos()));
        let mut after = pos.after;
        let mut found: Vec<keys::Key> = Vec::new();
        while found.len() < limit && bucket >= oldest {
            let partition = keys::follow_bucket_partition(bucket);
            let request = self
                .query_index(keys::GSI3)
                .key_condition_expression("gsi3pk = :p")
                .expression_attribute_values(":p", s(partition.clone()))
                .scan_index_forward(false)
                .limit((limit - found.len()) as i32);
            let start = after.as_ref().map(|(t, source, target)| {
                let (_, g3sk) = keys::follow_by_time(*t, source, target);
                keys::follow(source, target)
                    .on_index((keys::GSI3_PK, &partition), (keys::GSI3_SK, &g3sk))
            });
            let page = self.query_page("list all follows", request, start).await?;
            let more = page.last_key.is_some();
            for item in &page.items {
                let attr = |n: &str| item.get(n).and_then(|v| v.as_s().ok()).cloned();
                if let (Some(pk), Some(sk), Some(g3sk)) =
                    (attr(keys::PK), attr(keys::SK), attr(keys::GSI3_SK))
                {
                    let target = pk.strip_prefix("FEED#").unwrap_or(&pk).to_string();
                    let source = sk
                        .strip_prefix(keys::FOLLOWER_PREFIX)
                        .unwrap_or(&sk)
                        .to_string();
                    let t = g3sk
                        .split('#')
                        .next()
                        .and_then(|t| t.parse().ok())
                        .unwrap_or(0);
                    after = Some((t, source, target));
                    found.push(keys::Key::new(pk, sk));
                }
            }
            if !more {
                bucket -= 1;
                after = None;
            }
        }
        let items = self.batch_get(found.clone()).await?;
        let mut follows = parse_follows(items)?;
        let rank = |f: &Follow| {
            let k = keys::follow(&f.source, &f.target);
            found.iter().position(|x| *x == k).unwrap_or(usize::MAX)
        };
        follows.sort_by_key(rank);
        let next = (bucket >= oldest).then_some(AllFollowsPosition {
            bucket: Some(bucket),
            after,
        });
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
