//! What the permission work costs in DynamoDB capacity: read units, write units and round
//! trips of the reads and checks it added (the caller's standing on feeds, the `own_*`
//! fields, members, counts), each with a user token beside the same call by the server
//! (which skips the standing look-up), measured on DynamoDB Local through the real routers.
//!
//! Run with `scripts/bench permissions` (it starts DynamoDB Local and creates the table).

use serde_json::{json, Map, Value};
use tributary_integration_tests::{bench, server_token, unique, user_token, Measure, TestApp};

const BENCH: &str = "permissions";
const ROUNDS: usize = 20;
const ACTIVITIES: usize = 25;
const MEMBERS: usize = 50;
const FOLLOWERS: usize = 30;
const OWN_BATCH_FEEDS: usize = 100;

fn feed_path(fid: &str) -> String {
    let (group, id) = fid.split_once(':').expect("group:id");
    format!("/api/v2/feeds/feed_groups/{group}/feeds/{id}")
}

/// Prints one row: what a call of `name` cost, averaged over [`ROUNDS`] calls.
fn report(m: Measure<'_>, name: &str) {
    let c = m.finish(ROUNDS);
    println!(
        "{:<52} {:>9.2} {:>9.2} {:>12.2}",
        name, c.read_units, c.write_units, c.round_trips
    );
    bench::per_call(BENCH, name, &c);
}

/// Sends `ROUNDS` requests made by `request(i)` with `token`, expecting success each time,
/// and prints what they cost on average.
async fn measure(
    app: &TestApp,
    name: &str,
    token: &str,
    method: &str,
    mut request: impl FnMut(usize) -> (String, Option<Value>),
) {
    let m = Measure::start(app);
    for i in 0..ROUNDS {
        let (path, body) = request(i);
        let reply = app.send(method, &path, Some(token), body).await;
        assert!(
            (200..300).contains(&reply.status),
            "{name}: {method} {path} answered {}: {}",
            reply.status,
            reply.body
        );
    }
    report(m, name);
}

