//! The rules of following, for both dialects.

use serde::Deserialize;
use serde_json::{Map, Value};
use tributary_domain::access::{roles, Capability};
use tributary_domain::caller::Caller;
use tributary_domain::model::feed::{Feed, FeedVisibility};
use tributary_domain::model::follow::{Follow, FollowStatus};
use tributary_domain::time::now_nanos;
use tributary_domain::validate::Fid;
use tributary_domain::ApiError;
use tributary_domain::ApiResult;
use tributary_http::{usage, AppState};
use tributary_store::feed_rules;
use tributary_store::mark_status;
use tributary_tasks::fanout::FanoutTask;
use tributary_tasks::notifications::Notice;

/// The most activities a follow may ask to copy; asking for none copies all of them.
pub const MAX_COPY_LIMIT: usize = 1000;

/// `FollowRequest` (also the body of update, upsert and the batch items).
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct FollowRequest {
    pub source: Option<String>,
    pub target: Option<String>,
    pub activity_copy_limit: Option<i64>,
    pub status: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub custom: Option<Map<String, Value>>,
    pub push_preference: Option<String>,
    pub follower_role: Option<String>,
    /// Creates the users that own the two feeds when they do not exist yet.
    pub create_users: Option<bool>,
    /// Notify the followed feed's owner in their `notification` feed.
    pub create_notification_activity: Option<bool>,
    pub copy_custom_to_notification: Option<bool>,
}

/// What identifies a follow as the cause of a notification.
pub fn notification_cause(source: &str, target: &str) -> String {
    format!("{source}>{target}")
}

/// Both ends of a follow, checked.
pub struct Pair {
    pub source: Fid,
    pub target: Fid,
}

impl Pair {
    pub fn parse(source: Option<&str>, target: Option<&str>) -> ApiResult<Pair> {
        let source = source
            .filter(|s| !s.is_empty())
            .ok_or_else(|| ApiError::field("source", "source is a required field"))?;
        let target = target
            .filter(|s| !s.is_empty())
            .ok_or_else(|| ApiError::field("target", "target is a required field"))?;
        let pair = Pair {
            source: Fid::parse("source", source)?,
            target: Fid::parse("target", target)?,
        };
        if pair.source == pair.target {
            return Err(ApiError::field("target", "a feed cannot follow itself"));
        }
        Ok(pair)
    }

    fn keys(&self) -> (String, String) {
        (self.source.to_string(), self.target.to_string())
    }
}

async fn ensure_groups(state: &AppState, pair: &Pair) -> ApiResult<()> {
    let missing = state
        .store
        .missing_feed_groups(&[&pair.source.group, &pair.target.group])
        .await?;
    match missing.first() {
        Some(g) => Err(ApiError::field(
            "target",
            format!("feed group '{g}' does not exist"),
        )),
        None => Ok(()),
    }
}

/// How many of the target's activities a new follow copies: `None` is all of them.
fn copy_limit(req: &FollowRequest) -> ApiResult<Option<usize>> {
    match req.activity_copy_limit {
        None => Ok(None),
        Some(n) if (0..=MAX_COPY_LIMIT as i64).contains(&n) => Ok(Some(n as usize)),
        Some(n) => Err(ApiError::field(
            "activity_copy_limit",
            format!("activity_copy_limit must be between 0 and {MAX_COPY_LIMIT}, got {n}"),
        )),
    }
}

/// The status a new follow starts in. A server call may set it outright; otherwise a
/// follow of a `followers` feed is a request (pending) unless the follower is the feed's
/// owner or a member, and every other follow the permission model allows starts accepted.
/// A user token must hold `follow` on the target (403, code 17 otherwise).
async fn initial_status(
    state: &AppState,
    caller: &Caller,
    req: &FollowRequest,
    target: &Feed,
) -> ApiResult<FollowStatus> {
    if let Some(s) = &req.status {
        let status = FollowStatus::parse(s).ok_or_else(|| {
            ApiError::field(
                "status",
                format!("status '{s}' is not one of accepted, pending, rejected"),
            )
        })?;
        if caller.is_server() {
            return Ok(status);
        }
    }
    let access = state.store.feed_access(caller, target).await?;
    access.require(Capability::Follow)?;
    let insider = access.holds(roles::OWNER) || access.holds(roles::MEMBER);
    Ok(match target.visibility {
        FeedVisibility::Followers if !insider => FollowStatus::Pending,
        _ => FollowStatus::Accepted,
    })
}

