//! Bookmarks and bookmark folders. A bookmark is one item per user and bookmarked object in
//! the user's partition; adding and removing it changes the object's `bookmark_count` in the
//! same transaction, and a folder made on the fly (with its per-user name claim) is written
//! in that transaction too, so a refused bookmark leaves nothing behind.

use aws_sdk_dynamodb::types::{ConditionCheck, Delete, Put, TransactWriteItem, Update};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::batch::Item;
use super::{n, s, Store};
use crate::keys::{self, Key, SubjectKeys};
use tributary_domain::model::reaction::Subject;
use tributary_domain::time::Nanos;
use tributary_domain::{ApiError, ApiResult};

/// A user's bookmark of an activity or a comment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Bookmark {
    pub user_id: String,
    /// `activity` or `comment`.
    pub object_type: String,
    pub object_id: String,
    /// The activity bookmarked, or the one the bookmarked comment belongs to.
    pub activity_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub folder_id: Option<String>,
    #[serde(default)]
    pub custom: Map<String, Value>,
    pub created_at: Nanos,
    pub updated_at: Nanos,
}

impl Bookmark {
    pub fn subject(&self) -> Subject<'_> {
        if self.object_type == "comment" {
            Subject::Comment(&self.object_id)
        } else {
            Subject::Activity(&self.object_id)
        }
    }

    pub fn object(&self) -> String {
        keys::bookmark_object(self.subject())
    }

    pub fn key(&self) -> Key {
        keys::bookmark(&self.user_id, &self.object())
    }

    /// Where it stands among the user's bookmarks (gsi1 sort key): its cursor.
    pub fn position(&self) -> String {
        keys::bookmark_by_user(&self.user_id, self.created_at, &self.object()).1
    }
}

/// A user's bookmark folder.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BookmarkFolder {
    pub id: String,
    pub user_id: String,
    pub name: String,
    #[serde(default)]
    pub custom: Map<String, Value>,
    pub created_at: Nanos,
    pub updated_at: Nanos,
}

impl BookmarkFolder {
    pub fn position(&self) -> String {
        keys::bookmark_folder_by_user(&self.user_id, self.created_at, &self.id).1
    }
}

/// What writing a bookmark came to.
#[derive(Debug, PartialEq, Eq)]
pub enum BookmarkWrite {
    Done,
    /// Adding: the user already has a bookmark of the object. Updating: it is gone.
    Conflict,
    /// The activity or comment is gone (or soft-deleted).
    SubjectGone,
    /// The folder named is gone or not the user's.
    FolderGone,
    /// Another folder of the user took the new folder's name meanwhile (read and retry).
    NameTaken,
}

fn bookmark_item(b: &Bookmark) -> ApiResult<Item> {
    let mut item: Item = crate::document::to_item("serialize bookmark", b)?;
    let object = b.object();
    item.extend(keys::bookmark(&b.user_id, &object).to_item());
    let (g1pk, g1sk) = keys::bookmark_by_user(&b.user_id, b.created_at, &object);
    item.insert(keys::GSI1_PK.into(), s(g1pk));
    item.insert(keys::GSI1_SK.into(), s(g1sk));
    if let Some(f) = &b.folder_id {
        let (g2pk, g2sk) = keys::bookmark_by_folder(f, b.created_at, &object);
        item.insert(keys::GSI2_PK.into(), s(g2pk));
        item.insert(keys::GSI2_SK.into(), s(g2sk));
    }
    Ok(item)
}

fn folder_item(f: &BookmarkFolder) -> ApiResult<Item> {
    let mut item: Item = crate::document::to_item("serialize bookmark folder", f)?;
    item.extend(keys::bookmark_folder(&f.id).to_item());
    let (g1pk, g1sk) = keys::bookmark_folder_by_user(&f.user_id, f.created_at, &f.id);
    item.insert(keys::GSI1_PK.into(), s(g1pk));
    item.insert(keys::GSI1_SK.into(), s(g1sk));
    Ok(item)
}

fn name_claim(f: &BookmarkFolder) -> Item {
    let mut item = keys::bookmark_folder_name(&f.user_id, &f.name).to_item();
    item.insert("folder_id".into(), s(f.id.clone()));
    item
}

fn table_key(item: &Item) -> Option<Key> {
    let pk = item.get(keys::PK)?.as_s().ok()?.clone();
    let sk = item.get(keys::SK)?.as_s().ok()?.clone();
    Some(Key::new(pk, sk))
}

