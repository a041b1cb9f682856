//! The HTTP side of the reactions family: tokens (`reactions` resource), bodies and
//! queries in, reactions out. Each answer is the reaction as every read shows it.

use axum::extract::{Path, State};
use axum::Json;
use serde_json::{json, Value};
use tributary_domain::ApiError;
use tributary_http::v2::{Action, V2Auth, V2Body, V2Query, V2Result};
use tributary_http::AppState;
use tributary_v2::reactions::expand::{render_all, OwnChildren};
use tributary_v2::reactions::{read, V2Reaction};

use crate::add::{self, NewReaction};
use crate::{change, feeds};

async fn rendered(state: &AppState, r: &V2Reaction) -> V2Result<Json<Value>> {
    let mut list = render_all(
        &state.store,
        std::slice::from_ref(r),
        OwnChildren::default(),
    )
    .await?;
    Ok(Json(list.remove(0)))
}

/// `POST reaction/`: a reaction to an activity, or with `parent` a child reaction.
pub async fn add(
    State(state): State<AppState>,
    V2Auth(auth): V2Auth,
    V2Body(body): V2Body,
) -> V2Result<Json<Value>> {
    auth.require("reactions", Action::Write, None)?;
    let new = NewReaction::parse(&body, &auth.caller)?;
    let r = add::add(&state, &auth.caller, new).await?;
    rendered(&state, &r).await
}

/// `GET reaction/{id}/`, soft-deleted reactions included (with `deleted_at`).
pub async fn get(
    State(state): State<AppState>,
    V2Auth(auth): V2Auth,
    Path(id): Path<String>,
) -> V2Result<Json<Value>> {
    auth.require("reactions", Action::Read, None)?;
    let r = read::get(&state.store, &id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("reaction '{id}' does not exist")))?;
    rendered(&state, &r).await
}

/// `PUT reaction/{id}/`: `data` (null leaves it) and `target_feeds` (more feeds for the
/// reaction's activity).
pub async fn update(
    State(state): State<AppState>,
    V2Auth(auth): V2Auth,
    Path(id): Path<String>,
    V2Body(body): V2Body,
) -> V2Result<Json<Value>> {
    auth.require("reactions", Action::Write, None)?;
    let obj = body
        .as_object()
        .ok_or_else(|| ApiError::input("the body must be a JSON object"))?;
    let data = match obj.get("data") {
        None | Some(Value::Null) => None,
        Some(_) => Some(add::object(obj, "data")?),
    };
    if let Some(data) = &data {
        add::check_data(data)?;
    }
    let targets = feeds::parse_targets(obj.get("target_feeds"))?;
    let mut r = change::load(&state.store, &auth.caller, &id).await?;
    feeds::check(&state, &auth.caller, &targets).await?;
    if let Some(data) = &data {
        r = change::set_data(&state.store, &r, data)
            .await?
            .ok_or_else(|| ApiError::not_found(format!("reaction '{id}' does not exist")))?;
    }
    let extra = add::object(obj, "target_feeds_extra_data")?;
    feeds::publish(&state, &auth.caller, &r, &targets, &extra).await?;
    rendered(&state, &r).await
}

/// `DELETE reaction/{id}/?soft=True|False`.
pub async fn delete(
    State(state): State<AppState>,
    V2Auth(auth): V2Auth,
    Path(id): Path<String>,
    q: V2Query,
) -> V2Result<Json<Value>> {
    auth.require("reactions", Action::Delete, None)?;
    let soft = q.flag("soft")?;
    let r = change::load(&state.store, &auth.caller, &id).await?;
    change::delete(&state.store, &r, soft).await?;
    feeds::remove(&state, &r.id, !soft).await?;
    Ok(Json(json!({})))
}

/// `PUT reaction/{id}/restore/`: a soft-deleted reaction back; 404 (code 16) for one that
/// is not soft-deleted.
pub async fn restore(
    State(state): State<AppState>,
    V2Auth(auth): V2Auth,
    Path(id): Path<String>,
) -> V2Result<Json<Value>> {
    auth.require("reactions", Action::Write, None)?;
    let r = change::load(&state.store, &auth.caller, &id).await?;
    let restored = change::restore(&state.store, &r).await?;
    feeds::restore(&state, &r.id).await?;
    rendered(&state, &restored).await
}
