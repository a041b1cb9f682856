//! The v2 activities family against DynamoDB Local: reading activities by ids and by
//! `foreign_id` + `time`, full and partial updates (reads stay stable, bad input changes
//! nothing), changing `to` targets (the activity and its follower copies move), scoped tokens,
//! and what the v3 dialect sees of it all.

use serde_json::{json, Value};
use tributary_integration_tests::{unique, v2_server_token, v2_token, Reply, TestApp};

fn feed(fid: &str) -> String {
    let (g, id) = fid.split_once(':').unwrap();
    format!("/api/v1.0/feed/{g}/{id}/")
}

fn targets_path(fid: &str) -> String {
    let (g, id) = fid.split_once(':').unwrap();
    format!("/api/v1.0/feed_targets/{g}/{id}/activity_to_targets/")
}

async fn add(app: &TestApp, fid: &str, activity: Value) -> Value {
    let reply = app
        .v2("POST", &feed(fid), &v2_server_token(), Some(activity))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body
}

async fn read(app: &TestApp, fid: &str) -> Vec<Value> {
    let reply = app.v2("GET", &feed(fid), &v2_server_token(), None).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body["results"].as_array().unwrap().clone()
}

async fn get(app: &TestApp, query: &str) -> Reply {
    app.v2(
        "GET",
        &format!("/api/v1.0/activities/?{query}"),
        &v2_server_token(),
        None,
    )
    .await
}

async fn results(app: &TestApp, query: &str) -> Vec<Value> {
    let reply = get(app, query).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply.body["duration"].is_string());
    reply.body["results"].as_array().unwrap().clone()
}

async fn post(app: &TestApp, path: &str, body: Value) -> Reply {
    app.v2("POST", path, &v2_server_token(), Some(body)).await
}

/// Asserts v2's error envelope: status, code, exception, and the field named (when given).
fn refused(reply: &Reply, status: u16, code: i64, field: Option<&str>) {
    assert_eq!(reply.status, status, "{}", reply.body);
    assert_eq!(reply.body["code"], code, "{}", reply.body);
    assert!(reply.body["exception"].is_string(), "{}", reply.body);
    assert!(reply.body["detail"].is_string(), "{}", reply.body);
    if let Some(field) = field {
        assert!(
            reply.body["exception_fields"][field].is_array(),
            "expected a field error on {field}: {}",
            reply.body
        );
    }
}

fn keys(v: &Value) -> Vec<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

/// A random v2 time (microseconds, no zone); foreign ids are unique per run too.
fn fresh_time() -> String {
    let r = uuid::Uuid::new_v4().as_u128();
    let part = |shift: u32, modulo: u128| (r >> shift) % modulo;
    format!(
        "20{:02}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}",
        10 + part(0, 15),
        1 + part(8, 12),
        1 + part(16, 28),
        part(24, 24),
        part(32, 60),
        part(40, 60),
        part(48, 1_000_000)
    )
}

