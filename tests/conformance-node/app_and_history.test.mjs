// App settings and the records kept about an app's content, through the official Node SDK:
// update_app's custom activity metrics (get_app shows them, trackActivityMetrics counts them)
// and its feed audit logs (queryRevisionHistory lists an activity's creations, edits, deletes
// and restores), queryFeedsUsageStats, collections written inline by addActivity, pinned
// activities filtered by pin time and pinner, poll and vote queries paging back with prev,
// and latest_shares on activity reads. Every response must carry the fields the SDK's models
// declare required; refusals are Stream errors with their codes.
//
// update_app's settings are app-wide and other tests share the server: each test that changes
// one reads it first and puts it back however the test ends.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  StreamClient,
  assertDuration,
  assertShape,
  assertStreamError,
  client,
  makeUser,
  uid,
  userFeeds,
} from './support.mjs';

const feeds = client.feeds;

// App and poll calls live on the SDK's CommonApi (the base class of StreamClient); the same
// class over a user-authenticated HTTP client makes them as that user.
const CommonApi = Object.getPrototypeOf(StreamClient.prototype).constructor;
const userCommon = (userId) => new CommonApi(userFeeds(userId).apiClient);

async function post(author, extra = {}) {
  const resp = assertShape(
    await feeds.addActivity({ type: 'post', feeds: [`user:${author}`], text: 'hello', user_id: author, ...extra }),
    'AddActivityResponse',
  );
  assertDuration(resp.duration);
  return resp.activity;
}

async function readActivity(c, id) {
  const resp = assertShape(await c.getActivity({ id }), 'GetActivityResponse');
  assertDuration(resp.duration);
  return resp.activity;
}

/**
 * The app as get_app answers it. Not checked with assertShape: the SDK's AppResponseFields
 * marks required many chat and video settings (SNS/SQS keys, upload configs, push providers,
 * reminders, ...) that this server does not keep, so it leaves them out. The fields the tests
 * use are checked here instead.
 */
async function getApp() {
  const resp = await client.getApp();
  assertDuration(resp.duration);
  assert.equal(typeof resp.app, 'object');
  assert.equal(typeof resp.app.feed_audit_logs_enabled, 'boolean');
  return resp.app;
}

async function updateApp(request) {
  const resp = assertShape(await client.updateApp(request), 'Response');
  assertDuration(resp.duration);
  return resp;
}

// --- update_app: custom activity metrics -------------------------------------------------------

test('update_app sets custom activity metrics over the defaults; get_app shows them; tracking counts them', async () => {
  const previous = (await getApp()).activity_metrics_config ?? {};
  const [author, viewer] = await Promise.all([makeUser(), makeUser()]);
  const activityId = (await post(author)).id;
  const saves = uid('saves').replace(/-/g, '_');
  const config = { ...previous, [saves]: 3, impressions: 60 };
  try {
    await updateApp({ activity_metrics_config: config });
    assert.deepEqual((await getApp()).activity_metrics_config, config);

    const tracked = assertShape(
      await feeds.trackActivityMetrics({
        user_id: viewer,
        events: [
          { activity_id: activityId, metric: saves, delta: 2 },
          // Over the custom metric's hourly limit of 3: refused, without an error.
          { activity_id: activityId, metric: saves, delta: 2 },
          { activity_id: activityId, metric: saves },
          // impressions takes the new limit of 60.
          { activity_id: activityId, metric: 'impressions', delta: 60 },
          // views keeps its default.
          { activity_id: activityId, metric: 'views' },
        ],
      }),
      'TrackActivityMetricsResponse',
    );
    assertDuration(tracked.duration);
    assert.deepEqual(
      tracked.results.map((r) => [r.metric, r.allowed]),
      [
        [saves, true],
        [saves, false],
        [saves, true],
        ['impressions', true],
        ['views', true],
      ],
    );
    assert.equal(tracked.results[1].error, undefined);
    assert.deepEqual((await readActivity(feeds, activityId)).metrics, { [saves]: 3, impressions: 60, views: 1 });
    assert.deepEqual((await readActivity(userFeeds(author), activityId)).metrics, { [saves]: 3, impressions: 60, views: 1 });

    // A user token may not change the app; the configuration stays.
    await assertStreamError(() => userCommon(viewer).updateApp({ activity_metrics_config: {} }), 17, 403);
    await assertStreamError(() => client.updateApp({ activity_metrics_config: { [saves]: -1 } }), 4, 400);
    assert.deepEqual((await getApp()).activity_metrics_config, config);

    // 0 turns a default off (only briefly: other tests track clicks).
    const off = { ...config, clicks: 0 };
    let clicks;
    try {
      await updateApp({ activity_metrics_config: off });
      assert.deepEqual((await getApp()).activity_metrics_config, off);
      clicks = assertShape(
        await feeds.trackActivityMetrics({ user_id: viewer, events: [{ activity_id: activityId, metric: 'clicks' }] }),
        'TrackActivityMetricsResponse',
      );
    } finally {
      await updateApp({ activity_metrics_config: config });
    }
    assert.equal(clicks.results[0].allowed, false);
    assert.match(clicks.results[0].error, /disabled/);
    assert.equal((await readActivity(feeds, activityId)).metrics.clicks, undefined);
  } finally {
    await updateApp({ activity_metrics_config: previous });
  }
  assert.deepEqual((await getApp()).activity_metrics_config ?? {}, previous);
  // Without the configuration the custom metric is unknown again.
  const after = assertShape(
    await feeds.trackActivityMetrics({ user_id: viewer, events: [{ activity_id: activityId, metric: saves }] }),
    'TrackActivityMetricsResponse',
  );
  assert.equal(after.results[0].allowed, false);
  assert.ok(after.results[0].error.includes(saves), after.results[0].error);
});

