//! Feed groups: built-in ones need no read; others are looked up in one batch.

use std::collections::HashSet;

use super::{serde_error, Store};
use crate::keys;
use crate::model::feed_group::{is_built_in, FeedGroup};
use crate::ApiResult;

impl Store {
    /// Of the given group ids, those that do not exist (or are deleted).
    pub async fn missing_feed_groups(&self, ids: &[&str]) -> ApiResult<Vec<String>> {
        let custom: Vec<&str> = ids.iter().copied().filter(|id| !is_built_in(id)).collect();
        if custom.is_empty() {
            return Ok(Vec::new());
        }
        let found: HashSet<String> = self
            .batch_get(custom.iter().map(|id| keys::feed_group(id)).collect())
            .await?
            .into_iter()
            .map(|item| {
                serde_dynamo::from_item::<_, FeedGroup>(item)
                    .map_err(|e| serde_error("parse feed group", e))
            })
            .collect::<ApiResult<Vec<_>>>()?
            .into_iter()
            .filter(|g| g.deleted_at.is_none())
            .map(|g| g.id)
            .collect();
        let mut missing: Vec<String> = custom
            .into_iter()
            .filter(|id| !found.contains(*id))
            .map(String::from)
            .collect();
        missing.dedup();
        Ok(missing)
    }
}
