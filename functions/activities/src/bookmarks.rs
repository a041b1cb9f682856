//! Bookmarks of activities, the bookmark query and bookmark folders. The rules are in
//! `tributary_v3::bookmarks`, shared with the comments family's comment bookmarks.

use axum::extract::{Path, State};
use axum::Json;
use serde::Serialize;
use tributary_domain::model::reaction::Subject;
use tributary_http::{AppState, Auth, Body, HttpResult, QueryParams};
use tributary_tasks::realtime;
use tributary_v3::bookmarks::{
    self as ops, AddBookmarkRequest, BookmarkFolderResponse, BookmarkResponse, BookmarksPage,
    DeleteBookmarkQuery, FoldersPage, QueryBookmarkFoldersRequest, QueryBookmarksRequest,
    UpdateBookmarkFolderRequest, UpdateBookmarkRequest,
};
use tributary_v3::replies::EmptyReply;

#[derive(Serialize)]
pub struct BookmarkReply {
    pub bookmark: BookmarkResponse,
}

#[derive(Serialize)]
pub struct FolderReply {
    pub bookmark_folder: BookmarkFolderResponse,
}

type Reply<T> = HttpResult<Json<T>>;

/// Queues the realtime event about a bookmark: bookmarks are private, so it reaches only the
/// bookmarking user's connections watching the activity's feeds.
async fn announce(
    s: &AppState,
    kind: &str,
    activity_id: &str,
    bookmark: &BookmarkResponse,
) -> tributary_domain::ApiResult<()> {
    if s.config.realtime_endpoint.is_none() {
        return Ok(());
    }
    let Some(a) = s.store.get_activity(activity_id).await? else {
        return Ok(());
    };
    let tasks = realtime::activity_events(kind, &a, serde_json::json!({ "bookmark": bookmark }))
        .into_iter()
        .map(|t| t.only_to(&bookmark.user.id))
        .collect();
    s.publish(tasks).await;
    Ok(())
}

pub async fn add(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Path(activity_id): Path<String>,
    Body(req): Body<AddBookmarkRequest>,
) -> Reply<BookmarkReply> {
    let b = ops::add(&s.store, &caller, Subject::Activity(&activity_id), req).await?;
    let bookmark = ops::render_one(&s.store, &b).await?;
    announce(&s, "feeds.bookmark.added", &activity_id, &bookmark).await?;
    Ok(Json(BookmarkReply { bookmark }))
}

pub async fn update(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Path(activity_id): Path<String>,
    Body(req): Body<UpdateBookmarkRequest>,
) -> Reply<BookmarkReply> {
    let b = ops::update(&s.store, &caller, Subject::Activity(&activity_id), req).await?;
    let bookmark = ops::render_one(&s.store, &b).await?;
    announce(&s, "feeds.bookmark.updated", &activity_id, &bookmark).await?;
    Ok(Json(BookmarkReply { bookmark }))
}

pub async fn delete(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Path(activity_id): Path<String>,
    QueryParams(q): QueryParams<DeleteBookmarkQuery>,
) -> Reply<BookmarkReply> {
    let b = ops::delete(&s.store, &caller, Subject::Activity(&activity_id), &q).await?;
    let bookmark = ops::render_one(&s.store, &b).await?;
    announce(&s, "feeds.bookmark.deleted", &activity_id, &bookmark).await?;
    Ok(Json(BookmarkReply { bookmark }))
}

pub async fn query(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Body(req): Body<QueryBookmarksRequest>,
) -> Reply<BookmarksPage> {
    Ok(Json(ops::query(&s.store, &caller, &req).await?))
}

pub async fn query_folders(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Body(req): Body<QueryBookmarkFoldersRequest>,
) -> Reply<FoldersPage> {
    Ok(Json(ops::query_folders(&s.store, &caller, &req).await?))
}

pub async fn update_folder(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Path(folder_id): Path<String>,
    Body(req): Body<UpdateBookmarkFolderRequest>,
) -> Reply<FolderReply> {
    let bookmark_folder = ops::update_folder(&s.store, &caller, &folder_id, &req).await?;
    Ok(Json(FolderReply { bookmark_folder }))
}

pub async fn delete_folder(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Path(folder_id): Path<String>,
) -> Reply<EmptyReply> {
    ops::delete_folder(&s.store, &caller, &folder_id).await?;
    Ok(Json(EmptyReply::default()))
}
