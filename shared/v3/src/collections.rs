//! Collections on the v3 wire: [`CollectionResponse`] (what the collection endpoints answer),
//! the `collections` map an activity carries, keyed by `<name>:<id>` for each of its
//! `collection_refs`, each with `status` `ok` or `notfound`, and the rules of writing
//! collections from a request ([`CollectionRequest`], [`objects`], [`upsert`]) that the
//! collection endpoints and the activity writes with inline `collections` share. The objects
//! are read when the activity is rendered, so an update shows on the next read of every
//! activity naming it.
//!
//! Server-side calls act on any object. A user token writes only its own objects and those
//! that do not exist yet (403, code 17, for anyone else's).

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use serde_with::skip_serializing_none;

use tributary_domain::caller::Caller;
use tributary_domain::ids;
use tributary_domain::time::{now_nanos, Nanos};
use tributary_domain::validate;
use tributary_domain::{ApiError, ApiResult};
use tributary_store::collections::{check_key_part, parse_reference, CollectionObject};
use tributary_store::Store;

/// Most collections one batch call of the collection endpoints may name.
pub const MAX_BATCH: usize = 100;
/// Longest collection name or id the v3 calls accept.
pub const MAX_PART_LEN: usize = 128;
/// Most objects one transaction writes (DynamoDB's bound on a transaction).
const MAX_TRANSACTION: usize = 100;

/// A collection to create or upsert (`CollectionRequest`): in the collection endpoints'
/// batches and in an activity's inline `collections`.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct CollectionRequest {
    pub name: Option<String>,
    pub id: Option<String>,
    pub custom: Option<Value>,
    pub user_id: Option<String>,
}

#[skip_serializing_none]
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct CollectionResponse {
    pub id: String,
    pub name: String,
    pub custom: Map<String, Value>,
    pub user_id: Option<String>,
    pub created_at: Nanos,
    pub updated_at: Nanos,
}

impl From<&CollectionObject> for CollectionResponse {
    fn from(o: &CollectionObject) -> Self {
        CollectionResponse {
            id: o.id.clone(),
            name: o.name.clone(),
            custom: o.custom.clone(),
            user_id: o.user_id.clone(),
            created_at: o.created_at,
            updated_at: o.updated_at,
        }
    }
}

/// The `(name, id)` pairs of references, those that are well formed.
pub fn referenced<'a>(refs: impl IntoIterator<Item = &'a String>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for r in refs {
        if let Some((name, id)) = parse_reference(r) {
            let pair = (name.to_string(), id.to_string());
            if !out.contains(&pair) {
                out.push(pair);
            }
        }
    }
    out
}

/// An activity's `collections`: each well-formed reference with the object as it is now
/// (`status: ok`), or only its name and id (`status: notfound`).
pub fn enriched(refs: &[String], found: &HashMap<String, CollectionObject>) -> Map<String, Value> {
    let mut out = Map::new();
    for r in refs {
        let Some((name, id)) = parse_reference(r) else {
            continue;
        };
        let value = match found.get(r) {
            Some(o) => {
                let mut v = serde_json::to_value(CollectionResponse::from(o))
                    .unwrap_or_else(|_| Value::Object(Map::new()));
                v["status"] = Value::from("ok");
                v
            }
            None => serde_json::json!({"id": id, "name": name, "status": "notfound"}),
        };
        out.insert(r.clone(), value);
    }
    out
}

// ---- writing ----------------------------------------------------------------------------

/// Whom a write acts for: `None` for a server call (any object), the user for a user token.
pub fn owner_of(caller: &Caller) -> ApiResult<Option<String>> {
    match caller {
        Caller::Server => Ok(None),
        Caller::User(id) => Ok(Some(id.clone())),
        Caller::Anonymous => Err(ApiError::not_allowed(
            "anonymous users cannot use collections",
        )),
    }
}

/// A collection name or id: required, a key part, at most [`MAX_PART_LEN`] characters.
pub fn part(field: &str, value: Option<&str>) -> ApiResult<String> {
    let value = value.ok_or_else(|| ApiError::field(field, format!("{field} is required")))?;
    check_key_part(field, value)?;
    if value.chars().count() > MAX_PART_LEN {
        return Err(ApiError::field(
            field,
            format!("{field} is longer than {MAX_PART_LEN} characters"),
        ));
    }
    Ok(value.to_string())
}

