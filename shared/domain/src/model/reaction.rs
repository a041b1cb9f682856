//! Reactions to activities: one per user and type.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::time::Nanos;

/// How many of an activity's newest reactions it carries for reads.
pub const LATEST_KEPT: usize = 10;

/// What a reaction is on: an activity, or a comment (which carries its own counts).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject<'a> {
    Activity(&'a str),
    Comment(&'a str),
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
