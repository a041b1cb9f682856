//! Feed members (update, invites, query) and membership levels, against DynamoDB Local.

use serde_json::{json, Value};
use tributary_integration_tests::{unique, user_token, TestApp};

const LEVELS: &str = "/api/v2/feeds/membership_levels";

fn feed_path(fid: &str) -> String {
    let (group, id) = fid.split_once(':').expect("group:id");
    format!("/api/v2/feeds/feed_groups/{group}/feeds/{id}")
}

fn members_path(fid: &str) -> String {
    format!("{}/members", feed_path(fid))
}

/// Creates `user:<owner>` (owned by `owner`) and returns its fid.
async fn feed_of(app: &TestApp, owner: &str) -> String {
    let fid = format!("user:{owner}");
    app.server("POST", &feed_path(&fid), Some(json!({"user_id": owner})))
        .await
        .expect_ok();
    fid
}

async fn member_count(app: &TestApp, fid: &str) -> i64 {
    app.read_feed(fid, json!({"limit": 0})).await["feed"]["member_count"]
        .as_i64()
        .expect("member_count")
}

async fn update(app: &TestApp, fid: &str, body: Value) -> Value {
    app.server("PATCH", &members_path(fid), Some(body))
        .await
        .expect_ok()
        .clone()
}

fn user_ids(list: &Value) -> Vec<String> {
    let mut ids: Vec<String> = list
        .as_array()
        .expect("a list")
        .iter()
        .map(|m| m["user"]["id"].as_str().expect("user id").to_string())
        .collect();
    ids.sort();
    ids
}

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

async fn query(app: &TestApp, fid: &str, body: Value) -> Value {
    app.server("POST", &format!("{}/query", members_path(fid)), Some(body))
        .await
        .expect_ok()
        .clone()
}

#[tokio::test]
async fn upsert_update_remove_and_set() {
    let app = &TestApp::spawn().await;
    let owner = unique("owner");
    let (amy, bob, cid) = (unique("amy"), unique("bob"), unique("cid"));
    app.upsert_user(&amy, "Amy").await;
    let fid = feed_of(app, &owner).await;

    let r = update(
        app,
        &fid,
        json!({"operation": "upsert", "members": [
            {"user_id": amy, "role": "moderator", "custom": {"k": 1}},
            {"user_id": bob},
        ]}),
    )
    .await;
    assert_eq!(
        user_ids(&r["added"]),
        sorted(vec![amy.clone(), bob.clone()])
    );
    assert_eq!(r["updated"], json!([]));
    assert_eq!(r["removed_ids"], json!([]));
    let first = &r["added"][0];
    assert_eq!(first["user"]["id"], amy.as_str());
    assert_eq!(first["user"]["name"], "Amy");
    assert_eq!(first["role"], "moderator");
    assert_eq!(first["status"], "member");
    assert_eq!(first["custom"]["k"], 1);
    assert!(first["created_at"].as_i64().unwrap() > 0);
    assert_eq!(r["added"][1]["role"], "feed_member");
    assert_eq!(member_count(app, &fid).await, 2);

    // Again: updated, not added; unnamed fields are kept.
    let r = update(
        app,
        &fid,
        json!({"operation": "upsert", "members": [{"user_id": amy, "role": "admin"}]}),
    )
    .await;
    assert_eq!(r["added"], json!([]));
    assert_eq!(user_ids(&r["updated"]), vec![amy.clone()]);
    assert_eq!(r["updated"][0]["role"], "admin");
    assert_eq!(r["updated"][0]["custom"]["k"], 1);
    assert_eq!(member_count(app, &fid).await, 2);

    let r = update(
        app,
        &fid,
        json!({"operation": "remove", "members": [{"user_id": bob}, {"user_id": cid}]}),
    )
    .await;
    assert_eq!(r["removed_ids"], json!([bob]));
    assert_eq!(member_count(app, &fid).await, 1);

    // `set`: cid is added, amy kept (updated), everyone else removed.
    update(
        app,
        &fid,
        json!({"operation": "upsert", "members": [{"user_id": bob}]}),
    )
    .await;
    let r = update(
        app,
        &fid,
        json!({"operation": "set", "members": [{"user_id": amy}, {"user_id": cid}]}),
    )
    .await;
    assert_eq!(user_ids(&r["added"]), vec![cid.clone()]);
    assert_eq!(user_ids(&r["updated"]), vec![amy.clone()]);
    assert_eq!(r["removed_ids"], json!([bob]));
    assert_eq!(member_count(app, &fid).await, 2);
    let all = query(app, &fid, json!({})).await;
    assert_eq!(user_ids(&all["members"]), sorted(vec![amy, cid]));
}

