// The permission model with user tokens made by the Node SDK (`generateUserToken`), and the
// regressions it closed: posting into another user's feeds, creating another user's feed,
// commenting on another user's private activity. Every refusal is HTTP 403, Stream code 17,
// surfaced by the SDK as a thrown StreamError, and writes nothing.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  assertErrorEnvelope,
  assertShape,
  assertStreamError,
  client,
  makeUser,
  rawCall,
  uid,
  userFeeds,
  userToken,
} from './support.mjs';

const feeds = client.feeds;

const serverRead = async (group, id, owner) =>
  assertShape(await feeds.getOrCreateFeed({ feed_group_id: group, feed_id: id, user_id: owner }), 'GetOrCreateFeedResponse');

test("a user token cannot post into another user's timeline (403, code 17, nothing written)", async () => {
  const [alice, bob] = await Promise.all([makeUser(), makeUser()]);
  const asAlice = userFeeds(alice);
  for (const group of ['timeline', 'notification', 'user']) {
    const fid = `${group}:${bob}`;
    await serverRead(group, bob, bob); // the feed exists, created by bob
    const err = await assertStreamError(() => asAlice.addActivity({ type: 'post', text: 'intrusion', feeds: [fid] }), 17, 403);
    assert.match(err.message, /not allowed|permission|may not/i);
    // Naming herself as the author changes nothing.
    await assertStreamError(() => asAlice.addActivity({ type: 'post', text: 'x', feeds: [fid], user_id: alice }), 17, 403);
    // Nor does naming her own feed beside it.
    await assertStreamError(() => asAlice.addActivity({ type: 'post', text: 'sneaky', feeds: [`user:${alice}`, fid] }), 17, 403);
    const after = await serverRead(group, bob, bob);
    assert.deepEqual(after.activities.map((a) => a.id), [], `${fid} gained activities`);
    assert.equal(after.feed.activity_count, 0);
  }
  assert.deepEqual((await serverRead('user', alice, alice)).activities, []);

  // The same refusal, as the raw error envelope the SDK parsed.
  const raw = await rawCall('POST', '/api/v2/feeds/activities', {
    token: userToken(alice),
    body: { type: 'post', text: 'raw', feeds: [`timeline:${bob}`] },
  });
  assertErrorEnvelope(raw, 17, 403);
});

test('a user token acting as another user is refused', async () => {
  const [alice, bob] = await Promise.all([makeUser(), makeUser()]);
  await assertStreamError(() => userFeeds(alice).addActivity({ type: 'post', text: 'x', feeds: [`user:${bob}`], user_id: bob }), 17, 403);
  assert.deepEqual((await serverRead('user', bob, bob)).activities, []);
});

test('the owner posts into its own feeds with a user token', async () => {
  const me = await makeUser();
  for (const group of ['user', 'timeline']) {
    const added = assertShape(await userFeeds(me).addActivity({ type: 'post', text: 'mine', feeds: [`${group}:${me}`] }), 'AddActivityResponse');
    assert.equal(added.activity.user.id, me);
    assert.ok((await serverRead(group, me, me)).activities.some((a) => a.id === added.activity.id));
  }
});

test("a user token cannot get-or-create another user's timeline (403), and creates nothing", async () => {
  const [alice, newcomer] = await Promise.all([makeUser(), makeUser()]);
  await assertStreamError(() => userFeeds(alice).getOrCreateFeed({ feed_group_id: 'timeline', feed_id: newcomer }), 17, 403);
  await assertStreamError(() => userFeeds(alice).feed('timeline', newcomer).getOrCreate(), 17, 403);
  await assertStreamError(() => userFeeds(alice).getOrCreateFeed({ feed_group_id: 'user', feed_id: uid('f') }), 17, 403);
  // The refused calls created nothing: the newcomer's own first call creates it.
  const first = assertShape(await userFeeds(newcomer).getOrCreateFeed({ feed_group_id: 'timeline', feed_id: newcomer }), 'GetOrCreateFeedResponse');
  assert.equal(first.created, true);
  assert.equal(first.feed.created_by.id, newcomer);
});

