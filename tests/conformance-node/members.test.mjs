// Feed members (upsert, remove, set, invites, queries, member_count), membership levels,
// feed visibilities, change_feed_visibility, own_batch and a feed's counts, through the
// official Node SDK. Every response must carry the fields the SDK's models declare required.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  assertDuration,
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

/** Creates user:<owner> as its owner; returns { feed_group_id, feed_id }. */
async function ownedFeed(owner, group = 'user') {
  await feeds.getOrCreateFeed({ feed_group_id: group, feed_id: owner, user_id: owner });
  return { feed_group_id: group, feed_id: owner };
}

async function update(c, feed, operation, members) {
  const resp = assertShape(await c.updateFeedMembers({ ...feed, operation, members }), 'UpdateFeedMembersResponse');
  assertDuration(resp.duration);
  return resp;
}

async function query(c, feed, req = {}) {
  const resp = assertShape(await c.queryFeedMembers({ ...feed, ...req }), 'QueryFeedMembersResponse');
  assertDuration(resp.duration);
  return resp;
}

const ids = (members) => members.map((m) => m.user.id).sort();

async function memberCount(feed, owner) {
  const r = assertShape(await feeds.getOrCreateFeed({ ...feed, user_id: owner }), 'GetOrCreateFeedResponse');
  return r.feed.member_count;
}

// --- update_feed_members ------------------------------------------------------------------------

test('updateFeedMembers: upsert adds then updates, remove, set', async () => {
  const [owner, a, b, c] = await Promise.all([makeUser(), makeUser(), makeUser(), makeUser()]);
  const feed = await ownedFeed(owner);

  const added = await update(feeds, feed, 'upsert', [{ user_id: a }, { user_id: b, role: 'moderator' }]);
  assert.deepEqual(ids(added.added), [a, b].sort());
  assert.deepEqual(added.updated, []);
  assert.deepEqual(added.removed_ids, []);
  const byId = Object.fromEntries(added.added.map((m) => [m.user.id, m]));
  assert.equal(byId[a].status, 'member');
  assert.equal(byId[a].role, 'feed_member');
  assert.equal(byId[b].role, 'moderator');
  assert.ok(byId[a].created_at instanceof Date);

  const again = await update(feeds, feed, 'upsert', [{ user_id: a, role: 'editor', custom: { k: 1 } }]);
  assert.deepEqual(again.added, []);
  assert.deepEqual(again.updated.map((m) => [m.user.id, m.role, m.custom]), [[a, 'editor', { k: 1 }]]);
  assert.equal(await memberCount(feed, owner), 2);

  const removed = await update(feeds, feed, 'remove', [{ user_id: a }]);
  assert.deepEqual(removed.removed_ids, [a]);
  assert.equal(await memberCount(feed, owner), 1);

  const set = await update(feeds, feed, 'set', [{ user_id: b }, { user_id: c }]);
  assert.deepEqual(set.added.map((m) => m.user.id), [c]);
  assert.deepEqual(ids((await query(feeds, feed)).members), [b, c].sort());
  assert.equal(await memberCount(feed, owner), 2);

  // Through the SDK's per-feed handle too.
  const handle = client.feeds.feed(feed.feed_group_id, feed.feed_id);
  const viaHandle = assertShape(await handle.queryFeedMembers({ filter: { user_id: c } }), 'QueryFeedMembersResponse');
  assert.deepEqual(ids(viaHandle.members), [c]);

  await assertStreamError(() => feeds.updateFeedMembers({ ...feed, operation: 'merge', members: [{ user_id: a }] }), 4, 400);
});

test('only the owner manages members', async () => {
  const [owner, a, stranger] = await Promise.all([makeUser(), makeUser(), makeUser()]);
  const feed = await ownedFeed(owner);
  const got = await update(userFeeds(owner), feed, 'upsert', [{ user_id: a }]);
  assert.deepEqual(got.added.map((m) => m.user.id), [a]);
  for (const intruder of [stranger, a]) {
    await assertStreamError(() => userFeeds(intruder).updateFeedMembers({ ...feed, operation: 'upsert', members: [{ user_id: intruder }] }), 17, 403);
  }
  assert.deepEqual(ids((await query(feeds, feed)).members), [a]);
});

