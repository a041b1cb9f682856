//! The users family: `POST /api/v2/users` (upsert), `GET` and `PATCH /api/v2/app` (the app's
//! settings), the readiness check `GET /health`, a user's feed data: delete and export
//! (background tasks) and `GET /api/v2/tasks/{id}`, the API description,
//! `GET /api/v2/openapi.json`, v3 collections (`/api/v2/feeds/collections`, beside v2's in
//! `v2_users`), polls, and the app's usage figures (`POST /api/v2/feeds/stats/usage`).

mod app;
mod collections;
mod handlers;
mod polls;
mod revisions;
mod usage;
mod user_data;

pub use tributary_http::routes::OPENAPI_DOCUMENT;

use axum::Router;
use tributary_http::routes::ParamType;
use tributary_http::{AppState, Routes};

/// The family's routes; the API description (`openapi/tributary.json`) is built from them.
pub fn routes() -> Routes {
    Routes::new("users")
        .get(
            "/health",
            "health",
            "Readiness check: answers once the function is up",
            handlers::health,
        )
        .public()
        .get(
            "/api/v2/openapi.json",
            "get_openapi",
            "This API's OpenAPI 3.1 description",
            handlers::openapi,
        )
        .public()
        .content_type(tributary_http::routes::OPENAPI_JSON)
        .post(
            "/api/v2/users",
            "upsert_users",
            "Create or replace users, keyed by id",
            handlers::upsert_users,
        )
        .body::<handlers::UpsertUsersRequest>()
        .get(
            "/api/v2/app",
            "get_app",
            "The app's settings as Stream's clients read them",
            handlers::get_app,
        )
        .patch(
            "/api/v2/app",
            "update_app",
            "Change the app's settings: its custom activity metrics (server-side only)",
            app::update_app,
        )
        .body::<app::UpdateAppRequest>()
        .post(
            "/api/v2/feeds/revisions/query",
            "query_revision_history",
            "An activity's or a comment's recorded changes, by time (server-side only)",
            revisions::query_revision_history,
        )
        .body::<revisions::QueryRevisionHistoryRequest>()
        .post(
            "/api/v2/feeds/stats/usage",
            "query_feeds_usage_stats",
            "The app's activities, follows and API requests per day (server-side only)",
            usage::query_usage_stats,
        )
        .body::<usage::UsageStatsRequest>()
        .post(
            "/api/v2/feeds/users/{user_id}/delete",
            "delete_feed_user_data",
            "Start deleting a user's feed data (a background task)",
            user_data::delete_feed_user_data,
        )
        .body::<user_data::DeleteRequest>()
        .post(
            "/api/v2/feeds/users/{user_id}/export",
            "export_feed_user_data",
            "Start exporting a user's feed data (a background task)",
            user_data::export_feed_user_data,
        )
        .get(
            "/api/v2/tasks/{id}",
            "get_task",
            "The state and result of a background task",
            user_data::get_task,
        )
        .get(
            "/api/v2/feeds/collections",
            "read_collections",
            "Collections by their `<name>:<id>` references; missing ones are left out",
            collections::read_collections,
        )
        .query(&[
            ("collection_refs", ParamType::String),
            ("user_id", ParamType::String),
        ])
        .post(
            "/api/v2/feeds/collections",
            "create_collections",
            "Create collections (all or none; at most 100)",
            collections::create_collections,
        )
        .body::<collections::CreateCollectionsRequest>()
        .put(
            "/api/v2/feeds/collections",
            "upsert_collections",
            "Create collections or replace their custom data (all or none; at most 100)",
            collections::upsert_collections,
        )
        .body::<collections::UpsertCollectionsRequest>()
        .patch(
            "/api/v2/feeds/collections",
            "update_collections",
            "Replace existing collections' custom data (all or none; at most 100)",
            collections::update_collections,
        )
        .body::<collections::UpdateCollectionsRequest>()
        .delete(
            "/api/v2/feeds/collections",
            "delete_collections",
            "Delete collections by reference (all or none; at most 100)",
            collections::delete_collections,
        )
        .query(&[
            ("collection_refs", ParamType::String),
            ("user_id", ParamType::String),
        ])
        .post(
            "/api/v2/feeds/collections/query",
            "query_collections",
            "One collection's or one user's collections by creation time, filtered, with cursors",
            collections::query_collections,
        )
        .body::<collections::QueryCollectionsRequest>()
        .post(
            "/api/v2/polls",
            "create_poll",
            "Create a poll (its options, vote rules and visibility)",
            polls::create_poll,
        )
        .body::<polls::CreatePollRequest>()
        .put(
            "/api/v2/polls",
            "update_poll",
            "Replace a poll's settings and options, keeping its votes (its creator or a server call)",
            polls::update_poll,
        )
        .body::<polls::CreatePollRequest>()
        .get(
            "/api/v2/polls/{poll_id}",
            "get_poll",
            "A poll with its vote counts and the reader's own votes",
            polls::get_poll,
        )
        .query(&[("user_id", ParamType::String)])
        .patch(
            "/api/v2/polls/{poll_id}",
            "update_poll_partial",
            "Set or unset some of a poll's settings (its creator or a server call)",
            polls::update_poll_partial,
        )
        .body::<polls::UpdatePollPartialRequest>()
        .delete(
            "/api/v2/polls/{poll_id}",
            "delete_poll",
            "Delete a poll (its creator or a server call)",
            polls::delete_poll,
        )
        .query(&[("user_id", ParamType::String)])
        .post(
            "/api/v2/polls/{poll_id}/options",
            "create_poll_option",
            "Add an option to a poll (its creator or the server; anyone when it takes suggestions)",
            polls::create_poll_option,
        )
        .body::<polls::CreatePollOptionRequest>()
        .put(
            "/api/v2/polls/{poll_id}/options",
            "update_poll_option",
            "Change an option's text and custom data (the poll's creator or the server)",
            polls::update_poll_option,
        )
        .body::<polls::UpdatePollOptionRequest>()
        .get(
            "/api/v2/polls/{poll_id}/options/{option_id}",
            "get_poll_option",
            "One option of a poll",
            polls::get_poll_option,
        )
        .delete(
            "/api/v2/polls/{poll_id}/options/{option_id}",
            "delete_poll_option",
            "Remove an option from a poll (the poll's creator or the server)",
            polls::delete_poll_option,
        )
        .query(&[("user_id", ParamType::String)])
        .post(
            "/api/v2/polls/query",
            "query_polls",
            "Polls by creation time, filtered, with next cursors and the reader's own votes",
            polls::query_polls,
        )
        .query(&[("user_id", ParamType::String)])
        .body::<polls::QueryPollVotesRequest>()
        .post(
            "/api/v2/polls/{poll_id}/votes",
            "query_poll_votes",
            "A poll's votes and answers by time, filtered, with next cursors",
            polls::query_poll_votes,
        )
        .query(&[("user_id", ParamType::String)])
        .body::<polls::QueryPollVotesRequest>()
        .post(
            "/api/v2/feeds/activities/{activity_id}/polls/{poll_id}/vote",
            "cast_poll_vote",
            "Vote for an option of an activity's poll, or answer it, under the poll's rules",
            polls::cast_poll_vote,
        )
        .body::<polls::CastPollVoteRequest>()
        .delete(
            "/api/v2/feeds/activities/{activity_id}/polls/{poll_id}/vote/{vote_id}",
            "delete_poll_vote",
            "Remove one of the user's votes (or their answer) from an activity's poll",
            polls::delete_poll_vote,
        )
        .query(&[("user_id", ParamType::String)])
}

pub fn app(state: AppState) -> Router {
    tributary_http::app(routes().into_router(), state)
}
