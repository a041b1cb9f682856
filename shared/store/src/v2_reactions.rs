//! v2 reactions that the v3 records cannot hold (see `tributary_v2::reactions` for the
//! mapping): reactions to activities that do not exist, a user's second reaction of one kind,
//! children of reactions other than comments. Each is one record (`V2R#<id>`) with entries
//! in the listings that show it (its activity's or its parent's, and for a top-level one its
//! user's) and a per-kind count in the scope it counts in, all written in one transaction so
//! listings and counts stay exact. Listings are table partitions, read strongly consistent.
//!
//! Also the v3-side reads and writes the v2 dialect needs beyond v3's own: reactions by time
//! range, one reaction by key, and changing a reaction's custom data.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::types::{
    Delete, KeysAndAttributes, Put, ReturnValue, TransactWriteItem, Update,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tributary_domain::model::reaction::{Reaction, Subject};
use tributary_domain::time::Nanos;
use tributary_domain::{ApiError, ApiResult};

use crate::batch::Item;
use crate::keys::{self, Key, SubjectKeys};
use crate::{n, s, Store};

/// A v2-only reaction as stored.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct V2ReactionRecord {
    pub id: String,
    pub kind: String,
    pub activity_id: String,
    pub user_id: String,
    /// The parent reaction's id, for a child.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// The reaction's v2 `data` (a document, as every record's custom data is).
    #[serde(default)]
    pub custom: Map<String, Value>,
    pub created_at: Nanos,
    pub updated_at: Nanos,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<Nanos>,
    /// 1 for a reaction to an activity, 2 for its child, 3 for a grandchild.
    pub depth: u8,
}

impl V2ReactionRecord {
    /// The scope it is listed and counted in: its parent's, or its activity's.
    pub fn scope(&self) -> String {
        match &self.parent {
            Some(p) => keys::v2_scope_parent(p),
            None => keys::v2_scope_activity(&self.activity_id),
        }
    }

    /// Every scope listing it: [`Self::scope`], and its user's for a top-level one.
    fn scopes(&self) -> Vec<String> {
        let mut out = vec![self.scope()];
        if self.parent.is_none() {
            out.push(keys::v2_scope_user(&self.user_id));
        }
        out
    }
}

fn count_attribute(kind: &str) -> String {
    format!("k:{kind}")
}

fn build<T, E: std::error::Error + Send + Sync + 'static>(
    what: &str,
    r: Result<T, E>,
) -> ApiResult<T> {
    r.map_err(|e| ApiError::internal(format!("build {what}"), e))
}