test('invites: accept and reject', async () => {
  const [owner, guest, other] = await Promise.all([makeUser(), makeUser(), makeUser()]);
  const feed = await ownedFeed(owner);
  const invited = await update(feeds, feed, 'upsert', [{ user_id: guest, invite: true }, { user_id: other, invite: true }]);
  assert.deepEqual(invited.added.map((m) => m.status), ['pending', 'pending']);
  assert.equal(await memberCount(feed, owner), 0);

  const accepted = assertShape(await userFeeds(guest).acceptFeedMemberInvite(feed), 'AcceptFeedMemberInviteResponse');
  assertDuration(accepted.duration);
  assert.equal(accepted.member.user.id, guest);
  assert.equal(accepted.member.status, 'member');
  assert.ok(accepted.member.invite_accepted_at instanceof Date);
  assert.equal(await memberCount(feed, owner), 1);
  // No pending invite any more.
  await assertStreamError(() => userFeeds(guest).acceptFeedMemberInvite(feed), 4, 400);

  const rejected = assertShape(await feeds.rejectFeedMemberInvite({ ...feed, user_id: other }), 'RejectFeedMemberInviteResponse');
  assert.equal(rejected.member.user.id, other);
  assert.equal(rejected.member.status, 'rejected');
  assert.ok(rejected.member.invite_rejected_at instanceof Date);
  assert.equal(await memberCount(feed, owner), 1);

  const pending = await query(feeds, feed, { filter: { status: 'pending' } });
  assert.deepEqual(pending.members, []);
});

test('queryFeedMembers: filter, sort, paging, permissions', async () => {
  const owner = await makeUser();
  const feed = await ownedFeed(owner);
  const members = [];
  for (let i = 0; i < 5; i++) members.push(await makeUser());
  const invited = await makeUser();
  for (const m of members) await update(feeds, feed, 'upsert', [{ user_id: m }]);
  await update(feeds, feed, 'upsert', [{ user_id: invited, invite: true }]);

  assert.deepEqual(ids((await query(feeds, feed)).members), [...members, invited].sort());
  assert.deepEqual(ids((await query(feeds, feed, { filter: { status: 'member' } })).members), [...members].sort());
  assert.deepEqual(ids((await query(feeds, feed, { filter: { status: 'pending' } })).members), [invited]);
  assert.deepEqual(
    ids((await query(feeds, feed, { filter: { user_id: { $in: members.slice(0, 2) } } })).members),
    members.slice(0, 2).sort(),
  );
  const newest = await query(feeds, feed, { filter: { status: 'member' }, sort: [{ field: 'created_at', direction: -1 }] });
  assert.deepEqual(newest.members.map((m) => m.user.id), [...members].reverse());

  const seen = [];
  let page = await query(feeds, feed, { limit: 2, filter: { status: 'member' } });
  let pages = 1;
  for (;;) {
    assert.ok(page.members.length <= 2);
    seen.push(...page.members.map((m) => m.user.id));
    if (!page.next) break;
    page = await query(feeds, feed, { limit: 2, next: page.next, filter: { status: 'member' } });
    pages += 1;
  }
  assert.equal(pages, 3);
  assert.deepEqual(seen.sort(), [...members].sort());

  assert.deepEqual(ids((await query(userFeeds(members[0]), feed, { filter: { status: 'member' } })).members), [...members].sort());
  const stranger = await makeUser();
  await assertStreamError(() => userFeeds(stranger).queryFeedMembers(feed), 17, 403);
  await assertStreamError(() => feeds.queryFeedMembers({ ...feed, filter: { no_such_field: 'x' } }), 4, 400);
});

// --- membership levels ----------------------------------------------------------------------------

test('membership levels: create, query, update, delete (server-side only)', async () => {
  const id = uid('lvl');
  const created = assertShape(
    await feeds.createMembershipLevel({ id, name: 'Gold', description: 'paying', priority: 10, tags: ['gold'], custom: { c: 1 } }),
    'CreateMembershipLevelResponse',
  );
  assertDuration(created.duration);
  const lvl = created.membership_level;
  assert.deepEqual([lvl.id, lvl.name, lvl.description, lvl.priority, lvl.tags, lvl.custom], [id, 'Gold', 'paying', 10, ['gold'], { c: 1 }]);
  assert.ok(lvl.created_at instanceof Date && lvl.updated_at instanceof Date);
  await assertStreamError(() => feeds.createMembershipLevel({ id, name: 'again' }), 4, 400);

  const q = assertShape(await feeds.queryMembershipLevels({ filter: { id } }), 'QueryMembershipLevelsResponse');
  assert.deepEqual(q.membership_levels.map((l) => l.id), [id]);

  const upd = assertShape(await feeds.updateMembershipLevel({ id, name: 'Platinum', priority: 20 }), 'UpdateMembershipLevelResponse');
  assert.deepEqual(
    [upd.membership_level.name, upd.membership_level.priority, upd.membership_level.tags],
    ['Platinum', 20, ['gold']],
  );

  // A member may carry the level.
  const [owner, a] = await Promise.all([makeUser(), makeUser()]);
  const feed = await ownedFeed(owner);
  const withLevel = await update(feeds, feed, 'upsert', [{ user_id: a, membership_level: id }]);
  assert.equal(withLevel.added[0].membership_level?.id, id);

  const user = await makeUser();
  const asUser = userFeeds(user);
  await assertStreamError(() => asUser.createMembershipLevel({ id: uid('lvl'), name: 'x' }), 17, 403);
  await assertStreamError(() => asUser.queryMembershipLevels({}), 17, 403);
  await assertStreamError(() => asUser.updateMembershipLevel({ id, name: 'x' }), 17, 403);
  await assertStreamError(() => asUser.deleteMembershipLevel({ id }), 17, 403);

  const deleted = assertShape(await feeds.deleteMembershipLevel({ id }), 'Response');
  assertDuration(deleted.duration);
  assert.deepEqual((await feeds.queryMembershipLevels({ filter: { id } })).membership_levels, []);
  await assertStreamError(() => feeds.updateMembershipLevel({ id, name: 'x' }), 16, 404);
});