#[tokio::main]
async fn main() {
    let app = &TestApp::spawn().await;
    let server = server_token();
    let owner = unique("owner");
    let reader = unique("reader");
    let fid = format!("user:{owner}");
    let path = feed_path(&fid);

    // ---- setup --------------------------------------------------------------------------
    // Users: the owner, the reader and the members (so renders find them).
    let members: Vec<String> = (0..MEMBERS - 1)
        .map(|i| format!("{owner}-m{i}"))
        .chain([reader.clone()])
        .collect();
    let mut users = Map::new();
    for u in members.iter().chain([&owner]) {
        users.insert(u.clone(), json!({"id": u, "name": u}));
    }
    app.server("POST", "/api/v2/users", Some(json!({ "users": users })))
        .await
        .expect_ok();
    // The owner's feed: 25 activities, 50 members (the reader among them), 30 accepted
    // followers (the reader's timeline among them), and the owner's timeline following the
    // reader (so `own_followings` finds one).
    app.server("POST", &path, Some(json!({"user_id": owner, "limit": 0})))
        .await
        .expect_ok();
    let mut ids = Vec::new();
    for i in 0..ACTIVITIES {
        let a = app
            .add_activity(
                &owner,
                json!({"type": "post", "feeds": [fid], "text": format!("post {i}")}),
            )
            .await;
        ids.push(a["id"].as_str().expect("activity id").to_string());
    }
    for chunk in members.chunks(25) {
        let list: Vec<Value> = chunk.iter().map(|u| json!({"user_id": u})).collect();
        app.server(
            "PATCH",
            &format!("{path}/members"),
            Some(json!({"operation": "upsert", "members": list})),
        )
        .await
        .expect_ok();
    }
    app.follow(&format!("timeline:{reader}"), &fid, json!({}))
        .await;
    for i in 0..FOLLOWERS - 1 {
        app.follow(&format!("timeline:{owner}-fan{i}"), &fid, json!({}))
            .await;
    }
    app.follow(
        &format!("timeline:{owner}"),
        &format!("user:{reader}"),
        json!({}),
    )
    .await;
    // Feeds for own_batch, each owned by someone else.
    let batch_fids: Vec<String> = (0..OWN_BATCH_FEEDS)
        .map(|i| format!("user:{owner}-b{i}"))
        .collect();
    for (i, f) in batch_fids.iter().enumerate() {
        app.server(
            "POST",
            &feed_path(f),
            Some(json!({"user_id": format!("{owner}-b{i}"), "limit": 0})),
        )
        .await
        .expect_ok();
    }
    // Check the reads below see what they should.
    let read_body = json!({"limit": ACTIVITIES, "member_pagination": {"limit": 25}});
    let page = app
        .as_user(&reader, "POST", &path, Some(read_body.clone()))
        .await;
    let page = page.expect_ok();
    assert_eq!(page["activities"].as_array().unwrap().len(), ACTIVITIES);
    assert_eq!(page["members"].as_array().unwrap().len(), 25);
    let own = &page["feed"];
    assert!(
        own["own_capabilities"]
            .as_array()
            .is_some_and(|c| !c.is_empty()),
        "own_capabilities: {own}"
    );
    assert_eq!(
        own["own_follows"].as_array().map(Vec::len),
        Some(1),
        "{own}"
    );
    assert_eq!(
        own["own_followings"].as_array().map(Vec::len),
        Some(1),
        "{own}"
    );
    assert!(own["own_membership"].is_object(), "own_membership: {own}");

    let reader_token = user_token(&reader);
    let owner_token = user_token(&owner);

    println!(
        "DynamoDB capacity per call (mean of {ROUNDS} on DynamoDB Local): feed of {ACTIVITIES} \
         activities, {MEMBERS} members, {FOLLOWERS} followers"
    );
    println!(
        "{:<52} {:>9} {:>9} {:>12}",
        "operation", "read RU", "write WU", "round trips"
    );

    // ---- 1. feed read with the own fields and members ------------------------------------
    let read = |_| (path.clone(), Some(read_body.clone()));
    measure(
        app,
        "get_or_create read, user (member, own_*)",
        &reader_token,
        "POST",
        read,
    )
    .await;
    measure(
        app,
        "get_or_create read, server (no user_id)",
        &server,
        "POST",
        read,
    )
    .await;

    // ---- 2. own_batch ----------------------------------------------------------------
    for n in [1, 10, 100] {
        let body = json!({"feeds": &batch_fids[..n]});
        measure(
            app,
            &format!(
                "own_batch, user ({n} feed{})",
                if n == 1 { "" } else { "s" }
            ),
            &reader_token,
            "POST",
            |_| ("/api/v2/feeds/feeds/own/batch".into(), Some(body.clone())),
        )
        .await;
    }

    // ---- 3. members -------------------------------------------------------------------
    let query = |_| (format!("{path}/members/query"), Some(json!({"limit": 25})));
    measure(
        app,
        "query_feed_members (50, limit 25), user (owner)",
        &owner_token,
        "POST",
        query,
    )
    .await;
    measure(
        app,
        "query_feed_members (50, limit 25), server",
        &server,
        "POST",
        query,
    )
    .await;
    let upsert = |tag: &'static str| {
        let (owner, path) = (owner.clone(), path.clone());
        move |i: usize| {
            let list: Vec<Value> = (0..10)
                .map(|k| json!({"user_id": format!("{owner}-{tag}{i}x{k}")}))
                .collect();
            (
                format!("{path}/members"),
                Some(json!({"operation": "upsert", "members": list})),
            )
        }
    };
    measure(
        app,
        "update_feed_members upsert 10, user (owner)",
        &owner_token,
        "PATCH",
        upsert("u"),
    )
    .await;
    measure(
        app,
        "update_feed_members upsert 10, server",
        &server,
        "PATCH",
        upsert("s"),
    )
    .await;

    // ---- 4. counts ----------------------------------------------------------------------
    let counts = |_| (format!("{path}/counts"), None);
    measure(
        app,
        "get_feed_counts, user (member)",
        &reader_token,
        "GET",
        counts,
    )
    .await;
    measure(app, "get_feed_counts, server", &server, "GET", counts).await;

    // ---- 5. add_activity ------------------------------------------------------------
    let add = |with_user: bool| {
        let (owner, fid) = (owner.clone(), fid.clone());
        move |i: usize| {
            let mut body = json!({
                "type": "post", "feeds": [fid],
                "text": format!("benchmark activity {i} with a sentence of ordinary length"),
            });
            if with_user {
                body["user_id"] = json!(owner);
            }
            ("/api/v2/feeds/activities".to_string(), Some(body))
        }
    };
    measure(
        app,
        "add_activity (1 feed), user (own feed)",
        &owner_token,
        "POST",
        add(false),
    )
    .await;
    measure(
        app,
        "add_activity (1 feed), server",
        &server,
        "POST",
        add(true),
    )
    .await;

    // ---- 6. comments and reactions ------------------------------------------------------
    let comment = |with_user: bool| {
        let (ids, reader) = (ids.clone(), reader.clone());
        move |i: usize| {
            let mut body = json!({
                "object_id": ids[i], "object_type": "activity", "comment": format!("comment {i}")
            });
            if with_user {
                body["user_id"] = json!(reader);
            }
            ("/api/v2/feeds/comments".to_string(), Some(body))
        }
    };
    measure(
        app,
        "add_comment, user (member)",
        &reader_token,
        "POST",
        comment(false),
    )
    .await;
    measure(app, "add_comment, server", &server, "POST", comment(true)).await;
    let react = |kind: &'static str, with_user: bool| {
        let (ids, reader) = (ids.clone(), reader.clone());
        move |i: usize| {
            let mut body = json!({"type": kind});
            if with_user {
                body["user_id"] = json!(reader);
            }
            (
                format!("/api/v2/feeds/activities/{}/reactions", ids[i]),
                Some(body),
            )
        }
    };
    measure(
        app,
        "add_reaction, user (member)",
        &reader_token,
        "POST",
        react("like", false),
    )
    .await;
    measure(
        app,
        "add_reaction, server",
        &server,
        "POST",
        react("love", true),
    )
    .await;

    // ---- 7. query_follows ---------------------------------------------------------------
    let named = json!({"filter": {"target_feed": fid}, "limit": 25});
    measure(
        app,
        "query_follows target_feed=1 feed (limit 25), user",
        &reader_token,
        "POST",
        |_| ("/api/v2/feeds/follows/query".into(), Some(named.clone())),
    )
    .await;
    measure(
        app,
        "query_follows no filter (limit 25), server",
        &server,
        "POST",
        |_| {
            (
                "/api/v2/feeds/follows/query".into(),
                Some(json!({"limit": 25})),
            )
        },
    )
    .await;

    // ---- 8. feed visibilities ----------------------------------------------------------
    measure(
        app,
        "list feed_visibilities, server",
        &server,
        "GET",
        |_| ("/api/v2/feeds/feed_visibilities".into(), None),
    )
    .await;
}
