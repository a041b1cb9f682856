//! Activities and their entries in the feeds they were added to.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, Put, ReturnValue, TransactWriteItem, Update};

use super::batch::{Item, WriteOp};
use super::Store;
use crate::document;
use crate::keys::{self, Key};
use tributary_domain::model::reaction::ReactionGroup;
use tributary_domain::model::{Activity, ActivityContent};
use tributary_domain::time::Nanos;
use tributary_domain::ApiError;
use tributary_domain::ApiResult;

use super::{n, s};

/// How many of an activity's newest shares it keeps listed (`latest_shares` on reads).
pub const LATEST_SHARES_KEPT: usize = 10;
/// How far past [`LATEST_SHARES_KEPT`] one trim reaches (shares appended concurrently).
const TRIM_SPAN: usize = 40;

/// The activity's item: its record, its keys and its index attributes.
fn activity_item(a: &Activity) -> ApiResult<Item> {
    let mut item: Item = document::to_item("serialize activity", a)?;
    item.extend(keys::activity(&a.id).to_item());
    let (gsi1pk, gsi1sk) = keys::activity_by_user(&a.user_id, a.created_at, &a.id);
    item.insert(keys::GSI1_PK.into(), s(gsi1pk));
    item.insert(keys::GSI1_SK.into(), s(gsi1sk));
    let (gsi3pk, gsi3sk) = keys::activity_by_time(a.created_at, &a.id);
    item.insert(keys::GSI3_PK.into(), s(gsi3pk));
    item.insert(keys::GSI3_SK.into(), s(gsi3sk));
    if let Some(expires_at) = a.content.expires_at {
        let (gsi2pk, gsi2sk) = keys::activity_expiry(expires_at, &a.id);
        item.insert(keys::GSI2_PK.into(), s(gsi2pk));
        item.insert(keys::GSI2_SK.into(), s(gsi2sk));
    }
    Ok(item)
}

/// Reaction groups live in flat `rg_*:<type>` attributes of their subject's item (so each
/// can be bumped atomically); this takes them out of the item.
pub(crate) fn take_reaction_groups(
    item: &mut Item,
) -> std::collections::BTreeMap<String, ReactionGroup> {
    let mut groups: std::collections::BTreeMap<String, ReactionGroup> = Default::default();
    let names: Vec<String> = item
        .keys()
        .filter(|k| k.starts_with("rg_"))
        .cloned()
        .collect();
    for name in names {
        let value = item
            .remove(&name)
            .and_then(|v| v.as_n().ok().and_then(|n| n.parse::<i64>().ok()));
        let (Some((field, kind)), Some(value)) = (name.split_once(':'), value) else {
            continue;
        };
        let group = groups.entry(kind.to_string()).or_default();
        match field {
            "rg_count" => group.count = value,
            "rg_first" => group.first_reaction_at = value,
            "rg_last" => group.last_reaction_at = value,
            _ => {}
        }
    }
    groups.retain(|_, g| g.count > 0);
    groups
}

pub(crate) fn parse_activity(mut item: Item) -> ApiResult<Activity> {
    let groups = take_reaction_groups(&mut item);
    let mut activity: Activity = document::from_item("parse activity", item)?;
    activity.reaction_groups = groups;
    Ok(activity)
}

/// An activity's entry in one feed: a small reference, so a delivery costs one write unit.
fn entry_item(a: &Activity, fid: &str, origin: &str) -> Item {
    let mut item = keys::feed_entry(fid, a.created_at, &a.id).to_item();
    item.insert("activity_id".into(), s(a.id.clone()));
    item.insert("created_at".into(), n(a.created_at));
    item.insert("origin".into(), s(origin));
    if let Some(expires_at) = a.content.expires_at {
        // Storage clean-up a day after expiry; reads filter expired activities themselves.
        item.insert(keys::TTL.into(), n(expires_at / 1_000_000_000 + 86_400));
    }
    item
}

