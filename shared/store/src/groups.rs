//! Activity groups of aggregated and notification feeds, and notification read/seen state.
//!
//! A group is one item in its feed's partition holding its newest activities' positions
//! (`<time>#<id>`, at most [`KEPT_PER_GROUP`]), `activity_count`, the set of users, and
//! times; gsi1 orders a feed's groups by last update. Adding an activity to a group is one
//! UpdateItem, conditional on the activity not being there yet, so a redelivered fan-out
//! task does not count it twice. Marking everything read or seen writes one state item;
//! marking a group writes that group.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};

use super::batch::Item;
use super::{n, s, Store};
use crate::keys;
use tributary_domain::aggregation::KEPT_PER_GROUP;
use tributary_domain::time::Nanos;
use tributary_domain::ApiResult;

#[derive(Clone, Debug, PartialEq)]
pub struct ActivityGroup {
    pub fid: String,
    pub group: String,
    /// Positions (`<time>#<id>`) of the newest activities, newest first.
    pub positions: Vec<String>,
    pub activity_count: i64,
    pub user_count: i64,
    pub created_at: Nanos,
    pub updated_at: Nanos,
    pub read_at: Option<Nanos>,
    pub seen_at: Option<Nanos>,
}

/// A feed's marks for everything at once.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct NotificationState {
    pub last_read_at: Option<Nanos>,
    pub last_seen_at: Option<Nanos>,
}

/// A page of a feed's group names, newest-updated first, and the position to continue after.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GroupList {
    pub names: Vec<String>,
    pub next: Option<String>,
}

/// The group names the update index lists, in its order.
fn group_names(listed: &[Item]) -> Vec<String> {
    listed
        .iter()
        .filter_map(|i| {
            let sk = i.get(keys::SK)?.as_s().ok()?;
            sk.strip_prefix(keys::GROUP_PREFIX).map(str::to_string)
        })
        .collect()
}

fn num(item: &Item, name: &str) -> Option<i64> {
    item.get(name)?.as_n().ok()?.parse().ok()
}

fn parse(fid: &str, item: &Item) -> Option<ActivityGroup> {
    let group = item.get("group")?.as_s().ok()?.clone();
    let mut positions: Vec<String> = match item.get("positions") {
        Some(AttributeValue::Ss(list)) => list.clone(),
        _ => Vec::new(),
    };
    positions.sort_unstable_by(|a, b| b.cmp(a));
    let user_count = match item.get("users") {
        Some(AttributeValue::Ss(users)) => users.len() as i64,
        _ => 0,
    };
    Some(ActivityGroup {
        fid: fid.to_string(),
        group,
        positions,
        activity_count: num(item, "activity_count").unwrap_or(0),
        user_count,
        created_at: num(item, "created_at").unwrap_or(0),
        updated_at: num(item, "updated_at").unwrap_or(0),
        read_at: num(item, "read_at"),
        seen_at: num(item, "seen_at"),
    })
}

