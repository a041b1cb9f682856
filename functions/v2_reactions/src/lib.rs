//! The v2 reactions family (`/api/v1.0/reaction/...`): Stream's Feeds API v2 reactions over
//! the records v3 reads. Which record holds a reaction, and how v3's records read as v2
//! reactions, is `tributary_v2::reactions` (the mapping table is there).
//!
//! - `add.rs`: adding a reaction or a child reaction, into the record that can hold it.
//! - `change.rs`: updating, deleting (soft or hard) and restoring.
//! - `feeds.rs`: `target_feeds`, the activity a reaction puts into other feeds.
//! - `filter.rs`: reading by activity, reaction (children) or user, with `id_*` paging.
//! - `handlers.rs`: the HTTP side (tokens, bodies, queries, answers).

mod add;
mod change;
mod feeds;
mod filter;
mod handlers;

use axum::routing::{get, post, put};
use axum::Router;
use tributary_http::v2::V2App;
use tributary_http::AppState;

/// The family's routes, as paths look after normalization (no trailing slash, and
/// `reaction//` as `reaction`).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1.0/reaction",
            post(handlers::add).get(filter::filter_by_query),
        )
        .route(
            "/api/v1.0/reaction/{first}",
            get(handlers::get)
                .put(handlers::update)
                .delete(handlers::delete),
        )
        .route("/api/v1.0/reaction/{first}/restore", put(handlers::restore))
        .route("/api/v1.0/reaction/{first}/{value}", get(filter::filter))
        .route(
            "/api/v1.0/reaction/{first}/{value}/{kind}",
            get(filter::filter_kind),
        )
}

pub fn app(state: AppState) -> V2App {
    tributary_http::v2::app(routes(), state)
}
