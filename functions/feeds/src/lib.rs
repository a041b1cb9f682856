//! The feeds family: feed groups (`/api/v2/feeds/feed_groups...`), feeds
//! (`.../feed_groups/{group}/feeds/{id}`, `/api/v2/feeds/feeds/...`) and reading a feed.
//!
//! - `groups.rs`: feed group CRUD (server-side only).
//! - `handlers.rs` (thin) over `ops.rs`: update, delete, batch create/delete;
//!   `get_or_create.rs`: get-or-create, which also reads the feed.
//! - `read.rs`: a feed's activities, followers, following and members, with cursors.
//! - `query.rs`: `query_feeds`.
//! - `members.rs`: feed members and invites; `levels.rs`: membership levels (server-side);
//!   `listing.rs`: the in-memory sort and paging both use.
//! - `own.rs`: `own_batch` and `get_feed_counts`; `visibility.rs`: feed visibility levels'
//!   grants (server-side) and `change_feed_visibility`.
//!
//! Every user-token request is decided by the permission model
//! (`tributary_domain::access`, loaded by `tributary_store::access`).

mod aggregated;
mod get_or_create;
mod groups;
mod handlers;
mod levels;
mod listing;
mod members;
mod ops;
mod own;
mod query;
mod read;
mod visibility;

use axum::routing::{get, patch, post};
use axum::Router;
use tributary_http::AppState;

pub fn app(state: AppState) -> Router {
    let routes = Router::new()
        .route(
            "/api/v2/feeds/feed_groups",
            get(groups::list).post(groups::create),
        )
        .route(
            "/api/v2/feeds/feed_groups/{id}",
            get(groups::get)
                .post(groups::get_or_create)
                .put(groups::update)
                .delete(groups::delete),
        )
        .route(
            "/api/v2/feeds/feed_groups/{id}/restore",
            post(groups::restore),
        )
        .route(
            "/api/v2/feeds/feed_groups/{group}/feeds/{id}",
            post(handlers::get_or_create)
                .put(handlers::update)
                .delete(handlers::delete),
        )
        .route(
            "/api/v2/feeds/feed_groups/{group}/feeds/{id}/activities/mark/batch",
            post(aggregated::mark),
        )
        .route(
            "/api/v2/feeds/feed_groups/{group}/feeds/{id}/members",
            patch(members::update),
        )
        .route(
            "/api/v2/feeds/feed_groups/{group}/feeds/{id}/members/accept",
            post(members::accept),
        )
        .route(
            "/api/v2/feeds/feed_groups/{group}/feeds/{id}/members/reject",
            post(members::reject),
        )
        .route(
            "/api/v2/feeds/feed_groups/{group}/feeds/{id}/members/query",
            post(members::query),
        )
        .route("/api/v2/feeds/membership_levels", post(levels::create))
        .route("/api/v2/feeds/membership_levels/query", post(levels::query))
        .route(
            "/api/v2/feeds/membership_levels/{id}",
            patch(levels::update).delete(levels::delete),
        )
        .route(
            "/api/v2/feeds/feed_groups/{group}/feeds/{id}/counts",
            get(own::counts),
        )
        .route(
            "/api/v2/feeds/feed_groups/{group}/feeds/{id}/change_visibility",
            post(visibility::change),
        )
        .route("/api/v2/feeds/feeds/own/batch", post(own::own_batch))
        .route("/api/v2/feeds/feed_visibilities", get(visibility::list))
        .route(
            "/api/v2/feeds/feed_visibilities/{name}",
            get(visibility::get).put(visibility::update),
        )
        .route("/api/v2/feeds/feeds/batch", post(handlers::create_batch))
        .route("/api/v2/feeds/feeds/delete", post(handlers::delete_batch))
        .route("/api/v2/feeds/feeds/query", post(query::query_feeds));
    tributary_http::app(routes, state)
}
