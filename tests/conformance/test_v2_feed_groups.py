"""The v2 "Feed group types" page (seed 003) through `stream-python`: flat feeds (the only kind
that can be followed), aggregated feeds (activities grouped by `{{ verb }}_{{ time.strftime(
"%Y-%m-%d") }}`, groups newest first, at most 15 activities each, paged by group) and
notification feeds (aggregated plus `is_seen`/`is_read`, `unseen`/`unread`, and `mark_seen` /
`mark_read` that answer the state before marking)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from stream.exceptions import InputException

from conformance_support import assert_duration, assert_v2_error

DAY = datetime(2021, 3, 4, 10, 0, 0, 123456)


def _read(feed, **params):
    resp = feed.get(**params)
    assert_duration(resp["duration"])
    return resp


def _add(feed, verb, when, actor="1"):
    # A fresh object: the same data at the same time would be one activity across feeds and runs.
    obj = uuid.uuid4().hex
    return feed.add_activity({"actor": actor, "verb": verb, "object": obj, "time": when})["id"]


def _group_shape(group):
    for key in ("id", "group", "verb", "activities", "activity_count", "actor_count",
                "created_at", "updated_at"):
        assert key in group, f"an aggregated group has {key}: {group}"
    assert isinstance(group["id"], str) and group["id"]
    assert isinstance(group["created_at"], datetime) and isinstance(group["updated_at"], datetime)
    assert group["updated_at"] >= group["created_at"]


# --- flat -------------------------------------------------------------------------------------


def test_flat_feeds_read_activities(v2_feed):
    flat = v2_feed("flat")
    aid = _add(flat, "pin", DAY)
    [a] = _read(flat)["results"]
    assert a["id"] == aid and "activities" not in a


def test_aggregated_and_notification_feeds_cannot_be_followed(v2_feed):
    """'It's not possible to follow either aggregated or notification feeds.'"""
    follower = v2_feed("timeline")
    for group in ("aggregated", "notification"):
        target = v2_feed(group)
        _add(target, "like", DAY)
        exc = assert_v2_error(
            lambda: follower.follow(target.slug, target.user_id), InputException, 4, 400
        )
        assert "target" in str(exc), exc
    assert follower.following()["results"] == []


# --- aggregated -------------------------------------------------------------------------------


def test_aggregated_groups_by_verb_and_day(v2_feed):
    feed = v2_feed("aggregated")
    like_1 = _add(feed, "like", DAY, actor="1")
    like_2 = _add(feed, "like", DAY + timedelta(hours=1), actor="2")
    comment = _add(feed, "comment", DAY + timedelta(hours=2))
    next_day = _add(feed, "like", DAY + timedelta(days=1))
    groups = _read(feed)["results"]
    for g in groups:
        _group_shape(g)
    # Newest activity first, across and within groups.
    assert [g["group"] for g in groups] == ["like_2021-03-05", "comment_2021-03-04",
                                            "like_2021-03-04"]
    assert [[a["id"] for a in g["activities"]] for g in groups] == [
        [next_day], [comment], [like_2, like_1]
    ]
    assert [g["verb"] for g in groups] == ["like", "comment", "like"]
    assert [g["activity_count"] for g in groups] == [1, 1, 2]
    assert [g["actor_count"] for g in groups] == [1, 1, 2]
    assert len({g["id"] for g in groups}) == 3


def test_aggregated_group_keeps_the_15_newest(v2_feed):
    feed = v2_feed("aggregated")
    added = feed.add_activities(
        [{"actor": "1", "verb": "like", "object": f"{feed.user_id}-{i}",
          "time": DAY + timedelta(minutes=i)}
         for i in range(17)]
    )["activities"]
    [group] = _read(feed)["results"]
    assert [a["id"] for a in group["activities"]] == [a["id"] for a in reversed(added)][:15]


def test_aggregated_feed_follows_a_flat_feed(v2_feed):
    """stream-python's test_follow_and_source: the copy keeps its `origin`."""
    user, agg = v2_feed(), v2_feed("aggregated")
    aid = user.add_activity({"actor": "1", "verb": "tweet", "object": "1"})["id"]
    agg.follow(user.slug, user.user_id)
    [group] = _read(agg)["results"]
    assert group["activities"][0]["id"] == aid
    assert group["activities"][0]["origin"] == user.id
    later = user.add_activity({"actor": "1", "verb": "tweet", "object": "2"})["id"]
    assert [a["id"] for a in _read(agg)["results"][0]["activities"]] == [later, aid]
    user.remove_activity(later)
    assert [a["id"] for a in _read(agg)["results"][0]["activities"]] == [aid]
    agg.unfollow(user.slug, user.user_id)
    assert _read(agg)["results"] == []


