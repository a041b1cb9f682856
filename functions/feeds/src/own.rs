//! What the reading user may do with many feeds at once (`own_batch`, which the browser
//! client calls by itself) and a feed's counts (`get_feed_counts`).

use axum::extract::{Path, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use tributary_domain::access::Capability;
use tributary_domain::caller::Caller;
use tributary_domain::model::feed::Feed;
use tributary_domain::validate::Fid;
use tributary_domain::ApiError;
use tributary_http::{AppState, Auth, Body, HttpResult};
use tributary_v3::own::{self, FeedOwnData, Wanted};

use crate::ops;

/// Feeds one `own_batch` call may name.
pub const MAX_OWN_BATCH: usize = 100;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct OwnBatchRequest {
    feeds: Option<Vec<String>>,
    fields: Option<Vec<String>>,
    user_id: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct OwnBatchReply {
    data: BTreeMap<String, FeedOwnData>,
}

/// The own fields of the acting user for each named feed that exists (feeds that do not
/// are left out of `data`).
pub async fn own_batch(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Body(req): Body<OwnBatchRequest>,
) -> HttpResult<Json<OwnBatchReply>> {
    let fids = req
        .feeds
        .filter(|f| !f.is_empty())
        .ok_or_else(|| ApiError::field("feeds", "feeds is a required field"))?;
    if fids.len() > MAX_OWN_BATCH {
        return Err(ApiError::field(
            "feeds",
            format!(
                "feeds takes at most {MAX_OWN_BATCH} feed ids, got {}",
                fids.len()
            ),
        )
        .into());
    }
    for (i, f) in fids.iter().enumerate() {
        Fid::parse(&format!("feeds[{i}]"), f)?;
    }
    let wanted = Wanted::parse(req.fields.as_deref())?;
    let reader = match (&caller, caller.acting_user(req.user_id.as_deref())?) {
        (Caller::Server, Some(user)) => Caller::User(user),
        _ => caller.clone(),
    };
    let found = s.store.get_feeds(&fids).await?;
    let feeds: Vec<Feed> = fids
        .iter()
        .filter_map(|f| found.get(f))
        .filter(|f| f.deleted_at.is_none())
        .cloned()
        .collect();
    let standings = s.store.standings(&reader, &feeds).await?;
    let data = own::own_data(&s.store, &reader, &feeds, &standings, wanted).await?;
    Ok(Json(OwnBatchReply {
        data: feeds.into_iter().map(|f| f.fid).zip(data).collect(),
    }))
}

#[derive(Debug, Serialize)]
pub struct FeedCountsReply {
    activity_count: i64,
    comment_count: i64,
    total_count: i64,
}

/// A feed's activities and the comments on them (replies included); whoever may read the
/// feed's activities may ask.
pub async fn counts(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Path((group, id)): Path<(String, String)>,
) -> HttpResult<Json<FeedCountsReply>> {
    let fid = ops::parse_fid(&s, &group, &id).await?;
    let feed = ops::load(&s, &fid).await?;
    s.store
        .feed_access(&caller, &feed)
        .await?
        .require(Capability::ReadActivities)?;
    let (activities, comments) = (feed.activity_count.max(0), feed.comment_count.max(0));
    Ok(Json(FeedCountsReply {
        activity_count: activities,
        comment_count: comments,
        total_count: activities + comments,
    }))
}
