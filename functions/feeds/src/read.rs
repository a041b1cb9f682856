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

/// Reads a page of a feed's followers (`followers = true`) or of what it follows.
pub async fn follows_page(
    state: &AppState,
    fid: &str,
    pager: Option<&Pager>,
    followers: bool,
) -> ApiResult<Listed<Follow>> {
    let limit = limit("limit", pager.and_then(|p| p.limit), DEFAULT_LIMIT)?;
    if limit == 0 {
        return Ok(Listed::default());
    }
    let after = match pager.and_then(|p| p.next.as_deref()) {
        Some(c) => Some(state.cursors.decode::<ListCursor>("next", c)?.after),
        None => None,
    };
    let (items, next) = if followers {
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
    Ok(Listed {
        items,
        next: next.map(|after| state.cursors.encode(&ListCursor { after })),
    })
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
    let limit = limit(
        "member_pagination.limit",
        pager.and_then(|p| p.limit),
        DEFAULT_LIMIT,
    )?;
    if limit == 0 {
        return Ok(Listed::default());
    }
    let after = match pager.and_then(|p| p.next.as_deref()) {
        Some(c) => Some(
            state
                .cursors
                .decode::<ListCursor>("member_pagination.next", c)?
                .after,
        ),
        None => None,
    };
    let (items, next) = state
        .store
        .members_page(fid, limit, after.as_deref())
        .await?;
    Ok(Listed {
        items,
        next: next.map(|after| state.cursors.encode(&ListCursor { after })),
    })
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
