//! Bookmarks of activities and comments, and the folders they are kept in: the rules of
//! adding, moving and removing them, their queries, and their responses. Both are private
//! to their user: a user's token acts only as that user, and queries read only the acting
//! user's own partitions.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::render::{self, Enrichment};
use crate::responses::{ActivityResponse, CommentResponse, UserDirectory, UserResponse};
use tributary_domain::access::Capability;
use tributary_domain::caller::Caller;
use tributary_domain::filter::predicate::{self, Cond, Field, Kind, Op, EQ_IN, RANGE};
use tributary_domain::ids::new_id;
use tributary_domain::model::reaction::Subject;
use tributary_domain::model::Activity;
use tributary_domain::time::{now_nanos, Nanos};
use tributary_domain::{validate, ApiError, ApiResult};
use tributary_store::keys::{self, time_part};
use tributary_store::{Bookmark, BookmarkFolder, BookmarkWrite, Store};

/// Longest folder name.
const NAME_MAX: usize = 255;
const LIMIT_DEFAULT: usize = 10;
const LIMIT_MAX: usize = 100;
/// Index reads one query makes at most while filters drop what it reads.
const CHUNKS_MAX: usize = 10;
/// Attempts when a new folder's name is taken by a concurrent request.
const NAME_ATTEMPTS: usize = 3;

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct AddFolderRequest {
    pub name: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub custom: Option<Map<String, Value>>,
}

/// `AddBookmarkRequest` / `AddCommentBookmarkRequest`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct AddBookmarkRequest {
    pub folder_id: Option<String>,
    pub user_id: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub custom: Option<Map<String, Value>>,
    pub new_folder: Option<AddFolderRequest>,
    #[schema(value_type = Option<Object>)]
    pub user: Option<Value>,
}

/// `UpdateBookmarkRequest` / `UpdateCommentBookmarkRequest`.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct UpdateBookmarkRequest {
    /// The folder the bookmark is in now, if the caller names it.
    pub folder_id: Option<String>,
    pub new_folder_id: Option<String>,
    pub user_id: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub custom: Option<Map<String, Value>>,
    pub new_folder: Option<AddFolderRequest>,
    #[schema(value_type = Option<Object>)]
    pub user: Option<Value>,
}

