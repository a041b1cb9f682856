//! The v2 users family against DynamoDB Local: users (add, `get_or_create`, get with follow
//! counts, update, delete) over the same records v3 upserts and reads, collections (one
//! object, ownership under user tokens, the batch calls), and the hosted-only services.

use serde_json::{json, Value};
use tributary_integration_tests::{unique, v2_server_token, v2_token, Reply, TestApp};

/// A reply's body without `duration`, as the v2 clients' tests compare objects.
fn without_duration(reply: &Reply) -> Value {
    let mut body = reply.body.clone();
    assert!(
        body["duration"].as_str().is_some_and(|d| d.ends_with("ms")),
        "no duration: {body}"
    );
    body.as_object_mut().unwrap().remove("duration");
    body
}

/// Asserts a v2 error: status, code and exception, with a `detail`.
fn expect_v2_error(reply: &Reply, status: u16, code: i64, exception: &str) {
    assert_eq!(reply.status, status, "{}", reply.body);
    assert_eq!(reply.body["code"], code, "{}", reply.body);
    assert_eq!(reply.body["exception"], exception, "{}", reply.body);
    assert_eq!(reply.body["status_code"], status, "{}", reply.body);
    assert!(reply.body["detail"].is_string(), "{}", reply.body);
}

async fn server(app: &TestApp, method: &str, path: &str, body: Option<Value>) -> Reply {
    app.v2(method, path, &v2_server_token(), body).await
}

fn user_token(user: &str) -> String {
    v2_token(json!({"user_id": user}))
}

#[tokio::test]
async fn users_add_get_update_and_delete() {
    let app = TestApp::spawn().await;
    let id = unique("u2");
    let added = server(
        &app,
        "POST",
        "/api/v1.0/user/?get_or_create=False",
        Some(json!({"id": id, "data": null})),
    )
    .await;
    assert_eq!(added.status, 201, "{}", added.body);
    let added = without_duration(&added);
    assert_eq!(added["id"], id.as_str());
    assert_eq!(added["data"], json!({}));
    let keys: Vec<&String> = added.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["id", "data", "created_at", "updated_at"]);
    let created = added["created_at"].as_str().unwrap();
    assert_eq!(
        created.len(),
        "2024-01-02T03:04:05.000006".len(),
        "{created}"
    );

    let path = format!("/api/v1.0/user/{id}/");
    let read = server(&app, "GET", &path, None).await;
    assert_eq!(read.status, 200);
    assert_eq!(without_duration(&read), added);

    // get_or_create answers the stored user unchanged; a plain add of it is a conflict.
    let again = server(
        &app,
        "POST",
        "/api/v1.0/user/?get_or_create=True",
        Some(json!({"id": id, "data": {"other": 1}})),
    )
    .await;
    assert_eq!(again.status, 200);
    assert_eq!(without_duration(&again), added);
    let conflict = server(
        &app,
        "POST",
        "/api/v1.0/user/?get_or_create=False",
        Some(json!({"id": id, "data": {}})),
    )
    .await;
    expect_v2_error(&conflict, 409, 22, "ConflictException");
    assert!(conflict.body["duration"].is_string());

    let updated = server(
        &app,
        "PUT",
        &path,
        Some(json!({"data": {"changed": true, "name": "Ann"}})),
    )
    .await;
    assert_eq!(updated.status, 200, "{}", updated.body);
    assert_eq!(
        updated.body["data"],
        json!({"changed": true, "name": "Ann"})
    );
    assert_eq!(updated.body["created_at"], added["created_at"]);
    assert_ne!(updated.body["updated_at"], added["updated_at"]);
    let read = server(&app, "GET", &path, None).await;
    assert_eq!(without_duration(&read), without_duration(&updated));

    let deleted = server(&app, "DELETE", &path, Some(json!({}))).await;
    assert_eq!(deleted.status, 200);
    assert_eq!(without_duration(&deleted), json!({}));
    for (method, body) in [
        ("GET", None),
        ("PUT", Some(json!({"data": {}}))),
        ("DELETE", None),
    ] {
        let gone = server(&app, method, &path, body).await;
        expect_v2_error(&gone, 404, 16, "DoesNotExistException");
    }
    // After a delete the id is free again.
    let readded = server(
        &app,
        "POST",
        "/api/v1.0/user/?get_or_create=False",
        Some(json!({"id": id})),
    )
    .await;
    assert_eq!(readded.status, 201, "{}", readded.body);
}

