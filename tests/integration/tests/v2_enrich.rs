//! Enriched v2 reads against DynamoDB Local: `enrich/feed/{group}/{id}/` (flat and aggregated)
//! and `enrich/activities/` resolve `SU:` references to users and `SO:` references to
//! collection objects, exactly as `user/` and `collections/{name}/` add answer them; plain
//! reads keep the strings, and references to nothing stay strings.

use serde_json::{json, Value};
use tributary_integration_tests::{unique, v2_server_token, v2_token, Reply, TestApp};

async fn server(app: &TestApp, method: &str, path: &str, body: Option<Value>) -> Reply {
    app.v2(method, path, &v2_server_token(), body).await
}

/// The body of a successful reply, without `duration`.
fn ok(reply: Reply) -> Value {
    assert!(reply.status == 200 || reply.status == 201, "{}", reply.body);
    let mut body = reply.body;
    assert!(body["duration"].is_string(), "{body}");
    body.as_object_mut().unwrap().remove("duration");
    body
}

async fn add_user(app: &TestApp, data: Value) -> Value {
    let id = unique("eu");
    ok(server(
        app,
        "POST",
        "/api/v1.0/user/",
        Some(json!({"id": id, "data": data})),
    )
    .await)
}

async fn add_object(app: &TestApp, collection: &str, data: Value) -> Value {
    ok(server(
        app,
        "POST",
        &format!("/api/v1.0/collections/{collection}/"),
        Some(json!({"data": data})),
    )
    .await)
}

async fn add_activity(app: &TestApp, fid: &str, activity: Value) -> Value {
    let (g, id) = fid.split_once(':').unwrap();
    ok(server(
        app,
        "POST",
        &format!("/api/v1.0/feed/{g}/{id}/"),
        Some(activity),
    )
    .await)
}

async fn read(app: &TestApp, fid: &str, enriched: bool, query: &str) -> Value {
    let (g, id) = fid.split_once(':').unwrap();
    let base = if enriched { "enrich/feed" } else { "feed" };
    ok(server(
        app,
        "GET",
        &format!("/api/v1.0/{base}/{g}/{id}/?{query}"),
        None,
    )
    .await)
}

#[tokio::test]
async fn feed_reads_resolve_users_and_collection_objects() {
    let app = TestApp::spawn().await;
    let user = add_user(&app, json!({"name": "Mike"})).await;
    let entry = add_object(&app, "items", json!({"name": "time machine"})).await;
    let fid = format!("user:{}", unique("mike"));
    let actor = format!("SU:{}", user["id"].as_str().unwrap());
    let object = format!("SO:items:{}", entry["id"].as_str().unwrap());
    let activity = json!({
        "actor": actor, "verb": "buy", "object": object,
        "gift_for": actor, "missing_user": "SU:nobody-here", "missing_object": "SO:items:none",
        "malformed": "SO:items", "note": "plain text",
    });
    add_activity(&app, &fid, activity.clone()).await;

    let plain = read(&app, &fid, false, "").await;
    let first = &plain["results"][0];
    for (k, v) in activity.as_object().unwrap() {
        assert_eq!(&first[k], v, "{k}");
    }

    let enriched = read(&app, &fid, true, "limit=5").await;
    let first = &enriched["results"][0];
    assert_eq!(first["actor"], user);
    assert_eq!(first["gift_for"], user);
    assert_eq!(first["object"], entry);
    for unresolved in ["missing_user", "missing_object", "malformed", "note"] {
        assert_eq!(first[unresolved], activity[unresolved], "{unresolved}");
    }
    assert_eq!(first["id"], plain["results"][0]["id"]);
    assert_eq!(first["verb"], "buy");
    assert_eq!(enriched["next"], "");
    // No reaction fields unless asked.
    assert!(first.get("latest_reactions").is_none(), "{first}");
}

