//! The follows family: `/api/v2/feeds/follows...` and `/api/v2/feeds/unfollow...`.
//!
//! Handlers (`handlers.rs`) parse and authenticate; the rules are `tributary_core::follows`; follows are
//! stored by `tributary_store`, and the history copy or removal a follow or unfollow
//! causes runs in the fan-out function.

mod handlers;
mod query;

use axum::Router;
use tributary_http::{AppState, ParamType, Routes};

/// The family's routes; the API description (`openapi/tributary.json`) is built from them.
pub fn routes() -> Routes {
    Routes::new("follows")
        .post(
            "/api/v2/feeds/follows",
            "follow",
            "Make one feed follow another (pending when the target asks for approval)",
            handlers::follow::<false>,
        )
        .body::<tributary_core::follows::FollowRequest>()
        .patch(
            "/api/v2/feeds/follows",
            "update_follow",
            "Change a follow's custom data, activity copy limit or push preference",
            handlers::update_follow,
        )
        .body::<tributary_core::follows::FollowRequest>()
        .post(
            "/api/v2/feeds/follows/upsert",
            "get_or_create_follow",
            "Follow, or answer the existing follow unchanged",
            handlers::follow::<true>,
        )
        .body::<tributary_core::follows::FollowRequest>()
        .post(
            "/api/v2/feeds/follows/batch",
            "follow_batch",
            "Create several follows at once",
            handlers::batch::<false>,
        )
        .body::<handlers::FollowBatchRequest>()
        .post(
            "/api/v2/feeds/follows/batch/upsert",
            "get_or_create_follows",
            "Create several follows, keeping the ones that exist",
            handlers::batch::<true>,
        )
        .body::<handlers::FollowBatchRequest>()
        .post(
            "/api/v2/feeds/follows/accept",
            "accept_follow",
            "Approve a pending follow request",
            handlers::decide::<true>,
        )
        .body::<handlers::DecisionRequest>()
        .post(
            "/api/v2/feeds/follows/reject",
            "reject_follow",
            "Turn down a pending follow request",
            handlers::decide::<false>,
        )
        .body::<handlers::DecisionRequest>()
        .post(
            "/api/v2/feeds/follows/query",
            "query_follows",
            "Search follows by filter, with sorting and cursors",
            handlers::query_follows,
        )
        .body::<query::QueryFollowsRequest>()
        .delete(
            "/api/v2/feeds/follows/{source}/{target}",
            "unfollow",
            "Remove the follow from one feed to another",
            handlers::unfollow,
        )
        .query(&[
            ("keep_history", ParamType::Boolean),
            ("delete_notification_activity", ParamType::Boolean),
        ])
        .post(
            "/api/v2/feeds/unfollow/batch",
            "unfollow_batch",
            "Remove several follows at once",
            handlers::unfollow_many::<false>,
        )
        .body::<handlers::UnfollowBatchRequest>()
        .post(
            "/api/v2/feeds/unfollow/batch/upsert",
            "get_or_create_unfollows",
            "Remove several follows, ignoring the ones already gone",
            handlers::unfollow_many::<true>,
        )
        .body::<handlers::UnfollowBatchRequest>()
        .post(
            "/api/v2/feeds/unfollow/upsert",
            "get_or_create_unfollow",
            "Remove a follow, or answer success when there is none",
            handlers::get_or_create_unfollow,
        )
        .body::<handlers::UnfollowPair>()
}

pub fn app(state: AppState) -> Router {
    tributary_http::app(routes().into_router(), state)
}
