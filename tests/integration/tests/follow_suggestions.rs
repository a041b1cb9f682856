//! Follow suggestions (feeds the people one follows follow, ranked by how many do; one's
//! own, followed and unreadable feeds left out) and stopping a WebSocket connection's watch
//! of a feed (only one's own connection), against DynamoDB Local.

use serde_json::{json, Value};
use tributary_integration_tests::{unique, TestApp};

fn suggestions_path(group: &str, query: &str) -> String {
    format!("/api/v2/feeds/feed_groups/{group}/follow_suggestions?{query}")
}

fn unwatch_path(fid: &str, query: &str) -> String {
    let (group, id) = fid.split_once(':').expect("group:id");
    format!("/api/v2/feeds/feed_groups/{group}/feeds/{id}/watch?{query}")
}

fn fids(reply: &Value) -> Vec<String> {
    reply["suggestions"]
        .as_array()
        .expect("suggestions")
        .iter()
        .map(|s| s["feed"].as_str().expect("feed").to_string())
        .collect()
}

/// The people `me` follows: two friends whose timelines follow candidates, `known` (followed
/// already), a private feed, `me`'s own feed, a feed `me` follows from another of its feeds,
/// and a `topic` feed.
struct Graph {
    me: String,
    friend1: String,
    common: String,
    single: String,
    topic: String,
}

async fn graph(app: &TestApp) -> Graph {
    let me = unique("me");
    let (friend1, friend2, known) = (unique("f1"), unique("f2"), unique("known"));
    let (common, single, secret, also) = (
        unique("common"),
        unique("single"),
        unique("secret"),
        unique("also"),
    );
    for u in [
        &me, &friend1, &friend2, &known, &common, &single, &secret, &also,
    ] {
        app.upsert_user(u, u).await;
    }
    // A private feed: no one but its owner may read it.
    app.server(
        "POST",
        &format!("/api/v2/feeds/feed_groups/user/feeds/{secret}"),
        Some(json!({"user_id": secret, "data": {"visibility": "private"}})),
    )
    .await
    .expect_ok();
    let topic = format!("topic:{}", unique("rust"));
    let timeline = |u: &str| format!("timeline:{u}");
    let user = |u: &str| format!("user:{u}");
    for target in [&friend1, &friend2, &known] {
        app.follow(&timeline(&me), &user(target), json!({})).await;
    }
    // Followed from another of me's own feeds: not suggested either.
    app.follow(&format!("foryou:{me}"), &user(&also), json!({}))
        .await;
    for target in [&common, &single, &me, &known, &secret, &also, &friend2] {
        app.follow(&timeline(&friend1), &user(target), json!({}))
            .await;
    }
    app.follow(&timeline(&friend1), &topic, json!({})).await;
    for target in [&common, &friend1] {
        app.follow(&timeline(&friend2), &user(target), json!({}))
            .await;
    }
    Graph {
        common: user(&common),
        single: user(&single),
        friend1,
        me,
        topic,
    }
}

