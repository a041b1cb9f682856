//! v2 request extractors: the query string (with Python's `True`/`False` and repeated keys)
//! and JSON bodies (which may be arrays), refusing bad input with v2's error.

use axum::extract::Request;
use tributary_domain::{ApiError, ApiResult};

use super::V2Error;

/// Reads a v2 query string into a map of its parameters (the last value of a repeated key
/// wins, except that [`V2Query::all`] gives every value).
pub struct V2Query(pub Vec<(String, String)>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for V2Query {
    type Rejection = V2Error;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, V2Error> {
        let query = parts.uri.query().unwrap_or("");
        Ok(V2Query(
            form_urlencoded::parse(query.as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        ))
    }
}

impl V2Query {
    /// The value of a parameter, when present and not empty.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    /// Every value of a repeated parameter, and the items of comma-separated ones.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .flat_map(|(_, v)| v.split(','))
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect()
    }

    /// A boolean as v2 clients send it: `true`/`false`, Python's `True`/`False`, `1`/`0`.
    pub fn flag(&self, name: &str) -> ApiResult<bool> {
        match self.get(name) {
            None => Ok(false),
            Some(v) => match v.to_ascii_lowercase().as_str() {
                "true" | "1" => Ok(true),
                "false" | "0" => Ok(false),
                _ => Err(ApiError::field(
                    name,
                    format!("{name} must be true or false, got '{v}'"),
                )),
            },
        }
    }

    /// A whole number in `0..=max`, or `default` when absent.
    pub fn number(&self, name: &str, default: usize, max: usize) -> ApiResult<usize> {
        match self.get(name) {
            None => Ok(default),
            Some(v) => match v.parse::<usize>() {
                Ok(n) if n <= max => Ok(n),
                _ => Err(ApiError::field(
                    name,
                    format!("{name} must be a whole number from 0 to {max}, got '{v}'"),
                )),
            },
        }
    }
}

/// A JSON body; an empty body reads as `{}`. A body that does not parse is code 4.
pub struct V2Body(pub serde_json::Value);

impl<S: Send + Sync> axum::extract::FromRequest<S> for V2Body {
    type Rejection = V2Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, V2Error> {
        let bytes = crate::extract::body_bytes(req, state).await?;
        Ok(V2Body(crate::parse_json(&bytes)?))
    }
}

/// The list in `body[field]`, at most `max` items long (v2's batch bodies).
pub fn bounded_list<'a>(
    body: &'a serde_json::Value,
    field: &str,
    max: usize,
) -> ApiResult<&'a Vec<serde_json::Value>> {
    let list = body
        .get(field)
        .and_then(serde_json::Value::as_array)
        .ok_or_else(|| ApiError::field(field, format!("{field} must be a list")))?;
    if list.len() > max {
        return Err(ApiError::field(
            field,
            format!("{field} may hold at most {max} items"),
        ));
    }
    Ok(list)
}

/// Parses every item of a batch before anything is written, naming `field[i]` in an error.
pub fn parse_each<T>(
    list: &[serde_json::Value],
    field: &str,
    parse: impl Fn(&serde_json::Value) -> ApiResult<T>,
) -> ApiResult<Vec<T>> {
    list.iter()
        .enumerate()
        .map(|(i, raw)| parse(raw).map_err(|e| e.within(&format!("{field}[{i}]"))))
        .collect()
}
