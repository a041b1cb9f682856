//! The rules of the activities family, independent of HTTP. Publishing and removing are
//! `tributary_core::activities`, which the v2 dialect shares.

use futures::stream::{self, StreamExt, TryStreamExt};
use tributary_core::revisions::{self, Action};
use tributary_domain::access::Capability;
use tributary_domain::caller::Caller;
use tributary_domain::ids;
use tributary_domain::model::{Activity, ActivityContent};
use tributary_domain::time::{now_nanos, Nanos};
use tributary_domain::validate;
use tributary_domain::ApiError;
use tributary_domain::ApiResult;
use tributary_http::AppState;
use tributary_store::collections::CollectionObject;
use tributary_store::threads::{self, Order};
use tributary_store::Store;
use tributary_tasks::notifications;
use tributary_tasks::realtime;
use tributary_v3::collections;
use tributary_v3::render;
use tributary_v3::requests::NewActivityRequest;
use tributary_v3::responses::ActivityResponse;

pub(crate) use tributary_core::activities::{
    arrived_in, ensure_groups, load, may_post, not_found, publish, remove, visible_to,
    WRITE_CONCURRENCY,
};

/// A new activity and the collections its request writes inline (`collections`).
pub(crate) struct NewActivity {
    pub activity: Activity,
    /// Deduplicated, owned by the acting user (a server call: as each names, else the
    /// activity's user); their refs are in the activity's `collection_refs` already.
    pub collections: Vec<CollectionObject>,
    /// Whom the collection writes act for: the user of a user token, `None` for the server.
    pub acting: Option<String>,
}

/// Builds a new activity from a request, checking everything that needs no storage,
/// inline `collections` included: their refs join `collection_refs` (after those listed,
/// each once), and the merged list keeps to the per-activity limit on references.
pub(crate) fn prepare_new(
    caller: &Caller,
    mut req: NewActivityRequest,
    now: Nanos,
) -> ApiResult<NewActivity> {
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
    let inline = req.collections.take().unwrap_or_default();
    let listed = req.collection_refs.as_ref().map_or(0, Vec::len);
    let mut content = req.apply(ActivityContent::default())?;
    let (collections, acting) = if inline.is_empty() {
        (Vec::new(), None)
    } else {
        let acting = collections::owner_of(caller)?;
        let objects = collections::objects(&inline, acting.as_deref(), Some(&user_id))?;
        merge_refs(&mut content.collection_refs, &objects, listed)?;
        (objects, acting)
    };
    validate::content(&activity_type, &content)?;
    let mut activity = Activity::new(id, activity_type, user_id, content, now);
    activity.parent_id = parent_id;
    Ok(NewActivity {
        activity,
        collections,
        acting,
    })
}

/// Adds the refs of inline collections to `collection_refs`, each once. Past the limit
/// because of them: 400 naming `collections` (listed refs alone past it are named as
/// `collection_refs` by the content check).
fn merge_refs(
    refs: &mut Vec<String>,
    objects: &[CollectionObject],
    listed: usize,
) -> ApiResult<()> {
    for o in objects {
        let r = o.reference();
        if !refs.contains(&r) {
            refs.push(r);
        }
    }
    if refs.len() > validate::MAX_TAGS && listed <= validate::MAX_TAGS {
        return Err(ApiError::field(
            "collections",
            format!(
                "collections: with collection_refs, an activity may reference at most {} collections, got {}",
                validate::MAX_TAGS,
                refs.len()
            ),
        ));
    }
    Ok(())
}

/// The poll an activity names must exist (400 naming `poll_id` otherwise); `before` is the
/// poll it already carried, not read again.
pub(crate) async fn check_poll(
    store: &Store,
    content: &ActivityContent,
    before: Option<&str>,
) -> ApiResult<()> {
    let Some(id) = content.poll_id.as_deref() else {
        return Ok(());
    };
    if Some(id) == before {
        return Ok(());
    }
    validate::id("poll_id", id)?;
    if store.get_poll(id).await?.is_none() {
        return Err(ApiError::field(
            "poll_id",
            format!("poll_id: poll '{id}' does not exist"),
        ));
    }
    Ok(())
}

pub async fn add(
    state: &AppState,
    caller: &Caller,
    req: NewActivityRequest,
) -> ApiResult<ActivityResponse> {
    let store = &state.store;
    let notify = req.create_notification_activity == Some(true);
    let copy_custom = req.copy_custom_to_notification == Some(true);
    let NewActivity {
        activity,
        collections,
        acting,
    } = prepare_new(caller, req, now_nanos())?;
    check_poll(store, &activity.content, None).await?;
    if !collections.is_empty() {
        // The activity's own checks come first, so an activity refused writes no collection.
        ensure_groups(store, &activity.content.feeds).await?;
        may_post(store, caller, &activity.content.feeds).await?;
        collections::upsert(store, collections, acting.as_deref()).await?;
    }
    publish(state, caller, &activity).await?;
    if notify {
        notify_mentions(state, &activity, copy_custom).await?;
    }
    let response = render::activity(store, &activity).await?;
    announce(state, "feeds.activity.added", &activity, &response).await;
    Ok(response)
}

/// Queues `feeds.activity.deleted`, rendering the activity only when there is a realtime API.
async fn announce_deleted(state: &AppState, a: &Activity) -> ApiResult<()> {
    if state.config.realtime_endpoint.is_some() {
        let response = render::activity(&state.store, a).await?;
        announce(state, "feeds.activity.deleted", a, &response).await;
    }
    Ok(())
}

/// Queues the realtime events about an activity for the connections watching its feeds.
pub async fn announce(
    state: &AppState,
    kind: &str,
    activity: &Activity,
    response: &ActivityResponse,
) {
    let fields = serde_json::json!({ "activity": response });
    state
        .publish(realtime::activity_events(kind, activity, fields))
        .await;
}

/// A "mention" notification for each user the activity mentions.
async fn notify_mentions(state: &AppState, a: &Activity, copy_custom: bool) -> ApiResult<()> {
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
        state.notify(notice).await?;
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
    remove(state, &activity, hard).await?;
    if !hard && !activity.is_deleted() {
        revisions::activity(state, caller, Action::Delete, Some(&activity), None).await?;
    }
    announce_deleted(state, &activity).await
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
        .map(|a| async move {
            remove(state, &a, hard).await?;
            if !hard && !a.is_deleted() {
                revisions::activity(state, caller, Action::Delete, Some(&a), None).await?;
            }
            announce_deleted(state, &a).await
        })
        .buffer_unordered(WRITE_CONCURRENCY)
        .try_collect::<Vec<()>>()
        .await?;
    Ok(ids)
}

pub async fn restore(
    state: &AppState,
    caller: &Caller,
    id: &str,
    user_id: Option<&str>,
) -> ApiResult<ActivityResponse> {
    let store = &state.store;
    caller.acting_user(user_id)?;
    let activity = load(store, id).await?;
    store
        .may_change_activity(caller, &activity, Capability::DeleteAnyActivity)
        .await?;
    let restored = if activity.is_deleted() {
        let restored = store
            .set_activity_deleted(id, None, now_nanos())
            .await?
            .ok_or_else(|| not_found(id))?;
        revisions::activity(
            state,
            caller,
            Action::Restore,
            Some(&activity),
            Some(&restored),
        )
        .await?;
        restored
    } else {
        activity
    };
    render::activity(store, &restored).await
}
