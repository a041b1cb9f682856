//! Feeds, follows and fan-out against DynamoDB Local and the SQS stand-in.

use futures::future::join_all;
use serde_json::{json, Value};
use tributary_domain::model::feed_group::BUILT_IN;
use tributary_domain::model::follow::{Follow, FollowStatus};
use tributary_domain::model::{Activity, ActivityContent};
use tributary_domain::time::now_nanos;
use tributary_integration_tests::{unique, TestApp};
use tributary_tasks::fanout::{self, FanoutTask};

const ACTIVITIES: &str = "/api/v2/feeds/activities";

async fn post(app: &TestApp, user: &str, fid: &str, text: &str) -> String {
    let a = app
        .add_activity(user, json!({"type": "post", "feeds": [fid], "text": text}))
        .await;
    a["id"].as_str().unwrap().to_string()
}

async fn feed_info(app: &TestApp, fid: &str) -> Value {
    app.read_feed(fid, json!({"limit": 0})).await["feed"].clone()
}

#[tokio::test]
async fn a_post_reaches_a_followers_timeline() {
    let app = &TestApp::spawn().await;
    let (john, charlie) = (unique("john"), unique("charlie"));
    let (user_john, timeline_charlie) = (format!("user:{john}"), format!("timeline:{charlie}"));
    let follow = app.follow(&timeline_charlie, &user_john, json!({})).await;
    assert_eq!(follow["status"], "accepted");
    assert_eq!(follow["source_feed"]["feed"], timeline_charlie.as_str());
    assert_eq!(follow["target_feed"]["feed"], user_john.as_str());

    let id = post(app, &john, &user_john, "hello followers").await;
    app.settle_fanout().await;
    let read = app.read_feed(&timeline_charlie, json!({})).await;
    assert_eq!(TestApp::ids(&read), vec![id.clone()]);
    assert_eq!(read["activities"][0]["user"]["id"], john.as_str());
    assert_eq!(
        read["activities"][0]["current_feed"]["feed"],
        timeline_charlie.as_str()
    );
    assert_eq!(
        read["following"][0]["target_feed"]["feed"],
        user_john.as_str()
    );
    assert_eq!(feed_info(app, &user_john).await["follower_count"], 1);
    assert_eq!(
        feed_info(app, &timeline_charlie).await["following_count"],
        1
    );
    assert_eq!(feed_info(app, &user_john).await["activity_count"], 1);

    // Soft-deleted: hidden. Hard-deleted: gone from the timeline's storage too.
    app.server("DELETE", &format!("{ACTIVITIES}/{id}"), None)
        .await
        .expect_ok();
    assert!(TestApp::ids(&app.read_feed(&timeline_charlie, json!({})).await).is_empty());
    app.server("POST", &format!("{ACTIVITIES}/{id}/restore"), None)
        .await
        .expect_ok();
    assert_eq!(
        TestApp::ids(&app.read_feed(&timeline_charlie, json!({})).await),
        vec![id.clone()]
    );
    app.hard_delete(&id).await;
    app.settle_fanout().await;
    let (entries, _) = app
        .store
        .feed_entries(
            &timeline_charlie,
            10,
            None,
            tributary_store::Direction::Older,
        )
        .await
        .unwrap();
    assert!(entries.is_empty(), "{entries:?}");
}

