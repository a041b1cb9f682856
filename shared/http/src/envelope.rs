//! Adds `duration` to every JSON response and turns anything that is not already Stream's
//! error envelope (unknown routes, wrong methods, oversized bodies) into one.
//!
//! Bodies are JSON objects this service serialized itself, so `duration` is spliced in
//! before the closing brace: the body is never parsed again.

use std::time::Instant;

use axum::body::{to_bytes, Body};
use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use tributary_domain::ApiError;

use crate::HttpError;

/// Responses are built by this service and small; this bounds what the layer buffers.
const MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

pub async fn stream_envelope(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let response = next.run(req).await;
    let status = response.status();
    let response = if is_json(&response) {
        response
    } else if status == StatusCode::METHOD_NOT_ALLOWED {
        method_not_allowed(response)
    } else if status.is_client_error() || status.is_server_error() {
        HttpError(error_for_status(status)).into_response()
    } else {
        return response;
    };
    stamp(response, started)
        .await
        .unwrap_or_else(|e| HttpError(e).into_response())
}

/// Whether a response is JSON (this service's own replies and errors).
pub(crate) fn is_json(response: &Response) -> bool {
    response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

/// The response with `duration` (time since `started`) spliced into its JSON object.
pub(crate) async fn stamp(response: Response, started: Instant) -> Result<Response, ApiError> {
    let (mut parts, body) = response.into_parts();
    let bytes = to_bytes(body, MAX_RESPONSE_BYTES).await.map_err(|err| {
        tracing::error!(error = %err, "could not buffer a response body");
        ApiError::internal_msg("response body")
    })?;
    let patched = with_duration(&bytes, &format_duration(started));
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Ok(Response::from_parts(parts, Body::from(patched)))
}

/// The object in `body` with `"duration": <duration>` as its last member; anything that
/// is not an object is left as it is.
fn with_duration(body: &[u8], duration: &str) -> Vec<u8> {
    let trimmed = body.trim_ascii();
    let (Some(b'{'), Some(b'}')) = (trimmed.first(), trimmed.last()) else {
        return body.to_vec();
    };
    let inner = trimmed[1..trimmed.len() - 1].trim_ascii();
    let mut out = Vec::with_capacity(trimmed.len() + 32);
    out.extend_from_slice(&trimmed[..trimmed.len() - 1]);
    if !inner.is_empty() {
        out.push(b',');
    }
    out.extend_from_slice(br#""duration":""#);
    out.extend_from_slice(duration.as_bytes());
    out.extend_from_slice(b"\"}");
    out
}

/// A path served for other methods only: 405 (with axum's `Allow` header) in Stream's envelope,
/// `StatusCode` 405 and code 16 (no such endpoint).
fn method_not_allowed(original: Response) -> Response {
    let error = ApiError::NoRoute("this method is not supported on this path".into());
    let mut envelope = error.envelope();
    envelope.status_code = StatusCode::METHOD_NOT_ALLOWED.as_u16();
    let mut response = (StatusCode::METHOD_NOT_ALLOWED, axum::Json(envelope)).into_response();
    if let Some(allow) = original.headers().get(header::ALLOW) {
        response.headers_mut().insert(header::ALLOW, allow.clone());
    }
    response
}

fn error_for_status(status: StatusCode) -> ApiError {
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge {
            limit: crate::MAX_BODY_BYTES,
        },
        StatusCode::NOT_FOUND => ApiError::NoRoute("the requested path does not exist".into()),
        s if s.is_client_error() => ApiError::input(format!("request refused: {s}")),
        _ => ApiError::internal_msg(format!("unexpected status {status}")),
    }
}

fn format_duration(started: Instant) -> String {
    format!("{:.2}ms", started.elapsed().as_secs_f64() * 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duration_is_the_last_member() {
        let out = with_duration(br#"{"a":1}"#, "1.00ms");
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["a"], 1);
        assert_eq!(v["duration"], "1.00ms");
        assert_eq!(with_duration(b"{}", "2.00ms"), br#"{"duration":"2.00ms"}"#);
        assert_eq!(with_duration(b"[1]", "2.00ms"), b"[1]");
    }
}
