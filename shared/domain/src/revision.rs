//! What a revision (`query_revision_history`) records of an activity or a comment: a
//! snapshot of the object as users see and change it (its content and times, not the
//! counters and lists the service keeps beside it), and which of those fields an edit
//! changed.

use serde_json::{Map, Value};

use crate::model::comment::Comment;
use crate::model::Activity;

/// Fields every snapshot has that an edit always touches: not "changes" of their own.
const BOOKKEEPING: [&str; 2] = ["updated_at", "edited_at"];

/// An activity's snapshot: its identity, times and content fields, flat.
pub fn activity_snapshot(a: &Activity) -> Value {
    let mut out = Map::new();
    out.insert("id".into(), Value::from(a.id.clone()));
    out.insert("type".into(), Value::from(a.activity_type.clone()));
    out.insert("user_id".into(), Value::from(a.user_id.clone()));
    if let Some(parent) = &a.parent_id {
        out.insert("parent_id".into(), Value::from(parent.clone()));
    }
    if let Ok(Value::Object(content)) = serde_json::to_value(&a.content) {
        out.extend(content);
    }
    times(
        &mut out,
        a.created_at,
        a.updated_at,
        a.edited_at,
        a.deleted_at,
    );
    Value::Object(out)
}

/// A comment's snapshot: its identity, times and content fields.
pub fn comment_snapshot(c: &Comment) -> Value {
    let mut out = Map::new();
    out.insert("id".into(), Value::from(c.id.clone()));
    out.insert("object_id".into(), Value::from(c.object_id.clone()));
    out.insert("object_type".into(), Value::from(c.object_type.clone()));
    out.insert("user_id".into(), Value::from(c.user_id.clone()));
    if let Some(parent) = &c.parent_id {
        out.insert("parent_id".into(), Value::from(parent.clone()));
    }
    if let Some(text) = &c.text {
        out.insert("text".into(), Value::from(text.clone()));
    }
    out.insert("attachments".into(), Value::from(c.attachments.clone()));
    out.insert("custom".into(), Value::Object(c.custom.clone()));
    out.insert(
        "mentioned_user_ids".into(),
        Value::from(c.mentioned_user_ids.clone()),
    );
    times(
        &mut out,
        c.created_at,
        c.updated_at,
        c.edited_at,
        c.deleted_at,
    );
    Value::Object(out)
}

fn times(
    out: &mut Map<String, Value>,
    created: i64,
    updated: i64,
    edited: Option<i64>,
    deleted: Option<i64>,
) {
    out.insert("created_at".into(), Value::from(created));
    out.insert("updated_at".into(), Value::from(updated));
    if let Some(t) = edited {
        out.insert("edited_at".into(), Value::from(t));
    }
    if let Some(t) = deleted {
        out.insert("deleted_at".into(), Value::from(t));
    }
}

/// The fields whose values differ between two snapshots (added and removed ones too),
/// sorted; the edit times are left out.
pub fn changed_fields(before: &Value, after: &Value) -> Vec<String> {
    let empty = Map::new();
    let before = before.as_object().unwrap_or(&empty);
    let after = after.as_object().unwrap_or(&empty);
    let mut names: Vec<String> = before
        .keys()
        .chain(after.keys())
        .filter(|k| !BOOKKEEPING.contains(&k.as_str()))
        .filter(|k| before.get(*k) != after.get(*k))
        .cloned()
        .collect();
    names.sort();
    names.dedup();
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn changed_fields_name_what_differs_but_not_edit_times() {
        let before = json!({"text": "a", "custom": {"x": 1}, "updated_at": 1, "tags": ["t"]});
        let after = json!({"text": "b", "custom": {"x": 1}, "updated_at": 2, "edited_at": 2, "poll_id": "p"});
        assert_eq!(
            changed_fields(&before, &after),
            vec!["poll_id", "tags", "text"]
        );
        assert!(changed_fields(&before, &before).is_empty());
    }

    #[test]
    fn snapshots_hold_content_and_times_not_counters() {
        let mut a = Activity::new(
            "a1".into(),
            "post".into(),
            "amy".into(),
            Default::default(),
            5,
        );
        a.content.text = Some("hello".into());
        a.reaction_count = 7;
        let snap = activity_snapshot(&a);
        assert_eq!(snap["text"], json!("hello"));
        assert_eq!(snap["type"], json!("post"));
        assert_eq!(snap["created_at"], json!(5));
        assert!(snap.get("reaction_count").is_none());
        assert!(snap.get("content").is_none());
    }
}
