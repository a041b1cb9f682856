//! Time-ordered partitions read by range: a user's activities (gsi1), a feed's entries, the
//! all-activities buckets (gsi3), a user's comments (gsi1). Queries merge several of these
//! partitions in time order; this module reads one slice of one of them.

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};

use aws_sdk_dynamodb::types::AttributeValue;

use super::{s, Store};
use crate::keys;
use tributary_domain::time::Nanos;
use tributary_domain::ApiResult;

/// One time-ordered partition whose sort keys are `<prefix><20-digit time>#<id>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimePartition {
    pub index: Option<&'static str>,
    pub pk: String,
    pub sk_prefix: String,
}

impl TimePartition {
    pub fn table(pk: String, sk_prefix: &str) -> Self {
        TimePartition {
            index: None,
            pk,
            sk_prefix: sk_prefix.to_string(),
        }
    }

    pub fn index(index: &'static str, pk: String) -> Self {
        TimePartition {
            index: Some(index),
            pk,
            sk_prefix: String::new(),
        }
    }

    fn key_names(&self) -> (&'static str, &'static str) {
        match self.index {
            None => (keys::PK, keys::SK),
            Some(keys::GSI1) => (keys::GSI1_PK, keys::GSI1_SK),
            Some(keys::GSI2) => (keys::GSI2_PK, keys::GSI2_SK),
            Some(_) => (keys::GSI3_PK, keys::GSI3_SK),
        }
    }
}

/// A slice of a partition: positions (`<time>#<id>`, prefix removed) in `[from, to]`,
/// inclusive, in the given order.
pub struct Slice<'a> {
    pub from: &'a str,
    pub to: &'a str,
    pub newest_first: bool,
    pub limit: usize,
    /// Keep only items whose `type` is one of these (applied by DynamoDB on the read items).
    pub types: Option<&'a [String]>,
}

impl<'a> Slice<'a> {
    /// Every position in `[from, to]`, oldest first, `limit` at a time.
    pub fn oldest_first(from: &'a str, to: &'a str, limit: usize) -> Self {
        Slice {
            from,
            to,
            newest_first: false,
            limit,
            types: None,
        }
    }
}

impl Store {
    /// Reads positions from one partition. Returns them and, when the partition may hold
    /// more in this direction, the position the read stopped at.
    pub async fn positions(
        &self,
        part: &TimePartition,
        slice: &Slice<'_>,
    ) -> ApiResult<(Vec<String>, Option<String>)> {
        let (pk_name, sk_name) = part.key_names();
        let mut request = self
            .query()
            .set_index_name(part.index.map(str::to_string))
            .key_condition_expression("#pk = :pk AND #sk BETWEEN :from AND :to")
            .expression_attribute_names("#pk", pk_name)
            .expression_attribute_names("#sk", sk_name)
            .expression_attribute_values(":pk", s(part.pk.clone()))
            .expression_attribute_values(":from", s(format!("{}{}", part.sk_prefix, slice.from)))
            .expression_attribute_values(":to", s(format!("{}{}", part.sk_prefix, slice.to)))
            .projection_expression("#sk")
            .scan_index_forward(!slice.newest_first)
            .limit(slice.limit.clamp(1, 1000) as i32);
        if let Some(types) = slice.types {
            let names: Vec<String> = (0..types.len()).map(|i| format!(":t{i}")).collect();
            request = request
                .filter_expression(format!("#type IN ({})", names.join(", ")))
                .expression_attribute_names("#type", "type");
            for (name, t) in names.into_iter().zip(types) {
                request = request.expression_attribute_values(name, s(t.clone()));
            }
        }
        let page = self.query_page("read positions", request, None).await?;
        let positions = page
            .items
            .iter()
            .filter_map(|item| match item.get(sk_name) {
                Some(AttributeValue::S(sk)) => sk.strip_prefix(&part.sk_prefix).map(str::to_string),
                _ => None,
            })
            .collect();
        let stopped_at = page.last_key.as_ref().and_then(|k| match k.get(sk_name) {
            Some(AttributeValue::S(sk)) => sk.strip_prefix(&part.sk_prefix).map(str::to_string),
            _ => None,
        });
        Ok((positions, stopped_at))
    }

