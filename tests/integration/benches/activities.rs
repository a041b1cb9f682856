//! What each activities operation costs in DynamoDB capacity: read units, write units and
//! round trips, measured on DynamoDB Local through the real router.
//!
//! Run with `scripts/bench` (it starts DynamoDB Local and creates the table).

use serde_json::{json, Value};
use tributary_integration_tests::{unique, TestApp};
use tributary_store::CapacitySnapshot;

const ROUNDS: usize = 20;
const PATH: &str = "/api/v2/feeds/activities";

/// The capacity spent between `start` and `finish`, averaged over the rounds run.
struct Measure<'a> {
    app: &'a TestApp,
    before: CapacitySnapshot,
}

impl<'a> Measure<'a> {
    fn start(app: &'a TestApp) -> Self {
        Measure {
            app,
            before: app.store.meter().snapshot(),
        }
    }

    fn finish(self, name: &str) {
        let spent = self.app.store.meter().snapshot() - self.before;
        let n = ROUNDS as f64;
        println!(
            "{:<34} {:>10.2} {:>10.2} {:>12.2}",
            name,
            spent.read_units / n,
            spent.write_units / n,
            spent.round_trips as f64 / n
        );
    }
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
    m.finish("add_activity (1 feed)");

    let m = Measure::start(&app);
    for i in 0..ROUNDS {
        let mut b = body(i);
        b["feeds"] = json!([fid, format!("timeline:{user}"), format!("foryou:{user}")]);
        app.server("POST", PATH, Some(b)).await.expect_ok();
    }
    m.finish("add_activity (3 feeds)");

    let m = Measure::start(&app);
    for i in 0..ROUNDS {
        let mut b = body(i);
        b["parent_id"] = Value::String(ids[0].clone());
        app.server("POST", PATH, Some(b)).await.expect_ok();
    }
    m.finish("add_activity (share)");

    let m = Measure::start(&app);
    for id in &ids {
        app.server("GET", &item(id), None).await.expect_ok();
    }
    m.finish("get_activity");

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
    m.finish("update_activity (full)");

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
    m.finish("update_activity_partial");

    let m = Measure::start(&app);
    for id in &ids {
        app.server("DELETE", &item(id), None).await.expect_ok();
    }
    m.finish("delete_activity (soft)");

    let m = Measure::start(&app);
    for id in &ids {
        app.server("POST", &format!("{}/restore", item(id)), None)
            .await
            .expect_ok();
    }
    m.finish("restore_activity");

    let m = Measure::start(&app);
    for id in &ids {
        app.server("DELETE", &format!("{}?hard_delete=true", item(id)), None)
            .await
            .expect_ok();
    }
    m.finish("delete_activity (hard, 1 feed)");
}
