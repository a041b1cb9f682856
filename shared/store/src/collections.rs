//! Collection objects: free-form data under `<name>:<id>`, optionally owned by a user. One
//! record serves both dialects: v2's collections (`collections/{name}/{id}`, the batch
//! `collections/` calls, `SO:<name>:<id>` references) and v3's collections (collection refs
//! `<name>:<id>` on activities). v2's `data` is the record's `custom`.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{
    AttributeValue, Delete, Put, ReturnValue, TransactWriteItem, Update,
};
use futures::stream::{self, StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::batch::Item;
use super::{n, s, Store, WriteOp};
use crate::keys;
use tributary_domain::model::User;
use tributary_domain::time::Nanos;
use tributary_domain::{ApiError, ApiResult};

/// Most objects one batch call (upsert, select, delete) may name.
pub const MAX_BATCH: usize = 1000;
/// Longest collection name or object id.
pub const MAX_KEY_LEN: usize = 255;
/// Upserts kept in flight.
const CONCURRENCY: usize = 8;

/// A collection object as stored.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct CollectionObject {
    /// The collection it belongs to (v2's `collection`, v3's `name`).
    pub name: String,
    pub id: String,
    #[serde(default)]
    pub custom: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    pub created_at: Nanos,
    pub updated_at: Nanos,
}

impl CollectionObject {
    /// `<name>:<id>`: how both dialects refer to it.
    pub fn reference(&self) -> String {
        format!("{}:{}", self.name, self.id)
    }
}

/// What a write conditioned on existence (and, for a user, ownership) found.
#[derive(Debug, PartialEq)]
pub enum Guarded<T> {
    Done(T),
    Missing,
    /// The object exists but belongs to someone else.
    NotOwner,
}

/// Checks a collection name or object id: it becomes part of a key, so only letters,
/// digits, `_` and `-`, at most 255 characters (no `:` or `#`).
pub fn check_key_part(field: &str, value: &str) -> ApiResult<()> {
    let ok = !value.is_empty()
        && value.chars().count() <= MAX_KEY_LEN
        && value
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-');
    if ok {
        Ok(())
    } else {
        Err(ApiError::field(
            field,
            format!(
                "{field}: '{value}' may contain only letters, digits, '_' and '-' (1 to {MAX_KEY_LEN})"
            ),
        ))
    }
}

/// Splits a `<name>:<id>` reference; `None` unless both parts are valid key parts.
pub fn parse_reference(reference: &str) -> Option<(&str, &str)> {
    let (name, id) = reference.split_once(':')?;
    (check_key_part("name", name).is_ok() && check_key_part("id", id).is_ok()).then_some((name, id))
}

fn object_item(o: &CollectionObject) -> ApiResult<Item> {
    let mut item: Item = crate::document::to_item("serialize collection object", o)?;
    item.extend(keys::collection_object(&o.name, &o.id).to_item());
    let (g1pk, g1sk) = keys::collection_object_by_name(&o.name, o.created_at, &o.id);
    item.insert(keys::GSI1_PK.into(), s(g1pk));
    item.insert(keys::GSI1_SK.into(), s(g1sk));
    if let Some(user) = &o.user_id {
        let (g2pk, g2sk) = keys::collection_object_by_user(user, o.created_at, &o.name, &o.id);
        item.insert(keys::GSI2_PK.into(), s(g2pk));
        item.insert(keys::GSI2_SK.into(), s(g2sk));
    }
    Ok(item)
}

fn parse_object(item: Item) -> ApiResult<CollectionObject> {
    crate::document::from_item("parse collection object", item)
}

impl Store {
    /// Creates an object unless one exists under its name and id: `Ok(false)` then.
    pub async fn create_collection_object(&self, o: &CollectionObject) -> ApiResult<bool> {
        let request = self
            .put(object_item(o)?)
            .condition_expression("attribute_not_exists(pk)");
        Ok(self
            .run_if("create collection object", request)
            .await?
            .is_some())
    }

    /// One object, read consistently.
    pub async fn get_collection_object(
        &self,
        name: &str,
        id: &str,
    ) -> ApiResult<Option<CollectionObject>> {
        self.get_raw(
            "get collection object",
            keys::collection_object(name, id),
            true,
        )
        .await?
        .map(parse_object)
        .transpose()
    }

