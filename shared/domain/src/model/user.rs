//! Users, as upserted through `POST /api/v2/users` and shown on activities.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::time::Nanos;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct User {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(default = "default_role")]
    pub role: String,
    #[serde(default)]
    pub custom: Map<String, Value>,
    #[serde(default)]
    pub teams: Vec<String>,
    #[serde(default)]
    pub language: String,
    #[serde(default)]
    pub invisible: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub teams_role: Option<Map<String, Value>>,
    pub created_at: Nanos,
    pub updated_at: Nanos,
}

pub fn default_role() -> String {
    "user".to_string()
}

impl User {
    /// What a reader sees for a user that was never upserted: the id and defaults.
    pub fn placeholder(id: &str) -> Self {
        User {
            id: id.to_string(),
            name: None,
            image: None,
            role: default_role(),
            custom: Map::new(),
            teams: Vec::new(),
            language: String::new(),
            invisible: false,
            teams_role: None,
            created_at: 0,
            updated_at: 0,
        }
    }
}
