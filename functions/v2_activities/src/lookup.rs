//! Finding the activities a request names (by `id`, or by v2's `foreign_id` + `time`) and
//! rewriting their content with optimistic locking.
//!
//! An activity added through v2 with both `foreign_id` and `time` has an id derived from the
//! two (`tributary_v2::activity::id_for_foreign_id`), so finding it by them is one read of
//! that id; the activity found must carry that `foreign_id` at that time.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::{Map, Value};
use tributary_domain::access::Capability;
use tributary_domain::caller::Caller;
use tributary_domain::model::{Activity, ActivityContent};
use tributary_domain::retry::Backoff;
use tributary_domain::time::{now_nanos, Nanos};
use tributary_domain::{validate, ApiError, ApiResult};
use tributary_http::AppState;
use tributary_v2::activity::id_for_foreign_id;

/// Attempts at a read-modify-write before a concurrent writer's change is reported.
const ATTEMPTS: u32 = 10;
/// Writers racing on one activity spread out.
const BACKOFF: Backoff = Backoff {
    base: Duration::from_millis(5),
    max_doublings: 3,
    jitter: Duration::from_millis(20),
};

/// How a request names an activity.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Named {
    Id(String),
    ForeignId { foreign_id: String, time: Nanos },
}

impl Named {
    /// The id the activity has, if it exists.
    pub fn id(&self) -> String {
        match self {
            Named::Id(id) => id.clone(),
            Named::ForeignId { foreign_id, time } => id_for_foreign_id(foreign_id, *time),
        }
    }

    /// Whether `a` is the activity named (an id names it outright; a foreign_id + time must
    /// be the activity's own).
    fn matches(&self, a: &Activity) -> bool {
        match self {
            Named::Id(id) => &a.id == id,
            Named::ForeignId { foreign_id, time } => {
                tributary_core::activities::foreign_id(a) == Some(foreign_id.as_str())
                    && a.created_at == *time
            }
        }
    }

    /// Stream's 404 (code 16) for an activity that is not there.
    pub fn not_found(&self) -> ApiError {
        match self {
            Named::Id(id) => ApiError::not_found(format!("activity '{id}' does not exist")),
            Named::ForeignId { foreign_id, time } => ApiError::not_found(format!(
                "activity is not found for foreign_id '{foreign_id}' and time {}",
                tributary_v2::time::format(*time)
            )),
        }
    }
}

/// A string field that v2 clients may also send as a number; `None` when absent or null.
fn text(obj: &Map<String, Value>, field: &str) -> ApiResult<Option<String>> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => Err(ApiError::field(field, format!("{field} must be a string"))),
    }
}

/// Parses a v2 time given as `field`.
pub fn parse_time(field: &str, raw: &str) -> ApiResult<Nanos> {
    tributary_v2::time::parse(raw).ok_or_else(|| {
        ApiError::field(
            field,
            format!("{field}: '{raw}' is not a time such as 2024-01-31T12:00:00.000000"),
        )
    })
}

/// `foreign_id` and `time` of an object, both required.
pub fn foreign_id_and_time(obj: &Map<String, Value>) -> ApiResult<(String, Nanos)> {
    let foreign_id = text(obj, "foreign_id")?
        .ok_or_else(|| ApiError::field("foreign_id", "foreign_id is a required field"))?;
    let time = match obj.get("time") {
        None | Some(Value::Null) => {
            return Err(ApiError::field("time", "time is a required field"));
        }
        Some(Value::String(s)) => parse_time("time", s)?,
        Some(_) => return Err(ApiError::field("time", "time must be a string")),
    };
    Ok((foreign_id, time))
}

/// How an object names an activity: `id`, or `foreign_id` + `time` (not both).
pub fn named_by(obj: &Map<String, Value>) -> ApiResult<Named> {
    let id = text(obj, "id")?;
    let by_foreign = obj.get("foreign_id").is_some_and(|v| !v.is_null())
        || obj.get("time").is_some_and(|v| !v.is_null());
    match (id, by_foreign) {
        (Some(_), true) => Err(ApiError::field(
            "id",
            "give either id or foreign_id and time, not both",
        )),
        (Some(id), false) => {
            validate::id("id", &id)?;
            Ok(Named::Id(id))
        }
        (None, true) => {
            let (foreign_id, time) = foreign_id_and_time(obj)?;
            Ok(Named::ForeignId { foreign_id, time })
        }
        (None, false) => Err(ApiError::field(
            "id",
            "id, or foreign_id and time, is required",
        )),
    }
}

