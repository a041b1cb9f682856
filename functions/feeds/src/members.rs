//! Feed members: `update_feed_members` (upsert, remove, set), answering invites (accept,
//! reject) and `query_feed_members`.
//!
//! Only accepted members (`status: member`) count in the feed's `member_count`; the store
//! moves the count in the same transaction as the member (see `tributary_store::members`).
//!
//! `query_feed_members` reads the feed's member partition (pages of 1000, at most
//! [`MAX_MEMBERS_READ`] members) and filters, sorts and pages in memory; the cursors are
//! signed offsets into that ordered list.

use std::collections::{HashMap, HashSet};

use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{Map, Value};
use tributary_domain::access::Capability;
use tributary_domain::caller::Caller;
use tributary_domain::filter::predicate::{self, Field, Kind, EQ_IN, RANGE};
use tributary_domain::model::feed::Feed;
use tributary_domain::model::member::{Member, MemberStatus};
use tributary_domain::time::now_nanos;
use tributary_domain::validate::{self, Fid};
use tributary_domain::ApiError;
use tributary_domain::ApiResult;
use tributary_http::{AppState, Auth, Body, HttpResult};
use tributary_tasks::realtime::RealtimeTask;
use tributary_v3::members::{
    self as wire, FeedMemberReply, FeedMembersReply, UpdateFeedMembersReply,
};

use crate::listing::{page_of, sort_by_fields, sort_keys, SortParam};
use crate::ops;

// ---- permissions ----------------------------------------------------------------------

/// Who may add, change and remove a feed's members: whoever holds `update-feed-members`
/// (the owner; server calls).
async fn may_update_members(s: &AppState, caller: &Caller, feed: &Feed) -> ApiResult<()> {
    let access = s.store.feed_access(caller, feed).await?;
    access.require(Capability::UpdateFeedMembers)
}

/// Who may list a feed's members: whoever holds `query-feed-members` (the owner, active
/// members; server calls).
async fn may_query_members(s: &AppState, caller: &Caller, feed: &Feed) -> ApiResult<()> {
    let access = s.store.feed_access(caller, feed).await?;
    access.require(Capability::QueryFeedMembers)
}

// ---- limits -------------------------------------------------------------------------------

/// Members one `update_feed_members` call may name.
const MAX_MEMBERS_PER_CALL: usize = 100;
/// The most members `query_feed_members` (and `set`) read from a feed's partition.
pub const MAX_MEMBERS_READ: usize = 10_000;
const READ_PAGE: usize = 1000;
const DEFAULT_LIMIT: usize = 25;
const MAX_LIMIT: usize = 100;
/// Attempts at a member write whose member changed between the read and the write.
const WRITE_ATTEMPTS: usize = 3;

