//! Per-user rate limits: each user token may call each endpoint a set number of times a minute
//! per platform; the call past the limit is 429 code 9 with `Retry-After` and changes nothing.
//! `get_feeds_rate_limits` reports what is left.
//!
//! Counts live in one-minute windows. A sequence that straddles a window boundary starts
//! again with a fresh user (the `x-ratelimit-reset` header tells).

use serde_json::{json, Value};
use tributary_integration_tests::{unique, Reply, TestApp};

const ACTIVITIES: &str = "/api/v2/feeds/activities";
const RATE_LIMITS: &str = "/api/v2/feeds/feeds/rate_limits";

fn header(reply: &Reply, name: &str) -> Option<i64> {
    reply.headers.get(name)?.to_str().ok()?.parse().ok()
}

fn post_body(user: &str) -> Value {
    json!({"type": "post", "feeds": [format!("user:{user}")], "text": "hi"})
}

/// How many activities `user` has, read with a server token.
async fn activity_count(app: &TestApp, user: &str) -> usize {
    app.server(
        "POST",
        "/api/v2/feeds/activities/query",
        Some(json!({"filter": {"user_id": user}, "limit": 100})),
    )
    .await
    .expect_ok()["activities"]
        .as_array()
        .expect("activities")
        .len()
}

/// Runs `calls` as a fresh user until all of them fall in one window; answers the user and
/// the replies.
async fn in_one_window<F, Fut>(calls: usize, mut call: F) -> (String, Vec<Reply>)
where
    F: FnMut(String) -> Fut,
    Fut: std::future::Future<Output = Reply>,
{
    for _ in 0..3 {
        let user = unique("rl");
        let mut replies = Vec::new();
        for _ in 0..calls {
            replies.push(call(user.clone()).await);
        }
        let resets: std::collections::HashSet<Option<i64>> = replies
            .iter()
            .map(|r| header(r, "x-ratelimit-reset"))
            .collect();
        if resets.len() == 1 {
            return (user, replies);
        }
    }
    panic!("three attempts straddled a window boundary");
}

#[tokio::test]
async fn the_write_past_the_limit_is_refused_and_writes_nothing() {
    let app = TestApp::spawn_with_user_rate_limit(Some(3)).await;
    let (user, replies) = in_one_window(4, |user| {
        let app = &app;
        async move {
            app.as_user(&user, "POST", ACTIVITIES, Some(post_body(&user)))
                .await
        }
    })
    .await;
    for (i, reply) in replies[..3].iter().enumerate() {
        reply.expect_ok();
        assert_eq!(header(reply, "x-ratelimit-limit"), Some(3));
        assert_eq!(header(reply, "x-ratelimit-remaining"), Some(2 - i as i64));
    }
    let refused = &replies[3];
    let body = refused.expect_error(9, 429);
    assert!(
        body["message"].as_str().unwrap().contains("AddActivity"),
        "{body}"
    );
    let retry_after = header(refused, "retry-after").expect("Retry-After");
    assert!((1..=60).contains(&retry_after), "Retry-After {retry_after}");
    assert_eq!(header(refused, "x-ratelimit-remaining"), Some(0));
    let reset = header(refused, "x-ratelimit-reset").unwrap();
    assert_eq!(reset % 60, 0, "a window ends on a minute");
    assert_eq!(
        activity_count(&app, &user).await,
        3,
        "the refused write wrote nothing"
    );
}

#[tokio::test]
async fn limits_are_per_endpoint_platform_and_user_and_spare_server_tokens() {
    let app = TestApp::spawn_with_user_rate_limit(Some(2)).await;
    let (user, replies) = in_one_window(3, |user| {
        let app = &app;
        async move {
            app.as_user(&user, "POST", ACTIVITIES, Some(post_body(&user)))
                .await
        }
    })
    .await;
    replies[2].expect_error(9, 429);
    let id = replies[0].body["activity"]["id"]
        .as_str()
        .unwrap()
        .to_string();

    // Another endpoint of the same user: its own count.
    let read = app
        .as_user(&user, "GET", &format!("{ACTIVITIES}/{id}"), None)
        .await;
    read.expect_ok();
    assert_eq!(header(&read, "x-ratelimit-remaining"), Some(1));

    // The same endpoint from another platform: its own count.
    let android = app
        .as_user_with(
            &user,
            "POST",
            ACTIVITIES,
            Some(post_body(&user)),
            &[("X-Stream-Client", "stream-feeds-android-1.0.0")],
        )
        .await;
    android.expect_ok();

    // Another user: untouched.
    let other = unique("rl-other");
    app.as_user(&other, "POST", ACTIVITIES, Some(post_body(&other)))
        .await
        .expect_ok();

    // A server token is not limited per user, and gets no rate-limit headers.
    for _ in 0..3 {
        let reply = app
            .server(
                "POST",
                ACTIVITIES,
                Some(json!({"type": "post", "feeds": [format!("user:{user}")], "user_id": user})),
            )
            .await;
        reply.expect_ok();
        assert!(reply.headers.get("x-ratelimit-limit").is_none());
    }
}

