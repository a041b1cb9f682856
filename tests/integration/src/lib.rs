//! Test harness: serves the real function routers on loopback ports, backed by DynamoDB
//! Local, and gives tests typed request helpers.
//!
//! Needs `AWS_ENDPOINT_URL_DYNAMODB` (DynamoDB Local), `TABLE_NAME` (a table created from
//! `infra/template.yaml`), `AWS_ENDPOINT_URL_SQS` and `TASK_QUEUE_URL` (the SQS stand-in's
//! task queue); `scripts/test` sets them all.

pub mod bench;
pub mod openapi;
pub mod realtime;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use aws_sdk_sqs::types::QueueAttributeName;

use jsonwebtoken::{encode, EncodingKey, Header};
use serde_json::{json, Value};
use tributary_http::config::AppConfig;
use tributary_http::AppState;
use tributary_store::{CapacitySnapshot, Store};
use tributary_tasks::queue::TaskQueue;

pub const API_KEY: &str = "integration-key";
pub const API_SECRET: &str = "integration-secret";

/// The functions under test, each on its own port, sharing one store.
pub struct TestApp {
    pub store: Store,
    pub queue: TaskQueue,
    activities: SocketAddr,
    feeds: SocketAddr,
    follows: SocketAddr,
    reactions: SocketAddr,
    comments: SocketAddr,
    users: SocketAddr,
    v2_feeds: SocketAddr,
    v2_activities: SocketAddr,
    v2_reactions: SocketAddr,
    v2_users: SocketAddr,
    http: reqwest::Client,
    /// Delivers realtime events in [`TestApp::settle_fanout`], when the app has a
    /// realtime endpoint ([`TestApp::spawn_with_realtime`]).
    pub publisher: Option<tributary_tasks::realtime::Publisher>,
    /// The state the functions share (the worker renders events with it).
    pub state: AppState,
    /// The WebSocket API's function, when the app has a realtime endpoint.
    pub realtime: Option<std::sync::Arc<::realtime::Realtime>>,
}

/// A response: status and parsed JSON body.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
    pub headers: reqwest::header::HeaderMap,
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

/// `PULL_FOLLOWER_THRESHOLD` as deployed by default.
const DEFAULT_PULL: Option<i64> = Some(tributary_http::config::DEFAULT_PULL_FOLLOWER_THRESHOLD);

