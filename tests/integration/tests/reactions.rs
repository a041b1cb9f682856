//! Reactions to activities against DynamoDB Local: exact counts under concurrency, groups,
//! latest and own reactions, enforce_unique, queries and failures.

use futures::future::join_all;
use serde_json::{json, Value};
use tributary_integration_tests::{unique, TestApp};

const ACTIVITIES: &str = "/api/v2/feeds/activities";

async fn new_activity(app: &TestApp) -> (String, String) {
    let author = unique("author");
    let a = app.post(&author).await;
    (a["id"].as_str().unwrap().to_string(), author)
}

async fn react(app: &TestApp, id: &str, user: &str, kind: &str, extra: Value) -> Value {
    let mut body = json!({"type": kind, "user_id": user});
    if let (Value::Object(b), Value::Object(e)) = (&mut body, extra) {
        b.extend(e);
    }
    app.server("POST", &format!("{ACTIVITIES}/{id}/reactions"), Some(body))
        .await
        .expect_ok()
        .clone()
}

async fn get(app: &TestApp, id: &str, reader: Option<&str>) -> Value {
    let path = match reader {
        Some(r) => format!("{ACTIVITIES}/{id}?user_id={r}"),
        None => format!("{ACTIVITIES}/{id}"),
    };
    app.server("GET", &path, None).await.expect_ok()["activity"].clone()
}

