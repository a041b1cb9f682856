//! Reading a feed: a page of its activities (`tributary_core::feed_page`, shared with the v2
//! dialect), its followers and what it follows, and its members, each with cursors.

use serde::{Deserialize, Serialize};
use tributary_domain::model::follow::Follow;
use tributary_domain::model::member::Member;
use tributary_domain::ApiResult;
use tributary_http::AppState;
use tributary_v3::members::{self, FeedMemberResponse};
use tributary_v3::render::{self, FollowResponse};

pub use tributary_core::feed_page::{
    access, activities, limit, Access, ActivityFilter, Page, PageRequest, DEFAULT_LIMIT,
};

/// A position in a followers/following list.
#[derive(Debug, Serialize, Deserialize)]
struct ListCursor {
    after: String,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct Pager {
    pub limit: Option<i64>,
    pub next: Option<String>,
    #[allow(dead_code)]
    pub prev: Option<String>,
}

/// A page of a list shown beside a feed (its followers, what it follows, its members) as
/// stored, with the cursor of the next page. It is read from the feed's id alone, so it runs
/// in the same step as the feed's own reads; rendering it comes after.
pub struct Listed<T> {
    items: Vec<T>,
    next: Option<String>,
}

impl<T> Default for Listed<T> {
    fn default() -> Self {
        Listed {
            items: Vec::new(),
            next: None,
        }
    }
}

/// Where a list's page starts: how many to read and the position to continue after, from
/// the request's pager (`limit_field` and `next_field` name its fields in errors). `None`
/// when the page is to be empty.
fn position(
    state: &AppState,
    pager: Option<&Pager>,
    limit_field: &str,
    next_field: &str,
) -> ApiResult<Option<(usize, Option<String>)>> {
    let limit = limit(limit_field, pager.and_then(|p| p.limit), DEFAULT_LIMIT)?;
    if limit == 0 {
        return Ok(None);
    }
    let after = match pager.and_then(|p| p.next.as_deref()) {
        Some(c) => Some(state.cursors.decode::<ListCursor>(next_field, c)?.after),
        None => None,
    };
    Ok(Some((limit, after)))
}

/// A page as stored, with its next page's cursor.
fn listed<T>(state: &AppState, (items, next): (Vec<T>, Option<String>)) -> Listed<T> {
    Listed {
        items,
        next: next.map(|after| state.cursors.encode(&ListCursor { after })),
    }
}

/// Reads a page of a feed's followers (`followers = true`) or of what it follows.
pub async fn follows_page(
    state: &AppState,
    fid: &str,
    pager: Option<&Pager>,
    followers: bool,
) -> ApiResult<Listed<Follow>> {
    let Some((limit, after)) = position(state, pager, "limit", "next")? else {
        return Ok(Listed::default());
    };
    let page = if followers {
        state
            .store
            .followers_page(fid, limit, after.as_deref(), false)
            .await?
    } else {
        state
            .store
            .following_page(fid, limit, after.as_deref())
            .await?
    };
    Ok(listed(state, page))
}

/// Renders a page of follows.
pub async fn follow_list(
    state: &AppState,
    listed: Listed<Follow>,
) -> ApiResult<(Vec<FollowResponse>, Option<String>)> {
    Ok((
        render::follows(&state.store, &listed.items).await?,
        listed.next,
    ))
}

/// Reads a page of a feed's members (every status, in user id order).
pub async fn members_page(
    state: &AppState,
    fid: &str,
    pager: Option<&Pager>,
) -> ApiResult<Listed<Member>> {
    let Some((limit, after)) = position(
        state,
        pager,
        "member_pagination.limit",
        "member_pagination.next",
    )?
    else {
        return Ok(Listed::default());
    };
    let page = state
        .store
        .members_page(fid, limit, after.as_deref())
        .await?;
    Ok(listed(state, page))
}

/// Renders a page of members.
pub async fn member_list(
    state: &AppState,
    listed: Listed<Member>,
) -> ApiResult<(Vec<FeedMemberResponse>, Option<String>)> {
    Ok((
        members::render(&state.store, &listed.items).await?,
        listed.next,
    ))
}
