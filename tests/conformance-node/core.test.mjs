// Activities, feed reads, follows, comments and reactions through the official Node SDK.
// Every response must carry the fields the SDK's models declare as required (assertShape).

import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  assertDuration,
  assertShape,
  assertStreamError,
  client,
  eventually,
  makeUser,
  uid,
  userFeeds,
} from './support.mjs';

const feeds = client.feeds;

test('addActivity, then get-or-create reads it with own_capabilities', async () => {
  const alice = await makeUser();
  const fid = `user:${alice}`;
  const added = assertShape(
    await feeds.addActivity({ type: 'post', feeds: [fid], text: 'hello from node', user_id: alice, custom: { n: 1 } }),
    'AddActivityResponse',
  );
  assertDuration(added.duration);
  assert.equal(added.metadata.responseCode, 200);
  const act = added.activity;
  assert.equal(act.type, 'post');
  assert.equal(act.text, 'hello from node');
  assert.equal(act.user.id, alice);
  assert.deepEqual(act.feeds, [fid]);
  assert.deepEqual(act.custom, { n: 1 });
  assert.ok(act.created_at instanceof Date && !Number.isNaN(act.created_at.getTime()), 'created_at decodes to a Date');
  assert.ok(Math.abs(act.created_at.getTime() - Date.now()) < 120_000, `created_at is now: ${act.created_at.toISOString()}`);

  // The owner reads with a user token.
  const mine = assertShape(await userFeeds(alice).getOrCreateFeed({ feed_group_id: 'user', feed_id: alice }), 'GetOrCreateFeedResponse');
  assertDuration(mine.duration);
  assert.equal(mine.created, false);
  assert.equal(mine.feed.feed, fid);
  assert.equal(mine.feed.activity_count, 1);
  assert.deepEqual(mine.activities.map((a) => a.id), [act.id]);
  const caps = mine.feed.own_capabilities;
  assert.ok(Array.isArray(caps) && caps.every((c) => typeof c === 'string'), `own_capabilities: ${caps}`);
  for (const cap of ['read-feed', 'add-activity', 'update-feed']) assert.ok(caps.includes(cap), `${cap} in ${caps}`);

  // A server read on behalf of another user: that user's capabilities.
  const bob = await makeUser();
  const theirs = assertShape(await feeds.getOrCreateFeed({ feed_group_id: 'user', feed_id: alice, user_id: bob }), 'GetOrCreateFeedResponse');
  assert.ok(theirs.feed.own_capabilities.includes('read-feed'));
  assert.ok(!theirs.feed.own_capabilities.includes('add-activity'), 'a stranger may not post on a visible feed');

  const got = assertShape(await feeds.getActivity({ id: act.id }), 'GetActivityResponse');
  assert.equal(got.activity.id, act.id);
});

test('get-or-create creates a feed once', async () => {
  const u = await makeUser();
  const first = assertShape(await userFeeds(u).getOrCreateFeed({ feed_group_id: 'timeline', feed_id: u }), 'GetOrCreateFeedResponse');
  assert.equal(first.created, true);
  assert.equal(first.feed.created_by.id, u);
  assert.equal(first.feed.group_id, 'timeline');
  const again = await client.feeds.feed('timeline', u).getOrCreate({ user_id: u });
  assert.equal(again.created, false);
  assert.deepEqual(again.activities, []);
});

