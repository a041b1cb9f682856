//! `query_activity_shares`: the activities that share an activity (their `parent_id` is
//! it), newest first, with cursors.
//!
//! Each share has an entry under its parent (`SHARES#<parent>`), written in the same
//! transaction that creates the share and bumps the parent's `share_count`, and removed
//! with a hard delete. A page is one Query of those entries, then one batched read of the
//! sharing activities and one of their users, run together; shares deleted (softly) or
//! private to someone else are left out, so a page may hold fewer than `limit` while `next`
//! is still set.

use axum::extract::{Path, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use tributary_domain::access::Capability;
use tributary_http::{AppState, Auth, HttpResult, QueryParams};
use tributary_v3::responses::{ShareResponse, UserDirectory};

use crate::ops::{load, not_found, visible_to};

const DEFAULT_LIMIT: usize = 25;
const MAX_LIMIT: usize = 100;

#[derive(Debug, Default, Deserialize)]
pub struct SharesQuery {
    limit: Option<i64>,
    next: Option<String>,
    prev: Option<String>,
}

/// Stream's `QueryActivitySharesResponse`.
#[derive(Debug, Serialize)]
pub struct QueryActivitySharesReply {
    shares: Vec<ShareResponse>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    prev: Option<String>,
}

/// A position among an activity's shares: the entry to continue after, and which way.
#[derive(Debug, Serialize, Deserialize)]
struct ShareCursor {
    after: String,
    oldest_first: bool,
}

pub async fn query(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
    QueryParams(q): QueryParams<SharesQuery>,
) -> HttpResult<Json<QueryActivitySharesReply>> {
    let limit = tributary_domain::validate::limit("limit", q.limit, DEFAULT_LIMIT, MAX_LIMIT)?;
    let parent = load(&s.store, &id).await?;
    if parent.deleted_at.is_some() || !visible_to(&caller, &parent) {
        return Err(not_found(&id).into());
    }
    s.store
        .require_on_activity(&caller, &parent, Capability::ReadActivities)
        .await?;
    let (cursor, backwards) = match (q.next.as_deref(), q.prev.as_deref()) {
        (Some(c), _) => (Some(s.cursors.decode::<ShareCursor>("next", c)?), false),
        (None, Some(c)) => (Some(s.cursors.decode::<ShareCursor>("prev", c)?), true),
        (None, None) => (None, false),
    };
    let oldest_first = cursor.as_ref().is_some_and(|c| c.oldest_first);
    let mut entries = s
        .store
        .shares_of(
            &id,
            limit + 1,
            cursor.as_ref().map(|c| c.after.as_str()),
            oldest_first,
        )
        .await?;
    let more = entries.len() > limit;
    entries.truncate(limit);
    if backwards {
        entries.reverse();
    }
    let cursor_at = |sk: &str, oldest_first: bool| {
        s.cursors.encode(&ShareCursor {
            after: sk.to_string(),
            oldest_first,
        })
    };
    let (next, prev) = match (entries.first(), entries.last()) {
        (Some(first), Some(last)) => {
            let (has_next, has_prev) = if backwards {
                (true, more)
            } else {
                (more, cursor.is_some())
            };
            (
                has_next.then(|| cursor_at(&last.3, false)),
                has_prev.then(|| cursor_at(&first.3, true)),
            )
        }
        _ => (None, None),
    };
    let ids: Vec<String> = entries.iter().map(|e| e.0.clone()).collect();
    let (activities, users) = tokio::try_join!(
        s.store.get_activities(&ids),
        s.store.get_users(entries.iter().map(|e| e.1.as_str())),
    )?;
    let users = UserDirectory(users);
    let shares = entries
        .iter()
        .filter(|(share_id, ..)| {
            activities
                .get(share_id)
                .is_some_and(|a| a.deleted_at.is_none() && visible_to(&caller, a))
        })
        .map(|(share_id, user_id, created_at, _)| ShareResponse {
            activity_id: share_id.clone(),
            created_at: *created_at,
            user: users.get(user_id),
        })
        .collect();
    Ok(Json(QueryActivitySharesReply { shares, next, prev }))
}