// --- update_app: feed audit logs and queryRevisionHistory ---------------------------------------

async function history(objectId, extra = {}) {
  const { filter, ...rest } = extra;
  const resp = assertShape(
    await feeds.queryRevisionHistory({ filter: { object_type: 'activity', object_id: objectId, ...filter }, ...rest }),
    'QueryRevisionHistoryResponse',
  );
  assertDuration(resp.duration);
  return resp;
}

const actions = (resp) => resp.revisions.map((r) => r.action_type);

test('with feed_audit_logs_enabled, queryRevisionHistory lists create, edit, delete and restore', async () => {
  const wasOn = (await getApp()).feed_audit_logs_enabled;
  try {
    await updateApp({ feed_audit_logs_enabled: true });
    assert.equal((await getApp()).feed_audit_logs_enabled, true);

    const amy = await makeUser();
    const asAmy = userFeeds(amy);
    const created = assertShape(
      await asAmy.addActivity({ type: 'post', feeds: [`user:${amy}`], text: 'first' }),
      'AddActivityResponse',
    );
    const id = created.activity.id;
    const edited = assertShape(
      await feeds.updateActivityPartial({ id, set: { text: 'second' } }),
      'UpdateActivityPartialResponse',
    );
    assert.equal(edited.activity.text, 'second');
    assertShape(await feeds.deleteActivity({ id }), 'DeleteActivityResponse');
    assertShape(await feeds.restoreActivity({ id }), 'RestoreActivityResponse');

    const all = await history(id);
    assert.deepEqual(actions(all), ['restore', 'delete', 'edit', 'create']);
    assert.equal(all.next, undefined);
    assert.equal(all.prev, undefined);
    for (const r of all.revisions) {
      assert.equal(r.object_type, 'activity');
      assert.equal(r.object_id, id);
      assert.ok(r.created_at instanceof Date);
      assert.ok(Math.abs(Date.now() - r.created_at.getTime()) < 120_000, `not recent: ${r.created_at}`);
    }
    const [restore, del, edit, create] = all.revisions;
    assert.deepEqual([create.actor_type, create.user_id], ['user', amy]);
    assert.equal(create.previous_obj_serialized, undefined);
    assert.deepEqual([edit.actor_type, edit.user_id], ['admin', '']);
    assert.deepEqual(edit.changed_fields, ['text']);
    assert.equal(edit.previous_obj_serialized.text, 'first');
    assert.deepEqual([del.actor_type, del.user_id], ['admin', '']);
    assert.deepEqual([restore.actor_type, restore.user_id], ['admin', '']);
    // Newest first: each revision no older than the next one listed.
    for (let i = 1; i < all.revisions.length; i++) {
      assert.ok(all.revisions[i - 1].created_at >= all.revisions[i].created_at);
    }

    const oldest = await history(id, { sort: [{ field: 'created_at', direction: 1 }] });
    assert.deepEqual(actions(oldest), ['create', 'edit', 'delete', 'restore']);
    assert.deepEqual(actions(await history(id, { filter: { user_id: amy } })), ['create']);
    assert.deepEqual(actions(await history(id, { filter: { actor_type: 'admin' } })), ['restore', 'delete', 'edit']);

    // Pages both ways.
    const first = await history(id, { limit: 3 });
    assert.deepEqual(actions(first), ['restore', 'delete', 'edit']);
    assert.equal(first.prev, undefined);
    assert.ok(first.next);
    const rest = await history(id, { limit: 3, next: first.next });
    assert.deepEqual(actions(rest), ['create']);
    assert.equal(rest.next, undefined);
    assert.ok(rest.prev);
    const back = await history(id, { limit: 3, prev: rest.prev });
    assert.deepEqual(actions(back), ['restore', 'delete', 'edit']);
    assert.equal(back.prev, undefined);
    assert.ok(back.next);

    // Users may not read it; the object is required.
    await assertStreamError(
      () => asAmy.queryRevisionHistory({ filter: { object_type: 'activity', object_id: id } }),
      17,
      403,
    );
    const missing = await assertStreamError(
      () => feeds.queryRevisionHistory({ filter: { object_type: 'activity' } }),
      4,
      400,
    );
    assert.match(missing.message, /object_id/);
  } finally {
    await updateApp({ feed_audit_logs_enabled: Boolean(wasOn) });
  }
  assert.equal((await getApp()).feed_audit_logs_enabled, Boolean(wasOn));
});

