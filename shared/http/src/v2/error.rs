//! The v2 error envelope: `{code, detail, exception, status_code, duration}`, plus
//! `exception_fields` (`{"field": ["message"]}`) only for errors about a field. The v2
//! clients raise when `exception` is present and read `detail` (or the fields).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Map, Value};
use tributary_domain::error::codes;
use tributary_domain::ApiError;

/// What a v2 handler returns.
pub type V2Result<T> = Result<T, V2Error>;

/// An [`ApiError`] on its way to a v2 client.
#[derive(Debug)]
pub struct V2Error(pub ApiError);

impl From<ApiError> for V2Error {
    fn from(e: ApiError) -> Self {
        V2Error(e)
    }
}

#[derive(Debug, Serialize)]
pub struct V2Envelope {
    pub code: i64,
    pub detail: String,
    pub exception: &'static str,
    pub status_code: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exception_fields: Option<Map<String, Value>>,
}

impl V2Error {
    /// The status, code and exception name v2 uses for the error.
    fn kind(&self) -> (u16, i64, &'static str) {
        match &self.0 {
            ApiError::Input { .. } => (400, codes::INPUT, "InputException"),
            ApiError::PayloadTooLarge { .. } => (413, codes::INPUT, "InputException"),
            ApiError::Unauthenticated { code, .. } if *code == codes::API_KEY => {
                (401, codes::API_KEY, "ApiKeyException")
            }
            // Stream's v2 answers a token it cannot accept as not allowed.
            ApiError::Unauthenticated { .. } | ApiError::NotAllowed(_) => {
                (403, codes::NOT_ALLOWED, "NotAllowedException")
            }
            ApiError::NotFound(_) | ApiError::NoRoute(_) => {
                (404, codes::DOES_NOT_EXIST, "DoesNotExistException")
            }
            ApiError::RateLimited { .. } => (429, codes::RATE_LIMITED, "RateLimitReached"),
            ApiError::MissingRanking(_) => (400, codes::MISSING_RANKING, "MissingRankingException"),
            ApiError::Internal { .. } => (500, codes::INTERNAL, "InternalServerError"),
        }
    }

    pub fn envelope(&self) -> V2Envelope {
        let (status_code, code, exception) = self.kind();
        let (detail, exception_fields) = match &self.0 {
            ApiError::Input {
                message,
                field: Some(field),
            } => {
                let mut fields = Map::new();
                fields.insert(field.clone(), Value::from(vec![message.clone()]));
                (message.clone(), Some(fields))
            }
            ApiError::Internal { .. } => ("internal server error".to_string(), None),
            other => (other.to_string(), None),
        };
        V2Envelope {
            code,
            detail,
            exception,
            status_code,
            exception_fields,
        }
    }
}

impl IntoResponse for V2Error {
    fn into_response(self) -> Response {
        self.0.log();
        let envelope = self.envelope();
        let status =
            StatusCode::from_u16(envelope.status_code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, axum::Json(envelope)).into_response();
        if let ApiError::RateLimited { retry_after, .. } = &self.0 {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(*retry_after));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_errors_carry_exception_fields_and_others_do_not() {
        let e = V2Error(ApiError::field("verb", "verb is required")).envelope();
        assert_eq!(
            (e.status_code, e.code, e.exception),
            (400, 4, "InputException")
        );
        assert_eq!(
            e.exception_fields.unwrap()["verb"],
            serde_json::json!(["verb is required"])
        );
        let e = V2Error(ApiError::not_found("no such activity")).envelope();
        assert_eq!((e.status_code, e.code), (404, 16));
        assert!(e.exception_fields.is_none());
        let e = V2Error(ApiError::unauthenticated(2, "bad key")).envelope();
        assert_eq!((e.status_code, e.exception), (401, "ApiKeyException"));
        let e = V2Error(ApiError::unauthenticated(43, "bad signature")).envelope();
        assert_eq!((e.status_code, e.code), (403, 17));
    }
}