#[derive(Debug, Default, Deserialize)]
pub struct DeleteBookmarkQuery {
    pub folder_id: Option<String>,
    pub user_id: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct BookmarkSortParam {
    pub field: Option<String>,
    pub direction: Option<i64>,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct QueryBookmarksRequest {
    pub enrich_own_fields: Option<bool>,
    pub limit: Option<i64>,
    pub next: Option<String>,
    pub prev: Option<String>,
    pub user_id: Option<String>,
    pub sort: Option<Vec<BookmarkSortParam>>,
    #[schema(value_type = Option<Object>)]
    pub filter: Option<Value>,
    #[schema(value_type = Option<Object>)]
    pub user: Option<Value>,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct QueryBookmarkFoldersRequest {
    pub limit: Option<i64>,
    pub next: Option<String>,
    pub prev: Option<String>,
    pub user_id: Option<String>,
    pub sort: Option<Vec<BookmarkSortParam>>,
    #[schema(value_type = Option<Object>)]
    pub filter: Option<Value>,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct UpdateBookmarkFolderRequest {
    pub name: Option<String>,
    pub user_id: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub custom: Option<Map<String, Value>>,
    #[schema(value_type = Option<Object>)]
    pub user: Option<Value>,
}

#[derive(Clone, Debug, Serialize)]
pub struct BookmarkFolderResponse {
    pub id: String,
    pub name: String,
    pub custom: Map<String, Value>,
    pub user: UserResponse,
    pub created_at: Nanos,
    pub updated_at: Nanos,
}

impl BookmarkFolderResponse {
    pub fn render(f: &BookmarkFolder, users: &UserDirectory) -> Self {
        BookmarkFolderResponse {
            id: f.id.clone(),
            name: f.name.clone(),
            custom: f.custom.clone(),
            user: users.get(&f.user_id),
            created_at: f.created_at,
            updated_at: f.updated_at,
        }
    }
}

#[serde_with::skip_serializing_none]
#[derive(Clone, Debug, Serialize)]
pub struct BookmarkResponse {
    pub object_id: String,
    pub object_type: String,
    pub activity_id: String,
    pub activity: ActivityResponse,
    pub comment: Option<CommentResponse>,
    pub folder: Option<BookmarkFolderResponse>,
    pub custom: Map<String, Value>,
    pub user: UserResponse,
    pub created_at: Nanos,
    pub updated_at: Nanos,
}

impl BookmarkResponse {
    pub fn render(
        b: &Bookmark,
        activity: ActivityResponse,
        comment: Option<CommentResponse>,
        folder: Option<&BookmarkFolder>,
        users: &UserDirectory,
    ) -> Self {
        BookmarkResponse {
            object_id: b.object_id.clone(),
            object_type: b.object_type.clone(),
            activity_id: b.activity_id.clone(),
            activity,
            comment,
            folder: folder.map(|f| BookmarkFolderResponse::render(f, users)),
            custom: b.custom.clone(),
            user: users.get(&b.user_id),
            created_at: b.created_at,
            updated_at: b.updated_at,
        }
    }
}

/// The keys of `reader`'s bookmarks of those of `list` that anyone bookmarked.
pub fn own_keys(list: &[Activity], reader: &str) -> Vec<keys::Key> {
    list.iter()
        .filter(|a| a.bookmark_count > 0)
        .map(|a| keys::bookmark(reader, &keys::bookmark_object(Subject::Activity(&a.id))))
        .collect()
}

/// Renders bookmarks in order, in batched reads: their activities, comments and folders at
/// once, then the users they name. Bookmarks whose activity is gone are left out.
pub async fn render_list(
    store: &Store,
    list: &[Bookmark],
    reader: Option<&str>,
) -> ApiResult<Vec<BookmarkResponse>> {
    let activity_ids: Vec<String> = unique(list.iter().map(|b| b.activity_id.clone()));
    let comment_ids: Vec<String> = unique(
        list.iter()
            .filter(|b| b.object_type == "comment")
            .map(|b| b.object_id.clone()),
    );
    let folder_ids: Vec<String> = unique(list.iter().filter_map(|b| b.folder_id.clone()));
    let (activities, comments, folders) = tokio::try_join!(
        store.get_activities(&activity_ids),
        store.get_comments(&comment_ids),
        store.get_bookmark_folders(folder_ids),
    )?;
    let ordered: Vec<Activity> = activity_ids
        .iter()
        .filter_map(|id| activities.get(id).cloned())
        .collect();
    let extra: Vec<&str> = list
        .iter()
        .map(|b| b.user_id.as_str())
        .chain(comments.values().flat_map(|c| c.user_ids()))
        .collect();
    let (rendered, users) =
        render::activities_with_users(store, &ordered, &extra, reader, Enrichment::default())
            .await?;
    let by_id: HashMap<&str, ActivityResponse> = ordered
        .iter()
        .map(|a| a.id.as_str())
        .zip(rendered)
        .collect();
    let folders: HashMap<&str, &BookmarkFolder> =
        folders.iter().map(|f| (f.id.as_str(), f)).collect();
    Ok(list
        .iter()
        .filter_map(|b| {
            let activity = by_id.get(b.activity_id.as_str())?.clone();
            let comment = (b.object_type == "comment")
                .then(|| comments.get(&b.object_id))
                .flatten()
                .map(|c| CommentResponse::render(c, &users));
            let folder = b.folder_id.as_deref().and_then(|f| folders.get(f).copied());
            Some(BookmarkResponse::render(
                b, activity, comment, folder, &users,
            ))
        })
        .collect())
}

/// The folders `bookmarks` are filed in, by id (no read when none is).
pub async fn folders_of(
    store: &Store,
    bookmarks: &[Bookmark],
) -> ApiResult<HashMap<String, BookmarkFolder>> {
    let ids = unique(bookmarks.iter().filter_map(|b| b.folder_id.clone()));
    Ok(store
        .get_bookmark_folders(ids)
        .await?
        .into_iter()
        .map(|f| (f.id.clone(), f))
        .collect())
}

/// The `own_bookmarks` of a rendered activity, from the reader's bookmarks of the page.
pub fn own_of(
    activity: &ActivityResponse,
    bookmarks: &[Bookmark],
    folders: &HashMap<String, BookmarkFolder>,
    users: &UserDirectory,
) -> Vec<Value> {
    bookmarks
        .iter()
        .filter(|b| b.object_type == "activity" && b.object_id == activity.id)
        .map(|b| {
            let folder = b.folder_id.as_ref().and_then(|f| folders.get(f));
            let r = BookmarkResponse::render(b, activity.clone(), None, folder, users);
            serde_json::to_value(r).unwrap_or(Value::Null)
        })
        .collect()
}

fn unique(ids: impl Iterator<Item = String>) -> Vec<String> {
    let mut seen = HashSet::new();
    ids.filter(|id| seen.insert(id.clone())).collect()
}

/// One bookmark rendered for its owner.
pub async fn render_one(store: &Store, b: &Bookmark) -> ApiResult<BookmarkResponse> {
    render_list(store, std::slice::from_ref(b), Some(&b.user_id))
        .await?
        .pop()
        .ok_or_else(|| ApiError::not_found(format!("activity '{}' does not exist", b.activity_id)))
}

fn subject_name(subject: Subject<'_>) -> (&'static str, &str) {
    match subject {
        Subject::Activity(id) => ("activity", id),
        Subject::Comment(id) => ("comment", id),
    }
}

/// The activity a bookmark of `subject` belongs to, unless the subject is gone.
async fn live_activity(store: &Store, subject: Subject<'_>) -> ApiResult<Activity> {
    let (what, id) = subject_name(subject);
    validate::id(&format!("{what}_id"), id)?;
    let gone = || ApiError::not_found(format!("{what} '{id}' does not exist"));
    let activity_id = match subject {
        Subject::Activity(id) => id.to_string(),
        Subject::Comment(id) => {
            let c = store
                .get_comment(id)
                .await?
                .filter(|c| c.deleted_at.is_none())
                .ok_or_else(gone)?;
            if c.object_type != "activity" {
                return Err(ApiError::field(
                    "comment_id",
                    format!("comment '{id}' is not on an activity"),
                ));
            }
            c.object_id
        }
    };
    store
        .get_activity(&activity_id)
        .await?
        .filter(|a| a.deleted_at.is_none())
        .ok_or_else(gone)
}

fn folder_name(raw: Option<&str>, field: &str) -> ApiResult<String> {
    let name = raw
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| ApiError::field(field, format!("{field} is a required field")))?;
    if name.chars().count() > NAME_MAX {
        return Err(ApiError::field(
            field,
            format!("{field} is longer than {NAME_MAX} characters"),
        ));
    }
    Ok(name.to_string())
}

/// A folder named by id, which must be the user's.
async fn own_folder(store: &Store, user: &str, id: &str, field: &str) -> ApiResult<BookmarkFolder> {
    validate::id(field, id)?;
    let f = store
        .get_bookmark_folder(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("bookmark folder '{id}' does not exist")))?;
    if f.user_id != user {
        return Err(ApiError::not_allowed(format!(
            "bookmark folder '{id}' is not a folder of user '{user}'"
        )));
    }
    Ok(f)
}

/// Where a bookmark goes: an existing folder of the user (by id, or by the name of a
/// `new_folder` the user already has), or a new folder written with the bookmark.
async fn destination(
    store: &Store,
    user: &str,
    folder_id: Option<&str>,
    new_folder: Option<&AddFolderRequest>,
    id_field: &str,
) -> ApiResult<Option<(String, Option<BookmarkFolder>)>> {
    match (folder_id.filter(|f| !f.is_empty()), new_folder) {
        (Some(_), Some(_)) => Err(ApiError::field(
            id_field,
            format!("{id_field} and new_folder cannot both be given"),
        )),
        (Some(id), None) => Ok(Some((
            own_folder(store, user, id, id_field).await?.id,
            None,
        ))),
        (None, Some(nf)) => {
            let name = folder_name(nf.name.as_deref(), "new_folder.name")?;
            validate::document("new_folder.custom", &json!(nf.custom))?;
            if let Some(id) = store.bookmark_folder_named(user, &name).await? {
                return Ok(Some((id, None)));
            }
            let now = now_nanos();
            let f = BookmarkFolder {
                id: new_id(),
                user_id: user.to_string(),
                name,
                custom: nf.custom.clone().unwrap_or_default(),
                created_at: now,
                updated_at: now,
            };
            Ok(Some((f.id.clone(), Some(f))))
        }
        (None, None) => Ok(None),
    }
}

fn folder_gone(id: Option<&str>) -> ApiError {
    ApiError::not_found(format!(
        "bookmark folder '{}' does not exist",
        id.unwrap_or_default()
    ))
}

/// Bookmarks an activity or a comment for the acting user.
pub async fn add(
    store: &Store,
    caller: &Caller,
    subject: Subject<'_>,
    req: AddBookmarkRequest,
) -> ApiResult<Bookmark> {
    let user = caller.require_user(req.user_id.as_deref())?;
    if let Some(c) = &req.custom {
        validate::document("custom", &json!(c))?;
    }
    let activity = live_activity(store, subject).await?;
    if !caller.is_server() {
        store
            .require_on_activity(caller, &activity, Capability::AddActivityBookmark)
            .await?;
    }
    let (what, id) = subject_name(subject);
    for _ in 0..NAME_ATTEMPTS {
        let place = destination(
            store,
            &user,
            req.folder_id.as_deref(),
            req.new_folder.as_ref(),
            "folder_id",
        )
        .await?;
        let now = now_nanos();
        let b = Bookmark {
            user_id: user.clone(),
            object_type: what.to_string(),
            object_id: id.to_string(),
            activity_id: activity.id.clone(),
            folder_id: place.as_ref().map(|(id, _)| id.clone()),
            custom: req.custom.clone().unwrap_or_default(),
            created_at: now,
            updated_at: now,
        };
        let new_folder = place.as_ref().and_then(|(_, f)| f.as_ref());
        match store.add_bookmark(&b, new_folder).await? {
            BookmarkWrite::Done => return Ok(b),
            BookmarkWrite::NameTaken => continue,
            BookmarkWrite::Conflict => {
                return Err(ApiError::field(
                    format!("{what}_id"),
                    format!("user '{user}' already bookmarked {what} '{id}'"),
                ))
            }
            BookmarkWrite::SubjectGone => {
                return Err(ApiError::not_found(format!("{what} '{id}' does not exist")))
            }
            BookmarkWrite::FolderGone => return Err(folder_gone(b.folder_id.as_deref())),
        }
    }
    Err(ApiError::internal_msg(
        "the new folder's name kept being taken while bookmarking",
    ))
}

/// The acting user's bookmark of `subject`, in `folder_id` when one is named.
async fn existing(
    store: &Store,
    user: &str,
    subject: Subject<'_>,
    folder_id: Option<&str>,
) -> ApiResult<Bookmark> {
    let (what, id) = subject_name(subject);
    validate::id(&format!("{what}_id"), id)?;
    let b = store.get_bookmark(user, subject).await?.ok_or_else(|| {
        ApiError::not_found(format!("user '{user}' has no bookmark of {what} '{id}'"))
    })?;
    if let Some(f) = folder_id.filter(|f| !f.is_empty()) {
        if b.folder_id.as_deref() != Some(f) {
            return Err(ApiError::not_found(format!(
                "user '{user}' has no bookmark of {what} '{id}' in folder '{f}'"
            )));
        }
    }
    Ok(b)
}

/// Changes a bookmark's custom data or moves it to another folder.
pub async fn update(
    store: &Store,
    caller: &Caller,
    subject: Subject<'_>,
    req: UpdateBookmarkRequest,
) -> ApiResult<Bookmark> {
    let user = caller.require_user(req.user_id.as_deref())?;
    if let Some(c) = &req.custom {
        validate::document("custom", &json!(c))?;
    }
    for _ in 0..NAME_ATTEMPTS {
        let old = existing(store, &user, subject, req.folder_id.as_deref()).await?;
        let place = destination(
            store,
            &user,
            req.new_folder_id.as_deref(),
            req.new_folder.as_ref(),
            "new_folder_id",
        )
        .await?;
        let mut b = old.clone();
        if let Some((id, _)) = &place {
            b.folder_id = Some(id.clone());
        }
        if let Some(c) = &req.custom {
            b.custom = c.clone();
        }
        b.updated_at = now_nanos();
        let new_folder = place.as_ref().and_then(|(_, f)| f.as_ref());
        match store.replace_bookmark(&b, new_folder).await? {
            BookmarkWrite::Done => return Ok(b),
            BookmarkWrite::NameTaken => continue,
            BookmarkWrite::FolderGone => return Err(folder_gone(b.folder_id.as_deref())),
            BookmarkWrite::Conflict | BookmarkWrite::SubjectGone => {
                let (what, id) = subject_name(subject);
                return Err(ApiError::not_found(format!(
                    "user '{user}' has no bookmark of {what} '{id}'"
                )));
            }
        }
    }
    Err(ApiError::internal_msg(
        "the new folder's name kept being taken while moving a bookmark",
    ))
}

/// Removes the acting user's bookmark of `subject`.
pub async fn delete(
    store: &Store,
    caller: &Caller,
    subject: Subject<'_>,
    q: &DeleteBookmarkQuery,
) -> ApiResult<Bookmark> {
    let user = caller.require_user(q.user_id.as_deref())?;
    let b = existing(store, &user, subject, q.folder_id.as_deref()).await?;
    if !store.remove_bookmark(&b).await? {
        let (what, id) = subject_name(subject);
        return Err(ApiError::not_found(format!(
            "user '{user}' has no bookmark of {what} '{id}'"
        )));
    }
    Ok(b)
}

// ---- queries ----------------------------------------------------------------------------

fn bookmark_field(name: &str) -> Option<Field> {
    let (name, kind, ops): (&'static str, Kind, &'static [Op]) = match name {
        "user_id" => ("user_id", Kind::Plain, EQ_IN),
        "folder_id" => ("folder_id", Kind::Plain, &[Op::Eq, Op::In, Op::Exists]),
        "object_type" => ("object_type", Kind::Plain, EQ_IN),
        "object_id" => ("object_id", Kind::Plain, EQ_IN),
        "activity_id" => ("activity_id", Kind::Plain, EQ_IN),
        "created_at" => ("created_at", Kind::Time, RANGE),
        "updated_at" => ("updated_at", Kind::Time, RANGE),
        _ => return None,
    };
    Some(Field { name, kind, ops })
}

fn folder_field(name: &str) -> Option<Field> {
    let (name, kind, ops): (&'static str, Kind, &'static [Op]) = match name {
        "user_id" => ("user_id", Kind::Plain, EQ_IN),
        "id" => ("id", Kind::Plain, EQ_IN),
        "folder_name" | "name" => ("name", Kind::Plain, EQ_IN),
        "created_at" => ("created_at", Kind::Time, RANGE),
        "updated_at" => ("updated_at", Kind::Time, RANGE),
        _ => return None,
    };
    Some(Field { name, kind, ops })
}

/// One value a filter pins a field to, if it pins it (a list of several is refused).
fn pinned_one(cond: &Cond, field: &str) -> ApiResult<Option<String>> {
    match predicate::pinned(cond, field) {
        None => Ok(None),
        Some(v) if v.len() == 1 => Ok(v.into_iter().next()),
        Some(_) => Err(ApiError::field(
            "filter",
            format!("filter.{field}: exactly one value is supported"),
        )),
    }
}

fn newest_first(sort: Option<&[BookmarkSortParam]>) -> ApiResult<bool> {
    match sort {
        None | Some([]) => Ok(true),
        Some([one]) => {
            let field = one.field.as_deref().unwrap_or("created_at");
            if field != "created_at" {
                return Err(ApiError::field(
                    "sort",
                    format!("sort: '{field}' is not one of created_at"),
                ));
            }
            Ok(one.direction.unwrap_or(-1) < 0)
        }
        Some(_) => Err(ApiError::field("sort", "sort takes one field")),
    }
}

fn cursor(raw: Option<&str>, field: &str) -> ApiResult<Option<String>> {
    let Some(c) = raw.filter(|c| !c.is_empty()) else {
        return Ok(None);
    };
    let valid =
        c.len() > 21 && c.as_bytes()[20] == b'#' && c[..20].bytes().all(|b| b.is_ascii_digit());
    if !valid {
        return Err(ApiError::field(
            field,
            format!("{field} is not a valid cursor"),
        ));
    }
    Ok(Some(c.to_string()))
}

/// A page of positioned records: what to read next, chunk by chunk.
struct Walk {
    newest_first: bool,
    /// Inclusive bounds on positions from the filter's time range.
    low: Option<String>,
    high: Option<String>,
    /// The cursor: positions at or beyond it in the walk's direction are skipped.
    edge: Option<String>,
    limit: usize,
}

impl Walk {
    fn new(
        newest_first: bool,
        range: (Option<Nanos>, Option<Nanos>),
        next: Option<String>,
        prev: Option<String>,
        limit: usize,
    ) -> ApiResult<(Walk, bool)> {
        if next.is_some() && prev.is_some() {
            return Err(ApiError::field(
                "next",
                "next and prev cannot both be given",
            ));
        }
        let backwards = prev.is_some();
        let (from, to) = range;
        Ok((
            Walk {
                // Going back to the previous page reads in the opposite order.
                newest_first: newest_first != backwards,
                low: from.map(time_part),
                // Positions at `to` sort after `time_part(to)`: an inclusive bound there
                // is the exclusive `< to` of the filter.
                high: to.map(time_part),
                edge: next.or(prev),
                limit,
            },
            backwards,
        ))
    }

    /// The bounds of the next chunk.
    fn bounds(&self) -> (Option<String>, Option<String>) {
        let tighter = |a: &Option<String>, b: &Option<String>, max: bool| match (a, b) {
            (Some(x), Some(y)) => Some(if (x > y) == max { x.clone() } else { y.clone() }),
            (x, y) => x.clone().or_else(|| y.clone()),
        };
        if self.newest_first {
            (self.low.clone(), tighter(&self.high, &self.edge, false))
        } else {
            (tighter(&self.low, &self.edge, true), self.high.clone())
        }
    }

    /// Reads chunks until `limit + 1` records match (so the walk knows more follow), the
    /// positions run out, or the chunk budget is spent. Returns the matches (in walk
    /// order) and whether more may follow.
    async fn run<T, F, Fut>(
        &mut self,
        position: impl Fn(&T) -> String,
        keep: impl Fn(&T) -> bool,
        mut chunk: F,
    ) -> ApiResult<(Vec<T>, bool)>
    where
        F: FnMut((Option<String>, Option<String>), usize) -> Fut,
        Fut: std::future::Future<Output = ApiResult<(Vec<T>, bool)>>,
    {
        let mut out = Vec::new();
        for _ in 0..CHUNKS_MAX {
            let (items, more) = chunk(self.bounds(), (self.limit + 2).min(LIMIT_MAX + 2)).await?;
            let mut last = None;
            for item in items {
                let p = position(&item);
                if self.edge.as_deref() == Some(p.as_str()) {
                    continue;
                }
                last = Some(p);
                if keep(&item) {
                    out.push(item);
                }
            }
            if out.len() > self.limit {
                out.truncate(self.limit);
                return Ok((out, true));
            }
            match last {
                Some(p) if more => self.edge = Some(p),
                _ => return Ok((out, false)),
            }
        }
        // The budget ran out: more may follow, from where the walk stopped.
        Ok((out, true))
    }
}

/// The page's cursors: `next` and `prev` after the walk, in the page's order.
fn cursors(
    positions: &[String],
    backwards: bool,
    came_from_cursor: bool,
    more: bool,
) -> (Option<String>, Option<String>) {
    let (first, last) = (positions.first().cloned(), positions.last().cloned());
    if backwards {
        (last.filter(|_| came_from_cursor), first.filter(|_| more))
    } else {
        (last.filter(|_| more), first.filter(|_| came_from_cursor))
    }
}

#[derive(Debug, Serialize)]
pub struct BookmarksPage {
    pub bookmarks: Vec<BookmarkResponse>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prev: Option<String>,
}

fn bookmark_value(b: &Bookmark, field: &str) -> Option<Value> {
    Some(match field {
        "user_id" => json!(b.user_id),
        "folder_id" => json!(b.folder_id.as_ref()?),
        "object_type" => json!(b.object_type),
        "object_id" => json!(b.object_id),
        "activity_id" => json!(b.activity_id),
        "created_at" => json!(b.created_at),
        "updated_at" => json!(b.updated_at),
        _ => return None,
    })
}

/// `query_bookmarks`: the acting user's bookmarks (a server names the user in the filter or
/// the body), filtered, newest or oldest first, in pages.
pub async fn query(
    store: &Store,
    caller: &Caller,
    req: &QueryBookmarksRequest,
) -> ApiResult<BookmarksPage> {
    let cond = predicate::parse(req.filter.as_ref(), &bookmark_field)?;
    let named = pinned_one(&cond, "user_id")?;
    if let (Some(a), Some(b)) = (&named, &req.user_id) {
        if a != b {
            return Err(ApiError::field(
                "filter",
                "filter.user_id and user_id name different users",
            ));
        }
    }
    let user = caller.require_user(named.as_deref().or(req.user_id.as_deref()))?;
    let folder = pinned_one(&cond, "folder_id")?;
    let limit = validate::limit("limit", req.limit, LIMIT_DEFAULT, LIMIT_MAX)?;
    let (mut walk, backwards) = Walk::new(
        newest_first(req.sort.as_deref())?,
        predicate::time_range(&cond, "created_at"),
        cursor(req.next.as_deref(), "next")?,
        cursor(req.prev.as_deref(), "prev")?,
        limit,
    )?;
    let came_from_cursor = walk.edge.is_some();
    let newest = walk.newest_first;
    let (mut list, more) = walk
        .run(
            Bookmark::position,
            |b: &Bookmark| b.user_id == user && cond.matches(&|f| bookmark_value(b, f)),
            |bounds, n| store.bookmark_chunk(folder.as_deref(), &user, newest, bounds, n),
        )
        .await?;
    if backwards {
        list.reverse();
    }
    let positions: Vec<String> = list.iter().map(Bookmark::position).collect();
    let (next, prev) = cursors(&positions, backwards, came_from_cursor, more);
    let reader = (req.enrich_own_fields != Some(false)).then_some(user.as_str());
    Ok(BookmarksPage {
        bookmarks: render_list(store, &list, reader).await?,
        next,
        prev,
    })
}

#[derive(Debug, Serialize)]
pub struct FoldersPage {
    pub bookmark_folders: Vec<BookmarkFolderResponse>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prev: Option<String>,
}

fn folder_value(f: &BookmarkFolder, field: &str) -> Option<Value> {
    Some(match field {
        "user_id" => json!(f.user_id),
        "id" => json!(f.id),
        "name" => json!(f.name),
        "created_at" => json!(f.created_at),
        "updated_at" => json!(f.updated_at),
        _ => return None,
    })
}

/// `query_bookmark_folders`: the acting user's folders.
pub async fn query_folders(
    store: &Store,
    caller: &Caller,
    req: &QueryBookmarkFoldersRequest,
) -> ApiResult<FoldersPage> {
    let cond = predicate::parse(req.filter.as_ref(), &folder_field)?;
    let named = pinned_one(&cond, "user_id")?;
    let user = caller.require_user(named.as_deref().or(req.user_id.as_deref()))?;
    let limit = validate::limit("limit", req.limit, LIMIT_DEFAULT, LIMIT_MAX)?;
    let (mut walk, backwards) = Walk::new(
        newest_first(req.sort.as_deref())?,
        predicate::time_range(&cond, "created_at"),
        cursor(req.next.as_deref(), "next")?,
        cursor(req.prev.as_deref(), "prev")?,
        limit,
    )?;
    let came_from_cursor = walk.edge.is_some();
    let newest = walk.newest_first;
    let (mut list, more) = walk
        .run(
            BookmarkFolder::position,
            |f: &BookmarkFolder| cond.matches(&|name| folder_value(f, name)),
            |bounds, n| store.bookmark_folder_chunk(&user, newest, bounds, n),
        )
        .await?;
    if backwards {
        list.reverse();
    }
    let positions: Vec<String> = list.iter().map(BookmarkFolder::position).collect();
    let (next, prev) = cursors(&positions, backwards, came_from_cursor, more);
    let users = UserDirectory(store.get_users([user.as_str()]).await?);
    Ok(FoldersPage {
        bookmark_folders: list
            .iter()
            .map(|f| BookmarkFolderResponse::render(f, &users))
            .collect(),
        next,
        prev,
    })
}

/// A folder the caller may change: their own (a server's, any; a server naming a user, that
/// user's).
async fn changeable_folder(
    store: &Store,
    caller: &Caller,
    id: &str,
    user_id: Option<&str>,
) -> ApiResult<BookmarkFolder> {
    validate::id("folder_id", id)?;
    let acting = caller.acting_user(user_id)?;
    let f = store
        .get_bookmark_folder(id)
        .await?
        .ok_or_else(|| folder_gone(Some(id)))?;
    if let Some(u) = acting {
        if u != f.user_id {
            return Err(ApiError::not_allowed(format!(
                "bookmark folder '{id}' is not a folder of user '{u}'"
            )));
        }
    }
    Ok(f)
}

/// Renames a folder or changes its custom data.
pub async fn update_folder(
    store: &Store,
    caller: &Caller,
    id: &str,
    req: &UpdateBookmarkFolderRequest,
) -> ApiResult<BookmarkFolderResponse> {
    let name = req
        .name
        .as_deref()
        .map(|n| folder_name(Some(n), "name"))
        .transpose()?;
    if let Some(c) = &req.custom {
        validate::document("custom", &json!(c))?;
    }
    let old = changeable_folder(store, caller, id, req.user_id.as_deref()).await?;
    let mut f = old.clone();
    if let Some(n) = name {
        f.name = n;
    }
    if let Some(c) = &req.custom {
        f.custom = c.clone();
    }
    f.updated_at = now_nanos();
    if !store.update_bookmark_folder(&old, &f).await? {
        if store.get_bookmark_folder(id).await?.is_none() {
            return Err(folder_gone(Some(id)));
        }
        return Err(ApiError::field(
            "name",
            format!(
                "user '{}' already has a bookmark folder named '{}'",
                f.user_id, f.name
            ),
        ));
    }
    let users = UserDirectory(store.get_users([f.user_id.as_str()]).await?);
    Ok(BookmarkFolderResponse::render(&f, &users))
}

/// Deletes a folder with the bookmarks in it.
pub async fn delete_folder(store: &Store, caller: &Caller, id: &str) -> ApiResult<()> {
    let f = changeable_folder(store, caller, id, None).await?;
    caller.may_modify(&f.user_id)?;
    // Oldest first from a cursor, so entries the index still shows after their removal are
    // passed over, not read again.
    let mut after: Option<String> = None;
    loop {
        let (list, more) = store
            .bookmark_chunk(
                Some(&f.id),
                &f.user_id,
                false,
                (after.clone(), None),
                LIMIT_MAX,
            )
            .await?;
        let list: Vec<&Bookmark> = list
            .iter()
            .filter(|b| after.as_deref() != Some(b.position().as_str()))
            .collect();
        for b in list
            .iter()
            .filter(|b| b.folder_id.as_deref() == Some(&f.id))
        {
            store.remove_bookmark(b).await?;
        }
        match list.last() {
            Some(b) if more => after = Some(b.position()),
            _ => break,
        }
    }
    store.delete_bookmark_folder(&f).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_follow_the_walk() {
        let p = vec!["a".to_string(), "b".to_string()];
        assert_eq!(cursors(&p, false, false, true), (Some("b".into()), None));
        assert_eq!(cursors(&p, false, true, false), (None, Some("a".into())));
        assert_eq!(
            cursors(&p, true, true, true),
            (Some("b".into()), Some("a".into()))
        );
    }

    #[test]
    fn cursors_are_positions() {
        assert!(cursor(Some("garbage"), "next").is_err());
        let good = format!("{}#a:x", time_part(5));
        assert_eq!(cursor(Some(&good), "next").unwrap(), Some(good));
        assert_eq!(cursor(None, "next").unwrap(), None);
    }

    #[test]
    fn walks_bound_by_edge_and_range() {
        let five = format!("{}#a:x", time_part(5));
        let (w, back) = Walk::new(true, (Some(1), Some(9)), Some(five.clone()), None, 10).unwrap();
        assert!(!back);
        assert_eq!(w.bounds(), (Some(time_part(1)), Some(five.clone())));
        let (w, back) = Walk::new(true, (Some(1), Some(3)), Some(five.clone()), None, 10).unwrap();
        assert!(!back);
        assert_eq!(w.bounds(), (Some(time_part(1)), Some(time_part(3))));
        let (w, back) = Walk::new(true, (None, None), None, Some(five.clone()), 10).unwrap();
        assert!(back);
        assert_eq!(w.bounds(), (Some(five), None));
    }
}
