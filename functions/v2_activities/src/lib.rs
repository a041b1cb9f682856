//! The v2 activities family (see Cargo.toml's description).

use axum::Router;
use tributary_http::v2::V2App;
use tributary_http::AppState;

/// The family's routes, as paths look after normalization (no trailing slash).
pub fn routes() -> Router<AppState> {
    Router::new()
}

pub fn app(state: AppState) -> V2App {
    tributary_http::v2::app(routes(), state)
}