#[tokio::test]
async fn user_input_errors_and_tokens() {
    let app = TestApp::spawn().await;
    for (body, field) in [
        (json!({"id": unique("u2"), "data": "some string"}), "data"),
        (json!({"data": {}}), "id"),
        (json!({"id": "has space"}), "id"),
        (json!({"id": ["x"]}), "id"),
        (
            json!({"id": unique("u2"), "data": {"big": "x".repeat(11_000)}}),
            "data",
        ),
    ] {
        let refused = server(&app, "POST", "/api/v1.0/user/", Some(body.clone())).await;
        expect_v2_error(&refused, 400, 4, "InputException");
        assert!(
            refused.body["exception_fields"][field].is_array(),
            "{body}: {}",
            refused.body
        );
    }
    let bad_flag = server(
        &app,
        "POST",
        "/api/v1.0/user/?get_or_create=perhaps",
        Some(json!({"id": unique("u2")})),
    )
    .await;
    expect_v2_error(&bad_flag, 400, 4, "InputException");

    // A user token adds only its own user; a token for another resource adds none.
    let me = unique("u2");
    let own = app
        .v2(
            "POST",
            "/api/v1.0/user/",
            &user_token(&me),
            Some(json!({"id": me, "data": {"a": 1}})),
        )
        .await;
    assert_eq!(own.status, 201, "{}", own.body);
    let other = unique("u2");
    let refused = app
        .v2(
            "POST",
            "/api/v1.0/user/",
            &user_token(&me),
            Some(json!({"id": other})),
        )
        .await;
    expect_v2_error(&refused, 403, 17, "NotAllowedException");
    let wrong_scope = v2_token(json!({"resource": "feed", "action": "*", "feed_id": "*"}));
    let refused = app
        .v2(
            "POST",
            "/api/v1.0/user/",
            &wrong_scope,
            Some(json!({"id": other})),
        )
        .await;
    expect_v2_error(&refused, 403, 17, "NotAllowedException");
    let changed_other = app
        .v2(
            "PUT",
            &format!("/api/v1.0/user/{me}/"),
            &user_token(&other),
            Some(json!({"data": {}})),
        )
        .await;
    expect_v2_error(&changed_other, 403, 17, "NotAllowedException");
    // Nothing refused was written.
    let missing = server(&app, "GET", &format!("/api/v1.0/user/{other}/"), None).await;
    expect_v2_error(&missing, 404, 16, "DoesNotExistException");
    let mine = server(&app, "GET", &format!("/api/v1.0/user/{me}/"), None).await;
    assert_eq!(mine.body["data"], json!({"a": 1}));
}

#[tokio::test]
async fn follow_counts_are_the_user_and_timeline_feeds() {
    let app = TestApp::spawn().await;
    let id = unique("u2");
    server(&app, "POST", "/api/v1.0/user/", Some(json!({"id": id}))).await;
    let fan = unique("fan");
    let star = unique("star");
    for (source, target) in [
        (format!("timeline:{fan}"), format!("user:{id}")),
        (format!("timeline:{id}"), format!("user:{star}")),
        (format!("timeline:{id}"), format!("user:{fan}")),
    ] {
        let (g, fid) = source.split_once(':').unwrap();
        let follow = server(
            &app,
            "POST",
            &format!("/api/v1.0/feed/{g}/{fid}/follows/"),
            Some(json!({"target": target})),
        )
        .await;
        assert_eq!(follow.status, 200, "{}", follow.body);
    }
    let path = format!("/api/v1.0/user/{id}/?with_follow_counts=True");
    let read = server(&app, "GET", &path, None).await;
    assert_eq!(read.status, 200, "{}", read.body);
    assert_eq!(read.body["followers_count"], 1);
    assert_eq!(read.body["following_count"], 2);
    let plain = server(&app, "GET", &format!("/api/v1.0/user/{id}/"), None).await;
    assert!(plain.body.get("followers_count").is_none());
}

