//! Reading reactions: `GET reaction/{activity_id|reaction_id|user_id}/{value}/[{kind}/]`,
//! and `GET reaction//` with the lookup in the query (`reaction_id`, then `activity_id`,
//! then `user_id`, as the clients rank them). Activity and user lookups list top-level
//! reactions, a reaction lookup its children; newest first, `limit` (10, at most 100) and
//! one of `id_lt`, `id_lte`, `id_gt`, `id_gte`. `with_activity_data` adds the activity of an
//! activity lookup; `with_own_children` adds each reaction's children by `children_user_id`
//! (or `user_id`, or a user token's user) as `own_children`. Lookups that match nothing
//! answer `results: []`.

use axum::extract::{Path, State};
use axum::Json;
use serde_json::{json, Map, Value};
use tributary_domain::caller::Caller;
use tributary_domain::{ApiError, ApiResult};
use tributary_http::v2::{Action, V2Auth, V2Caller, V2Query, V2Result};
use tributary_http::AppState;
use tributary_v2::reactions::expand::{render_all, OwnChildren};
use tributary_v2::reactions::read::{self, Bound, Filter, Lookup};

pub const DEFAULT_LIMIT: usize = 10;
pub const MAX_LIMIT: usize = 100;

/// The lookup a path segment (or query parameter) names.
fn lookup(name: &str, value: &str) -> ApiResult<Lookup> {
    let value = value.to_string();
    match name {
        "activity_id" => Ok(Lookup::Activity(value)),
        "reaction_id" => Ok(Lookup::Reaction(value)),
        "user_id" => Ok(Lookup::User(value)),
        other => Err(ApiError::field(
            "lookup_attr",
            format!(
                "reactions are looked up by activity_id, reaction_id or user_id, not '{other}'"
            ),
        )),
    }
}

fn bound(q: &V2Query) -> Option<Bound> {
    let id = |name: &str| q.get(name).map(str::to_string);
    id("id_lt")
        .map(Bound::Lt)
        .or_else(|| id("id_lte").map(Bound::Lte))
        .or_else(|| id("id_gt").map(Bound::Gt))
        .or_else(|| id("id_gte").map(Bound::Gte))
}

/// `GET reaction/{lookup}/{value}/`.
pub async fn filter(
    State(state): State<AppState>,
    V2Auth(auth): V2Auth,
    Path((name, value)): Path<(String, String)>,
    q: V2Query,
) -> V2Result<Json<Value>> {
    let kind = q.get("kind").map(str::to_string);
    Ok(Json(
        run(&state, &auth, lookup(&name, &value)?, kind, &q).await?,
    ))
}

/// `GET reaction/{lookup}/{value}/{kind}/`.
pub async fn filter_kind(
    State(state): State<AppState>,
    V2Auth(auth): V2Auth,
    Path((name, value, kind)): Path<(String, String, String)>,
    q: V2Query,
) -> V2Result<Json<Value>> {
    Ok(Json(
        run(&state, &auth, lookup(&name, &value)?, Some(kind), &q).await?,
    ))
}

/// `GET reaction//`: the lookup comes from the query.
pub async fn filter_by_query(
    State(state): State<AppState>,
    V2Auth(auth): V2Auth,
    q: V2Query,
) -> V2Result<Json<Value>> {
    let found = ["reaction_id", "activity_id", "user_id"]
        .iter()
        .find_map(|name| q.get(name).map(|v| (*name, v.to_string())));
    let Some((name, value)) = found else {
        return Err(ApiError::field(
            "lookup_attr",
            "name the reactions to read: activity_id, reaction_id or user_id",
        )
        .into());
    };
    let kind = q.get("kind").map(str::to_string);
    Ok(Json(
        run(&state, &auth, lookup(name, &value)?, kind, &q).await?,
    ))
}

/// The path the next page is read from, with the same lookup, kind and flags.
fn next_path(f: &Filter, q: &V2Query, newest: Option<&str>, oldest: Option<&str>) -> String {
    let (name, value) = match &f.lookup {
        Lookup::Activity(v) => ("activity_id", v),
        Lookup::Reaction(v) => ("reaction_id", v),
        Lookup::User(v) => ("user_id", v),
    };
    let mut params = form_urlencoded::Serializer::new(String::new());
    match (&f.bound, newest, oldest) {
        (Some(Bound::Gt(_) | Bound::Gte(_)), Some(newest), _) => {
            params.append_pair("id_gt", newest);
        }
        (_, _, Some(oldest)) => {
            params.append_pair("id_lt", oldest);
        }
        _ => return String::new(),
    }
    params.append_pair("limit", &f.limit.to_string());
    for flag in [
        "with_activity_data",
        "with_own_children",
        "children_user_id",
    ] {
        if let Some(v) = q.get(flag) {
            params.append_pair(flag, v);
        }
    }
    let kind = f
        .kinds
        .as_ref()
        .and_then(|k| k.first())
        .map(|k| format!("{k}/"))
        .unwrap_or_default();
    let encode = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    format!(
        "/api/v1.0/reaction/{name}/{}/{kind}?{}",
        encode(value),
        params.finish()
    )
}

async fn run(
    state: &AppState,
    auth: &V2Caller,
    lookup: Lookup,
    kind: Option<String>,
    q: &V2Query,
) -> ApiResult<Value> {
    auth.require("reactions", Action::Read, None)?;
    let store = &state.store;
    let f = Filter {
        lookup,
        kinds: kind.map(|k| vec![k]),
        limit: q.number("limit", DEFAULT_LIMIT, MAX_LIMIT)?,
        bound: bound(q),
    };
    let activity = match &f.lookup {
        Lookup::Activity(id) => store.get_activity(id).await?,
        _ => None,
    };
    if let (Some(a), Caller::User(_)) = (&activity, &auth.caller) {
        let readable = store
            .readable_activities(&auth.caller, std::slice::from_ref(&a.id))
            .await?;
        if readable.get(&a.id) == Some(&false) {
            return Err(ApiError::not_allowed(format!(
                "not allowed to read the reactions of activity '{}'",
                a.id
            )));
        }
    }
    let (list, more) = read::filter(store, &f).await?;
    let own_user = match &auth.caller {
        Caller::User(me) => Some(me.as_str()),
        _ => q.get("children_user_id").or_else(|| q.get("user_id")),
    };
    let own = OwnChildren {
        wanted: q.flag("with_own_children")?,
        user_id: own_user,
    };
    let results = render_all(store, &list, own).await?;
    let next = if more {
        next_path(
            &f,
            q,
            list.first().map(|r| r.id.as_str()),
            list.last().map(|r| r.id.as_str()),
        )
    } else {
        String::new()
    };
    let mut out = Map::new();
    out.insert("results".into(), Value::Array(results));
    out.insert("next".into(), Value::String(next));
    if q.flag("with_activity_data")? {
        if let Some(a) = activity.filter(|a| !a.is_deleted()) {
            out.insert("activity".into(), tributary_v2::activity::render(&a, None));
        }
    }
    Ok(json!(out))
}
