//! Feed visibility levels and their grants (`/api/v2/feeds/feed_visibilities`, server-side
//! only), and `change_feed_visibility` with the follow reconciliation Stream documents.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tributary_domain::access::{parse_grants, roles, Capability, Grants};
use tributary_domain::caller::Caller;
use tributary_domain::model::feed::FeedVisibility;
use tributary_domain::model::follow::{Follow, FollowStatus};
use tributary_domain::time::now_nanos;
use tributary_domain::{ApiError, ApiResult};
use tributary_http::{AppState, Auth, Body, HttpResult};
use tributary_store::access::StoredGrants;
use tributary_store::mark_status;
use tributary_tasks::fanout::FanoutTask;
use tributary_v3::render;
use tributary_v3::replies::FeedReply;

use crate::ops;

/// Follows `change_feed_visibility` reconciles in one request; a feed with more is refused
/// (code 4) and left as it was.
pub const MAX_RECONCILED: usize = 1000;
const PAGE: usize = 100;

/// Stream's `FeedVisibilityResponse`: the level's grants, and one permission policy per
/// capability granted.
#[derive(Debug, Serialize)]
pub struct FeedVisibilityResponse {
    name: &'static str,
    grants: BTreeMap<String, Vec<&'static str>>,
    permissions: Vec<Map<String, Value>>,
}

