//! What every endpoint shares: authentication, the error envelope, `duration`, limits.

use serde_json::{json, Value};
use tributary_integration_tests::{sign, unique, TestApp, API_KEY, API_SECRET};

#[tokio::test]
async fn credentials_are_checked() {
    let app = TestApp::spawn().await;
    let path = format!("/api/v2/feeds/activities/{}", unique("a"));
    app.send("GET", &path, None, None)
        .await
        .expect_error(5, 401);
    app.send("GET", &path, Some(&sign(json!({}), "wrong-secret")), None)
        .await
        .expect_error(43, 401);
    let expired = sign(json!({"user_id": "x", "exp": 1_000_000_000}), API_SECRET);
    app.send("GET", &path, Some(&expired), None)
        .await
        .expect_error(40, 401);
    // A wrong api key is refused before the token is looked at.
    let url_key_swap = path.clone() + "?api_key=someone-else";
    let reply = app.server("GET", &url_key_swap, None).await;
    // The harness appends the right key too; the first api_key wins.
    reply.expect_error(2, 401);
    assert_ne!(API_KEY, "someone-else");
    // A valid server token passes authentication (and then finds nothing).
    app.server("GET", &path, None).await.expect_error(16, 404);
}

#[tokio::test]
async fn unknown_routes_and_methods_get_the_envelope() {
    let app = TestApp::spawn().await;
    let reply = app
        .server("GET", "/api/v2/feeds/activities/a/b/c/d", None)
        .await;
    let body = reply.expect_error(16, 404);
    assert!(body["duration"].as_str().unwrap().ends_with("ms"));
    // A path that exists, with a method it does not serve: 405, in the envelope.
    app.server("DELETE", "/api/v2/feeds/activities/batch", None)
        .await
        .expect_error(16, 405);
}

#[tokio::test]
async fn malformed_and_oversized_bodies_are_input_errors() {
    let app = TestApp::spawn().await;
    let reply = app
        .server(
            "POST",
            "/api/v2/feeds/activities",
            Some(json!("not an object")),
        )
        .await;
    reply.expect_error(4, 400);
    let huge = "x".repeat(2 * 1024 * 1024);
    let reply = app
        .server(
            "POST",
            "/api/v2/feeds/activities",
            Some(json!({"type": "post", "text": huge})),
        )
        .await;
    assert_eq!(reply.status, 413, "{}", reply.body);
    assert_eq!(reply.body["code"], 4);
}

#[tokio::test]
async fn users_are_upserted_and_keep_their_creation_time() {
    let app = TestApp::spawn().await;
    let id = unique("user");
    let first = app
        .server(
            "POST",
            "/api/v2/users",
            Some(json!({"users": {id.clone(): {"id": id, "name": "One", "custom": {"k": 1}}}})),
        )
        .await;
    let user = first.expect_ok()["users"][&id].clone();
    assert_eq!(user["name"], "One");
    assert_eq!(user["role"], "user");
    assert_eq!(user["custom"], json!({"k": 1}));
    let second = app
        .server(
            "POST",
            "/api/v2/users",
            Some(json!({"users": {id.clone(): {"id": id, "name": "Two"}}})),
        )
        .await;
    let again = second.expect_ok()["users"][&id].clone();
    assert_eq!(again["name"], "Two");
    assert_eq!(again["created_at"], user["created_at"]);
    assert!(again["updated_at"].as_i64() > user["updated_at"].as_i64());
    assert_eq!(again["custom"], json!({}));

    // A user may update only themselves, and may not give themselves a role.
    let other = unique("other");
    app.as_user(
        &id,
        "POST",
        "/api/v2/users",
        Some(json!({"users": {other.clone(): {"id": other}}})),
    )
    .await
    .expect_error(17, 403);
    app.as_user(
        &id,
        "POST",
        "/api/v2/users",
        Some(json!({"users": {id.clone(): {"id": id, "role": "admin"}}})),
    )
    .await
    .expect_error(17, 403);
    app.server(
        "POST",
        "/api/v2/users",
        Some(json!({"users": {"bad id!": {}}})),
    )
    .await
    .expect_error(4, 400);
    app.server("POST", "/api/v2/users", Some(json!({"users": {}})))
        .await
        .expect_error(4, 400);
}

#[tokio::test]
async fn app_settings_and_health() {
    let app = TestApp::spawn().await;
    let reply = app.server("GET", "/api/v2/app", None).await;
    assert!(reply.expect_ok()["app"]["name"].is_string());
    let health = app.send("GET", "/health", None, None).await;
    assert_eq!(health.status, 200);
    assert_eq!(health.body["status"], "ok");
}

/// The users function serves the API description as committed: no credentials needed, and
/// left as it is (no `duration` member added to the document).
#[tokio::test]
async fn openapi_document_is_served() {
    let app = TestApp::spawn().await;
    let reply = app.send("GET", "/api/v2/openapi.json", None, None).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["openapi"], "3.1.0");
    assert!(reply.body.get("duration").is_none());
    let committed: Value = serde_json::from_str(users::OPENAPI_DOCUMENT).unwrap();
    assert_eq!(reply.body, committed);
}