#[tokio::test]
async fn gets_by_ids_and_by_foreign_id_and_time() {
    let app = TestApp::spawn().await;
    let fid = format!("user:{}", unique("v2a"));
    let (f, t) = (unique("fid"), fresh_time());
    let timed = add(
        &app,
        &fid,
        json!({"actor": "barry", "verb": "tweet", "object": "09", "foreign_id": f, "time": t}),
    )
    .await;
    let plain = add(
        &app,
        &fid,
        json!({"actor": 1, "verb": "tweet", "object": 2}),
    )
    .await;
    let (a, b) = (timed["id"].as_str().unwrap(), plain["id"].as_str().unwrap());

    let got = results(&app, &format!("ids={b},{a},{}", unique("nope"))).await;
    assert_eq!(got.len(), 2, "unknown ids are left out: {got:?}");
    assert_eq!(
        (got[0]["id"].as_str(), got[1]["id"].as_str()),
        (Some(b), Some(a))
    );
    assert_eq!(got[1]["foreign_id"], f.as_str());
    assert_eq!(got[1]["time"], t.as_str());
    assert!(got[1]["origin"].is_null());
    assert!(got[1].get("to").is_none(), "no empty lists: {}", got[1]);
    assert_eq!(got[0]["actor"], "1");
    assert_eq!(got[0]["object"], "2");

    let by_pair = results(&app, &format!("foreign_ids={f}&timestamps={t}")).await;
    assert_eq!(by_pair.len(), 1);
    assert_eq!(by_pair[0], got[1], "both ways read the same activity");
    // The same time with a zone suffix, or another time, or another foreign id.
    let zoned = format!("{t}%2B00:00");
    assert_eq!(
        results(&app, &format!("foreign_ids={f}&timestamps={zoned}"))
            .await
            .len(),
        1
    );
    let other_time = fresh_time();
    assert!(
        results(&app, &format!("foreign_ids={f}&timestamps={other_time}"))
            .await
            .is_empty()
    );
    assert!(results(&app, &format!("foreign_ids=x{f}&timestamps={t}"))
        .await
        .is_empty());

    refused(
        &get(&app, &format!("foreign_ids={f},g&timestamps={t}")).await,
        400,
        4,
        Some("timestamps"),
    );
    refused(
        &get(&app, &format!("foreign_ids={f}&timestamps=soon")).await,
        400,
        4,
        Some("timestamps"),
    );
    refused(&get(&app, "").await, 400, 4, Some("ids"));
    refused(
        &get(&app, &format!("ids={a}&foreign_ids={f}&timestamps={t}")).await,
        400,
        4,
        Some("ids"),
    );
    let many: Vec<String> = (0..101).map(|i| format!("id{i}")).collect();
    refused(
        &get(&app, &format!("ids={}", many.join(","))).await,
        400,
        4,
        Some("ids"),
    );

    // A removed activity is gone.
    let removed = app
        .v2(
            "DELETE",
            &format!("{}{b}/", feed(&fid)),
            &v2_server_token(),
            Some(json!({})),
        )
        .await;
    assert_eq!(removed.status, 200, "{}", removed.body);
    assert_eq!(results(&app, &format!("ids={a},{b}")).await.len(), 1);

    // Tokens: activities/read covers it, a feed token does not.
    let reader = v2_token(json!({"resource": "activities", "action": "read", "feed_id": "*"}));
    let ok = app
        .v2(
            "GET",
            &format!("/api/v1.0/activities/?ids={a}"),
            &reader,
            None,
        )
        .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    let feed_token = v2_token(json!({"resource": "feed", "action": "read", "feed_id": "*"}));
    let no = app
        .v2(
            "GET",
            &format!("/api/v1.0/activities/?ids={a}"),
            &feed_token,
            None,
        )
        .await;
    refused(&no, 403, 17, None);
}

