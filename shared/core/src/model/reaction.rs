//! Reactions to activities: one per user and type.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::keys::{self, Key};
use crate::time::Nanos;

/// How many of an activity's newest reactions it carries for reads.
pub const LATEST_KEPT: usize = 10;

/// What a reaction is on: an activity, or a comment (which carries its own counts).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject<'a> {
    Activity(&'a str),
    Comment(&'a str),
}

impl Subject<'_> {
    /// The item whose counters a reaction changes.
    pub fn key(&self) -> Key {
        match self {
            Subject::Activity(id) => keys::activity(id),
            Subject::Comment(id) => keys::comment(id),
        }
    }

    /// A user's reaction of a type, beside its subject.
    pub fn reaction_key(&self, user_id: &str, kind: &str) -> Key {
        Key {
            pk: self.key().pk,
            sk: format!("{}{user_id}#{kind}", keys::REACTION_PREFIX),
        }
    }

    /// The index partition listing the subject's reactions by time, and an entry's sort key.
    pub fn by_time(&self, created_at: Nanos, user_id: &str, kind: &str) -> (String, String) {
        match self {
            Subject::Activity(id) => keys::reaction_by_time(id, created_at, user_id, kind),
            Subject::Comment(id) => {
                let (_, sk) = keys::reaction_by_time(id, created_at, user_id, kind);
                (format!("CREACT#{id}"), sk)
            }
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Reaction {
    pub activity_id: String,
    /// Set when the reaction is on a comment (of `activity_id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment_id: Option<String>,
    pub user_id: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub custom: Map<String, Value>,
    pub created_at: Nanos,
    pub updated_at: Nanos,
}

impl Reaction {
    pub fn subject(&self) -> Subject<'_> {
        match &self.comment_id {
            Some(c) => Subject::Comment(c),
            None => Subject::Activity(&self.activity_id),
        }
    }
}

/// Per type: how many, and when the first and the last came.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct ReactionGroup {
    pub count: i64,
    pub first_reaction_at: Nanos,
    pub last_reaction_at: Nanos,
}

/// Names of the activity attributes that keep a type's group.
pub fn group_attributes(kind: &str) -> (String, String, String) {
    (
        format!("rg_count:{kind}"),
        format!("rg_first:{kind}"),
        format!("rg_last:{kind}"),
    )
}
