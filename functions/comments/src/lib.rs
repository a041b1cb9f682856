//! The comments family: `/api/v2/feeds/comments...`.
//!
//! A comment is an item of its own; its place in a thread is a small entry in the object's
//! thread partition (top-level under `-`, replies under their parent), so a page of any
//! level is one Query plus one batched read of the comments. Reactions to comments use the
//! reactions family's rules; `upvote` and `downvote` also drive the comment's score.

mod handlers;
mod ops;
mod query;
mod reactions;
mod thread;

use axum::routing::{get, post};
use axum::Router;
use tributary_http::AppState;

pub fn app(state: AppState) -> Router {
    let routes = Router::new()
        .route(
            "/api/v2/feeds/comments",
            get(handlers::get_comments).post(handlers::add_comment),
        )
        .route(
            "/api/v2/feeds/comments/query",
            post(handlers::query_comments),
        )
        .route(
            "/api/v2/feeds/comments/batch",
            post(handlers::add_comments_batch),
        )
        .route(
            "/api/v2/feeds/comments/{id}",
            get(handlers::get_comment)
                .patch(handlers::update_comment)
                .delete(handlers::delete_comment),
        )
        .route(
            "/api/v2/feeds/comments/{id}/partial",
            post(handlers::update_comment_partial),
        )
        .route(
            "/api/v2/feeds/comments/{id}/restore",
            post(handlers::restore_comment),
        )
        .route(
            "/api/v2/feeds/comments/{id}/replies",
            get(handlers::get_replies),
        )
        .route(
            "/api/v2/feeds/comments/{id}/reactions",
            post(reactions::add),
        )
        .route(
            "/api/v2/feeds/comments/{id}/reactions/query",
            post(reactions::query),
        )
        .route(
            "/api/v2/feeds/comments/{id}/reactions/{kind}",
            axum::routing::delete(reactions::delete),
        )
        .route(
            "/api/v2/feeds/comments/reactions/query",
            post(reactions::batch_query),
        );
    tributary_http::app(routes, state)
}