/// Creates a follow. With `upsert`, an existing follow is returned unchanged (`created` is
/// false); without, it is an error.
pub async fn follow(
    state: &AppState,
    caller: &Caller,
    req: FollowRequest,
    upsert: bool,
) -> ApiResult<(Follow, bool)> {
    let pair = Pair::parse(req.source.as_deref(), req.target.as_deref())?;
    let limit = copy_limit(&req)?;
    ensure_groups(state, &pair).await?;
    let store = &state.store;
    let (source_fid, target_fid) = pair.keys();
    let existing_source = store.get_feed(&source_fid).await?;
    let owner = feed_rules::owner(existing_source.as_ref(), &pair.source);
    feed_rules::check_owner(caller, &owner, &format!("follow from feed '{source_fid}'"))?;

    if let Some(existing) = store.get_follow(&source_fid, &target_fid).await? {
        return if upsert {
            Ok((existing, false))
        } else {
            Err(ApiError::field(
                "target",
                format!("feed '{source_fid}' already follows '{target_fid}'"),
            ))
        };
    }
    // Decided before anything is written, so a refusal changes nothing.
    let existing_target = store.get_feed(&target_fid).await?;
    let would_be = match &existing_target {
        Some(t) => t.clone(),
        None => feed_rules::new_feed(store, &pair.target, &pair.target.id, now_nanos()).await?,
    };
    let status = initial_status(state, caller, &req, &would_be).await?;
    if req.create_users.unwrap_or(false) {
        store
            .create_missing_users(&[&owner, &pair.target.id], now_nanos())
            .await?;
    }
    if existing_source.is_none() {
        feed_rules::get_or_create(store, &pair.source, &owner).await?;
    }
    let target = match existing_target {
        Some(t) => t,
        None => {
            feed_rules::get_or_create(store, &pair.target, &pair.target.id)
                .await?
                .0
        }
    };
    let pulls_target = crate::pull::will_pull(state, &source_fid, &target).await?;
    if pulls_target {
        crate::pull::room_to_pull(existing_source.as_ref(), &target_fid)?;
    }
    let now = now_nanos();
    let mut f = Follow::new(&source_fid, &target_fid, status, now);
    f.custom = req.custom.clone().unwrap_or_default();
    if let Some(p) = &req.push_preference {
        f.push_preference = p.clone();
    }
    if !store.create_follow(&f).await? {
        // Someone created it between our read and our write.
        let existing = store
            .get_follow(&source_fid, &target_fid)
            .await?
            .ok_or_else(|| ApiError::internal_msg("follow vanished"))?;
        return if upsert {
            Ok((existing, false))
        } else {
            Err(ApiError::field("target", "already following"))
        };
    }
    state.usage.count(usage::FOLLOWS, 1);
    if req.create_notification_activity == Some(true) {
        let custom = match req.copy_custom_to_notification {
            Some(true) => f.custom.clone(),
            _ => Map::new(),
        };
        let notice = Notice {
            kind: "follow",
            actor: owner.clone(),
            recipient: target.created_by_id.clone(),
            cause: notification_cause(&source_fid, &target_fid),
            target: serde_json::json!({"id": target_fid, "user_id": target.created_by_id, "name": target.name}),
            text: format!("{owner} started following you"),
            custom,
            deduplicate: true,
        };
        state.notify(notice).await?;
    }
    if f.is_active() {
        crate::pull::followed(state, &f, &target, pulls_target).await?;
    }
    if f.is_active() && limit != Some(0) {
        state
            .fan_out(vec![FanoutTask::CopyHistory {
                source: source_fid,
                target: target_fid,
                limit,
                after: None,
            }])
            .await?;
    }
    Ok((f, true))
}

async fn load(state: &AppState, pair: &Pair) -> ApiResult<Follow> {
    let (source, target) = pair.keys();
    state
        .store
        .get_follow(&source, &target)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("feed '{source}' does not follow '{target}'")))
}

