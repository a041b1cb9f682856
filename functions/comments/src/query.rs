//! `query_comments`: comments matching a filter, in one of the thread orders, with cursors.
//!
//! The filter must name where to look, and that is what is read:
//! - `id` (`$eq`/`$in`): the comments themselves;
//! - `parent_id`: the parents' reply lists (their thread entries);
//! - `object_id` (with `object_type`, default `activity`): every comment on the objects,
//!   replies included, by time (gsi2);
//! - `user_id`: the users' comments by time (gsi1).
//!
//! Other conditions are checked on the fetched comments. Ranked orders (top, best,
//! controversial) rank the newest [`thread::RANK_WINDOW`] matches.

use serde::Deserialize;
use serde_json::{json, Value};
use tributary_domain::caller::Caller;
use tributary_domain::filter::predicate::{self, Cond, Field, Kind, Op};
use tributary_domain::model::comment::{confidence, controversy, Comment};
use tributary_domain::validate;
use tributary_domain::ApiError;
use tributary_domain::ApiResult;
use tributary_http::AppState;
use tributary_store::keys;
use tributary_store::threads;
use tributary_store::walk::{self, PageCursor as Cursor, Walk};
use tributary_store::TimePartition;
use tributary_v3::responses::CommentResponse;

use crate::thread::{self, Order};

const DEFAULT_LIMIT: usize = 25;
const MAX_LIMIT: usize = 100;
const EXAMINE_BUDGET: usize = 2000;

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct QueryCommentsRequest {
    pub filter: Option<Value>,
    pub sort: Option<String>,
    pub limit: Option<i64>,
    pub next: Option<String>,
    pub id_around: Option<String>,
    pub user_id: Option<String>,
}

fn field(name: &str) -> Option<Field> {
    use predicate::{EQ_IN, RANGE};
    const COUNTS: &[Op] = &[Op::Eq, Op::Gt, Op::Gte, Op::Lt, Op::Lte];
    let (kind, ops) = match name {
        "id" | "user_id" | "object_type" | "object_id" | "parent_id" | "status" => {
            (Kind::Plain, EQ_IN)
        }
        "comment_text" | "text" => (Kind::Plain, &[Op::Q, Op::Autocomplete, Op::Eq][..]),
        "upvote_count" | "downvote_count" | "reply_count" | "reaction_count" | "score"
        | "confidence_score" | "controversy_score" => (Kind::Plain, COUNTS),
        "created_at" | "updated_at" => (Kind::Time, RANGE),
        n => return predicate::custom_field(n),
    };
    Some(Field {
        name: "",
        kind,
        ops,
    })
}

fn value_of(c: &Comment, name: &str) -> Option<Value> {
    Some(match name {
        "id" => json!(c.id),
        "user_id" => json!(c.user_id),
        "object_type" => json!(c.object_type),
        "object_id" => json!(c.object_id),
        "parent_id" => json!(c.parent_id.as_ref()?),
        "status" => json!(if c.deleted_at.is_some() {
            "deleted"
        } else {
            "active"
        }),
        "comment_text" | "text" => json!(c.text.as_ref()?),
        "upvote_count" => json!(c.upvote_count),
        "downvote_count" => json!(c.downvote_count),
        "reply_count" => json!(c.reply_count),
        "reaction_count" => json!(c.reaction_count),
        "score" => json!(c.score()),
        "confidence_score" => json!(confidence(c.upvote_count, c.downvote_count)),
        "controversy_score" => json!(controversy(c.upvote_count, c.downvote_count)),
        "created_at" => json!(c.created_at),
        "updated_at" => json!(c.updated_at),
        custom => return predicate::custom_value(&c.custom, custom),
    })
}

fn position(c: &Comment) -> String {
    walk::position(c.created_at, &c.id)
}

/// The partitions the filter names, or the comments themselves for an id filter.
async fn partitions(
    state: &AppState,
    cond: &Cond,
) -> ApiResult<Result<Vec<TimePartition>, Vec<String>>> {
    if let Some(ids) = predicate::pinned(cond, "id") {
        return Ok(Err(ids));
    }
    if let Some(parents) = predicate::pinned(cond, "parent_id") {
        let found = state.store.get_comments(&parents).await?;
        return Ok(Ok(found
            .values()
            .map(|p| {
                TimePartition::table(
                    keys::comment_thread(&p.object_type, &p.object_id),
                    &keys::thread_prefix(Some(&p.id)),
                )
            })
            .collect()));
    }
    if let Some(objects) = predicate::pinned(cond, "object_id") {
        let types =
            predicate::pinned(cond, "object_type").unwrap_or_else(|| vec!["activity".into()]);
        return Ok(Ok(types
            .iter()
            .flat_map(|t| {
                objects.iter().map(move |o| {
                    TimePartition::index(keys::GSI2, keys::comment_by_object_partition(t, o))
                })
            })
            .collect()));
    }
    if let Some(users) = predicate::pinned(cond, "user_id") {
        return Ok(Ok(users
            .iter()
            .map(|u| TimePartition::index(keys::GSI1, keys::comments_of_user(u)))
            .collect()));
    }
    Err(ApiError::field(
        "filter",
        "filter: name the comments to query with id, object_id, parent_id or user_id ($eq or $in)",
    ))
}

