//! The realtime API against DynamoDB Local: the WebSocket function's handshake (api key,
//! token, `connection.ok` with `me`, Stream's error and a close for bad tokens), health
//! checks, watched reads (only one's own connection, only readable feeds), and events
//! reaching the connections that watch a feed (and its followers' feeds) and no others.
//! Frames go out through the management API, received here by a recording endpoint that
//! answers as API Gateway's does (410 Gone for closed connections).

use std::time::Duration;

use serde_json::json;
use tributary_integration_tests::realtime::{connect, ws_event, Endpoint};
use tributary_integration_tests::{sign, unique, TestApp, API_SECRET};

/// A watched read of `fid` by `user` on `connection`.
async fn watch(
    app: &TestApp,
    user: &str,
    fid: &str,
    connection: &str,
) -> tributary_integration_tests::Reply {
    let (group, id) = fid.split_once(':').unwrap();
    app.as_user(
        user,
        "POST",
        &format!("/api/v2/feeds/feed_groups/{group}/feeds/{id}?connection_id={connection}"),
        Some(json!({"watch": true})),
    )
    .await
}

#[tokio::test]
async fn realtime() {
    let (endpoint, url) = Endpoint::spawn().await;
    let app = TestApp::spawn_with_realtime(&url).await;
    the_handshake_signs_in_answers_health_checks_and_refuses_bad_tokens(&app, &endpoint).await;
    watched_feeds_get_events_and_others_do_not(&app, &endpoint).await;
    private_activities_reach_only_their_author_and_feed_owner(&app, &endpoint).await;
}

async fn the_handshake_signs_in_answers_health_checks_and_refuses_bad_tokens(
    app: &TestApp,
    endpoint: &Endpoint,
) {
    let rt = app.realtime.as_ref().unwrap();
    let refused = rt
        .handle(ws_event(
            "$connect",
            "c0",
            json!({"api_key": "wrong"}),
            None,
        ))
        .await;
    assert_eq!(
        refused.status_code, 401,
        "a wrong api key refuses the handshake"
    );

    let user = unique("rt");
    let conn = connect(app, &user, "Ada").await;
    let [ok] = endpoint.frames_to(&conn).try_into().unwrap();
    assert_eq!(ok["type"], "connection.ok");
    assert_eq!(ok["connection_id"], conn.as_str());
    assert_eq!(ok["me"]["id"], user.as_str());
    assert_eq!(ok["me"]["name"], "Ada");
    // The user was upserted from user_details.
    let stored = app.store.get_users([user.as_str()]).await.unwrap();
    assert_eq!(stored[&user].name.as_deref(), Some("Ada"));

    let check = json!([{"type": "health.check", "client_id": "x"}]);
    rt.handle(ws_event("$default", &conn, json!({}), Some(check)))
        .await;
    assert_eq!(endpoint.events_to(&conn, "health.check").len(), 1);

    for (token, code) in [
        (sign(json!({"user_id": user, "exp": 1}), API_SECRET), 40),
        (sign(json!({"user_id": user}), "not-the-secret"), 43),
    ] {
        let bad = unique("conn");
        let hello = json!({"token": token, "user_details": {"id": user}, "products": ["feeds"]});
        rt.handle(ws_event("$default", &bad, json!({}), Some(hello)))
            .await;
        let [err] = endpoint.frames_to(&bad).try_into().unwrap();
        assert_eq!(err["type"], "connection.error");
        assert_eq!(err["error"]["code"], code, "{err}");
        assert!(
            endpoint.closed.lock().unwrap().contains(&bad),
            "the socket is closed"
        );
        assert!(app.store.get_connection(&bad).await.unwrap().is_none());
    }
}