#[tokio::test]
async fn v2_users_are_the_users_v3_reads_and_writes() {
    let app = TestApp::spawn().await;
    // v2 -> v3: `data.name` and `data.image` are the user's own fields, the rest is custom.
    let id = unique("u2");
    server(
        &app,
        "POST",
        "/api/v1.0/user/",
        Some(json!({"id": id, "data": {"name": "Barry", "image": "b.png", "likes": ["x"]}})),
    )
    .await;
    let activity = app
        .add_activity(
            &id,
            json!({"type": "post", "feeds": [format!("user:{id}")]}),
        )
        .await;
    let user = &activity["user"];
    assert_eq!(user["name"], "Barry");
    assert_eq!(user["image"], "b.png");
    assert_eq!(user["custom"], json!({"likes": ["x"]}));

    // v3 -> v2: a v3 user reads with its name in `data`; a v2 update keeps its v3-only fields.
    let v3 = unique("u3");
    let upsert = app
        .server(
            "POST",
            "/api/v2/users",
            Some(
                json!({"users": {&v3: {"id": v3, "name": "Cleo", "role": "admin",
                "teams": ["blue"], "custom": {"level": 3}}}}),
            ),
        )
        .await;
    upsert.expect_ok();
    let read = server(&app, "GET", &format!("/api/v1.0/user/{v3}/"), None).await;
    assert_eq!(read.status, 200, "{}", read.body);
    assert_eq!(read.body["data"], json!({"level": 3, "name": "Cleo"}));
    let updated = server(
        &app,
        "PUT",
        &format!("/api/v1.0/user/{v3}/"),
        Some(json!({"data": {"level": 4}})),
    )
    .await;
    assert_eq!(updated.body["data"], json!({"level": 4}));
    let activity = app
        .add_activity(
            &v3,
            json!({"type": "post", "feeds": [format!("user:{v3}")]}),
        )
        .await;
    let user = &activity["user"];
    assert_eq!(user["role"], "admin");
    assert_eq!(user["teams"], json!(["blue"]));
    assert_eq!(user["custom"], json!({"level": 4}));
    assert!(user.get("name").is_none_or(Value::is_null), "{user}");
    // A v3 user is an existing user for v2's add.
    let conflict = server(&app, "POST", "/api/v1.0/user/", Some(json!({"id": v3}))).await;
    expect_v2_error(&conflict, 409, 22, "ConflictException");
}

