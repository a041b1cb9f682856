//! Comments and their threads, with the activity's `comment_count` and the parent's
//! `reply_count` changed in the same transaction as the comment.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{
    AttributeValue, Delete, Put, ReturnValue, TransactWriteItem, Update,
};

use super::batch::Item;
use super::{n, s, Store};
use crate::document;
use crate::keys;
use tributary_domain::model::comment::Comment;
use tributary_domain::time::Nanos;
use tributary_domain::ApiError;
use tributary_domain::ApiResult;

fn parse(mut item: Item) -> ApiResult<Comment> {
    let groups = super::activities::take_reaction_groups(&mut item);
    let mut comment: Comment = document::from_item("parse comment", item)?;
    comment.reaction_groups = groups;
    Ok(comment)
}

fn thread_key(c: &Comment) -> keys::Key {
    keys::thread_entry(
        &c.object_type,
        &c.object_id,
        c.parent_id.as_deref(),
        c.created_at,
        &c.id,
    )
}

fn counter(
    store: &Store,
    key: keys::Key,
    name: &str,
    delta: i64,
    live: bool,
) -> ApiResult<TransactWriteItem> {
    let condition = if live {
        "attribute_exists(pk) AND attribute_not_exists(deleted_at)"
    } else {
        "attribute_exists(pk)"
    };
    let update = Update::builder()
        .table_name(store.table())
        .set_key(Some(key.to_item()))
        .update_expression("ADD #c :d")
        .condition_expression(condition)
        .expression_attribute_names("#c", name)
        .expression_attribute_values(":d", n(delta))
        .build()
        .map_err(|e| ApiError::internal("build counter update", e))?;
    Ok(TransactWriteItem::builder().update(update).build())
}

/// Why creating a comment failed.
#[derive(Debug, PartialEq, Eq)]
pub enum CommentConflict {
    IdTaken,
    ObjectGone,
    ParentGone,
}

impl Store {
    /// The activity side of a new comment: `comment_count`, and for a top-level comment its
    /// place at the front of the activity's newest-comments list (ids only, so reads always
    /// show the comments as they are now).
    fn count_comment_on_activity(&self, c: &Comment) -> ApiResult<TransactWriteItem> {
        let mut update = Update::builder()
            .table_name(self.table())
            .set_key(Some(keys::activity(&c.object_id).to_item()))
            .condition_expression("attribute_exists(pk) AND attribute_not_exists(deleted_at)")
            .expression_attribute_values(":one", n(1));
        update = if c.parent_id.is_none() {
            update
                .update_expression(
                    "ADD comment_count :one \
                     SET latest_comment_ids = list_append(:id, if_not_exists(latest_comment_ids, :empty))",
                )
                .expression_attribute_values(":id", AttributeValue::L(vec![s(c.id.clone())]))
                .expression_attribute_values(":empty", AttributeValue::L(Vec::new()))
        } else {
            update.update_expression("ADD comment_count :one")
        };
        let update = update
            .build()
            .map_err(|e| ApiError::internal("build activity update", e))?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    /// Creates a comment, its thread entry and the counts it adds, atomically.
    pub async fn create_comment(&self, c: &Comment) -> ApiResult<Result<(), CommentConflict>> {
        let mut item: Item = document::to_item("serialize comment", c)?;
        item.extend(keys::comment(&c.id).to_item());
        let (gsi1pk, gsi1sk) = keys::comment_by_user(&c.user_id, c.created_at, &c.id);
        item.insert(keys::GSI1_PK.into(), s(gsi1pk));
        item.insert(keys::GSI1_SK.into(), s(gsi1sk));
        let (gsi2pk, gsi2sk) =
            keys::comment_by_object(&c.object_type, &c.object_id, c.created_at, &c.id);
        item.insert(keys::GSI2_PK.into(), s(gsi2pk));
        item.insert(keys::GSI2_SK.into(), s(gsi2sk));
        let put = Put::builder()
            .table_name(self.table())
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(|e| ApiError::internal("build comment put", e))?;
        let mut entry = thread_key(c).to_item();
        entry.insert("comment_id".into(), s(c.id.clone()));
        let entry = Put::builder()
            .table_name(self.table())
            .set_item(Some(entry))
            .build()
            .map_err(|e| ApiError::internal("build thread entry", e))?;
        let mut items = vec![
            TransactWriteItem::builder().put(put).build(),
            TransactWriteItem::builder().put(entry).build(),
        ];
        let on_activity = c.object_type == "activity";
        if on_activity {
            items.push(self.count_comment_on_activity(c)?);
        }
        if let Some(parent) = &c.parent_id {
            items.push(counter(
                self,
                keys::comment(parent),
                "reply_count",
                1,
                false,
            )?);
        }
        let failed = self.transact("create comment", items).await?;
        Ok(match failed.as_slice() {
            [] => Ok(()),
            [true, ..] => Err(CommentConflict::IdTaken),
            [_, _, true, ..] if on_activity => Err(CommentConflict::ObjectGone),
            _ => Err(CommentConflict::ParentGone),
        })
    }

    pub async fn get_comment(&self, id: &str) -> ApiResult<Option<Comment>> {
        let item = self.get_raw("get comment", keys::comment(id), true).await?;
        item.map(parse).transpose()
    }

    pub async fn get_comments(&self, ids: &[String]) -> ApiResult<HashMap<String, Comment>> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        self.batch_get(ids.iter().map(|id| keys::comment(id)).collect())
            .await?
            .into_iter()
            .map(|item| parse(item).map(|c| (c.id.clone(), c)))
            .collect()
    }

