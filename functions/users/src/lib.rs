//! The users family: `POST /api/v2/users` (upsert), `GET /api/v2/app`, the readiness check
//! `GET /health`, and a user's feed data: delete and export (background tasks) and
//! `GET /api/v2/tasks/{id}`.

mod handlers;
mod user_data;

use axum::routing::{get, post};
use axum::Router;
use tributary_http::AppState;

pub fn app(state: AppState) -> Router {
    let routes = Router::new()
        .route("/health", get(handlers::health))
        .route("/api/v2/users", post(handlers::upsert_users))
        .route("/api/v2/app", get(handlers::get_app))
        .route(
            "/api/v2/feeds/users/{user_id}/delete",
            post(user_data::delete_feed_user_data),
        )
        .route(
            "/api/v2/feeds/users/{user_id}/export",
            post(user_data::export_feed_user_data),
        )
        .route("/api/v2/tasks/{id}", get(user_data::get_task));
    tributary_http::app(routes, state)
}
