//! Threaded comments against DynamoDB Local.

use futures::future::join_all;
use serde_json::{json, Value};
use tributary_integration_tests::{unique, TestApp};

const COMMENTS: &str = "/api/v2/feeds/comments";

async fn activity(app: &TestApp, extra: Value) -> (String, String) {
    let author = unique("author");
    let mut body = json!({"type": "post", "feeds": [format!("user:{author}")]});
    if let (Value::Object(b), Value::Object(e)) = (&mut body, extra) {
        b.extend(e);
    }
    let a = app.add_activity(&author, body).await;
    (a["id"].as_str().unwrap().to_string(), author)
}

async fn comment(app: &TestApp, body: Value) -> Value {
    app.server("POST", COMMENTS, Some(body)).await.expect_ok()["comment"].clone()
}

async fn activity_json(app: &TestApp, id: &str) -> Value {
    app.server("GET", &format!("/api/v2/feeds/activities/{id}"), None)
        .await
        .expect_ok()["activity"]
        .clone()
}

#[tokio::test]
async fn replies_nest_as_deep_as_asked() {
    let app = &TestApp::spawn().await;
    let (id, _) = activity(app, json!({})).await;
    let user = unique("u");
    let root = comment(
        app,
        json!({"object_id": id, "object_type": "activity", "comment": "root", "user_id": user}),
    )
    .await;
    let mut parent = root["id"].as_str().unwrap().to_string();
    for level in 1..=3 {
        let reply = comment(
            app,
            json!({"parent_id": parent, "comment": format!("level {level}"), "user_id": user}),
        )
        .await;
        assert_eq!(
            reply["object_id"],
            id.as_str(),
            "replies inherit the object"
        );
        parent = reply["id"].as_str().unwrap().to_string();
    }
    let deep = app
        .server(
            "GET",
            &format!("{COMMENTS}?object_id={id}&object_type=activity&depth=4"),
            None,
        )
        .await;
    let deep = deep.expect_ok();
    let level3 = &deep["comments"][0]["replies"][0]["replies"][0]["replies"][0];
    assert_eq!(level3["text"], "level 3");
    let shallow = app
        .server(
            "GET",
            &format!("{COMMENTS}?object_id={id}&object_type=activity&depth=1"),
            None,
        )
        .await;
    let top = &shallow.expect_ok()["comments"][0];
    assert_eq!(top["text"], "root");
    assert_eq!(top["reply_count"], 1);
    assert!(
        top.get("replies")
            .is_none_or(|r| r.as_array().is_none_or(|r| r.is_empty())),
        "{top}"
    );
    let replies = app
        .server(
            "GET",
            &format!("{COMMENTS}/{}/replies", root["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(replies.expect_ok()["comments"][0]["text"], "level 1");
    assert_eq!(activity_json(app, &id).await["comment_count"], 4);
}

#[tokio::test]
async fn counts_stay_exact_and_pages_follow_time() {
    let app = &TestApp::spawn().await;
    let (id, _) = activity(app, json!({})).await;
    let adds = (0..20).map(|i| {
        let body = json!({"object_id": id, "object_type": "activity", "comment": format!("c{i}"), "user_id": unique("u")});
        async move { app.server("POST", COMMENTS, Some(body)).await }
    });
    for r in join_all(adds).await {
        r.expect_ok();
    }
    assert_eq!(activity_json(app, &id).await["comment_count"], 20);
    let first = app
        .server(
            "GET",
            &format!("{COMMENTS}?object_id={id}&object_type=activity&limit=8&sort=last"),
            None,
        )
        .await;
    let first = first.expect_ok().clone();
    let next = first["next"].as_str().unwrap();
    let second = app
        .server(
            "GET",
            &format!(
                "{COMMENTS}?object_id={id}&object_type=activity&limit=20&sort=last&next={next}"
            ),
            None,
        )
        .await;
    let mut seen: Vec<String> = first["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    seen.extend(
        second.expect_ok()["comments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_string()),
    );
    let mut unique_ids = seen.clone();
    unique_ids.sort();
    unique_ids.dedup();
    assert_eq!(unique_ids.len(), 20);
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.reverse();
    assert_eq!(seen, sorted, "newest first (ids are time-ordered)");
}

#[tokio::test]
async fn soft_delete_keeps_replies_and_hard_delete_removes() {
    let app = &TestApp::spawn().await;
    let (id, _) = activity(app, json!({})).await;
    let user = unique("u");
    let root = comment(
        app,
        json!({"object_id": id, "comment": "root", "user_id": user}),
    )
    .await;
    let root_id = root["id"].as_str().unwrap();
    comment(
        app,
        json!({"parent_id": root_id, "comment": "reply", "user_id": user}),
    )
    .await;
    let deleted = app
        .server("DELETE", &format!("{COMMENTS}/{root_id}"), None)
        .await;
    assert_eq!(deleted.expect_ok()["comment"]["status"], "deleted");
    let thread = app
        .server("GET", &format!("{COMMENTS}?object_id={id}&depth=2"), None)
        .await;
    let top = &thread.expect_ok()["comments"][0];
    assert_eq!(top["status"], "deleted");
    assert!(top.get("text").is_none());
    assert_eq!(top["replies"][0]["text"], "reply");
    let restored = app
        .server("POST", &format!("{COMMENTS}/{root_id}/restore"), None)
        .await;
    assert_eq!(restored.expect_ok()["comment"]["text"], "root");
    assert_eq!(activity_json(app, &id).await["comment_count"], 2);
    app.server(
        "DELETE",
        &format!("{COMMENTS}/{root_id}?hard_delete=true"),
        None,
    )
    .await
    .expect_ok();
    app.server("GET", &format!("{COMMENTS}/{root_id}"), None)
        .await
        .expect_error(16, 404);
    assert_eq!(activity_json(app, &id).await["comment_count"], 1);
}

#[tokio::test]
async fn restrict_replies_is_enforced() {
    let app = &TestApp::spawn().await;
    let (id, author) = activity(app, json!({"restrict_replies": "people_i_follow"})).await;
    let (friend, stranger) = (unique("friend"), unique("stranger"));
    app.follow(
        &format!("timeline:{author}"),
        &format!("user:{friend}"),
        json!({"activity_copy_limit": 0}),
    )
    .await;
    comment(
        app,
        json!({"object_id": id, "comment": "hi", "user_id": friend}),
    )
    .await;
    app.server(
        "POST",
        COMMENTS,
        Some(json!({"object_id": id, "comment": "hi", "user_id": stranger})),
    )
    .await
    .expect_error(17, 403);
    comment(
        app,
        json!({"object_id": id, "comment": "my own", "user_id": author}),
    )
    .await;
    let (closed, _) = activity(app, json!({"restrict_replies": "nobody"})).await;
    app.server(
        "POST",
        COMMENTS,
        Some(json!({"object_id": closed, "comment": "hi", "user_id": friend})),
    )
    .await
    .expect_error(17, 403);
    app.settle_fanout().await;
}

#[tokio::test]
async fn comments_are_updated_by_their_author() {
    let app = &TestApp::spawn().await;
    let (id, _) = activity(app, json!({})).await;
    let user = unique("u");
    let c = comment(
        app,
        json!({"object_id": id, "comment": "v1", "user_id": user, "custom": {"a": {"b": 1}}}),
    )
    .await;
    let cid = c["id"].as_str().unwrap();
    let updated = app
        .as_user(
            &user,
            "PATCH",
            &format!("{COMMENTS}/{cid}"),
            Some(json!({"comment": "v2"})),
        )
        .await;
    let updated = updated.expect_ok()["comment"].clone();
    assert_eq!(updated["text"], "v2");
    assert!(updated["edited_at"].as_i64().is_some());
    app.as_user(
        &unique("x"),
        "PATCH",
        &format!("{COMMENTS}/{cid}"),
        Some(json!({"comment": "mine"})),
    )
    .await
    .expect_error(17, 403);
    let partial = app
        .server(
            "POST",
            &format!("{COMMENTS}/{cid}/partial"),
            Some(json!({"set": {"custom.a.c": 2}, "unset": ["custom.a.b"]})),
        )
        .await;
    assert_eq!(
        partial.expect_ok()["comment"]["custom"],
        json!({"a": {"c": 2}})
    );
    app.server(
        "POST",
        &format!("{COMMENTS}/{cid}/partial"),
        Some(json!({"set": {"user_id": "x"}})),
    )
    .await
    .expect_error(4, 400);
}

#[tokio::test]
async fn bad_comments_are_refused() {
    let app = &TestApp::spawn().await;
    let (id, _) = activity(app, json!({})).await;
    let user = unique("u");
    let missing = unique("missing");
    app.server(
        "POST",
        COMMENTS,
        Some(json!({"object_id": missing, "comment": "x", "user_id": user})),
    )
    .await
    .expect_error(16, 404);
    app.server(
        "POST",
        COMMENTS,
        Some(json!({"parent_id": missing, "comment": "x", "user_id": user})),
    )
    .await
    .expect_error(16, 404);
    app.server(
        "POST",
        COMMENTS,
        Some(json!({"comment": "x", "user_id": user})),
    )
    .await
    .expect_error(4, 400);
    app.server(
        "POST",
        COMMENTS,
        Some(json!({"object_id": id, "comment": "x".repeat(11_000), "user_id": user})),
    )
    .await
    .expect_error(4, 400);
    app.server(
        "GET",
        &format!("{COMMENTS}?object_id={id}&sort=sideways"),
        None,
    )
    .await
    .expect_error(4, 400);
    app.server("GET", &format!("{COMMENTS}?object_id={id}&limit=500"), None)
        .await
        .expect_error(4, 400);
    let batch = app
        .server(
            "POST",
            &format!("{COMMENTS}/batch"),
            Some(json!({"comments": [
                {"object_id": id, "comment": "a", "user_id": user},
                {"object_id": id, "comment": "b", "user_id": user}
            ]})),
        )
        .await;
    assert_eq!(batch.expect_ok()["comments"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn reads_show_the_newest_five_top_level_comments() {
    let app = &TestApp::spawn().await;
    let (id, author) = activity(app, json!({})).await;
    let user = unique("u");
    let mut ids = Vec::new();
    for i in 0..7 {
        let c = comment(
            app,
            json!({"object_id": id, "comment": format!("c{i}"), "user_id": user}),
        )
        .await;
        ids.push(c["id"].as_str().unwrap().to_string());
    }
    comment(
        app,
        json!({"parent_id": ids[6], "comment": "a reply", "user_id": user}),
    )
    .await;
    ids.reverse();
    let shown = |a: &Value| -> Vec<String> {
        a["comments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_string())
            .collect()
    };
    let a = activity_json(app, &id).await;
    assert_eq!(shown(&a), ids[..5], "newest five, replies not included");
    assert_eq!(a["comments"][0]["user"]["id"], user.as_str());
    assert_eq!(a["comment_count"], 8);
    // The same in a feed read, from one batched read for the whole page.
    let read = app.read_feed(&format!("user:{author}"), json!({})).await;
    assert_eq!(shown(&read["activities"][0]), ids[..5]);
    // get_activity takes another limit and order.
    let path = format!("/api/v2/feeds/activities/{id}?comment_limit=7&comment_sort=first");
    let all = app.server("GET", &path, None).await;
    let mut oldest_first = ids.clone();
    oldest_first.reverse();
    assert_eq!(shown(&all.expect_ok()["activity"]), oldest_first);
    app.server(
        "GET",
        &format!("/api/v2/feeds/activities/{id}?comment_sort=sideways"),
        None,
    )
    .await
    .expect_error(4, 400);
    // enrichment_options can leave comments out.
    let bare = app
        .read_feed(
            &format!("user:{author}"),
            json!({"enrichment_options": {"skip_activity_comments": true}}),
        )
        .await;
    assert_eq!(bare["activities"][0]["comments"], json!([]));
    // An edited comment shows as it is now.
    app.server(
        "PATCH",
        &format!("{COMMENTS}/{}", ids[0]),
        Some(json!({"comment": "edited"})),
    )
    .await
    .expect_ok();
    assert_eq!(
        activity_json(app, &id).await["comments"][0]["text"],
        "edited"
    );
}

#[tokio::test]
async fn votes_on_comments_drive_their_score() {
    let app = &TestApp::spawn().await;
    let (id, _) = activity(app, json!({})).await;
    let c = comment(
        app,
        json!({"object_id": id, "comment": "vote on me", "user_id": unique("u")}),
    )
    .await;
    let cid = c["id"].as_str().unwrap();
    let voters: Vec<String> = (0..4).map(|_| unique("v")).collect();
    let votes = voters.iter().enumerate().map(|(i, v)| {
        let body = json!({"type": if i < 3 { "upvote" } else { "downvote" }, "user_id": v});
        let path = format!("{COMMENTS}/{cid}/reactions");
        async move { app.server("POST", &path, Some(body)).await }
    });
    for r in join_all(votes).await {
        r.expect_ok();
    }
    let got = app.server("GET", &format!("{COMMENTS}/{cid}"), None).await;
    let got = got.expect_ok()["comment"].clone();
    assert_eq!(got["upvote_count"], 3);
    assert_eq!(got["downvote_count"], 1);
    assert_eq!(got["score"], 2);
    assert_eq!(got["reaction_count"], 4);
    assert_eq!(got["reaction_groups"]["upvote"]["count"], 3);
    assert_eq!(got["latest_reactions"].as_array().unwrap().len(), 4);
    // Taking an upvote back lowers the score; the activity's own reactions are untouched.
    let undone = app
        .server(
            "DELETE",
            &format!("{COMMENTS}/{cid}/reactions/upvote?user_id={}", voters[0]),
            None,
        )
        .await;
    let undone = undone.expect_ok()["comment"].clone();
    assert_eq!(undone["score"], 1);
    assert_eq!(undone["upvote_count"], 2);
    assert_eq!(activity_json(app, &id).await["reaction_count"], 0);
    let listed = app
        .server(
            "POST",
            &format!("{COMMENTS}/{cid}/reactions/query"),
            Some(json!({"filter": {"reaction_type": "upvote"}})),
        )
        .await;
    let listed = listed.expect_ok()["reactions"].as_array().unwrap().clone();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0]["comment_id"], cid);
    assert_eq!(listed[0]["activity_id"], id.as_str());
    let batch = app
        .server(
            "POST",
            &format!("{COMMENTS}/reactions/query"),
            Some(json!({"comment_ids": [cid]})),
        )
        .await;
    assert_eq!(batch.expect_ok()["reactions"].as_array().unwrap().len(), 3);
    app.server(
        "POST",
        &format!("{COMMENTS}/{}/reactions", unique("missing")),
        Some(json!({"type": "upvote", "user_id": voters[0]})),
    )
    .await
    .expect_error(16, 404);
}

#[tokio::test]
async fn ranked_sorts_follow_the_votes() {
    let app = &TestApp::spawn().await;
    let (id, _) = activity(app, json!({})).await;
    let user = unique("u");
    let mut ids = Vec::new();
    // (upvotes, downvotes) for comments A, B, C, added in that order.
    let votes = [(3, 0), (20, 15), (1, 0)];
    for (name, (up, down)) in ["A", "B", "C"].iter().zip(votes) {
        let c = comment(
            app,
            json!({"object_id": id, "comment": name, "user_id": user}),
        )
        .await;
        let cid = c["id"].as_str().unwrap().to_string();
        let casts = (0..up + down).map(|i| {
            let body =
                json!({"type": if i < up { "upvote" } else { "downvote" }, "user_id": unique("v")});
            let path = format!("{COMMENTS}/{cid}/reactions");
            async move { app.server("POST", &path, Some(body)).await }
        });
        for r in join_all(casts).await {
            r.expect_ok();
        }
        ids.push(cid);
    }
    let texts = |sort: &str| {
        let path = format!("{COMMENTS}?object_id={id}&sort={sort}");
        async move {
            let page = app.server("GET", &path, None).await;
            page.expect_ok()["comments"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["text"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(texts("top").await, ["B", "A", "C"]);
    assert_eq!(texts("best").await, ["A", "B", "C"]);
    assert_eq!(texts("controversial").await, ["B", "C", "A"]);
    // Ranked pages continue by position.
    let first = app
        .server(
            "GET",
            &format!("{COMMENTS}?object_id={id}&sort=top&limit=2"),
            None,
        )
        .await;
    let first = first.expect_ok().clone();
    let next = first["next"].as_str().unwrap();
    let rest = app
        .server(
            "GET",
            &format!("{COMMENTS}?object_id={id}&sort=top&limit=2&next={next}"),
            None,
        )
        .await;
    assert_eq!(rest.expect_ok()["comments"][0]["text"], "C");
    assert!(first["comments"][0]["confidence_score"].as_f64().unwrap() > 0.0);
}