#[tokio::test]
async fn invites_count_only_when_accepted() {
    let app = &TestApp::spawn().await;
    let owner = unique("owner");
    let (amy, bob, eve) = (unique("amy"), unique("bob"), unique("eve"));
    let fid = feed_of(app, &owner).await;
    let r = update(
        app,
        &fid,
        json!({"operation": "upsert", "members": [
            {"user_id": amy, "invite": true},
            {"user_id": bob, "invite": true},
        ]}),
    )
    .await;
    assert!(r["added"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m["status"] == "pending"));
    assert_eq!(member_count(app, &fid).await, 0);

    let accept = format!("{}/accept", members_path(&fid));
    let reject = format!("{}/reject", members_path(&fid));
    // Someone else may not answer amy's invite: naming her, or answering for themselves.
    app.as_user(&eve, "POST", &accept, Some(json!({"user_id": amy})))
        .await
        .expect_error(17, 403);
    app.as_user(&eve, "POST", &accept, Some(json!({})))
        .await
        .expect_error(17, 403);
    assert_eq!(member_count(app, &fid).await, 0);

    let r = app.as_user(&amy, "POST", &accept, None).await;
    let m = &r.expect_ok()["member"];
    assert_eq!(m["status"], "member");
    assert_eq!(m["user"]["id"], amy.as_str());
    assert!(m["invite_accepted_at"].as_i64().unwrap() > 0);
    assert_eq!(member_count(app, &fid).await, 1);
    // Not pending any more.
    app.as_user(&amy, "POST", &accept, None)
        .await
        .expect_error(4, 400);
    assert_eq!(member_count(app, &fid).await, 1);

    // The server answers for a named user.
    let r = app
        .server("POST", &reject, Some(json!({"user_id": bob})))
        .await;
    let m = &r.expect_ok()["member"];
    assert_eq!(m["status"], "rejected");
    assert!(m["invite_rejected_at"].as_i64().unwrap() > 0);
    assert_eq!(member_count(app, &fid).await, 1);
    app.server("POST", &accept, Some(json!({"user_id": bob})))
        .await
        .expect_error(4, 400);

    // Removing the accepted member uncounts them; the rejected one never counted.
    let r = update(
        app,
        &fid,
        json!({"operation": "remove", "members": [{"user_id": amy}, {"user_id": bob}]}),
    )
    .await;
    assert_eq!(
        sorted(serde_json::from_value(r["removed_ids"].clone()).unwrap()),
        sorted(vec![amy, bob])
    );
    assert_eq!(member_count(app, &fid).await, 0);
}

#[tokio::test]
async fn only_the_owner_or_the_server_changes_members() {
    let app = &TestApp::spawn().await;
    let (owner, mallory, amy) = (unique("owner"), unique("mallory"), unique("amy"));
    let fid = feed_of(app, &owner).await;
    let body = json!({"operation": "upsert", "members": [{"user_id": mallory}]});
    app.as_user(&mallory, "PATCH", &members_path(&fid), Some(body.clone()))
        .await
        .expect_error(17, 403);
    assert_eq!(member_count(app, &fid).await, 0);
    assert_eq!(query(app, &fid, json!({})).await["members"], json!([]));
    let query_path = format!("{}/query", members_path(&fid));
    app.as_user(&mallory, "POST", &query_path, Some(json!({})))
        .await
        .expect_error(17, 403);

    // The owner may; an accepted member may then query, a pending one may not.
    app.as_user(
        &owner,
        "PATCH",
        &members_path(&fid),
        Some(json!({"operation": "upsert", "members": [
            {"user_id": amy}, {"user_id": mallory, "invite": true}
        ]})),
    )
    .await
    .expect_ok();
    let r = app
        .as_user(&amy, "POST", &query_path, Some(json!({})))
        .await;
    assert_eq!(r.expect_ok()["members"].as_array().unwrap().len(), 2);
    app.as_user(&mallory, "POST", &query_path, Some(json!({})))
        .await
        .expect_error(17, 403);

    // Missing feeds are 404.
    let missing = format!("user:{}", unique("nobody"));
    app.server("PATCH", &members_path(&missing), Some(body))
        .await
        .expect_error(16, 404);
}

