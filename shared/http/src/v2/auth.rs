//! v2 tokens. Server code signs scoped tokens: `resource` (`feed`, `follower`, `activities`,
//! `reactions`, `users`, `collections`, `feed_targets`, or `*`), `action` (`read`, `write`,
//! `delete`, or `*`) and `feed_id` (`user1`: group and id without the colon, or `*`); a
//! read-only token is `{resource: "*", action: "read"}`. A token must cover the call it is
//! used for. A token with a `user_id` and no `resource` is a user's: it acts as that user under
//! the permission model. A token with neither acts as the server.

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use serde_json::{Map, Value};
use tributary_domain::caller::Caller;
use tributary_domain::{ApiError, ApiResult};

use crate::AppState;

use super::V2Error;

/// What a call does, as a token's `action` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Read,
    Write,
    Delete,
}

impl Action {
    fn name(self) -> &'static str {
        match self {
            Action::Read => "read",
            Action::Write => "write",
            Action::Delete => "delete",
        }
    }
}

/// The caller of a v2 request and what its token covers.
#[derive(Clone, Debug)]
pub struct V2Caller {
    pub caller: Caller,
    scope: Option<Scope>,
}

#[derive(Clone, Debug)]
struct Scope {
    resource: String,
    action: String,
    feed_id: Option<String>,
}

fn claim(claims: &Map<String, Value>, name: &str) -> Option<String> {
    claims.get(name).and_then(Value::as_str).map(str::to_string)
}

impl V2Caller {
    pub fn from_claims(caller: Caller, claims: &Map<String, Value>) -> V2Caller {
        let scope = claim(claims, "resource").map(|resource| Scope {
            resource,
            action: claim(claims, "action").unwrap_or_else(|| "*".into()),
            feed_id: claim(claims, "feed_id"),
        });
        // A scoped token acts for the app (its user_id, if any, names who reads).
        let caller = match (&scope, caller) {
            (Some(_), _) => Caller::Server,
            (None, caller) => caller,
        };
        V2Caller { caller, scope }
    }

    /// Refuses (403, code 17) a call the token does not cover: `resource`, `action`, and for
    /// feed calls the feed (`fid` as `group:id`).
    pub fn require(&self, resource: &str, action: Action, fid: Option<&str>) -> ApiResult<()> {
        let Some(scope) = &self.scope else {
            return Ok(());
        };
        let resource_ok = scope.resource == "*" || scope.resource == resource;
        let action_ok = scope.action == "*" || scope.action == action.name();
        let feed_ok = match (fid, scope.feed_id.as_deref()) {
            (Some(fid), Some(allowed)) => allowed == "*" || allowed == fid.replace(':', ""),
            _ => true,
        };
        if resource_ok && action_ok && feed_ok {
            Ok(())
        } else {
            Err(ApiError::not_allowed(format!(
                "the token does not allow {} on {resource}{}",
                action.name(),
                fid.map(|f| format!(" of feed {f}")).unwrap_or_default()
            )))
        }
    }
}

/// The authenticated v2 caller.
pub struct V2Auth(pub V2Caller);

impl<S> FromRequestParts<S> for V2Auth
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = V2Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, V2Error> {
        let state = AppState::from_ref(state);
        let api_key = crate::extract::query_value(parts.uri.query(), "api_key");
        let token = parts
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok());
        let (caller, claims) = state
            .auth
            .authenticate_with_claims(api_key.as_deref(), token)?;
        Ok(V2Auth(V2Caller::from_claims(caller, &claims)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn caller(claims: Value) -> V2Caller {
        let map = claims.as_object().unwrap().clone();
        let base = match map.get("user_id") {
            Some(Value::String(u)) => Caller::User(u.clone()),
            _ => Caller::Server,
        };
        V2Caller::from_claims(base, &map)
    }

    #[test]
    fn scoped_tokens_cover_only_their_calls() {
        let feed = caller(json!({"resource": "feed", "action": "read", "feed_id": "user1"}));
        assert!(feed.require("feed", Action::Read, Some("user:1")).is_ok());
        assert!(feed.require("feed", Action::Write, Some("user:1")).is_err());
        assert!(feed.require("feed", Action::Read, Some("user:2")).is_err());
        assert!(feed
            .require("follower", Action::Read, Some("user:1"))
            .is_err());
        let read_only = caller(json!({"resource": "*", "action": "read", "feed_id": "*"}));
        assert!(read_only
            .require("feed", Action::Read, Some("flat:9"))
            .is_ok());
        assert!(read_only
            .require("activities", Action::Write, None)
            .is_err());
        let all = caller(json!({"resource": "*", "action": "*", "feed_id": "*"}));
        assert!(all.require("reactions", Action::Delete, None).is_ok());
        assert!(all.caller.is_server());
        let user = caller(json!({"user_id": "ann"}));
        assert_eq!(user.caller, Caller::User("ann".into()));
        assert!(user
            .require("feed", Action::Write, Some("user:ann"))
            .is_ok());
    }
}
