//! Authentication as Stream's clients perform it.
//!
//! Every request carries `api_key` in the query and, for `stream-auth-type: jwt`, a raw JWT in
//! `Authorization` signed with HS256 and the app secret. A token without a `user_id` claim is a
//! server token and may act for any user (the Python SDK signs `{}`, the Node SDK
//! `{"server": true}`); a user token acts only as its own user.
//!
//! The claims are read as a JSON map so that a claim that is absent can be told from one that
//! is `null`, and [`check_claims`] applies the rules:
//!
//! - `user_id`, when present, must be a non-empty string (`null`, `""`, numbers… are code 5);
//! - `exp`, when present, must be a non-negative integer NumericDate (a string, a negative
//!   number or a number with a fraction is code 5); one in the past is code 40;
//! - `iat`, when present, must be a number (integer or float); one further in the future than
//!   the allowed clock skew is code 42.
//!
//! `nbf` is still checked by `jsonwebtoken` (code 41 when in the future).

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Map, Value};

pub use tributary_domain::caller::Caller;
use tributary_domain::error::codes;
use tributary_domain::time::now_nanos;
use tributary_domain::{ApiError, ApiResult};

/// How far in the future a token's `iat` may lie before it is refused (clock skew).
const IAT_SKEW_SECS: i64 = 5;

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
        // Server tokens carry no claims at all. `exp` is checked by `check_claims` (jsonwebtoken
        // silently ignores an `exp` it cannot parse as an unsigned integer).
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
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
        self.verify_claims(token).map(|(caller, _)| caller)
    }

    /// Checks the api key and a token, answering the caller and the token's claims (the v2
    /// dialect scopes tokens by their `resource`, `action` and `feed_id` claims).
    pub fn authenticate_with_claims(
        &self,
        api_key: Option<&str>,
        token: Option<&str>,
    ) -> ApiResult<(Caller, Map<String, Value>)> {
        self.authenticate(api_key, Some("anonymous"), None)?;
        let token = token.map(strip_bearer).filter(|t| !t.is_empty());
        match token {
            None => Err(ApiError::unauthenticated(
                codes::AUTHENTICATION,
                "the Authorization header is missing: send a JWT signed with the app secret",
            )),
            Some(token) => self.verify_claims(token),
        }
    }

    fn verify_claims(&self, token: &str) -> ApiResult<(Caller, Map<String, Value>)> {
        let data = jsonwebtoken::decode::<Map<String, Value>>(token, &self.key, &self.validation)
            .map_err(|e| {
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
        let caller = check_claims(&data.claims, now_nanos() / 1_000_000_000)?;
        Ok((caller, data.claims))
    }
}

/// Applies the claim rules of the module comment to a verified token's claims, at `now_secs`
/// (Unix seconds), and names the caller the token stands for.
fn check_claims(claims: &Map<String, Value>, now_secs: i64) -> ApiResult<Caller> {
    let refuse = |message: &str| ApiError::unauthenticated(codes::AUTHENTICATION, message);
    if let Some(exp) = claims.get("exp") {
        let exp = numeric_date(exp)
            .ok_or_else(|| refuse("token claim exp must be a non-negative integer"))?;
        // As jsonwebtoken with no leeway: valid through the second `exp` itself.
        if i128::from(exp) < i128::from(now_secs) {
            return Err(ApiError::unauthenticated(
                codes::TOKEN_EXPIRED,
                "token has expired",
            ));
        }
    }
    if let Some(iat) = claims.get("iat") {
        let iat = iat
            .as_f64()
            .ok_or_else(|| refuse("token claim iat must be a number"))?;
        if iat as i64 > now_secs + IAT_SKEW_SECS {
            return Err(ApiError::unauthenticated(
                codes::TOKEN_BEFORE_ISSUED_AT,
                "token used before its issued-at time",
            ));
        }
    }
    match claims.get("user_id") {
        None => Ok(Caller::Server),
        Some(Value::String(user)) if !user.is_empty() => Ok(Caller::User(user.clone())),
        Some(_) => Err(refuse(
            "token claim user_id must be a non-empty string (leave it out for a server token)",
        )),
    }
}

/// A NumericDate as `exp` must carry it: a JSON number that is a non-negative integer. A float
/// with no fractional part (`1700000000.0`) is taken as that integer.
fn numeric_date(value: &Value) -> Option<u64> {
    let n = match value {
        Value::Number(n) => n,
        _ => return None,
    };
    if let Some(secs) = n.as_u64() {
        return Some(secs);
    }
    if n.is_f64() {
        let f = n.as_f64()?;
        if f.is_finite() && f >= 0.0 && f.fract() == 0.0 && f < u64::MAX as f64 {
            return Some(f as u64);
        }
    }
    None
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

    fn verify(claims: serde_json::Value) -> ApiResult<Caller> {
        let t = token(claims, Algorithm::HS256, SECRET);
        auth().authenticate(Some(KEY), Some("jwt"), Some(&t))
    }

    /// The refusal's code (after checking it is a 401) and whether its message names `word`.
    fn refusal(claims: serde_json::Value, word: &str) -> (i64, bool) {
        let e = verify(claims).expect_err("should be refused");
        assert_eq!(e.status(), 401);
        (e.code(), e.to_string().contains(word))
    }

    #[test]
    fn refuses_user_id_that_is_not_a_non_empty_string() {
        assert_eq!(refusal(json!({"user_id": ""}), "user_id"), (5, true));
        assert_eq!(refusal(json!({"user_id": null}), "user_id"), (5, true));
        assert_eq!(refusal(json!({"user_id": 42}), "user_id"), (5, true));
        assert_eq!(refusal(json!({"user_id": ["a"]}), "user_id"), (5, true));
    }

    #[test]
    fn exp_must_be_a_non_negative_integer() {
        let later = now() + 3600;
        assert_eq!(refusal(json!({"exp": later.to_string()}), "exp"), (5, true));
        assert_eq!(
            refusal(json!({"user_id": "a", "exp": later.to_string()}), "exp"),
            (5, true)
        );
        assert_eq!(
            refusal(json!({"user_id": "a", "exp": -1}), "exp"),
            (5, true)
        );
        assert_eq!(
            refusal(json!({"user_id": "a", "exp": later as f64 + 0.5}), "exp"),
            (5, true)
        );
        assert_eq!(
            refusal(json!({"user_id": "a", "exp": null}), "exp"),
            (5, true)
        );
        assert_eq!(
            code_of(verify(json!({"user_id": "a", "exp": now() - 10}))),
            40
        );
        assert_eq!(code_of(verify(json!({"exp": 0}))), 40);
        assert_eq!(
            verify(json!({"user_id": "a", "exp": later})).unwrap(),
            Caller::User("a".into())
        );
        assert_eq!(
            verify(json!({"user_id": "a", "exp": later as f64})).unwrap(),
            Caller::User("a".into())
        );
    }

    #[test]
    fn iat_must_be_a_number() {
        assert_eq!(
            refusal(json!({"user_id": "a", "iat": now().to_string()}), "iat"),
            (5, true)
        );
        assert_eq!(refusal(json!({"iat": null}), "iat"), (5, true));
        assert_eq!(
            verify(json!({"user_id": "a", "iat": now() - 5})).unwrap(),
            Caller::User("a".into())
        );
        assert_eq!(
            verify(json!({"user_id": "a", "iat": now() as f64 - 4.25})).unwrap(),
            Caller::User("a".into())
        );
        assert_eq!(
            code_of(verify(
                json!({"user_id": "a", "iat": now() as f64 + 3600.5})
            )),
            42
        );
    }

    #[test]
    fn check_claims_at_a_fixed_time() {
        let claims = |v: serde_json::Value| v.as_object().unwrap().clone();
        let at = 1_700_000_000;
        assert_eq!(
            check_claims(&claims(json!({"exp": at})), at).unwrap(),
            Caller::Server
        );
        assert_eq!(
            check_claims(&claims(json!({"exp": at - 1})), at)
                .unwrap_err()
                .code(),
            40
        );
        assert_eq!(
            check_claims(&claims(json!({"exp": u64::MAX})), at).unwrap(),
            Caller::Server
        );
        assert_eq!(
            check_claims(&claims(json!({"iat": at + 5})), at).unwrap(),
            Caller::Server
        );
        assert_eq!(
            check_claims(&claims(json!({"iat": at + 6})), at)
                .unwrap_err()
                .code(),
            42
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
