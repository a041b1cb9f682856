//! The scheduled jobs against DynamoDB Local and the SQS stand-in: expiry removes what has
//! expired for good (reads hid it already), hiding sweeps old activities out of timelines.

use serde_json::json;
use tributary_domain::time::now_nanos;
use tributary_integration_tests::{unique, TestApp};

fn ctx(app: &TestApp, hide_after: Option<i64>, budget: usize) -> jobs::Context<'_> {
    jobs::Context {
        store: &app.store,
        queue: &app.queue,
        hide_activities_after: hide_after,
        budget,
    }
}

/// Runs a job until it reports nothing left.
async fn run_to_end(app: &TestApp, job: jobs::Job, hide_after: Option<i64>) {
    for _ in 0..100 {
        let report = jobs::run(&ctx(app, hide_after, jobs::BUDGET), job, now_nanos())
            .await
            .expect("job runs");
        if !report.more {
            return;
        }
    }
    panic!("the job never finished");
}

#[tokio::test]
async fn an_expiring_activity_leaves_reads_at_once_and_storage_after_the_job() {
    let app = &TestApp::spawn().await;
    let (john, fan) = (unique("john"), unique("fan"));
    let (own, timeline) = (format!("user:{john}"), format!("timeline:{fan}"));
    app.follow(&timeline, &own, json!({})).await;
    app.settle_fanout().await;
    // A timestamp in nanoseconds, one second ahead.
    let soon = now_nanos() + 1_000_000_000;
    let post = app
        .add_activity(
            &john,
            json!({"type": "story", "feeds": [own], "expires_at": soon}),
        )
        .await;
    let id = post["id"].as_str().unwrap().to_string();
    app.settle_fanout().await;
    assert_eq!(
        TestApp::ids(&app.read_feed(&own, json!({})).await),
        vec![id.clone()]
    );
    assert_eq!(
        TestApp::ids(&app.read_feed(&timeline, json!({})).await),
        vec![id.clone()]
    );
    tokio::time::sleep(std::time::Duration::from_millis(1_300)).await;
    // Gone from every read without any job running...
    assert!(TestApp::ids(&app.read_feed(&own, json!({})).await).is_empty());
    assert!(TestApp::ids(&app.read_feed(&timeline, json!({})).await).is_empty());
    assert!(
        app.store.get_activity(&id).await.unwrap().is_some(),
        "still stored"
    );
    // ...and from storage after it.
    run_to_end(app, jobs::Job::Expiry, None).await;
    app.settle_fanout().await;
    assert!(app.store.get_activity(&id).await.unwrap().is_none());
    for fid in [&own, &timeline] {
        let (entries, _) = app
            .store
            .feed_entries(fid, 10, None, tributary_store::Direction::Older)
            .await
            .unwrap();
        assert!(
            entries.iter().all(|e| e.activity_id != id),
            "{fid} keeps an entry"
        );
    }
    let feed = app.read_feed(&own, json!({})).await;
    assert_eq!(feed["feed"]["activity_count"], 0);
}

#[tokio::test]
async fn expiry_works_in_bounded_runs_that_resume() {
    let app = &TestApp::spawn().await;
    let user = unique("batch");
    let mut ids = Vec::new();
    for _ in 0..3 {
        let a = app
            .add_activity(
                &user,
                json!({"type": "post", "feeds": [format!("user:{user}")], "expires_at": "2001-02-03T00:00:00Z"}),
            )
            .await;
        ids.push(a["id"].as_str().unwrap().to_string());
    }
    let first = jobs::run(&ctx(app, None, 1), jobs::Job::Expiry, now_nanos())
        .await
        .unwrap();
    assert_eq!(first.done, 1);
    assert!(first.more);
    run_to_end(app, jobs::Job::Expiry, None).await;
    for id in &ids {
        assert!(app.store.get_activity(id).await.unwrap().is_none());
    }
    // Nothing left: a run finds no work.
    let again = jobs::run(
        &ctx(app, None, jobs::BUDGET),
        jobs::Job::Expiry,
        now_nanos(),
    )
    .await
    .unwrap();
    assert!(!again.more);
}

#[tokio::test]
async fn hiding_leaves_old_activities_out_of_reads_and_sweeps_timelines() {
    const DAY: i64 = 86_400_000_000_000;
    let plain = &TestApp::spawn().await;
    let hiding = &TestApp::spawn_with(Some(30 * DAY)).await;
    let (old_user, fan) = (unique("old"), unique("fan"));
    let (own, timeline) = (format!("user:{old_user}"), format!("timeline:{fan}"));
    let now = now_nanos();
    // One activity from 400 days ago, copied to the follower when it follows.
    let mut old: tributary_domain::model::Activity = serde_json::from_value(json!({
        "id": unique("ancient"), "type": "post", "user_id": old_user,
        "content": {"feeds": [own]}, "created_at": now - 400 * DAY, "updated_at": now - 400 * DAY,
    }))
    .unwrap();
    old.content.text = Some("long ago".into());
    plain
        .store
        .import_activities(std::slice::from_ref(&old))
        .await
        .unwrap();
    plain.follow(&timeline, &own, json!({})).await;
    plain.settle_fanout().await;
    let fresh = plain
        .add_activity(&old_user, json!({"type": "post", "feeds": [own]}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    plain.settle_fanout().await;
    assert_eq!(
        TestApp::ids(&plain.read_feed(&timeline, json!({})).await),
        vec![fresh.clone(), old.id.clone()]
    );
    // With the setting on, reads leave the old one out at once.
    assert_eq!(
        TestApp::ids(&hiding.read_feed(&timeline, json!({})).await),
        vec![fresh.clone()]
    );
    assert_eq!(
        TestApp::ids(&hiding.read_feed(&own, json!({})).await),
        vec![fresh.clone()]
    );
    // The job sweeps it out of the timeline for good; the activity and its own feed stay.
    run_to_end(plain, jobs::Job::Hiding, Some(30 * DAY)).await;
    plain.settle_fanout().await;
    assert_eq!(
        TestApp::ids(&plain.read_feed(&timeline, json!({})).await),
        vec![fresh.clone()]
    );
    assert_eq!(
        TestApp::ids(&plain.read_feed(&own, json!({})).await),
        vec![fresh, old.id.clone()]
    );
    assert!(plain.store.get_activity(&old.id).await.unwrap().is_some());
}
