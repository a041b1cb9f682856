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
    pub controversy_score: f64,
    pub own_reactions: Vec<Value>,
    pub latest_reactions: Vec<super::response::ReactionResponse>,
    pub reaction_groups: Map<String, Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replies: Option<Vec<CommentResponse>>,
}

/// The lower bound of the Wilson score interval (95%) of the share of upvotes: how good a
/// comment is, trusting many votes more than few. Orders `best`.
pub fn confidence(up: i64, down: i64) -> f64 {
    let n = (up + down) as f64;
    if n <= 0.0 {
        return 0.0;
    }
    let z = 1.96_f64;
    let p = up as f64 / n;
    (p + z * z / (2.0 * n) - z * ((p * (1.0 - p) + z * z / (4.0 * n)) / n).sqrt())
        / (1.0 + z * z / n)
}

/// How divided the votes are: many votes, evenly split, rank highest. Orders
/// `controversial`.
pub fn controversy(up: i64, down: i64) -> f64 {
    if up <= 0 || down <= 0 {
        return 0.0;
    }
    let (high, low) = (up.max(down) as f64, up.min(down) as f64);
    (high + low).powf(low / high)
}

impl Comment {
    pub fn score(&self) -> i64 {
        self.upvote_count - self.downvote_count
    }

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
            score: c.score(),
            confidence_score: confidence(c.upvote_count, c.downvote_count),
            controversy_score: controversy(c.upvote_count, c.downvote_count),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rankings() {
        // Many good votes beat a few perfect ones.
        assert!(confidence(90, 10) > confidence(3, 0));
        assert_eq!(confidence(0, 0), 0.0);
        // An even split of many votes is the most controversial.
        assert!(controversy(50, 50) > controversy(90, 10));
        assert!(controversy(10, 10) < controversy(50, 50));
        assert_eq!(controversy(5, 0), 0.0);
    }
}
