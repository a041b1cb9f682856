//! Aggregation formats: the Jinja template a feed group's `aggregation.format` holds, rendered
//! per activity (and per feed) into the key of the group the activity joins.
//!
//! Rendering uses minijinja with nothing but the activity in scope: no loaders, no includes,
//! a fuel limit bounding the work a template may do and a cap on the key's length. The
//! variables are those Stream documents: `verb` (also `type`), `time` (with
//! `time.strftime(...)`), `object`, `actor` (also `user_id`), `feed.group`, `feed.user_id`,
//! `id`, `text` and every custom field; the `strftime`, `int` and `lower` filters work.

use std::fmt;
use std::sync::Arc;

use chrono::format::{Item, StrftimeItems};
use chrono::{DateTime, Utc};
use minijinja::value::{from_args, Object, Value as JValue};
use minijinja::{Environment, Error, ErrorKind, State};
use serde_json::{Map, Value};

use crate::model::Activity;
use crate::time::Nanos;
use crate::ApiError;
use crate::ApiResult;

/// How much work one render may do (minijinja's instruction fuel).
const FUEL: u64 = 20_000;
/// The longest group key a render may produce.
pub const MAX_KEY_LEN: usize = 256;
/// Activities a group keeps (its newest).
pub const KEPT_PER_GROUP: usize = 15;

/// An activity time as templates see it: prints as RFC 3339, formats with `strftime`.
#[derive(Debug)]
struct Time(DateTime<Utc>);

fn strftime(t: &DateTime<Utc>, format: &str) -> Result<String, Error> {
    let items: Vec<Item> = StrftimeItems::new(format).collect();
    if items.iter().any(|i| matches!(i, Item::Error)) {
        return Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("'{format}' is not a valid strftime format"),
        ));
    }
    Ok(t.format_with_items(items.into_iter()).to_string())
}

impl Object for Time {
    fn repr(self: &Arc<Self>) -> minijinja::value::ObjectRepr {
        minijinja::value::ObjectRepr::Plain
    }

    fn call_method(
        self: &Arc<Self>,
        _state: &State<'_, '_>,
        method: &str,
        args: &[JValue],
    ) -> Result<JValue, Error> {
        match method {
            "strftime" => {
                let (format,): (&str,) = from_args(args)?;
                Ok(JValue::from(strftime(&self.0, format)?))
            }
            "isoformat" => Ok(JValue::from(self.0.to_rfc3339())),
            _ => Err(Error::from(ErrorKind::UnknownMethod)),
        }
    }

    fn render(self: &Arc<Self>, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%dT%H:%M:%S%.6f"))
    }
}

/// `time|strftime("%Y-%m-%d")`.
fn strftime_filter(value: JValue, format: &str) -> Result<String, Error> {
    match value.downcast_object_ref::<Time>() {
        Some(t) => strftime(&t.0, format),
        None => Err(Error::new(
            ErrorKind::InvalidOperation,
            "strftime applies to time",
        )),
    }
}

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_fuel(Some(FUEL));
    env.add_filter("strftime", strftime_filter);
    env
}

/// What a template sees of an activity in a feed.
fn context(a: &Activity, fid: &str) -> JValue {
    let (group, feed_id) = fid.split_once(':').unwrap_or((fid, ""));
    let mut map: Map<String, Value> = Map::new();
    for (k, v) in &a.content.custom {
        map.insert(k.clone(), v.clone());
    }
    let object = a
        .content
        .custom
        .get("object")
        .cloned()
        .unwrap_or_else(|| Value::String(a.id.clone()));
    let target_id = a
        .notification_context
        .as_ref()
        .and_then(|c| c.get("target")?.get("id")?.as_str().map(str::to_string))
        .or_else(|| {
            a.content
                .custom
                .get("target_id")?
                .as_str()
                .map(str::to_string)
        })
        .unwrap_or_default();
    let fixed = serde_json::json!({
        "target_id": target_id,
        "verb": a.activity_type,
        "type": a.activity_type,
        "activity_type": a.activity_type,
        "actor": a.user_id,
        "user_id": a.user_id,
        "object": object,
        "id": a.id,
        "text": a.content.text,
        "custom": a.content.custom,
        "feed": {"group": group, "user_id": feed_id, "id": feed_id, "fid": fid},
    });
    if let Value::Object(fixed) = fixed {
        map.extend(fixed);
    }
    let mut ctx: std::collections::BTreeMap<String, JValue> = map
        .into_iter()
        .map(|(k, v)| (k, JValue::from_serialize(&v)))
        .collect();
    ctx.insert(
        "time".into(),
        JValue::from_object(Time(to_datetime(a.created_at))),
    );
    JValue::from(ctx)
}

fn to_datetime(t: Nanos) -> DateTime<Utc> {
    DateTime::from_timestamp_nanos(t)
}

/// A checked aggregation format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Format(String);

