//! Authentication as Stream's clients perform it.
//!
//! Every request carries `api_key` in the query and, for `stream-auth-type: jwt`, a raw JWT in
//! `Authorization` signed with HS256 and the app secret. A token without `user_id` is a server
//! token and may act for any user; a user token acts only as its own user.

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

pub use tributary_domain::caller::Caller;
use tributary_domain::error::codes;
use tributary_domain::time::now_nanos;
use tributary_domain::{ApiError, ApiResult};

/// How far in the future a token's `iat` may lie before it is refused (clock skew).
const IAT_SKEW_SECS: i64 = 5;

#[derive(Debug, Deserialize)]
struct Claims {
    #[serde(default)]
    user_id: Option<String>,
    #[serde(default)]
    iat: Option<f64>,
}

/// Verifies api keys and tokens. Built once per cold start.
#[derive(Clone)]
pub struct Authenticator {
    api_key: String,
    key: DecodingKey,
    validation: Validation,
}

impl Authenticator {
    pub fn new(api_key: &str, api_secret: &str) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        // Server tokens carry no claims at all; `exp` is checked when present.
        validation.required_spec_claims.clear();
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.leeway = 0;
        Authenticator {
            api_key: api_key.to_string(),
            key: DecodingKey::from_secret(api_secret.as_bytes()),
            validation,
        }
    }

    /// Checks a request's credentials. `api_key` comes from the query string, `auth_type`
    /// from `stream-auth-type`, `token` from `Authorization`.
    pub fn authenticate(
        &self,
        api_key: Option<&str>,
        auth_type: Option<&str>,
        token: Option<&str>,
    ) -> ApiResult<Caller> {
        match api_key {
            None | Some("") => {
                return Err(ApiError::unauthenticated(
                    codes::API_KEY,
                    "api_key is missing from the query string",
                ))
            }
            Some(key) if key != self.api_key => {
                return Err(ApiError::unauthenticated(
                    codes::API_KEY,
                    "api_key not valid",
                ))
            }
            Some(_) => {}
        }
        let token = token.map(strip_bearer).filter(|t| !t.is_empty());
        match (auth_type.map(str::to_ascii_lowercase).as_deref(), token) {
            (Some("anonymous"), None) => Ok(Caller::Anonymous),
            (_, None) => Err(ApiError::unauthenticated(
                codes::AUTHENTICATION,
                "the Authorization header is missing: send a JWT signed with the app secret",
            )),
            (_, Some(token)) => self.verify(token),
        }
    }

    fn verify(&self, token: &str) -> ApiResult<Caller> {
        let data =
            jsonwebtoken::decode::<Claims>(token, &self.key, &self.validation).map_err(|e| {
                let (code, message) = match e.kind() {
                    ErrorKind::ExpiredSignature => (codes::TOKEN_EXPIRED, "token has expired"),
                    ErrorKind::ImmatureSignature => {
                        (codes::TOKEN_NOT_VALID_YET, "token is not valid yet")
                    }
                    ErrorKind::InvalidSignature
                    | ErrorKind::InvalidAlgorithm
                    | ErrorKind::InvalidAlgorithmName => {
                        (codes::TOKEN_SIGNATURE_INVALID, "token signature is invalid")
                    }
                    _ => (
                        codes::TOKEN_SIGNATURE_INVALID,
                        "token is malformed or its signature is invalid",
                    ),
                };
                ApiError::unauthenticated(code, message)
            })?;
        if let Some(iat) = data.claims.iat {
            let now_secs = now_nanos() / 1_000_000_000;
            if iat as i64 > now_secs + IAT_SKEW_SECS {
                return Err(ApiError::unauthenticated(
                    codes::TOKEN_BEFORE_ISSUED_AT,
                    "token used before its issued-at time",
                ));
            }
        }
        Ok(match data.claims.user_id.filter(|id| !id.is_empty()) {
            Some(user) => Caller::User(user),
            None => Caller::Server,
        })
    }
}