/// Up to `want` matching comments in time order after `after`, and where to resume.
async fn find(
    state: &AppState,
    cond: &Cond,
    newest_first: bool,
    after: Option<String>,
    want: usize,
) -> ApiResult<(Vec<Comment>, Option<String>)> {
    let accepts = |c: &Comment| cond.matches(&|f| value_of(c, f));
    let (from, to) = walk::bounds(predicate::time_range(cond, "created_at"));
    let source = partitions(state, cond).await?;
    let walk = Walk {
        parts: source.as_deref().unwrap_or(&[]),
        from: &from,
        to: &to,
        newest_first,
        types: None,
        want,
        budget: EXAMINE_BUDGET,
    };
    match &source {
        Err(ids) => {
            let found = state.store.get_comments(ids).await?;
            let list = found.into_values().filter(accepts).collect();
            Ok(walk::page_in_memory(
                list,
                position,
                &walk,
                after.as_deref(),
            ))
        }
        Ok(_) => {
            let load = |ids: Vec<String>| async move { state.store.get_comments(&ids).await };
            walk::matches(&state.store, &walk, after, load, accepts).await
        }
    }
}

pub async fn query(
    state: &AppState,
    caller: &Caller,
    req: &QueryCommentsRequest,
) -> ApiResult<(Vec<CommentResponse>, Option<String>)> {
    let limit = validate::limit("limit", req.limit, DEFAULT_LIMIT, MAX_LIMIT)?;
    if req.filter.is_none() {
        return Err(ApiError::field("filter", "filter is a required field"));
    }
    let cond = predicate::parse(req.filter.as_ref(), &field)?;
    let order = thread::order(req.sort.as_deref())?;
    let cursor = match &req.next {
        Some(c) if !c.is_empty() => Some(state.cursors.decode::<Cursor>("next", c)?),
        _ => None,
    };
    let wrong_cursor = || ApiError::field("next", "next: this cursor belongs to another sort");
    let (page, next) = match order {
        Order::Oldest | Order::Newest => {
            let newest_first = order == Order::Newest;
            let after = match cursor {
                Some(Cursor::After(p)) => Some(p),
                None => None,
                Some(Cursor::Offset(_)) => return Err(wrong_cursor()),
            };
            let (page, resume) = match (&req.id_around, after) {
                (Some(around), None) => {
                    around_in_time(state, &cond, around, newest_first, limit).await?
                }
                (_, after) => find(state, &cond, newest_first, after, limit).await?,
            };
            (page, resume.map(Cursor::After))
        }
        ranked => {
            let (mut all, _) = find(state, &cond, true, None, thread::RANK_WINDOW).await?;
            threads::rank(&mut all, ranked);
            let offset = match cursor {
                Some(Cursor::Offset(o)) => o,
                None => match &req.id_around {
                    Some(around) => all
                        .iter()
                        .position(|c| c.id == *around)
                        .ok_or_else(|| not_in_result(around))?
                        .saturating_sub(limit / 2),
                    None => 0,
                },
                Some(Cursor::After(_)) => return Err(wrong_cursor()),
            };
            let end = (offset + limit).min(all.len());
            let more = end < all.len();
            let page = all.drain(offset.min(end)..end).collect();
            (page, more.then_some(Cursor::Offset(end)))
        }
    };
    // A user sees only comments on what they may read.
    let page = crate::ops::readable(state, caller, page).await?;
    let rendered = crate::ops::render(state, &page).await?;
    Ok((rendered, next.map(|c| state.cursors.encode(&c))))
}

fn not_in_result(id: &str) -> ApiError {
    ApiError::field(
        "id_around",
        format!("id_around: comment '{id}' is not among the comments queried"),
    )
}

/// A page with `around` in the middle: up to half the page before it, then it and what
/// follows. The cursor continues after the page.
async fn around_in_time(
    state: &AppState,
    cond: &Cond,
    around: &str,
    newest_first: bool,
    limit: usize,
) -> ApiResult<(Vec<Comment>, Option<String>)> {
    let pivot = state
        .store
        .get_comment(around)
        .await?
        .filter(|c| cond.matches(&|f| value_of(c, f)))
        .ok_or_else(|| not_in_result(around))?;
    let pivot_at = position(&pivot);
    // Before the pivot in page order is after it in the opposite order.
    let (mut before, _) = find(
        state,
        cond,
        !newest_first,
        Some(pivot_at.clone()),
        limit / 2,
    )
    .await?;
    before.reverse();
    let rest = limit.saturating_sub(before.len() + 1);
    let (after, resume) = find(state, cond, newest_first, Some(pivot_at.clone()), rest).await?;
    let resume = if rest == 0 { Some(pivot_at) } else { resume };
    before.push(pivot);
    before.extend(after);
    Ok((before, resume))
}
