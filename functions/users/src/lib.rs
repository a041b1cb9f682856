//! The users family: `POST /api/v2/users` (upsert), `GET /api/v2/app`, and the readiness
//! check `GET /health`.

mod handlers;

use axum::routing::{get, post};
use axum::Router;
use tributary_core::http::{self, AppState};

pub fn app(state: AppState) -> Router {
    let routes = Router::new()
        .route("/health", get(handlers::health))
        .route("/api/v2/users", post(handlers::upsert_users))
        .route("/api/v2/app", get(handlers::get_app));
    http::app(routes, state)
}
