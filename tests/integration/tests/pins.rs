//! Pinned activities: pinning and unpinning (the `pin-activity` capability, the activity
//! in the feed, twice, not pinned), `query_pinned_activities` with its sort and cursors,
//! `pinned_activities` and an exact `pin_count` on feed reads, and pins of deleted
//! activities left out, against DynamoDB Local.

use serde_json::{json, Value};
use tributary_integration_tests::{unique, Measure, TestApp};

fn pin_path(fid: &str, activity_id: &str) -> String {
    let (group, id) = fid.split_once(':').expect("group:id");
    format!("/api/v2/feeds/feed_groups/{group}/feeds/{id}/activities/{activity_id}/pin")
}

fn query_path(fid: &str) -> String {
    let (group, id) = fid.split_once(':').expect("group:id");
    format!("/api/v2/feeds/feed_groups/{group}/feeds/{id}/pinned_activities/query")
}

fn pinned_ids(list: &Value) -> Vec<String> {
    list.as_array()
        .expect("pinned activities")
        .iter()
        .map(|p| p["activity"]["id"].as_str().expect("id").to_string())
        .collect()
}

async fn pin_count(app: &TestApp, fid: &str) -> i64 {
    app.read_feed(fid, json!({}))
        .await
        .get("feed")
        .and_then(|f| f["pin_count"].as_i64())
        .expect("pin_count")
}

/// A user with their feed and `n` posts in it (oldest first).
async fn owner_with_posts(app: &TestApp, n: usize) -> (String, String, Vec<String>) {
    let owner = unique("pinner");
    app.upsert_user(&owner, &owner).await;
    let fid = format!("user:{owner}");
    let mut ids = Vec::new();
    for _ in 0..n {
        ids.push(app.post(&owner).await["id"].as_str().unwrap().to_string());
    }
    (owner, fid, ids)
}

