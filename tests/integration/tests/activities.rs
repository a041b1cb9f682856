//! The activities family against DynamoDB Local: what is stored, what is returned, and
//! that bad input changes nothing.

use aws_sdk_dynamodb::types::AttributeValue;
use futures::future::join_all;
use serde_json::{json, Value};
use tributary_integration_tests::{unique, TestApp};
use tributary_store::keys;

const ACTIVITIES: &str = "/api/v2/feeds/activities";

async fn feed_entries(app: &TestApp, fid: &str) -> Vec<String> {
    let out = app
        .store
        .client()
        .query()
        .table_name(app.store.table())
        .key_condition_expression("pk = :pk AND begins_with(sk, :e)")
        .expression_attribute_values(":pk", AttributeValue::S(keys::feed_partition(fid)))
        .expression_attribute_values(":e", AttributeValue::S(keys::FEED_ENTRY_PREFIX.into()))
        .consistent_read(true)
        .send()
        .await
        .expect("query feed");
    out.items()
        .iter()
        .map(|i| i["activity_id"].as_s().expect("activity_id").clone())
        .collect()
}

#[tokio::test]
async fn every_field_round_trips() {
    let app = TestApp::spawn().await;
    let (author, mentioned) = (unique("author"), unique("mentioned"));
    app.upsert_user(&author, "Author").await;
    app.upsert_user(&mentioned, "Mentioned").await;
    let id = unique("act");
    let fid = format!("user:{author}");
    // The poll an activity names must exist.
    let poll = unique("poll");
    app.server(
        "POST",
        "/api/v2/polls",
        Some(json!({"id": poll, "name": "Q?"})),
    )
    .await
    .expect_ok();
    let added = app
        .add_activity(
            &author,
            json!({
                "id": id, "type": "post", "feeds": [fid], "text": "hello",
                "attachments": [{"type": "image", "image_url": "https://example.com/a.png", "custom": {"w": 3}}],
                "custom": {"mood": "good", "nested": {"n": 1.5}},
                "expires_at": "2099-01-01T00:00:00Z",
                "filter_tags": ["a", "b"], "interest_tags": ["x"],
                "location": {"lat": 52.5, "lng": 13.4},
                "mentioned_user_ids": [mentioned],
                "poll_id": poll, "restrict_replies": "people_i_follow",
                "search_data": {"k": "v"}, "visibility": "tag", "visibility_tag": "premium",
                "collection_refs": ["food:pizza"]
            }),
        )
        .await;
    let got = app.server("GET", &format!("{ACTIVITIES}/{id}"), None).await;
    let got = &got.expect_ok()["activity"];
    for a in [&added, got] {
        assert_eq!(a["id"], id);
        assert_eq!(a["type"], "post");
        assert_eq!(a["user"]["id"], author.as_str());
        assert_eq!(a["user"]["name"], "Author");
        assert_eq!(a["feeds"], json!([fid]));
        assert_eq!(a["attachments"][0]["custom"]["w"], 3);
        assert_eq!(a["custom"], json!({"mood": "good", "nested": {"n": 1.5}}));
        assert_eq!(a["expires_at"], json!(4_070_908_800_000_000_000_i64));
        assert_eq!(a["filter_tags"], json!(["a", "b"]));
        assert_eq!(a["interest_tags"], json!(["x"]));
        assert_eq!(a["location"], json!({"lat": 52.5, "lng": 13.4}));
        assert_eq!(a["mentioned_users"][0]["id"], mentioned.as_str());
        assert_eq!(a["mentioned_users"][0]["name"], "Mentioned");
        assert_eq!(a["poll_id"], json!(poll));
        assert_eq!(a["poll"]["id"], json!(poll));
        assert_eq!(a["restrict_replies"], "people_i_follow");
        assert_eq!(a["search_data"], json!({"k": "v"}));
        assert_eq!(a["visibility"], "tag");
        assert_eq!(a["visibility_tag"], "premium");
        for counter in [
            "share_count",
            "reaction_count",
            "comment_count",
            "bookmark_count",
        ] {
            assert_eq!(a[counter], 0, "{counter}");
        }
        assert!(
            a["created_at"].as_i64().unwrap() > 1_700_000_000_000_000_000,
            "nanoseconds"
        );
        assert_eq!(a["created_at"], a["updated_at"]);
    }
}

