//! What a feed read answers: Stream's `GetOrCreateFeedResponse`, with the groups of
//! aggregated feeds and the status of notification feeds.

use serde::Serialize;
use serde_with::skip_serializing_none;
use tributary_domain::time::Nanos;

use crate::render::FollowResponse;
use crate::responses::{ActivityResponse, FeedResponse, UserResponse};

/// A `next` cursor of a nested list (followers, following).
#[derive(Clone, Debug, Serialize)]
pub struct PagerResponse {
    pub next: String,
}

/// Stream's `GetOrCreateFeedResponse`: the feed, a page of it, and its follow lists.
#[skip_serializing_none]
#[derive(Clone, Debug, Serialize)]
pub struct FeedReadResponse {
    pub created: bool,
    pub feed: FeedResponse,
    pub activities: Vec<ActivityResponse>,
    pub aggregated_activities: Vec<AggregatedActivityResponse>,
    pub pinned_activities: Vec<ActivityPinResponse>,
    pub followers: Vec<FollowResponse>,
    pub following: Vec<FollowResponse>,
    pub members: Vec<crate::members::FeedMemberResponse>,
    pub next: Option<String>,
    pub notification_status: Option<NotificationStatusResponse>,
    pub prev: Option<String>,
    pub followers_pagination: Option<PagerResponse>,
    pub following_pagination: Option<PagerResponse>,
    pub member_pagination: Option<PagerResponse>,
}

/// Stream's `ActivityPinResponse`: a pinned activity, the feed it is pinned in, who pinned
/// it and when.
#[derive(Clone, Debug, Serialize)]
pub struct ActivityPinResponse {
    pub activity: ActivityResponse,
    pub feed: String,
    pub user: UserResponse,
    pub created_at: Nanos,
    pub updated_at: Nanos,
}

/// Stream's `AggregatedActivityResponse`: a group of an aggregated or notification feed.
#[skip_serializing_none]
#[derive(Clone, Debug, Serialize)]
pub struct AggregatedActivityResponse {
    pub group: String,
    pub activities: Vec<ActivityResponse>,
    pub activity_count: i64,
    pub user_count: i64,
    pub user_count_truncated: bool,
    pub created_at: Nanos,
    pub updated_at: Nanos,
    pub score: f64,
    pub is_read: Option<bool>,
    pub is_seen: Option<bool>,
}

/// Stream's `NotificationStatusResponse`.
#[skip_serializing_none]
#[derive(Clone, Debug, Serialize)]
pub struct NotificationStatusResponse {
    pub unread: usize,
    pub unseen: usize,
    pub last_read_at: Option<Nanos>,
    pub last_seen_at: Option<Nanos>,
    pub read_activities: Vec<String>,
    pub seen_activities: Vec<String>,
}
