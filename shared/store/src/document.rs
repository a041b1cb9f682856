//! Free-form client JSON (custom data, attachments, ...) is stored as a JSON document in a
//! string attribute, not mapped onto DynamoDB numbers, maps and lists. DynamoDB cannot store
//! every JSON value: numbers beyond its range (`1e200`, `5e-324`), empty map keys, nesting
//! deeper than 32 levels. As text, whatever JSON a client sent reads back exactly as
//! `serde_json` printed it (every number `serde_json` holds exactly: integers in i64/u64,
//! and floats with their shortest round-tripping form).
//!
//! Every record goes through [`to_item`] and [`from_item`] on its way to and from the table
//! (the one place the conversion happens; the domain records and every other JSON form of
//! them, such as task messages, exports and responses, are untouched). The fields are found
//! by name ([`DOCUMENT_FIELDS`]) at any depth of the record outside another document, so
//! `content.custom` of an activity and `latest_reactions[].custom` are covered too. Reading
//! accepts both forms: a string attribute is a document, a map or list attribute (what items
//! written before this change hold) is read as before. None of these fields is ever a bare
//! JSON string, so the two forms cannot be confused.
//!
//! Cost: a string attribute is billed by its UTF-8 length, a map by its keys and values plus
//! a few bytes per element, so the item size (and the read and write units) stays about the
//! same; `keys.md` has the measurement. Nothing filters or projects inside these fields
//! (`custom.<path>` filters are evaluated on records after reading), so nothing is lost.

use aws_sdk_dynamodb::types::AttributeValue;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use tributary_domain::{validate, ApiError, ApiResult};

use crate::batch::Item;
use crate::call::serde_error;

/// Record fields holding free-form client JSON, stored as documents.
pub const DOCUMENT_FIELDS: &[&str] = &[
    "custom",
    "attachments",
    "search_data",
    "notification_context",
    "teams_role",
    "settings",
];

/// The documents a client writes directly, held to [`validate::document`]'s limits. The
/// others are built by Tributary (`notification_context`) or checked by their own rules.
const LIMITED_FIELDS: &[&str] = &["custom", "attachments", "search_data"];

