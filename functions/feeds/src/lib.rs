//! The feeds family: feed groups (`/api/v2/feeds/feed_groups...`), feeds
//! (`.../feed_groups/{group}/feeds/{id}`, `/api/v2/feeds/feeds/...`) and reading a feed.
//!
//! - `groups.rs`: feed group CRUD (server-side only).
//! - `feeds.rs`: get-or-create, update, delete, batch create/delete.
//! - `read.rs`: a feed's activities, followers and following, with cursors.
//! - `query.rs`: `query_feeds`.

mod aggregated;
mod feeds;
mod groups;
mod query;
mod read;

use axum::routing::{get, post};
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
            post(feeds::get_or_create)
                .put(feeds::update)
                .delete(feeds::delete),
        )
        .route(
            "/api/v2/feeds/feed_groups/{group}/feeds/{id}/activities/mark/batch",
            post(aggregated::mark),
        )
        .route("/api/v2/feeds/feeds/batch", post(feeds::create_batch))
        .route("/api/v2/feeds/feeds/delete", post(feeds::delete_batch))
        .route("/api/v2/feeds/feeds/query", post(query::query_feeds));
    tributary_http::app(routes, state)
}
