// Engagement on activities through the official Node SDK: bookmarks and bookmark folders
// (activities and comments), collections and their enrichment on activity reads, polls (with
// options, votes and the poll on activity reads), pinned activities, shares and activity
// metrics. Every response must carry the fields the SDK's models declare required; refusals
// are Stream errors with their codes and change nothing.

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

// Poll calls live on the SDK's CommonApi (the base class of StreamClient), not on its feeds
// client. The same class built over a user-authenticated HTTP client makes them as that user.
const CommonApi = Object.getPrototypeOf(StreamClient.prototype).constructor;
const userCommon = (userId) => new CommonApi(userFeeds(userId).apiClient);

async function post(author, extra = {}) {
  const resp = assertShape(
    await feeds.addActivity({ type: 'post', feeds: [`user:${author}`], text: 'hello', user_id: author, ...extra }),
    'AddActivityResponse',
  );
  return resp.activity.id;
}

async function readActivity(c, id, extra = {}) {
  const resp = assertShape(await c.getActivity({ id, ...extra }), 'GetActivityResponse');
  assertDuration(resp.duration);
  return resp.activity;
}

const objects = (resp) => resp.bookmarks.map((b) => b.object_id);

async function folders(c, filter) {
  const resp = assertShape(await c.queryBookmarkFolders(filter ? { filter } : {}), 'QueryBookmarkFoldersResponse');
  assertDuration(resp.duration);
  return resp.bookmark_folders;
}

async function bookmarks(c, req = {}) {
  const resp = assertShape(await c.queryBookmarks(req), 'QueryBookmarksResponse');
  assertDuration(resp.duration);
  return resp;
}

// --- bookmarks and folders ---------------------------------------------------------------------

test('addBookmark into a new folder, updateBookmark, deleteBookmark; counts and own_bookmarks', async () => {
  const [author, reader] = await Promise.all([makeUser(), makeUser('Reader')]);
  const activityId = await post(author);

  const added = assertShape(
    await feeds.addBookmark({
      activity_id: activityId,
      user_id: reader,
      custom: { note: 'later' },
      new_folder: { name: 'Read later', custom: { icon: 'clock' } },
    }),
    'AddBookmarkResponse',
  );
  assertDuration(added.duration);
  const b = added.bookmark;
  assert.equal(b.object_id, activityId);
  assert.equal(b.object_type, 'activity');
  assert.equal(b.activity_id, activityId);
  assert.equal(b.activity.id, activityId);
  assert.equal(b.activity.bookmark_count, 1);
  assert.equal(b.user.id, reader);
  assert.equal(b.user.name, 'Reader');
  assert.deepEqual(b.custom, { note: 'later' });
  assert.equal(b.folder.name, 'Read later');
  assert.deepEqual(b.folder.custom, { icon: 'clock' });
  assert.equal(b.folder.user.id, reader);
  assert.ok(b.created_at instanceof Date);

  // Read with each user's own token: the count is shared, own_bookmarks is the reader's.
  const mine = await readActivity(userFeeds(reader), activityId);
  assert.equal(mine.bookmark_count, 1);
  assert.deepEqual(mine.own_bookmarks.map((x) => x.folder.id), [b.folder.id]);
  assert.equal(mine.own_bookmarks[0].activity.id, activityId);
  const theirs = await readActivity(userFeeds(author), activityId);
  assert.equal(theirs.bookmark_count, 1);
  assert.deepEqual(theirs.own_bookmarks, []);

  const moved = assertShape(
    await feeds.updateBookmark({
      activity_id: activityId,
      user_id: reader,
      folder_id: b.folder.id,
      new_folder: { name: 'two' },
      custom: { star: true },
    }),
    'UpdateBookmarkResponse',
  );
  assertDuration(moved.duration);
  assert.equal(moved.bookmark.folder.name, 'two');
  assert.notEqual(moved.bookmark.folder.id, b.folder.id);
  assert.deepEqual(moved.bookmark.custom, { star: true });

  const back = assertShape(
    await feeds.updateBookmark({ activity_id: activityId, user_id: reader, new_folder_id: b.folder.id }),
    'UpdateBookmarkResponse',
  );
  assert.equal(back.bookmark.folder.id, b.folder.id);

  const deleted = assertShape(
    await feeds.deleteBookmark({ activity_id: activityId, folder_id: b.folder.id, user_id: reader }),
    'DeleteBookmarkResponse',
  );
  assertDuration(deleted.duration);
  assert.equal(deleted.bookmark.object_id, activityId);
  const after = await readActivity(userFeeds(reader), activityId);
  assert.equal(after.bookmark_count, 0);
  assert.deepEqual(after.own_bookmarks, []);
  await assertStreamError(() => feeds.deleteBookmark({ activity_id: activityId, user_id: reader }), 16, 404);
});

