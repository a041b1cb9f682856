//! The activity record as stored.
//!
//! An activity is one item: identity and counters at the top level (so counters can be
//! bumped atomically without touching the content), and everything an update may change in
//! one `content` map (so a full or partial update is one `SET content = :c`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::reaction::{Reaction, ReactionGroup};
use serde_json::{Map, Value};

use crate::time::Nanos;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Activity {
    pub id: String,
    #[serde(rename = "type")]
    pub activity_type: String,
    pub user_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<String>,
    pub content: ActivityContent,
    pub created_at: Nanos,
    pub updated_at: Nanos,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited_at: Option<Nanos>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<Nanos>,
    #[serde(default)]
    pub share_count: i64,
    #[serde(default)]
    pub reaction_count: i64,
    #[serde(default)]
    pub comment_count: i64,
    #[serde(default)]
    pub bookmark_count: i64,
    /// Set once some metric was tracked on it (`track_activity_metrics`): reads then sum its
    /// metric shards, and skip them for activities never tracked.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub has_metrics: bool,
    #[serde(default)]
    pub score: f64,
    /// Bumped on every content change; updates are conditional on it (optimistic locking).
    #[serde(default)]
    pub version: i64,
    /// Ids of the newest top-level comments, newest first (reads show the first few).
    #[serde(default)]
    pub latest_comment_ids: Vec<String>,
    /// Ids of the newest activities sharing this one, newest first (reads show the first
    /// few that still stand; the list is trimmed after each share).
    #[serde(default)]
    pub latest_share_ids: Vec<String>,
    /// The newest reactions (at most `reaction::LATEST_KEPT`), newest first.
    #[serde(default)]
    pub latest_reactions: Vec<Reaction>,
    /// On notification activities: `{trigger: {type, text, custom}, target: {id, type, ...}}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notification_context: Option<Value>,
    /// Reaction counts and times per type, kept in flat attributes of the item (see
    /// `reaction::group_attributes`) so each can be bumped atomically.
    #[serde(skip)]
    pub reaction_groups: BTreeMap<String, ReactionGroup>,
}

/// Everything about an activity that an update may change.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ActivityContent {
    pub feeds: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default)]
    pub attachments: Vec<Map<String, Value>>,
    #[serde(default)]
    pub custom: Map<String, Value>,
    #[serde(default)]
    pub filter_tags: Vec<String>,
    #[serde(default)]
    pub interest_tags: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    #[serde(default)]
    pub mentioned_user_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poll_id: Option<String>,
    #[serde(default)]
    pub restrict_replies: RestrictReplies,
    #[serde(default)]
    pub search_data: Map<String, Value>,
    #[serde(default)]
    pub visibility: Visibility,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visibility_tag: Option<String>,
    #[serde(default)]
    pub collection_refs: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Nanos>,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq)]
pub struct Location {
    pub lat: f64,
    pub lng: f64,
}

#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    #[default]
    Public,
    Private,
    Tag,
}

impl Visibility {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "public" => Some(Visibility::Public),
            "private" => Some(Visibility::Private),
            "tag" => Some(Visibility::Tag),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Private => "private",
            Visibility::Tag => "tag",
        }
    }
}

#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RestrictReplies {
    #[default]
    Everyone,
    PeopleIFollow,
    Nobody,
}

impl RestrictReplies {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "everyone" => Some(RestrictReplies::Everyone),
            "people_i_follow" => Some(RestrictReplies::PeopleIFollow),
            "nobody" => Some(RestrictReplies::Nobody),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RestrictReplies::Everyone => "everyone",
            RestrictReplies::PeopleIFollow => "people_i_follow",
            RestrictReplies::Nobody => "nobody",
        }
    }
}

impl Activity {
    /// A new activity, written now: no counts, no reactions, no comments yet.
    pub fn new(
        id: String,
        activity_type: String,
        user_id: String,
        content: ActivityContent,
        now: Nanos,
    ) -> Self {
        Activity {
            id,
            activity_type,
            user_id,
            parent_id: None,
            content,
            created_at: now,
            updated_at: now,
            edited_at: None,
            deleted_at: None,
            share_count: 0,
            reaction_count: 0,
            comment_count: 0,
            bookmark_count: 0,
            has_metrics: false,
            score: 0.0,
            version: 0,
            latest_comment_ids: Vec::new(),
            latest_share_ids: Vec::new(),
            latest_reactions: Vec::new(),
            notification_context: None,
            reaction_groups: BTreeMap::new(),
        }
    }

    /// Stream's popularity: reactions + comments × 2 + bookmarks × 3 + shares × 3, from the
    /// counters kept exact on the record.
    pub fn weighted_popularity(&self) -> i64 {
        self.reaction_count
            + 2 * self.comment_count
            + 3 * self.bookmark_count
            + 3 * self.share_count
    }

    pub fn is_deleted(&self) -> bool {
        self.deleted_at.is_some()
    }
}
