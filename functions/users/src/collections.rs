//! v3 collections over the stored collection objects (`tributary_store::collections`, one
//! record shared with v2's `collections/` calls): `read_collections`, `create_collections`,
//! `upsert_collections`, `update_collections`, `delete_collections` (batches of at most 100,
//! deduplicated keeping the last occurrence, each written in one transaction: all or none)
//! and `query_collections` (one collection's or one user's objects in creation order, with
//! `next`/`prev` cursors).
//!
//! Server-side calls act on any object. A user token reads and queries its own objects and
//! those nobody owns, and creates, updates, upserts and deletes only its own (403, code 17,
//! for anyone else's). Input is checked whole before anything is written: 400, code 4,
//! naming the field. Reading create/upsert input and upserting are
//! `tributary_v3::collections`, which an activity's inline `collections` share.

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tributary_domain::filter::predicate::{self, Field, Kind, Op};
use tributary_domain::time::now_nanos;
use tributary_domain::{ApiError, ApiResult};
use tributary_http::{AppState, Auth, Body, QueryParams};
use tributary_store::collections::{parse_reference, CollectionObject, ObjectIndex, ObjectWalk};
use tributary_v3::collections::{
    self as rules, batch, changed_meanwhile, check_owned, custom, dedup, not_owner, objects,
    owner_of, part, CollectionRequest, CollectionResponse, MAX_BATCH, MAX_PART_LEN,
};

const DEFAULT_LIMIT: usize = 25;
const MAX_LIMIT: usize = 100;
/// Index entries one query call may examine.
const EXAMINE_BUDGET: usize = 1000;

type Reply<T = CollectionsReply> = tributary_http::HttpResult<Json<T>>;

#[derive(Debug, Serialize)]
pub struct CollectionsReply {
    pub collections: Vec<CollectionResponse>,
}

