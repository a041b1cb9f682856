//! Revision history (`query_revision_history`): one item per change of an activity or a
//! comment, in a partition per object by time, written only while the app's audit logs are
//! on (`feed_audit_logs_enabled`).
//!
//! Recording a change is one PutItem beside the change's own writes; reading an object's
//! history is one Query of its partition; a hard delete removes the partition with the
//! object (walked in pages, deleted in batches).

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::Value;
use tributary_domain::time::Nanos;
use tributary_domain::{ApiError, ApiResult};

use crate::batch::{Item, WriteOp};
use crate::keys::{self, Key};
use crate::{n, s, Store};

/// One recorded change.
#[derive(Clone, Debug, PartialEq)]
pub struct Revision {
    pub id: String,
    /// `activity` or `comment`.
    pub object_type: String,
    pub object_id: String,
    /// `create`, `edit`, `delete` or `restore`.
    pub action_type: String,
    /// `user` (a user token) or `admin` (a server-side call).
    pub actor_type: String,
    /// The acting user; empty for server-side calls.
    pub user_id: String,
    pub created_at: Nanos,
    /// For edits: the fields that changed.
    pub changed_fields: Vec<String>,
    /// The object as it was before the change (none for a creation).
    pub previous: Option<Value>,
}

impl Revision {
    fn key(&self) -> Key {
        keys::revision(
            &self.object_type,
            &self.object_id,
            self.created_at,
            &self.id,
        )
    }

    fn to_item(&self) -> ApiResult<Item> {
        let mut item = self.key().to_item();
        item.insert("id".into(), s(self.id.clone()));
        item.insert("object_type".into(), s(self.object_type.clone()));
        item.insert("object_id".into(), s(self.object_id.clone()));
        item.insert("action_type".into(), s(self.action_type.clone()));
        item.insert("actor_type".into(), s(self.actor_type.clone()));
        item.insert("user_id".into(), s(self.user_id.clone()));
        item.insert("created_at".into(), n(self.created_at));
        if !self.changed_fields.is_empty() {
            item.insert(
                "changed_fields".into(),
                AttributeValue::L(self.changed_fields.iter().cloned().map(s).collect()),
            );
        }
        if let Some(previous) = &self.previous {
            // Kept as JSON text: the snapshot is shown, never queried.
            let text = serde_json::to_string(previous)
                .map_err(|e| ApiError::internal("serialize revision", e))?;
            item.insert("previous".into(), s(text));
        }
        Ok(item)
    }

    fn parse(item: &Item) -> Option<Revision> {
        let text = |k: &str| item.get(k).and_then(|v| v.as_s().ok()).cloned();
        Some(Revision {
            id: text("id")?,
            object_type: text("object_type")?,
            object_id: text("object_id")?,
            action_type: text("action_type")?,
            actor_type: text("actor_type").unwrap_or_default(),
            user_id: text("user_id").unwrap_or_default(),
            created_at: item.get("created_at")?.as_n().ok()?.parse().ok()?,
            changed_fields: item
                .get("changed_fields")
                .and_then(|v| v.as_l().ok())
                .map(|l| l.iter().filter_map(|v| v.as_s().ok().cloned()).collect())
                .unwrap_or_default(),
            previous: text("previous").and_then(|t| serde_json::from_str(&t).ok()),
        })
    }
}

/// A page of an object's revisions and where the next one starts.
#[derive(Debug, Default)]
pub struct RevisionPage {
    pub revisions: Vec<(String, Revision)>,
    pub last: Option<String>,
}

impl Store {
    /// Records a change: one PutItem.
    pub async fn put_revision(&self, revision: &Revision) -> ApiResult<()> {
        self.put_item("record revision", revision.to_item()?).await
    }

    /// A page of an object's revisions by time (newest first unless `oldest_first`), after
    /// the sort key `after`: each with its sort key.
    pub async fn revisions(
        &self,
        object_type: &str,
        object_id: &str,
        limit: usize,
        after: Option<&str>,
        oldest_first: bool,
    ) -> ApiResult<RevisionPage> {
        let pk = keys::revisions_partition(object_type, object_id);
        let request = self
            .query()
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", s(pk.clone()))
            .scan_index_forward(oldest_first)
            .consistent_read(true)
            .limit(limit.clamp(1, 1000) as i32);
        let start = after.map(|sk| Key::new(pk, sk.to_string()).to_item());
        let page = self.query_page("read revisions", request, start).await?;
        let last = page.last_key_attr(keys::SK);
        Ok(RevisionPage {
            revisions: page
                .items
                .iter()
                .filter_map(|item| {
                    let sk = item.get(keys::SK)?.as_s().ok()?.clone();
                    Some((sk, Revision::parse(item)?))
                })
                .collect(),
            last,
        })
    }

    /// Removes an object's whole history (with a hard delete of the object).
    pub async fn delete_revisions(&self, object_type: &str, object_id: &str) -> ApiResult<()> {
        let pk = keys::revisions_partition(object_type, object_id);
        let mut start = None;
        loop {
            let request = self
                .query()
                .key_condition_expression("pk = :pk")
                .expression_attribute_values(":pk", s(pk.clone()))
                .projection_expression("pk, sk");
            let page = self.query_page("list revisions", request, start).await?;
            let deletes: Vec<WriteOp> = page
                .items
                .iter()
                .filter_map(|item| {
                    let sk = item.get(keys::SK)?.as_s().ok()?.clone();
                    Some(WriteOp::Delete(Key::new(pk.clone(), sk)))
                })
                .collect();
            self.batch_write(deletes).await?;
            match page.last_key {
                Some(key) => start = Some(key),
                None => return Ok(()),
            }
        }
    }
}
