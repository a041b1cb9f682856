//! What enriching a feed page costs: 25 activities that each have 100 reactions and 20
//! comments, read with everything (latest comments, reactions, the reader's own reactions,
//! users) and read bare (`enrichment_options.skip_all`), on DynamoDB Local.
//!
//! Run with `scripts/bench enrich`.

use std::time::{Duration, Instant};

use serde_json::json;
use tributary_domain::model::comment::Comment;
use tributary_domain::model::reaction::Reaction;
use tributary_domain::time::now_nanos;
use tributary_integration_tests::{bench, unique, TestApp};

const BENCH: &str = "enrich";
const ACTIVITIES: usize = 25;
const REACTIONS: usize = 100;
const COMMENTS: usize = 20;
const SAMPLES: usize = 100;

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() {
    let app = TestApp::spawn().await;
    let author = unique("author");
    let fid = format!("user:{author}");
    let reactors: Vec<String> = (0..REACTIONS).map(|i| format!("{author}-fan{i}")).collect();
    let mut ids = Vec::new();
    for i in 0..ACTIVITIES {
        let a = app
            .add_activity(
                &author,
                json!({"type": "post", "feeds": [fid], "text": format!("post {i}")}),
            )
            .await;
        ids.push(a["id"].as_str().unwrap().to_string());
    }
    for id in &ids {
        for (i, user) in reactors.iter().enumerate() {
            let now = now_nanos();
            let kind = if i % 3 == 0 { "love" } else { "like" };
            let r = Reaction {
                activity_id: id.clone(),
                comment_id: None,
                user_id: user.clone(),
                kind: kind.into(),
                custom: Default::default(),
                created_at: now,
                updated_at: now,
            };
            app.store.add_reaction(&r).await.expect("react");
        }
        for (i, commenter) in reactors.iter().take(COMMENTS).enumerate() {
            let now = now_nanos();
            let c = Comment::new(
                unique("c"),
                ("activity".into(), id.clone()),
                commenter.clone(),
                Some(format!("comment {i}")),
                now,
            );
            app.store
                .create_comment(&c)
                .await
                .expect("comment")
                .expect("created");
        }
        // Keep the newest-lists short, as the endpoints do.
        let a = app.store.get_activity(id).await.unwrap().unwrap();
        app.store
            .trim_activity_list(id, "latest_reactions", 10, a.latest_reactions.len())
            .await
            .unwrap();
        app.store
            .trim_activity_list(id, "latest_comment_ids", 10, a.latest_comment_ids.len())
            .await
            .unwrap();
    }
    let reader = reactors[0].clone();
    println!("A page of {ACTIVITIES} activities, each with {REACTIONS} reactions and {COMMENTS} comments ({SAMPLES} reads each)");
    for (label, options) in [
        ("enriched", json!({})),
        ("unenriched", json!({"skip_all": true})),
    ] {
        let body = json!({
            "limit": ACTIVITIES, "user_id": reader, "enrichment_options": options,
            "followers_pagination": {"limit": 0}, "following_pagination": {"limit": 0}
        });
        let before = app.store.meter().snapshot();
        let mut times = Vec::with_capacity(SAMPLES);
        for _ in 0..SAMPLES {
            let t = Instant::now();
            let page = app.read_feed(&fid, body.clone()).await;
            times.push(t.elapsed());
            let first = &page["activities"][0];
            assert_eq!(first["reaction_count"], REACTIONS as i64);
            if label == "enriched" {
                assert_eq!(first["comments"].as_array().unwrap().len(), 5);
                assert_eq!(first["own_reactions"].as_array().unwrap().len(), 1);
            }
        }
        let spent = app.store.meter().snapshot() - before;
        times.sort();
        let n = SAMPLES as f64;
        println!(
            "{label:<11} {:.2} RU  {:.2} round trips  p50 {:.2} ms  p99 {:.2} ms",
            spent.read_units / n,
            spent.round_trips as f64 / n,
            percentile(&times, 0.5),
            percentile(&times, 0.99)
        );
        let row = format!("page of {ACTIVITIES}, {label}");
        bench::row(
            BENCH,
            &row,
            &[
                ("read units", spent.read_units / n, "RU"),
                ("round trips", spent.round_trips as f64 / n, "calls"),
                (
                    "sequential round trips",
                    spent.sequential as f64 / n,
                    "calls",
                ),
                ("p50", percentile(&times, 0.5), "ms"),
                ("p99", percentile(&times, 0.99), "ms"),
            ],
        );
    }
}
