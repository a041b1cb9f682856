//! Feed members, with the feed's `member_count` kept exact by transactions (only accepted
//! members count), and the membership levels an app defines.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{Delete, Put, TransactWriteItem, Update};

use super::batch::Item;
use super::Store;
use crate::keys;
use tributary_domain::model::member::{Member, MemberStatus, MembershipLevel};
use tributary_domain::ApiError;
use tributary_domain::ApiResult;

use super::{n, s};

fn member_item(m: &Member) -> ApiResult<Item> {
    let mut item: Item = crate::document::to_item("serialize member", m)?;
    item.extend(keys::member(&m.fid, &m.user_id).to_item());
    let (g1pk, g1sk) = keys::member_by_user(&m.user_id, &m.fid);
    item.insert(keys::GSI1_PK.into(), s(g1pk));
    item.insert(keys::GSI1_SK.into(), s(g1sk));
    Ok(item)
}

fn parse_member(item: Item) -> ApiResult<Member> {
    crate::document::from_item("parse member", item)
}

fn parse_level(item: Item) -> ApiResult<MembershipLevel> {
    crate::document::from_item("parse membership level", item)
}

/// The update of a feed's `member_count` by `delta`.
fn count_update(store: &Store, fid: &str, delta: i64) -> ApiResult<TransactWriteItem> {
    let update = Update::builder()
        .table_name(store.table())
        .set_key(Some(keys::feed_counts(fid).to_item()))
        .update_expression("ADD member_count :d")
        .expression_attribute_values(":d", n(delta))
        .build()
        .map_err(|e| ApiError::internal("build member count update", e))?;
    Ok(TransactWriteItem::builder().update(update).build())
}

/// How a write moving a member from `was` to `now` changes the count of accepted members.
fn count_delta(was: Option<MemberStatus>, now: Option<MemberStatus>) -> i64 {
    let active = |s: Option<MemberStatus>| i64::from(s == Some(MemberStatus::Member));
    active(now) - active(was)
}

impl Store {
    /// Runs a member write: alone when the count does not change, else in a transaction
    /// with the count. `Ok(false)` when the member item's condition failed.
    async fn write_member(
        &self,
        context: &str,
        write: TransactWriteItem,
        fid: &str,
        delta: i64,
    ) -> ApiResult<bool> {
        if delta == 0 {
            return self.write_alone(context, &write).await;
        }
        let items = vec![write, count_update(self, fid, delta)?];
        match self.transact(context, items).await?.as_slice() {
            [] => Ok(true),
            [true, ..] => Ok(false),
            _ => Err(ApiError::internal_msg(format!(
                "{context}: the counter update failed"
            ))),
        }
    }

    /// A transaction's single Put or Delete sent as a plain conditional write (half the
    /// write units of a one-item transaction).
    async fn write_alone(&self, context: &str, write: &TransactWriteItem) -> ApiResult<bool> {
        if let Some(p) = write.put() {
            let request = self
                .put(p.item().clone())
                .set_condition_expression(p.condition_expression().map(str::to_string))
                .set_expression_attribute_names(p.expression_attribute_names().cloned())
                .set_expression_attribute_values(p.expression_attribute_values().cloned());
            return Ok(self.run_if(context, request).await?.is_some());
        }
        if let Some(d) = write.delete() {
            let request = self
                .client()
                .delete_item()
                .table_name(self.table())
                .set_key(Some(d.key().clone()))
                .set_condition_expression(d.condition_expression().map(str::to_string))
                .set_expression_attribute_names(d.expression_attribute_names().cloned())
                .set_expression_attribute_values(d.expression_attribute_values().cloned());
            return Ok(self.run_if(context, request).await?.is_some());
        }
        Err(ApiError::internal_msg(format!(
            "{context}: a member write is a put or a delete"
        )))
    }

    /// A feed's member (any status), read consistently.
    pub async fn get_member(&self, fid: &str, user_id: &str) -> ApiResult<Option<Member>> {
        self.get_raw("get member", keys::member(fid, user_id), true)
            .await?
            .map(parse_member)
            .transpose()
    }

    /// Many members of a feed by user id, in batches (eventually consistent); missing ones
    /// are absent.
    pub async fn get_members(
        &self,
        fid: &str,
        user_ids: &[String],
    ) -> ApiResult<HashMap<String, Member>> {
        let mut wanted: Vec<&String> = user_ids.iter().collect();
        wanted.sort_unstable();
        wanted.dedup();
        if wanted.is_empty() {
            return Ok(HashMap::new());
        }
        self.batch_get(wanted.iter().map(|u| keys::member(fid, u)).collect())
            .await?
            .into_iter()
            .map(|item| parse_member(item).map(|m| (m.user_id.clone(), m)))
            .collect()
    }

