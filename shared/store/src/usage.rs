//! The app's daily usage counters, for `query_feeds_usage_stats`: activities added, follows
//! made and API requests answered, per day.
//!
//! Each function instance keeps its counts in memory and adds them here now and then (see
//! `tributary_http::usage`), on its own shard of the day (`keys::USAGE_SHARDS` items a day),
//! so one write carries many requests and no item is hot. Reading a range of days is one
//! Query of the usage partition.

use std::collections::BTreeMap;

use tributary_domain::ApiResult;

use crate::keys;
use crate::{n, s, Store};

/// Prefix of a counter's attribute on a day's shard item.
const COUNTER_ATTR: &str = "u_";

/// Counts by day (`YYYY-MM-DD`), then by counter name.
pub type DailyCounts = BTreeMap<String, BTreeMap<String, i64>>;

impl Store {
    /// Adds `counts` (counter name, amount) to a day's shard: one UpdateItem.
    pub async fn add_usage(&self, date: &str, shard: u32, counts: &[(&str, i64)]) -> ApiResult<()> {
        if counts.is_empty() {
            return Ok(());
        }
        let mut request = self.update(keys::usage_day(date, shard));
        let mut adds = Vec::with_capacity(counts.len());
        for (i, (name, amount)) in counts.iter().enumerate() {
            adds.push(format!("#c{i} :v{i}"));
            request = request
                .expression_attribute_names(format!("#c{i}"), format!("{COUNTER_ATTR}{name}"))
                .expression_attribute_values(format!(":v{i}"), n(*amount));
        }
        self.run(
            "add usage",
            request.update_expression(format!("ADD {}", adds.join(", "))),
        )
        .await?;
        Ok(())
    }

    /// The counts of the days from `from` to `to` (both `YYYY-MM-DD`, inclusive), summed over
    /// their shards; days with nothing counted are absent. One Query (a few pages at most: a
    /// day is at most `USAGE_SHARDS` small items).
    pub async fn usage_between(&self, from: &str, to: &str) -> ApiResult<DailyCounts> {
        let mut out = DailyCounts::new();
        let mut start = None;
        loop {
            let request = self
                .query()
                .key_condition_expression("pk = :pk AND sk BETWEEN :from AND :to")
                .expression_attribute_values(":pk", s(keys::USAGE_PARTITION))
                .expression_attribute_values(":from", s(format!("{from}#")))
                .expression_attribute_values(":to", s(format!("{to}#~")))
                .consistent_read(true);
            let page = self.query_page("read usage", request, start).await?;
            for item in &page.items {
                let Some(date) = item
                    .get(keys::SK)
                    .and_then(|v| v.as_s().ok())
                    .and_then(|sk| sk.split_once('#'))
                    .map(|(date, _)| date.to_string())
                else {
                    continue;
                };
                let day = out.entry(date).or_default();
                for (name, value) in item {
                    let (Some(counter), Ok(v)) = (name.strip_prefix(COUNTER_ATTR), value.as_n())
                    else {
                        continue;
                    };
                    *day.entry(counter.to_string()).or_default() += v.parse::<i64>().unwrap_or(0);
                }
            }
            match page.last_key {
                Some(key) => start = Some(key),
                None => return Ok(out),
            }
        }
    }
}
