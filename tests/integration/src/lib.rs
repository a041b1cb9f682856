//! Test harness: serves the real function routers on loopback ports, backed by DynamoDB
//! Local, and gives tests typed request helpers.
//!
//! Needs `AWS_ENDPOINT_URL_DYNAMODB` (DynamoDB Local) and `TABLE_NAME` (a table created from
//! `infra/template.yaml`); `scripts/test` sets both.

use std::net::SocketAddr;

use jsonwebtoken::{encode, EncodingKey, Header};
use serde_json::{json, Value};
use tributary_core::config::AppConfig;
use tributary_core::http::AppState;
use tributary_core::store::Store;

pub const API_KEY: &str = "integration-key";
pub const API_SECRET: &str = "integration-secret";

/// The functions under test, each on its own port, sharing one store.
pub struct TestApp {
    pub store: Store,
    activities: SocketAddr,
    users: SocketAddr,
    http: reqwest::Client,
}

/// A response: status and parsed JSON body.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
}

impl Reply {
    /// Asserts a Stream error envelope with this code and status, and returns the body.
    pub fn expect_error(&self, code: i64, status: u16) -> &Value {
        assert_eq!(
            self.status, status,
            "unexpected status, body: {}",
            self.body
        );
        assert_eq!(
            self.body["code"], code,
            "unexpected code, body: {}",
            self.body
        );
        assert_eq!(self.body["StatusCode"], status);
        for field in ["message", "duration", "more_info", "details"] {
            assert!(
                self.body.get(field).is_some(),
                "error envelope lacks {field}: {}",
                self.body
            );
        }
        &self.body
    }

    pub fn expect_ok(&self) -> &Value {
        assert_eq!(self.status, 200, "expected success, got {}", self.body);
        assert!(
            self.body["duration"]
                .as_str()
                .is_some_and(|d| d.ends_with("ms")),
            "no duration: {}",
            self.body
        );
        &self.body
    }
}

pub fn env_or_panic(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: run the integration tests through scripts/test, which starts DynamoDB Local")
    })
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        let table = env_or_panic("TABLE_NAME");
        env_or_panic("AWS_ENDPOINT_URL_DYNAMODB");
        let store = Store::connect(&table).await;
        let config = AppConfig {
            table_name: table,
            api_key: API_KEY.into(),
            api_secret: API_SECRET.into(),
            fanout_queue_url: None,
        };
        let state = AppState::new(config, store.clone());
        let activities = serve(activities::app(state.clone())).await;
        let users = serve(users::app(state)).await;
        TestApp {
            store,
            activities,
            users,
            http: reqwest::Client::new(),
        }
    }

    fn base_for(&self, path: &str) -> SocketAddr {
        if path.starts_with("/api/v2/feeds/activities") {
            self.activities
        } else {
            self.users
        }
    }

    /// Sends a request with the given token (`None`: no Authorization header).
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        let sep = if path.contains('?') { '&' } else { '?' };
        let url = format!("http://{}{path}{sep}api_key={API_KEY}", self.base_for(path));
        let mut req = self
            .http
            .request(method.parse().expect("method"), url)
            .header("stream-auth-type", "jwt");
        if let Some(token) = token {
            req = req.header("Authorization", token);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.expect("request reaches the test server");
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Reply { status, body }
    }

    /// As the server (a token with no user).
    pub async fn server(&self, method: &str, path: &str, body: Option<Value>) -> Reply {
        self.send(method, path, Some(&server_token()), body).await
    }

    /// As a user, with that user's token.
    pub async fn as_user(
        &self,
        user: &str,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Reply {
        self.send(method, path, Some(&user_token(user)), body).await
    }

    pub async fn upsert_user(&self, id: &str, name: &str) {
        self.server(
            "POST",
            "/api/v2/users",
            Some(json!({"users": {id: {"id": id, "name": name}}})),
        )
        .await
        .expect_ok();
    }

    /// Adds an activity as the server for `user`, returning the activity.
    pub async fn add_activity(&self, user: &str, body: Value) -> Value {
        let mut body = body;
        body["user_id"] = json!(user);
        let reply = self
            .server("POST", "/api/v2/feeds/activities", Some(body))
            .await;
        reply.expect_ok()["activity"].clone()
    }
}

async fn serve(router: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        axum::serve(listener, router).await.expect("serve");
    });
    addr
}

pub fn sign(claims: Value, secret: &str) -> String {
    encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("sign")
}

pub fn server_token() -> String {
    sign(json!({}), API_SECRET)
}

pub fn user_token(user: &str) -> String {
    sign(json!({"user_id": user}), API_SECRET)
}

/// A unique id for this test run, so tests never collide on a shared table.
pub fn unique(prefix: &str) -> String {
    format!(
        "{prefix}-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    )
}
