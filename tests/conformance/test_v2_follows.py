"""v2 follows through `stream-python`: follow (history copied up to `activity_copy_limit`, new
activities delivered), unfollow (history removed unless `keep_history`), the followers and
following lists (newest first, offset/limit, `filter`), `follow_many` / `unfollow_many` and
`follow_stats`.

Every read comes right after the write, with no sleep or retry: stream-python's own test suite
reads a follower's feed at once after add, follow and unfollow."""

from __future__ import annotations

import time
from datetime import datetime

from stream.exceptions import InputException

from conformance_support import assert_duration, assert_v2_error, wait_until


def _ids(feed, **params):
    resp = feed.get(**params)
    assert_duration(resp["duration"])
    return [a["id"] for a in resp["results"]]


def _add(feed, n=1, verb="tweet"):
    """Adds n activities one by one; answers their ids newest first."""
    ids = [
        feed.add_activity({"actor": "1", "verb": verb, "object": str(i)})["id"] for i in range(n)
    ]
    return list(reversed(ids))


# --- follow and unfollow --------------------------------------------------------------------


def test_follow_copies_history_with_origin(v2_feed):
    source, follower = v2_feed(), v2_feed("timeline")
    ids = _add(source, 3)
    resp = follower.follow(source.slug, source.user_id)
    assert_duration(resp["duration"])
    results = follower.get()["results"]
    assert [a["id"] for a in results] == ids
    assert {a["origin"] for a in results} == {source.id}
    # In the feed written to, origin is null.
    assert {a["origin"] for a in source.get()["results"]} == {None}


def test_new_activities_reach_followers_at_once(v2_feed):
    source = v2_feed()
    followers = [v2_feed("timeline"), v2_feed("flat"), v2_feed()]
    for f in followers:
        f.follow(source.slug, source.user_id)
    [aid] = _add(source)
    for f in followers:
        [read] = f.get()["results"]
        assert (read["id"], read["origin"]) == (aid, source.id)


def test_activity_copy_limit(v2_feed):
    source = v2_feed()
    ids = _add(source, 4)
    none, one, two = v2_feed("timeline"), v2_feed("timeline"), v2_feed("timeline")
    none.follow(source.slug, source.user_id, activity_copy_limit=0)
    one.follow(source.slug, source.user_id, activity_copy_limit=1)
    two.follow(source.slug, source.user_id, activity_copy_limit=2)
    assert _ids(none) == []
    assert _ids(one) == ids[:1]
    assert _ids(two) == ids[:2]
    # The limit is about history only: what comes next is delivered to all.
    [new] = _add(source)
    assert _ids(none) == [new]


def test_default_copy_limit_is_100(v2_feed):
    """Of 120 activities, the newest 100 are copied. A follow copies its first INLINE_FANOUT
    (50) before it answers and queues the rest, so this one waits (bounded) for the queue."""
    source, follower = v2_feed(), v2_feed("timeline")
    for start in (0, 60):
        source.add_activities(
            [{"actor": "1", "verb": "tweet", "object": str(i)} for i in range(start, start + 60)]
        )
    follower.follow(source.slug, source.user_id)
    newest = _ids(source, limit=100)
    assert _ids(follower, limit=50) == newest[:50], "the first 50 are copied before answering"

    def copied():
        return _ids(follower, limit=100) + _ids(follower, limit=100, offset=100)

    assert wait_until(copied, lambda ids: len(ids) >= 100, what="100 copies") == newest
    # And no more come: the queued part keeps to the limit.
    time.sleep(2)
    assert copied() == newest


def test_copy_limit_above_1000_is_refused(v2_feed):
    source, follower = v2_feed(), v2_feed("timeline")
    assert_v2_error(
        lambda: follower.follow(source.slug, source.user_id, activity_copy_limit=1001),
        InputException,
        4,
        400,
    )
    assert follower.following()["results"] == []


def test_following_again_keeps_one_follow(v2_feed):
    source, follower = v2_feed(), v2_feed("timeline")
    [aid] = _add(source)
    follower.follow(source.slug, source.user_id)
    follower.follow(source.slug, source.user_id)
    assert [f["target_id"] for f in follower.following()["results"]] == [source.id]
    assert _ids(follower) == [aid]


def test_unfollow_removes_the_history(v2_feed):
    source, follower = v2_feed(), v2_feed("timeline")
    own = follower.add_activity({"actor": "1", "verb": "tweet", "object": "own"})["id"]
    _add(source, 2)
    follower.follow(source.slug, source.user_id)
    resp = follower.unfollow(source.slug, source.user_id)
    assert_duration(resp["duration"])
    assert _ids(follower) == [own]
    assert follower.following()["results"] == []
    # Nothing more arrives.
    _add(source)
    assert _ids(follower) == [own]


def test_unfollow_with_keep_history(v2_feed):
    source, follower = v2_feed(), v2_feed("timeline")
    ids = _add(source, 2)
    follower.follow(source.slug, source.user_id)
    follower.unfollow(source.slug, source.user_id, keep_history=True)
    assert _ids(follower) == ids
    assert follower.following()["results"] == []
    _add(source)
    assert _ids(follower) == ids


def test_unfollowing_a_feed_not_followed_is_not_an_error(v2_feed):
    source, follower = v2_feed(), v2_feed("timeline")
    resp = follower.unfollow(source.slug, source.user_id)
    assert_duration(resp["duration"])


def test_removing_at_the_source_removes_from_the_follower(v2_feed):
    source, follower = v2_feed(), v2_feed("timeline")
    keep, gone = reversed(_add(source, 2))
    follower.follow(source.slug, source.user_id)
    source.remove_activity(gone)
    assert _ids(follower) == [keep]