// --- queryFeedsUsageStats ----------------------------------------------------------------------

const day = (d) => d.toISOString().slice(0, 10);

async function usage(from, to) {
  const resp = assertShape(await feeds.queryFeedsUsageStats({ from, to }), 'QueryFeedsUsageStatsResponse');
  assertDuration(resp.duration);
  for (const metric of ['activities', 'api_requests', 'follows', 'openai_requests']) {
    assert.deepEqual(resp[metric].daily.map((d) => d.date), [from, to], `${metric} lists every day`);
    assert.equal(resp[metric].total, resp[metric].daily.reduce((sum, d) => sum + d.value, 0), metric);
  }
  return resp;
}

test('queryFeedsUsageStats counts added activities and follows per day', async () => {
  const now = new Date();
  const to = day(now);
  const from = day(new Date(now.getTime() - 86_400_000));
  const [amy, bob] = await Promise.all([makeUser(), makeUser()]);

  const before = await usage(from, to);
  await post(amy);
  await post(bob);
  assertShape(await feeds.follow({ source: `timeline:${bob}`, target: `user:${amy}` }), 'SingleFollowResponse');
  const after = await usage(from, to);

  assert.equal(after.activities.total - before.activities.total, 2);
  assert.equal(after.follows.total - before.follows.total, 1);
  // At least the five requests above, and this query itself, were answered since.
  assert.ok(after.api_requests.total - before.api_requests.total >= 4);
  assert.equal(after.openai_requests.total, 0);

  // One day only, and a range's days listed in order.
  const today = assertShape(await feeds.queryFeedsUsageStats({ from: to, to }), 'QueryFeedsUsageStatsResponse');
  assert.deepEqual(today.activities.daily.map((d) => d.date), [to]);
  assert.ok(today.activities.total >= 2);
  const week = assertShape(
    await feeds.queryFeedsUsageStats({ from: day(new Date(now.getTime() - 6 * 86_400_000)), to }),
    'QueryFeedsUsageStatsResponse',
  );
  assert.equal(week.follows.daily.length, 7);
  assert.equal(week.follows.daily.at(-1).date, to);

  await assertStreamError(() => userFeeds(amy).queryFeedsUsageStats({ from, to }), 17, 403);
  await assertStreamError(() => feeds.queryFeedsUsageStats({ from: '2026-02-30', to }), 4, 400);
  await assertStreamError(() => feeds.queryFeedsUsageStats({ from: 'yesterday', to }), 4, 400);
  await assertStreamError(() => feeds.queryFeedsUsageStats({ from: to, to: from }), 4, 400);
});

// --- collections written inline by addActivity --------------------------------------------------