#[tokio::test]
async fn entries_are_written_per_feed_and_removed_by_hard_delete() {
    let app = TestApp::spawn().await;
    let user = unique("u");
    let feeds: Vec<String> = vec![
        format!("user:{user}"),
        format!("timeline:{user}"),
        format!("foryou:{user}"),
    ];
    let a = app
        .add_activity(&user, json!({"type": "post", "feeds": feeds}))
        .await;
    let id = a["id"].as_str().unwrap().to_string();
    for fid in &feeds {
        assert_eq!(feed_entries(&app, fid).await, vec![id.clone()], "{fid}");
    }
    // A soft delete keeps the entries (reads hide them); a hard delete removes everything.
    app.server("DELETE", &format!("{ACTIVITIES}/{id}"), None)
        .await
        .expect_ok();
    assert_eq!(feed_entries(&app, &feeds[0]).await.len(), 1);
    app.hard_delete(&id).await;
    for fid in &feeds {
        assert!(feed_entries(&app, fid).await.is_empty(), "{fid}");
    }
    assert!(app.store.get_activity(&id).await.unwrap().is_none());
    app.server("GET", &format!("{ACTIVITIES}/{id}"), None)
        .await
        .expect_error(16, 404);
}

#[tokio::test]
async fn moving_feeds_moves_entries() {
    let app = TestApp::spawn().await;
    let user = unique("u");
    let (a_feed, b_feed) = (format!("user:{user}"), format!("timeline:{user}"));
    let a = app
        .add_activity(&user, json!({"type": "post", "feeds": [a_feed]}))
        .await;
    let id = a["id"].as_str().unwrap();
    app.server(
        "PATCH",
        &format!("{ACTIVITIES}/{id}"),
        Some(json!({"set": {"feeds": [b_feed]}})),
    )
    .await
    .expect_ok();
    assert!(feed_entries(&app, &a_feed).await.is_empty());
    assert_eq!(feed_entries(&app, &b_feed).await, vec![id.to_string()]);
}

#[tokio::test]
async fn concurrent_shares_count_exactly() {
    let app = TestApp::spawn().await;
    let user = unique("u");
    let fid = format!("user:{user}");
    let parent = app
        .add_activity(&user, json!({"type": "post", "feeds": [fid]}))
        .await;
    let parent_id = parent["id"].as_str().unwrap();
    let shares = (0..20).map(|_| {
        app.server(
            "POST",
            ACTIVITIES,
            Some(json!({"type": "share", "feeds": [fid], "user_id": user, "parent_id": parent_id})),
        )
    });
    for reply in join_all(shares).await {
        assert_eq!(reply.expect_ok()["activity"]["parent"]["id"], parent_id);
    }
    let got = app
        .server("GET", &format!("{ACTIVITIES}/{parent_id}"), None)
        .await;
    assert_eq!(got.expect_ok()["activity"]["share_count"], 20);
    // Sharing something that does not exist is refused and writes nothing.
    let ghost = unique("ghost");
    let id = unique("share");
    app.server(
        "POST",
        ACTIVITIES,
        Some(
            json!({"id": id, "type": "share", "feeds": [fid], "user_id": user, "parent_id": ghost}),
        ),
    )
    .await
    .expect_error(4, 400);
    assert!(app.store.get_activity(&id).await.unwrap().is_none());
}

#[tokio::test]
async fn concurrent_partial_updates_lose_nothing() {
    let app = TestApp::spawn().await;
    let user = unique("u");
    let a = app.post(&user).await;
    let id = a["id"].as_str().unwrap();
    let path = format!("{ACTIVITIES}/{id}");
    let updates = (0..10).map(|i| {
        app.server(
            "PATCH",
            &path,
            Some(json!({"set": {format!("custom.k{i}"): i}})),
        )
    });
    for reply in join_all(updates).await {
        reply.expect_ok();
    }
    let got = app.server("GET", &path, None).await;
    let custom = got.expect_ok()["activity"]["custom"]
        .as_object()
        .unwrap()
        .clone();
    assert_eq!(custom.len(), 10, "{custom:?}");
    assert!(got.body["activity"]["edited_at"].as_i64().is_some());
}

