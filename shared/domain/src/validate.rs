//! Input rules shared by every family. Each check returns a code-4 error naming the field.

use std::fmt;

use crate::model::{ActivityContent, Visibility};
use crate::ApiError;
use crate::ApiResult;

/// Most feeds one activity may be added to.
pub const MAX_FEEDS_PER_ACTIVITY: usize = 255;
/// Most tags / mentions per list.
pub const MAX_TAGS: usize = 255;
/// An activity's JSON may be at most this large.
pub const MAX_ACTIVITY_BYTES: usize = 10 * 1024;
/// The most a free-form document (`custom`, `attachments`, `search_data` of any record) may
/// take as JSON text: the activity limit, so one activity's custom data fits either rule.
pub const MAX_DOCUMENT_BYTES: usize = MAX_ACTIVITY_BYTES;
/// The deepest a free-form document may nest (the document itself is level 1). Documents are
/// stored as JSON text, so DynamoDB's 32 levels do not apply; this keeps them well inside the
/// 128 levels `serde_json` parses, including where Tributary wraps them (task messages,
/// notification contexts, responses).
pub const MAX_DOCUMENT_DEPTH: usize = 64;
/// Most activities in one batch (upsert, partial update, delete).
pub const MAX_BATCH: usize = 100;
/// Longest id a client may choose.
pub const MAX_ID_LEN: usize = 255;
/// The longest `visibility_tag`, as Stream allows.
pub const MAX_VISIBILITY_TAG_LEN: usize = 32;

/// A feed id, `group:id`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fid {
    pub group: String,
    pub id: String,
}

impl Fid {
    /// Parses `group:id`. Both parts are 1-128 letters, digits, `_` or `-`.
    pub fn parse(field: &str, raw: &str) -> ApiResult<Fid> {
        let invalid = |why: &str| {
            ApiError::field(
                field,
                format!("{field}: '{raw}' is not a valid feed id ({why})"),
            )
        };
        let (group, id) = raw
            .split_once(':')
            .ok_or_else(|| invalid("expected group:id"))?;
        if !is_slug(group) {
            return Err(invalid(
                "the group may contain only letters, digits, '_' and '-'",
            ));
        }
        if !is_feed_id(id) {
            return Err(invalid(
                "the id may contain only letters, digits, '_', '-', '@' and '.'",
            ));
        }
        Ok(Fid {
            group: group.to_string(),
            id: id.to_string(),
        })
    }
}

impl fmt::Display for Fid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.group, self.id)
    }
}

fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 128
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn is_feed_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 128
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '@' | '.'))
}

/// The feeds an activity goes to: 1 to 255 valid fids, duplicates dropped, order kept.
pub fn feeds(raw: &[String]) -> ApiResult<Vec<Fid>> {
    if raw.is_empty() {
        return Err(ApiError::field(
            "feeds",
            "feeds: at least one feed is required",
        ));
    }
    if raw.len() > MAX_FEEDS_PER_ACTIVITY {
        return Err(ApiError::field(
            "feeds",
            format!(
                "feeds: at most {MAX_FEEDS_PER_ACTIVITY} feeds are allowed, got {}",
                raw.len()
            ),
        ));
    }
    let mut out: Vec<Fid> = Vec::with_capacity(raw.len());
    for (i, f) in raw.iter().enumerate() {
        let fid = Fid::parse(&format!("feeds[{i}]"), f)?;
        if !out.contains(&fid) {
            out.push(fid);
        }
    }
    Ok(out)
}

/// A client-chosen id (activity, user): non-empty and bounded.
pub fn id(field: &str, raw: &str) -> ApiResult<()> {
    if raw.trim().is_empty() {
        return Err(ApiError::field(field, format!("{field} must not be empty")));
    }
    if raw.len() > MAX_ID_LEN {
        return Err(ApiError::field(
            field,
            format!("{field} is longer than {MAX_ID_LEN} characters"),
        ));
    }
    Ok(())
}

/// A page size: `default` when absent, otherwise 0 to `max`.
pub fn limit(field: &str, raw: Option<i64>, default: usize, max: usize) -> ApiResult<usize> {
    match raw {
        None => Ok(default),
        Some(n) if n >= 0 && (n as usize) <= max => Ok(n as usize),
        Some(n) => Err(ApiError::field(
            field,
            format!("{field} must be between 0 and {max}, got {n}"),
        )),
    }
}