// --- feed visibilities ----------------------------------------------------------------------------

const VISIBILITIES = ['followers', 'members', 'private', 'public', 'visible'];

test('listFeedVisibilities and getFeedVisibility', async () => {
  const list = assertShape(await feeds.listFeedVisibilities(), 'ListFeedVisibilitiesResponse');
  assertDuration(list.duration);
  assert.deepEqual(Object.keys(list.feed_visibilities).sort(), VISIBILITIES);
  for (const [name, v] of Object.entries(list.feed_visibilities)) {
    assert.equal(v.name, name);
    for (const cap of ['read-feed', 'add-activity', 'update-feed']) assert.ok(v.grants.feed_owner.includes(cap), `${name}: owner ${cap}`);
  }
  assert.ok(list.feed_visibilities.public.grants.user.includes('add-activity'));
  assert.ok(!list.feed_visibilities.visible.grants.user.includes('add-activity'));
  assert.ok(list.feed_visibilities.visible.grants.user.includes('read-feed'));
  assert.deepEqual(list.feed_visibilities.private.grants.user ?? [], []);

  const one = assertShape(await feeds.getFeedVisibility({ name: 'members' }), 'GetFeedVisibilityResponse');
  assert.equal(one.feed_visibility.name, 'members');
  assert.ok(one.feed_visibility.grants.feed_member.includes('add-activity'));
  await assertStreamError(() => feeds.getFeedVisibility({ name: 'secret' }), 16, 404);

  const asUser = userFeeds(await makeUser());
  await assertStreamError(() => asUser.listFeedVisibilities(), 17, 403);
  await assertStreamError(() => asUser.getFeedVisibility({ name: 'public' }), 17, 403);
  await assertStreamError(() => asUser.updateFeedVisibility({ name: 'public', grants: { user: [] } }), 17, 403);
});

test('updateFeedVisibility changes what users may do (grants restored afterwards)', async () => {
  const [owner, stranger] = await Promise.all([makeUser(), makeUser()]);
  const feed = await ownedFeed(owner);
  await feeds.changeFeedVisibility({ ...feed, visibility: 'private' });
  await assertStreamError(() => userFeeds(stranger).getOrCreateFeed(feed), 17, 403);
  const before = (await feeds.getFeedVisibility({ name: 'private' })).feed_visibility.grants;
  try {
    const resp = assertShape(
      await feeds.updateFeedVisibility({ name: 'private', grants: { user: ['read-feed', 'read-activities'] } }),
      'UpdateFeedVisibilityResponse',
    );
    assertDuration(resp.duration);
    assert.deepEqual([...resp.feed_visibility.grants.user].sort(), ['read-activities', 'read-feed']);
    assert.deepEqual([...resp.feed_visibility.grants.feed_owner].sort(), [...before.feed_owner].sort());
    const read = assertShape(await userFeeds(stranger).getOrCreateFeed(feed), 'GetOrCreateFeedResponse');
    assert.equal(read.feed.feed, `user:${owner}`);
  } finally {
    await feeds.updateFeedVisibility({ name: 'private', grants: { user: before.user ?? [] } });
  }
  const restored = (await feeds.getFeedVisibility({ name: 'private' })).feed_visibility.grants;
  assert.deepEqual(restored.user ?? [], before.user ?? []);
  await assertStreamError(() => userFeeds(stranger).getOrCreateFeed(feed), 17, 403);
  await assertStreamError(() => feeds.updateFeedVisibility({ name: 'private', grants: { user: ['fly'] } }), 4, 400);
});