def test_aggregated_feed_pages_by_group(v2_feed):
    """Paged with limit/offset, or with id_lt set to a group's id (not an activity's)."""
    feed = v2_feed("aggregated")
    for i, verb in enumerate(["a", "b", "c", "d"]):
        _add(feed, verb, DAY + timedelta(minutes=i))
    groups = _read(feed)["results"]
    assert [g["verb"] for g in groups] == ["d", "c", "b", "a"]
    assert [g["verb"] for g in _read(feed, limit=2)["results"]] == ["d", "c"]
    assert [g["verb"] for g in _read(feed, limit=2, offset=2)["results"]] == ["b", "a"]
    after = _read(feed, limit=2, id_lt=groups[1]["id"])["results"]
    assert [g["verb"] for g in after] == ["b", "a"]


# --- notification -----------------------------------------------------------------------------


def _notification(v2_feed):
    feed = v2_feed("notification")
    _add(feed, "like", DAY)
    _add(feed, "comment", DAY + timedelta(minutes=1))
    _add(feed, "follow", DAY + timedelta(minutes=2))
    return feed


def test_notification_feed_counts_unseen_and_unread(v2_feed):
    feed = _notification(v2_feed)
    resp = _read(feed)
    assert (resp["unseen"], resp["unread"]) == (3, 3)
    assert [g["verb"] for g in resp["results"]] == ["follow", "comment", "like"]
    # The default notification format is the aggregated one: verb and day.
    assert [g["group"] for g in resp["results"]] == [
        "follow_2021-03-04", "comment_2021-03-04", "like_2021-03-04"
    ]
    for g in resp["results"]:
        _group_shape(g)
        assert g["is_seen"] is False and g["is_read"] is False


def test_mark_seen_all_answers_the_state_before(v2_feed):
    feed = _notification(v2_feed)
    marking = _read(feed, mark_seen=True)
    assert marking["unseen"] == 3
    assert {g["is_seen"] for g in marking["results"]} == {False}
    after = _read(feed)
    assert (after["unseen"], after["unread"]) == (0, 3)
    assert {g["is_seen"] for g in after["results"]} == {True}
    assert {g["is_read"] for g in after["results"]} == {False}


def test_mark_read_by_group_ids(v2_feed):
    feed = _notification(v2_feed)
    groups = _read(feed)["results"]
    marking = _read(feed, mark_read=[groups[0]["id"], groups[2]["id"]])
    assert marking["unread"] == 3
    after = _read(feed)
    assert after["unread"] == 1
    assert [g["is_read"] for g in after["results"]] == [True, False, True]
    # Reading does not make a group seen.
    assert after["unseen"] == 3


def test_mark_read_all(v2_feed):
    feed = _notification(v2_feed)
    _read(feed, mark_read=True)
    after = _read(feed)
    assert after["unread"] == 0
    assert {g["is_read"] for g in after["results"]} == {True}


def test_marks_naming_no_group_are_ignored(v2_feed):
    """stream-python's suite passes activity ids and an empty `mark_read=`."""
    feed = _notification(v2_feed)
    activity_ids = [a["id"] for g in _read(feed)["results"] for a in g["activities"]]
    _read(feed, mark_seen=",".join(activity_ids), mark_read="")
    after = _read(feed)
    assert (after["unseen"], after["unread"]) == (3, 3)


def test_a_new_activity_makes_its_group_unseen_and_unread_again(v2_feed):
    feed = _notification(v2_feed)
    _read(feed, mark_seen=True, mark_read=True)
    assert (_read(feed)["unseen"], _read(feed)["unread"]) == (0, 0)
    _add(feed, "like", DAY + timedelta(minutes=5), actor="2")
    after = _read(feed)
    assert (after["unseen"], after["unread"]) == (1, 1)
    first = after["results"][0]
    assert first["verb"] == "like" and len(first["activities"]) == 2
    assert (first["is_seen"], first["is_read"]) == (False, False)
    assert first["actor_count"] == 2


def test_notification_feed_receives_from_followed_feeds(v2_feed):
    """A notification feed can follow (it cannot be followed)."""
    user, notes = v2_feed(), v2_feed("notification")
    notes.follow(user.slug, user.user_id)
    aid = user.add_activity({"actor": "1", "verb": "mention", "object": "1"})["id"]
    resp = _read(notes)
    assert resp["unseen"] == 1
    assert resp["results"][0]["activities"][0]["id"] == aid
