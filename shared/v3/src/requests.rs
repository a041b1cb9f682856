//! Activity fields as clients send them, turned into validated content.

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::collections::CollectionRequest;
use tributary_domain::model::{ActivityContent, Location, RestrictReplies, Visibility};
use tributary_domain::time::parse_expires_at;
use tributary_domain::ApiError;
use tributary_domain::ApiResult;

/// The fields of add, upsert and full-update requests (`AddActivityRequest`,
/// `ActivityRequest`, `UpdateActivityRequest`). Every field is optional here; what is
/// required is checked when the activity is built. Fields the server does not act on
/// (notification and moderation flags) are accepted and ignored. One flat struct, so a
/// field of the wrong type is named in the error.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct ActivityFields {
    #[serde(rename = "type")]
    pub activity_type: Option<String>,
    pub id: Option<String>,
    pub user_id: Option<String>,
    pub parent_id: Option<String>,
    pub feeds: Option<Vec<String>>,
    pub text: Option<String>,
    #[schema(value_type = Option<Vec<Object>>)]
    pub attachments: Option<Vec<Map<String, Value>>>,
    #[schema(value_type = Option<Object>)]
    pub custom: Option<Map<String, Value>>,
    pub expires_at: Option<Value>,
    pub filter_tags: Option<Vec<String>>,
    pub interest_tags: Option<Vec<String>>,
    #[schema(value_type = Option<Object>)]
    pub location: Option<Location>,
    pub mentioned_user_ids: Option<Vec<String>>,
    pub poll_id: Option<String>,
    pub restrict_replies: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub search_data: Option<Map<String, Value>>,
    pub visibility: Option<String>,
    pub visibility_tag: Option<String>,
    pub collection_refs: Option<Vec<String>>,
    /// Collections to create or upsert with a new activity (add and upsert); their refs join
    /// `collection_refs`. Not content: [`apply`](Self::apply) leaves them, and a full update
    /// ignores them.
    pub collections: Option<Vec<CollectionRequest>>,
    /// Notify the mentioned users in their `notification` feeds.
    pub create_notification_activity: Option<bool>,
    pub copy_custom_to_notification: Option<bool>,
}

/// `AddActivityRequest` / `ActivityRequest`.
pub type NewActivityRequest = ActivityFields;

impl ActivityFields {
    /// Builds content: every content field given replaces the one in `base`. Identity fields
    /// (type, id, user, parent) are not content and are left to the caller.
    pub fn apply(self, mut base: ActivityContent) -> ApiResult<ActivityContent> {
        if let Some(v) = self.feeds {
            base.feeds = v;
        }
        if let Some(v) = self.text {
            base.text = Some(v);
        }
        if let Some(v) = self.attachments {
            base.attachments = v;
        }
        if let Some(v) = self.custom {
            base.custom = v;
        }
        if let Some(v) = self.expires_at {
            base.expires_at = parse_expires_at(&v)?;
        }
        if let Some(v) = self.filter_tags {
            base.filter_tags = v;
        }
        if let Some(v) = self.interest_tags {
            base.interest_tags = v;
        }
        if let Some(v) = self.location {
            base.location = Some(v);
        }
        if let Some(v) = self.mentioned_user_ids {
            base.mentioned_user_ids = v;
        }
        if let Some(v) = self.poll_id {
            base.poll_id = Some(v).filter(|s| !s.is_empty());
        }
        if let Some(v) = self.restrict_replies {
            base.restrict_replies = RestrictReplies::parse(&v).ok_or_else(|| {
                ApiError::field(
                    "restrict_replies",
                    format!(
                        "restrict_replies: '{v}' is not one of everyone, people_i_follow, nobody"
                    ),
                )
            })?;
        }
        if let Some(v) = self.search_data {
            base.search_data = v;
        }
        if let Some(v) = self.visibility {
            base.visibility = Visibility::parse(&v).ok_or_else(|| {
                ApiError::field(
                    "visibility",
                    format!("visibility: '{v}' is not one of public, private, tag"),
                )
            })?;
        }
        if let Some(v) = self.visibility_tag {
            base.visibility_tag = Some(v).filter(|s| !s.is_empty());
        }
        if let Some(v) = self.collection_refs {
            base.collection_refs = v;
        }
        Ok(base)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fields_replace_the_base() {
        let req: NewActivityRequest = serde_json::from_value(json!({
            "type": "post", "feeds": ["user:1"], "text": "hi", "visibility": "tag",
            "visibility_tag": "premium", "expires_at": "2030-01-01T00:00:00Z",
            "location": {"lat": 1.5, "lng": 2.5}, "create_notification_activity": true
        }))
        .unwrap();
        let c = req.apply(ActivityContent::default()).unwrap();
        assert_eq!(c.text.as_deref(), Some("hi"));
        assert_eq!(c.visibility, Visibility::Tag);
        assert_eq!(c.expires_at, Some(1_893_456_000_000_000_000));
        assert_eq!(c.location, Some(Location { lat: 1.5, lng: 2.5 }));
    }

    #[test]
    fn bad_enums_name_their_field() {
        let f = ActivityFields {
            visibility: Some("friends".into()),
            ..Default::default()
        };
        match f.apply(ActivityContent::default()).unwrap_err() {
            ApiError::Input { field, .. } => assert_eq!(field.as_deref(), Some("visibility")),
            e => panic!("{e:?}"),
        }
    }
}
