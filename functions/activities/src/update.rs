//! Updating activities: full and partial updates, as read-modify-writes with optimistic
//! locking (a write is conditional on the version it read).

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use futures::stream::{self, StreamExt, TryStreamExt};

use tributary_domain::retry::Backoff;

use serde_json::{Map, Value};
use tributary_core::revisions::{self, Action};
use tributary_domain::access::Capability;
use tributary_domain::caller::Caller;
use tributary_domain::model::{Activity, ActivityContent};
use tributary_domain::partial;
use tributary_domain::time::now_nanos;
use tributary_domain::validate::{self};
use tributary_domain::ApiError;
use tributary_domain::ApiResult;
use tributary_http::AppState;
use tributary_store::collections::CollectionObject;
use tributary_v3::render;
use tributary_v3::requests::{ActivityFields, NewActivityRequest};
use tributary_v3::responses::ActivityResponse;

use crate::ops::{arrived_in, ensure_groups, load, may_post, prepare_new, WRITE_CONCURRENCY};

/// Attempts at a read-modify-write before a concurrent writer's change is reported.
const UPDATE_ATTEMPTS: u32 = 30;
/// Writers racing on one activity spread out.
const BACKOFF: Backoff = Backoff {
    base: Duration::from_millis(5),
    max_doublings: 3,
    jitter: Duration::from_millis(20),
};

/// Read-modify-write of an activity's content with optimistic locking: `change` computes
/// the new content from the current activity, and runs again if someone wrote in between.
pub(crate) async fn update_with<F>(
    state: &AppState,
    caller: &Caller,
    id: &str,
    acting_as: Option<&str>,
    change: F,
) -> ApiResult<Activity>
where
    F: Fn(&Activity) -> ApiResult<ActivityContent>,
{
    let store = &state.store;
    caller.acting_user(acting_as)?;
    for attempt in 0..UPDATE_ATTEMPTS {
        if attempt > 0 {
            tokio::time::sleep(BACKOFF.delay(attempt)).await;
        }
        let current = load(store, id).await?;
        store
            .may_change_activity(caller, &current, Capability::UpdateAnyActivity)
            .await?;
        let content = change(&current)?;
        validate::content(&current.activity_type, &content)?;
        crate::ops::check_poll(store, &content, current.content.poll_id.as_deref()).await?;
        if content.feeds != current.content.feeds {
            ensure_groups(store, &content.feeds).await?;
            let added = content
                .feeds
                .iter()
                .filter(|f| !current.content.feeds.contains(f));
            may_post(store, caller, added).await?;
        }
        if let Some(updated) = store
            .replace_activity_content(&current, content, now_nanos())
            .await?
        {
            revisions::activity(state, caller, Action::Edit, Some(&current), Some(&updated))
                .await?;
            return Ok(updated);
        }
    }
    Err(ApiError::internal_msg(format!(
        "activity '{id}' kept changing during the update"
    )))
}

/// Full update: the request is the new content. Fields left out are cleared, except the
/// feeds, which stay as they were.
pub async fn update(
    state: &AppState,
    caller: &Caller,
    id: &str,
    user_id: Option<&str>,
    fields: ActivityFields,
) -> ApiResult<ActivityResponse> {
    let updated = update_with(state, caller, id, user_id, |current| {
        let base = ActivityContent {
            feeds: current.content.feeds.clone(),
            ..Default::default()
        };
        fields.clone().apply(base)
    })
    .await?;
    render::activity(&state.store, &updated).await
}

pub async fn update_partial(
    state: &AppState,
    caller: &Caller,
    id: &str,
    user_id: Option<&str>,
    set: &Map<String, Value>,
    unset: &[String],
) -> ApiResult<Activity> {
    update_with(state, caller, id, user_id, |current| {
        partial::apply(&current.content, set, unset)
    })
    .await
}

/// Creates or replaces each activity. Everything is validated before anything is written,
/// so a batch with one bad activity writes nothing.
pub async fn upsert(
    state: &AppState,
    caller: &Caller,
    requests: Vec<NewActivityRequest>,
) -> ApiResult<Vec<ActivityResponse>> {
    let store = &state.store;
    validate::batch_len("activities", requests.len())?;
    let now = now_nanos();
    let mut prepared = Vec::with_capacity(requests.len());
    let mut seen = HashSet::new();
    let mut inline = Vec::new();
    let mut acting = None;
    for (i, req) in requests.into_iter().enumerate() {
        let new =
            prepare_new(caller, req, now).map_err(|e| e.within(&format!("activities[{i}]")))?;
        inline.extend(new.collections);
        acting = acting.or(new.acting);
        let a = new.activity;
        if !seen.insert(a.id.clone()) {
            return Err(ApiError::field(
                format!("activities[{i}].id"),
                format!("activity id '{}' appears more than once in the batch", a.id),
            ));
        }
        prepared.push(a);
    }
    // The polls the batch names: one batched read.
    let poll_ids: Vec<String> = prepared
        .iter()
        .filter_map(|a| a.content.poll_id.clone())
        .collect();
    if !poll_ids.is_empty() {
        let polls = store.get_polls(&poll_ids).await?;
        if let Some((i, id)) = prepared.iter().enumerate().find_map(|(i, a)| {
            a.content
                .poll_id
                .as_ref()
                .filter(|p| !polls.contains_key(*p))
                .map(|p| (i, p))
        }) {
            return Err(ApiError::field(
                format!("activities[{i}].poll_id"),
                format!("poll_id: poll '{id}' does not exist"),
            ));
        }
    }
    let formats =
        ensure_groups(store, prepared.iter().flat_map(|a| a.content.feeds.iter())).await?;
    may_post(
        store,
        caller,
        prepared.iter().flat_map(|a| a.content.feeds.iter()),
    )
    .await?;
    let ids: Vec<String> = prepared.iter().map(|a| a.id.clone()).collect();
    let existing: HashMap<String, Activity> = store.get_activities(&ids).await?;
    for a in &prepared {
        if let Some(old) = existing.get(&a.id) {
            caller.may_modify(&old.user_id)?;
        }
    }
    // Inline collections of the whole batch (the last one named wins), once every activity
    // has passed its checks and before any is written.
    let inline = tributary_v3::collections::dedup(inline, CollectionObject::reference);
    tributary_v3::collections::upsert(store, inline, acting.as_deref()).await?;

    let formats = &formats;
    let written: Vec<Activity> = stream::iter(prepared)
        .map(|a| {
            let exists = existing.contains_key(&a.id);
            async move {
                if exists {
                    let content = a.content.clone();
                    update_with(state, caller, &a.id, None, move |_| Ok(content.clone())).await
                } else {
                    store.create_activity(&a).await?;
                    state.usage.count(tributary_http::usage::ACTIVITIES, 1);
                    revisions::activity(state, caller, Action::Create, None, Some(&a)).await?;
                    arrived_in(state, &a, &a.content.feeds, formats).await?;
                    Ok(a)
                }
            }
        })
        .buffered(WRITE_CONCURRENCY)
        .try_collect()
        .await?;
    render::activities(store, &written).await
}
