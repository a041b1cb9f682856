//! `track_activity_metrics` and the `metrics` of activity reads: counting, exact counts under
//! 50 parallel writers, per-user hourly limits, per-event refusals, bad input changing
//! nothing and a user token tracking as another user; the app's custom metrics
//! (`update_app`'s `activity_metrics_config`), against DynamoDB Local.
//!
//! The metrics configuration is app-wide: tests that change it hold [`APP_METRICS`] for
//! writing and put the defaults back however they end; the others hold it for reading, so
//! they always see the defaults.

use std::panic::AssertUnwindSafe;

use futures::future::join_all;
use futures::FutureExt;
use serde_json::{json, Value};
use tributary_integration_tests::{unique, Measure, TestApp};

const TRACK: &str = "/api/v2/feeds/activities/metrics/track";
const APP: &str = "/api/v2/app";

/// Held for writing by tests that change the app's metrics configuration.
static APP_METRICS: tokio::sync::RwLock<()> = tokio::sync::RwLock::const_new(());

async fn new_post(app: &TestApp) -> (String, String) {
    let author = unique("author");
    app.upsert_user(&author, "Author").await;
    let id = app.post(&author).await["id"].as_str().unwrap().to_string();
    (author, id)
}

async fn metrics_of(app: &TestApp, id: &str) -> Value {
    app.server("GET", &format!("/api/v2/feeds/activities/{id}"), None)
        .await
        .expect_ok()["activity"]
        .get("metrics")
        .cloned()
        .unwrap_or(Value::Null)
}

fn event(id: &str, metric: &str, delta: Option<i64>) -> Value {
    match delta {
        Some(d) => json!({"activity_id": id, "metric": metric, "delta": d}),
        None => json!({"activity_id": id, "metric": metric}),
    }
}

