//! How many sequential DynamoDB round trips a feed page takes, whatever it shows: a flat
//! page at most 3, an enriched page (own and latest reactions, comments, users, bookmarks,
//! collections, polls, shared parents, latest shares) at most 4, at any depth of the feed; a
//! notification page with its status at most 4, whether its group is built in or custom.
//! Against DynamoDB Local; the store's meter counts the longest chain of calls each made
//! after the one before had answered.

use serde_json::{json, Value};
use tributary_domain::model::feed_group::FeedGroup;
use tributary_domain::time::now_nanos;
use tributary_integration_tests::{unique, Measure, TestApp};

/// Reads `fid` with `body` and reports its cost.
async fn measured_read(app: &TestApp, label: &str, fid: &str, body: Value) -> (Value, f64) {
    let m = Measure::start(app);
    let page = app.read_feed(fid, body).await;
    let cost = m.finish(1);
    println!(
        "{label}: {:.1} RU, {:.0} round trips, {:.0} sequential",
        cost.read_units, cost.round_trips, cost.sequential
    );
    (page, cost.sequential)
}

fn quiet(limit: usize, extra: Value) -> Value {
    let mut body = json!({"limit": limit,
        "followers_pagination": {"limit": 0}, "following_pagination": {"limit": 0},
        "member_pagination": {"limit": 0}});
    if let (Value::Object(b), Value::Object(e)) = (&mut body, extra) {
        b.extend(e);
    }
    body
}

#[tokio::test]
async fn a_flat_page_takes_at_most_three_steps_at_any_depth() {
    let app = TestApp::spawn().await;
    let author = unique("author");
    app.upsert_user(&author, "Author").await;
    let fid = format!("user:{author}");
    for i in 0..60 {
        app.add_activity(
            &author,
            json!({"type": "post", "feeds": [fid], "text": format!("{i}")}),
        )
        .await;
    }
    let (first, steps) = measured_read(
        &app,
        "flat page of 25",
        &fid,
        quiet(25, json!({"enrichment_options": {"skip_all": true}})),
    )
    .await;
    assert_eq!(first["activities"].as_array().unwrap().len(), 25);
    assert!(
        steps <= 3.0,
        "a flat page took {steps} sequential round trips"
    );
    let (second, steps) = measured_read(
        &app,
        "flat page of 25, next",
        &fid,
        quiet(
            25,
            json!({"enrichment_options": {"skip_all": true}, "next": first["next"]}),
        ),
    )
    .await;
    assert_eq!(second["activities"].as_array().unwrap().len(), 25);
    assert!(
        steps <= 3.0,
        "a next page took {steps} sequential round trips"
    );
    // With the lists a read shows by default (followers, following, members), some there.
    for i in 0..3 {
        let follower = format!("timeline:{author}-f{i}");
        app.follow(&follower, &fid, json!({})).await;
        app.follow(&fid, &format!("user:{author}-t{i}"), json!({}))
            .await;
    }
    let (page, steps) = measured_read(
        &app,
        "flat page of 25 with its lists",
        &fid,
        json!({"limit": 25, "enrichment_options": {"skip_all": true}}),
    )
    .await;
    assert_eq!(page["activities"].as_array().unwrap().len(), 25);
    assert_eq!(page["followers"].as_array().unwrap().len(), 3);
    assert_eq!(page["following"].as_array().unwrap().len(), 3);
    assert!(
        steps <= 3.0,
        "a page with its lists took {steps} sequential round trips"
    );
}

#[tokio::test]
async fn an_enriched_page_takes_at_most_four_steps() {
    let app = TestApp::spawn().await;
    let (author, reader) = (unique("author"), unique("reader"));
    for u in [&author, &reader] {
        app.upsert_user(u, u).await;
    }
    let fid = format!("user:{author}");
    let parent = app.post(&reader).await["id"].as_str().unwrap().to_string();
    let product = unique("p");
    let product_ref = format!("products:{product}");
    app.server(
        "POST",
        "/api/v2/feeds/collections",
        Some(json!({"collections": [{"name": "products", "id": product, "custom": {"price": 3}}]})),
    )
    .await
    .expect_ok();
    let poll = app
        .server(
            "POST",
            "/api/v2/polls",
            Some(
                json!({"name": "Q", "user_id": author, "options": [{"text": "a"}, {"text": "b"}]}),
            ),
        )
        .await
        .expect_ok()["poll"]["id"]
        .clone();
    for i in 0..25 {
        let mut body = json!({"type": "post", "feeds": [fid], "text": format!("post {i}"),
                              "collection_refs": [product_ref]});
        if i % 5 == 0 {
            body["parent_id"] = json!(parent);
        }
        if i == 7 {
            body["poll_id"] = poll.clone();
        }
        let id = app.add_activity(&author, body).await["id"]
            .as_str()
            .unwrap()
            .to_string();
        for who in [&reader, &author] {
            app.server(
                "POST",
                &format!("/api/v2/feeds/activities/{id}/reactions"),
                Some(json!({"type": "like", "user_id": who})),
            )
            .await
            .expect_ok();
        }
        app.server(
            "POST",
            "/api/v2/feeds/comments",
            Some(json!({"object_id": id, "object_type": "activity", "comment": "nice", "user_id": reader})),
        )
        .await
        .expect_ok();
        if i % 3 == 0 {
            app.server(
                "POST",
                &format!("/api/v2/feeds/activities/{id}/bookmarks"),
                Some(json!({"user_id": reader})),
            )
            .await
            .expect_ok();
        }
    }
    let (page, steps) = measured_read(
        &app,
        "enriched page of 25",
        &fid,
        quiet(25, json!({"user_id": reader})),
    )
    .await;
    let list = page["activities"].as_array().unwrap();
    assert_eq!(list.len(), 25);
    assert!(list
        .iter()
        .all(|a| a["own_reactions"].as_array().unwrap().len() == 1));
    assert!(list
        .iter()
        .all(|a| a["comments"].as_array().unwrap().len() == 1));
    assert!(list
        .iter()
        .any(|a| a["own_bookmarks"].as_array().unwrap().len() == 1));
    assert!(list
        .iter()
        .any(|a| a.get("poll").is_some_and(|p| !p.is_null())));
    assert!(list
        .iter()
        .any(|a| a.get("parent").is_some_and(|p| !p.is_null())));
    assert_eq!(
        list[0]["collections"][&product_ref]["custom"]["price"],
        json!(3),
        "{}",
        list[0]["collections"]
    );
    assert!(
        steps <= 4.0,
        "an enriched page took {steps} sequential round trips"
    );
}

