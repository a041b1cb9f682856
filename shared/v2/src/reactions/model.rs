//! A v2 reaction, whatever record holds it, and its JSON:
//! `{id, kind, activity_id, user_id, data, parent, created_at, updated_at, latest_children,
//! children_counts}`, plus `deleted_at` while soft-deleted and `own_children` when asked.

use serde_json::{Map, Value};
use tributary_domain::model::comment::Comment;
use tributary_domain::model::reaction::Reaction;
use tributary_domain::time::Nanos;
use tributary_store::{keys, V2ReactionRecord};

use super::ids;
use crate::time;

/// The kind whose reactions are comments.
pub const COMMENT_KIND: &str = "comment";

/// The record holding a v2 reaction.
#[derive(Clone, Debug, PartialEq)]
pub enum Holder {
    /// A v2-only record.
    Own(V2ReactionRecord),
    /// A v3 reaction to an activity, or to a comment (then a child of the comment).
    Reaction(Reaction),
    /// A v3 comment: on an activity, or a reply (then a child of its parent comment).
    Comment(Comment),
}

#[derive(Clone, Debug, PartialEq)]
pub struct V2Reaction {
    pub id: String,
    pub kind: String,
    pub activity_id: String,
    pub user_id: String,
    pub data: Map<String, Value>,
    pub parent: Option<String>,
    pub created_at: Nanos,
    pub updated_at: Nanos,
    pub deleted_at: Option<Nanos>,
    pub holder: Holder,
}

/// A comment's v2 `data`: its custom data, with its text as `text`.
pub fn comment_data(c: &Comment) -> Map<String, Value> {
    let mut data = c.custom.clone();
    if let Some(text) = &c.text {
        data.insert("text".into(), Value::String(text.clone()));
    }
    data
}

/// A comment's text and custom data from v2 `data`: `text` when it is a string.
pub fn split_comment_data(data: &Map<String, Value>) -> (Option<String>, Map<String, Value>) {
    match data.get("text") {
        Some(Value::String(text)) => {
            let mut custom = data.clone();
            custom.remove("text");
            (Some(text.clone()), custom)
        }
        _ => (None, data.clone()),
    }
}

impl V2Reaction {
    pub fn from_record(r: V2ReactionRecord) -> Self {
        V2Reaction {
            id: r.id.clone(),
            kind: r.kind.clone(),
            activity_id: r.activity_id.clone(),
            user_id: r.user_id.clone(),
            data: r.custom.clone(),
            parent: r.parent.clone(),
            created_at: r.created_at,
            updated_at: r.updated_at,
            deleted_at: r.deleted_at,
            holder: Holder::Own(r),
        }
    }

    pub fn from_reaction(r: Reaction) -> Self {
        V2Reaction {
            id: ids::held_id(&r),
            kind: r.kind.clone(),
            activity_id: r.activity_id.clone(),
            user_id: r.user_id.clone(),
            data: r.custom.clone(),
            parent: r.comment_id.clone(),
            created_at: r.created_at,
            updated_at: r.updated_at,
            deleted_at: None,
            holder: Holder::Reaction(r),
        }
    }

    pub fn from_comment(c: Comment) -> Self {
        V2Reaction {
            id: c.id.clone(),
            kind: COMMENT_KIND.into(),
            activity_id: c.object_id.clone(),
            user_id: c.user_id.clone(),
            data: comment_data(&c),
            parent: c.parent_id.clone(),
            created_at: c.created_at,
            updated_at: c.updated_at,
            deleted_at: c.deleted_at,
            holder: Holder::Comment(c),
        }
    }

    pub fn is_live(&self) -> bool {
        self.deleted_at.is_none()
    }

    /// Where it stands in time order (newest last): its time, then its id.
    pub fn order(&self) -> (Nanos, &str) {
        (self.created_at, self.id.as_str())
    }

    /// The scope listing its v2-only children.
    pub fn child_scope(&self) -> String {
        keys::v2_scope_parent(&self.id)
    }

    /// The JSON v2 clients read, with the children as given.
    pub fn render(&self, children: Children) -> Value {
        let mut out = Map::new();
        out.insert("id".into(), Value::String(self.id.clone()));
        out.insert("kind".into(), Value::String(self.kind.clone()));
        out.insert(
            "activity_id".into(),
            Value::String(self.activity_id.clone()),
        );
        out.insert("user_id".into(), Value::String(self.user_id.clone()));
        out.insert("data".into(), Value::Object(self.data.clone()));
        out.insert(
            "parent".into(),
            Value::String(self.parent.clone().unwrap_or_default()),
        );
        out.insert(
            "created_at".into(),
            Value::String(time::format(self.created_at)),
        );
        out.insert(
            "updated_at".into(),
            Value::String(time::format(self.updated_at)),
        );
        if let Some(at) = self.deleted_at {
            out.insert("deleted_at".into(), Value::String(time::format(at)));
        }
        out.insert("latest_children".into(), Value::Object(children.latest));
        out.insert("children_counts".into(), Value::Object(children.counts));
        if let Some(own) = children.own {
            out.insert("own_children".into(), Value::Object(own));
        }
        Value::Object(out)
    }
}

/// What a rendered reaction shows of its children: per kind the newest (rendered), the
/// counts, and (when asked) the reader's own.
#[derive(Clone, Debug, Default)]
pub struct Children {
    pub latest: Map<String, Value>,
    pub counts: Map<String, Value>,
    pub own: Option<Map<String, Value>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn comments_carry_their_text_in_data() {
        let data = json!({"text": "hi", "mood": 1})
            .as_object()
            .unwrap()
            .clone();
        let (text, custom) = split_comment_data(&data);
        assert_eq!(text.as_deref(), Some("hi"));
        assert_eq!(Value::Object(custom.clone()), json!({"mood": 1}));
        let mut c = Comment::new(
            "c1".into(),
            ("activity".into(), "a1".into()),
            "ann".into(),
            text,
            7,
        );
        c.custom = custom;
        let r = V2Reaction::from_comment(c);
        assert_eq!(
            Value::Object(r.data.clone()),
            json!({"text": "hi", "mood": 1})
        );
        // A non-string text stays data.
        let odd = json!({"text": 5}).as_object().unwrap().clone();
        assert_eq!(split_comment_data(&odd), (None, odd.clone()));
    }

    #[test]
    fn renders_top_level_with_empty_children() {
        let r = V2Reaction::from_reaction(Reaction {
            activity_id: "a1".into(),
            comment_id: None,
            user_id: "ann".into(),
            kind: "like".into(),
            custom: Map::new(),
            created_at: 1_000_000_000,
            updated_at: 1_000_000_000,
        });
        let v = r.render(Children::default());
        assert_eq!(v["parent"], "");
        assert_eq!(v["data"], json!({}));
        assert_eq!(v["latest_children"], json!({}));
        assert_eq!(v["children_counts"], json!({}));
        assert_eq!(v["created_at"], "1970-01-01T00:00:01.000000");
        assert!(v.get("deleted_at").is_none() && v.get("own_children").is_none());
    }
}