#[tokio::test]
async fn tracked_metrics_are_counted_and_shown_on_reads() {
    let _defaults = APP_METRICS.read().await;
    let app = TestApp::spawn().await;
    let (author, id) = new_post(&app).await;
    let (_, untracked) = new_post(&app).await;
    let viewer = unique("viewer");
    app.upsert_user(&viewer, "Viewer").await;
    assert_eq!(metrics_of(&app, &id).await, Value::Null);

    let m = Measure::start(&app);
    let reply = app
        .server(
            "POST",
            TRACK,
            Some(json!({"user_id": viewer, "events": [
                event(&id, "views", None),
                event(&id, "clicks", Some(2)),
                event(&id, "impressions", Some(3)),
            ]})),
        )
        .await;
    let cost = m.finish(1);
    println!(
        "track_activity_metrics (3 events, first on the activity): {:.1} RU, {:.1} WU, {:.0} round trips",
        cost.read_units, cost.write_units, cost.round_trips
    );
    let results = reply.expect_ok()["results"].as_array().unwrap().clone();
    assert_eq!(results.len(), 3);
    assert_eq!(results[0]["activity_id"], json!(id));
    assert_eq!(results[1]["metric"], json!("clicks"));
    assert!(results.iter().all(|r| r["allowed"] == json!(true)));

    let m = Measure::start(&app);
    let tracked = metrics_of(&app, &id).await;
    let cost = m.finish(1);
    println!(
        "get_activity with metrics: {:.1} RU, {:.1} WU, {:.0} round trips",
        cost.read_units, cost.write_units, cost.round_trips
    );
    assert_eq!(tracked, json!({"views": 1, "clicks": 2, "impressions": 3}));
    assert_eq!(metrics_of(&app, &untracked).await, Value::Null);

    // A user token tracks as its user; a feed read shows the same counts.
    app.as_user(
        &viewer,
        "POST",
        TRACK,
        Some(json!({"events": [event(&id, "views", Some(2))]})),
    )
    .await
    .expect_ok();
    let read = app.read_feed(&format!("user:{author}"), json!({})).await;
    let shown = read["activities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == json!(id))
        .expect("the activity in its feed")
        .clone();
    assert_eq!(
        shown["metrics"],
        json!({"views": 3, "clicks": 2, "impressions": 3})
    );

    // A hard delete takes the counter shards with the activity.
    app.hard_delete(&id).await;
    let left = app
        .store
        .activity_metrics([id.as_str()])
        .await
        .expect("read shards");
    assert!(left.is_empty(), "{left:?}");
}

#[tokio::test]
async fn fifty_parallel_writers_count_exactly() {
    let _defaults = APP_METRICS.read().await;
    let app = TestApp::spawn().await;
    let (_, id) = new_post(&app).await;
    let users: Vec<String> = (0..50).map(|i| unique(&format!("w{i}"))).collect();
    let app = &app;
    let writes = users.iter().map(|u| {
        let body = json!({"events": [event(&id, "views", None), event(&id, "clicks", Some(-1))]});
        async move { app.as_user(u, "POST", TRACK, Some(body)).await }
    });
    for reply in join_all(writes).await {
        let results = reply.expect_ok()["results"].as_array().unwrap().clone();
        assert!(results.iter().all(|r| r["allowed"] == json!(true)));
    }
    assert_eq!(
        metrics_of(app, &id).await,
        json!({"views": 50, "clicks": -50})
    );
}

#[tokio::test]
async fn a_users_hourly_allowance_bounds_what_they_add() {
    let _defaults = APP_METRICS.read().await;
    let app = TestApp::spawn().await;
    let (_, id) = new_post(&app).await;
    let viewer = unique("viewer");
    let track = |events: Value| {
        let viewer = viewer.clone();
        let app = &app;
        async move {
            app.server(
                "POST",
                TRACK,
                Some(json!({"user_id": viewer, "events": events})),
            )
            .await
            .expect_ok()["results"]
                .clone()
        }
    };
    // Views: 10 per user, activity and hour; the absolute delta counts.
    let r = track(json!([event(&id, "views", Some(11))])).await;
    assert_eq!(r[0]["allowed"], json!(false));
    let r = track(json!([
        event(&id, "views", Some(-4)),
        event(&id, "views", Some(6))
    ]))
    .await;
    assert!(r
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["allowed"] == json!(true)));
    let r = track(json!([event(&id, "views", None)])).await;
    assert_eq!(r[0]["allowed"], json!(false));
    assert!(r[0].get("error").is_none_or(Value::is_null));
    // Another metric and another user have their own allowances.
    let r = track(json!([event(&id, "clicks", Some(5))])).await;
    assert_eq!(r[0]["allowed"], json!(true));
    let other = unique("other");
    app.server(
        "POST",
        TRACK,
        Some(json!({"user_id": other, "events": [event(&id, "views", None)]})),
    )
    .await
    .expect_ok();
    assert_eq!(
        metrics_of(&app, &id).await,
        json!({"views": 3, "clicks": 5})
    );

    // Events on one activity and metric apply in their order within a request.
    let (_, fresh) = new_post(&app).await;
    let r = track(json!([
        event(&fresh, "views", Some(10)),
        event(&fresh, "clicks", None),
        event(&fresh, "views", None),
        event(&fresh, "clicks", Some(4)),
        event(&fresh, "clicks", None),
    ]))
    .await;
    let allowed: Vec<bool> = r
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["allowed"].as_bool().unwrap())
        .collect();
    assert_eq!(allowed, vec![true, true, false, true, false]);
    assert_eq!(r[2]["metric"], json!("views"));
    assert_eq!(
        metrics_of(&app, &fresh).await,
        json!({"views": 10, "clicks": 5})
    );
}