/// Rules on an activity's content as a whole, checked after every create and update.
pub fn content(activity_type: &str, c: &ActivityContent) -> ApiResult<()> {
    feeds(&c.feeds)?;
    if c.visibility == Visibility::Tag && c.visibility_tag.as_deref().is_none_or(str::is_empty) {
        return Err(ApiError::field(
            "visibility_tag",
            "visibility_tag is required when visibility is 'tag'",
        ));
    }
    if c.visibility_tag
        .as_deref()
        .is_some_and(|t| t.len() > MAX_VISIBILITY_TAG_LEN)
    {
        return Err(ApiError::field(
            "visibility_tag",
            format!("visibility_tag is longer than {MAX_VISIBILITY_TAG_LEN} characters"),
        ));
    }
    for (name, list) in [
        ("filter_tags", &c.filter_tags),
        ("interest_tags", &c.interest_tags),
        ("mentioned_user_ids", &c.mentioned_user_ids),
        ("collection_refs", &c.collection_refs),
    ] {
        tags(name, list)?;
    }
    if let Some(loc) = c.location {
        if !(-90.0..=90.0).contains(&loc.lat) || !(-180.0..=180.0).contains(&loc.lng) {
            return Err(ApiError::field(
                "location",
                "location: lat must be within ±90 and lng within ±180",
            ));
        }
    }
    let size = activity_type.len() + serde_json::to_vec(c).map(|v| v.len()).unwrap_or(usize::MAX);
    if size > MAX_ACTIVITY_BYTES {
        return Err(ApiError::field(
            "activity",
            format!("activity is {size} bytes; the limit is {MAX_ACTIVITY_BYTES} bytes"),
        ));
    }
    Ok(())
}

/// A free-form document a client wrote (`custom`, `attachments`, `search_data`): at most
/// [`MAX_DOCUMENT_BYTES`] as JSON text and [`MAX_DOCUMENT_DEPTH`] levels deep. Any JSON within
/// those is stored and read back unchanged (numbers beyond DynamoDB's range, empty keys).
pub fn document(field: &str, value: &serde_json::Value) -> ApiResult<()> {
    let size = serde_json::to_vec(value)
        .map(|v| v.len())
        .unwrap_or(usize::MAX);
    if size > MAX_DOCUMENT_BYTES {
        return Err(ApiError::field(
            field,
            format!("{field} is {size} bytes; the limit is {MAX_DOCUMENT_BYTES} bytes"),
        ));
    }
    if depth(value) > MAX_DOCUMENT_DEPTH {
        return Err(ApiError::field(
            field,
            format!("{field} nests deeper than {MAX_DOCUMENT_DEPTH} levels"),
        ));
    }
    Ok(())
}