test('changeFeedVisibility followers -> public approves pending follows', async () => {
  const [owner, fan, stranger] = await Promise.all([makeUser(), makeUser(), makeUser()]);
  const feed = await ownedFeed(owner);
  const fid = `user:${owner}`;
  const toFollowers = assertShape(await feeds.changeFeedVisibility({ ...feed, visibility: 'followers' }), 'ChangeFeedVisibilityResponse');
  assert.equal(toFollowers.feed.visibility, 'followers');
  const pending = await feeds.follow({ source: `timeline:${fan}`, target: fid });
  assert.equal(pending.follow.status, 'pending');

  await assertStreamError(() => userFeeds(stranger).changeFeedVisibility({ ...feed, visibility: 'public' }), 17, 403);
  const resp = assertShape(await userFeeds(owner).changeFeedVisibility({ ...feed, visibility: 'public' }), 'ChangeFeedVisibilityResponse');
  assertDuration(resp.duration);
  assert.equal(resp.feed.visibility, 'public');
  assert.equal(resp.feed.follower_count, 1);
  const follows = await feeds.queryFollows({ filter: { target_feed: fid } });
  assert.deepEqual(follows.follows.map((f) => [f.source_feed.feed, f.status]), [[`timeline:${fan}`, 'accepted']]);
  await assertStreamError(() => feeds.changeFeedVisibility({ ...feed, visibility: 'secret' }), 4, 400);
});

// --- own_batch, get_feed_counts -----------------------------------------------------------------------

test('ownBatch for a member and a stranger', async () => {
  const [owner, member, stranger] = await Promise.all([makeUser(), makeUser(), makeUser()]);
  const feed = await ownedFeed(owner);
  const fid = `user:${owner}`;
  await update(feeds, feed, 'upsert', [{ user_id: member }]);
  const missing = `user:${uid('nobody')}`;

  const resp = assertShape(await userFeeds(member).ownBatch({ feeds: [fid, missing] }), 'OwnBatchResponse');
  assertDuration(resp.duration);
  assert.deepEqual(Object.keys(resp.data), [fid]);
  const mine = resp.data[fid];
  assert.ok(mine.own_capabilities.includes('add-activity'));
  assert.ok(mine.own_capabilities.includes('query-feed-members'));
  assert.equal(mine.own_membership?.user.id, member);

  const theirs = (await userFeeds(stranger).ownBatch({ feeds: [fid] })).data[fid];
  assert.ok(theirs.own_capabilities.includes('read-feed'));
  assert.ok(!theirs.own_capabilities.includes('add-activity'));
  assert.equal(theirs.own_membership ?? null, null);

  const asServer = (await feeds.ownBatch({ feeds: [fid], user_id: stranger })).data[fid];
  assert.deepEqual([...asServer.own_capabilities].sort(), [...theirs.own_capabilities].sort());
  await feeds.follow({ source: `timeline:${stranger}`, target: fid, activity_copy_limit: 0 });
  const narrowed = (await feeds.ownBatch({ feeds: [fid], user_id: stranger, fields: ['own_follows'] })).data[fid];
  assert.deepEqual(narrowed.own_follows.map((f) => f.source_feed.feed), [`timeline:${stranger}`]);
  await assertStreamError(() => feeds.ownBatch({ feeds: [fid], user_id: stranger, fields: ['nope'] }), 4, 400);
});

test('get_feed_counts (not in the Node SDK: the same request, sent with fetch)', async () => {
  const [owner, stranger] = await Promise.all([makeUser(), makeUser()]);
  const feed = await ownedFeed(owner);
  const fid = `user:${owner}`;
  const a1 = (await feeds.addActivity({ type: 'post', text: '1', feeds: [fid], user_id: owner })).activity;
  await feeds.addActivity({ type: 'post', text: '2', feeds: [fid], user_id: owner });
  const top = (await feeds.addComment({ object_id: a1.id, object_type: 'activity', comment: 'c', user_id: owner })).comment;
  await feeds.addComment({ object_id: a1.id, object_type: 'activity', comment: 'r', parent_id: top.id, user_id: owner });

  const path = `/api/v2/feeds/feed_groups/user/feeds/${owner}/counts`;
  const server = await rawCall('GET', path);
  assert.equal(server.status, 200, JSON.stringify(server.body));
  assertDuration(server.body.duration);
  assert.deepEqual(
    [server.body.activity_count, server.body.comment_count, server.body.total_count],
    [2, 2, 4],
  );
  const asStranger = await rawCall('GET', path, { token: userToken(stranger) });
  assert.equal(asStranger.status, 200, JSON.stringify(asStranger.body));
  assert.equal(asStranger.body.total_count, 4);

  await feeds.changeFeedVisibility({ ...feed, visibility: 'private' });
  assertErrorEnvelope(await rawCall('GET', path, { token: userToken(stranger) }), 17, 403);
  assertErrorEnvelope(await rawCall('GET', `/api/v2/feeds/feed_groups/user/feeds/${uid('nobody')}/counts`), 16, 404);
});