/// The change of a bookmarked object's count, for a transaction.
fn counter(store: &Store, b: &Bookmark, by: i64, condition: &str) -> ApiResult<TransactWriteItem> {
    let update = Update::builder()
        .table_name(store.table())
        .set_key(Some(b.subject().key().to_item()))
        .update_expression("ADD bookmark_count :by")
        .condition_expression(condition)
        .expression_attribute_values(":by", n(by))
        .build()
        .map_err(|e| ApiError::internal("build bookmark count update", e))?;
    Ok(TransactWriteItem::builder().update(update).build())
}

fn put(store: &Store, item: Item, condition: &str) -> ApiResult<TransactWriteItem> {
    let put = Put::builder()
        .table_name(store.table())
        .set_item(Some(item))
        .condition_expression(condition)
        .build()
        .map_err(|e| ApiError::internal("build bookmark put", e))?;
    Ok(TransactWriteItem::builder().put(put).build())
}

/// The folder exists and is the user's.
fn folder_check(store: &Store, folder_id: &str, user_id: &str) -> ApiResult<TransactWriteItem> {
    let check = ConditionCheck::builder()
        .table_name(store.table())
        .set_key(Some(keys::bookmark_folder(folder_id).to_item()))
        .condition_expression("attribute_exists(pk) AND user_id = :u")
        .expression_attribute_values(":u", s(user_id))
        .build()
        .map_err(|e| ApiError::internal("build folder check", e))?;
    Ok(TransactWriteItem::builder().condition_check(check).build())
}

/// The writes that give a bookmark its folder: a check of an existing one, or a new one
/// with its name claim. `Some(kind)` names what each write's failure means.
fn folder_writes(
    store: &Store,
    b: &Bookmark,
    new_folder: Option<&BookmarkFolder>,
) -> ApiResult<Vec<(TransactWriteItem, BookmarkWrite)>> {
    Ok(match (new_folder, &b.folder_id) {
        (Some(f), _) => vec![
            (
                put(store, folder_item(f)?, "attribute_not_exists(pk)")?,
                BookmarkWrite::NameTaken,
            ),
            (
                put(store, name_claim(f), "attribute_not_exists(pk)")?,
                BookmarkWrite::NameTaken,
            ),
        ],
        (None, Some(id)) => vec![(
            folder_check(store, id, &b.user_id)?,
            BookmarkWrite::FolderGone,
        )],
        (None, None) => Vec::new(),
    })
}

impl Store {
    async fn bookmark_transaction(
        &self,
        context: &str,
        writes: Vec<(TransactWriteItem, BookmarkWrite)>,
    ) -> ApiResult<BookmarkWrite> {
        let (items, meanings): (Vec<_>, Vec<_>) = writes.into_iter().unzip();
        let failed = self.transact(context, items).await?;
        Ok(match failed.iter().position(|f| *f) {
            None if failed.is_empty() => BookmarkWrite::Done,
            None => BookmarkWrite::Conflict,
            Some(i) => meanings
                .into_iter()
                .nth(i)
                .unwrap_or(BookmarkWrite::Conflict),
        })
    }

    /// Adds a bookmark (in `new_folder`, created with it, when given) and counts it on its
    /// activity or comment, atomically.
    pub async fn add_bookmark(
        &self,
        b: &Bookmark,
        new_folder: Option<&BookmarkFolder>,
    ) -> ApiResult<BookmarkWrite> {
        let count = counter(
            self,
            b,
            1,
            "attribute_exists(pk) AND attribute_not_exists(deleted_at)",
        )?;
        let mut writes = vec![
            (
                put(self, bookmark_item(b)?, "attribute_not_exists(pk)")?,
                BookmarkWrite::Conflict,
            ),
            (count, BookmarkWrite::SubjectGone),
        ];
        writes.extend(folder_writes(self, b, new_folder)?);
        self.bookmark_transaction("add bookmark", writes).await
    }

    /// Replaces a bookmark that exists (its folder or custom data changed).
    pub async fn replace_bookmark(
        &self,
        b: &Bookmark,
        new_folder: Option<&BookmarkFolder>,
    ) -> ApiResult<BookmarkWrite> {
        let mut writes = vec![(
            put(self, bookmark_item(b)?, "attribute_exists(pk)")?,
            BookmarkWrite::Conflict,
        )];
        writes.extend(folder_writes(self, b, new_folder)?);
        self.bookmark_transaction("update bookmark", writes).await
    }