impl Store {
    /// Adds an activity (its position and author) to a feed's group, creating the group.
    /// Returns false when the activity was already in the group.
    pub async fn add_to_group(
        &self,
        fid: &str,
        group: &str,
        position: &str,
        user_id: &str,
        now: Nanos,
    ) -> ApiResult<bool> {
        let (gsi1pk, gsi1sk) = keys::activity_group_by_update(fid, now, group);
        let Some(out) = self.run_if("add to activity group", self.update(keys::activity_group(fid, group))
            .update_expression(
                "SET #group = :group, #updated = :now, #created = if_not_exists(#created, :now), \
                 gsi1pk = :g1pk, gsi1sk = :g1sk \
                 ADD #count :one, #positions :pos, #users :user",
            )
            .condition_expression("NOT contains(#positions, :p)")
            .expression_attribute_names("#group", "group")
            .expression_attribute_names("#updated", "updated_at")
            .expression_attribute_names("#created", "created_at")
            .expression_attribute_names("#count", "activity_count")
            .expression_attribute_names("#positions", "positions")
            .expression_attribute_names("#users", "users")
            .expression_attribute_values(":group", s(group))
            .expression_attribute_values(":now", n(now))
            .expression_attribute_values(":g1pk", s(gsi1pk))
            .expression_attribute_values(":g1sk", s(gsi1sk))
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":pos", AttributeValue::Ss(vec![position.to_string()]))
            .expression_attribute_values(":p", s(position))
            .expression_attribute_values(":user", AttributeValue::Ss(vec![user_id.to_string()]))
            .return_values(ReturnValue::AllNew)).await? else { return Ok(false); };
        let positions = match out.attributes.as_ref().and_then(|a| a.get("positions")) {
            Some(AttributeValue::Ss(list)) => list.clone(),
            _ => Vec::new(),
        };
        if positions.len() > KEPT_PER_GROUP {
            // Drop the oldest beyond the kept number. A concurrent add may have changed
            // the set since; then the next add trims instead.
            let mut sorted = positions;
            sorted.sort_unstable();
            let drop: Vec<String> = sorted[..sorted.len() - KEPT_PER_GROUP].to_vec();
            let _trim = self
                .run(
                    "trim activity group",
                    self.update(keys::activity_group(fid, group))
                        .update_expression("DELETE #positions :old")
                        .expression_attribute_names("#positions", "positions")
                        .expression_attribute_values(":old", AttributeValue::Ss(drop)),
                )
                .await?;
        }
        Ok(true)
    }

    /// Takes an activity out of a group (its count drops by one), if it is there.
    pub async fn remove_from_group(&self, fid: &str, group: &str, position: &str) -> ApiResult<()> {
        match self
            .run_if(
                "remove from activity group",
                self.update(keys::activity_group(fid, group))
                    .update_expression("DELETE #positions :pos ADD #count :minus")
                    .condition_expression("contains(#positions, :p)")
                    .expression_attribute_names("#positions", "positions")
                    .expression_attribute_names("#count", "activity_count")
                    .expression_attribute_values(
                        ":pos",
                        AttributeValue::Ss(vec![position.to_string()]),
                    )
                    .expression_attribute_values(":p", s(position))
                    .expression_attribute_values(":minus", n(-1)),
            )
            .await?
        {
            Some(_) => Ok(()),
            None => Ok(()),
        }
    }

    /// The names of a page of a feed's groups, most recently updated first: the index carries
    /// keys only, so the groups themselves are a second read ([`Store::groups_in_order`]).
    pub async fn list_groups(
        &self,
        fid: &str,
        limit: usize,
        after: Option<&str>,
    ) -> ApiResult<GroupList> {
        let request = self
            .query_index(keys::GSI1)
            .key_condition_expression("gsi1pk = :pk")
            .expression_attribute_values(":pk", s(keys::activity_groups_of(fid)))
            .scan_index_forward(false)
            .limit(limit.clamp(1, 1000) as i32);
        let start = after.map(|after| {
            let group = after.split_once('#').map_or("", |(_, g)| g);
            keys::activity_group(fid, group).on_index(
                (keys::GSI1_PK, &keys::activity_groups_of(fid)),
                (keys::GSI1_SK, after),
            )
        });
        let page = self
            .query_page("read activity groups", request, start)
            .await?;
        let next = page.last_key_attr(keys::GSI1_SK);
        Ok(GroupList {
            names: group_names(&page.items),
            next,
        })
    }

    /// The named groups that exist, in the order named.
    pub async fn groups_in_order(
        &self,
        fid: &str,
        names: &[String],
    ) -> ApiResult<Vec<ActivityGroup>> {
        let found = self.get_groups(fid, names).await?;
        Ok(names.iter().filter_map(|g| found.get(g).cloned()).collect())
    }

    /// Groups by name.
    pub async fn get_groups(
        &self,
        fid: &str,
        names: &[String],
    ) -> ApiResult<HashMap<String, ActivityGroup>> {
        if names.is_empty() {
            return Ok(HashMap::new());
        }
        let items = self
            .batch_get(names.iter().map(|g| keys::activity_group(fid, g)).collect())
            .await?;
        Ok(items
            .iter()
            .filter_map(|i| parse(fid, i))
            .map(|g| (g.group.clone(), g))
            .collect())
    }

    /// Groups updated after `since` (all of them when `None`), newest first, at most `cap`.
    pub async fn groups_updated_since(
        &self,
        fid: &str,
        since: Option<Nanos>,
        cap: usize,
    ) -> ApiResult<Vec<ActivityGroup>> {
        let names = self.groups_named_since(fid, since, cap).await?;
        self.groups_in_order(fid, &names).await
    }

    /// The names of [`Store::groups_updated_since`]: the update index carries keys only.
    pub async fn groups_named_since(
        &self,
        fid: &str,
        since: Option<Nanos>,
        cap: usize,
    ) -> ApiResult<Vec<String>> {
        let mut request = self
            .query_index(keys::GSI1)
            .expression_attribute_values(":pk", s(keys::activity_groups_of(fid)))
            .scan_index_forward(false)
            .limit(cap.clamp(1, 1000) as i32);
        request = match since {
            // Sort keys start with the update time: later than `since` is at least `since + 1`.
            Some(t) => request
                .key_condition_expression("gsi1pk = :pk AND gsi1sk >= :after")
                .expression_attribute_values(":after", s(keys::time_part(t.saturating_add(1)))),
            None => request.key_condition_expression("gsi1pk = :pk"),
        };
        let out = self.run("read updated activity groups", request).await?;
        Ok(group_names(&out.items.unwrap_or_default()))
    }

    /// Marks groups read and/or seen now. Groups that do not exist are skipped.
    pub async fn mark_groups(
        &self,
        fid: &str,
        names: &[String],
        read: bool,
        seen: bool,
        now: Nanos,
    ) -> ApiResult<()> {
        let set = match (read, seen) {
            (true, true) => "SET read_at = :now, seen_at = :now",
            (true, false) => "SET read_at = :now",
            (false, true) => "SET seen_at = :now",
            (false, false) => return Ok(()),
        };
        let updates = names.iter().map(|g| async move {
            match self
                .run_if(
                    "mark activity group",
                    self.update(keys::activity_group(fid, g))
                        .update_expression(set)
                        .condition_expression("attribute_exists(pk)")
                        .expression_attribute_values(":now", n(now)),
                )
                .await?
            {
                Some(_) => Ok(()),
                None => Ok(()),
            }
        });
        futures::future::try_join_all(updates).await?;
        Ok(())
    }

    pub async fn notification_state(&self, fid: &str) -> ApiResult<NotificationState> {
        let item = self
            .get_raw(
                "read notification state",
                keys::notification_state(fid),
                true,
            )
            .await?;
        Ok(match item {
            Some(item) => NotificationState {
                last_read_at: num(&item, "last_read_at"),
                last_seen_at: num(&item, "last_seen_at"),
            },
            None => NotificationState::default(),
        })
    }

    /// Marks every group read and/or seen: one write, whatever the number of groups.
    pub async fn mark_all(&self, fid: &str, read: bool, seen: bool, now: Nanos) -> ApiResult<()> {
        let set = match (read, seen) {
            (true, true) => "SET last_read_at = :now, last_seen_at = :now",
            (true, false) => "SET last_read_at = :now",
            (false, true) => "SET last_seen_at = :now",
            (false, false) => return Ok(()),
        };
        self.run(
            "mark all",
            self.update(keys::notification_state(fid))
                .update_expression(set)
                .expression_attribute_values(":now", n(now)),
        )
        .await?;
        Ok(())
    }
}