/// Fills `fid` with 30 groups of two activities each.
async fn notify(app: &TestApp, fid: &str, owner: &str) {
    for g in 0..30 {
        for k in 0..2 {
            let actor = format!("{owner}-a{k}");
            app.add_activity(&actor, json!({"type": format!("verb{g}"), "feeds": [fid]}))
                .await;
        }
    }
}

#[tokio::test]
async fn a_notification_page_takes_at_most_four_steps() {
    let app = TestApp::spawn().await;
    // A custom group: its page's first step is read both ways ahead of the group.
    let id = unique("bell").replace('-', "_");
    let mut group = FeedGroup::new(&id, now_nanos());
    group.settings.insert(
        "aggregation".into(),
        json!({"format": "{{ type }}_{{ time.strftime('%Y-%m-%d') }}"}),
    );
    group.settings.insert(
        "notification".into(),
        json!({"track_read": true, "track_seen": true}),
    );
    app.store.put_feed_group(&group).await.expect("group");
    let owner = unique("owner");
    app.upsert_user(&owner, &owner).await;
    let custom = format!("{id}:{owner}");
    let built_in = format!("notification:{owner}");
    // The owner's notification feed is private: it is theirs once they read it first.
    app.read_feed(&built_in, json!({"user_id": owner})).await;
    notify(&app, &custom, &owner).await;
    notify(&app, &built_in, &owner).await;
    for (label, fid) in [
        ("notification page of 25 groups, custom group", &custom),
        ("notification page of 25 groups", &built_in),
    ] {
        let (page, steps) =
            measured_read(&app, label, fid, quiet(25, json!({"user_id": owner}))).await;
        assert_eq!(page["aggregated_activities"].as_array().unwrap().len(), 25);
        assert_eq!(page["notification_status"]["unseen"], json!(30));
        assert!(steps <= 4.0, "{label} took {steps} sequential round trips");
    }
    // The next page reads its first step ahead too.
    let (first, _) = measured_read(
        &app,
        "first",
        &built_in,
        quiet(25, json!({"user_id": owner})),
    )
    .await;
    let next = first["next"].as_str().expect("a next page").to_string();
    let (page, steps) = measured_read(
        &app,
        "notification page, next",
        &built_in,
        quiet(25, json!({"user_id": owner, "next": next})),
    )
    .await;
    assert_eq!(page["aggregated_activities"].as_array().unwrap().len(), 5);
    assert!(
        steps <= 4.0,
        "the next page took {steps} sequential round trips"
    );
}

#[tokio::test]
async fn an_add_writes_what_it_must_in_four_steps() {
    let app = TestApp::spawn().await;
    let author = unique("author");
    app.upsert_user(&author, "Author").await;
    let fid = format!("user:{author}");
    // The feed exists and the process has noted this time bucket: a steady-state add.
    app.add_activity(&author, json!({"type": "post", "feeds": [fid]}))
        .await;
    let m = Measure::start(&app);
    app.add_activity(
        &author,
        json!({"type": "post", "feeds": [fid], "text": "hello"}),
    )
    .await;
    let cost = m.finish(1);
    println!(
        "add_activity, one feed, no followers: {:.1} RU, {:.1} WU, {:.0} round trips, {:.0} sequential",
        cost.read_units, cost.write_units, cost.round_trips, cost.sequential
    );
    // The activity (1) and its two index entries (by user, by time), its entry in the feed
    // (1) and the feed's counters (1).
    assert_eq!(cost.write_units, 5.0);
    // The groups (beside the right to post), the activity, its entries beside its counting,
    // then the users its answer shows.
    assert!(
        cost.sequential <= 4.0,
        "an add took {} sequential round trips",
        cost.sequential
    );
}