#[tokio::test]
async fn follow_copies_history_and_unfollow_removes_it_unless_kept() {
    let app = &TestApp::spawn().await;
    let (john, charlie, dora) = (unique("john"), unique("charlie"), unique("dora"));
    let user_john = format!("user:{john}");
    let mut ids = Vec::new();
    for i in 0..3 {
        ids.push(post(app, &john, &user_john, &format!("old {i}")).await);
    }
    let (tl_charlie, tl_dora) = (format!("timeline:{charlie}"), format!("timeline:{dora}"));
    app.follow(&tl_charlie, &user_john, json!({"activity_copy_limit": 2}))
        .await;
    app.follow(&tl_dora, &user_john, json!({})).await;
    app.settle_fanout().await;
    assert_eq!(
        TestApp::ids(&app.read_feed(&tl_charlie, json!({})).await),
        vec![ids[2].clone(), ids[1].clone()]
    );
    assert_eq!(
        TestApp::ids(&app.read_feed(&tl_dora, json!({})).await).len(),
        3
    );

    let unfollow = |source: &str, keep: bool| {
        let path = format!(
            "/api/v2/feeds/follows/{}/{}?keep_history={keep}",
            source.replace(':', "%3A"),
            user_john.replace(':', "%3A")
        );
        async move { app.server("DELETE", &path, None).await }
    };
    unfollow(&tl_charlie, false).await.expect_ok();
    unfollow(&tl_dora, true).await.expect_ok();
    app.settle_fanout().await;
    assert!(TestApp::ids(&app.read_feed(&tl_charlie, json!({})).await).is_empty());
    assert_eq!(
        TestApp::ids(&app.read_feed(&tl_dora, json!({})).await).len(),
        3
    );
    assert_eq!(feed_info(app, &user_john).await["follower_count"], 0);
    // Unfollowing again: it no longer exists.
    unfollow(&tl_charlie, false).await.expect_error(16, 404);
    // New posts no longer travel to either.
    post(app, &john, &user_john, "after").await;
    app.settle_fanout().await;
    assert_eq!(
        TestApp::ids(&app.read_feed(&tl_dora, json!({})).await).len(),
        3
    );
}

#[tokio::test]
async fn pending_follows_are_accepted_or_rejected_by_the_owner() {
    let app = &TestApp::spawn().await;
    let (owner, fan, other) = (unique("owner"), unique("fan"), unique("other"));
    let target = format!("user:{owner}");
    // The owner creates a feed that needs approval to follow.
    let path = format!("/api/v2/feeds/feed_groups/user/feeds/{owner}");
    let created = app
        .as_user(
            &owner,
            "POST",
            &path,
            Some(json!({"data": {"visibility": "followers"}})),
        )
        .await;
    assert_eq!(created.expect_ok()["created"], true);
    let earlier = post(app, &owner, &target, "before the fan came").await;

    let (fan_tl, other_tl) = (format!("timeline:{fan}"), format!("timeline:{other}"));
    let request = |user: &str, source: &str| {
        let body = json!({"source": source, "target": target});
        let user = user.to_string();
        async move {
            app.as_user(&user, "POST", "/api/v2/feeds/follows", Some(body))
                .await
        }
    };
    assert_eq!(
        request(&fan, &fan_tl).await.expect_ok()["follow"]["status"],
        "pending"
    );
    assert_eq!(
        request(&other, &other_tl).await.expect_ok()["follow"]["status"],
        "pending"
    );
    assert_eq!(feed_info(app, &target).await["follower_count"], 0);
    // A pending follower cannot read the feed yet, nor receive its posts.
    app.as_user(&fan, "POST", &path, Some(json!({})))
        .await
        .expect_error(17, 403);

    // Only the owner decides.
    let decide = |user: &str, verb: &str, source: &str| {
        let body = json!({"source": source, "target": target});
        let (user, path) = (user.to_string(), format!("/api/v2/feeds/follows/{verb}"));
        async move { app.as_user(&user, "POST", &path, Some(body)).await }
    };
    decide(&fan, "accept", &fan_tl).await.expect_error(17, 403);
    let accepted = decide(&owner, "accept", &fan_tl).await;
    assert_eq!(accepted.expect_ok()["follow"]["status"], "accepted");
    let rejected = decide(&owner, "reject", &other_tl).await;
    assert_eq!(rejected.expect_ok()["follow"]["status"], "rejected");
    decide(&owner, "accept", &other_tl)
        .await
        .expect_error(4, 400);
    assert_eq!(feed_info(app, &target).await["follower_count"], 1);

    app.settle_fanout().await;
    assert_eq!(
        TestApp::ids(&app.read_feed(&fan_tl, json!({})).await),
        vec![earlier.clone()]
    );
    assert!(TestApp::ids(&app.read_feed(&other_tl, json!({})).await).is_empty());
    // The accepted follower may now read the feed itself.
    let read = app.as_user(&fan, "POST", &path, Some(json!({}))).await;
    assert_eq!(TestApp::ids(read.expect_ok()), vec![earlier]);
}

