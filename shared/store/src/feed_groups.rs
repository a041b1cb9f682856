//! Feed groups: built-in ones come from code until changed; the rest are items.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use super::Store;
use crate::keys;
use tributary_domain::model::feed_group::{default_groups, is_built_in, FeedGroup};
use tributary_domain::ApiResult;

fn parse(item: HashMap<String, AttributeValue>) -> ApiResult<FeedGroup> {
    crate::document::from_item("parse feed group", item)
}

impl Store {
    /// Every group: the stored ones and the built-in ones never changed, by id.
    pub async fn list_feed_groups(&self) -> ApiResult<Vec<FeedGroup>> {
        let out = self
            .run(
                "list feed groups",
                self.query()
                    .key_condition_expression("pk = :p")
                    .expression_attribute_values(
                        ":p",
                        AttributeValue::S(keys::FEED_GROUPS_PARTITION.into()),
                    )
                    .consistent_read(true),
            )
            .await?;
        let mut groups: Vec<FeedGroup> = out
            .items
            .unwrap_or_default()
            .into_iter()
            .map(parse)
            .collect::<ApiResult<_>>()?;
        for id in default_groups() {
            if !groups.iter().any(|g| g.id == id) {
                groups.extend(FeedGroup::built_in(id));
            }
        }
        groups.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(groups)
    }

    /// A group as it stands (stored, or built-in defaults), deleted ones included.
    pub async fn get_feed_group(&self, id: &str) -> ApiResult<Option<FeedGroup>> {
        let item = self
            .get_raw("get feed group", keys::feed_group(id), true)
            .await?;
        match item {
            Some(item) => parse(item).map(Some),
            None => Ok(FeedGroup::built_in(id)),
        }
    }

    pub async fn put_feed_group(&self, group: &FeedGroup) -> ApiResult<()> {
        let mut item: HashMap<String, AttributeValue> =
            crate::document::to_item("serialize feed group", group)?;
        item.extend(keys::feed_group(&group.id).to_item());
        self.run("put feed group", self.put(item)).await?;
        Ok(())
    }

    pub async fn delete_feed_group_item(&self, id: &str) -> ApiResult<()> {
        self.batch_write(vec![super::WriteOp::Delete(keys::feed_group(id))])
            .await
    }

    /// The given groups as they stand (stored, or built-in defaults), in one batched read;
    /// absent ones are left out.
    pub async fn feed_groups(&self, ids: &[&str]) -> ApiResult<HashMap<String, FeedGroup>> {
        let mut wanted: Vec<&str> = ids.to_vec();
        wanted.sort_unstable();
        wanted.dedup();
        let mut found: HashMap<String, FeedGroup> = self
            .batch_get(wanted.iter().map(|id| keys::feed_group(id)).collect())
            .await?
            .into_iter()
            .map(|item| parse(item).map(|g| (g.id.clone(), g)))
            .collect::<ApiResult<_>>()?;
        for id in wanted {
            if !found.contains_key(id) {
                if let Some(g) = FeedGroup::built_in(id) {
                    found.insert(id.to_string(), g);
                }
            }
        }
        Ok(found)
    }

    /// Of the given group ids, those that do not exist (or are deleted). Built-in groups
    /// always exist (they cannot be deleted) and need no read; the rest are read in one batch.
    pub async fn missing_feed_groups(&self, ids: &[&str]) -> ApiResult<Vec<String>> {
        let custom: Vec<&str> = ids.iter().copied().filter(|id| !is_built_in(id)).collect();
        if custom.is_empty() {
            return Ok(Vec::new());
        }
        let found: HashMap<String, FeedGroup> = self
            .batch_get(custom.iter().map(|id| keys::feed_group(id)).collect())
            .await?
            .into_iter()
            .map(|item| parse(item).map(|g| (g.id.clone(), g)))
            .collect::<ApiResult<_>>()?;
        let mut missing: Vec<String> = custom
            .into_iter()
            .filter(|id| found.get(*id).is_none_or(|g| g.deleted_at.is_some()))
            .map(str::to_string)
            .collect();
        missing.dedup();
        Ok(missing)
    }
}
