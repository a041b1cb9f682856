//! What each activities operation costs in DynamoDB capacity: read units, write units and
//! round trips, measured on DynamoDB Local through the real router.
//!
//! Run with `scripts/bench` (it starts DynamoDB Local and creates the table).

use serde_json::{json, Value};
use tributary_integration_tests::{bench, unique, Measure, TestApp};

const BENCH: &str = "activities";
const ROUNDS: usize = 20;
const PATH: &str = "/api/v2/feeds/activities";

/// Prints one row: what a call of `name` cost, averaged over [`ROUNDS`] calls.
fn report(m: Measure<'_>, name: &str) {
    let c = m.finish(ROUNDS);
    println!(
        "{:<34} {:>10.2} {:>10.2} {:>12.2}",
        name, c.read_units, c.write_units, c.round_trips
    );
    bench::per_call(BENCH, name, &c);
}

#[tokio::main]
async fn main() {
    let app = TestApp::spawn().await;
    let user = unique("bench");
    app.upsert_user(&user, "Bench User").await;
    let fid = format!("user:{user}");
    let body = |i: usize| {
        json!({
            "type": "post", "feeds": [fid], "user_id": user,
            "text": format!("benchmark activity {i} with a sentence of ordinary length"),
            "custom": {"n": i, "topic": "benchmarks"}
        })
    };
    let item = |id: &str| format!("{PATH}/{id}");

    println!(
        "DynamoDB capacity per operation (mean of {ROUNDS} on DynamoDB Local; small text post)"
    );
    println!(
        "{:<34} {:>10} {:>10} {:>12}",
        "operation", "read RU", "write WU", "round trips"
    );

    let m = Measure::start(&app);
    let mut ids = Vec::new();
    for i in 0..ROUNDS {
        let reply = app.server("POST", PATH, Some(body(i))).await;
        ids.push(
            reply.expect_ok()["activity"]["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    report(m, "add_activity (1 feed)");

    let m = Measure::start(&app);
    for i in 0..ROUNDS {
        let mut b = body(i);
        b["feeds"] = json!([fid, format!("timeline:{user}"), format!("foryou:{user}")]);
        app.server("POST", PATH, Some(b)).await.expect_ok();
    }
    report(m, "add_activity (3 feeds)");

    let m = Measure::start(&app);
    for i in 0..ROUNDS {
        let mut b = body(i);
        b["parent_id"] = Value::String(ids[0].clone());
        app.server("POST", PATH, Some(b)).await.expect_ok();
    }
    report(m, "add_activity (share)");

    let m = Measure::start(&app);
    for id in &ids {
        app.server("GET", &item(id), None).await.expect_ok();
    }
    report(m, "get_activity");

    let m = Measure::start(&app);
    for id in &ids {
        app.server(
            "PUT",
            &item(id),
            Some(json!({"text": "updated", "custom": {"v": 2}})),
        )
        .await
        .expect_ok();
    }
    report(m, "update_activity (full)");

    let m = Measure::start(&app);
    for id in &ids {
        app.server(
            "PATCH",
            &item(id),
            Some(json!({"set": {"custom.color": "blue"}})),
        )
        .await
        .expect_ok();
    }
    report(m, "update_activity_partial");

    let m = Measure::start(&app);
    for id in &ids {
        app.server("DELETE", &item(id), None).await.expect_ok();
    }
    report(m, "delete_activity (soft)");

    let m = Measure::start(&app);
    for id in &ids {
        app.server("POST", &format!("{}/restore", item(id)), None)
            .await
            .expect_ok();
    }
    report(m, "restore_activity");

    let m = Measure::start(&app);
    for id in &ids {
        app.server("DELETE", &format!("{}?hard_delete=true", item(id)), None)
            .await
            .expect_ok();
    }
    report(m, "delete_activity (hard, 1 feed)");
}