/// Accepts or rejects a pending follow; only the target's owner (or the server) may.
pub async fn decide(
    state: &AppState,
    caller: &Caller,
    source: Option<&str>,
    target: Option<&str>,
    accept: bool,
    role: Option<String>,
) -> ApiResult<Follow> {
    let pair = Pair::parse(source, target)?;
    let target_feed = state
        .store
        .get_feed(&pair.target.to_string())
        .await?
        .ok_or_else(|| ApiError::not_found(format!("feed '{}' does not exist", pair.target)))?;
    state
        .store
        .feed_access(caller, &target_feed)
        .await?
        .require(Capability::UpdateFeedFollowers)?;
    let mut f = load(state, &pair).await?;
    if f.status != FollowStatus::Pending {
        return Err(ApiError::input(format!(
            "the follow is {}, not pending",
            f.status.as_str()
        )));
    }
    let seen = f.status;
    mark_status(
        &mut f,
        if accept {
            FollowStatus::Accepted
        } else {
            FollowStatus::Rejected
        },
        now_nanos(),
    );
    if let Some(role) = role {
        f.follower_role = role;
    }
    if !state.store.replace_follow(&f, seen).await? {
        return Err(ApiError::input(
            "the follow request changed meanwhile; try again",
        ));
    }
    if accept {
        crate::pull::became_active(state, &f).await?;
        copy_all_history(state, &f).await?;
    }
    Ok(f)
}

/// Queues copying all of the target's activities into the source, for a follow that has
/// just become active.
async fn copy_all_history(state: &AppState, f: &Follow) -> ApiResult<()> {
    let task = FanoutTask::CopyHistory {
        source: f.source.clone(),
        target: f.target.clone(),
        limit: None,
        after: None,
    };
    state.fan_out(vec![task]).await
}

/// Changes a follow's custom data, push preference or role (and, server-side, status).
pub async fn update(state: &AppState, caller: &Caller, req: FollowRequest) -> ApiResult<Follow> {
    let pair = Pair::parse(req.source.as_deref(), req.target.as_deref())?;
    let source = state.store.get_feed(&pair.source.to_string()).await?;
    feed_rules::check_owner(
        caller,
        &feed_rules::owner(source.as_ref(), &pair.source),
        "change this follow",
    )?;
    let mut f = load(state, &pair).await?;
    let seen = f.status;
    if let Some(custom) = req.custom {
        f.custom = custom;
    }
    if let Some(p) = req.push_preference {
        f.push_preference = p;
    }
    if let Some(r) = req.follower_role {
        f.follower_role = r;
    }
    if let Some(s) = req.status {
        if !caller.is_server() {
            return Err(ApiError::not_allowed(
                "only server-side requests may set a follow's status",
            ));
        }
        let status = FollowStatus::parse(&s)
            .ok_or_else(|| ApiError::field("status", format!("status '{s}' is not valid")))?;
        mark_status(&mut f, status, now_nanos());
    }
    f.updated_at = now_nanos();
    if !state.store.replace_follow(&f, seen).await? {
        return Err(ApiError::input("the follow changed meanwhile; try again"));
    }
    if seen != FollowStatus::Accepted && f.is_active() {
        crate::pull::became_active(state, &f).await?;
        copy_all_history(state, &f).await?;
    }
    Ok(f)
}

/// Removes a follow. Unless `keep_history`, the target's activities leave the source.
/// With `tolerant`, a missing follow is `Ok(None)` instead of an error.
pub async fn unfollow(
    state: &AppState,
    caller: &Caller,
    source: Option<&str>,
    target: Option<&str>,
    keep_history: bool,
    tolerant: bool,
) -> ApiResult<Option<Follow>> {
    let pair = Pair::parse(source, target)?;
    let source_feed = state.store.get_feed(&pair.source.to_string()).await?;
    feed_rules::check_owner(
        caller,
        &feed_rules::owner(source_feed.as_ref(), &pair.source),
        "unfollow from this feed",
    )?;
    let f = match load(state, &pair).await {
        Ok(f) => f,
        Err(ApiError::NotFound(_)) if tolerant => return Ok(None),
        Err(e) => return Err(e),
    };
    if !state.store.delete_follow(&f).await? {
        return if tolerant {
            Ok(None)
        } else {
            Err(ApiError::not_found("the follow was already removed"))
        };
    }
    // Its posts leave the source's reads at once, whatever becomes of the copies.
    if source_feed
        .as_ref()
        .is_some_and(|feed| feed.pulled.contains(&f.target))
    {
        state.store.remove_pulled(&f.source, &f.target).await?;
    }
    if !keep_history {
        state
            .fan_out(vec![FanoutTask::PurgeHistory {
                source: f.source.clone(),
                target: f.target.clone(),
                after: None,
            }])
            .await?;
    }
    Ok(Some(f))
}
