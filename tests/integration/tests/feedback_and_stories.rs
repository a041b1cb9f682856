//! Activity feedback (hidden for its user only) and stories (watched marks, skip_watched)
//! against DynamoDB Local.

use serde_json::{json, Value};
use tributary_integration_tests::{unique, TestApp};

fn find<'a>(read: &'a Value, id: &str) -> Option<&'a Value> {
    read["activities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == id)
}

#[tokio::test]
async fn a_hidden_activity_is_hidden_for_its_user_only() {
    let app = &TestApp::spawn().await;
    let (john, amy, bob) = (unique("john"), unique("amy"), unique("bob"));
    let post = app.post(&john).await;
    let id = post["id"].as_str().unwrap();
    let reply = app
        .server(
            "POST",
            &format!("/api/v2/feeds/activities/{id}/feedback"),
            Some(json!({"hide": true, "show_less": true, "user_id": amy})),
        )
        .await;
    assert_eq!(reply.expect_ok()["activity_id"], id);
    let fid = format!("user:{john}");
    let for_amy = app.read_feed(&fid, json!({"user_id": amy})).await;
    assert_eq!(find(&for_amy, id).unwrap()["hidden"], true);
    // `user` feeds do not track watching, so they do not report it.
    assert!(find(&for_amy, id).unwrap().get("is_watched").is_none());
    let for_bob = app.read_feed(&fid, json!({"user_id": bob})).await;
    assert_eq!(find(&for_bob, id).unwrap()["hidden"], false);
    let got = app
        .server(
            "GET",
            &format!("/api/v2/feeds/activities/{id}?user_id={amy}"),
            None,
        )
        .await;
    assert_eq!(got.expect_ok()["activity"]["hidden"], true);
    // Unhiding brings it back for her.
    app.server(
        "POST",
        &format!("/api/v2/feeds/activities/{id}/feedback"),
        Some(json!({"hide": false, "user_id": amy})),
    )
    .await
    .expect_ok();
    let again = app.read_feed(&fid, json!({"user_id": amy})).await;
    assert_eq!(find(&again, id).unwrap()["hidden"], false);
    // Feedback on what does not exist is 16.
    app.server(
        "POST",
        "/api/v2/feeds/activities/no-such-activity/feedback",
        Some(json!({"hide": true, "user_id": amy})),
    )
    .await
    .expect_error(16, 404);
}

#[tokio::test]
async fn watched_stories_are_skipped_where_skip_watched_is_set() {
    let app = &TestApp::spawn().await;
    let group = unique("stories").replace('-', "_");
    app.server(
        "POST",
        "/api/v2/feeds/feed_groups",
        Some(json!({"id": group, "stories": {"track_watched": true, "skip_watched": true}})),
    )
    .await
    .expect_ok();
    let viewer = unique("viewer");
    let fid = format!("{group}:{viewer}");
    let mut ids = Vec::new();
    for n in 0..3 {
        let a = app
            .add_activity(
                &unique("teller"),
                json!({"type": "story", "feeds": [fid], "text": format!("story {n}"),
                       "expires_at": "2099-01-01T00:00:00Z"}),
            )
            .await;
        ids.push(a["id"].as_str().unwrap().to_string());
    }
    let before = app.read_feed(&fid, json!({"user_id": viewer})).await;
    assert_eq!(before["activities"].as_array().unwrap().len(), 3);
    assert!(before["activities"]
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a["is_watched"] == false));
    app.server(
        "POST",
        &format!("/api/v2/feeds/feed_groups/{group}/feeds/{viewer}/activities/mark/batch"),
        Some(json!({"mark_watched": [ids[0]], "user_id": viewer})),
    )
    .await
    .expect_ok();
    let after = app.read_feed(&fid, json!({"user_id": viewer})).await;
    let left: Vec<&str> = after["activities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(left.len(), 2);
    assert!(!left.contains(&ids[0].as_str()));
    // Where skip_watched is not set, the watched story stays, marked watched.
    let story_fid = format!("story:{}", unique("teller"));
    let story = app
        .add_activity(
            story_fid.split(':').nth(1).unwrap(),
            json!({"type": "story", "feeds": [story_fid], "expires_at": "2099-01-01T00:00:00Z"}),
        )
        .await;
    let story_id = story["id"].as_str().unwrap();
    app.server(
        "POST",
        &format!("/api/v2/feeds/feed_groups/{group}/feeds/{viewer}/activities/mark/batch"),
        Some(json!({"mark_watched": [story_id], "user_id": viewer})),
    )
    .await
    .expect_ok();
    let read = app.read_feed(&story_fid, json!({"user_id": viewer})).await;
    assert_eq!(find(&read, story_id).unwrap()["is_watched"], true);
}
