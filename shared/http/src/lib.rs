//! HTTP plumbing every endpoint family shares.
//!
//! A family builds an axum `Router<AppState>` of thin handlers and hands it to [`app`], which
//! adds what every endpoint needs: the body limit, Stream's error envelope for anything that
//! is not a handler's own answer, `duration` on every response, and a span per request that
//! carries its request id. [`serve`] runs it on Lambda.

pub mod auth;
pub mod config;
pub mod cursor;
mod envelope;
mod error;
mod extract;
pub mod paging;
pub mod rate_limit;
pub mod routes;
mod span;
mod state;
pub mod usage;
pub mod v2;

pub use error::{HttpError, HttpResult};
pub use extract::{parse_json, Auth, Body, QueryParams};
pub use routes::{Operation, ParamType, Routes};
pub use state::AppState;

use axum::extract::DefaultBodyLimit;
use axum::Router;

use tributary_domain::ApiError;

/// The largest request body any endpoint accepts. Stream's own limits are smaller per
/// object (10 KB an activity); this bounds batches.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Wraps a family's routes with the shared layers.
pub fn app(routes: Router<AppState>, state: AppState) -> Router {
    routes
        .fallback(|| async {
            HttpError(ApiError::NoRoute(
                "the requested path does not exist".into(),
            ))
        })
        .with_state(state.clone())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            usage::count_request,
        ))
        // The routes' rate-limit layers reach the store through this.
        .layer(axum::Extension(state))
        .layer(axum::middleware::from_fn(envelope::stream_envelope))
        .layer(axum::middleware::from_fn(span::request_span))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
}

/// Runs a router as a Lambda function behind API Gateway (or `cargo lambda watch`).
pub async fn serve(app: Router) -> Result<(), lambda_http::Error> {
    lambda_http::run(app).await
}

/// Logging set up once per cold start; `RUST_LOG` filters by target and level (`info`,
/// `tributary_store=debug,info`). A plain target filter rather than `EnvFilter`: the span
/// and field matching it adds is unused here and would put a regular-expression engine in
/// every function.
pub fn init_tracing() {
    use tracing_subscriber::{filter::Targets, fmt, prelude::*};
    let filter = std::env::var("RUST_LOG")
        .ok()
        .and_then(|directives| directives.parse::<Targets>().ok())
        .unwrap_or_else(|| Targets::new().with_default(tracing::Level::INFO));
    let layer = fmt::layer().without_time().with_target(false);
    let registry = tracing_subscriber::registry().with(filter);
    // Lambda's JSON log format (the template's `LoggingConfig`) sets this: one JSON object a
    // line, with `level`, so CloudWatch can filter and query the fields.
    let _ = if std::env::var("AWS_LAMBDA_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"))
    {
        registry.with(layer.json().flatten_event(true)).try_init()
    } else {
        registry.with(layer).try_init()
    };
}