test('comment bookmarks: add, update, query, delete', async () => {
  const [author, reader] = await Promise.all([makeUser(), makeUser()]);
  const activityId = await post(author);
  const comment = assertShape(
    await feeds.addComment({ comment: 'worth keeping', object_id: activityId, object_type: 'activity', user_id: author }),
    'AddCommentResponse',
  ).comment;

  const added = assertShape(
    await feeds.addCommentBookmark({ comment_id: comment.id, user_id: reader, custom: { q: 1 } }),
    'AddCommentBookmarkResponse',
  );
  assertDuration(added.duration);
  assert.equal(added.bookmark.object_type, 'comment');
  assert.equal(added.bookmark.object_id, comment.id);
  assert.equal(added.bookmark.comment.id, comment.id);
  assert.equal(added.bookmark.comment.bookmark_count, 1);
  assert.equal(added.bookmark.activity.id, activityId);
  assert.equal(assertShape(await feeds.getComment({ id: comment.id }), 'GetCommentResponse').comment.bookmark_count, 1);

  const updated = assertShape(
    await feeds.updateCommentBookmark({ comment_id: comment.id, user_id: reader, new_folder: { name: 'quotes' } }),
    'UpdateCommentBookmarkResponse',
  );
  assertDuration(updated.duration);
  assert.equal(updated.bookmark.folder.name, 'quotes');

  const listed = await bookmarks(feeds, { filter: { user_id: reader, object_type: 'comment' } });
  assert.deepEqual(objects(listed), [comment.id]);

  const deleted = assertShape(
    await feeds.deleteCommentBookmark({ comment_id: comment.id, user_id: reader }),
    'DeleteCommentBookmarkResponse',
  );
  assertDuration(deleted.duration);
  assert.equal(deleted.bookmark.object_id, comment.id);
  assert.equal(assertShape(await feeds.getComment({ id: comment.id }), 'GetCommentResponse').comment.bookmark_count, 0);
  await assertStreamError(() => feeds.deleteCommentBookmark({ comment_id: comment.id, user_id: reader }), 16, 404);
});

test('queryBookmarks pages and filters; bookmark folders query, update and delete', async () => {
  const [author, reader] = await Promise.all([makeUser(), makeUser()]);
  const ids = [];
  for (let n = 0; n < 4; n++) {
    const id = await post(author);
    await feeds.addBookmark({ activity_id: id, user_id: reader, new_folder: { name: n % 2 === 0 ? 'even' : 'odd' } });
    ids.push(id);
  }
  const newest = [...ids].reverse();

  assert.deepEqual(objects(await bookmarks(feeds, { filter: { user_id: reader } })), newest);
  const oldest = await bookmarks(feeds, { filter: { user_id: reader }, sort: [{ field: 'created_at', direction: 1 }] });
  assert.deepEqual(objects(oldest), ids);
  const p1 = await bookmarks(feeds, { filter: { user_id: reader }, limit: 3 });
  assert.deepEqual(objects(p1), newest.slice(0, 3));
  assert.equal(p1.prev, undefined);
  assert.ok(p1.next);
  const p2 = await bookmarks(feeds, { filter: { user_id: reader }, limit: 3, next: p1.next });
  assert.deepEqual(objects(p2), newest.slice(3));
  assert.equal(p2.next, undefined);

  const all = await folders(feeds, { user_id: reader });
  assert.deepEqual(all.map((f) => f.name), ['odd', 'even']);
  assert.ok(all.every((f) => f.user.id === reader));
  const [odd, even] = all.map((f) => f.id);
  const first = assertShape(await feeds.queryBookmarkFolders({ filter: { user_id: reader }, limit: 1 }), 'QueryBookmarkFoldersResponse');
  assert.deepEqual(first.bookmark_folders.map((f) => f.id), [odd]);
  const rest = assertShape(
    await feeds.queryBookmarkFolders({ filter: { user_id: reader }, limit: 1, next: first.next }),
    'QueryBookmarkFoldersResponse',
  );
  assert.deepEqual(rest.bookmark_folders.map((f) => f.id), [even]);
  const inEven = await bookmarks(feeds, { filter: { user_id: reader, folder_id: even } });
  assert.deepEqual(objects(inEven), [ids[2], ids[0]]);

  const renamed = assertShape(
    await feeds.updateBookmarkFolder({ folder_id: even, name: 'pairs', custom: { c: 1 }, user_id: reader }),
    'UpdateBookmarkFolderResponse',
  );
  assertDuration(renamed.duration);
  assert.equal(renamed.bookmark_folder.name, 'pairs');
  assert.deepEqual(renamed.bookmark_folder.custom, { c: 1 });
  // Another folder of the user's already has that name.
  await assertStreamError(() => feeds.updateBookmarkFolder({ folder_id: even, name: 'odd', user_id: reader }), 4, 400);

  const gone = assertShape(await feeds.deleteBookmarkFolder({ folder_id: even }), 'DeleteBookmarkFolderResponse');
  assertDuration(gone.duration);
  // Its bookmarks went with it.
  assert.equal((await readActivity(feeds, ids[0])).bookmark_count, 0);
  assert.equal((await readActivity(feeds, ids[1])).bookmark_count, 1);
  assert.deepEqual((await folders(feeds, { user_id: reader })).map((f) => f.id), [odd]);
  assert.deepEqual(objects(await bookmarks(feeds, { filter: { user_id: reader } })), [ids[3], ids[1]]);
  await assertStreamError(() => feeds.deleteBookmarkFolder({ folder_id: even }), 16, 404);
  await assertStreamError(() => feeds.updateBookmarkFolder({ folder_id: even, name: 'x' }), 16, 404);
});

