//! Activities restricted to a tag (`visibility: tag`): members whose membership level reaches
//! the tag see them whole, every other reader a preview, in feed reads, `get_activity` and
//! `query_activities`.

use serde_json::{json, Value};
use tributary_integration_tests::{unique, TestApp};

const LEVELS: &str = "/api/v2/feeds/membership_levels";

async fn level(app: &TestApp, id: &str, priority: i64, tags: &[&str]) {
    app.server(
        "POST",
        LEVELS,
        Some(json!({"id": id, "name": id, "priority": priority, "tags": tags})),
    )
    .await
    .expect_ok();
}

fn find<'a>(list: &'a Value, id: &str) -> &'a Value {
    list.as_array()
        .expect("a list")
        .iter()
        .find(|a| a["id"] == id)
        .unwrap_or_else(|| panic!("{id} missing from {list}"))
}

#[tokio::test]
async fn readers_below_the_tag_get_a_preview() {
    let app = &TestApp::spawn().await;
    let tag = unique("premium");
    let (basic, premium, inner) = (unique("basic"), unique("premium"), unique("inner"));
    level(app, &basic, 1, &[]).await;
    level(app, &premium, 10, &[&tag]).await;
    level(app, &inner, 20, &["other"]).await;
    let owner = unique("owner");
    let fid = format!("user:{owner}");
    let path = format!("/api/v2/feeds/feed_groups/user/feeds/{owner}");
    app.server("POST", &path, Some(json!({"user_id": owner})))
        .await
        .expect_ok();
    let (p, i, b, stranger) = (unique("p"), unique("i"), unique("b"), unique("s"));
    app.server(
        "PATCH",
        &format!("{path}/members"),
        Some(json!({"operation": "upsert", "members": [
            {"user_id": p, "membership_level": premium},
            {"user_id": i, "membership_level": inner},
            {"user_id": b, "membership_level": basic},
        ]})),
    )
    .await
    .expect_ok();
    let secret = app
        .add_activity(
            &owner,
            json!({"type": "post", "feeds": [fid], "text": "for premium eyes",
                   "visibility": "tag", "visibility_tag": tag, "custom": {"k": 1}}),
        )
        .await;
    let open = app
        .add_activity(
            &owner,
            json!({"type": "post", "feeds": [fid], "text": "for all"}),
        )
        .await;
    let id = secret["id"].as_str().unwrap();

    // The level that lists the tag, one ranked above it, and the owner see it whole.
    for reader in [&p, &i, &owner] {
        let read = app.as_user(reader, "POST", &path, Some(json!({}))).await;
        let a = find(&read.expect_ok()["activities"], id);
        assert_eq!(a["text"], "for premium eyes", "{reader}");
        assert_eq!(a["preview"], false, "{reader}");
    }
    // A lower level and a stranger get a preview: no text, no custom data.
    for reader in [&b, &stranger] {
        let read = app.as_user(reader, "POST", &path, Some(json!({}))).await;
        let body = read.expect_ok();
        let a = find(&body["activities"], id);
        assert_eq!(a["preview"], true, "{reader}: {a}");
        assert!(a.get("text").is_none_or(Value::is_null), "{reader}: {a}");
        assert_eq!(a["custom"], json!({}), "{reader}");
        assert_eq!(a["visibility_tag"], tag.as_str());
        let o = find(&body["activities"], open["id"].as_str().unwrap());
        assert_eq!(o["text"], "for all");
        assert_eq!(o["preview"], false);

        let got = app
            .as_user(
                reader,
                "GET",
                &format!("/api/v2/feeds/activities/{id}"),
                None,
            )
            .await;
        assert_eq!(got.expect_ok()["activity"]["preview"], true, "{reader}");
        let queried = app
            .as_user(
                reader,
                "POST",
                "/api/v2/feeds/activities/query",
                Some(json!({"filter": {"id": id}})),
            )
            .await;
        let list = &queried.expect_ok()["activities"];
        assert_eq!(find(list, id)["preview"], true, "{reader}");
    }
    // A server read naming no user sees everything.
    let read = app.server("POST", &path, Some(json!({}))).await;
    assert_eq!(find(&read.expect_ok()["activities"], id)["preview"], false);
    app.settle_fanout().await;
}
