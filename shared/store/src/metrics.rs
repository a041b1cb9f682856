//! Activity metrics (`track_activity_metrics`): counters such as views and clicks, spread
//! over `keys::METRIC_SHARDS` shard items per activity so a popular activity's writes are not
//! all on one partition, and per-user hourly allowances (Stream's per-metric limits).
//!
//! Tracking one event is one conditional UpdateItem of the user's allowance and one `ADD`
//! on a shard picked at random: two write units. Reading the metrics of a page of activities
//! is one batched read of the shards of those that were ever tracked (`has_metrics`).

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, Hasher};

use tributary_domain::ApiResult;

use crate::keys;
use crate::{n, Store};

/// Prefix of a metric's attribute on a shard item.
const METRIC_ATTR: &str = "m_";

/// How long a user's hourly allowance item is kept after its hour (TTL clean-up only).
const ALLOWANCE_KEEP_SECS: i64 = 2 * 3600;

fn random_shard() -> u32 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(tributary_domain::time::now_nanos() as u128);
    (h.finish() % u64::from(keys::METRIC_SHARDS)) as u32
}

impl Store {
    /// Takes `amount` from a user's allowance of `metric` on an activity for the hour
    /// `hour` (epoch hours): false, and nothing written, when that would exceed `limit`.
    pub async fn take_metric_allowance(
        &self,
        user_id: &str,
        hour: i64,
        activity_id: &str,
        metric: &str,
        amount: i64,
        limit: i64,
    ) -> ApiResult<bool> {
        if amount > limit {
            return Ok(false);
        }
        let out = self
            .run_if(
                "take metric allowance",
                self.update(keys::metric_rate(user_id, hour, activity_id, metric))
                    .update_expression("ADD #n :amount SET #ttl = if_not_exists(#ttl, :ttl)")
                    .condition_expression("attribute_not_exists(#n) OR #n <= :room")
                    .expression_attribute_names("#n", "n")
                    .expression_attribute_names("#ttl", keys::TTL)
                    .expression_attribute_values(":amount", n(amount))
                    .expression_attribute_values(":room", n(limit - amount))
                    .expression_attribute_values(
                        ":ttl",
                        n((hour + 1) * 3600 + ALLOWANCE_KEEP_SECS),
                    ),
            )
            .await?;
        Ok(out.is_some())
    }

    /// Adds `delta` to an activity's `metric`, on one of its shards.
    pub async fn add_to_metric(
        &self,
        activity_id: &str,
        metric: &str,
        delta: i64,
    ) -> ApiResult<()> {
        self.run(
            "add to metric",
            self.update(keys::activity_metric_shard(activity_id, random_shard()))
                .update_expression("ADD #m :d")
                .expression_attribute_names("#m", format!("{METRIC_ATTR}{metric}"))
                .expression_attribute_values(":d", n(delta)),
        )
        .await?;
        Ok(())
    }

    /// Marks an activity as tracked, so reads sum its shards. Idempotent; nothing is written
    /// when the activity is gone.
    pub async fn mark_has_metrics(&self, activity_id: &str) -> ApiResult<()> {
        self.run_if(
            "mark activity metrics",
            self.update(keys::activity(activity_id))
                .update_expression("SET has_metrics = :t")
                .condition_expression("attribute_exists(#pk)")
                .expression_attribute_names("#pk", keys::PK)
                .expression_attribute_values(
                    ":t",
                    aws_sdk_dynamodb::types::AttributeValue::Bool(true),
                ),
        )
        .await?;
        Ok(())
    }

    /// The metrics of activities (by id), summed over their shards: one batched read of every
    /// shard of the given activities. Activities with no counts are absent.
    pub async fn activity_metrics<'a>(
        &self,
        ids: impl IntoIterator<Item = &'a str>,
    ) -> ApiResult<HashMap<String, BTreeMap<String, i64>>> {
        let shard_keys: Vec<keys::Key> = ids
            .into_iter()
            .flat_map(|id| {
                (0..keys::METRIC_SHARDS).map(move |s| keys::activity_metric_shard(id, s))
            })
            .collect();
        if shard_keys.is_empty() {
            return Ok(HashMap::new());
        }
        let items = self.batch_get(shard_keys).await?;
        let mut out: HashMap<String, BTreeMap<String, i64>> = HashMap::new();
        for item in items {
            let Some(id) = item
                .get(keys::PK)
                .and_then(|v| v.as_s().ok())
                .and_then(|pk| pk.strip_prefix("METRICS#"))
                .and_then(|rest| rest.rsplit_once('#'))
                .map(|(id, _)| id.to_string())
            else {
                continue;
            };
            let sums = out.entry(id).or_default();
            for (name, value) in &item {
                let (Some(metric), Ok(v)) = (name.strip_prefix(METRIC_ATTR), value.as_n()) else {
                    continue;
                };
                *sums.entry(metric.to_string()).or_default() += v.parse::<i64>().unwrap_or(0);
            }
        }
        Ok(out)
    }
}
