//! `POST activity/` `{"changes": [{"id" | "foreign_id" + "time", "set": {...},
//! "unset": [...]}]}`: partial updates of up to 100 activities, with dotted paths on their v2
//! data (`tributary_v2::partial` has the rules; `set` or `unset` of `id`, `actor`, `verb`,
//! `object`, `time`, `target`, `foreign_id`, `to` or `origin` is refused with code 4, as
//! Stream does).
//!
//! All or nothing: every activity must exist (404, code 16, otherwise) and every change must
//! apply before anything is written. Several changes to one activity apply in their order.
//! Answers `{"activities": [...]}`, each change's activity as it now reads.

use std::collections::HashMap;

use axum::extract::State;
use axum::Json;
use serde_json::{json, Map, Value};

use tributary_domain::model::{Activity, ActivityContent};
use tributary_domain::{validate, ApiError, ApiResult};
use tributary_http::v2::{bounded_list, parse_each, Action, V2Auth, V2Body, V2Result};
use tributary_http::AppState;
use tributary_v2::activity::render;
use tributary_v2::partial;

use crate::lookup::{self, named_by, Named};

/// Most changes one request may carry (Stream's limit).
const MAX_CHANGES: usize = 100;

/// One change of the request, parsed.
struct Change {
    named: Named,
    set: Map<String, Value>,
    unset: Vec<String>,
}

fn parse(raw: &Value) -> ApiResult<Change> {
    let obj = raw
        .as_object()
        .ok_or_else(|| ApiError::input("a change must be a JSON object"))?;
    let named = named_by(obj)?;
    let set = match obj.get("set") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => return Err(ApiError::field("set", "set must be an object")),
    };
    let unset = match obj.get("unset") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(list)) => list
            .iter()
            .map(|k| {
                k.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| ApiError::field("unset", "unset must be a list of field names"))
            })
            .collect::<ApiResult<_>>()?,
        Some(_) => {
            return Err(ApiError::field(
                "unset",
                "unset must be a list of field names",
            ))
        }
    };
    Ok(Change { named, set, unset })
}

/// One activity of the request, with its changes and their places in the request, in order.
struct Target<'c> {
    current: Activity,
    changes: Vec<(usize, &'c Change)>,
}

/// The content after each of `changes` (those of one activity, with their places in the
/// request, in order) applied.
fn apply_all(
    content: &ActivityContent,
    changes: &[(usize, &Change)],
) -> ApiResult<ActivityContent> {
    let mut next = content.clone();
    for (i, c) in changes {
        next = partial::apply(&next, &c.set, &c.unset)
            .map_err(|e| e.within(&format!("changes[{i}]")))?;
    }
    Ok(next)
}

pub async fn partial_update(
    State(state): State<AppState>,
    V2Auth(auth): V2Auth,
    V2Body(body): V2Body,
) -> V2Result<Json<Value>> {
    auth.require("activities", Action::Write, None)?;
    let list = bounded_list(&body, "changes", MAX_CHANGES)?;
    let changes: Vec<Change> = parse_each(list, "changes", parse)?;
    let named: Vec<Named> = changes.iter().map(|c| c.named.clone()).collect();
    let found = lookup::load(&state, &named).await?;

    // Each activity once, with its changes in order.
    let mut targets: Vec<Target> = Vec::new();
    for (i, (change, current)) in changes.iter().zip(found).enumerate() {
        let current = current.ok_or_else(|| change.named.not_found())?;
        match targets.iter_mut().find(|t| t.current.id == current.id) {
            Some(t) => t.changes.push((i, change)),
            None => targets.push(Target {
                current,
                changes: vec![(i, change)],
            }),
        }
    }

    // All must apply before any is written.
    for t in &targets {
        lookup::may_change(&state, &auth.caller, &t.current).await?;
        let content = apply_all(&t.current.content, &t.changes)?;
        validate::content(&t.current.activity_type, &content)?;
    }

    let mut updated: HashMap<String, Activity> = HashMap::new();
    for Target {
        current,
        changes: mine,
    } in targets
    {
        let named = &mine[0].1.named;
        let (_, after) = lookup::rewrite(&state, &auth.caller, named, current, |now| {
            apply_all(&now.content, &mine)
        })
        .await?;
        updated.insert(after.id.clone(), after);
    }
    let activities: Vec<Value> = changes
        .iter()
        .filter_map(|c| updated.get(&c.named.id()))
        .map(|a| render(a, None))
        .collect();
    Ok(Json(json!({ "activities": activities })))
}