    /// Removes a bookmark and uncounts it. `Ok(false)` when it was already gone. A subject
    /// that is gone meanwhile keeps no count: the bookmark alone goes.
    pub async fn remove_bookmark(&self, b: &Bookmark) -> ApiResult<bool> {
        let delete = Delete::builder()
            .table_name(self.table())
            .set_key(Some(b.key().to_item()))
            .condition_expression("attribute_exists(pk)")
            .build()
            .map_err(|e| ApiError::internal("build bookmark delete", e))?;
        let uncount = counter(self, b, -1, "attribute_exists(pk)")?;
        let failed = self
            .transact(
                "remove bookmark",
                vec![TransactWriteItem::builder().delete(delete).build(), uncount],
            )
            .await?;
        match failed.as_slice() {
            [] => Ok(true),
            [true, ..] => Ok(false),
            _ => Ok(self
                .run_if(
                    "remove bookmark",
                    self.delete(b.key())
                        .condition_expression("attribute_exists(pk)"),
                )
                .await?
                .is_some()),
        }
    }

    /// A user's bookmark of an object (strongly consistent).
    pub async fn get_bookmark(
        &self,
        user_id: &str,
        subject: Subject<'_>,
    ) -> ApiResult<Option<Bookmark>> {
        let key = keys::bookmark(user_id, &keys::bookmark_object(subject));
        self.get_item("read bookmark", key, true).await
    }

