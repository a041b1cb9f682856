//! The WebSocket API (API Gateway's `$connect`, `$default` and `$disconnect` routes), as
//! Stream's clients speak it:
//!
//! 1. `$connect` (`/api/v2/connect?api_key=…&stream-auth-type=jwt`): the api key is checked;
//!    a wrong one refuses the handshake.
//! 2. The client's first message, `{"token", "user_details", "products"}`: the token is
//!    verified, the user upserted from `user_details` (as Stream does), the connection
//!    recorded, and `{"type": "connection.ok", "connection_id", "me"}` sent back. A bad or
//!    expired token gets a `connection.error` carrying Stream's error (code 40 for an
//!    expired token, so the client fetches a new one), and the socket is closed.
//! 3. `health.check` messages are answered with a health check.
//! 4. `$disconnect` forgets the connection and every feed it watched.
//!
//! Frames go to the client through the management API ([`Publisher`]); route answers carry
//! only a status.

use std::collections::HashMap;

use aws_lambda_events::apigw::{ApiGatewayProxyResponse, ApiGatewayWebsocketProxyRequest};
use serde_json::{json, Map, Value};
use tributary_domain::caller::Caller;
use tributary_domain::model::user::User;
use tributary_domain::time::now_nanos;
use tributary_domain::{ApiError, ApiResult};
use tributary_http::AppState;
use tributary_tasks::realtime::Publisher;
use tributary_v3::responses::UserResponse;

pub struct Realtime {
    state: AppState,
    publisher: Publisher,
}

fn status(code: i64) -> ApiGatewayProxyResponse {
    let mut response = ApiGatewayProxyResponse::default();
    response.status_code = code;
    response
}

impl Realtime {
    pub fn new(state: AppState, publisher: Publisher) -> Self {
        Realtime { state, publisher }
    }

    pub async fn handle(&self, req: ApiGatewayWebsocketProxyRequest) -> ApiGatewayProxyResponse {
        let connection = req
            .request_context
            .connection_id
            .clone()
            .unwrap_or_default();
        let route = req.request_context.route_key.clone().unwrap_or_default();
        let result = match route.as_str() {
            "$connect" => return self.connect(&req.query_string_parameters),
            "$disconnect" => self.state.store.drop_connection(&connection).await,
            _ => {
                self.message(&connection, req.body.as_deref().unwrap_or_default())
                    .await
            }
        };
        match result {
            Ok(()) => status(200),
            Err(e) => {
                e.log();
                status(500)
            }
        }
    }

    /// The handshake: only the api key is known yet (the token comes in the first message).
    fn connect(&self, query: &aws_lambda_events::query_map::QueryMap) -> ApiGatewayProxyResponse {
        match self
            .state
            .auth
            .authenticate(query.first("api_key"), Some("anonymous"), None)
        {
            Ok(_) => status(200),
            Err(e) => status(i64::from(e.status())),
        }
    }

    async fn message(&self, connection: &str, body: &str) -> ApiResult<()> {
        let Ok(message) = serde_json::from_str::<Value>(body) else {
            return Ok(());
        };
        // Health checks come as a list of events; the sign-in as one object.
        let events: Vec<Value> = match message {
            Value::Array(list) => list,
            other => vec![other],
        };
        for event in events {
            if event.get("token").is_some() {
                self.sign_in(connection, &event).await?;
            } else if event["type"] == "health.check" {
                let frame = json!({"type": "health.check", "connection_id": connection,
                                   "cid": "*", "created_at": now_nanos()});
                self.publisher.send(connection, &frame).await?;
            }
        }
        Ok(())
    }

    async fn sign_in(&self, connection: &str, event: &Value) -> ApiResult<()> {
        let token = event["token"].as_str();
        let api_key = self.state.config.api_key.clone();
        let user_id = match self
            .state
            .auth
            .authenticate(Some(&api_key), Some("jwt"), token)
        {
            Ok(Caller::User(id)) => Ok(id),
            Ok(_) => Err(ApiError::unauthenticated(
                tributary_domain::error::codes::AUTHENTICATION,
                "a WebSocket connection needs a user token",
            )),
            Err(e) => Err(e),
        };
        let user_id = match user_id {
            Ok(id) => id,
            Err(e) => return self.refuse(connection, &e).await,
        };
        let details = event["user_details"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        if details
            .get("id")
            .and_then(Value::as_str)
            .is_some_and(|id| id != user_id)
        {
            let e = ApiError::not_allowed("user_details.id is not the token's user");
            return self.refuse(connection, &e).await;
        }
        let me = self.upsert_me(&user_id, &details).await?;
        self.state
            .store
            .put_connection(connection, &user_id)
            .await?;
        let mut me = serde_json::to_value(UserResponse::from(&me)).unwrap_or_default();
        for list in ["devices", "mutes", "channel_mutes"] {
            me[list] = json!([]);
        }
        let frame = json!({"type": "connection.ok", "connection_id": connection, "cid": "*",
                           "me": me, "created_at": now_nanos()});
        self.publisher.send(connection, &frame).await?;
        Ok(())
    }

    /// The user as the connection's `user_details` describe them: name, image and custom
    /// data are taken from them, the rest (role, teams) kept.
    async fn upsert_me(&self, user_id: &str, details: &Map<String, Value>) -> ApiResult<User> {
        let store = &self.state.store;
        let existing: HashMap<String, User> = store.get_users([user_id]).await?;
        let now = now_nanos();
        let mut user = existing.get(user_id).cloned().unwrap_or_else(|| {
            let mut u = User::placeholder(user_id);
            u.created_at = now;
            u
        });
        let known = [
            "id",
            "name",
            "image",
            "role",
            "teams",
            "language",
            "invisible",
        ];
        let mut changed = existing.is_empty();
        if let Some(name) = details.get("name").and_then(Value::as_str) {
            changed |= user.name.as_deref() != Some(name);
            user.name = Some(name.to_string());
        }
        if let Some(image) = details.get("image").and_then(Value::as_str) {
            changed |= user.image.as_deref() != Some(image);
            user.image = Some(image.to_string());
        }
        for (k, v) in details.iter().filter(|(k, _)| !known.contains(&k.as_str())) {
            if k == "custom" {
                if let Some(custom) = v.as_object() {
                    for (ck, cv) in custom {
                        changed |= user.custom.get(ck) != Some(cv);
                        user.custom.insert(ck.clone(), cv.clone());
                    }
                }
            } else {
                changed |= user.custom.get(k) != Some(v);
                user.custom.insert(k.clone(), v.clone());
            }
        }
        if !changed {
            return Ok(user);
        }
        user.updated_at = now;
        tributary_domain::validate::document("user_details", &Value::Object(user.custom.clone()))?;
        Ok(store
            .upsert_users(vec![user.clone()])
            .await?
            .pop()
            .unwrap_or(user))
    }

    /// Tells the client why it may not connect, in Stream's error shape, and closes.
    async fn refuse(&self, connection: &str, e: &ApiError) -> ApiResult<()> {
        let envelope = e.envelope();
        let frame = json!({"type": "connection.error", "connection_id": connection,
                           "error": envelope, "created_at": now_nanos()});
        self.publisher.send(connection, &frame).await?;
        self.publisher.close(connection).await
    }
}
