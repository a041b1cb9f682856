//! Response shapes Stream's clients parse. Every field the SDKs mark required is always
//! present; timestamps are integer nanoseconds.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::{Map, Value};
use serde_with::skip_serializing_none;

use tributary_domain::model::comment::{confidence, controversy, Comment};
use tributary_domain::model::feed::Feed;
use tributary_domain::model::reaction::{self, Reaction};
use tributary_domain::model::{Activity, FeedGroup, Location, User};
use tributary_domain::time::Nanos;

#[skip_serializing_none]
#[derive(Clone, Debug, Serialize)]
pub struct UserResponse {
    pub id: String,
    pub name: Option<String>,
    pub image: Option<String>,
    pub role: String,
    pub custom: Map<String, Value>,
    pub teams: Vec<String>,
    pub teams_role: Option<Map<String, Value>>,
    pub language: String,
    pub invisible: bool,
    pub banned: bool,
    pub online: bool,
    pub shadow_banned: bool,
    pub blocked_user_ids: Vec<String>,
    pub created_at: Nanos,
    pub updated_at: Nanos,
}

impl From<&User> for UserResponse {
    fn from(u: &User) -> Self {
        UserResponse {
            id: u.id.clone(),
            name: u.name.clone(),
            image: u.image.clone(),
            role: u.role.clone(),
            custom: u.custom.clone(),
            teams: u.teams.clone(),
            teams_role: u.teams_role.clone(),
            language: u.language.clone(),
            invisible: u.invisible,
            banned: false,
            online: false,
            shadow_banned: false,
            blocked_user_ids: Vec::new(),
            created_at: u.created_at,
            updated_at: u.updated_at,
        }
    }
}

#[skip_serializing_none]
#[derive(Clone, Debug, Serialize)]
pub struct ActivityResponse {
    pub id: String,
    #[serde(rename = "type")]
    pub activity_type: String,
    pub user: UserResponse,
    pub feeds: Vec<String>,
    pub text: Option<String>,
    pub attachments: Vec<Map<String, Value>>,
    pub custom: Map<String, Value>,
    pub filter_tags: Vec<String>,
    pub interest_tags: Vec<String>,
    pub location: Option<Location>,
    pub mentioned_users: Vec<UserResponse>,
    pub parent: Option<Box<ActivityResponse>>,
    pub poll_id: Option<String>,
    /// The poll `poll_id` names, with its counts and the reader's own votes.
    pub poll: Option<crate::polls::PollResponseData>,
    pub restrict_replies: &'static str,
    pub search_data: Map<String, Value>,
    pub visibility: &'static str,
    pub visibility_tag: Option<String>,
    pub collections: Map<String, Value>,
    pub created_at: Nanos,
    pub updated_at: Nanos,
    pub edited_at: Option<Nanos>,
    pub deleted_at: Option<Nanos>,
    pub expires_at: Option<Nanos>,
    pub share_count: i64,
    pub reaction_count: i64,
    pub comment_count: i64,
    pub bookmark_count: i64,
    /// The newest shares that still stand; absent when there are none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub latest_shares: Vec<ShareResponse>,
    /// Tracked metrics (`track_activity_metrics`) by name; absent when none were tracked.
    pub metrics: Option<std::collections::BTreeMap<String, i64>>,
    pub popularity: i64,
    pub score: f64,
    pub hidden: bool,
    pub preview: bool,
    /// The newest top-level comments.
    pub comments: Vec<CommentResponse>,
    pub latest_reactions: Vec<ReactionResponse>,
    pub own_reactions: Vec<ReactionResponse>,
    pub own_bookmarks: Vec<Value>,
    pub reaction_groups: Map<String, Value>,
    /// The feed being read, when the activity comes from a feed read.
    pub current_feed: Option<Box<FeedResponse>>,
    /// For a reading user: whether they watched it (stories).
    pub is_watched: Option<bool>,
    /// On notification activities: what triggered them and what they are about.
    pub notification_context: Option<Value>,
}

