//! Revision history (`query_revision_history`): with the app's audit logs on, creations,
//! edits, soft deletes and restores of activities and comments are recorded with their actor
//! and the object as it was; empty edits and everything while the logs are off are not; a
//! hard delete removes the history; filters, both-way cursors, server-side only, bad input,
//! against DynamoDB Local.
//!
//! One test: the setting is app-wide and the tests of a file run at once.

use serde_json::{json, Value};
use tributary_integration_tests::{unique, Measure, TestApp};

const QUERY: &str = "/api/v2/feeds/revisions/query";
const ACTIVITIES: &str = "/api/v2/feeds/activities";
const COMMENTS: &str = "/api/v2/feeds/comments";

async fn audit(app: &TestApp, on: bool) {
    app.server(
        "PATCH",
        "/api/v2/app",
        Some(json!({"feed_audit_logs_enabled": on})),
    )
    .await
    .expect_ok();
}

async fn history(app: &TestApp, object_type: &str, id: &str, extra: Value) -> Value {
    let mut body = json!({"filter": {"object_type": object_type, "object_id": id}});
    if let (Value::Object(b), Value::Object(e)) = (&mut body, extra) {
        for (k, v) in e {
            if k == "filter" {
                body_filter(b).extend(v.as_object().cloned().unwrap_or_default());
            } else {
                b.insert(k, v);
            }
        }
    }
    app.server("POST", QUERY, Some(body))
        .await
        .expect_ok()
        .clone()
}

fn body_filter(b: &mut serde_json::Map<String, Value>) -> &mut serde_json::Map<String, Value> {
    b.get_mut("filter").and_then(Value::as_object_mut).unwrap()
}

