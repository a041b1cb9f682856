//! The rules of the activities family, independent of HTTP.

use std::collections::HashMap;

use futures::stream::{self, StreamExt, TryStreamExt};
use tributary_domain::access::Capability;
use tributary_domain::aggregation::{self, Format};
use tributary_domain::caller::Caller;
use tributary_domain::ids;
use tributary_domain::model::feed::Feed;
use tributary_domain::model::{Activity, ActivityContent, Visibility};
use tributary_domain::time::{now_nanos, Nanos};
use tributary_domain::validate::{self, Fid};
use tributary_domain::ApiError;
use tributary_domain::ApiResult;
use tributary_http::AppState;
use tributary_store::feed_rules;
use tributary_store::threads::{self, Order};
use tributary_store::Store;
use tributary_tasks::fanout;
use tributary_tasks::fanout::FanoutTask;
use tributary_tasks::notifications;
use tributary_v3::render;
use tributary_v3::requests::NewActivityRequest;
use tributary_v3::responses::ActivityResponse;

/// Writes one batch request keeps in flight.
pub(crate) const WRITE_CONCURRENCY: usize = 8;

/// Builds a new activity from a request, checking everything that needs no storage.
pub(crate) fn prepare_new(
    caller: &Caller,
    mut req: NewActivityRequest,
    now: Nanos,
) -> ApiResult<Activity> {
    let activity_type = req
        .activity_type
        .take()
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| ApiError::field("type", "type is a required field"))?;
    if activity_type.len() > validate::MAX_ID_LEN {
        return Err(ApiError::field(
            "type",
            "type is longer than 255 characters",
        ));
    }
    if req.feeds.is_none() {
        return Err(ApiError::field("feeds", "feeds is a required field"));
    }
    let user_id = caller.require_user(req.user_id.as_deref())?;
    let id = match req.id.take() {
        Some(id) => {
            validate::id("id", &id)?;
            id
        }
        None => ids::new_id(),
    };
    let parent_id = req.parent_id.take().filter(|p| !p.is_empty());
    if let Some(parent) = &parent_id {
        validate::id("parent_id", parent)?;
    }
    let content = req.apply(ActivityContent::default())?;
    validate::content(&activity_type, &content)?;
    let mut activity = Activity::new(id, activity_type, user_id, content, now);
    activity.parent_id = parent_id;
    Ok(activity)
}

/// Refuses feeds whose group does not exist; returns the aggregation formats of those
/// groups that aggregate (one batched read of the groups).
pub(crate) async fn ensure_groups<'a>(
    store: &Store,
    feeds: impl IntoIterator<Item = &'a String>,
) -> ApiResult<HashMap<String, Format>> {
    let mut groups: Vec<String> = Vec::new();
    for f in feeds {
        let fid = Fid::parse("feeds", f)?;
        if !groups.contains(&fid.group) {
            groups.push(fid.group);
        }
    }
    let group_refs: Vec<&str> = groups.iter().map(String::as_str).collect();
    let found = store.feed_groups(&group_refs).await?;
    if let Some(missing) = groups
        .iter()
        .find(|g| found.get(*g).is_none_or(|g| g.deleted_at.is_some()))
    {
        return Err(ApiError::field(
            "feeds",
            format!("feeds: feed group '{missing}' does not exist"),
        ));
    }
    Ok(aggregation::formats_of(found.into_values()))
}

/// Refuses (403, code 17) a caller who may not post into every one of `feeds`: each must
/// grant `add-activity` (the owner, members, and anyone on `public` feeds), and one that
/// does not exist yet must be one the caller may create. Server calls may post anywhere.
pub(crate) async fn may_post<'a>(
    store: &Store,
    caller: &Caller,
    feeds: impl IntoIterator<Item = &'a String>,
) -> ApiResult<()> {
    if caller.is_server() {
        return Ok(());
    }
    let mut fids: Vec<String> = feeds.into_iter().cloned().collect();
    fids.sort();
    fids.dedup();
    let found = store.get_feeds(&fids).await?;
    for fid in fids.iter().filter(|f| !found.contains_key(*f)) {
        feed_rules::may_create(caller, &Fid::parse("feeds", fid)?)?;
    }
    let existing: Vec<Feed> = found.into_values().collect();
    for access in store.feeds_access(caller, &existing).await? {
        access.require(Capability::AddActivity)?;
    }
    Ok(())
}

pub(crate) fn not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("activity '{id}' does not exist"))
}

