// Realtime through Stream's browser client, `@stream-io/feeds-client` (run in Node with the `ws`
// package as its WebSocket): signing in over the WebSocket, a new token after an expired one,
// watched reads, and one event of each kind reaching the users watching the feed (and the
// feeds that follow it) and no one else. Writes are made with the Node server SDK.

import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, test } from 'node:test';

import { client, eventually, makeUser, settings } from './support.mjs';

const scriptsRequire = createRequire(new URL('../../scripts/package.json', import.meta.url));
// Node 20 has no WebSocket of its own; browsers and React Native do.
globalThis.WebSocket ??= scriptsRequire('ws');
const { FeedsClient } = scriptsRequire('@stream-io/feeds-client');

const feeds = client.feeds;
const open = [];

after(async () => {
  await Promise.all(open.map((c) => c.disconnectUser().catch(() => {})));
});

/** Signs `userId` in with the browser client; records every event it receives. */
async function signIn(userId, tokenProvider) {
  const browser = new FeedsClient(settings.apiKey, { base_url: settings.baseUrl, timeout: 30_000 });
  const events = [];
  browser.on('all', (e) => events.push(e));
  await browser.connectUser({ id: userId, name: `Name of ${userId}` }, tokenProvider ?? client.generateUserToken({ user_id: userId }));
  open.push(browser);
  return { browser, events };
}

/** Waits for an event of `type` (about `fid`) among `events`; returns it. */
async function eventOf(events, type, fid) {
  const found = await eventually(() => events.find((e) => e.type === type && (!fid || e.fid === fid)));
  assert.ok(found, `no ${type}${fid ? ` for ${fid}` : ''}; got ${events.map((e) => `${e.type}@${e.fid}`).join(', ')}`);
  return found;
}

test('connectUser signs in over the WebSocket and upserts the user', async () => {
  const id = await makeUser('Before');
  const { browser } = await signIn(id);
  const me = browser.state.getLatestValue().connected_user;
  assert.equal(me?.id, id);
  assert.equal(me?.name, `Name of ${id}`);
  // Stored: the user's activities show the name given in user_details.
  const added = await feeds.addActivity({ type: 'post', feeds: [`user:${id}`], text: 'hi', user_id: id });
  assert.equal(added.activity.user.name, `Name of ${id}`);
});

test('an expired token makes the client fetch a new one and connect', async () => {
  const id = await makeUser();
  let calls = 0;
  const provider = async () => {
    calls += 1;
    return calls === 1
      ? client.generateUserToken({ user_id: id, validity_in_seconds: -60 })
      : client.generateUserToken({ user_id: id });
  };
  const { browser } = await signIn(id, provider);
  assert.equal(calls, 2, 'the provider was asked again after the expired token was refused');
  assert.equal(browser.state.getLatestValue().connected_user?.id, id);
});

test('watched feeds get every kind of event; feeds not watched get none', async () => {
  const [author, fan, stranger] = [await makeUser(), await makeUser(), await makeUser()];
  const own = `user:${author}`;
  const timeline = `timeline:${fan}`;
  await feeds.follow({ source: timeline, target: own });
  const a = await signIn(author);
  const f = await signIn(fan);
  const s = await signIn(stranger);
  await a.browser.feed('user', author).getOrCreate({ watch: true });
  await f.browser.feed('timeline', fan).getOrCreate({ watch: true });

  const added = await feeds.addActivity({ type: 'post', feeds: [own], text: 'live', user_id: author });
  const id = added.activity.id;
  assert.equal((await eventOf(a.events, 'feeds.activity.added', own)).activity.id, id);
  assert.equal((await eventOf(f.events, 'feeds.activity.added', timeline)).activity.id, id, 'a follower watching their timeline');
  // The watched feed's state shows it without a read.
  await eventually(() => a.browser.feed('user', author).state.getLatestValue().activities?.some((x) => x.id === id));

  await feeds.updateActivity({ id, text: 'edited', user_id: author });
  assert.equal((await eventOf(a.events, 'feeds.activity.updated', own)).activity.text, 'edited');

  await feeds.addActivityReaction({ activity_id: id, type: 'like', user_id: fan });
  assert.equal((await eventOf(a.events, 'feeds.activity.reaction.added', own)).reaction.type, 'like');
  await feeds.deleteActivityReaction({ activity_id: id, type: 'like', user_id: fan });
  await eventOf(a.events, 'feeds.activity.reaction.deleted', own);

  // The author's notification feed, watched, shows a notification as it is written.
  const notifications = a.browser.feed('notification', author);
  await notifications.getOrCreate({ watch: true });
  await feeds.addActivityReaction({ activity_id: id, type: 'love', user_id: fan, create_notification_activity: true });
  const notified = await eventOf(a.events, 'feeds.notification_feed.updated', `notification:${author}`);
  assert.equal(notified.notification_status.unseen, 1);
  await eventually(() => notifications.state.getLatestValue().aggregated_activities?.length === 1);

  await feeds.addComment({ object_id: id, object_type: 'activity', comment: 'nice', user_id: fan });
  assert.equal((await eventOf(a.events, 'feeds.comment.added', own)).comment.text, 'nice');

  await feeds.unfollow({ source: timeline, target: own });
  await eventOf(a.events, 'feeds.follow.deleted', own);
  await feeds.follow({ source: timeline, target: own });
  await eventOf(f.events, 'feeds.follow.created', timeline);

  await feeds.deleteActivity({ id });
  assert.equal((await eventOf(a.events, 'feeds.activity.deleted', own)).activity.id, id);

  const toStranger = s.events.filter((e) => e.type.startsWith('feeds.'));
  assert.deepEqual(toStranger.map((e) => e.type), [], 'a user watching nothing hears nothing');
});

test('a user may not watch a feed it may not read, and hears nothing of it', async () => {
  const [owner, other] = [await makeUser(), await makeUser()];
  const { browser, events } = await signIn(other);
  let refused;
  try {
    await browser.feed('timeline', owner).getOrCreate({ watch: true });
  } catch (err) {
    refused = err;
  }
  assert.ok(refused, 'watching another user\'s private timeline is refused');
  assert.equal(refused.code, 17, `Stream's not-allowed code: ${refused.message}`);
  await feeds.addActivity({ type: 'post', feeds: [`timeline:${owner}`], text: 'private', user_id: owner });
  await new Promise((r) => setTimeout(r, 1500));
  assert.deepEqual(events.filter((e) => e.type.startsWith('feeds.')).map((e) => e.type), []);
});
