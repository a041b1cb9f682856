//! Collections on the v3 wire: [`CollectionResponse`] (what the collection endpoints answer)
//! and the `collections` map an activity carries, keyed by `<name>:<id>` for each of its
//! `collection_refs`, each with `status` `ok` or `notfound`. The objects are read when the
//! activity is rendered, so an update shows on the next read of every activity naming it.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::{Map, Value};
use serde_with::skip_serializing_none;

use tributary_domain::time::Nanos;
use tributary_store::collections::{parse_reference, CollectionObject};

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

#[cfg(test)]
mod tests {
    use super::*;

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