/// Stream's `ShareResponse`: an activity sharing another, who shared and when.
#[derive(Clone, Debug, Serialize)]
pub struct ShareResponse {
    pub activity_id: String,
    pub created_at: Nanos,
    pub user: UserResponse,
}

/// Users needed to render activities, keyed by id. Missing users render as placeholders.
#[derive(Default)]
pub struct UserDirectory(pub HashMap<String, User>);

impl UserDirectory {
    pub fn get(&self, id: &str) -> UserResponse {
        match self.0.get(id) {
            Some(user) => user.into(),
            None => (&User::placeholder(id)).into(),
        }
    }
}

impl ActivityResponse {
    /// What a reader below the activity's tag (`visibility: tag`) sees: who posted what kind
    /// of activity, where and when, and its counts, with `preview: true` and no content.
    pub fn make_preview(&mut self) {
        self.preview = true;
        self.text = None;
        self.attachments.clear();
        self.custom.clear();
        self.search_data.clear();
        self.location = None;
        self.mentioned_users.clear();
        self.poll_id = None;
        self.poll = None;
        self.parent = None;
        self.comments.clear();
        self.latest_reactions.clear();
    }

    /// Renders an activity; `parent` is the already-rendered parent for shares.
    pub fn render(a: &Activity, users: &UserDirectory, parent: Option<ActivityResponse>) -> Self {
        let c = &a.content;
        ActivityResponse {
            id: a.id.clone(),
            activity_type: a.activity_type.clone(),
            user: users.get(&a.user_id),
            feeds: c.feeds.clone(),
            text: c.text.clone(),
            attachments: c.attachments.clone(),
            custom: c.custom.clone(),
            filter_tags: c.filter_tags.clone(),
            interest_tags: c.interest_tags.clone(),
            location: c.location,
            mentioned_users: c
                .mentioned_user_ids
                .iter()
                .map(|id| users.get(id))
                .collect(),
            parent: parent.map(Box::new),
            poll_id: c.poll_id.clone(),
            poll: None,
            restrict_replies: c.restrict_replies.as_str(),
            search_data: c.search_data.clone(),
            visibility: c.visibility.as_str(),
            visibility_tag: c.visibility_tag.clone(),
            collections: Map::new(),
            created_at: a.created_at,
            updated_at: a.updated_at,
            edited_at: a.edited_at,
            deleted_at: a.deleted_at,
            expires_at: c.expires_at,
            share_count: a.share_count,
            reaction_count: a.reaction_count,
            comment_count: a.comment_count,
            bookmark_count: a.bookmark_count,
            latest_shares: Vec::new(),
            metrics: None,
            popularity: a.weighted_popularity(),
            score: a.score,
            hidden: false,
            preview: false,
            comments: Vec::new(),
            latest_reactions: a
                .latest_reactions
                .iter()
                .take(tributary_domain::model::reaction::LATEST_KEPT)
                .map(|r| ReactionResponse::render(r, users))
                .collect(),
            own_reactions: Vec::new(),
            own_bookmarks: Vec::new(),
            reaction_groups: a
                .reaction_groups
                .iter()
                .map(|(kind, g)| (kind.clone(), serde_json::to_value(g).unwrap_or(Value::Null)))
                .collect(),
            current_feed: None,
            notification_context: a.notification_context.clone(),
            is_watched: None,
        }
    }

    /// The user ids rendering `a` needs: its author and the users it mentions.
    pub fn user_ids(a: &Activity) -> impl Iterator<Item = &str> {
        std::iter::once(a.user_id.as_str())
            .chain(a.content.mentioned_user_ids.iter().map(String::as_str))
    }
}

/// Stream's `FeedsReactionResponse`.
#[skip_serializing_none]
#[derive(Clone, Debug, Serialize)]
pub struct ReactionResponse {
    pub activity_id: String,
    pub comment_id: Option<String>,
    #[serde(rename = "type")]
    pub kind: String,
    pub user: UserResponse,
    pub custom: Map<String, Value>,
    pub created_at: Nanos,
    pub updated_at: Nanos,
}

