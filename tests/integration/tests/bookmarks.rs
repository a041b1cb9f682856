//! Bookmarks and bookmark folders against DynamoDB Local: every operation, folders made on
//! the fly, `bookmark_count` exact under concurrent writers, `own_bookmarks` on reads, the
//! privacy of a user's bookmarks and folders, bad input changing nothing, the user's data,
//! and what each operation costs.

use futures::future::join_all;
use serde_json::{json, Value};
use tributary_integration_tests::{unique, Measure, TestApp};

const ACTIVITIES: &str = "/api/v2/feeds/activities";
const QUERY: &str = "/api/v2/feeds/bookmarks/query";
const FOLDERS: &str = "/api/v2/feeds/bookmark_folders";

fn marks(id: &str) -> String {
    format!("{ACTIVITIES}/{id}/bookmarks")
}

fn comment_marks(id: &str) -> String {
    format!("/api/v2/feeds/comments/{id}/bookmarks")
}

async fn new_activity(app: &TestApp) -> String {
    let author = unique("author");
    app.post(&author).await["id"].as_str().unwrap().to_string()
}

async fn new_comment(app: &TestApp, activity: &str) -> String {
    let body = json!({"object_id": activity, "object_type": "activity", "comment": "hi",
                      "user_id": unique("commenter")});
    app.server("POST", "/api/v2/feeds/comments", Some(body))
        .await
        .expect_ok()["comment"]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn get(app: &TestApp, id: &str, reader: &str) -> Value {
    app.server("GET", &format!("{ACTIVITIES}/{id}?user_id={reader}"), None)
        .await
        .expect_ok()["activity"]
        .clone()
}

async fn comment(app: &TestApp, id: &str) -> Value {
    app.server("GET", &format!("/api/v2/feeds/comments/{id}"), None)
        .await
        .expect_ok()["comment"]
        .clone()
}

async fn query(app: &TestApp, user: &str, body: Value) -> Value {
    app.as_user(user, "POST", QUERY, Some(body))
        .await
        .expect_ok()
        .clone()
}

fn objects(page: &Value) -> Vec<String> {
    page["bookmarks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["object_id"].as_str().unwrap().to_string())
        .collect()
}

async fn folders(app: &TestApp, user: &str) -> Vec<Value> {
    app.as_user(user, "POST", &format!("{FOLDERS}/query"), Some(json!({})))
        .await
        .expect_ok()["bookmark_folders"]
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn bookmarks_are_added_moved_and_removed_with_folders_made_on_the_fly() {
    let app = &TestApp::spawn().await;
    let id = new_activity(app).await;
    let amy = unique("amy");

    // Into a new folder, made with the bookmark.
    let added = app
        .as_user(
            &amy,
            "POST",
            &marks(&id),
            Some(json!({"custom": {"note": "later"}, "new_folder": {"name": "Read later", "custom": {"icon": "clock"}}})),
        )
        .await;
    let b = added.expect_ok()["bookmark"].clone();
    assert_eq!(b["object_id"], id.as_str());
    assert_eq!(b["object_type"], "activity");
    assert_eq!(b["activity_id"], id.as_str());
    assert_eq!(b["activity"]["id"], id.as_str());
    assert_eq!(b["activity"]["bookmark_count"], 1);
    assert_eq!(b["user"]["id"], amy.as_str());
    assert_eq!(b["custom"]["note"], "later");
    assert_eq!(b["folder"]["name"], "Read later");
    assert_eq!(b["folder"]["custom"]["icon"], "clock");
    assert_eq!(b["folder"]["user"]["id"], amy.as_str());
    let folder = b["folder"]["id"].as_str().unwrap().to_string();

    // The reader sees it among the activity's own bookmarks; others do not.
    let a = get(app, &id, &amy).await;
    assert_eq!(a["bookmark_count"], 1);
    assert_eq!(a["own_bookmarks"].as_array().unwrap().len(), 1);
    assert_eq!(a["own_bookmarks"][0]["folder"]["id"], folder.as_str());
    assert_eq!(a["own_bookmarks"][0]["activity"]["id"], id.as_str());
    assert_eq!(
        get(app, &id, &unique("other")).await["own_bookmarks"],
        json!([])
    );

    // A second bookmark with a folder of the same name files into the same folder.
    let id2 = new_activity(app).await;
    let b2 = app
        .as_user(
            &amy,
            "POST",
            &marks(&id2),
            Some(json!({"new_folder": {"name": "Read later"}})),
        )
        .await;
    assert_eq!(b2.expect_ok()["bookmark"]["folder"]["id"], folder.as_str());
    assert_eq!(folders(app, &amy).await.len(), 1);

    // Moved to another new folder, with new custom data.
    let moved = app
        .as_user(
            &amy,
            "PATCH",
            &marks(&id),
            Some(json!({"folder_id": folder, "new_folder": {"name": "Favourites"}, "custom": {"note": "fav"}})),
        )
        .await;
    let m = moved.expect_ok()["bookmark"].clone();
    assert_eq!(m["folder"]["name"], "Favourites");
    assert_eq!(m["custom"]["note"], "fav");
    assert_eq!(m["created_at"], b["created_at"]);
    let favourites = m["folder"]["id"].as_str().unwrap().to_string();
    // And back to the first by id.
    let back = app
        .as_user(
            &amy,
            "PATCH",
            &marks(&id),
            Some(json!({"new_folder_id": folder})),
        )
        .await;
    assert_eq!(
        back.expect_ok()["bookmark"]["folder"]["id"],
        folder.as_str()
    );
    assert_eq!(folders(app, &amy).await.len(), 2);
    // Named in the wrong folder: not found, nothing changes.
    app.as_user(
        &amy,
        "DELETE",
        &format!("{}?folder_id={favourites}", marks(&id)),
        None,
    )
    .await
    .expect_error(16, 404);
    assert_eq!(get(app, &id, &amy).await["bookmark_count"], 1);

    // Removed.
    let deleted = app
        .as_user(
            &amy,
            "DELETE",
            &format!("{}?folder_id={folder}", marks(&id)),
            None,
        )
        .await;
    assert_eq!(deleted.expect_ok()["bookmark"]["object_id"], id.as_str());
    let a = get(app, &id, &amy).await;
    assert_eq!(a["bookmark_count"], 0);
    assert_eq!(a["own_bookmarks"], json!([]));
    app.as_user(&amy, "DELETE", &marks(&id), None)
        .await
        .expect_error(16, 404);
    // Without a folder, as the server for a user.
    app.server("POST", &marks(&id), Some(json!({"user_id": amy})))
        .await
        .expect_ok();
    let a = get(app, &id, &amy).await;
    assert_eq!(a["bookmark_count"], 1);
    assert!(a["own_bookmarks"][0].get("folder").is_none());
}

#[tokio::test]
async fn comments_are_bookmarked_with_their_count() {
    let app = &TestApp::spawn().await;
    let id = new_activity(app).await;
    let cid = new_comment(app, &id).await;
    let amy = unique("amy");
    let b = app
        .as_user(
            &amy,
            "POST",
            &comment_marks(&cid),
            Some(json!({"custom": {"x": 1}})),
        )
        .await;
    let b = b.expect_ok()["bookmark"].clone();
    assert_eq!(b["object_type"], "comment");
    assert_eq!(b["object_id"], cid.as_str());
    assert_eq!(b["activity_id"], id.as_str());
    assert_eq!(b["activity"]["id"], id.as_str());
    assert_eq!(b["comment"]["id"], cid.as_str());
    assert_eq!(b["comment"]["bookmark_count"], 1);
    assert_eq!(comment(app, &cid).await["bookmark_count"], 1);
    // The activity's own count is its own.
    assert_eq!(get(app, &id, &amy).await["bookmark_count"], 0);

    let u = app
        .as_user(
            &amy,
            "PATCH",
            &comment_marks(&cid),
            Some(json!({"new_folder": {"name": "Quotes"}})),
        )
        .await;
    assert_eq!(u.expect_ok()["bookmark"]["folder"]["name"], "Quotes");
    let page = query(app, &amy, json!({"filter": {"object_type": "comment"}})).await;
    assert_eq!(objects(&page), vec![cid.clone()]);
    app.as_user(&amy, "DELETE", &comment_marks(&cid), None)
        .await
        .expect_ok();
    assert_eq!(comment(app, &cid).await["bookmark_count"], 0);
    app.as_user(&amy, "DELETE", &comment_marks(&cid), None)
        .await
        .expect_error(16, 404);
}

#[tokio::test]
async fn queries_filter_sort_and_page() {
    let app = &TestApp::spawn().await;
    let amy = unique("amy");
    let mut ids = Vec::new();
    for n in 0..5 {
        let id = new_activity(app).await;
        let body = if n % 2 == 0 {
            json!({"new_folder": {"name": "even"}})
        } else {
            json!({})
        };
        app.as_user(&amy, "POST", &marks(&id), Some(body))
            .await
            .expect_ok();
        ids.push(id);
    }
    let newest: Vec<String> = ids.iter().rev().cloned().collect();
    // Newest first by default; oldest first on request.
    assert_eq!(objects(&query(app, &amy, json!({})).await), newest);
    let oldest = query(
        app,
        &amy,
        json!({"sort": [{"field": "created_at", "direction": 1}]}),
    )
    .await;
    assert_eq!(objects(&oldest), ids);
    // Pages of two, forward and back.
    let p1 = query(app, &amy, json!({"limit": 2})).await;
    assert_eq!(objects(&p1), newest[..2].to_vec());
    assert!(p1.get("prev").is_none());
    let p2 = query(app, &amy, json!({"limit": 2, "next": p1["next"]})).await;
    assert_eq!(objects(&p2), newest[2..4].to_vec());
    let p3 = query(app, &amy, json!({"limit": 2, "next": p2["next"]})).await;
    assert_eq!(objects(&p3), newest[4..].to_vec());
    assert!(p3.get("next").is_none());
    let back = query(app, &amy, json!({"limit": 2, "prev": p3["prev"]})).await;
    assert_eq!(objects(&back), newest[2..4].to_vec());
    // By folder, by activity, by time.
    let folder = folders(app, &amy).await[0]["id"].clone();
    let even = query(app, &amy, json!({"filter": {"folder_id": folder}})).await;
    assert_eq!(
        objects(&even),
        vec![ids[4].clone(), ids[2].clone(), ids[0].clone()]
    );
    let one = query(
        app,
        &amy,
        json!({"filter": {"activity_id": {"$in": [ids[1]]}}}),
    )
    .await;
    assert_eq!(objects(&one), vec![ids[1].clone()]);
    let all = query(app, &amy, json!({})).await;
    let third = all["bookmarks"][2]["created_at"].clone();
    let since = query(
        app,
        &amy,
        json!({"filter": {"created_at": {"$gte": third}}}),
    )
    .await;
    assert_eq!(objects(&since), newest[..3].to_vec());
    let before = query(app, &amy, json!({"filter": {"created_at": {"$lt": third}}})).await;
    assert_eq!(objects(&before), newest[3..].to_vec());
    // The server names the user; bad filters and sorts are code 4.
    let server = app
        .server(
            "POST",
            QUERY,
            Some(json!({"filter": {"user_id": amy}, "limit": 1})),
        )
        .await;
    assert_eq!(objects(server.expect_ok()), newest[..1].to_vec());
    app.server("POST", QUERY, Some(json!({})))
        .await
        .expect_error(4, 400);
    app.as_user(
        &amy,
        "POST",
        QUERY,
        Some(json!({"filter": {"colour": "red"}})),
    )
    .await
    .expect_error(4, 400);
    app.as_user(
        &amy,
        "POST",
        QUERY,
        Some(json!({"sort": [{"field": "name"}]})),
    )
    .await
    .expect_error(4, 400);
    app.as_user(&amy, "POST", QUERY, Some(json!({"next": "nonsense"})))
        .await
        .expect_error(4, 400);
}

#[tokio::test]
async fn folders_are_listed_renamed_and_deleted_with_their_bookmarks() {
    let app = &TestApp::spawn().await;
    let amy = unique("amy");
    let (a1, a2) = (new_activity(app).await, new_activity(app).await);
    for (id, name) in [(&a1, "one"), (&a2, "two")] {
        app.as_user(
            &amy,
            "POST",
            &marks(id),
            Some(json!({"new_folder": {"name": name}})),
        )
        .await
        .expect_ok();
    }
    let list = folders(app, &amy).await;
    let names: Vec<&str> = list.iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["two", "one"]);
    let one = list[1]["id"].as_str().unwrap().to_string();
    let two = list[0]["id"].as_str().unwrap().to_string();
    let paged = app
        .as_user(
            &amy,
            "POST",
            &format!("{FOLDERS}/query"),
            Some(json!({"limit": 1})),
        )
        .await;
    let next = paged.expect_ok()["next"].clone();
    let rest = app
        .as_user(
            &amy,
            "POST",
            &format!("{FOLDERS}/query"),
            Some(json!({"limit": 1, "next": next})),
        )
        .await;
    assert_eq!(rest.expect_ok()["bookmark_folders"][0]["id"], one.as_str());
    let named = app
        .as_user(
            &amy,
            "POST",
            &format!("{FOLDERS}/query"),
            Some(json!({"filter": {"name": "one"}})),
        )
        .await;
    assert_eq!(
        named.expect_ok()["bookmark_folders"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // Renamed; a name another folder has is refused.
    let renamed = app
        .as_user(
            &amy,
            "PATCH",
            &format!("{FOLDERS}/{one}"),
            Some(json!({"name": "uno", "custom": {"c": 1}})),
        )
        .await;
    let f = renamed.expect_ok()["bookmark_folder"].clone();
    assert_eq!(f["name"], "uno");
    assert_eq!(f["custom"]["c"], 1);
    app.as_user(
        &amy,
        "PATCH",
        &format!("{FOLDERS}/{one}"),
        Some(json!({"name": "two"})),
    )
    .await
    .expect_error(4, 400);
    // The old name is free again; the new one files into the renamed folder.
    let a3 = new_activity(app).await;
    let b3 = app
        .as_user(
            &amy,
            "POST",
            &marks(&a3),
            Some(json!({"new_folder": {"name": "uno"}})),
        )
        .await;
    assert_eq!(b3.expect_ok()["bookmark"]["folder"]["id"], one.as_str());

    // Deleting a folder removes its bookmarks and their counts.
    app.as_user(&amy, "DELETE", &format!("{FOLDERS}/{one}"), None)
        .await
        .expect_ok();
    assert_eq!(get(app, &a1, &amy).await["bookmark_count"], 0);
    assert_eq!(get(app, &a3, &amy).await["bookmark_count"], 0);
    assert_eq!(get(app, &a2, &amy).await["bookmark_count"], 1);
    assert_eq!(
        objects(&query(app, &amy, json!({})).await),
        vec![a2.clone()]
    );
    let left: Vec<String> = folders(app, &amy)
        .await
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(left, vec![two]);
    app.as_user(&amy, "DELETE", &format!("{FOLDERS}/{one}"), None)
        .await
        .expect_error(16, 404);
    app.as_user(
        &amy,
        "PATCH",
        &format!("{FOLDERS}/{one}"),
        Some(json!({"name": "x"})),
    )
    .await
    .expect_error(16, 404);
}

#[tokio::test]
async fn a_users_bookmarks_and_folders_are_theirs_alone() {
    let app = &TestApp::spawn().await;
    let (amy, bob) = (unique("amy"), unique("bob"));
    let id = new_activity(app).await;
    let b = app
        .as_user(
            &amy,
            "POST",
            &marks(&id),
            Some(json!({"new_folder": {"name": "mine"}})),
        )
        .await;
    let folder = b.expect_ok()["bookmark"]["folder"]["id"]
        .as_str()
        .unwrap()
        .to_string();

    // Bob cannot act as Amy, nor file into her folder, rename or delete it.
    app.as_user(&bob, "POST", &marks(&id), Some(json!({"user_id": amy})))
        .await
        .expect_error(17, 403);
    app.as_user(
        &bob,
        "DELETE",
        &format!("{}?user_id={amy}", marks(&id)),
        None,
    )
    .await
    .expect_error(17, 403);
    app.as_user(
        &bob,
        "PATCH",
        &marks(&id),
        Some(json!({"user_id": amy, "custom": {"x": 1}})),
    )
    .await
    .expect_error(17, 403);
    app.as_user(
        &bob,
        "POST",
        &marks(&id),
        Some(json!({"folder_id": folder})),
    )
    .await
    .expect_error(17, 403);
    app.as_user(
        &bob,
        "PATCH",
        &format!("{FOLDERS}/{folder}"),
        Some(json!({"name": "bob's"})),
    )
    .await
    .expect_error(17, 403);
    app.as_user(&bob, "DELETE", &format!("{FOLDERS}/{folder}"), None)
        .await
        .expect_error(17, 403);
    // Nor see them in queries.
    app.as_user(
        &bob,
        "POST",
        QUERY,
        Some(json!({"filter": {"user_id": amy}})),
    )
    .await
    .expect_error(17, 403);
    assert!(objects(&query(app, &bob, json!({})).await).is_empty());
    assert!(objects(&query(app, &bob, json!({"filter": {"folder_id": folder}})).await).is_empty());
    assert!(folders(app, &bob).await.is_empty());
    app.as_user(
        &bob,
        "POST",
        &format!("{FOLDERS}/query"),
        Some(json!({"filter": {"user_id": amy}})),
    )
    .await
    .expect_error(17, 403);
    app.anonymous("POST", QUERY, Some(json!({})))
        .await
        .expect_error(17, 403);

    // Nothing of Amy's changed; Bob's own bookmark is his.
    let a = get(app, &id, &amy).await;
    assert_eq!(a["bookmark_count"], 1);
    assert_eq!(a["own_bookmarks"][0]["folder"]["name"], "mine");
    assert_eq!(
        objects(&query(app, &amy, json!({})).await),
        vec![id.clone()]
    );
    app.as_user(&bob, "POST", &marks(&id), Some(json!({})))
        .await
        .expect_ok();
    assert_eq!(
        get(app, &id, &bob).await["own_bookmarks"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(get(app, &id, &amy).await["bookmark_count"], 2);
    // The server may rename or delete anyone's folder.
    app.server(
        "PATCH",
        &format!("{FOLDERS}/{folder}"),
        Some(json!({"name": "renamed"})),
    )
    .await
    .expect_ok();
}

#[tokio::test]
async fn bad_input_changes_nothing() {
    let app = &TestApp::spawn().await;
    let amy = unique("amy");
    let id = new_activity(app).await;
    let missing = unique("missing");
    app.as_user(
        &amy,
        "POST",
        &marks(&missing),
        Some(json!({"new_folder": {"name": "f"}})),
    )
    .await
    .expect_error(16, 404);
    app.as_user(
        &amy,
        "POST",
        &comment_marks(&missing),
        Some(json!({"new_folder": {"name": "f"}})),
    )
    .await
    .expect_error(16, 404);
    app.as_user(
        &amy,
        "POST",
        &marks(&id),
        Some(json!({"folder_id": unique("nofolder")})),
    )
    .await
    .expect_error(16, 404);
    app.as_user(
        &amy,
        "POST",
        &marks(&id),
        Some(json!({"folder_id": "x", "new_folder": {"name": "f"}})),
    )
    .await
    .expect_error(4, 400);
    app.as_user(
        &amy,
        "POST",
        &marks(&id),
        Some(json!({"new_folder": {"name": " "}})),
    )
    .await
    .expect_error(4, 400);
    app.server("POST", &marks(&id), Some(json!({})))
        .await
        .expect_error(4, 400);
    assert_eq!(get(app, &id, &amy).await["bookmark_count"], 0);
    assert!(
        folders(app, &amy).await.is_empty(),
        "no folder was left behind"
    );
    assert!(objects(&query(app, &amy, json!({})).await).is_empty());

    // A duplicate is refused and leaves the count and the folders as they were.
    app.as_user(&amy, "POST", &marks(&id), Some(json!({})))
        .await
        .expect_ok();
    app.as_user(
        &amy,
        "POST",
        &marks(&id),
        Some(json!({"new_folder": {"name": "dup"}})),
    )
    .await
    .expect_error(4, 400);
    assert_eq!(get(app, &id, &amy).await["bookmark_count"], 1);
    assert!(folders(app, &amy).await.is_empty());
    // Updating a bookmark one does not have, or into a missing folder.
    let other = new_activity(app).await;
    app.as_user(&amy, "PATCH", &marks(&other), Some(json!({"custom": {}})))
        .await
        .expect_error(16, 404);
    app.as_user(
        &amy,
        "PATCH",
        &marks(&id),
        Some(json!({"new_folder_id": unique("nofolder")})),
    )
    .await
    .expect_error(16, 404);
    // A soft-deleted activity takes no new bookmarks.
    app.server("DELETE", &format!("{ACTIVITIES}/{other}"), None)
        .await
        .expect_ok();
    app.as_user(&amy, "POST", &marks(&other), Some(json!({})))
        .await
        .expect_error(16, 404);
}

#[tokio::test]
async fn fifty_concurrent_bookmarks_count_exactly() {
    let app = &TestApp::spawn().await;
    let id = new_activity(app).await;
    let users: Vec<String> = (0..50).map(|_| unique("fan")).collect();
    let adds = users.iter().map(|u| {
        let (path, body) = (
            marks(&id),
            json!({"user_id": u, "new_folder": {"name": "saved"}}),
        );
        async move { app.server("POST", &path, Some(body)).await }
    });
    for reply in join_all(adds).await {
        reply.expect_ok();
    }
    assert_eq!(get(app, &id, &users[3]).await["bookmark_count"], 50);
    // One user sending the same bookmark 50 times at once gets exactly one.
    let dup = unique("dup");
    let same = (0..50).map(|_| {
        let (path, body) = (
            marks(&id),
            json!({"user_id": dup, "new_folder": {"name": "once"}}),
        );
        async move { app.server("POST", &path, Some(body)).await.status }
    });
    let statuses = join_all(same).await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(get(app, &id, &dup).await["bookmark_count"], 51);
    assert_eq!(folders(app, &dup).await.len(), 1);
    // And 20 taken back at once.
    let deletes = users[..20].iter().map(|u| {
        let path = format!("{}?user_id={u}", marks(&id));
        async move { app.server("DELETE", &path, None).await }
    });
    for reply in join_all(deletes).await {
        reply.expect_ok();
    }
    let a = get(app, &id, &users[3]).await;
    assert_eq!(a["bookmark_count"], 31);
    assert_eq!(a["own_bookmarks"], json!([]));
}

#[tokio::test]
async fn own_bookmarks_on_a_feed_page_cost_one_batched_read() {
    let app = &TestApp::spawn().await;
    let (author, amy) = (unique("author"), unique("amy"));
    let mut ids = Vec::new();
    for _ in 0..10 {
        ids.push(app.post(&author).await["id"].as_str().unwrap().to_string());
    }
    let fid = format!("user:{author}");
    let page = |reader: String| {
        let fid = fid.clone();
        async move {
            let m = Measure::start(app);
            let read = app
                .as_user(
                    &reader,
                    "POST",
                    &format!("/api/v2/feeds/feed_groups/user/feeds/{}", &fid[5..]),
                    Some(json!({"limit": 10})),
                )
                .await;
            (m.finish(1), read.expect_ok().clone())
        }
    };
    let (before, _) = page(amy.clone()).await;
    for id in &ids {
        app.as_user(
            &amy,
            "POST",
            &marks(id),
            Some(json!({"new_folder": {"name": "all"}})),
        )
        .await
        .expect_ok();
    }
    let (after, read) = page(amy.clone()).await;
    for a in read["activities"].as_array().unwrap() {
        assert_eq!(a["own_bookmarks"].as_array().unwrap().len(), 1);
        assert_eq!(a["own_bookmarks"][0]["folder"]["name"], "all");
    }
    println!(
        "feed page of 10 read by amy: no bookmarks {:.1} RU / {:.0} round trips; all 10 bookmarked in a folder {:.1} RU / {:.0} round trips",
        before.read_units, before.round_trips, after.read_units, after.round_trips
    );
    assert!(after.round_trips <= before.round_trips + 2.0);
}

#[tokio::test]
async fn what_bookmark_operations_cost() {
    let app = &TestApp::spawn().await;
    let amy = unique("amy");
    let id = new_activity(app).await;
    let id2 = new_activity(app).await;
    let cost = |label: &str, m: Measure<'_>| {
        let c = m.finish(1);
        println!(
            "{label}: {:.1} RU, {:.1} WU, {:.0} round trips",
            c.read_units, c.write_units, c.round_trips
        );
    };
    let m = Measure::start(app);
    let b = app
        .as_user(
            &amy,
            "POST",
            &marks(&id),
            Some(json!({"new_folder": {"name": "f"}})),
        )
        .await;
    cost("add_bookmark (new folder)", m);
    let folder = b.expect_ok()["bookmark"]["folder"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let m = Measure::start(app);
    app.as_user(
        &amy,
        "POST",
        &marks(&id2),
        Some(json!({"folder_id": folder})),
    )
    .await
    .expect_ok();
    cost("add_bookmark (existing folder)", m);
    let m = Measure::start(app);
    app.as_user(
        &amy,
        "PATCH",
        &marks(&id),
        Some(json!({"custom": {"a": 1}})),
    )
    .await
    .expect_ok();
    cost("update_bookmark", m);
    let m = Measure::start(app);
    query(app, &amy, json!({"limit": 10})).await;
    cost("query_bookmarks (2 results)", m);
    let m = Measure::start(app);
    folders(app, &amy).await;
    cost("query_bookmark_folders", m);
    let m = Measure::start(app);
    app.as_user(
        &amy,
        "PATCH",
        &format!("{FOLDERS}/{folder}"),
        Some(json!({"name": "g"})),
    )
    .await
    .expect_ok();
    cost("update_bookmark_folder (rename)", m);
    let m = Measure::start(app);
    app.as_user(&amy, "DELETE", &marks(&id2), None)
        .await
        .expect_ok();
    cost("delete_bookmark", m);
    let m = Measure::start(app);
    app.as_user(&amy, "DELETE", &format!("{FOLDERS}/{folder}"), None)
        .await
        .expect_ok();
    cost("delete_bookmark_folder (1 bookmark in it)", m);
}

#[tokio::test]
async fn user_data_export_and_deletion_take_bookmarks_and_folders() {
    let app = &TestApp::spawn().await;
    let amy = unique("amy");
    let id = new_activity(app).await;
    let cid = new_comment(app, &id).await;
    app.as_user(
        &amy,
        "POST",
        &marks(&id),
        Some(json!({"new_folder": {"name": "f"}})),
    )
    .await
    .expect_ok();
    app.as_user(&amy, "POST", &comment_marks(&cid), Some(json!({})))
        .await
        .expect_ok();
    let run = |path: String, body: Value| async move {
        let started = app.server("POST", &path, Some(body)).await;
        let task_id = started.expect_ok()["task_id"].as_str().unwrap().to_string();
        app.settle_fanout().await;
        let task = app
            .server("GET", &format!("/api/v2/tasks/{task_id}"), None)
            .await
            .expect_ok()
            .clone();
        assert_eq!(task["status"], "completed", "{task}");
        task
    };
    let task = run(format!("/api/v2/feeds/users/{amy}/export"), json!({})).await;
    let data = &task["result"]["data"];
    assert_eq!(data["bookmarks"].as_array().unwrap().len(), 2, "{data}");
    assert_eq!(data["bookmark_folders"][0]["name"], "f");

    run(
        format!("/api/v2/feeds/users/{amy}/delete"),
        json!({"hard_delete": true}),
    )
    .await;
    assert_eq!(get(app, &id, &amy).await["bookmark_count"], 0);
    assert_eq!(comment(app, &cid).await["bookmark_count"], 0);
    assert!(objects(&query(app, &amy, json!({})).await).is_empty());
    assert!(folders(app, &amy).await.is_empty());
}
