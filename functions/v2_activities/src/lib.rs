//! The v2 activities family (`/api/v1.0/activities/`, `activity/`,
//! `feed_targets/.../activity_to_targets/`): Stream's Feeds API v2 calls on activities
//! themselves, over the same records as v3.
//!
//! - `read.rs`: activities by ids, or by `foreign_id` + `time` pairs.
//! - `update.rs`: full updates by `foreign_id` + `time`.
//! - `partial_update.rs`: `set` / `unset` with dotted paths, one or a batch.
//! - `targets.rs`: changing an activity's `to` targets.
//! - `lookup.rs`: how requests name activities, and rewriting their content with
//!   optimistic locking.

mod enrich;
mod lookup;
mod partial_update;
pub mod read;
mod targets;
mod update;

use axum::routing::{get, post};
use axum::Router;
use tributary_http::v2::V2App;
use tributary_http::AppState;

/// The family's routes, as paths look after normalization (no trailing slash).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1.0/activities", get(read::get).post(update::update))
        .route("/api/v1.0/activity", post(partial_update::partial_update))
        .route("/api/v1.0/enrich/activities", get(enrich::get))
        .route(
            "/api/v1.0/feed_targets/{group}/{id}/activity_to_targets",
            post(targets::activity_to_targets),
        )
}

pub fn app(state: AppState) -> V2App {
    tributary_http::v2::app(routes(), state)
}
