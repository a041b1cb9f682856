//! `query_activities` and `query_comments` against DynamoDB Local: each index they choose,
//! the conditions checked on what is read, ordering, cursors and bad filters.

use serde_json::{json, Value};
use tributary_integration_tests::{unique, TestApp};

const QUERY_ACTIVITIES: &str = "/api/v2/feeds/activities/query";
const QUERY_COMMENTS: &str = "/api/v2/feeds/comments/query";

async fn query(app: &TestApp, body: Value) -> Value {
    app.server("POST", QUERY_ACTIVITIES, Some(body))
        .await
        .expect_ok()
        .clone()
}

fn ids(page: &Value, list: &str) -> Vec<String> {
    page[list]
        .as_array()
        .expect("list")
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect()
}

/// Every page of a query, following `next`.
async fn all_pages(app: &TestApp, mut body: Value) -> (Vec<String>, usize) {
    let (mut seen, mut pages) = (Vec::new(), 0);
    loop {
        let page = query(app, body.clone()).await;
        seen.extend(ids(&page, "activities"));
        pages += 1;
        match page["next"].as_str() {
            Some(next) => body["next"] = json!(next),
            None => return (seen, pages),
        }
        assert!(pages < 50, "paging does not end");
    }
}

async fn add(app: &TestApp, user: &str, body: Value) -> String {
    app.add_activity(user, body).await["id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn by_user_across_feeds_newest_first_pages_without_gaps() {
    let app = &TestApp::spawn().await;
    let amy = unique("amy");
    let mut made = Vec::new();
    for i in 0..7 {
        let feed = if i % 2 == 0 { "user" } else { "timeline" };
        made.push(
            add(
                app,
                &amy,
                json!({"type": "post", "text": format!("post {i}"), "feeds": [format!("{feed}:{amy}")]}),
            )
            .await,
        );
    }
    let (seen, pages) = all_pages(app, json!({"filter": {"user_id": amy}, "limit": 3})).await;
    let newest_first: Vec<String> = made.iter().rev().cloned().collect();
    assert_eq!(seen, newest_first);
    assert_eq!(pages, 3);
    let (oldest, _) = all_pages(
        app,
        json!({"filter": {"user_id": {"$in": [amy]}}, "limit": 4,
               "sort": [{"field": "created_at", "direction": 1}]}),
    )
    .await;
    assert_eq!(oldest, made);
}

#[tokio::test]
async fn feed_filter_merges_feeds_and_lists_an_activity_once() {
    let app = &TestApp::spawn().await;
    let (a, b) = (unique("fa"), unique("fb"));
    let both = add(
        app,
        &a,
        json!({"type": "post", "feeds": [format!("user:{a}"), format!("user:{b}")]}),
    )
    .await;
    let only_a = add(
        app,
        &a,
        json!({"type": "post", "feeds": [format!("user:{a}")]}),
    )
    .await;
    let only_b = add(
        app,
        &b,
        json!({"type": "post", "feeds": [format!("user:{b}")]}),
    )
    .await;
    let page = query(
        app,
        json!({"filter": {"feed": {"$in": [format!("user:{a}"), format!("user:{b}")]}}}),
    )
    .await;
    assert_eq!(ids(&page, "activities"), vec![only_b, only_a, both]);
    assert!(page.get("next").is_none_or(Value::is_null));
}

/// Queries activities of type `kind` meeting `filter`, expecting `want` in order.
async fn check(app: &TestApp, kind: &str, filter: Value, want: Vec<&String>) {
    let mut f = filter;
    f["activity_type"] = json!(kind);
    let body = json!({ "filter": f });
    let page = query(app, body.clone()).await;
    let want: Vec<String> = want.into_iter().cloned().collect();
    assert_eq!(ids(&page, "activities"), want, "{body}");
}

#[tokio::test]
async fn conditions_on_content_through_the_type_index() {
    let app = &TestApp::spawn().await;
    let kind = unique("kind");
    let user = unique("cu");
    let hot = add(
        app,
        &user,
        json!({"type": kind, "feeds": [format!("user:{user}")], "text": "The quick brown fox",
               "filter_tags": ["news", "sport"], "interest_tags": ["dogs"],
               "custom": {"rating": 9, "colour": "red"}, "location": {"lat": 52.37, "lng": 4.90}}),
    )
    .await;
    let cold = add(
        app,
        &user,
        json!({"type": kind, "feeds": [format!("user:{user}")], "text": "A lazy dog",
               "filter_tags": ["weather"], "custom": {"rating": 2}}),
    )
    .await;
    let other_type = add(
        app,
        &user,
        json!({"type": unique("other"), "feeds": [format!("user:{user}")], "text": "quick"}),
    )
    .await;
    check(app, &kind, json!({}), vec![&cold, &hot]).await;
    check(
        app,
        &kind,
        json!({"filter_tags": {"$in": ["sport", "x"]}}),
        vec![&hot],
    )
    .await;
    check(
        app,
        &kind,
        json!({"filter_tags": {"$contains": ["news", "sport"]}}),
        vec![&hot],
    )
    .await;
    check(app, &kind, json!({"interest_tags": "dogs"}), vec![&hot]).await;
    check(
        app,
        &kind,
        json!({"custom.rating": {"$gte": 5}}),
        vec![&hot],
    )
    .await;
    check(
        app,
        &kind,
        json!({"custom.colour": {"$exists": false}}),
        vec![&cold],
    )
    .await;
    check(app, &kind, json!({"text": {"$q": "QUICK fox"}}), vec![&hot]).await;
    check(
        app,
        &kind,
        json!({"text": {"$autocomplete": "laz"}}),
        vec![&cold],
    )
    .await;
    check(
        app,
        &kind,
        json!({"$or": [{"custom.rating": 2}, {"filter_tags": "news"}]}),
        vec![&cold, &hot],
    )
    .await;
    check(
        app,
        &kind,
        json!({"near": {"lat": 52.09, "lng": 5.12, "distance": 50}}),
        vec![&hot],
    )
    .await;
    check(
        app,
        &kind,
        json!({"created_at": {"$gt": "2000-01-01T00:00:00Z", "$lt": "2001-01-01T00:00:00Z"}}),
        vec![],
    )
    .await;
    // The type index keeps other types out even though their text matches.
    let page = query(
        app,
        json!({"filter": {"activity_type": kind, "text": {"$q": "quick"}}}),
    )
    .await;
    assert!(!ids(&page, "activities").contains(&other_type));
}

#[tokio::test]
async fn created_at_ranges_bound_the_read() {
    let app = &TestApp::spawn().await;
    let user = unique("ru");
    let mut made = Vec::new();
    for _ in 0..3 {
        made.push(app.post(&user).await);
    }
    let middle = made[1]["created_at"].clone();
    let page = query(
        app,
        json!({"filter": {"user_id": user, "created_at": {"$lte": middle}}}),
    )
    .await;
    let want: Vec<String> = made[..2]
        .iter()
        .rev()
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids(&page, "activities"), want);
    let page = query(
        app,
        json!({"filter": {"user_id": user, "created_at": {"$gt": middle}}}),
    )
    .await;
    assert_eq!(
        ids(&page, "activities"),
        vec![made[2]["id"].as_str().unwrap()]
    );
}

