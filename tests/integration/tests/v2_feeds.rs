//! The v2 feeds family against DynamoDB Local: adding (one, a batch, `to` targets,
//! `foreign_id` + `time` uniqueness), reading with `id_*` and `offset`, removing, following
//! with read-your-writes, scoped tokens and v2's error envelope.

use serde_json::{json, Value};
use tributary_integration_tests::{unique, v2_server_token, v2_token, TestApp};

fn feed(fid: &str) -> String {
    let (g, id) = fid.split_once(':').unwrap();
    format!("/api/v1.0/feed/{g}/{id}/")
}

async fn add(app: &TestApp, fid: &str, activity: Value) -> Value {
    let reply = app
        .v2("POST", &feed(fid), &v2_server_token(), Some(activity))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body
}

async fn read(app: &TestApp, fid: &str, query: &str) -> Vec<Value> {
    let reply = app
        .v2(
            "GET",
            &format!("{}?{query}", feed(fid)),
            &v2_server_token(),
            None,
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply.body["duration"].is_string());
    reply.body["results"].as_array().unwrap().clone()
}

fn ids(results: &[Value]) -> Vec<&str> {
    results.iter().map(|a| a["id"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn adds_and_reads_newest_first_with_paging() {
    let app = TestApp::spawn().await;
    let fid = format!("user:{}", unique("v2"));
    let mut added = Vec::new();
    for i in 0..5 {
        let a = add(
            &app,
            &fid,
            json!({"actor": 1, "verb": "tweet", "object": i}),
        )
        .await;
        assert_eq!(a["actor"], "1");
        assert_eq!(a["object"], i.to_string());
        assert!(a["origin"].is_null());
        assert!(a.get("to").is_none(), "no empty lists: {a}");
        added.push(a["id"].as_str().unwrap().to_string());
    }
    let newest_first: Vec<&str> = added.iter().rev().map(String::as_str).collect();
    assert_eq!(ids(&read(&app, &fid, "limit=10").await), newest_first);
    assert_eq!(
        ids(&read(&app, &fid, "limit=2&offset=1").await),
        &newest_first[1..3]
    );
    let mid = &added[2];
    assert_eq!(
        ids(&read(&app, &fid, &format!("id_lt={mid}")).await),
        &newest_first[3..]
    );
    assert_eq!(
        ids(&read(&app, &fid, &format!("id_lte={mid}")).await),
        &newest_first[2..]
    );
    assert_eq!(
        ids(&read(&app, &fid, &format!("id_gt={mid}")).await),
        &newest_first[..2]
    );
    assert_eq!(
        ids(&read(&app, &fid, &format!("id_gte={mid}")).await),
        &newest_first[..3]
    );

    let batch = app
        .v2(
            "POST",
            &feed(&fid),
            &v2_server_token(),
            Some(json!({"activities": [
                {"actor": "a", "verb": "v", "object": "1"},
                {"actor": "a", "verb": "v", "object": "2"}]})),
        )
        .await;
    assert_eq!(batch.status, 200, "{}", batch.body);
    let batch_ids: Vec<&str> = batch.body["activities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    let top = read(&app, &fid, "limit=2").await;
    assert_eq!(ids(&top), [batch_ids[1], batch_ids[0]]);
}

#[tokio::test]
async fn the_same_foreign_id_and_time_is_one_activity_overwritten_in_place() {
    let app = TestApp::spawn().await;
    let user = format!("user:{}", unique("v2"));
    let topic = format!("topic:{}", unique("v2"));
    let first = json!({"actor": "a", "verb": "post", "object": "1", "foreign_id": "post:1",
        "time": "2024-01-02T03:04:05.123456", "n": 1});
    let a = add(&app, &user, first.clone()).await;
    let mut second = first.clone();
    second["n"] = json!(2);
    let b = add(&app, &topic, second).await;
    assert_eq!(a["id"], b["id"]);
    assert_eq!(b["time"], "2024-01-02T03:04:05.123456");
    for fid in [&user, &topic] {
        let results = read(&app, fid, "").await;
        assert_eq!(results.len(), 1, "{results:?}");
        assert_eq!(results[0]["n"], 2);
    }
    // Identical data at the same time dedupes without foreign_id too.
    let plain = json!({"actor": "a", "verb": "v", "object": "o", "time": "2024-01-02T03:04:05"});
    let x = add(&app, &user, plain.clone()).await;
    let y = add(&app, &user, plain).await;
    assert_eq!(x["id"], y["id"]);
    assert_eq!(read(&app, &user, "").await.len(), 2);
}

#[tokio::test]
async fn to_targets_followers_and_removal_everywhere() {
    let app = TestApp::spawn().await;
    let me = unique("v2");
    let (user, target, timeline) = (
        format!("user:{me}"),
        format!("user:{}", unique("v2t")),
        format!("timeline:{}", unique("v2f")),
    );
    // The timeline follows the target: copies of `to` activities come through it.
    let (g, id) = timeline.split_once(':').unwrap();
    let follow = app
        .v2(
            "POST",
            &format!("/api/v1.0/feed/{g}/{id}/follows/"),
            &v2_server_token(),
            Some(json!({"target": target})),
        )
        .await;
    assert_eq!(follow.status, 200, "{}", follow.body);
    let a = add(
        &app,
        &user,
        json!({"actor": me, "verb": "post", "object": "1", "foreign_id": "f1",
            "to": [format!("{target} sometoken")]}),
    )
    .await;
    assert_eq!(a["to"], json!([target]));
    // No waiting: small audiences are written before the add answers.
    let copy = read(&app, &timeline, "").await;
    assert_eq!(ids(&copy), [a["id"].as_str().unwrap()]);
    assert_eq!(copy[0]["origin"], target.as_str());
    assert!(read(&app, &target, "").await[0]["origin"].is_null());

    // Removing it by foreign_id from the feed it was written to removes it everywhere.
    let removed = app
        .v2(
            "DELETE",
            &format!("{}f1/?foreign_id=1", feed(&user)),
            &v2_server_token(),
            Some(json!({})),
        )
        .await;
    assert_eq!(removed.status, 200, "{}", removed.body);
    for fid in [&user, &target, &timeline] {
        assert!(read(&app, fid, "").await.is_empty(), "{fid} still shows it");
    }
    // An unknown foreign_id is not an error.
    let none = app
        .v2(
            "DELETE",
            &format!("{}nothing/?foreign_id=1", feed(&user)),
            &v2_server_token(),
            Some(json!({})),
        )
        .await;
    assert_eq!(none.status, 200);
}

#[tokio::test]
async fn follow_copies_history_and_unfollow_purges_it_at_once() {
    let app = TestApp::spawn().await;
    let (target, flat) = (
        format!("user:{}", unique("v2")),
        format!("flat:{}", unique("v2")),
    );
    for i in 0..3 {
        add(
            &app,
            &target,
            json!({"actor": "a", "verb": "v", "object": i}),
        )
        .await;
    }
    let (g, id) = flat.split_once(':').unwrap();
    let follows = format!("/api/v1.0/feed/{g}/{id}/follows/");
    let reply = app
        .v2(
            "POST",
            &follows,
            &v2_server_token(),
            Some(json!({"target": target, "activity_copy_limit": 2})),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(read(&app, &flat, "").await.len(), 2);
    let following = app.v2("GET", &follows, &v2_server_token(), None).await;
    assert_eq!(following.body["results"][0]["feed_id"], flat.as_str());
    assert_eq!(following.body["results"][0]["target_id"], target.as_str());
    let stats = app
        .v2(
            "GET",
            &format!("/api/v1.0/stats/follow/?followers={target}&following={flat}"),
            &v2_server_token(),
            None,
        )
        .await;
    assert_eq!(stats.body["results"]["followers"]["count"], 1);
    assert_eq!(stats.body["results"]["following"]["count"], 1);

    let unfollow = app
        .v2(
            "DELETE",
            &format!("{follows}{target}/"),
            &v2_server_token(),
            Some(json!({})),
        )
        .await;
    assert_eq!(unfollow.status, 200, "{}", unfollow.body);
    assert!(read(&app, &flat, "").await.is_empty());
}

#[tokio::test]
async fn scoped_tokens_and_v2_errors() {
    let app = TestApp::spawn().await;
    let fid = format!("user:{}", unique("v2"));
    let own = fid.replace(':', "");
    let read_only = v2_token(json!({"resource": "feed", "action": "read", "feed_id": own}));
    let refused = app
        .v2(
            "POST",
            &feed(&fid),
            &read_only,
            Some(json!({"actor": "a", "verb": "v", "object": "o"})),
        )
        .await;
    assert_eq!(refused.status, 403);
    assert_eq!(refused.body["code"], 17);
    assert_eq!(refused.body["exception"], "NotAllowedException");
    assert!(refused.body["detail"].is_string() && refused.body["duration"].is_string());
    assert!(
        read(&app, &fid, "").await.is_empty(),
        "the refused write wrote nothing"
    );
    let ok = app.v2("GET", &feed(&fid), &read_only, None).await;
    assert_eq!(ok.status, 200);
    let other = app
        .v2("GET", &feed("user:someone-else"), &read_only, None)
        .await;
    assert_eq!(other.status, 403);

    let missing = app
        .v2(
            "POST",
            &feed(&fid),
            &v2_server_token(),
            Some(json!({"verb": "v", "object": "o"})),
        )
        .await;
    assert_eq!(missing.status, 400);
    assert_eq!(missing.body["exception"], "InputException");
    assert_eq!(
        missing.body["exception_fields"]["actor"][0],
        "actor is a required field"
    );
    let unknown = app
        .v2("GET", "/api/v1.0/nothing/here/", &v2_server_token(), None)
        .await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.body["exception"], "DoesNotExistException");
}

#[tokio::test]
async fn aggregated_and_notification_feeds() {
    let app = TestApp::spawn().await;
    let agg = format!("aggregated:{}", unique("v2"));
    for (actor, verb) in [("a", "like"), ("b", "like"), ("a", "post")] {
        add(
            &app,
            &agg,
            json!({"actor": actor, "verb": verb, "object": "o"}),
        )
        .await;
    }
    let groups = read(&app, &agg, "").await;
    assert_eq!(groups.len(), 2, "{groups:?}");
    let newest = &groups[0];
    assert_eq!(newest["verb"], "post");
    let likes = &groups[1];
    assert_eq!(likes["verb"], "like");
    assert_eq!(likes["activity_count"], 2);
    assert_eq!(likes["actor_count"], 2);
    assert_eq!(likes["activities"].as_array().unwrap().len(), 2);
    assert!(likes["created_at"].as_str().unwrap().contains('.'));
    assert!(
        likes.get("is_seen").is_none(),
        "aggregated groups track nothing"
    );

    let note = format!("notification:{}", unique("v2"));
    for _ in 0..2 {
        add(
            &app,
            &note,
            json!({"actor": "a", "verb": "watch", "object": "o"}),
        )
        .await;
    }
    let path = |q: &str| format!("{}?{q}", feed(&note));
    let first = app
        .v2("GET", &path("mark_seen=True"), &v2_server_token(), None)
        .await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.body["unseen"], 1);
    assert_eq!(first.body["unread"], 1);
    let group = &first.body["results"][0];
    assert_eq!(group["activity_count"], 2);
    assert_eq!(
        group["is_seen"], false,
        "the marking read shows the state before it"
    );
    let group_id = group["id"].as_str().unwrap().to_string();
    // Unknown ids and empty lists are passed over, as v2 clients send them.
    let second = app
        .v2(
            "GET",
            &path(&format!("mark_read={group_id},nothing")),
            &v2_server_token(),
            None,
        )
        .await;
    assert_eq!(second.body["unseen"], 0);
    assert_eq!(second.body["results"][0]["is_seen"], true);
    assert_eq!(second.body["results"][0]["is_read"], false);
    let third = app
        .v2("GET", &path("mark_read="), &v2_server_token(), None)
        .await;
    assert_eq!(third.body["unread"], 0);
    assert_eq!(third.body["results"][0]["is_read"], true);
}

#[tokio::test]
async fn aggregated_followers_group_copies_and_unfollowing_ungroups_them() {
    let app = TestApp::spawn().await;
    let user = format!("user:{}", unique("v2"));
    let agg = format!("aggregated:{}", unique("v2"));
    let (g, id) = agg.split_once(':').unwrap();
    let follows = format!("/api/v1.0/feed/{g}/{id}/follows/");
    let reply = app
        .v2(
            "POST",
            &follows,
            &v2_server_token(),
            Some(json!({"target": user})),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let a = add(
        &app,
        &user,
        json!({"actor": "1", "verb": "tweet", "object": "1"}),
    )
    .await;
    let groups = read(&app, &agg, "").await;
    assert_eq!(groups[0]["activities"][0]["id"], a["id"]);
    assert_eq!(groups[0]["activities"][0]["origin"], user.as_str());
    // Only flat feeds can be followed.
    let refused = app
        .v2(
            "POST",
            &format!("/api/v1.0/feed/flat/{}/follows/", unique("v2")),
            &v2_server_token(),
            Some(json!({"target": agg})),
        )
        .await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(refused.body["exception_fields"]["target"].is_array());

    let unfollow = app
        .v2(
            "DELETE",
            &format!("{follows}{user}/"),
            &v2_server_token(),
            Some(json!({})),
        )
        .await;
    assert_eq!(unfollow.status, 200, "{}", unfollow.body);
    assert!(
        read(&app, &agg, "").await.is_empty(),
        "unfollowing takes the copies out of the groups"
    );
}

#[tokio::test]
async fn user_tokens_act_as_their_user_under_the_permission_model() {
    let app = TestApp::spawn().await;
    let (me, other) = (unique("v2me"), unique("v2other"));
    let mine = v2_token(json!({"user_id": me}));
    let own = format!("user:{me}");
    let theirs = format!("user:{other}");
    let ok = app
        .v2(
            "POST",
            &feed(&own),
            &mine,
            Some(json!({"actor": me, "verb": "post", "object": "1"})),
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    let refused = app
        .v2(
            "POST",
            &feed(&theirs),
            &mine,
            Some(json!({"actor": me, "verb": "post", "object": "1"})),
        )
        .await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert_eq!(refused.body["code"], 17);
    assert!(
        read(&app, &theirs, "").await.is_empty(),
        "the refused write wrote nothing"
    );
    // Removing someone else's activity is refused too, and leaves it in place.
    let a = add(
        &app,
        &theirs,
        json!({"actor": other, "verb": "post", "object": "2"}),
    )
    .await;
    let id = a["id"].as_str().unwrap();
    let remove = app
        .v2(
            "DELETE",
            &format!("{}{id}/", feed(&theirs)),
            &mine,
            Some(json!({})),
        )
        .await;
    assert_eq!(remove.status, 403, "{}", remove.body);
    assert_eq!(ids(&read(&app, &theirs, "").await), [id]);
}
