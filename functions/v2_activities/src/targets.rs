//! `POST feed_targets/{group}/{id}/activity_to_targets/` `{"foreign_id", "time",
//! "new_targets"? | "added_targets"? / "removed_targets"?}`: changes the `to` targets of the
//! activity with that `foreign_id` + `time` in the feed.
//!
//! `new_targets` replaces the list; `added_targets` and `removed_targets` edit it (not both
//! kinds at once). Targets that join get the activity, and their followers get it through
//! `tributary_core` (counted, fanned out); targets that leave lose it, and their followers'
//! copies go (core's `left`). The feed of the path keeps the activity whatever its `to` says:
//! the change is made from it. Answers `{"activity": {... "to": [...]}, "added": [...],
//! "removed": [...], "new": [...]}` (the targets that joined, that left, and `new_targets` as
//! sent). Sending the same change again changes nothing more.

use axum::extract::{Path, State};
use axum::Json;
use serde_json::{json, Map, Value};

use tributary_core::activities;
use tributary_domain::model::{Activity, ActivityContent};
use tributary_domain::validate::Fid;
use tributary_domain::{ApiError, ApiResult};
use tributary_http::v2::{Action, V2Auth, V2Body, V2Result};
use tributary_http::AppState;
use tributary_v2::activity::render;

use crate::lookup::{self, foreign_id_and_time, Named};

/// Most targets one list may name.
const MAX_TARGETS: usize = 100;

/// What the request asks of the `to` list.
enum Edit {
    Replace(Vec<String>),
    Change {
        added: Vec<String>,
        removed: Vec<String>,
    },
}

/// A list of plain fids (a `fid token` entry, as `to` takes, is read as its fid); `None` when
/// absent or null.
fn targets(obj: &Map<String, Value>, field: &str) -> ApiResult<Option<Vec<String>>> {
    let list = match obj.get(field) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Array(list)) => list,
        Some(_) => {
            return Err(ApiError::field(
                field,
                format!("{field} must be a list of feed ids"),
            ))
        }
    };
    if list.len() > MAX_TARGETS {
        return Err(ApiError::field(
            field,
            format!("{field}: at most {MAX_TARGETS} targets are allowed"),
        ));
    }
    let mut out: Vec<String> = Vec::new();
    for (i, entry) in list.iter().enumerate() {
        let raw = entry
            .as_str()
            .ok_or_else(|| ApiError::field(field, format!("{field}[{i}] must be a feed id")))?;
        let fid = raw.split_whitespace().next().unwrap_or_default();
        Fid::parse(field, fid)?;
        if !out.iter().any(|t| t == fid) {
            out.push(fid.to_string());
        }
    }
    Ok(Some(out))
}

fn parse_edit(obj: &Map<String, Value>) -> ApiResult<Edit> {
    let new = targets(obj, "new_targets")?;
    let added = targets(obj, "added_targets")?;
    let removed = targets(obj, "removed_targets")?;
    match (new, added, removed) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => Err(ApiError::field(
            "new_targets",
            "give new_targets, or added_targets and removed_targets, not both",
        )),
        (Some(new), None, None) => Ok(Edit::Replace(new)),
        (None, None, None) => Err(ApiError::field(
            "new_targets",
            "new_targets, added_targets or removed_targets is required",
        )),
        (None, added, removed) => {
            let (added, removed) = (added.unwrap_or_default(), removed.unwrap_or_default());
            if let Some(both) = added.iter().find(|t| removed.contains(t)) {
                return Err(ApiError::field(
                    "removed_targets",
                    format!("'{both}' cannot be both added and removed"),
                ));
            }
            Ok(Edit::Change { added, removed })
        }
    }
}

