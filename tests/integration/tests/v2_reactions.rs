//! The v2 reactions family against DynamoDB Local: the reaction object, children, filters
//! with `id_*` paging, soft delete and restore, `target_feeds`, enrichment, errors, and one
//! store read by both dialects (v2 writes read through v3, v3 writes read through v2).

use serde_json::{json, Value};
use tributary_integration_tests::{unique, v2_server_token, v2_token, Reply, TestApp};

const REACTION: &str = "/api/v1.0/reaction/";

async fn v2(app: &TestApp, method: &str, path: &str, body: Option<Value>) -> Reply {
    app.v2(method, path, &v2_server_token(), body).await
}

fn ok(reply: Reply) -> Value {
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply.body["duration"].is_string(), "{}", reply.body);
    let mut body = reply.body;
    body.as_object_mut().unwrap().remove("duration");
    body
}

fn expect_v2_error(reply: &Reply, status: u16, code: i64, exception: &str) {
    assert_eq!(reply.status, status, "{}", reply.body);
    assert_eq!(reply.body["code"], code, "{}", reply.body);
    assert_eq!(reply.body["exception"], exception, "{}", reply.body);
    assert!(reply.body["detail"].is_string(), "{}", reply.body);
}

/// `reactions.add` as stream-python sends it (explicit nulls).
async fn add(app: &TestApp, kind: &str, activity_id: &str, user: &str, data: Value) -> Value {
    let body = json!({"kind": kind, "activity_id": activity_id, "user_id": user, "data": data,
                      "target_feeds": null, "target_feeds_extra_data": null});
    ok(v2(app, "POST", REACTION, Some(body)).await)
}

async fn add_child(app: &TestApp, kind: &str, parent: &str, user: &str, data: Value) -> Value {
    let body = json!({"kind": kind, "parent": parent, "user_id": user, "data": data,
                      "target_feeds": null, "target_feeds_extra_data": null});
    ok(v2(app, "POST", REACTION, Some(body)).await)
}

async fn get(app: &TestApp, id: &str) -> Value {
    ok(v2(app, "GET", &format!("{REACTION}{id}/"), None).await)
}

async fn filter(app: &TestApp, path_and_query: &str) -> Value {
    ok(v2(app, "GET", &format!("{REACTION}{path_and_query}"), None).await)
}

fn results(page: &Value) -> Vec<Value> {
    page["results"].as_array().unwrap().clone()
}