/// Puts of the activity's entries in each of `feeds` (its own target feeds).
pub fn own_entry_puts(a: &Activity, feeds: &[String]) -> Vec<WriteOp> {
    feeds
        .iter()
        .map(|fid| WriteOp::Put(entry_item(a, fid, fid)))
        .collect()
}

pub fn entry_deletes(a: &Activity, feeds: &[String]) -> Vec<WriteOp> {
    feeds
        .iter()
        .map(|fid| WriteOp::Delete(keys::feed_entry(fid, a.created_at, &a.id)))
        .collect()
}

/// Why creating an activity failed in a way the client should hear about.
fn creation_conflict(a: &Activity, parent_missing: bool) -> ApiError {
    if parent_missing {
        ApiError::field(
            "parent_id",
            format!(
                "parent_id: activity '{}' does not exist",
                a.parent_id.as_deref().unwrap_or("")
            ),
        )
    } else {
        ApiError::field(
            "id",
            format!("an activity with id '{}' already exists", a.id),
        )
    }
}

impl Store {
    /// Creates an activity whose id is not taken, bumps its parent's `share_count` when it
    /// is a share (atomically with the create), then writes its entries in its feeds.
    pub async fn create_activity(&self, a: &Activity) -> ApiResult<()> {
        self.create_activity_record(a).await?;
        self.write_own_entries(a).await
    }

    /// The first half of [`Store::create_activity`]: the activity's item (conditional on its
    /// id being new; a share also counts itself on its parent), and the registries it joins.
    /// Its entries ([`Store::write_own_entries`]) may then be written beside other work.
    pub async fn create_activity_record(&self, a: &Activity) -> ApiResult<()> {
        let item = activity_item(a)?;
        match &a.parent_id {
            None => {
                let put = self
                    .put(item)
                    .condition_expression("attribute_not_exists(pk)");
                if self.run_if("put activity", put).await?.is_none() {
                    return Err(creation_conflict(a, false));
                }
            }
            Some(parent_id) => self.create_share(a, item, parent_id).await?,
        }
        self.note_activity_buckets(std::iter::once(a.created_at))
            .await?;
        self.note_expiry_days(a.content.expires_at.into_iter())
            .await
    }

    /// The second half of [`Store::create_activity`]: the activity's entries in its own
    /// feeds (and, for a share, the trim of its parent's newest-shares list).
    pub async fn write_own_entries(&self, a: &Activity) -> ApiResult<()> {
        let trim = async {
            match &a.parent_id {
                Some(parent_id) => self.trim_latest_shares(parent_id).await,
                None => Ok(()),
            }
        };
        tokio::try_join!(self.batch_write(own_entry_puts(a, &a.content.feeds)), trim)?;
        Ok(())
    }

