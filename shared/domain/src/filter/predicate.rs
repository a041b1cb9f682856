// Over 400 lines: one filter language, whose parser and evaluator share the operator table.
//! Stream's query filters as a tree, evaluated in memory against a record.
//!
//! A filter is an object whose keys are fields (`{"user_id": "amy"}`,
//! `{"created_at": {"$gte": "2026-01-01T00:00:00Z"}}`) or the logical operators `$and`, `$or`
//! and `$nor` over lists of filters. Each query family declares its fields and the operators
//! each accepts ([`Field`]); anything else is refused with code 4 naming the field and the
//! operator. Index selection reads the top-level conjuncts ([`Cond::conjuncts`]); whatever
//! the index did not decide is checked here, on the fetched record.
//!
//! Filters are bounded while they are parsed, before any query runs: a list operand (`$in`,
//! `$nin`, the list form of `$contains`/`$all` and of `$eq` on tag lists, and the object form
//! of `$contains`) holds at most [`MAX_FILTER_VALUES`] values, and one filter holds at most
//! [`MAX_FILTER_TERMS`] field conditions across all its `$and`/`$or`/`$nor` branches (each
//! operator on a field is one condition; each logical list also holds at most that many
//! filters). Over either is code 4 naming the field, e.g.
//! `filter.source_feed: $in takes at most 100 values, got 5000`.

use serde_json::Value;

use crate::time::{parse_timestamp, Nanos};
use crate::ApiError;
use crate::ApiResult;

/// Most values one filter operand may list (`$in`, `$nin`, `$contains`…).
pub const MAX_FILTER_VALUES: usize = 100;
/// Most field conditions one filter may hold, all `$and`/`$or`/`$nor` branches together.
pub const MAX_FILTER_TERMS: usize = 50;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    In,
    Nin,
    Gt,
    Gte,
    Lt,
    Lte,
    Exists,
    Contains,
    /// Full-text: every word of the query occurs in the text.
    Q,
    /// Every word of the query starts some word of the text.
    Autocomplete,
    /// A location within `distance` kilometres of `lat`/`lng` (a `near` field's `$eq`).
    Near,
    /// A location inside `ne_lat`/`ne_lng`/`sw_lat`/`sw_lng` (a `within_bounds` field's `$eq`).
    WithinBounds,
}

impl Op {
    fn parse(name: &str) -> Option<Op> {
        Some(match name {
            "$eq" => Op::Eq,
            "$ne" => Op::Ne,
            "$in" => Op::In,
            "$nin" => Op::Nin,
            "$gt" => Op::Gt,
            "$gte" => Op::Gte,
            "$lt" => Op::Lt,
            "$lte" => Op::Lte,
            "$exists" => Op::Exists,
            // `$all` is the older name of `$contains` on tag lists: every one must be there.
            "$contains" | "$all" => Op::Contains,
            "$q" => Op::Q,
            "$autocomplete" => Op::Autocomplete,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Op::Eq => "$eq",
            Op::Ne => "$ne",
            Op::In => "$in",
            Op::Nin => "$nin",
            Op::Gt => "$gt",
            Op::Gte => "$gte",
            Op::Lt => "$lt",
            Op::Lte => "$lte",
            Op::Exists => "$exists",
            Op::Contains => "$contains",
            Op::Q => "$q",
            Op::Autocomplete => "$autocomplete",
            Op::Near | Op::WithinBounds => "$eq",
        }
    }
}

/// What a field holds, which decides how operands are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Strings and numbers compared as they are.
    Plain,
    /// A timestamp: operands may be RFC 3339 strings or numbers, compared as nanoseconds.
    Time,
    /// A location (`{lat, lng}`) tested against `{lat, lng, distance}`.
    Near,
    /// A location tested against a bounding box.
    Bounds,
}

/// A field a query family accepts, with its operators.
#[derive(Clone, Copy, Debug)]
pub struct Field {
    pub name: &'static str,
    pub kind: Kind,
    pub ops: &'static [Op],
}