#[tokio::test]
async fn pages_have_no_duplicates_or_gaps_while_posts_arrive() {
    let app = &TestApp::spawn().await;
    let user = unique("pager");
    let fid = format!("user:{user}");
    let mut ids = Vec::new();
    for i in 0..25 {
        ids.push(post(app, &user, &fid, &format!("n{i}")).await);
    }
    ids.reverse(); // newest first
    let first = app.read_feed(&fid, json!({"limit": 10})).await;
    assert_eq!(TestApp::ids(&first), ids[..10]);
    assert!(
        first.get("prev").is_none(),
        "nothing is newer than the first page"
    );
    // New posts arrive between pages; the cursor still continues where it was.
    let newer = post(app, &user, &fid, "late").await;
    let second = app
        .read_feed(&fid, json!({"limit": 10, "next": first["next"]}))
        .await;
    assert_eq!(TestApp::ids(&second), ids[10..20]);
    let third = app
        .read_feed(&fid, json!({"limit": 10, "next": second["next"]}))
        .await;
    assert_eq!(TestApp::ids(&third), ids[20..]);
    assert!(
        third.get("next").is_none(),
        "the last page has no next cursor"
    );
    // prev from the second page goes back to the first (and the new post is there, above).
    let back = app
        .read_feed(&fid, json!({"limit": 10, "prev": second["prev"]}))
        .await;
    assert_eq!(TestApp::ids(&back), ids[..10]);
    let fresh = app.read_feed(&fid, json!({"limit": 1})).await;
    assert_eq!(TestApp::ids(&fresh), vec![newer]);
    // id_around centres on an activity.
    let around = app
        .read_feed(&fid, json!({"limit": 5, "id_around": ids[12]}))
        .await;
    assert!(TestApp::ids(&around).contains(&ids[12]));
    assert_eq!(TestApp::ids(&around).len(), 5);
    // A filter on type and tags.
    let tagged = app
        .add_activity(
            &user,
            json!({"type": "photo", "feeds": [fid], "filter_tags": ["blue"]}),
        )
        .await;
    let only = app
        .read_feed(
            &fid,
            json!({"filter": {"activity_type": "photo", "filter_tags": {"$in": ["blue"]}}}),
        )
        .await;
    assert_eq!(
        TestApp::ids(&only),
        vec![tagged["id"].as_str().unwrap().to_string()]
    );
    // Tampered cursors are refused.
    let path = format!("/api/v2/feeds/feed_groups/user/feeds/{user}");
    let mut bad = first["next"].as_str().unwrap().to_string();
    bad.insert(12, 'x');
    app.server("POST", &path, Some(json!({"next": bad})))
        .await
        .expect_error(4, 400);
    app.server("POST", &path, Some(json!({"limit": 101})))
        .await
        .expect_error(4, 400);
}

#[tokio::test]
async fn fan_out_is_idempotent_and_continues_past_a_page() {
    let app = &TestApp::spawn().await;
    let star = unique("star");
    let origin = format!("user:{star}");
    let fans: Vec<String> = (0..7)
        .map(|_| format!("timeline:{}", unique("fan")))
        .collect();
    for f in &fans {
        app.follow(f, &origin, json!({"activity_copy_limit": 0}))
            .await;
    }
    let activity = app
        .add_activity(&star, json!({"type": "post", "feeds": [origin]}))
        .await;
    let id = activity["id"].as_str().unwrap().to_string();
    let task = FanoutTask::Deliver {
        activity_id: id.clone(),
        created_at: activity["created_at"].as_i64().unwrap(),
        origin: origin.clone(),
        expires_at: None,
        after: None,
        group: None,
    };
    // Pages of three: 7 followers take three runs, each handing on the rest.
    let mut next = Some(task.clone());
    let mut runs = 0;
    while let Some(t) = next {
        next = fanout::run_paged(&app.store, &t, 3).await.unwrap();
        runs += 1;
    }
    assert_eq!(runs, 3);
    // The same task again (a redelivery), and the queued copy: still one entry each.
    fanout::run_paged(&app.store, &task, 3).await.unwrap();
    app.settle_fanout().await;
    for f in &fans {
        assert_eq!(
            TestApp::ids(&app.read_feed(f, json!({})).await),
            vec![id.clone()],
            "{f}"
        );
        let (entries, _) = app
            .store
            .feed_entries(f, 10, None, tributary_store::Direction::Older)
            .await
            .unwrap();
        assert_eq!(entries.len(), 1);
    }
}