#[tokio::test]
async fn enrichment_shows_records_as_they_are_now() {
    let app = TestApp::spawn().await;
    let user = add_user(&app, json!({"name": "Before"})).await;
    let entry = add_object(&app, "food", json!({"name": "burger"})).await;
    let (uid, oid) = (user["id"].as_str().unwrap(), entry["id"].as_str().unwrap());
    let fid = format!("flat:{}", unique("now"));
    add_activity(
        &app,
        &fid,
        json!({"actor": format!("SU:{uid}"), "verb": "eat", "object": format!("SO:food:{oid}")}),
    )
    .await;
    let changed_user = ok(server(
        &app,
        "PUT",
        &format!("/api/v1.0/user/{uid}/"),
        Some(json!({"data": {"name": "After"}})),
    )
    .await);
    let changed_entry = ok(server(
        &app,
        "PUT",
        &format!("/api/v1.0/collections/food/{oid}/"),
        Some(json!({"data": {"name": "better burger"}})),
    )
    .await);
    let first = read(&app, &fid, true, "").await["results"][0].clone();
    assert_eq!(first["actor"], changed_user);
    assert_eq!(first["object"], changed_entry);

    // Deleted records leave the references as they were written.
    ok(server(
        &app,
        "DELETE",
        &format!("/api/v1.0/collections/food/{oid}/"),
        None,
    )
    .await);
    ok(server(&app, "DELETE", &format!("/api/v1.0/user/{uid}/"), None).await);
    let first = read(&app, &fid, true, "").await["results"][0].clone();
    assert_eq!(first["actor"], format!("SU:{uid}"));
    assert_eq!(first["object"], format!("SO:food:{oid}"));
}

#[tokio::test]
async fn users_upserted_through_v3_resolve_too() {
    let app = TestApp::spawn().await;
    let v3 = unique("v3u");
    app.server(
        "POST",
        "/api/v2/users",
        Some(json!({"users": {&v3: {"id": v3, "name": "Cleo", "custom": {"level": 3}}}})),
    )
    .await
    .expect_ok();
    let fid = format!("user:{v3}");
    add_activity(
        &app,
        &fid,
        json!({"actor": format!("SU:{v3}"), "verb": "post", "object": "1"}),
    )
    .await;
    let v2_view = ok(server(&app, "GET", &format!("/api/v1.0/user/{v3}/"), None).await);
    let first = read(&app, &fid, true, "").await["results"][0].clone();
    assert_eq!(first["actor"], v2_view);
    assert_eq!(first["actor"]["data"], json!({"level": 3, "name": "Cleo"}));
}

#[tokio::test]
async fn enriched_activities_by_ids_and_by_foreign_id_and_time() {
    let app = TestApp::spawn().await;
    let user = add_user(&app, json!({"name": "barry"})).await;
    let uid = user["id"].as_str().unwrap();
    let fid = format!("user:{}", unique("ga"));
    let foreign_id = unique("awesome");
    let time = "2024-03-04T05:06:07.123456";
    let added = add_activity(
        &app,
        &fid,
        json!({"actor": format!("SU:{uid}"), "verb": "tweet", "object": "09",
            "foreign_id": foreign_id, "time": time}),
    )
    .await;
    let id = added["id"].as_str().unwrap();
    let by_ids = ok(server(
        &app,
        "GET",
        &format!("/api/v1.0/enrich/activities/?ids={id}%2Cunknown"),
        None,
    )
    .await);
    let results = by_ids["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{by_ids}");
    assert_eq!(results[0]["id"], id);
    assert_eq!(results[0]["actor"], user);
    assert_eq!(results[0]["actor"]["data"]["name"], "barry");
    let by_time = ok(server(
        &app,
        "GET",
        &format!("/api/v1.0/enrich/activities/?foreign_ids={foreign_id}&timestamps={time}"),
        None,
    )
    .await);
    assert_eq!(by_time["results"], by_ids["results"]);
    // The plain read keeps the reference.
    let plain = ok(server(
        &app,
        "GET",
        &format!("/api/v1.0/activities/?ids={id}"),
        None,
    )
    .await);
    assert_eq!(plain["results"][0]["actor"], format!("SU:{uid}"));
    let none = ok(server(
        &app,
        "GET",
        "/api/v1.0/enrich/activities/?ids=nothing-here",
        None,
    )
    .await);
    assert_eq!(none["results"], json!([]));
}

#[tokio::test]
async fn aggregated_groups_enrich_their_activities() {
    let app = TestApp::spawn().await;
    let user = add_user(&app, json!({"name": "Agg"})).await;
    let uid = user["id"].as_str().unwrap();
    let fid = format!("aggregated:{}", unique("agg"));
    for i in 0..2 {
        add_activity(
            &app,
            &fid,
            json!({"actor": format!("SU:{uid}"), "verb": "like", "object": i}),
        )
        .await;
    }
    let enriched = read(&app, &fid, true, "").await;
    let group = &enriched["results"][0];
    let activities = group["activities"].as_array().expect("a group");
    assert_eq!(activities.len(), 2, "{enriched}");
    for a in activities {
        assert_eq!(a["actor"], user);
    }
    let plain = read(&app, &fid, false, "").await;
    assert_eq!(
        plain["results"][0]["activities"][0]["actor"],
        format!("SU:{uid}")
    );
}