pub const EQ_IN: &[Op] = &[Op::Eq, Op::In];
pub const TAGS: &[Op] = &[Op::Eq, Op::In, Op::Contains];
pub const RANGE: &[Op] = &[Op::Eq, Op::Gt, Op::Gte, Op::Lt, Op::Lte];
pub const TEXT: &[Op] = &[Op::Eq, Op::Q, Op::Autocomplete];
/// Custom fields accept every comparison.
pub const ANY: &[Op] = &[
    Op::Eq,
    Op::Ne,
    Op::In,
    Op::Nin,
    Op::Gt,
    Op::Gte,
    Op::Lt,
    Op::Lte,
    Op::Exists,
    Op::Contains,
    Op::Q,
    Op::Autocomplete,
];

/// Fields named `custom.<path>` filter on a record's custom data, with any operator.
pub fn custom_field(name: &str) -> Option<Field> {
    name.strip_prefix("custom.")
        .filter(|path| !path.is_empty())
        .map(|_| Field {
            name: "",
            kind: Kind::Plain,
            ops: ANY,
        })
}

/// The value a `custom.<dotted.path>` field names in a record's custom data.
pub fn custom_value(custom: &serde_json::Map<String, Value>, name: &str) -> Option<Value> {
    let mut parts = name.strip_prefix("custom.")?.split('.');
    let mut v = custom.get(parts.next()?)?;
    for part in parts {
        v = v.get(part)?;
    }
    Some(v.clone())
}

#[derive(Clone, Debug, PartialEq)]
pub enum Cond {
    And(Vec<Cond>),
    Or(Vec<Cond>),
    Nor(Vec<Cond>),
    Is {
        field: String,
        op: Op,
        operand: Value,
    },
}

fn refuse(field: &str, why: impl std::fmt::Display) -> ApiError {
    ApiError::field("filter", format!("filter.{field}: {why}"))
}

/// Parses a filter. `lookup` names the fields a family accepts; it may answer for
/// patterns (such as `custom.<name>`) as well as fixed names.
pub fn parse(raw: Option<&Value>, lookup: &dyn Fn(&str) -> Option<Field>) -> ApiResult<Cond> {
    match raw {
        None | Some(Value::Null) => Ok(Cond::And(vec![])),
        Some(v) => parse_object(v, lookup, &mut 0),
    }
}

/// Parses one filter object; `terms` counts the field conditions parsed so far in the whole
/// filter, so that an oversized filter is refused as soon as it passes the bound.
fn parse_object(
    v: &Value,
    lookup: &dyn Fn(&str) -> Option<Field>,
    terms: &mut usize,
) -> ApiResult<Cond> {
    let map = v
        .as_object()
        .ok_or_else(|| ApiError::field("filter", "filter must be an object"))?;
    let mut all = Vec::with_capacity(map.len());
    for (key, cond) in map {
        match key.as_str() {
            "$and" | "$or" | "$nor" => {
                let list = cond
                    .as_array()
                    .ok_or_else(|| refuse(key, "expected a list of filters"))?;
                if list.len() > MAX_FILTER_TERMS {
                    return Err(refuse(
                        key,
                        format!(
                            "takes at most {MAX_FILTER_TERMS} filters, got {}",
                            list.len()
                        ),
                    ));
                }
                let parts = list
                    .iter()
                    .map(|c| parse_object(c, lookup, terms))
                    .collect::<ApiResult<Vec<_>>>()?;
                all.push(match key.as_str() {
                    "$and" => Cond::And(parts),
                    "$or" => Cond::Or(parts),
                    _ => Cond::Nor(parts),
                });
            }
            name => {
                let field = lookup(name).ok_or_else(|| {
                    ApiError::field("filter", format!("filter: '{name}' cannot be filtered on"))
                })?;
                all.push(parse_condition(name, field, cond, terms)?);
            }
        }
    }
    Ok(if all.len() == 1 {
        all.pop().expect("one")
    } else {
        Cond::And(all)
    })
}

