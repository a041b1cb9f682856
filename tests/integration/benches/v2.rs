//! What each v2 request costs in DynamoDB capacity: read units, write units and round trips,
//! measured on DynamoDB Local through the v2 routers (mean of several calls each).
//!
//! Run with `scripts/bench v2` (it starts DynamoDB Local and creates the table).

use serde_json::{json, Value};
use tributary_integration_tests::{bench, unique, v2_server_token, Measure, TestApp};

const BENCH: &str = "v2";
const ROUNDS: usize = 10;

fn feed(fid: &str) -> String {
    let (g, id) = fid.split_once(':').unwrap();
    format!("/api/v1.0/feed/{g}/{id}/")
}

/// Sends `ROUNDS` requests made by `request(i)` and prints what one cost on average.
async fn measure(
    app: &TestApp,
    name: &str,
    method: &str,
    mut request: impl FnMut(usize) -> (String, Option<Value>),
) {
    let token = v2_server_token();
    let m = Measure::start(app);
    for i in 0..ROUNDS {
        let (path, body) = request(i);
        let reply = app.v2(method, &path, &token, body).await;
        assert!(
            (200..300).contains(&reply.status),
            "{name}: {method} {path} answered {}: {}",
            reply.status,
            reply.body
        );
    }
    let c = m.finish(ROUNDS);
    println!(
        "{:<56} {:>9.2} {:>9.2} {:>12.2}",
        name, c.read_units, c.write_units, c.round_trips
    );
    bench::per_call(BENCH, name, &c);
}

fn activity(i: usize) -> Value {
    json!({"actor": "bench", "verb": "post", "object": format!("o{i}"), "n": i})
}

