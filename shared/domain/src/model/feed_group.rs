//! Feed groups. The built-in groups exist in every app: until one is changed it is not
//! stored, and its defaults come from here. Custom groups, and changed built-in ones, are
//! items in the table.
//!
//! A group's behaviour settings (aggregation, ranking, notification, stories, activity
//! selectors, ...) are kept as sent and returned as stored; the features that act on them
//! read them from here.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::model::feed::{Feed, FeedVisibility};
use crate::ranking::Ranking;
use crate::time::Nanos;

/// The groups every new app has.
pub const BUILT_IN: [&str; 6] = [
    "user",
    "timeline",
    "foryou",
    "notification",
    "story",
    "stories",
];

/// When the built-in groups came to be (2025-01-01): what they report as created and
/// updated until they are changed.
pub const BUILT_IN_CREATED_AT: Nanos = 1_735_689_600_000_000_000;

/// The settings a group stores and returns as objects.
pub const SETTINGS: [&str; 11] = [
    "aggregation",
    "ranking",
    "notification",
    "stories",
    "activity_selectors",
    "activity_processors",
    "push_notification",
    "activity_filter",
    "activity_marks",
    "activity_processing",
    "default_follower_role",
];

/// The groups a v2 app starts with besides [`BUILT_IN`]'s `user`, `timeline` and
/// `notification`: Stream's Feeds v2 creates `flat` and `aggregated`, and its clients use
/// `topic`. They exist in every app, for both dialects.
pub const V2_DEFAULTS: [&str; 3] = ["flat", "aggregated", "topic"];

/// Every group an app has without creating it.
pub fn default_groups() -> impl Iterator<Item = &'static str> {
    BUILT_IN.into_iter().chain(V2_DEFAULTS)
}

pub fn is_built_in(id: &str) -> bool {
    BUILT_IN.contains(&id) || V2_DEFAULTS.contains(&id)
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct FeedGroup {
    pub id: String,
    #[serde(default)]
    pub custom: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_visibility: Option<String>,
    /// Behaviour settings, keyed by the names in [`SETTINGS`].
    #[serde(default)]
    pub settings: Map<String, Value>,
    #[serde(default)]
    pub created_at: Nanos,
    #[serde(default)]
    pub updated_at: Nanos,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<Nanos>,
}

impl FeedGroup {
    pub fn new(id: &str, now: Nanos) -> Self {
        FeedGroup {
            id: id.to_string(),
            custom: Map::new(),
            default_visibility: None,
            settings: Map::new(),
            created_at: now,
            updated_at: now,
            deleted_at: None,
        }
    }

    /// The group's ranking when it orders reads by score (`expression` or `interest`);
    /// `None` for time order. A setting stored before it was checked, and unreadable now,
    /// reads in time order.
    pub fn ranking(&self) -> Option<Ranking> {
        self.settings
            .get("ranking")
            .filter(|v| !v.is_null())
            .and_then(|v| Ranking::parse(v).ok())
            .filter(Ranking::ranks)
    }

    /// A new feed of this group, with the group's default visibility.
    pub fn new_feed(&self, id: &str, created_by_id: &str, now: Nanos) -> Feed {
        let mut feed = Feed::new(&self.id, id, created_by_id, now);
        if let Some(v) = self
            .default_visibility
            .as_deref()
            .and_then(FeedVisibility::parse)
        {
            feed.visibility = v;
        }
        feed
    }

    /// A built-in group as every new app has it.
    pub fn built_in(id: &str) -> Option<FeedGroup> {
        if !is_built_in(id) {
            return None;
        }
        let mut g = FeedGroup::new(id, BUILT_IN_CREATED_AT);
        let (visibility, settings) = match id {
            "user" => ("visible", json!({})),
            "timeline" => ("private", json!({})),
            "foryou" => (
                "private",
                json!({"activity_selectors": [{"type": "following"}, {"type": "popular"}],
                       "ranking": {"type": "recency"}}),
            ),
            "notification" => (
                "private",
                // v3 notifications name their target; v2 activities have none, and group
                // as v2's default does, by verb and day.
                json!({"aggregation": {"format": "{% if target_id %}{{ target_id }}_{% endif %}{{ type }}_{{ time.strftime('%Y-%m-%d') }}"},
                       "notification": {"track_seen": true, "track_read": true}}),
            ),
            "story" => ("visible", json!({"stories": {"track_watched": true}})),
            "flat" | "topic" => ("visible", json!({})),
            // v2's default aggregation: one group per verb and day.
            "aggregated" => (
                "visible",
                json!({"aggregation": {"format": "{{ type }}_{{ time.strftime('%Y-%m-%d') }}"}}),
            ),
            _ => (
                "private",
                json!({"stories": {"track_watched": true, "skip_watched": false}}),
            ),
        };
        g.default_visibility = Some(visibility.to_string());
        if let Value::Object(map) = settings {
            g.settings = map;
        }
        Some(g)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_groups() {
        for g in default_groups() {
            assert!(is_built_in(g));
            let group = FeedGroup::built_in(g).unwrap();
            assert_eq!(group.id, g);
        }
        assert!(!is_built_in("custom"));
        assert!(FeedGroup::built_in("custom").is_none());
        assert!(
            FeedGroup::built_in("notification").unwrap().settings["aggregation"]["format"]
                .is_string()
        );
    }
}
