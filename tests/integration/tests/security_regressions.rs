//! Regression tests for reported permission and token bugs: every refusal is the documented
//! error and writes nothing, checked by reading back with a server token.

use serde_json::{json, Value};
use tributary_integration_tests::{sign, unique, Reply, TestApp, API_SECRET};

const ACTIVITIES: &str = "/api/v2/feeds/activities";
const COMMENTS: &str = "/api/v2/feeds/comments";
const FOLLOWS: &str = "/api/v2/feeds/follows";
const QUERY_FOLLOWS: &str = "/api/v2/feeds/follows/query";
const QUERY_FEEDS: &str = "/api/v2/feeds/feeds/query";

fn feed_path(fid: &str) -> String {
    let (group, id) = fid.split_once(':').expect("group:id");
    format!("/api/v2/feeds/feed_groups/{group}/feeds/{id}")
}

/// Creates (or gets) a feed as the server, owned by `user`, with extra body fields.
async fn create_feed(app: &TestApp, fid: &str, user: &str, extra: Value) -> Value {
    let mut body = json!({"user_id": user});
    if let (Value::Object(b), Value::Object(e)) = (&mut body, extra) {
        b.extend(e);
    }
    app.server("POST", &feed_path(fid), Some(body))
        .await
        .expect_ok()
        .clone()
}

/// Reads a feed as the server: (activity ids, activity_count).
async fn feed_state(app: &TestApp, fid: &str) -> (Vec<String>, Value) {
    let read = app.read_feed(fid, json!({})).await;
    (TestApp::ids(&read), read["feed"]["activity_count"].clone())
}

/// The feeds a server `query_feeds` finds under this fid (without creating it).
async fn feeds_named(app: &TestApp, fid: &str) -> Vec<Value> {
    app.server("POST", QUERY_FEEDS, Some(json!({"filter": {"feed": fid}})))
        .await
        .expect_ok()["feeds"]
        .as_array()
        .expect("feeds")
        .clone()
}

fn forbidden(reply: &Reply) {
    reply.expect_error(17, 403);
}

