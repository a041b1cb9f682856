//! v2 collections over the stored collection objects (`tributary_store::collections`, which
//! v3's collections share; `tributary_v2::collection` has the mapping).
//!
//! One object: `POST collections/{name}/` (`{id?, data, user_id?}`; an existing id is 409),
//! `GET`, `PUT` (`{data}`) and `DELETE collections/{name}/{id}/`. A user token adds objects
//! as its own user and changes or deletes only its own; the server may do anything.
//!
//! Batches (server side only, at most 1000 objects each): `POST collections/`
//! (`{"data": {name: [{id?, ...data}]}}`, upsert), `GET collections/?foreign_ids=name:id,...`
//! (select, answered as `{"response": {"data": [...]}}`), `DELETE
//! collections/?collection_name=name&ids=1&ids=2` (ids repeated or comma-joined).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use serde_json::{json, Map, Value};

use tributary_domain::caller::Caller;
use tributary_domain::ids::new_id;
use tributary_domain::time::now_nanos;
use tributary_domain::{ApiError, ApiResult};
use tributary_http::v2::{Action, V2Auth, V2Body, V2Caller, V2Query, V2Result};
use tributary_http::AppState;
use tributary_store::collections::{
    check_key_part, parse_reference, CollectionObject, Guarded, MAX_BATCH,
};
use tributary_v2::collection::{data_field, id_field, render};

use crate::{conflict, reply};

fn body_object(body: &Value) -> ApiResult<&Map<String, Value>> {
    body.as_object()
        .ok_or_else(|| ApiError::input("the request body must be a JSON object"))
}

fn not_found(name: &str, id: &str) -> ApiError {
    ApiError::not_found(format!("collection object '{name}:{id}' does not exist"))
}

fn not_owner(name: &str, id: &str) -> ApiError {
    ApiError::not_allowed(format!(
        "collection object '{name}:{id}' belongs to another user"
    ))
}

/// The user whose objects a call may change: `None` for the server (any object).
fn owner(caller: &Caller) -> ApiResult<Option<&str>> {
    match caller {
        Caller::Server => Ok(None),
        Caller::User(me) => Ok(Some(me)),
        Caller::Anonymous => Err(ApiError::not_allowed(
            "anonymous users cannot change collections",
        )),
    }
}

/// The batch calls are Stream's server-side ones.
fn server_only(auth: &V2Caller, action: Action) -> ApiResult<()> {
    auth.require("collections", action, None)?;
    if auth.caller.is_server() {
        Ok(())
    } else {
        Err(ApiError::not_allowed(
            "the collections batch calls are available only to server-side tokens",
        ))
    }
}

fn guarded<T>(outcome: Guarded<T>, name: &str, id: &str) -> ApiResult<T> {
    match outcome {
        Guarded::Done(v) => Ok(v),
        Guarded::Missing => Err(not_found(name, id)),
        Guarded::NotOwner => Err(not_owner(name, id)),
    }
}

pub async fn add(
    State(state): State<AppState>,
    V2Auth(auth): V2Auth,
    Path(name): Path<String>,
    V2Body(body): V2Body,
) -> V2Result<Response> {
    auth.require("collections", Action::Write, None)?;
    check_key_part("collection", &name)?;
    let body = body_object(&body)?;
    let id = id_field(body.get("id"), "id")?.unwrap_or_else(new_id);
    let custom = data_field(body.get("data"), false)?;
    let requested = match body.get("user_id") {
        None | Some(Value::Null) => None,
        Some(Value::String(u)) => Some(u.as_str()),
        Some(_) => return Err(ApiError::field("user_id", "user_id must be a string").into()),
    };
    let user_id = auth.caller.acting_user(requested)?;
    let now = now_nanos();
    let object = CollectionObject {
        name,
        id,
        custom,
        user_id,
        created_at: now,
        updated_at: now,
    };
    if !state.store.create_collection_object(&object).await? {
        return Ok(conflict(format!(
            "collection object '{}' already exists",
            object.reference()
        )));
    }
    Ok(reply(StatusCode::CREATED, render(&object)))
}

