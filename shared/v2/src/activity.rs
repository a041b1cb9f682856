//! v2 activities and the domain's activities, both ways.
//!
//! | v2 | domain (what v3 reads) |
//! | --- | --- |
//! | `actor` (`SU:<id>` references included) | `user_id` (the id without `SU:`); a reference is also kept as `custom.actor` |
//! | `verb` | `type` |
//! | `object`, `target`, `foreign_id`, any other field | `custom.<field>` |
//! | `time` | `created_at` (whole microseconds) |
//! | the feed written to, and `to` | `feeds`; `to` is also kept as `custom.to` |
//! | `id` | `id`: a name-based UUID of `foreign_id` (or the content) and `time` when `time` is given, so the same activity sent twice is one; otherwise a new time-ordered UUID |
//!
//! Activities written through v3 read through v2 with `actor` = `user_id`, `verb` = `type`,
//! their custom fields, and `text` when they have one.

use serde_json::{Map, Value};
use tributary_domain::model::{Activity, ActivityContent};
use tributary_domain::time::Nanos;
use tributary_domain::validate::Fid;
use tributary_domain::{ApiError, ApiResult};

use crate::time;

/// Fields of a v2 activity that are not kept as custom data as they are.
const RESERVED: [&str; 6] = ["id", "actor", "verb", "time", "to", "origin"];

/// Stream's limit on a verb's length.
const MAX_VERB_BYTES: usize = 255;

/// The namespace of activity ids derived from `foreign_id` (or content) and `time`.
const ID_NAMESPACE: uuid::Uuid = uuid::Uuid::from_u128(0x6d2f_3c1e_8a4b_4e0f_9b1a_5c7d_2e8f_1a30);

/// A new activity as a v2 client sends it, parsed.
#[derive(Debug, Clone)]
pub struct NewActivity {
    pub activity: Activity,
    /// The `to` targets (plain fids), besides the feed written to.
    pub to: Vec<String>,
    /// Whether `time` was given (then the id is derived, and sending it again is the same
    /// activity).
    pub timed: bool,
}

/// A value that v2 clients send as a string or a number (`actor: 1`), as a string.
fn string_field(raw: &Map<String, Value>, name: &str, required: bool) -> ApiResult<Option<String>> {
    match raw.get(name) {
        None | Some(Value::Null) if required => {
            Err(ApiError::field(name, format!("{name} is a required field")))
        }
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() && required => {
            Err(ApiError::field(name, format!("{name} is a required field")))
        }
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => Err(ApiError::field(name, format!("{name} must be a string"))),
    }
}

/// The user an actor stands for: `SU:alice` is `alice`.
pub fn actor_user(actor: &str) -> &str {
    actor.strip_prefix("SU:").unwrap_or(actor)
}

/// Parses `to` entries: plain fids (`user:44`) or, from `stream-python`, `user:44 <token>`.
pub fn parse_targets(raw: Option<&Value>) -> ApiResult<Vec<String>> {
    let Some(raw) = raw.filter(|v| !v.is_null()) else {
        return Ok(Vec::new());
    };
    let list = raw
        .as_array()
        .ok_or_else(|| ApiError::field("to", "to must be a list of feed ids"))?;
    let mut out = Vec::new();
    for (i, entry) in list.iter().enumerate() {
        let s = entry
            .as_str()
            .ok_or_else(|| ApiError::field("to", format!("to[{i}] must be a feed id")))?;
        let fid = s.split_whitespace().next().unwrap_or_default();
        Fid::parse("to", fid)?;
        if !out.iter().any(|t: &String| t == fid) {
            out.push(fid.to_string());
        }
    }
    Ok(out)
}

/// The same JSON with object keys sorted, as text: the identity of an activity's content.
fn canonical(value: &Value) -> String {
    fn sorted(v: &Value) -> Value {
        match v {
            Value::Object(m) => {
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                Value::Object(
                    keys.into_iter()
                        .map(|k| (k.clone(), sorted(&m[k])))
                        .collect(),
                )
            }
            Value::Array(a) => Value::Array(a.iter().map(sorted).collect()),
            other => other.clone(),
        }
    }
    sorted(value).to_string()
}