#[tokio::test]
async fn follower_counts_stay_exact_under_concurrency() {
    let app = &TestApp::spawn().await;
    let target = format!("user:{}", unique("popular"));
    let sources: Vec<String> = (0..20)
        .map(|_| format!("timeline:{}", unique("f")))
        .collect();
    let follows = sources.iter().map(|s| {
        let body = json!({"source": s, "target": target, "activity_copy_limit": 0});
        app.server("POST", "/api/v2/feeds/follows", Some(body))
    });
    for r in join_all(follows).await {
        r.expect_ok();
    }
    assert_eq!(feed_info(app, &target).await["follower_count"], 20);
    let unfollows = sources[..10].iter().map(|s| {
        let path = format!("/api/v2/feeds/follows/{s}/{target}");
        async move { app.server("DELETE", &path, None).await }
    });
    for r in join_all(unfollows).await {
        r.expect_ok();
    }
    assert_eq!(feed_info(app, &target).await["follower_count"], 10);
    let q = app
        .server(
            "POST",
            "/api/v2/feeds/follows/query",
            Some(json!({"filter": {"target_feed": target}, "limit": 4})),
        )
        .await;
    let page = q.expect_ok();
    assert_eq!(page["follows"].as_array().unwrap().len(), 4);
    let rest = app
        .server(
            "POST",
            "/api/v2/feeds/follows/query",
            Some(json!({"filter": {"target_feed": target}, "limit": 100, "next": page["next"]})),
        )
        .await;
    assert_eq!(rest.expect_ok()["follows"].as_array().unwrap().len(), 6);
    app.settle_fanout().await;
}