async fn watched_feeds_get_events_and_others_do_not(app: &TestApp, endpoint: &Endpoint) {
    let (author, fan, stranger) = (unique("author"), unique("fan"), unique("stranger"));
    let own = format!("user:{author}");
    let timeline = format!("timeline:{fan}");
    app.follow(&timeline, &own, json!({})).await;
    let author_conn = connect(app, &author, "A").await;
    let fan_conn = connect(app, &fan, "F").await;
    let stranger_conn = connect(app, &stranger, "S").await;

    watch(app, &author, &own, &author_conn).await.expect_ok();
    watch(app, &fan, &timeline, &fan_conn).await.expect_ok();
    // Only one's own connection, and only feeds one may read.
    watch(app, &stranger, &timeline, &stranger_conn)
        .await
        .expect_error(17, 403);
    watch(app, &stranger, &format!("user:{stranger}"), &fan_conn)
        .await
        .expect_error(17, 403);
    watch(
        app,
        &stranger,
        &format!("user:{stranger}"),
        "no-such-connection",
    )
    .await
    .expect_error(4, 400);

    let added = app.post(&author).await;
    let id = added["id"].as_str().unwrap().to_string();
    app.server(
        "POST",
        &format!("/api/v2/feeds/activities/{id}/reactions"),
        Some(json!({"type": "like", "user_id": fan})),
    )
    .await
    .expect_ok();
    app.settle_fanout().await;

    let to_author = endpoint.events_to(&author_conn, "feeds.activity.added");
    assert_eq!(to_author.len(), 1, "{:?}", endpoint.frames_to(&author_conn));
    assert_eq!(to_author[0]["fid"], own.as_str());
    assert_eq!(to_author[0]["activity"]["id"], id.as_str());
    let to_fan = endpoint.events_to(&fan_conn, "feeds.activity.added");
    assert_eq!(to_fan.len(), 1, "followers' watched feeds get it too");
    assert_eq!(to_fan[0]["fid"], timeline.as_str());
    let reacted = endpoint.events_to(&author_conn, "feeds.activity.reaction.added");
    assert_eq!(reacted.len(), 1);
    assert_eq!(reacted[0]["reaction"]["type"], "like");
    assert!(
        endpoint
            .frames_to(&stranger_conn)
            .iter()
            .all(|f| f["type"] == "connection.ok"),
        "a connection watching nothing gets no events"
    );

    // A notification: the owner watching their notification feed sees its new groups.
    let notifications = format!("notification:{author}");
    watch(app, &author, &notifications, &author_conn)
        .await
        .expect_ok();
    app.server(
        "POST",
        &format!("/api/v2/feeds/activities/{id}/reactions"),
        Some(json!({"type": "love", "user_id": fan, "create_notification_activity": true})),
    )
    .await
    .expect_ok();
    app.settle_fanout().await;
    let updated = endpoint.events_to(&author_conn, "feeds.notification_feed.updated");
    assert_eq!(updated.len(), 1, "{:?}", endpoint.frames_to(&author_conn));
    assert_eq!(updated[0]["fid"], notifications.as_str());
    assert_eq!(updated[0]["notification_status"]["unseen"], 1);
    let groups = updated[0]["aggregated_activities"].as_array().unwrap();
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0]["activities"][0]["type"], "reaction");

    // Comments and their reactions, and activities written through the v2 API.
    let comment = app
        .server(
            "POST",
            "/api/v2/feeds/comments",
            Some(json!({"object_id": id, "object_type": "activity", "comment": "c1", "user_id": fan})),
        )
        .await;
    let comment_id = comment.expect_ok()["comment"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    app.server(
        "POST",
        &format!("/api/v2/feeds/comments/{comment_id}/reactions"),
        Some(json!({"type": "heart", "user_id": author})),
    )
    .await
    .expect_ok();
    app.server(
        "PATCH",
        &format!("/api/v2/feeds/comments/{comment_id}"),
        Some(json!({"comment": "c2", "user_id": fan})),
    )
    .await
    .expect_ok();
    app.server(
        "DELETE",
        &format!("/api/v2/feeds/comments/{comment_id}?user_id={fan}"),
        None,
    )
    .await
    .expect_ok();
    let (group, owner) = own.split_once(':').unwrap();
    let v2 = app
        .v2(
            "POST",
            &format!("/api/v1.0/feed/{group}/{owner}/"),
            &tributary_integration_tests::v2_server_token(),
            Some(json!({"actor": author, "verb": "post", "object": "o"})),
        )
        .await;
    assert_eq!(v2.status, 200, "{}", v2.body);
    app.settle_fanout().await;
    for kind in [
        "feeds.comment.added",
        "feeds.comment.reaction.added",
        "feeds.comment.updated",
        "feeds.comment.deleted",
    ] {
        let got = endpoint.events_to(&author_conn, kind);
        assert_eq!(
            got.len(),
            1,
            "{kind}: {:?}",
            endpoint.frames_to(&author_conn)
        );
        assert_eq!(got[0]["comment"]["id"], comment_id.as_str(), "{kind}");
        assert_eq!(got[0]["activity"]["id"], id.as_str(), "{kind}");
    }
    let v2_added = endpoint.events_to(&fan_conn, "feeds.activity.added");
    assert!(
        v2_added
            .iter()
            .any(|e| e["activity"]["id"] == v2.body["id"]),
        "a v2 write reaches v3 watchers of the feeds that follow it"
    );

    // The feed's own changes: its data and its members.
    app.server(
        "PUT",
        &format!("/api/v2/feeds/feed_groups/{group}/feeds/{owner}"),
        Some(json!({"custom": {"topic": "live"}})),
    )
    .await
    .expect_ok();
    app.server(
        "PATCH",
        &format!("/api/v2/feeds/feed_groups/{group}/feeds/{owner}/members"),
        Some(json!({"operation": "upsert", "members": [{"user_id": fan}]})),
    )
    .await
    .expect_ok();
    app.settle_fanout().await;
    let updated = endpoint.events_to(&author_conn, "feeds.feed.updated");
    assert_eq!(updated.len(), 1);
    assert_eq!(updated[0]["feed"]["custom"]["topic"], "live");
    let member = endpoint.events_to(&author_conn, "feeds.feed_member.added");
    assert_eq!(member.len(), 1);
    assert_eq!(member[0]["member"]["user"]["id"], fan.as_str());

    // Bookmarks are private: only the bookmarking user's connections hear of them.
    app.server(
        "POST",
        &format!("/api/v2/feeds/activities/{id}/bookmarks"),
        Some(json!({"user_id": fan})),
    )
    .await
    .expect_ok();
    app.settle_fanout().await;
    let saved = endpoint.events_to(&fan_conn, "feeds.bookmark.added");
    assert_eq!(saved.len(), 1, "{:?}", endpoint.frames_to(&fan_conn));
    assert_eq!(saved[0]["bookmark"]["activity"]["id"], id.as_str());
    assert!(endpoint
        .events_to(&author_conn, "feeds.bookmark.added")
        .is_empty());

    // Batches: follows created in a batch, activities deleted in a batch.
    let newcomer = format!("timeline:{}", unique("newcomer"));
    app.server(
        "POST",
        "/api/v2/feeds/follows/batch",
        Some(json!({"follows": [{"source": newcomer, "target": own}]})),
    )
    .await
    .expect_ok();
    let doomed = app.post(&author).await["id"].as_str().unwrap().to_string();
    app.server(
        "POST",
        "/api/v2/feeds/activities/delete",
        Some(json!({"ids": [doomed], "user_id": author})),
    )
    .await
    .expect_ok();
    app.settle_fanout().await;
    assert!(endpoint
        .events_to(&author_conn, "feeds.follow.created")
        .iter()
        .any(|e| e["follow"]["source_feed"]["feed"] == newcomer.as_str()
            || e["follow"]["source_feed"]["fid"] == newcomer.as_str()));
    assert!(endpoint
        .events_to(&author_conn, "feeds.activity.deleted")
        .iter()
        .any(|e| e["activity"]["id"] == doomed.as_str()));

    // A closed connection (410) is forgotten; a disconnect removes every watch.
    endpoint.gone.lock().unwrap().insert(fan_conn.clone());
    app.post(&author).await;
    app.settle_fanout().await;
    assert!(app.store.get_connection(&fan_conn).await.unwrap().is_none());
    assert!(app.store.watchers(&timeline).await.unwrap().is_empty());
    let rt = app.realtime.as_ref().unwrap();
    rt.handle(ws_event("$disconnect", &author_conn, json!({}), None))
        .await;
    assert!(app.store.watchers(&own).await.unwrap().is_empty());
    tokio::time::sleep(Duration::from_millis(10)).await;
}

async fn private_activities_reach_only_their_author_and_feed_owner(
    app: &TestApp,
    endpoint: &Endpoint,
) {
    let (author, fan) = (unique("author"), unique("fan"));
    let own = format!("user:{author}");
    let timeline = format!("timeline:{fan}");
    app.follow(&timeline, &own, json!({})).await;
    let fan_conn = connect(app, &fan, "F").await;
    watch(app, &fan, &timeline, &fan_conn).await.expect_ok();
    app.add_activity(
        &author,
        json!({"type": "post", "feeds": [own], "visibility": "private"}),
    )
    .await;
    app.settle_fanout().await;
    assert!(endpoint
        .events_to(&fan_conn, "feeds.activity.added")
        .is_empty());
}
