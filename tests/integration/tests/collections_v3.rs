//! v3 collections against DynamoDB Local: every operation (`read`, `create`, `upsert`,
//! `update`, `delete`, `query_collections` with cursors), ownership refusals for user
//! tokens, bad input changing nothing, `collections` enriched on activity and feed reads
//! (and updated there on the next read), objects shared with v2's `collections/` calls, and
//! the round trips of an enriched feed page with and without references.

use serde_json::{json, Value};
use tributary_integration_tests::{unique, v2_server_token, Measure, Reply, TestApp};

const PATH: &str = "/api/v2/feeds/collections";

fn refs_path(refs: &[&str]) -> String {
    format!("{PATH}?collection_refs={}", refs.join(","))
}

fn field_of(reply: &Reply) -> Vec<String> {
    reply.body["exception_fields"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

async fn read(app: &TestApp, refs: &[&str]) -> Vec<Value> {
    app.server("GET", &refs_path(refs), None).await.expect_ok()["collections"]
        .as_array()
        .expect("collections")
        .clone()
}

fn ids(list: &[Value]) -> Vec<String> {
    list.iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn every_operation_as_the_server() {
    let app = TestApp::spawn().await;
    let name = unique("movies");
    let lotr = format!("{name}:lotr");
    let created = app
        .server(
            "POST",
            PATH,
            Some(json!({"collections": [
                {"name": name, "id": "lotr", "custom": {"title": "LOTR", "rating": 9}},
                {"name": name, "custom": {"title": "untitled"}, "user_id": "amy"},
            ]})),
        )
        .await;
    let body = created.expect_ok();
    let list = body["collections"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["id"], "lotr");
    assert_eq!(list[0]["name"], json!(name));
    assert_eq!(list[0]["custom"], json!({"title": "LOTR", "rating": 9}));
    assert!(list[0].get("user_id").is_none());
    assert!(list[0]["created_at"].as_i64().unwrap() > 0);
    let auto_id = list[1]["id"].as_str().unwrap().to_string();
    assert!(!auto_id.is_empty(), "an id is made when none is given");
    assert_eq!(list[1]["user_id"], "amy");
    let created_at = list[0]["created_at"].clone();

    // Read: found ones in the order asked, missing ones left out.
    let other = format!("{name}:{auto_id}");
    let missing = format!("{name}:nothing");
    let got = read(&app, &[&other, &missing, &lotr]).await;
    assert_eq!(ids(&got), vec![auto_id.clone(), "lotr".to_string()]);

    // Creating one that exists refuses the whole batch: the new one is not created.
    let refused = app
        .server(
            "POST",
            PATH,
            Some(json!({"collections": [
                {"name": name, "id": "hobbit", "custom": {"title": "Hobbit"}},
                {"name": name, "id": "lotr", "custom": {"title": "again"}},
            ]})),
        )
        .await;
    refused.expect_error(4, 400);
    let hobbit = format!("{name}:hobbit");
    assert!(read(&app, &[&hobbit]).await.is_empty());
    assert_eq!(read(&app, &[&lotr]).await[0]["custom"]["title"], "LOTR");

    // Update replaces custom; created_at stays.
    let updated = app
        .server(
            "PATCH",
            PATH,
            Some(json!({"collections": [{"name": name, "id": "lotr", "custom": {"title": "The Lord"}}]})),
        )
        .await;
    let u = &updated.expect_ok()["collections"][0];
    assert_eq!(u["custom"], json!({"title": "The Lord"}));
    assert_eq!(u["created_at"], created_at);
    assert!(u["updated_at"].as_i64() > created_at.as_i64());
    // Updating a missing one: 404, and nothing else in the batch changes.
    let missing_update = app
        .server(
            "PATCH",
            PATH,
            Some(json!({"collections": [
                {"name": name, "id": "lotr", "custom": {"title": "lost"}},
                {"name": name, "id": "nothing", "custom": {"title": "x"}},
            ]})),
        )
        .await;
    missing_update.expect_error(16, 404);
    assert_eq!(read(&app, &[&lotr]).await[0]["custom"]["title"], "The Lord");

    // Upsert: an existing one keeps created_at, a new one is made; duplicates keep the last.
    let upserted = app
        .server(
            "PUT",
            PATH,
            Some(json!({"collections": [
                {"name": name, "id": "lotr", "custom": {"title": "first"}},
                {"name": name, "id": "hobbit", "custom": {"title": "Hobbit"}},
                {"name": name, "id": "lotr", "custom": {"title": "LOTR 2"}},
            ]})),
        )
        .await;
    let list = upserted.expect_ok()["collections"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(ids(&list), vec!["lotr", "hobbit"]);
    assert_eq!(list[0]["custom"]["title"], "LOTR 2");
    assert_eq!(list[0]["created_at"], created_at);
    let got = read(&app, &[&lotr, &hobbit]).await;
    assert_eq!(got[0]["custom"]["title"], "LOTR 2");
    assert_eq!(got[0]["created_at"], created_at);
    assert_eq!(got[1]["custom"]["title"], "Hobbit");

    // Delete: gone from reads; missing references are no-ops.
    app.server("DELETE", &refs_path(&[&hobbit, &missing]), None)
        .await
        .expect_ok();
    assert!(read(&app, &[&hobbit]).await.is_empty());
    assert_eq!(read(&app, &[&lotr]).await.len(), 1);
}

#[tokio::test]
async fn queries_page_with_next_and_prev_and_filter() {
    let app = TestApp::spawn().await;
    let name = unique("books");
    let user = unique("reader");
    let collections: Vec<Value> = (0..7)
        .map(|i| {
            json!({"name": name, "id": format!("b{i}"), "custom": {"n": i, "even": i % 2 == 0},
                   "user_id": if i < 3 { json!(user) } else { Value::Null }})
        })
        .collect();
    // One at a time, so creation times differ and order is well defined.
    for c in collections {
        app.server("POST", PATH, Some(json!({"collections": [c]})))
            .await
            .expect_ok();
    }
    let query = |body: Value| {
        let app = &app;
        async move {
            app.server("POST", &format!("{PATH}/query"), Some(body))
                .await
                .expect_ok()
                .clone()
        }
    };
    // Newest first by default, three a page.
    let p1 = query(json!({"filter": {"name": name}, "limit": 3})).await;
    assert_eq!(
        ids(p1["collections"].as_array().unwrap()),
        vec!["b6", "b5", "b4"]
    );
    assert!(p1.get("prev").is_none());
    let next = p1["next"].as_str().expect("next").to_string();
    let p2 = query(json!({"filter": {"name": name}, "limit": 3, "next": next})).await;
    assert_eq!(
        ids(p2["collections"].as_array().unwrap()),
        vec!["b3", "b2", "b1"]
    );
    let prev = p2["prev"].as_str().expect("prev").to_string();
    let back = query(json!({"filter": {"name": name}, "limit": 3, "prev": prev})).await;
    assert_eq!(
        ids(back["collections"].as_array().unwrap()),
        vec!["b6", "b5", "b4"]
    );
    let next = p2["next"].as_str().expect("next").to_string();
    let p3 = query(json!({"filter": {"name": name}, "limit": 3, "next": next})).await;
    assert_eq!(ids(p3["collections"].as_array().unwrap()), vec!["b0"]);
    assert!(p3.get("next").is_none());

    // Oldest first, with a custom filter.
    let even = query(json!({
        "filter": {"name": name, "custom.even": true},
        "sort": [{"field": "created_at", "direction": 1}],
    }))
    .await;
    assert_eq!(
        ids(even["collections"].as_array().unwrap()),
        vec!["b0", "b2", "b4", "b6"]
    );
    // By user, and by id.
    let mine = query(json!({"filter": {"user_id": user}})).await;
    assert_eq!(
        ids(mine["collections"].as_array().unwrap()),
        vec!["b2", "b1", "b0"]
    );
    let some = query(json!({"filter": {"name": name, "id": {"$in": ["b1", "b5"]}}})).await;
    assert_eq!(
        ids(some["collections"].as_array().unwrap()),
        vec!["b5", "b1"]
    );
    // A user token sees their own.
    let own = app
        .as_user(
            &user,
            "POST",
            &format!("{PATH}/query"),
            Some(json!({"filter": {"name": name}})),
        )
        .await;
    assert_eq!(
        ids(own.expect_ok()["collections"].as_array().unwrap()),
        vec!["b2", "b1", "b0"]
    );

    // A server query must name a collection or a user; unsupported sorts are refused.
    let unbounded = app
        .server("POST", &format!("{PATH}/query"), Some(json!({})))
        .await;
    unbounded.expect_error(4, 400);
    assert_eq!(field_of(&unbounded), vec!["filter"]);
    let bad_sort = app
        .server(
            "POST",
            &format!("{PATH}/query"),
            Some(json!({"filter": {"name": name}, "sort": [{"field": "custom.n"}]})),
        )
        .await;
    bad_sort.expect_error(4, 400);
}

#[tokio::test]
async fn user_tokens_change_only_their_own() {
    let app = TestApp::spawn().await;
    let name = unique("notes");
    let (amy, bob) = (unique("amy"), unique("bob"));
    let created = app
        .as_user(
            &amy,
            "POST",
            PATH,
            Some(json!({"collections": [{"name": name, "id": "n1", "custom": {"t": "amy's"}}]})),
        )
        .await;
    assert_eq!(created.expect_ok()["collections"][0]["user_id"], json!(amy));
    let n1 = format!("{name}:n1");

    // Creating for someone else is refused.
    app.as_user(
        &amy,
        "POST",
        PATH,
        Some(json!({"collections": [{"name": name, "id": "n2", "custom": {"t": 1}, "user_id": bob}]})),
    )
    .await
    .expect_error(17, 403);
    assert!(read(&app, &[&format!("{name}:n2")]).await.is_empty());

    // Bob may not update, upsert, delete or read Amy's.
    let change = json!({"collections": [{"name": name, "id": "n1", "custom": {"t": "bob's"}}]});
    app.as_user(&bob, "PATCH", PATH, Some(change.clone()))
        .await
        .expect_error(17, 403);
    app.as_user(&bob, "PUT", PATH, Some(change.clone()))
        .await
        .expect_error(17, 403);
    app.as_user(&bob, "DELETE", &refs_path(&[&n1]), None)
        .await
        .expect_error(17, 403);
    app.as_user(&bob, "GET", &refs_path(&[&n1]), None)
        .await
        .expect_error(17, 403);
    // Nor query hers.
    app.as_user(
        &bob,
        "POST",
        &format!("{PATH}/query"),
        Some(json!({"filter": {"user_id": amy}})),
    )
    .await
    .expect_error(17, 403);
    assert_eq!(read(&app, &[&n1]).await[0]["custom"]["t"], "amy's");

    // Amy may; so may the server.
    let mine = app.as_user(&amy, "GET", &refs_path(&[&n1]), None).await;
    assert_eq!(mine.expect_ok()["collections"][0]["id"], "n1");
    app.as_user(
        &amy,
        "PATCH",
        PATH,
        Some(json!({"collections": [{"name": name, "id": "n1", "custom": {"t": "edited"}}]})),
    )
    .await
    .expect_ok();
    app.server("PATCH", PATH, Some(change)).await.expect_ok();
    assert_eq!(read(&app, &[&n1]).await[0]["custom"]["t"], "bob's");
    app.as_user(&amy, "DELETE", &refs_path(&[&n1]), None)
        .await
        .expect_ok();
    assert!(read(&app, &[&n1]).await.is_empty());
    // Anonymous callers are refused.
    app.anonymous("GET", &refs_path(&[&n1]), None)
        .await
        .expect_error(17, 403);
}

#[tokio::test]
async fn bad_input_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let name = unique("things");
    let good = json!({"name": name, "id": "ok", "custom": {"a": 1}});
    let cases: Vec<(Value, &str)> = vec![
        (
            json!({"name": name, "id": "x", "custom": {}}),
            "collections[1].custom",
        ),
        (json!({"name": name, "id": "x"}), "collections[1].custom"),
        (
            json!({"name": "bad name!", "id": "x", "custom": {"a": 1}}),
            "collections[1].name",
        ),
        (
            json!({"name": name, "id": "a:b", "custom": {"a": 1}}),
            "collections[1].id",
        ),
        (
            json!({"id": "x", "custom": {"a": 1}}),
            "collections[1].name",
        ),
        (
            json!({"name": "n".repeat(129), "id": "x", "custom": {"a": 1}}),
            "collections[1].name",
        ),
    ];
    for (bad, field) in cases {
        for method in ["POST", "PUT"] {
            let reply = app
                .server(method, PATH, Some(json!({"collections": [good, bad]})))
                .await;
            reply.expect_error(4, 400);
            assert_eq!(field_of(&reply), vec![field.to_string()], "{method} {bad}");
        }
    }
    let too_many: Vec<Value> = (0..101)
        .map(|i| json!({"name": name, "id": format!("i{i}"), "custom": {"a": 1}}))
        .collect();
    let reply = app
        .server("POST", PATH, Some(json!({"collections": too_many})))
        .await;
    reply.expect_error(4, 400);
    assert_eq!(field_of(&reply), vec!["collections"]);
    let empty = app
        .server("POST", PATH, Some(json!({"collections": []})))
        .await;
    empty.expect_error(4, 400);
    let ok = format!("{name}:ok");
    let i0 = format!("{name}:i0");
    assert!(
        read(&app, &[&ok, &i0]).await.is_empty(),
        "nothing was written"
    );

    // References: malformed, too many, none to delete.
    for path in [
        format!("{PATH}?collection_refs=nocolon"),
        format!("{PATH}?collection_refs={name}:a:b"),
        format!(
            "{PATH}?collection_refs={}",
            (0..101)
                .map(|i| format!("{name}:r{i}"))
                .collect::<Vec<_>>()
                .join(",")
        ),
    ] {
        for method in ["GET", "DELETE"] {
            let reply = app.server(method, &path, None).await;
            reply.expect_error(4, 400);
            assert_eq!(field_of(&reply), vec!["collection_refs"]);
        }
    }
    app.server("DELETE", PATH, None).await.expect_error(4, 400);
    // Updates need an id and a non-empty custom.
    let reply = app
        .server(
            "PATCH",
            PATH,
            Some(json!({"collections": [{"name": name, "custom": {"a": 1}}]})),
        )
        .await;
    reply.expect_error(4, 400);
    assert_eq!(field_of(&reply), vec!["collections[0].id"]);
}

fn collections_of(activity: &Value) -> &Value {
    &activity["collections"]
}

#[tokio::test]
async fn activities_read_with_their_collections_enriched() {
    let app = TestApp::spawn().await;
    let name = unique("products");
    let user = unique("shop");
    app.server(
        "POST",
        PATH,
        Some(json!({"collections": [{"name": name, "id": "p1", "custom": {"price": 10}}]})),
    )
    .await
    .expect_ok();
    let p1 = format!("{name}:p1");
    let gone = format!("{name}:gone");
    let fid = format!("user:{user}");
    let activity = app
        .add_activity(
            &user,
            json!({"type": "post", "feeds": [fid], "collection_refs": [p1, gone]}),
        )
        .await;
    let id = activity["id"].as_str().unwrap().to_string();

    let check = |c: &Value, price: i64| {
        assert_eq!(c[&p1]["status"], "ok", "{c}");
        assert_eq!(c[&p1]["id"], "p1");
        assert_eq!(c[&p1]["name"], json!(name));
        assert_eq!(c[&p1]["custom"]["price"], price);
        assert_eq!(c[&gone]["status"], "notfound");
        assert_eq!(c[&gone]["id"], "gone");
    };
    let got = app
        .server("GET", &format!("/api/v2/feeds/activities/{id}"), None)
        .await;
    check(collections_of(&got.expect_ok()["activity"]), 10);
    let feed = app.read_feed(&fid, json!({})).await;
    check(collections_of(&feed["activities"][0]), 10);

    // An update shows on the next read of every activity naming it.
    let second = app
        .add_activity(
            &user,
            json!({"type": "post", "feeds": [fid], "collection_refs": [p1]}),
        )
        .await;
    app.server(
        "PATCH",
        PATH,
        Some(json!({"collections": [{"name": name, "id": "p1", "custom": {"price": 12}}]})),
    )
    .await
    .expect_ok();
    let feed = app.read_feed(&fid, json!({})).await;
    let list = feed["activities"].as_array().unwrap();
    assert_eq!(list[0]["id"], second["id"]);
    assert_eq!(list[0]["collections"][&p1]["custom"]["price"], 12);
    check(&list[1]["collections"], 12);
    // A query of activities is enriched too.
    let queried = app
        .server(
            "POST",
            "/api/v2/feeds/activities/query",
            Some(json!({"filter": {"id": id}})),
        )
        .await;
    check(collections_of(&queried.expect_ok()["activities"][0]), 12);
    // Deleted: the reference reads as notfound.
    app.server("DELETE", &refs_path(&[&p1]), None)
        .await
        .expect_ok();
    let feed = app.read_feed(&fid, json!({})).await;
    assert_eq!(
        feed["activities"][0]["collections"][&p1]["status"],
        "notfound"
    );
    // skip_activity_collections leaves the map empty.
    let skipped = app
        .read_feed(
            &fid,
            json!({"enrichment_options": {"skip_activity_collections": true}}),
        )
        .await;
    assert_eq!(skipped["activities"][0]["collections"], json!({}));
}

#[tokio::test]
async fn v2_and_v3_share_the_objects() {
    let app = TestApp::spawn().await;
    let name = unique("shared");
    // Written through v2, read through v3.
    let added = app
        .v2(
            "POST",
            &format!("/api/v1.0/collections/{name}/"),
            &v2_server_token(),
            Some(json!({"id": "from-v2", "data": {"k": "v2"}, "user_id": "tom"})),
        )
        .await;
    assert_eq!(added.status, 201, "{}", added.body);
    let from_v2 = format!("{name}:from-v2");
    let got = read(&app, &[&from_v2]).await;
    assert_eq!(got[0]["custom"], json!({"k": "v2"}));
    assert_eq!(got[0]["user_id"], "tom");
    // Written through v3, read and changed through v2, read again through v3.
    app.server(
        "POST",
        PATH,
        Some(json!({"collections": [{"name": name, "id": "from-v3", "custom": {"k": "v3"}}]})),
    )
    .await
    .expect_ok();
    let path = format!("/api/v1.0/collections/{name}/from-v3/");
    let v2_read = app.v2("GET", &path, &v2_server_token(), None).await;
    assert_eq!(v2_read.status, 200, "{}", v2_read.body);
    assert_eq!(v2_read.body["data"], json!({"k": "v3"}));
    let changed = app
        .v2(
            "PUT",
            &path,
            &v2_server_token(),
            Some(json!({"data": {"k": "v2 edit"}})),
        )
        .await;
    assert!(changed.status < 300, "{}", changed.body);
    let from_v3 = format!("{name}:from-v3");
    assert_eq!(read(&app, &[&from_v3]).await[0]["custom"]["k"], "v2 edit");
    // Deleted through v3: gone for v2.
    app.server("DELETE", &refs_path(&[&from_v3]), None)
        .await
        .expect_ok();
    let after = app.v2("GET", &path, &v2_server_token(), None).await;
    assert_eq!(after.status, 404, "{}", after.body);
}

#[tokio::test]
async fn enriched_pages_cost_no_round_trip_per_activity() {
    let app = TestApp::spawn().await;
    let name = unique("cards");
    let (plain_user, ref_user) = (unique("plain"), unique("refs"));
    let cards: Vec<Value> = (0..10)
        .map(|i| json!({"name": name, "id": format!("c{i}"), "custom": {"i": i}}))
        .collect();
    app.server("POST", PATH, Some(json!({"collections": cards})))
        .await
        .expect_ok();
    for i in 0..10 {
        app.add_activity(
            &plain_user,
            json!({"type": "post", "feeds": [format!("user:{plain_user}")]}),
        )
        .await;
        app.add_activity(
            &ref_user,
            json!({"type": "post", "feeds": [format!("user:{ref_user}")],
                   "collection_refs": [format!("{name}:c{i}"), format!("{name}:c{}", (i + 1) % 10)]}),
        )
        .await;
    }
    let page = |user: String| {
        let app = &app;
        async move {
            let m = Measure::start(app);
            let read = app
                .read_feed(&format!("user:{user}"), json!({"limit": 10}))
                .await;
            (m.finish(1), read)
        }
    };
    let (plain, _) = page(plain_user).await;
    let (enriched, read) = page(ref_user).await;
    println!(
        "feed page of 10: without refs {:.1} RU, {:.0} round trips; with 2 refs each {:.1} RU, {:.0} round trips",
        plain.read_units, plain.round_trips, enriched.read_units, enriched.round_trips
    );
    let list = read["activities"].as_array().unwrap();
    assert_eq!(list.len(), 10);
    assert!(list
        .iter()
        .all(|a| a["collections"].as_object().unwrap().len() == 2
            && a["collections"]
                .as_object()
                .unwrap()
                .values()
                .all(|c| c["status"] == "ok")));
    assert_eq!(
        enriched.round_trips, plain.round_trips,
        "collections are read with the page's users, not per activity"
    );
}

#[tokio::test]
async fn operation_costs() {
    let app = TestApp::spawn().await;
    let name = unique("costs");
    let ten: Vec<Value> = (0..10)
        .map(|i| json!({"name": name, "id": format!("k{i}"), "custom": {"i": i}}))
        .collect();
    let refs: Vec<String> = (0..10).map(|i| format!("{name}:k{i}")).collect();
    let refs: Vec<&str> = refs.iter().map(String::as_str).collect();
    let cost = |label: &str, m: Measure<'_>| {
        let c = m.finish(1);
        println!(
            "{label}: {:.1} RU, {:.1} WU, {:.0} round trips",
            c.read_units, c.write_units, c.round_trips
        );
    };
    let m = Measure::start(&app);
    app.server("POST", PATH, Some(json!({"collections": ten.clone()})))
        .await
        .expect_ok();
    cost("create_collections x10", m);
    let m = Measure::start(&app);
    read(&app, &refs).await;
    cost("read_collections x10", m);
    let m = Measure::start(&app);
    app.server("PATCH", PATH, Some(json!({"collections": ten.clone()})))
        .await
        .expect_ok();
    cost("update_collections x10", m);
    let m = Measure::start(&app);
    app.server("PUT", PATH, Some(json!({"collections": ten})))
        .await
        .expect_ok();
    cost("upsert_collections x10", m);
    let m = Measure::start(&app);
    app.server(
        "POST",
        &format!("{PATH}/query"),
        Some(json!({"filter": {"name": name}, "limit": 10})),
    )
    .await
    .expect_ok();
    cost("query_collections (page of 10)", m);
    let m = Measure::start(&app);
    app.server("DELETE", &refs_path(&refs), None)
        .await
        .expect_ok();
    cost("delete_collections x10", m);
}

const ACTIVITIES: &str = "/api/v2/feeds/activities";

/// The refs an activity shows (the keys of its `collections`), sorted.
fn refs_of(activity: &Value) -> Vec<String> {
    let mut refs: Vec<String> = collections_of(activity)
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    refs.sort();
    refs
}

fn sorted(refs: &[&String]) -> Vec<String> {
    let mut refs: Vec<String> = refs.iter().map(|r| r.to_string()).collect();
    refs.sort();
    refs
}

/// An activity as read back by id.
async fn read_activity(app: &TestApp, id: &str) -> Reply {
    app.server("GET", &format!("{ACTIVITIES}/{id}"), None).await
}

#[tokio::test]
async fn add_activity_writes_inline_collections() {
    let app = TestApp::spawn().await;
    let name = unique("menu");
    let user = unique("chef");
    let fid = format!("user:{user}");
    app.server(
        "POST",
        PATH,
        Some(json!({"collections": [
            {"name": name, "id": "soup", "custom": {"price": 4}},
            {"name": name, "id": "bread", "custom": {"price": 2}},
        ]})),
    )
    .await
    .expect_ok();
    let soup = format!("{name}:soup");
    let bread = format!("{name}:bread");
    let pie = format!("{name}:pie");
    let soup_created = read(&app, &[&soup]).await[0]["created_at"].clone();

    // One new collection, one existing one updated, and refs listed beside them (one of them
    // repeating an inline one): each ref once, listed ones first.
    let added = app
        .add_activity(
            &user,
            json!({
                "type": "post", "feeds": [fid],
                "collection_refs": [bread, soup],
                "collections": [
                    {"name": name, "id": "pie", "custom": {"price": 6}},
                    {"name": name, "id": "soup", "custom": {"price": 5, "hot": true}},
                ],
            }),
        )
        .await;
    assert_eq!(refs_of(&added), sorted(&[&bread, &soup, &pie]));
    let c = collections_of(&added);
    assert_eq!(c[&pie]["status"], "ok", "{c}");
    assert_eq!(c[&pie]["custom"], json!({"price": 6}));
    assert_eq!(
        c[&pie]["user_id"],
        json!(user),
        "owned by the activity's user"
    );
    assert_eq!(c[&soup]["custom"], json!({"price": 5, "hot": true}));
    assert_eq!(c[&bread]["custom"], json!({"price": 2}));

    // Stored: the read of the activity and of the collections show the same.
    let id = added["id"].as_str().unwrap();
    let got = read_activity(&app, id).await;
    let c = collections_of(&got.expect_ok()["activity"]).clone();
    assert_eq!(c[&pie]["custom"], json!({"price": 6}));
    assert_eq!(c[&soup]["custom"]["price"], 5);
    let stored = read(&app, &[&soup, &pie]).await;
    assert_eq!(stored[0]["custom"], json!({"price": 5, "hot": true}));
    assert_eq!(
        stored[0]["created_at"], soup_created,
        "an update keeps created_at"
    );
    assert!(stored[0]["updated_at"].as_i64() > soup_created.as_i64());
    // It had no owner: like an upsert naming a user, it takes the activity's user.
    assert_eq!(stored[0]["user_id"], json!(user));
    assert_eq!(stored[1]["id"], "pie");

    // Without an id a collection gets one, and its ref names it.
    let auto = app
        .add_activity(
            &user,
            json!({"type": "post", "feeds": [fid],
                   "collections": [{"name": name, "custom": {"price": 1}}]}),
        )
        .await;
    let refs = refs_of(&auto);
    assert_eq!(refs.len(), 1);
    let r = refs[0].as_str();
    assert!(r.starts_with(&format!("{name}:")) && r.len() > name.len() + 1);
    assert_eq!(auto["collections"][r]["status"], "ok");
    assert_eq!(read(&app, &[r]).await[0]["custom"]["price"], 1);
}

#[tokio::test]
async fn upsert_activities_write_inline_collections() {
    let app = TestApp::spawn().await;
    let name = unique("tags");
    let user = unique("writer");
    let fid = format!("user:{user}");
    let (a1, a2) = (unique("a"), unique("a"));
    let reply = app
        .server(
            "POST",
            &format!("{ACTIVITIES}/batch"),
            Some(json!({"activities": [
                {"id": a1, "type": "post", "feeds": [fid], "user_id": user,
                 "collections": [{"name": name, "id": "t", "custom": {"v": 1}}]},
                {"id": a2, "type": "post", "feeds": [fid], "user_id": user,
                 "collections": [{"name": name, "id": "t", "custom": {"v": 2}}]},
            ]})),
        )
        .await;
    let body = reply.expect_ok();
    let t = format!("{name}:t");
    // The batch writes each collection once, the last one named winning.
    assert_eq!(read(&app, &[&t]).await[0]["custom"], json!({"v": 2}));
    for a in body["activities"].as_array().unwrap() {
        assert_eq!(refs_of(a), vec![t.clone()]);
        assert_eq!(a["collections"][&t]["custom"], json!({"v": 2}));
    }
    // Upserting an existing activity updates the collection and keeps the ref.
    app.server(
        "POST",
        &format!("{ACTIVITIES}/batch"),
        Some(json!({"activities": [
            {"id": a1, "type": "post", "feeds": [fid], "user_id": user, "text": "again",
             "collections": [{"name": name, "id": "t", "custom": {"v": 3}}]},
        ]})),
    )
    .await
    .expect_ok();
    let got = read_activity(&app, &a1).await;
    let a = &got.expect_ok()["activity"];
    assert_eq!(a["text"], "again");
    assert_eq!(a["collections"][&t]["custom"], json!({"v": 3}));
    // A bad collection names its activity and field; nothing is written.
    let a3 = unique("a");
    let bad = app
        .server(
            "POST",
            &format!("{ACTIVITIES}/batch"),
            Some(json!({"activities": [
                {"id": a3, "type": "post", "feeds": [fid], "user_id": user,
                 "collections": [{"name": name, "id": "u", "custom": {"v": 1}}]},
                {"type": "post", "feeds": [fid], "user_id": user,
                 "collections": [{"name": name, "id": "x", "custom": {}}]},
            ]})),
        )
        .await;
    bad.expect_error(4, 400);
    assert_eq!(
        field_of(&bad),
        vec!["activities[1].collections[0].custom".to_string()]
    );
    assert!(read(&app, &[&format!("{name}:u")]).await.is_empty());
    read_activity(&app, &a3).await.expect_error(16, 404);
}

#[tokio::test]
async fn inline_collections_of_another_user_are_refused() {
    let app = TestApp::spawn().await;
    let name = unique("lists");
    let (amy, bob) = (unique("amy"), unique("bob"));
    app.as_user(
        &amy,
        "POST",
        PATH,
        Some(json!({"collections": [{"name": name, "id": "l1", "custom": {"t": "amy's"}}]})),
    )
    .await
    .expect_ok();
    let l1 = format!("{name}:l1");
    let l2 = format!("{name}:l2");
    let bob_feed = format!("user:{bob}");

    // Bob's token upserting Amy's collection (beside a new one of his): 403, nothing written,
    // the activity included.
    let activity_id = unique("act");
    let refused = app
        .as_user(
            &bob,
            "POST",
            ACTIVITIES,
            Some(json!({
                "id": activity_id, "type": "post", "feeds": [bob_feed],
                "collections": [
                    {"name": name, "id": "l2", "custom": {"t": "bob's"}},
                    {"name": name, "id": "l1", "custom": {"t": "bob's"}},
                ],
            })),
        )
        .await;
    refused.expect_error(17, 403);
    assert_eq!(read(&app, &[&l1]).await[0]["custom"]["t"], "amy's");
    assert!(read(&app, &[&l2]).await.is_empty());
    read_activity(&app, &activity_id)
        .await
        .expect_error(16, 404);
    // Nor may Bob name another owner for a new one.
    app.as_user(
        &bob,
        "POST",
        ACTIVITIES,
        Some(json!({
            "id": activity_id, "type": "post", "feeds": [bob_feed],
            "collections": [{"name": name, "id": "l2", "custom": {"t": 1}, "user_id": amy}],
        })),
    )
    .await
    .expect_error(17, 403);
    assert!(read(&app, &[&l2]).await.is_empty());
    read_activity(&app, &activity_id)
        .await
        .expect_error(16, 404);

    // Referencing Amy's collection needs no permission; upserting his own works.
    let ok = app
        .as_user(
            &bob,
            "POST",
            ACTIVITIES,
            Some(json!({
                "id": activity_id, "type": "post", "feeds": [bob_feed],
                "collection_refs": [l1],
                "collections": [{"name": name, "id": "l2", "custom": {"t": "bob's"}}],
            })),
        )
        .await;
    let a = &ok.expect_ok()["activity"];
    assert_eq!(refs_of(a), sorted(&[&l1, &l2]));
    assert_eq!(a["collections"][&l1]["custom"]["t"], "amy's");
    assert_eq!(a["collections"][&l2]["user_id"], json!(bob));
    // The server may upsert anyone's.
    let by_server = app
        .add_activity(
            &bob,
            json!({"type": "post", "feeds": [bob_feed],
                   "collections": [{"name": name, "id": "l1", "custom": {"t": "edited"}}]}),
        )
        .await;
    assert_eq!(by_server["collections"][&l1]["custom"]["t"], "edited");
    assert_eq!(by_server["collections"][&l1]["user_id"], json!(amy));
}

#[tokio::test]
async fn inline_collections_bad_input_and_limit() {
    let app = TestApp::spawn().await;
    let name = unique("bad");
    let user = unique("someone");
    let fid = format!("user:{user}");
    let good = json!({"name": name, "id": "fine", "custom": {"a": 1}});
    let cases: Vec<(Value, &str)> = vec![
        (
            json!({"name": name, "id": "a:b", "custom": {"a": 1}}),
            "collections[1].id",
        ),
        (json!({"name": name, "id": "x"}), "collections[1].custom"),
        (
            json!({"name": name, "id": "x", "custom": []}),
            "collections[1].custom",
        ),
        (
            json!({"id": "x", "custom": {"a": 1}}),
            "collections[1].name",
        ),
        (
            json!({"name": "n".repeat(129), "id": "x", "custom": {"a": 1}}),
            "collections[1].name",
        ),
    ];
    let activity_id = unique("act");
    for (bad, field) in cases {
        let reply = app
            .server(
                "POST",
                ACTIVITIES,
                Some(
                    json!({"id": activity_id, "type": "post", "feeds": [fid], "user_id": user,
                            "collections": [good, bad]}),
                ),
            )
            .await;
        reply.expect_error(4, 400);
        assert_eq!(field_of(&reply), vec![field.to_string()], "{bad}");
    }
    // The rest of the request is checked with them: a bad activity writes no collection.
    let reply = app
        .server(
            "POST",
            ACTIVITIES,
            Some(json!({"id": activity_id, "feeds": [fid], "user_id": user,
                        "collections": [good]})),
        )
        .await;
    reply.expect_error(4, 400);
    assert_eq!(field_of(&reply), vec!["type"]);
    assert!(read(&app, &[&format!("{name}:fine")]).await.is_empty());
    read_activity(&app, &activity_id)
        .await
        .expect_error(16, 404);

    // Listed refs and inline ones share the per-activity limit (255): 200 + 56 is one too
    // many, named `collections`; an inline one repeating a listed ref does not count twice.
    let listed: Vec<String> = (0..200).map(|i| format!("{name}:r{i}")).collect();
    let inline = |n: usize| -> Vec<Value> {
        (0..n)
            .map(|i| json!({"name": name, "id": format!("c{i}"), "custom": {"i": i}}))
            .collect()
    };
    let over = app
        .server(
            "POST",
            ACTIVITIES,
            Some(
                json!({"id": activity_id, "type": "post", "feeds": [fid], "user_id": user,
                        "collection_refs": listed, "collections": inline(56)}),
            ),
        )
        .await;
    over.expect_error(4, 400);
    assert_eq!(field_of(&over), vec!["collections"]);
    assert!(read(&app, &[&format!("{name}:c0")]).await.is_empty());
    read_activity(&app, &activity_id)
        .await
        .expect_error(16, 404);
    let mut with_repeat = inline(55);
    with_repeat.push(json!({"name": name, "id": "r0", "custom": {"i": "r0"}}));
    let at_limit = app
        .server(
            "POST",
            ACTIVITIES,
            Some(
                json!({"id": activity_id, "type": "post", "feeds": [fid], "user_id": user,
                        "collection_refs": listed, "collections": with_repeat}),
            ),
        )
        .await;
    let a = &at_limit.expect_ok()["activity"];
    assert_eq!(refs_of(a).len(), 255);
    let c54 = format!("{name}:c54");
    assert_eq!(a["collections"][&c54]["custom"]["i"], 54);
    assert_eq!(a["collections"][&format!("{name}:r0")]["status"], "ok");
    assert_eq!(
        a["collections"][&format!("{name}:r1")]["status"],
        "notfound"
    );
}