/// The id of an activity with a `time`: the same `foreign_id` (or, without one, the same
/// content) at the same time is the same activity.
pub fn derived_id(foreign_id: Option<&str>, content: &Map<String, Value>, at: Nanos) -> String {
    let key = match foreign_id {
        Some(f) => format!("fid:{f}"),
        None => {
            let mut identity = content.clone();
            identity.remove("to");
            format!("content:{}", canonical(&Value::Object(identity)))
        }
    };
    uuid::Uuid::new_v5(&ID_NAMESPACE, format!("{key}|{at}").as_bytes()).to_string()
}

/// The id of the activity with this `foreign_id` at this v2 `time`.
pub fn id_for_foreign_id(foreign_id: &str, at: Nanos) -> String {
    derived_id(Some(foreign_id), &Map::new(), at)
}

/// Parses a new activity sent to `feed` (a fid), at `now` when it names no `time`.
pub fn parse_new(raw: &Value, feed: &str, now: Nanos) -> ApiResult<NewActivity> {
    let obj = raw
        .as_object()
        .ok_or_else(|| ApiError::input("an activity must be a JSON object"))?;
    let actor = string_field(obj, "actor", true)?.unwrap_or_default();
    let verb = string_field(obj, "verb", true)?.unwrap_or_default();
    if verb.len() > MAX_VERB_BYTES {
        return Err(ApiError::field(
            "verb",
            format!("verb is longer than {MAX_VERB_BYTES} bytes"),
        ));
    }
    string_field(obj, "object", true)?;
    let foreign_id = string_field(obj, "foreign_id", false)?.filter(|f| !f.is_empty());
    let (created_at, timed) = match obj.get("time") {
        None | Some(Value::Null) => (time::truncate_to_micros(now), false),
        Some(Value::String(s)) => (
            time::parse(s).ok_or_else(|| {
                ApiError::field(
                    "time",
                    format!("time: '{s}' is not a time such as 2024-01-31T12:00:00.000000"),
                )
            })?,
            true,
        ),
        Some(_) => return Err(ApiError::field("time", "time must be a string")),
    };
    let to = parse_targets(obj.get("to"))?;
    Fid::parse("feed", feed)?;

    let mut custom = Map::new();
    for (k, v) in obj {
        if !RESERVED.contains(&k.as_str()) {
            custom.insert(k.clone(), v.clone());
        }
    }
    // Numbers sent as actor or object read back as strings, as Stream returns them.
    for name in ["object", "target", "foreign_id"] {
        if let Some(Value::Number(n)) = custom.get(name) {
            let text = n.to_string();
            custom.insert(name.to_string(), Value::String(text));
        }
    }
    let user_id = actor_user(&actor).to_string();
    if user_id != actor {
        custom.insert("actor".into(), Value::String(actor.clone()));
    }
    if !to.is_empty() {
        custom.insert(
            "to".into(),
            Value::Array(to.iter().cloned().map(Value::String).collect()),
        );
    }
    let id = if timed {
        let mut identity = custom.clone();
        identity.insert("actor".into(), Value::String(actor.clone()));
        identity.insert("verb".into(), Value::String(verb.clone()));
        derived_id(foreign_id.as_deref(), &identity, created_at)
    } else {
        tributary_domain::ids::new_id()
    };
    let mut feeds = vec![feed.to_string()];
    feeds.extend(to.iter().filter(|t| *t != feed).cloned());
    let content = ActivityContent {
        feeds,
        custom,
        ..ActivityContent::default()
    };
    let activity = Activity::new(id, verb, user_id, content, created_at);
    Ok(NewActivity {
        activity,
        to,
        timed,
    })
}

