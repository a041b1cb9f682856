//! A realtime test double and helpers: [`Endpoint`] records what functions post through API
//! Gateway's management API (answering 410 Gone, as API Gateway does, for connections marked
//! gone); [`ws_event`] builds the WebSocket API's events; [`connect`] signs a user in through
//! the realtime function as Stream's client does.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use aws_lambda_events::apigw::ApiGatewayWebsocketProxyRequest;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::post;
use serde_json::{json, Value};

use crate::{unique, user_token, TestApp, API_KEY};

/// What the management API received: frames posted and connections closed.
#[derive(Clone, Default)]
pub struct Endpoint {
    pub frames: Arc<Mutex<Vec<(String, Value)>>>,
    pub closed: Arc<Mutex<Vec<String>>>,
    pub gone: Arc<Mutex<HashSet<String>>>,
}

impl Endpoint {
    pub async fn spawn() -> (Endpoint, String) {
        let endpoint = Endpoint::default();
        let app = axum::Router::new()
            .route(
                "/@connections/{id}",
                post(
                    |State(e): State<Endpoint>, Path(id): Path<String>, body: String| async move {
                        if e.gone.lock().unwrap().contains(&id) {
                            return StatusCode::GONE;
                        }
                        let frame = serde_json::from_str(&body).unwrap_or(Value::Null);
                        e.frames.lock().unwrap().push((id, frame));
                        StatusCode::OK
                    },
                )
                .delete(
                    |State(e): State<Endpoint>, Path(id): Path<String>| async move {
                        e.closed.lock().unwrap().push(id);
                        StatusCode::NO_CONTENT
                    },
                ),
            )
            .with_state(endpoint.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (endpoint, url)
    }

    pub fn frames_to(&self, connection: &str) -> Vec<Value> {
        self.frames
            .lock()
            .unwrap()
            .iter()
            .filter(|(id, _)| id == connection)
            .map(|(_, f)| f.clone())
            .collect()
    }

    pub fn events_to(&self, connection: &str, kind: &str) -> Vec<Value> {
        self.frames_to(connection)
            .into_iter()
            .filter(|f| f["type"] == kind)
            .collect()
    }
}

pub fn ws_event(
    route: &str,
    connection: &str,
    query: Value,
    body: Option<Value>,
) -> ApiGatewayWebsocketProxyRequest {
    let event_type = match route {
        "$connect" => "CONNECT",
        "$disconnect" => "DISCONNECT",
        _ => "MESSAGE",
    };
    serde_json::from_value(json!({
        "requestContext": {"routeKey": route, "eventType": event_type, "connectionId": connection,
                           "stage": "local", "domainName": "127.0.0.1", "apiId": "local",
                           "connectedAt": 0, "requestTimeEpoch": 0, "requestId": "r",
                           "messageDirection": "IN", "identity": {"sourceIp": "127.0.0.1"}},
        "queryStringParameters": query,
        "body": body.map(|b| b.to_string()),
        "isBase64Encoded": false
    }))
    .unwrap()
}

/// Opens a connection for `user` through the WebSocket function, as the client does.
pub async fn connect(app: &TestApp, user: &str, name: &str) -> String {
    let rt = app.realtime.as_ref().unwrap();
    let id = unique("conn");
    let open = rt
        .handle(ws_event("$connect", &id, json!({"api_key": API_KEY}), None))
        .await;
    assert_eq!(open.status_code, 200);
    let hello = json!({"token": user_token(user), "user_details": {"id": user, "name": name},
                       "products": ["feeds"]});
    let signed = rt
        .handle(ws_event("$default", &id, json!({}), Some(hello)))
        .await;
    assert_eq!(signed.status_code, 200);
    id
}
