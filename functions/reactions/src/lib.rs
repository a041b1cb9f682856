//! The reactions family: `/api/v2/feeds/activities/{activity_id}/reactions...` and the
//! batch query `/api/v2/feeds/activities/reactions/query`.
//!
//! A reaction is one item per user and type beside its activity; the activity keeps the
//! counts, per-type groups and newest reactions, changed in the same transaction.

pub mod handlers;

use axum::routing::{delete, post};
use axum::Router;
use tributary_http::AppState;

pub fn app(state: AppState) -> Router {
    let routes = Router::new()
        .route(
            "/api/v2/feeds/activities/{activity_id}/reactions",
            post(handlers::add),
        )
        .route(
            "/api/v2/feeds/activities/{activity_id}/reactions/query",
            post(handlers::query),
        )
        .route(
            "/api/v2/feeds/activities/{activity_id}/reactions/{kind}",
            delete(handlers::delete),
        )
        .route(
            "/api/v2/feeds/activities/reactions/query",
            post(handlers::batch_query),
        );
    tributary_http::app(routes, state)
}