pub(crate) async fn load(store: &Store, id: &str) -> ApiResult<Activity> {
    validate::id("id", id)?;
    store.get_activity(id).await?.ok_or_else(|| not_found(id))
}

/// Private activities are seen only by their author (and server-side calls).
pub(crate) fn visible_to(caller: &Caller, a: &Activity) -> bool {
    match (caller, a.content.visibility) {
        (Caller::User(me), Visibility::Private) => me == &a.user_id,
        (Caller::Anonymous, Visibility::Private) => false,
        _ => true,
    }
}

/// After an activity entered `feeds`: count it in each feed (creating feeds met for the
/// first time) and queue its delivery to the followers of those that have any.
pub(crate) async fn arrived_in(
    state: &AppState,
    a: &Activity,
    feeds: &[String],
    formats: &HashMap<String, Format>,
) -> ApiResult<()> {
    let store = &state.store;
    let groups = fanout::group_adds(formats, feeds.iter().map(|f| (f.as_str(), a)));
    fanout::add_to_groups(store, groups).await?;
    let tasks: Vec<Option<FanoutTask>> = stream::iter(feeds.to_vec())
        .map(|fid: String| async move {
            let (existed, followers) = store.count_activity_added(&fid).await?;
            if !existed {
                let parsed = Fid::parse("feeds", &fid)?;
                let feed = feed_rules::new_feed(store, &parsed, &a.user_id, a.created_at).await?;
                store.create_feed_if_missing(&feed).await?;
            }
            // Private activities are for the feed's owner only: they do not travel.
            let travels = followers > 0 && a.content.visibility != Visibility::Private;
            Ok::<_, ApiError>(travels.then(|| FanoutTask::deliver(a, &fid)))
        })
        .buffer_unordered(WRITE_CONCURRENCY)
        .try_collect()
        .await?;
    let tasks: Vec<FanoutTask> = tasks.into_iter().flatten().collect();
    state.enqueue(&tasks).await
}

/// After an activity left `feeds` for good: uncount it and take it out of the followers'
/// feeds.
pub(crate) async fn left(state: &AppState, a: &Activity, feeds: &[String]) -> ApiResult<()> {
    let store = &state.store;
    stream::iter(feeds.to_vec())
        .map(|fid: String| async move { store.bump_feed_counter(&fid, "activity_count", -1).await })
        .buffer_unordered(WRITE_CONCURRENCY)
        .try_collect::<Vec<()>>()
        .await?;
    let tasks: Vec<FanoutTask> = feeds
        .iter()
        .map(|fid| FanoutTask::retract(a, fid))
        .collect();
    state.enqueue(&tasks).await
}

pub async fn add(
    state: &AppState,
    caller: &Caller,
    req: NewActivityRequest,
) -> ApiResult<ActivityResponse> {
    let store = &state.store;
    let notify = req.create_notification_activity == Some(true);
    let copy_custom = req.copy_custom_to_notification == Some(true);
    let activity = prepare_new(caller, req, now_nanos())?;
    let formats = ensure_groups(store, &activity.content.feeds).await?;
    may_post(store, caller, &activity.content.feeds).await?;
    store.create_activity(&activity).await?;
    arrived_in(state, &activity, &activity.content.feeds, &formats).await?;
    if notify {
        notify_mentions(store, &activity, copy_custom).await?;
    }
    render::activity(store, &activity).await
}

/// A "mention" notification for each user the activity mentions.
async fn notify_mentions(store: &Store, a: &Activity, copy_custom: bool) -> ApiResult<()> {
    for mentioned in &a.content.mentioned_user_ids {
        let notice = notifications::Notice {
            kind: "mention",
            actor: a.user_id.clone(),
            recipient: mentioned.clone(),
            cause: a.id.clone(),
            target: serde_json::json!({
                "id": a.id, "type": a.activity_type, "text": a.content.text, "user_id": a.user_id,
            }),
            text: format!("{} mentioned you", a.user_id),
            custom: if copy_custom {
                a.content.custom.clone()
            } else {
                Default::default()
            },
            deduplicate: true,
        };
        notifications::notify(store, notice).await?;
    }
    Ok(())
}