#[tokio::test]
async fn a_read_past_the_limit_is_refused() {
    let app = TestApp::spawn_with_user_rate_limit(Some(2)).await;
    let author = unique("rl-author");
    let activity = app.post(&author).await;
    let path = format!("{ACTIVITIES}/{}", activity["id"].as_str().unwrap());
    let (_, replies) = in_one_window(3, |user| {
        let (app, path) = (&app, &path);
        async move { app.as_user(&user, "GET", path, None).await }
    })
    .await;
    replies[0].expect_ok();
    replies[1].expect_ok();
    replies[2].expect_error(9, 429);
    assert!(header(&replies[2], "retry-after").is_some());
}

#[tokio::test]
async fn get_feeds_rate_limits_reports_what_is_left() {
    let app = TestApp::spawn_with_user_rate_limit(Some(5)).await;
    let (user, replies) = in_one_window(2, |user| {
        let app = &app;
        async move {
            app.as_user(&user, "POST", ACTIVITIES, Some(post_body(&user)))
                .await
        }
    })
    .await;
    let reset = header(&replies[0], "x-ratelimit-reset").unwrap();

    let all = app.as_user(&user, "GET", RATE_LIMITS, None).await;
    let body = all.expect_ok();
    // Read in the same window unless the minute just turned.
    if header(&all, "x-ratelimit-reset") == Some(reset) {
        assert_eq!(
            body["web"]["AddActivity"],
            json!({"limit": 5, "remaining": 3, "reset": reset})
        );
        assert_eq!(body["android"]["AddActivity"]["remaining"], 5);
    }
    assert_eq!(body["web"]["QueryActivities"]["limit"], 5);
    assert!(body["web"]["GetOrCreateFeed"].is_object());
    assert!(body["ios"].is_object() && body["unity"].is_object());
    assert!(body.get("server_side").is_none(), "{body}");
    // Only feeds endpoints are listed.
    assert!(body["web"].get("UpsertUsers").is_none());

    let some = app
        .as_user(
            &user,
            "GET",
            &format!("{RATE_LIMITS}?endpoints=AddActivity,GetActivity&android=true"),
            None,
        )
        .await;
    let body = some.expect_ok();
    let listed: Vec<&String> = body["android"].as_object().unwrap().keys().collect();
    assert_eq!(listed, ["AddActivity", "GetActivity"]);
    assert!(body.get("web").is_none());

    let server = app
        .server(
            "GET",
            &format!("{RATE_LIMITS}?web=true&server_side=true"),
            None,
        )
        .await;
    let body = server.expect_ok();
    assert_eq!(body["web"]["AddActivity"]["remaining"], 5);
    assert!(body.get("server_side").is_none());
}

#[tokio::test]
async fn the_default_is_streams_sixty_a_minute_and_zero_turns_limits_off() {
    let app = TestApp::spawn().await;
    let user = unique("rl-default");
    let reply = app
        .as_user(&user, "POST", ACTIVITIES, Some(post_body(&user)))
        .await;
    reply.expect_ok();
    assert_eq!(header(&reply, "x-ratelimit-limit"), Some(60));

    let off = TestApp::spawn_with_user_rate_limit(None).await;
    let reply = off
        .as_user(&user, "POST", ACTIVITIES, Some(post_body(&user)))
        .await;
    reply.expect_ok();
    assert!(reply.headers.get("x-ratelimit-limit").is_none());
    let limits = off.as_user(&user, "GET", RATE_LIMITS, None).await;
    assert!(limits.expect_ok().get("web").is_none());
}