    /// The next positions across several partitions, merged in time order and deduplicated
    /// (one activity in two feeds has one position), continuing after `after`. Each
    /// partition is read once, concurrently. Returns at most `slice.limit` positions, and
    /// where to continue when there may be more: every position before it (in the read's
    /// order) has been seen in every partition, so merged pages neither skip nor repeat.
    pub async fn merged_positions(
        &self,
        parts: &[TimePartition],
        slice: &Slice<'_>,
        after: Option<&str>,
    ) -> ApiResult<(Vec<String>, Option<String>)> {
        let (from, to) = match (after, slice.newest_first) {
            (Some(a), true) if a < slice.to => (slice.from, a),
            (Some(a), false) if a > slice.from => (a, slice.to),
            _ => (slice.from, slice.to),
        };
        if from > to || parts.is_empty() {
            return Ok((vec![], None));
        }
        let bounded = Slice {
            from,
            to,
            newest_first: slice.newest_first,
            // One more, since `after` itself may come back (the bounds are inclusive).
            limit: slice.limit + 1,
            types: slice.types,
        };
        let reads = parts.iter().map(|p| self.positions(p, &bounded));
        let results = futures::future::try_join_all(reads).await?;
        // The least advanced partition bounds what is known in merged order.
        let mut horizon: Option<String> = None;
        let mut all: Vec<String> = Vec::new();
        for (list, stopped_at) in results {
            if let Some(h) = stopped_at {
                let behind = match &horizon {
                    None => true,
                    Some(cur) if slice.newest_first => h > *cur,
                    Some(cur) => h < *cur,
                };
                if behind {
                    horizon = Some(h);
                }
            }
            all.extend(list.into_iter().filter(|p| Some(p.as_str()) != after));
        }
        all.sort_unstable();
        all.dedup();
        if slice.newest_first {
            all.reverse();
        }
        if let Some(h) = &horizon {
            all.retain(|p| if slice.newest_first { p >= h } else { p <= h });
        }
        if all.len() > slice.limit {
            all.truncate(slice.limit);
            let last = all.last().cloned();
            return Ok((all, last));
        }
        Ok((all, horizon))
    }

    /// Records that the all-activities index has entries in the buckets of these times.
    pub(crate) async fn note_activity_buckets(
        &self,
        times: impl Iterator<Item = Nanos>,
    ) -> ApiResult<()> {
        let buckets = times.map(keys::activity_bucket).collect();
        self.note_in_registry(keys::activity_buckets(), buckets)
            .await
    }

    /// Records that activities expire on the days of these times (the expiry job's work).
    pub(crate) async fn note_expiry_days(
        &self,
        times: impl Iterator<Item = Nanos>,
    ) -> ApiResult<()> {
        let days = times.map(keys::expiry_day).collect();
        self.note_in_registry(keys::expiry_days(), days).await
    }

    /// Adds numbers to a registry item's number set. A process remembers what it added, so
    /// each number costs one write per process, not one per call.
    async fn note_in_registry(&self, registry: keys::Key, values: Vec<i64>) -> ApiResult<()> {
        static NOTED: OnceLock<Mutex<HashSet<(String, String, i64)>>> = OnceLock::new();
        let noted = NOTED.get_or_init(Default::default);
        let tag = |v: i64| (self.table().to_string(), registry.sk.clone(), v);
        let fresh: Vec<i64> = {
            let seen = noted.lock().expect("registry lock");
            let mut fresh: Vec<i64> = values
                .into_iter()
                .filter(|v| !seen.contains(&tag(*v)))
                .collect();
            fresh.sort_unstable();
            fresh.dedup();
            fresh
        };
        if fresh.is_empty() {
            return Ok(());
        }
        self.run(
            "note in registry",
            self.update(registry.clone())
                .update_expression("ADD #set :v")
                .expression_attribute_names("#set", "set")
                .expression_attribute_values(
                    ":v",
                    AttributeValue::Ns(fresh.iter().map(i64::to_string).collect()),
                ),
        )
        .await?;
        let mut seen = noted.lock().expect("registry lock");
        seen.extend(fresh.into_iter().map(tag));
        Ok(())
    }

    /// A registry's numbers, smallest first.
    pub async fn registry(&self, registry: keys::Key) -> ApiResult<Vec<i64>> {
        let item = self.get_raw("read registry", registry, true).await?;
        let mut values: Vec<i64> = match item.as_ref().and_then(|i| i.get("set")) {
            Some(AttributeValue::Ns(list)) => list.iter().filter_map(|b| b.parse().ok()).collect(),
            _ => vec![],
        };
        values.sort_unstable();
        Ok(values)
    }

    /// Takes a number out of a registry (work that is done).
    pub async fn forget_in_registry(&self, registry: keys::Key, value: i64) -> ApiResult<()> {
        self.run(
            "update registry",
            self.update(registry)
                .update_expression("DELETE #set :v")
                .expression_attribute_names("#set", "set")
                .expression_attribute_values(":v", AttributeValue::Ns(vec![value.to_string()])),
        )
        .await?;
        Ok(())
    }

    /// Where a scheduled job stopped (a position), if it ran before.
    pub async fn job_position(&self, job: &str) -> ApiResult<Option<String>> {
        let item = self
            .get_raw("read job progress", keys::job_progress(job), true)
            .await?;
        Ok(item.and_then(|i| i.get("position")?.as_s().ok().cloned()))
    }

    pub async fn set_job_position(&self, job: &str, position: &str) -> ApiResult<()> {
        self.run(
            "save job progress",
            self.update(keys::job_progress(job))
                .update_expression("SET #p = :p")
                .expression_attribute_names("#p", "position")
                .expression_attribute_values(":p", s(position)),
        )
        .await?;
        Ok(())
    }

    /// The all-activities index's buckets that hold anything, oldest first.
    pub async fn activity_buckets(&self) -> ApiResult<Vec<i64>> {
        self.registry(keys::activity_buckets()).await
    }
}
