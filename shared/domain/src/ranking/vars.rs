//! The values an expression works on, and where a variable's value comes from.
//!
//! A name is looked up, first hit wins, in:
//!
//! 1. the caller's `external` values (v3 `external_ranking`, v2 `ranking_vars`), by the full
//!    name, so a read can override anything;
//! 2. the activity's `content.custom`, by the full name or as a dotted path: activities
//!    written through Stream's v2 API keep their own fields there (`popularity`,
//!    `author.followers`), and v2 rankings mean those. Skipped for `time`, `type` and
//!    `user_id`, which are always the activity's own, and for `custom.<path>` names, which
//!    step 3 reads from the same map;
//! 3. the built-ins: `time` (created_at in unix seconds), `type`, `user_id`, `popularity`,
//!    `reaction_count`, `comment_count`, `bookmark_count`, `share_count`,
//!    `reaction_counts.<kind>` (0 when there are none), `interest_score` (the sum of
//!    [`Inputs::interest_weights`] over the activity's `interest_tags`), `location.lat` and
//!    `location.lng` (when the activity has a location) and `custom.<path>`;
//! 4. the setting's `defaults`.
//!
//! JSON numbers, strings and booleans become [`Scalar`]s; a `null` counts as absent, so the
//! next source is asked; a list or an object is an error (the activity scores 0).
//!
//! [`Inputs::interest_weights`]: super::Inputs::interest_weights

use serde_json::{Map, Value};

use super::eval::Env;

/// A value during evaluation.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Scalar {
    Num(f64),
    Str(String),
    Bool(bool),
}

impl Scalar {
    pub(super) fn num(&self) -> Result<f64, String> {
        match self {
            Scalar::Num(n) => Ok(*n),
            other => Err(format!("expected a number, found {}", other.describe())),
        }
    }

    /// Conditions take booleans, and numbers as C does (anything but 0 is true).
    pub(super) fn truthy(&self) -> Result<bool, String> {
        match self {
            Scalar::Bool(b) => Ok(*b),
            Scalar::Num(n) => Ok(*n != 0.0 && !n.is_nan()),
            Scalar::Str(_) => Err(format!("expected a condition, found {}", self.describe())),
        }
    }

    pub(super) fn describe(&self) -> String {
        match self {
            Scalar::Num(n) => format!("number {n}"),
            Scalar::Str(s) => format!("string '{s}'"),
            Scalar::Bool(b) => format!("boolean {b}"),
        }
    }
}

/// A JSON value as a scalar; `None` for `null`.
fn from_json(name: &str, value: &Value) -> Result<Option<Scalar>, String> {
    Ok(match value {
        Value::Null => None,
        Value::Bool(b) => Some(Scalar::Bool(*b)),
        Value::Number(n) => n.as_f64().map(Scalar::Num),
        Value::String(s) => Some(Scalar::Str(s.clone())),
        Value::Array(_) | Value::Object(_) => {
            return Err(format!(
                "variable '{name}' is a list or an object, not a number, string or boolean"
            ))
        }
    })
}

/// `path` in `map`: the key itself, or its dot-separated parts through nested objects.
fn lookup<'v>(map: &'v Map<String, Value>, path: &str) -> Option<&'v Value> {
    if let Some(v) = map.get(path) {
        return Some(v);
    }
    let mut parts = path.split('.');
    let mut current = map.get(parts.next()?)?;
    for part in parts {
        current = current.as_object()?.get(part)?;
    }
    Some(current)
}

/// The value of variable `name` for the activity being scored.
pub(super) fn resolve(env: &Env, name: &str) -> Result<Scalar, String> {
    let custom = &env.activity.content.custom;
    let json = |v: Option<&Value>| v.map_or(Ok(None), |v| from_json(name, v));
    if let Some(v) = json(env.inputs.external.get(name))? {
        return Ok(v);
    }
    let own_fields_first =
        !matches!(name, "time" | "type" | "user_id") && !name.starts_with("custom.");
    if own_fields_first {
        if let Some(v) = json(lookup(custom, name))? {
            return Ok(v);
        }
    }
    if let Some(v) = built_in(env, name)? {
        return Ok(v);
    }
    if name.starts_with("custom.") {
        // A v2 activity's own field literally named `custom`.
        if let Some(v) = json(lookup(custom, name))? {
            return Ok(v);
        }
    }
    if let Some(v) = env.defaults.get(name) {
        return Ok(v.clone());
    }
    Err(format!("unknown variable '{name}' and no default for it"))
}

fn built_in(env: &Env, name: &str) -> Result<Option<Scalar>, String> {
    let a = env.activity;
    let count = |n: i64| Ok(Some(Scalar::Num(n as f64)));
    match name {
        "time" => Ok(Some(Scalar::Num(a.created_at as f64 / 1e9))),
        "type" => Ok(Some(Scalar::Str(a.activity_type.clone()))),
        "user_id" => Ok(Some(Scalar::Str(a.user_id.clone()))),
        "popularity" => count(a.weighted_popularity()),
        "reaction_count" => count(a.reaction_count),
        "comment_count" => count(a.comment_count),
        "bookmark_count" => count(a.bookmark_count),
        "share_count" => count(a.share_count),
        "interest_score" => Ok(Some(Scalar::Num(interest_score(env)))),
        "location.lat" => Ok(a.content.location.map(|l| Scalar::Num(l.lat))),
        "location.lng" => Ok(a.content.location.map(|l| Scalar::Num(l.lng))),
        _ => {
            if let Some(kind) = name.strip_prefix("reaction_counts.") {
                count(a.reaction_groups.get(kind).map_or(0, |g| g.count))
            } else if let Some(path) = name.strip_prefix("custom.") {
                lookup(&a.content.custom, path).map_or(Ok(None), |v| from_json(name, v))
            } else {
                Ok(None)
            }
        }
    }
}

/// The sum of the read's weights for the activity's interest tags; tags without a numeric
/// weight add nothing.
fn interest_score(env: &Env) -> f64 {
    let weights = env.inputs.interest_weights;
    env.activity
        .content
        .interest_tags
        .iter()
        .filter_map(|tag| weights.get(tag).and_then(Value::as_f64))
        .sum()
}