#[tokio::test]
async fn bad_follows_are_refused() {
    let app = &TestApp::spawn().await;
    let a = format!("timeline:{}", unique("a"));
    let b = format!("user:{}", unique("b"));
    let cases = [
        (json!({"source": "timeline", "target": b}), 4, 400),
        (json!({"source": a, "target": "nosuchgroup:x"}), 4, 400),
        (json!({"source": a, "target": a}), 4, 400),
        (
            json!({"source": a, "target": b, "activity_copy_limit": 1001}),
            4,
            400,
        ),
        (json!({"target": b}), 4, 400),
    ];
    for (body, code, status) in cases {
        app.server("POST", "/api/v2/feeds/follows", Some(body))
            .await
            .expect_error(code, status);
    }
    app.follow(&a, &b, json!({"create_users": true})).await;
    // create_users made both feeds' owners.
    let owners = [a.split_once(':').unwrap().1, b.split_once(':').unwrap().1];
    assert_eq!(app.store.get_users(owners).await.unwrap().len(), 2);
    app.server(
        "POST",
        "/api/v2/feeds/follows",
        Some(json!({"source": a, "target": b})),
    )
    .await
    .expect_error(4, 400);
    let upsert = app
        .server(
            "POST",
            "/api/v2/feeds/follows/upsert",
            Some(json!({"source": a, "target": b})),
        )
        .await;
    assert_eq!(upsert.expect_ok()["created"], false);
    // A user may not follow from someone else's feed.
    let mallory = unique("mallory");
    app.as_user(
        &mallory,
        "POST",
        "/api/v2/feeds/follows",
        Some(json!({"source": a, "target": format!("user:{}", unique("c"))})),
    )
    .await
    .expect_error(17, 403);
    // A server token may list every follow (paged), here filtered by status only; a user
    // token must still name source_feed or target_feed.
    let all = app
        .server(
            "POST",
            "/api/v2/feeds/follows/query",
            Some(json!({"filter": {"status": "accepted"}, "limit": 100})),
        )
        .await;
    let mut page = all.expect_ok().clone();
    let mut found = false;
    for _ in 0..100 {
        let follows = page["follows"].as_array().unwrap();
        assert!(follows.iter().all(|f| f["status"] == "accepted"));
        found |= follows
            .iter()
            .any(|f| f["source_feed"]["feed"] == a && f["target_feed"]["feed"] == b);
        let Some(next) = page["next"].as_str().filter(|_| !found) else {
            break;
        };
        let body = json!({"filter": {"status": "accepted"}, "limit": 100, "next": next});
        page = app
            .server("POST", "/api/v2/feeds/follows/query", Some(body))
            .await
            .expect_ok()
            .clone();
    }
    assert!(found, "{a} -> {b} not listed among all follows");
    app.as_user(
        &mallory,
        "POST",
        "/api/v2/feeds/follows/query",
        Some(json!({"filter": {"status": "accepted"}})),
    )
    .await
    .expect_error(4, 400);
    app.server(
        "POST",
        "/api/v2/feeds/follows/query",
        Some(json!({"filter": {"source_feed": {"$gt": "x"}}})),
    )
    .await
    .expect_error(4, 400);
    app.settle_fanout().await;
}

#[tokio::test]
async fn feed_groups_are_managed_server_side() {
    let app = &TestApp::spawn().await;
    let id = unique("g").replace('-', "_");
    let base = "/api/v2/feeds/feed_groups";
    let created = app
        .server("POST", base, Some(json!({"id": id, "default_visibility": "public", "aggregation": {"format": "{{ type }}"}, "custom": {"k": 1}})))
        .await;
    let group = created.expect_ok()["feed_group"].clone();
    assert_eq!(group["aggregation"]["format"], "{{ type }}");
    app.server("POST", base, Some(json!({"id": id})))
        .await
        .expect_error(4, 400);
    app.as_user("someone", "POST", base, Some(json!({"id": unique("x")})))
        .await
        .expect_error(17, 403);
    let listed = app.server("GET", base, None).await;
    let groups = listed.expect_ok()["groups"].as_object().unwrap().clone();
    let ids: Vec<&str> = groups.keys().map(String::as_str).collect();
    assert_eq!(groups["user"]["id"], "user");
    for expected in BUILT_IN.iter().copied().chain([id.as_str()]) {
        assert!(ids.contains(&expected), "{expected} in {ids:?}");
    }
    let updated = app
        .server(
            "PUT",
            &format!("{base}/{id}"),
            Some(json!({"ranking": {"type": "recency"}})),
        )
        .await;
    assert_eq!(
        updated.expect_ok()["feed_group"]["ranking"]["type"],
        "recency"
    );
    // Activities may go to feeds of the new group, and not once it is deleted.
    let user = unique("u");
    app.add_activity(
        &user,
        json!({"type": "post", "feeds": [format!("{id}:{user}")]}),
    )
    .await;
    app.server("DELETE", &format!("{base}/{id}"), None)
        .await
        .expect_ok();
    app.server("GET", &format!("{base}/{id}"), None)
        .await
        .expect_error(16, 404);
    app.server(
        "POST",
        ACTIVITIES,
        Some(json!({"type": "post", "feeds": [format!("{id}:{user}")], "user_id": user})),
    )
    .await
    .expect_error(4, 400);
    app.server("POST", &format!("{base}/{id}/restore"), None)
        .await
        .expect_ok();
    app.server("GET", &format!("{base}/{id}"), None)
        .await
        .expect_ok();
    app.server("DELETE", &format!("{base}/user"), None)
        .await
        .expect_error(4, 400);
    let goc = app
        .server("POST", &format!("{base}/{id}"), Some(json!({})))
        .await;
    assert_eq!(goc.expect_ok()["was_created"], false);
    app.settle_fanout().await;
}

