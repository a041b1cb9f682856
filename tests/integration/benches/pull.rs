//! Hybrid push/pull at scale: a feed with 1,000,000 followers (follow records written
//! straight into the table), what a post into it costs (write units and round trips, which
//! must not grow with its audience), and what a page of 25 costs a timeline that pulls 0, 1,
//! 5 and 20 large feeds beside a pure push read of a page of the same size. Then the figures
//! behind `PULL_FOLLOWER_THRESHOLD`'s default: what a pushed post costs per follower and how
//! fast the worker delivers it, against what one pulled feed adds to each read.
//!
//! Run with `scripts/bench pull` (it starts DynamoDB Local and creates the table);
//! `PULL_BENCH_FOLLOWERS` changes the large audience (default 1,000,000).

use std::time::Instant;

use futures::stream::{self, StreamExt};
use serde_json::json;
use tributary_domain::model::follow::{Follow, FollowStatus};
use tributary_domain::time::now_nanos;
use tributary_integration_tests::{bench, server_token, unique, Measure, TestApp};

const BENCH: &str = "pull";

const ROUNDS: usize = 10;
const PULLED: [usize; 4] = [0, 1, 5, 20];
/// Follow records per batch of the setup, and batches in flight.
const SETUP_CHUNK: usize = 1000;
const SETUP_CONCURRENCY: usize = 16;

/// `count` accepted followers of `fid`, written straight into the table, counted, and the
/// feed switched to pull as the worker's walk would leave it. Returns the seconds it took.
async fn followers(app: &TestApp, fid: &str, count: usize, pulled: bool) -> f64 {
    let started = Instant::now();
    // The feed itself exists (its first post creates it), as a follow reads it.
    add(app, fid.split_once(':').unwrap().1, fid).await;
    let now = now_nanos();
    let chunks: Vec<(usize, usize)> = (0..count)
        .step_by(SETUP_CHUNK)
        .map(|s| (s, (s + SETUP_CHUNK).min(count)))
        .collect();
    stream::iter(chunks)
        .map(|(from, to)| async move {
            let follows: Vec<Follow> = (from..to)
                .map(|i| {
                    Follow::new(
                        &format!("timeline:fan{i}"),
                        fid,
                        FollowStatus::Accepted,
                        now,
                    )
                })
                .collect();
            app.store.import_follows(&follows).await.expect("follows");
        })
        .buffer_unordered(SETUP_CONCURRENCY)
        .collect::<Vec<()>>()
        .await;
    app.store
        .bump_feed_counter(fid, "follower_count", count as i64)
        .await
        .expect("count");
    if pulled {
        app.store
            .set_pull_since(fid, now)
            .await
            .expect("pull_since");
    }
    started.elapsed().as_secs_f64()
}

