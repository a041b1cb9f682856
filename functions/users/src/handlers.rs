//! Users and app settings.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use tributary_domain::caller::Caller;
use tributary_domain::model::user::{default_role, User};
use tributary_domain::time::now_nanos;
use tributary_domain::ApiError;
use tributary_domain::ApiResult;
use tributary_http::{AppState, Auth, Body};
use tributary_v3::replies::HealthReply;
use tributary_v3::responses::UserResponse;

/// Most users one upsert may carry.
const MAX_USERS: usize = 100;

pub async fn health() -> Json<HealthReply> {
    Json(HealthReply { status: "ok" })
}

pub async fn openapi() -> impl axum::response::IntoResponse {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            tributary_http::routes::OPENAPI_JSON,
        )],
        tributary_http::routes::OPENAPI_DOCUMENT,
    )
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct UpsertUsersRequest {
    users: Option<BTreeMap<String, UserRequest>>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct UserRequest {
    id: Option<String>,
    name: Option<String>,
    image: Option<String>,
    role: Option<String>,
    #[schema(value_type = Option<Object>)]
    custom: Option<Map<String, Value>>,
    teams: Option<Vec<String>>,
    language: Option<String>,
    invisible: Option<bool>,
    #[schema(value_type = Option<Object>)]
    teams_role: Option<Map<String, Value>>,
}

/// A user as `upsert_users` answers it: the public fields plus the per-user counters the
/// clients expect (always zero here).
#[derive(Serialize)]
pub struct FullUserResponse {
    #[serde(flatten)]
    user: UserResponse,
    channel_mutes: Vec<Value>,
    devices: Vec<Value>,
    mutes: Vec<Value>,
    total_unread_count: i64,
    unread_channels: i64,
    unread_count: i64,
    unread_threads: i64,
}

/// `upsert_users` answers with the users by id.
#[derive(Serialize)]
pub struct UpsertUsersReply {
    users: std::collections::BTreeMap<String, FullUserResponse>,
    membership_deletion_task_id: String,
}

fn valid_user_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 255
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '@' | '_' | '-'))
}

fn to_user(caller: &Caller, key: String, req: UserRequest, now: i64) -> ApiResult<User> {
    let field = format!("users.{key}");
    let id = req.id.unwrap_or_else(|| key.clone());
    if id != key {
        return Err(ApiError::field(
            format!("{field}.id"),
            format!("{field}.id: '{id}' does not match its key '{key}'"),
        ));
    }
    if !valid_user_id(&id) {
        return Err(ApiError::field(
            format!("{field}.id"),
            format!("{field}.id: '{id}' may contain only letters, digits, '@', '_' and '-' (at most 255)"),
        ));
    }
    caller.acting_user(Some(&id))?;
    if req.role.is_some() && !caller.is_server() {
        return Err(ApiError::not_allowed(
            "only server-side requests may set a user's role",
        ));
    }
    let teams = req.teams.unwrap_or_default();
    tributary_domain::validate::tags(&format!("{field}.teams"), &teams)?;
    // Checked with the rest of the request, so a batch with one bad user writes none.
    let custom = req.custom.unwrap_or_default();
    tributary_domain::validate::document(
        &format!("{field}.custom"),
        &serde_json::Value::Object(custom.clone()),
    )?;
    Ok(User {
        id,
        name: req.name,
        image: req.image,
        role: req
            .role
            .filter(|r| !r.is_empty())
            .unwrap_or_else(default_role),
        custom,
        teams,
        language: req.language.unwrap_or_default(),
        invisible: req.invisible.unwrap_or(false),
        teams_role: req.teams_role,
        created_at: now,
        updated_at: now,
    })
}

pub async fn upsert_users(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Body(req): Body<UpsertUsersRequest>,
) -> tributary_http::HttpResult<Json<UpsertUsersReply>> {
    let users = req
        .users
        .ok_or_else(|| ApiError::field("users", "users is a required field"))?;
    if users.is_empty() || users.len() > MAX_USERS {
        return Err(ApiError::field(
            "users",
            format!("users: send between 1 and {MAX_USERS} users"),
        )
        .into());
    }
    let now = now_nanos();
    let users: Vec<User> = users
        .into_iter()
        .map(|(key, u)| to_user(&caller, key, u, now))
        .collect::<ApiResult<_>>()?;
    let saved = s.store.upsert_users(users).await?;
    let users = saved
        .iter()
        .map(|u| {
            let full = FullUserResponse {
                user: u.into(),
                channel_mutes: Vec::new(),
                devices: Vec::new(),
                mutes: Vec::new(),
                total_unread_count: 0,
                unread_channels: 0,
                unread_count: 0,
                unread_threads: 0,
            };
            (u.id.clone(), full)
        })
        .collect();
    Ok(Json(UpsertUsersReply {
        users,
        membership_deletion_task_id: String::new(),
    }))
}

/// The app's settings, as far as Tributary has them: fixed values for what it does not keep,
/// and the `activity_metrics_config` `update_app` stored, once it stored one.
pub async fn get_app(
    State(s): State<AppState>,
    Auth(_caller): Auth,
) -> tributary_http::HttpResult<Json<Value>> {
    let settings = s.store.app_settings().await?;
    let mut reply = json!({
        "app": {
            "id": 1,
            "name": "tributary",
            "organization": "tributary",
            "placement": "local",
            "suspended": false,
            "suspended_explanation": "",
            "disable_auth_checks": false,
            "disable_permissions_checks": false,
            "multi_tenant_enabled": false,
            "moderation_enabled": false,
            "image_moderation_enabled": false,
            "async_url_enrich_enabled": false,
            "auto_translation_enabled": false,
            "feed_audit_logs_enabled": false,
            "max_aggregated_activities_length": 15,
            "permission_version": "v2",
            "webhook_url": "",
            "webhook_events": [],
            "event_hooks": [],
            "call_types": {},
            "channel_configs": {},
            "grants": {},
            "policies": {},
            "push_notifications": {}
        }
    });
    reply["app"]["feed_audit_logs_enabled"] = json!(settings.feed_audit_logs_enabled == Some(true));
    if let Some(config) = settings.activity_metrics_config {
        reply["app"]["activity_metrics_config"] = json!(config);
    }
    Ok(Json(reply))
}
