//! `query_feeds_usage_stats`: activities added, follows made and API requests answered per
//! day, from the counters every function keeps, over both API generations; server-side only;
//! bad ranges refused, against DynamoDB Local.
//!
//! One test in this file: the counters are app-wide, and the tests of one file run at once,
//! so differences measured here are this test's own requests alone.

use serde_json::{json, Value};
use tributary_integration_tests::{unique, v2_server_token, TestApp};

const USAGE: &str = "/api/v2/feeds/stats/usage";

/// Yesterday to today (UTC): a run across midnight still sees all its counts in the totals.
fn range() -> Value {
    let today = chrono::Utc::now().date_naive();
    let yesterday = today - chrono::Duration::days(1);
    json!({"from": yesterday.format("%Y-%m-%d").to_string(), "to": today.format("%Y-%m-%d").to_string()})
}

async fn totals(app: &TestApp) -> (i64, i64, i64, Value) {
    let reply = app.server("POST", USAGE, Some(range())).await;
    let body = reply.expect_ok().clone();
    let total = |name: &str| body[name]["total"].as_i64().expect(name);
    (
        total("activities"),
        total("follows"),
        total("api_requests"),
        body,
    )
}

#[tokio::test]
async fn usage_counts_activities_follows_and_requests() {
    let app = TestApp::spawn().await;
    let (activities0, follows0, requests0, first) = totals(&app).await;
    // Every day of the range is listed, with the SDK's required fields.
    for name in ["activities", "follows", "api_requests", "openai_requests"] {
        let daily = first[name]["daily"].as_array().expect(name);
        assert_eq!(daily.len(), 2, "{name}");
        assert!(daily[0]["date"].as_str().unwrap() < daily[1]["date"].as_str().unwrap());
        assert!(daily.iter().all(|d| d["value"].is_i64()));
    }
    assert_eq!(first["openai_requests"]["total"], json!(0));

    let (amy, bob) = (unique("amy"), unique("bob"));
    // 1 + 3 requests through v3 (the upsert, three adds), 1 through v2, 2 follows.
    app.upsert_user(&amy, "Amy").await;
    for _ in 0..3 {
        app.post(&amy).await;
    }
    app.v2(
        "POST",
        &format!("/api/v1.0/feed/user/{bob}/"),
        &v2_server_token(),
        Some(json!({"actor": bob, "verb": "post", "object": "o:1"})),
    )
    .await
    .expect_ok();
    app.follow(
        &format!("timeline:{amy}"),
        &format!("user:{bob}"),
        json!({}),
    )
    .await;
    app.follow(
        &format!("timeline:{bob}"),
        &format!("user:{amy}"),
        json!({}),
    )
    .await;
    // Following again changes nothing and counts as a request, not a follow.
    app.server(
        "POST",
        "/api/v2/feeds/follows",
        Some(json!({"source": format!("timeline:{amy}"), "target": format!("user:{bob}")})),
    )
    .await;
    // A refused request is still a request: a user may not read the app's usage.
    app.as_user(&amy, "POST", USAGE, Some(json!({})))
        .await
        .expect_error(17, 403);

    let (activities1, follows1, requests1, _) = totals(&app).await;
    assert_eq!(activities1 - activities0, 4);
    assert_eq!(follows1 - follows0, 2);
    // 1 upsert + 3 adds + 1 v2 add + 3 follow calls + the refused read + this read itself.
    assert_eq!(requests1 - requests0, 10);

    // Bad ranges: 400 naming the field, nothing else counted but the requests.
    for (body, field) in [
        (json!({"from": "2026-13-01"}), "from"),
        (json!({"to": "yesterday"}), "to"),
        (json!({"from": "2026-03-02", "to": "2026-03-01"}), "from"),
        (json!({"from": "2020-01-01", "to": "2026-01-01"}), "from"),
    ] {
        let reply = app.server("POST", USAGE, Some(body)).await;
        let error = reply.expect_error(4, 400);
        assert!(
            error["message"].as_str().unwrap().contains(field),
            "{error}"
        );
    }
    // Defaults: the last 30 days and today.
    let reply = app.server("POST", USAGE, Some(json!({}))).await;
    assert_eq!(
        reply.expect_ok()["api_requests"]["daily"]
            .as_array()
            .unwrap()
            .len(),
        31
    );
}
