//! v2 collection objects and the stored ones (`tributary_store::collections`), both ways.
//!
//! | v2 | stored (what v3's collections read) |
//! | --- | --- |
//! | `collection` (the path's `{name}`) | `name` |
//! | `id` | `id` (a new UUID when none is sent) |
//! | `data` | `custom` |
//! | `user_id` (add only) | `user_id` (owner: a user token changes only its own objects) |
//! | `foreign_id` | `<name>:<id>`, derived, never stored |
//! | `created_at`, `updated_at` | `created_at`, `updated_at` |

use serde_json::{json, Map, Value};
use tributary_domain::{validate, ApiError, ApiResult};
use tributary_store::collections::{check_key_part, CollectionObject};

use crate::time;

/// An object as v2 shows it: what `collections/{name}/` add answers and what
/// `SO:<name>:<id>` references enrich to.
pub fn render(o: &CollectionObject) -> Value {
    json!({
        "id": o.id,
        "collection": o.name,
        "foreign_id": o.reference(),
        "data": o.custom,
        "created_at": time::format(o.created_at),
        "updated_at": time::format(o.updated_at),
    })
}

/// An id v2 clients may send as a string or a number; `None` when absent, null or empty.
pub fn id_field(raw: Option<&Value>, field: &str) -> ApiResult<Option<String>> {
    let id = match raw {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(s)) if s.is_empty() => return Ok(None),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(_) => return Err(ApiError::field(field, format!("{field} must be a string"))),
    };
    check_key_part(field, &id)?;
    Ok(Some(id))
}

/// `data` of an add or update: a JSON object within the limits of custom data (Stream
/// refuses anything else, and an empty object on add).
pub fn data_field(raw: Option<&Value>, allow_empty: bool) -> ApiResult<Map<String, Value>> {
    match raw {
        Some(v @ Value::Object(m)) if allow_empty || !m.is_empty() => {
            validate::document("data", v)?;
            Ok(m.clone())
        }
        Some(Value::Object(_)) => Err(ApiError::field("data", "data may not be empty")),
        None | Some(Value::Null) if allow_empty => Ok(Map::new()),
        _ => Err(ApiError::field("data", "data must be a JSON object")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_with_the_foreign_id() {
        let o = CollectionObject {
            name: "items".into(),
            id: "42".into(),
            custom: json!({"name": "time machine"}).as_object().unwrap().clone(),
            user_id: Some("tom".into()),
            created_at: 1_700_000_000_000_001_000,
            updated_at: 1_700_000_000_000_002_000,
        };
        assert_eq!(
            render(&o),
            json!({"id": "42", "collection": "items", "foreign_id": "items:42",
                "data": {"name": "time machine"},
                "created_at": "2023-11-14T22:13:20.000001",
                "updated_at": "2023-11-14T22:13:20.000002"})
        );
    }

    #[test]
    fn ids_and_data() {
        assert_eq!(
            id_field(Some(&json!(7)), "id").unwrap().as_deref(),
            Some("7")
        );
        assert_eq!(id_field(Some(&Value::Null), "id").unwrap(), None);
        assert!(id_field(Some(&json!("!abcdee!")), "id").is_err());
        assert!(id_field(Some(&json!([1])), "id").is_err());
        assert!(data_field(Some(&json!({})), false).is_err());
        assert!(data_field(Some(&json!("some string")), true).is_err());
        assert!(data_field(None, false).is_err());
        assert!(data_field(None, true).unwrap().is_empty());
    }
}