impl Format {
    /// Parses a format and renders it once for a sample activity, so that a group is never
    /// saved with a format that cannot produce keys. Errors name the reason.
    pub fn parse(source: &str) -> ApiResult<Format> {
        let refuse =
            |why: String| ApiError::field("aggregation", format!("aggregation.format: {why}"));
        if source.trim().is_empty() {
            return Err(refuse("is empty".into()));
        }
        let env = environment();
        env.template_from_str(source)
            .map_err(|e| refuse(describe(&e)))?;
        let format = Format(source.to_string());
        let sample: Activity = serde_json::from_value(serde_json::json!({
            "id": "sample", "type": "like", "user_id": "sample-user",
            "content": {"feeds": ["notification:sample-user"]},
            "created_at": 1_700_000_000_000_000_000_i64, "updated_at": 1_700_000_000_000_000_000_i64,
        }))
        .expect("sample activity");
        format
            .render(&sample, "notification:sample-user")
            .map_err(|e| refuse(e.to_string()))?;
        Ok(format)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The group key of `a` in feed `fid`: the rendered format, trimmed.
    pub fn render(&self, a: &Activity, fid: &str) -> Result<String, RenderError> {
        let env = environment();
        let template = env
            .template_from_str(&self.0)
            .map_err(|e| RenderError(describe(&e)))?;
        let out = template
            .render(context(a, fid))
            .map_err(|e| RenderError(describe(&e)))?;
        let key = out.trim().to_string();
        if key.len() > MAX_KEY_LEN {
            return Err(RenderError(format!(
                "renders {} characters, more than {MAX_KEY_LEN}",
                key.len()
            )));
        }
        Ok(key)
    }
}

/// Why a format did not render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderError(pub String);

impl fmt::Display for RenderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn describe(e: &Error) -> String {
    match e.kind() {
        ErrorKind::OutOfFuel => "does too much work to render".into(),
        _ => match e.detail() {
            Some(detail) => format!("{} ({detail})", e.kind()),
            None => e.kind().to_string(),
        },
    }
}

/// The aggregation formats of the groups that aggregate, by group id. A stored format that
/// no longer parses (it was checked when saved) is left out.
pub fn formats_of(
    groups: impl IntoIterator<Item = crate::model::feed_group::FeedGroup>,
) -> std::collections::HashMap<String, Format> {
    groups
        .into_iter()
        .filter(|g| g.deleted_at.is_none())
        .filter_map(|g| {
            let format = Format::parse(format_of(&g.settings)?).ok()?;
            Some((g.id, format))
        })
        .collect()
}

/// The aggregation format a group's settings hold, if any.
pub fn format_of(settings: &Map<String, Value>) -> Option<&str> {
    settings
        .get("aggregation")?
        .get("format")?
        .as_str()
        .filter(|s| !s.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn activity(kind: &str, user: &str, at: Nanos) -> Activity {
        serde_json::from_value(json!({
            "id": format!("{kind}-{user}-{at}"), "type": kind, "user_id": user,
            "content": {"feeds": ["user:x"], "custom": {"photo": 7, "Tone": "LOUD"}},
            "created_at": at, "updated_at": at,
        }))
        .unwrap()
    }

    const DAY1: Nanos = 1_700_000_000_000_000_000; // 2023-11-14
    const DAY2: Nanos = DAY1 + 86_400_000_000_000;

    #[test]
    fn seed_formats() {
        let per_verb_day = Format::parse("{{ verb }}_{{ time.strftime(\"%Y-%m-%d\") }}").unwrap();
        assert_eq!(
            per_verb_day
                .render(&activity("like", "amy", DAY1), "n:1")
                .unwrap(),
            "like_2023-11-14"
        );
        let mixed = Format::parse(
            "{% if verb == 'follow' %} {{ actor }}_{{ verb }}_{{ time.strftime(\"%Y-%m-%d\") }} \
             {% else %} {{ verb }}_{{ time.strftime(\"%Y-%m-%d\") }} {% endif %}",
        )
        .unwrap();
        let key = |kind, user, at| mixed.render(&activity(kind, user, at), "n:1").unwrap();
        assert_eq!(key("follow", "eric", DAY1), "eric_follow_2023-11-14");
        assert_ne!(key("follow", "eric", DAY1), key("follow", "amy", DAY1));
        assert_eq!(key("like", "eric", DAY1), key("like", "amy", DAY1));
        assert_ne!(key("like", "eric", DAY1), key("like", "eric", DAY2));
    }

    #[test]
    fn variables_and_filters() {
        let f = Format::parse(
            "{{ feed.group }}/{{ feed.user_id }}/{{ photo|int + 1 }}/{{ Tone|lower }}/{{ time|strftime('%Y') }}",
        )
        .unwrap();
        assert_eq!(
            f.render(&activity("like", "amy", DAY1), "notification:bob")
                .unwrap(),
            "notification/bob/8/loud/2023"
        );
    }

    #[test]
    fn bad_formats_are_refused_with_a_reason() {
        let err = |src: &str| Format::parse(src).unwrap_err().to_string();
        assert!(err("{{ verb ").contains("aggregation.format"));
        assert!(err("{{ time.strftime('%Q') }}").contains("strftime"));
        assert!(err("{% for i in range(100000) %}x{% endfor %}").contains("work"));
        assert!(err("{{ 'x' * 1000 }}").contains("256"));
        assert!(err("  ").contains("empty"));
    }
}