impl FeedVisibilityResponse {
    fn of(v: FeedVisibility, grants: &Grants) -> Self {
        let mut caps: Vec<Capability> = grants.values().flatten().copied().collect();
        caps.sort();
        caps.dedup();
        let permissions = caps
            .iter()
            .map(|c| {
                let own = c.as_str().contains("-own-");
                let map = serde_json::json!({
                    "id": c.as_str(), "name": c.as_str(), "action": c.as_str(),
                    "description": format!("{} on {} feeds", c.as_str(), v.as_str()),
                    "custom": false, "level": "app", "owner": own,
                    "owner_resource": if own { "user" } else { "" },
                    "same_team": false, "tags": [],
                });
                match map {
                    Value::Object(m) => m,
                    _ => Map::new(),
                }
            })
            .collect();
        FeedVisibilityResponse {
            name: v.as_str(),
            grants: grants
                .iter()
                .map(|(role, caps)| (role.clone(), caps.iter().map(|c| c.as_str()).collect()))
                .collect(),
            permissions,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct FeedVisibilitiesReply {
    feed_visibilities: BTreeMap<&'static str, FeedVisibilityResponse>,
}

#[derive(Debug, Serialize)]
pub struct FeedVisibilityReply {
    feed_visibility: FeedVisibilityResponse,
}

fn server_only(caller: &Caller) -> ApiResult<()> {
    if caller.is_server() {
        Ok(())
    } else {
        Err(ApiError::not_allowed(
            "feed visibilities are managed server-side only",
        ))
    }
}

fn level(name: &str) -> ApiResult<FeedVisibility> {
    FeedVisibility::parse(name)
        .ok_or_else(|| ApiError::not_found(format!("feed visibility '{name}' does not exist")))
}

pub async fn list(
    State(s): State<AppState>,
    Auth(caller): Auth,
) -> HttpResult<Json<FeedVisibilitiesReply>> {
    server_only(&caller)?;
    let grants = s.store.visibility_grants(&FeedVisibility::ALL).await?;
    Ok(Json(FeedVisibilitiesReply {
        feed_visibilities: FeedVisibility::ALL
            .iter()
            .map(|v| (v.as_str(), FeedVisibilityResponse::of(*v, &grants[v])))
            .collect(),
    }))
}

pub async fn get(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Path(name): Path<String>,
) -> HttpResult<Json<FeedVisibilityReply>> {
    server_only(&caller)?;
    let v = level(&name)?;
    let grants = s.store.visibility_grants(&[v]).await?;
    Ok(Json(FeedVisibilityReply {
        feed_visibility: FeedVisibilityResponse::of(v, &grants[&v]),
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct UpdateFeedVisibilityRequest {
    grants: Option<BTreeMap<String, Vec<String>>>,
}

/// Replaces the grants of the roles named; roles not named keep theirs.
pub async fn update(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Path(name): Path<String>,
    Body(req): Body<UpdateFeedVisibilityRequest>,
) -> HttpResult<Json<FeedVisibilityReply>> {
    server_only(&caller)?;
    let v = level(&name)?;
    let changes = req.grants.unwrap_or_default();
    let parsed = parse_grants("grants", &changes)?;
    let mut grants = s
        .store
        .visibility_grants(&[v])
        .await?
        .remove(&v)
        .unwrap_or_default();
    grants.extend(parsed);
    let stored = StoredGrants {
        name: v.as_str().to_string(),
        grants: grants
            .iter()
            .map(|(r, caps)| {
                (
                    r.clone(),
                    caps.iter().map(|c| c.as_str().to_string()).collect(),
                )
            })
            .collect(),
        updated_at: now_nanos(),
    };
    s.store.put_visibility_grants(&stored).await?;
    Ok(Json(FeedVisibilityReply {
        feed_visibility: FeedVisibilityResponse::of(v, &grants),
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ChangeFeedVisibilityRequest {
    visibility: Option<String>,
    pending_follows_action: Option<String>,
}

/// Changes a feed's visibility (its owner, or a server call) and reconciles its followers:
/// moving away from `followers`, pending requests are approved (`auto_approve`, the
/// default) or rejected (`reject`); moving to `members`, only the owner's and members'
/// follows stay; moving to `private`, only the owner's. Removed follows take the feed's
/// activities out of the follower's feed, as unfollowing does.
pub async fn change(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Path((group, id)): Path<(String, String)>,
    Body(req): Body<ChangeFeedVisibilityRequest>,
) -> HttpResult<Json<FeedReply>> {
    let raw = req
        .visibility
        .ok_or_else(|| ApiError::field("visibility", "visibility is a required field"))?;
    let to = FeedVisibility::parse(&raw).ok_or_else(|| {
        ApiError::field(
            "visibility",
            format!(
                "visibility: '{raw}' is not one of public, visible, followers, members, private"
            ),
        )
    })?;
    let approve = match req.pending_follows_action.as_deref() {
        None | Some("auto_approve") => true,
        Some("reject") => false,
        Some(other) => {
            return Err(ApiError::field(
                "pending_follows_action",
                format!("pending_follows_action: '{other}' is not one of auto_approve, reject"),
            )
            .into())
        }
    };
    let fid = ops::parse_fid(&s, &group, &id).await?;
    let mut feed = ops::load(&s, &fid).await?;
    s.store
        .feed_access(&caller, &feed)
        .await?
        .require(Capability::UpdateFeed)?;
    let from = feed.visibility;
    if from != to {
        let follows = followers(&s, &feed.fid).await?;
        let mut removed = Vec::new();
        let mut decided = Vec::new();
        for f in follows {
            let owner = f.source.split_once(':').map(|(_, u)| u.to_string());
            let keeps = match to {
                FeedVisibility::Private => owner.as_deref() == Some(&feed.created_by_id),
                FeedVisibility::Members => {
                    owner.as_deref() == Some(&feed.created_by_id)
                        || match &owner {
                            Some(u) => s
                                .store
                                .feed_access(&Caller::User(u.clone()), &feed)
                                .await?
                                .holds(roles::MEMBER),
                            None => false,
                        }
                }
                _ => true,
            };
            if !keeps {
                removed.push(f);
            } else if from == FeedVisibility::Followers
                && to != FeedVisibility::Followers
                && f.status == FollowStatus::Pending
            {
                decided.push(f);
            }
        }
        feed.visibility = to;
        feed.updated_at = now_nanos();
        s.store.put_feed(&feed).await?;
        for f in &removed {
            if s.store.delete_follow(f).await? {
                s.fan_out(vec![FanoutTask::PurgeHistory {
                    source: f.source.clone(),
                    target: f.target.clone(),
                    after: None,
                }])
                .await?;
            }
        }
        for mut f in decided {
            let seen = f.status;
            let status = if approve {
                FollowStatus::Accepted
            } else {
                FollowStatus::Rejected
            };
            mark_status(&mut f, status, now_nanos());
            if s.store.replace_follow(&f, seen).await? && approve {
                s.fan_out(vec![FanoutTask::CopyHistory {
                    source: f.source.clone(),
                    target: f.target.clone(),
                    limit: None,
                    after: None,
                }])
                .await?;
            }
        }
    }
    let feed = ops::load(&s, &fid).await?;
    let feed = render::feeds(&s.store, std::slice::from_ref(&feed))
        .await?
        .remove(0);
    Ok(Json(FeedReply { feed }))
}

/// Every follow into `fid` (any status), up to [`MAX_RECONCILED`].
async fn followers(s: &AppState, fid: &str) -> ApiResult<Vec<Follow>> {
    let mut out = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let (page, next) = s
            .store
            .followers_page(fid, PAGE, after.as_deref(), false)
            .await?;
        out.extend(page);
        if out.len() > MAX_RECONCILED {
            return Err(ApiError::input(format!(
                "feed '{fid}' has more than {MAX_RECONCILED} follows: its visibility cannot be changed in one request"
            )));
        }
        match next {
            Some(n) => after = Some(n),
            None => return Ok(out),
        }
    }
}
