//! Fan-out and timeline reads on DynamoDB Local, each beside a raw baseline that issues
//! only the minimal DynamoDB calls for the same work.
//!
//! - Fan-out to 1,000 and 10,000 followers, its pages run as the task worker runs them
//!   deployed (each continuation in another invocation, up to 10 at once): deliveries per
//!   second, write and read units per delivery, round trips (and how many in sequence);
//!   baseline: the same entries written with bare BatchWriteItem (`Store::batch_write`).
//!   Both sides run several times, alternating, and their medians are compared.
//! - One page of 25 from a 10,000-entry timeline: read units, round trips, p50/p99 latency;
//!   baseline: Query + BatchGetItem (activities) + BatchGetItem (users), nothing else.
//!
//! Run with `scripts/bench` (it starts DynamoDB Local and the SQS stand-in).

use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes, ReturnConsumedCapacity};
use serde_json::json;
use tokio::sync::{mpsc, Semaphore};
use tributary_domain::model::feed_group::FeedGroup;
use tributary_domain::model::follow::{Follow, FollowStatus};
use tributary_domain::model::{Activity, ActivityContent};
use tributary_domain::time::now_nanos;
use tributary_integration_tests::{bench, unique, PerCall, TestApp};
use tributary_store::keys;
use tributary_store::CapacitySnapshot;
use tributary_store::{Store, WriteOp};
use tributary_tasks::fanout::{self, FanoutTask};

const BENCH: &str = "fanout";
const READ_SAMPLES: usize = 200;
const TIMELINE_LEN: usize = 10_000;