test("a user cannot touch another user's bookmarks or folders", async () => {
  const [author, amy, bob] = await Promise.all([makeUser(), makeUser(), makeUser()]);
  const activityId = await post(author);
  const asAmy = userFeeds(amy);
  const asBob = userFeeds(bob);
  const b = assertShape(
    await asAmy.addBookmark({ activity_id: activityId, new_folder: { name: 'mine' } }),
    'AddBookmarkResponse',
  ).bookmark;
  assert.equal(b.user.id, amy);
  const folder = b.folder.id;

  await assertStreamError(() => asBob.deleteBookmark({ activity_id: activityId, user_id: amy }), 17, 403);
  await assertStreamError(() => asBob.deleteBookmark({ activity_id: activityId, folder_id: folder, user_id: amy }), 17, 403);
  await assertStreamError(() => asBob.updateBookmark({ activity_id: activityId, user_id: amy, custom: { x: 1 } }), 17, 403);
  await assertStreamError(() => asBob.addBookmark({ activity_id: activityId, user_id: amy }), 17, 403);
  await assertStreamError(() => asBob.addBookmark({ activity_id: activityId, folder_id: folder }), 17, 403);
  await assertStreamError(() => asBob.updateBookmarkFolder({ folder_id: folder, name: "bob's" }), 17, 403);
  await assertStreamError(() => asBob.deleteBookmarkFolder({ folder_id: folder }), 17, 403);
  await assertStreamError(() => asBob.queryBookmarks({ filter: { user_id: amy } }), 17, 403);
  await assertStreamError(() => asBob.queryBookmarkFolders({ filter: { user_id: amy } }), 17, 403);
  assert.deepEqual((await bookmarks(asBob)).bookmarks, []);
  assert.deepEqual(await folders(asBob), []);

  // Nothing changed: Amy's bookmark and folder are as they were.
  const act = await readActivity(asAmy, activityId);
  assert.equal(act.bookmark_count, 1);
  assert.equal(act.own_bookmarks[0].folder.name, 'mine');
  assert.deepEqual(act.own_bookmarks[0].custom ?? {}, {});
  assert.deepEqual((await readActivity(asBob, activityId)).own_bookmarks, []);
  assert.deepEqual(objects(await bookmarks(asAmy)), [activityId]);
  assert.deepEqual((await folders(asAmy)).map((f) => [f.id, f.name]), [[folder, 'mine']]);

  // Amy herself may change and remove them.
  assertShape(await asAmy.updateBookmarkFolder({ folder_id: folder, name: 'still mine' }), 'UpdateBookmarkFolderResponse');
  assertShape(await asAmy.deleteBookmark({ activity_id: activityId, folder_id: folder }), 'DeleteBookmarkResponse');
  assertShape(await asAmy.deleteBookmarkFolder({ folder_id: folder }), 'DeleteBookmarkFolderResponse');
  assert.deepEqual(await folders(asAmy), []);
});

// --- collections -------------------------------------------------------------------------------

const refs = (name, ...ids) => ids.map((i) => `${name}:${i}`);

