//! Reading a comment thread: a level of it (top-level comments or one comment's replies) in
//! any of Stream's orders, with replies nested to a depth, cursors, and `id_around`.

use serde::{Deserialize, Serialize};
use tributary_domain::model::comment::Comment;
use tributary_domain::validate;
use tributary_domain::ApiError;
use tributary_domain::ApiResult;
use tributary_http::AppState;
use tributary_store::keys;
use tributary_store::threads;
use tributary_store::walk::{self, Walk};
use tributary_store::TimePartition;
use tributary_v3::responses::CommentResponse;

use crate::ops::render;

#[derive(Debug, Default, Deserialize)]
pub struct ThreadQuery {
    pub object_id: Option<String>,
    pub object_type: Option<String>,
    pub depth: Option<i64>,
    pub sort: Option<String>,
    pub replies_limit: Option<i64>,
    pub user_id: Option<String>,
    pub limit: Option<i64>,
    pub next: Option<String>,
    pub id_around: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct ThreadCursor {
    after: String,
}

pub use tributary_store::threads::{Order, RANK_WINDOW};

pub fn order(sort: Option<&str>) -> ApiResult<Order> {
    Order::parse("sort", sort, Order::Oldest)
}

#[derive(Debug, Serialize, Deserialize)]
struct RankCursor {
    offset: usize,
}

/// A page of a thread level, each comment with up to `depth - 1` levels of replies.
pub async fn thread(
    state: &AppState,
    object_type: &str,
    object_id: &str,
    parent: Option<&str>,
    q: &ThreadQuery,
) -> ApiResult<(Vec<CommentResponse>, Option<String>)> {
    let limit = validate::limit("limit", q.limit, 25, 100)?;
    let depth = validate::limit("depth", q.depth, 1, 5)?.max(1);
    let replies_limit = validate::limit("replies_limit", q.replies_limit, 3, 25)?;
    let order = order(q.sort.as_deref())?;
    let newest = order == Order::Newest;
    if !matches!(order, Order::Oldest | Order::Newest) {
        let ranked =
            threads::ranked_ids(&state.store, object_type, object_id, parent, order).await?;
        let offset = match (&q.next, &q.id_around) {
            (Some(c), _) => state.cursors.decode::<RankCursor>("next", c)?.offset,
            (None, Some(around)) => ranked
                .iter()
                .position(|id| id == around)
                .ok_or_else(|| not_on_level(around))?
                .saturating_sub(limit / 2),
            (None, None) => 0,
        };
        let end = (offset + limit).min(ranked.len());
        let page = ranked.get(offset.min(end)..end).unwrap_or_default();
        let comments = level(
            state,
            object_type,
            object_id,
            page,
            depth - 1,
            replies_limit,
            false,
        )
        .await?;
        let next = (end < ranked.len()).then(|| state.cursors.encode(&RankCursor { offset: end }));
        return Ok((comments, next));
    }
    let after = match &q.next {
        Some(c) => Some(state.cursors.decode::<ThreadCursor>("next", c)?.after),
        None => None,
    };
    let (ids, next) = match (&q.id_around, after) {
        (Some(around), None) => {
            around_in_time(state, object_type, object_id, parent, around, newest, limit).await?
        }
        (_, after) => {
            state
                .store
                .thread_page(
                    object_type,
                    object_id,
                    parent,
                    limit.max(1),
                    after.as_deref(),
                    newest,
                )
                .await?
        }
    };
    let comments = level(
        state,
        object_type,
        object_id,
        &ids,
        depth - 1,
        replies_limit,
        newest,
    )
    .await?;
    Ok((
        comments,
        next.map(|after| state.cursors.encode(&ThreadCursor { after })),
    ))
}

fn not_on_level(id: &str) -> ApiError {
    ApiError::field(
        "id_around",
        format!("id_around: comment '{id}' is not in this list of comments"),
    )
}

/// The ids of a page of one thread level with `around` in the middle (up to half the page
/// before it), and the entry to continue after.
async fn around_in_time(
    state: &AppState,
    object_type: &str,
    object_id: &str,
    parent: Option<&str>,
    around: &str,
    newest_first: bool,
    limit: usize,
) -> ApiResult<(Vec<String>, Option<String>)> {
    let pivot = state
        .store
        .get_comment(around)
        .await?
        .filter(|c| {
            c.object_type == object_type
                && c.object_id == object_id
                && c.parent_id.as_deref() == parent
        })
        .ok_or_else(|| not_on_level(around))?;
    let prefix = keys::thread_prefix(parent);
    let parts = [TimePartition::table(
        keys::comment_thread(object_type, object_id),
        &prefix,
    )];
    let pivot_at = walk::position(pivot.created_at, &pivot.id);
    let to = "~".to_string();
    let from = keys::time_part(0);
    let walk = |newest_first: bool, want: usize| Walk {
        parts: &parts,
        from: &from,
        to: &to,
        newest_first,
        types: None,
        want,
        budget: usize::MAX,
    };
    // Positions only: every entry on the level is accepted, so ids are all that is needed.
    let load = |ids: Vec<String>| async move {
        Ok::<_, ApiError>(ids.into_iter().map(|id| (id.clone(), id)).collect())
    };
    let (mut ids, _) = walk::matches(
        &state.store,
        &walk(!newest_first, limit / 2),
        Some(pivot_at.clone()),
        load,
        |_| true,
    )
    .await?;
    ids.reverse();
    let rest = limit.saturating_sub(ids.len() + 1);
    let (later, resume) = walk::matches(
        &state.store,
        &walk(newest_first, rest),
        Some(pivot_at.clone()),
        load,
        |_| true,
    )
    .await?;
    let resume = if rest == 0 { Some(pivot_at) } else { resume };
    ids.push(pivot.id);
    ids.extend(later);
    Ok((ids, resume.map(|p| format!("{prefix}{p}"))))
}

/// Loads and renders comments in order, with `depth` further levels of replies.
fn level<'a>(
    state: &'a AppState,
    object_type: &'a str,
    object_id: &'a str,
    ids: &'a [String],
    depth: usize,
    replies_limit: usize,
    newest: bool,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = ApiResult<Vec<CommentResponse>>> + Send + 'a>>
{
    Box::pin(async move {
        let found = state.store.get_comments(ids).await?;
        let list: Vec<Comment> = ids.iter().filter_map(|id| found.get(id).cloned()).collect();
        let mut out = render(state, &list).await?;
        if depth > 0 && replies_limit > 0 {
            for (rendered, c) in out.iter_mut().zip(&list) {
                if c.reply_count <= 0 {
                    rendered.replies = Some(Vec::new());
                    continue;
                }
                let (reply_ids, _) = state
                    .store
                    .thread_page(
                        object_type,
                        object_id,
                        Some(&c.id),
                        replies_limit,
                        None,
                        newest,
                    )
                    .await?;
                rendered.replies = Some(
                    level(
                        state,
                        object_type,
                        object_id,
                        &reply_ids,
                        depth - 1,
                        replies_limit,
                        newest,
                    )
                    .await?,
                );
            }
        }
        Ok(out)
    })
}
