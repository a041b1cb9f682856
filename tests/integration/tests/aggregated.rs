//! Aggregated and notification feeds against DynamoDB Local: grouping by the Jinja format at
//! write time (directly and through fan-out), the 15 kept activities, read/seen state and
//! marking, and the notification activities follows, reactions and comments make.

use serde_json::{json, Value};
use tributary_integration_tests::{unique, TestApp};

const DAY: &str = "{{ verb }}_{{ time.strftime(\"%Y-%m-%d\") }}";

async fn group_with(app: &TestApp, settings: Value) -> String {
    let id = unique("agg").replace('-', "_");
    let mut body = json!({ "id": id });
    if let (Value::Object(b), Value::Object(s)) = (&mut body, settings) {
        b.extend(s);
    }
    app.server("POST", "/api/v2/feeds/feed_groups", Some(body))
        .await
        .expect_ok();
    id
}

fn groups(read: &Value) -> &Vec<Value> {
    read["aggregated_activities"].as_array().expect("groups")
}

#[tokio::test]
async fn twenty_likes_make_one_group_keeping_fifteen() {
    let app = &TestApp::spawn().await;
    let group = group_with(app, json!({"aggregation": {"format": DAY}})).await;
    let owner = unique("owner");
    let fid = format!("{group}:{owner}");
    for n in 0..20 {
        app.add_activity(
            &format!("{owner}-fan{n}"),
            json!({"type": "like", "feeds": [fid]}),
        )
        .await;
    }
    let read = app.read_feed(&fid, json!({})).await;
    let list = groups(&read);
    assert_eq!(list.len(), 1, "{read}");
    let g = &list[0];
    assert_eq!(g["activity_count"], 20);
    assert_eq!(g["activities"].as_array().unwrap().len(), 15);
    assert_eq!(g["user_count"], 20);
    assert_eq!(g["user_count_truncated"], true);
    assert!(g["group"].as_str().unwrap().starts_with("like_"));
    // The group's activities are the newest, newest first.
    let times: Vec<i64> = g["activities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["created_at"].as_i64().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]));
}

#[tokio::test]
async fn the_seeds_if_else_format_groups_follows_per_actor() {
    let app = &TestApp::spawn().await;
    let format = "{% if verb == 'follow' %}{{ actor }}_{{ verb }}_{{ time.strftime('%Y-%m-%d') }}\
                  {% else %}{{ verb }}_{{ time.strftime('%Y-%m-%d') }}{% endif %}";
    let group = group_with(app, json!({"aggregation": {"format": format}})).await;
    let fid = format!("{group}:{}", unique("o"));
    let (eric, amy) = (unique("eric"), unique("amy"));
    for (actor, verb) in [
        (&eric, "follow"),
        (&eric, "follow"),
        (&amy, "follow"),
        (&eric, "like"),
        (&amy, "like"),
    ] {
        app.add_activity(actor, json!({"type": verb, "feeds": [fid]}))
            .await;
    }
    let read = app.read_feed(&fid, json!({})).await;
    let mut counts: Vec<(String, i64)> = groups(&read)
        .iter()
        .map(|g| {
            let name = g["group"].as_str().unwrap();
            let who = if name.starts_with(&eric) {
                "eric-follow"
            } else if name.starts_with(&amy) {
                "amy-follow"
            } else {
                "likes"
            };
            (who.to_string(), g["activity_count"].as_i64().unwrap())
        })
        .collect();
    counts.sort();
    assert_eq!(
        counts,
        vec![
            ("amy-follow".into(), 1),
            ("eric-follow".into(), 2),
            ("likes".into(), 2)
        ]
    );
    // Newest-updated first: the last like's group leads.
    assert!(groups(&read)[0]["group"]
        .as_str()
        .unwrap()
        .starts_with("like_"));
}

#[tokio::test]
async fn fan_out_aggregates_into_follower_feeds_once() {
    let app = &TestApp::spawn().await;
    let group = group_with(app, json!({"aggregation": {"format": DAY}})).await;
    let (john, reader) = (unique("john"), unique("reader"));
    let follower = format!("{group}:{reader}");
    app.follow(&follower, &format!("user:{john}"), json!({}))
        .await;
    app.settle_fanout().await;
    for _ in 0..3 {
        app.post(&john).await;
    }
    app.settle_fanout().await;
    let read = app.read_feed(&follower, json!({})).await;
    let list = groups(&read);
    assert_eq!(list.len(), 1, "{read}");
    assert_eq!(list[0]["activity_count"], 3);
    assert_eq!(list[0]["user_count"], 1);
    assert_eq!(read["activities"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn formats_that_do_not_parse_or_render_are_refused() {
    let app = &TestApp::spawn().await;
    for (format, needle) in [
        ("{{ verb ", "aggregation.format"),
        ("{{ time.strftime('%Q') }}", "strftime"),
        ("{% for i in range(100000) %}x{% endfor %}", "work"),
    ] {
        let reply = app
            .server(
                "POST",
                "/api/v2/feeds/feed_groups",
                Some(json!({"id": unique("bad").replace('-', "_"), "aggregation": {"format": format}})),
            )
            .await;
        let err = reply.expect_error(4, 400);
        assert!(err["message"].as_str().unwrap().contains(needle), "{err}");
    }
}

async fn mark(app: &TestApp, fid: &str, body: Value) -> tributary_integration_tests::Reply {
    let (g, id) = fid.split_once(':').unwrap();
    app.server(
        "POST",
        &format!("/api/v2/feeds/feed_groups/{g}/feeds/{id}/activities/mark/batch"),
        Some(body),
    )
    .await
}

fn status(read: &Value) -> (i64, i64) {
    let s = &read["notification_status"];
    (s["unread"].as_i64().unwrap(), s["unseen"].as_i64().unwrap())
}

#[tokio::test]
async fn marking_seen_and_read() {
    let app = &TestApp::spawn().await;
    let group = group_with(
        app,
        json!({"aggregation": {"format": "{{ verb }}"}, "notification": {"track_read": true, "track_seen": true}}),
    )
    .await;
    let owner = unique("bell");
    let fid = format!("{group}:{owner}");
    for verb in ["like", "like", "follow", "comment"] {
        app.add_activity(&unique("actor"), json!({"type": verb, "feeds": [fid]}))
            .await;
    }
    let first = app.read_feed(&fid, json!({})).await;
    assert_eq!(status(&first), (3, 3));
    assert!(groups(&first)
        .iter()
        .all(|g| g["is_seen"] == false && g["is_read"] == false));
    // A read that marks everything seen shows the state from before...
    let marking = app.read_feed(&fid, json!({"mark_seen": true})).await;
    assert_eq!(status(&marking), (3, 3));
    // ...and the next read the state after.
    let after = app.read_feed(&fid, json!({})).await;
    assert_eq!(status(&after), (3, 0));
    // Marking one group read by its id.
    mark(app, &fid, json!({"mark_read": ["like"]}))
        .await
        .expect_ok();
    let read = app.read_feed(&fid, json!({})).await;
    assert_eq!(status(&read), (2, 0));
    let like = groups(&read).iter().find(|g| g["group"] == "like").unwrap();
    assert_eq!(like["is_read"], true);
    // A new activity in a read group makes it unread and unseen again.
    app.add_activity(&unique("actor"), json!({"type": "like", "feeds": [fid]}))
        .await;
    assert_eq!(status(&app.read_feed(&fid, json!({})).await), (3, 1));
    mark(
        app,
        &fid,
        json!({"mark_all_read": true, "mark_all_seen": true}),
    )
    .await
    .expect_ok();
    assert_eq!(status(&app.read_feed(&fid, json!({})).await), (0, 0));
    // Ids that are not in the feed are refused.
    mark(app, &fid, json!({"mark_read": ["no-such-group"]}))
        .await
        .expect_error(4, 400);
}

async fn notifications_of(app: &TestApp, user: &str) -> Value {
    app.read_feed(&format!("notification:{user}"), json!({}))
        .await
}

fn notification_types(read: &Value) -> Vec<String> {
    let mut types: Vec<String> = read["activities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["type"].as_str().unwrap().to_string())
        .collect();
    types.sort();
    types
}

#[tokio::test]
async fn reactions_comments_follows_and_mentions_notify() {
    let app = &TestApp::spawn().await;
    let (john, amy, cy) = (unique("john"), unique("amy"), unique("cy"));
    let post = app
        .add_activity(
            &john,
            json!({"type": "post", "feeds": [format!("user:{john}")], "text": "photo"}),
        )
        .await;
    let post_id = post["id"].as_str().unwrap();
    let react = |user: String| {
        let path = format!("/api/v2/feeds/activities/{post_id}/reactions");
        async move {
            app.server(
                "POST",
                &path,
                Some(
                    json!({"type": "like", "user_id": user, "create_notification_activity": true}),
                ),
            )
            .await
            .expect_ok()
            .clone()
        }
    };
    react(amy.clone()).await;
    // John liking his own post notifies nobody.
    react(john.clone()).await;
    app.server(
        "POST",
        "/api/v2/feeds/comments",
        Some(
            json!({"object_id": post_id, "object_type": "activity", "comment": "nice",
                    "user_id": amy, "create_notification_activity": true}),
        ),
    )
    .await
    .expect_ok();
    app.follow(
        &format!("timeline:{cy}"),
        &format!("user:{john}"),
        json!({"create_notification_activity": true}),
    )
    .await;
    app.add_activity(
        &cy,
        json!({"type": "post", "feeds": [format!("user:{cy}")], "mentioned_user_ids": [john],
               "create_notification_activity": true}),
    )
    .await;
    let read = notifications_of(app, &john).await;
    assert_eq!(
        notification_types(&read),
        vec!["comment", "follow", "mention", "reaction"]
    );
    let reaction = read["activities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["type"] == "reaction")
        .unwrap();
    assert_eq!(reaction["user"]["id"], amy.as_str());
    assert_eq!(reaction["notification_context"]["target"]["id"], post_id);
    assert_eq!(status(&read).0, 4);
    // A notification feed is private to its owner.
    app.as_user(
        &amy,
        "POST",
        &format!("/api/v2/feeds/feed_groups/notification/feeds/{john}"),
        Some(json!({})),
    )
    .await
    .expect_error(17, 403);
    // Nobody is told about their own actions.
    let own = notifications_of(app, &amy).await;
    assert!(own["activities"].as_array().unwrap().is_empty());
    // Taking the reaction back takes its notification with it.
    app.server(
        "DELETE",
        &format!(
            "/api/v2/feeds/activities/{post_id}/reactions/like?user_id={amy}&delete_notification_activity=true"
        ),
        None,
    )
    .await
    .expect_ok();
    let read = notifications_of(app, &john).await;
    assert_eq!(
        notification_types(&read),
        vec!["comment", "follow", "mention"]
    );
    // So does unfollowing.
    app.server(
        "DELETE",
        &format!(
            "/api/v2/feeds/follows/timeline:{cy}/user:{john}?delete_notification_activity=true"
        ),
        None,
    )
    .await
    .expect_ok();
    assert_eq!(
        notification_types(&notifications_of(app, &john).await),
        vec!["comment", "mention"]
    );
}

#[tokio::test]
async fn repeated_reactions_are_deduplicated() {
    let app = &TestApp::spawn().await;
    let (john, amy) = (unique("john"), unique("amy"));
    let post = app.post(&john).await;
    let id = post["id"].as_str().unwrap();
    for _ in 0..2 {
        app.server(
            "POST",
            &format!("/api/v2/feeds/activities/{id}/reactions"),
            Some(json!({"type": "like", "user_id": amy, "create_notification_activity": true})),
        )
        .await
        .expect_ok();
        // Without delete_notification_activity the first notification stands.
        app.server(
            "DELETE",
            &format!("/api/v2/feeds/activities/{id}/reactions/like?user_id={amy}"),
            None,
        )
        .await
        .expect_ok();
    }
    let read = notifications_of(app, &john).await;
    assert_eq!(notification_types(&read), vec!["reaction"]);
}

#[tokio::test]
async fn custom_data_is_copied_only_when_asked() {
    let app = &TestApp::spawn().await;
    let (john, amy, cy) = (unique("john"), unique("amy"), unique("cy"));
    let post = app.post(&john).await;
    let id = post["id"].as_str().unwrap();
    for (user, copy) in [(&amy, true), (&cy, false)] {
        app.server(
            "POST",
            &format!("/api/v2/feeds/activities/{id}/reactions"),
            Some(
                json!({"type": "like", "user_id": user, "custom": {"emoji": "fire"},
                        "create_notification_activity": true, "copy_custom_to_notification": copy}),
            ),
        )
        .await
        .expect_ok();
    }
    let read = notifications_of(app, &john).await;
    let custom_of = |user: &str| {
        read["activities"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["user"]["id"] == user)
            .map(|a| a["custom"].clone())
            .unwrap()
    };
    assert_eq!(custom_of(&amy), json!({"emoji": "fire"}));
    assert_eq!(custom_of(&cy), json!({}));
    // Both likes are on one post on one day: one group of two.
    let list = groups(&read);
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["activity_count"], 2);
}
