//! Feed groups. The built-in groups exist in every app without being stored; custom groups
//! (and changes to built-in ones) are items in the table.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

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

pub fn is_built_in(id: &str) -> bool {
    BUILT_IN.contains(&id)
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct FeedGroup {
    pub id: String,
    #[serde(default)]
    pub custom: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_visibility: Option<String>,
    #[serde(default)]
    pub created_at: Nanos,
    #[serde(default)]
    pub updated_at: Nanos,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<Nanos>,
}

#[cfg(test)]
mod tests {
    #[test]
    fn built_in_groups() {
        for g in [
            "user",
            "timeline",
            "foryou",
            "notification",
            "story",
            "stories",
        ] {
            assert!(super::is_built_in(g));
        }
        assert!(!super::is_built_in("custom"));
    }
}
