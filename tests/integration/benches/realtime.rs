//! What the realtime API costs in DynamoDB units, on DynamoDB Local: signing a connection in
//! (`$connect` and the client's first message), a watched read beside the same read
//! unwatched, delivering one activity's event to a feed with 1 and 10 watchers and through
//! 10 and 100 followers' feeds, and closing a connection. Frames go to a recording stand-in
//! for API Gateway's management API.
//!
//! Run with `scripts/bench realtime`.

use serde_json::json;
use tributary_integration_tests::realtime::{connect, ws_event, Endpoint};
use tributary_integration_tests::{bench, unique, Measure, PerCall, TestApp};
use tributary_tasks::realtime;

const BENCH: &str = "realtime";
const SAMPLES: usize = 20;

fn line(label: &str, per: &PerCall) {
    println!(
        "{label:<46} {:>6.1} RU  {:>6.1} WU  {:>5.1} round trips",
        per.read_units, per.write_units, per.round_trips
    );
    bench::per_call(BENCH, label, per);
}

async fn watched_read(app: &TestApp, user: &str, fid: &str, connection: Option<&str>) {
    let (group, id) = fid.split_once(':').unwrap();
    let (query, body) = match connection {
        Some(c) => (
            format!("?connection_id={c}"),
            json!({"watch": true, "limit": 10}),
        ),
        None => (String::new(), json!({"limit": 10})),
    };
    app.as_user(
        user,
        "POST",
        &format!("/api/v2/feeds/feed_groups/{group}/feeds/{id}{query}"),
        Some(body),
    )
    .await
    .expect_ok();
}

#[tokio::main]
async fn main() {
    let (_endpoint, url) = Endpoint::spawn().await;
    let app = TestApp::spawn_with_realtime(&url).await;
    let rt = app.realtime.clone().unwrap();
    println!("Realtime, mean of {SAMPLES} calls each");

    let users: Vec<String> = (0..SAMPLES).map(|_| unique("rt")).collect();
    let m = Measure::start(&app);
    let mut connections = Vec::new();
    for u in &users {
        connections.push(connect(&app, u, "Name").await);
    }
    line(
        "sign in ($connect + first message, new user)",
        &m.finish(SAMPLES),
    );
    // The first read creates the feed; the measured ones read it.
    for u in &users {
        watched_read(&app, u, &format!("user:{u}"), None).await;
    }
    let m = Measure::start(&app);
    for u in &users {
        watched_read(&app, u, &format!("user:{u}"), None).await;
    }
    let plain = m.finish(SAMPLES);
    line("feed read (10 activities), not watched", &plain);
    let m = Measure::start(&app);
    for (u, c) in users.iter().zip(&connections) {
        watched_read(&app, u, &format!("user:{u}"), Some(c)).await;
    }
    line("the same read, watched", &m.finish(SAMPLES));

    // Event delivery: the worker's part, for one activity.
    for (watchers, followers) in [(1, 0), (10, 0), (1, 10), (1, 100)] {
        let author = unique("author");
        let fid = format!("user:{author}");
        for _ in 0..watchers {
            let viewer = unique("viewer");
            let c = connect(&app, &viewer, "V").await;
            app.store
                .watch(
                    &tributary_store::Connection {
                        id: c,
                        user_id: viewer,
                    },
                    &fid,
                )
                .await
                .unwrap();
        }
        for _ in 0..followers {
            app.follow(&format!("timeline:{}", unique("f")), &fid, json!({}))
                .await;
        }
        app.settle_fanout().await;
        // The worker's delivery of one activity's event, run directly.
        let added = app.post(&author).await;
        let activity = app
            .store
            .get_activity(added["id"].as_str().unwrap())
            .await
            .unwrap()
            .unwrap();
        app.settle_fanout().await;
        let tasks = realtime::activity_events("feeds.activity.added", &activity, json!({}));
        let publisher = app.publisher.as_ref();
        let m = Measure::start(&app);
        for _ in 0..SAMPLES {
            for task in &tasks {
                realtime::run(&app.store, &app.queue, publisher, task)
                    .await
                    .unwrap();
            }
        }
        let delivery = m.finish(SAMPLES);
        line(
            &format!("deliver an activity: {watchers} watcher(s), {followers} followers"),
            &delivery,
        );
    }

    let m = Measure::start(&app);
    for c in &connections {
        rt.handle(ws_event("$disconnect", c, json!({}), None)).await;
    }
    line(
        "close a connection that watched one feed",
        &m.finish(SAMPLES),
    );
}
