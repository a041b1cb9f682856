//! A span for every request, named by Lambda's request id (or the caller's
//! `x-client-request-id` when run outside Lambda), so that every log line a request causes can
//! be found together in CloudWatch; one line at the end gives its status and time.

use std::time::Instant;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use lambda_http::RequestExt;
use tracing::Instrument;

pub async fn request_span(req: Request, next: Next) -> Response {
    let request_id = req
        .lambda_context_ref()
        .map(|c| c.request_id.clone())
        .filter(|id| !id.is_empty())
        .or_else(|| {
            req.headers()
                .get("x-client-request-id")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        })
        .unwrap_or_default();
    let span = tracing::info_span!(
        "request",
        request_id = %request_id,
        method = %req.method(),
        path = %req.uri().path(),
    );
    async move {
        let started = Instant::now();
        let response = next.run(req).await;
        tracing::info!(
            status = response.status().as_u16(),
            ms = started.elapsed().as_millis() as u64,
            "answered"
        );
        response
    }
    .instrument(span)
    .await
}