#[tokio::main]
async fn main() {
    let app = &TestApp::spawn().await;
    println!(
        "v2 DynamoDB capacity per call (mean of {ROUNDS} on DynamoDB Local; 10 followers where followed)"
    );
    println!(
        "{:<56} {:>9} {:>9} {:>12}",
        "call", "RU", "WU", "round trips"
    );
    let user = format!("user:{}", unique("v2b"));
    // Ten followers, delivered to before each add answers.
    for f in 0..10 {
        let (g, id) = ("timeline", format!("{}-{f}", unique("v2f")));
        let reply = app
            .v2(
                "POST",
                &format!("/api/v1.0/feed/{g}/{id}/follows/"),
                &v2_server_token(),
                Some(json!({"target": user, "activity_copy_limit": 0})),
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
    measure(app, "add an activity (10 followers)", "POST", |i| {
        (feed(&user), Some(activity(i)))
    })
    .await;
    measure(app, "add an activity with foreign_id + time", "POST", |i| {
        let mut a = activity(i);
        a["foreign_id"] = json!(format!("post:{i}"));
        a["time"] = json!("2024-05-01T10:00:00.000000");
        (feed(&user), Some(a))
    })
    .await;
    measure(app, "add a batch of 10 activities", "POST", |i| {
        let list: Vec<Value> = (0..10).map(|j| activity(i * 10 + j)).collect();
        (feed(&user), Some(json!({ "activities": list })))
    })
    .await;
    measure(app, "read a page of 25", "GET", |_| {
        (format!("{}?limit=25", feed(&user)), None)
    })
    .await;
    measure(app, "read a page of 25 with offset 25", "GET", |_| {
        (format!("{}?limit=25&offset=25", feed(&user)), None)
    })
    .await;
    let agg = format!("aggregated:{}", unique("v2b"));
    for i in 0..30 {
        let reply = app
            .v2("POST", &feed(&agg), &v2_server_token(), Some(activity(i)))
            .await;
        assert_eq!(reply.status, 200);
    }
    measure(
        app,
        "read an aggregated feed (25 groups max)",
        "GET",
        |_| (format!("{}?limit=25", feed(&agg)), None),
    )
    .await;
    let flat = format!("flat:{}", unique("v2b"));
    let (fg, fi) = flat.split_once(':').unwrap();
    let follows = format!("/api/v1.0/feed/{fg}/{fi}/follows/");
    let targets: Vec<String> = (0..ROUNDS)
        .map(|_| format!("user:{}", unique("v2t")))
        .collect();
    measure(app, "follow (copy limit 0)", "POST", |i| {
        (
            follows.clone(),
            Some(json!({"target": targets[i], "activity_copy_limit": 0})),
        )
    })
    .await;
    measure(app, "list following (10)", "GET", |_| {
        (follows.clone(), None)
    })
    .await;
    measure(app, "unfollow", "DELETE", |i| {
        (format!("{follows}{}/", targets[i]), Some(json!({})))
    })
    .await;
    let page = app
        .v2(
            "GET",
            &format!("{}?limit=10", feed(&user)),
            &v2_server_token(),
            None,
        )
        .await;
    let ids: Vec<String> = page.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect();
    let joined = ids.join(",");
    measure(app, "get 10 activities by id", "GET", |_| {
        (format!("/api/v1.0/activities/?ids={joined}"), None)
    })
    .await;
    measure(app, "partial update by id (set one field)", "POST", |i| {
        let change = json!({"id": ids[i % ids.len()], "set": {"n": i}, "unset": []});
        (
            "/api/v1.0/activity/".to_string(),
            Some(json!({"changes": [change]})),
        )
    })
    .await;
    let liked = &ids[0];
    measure(app, "add a reaction (like, a new user each)", "POST", |i| {
        let body = json!({"kind": "like", "activity_id": liked, "user_id": format!("liker-{i}")});
        ("/api/v1.0/reaction/".to_string(), Some(body))
    })
    .await;
    measure(app, "add a reaction (comment)", "POST", |i| {
        let body = json!({"kind": "comment", "activity_id": liked, "user_id": "bench",
            "data": {"text": format!("c{i}")}});
        ("/api/v1.0/reaction/".to_string(), Some(body))
    })
    .await;
    measure(
        app,
        "filter an activity's reactions (limit 10)",
        "GET",
        |_| {
            (
                format!("/api/v1.0/reaction/activity_id/{liked}/?limit=10"),
                None,
            )
        },
    )
    .await;
    let users: Vec<String> = (0..ROUNDS).map(|_| unique("v2u")).collect();
    measure(app, "add a user", "POST", |i| {
        let body = json!({"id": users[i], "data": {"name": "Bench"}});
        (
            "/api/v1.0/user/?get_or_create=False".to_string(),
            Some(body),
        )
    })
    .await;
    measure(app, "get a user with follow counts", "GET", |i| {
        (
            format!("/api/v1.0/user/{}/?with_follow_counts=True", users[i]),
            None,
        )
    })
    .await;
    let things: Vec<String> = (0..ROUNDS).map(|_| unique("thing")).collect();
    measure(app, "add a collection object", "POST", |i| {
        let body = json!({"id": things[i], "data": {"name": "pizza"}});
        ("/api/v1.0/collections/food/".to_string(), Some(body))
    })
    .await;
    measure(app, "get a collection object", "GET", |i| {
        (format!("/api/v1.0/collections/food/{}/", things[i]), None)
    })
    .await;
    let enriched = format!("user:{}", unique("v2e"));
    for i in 0..25 {
        let a = json!({"actor": format!("SU:{}", users[i % ROUNDS]), "verb": "eat",
            "object": format!("SO:food:{}", things[i % ROUNDS])});
        let reply = app
            .v2("POST", &feed(&enriched), &v2_server_token(), Some(a))
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
    }
    let (eg, ei) = enriched.split_once(':').unwrap();
    measure(
        app,
        "enriched page of 25 (users, objects, reactions)",
        "GET",
        |_| {
            let q = "limit=25&withRecentReactions=True&withReactionCounts=True";
            (format!("/api/v1.0/enrich/feed/{eg}/{ei}/?{q}"), None)
        },
    )
    .await;
    measure(app, "remove an activity by foreign_id", "DELETE", |i| {
        (
            format!("{}post:{i}/?foreign_id=1", feed(&user)),
            Some(json!({})),
        )
    })
    .await;
}