#[tokio::test]
async fn pin_unpin_and_read_back() {
    let app = TestApp::spawn().await;
    let (owner, fid, ids) = owner_with_posts(&app, 3).await;
    // A feed without pins reads them for nothing (its pin_count says there are none).
    let m = Measure::start(&app);
    let read = app.read_feed(&fid, json!({"user_id": owner})).await;
    let cost = m.finish(1);
    println!(
        "feed read, no pins: {:.1} RU, {:.1} WU, {:.0} round trips",
        cost.read_units, cost.write_units, cost.round_trips
    );
    assert_eq!(read["pinned_activities"], json!([]));
    assert_eq!(read["feed"]["pin_count"], json!(0));

    let m = Measure::start(&app);
    let reply = app
        .as_user(&owner, "POST", &pin_path(&fid, &ids[0]), Some(json!({})))
        .await;
    let cost = m.finish(1);
    println!(
        "pin_activity: {:.1} RU, {:.1} WU, {:.0} round trips",
        cost.read_units, cost.write_units, cost.round_trips
    );
    let body = reply.expect_ok();
    assert_eq!(body["activity"]["id"], json!(ids[0]));
    assert_eq!(body["feed"], json!(fid));
    assert_eq!(body["user_id"], json!(owner));
    let first_pinned_at = body["created_at"].clone();
    assert!(first_pinned_at.is_string() || first_pinned_at.is_number());

    // Pinning again changes nothing: the same pin, the same count.
    let again = app
        .as_user(&owner, "POST", &pin_path(&fid, &ids[0]), Some(json!({})))
        .await;
    assert_eq!(again.expect_ok()["created_at"], first_pinned_at);
    assert_eq!(pin_count(&app, &fid).await, 1);

    app.as_user(&owner, "POST", &pin_path(&fid, &ids[2]), Some(json!({})))
        .await
        .expect_ok();
    // A server call pins as the named user.
    app.server(
        "POST",
        &pin_path(&fid, &ids[1]),
        Some(json!({"user_id": owner})),
    )
    .await
    .expect_ok();
    assert_eq!(pin_count(&app, &fid).await, 3);

    // The feed read shows the pins, newest pin first, with who pinned.
    let m = Measure::start(&app);
    let read = app.read_feed(&fid, json!({"user_id": owner})).await;
    let cost = m.finish(1);
    println!(
        "feed read with 3 pins: {:.1} RU, {:.1} WU, {:.0} round trips",
        cost.read_units, cost.write_units, cost.round_trips
    );
    assert_eq!(
        pinned_ids(&read["pinned_activities"]),
        vec![ids[1].clone(), ids[2].clone(), ids[0].clone()]
    );
    let pin = &read["pinned_activities"][0];
    assert_eq!(pin["feed"], json!(fid));
    assert_eq!(pin["user"]["id"], json!(owner));
    assert!(pin["created_at"].is_string() || pin["created_at"].is_number());
    assert!(pin["updated_at"].is_string() || pin["updated_at"].is_number());
    assert_eq!(read["feed"]["pin_count"], json!(3));

    // Unpin: the activity leaves the pins and the count.
    let m = Measure::start(&app);
    let reply = app
        .as_user(&owner, "DELETE", &pin_path(&fid, &ids[2]), None)
        .await;
    let cost = m.finish(1);
    println!(
        "unpin_activity: {:.1} RU, {:.1} WU, {:.0} round trips",
        cost.read_units, cost.write_units, cost.round_trips
    );
    let body = reply.expect_ok();
    assert_eq!(body["activity"]["id"], json!(ids[2]));
    assert_eq!(body["feed"], json!(fid));
    assert_eq!(body["user_id"], json!(owner));
    let read = app.read_feed(&fid, json!({})).await;
    assert_eq!(
        pinned_ids(&read["pinned_activities"]),
        vec![ids[1].clone(), ids[0].clone()]
    );
    assert_eq!(read["feed"]["pin_count"], json!(2));

    // Unpinning what is not pinned: 404, nothing changes.
    app.as_user(&owner, "DELETE", &pin_path(&fid, &ids[2]), None)
        .await
        .expect_error(16, 404);
    assert_eq!(pin_count(&app, &fid).await, 2);
}

#[tokio::test]
async fn bad_input_changes_nothing() {
    let app = TestApp::spawn().await;
    let (owner, fid, ids) = owner_with_posts(&app, 1).await;
    let (other, other_fid, other_ids) = owner_with_posts(&app, 1).await;
    let _ = other_fid;

    // An activity of another feed: 400 naming activity_id.
    let reply = app
        .as_user(
            &owner,
            "POST",
            &pin_path(&fid, &other_ids[0]),
            Some(json!({})),
        )
        .await;
    let err = reply.expect_error(4, 400);
    assert!(
        err["message"].as_str().unwrap().contains("activity_id"),
        "{err}"
    );
    // A missing activity: 404.
    app.as_user(
        &owner,
        "POST",
        &pin_path(&fid, "no-such-activity"),
        Some(json!({})),
    )
    .await
    .expect_error(16, 404);
    // A missing feed: 404.
    let ghost = format!("user:{}", unique("ghost"));
    app.server(
        "POST",
        &pin_path(&ghost, &ids[0]),
        Some(json!({"user_id": owner})),
    )
    .await
    .expect_error(16, 404);
    // A server call names the user who pins.
    app.server("POST", &pin_path(&fid, &ids[0]), Some(json!({})))
        .await
        .expect_error(4, 400);
    // A user token acting as someone else.
    app.as_user(
        &other,
        "POST",
        &pin_path(&fid, &ids[0]),
        Some(json!({"user_id": owner})),
    )
    .await
    .expect_error(17, 403);
    // Unpinning is checked the same way.
    app.as_user(&owner, "DELETE", &pin_path(&fid, "no-such-activity"), None)
        .await
        .expect_error(16, 404);
    assert_eq!(pin_count(&app, &fid).await, 0);
    let read = app.read_feed(&fid, json!({})).await;
    assert_eq!(read["pinned_activities"], json!([]));
    // A bad filter or sort names the field.
    app.server(
        "POST",
        &query_path(&fid),
        Some(json!({"filter": {"text": "x"}})),
    )
    .await
    .expect_error(4, 400);
    app.server(
        "POST",
        &query_path(&fid),
        Some(json!({"sort": [{"field": "popularity", "direction": -1}]})),
    )
    .await
    .expect_error(4, 400);
    app.server("POST", &query_path(&fid), Some(json!({"next": "forged"})))
        .await
        .expect_error(4, 400);
}

