//! Request bodies and query strings of the activities endpoints.

use serde::Deserialize;
use serde_json::{Map, Value};
use tributary_v3::requests::{ActivityFields, NewActivityRequest};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct UpsertActivitiesRequest {
    pub activities: Option<Vec<NewActivityRequest>>,
}

/// `PUT /activities/{id}`: the new content; fields left out are cleared (feeds are kept).
pub type UpdateActivityRequest = ActivityFields;

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct PartialUpdateRequest {
    pub user_id: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub set: Option<Map<String, Value>>,
    #[serde(default)]
    pub unset: Option<Vec<String>>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PartialChange {
    pub activity_id: Option<String>,
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub set: Option<Map<String, Value>>,
    #[serde(default)]
    pub unset: Option<Vec<String>>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PartialBatchRequest {
    pub changes: Option<Vec<PartialChange>>,
    pub user_id: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct DeleteActivitiesRequest {
    pub ids: Option<Vec<String>>,
    #[serde(default)]
    pub hard_delete: bool,
    pub user_id: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct GetActivityQuery {
    pub user_id: Option<String>,
    /// How many top-level comments to include (default 5, at most 100).
    pub comment_limit: Option<i64>,
    /// Their order: `last`/`newest` (default) or `first`/`oldest`.
    pub comment_sort: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct DeleteActivityQuery {
    #[serde(default)]
    pub hard_delete: Option<bool>,
    pub user_id: Option<String>,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct RestoreRequest {
    pub user_id: Option<String>,
}