fn activity(id: &str, user: &str, feed: &str, created_at: i64) -> Activity {
    {
        let content = ActivityContent {
            feeds: vec![feed.to_string()],
            text: Some("a benchmark post of ordinary length, with a few words in it".into()),
            ..Default::default()
        };
        Activity::new(
            id.to_string(),
            "post".into(),
            user.to_string(),
            content,
            created_at,
        )
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

/// The figures of `n` page reads that spent `spent` and took `sorted` times; `deepest` is
/// the most sequential round trips one read took.
fn page_figures(row: &str, spent: &CapacitySnapshot, n: f64, sorted: &[Duration], deepest: u64) {
    bench::row(
        BENCH,
        row,
        &[
            ("read units", spent.read_units / n, "RU"),
            ("round trips", spent.round_trips as f64 / n, "calls"),
            (
                "sequential round trips",
                spent.sequential as f64 / n,
                "calls",
            ),
            (
                "sequential round trips, deepest read",
                deepest as f64,
                "calls",
            ),
            ("p50", percentile(sorted, 0.5), "ms"),
            ("p99", percentile(sorted, 0.99), "ms"),
        ],
    );
}

/// Reads `fid` with `body` and notes how deep its chain of round trips went.
async fn timed_read(
    app: &TestApp,
    fid: &str,
    body: serde_json::Value,
    times: &mut Vec<Duration>,
    deepest: &mut u64,
) -> serde_json::Value {
    let before = app.store.meter().snapshot();
    let t = Instant::now();
    let page = app.read_feed(fid, body).await;
    times.push(t.elapsed());
    *deepest = (*deepest).max((app.store.meter().snapshot() - before).sequential);
    page
}

/// A new user with `followers` feeds of `group` following their feed, and one post in it.
async fn star_with_followers(
    app: &TestApp,
    group: &str,
    followers: usize,
) -> (Activity, String, Vec<Follow>) {
    let star = unique("star");
    let origin = format!("user:{star}");
    let now = now_nanos();
    let follows: Vec<Follow> = (0..followers)
        .map(|i| {
            let source = format!("{group}:{star}-f{i}");
            Follow::new(&source, &origin, FollowStatus::Accepted, now)
        })
        .collect();
    app.store
        .import_follows(&follows)
        .await
        .expect("load followers");
    let a = activity(&unique("post"), &star, &origin, now);
    app.store
        .import_activities(std::slice::from_ref(&a))
        .await
        .expect("load activity");
    (a, origin, follows)
}

/// Invocations of the task worker running at once, as Lambda's SQS event source scales it
/// (its maximum concurrency setting, 10 here).
const INVOCATIONS: usize = 10;

type Invocation = tokio::task::JoinHandle<tributary_domain::ApiResult<()>>;

/// Starts one worker invocation on `task` once one of the [`INVOCATIONS`] is free: the page
/// runs as the worker runs it ([`fanout::step`]), and the continuation it hands on starts
/// at once in another invocation (as a queued message would) while this one writes.
fn invoke(
    store: &Store,
    task: FanoutTask,
    slots: &Arc<Semaphore>,
    started: &mpsc::UnboundedSender<Invocation>,
) {
    let (store, slots, next_started) = (store.clone(), slots.clone(), started.clone());
    let invocation = tokio::spawn(async move {
        let _slot = slots.acquire().await.expect("slots stay open");
        fanout::step(&store, &task, fanout::PAGE_SIZE, |next| {
            invoke(&store, next, &slots, &next_started);
            async { Ok(()) }
        })
        .await
    });
    started.send(invocation).expect("the driver listens");
}

/// Runs a fan-out the way it runs deployed, page by page in parallel invocations, until
/// no page is left. Returns the number of invocations (queue messages).
async fn fan_out_as_deployed(store: &Store, task: FanoutTask) -> usize {
    let slots = Arc::new(Semaphore::new(INVOCATIONS));
    let (started, mut invocations) = mpsc::unbounded_channel();
    invoke(store, task, &slots, &started);
    // Each invocation holds a sender until it ends, so the channel closes after the last.
    drop(started);
    let mut count = 0;
    while let Some(invocation) = invocations.recv().await {
        invocation.await.expect("invocation").expect("fan-out");
        count += 1;
    }
    count
}

/// Runs of each side, alternated (fan-out, baseline, fan-out, ...) so that both see the
/// machine alike; their medians are compared. One run of a thousand deliveries takes about a
/// tenth of a second, which a single pause of the machine can double.
fn repeats(followers: usize) -> usize {
    if followers <= 1_000 {
        9
    } else {
        3
    }
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    let mid = xs.len() / 2;
    if xs.len() % 2 == 1 {
        xs[mid]
    } else {
        (xs[mid - 1] + xs[mid]) / 2.0
    }
}

async fn fan_out(app: &TestApp, followers: usize) {
    let (a, origin, follows) = star_with_followers(app, "timeline", followers).await;
    // DynamoDB Local compiles its code paths on first use: an untimed fan-out to the same
    // followers first, so that neither side is measured cold.
    let warm_up = activity(&unique("post"), &a.user_id, &origin, a.created_at - 1);
    fan_out_as_deployed(&app.store, FanoutTask::deliver(&warm_up, &origin)).await;

    let runs = repeats(followers);
    let n = followers as f64;
    let (mut rates, mut base_rates) = (Vec::new(), Vec::new());
    let (mut spent, mut base) = (CapacitySnapshot::default(), CapacitySnapshot::default());
    let mut messages = 0;
    for run in 0..runs {
        let at = a.created_at + 2 * run as i64;
        let post = activity(&unique("post"), &a.user_id, &origin, at);
        let before = app.store.meter().snapshot();
        let started = Instant::now();
        messages = fan_out_as_deployed(&app.store, FanoutTask::deliver(&post, &origin)).await;
        rates.push(n / started.elapsed().as_secs_f64());
        spent = spent + (app.store.meter().snapshot() - before);

        // Baseline: the same deliveries, written with nothing but BatchWriteItem.
        let b = activity(&unique("post"), &a.user_id, &origin, at + 1);
        let ops: Vec<WriteOp> = follows
            .iter()
            .map(|f| fanout::delivered_entry(&f.source, &b.id, b.created_at, &origin, None))
            .collect();
        let before = app.store.meter().snapshot();
        let started = Instant::now();
        app.store.batch_write(ops).await.expect("baseline writes");
        base_rates.push(n / started.elapsed().as_secs_f64());
        base = base + (app.store.meter().snapshot() - before);
    }
    let ratios: Vec<f64> = rates.iter().zip(&base_rates).map(|(r, b)| r / b).collect();
    let (low, high) = ratios
        .iter()
        .fold((f64::MAX, 0.0f64), |(l, h), r| (l.min(*r), h.max(*r)));
    let (rate, base_rate) = (median(rates), median(base_rates));
    let (spent, base) = (PerCall::of(spent, runs), PerCall::of(base, runs));
    println!(
        "{:>6} followers  {:>8.0} deliveries/s  {:.2} WU  {:.3} RU per delivery  {:>4.0} round trips ({:>3.0} sequential)  {} messages, up to {INVOCATIONS} invocations at once  (median of {runs} runs)",
        followers,
        rate,
        spent.write_units / n,
        spent.read_units / n,
        spent.round_trips,
        spent.sequential,
        messages
    );
    println!(
        "        baseline   {:>8.0} deliveries/s  {:.2} WU  {:.3} RU per delivery  {:>4.0} round trips ({:>3.0} sequential)  (fan-out runs at {:.2}x the baseline's speed; runs side by side {low:.2}x to {high:.2}x)",
        base_rate,
        base.write_units / n,
        base.read_units / n,
        base.round_trips,
        base.sequential,
        rate / base_rate
    );
    let row = format!("fan-out, {followers} followers");
    bench::row(
        BENCH,
        &row,
        &[
            ("speed", rate, "deliveries/s"),
            ("write units per delivery", spent.write_units / n, "WU"),
            ("read units per delivery", spent.read_units / n, "RU"),
            ("round trips", spent.round_trips, "calls"),
            ("messages", messages as f64, "messages"),
            ("baseline speed", base_rate, "deliveries/s"),
            ("speed / baseline", rate / base_rate, "x"),
        ],
    );
}

async fn timeline_reads(app: &TestApp) {
    let reader = unique("reader");
    let fid = format!("timeline:{reader}");
    let author = unique("author");
    app.upsert_user(&author, "Author").await;
    let start = now_nanos() - TIMELINE_LEN as i64 * 1_000_000;
    let list: Vec<Activity> = (0..TIMELINE_LEN)
        .map(|i| activity(&unique("a"), &author, &fid, start + i as i64 * 1_000_000))
        .collect();
    for chunk in list.chunks(1000) {
        app.store
            .import_activities(chunk)
            .await
            .expect("load timeline");
    }
    // Create the feed itself.
    app.read_feed(&fid, json!({"limit": 0})).await;

    let body = |next: Option<&serde_json::Value>| {
        let mut b = json!({"limit": 25, "followers_pagination": {"limit": 0}, "following_pagination": {"limit": 0}});
        if let Some(n) = next {
            b["next"] = n.clone();
        }
        b
    };
    // A cursor 100 pages deep, to show depth costs nothing extra.
    let mut cursor = None;
    for _ in 0..100 {
        let page = app.read_feed(&fid, body(cursor.as_ref())).await;
        cursor = page.get("next").cloned();
    }
    for (label, next) in [("first page", None), ("page 101", cursor.as_ref())] {
        let mut times = Vec::with_capacity(READ_SAMPLES);
        let before = app.store.meter().snapshot();
        let mut deepest = 0;
        for _ in 0..READ_SAMPLES {
            let page = timed_read(app, &fid, body(next), &mut times, &mut deepest).await;
            assert_eq!(page["activities"].as_array().unwrap().len(), 25);
        }
        let spent = app.store.meter().snapshot() - before;
        times.sort();
        let n = READ_SAMPLES as f64;
        println!(
            "page of 25, {label:<10}  {:.2} RU  {:.2} round trips  p50 {:.2} ms  p99 {:.2} ms  (get_or_create_feed over HTTP)",
            spent.read_units / n,
            spent.round_trips as f64 / n,
            percentile(&times, 0.5),
            percentile(&times, 0.99)
        );
        page_figures(
            &format!("timeline page of 25, {label}"),
            &spent,
            n,
            &times,
            deepest,
        );
    }

    // Baseline: the minimal calls for a page: Query the entries, then one BatchGetItem for
    // the 25 activities and one for their authors.
    let client = app.store.client();
    let table = app.store.table().to_string();
    let mut times = Vec::with_capacity(READ_SAMPLES);
    let (mut units, mut trips) = (0.0, 0);
    for _ in 0..READ_SAMPLES {
        let t = Instant::now();
        let q = client
            .query()
            .table_name(&table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :e)")
            .expression_attribute_values(":pk", AttributeValue::S(keys::feed_partition(&fid)))
            .expression_attribute_values(":e", AttributeValue::S(keys::FEED_ENTRY_PREFIX.into()))
            .scan_index_forward(false)
            .limit(25)
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .unwrap();
        units += q
            .consumed_capacity()
            .and_then(|c| c.capacity_units())
            .unwrap_or(0.0);
        let ids: Vec<String> = q
            .items()
            .iter()
            .map(|i| i["activity_id"].as_s().unwrap().clone())
            .collect();
        let keys: Vec<_> = ids.iter().map(|id| keys::activity(id).to_item()).collect();
        let g = client
            .batch_get_item()
            .request_items(
                &table,
                KeysAndAttributes::builder()
                    .set_keys(Some(keys))
                    .build()
                    .unwrap(),
            )
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .unwrap();
        units += g
            .consumed_capacity()
            .iter()
            .filter_map(|c| c.capacity_units())
            .sum::<f64>();
        let users = client
            .batch_get_item()
            .request_items(
                &table,
                KeysAndAttributes::builder()
                    .keys(keys::user(&author).to_item())
                    .build()
                    .unwrap(),
            )
            .return_consumed_capacity(ReturnConsumedCapacity::Total)
            .send()
            .await
            .unwrap();
        units += users
            .consumed_capacity()
            .iter()
            .filter_map(|c| c.capacity_units())
            .sum::<f64>();
        trips += 3;
        times.push(t.elapsed());
    }
    times.sort();
    let n = READ_SAMPLES as f64;
    println!(
        "page of 25, baseline    {:.2} RU  {:.2} round trips  p50 {:.2} ms  p99 {:.2} ms  (bare SDK calls)",
        units / n,
        trips as f64 / n,
        percentile(&times, 0.5),
        percentile(&times, 0.99)
    );
    bench::row(
        BENCH,
        "timeline page of 25, baseline",
        &[
            ("read units", units / n, "RU"),
            ("round trips", trips as f64 / n, "calls"),
            ("p50", percentile(&times, 0.5), "ms"),
            ("p99", percentile(&times, 0.99), "ms"),
        ],
    );
}

/// A feed group aggregating by verb and day (and tracking read/seen when `notification`).
async fn aggregating_group(app: &TestApp, notification: bool) -> String {
    let id = unique("aggbench").replace('-', "_");
    let mut group = FeedGroup::new(&id, now_nanos());
    group.settings.insert(
        "aggregation".into(),
        json!({"format": "{{ verb }}_{{ time.strftime('%Y-%m-%d') }}"}),
    );
    if notification {
        group.settings.insert(
            "notification".into(),
            json!({"track_read": true, "track_seen": true}),
        );
    }
    app.store.put_feed_group(&group).await.expect("group");
    id
}

/// Fan-out into followers whose feeds aggregate: each delivery also joins a group.
async fn aggregated_fan_out(app: &TestApp, followers: usize) {
    let group = aggregating_group(app, false).await;
    let (a, origin, _) = star_with_followers(app, &group, followers).await;
    let before = app.store.meter().snapshot();
    let started = Instant::now();
    fan_out_as_deployed(&app.store, FanoutTask::deliver(&a, &origin)).await;
    let elapsed = started.elapsed();
    let spent = app.store.meter().snapshot() - before;
    let n = followers as f64;
    println!(
        "{:>6} aggregated followers  {:>8.0} deliveries/s  {:.2} WU  {:.3} RU per delivery  {:>4} round trips",
        followers,
        n / elapsed.as_secs_f64(),
        spent.write_units / n,
        spent.read_units / n,
        spent.round_trips
    );
    let row = format!("aggregated fan-out, {followers} followers");
    bench::row(
        BENCH,
        &row,
        &[
            ("speed", n / elapsed.as_secs_f64(), "deliveries/s"),
            ("write units per delivery", spent.write_units / n, "WU"),
            ("read units per delivery", spent.read_units / n, "RU"),
            ("round trips", spent.round_trips as f64, "calls"),
        ],
    );
}

/// Reads of a notification feed holding 40 groups of 5 activities: a page of 25 groups
/// with their activities and the unread/unseen status.
async fn notification_reads(app: &TestApp) {
    const GROUPS: usize = 40;
    const PER_GROUP: usize = 5;
    let group = aggregating_group(app, true).await;
    let owner = unique("bell");
    let fid = format!("{group}:{owner}");
    let formats = fanout::formats(&app.store).await.expect("formats");
    let start = now_nanos() - 86_400_000_000_000;
    let mut list = Vec::new();
    for g in 0..GROUPS {
        for k in 0..PER_GROUP {
            let mut a = activity(
                &unique("n"),
                &format!("{owner}-a{k}"),
                &fid,
                start + (g * PER_GROUP + k) as i64,
            );
            a.activity_type = format!("verb{g}");
            list.push(a);
        }
    }
    app.store.import_activities(&list).await.expect("load");
    let adds = fanout::group_adds(&formats, list.iter().map(|a| (fid.as_str(), a)));
    fanout::add_to_groups(&app.store, adds)
        .await
        .expect("groups");
    let body = json!({"limit": 25, "user_id": owner,
                      "followers_pagination": {"limit": 0}, "following_pagination": {"limit": 0}});
    // The first read creates the feed (its owner's): untimed, as is the timeline's.
    app.read_feed(&fid, json!({"limit": 0, "user_id": owner}))
        .await;
    let before = app.store.meter().snapshot();
    let mut times = Vec::with_capacity(READ_SAMPLES / 4);
    let mut deepest = 0;
    for _ in 0..READ_SAMPLES / 4 {
        let page = timed_read(app, &fid, body.clone(), &mut times, &mut deepest).await;
        assert_eq!(page["aggregated_activities"].as_array().unwrap().len(), 25);
        assert_eq!(page["notification_status"]["unseen"], GROUPS as i64);
    }
    let spent = app.store.meter().snapshot() - before;
    times.sort();
    let n = times.len() as f64;
    println!(
        "notification feed, 25 of {GROUPS} groups ({PER_GROUP} activities each) with status  {:.2} RU  {:.2} round trips  p50 {:.2} ms  p99 {:.2} ms",
        spent.read_units / n,
        spent.round_trips as f64 / n,
        percentile(&times, 0.5),
        percentile(&times, 0.99)
    );
    page_figures("notification page of 25 groups", &spent, n, &times, deepest);
}

#[tokio::main]
async fn main() {
    let app = TestApp::spawn().await;
    println!("Fan-out (DynamoDB Local; capacity as DynamoDB Local reports it)");
    for n in [1_000, 10_000] {
        fan_out(&app, n).await;
    }
    aggregated_fan_out(&app, 1_000).await;
    println!();
    println!("Aggregated and notification feeds");
    notification_reads(&app).await;
    println!();
    println!("Reading a timeline of {TIMELINE_LEN} entries ({READ_SAMPLES} reads each)");
    timeline_reads(&app).await;
}