fn strip_bearer(token: &str) -> &str {
    let token = token.trim();
    token.strip_prefix("Bearer ").unwrap_or(token).trim()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{encode, EncodingKey, Header};
    use serde_json::json;

    const KEY: &str = "key";
    const SECRET: &str = "secret";

    fn token(claims: serde_json::Value, alg: Algorithm, secret: &str) -> String {
        encode(
            &Header::new(alg),
            &claims,
            &EncodingKey::from_secret(secret.as_bytes()),
        )
        .unwrap()
    }

    fn auth() -> Authenticator {
        Authenticator::new(KEY, SECRET)
    }

    fn code_of(r: ApiResult<Caller>) -> i64 {
        r.expect_err("should be refused").code()
    }

    fn now() -> i64 {
        now_nanos() / 1_000_000_000
    }

    #[test]
    fn server_and_user_tokens() {
        let server = token(json!({}), Algorithm::HS256, SECRET);
        assert_eq!(
            auth()
                .authenticate(Some(KEY), Some("jwt"), Some(&server))
                .unwrap(),
            Caller::Server
        );
        let node_style = token(json!({"server": true}), Algorithm::HS256, SECRET);
        assert_eq!(
            auth()
                .authenticate(Some(KEY), Some("jwt"), Some(&node_style))
                .unwrap(),
            Caller::Server
        );
        let user = token(
            json!({"user_id": "alice", "iat": now() - 5}),
            Algorithm::HS256,
            SECRET,
        );
        assert_eq!(
            auth()
                .authenticate(Some(KEY), Some("jwt"), Some(&user))
                .unwrap(),
            Caller::User("alice".into())
        );
    }

    #[test]
    fn refuses_bad_keys_and_tokens() {
        let server = token(json!({}), Algorithm::HS256, SECRET);
        assert_eq!(
            code_of(auth().authenticate(Some("other"), Some("jwt"), Some(&server))),
            2
        );
        assert_eq!(
            code_of(auth().authenticate(None, Some("jwt"), Some(&server))),
            2
        );
        assert_eq!(
            code_of(auth().authenticate(Some(KEY), Some("jwt"), None)),
            5
        );
        let wrong_secret = token(json!({}), Algorithm::HS256, "nope");
        assert_eq!(
            code_of(auth().authenticate(Some(KEY), Some("jwt"), Some(&wrong_secret))),
            43
        );
        let other_alg = token(json!({}), Algorithm::HS512, SECRET);
        assert_eq!(
            code_of(auth().authenticate(Some(KEY), Some("jwt"), Some(&other_alg))),
            43
        );
        let expired = token(
            json!({"user_id": "a", "exp": now() - 10}),
            Algorithm::HS256,
            SECRET,
        );
        assert_eq!(
            code_of(auth().authenticate(Some(KEY), Some("jwt"), Some(&expired))),
            40
        );
        let future = token(
            json!({"user_id": "a", "iat": now() + 3600}),
            Algorithm::HS256,
            SECRET,
        );
        assert_eq!(
            code_of(auth().authenticate(Some(KEY), Some("jwt"), Some(&future))),
            42
        );
        let not_yet = token(
            json!({"user_id": "a", "nbf": now() + 3600}),
            Algorithm::HS256,
            SECRET,
        );
        assert_eq!(
            code_of(auth().authenticate(Some(KEY), Some("jwt"), Some(&not_yet))),
            41
        );
        assert_eq!(
            code_of(auth().authenticate(Some(KEY), Some("jwt"), Some("garbage"))),
            43
        );
    }

    #[test]
    fn refuses_unsigned_tokens() {
        use base64::Engine;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let unsigned = format!(
            "{}.{}.",
            b64.encode(br#"{"alg":"none","typ":"JWT"}"#),
            b64.encode(br#"{"user_id":"mallory"}"#)
        );
        assert_eq!(
            code_of(auth().authenticate(Some(KEY), Some("jwt"), Some(&unsigned))),
            43
        );
    }

    #[test]
    fn user_tokens_act_only_as_their_user() {
        let alice = Caller::User("alice".into());
        assert_eq!(alice.acting_user(None).unwrap().as_deref(), Some("alice"));
        assert_eq!(
            alice.acting_user(Some("alice")).unwrap().as_deref(),
            Some("alice")
        );
        assert_eq!(alice.acting_user(Some("bob")).unwrap_err().code(), 17);
        assert_eq!(
            Caller::Server.acting_user(Some("bob")).unwrap().as_deref(),
            Some("bob")
        );
        assert_eq!(Caller::Server.require_user(None).unwrap_err().code(), 4);
        assert!(alice.may_modify("alice").is_ok());
        assert_eq!(alice.may_modify("bob").unwrap_err().code(), 17);
    }
}
