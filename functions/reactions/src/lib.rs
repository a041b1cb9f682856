//! The reactions family: `/api/v2/feeds/activities/{activity_id}/reactions...` and the
//! batch query `/api/v2/feeds/activities/reactions/query`.
//!
//! A reaction is one item per user and type beside its activity; the activity keeps the
//! counts, per-type groups and newest reactions, changed in the same transaction.

pub mod handlers;

use axum::Router;
use tributary_http::{AppState, ParamType, Routes};

/// The family's routes; the API description (`openapi/tributary.json`) is built from them.
pub fn routes() -> Routes {
    Routes::new("reactions")
        .post(
            "/api/v2/feeds/activities/{activity_id}/reactions",
            "add_activity_reaction",
            "React to an activity (one reaction per user and type)",
            handlers::add,
        )
        .body::<tributary_reactions::AddReactionRequest>()
        .post(
            "/api/v2/feeds/activities/{activity_id}/reactions/query",
            "query_activity_reactions",
            "List an activity's reactions by filter, with cursors",
            handlers::query,
        )
        .body::<tributary_reactions::QueryReactionsRequest>()
        .delete(
            "/api/v2/feeds/activities/{activity_id}/reactions/{kind}",
            "delete_activity_reaction",
            "Withdraw a user's reaction of one type from an activity",
            handlers::delete,
        )
        .query(&[
            ("user_id", ParamType::String),
            ("delete_notification_activity", ParamType::Boolean),
        ])
        .post(
            "/api/v2/feeds/activities/reactions/query",
            "query_reactions",
            "List reactions across activities by filter",
            handlers::batch_query,
        )
        .body::<tributary_reactions::QueryReactionsRequest>()
}

pub fn app(state: AppState) -> Router {
    tributary_http::app(routes().into_router(), state)
}