impl TestApp {
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with(None).await
    }

    /// With `HIDE_ACTIVITIES_AFTER` set to `hide_after`.
    pub async fn spawn_with(hide_after: Option<tributary_domain::time::Nanos>) -> TestApp {
        TestApp::spawn_configured(
            hide_after,
            Some(tributary_domain::rate_limit::DEFAULT_USER_LIMIT),
        )
        .await
    }

    /// With `USER_RATE_LIMIT` set to `limit` requests a minute (`None`: off).
    pub async fn spawn_with_user_rate_limit(limit: Option<u32>) -> TestApp {
        TestApp::spawn_configured(None, limit).await
    }

    /// With `INLINE_FANOUT` set to `followers`.
    pub async fn spawn_with_inline_fanout(followers: usize) -> TestApp {
        TestApp::spawn_full(
            None,
            Some(tributary_domain::rate_limit::DEFAULT_USER_LIMIT),
            followers,
            None,
            DEFAULT_PULL,
        )
        .await
    }

    /// With `PULL_FOLLOWER_THRESHOLD` set to `followers` (`None`: off).
    pub async fn spawn_with_pull_threshold(followers: Option<i64>) -> TestApp {
        TestApp::spawn_full(
            None,
            Some(tributary_domain::rate_limit::DEFAULT_USER_LIMIT),
            tributary_http::config::DEFAULT_INLINE_FANOUT,
            None,
            followers,
        )
        .await
    }

    /// With a realtime endpoint: the WebSocket API's management API at `endpoint`.
    pub async fn spawn_with_realtime(endpoint: &str) -> TestApp {
        TestApp::spawn_full(
            None,
            Some(tributary_domain::rate_limit::DEFAULT_USER_LIMIT),
            tributary_http::config::DEFAULT_INLINE_FANOUT,
            Some(endpoint.to_string()),
            DEFAULT_PULL,
        )
        .await
    }

    async fn spawn_configured(
        hide_after: Option<tributary_domain::time::Nanos>,
        user_rate_limit: Option<u32>,
    ) -> TestApp {
        TestApp::spawn_full(
            hide_after,
            user_rate_limit,
            tributary_http::config::DEFAULT_INLINE_FANOUT,
            None,
            DEFAULT_PULL,
        )
        .await
    }

    async fn spawn_full(
        hide_after: Option<tributary_domain::time::Nanos>,
        user_rate_limit: Option<u32>,
        inline_fanout: usize,
        realtime_endpoint: Option<String>,
        pull_follower_threshold: Option<i64>,
    ) -> TestApp {
        let table = env_or_panic("TABLE_NAME");
        env_or_panic("AWS_ENDPOINT_URL_DYNAMODB");
        let queue_url = env_or_panic("TASK_QUEUE_URL");
        env_or_panic("AWS_ENDPOINT_URL_SQS");
        let store = Store::connect(&table).await;
        let queue = TaskQueue::connect(&queue_url).await;
        let config = AppConfig {
            table_name: table,
            api_key: API_KEY.into(),
            api_secret: API_SECRET.into(),
            task_queue_url: Some(queue_url),
            hide_activities_after: hide_after,
            user_rate_limit,
            inline_fanout,
            realtime_endpoint: realtime_endpoint.clone(),
            // Usage counts are written only when asked (the usage query does): request costs
            // measured here stay those of the request's own work.
            usage_flush: None,
            // Settings changes apply to the next request, as on the local stack.
            settings_ttl: std::time::Duration::ZERO,
            pull_follower_threshold,
        };
        let state = AppState::new(config, store.clone(), Some(queue.clone()));
        let publisher = match &realtime_endpoint {
            Some(url) => Some(tributary_tasks::realtime::Publisher::connect(url).await),
            None => None,
        };
        let realtime = publisher
            .clone()
            .map(|p| std::sync::Arc::new(::realtime::Realtime::new(state.clone(), p)));
        let activities = serve(activities::app(state.clone())).await;
        let feeds = serve(feeds::app(state.clone())).await;
        let follows = serve(follows::app(state.clone())).await;
        let reactions = serve(reactions::app(state.clone())).await;
        let comments = serve(comments::app(state.clone())).await;
        let users = serve(users::app(state.clone())).await;
        let v2_feeds = serve_v2(v2_feeds::app(state.clone())).await;
        let v2_activities = serve_v2(v2_activities::app(state.clone())).await;
        let v2_reactions = serve_v2(v2_reactions::app(state.clone())).await;
        let worker_state = state.clone();
        let v2_users = serve_v2(v2_users::app(state)).await;
        TestApp {
            store,
            queue,
            activities,
            feeds,
            follows,
            reactions,
            comments,
            users,
            v2_feeds,
            v2_activities,
            v2_reactions,
            v2_users,
            http: reqwest::Client::new(),
            publisher,
            realtime,
            state: worker_state,
        }
    }

    /// Runs queued fan-out work through the real fan-out handler, as Lambda's SQS event
    /// source would, until the queue is empty. Tests share the queue, so this also runs
    /// other tests' work, which is harmless: tasks are idempotent.
    pub async fn settle_fanout(&self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let received = self
                .queue
                .client()
                .receive_message()
                .queue_url(self.queue.url())
                .max_number_of_messages(10)
                .visibility_timeout(30)
                // The queue long-polls by default; here an empty answer should come at once.
                .wait_time_seconds(0)
                .send()
                .await
                .expect("receive from the task queue");
            let messages = received.messages.unwrap_or_default();
            if messages.is_empty() {
                if self.queue_is_idle().await {
                    return;
                }
                assert!(
                    Instant::now() < deadline,
                    "task queue did not settle within 60 s"
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
            let mut event = SqsEvent::default();
            event.records = messages
                .iter()
                .map(|m| {
                    let mut record = SqsMessage::default();
                    record.message_id = m.message_id.clone();
                    record.receipt_handle = m.receipt_handle.clone();
                    record.body = m.body.clone();
                    record
                })
                .collect();
            let response =
                worker::handle(&self.state, &self.queue, self.publisher.as_ref(), event).await;
            let failed: Vec<String> = response
                .batch_item_failures
                .into_iter()
                .map(|f| f.item_identifier)
                .collect();
            assert!(failed.is_empty(), "fan-out tasks failed: {failed:?}");
            for m in messages {
                self.queue
                    .client()
                    .delete_message()
                    .queue_url(self.queue.url())
                    .receipt_handle(m.receipt_handle.unwrap_or_default())
                    .send()
                    .await
                    .expect("delete a handled message");
            }
        }
    }

    async fn queue_is_idle(&self) -> bool {
        let attrs = self
            .queue
            .client()
            .get_queue_attributes()
            .queue_url(self.queue.url())
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
            .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
            .send()
            .await
            .expect("queue attributes");
        let count = |name: QueueAttributeName| {
            attrs
                .attributes()
                .and_then(|a| a.get(&name))
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0)
        };
        count(QueueAttributeName::ApproximateNumberOfMessages) == 0
            && count(QueueAttributeName::ApproximateNumberOfMessagesNotVisible) == 0
    }

    fn base_for(&self, path: &str) -> SocketAddr {
        if ["/api/v1.0/", "/analytics/v1.0/", "/personalization/v1.0/"]
            .iter()
            .any(|p| path.starts_with(p))
        {
            return self.v2_base_for(path);
        }
        let family = |prefix: &str| path.starts_with(prefix);
        let route = path.split('?').next().unwrap_or(path);
        if family("/api/v2/feeds/activities")
            && (route.contains("/reactions/") || route.ends_with("/reactions"))
        {
            self.reactions
        } else if family("/api/v2/feeds/activities") && route.contains("/polls/") {
            // Poll votes: no gateway route covers them but the catch-all, to users.
            self.users
        } else if family("/api/v2/feeds/users/") || family("/api/v2/tasks/") {
            self.users
        } else if family("/api/v2/feeds/comments") {
            self.comments
        } else if family("/api/v2/feeds/activities")
            || family("/api/v2/feeds/bookmarks/")
            || family("/api/v2/feeds/bookmark_folders/")
        {
            self.activities
        } else if family("/api/v2/feeds/feed_groups")
            || family("/api/v2/feeds/feeds/")
            || family("/api/v2/feeds/membership_levels")
            || family("/api/v2/feeds/feed_visibilities")
        {
            self.feeds
        } else if family("/api/v2/feeds/follows") || family("/api/v2/feeds/unfollow/") {
            self.follows
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
        self.send_as("jwt", method, path, token, body, &[]).await
    }

    /// As a user, with that user's token and extra request headers.
    pub async fn as_user_with(
        &self,
        user: &str,
        method: &str,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let token = user_token(user);
        self.send_as("jwt", method, path, Some(&token), body, headers)
            .await
    }

    /// As an anonymous caller (`stream-auth-type: anonymous`, no token).
    pub async fn anonymous(&self, method: &str, path: &str, body: Option<Value>) -> Reply {
        self.send_as("anonymous", method, path, None, body, &[])
            .await
    }

    async fn send_as(
        &self,
        auth_type: &str,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let sep = if path.contains('?') { '&' } else { '?' };
        let url = format!("http://{}{path}{sep}api_key={API_KEY}", self.base_for(path));
        let mut req = self
            .http
            .request(method.parse().expect("method"), url)
            .header("stream-auth-type", auth_type);
        if let Some(token) = token {
            req = req.header("Authorization", token);
        }
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.expect("request reaches the test server");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Reply {
            status,
            body,
            headers,
        }
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

    /// A plain post by `user` in their own `user` feed; returns the activity.
    pub async fn post(&self, user: &str) -> Value {
        self.add_activity(
            user,
            json!({"type": "post", "feeds": [format!("user:{user}")]}),
        )
        .await
    }

    /// Removes an activity for good, as the server.
    pub async fn hard_delete(&self, activity_id: &str) {
        let path = format!("/api/v2/feeds/activities/{activity_id}?hard_delete=true");
        self.server("DELETE", &path, None).await.expect_ok();
    }
}

impl TestApp {
    /// `source` follows `target` as the server; returns the follow.
    pub async fn follow(&self, source: &str, target: &str, extra: Value) -> Value {
        let mut body = json!({"source": source, "target": target});
        if let (Value::Object(b), Value::Object(e)) = (&mut body, extra) {
            b.extend(e);
        }
        self.server("POST", "/api/v2/feeds/follows", Some(body))
            .await
            .expect_ok()["follow"]
            .clone()
    }

    /// Reads a feed as the server (or as `user_id`, when given in `body`).
    pub async fn read_feed(&self, fid: &str, body: Value) -> Value {
        let (group, id) = fid.split_once(':').expect("group:id");
        let path = format!("/api/v2/feeds/feed_groups/{group}/feeds/{id}");
        self.server("POST", &path, Some(body))
            .await
            .expect_ok()
            .clone()
    }

    /// The ids of a feed read's activities, in order.
    pub fn ids(read: &Value) -> Vec<String> {
        read["activities"]
            .as_array()
            .expect("activities")
            .iter()
            .map(|a| a["id"].as_str().unwrap().to_string())
            .collect()
    }
}

impl TestApp {
    /// The v2 family serving a `/api/v1.0/` path, as the template routes it.
    fn v2_base_for(&self, path: &str) -> SocketAddr {
        let route = path.split('?').next().unwrap_or(path);
        let route = tributary_http::v2::normalized_path(route).unwrap_or(route.to_string());
        let under = |prefix: &str| route == prefix || route.starts_with(&format!("{prefix}/"));
        if under("/api/v1.0/feed")
            || under("/api/v1.0/follow_many")
            || under("/api/v1.0/unfollow_many")
            || under("/api/v1.0/stats")
            || under("/api/v1.0/enrich/feed")
        {
            self.v2_feeds
        } else if under("/api/v1.0/activities")
            || under("/api/v1.0/activity")
            || under("/api/v1.0/feed_targets")
            || under("/api/v1.0/enrich/activities")
        {
            self.v2_activities
        } else if under("/api/v1.0/reaction") {
            self.v2_reactions
        } else {
            self.v2_users
        }
    }

    /// Sends a v2 request with `token` (the v2 clients' headers: no `stream-auth-type`
    /// needed), answering the status and JSON body.
    pub async fn v2(&self, method: &str, path: &str, token: &str, body: Option<Value>) -> Reply {
        self.send(method, path, Some(token), body).await
    }
}

/// A v2 token with these claims (`resource`, `action`, `feed_id`, `user_id`).
pub fn v2_token(claims: Value) -> String {
    sign(claims, API_SECRET)
}

/// The token a v2 server client signs for every call: all resources, all actions, all feeds.
pub fn v2_server_token() -> String {
    v2_token(serde_json::json!({"resource": "*", "action": "*", "feed_id": "*"}))
}

async fn serve_v2(app: tributary_http::v2::V2App) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        axum::serve(listener, axum::ServiceExt::into_make_service(app))
            .await
            .expect("serve");
    });
    addr
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

/// The DynamoDB capacity the store spends between `start` and `finish`, for benchmarks.
pub struct Measure<'a> {
    app: &'a TestApp,
    before: CapacitySnapshot,
}

/// Read units, write units, round trips and sequential round trips per call.
pub struct PerCall {
    pub read_units: f64,
    pub write_units: f64,
    pub round_trips: f64,
    pub sequential: f64,
}

impl<'a> Measure<'a> {
    pub fn start(app: &'a TestApp) -> Self {
        Measure {
            app,
            before: app.store.meter().snapshot(),
        }
    }

    /// What was spent, averaged over `calls` calls.
    pub fn finish(self, calls: usize) -> PerCall {
        PerCall::of(self.app.store.meter().snapshot() - self.before, calls)
    }
}

impl PerCall {
    /// `spent`, averaged over `calls` calls.
    pub fn of(spent: CapacitySnapshot, calls: usize) -> PerCall {
        let n = calls as f64;
        PerCall {
            read_units: spent.read_units / n,
            write_units: spent.write_units / n,
            round_trips: spent.round_trips as f64 / n,
            sequential: spent.sequential as f64 / n,
        }
    }
}