    /// Replaces a comment's content if nobody changed it since `old` was read; `Ok(None)`
    /// when someone did.
    pub async fn replace_comment_content(
        &self,
        old: &Comment,
        new: &Comment,
        now: Nanos,
    ) -> ApiResult<Option<Comment>> {
        match self
            .run_if(
                "update comment",
                self.update(keys::comment(&old.id))
                    .update_expression(
                        "SET #t = :t, attachments = :a, custom = :c, mentioned_user_ids = :m, \
                 updated_at = :now, edited_at = :now, version = :next",
                    )
                    .condition_expression("version = :seen")
                    .expression_attribute_names("#t", "text")
                    .expression_attribute_values(":t", av(&new.text.clone().unwrap_or_default())?)
                    .expression_attribute_values(
                        ":a",
                        document::document("attachments", &new.attachments)?,
                    )
                    .expression_attribute_values(":c", document::document("custom", &new.custom)?)
                    .expression_attribute_values(":m", av(&new.mentioned_user_ids)?)
                    .expression_attribute_values(":now", n(now))
                    .expression_attribute_values(":next", n(old.version + 1))
                    .expression_attribute_values(":seen", n(old.version))
                    .return_values(ReturnValue::AllNew),
            )
            .await?
        {
            Some(out) => parse(out.attributes.unwrap_or_default()).map(Some),
            None => Ok(None),
        }
    }

    /// Sets or clears `deleted_at`; `Ok(None)` when the comment is gone.
    pub async fn set_comment_deleted(
        &self,
        id: &str,
        deleted_at: Option<Nanos>,
        now: Nanos,
    ) -> ApiResult<Option<Comment>> {
        self.mark_deleted(keys::comment(id), deleted_at, now, "mark comment deleted")
            .await?
            .map(parse)
            .transpose()
    }

    /// Removes a comment and its thread entry for good and takes back the counts it added.
    pub async fn delete_comment_hard(&self, c: &Comment) -> ApiResult<()> {
        let delete = |key: keys::Key| -> ApiResult<TransactWriteItem> {
            let d = Delete::builder()
                .table_name(self.table())
                .set_key(Some(key.to_item()))
                .build()
                .map_err(|e| ApiError::internal("build delete", e))?;
            Ok(TransactWriteItem::builder().delete(d).build())
        };
        let mut items = vec![delete(keys::comment(&c.id))?, delete(thread_key(c))?];
        if c.object_type == "activity" && self.get_activity(&c.object_id).await?.is_some() {
            items.push(counter(
                self,
                keys::activity(&c.object_id),
                "comment_count",
                -1,
                false,
            )?);
        }
        if let Some(parent) = &c.parent_id {
            if self.get_comment(parent).await?.is_some() {
                items.push(counter(
                    self,
                    keys::comment(parent),
                    "reply_count",
                    -1,
                    false,
                )?);
            }
        }
        let failed = self.transact("delete comment", items).await?;
        if failed.is_empty() {
            Ok(())
        } else {
            Err(ApiError::input(
                "the comment changed while it was being deleted; try again",
            ))
        }
    }

    /// One page of a thread level (top-level comments, or one comment's replies) by time.
    /// Returns comment ids and the entry key to continue after.
    pub async fn thread_page(
        &self,
        object_type: &str,
        object_id: &str,
        parent_id: Option<&str>,
        limit: usize,
        after: Option<&str>,
        newest_first: bool,
    ) -> ApiResult<(Vec<String>, Option<String>)> {
        let pk = keys::comment_thread(object_type, object_id);
        let request = self
            .query()
            .key_condition_expression("pk = :pk AND begins_with(sk, :p)")
            .expression_attribute_values(":pk", s(pk.clone()))
            .expression_attribute_values(":p", s(keys::thread_prefix(parent_id)))
            .scan_index_forward(!newest_first)
            .limit(limit.clamp(1, 1000) as i32);
        let start = after.map(|sk| keys::Key::new(pk.clone(), sk).to_item());
        let page = self
            .query_page("read comment thread", request, start)
            .await?;
        let next = page.last_key_attr(keys::SK);
        let ids = page
            .items
            .iter()
            .filter_map(|i| i.get("comment_id")?.as_s().ok().cloned())
            .collect();
        Ok((ids, next))
    }
}

/// A comment field as an attribute value.
fn av<T: serde::Serialize>(v: &T) -> ApiResult<aws_sdk_dynamodb::types::AttributeValue> {
    serde_dynamo::to_attribute_value(v)
        .map_err(|e| ApiError::internal("serialize comment field", e))
}