#[tokio::test]
async fn unknown_metrics_and_missing_activities_are_refused_per_event() {
    let _defaults = APP_METRICS.read().await;
    let app = TestApp::spawn().await;
    let (author, id) = new_post(&app).await;
    let private = app
        .add_activity(
            &author,
            json!({"type": "post", "feeds": [format!("user:{author}")], "visibility": "private"}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let viewer = unique("viewer");
    let reply = app
        .as_user(
            &viewer,
            "POST",
            TRACK,
            Some(json!({"events": [
                event(&id, "shares_seen", None),
                event(&unique("missing"), "views", None),
                event(&private, "views", None),
                event(&id, "views", None),
            ]})),
        )
        .await;
    let results = reply.expect_ok()["results"].as_array().unwrap().clone();
    let allowed: Vec<bool> = results
        .iter()
        .map(|r| r["allowed"].as_bool().unwrap())
        .collect();
    assert_eq!(allowed, vec![false, false, false, true]);
    assert!(results[0]["error"]
        .as_str()
        .unwrap()
        .contains("shares_seen"));
    assert!(results[1]["error"]
        .as_str()
        .unwrap()
        .contains("does not exist"));
    assert_eq!(metrics_of(&app, &id).await, json!({"views": 1}));
    assert_eq!(metrics_of(&app, &private).await, Value::Null);
}

#[tokio::test]
async fn bad_input_and_acting_as_another_user_change_nothing() {
    let _defaults = APP_METRICS.read().await;
    let app = TestApp::spawn().await;
    let (_, id) = new_post(&app).await;
    let viewer = unique("viewer");
    let good = event(&id, "views", None);
    let bad = [
        (json!({"user_id": viewer}), "events"),
        (json!({"user_id": viewer, "events": []}), "events"),
        (
            json!({"user_id": viewer, "events": vec![good.clone(); 101]}),
            "events",
        ),
        (
            json!({"user_id": viewer, "events": [good.clone(), event(&id, "bad name!", None)]}),
            "events[1].metric",
        ),
        (
            json!({"user_id": viewer, "events": [good.clone(), event(&id, &"v".repeat(65), None)]}),
            "events[1].metric",
        ),
        (
            json!({"user_id": viewer, "events": [good.clone(), event(&id, "views", Some(0))]}),
            "events[1].delta",
        ),
        (
            json!({"user_id": viewer, "events": [good.clone(), {"metric": "views"}]}),
            "events[1].activity_id",
        ),
        (json!({"events": [good.clone()]}), "user_id"),
    ];
    for (body, field) in bad {
        let reply = app.server("POST", TRACK, Some(body)).await;
        let err = reply.expect_error(4, 400);
        assert!(
            err["exception_fields"].get(field).is_some(),
            "{field}: {err}"
        );
    }
    let reply = app
        .as_user(
            &viewer,
            "POST",
            TRACK,
            Some(json!({"user_id": unique("someone"), "events": [good]})),
        )
        .await;
    reply.expect_error(17, 403);
    assert_eq!(metrics_of(&app, &id).await, Value::Null);
}

/// Runs `checks` alone among this file's tests, then replaces the app's metrics
/// configuration with none (the defaults), whether or not the checks passed.
async fn changing_app_metrics(app: &TestApp, checks: impl std::future::Future<Output = ()>) {
    let _alone = APP_METRICS.write().await;
    let outcome = AssertUnwindSafe(checks).catch_unwind().await;
    app.server("PATCH", APP, Some(json!({"activity_metrics_config": {}})))
        .await
        .expect_ok();
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

async fn configured(app: &TestApp) -> Value {
    app.server("GET", APP, None).await.expect_ok()["app"]
        .get("activity_metrics_config")
        .cloned()
        .unwrap_or(Value::Null)
}

async fn track_as(app: &TestApp, user: &str, events: Value) -> Vec<Value> {
    app.server(
        "POST",
        TRACK,
        Some(json!({"user_id": user, "events": events})),
    )
    .await
    .expect_ok()["results"]
        .as_array()
        .unwrap()
        .clone()
}

fn allowed(results: &[Value]) -> Vec<bool> {
    results
        .iter()
        .map(|r| r["allowed"].as_bool().unwrap())
        .collect()
}

#[tokio::test]
async fn custom_metrics_add_override_and_disable_over_the_defaults() {
    let app = TestApp::spawn().await;
    let (_, id) = new_post(&app).await;
    let viewer = unique("viewer");
    let watched = unique("watched");
    changing_app_metrics(&app, async {
        let config = json!({watched.as_str(): 3, "views": 2, "clicks": 0});
        let reply = app
            .server(
                "PATCH",
                APP,
                Some(json!({"activity_metrics_config": config})),
            )
            .await;
        // Stream's `Response`: nothing but `duration`.
        let body = reply.expect_ok().as_object().unwrap().clone();
        assert_eq!(body.keys().collect::<Vec<_>>(), vec!["duration"]);
        assert_eq!(configured(&app).await, config);

        let m = Measure::start(&app);
        let r = track_as(
            &app,
            &viewer,
            json!([
                event(&id, &watched, Some(2)),
                event(&id, &watched, Some(2)),
                event(&id, &watched, None),
                event(&id, "views", Some(2)),
                event(&id, "views", None),
                event(&id, "clicks", None),
                event(&id, "impressions", Some(50)),
            ]),
        )
        .await;
        let cost = m.finish(1);
        println!(
            "track_activity_metrics (7 events, configured metrics): {:.1} RU, {:.1} WU, {:.0} round trips",
            cost.read_units, cost.write_units, cost.round_trips
        );
        // The custom metric counts up to its own limit, views to the overriding 2, clicks
        // is off (with an error saying so), impressions keeps its default 50.
        assert_eq!(
            allowed(&r),
            vec![true, false, true, true, false, false, true]
        );
        assert!(r[1].get("error").is_none_or(Value::is_null));
        assert!(r[4].get("error").is_none_or(Value::is_null));
        let disabled = r[5]["error"].as_str().expect("an error for clicks");
        assert!(
            disabled.contains("clicks") && disabled.contains("disabled"),
            "{disabled}"
        );
        assert_eq!(
            metrics_of(&app, &id).await,
            json!({watched.as_str(): 3, "views": 2, "impressions": 50})
        );

        // A new configuration replaces the old one: the custom metric is gone, the defaults
        // are back.
        app.server("PATCH", APP, Some(json!({"activity_metrics_config": {}})))
            .await
            .expect_ok();
        assert_eq!(configured(&app).await, json!({}));
        let r = track_as(
            &app,
            &viewer,
            json!([
                event(&id, &watched, None),
                event(&id, "clicks", Some(5)),
                event(&id, "views", Some(8)),
            ]),
        )
        .await;
        assert_eq!(allowed(&r), vec![false, true, true]);
        assert!(r[0]["error"]
            .as_str()
            .unwrap()
            .contains("not configured"));
        assert_eq!(
            metrics_of(&app, &id).await,
            json!({watched.as_str(): 3, "views": 10, "clicks": 5, "impressions": 50})
        );
    })
    .await;
}

#[tokio::test]
async fn bad_configurations_and_user_tokens_change_nothing() {
    let app = TestApp::spawn().await;
    let kept = unique("kept");
    changing_app_metrics(&app, async {
        let ten: serde_json::Map<String, Value> =
            (0..10).map(|i| (format!("custom_{i}"), json!(1))).collect();
        let mut ten_and_defaults = ten.clone();
        ten_and_defaults.insert("views".into(), json!(0));
        ten_and_defaults.insert("impressions".into(), json!(100));
        // Ten custom names are taken; defaults named beside them do not count.
        app.server(
            "PATCH",
            APP,
            Some(json!({"activity_metrics_config": ten_and_defaults})),
        )
        .await
        .expect_ok();
        assert_eq!(configured(&app).await, Value::Object(ten_and_defaults));

        let config = json!({kept.as_str(): 4});
        app.server(
            "PATCH",
            APP,
            Some(json!({"activity_metrics_config": config})),
        )
        .await
        .expect_ok();
        let mut eleven = ten.clone();
        eleven.insert("custom_10".into(), json!(1));
        let f = "activity_metrics_config";
        let bad = [
            (json!({f: eleven}), f.to_string()),
            (json!({f: {"bad name!": 1}}), format!("{f}.bad name!")),
            (
                json!({f: {"x".repeat(65): 1}}),
                format!("{f}.{}", "x".repeat(65)),
            ),
            (json!({f: {"shares": -1}}), format!("{f}.shares")),
            (json!({f: {"shares": 1.5}}), format!("{f}.shares")),
            (json!({f: {"shares": "2"}}), format!("{f}.shares")),
            (json!({f: [1]}), f.to_string()),
            (json!({f: 5}), f.to_string()),
            (
                json!({f: {"shares": 1}, "webhook_url": "https://example.com/hook"}),
                "webhook_url".to_string(),
            ),
            (
                json!({"max_aggregated_activities_length": 20}),
                "max_aggregated_activities_length".to_string(),
            ),
        ];
        for (body, field) in bad {
            let reply = app.server("PATCH", APP, Some(body.clone())).await;
            let err = reply.expect_error(4, 400);
            assert!(
                err["exception_fields"].get(&field).is_some(),
                "{field} for {body}: {err}"
            );
            if field == "webhook_url" {
                assert!(
                    err["message"].as_str().unwrap().contains("does not keep"),
                    "{err}"
                );
            }
            assert_eq!(configured(&app).await, config, "after {body}");
        }
        app.server("PATCH", APP, Some(json!([1])))
            .await
            .expect_error(4, 400);
        // Settings sent as null are not changes.
        app.server("PATCH", APP, Some(json!({"webhook_url": null, f: null})))
            .await
            .expect_ok();
        assert_eq!(configured(&app).await, config);

        let user = unique("user");
        app.as_user(
            &user,
            "PATCH",
            APP,
            Some(json!({"activity_metrics_config": {}})),
        )
        .await
        .expect_error(17, 403);
        assert_eq!(configured(&app).await, config);

        // The configuration in force is the one kept: the custom metric counts up to 4.
        let (_, id) = new_post(&app).await;
        let r = track_as(
            &app,
            &user,
            json!([event(&id, &kept, Some(4)), event(&id, &kept, None)]),
        )
        .await;
        assert_eq!(allowed(&r), vec![true, false]);
        assert_eq!(metrics_of(&app, &id).await, json!({kept.as_str(): 4}));
    })
    .await;
}