async fn add(app: &TestApp, user: &str, fid: &str) {
    let body = json!({"type": "post", "feeds": [fid], "user_id": user});
    let reply = app
        .send(
            "POST",
            "/api/v2/feeds/activities",
            Some(&server_token()),
            Some(body),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
}

/// Mean write units, round trips, sequential round trips and ms of one post into `fid`.
async fn posts(app: &TestApp, fid: &str) -> (f64, f64, f64, f64) {
    let user = fid.split_once(':').unwrap().1;
    let m = Measure::start(app);
    let started = Instant::now();
    for _ in 0..ROUNDS {
        add(app, user, fid).await;
    }
    let ms = started.elapsed().as_secs_f64() * 1000.0 / ROUNDS as f64;
    let c = m.finish(ROUNDS);
    (c.write_units, c.round_trips, c.sequential, ms)
}

/// Mean read units, round trips, sequential round trips and ms of the newest page of 25.
async fn reads(app: &TestApp, fid: &str) -> (f64, f64, f64, f64, usize) {
    let shown = app.read_feed(fid, json!({"limit": 25})).await["activities"]
        .as_array()
        .unwrap()
        .len();
    let m = Measure::start(app);
    let started = Instant::now();
    for _ in 0..ROUNDS {
        app.read_feed(fid, json!({"limit": 25})).await;
    }
    let ms = started.elapsed().as_secs_f64() * 1000.0 / ROUNDS as f64;
    let c = m.finish(ROUNDS);
    (c.read_units, c.round_trips, c.sequential, ms, shown)
}

#[tokio::main]
async fn main() {
    let audience: usize = std::env::var("PULL_BENCH_FOLLOWERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let app = &TestApp::spawn_with_pull_threshold(Some(
        tributary_http::config::DEFAULT_PULL_FOLLOWER_THRESHOLD,
    ))
    .await;

    // --- posts into a large feed -----------------------------------------------------
    let big = format!("user:{}", unique("big"));
    let secs = followers(app, &big, audience, true).await;
    bench::figure(
        BENCH,
        "setup: follow records written per second",
        audience as f64 / secs,
        "1/s",
    );
    println!(
        "setup: {audience} follow records written with BatchWriteItem ({SETUP_CONCURRENCY} batches of 25 in flight) in {secs:.1} s ({:.0}/s)",
        audience as f64 / secs
    );
    let small = format!("user:{}", unique("small"));
    followers(app, &small, 1_000, true).await;
    println!("\npost into a pulled feed (mean of {ROUNDS}, DynamoDB Local)");
    println!(
        "{:>10} {:>8} {:>12} {:>11} {:>8}",
        "followers", "WU", "round trips", "sequential", "ms"
    );
    for (n, fid) in [(1_000, &small), (audience, &big)] {
        let (wu, rt, seq, ms) = posts(app, fid).await;
        println!("{n:>10} {wu:>8.1} {rt:>12.1} {seq:>11.1} {ms:>8.1}");
        bench::row(
            BENCH,
            &format!("post, {n} followers"),
            &[
                ("write units", wu, "WU"),
                ("round trips", rt, "calls"),
                ("sequential round trips", seq, "calls"),
                ("latency", ms, "ms"),
            ],
        );
    }
    app.settle_fanout().await;

    // --- reads of timelines pulling 0, 1, 5, 20 large feeds --------------------------
    // 20 large feeds and one small pushed one post in turn, so pages interleave them.
    let stars: Vec<String> = (0..20)
        .map(|i| format!("user:{}", unique(&format!("star{i}"))))
        .collect();
    for s in &stars {
        followers(app, s, 10, true).await;
        // Counted as large: a follow from a flat feed pulls it.
        app.store
            .bump_feed_counter(
                s,
                "follower_count",
                tributary_http::config::DEFAULT_PULL_FOLLOWER_THRESHOLD,
            )
            .await
            .unwrap();
    }
    // Pushed feeds posting alongside them: the push baselines follow as many feeds.
    let minors: Vec<String> = (0..20)
        .map(|i| format!("user:{}", unique(&format!("minor{i}"))))
        .collect();
    for m in &minors {
        followers(app, m, 10, false).await;
    }
    let friend = format!("user:{}", unique("friend"));
    let mut timelines = Vec::new();
    for k in PULLED {
        let push = format!("timeline:{}", unique(&format!("push{k}")));
        let pull = format!("timeline:{}", unique(&format!("pull{k}")));
        app.follow(&push, &friend, json!({})).await;
        app.follow(&pull, &friend, json!({})).await;
        for (s, m) in stars.iter().zip(&minors).take(k) {
            app.follow(&pull, s, json!({"activity_copy_limit": 0}))
                .await;
            app.follow(&push, m, json!({"activity_copy_limit": 0}))
                .await;
        }
        let pulled = app
            .store
            .get_feed(&pull)
            .await
            .unwrap()
            .unwrap()
            .pulled
            .len();
        assert_eq!(pulled, k, "{pull} pulls {k} feeds");
        assert!(app
            .store
            .get_feed(&push)
            .await
            .unwrap()
            .unwrap()
            .pulled
            .is_empty());
        timelines.push((k, push, pull));
    }
    for round in 0..30 {
        add(app, friend.split_once(':').unwrap().1, &friend).await;
        if round % 2 == 0 {
            for (s, m) in stars.iter().zip(&minors) {
                add(app, s.split_once(':').unwrap().1, s).await;
                add(app, m.split_once(':').unwrap().1, m).await;
            }
        }
    }
    app.settle_fanout().await;
    println!(
        "\nnewest page of 25 (mean of {ROUNDS}, as the server): a timeline following 1 + k feeds,"
    );
    println!("k of them large and pulled, beside one following 1 + k feeds that all push");
    println!(
        "{:>4} {:>8} {:>6} {:>6} {:>8} {:>8} {:>6} {:>6} {:>8} {:>8}",
        "k", "push RU", "calls", "seq", "ms", "pull RU", "calls", "seq", "ms", "RU x"
    );
    for (k, push, pull) in &timelines {
        let (pru, prt, pseq, pms, pshown) = reads(app, push).await;
        let (ru, rt, seq, ms, shown) = reads(app, pull).await;
        assert_eq!((pshown, shown), (25, 25));
        println!(
            "{k:>4} {pru:>8.1} {prt:>6.1} {pseq:>6.1} {pms:>8.1} {ru:>8.1} {rt:>6.1} {seq:>6.1} {ms:>8.1} {:>8.2}",
            ru / pru
        );
        for (mode, ru, rt, seq, ms) in [("push", pru, prt, pseq, pms), ("pull", ru, rt, seq, ms)] {
            bench::row(
                BENCH,
                &format!("page of 25, {k} large feeds, {mode}"),
                &[
                    ("read units", ru, "RU"),
                    ("round trips", rt, "calls"),
                    ("sequential round trips", seq, "calls"),
                    ("latency", ms, "ms"),
                ],
            );
        }
    }

    // --- the threshold ------------------------------------------------------------------
    // Push: one post delivered to N followers by the worker (writes and wall time).
    println!("\npush: one post delivered to N followers through the task worker");
    println!(
        "{:>10} {:>10} {:>9} {:>14}",
        "followers", "WU", "seconds", "deliveries/s"
    );
    let pusher = TestApp::spawn_with_pull_threshold(None).await;
    for n in [1_000usize, 10_000] {
        let fid = format!("user:{}", unique("pushed"));
        followers(&pusher, &fid, n, false).await;
        let m = Measure::start(&pusher);
        let started = Instant::now();
        add(&pusher, fid.split_once(':').unwrap().1, &fid).await;
        pusher.settle_fanout().await;
        let secs = started.elapsed().as_secs_f64();
        let c = m.finish(1);
        println!(
            "{n:>10} {:>10.0} {secs:>9.2} {:>14.0}",
            c.write_units,
            n as f64 / secs
        );
        bench::row(
            BENCH,
            &format!("pushed post, {n} followers"),
            &[
                ("write units", c.write_units, "WU"),
                ("delivery time", secs, "s"),
            ],
        );
    }
}
