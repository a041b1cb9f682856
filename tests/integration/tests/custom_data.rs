//! Whatever JSON Stream accepts as custom data round-trips exactly: numbers beyond DynamoDB's
//! range, empty keys and nesting deeper than DynamoDB's 32 levels are stored as JSON text
//! (`tributary_store::document`), and data over the documented limits is a code-4 error
//! naming the field, never a 500 (issue 12).

use serde_json::{json, Value};
use tributary_domain::validate::{MAX_DOCUMENT_BYTES, MAX_DOCUMENT_DEPTH};
use tributary_integration_tests::{unique, TestApp};

fn nested(levels: usize) -> Value {
    let mut v = json!("bottom");
    for i in 0..levels {
        v = if i % 2 == 0 {
            json!({ "d": v })
        } else {
            json!([v])
        };
    }
    v
}

/// The awkward custom data: DynamoDB can store none of these as maps and numbers.
fn awkward() -> Value {
    json!({"big": 1e200, "tiny": 5e-324, "": 1, "deep": nested(40), "one": 1.0, "n": -7})
}

/// Custom data over the byte limit.
fn too_big() -> Value {
    json!({ "blob": "x".repeat(MAX_DOCUMENT_BYTES) })
}

/// Custom data nested deeper than the limit (but well within what JSON parsers take).
fn too_deep() -> Value {
    json!({ "deep": nested(MAX_DOCUMENT_DEPTH + 1) })
}

fn feed_path(fid: &str) -> String {
    let (group, id) = fid.split_once(':').expect("group:id");
    format!("/api/v2/feeds/feed_groups/{group}/feeds/{id}")
}

/// Asserts a code-4 error naming `field` in its message.
fn refused(reply: &tributary_integration_tests::Reply, field: &str) {
    let err = reply.expect_error(4, 400);
    assert!(
        err["message"].as_str().unwrap_or("").contains(field),
        "the error names {field}: {err}"
    );
}

#[tokio::test]
async fn the_issue_repro_is_created_not_a_500() {
    let app = &TestApp::spawn().await;
    let x = unique("x");
    let reply = app
        .server(
            "POST",
            "/api/v2/feeds/activities",
            Some(json!({"type": "post", "feeds": [format!("user:{x}")], "user_id": x, "custom": {"n": 1e200}})),
        )
        .await;
    let created = reply.expect_ok();
    assert_eq!(created["activity"]["custom"], json!({"n": 1e200}));
}

#[tokio::test]
async fn activities_keep_awkward_custom_attachments_and_search_data() {
    let app = &TestApp::spawn().await;
    let user = unique("act");
    let a = app
        .add_activity(
            &user,
            json!({"type": "post", "feeds": [format!("user:{user}")], "custom": awkward(),
                   "attachments": [{"type": "image", "size": 1e200, "": [5e-324]}],
                   "search_data": {"": {"tiny": 5e-324}}}),
        )
        .await;
    assert_eq!(a["custom"], awkward());
    let id = a["id"].as_str().unwrap();
    let got = app
        .server("GET", &format!("/api/v2/feeds/activities/{id}"), None)
        .await;
    let got = &got.expect_ok()["activity"];
    assert_eq!(got["custom"], awkward());
    assert_eq!(
        got["attachments"],
        json!([{"type": "image", "size": 1e200, "": [5e-324]}])
    );
    // Updating it keeps it too (the content is written by UpdateItem), and so does a
    // partial update reaching into it.
    let reply = app
        .server(
            "PUT",
            &format!("/api/v2/feeds/activities/{id}"),
            Some(json!({"custom": awkward(), "feeds": [format!("user:{user}")], "text": "edited"})),
        )
        .await;
    assert_eq!(reply.expect_ok()["activity"]["custom"], awkward());
    let reply = app
        .server(
            "PATCH",
            &format!("/api/v2/feeds/activities/{id}"),
            Some(json!({"set": {"custom.more": {"": 1e300}}})),
        )
        .await;
    let mut expected = awkward();
    expected["more"] = json!({"": 1e300});
    assert_eq!(reply.expect_ok()["activity"]["custom"], expected);
    let got = app
        .server("GET", &format!("/api/v2/feeds/activities/{id}"), None)
        .await;
    assert_eq!(got.expect_ok()["activity"]["custom"], expected);
    // A feed read shows it as written.
    let read = app.read_feed(&format!("user:{user}"), json!({})).await;
    assert_eq!(read["activities"][0]["custom"], expected);

    // Over the activity's limit: code 4.
    let reply = app
        .server(
            "POST",
            "/api/v2/feeds/activities",
            Some(json!({"type": "post", "feeds": [format!("user:{user}")], "user_id": user, "custom": too_big()})),
        )
        .await;
    refused(&reply, "activity");
    let reply = app
        .server(
            "POST",
            "/api/v2/feeds/activities",
            Some(json!({"type": "post", "feeds": [format!("user:{user}")], "user_id": user, "custom": too_deep()})),
        )
        .await;
    refused(&reply, "custom");
}

