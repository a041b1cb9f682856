//! Feeds: metadata, counters and the entries that make up a feed's contents.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::ReturnValue;

use super::batch::Item;
use super::{serde_error, Store};
use crate::keys::{self, Key};
use tributary_domain::model::feed::{Feed, FeedCounts};
use tributary_domain::time::Nanos;
use tributary_domain::ApiResult;

use super::{n, s};

/// One entry of a feed: which activity, and which feed it came from.
#[derive(Clone, Debug, PartialEq)]
pub struct FeedEntry {
    pub sk: String,
    pub activity_id: String,
    pub created_at: Nanos,
    pub origin: String,
}

impl FeedEntry {
    fn parse(item: &Item) -> Option<FeedEntry> {
        Some(FeedEntry {
            sk: item.get(keys::SK)?.as_s().ok()?.clone(),
            activity_id: item.get("activity_id")?.as_s().ok()?.clone(),
            created_at: item.get("created_at")?.as_n().ok()?.parse().ok()?,
            origin: item
                .get("origin")
                .and_then(|v| v.as_s().ok())
                .cloned()
                .unwrap_or_default(),
        })
    }
}

/// Which way a page of entries runs.
/// What counting an activity into a feed found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arrival {
    /// The feed had counted activities before (its counters existed).
    pub existed: bool,
    pub followers: i64,
    /// Set when the feed's flat followers pull its posts.
    pub pull_since: Option<Nanos>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Newest first, continuing after `start` (older entries).
    Older,
    /// Oldest first, continuing after `start` (newer entries).
    Newer,
}

pub(crate) fn feed_meta_item(f: &Feed) -> ApiResult<Item> {
    let mut item: Item = crate::document::to_item("serialize feed", f)?;
    item.extend(keys::feed(&f.fid).to_item());
    let (g1pk, g1sk) = keys::feed_by_group(&f.group_id, f.created_at, &f.fid);
    let (g2pk, g2sk) = keys::feed_by_creator(&f.created_by_id, f.created_at, &f.fid);
    item.insert(keys::GSI1_PK.into(), s(g1pk));
    item.insert(keys::GSI1_SK.into(), s(g1sk));
    item.insert(keys::GSI2_PK.into(), s(g2pk));
    item.insert(keys::GSI2_SK.into(), s(g2sk));
    Ok(item)
}

/// Merges the metadata and counters items of feeds read together.
fn assemble(items: Vec<Item>) -> ApiResult<HashMap<String, Feed>> {
    let mut metas: HashMap<String, Feed> = HashMap::new();
    let mut counts: HashMap<String, FeedCounts> = HashMap::new();
    let mut pulled: HashMap<String, Vec<String>> = HashMap::new();
    for item in items {
        let pk = item
            .get(keys::PK)
            .and_then(|v| v.as_s().ok())
            .cloned()
            .unwrap_or_default();
        let fid = pk.strip_prefix("FEED#").unwrap_or(&pk).to_string();
        match item
            .get(keys::SK)
            .and_then(|v| v.as_s().ok())
            .map(String::as_str)
        {
            Some("FEED") => {
                let feed: Feed = crate::document::from_item("parse feed", item)?;
                metas.insert(fid, feed);
            }
            Some("FEED#COUNTS") => {
                let c: FeedCounts = serde_dynamo::from_item(item)
                    .map_err(|e| serde_error("parse feed counts", e))?;
                counts.insert(fid, c);
            }
            Some("FEED#PULLED") => {
                let mut sources: Vec<String> = item
                    .get("sources")
                    .and_then(|v| v.as_ss().ok())
                    .cloned()
                    .unwrap_or_default();
                sources.sort();
                pulled.insert(fid, sources);
            }
            _ => {}
        }
    }
    Ok(metas
        .into_iter()
        .map(|(fid, f)| {
            let c = counts.remove(&fid).unwrap_or_default();
            let mut f = f.with_counts(c);
            f.pulled = pulled.remove(&fid).unwrap_or_default();
            (fid, f)
        })
        .collect())
}

