//! The users family: `POST /api/v2/users` (upsert), `GET /api/v2/app`, the readiness check
//! `GET /health`, a user's feed data: delete and export (background tasks) and
//! `GET /api/v2/tasks/{id}`, and the API description, `GET /api/v2/openapi.json`.

mod handlers;
mod user_data;

pub use tributary_http::routes::OPENAPI_DOCUMENT;

use axum::Router;
use tributary_http::{AppState, Routes};

/// The family's routes; the API description (`openapi/tributary.json`) is built from them.
pub fn routes() -> Routes {
    Routes::new("users")
        .get(
            "/health",
            "health",
            "Readiness check: answers once the function is up",
            handlers::health,
        )
        .public()
        .get(
            "/api/v2/openapi.json",
            "get_openapi",
            "This API's OpenAPI 3.1 description",
            handlers::openapi,
        )
        .public()
        .content_type(tributary_http::routes::OPENAPI_JSON)
        .post(
            "/api/v2/users",
            "upsert_users",
            "Create or replace users, keyed by id",
            handlers::upsert_users,
        )
        .body::<handlers::UpsertUsersRequest>()
        .get(
            "/api/v2/app",
            "get_app",
            "The app's settings as Stream's clients read them",
            handlers::get_app,
        )
        .post(
            "/api/v2/feeds/users/{user_id}/delete",
            "delete_feed_user_data",
            "Start deleting a user's feed data (a background task)",
            user_data::delete_feed_user_data,
        )
        .body::<user_data::DeleteRequest>()
        .post(
            "/api/v2/feeds/users/{user_id}/export",
            "export_feed_user_data",
            "Start exporting a user's feed data (a background task)",
            user_data::export_feed_user_data,
        )
        .get(
            "/api/v2/tasks/{id}",
            "get_task",
            "The state and result of a background task",
            user_data::get_task,
        )
}

pub fn app(state: AppState) -> Router {
    tributary_http::app(routes().into_router(), state)
}