test('addActivity with inline collections creates them and reads back enriched; a later add updates them', async () => {
  const [user, other] = await Promise.all([makeUser(), makeUser()]);
  const name = uid('products');
  const ref = `${name}:p1`;

  const first = await post(user, { collections: [{ name, id: 'p1', custom: { price: 10 } }] });
  assert.equal(first.collections[ref]?.status, 'ok');
  const read = await readActivity(feeds, first.id);
  assert.equal(read.collections[ref].status, 'ok');
  assert.equal(read.collections[ref].name, name);
  assert.equal(read.collections[ref].id, 'p1');
  assert.deepEqual(read.collections[ref].custom, { price: 10 });
  assert.equal(read.collections[ref].user_id, user);
  const stored = assertShape(await feeds.readCollections({ collection_refs: [ref] }), 'ReadCollectionsResponse');
  assert.deepEqual(stored.collections.map((c) => [c.id, c.custom]), [['p1', { price: 10 }]]);

  // A second activity with changed custom updates the collection; both activities show it.
  const second = await post(user, {
    collection_refs: [ref],
    collections: [{ name, id: 'p1', custom: { price: 12 } }],
  });
  assert.deepEqual(Object.keys(second.collections), [ref]);
  assert.deepEqual((await readActivity(feeds, second.id)).collections[ref].custom, { price: 12 });
  assert.deepEqual((await readActivity(userFeeds(other), first.id)).collections[ref].custom, { price: 12 });

  // With a user token: another user's collection is refused and nothing is written.
  const asOther = userFeeds(other);
  await assertStreamError(
    () => asOther.addActivity({ type: 'post', feeds: [`user:${other}`], text: 'x', collections: [{ name, id: 'p1', custom: { price: 0 } }] }),
    17,
    403,
  );
  assert.deepEqual((await readActivity(feeds, first.id)).collections[ref].custom, { price: 12 });
  // Its own new one is written.
  const mine = assertShape(
    await asOther.addActivity({ type: 'post', feeds: [`user:${other}`], text: 'x', collections: [{ name, id: 'p2', custom: { price: 5 } }] }),
    'AddActivityResponse',
  ).activity;
  const got = (await readActivity(feeds, mine.id)).collections[`${name}:p2`];
  assert.deepEqual([got.status, got.user_id, got.custom], ['ok', other, { price: 5 }]);
});

// --- queryPinnedActivities filters -------------------------------------------------------------

test('queryPinnedActivities filters on when pins were made and by whom', async () => {
  const user = await makeUser();
  const me = userFeeds(user);
  const feed = { feed_group_id: 'user', feed_id: user };
  const ids = [];
  const pinnedAt = [];
  for (let i = 0; i < 4; i++) {
    const id = (await post(user)).id;
    const pin = assertShape(await me.pinActivity({ ...feed, activity_id: id }), 'PinActivityResponse');
    ids.push(id);
    pinnedAt.push(pin.created_at);
  }
  const query = async (req) => {
    const resp = assertShape(await feeds.queryPinnedActivities({ ...feed, ...req }), 'QueryPinnedActivitiesResponse');
    assertDuration(resp.duration);
    return resp;
  };
  const pinned = (resp) => resp.pinned_activities.map((p) => p.activity.id);

  const since = pinnedAt[1].toISOString();
  const later = await query({ filter: { created_at: { $gte: since } } });
  assert.deepEqual(pinned(later), [ids[3], ids[2], ids[1]]);
  assert.ok(later.pinned_activities.every((p) => p.created_at >= pinnedAt[1]));
  // Pages over the pins the filter keeps.
  const oldestFirst = await query({
    filter: { created_at: { $gte: since } },
    sort: [{ field: 'created_at', direction: 1 }],
    limit: 2,
  });
  assert.deepEqual(pinned(oldestFirst), [ids[1], ids[2]]);
  assert.ok(oldestFirst.next);
  const rest = await query({
    filter: { created_at: { $gte: since } },
    sort: [{ field: 'created_at', direction: 1 }],
    limit: 2,
    next: oldestFirst.next,
  });
  assert.deepEqual(pinned(rest), [ids[3]]);
  assert.equal(rest.next, undefined);

  assert.deepEqual(pinned(await query({ filter: { user_id: user } })), [...ids].reverse());
  assert.ok((await query({ filter: { user_id: user } })).pinned_activities.every((p) => p.user.id === user));
  assert.deepEqual(pinned(await query({ filter: { user_id: uid('nobody') } })), []);
  assert.deepEqual(
    pinned(await query({ filter: { $and: [{ user_id: user }, { created_at: { $gte: since } }] }, limit: 1 })),
    [ids[3]],
  );
  await assertStreamError(() => feeds.queryPinnedActivities({ ...feed, filter: { text: 'x' } }), 4, 400);
});

// --- polls and votes paging back ---------------------------------------------------------------

