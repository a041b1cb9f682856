//! v2 users: `POST user/?get_or_create=`, `GET user/{id}/?with_follow_counts=`,
//! `PUT user/{id}/`, `DELETE user/{id}/`, over the domain's users (the records v3's
//! `upsert_users` writes; `tributary_v2::user` has the mapping).
//!
//! A user token may add, change and delete only its own user; any caller may read users.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use serde_json::{json, Map, Value};

use tributary_domain::model::User;
use tributary_domain::time::now_nanos;
use tributary_domain::{validate, ApiError, ApiResult};
use tributary_http::v2::{Action, V2Auth, V2Body, V2Query, V2Result};
use tributary_http::AppState;
use tributary_v2::user::{parse_data, profile_of, render};

use crate::{conflict, reply};

/// The ids v3's `upsert_users` accepts, so a user added here can be upserted there.
fn check_user_id(field: &str, id: &str) -> ApiResult<()> {
    let ok = !id.is_empty()
        && id.len() <= 255
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '@' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(ApiError::field(
            field,
            format!(
                "{field}: '{id}' may contain only letters, digits, '@', '_' and '-' (at most 255)"
            ),
        ))
    }
}

fn body_object(body: &Value) -> ApiResult<&Map<String, Value>> {
    body.as_object()
        .ok_or_else(|| ApiError::input("the request body must be a JSON object"))
}

/// The `id` of an add: a string (or a number, sent as one), required.
fn id_of(body: &Map<String, Value>) -> ApiResult<String> {
    let id = match body.get("id") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        None | Some(Value::Null) => return Err(ApiError::field("id", "id is a required field")),
        Some(_) => return Err(ApiError::field("id", "id must be a string")),
    };
    check_user_id("id", &id)?;
    Ok(id)
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("user '{id}' does not exist"))
}

/// A user id from the path: one that could not be stored names no user.
fn path_id(id: &str) -> ApiResult<()> {
    validate::id("id", id).map_err(|_| not_found(id))
}

pub async fn add(
    State(state): State<AppState>,
    V2Auth(auth): V2Auth,
    q: V2Query,
    V2Body(body): V2Body,
) -> V2Result<Response> {
    auth.require("users", Action::Write, None)?;
    let body = body_object(&body)?;
    let id = id_of(body)?;
    auth.caller.acting_user(Some(&id))?;
    let get_or_create = q.flag("get_or_create")?;
    let profile = profile_of(parse_data(body.get("data"))?);
    let now = now_nanos();
    let mut user = User::placeholder(&id);
    user.name = profile.name;
    user.image = profile.image;
    user.custom = profile.custom;
    user.created_at = now;
    user.updated_at = now;
    Ok(match state.store.create_user(&user).await? {
        None => reply(StatusCode::CREATED, render(&user)),
        // The stored user, unchanged: the same id, data and times as when it was added.
        Some(existing) if get_or_create => reply(StatusCode::OK, render(&existing)),
        Some(_) => conflict(format!("user '{id}' already exists")),
    })
}

pub async fn get(
    State(state): State<AppState>,
    V2Auth(auth): V2Auth,
    Path(id): Path<String>,
    q: V2Query,
) -> V2Result<Json<Value>> {
    auth.require("users", Action::Read, None)?;
    path_id(&id)?;
    let user = state
        .store
        .get_user(&id)
        .await?
        .ok_or_else(|| not_found(&id))?;
    let mut shown = render(&user);
    if q.flag("with_follow_counts")? {
        let (followers, following) = follow_counts(&state, &id).await?;
        shown["followers_count"] = json!(followers);
        shown["following_count"] = json!(following);
    }
    Ok(Json(shown))
}

/// Stream's profile counts: the followers of the user's `user` feed and the feeds the
/// user's `timeline` feed follows (from the feeds' exact counters, one batched read).
async fn follow_counts(state: &AppState, id: &str) -> ApiResult<(i64, i64)> {
    let (user_feed, timeline) = (format!("user:{id}"), format!("timeline:{id}"));
    let feeds = state
        .store
        .get_feeds(&[user_feed.clone(), timeline.clone()])
        .await?;
    Ok((
        feeds.get(&user_feed).map_or(0, |f| f.follower_count),
        feeds.get(&timeline).map_or(0, |f| f.following_count),
    ))
}

pub async fn update(
    State(state): State<AppState>,
    V2Auth(auth): V2Auth,
    Path(id): Path<String>,
    V2Body(body): V2Body,
) -> V2Result<Json<Value>> {
    auth.require("users", Action::Write, None)?;
    path_id(&id)?;
    auth.caller.acting_user(Some(&id))?;
    let profile = profile_of(parse_data(body_object(&body)?.get("data"))?);
    let user = state
        .store
        .update_user_profile(&id, &profile, now_nanos())
        .await?
        .ok_or_else(|| not_found(&id))?;
    Ok(Json(render(&user)))
}

pub async fn delete(
    State(state): State<AppState>,
    V2Auth(auth): V2Auth,
    Path(id): Path<String>,
) -> V2Result<Json<Value>> {
    auth.require("users", Action::Delete, None)?;
    path_id(&id)?;
    auth.caller.acting_user(Some(&id))?;
    if !state.store.delete_user(&id).await? {
        return Err(not_found(&id).into());
    }
    Ok(Json(json!({})))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_follow_v3s_rule() {
        assert!(check_user_id("id", "f2f3a9e0-1a2b-11ef-9c3d-0242ac120002").is_ok());
        assert!(check_user_id("id", "a@b_c").is_ok());
        for bad in ["", "a b", "a:b", &"x".repeat(256)] {
            assert!(check_user_id("id", bad).is_err(), "{bad}");
        }
        let body = json!({"id": 42});
        assert_eq!(id_of(body.as_object().unwrap()).unwrap(), "42");
        let missing = json!({"data": {}});
        assert!(id_of(missing.as_object().unwrap()).is_err());
    }
}