impl Store {
    /// A feed with its counters (one Query), or `None` if it was never created.
    pub async fn get_feed(&self, fid: &str) -> ApiResult<Option<Feed>> {
        let out = self
            .run(
                "get feed",
                self.query()
                    .key_condition_expression("pk = :pk AND begins_with(sk, :feed)")
                    .expression_attribute_values(":pk", s(keys::feed_partition(fid)))
                    .expression_attribute_values(":feed", s("FEED"))
                    .consistent_read(true),
            )
            .await?;
        Ok(assemble(out.items.unwrap_or_default())?.remove(fid))
    }

    /// Many feeds with their counters, in batches; missing feeds are absent.
    pub async fn get_feeds(&self, fids: &[String]) -> ApiResult<HashMap<String, Feed>> {
        let keys: Vec<Key> = fids
            .iter()
            .flat_map(|f| [keys::feed(f), keys::feed_counts(f)])
            .collect();
        if keys.is_empty() {
            return Ok(HashMap::new());
        }
        assemble(self.batch_get(keys).await?)
    }

    /// Creates a feed unless it exists. Returns the stored feed and whether it was created.
    pub async fn create_feed_if_missing(&self, feed: &Feed) -> ApiResult<(Feed, bool)> {
        let put = self
            .put(feed_meta_item(feed)?)
            .condition_expression("attribute_not_exists(pk)");
        match self.run_if("create feed", put).await? {
            Some(_) => Ok((feed.clone(), true)),
            None => {
                let existing = self.get_feed(&feed.fid).await?;
                Ok((existing.unwrap_or_else(|| feed.clone()), false))
            }
        }
    }

    /// Replaces a feed's metadata (not its counters).
    pub async fn put_feed(&self, feed: &Feed) -> ApiResult<()> {
        self.run("put feed", self.put(feed_meta_item(feed)?))
            .await?;
        Ok(())
    }

    /// Counts an activity added to a feed and reports whether the feed's metadata already
    /// existed and how many followers it has, in one write.
    pub async fn count_activity_added(&self, fid: &str) -> ApiResult<(bool, i64)> {
        let a = self.count_arrival(fid).await?;
        Ok((a.existed, a.followers))
    }

    /// [`Store::count_activity_added`], also telling whether the feed's posts reach its flat
    /// followers by pull (its counters' `pull_since`), from the same write.
    pub async fn count_arrival(&self, fid: &str) -> ApiResult<Arrival> {
        let out = self
            .run(
                "count activity",
                self.update(keys::feed_counts(fid))
                    .update_expression(
                        "SET follower_count = if_not_exists(follower_count, :zero), \
                 activity_count = if_not_exists(activity_count, :zero) + :one",
                    )
                    .expression_attribute_values(":zero", n(0))
                    .expression_attribute_values(":one", n(1))
                    // The whole old item (the same write units): `pull_since` with the counts.
                    .return_values(ReturnValue::AllOld),
            )
            .await?;
        let old = out.attributes.unwrap_or_default();
        let number = |name: &str| {
            old.get(name)
                .and_then(|v| v.as_n().ok())
                .and_then(|v| v.parse::<i64>().ok())
        };
        Ok(Arrival {
            existed: old.contains_key("activity_count"),
            followers: number("follower_count").unwrap_or(0),
            pull_since: number("pull_since"),
        })
    }

    /// Adds `delta` to one of a feed's counters.
    pub async fn bump_feed_counter(&self, fid: &str, counter: &str, delta: i64) -> ApiResult<()> {
        self.run(
            "bump feed counter",
            self.update(keys::feed_counts(fid))
                .update_expression("ADD #c :d")
                .expression_attribute_names("#c", counter)
                .expression_attribute_values(":d", n(delta)),
        )
        .await?;
        Ok(())
    }