impl Store {
    fn v2_put(&self, item: Item, condition: Option<&str>) -> ApiResult<TransactWriteItem> {
        let put = build(
            "v2 reaction put",
            Put::builder()
                .table_name(self.table())
                .set_item(Some(item))
                .set_condition_expression(condition.map(str::to_string))
                .build(),
        )?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    fn v2_delete(&self, key: Key, condition: Option<&str>) -> ApiResult<TransactWriteItem> {
        let delete = build(
            "v2 reaction delete",
            Delete::builder()
                .table_name(self.table())
                .set_key(Some(key.to_item()))
                .set_condition_expression(condition.map(str::to_string))
                .build(),
        )?;
        Ok(TransactWriteItem::builder().delete(delete).build())
    }

    /// `ADD k:<kind> :delta` on a scope's counts.
    fn v2_count(&self, r: &V2ReactionRecord, delta: i64) -> ApiResult<TransactWriteItem> {
        let update = build(
            "v2 reaction count",
            Update::builder()
                .table_name(self.table())
                .set_key(Some(keys::v2_reaction_counts(&r.scope()).to_item()))
                .update_expression("ADD #k :d")
                .expression_attribute_names("#k", count_attribute(&r.kind))
                .expression_attribute_values(":d", n(delta))
                .build(),
        )?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    fn v2_entries(&self, r: &V2ReactionRecord) -> ApiResult<Vec<TransactWriteItem>> {
        r.scopes()
            .iter()
            .map(|scope| {
                let mut entry = keys::v2_reaction_entry(scope, r.created_at, &r.id).to_item();
                entry.insert("type".into(), s(r.kind.clone()));
                entry.insert("user_id".into(), s(r.user_id.clone()));
                self.v2_put(entry, None)
            })
            .collect()
    }

    fn v2_entry_deletes(&self, r: &V2ReactionRecord) -> ApiResult<Vec<TransactWriteItem>> {
        r.scopes()
            .iter()
            .map(|scope| self.v2_delete(keys::v2_reaction_entry(scope, r.created_at, &r.id), None))
            .collect()
    }

    /// Creates a v2-only reaction with its listing entries and (when live) its count,
    /// atomically. `Ok(false)` when its id is taken.
    pub async fn create_v2_reaction(&self, r: &V2ReactionRecord) -> ApiResult<bool> {
        let mut item = crate::document::to_item("serialize v2 reaction", r)?;
        item.extend(keys::v2_reaction(&r.id).to_item());
        let mut items = vec![self.v2_put(item, Some("attribute_not_exists(pk)"))?];
        items.extend(self.v2_entries(r)?);
        if r.deleted_at.is_none() {
            items.push(self.v2_count(r, 1)?);
        }
        let failed = self.transact("create v2 reaction", items).await?;
        Ok(failed.is_empty())
    }

    /// A v2-only reaction, strongly consistent.
    pub async fn get_v2_reaction(&self, id: &str) -> ApiResult<Option<V2ReactionRecord>> {
        self.get_item("get v2 reaction", keys::v2_reaction(id), true)
            .await
    }

    /// Many v2-only reactions in consistent batched reads; missing ones are absent.
    pub async fn get_v2_reactions(
        &self,
        ids: &[String],
    ) -> ApiResult<HashMap<String, V2ReactionRecord>> {
        let keys = ids.iter().map(|id| keys::v2_reaction(id)).collect();
        self.consistent_batch_get(keys)
            .await?
            .into_iter()
            .map(|item| {
                let r: V2ReactionRecord = crate::document::from_item("parse v2 reaction", item)?;
                Ok((r.id.clone(), r))
            })
            .collect()
    }

    /// Soft-deletes (`Some`) or restores (`None`) a v2-only reaction and moves its count.
    /// `Ok(None)` when it is not in the other state (or gone).
    pub async fn set_v2_reaction_deleted(
        &self,
        r: &V2ReactionRecord,
        deleted_at: Option<Nanos>,
        now: Nanos,
    ) -> ApiResult<Option<V2ReactionRecord>> {
        let mut update = Update::builder()
            .table_name(self.table())
            .set_key(Some(keys::v2_reaction(&r.id).to_item()))
            .expression_attribute_values(":now", n(now));
        update = match deleted_at {
            Some(at) => update
                .update_expression("SET deleted_at = :at, updated_at = :now")
                .condition_expression("attribute_exists(pk) AND attribute_not_exists(deleted_at)")
                .expression_attribute_values(":at", n(at)),
            None => update
                .update_expression("SET updated_at = :now REMOVE deleted_at")
                .condition_expression("attribute_exists(pk) AND attribute_exists(deleted_at)"),
        };
        let update = build("v2 reaction update", update.build())?;
        let delta = if deleted_at.is_some() { -1 } else { 1 };
        let items = vec![
            TransactWriteItem::builder().update(update).build(),
            self.v2_count(r, delta)?,
        ];
        if !self
            .transact("soft-delete v2 reaction", items)
            .await?
            .is_empty()
        {
            return Ok(None);
        }
        let mut out = r.clone();
        out.deleted_at = deleted_at;
        out.updated_at = now;
        Ok(Some(out))
    }

    /// Replaces a v2-only reaction's data; `Ok(None)` when it is gone.
    pub async fn set_v2_reaction_data(
        &self,
        id: &str,
        data: &Map<String, Value>,
        now: Nanos,
    ) -> ApiResult<Option<V2ReactionRecord>> {
        let request = self
            .update(keys::v2_reaction(id))
            .update_expression("SET custom = :c, updated_at = :now")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":c", crate::document::document("custom", data)?)
            .expression_attribute_values(":now", n(now))
            .return_values(ReturnValue::AllNew);
        match self.run_if("update v2 reaction", request).await? {
            Some(out) => {
                crate::document::from_item("parse v2 reaction", out.attributes.unwrap_or_default())
                    .map(Some)
            }
            None => Ok(None),
        }
    }

    /// Removes a v2-only reaction, its entries and its count, atomically. `Ok(false)` when
    /// it changed since `r` was read (read again and retry).
    pub async fn delete_v2_reaction(&self, r: &V2ReactionRecord) -> ApiResult<bool> {
        let state = if r.deleted_at.is_some() {
            "attribute_exists(pk) AND attribute_exists(deleted_at)"
        } else {
            "attribute_exists(pk) AND attribute_not_exists(deleted_at)"
        };
        let mut items = vec![self.v2_delete(keys::v2_reaction(&r.id), Some(state))?];
        items.extend(self.v2_entry_deletes(r)?);
        if r.deleted_at.is_none() {
            items.push(self.v2_count(r, -1)?);
        }
        Ok(self.transact("delete v2 reaction", items).await?.is_empty())
    }

    /// The per-kind counts of live v2-only reactions in each scope (scopes with none are
    /// absent; kinds with none too).
    pub async fn v2_reaction_counts(
        &self,
        scopes: &[String],
    ) -> ApiResult<HashMap<String, BTreeMap<String, i64>>> {
        let keys = scopes.iter().map(|s| keys::v2_reaction_counts(s)).collect();
        let mut out = HashMap::new();
        for item in self.consistent_batch_get(keys).await? {
            let Some(scope) = item
                .get(keys::PK)
                .and_then(|v| v.as_s().ok())
                .and_then(|pk| pk.strip_prefix("V2RL#"))
            else {
                continue;
            };
            let counts: BTreeMap<String, i64> = item
                .iter()
                .filter_map(|(name, v)| {
                    let kind = name.strip_prefix("k:")?;
                    let count: i64 = v.as_n().ok()?.parse().ok()?;
                    (count > 0).then(|| (kind.to_string(), count))
                })
                .collect();
            if !counts.is_empty() {
                out.insert(scope.to_string(), counts);
            }
        }
        Ok(out)
    }

    /// Entries of a scope's listing within `[from, to]` (positions `<time>#<id>`), strongly
    /// consistent, only of `kinds` when given. Returns the positions and, when the scope
    /// may hold more in this direction, the position the read stopped at.
    pub async fn v2_reaction_positions(
        &self,
        scope: &str,
        (from, to): (&str, &str),
        newest_first: bool,
        limit: usize,
        kinds: Option<&[String]>,
    ) -> ApiResult<(Vec<String>, Option<String>)> {
        let mut request = self
            .query()
            .key_condition_expression("pk = :pk AND sk BETWEEN :from AND :to")
            .expression_attribute_values(":pk", s(keys::v2_reaction_list(scope)))
            .expression_attribute_values(":from", s(from))
            .expression_attribute_values(":to", s(to))
            .consistent_read(true)
            .scan_index_forward(!newest_first)
            .limit(limit.clamp(1, 1000) as i32);
        if let Some(kinds) = kinds {
            let names: Vec<String> = (0..kinds.len()).map(|i| format!(":k{i}")).collect();
            request = request
                .filter_expression(format!("#type IN ({})", names.join(", ")))
                .expression_attribute_names("#type", "type");
            for (name, k) in names.into_iter().zip(kinds) {
                request = request.expression_attribute_values(name, s(k.clone()));
            }
        }
        let page = self
            .query_page("read v2 reaction entries", request, None)
            .await?;
        let sk_of = |item: &Item| item.get(keys::SK)?.as_s().ok().cloned();
        let positions = page.items.iter().filter_map(sk_of).collect();
        Ok((positions, page.last_key.as_ref().and_then(sk_of)))
    }

    /// Reads every key strongly consistent, 100 per call.
    async fn consistent_batch_get(&self, keys: Vec<Key>) -> ApiResult<Vec<Item>> {
        let mut unique: Vec<Key> = Vec::with_capacity(keys.len());
        for k in keys {
            if !unique.contains(&k) {
                unique.push(k);
            }
        }
        let mut found = Vec::new();
        for chunk in unique.chunks(crate::BATCH_GET_MAX) {
            let mut pending: Vec<Item> = chunk.iter().map(Key::to_item).collect();
            for attempt in 0..8u32 {
                if pending.is_empty() {
                    break;
                }
                if attempt > 0 {
                    tokio::time::sleep(std::time::Duration::from_millis(25 << attempt.min(5)))
                        .await;
                }
                let request = build(
                    "batch get request",
                    KeysAndAttributes::builder()
                        .set_keys(Some(std::mem::take(&mut pending)))
                        .consistent_read(true)
                        .build(),
                )?;
                let out = self
                    .run(
                        "consistent batch get",
                        self.client()
                            .batch_get_item()
                            .request_items(self.table().to_string(), request),
                    )
                    .await?;
                if let Some(mut responses) = out.responses {
                    found.extend(responses.remove(self.table()).unwrap_or_default());
                }
                pending = out
                    .unprocessed_keys
                    .and_then(|mut m| m.remove(self.table()))
                    .map(|k| k.keys)
                    .unwrap_or_default();
            }
            if !pending.is_empty() {
                return Err(ApiError::internal_msg(format!(
                    "consistent batch get: {} keys still unprocessed",
                    pending.len()
                )));
            }
        }
        Ok(found)
    }
}

// ---- the v3 records, as the v2 dialect reads and changes them ----------------------------

impl Store {
    /// A user's reaction of one kind to a subject, strongly consistent.
    pub async fn get_reaction(
        &self,
        subject: Subject<'_>,
        user_id: &str,
        kind: &str,
    ) -> ApiResult<Option<Reaction>> {
        self.get_item("get reaction", subject.reaction_key(user_id, kind), true)
            .await
    }