test("comments and reactions on another user's private activity are refused (403)", async () => {
  const [owner, other] = await Promise.all([makeUser(), makeUser()]);
  const asOwner = userFeeds(owner);
  const act = (await asOwner.addActivity({ type: 'post', text: 'for my eyes', feeds: [`user:${owner}`], visibility: 'private' })).activity;
  assert.equal(act.visibility, 'private');
  const mine = (await asOwner.addComment({ object_id: act.id, object_type: 'activity', comment: 'note to self' })).comment;
  await asOwner.addActivityReaction({ activity_id: act.id, type: 'like' });

  const asOther = userFeeds(other);
  await assertStreamError(() => asOther.addComment({ object_id: act.id, object_type: 'activity', comment: 'let me in' }), 17, 403);
  await assertStreamError(() => asOther.addComment({ object_id: act.id, object_type: 'activity', comment: 'reply', parent_id: mine.id }), 17, 403);
  await assertStreamError(() => asOther.getComments({ object_id: act.id, object_type: 'activity' }), 17, 403);
  await assertStreamError(() => asOther.getComment({ id: mine.id }), 17, 403);
  await assertStreamError(() => asOther.addActivityReaction({ activity_id: act.id, type: 'like' }), 17, 403);
  await assertStreamError(() => asOther.queryActivityReactions({ activity_id: act.id }), 17, 403);
  await assertStreamError(() => asOther.getActivity({ id: act.id }), 16, 404);
  const listed = await asOther.queryComments({ filter: { object_id: act.id } });
  assert.deepEqual(listed.comments, []);

  // Nothing was written: the owner's comment and reaction only.
  const after = (await feeds.getActivity({ id: act.id })).activity;
  assert.equal(after.comment_count, 1);
  assert.equal(after.reaction_count, 1);
  assert.deepEqual(after.latest_reactions.map((r) => r.user.id), [owner]);
  const comments = await feeds.getComments({ object_id: act.id, object_type: 'activity' });
  assert.deepEqual(comments.comments.map((c) => c.id), [mine.id]);
  assert.equal((await asOwner.getComment({ id: mine.id })).comment.id, mine.id);
});

test('a private feed is owner-only; a followers feed turns follows into requests', async () => {
  const [owner, fan, stranger] = await Promise.all([makeUser(), makeUser(), makeUser()]);
  const made = await feeds.getOrCreateFeed({ feed_group_id: 'user', feed_id: owner, user_id: owner, data: { visibility: 'private' } });
  assert.equal(made.feed.visibility, 'private');
  const fid = `user:${owner}`;
  await userFeeds(owner).addActivity({ type: 'post', text: 'secret', feeds: [fid] });
  await assertStreamError(() => userFeeds(stranger).getOrCreateFeed({ feed_group_id: 'user', feed_id: owner }), 17, 403);
  await assertStreamError(() => userFeeds(stranger).addActivity({ type: 'post', text: 'x', feeds: [fid] }), 17, 403);
  await assertStreamError(() => userFeeds(stranger).follow({ source: `timeline:${stranger}`, target: fid }), 17, 403);
  assert.equal((await userFeeds(owner).getOrCreateFeed({ feed_group_id: 'user', feed_id: owner })).activities.length, 1);

  await feeds.changeFeedVisibility({ feed_group_id: 'user', feed_id: owner, visibility: 'followers' });
  const req = await userFeeds(fan).follow({ source: `timeline:${fan}`, target: fid });
  assert.equal(req.follow.status, 'pending');
  await assertStreamError(() => userFeeds(stranger).queryFollows({ filter: { target_feed: fid } }), 17, 403);
  const accepted = assertShape(await userFeeds(owner).acceptFollow({ source: `timeline:${fan}`, target: fid }), 'AcceptFollowResponse');
  assert.equal(accepted.follow.status, 'accepted');
  const read = await userFeeds(fan).getOrCreateFeed({ feed_group_id: 'user', feed_id: owner });
  assert.equal(read.activities.length, 1);
});

test('malformed user tokens are refused (401, code 5)', async () => {
  const user = await makeUser();
  // Claims the SDK's signer accepts (it refuses a non-numeric `exp` itself).
  for (const claims of [{ user_id: '' }, { user_id: user, exp: -5 }]) {
    const token = client.generatePermanentUserToken({ ...claims, iat: Math.floor(Date.now() / 1000) - 5 });
    const resp = await rawCall('POST', '/api/v2/feeds/activities', { token, body: { type: 'post', text: 'x', feeds: [`user:${user}`] } });
    assertErrorEnvelope(resp, 5, 401);
  }
});