#[tokio::test]
async fn bad_updates_are_refused_naming_the_field() {
    let app = &TestApp::spawn().await;
    let fid = feed_of(app, &unique("owner")).await;
    let amy = unique("amy");
    for body in [
        json!({"members": [{"user_id": amy}]}),
        json!({"operation": "add", "members": [{"user_id": amy}]}),
    ] {
        let r = app.server("PATCH", &members_path(&fid), Some(body)).await;
        r.expect_error(4, 400);
        assert!(
            r.body["message"].as_str().unwrap().contains("operation"),
            "{}",
            r.body
        );
    }
    let r = app
        .server(
            "PATCH",
            &members_path(&fid),
            Some(json!({"operation": "upsert", "members": [
                {"user_id": amy},
                {"user_id": unique("bob"), "membership_level": unique("no-such-level")},
            ]})),
        )
        .await;
    r.expect_error(4, 400);
    assert!(
        r.body["message"]
            .as_str()
            .unwrap()
            .contains("members[1].membership_level"),
        "{}",
        r.body
    );
    let many: Vec<Value> = (0..101)
        .map(|i| json!({"user_id": format!("u{i}")}))
        .collect();
    let r = app
        .server(
            "PATCH",
            &members_path(&fid),
            Some(json!({"operation": "upsert", "members": many})),
        )
        .await;
    r.expect_error(4, 400);
    assert!(r.body["message"].as_str().unwrap().contains("members"));
    // Nothing was written.
    assert_eq!(query(app, &fid, json!({})).await["members"], json!([]));
    assert_eq!(member_count(app, &fid).await, 0);
}

