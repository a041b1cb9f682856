//! The envelopes endpoints answer with: each names its records the way Stream's response
//! types do (`{"activity": ...}`, `{"follows": [...], "next": ...}`). `duration` is added to
//! every one by the HTTP layer.

use serde::Serialize;
use serde_with::skip_serializing_none;

use crate::render::FollowResponse;
use std::collections::BTreeMap;

use crate::responses::{
    ActivityResponse, CommentResponse, FeedGroupResponse, FeedResponse, ReactionResponse,
};

/// `{"follow": ...}`, with `created` for get-or-create.
#[skip_serializing_none]
#[derive(Debug, Serialize)]
pub struct FollowReply {
    pub follow: FollowResponse,
    pub created: Option<bool>,
}

/// A list of follows: a batch's (with the ones it `created`), or a query's page.
#[skip_serializing_none]
#[derive(Debug, Serialize)]
pub struct FollowsReply {
    pub follows: Vec<FollowResponse>,
    pub created: Option<Vec<FollowResponse>>,
    pub next: Option<String>,
}

/// Get-or-create of an unfollow: whether a follow was deleted, and which.
#[skip_serializing_none]
#[derive(Debug, Serialize)]
pub struct UnfollowReply {
    pub deleted: bool,
    pub follow: Option<FollowResponse>,
}

/// `{"feed": ...}`.
#[derive(Debug, Serialize)]
pub struct FeedReply {
    pub feed: FeedResponse,
}

/// `{"feeds": [...]}`, with `next` for queries.
#[skip_serializing_none]
#[derive(Debug, Serialize)]
pub struct FeedsReply {
    pub feeds: Vec<FeedResponse>,
    pub next: Option<String>,
}

/// Work that runs in the background answers with its task id.
#[derive(Debug, Serialize)]
pub struct TaskReply {
    pub task_id: String,
}

/// `{"activity": ...}`.
#[derive(Debug, Serialize)]
pub struct ActivityReply {
    pub activity: ActivityResponse,
}

/// `{"activities": [...]}`, with `next` for queries.
#[skip_serializing_none]
#[derive(Debug, Serialize)]
pub struct ActivitiesReply {
    pub activities: Vec<ActivityResponse>,
    pub next: Option<String>,
}

/// What deleting several activities removed.
#[derive(Debug, Serialize)]
pub struct DeletedActivitiesReply {
    pub deleted_ids: Vec<String>,
}

/// Feedback on an activity names the activity.
#[derive(Debug, Serialize)]
pub struct FeedbackReply {
    pub activity_id: String,
}

/// An answer with nothing to say but `duration`.
#[derive(Debug, Default, Serialize)]
pub struct EmptyReply {}

/// `{"comment": ...}`, with the activity it is on where the endpoint shows it (deletes and
/// restores, so clients can update the activity's counts).
#[skip_serializing_none]
#[derive(Debug, Serialize)]
pub struct CommentReply {
    pub comment: CommentResponse,
    pub activity: Option<Option<ActivityResponse>>,
}

/// A list of comments: a batch's, or a thread level or query page (with `sort` and `next`).
#[skip_serializing_none]
#[derive(Debug, Serialize)]
pub struct CommentsReply {
    pub comments: Vec<CommentResponse>,
    pub sort: Option<String>,
    pub next: Option<String>,
}

/// A reaction, with the activity or comment it is on.
#[derive(Debug, Serialize)]
pub struct ReactionReply<T> {
    #[serde(flatten)]
    pub subject: T,
    pub reaction: ReactionResponse,
}

/// The activity a reaction is on.
#[derive(Debug, Serialize)]
pub struct OnActivity {
    pub activity: ActivityResponse,
}

/// The comment a reaction is on.
#[derive(Debug, Serialize)]
pub struct OnComment {
    pub comment: CommentResponse,
}

/// `{"feed_group": ...}`, with `was_created` for get-or-create.
#[skip_serializing_none]
#[derive(Debug, Serialize)]
pub struct FeedGroupReply {
    pub feed_group: FeedGroupResponse,
    pub was_created: Option<bool>,
}

/// Every feed group, keyed by id.
#[derive(Debug, Serialize)]
pub struct FeedGroupsReply {
    pub groups: BTreeMap<String, FeedGroupResponse>,
}

/// A background task as `GET /api/v2/tasks/{id}` shows it.
#[skip_serializing_none]
#[derive(Debug, Serialize)]
pub struct TaskStatusReply {
    pub task_id: String,
    pub status: String,
    pub created_at: tributary_domain::time::Nanos,
    pub updated_at: tributary_domain::time::Nanos,
    pub result: Option<serde_json::Value>,
    pub error: Option<TaskError>,
}

/// Why a task failed (so far: it is retried).
#[derive(Debug, Serialize)]
pub struct TaskError {
    #[serde(rename = "type")]
    pub kind: String,
    pub description: String,
}

/// `/health`.
#[derive(Debug, Serialize)]
pub struct HealthReply {
    pub status: &'static str,
}

/// One endpoint's limit in the current window, as `get_feeds_rate_limits` reports it.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct LimitInfoResponse {
    pub limit: u32,
    pub remaining: u32,
    /// When the window ends (Unix seconds).
    pub reset: i64,
}

/// `get_feeds_rate_limits`: per platform, each endpoint's limit. Platforms not asked for, or
/// not limited per endpoint, are left out.
#[skip_serializing_none]
#[derive(Debug, Serialize, Default)]
pub struct RateLimitsReply {
    pub android: Option<BTreeMap<String, LimitInfoResponse>>,
    pub ios: Option<BTreeMap<String, LimitInfoResponse>>,
    pub web: Option<BTreeMap<String, LimitInfoResponse>>,
    pub unity: Option<BTreeMap<String, LimitInfoResponse>>,
    pub unity_desktop: Option<BTreeMap<String, LimitInfoResponse>>,
    pub unity_console: Option<BTreeMap<String, LimitInfoResponse>>,
    pub server_side: Option<BTreeMap<String, LimitInfoResponse>>,
}

impl RateLimitsReply {
    /// The slot of a platform's limits.
    pub fn platform_mut(
        &mut self,
        platform: tributary_domain::rate_limit::Platform,
    ) -> &mut Option<BTreeMap<String, LimitInfoResponse>> {
        use tributary_domain::rate_limit::Platform;
        match platform {
            Platform::Android => &mut self.android,
            Platform::Ios => &mut self.ios,
            Platform::Web => &mut self.web,
            Platform::Unity => &mut self.unity,
            Platform::UnityDesktop => &mut self.unity_desktop,
            Platform::UnityConsole => &mut self.unity_console,
            Platform::ServerSide => &mut self.server_side,
        }
    }
}