#[tokio::test]
async fn full_update_replaces_the_data_in_every_feed_and_keeps_targets() {
    let app = TestApp::spawn().await;
    let (fid, target) = (
        format!("user:{}", unique("v2u")),
        format!("user:{}", unique("v2ut")),
    );
    let (f, t) = (unique("fid"), fresh_time());
    let added = add(
        &app,
        &fid,
        json!({"actor": "ann", "verb": "like", "object": "post:1", "foreign_id": f, "time": t,
            "to": [target], "popularity": 1, "old": true}),
    )
    .await;
    // Send back what the server answered (id, origin, to and all), changed.
    let mut back = added.clone();
    back.as_object_mut().unwrap().remove("duration");
    back["popularity"] = json!(100);
    back["to"] = json!(["user:somewhere_else"]);
    back.as_object_mut().unwrap().remove("old");
    back["new"] = json!({"n": 1});
    let reply = post(&app, "/api/v1.0/activities/", json!({"activities": [back]})).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply.body["duration"].is_string());
    for f in [&fid, &target] {
        let shown = read(&app, f).await;
        assert_eq!(shown.len(), 1, "{f}: {shown:?}");
        let a = &shown[0];
        assert_eq!(a["id"], added["id"]);
        assert_eq!(a["popularity"], 100);
        assert_eq!(a["new"], json!({"n": 1}));
        assert!(a.get("old").is_none(), "replaced, not merged: {a}");
        assert_eq!(a["to"], json!([target]), "to does not change here");
        assert_eq!(a["time"], t.as_str());
    }

    // Refusals change nothing, and one bad activity in a batch writes none.
    let good = json!({"actor": "ann", "verb": "like", "object": "post:1", "foreign_id": f,
        "time": t, "popularity": 5});
    let mut no_fid = good.clone();
    no_fid.as_object_mut().unwrap().remove("foreign_id");
    let reply = post(
        &app,
        "/api/v1.0/activities/",
        json!({"activities": [good, no_fid]}),
    )
    .await;
    refused(&reply, 400, 4, Some("activities[1].foreign_id"));
    let mut no_time = good.clone();
    no_time.as_object_mut().unwrap().remove("time");
    let reply = post(
        &app,
        "/api/v1.0/activities/",
        json!({"activities": [no_time]}),
    )
    .await;
    refused(&reply, 400, 4, Some("activities[0].time"));
    let mut other_verb = good.clone();
    other_verb["verb"] = json!("share");
    let reply = post(
        &app,
        "/api/v1.0/activities/",
        json!({"activities": [good, other_verb]}),
    )
    .await;
    refused(&reply, 400, 4, Some("activities[1].verb"));
    refused(
        &post(&app, "/api/v1.0/activities/", json!({"activities": {}})).await,
        400,
        4,
        Some("activities"),
    );
    assert_eq!(read(&app, &fid).await[0]["popularity"], 100);

    // An activity that does not exist is not created: it would be in no feed.
    let (nf, nt) = (unique("fid"), fresh_time());
    let reply = post(
        &app,
        "/api/v1.0/activities/",
        json!({"activities": [{"actor": "a", "verb": "v", "object": "o", "foreign_id": nf, "time": nt}]}),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(results(&app, &format!("foreign_ids={nf}&timestamps={nt}"))
        .await
        .is_empty());

    // A feed token does not cover updates.
    let feed_token = v2_token(json!({"resource": "feed", "action": "write", "feed_id": "*"}));
    let reply = app
        .v2(
            "POST",
            "/api/v1.0/activities/",
            &feed_token,
            Some(json!({"activities": []})),
        )
        .await;
    refused(&reply, 403, 17, None);
}