impl ReactionResponse {
    pub fn render(r: &Reaction, users: &UserDirectory) -> Self {
        ReactionResponse {
            activity_id: r.activity_id.clone(),
            comment_id: r.comment_id.clone(),
            kind: r.kind.clone(),
            user: users.get(&r.user_id),
            custom: r.custom.clone(),
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// Stream's `CommentResponse` (with `replies` when read as a thread).
#[skip_serializing_none]
#[derive(Clone, Debug, Serialize)]
pub struct CommentResponse {
    pub id: String,
    pub object_id: String,
    pub object_type: String,
    pub user: UserResponse,
    pub parent_id: Option<String>,
    pub text: Option<String>,
    pub attachments: Vec<Map<String, Value>>,
    pub custom: Map<String, Value>,
    pub mentioned_users: Vec<UserResponse>,
    pub status: &'static str,
    pub created_at: Nanos,
    pub updated_at: Nanos,
    pub edited_at: Option<Nanos>,
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
    pub latest_reactions: Vec<ReactionResponse>,
    pub reaction_groups: Map<String, Value>,
    pub replies: Option<Vec<CommentResponse>>,
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
            bookmark_count: c.bookmark_count.max(0),
            score: c.score(),
            confidence_score: confidence(c.upvote_count, c.downvote_count),
            controversy_score: controversy(c.upvote_count, c.downvote_count),
            own_reactions: Vec::new(),
            latest_reactions: c
                .latest_reactions
                .iter()
                .take(reaction::LATEST_KEPT)
                .map(|r| ReactionResponse::render(r, users))
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

#[skip_serializing_none]
#[derive(Clone, Debug, Serialize)]
pub struct FeedResponse {
    pub feed: String,
    pub group_id: String,
    pub id: String,
    pub name: String,
    pub description: String,
    pub custom: Map<String, Value>,
    pub visibility: &'static str,
    pub filter_tags: Vec<String>,
    pub location: Option<Location>,
    pub created_by: UserResponse,
    pub created_at: Nanos,
    pub updated_at: Nanos,
    pub deleted_at: Option<Nanos>,
    pub follower_count: i64,
    pub following_count: i64,
    pub member_count: i64,
    pub pin_count: i64,
    pub activity_count: i64,
    /// The reading user's own fields, where the read computes them.
    #[serde(flatten)]
    pub own: crate::own::FeedOwnData,
}

impl FeedResponse {
    pub fn render(f: &Feed, users: &UserDirectory) -> Self {
        FeedResponse {
            feed: f.fid.clone(),
            group_id: f.group_id.clone(),
            id: f.id.clone(),
            name: f.name.clone(),
            description: f.description.clone(),
            custom: f.custom.clone(),
            visibility: f.visibility.as_str(),
            filter_tags: f.filter_tags.clone(),
            location: f.location,
            created_by: users.get(&f.created_by_id),
            created_at: f.created_at,
            updated_at: f.updated_at,
            deleted_at: f.deleted_at,
            follower_count: f.follower_count.max(0),
            following_count: f.following_count.max(0),
            member_count: f.member_count.max(0),
            pin_count: f.pin_count.max(0),
            activity_count: f.activity_count.max(0),
            own: Default::default(),
        }
    }
}

/// Stream's `FeedGroupResponse`: the group's settings (aggregation, notification, ranking,
/// stories, ...) sit at the top level beside its id.
#[skip_serializing_none]
#[derive(Clone, Debug, Serialize)]
pub struct FeedGroupResponse {
    pub id: String,
    pub custom: Map<String, Value>,
    pub default_visibility: Option<String>,
    #[serde(flatten)]
    pub settings: Map<String, Value>,
    pub created_at: Nanos,
    pub updated_at: Nanos,
    pub deleted_at: Option<Nanos>,
}

impl FeedGroupResponse {
    pub fn render(g: &FeedGroup) -> Self {
        FeedGroupResponse {
            id: g.id.clone(),
            custom: g.custom.clone(),
            default_visibility: g.default_visibility.clone(),
            settings: g.settings.clone(),
            created_at: g.created_at,
            updated_at: g.updated_at,
            deleted_at: g.deleted_at,
        }
    }
}
