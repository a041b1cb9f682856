//! The comments family: `/api/v2/feeds/comments...`.
//!
//! A comment is an item of its own; its place in a thread is a small entry in the object's
//! thread partition (top-level under `-`, replies under their parent), so a page of any
//! level is one Query plus one batched read of the comments. Reactions to comments use the
//! reactions family's rules; `upvote` and `downvote` also drive the comment's score.

mod bookmarks;
mod handlers;
mod ops;
mod query;
mod reactions;
mod thread;

use axum::Router;
use tributary_http::{AppState, ParamType, Routes};

/// The query parameters of a page of a thread (top-level comments or replies).
const THREAD_QUERY: &[(&str, ParamType)] = &[
    ("object_id", ParamType::String),
    ("object_type", ParamType::String),
    ("depth", ParamType::Integer),
    ("sort", ParamType::String),
    ("replies_limit", ParamType::Integer),
    ("user_id", ParamType::String),
    ("limit", ParamType::Integer),
    ("next", ParamType::String),
    ("id_around", ParamType::String),
];

/// The family's routes; the API description (`openapi/tributary.json`) is built from them.
pub fn routes() -> Routes {
    Routes::new("comments")
        .get(
            "/api/v2/feeds/comments",
            "get_comments",
            "A page of an object's comment thread, replies nested to a depth",
            handlers::get_comments,
        )
        .query(THREAD_QUERY)
        .post(
            "/api/v2/feeds/comments",
            "add_comment",
            "Comment on an activity, or reply to a comment",
            handlers::add_comment,
        )
        .body::<ops::AddCommentRequest>()
        .post(
            "/api/v2/feeds/comments/query",
            "query_comments",
            "Search comments by filter, with sorting and cursors",
            handlers::query_comments,
        )
        .body::<query::QueryCommentsRequest>()
        .post(
            "/api/v2/feeds/comments/batch",
            "add_comments_batch",
            "Add several comments at once",
            handlers::add_comments_batch,
        )
        .body::<handlers::BatchRequest>()
        .get(
            "/api/v2/feeds/comments/{id}",
            "get_comment",
            "Read one comment",
            handlers::get_comment,
        )
        .patch(
            "/api/v2/feeds/comments/{id}",
            "update_comment",
            "Change a comment's text, attachments or custom data",
            handlers::update_comment,
        )
        .body::<ops::CommentChanges>()
        .delete(
            "/api/v2/feeds/comments/{id}",
            "delete_comment",
            "Remove a comment (soft by default, hard on request)",
            handlers::delete_comment,
        )
        .query(&[
            ("user_id", ParamType::String),
            ("hard_delete", ParamType::Boolean),
            ("delete_notification_activity", ParamType::Boolean),
        ])
        .post(
            "/api/v2/feeds/comments/{id}/partial",
            "update_comment_partial",
            "Set and unset some fields of a comment",
            handlers::update_comment_partial,
        )
        .body::<handlers::PartialRequest>()
        .post(
            "/api/v2/feeds/comments/{id}/restore",
            "restore_comment",
            "Bring back a soft-deleted comment",
            handlers::restore_comment,
        )
        .body::<handlers::UserQuery>()
        .get(
            "/api/v2/feeds/comments/{id}/replies",
            "get_comment_replies",
            "A page of a comment's replies, nested to a depth",
            handlers::get_replies,
        )
        .query(THREAD_QUERY)
        .post(
            "/api/v2/feeds/comments/{id}/reactions",
            "add_comment_reaction",
            "React to a comment (one reaction per user and type)",
            reactions::add,
        )
        .body::<tributary_reactions::AddReactionRequest>()
        .post(
            "/api/v2/feeds/comments/{id}/reactions/query",
            "query_comment_reactions",
            "List a comment's reactions by filter, with cursors",
            reactions::query,
        )
        .body::<tributary_reactions::QueryReactionsRequest>()
        .delete(
            "/api/v2/feeds/comments/{id}/reactions/{kind}",
            "delete_comment_reaction",
            "Withdraw a user's reaction of one type from a comment",
            reactions::delete,
        )
        .query(&[
            ("user_id", ParamType::String),
            ("delete_notification_activity", ParamType::Boolean),
        ])
        .post(
            "/api/v2/feeds/comments/reactions/query",
            "query_comments_reactions",
            "List reactions across comments by filter",
            reactions::batch_query,
        )
        .body::<tributary_reactions::QueryReactionsRequest>()
        .post(
            "/api/v2/feeds/comments/{id}/bookmarks",
            "add_comment_bookmark",
            "Bookmark a comment, in a folder of one's own if wished",
            bookmarks::add,
        )
        .body::<tributary_v3::bookmarks::AddBookmarkRequest>()
        .patch(
            "/api/v2/feeds/comments/{id}/bookmarks",
            "update_comment_bookmark",
            "Change a comment bookmark's custom data or move it to another folder",
            bookmarks::update,
        )
        .body::<tributary_v3::bookmarks::UpdateBookmarkRequest>()
        .delete(
            "/api/v2/feeds/comments/{id}/bookmarks",
            "delete_comment_bookmark",
            "Remove one's bookmark of a comment",
            bookmarks::delete,
        )
        .query(&[
            ("folder_id", ParamType::String),
            ("user_id", ParamType::String),
        ])
}

pub fn app(state: AppState) -> Router {
    tributary_http::app(routes().into_router(), state)
}
