//! Comments on objects (activities by default), threaded through `parent_id`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::response::{UserDirectory, UserResponse};
use crate::time::Nanos;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Comment {
    pub id: String,
    pub object_id: String,
    pub object_type: String,
    pub user_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default)]
    pub attachments: Vec<Map<String, Value>>,
    #[serde(default)]
    pub custom: Map<String, Value>,
    #[serde(default)]
    pub mentioned_user_ids: Vec<String>,
    pub created_at: Nanos,
    pub updated_at: Nanos,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited_at: Option<Nanos>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<Nanos>,
    #[serde(default)]
    pub reply_count: i64,
    #[serde(default)]
    pub reaction_count: i64,
    #[serde(default)]
    pub upvote_count: i64,
    #[serde(default)]
    pub downvote_count: i64,
    #[serde(default)]
    pub version: i64,
    /// The newest reactions, newest first.
    #[serde(default)]
    pub latest_reactions: Vec<super::reaction::Reaction>,
    /// Reaction counts per type (flat attributes of the item; see `reaction::group_attributes`).
    #[serde(skip)]
    pub reaction_groups: std::collections::BTreeMap<String, super::reaction::ReactionGroup>,
}

/// Stream's `CommentResponse` (with `replies` when read as a thread).
#[derive(Clone, Debug, Serialize)]
pub struct CommentResponse {
    pub id: String,
    pub object_id: String,
    pub object_type: String,
    pub user: UserResponse,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    pub attachments: Vec<Map<String, Value>>,
    pub custom: Map<String, Value>,
    pub mentioned_users: Vec<UserResponse>,
    pub status: &'static str,
    pub created_at: Nanos,
    pub updated_at: Nanos,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub edited_at: Option<Nanos>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<Nanos>,
    pub reply_count: i64,
    pub reaction_count: i64,
    pub upvote_count: i64,
    pub downvote_count: i64,
    pub bookmark_count: i64,
    pub score: i64,
    pub confidence_score: f64,
    pub own_reactions: Vec<Value>,
    pub latest_reactions: Vec<super::response::ReactionResponse>,
    pub reaction_groups: Map<String, Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replies: Option<Vec<CommentResponse>>,
}

impl Comment {
    pub fn user_ids(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.user_id.as_str())
            .chain(self.mentioned_user_ids.iter().map(String::as_str))
    }
}

impl CommentResponse {
    /// A soft-deleted comment keeps its place in the thread but shows no content.
    pub fn render(c: &Comment, users: &UserDirectory) -> Self {
        let deleted = c.deleted_at.is_some();
        CommentResponse {
            id: c.id.clone(),
            object_id: c.object_id.clone(),
            object_type: c.object_type.clone(),
            user: users.get(&c.user_id),
            parent_id: c.parent_id.clone(),
            text: if deleted { None } else { c.text.clone() },
            attachments: if deleted {
                Vec::new()
            } else {
                c.attachments.clone()
            },
            custom: if deleted {
                Map::new()
            } else {
                c.custom.clone()
            },
            mentioned_users: if deleted {
                Vec::new()
            } else {
                c.mentioned_user_ids
                    .iter()
                    .map(|id| users.get(id))
                    .collect()
            },
            status: if deleted { "deleted" } else { "active" },
            created_at: c.created_at,
            updated_at: c.updated_at,
            edited_at: c.edited_at,
            deleted_at: c.deleted_at,
            reply_count: c.reply_count.max(0),
            reaction_count: c.reaction_count.max(0),
            upvote_count: c.upvote_count.max(0),
            downvote_count: c.downvote_count.max(0),
            bookmark_count: 0,
            score: c.upvote_count - c.downvote_count,
            confidence_score: 0.0,
            own_reactions: Vec::new(),
            latest_reactions: c
                .latest_reactions
                .iter()
                .take(super::reaction::LATEST_KEPT)
                .map(|r| super::response::ReactionResponse::render(r, users))
                .collect(),
            reaction_groups: c
                .reaction_groups
                .iter()
                .map(|(kind, g)| (kind.clone(), serde_json::to_value(g).unwrap_or(Value::Null)))
                .collect(),
            replies: None,
        }
    }
}
