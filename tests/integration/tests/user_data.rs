//! delete_feed_user_data and export_feed_user_data against DynamoDB Local and the SQS
//! stand-in: the task runs in queued steps, removes (or exports) everything of the user
//! and leaves every count that included it correct.

use serde_json::{json, Value};
use tributary_integration_tests::{unique, TestApp};

struct World {
    amy: String,
    bob: String,
    amy_posts: Vec<String>,
    bob_post: String,
    amy_comment: String,
}

/// Amy posts twice and follows Bob; Bob follows Amy, posts once; each reacts to and
/// comments on the other's post.
async fn world(app: &TestApp) -> World {
    let (amy, bob) = (unique("amy"), unique("bob"));
    app.upsert_user(&amy, "Amy").await;
    let mut amy_posts = Vec::new();
    for n in 0..2 {
        let a = app
            .add_activity(&amy, json!({"type": "post", "feeds": [format!("user:{amy}")], "text": format!("amy {n}")}))
            .await;
        amy_posts.push(a["id"].as_str().unwrap().to_string());
    }
    app.follow(
        &format!("timeline:{bob}"),
        &format!("user:{amy}"),
        json!({}),
    )
    .await;
    app.follow(
        &format!("timeline:{amy}"),
        &format!("user:{bob}"),
        json!({}),
    )
    .await;
    let bob_post = app.post(&bob).await["id"].as_str().unwrap().to_string();
    let react = |user: &str, id: &str| {
        let (user, path) = (
            user.to_string(),
            format!("/api/v2/feeds/activities/{id}/reactions"),
        );
        async move {
            app.server(
                "POST",
                &path,
                Some(json!({"type": "like", "user_id": user})),
            )
            .await
            .expect_ok();
        }
    };
    react(&amy, &bob_post).await;
    react(&bob, &amy_posts[0]).await;
    let comment = |user: &str, id: &str, text: &str| {
        let body =
            json!({"object_id": id, "object_type": "activity", "comment": text, "user_id": user});
        async move {
            app.server("POST", "/api/v2/feeds/comments", Some(body))
                .await
                .expect_ok()["comment"]["id"]
                .as_str()
                .unwrap()
                .to_string()
        }
    };
    let amy_comment = comment(&amy, &bob_post, "from amy").await;
    comment(&bob, &amy_posts[0], "from bob").await;
    app.settle_fanout().await;
    World {
        amy,
        bob,
        amy_posts,
        bob_post,
        amy_comment,
    }
}

/// Starts a task, runs the queue until it is done, and returns the finished task.
async fn run_task(app: &TestApp, path: &str, body: Value) -> Value {
    let started = app.server("POST", path, Some(body)).await;
    let task_id = started.expect_ok()["task_id"].as_str().unwrap().to_string();
    app.settle_fanout().await;
    let task = app
        .server("GET", &format!("/api/v2/tasks/{task_id}"), None)
        .await
        .expect_ok()
        .clone();
    assert_eq!(task["status"], "completed", "{task}");
    task
}

async fn activity(app: &TestApp, id: &str) -> Value {
    app.server("GET", &format!("/api/v2/feeds/activities/{id}"), None)
        .await
        .expect_ok()["activity"]
        .clone()
}

