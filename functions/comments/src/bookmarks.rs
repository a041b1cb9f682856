//! Bookmarks of comments. The rules are in `tributary_v3::bookmarks`, shared with the
//! activities family (activity bookmarks, the bookmark query and folders).

use axum::extract::{Path, State};
use axum::Json;
use serde::Serialize;
use tributary_domain::model::reaction::Subject;
use tributary_http::{AppState, Auth, Body, HttpResult, QueryParams};
use tributary_v3::bookmarks::{
    self as ops, AddBookmarkRequest, BookmarkResponse, DeleteBookmarkQuery, UpdateBookmarkRequest,
};

#[derive(Serialize)]
pub struct BookmarkReply {
    pub bookmark: BookmarkResponse,
}

type Reply<T> = HttpResult<Json<T>>;

pub async fn add(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Path(comment_id): Path<String>,
    Body(req): Body<AddBookmarkRequest>,
) -> Reply<BookmarkReply> {
    let b = ops::add(&s.store, &caller, Subject::Comment(&comment_id), req).await?;
    let bookmark = ops::render_one(&s.store, &b).await?;
    Ok(Json(BookmarkReply { bookmark }))
}

pub async fn update(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Path(comment_id): Path<String>,
    Body(req): Body<UpdateBookmarkRequest>,
) -> Reply<BookmarkReply> {
    let b = ops::update(&s.store, &caller, Subject::Comment(&comment_id), req).await?;
    let bookmark = ops::render_one(&s.store, &b).await?;
    Ok(Json(BookmarkReply { bookmark }))
}

pub async fn delete(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Path(comment_id): Path<String>,
    QueryParams(q): QueryParams<DeleteBookmarkQuery>,
) -> Reply<BookmarkReply> {
    let b = ops::delete(&s.store, &caller, Subject::Comment(&comment_id), &q).await?;
    let bookmark = ops::render_one(&s.store, &b).await?;
    Ok(Json(BookmarkReply { bookmark }))
}