#[tokio::test]
async fn deleted_and_expired_only_when_asked() {
    let app = &TestApp::spawn().await;
    let user = unique("du");
    let live = add(
        app,
        &user,
        json!({"type": "post", "feeds": [format!("user:{user}")]}),
    )
    .await;
    let gone = add(
        app,
        &user,
        json!({"type": "post", "feeds": [format!("user:{user}")]}),
    )
    .await;
    app.server("DELETE", &format!("/api/v2/feeds/activities/{gone}"), None)
        .await
        .expect_ok();
    let expired = add(
        app,
        &user,
        json!({"type": "post", "feeds": [format!("user:{user}")], "expires_at": "2001-01-01T00:00:00Z"}),
    )
    .await;
    let filter = json!({"user_id": user});
    assert_eq!(
        ids(&query(app, json!({ "filter": filter })).await, "activities"),
        vec![live.clone()]
    );
    let with_deleted = query(
        app,
        json!({"filter": filter, "include_soft_deleted_activities": true}),
    )
    .await;
    assert_eq!(
        ids(&with_deleted, "activities"),
        vec![gone.clone(), live.clone()]
    );
    let with_expired = query(
        app,
        json!({"filter": filter, "include_expired_activities": true}),
    )
    .await;
    assert_eq!(ids(&with_expired, "activities"), vec![expired, live]);
}

