//! The v2 feeds family (`/api/v1.0/feed/...`, `follow_many`, `unfollow_many`,
//! `stats/follow`): Stream's Feeds API v2 over the same records as v3, through
//! `tributary_core`.
//!
//! - `read.rs`: a feed's activities with `limit`, `offset` and `id_lt`/`id_lte`/`id_gt`/`id_gte`.
//! - `aggregated.rs`: aggregated and notification feeds' groups, `mark_seen`, `mark_read`.
//! - `write.rs`: adding activities (one or a batch, `to` targets, `foreign_id` + `time`
//!   uniqueness), removing them (by id or `foreign_id`), `add_to_many`.
//! - `follows.rs`: follow, unfollow, followers and following, the batch forms, follow stats.

mod aggregated;
mod enrich;
mod follows;
mod read;
mod write;

use axum::routing::{delete, get, post};
use axum::Router;
use tributary_http::v2::V2App;
use tributary_http::AppState;

/// The family's routes, as paths look after normalization (no trailing slash).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1.0/feed/add_to_many", post(write::add_to_many))
        .route(
            "/api/v1.0/feed/{group}/{id}",
            get(read::read).post(write::add),
        )
        .route(
            "/api/v1.0/feed/{group}/{id}/follows",
            get(follows::following).post(follows::follow),
        )
        .route(
            "/api/v1.0/feed/{group}/{id}/followers",
            get(follows::followers),
        )
        .route(
            "/api/v1.0/feed/{group}/{id}/follows/{target}",
            delete(follows::unfollow),
        )
        .route(
            "/api/v1.0/feed/{group}/{id}/{activity_id}",
            delete(write::remove),
        )
        .route("/api/v1.0/follow_many", post(follows::follow_many))
        .route("/api/v1.0/unfollow_many", post(follows::unfollow_many))
        .route("/api/v1.0/stats/follow", get(follows::stats))
        .route("/api/v1.0/enrich/feed/{group}/{id}", get(enrich::read))
}

pub fn app(state: AppState) -> V2App {
    tributary_http::v2::app(routes(), state)
}

/// `group:id` from path parts, checked.
pub(crate) fn fid_of(group: &str, id: &str) -> tributary_domain::ApiResult<String> {
    let fid = format!("{group}:{id}");
    tributary_domain::validate::Fid::parse("feed", &fid)?;
    Ok(fid)
}