    /// A subject's reactions whose index positions (`<time>#<user>#<type>`) are within
    /// `[from, to]`, in time order. Returns them and, when more may follow in this
    /// direction, the position the read stopped at.
    pub async fn reactions_between(
        &self,
        subject: Subject<'_>,
        activity_id: &str,
        (from, to): (&str, &str),
        newest_first: bool,
        limit: usize,
    ) -> ApiResult<(Vec<Reaction>, Option<String>)> {
        let (g1pk, _) = subject.by_time(0, "", "");
        let request = self
            .query_index(keys::GSI1)
            .key_condition_expression("gsi1pk = :p AND gsi1sk BETWEEN :from AND :to")
            .expression_attribute_values(":p", s(g1pk))
            .expression_attribute_values(":from", s(from))
            .expression_attribute_values(":to", s(to))
            .scan_index_forward(!newest_first)
            .limit(limit.clamp(1, 1000) as i32);
        let page = self.query_page("read reactions", request, None).await?;
        let stopped = page.last_key_attr(keys::GSI1_SK);
        let list = page
            .items
            .iter()
            .filter_map(|item| crate::reactions::reaction_from_index(item, activity_id, subject))
            .collect();
        Ok((list, stopped))
    }

    /// Replaces a reaction's custom data, and its copy in its subject's newest-reactions
    /// list when it stands there at `latest_index`. `Ok(false)` when the reaction or the
    /// list changed meanwhile (read again and retry).
    pub async fn set_reaction_custom(
        &self,
        r: &Reaction,
        custom: &Map<String, Value>,
        now: Nanos,
        latest_index: Option<usize>,
    ) -> ApiResult<bool> {
        let doc = crate::document::document("custom", custom)?;
        let own = build(
            "reaction update",
            Update::builder()
                .table_name(self.table())
                .set_key(Some(
                    r.subject().reaction_key(&r.user_id, &r.kind).to_item(),
                ))
                .update_expression("SET custom = :c, updated_at = :now")
                .condition_expression("attribute_exists(pk) AND created_at = :at")
                .expression_attribute_values(":c", doc.clone())
                .expression_attribute_values(":now", n(now))
                .expression_attribute_values(":at", n(r.created_at))
                .build(),
        )?;
        let mut items = vec![TransactWriteItem::builder().update(own).build()];
        if let Some(i) = latest_index {
            let listed = build(
                "subject update",
                Update::builder()
                    .table_name(self.table())
                    .set_key(Some(r.subject().key().to_item()))
                    .update_expression(format!(
                        "SET latest_reactions[{i}].custom = :c, latest_reactions[{i}].updated_at = :now"
                    ))
                    .condition_expression(format!(
                        "attribute_exists(pk) AND latest_reactions[{i}].user_id = :u \
                         AND latest_reactions[{i}].#t = :k AND latest_reactions[{i}].created_at = :at"
                    ))
                    .expression_attribute_names("#t", "type")
                    .expression_attribute_values(":c", doc)
                    .expression_attribute_values(":now", n(now))
                    .expression_attribute_values(":u", s(r.user_id.clone()))
                    .expression_attribute_values(":k", s(r.kind.clone()))
                    .expression_attribute_values(":at", n(r.created_at))
                    .build(),
            )?;
            items.push(TransactWriteItem::builder().update(listed).build());
        }
        Ok(self.transact("update reaction", items).await?.is_empty())
    }
}
