//! `query_activity_shares`: the activities sharing an activity, newest first, with cursors
//! both ways; deleted and private shares left out; the parent's own read rules; bad input,
//! against DynamoDB Local.

use serde_json::{json, Value};
use tributary_integration_tests::{unique, Measure, TestApp};

fn shares_path(id: &str, query: &str) -> String {
    format!("/api/v2/feeds/activities/{id}/shares?{query}")
}

fn share_ids(reply: &Value) -> Vec<String> {
    reply["shares"]
        .as_array()
        .expect("shares")
        .iter()
        .map(|s| s["activity_id"].as_str().expect("activity_id").to_string())
        .collect()
}

async fn share(app: &TestApp, user: &str, parent: &str, extra: Value) -> String {
    let mut body = json!({"type": "share", "feeds": [format!("user:{user}")], "parent_id": parent});
    if let (Value::Object(b), Value::Object(e)) = (&mut body, extra) {
        b.extend(e);
    }
    app.add_activity(user, body).await["id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn shares_are_listed_newest_first_and_paged() {
    let app = TestApp::spawn().await;
    let author = unique("author");
    app.upsert_user(&author, "Author").await;
    let parent = app.post(&author).await["id"].as_str().unwrap().to_string();
    let mut sharers = Vec::new();
    let mut shares = Vec::new();
    for i in 0..5 {
        let u = unique(&format!("sharer{i}"));
        app.upsert_user(&u, &format!("Sharer {i}")).await;
        let m = Measure::start(&app);
        shares.push(share(&app, &u, &parent, json!({})).await);
        if i == 0 {
            let cost = m.finish(1);
            println!(
                "add_activity (a share, entry under its parent): {:.1} RU, {:.1} WU, {:.0} round trips",
                cost.read_units, cost.write_units, cost.round_trips
            );
        }
        sharers.push(u);
    }
    let m = Measure::start(&app);
    let first = app
        .server("GET", &shares_path(&parent, "limit=2"), None)
        .await;
    let cost = m.finish(1);
    println!(
        "query_activity_shares (2): {:.1} RU, {:.1} WU, {:.0} round trips",
        cost.read_units, cost.write_units, cost.round_trips
    );
    let first = first.expect_ok().clone();
    assert_eq!(
        share_ids(&first),
        vec![shares[4].clone(), shares[3].clone()]
    );
    assert_eq!(first["shares"][0]["user"]["id"], json!(sharers[4]));
    assert_eq!(first["shares"][0]["user"]["name"], json!("Sharer 4"));
    assert!(
        first["shares"][0]["created_at"].is_string()
            || first["shares"][0]["created_at"].is_number()
    );
    assert!(first.get("prev").is_none_or(Value::is_null));
    let next = first["next"].as_str().expect("next");
    let second = app
        .server(
            "GET",
            &shares_path(&parent, &format!("limit=2&next={next}")),
            None,
        )
        .await
        .expect_ok()
        .clone();
    assert_eq!(
        share_ids(&second),
        vec![shares[2].clone(), shares[1].clone()]
    );
    let next = second["next"].as_str().expect("next");
    let third = app
        .server(
            "GET",
            &shares_path(&parent, &format!("limit=2&next={next}")),
            None,
        )
        .await
        .expect_ok()
        .clone();
    assert_eq!(share_ids(&third), vec![shares[0].clone()]);
    assert!(third.get("next").is_none_or(Value::is_null));
    let prev = third["prev"].as_str().expect("prev");
    let back = app
        .server(
            "GET",
            &shares_path(&parent, &format!("limit=2&prev={prev}")),
            None,
        )
        .await
        .expect_ok()
        .clone();
    assert_eq!(share_ids(&back), vec![shares[2].clone(), shares[1].clone()]);

    // The parent counts them.
    let read = app
        .server("GET", &format!("/api/v2/feeds/activities/{parent}"), None)
        .await
        .expect_ok()
        .clone();
    assert_eq!(read["activity"]["share_count"], json!(5));

    // A soft-deleted share stops showing; a hard-deleted one's entry is gone.
    app.server(
        "DELETE",
        &format!("/api/v2/feeds/activities/{}", shares[4]),
        None,
    )
    .await
    .expect_ok();
    app.hard_delete(&shares[3]).await;
    let all = app
        .server("GET", &shares_path(&parent, ""), None)
        .await
        .expect_ok()
        .clone();
    assert_eq!(
        share_ids(&all),
        vec![shares[2].clone(), shares[1].clone(), shares[0].clone()]
    );
    // Readers other than the server see the same (all are public here).
    let reader = unique("reader");
    app.upsert_user(&reader, &reader).await;
    let seen = app
        .as_user(&reader, "GET", &shares_path(&parent, ""), None)
        .await;
    assert_eq!(share_ids(seen.expect_ok()).len(), 3);
}

#[tokio::test]
async fn private_shares_and_bad_input() {
    let app = TestApp::spawn().await;
    let (author, sharer, reader) = (unique("author"), unique("sharer"), unique("reader"));
    for u in [&author, &sharer, &reader] {
        app.upsert_user(u, u).await;
    }
    let parent = app.post(&author).await["id"].as_str().unwrap().to_string();
    let open = share(&app, &sharer, &parent, json!({})).await;
    let private = share(&app, &sharer, &parent, json!({"visibility": "private"})).await;
    // A private share shows only to its author (and the server).
    let as_reader = app
        .as_user(&reader, "GET", &shares_path(&parent, ""), None)
        .await;
    assert_eq!(share_ids(as_reader.expect_ok()), vec![open.clone()]);
    let as_sharer = app
        .as_user(&sharer, "GET", &shares_path(&parent, ""), None)
        .await;
    assert_eq!(
        share_ids(as_sharer.expect_ok()),
        vec![private.clone(), open.clone()]
    );

    // An activity with no shares: an empty page.
    let lonely = app.post(&author).await["id"].as_str().unwrap().to_string();
    let none = app.server("GET", &shares_path(&lonely, ""), None).await;
    assert_eq!(none.expect_ok()["shares"], json!([]));
    // A missing activity: 404; a bad limit or cursor: 400.
    app.server("GET", &shares_path("no-such-activity", ""), None)
        .await
        .expect_error(16, 404);
    app.server("GET", &shares_path(&parent, "limit=1000"), None)
        .await
        .expect_error(4, 400);
    app.server("GET", &shares_path(&parent, "next=forged"), None)
        .await
        .expect_error(4, 400);

    // A private feed's activity: its shares are for those who may read it.
    let owner = unique("private");
    app.upsert_user(&owner, &owner).await;
    app.server(
        "POST",
        &format!("/api/v2/feeds/feed_groups/user/feeds/{owner}"),
        Some(json!({"user_id": owner, "data": {"visibility": "private"}})),
    )
    .await
    .expect_ok();
    let secret = app.post(&owner).await["id"].as_str().unwrap().to_string();
    share(&app, &owner, &secret, json!({})).await;
    app.as_user(&reader, "GET", &shares_path(&secret, ""), None)
        .await
        .expect_error(17, 403);
    let own = app
        .as_user(&owner, "GET", &shares_path(&secret, ""), None)
        .await;
    assert_eq!(share_ids(own.expect_ok()).len(), 1);
}

fn latest_share_ids(activity: &Value) -> Vec<String> {
    activity
        .get("latest_shares")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .map(|s| s["activity_id"].as_str().expect("activity_id").to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn reads_show_the_newest_shares_that_still_stand() {
    let app = TestApp::spawn().await;
    let (author, reader) = (unique("author"), unique("reader"));
    app.upsert_user(&author, &author).await;
    app.upsert_user(&reader, &reader).await;
    let parent = app.post(&author).await["id"].as_str().unwrap().to_string();
    let read = |who: Option<String>| {
        let app = &app;
        let path = format!("/api/v2/feeds/activities/{parent}");
        async move {
            let reply = match who {
                Some(u) => app.as_user(&u, "GET", &path, None).await,
                None => app.server("GET", &path, None).await,
            };
            reply.expect_ok()["activity"].clone()
        }
    };
    // No shares yet: the field is left out.
    assert!(read(None).await.get("latest_shares").is_none());

    let mut shares = Vec::new();
    let mut sharers = Vec::new();
    for i in 0..13 {
        let u = unique(&format!("sharer{i}"));
        app.upsert_user(&u, &format!("Sharer {i}")).await;
        shares.push(share(&app, &u, &parent, json!({})).await);
        sharers.push(u);
    }
    let newest: Vec<String> = shares.iter().rev().take(5).cloned().collect();
    let activity = read(None).await;
    assert_eq!(latest_share_ids(&activity), newest);
    assert_eq!(activity["share_count"], json!(13));
    assert_eq!(
        activity["latest_shares"][0]["user"]["id"],
        json!(sharers[12])
    );
    assert_eq!(
        activity["latest_shares"][0]["user"]["name"],
        json!("Sharer 12")
    );
    // The stored list stays trimmed whatever the number of shares.
    let stored = app
        .state
        .store
        .get_activity(&parent)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.latest_share_ids.len(), 10);
    assert_eq!(stored.latest_share_ids[0], shares[12]);

    // A soft-deleted share and a hard-deleted one make room for older ones.
    app.server(
        "DELETE",
        &format!("/api/v2/feeds/activities/{}", shares[12]),
        None,
    )
    .await
    .expect_ok();
    app.hard_delete(&shares[11]).await;
    let expected: Vec<String> = shares[6..11].iter().rev().cloned().collect();
    assert_eq!(latest_share_ids(&read(None).await), expected);

    // A private share shows to its author and the server, not to other readers.
    let private = share(&app, &sharers[0], &parent, json!({"visibility": "private"})).await;
    assert_eq!(latest_share_ids(&read(None).await)[0], private);
    assert_eq!(
        latest_share_ids(&read(Some(sharers[0].clone())).await)[0],
        private
    );
    assert_eq!(
        latest_share_ids(&read(Some(reader.clone())).await),
        expected
    );

    // A feed page shows them too, read in the batch that loads shared parents.
    let plain = app.post(&author).await["id"].as_str().unwrap().to_string();
    let feed = format!("/api/v2/feeds/feed_groups/user/feeds/{author}");
    let m = Measure::start(&app);
    let page = app
        .server("POST", &feed, Some(json!({"limit": 10, "user_id": reader})))
        .await;
    let cost = m.finish(1);
    println!(
        "feed page with shared activities: {:.1} RU, {:.0} round trips",
        cost.read_units, cost.round_trips
    );
    let page = page.expect_ok().clone();
    let listed = page["activities"].as_array().expect("activities");
    let shown = listed
        .iter()
        .find(|a| a["id"] == json!(parent))
        .expect("the shared activity");
    assert_eq!(latest_share_ids(shown), expected);
    assert!(listed
        .iter()
        .find(|a| a["id"] == json!(plain))
        .is_some_and(|a| a.get("latest_shares").is_none()));
}