test('collections: create, read, update, upsert, delete, query', async () => {
  const name = uid('movies');
  const created = assertShape(
    await feeds.createCollections({
      collections: [
        { name, id: 'lotr', custom: { title: 'LOTR', rating: 9 } },
        { name, custom: { title: 'untitled' }, user_id: 'amy' },
      ],
    }),
    'CreateCollectionsResponse',
  );
  assertDuration(created.duration);
  const [lotr, other] = created.collections;
  assert.deepEqual([lotr.name, lotr.id, lotr.custom], [name, 'lotr', { title: 'LOTR', rating: 9 }]);
  assert.equal(lotr.user_id, undefined);
  assert.ok(lotr.created_at instanceof Date);
  assert.ok(other.id);
  assert.equal(other.user_id, 'amy');

  const read = assertShape(
    await feeds.readCollections({ collection_refs: refs(name, other.id, 'missing', 'lotr') }),
    'ReadCollectionsResponse',
  );
  assertDuration(read.duration);
  assert.deepEqual(read.collections.map((c) => c.id), [other.id, 'lotr']);

  const updated = assertShape(
    await feeds.updateCollections({ collections: [{ name, id: 'lotr', custom: { title: 'The Lord' } }] }),
    'UpdateCollectionsResponse',
  );
  assertDuration(updated.duration);
  assert.deepEqual(updated.collections[0].custom, { title: 'The Lord' });
  assert.equal(updated.collections[0].created_at.getTime(), lotr.created_at.getTime());
  assert.ok(updated.collections[0].updated_at >= lotr.updated_at);
  await assertStreamError(
    () => feeds.updateCollections({ collections: [{ name, id: 'none', custom: { x: 1 } }] }),
    16,
    404,
  );

  const upserted = assertShape(
    await feeds.upsertCollections({
      collections: [
        { name, id: 'lotr', custom: { title: 'LOTR 2' } },
        { name, id: 'hobbit', custom: { title: 'Hobbit' } },
      ],
    }),
    'UpsertCollectionsResponse',
  );
  assertDuration(upserted.duration);
  assert.deepEqual(upserted.collections.map((c) => c.id), ['lotr', 'hobbit']);
  assert.equal(upserted.collections[0].created_at.getTime(), lotr.created_at.getTime());

  // Creating one that exists is refused and creates nothing of the batch.
  await assertStreamError(
    () => feeds.createCollections({ collections: [{ name, id: 'new', custom: { x: 1 } }, { name, id: 'lotr', custom: { x: 2 } }] }),
    4,
    400,
  );

  const q = assertShape(await feeds.queryCollections({ filter: { name }, limit: 2 }), 'QueryCollectionsResponse');
  assertDuration(q.duration);
  assert.equal(q.collections.length, 2);
  assert.ok(q.next);
  const q2 = assertShape(await feeds.queryCollections({ filter: { name }, limit: 2, next: q.next }), 'QueryCollectionsResponse');
  const listed = [...q.collections, ...q2.collections].map((c) => c.id).sort();
  assert.deepEqual(listed, ['hobbit', 'lotr', other.id].sort());
  assert.equal(q2.next, undefined);

  const deleted = assertShape(await feeds.deleteCollections({ collection_refs: refs(name, 'hobbit', 'missing') }), 'DeleteCollectionsResponse');
  assertDuration(deleted.duration);
  const left = assertShape(await feeds.readCollections({ collection_refs: refs(name, 'hobbit', 'lotr', 'new') }), 'ReadCollectionsResponse');
  assert.deepEqual(left.collections.map((c) => [c.id, c.custom.title]), [['lotr', 'LOTR 2']]);
});

test('activities read with their collections enriched, updates showing on the next read', async () => {
  const user = await makeUser();
  const name = uid('products');
  await feeds.createCollections({ collections: [{ name, id: 'p1', custom: { price: 10 } }] });
  const p1 = `${name}:p1`;
  const gone = `${name}:gone`;
  const activityId = await post(user, { collection_refs: [p1, gone] });

  const got = await readActivity(feeds, activityId);
  assert.equal(got.collections[p1].status, 'ok');
  assert.equal(got.collections[p1].name, name);
  assert.equal(got.collections[p1].id, 'p1');
  assert.deepEqual(got.collections[p1].custom, { price: 10 });
  assert.equal(got.collections[gone].status, 'notfound');

  await feeds.updateCollections({ collections: [{ name, id: 'p1', custom: { price: 12 } }] });
  assert.deepEqual((await readActivity(userFeeds(user), activityId)).collections[p1].custom, { price: 12 });
  const feed = assertShape(
    await feeds.getOrCreateFeed({ feed_group_id: 'user', feed_id: user, user_id: user }),
    'GetOrCreateFeedResponse',
  );
  const [activity] = feed.activities;
  assert.equal(activity.id, activityId);
  assert.deepEqual(activity.collections[p1].custom, { price: 12 });
  assert.equal(activity.collections[gone].status, 'notfound');
});

// --- polls -------------------------------------------------------------------------------------

async function pollActivity(owner, settings = {}) {
  const poll = assertShape(
    await client.createPoll({
      name: 'Best fruit?',
      options: ['apple', 'pear', 'plum'].map((text) => ({ text })),
      user_id: owner,
      ...settings,
    }),
    'PollResponse',
  ).poll;
  const activityId = await post(owner, { type: 'poll', poll_id: poll.id });
  return { poll, activityId };
}