fn parse_condition(name: &str, field: Field, cond: &Value, terms: &mut usize) -> ApiResult<Cond> {
    let ops: Vec<(&str, &Value)> = match cond {
        Value::Object(ops) if !ops.is_empty() && ops.keys().all(|k| k.starts_with('$')) => {
            ops.iter().map(|(op, v)| (op.as_str(), v)).collect()
        }
        Value::Object(ops) if ops.keys().any(|k| k.starts_with('$')) => {
            return Err(refuse(name, "do not mix operators and values"))
        }
        v => vec![("$eq", v)],
    };
    *terms += ops.len();
    if *terms > MAX_FILTER_TERMS {
        return Err(ApiError::field(
            "filter",
            format!("filter: at most {MAX_FILTER_TERMS} conditions are allowed in one filter"),
        ));
    }
    // Several operators on one field (`{"$gte": a, "$lt": b}`) must all hold.
    let mut all = Vec::with_capacity(ops.len());
    for (op_name, operand) in ops {
        let op = match (Op::parse(op_name), field.kind) {
            (Some(Op::Eq), Kind::Near) => Op::Near,
            (Some(Op::Eq), Kind::Bounds) => Op::WithinBounds,
            (Some(op), _) => op,
            (None, _) => return Err(refuse(name, format!("unknown operator '{op_name}'"))),
        };
        if !field.ops.contains(&op) && !matches!(op, Op::Near | Op::WithinBounds) {
            return Err(refuse(
                name,
                format!("operator '{op_name}' is not supported for this field"),
            ));
        }
        all.push(Cond::Is {
            field: name.to_string(),
            op,
            operand: normalise(name, field.kind, op, operand)?,
        });
    }
    Ok(if all.len() == 1 {
        all.pop().expect("one")
    } else {
        Cond::And(all)
    })
}

/// Checks an operand's shape and turns times into nanoseconds.
fn normalise(name: &str, kind: Kind, op: Op, operand: &Value) -> ApiResult<Value> {
    let time = |v: &Value| -> ApiResult<Value> {
        parse_timestamp(v)
            .map(Value::from)
            .ok_or_else(|| refuse(name, format!("'{v}' is not a timestamp")))
    };
    let values = match operand {
        Value::Array(list) => list.len(),
        Value::Object(map) if op == Op::Contains => map.len(),
        _ => 0,
    };
    if values > MAX_FILTER_VALUES {
        return Err(refuse(
            name,
            format!(
                "{} takes at most {MAX_FILTER_VALUES} values, got {values}",
                op.name()
            ),
        ));
    }
    match op {
        Op::In | Op::Nin => {
            let list = operand
                .as_array()
                .ok_or_else(|| refuse(name, format!("{} takes a list", op.name())))?;
            match kind {
                Kind::Time => Ok(Value::Array(
                    list.iter().map(time).collect::<ApiResult<_>>()?,
                )),
                _ => Ok(operand.clone()),
            }
        }
        Op::Exists => match operand {
            Value::Bool(_) => Ok(operand.clone()),
            _ => Err(refuse(name, "$exists takes true or false")),
        },
        Op::Q | Op::Autocomplete => match operand {
            Value::String(s) if !s.trim().is_empty() => Ok(operand.clone()),
            _ => Err(refuse(
                name,
                format!("{} takes a non-empty string", op.name()),
            )),
        },
        Op::Near | Op::WithinBounds => {
            let wanted: &[&str] = if op == Op::Near {
                &["lat", "lng", "distance"]
            } else {
                &["ne_lat", "ne_lng", "sw_lat", "sw_lng"]
            };
            match wanted
                .iter()
                .find(|k| operand.get(**k).and_then(Value::as_f64).is_none())
            {
                Some(missing) => Err(refuse(name, format!("'{missing}' must be a number"))),
                None => Ok(operand.clone()),
            }
        }
        _ if kind == Kind::Time => time(operand),
        _ => Ok(operand.clone()),
    }
}

