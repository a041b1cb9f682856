"""One store, two dialects: what Stream's v2 client (`stream-python`) writes, Stream's v3 SDK
(`getstream`) reads, and the other way round.

The mapping checked here: v2 `actor` is v3 `user_id` (an `SU:` reference without its prefix),
`verb` is `type`, `object`, `target`, `foreign_id` and every custom field are `custom`, `time`
is `created_at`, the feed written to and `to` are `feeds`; v2 and v3 follows are the same
records; reactions added through one are counted by the other."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from conformance_support import assert_api_error, fid_for

UTC = timezone.utc


def _v3_feed(client, fid, **kwargs):
    group, feed_id = fid.split(":", 1)
    return client.feeds.get_or_create_feed(feed_group_id=group, feed_id=feed_id, **kwargs).data


def _v3_activity(client, activity_id):
    return client.feeds.get_activity(activity_id).data.activity


# --- written with v2, read with v3 ------------------------------------------------------------


def test_v2_activity_reads_through_v3(client, v2_feed):
    feed = v2_feed()
    when = datetime(2017, 7, 1, 20, 30, 45, 123456)
    # A foreign_id of this run's own: with the fixed time it names one activity for good.
    foreign_id = f"Activity:{feed.user_id}"
    added = feed.add_activity(
        {
            "actor": "User:1",
            "verb": "pin",
            "object": "Place:42",
            "target": "Board:1",
            "foreign_id": foreign_id,
            "time": when,
            "course": {"name": "Golden Gate park", "distance": 10},
            "participants": ["Thierry", "Tommaso"],
        }
    )
    a = _v3_activity(client, added["id"])
    assert a.id == added["id"]
    assert a.user.id == "User:1"
    assert a.type == "pin"
    assert a.created_at == when.replace(tzinfo=UTC)
    assert a.feeds == [feed.id]
    assert a.custom == {
        "object": "Place:42",
        "target": "Board:1",
        "foreign_id": foreign_id,
        "course": {"name": "Golden Gate park", "distance": 10},
        "participants": ["Thierry", "Tommaso"],
    }
    [in_feed] = _v3_feed(client, feed.id).activities
    assert in_feed.id == added["id"] and in_feed.type == "pin"


def test_v2_user_reference_actor_is_the_v3_user(client, make_user, v2_feed):
    user = make_user()
    feed = v2_feed()
    added = feed.add_activity({"actor": f"SU:{user}", "verb": "post", "object": "1"})
    a = _v3_activity(client, added["id"])
    assert a.user.id == user
    assert a.custom["actor"] == f"SU:{user}"


def test_v2_to_targets_are_v3_feeds(client, v2_feed):
    origin, first, second = v2_feed(), v2_feed(), v2_feed()
    added = origin.add_activity(
        {"actor": "1", "verb": "tweet", "object": "1", "to": [first.id, second.id]}
    )
    a = _v3_activity(client, added["id"])
    assert sorted(a.feeds) == sorted([origin.id, first.id, second.id])
    for fid in (first.id, second.id):
        assert [x.id for x in _v3_feed(client, fid).activities] == [added["id"]]


def test_v2_follows_are_v3_follows(client, v2_client, v2_feed):
    source, target = v2_feed("timeline"), v2_feed()
    aid = target.add_activity({"actor": "1", "verb": "tweet", "object": "1"})["id"]
    source.follow(target.slug, target.user_id)
    follows = client.feeds.query_follows(filter={"source_feed": source.id}).data.follows
    assert [(f.source_feed.feed, f.target_feed.feed, f.status) for f in follows] == [
        (source.id, target.id, "accepted")
    ]
    assert [x.id for x in _v3_feed(client, source.id).activities] == [aid]
    assert _v3_feed(client, target.id, limit=0).feed.follower_count == 1

    v2_client.follow_many([{"source": source.id, "target": v2_feed().id}])
    assert len(client.feeds.query_follows(filter={"source_feed": source.id}).data.follows) == 2

    source.unfollow(target.slug, target.user_id)
    left = client.feeds.query_follows(filter={"target_feed": target.id}).data.follows
    assert left == []
    assert [x.id for x in _v3_feed(client, source.id).activities] == []


def test_v2_partial_update_reads_through_v3(client, v2_client, v2_feed):
    feed = v2_feed()
    aid = feed.add_activity(
        {"actor": "1", "verb": "buy", "object": "1", "product": {"price": {"eur": 7.99}},
         "popularity": 9}
    )["id"]
    v2_client.activity_partial_update(
        id=aid, set={"product.price.gbp": 6.99}, unset=["popularity"]
    )
    custom = _v3_activity(client, aid).custom
    assert custom["product"] == {"price": {"eur": 7.99, "gbp": 6.99}}
    assert "popularity" not in custom


def test_v2_removal_reads_through_v3(client, v2_feed):
    feed = v2_feed()
    aid = feed.add_activity({"actor": "1", "verb": "tweet", "object": "1"})["id"]
    feed.remove_activity(aid)
    assert _v3_feed(client, feed.id).activities == []
    assert_api_error(lambda: client.feeds.get_activity(aid), code=16, status=404)


def test_v2_reactions_count_in_v3(client, v2_client, v2_feed):
    feed = v2_feed()
    aid = feed.add_activity({"actor": "1", "verb": "post", "object": "1"})["id"]
    v2_client.reactions.add("like", aid, "mike")
    v2_client.reactions.add("like", aid, "rob")
    a = _v3_activity(client, aid)
    assert a.reaction_count == 2
    assert a.reaction_groups["like"].count == 2


# --- written with v3, read with v2 ------------------------------------------------------------


def test_v3_activity_reads_through_v2(client, v2_client, make_user):
    user = make_user()
    fid = fid_for(user)
    act = client.feeds.add_activity(
        type="post", feeds=[fid], user_id=user, text="hello", custom={"mood": "happy", "n": 3}
    ).data.activity
    feed = v2_client.feed("user", user)
    [a] = feed.get()["results"]
    assert a["id"] == act.id
    assert (a["actor"], a["verb"], a["text"], a["mood"], a["n"]) == (
        user, "post", "hello", "happy", 3
    )
    assert a["origin"] is None
    assert abs(a["time"] - act.created_at) <= timedelta(microseconds=1)
    [by_id] = v2_client.get_activities(ids=[act.id])["results"]
    assert by_id["id"] == act.id and by_id["verb"] == "post"


def test_v3_follows_are_v2_follows(client, v2_client, make_user):
    a, b = make_user(), make_user()
    source, target = f"timeline:{a}", f"user:{b}"
    post = client.feeds.add_activity(type="post", feeds=[target], user_id=b, text="x").data.activity
    client.feeds.follow(source=source, target=target)
    timeline, user_feed = v2_client.feed("timeline", a), v2_client.feed("user", b)
    assert [(f["feed_id"], f["target_id"]) for f in timeline.following()["results"]] == [
        (source, target)
    ]
    assert [f["feed_id"] for f in user_feed.followers()["results"]] == [source]
    assert [(x["id"], x["origin"]) for x in timeline.get()["results"]] == [(post.id, target)]
    stats = v2_client.follow_stats(target)["results"]
    assert stats["followers"]["count"] == 1

    later = user_feed.add_activity({"actor": b, "verb": "post", "object": "2"})["id"]
    assert [x.id for x in _v3_feed(client, source).activities][:1] == [later]

    client.feeds.unfollow(source=source, target=target)
    assert timeline.following()["results"] == []
    assert timeline.get()["results"] == []


def test_v2_follow_of_a_v3_feed_copies_its_history(client, v2_feed, make_user):
    user = make_user()
    target = fid_for(user)
    post = client.feeds.add_activity(
        type="post", feeds=[target], user_id=user, text="x"
    ).data.activity
    follower = v2_feed("timeline")
    follower.follow("user", user)
    [a] = follower.get()["results"]
    assert (a["id"], a["actor"], a["verb"], a["origin"]) == (post.id, user, "post", target)


def test_v3_partial_update_reads_through_v2(client, v2_feed):
    feed = v2_feed()
    aid = feed.add_activity({"actor": "1", "verb": "buy", "object": "1", "color": "red"})["id"]
    client.feeds.update_activity_partial(aid, set={"custom.color": "blue", "custom.size": 3})
    [a] = feed.get()["results"]
    assert (a["color"], a["size"], a["object"], a["verb"]) == ("blue", 3, "1", "buy")


def test_v3_reactions_count_in_v2(client, v2_client, v2_feed, make_user):
    feed = v2_feed()
    aid = feed.add_activity({"actor": "1", "verb": "post", "object": "1"})["id"]
    fan = make_user()
    client.feeds.add_activity_reaction(aid, type="like", user_id=fan)
    [a] = feed.get(reactions={"counts": True, "recent": True})["results"]
    assert a["reaction_counts"] == {"like": 1}
    assert [r["user_id"] for r in a["latest_reactions"]["like"]] == [fan]
    [r] = v2_client.reactions.filter(activity_id=aid)["results"]
    assert (r["kind"], r["user_id"]) == ("like", fan)


def test_ids_are_shared(client, v2_client, v2_feed, make_user):
    """An id from one dialect finds the same activity through the other's by-id read."""
    feed = v2_feed()
    v2_id = feed.add_activity({"actor": "1", "verb": "tweet", "object": str(uuid.uuid4())})["id"]
    user = make_user()
    v3_id = client.feeds.add_activity(
        type="post", feeds=[fid_for(user)], user_id=user, text="x"
    ).data.activity.id
    assert _v3_activity(client, v2_id).id == v2_id
    got = {a["id"] for a in v2_client.get_activities(ids=[v2_id, v3_id])["results"]}
    assert got == {v2_id, v3_id}