#[tokio::test]
async fn hard_delete_removes_everything_and_corrects_counts() {
    let app = &TestApp::spawn().await;
    let w = world(app).await;
    let bob_before = activity(app, &w.bob_post).await;
    assert_eq!(bob_before["reaction_count"], 1);
    assert_eq!(bob_before["comment_count"], 1);
    run_task(
        app,
        &format!("/api/v2/feeds/users/{}/delete", w.amy),
        json!({"hard_delete": true}),
    )
    .await;
    for id in &w.amy_posts {
        app.server("GET", &format!("/api/v2/feeds/activities/{id}"), None)
            .await
            .expect_error(16, 404);
    }
    let bob_post = activity(app, &w.bob_post).await;
    assert_eq!(bob_post["reaction_count"], 0);
    assert_eq!(bob_post["comment_count"], 0);
    assert!(bob_post["latest_reactions"].as_array().unwrap().is_empty());
    assert!(bob_post["comments"].as_array().unwrap().is_empty());
    app.server(
        "GET",
        &format!("/api/v2/feeds/comments/{}", w.amy_comment),
        None,
    )
    .await
    .expect_error(16, 404);
    // Bob's timeline no longer holds Amy's posts, and the follows both ways are gone.
    let timeline = app
        .read_feed(&format!("timeline:{}", w.bob), json!({}))
        .await;
    assert!(TestApp::ids(&timeline)
        .iter()
        .all(|id| !w.amy_posts.contains(id)));
    assert_eq!(timeline["feed"]["following_count"], 0);
    let bob_feed = app.read_feed(&format!("user:{}", w.bob), json!({})).await;
    assert_eq!(bob_feed["feed"]["follower_count"], 0);
    let reactions = app
        .server(
            "POST",
            &format!("/api/v2/feeds/activities/{}/reactions/query", w.bob_post),
            Some(json!({})),
        )
        .await;
    assert!(reactions.expect_ok()["reactions"]
        .as_array()
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn soft_delete_hides_the_users_content_from_reads() {
    let app = &TestApp::spawn().await;
    let w = world(app).await;
    run_task(
        app,
        &format!("/api/v2/feeds/users/{}/delete", w.amy),
        json!({}),
    )
    .await;
    let timeline = app
        .read_feed(&format!("timeline:{}", w.bob), json!({}))
        .await;
    assert!(TestApp::ids(&timeline)
        .iter()
        .all(|id| !w.amy_posts.contains(id)));
    let comment = app
        .server(
            "GET",
            &format!("/api/v2/feeds/comments/{}", w.amy_comment),
            None,
        )
        .await;
    let comment = &comment.expect_ok()["comment"];
    assert_eq!(comment["status"], "deleted");
    assert!(comment.get("text").is_none_or(Value::is_null));
    let bob_post = activity(app, &w.bob_post).await;
    assert_eq!(bob_post["reaction_count"], 0, "reactions go either way");
    // Amy's feed is deleted for readers.
    let (group, id) = ("user", w.amy.as_str());
    app.server(
        "POST",
        &format!("/api/v2/feeds/feed_groups/{group}/feeds/{id}"),
        Some(json!({})),
    )
    .await
    .expect_error(16, 404);
}

#[tokio::test]
async fn an_export_holds_everything_the_user_created() {
    let app = &TestApp::spawn().await;
    let w = world(app).await;
    let task = run_task(
        app,
        &format!("/api/v2/feeds/users/{}/export", w.amy),
        json!({}),
    )
    .await;
    let data = &task["result"]["data"];
    let ids = |section: &str| -> Vec<String> {
        data[section]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["id"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    let mut activities = ids("activities");
    activities.sort();
    let mut want = w.amy_posts.clone();
    want.sort();
    assert_eq!(activities, want);
    assert_eq!(ids("comments"), vec![w.amy_comment.clone()]);
    let reactions = data["reactions"].as_array().unwrap();
    assert_eq!(reactions.len(), 1);
    assert_eq!(reactions[0]["activity_id"], w.bob_post.as_str());
    let follows = data["follows"].as_array().unwrap();
    assert_eq!(follows.len(), 2, "{follows:?}");
    assert!(data["feeds"].as_array().unwrap().len() >= 2);
    assert_eq!(data["user"]["id"], w.amy.as_str());
    // Exporting changes nothing.
    assert_eq!(activity(app, &w.bob_post).await["reaction_count"], 1);
}

#[tokio::test]
async fn only_the_server_may_and_unknown_tasks_are_16() {
    let app = &TestApp::spawn().await;
    let amy = unique("amy");
    app.as_user(
        &amy,
        "POST",
        &format!("/api/v2/feeds/users/{amy}/export"),
        Some(json!({})),
    )
    .await
    .expect_error(17, 403);
    app.server("GET", "/api/v2/tasks/no-such-task", None)
        .await
        .expect_error(16, 404);
}