/// An activity as v2 clients read it. `origin` is the feed a follower's copy came from
/// (`None` in the feeds it was written to).
pub fn render(a: &Activity, origin: Option<&str>) -> Value {
    let custom = &a.content.custom;
    let mut out = Map::new();
    out.insert("id".into(), Value::String(a.id.clone()));
    let actor = custom
        .get("actor")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| a.user_id.clone());
    out.insert("actor".into(), Value::String(actor));
    out.insert("verb".into(), Value::String(a.activity_type.clone()));
    out.insert(
        "object".into(),
        custom
            .get("object")
            .cloned()
            .unwrap_or(Value::String(String::new())),
    );
    for (k, v) in custom {
        if !RESERVED.contains(&k.as_str()) && !out.contains_key(k) {
            out.insert(k.clone(), v.clone());
        }
    }
    if let Some(text) = &a.content.text {
        out.entry("text").or_insert(Value::String(text.clone()));
    }
    out.entry("foreign_id").or_insert(Value::Null);
    out.entry("target").or_insert(Value::Null);
    out.insert("time".into(), Value::String(time::format(a.created_at)));
    // Only when it has targets: plain reads carry no list the activity does not have.
    if let Some(to) = custom.get("to") {
        out.insert("to".into(), to.clone());
    }
    out.insert(
        "origin".into(),
        origin.map_or(Value::Null, |o| Value::String(o.to_string())),
    );
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOW: Nanos = 1_700_000_000_123_456_789;

    #[test]
    fn maps_actor_verb_and_extra_fields() {
        let raw = json!({"actor": 1, "verb": "tweet", "object": 1, "foreign_id": "tweet:1",
            "course": {"name": "Golden Gate park", "distance": 10}, "to": ["user:44 tok", "user:45"]});
        let new = parse_new(&raw, "user:1", NOW).unwrap();
        let a = &new.activity;
        assert_eq!(
            (a.user_id.as_str(), a.activity_type.as_str()),
            ("1", "tweet")
        );
        assert_eq!(a.content.feeds, ["user:1", "user:44", "user:45"]);
        assert_eq!(a.content.custom["course"]["distance"], 10);
        assert_eq!(a.created_at, 1_700_000_000_123_456_000);
        assert!(!new.timed);
        let out = render(a, None);
        assert_eq!(out["actor"], "1");
        assert_eq!(out["object"], "1");
        assert_eq!(out["foreign_id"], "tweet:1");
        assert_eq!(out["to"], json!(["user:44", "user:45"]));
        assert_eq!(out["origin"], Value::Null);
        assert_eq!(out["time"], "2023-11-14T22:13:20.123456");
        assert_eq!(render(a, Some("user:9"))["origin"], "user:9");
    }

    #[test]
    fn the_same_foreign_id_and_time_is_the_same_activity() {
        let at = json!({"actor": "a", "verb": "v", "object": "o", "foreign_id": "f:1",
            "time": "2020-01-01T00:00:00.000001"});
        let one = parse_new(&at, "user:1", NOW).unwrap();
        let two = parse_new(&at, "user:2", NOW).unwrap();
        assert!(one.timed);
        assert_eq!(one.activity.id, two.activity.id);
        assert_eq!(
            one.activity.id,
            id_for_foreign_id("f:1", one.activity.created_at)
        );
        // The same data at the same time, without foreign_id, is one activity too.
        let plain =
            json!({"actor": "a", "verb": "v", "object": "o", "time": "2020-01-01T00:00:00"});
        let reordered =
            json!({"time": "2020-01-01T00:00:00", "object": "o", "verb": "v", "actor": "a"});
        assert_eq!(
            parse_new(&plain, "user:1", NOW).unwrap().activity.id,
            parse_new(&reordered, "flat:1", NOW).unwrap().activity.id
        );
        // Without time, every add is new.
        let untimed = json!({"actor": "a", "verb": "v", "object": "o"});
        assert_ne!(
            parse_new(&untimed, "user:1", NOW).unwrap().activity.id,
            parse_new(&untimed, "user:1", NOW).unwrap().activity.id
        );
    }

    #[test]
    fn references_and_missing_fields() {
        let raw = json!({"actor": "SU:alice", "verb": "post", "object": "SO:food:pizza"});
        let a = parse_new(&raw, "user:alice", NOW).unwrap().activity;
        assert_eq!(a.user_id, "alice");
        assert_eq!(render(&a, None)["actor"], "SU:alice");
        for missing in ["actor", "verb", "object"] {
            let mut raw = raw.clone();
            raw.as_object_mut().unwrap().remove(missing);
            match parse_new(&raw, "user:1", NOW).unwrap_err() {
                ApiError::Input { field, .. } => assert_eq!(field.as_deref(), Some(missing)),
                other => panic!("{other:?}"),
            }
        }
        let long = json!({"actor": "a", "verb": "v".repeat(256), "object": "o"});
        assert!(parse_new(&long, "user:1", NOW).is_err());
        let bad_time = json!({"actor": "a", "verb": "v", "object": "o", "time": "soon"});
        assert!(parse_new(&bad_time, "user:1", NOW).is_err());
    }
}