# --- the lists ------------------------------------------------------------------------------


def test_empty_lists(v2_feed):
    feed = v2_feed()
    for resp in (feed.followers(), feed.following()):
        assert_duration(resp["duration"])
        assert resp["results"] == []


def test_following_newest_first_with_offset_and_limit(v2_feed):
    follower = v2_feed("timeline")
    targets = [v2_feed() for _ in range(3)]
    for t in targets:
        follower.follow(t.slug, t.user_id)
    newest_first = [t.id for t in reversed(targets)]
    page = follower.following(offset=0, limit=2)["results"]
    assert [f["target_id"] for f in page] == newest_first[:2]
    assert {f["feed_id"] for f in page} == {follower.id}
    assert [f["target_id"] for f in follower.following(offset=1, limit=2)["results"]] == (
        newest_first[1:3]
    )
    for f in page:
        assert isinstance(f["created_at"], datetime) and isinstance(f["updated_at"], datetime)


def test_followers_newest_first_with_offset_and_limit(v2_feed):
    target = v2_feed()
    followers = [v2_feed("timeline") for _ in range(3)]
    for f in followers:
        f.follow(target.slug, target.user_id)
    newest_first = [f.id for f in reversed(followers)]
    page = target.followers(offset=0, limit=2)["results"]
    assert [f["feed_id"] for f in page] == newest_first[:2]
    assert {f["target_id"] for f in page} == {target.id}
    assert [f["feed_id"] for f in target.followers(offset=1, limit=10)["results"]] == (
        newest_first[1:]
    )


def test_following_filtered_by_feeds(v2_feed):
    """'Do I follow': `feeds=` narrows the list to the feeds named."""
    follower = v2_feed("timeline")
    a, b, c = v2_feed(), v2_feed(), v2_feed()
    follower.follow(a.slug, a.user_id)
    follower.follow(b.slug, b.user_id)
    assert [f["target_id"] for f in follower.following(feeds=[a.id])["results"]] == [a.id]
    assert follower.following(feeds=[c.id])["results"] == []
    both = follower.following(feeds=[a.id, b.id, c.id])["results"]
    assert sorted(f["target_id"] for f in both) == sorted([a.id, b.id])


# --- batches --------------------------------------------------------------------------------


def test_follow_many(v2_client, v2_feed):
    """The README's `flat:1` following `user:1..3`, and each follow listed on both sides."""
    flat = v2_feed("flat")
    users = [v2_feed() for _ in range(3)]
    ids = {u.id: _add(u)[0] for u in users}
    resp = v2_client.follow_many([{"source": flat.id, "target": u.id} for u in users])
    assert_duration(resp["duration"])
    assert sorted(f["target_id"] for f in flat.following()["results"]) == sorted(ids)
    for u in users:
        assert [f["feed_id"] for f in u.followers()["results"]] == [flat.id]
    assert sorted(_ids(flat)) == sorted(ids.values())


def test_follow_many_with_copy_limit_zero(v2_client, v2_feed):
    users = [v2_feed() for _ in range(3)]
    for u in users:
        _add(u)
    flats = [v2_feed("flat") for _ in range(3)]
    v2_client.follow_many(
        [{"source": f.id, "target": u.id} for f, u in zip(flats, users)], activity_copy_limit=0
    )
    for f, u in zip(flats, users):
        assert _ids(f) == []
        assert [x["target_id"] for x in f.following()["results"]] == [u.id]


def test_unfollow_many(v2_client, v2_feed):
    source_a, source_b, target = v2_feed("timeline"), v2_feed("timeline"), v2_feed()
    history = _add(target, 2)
    source_a.follow(target.slug, target.user_id)
    source_b.follow(target.slug, target.user_id)
    resp = v2_client.unfollow_many(
        [
            {"source": source_a.id, "target": target.id},
            {"source": source_b.id, "target": target.id, "keep_history": True},
            # Follows that do not exist are fine.
            {"source": v2_feed("timeline").id, "target": target.id},
        ]
    )
    assert_duration(resp["duration"])
    assert target.followers()["results"] == []
    assert _ids(source_a) == []
    assert _ids(source_b) == history


def test_unfollow_many_with_a_bad_target_is_an_input_error(v2_client, v2_feed):
    source = v2_feed("timeline")
    assert_v2_error(
        lambda: v2_client.unfollow_many([{"source": source.id, "target": 42}]),
        InputException,
        4,
        400,
    )


def test_follow_many_with_a_bad_fid_is_an_input_error_and_follows_nothing(v2_client, v2_feed):
    source, target = v2_feed("timeline"), v2_feed()
    assert_v2_error(
        lambda: v2_client.follow_many(
            [{"source": source.id, "target": target.id}, {"source": source.id, "target": "nocolon"}]
        ),
        InputException,
        4,
        400,
    )
    assert source.following()["results"] == []


# --- stats ----------------------------------------------------------------------------------


def test_follow_stats(v2_client, v2_feed):
    feed = v2_feed()
    for t in (v2_feed(), v2_feed(), v2_feed("timeline")):
        feed.follow(t.slug, t.user_id)
    v2_feed().follow(feed.slug, feed.user_id)
    v2_feed("timeline").follow(feed.slug, feed.user_id)
    resp = v2_client.follow_stats(feed.id)
    assert_duration(resp["duration"])
    assert resp["results"]["followers"] == {"feed": feed.id, "count": 2}
    assert resp["results"]["following"] == {"feed": feed.id, "count": 3}
    sliced = v2_client.follow_stats(feed.id, followers_slugs=["timeline"], following_slugs=["user"])
    assert sliced["results"]["followers"]["count"] == 1
    assert sliced["results"]["following"]["count"] == 2