#[tokio::test]
async fn collection_objects_add_get_update_and_delete() {
    let app = TestApp::spawn().await;
    let id = unique("item");
    let added = server(
        &app,
        "POST",
        "/api/v1.0/collections/items/",
        Some(json!({"id": id, "data": {"data": 1}, "user_id": "tom"})),
    )
    .await;
    assert_eq!(added.status, 201, "{}", added.body);
    let added = without_duration(&added);
    assert_eq!(added["id"], id.as_str());
    assert_eq!(added["collection"], "items");
    assert_eq!(added["foreign_id"], format!("items:{id}"));
    assert_eq!(added["data"], json!({"data": 1}));
    let keys: Vec<&String> = added.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        [
            "id",
            "collection",
            "foreign_id",
            "data",
            "created_at",
            "updated_at"
        ]
    );
    let path = format!("/api/v1.0/collections/items/{id}/");
    let read = server(&app, "GET", &path, None).await;
    assert_eq!(without_duration(&read), added);

    let conflict = server(
        &app,
        "POST",
        "/api/v1.0/collections/items/",
        Some(json!({"id": id, "data": {"other": 2}})),
    )
    .await;
    expect_v2_error(&conflict, 409, 22, "ConflictException");

    let updated = server(&app, "PUT", &path, Some(json!({"data": {"changed": true}}))).await;
    assert_eq!(updated.status, 200, "{}", updated.body);
    assert_eq!(updated.body["data"], json!({"changed": true}));
    assert_eq!(updated.body["created_at"], added["created_at"]);
    assert_ne!(updated.body["updated_at"], added["updated_at"]);
    assert_eq!(
        without_duration(&server(&app, "GET", &path, None).await),
        without_duration(&updated)
    );
    let moved = server(
        &app,
        "PUT",
        &path,
        Some(json!({"id": "1234", "data": {"x": 1}})),
    )
    .await;
    expect_v2_error(&moved, 400, 4, "InputException");

    let deleted = server(&app, "DELETE", &path, Some(json!({}))).await;
    assert_eq!(without_duration(&deleted), json!({}));
    expect_v2_error(
        &server(&app, "GET", &path, None).await,
        404,
        16,
        "DoesNotExistException",
    );
    expect_v2_error(
        &server(&app, "DELETE", &path, None).await,
        404,
        16,
        "DoesNotExistException",
    );
    expect_v2_error(
        &server(&app, "PUT", &path, Some(json!({"data": {}}))).await,
        404,
        16,
        "DoesNotExistException",
    );

    // Without an id the server makes one; bad ids and data are refused.
    let generated = server(
        &app,
        "POST",
        "/api/v1.0/collections/items/",
        Some(json!({"id": null, "data": {"data": 1}, "user_id": null})),
    )
    .await;
    assert_eq!(generated.status, 201, "{}", generated.body);
    assert_eq!(generated.body["id"].as_str().unwrap().len(), 36);
    for (body, field) in [
        (json!({"id": "!abcdee!", "data": {"a": 1}}), "id"),
        (json!({"data": "some string"}), "data"),
        (json!({"data": {}}), "data"),
        (json!({"data": {"a": 1}, "user_id": 5}), "user_id"),
        (json!({"data": {"big": "x".repeat(11_000)}}), "data"),
    ] {
        let refused = server(&app, "POST", "/api/v1.0/collections/items/", Some(body)).await;
        expect_v2_error(&refused, 400, 4, "InputException");
        assert!(
            refused.body["exception_fields"][field].is_array(),
            "{}",
            refused.body
        );
    }
}