#[tokio::test]
async fn a_failed_batch_writes_nothing() {
    let app = TestApp::spawn().await;
    let user = unique("u");
    let (good, bad) = (unique("good"), unique("bad"));
    let reply = app
        .server(
            "POST",
            &format!("{ACTIVITIES}/batch"),
            Some(json!({"activities": [
                {"id": good, "type": "post", "feeds": [format!("user:{user}")], "user_id": user},
                {"id": bad, "type": "post", "feeds": ["nosuchgroup:x"], "user_id": user}
            ]})),
        )
        .await;
    let body = reply.expect_error(4, 400);
    assert!(
        body["message"].as_str().unwrap().contains("nosuchgroup"),
        "{body}"
    );
    for id in [&good, &bad] {
        assert!(
            app.store.get_activity(id).await.unwrap().is_none(),
            "{id} was written"
        );
    }
    let invalid = app
        .server(
            "POST",
            &format!("{ACTIVITIES}/batch"),
            Some(json!({"activities": [
                {"id": good, "type": "post", "feeds": [format!("user:{user}")], "user_id": user},
                {"id": bad, "feeds": [format!("user:{user}")], "user_id": user}
            ]})),
        )
        .await;
    let body = invalid.expect_error(4, 400);
    assert!(
        body["exception_fields"].get("activities[1].type").is_some(),
        "{body}"
    );
    assert!(app.store.get_activity(&good).await.unwrap().is_none());
}

#[tokio::test]
async fn upsert_creates_then_replaces() {
    let app = TestApp::spawn().await;
    let user = unique("u");
    let id = unique("a");
    let fid = format!("user:{user}");
    let batch = |text: &str| json!({"activities": [{"id": id, "type": "post", "feeds": [fid], "user_id": user, "text": text}]});
    let first = app
        .server("POST", &format!("{ACTIVITIES}/batch"), Some(batch("one")))
        .await;
    let created_at = first.expect_ok()["activities"][0]["created_at"].clone();
    let second = app
        .server("POST", &format!("{ACTIVITIES}/batch"), Some(batch("two")))
        .await;
    let again = &second.expect_ok()["activities"][0];
    assert_eq!(again["text"], "two");
    assert_eq!(again["created_at"], created_at);
    assert_eq!(feed_entries(&app, &fid).await, vec![id.clone()]);
}

#[tokio::test]
async fn bad_input_is_refused_with_the_field_named() {
    let app = TestApp::spawn().await;
    let user = unique("u");
    let fid = format!("user:{user}");
    let many: Vec<String> = (0..256).map(|i| format!("user:{i}")).collect();
    let cases = [
        (json!({"feeds": [fid]}), "type"),
        (json!({"type": "post", "feeds": []}), "feeds"),
        (json!({"type": "post"}), "feeds"),
        (json!({"type": "post", "feeds": many}), "feeds"),
        (json!({"type": "post", "feeds": ["nosuchgroup:x"]}), "feeds"),
        (json!({"type": "post", "feeds": ["user"]}), "feeds[0]"),
        (
            json!({"type": "post", "feeds": [fid], "visibility": "tag"}),
            "visibility_tag",
        ),
        (
            json!({"type": "post", "feeds": [fid], "visibility": "friends"}),
            "visibility",
        ),
        (
            json!({"type": "post", "feeds": [fid], "text": "x".repeat(11_000)}),
            "activity",
        ),
        (
            json!({"type": "post", "feeds": [fid], "expires_at": "soon"}),
            "expires_at",
        ),
        (json!({"type": "post", "feeds": "user:1"}), "feeds"),
    ];
    for (mut body, field) in cases {
        body["user_id"] = json!(user);
        let reply = app.server("POST", ACTIVITIES, Some(body.clone())).await;
        let err = reply.expect_error(4, 400);
        assert!(
            err["exception_fields"].get(field).is_some(),
            "expected {field} named for {body}: {err}"
        );
    }
    // A server call must say whom it acts for.
    app.server(
        "POST",
        ACTIVITIES,
        Some(json!({"type": "post", "feeds": [fid]})),
    )
    .await
    .expect_error(4, 400);

    // A taken id is refused and the original is unchanged.
    let a = app
        .add_activity(
            &user,
            json!({"type": "post", "feeds": [fid], "text": "original"}),
        )
        .await;
    let id = a["id"].as_str().unwrap();
    app.server(
        "POST",
        ACTIVITIES,
        Some(json!({"id": id, "type": "post", "feeds": [fid], "user_id": user, "text": "dup"})),
    )
    .await
    .expect_error(4, 400);
    // Unknown fields in set/unset are refused and change nothing.
    let path = format!("{ACTIVITIES}/{id}");
    for body in [
        json!({"set": {"nonexistent_field": 1}}),
        json!({"set": {"id": "other"}}),
        json!({"unset": ["nonexistent_field"]}),
        json!({"unset": ["custom.missing"]}),
        json!({"set": {"custom.a.b": 1}}),
        json!({"set": {"text": "y".repeat(11_000)}}),
    ] {
        app.server("PATCH", &path, Some(body))
            .await
            .expect_error(4, 400);
    }
    let got = app.server("GET", &path, None).await;
    assert_eq!(got.expect_ok()["activity"]["text"], "original");
    assert!(got.body["activity"].get("edited_at").is_none());
    app.server("GET", &format!("{ACTIVITIES}/{}", unique("missing")), None)
        .await
        .expect_error(16, 404);
    app.server(
        "PUT",
        &format!("{ACTIVITIES}/{}", unique("missing")),
        Some(json!({"text": "x"})),
    )
    .await
    .expect_error(16, 404);
}