#[tokio::test]
async fn query_filters_sorts_and_pages() {
    let app = &TestApp::spawn().await;
    let fid = feed_of(app, &unique("owner")).await;
    let users: Vec<String> = (0..5).map(|i| unique(&format!("m{i}"))).collect();
    // One at a time, so creation times differ and follow the list.
    for (i, u) in users.iter().enumerate() {
        let role = if i % 2 == 0 { "even" } else { "odd" };
        update(
            app,
            &fid,
            json!({"operation": "upsert", "members": [
                {"user_id": u, "role": role, "invite": i == 4}
            ]}),
        )
        .await;
    }
    // Default: newest first.
    let all = query(app, &fid, json!({})).await;
    let order: Vec<&str> = all["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["user"]["id"].as_str().unwrap())
        .collect();
    let newest_first: Vec<&str> = users.iter().rev().map(String::as_str).collect();
    assert_eq!(order, newest_first);

    let r = query(app, &fid, json!({"filter": {"role": "even"}})).await;
    assert_eq!(
        user_ids(&r["members"]),
        sorted(vec![users[0].clone(), users[2].clone(), users[4].clone()])
    );
    let r = query(
        app,
        &fid,
        json!({"filter": {"status": {"$in": ["pending"]}, "role": {"$eq": "even"}}}),
    )
    .await;
    assert_eq!(user_ids(&r["members"]), vec![users[4].clone()]);
    let r = query(
        app,
        &fid,
        json!({"filter": {"user_id": {"$in": [users[1], users[3]]}}}),
    )
    .await;
    assert_eq!(
        user_ids(&r["members"]),
        sorted(vec![users[1].clone(), users[3].clone()])
    );
    let third = all["members"][2]["created_at"].as_i64().unwrap();
    let r = query(
        app,
        &fid,
        json!({"filter": {"created_at": {"$gte": third}}, "sort": [{"field": "created_at", "direction": 1}]}),
    )
    .await;
    let ids: Vec<&str> = r["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["user"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        vec![users[2].as_str(), users[3].as_str(), users[4].as_str()]
    );

    // Pages of two by user id, forwards and back.
    let by_id = json!([{"field": "user_id", "direction": 1}]);
    let mut expected: Vec<String> = users.clone();
    expected.sort();
    let p1 = query(app, &fid, json!({"sort": by_id, "limit": 2})).await;
    assert!(p1.get("prev").is_none());
    let p2 = query(
        app,
        &fid,
        json!({"sort": by_id, "limit": 2, "next": p1["next"]}),
    )
    .await;
    let p3 = query(
        app,
        &fid,
        json!({"sort": by_id, "limit": 2, "next": p2["next"]}),
    )
    .await;
    assert!(p3.get("next").is_none());
    let seen: Vec<String> = [&p1, &p2, &p3]
        .iter()
        .flat_map(|p| {
            p["members"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["user"]["id"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(seen, expected);
    let back = query(
        app,
        &fid,
        json!({"sort": by_id, "limit": 2, "prev": p2["prev"]}),
    )
    .await;
    assert_eq!(back["members"], p1["members"]);

    // Bad input names the field.
    let path = format!("{}/query", members_path(&fid));
    for body in [
        json!({"filter": {"custom.x": 1}}),
        json!({"sort": [{"field": "role"}]}),
        json!({"limit": 101}),
        json!({"next": "not-a-cursor"}),
    ] {
        app.server("POST", &path, Some(body))
            .await
            .expect_error(4, 400);
    }
}

#[tokio::test]
async fn membership_levels_crud_and_use() {
    let app = &TestApp::spawn().await;
    let (gold, silver) = (unique("gold"), unique("silver"));
    let tag = unique("t");

    let r = app
        .server(
            "POST",
            LEVELS,
            Some(
                json!({"id": gold, "name": "Gold", "priority": 10, "tags": ["premium"],
                        "description": "the best", "custom": {"color": "gold"}}),
            ),
        )
        .await;
    let level = &r.expect_ok()["membership_level"];
    assert_eq!(level["id"], gold.as_str());
    assert_eq!(level["priority"], 10);
    assert_eq!(level["tags"], json!(["premium"]));
    assert_eq!(level["description"], "the best");
    assert!(level["created_at"].as_i64().unwrap() > 0);
    app.server(
        "POST",
        LEVELS,
        Some(json!({"id": silver, "name": "Silver", "priority": 5, "tags": [tag]})),
    )
    .await
    .expect_ok();
    // Duplicates and missing fields.
    let r = app
        .server("POST", LEVELS, Some(json!({"id": gold, "name": "Again"})))
        .await;
    r.expect_error(4, 400);
    assert!(r.body["message"].as_str().unwrap().contains("id"));
    app.server("POST", LEVELS, Some(json!({"id": unique("x")})))
        .await
        .expect_error(4, 400);

    // Query: filtered to this test's levels, highest priority first by default.
    let mine = json!({"id": {"$in": [gold, silver]}});
    let r = app
        .server(
            "POST",
            &format!("{LEVELS}/query"),
            Some(json!({"filter": mine})),
        )
        .await;
    let ids: Vec<&str> = r.expect_ok()["membership_levels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![gold.as_str(), silver.as_str()]);
    let r = app
        .server(
            "POST",
            &format!("{LEVELS}/query"),
            Some(
                json!({"filter": {"id": {"$in": [gold, silver]}, "priority": {"$lt": 10}},
                        "sort": [{"field": "priority", "direction": 1}]}),
            ),
        )
        .await;
    assert_eq!(r.expect_ok()["membership_levels"][0]["id"], silver.as_str());
    assert_eq!(r.body["membership_levels"].as_array().unwrap().len(), 1);
    let r = app
        .server(
            "POST",
            &format!("{LEVELS}/query"),
            Some(json!({"filter": mine, "limit": 1})),
        )
        .await;
    let next = r.expect_ok()["next"].clone();
    assert!(next.is_string());
    let r = app
        .server(
            "POST",
            &format!("{LEVELS}/query"),
            Some(json!({"filter": mine, "limit": 1, "next": next})),
        )
        .await;
    assert_eq!(r.expect_ok()["membership_levels"][0]["id"], silver.as_str());

    // Update.
    let r = app
        .server(
            "PATCH",
            &format!("{LEVELS}/{silver}"),
            Some(json!({"name": "Silver+", "priority": 20})),
        )
        .await;
    let level = &r.expect_ok()["membership_level"];
    assert_eq!(level["name"], "Silver+");
    assert_eq!(level["priority"], 20);
    assert_eq!(level["tags"], json!([tag]));
    app.server(
        "PATCH",
        &format!("{LEVELS}/{}", unique("missing")),
        Some(json!({"name": "x"})),
    )
    .await
    .expect_error(16, 404);

    // A member with a level renders it.
    let fid = feed_of(app, &unique("owner")).await;
    let amy = unique("amy");
    let r = update(
        app,
        &fid,
        json!({"operation": "upsert", "members": [{"user_id": amy, "membership_level": silver}]}),
    )
    .await;
    assert_eq!(r["added"][0]["membership_level"]["id"], silver.as_str());
    assert_eq!(r["added"][0]["membership_level"]["name"], "Silver+");

    // User tokens may not touch levels.
    let token = user_token(&amy);
    for (method, path, body) in [
        (
            "POST",
            LEVELS.to_string(),
            Some(json!({"id": unique("u"), "name": "U"})),
        ),
        ("POST", format!("{LEVELS}/query"), Some(json!({}))),
        (
            "PATCH",
            format!("{LEVELS}/{gold}"),
            Some(json!({"name": "mine"})),
        ),
        ("DELETE", format!("{LEVELS}/{gold}"), None),
    ] {
        app.send(method, &path, Some(&token), body)
            .await
            .expect_error(17, 403);
    }

    // Delete.
    app.server("DELETE", &format!("{LEVELS}/{gold}"), None)
        .await
        .expect_ok();
    app.server("DELETE", &format!("{LEVELS}/{gold}"), None)
        .await
        .expect_error(16, 404);
    let r = app
        .server(
            "POST",
            &format!("{LEVELS}/query"),
            Some(json!({"filter": mine})),
        )
        .await;
    assert_eq!(
        r.expect_ok()["membership_levels"].as_array().unwrap().len(),
        1
    );
}
