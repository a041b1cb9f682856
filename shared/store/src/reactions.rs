//! Reactions, with the activity's counters and newest-reactions list changed in the same
//! transaction as the reaction itself, so they stay exact under concurrent writers.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, TransactWriteItem, Update};

use super::batch::Item;
use super::Store;
use crate::keys::{self, Key, SubjectKeys};
use tributary_domain::model::reaction::{group_attributes, Reaction, Subject};
use tributary_domain::ApiError;
use tributary_domain::ApiResult;

use super::{n, s};

fn reaction_item(r: &Reaction) -> ApiResult<Item> {
    let mut item: Item = crate::document::to_item("serialize reaction", r)?;
    item.extend(r.subject().reaction_key(&r.user_id, &r.kind).to_item());
    let (g1pk, g1sk) = r.subject().by_time(r.created_at, &r.user_id, &r.kind);
    item.insert(keys::GSI1_PK.into(), s(g1pk));
    item.insert(keys::GSI1_SK.into(), s(g1sk));
    let subject = match &r.comment_id {
        Some(c) => format!("c:{c}"),
        None => format!("a:{}", r.activity_id),
    };
    let (g2pk, g2sk) = keys::reaction_by_user(&r.user_id, r.created_at, &r.kind, &subject);
    item.insert(keys::GSI2_PK.into(), s(g2pk));
    item.insert(keys::GSI2_SK.into(), s(g2sk));
    Ok(item)
}

fn parse_reaction(item: Item) -> ApiResult<Reaction> {
    crate::document::from_item("parse reaction", item)
}

/// Upvotes and downvotes on comments also keep their own counters (the comment's score).
fn vote_counter(r: &Reaction) -> Option<&'static str> {
    match (r.comment_id.is_some(), r.kind.as_str()) {
        (true, "upvote") => Some("upvote_count"),
        (true, "downvote") => Some("downvote_count"),
        _ => None,
    }
}

/// What adding a reaction came to.
#[derive(Debug, PartialEq, Eq)]
pub enum Added {
    Added,
    /// The user already has a reaction of this type.
    Exists,
    /// The activity is gone (or soft-deleted).
    ActivityGone,
}

