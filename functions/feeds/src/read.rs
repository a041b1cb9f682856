//! Reading a feed: a page of its activities (`tributary_core::feed_page`, shared with the v2
//! dialect), its followers and what it follows, and its members, each with cursors.

use serde::{Deserialize, Serialize};
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

/// A page of a feed's followers (`followers = true`) or of what it follows, rendered.
pub async fn follow_list(
    state: &AppState,
    fid: &str,
    pager: Option<&Pager>,
    followers: bool,
) -> ApiResult<(Vec<FollowResponse>, Option<String>)> {
    let limit = limit("limit", pager.and_then(|p| p.limit), DEFAULT_LIMIT)?;
    if limit == 0 {
        return Ok((Vec::new(), None));
    }
    let after = match pager.and_then(|p| p.next.as_deref()) {
        Some(c) => Some(state.cursors.decode::<ListCursor>("next", c)?.after),
        None => None,
    };
    let (list, next) = if followers {
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
    Ok((
        render::follows(&state.store, &list).await?,
        next.map(|after| state.cursors.encode(&ListCursor { after })),
    ))
}

/// A page of a feed's members (every status, in user id order), rendered.
pub async fn member_list(
    state: &AppState,
    fid: &str,
    pager: Option<&Pager>,
) -> ApiResult<(Vec<FeedMemberResponse>, Option<String>)> {
    let limit = limit(
        "member_pagination.limit",
        pager.and_then(|p| p.limit),
        DEFAULT_LIMIT,
    )?;
    if limit == 0 {
        return Ok((Vec::new(), None));
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
    let (list, next) = state
        .store
        .members_page(fid, limit, after.as_deref())
        .await?;
    Ok((
        members::render(&state.store, &list).await?,
        next.map(|after| state.cursors.encode(&ListCursor { after })),
    ))
}