test('polls: createPoll, getPoll, updatePollPartial, updatePoll, deletePoll', async () => {
  const [amy, bob] = await Promise.all([makeUser(), makeUser()]);
  const created = assertShape(
    await client.createPoll({
      name: 'Lunch?',
      description: 'where',
      options: [{ text: 'pizza' }, { text: 'sushi', custom: { c: 1 } }],
      max_votes_allowed: 2,
      allow_answers: true,
      custom: { k: 'v' },
      user_id: amy,
    }),
    'PollResponse',
  );
  assertDuration(created.duration);
  const poll = created.poll;
  assert.equal(poll.name, 'Lunch?');
  assert.equal(poll.created_by_id, amy);
  assert.deepEqual(poll.options.map((o) => o.text), ['pizza', 'sushi']);
  assert.deepEqual(poll.options[1].custom, { c: 1 });
  assert.equal(poll.vote_count, 0);
  assert.equal(poll.answers_count, 0);
  assert.deepEqual(poll.vote_counts_by_option, Object.fromEntries(poll.options.map((o) => [o.id, 0])));
  assert.equal(poll.max_votes_allowed, 2);
  assert.equal(poll.allow_answers, true);
  assert.equal(poll.voting_visibility, 'public');
  assert.deepEqual(poll.custom, { k: 'v' });
  assert.ok(poll.created_at instanceof Date);

  const got = assertShape(await client.getPoll({ poll_id: poll.id, user_id: bob }), 'PollResponse');
  assert.equal(got.poll.id, poll.id);
  assert.deepEqual(got.poll.own_votes, []);

  // Bad input is refused and makes nothing.
  await assertStreamError(() => client.createPoll({ name: 'n', enforce_unique_vote: true, max_votes_allowed: 3 }), 4, 400);
  await assertStreamError(() => client.createPoll({ name: 'again', id: poll.id }), 4, 400);

  // Only the creator (or the server) changes or deletes it.
  const asBob = userCommon(bob);
  await assertStreamError(() => asBob.updatePollPartial({ poll_id: poll.id, set: { is_closed: true } }), 17, 403);
  await assertStreamError(() => asBob.updatePoll({ id: poll.id, name: 'mine' }), 17, 403);
  await assertStreamError(() => asBob.deletePoll({ poll_id: poll.id }), 17, 403);
  const unchanged = assertShape(await client.getPoll({ poll_id: poll.id }), 'PollResponse').poll;
  assert.equal(unchanged.name, 'Lunch?');
  assert.equal(unchanged.is_closed, false);

  const asAmy = userCommon(amy);
  const partial = assertShape(
    await asAmy.updatePollPartial({ poll_id: poll.id, set: { is_closed: true }, unset: ['description'] }),
    'PollResponse',
  );
  assertDuration(partial.duration);
  assert.equal(partial.poll.is_closed, true);
  assert.equal(partial.poll.description, '');

  const full = assertShape(
    await asAmy.updatePoll({
      id: poll.id,
      name: 'Dinner?',
      options: [{ id: poll.options[0].id, text: 'pizza!' }, { id: uid('o'), text: 'tacos' }],
    }),
    'PollResponse',
  );
  assert.equal(full.poll.name, 'Dinner?');
  assert.equal(full.poll.is_closed, false);
  assert.deepEqual(full.poll.options.map((o) => o.text), ['pizza!', 'tacos']);
  assert.equal(full.poll.options[0].id, poll.options[0].id);

  assertShape(await asAmy.deletePoll({ poll_id: poll.id }), 'Response');
  await assertStreamError(() => client.getPoll({ poll_id: poll.id }), 16, 404);
});

test('poll options: create, get, update, delete', async () => {
  const [amy, bob] = await Promise.all([makeUser(), makeUser()]);
  const { poll } = await pollActivity(amy);
  const asAmy = userCommon(amy);
  await assertStreamError(() => userCommon(bob).createPollOption({ poll_id: poll.id, text: 'kiwi' }), 17, 403);
  const made = assertShape(
    await asAmy.createPollOption({ poll_id: poll.id, text: 'kiwi', custom: { k: 1 } }),
    'PollOptionResponse',
  );
  assertDuration(made.duration);
  const kiwi = made.poll_option;
  assert.equal(kiwi.text, 'kiwi');
  assert.deepEqual(kiwi.custom, { k: 1 });
  // An option of the same text already exists.
  await assertStreamError(() => asAmy.createPollOption({ poll_id: poll.id, text: 'apple' }), 4, 400);

  const got = assertShape(await client.getPollOption({ poll_id: poll.id, option_id: kiwi.id }), 'PollOptionResponse');
  assert.equal(got.poll_option.id, kiwi.id);
  assert.equal(got.poll_option.text, 'kiwi');
  const renamed = assertShape(await asAmy.updatePollOption({ poll_id: poll.id, id: kiwi.id, text: 'kiwis' }), 'PollOptionResponse');
  assert.equal(renamed.poll_option.text, 'kiwis');
  assert.equal(
    assertShape(await client.getPoll({ poll_id: poll.id }), 'PollResponse').poll.options.find((o) => o.id === kiwi.id).text,
    'kiwis',
  );

  assertShape(await asAmy.deletePollOption({ poll_id: poll.id, option_id: kiwi.id }), 'Response');
  await assertStreamError(() => client.getPollOption({ poll_id: poll.id, option_id: kiwi.id }), 16, 404);
  assert.deepEqual(
    assertShape(await client.getPoll({ poll_id: poll.id }), 'PollResponse').poll.options.map((o) => o.text),
    ['apple', 'pear', 'plum'],
  );
});