impl Cond {
    /// The conditions every match must meet: the top level and nested `$and`s.
    pub fn conjuncts(&self) -> Vec<(&str, Op, &Value)> {
        match self {
            Cond::And(parts) => parts.iter().flat_map(Cond::conjuncts).collect(),
            Cond::Is { field, op, operand } => vec![(field.as_str(), *op, operand)],
            Cond::Or(_) | Cond::Nor(_) => vec![],
        }
    }

    /// Whether a record matches. `get` reads a field's value (`None` when absent).
    pub fn matches(&self, get: &dyn Fn(&str) -> Option<Value>) -> bool {
        match self {
            Cond::And(parts) => parts.iter().all(|c| c.matches(get)),
            Cond::Or(parts) => parts.iter().any(|c| c.matches(get)),
            Cond::Nor(parts) => !parts.iter().any(|c| c.matches(get)),
            Cond::Is { field, op, operand } => test(get(field).as_ref(), *op, operand),
        }
    }
}

/// One condition of a filter that only ANDs conditions together, its operand as strings.
#[derive(Clone, Debug, PartialEq)]
pub struct Term {
    pub field: String,
    pub op: Op,
    pub values: Vec<String>,
}

/// Parses a filter whose conditions must all hold and whose operands are strings (a string
/// or a list of them): the filters of feed reads and of the follow and feed queries, which
/// their indexes answer directly. `$or` and `$nor` are refused there.
pub fn parse_terms(
    raw: Option<&Value>,
    lookup: &dyn Fn(&str) -> Option<Field>,
) -> ApiResult<Vec<Term>> {
    let cond = parse(raw, lookup)?;
    let mut terms = Vec::new();
    collect_terms(&cond, &mut terms)?;
    Ok(terms)
}

fn collect_terms(cond: &Cond, out: &mut Vec<Term>) -> ApiResult<()> {
    match cond {
        Cond::And(parts) => parts.iter().try_for_each(|c| collect_terms(c, out)),
        Cond::Or(_) => Err(refuse("$or", "is not supported here")),
        Cond::Nor(_) => Err(refuse("$nor", "is not supported here")),
        Cond::Is { field, op, operand } => {
            let one = |v: &Value| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| refuse(field, "expected strings"))
            };
            let values = match operand {
                Value::Array(list) => list.iter().map(one).collect::<ApiResult<_>>()?,
                v => vec![one(v)?],
            };
            out.push(Term {
                field: field.clone(),
                op: *op,
                values,
            });
            Ok(())
        }
    }
}

/// Values the conjuncts pin a field to (`$eq` or `$in`), as strings.
pub fn pinned(cond: &Cond, field: &str) -> Option<Vec<String>> {
    cond.conjuncts()
        .into_iter()
        .find_map(|(f, op, operand)| match (f == field, op) {
            (true, Op::Eq) => Some(vec![scalar_string(operand)?]),
            (true, Op::In) => operand
                .as_array()
                .map(|l| l.iter().filter_map(scalar_string).collect()),
            _ => None,
        })
}

/// The time range the conjuncts give a time field: `[from, to)` in nanoseconds.
pub fn time_range(cond: &Cond, field: &str) -> (Option<Nanos>, Option<Nanos>) {
    let (mut from, mut to): (Option<Nanos>, Option<Nanos>) = (None, None);
    for (f, op, operand) in cond.conjuncts() {
        let Some(t) = operand.as_i64().filter(|_| f == field) else {
            continue;
        };
        let (lo, hi) = match op {
            Op::Eq => (Some(t), Some(t.saturating_add(1))),
            Op::Gt => (Some(t.saturating_add(1)), None),
            Op::Gte => (Some(t), None),
            Op::Lt => (None, Some(t)),
            Op::Lte => (None, Some(t.saturating_add(1))),
            _ => (None, None),
        };
        if let Some(lo) = lo {
            from = Some(from.map_or(lo, |f| f.max(lo)));
        }
        if let Some(hi) = hi {
            to = Some(to.map_or(hi, |t| t.min(hi)));
        }
    }
    (from, to)
}