fn follow_pairs(reply: &Reply) -> Vec<(String, String, String)> {
    reply.expect_ok()["follows"]
        .as_array()
        .expect("follows")
        .iter()
        .map(|f| {
            (
                f["source_feed"]["feed"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                f["target_feed"]["feed"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                f["status"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

// 1. Posting into another user's feeds.
#[tokio::test]
async fn a_user_cannot_post_into_another_users_feeds() {
    let app = &TestApp::spawn().await;
    let (alice, bob) = (unique("alice"), unique("bob"));
    for group in ["timeline", "notification", "user"] {
        let fid = format!("{group}:{bob}");
        create_feed(app, &fid, &bob, json!({})).await;
        let before = feed_state(app, &fid).await;
        assert!(before.0.is_empty(), "{fid} starts empty: {before:?}");
        assert_eq!(before.1, 0, "{fid} activity_count: {before:?}");
        let reply = app
            .as_user(
                &alice,
                "POST",
                ACTIVITIES,
                Some(json!({"type": "post", "feeds": [fid], "text": "spam"})),
            )
            .await;
        forbidden(&reply);
        let after = feed_state(app, &fid).await;
        assert!(after.0.is_empty(), "{fid} got activities: {after:?}");
        assert_eq!(after.1, before.1, "{fid} activity_count changed");
    }

    // Her own feed together with bob's: refused as a whole, nothing written anywhere.
    let (user_alice, timeline_bob) = (format!("user:{alice}"), format!("timeline:{bob}"));
    create_feed(app, &user_alice, &alice, json!({})).await;
    let alice_before = feed_state(app, &user_alice).await;
    assert_eq!(alice_before.1, 0, "{alice_before:?}");
    let bob_before = feed_state(app, &timeline_bob).await;
    let reply = app
        .as_user(
            &alice,
            "POST",
            ACTIVITIES,
            Some(json!({"type": "post", "feeds": [user_alice, timeline_bob], "text": "spam"})),
        )
        .await;
    forbidden(&reply);
    app.settle_fanout().await;
    let alice_after = feed_state(app, &user_alice).await;
    assert!(
        alice_after.0.is_empty(),
        "alice's feed written: {alice_after:?}"
    );
    assert_eq!(alice_after.1, alice_before.1);
    let bob_after = feed_state(app, &timeline_bob).await;
    assert!(
        bob_after.0.is_empty(),
        "bob's timeline written: {bob_after:?}"
    );
    assert_eq!(bob_after.1, bob_before.1);
}

// 2. Claiming feeds that belong to someone else's user id.
#[tokio::test]
async fn a_user_cannot_claim_another_users_feed_id() {
    let app = &TestApp::spawn().await;
    let alice = unique("alice");
    let (newuser, newuser2, newuser3) = (unique("new"), unique("new2"), unique("new3"));

    // Get-or-create of timeline:<newuser> with alice's token.
    let timeline_new = format!("timeline:{newuser}");
    forbidden(
        &app.as_user(&alice, "POST", &feed_path(&timeline_new), Some(json!({})))
            .await,
    );
    assert!(
        feeds_named(app, &timeline_new).await.is_empty(),
        "{timeline_new} was created by alice's refused request"
    );
    let own = app
        .as_user(&newuser, "POST", &feed_path(&timeline_new), Some(json!({})))
        .await;
    let own = own.expect_ok();
    assert_eq!(own["feed"]["created_by"]["id"], newuser.as_str(), "{own}");
    // The `feed` filter finds a feed that exists (so an empty answer below means absent).
    let found = feeds_named(app, &timeline_new).await;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["created_by"]["id"], newuser.as_str(), "{found:?}");

    // create_feeds_batch.
    let timeline_new2 = format!("timeline:{newuser2}");
    let reply = app
        .as_user(
            &alice,
            "POST",
            "/api/v2/feeds/feeds/batch",
            Some(json!({"feeds": [{"feed_group_id": "timeline", "feed_id": newuser2}]})),
        )
        .await;
    forbidden(&reply);
    assert!(
        feeds_named(app, &timeline_new2).await.is_empty(),
        "{timeline_new2} exists after a refused batch create"
    );

    // Posting into a feed that does not exist yet.
    let notification_new3 = format!("notification:{newuser3}");
    let reply = app
        .as_user(
            &alice,
            "POST",
            ACTIVITIES,
            Some(json!({"type": "post", "feeds": [notification_new3], "text": "mine now"})),
        )
        .await;
    forbidden(&reply);
    assert!(
        feeds_named(app, &notification_new3).await.is_empty(),
        "{notification_new3} exists after a refused post"
    );
}

// 3. A private activity is its author's alone.
#[tokio::test]
async fn a_private_activity_hides_its_comments_and_reactions() {
    let app = &TestApp::spawn().await;
    let (alice, bob) = (unique("alice"), unique("bob"));
    let activity = app
        .add_activity(
            &bob,
            json!({"type": "post", "feeds": [format!("user:{bob}")], "text": "secret", "visibility": "private"}),
        )
        .await;
    let id = activity["id"].as_str().unwrap().to_string();
    let comment = app
        .server(
            "POST",
            COMMENTS,
            Some(json!({"object_id": id, "object_type": "activity", "comment": "note to self", "user_id": bob})),
        )
        .await;
    let comment_id = comment.expect_ok()["comment"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.server(
        "POST",
        &format!("{ACTIVITIES}/{id}/reactions"),
        Some(json!({"type": "like", "user_id": bob})),
    )
    .await
    .expect_ok();
    let counts = |a: &Value| (a["comment_count"].clone(), a["reaction_count"].clone());
    let activity_path = format!("{ACTIVITIES}/{id}");
    let before = counts(&app.server("GET", &activity_path, None).await.expect_ok()["activity"]);
    assert_eq!(before, (json!(1), json!(1)));

    forbidden(
        &app.as_user(
            &alice,
            "GET",
            &format!("{COMMENTS}?object_id={id}&object_type=activity"),
            None,
        )
        .await,
    );
    let queried = app
        .as_user(
            &alice,
            "POST",
            &format!("{COMMENTS}/query"),
            Some(json!({"filter": {"object_id": id}})),
        )
        .await;
    let comments = queried.expect_ok()["comments"]
        .as_array()
        .expect("comments");
    assert!(
        comments.is_empty(),
        "alice sees private comments: {comments:?}"
    );
    forbidden(
        &app.as_user(&alice, "GET", &format!("{COMMENTS}/{comment_id}"), None)
            .await,
    );
    forbidden(
        &app.as_user(
            &alice,
            "POST",
            &format!("{ACTIVITIES}/{id}/reactions/query"),
            Some(json!({})),
        )
        .await,
    );
    forbidden(
        &app.as_user(
            &alice,
            "POST",
            &format!("{ACTIVITIES}/reactions/query"),
            Some(json!({"activity_ids": [id]})),
        )
        .await,
    );
    forbidden(
        &app.as_user(
            &alice,
            "POST",
            COMMENTS,
            Some(json!({"object_id": id, "object_type": "activity", "comment": "peek"})),
        )
        .await,
    );
    forbidden(
        &app.as_user(
            &alice,
            "POST",
            &format!("{ACTIVITIES}/{id}/reactions"),
            Some(json!({"type": "like"})),
        )
        .await,
    );
    let after = counts(&app.server("GET", &activity_path, None).await.expect_ok()["activity"]);
    assert_eq!(after, before, "counts changed by refused requests");
}

// 4. query_follows on a followers-visibility feed.
#[tokio::test]
async fn query_follows_respects_a_followers_feed() {
    let app = &TestApp::spawn().await;
    let (alice, bob, carol, dave) = (
        unique("alice"),
        unique("bob"),
        unique("carol"),
        unique("dave"),
    );
    let user_bob = format!("user:{bob}");
    create_feed(
        app,
        &user_bob,
        &bob,
        json!({"data": {"visibility": "followers"}}),
    )
    .await;
    let (tl_carol, tl_dave) = (format!("timeline:{carol}"), format!("timeline:{dave}"));
    let request = app
        .as_user(
            &carol,
            "POST",
            FOLLOWS,
            Some(json!({"source": tl_carol, "target": user_bob})),
        )
        .await;
    assert_eq!(request.expect_ok()["follow"]["status"], "pending");
    let accepted = app
        .follow(&tl_dave, &user_bob, json!({"status": "accepted"}))
        .await;
    assert_eq!(accepted["status"], "accepted");

    let by_target = json!({"filter": {"target_feed": user_bob}});
    forbidden(
        &app.as_user(&alice, "POST", QUERY_FOLLOWS, Some(by_target.clone()))
            .await,
    );

    let dave_sees = follow_pairs(
        &app.as_user(&dave, "POST", QUERY_FOLLOWS, Some(by_target.clone()))
            .await,
    );
    assert!(
        dave_sees
            .iter()
            .any(|(s, t, st)| *s == tl_dave && *t == user_bob && st == "accepted"),
        "{dave_sees:?}"
    );
    assert!(
        !dave_sees.iter().any(|(s, _, _)| *s == tl_carol),
        "dave sees carol's pending request: {dave_sees:?}"
    );

    let bob_sees = follow_pairs(
        &app.as_user(&bob, "POST", QUERY_FOLLOWS, Some(by_target.clone()))
            .await,
    );
    assert!(
        bob_sees
            .iter()
            .any(|(s, _, st)| *s == tl_dave && st == "accepted"),
        "{bob_sees:?}"
    );
    assert!(
        bob_sees
            .iter()
            .any(|(s, _, st)| *s == tl_carol && st == "pending"),
        "{bob_sees:?}"
    );

    // Carol holds no query-follows on user:bob yet; she lists her own feed's follows.
    let carol_sees = follow_pairs(
        &app.as_user(
            &carol,
            "POST",
            QUERY_FOLLOWS,
            Some(json!({"filter": {"source_feed": tl_carol}})),
        )
        .await,
    );
    assert!(
        carol_sees
            .iter()
            .any(|(s, t, st)| *s == tl_carol && *t == user_bob && st == "pending"),
        "{carol_sees:?}"
    );
}

// 5. Malformed and expired token claims.
#[tokio::test]
async fn malformed_token_claims_are_refused() {
    let app = &TestApp::spawn().await;
    let cases = [
        (json!({"user_id": ""}), 5),
        (json!({"user_id": null}), 5),
        (json!({"user_id": "alice", "exp": "2099"}), 5),
        (json!({"user_id": "alice", "exp": -1}), 5),
        (json!({"user_id": "alice", "exp": 1_000_000_000}), 40),
    ];
    for (claims, code) in cases {
        let token = sign(claims.clone(), API_SECRET);
        let reply = app
            .send("POST", QUERY_FEEDS, Some(&token), Some(json!({})))
            .await;
        assert_eq!(reply.status, 401, "claims {claims}: {}", reply.body);
        assert_eq!(reply.body["code"], code, "claims {claims}: {}", reply.body);
        reply.expect_error(code, 401);
    }
}

// 6. A server follow of a followers feed starts pending unless it says otherwise.
#[tokio::test]
async fn server_follow_of_a_followers_feed_defaults_to_pending() {
    let app = &TestApp::spawn().await;
    let (owner, fan, friend) = (unique("owner"), unique("fan"), unique("friend"));
    let target = format!("user:{owner}");
    create_feed(
        app,
        &target,
        &owner,
        json!({"data": {"visibility": "followers"}}),
    )
    .await;
    let pending = app
        .follow(&format!("timeline:{fan}"), &target, json!({}))
        .await;
    assert_eq!(pending["status"], "pending", "{pending}");
    let accepted = app
        .follow(
            &format!("timeline:{friend}"),
            &target,
            json!({"status": "accepted"}),
        )
        .await;
    assert_eq!(accepted["status"], "accepted", "{accepted}");
}

// 7. A server may list all follows without a filter.
#[tokio::test]
async fn server_query_follows_without_a_filter_pages_through_all() {
    let app = &TestApp::spawn().await;
    let target = format!("user:{}", unique("star"));
    let sources = [
        format!("timeline:{}", unique("fan")),
        format!("timeline:{}", unique("fan")),
    ];
    for source in &sources {
        app.follow(source, &target, json!({})).await;
    }
    let mut missing: Vec<&String> = sources.iter().collect();
    let mut next: Option<String> = None;
    for _ in 0..50 {
        let mut body = json!({"limit": 10});
        if let Some(n) = &next {
            body["next"] = json!(n);
        }
        let reply = app.server("POST", QUERY_FOLLOWS, Some(body)).await;
        let page = reply.expect_ok();
        let follows = page["follows"].as_array().expect("follows list");
        assert!(
            follows.len() <= 10,
            "page over the limit: {}",
            follows.len()
        );
        missing.retain(|s| {
            !follows.iter().any(|f| {
                f["source_feed"]["feed"] == s.as_str() && f["target_feed"]["feed"] == target
            })
        });
        next = page["next"].as_str().map(str::to_string);
        if missing.is_empty() || next.is_none() {
            break;
        }
    }
    assert!(
        missing.is_empty(),
        "not listed within 50 pages: {missing:?}"
    );
}

// 8. Filter lists are bounded.
#[tokio::test]
async fn query_follows_bounds_filter_lists() {
    let app = &TestApp::spawn().await;
    let feeds = |n: usize| -> Vec<String> {
        (0..n)
            .map(|i| format!("timeline:{}", unique(&format!("f{i}"))))
            .collect()
    };
    let big = json!({"filter": {"source_feed": {"$in": feeds(5000)}}});
    let reply = app.server("POST", QUERY_FOLLOWS, Some(big.clone())).await;
    let body = reply.expect_error(4, 400);
    assert!(
        body["message"]
            .as_str()
            .is_some_and(|m| m.contains("source_feed")),
        "message does not name source_feed: {body}"
    );
    // A user token is stopped by the bound too, before any permission read.
    let user = app
        .as_user(&unique("alice"), "POST", QUERY_FOLLOWS, Some(big))
        .await;
    user.expect_error(4, 400);

    let small = json!({"filter": {"source_feed": {"$in": feeds(100)}}});
    let reply = app.server("POST", QUERY_FOLLOWS, Some(small)).await;
    reply.expect_ok();
}