test('poll votes: cast, refuse a foreign option, delete, queryPollVotes; activity reads carry the poll', async () => {
  const [amy, bob, cat] = await Promise.all([makeUser(), makeUser(), makeUser()]);
  const { poll, activityId } = await pollActivity(amy, { max_votes_allowed: 2, allow_answers: true });
  const [apple, pear, plum] = poll.options.map((o) => o.id);
  const asBob = userFeeds(bob);
  const vote = (v, c = asBob) => c.castPollVote({ activity_id: activityId, poll_id: poll.id, vote: v });

  // An option that is not one of this poll's is refused and counts nothing.
  const other = await pollActivity(amy);
  await assertStreamError(() => vote({ option_id: other.poll.options[0].id }), 4, 400);
  await assertStreamError(() => vote({ option_id: uid('nope') }), 4, 400);
  assert.equal(assertShape(await client.getPoll({ poll_id: poll.id }), 'PollResponse').poll.vote_count, 0);

  const first = assertShape(await vote({ option_id: apple }), 'PollVoteResponse');
  assertDuration(first.duration);
  assert.equal(first.vote.option_id, apple);
  assert.equal(first.vote.user_id, bob);
  assert.equal(first.poll.vote_count, 1);
  assertShape(await vote({ option_id: pear }), 'PollVoteResponse');
  // max_votes_allowed is 2.
  await assertStreamError(() => vote({ option_id: plum }), 4, 400);
  const answer = assertShape(await vote({ answer_text: 'figs' }), 'PollVoteResponse').vote;
  assert.equal(answer.is_answer, true);
  assert.equal(answer.answer_text, 'figs');
  assertShape(await feeds.castPollVote({ activity_id: activityId, poll_id: poll.id, vote: { option_id: plum }, user_id: cat }), 'PollVoteResponse');

  const p = assertShape(await client.getPoll({ poll_id: poll.id, user_id: bob }), 'PollResponse').poll;
  assert.equal(p.vote_count, 3);
  assert.equal(p.answers_count, 1);
  assert.deepEqual(p.vote_counts_by_option, { [apple]: 1, [pear]: 1, [plum]: 1 });
  assert.deepEqual(p.own_votes.filter((v) => !v.is_answer).map((v) => v.option_id).sort(), [apple, pear].sort());

  // The activity carries the poll, with the reader's own votes.
  const read = await readActivity(asBob, activityId);
  assert.equal(read.poll.id, poll.id);
  assert.equal(read.poll.vote_count, 3);
  assert.deepEqual(read.poll.own_votes.filter((v) => !v.is_answer).map((v) => v.option_id).sort(), [apple, pear].sort());
  const readByCat = await readActivity(userFeeds(cat), activityId);
  assert.deepEqual(readByCat.poll.own_votes.map((v) => v.option_id), [plum]);
  assert.deepEqual((await readActivity(userFeeds(amy), activityId)).poll.own_votes, []);

  const votes = assertShape(await client.queryPollVotes({ poll_id: poll.id, limit: 2 }), 'PollVotesResponse');
  assertDuration(votes.duration);
  assert.equal(votes.votes.length, 2);
  assert.ok(votes.next);
  const more = assertShape(await client.queryPollVotes({ poll_id: poll.id, limit: 10, next: votes.next }), 'PollVotesResponse');
  assert.equal(more.votes.length, 2);
  assert.equal(more.next, undefined);
  const allIds = [...votes.votes, ...more.votes].map((v) => v.id);
  assert.equal(new Set(allIds).size, 4);
  const onPlum = assertShape(await client.queryPollVotes({ poll_id: poll.id, filter: { option_id: plum } }), 'PollVotesResponse');
  assert.deepEqual(onPlum.votes.map((v) => v.user_id), [cat]);
  await assertStreamError(() => client.queryPollVotes({ poll_id: poll.id, filter: { text: 'x' } }), 4, 400);

  const removed = assertShape(
    await asBob.deletePollVote({ activity_id: activityId, poll_id: poll.id, vote_id: first.vote.id }),
    'PollVoteResponse',
  );
  assertDuration(removed.duration);
  const afterDelete = assertShape(await client.getPoll({ poll_id: poll.id }), 'PollResponse').poll;
  assert.equal(afterDelete.vote_count, 2);
  assert.equal(afterDelete.vote_counts_by_option[apple], 0);
  await assertStreamError(
    () => asBob.deletePollVote({ activity_id: activityId, poll_id: poll.id, vote_id: first.vote.id }),
    16,
    404,
  );
});

