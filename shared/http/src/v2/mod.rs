//! The v2 dialect's HTTP plumbing (Stream's Feeds API v2, under `/api/v1.0/`): its error
//! envelope, its scoped tokens, and the paths its clients send (with trailing slashes and,
//! for some, double slashes).
//!
//! A v2 family builds an axum router with paths written without a trailing slash and hands
//! it to [`app`]; [`serve`] runs it on Lambda. The wire shapes of v2 records are
//! `tributary-v2`'s.

mod auth;
mod error;
mod extract;

pub use auth::{Action, V2Auth, V2Caller};
pub use error::{V2Error, V2Result};
pub use extract::{bounded_list, parse_each, V2Body, V2Query};

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::Uri;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower::Layer;

use tributary_domain::ApiError;

use crate::AppState;

/// Wraps a v2 family's routes: paths are normalized before routing (repeated and trailing
/// slashes dropped), anything that is not a handler's own answer becomes a v2 error, and
/// every JSON answer carries `duration`.
pub fn app(routes: Router<AppState>, state: AppState) -> V2App {
    let router = routes
        .fallback(|| async {
            V2Error(ApiError::NoRoute(
                "the requested path does not exist".into(),
            ))
        })
        .with_state(state.clone())
        .layer(axum::middleware::from_fn_with_state(
            state,
            crate::usage::count_request,
        ))
        .layer(axum::middleware::from_fn(v2_envelope))
        .layer(DefaultBodyLimit::max(crate::MAX_BODY_BYTES));
    tower::util::MapRequestLayer::new(normalize as fn(Request) -> Request).layer(router)
}

/// A v2 family's service: its router behind path normalization (axum routes after a
/// router's own layers run, so the path is rewritten outside it).
pub type V2App = tower::util::MapRequest<Router, fn(Request) -> Request>;

/// Runs a v2 family on Lambda.
pub async fn serve(app: V2App) -> Result<(), lambda_http::Error> {
    use tower::Service;
    lambda_http::run(tower::service_fn(move |req: lambda_http::Request| {
        let mut app = app.clone();
        async move { app.call(req.map(axum::body::Body::new)).await }
    }))
    .await
}

fn normalize(mut req: Request) -> Request {
    if let Some(path) = normalized_path(req.uri().path()) {
        let rebuilt = match req.uri().query() {
            Some(q) => format!("{path}?{q}"),
            None => path,
        };
        if let Ok(pq) = rebuilt.parse::<axum::http::uri::PathAndQuery>() {
            let mut parts = req.uri().clone().into_parts();
            parts.path_and_query = Some(pq);
            if let Ok(uri) = Uri::from_parts(parts) {
                *req.uri_mut() = uri;
            }
        }
    }
    req
}

/// `/api/v1.0/user//alice/` is `/api/v1.0/user/alice`; `None` when the path is already so.
pub fn normalized_path(path: &str) -> Option<String> {
    let joined = format!(
        "/{}",
        path.split('/')
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("/")
    );
    (joined != path).then_some(joined)
}

/// Adds `duration` to JSON answers and turns bare statuses (405, 413, ...) into v2 errors.
async fn v2_envelope(req: Request, next: Next) -> Response {
    let started = std::time::Instant::now();
    let response = next.run(req).await;
    let status = response.status();
    let response = if crate::envelope::is_json(&response) {
        response
    } else if status.is_client_error() || status.is_server_error() {
        V2Error(match status.as_u16() {
            413 => ApiError::PayloadTooLarge {
                limit: crate::MAX_BODY_BYTES,
            },
            404 | 405 => ApiError::NoRoute("this method is not supported on this path".into()),
            s if s < 500 => ApiError::input(format!("request refused: {status}")),
            _ => ApiError::internal_msg(format!("unexpected status {status}")),
        })
        .into_response()
    } else {
        return response;
    };
    crate::envelope::stamp(response, started)
        .await
        .unwrap_or_else(|e| V2Error(e).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_lose_repeated_and_trailing_slashes() {
        assert_eq!(
            normalized_path("/api/v1.0/user//alice/").as_deref(),
            Some("/api/v1.0/user/alice")
        );
        assert_eq!(
            normalized_path("/api/v1.0/feed/user/1/").as_deref(),
            Some("/api/v1.0/feed/user/1")
        );
        assert_eq!(normalized_path("/api/v1.0/feed/user/1"), None);
    }
}
