//! Ranked feeds against DynamoDB Local: groups whose `ranking` is an expression order v3
//! reads by score (reactions, custom fields, external variables, interest weights), page
//! through the ranking with cursors, refuse rankings they could not compute, and serve v2
//! reads that name a `ranking` (with `offset` paging and each activity's `score`).

use serde_json::{json, Value};
use tributary_integration_tests::{unique, v2_server_token, TestApp};

const GROUPS: &str = "/api/v2/feeds/feed_groups";

/// A new group ranked by `ranking`; returns its id.
async fn ranked_group(app: &TestApp, ranking: Value) -> String {
    let id = unique("ranked").replace('-', "_");
    app.server("POST", GROUPS, Some(json!({"id": id, "ranking": ranking})))
        .await
        .expect_ok();
    id
}

/// Posts into `fid` as its owner, with `extra` fields; returns the id.
async fn post(app: &TestApp, fid: &str, extra: Value) -> String {
    let user = fid.split_once(':').unwrap().1;
    let mut body = json!({"type": "post", "feeds": [fid]});
    if let (Value::Object(b), Value::Object(e)) = (&mut body, extra) {
        b.extend(e);
    }
    app.add_activity(user, body).await["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn like(app: &TestApp, activity: &str, times: usize) {
    for i in 0..times {
        app.server(
            "POST",
            &format!("/api/v2/feeds/activities/{activity}/reactions"),
            Some(json!({"type": "like", "user_id": format!("fan{i}")})),
        )
        .await
        .expect_ok();
    }
}

fn scores(read: &Value) -> Vec<f64> {
    read["activities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["score"].as_f64().unwrap())
        .collect()
}

#[tokio::test]
async fn expression_groups_order_reads_by_score_and_page_through_the_ranking() {
    let app = TestApp::spawn().await;
    let group = ranked_group(
        &app,
        json!({"type": "expression", "score": "reaction_counts.like * 10 + custom.boost",
               "defaults": {"custom.boost": 0}}),
    )
    .await;
    let fid = format!("{group}:{}", unique("owner"));
    let plain = post(&app, &fid, json!({})).await;
    let liked = post(&app, &fid, json!({})).await;
    let boosted = post(&app, &fid, json!({"custom": {"boost": 5}})).await;
    let newest = post(&app, &fid, json!({})).await;
    like(&app, &liked, 2).await;

    let read = app.read_feed(&fid, json!({"limit": 10})).await;
    assert_eq!(
        TestApp::ids(&read),
        [
            liked.clone(),
            boosted.clone(),
            newest.clone(),
            plain.clone()
        ],
        "highest score first; equal scores newest first"
    );
    assert_eq!(scores(&read), [20.0, 5.0, 0.0, 0.0]);

    // Page by page with `next`, then back with `prev`: the same ranking.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let last = loop {
        let mut body = json!({"limit": 1});
        if let Some(c) = &cursor {
            body["next"] = json!(c);
        }
        let page = app.read_feed(&fid, body).await;
        seen.extend(TestApp::ids(&page));
        match page["next"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break page,
        }
    };
    assert_eq!(seen, [liked.clone(), boosted.clone(), newest, plain]);
    let back = app
        .read_feed(&fid, json!({"limit": 1, "prev": last["prev"]}))
        .await;
    assert_eq!(TestApp::ids(&back), [seen[2].clone()]);

    // A time-ordered cursor is not a ranked one.
    let reply = app
        .server(
            "POST",
            &format!("/api/v2/feeds/feed_groups/user/feeds/{}", unique("x")),
            Some(json!({"next": back["next"]})),
        )
        .await;
    reply.expect_error(4, 400);
}

#[tokio::test]
async fn external_variables_interest_weights_and_decay_feed_the_score() {
    let app = TestApp::spawn().await;
    let group = ranked_group(
        &app,
        json!({"type": "interest",
               "score": "(type == favourite ? 100 : 0) + interest_score + decay_linear(time)"}),
    )
    .await;
    let fid = format!("{group}:{}", unique("owner"));
    let sport = post(&app, &fid, json!({"interest_tags": ["sport"]})).await;
    let music = post(&app, &fid, json!({"interest_tags": ["music"]})).await;
    let event = post(&app, &fid, json!({"type": "event"})).await;
    let read = app
        .read_feed(
            &fid,
            json!({"external_ranking": {"favourite": "event"},
                   "interest_weights": {"sport": 3, "music": 1}}),
        )
        .await;
    assert_eq!(TestApp::ids(&read), [event, sport, music]);
    let s = scores(&read);
    // Each score is its parts plus a decay just under 1 (the activities are seconds old).
    assert!(s[0] > 100.9 && s[0] <= 101.0, "{s:?}");
    assert!(s[1] > 3.9 && s[1] <= 4.0, "{s:?}");
    assert!(s[2] > 1.9 && s[2] <= 2.0, "{s:?}");
}

#[tokio::test]
async fn rankings_that_cannot_be_computed_are_refused_and_change_nothing() {
    let app = TestApp::spawn().await;
    let group = ranked_group(&app, json!({"type": "expression", "score": "popularity"})).await;
    let path = format!("{GROUPS}/{group}");
    for (ranking, field) in [
        (json!({"type": "expression"}), "ranking.score"),
        (
            json!({"type": "expression", "score": "nosuch(time)"}),
            "ranking.score",
        ),
        (
            json!({"type": "expression", "score": "max(1)"}),
            "ranking.score",
        ),
        (
            json!({"type": "expression", "score": "(popularity"}),
            "ranking.score",
        ),
        (json!({"type": "sideways"}), "ranking.type"),
        (
            json!({"type": "expression", "score": "f(time)",
                   "functions": {"f": {"base": "decay_gauss", "scale": "soon"}}}),
            "ranking.functions.f.scale",
        ),
    ] {
        let reply = app
            .server("PUT", &path, Some(json!({"ranking": ranking})))
            .await;
        let body = reply.expect_error(4, 400);
        assert!(
            body["exception_fields"][field].is_string(),
            "{ranking} names {field}: {body}"
        );
        let reply = app
            .server(
                "POST",
                GROUPS,
                Some(json!({"id": unique("g").replace('-', "_"), "ranking": ranking})),
            )
            .await;
        reply.expect_error(4, 400);
    }
    let kept = app.server("GET", &path, None).await;
    assert_eq!(
        kept.expect_ok()["feed_group"]["ranking"]["score"],
        "popularity"
    );
}

fn v2_feed(fid: &str) -> String {
    let (g, id) = fid.split_once(':').unwrap();
    format!("/api/v1.0/feed/{g}/{id}/")
}

async fn v2_get(app: &TestApp, path: &str) -> tributary_integration_tests::Reply {
    app.v2("GET", path, &v2_server_token(), None).await
}

#[tokio::test]
async fn v2_reads_naming_a_ranking_order_by_the_groups_ranking() {
    let app = TestApp::spawn().await;
    let group = ranked_group(
        &app,
        json!({"type": "expression", "score": "decay_linear(time) * popularity ^ 0.5",
               "defaults": {"popularity": 1}}),
    )
    .await;
    let fid = format!("{group}:{}", unique("v2"));
    let mut ids = Vec::new();
    // v2 activities keep their extra fields (here `popularity`) where rankings read them.
    for popularity in [4, 100, 9, 25] {
        let reply = app
            .v2(
                "POST",
                &v2_feed(&fid),
                &v2_server_token(),
                Some(
                    json!({"actor": "a", "verb": "post", "object": "o", "popularity": popularity}),
                ),
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        ids.push(reply.body["id"].as_str().unwrap().to_string());
    }
    let reply = v2_get(&app, &format!("{}?ranking=popular&limit=2", v2_feed(&fid))).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let first: Vec<&str> = reply.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(first, [ids[1].as_str(), ids[3].as_str()]);
    let top = reply.body["results"][0]["score"].as_f64().unwrap();
    assert!(
        top > 9.9 && top <= 10.0,
        "sqrt(100) times a decay just under 1: {top}"
    );
    let next = reply.body["next"].as_str().unwrap().to_string();
    assert!(
        next.contains("ranking=popular") && next.contains("offset=2"),
        "{next}"
    );
    let rest = v2_get(&app, &next).await;
    let second: Vec<&str> = rest.body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(second, [ids[2].as_str(), ids[0].as_str()]);
    assert_eq!(rest.body["next"], "");

    // The same feed read through v3 ranks the same way.
    let v3 = app.read_feed(&fid, json!({})).await;
    assert_eq!(
        TestApp::ids(&v3),
        [
            ids[1].as_str(),
            ids[3].as_str(),
            ids[2].as_str(),
            ids[0].as_str()
        ]
    );
}

#[tokio::test]
async fn v2_ranked_reads_of_groups_without_a_ranking_are_missing_ranking_errors() {
    let app = TestApp::spawn().await;
    let fid = format!("user:{}", unique("v2"));
    let reply = v2_get(&app, &format!("{}?ranking=popularity", v2_feed(&fid))).await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert_eq!(reply.body["exception"], "MissingRankingException");
    assert_eq!(reply.body["code"], 12);

    let group = ranked_group(&app, json!({"type": "expression", "score": "boost"})).await;
    let fid = format!("{group}:{}", unique("v2"));
    let reply = v2_get(
        &app,
        &format!("{}?ranking=r&ranking_vars=notjson", v2_feed(&fid)),
    )
    .await;
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert!(reply.body["exception_fields"]["ranking_vars"].is_array());
}