test('queryPolls lists polls newest first with next cursors', async () => {
  const amy = await makeUser();
  const made = [];
  for (let i = 0; i < 3; i++) {
    made.push(assertShape(await client.createPoll({ name: `Q${i}`, options: [{ text: 'a' }], user_id: amy }), 'PollResponse').poll.id);
  }
  const first = assertShape(await client.queryPolls({ filter: { created_by_id: amy }, limit: 2 }), 'QueryPollsResponse');
  assertDuration(first.duration);
  assert.deepEqual(first.polls.map((p) => p.id), [made[2], made[1]]);
  assert.ok(first.next);
  const rest = assertShape(
    await client.queryPolls({ filter: { created_by_id: amy }, limit: 5, next: first.next }),
    'QueryPollsResponse',
  );
  assert.deepEqual(rest.polls.map((p) => p.id), [made[0]]);
  assert.equal(rest.next, undefined);
});

// --- pins --------------------------------------------------------------------------------------

test('pinActivity, unpinActivity, queryPinnedActivities; pins on getOrCreateFeed', async () => {
  const [user, other] = await Promise.all([makeUser(), makeUser()]);
  const ids = [await post(user), await post(user), await post(user)];
  const me = userFeeds(user);
  const feed = { feed_group_id: 'user', feed_id: user };

  const pinned = assertShape(await me.pinActivity({ ...feed, activity_id: ids[0] }), 'PinActivityResponse');
  assertDuration(pinned.duration);
  assert.equal(pinned.activity.id, ids[0]);
  assert.equal(pinned.feed, `user:${user}`);
  assert.equal(pinned.user_id, user);
  assert.ok(pinned.created_at instanceof Date);
  // Pinning again keeps the first pin.
  const again = assertShape(await me.pinActivity({ ...feed, activity_id: ids[0] }), 'PinActivityResponse');
  assert.equal(again.created_at.getTime(), pinned.created_at.getTime());
  assertShape(await me.pinActivity({ ...feed, activity_id: ids[2] }), 'PinActivityResponse');
  // A server call pins as the user it names.
  assertShape(await feeds.pinActivity({ ...feed, activity_id: ids[1], user_id: user }), 'PinActivityResponse');

  // Not in this feed: refused, nothing pinned.
  const elsewhere = await post(other);
  await assertStreamError(() => me.pinActivity({ ...feed, activity_id: elsewhere }), 4, 400);
  await assertStreamError(() => me.pinActivity({ ...feed, activity_id: uid('missing') }), 16, 404);

  const read = assertShape(await feeds.getOrCreateFeed({ ...feed, user_id: user }), 'GetOrCreateFeedResponse');
  assert.equal(read.feed.pin_count, 3);
  assert.deepEqual(read.pinned_activities.map((p) => p.activity.id), [ids[1], ids[2], ids[0]]);
  assert.equal(read.pinned_activities[0].feed, `user:${user}`);
  assert.equal(read.pinned_activities[0].user.id, user);

  const q = assertShape(await feeds.queryPinnedActivities({ ...feed, limit: 2 }), 'QueryPinnedActivitiesResponse');
  assertDuration(q.duration);
  assert.deepEqual(q.pinned_activities.map((p) => p.activity.id), [ids[1], ids[2]]);
  assert.ok(q.next);
  const q2 = assertShape(await feeds.queryPinnedActivities({ ...feed, limit: 2, next: q.next }), 'QueryPinnedActivitiesResponse');
  assert.deepEqual(q2.pinned_activities.map((p) => p.activity.id), [ids[0]]);
  // Through the SDK's per-feed handle too, read by another user.
  const handle = userFeeds(other).feed('user', user);
  const viaHandle = assertShape(
    await handle.queryPinnedActivities({ filter: { activity_id: { $in: [ids[0], ids[2]] } } }),
    'QueryPinnedActivitiesResponse',
  );
  assert.deepEqual(viaHandle.pinned_activities.map((p) => p.activity.id), [ids[2], ids[0]]);

  // Only the owner pins and unpins.
  await assertStreamError(() => userFeeds(other).unpinActivity({ ...feed, activity_id: ids[2] }), 17, 403);
  await assertStreamError(() => userFeeds(other).pinActivity({ ...feed, activity_id: ids[1] }), 17, 403);

  const unpinned = assertShape(await me.unpinActivity({ ...feed, activity_id: ids[2] }), 'UnpinActivityResponse');
  assertDuration(unpinned.duration);
  assert.equal(unpinned.activity.id, ids[2]);
  assert.equal(unpinned.feed, `user:${user}`);
  assert.equal(unpinned.user_id, user);
  await assertStreamError(() => me.unpinActivity({ ...feed, activity_id: ids[2] }), 16, 404);
  const after = assertShape(await feeds.getOrCreateFeed({ ...feed, user_id: user }), 'GetOrCreateFeedResponse');
  assert.equal(after.feed.pin_count, 2);
  assert.deepEqual(after.pinned_activities.map((p) => p.activity.id), [ids[1], ids[0]]);
});