/// A collection's `custom`: an object with at least one key.
pub fn custom(field: &str, value: Option<&Value>) -> ApiResult<Map<String, Value>> {
    match value {
        Some(Value::Object(m)) if !m.is_empty() => Ok(m.clone()),
        _ => Err(ApiError::field(
            field,
            format!("{field} must be an object with at least one key"),
        )),
    }
}

/// A batch of the collection endpoints: 1 to [`MAX_BATCH`] entries.
pub fn batch<T>(list: Option<&Vec<T>>) -> ApiResult<&Vec<T>> {
    match list {
        Some(l) if !l.is_empty() && l.len() <= MAX_BATCH => Ok(l),
        Some(l) if l.len() > MAX_BATCH => Err(ApiError::field(
            "collections",
            format!("collections: at most {MAX_BATCH} per call"),
        )),
        _ => Err(ApiError::field(
            "collections",
            "collections must list at least one collection",
        )),
    }
}

/// Keeps the last occurrence of each `<name>:<id>`, in the order of first appearance.
pub fn dedup<T>(list: Vec<T>, reference: impl Fn(&T) -> String) -> Vec<T> {
    let mut last: HashMap<String, usize> = HashMap::new();
    for (i, x) in list.iter().enumerate() {
        last.insert(reference(x), i);
    }
    let mut seen = HashSet::new();
    let mut order: Vec<usize> = Vec::new();
    for x in &list {
        let r = reference(x);
        if seen.insert(r.clone()) {
            order.push(last[&r]);
        }
    }
    let mut slots: Vec<Option<T>> = list.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| slots[i].take()).collect()
}

/// New objects from create/upsert input (fields named `collections[i].<field>`), owned by
/// the acting user, or for a server call as each names or else by `default_owner`;
/// deduplicated keeping the last occurrence. A user naming another owner is refused (403).
pub fn objects(
    list: &[CollectionRequest],
    acting: Option<&str>,
    default_owner: Option<&str>,
) -> ApiResult<Vec<CollectionObject>> {
    let now = now_nanos();
    let mut out = Vec::with_capacity(list.len());
    for (i, c) in list.iter().enumerate() {
        let at = |f: &str| format!("collections[{i}].{f}");
        let name = part(&at("name"), c.name.as_deref())?;
        let id = match c.id.as_deref().filter(|s| !s.is_empty()) {
            Some(id) => part(&at("id"), Some(id))?,
            None => ids::new_id(),
        };
        let custom = custom(&at("custom"), c.custom.as_ref())?;
        let requested = c.user_id.as_deref().filter(|u| !u.is_empty());
        let user_id = match acting {
            Some(me) => match requested {
                Some(other) if other != me => {
                    return Err(ApiError::not_allowed(format!(
                        "user '{me}' cannot write collections for user '{other}'"
                    )))
                }
                _ => Some(me.to_string()),
            },
            None => requested.or(default_owner).map(str::to_string),
        };
        if let Some(u) = &user_id {
            validate::id(&at("user_id"), u)?;
        }
        out.push(CollectionObject {
            name,
            id,
            custom,
            user_id,
            created_at: now,
            updated_at: now,
        });
    }
    Ok(dedup(out, CollectionObject::reference))
}

/// 403 (code 17): the object is someone else's.
pub fn not_owner(reference: &str) -> ApiError {
    ApiError::not_allowed(format!("collection '{reference}' belongs to another user"))
}

/// 400: a conditional write found the objects changed since they were read.
pub fn changed_meanwhile() -> ApiError {
    ApiError::input("the collections changed while this call ran; try again")
}

/// For a user: refuses when any existing object is not theirs.
pub fn check_owned(
    existing: &HashMap<String, CollectionObject>,
    owner: Option<&str>,
) -> ApiResult<()> {
    if let Some(owner) = owner {
        if let Some(o) = existing
            .values()
            .find(|o| o.user_id.as_deref() != Some(owner))
        {
            return Err(not_owner(&o.reference()));
        }
    }
    Ok(())
}

