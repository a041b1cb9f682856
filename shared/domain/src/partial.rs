// Over 400 lines only with its unit tests, which pin Stream's set/unset rules one by one.
//! Partial updates: `set` and `unset` on a record's editable fields, for activities and
//! comments alike.
//!
//! Rules (Stream's): at most 25 keys each; only the fields an update may change; dotted paths
//! (`custom.color`) reach into the nestable fields (`custom`, `search_data`), and every level
//! above the last must already exist as an object; an unset dotted path must exist; set and
//! unset may not touch the same key or one inside the other. The result is checked as a whole
//! afterwards, by deserializing it into the record's type.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::model::comment::Comment;
use crate::model::ActivityContent;
use crate::time::parse_expires_at;
use crate::ApiError;
use crate::ApiResult;

pub const MAX_KEYS: usize = 25;

/// Which fields of a record `set` and `unset` may change.
pub struct Fields {
    pub settable: &'static [&'static str],
    pub unsettable: &'static [&'static str],
    /// Fields whose insides dotted paths may reach.
    pub nestable: &'static [&'static str],
    /// Request names that stand for a field (`comment` for a comment's `text`).
    pub aliases: &'static [(&'static str, &'static str)],
}

pub const ACTIVITY: Fields = Fields {
    settable: &[
        "text",
        "attachments",
        "custom",
        "visibility",
        "visibility_tag",
        "restrict_replies",
        "location",
        "expires_at",
        "filter_tags",
        "interest_tags",
        "poll_id",
        "feeds",
        "mentioned_user_ids",
        "search_data",
        "collection_refs",
    ],
    unsettable: &[
        "custom",
        "visibility_tag",
        "location",
        "expires_at",
        "filter_tags",
        "interest_tags",
        "attachments",
        "poll_id",
        "mentioned_user_ids",
        "search_data",
        "collection_refs",
        "text",
    ],
    nestable: &["custom", "search_data"],
    aliases: &[],
};

pub const COMMENT: Fields = Fields {
    settable: &["text", "attachments", "custom", "mentioned_user_ids"],
    unsettable: &["text", "attachments", "custom", "mentioned_user_ids"],
    nestable: &["custom"],
    aliases: &[("comment", "text")],
};

/// Applies `set` then `unset` to an activity's content, returning the new content.
pub fn apply(
    content: &ActivityContent,
    set: &Map<String, Value>,
    unset: &[String],
) -> ApiResult<ActivityContent> {
    apply_to(content, &ACTIVITY, set, unset)
}

/// What of a comment a partial update may change.
#[derive(Serialize, Deserialize)]
struct CommentEdit {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    text: Option<String>,
    #[serde(default)]
    attachments: Vec<Map<String, Value>>,
    #[serde(default)]
    custom: Map<String, Value>,
    #[serde(default)]
    mentioned_user_ids: Vec<String>,
}

/// Applies `set` then `unset` to a comment's text, attachments, custom data (dotted paths
/// below it) and mentions.
pub fn apply_to_comment(
    c: &Comment,
    set: &Map<String, Value>,
    unset: &[String],
) -> ApiResult<Comment> {
    let edit = CommentEdit {
        text: c.text.clone(),
        attachments: c.attachments.clone(),
        custom: c.custom.clone(),
        mentioned_user_ids: c.mentioned_user_ids.clone(),
    };
    let edit = apply_to(&edit, &COMMENT, set, unset)?;
    let mut next = c.clone();
    next.text = edit.text;
    next.attachments = edit.attachments;
    next.custom = edit.custom;
    next.mentioned_user_ids = edit.mentioned_user_ids;
    Ok(next)
}