// ---- update_feed_members ---------------------------------------------------------------

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct FeedMemberRequest {
    user_id: Option<String>,
    role: Option<String>,
    #[schema(value_type = Option<Object>)]
    custom: Option<Map<String, Value>>,
    invite: Option<bool>,
    membership_level: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct UpdateFeedMembersRequest {
    operation: Option<String>,
    members: Option<Vec<FeedMemberRequest>>,
    // Accepted for the SDKs' sake; the reply lists only what changed.
    #[allow(dead_code)]
    limit: Option<i64>,
    #[allow(dead_code)]
    next: Option<String>,
    #[allow(dead_code)]
    prev: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Operation {
    Upsert,
    Remove,
    Set,
}

fn operation(raw: Option<&str>) -> ApiResult<Operation> {
    match raw {
        Some("upsert") => Ok(Operation::Upsert),
        Some("remove") => Ok(Operation::Remove),
        Some("set") => Ok(Operation::Set),
        None | Some("") => Err(ApiError::field(
            "operation",
            "operation is a required field",
        )),
        Some(other) => Err(ApiError::field(
            "operation",
            format!("operation: '{other}' is not one of upsert, remove, set"),
        )),
    }
}

/// Checks the named members: ids present and distinct, roles not empty, levels that exist.
async fn check_members(s: &AppState, op: Operation, list: &[FeedMemberRequest]) -> ApiResult<()> {
    if list.len() > MAX_MEMBERS_PER_CALL {
        return Err(ApiError::field(
            "members",
            format!(
                "members: at most {MAX_MEMBERS_PER_CALL} per request, got {}",
                list.len()
            ),
        ));
    }
    let mut seen = HashSet::new();
    for (i, m) in list.iter().enumerate() {
        let at = format!("members[{i}]");
        let id = m.user_id.as_deref().unwrap_or("");
        validate::id("user_id", id).map_err(|e| e.within(&at))?;
        if !seen.insert(id) {
            return Err(ApiError::field(
                format!("{at}.user_id"),
                format!("{at}.user_id: '{id}' is named more than once"),
            ));
        }
        if m.role.as_deref().is_some_and(|r| r.trim().is_empty()) {
            return Err(ApiError::field(
                format!("{at}.role"),
                format!("{at}.role must not be empty"),
            ));
        }
    }
    let named_levels = list.iter().any(|m| m.membership_level.is_some());
    if op != Operation::Remove && named_levels {
        let levels: HashSet<String> = s
            .store
            .membership_levels()
            .await?
            .into_iter()
            .map(|l| l.id)
            .collect();
        for (i, m) in list.iter().enumerate() {
            if let Some(level) = &m.membership_level {
                if !levels.contains(level) {
                    let field = format!("members[{i}].membership_level");
                    return Err(ApiError::field(
                        field.clone(),
                        format!("{field}: membership level '{level}' does not exist"),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// The member `req` makes of `existing` (or of nothing), and whether it is new.
fn upserted(fid: &str, req: &FeedMemberRequest, existing: Option<&Member>) -> Member {
    let now = now_nanos();
    let invite = req.invite.unwrap_or(false);
    let mut m = match existing {
        Some(old) => {
            let mut m = old.clone();
            // Inviting again someone who rejected asks them again.
            if invite && m.status == MemberStatus::Rejected {
                m.status = MemberStatus::Pending;
                m.invite_rejected_at = None;
            }
            m.updated_at = now;
            m
        }
        None => Member::new(fid, req.user_id.as_deref().unwrap_or(""), invite, now),
    };
    if let Some(role) = &req.role {
        m.role = role.clone();
    }
    if let Some(custom) = &req.custom {
        m.custom = custom.clone();
    }
    if let Some(level) = &req.membership_level {
        m.membership_level = Some(level.clone());
    }
    m
}

/// Writes one requested member, re-reading it when it changed meanwhile. Returns the member
/// written and whether it was added (rather than updated).
async fn write_one(
    s: &AppState,
    fid: &str,
    req: &FeedMemberRequest,
    mut existing: Option<Member>,
) -> ApiResult<(Member, bool)> {
    let user_id = req.user_id.as_deref().unwrap_or("");
    for _ in 0..WRITE_ATTEMPTS {
        let m = upserted(fid, req, existing.as_ref());
        let seen = existing.as_ref().map(|e| e.status);
        if s.store.put_member(&m, seen).await? {
            return Ok((m, existing.is_none()));
        }
        existing = s.store.get_member(fid, user_id).await?;
    }
    Err(ApiError::internal_msg(format!(
        "member '{user_id}' of feed '{fid}' kept changing during the update"
    )))
}

/// Removes one member, re-reading it when it changed meanwhile. `Ok(false)` when it is gone.
async fn remove_one(s: &AppState, mut existing: Option<Member>) -> ApiResult<bool> {
    for _ in 0..WRITE_ATTEMPTS {
        let Some(m) = existing else {
            return Ok(false);
        };
        if s.store.delete_member(&m).await? {
            return Ok(true);
        }
        existing = s.store.get_member(&m.fid, &m.user_id).await?;
    }
    Err(ApiError::internal_msg(
        "a member kept changing during its removal",
    ))
}

/// Every member of a feed, by user id, up to [`MAX_MEMBERS_READ`].
async fn all_members(s: &AppState, fid: &str) -> ApiResult<Vec<Member>> {
    let mut out = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let want = READ_PAGE.min(MAX_MEMBERS_READ - out.len());
        let (page, next) = s.store.members_page(fid, want, after.as_deref()).await?;
        out.extend(page);
        match next {
            Some(n) if out.len() < MAX_MEMBERS_READ => after = Some(n),
            _ => return Ok(out),
        }
    }
}

async fn load_feed(s: &AppState, group: &str, id: &str) -> ApiResult<Feed> {
    let fid: Fid = ops::parse_fid(s, group, id).await?;
    ops::load(s, &fid).await
}

pub async fn update(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Path((group, id)): Path<(String, String)>,
    Body(req): Body<UpdateFeedMembersRequest>,
) -> HttpResult<Json<UpdateFeedMembersReply>> {
    let op = operation(req.operation.as_deref())?;
    let list = req.members.unwrap_or_default();
    let feed = load_feed(&s, &group, &id).await?;
    may_update_members(&s, &caller, &feed).await?;
    check_members(&s, op, &list).await?;
    let fid = feed.fid.as_str();

    let named: Vec<String> = list.iter().filter_map(|m| m.user_id.clone()).collect();
    // `set` reads every member (it removes those not named); the others read the named ones.
    let mut existing: HashMap<String, Member> = match op {
        Operation::Set => all_members(&s, fid)
            .await?
            .into_iter()
            .map(|m| (m.user_id.clone(), m))
            .collect(),
        _ => s.store.get_members(fid, &named).await?,
    };

    let mut added = Vec::new();
    let mut updated = Vec::new();
    let mut removed_ids = Vec::new();
    match op {
        Operation::Remove => {
            for user_id in &named {
                if remove_one(&s, existing.remove(user_id)).await? {
                    removed_ids.push(user_id.clone());
                }
            }
        }
        Operation::Upsert | Operation::Set => {
            for req in &list {
                let user_id = req.user_id.as_deref().unwrap_or("");
                let (m, is_new) = write_one(&s, fid, req, existing.remove(user_id)).await?;
                if is_new {
                    added.push(m);
                } else {
                    updated.push(m);
                }
            }
            if op == Operation::Set {
                // What is left was not named.
                let mut rest: Vec<Member> = existing.into_values().collect();
                rest.sort_by(|a, b| a.user_id.cmp(&b.user_id));
                for m in rest {
                    let user_id = m.user_id.clone();
                    if remove_one(&s, Some(m)).await? {
                        removed_ids.push(user_id);
                    }
                }
            }
        }
    }
    let n_added = added.len();
    let mut rendered = wire::render(&s.store, &[added, updated].concat()).await?;
    let updated = rendered.split_off(n_added);
    announce(&s, fid, &rendered, &updated, &removed_ids).await;
    Ok(Json(UpdateFeedMembersReply {
        added: rendered,
        removed_ids,
        updated,
    }))
}

/// Queues the realtime events about a feed's members for its watchers.
async fn announce<T: serde::Serialize>(
    s: &AppState,
    fid: &str,
    added: &[T],
    updated: &[T],
    removed_ids: &[String],
) {
    let now = now_nanos();
    let event = |kind: &str, field: (&str, serde_json::Value)| {
        let mut e = serde_json::json!({"type": kind, "created_at": now, "custom": {}});
        e[field.0] = field.1;
        RealtimeTask::publish(e, vec![fid.to_string()])
    };
    let value = |m: &T| serde_json::to_value(m).unwrap_or_default();
    let tasks = added
        .iter()
        .map(|m| event("feeds.feed_member.added", ("member", value(m))))
        .chain(
            updated
                .iter()
                .map(|m| event("feeds.feed_member.updated", ("member", value(m)))),
        )
        .chain(removed_ids.iter().map(|id| {
            event(
                "feeds.feed_member.removed",
                ("member_id", serde_json::json!(id)),
            )
        }))
        .collect();
    s.publish(tasks).await;
}

// ---- accept / reject ----------------------------------------------------------------------

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct AnswerInviteRequest {
    user_id: Option<String>,
}

async fn answer(
    s: &AppState,
    caller: &Caller,
    group: &str,
    id: &str,
    req: AnswerInviteRequest,
    accept: bool,
) -> ApiResult<FeedMemberReply> {
    // Only the invited user answers: a user token acts as itself only.
    let user_id = caller.require_user(req.user_id.as_deref())?;
    let feed = load_feed(s, group, id).await?;
    let verb = if accept { "accept" } else { "reject" };
    for _ in 0..WRITE_ATTEMPTS {
        let Some(mut m) = s.store.get_member(&feed.fid, &user_id).await? else {
            return Err(ApiError::not_allowed(format!(
                "user '{user_id}' has no invite to feed '{}' to {verb}",
                feed.fid
            )));
        };
        if m.status != MemberStatus::Pending {
            return Err(ApiError::field(
                "user_id",
                format!(
                    "user '{user_id}' has no pending invite to feed '{}' (status is {})",
                    feed.fid,
                    m.status.as_str()
                ),
            ));
        }
        m.answer_invite(accept, now_nanos());
        if s.store.put_member(&m, Some(MemberStatus::Pending)).await? {
            let member = wire::render(&s.store, std::slice::from_ref(&m))
                .await?
                .remove(0);
            announce(s, &feed.fid, &[], std::slice::from_ref(&member), &[]).await;
            return Ok(FeedMemberReply { member });
        }
    }
    Err(ApiError::internal_msg(format!(
        "the invite of '{user_id}' to feed '{}' kept changing",
        feed.fid
    )))
}

pub async fn accept(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Path((group, id)): Path<(String, String)>,
    Body(req): Body<AnswerInviteRequest>,
) -> HttpResult<Json<FeedMemberReply>> {
    Ok(Json(answer(&s, &caller, &group, &id, req, true).await?))
}

pub async fn reject(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Path((group, id)): Path<(String, String)>,
    Body(req): Body<AnswerInviteRequest>,
) -> HttpResult<Json<FeedMemberReply>> {
    Ok(Json(answer(&s, &caller, &group, &id, req, false).await?))
}

// ---- query_feed_members -------------------------------------------------------------------

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = QueryFeedMembersRequest)]
pub struct QueryRequest {
    filter: Option<Value>,
    sort: Option<Vec<SortParam>>,
    limit: Option<i64>,
    next: Option<String>,
    prev: Option<String>,
}

fn member_fields(name: &str) -> Option<Field> {
    let (kind, ops) = match name {
        "user_id" | "role" | "status" => (Kind::Plain, EQ_IN),
        "created_at" | "updated_at" => (Kind::Time, RANGE),
        _ => return None,
    };
    Some(Field {
        name: "",
        kind,
        ops,
    })
}

fn member_value(m: &Member, field: &str) -> Option<Value> {
    Some(match field {
        "user_id" => Value::from(m.user_id.clone()),
        "role" => Value::from(m.role.clone()),
        "status" => Value::from(m.status.as_str()),
        "created_at" => Value::from(m.created_at),
        "updated_at" => Value::from(m.updated_at),
        _ => return None,
    })
}

pub async fn query(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Path((group, id)): Path<(String, String)>,
    Body(req): Body<QueryRequest>,
) -> HttpResult<Json<FeedMembersReply>> {
    let limit = validate::limit("limit", req.limit, DEFAULT_LIMIT, MAX_LIMIT)?;
    let cond = predicate::parse(req.filter.as_ref(), &member_fields)?;
    let order = sort_keys(
        req.sort.as_deref(),
        &["created_at", "updated_at", "user_id"],
        ("created_at", true),
    )?;
    let feed = load_feed(&s, &group, &id).await?;
    may_query_members(&s, &caller, &feed).await?;
    let mut found: Vec<Member> = all_members(&s, &feed.fid)
        .await?
        .into_iter()
        .filter(|m| cond.matches(&|f| member_value(m, f)))
        .collect();
    sort_by_fields(&mut found, &order, member_value, |a, b| {
        a.user_id.cmp(&b.user_id)
    });
    let (page, next, prev) = page_of(&s, found, limit, req.next.as_deref(), req.prev.as_deref())?;
    let members = wire::render(&s.store, &page).await?;
    Ok(Json(FeedMembersReply {
        members,
        next,
        prev,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations() {
        assert_eq!(operation(Some("set")).unwrap(), Operation::Set);
        for bad in [None, Some(""), Some("add")] {
            match operation(bad) {
                Err(ApiError::Input { field, .. }) => {
                    assert_eq!(field.as_deref(), Some("operation"))
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn fields() {
        assert!(member_fields("status").is_some());
        assert!(member_fields("custom.x").is_none());
        let m = Member::new("user:a", "bob", true, 5);
        assert_eq!(member_value(&m, "status"), Some(Value::from("pending")));
        assert_eq!(member_value(&m, "created_at"), Some(Value::from(5)));
    }
}