test('follow fans out new posts; queryFollows finds the follow', async () => {
  const reader = await makeUser();
  const writer = await makeUser();
  await feeds.getOrCreateFeed({ feed_group_id: 'user', feed_id: writer, user_id: writer });
  await feeds.getOrCreateFeed({ feed_group_id: 'timeline', feed_id: reader, user_id: reader });

  const followed = assertShape(
    await userFeeds(reader).follow({ source: `timeline:${reader}`, target: `user:${writer}` }),
    'SingleFollowResponse',
  );
  assertDuration(followed.duration);
  assert.equal(followed.follow.status, 'accepted');
  assert.equal(followed.follow.source_feed.feed, `timeline:${reader}`);
  assert.equal(followed.follow.target_feed.feed, `user:${writer}`);

  const q = assertShape(await feeds.queryFollows({ filter: { source_feed: `timeline:${reader}` } }), 'QueryFollowsResponse');
  assert.deepEqual(
    q.follows.map((f) => [f.source_feed.feed, f.target_feed.feed, f.status]),
    [[`timeline:${reader}`, `user:${writer}`, 'accepted']],
  );
  const byTarget = await userFeeds(writer).queryFollows({ filter: { target_feed: `user:${writer}` } });
  assert.deepEqual(byTarget.follows.map((f) => f.source_feed.feed), [`timeline:${reader}`]);

  const post = (await feeds.addActivity({ type: 'post', feeds: [`user:${writer}`], text: 'fan out', user_id: writer })).activity;
  const timeline = await eventually(async () => {
    const r = await userFeeds(reader).getOrCreateFeed({ feed_group_id: 'timeline', feed_id: reader });
    return r.activities.some((a) => a.id === post.id) ? r : null;
  });
  assert.ok(timeline, `the post ${post.id} never reached timeline:${reader}`);
  assertShape(timeline, 'GetOrCreateFeedResponse');
  assert.equal(timeline.feed.following_count, 1);

  const target = await feeds.getOrCreateFeed({ feed_group_id: 'user', feed_id: writer, user_id: writer });
  assert.equal(target.feed.follower_count, 1);

  const gone = assertShape(
    await feeds.unfollow({ source: `timeline:${reader}`, target: `user:${writer}` }),
    'UnfollowResponse',
  );
  assertDuration(gone.duration);
  const after = await feeds.queryFollows({ filter: { source_feed: `timeline:${reader}` } });
  assert.deepEqual(after.follows, []);
});

test('comments and reactions on an activity', async () => {
  const owner = await makeUser();
  const friend = await makeUser();
  const act = (await feeds.addActivity({ type: 'post', feeds: [`user:${owner}`], text: 'discuss', user_id: owner })).activity;

  const top = assertShape(
    await userFeeds(friend).addComment({ object_id: act.id, object_type: 'activity', comment: 'first!' }),
    'AddCommentResponse',
  );
  assertDuration(top.duration);
  assert.equal(top.comment.user.id, friend);
  assert.equal(top.comment.object_id, act.id);
  const reply = (
    await feeds.addComment({ object_id: act.id, object_type: 'activity', comment: 'thanks', parent_id: top.comment.id, user_id: owner })
  ).comment;
  assert.equal(reply.parent_id, top.comment.id);

  const listed = assertShape(await feeds.getComments({ object_id: act.id, object_type: 'activity', depth: 2 }), 'GetCommentsResponse');
  assert.deepEqual(listed.comments.map((c) => c.id), [top.comment.id]);
  assert.deepEqual((listed.comments[0].replies ?? []).map((c) => c.id), [reply.id]);
  const one = assertShape(await feeds.getComment({ id: reply.id }), 'GetCommentResponse');
  assert.equal(one.comment.text, 'thanks');

  const liked = assertShape(
    await userFeeds(friend).addActivityReaction({ activity_id: act.id, type: 'like' }),
    'AddReactionResponse',
  );
  assert.equal(liked.reaction.type, 'like');
  assert.equal(liked.reaction.user.id, friend);
  await feeds.addActivityReaction({ activity_id: act.id, type: 'like', user_id: owner });
  const reactions = assertShape(await feeds.queryActivityReactions({ activity_id: act.id }), 'QueryActivityReactionsResponse');
  assert.deepEqual(reactions.reactions.map((r) => r.user.id).sort(), [friend, owner].sort());

  const cr = assertShape(
    await feeds.addCommentReaction({ id: top.comment.id, type: 'upvote', user_id: owner }),
    'AddCommentReactionResponse',
  );
  assert.equal(cr.reaction.type, 'upvote');

  const got = assertShape(await feeds.getActivity({ id: act.id }), 'GetActivityResponse');
  assert.equal(got.activity.comment_count, 2);
  assert.equal(got.activity.reaction_count, 2);
  assert.equal(got.activity.reaction_groups.like.count, 2);

  const removed = await userFeeds(friend).deleteActivityReaction({ activity_id: act.id, type: 'like' });
  assertShape(removed, 'DeleteActivityReactionResponse');
  assert.equal((await feeds.getActivity({ id: act.id })).activity.reaction_count, 1);
});

test('missing things are 404 code 16, bad input 400 code 4', async () => {
  await assertStreamError(() => feeds.getActivity({ id: uid('missing') }), 16, 404);
  await assertStreamError(() => feeds.addActivity({ type: 'post', feeds: [] }), 4, 400);
});