    /// Objects by `(name, id)`, in batches; missing ones are absent. Keyed by `<name>:<id>`.
    pub async fn get_collection_objects(
        &self,
        wanted: &[(String, String)],
    ) -> ApiResult<HashMap<String, CollectionObject>> {
        let (_, objects) = self.get_users_and_objects(&[], wanted).await?;
        Ok(objects)
    }

    /// Users and collection objects in the same BatchGetItem calls (what enriching a page
    /// of activities needs). Users are keyed by id, objects by `<name>:<id>`.
    pub async fn get_users_and_objects(
        &self,
        user_ids: &[String],
        objects: &[(String, String)],
    ) -> ApiResult<(HashMap<String, User>, HashMap<String, CollectionObject>)> {
        let mut wanted: Vec<keys::Key> = user_ids.iter().map(|u| keys::user(u)).collect();
        wanted.extend(
            objects
                .iter()
                .map(|(name, id)| keys::collection_object(name, id)),
        );
        let mut users = HashMap::new();
        let mut found = HashMap::new();
        if wanted.is_empty() {
            return Ok((users, found));
        }
        for item in self.batch_get(wanted).await? {
            let is_user = item
                .get(keys::PK)
                .and_then(|v| v.as_s().ok())
                .is_some_and(|pk| pk.starts_with("USER#"));
            if is_user {
                let user: User = crate::document::from_item("parse user", item)?;
                users.insert(user.id.clone(), user);
            } else {
                let o = parse_object(item)?;
                found.insert(o.reference(), o);
            }
        }
        Ok((users, found))
    }

    /// Replaces an object's `custom`. With `owner`, only when the object belongs to that
    /// user (a user token changes only its own objects).
    pub async fn update_collection_object(
        &self,
        name: &str,
        id: &str,
        custom: &Map<String, Value>,
        owner: Option<&str>,
        now: Nanos,
    ) -> ApiResult<Guarded<CollectionObject>> {
        let mut request = self
            .update(keys::collection_object(name, id))
            .update_expression("SET custom = :c, updated_at = :now")
            .expression_attribute_values(":c", crate::document::document("custom", custom)?)
            .expression_attribute_values(":now", n(now))
            .return_values(ReturnValue::AllNew);
        request = match owner {
            Some(owner) => request
                .condition_expression("attribute_exists(pk) AND user_id = :owner")
                .expression_attribute_values(":owner", s(owner)),
            None => request.condition_expression("attribute_exists(pk)"),
        };
        match self.run_if("update collection object", request).await? {
            Some(out) => Ok(Guarded::Done(parse_object(
                out.attributes.unwrap_or_default(),
            )?)),
            None => self.why_refused(name, id).await,
        }
    }

    /// Deletes an object; with `owner`, only the user's own.
    pub async fn delete_collection_object(
        &self,
        name: &str,
        id: &str,
        owner: Option<&str>,
    ) -> ApiResult<Guarded<()>> {
        let mut request = self.delete(keys::collection_object(name, id));
        request = match owner {
            Some(owner) => request
                .condition_expression("attribute_exists(pk) AND user_id = :owner")
                .expression_attribute_values(":owner", s(owner)),
            None => request.condition_expression("attribute_exists(pk)"),
        };
        match self.run_if("delete collection object", request).await? {
            Some(_) => Ok(Guarded::Done(())),
            None => self.why_refused(name, id).await,
        }
    }

    /// After a refused conditional write: whether the object is missing or someone else's.
    async fn why_refused<T>(&self, name: &str, id: &str) -> ApiResult<Guarded<T>> {
        Ok(match self.get_collection_object(name, id).await? {
            None => Guarded::Missing,
            Some(_) => Guarded::NotOwner,
        })
    }

    /// Creates or replaces the `custom` of each object, keeping an existing one's
    /// `created_at` and `user_id`. Returns the objects as stored, in input order.
    pub async fn upsert_collection_objects(
        &self,
        objects: Vec<CollectionObject>,
    ) -> ApiResult<Vec<CollectionObject>> {
        stream::iter(objects)
            .map(|o| self.upsert_collection_object(o))
            .buffered(CONCURRENCY)
            .try_collect()
            .await
    }