pub async fn get(
    State(state): State<AppState>,
    V2Auth(auth): V2Auth,
    Path((name, id)): Path<(String, String)>,
) -> V2Result<Json<Value>> {
    auth.require("collections", Action::Read, None)?;
    if check_key_part("collection", &name).is_err() || check_key_part("id", &id).is_err() {
        return Err(not_found(&name, &id).into());
    }
    let object = state
        .store
        .get_collection_object(&name, &id)
        .await?
        .ok_or_else(|| not_found(&name, &id))?;
    Ok(Json(render(&object)))
}

pub async fn update(
    State(state): State<AppState>,
    V2Auth(auth): V2Auth,
    Path((name, id)): Path<(String, String)>,
    V2Body(body): V2Body,
) -> V2Result<Json<Value>> {
    auth.require("collections", Action::Write, None)?;
    let body = body_object(&body)?;
    // An update may not move the object to another id.
    if let Some(other) = id_field(body.get("id"), "id")?.filter(|other| *other != id) {
        return Err(ApiError::field(
            "id",
            format!("id: an update may not change the id ('{id}' to '{other}')"),
        )
        .into());
    }
    let custom = data_field(body.get("data"), true)?;
    if check_key_part("collection", &name).is_err() || check_key_part("id", &id).is_err() {
        return Err(not_found(&name, &id).into());
    }
    let outcome = state
        .store
        .update_collection_object(&name, &id, &custom, owner(&auth.caller)?, now_nanos())
        .await?;
    Ok(Json(render(&guarded(outcome, &name, &id)?)))
}

pub async fn delete(
    State(state): State<AppState>,
    V2Auth(auth): V2Auth,
    Path((name, id)): Path<(String, String)>,
) -> V2Result<Json<Value>> {
    auth.require("collections", Action::Delete, None)?;
    if check_key_part("collection", &name).is_err() || check_key_part("id", &id).is_err() {
        return Err(not_found(&name, &id).into());
    }
    let outcome = state
        .store
        .delete_collection_object(&name, &id, owner(&auth.caller)?)
        .await?;
    guarded(outcome, &name, &id)?;
    Ok(Json(json!({})))
}

/// The objects of an upsert body, in order, the last of a repeated `name:id` kept.
fn upsert_objects(body: &Map<String, Value>) -> ApiResult<Vec<CollectionObject>> {
    let data = body.get("data").and_then(Value::as_object).ok_or_else(|| {
        ApiError::field("data", "data must map collection names to lists of objects")
    })?;
    let now = now_nanos();
    let mut out: Vec<CollectionObject> = Vec::new();
    for (name, items) in data {
        let field = format!("data.{name}");
        check_key_part(&field, name)?;
        let items = items
            .as_array()
            .ok_or_else(|| ApiError::field(&field, format!("{field} must be a list")))?;
        for (i, item) in items.iter().enumerate() {
            let at = format!("{field}[{i}]");
            let mut custom = item
                .as_object()
                .ok_or_else(|| ApiError::field(&at, format!("{at} must be an object")))?
                .clone();
            let id = id_field(custom.get("id"), &format!("{at}.id"))?.unwrap_or_else(new_id);
            custom.shift_remove("id");
            tributary_domain::validate::document(
                &format!("{at}.data"),
                &Value::Object(custom.clone()),
            )?;
            out.retain(|o| !(o.name == *name && o.id == id));
            out.push(CollectionObject {
                name: name.clone(),
                id,
                custom,
                user_id: None,
                created_at: now,
                updated_at: now,
            });
            if out.len() > MAX_BATCH {
                return Err(ApiError::field(
                    "data",
                    format!("at most {MAX_BATCH} objects may be upserted at once"),
                ));
            }
        }
    }
    Ok(out)
}