fn scalar_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn test(value: Option<&Value>, op: Op, operand: &Value) -> bool {
    let present = value.filter(|v| !v.is_null());
    match op {
        Op::Exists => present.is_some() == operand.as_bool().unwrap_or(true),
        Op::Ne => !test(value, Op::Eq, operand),
        Op::Nin => !test(value, Op::In, operand),
        _ => {
            let Some(v) = present else { return false };
            match op {
                Op::Eq => match v {
                    // A list field equals a value when it holds it.
                    Value::Array(items) if !operand.is_array() => {
                        items.iter().any(|i| same(i, operand))
                    }
                    _ => same(v, operand),
                },
                Op::In => operand.as_array().is_some_and(|wanted| match v {
                    Value::Array(items) => items.iter().any(|i| wanted.iter().any(|w| same(i, w))),
                    _ => wanted.iter().any(|w| same(v, w)),
                }),
                Op::Contains => match (v, operand) {
                    (Value::Array(items), Value::Array(wanted)) => {
                        wanted.iter().all(|w| items.iter().any(|i| same(i, w)))
                    }
                    (Value::Array(items), w) => items.iter().any(|i| same(i, w)),
                    (Value::String(s), Value::String(w)) => s.contains(w.as_str()),
                    (Value::Object(map), Value::Object(wanted)) => wanted
                        .iter()
                        .all(|(k, w)| map.get(k).is_some_and(|x| same(x, w))),
                    _ => false,
                },
                Op::Gt | Op::Gte | Op::Lt | Op::Lte => compare(v, operand).is_some_and(|o| {
                    use std::cmp::Ordering::*;
                    match op {
                        Op::Gt => o == Greater,
                        Op::Gte => o != Less,
                        Op::Lt => o == Less,
                        _ => o != Greater,
                    }
                }),
                Op::Q => words_match(v, operand, |word, q| word == q),
                Op::Autocomplete => words_match(v, operand, |word, q| word.starts_with(q)),
                Op::Near | Op::WithinBounds => geo(v, op, operand),
                Op::Exists | Op::Ne | Op::Nin => unreachable!("handled above"),
            }
        }
    }
}

fn geo(v: &Value, op: Op, area: &Value) -> bool {
    let num = |x: &Value, k: &str| x.get(k).and_then(Value::as_f64).unwrap_or(f64::NAN);
    let (lat, lng) = (num(v, "lat"), num(v, "lng"));
    if lat.is_nan() || lng.is_nan() {
        return false;
    }
    if op == Op::WithinBounds {
        return (num(area, "sw_lat")..=num(area, "ne_lat")).contains(&lat)
            && (num(area, "sw_lng")..=num(area, "ne_lng")).contains(&lng);
    }
    // Great-circle distance (haversine) on a 6,371 km sphere.
    let (lat2, lng2) = (num(area, "lat").to_radians(), num(area, "lng").to_radians());
    let (lat1, lng1) = (lat.to_radians(), lng.to_radians());
    let h = ((lat2 - lat1) / 2.0).sin().powi(2)
        + lat1.cos() * lat2.cos() * ((lng2 - lng1) / 2.0).sin().powi(2);
    let km = 2.0 * 6_371.0 * h.sqrt().asin();
    km <= num(area, "distance")
}

fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

fn compare(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

/// Lower-cased words of a text (or of every string inside a JSON value).
fn words(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.extend(
            s.split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .map(str::to_lowercase),
        ),
        Value::Array(items) => items.iter().for_each(|i| words(i, out)),
        Value::Object(map) => map.values().for_each(|i| words(i, out)),
        _ => {}
    }
}

