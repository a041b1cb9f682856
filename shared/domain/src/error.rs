//! One error type for every operation. The HTTP layer maps it to a response in one place;
//! this module says what it means in Stream's terms: the HTTP status, the numeric code
//! (shared across Stream's products) and the envelope clients read
//! (`{code, message, StatusCode, duration, more_info, details, unrecoverable,
//! exception_fields}`).

use serde::Serialize;
use serde_json::{Map, Value};

pub type ApiResult<T> = Result<T, ApiError>;

/// Stream's error codes that Tributary uses.
pub mod codes {
    pub const INTERNAL: i64 = -1;
    pub const API_KEY: i64 = 2;
    pub const INPUT: i64 = 4;
    pub const AUTHENTICATION: i64 = 5;
    pub const RATE_LIMITED: i64 = 9;
    pub const MISSING_RANKING: i64 = 12;
    pub const DOES_NOT_EXIST: i64 = 16;
    pub const NOT_ALLOWED: i64 = 17;
    pub const TOKEN_EXPIRED: i64 = 40;
    pub const TOKEN_NOT_VALID_YET: i64 = 41;
    pub const TOKEN_BEFORE_ISSUED_AT: i64 = 42;
    pub const TOKEN_SIGNATURE_INVALID: i64 = 43;
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Bad input: code 4. `field` names the offending field when there is one.
    #[error("{message}")]
    Input {
        message: String,
        field: Option<String>,
    },
    /// Authentication failed (api key, token): 401 with the given code.
    #[error("{message}")]
    Unauthenticated { code: i64, message: String },
    /// The caller may not do this: code 17, 403.
    #[error("{0}")]
    NotAllowed(String),
    /// What was asked for does not exist: code 16, 404.
    #[error("{0}")]
    NotFound(String),
    /// The request body is larger than the endpoint accepts.
    #[error("request body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    /// The route exists for other methods only, or not at all.
    #[error("{0}")]
    NoRoute(String),
    /// A read names a ranking its feed's group does not have: code 12, 400.
    #[error("{0}")]
    MissingRanking(String),
    /// Too many requests in the current window: code 9, 429, with `Retry-After` seconds.
    #[error("{message}")]
    RateLimited { message: String, retry_after: i64 },
    /// Anything else: logged with its source chain, never shown to the client.
    #[error("internal error: {context}")]
    Internal {
        context: String,
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
}

impl ApiError {
    pub fn input(message: impl Into<String>) -> Self {
        ApiError::Input {
            message: message.into(),
            field: None,
        }
    }

    /// Input error naming the field it concerns.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::Input {
            message: message.into(),
            field: Some(field.into()),
        }
    }

    /// Places an input error inside a list item, e.g. `type` becomes `activities[2].type`.
    pub fn within(self, prefix: &str) -> Self {
        match self {
            ApiError::Input { message, field } => {
                let field = match field {
                    Some(f) => format!("{prefix}.{f}"),
                    None => prefix.to_string(),
                };
                ApiError::Input {
                    message: format!("{prefix}: {message}"),
                    field: Some(field),
                }
            }
            other => other,
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        ApiError::NotFound(message.into())
    }

    pub fn not_allowed(message: impl Into<String>) -> Self {
        ApiError::NotAllowed(message.into())
    }

    pub fn unauthenticated(code: i64, message: impl Into<String>) -> Self {
        ApiError::Unauthenticated {
            code,
            message: message.into(),
        }
    }

    pub fn internal<E>(context: impl Into<String>, source: E) -> Self
    where
        E: std::error::Error + Send + Sync + 'static,
    {
        ApiError::Internal {
            context: context.into(),
            source: Some(Box::new(source)),
        }
    }

    pub fn internal_msg(context: impl Into<String>) -> Self {
        ApiError::Internal {
            context: context.into(),
            source: None,
        }
    }

    /// The HTTP status this error is answered with.
    pub fn status(&self) -> u16 {
        match self {
            ApiError::Input { .. } | ApiError::MissingRanking(_) => 400,
            ApiError::Unauthenticated { .. } => 401,
            ApiError::NotAllowed(_) => 403,
            ApiError::NotFound(_) | ApiError::NoRoute(_) => 404,
            ApiError::PayloadTooLarge { .. } => 413,
            ApiError::RateLimited { .. } => 429,
            ApiError::Internal { .. } => 500,
        }
    }

    pub fn code(&self) -> i64 {
        match self {
            ApiError::Input { .. } | ApiError::PayloadTooLarge { .. } => codes::INPUT,
            ApiError::Unauthenticated { code, .. } => *code,
            ApiError::NotAllowed(_) => codes::NOT_ALLOWED,
            ApiError::NotFound(_) | ApiError::NoRoute(_) => codes::DOES_NOT_EXIST,
            ApiError::RateLimited { .. } => codes::RATE_LIMITED,
            ApiError::MissingRanking(_) => codes::MISSING_RANKING,
            ApiError::Internal { .. } => codes::INTERNAL,
        }
    }

    /// The envelope Stream's clients parse. `duration` is filled in by the timing layer.
    pub fn envelope(&self) -> ErrorEnvelope {
        let mut exception_fields = Map::new();
        let message = match self {
            ApiError::Input {
                message,
                field: Some(field),
            } => {
                exception_fields.insert(field.clone(), Value::String(message.clone()));
                message.clone()
            }
            ApiError::Internal { .. } => "internal server error".to_string(),
            other => other.to_string(),
        };
        ErrorEnvelope {
            code: self.code(),
            message,
            status_code: self.status(),
            more_info: "https://getstream.io/activity-feeds/docs/api/errors/".to_string(),
            details: Vec::new(),
            unrecoverable: matches!(self, ApiError::Input { .. } | ApiError::NotAllowed(_)),
            exception_fields,
        }
    }

    /// Logs internal errors with their whole source chain.
    pub fn log(&self) {
        if let ApiError::Internal { context, source } = self {
            let mut chain = String::new();
            let mut next: Option<&(dyn std::error::Error + 'static)> = source
                .as_deref()
                .map(|e| e as &(dyn std::error::Error + 'static));
            while let Some(err) = next {
                chain.push_str(" <- ");
                chain.push_str(&err.to_string());
                next = err.source();
            }
            tracing::error!(%context, chain = %chain, "internal error");
        }
    }
}

#[derive(Debug, Serialize)]
pub struct ErrorEnvelope {
    pub code: i64,
    pub message: String,
    #[serde(rename = "StatusCode")]
    pub status_code: u16,
    pub more_info: String,
    pub details: Vec<i64>,
    pub unrecoverable: bool,
    pub exception_fields: Map<String, Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_error_names_the_field() {
        let env = ApiError::field("type", "type is a required field").envelope();
        assert_eq!(env.code, 4);
        assert_eq!(env.status_code, 400);
        assert_eq!(env.exception_fields["type"], "type is a required field");
    }

    #[test]
    fn internal_errors_do_not_leak_their_cause() {
        let io = std::io::Error::other("dynamodb exploded at 10.0.0.1");
        let env = ApiError::internal("put activity", io).envelope();
        assert_eq!(env.status_code, 500);
        assert!(!env.message.contains("10.0.0.1"));
    }
}