/// The activity's `to` targets.
fn to_of(a: &Activity) -> Vec<String> {
    a.content
        .custom
        .get("to")
        .and_then(Value::as_array)
        .map(|l| {
            l.iter()
                .filter_map(|t| t.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

impl Edit {
    /// The `to` list after the edit.
    fn apply(&self, old: &[String]) -> Vec<String> {
        match self {
            Edit::Replace(new) => new.clone(),
            Edit::Change { added, removed } => {
                let mut out: Vec<String> = old
                    .iter()
                    .filter(|t| !removed.contains(t))
                    .cloned()
                    .collect();
                out.extend(added.iter().filter(|t| !old.contains(t)).cloned());
                out
            }
        }
    }

    /// Every target the edit may bring in (their groups must exist, the caller must be
    /// allowed to post there).
    fn incoming(&self) -> &[String] {
        match self {
            Edit::Replace(new) => new,
            Edit::Change { added, .. } => added,
        }
    }
}

/// The content with `to` replaced and the feeds following: targets that left go (except
/// the feed the change is made from and the one the activity was written to), new ones join.
fn retarget(a: &Activity, edit: &Edit, fid: &str) -> ActivityContent {
    let old = to_of(a);
    let new = edit.apply(&old);
    let origin = a.content.feeds.first().cloned();
    let mut content = a.content.clone();
    content
        .feeds
        .retain(|f| f == fid || Some(f) == origin.as_ref() || !old.contains(f) || new.contains(f));
    for t in &new {
        if !content.feeds.contains(t) {
            content.feeds.push(t.clone());
        }
    }
    if new.is_empty() {
        content.custom.shift_remove("to");
    } else {
        let list = Value::Array(new.into_iter().map(Value::String).collect());
        content.custom.insert("to".into(), list);
    }
    content
}

fn difference(a: &[String], b: &[String]) -> Vec<String> {
    a.iter().filter(|x| !b.contains(x)).cloned().collect()
}

pub async fn activity_to_targets(
    State(state): State<AppState>,
    V2Auth(auth): V2Auth,
    Path((group, id)): Path<(String, String)>,
    V2Body(body): V2Body,
) -> V2Result<Json<Value>> {
    let fid = format!("{group}:{id}");
    Fid::parse("feed", &fid)?;
    auth.require("feed_targets", Action::Write, Some(&fid))?;
    let obj = body
        .as_object()
        .ok_or_else(|| ApiError::input("the body must be a JSON object"))?;
    let (foreign_id, time) = foreign_id_and_time(obj)?;
    let edit = parse_edit(obj)?;
    let named = Named::ForeignId { foreign_id, time };
    let in_feed = |a: &Activity| a.content.feeds.iter().any(|f| f == &fid);
    let current = lookup::load(&state, std::slice::from_ref(&named))
        .await?
        .pop()
        .flatten()
        .filter(in_feed)
        .ok_or_else(|| named.not_found())?;

    let store = &state.store;
    let formats = activities::ensure_groups(store, edit.incoming()).await?;
    activities::may_post(store, &auth.caller, edit.incoming()).await?;
    let (before, after) = lookup::rewrite(&state, &auth.caller, &named, current, |now| {
        if !in_feed(now) {
            return Err(named.not_found());
        }
        Ok(retarget(now, &edit, &fid))
    })
    .await?;

    let joined = difference(&after.content.feeds, &before.content.feeds);
    let left = difference(&before.content.feeds, &after.content.feeds);
    activities::arrived(&state, &after, &joined, &formats, true).await?;
    activities::left(&state, &before, &left).await?;
    if let Some(f) = activities::foreign_id(&after) {
        store.put_foreign_id_refs(&joined, f, &after.id).await?;
        store.delete_foreign_id_refs(&left, f, &after.id).await?;
    }

    let (old_to, new_to) = (to_of(&before), to_of(&after));
    let mut activity = render(&after, None);
    activity["to"] = json!(new_to);
    let new_targets = match &edit {
        Edit::Replace(new) => new.clone(),
        Edit::Change { .. } => Vec::new(),
    };
    Ok(Json(json!({
        "activity": activity,
        "added": difference(&new_to, &old_to),
        "removed": difference(&old_to, &new_to),
        "new": new_targets,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn activity(feeds: &[&str], to: &[&str]) -> Activity {
        let mut content = ActivityContent {
            feeds: feeds.iter().map(|f| f.to_string()).collect(),
            ..ActivityContent::default()
        };
        if !to.is_empty() {
            content.custom.insert("to".into(), json!(to));
        }
        Activity::new("a".into(), "post".into(), "u".into(), content, 1)
    }

    fn list(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn new_targets_replace_and_the_origin_stays() {
        // Written to user:1 with to [user:1, user:2].
        let a = activity(&["user:1", "user:2"], &["user:1", "user:2"]);
        let c = retarget(&a, &Edit::Replace(list(&["user:3", "user:2"])), "user:1");
        assert_eq!(c.feeds, list(&["user:1", "user:2", "user:3"]));
        assert_eq!(c.custom["to"], json!(["user:3", "user:2"]));
    }

    #[test]
    fn added_and_removed_edit_the_list() {
        let a = activity(&["user:1", "user:2", "user:3"], &["user:3", "user:2"]);
        let edit = Edit::Change {
            added: list(&["user:4", "user:5"]),
            removed: list(&["user:3"]),
        };
        let c = retarget(&a, &edit, "user:1");
        assert_eq!(c.feeds, list(&["user:1", "user:2", "user:4", "user:5"]));
        assert_eq!(c.custom["to"], json!(["user:2", "user:4", "user:5"]));
        // Removing every target leaves no empty list behind.
        let c = retarget(&a, &Edit::Replace(Vec::new()), "user:1");
        assert!(!c.custom.contains_key("to"));
        assert_eq!(c.feeds, list(&["user:1"]));
    }

    #[test]
    fn requests_name_one_kind_of_edit() {
        let obj = |v: Value| v.as_object().unwrap().clone();
        assert!(parse_edit(&obj(
            json!({"new_targets": ["user:1"], "added_targets": ["user:2"]})
        ))
        .is_err());
        assert!(parse_edit(&obj(json!({}))).is_err());
        assert!(parse_edit(&obj(
            json!({"added_targets": ["user:2"], "removed_targets": ["user:2"]})
        ))
        .is_err());
        assert!(parse_edit(&obj(json!({"new_targets": ["not a fid"]}))).is_err());
        assert!(parse_edit(&obj(json!({"new_targets": "user:1"}))).is_err());
        assert!(matches!(
            parse_edit(&obj(json!({"new_targets": []}))).unwrap(),
            Edit::Replace(l) if l.is_empty()
        ));
        assert!(matches!(
            parse_edit(&obj(json!({"removed_targets": ["user:2 token"]}))).unwrap(),
            Edit::Change { removed, .. } if removed == ["user:2"]
        ));
    }
}