/// The engine: `record`'s fields as a JSON document, changed by `set` and `unset` within
/// `fields`, read back as the record's type (which checks every value's type).
fn apply_to<T: Serialize + DeserializeOwned>(
    record: &T,
    fields: &Fields,
    set: &Map<String, Value>,
    unset: &[String],
) -> ApiResult<T> {
    if set.len() > MAX_KEYS {
        return Err(ApiError::field(
            "set",
            format!("set: at most {MAX_KEYS} keys are allowed"),
        ));
    }
    if unset.len() > MAX_KEYS {
        return Err(ApiError::field(
            "unset",
            format!("unset: at most {MAX_KEYS} keys are allowed"),
        ));
    }
    let alias = |key: &str| -> String {
        let (top, rest) = key
            .split_once('.')
            .map_or((key, None), |(t, r)| (t, Some(r)));
        match fields.aliases.iter().find(|(a, _)| *a == top) {
            Some((_, field)) => rest.map_or(field.to_string(), |r| format!("{field}.{r}")),
            None => key.to_string(),
        }
    };
    let set: Vec<(String, &Value)> = set.iter().map(|(k, v)| (alias(k), v)).collect();
    let unset: Vec<String> = unset.iter().map(|k| alias(k)).collect();
    let set_paths: Vec<Vec<&str>> = set
        .iter()
        .map(|(k, _)| path("set", k, fields.settable, fields.nestable))
        .collect::<ApiResult<_>>()?;
    let unset_paths: Vec<Vec<&str>> = unset
        .iter()
        .map(|k| path("unset", k, fields.unsettable, fields.nestable))
        .collect::<ApiResult<_>>()?;
    check_conflicts(&set_paths, &unset_paths)?;

    let mut doc = match serde_json::to_value(record) {
        Ok(Value::Object(map)) => map,
        _ => return Err(ApiError::internal_msg("a record is not an object")),
    };

    for (key, value) in &set {
        let segments: Vec<&str> = key.split('.').collect();
        let value = if key == "expires_at" {
            parse_expires_at(value)?
                .map(Value::from)
                .unwrap_or(Value::Null)
        } else {
            (*value).clone()
        };
        let (leaf, parents) = segments.split_last().expect("paths are never empty");
        let parent = walk(&mut doc, parents, key, true)?;
        parent.insert(leaf.to_string(), value);
    }

    for key in &unset {
        let segments: Vec<&str> = key.split('.').collect();
        let (leaf, parents) = segments.split_last().expect("paths are never empty");
        if parents.is_empty() {
            doc.remove(*leaf);
            continue;
        }
        let parent = walk(&mut doc, parents, key, false)?;
        if parent.remove(*leaf).is_none() {
            return Err(ApiError::field(
                "unset",
                format!("unset: '{key}' does not exist"),
            ));
        }
    }

    // Explicit nulls clear optional fields.
    doc.retain(|_, v| !v.is_null());
    let de = Value::Object(doc);
    serde_path_to_error::deserialize::<_, T>(de).map_err(|err| {
        let field = err.path().to_string();
        ApiError::field("set", format!("set: {field}: {}", err.into_inner()))
    })
}

/// Splits and checks a key: known top-level field, and dotted only where nesting is allowed.
fn path<'a>(
    op: &str,
    key: &'a str,
    allowed: &[&str],
    nestable: &[&str],
) -> ApiResult<Vec<&'a str>> {
    let segments: Vec<&str> = key.split('.').collect();
    if segments.iter().any(|s| s.is_empty()) {
        return Err(ApiError::field(
            op,
            format!("{op}: '{key}' is not a valid field path"),
        ));
    }
    let top = segments[0];
    if !allowed.contains(&top) {
        return Err(ApiError::field(
            op,
            format!("{op}: '{top}' is not a field that can be changed"),
        ));
    }
    if segments.len() > 1 && !nestable.contains(&top) {
        return Err(ApiError::field(
            op,
            format!(
                "{op}: '{key}': dotted paths reach only into {}",
                nestable.join(" and ")
            ),
        ));
    }
    Ok(segments)
}