fn actions(reply: &Value) -> Vec<String> {
    reply["revisions"]
        .as_array()
        .expect("revisions")
        .iter()
        .map(|r| r["action_type"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn changes_are_recorded_while_audit_logs_are_on() {
    let app = TestApp::spawn().await;
    let amy = unique("amy");
    app.upsert_user(&amy, "Amy").await;

    // Off (the default): nothing is recorded.
    audit(&app, false).await;
    let quiet = app.post(&amy).await["id"].as_str().unwrap().to_string();
    assert_eq!(
        actions(&history(&app, "activity", &quiet, json!({})).await),
        Vec::<String>::new()
    );

    audit(&app, true).await;
    let read = app.server("GET", "/api/v2/app", None).await;
    assert_eq!(
        read.expect_ok()["app"]["feed_audit_logs_enabled"],
        json!(true)
    );

    // An activity: created by the user (a user token), edited by the server, an empty edit,
    // deleted softly and restored.
    let m = Measure::start(&app);
    let created = app
        .as_user(
            &amy,
            "POST",
            ACTIVITIES,
            Some(json!({"type": "post", "feeds": [format!("user:{amy}")], "text": "first"})),
        )
        .await;
    let cost = m.finish(1);
    println!(
        "add_activity with audit logs on: {:.1} RU, {:.1} WU, {:.0} round trips",
        cost.read_units, cost.write_units, cost.round_trips
    );
    let id = created.expect_ok()["activity"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.server(
        "PATCH",
        &format!("{ACTIVITIES}/{id}"),
        Some(json!({"set": {"text": "second", "custom": {"mood": "ok"}}})),
    )
    .await
    .expect_ok();
    app.server(
        "PATCH",
        &format!("{ACTIVITIES}/{id}"),
        Some(json!({"set": {"text": "second"}})),
    )
    .await
    .expect_ok();
    app.as_user(&amy, "DELETE", &format!("{ACTIVITIES}/{id}"), None)
        .await
        .expect_ok();
    app.server("POST", &format!("{ACTIVITIES}/{id}/restore"), None)
        .await
        .expect_ok();

    let all = history(&app, "activity", &id, json!({})).await;
    assert_eq!(actions(&all), vec!["restore", "delete", "edit", "create"]);
    let revisions = all["revisions"].as_array().unwrap();
    let create = &revisions[3];
    assert_eq!(create["actor_type"], json!("user"));
    assert_eq!(create["user_id"], json!(amy));
    assert_eq!(create["object_type"], json!("activity"));
    assert_eq!(create["object_id"], json!(id));
    assert!(create.get("previous_obj_serialized").is_none());
    let edit = &revisions[2];
    assert_eq!(edit["actor_type"], json!("admin"));
    assert_eq!(edit["user_id"], json!(""));
    assert_eq!(edit["changed_fields"], json!(["custom", "text"]));
    assert_eq!(edit["previous_obj_serialized"]["text"], json!("first"));
    let delete = &revisions[1];
    assert_eq!(delete["actor_type"], json!("user"));
    assert_eq!(delete["previous_obj_serialized"]["text"], json!("second"));
    assert!(delete["previous_obj_serialized"]
        .get("deleted_at")
        .is_none());

    // Oldest first, filters, and pages both ways.
    let oldest = history(
        &app,
        "activity",
        &id,
        json!({"sort": [{"field": "created_at", "direction": 1}]}),
    )
    .await;
    assert_eq!(
        actions(&oldest),
        vec!["create", "edit", "delete", "restore"]
    );
    let by_user = history(
        &app,
        "activity",
        &id,
        json!({"filter": {"actor_type": "user"}}),
    )
    .await;
    assert_eq!(actions(&by_user), vec!["delete", "create"]);
    let edits = history(
        &app,
        "activity",
        &id,
        json!({"filter": {"action_type": {"$in": ["edit", "restore"]}}, "limit": 1}),
    )
    .await;
    assert_eq!(actions(&edits), vec!["restore"]);
    assert!(edits.get("prev").is_none());
    let next = edits["next"].as_str().expect("next").to_string();
    let second = history(
        &app,
        "activity",
        &id,
        json!({"filter": {"action_type": {"$in": ["edit", "restore"]}}, "limit": 1, "next": next}),
    )
    .await;
    assert_eq!(actions(&second), vec!["edit"]);
    assert!(second.get("next").is_none(), "{second}");
    let back = history(
        &app,
        "activity",
        &id,
        json!({"filter": {"action_type": {"$in": ["edit", "restore"]}}, "limit": 1, "prev": second["prev"]}),
    )
    .await;
    assert_eq!(actions(&back), vec!["restore"]);

    // A comment: created, edited by its author, deleted softly, restored.
    let comment = app
        .server(
            "POST",
            COMMENTS,
            Some(json!({"object_id": id, "object_type": "activity", "comment": "hi", "user_id": amy})),
        )
        .await
        .expect_ok()["comment"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.as_user(
        &amy,
        "PATCH",
        &format!("{COMMENTS}/{comment}"),
        Some(json!({"comment": "hello"})),
    )
    .await
    .expect_ok();
    app.server("DELETE", &format!("{COMMENTS}/{comment}"), None)
        .await
        .expect_ok();
    app.server(
        "POST",
        &format!("{COMMENTS}/{comment}/restore"),
        Some(json!({})),
    )
    .await
    .expect_ok();
    let comments = history(&app, "comment", &comment, json!({})).await;
    assert_eq!(
        actions(&comments),
        vec!["restore", "delete", "edit", "create"]
    );
    assert_eq!(comments["revisions"][2]["changed_fields"], json!(["text"]));
    assert_eq!(
        comments["revisions"][2]["previous_obj_serialized"]["text"],
        json!("hi")
    );
    assert_eq!(comments["revisions"][2]["actor_type"], json!("user"));

    // A hard delete takes the history with it.
    app.hard_delete(&id).await;
    assert!(history(&app, "activity", &id, json!({})).await["revisions"]
        .as_array()
        .unwrap()
        .is_empty());

    // Users may not read it; bad filters, sorts and cursors name the field.
    app.as_user(
        &amy,
        "POST",
        QUERY,
        Some(json!({"filter": {"object_type": "activity", "object_id": id}})),
    )
    .await
    .expect_error(17, 403);
    for (body, field) in [
        (json!({}), "filter.object_type"),
        (
            json!({"filter": {"object_type": "activity"}}),
            "filter.object_id",
        ),
        (
            json!({"filter": {"object_type": "feed", "object_id": "x"}}),
            "filter.object_type",
        ),
        (
            json!({"filter": {"object_type": "activity", "object_id": "x", "text": "y"}}),
            "filter",
        ),
        (
            json!({"filter": {"object_type": "activity", "object_id": "x"}, "sort": [{"field": "user_id"}]}),
            "sort",
        ),
        (
            json!({"filter": {"object_type": "activity", "object_id": "x"}, "next": "forged"}),
            "next",
        ),
    ] {
        let error = app.server("POST", QUERY, Some(body)).await;
        let error = error.expect_error(4, 400);
        assert!(
            error["message"].as_str().unwrap().contains(field),
            "{error}"
        );
    }
    // A bad setting is refused, and leaves the logs as they were.
    app.server(
        "PATCH",
        "/api/v2/app",
        Some(json!({"feed_audit_logs_enabled": "yes"})),
    )
    .await
    .expect_error(4, 400);
    assert_eq!(
        app.server("GET", "/api/v2/app", None).await.expect_ok()["app"]["feed_audit_logs_enabled"],
        json!(true)
    );
    audit(&app, false).await;
}