#[tokio::test]
async fn partial_updates_by_id_and_by_foreign_id_keep_reads_stable() {
    let app = TestApp::spawn().await;
    let fid = format!("user:{}", unique("v2p"));
    let (f, t) = (unique("fid"), fresh_time());
    add(
        &app,
        &fid,
        json!({"actor": "barry", "object": "09", "verb": "tweet", "time": t, "foreign_id": f,
            "product": {"name": "shoes", "price": 9.99, "color": "blue"}}),
    )
    .await;
    let before = read(&app, &fid).await.remove(0);
    let id = before["id"].as_str().unwrap();

    let reply = post(
        &app,
        "/api/v1.0/activity/",
        json!({"changes": [{"id": id,
            "set": {"product.name": "boots", "product.price": 7.99, "popularity": 1000,
                "foo": {"bar": {"baz": "qux"}}},
            "unset": ["product.color"]}]}),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let mut expected = before.clone();
    expected["product"] = json!({"name": "boots", "price": 7.99});
    expected["popularity"] = json!(1000);
    expected["foo"] = json!({"bar": {"baz": "qux"}});
    let after = read(&app, &fid).await.remove(0);
    assert_eq!(after, expected);
    assert_eq!(reply.body["activities"], json!([expected]));
    // The keys that were there stay where they were.
    let old_keys = keys(&before);
    let new_keys = keys(&after);
    let kept: Vec<&String> = new_keys.iter().filter(|k| old_keys.contains(k)).collect();
    assert_eq!(kept, old_keys.iter().collect::<Vec<_>>());

    // By foreign_id + time, with the time as the server showed it.
    let reply = post(
        &app,
        "/api/v1.0/activity/",
        json!({"changes": [{"foreign_id": f, "time": after["time"],
            "set": {"foo.bar.baz": 42, "popularity": 9000}, "unset": ["product.price"]}]}),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    expected["product"] = json!({"name": "boots"});
    expected["foo"] = json!({"bar": {"baz": 42}});
    expected["popularity"] = json!(9000);
    assert_eq!(read(&app, &fid).await.remove(0), expected);
    // Reading again changes nothing: no update times, no reordering.
    assert_eq!(read(&app, &fid).await.remove(0), expected);
    assert_eq!(results(&app, &format!("ids={id}")).await, [expected]);
}

#[tokio::test]
async fn partial_update_batches_are_all_or_nothing() {
    let app = TestApp::spawn().await;
    let fid = format!("user:{}", unique("v2b"));
    let mut ids = Vec::new();
    for name in ["a", "b", "c"] {
        let a = add(
            &app,
            &fid,
            json!({"actor": name, "verb": "tweet", "object": "1",
                "product": {"name": "shoes", "price": 9.99, "color": "blue"}}),
        )
        .await;
        ids.push(a["id"].as_str().unwrap().to_string());
    }
    let before = read(&app, &fid).await;
    let by_id = |i: usize| {
        before
            .iter()
            .find(|a| a["id"] == ids[i].as_str())
            .unwrap()
            .clone()
    };

    // Two changes, one activity changed twice: they apply in order.
    let reply = post(
        &app,
        "/api/v1.0/activity/",
        json!({"changes": [
            {"id": ids[0], "set": {"product.color": "purple", "custom": {"some": "extra data"}},
                "unset": ["product.price"]},
            {"id": ids[2], "set": {"product.price": 9001, "on_sale": true}},
            {"id": ids[2], "unset": ["on_sale"], "set": {"n": 1}}]}),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["activities"].as_array().unwrap().len(), 3);
    let mut expected = by_id(0);
    expected["product"] = json!({"name": "shoes", "color": "purple"});
    expected["custom"] = json!({"some": "extra data"});
    let mut third = by_id(2);
    third["product"]["price"] = json!(9001);
    third["n"] = json!(1);
    let now = read(&app, &fid).await;
    assert_eq!(
        now.iter().find(|a| a["id"] == ids[0].as_str()).unwrap(),
        &expected
    );
    assert_eq!(
        now.iter().find(|a| a["id"] == ids[2].as_str()).unwrap(),
        &third
    );

    // Each refusal names the change and leaves every activity as it was.
    let unchanged = read(&app, &fid).await;
    let cases = [
        (
            json!([{"id": ids[1], "set": {"x": 1}}, {"id": ids[0], "set": {"verb": "like"}}]),
            400,
            4,
        ),
        (
            json!([{"id": ids[1], "set": {"x": 1}}, {"id": ids[0], "unset": ["foreign_id"]}]),
            400,
            4,
        ),
        (
            json!([{"id": ids[1], "set": {"x": 1}}, {"id": ids[0], "set": {"product.size.eu": 42}}]),
            400,
            4,
        ),
        (
            json!([{"id": ids[1], "set": {"x": 1}}, {"id": ids[0], "set": {"a": 1}, "unset": ["a"]}]),
            400,
            4,
        ),
        (
            json!([{"id": ids[1], "set": {"x": 1}}, {"set": {"x": 1}}]),
            400,
            4,
        ),
        (
            json!([{"id": ids[1], "set": {"x": 1}}, {"id": unique("nope"), "set": {"x": 1}}]),
            404,
            16,
        ),
        (
            json!([{"id": ids[1], "set": {"x": 1}},
            {"foreign_id": unique("nope"), "time": fresh_time(), "set": {"x": 1}}]),
            404,
            16,
        ),
    ];
    for (changes, status, code) in cases {
        let reply = post(&app, "/api/v1.0/activity/", json!({ "changes": changes })).await;
        let field = (status == 400).then_some("changes[1]");
        assert_eq!(reply.status, status, "{changes}: {}", reply.body);
        assert_eq!(reply.body["code"], code, "{changes}: {}", reply.body);
        assert!(reply.body["exception"].is_string());
        if let Some(prefix) = field {
            let fields = keys(&reply.body["exception_fields"]);
            assert!(
                fields.iter().all(|f| f.starts_with(prefix)),
                "{}",
                reply.body
            );
        }
        assert_eq!(
            read(&app, &fid).await,
            unchanged,
            "{changes} changed something"
        );
    }
    let many: Vec<Value> = (0..101)
        .map(|_| json!({"id": ids[1], "set": {"x": 1}}))
        .collect();
    let reply = post(&app, "/api/v1.0/activity/", json!({ "changes": many })).await;
    refused(&reply, 400, 4, Some("changes"));
    refused(
        &post(&app, "/api/v1.0/activity/", json!({"set": {}})).await,
        400,
        4,
        Some("changes"),
    );
    assert_eq!(read(&app, &fid).await, unchanged);

    // A user may change their own activity, not someone else's.
    let mine = add(
        &app,
        &fid,
        json!({"actor": "v2owner", "verb": "post", "object": "1"}),
    )
    .await;
    let owner = v2_token(json!({"user_id": "v2owner"}));
    let stranger = v2_token(json!({"user_id": "v2stranger"}));
    let change = json!({"changes": [{"id": mine["id"], "set": {"mood": "ok"}}]});
    let reply = app
        .v2(
            "POST",
            "/api/v1.0/activity/",
            &stranger,
            Some(change.clone()),
        )
        .await;
    refused(&reply, 403, 17, None);
    let reply = app
        .v2("POST", "/api/v1.0/activity/", &owner, Some(change))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["activities"][0]["mood"], "ok");
}

#[tokio::test]
async fn changing_targets_moves_the_activity_and_follower_copies() {
    let app = TestApp::spawn().await;
    let origin = format!("user:{}", unique("v2o"));
    let [t1, t2, t3, t4] = ["t1", "t2", "t3", "t4"].map(|t| format!("user:{}", unique(t)));
    let timeline = format!("timeline:{}", unique("v2tl"));
    // The timeline follows t3: whatever t3 holds comes through it.
    let (g, id) = timeline.split_once(':').unwrap();
    let follow = post(
        &app,
        &format!("/api/v1.0/feed/{g}/{id}/follows/"),
        json!({"target": t3}),
    )
    .await;
    assert_eq!(follow.status, 200, "{}", follow.body);

    let (f, t) = (unique("fid"), fresh_time());
    let added = add(
        &app,
        &origin,
        json!({"actor": 1, "verb": "tweet", "object": 1, "foreign_id": f, "time": t,
            "to": [origin, t1, t2]}),
    )
    .await;
    let id = added["id"].as_str().unwrap();
    let holds = |shown: &[Value]| shown.iter().any(|a| a["id"] == id);

    // Replace: t1 leaves, t3 joins (and the timeline gets its copy through t3).
    let reply = post(
        &app,
        &targets_path(&origin),
        json!({"foreign_id": f, "time": t, "new_targets": [t3, t2]}),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["activity"]["to"], json!([t3, t2]));
    assert_eq!(reply.body["activity"]["id"], id);
    assert_eq!(reply.body["added"], json!([t3]));
    assert_eq!(reply.body["removed"], json!([origin, t1]));
    app.settle_fanout().await;
    assert!(holds(&read(&app, &origin).await), "the origin keeps it");
    assert!(!holds(&read(&app, &t1).await));
    assert!(holds(&read(&app, &t2).await));
    assert!(holds(&read(&app, &t3).await));
    let copy = read(&app, &timeline).await;
    assert!(holds(&copy), "the follower of a new target gets it");
    assert_eq!(copy[0]["origin"], t3.as_str());

    // Edit: t4 joins, t3 leaves, and its follower's copy goes with it.
    let reply = post(
        &app,
        &targets_path(&origin),
        json!({"foreign_id": f, "time": t, "added_targets": [t4], "removed_targets": [t3]}),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.body["activity"]["to"], json!([t2, t4]));
    assert_eq!(
        (reply.body["added"].clone(), reply.body["removed"].clone()),
        (json!([t4]), json!([t3]))
    );
    app.settle_fanout().await;
    assert!(!holds(&read(&app, &t3).await));
    assert!(holds(&read(&app, &t4).await));
    assert!(
        !holds(&read(&app, &timeline).await),
        "the copy left with its target"
    );
    assert_eq!(
        results(&app, &format!("ids={id}")).await[0]["to"],
        json!([t2, t4])
    );

    // Sending it again changes nothing more.
    let again = post(
        &app,
        &targets_path(&origin),
        json!({"foreign_id": f, "time": t, "added_targets": [t4], "removed_targets": [t3]}),
    )
    .await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.body["added"], json!([]));
    assert_eq!(again.body["activity"]["to"], json!([t2, t4]));

    // Refusals.
    let path = targets_path(&origin);
    let cases = [
        (
            json!({"time": t, "new_targets": [t1]}),
            400,
            4,
            Some("foreign_id"),
        ),
        (
            json!({"foreign_id": f, "new_targets": [t1]}),
            400,
            4,
            Some("time"),
        ),
        (
            json!({"foreign_id": f, "time": t, "new_targets": [t1], "added_targets": [t2]}),
            400,
            4,
            Some("new_targets"),
        ),
        (
            json!({"foreign_id": f, "time": t}),
            400,
            4,
            Some("new_targets"),
        ),
        (
            json!({"foreign_id": f, "time": t, "added_targets": ["nocolon"]}),
            400,
            4,
            Some("added_targets"),
        ),
        (
            json!({"foreign_id": f, "time": t, "added_targets": [format!("nogroup{}:1", unique("g"))]}),
            400,
            4,
            None,
        ),
        (
            json!({"foreign_id": unique("nope"), "time": t, "new_targets": [t1]}),
            404,
            16,
            None,
        ),
    ];
    for (body, status, code, field) in cases {
        let reply = post(&app, &path, body.clone()).await;
        assert_eq!(
            (reply.status, reply.body["code"].clone()),
            (status, json!(code)),
            "{body}: {}",
            reply.body
        );
        refused(&reply, status, code, field);
    }
    // Another feed does not hold it.
    let reply = post(
        &app,
        &targets_path(&t1),
        json!({"foreign_id": f, "time": t, "new_targets": [t1]}),
    )
    .await;
    refused(&reply, 404, 16, None);
    // The token must be for this feed.
    let (g, fid_id) = origin.split_once(':').unwrap();
    let other =
        v2_token(json!({"resource": "feed_targets", "action": "write", "feed_id": "user1"}));
    let reply = app
        .v2(
            "POST",
            &path,
            &other,
            Some(json!({"foreign_id": f, "time": t, "new_targets": []})),
        )
        .await;
    refused(&reply, 403, 17, None);
    let own = v2_token(
        json!({"resource": "feed_targets", "action": "write", "feed_id": format!("{g}{fid_id}")}),
    );
    let reply = app
        .v2(
            "POST",
            &path,
            &own,
            Some(json!({"foreign_id": f, "time": t, "added_targets": []})),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        results(&app, &format!("ids={id}")).await[0]["to"],
        json!([t2, t4])
    );
}

