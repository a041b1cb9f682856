//! Hybrid push/pull against DynamoDB Local and the SQS stand-in: with a follower threshold
//! of 3, a feed that reaches it switches its flat followers to pulling its posts, and their
//! reads merge its own entries with what was pushed to them.

use serde_json::{json, Value};
use tributary_integration_tests::{unique, v2_server_token, TestApp};
use tributary_store::Direction;
use tributary_tasks::fanout::{self, FanoutTask};

const THRESHOLD: i64 = 3;

async fn post(app: &TestApp, user: &str, fid: &str, extra: Value) -> String {
    let mut body = json!({"type": "post", "feeds": [fid]});
    if let (Value::Object(b), Value::Object(e)) = (&mut body, extra) {
        b.extend(e);
    }
    app.add_activity(user, body).await["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The activity ids of the entries stored in `fid`'s own partition.
async fn stored(app: &TestApp, fid: &str) -> Vec<String> {
    let (entries, _) = app
        .store
        .feed_entries(fid, 100, None, Direction::Older)
        .await
        .unwrap();
    entries.into_iter().map(|e| e.activity_id).collect()
}

async fn ids(app: &TestApp, fid: &str, body: Value) -> (Vec<String>, Value) {
    let read = app.read_feed(fid, body).await;
    (TestApp::ids(&read), read)
}

/// Reads `fid` `limit` at a time to the end, then back with `prev` from the last page.
async fn pages(app: &TestApp, fid: &str, limit: usize) -> (Vec<Vec<String>>, Vec<String>) {
    let mut out = Vec::new();
    let mut next: Option<String> = None;
    let mut last;
    loop {
        let mut body = json!({"limit": limit});
        if let Some(n) = &next {
            body["next"] = json!(n);
        }
        let (page, read) = ids(app, fid, body).await;
        out.push(page);
        next = read["next"].as_str().map(str::to_string);
        last = read;
        if next.is_none() {
            break;
        }
    }
    let prev = last["prev"].as_str().map(str::to_string);
    let back = match prev {
        Some(p) => ids(app, fid, json!({"limit": limit, "prev": p})).await.0,
        None => Vec::new(),
    };
    (out, back)
}

struct Star {
    user: String,
    fid: String,
}

/// A user feed with three flat followers, switched to pull, and `p1`, pushed before.
async fn star_with_followers(app: &TestApp, readers: &[&str]) -> (Star, String) {
    let user = unique("star");
    let star = Star {
        fid: format!("user:{user}"),
        user,
    };
    app.follow(readers[0], &star.fid, json!({})).await;
    app.follow(readers[1], &star.fid, json!({})).await;
    let p1 = post(app, &star.user, &star.fid, json!({"text": "p1"})).await;
    app.settle_fanout().await;
    assert_eq!(
        stored(app, readers[0]).await,
        vec![p1.clone()],
        "pushed below the threshold"
    );
    // The third follow reaches the threshold: the switch runs in the worker.
    app.follow(readers[2], &star.fid, json!({})).await;
    app.settle_fanout().await;
    let feed = app.store.get_feed(&star.fid).await.unwrap().unwrap();
    assert!(feed.pull_since.is_some(), "the switch finished");
    for r in readers {
        let f = app.store.get_feed(r).await.unwrap().unwrap();
        assert_eq!(f.pulled, vec![star.fid.clone()], "{r} pulls the star");
    }
    (star, p1)
}

#[tokio::test]
async fn a_large_feeds_posts_are_merged_into_followers_reads_not_written() {
    let app = &TestApp::spawn_with_pull_threshold(Some(THRESHOLD)).await;
    let (r, x, y, n) = (unique("r"), unique("x"), unique("y"), unique("n"));
    let (tl_r, tl_x, tl_y) = (
        format!("timeline:{r}"),
        format!("timeline:{x}"),
        format!("timeline:{y}"),
    );
    let notif = format!("notification:{n}");
    let (star, p1) = star_with_followers(app, &[&tl_r, &tl_x, &tl_y]).await;
    // A small feed r also follows: its posts are pushed as before.
    let friend = unique("friend");
    let friend_fid = format!("user:{friend}");
    app.follow(&tl_r, &friend_fid, json!({})).await;
    app.follow(&notif, &star.fid, json!({})).await;
    app.settle_fanout().await;
    let f1 = post(app, &friend, &friend_fid, json!({"text": "f1"})).await;
    let p2 = post(app, &star.user, &star.fid, json!({"text": "p2"})).await;
    let f2 = post(app, &friend, &friend_fid, json!({"text": "f2"})).await;
    let p3 = post(app, &star.user, &star.fid, json!({"text": "p3"})).await;
    app.settle_fanout().await;

    // Nothing of p2, p3 was written into the flat followers' feeds.
    for fid in [&tl_r, &tl_x, &tl_y] {
        let s = stored(app, fid).await;
        assert!(!s.contains(&p2) && !s.contains(&p3), "{fid}: {s:?}");
    }
    // The notification follower still receives them, grouped.
    assert!(stored(app, &notif).await.contains(&p3));
    let read = app.read_feed(&notif, json!({})).await;
    let grouped: Vec<&str> = read["aggregated_activities"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["activities"].as_array().unwrap())
        .filter_map(|a| a["id"].as_str())
        .collect();
    assert!(
        grouped.contains(&p3.as_str()) && grouped.contains(&p2.as_str()),
        "{read}"
    );

    // Merged by time with the pushed entries; p1 (pushed and pulled) once.
    let all = vec![p3.clone(), f2.clone(), p2.clone(), f1.clone(), p1.clone()];
    let (list, read) = ids(app, &tl_r, json!({})).await;
    assert_eq!(list, all);
    assert_eq!(read["activities"][0]["current_feed"]["feed"], tl_r.as_str());
    assert_eq!(
        ids(app, &tl_x, json!({})).await.0,
        vec![p3.clone(), p2.clone(), p1.clone()]
    );
    // As the timeline's owner too.
    let own = app.read_feed(&tl_r, json!({"user_id": r})).await;
    assert_eq!(TestApp::ids(&own), all);

    // Cursors page across both, both ways.
    let (walk, back) = pages(app, &tl_r, 2).await;
    assert_eq!(
        walk,
        vec![
            vec![p3.clone(), f2.clone()],
            vec![p2.clone(), f1.clone()],
            vec![p1.clone()]
        ]
    );
    assert_eq!(back, vec![p2.clone(), f1.clone()]);

    // Filters apply to pulled activities.
    let photo = post(
        app,
        &star.user,
        &star.fid,
        json!({"type": "photo", "filter_tags": ["cats"]}),
    )
    .await;
    let filter = json!({"filter": {"activity_type": {"$eq": "photo"}}});
    assert_eq!(ids(app, &tl_r, filter).await.0, vec![photo.clone()]);
    let filter = json!({"filter": {"filter_tags": {"$in": ["cats"]}}});
    assert_eq!(ids(app, &tl_r, filter).await.0, vec![photo.clone()]);

    // Private posts do not travel, pulled or pushed; the star's own feed shows them.
    let private = post(app, &star.user, &star.fid, json!({"visibility": "private"})).await;
    for body in [json!({}), json!({"user_id": r})] {
        assert!(!ids(app, &tl_r, body).await.0.contains(&private));
    }
    assert!(ids(app, &star.fid, json!({"user_id": star.user}))
        .await
        .0
        .contains(&private));

    // Soft and hard deletes leave the reads at once.
    app.server("DELETE", &format!("/api/v2/feeds/activities/{p3}"), None)
        .await
        .expect_ok();
    app.hard_delete(&p2).await;
    let left = ids(app, &tl_r, json!({})).await.0;
    assert_eq!(
        left,
        vec![photo.clone(), f2.clone(), f1.clone(), p1.clone()]
    );
    assert!(
        !stored(app, &star.fid).await.contains(&p2),
        "the own entry is gone"
    );

    // The v2 read merges them too.
    let v2 = app
        .v2(
            "GET",
            &format!("/api/v1.0/feed/timeline/{r}/"),
            &v2_server_token(),
            None,
        )
        .await;
    let v2_ids: Vec<&str> = v2.expect_ok()["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["id"].as_str())
        .collect();
    assert_eq!(
        v2_ids,
        [photo.as_str(), f2.as_str(), f1.as_str(), p1.as_str()]
    );

    // Unfollowing stops the pull at once; the purge then takes the pushed copy too.
    app.server(
        "DELETE",
        &format!("/api/v2/feeds/follows/{tl_r}/{}", star.fid),
        None,
    )
    .await
    .expect_ok();
    assert!(app
        .store
        .get_feed(&tl_r)
        .await
        .unwrap()
        .unwrap()
        .pulled
        .is_empty());
    app.settle_fanout().await;
    assert_eq!(ids(app, &tl_r, json!({})).await.0, vec![f2, f1]);
}

#[tokio::test]
async fn a_new_follower_of_a_large_feed_pulls_it_and_expired_posts_leave() {
    let app = &TestApp::spawn_with_pull_threshold(Some(THRESHOLD)).await;
    let readers: Vec<String> = (0..3)
        .map(|i| format!("timeline:{}", unique(&format!("a{i}"))))
        .collect();
    let refs: Vec<&str> = readers.iter().map(String::as_str).collect();
    let (star, p1) = star_with_followers(app, &refs).await;
    let z = format!("timeline:{}", unique("z"));
    app.follow(&z, &star.fid, json!({"activity_copy_limit": 0}))
        .await;
    // Pulled at once: no copy, no fan-out ran.
    assert_eq!(
        app.store.get_feed(&z).await.unwrap().unwrap().pulled,
        vec![star.fid.clone()]
    );
    let p2 = post(app, &star.user, &star.fid, json!({})).await;
    assert_eq!(
        ids(app, &z, json!({})).await.0,
        vec![p2.clone(), p1.clone()]
    );
    assert!(stored(app, &z).await.is_empty());

    // An expiring post shows until it expires.
    let soon = chrono_in(2);
    let short = post(app, &star.user, &star.fid, json!({"expires_at": soon})).await;
    assert_eq!(ids(app, &z, json!({})).await.0[0], short);
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    assert_eq!(ids(app, &z, json!({})).await.0, vec![p2, p1]);
}

/// A time `secs` seconds from now, in nanoseconds.
fn chrono_in(secs: i64) -> i64 {
    tributary_domain::time::now_nanos() + secs * 1_000_000_000
}

#[tokio::test]
async fn with_the_threshold_off_every_post_is_pushed() {
    let app = &TestApp::spawn_with_pull_threshold(None).await;
    let user = unique("star");
    let fid = format!("user:{user}");
    let readers: Vec<String> = (0..4)
        .map(|i| format!("timeline:{}", unique(&format!("o{i}"))))
        .collect();
    for r in &readers {
        app.follow(r, &fid, json!({})).await;
    }
    let p = post(app, &user, &fid, json!({})).await;
    app.settle_fanout().await;
    assert!(app
        .store
        .get_feed(&fid)
        .await
        .unwrap()
        .unwrap()
        .pull_since
        .is_none());
    for r in &readers {
        assert_eq!(stored(app, r).await, vec![p.clone()]);
        assert!(app
            .store
            .get_feed(r)
            .await
            .unwrap()
            .unwrap()
            .pulled
            .is_empty());
    }
}

#[tokio::test]
async fn a_hard_delete_in_a_large_feed_walks_only_its_aggregated_followers() {
    let app = &TestApp::spawn_with_pull_threshold(Some(THRESHOLD)).await;
    let readers: Vec<String> = (0..3)
        .map(|_| format!("timeline:{}", unique("r")))
        .collect();
    let refs: Vec<&str> = readers.iter().map(String::as_str).collect();
    let (star, p1) = star_with_followers(app, &refs).await;
    let notif = format!("notification:{}", unique("n"));
    app.follow(&notif, &star.fid, json!({})).await;
    app.settle_fanout().await;
    let p2 = post(app, &star.user, &star.fid, json!({"text": "p2"})).await;
    app.settle_fanout().await;
    assert!(stored(app, &notif).await.contains(&p2));

    // p2 came after the switch: its retraction walks the aggregated groups' follower
    // ranges only, one task per group, none of them the flat followers'.
    let after = app.store.get_activity(&p2).await.unwrap().unwrap();
    let tasks = fanout::retractions(&app.store, &after, std::slice::from_ref(&star.fid))
        .await
        .unwrap();
    let groups: Vec<Option<String>> = tasks
        .iter()
        .map(|t| match t {
            FanoutTask::Retract { group, .. } => group.clone(),
            other => panic!("not a retraction: {other:?}"),
        })
        .collect();
    assert!(!groups.is_empty());
    assert!(groups
        .iter()
        .all(|g| g.as_deref().is_some_and(|g| g != "timeline")));
    assert!(groups.contains(&Some("notification".to_string())));
    // p1 was pushed to everyone before the switch: its retraction walks every follower.
    let before = app.store.get_activity(&p1).await.unwrap().unwrap();
    let tasks = fanout::retractions(&app.store, &before, std::slice::from_ref(&star.fid))
        .await
        .unwrap();
    assert_eq!(tasks, vec![FanoutTask::retract(&before, &star.fid)]);

    // End to end: both leave every follower that holds them.
    app.hard_delete(&p2).await;
    app.hard_delete(&p1).await;
    app.settle_fanout().await;
    assert!(stored(app, &notif).await.is_empty());
    for r in &readers {
        assert!(stored(app, r).await.is_empty(), "{r}");
    }

    // Deleting the large feed takes it out of its followers' pulled sets.
    let id = star.fid.split_once(':').unwrap().1;
    app.server(
        "DELETE",
        &format!("/api/v2/feeds/feed_groups/user/feeds/{id}?hard_delete=true"),
        None,
    )
    .await
    .expect_ok();
    for r in &readers {
        let f = app.store.get_feed(r).await.unwrap().unwrap();
        assert!(f.pulled.is_empty(), "{r} still pulls {:?}", f.pulled);
    }
}