    /// Removes a feed's metadata and counters (its entries and follows are removed by the
    /// caller).
    pub async fn delete_feed_items(&self, fid: &str) -> ApiResult<()> {
        self.batch_write(vec![
            super::WriteOp::Delete(keys::feed(fid)),
            super::WriteOp::Delete(keys::feed_counts(fid)),
            super::WriteOp::Delete(keys::pulled_sources(fid)),
        ])
        .await
    }

    /// One page of a feed's entries. `start` is the sort key to continue after. Returns the
    /// entries and whether more may follow.
    pub async fn feed_entries(
        &self,
        fid: &str,
        limit: usize,
        start: Option<&str>,
        direction: Direction,
    ) -> ApiResult<(Vec<FeedEntry>, bool)> {
        let request = self
            .query()
            .key_condition_expression("pk = :pk AND begins_with(sk, :e)")
            .expression_attribute_values(":pk", s(keys::feed_partition(fid)))
            .expression_attribute_values(":e", s(keys::FEED_ENTRY_PREFIX))
            .scan_index_forward(direction == Direction::Newer)
            .limit(limit.clamp(1, 1000) as i32);
        let start = start.map(|sk| keys::Key::new(keys::feed_partition(fid), sk).to_item());
        let page = self.query_page("read feed entries", request, start).await?;
        let more = page.last_key.is_some();
        let entries = page.items.iter().filter_map(FeedEntry::parse).collect();
        Ok((entries, more))
    }

    /// Entries of `fid` whose activity is `activity_id` (at most one).
    pub async fn feed_entry_for(
        &self,
        fid: &str,
        created_at: Nanos,
        activity_id: &str,
    ) -> ApiResult<Option<FeedEntry>> {
        let key = keys::feed_entry(fid, created_at, activity_id);
        let item = self.get_raw("get feed entry", key, false).await?;
        Ok(item.as_ref().and_then(FeedEntry::parse))
    }

    /// Feed ids indexed under an index partition (a group's feeds, or a creator's), a page at
    /// a time, oldest first (`newest_first` reverses), with the position to continue from.
    pub async fn feeds_in_index(
        &self,
        index: &str,
        partition: &str,
        limit: usize,
        start: Option<(String, String)>,
        newest_first: bool,
    ) -> ApiResult<(Vec<String>, Option<(String, String)>)> {
        let (pk_name, sk_name) = if index == keys::GSI1 {
            (keys::GSI1_PK, keys::GSI1_SK)
        } else {
            (keys::GSI2_PK, keys::GSI2_SK)
        };
        let request = self
            .query_index(index)
            .key_condition_expression("#p = :p")
            .expression_attribute_names("#p", pk_name)
            .expression_attribute_values(":p", s(partition))
            .scan_index_forward(!newest_first)
            .limit(limit.clamp(1, 1000) as i32);
        let start = start.map(|(pk, sk)| {
            keys::Key::new(pk, "FEED").on_index((pk_name, partition), (sk_name, &sk))
        });
        let page = self.query_page("query feeds", request, start).await?;
        let fids: Vec<String> = page
            .items
            .iter()
            .filter_map(|i| i.get("fid").and_then(|v| v.as_s().ok()).cloned())
            .collect();
        let next = page.last_key.and_then(|k| {
            Some((
                k.get(keys::PK)?.as_s().ok()?.clone(),
                k.get(sk_name)?.as_s().ok()?.clone(),
            ))
        });
        Ok((fids, next))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_item_carries_both_index_keys() {
        let f = Feed::new("user", "john", "john", 5);
        let item = feed_meta_item(&f).unwrap();
        assert_eq!(item["pk"], s("FEED#user:john"));
        assert_eq!(item["sk"], s("FEED"));
        assert_eq!(item["gsi1pk"], s("FGRP#user"));
        assert_eq!(item["gsi2pk"], s("FCRT#john"));
        assert!(
            !item.contains_key("follower_count"),
            "counters live in their own item"
        );
    }
}