pub async fn upsert(
    State(state): State<AppState>,
    V2Auth(auth): V2Auth,
    V2Body(body): V2Body,
) -> V2Result<Response> {
    server_only(&auth, Action::Write)?;
    let objects = upsert_objects(body_object(&body)?)?;
    let stored = state.store.upsert_collection_objects(objects).await?;
    let mut data: Map<String, Value> = Map::new();
    for o in &stored {
        let list = data
            .entry(o.name.clone())
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(list) = list {
            list.push(render(o));
        }
    }
    Ok(reply(StatusCode::CREATED, json!({ "data": data })))
}

pub async fn select(
    State(state): State<AppState>,
    V2Auth(auth): V2Auth,
    q: V2Query,
) -> V2Result<Json<Value>> {
    server_only(&auth, Action::Read)?;
    let mut wanted: Vec<(String, String)> = Vec::new();
    for reference in q.all("foreign_ids") {
        let (name, id) = parse_reference(&reference).ok_or_else(|| {
            ApiError::field(
                "foreign_ids",
                format!("foreign_ids: '{reference}' is not a collection:id reference"),
            )
        })?;
        let pair = (name.to_string(), id.to_string());
        if !wanted.contains(&pair) {
            wanted.push(pair);
        }
    }
    if wanted.len() > MAX_BATCH {
        return Err(ApiError::field(
            "foreign_ids",
            format!("at most {MAX_BATCH} objects may be selected at once"),
        )
        .into());
    }
    let found = state.store.get_collection_objects(&wanted).await?;
    let data: Vec<Value> = wanted
        .iter()
        .filter_map(|(name, id)| found.get(&format!("{name}:{id}")))
        .map(render)
        .collect();
    Ok(Json(json!({ "response": { "data": data } })))
}

pub async fn delete_many(
    State(state): State<AppState>,
    V2Auth(auth): V2Auth,
    q: V2Query,
) -> V2Result<Json<Value>> {
    server_only(&auth, Action::Delete)?;
    let name = q
        .get("collection_name")
        .ok_or_else(|| ApiError::field("collection_name", "collection_name is required"))?;
    check_key_part("collection_name", name)?;
    let mut ids = q.all("ids");
    ids.sort();
    ids.dedup();
    if ids.len() > MAX_BATCH {
        return Err(ApiError::field(
            "ids",
            format!("at most {MAX_BATCH} objects may be deleted at once"),
        )
        .into());
    }
    for id in &ids {
        check_key_part("ids", id)?;
    }
    state.store.delete_collection_objects(name, &ids).await?;
    Ok(Json(json!({})))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upsert_bodies() {
        let body = json!({"data": {"user": [
            {"id": "1", "name": "Juniper"},
            {"id": 2, "name": "Ruby"},
            {"id": "1", "name": "Again"},
            {"name": "no id"}
        ]}});
        let objects = upsert_objects(body.as_object().unwrap()).unwrap();
        let ids: Vec<&str> = objects.iter().map(|o| o.id.as_str()).collect();
        assert_eq!(&ids[..2], ["2", "1"]);
        assert_eq!(objects[1].custom["name"], "Again");
        assert!(!objects[1].custom.contains_key("id"));
        assert_eq!(objects[2].id.len(), 36);
        for (bad, field) in [
            (json!({}), "data"),
            (json!({"data": {"a:b": []}}), "data.a:b"),
            (json!({"data": {"user": {}}}), "data.user"),
            (json!({"data": {"user": [5]}}), "data.user[0]"),
            (json!({"data": {"user": [{"id": "!x"}]}}), "data.user[0].id"),
        ] {
            match upsert_objects(bad.as_object().unwrap()) {
                Err(ApiError::Input { field: Some(f), .. }) => assert_eq!(f, field, "{bad}"),
                other => panic!("{bad}: {other:?}"),
            }
        }
    }
}
