//! Adds `duration` to every JSON response and turns anything that is not already Stream's
//! error envelope (unknown routes, wrong methods, oversized bodies) into one.

use std::time::Instant;

use axum::body::{to_bytes, Body};
use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::ApiError;

/// Responses are built by this service and small; this bounds what the layer buffers.
const MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

pub async fn stream_envelope(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let response = next.run(req).await;
    let (mut parts, body) = response.into_parts();

    let is_json = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));

    if !is_json {
        if parts.status.is_client_error() || parts.status.is_server_error() {
            return with_duration(error_for_status(parts.status).into_response(), started).await;
        }
        return Response::from_parts(parts, body);
    }

    let bytes = match to_bytes(body, MAX_RESPONSE_BYTES).await {
        Ok(bytes) => bytes,
        Err(err) => {
            tracing::error!(error = %err, "could not buffer a response body");
            return ApiError::internal_msg("response body").into_response();
        }
    };
    let patched = match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(mut map)) => {
            map.insert("duration".into(), Value::String(format_duration(started)));
            serde_json::to_vec(&Value::Object(map)).unwrap_or_else(|_| bytes.to_vec())
        }
        _ => bytes.to_vec(),
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Response::from_parts(parts, Body::from(patched))
}

async fn with_duration(response: Response, started: Instant) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = to_bytes(body, MAX_RESPONSE_BYTES).await.unwrap_or_default();
    let mut value: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut value {
        map.insert("duration".into(), Value::String(format_duration(started)));
    }
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(
        parts,
        Body::from(serde_json::to_vec(&value).unwrap_or_default()),
    )
}

fn error_for_status(status: StatusCode) -> ApiError {
    match status {
        StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge {
            limit: crate::http::MAX_BODY_BYTES,
        },
        StatusCode::METHOD_NOT_ALLOWED => {
            ApiError::NoRoute("this method is not supported on this path".into())
        }
        StatusCode::NOT_FOUND => ApiError::NoRoute("the requested path does not exist".into()),
        s if s.is_client_error() => ApiError::input(format!("request refused: {s}")),
        _ => ApiError::internal_msg(format!("unexpected status {status}")),
    }
}

fn format_duration(started: Instant) -> String {
    format!("{:.2}ms", started.elapsed().as_secs_f64() * 1000.0)
}