#[tokio::test]
async fn soft_delete_restore_and_delete_many() {
    let app = TestApp::spawn().await;
    let user = unique("u");
    let fid = format!("user:{user}");
    let a = app
        .add_activity(&user, json!({"type": "post", "feeds": [fid]}))
        .await;
    let b = app
        .add_activity(&user, json!({"type": "post", "feeds": [fid]}))
        .await;
    let (a_id, b_id) = (a["id"].as_str().unwrap(), b["id"].as_str().unwrap());
    app.server("DELETE", &format!("{ACTIVITIES}/{a_id}"), None)
        .await
        .expect_ok();
    let got = app
        .server("GET", &format!("{ACTIVITIES}/{a_id}"), None)
        .await;
    assert!(got.expect_ok()["activity"]["deleted_at"].as_i64().is_some());
    let restored = app
        .server("POST", &format!("{ACTIVITIES}/{a_id}/restore"), None)
        .await;
    assert!(restored.expect_ok()["activity"].get("deleted_at").is_none());

    // One missing id fails the whole request and deletes nothing.
    let missing = unique("missing");
    app.server(
        "POST",
        &format!("{ACTIVITIES}/delete"),
        Some(json!({"ids": [a_id, missing], "hard_delete": true})),
    )
    .await
    .expect_error(16, 404);
    assert!(app.store.get_activity(a_id).await.unwrap().is_some());
    let deleted = app
        .server(
            "POST",
            &format!("{ACTIVITIES}/delete"),
            Some(json!({"ids": [a_id, b_id], "hard_delete": true})),
        )
        .await;
    assert_eq!(deleted.expect_ok()["deleted_ids"], json!([a_id, b_id]));
    assert!(feed_entries(&app, &fid).await.is_empty());
}

#[tokio::test]
async fn full_update_replaces_content() {
    let app = TestApp::spawn().await;
    let user = unique("u");
    let fid = format!("user:{user}");
    let a = app
        .add_activity(&user, json!({"type": "post", "feeds": [fid], "text": "v1", "custom": {"a": 1}, "filter_tags": ["t"]}))
        .await;
    let id = a["id"].as_str().unwrap();
    let reply = app
        .server(
            "PUT",
            &format!("{ACTIVITIES}/{id}"),
            Some(json!({"text": "v2", "custom": {"b": 2}, "user_id": user})),
        )
        .await;
    let updated = &reply.expect_ok()["activity"];
    assert_eq!(updated["text"], "v2");
    assert_eq!(updated["custom"], json!({"b": 2}));
    assert_eq!(updated["filter_tags"], json!([]));
    assert_eq!(updated["feeds"], json!([fid]));
    assert_eq!(updated["type"], "post");
    assert!(updated["edited_at"].as_i64().is_some());
    assert!(updated["updated_at"].as_i64() > a["updated_at"].as_i64());
}