impl Store {
    /// Adds a reaction and counts it on its activity, atomically.
    pub async fn add_reaction(&self, r: &Reaction) -> ApiResult<Added> {
        let put = Put::builder()
            .table_name(self.table())
            .set_item(Some(reaction_item(r)?))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(|e| ApiError::internal("build reaction put", e))?;
        let (count, first, last) = group_attributes(&r.kind);
        let latest = crate::document::to_attribute_value("serialize reaction", &vec![r.clone()])?;
        let update = Update::builder()
            .table_name(self.table())
            .set_key(Some(r.subject().key().to_item()))
            .update_expression(format!(
                "ADD reaction_count :one, #c :one{} \
                 SET #l = :now, #f = if_not_exists(#f, :now), \
                 latest_reactions = list_append(:new, if_not_exists(latest_reactions, :empty))",
                vote_counter(r)
                    .map(|v| format!(", {v} :one"))
                    .unwrap_or_default()
            ))
            .condition_expression("attribute_exists(pk) AND attribute_not_exists(deleted_at)")
            .expression_attribute_names("#c", count)
            .expression_attribute_names("#f", first)
            .expression_attribute_names("#l", last)
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":now", n(r.created_at))
            .expression_attribute_values(":new", latest)
            .expression_attribute_values(":empty", AttributeValue::L(Vec::new()))
            .build()
            .map_err(|e| ApiError::internal("build activity update", e))?;
        let failed = self
            .transact(
                "add reaction",
                vec![
                    TransactWriteItem::builder().put(put).build(),
                    TransactWriteItem::builder().update(update).build(),
                ],
            )
            .await?;
        Ok(match failed.as_slice() {
            [] => Added::Added,
            [true, ..] => Added::Exists,
            _ => Added::ActivityGone,
        })
    }

    /// Removes a reaction and uncounts it. `latest_index` is where it stands in the
    /// activity's newest-reactions list, if it is there. `Ok(false)` when the reaction or
    /// the list changed meanwhile (read again and retry).
    pub async fn remove_reaction(
        &self,
        r: &Reaction,
        latest_index: Option<usize>,
    ) -> ApiResult<bool> {
        let delete = Delete::builder()
            .table_name(self.table())
            .set_key(Some(
                r.subject().reaction_key(&r.user_id, &r.kind).to_item(),
            ))
            .condition_expression("attribute_exists(pk)")
            .build()
            .map_err(|e| ApiError::internal("build reaction delete", e))?;
        let (count, _, _) = group_attributes(&r.kind);
        let votes = vote_counter(r)
            .map(|v| format!(", {v} :minus"))
            .unwrap_or_default();
        let mut update = Update::builder()
            .table_name(self.table())
            .set_key(Some(r.subject().key().to_item()))
            .expression_attribute_names("#c", count)
            .expression_attribute_values(":minus", n(-1));
        update = match latest_index {
            Some(i) => update
                .update_expression(format!("ADD reaction_count :minus, #c :minus{votes} REMOVE latest_reactions[{i}]"))
                .condition_expression(format!(
                    "attribute_exists(pk) AND latest_reactions[{i}].user_id = :u AND latest_reactions[{i}].#t = :k"
                ))
                .expression_attribute_names("#t", "type")
                .expression_attribute_values(":u", s(r.user_id.clone()))
                .expression_attribute_values(":k", s(r.kind.clone())),
            None => update
                .update_expression(format!("ADD reaction_count :minus, #c :minus{votes}"))
                .condition_expression("attribute_exists(pk)"),
        };
        let update = update
            .build()
            .map_err(|e| ApiError::internal("build activity update", e))?;
        let failed = self
            .transact(
                "remove reaction",
                vec![
                    TransactWriteItem::builder().delete(delete).build(),
                    TransactWriteItem::builder().update(update).build(),
                ],
            )
            .await?;
        Ok(failed.is_empty())
    }

    /// Drops the tail of one of an activity's newest-first lists (`latest_reactions`,
    /// `latest_comment_ids`) beyond `keep`. Best effort: if the list changed meanwhile, a
    /// later write trims it.
    pub async fn trim_activity_list(
        &self,
        activity_id: &str,
        attribute: &str,
        keep: usize,
        length: usize,
    ) -> ApiResult<()> {
        if length <= keep {
            return Ok(());
        }
        let removes: Vec<String> = (keep..length).map(|i| format!("#l[{i}]")).collect();
        let request = self
            .update(keys::activity(activity_id))
            .update_expression(format!("REMOVE {}", removes.join(", ")))
            .condition_expression("size(#l) = :len")
            .expression_attribute_names("#l", attribute)
            .expression_attribute_values(":len", n(length));
        self.run_if("trim an activity list", request)
            .await
            .map(|_| ())
    }

    /// A user's reactions to an activity or a comment (strongly consistent).
    pub async fn user_reactions(
        &self,
        subject: Subject<'_>,
        user_id: &str,
    ) -> ApiResult<Vec<Reaction>> {
        let prefix = format!("{}{user_id}#", keys::REACTION_PREFIX);
        let out = self
            .run(
                "read user reactions",
                self.query()
                    .key_condition_expression("pk = :pk AND begins_with(sk, :p)")
                    .expression_attribute_values(":pk", s(subject.key().pk))
                    .expression_attribute_values(":p", s(prefix))
                    .consistent_read(true),
            )
            .await?;
        out.items
            .unwrap_or_default()
            .into_iter()
            .map(parse_reaction)
            .collect()
    }

    /// Reactions by key, in one batched read (for `own_reactions`).
    pub async fn get_reactions(&self, keys: Vec<Key>) -> ApiResult<Vec<Reaction>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        self.batch_get(keys)
            .await?
            .into_iter()
            .map(parse_reaction)
            .collect()
    }

    /// One page of an activity's reactions by time, from the reaction index. `after` is the
    /// index sort key to continue after.
    pub async fn reactions_page(
        &self,
        subject: Subject<'_>,
        activity_id: &str,
        limit: usize,
        after: Option<&str>,
        newest_first: bool,
    ) -> ApiResult<(Vec<Reaction>, Option<String>)> {
        let (g1pk, _) = subject.by_time(0, "", "");
        let request = self
            .query_index(keys::GSI1)
            .key_condition_expression("gsi1pk = :p")
            .expression_attribute_values(":p", s(g1pk.clone()))
            .scan_index_forward(!newest_first)
            .limit(limit.clamp(1, 1000) as i32);
        let start = after.map(|after| {
            // The index's start key also needs the table key: it is in the sort key.
            let mut parts = after.splitn(3, '#');
            let (_, user, kind) = (
                parts.next(),
                parts.next().unwrap_or(""),
                parts.next().unwrap_or(""),
            );
            subject
                .reaction_key(user, kind)
                .on_index((keys::GSI1_PK, &g1pk), (keys::GSI1_SK, after))
        });
        let page = self.query_page("read reactions", request, start).await?;
        let next = page.last_key_attr(keys::GSI1_SK);
        // The index holds keys and a few attributes; the reactions' keys carry the rest.
        let list = page
            .items
            .iter()
            .filter_map(|item| reaction_from_index(item, activity_id, subject))
            .collect();
        Ok((list, next))
    }
}

/// A reaction as a subject's by-time index lists it: the table key (user and type), the
/// times and the custom data.
pub(crate) fn reaction_from_index(
    item: &Item,
    activity_id: &str,
    subject: Subject<'_>,
) -> Option<Reaction> {
    let sk = item.get(keys::SK)?.as_s().ok()?;
    let (user, kind) = sk.strip_prefix(keys::REACTION_PREFIX)?.rsplit_once('#')?;
    let num = |name: &str| {
        item.get(name)
            .and_then(|v| v.as_n().ok())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    let custom = item
        .get("custom")
        .cloned()
        .and_then(|v| crate::document::document_value("custom", v).ok())
        .unwrap_or_default();
    Some(Reaction {
        activity_id: activity_id.to_string(),
        comment_id: match subject {
            Subject::Comment(c) => Some(c.to_string()),
            Subject::Activity(_) => None,
        },
        user_id: user.to_string(),
        kind: kind.to_string(),
        custom,
        created_at: num("created_at"),
        updated_at: num("updated_at"),
    })
}

/// Where a user's reaction of a type stands in an activity's newest-reactions list.
pub fn latest_index(latest: &[Reaction], user_id: &str, kind: &str) -> Option<usize> {
    latest
        .iter()
        .position(|r| r.user_id == user_id && r.kind == kind)
}

/// Reactions grouped by activity id.
pub fn by_activity(list: Vec<Reaction>) -> HashMap<String, Vec<Reaction>> {
    let mut out: HashMap<String, Vec<Reaction>> = HashMap::new();
    for r in list {
        out.entry(r.activity_id.clone()).or_default().push(r);
    }
    out
}
