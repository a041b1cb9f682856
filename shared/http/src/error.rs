//! The one place an error becomes an HTTP response: Stream's envelope with the error's
//! status, internal errors logged with their source chain and never shown.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use tributary_domain::ApiError;

/// What a handler returns.
pub type HttpResult<T> = Result<T, HttpError>;

/// An [`ApiError`] on its way to the client. Handlers use `?` on domain results; the
/// conversion is automatic.
#[derive(Debug)]
pub struct HttpError(pub ApiError);

impl From<ApiError> for HttpError {
    fn from(e: ApiError) -> Self {
        HttpError(e)
    }
}

impl IntoResponse for HttpError {
    fn into_response(self) -> Response {
        self.0.log();
        let status =
            StatusCode::from_u16(self.0.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, axum::Json(self.0.envelope())).into_response();
        if let ApiError::RateLimited { retry_after, .. } = &self.0 {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(*retry_after));
        }
        response
    }
}