/// Replaces every document field in `v` (outside other documents) by its JSON text,
/// checking the limits of those a client writes.
fn encode(v: &mut Value) -> ApiResult<()> {
    match v {
        Value::Object(map) => {
            for (name, field) in map.iter_mut() {
                if DOCUMENT_FIELDS.contains(&name.as_str()) {
                    if LIMITED_FIELDS.contains(&name.as_str()) {
                        validate::document(name, field)?;
                    }
                    let text = serde_json::to_string(field)
                        .map_err(|e| ApiError::internal(format!("encode {name}"), e))?;
                    *field = Value::String(text);
                } else {
                    encode(field)?;
                }
            }
        }
        Value::Array(list) => {
            for item in list {
                encode(item)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Turns every document field in `v` that is stored as text back into its JSON value;
/// fields in the old map or list form are left as they are.
fn decode(v: &mut Value) -> Result<(), serde_json::Error> {
    match v {
        Value::Object(map) => {
            for (name, field) in map.iter_mut() {
                if DOCUMENT_FIELDS.contains(&name.as_str()) {
                    if let Value::String(text) = field {
                        *field = serde_json::from_str(text)?;
                    }
                } else {
                    decode(field)?;
                }
            }
        }
        Value::Array(list) => {
            for item in list {
                decode(item)?;
            }
        }
        _ => {}
    }
    Ok(())
}

fn json_to_dynamo(context: &str, e: serde_json::Error) -> ApiError {
    serde_error(
        context,
        <serde_dynamo::Error as serde::ser::Error>::custom(e.to_string()),
    )
}

/// A record (or a part of one) as JSON with its documents encoded.
fn encoded<T: Serialize>(context: &str, record: &T) -> ApiResult<Value> {
    let mut v = serde_json::to_value(record).map_err(|e| json_to_dynamo(context, e))?;
    encode(&mut v)?;
    Ok(v)
}

/// A record's attributes, its documents as strings. Over-limit documents are code-4 errors
/// naming the field.
pub fn to_item<T: Serialize>(context: &str, record: &T) -> ApiResult<Item> {
    serde_dynamo::to_item(encoded(context, record)?).map_err(|e| serde_error(context, e))
}

/// A part of a record (an activity's `content`, a list of reactions) as one attribute value,
/// its documents as strings.
pub fn to_attribute_value<T: Serialize>(context: &str, value: &T) -> ApiResult<AttributeValue> {
    serde_dynamo::to_attribute_value(encoded(context, value)?).map_err(|e| serde_error(context, e))
}

/// One document field (`custom`, `attachments`, ...) as the string attribute it is stored as.
pub fn document<T: Serialize>(field: &str, value: &T) -> ApiResult<AttributeValue> {
    let mut wrapper = serde_json::Map::new();
    wrapper.insert(
        field.to_string(),
        serde_json::to_value(value).map_err(|e| json_to_dynamo(field, e))?,
    );
    let mut wrapper = Value::Object(wrapper);
    encode(&mut wrapper)?;
    match wrapper {
        Value::Object(mut map) => Ok(serde_dynamo::to_attribute_value(map.remove(field))
            .map_err(|e| serde_error(field, e))?),
        _ => unreachable!("encode keeps an object an object"),
    }
}

/// A record from its attributes, documents in either stored form.
pub fn from_item<T: DeserializeOwned>(context: &str, item: Item) -> ApiResult<T> {
    let mut v: Value = serde_dynamo::from_item(item).map_err(|e| serde_error(context, e))?;
    decode(&mut v).map_err(|e| json_to_dynamo(context, e))?;
    serde_json::from_value(v).map_err(|e| json_to_dynamo(context, e))
}

/// A part of a record from one attribute value, documents in either stored form.
pub fn from_attribute_value<T: DeserializeOwned>(
    context: &str,
    value: AttributeValue,
) -> ApiResult<T> {
    let mut v: Value =
        serde_dynamo::from_attribute_value(value).map_err(|e| serde_error(context, e))?;
    decode(&mut v).map_err(|e| json_to_dynamo(context, e))?;
    serde_json::from_value(v).map_err(|e| json_to_dynamo(context, e))
}

/// One document field's value from its attribute, in either stored form.
pub fn document_value<T: DeserializeOwned>(context: &str, value: AttributeValue) -> ApiResult<T> {
    let v: Value = match value {
        AttributeValue::S(text) => {
            serde_json::from_str(&text).map_err(|e| json_to_dynamo(context, e))?
        }
        other => serde_dynamo::from_attribute_value(other).map_err(|e| serde_error(context, e))?,
    };
    serde_json::from_value(v).map_err(|e| json_to_dynamo(context, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use tributary_domain::model::follow::Follow;
    use tributary_domain::model::reaction::Reaction;
    use tributary_domain::model::{Activity, User};

    fn deep(levels: usize) -> Value {
        let mut v = json!(1);
        for _ in 0..levels {
            v = json!({ "d": v });
        }
        v
    }

    fn awkward() -> serde_json::Map<String, Value> {
        let v: Value = serde_json::from_str(&format!(
            r#"{{"big": 1e200, "tiny": 5e-324, "": 1, "one": 1.0, "neg": -0.0, "list": [[[]], {{}}], "custom": "x", "deep": {}}}"#,
            deep(40)
        ))
        .unwrap();
        v.as_object().unwrap().clone()
    }

    #[test]
    fn awkward_custom_data_round_trips_as_text() {
        let mut user = User::placeholder("u");
        user.custom = awkward();
        user.teams_role = Some(awkward());
        let item = to_item("user", &user).unwrap();
        let AttributeValue::S(text) = &item["custom"] else {
            panic!("custom is not a string: {:?}", item["custom"]);
        };
        assert!(
            text.contains("1e+200") && text.contains("5e-324") && text.contains("1.0"),
            "{text}"
        );
        assert!(item["id"].as_s().is_ok(), "other fields keep their types");
        assert!(item["created_at"].as_n().is_ok());
        let back: User = from_item("user", item).unwrap();
        assert_eq!(back, user);
        assert_eq!(
            serde_json::to_string(&back.custom).unwrap(),
            serde_json::to_string(&user.custom).unwrap(),
            "the same text, number for number"
        );
    }

    #[test]
    fn nested_documents_are_found() {
        let mut a: Activity = serde_json::from_value(json!({
            "id": "a", "type": "post", "user_id": "u", "created_at": 1, "updated_at": 1,
            "content": {"feeds": ["user:u"], "custom": {"n": 1e200},
                        "attachments": [{"": 5e-324}], "search_data": {"k": [1, 2]}},
            "notification_context": {"trigger": {"custom": {"": 1}}},
        }))
        .unwrap();
        a.latest_reactions = vec![serde_json::from_value::<Reaction>(json!({
            "activity_id": "a", "user_id": "v", "type": "like", "custom": {"x": 1e300},
            "created_at": 1, "updated_at": 1
        }))
        .unwrap()];
        let item = to_item("activity", &a).unwrap();
        let content = item["content"].as_m().unwrap();
        for field in ["custom", "attachments", "search_data"] {
            assert!(content[field].as_s().is_ok(), "{field}");
        }
        assert!(content["feeds"].as_l().is_ok());
        assert!(item["notification_context"].as_s().is_ok());
        let latest = item["latest_reactions"].as_l().unwrap();
        assert!(latest[0].as_m().unwrap()["custom"].as_s().is_ok());
        let back: Activity = from_item("activity", item).unwrap();
        assert_eq!(back, a);
    }

    #[test]
    fn items_written_before_still_read() {
        // The old form: custom data as DynamoDB maps and numbers.
        let follow: Follow = serde_json::from_value(json!({
            "source": "user:a", "target": "user:b", "status": "accepted",
            "custom": {"n": 7, "f": 1.5, "m": {"l": ["x", true, null]}},
            "created_at": 1, "updated_at": 1
        }))
        .unwrap();
        let old: Item = serde_dynamo::to_item(&follow).unwrap();
        assert!(old["custom"].as_m().is_ok());
        let back: Follow = from_item("follow", old).unwrap();
        assert_eq!(back, follow);
        // One field at a time, as the reactions index projects `custom`.
        let m = serde_dynamo::to_attribute_value(&follow.custom).unwrap();
        let custom: serde_json::Map<String, Value> = document_value("custom", m).unwrap();
        assert_eq!(custom, follow.custom);
        let s = document("custom", &follow.custom).unwrap();
        assert!(s.as_s().is_ok());
        let custom: serde_json::Map<String, Value> = document_value("custom", s).unwrap();
        assert_eq!(custom, follow.custom);
    }

    #[test]
    fn over_limit_documents_name_their_field() {
        let mut user = User::placeholder("u");
        user.custom.insert(
            "blob".into(),
            json!("x".repeat(validate::MAX_DOCUMENT_BYTES)),
        );
        match to_item("user", &user).unwrap_err() {
            ApiError::Input { field, .. } => assert_eq!(field.as_deref(), Some("custom")),
            other => panic!("{other:?}"),
        }
        user.custom = deep(validate::MAX_DOCUMENT_DEPTH + 1)
            .as_object()
            .unwrap()
            .clone();
        assert!(matches!(
            to_item("user", &user).unwrap_err(),
            ApiError::Input { .. }
        ));
    }

    /// An item's size as DynamoDB bills it: names and values in bytes, numbers about one
    /// byte per two significant digits plus one, maps and lists 3 bytes plus one per element.
    fn billed_bytes(v: &AttributeValue) -> usize {
        match v {
            AttributeValue::S(s) => s.len(),
            AttributeValue::N(n) => {
                let digits = n
                    .trim_start_matches('-')
                    .replace('.', "")
                    .trim_matches('0')
                    .len()
                    .max(1);
                digits.div_ceil(2) + 1
            }
            AttributeValue::Bool(_) | AttributeValue::Null(_) => 1,
            AttributeValue::L(l) => 3 + l.iter().map(|e| 1 + billed_bytes(e)).sum::<usize>(),
            AttributeValue::M(m) => {
                3 + m
                    .iter()
                    .map(|(k, e)| 1 + k.len() + billed_bytes(e))
                    .sum::<usize>()
            }
            AttributeValue::Ss(l) => l.iter().map(String::len).sum(),
            _ => 0,
        }
    }

    fn item_bytes(item: &Item) -> usize {
        item.iter().map(|(k, v)| k.len() + billed_bytes(v)).sum()
    }

    fn activity_with(custom: serde_json::Map<String, Value>) -> Activity {
        serde_json::from_value(json!({
            "id": "a", "type": "post", "user_id": "u", "created_at": 1, "updated_at": 1,
            "content": {"feeds": ["user:u"], "text": "hello", "custom": custom},
        }))
        .unwrap()
    }

    /// (bytes as maps and numbers, bytes as a document) of an activity with this custom data.
    fn sizes(custom: serde_json::Map<String, Value>) -> (usize, usize) {
        let a = activity_with(custom);
        (
            item_bytes(&serde_dynamo::to_item(&a).unwrap()),
            item_bytes(&to_item("activity", &a).unwrap()),
        )
    }

    /// The cost note in `keys.md`. JSON text spends quotes, colons and commas where a map
    /// spends one byte per element, and a number's digits where DynamoDB packs two per byte:
    /// dense custom data of many small fields grows by about a third, custom data of longer
    /// strings by a few percent.
    #[test]
    fn what_documents_cost() {
        let mut dense = serde_json::Map::new();
        for i in 0..40 {
            dense.insert(
                format!("field_{i}"),
                json!({"sku": format!("SKU-{i:05}"), "price": 19.99 + i as f64, "qty": i,
                       "tags": ["red", "sale", "new"], "in_stock": i % 2 == 0}),
            );
        }
        let (old, new) = sizes(dense);
        println!("dense custom data: {old} bytes as maps, {new} bytes as a document");
        assert!(new > old && new * 100 <= old * 140, "{old} vs {new}");
        let mut prose = serde_json::Map::new();
        for i in 0..8 {
            prose.insert(
                format!("section_{i}"),
                json!("Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat. Duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla pariatur."),
            );
        }
        let (old, new) = sizes(prose);
        println!("prose custom data: {old} bytes as maps, {new} bytes as a document");
        assert!(new * 100 <= old * 105, "{old} vs {new}");
    }
}
