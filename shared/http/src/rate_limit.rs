//! Per-user rate limits on every operation (`tributary_domain::rate_limit` has the rules).
//!
//! Each route runs [`guard`] with its operation id. A request with a valid user token is
//! counted against its user, endpoint and platform (one UpdateItem, one write unit):
//!
//! - a read runs at the same time as its count, so the limit adds no round trip to the
//!   read path; a read over the limit is answered 429 instead of its result (it changed
//!   nothing);
//! - anything that may write is counted first and runs only within the limit, so a refused
//!   write changes nothing.
//!
//! Answers to counted requests carry `X-RateLimit-Limit`, `X-RateLimit-Remaining` and
//! `X-RateLimit-Reset` (Unix seconds), which the SDKs read; a refusal is code 9 with
//! `Retry-After`. Server tokens, anonymous callers and requests whose credentials fail are
//! not counted (the last are refused by the handler). When the count itself fails, the request
//! goes through: the limiter never takes the API down with it.

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use tributary_domain::caller::Caller;
use tributary_domain::rate_limit::{endpoint_name, Platform, Standing, Window};
use tributary_domain::time::now_nanos;

use crate::extract::caller_of;
use crate::{AppState, HttpError};

/// Whether an operation only reads: `GET`, the `query_*` operations and `own_batch`.
/// Everything else may write (get-or-create included) and is counted before it runs.
pub fn is_read(method: &Method, operation_id: &str) -> bool {
    method == Method::GET
        || method == Method::HEAD
        || operation_id.starts_with("query_")
        || operation_id == "own_batch"
}

/// The route layer: counts and limits the request, or passes it on untouched.
pub(crate) async fn guard(
    operation_id: &'static str,
    read: bool,
    req: Request,
    next: Next,
) -> Response {
    let Some(state) = req.extensions().get::<AppState>().cloned() else {
        return next.run(req).await;
    };
    let Some(limit) = state.config.user_rate_limit else {
        return next.run(req).await;
    };
    let Ok(Caller::User(user)) = caller_of(&state, req.uri(), req.headers()) else {
        return next.run(req).await;
    };
    let platform = Platform::of_user_client(
        req.headers()
            .get("x-stream-client")
            .and_then(|v| v.to_str().ok()),
    );
    let now = now_nanos() / 1_000_000_000;
    let window = Window::at(now);
    let endpoint = endpoint_name(operation_id);
    let count = state
        .store
        .count_request(&user, window, platform, &endpoint);

    let (count, pending) = if read {
        let (count, response) = tokio::join!(count, next.run(req));
        (count, Pending::Answered(response))
    } else {
        (count.await, Pending::NotRun(req, next))
    };
    let count = match count {
        Ok(count) => count,
        Err(err) => {
            tracing::warn!(error = %err, endpoint, "rate limit count failed; request let through");
            return pending.answer().await;
        }
    };
    let standing = Standing::after(limit, count, window);
    let mut response = if standing.exceeded {
        HttpError(standing.refusal(&endpoint, now)).into_response()
    } else {
        pending.answer().await
    };
    add_headers(response.headers_mut(), &standing);
    response
}

/// A request counted before it runs (a write) or while it ran (a read).
enum Pending {
    Answered(Response),
    NotRun(Request, Next),
}

impl Pending {
    async fn answer(self) -> Response {
        match self {
            Pending::Answered(response) => response,
            Pending::NotRun(req, next) => next.run(req).await,
        }
    }
}

fn add_headers(headers: &mut HeaderMap, standing: &Standing) {
    headers.insert("x-ratelimit-limit", HeaderValue::from(standing.limit));
    headers.insert(
        "x-ratelimit-remaining",
        HeaderValue::from(standing.remaining),
    );
    headers.insert("x-ratelimit-reset", HeaderValue::from(standing.reset));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_are_gets_queries_and_own_batch() {
        assert!(is_read(&Method::GET, "get_activity"));
        assert!(is_read(&Method::POST, "query_activities"));
        assert!(is_read(&Method::POST, "own_batch"));
        assert!(!is_read(&Method::POST, "get_or_create_feed"));
        assert!(!is_read(&Method::POST, "add_activity"));
        assert!(!is_read(&Method::DELETE, "delete_activity"));
    }
}
