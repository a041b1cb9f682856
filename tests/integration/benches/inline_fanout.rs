//! What delivering to followers before a write answers costs: the latency of adding an
//! activity to a feed with N followers when the write delivers to all of them itself
//! (`INLINE_FANOUT` >= N) beside when it only queues the delivery (`INLINE_FANOUT=0`), with
//! the write units and round trips of each. The default threshold is read off this table:
//! the largest audience whose inline delivery keeps an add within about 3x the queued one.
//!
//! Run with `scripts/bench inline_fanout` (it starts DynamoDB Local and creates the table).

use std::time::Instant;

use serde_json::json;
use tributary_domain::model::follow::{Follow, FollowStatus};
use tributary_domain::time::now_nanos;
use tributary_integration_tests::{bench, server_token, unique, Measure, TestApp};

const BENCH: &str = "inline_fanout";
const ROUNDS: usize = 10;
const AUDIENCES: [usize; 6] = [0, 10, 50, 100, 250, 500];

/// A feed with `followers` accepted followers, written straight into the table.
async fn feed_with_followers(app: &TestApp, followers: usize) -> String {
    let owner = unique("inline");
    let fid = format!("user:{owner}");
    let body = json!({"type": "post", "feeds": [fid], "user_id": owner});
    let reply = app
        .server("POST", "/api/v2/feeds/activities", Some(body))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let now = now_nanos();
    let follows: Vec<Follow> = (0..followers)
        .map(|i| {
            Follow::new(
                &format!("timeline:{owner}-f{i}"),
                &fid,
                FollowStatus::Accepted,
                now,
            )
        })
        .collect();
    app.store.import_follows(&follows).await.expect("follows");
    app.store
        .bump_feed_counter(&fid, "follower_count", followers as i64)
        .await
        .expect("count");
    fid
}

/// Mean milliseconds, write units and round trips of one add.
async fn adds(app: &TestApp, fid: &str) -> (f64, f64, f64) {
    let owner = fid.split_once(':').unwrap().1;
    let token = server_token();
    let m = Measure::start(app);
    let started = Instant::now();
    for _ in 0..ROUNDS {
        let body = json!({"type": "post", "feeds": [fid], "user_id": owner});
        let reply = app
            .send("POST", "/api/v2/feeds/activities", Some(&token), Some(body))
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
    let ms = started.elapsed().as_secs_f64() * 1000.0 / ROUNDS as f64;
    let c = m.finish(ROUNDS);
    (ms, c.write_units, c.round_trips)
}

#[tokio::main]
async fn main() {
    let inline = TestApp::spawn_with_inline_fanout(usize::MAX).await;
    let queued = TestApp::spawn_with_inline_fanout(0).await;
    println!(
        "add_activity with N followers (mean of {ROUNDS} on DynamoDB Local): delivered before answering vs queued"
    );
    println!(
        "{:>9} {:>12} {:>9} {:>12} {:>12} {:>9} {:>12}",
        "followers", "inline ms", "WU", "round trips", "queued ms", "WU", "round trips"
    );
    for n in AUDIENCES {
        let fid = feed_with_followers(&inline, n).await;
        let (ims, iwu, irt) = adds(&inline, &fid).await;
        let (qms, qwu, qrt) = adds(&queued, &fid).await;
        println!("{n:>9} {ims:>12.1} {iwu:>9.1} {irt:>12.1} {qms:>12.1} {qwu:>9.1} {qrt:>12.1}");
        for (mode, ms, wu, rt) in [("inline", ims, iwu, irt), ("queued", qms, qwu, qrt)] {
            let row = format!("add_activity, {n} followers, {mode}");
            bench::row(
                BENCH,
                &row,
                &[
                    ("latency", ms, "ms"),
                    ("write units", wu, "WU"),
                    ("round trips", rt, "calls"),
                ],
            );
        }
    }
    // The queued deliveries still wait in the task queue: run them, so the table is left clean.
    queued.settle_fanout().await;
}