fn ids(page: &Value) -> Vec<String> {
    results(page)
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

/// A v3 activity in `user:<user>`; returns its id.
async fn v3_activity(app: &TestApp, user: &str) -> String {
    app.post(user).await["id"].as_str().unwrap().to_string()
}

async fn v3_read(app: &TestApp, activity_id: &str) -> Value {
    app.server(
        "GET",
        &format!("/api/v2/feeds/activities/{activity_id}"),
        None,
    )
    .await
    .expect_ok()["activity"]
        .clone()
}

#[tokio::test]
async fn the_reaction_object_on_an_unknown_activity() {
    let app = TestApp::spawn().await;
    let activity = uuid::Uuid::new_v4().to_string();
    let user = unique("mike");
    let r = add(&app, "like", &activity, &user, Value::Null).await;
    assert_eq!(r["kind"], "like");
    assert_eq!(r["activity_id"], activity);
    assert_eq!(r["user_id"], user);
    assert_eq!(r["parent"], "");
    assert_eq!(r["data"], json!({}));
    assert_eq!(r["latest_children"], json!({}));
    assert_eq!(r["children_counts"], json!({}));
    assert!(r.get("deleted_at").is_none());
    for t in ["created_at", "updated_at"] {
        let at = r[t].as_str().unwrap();
        assert!(
            tributary_v2::time::parse(at).is_some() && at.len() == 26,
            "{at}"
        );
    }
    assert_eq!(get(&app, &id(&r)).await, r);
    // A second like by the same user is another reaction.
    let again = add(&app, "like", &activity, &user, json!({"n": 2})).await;
    assert_ne!(id(&again), id(&r));
    assert!(id(&again) > id(&r), "ids order by time");
    let page = filter(&app, &format!("activity_id/{activity}/")).await;
    assert_eq!(ids(&page), [id(&again), id(&r)]);
    assert_eq!(page["next"], "");
}

#[tokio::test]
async fn update_soft_delete_restore_and_hard_delete() {
    let app = TestApp::spawn().await;
    let activity = uuid::Uuid::new_v4().to_string();
    let r = add(&app, "like", &activity, "mike", Value::Null).await;
    let path = format!("{REACTION}{}/", id(&r));
    let updated = ok(v2(
        &app,
        "PUT",
        &path,
        Some(json!({"data": {"changed": true}, "target_feeds": null})),
    )
    .await);
    assert_eq!(updated["data"], json!({"changed": true}));
    assert_eq!(get(&app, &id(&r)).await, updated);
    // A restore of a reaction that is not deleted does not exist.
    let restore = format!("{path}restore/");
    let refused = v2(&app, "PUT", &restore, Some(json!({}))).await;
    expect_v2_error(&refused, 404, 16, "DoesNotExistException");
    ok(v2(
        &app,
        "DELETE",
        &format!("{path}?soft=True"),
        Some(json!({})),
    )
    .await);
    let deleted = get(&app, &id(&r)).await;
    assert!(deleted["deleted_at"].is_string(), "{deleted}");
    let listed = filter(&app, &format!("activity_id/{activity}/")).await;
    assert!(
        ids(&listed).is_empty(),
        "soft-deleted reactions are not listed"
    );
    ok(v2(&app, "PUT", &restore, Some(json!({}))).await);
    let back = get(&app, &id(&r)).await;
    assert!(back.get("deleted_at").is_none(), "{back}");
    assert_eq!(back["data"], json!({"changed": true}));
    ok(v2(
        &app,
        "DELETE",
        &format!("{path}?soft=False"),
        Some(json!({})),
    )
    .await);
    let gone = v2(&app, "GET", &path, None).await;
    expect_v2_error(&gone, 404, 16, "DoesNotExistException");
    let again = v2(
        &app,
        "DELETE",
        &format!("{path}?soft=False"),
        Some(json!({})),
    )
    .await;
    expect_v2_error(&again, 404, 16, "DoesNotExistException");
}

/// stream-python's `test_reaction_filter`, exactly.
#[tokio::test]
async fn filters_by_reaction_activity_and_user() {
    let app = TestApp::spawn().await;
    let activity = uuid::Uuid::new_v4().to_string();
    let user = unique("u");
    let like = add(&app, "like", &activity, &user, Value::Null).await;
    let child = add_child(&app, "like", &id(&like), &user, Value::Null).await;
    assert_eq!(child["parent"], id(&like));
    assert_eq!(child["activity_id"], activity);
    let reaction = get(&app, &id(&like)).await;
    assert_eq!(
        reaction["latest_children"],
        json!({"like": [child.clone()]})
    );
    assert_eq!(reaction["children_counts"], json!({"like": 1}));
    let comment = add(&app, "comment", &activity, &user, json!({"text": "hi"})).await;
    let reaction_comment = get(&app, &id(&comment)).await;

    let one = |page: Value, expected: &Value| {
        assert_eq!(results(&page), std::slice::from_ref(expected), "{page}");
    };
    one(
        filter(&app, &format!("reaction_id/{}/", id(&like))).await,
        &child,
    );
    let q = format!(
        "activity_id/{activity}/like/?kind=like&activity_id={activity}&id_lte={}",
        id(&like)
    );
    one(filter(&app, &q).await, &reaction);
    let q = format!(
        "user_id/{user}/like/?kind=like&user_id={user}&id_lte={}",
        id(&like)
    );
    one(filter(&app, &q).await, &reaction);
    one(
        filter(&app, &format!("activity_id/{activity}/comment/")).await,
        &reaction_comment,
    );
    // Everything on the activity, newest first; the child is not top-level.
    let all = filter(&app, &format!("activity_id/{activity}/")).await;
    assert_eq!(ids(&all), [id(&comment), id(&like)]);
    // Paging: limit 1 has a next page, which holds the rest.
    let first = filter(&app, &format!("activity_id/{activity}/?limit=1")).await;
    assert_eq!(ids(&first), [id(&comment)]);
    let next = first["next"].as_str().unwrap();
    assert!(next.contains(&format!("id_lt={}", id(&comment))), "{next}");
    let rest = ok(v2(&app, "GET", next, None).await);
    assert_eq!(ids(&rest), [id(&like)]);
    let newer = filter(
        &app,
        &format!("activity_id/{activity}/?id_gt={}", id(&like)),
    )
    .await;
    assert_eq!(ids(&newer), [id(&comment)]);
    // `reaction//` with the lookup in the query, as clients send a filter without one.
    let by_query = ok(v2(
        &app,
        "GET",
        &format!("/api/v1.0/reaction//?activity_id={activity}"),
        None,
    )
    .await);
    assert_eq!(ids(&by_query), ids(&all));
    // Lookups that match nothing are empty, not errors.
    let random = "87a9eec0-fd5f-11e8-8080-80013fed2f5b";
    for q in [
        format!("reaction_id/{random}/like/?id_lte={random}"),
        format!("activity_id/{random}/?id_lte={random}"),
        format!("user_id/{}/?id_lte={random}", unique("nobody")),
    ] {
        assert!(ids(&filter(&app, &q).await).is_empty());
    }
    // Own children for a user.
    let own = filter(
        &app,
        &format!("activity_id/{activity}/like/?with_own_children=True&user_id={user}"),
    )
    .await;
    assert_eq!(results(&own)[0]["own_children"], json!({"like": [child]}));
}

#[tokio::test]
async fn v2_writes_read_through_v3() {
    let app = TestApp::spawn().await;
    let author = unique("author");
    let activity = v3_activity(&app, &author).await;
    let ann = unique("ann");
    let like = add(&app, "like", &activity, &ann, json!({"emoji": "+1"})).await;
    assert!(
        id(&like).contains('.'),
        "a v3-held reaction's id carries its key"
    );
    let comment = add(
        &app,
        "comment",
        &activity,
        &ann,
        json!({"text": "hello", "mood": "good"}),
    )
    .await;
    assert_eq!(comment["data"], json!({"text": "hello", "mood": "good"}));

    let seen = v3_read(&app, &activity).await;
    assert_eq!(seen["reaction_groups"]["like"]["count"], 1, "{seen}");
    assert_eq!(seen["latest_reactions"][0]["user"]["id"], ann);
    assert_eq!(
        seen["latest_reactions"][0]["custom"],
        json!({"emoji": "+1"})
    );
    assert_eq!(seen["comment_count"], 1);
    assert_eq!(seen["comments"][0]["id"], id(&comment));
    assert_eq!(seen["comments"][0]["text"], "hello");
    assert_eq!(seen["comments"][0]["custom"], json!({"mood": "good"}));

    // A second like by the same user: v2 keeps it, v3 still holds one per user and type.
    let second = add(&app, "like", &activity, &ann, Value::Null).await;
    assert!(!id(&second).contains('.'));
    assert_eq!(
        v3_read(&app, &activity).await["reaction_groups"]["like"]["count"],
        1
    );
    let likes = filter(&app, &format!("activity_id/{activity}/like/")).await;
    assert_eq!(ids(&likes), [id(&second), id(&like)]);

    // A child comment is a reply; a child like of the comment is a v3 comment reaction.
    let reply = add_child(
        &app,
        "comment",
        &id(&comment),
        &author,
        json!({"text": "thanks"}),
    )
    .await;
    add_child(&app, "like", &id(&comment), &author, Value::Null).await;
    let replies = app
        .server(
            "GET",
            &format!("/api/v2/feeds/comments/{}/replies", id(&comment)),
            None,
        )
        .await;
    let replies = replies.expect_ok();
    assert_eq!(replies["comments"][0]["id"], id(&reply), "{replies}");
    let c = app
        .server(
            "GET",
            &format!("/api/v2/feeds/comments/{}", id(&comment)),
            None,
        )
        .await;
    assert_eq!(
        c.expect_ok()["comment"]["reaction_groups"]["like"]["count"],
        1
    );
    let shown = get(&app, &id(&comment)).await;
    assert_eq!(shown["children_counts"], json!({"comment": 1, "like": 1}));
    assert_eq!(shown["latest_children"]["comment"][0], reply);

    // Updating data through v2 changes the v3 reaction and its copy on the activity.
    ok(v2(
        &app,
        "PUT",
        &format!("{REACTION}{}/", id(&like)),
        Some(json!({"data": {"emoji": "heart"}})),
    )
    .await);
    let seen = v3_read(&app, &activity).await;
    assert_eq!(
        seen["latest_reactions"][0]["custom"],
        json!({"emoji": "heart"})
    );
    // A hard delete through v2 takes it out of v3.
    ok(v2(
        &app,
        "DELETE",
        &format!("{REACTION}{}/?soft=False", id(&like)),
        Some(json!({})),
    )
    .await);
    let seen = v3_read(&app, &activity).await;
    assert!(seen["reaction_groups"].get("like").is_none(), "{seen}");
}

#[tokio::test]
async fn v3_writes_read_through_v2() {
    let app = TestApp::spawn().await;
    let author = unique("author");
    let activity = v3_activity(&app, &author).await;
    let carl = unique("carl");
    app.server(
        "POST",
        &format!("/api/v2/feeds/activities/{activity}/reactions"),
        Some(json!({"type": "like", "user_id": carl, "custom": {"x": 1}})),
    )
    .await
    .expect_ok();
    let comment = app
        .server(
            "POST",
            "/api/v2/feeds/comments",
            Some(
                json!({"object_id": activity, "object_type": "activity", "comment": "first",
                        "user_id": carl, "custom": {"k": "v"}}),
            ),
        )
        .await;
    let comment_id = comment.expect_ok()["comment"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let reply = app
        .server(
            "POST",
            "/api/v2/feeds/comments",
            Some(
                json!({"object_id": activity, "object_type": "activity", "comment": "re",
                        "user_id": author, "parent_id": comment_id}),
            ),
        )
        .await;
    let reply_id = reply.expect_ok()["comment"]["id"]
        .as_str()
        .unwrap()
        .to_string();

    let page = filter(&app, &format!("activity_id/{activity}/")).await;
    let list = results(&page);
    assert_eq!(list.len(), 2, "{page}");
    let c = &list[0];
    assert_eq!(
        (c["kind"].as_str(), c["id"].as_str()),
        (Some("comment"), Some(comment_id.as_str()))
    );
    assert_eq!(c["data"], json!({"k": "v", "text": "first"}));
    assert_eq!(c["children_counts"], json!({"comment": 1}));
    assert_eq!(c["latest_children"]["comment"][0]["id"], reply_id);
    assert_eq!(c["latest_children"]["comment"][0]["parent"], comment_id);
    let like = &list[1];
    assert_eq!(like["kind"], "like");
    assert_eq!(like["user_id"], carl);
    assert_eq!(like["data"], json!({"x": 1}));
    assert_eq!(like["parent"], "");
    // The id of a v3 reaction finds it, and a user lookup shows it too.
    assert_eq!(&get(&app, like["id"].as_str().unwrap()).await, like);
    let by_user = filter(&app, &format!("user_id/{carl}/")).await;
    assert_eq!(ids(&by_user), [comment_id.clone(), id(like)]);
    let children = filter(&app, &format!("reaction_id/{comment_id}/")).await;
    assert_eq!(ids(&children), [reply_id]);

    // Soft-deleting the v3 reaction through v2 takes it out of v3; restoring puts it back
    // under the same id.
    let path = format!("{REACTION}{}/", id(like));
    ok(v2(
        &app,
        "DELETE",
        &format!("{path}?soft=True"),
        Some(json!({})),
    )
    .await);
    assert!(v3_read(&app, &activity).await["reaction_groups"]
        .get("like")
        .is_none());
    assert!(get(&app, &id(like)).await["deleted_at"].is_string());
    ok(v2(&app, "PUT", &format!("{path}restore/"), Some(json!({}))).await);
    let seen = v3_read(&app, &activity).await;
    assert_eq!(seen["reaction_groups"]["like"]["count"], 1, "{seen}");
    let mut back = get(&app, &id(like)).await;
    assert!(back["updated_at"].as_str() > like["updated_at"].as_str());
    back["updated_at"] = like["updated_at"].clone();
    assert_eq!(&back, like);
}

/// The newest activity of `user:<feed>`, as v2 reads it.
async fn newest(app: &TestApp, feed: &str) -> Value {
    let path = format!("/api/v1.0/feed/user/{feed}/?limit=1");
    ok(v2(app, "GET", &path, None).await)["results"][0].clone()
}

#[tokio::test]
async fn target_feeds_get_the_reaction_activity() {
    let app = TestApp::spawn().await;
    let feed = unique("michelle");
    let body = json!({"kind": "superlike", "activity_id": uuid::Uuid::new_v4().to_string(),
        "user_id": "mike", "data": {"popularity": 50}, "target_feeds": [format!("user:{feed}")],
        "target_feeds_extra_data": {"popularity": 100}});
    let r = ok(v2(&app, "POST", REACTION, Some(body)).await);
    assert_eq!(r["data"]["popularity"], 50);
    let a = newest(&app, &feed).await;
    assert!(a["reaction"].as_str().unwrap().contains(&id(&r)), "{a}");
    assert_eq!(a["verb"], "superlike");
    assert_eq!(a["popularity"], 100);
    let body = json!({"kind": "superlike", "parent": id(&r), "user_id": "rob",
        "data": {"popularity": 60}, "target_feeds": [format!("user:{feed}")],
        "target_feeds_extra_data": {"popularity": 200}});
    let child = ok(v2(&app, "POST", REACTION, Some(body)).await);
    let a = newest(&app, &feed).await;
    assert!(a["reaction"].as_str().unwrap().contains(&id(&child)), "{a}");
    assert_eq!(a["popularity"], 200);
    // Deleting the child takes its activity out of the feed.
    ok(v2(
        &app,
        "DELETE",
        &format!("{REACTION}{}/?soft=False", id(&child)),
        Some(json!({})),
    )
    .await);
    let a = newest(&app, &feed).await;
    assert!(a["reaction"].as_str().unwrap().contains(&id(&r)), "{a}");
    // An unknown feed group refuses the reaction and writes nothing.
    let bad = json!({"kind": "like", "activity_id": "a", "user_id": "mike",
                     "target_feeds": ["nosuchgroup:1"]});
    let refused = v2(&app, "POST", REACTION, Some(bad)).await;
    expect_v2_error(&refused, 400, 4, "InputException");
    assert!(refused.body["exception_fields"]["target_feeds"].is_array());
}

#[tokio::test]
async fn enrichment_counts_latest_and_own_reactions() {
    let app = TestApp::spawn().await;
    let author = unique("author");
    let activity = v3_activity(&app, &author).await;
    let unknown = uuid::Uuid::new_v4().to_string();
    let (ann, bob) = (unique("ann"), unique("bob"));
    let like = add(&app, "like", &activity, &ann, Value::Null).await;
    let second = add(&app, "like", &activity, &ann, Value::Null).await;
    let bob_like = add(&app, "like", &activity, &bob, Value::Null).await;
    let reshare = add(&app, "reshare", &activity, &bob, Value::Null).await;
    let comment = add(&app, "comment", &activity, &ann, json!({"text": "x"})).await;
    let elsewhere = add(&app, "like", &unknown, &ann, Value::Null).await;
    let ids_ = [activity.clone(), unknown.clone(), "never".to_string()];
    let all =
        tributary_v2::reactions::enrichment(&app.store, &ids_, Some(&ann), None, true, true, true)
            .await
            .unwrap();
    let e = &all[&activity];
    assert_eq!(
        Value::Object(e.reaction_counts.clone()),
        json!({"like": 3, "reshare": 1, "comment": 1})
    );
    assert_eq!(e.latest_reactions["like"], json!([bob_like, second, like]));
    assert_eq!(e.latest_reactions["reshare"], json!([reshare]));
    assert_eq!(e.latest_reactions["comment"], json!([comment]));
    assert_eq!(e.own_reactions["like"], json!([second, like]));
    assert_eq!(e.own_reactions["comment"], json!([comment]));
    assert!(e.own_reactions.get("reshare").is_none());
    assert_eq!(all[&unknown].latest_reactions["like"], json!([elsewhere]));
    assert_eq!(
        Value::Object(all["never"].reaction_counts.clone()),
        json!({})
    );
    // Kinds filter all three.
    let kinds = ["like".to_string(), "comment".to_string()];
    let some = tributary_v2::reactions::enrichment(
        &app.store,
        &ids_[..1],
        Some(&bob),
        Some(&kinds),
        true,
        true,
        true,
    )
    .await
    .unwrap();
    let e = &some[&activity];
    assert_eq!(
        Value::Object(e.reaction_counts.clone()),
        json!({"like": 3, "comment": 1})
    );
    assert!(e.latest_reactions.get("reshare").is_none());
    assert_eq!(
        Value::Object(e.own_reactions.clone()),
        json!({"like": [bob_like]})
    );
    // Deleted reactions leave the counts: a soft-deleted comment (v3 keeps counting it) and
    // a hard-deleted v2-only like.
    let path = |r: &Value, soft: &str| format!("{REACTION}{}/?soft={soft}", id(r));
    ok(v2(&app, "DELETE", &path(&comment, "True"), Some(json!({}))).await);
    ok(v2(&app, "DELETE", &path(&second, "False"), Some(json!({}))).await);
    let after =
        tributary_v2::reactions::enrichment(&app.store, &ids_[..1], None, None, false, true, true)
            .await
            .unwrap();
    let e = &after[&activity];
    assert_eq!(
        Value::Object(e.reaction_counts.clone()),
        json!({"like": 2, "reshare": 1})
    );
    assert_eq!(e.latest_reactions["like"], json!([bob_like, like]));
    assert!(e.latest_reactions.get("comment").is_none());
}

#[tokio::test]
async fn refusals_name_the_field_and_change_nothing() {
    let app = TestApp::spawn().await;
    let missing_kind = v2(
        &app,
        "POST",
        REACTION,
        Some(json!({"activity_id": "a", "user_id": "u"})),
    )
    .await;
    expect_v2_error(&missing_kind, 400, 4, "InputException");
    assert!(missing_kind.body["exception_fields"]["kind"].is_array());
    let no_activity = v2(
        &app,
        "POST",
        REACTION,
        Some(json!({"kind": "like", "user_id": "u"})),
    )
    .await;
    assert!(
        no_activity.body["exception_fields"]["activity_id"].is_array(),
        "{}",
        no_activity.body
    );
    let no_user = v2(
        &app,
        "POST",
        REACTION,
        Some(json!({"kind": "like", "activity_id": "a"})),
    )
    .await;
    assert!(
        no_user.body["exception_fields"]["user_id"].is_array(),
        "{}",
        no_user.body
    );
    let bad_data = v2(
        &app,
        "POST",
        REACTION,
        Some(json!({"kind": "like", "activity_id": "a", "user_id": "u", "data": [1]})),
    )
    .await;
    assert!(
        bad_data.body["exception_fields"]["data"].is_array(),
        "{}",
        bad_data.body
    );
    let orphan = v2(
        &app,
        "POST",
        REACTION,
        Some(json!({"kind": "like", "parent": "nope", "user_id": "u"})),
    )
    .await;
    expect_v2_error(&orphan, 404, 16, "DoesNotExistException");
    // Three levels at most.
    let activity = uuid::Uuid::new_v4().to_string();
    let one = add(&app, "comment", &activity, "u", Value::Null).await;
    let two = add_child(&app, "comment", &id(&one), "u", Value::Null).await;
    let three = add_child(&app, "like", &id(&two), "u", Value::Null).await;
    let four = v2(
        &app,
        "POST",
        REACTION,
        Some(json!({"kind": "like", "parent": id(&three), "user_id": "u"})),
    )
    .await;
    expect_v2_error(&four, 400, 4, "InputException");
    assert!(four.body["exception_fields"]["parent"].is_array());
    let bad_lookup = v2(&app, "GET", &format!("{REACTION}kind/like/"), None).await;
    expect_v2_error(&bad_lookup, 400, 4, "InputException");
    // A token for another resource may not add reactions.
    let feed_token = v2_token(json!({"resource": "feed", "action": "*", "feed_id": "*"}));
    let refused = app
        .v2(
            "POST",
            REACTION,
            &feed_token,
            Some(json!({"kind": "like", "activity_id": "a", "user_id": "u"})),
        )
        .await;
    expect_v2_error(&refused, 403, 17, "NotAllowedException");
    // A user token acts as its user and may not change another user's reaction.
    let ann = v2_token(json!({"user_id": "ann"}));
    let mine = app
        .v2(
            "POST",
            REACTION,
            &ann,
            Some(json!({"kind": "like", "activity_id": activity})),
        )
        .await;
    assert_eq!(mine.body["user_id"], "ann", "{}", mine.body);
    let bob = v2_token(json!({"user_id": "bob"}));
    let path = format!("{REACTION}{}/?soft=False", id(&mine.body));
    let taken = app.v2("DELETE", &path, &bob, Some(json!({}))).await;
    expect_v2_error(&taken, 403, 17, "NotAllowedException");
    // A client-chosen id: a retry answers the same reaction, another reaction is refused.
    let chosen = uuid::Uuid::new_v4().to_string();
    let body = json!({"id": chosen, "kind": "like", "activity_id": activity, "user_id": "u"});
    let first = ok(v2(&app, "POST", REACTION, Some(body.clone())).await);
    assert_eq!(first["id"], chosen);
    assert_eq!(ok(v2(&app, "POST", REACTION, Some(body)).await), first);
    let other = json!({"id": chosen, "kind": "clap", "activity_id": activity, "user_id": "u"});
    let clash = v2(&app, "POST", REACTION, Some(other)).await;
    assert!(
        clash.body["exception_fields"]["id"].is_array(),
        "{}",
        clash.body
    );
}
