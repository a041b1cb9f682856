//! Changing a v2 activity's data in place: partial updates (`set` and `unset` with dotted
//! paths) and full updates (new data, same activity).
//!
//! An activity's v2 data is what a v2 read shows besides the fields that name it or place it:
//! its custom fields, and `text` (kept in the domain's `text` when the activity was written
//! through v3 with one, in `custom.text` otherwise; an update keeps it where it was, so v3
//! reads see the change where they look).
//!
//! Partial update rules (Stream's v2 ones):
//! - at most 25 keys in `set` and 25 in `unset`;
//! - the reserved fields ([`RESERVED`]) may be neither set nor unset;
//! - a dotted path (`product.price.eur`) reaches into objects: every level above the last
//!   must exist and be an object;
//! - `set` and `unset` may not name the same key, or one inside the other;
//! - an `unset` key must exist (Stream's docs say so), or the change is refused.
//!
//! Changes are made in place in the custom fields' map (whose order is kept), so reads show the
//! same keys in the same order before and after, apart from the changed ones.

use serde_json::{Map, Value};
use tributary_domain::model::ActivityContent;
use tributary_domain::{ApiError, ApiResult};

/// Most keys `set` or `unset` may hold.
pub const MAX_KEYS: usize = 25;

/// Fields no partial update may touch: they name the activity, its time, or where it is
/// (`to` changes through `activity_to_targets`).
pub const RESERVED: [&str; 9] = [
    "id",
    "actor",
    "verb",
    "object",
    "time",
    "target",
    "foreign_id",
    "to",
    "origin",
];

/// Whether the activity's `text` lives in the domain's `text` (written through v3) rather than
/// among its custom fields.
fn text_outside_custom(content: &ActivityContent) -> bool {
    content.text.is_some() && !content.custom.contains_key("text")
}

/// Puts a `text` that lived in the domain's `text` back there after the data changed: a string
/// stays there, anything else becomes a custom field, and no `text` clears it.
fn settle_text(content: &mut ActivityContent, data: &mut Map<String, Value>) {
    content.text = match data.remove("text") {
        Some(Value::String(s)) => Some(s),
        Some(other) => {
            data.insert("text".into(), other);
            None
        }
        None => None,
    };
}

/// Applies `set` then `unset` to the v2 data of `content`.
pub fn apply(
    content: &ActivityContent,
    set: &Map<String, Value>,
    unset: &[String],
) -> ApiResult<ActivityContent> {
    for (op, len) in [("set", set.len()), ("unset", unset.len())] {
        if len > MAX_KEYS {
            return Err(ApiError::field(
                op,
                format!("{op}: at most {MAX_KEYS} keys are allowed, got {len}"),
            ));
        }
    }
    let set_paths: Vec<Vec<&str>> = set
        .keys()
        .map(|k| path("set", k))
        .collect::<ApiResult<_>>()?;
    let unset_paths: Vec<Vec<&str>> = unset
        .iter()
        .map(|k| path("unset", k))
        .collect::<ApiResult<_>>()?;
    check_conflicts(&set_paths, &unset_paths)?;

    let mut data = content.custom.clone();
    let outside = text_outside_custom(content);
    if outside {
        data.insert(
            "text".into(),
            Value::String(content.text.clone().unwrap_or_default()),
        );
    }
    for (segments, value) in set_paths.iter().zip(set.values()) {
        let (leaf, parents) = segments.split_last().expect("paths are never empty");
        walk(&mut data, parents, segments, "set")?.insert(leaf.to_string(), value.clone());
    }
    for segments in &unset_paths {
        let (leaf, parents) = segments.split_last().expect("paths are never empty");
        if walk(&mut data, parents, segments, "unset")?
            .shift_remove(*leaf)
            .is_none()
        {
            let key = segments.join(".");
            return Err(ApiError::field(
                "unset",
                format!("unset: '{key}' does not exist on the activity"),
            ));
        }
    }
    let mut next = content.clone();
    if outside {
        settle_text(&mut next, &mut data);
    }
    next.custom = data;
    Ok(next)
}

/// A full update: `fields` (the custom fields a new v2 activity would have) become the data
/// of `content`. `to` is kept as it was (a full update does not change targets, as with
/// Stream), and so is where `text` lives.
pub fn replace(content: &ActivityContent, mut fields: Map<String, Value>) -> ActivityContent {
    fields.shift_remove("to");
    if let Some(to) = content.custom.get("to") {
        fields.insert("to".into(), to.clone());
    }
    let mut next = content.clone();
    if text_outside_custom(content) {
        settle_text(&mut next, &mut fields);
    }
    next.custom = fields;
    next
}

/// Splits and checks a key: no empty segment, and not a reserved field.
fn path<'a>(op: &str, key: &'a str) -> ApiResult<Vec<&'a str>> {
    let segments: Vec<&str> = key.split('.').collect();
    if segments.iter().any(|s| s.is_empty()) {
        return Err(ApiError::field(
            op,
            format!("{op}: '{key}' is not a valid field path"),
        ));
    }
    if RESERVED.contains(&segments[0]) {
        return Err(ApiError::field(
            op,
            format!(
                "{op}: '{}' is a reserved field; a partial update may not change {}",
                segments[0],
                RESERVED.join(", ")
            ),
        ));
    }
    Ok(segments)
}