/// Creates the objects or replaces their `custom`, as built by [`objects`]. For a user
/// (`acting`), every one that exists must be theirs: 403 (code 17) with nothing written
/// otherwise. Up to 100 objects are written in one transaction (all or none); a longer list
/// is written 100 at a time. An existing object keeps its creation time and owner. Returns
/// the objects as stored now, in input order.
pub async fn upsert(
    store: &Store,
    mut objects: Vec<CollectionObject>,
    acting: Option<&str>,
) -> ApiResult<Vec<CollectionObject>> {
    if objects.is_empty() {
        return Ok(objects);
    }
    let pairs: Vec<(String, String)> = objects
        .iter()
        .map(|o| (o.name.clone(), o.id.clone()))
        .collect();
    let existing = store.get_collection_objects(&pairs).await?;
    check_owned(&existing, acting)?;
    for chunk in objects.chunks(MAX_TRANSACTION) {
        let failed = store
            .upsert_collection_objects_atomically(chunk, acting)
            .await?;
        if failed.iter().any(|f| *f) {
            return Err(changed_meanwhile());
        }
    }
    for o in &mut objects {
        if let Some(before) = existing.get(&o.reference()) {
            o.created_at = before.created_at;
            if before.user_id.is_some() {
                o.user_id = before.user_id.clone();
            }
        }
    }
    Ok(objects)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_keep_the_last_occurrence() {
        let list = vec![("a", 1), ("b", 2), ("a", 3)];
        let out = dedup(list, |(k, _)| k.to_string());
        assert_eq!(out, vec![("a", 3), ("b", 2)]);
    }

    #[test]
    fn inline_input_names_its_field_and_owner() {
        let list = vec![
            CollectionRequest {
                name: Some("food".into()),
                id: Some("pizza".into()),
                custom: Some(serde_json::json!({"k": 1})),
                user_id: None,
            },
            CollectionRequest {
                name: Some("food".into()),
                id: Some("pizza".into()),
                custom: Some(serde_json::json!({"k": 2})),
                user_id: None,
            },
        ];
        let out = objects(&list, Some("amy"), None).unwrap();
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].custom["k"], 2);
        assert_eq!(out[0].user_id.as_deref(), Some("amy"));
        let out = objects(&list, None, Some("bob")).unwrap();
        assert_eq!(out[0].user_id.as_deref(), Some("bob"));
        let bad = vec![CollectionRequest {
            name: Some("food".into()),
            id: Some("a:b".into()),
            custom: Some(serde_json::json!({"k": 1})),
            user_id: None,
        }];
        match objects(&bad, None, None).unwrap_err() {
            ApiError::Input { field, .. } => {
                assert_eq!(field.as_deref(), Some("collections[0].id"))
            }
            e => panic!("{e:?}"),
        }
        let theirs = vec![CollectionRequest {
            user_id: Some("bob".into()),
            ..list[0].clone()
        }];
        assert!(objects(&theirs, Some("amy"), None).is_err());
    }

    #[test]
    fn references_render_found_or_notfound() {
        let o = CollectionObject {
            name: "food".into(),
            id: "pizza".into(),
            custom: serde_json::from_value(serde_json::json!({"k": 1})).unwrap(),
            user_id: None,
            created_at: 1,
            updated_at: 2,
        };
        let found = HashMap::from([("food:pizza".to_string(), o)]);
        let refs = vec!["food:pizza".into(), "food:none".into(), "bad".into()];
        let map = enriched(&refs, &found);
        assert_eq!(map.len(), 2);
        assert_eq!(map["food:pizza"]["status"], "ok");
        assert_eq!(map["food:pizza"]["custom"]["k"], 1);
        assert_eq!(map["food:none"]["status"], "notfound");
        assert_eq!(map["food:none"]["id"], "none");
        assert_eq!(
            referenced(&refs),
            vec![
                ("food".into(), "pizza".into()),
                ("food".into(), "none".into())
            ]
        );
    }
}
