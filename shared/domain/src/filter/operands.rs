//! Conditions of Stream's query filters: a field's condition is a value, or an object with
//! one operator (`{"$in": [...]}`). Errors are code 4 on `filter`, naming the field and the
//! operator.

use serde_json::Value;

use crate::ApiError;
use crate::ApiResult;

fn refuse(field: &str, why: impl std::fmt::Display) -> ApiError {
    ApiError::field("filter", format!("filter.{field}: {why}"))
}

/// A string, or a list of strings.
pub fn strings(field: &str, v: &Value) -> ApiResult<Vec<String>> {
    let one = |x: &Value| {
        x.as_str()
            .map(str::to_string)
            .ok_or_else(|| refuse(field, "expected strings"))
    };
    match v {
        Value::String(_) => Ok(vec![one(v)?]),
        Value::Array(list) => list.iter().map(one).collect(),
        _ => Err(refuse(field, "expected a string or a list of strings")),
    }
}

/// The operator and operand of a condition; a bare value is `$eq`.
pub fn operator<'a>(field: &str, v: &'a Value) -> ApiResult<(&'a str, &'a Value)> {
    match v {
        Value::Object(ops) if ops.len() == 1 => {
            let (op, operand) = ops.iter().next().expect("one entry");
            Ok((op.as_str(), operand))
        }
        Value::Object(_) => Err(refuse(field, "use exactly one operator")),
        v => Ok(("$eq", v)),
    }
}

/// Values a field must equal one of: a string or list, `$eq` or `$in`.
pub fn eq_or_in(field: &str, v: &Value) -> ApiResult<Vec<String>> {
    match operator(field, v)? {
        ("$eq" | "$in", operand) => strings(field, operand),
        (op, _) => Err(refuse(
            field,
            format!("operator '{op}' is not supported here (use $eq or $in)"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_and_operators() {
        assert_eq!(eq_or_in("f", &json!("a")).unwrap(), vec!["a"]);
        assert_eq!(eq_or_in("f", &json!(["a", "b"])).unwrap(), vec!["a", "b"]);
        assert_eq!(eq_or_in("f", &json!({"$eq": "a"})).unwrap(), vec!["a"]);
        assert_eq!(eq_or_in("f", &json!({"$in": ["a"]})).unwrap(), vec!["a"]);
        let err = eq_or_in("f", &json!({"$gt": "a"})).unwrap_err();
        assert!(err.to_string().contains("$gt"), "{err}");
        assert!(eq_or_in("f", &json!({"$in": [1]})).is_err());
        assert!(eq_or_in("f", &json!({"$eq": "a", "$in": []})).is_err());
    }
}
