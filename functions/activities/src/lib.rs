//! The activities family: `/api/v2/feeds/activities...`.
//!
//! Handlers (in `handlers.rs`) parse and authenticate; the operations (in `ops.rs`) hold the
//! rules; storage is `tributary_store`.

mod handlers;
mod ops;
mod query;
mod requests;
mod update;

use axum::routing::{patch, post};
use axum::Router;
use tributary_http::AppState;

/// The family's routes with the shared layers, ready to serve.
pub fn app(state: AppState) -> Router {
    let routes = Router::new()
        .route("/api/v2/feeds/activities", post(handlers::add_activity))
        .route(
            "/api/v2/feeds/activities/batch",
            post(handlers::upsert_activities),
        )
        .route(
            "/api/v2/feeds/activities/batch/partial",
            patch(handlers::update_activities_partial_batch),
        )
        .route(
            "/api/v2/feeds/activities/query",
            post(handlers::query_activities),
        )
        .route(
            "/api/v2/feeds/activities/delete",
            post(handlers::delete_activities),
        )
        .route(
            "/api/v2/feeds/activities/{id}",
            axum::routing::get(handlers::get_activity)
                .put(handlers::update_activity)
                .patch(handlers::update_activity_partial)
                .delete(handlers::delete_activity),
        )
        .route(
            "/api/v2/feeds/activities/{id}/restore",
            post(handlers::restore_activity),
        )
        .route(
            "/api/v2/feeds/activities/{id}/feedback",
            post(handlers::activity_feedback),
        );
    tributary_http::app(routes, state)
}