#[tokio::test]
async fn user_tokens_change_only_their_own_objects() {
    let app = TestApp::spawn().await;
    let (alice, bob) = (unique("alice"), unique("bob"));
    let added = app
        .v2(
            "POST",
            "/api/v1.0/collections/food/",
            &user_token(&alice),
            Some(json!({"data": {"name": "cheese burger"}})),
        )
        .await;
    assert_eq!(added.status, 201, "{}", added.body);
    let id = added.body["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1.0/collections/food/{id}/");
    let bobs_read = app.v2("GET", &path, &user_token(&bob), None).await;
    assert_eq!(bobs_read.status, 200);
    for (method, body) in [
        ("PUT", Some(json!({"data": {"name": "mine"}}))),
        ("DELETE", None),
    ] {
        let refused = app.v2(method, &path, &user_token(&bob), body).await;
        expect_v2_error(&refused, 403, 17, "NotAllowedException");
    }
    assert_eq!(
        server(&app, "GET", &path, None).await.body["data"],
        json!({"name": "cheese burger"})
    );
    let as_other = app
        .v2(
            "POST",
            "/api/v1.0/collections/food/",
            &user_token(&bob),
            Some(json!({"data": {"a": 1}, "user_id": alice})),
        )
        .await;
    expect_v2_error(&as_other, 403, 17, "NotAllowedException");
    let changed = app
        .v2(
            "PUT",
            &path,
            &user_token(&alice),
            Some(json!({"data": {"name": "better burger"}})),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    let deleted = app.v2("DELETE", &path, &user_token(&alice), None).await;
    assert_eq!(deleted.status, 200, "{}", deleted.body);
    // Batch calls are server-side only.
    let batch = app
        .v2(
            "GET",
            &format!("/api/v1.0/collections/?foreign_ids=food%3A{id}"),
            &user_token(&alice),
            None,
        )
        .await;
    expect_v2_error(&batch, 403, 17, "NotAllowedException");
}

#[tokio::test]
async fn collection_batches_upsert_select_and_delete() {
    let app = TestApp::spawn().await;
    let name = unique("people").replace('-', "_");
    let (one, two) = (unique("p"), unique("p"));
    let upserted = server(
        &app,
        "POST",
        "/api/v1.0/collections/",
        Some(json!({"data": {&name: [
            {"id": one, "name": "Juniper", "hobbies": ["Playing"]},
            {"id": two, "name": "Ruby"}
        ]}})),
    )
    .await;
    assert_eq!(upserted.status, 201, "{}", upserted.body);
    let first = upserted.body["data"][&name][0].clone();
    assert_eq!(
        first["data"],
        json!({"name": "Juniper", "hobbies": ["Playing"]})
    );

    let select = format!(
        "/api/v1.0/collections/?foreign_ids={name}%3A{two}%2C{name}%3A{one}%2C{name}%3Anone"
    );
    let selected = server(&app, "GET", &select, None).await;
    assert_eq!(selected.status, 200, "{}", selected.body);
    let data = selected.body["response"]["data"]
        .as_array()
        .unwrap()
        .clone();
    let ids: Vec<&str> = data.iter().map(|o| o["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [two.as_str(), one.as_str()]);
    assert_eq!(data[1], first);
    // The single-object read shows the same object.
    let single = server(
        &app,
        "GET",
        &format!("/api/v1.0/collections/{name}/{one}/"),
        None,
    )
    .await;
    assert_eq!(without_duration(&single), first);

    // Upserting again replaces the data and keeps created_at.
    let again = server(
        &app,
        "POST",
        "/api/v1.0/collections/",
        Some(json!({"data": {&name: [{"id": one, "name": "June"}]}})),
    )
    .await;
    let replaced = &again.body["data"][&name][0];
    assert_eq!(replaced["data"], json!({"name": "June"}));
    assert_eq!(replaced["created_at"], first["created_at"]);

    // delete_many takes repeated `ids` (stream-python) and comma lists (stream-go2).
    let deleted = server(
        &app,
        "DELETE",
        &format!("/api/v1.0/collections/?collection_name={name}&ids={one}&ids={two}&ids=none"),
        Some(json!({})),
    )
    .await;
    assert_eq!(deleted.status, 200, "{}", deleted.body);
    let selected = server(&app, "GET", &select, None).await;
    assert_eq!(selected.body["response"]["data"], json!([]));

    for path in [
        "/api/v1.0/collections/?foreign_ids=nocolon",
        "/api/v1.0/collections/?ids=1",
    ] {
        let method = if path.contains("foreign_ids") {
            "GET"
        } else {
            "DELETE"
        };
        let refused = server(&app, method, path, None).await;
        expect_v2_error(&refused, 400, 4, "InputException");
    }
    let too_many: Vec<Value> = (0..1001).map(|i| json!({"id": i.to_string()})).collect();
    let refused = server(
        &app,
        "POST",
        "/api/v1.0/collections/",
        Some(json!({"data": {&name: too_many}})),
    )
    .await;
    expect_v2_error(&refused, 400, 4, "InputException");
}

#[tokio::test]
async fn hosted_services_are_v2_errors_that_say_so() {
    let app = TestApp::spawn().await;
    for (method, path, body) in [
        ("GET", "/api/v1.0/og/?url=https%3A%2F%2Fgoogle.com", None),
        (
            "POST",
            "/analytics/v1.0/engagement/",
            Some(json!({"content_list": []})),
        ),
        ("POST", "/analytics/v1.0/impression/", Some(json!([]))),
        ("POST", "/api/v1.0/images/", Some(json!({}))),
        ("DELETE", "/api/v1.0/files/?url=x", Some(json!({}))),
        (
            "GET",
            "/personalization/v1.0/follow_recommendations/?user_id=a",
            None,
        ),
    ] {
        let reply = server(&app, method, path, body).await;
        expect_v2_error(&reply, 404, 16, "DoesNotExistException");
        let detail = reply.body["detail"].as_str().unwrap();
        assert!(detail.contains("not part of Tributary"), "{path}: {detail}");
        assert!(reply.body["duration"].is_string());
    }
}
