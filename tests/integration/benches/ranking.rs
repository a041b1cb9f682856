//! What a ranked read costs beside a time-ordered one: pages of 25 from feeds of 25, 200
//! and 1,000 activities, read in time order and ranked by an expression group
//! (`decay_linear(time) * popularity ^ 0.5`), on DynamoDB Local. A ranked read scores the
//! newest `tributary_core::ranked::WINDOW` activities, so its cost stops growing there.
//!
//! Run with `scripts/bench ranking`.

use std::time::{Duration, Instant};

use serde_json::json;
use tributary_core::ranked::WINDOW;
use tributary_integration_tests::{bench, unique, Measure, TestApp};

const BENCH: &str = "ranking";
const SAMPLES: usize = 30;
const PAGE: usize = 25;

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() {
    let app = TestApp::spawn().await;
    let ranked = unique("benchrank").replace('-', "_");
    app.server(
        "POST",
        "/api/v2/feeds/feed_groups",
        Some(json!({"id": ranked, "ranking": {"type": "expression",
            "score": "decay_linear(time) * popularity ^ 0.5", "defaults": {"popularity": 1}}})),
    )
    .await
    .expect_ok();
    println!("Pages of {PAGE}: time order beside ranked (window {WINDOW}), {SAMPLES} reads each");
    for size in [PAGE, 200, 1000] {
        let owner = unique("owner");
        let (flat, rank) = (format!("user:{owner}"), format!("{ranked}:{owner}"));
        for i in 0..size {
            app.add_activity(
                &owner,
                json!({"type": "post", "feeds": [flat, rank], "text": format!("post {i}"),
                       "custom": {"n": i}}),
            )
            .await;
        }
        for (label, fid) in [("time order", &flat), ("ranked", &rank)] {
            let body = json!({"limit": PAGE, "enrichment_options": {"skip_all": true},
                "followers_pagination": {"limit": 0}, "following_pagination": {"limit": 0}});
            let measure = Measure::start(&app);
            let mut times = Vec::with_capacity(SAMPLES);
            for _ in 0..SAMPLES {
                let t = Instant::now();
                let page = app.read_feed(fid, body.clone()).await;
                times.push(t.elapsed());
                assert_eq!(page["activities"].as_array().unwrap().len(), PAGE);
            }
            let per = measure.finish(SAMPLES);
            times.sort();
            println!(
                "{size:>5} activities  {label:<10} {:>6.1} RU  {:>4.1} round trips  p50 {:>6.2} ms  p99 {:>6.2} ms",
                per.read_units,
                per.round_trips,
                percentile(&times, 0.5),
                percentile(&times, 0.99)
            );
            let row = format!("{size} activities, {label}");
            bench::per_call(BENCH, &row, &per);
            bench::row(
                BENCH,
                &row,
                &[
                    ("p50", percentile(&times, 0.5), "ms"),
                    ("p99", percentile(&times, 0.99), "ms"),
                ],
            );
        }
    }
}