#[tokio::test]
async fn the_v3_dialect_sees_v2_changes_and_v2_reads_v3_activities() {
    let app = TestApp::spawn().await;
    let fid = format!("user:{}", unique("v2x"));
    let added = add(
        &app,
        &fid,
        json!({"actor": "ann", "verb": "post", "object": "1", "color": "red",
            "product": {"price": 1}}),
    )
    .await;
    let id = added["id"].as_str().unwrap();
    let reply = post(
        &app,
        "/api/v1.0/activity/",
        json!({"changes": [{"id": id, "set": {"color": "blue", "product.price": 2}}]}),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let v3 = app
        .server("GET", &format!("/api/v2/feeds/activities/{id}"), None)
        .await;
    let v3 = &v3.expect_ok()["activity"];
    assert_eq!(v3["custom"]["color"], "blue");
    assert_eq!(v3["custom"]["product"], json!({"price": 2}));
    assert_eq!(v3["type"], "post");

    // Written through v3, read and changed through v2.
    let user = unique("v3user");
    let v3_id = unique("v3act");
    let created = app
        .server(
            "POST",
            "/api/v2/feeds/activities",
            Some(json!({"id": v3_id, "type": "share", "user_id": user,
                "feeds": [format!("user:{user}")], "text": "hello", "custom": {"mood": "good"}})),
        )
        .await;
    created.expect_ok();
    let got = results(&app, &format!("ids={v3_id}")).await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0]["actor"], user.as_str());
    assert_eq!(got[0]["verb"], "share");
    assert_eq!(got[0]["text"], "hello");
    assert_eq!(got[0]["mood"], "good");
    assert!(got[0]["origin"].is_null());
    let reply = post(
        &app,
        "/api/v1.0/activity/",
        json!({"changes": [{"id": v3_id, "set": {"text": "edited", "mood": "great"}}]}),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let v3 = app
        .server("GET", &format!("/api/v2/feeds/activities/{v3_id}"), None)
        .await;
    let v3 = &v3.expect_ok()["activity"];
    assert_eq!(v3["text"], "edited", "text stays v3's text");
    assert_eq!(v3["custom"], json!({"mood": "great"}));
}
