//! The feeds family: feed groups (`/api/v2/feeds/feed_groups...`), feeds
//! (`.../feed_groups/{group}/feeds/{id}`, `/api/v2/feeds/feeds/...`) and reading a feed.
//!
//! - `groups.rs`: feed group CRUD (server-side only).
//! - `handlers.rs` (thin) over `ops.rs`: update, delete, batch create/delete;
//!   `get_or_create.rs`: get-or-create, which also reads the feed.
//! - `read.rs`: a feed's activities, followers, following and members, with cursors.
//! - `query.rs`: `query_feeds`.
//! - `members.rs`: feed members and invites; `levels.rs`: membership levels (server-side);
//!   `listing.rs`: the in-memory sort and paging both use.
//! - `rate_limits.rs`: `get_feeds_rate_limits`.
//! - `own.rs`: `own_batch` and `get_feed_counts`; `visibility.rs`: feed visibility levels'
//!   grants (server-side) and `change_feed_visibility`.
//! - `pins.rs`: pinning activities and reading a feed's pins.
//! - `watch.rs`: `stop_watching_feed` (watching starts with a watched read).
//! - `suggestions.rs`: `get_follow_suggestions`, feeds the people one follows follow.
//!
//! Every user-token request is decided by the permission model
//! (`tributary_domain::access`, loaded by `tributary_store::access`).

mod aggregated;
mod get_or_create;
mod groups;
mod handlers;
mod levels;
mod listing;
mod members;
mod ops;
mod own;
mod pins;
mod query;
mod rate_limits;
mod read;
mod suggestions;
mod visibility;
mod watch;

use axum::Router;
use tributary_http::{AppState, ParamType, Routes};