pub async fn get(
    store: &Store,
    caller: &Caller,
    id: &str,
    q: &crate::requests::GetActivityQuery,
) -> ApiResult<ActivityResponse> {
    let reader = caller.acting_user(q.user_id.as_deref())?;
    let order = Order::parse("comment_sort", q.comment_sort.as_deref(), Order::Newest)?;
    let limit = match q.comment_limit {
        None => render::COMMENTS_SHOWN,
        Some(n) if (0..=100).contains(&n) => n as usize,
        Some(n) => {
            return Err(ApiError::field(
                "comment_limit",
                format!("comment_limit must be between 0 and 100, got {n}"),
            ))
        }
    };
    let activity = load(store, id).await?;
    // Expired activities leave every read the moment they expire (the expiry job removes
    // them from storage later).
    let expired = activity
        .content
        .expires_at
        .is_some_and(|e| e <= now_nanos());
    if !visible_to(caller, &activity) || expired {
        return Err(not_found(id));
    }
    store
        .require_on_activity(caller, &activity, Capability::ReadActivities)
        .await?;
    let mut rendered =
        render::activities_for(store, std::slice::from_ref(&activity), reader.as_deref()).await?;
    let as_reader = match (caller, &reader) {
        (Caller::Server, Some(user)) => Caller::User(user.clone()),
        _ => caller.clone(),
    };
    render::apply_previews(
        store,
        &as_reader,
        std::slice::from_ref(&activity),
        &mut rendered,
    )
    .await?;
    let mut rendered = rendered.remove(0);
    if limit != render::COMMENTS_SHOWN || order != Order::Newest {
        // Other than the default: read that page of the thread.
        rendered.comments = if limit == 0 {
            Vec::new()
        } else {
            let ids = if order.is_ranked() {
                let mut ids = threads::ranked_ids(store, "activity", id, None, order).await?;
                ids.truncate(limit);
                ids
            } else {
                let newest = order == Order::Newest;
                store
                    .thread_page("activity", id, None, limit, None, newest)
                    .await?
                    .0
            };
            render::comments(store, &ids).await?
        };
    }
    Ok(rendered)
}

pub async fn delete(
    state: &AppState,
    caller: &Caller,
    id: &str,
    hard: bool,
    user_id: Option<&str>,
) -> ApiResult<()> {
    caller.acting_user(user_id)?;
    let activity = load(&state.store, id).await?;
    state
        .store
        .may_change_activity(caller, &activity, Capability::DeleteAnyActivity)
        .await?;
    remove(state, &activity, hard).await
}

/// A soft delete hides an activity wherever it is read; a hard delete removes it and its
/// entries everywhere.
async fn remove(state: &AppState, activity: &Activity, hard: bool) -> ApiResult<()> {
    let store = &state.store;
    if hard {
        store.delete_activity_hard(activity).await?;
        left(state, activity, &activity.content.feeds).await
    } else if activity.is_deleted() {
        Ok(())
    } else {
        store
            .set_activity_deleted(&activity.id, Some(now_nanos()), now_nanos())
            .await
            .map(|_| ())
    }
}

/// Deletes several activities; all must exist and be the caller's to delete, or nothing is.
pub async fn delete_many(
    state: &AppState,
    caller: &Caller,
    ids: Vec<String>,
    hard: bool,
    user_id: Option<&str>,
) -> ApiResult<Vec<String>> {
    caller.acting_user(user_id)?;
    validate::batch_len("ids", ids.len())?;
    for (i, id) in ids.iter().enumerate() {
        validate::id(&format!("ids[{i}]"), id)?;
    }
    let found = state.store.get_activities(&ids).await?;
    let mut targets = Vec::with_capacity(ids.len());
    for id in &ids {
        let a = found.get(id).ok_or_else(|| not_found(id))?;
        state
            .store
            .may_change_activity(caller, a, Capability::DeleteAnyActivity)
            .await?;
        if !targets.iter().any(|t: &Activity| t.id == a.id) {
            targets.push(a.clone());
        }
    }
    stream::iter(targets)
        .map(|a| async move { remove(state, &a, hard).await })
        .buffer_unordered(WRITE_CONCURRENCY)
        .try_collect::<Vec<()>>()
        .await?;
    Ok(ids)
}

pub async fn restore(
    store: &Store,
    caller: &Caller,
    id: &str,
    user_id: Option<&str>,
) -> ApiResult<ActivityResponse> {
    caller.acting_user(user_id)?;
    let activity = load(store, id).await?;
    store
        .may_change_activity(caller, &activity, Capability::DeleteAnyActivity)
        .await?;
    let restored = if activity.is_deleted() {
        store
            .set_activity_deleted(id, None, now_nanos())
            .await?
            .ok_or_else(|| not_found(id))?
    } else {
        activity
    };
    render::activity(store, &restored).await
}
