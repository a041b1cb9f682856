//! Listings built in memory from a small, bounded set (a feed's members, the membership
//! levels): Stream's `sort` parameters, ordering by them, and offset cursors.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tributary_domain::{ApiError, ApiResult};
use tributary_http::AppState;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
/// One entry of a query's `sort`.
pub struct SortParam {
    field: Option<String>,
    direction: Option<i64>,
}

/// The sort fields in order, each with whether it runs descending. `allowed` lists the
/// fields one may sort on; `default` applies when none is given.
pub fn sort_keys(
    sort: Option<&[SortParam]>,
    allowed: &[&str],
    default: (&str, bool),
) -> ApiResult<Vec<(String, bool)>> {
    let list = match sort {
        None | Some([]) => return Ok(vec![(default.0.to_string(), default.1)]),
        Some(list) => list,
    };
    list.iter()
        .map(|p| {
            let field = p.field.as_deref().unwrap_or(default.0);
            if !allowed.contains(&field) {
                return Err(ApiError::field(
                    "sort",
                    format!("sort: '{field}' is not one of {}", allowed.join(", ")),
                ));
            }
            match p.direction.unwrap_or(1) {
                1 => Ok((field.to_string(), false)),
                -1 => Ok((field.to_string(), true)),
                d => Err(ApiError::field(
                    "sort",
                    format!("sort: direction must be 1 or -1, got {d}"),
                )),
            }
        })
        .collect()
}

/// Orders two values of a sort field: numbers as numbers, strings as strings.
pub fn compare(a: &Value, b: &Value) -> std::cmp::Ordering {
    match (a.as_i64(), b.as_i64()) {
        (Some(x), Some(y)) => x.cmp(&y),
        _ => a.as_str().unwrap_or("").cmp(b.as_str().unwrap_or("")),
    }
}

/// Where a page starts in the ordered results.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Offset {
    offset: usize,
}

/// One page of ordered results, with the cursors to the pages after and before it.
pub fn page_of<T>(
    s: &AppState,
    mut all: Vec<T>,
    limit: usize,
    next: Option<&str>,
    prev: Option<&str>,
) -> ApiResult<(Vec<T>, Option<String>, Option<String>)> {
    let start = match (next, prev) {
        (Some(c), _) => s.cursors.decode::<Offset>("next", c)?.offset,
        (None, Some(c)) => s.cursors.decode::<Offset>("prev", c)?.offset,
        (None, None) => 0,
    };
    let start = start.min(all.len());
    let end = (start + limit).min(all.len());
    let next = (end < all.len()).then(|| s.cursors.encode(&Offset { offset: end }));
    let prev = (start > 0).then(|| {
        s.cursors.encode(&Offset {
            offset: start.saturating_sub(limit),
        })
    });
    all.truncate(end);
    Ok((all.split_off(start), next, prev))
}

/// Orders `items` by the sort fields (`value` reads a field of an item), then by `tie`.
pub fn sort_by_fields<T>(
    items: &mut [T],
    order: &[(String, bool)],
    value: impl Fn(&T, &str) -> Option<Value>,
    tie: impl Fn(&T, &T) -> Ordering,
) {
    items.sort_by(|a, b| {
        order
            .iter()
            .map(|(field, desc)| {
                let o = compare(
                    &value(a, field).unwrap_or(Value::Null),
                    &value(b, field).unwrap_or(Value::Null),
                );
                if *desc {
                    o.reverse()
                } else {
                    o
                }
            })
            .find(|o| o.is_ne())
            .unwrap_or_else(|| tie(a, b))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorting() {
        let keys = sort_keys(None, &["created_at"], ("created_at", true)).unwrap();
        assert_eq!(keys, vec![("created_at".to_string(), true)]);
        let p = [SortParam {
            field: Some("user_id".into()),
            direction: Some(1),
        }];
        assert_eq!(
            sort_keys(Some(&p), &["user_id"], ("created_at", true)).unwrap(),
            vec![("user_id".to_string(), false)]
        );
        assert!(sort_keys(Some(&p), &["created_at"], ("created_at", true)).is_err());
        assert!(compare(&Value::from(2), &Value::from(10)).is_lt());
        assert!(compare(&Value::from("b"), &Value::from("a")).is_gt());
    }

    #[test]
    fn sorts_by_fields_then_the_tie_breaker() {
        let mut items = vec![(2, "b"), (1, "c"), (2, "a")];
        let order = vec![("n".to_string(), true)];
        sort_by_fields(
            &mut items,
            &order,
            |i, _| Some(Value::from(i.0)),
            |a, b| a.1.cmp(b.1),
        );
        assert_eq!(items, vec![(2, "a"), (2, "b"), (1, "c")]);
    }
}