#[tokio::test]
async fn sort_by_reaction_count() {
    let app = &TestApp::spawn().await;
    let user = unique("su");
    let mut made = Vec::new();
    for _ in 0..3 {
        made.push(
            add(
                app,
                &user,
                json!({"type": "post", "feeds": [format!("user:{user}")]}),
            )
            .await,
        );
    }
    for (i, id) in made.iter().enumerate() {
        // The first gets 2 likes, the second 0, the third 1.
        for n in 0..[2, 0, 1][i] {
            app.server(
                "POST",
                &format!("/api/v2/feeds/activities/{id}/reactions"),
                Some(json!({"type": "like", "user_id": format!("{user}-fan{n}")})),
            )
            .await
            .expect_ok();
        }
    }
    let page = query(
        app,
        json!({"filter": {"user_id": user}, "sort": [{"field": "reaction_count", "direction": -1}], "limit": 2}),
    )
    .await;
    assert_eq!(
        ids(&page, "activities"),
        vec![made[0].clone(), made[2].clone()]
    );
    let rest = query(
        app,
        json!({"filter": {"user_id": user}, "sort": [{"field": "reaction_count", "direction": -1}],
               "limit": 2, "next": page["next"]}),
    )
    .await;
    assert_eq!(ids(&rest, "activities"), vec![made[1].clone()]);
}

#[tokio::test]
async fn private_activities_show_only_to_their_author() {
    let app = &TestApp::spawn().await;
    let user = unique("pu");
    let secret = add(
        app,
        &user,
        json!({"type": "post", "feeds": [format!("user:{user}")], "visibility": "private"}),
    )
    .await;
    let filter = json!({"user_id": user});
    assert!(ids(&query(app, json!({ "filter": filter })).await, "activities").is_empty());
    let as_server = query(
        app,
        json!({"filter": filter, "include_private_activities": true}),
    )
    .await;
    assert_eq!(ids(&as_server, "activities"), vec![secret.clone()]);
    let mine = app
        .as_user(
            &user,
            "POST",
            QUERY_ACTIVITIES,
            Some(json!({ "filter": filter })),
        )
        .await;
    assert_eq!(ids(mine.expect_ok(), "activities"), vec![secret]);
    let theirs = app
        .as_user(
            "someone-else",
            "POST",
            QUERY_ACTIVITIES,
            Some(json!({ "filter": filter })),
        )
        .await;
    assert!(ids(theirs.expect_ok(), "activities").is_empty());
}

#[tokio::test]
async fn bad_activity_queries_name_the_problem() {
    let app = &TestApp::spawn().await;
    for (body, needle) in [
        (json!({"filter": {"user_id": {"$gt": "a"}}}), "$gt"),
        (json!({"filter": {"colour": "red"}}), "colour"),
        (
            json!({"filter": {"created_at": {"$gte": "last week"}}}),
            "created_at",
        ),
        (json!({"filter": {"text": {"$regex": "x"}}}), "$regex"),
        (json!({"sort": [{"field": "colour"}]}), "colour"),
        (json!({"limit": 1000}), "limit"),
        (json!({"next": "not-a-cursor"}), "next"),
    ] {
        let reply = app
            .server("POST", QUERY_ACTIVITIES, Some(body.clone()))
            .await;
        let err = reply.expect_error(4, 400);
        assert!(
            err["message"].as_str().unwrap().contains(needle),
            "{body}: {err}"
        );
    }
}

// ---- comments ---------------------------------------------------------------------------

