//! Comments on objects (activities by default), threaded through `parent_id`.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

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
    /// How many bookmarks users keep of it.
    #[serde(default)]
    pub bookmark_count: i64,
    #[serde(default)]
    pub version: i64,
    /// The newest reactions, newest first.
    #[serde(default)]
    pub latest_reactions: Vec<super::reaction::Reaction>,
    /// Reaction counts per type (flat attributes of the item; see `reaction::group_attributes`).
    #[serde(skip)]
    pub reaction_groups: std::collections::BTreeMap<String, super::reaction::ReactionGroup>,
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
    /// A new comment by `user_id` on an object, written now, with no replies or votes yet.
    pub fn new(
        id: String,
        object: (String, String),
        user_id: String,
        text: Option<String>,
        now: Nanos,
    ) -> Self {
        let (object_type, object_id) = object;
        Comment {
            id,
            object_id,
            object_type,
            user_id,
            parent_id: None,
            text,
            attachments: Vec::new(),
            custom: Map::new(),
            mentioned_user_ids: Vec::new(),
            created_at: now,
            updated_at: now,
            edited_at: None,
            deleted_at: None,
            reply_count: 0,
            reaction_count: 0,
            upvote_count: 0,
            downvote_count: 0,
            bookmark_count: 0,
            version: 0,
            latest_reactions: Vec::new(),
            reaction_groups: Default::default(),
        }
    }

    pub fn score(&self) -> i64 {
        self.upvote_count - self.downvote_count
    }

    pub fn user_ids(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.user_id.as_str())
            .chain(self.mentioned_user_ids.iter().map(String::as_str))
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
