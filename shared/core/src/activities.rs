//! Activities entering and leaving feeds, for both dialects: the groups they name must
//! exist, the caller must be allowed to post there, each feed counts them, and followers get
//! them through the task queue.

use std::collections::HashMap;

use futures::stream::{self, StreamExt, TryStreamExt};
use tributary_domain::access::Capability;
use tributary_domain::aggregation::{self, Format};
use tributary_domain::caller::Caller;
use tributary_domain::model::feed::Feed;
use tributary_domain::model::{Activity, Visibility};
use tributary_domain::time::now_nanos;
use tributary_domain::validate::{self, Fid};
use tributary_domain::ApiError;
use tributary_domain::ApiResult;
use tributary_http::{usage, AppState};

use crate::revisions::{self, Action};
use tributary_store::feed_rules;
use tributary_store::Store;
use tributary_tasks::fanout;
use tributary_tasks::fanout::FanoutTask;

/// Writes one batch request keeps in flight.
pub const WRITE_CONCURRENCY: usize = 8;

/// Refuses feeds whose group does not exist; returns the aggregation formats of those
/// groups that aggregate (one batched read of the groups).
pub async fn ensure_groups<'a>(
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
pub async fn may_post<'a>(
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

pub fn not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("activity '{id}' does not exist"))
}

pub async fn load(store: &Store, id: &str) -> ApiResult<Activity> {
    validate::id("id", id)?;
    store.get_activity(id).await?.ok_or_else(|| not_found(id))
}

/// Private activities are seen only by their author (and server-side calls).
pub fn visible_to(caller: &Caller, a: &Activity) -> bool {
    match (caller, a.content.visibility) {
        (Caller::User(me), Visibility::Private) => me == &a.user_id,
        (Caller::Anonymous, Visibility::Private) => false,
        _ => true,
    }
}

/// After an activity entered `feeds`: count it in each feed (creating feeds met for the
/// first time) and queue its delivery to the followers of those that have any.
pub async fn arrived_in(
    state: &AppState,
    a: &Activity,
    feeds: &[String],
    formats: &HashMap<String, Format>,
) -> ApiResult<()> {
    arrived(state, a, feeds, formats, true).await
}

/// [`arrived_in`], delivering to followers only when `deliver` is set (v2's `add_to_many`
/// writes into the named feeds alone).
pub async fn arrived(
    state: &AppState,
    a: &Activity,
    feeds: &[String],
    formats: &HashMap<String, Format>,
    deliver: bool,
) -> ApiResult<()> {
    let store = &state.store;
    let groups = fanout::group_adds(formats, feeds.iter().map(|f| (f.as_str(), a)));
    fanout::add_to_groups(store, groups).await?;
    let pull_on = state.config.pull_follower_threshold.is_some();
    let tasks: Vec<Vec<FanoutTask>> = stream::iter(feeds.to_vec())
        .map(|fid: String| async move {
            let arrival = store.count_arrival(&fid).await?;
            if !arrival.existed {
                let parsed = Fid::parse("feeds", &fid)?;
                let feed = feed_rules::new_feed(store, &parsed, &a.user_id, a.created_at).await?;
                store.create_feed_if_missing(&feed).await?;
            }
            // Private activities are for the feed's owner only: they do not travel.
            let travels =
                deliver && arrival.followers > 0 && a.content.visibility != Visibility::Private;
            if !travels {
                return Ok::<_, ApiError>(Vec::new());
            }
            if pull_on && arrival.pull_since.is_some() {
                return pushed_groups(store, a, &fid).await;
            }
            Ok(vec![FanoutTask::deliver(a, &fid)])
        })
        .buffer_unordered(WRITE_CONCURRENCY)
        .try_collect()
        .await?;
    let tasks: Vec<FanoutTask> = tasks.into_iter().flatten().collect();
    state.fan_out(tasks).await
}

/// The deliveries of a post into a large feed (one whose flat followers pull it): one per
/// aggregated feed group, each walking only that group's followers, so the post's cost does
/// not grow with its flat audience.
async fn pushed_groups(store: &Store, a: &Activity, fid: &str) -> ApiResult<Vec<FanoutTask>> {
    Ok(fanout::aggregated_groups(store)
        .await?
        .into_iter()
        .map(|g| FanoutTask::Deliver {
            activity_id: a.id.clone(),
            created_at: a.created_at,
            origin: fid.to_string(),
            expires_at: a.content.expires_at,
            after: None,
            group: Some(g.clone()),
        })
        .collect())
}