#[tokio::test]
async fn fifty_concurrent_reactions_count_exactly() {
    let app = &TestApp::spawn().await;
    let (id, _) = new_activity(app).await;
    let users: Vec<String> = (0..50).map(|_| unique("fan")).collect();
    let adds = users.iter().map(|u| {
        let body = json!({"type": "like", "user_id": u});
        let path = format!("{ACTIVITIES}/{id}/reactions");
        async move { app.server("POST", &path, Some(body)).await }
    });
    for reply in join_all(adds).await {
        reply.expect_ok();
    }
    let a = get(app, &id, Some(&users[7])).await;
    assert_eq!(a["reaction_count"], 50);
    assert_eq!(a["reaction_groups"]["like"]["count"], 50);
    assert!(
        a["reaction_groups"]["like"]["first_reaction_at"].as_i64()
            <= a["reaction_groups"]["like"]["last_reaction_at"].as_i64()
    );
    assert_eq!(a["latest_reactions"].as_array().unwrap().len(), 10);
    assert_eq!(a["own_reactions"][0]["user"]["id"], users[7].as_str());
    assert_eq!(a["own_reactions"][0]["type"], "like");

    // And 20 of them taken back concurrently.
    let deletes = users[..20].iter().map(|u| {
        let path = format!("{ACTIVITIES}/{id}/reactions/like?user_id={u}");
        async move { app.server("DELETE", &path, None).await }
    });
    for reply in join_all(deletes).await {
        reply.expect_ok();
    }
    let a = get(app, &id, Some(&users[7])).await;
    assert_eq!(a["reaction_count"], 30);
    assert_eq!(a["reaction_groups"]["like"]["count"], 30);
    assert_eq!(
        a["own_reactions"],
        json!([]),
        "user 7's like was taken back"
    );
    let latest: Vec<&str> = a["latest_reactions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["user"]["id"].as_str().unwrap())
        .collect();
    for gone in &users[..20] {
        assert!(
            !latest.contains(&gone.as_str()),
            "{gone} still among the latest"
        );
    }
}

#[tokio::test]
async fn enforce_unique_replaces_rather_than_adds() {
    let app = &TestApp::spawn().await;
    let (id, _) = new_activity(app).await;
    let user = unique("u");
    react(app, &id, &user, "like", json!({})).await;
    // The same type again is refused without enforce_unique.
    app.server(
        "POST",
        &format!("{ACTIVITIES}/{id}/reactions"),
        Some(json!({"type": "like", "user_id": user})),
    )
    .await
    .expect_error(4, 400);
    let replaced = react(
        app,
        &id,
        &user,
        "love",
        json!({"enforce_unique": true, "custom": {"k": 1}}),
    )
    .await;
    assert_eq!(replaced["reaction"]["type"], "love");
    assert_eq!(replaced["reaction"]["custom"], json!({"k": 1}));
    let a = &replaced["activity"];
    assert_eq!(a["reaction_count"], 1);
    assert_eq!(
        a["reaction_groups"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        vec!["love"]
    );
    assert_eq!(a["own_reactions"].as_array().unwrap().len(), 1);
    assert_eq!(a["latest_reactions"].as_array().unwrap().len(), 1);
    // Another user's reactions are untouched by it.
    let other = unique("o");
    react(app, &id, &other, "like", json!({})).await;
    let a = get(app, &id, None).await;
    assert_eq!(a["reaction_count"], 2);
    assert_eq!(a["own_reactions"], json!([]), "no reader, no own reactions");
}

#[tokio::test]
async fn reactions_are_queried_filtered_and_paged() {
    let app = &TestApp::spawn().await;
    let (id, _) = new_activity(app).await;
    let users: Vec<String> = (0..5).map(|_| unique("u")).collect();
    for (i, u) in users.iter().enumerate() {
        react(
            app,
            &id,
            u,
            if i % 2 == 0 { "like" } else { "wow" },
            json!({}),
        )
        .await;
    }
    let path = format!("{ACTIVITIES}/{id}/reactions/query");
    let first = app.server("POST", &path, Some(json!({"limit": 2}))).await;
    let first = first.expect_ok().clone();
    let page: Vec<&str> = first["reactions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["user"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        page,
        vec![users[4].as_str(), users[3].as_str()],
        "newest first"
    );
    let rest = app
        .server(
            "POST",
            &path,
            Some(json!({"limit": 10, "next": first["next"]})),
        )
        .await;
    assert_eq!(rest.expect_ok()["reactions"].as_array().unwrap().len(), 3);
    let likes = app
        .server(
            "POST",
            &path,
            Some(json!({"filter": {"reaction_type": "like"}})),
        )
        .await;
    assert_eq!(likes.expect_ok()["reactions"].as_array().unwrap().len(), 3);
    let mine = app
        .server(
            "POST",
            &path,
            Some(json!({"filter": {"user_id": users[1]}})),
        )
        .await;
    assert_eq!(mine.expect_ok()["reactions"][0]["type"], "wow");
    let oldest = app
        .server(
            "POST",
            &path,
            Some(json!({"limit": 1, "sort": [{"field": "created_at", "direction": 1}]})),
        )
        .await;
    assert_eq!(
        oldest.expect_ok()["reactions"][0]["user"]["id"],
        users[0].as_str()
    );
    // Several activities at once.
    let (other, _) = new_activity(app).await;
    react(app, &other, &users[0], "like", json!({})).await;
    let batch = app
        .server(
            "POST",
            &format!("{ACTIVITIES}/reactions/query"),
            Some(json!({"activity_ids": [id, other], "limit": 100})),
        )
        .await;
    assert_eq!(batch.expect_ok()["reactions"].as_array().unwrap().len(), 6);
    app.server("POST", &path, Some(json!({"filter": {"score": 1}})))
        .await
        .expect_error(4, 400);
    app.server(
        "POST",
        &path,
        Some(json!({"filter": {"reaction_type": {"$gt": "a"}}})),
    )
    .await
    .expect_error(4, 400);
}

#[tokio::test]
async fn bad_reactions_are_refused() {
    let app = &TestApp::spawn().await;
    let (id, _) = new_activity(app).await;
    let user = unique("u");
    let missing = unique("missing");
    app.server(
        "POST",
        &format!("{ACTIVITIES}/{missing}/reactions"),
        Some(json!({"type": "like", "user_id": user})),
    )
    .await
    .expect_error(16, 404);
    app.server(
        "POST",
        &format!("{ACTIVITIES}/{id}/reactions"),
        Some(json!({"user_id": user})),
    )
    .await
    .expect_error(4, 400);
    app.server(
        "POST",
        &format!("{ACTIVITIES}/{id}/reactions"),
        Some(json!({"type": "li ke", "user_id": user})),
    )
    .await
    .expect_error(4, 400);
    app.server(
        "DELETE",
        &format!("{ACTIVITIES}/{id}/reactions/like?user_id={user}"),
        None,
    )
    .await
    .expect_error(16, 404);
    // A user token reacts only as itself.
    app.as_user(
        &user,
        "POST",
        &format!("{ACTIVITIES}/{id}/reactions"),
        Some(json!({"type": "like", "user_id": unique("x")})),
    )
    .await
    .expect_error(17, 403);
    let own = app
        .as_user(
            &user,
            "POST",
            &format!("{ACTIVITIES}/{id}/reactions"),
            Some(json!({"type": "like"})),
        )
        .await;
    assert_eq!(own.expect_ok()["reaction"]["user"]["id"], user.as_str());
    // A soft-deleted activity takes no reactions.
    app.server("DELETE", &format!("{ACTIVITIES}/{id}"), None)
        .await
        .expect_ok();
    app.server(
        "POST",
        &format!("{ACTIVITIES}/{id}/reactions"),
        Some(json!({"type": "wow", "user_id": user})),
    )
    .await
    .expect_error(16, 404);
}

#[tokio::test]
async fn identical_unique_reactions_sent_at_once_all_answer_the_one_reaction() {
    let app = &TestApp::spawn().await;
    let (id, _) = new_activity(app).await;
    let fan = unique("fan");
    let adds = (0..10).map(|_| {
        let body = json!({"type": "like", "user_id": fan, "enforce_unique": true});
        let path = format!("{ACTIVITIES}/{id}/reactions");
        async move { app.server("POST", &path, Some(body)).await }
    });
    for reply in join_all(adds).await {
        let body = reply.expect_ok();
        assert_eq!(body["reaction"]["type"], "like");
        assert_eq!(body["reaction"]["user"]["id"], fan.as_str());
    }
    let a = get(app, &id, None).await;
    assert_eq!(a["reaction_count"], 1);
}