    async fn create_share(&self, a: &Activity, item: Item, parent_id: &str) -> ApiResult<()> {
        let put = Put::builder()
            .table_name(self.table())
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(|e| ApiError::internal("build put", e))?;
        let bump = Update::builder()
            .table_name(self.table())
            .set_key(Some(keys::activity(parent_id).to_item()))
            .update_expression(
                "ADD share_count :one \
                 SET latest_share_ids = list_append(:id, if_not_exists(latest_share_ids, :empty))",
            )
            .condition_expression("attribute_exists(pk) AND attribute_not_exists(deleted_at)")
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":id", AttributeValue::L(vec![s(a.id.clone())]))
            .expression_attribute_values(":empty", AttributeValue::L(Vec::new()))
            .build()
            .map_err(|e| ApiError::internal("build update", e))?;
        // The share's entry under its parent, for `query_activity_shares`.
        let mut entry = keys::share_entry(parent_id, a.created_at, &a.id).to_item();
        entry.insert("activity_id".into(), s(a.id.clone()));
        entry.insert("user_id".into(), s(a.user_id.clone()));
        entry.insert("created_at".into(), n(a.created_at));
        let entry = Put::builder()
            .table_name(self.table())
            .set_item(Some(entry))
            .build()
            .map_err(|e| ApiError::internal("build put", e))?;
        let items = vec![
            TransactWriteItem::builder().put(put).build(),
            TransactWriteItem::builder().update(bump).build(),
            TransactWriteItem::builder().put(entry).build(),
        ];
        match self.transact("create share", items).await?.as_slice() {
            [] => Ok(()),
            [true, ..] => Err(creation_conflict(a, false)),
            _ => Err(creation_conflict(a, true)),
        }
    }

    /// Keeps the parent's newest-shares list at [`LATEST_SHARES_KEPT`] ids. Elements past
    /// the end of a list are ignored by `REMOVE`, so one write trims whatever concurrent
    /// shares appended; a list already short enough fails the condition and stays.
    async fn trim_latest_shares(&self, parent_id: &str) -> ApiResult<()> {
        let removes: Vec<String> = (LATEST_SHARES_KEPT..LATEST_SHARES_KEPT + TRIM_SPAN)
            .map(|i| format!("latest_share_ids[{i}]"))
            .collect();
        let request = self
            .update(keys::activity(parent_id))
            .update_expression(format!("REMOVE {}", removes.join(", ")))
            .condition_expression("size(latest_share_ids) > :kept")
            .expression_attribute_values(":kept", n(LATEST_SHARES_KEPT as i64));
        self.run_if("trim latest shares", request).await.map(|_| ())
    }

    /// Reads one activity, strongly consistent so a client reads its own writes.
    pub async fn get_activity(&self, id: &str) -> ApiResult<Option<Activity>> {
        let item = self
            .get_raw("get activity", keys::activity(id), true)
            .await?;
        item.map(parse_activity).transpose()
    }

    /// Reads many activities in batches; missing ones are absent from the map.
    pub async fn get_activities(&self, ids: &[String]) -> ApiResult<HashMap<String, Activity>> {
        let keys: Vec<Key> = ids.iter().map(|id| keys::activity(id)).collect();
        let items = self.batch_get(keys).await?;
        items
            .into_iter()
            .map(|item| parse_activity(item).map(|a| (a.id.clone(), a)))
            .collect()
    }

    /// Replaces an activity's content if nobody changed it since `old` was read, and moves
    /// its feed entries when its feeds changed. `Ok(None)` means someone else won the race.
    pub async fn replace_activity_content(
        &self,
        old: &Activity,
        content: ActivityContent,
        now: Nanos,
    ) -> ApiResult<Option<Activity>> {
        let content_value = document::to_attribute_value("serialize content", &content)?;
        let mut set = vec![
            "content = :c",
            "updated_at = :now",
            "edited_at = :now",
            "version = :next",
        ];
        let mut remove = Vec::new();
        let mut request = self
            .update(keys::activity(&old.id))
            .condition_expression("version = :seen")
            .expression_attribute_values(":c", content_value)
            .expression_attribute_values(":now", n(now))
            .expression_attribute_values(":next", n(old.version + 1))
            .expression_attribute_values(":seen", n(old.version));
        self.note_expiry_days(content.expires_at.into_iter())
            .await?;
        match content.expires_at {
            Some(expires_at) => {
                let (gsi2pk, gsi2sk) = keys::activity_expiry(expires_at, &old.id);
                set.push("gsi2pk = :g2pk");
                set.push("gsi2sk = :g2sk");
                request = request
                    .expression_attribute_values(":g2pk", s(gsi2pk))
                    .expression_attribute_values(":g2sk", s(gsi2sk));
            }
            None => remove.extend(["gsi2pk", "gsi2sk"]),
        }
        let mut expression = format!("SET {}", set.join(", "));
        if !remove.is_empty() {
            expression.push_str(&format!(" REMOVE {}", remove.join(", ")));
        }
        let Some(out) = self
            .run_if(
                "update activity",
                request
                    .update_expression(expression)
                    .return_values(ReturnValue::AllNew),
            )
            .await?
        else {
            return Ok(None);
        };
        let updated = parse_activity(out.attributes.unwrap_or_default())?;

        let added: Vec<String> = updated
            .content
            .feeds
            .iter()
            .filter(|f| !old.content.feeds.contains(f))
            .cloned()
            .collect();
        let removed: Vec<String> = old
            .content
            .feeds
            .iter()
            .filter(|f| !updated.content.feeds.contains(f))
            .cloned()
            .collect();
        let expiry_changed = updated.content.expires_at != old.content.expires_at;
        // Entries carry the expiry as their TTL, so a changed expiry rewrites them all.
        let rewrite: Vec<String> = if expiry_changed {
            updated.content.feeds.clone()
        } else {
            added
        };
        let mut ops = own_entry_puts(&updated, &rewrite);
        ops.extend(entry_deletes(&updated, &removed));
        if !ops.is_empty() {
            self.batch_write(ops).await?;
        }
        Ok(Some(updated))
    }

    /// Sets (`Some`) or clears (`None`) `deleted_at`. `Ok(None)` when the activity is gone.
    pub async fn set_activity_deleted(
        &self,
        id: &str,
        deleted_at: Option<Nanos>,
        now: Nanos,
    ) -> ApiResult<Option<Activity>> {
        self.mark_deleted(keys::activity(id), deleted_at, now, "mark activity deleted")
            .await?
            .map(parse_activity)
            .transpose()
    }

    /// Removes an activity, its entries in its own feeds, its entry under the activity it
    /// shares, its metric shards and its pins, for good.
    pub async fn delete_activity_hard(&self, a: &Activity) -> ApiResult<()> {
        let mut ops = vec![WriteOp::Delete(keys::activity(&a.id))];
        ops.extend(entry_deletes(a, &a.content.feeds));
        if a.has_metrics {
            ops.extend(
                (0..keys::METRIC_SHARDS)
                    .map(|shard| WriteOp::Delete(keys::activity_metric_shard(&a.id, shard))),
            );
        }
        if let Some(parent_id) = &a.parent_id {
            ops.push(WriteOp::Delete(keys::share_entry(
                parent_id,
                a.created_at,
                &a.id,
            )));
        }
        self.batch_write(ops).await?;
        self.unpin_everywhere(&a.id, &a.content.feeds).await
    }

    /// One page of the activities sharing `parent_id`, newest first (oldest first when
    /// `oldest_first`), continuing after the sort key `after`: (share id, its user, when,
    /// its sort key).
    pub async fn shares_of(
        &self,
        parent_id: &str,
        limit: usize,
        after: Option<&str>,
        oldest_first: bool,
    ) -> ApiResult<Vec<(String, String, Nanos, String)>> {
        let request = self
            .query()
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", s(keys::shares_partition(parent_id)))
            .scan_index_forward(oldest_first)
            .limit(limit.clamp(1, 1000) as i32);
        let start = after.map(|sk| Key::new(keys::shares_partition(parent_id), sk).to_item());
        let page = self.query_page("read shares", request, start).await?;
        Ok(page
            .items
            .iter()
            .filter_map(|item| {
                let text = |k: &str| item.get(k)?.as_s().ok().cloned();
                let at = item.get("created_at")?.as_n().ok()?.parse().ok()?;
                let user = text("user_id").unwrap_or_default();
                Some((text("activity_id")?, user, at, text(keys::SK)?))
            })
            .collect())
    }
}

impl Store {
    /// Bulk-loads activities and their own feed entries with batch writes: no uniqueness
    /// check and no counters. For imports and benchmarks, not for request paths.
    pub async fn import_activities(&self, list: &[Activity]) -> ApiResult<()> {
        let mut ops = Vec::with_capacity(list.len() * 2);
        for a in list {
            ops.push(WriteOp::Put(activity_item(a)?));
            ops.extend(own_entry_puts(a, &a.content.feeds));
        }
        self.note_activity_buckets(list.iter().map(|a| a.created_at))
            .await?;
        self.note_expiry_days(list.iter().filter_map(|a| a.content.expires_at))
            .await?;
        self.batch_write(ops).await
    }
}