#[tokio::test]
async fn suggestions_come_from_the_people_one_follows() {
    let app = TestApp::spawn().await;
    let g = graph(&app).await;

    let reply = app
        .as_user(&g.me, "GET", &suggestions_path("user", ""), None)
        .await;
    let body = reply.expect_ok();
    // Two friends follow `common`, one `single`; own, followed, private feeds are left out.
    assert_eq!(fids(body), [g.common.clone(), g.single.clone()], "{body}");
    assert_eq!(body["algorithm_used"], "friends_of_friends");
    // The score is the share of the people followed (three) who follow the feed.
    let score = |s: &Value| s["recommendation_score"].as_f64().expect("a score");
    let best = &body["suggestions"][0];
    assert!((score(best) - 2.0 / 3.0).abs() < 1e-9, "{best}");
    assert_eq!(
        best["algorithm_scores"]["friends_of_friends"],
        best["recommendation_score"]
    );
    assert_eq!(best["reason"], "followed by 2 people you follow");
    assert_eq!(best["group_id"], "user");
    assert!(best["created_by"]["id"].is_string(), "{best}");
    assert!(best["own_capabilities"]
        .as_array()
        .is_some_and(|c| c.iter().any(|c| c == "read-feed")));
    assert!((score(&body["suggestions"][1]) - 1.0 / 3.0).abs() < 1e-9);
    assert_eq!(
        body["suggestions"][1]["reason"],
        "followed by 1 person you follow"
    );

    // Only the asked group's feeds.
    let topics = app
        .as_user(&g.me, "GET", &suggestions_path("topic", ""), None)
        .await;
    assert_eq!(fids(topics.expect_ok()), [g.topic.as_str()]);

    // limit: the best first; bad limits are refused.
    let one = app
        .as_user(&g.me, "GET", &suggestions_path("user", "limit=1"), None)
        .await;
    assert_eq!(fids(one.expect_ok()), [g.common.as_str()]);
    for bad in ["limit=101", "limit=-1"] {
        let err = app
            .as_user(&g.me, "GET", &suggestions_path("user", bad), None)
            .await;
        let body = err.expect_error(4, 400);
        assert!(
            body["message"].as_str().unwrap().contains("limit"),
            "{body}"
        );
    }

    // The server names the user; a user token acts only as itself.
    let for_me = app
        .server(
            "GET",
            &suggestions_path("user", &format!("user_id={}", g.me)),
            None,
        )
        .await;
    assert_eq!(
        fids(for_me.expect_ok()),
        [g.common.clone(), g.single.clone()]
    );
    app.server("GET", &suggestions_path("user", ""), None)
        .await
        .expect_error(4, 400);
    app.as_user(
        &g.friend1,
        "GET",
        &suggestions_path("user", &format!("user_id={}", g.me)),
        None,
    )
    .await
    .expect_error(17, 403);
    app.as_user(&g.me, "GET", &suggestions_path("no_such_group", ""), None)
        .await
        .expect_error(16, 404);

    // Someone who follows no one gets no suggestions.
    let loner = unique("loner");
    let none = app
        .as_user(&loner, "GET", &suggestions_path("user", ""), None)
        .await;
    assert_eq!(fids(none.expect_ok()), Vec::<String>::new());
}

#[tokio::test]
async fn unwatching_removes_only_ones_own_connections_watch() {
    let app = TestApp::spawn().await;
    let (me, other) = (unique("me"), unique("other"));
    let fid = format!("user:{}", unique("watched"));
    let connection = unique("conn");
    app.store.put_connection(&connection, &me).await.unwrap();
    let c = app
        .store
        .get_connection(&connection)
        .await
        .unwrap()
        .unwrap();
    app.store.watch(&c, &fid).await.unwrap();
    let watching =
        |list: Vec<tributary_store::Watcher>| list.iter().any(|w| w.connection_id == connection);
    assert!(watching(app.store.watchers(&fid).await.unwrap()));

    let query = format!("connection_id={connection}");
    app.as_user(&other, "DELETE", &unwatch_path(&fid, &query), None)
        .await
        .expect_error(17, 403);
    app.anonymous("DELETE", &unwatch_path(&fid, &query), None)
        .await
        .expect_error(17, 403);
    let missing = app
        .as_user(&me, "DELETE", &unwatch_path(&fid, ""), None)
        .await;
    let body = missing.expect_error(4, 400);
    assert!(
        body["message"].as_str().unwrap().contains("connection_id"),
        "{body}"
    );
    assert!(watching(app.store.watchers(&fid).await.unwrap()));

    // The owner stops watching; again is fine.
    for _ in 0..2 {
        let reply = app
            .as_user(&me, "DELETE", &unwatch_path(&fid, &query), None)
            .await;
        let body = reply.expect_ok();
        assert_eq!(body.as_object().unwrap().len(), 1, "only duration: {body}");
    }
    assert!(!watching(app.store.watchers(&fid).await.unwrap()));

    // The server may stop any connection's watch.
    app.store.watch(&c, &fid).await.unwrap();
    app.server("DELETE", &unwatch_path(&fid, &query), None)
        .await
        .expect_ok();
    assert!(!watching(app.store.watchers(&fid).await.unwrap()));
}
