//! The activities family: `/api/v2/feeds/activities...`.
//!
//! Handlers (in `handlers.rs`) parse and authenticate; the operations (in `ops.rs`) hold the
//! rules; storage is `tributary_store`.

mod bookmarks;
mod handlers;
mod metrics;
mod ops;
mod query;
mod requests;
mod shares;
mod update;

use axum::Router;
use tributary_http::{AppState, ParamType, Routes};

/// The family's routes; the API description (`openapi/tributary.json`) is built from them.
pub fn routes() -> Routes {
    Routes::new("activities")
        .post(
            "/api/v2/feeds/activities",
            "add_activity",
            "Add an activity to one or more feeds",
            handlers::add_activity,
        )
        .body::<tributary_v3::requests::ActivityFields>()
        .post(
            "/api/v2/feeds/activities/batch",
            "upsert_activities",
            "Add or replace several activities at once",
            handlers::upsert_activities,
        )
        .body::<requests::UpsertActivitiesRequest>()
        .patch(
            "/api/v2/feeds/activities/batch/partial",
            "update_activities_partial_batch",
            "Set and unset fields of several activities",
            handlers::update_activities_partial_batch,
        )
        .body::<requests::PartialBatchRequest>()
        .post(
            "/api/v2/feeds/activities/query",
            "query_activities",
            "Search activities by filter, with sorting and cursors",
            handlers::query_activities,
        )
        .body::<query::QueryActivitiesRequest>()
        .post(
            "/api/v2/feeds/activities/delete",
            "delete_activities",
            "Remove several activities by id (soft or hard)",
            handlers::delete_activities,
        )
        .body::<requests::DeleteActivitiesRequest>()
        .post(
            "/api/v2/feeds/activities/metrics/track",
            "track_activity_metrics",
            "Count views, clicks and impressions of activities, within per-user hourly limits",
            metrics::track,
        )
        .body::<metrics::TrackActivityMetricsRequest>()
        .get(
            "/api/v2/feeds/activities/{id}",
            "get_activity",
            "Read one activity, with its reactions and first comments",
            handlers::get_activity,
        )
        .query(&[
            ("user_id", ParamType::String),
            ("comment_limit", ParamType::Integer),
            ("comment_sort", ParamType::String),
        ])
        .put(
            "/api/v2/feeds/activities/{id}",
            "update_activity",
            "Replace an activity's editable fields",
            handlers::update_activity,
        )
        .body::<tributary_v3::requests::ActivityFields>()
        .patch(
            "/api/v2/feeds/activities/{id}",
            "update_activity_partial",
            "Set and unset some fields of an activity",
            handlers::update_activity_partial,
        )
        .body::<requests::PartialUpdateRequest>()
        .delete(
            "/api/v2/feeds/activities/{id}",
            "delete_activity",
            "Remove an activity (soft by default, hard on request)",
            handlers::delete_activity,
        )
        .query(&[
            ("hard_delete", ParamType::Boolean),
            ("user_id", ParamType::String),
        ])
        .post(
            "/api/v2/feeds/activities/{id}/restore",
            "restore_activity",
            "Bring back a soft-deleted activity",
            handlers::restore_activity,
        )
        .body::<requests::RestoreRequest>()
        .get(
            "/api/v2/feeds/activities/{id}/shares",
            "query_activity_shares",
            "The activities that share an activity, newest first, with cursors",
            shares::query,
        )
        .query(&[
            ("limit", ParamType::Integer),
            ("next", ParamType::String),
            ("prev", ParamType::String),
        ])
        .post(
            "/api/v2/feeds/activities/{id}/feedback",
            "activity_feedback",
            "Record a user's feedback on an activity (hide, show more or less)",
            handlers::activity_feedback,
        )
        .body::<handlers::FeedbackRequest>()
        .post(
            "/api/v2/feeds/activities/{id}/bookmarks",
            "add_bookmark",
            "Bookmark an activity, in a folder of one's own if wished",
            bookmarks::add,
        )
        .body::<tributary_v3::bookmarks::AddBookmarkRequest>()
        .patch(
            "/api/v2/feeds/activities/{id}/bookmarks",
            "update_bookmark",
            "Change a bookmark's custom data or move it to another folder",
            bookmarks::update,
        )
        .body::<tributary_v3::bookmarks::UpdateBookmarkRequest>()
        .delete(
            "/api/v2/feeds/activities/{id}/bookmarks",
            "delete_bookmark",
            "Remove one's bookmark of an activity",
            bookmarks::delete,
        )
        .query(&[
            ("folder_id", ParamType::String),
            ("user_id", ParamType::String),
        ])
        .post(
            "/api/v2/feeds/bookmarks/query",
            "query_bookmarks",
            "List one's bookmarks by filter, newest or oldest first, with cursors",
            bookmarks::query,
        )
        .body::<tributary_v3::bookmarks::QueryBookmarksRequest>()
        .post(
            "/api/v2/feeds/bookmark_folders/query",
            "query_bookmark_folders",
            "List one's bookmark folders, with cursors",
            bookmarks::query_folders,
        )
        .body::<tributary_v3::bookmarks::QueryBookmarkFoldersRequest>()
        .patch(
            "/api/v2/feeds/bookmark_folders/{folder_id}",
            "update_bookmark_folder",
            "Rename a bookmark folder or change its custom data",
            bookmarks::update_folder,
        )
        .body::<tributary_v3::bookmarks::UpdateBookmarkFolderRequest>()
        .delete(
            "/api/v2/feeds/bookmark_folders/{folder_id}",
            "delete_bookmark_folder",
            "Delete a bookmark folder and the bookmarks in it",
            bookmarks::delete_folder,
        )
}

/// The family's routes with the shared layers, ready to serve.
pub fn app(state: AppState) -> Router {
    tributary_http::app(routes().into_router(), state)
}