#[tokio::test]
async fn users_keep_awkward_custom() {
    let app = &TestApp::spawn().await;
    let id = unique("usr");
    let reply = app
        .server(
            "POST",
            "/api/v2/users",
            Some(json!({"users": {&id: {"id": id, "name": "Awk", "custom": awkward()}}})),
        )
        .await;
    assert_eq!(reply.expect_ok()["users"][&id]["custom"], awkward());
    // Read back from the table: the user shown with their activity.
    let a = app.post(&id).await;
    let got = app
        .server(
            "GET",
            &format!("/api/v2/feeds/activities/{}", a["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(got.expect_ok()["activity"]["user"]["custom"], awkward());

    for bad in [too_big(), too_deep()] {
        let reply = app
            .server(
                "POST",
                "/api/v2/users",
                Some(json!({"users": {&id: {"id": id, "custom": bad}}})),
            )
            .await;
        refused(&reply, "custom");
    }
}

#[tokio::test]
async fn follows_keep_awkward_custom() {
    let app = &TestApp::spawn().await;
    let (a, b) = (unique("fa"), unique("fb"));
    let (source, target) = (format!("timeline:{a}"), format!("user:{b}"));
    let f = app
        .follow(&source, &target, json!({"custom": awkward()}))
        .await;
    assert_eq!(f["custom"], awkward());
    let q = app
        .server(
            "POST",
            "/api/v2/feeds/follows/query",
            Some(json!({"filter": {"source_feed": source}, "limit": 10})),
        )
        .await;
    let follows = q.expect_ok()["follows"].as_array().unwrap().clone();
    assert_eq!(follows.len(), 1, "{follows:?}");
    assert_eq!(follows[0]["custom"], awkward());

    for bad in [too_big(), too_deep()] {
        let reply = app
            .server(
                "POST",
                "/api/v2/feeds/follows",
                Some(json!({"source": format!("timeline:{}", unique("fc")), "target": target, "custom": bad})),
            )
            .await;
        refused(&reply, "custom");
    }
    app.settle_fanout().await;
}

#[tokio::test]
async fn feed_groups_and_feeds_keep_awkward_custom() {
    let app = &TestApp::spawn().await;
    let group = unique("grp").replace('-', "_");
    let reply = app
        .server(
            "POST",
            "/api/v2/feeds/feed_groups",
            Some(json!({"id": group, "custom": awkward()})),
        )
        .await;
    reply.expect_ok();
    let got = app
        .server("GET", &format!("/api/v2/feeds/feed_groups/{group}"), None)
        .await;
    assert_eq!(got.expect_ok()["feed_group"]["custom"], awkward());

    let owner = unique("own");
    let fid = format!("user:{owner}");
    let reply = app
        .server(
            "POST",
            &feed_path(&fid),
            Some(json!({"user_id": owner, "data": {"custom": awkward()}})),
        )
        .await;
    assert_eq!(reply.expect_ok()["feed"]["custom"], awkward());
    let read = app.read_feed(&fid, json!({"limit": 0})).await;
    assert_eq!(read["feed"]["custom"], awkward());

    let reply = app
        .server(
            "POST",
            "/api/v2/feeds/feed_groups",
            Some(json!({"id": unique("big").replace('-', "_"), "custom": too_big()})),
        )
        .await;
    refused(&reply, "custom");
    let other = format!("user:{}", unique("own"));
    let reply = app
        .server(
            "POST",
            &feed_path(&other),
            Some(json!({"user_id": owner, "data": {"custom": too_deep()}})),
        )
        .await;
    refused(&reply, "custom");
}

#[tokio::test]
async fn comments_and_reactions_keep_awkward_custom() {
    let app = &TestApp::spawn().await;
    let user = unique("cr");
    app.upsert_user(&user, "Cr").await;
    let a = app.post(&user).await;
    let activity_id = a["id"].as_str().unwrap().to_string();

    // Comments.
    let reply = app
        .server(
            "POST",
            "/api/v2/feeds/comments",
            Some(
                json!({"object_id": activity_id, "object_type": "activity", "comment": "hi",
                        "user_id": user, "custom": awkward(), "attachments": [{"": 1e200}]}),
            ),
        )
        .await;
    let c = reply.expect_ok()["comment"].clone();
    assert_eq!(c["custom"], awkward());
    let cid = c["id"].as_str().unwrap();
    let got = app
        .server("GET", &format!("/api/v2/feeds/comments/{cid}"), None)
        .await;
    let got = got.expect_ok()["comment"].clone();
    assert_eq!(got["custom"], awkward());
    assert_eq!(got["attachments"], json!([{"": 1e200}]));
    // A partial update writes custom by UpdateItem.
    let reply = app
        .server(
            "PATCH",
            &format!("/api/v2/feeds/comments/{cid}"),
            Some(json!({"custom": {"tiny": 5e-324, "": {}}, "user_id": user})),
        )
        .await;
    assert_eq!(
        reply.expect_ok()["comment"]["custom"],
        json!({"tiny": 5e-324, "": {}})
    );
    for bad in [too_big(), too_deep()] {
        let reply = app
            .server(
                "POST",
                "/api/v2/feeds/comments",
                Some(
                    json!({"object_id": activity_id, "object_type": "activity", "comment": "x",
                            "user_id": user, "custom": bad}),
                ),
            )
            .await;
        refused(&reply, "custom");
    }

    // Reactions: the reaction item, the activity's newest reactions and the index read.
    let path = format!("/api/v2/feeds/activities/{activity_id}/reactions");
    let reply = app
        .server(
            "POST",
            &path,
            Some(json!({"type": "like", "user_id": user, "custom": awkward()})),
        )
        .await;
    assert_eq!(reply.expect_ok()["reaction"]["custom"], awkward());
    let q = app
        .server("POST", &format!("{path}/query"), Some(json!({"limit": 10})))
        .await;
    let reactions = q.expect_ok()["reactions"].as_array().unwrap().clone();
    assert_eq!(reactions.len(), 1);
    assert_eq!(reactions[0]["custom"], awkward());
    let got = app
        .server(
            "GET",
            &format!("/api/v2/feeds/activities/{activity_id}"),
            None,
        )
        .await;
    let got = got.expect_ok()["activity"].clone();
    assert_eq!(got["latest_reactions"][0]["custom"], awkward(), "{got}");
    for bad in [too_big(), too_deep()] {
        let reply = app
            .server(
                "POST",
                &path,
                Some(json!({"type": unique("t"), "user_id": user, "custom": bad})),
            )
            .await;
        refused(&reply, "custom");
    }
    app.settle_fanout().await;
}

#[tokio::test]
async fn feed_members_and_levels_keep_awkward_custom() {
    let app = &TestApp::spawn().await;
    let owner = unique("mo");
    let amy = unique("amy");
    app.upsert_user(&amy, "Amy").await;
    let fid = format!("user:{owner}");
    app.server("POST", &feed_path(&fid), Some(json!({"user_id": owner})))
        .await
        .expect_ok();
    let members = format!("{}/members", feed_path(&fid));
    app.server(
        "PATCH",
        &members,
        Some(json!({"operation": "upsert", "members": [{"user_id": amy, "custom": awkward()}]})),
    )
    .await
    .expect_ok();
    let q = app
        .server("POST", &format!("{members}/query"), Some(json!({})))
        .await;
    let list = q.expect_ok()["members"].as_array().unwrap().clone();
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["custom"], awkward());

    for bad in [too_big(), too_deep()] {
        let reply = app
            .server(
                "PATCH",
                &members,
                Some(json!({"operation": "upsert", "members": [{"user_id": amy, "custom": bad}]})),
            )
            .await;
        refused(&reply, "custom");
    }

    let level = unique("lvl").replace('-', "_");
    let reply = app
        .server(
            "POST",
            "/api/v2/feeds/membership_levels",
            Some(json!({"id": level, "name": "Gold", "custom": awkward()})),
        )
        .await;
    assert_eq!(reply.expect_ok()["membership_level"]["custom"], awkward());
}

#[tokio::test]
async fn what_dynamodb_still_refuses_is_a_code_4_not_a_500() {
    // A feed's location is not range-checked, so a latitude beyond DynamoDB's number range
    // reaches DynamoDB, which refuses it with a ValidationException.
    let app = &TestApp::spawn().await;
    let owner = unique("loc");
    let reply = app
        .server(
            "POST",
            &feed_path(&format!("user:{owner}")),
            Some(json!({"user_id": owner, "data": {"location": {"lat": 1e200, "lng": 0.0}}})),
        )
        .await;
    let err = reply.expect_error(4, 400);
    assert!(
        err["message"]
            .as_str()
            .unwrap_or("")
            .contains("could not be stored"),
        "{err}"
    );
}