/// How many levels of objects and arrays `v` nests (a scalar is 0).
fn depth(v: &serde_json::Value) -> usize {
    match v {
        serde_json::Value::Object(m) => 1 + m.values().map(depth).max().unwrap_or(0),
        serde_json::Value::Array(l) => 1 + l.iter().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

/// A list of tags or ids: at most [`MAX_TAGS`] entries, none empty.
pub fn tags(name: &str, list: &[String]) -> ApiResult<()> {
    if list.len() > MAX_TAGS {
        return Err(ApiError::field(
            name,
            format!("{name}: at most {MAX_TAGS} entries are allowed"),
        ));
    }
    if list.iter().any(|s| s.is_empty()) {
        return Err(ApiError::field(
            name,
            format!("{name}: entries must not be empty"),
        ));
    }
    Ok(())
}

/// A batch's size: 1 to [`MAX_BATCH`].
pub fn batch_len(field: &str, len: usize) -> ApiResult<()> {
    if len == 0 {
        return Err(ApiError::field(field, format!("{field} must not be empty")));
    }
    if len > MAX_BATCH {
        return Err(ApiError::field(
            field,
            format!("{field}: at most {MAX_BATCH} items per request, got {len}"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_bounded() {
        use serde_json::json;
        assert!(document("custom", &json!({"big": 1e200, "": 1})).is_ok());
        let mut deep = json!(1);
        for _ in 0..MAX_DOCUMENT_DEPTH - 1 {
            deep = json!([deep]);
        }
        assert!(document("custom", &json!({ "d": deep })).is_ok());
        assert_eq!(
            field_of(document("custom", &json!({ "d": [deep] })).unwrap_err()),
            "custom"
        );
        let big = json!({ "s": "x".repeat(MAX_DOCUMENT_BYTES) });
        assert_eq!(
            field_of(document("attachments", &big).unwrap_err()),
            "attachments"
        );
    }

    #[test]
    fn tag_lists_are_bounded() {
        assert!(tags("filter_tags", &["a".into()]).is_ok());
        let many = vec!["t".to_string(); MAX_TAGS + 1];
        assert_eq!(
            field_of(tags("filter_tags", &many).unwrap_err()),
            "filter_tags"
        );
        assert_eq!(field_of(tags("teams", &["".into()]).unwrap_err()), "teams");
        let mut c = ActivityContent {
            feeds: vec!["user:a".into()],
            visibility: Visibility::Tag,
            visibility_tag: Some("x".repeat(MAX_VISIBILITY_TAG_LEN + 1)),
            ..Default::default()
        };
        assert_eq!(field_of(content("post", &c).unwrap_err()), "visibility_tag");
        c.visibility_tag = Some("premium".into());
        assert!(content("post", &c).is_ok());
    }
    use crate::model::Location;

    fn content_with(feeds: &[&str]) -> ActivityContent {
        ActivityContent {
            feeds: feeds.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
    }

    fn field_of(e: ApiError) -> String {
        match e {
            ApiError::Input { field: Some(f), .. } => f,
            other => panic!("expected a field error, got {other:?}"),
        }
    }

    #[test]
    fn fids() {
        assert_eq!(
            Fid::parse("f", "user:john").unwrap().to_string(),
            "user:john"
        );
        assert_eq!(
            Fid::parse("f", "timeline:a.b@c-d_e").unwrap().id,
            "a.b@c-d_e"
        );
        for bad in [
            "user",
            ":john",
            "user:",
            "us er:john",
            "user:jo hn",
            "user:john:x",
        ] {
            assert!(Fid::parse("f", bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn feed_counts() {
        assert_eq!(field_of(feeds(&[]).unwrap_err()), "feeds");
        let many: Vec<String> = (0..256).map(|i| format!("user:{i}")).collect();
        assert_eq!(field_of(feeds(&many).unwrap_err()), "feeds");
        assert_eq!(feeds(&many[..255]).unwrap().len(), 255);
        assert_eq!(
            field_of(feeds(&["user:1".into(), "bad".into()]).unwrap_err()),
            "feeds[1]"
        );
        assert_eq!(feeds(&["user:1".into(), "user:1".into()]).unwrap().len(), 1);
    }

    #[test]
    fn tag_visibility_needs_a_tag() {
        let mut c = content_with(&["user:1"]);
        c.visibility = Visibility::Tag;
        assert_eq!(field_of(content("post", &c).unwrap_err()), "visibility_tag");
        c.visibility_tag = Some("premium".into());
        assert!(content("post", &c).is_ok());
    }

    #[test]
    fn size_limit() {
        let mut c = content_with(&["user:1"]);
        c.text = Some("x".repeat(MAX_ACTIVITY_BYTES));
        assert_eq!(field_of(content("post", &c).unwrap_err()), "activity");
        c.text = Some("x".repeat(MAX_ACTIVITY_BYTES - 1024));
        assert!(content("post", &c).is_ok());
    }

    #[test]
    fn location_bounds() {
        let mut c = content_with(&["user:1"]);
        c.location = Some(Location {
            lat: 91.0,
            lng: 0.0,
        });
        assert_eq!(field_of(content("post", &c).unwrap_err()), "location");
    }

    #[test]
    fn batches() {
        assert!(batch_len("activities", 0).is_err());
        assert!(batch_len("activities", 100).is_ok());
        assert!(batch_len("activities", 101).is_err());
    }
}
