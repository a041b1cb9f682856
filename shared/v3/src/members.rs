//! Feed members and membership levels on the wire: `FeedMemberResponse`,
//! `MembershipLevelResponse`, the envelopes of the member and level endpoints, and
//! [`render`], which turns stored members into responses with their users and levels loaded
//! in batched reads (feed reads reuse it).

use std::collections::HashMap;

use serde::Serialize;
use serde_json::{Map, Value};
use serde_with::skip_serializing_none;
use tributary_domain::model::member::{Member, MembershipLevel};
use tributary_domain::time::Nanos;
use tributary_domain::ApiResult;
use tributary_store::Store;

use crate::responses::{UserDirectory, UserResponse};

#[skip_serializing_none]
#[derive(Clone, Debug, Serialize)]
pub struct MembershipLevelResponse {
    pub id: String,
    pub name: String,
    pub priority: i64,
    pub tags: Vec<String>,
    pub description: Option<String>,
    pub custom: Map<String, Value>,
    pub created_at: Nanos,
    pub updated_at: Nanos,
}

impl From<&MembershipLevel> for MembershipLevelResponse {
    fn from(l: &MembershipLevel) -> Self {
        MembershipLevelResponse {
            id: l.id.clone(),
            name: l.name.clone(),
            priority: l.priority,
            tags: l.tags.clone(),
            description: l.description.clone(),
            custom: l.custom.clone(),
            created_at: l.created_at,
            updated_at: l.updated_at,
        }
    }
}

#[skip_serializing_none]
#[derive(Clone, Debug, Serialize)]
pub struct FeedMemberResponse {
    pub user: UserResponse,
    pub role: String,
    pub status: &'static str,
    pub custom: Map<String, Value>,
    pub created_at: Nanos,
    pub updated_at: Nanos,
    pub invite_accepted_at: Option<Nanos>,
    pub invite_rejected_at: Option<Nanos>,
    /// The member's level, when it names one that exists.
    pub membership_level: Option<MembershipLevelResponse>,
}

/// Renders members in order, with their users (one batched read) and, when any names a
/// membership level, the levels (one Query of their small partition).
pub async fn render(store: &Store, list: &[Member]) -> ApiResult<Vec<FeedMemberResponse>> {
    let any_level = list.iter().any(|m| m.membership_level.is_some());
    let (users, levels) = tokio::try_join!(
        store.get_users(list.iter().map(|m| m.user_id.as_str())),
        async {
            if any_level {
                store.membership_levels().await
            } else {
                Ok(Vec::new())
            }
        },
    )?;
    let users = UserDirectory(users);
    let levels: HashMap<&str, &MembershipLevel> =
        levels.iter().map(|l| (l.id.as_str(), l)).collect();
    Ok(list
        .iter()
        .map(|m| FeedMemberResponse {
            user: users.get(&m.user_id),
            role: m.role.clone(),
            status: m.status.as_str(),
            custom: m.custom.clone(),
            created_at: m.created_at,
            updated_at: m.updated_at,
            invite_accepted_at: m.invite_accepted_at,
            invite_rejected_at: m.invite_rejected_at,
            membership_level: m
                .membership_level
                .as_deref()
                .and_then(|id| levels.get(id))
                .map(|l| MembershipLevelResponse::from(*l)),
        })
        .collect())
}

/// `update_feed_members`: who was added, changed and removed.
#[derive(Debug, Serialize)]
pub struct UpdateFeedMembersReply {
    pub added: Vec<FeedMemberResponse>,
    pub removed_ids: Vec<String>,
    pub updated: Vec<FeedMemberResponse>,
}

/// `{"member": ...}`: an answered invite.
#[derive(Debug, Serialize)]
pub struct FeedMemberReply {
    pub member: FeedMemberResponse,
}

/// `query_feed_members`.
#[skip_serializing_none]
#[derive(Debug, Serialize)]
pub struct FeedMembersReply {
    pub members: Vec<FeedMemberResponse>,
    pub next: Option<String>,
    pub prev: Option<String>,
}

/// `{"membership_level": ...}`.
#[derive(Debug, Serialize)]
pub struct MembershipLevelReply {
    pub membership_level: MembershipLevelResponse,
}

/// `query_membership_levels`.
#[skip_serializing_none]
#[derive(Debug, Serialize)]
pub struct MembershipLevelsReply {
    pub membership_levels: Vec<MembershipLevelResponse>,
    pub next: Option<String>,
    pub prev: Option<String>,
}