fn is_prefix(a: &[&str], b: &[&str]) -> bool {
    a.len() <= b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

fn check_conflicts(set: &[Vec<&str>], unset: &[Vec<&str>]) -> ApiResult<()> {
    let all: Vec<(&str, &Vec<&str>)> = set
        .iter()
        .map(|p| ("set", p))
        .chain(unset.iter().map(|p| ("unset", p)))
        .collect();
    for (i, (_, a)) in all.iter().enumerate() {
        for (_, b) in &all[i + 1..] {
            if is_prefix(a, b) || is_prefix(b, a) {
                return Err(ApiError::field(
                    "set",
                    format!(
                        "'{}' and '{}' conflict: they touch the same field",
                        a.join("."),
                        b.join(".")
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Walks to the object that holds a path's last segment. Every level must exist and be an
/// object, except that a missing top-level nestable field (`custom`) counts as empty when
/// setting.
fn walk<'m>(
    doc: &'m mut Map<String, Value>,
    parents: &[&str],
    key: &str,
    setting: bool,
) -> ApiResult<&'m mut Map<String, Value>> {
    let mut current = doc;
    for (depth, segment) in parents.iter().enumerate() {
        if depth == 0 && setting && !current.contains_key(*segment) {
            current.insert(segment.to_string(), Value::Object(Map::new()));
        }
        current = match current.get_mut(*segment) {
            Some(Value::Object(map)) => map,
            _ => {
                let missing = parents[..=depth].join(".");
                let op = if setting { "set" } else { "unset" };
                return Err(ApiError::field(
                    op,
                    format!("{op}: '{key}': '{missing}' does not exist or is not an object"),
                ));
            }
        };
    }
    Ok(current)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn base() -> ActivityContent {
        serde_json::from_value(json!({
            "feeds": ["user:1"],
            "text": "hello",
            "custom": {"product": {"sku": 12345, "price": {"eur": 7.99, "usd": 9.99}}, "color": "red"}
        }))
        .unwrap()
    }

    fn set(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    fn unset(keys: &[&str]) -> Vec<String> {
        keys.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn sets_top_level_and_nested() {
        let out = apply(
            &base(),
            &set(json!({"text": "Japan has over 6,800 islands.", "custom.product.price.eur": 8.99, "custom.product.price.gbp": 6.99})),
            &[],
        )
        .unwrap();
        assert_eq!(out.text.as_deref(), Some("Japan has over 6,800 islands."));
        assert_eq!(
            out.custom["product"]["price"],
            json!({"eur": 8.99, "usd": 9.99, "gbp": 6.99})
        );
        assert_eq!(out.custom["color"], "red");
    }

    #[test]
    fn replacing_custom_drops_old_keys() {
        let out = apply(
            &base(),
            &set(json!({"custom": {"topic": "fun facts"}})),
            &[],
        )
        .unwrap();
        assert_eq!(Value::Object(out.custom), json!({"topic": "fun facts"}));
    }

    #[test]
    fn unsets_nested_and_top_level() {
        let out = apply(
            &base(),
            &Map::new(),
            &unset(&["custom.color", "custom.product.price.usd", "text"]),
        )
        .unwrap();
        assert!(!out.custom.contains_key("color"));
        assert_eq!(out.custom["product"]["price"], json!({"eur": 7.99}));
        assert_eq!(out.text, None);
    }

    #[test]
    fn nested_set_needs_the_hierarchy() {
        let err = apply(&base(), &set(json!({"custom.product.colors.blue": 1})), &[]).unwrap_err();
        assert!(err.to_string().contains("custom.product.colors"), "{err}");
        // One level below custom is fine even when custom is empty.
        let empty = ActivityContent {
            feeds: vec!["user:1".into()],
            ..Default::default()
        };
        assert_eq!(
            apply(&empty, &set(json!({"custom.color": "blue"})), &[])
                .unwrap()
                .custom["color"],
            "blue"
        );
    }

    #[test]
    fn unset_of_a_missing_nested_key_fails() {
        assert!(apply(&base(), &Map::new(), &unset(&["custom.nope"])).is_err());
        assert!(apply(&base(), &Map::new(), &unset(&["custom.nope.deeper"])).is_err());
    }

    #[test]
    fn refuses_unknown_and_reserved_fields() {
        for key in [
            "id",
            "type",
            "user_id",
            "created_at",
            "share_count",
            "nonexistent_field",
        ] {
            assert!(
                apply(&base(), &set(json!({key: "x"})), &[]).is_err(),
                "set {key}"
            );
            assert!(
                apply(&base(), &Map::new(), &unset(&[key])).is_err(),
                "unset {key}"
            );
        }
        assert!(apply(&base(), &Map::new(), &unset(&["feeds"])).is_err());
        assert!(apply(&base(), &set(json!({"text.x": "y"})), &[]).is_err());
    }

    #[test]
    fn set_and_unset_may_not_overlap() {
        assert!(apply(
            &base(),
            &set(json!({"custom.color": "blue"})),
            &unset(&["custom"])
        )
        .is_err());
        assert!(apply(
            &base(),
            &set(json!({"custom.product": {}})),
            &unset(&["custom.product.sku"])
        )
        .is_err());
        assert!(apply(
            &base(),
            &set(json!({"custom": {}, "custom.color": "x"})),
            &[]
        )
        .is_err());
        assert!(apply(
            &base(),
            &set(json!({"custom.color": "blue"})),
            &unset(&["custom.product"])
        )
        .is_ok());
    }

    #[test]
    fn typed_fields_are_checked() {
        let err = apply(&base(), &set(json!({"filter_tags": "not-a-list"})), &[]).unwrap_err();
        assert!(err.to_string().contains("filter_tags"), "{err}");
        let out = apply(
            &base(),
            &set(json!({"expires_at": "2030-01-01T00:00:00Z"})),
            &[],
        )
        .unwrap();
        assert_eq!(out.expires_at, Some(1_893_456_000_000_000_000));
        assert!(apply(&base(), &set(json!({"visibility": "friends"})), &[]).is_err());
    }

    #[test]
    fn comments_take_the_same_rules() {
        let c: Comment = serde_json::from_value(json!({
            "id": "c1", "object_id": "a1", "object_type": "activity", "user_id": "u",
            "text": "hi", "custom": {"mood": {"level": 1}}, "created_at": 1, "updated_at": 1
        }))
        .unwrap();
        let out = apply_to_comment(
            &c,
            &set(json!({"comment": "edited", "custom.mood.level": 2})),
            &[],
        )
        .unwrap();
        assert_eq!(out.text.as_deref(), Some("edited"));
        assert_eq!(out.custom["mood"]["level"], 2);
        assert_eq!(out.id, "c1");
        let out = apply_to_comment(&c, &Map::new(), &unset(&["text", "custom.mood"])).unwrap();
        assert_eq!(out.text, None);
        assert!(out.custom.is_empty());
        assert!(apply_to_comment(&c, &set(json!({"user_id": "x"})), &[]).is_err());
        assert!(apply_to_comment(&c, &Map::new(), &unset(&["custom.nope"])).is_err());
        assert!(apply_to_comment(&c, &set(json!({"text": 5})), &[]).is_err());
    }

    #[test]
    fn key_limits() {
        let many: Map<String, Value> = (0..26)
            .map(|i| (format!("custom.k{i}"), json!(i)))
            .collect();
        assert!(apply(&base(), &many, &[]).is_err());
    }
}
