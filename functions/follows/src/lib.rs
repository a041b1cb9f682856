//! The follows family: `/api/v2/feeds/follows...` and `/api/v2/feeds/unfollow...`.
//!
//! Handlers (`handlers.rs`) parse and authenticate; the rules are in `ops.rs`; follows are
//! stored by `tributary_store`, and the history copy or removal a follow or unfollow
//! causes runs in the fan-out function.

mod handlers;
mod ops;
mod query;

use axum::routing::{delete, patch, post};
use axum::Router;
use tributary_http::AppState;

pub fn app(state: AppState) -> Router {
    let routes = Router::new()
        .route(
            "/api/v2/feeds/follows",
            post(handlers::follow).merge(patch(handlers::update_follow)),
        )
        .route(
            "/api/v2/feeds/follows/upsert",
            post(handlers::get_or_create_follow),
        )
        .route("/api/v2/feeds/follows/batch", post(handlers::follow_batch))
        .route(
            "/api/v2/feeds/follows/batch/upsert",
            post(handlers::get_or_create_follows),
        )
        .route(
            "/api/v2/feeds/follows/accept",
            post(handlers::accept_follow),
        )
        .route(
            "/api/v2/feeds/follows/reject",
            post(handlers::reject_follow),
        )
        .route("/api/v2/feeds/follows/query", post(handlers::query_follows))
        .route(
            "/api/v2/feeds/follows/{source}/{target}",
            delete(handlers::unfollow),
        )
        .route(
            "/api/v2/feeds/unfollow/batch",
            post(handlers::unfollow_batch),
        )
        .route(
            "/api/v2/feeds/unfollow/batch/upsert",
            post(handlers::get_or_create_unfollows),
        )
        .route(
            "/api/v2/feeds/unfollow/upsert",
            post(handlers::get_or_create_unfollow),
        );
    tributary_http::app(routes, state)
}
