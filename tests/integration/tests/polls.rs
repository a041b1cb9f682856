//! Polls against DynamoDB Local: create, get, update (full and partial), delete; only the
//! creator or the server changes a poll; votes on an activity's poll under the poll's rules
//! (option of the poll, unique votes replacing, `max_votes_allowed`, answers, closed polls),
//! bad input changing nothing, own votes on reads, exact counts under 50 parallel voters,
//! and what each operation costs.

use futures::future::join_all;
use serde_json::{json, Value};
use tributary_integration_tests::{unique, Measure, Reply, TestApp};

fn field_of(reply: &Reply) -> Vec<String> {
    reply.body["exception_fields"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

async fn create(app: &TestApp, user: &str, body: Value) -> Value {
    let mut body = body;
    body["user_id"] = json!(user);
    app.server("POST", "/api/v2/polls", Some(body))
        .await
        .expect_ok()["poll"]
        .clone()
}

async fn get(app: &TestApp, id: &str, user: &str) -> Value {
    app.server("GET", &format!("/api/v2/polls/{id}?user_id={user}"), None)
        .await
        .expect_ok()["poll"]
        .clone()
}

/// A poll and an activity carrying it, by `owner`.
async fn poll_on_activity(app: &TestApp, owner: &str, settings: Value) -> (Value, String) {
    let mut body = settings;
    body["name"] = json!("Best fruit?");
    body["options"] = json!([{"text": "apple"}, {"text": "pear"}, {"text": "plum"}]);
    let poll = create(app, owner, body).await;
    let activity = app
        .add_activity(
            owner,
            json!({"type": "poll", "feeds": [format!("user:{owner}")], "poll_id": poll["id"]}),
        )
        .await;
    (poll, activity["id"].as_str().unwrap().to_string())
}

fn option(poll: &Value, i: usize) -> String {
    poll["options"][i]["id"].as_str().unwrap().to_string()
}

fn vote_path(activity: &str, poll: &Value) -> String {
    format!(
        "/api/v2/feeds/activities/{activity}/polls/{}/vote",
        poll["id"].as_str().unwrap()
    )
}

async fn vote(app: &TestApp, user: &str, activity: &str, poll: &Value, vote: Value) -> Reply {
    app.as_user(
        user,
        "POST",
        &vote_path(activity, poll),
        Some(json!({"vote": vote})),
    )
    .await
}

#[tokio::test]
async fn create_read_update_and_delete() {
    let app = TestApp::spawn().await;
    let amy = unique("amy");
    let bob = unique("bob");
    let poll = create(
        &app,
        &amy,
        json!({"name": "Lunch?", "description": "where", "options": [{"text": "pizza"}, {"text": "sushi", "custom": {"c": 1}}],
               "max_votes_allowed": 2, "allow_answers": true, "custom": {"k": "v"}}),
    )
    .await;
    let id = poll["id"].as_str().unwrap().to_string();
    assert_eq!(poll["name"], "Lunch?");
    assert_eq!(poll["created_by_id"], json!(amy));
    assert_eq!(poll["options"].as_array().unwrap().len(), 2);
    assert_eq!(poll["options"][1]["custom"], json!({"c": 1}));
    assert_eq!(poll["vote_count"], 0);
    assert_eq!(poll["max_votes_allowed"], 2);
    assert_eq!(poll["voting_visibility"], "public");
    assert_eq!(poll["vote_counts_by_option"][option(&poll, 0)], 0);
    assert_eq!(get(&app, &id, &bob).await["name"], "Lunch?");

    // Bad input: 400 naming the field, nothing created.
    let r = app
        .server(
            "POST",
            "/api/v2/polls",
            Some(json!({"options": [{"text": "x"}]})),
        )
        .await;
    r.expect_error(4, 400);
    assert_eq!(field_of(&r), vec!["name"]);
    let r = app
        .server(
            "POST",
            "/api/v2/polls",
            Some(json!({"name": "n", "enforce_unique_vote": true, "max_votes_allowed": 3})),
        )
        .await;
    r.expect_error(4, 400);
    assert_eq!(field_of(&r), vec!["max_votes_allowed"]);
    let r = app
        .server(
            "POST",
            "/api/v2/polls",
            Some(json!({"id": id, "name": "again"})),
        )
        .await;
    r.expect_error(4, 400);
    assert_eq!(get(&app, &id, &amy).await["name"], "Lunch?");

    // Only the creator (or the server) changes or deletes it.
    let r = app
        .as_user(
            &bob,
            "PATCH",
            &format!("/api/v2/polls/{id}"),
            Some(json!({"set": {"is_closed": true}})),
        )
        .await;
    r.expect_error(17, 403);
    let r = app
        .as_user(
            &bob,
            "PUT",
            "/api/v2/polls",
            Some(json!({"id": id, "name": "mine"})),
        )
        .await;
    r.expect_error(17, 403);
    app.as_user(&bob, "DELETE", &format!("/api/v2/polls/{id}"), None)
        .await
        .expect_error(17, 403);
    assert_eq!(get(&app, &id, &amy).await["is_closed"], false);

    // Partial update by the creator.
    let r = app
        .as_user(
            &amy,
            "PATCH",
            &format!("/api/v2/polls/{id}"),
            Some(json!({"set": {"is_closed": true, "extra": 5}, "unset": ["description"]})),
        )
        .await;
    let p = &r.expect_ok()["poll"];
    assert_eq!(p["is_closed"], true);
    assert_eq!(p["description"], "");
    assert_eq!(p["custom"], json!({"k": "v", "extra": 5}));

    // Full update: keeps an option by id, adds one, drops one.
    let keep = option(&poll, 0);
    let r = app
        .as_user(
            &amy,
            "PUT",
            "/api/v2/polls",
            Some(json!({"id": id, "name": "Dinner?", "options": [{"id": keep, "text": "pizza!"}, {"text": "tacos"}]})),
        )
        .await;
    let p = r.expect_ok()["poll"].clone();
    assert_eq!(p["name"], "Dinner?");
    assert_eq!(p["is_closed"], false);
    let opts = p["options"].as_array().unwrap();
    assert_eq!(opts.len(), 2);
    assert_eq!(opts[0]["id"], json!(keep));
    assert_eq!(opts[0]["text"], "pizza!");
    assert_eq!(p["vote_counts_by_option"].as_object().unwrap().len(), 2);
    // An id the poll does not have names a new option; a malformed one is refused.
    let r = app
        .as_user(
            &amy,
            "PUT",
            "/api/v2/polls",
            Some(json!({"id": id, "name": "x", "options": [{"id": keep, "text": "a"}, {"id": "fresh", "text": "b"}]})),
        )
        .await;
    assert_eq!(r.expect_ok()["poll"]["options"][1]["id"], "fresh");
    app.as_user(
        &amy,
        "PUT",
        "/api/v2/polls",
        Some(json!({"id": id, "name": "x", "options": [{"id": "no#pe", "text": "a"}]})),
    )
    .await
    .expect_error(4, 400);
    assert_eq!(get(&app, &id, &amy).await["options"][1]["id"], "fresh");

    app.as_user(&amy, "DELETE", &format!("/api/v2/polls/{id}"), None)
        .await
        .expect_ok();
    app.server("GET", &format!("/api/v2/polls/{id}"), None)
        .await
        .expect_error(16, 404);
}

#[tokio::test]
async fn votes_follow_the_poll_rules() {
    let app = TestApp::spawn().await;
    let amy = unique("amy");
    let bob = unique("bob");
    let (poll, activity) = poll_on_activity(&app, &amy, json!({"max_votes_allowed": 2})).await;
    let pid = poll["id"].as_str().unwrap().to_string();

    // An option not in the poll: 400 naming option_id, nothing counted.
    let r = vote(&app, &bob, &activity, &poll, json!({"option_id": "nope"})).await;
    r.expect_error(4, 400);
    assert_eq!(field_of(&r), vec!["option_id"]);
    // Answers when the poll takes none: refused.
    let r = vote(
        &app,
        &bob,
        &activity,
        &poll,
        json!({"answer_text": "grapes"}),
    )
    .await;
    r.expect_error(4, 400);
    assert_eq!(field_of(&r), vec!["answer_text"]);
    assert_eq!(get(&app, &pid, &bob).await["vote_count"], 0);
    // The activity must carry the poll.
    let other = app.post(&amy).await;
    let r = vote(
        &app,
        &bob,
        other["id"].as_str().unwrap(),
        &poll,
        json!({"option_id": option(&poll, 0)}),
    )
    .await;
    r.expect_error(16, 404);

    let r = vote(
        &app,
        &bob,
        &activity,
        &poll,
        json!({"option_id": option(&poll, 0)}),
    )
    .await;
    let body = r.expect_ok();
    let first = body["vote"]["id"].as_str().unwrap().to_string();
    assert_eq!(body["vote"]["option_id"], json!(option(&poll, 0)));
    assert_eq!(body["poll"]["vote_count"], 1);
    // The same option again changes nothing.
    let again = vote(
        &app,
        &bob,
        &activity,
        &poll,
        json!({"option_id": option(&poll, 0)}),
    )
    .await;
    assert_eq!(again.expect_ok()["vote"]["id"], json!(first));
    vote(
        &app,
        &bob,
        &activity,
        &poll,
        json!({"option_id": option(&poll, 1)}),
    )
    .await
    .expect_ok();
    // A third vote is over max_votes_allowed.
    let r = vote(
        &app,
        &bob,
        &activity,
        &poll,
        json!({"option_id": option(&poll, 2)}),
    )
    .await;
    r.expect_error(4, 400);
    assert_eq!(field_of(&r), vec!["max_votes_allowed"]);
    let p = get(&app, &pid, &bob).await;
    assert_eq!(p["vote_count"], 2);
    assert_eq!(p["vote_counts_by_option"][option(&poll, 0)], 1);
    assert_eq!(p["vote_counts_by_option"][option(&poll, 2)], 0);
    assert_eq!(p["own_votes"].as_array().unwrap().len(), 2);
    assert!(get(&app, &pid, &amy).await["own_votes"]
        .as_array()
        .unwrap()
        .is_empty());

    // Removing a vote frees a slot.
    let path = format!("{}/{first}", vote_path(&activity, &poll));
    app.as_user(&bob, "DELETE", &path, None).await.expect_ok();
    app.as_user(&bob, "DELETE", &path, None)
        .await
        .expect_error(16, 404);
    vote(
        &app,
        &bob,
        &activity,
        &poll,
        json!({"option_id": option(&poll, 2)}),
    )
    .await
    .expect_ok();
    let p = get(&app, &pid, &bob).await;
    assert_eq!(p["vote_count"], 2);
    assert_eq!(p["vote_counts_by_option"][option(&poll, 0)], 0);

    // A closed poll takes no votes.
    app.server(
        "PATCH",
        &format!("/api/v2/polls/{pid}"),
        Some(json!({"set": {"is_closed": true}})),
    )
    .await
    .expect_ok();
    let carl = unique("carl");
    vote(
        &app,
        &carl,
        &activity,
        &poll,
        json!({"option_id": option(&poll, 0)}),
    )
    .await
    .expect_error(4, 400);
    assert_eq!(get(&app, &pid, &carl).await["vote_count"], 2);
}

#[tokio::test]
async fn unique_votes_replace_and_answers() {
    let app = TestApp::spawn().await;
    let amy = unique("amy");
    let bob = unique("bob");
    let (poll, activity) = poll_on_activity(
        &app,
        &amy,
        json!({"enforce_unique_vote": true, "allow_answers": true}),
    )
    .await;
    let pid = poll["id"].as_str().unwrap().to_string();
    vote(
        &app,
        &bob,
        &activity,
        &poll,
        json!({"option_id": option(&poll, 0)}),
    )
    .await
    .expect_ok();
    vote(
        &app,
        &bob,
        &activity,
        &poll,
        json!({"option_id": option(&poll, 1)}),
    )
    .await
    .expect_ok();
    let p = get(&app, &pid, &bob).await;
    assert_eq!(p["vote_count"], 1);
    assert_eq!(p["vote_counts_by_option"][option(&poll, 0)], 0);
    assert_eq!(p["vote_counts_by_option"][option(&poll, 1)], 1);
    let own = p["own_votes"].as_array().unwrap();
    assert_eq!(own.len(), 1);
    assert_eq!(own[0]["option_id"], json!(option(&poll, 1)));

    // Answers: one per user, a new one replaces it; they count apart from votes.
    vote(
        &app,
        &bob,
        &activity,
        &poll,
        json!({"answer_text": "grapes"}),
    )
    .await
    .expect_ok();
    let r = vote(&app, &bob, &activity, &poll, json!({"answer_text": "figs"})).await;
    let answer = r.expect_ok()["vote"].clone();
    assert_eq!(answer["is_answer"], true);
    assert_eq!(answer["answer_text"], "figs");
    let p = get(&app, &pid, &bob).await;
    assert_eq!(p["answers_count"], 1);
    assert_eq!(p["vote_count"], 1);
    assert_eq!(p["own_votes"].as_array().unwrap().len(), 2);
    // The newest votes by option and answers, the replaced ones gone.
    let answers = p["latest_answers"].as_array().unwrap();
    assert_eq!(answers.len(), 1);
    assert_eq!(answers[0]["answer_text"], "figs");
    assert_eq!(answers[0]["user_id"], json!(bob));
    let latest = p["latest_votes_by_option"].as_object().unwrap();
    assert_eq!(latest.len(), 1);
    assert_eq!(latest[&option(&poll, 1)][0]["user_id"], json!(bob));
    // Neither or both of option_id and answer_text: refused.
    vote(&app, &bob, &activity, &poll, json!({}))
        .await
        .expect_error(4, 400);
    // Server calls vote for a named user only.
    app.server(
        "POST",
        &vote_path(&activity, &poll),
        Some(json!({"vote": {"option_id": option(&poll, 0)}})),
    )
    .await
    .expect_error(4, 400);
}

#[tokio::test]
async fn counts_stay_exact_under_parallel_voters() {
    let app = TestApp::spawn().await;
    let amy = unique("amy");
    let (poll, activity) = poll_on_activity(&app, &amy, json!({"enforce_unique_vote": true})).await;
    let pid = poll["id"].as_str().unwrap().to_string();
    let voters: Vec<String> = (0..50).map(|i| unique(&format!("v{i}"))).collect();
    // Each votes twice at once (different options): the second replaces or is refused, never
    // both counted.
    let calls = voters.iter().enumerate().flat_map(|(i, v)| {
        let (a, b) = (option(&poll, i % 3), option(&poll, (i + 1) % 3));
        let (app, poll, activity) = (&app, &poll, &activity);
        [
            Box::pin(async move { vote(app, v, activity, poll, json!({"option_id": a})).await })
                as std::pin::Pin<Box<dyn std::future::Future<Output = Reply>>>,
            Box::pin(async move { vote(app, v, activity, poll, json!({"option_id": b})).await }),
        ]
    });
    let replies = join_all(calls).await;
    assert!(replies.iter().all(|r| r.status == 200 || r.status == 400));
    let p = get(&app, &pid, &amy).await;
    assert_eq!(p["vote_count"], 50);
    let by_option: i64 = p["vote_counts_by_option"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_i64().unwrap())
        .sum();
    assert_eq!(by_option, 50);
    // What each voter holds agrees with the counts.
    let mut held = 0;
    for v in &voters {
        let own = get(&app, &pid, v).await["own_votes"]
            .as_array()
            .unwrap()
            .len();
        assert_eq!(own, 1);
        held += own;
    }
    assert_eq!(held, 50);
}

#[tokio::test]
async fn operation_costs() {
    let app = TestApp::spawn().await;
    let amy = unique("amy");
    let bob = unique("bob");
    let cost = |label: &str, m: Measure<'_>| {
        let c = m.finish(1);
        println!(
            "{label}: {:.1} RU, {:.1} WU, {:.0} round trips",
            c.read_units, c.write_units, c.round_trips
        );
    };
    let m = Measure::start(&app);
    let (poll, activity) = poll_on_activity(&app, &amy, json!({})).await;
    cost("create_poll + add_activity", m);
    let pid = poll["id"].as_str().unwrap().to_string();
    let m = Measure::start(&app);
    let r = vote(
        &app,
        &bob,
        &activity,
        &poll,
        json!({"option_id": option(&poll, 0)}),
    )
    .await;
    cost("cast_poll_vote", m);
    let vid = r.expect_ok()["vote"]["id"].as_str().unwrap().to_string();
    let m = Measure::start(&app);
    get(&app, &pid, &bob).await;
    cost("get_poll (3 options, with own votes)", m);
    let m = Measure::start(&app);
    app.as_user(
        &bob,
        "DELETE",
        &format!("{}/{vid}", vote_path(&activity, &poll)),
        None,
    )
    .await
    .expect_ok();
    cost("delete_poll_vote", m);
}

#[tokio::test]
async fn activities_carry_their_poll() {
    let app = TestApp::spawn().await;
    let amy = unique("amy");
    let bob = unique("bob");
    // A poll that does not exist: 400 naming poll_id, no activity made.
    let missing = unique("nopoll");
    let r = app
        .server(
            "POST",
            "/api/v2/feeds/activities",
            Some(json!({"type": "poll", "feeds": [format!("user:{amy}")], "poll_id": missing, "user_id": amy, "id": missing})),
        )
        .await;
    r.expect_error(4, 400);
    assert_eq!(field_of(&r), vec!["poll_id"]);
    app.server("GET", &format!("/api/v2/feeds/activities/{missing}"), None)
        .await
        .expect_error(16, 404);
    let r = app
        .server(
            "POST",
            "/api/v2/feeds/activities/batch",
            Some(json!({"activities": [{"type": "poll", "feeds": [format!("user:{amy}")], "poll_id": missing, "user_id": amy}]})),
        )
        .await;
    r.expect_error(4, 400);

    let (poll, activity) = poll_on_activity(&app, &amy, json!({})).await;
    vote(
        &app,
        &bob,
        &activity,
        &poll,
        json!({"option_id": option(&poll, 1)}),
    )
    .await
    .expect_ok();
    let read = app
        .as_user(
            &bob,
            "GET",
            &format!("/api/v2/feeds/activities/{activity}"),
            None,
        )
        .await;
    let p = &read.expect_ok()["activity"]["poll"];
    assert_eq!(p["id"], poll["id"]);
    assert_eq!(p["vote_count"], 1);
    assert_eq!(p["vote_counts_by_option"][option(&poll, 1)], 1);
    assert_eq!(p["own_votes"][0]["option_id"], json!(option(&poll, 1)));
    let read = app
        .as_user(
            &amy,
            "GET",
            &format!("/api/v2/feeds/activities/{activity}"),
            None,
        )
        .await;
    assert!(read.expect_ok()["activity"]["poll"]["own_votes"]
        .as_array()
        .unwrap()
        .is_empty());

    // A feed page of five poll activities: the polls and the reader's votes in two batched
    // reads, however many polls.
    for _ in 0..4 {
        poll_on_activity(&app, &amy, json!({})).await;
    }
    let m = Measure::start(&app);
    let page = app
        .read_feed(&format!("user:{amy}"), json!({"limit": 10, "user_id": bob}))
        .await;
    let with_polls = m.finish(1);
    let listed = page["activities"].as_array().unwrap();
    assert_eq!(listed.len(), 5);
    assert!(listed.iter().all(|a| a["poll"]["id"] == a["poll_id"]));
    let voted = listed.iter().find(|a| a["id"] == json!(activity)).unwrap();
    assert_eq!(voted["poll"]["own_votes"].as_array().unwrap().len(), 1);
    let carl = unique("carl");
    for _ in 0..5 {
        app.post(&carl).await;
    }
    let m = Measure::start(&app);
    app.read_feed(
        &format!("user:{carl}"),
        json!({"limit": 10, "user_id": bob}),
    )
    .await;
    let plain = m.finish(1);
    println!(
        "feed page of 5 polls: {:.1} RU, {:.0} round trips; without polls: {:.1} RU, {:.0} round trips",
        with_polls.read_units, with_polls.round_trips, plain.read_units, plain.round_trips
    );
    assert!(with_polls.round_trips <= plain.round_trips + 2.0);
}

#[tokio::test]
async fn options_and_ids() {
    let app = TestApp::spawn().await;
    let amy = unique("amy");
    let bob = unique("bob");
    let (poll, activity) = poll_on_activity(&app, &amy, json!({})).await;
    let pid = poll["id"].as_str().unwrap().to_string();
    let options = format!("/api/v2/polls/{pid}/options");

    // Only the creator adds options unless the poll takes suggestions.
    app.as_user(&bob, "POST", &options, Some(json!({"text": "kiwi"})))
        .await
        .expect_error(17, 403);
    let added = app
        .as_user(
            &amy,
            "POST",
            &options,
            Some(json!({"text": "kiwi", "custom": {"k": 1}})),
        )
        .await;
    let kiwi = added.expect_ok()["poll_option"].clone();
    assert_eq!(kiwi["text"], "kiwi");
    let kid = kiwi["id"].as_str().unwrap().to_string();
    // A text the poll already has: 400 naming text.
    let r = app
        .as_user(&amy, "POST", &options, Some(json!({"text": "apple"})))
        .await;
    r.expect_error(4, 400);
    assert_eq!(field_of(&r), vec!["text"]);
    assert_eq!(
        get(&app, &pid, &amy).await["options"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    // The new option takes votes from zero.
    vote(&app, &bob, &activity, &poll, json!({"option_id": kid}))
        .await
        .expect_ok();
    assert_eq!(
        get(&app, &pid, &bob).await["vote_counts_by_option"][&kid],
        1
    );

    let got = app.server("GET", &format!("{options}/{kid}"), None).await;
    assert_eq!(got.expect_ok()["poll_option"]["custom"], json!({"k": 1}));
    let r = app
        .as_user(
            &amy,
            "PUT",
            &options,
            Some(json!({"id": kid, "text": "kiwis"})),
        )
        .await;
    assert_eq!(r.expect_ok()["poll_option"]["text"], "kiwis");
    app.as_user(
        &bob,
        "PUT",
        &options,
        Some(json!({"id": kid, "text": "mine"})),
    )
    .await
    .expect_error(17, 403);
    app.as_user(
        &amy,
        "PUT",
        &options,
        Some(json!({"id": "nope", "text": "x"})),
    )
    .await
    .expect_error(16, 404);
    app.as_user(&amy, "DELETE", &format!("{options}/{kid}"), None)
        .await
        .expect_ok();
    app.server("GET", &format!("{options}/{kid}"), None)
        .await
        .expect_error(16, 404);
    let p = get(&app, &pid, &bob).await;
    assert_eq!(p["options"].as_array().unwrap().len(), 3);
    assert!(p["vote_counts_by_option"].get(&kid).is_none());

    // With suggestions on, anyone adds options.
    let (open, _) =
        poll_on_activity(&app, &amy, json!({"allow_user_suggested_options": true})).await;
    app.as_user(
        &bob,
        "POST",
        &format!("/api/v2/polls/{}/options", open["id"].as_str().unwrap()),
        Some(json!({"text": "kiwi"})),
    )
    .await
    .expect_ok();

    // A deleted poll's client-chosen id is not reused under its old votes.
    app.server("DELETE", &format!("/api/v2/polls/{pid}"), None)
        .await
        .expect_ok();
    let r = app
        .server(
            "POST",
            "/api/v2/polls",
            Some(json!({"id": pid, "name": "again"})),
        )
        .await;
    r.expect_error(4, 400);
    assert_eq!(field_of(&r), vec!["id"]);
}

#[tokio::test]
async fn query_votes_by_time() {
    let app = TestApp::spawn().await;
    let amy = unique("amy");
    let (poll, activity) = poll_on_activity(
        &app,
        &amy,
        json!({"allow_answers": true, "voting_visibility": "anonymous"}),
    )
    .await;
    let pid = poll["id"].as_str().unwrap().to_string();
    let voters: Vec<String> = (0..5).map(|i| unique(&format!("q{i}"))).collect();
    for (i, v) in voters.iter().enumerate() {
        vote(
            &app,
            v,
            &activity,
            &poll,
            json!({"option_id": option(&poll, i % 2)}),
        )
        .await
        .expect_ok();
    }
    vote(
        &app,
        &voters[0],
        &activity,
        &poll,
        json!({"answer_text": "grapes"}),
    )
    .await
    .expect_ok();
    let path = format!("/api/v2/polls/{pid}/votes");
    // Newest first, in pages with next cursors.
    let first = app.server("POST", &path, Some(json!({"limit": 4}))).await;
    let body = first.expect_ok().clone();
    let page1 = body["votes"].as_array().unwrap().clone();
    assert_eq!(page1.len(), 4);
    assert_eq!(page1[0]["is_answer"], true);
    assert_eq!(page1[1]["user_id"], json!(voters[4]));
    let next = body["next"].as_str().unwrap().to_string();
    let second = app
        .server("POST", &path, Some(json!({"limit": 4, "next": next})))
        .await;
    let body2 = second.expect_ok().clone();
    let page2 = body2["votes"].as_array().unwrap().clone();
    assert_eq!(page2.len(), 2);
    assert_eq!(page2[1]["user_id"], json!(voters[0]));
    assert!(body2.get("next").is_none());
    assert!(body.get("prev").is_none());
    // Back with prev: the first page again, in the same order.
    let prev = body2["prev"].as_str().expect("prev").to_string();
    let back = app
        .server("POST", &path, Some(json!({"limit": 4, "prev": prev})))
        .await;
    let back = back.expect_ok().clone();
    assert_eq!(back["votes"], json!(page1));
    assert!(back.get("prev").is_none(), "{back}");
    let again = back["next"].as_str().expect("next").to_string();
    let forward = app
        .server("POST", &path, Some(json!({"limit": 4, "next": again})))
        .await;
    assert_eq!(forward.expect_ok()["votes"], json!(page2));
    // A cursor of another query is refused.
    let other = app
        .server(
            "POST",
            &path,
            Some(json!({"limit": 4, "prev": prev, "sort": [{"field": "created_at", "direction": 1}]})),
        )
        .await;
    other.expect_error(4, 400);
    // Filters.
    let r = app
        .server(
            "POST",
            &path,
            Some(json!({"filter": {"option_id": option(&poll, 1)}, "sort": [{"field": "created_at", "direction": 1}]})),
        )
        .await;
    let listed = r.expect_ok()["votes"].as_array().unwrap().clone();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0]["user_id"], json!(voters[1]));
    let r = app
        .server("POST", &path, Some(json!({"filter": {"is_answer": true}})))
        .await;
    assert_eq!(r.expect_ok()["votes"].as_array().unwrap().len(), 1);
    // Anonymous: users see votes without who cast them.
    let r = app.as_user(&amy, "POST", &path, Some(json!({}))).await;
    let listed = r.expect_ok()["votes"].as_array().unwrap().clone();
    assert_eq!(listed.len(), 6);
    assert!(listed.iter().all(|v| v.get("user_id").is_none()));
    let p = get(&app, &pid, &voters[0]).await;
    assert_eq!(p["latest_answers"].as_array().unwrap().len(), 1);
    assert_eq!(
        p["latest_votes_by_option"][option(&poll, 0)]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert!(p["latest_answers"][0].get("user_id").is_none());
    assert_eq!(p["own_votes"].as_array().unwrap().len(), 2);
    // Bad input.
    let r = app
        .server("POST", &path, Some(json!({"filter": {"text": "x"}})))
        .await;
    r.expect_error(4, 400);
    let r = app
        .server(
            "POST",
            &path,
            Some(json!({"sort": [{"field": "option_id"}]})),
        )
        .await;
    r.expect_error(4, 400);
}

#[tokio::test]
async fn query_polls_by_time() {
    let app = TestApp::spawn().await;
    let amy = unique("amy");
    let mut made = Vec::new();
    for i in 0..3 {
        let p = create(
            &app,
            &amy,
            json!({"name": format!("Q{i}"), "options": [{"text": "a"}], "custom": {"round": i}}),
        )
        .await;
        made.push(p["id"].as_str().unwrap().to_string());
    }
    let (poll, activity) = poll_on_activity(&app, &amy, json!({"is_closed": false})).await;
    vote(
        &app,
        &amy,
        &activity,
        &poll,
        json!({"option_id": option(&poll, 0)}),
    )
    .await
    .expect_ok();
    let r = app
        .server(
            "POST",
            &format!("/api/v2/polls/query?user_id={amy}"),
            Some(json!({"filter": {"created_by_id": amy}, "limit": 2})),
        )
        .await;
    let body = r.expect_ok().clone();
    let polls = body["polls"].as_array().unwrap();
    assert_eq!(polls.len(), 2);
    assert_eq!(polls[0]["id"], poll["id"]);
    assert_eq!(polls[0]["own_votes"].as_array().unwrap().len(), 1);
    assert_eq!(polls[1]["id"], json!(made[2]));
    let next = body["next"].as_str().unwrap();
    let r = app
        .server(
            "POST",
            "/api/v2/polls/query",
            Some(json!({"filter": {"created_by_id": amy}, "limit": 5, "next": next})),
        )
        .await;
    let ids: Vec<Value> = r.expect_ok()["polls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].clone())
        .collect();
    assert_eq!(ids, vec![json!(made[1]), json!(made[0])]);
    // Back one page: the two newest again.
    let r = app
        .server(
            "POST",
            "/api/v2/polls/query",
            Some(json!({"filter": {"created_by_id": amy}, "limit": 2, "next": next})),
        )
        .await;
    let prev = r.expect_ok()["prev"].as_str().expect("prev").to_string();
    let r = app
        .server(
            "POST",
            "/api/v2/polls/query",
            Some(json!({"filter": {"created_by_id": amy}, "limit": 2, "prev": prev})),
        )
        .await;
    let back: Vec<Value> = r.expect_ok()["polls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].clone())
        .collect();
    assert_eq!(back, vec![poll["id"].clone(), json!(made[2])]);
    // Custom fields and oldest first.
    let r = app
        .server(
            "POST",
            "/api/v2/polls/query",
            Some(json!({"filter": {"created_by_id": amy, "custom.round": {"$gte": 1}}, "sort": [{"field": "created_at", "direction": 1}]})),
        )
        .await;
    let names: Vec<Value> = r.expect_ok()["polls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].clone())
        .collect();
    assert_eq!(names, vec![json!("Q1"), json!("Q2")]);
    app.server(
        "POST",
        "/api/v2/polls/query",
        Some(json!({"sort": [{"field": "name"}]})),
    )
    .await
    .expect_error(4, 400);
}
