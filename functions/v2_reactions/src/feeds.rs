//! `target_feeds`: a reaction can put an activity about itself into other feeds (at most
//! [`MAX_TARGET_FEEDS`]), where it reaches those feeds' followers as any activity does.
//!
//! The activity: `actor` = the reacting user, `verb` = the kind, `object` =
//! `SA:<activity id>`, `reaction` and `foreign_id` = `SR:<reaction id>`, `time` = the
//! reaction's, and `target_feeds_extra_data`'s fields beside them (the activity's own fields
//! win). Its id is derived from the reaction's, so an update finds it, a retry does not
//! duplicate it, and deleting (or restoring) the reaction deletes (or restores) it.

use serde_json::{Map, Value};
use tributary_core::activities;
use tributary_domain::caller::Caller;
use tributary_domain::model::Activity;
use tributary_domain::time::now_nanos;
use tributary_domain::validate::Fid;
use tributary_domain::{ApiError, ApiResult};
use tributary_http::AppState;
use tributary_v2::activity::parse_new;
use tributary_v2::reactions::V2Reaction;

/// Most feeds one reaction targets (Stream's limit).
pub const MAX_TARGET_FEEDS: usize = 20;

/// The namespace of the ids of reaction activities.
const ACTIVITY_NAMESPACE: uuid::Uuid =
    uuid::Uuid::from_u128(0x5a8e_17c4_2b9d_4c3e_a1f0_6d7b_8c9e_0f12);

/// `target_feeds`: feed ids (`null` is none).
pub fn parse_targets(raw: Option<&Value>) -> ApiResult<Vec<String>> {
    let Some(raw) = raw.filter(|v| !v.is_null()) else {
        return Ok(Vec::new());
    };
    let list = raw.as_array().ok_or_else(|| {
        ApiError::field("target_feeds", "target_feeds must be a list of feed ids")
    })?;
    if list.len() > MAX_TARGET_FEEDS {
        return Err(ApiError::field(
            "target_feeds",
            format!("target_feeds names at most {MAX_TARGET_FEEDS} feeds"),
        ));
    }
    let mut out: Vec<String> = Vec::new();
    for (i, entry) in list.iter().enumerate() {
        let fid = entry.as_str().ok_or_else(|| {
            ApiError::field(
                "target_feeds",
                format!("target_feeds[{i}] must be a feed id"),
            )
        })?;
        Fid::parse("target_feeds", fid)?;
        if !out.iter().any(|f| f == fid) {
            out.push(fid.to_string());
        }
    }
    Ok(out)
}

/// Refuses target feeds of groups that do not exist, or that the caller may not post to,
/// before anything is written.
pub async fn check(state: &AppState, caller: &Caller, feeds: &[String]) -> ApiResult<()> {
    if feeds.is_empty() {
        return Ok(());
    }
    let named = |e: ApiError| match e {
        ApiError::Input { message, .. } => ApiError::field("target_feeds", message),
        other => other,
    };
    activities::ensure_groups(&state.store, feeds)
        .await
        .map_err(named)?;
    activities::may_post(&state.store, caller, feeds).await
}

/// The id of a reaction's activity.
pub fn activity_id(reaction_id: &str) -> String {
    uuid::Uuid::new_v5(&ACTIVITY_NAMESPACE, format!("SR:{reaction_id}").as_bytes()).to_string()
}

/// Puts the reaction's activity into `feeds` (creating it, or adding the feeds it is not in
/// yet).
pub async fn publish(
    state: &AppState,
    caller: &Caller,
    r: &V2Reaction,
    feeds: &[String],
    extra: &Map<String, Value>,
) -> ApiResult<()> {
    let Some(first) = feeds.first() else {
        return Ok(());
    };
    let id = activity_id(&r.id);
    let activity = match state.store.get_activity(&id).await? {
        Some(mut existing) => {
            existing.content.feeds = feeds.to_vec();
            existing
        }
        None => new_activity(r, first, feeds, extra, id)?,
    };
    activities::upsert(state, caller, activity, true).await?;
    Ok(())
}

fn new_activity(
    r: &V2Reaction,
    first: &str,
    feeds: &[String],
    extra: &Map<String, Value>,
    id: String,
) -> ApiResult<Activity> {
    let reference = Value::String(format!("SR:{}", r.id));
    let mut raw = extra.clone();
    for reserved in ["id", "time", "to", "origin"] {
        raw.remove(reserved);
    }
    raw.insert("actor".into(), Value::String(r.user_id.clone()));
    raw.insert("verb".into(), Value::String(r.kind.clone()));
    raw.insert(
        "object".into(),
        Value::String(format!("SA:{}", r.activity_id)),
    );
    raw.insert("foreign_id".into(), reference.clone());
    raw.insert("reaction".into(), reference);
    let created_at = tributary_v2::time::truncate_to_micros(r.created_at);
    let mut new = parse_new(&Value::Object(raw), first, created_at)
        .map_err(|e| e.within("target_feeds_extra_data"))?;
    new.activity.id = id;
    new.activity.content.feeds = feeds.to_vec();
    Ok(new.activity)
}

/// Deletes the reaction's activity, if it has one: for good (`hard`) or softly.
pub async fn remove(state: &AppState, reaction_id: &str, hard: bool) -> ApiResult<()> {
    let store = &state.store;
    let Some(a) = store.get_activity(&activity_id(reaction_id)).await? else {
        return Ok(());
    };
    activities::remove(state, &a, hard).await?;
    if hard {
        if let Some(f) = activities::foreign_id(&a) {
            store
                .delete_foreign_id_refs(&a.content.feeds, f, &a.id)
                .await?;
        }
    }
    Ok(())
}

/// Restores the reaction's soft-deleted activity, if it has one.
pub async fn restore(state: &AppState, reaction_id: &str) -> ApiResult<()> {
    let id = activity_id(reaction_id);
    if let Some(a) = state.store.get_activity(&id).await? {
        if a.is_deleted() {
            state
                .store
                .set_activity_deleted(&id, None, now_nanos())
                .await?;
        }
    }
    Ok(())
}