/// Deleted and expired activities are gone for every v2 call.
pub fn present(a: &Activity, now: Nanos) -> bool {
    !a.is_deleted() && a.content.expires_at.is_none_or(|e| e > now)
}

/// The named activities, in order, `None` where one does not exist (or is deleted or
/// expired). One batched read.
pub async fn load(state: &AppState, named: &[Named]) -> ApiResult<Vec<Option<Activity>>> {
    let mut ids: Vec<String> = named.iter().map(Named::id).collect();
    ids.sort();
    ids.dedup();
    let mut found: HashMap<String, Activity> = state.store.get_activities(&ids).await?;
    let now = now_nanos();
    found.retain(|_, a| present(a, now));
    Ok(named
        .iter()
        .map(|n| found.get(&n.id()).filter(|a| n.matches(a)).cloned())
        .collect())
}

/// Refuses a user who may not change `a` (its author may, and whoever holds
/// `update-any-activity` on one of its feeds); the server may.
pub async fn may_change(state: &AppState, caller: &Caller, a: &Activity) -> ApiResult<()> {
    if caller.is_server() {
        return Ok(());
    }
    state
        .store
        .may_change_activity(caller, a, Capability::UpdateAnyActivity)
        .await
}

/// Writes the content `change` computes from the activity as it stands, computing it again
/// from a fresh read when someone else wrote in between. Answers the activity before and
/// after the write.
pub async fn rewrite<F>(
    state: &AppState,
    caller: &Caller,
    named: &Named,
    mut current: Activity,
    change: F,
) -> ApiResult<(Activity, Activity)>
where
    F: Fn(&Activity) -> ApiResult<ActivityContent>,
{
    let store = &state.store;
    for attempt in 0..ATTEMPTS {
        if attempt > 0 {
            tokio::time::sleep(BACKOFF.delay(attempt)).await;
            current = store
                .get_activity(&current.id)
                .await?
                .filter(|a| present(a, now_nanos()) && named.matches(a))
                .ok_or_else(|| named.not_found())?;
        }
        may_change(state, caller, &current).await?;
        let content = change(&current)?;
        validate::content(&current.activity_type, &content)?;
        if let Some(updated) = store
            .replace_activity_content(&current, content, now_nanos())
            .await?
        {
            return Ok((current, updated));
        }
    }
    Err(ApiError::input(format!(
        "activity '{}' kept changing while it was being updated; try again",
        current.id
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    fn field_of(e: ApiError) -> Option<String> {
        match e {
            ApiError::Input { field, .. } => field,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn names_by_id_or_by_foreign_id_and_time() {
        assert_eq!(
            named_by(&obj(json!({"id": "a1", "set": {}}))).unwrap(),
            Named::Id("a1".into())
        );
        let by = named_by(&obj(
            json!({"foreign_id": "f:1", "time": "2024-01-02T03:04:05.000006"}),
        ))
        .unwrap();
        let t = tributary_v2::time::parse("2024-01-02T03:04:05.000006").unwrap();
        assert_eq!(by.id(), id_for_foreign_id("f:1", t));
        for (body, field) in [
            (json!({"foreign_id": "f:1"}), "time"),
            (json!({"time": "2024-01-02T03:04:05"}), "foreign_id"),
            (json!({"foreign_id": "f", "time": "soon"}), "time"),
            (json!({"foreign_id": "f", "time": 5}), "time"),
            (json!({}), "id"),
            (
                json!({"id": "a", "foreign_id": "f", "time": "2024-01-02T03:04:05"}),
                "id",
            ),
            (json!({"id": ["a"]}), "id"),
        ] {
            assert_eq!(
                field_of(named_by(&obj(body.clone())).unwrap_err()).as_deref(),
                Some(field),
                "{body}"
            );
        }
    }

    #[test]
    fn deleted_and_expired_activities_are_not_present() {
        let mut a = Activity::new(
            "a".into(),
            "post".into(),
            "u".into(),
            ActivityContent::default(),
            10,
        );
        assert!(present(&a, 100));
        a.content.expires_at = Some(50);
        assert!(!present(&a, 100));
        a.content.expires_at = None;
        a.deleted_at = Some(20);
        assert!(!present(&a, 100));
    }
}
