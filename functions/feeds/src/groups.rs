//! Feed groups. Changing them is for server-side calls only.

use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{Map, Value};
use tributary_domain::aggregation::Format;
use tributary_domain::caller::Caller;
use tributary_domain::model::feed::FeedVisibility;
use tributary_domain::model::feed_group::{is_built_in, FeedGroup, SETTINGS};
use tributary_domain::ranking::Ranking;
use tributary_domain::time::now_nanos;
use tributary_domain::ApiError;
use tributary_domain::ApiResult;
use tributary_http::{AppState, Auth, Body, HttpResult, QueryParams};
use tributary_v3::replies::{EmptyReply, FeedGroupReply, FeedGroupsReply};
use tributary_v3::responses::FeedGroupResponse;

type Reply<T = FeedGroupReply> = HttpResult<Json<T>>;

fn reply(group: &FeedGroup, was_created: Option<bool>) -> Reply {
    Ok(Json(FeedGroupReply {
        feed_group: FeedGroupResponse::render(group),
        was_created,
    }))
}

fn server_only(caller: &Caller) -> ApiResult<()> {
    if caller.is_server() {
        Ok(())
    } else {
        Err(ApiError::not_allowed(
            "feed groups can only be changed server-side",
        ))
    }
}

fn valid_group_id(id: &str) -> ApiResult<()> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if ok {
        Ok(())
    } else {
        Err(ApiError::field(
            "id",
            format!("id: '{id}' may contain only letters, digits, '_' and '-' (at most 64)"),
        ))
    }
}

/// Applies the fields of a create/update body to a group. Settings are stored as sent.
fn apply(group: &mut FeedGroup, body: &Map<String, Value>) -> ApiResult<()> {
    if let Some(v) = body.get("default_visibility") {
        let s = v.as_str().ok_or_else(|| {
            ApiError::field("default_visibility", "default_visibility must be a string")
        })?;
        FeedVisibility::parse(s).ok_or_else(|| {
            ApiError::field("default_visibility", format!("default_visibility: '{s}' is not one of public, visible, followers, members, private"))
        })?;
        group.default_visibility = Some(s.to_string());
    }
    if let Some(v) = body.get("custom") {
        group.custom = v
            .as_object()
            .cloned()
            .ok_or_else(|| ApiError::field("custom", "custom must be an object"))?;
    }
    if let Some(aggregation) = body.get("aggregation").filter(|v| !v.is_null()) {
        // A group is never saved with a format that cannot produce group keys.
        match aggregation.get("format") {
            None | Some(Value::Null) => {}
            Some(Value::String(format)) if format.trim().is_empty() => {}
            Some(Value::String(format)) => {
                Format::parse(format)?;
            }
            Some(_) => {
                return Err(ApiError::field(
                    "aggregation",
                    "aggregation.format must be a string",
                ))
            }
        }
    }
    if let Some(notification) = body.get("notification").filter(|v| !v.is_null()) {
        check_notification(notification)?;
    }
    // A group is never saved with a ranking its reads could not compute.
    if let Some(ranking) = body.get("ranking").filter(|v| !v.is_null()) {
        Ranking::parse(ranking)?;
    }
    for key in SETTINGS {
        match body.get(key) {
            Some(Value::Null) => {
                group.settings.remove(key);
            }
            Some(v) => {
                group.settings.insert(key.to_string(), v.clone());
            }
            None => {}
        }
    }
    group.updated_at = now_nanos();
    Ok(())
}

/// `notification`: `track_read` and `track_seen` are booleans, `deduplication_window` a
/// duration such as `30s`, `10m`, `1h` or `1d`.
fn check_notification(v: &Value) -> ApiResult<()> {
    let map = v
        .as_object()
        .ok_or_else(|| ApiError::field("notification", "notification must be an object"))?;
    for flag in ["track_read", "track_seen"] {
        if map
            .get(flag)
            .is_some_and(|f| !f.is_boolean() && !f.is_null())
        {
            return Err(ApiError::field(
                "notification",
                format!("notification.{flag} must be true or false"),
            ));
        }
    }
    match map.get("deduplication_window") {
        None | Some(Value::Null) => Ok(()),
        Some(Value::String(w)) if tributary_tasks::notifications::parse_window(w).is_some() => Ok(()),
        Some(w) => Err(ApiError::field(
            "notification",
            format!("notification.deduplication_window: {w} is not a duration such as 30s, 10m, 1h or 1d"),
        )),
    }
}