#[derive(Debug, Serialize)]
pub struct QueryCollectionsReply {
    pub collections: Vec<CollectionResponse>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prev: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct DeletedReply {}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct CreateCollectionsRequest {
    pub collections: Option<Vec<CollectionRequest>>,
    pub user_id: Option<String>,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct UpsertCollectionsRequest {
    pub collections: Option<Vec<CollectionRequest>>,
    pub user_id: Option<String>,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct UpdateCollectionRequest {
    pub name: Option<String>,
    pub id: Option<String>,
    pub custom: Option<Value>,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct UpdateCollectionsRequest {
    pub collections: Option<Vec<UpdateCollectionRequest>>,
    pub user_id: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct RefsQuery {
    pub collection_refs: Option<String>,
    pub user_id: Option<String>,
}

/// One entry of a query's `sort`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SortParam {
    pub field: Option<String>,
    pub direction: Option<i64>,
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct QueryCollectionsRequest {
    pub filter: Option<Value>,
    pub sort: Option<Vec<SortParam>>,
    pub limit: Option<i64>,
    pub next: Option<String>,
    pub prev: Option<String>,
    pub user_id: Option<String>,
}

// ---- input ------------------------------------------------------------------------------

/// Undoes percent-encoding: the SDKs encode each listed value before joining them with
/// commas, so `name:id` arrives as `name%3Aid` once the query string itself is decoded.
fn unescape(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'%', Some(&h), Some(&l)) if hex(h).is_some() && hex(l).is_some() => {
                out.push((hex(h).unwrap_or(0) * 16 + hex(l).unwrap_or(0)) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `collection_refs` (comma-separated `<name>:<id>`), checked and deduplicated.
fn refs(raw: Option<&str>, required: bool) -> ApiResult<Vec<(String, String)>> {
    let mut out: Vec<(String, String)> = Vec::new();
    let listed: Vec<String> = raw
        .unwrap_or("")
        .split(',')
        .filter(|r| !r.is_empty())
        .map(unescape)
        .collect();
    for r in &listed {
        let r = r.as_str();
        let (name, id) = parse_reference(r)
            .filter(|(n, i)| n.chars().count() <= MAX_PART_LEN && i.chars().count() <= MAX_PART_LEN)
            .ok_or_else(|| {
                ApiError::field(
                    "collection_refs",
                    format!("collection_refs: '{r}' is not a <name>:<id> reference"),
                )
            })?;
        let pair = (name.to_string(), id.to_string());
        if !out.contains(&pair) {
            out.push(pair);
        }
    }
    if out.len() > MAX_BATCH {
        return Err(ApiError::field(
            "collection_refs",
            format!("collection_refs: at most {MAX_BATCH} per call"),
        ));
    }
    if required && out.is_empty() {
        return Err(ApiError::field(
            "collection_refs",
            "collection_refs must name at least one collection",
        ));
    }
    Ok(out)
}

// ---- handlers ---------------------------------------------------------------------------

pub async fn read_collections(
    State(s): State<AppState>,
    Auth(caller): Auth,
    QueryParams(q): QueryParams<RefsQuery>,
) -> Reply {
    caller.acting_user(q.user_id.as_deref())?;
    let reader = owner_of(&caller)?;
    let wanted = refs(q.collection_refs.as_deref(), false)?;
    let found = s.store.get_collection_objects(&wanted).await?;
    let mut collections = Vec::new();
    for (name, id) in &wanted {
        let Some(o) = found.get(&format!("{name}:{id}")) else {
            continue;
        };
        if let (Some(reader), Some(owner)) = (reader.as_deref(), o.user_id.as_deref()) {
            if reader != owner {
                return Err(not_owner(&o.reference()).into());
            }
        }
        collections.push(CollectionResponse::from(o));
    }
    Ok(Json(CollectionsReply { collections }))
}

pub async fn create_collections(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Body(req): Body<CreateCollectionsRequest>,
) -> Reply {
    let acting = owner_of(&caller)?;
    if acting.is_some() {
        caller.acting_user(req.user_id.as_deref())?;
    }
    let list = batch(req.collections.as_ref())?;
    let default_owner = req.user_id.as_deref().filter(|u| !u.is_empty());
    let objects = objects(list, acting.as_deref(), default_owner)?;
    if let Some(existing) = s.store.create_collection_objects(&objects).await? {
        return Err(ApiError::field(
            "collections",
            format!("collection '{existing}' already exists"),
        )
        .into());
    }
    Ok(Json(CollectionsReply {
        collections: objects.iter().map(CollectionResponse::from).collect(),
    }))
}

pub async fn upsert_collections(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Body(req): Body<UpsertCollectionsRequest>,
) -> Reply {
    let acting = owner_of(&caller)?;
    if acting.is_some() {
        caller.acting_user(req.user_id.as_deref())?;
    }
    let list = batch(req.collections.as_ref())?;
    let default_owner = req.user_id.as_deref().filter(|u| !u.is_empty());
    let objects = objects(list, acting.as_deref(), default_owner)?;
    let stored = rules::upsert(&s.store, objects, acting.as_deref()).await?;
    Ok(Json(CollectionsReply {
        collections: stored.iter().map(CollectionResponse::from).collect(),
    }))
}

pub async fn update_collections(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Body(req): Body<UpdateCollectionsRequest>,
) -> Reply {
    let acting = owner_of(&caller)?;
    if acting.is_some() {
        caller.acting_user(req.user_id.as_deref())?;
    }
    let list = batch(req.collections.as_ref())?;
    let mut updates = Vec::with_capacity(list.len());
    for (i, c) in list.iter().enumerate() {
        let at = |f: &str| format!("collections[{i}].{f}");
        updates.push((
            part(&at("name"), c.name.as_deref())?,
            part(&at("id"), c.id.as_deref())?,
            custom(&at("custom"), c.custom.as_ref())?,
        ));
    }
    let updates = dedup(updates, |(n, i, _)| format!("{n}:{i}"));
    let wanted: Vec<(String, String)> = updates
        .iter()
        .map(|(n, i, _)| (n.clone(), i.clone()))
        .collect();
    let existing = s.store.get_collection_objects(&wanted).await?;
    if let Some((n, i)) = wanted
        .iter()
        .find(|(n, i)| !existing.contains_key(&format!("{n}:{i}")))
    {
        return Err(ApiError::not_found(format!("collection '{n}:{i}' does not exist")).into());
    }
    check_owned(&existing, acting.as_deref())?;
    let now = now_nanos();
    let failed = s
        .store
        .update_collection_objects(&updates, acting.as_deref(), now)
        .await?;
    if failed.iter().any(|f| *f) {
        return Err(changed_meanwhile().into());
    }
    let collections = updates
        .into_iter()
        .map(|(n, i, custom)| {
            let mut o = existing[&format!("{n}:{i}")].clone();
            o.custom = custom;
            o.updated_at = now;
            CollectionResponse::from(&o)
        })
        .collect();
    Ok(Json(CollectionsReply { collections }))
}

pub async fn delete_collections(
    State(s): State<AppState>,
    Auth(caller): Auth,
    QueryParams(q): QueryParams<RefsQuery>,
) -> Reply<DeletedReply> {
    let acting = owner_of(&caller)?;
    if acting.is_some() {
        caller.acting_user(q.user_id.as_deref())?;
    }
    let wanted = refs(q.collection_refs.as_deref(), true)?;
    let existing = s.store.get_collection_objects(&wanted).await?;
    check_owned(&existing, acting.as_deref())?;
    let failed = s
        .store
        .delete_collection_objects_atomically(&wanted, acting.as_deref())
        .await?;
    if failed.iter().any(|f| *f) {
        return Err(changed_meanwhile().into());
    }
    Ok(Json(DeletedReply {}))
}

// ---- query ------------------------------------------------------------------------------

fn field(name: &str) -> Option<Field> {
    use predicate::{EQ_IN, RANGE};
    let (kind, ops): (Kind, &'static [Op]) = match name {
        "id" | "name" | "user_id" => (Kind::Plain, EQ_IN),
        "created_at" | "updated_at" => (Kind::Time, RANGE),
        n => return predicate::custom_field(n),
    };
    Some(Field {
        name: "",
        kind,
        ops,
    })
}

fn value_of(o: &CollectionObject, name: &str) -> Option<Value> {
    Some(match name {
        "id" => json!(o.id),
        "name" => json!(o.name),
        "user_id" => json!(o.user_id.as_ref()?),
        "created_at" => json!(o.created_at),
        "updated_at" => json!(o.updated_at),
        n => predicate::custom_value(&o.custom, n)?,
    })
}

/// Where a query page starts: past a position, walking in the sort's order (`next`) or
/// against it (`prev`), on the index partition it was made for.
#[derive(Debug, Serialize, Deserialize)]
struct Cursor {
    index: String,
    after: String,
}

fn index_label(index: &ObjectIndex) -> String {
    match index {
        ObjectIndex::Name(n) => format!("name:{n}"),
        ObjectIndex::User(u) => format!("user:{u}"),
    }
}

pub async fn query_collections(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Body(req): Body<QueryCollectionsRequest>,
) -> Reply<QueryCollectionsReply> {
    let reader = owner_of(&caller)?;
    if reader.is_some() {
        caller.acting_user(req.user_id.as_deref())?;
    }
    let cond = predicate::parse(req.filter.as_ref(), &field)?;
    let limit = match req.limit {
        None | Some(0) => DEFAULT_LIMIT,
        Some(n) if n < 0 => {
            return Err(ApiError::field("limit", "limit must not be negative").into())
        }
        Some(n) => (n as usize).min(MAX_LIMIT),
    };
    let mut oldest_first = false;
    for (i, sp) in req.sort.iter().flatten().enumerate() {
        match sp.field.as_deref() {
            Some("created_at") if i == 0 => oldest_first = sp.direction.unwrap_or(-1) > 0,
            other => {
                return Err(ApiError::field(
                    "sort",
                    format!(
                        "sort: '{}' is not supported; collections sort by created_at",
                        other.unwrap_or("")
                    ),
                )
                .into())
            }
        }
    }
    let one = |f: &str| {
        predicate::pinned(&cond, f)
            .filter(|v| v.len() == 1)
            .map(|mut v| v.remove(0))
    };
    // A user sees their own collections; the server names a collection or a user.
    let index = match reader.as_deref() {
        Some(me) => {
            if let Some(users) = predicate::pinned(&cond, "user_id") {
                if !users.iter().any(|u| u == me) {
                    return Err(ApiError::not_allowed(format!(
                        "user '{me}' may only query their own collections"
                    ))
                    .into());
                }
            }
            ObjectIndex::User(me.to_string())
        }
        None => match (one("name"), one("user_id")) {
            (Some(name), _) => ObjectIndex::Name(name),
            (None, Some(user)) => ObjectIndex::User(user),
            (None, None) => {
                return Err(ApiError::field(
                    "filter",
                    "filter: server-side queries name one collection (name $eq) or one user (user_id $eq)",
                )
                .into())
            }
        },
    };
    let label = index_label(&index);
    let decode = |field: &str, raw: &Option<String>| -> ApiResult<Option<String>> {
        match raw.as_deref().filter(|c| !c.is_empty()) {
            None => Ok(None),
            Some(c) => {
                let cursor: Cursor = s.cursors.decode(field, c)?;
                if cursor.index != label {
                    return Err(ApiError::field(
                        field,
                        format!("{field}: this cursor belongs to another query"),
                    ));
                }
                Ok(Some(cursor.after))
            }
        }
    };
    let next = decode("next", &req.next)?;
    let prev = decode("prev", &req.prev)?;
    let (from, to) = predicate::time_range(&cond, "created_at");
    let backwards = prev.is_some();
    let walk = ObjectWalk {
        index: index.clone(),
        forward: oldest_first != backwards,
        after: prev.clone().or(next.clone()),
        from,
        to,
        want: limit,
        budget: EXAMINE_BUDGET,
    };
    let viewer = reader.clone();
    let accept = move |o: &CollectionObject| {
        let visible = match viewer.as_deref() {
            Some(me) => o.user_id.as_deref() == Some(me),
            None => true,
        };
        visible && cond.matches(&|f| value_of(o, f))
    };
    let (mut page, resume) = s.store.walk_collection_objects(&walk, accept).await?;
    let encode = |after: String| {
        s.cursors.encode(&Cursor {
            index: label.clone(),
            after,
        })
    };
    let (next_out, prev_out) = if backwards {
        page.reverse();
        let next_out = page.last().map(|(p, _)| p.clone()).or(prev.clone());
        (next_out.map(encode), resume.map(encode))
    } else {
        let prev_out = if next.is_some() {
            page.first().map(|(p, _)| p.clone()).or(next.clone())
        } else {
            None
        };
        (resume.map(encode), prev_out.map(encode))
    };
    Ok(Json(QueryCollectionsReply {
        collections: page
            .iter()
            .map(|(_, o)| CollectionResponse::from(o))
            .collect(),
        next: next_out,
        prev: prev_out,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refs_are_checked() {
        assert_eq!(
            refs(Some("food:pizza,food:pizza,x:y"), true).unwrap().len(),
            2
        );
        assert!(refs(Some("food"), false).is_err());
        assert!(refs(None, true).is_err());
        assert!(refs(None, false).unwrap().is_empty());
        assert_eq!(
            refs(Some("food%3Apizza"), true).unwrap(),
            vec![("food".to_string(), "pizza".to_string())]
        );
        assert_eq!(unescape("a%2Cb%zz%"), "a,b%zz%");
    }
}