fn is_prefix(a: &[&str], b: &[&str]) -> bool {
    a.len() <= b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

/// Refuses two keys that touch the same field (the same key, or one inside the other).
fn check_conflicts(set: &[Vec<&str>], unset: &[Vec<&str>]) -> ApiResult<()> {
    let all: Vec<&Vec<&str>> = set.iter().chain(unset).collect();
    for (i, a) in all.iter().enumerate() {
        if let Some(b) = all[i + 1..]
            .iter()
            .find(|b| is_prefix(a, b) || is_prefix(b, a))
        {
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
    Ok(())
}

/// The object holding a path's last segment: every level above it must exist as an object.
fn walk<'m>(
    data: &'m mut Map<String, Value>,
    parents: &[&str],
    key: &[&str],
    op: &str,
) -> ApiResult<&'m mut Map<String, Value>> {
    let mut current = data;
    for (depth, segment) in parents.iter().enumerate() {
        current = match current.get_mut(*segment) {
            Some(Value::Object(map)) => map,
            _ => {
                return Err(ApiError::field(
                    op,
                    format!(
                        "{op}: '{}': '{}' does not exist or is not an object",
                        key.join("."),
                        parents[..=depth].join(".")
                    ),
                ))
            }
        };
    }
    Ok(current)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn content(custom: Value, text: Option<&str>) -> ActivityContent {
        ActivityContent {
            feeds: vec!["user:1".into()],
            custom: custom.as_object().unwrap().clone(),
            text: text.map(str::to_string),
            ..ActivityContent::default()
        }
    }

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    fn keys(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn product() -> ActivityContent {
        content(
            json!({"object": "09", "foreign_id": "fid:1",
                "product": {"name": "shoes", "price": 9.99, "color": "blue"}, "n": 1}),
            None,
        )
    }

    #[test]
    fn sets_and_unsets_dotted_paths_in_place() {
        let out = apply(
            &product(),
            &map(json!({"product.name": "boots", "popularity": 1000, "foo": {"bar": 1}})),
            &keys(&["product.color"]),
        )
        .unwrap();
        assert_eq!(
            Value::Object(out.custom.clone()),
            json!({"object": "09", "foreign_id": "fid:1",
                "product": {"name": "boots", "price": 9.99}, "n": 1,
                "popularity": 1000, "foo": {"bar": 1}})
        );
        // Keys keep their places: changed ones where they were, new ones after.
        let order: Vec<&str> = out.custom.keys().map(String::as_str).collect();
        assert_eq!(
            order,
            ["object", "foreign_id", "product", "n", "popularity", "foo"]
        );
        let inner: Vec<&str> = out.custom["product"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(inner, ["name", "price"]);
    }

    #[test]
    fn the_hierarchy_must_exist() {
        let err = apply(&product(), &map(json!({"product.colors.blue": 1})), &[]).unwrap_err();
        assert!(err.to_string().contains("product.colors"), "{err}");
        assert!(apply(&product(), &map(json!({"product.name.x": 1})), &[]).is_err());
        assert!(apply(&product(), &Map::new(), &keys(&["nope.deeper"])).is_err());
        // An unset key must exist.
        assert!(apply(&product(), &Map::new(), &keys(&["nope"])).is_err());
        assert!(apply(&product(), &Map::new(), &keys(&["product.size"])).is_err());
    }

    #[test]
    fn reserved_fields_and_bad_keys_are_refused() {
        for key in RESERVED {
            assert!(
                apply(&product(), &map(json!({key: "x"})), &[]).is_err(),
                "{key}"
            );
            assert!(
                apply(&product(), &Map::new(), &keys(&[key])).is_err(),
                "{key}"
            );
        }
        assert!(apply(&product(), &map(json!({"foreign_id.x": 1})), &[]).is_err());
        assert!(apply(&product(), &map(json!({"a..b": 1})), &[]).is_err());
        assert!(apply(&product(), &map(json!({"": 1})), &[]).is_err());
        let many: Map<String, Value> = (0..26).map(|i| (format!("k{i}"), json!(i))).collect();
        assert!(apply(&product(), &many, &[]).is_err());
    }

    #[test]
    fn set_and_unset_may_not_overlap() {
        assert!(apply(
            &product(),
            &map(json!({"product.name": 1})),
            &keys(&["product"])
        )
        .is_err());
        assert!(apply(&product(), &map(json!({"n": 2})), &keys(&["n"])).is_err());
        assert!(apply(&product(), &Map::new(), &keys(&["n", "n"])).is_err());
        assert!(apply(&product(), &map(json!({"n": 2})), &keys(&["product.name"])).is_ok());
    }

    #[test]
    fn text_stays_where_it_lives() {
        // Written through v3: text is the domain's text.
        let v3 = content(json!({"mood": "ok"}), Some("hello"));
        let out = apply(&v3, &map(json!({"text": "edited"})), &[]).unwrap();
        assert_eq!(out.text.as_deref(), Some("edited"));
        assert!(!out.custom.contains_key("text"));
        let out = apply(&v3, &Map::new(), &keys(&["text"])).unwrap();
        assert_eq!(out.text, None);
        // Written through v2: text is a custom field like any other.
        let v2 = content(json!({"text": "hi"}), None);
        let out = apply(&v2, &map(json!({"text": "edited"})), &[]).unwrap();
        assert_eq!(out.custom["text"], "edited");
        assert_eq!(out.text, None);
    }

    #[test]
    fn a_full_update_replaces_the_data_but_keeps_targets() {
        let old = content(
            json!({"object": "1", "foreign_id": "f", "to": ["user:2"], "old": true}),
            Some("v3 text"),
        );
        let out = replace(
            &old,
            map(json!({"object": "1", "foreign_id": "f", "to": ["user:9"], "new": 1, "text": "t"})),
        );
        assert_eq!(
            Value::Object(out.custom),
            json!({"object": "1", "foreign_id": "f", "new": 1, "to": ["user:2"]})
        );
        assert_eq!(out.text.as_deref(), Some("t"));
        assert_eq!(out.feeds, old.feeds);
        let out = replace(&old, map(json!({"object": "1"})));
        assert_eq!(out.text, None);
    }
}