fn body_object(body: Value) -> ApiResult<Map<String, Value>> {
    match body {
        Value::Object(map) => Ok(map),
        _ => Err(ApiError::input("the request body must be a JSON object")),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    include_soft_deleted: Option<bool>,
}

pub async fn list(
    State(s): State<AppState>,
    Auth(_c): Auth,
    QueryParams(q): QueryParams<ListQuery>,
) -> Reply<FeedGroupsReply> {
    let with_deleted = q.include_soft_deleted.unwrap_or(false);
    // Keyed by group id, as Stream's clients expect.
    let groups = s
        .store
        .list_feed_groups()
        .await?
        .iter()
        .filter(|g| with_deleted || g.deleted_at.is_none())
        .map(|g| (g.id.clone(), FeedGroupResponse::render(g)))
        .collect();
    Ok(Json(FeedGroupsReply { groups }))
}

pub async fn create(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Body(body): Body<Value>,
) -> Reply {
    server_only(&caller)?;
    let body = body_object(body)?;
    let id = body
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::field("id", "id is a required field"))?;
    valid_group_id(id)?;
    if is_built_in(id) || s.store.get_feed_group(id).await?.is_some() {
        return Err(ApiError::field("id", format!("feed group '{id}' already exists")).into());
    }
    let mut group = FeedGroup::new(id, now_nanos());
    apply(&mut group, &body)?;
    s.store.put_feed_group(&group).await?;
    reply(&group, None)
}

async fn load(s: &AppState, id: &str, with_deleted: bool) -> ApiResult<FeedGroup> {
    valid_group_id(id)?;
    match s.store.get_feed_group(id).await? {
        Some(g) if with_deleted || g.deleted_at.is_none() => Ok(g),
        _ => Err(ApiError::not_found(format!(
            "feed group '{id}' does not exist"
        ))),
    }
}

pub async fn get(
    State(s): State<AppState>,
    Auth(_c): Auth,
    Path(id): Path<String>,
    QueryParams(q): QueryParams<ListQuery>,
) -> Reply {
    let group = load(&s, &id, q.include_soft_deleted.unwrap_or(false)).await?;
    reply(&group, None)
}

pub async fn get_or_create(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
    Body(body): Body<Value>,
) -> Reply {
    server_only(&caller)?;
    valid_group_id(&id)?;
    if let Some(g) = s
        .store
        .get_feed_group(&id)
        .await?
        .filter(|g| g.deleted_at.is_none())
    {
        return reply(&g, Some(false));
    }
    let mut group = FeedGroup::new(&id, now_nanos());
    apply(&mut group, &body_object(body)?)?;
    s.store.put_feed_group(&group).await?;
    reply(&group, Some(true))
}

pub async fn update(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
    Body(body): Body<Value>,
) -> Reply {
    server_only(&caller)?;
    let mut group = load(&s, &id, false).await?;
    apply(&mut group, &body_object(body)?)?;
    s.store.put_feed_group(&group).await?;
    reply(&group, None)
}

#[derive(Debug, Default, Deserialize)]
pub struct DeleteQuery {
    hard_delete: Option<bool>,
}

pub async fn delete(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
    QueryParams(q): QueryParams<DeleteQuery>,
) -> Reply<EmptyReply> {
    server_only(&caller)?;
    if is_built_in(&id) {
        return Err(ApiError::field(
            "id",
            format!("'{id}' is a built-in feed group and cannot be deleted"),
        )
        .into());
    }
    let mut group = load(&s, &id, true).await?;
    if q.hard_delete.unwrap_or(false) {
        s.store.delete_feed_group_item(&id).await?;
    } else {
        group.deleted_at = Some(now_nanos());
        s.store.put_feed_group(&group).await?;
    }
    Ok(Json(EmptyReply {}))
}

pub async fn restore(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
) -> Reply {
    server_only(&caller)?;
    let mut group = load(&s, &id, true).await?;
    group.deleted_at = None;
    group.updated_at = now_nanos();
    s.store.put_feed_group(&group).await?;
    reply(&group, None)
}