    /// One page of a feed's members (every status), in user id order. `after` is the user id
    /// to continue after. Returns the members and the user id to continue after when more
    /// may follow.
    pub async fn members_page(
        &self,
        fid: &str,
        limit: usize,
        after: Option<&str>,
    ) -> ApiResult<(Vec<Member>, Option<String>)> {
        let request = self
            .query()
            .key_condition_expression("pk = :pk AND begins_with(sk, :m)")
            .expression_attribute_values(":pk", s(keys::feed_partition(fid)))
            .expression_attribute_values(":m", s(keys::MEMBER_PREFIX))
            .consistent_read(true)
            .limit(limit.clamp(1, 1000) as i32);
        let start = after.map(|user| keys::member(fid, user).to_item());
        let page = self.query_page("read members", request, start).await?;
        let next = page
            .last_key_attr(keys::SK)
            .and_then(|sk| sk.strip_prefix(keys::MEMBER_PREFIX).map(str::to_string));
        let members = page
            .items
            .into_iter()
            .map(parse_member)
            .collect::<ApiResult<_>>()?;
        Ok((members, next))
    }

    /// Writes a member. `seen` is the status it had when read (`None`: it did not exist),
    /// which the write is conditioned on; `member_count` moves when the member becomes (or
    /// stops being) an accepted one. `Ok(false)` when the member changed meanwhile.
    pub async fn put_member(&self, m: &Member, seen: Option<MemberStatus>) -> ApiResult<bool> {
        let mut put = Put::builder()
            .table_name(self.table())
            .set_item(Some(member_item(m)?));
        put = match seen {
            None => put.condition_expression("attribute_not_exists(pk)"),
            Some(status) => put
                .condition_expression("#st = :seen")
                .expression_attribute_names("#st", "status")
                .expression_attribute_values(":seen", s(status.as_str())),
        };
        let put = put
            .build()
            .map_err(|e| ApiError::internal("build member put", e))?;
        let delta = count_delta(seen, Some(m.status));
        self.write_member(
            "put member",
            TransactWriteItem::builder().put(put).build(),
            &m.fid,
            delta,
        )
        .await
    }

    /// Deletes a member as read (conditioned on its status), uncounting it if it was an
    /// accepted one. `Ok(false)` when it was already gone or changed meanwhile.
    pub async fn delete_member(&self, m: &Member) -> ApiResult<bool> {
        let delete = Delete::builder()
            .table_name(self.table())
            .set_key(Some(keys::member(&m.fid, &m.user_id).to_item()))
            .condition_expression("#st = :seen")
            .expression_attribute_names("#st", "status")
            .expression_attribute_values(":seen", s(m.status.as_str()))
            .build()
            .map_err(|e| ApiError::internal("build member delete", e))?;
        let delta = count_delta(Some(m.status), None);
        self.write_member(
            "delete member",
            TransactWriteItem::builder().delete(delete).build(),
            &m.fid,
            delta,
        )
        .await
    }
}

impl Store {
    pub async fn get_membership_level(&self, id: &str) -> ApiResult<Option<MembershipLevel>> {
        self.get_raw("get membership level", keys::membership_level(id), true)
            .await?
            .map(parse_level)
            .transpose()
    }

    /// Every membership level, by id (an app defines a handful; one small partition).
    pub async fn membership_levels(&self) -> ApiResult<Vec<MembershipLevel>> {
        let request = self
            .query()
            .key_condition_expression("pk = :p")
            .expression_attribute_values(":p", s(keys::MEMBERSHIP_LEVELS_PARTITION))
            .consistent_read(true);
        self.query_all("list membership levels", request)
            .await?
            .into_iter()
            .map(parse_level)
            .collect()
    }

    /// Creates (`create`: refused when the id is taken) or replaces (refused when it does not
    /// exist) a membership level. `Ok(false)` when refused.
    pub async fn put_membership_level(
        &self,
        level: &MembershipLevel,
        create: bool,
    ) -> ApiResult<bool> {
        let mut item: Item = crate::document::to_item("serialize membership level", level)?;
        item.extend(keys::membership_level(&level.id).to_item());
        let condition = if create {
            "attribute_not_exists(pk)"
        } else {
            "attribute_exists(pk)"
        };
        let put = self.put(item).condition_expression(condition);
        Ok(self.run_if("put membership level", put).await?.is_some())
    }

    /// Deletes a membership level. `Ok(false)` when there was none. Members naming it keep
    /// the id and render without it.
    pub async fn delete_membership_level(&self, id: &str) -> ApiResult<bool> {
        let delete = self
            .delete(keys::membership_level(id))
            .condition_expression("attribute_exists(pk)");
        Ok(self
            .run_if("delete membership level", delete)
            .await?
            .is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_accepted_members_count() {
        use MemberStatus::*;
        assert_eq!(count_delta(None, Some(Member)), 1);
        assert_eq!(count_delta(None, Some(Pending)), 0);
        assert_eq!(count_delta(Some(Pending), Some(Member)), 1);
        assert_eq!(count_delta(Some(Pending), Some(Rejected)), 0);
        assert_eq!(count_delta(Some(Member), Some(Member)), 0);
        assert_eq!(count_delta(Some(Member), None), -1);
        assert_eq!(count_delta(Some(Rejected), None), 0);
    }

    #[test]
    fn member_item_is_indexed_by_user() {
        let m = tributary_domain::model::member::Member::new("user:amy", "bob", true, 5);
        let item = member_item(&m).unwrap();
        assert_eq!(item["pk"], s("FEED#user:amy"));
        assert_eq!(item["sk"], s("MEMBER#bob"));
        assert_eq!(item["gsi1pk"], s("UMEMBER#bob"));
        assert_eq!(item["gsi1sk"], s("user:amy"));
        assert_eq!(item["status"], s("pending"));
    }
}