    /// Bookmarks by key, in one batched read; missing ones are skipped.
    pub async fn get_bookmarks(&self, keys: Vec<Key>) -> ApiResult<Vec<Bookmark>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        self.batch_get(keys)
            .await?
            .into_iter()
            .map(|i| crate::document::from_item("parse bookmark", i))
            .collect()
    }

    /// Up to `limit` of a user's bookmarks (or of one of their folders, `by_folder`) whose
    /// positions lie within the inclusive bounds, in order; and whether more may follow.
    pub async fn bookmark_chunk(
        &self,
        by_folder: Option<&str>,
        user_id: &str,
        newest_first: bool,
        bounds: (Option<String>, Option<String>),
        limit: usize,
    ) -> ApiResult<(Vec<Bookmark>, bool)> {
        let (index, pk_name, sk_name, pk) = match by_folder {
            Some(f) => (
                keys::GSI2,
                keys::GSI2_PK,
                keys::GSI2_SK,
                keys::bookmarks_in_folder(f),
            ),
            None => (
                keys::GSI1,
                keys::GSI1_PK,
                keys::GSI1_SK,
                keys::bookmarks_of_user(user_id),
            ),
        };
        let (items, more) = self
            .index_chunk((index, pk_name, sk_name), pk, newest_first, bounds, limit)
            .await?;
        let mut list: Vec<Bookmark> = items
            .into_iter()
            .map(|i| crate::document::from_item("parse bookmark", i))
            .collect::<ApiResult<_>>()?;
        list.retain(|b| b.user_id == user_id);
        Ok((list, more))
    }

    /// Up to `limit` of a user's folders within the inclusive bounds, in order.
    pub async fn bookmark_folder_chunk(
        &self,
        user_id: &str,
        newest_first: bool,
        bounds: (Option<String>, Option<String>),
        limit: usize,
    ) -> ApiResult<(Vec<BookmarkFolder>, bool)> {
        let (items, more) = self
            .index_chunk(
                (keys::GSI1, keys::GSI1_PK, keys::GSI1_SK),
                keys::bookmark_folders_of_user(user_id),
                newest_first,
                bounds,
                limit,
            )
            .await?;
        let list = items
            .into_iter()
            .map(|i| crate::document::from_item("parse bookmark folder", i))
            .collect::<ApiResult<_>>()?;
        Ok((list, more))
    }

    async fn index_chunk(
        &self,
        (index, pk_name, sk_name): (&str, &str, &str),
        pk: String,
        newest_first: bool,
        (low, high): (Option<String>, Option<String>),
        limit: usize,
    ) -> ApiResult<(Vec<Item>, bool)> {
        let mut q = self
            .query_index(index)
            .expression_attribute_names("#p", pk_name)
            .expression_attribute_values(":p", s(pk))
            .scan_index_forward(!newest_first)
            .limit(limit.max(1) as i32);
        let condition = match (low, high) {
            (Some(l), Some(h)) => {
                q = q
                    .expression_attribute_values(":l", s(l))
                    .expression_attribute_values(":h", s(h));
                "#p = :p AND #s BETWEEN :l AND :h"
            }
            (Some(l), None) => {
                q = q.expression_attribute_values(":l", s(l));
                "#p = :p AND #s >= :l"
            }
            (None, Some(h)) => {
                q = q.expression_attribute_values(":h", s(h));
                "#p = :p AND #s <= :h"
            }
            (None, None) => "#p = :p",
        };
        if condition.contains("#s") {
            q = q.expression_attribute_names("#s", sk_name);
        }
        let out = self
            .run("query bookmarks", q.key_condition_expression(condition))
            .await?;
        // The indexes project keys only here: the records are one batched read, in order.
        let found: Vec<Key> = out
            .items
            .unwrap_or_default()
            .iter()
            .filter_map(table_key)
            .collect();
        let mut by_key: std::collections::HashMap<Key, Item> = self
            .batch_get(found.clone())
            .await?
            .into_iter()
            .filter_map(|i| Some((table_key(&i)?, i)))
            .collect();
        let items = found.iter().filter_map(|k| by_key.remove(k)).collect();
        Ok((items, out.last_evaluated_key.is_some()))
    }

    /// A folder by id.
    pub async fn get_bookmark_folder(&self, id: &str) -> ApiResult<Option<BookmarkFolder>> {
        self.get_item("read bookmark folder", keys::bookmark_folder(id), true)
            .await
    }

    /// Folders by id, in one batched read.
    pub async fn get_bookmark_folders(&self, ids: Vec<String>) -> ApiResult<Vec<BookmarkFolder>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let keys = ids.iter().map(|id| keys::bookmark_folder(id)).collect();
        self.batch_get(keys)
            .await?
            .into_iter()
            .map(|i| crate::document::from_item("parse bookmark folder", i))
            .collect()
    }

    /// The id of the user's folder with this name, if there is one.
    pub async fn bookmark_folder_named(
        &self,
        user_id: &str,
        name: &str,
    ) -> ApiResult<Option<String>> {
        let item = self
            .get_raw(
                "read folder name",
                keys::bookmark_folder_name(user_id, name),
                true,
            )
            .await?;
        Ok(item
            .and_then(|i| i.get("folder_id").cloned())
            .and_then(|v| v.as_s().ok().cloned()))
    }

    /// Writes a folder's new name and custom data. A new name moves its claim; `Ok(false)`
    /// when the name is another folder's of the user, or the folder is gone.
    pub async fn update_bookmark_folder(
        &self,
        old: &BookmarkFolder,
        new: &BookmarkFolder,
    ) -> ApiResult<bool> {
        let folder = Put::builder()
            .table_name(self.table())
            .set_item(Some(folder_item(new)?))
            .condition_expression("attribute_exists(pk) AND #n = :old")
            .expression_attribute_names("#n", "name")
            .expression_attribute_values(":old", s(old.name.clone()))
            .build()
            .map_err(|e| ApiError::internal("build folder put", e))?;
        let mut items = vec![TransactWriteItem::builder().put(folder).build()];
        if old.name != new.name {
            items.push(put(self, name_claim(new), "attribute_not_exists(pk)")?);
            let delete = Delete::builder()
                .table_name(self.table())
                .set_key(Some(
                    keys::bookmark_folder_name(&old.user_id, &old.name).to_item(),
                ))
                .build()
                .map_err(|e| ApiError::internal("build name claim delete", e))?;
            items.push(TransactWriteItem::builder().delete(delete).build());
        }
        Ok(self
            .transact("update bookmark folder", items)
            .await?
            .is_empty())
    }

    /// Deletes a folder and its name claim (its bookmarks are removed by the caller first).
    pub async fn delete_bookmark_folder(&self, f: &BookmarkFolder) -> ApiResult<()> {
        let ops = vec![
            crate::WriteOp::Delete(keys::bookmark_folder(&f.id)),
            crate::WriteOp::Delete(keys::bookmark_folder_name(&f.user_id, &f.name)),
        ];
        self.batch_write(ops).await
    }
}
