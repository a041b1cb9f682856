//! Follows between feeds: `source` (e.g. `timeline:charlie`) follows `target` (`user:john`).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::time::Nanos;

#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum FollowStatus {
    #[default]
    Accepted,
    Pending,
    Rejected,
}

impl FollowStatus {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "accepted" => Some(Self::Accepted),
            "pending" => Some(Self::Pending),
            "rejected" => Some(Self::Rejected),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Accepted => "accepted",
            Self::Pending => "pending",
            Self::Rejected => "rejected",
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Follow {
    pub source: String,
    pub target: String,
    pub status: FollowStatus,
    #[serde(default)]
    pub custom: Map<String, Value>,
    #[serde(default = "default_role")]
    pub follower_role: String,
    #[serde(default = "default_push")]
    pub push_preference: String,
    pub created_at: Nanos,
    pub updated_at: Nanos,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_accepted_at: Option<Nanos>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_rejected_at: Option<Nanos>,
}

fn default_role() -> String {
    "feed_follower".to_string()
}

fn default_push() -> String {
    "none".to_string()
}

impl Follow {
    pub fn new(source: &str, target: &str, status: FollowStatus, now: Nanos) -> Self {
        Follow {
            source: source.to_string(),
            target: target.to_string(),
            status,
            custom: Map::new(),
            follower_role: default_role(),
            push_preference: default_push(),
            created_at: now,
            updated_at: now,
            request_accepted_at: None,
            request_rejected_at: None,
        }
    }

    /// Only accepted follows count and receive activities.
    pub fn is_active(&self) -> bool {
        self.status == FollowStatus::Accepted
    }
}