#[tokio::test]
async fn only_those_with_the_capability_pin() {
    let app = TestApp::spawn().await;
    let (owner, fid, ids) = owner_with_posts(&app, 1).await;
    let (member, follower, stranger) = (unique("member"), unique("follower"), unique("stranger"));
    for u in [&member, &follower, &stranger] {
        app.upsert_user(u, u).await;
    }
    let (group, id) = fid.split_once(':').unwrap();
    app.server(
        "PATCH",
        &format!("/api/v2/feeds/feed_groups/{group}/feeds/{id}/members"),
        Some(json!({"operation": "upsert", "members": [{"user_id": member}]})),
    )
    .await
    .expect_ok();
    app.follow(&format!("timeline:{follower}"), &fid, json!({}))
        .await;
    for who in [&member, &follower, &stranger] {
        let err = app
            .as_user(who, "POST", &pin_path(&fid, &ids[0]), Some(json!({})))
            .await;
        let err = err.expect_error(17, 403);
        assert!(
            err["message"].as_str().unwrap().contains("pin-activity"),
            "{err}"
        );
    }
    assert_eq!(pin_count(&app, &fid).await, 0);

    // The owner pins; the others may not unpin.
    app.as_user(&owner, "POST", &pin_path(&fid, &ids[0]), Some(json!({})))
        .await
        .expect_ok();
    for who in [&member, &follower, &stranger] {
        app.as_user(who, "DELETE", &pin_path(&fid, &ids[0]), None)
            .await
            .expect_error(17, 403);
    }
    assert_eq!(pin_count(&app, &fid).await, 1);

    // Readers of the feed read its pins.
    let listed = app
        .as_user(&stranger, "POST", &query_path(&fid), Some(json!({})))
        .await;
    assert_eq!(
        pinned_ids(&listed.expect_ok()["pinned_activities"]),
        vec![ids[0].clone()]
    );
    // A private activity's pin shows to its author alone (and the server).
    let private = app
        .add_activity(
            &owner,
            json!({"type": "post", "feeds": [fid], "visibility": "private"}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.as_user(&owner, "POST", &pin_path(&fid, &private), Some(json!({})))
        .await
        .expect_ok();
    let listed = app
        .as_user(&stranger, "POST", &query_path(&fid), Some(json!({})))
        .await;
    assert_eq!(
        pinned_ids(&listed.expect_ok()["pinned_activities"]),
        vec![ids[0].clone()]
    );
    let read = app.read_feed(&fid, json!({"user_id": stranger})).await;
    assert_eq!(pinned_ids(&read["pinned_activities"]), vec![ids[0].clone()]);
    let read = app.read_feed(&fid, json!({"user_id": owner})).await;
    assert_eq!(
        pinned_ids(&read["pinned_activities"]),
        vec![private.clone(), ids[0].clone()]
    );

    // A private feed's pins are its owner's alone.
    let private_owner = unique("private");
    app.upsert_user(&private_owner, &private_owner).await;
    let private = format!("user:{private_owner}");
    app.server(
        "POST",
        &format!("/api/v2/feeds/feed_groups/user/feeds/{private_owner}"),
        Some(json!({"user_id": private_owner, "data": {"visibility": "private"}})),
    )
    .await
    .expect_ok();
    let secret = app.post(&private_owner).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.as_user(
        &private_owner,
        "POST",
        &pin_path(&private, &secret),
        Some(json!({})),
    )
    .await
    .expect_ok();
    app.as_user(&stranger, "POST", &query_path(&private), Some(json!({})))
        .await
        .expect_error(17, 403);
}

#[tokio::test]
async fn query_pinned_activities_pages_both_ways() {
    let app = TestApp::spawn().await;
    let (owner, fid, ids) = owner_with_posts(&app, 5).await;
    for id in &ids {
        app.as_user(&owner, "POST", &pin_path(&fid, id), Some(json!({})))
            .await
            .expect_ok();
    }
    // Newest pin first, two at a time.
    let m = Measure::start(&app);
    let first = app
        .server("POST", &query_path(&fid), Some(json!({"limit": 2})))
        .await;
    let cost = m.finish(1);
    println!(
        "query_pinned_activities (2): {:.1} RU, {:.1} WU, {:.0} round trips",
        cost.read_units, cost.write_units, cost.round_trips
    );
    let first = first.expect_ok().clone();
    assert_eq!(
        pinned_ids(&first["pinned_activities"]),
        vec![ids[4].clone(), ids[3].clone()]
    );
    assert!(first.get("prev").is_none_or(Value::is_null));
    let second = app
        .server(
            "POST",
            &query_path(&fid),
            Some(json!({"limit": 2, "next": first["next"]})),
        )
        .await
        .expect_ok()
        .clone();
    assert_eq!(
        pinned_ids(&second["pinned_activities"]),
        vec![ids[2].clone(), ids[1].clone()]
    );
    let third = app
        .server(
            "POST",
            &query_path(&fid),
            Some(json!({"limit": 2, "next": second["next"]})),
        )
        .await
        .expect_ok()
        .clone();
    assert_eq!(
        pinned_ids(&third["pinned_activities"]),
        vec![ids[0].clone()]
    );
    assert!(third.get("next").is_none_or(Value::is_null));
    // Back from the third page.
    let back = app
        .server(
            "POST",
            &query_path(&fid),
            Some(json!({"limit": 2, "prev": third["prev"]})),
        )
        .await
        .expect_ok()
        .clone();
    assert_eq!(
        pinned_ids(&back["pinned_activities"]),
        vec![ids[2].clone(), ids[1].clone()]
    );

    // Oldest pin first.
    let oldest = app
        .server(
            "POST",
            &query_path(&fid),
            Some(json!({"limit": 3, "sort": [{"field": "created_at", "direction": 1}]})),
        )
        .await
        .expect_ok()
        .clone();
    assert_eq!(
        pinned_ids(&oldest["pinned_activities"]),
        vec![ids[0].clone(), ids[1].clone(), ids[2].clone()]
    );
    // By activity id.
    let some = app
        .server(
            "POST",
            &query_path(&fid),
            Some(json!({"filter": {"activity_id": {"$in": [ids[1], ids[3]]}}})),
        )
        .await
        .expect_ok()
        .clone();
    assert_eq!(
        pinned_ids(&some["pinned_activities"]),
        vec![ids[3].clone(), ids[1].clone()]
    );
    // By when they were pinned and by who pinned them.
    let since = oldest["pinned_activities"][1]["created_at"].clone();
    let later = app
        .server(
            "POST",
            &query_path(&fid),
            Some(json!({"filter": {"created_at": {"$gte": since}}, "sort": [{"field": "created_at", "direction": 1}], "limit": 2})),
        )
        .await
        .expect_ok()
        .clone();
    assert_eq!(
        pinned_ids(&later["pinned_activities"]),
        vec![ids[1].clone(), ids[2].clone()]
    );
    let pinner = oldest["pinned_activities"][0]["user"]["id"].clone();
    let by_pinner = app
        .server(
            "POST",
            &query_path(&fid),
            Some(json!({"filter": {"$and": [{"user_id": pinner}, {"activity_id": ids[0]}]}})),
        )
        .await
        .expect_ok()
        .clone();
    assert_eq!(
        pinned_ids(&by_pinner["pinned_activities"]),
        vec![ids[0].clone()]
    );
    let by_nobody = app
        .server(
            "POST",
            &query_path(&fid),
            Some(json!({"filter": {"user_id": "someone-else"}})),
        )
        .await
        .expect_ok()
        .clone();
    assert_eq!(by_nobody["pinned_activities"], json!([]));

    // A deleted activity's pin stops showing, in the query and on feed reads.
    app.server(
        "DELETE",
        &format!("/api/v2/feeds/activities/{}", ids[4]),
        None,
    )
    .await
    .expect_ok();
    let all = app
        .server("POST", &query_path(&fid), Some(json!({})))
        .await
        .expect_ok()
        .clone();
    assert!(!pinned_ids(&all["pinned_activities"]).contains(&ids[4]));
    let read = app.read_feed(&fid, json!({})).await;
    assert!(!pinned_ids(&read["pinned_activities"]).contains(&ids[4]));
    assert_eq!(pinned_ids(&read["pinned_activities"]).len(), 4);
    // A soft-deleted activity keeps its pin (restoring it shows it again); one removed for
    // good is unpinned, and the count follows.
    assert_eq!(read["feed"]["pin_count"], json!(5));
    app.hard_delete(&ids[3]).await;
    let read = app.read_feed(&fid, json!({})).await;
    assert_eq!(
        pinned_ids(&read["pinned_activities"]),
        vec![ids[2].clone(), ids[1].clone(), ids[0].clone()]
    );
    assert_eq!(read["feed"]["pin_count"], json!(4));
    app.server(
        "POST",
        &format!("/api/v2/feeds/activities/{}/restore", ids[4]),
        Some(json!({})),
    )
    .await
    .expect_ok();
    let read = app.read_feed(&fid, json!({})).await;
    assert_eq!(pinned_ids(&read["pinned_activities"])[0], ids[4]);
}

#[tokio::test]
async fn pin_count_is_exact_under_parallel_writers() {
    let app = TestApp::spawn().await;
    let (owner, fid, ids) = owner_with_posts(&app, 10).await;
    // 50 writers: each of the 10 activities is pinned by 3 writers and unpinned by 2, at
    // once; whatever the interleaving, the count equals the pins that stand.
    let mut calls = Vec::new();
    for id in &ids {
        for op in ["POST", "POST", "POST", "DELETE", "DELETE"] {
            calls.push((op, pin_path(&fid, id)));
        }
    }
    let replies = futures::future::join_all(calls.iter().map(|(op, path)| {
        let body = (*op == "POST").then(|| json!({}));
        app.as_user(&owner, op, path, body)
    }))
    .await;
    for r in &replies {
        assert!(r.status == 200 || r.status == 404, "{:?}", r.body);
    }
    let mut standing = 0;
    let mut next: Option<Value> = None;
    loop {
        let mut body = json!({"limit": 4});
        if let Some(n) = &next {
            body["next"] = n.clone();
        }
        let page = app
            .server("POST", &query_path(&fid), Some(body))
            .await
            .expect_ok()
            .clone();
        standing += page["pinned_activities"].as_array().unwrap().len();
        match page.get("next").filter(|n| !n.is_null()) {
            Some(n) => next = Some(n.clone()),
            None => break,
        }
    }
    assert_eq!(pin_count(&app, &fid).await, standing as i64);
    // The feed read shows at most the 10 newest pins.
    let read = app.read_feed(&fid, json!({})).await;
    assert_eq!(
        pinned_ids(&read["pinned_activities"]).len(),
        standing.min(10)
    );
}