async fn comment(app: &TestApp, body: Value) -> String {
    app.server("POST", "/api/v2/feeds/comments", Some(body))
        .await
        .expect_ok()["comment"]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn comments(app: &TestApp, body: Value) -> Value {
    app.server("POST", QUERY_COMMENTS, Some(body))
        .await
        .expect_ok()
        .clone()
}

#[tokio::test]
async fn query_comments_by_object_user_and_parent() {
    let app = &TestApp::spawn().await;
    let author = unique("ca");
    let activity = add(
        app,
        &author,
        json!({"type": "post", "feeds": [format!("user:{author}")]}),
    )
    .await;
    let (ann, ben) = (unique("ann"), unique("ben"));
    let on = |user: &str, text: &str| json!({"object_id": activity, "object_type": "activity", "comment": text, "user_id": user});
    let first = comment(app, on(&ann, "first thoughts")).await;
    let second = comment(app, on(&ben, "second")).await;
    let reply = comment(
        app,
        json!({"parent_id": first, "comment": "a reply", "user_id": ben}),
    )
    .await;
    let page = comments(
        app,
        json!({"filter": {"object_id": activity}, "sort": "first"}),
    )
    .await;
    assert_eq!(
        ids(&page, "comments"),
        vec![first.clone(), second.clone(), reply.clone()]
    );
    let page = comments(app, json!({"filter": {"user_id": ben}, "sort": "last"})).await;
    assert_eq!(ids(&page, "comments"), vec![reply.clone(), second.clone()]);
    let page = comments(app, json!({"filter": {"parent_id": first}})).await;
    assert_eq!(ids(&page, "comments"), vec![reply.clone()]);
    let page = comments(
        app,
        json!({"filter": {"object_id": activity, "comment_text": {"$q": "thoughts"}}}),
    )
    .await;
    assert_eq!(ids(&page, "comments"), vec![first.clone()]);
    // Paging by one through the object's comments, newest first.
    let mut seen = Vec::new();
    let mut body = json!({"filter": {"object_id": activity}, "sort": "last", "limit": 1});
    loop {
        let page = comments(app, body.clone()).await;
        seen.extend(ids(&page, "comments"));
        match page["next"].as_str() {
            Some(n) => body["next"] = json!(n),
            None => break,
        }
    }
    assert_eq!(seen, vec![reply, second, first]);
}

#[tokio::test]
async fn query_comments_ranked_and_refusals() {
    let app = &TestApp::spawn().await;
    let author = unique("cr");
    let activity = add(
        app,
        &author,
        json!({"type": "post", "feeds": [format!("user:{author}")]}),
    )
    .await;
    let on = |text: &str| json!({"object_id": activity, "object_type": "activity", "comment": text, "user_id": author});
    let meh = comment(app, on("meh")).await;
    let great = comment(app, on("great")).await;
    for n in 0..3 {
        app.server(
            "POST",
            &format!("/api/v2/feeds/comments/{great}/reactions"),
            Some(json!({"type": "upvote", "user_id": format!("{author}-v{n}")})),
        )
        .await
        .expect_ok();
    }
    let page = comments(
        app,
        json!({"filter": {"object_id": activity}, "sort": "top"}),
    )
    .await;
    assert_eq!(ids(&page, "comments"), vec![great.clone(), meh.clone()]);
    let page = comments(
        app,
        json!({"filter": {"object_id": activity, "upvote_count": {"$gte": 1}}}),
    )
    .await;
    assert_eq!(ids(&page, "comments"), vec![great.clone()]);
    // get_activity ranks its comments the same way when asked.
    let read = app
        .server(
            "GET",
            &format!("/api/v2/feeds/activities/{activity}?comment_sort=top"),
            None,
        )
        .await;
    assert_eq!(
        ids(&read.expect_ok()["activity"], "comments"),
        vec![great, meh]
    );
    for (body, needle) in [
        (json!({"filter": {"comment_text": "x"}}), "id, object_id"),
        (
            json!({"filter": {"object_id": activity}, "sort": "loudest"}),
            "loudest",
        ),
        (json!({"filter": {"object_id": {"$gt": "a"}}}), "$gt"),
        (json!({}), "filter"),
    ] {
        let reply = app.server("POST", QUERY_COMMENTS, Some(body.clone())).await;
        let err = reply.expect_error(4, 400);
        assert!(
            err["message"].as_str().unwrap().contains(needle),
            "{body}: {err}"
        );
    }
}

#[tokio::test]
async fn get_comments_around_a_comment() {
    let app = &TestApp::spawn().await;
    let author = unique("ar");
    let activity = add(
        app,
        &author,
        json!({"type": "post", "feeds": [format!("user:{author}")]}),
    )
    .await;
    let mut made = Vec::new();
    for i in 0..7 {
        made.push(
            comment(
                app,
                json!({"object_id": activity, "object_type": "activity",
                       "comment": format!("c{i}"), "user_id": author}),
            )
            .await,
        );
    }
    let path = format!(
        "/api/v2/feeds/comments?object_id={activity}&object_type=activity&sort=first&limit=3&id_around={}",
        made[3]
    );
    let page = app.server("GET", &path, None).await;
    let page = page.expect_ok();
    assert_eq!(ids(page, "comments"), made[2..5].to_vec());
    let next = page["next"].as_str().expect("more after the window");
    let rest = app
        .server(
            "GET",
            &format!(
                "/api/v2/feeds/comments?object_id={activity}&object_type=activity&sort=first&limit=10&next={next}"
            ),
            None,
        )
        .await;
    assert_eq!(ids(rest.expect_ok(), "comments"), made[5..].to_vec());
    let missing = app
        .server(
            "GET",
            &format!(
                "/api/v2/feeds/comments?object_id={activity}&object_type=activity&id_around=nope"
            ),
            None,
        )
        .await;
    missing.expect_error(4, 400);
}