test('queryPollVotes and queryPolls page back with prev', async () => {
  const amy = await makeUser();
  const poll = assertShape(
    await client.createPoll({ name: 'Fruit?', options: [{ text: 'apple' }, { text: 'pear' }], user_id: amy, allow_answers: true }),
    'PollResponse',
  ).poll;
  const activityId = (await post(amy, { type: 'poll', poll_id: poll.id })).id;
  const voters = [await makeUser(), await makeUser(), await makeUser()];
  for (const [i, v] of voters.entries()) {
    assertShape(
      await feeds.castPollVote({ activity_id: activityId, poll_id: poll.id, vote: { option_id: poll.options[i % 2].id }, user_id: v }),
      'PollVoteResponse',
    );
  }
  assertShape(
    await feeds.castPollVote({ activity_id: activityId, poll_id: poll.id, vote: { answer_text: 'figs' }, user_id: voters[0] }),
    'PollVoteResponse',
  );

  const votes = async (req) => {
    const resp = assertShape(await client.queryPollVotes({ poll_id: poll.id, ...req }), 'PollVotesResponse');
    assertDuration(resp.duration);
    return resp;
  };
  const first = await votes({ limit: 2 });
  assert.equal(first.votes.length, 2);
  assert.equal(first.votes[0].is_answer, true);
  assert.equal(first.prev, undefined);
  assert.ok(first.next);
  const rest = await votes({ limit: 2, next: first.next });
  assert.deepEqual(rest.votes.map((v) => v.user_id), [voters[1], voters[0]]);
  assert.equal(rest.next, undefined);
  assert.ok(rest.prev);
  const back = await votes({ limit: 2, prev: rest.prev });
  assert.deepEqual(back.votes.map((v) => v.id), first.votes.map((v) => v.id));
  assert.equal(back.prev, undefined);
  assert.ok(back.next);
  await assertStreamError(() => client.queryPollVotes({ poll_id: poll.id, prev: 'forged' }), 4, 400);

  const made = [];
  for (let i = 0; i < 3; i++) {
    made.push(assertShape(await client.createPoll({ name: `Q${i}`, options: [{ text: 'a' }], user_id: amy }), 'PollResponse').poll.id);
  }
  const polls = async (req) => {
    const resp = assertShape(await client.queryPolls({ filter: { created_by_id: amy }, ...req }), 'QueryPollsResponse');
    assertDuration(resp.duration);
    return resp;
  };
  const p1 = await polls({ limit: 2 });
  assert.deepEqual(p1.polls.map((p) => p.id), [made[2], made[1]]);
  assert.equal(p1.prev, undefined);
  const p2 = await polls({ limit: 2, next: p1.next });
  assert.deepEqual(p2.polls.map((p) => p.id), [made[0], poll.id]);
  assert.equal(p2.next, undefined);
  assert.ok(p2.prev);
  const p1again = await polls({ limit: 2, prev: p2.prev });
  assert.deepEqual(p1again.polls.map((p) => p.id), [made[2], made[1]]);
  assert.equal(p1again.prev, undefined);
  assert.ok(p1again.next);
});

// --- latest_shares -----------------------------------------------------------------------------

test('getActivity of a shared activity lists its latest shares, newest first, with their users', async () => {
  const [author, s1, s2] = await Promise.all([makeUser(), makeUser('Sharer One'), makeUser('Sharer Two')]);
  const parent = (await post(author)).id;
  // No shares yet: none listed.
  assert.ok(!(await readActivity(feeds, parent)).latest_shares?.length);

  const first = (await post(s1, { parent_id: parent, text: 'look' })).id;
  const second = assertShape(
    await userFeeds(s2).addActivity({ type: 'post', feeds: [`user:${s2}`], text: 'also', parent_id: parent }),
    'AddActivityResponse',
  ).activity.id;

  for (const reader of [feeds, userFeeds(author)]) {
    const read = await readActivity(reader, parent);
    assert.equal(read.share_count, 2);
    assert.deepEqual(read.latest_shares.map((s) => s.activity_id), [second, first]);
    assert.deepEqual(read.latest_shares.map((s) => [s.user.id, s.user.name]), [
      [s2, 'Sharer Two'],
      [s1, 'Sharer One'],
    ]);
    assert.ok(read.latest_shares.every((s) => s.created_at instanceof Date));
    assert.ok(read.latest_shares[0].created_at >= read.latest_shares[1].created_at);
  }

  // A deleted share leaves the list.
  assertShape(await feeds.deleteActivity({ id: second }), 'DeleteActivityResponse');
  assert.deepEqual((await readActivity(feeds, parent)).latest_shares.map((s) => s.activity_id), [first]);
});
