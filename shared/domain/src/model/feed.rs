//! Feeds: `group:id`, created on first use, with counters kept exact by transactions.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::Location;
use crate::time::Nanos;

/// Who may read a feed and who may follow it.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum FeedVisibility {
    /// Anyone may read and follow.
    #[default]
    Public,
    /// Anyone may see the feed exists and follow; only followers and members read it.
    Visible,
    /// Following needs the owner's approval; only followers read it.
    Followers,
    /// Only members read it.
    Members,
    /// Only the owner reads it.
    Private,
}

impl FeedVisibility {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "public" => Some(Self::Public),
            "visible" => Some(Self::Visible),
            "followers" => Some(Self::Followers),
            "members" => Some(Self::Members),
            "private" => Some(Self::Private),
            _ => None,
        }
    }

    pub const ALL: [FeedVisibility; 5] = [
        Self::Visible,
        Self::Public,
        Self::Followers,
        Self::Members,
        Self::Private,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Visible => "visible",
            Self::Followers => "followers",
            Self::Members => "members",
            Self::Private => "private",
        }
    }
}

/// A feed. The counters live in a separate item (see `keys::feed_counts`) and are merged in
/// on read, so they are never written with the metadata.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Feed {
    /// `group:id`
    pub fid: String,
    pub group_id: String,
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub custom: Map<String, Value>,
    #[serde(default)]
    pub visibility: FeedVisibility,
    #[serde(default)]
    pub filter_tags: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    pub created_by_id: String,
    pub created_at: Nanos,
    pub updated_at: Nanos,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<Nanos>,
    #[serde(default, skip_serializing)]
    pub follower_count: i64,
    #[serde(default, skip_serializing)]
    pub following_count: i64,
    #[serde(default, skip_serializing)]
    pub member_count: i64,
    #[serde(default, skip_serializing)]
    pub pin_count: i64,
    #[serde(default, skip_serializing)]
    pub activity_count: i64,
    /// Comments (replies included) on the activities posted to this feed.
    #[serde(default, skip_serializing)]
    pub comment_count: i64,
    /// Since when posts here reach flat followers by pull rather than push (the feed has
    /// `PULL_FOLLOWER_THRESHOLD` followers or more and each follower knows it pulls it).
    #[serde(skip)]
    pub pull_since: Option<Nanos>,
    /// The large feeds this feed pulls from at read time (their posts are not pushed here).
    #[serde(skip)]
    pub pulled: Vec<String>,
}

/// The counters item of a feed.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct FeedCounts {
    #[serde(default)]
    pub follower_count: i64,
    #[serde(default)]
    pub following_count: i64,
    #[serde(default)]
    pub member_count: i64,
    #[serde(default)]
    pub pin_count: i64,
    #[serde(default)]
    pub activity_count: i64,
    #[serde(default)]
    pub comment_count: i64,
    /// Set once every flat follower pulls this feed: posts no longer push to them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pull_since: Option<Nanos>,
}

impl Feed {
    pub fn new(group_id: &str, id: &str, created_by_id: &str, now: Nanos) -> Self {
        Feed {
            fid: format!("{group_id}:{id}"),
            group_id: group_id.to_string(),
            id: id.to_string(),
            name: String::new(),
            description: String::new(),
            custom: Map::new(),
            visibility: FeedVisibility::default(),
            filter_tags: Vec::new(),
            location: None,
            created_by_id: created_by_id.to_string(),
            created_at: now,
            updated_at: now,
            deleted_at: None,
            follower_count: 0,
            following_count: 0,
            member_count: 0,
            pin_count: 0,
            activity_count: 0,
            comment_count: 0,
            pull_since: None,
            pulled: Vec::new(),
        }
    }

    pub fn with_counts(mut self, c: FeedCounts) -> Self {
        self.follower_count = c.follower_count;
        self.following_count = c.following_count;
        self.member_count = c.member_count;
        self.pin_count = c.pin_count;
        self.activity_count = c.activity_count;
        self.comment_count = c.comment_count;
        self.pull_since = c.pull_since;
        self
    }
}