/// After an activity left `feeds` for good: uncount it and take it out of the followers'
/// feeds.
pub async fn left(state: &AppState, a: &Activity, feeds: &[String]) -> ApiResult<()> {
    let store = &state.store;
    stream::iter(feeds.to_vec())
        .map(|fid: String| async move { store.bump_feed_counter(&fid, "activity_count", -1).await })
        .buffer_unordered(WRITE_CONCURRENCY)
        .try_collect::<Vec<()>>()
        .await?;
    let tasks = fanout::retractions(store, a, feeds).await?;
    state.fan_out(tasks).await
}

/// A soft delete hides an activity wherever it is read; a hard delete removes it and its
/// entries everywhere.
pub async fn remove(state: &AppState, activity: &Activity, hard: bool) -> ApiResult<()> {
    let store = &state.store;
    if hard {
        store.delete_activity_hard(activity).await?;
        revisions::forget(state, "activity", &activity.id).await?;
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

/// Stores a new activity and publishes it into its feeds (and their followers'): its groups
/// must exist and the caller must be allowed to post into each feed.
pub async fn publish(state: &AppState, caller: &Caller, activity: &Activity) -> ApiResult<()> {
    publish_with(state, caller, activity, true).await
}

/// [`publish`], delivering to the feeds' followers only when `deliver` is set.
pub async fn publish_with(
    state: &AppState,
    caller: &Caller,
    activity: &Activity,
    deliver: bool,
) -> ApiResult<()> {
    let store = &state.store;
    // The groups and the caller's right to post are read at once (a missing group is
    // reported first, as when they were read one after the other).
    let (formats, allowed) = tokio::join!(
        ensure_groups(store, &activity.content.feeds),
        may_post(store, caller, &activity.content.feeds)
    );
    let formats = formats?;
    allowed?;
    store.create_activity_record(activity).await?;
    state.usage.count(usage::ACTIVITIES, 1);
    // Once the activity exists, its own entries, its counting and delivery, and its
    // revision are independent writes: made at once.
    tokio::try_join!(
        store.write_own_entries(activity),
        arrived(state, activity, &activity.content.feeds, &formats, deliver),
        revisions::activity(state, caller, Action::Create, None, Some(activity)),
    )?;
    Ok(())
}

/// An activity's v2 `foreign_id` (kept in its custom data).
pub fn foreign_id(a: &Activity) -> Option<&str> {
    a.content.custom.get("foreign_id")?.as_str()
}

/// Stores an activity whose id may exist already: a new one is published into its feeds;
/// an existing one (v2's same `foreign_id` and `time`) takes the new content and joins the
/// feeds it is not in yet, keeping the ones it was in. `deliver`: whether the new feeds'
/// followers get it too. Feeds that hold it note its `foreign_id`, for v2's removal by it.
pub async fn upsert(
    state: &AppState,
    caller: &Caller,
    activity: Activity,
    deliver: bool,
) -> ApiResult<Activity> {
    let store = &state.store;
    for _ in 0..3 {
        let Some(existing) = store.get_activity(&activity.id).await? else {
            match publish_with(state, caller, &activity, deliver).await {
                Ok(()) => {
                    if let Some(f) = foreign_id(&activity) {
                        store
                            .put_foreign_id_refs(&activity.content.feeds, f, &activity.id)
                            .await?;
                    }
                    return Ok(activity);
                }
                // Someone stored the same activity meanwhile: overwrite theirs.
                Err(ApiError::Input { field: Some(f), .. }) if f == "id" => continue,
                Err(e) => return Err(e),
            }
        };
        if let Caller::User(_) = caller {
            store
                .may_change_activity(caller, &existing, Capability::UpdateAnyActivity)
                .await?;
        }
        let added: Vec<String> = activity
            .content
            .feeds
            .iter()
            .filter(|f| !existing.content.feeds.contains(f))
            .cloned()
            .collect();
        let formats = ensure_groups(store, &added).await?;
        may_post(store, caller, &added).await?;
        let mut content = activity.content.clone();
        content.feeds = existing.content.feeds.clone();
        content.feeds.extend(added.iter().cloned());
        if let Some(to) = existing.content.custom.get("to") {
            content.custom.entry("to").or_insert_with(|| to.clone());
        }
        let Some(updated) = store
            .replace_activity_content(&existing, content, now_nanos())
            .await?
        else {
            continue;
        };
        revisions::activity(state, caller, Action::Edit, Some(&existing), Some(&updated)).await?;
        arrived(state, &updated, &added, &formats, deliver).await?;
        if let Some(f) = foreign_id(&updated) {
            store.put_foreign_id_refs(&added, f, &updated.id).await?;
        }
        return Ok(updated);
    }
    Err(ApiError::input(
        "the activity changed while it was being saved; try again",
    ))
}