    async fn upsert_collection_object(&self, o: CollectionObject) -> ApiResult<CollectionObject> {
        let (g1pk, g1sk) = keys::collection_object_by_name(&o.name, o.created_at, &o.id);
        let values: HashMap<String, AttributeValue> = [
            (":name", s(&o.name)),
            (":id", s(&o.id)),
            (":c", crate::document::document("custom", &o.custom)?),
            (":now", n(o.updated_at)),
            (":created", n(o.created_at)),
            (":g1pk", s(g1pk)),
            (":g1sk", s(g1sk)),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let request = self
            .update(keys::collection_object(&o.name, &o.id))
            .update_expression(
                "SET #name = :name, #id = :id, custom = :c, updated_at = :now, \
                 created_at = if_not_exists(created_at, :created), \
                 gsi1pk = :g1pk, gsi1sk = if_not_exists(gsi1sk, :g1sk)",
            )
            .expression_attribute_names("#name", "name")
            .expression_attribute_names("#id", "id")
            .set_expression_attribute_values(Some(values))
            .return_values(ReturnValue::AllNew);
        let out = self.run("upsert collection object", request).await?;
        parse_object(out.attributes.unwrap_or_default())
    }

    /// Deletes objects of one collection by id; ids that name nothing are skipped.
    pub async fn delete_collection_objects(&self, name: &str, ids: &[String]) -> ApiResult<()> {
        let ops = ids
            .iter()
            .map(|id| WriteOp::Delete(keys::collection_object(name, id)))
            .collect();
        self.batch_write(ops).await
    }
}

/// Objects a query index read examines per round (one Query and one BatchGetItem).
const QUERY_ROUND: i32 = 100;

/// Which index a collection query walks: one collection's objects or one user's, both in
/// creation order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ObjectIndex {
    Name(String),
    User(String),
}

/// A walk over one partition of a collection index.
#[derive(Clone, Debug)]
pub struct ObjectWalk {
    pub index: ObjectIndex,
    /// Oldest first when true.
    pub forward: bool,
    /// Continue strictly past this position (an index sort key).
    pub after: Option<String>,
    /// Creation time range `[from, to)`.
    pub from: Option<Nanos>,
    pub to: Option<Nanos>,
    /// Matches wanted.
    pub want: usize,
    /// Index entries one call may examine before it stops with a position to resume from.
    pub budget: usize,
}

/// A write op of a v3 batch, built for a transaction.
fn tx_err(e: impl std::fmt::Display) -> ApiError {
    ApiError::internal_msg(format!("build collection transaction: {e}"))
}

impl Store {
    /// Creates every object or none (one transaction): `Some(reference)` of one that
    /// already exists when refused.
    pub async fn create_collection_objects(
        &self,
        objects: &[CollectionObject],
    ) -> ApiResult<Option<String>> {
        let mut items = Vec::with_capacity(objects.len());
        for o in objects {
            let put = Put::builder()
                .table_name(self.table())
                .set_item(Some(object_item(o)?))
                .condition_expression("attribute_not_exists(pk)")
                .build()
                .map_err(tx_err)?;
            items.push(TransactWriteItem::builder().put(put).build());
        }
        let failed = self.transact("create collection objects", items).await?;
        Ok(failed
            .iter()
            .position(|f| *f)
            .map(|i| objects[i].reference()))
    }

    /// Replaces the `custom` of every object or of none (one transaction), each only if it
    /// exists and, with `owner`, belongs to that user. Returns which conditions failed
    /// (empty when all were written).
    pub async fn update_collection_objects(
        &self,
        updates: &[(String, String, Map<String, Value>)],
        owner: Option<&str>,
        now: Nanos,
    ) -> ApiResult<Vec<bool>> {
        let mut items = Vec::with_capacity(updates.len());
        for (name, id, custom) in updates {
            let mut update = Update::builder()
                .table_name(self.table())
                .set_key(Some(keys::collection_object(name, id).to_item()))
                .update_expression("SET custom = :c, updated_at = :now")
                .expression_attribute_values(":c", crate::document::document("custom", custom)?)
                .expression_attribute_values(":now", n(now));
            update = match owner {
                Some(owner) => update
                    .condition_expression("attribute_exists(pk) AND user_id = :owner")
                    .expression_attribute_values(":owner", s(owner)),
                None => update.condition_expression("attribute_exists(pk)"),
            };
            items.push(
                TransactWriteItem::builder()
                    .update(update.build().map_err(tx_err)?)
                    .build(),
            );
        }
        self.transact("update collection objects", items).await
    }

