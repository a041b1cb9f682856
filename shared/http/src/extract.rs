//! Extractors that turn malformed input into Stream-style errors instead of axum's plain text.

use axum::body::Bytes;
use axum::extract::{FromRef, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Uri};
use serde::de::DeserializeOwned;

use crate::AppState;
use tributary_domain::caller::Caller;
use tributary_domain::ApiError;
use tributary_domain::ApiResult;

use crate::HttpError;

/// The authenticated caller.
pub struct Auth(pub Caller);

impl<S> FromRequestParts<S> for Auth
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, HttpError> {
        let state = AppState::from_ref(state);
        Ok(Auth(caller_of(&state, &parts.uri, &parts.headers)?))
    }
}

/// Who a request's credentials (`api_key` in the query, the token headers) name.
pub(crate) fn caller_of(state: &AppState, uri: &Uri, headers: &HeaderMap) -> ApiResult<Caller> {
    let api_key = query_value(uri.query(), "api_key");
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    state.auth.authenticate(
        api_key.as_deref(),
        header("stream-auth-type"),
        header("authorization"),
    )
}

pub(crate) fn query_value(query: Option<&str>, name: &str) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query?).ok()?;
    pairs.into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

/// A JSON body. Some clients send POSTs with no body and no Content-Type: that reads as `{}`.
/// A body that does not parse is refused with code 4, naming the field at fault.
pub struct Body<T>(pub T);

impl<S, T> FromRequest<S> for Body<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = HttpError;

    async fn from_request(req: Request, state: &S) -> Result<Self, HttpError> {
        Ok(Body(parse_json(&body_bytes(req, state).await?)?))
    }
}

/// A request's body; an empty one (some clients send POSTs with none) reads as `{}`.
pub(crate) async fn body_bytes<S: Send + Sync>(req: Request, state: &S) -> ApiResult<Bytes> {
    let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
        if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge {
                limit: crate::MAX_BODY_BYTES,
            }
        } else {
            ApiError::input(format!("could not read the request body: {rejection}"))
        }
    })?;
    Ok(if bytes.iter().all(u8::is_ascii_whitespace) {
        Bytes::from_static(b"{}")
    } else {
        bytes
    })
}

/// Parses JSON, naming the path of the first field that does not fit.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> ApiResult<T> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        if path.is_empty() || path == "." {
            ApiError::input(format!("invalid JSON body: {inner}"))
        } else {
            ApiError::field(path.clone(), format!("{path}: {inner}"))
        }
    })
}

/// Query-string parameters, with Stream's conventions: booleans as `true`/`false`.
pub struct QueryParams<T>(pub T);

impl<S, T> FromRequestParts<S> for QueryParams<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = HttpError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, HttpError> {
        let query = parts.uri.query().unwrap_or("");
        let de = serde_urlencoded::Deserializer::new(form_urlencoded_parse(query));
        serde_path_to_error::deserialize(de)
            .map(QueryParams)
            .map_err(|err| {
                let path = err.path().to_string();
                HttpError(ApiError::field(
                    path.clone(),
                    format!("query parameter {path}: {}", err.into_inner()),
                ))
            })
    }
}

fn form_urlencoded_parse(query: &str) -> form_urlencoded::Parse<'_> {
    form_urlencoded::parse(query.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    struct Req {
        #[allow(dead_code)]
        feeds: Vec<String>,
    }

    #[test]
    fn parse_errors_name_the_field() {
        let err = parse_json::<Req>(br#"{"feeds": "user:1"}"#).unwrap_err();
        match err {
            ApiError::Input { field, .. } => assert_eq!(field.as_deref(), Some("feeds")),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn finds_query_values() {
        assert_eq!(
            query_value(Some("a=1&api_key=k%20x"), "api_key").as_deref(),
            Some("k x")
        );
        assert_eq!(query_value(Some("a=1"), "api_key"), None);
    }
}
