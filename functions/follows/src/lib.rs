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
            post(handlers::follow::<false>).merge(patch(handlers::update_follow)),
        )
        .route(
            "/api/v2/feeds/follows/upsert",
            post(handlers::follow::<true>),
        )
        .route(
            "/api/v2/feeds/follows/batch",
            post(handlers::batch::<false>),
        )
        .route(
            "/api/v2/feeds/follows/batch/upsert",
            post(handlers::batch::<true>),
        )
        .route(
            "/api/v2/feeds/follows/accept",
            post(handlers::decide::<true>),
        )
        .route(
            "/api/v2/feeds/follows/reject",
            post(handlers::decide::<false>),
        )
        .route("/api/v2/feeds/follows/query", post(handlers::query_follows))
        .route(
            "/api/v2/feeds/follows/{source}/{target}",
            delete(handlers::unfollow),
        )
        .route(
            "/api/v2/feeds/unfollow/batch",
            post(handlers::unfollow_many::<false>),
        )
        .route(
            "/api/v2/feeds/unfollow/batch/upsert",
            post(handlers::unfollow_many::<true>),
        )
        .route(
            "/api/v2/feeds/unfollow/upsert",
            post(handlers::get_or_create_unfollow),
        );
    tributary_http::app(routes, state)
}