#[tokio::test]
async fn partial_batch_updates_each_activity() {
    let app = TestApp::spawn().await;
    let user = unique("u");
    let fid = format!("user:{user}");
    let a = app
        .add_activity(
            &user,
            json!({"type": "post", "feeds": [fid], "custom": {"k": 1}}),
        )
        .await;
    let b = app
        .add_activity(&user, json!({"type": "post", "feeds": [fid], "text": "b"}))
        .await;
    let reply = app
        .server(
            "PATCH",
            &format!("{ACTIVITIES}/batch/partial"),
            Some(json!({"changes": [
                {"activity_id": a["id"], "set": {"custom.color": "blue"}},
                {"activity_id": b["id"], "unset": ["text"]}
            ]})),
        )
        .await;
    let activities = reply.expect_ok()["activities"].as_array().unwrap().clone();
    assert_eq!(activities[0]["custom"], json!({"k": 1, "color": "blue"}));
    assert!(activities[1].get("text").is_none());
}

#[tokio::test]
async fn user_tokens_act_only_as_their_user() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (unique("alice"), unique("bob"));
    let fid = format!("user:{alice}");
    app.as_user(
        &alice,
        "POST",
        ACTIVITIES,
        Some(json!({"type": "post", "feeds": [fid], "user_id": bob})),
    )
    .await
    .expect_error(17, 403);
    let own = app
        .as_user(
            &alice,
            "POST",
            ACTIVITIES,
            Some(json!({"type": "post", "feeds": [fid]})),
        )
        .await;
    let own = own.expect_ok()["activity"].clone();
    assert_eq!(own["user"]["id"], alice.as_str());
    let id = own["id"].as_str().unwrap();
    let path = format!("{ACTIVITIES}/{id}");
    app.as_user(
        &bob,
        "PATCH",
        &path,
        Some(json!({"set": {"text": "mine now"}})),
    )
    .await
    .expect_error(17, 403);
    app.as_user(&bob, "DELETE", &path, None)
        .await
        .expect_error(17, 403);
    app.as_user(
        &alice,
        "PATCH",
        &path,
        Some(json!({"set": {"text": "edited"}})),
    )
    .await
    .expect_ok();
    // Private activities are hidden from other users.
    let private = app
        .as_user(
            &alice,
            "POST",
            ACTIVITIES,
            Some(json!({"type": "post", "feeds": [fid], "visibility": "private"})),
        )
        .await;
    let private_id = private.expect_ok()["activity"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.as_user(&bob, "GET", &format!("{ACTIVITIES}/{private_id}"), None)
        .await
        .expect_error(16, 404);
    app.as_user(&alice, "GET", &format!("{ACTIVITIES}/{private_id}"), None)
        .await
        .expect_ok();
}

#[tokio::test]
async fn stored_item_has_its_index_keys() {
    let app = TestApp::spawn().await;
    let user = unique("u");
    let a = app
        .add_activity(&user, json!({"type": "post", "feeds": [format!("user:{user}")], "expires_at": "2099-01-01T00:00:00Z"}))
        .await;
    let id = a["id"].as_str().unwrap();
    let item = app
        .store
        .get_raw("test", keys::activity(id), true)
        .await
        .unwrap()
        .unwrap();
    let created = a["created_at"].as_i64().unwrap();
    let (gsi1pk, gsi1sk) = keys::activity_by_user(&user, created, id);
    assert_eq!(item["gsi1pk"], AttributeValue::S(gsi1pk));
    assert_eq!(item["gsi1sk"], AttributeValue::S(gsi1sk));
    let (gsi2pk, _) = keys::activity_expiry(4_070_908_800_000_000_000, id);
    assert_eq!(item["gsi2pk"], AttributeValue::S(gsi2pk));
    // Clearing the expiry takes the activity out of the expiry index.
    app.server(
        "PATCH",
        &format!("{ACTIVITIES}/{id}"),
        Some(json!({"unset": ["expires_at"]})),
    )
    .await
    .expect_ok();
    let item = app.store.get_activity(id).await.unwrap().unwrap();
    assert_eq!(item.content.expires_at, None);
    let raw = app
        .store
        .get_raw("test", keys::activity(id), true)
        .await
        .unwrap()
        .unwrap();
    assert!(!raw.contains_key("gsi2pk"));
    let _: Value = json!(null);
}