/// The family's routes; the API description (`openapi/tributary.json`) is built from them.
pub fn routes() -> Routes {
    Routes::new("feeds")
        .get(
            "/api/v2/feeds/feed_groups",
            "list_feed_groups",
            "The app's feed groups, keyed by id",
            groups::list,
        )
        .query(&[("include_soft_deleted", ParamType::Boolean)])
        .post(
            "/api/v2/feeds/feed_groups",
            "create_feed_group",
            "Create a feed group: its activity selectors, ranking, aggregation and notification settings",
            groups::create,
        )
        .get(
            "/api/v2/feeds/feed_groups/{id}",
            "get_feed_group",
            "Read one feed group",
            groups::get,
        )
        .query(&[("include_soft_deleted", ParamType::Boolean)])
        .post(
            "/api/v2/feeds/feed_groups/{id}",
            "get_or_create_feed_group",
            "Read a feed group, creating it with the given settings when it does not exist",
            groups::get_or_create,
        )
        .put(
            "/api/v2/feeds/feed_groups/{id}",
            "update_feed_group",
            "Change a feed group's settings",
            groups::update,
        )
        .delete(
            "/api/v2/feeds/feed_groups/{id}",
            "delete_feed_group",
            "Remove a feed group (soft by default, hard on request)",
            groups::delete,
        )
        .query(&[("hard_delete", ParamType::Boolean)])
        .post(
            "/api/v2/feeds/feed_groups/{id}/restore",
            "restore_feed_group",
            "Bring back a soft-deleted feed group",
            groups::restore,
        )
        .post(
            "/api/v2/feeds/feed_groups/{group}/feeds/{id}",
            "get_or_create_feed",
            "Read a feed (activities, followers, following, members), creating it when needed",
            handlers::get_or_create,
        )
        .body::<get_or_create::GetOrCreateFeedRequest>()
        .put(
            "/api/v2/feeds/feed_groups/{group}/feeds/{id}",
            "update_feed",
            "Change a feed's name, description, visibility, filter tags or custom data",
            handlers::update,
        )
        .body::<ops::FeedInput>()
        .delete(
            "/api/v2/feeds/feed_groups/{group}/feeds/{id}",
            "delete_feed",
            "Remove a feed (soft by default, hard on request)",
            handlers::delete,
        )
        .query(&[("hard_delete", ParamType::Boolean)])
        .delete(
            "/api/v2/feeds/feed_groups/{group}/feeds/{id}/watch",
            "stop_watching_feed",
            "Stop sending a feed's events to a WebSocket connection",
            watch::stop,
        )
        .query(&[("connection_id", ParamType::String)])
        .get(
            "/api/v2/feeds/feed_groups/{group}/follow_suggestions",
            "get_follow_suggestions",
            "Feeds of a group the user may want to follow: those the people they follow follow",
            suggestions::get,
        )
        .query(&[("limit", ParamType::Integer), ("user_id", ParamType::String)])
        .post(
            "/api/v2/feeds/feed_groups/{group}/feeds/{id}/activities/mark/batch",
            "mark_activity",
            "Mark an aggregated or notification feed's groups read or seen",
            aggregated::mark,
        )
        .body::<aggregated::MarkRequest>()
        .post(
            "/api/v2/feeds/feed_groups/{group}/feeds/{id}/activities/{activity_id}/pin",
            "pin_activity",
            "Pin one of a feed's activities (needs the pin-activity capability)",
            pins::pin,
        )
        .body::<pins::PinActivityRequest>()
        .delete(
            "/api/v2/feeds/feed_groups/{group}/feeds/{id}/activities/{activity_id}/pin",
            "unpin_activity",
            "Unpin an activity from a feed",
            pins::unpin,
        )
        .query(&[
            ("user_id", ParamType::String),
            ("enrich_own_fields", ParamType::Boolean),
        ])
        .post(
            "/api/v2/feeds/feed_groups/{group}/feeds/{id}/pinned_activities/query",
            "query_pinned_activities",
            "A feed's pinned activities by the time they were pinned, with cursors",
            pins::query,
        )
        .body::<pins::QueryPinnedActivitiesRequest>()
        .patch(
            "/api/v2/feeds/feed_groups/{group}/feeds/{id}/members",
            "update_feed_members",
            "Add, update, remove or replace a feed's members",
            members::update,
        )
        .body::<members::UpdateFeedMembersRequest>()
        .post(
            "/api/v2/feeds/feed_groups/{group}/feeds/{id}/members/accept",
            "accept_feed_member_invite",
            "Accept an invitation to become a feed's member",
            members::accept,
        )
        .body::<members::AnswerInviteRequest>()
        .post(
            "/api/v2/feeds/feed_groups/{group}/feeds/{id}/members/reject",
            "reject_feed_member_invite",
            "Decline an invitation to become a feed's member",
            members::reject,
        )
        .body::<members::AnswerInviteRequest>()
        .post(
            "/api/v2/feeds/feed_groups/{group}/feeds/{id}/members/query",
            "query_feed_members",
            "List a feed's members by filter, with sorting and cursors",
            members::query,
        )
        .body::<members::QueryRequest>()
        .post(
            "/api/v2/feeds/membership_levels",
            "create_membership_level",
            "Create a membership level (server-side)",
            levels::create,
        )
        .body::<levels::CreateRequest>()
        .post(
            "/api/v2/feeds/membership_levels/query",
            "query_membership_levels",
            "List membership levels by filter, with sorting and cursors",
            levels::query,
        )
        .body::<levels::QueryRequest>()
        .patch(
            "/api/v2/feeds/membership_levels/{id}",
            "update_membership_level",
            "Change a membership level's name, description, priority or tags",
            levels::update,
        )
        .body::<levels::UpdateRequest>()
        .delete(
            "/api/v2/feeds/membership_levels/{id}",
            "delete_membership_level",
            "Remove a membership level",
            levels::delete,
        )
        .get(
            "/api/v2/feeds/feed_groups/{group}/feeds/{id}/counts",
            "get_feed_counts",
            "How many activities and comments a feed holds",
            own::counts,
        )
        .post(
            "/api/v2/feeds/feed_groups/{group}/feeds/{id}/change_visibility",
            "change_feed_visibility",
            "Move a feed to another visibility level",
            visibility::change,
        )
        .body::<visibility::ChangeFeedVisibilityRequest>()
        .post(
            "/api/v2/feeds/feeds/own/batch",
            "own_batch",
            "For several feeds, what the user holds in each: follows, membership, capabilities",
            own::own_batch,
        )
        .body::<own::OwnBatchRequest>()
        .get(
            "/api/v2/feeds/feed_visibilities",
            "list_feed_visibilities",
            "The visibility levels and the rights each grants",
            visibility::list,
        )
        .get(
            "/api/v2/feeds/feed_visibilities/{name}",
            "get_feed_visibility",
            "Read one visibility level",
            visibility::get,
        )
        .put(
            "/api/v2/feeds/feed_visibilities/{name}",
            "update_feed_visibility",
            "Change the rights a visibility level grants (server-side)",
            visibility::update,
        )
        .body::<visibility::UpdateFeedVisibilityRequest>()
        .post(
            "/api/v2/feeds/feeds/batch",
            "create_feeds_batch",
            "Create several feeds at once",
            handlers::create_batch,
        )
        .body::<handlers::CreateFeedsBatchRequest>()
        .post(
            "/api/v2/feeds/feeds/delete",
            "delete_feeds_batch",
            "Remove several feeds at once",
            handlers::delete_batch,
        )
        .body::<handlers::DeleteFeedsBatchRequest>()
        .post(
            "/api/v2/feeds/feeds/query",
            "query_feeds",
            "Search feeds by filter, with sorting and cursors",
            query::query_feeds,
        )
        .body::<query::QueryFeedsRequest>()
        .get(
            "/api/v2/feeds/feeds/rate_limits",
            "get_feeds_rate_limits",
            "Each feeds endpoint's per-user rate limit and what is left of it this minute, per platform",
            rate_limits::get,
        )
        .query(&[
            ("endpoints", ParamType::String),
            ("android", ParamType::Boolean),
            ("ios", ParamType::Boolean),
            ("web", ParamType::Boolean),
            ("unity", ParamType::Boolean),
            ("unity_desktop", ParamType::Boolean),
            ("unity_console", ParamType::Boolean),
            ("server_side", ParamType::Boolean),
        ])
}

pub fn app(state: AppState) -> Router {
    tributary_http::app(routes().into_router(), state)
}