// --- shares ------------------------------------------------------------------------------------

test('an activity with parent_id is a share; queryActivityShares lists it', async () => {
  const [author, s1, s2] = await Promise.all([makeUser(), makeUser('Sharer One'), makeUser('Sharer Two')]);
  const parent = await post(author);
  const first = await post(s1, { parent_id: parent });
  const second = await post(s2, { parent_id: parent });

  const shares = assertShape(await feeds.queryActivityShares({ activity_id: parent }), 'QueryActivitySharesResponse');
  assertDuration(shares.duration);
  assert.deepEqual(shares.shares.map((s) => s.activity_id), [second, first]);
  assert.equal(shares.shares[0].user.id, s2);
  assert.equal(shares.shares[0].user.name, 'Sharer Two');
  assert.ok(shares.shares[0].created_at instanceof Date);

  const page = assertShape(await feeds.queryActivityShares({ activity_id: parent, limit: 1 }), 'QueryActivitySharesResponse');
  assert.deepEqual(page.shares.map((s) => s.activity_id), [second]);
  const next = assertShape(
    await feeds.queryActivityShares({ activity_id: parent, limit: 1, next: page.next }),
    'QueryActivitySharesResponse',
  );
  assert.deepEqual(next.shares.map((s) => s.activity_id), [first]);

  const parentRead = await readActivity(feeds, parent);
  assert.equal(parentRead.share_count, 2);
  const shareRead = await readActivity(feeds, first);
  assert.equal(shareRead.parent?.id, parent);
  assert.deepEqual(
    assertShape(await feeds.queryActivityShares({ activity_id: await post(author) }), 'QueryActivitySharesResponse').shares,
    [],
  );
  await assertStreamError(() => feeds.queryActivityShares({ activity_id: uid('missing') }), 16, 404);
});

// --- metrics -----------------------------------------------------------------------------------

test('trackActivityMetrics counts views and clicks into the activity metrics', async () => {
  const [author, viewer] = await Promise.all([makeUser(), makeUser()]);
  const activityId = await post(author);
  assert.equal((await readActivity(feeds, activityId)).metrics, undefined);

  const tracked = assertShape(
    await feeds.trackActivityMetrics({
      user_id: viewer,
      events: [
        { activity_id: activityId, metric: 'views' },
        { activity_id: activityId, metric: 'clicks', delta: 2 },
        { activity_id: activityId, metric: 'not_a_metric' },
      ],
    }),
    'TrackActivityMetricsResponse',
  );
  assertDuration(tracked.duration);
  assert.deepEqual(
    tracked.results.map((r) => [r.activity_id, r.metric, r.allowed]),
    [
      [activityId, 'views', true],
      [activityId, 'clicks', true],
      [activityId, 'not_a_metric', false],
    ],
  );
  assert.equal(tracked.results[0].error, undefined);
  assert.match(tracked.results[2].error, /not_a_metric/);

  // With the viewer's own token, no user_id needed.
  assertShape(
    await userFeeds(viewer).trackActivityMetrics({ events: [{ activity_id: activityId, metric: 'views', delta: 2 }] }),
    'TrackActivityMetricsResponse',
  );
  assert.deepEqual((await readActivity(feeds, activityId)).metrics, { views: 3, clicks: 2 });
  assert.deepEqual((await readActivity(userFeeds(author), activityId)).metrics, { views: 3, clicks: 2 });

  // Refusals count nothing.
  await assertStreamError(() => feeds.trackActivityMetrics({ events: [], user_id: viewer }), 4, 400);
  await assertStreamError(() => feeds.trackActivityMetrics({ events: [{ activity_id: activityId, metric: 'views' }] }), 4, 400);
  await assertStreamError(
    () => userFeeds(viewer).trackActivityMetrics({ user_id: author, events: [{ activity_id: activityId, metric: 'views' }] }),
    17,
    403,
  );
  assert.deepEqual((await readActivity(feeds, activityId)).metrics, { views: 3, clicks: 2 });
});