#[tokio::test]
async fn feeds_are_created_updated_queried_and_deleted() {
    let app = &TestApp::spawn().await;
    let owner = unique("owner");
    let base = "/api/v2/feeds/feed_groups/user/feeds";
    let first = app
        .server(
            "POST",
            &format!("{base}/{owner}"),
            Some(json!({"user_id": owner, "data": {"name": "Owner's", "filter_tags": ["x"]}})),
        )
        .await;
    let first = first.expect_ok();
    assert_eq!(first["created"], true);
    assert_eq!(first["feed"]["name"], "Owner's");
    assert_eq!(first["feed"]["created_by"]["id"], owner.as_str());
    let again = app
        .server("POST", &format!("{base}/{owner}"), Some(json!({})))
        .await;
    assert_eq!(again.expect_ok()["created"], false);
    let updated = app
        .as_user(
            &owner,
            "PUT",
            &format!("{base}/{owner}"),
            Some(json!({"description": "mine"})),
        )
        .await;
    assert_eq!(updated.expect_ok()["feed"]["description"], "mine");
    app.as_user(
        &unique("x"),
        "PUT",
        &format!("{base}/{owner}"),
        Some(json!({"description": "theirs"})),
    )
    .await
    .expect_error(17, 403);

    let batch = app
        .server(
            "POST",
            "/api/v2/feeds/feeds/batch",
            Some(json!({"feeds": [
                {"feed_group_id": "timeline", "feed_id": owner, "created_by_id": owner},
                {"feed_group_id": "foryou", "feed_id": owner, "created_by_id": owner}
            ]})),
        )
        .await;
    assert_eq!(batch.expect_ok()["feeds"].as_array().unwrap().len(), 2);
    let mine = app
        .server(
            "POST",
            "/api/v2/feeds/feeds/query",
            Some(json!({"filter": {"created_by_id": owner}})),
        )
        .await;
    let fids: Vec<&str> = mine.expect_ok()["feeds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["feed"].as_str().unwrap())
        .collect();
    assert_eq!(fids.len(), 3, "{fids:?}");
    let tagged = app
        .server("POST", "/api/v2/feeds/feeds/query", Some(json!({"filter": {"created_by_id": owner, "filter_tags": ["x"], "group_id": "user"}})))
        .await;
    assert_eq!(tagged.expect_ok()["feeds"].as_array().unwrap().len(), 1);
    app.server(
        "POST",
        "/api/v2/feeds/feeds/query",
        Some(json!({"filter": {"colour": "red"}})),
    )
    .await
    .expect_error(4, 400);
    // Sorted newest first: the batch-created feeds come before the first one.
    let sorted = app
        .server(
            "POST",
            "/api/v2/feeds/feeds/query",
            Some(json!({"filter": {"created_by_id": owner}, "sort": [{"field": "created_at", "direction": -1}]})),
        )
        .await;
    let order: Vec<String> = sorted.expect_ok()["feeds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["feed"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(order.last().unwrap(), &format!("user:{owner}"), "{order:?}");
    app.server(
        "POST",
        "/api/v2/feeds/feeds/query",
        Some(json!({"filter": {"created_by_id": owner}, "sort": [{"field": "name", "direction": 1}]})),
    )
    .await
    .expect_error(4, 400);

    app.server("DELETE", &format!("{base}/{owner}"), None)
        .await
        .expect_ok();
    app.server(
        "PUT",
        &format!("{base}/{owner}"),
        Some(json!({"name": "x"})),
    )
    .await
    .expect_error(16, 404);
    app.server(
        "POST",
        "/api/v2/feeds/feeds/delete",
        Some(json!({"feeds": [format!("timeline:{owner}")], "hard_delete": true})),
    )
    .await
    .expect_ok();
    assert!(app
        .store
        .get_feed(&format!("timeline:{owner}"))
        .await
        .unwrap()
        .is_none());
    app.server(
        "POST",
        "/api/v2/feeds/feed_groups/nosuchgroup/feeds/x",
        Some(json!({})),
    )
    .await
    .expect_error(16, 404);
}

#[tokio::test]
async fn one_poisoned_message_fails_alone() {
    use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
    let app = &TestApp::spawn().await;
    let star = unique("star");
    let origin = format!("user:{star}");
    let fan = format!("timeline:{}", unique("fan"));
    app.follow(&fan, &origin, json!({"activity_copy_limit": 0}))
        .await;
    let a = app
        .add_activity(&star, json!({"type": "post", "feeds": [origin]}))
        .await;
    let good = FanoutTask::Deliver {
        activity_id: a["id"].as_str().unwrap().to_string(),
        created_at: a["created_at"].as_i64().unwrap(),
        origin: origin.clone(),
        expires_at: None,
        after: None,
        group: None,
    };
    let message = |id: &str, body: String| {
        let mut m = SqsMessage::default();
        m.message_id = Some(id.to_string());
        m.body = Some(body);
        m
    };
    let mut event = SqsEvent::default();
    event.records = vec![
        message("good", serde_json::to_string(&good).unwrap()),
        message("poison", r#"{"kind": "explode"}"#.to_string()),
        message("garbage", "not json".to_string()),
    ];
    let response = ::worker::handle(&app.state, &app.queue, app.publisher.as_ref(), event).await;
    let mut failed: Vec<String> = response
        .batch_item_failures
        .into_iter()
        .map(|f| f.item_identifier)
        .collect();
    failed.sort();
    assert_eq!(failed, vec!["garbage".to_string(), "poison".to_string()]);
    let (entries, _) = app
        .store
        .feed_entries(&fan, 10, None, tributary_store::Direction::Older)
        .await
        .unwrap();
    assert_eq!(entries.len(), 1, "the good message was delivered");
    app.settle_fanout().await;
}

#[tokio::test]
async fn an_unlimited_history_copy_continues_page_by_page() {
    let app = &TestApp::spawn().await;
    let star = unique("star");
    let origin = format!("user:{star}");
    let mut ids = Vec::new();
    for i in 0..7 {
        ids.push(post(app, &star, &origin, &format!("p{i}")).await);
    }
    let fan = format!("timeline:{}", unique("fan"));
    // Pages of three: 7 activities take three steps, each handing on the rest.
    let mut task = Some(FanoutTask::CopyHistory {
        source: fan.clone(),
        target: origin.clone(),
        limit: None,
        after: None,
    });
    let mut steps = 0;
    while let Some(t) = task {
        task = fanout::run_paged(&app.store, &t, 3).await.unwrap();
        steps += 1;
    }
    assert_eq!(steps, 3);
    assert_eq!(TestApp::ids(&app.read_feed(&fan, json!({})).await).len(), 7);
    // A limit stops it early, whatever the page size.
    let other = format!("timeline:{}", unique("fan"));
    let mut task = Some(FanoutTask::CopyHistory {
        source: other.clone(),
        target: origin.clone(),
        limit: Some(4),
        after: None,
    });
    while let Some(t) = task {
        task = fanout::run_paged(&app.store, &t, 3).await.unwrap();
    }
    ids.reverse();
    assert_eq!(
        TestApp::ids(&app.read_feed(&other, json!({})).await),
        ids[..4]
    );
    app.settle_fanout().await;
}

/// `count` followers of a new star's feed written directly (no copies, no queued work), and
/// one post of the star's stored without fan-out.
async fn star_with_direct_followers(
    app: &TestApp,
    count: usize,
) -> (Activity, String, Vec<String>) {
    let star = unique("star");
    let origin = format!("user:{star}");
    let now = now_nanos();
    let fans: Vec<String> = (0..count)
        .map(|i| format!("timeline:{star}-fan{i:04}"))
        .collect();
    let follows: Vec<Follow> = fans
        .iter()
        .map(|f| Follow::new(f, &origin, FollowStatus::Accepted, now))
        .collect();
    app.store.import_follows(&follows).await.unwrap();
    let content = ActivityContent {
        feeds: vec![origin.clone()],
        ..Default::default()
    };
    let a = Activity::new(unique("post"), "post".into(), star, content, now);
    app.store
        .import_activities(std::slice::from_ref(&a))
        .await
        .unwrap();
    (a, origin, fans)
}

async fn entries_of(app: &TestApp, fid: &str) -> Vec<String> {
    let (entries, _) = app
        .store
        .feed_entries(fid, 10, None, tributary_store::Direction::Older)
        .await
        .unwrap();
    entries.into_iter().map(|e| e.activity_id).collect()
}

#[tokio::test]
async fn a_page_hands_on_the_rest_before_writing_and_pages_overlap() {
    let app = &TestApp::spawn().await;
    let (a, origin, fans) = star_with_direct_followers(app, 7).await;
    // Pages of three: the first step hands on the second page before making a write.
    let first = FanoutTask::deliver(&a, &origin);
    let before = app.store.meter().snapshot();
    let mut handed = Vec::new();
    fanout::step(&app.store, &first, 3, |next| {
        handed.push((next, app.store.meter().snapshot() - before));
        async { Ok(()) }
    })
    .await
    .unwrap();
    let (second, at_hand_on) = handed.pop().expect("the rest is handed on");
    assert_eq!(at_hand_on.write_units, 0.0, "handed on before any write");
    assert!((app.store.meter().snapshot() - before).write_units > 0.0);
    assert!(matches!(
        &second,
        FanoutTask::Deliver { after: Some(_), .. }
    ));
    // The second page hands on the third, which runs while the second writes.
    let (third_tx, third_rx) = tokio::sync::oneshot::channel();
    let (done, third) = tokio::join!(
        fanout::step(&app.store, &second, 3, |next| {
            third_tx.send(next).unwrap();
            async { Ok(()) }
        }),
        async {
            let third = third_rx.await.expect("a third page");
            let mut last = None;
            fanout::step(&app.store, &third, 3, |next| {
                last = Some(next);
                async { Ok(()) }
            })
            .await
            .unwrap();
            assert_eq!(last, None, "seven followers take three pages");
            third
        }
    );
    done.unwrap();
    for f in &fans {
        assert_eq!(entries_of(app, f).await, vec![a.id.clone()], "{f}");
    }
    // Every page delivered again at once (redeliveries): still one entry each.
    let pages = [first, second, third];
    join_all(
        pages
            .iter()
            .map(|t| fanout::step(&app.store, t, 3, |_| async { Ok(()) })),
    )
    .await
    .into_iter()
    .collect::<Result<Vec<()>, _>>()
    .unwrap();
    for f in &fans {
        assert_eq!(entries_of(app, f).await, vec![a.id.clone()], "{f}");
    }
}

#[tokio::test]
async fn the_worker_queues_the_rest_of_a_large_audience() {
    use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
    let app = &TestApp::spawn().await;
    let (a, origin, fans) = star_with_direct_followers(app, fanout::PAGE_SIZE + 1).await;
    let mut message = SqsMessage::default();
    message.message_id = Some("deliver".into());
    message.body = Some(serde_json::to_string(&FanoutTask::deliver(&a, &origin)).unwrap());
    let mut event = SqsEvent::default();
    event.records = vec![message];
    let response = ::worker::handle(&app.state, &app.queue, app.publisher.as_ref(), event).await;
    assert!(response.batch_item_failures.is_empty());
    // One message writes one page; the last follower is on the next, which it queued
    // (other tests drain the shared queue too, so when that runs is theirs to say).
    let (first, last) = (&fans[0], &fans[fanout::PAGE_SIZE]);
    assert_eq!(entries_of(app, first).await, vec![a.id.clone()]);
    app.settle_fanout().await;
    assert_eq!(entries_of(app, last).await, vec![a.id.clone()]);
}
