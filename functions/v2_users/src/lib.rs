//! The v2 users family (`/api/v1.0/user/...`, `/api/v1.0/collections/...`), over the same
//! user records as v3 and the collection objects v3's collections share, and the answer to
//! the v2 services Tributary does not provide.
//!
//! - `users.rs`: `user/` add (`get_or_create`), get (`with_follow_counts`), update, delete.
//! - `collections.rs`: one object (`collections/{name}/`, `collections/{name}/{id}/`) and the
//!   server-side batch calls (`collections/`, and `meta/` as older clients call it).
//! - `hosted.rs`: Stream's hosted services (open graph, analytics, images and files,
//!   personalization), answered with a v2 error saying so.
//!
//! Any other path gets v2's 404 (`tributary_http::v2::app`'s fallback).

mod collections;
mod hosted;
mod users;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use tributary_http::v2::V2App;
use tributary_http::AppState;

/// The family's routes, as paths look after normalization (no trailing slash).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1.0/user", post(users::add))
        .route(
            "/api/v1.0/user/{id}",
            get(users::get).put(users::update).delete(users::delete),
        )
        .route(
            "/api/v1.0/collections",
            get(collections::select)
                .post(collections::upsert)
                .delete(collections::delete_many),
        )
        .route(
            "/api/v1.0/meta",
            get(collections::select)
                .post(collections::upsert)
                .delete(collections::delete_many),
        )
        .route("/api/v1.0/collections/{name}", post(collections::add))
        .route(
            "/api/v1.0/collections/{name}/{id}",
            get(collections::get)
                .put(collections::update)
                .delete(collections::delete),
        )
        .route("/api/v1.0/og", any(hosted::open_graph))
        .route("/api/v1.0/images", any(hosted::images))
        .route("/api/v1.0/images/{*rest}", any(hosted::images))
        .route("/api/v1.0/files", any(hosted::files))
        .route("/api/v1.0/files/{*rest}", any(hosted::files))
        .route("/analytics/v1.0/{*rest}", any(hosted::analytics))
        .route(
            "/personalization/v1.0/{*rest}",
            any(hosted::personalization),
        )
}

pub fn app(state: AppState) -> V2App {
    tributary_http::v2::app(routes(), state)
}

/// A JSON answer with a status (201 for what an add created).
pub(crate) fn reply(status: StatusCode, body: Value) -> Response {
    (status, Json(body)).into_response()
}

/// Stream's answer to creating what exists: 409, code 22 (its "Conflict Error"). The v2
/// clients know no class for code 22 and raise their base `StreamApiException` with `detail`.
pub(crate) fn conflict(detail: String) -> Response {
    reply(
        StatusCode::CONFLICT,
        json!({
            "code": 22,
            "detail": detail,
            "exception": "ConflictException",
            "status_code": 409,
        }),
    )
}