    /// Creates or replaces the `custom` of every object or of none (one transaction),
    /// keeping an existing one's `created_at` and `user_id` (a new one takes its own). With
    /// `owner`, an existing object must belong to that user. Returns which conditions failed.
    pub async fn upsert_collection_objects_atomically(
        &self,
        objects: &[CollectionObject],
        owner: Option<&str>,
    ) -> ApiResult<Vec<bool>> {
        let mut items = Vec::with_capacity(objects.len());
        for o in objects {
            let (g1pk, g1sk) = keys::collection_object_by_name(&o.name, o.created_at, &o.id);
            let mut expression = String::from(
                "SET #name = :name, #id = :id, custom = :c, updated_at = :now, \
                 created_at = if_not_exists(created_at, :created), \
                 gsi1pk = :g1pk, gsi1sk = if_not_exists(gsi1sk, :g1sk)",
            );
            let mut update = Update::builder()
                .table_name(self.table())
                .set_key(Some(keys::collection_object(&o.name, &o.id).to_item()))
                .expression_attribute_names("#name", "name")
                .expression_attribute_names("#id", "id")
                .expression_attribute_values(":name", s(&o.name))
                .expression_attribute_values(":id", s(&o.id))
                .expression_attribute_values(":c", crate::document::document("custom", &o.custom)?)
                .expression_attribute_values(":now", n(o.updated_at))
                .expression_attribute_values(":created", n(o.created_at))
                .expression_attribute_values(":g1pk", s(g1pk))
                .expression_attribute_values(":g1sk", s(g1sk));
            if let Some(user) = &o.user_id {
                let (g2pk, g2sk) =
                    keys::collection_object_by_user(user, o.created_at, &o.name, &o.id);
                expression.push_str(
                    ", user_id = if_not_exists(user_id, :u), \
                     gsi2pk = if_not_exists(gsi2pk, :g2pk), gsi2sk = if_not_exists(gsi2sk, :g2sk)",
                );
                update = update
                    .expression_attribute_values(":u", s(user))
                    .expression_attribute_values(":g2pk", s(g2pk))
                    .expression_attribute_values(":g2sk", s(g2sk));
            }
            update = update.update_expression(expression);
            if let Some(owner) = owner {
                update = update
                    .condition_expression("attribute_not_exists(pk) OR user_id = :owner")
                    .expression_attribute_values(":owner", s(owner));
            }
            items.push(
                TransactWriteItem::builder()
                    .update(update.build().map_err(tx_err)?)
                    .build(),
            );
        }
        self.transact("upsert collection objects", items).await
    }

    /// Deletes every named object or none (one transaction); missing ones are no-ops. With
    /// `owner`, an existing object must belong to that user. Returns which conditions failed.
    pub async fn delete_collection_objects_atomically(
        &self,
        refs: &[(String, String)],
        owner: Option<&str>,
    ) -> ApiResult<Vec<bool>> {
        let mut items = Vec::with_capacity(refs.len());
        for (name, id) in refs {
            let mut delete = Delete::builder()
                .table_name(self.table())
                .set_key(Some(keys::collection_object(name, id).to_item()));
            if let Some(owner) = owner {
                delete = delete
                    .condition_expression("attribute_not_exists(pk) OR user_id = :owner")
                    .expression_attribute_values(":owner", s(owner));
            }
            items.push(
                TransactWriteItem::builder()
                    .delete(delete.build().map_err(tx_err)?)
                    .build(),
            );
        }
        self.transact("delete collection objects", items).await
    }