fn words_match(v: &Value, query: &Value, hit: impl Fn(&str, &str) -> bool) -> bool {
    let mut text = Vec::new();
    words(v, &mut text);
    let mut wanted = Vec::new();
    words(query, &mut wanted);
    !wanted.is_empty() && wanted.iter().all(|q| text.iter().any(|w| hit(w, q)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(name: &str) -> Option<Field> {
        let (kind, ops) = match name {
            "user_id" => (Kind::Plain, EQ_IN),
            "tags" => (Kind::Plain, TAGS),
            "created_at" => (Kind::Time, RANGE),
            "text" => (Kind::Plain, TEXT),
            "near" => (Kind::Near, EQ_IN),
            "within_bounds" => (Kind::Bounds, EQ_IN),
            n => return custom_field(n),
        };
        Some(Field {
            name: "",
            kind,
            ops,
        })
    }

    fn record(field: &str) -> Option<Value> {
        let custom = json!({"score": 7, "deep": {"er": true}});
        if let Some(v) = custom_value(custom.as_object().unwrap(), field) {
            return Some(v);
        }
        match field {
            "user_id" => Some(json!("amy")),
            "tags" => Some(json!(["news", "tech"])),
            "created_at" => Some(json!(2_000_000_000_000_000_000_i64)),
            "text" => Some(json!("Hello, Brave new World")),
            // Amsterdam.
            "near" | "within_bounds" => Some(json!({"lat": 52.37, "lng": 4.90})),
            _ => None,
        }
    }

    fn check(filter: Value) -> bool {
        parse(Some(&filter), &fields).unwrap().matches(&record)
    }

    #[test]
    fn fields_and_operators() {
        assert!(check(json!({"user_id": "amy"})));
        assert!(!check(json!({"user_id": {"$in": ["bob", "cy"]}})));
        assert!(check(json!({"tags": "tech"})));
        assert!(check(json!({"tags": {"$in": ["x", "news"]}})));
        assert!(check(json!({"tags": {"$contains": ["news", "tech"]}})));
        assert!(!check(json!({"tags": {"$contains": ["news", "sport"]}})));
        assert!(check(
            json!({"created_at": {"$gte": "2033-05-18T03:33:20Z"}})
        ));
        assert!(!check(
            json!({"created_at": {"$gt": "2033-05-18T03:33:20Z"}})
        ));
        assert!(check(json!({"text": {"$q": "brave world"}})));
        assert!(!check(json!({"text": {"$q": "brave worlds"}})));
        assert!(check(json!({"text": {"$autocomplete": "wor"}})));
        assert!(check(json!({"custom.score": {"$gt": 5}})));
        assert!(!check(json!({"custom.score": {"$lte": 5}})));
        assert!(check(json!({"custom.missing": {"$exists": false}})));
        assert!(check(json!({"custom.score": {"$nin": [1, 2]}})));
        assert!(check(json!({"custom.deep.er": true})));
    }

    #[test]
    fn locations() {
        // Utrecht is about 35 km from Amsterdam.
        assert!(check(
            json!({"near": {"lat": 52.09, "lng": 5.12, "distance": 50}})
        ));
        assert!(!check(
            json!({"near": {"lat": 52.09, "lng": 5.12, "distance": 20}})
        ));
        let netherlands = json!({"ne_lat": 53.6, "ne_lng": 7.3, "sw_lat": 50.7, "sw_lng": 3.3});
        assert!(check(json!({ "within_bounds": netherlands })));
        assert!(parse(Some(&json!({"near": {"lat": 1}})), &fields).is_err());
    }

    #[test]
    fn logical_operators() {
        assert!(check(
            json!({"$or": [{"user_id": "bob"}, {"tags": "news"}]})
        ));
        assert!(!check(
            json!({"$and": [{"user_id": "amy"}, {"tags": "sport"}]})
        ));
        assert!(check(json!({"$nor": [{"user_id": "bob"}]})));
    }

    #[test]
    fn bad_filters_name_the_field_and_operator() {
        let err = |f: Value| parse(Some(&f), &fields).unwrap_err().to_string();
        assert!(err(json!({"user_id": {"$gt": "a"}})).contains("$gt"));
        assert!(err(json!({"user_id": {"$near": "a"}})).contains("$near"));
        assert!(err(json!({"colour": "red"})).contains("colour"));
        assert!(err(json!({"created_at": {"$gte": "yesterday"}})).contains("created_at"));
        assert!(err(json!({"user_id": {"$in": "amy"}})).contains("$in"));
        assert!(err(json!({"$or": {"user_id": "a"}})).contains("$or"));
        assert!(err(json!({"user_id": {"$eq": "a", "x": 1}})).contains("user_id"));
    }

    #[test]
    fn list_operands_are_bounded() {
        let values = |n: usize| Value::from((0..n).map(|i| format!("v{i}")).collect::<Vec<_>>());
        let err = |f: Value| parse(Some(&f), &fields).unwrap_err();
        for op in ["$in", "$nin", "$contains", "$all"] {
            let field = if op == "$in" { "tags" } else { "custom.x" };
            let ok = json!({ field: { op: values(MAX_FILTER_VALUES) } });
            assert!(parse(Some(&ok), &fields).is_ok(), "{op}");
            let e = err(json!({ field: { op: values(5000) } }));
            assert_eq!(e.code(), 4);
            let name = if op == "$all" { "$contains" } else { op };
            assert_eq!(
                e.to_string(),
                format!("filter.{field}: {name} takes at most 100 values, got 5000")
            );
        }
        // The plain list form of a tag filter and the object form of `$contains`.
        assert!(err(json!({"tags": values(101)}))
            .to_string()
            .contains("$eq takes at most 100 values, got 101"));
        let big: serde_json::Map<String, Value> =
            (0..101).map(|i| (format!("k{i}"), json!(i))).collect();
        assert!(err(json!({"custom.x": {"$contains": big}}))
            .to_string()
            .contains("at most 100 values"));
        // `parse_terms` (feed reads, follow and feed queries) shares the bound.
        let e = parse_terms(Some(&json!({"user_id": {"$in": values(101)}})), &fields).unwrap_err();
        assert_eq!(e.code(), 4);
        assert!(e
            .to_string()
            .contains("filter.user_id: $in takes at most 100"));
    }

    #[test]
    fn filters_hold_at_most_fifty_conditions() {
        let conds = |n: usize| -> Vec<Value> {
            (0..n)
                .map(|i| json!({ format!("custom.f{i}"): i }))
                .collect()
        };
        let err = |f: Value| parse(Some(&f), &fields).unwrap_err();
        assert!(parse(Some(&json!({"$and": conds(MAX_FILTER_TERMS)})), &fields).is_ok());
        // Across branches: 30 under `$or` and 30 under `$nor`.
        let e = err(json!({"$or": conds(30), "$nor": conds(30)}));
        assert_eq!(e.code(), 4);
        assert!(e.to_string().starts_with("filter: at most 50 conditions"));
        // Nested, and several operators on one field each count.
        let e = err(json!({"$and": [{"$or": conds(40)}, {"$and": conds(10)},
            {"created_at": {"$gte": 1, "$lt": 2}}]}));
        assert!(e.to_string().contains("at most 50 conditions"));
        // Top-level fields count too.
        let flat: serde_json::Map<String, Value> = (0..51)
            .map(|i| (format!("custom.f{i}"), json!(i)))
            .collect();
        assert!(err(Value::Object(flat))
            .to_string()
            .contains("at most 50 conditions"));
        // A logical list of empty filters is bounded as well.
        let e = err(json!({ "$or": vec![json!({}); 51] }));
        assert_eq!(
            e.to_string(),
            "filter.$or: takes at most 50 filters, got 51"
        );
    }

    #[test]
    fn index_hints() {
        let f = json!({"user_id": {"$in": ["a", "b"]}, "created_at": {
            "$gte": 1_000_000_000_000_000_000_i64, "$lt": 2_000_000_000_000_000_000_i64}});
        let c = parse(Some(&f), &fields).unwrap();
        assert_eq!(pinned(&c, "user_id").unwrap(), vec!["a", "b"]);
        assert_eq!(
            time_range(&c, "created_at"),
            (
                Some(1_000_000_000_000_000_000),
                Some(2_000_000_000_000_000_000)
            )
        );
        let or = parse(Some(&json!({"$or": [{"user_id": "a"}]})), &fields).unwrap();
        assert_eq!(pinned(&or, "user_id"), None);
    }
}