#[tokio::test]
async fn enriched_reads_check_tokens_and_flags() {
    let app = TestApp::spawn().await;
    let fid = format!("user:{}", unique("tok"));
    add_activity(
        &app,
        &fid,
        json!({"actor": "a", "verb": "v", "object": "o"}),
    )
    .await;
    let (g, id) = fid.split_once(':').unwrap();
    let path = format!("/api/v1.0/enrich/feed/{g}/{id}/");
    let other_feed = v2_token(json!({"resource": "feed", "action": "read", "feed_id": "user1"}));
    let refused = app.v2("GET", &path, &other_feed, None).await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert_eq!(refused.body["exception"], "NotAllowedException");
    let own_feed =
        v2_token(json!({"resource": "feed", "action": "read", "feed_id": format!("{g}{id}")}));
    let allowed = app.v2("GET", &path, &own_feed, None).await;
    assert_eq!(allowed.status, 200, "{}", allowed.body);
    let bad_flag = server(
        &app,
        "GET",
        &format!("{path}?withRecentReactions=maybe"),
        None,
    )
    .await;
    assert_eq!(bad_flag.status, 400, "{}", bad_flag.body);
    assert_eq!(bad_flag.body["code"], 4);
    assert!(bad_flag.body["exception_fields"]["withRecentReactions"].is_array());
    let activities_scope = v2_token(json!({"resource": "feed", "action": "*", "feed_id": "*"}));
    let refused = app
        .v2(
            "GET",
            "/api/v1.0/enrich/activities/?ids=x",
            &activities_scope,
            None,
        )
        .await;
    assert_eq!(refused.status, 403, "{}", refused.body);
}

async fn react(app: &TestApp, kind: &str, activity_id: &str, user: &str) -> Value {
    ok(server(
        app,
        "POST",
        "/api/v1.0/reaction/",
        Some(
            json!({"kind": kind, "activity_id": activity_id, "user_id": user,
            "data": null, "target_feeds": null, "target_feeds_extra_data": null}),
        ),
    )
    .await)
}

#[tokio::test]
async fn reactions_are_added_as_asked() {
    let app = TestApp::spawn().await;
    let fid = format!("user:{}", unique("rx"));
    let added = add_activity(
        &app,
        &fid,
        json!({"actor": "mike", "verb": "buy", "object": "o"}),
    )
    .await;
    let id = added["id"].as_str().unwrap();
    let like = react(&app, "like", id, "mike").await;
    react(&app, "reshare", id, "sharer").await;
    react(&app, "comment", id, "commenter").await;

    let own = read(&app, &fid, true, "withOwnReactions=True&user_id=mike").await;
    let first = &own["results"][0];
    assert_eq!(first["own_reactions"]["like"][0], like);
    assert_eq!(first["own_reactions"].as_object().unwrap().len(), 1);
    assert!(first.get("latest_reactions").is_none() && first.get("reaction_counts").is_none());

    let recent = read(
        &app,
        &fid,
        true,
        "withRecentReactions=True&withReactionCounts=True",
    )
    .await;
    let first = &recent["results"][0];
    assert_eq!(first["latest_reactions"]["like"][0], like);
    assert_eq!(
        first["reaction_counts"],
        json!({"like": 1, "reshare": 1, "comment": 1})
    );
    assert!(first.get("own_reactions").is_none());

    // The kinds filter keeps to its kinds in all three.
    let by_ids = ok(server(
        &app,
        "GET",
        &format!("/api/v1.0/enrich/activities/?ids={id}&withRecentReactions=True&withReactionCounts=True&withOwnReactions=True&user_id=mike&reactionKindsFilter=like%2Ccomment"),
        None,
    )
    .await);
    let first = &by_ids["results"][0];
    let mut kinds: Vec<&String> = first["latest_reactions"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    kinds.sort();
    assert_eq!(kinds, ["comment", "like"]);
    assert_eq!(first["reaction_counts"], json!({"like": 1, "comment": 1}));
    assert_eq!(first["own_reactions"], json!({"like": [like]}));
}