    /// Walks one collection index partition in creation order, a round (one Query of the
    /// index and one BatchGetItem of the objects it names) at a time, keeping the objects
    /// `accept` takes. Returns them with their positions, and the position to resume from
    /// when more may follow.
    pub async fn walk_collection_objects(
        &self,
        walk: &ObjectWalk,
        accept: impl Fn(&CollectionObject) -> bool,
    ) -> ApiResult<(Vec<(String, CollectionObject)>, Option<String>)> {
        let (index, pk_attr, sk_attr, partition) = match &walk.index {
            ObjectIndex::Name(name) => (
                keys::GSI1,
                keys::GSI1_PK,
                keys::GSI1_SK,
                keys::collection_objects_named(name),
            ),
            ObjectIndex::User(user) => (
                keys::GSI2,
                keys::GSI2_PK,
                keys::GSI2_SK,
                keys::collection_objects_of_user(user),
            ),
        };
        let mut lo = keys::time_part(walk.from.unwrap_or(0));
        let mut hi = walk.to.map_or_else(|| "~".to_string(), keys::time_part);
        if let Some(after) = &walk.after {
            if walk.forward {
                // Just past `after`: every later position is greater than this.
                let past = format!("{after}\u{1}");
                if past > lo {
                    lo = past;
                }
            } else if *after < hi {
                hi = after.clone();
            }
        }
        let mut found = Vec::new();
        if walk.want == 0 || lo > hi {
            return Ok((found, None));
        }
        let query = self
            .query_index(index)
            .key_condition_expression("#pk = :pk AND #sk BETWEEN :lo AND :hi")
            .expression_attribute_names("#pk", pk_attr)
            .expression_attribute_names("#sk", sk_attr)
            .expression_attribute_values(":pk", s(partition))
            .expression_attribute_values(":lo", s(lo))
            .expression_attribute_values(":hi", s(hi))
            .scan_index_forward(walk.forward)
            .limit(QUERY_ROUND);
        let mut start = None;
        let mut examined = 0;
        loop {
            let page = self
                .query_page("walk collection objects", query.clone(), start)
                .await?;
            let entries: Vec<(String, String, String)> = page
                .items
                .iter()
                .filter_map(|item| {
                    let position = item.get(sk_attr)?.as_s().ok()?.clone();
                    let pk = item.get(keys::PK)?.as_s().ok()?;
                    let (name, id) = pk.strip_prefix("COLL#")?.split_once(':')?;
                    Some((position, name.to_string(), id.to_string()))
                })
                // Backwards, BETWEEN includes `after` itself.
                .filter(|(p, _, _)| walk.after.as_deref() != Some(p.as_str()))
                .collect();
            examined += page.items.len();
            let wanted: Vec<(String, String)> = entries
                .iter()
                .map(|(_, name, id)| (name.clone(), id.clone()))
                .collect();
            let mut loaded = self.get_collection_objects(&wanted).await?;
            for (i, (position, name, id)) in entries.iter().enumerate() {
                let Some(o) = loaded.remove(&format!("{name}:{id}")) else {
                    continue;
                };
                if !accept(&o) {
                    continue;
                }
                found.push((position.clone(), o));
                if found.len() == walk.want {
                    let more = page.last_key.is_some() || i + 1 < entries.len();
                    return Ok((found, more.then(|| position.clone())));
                }
            }
            match page.last_key {
                Some(key) if examined < walk.budget => start = Some(key),
                Some(_) => {
                    let resume = entries.last().map(|(p, _, _)| p.clone());
                    return Ok((found, resume));
                }
                None => return Ok((found, None)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_parts_are_letters_digits_underscores_and_dashes() {
        assert!(check_key_part("id", "pizza-1_b").is_ok());
        assert!(check_key_part("id", "f2f3a9e0-1a2b-11ef-9c3d-0242ac120002").is_ok());
        for bad in ["", "!abcdee!", "a:b", "a#b", "a b", &"x".repeat(256)] {
            match check_key_part("id", bad) {
                Err(ApiError::Input { field, .. }) => assert_eq!(field.as_deref(), Some("id")),
                other => panic!("{bad}: {other:?}"),
            }
        }
    }

    #[test]
    fn references_split_at_the_first_colon() {
        assert_eq!(parse_reference("food:pizza"), Some(("food", "pizza")));
        assert_eq!(parse_reference("food:a:b"), None);
        assert_eq!(parse_reference("food"), None);
        assert_eq!(parse_reference(":pizza"), None);
    }

    #[test]
    fn items_carry_their_keys_and_indexes() {
        let mut o = CollectionObject {
            name: "food".into(),
            id: "pizza".into(),
            custom: Map::new(),
            user_id: None,
            created_at: 5,
            updated_at: 5,
        };
        let item = object_item(&o).unwrap();
        assert_eq!(item["pk"].as_s().unwrap(), "COLL#food:pizza");
        assert_eq!(item["gsi1pk"].as_s().unwrap(), "COLLN#food");
        assert!(!item.contains_key("gsi2pk"));
        o.user_id = Some("amy".into());
        let item = object_item(&o).unwrap();
        assert_eq!(item["gsi2pk"].as_s().unwrap(), "UCOLL#amy");
        assert_eq!(parse_object(item).unwrap(), o);
    }
}
