"""v2 `to` targeting through `stream-python`: an activity written to one feed and to the feeds
named in `to` (each with `origin` null, fanning out to their own followers with `origin` = the
feed it came through), removed everywhere by removing it from the feed written to;
`add_to_many`; and changing an activity's targets with `update_activity_to_targets`."""

from __future__ import annotations

from datetime import datetime, timezone

from stream.exceptions import InputException

from conformance_support import assert_duration, assert_v2_error


def _results(feed, **params):
    resp = feed.get(**params)
    assert_duration(resp["duration"])
    return resp["results"]


def _ids(feed, **params):
    return [a["id"] for a in _results(feed, **params)]


def test_to_writes_into_each_target_with_origin_null(v2_feed):
    origin, first, second = v2_feed(), v2_feed(), v2_feed()
    activity = {"actor": "1", "verb": "tweet", "object": "1", "to": [first.id, second.id]}
    resp = origin.add_activity(activity)
    # The client signs `to` on a copy; the server answers plain feed ids.
    assert activity["to"] == [first.id, second.id]
    assert resp["to"] == [first.id, second.id]
    for feed in (origin, first, second):
        [read] = _results(feed)
        assert read["id"] == resp["id"]
        assert read["origin"] is None
        assert read["to"] == [first.id, second.id]


def test_to_fans_out_to_followers_of_the_origin_and_of_each_target(v2_feed):
    """stream-python's test_add_activity_to: a follower of a target reads the activity with
    `origin` = that target."""
    user, team = v2_feed(), v2_feed()
    team_follower, user_follower = v2_feed("timeline"), v2_feed("timeline")
    team_follower.follow(team.slug, team.user_id)
    user_follower.follow(user.slug, user.user_id)
    aid = user.add_activity({"actor": "1", "verb": "tweet", "object": "1", "to": [team.id]})["id"]
    assert [(a["id"], a["origin"]) for a in _results(team, limit=1)] == [(aid, None)]
    assert [(a["id"], a["origin"]) for a in _results(team_follower, limit=1)] == [(aid, team.id)]
    assert [(a["id"], a["origin"]) for a in _results(user_follower, limit=1)] == [(aid, user.id)]

    user.remove_activity(aid)
    for feed in (user, team, team_follower, user_follower):
        assert aid not in _ids(feed)


def test_batch_add_with_to_keeps_the_order_in_every_feed(v2_feed):
    origin, first, second = v2_feed(), v2_feed(), v2_feed()
    batch = [
        {"actor": "1", "verb": "tweet", "object": str(i), "to": [first.id, second.id]}
        for i in range(3)
    ]
    added = origin.add_activities(batch)["activities"]
    expected = [a["id"] for a in reversed(added)]
    for feed in (origin, first, second):
        assert _ids(feed) == expected
    assert batch[0]["to"] == [first.id, second.id]


def test_to_with_a_malformed_fid_is_an_input_error(v2_client, v2_feed):
    origin = v2_feed()
    # Sent as is: stream-python would refuse the fid itself before sending.
    body = {"actor": "1", "verb": "t", "object": "1", "to": ["nocolon"]}
    token = origin.create_scope_token("feed", "write")
    assert_v2_error(
        lambda: v2_client.post(origin.feed_url, signature=token, data=body),
        InputException,
        4,
        400,
    )
    assert _results(origin) == []


def test_add_to_many(v2_client, v2_feed):
    feeds = [v2_feed("flat") for _ in range(3)] + [v2_feed()]
    activity = {"actor": "1", "verb": "tweet", "object": "1", "custom": "data"}
    resp = v2_client.add_to_many(activity, [f.id for f in feeds])
    assert_duration(resp["duration"])
    ids = set()
    for feed in feeds:
        [read] = _results(feed)
        assert read["custom"] == "data" and read["actor"] == "1"
        ids.add(read["id"])
    assert len(ids) == 1, "add_to_many writes one activity into every feed"


def test_add_to_many_with_a_malformed_fid_writes_nothing(v2_client, v2_feed):
    feed = v2_feed()
    assert_v2_error(
        lambda: v2_client.add_to_many({"actor": "1", "verb": "t", "object": "1"}, [feed.id, "bad"]),
        InputException,
        4,
        400,
    )
    assert _results(feed) == []


def _targeted(feed, targets):
    when = datetime.now(timezone.utc).replace(tzinfo=None).isoformat()
    fid = f"tweet:{feed.user_id}"
    feed.add_activity(
        {"actor": "1", "verb": "tweet", "object": "1", "foreign_id": fid, "time": when,
         "to": [t.id for t in targets]}
    )
    return fid, when


def test_update_activity_to_targets_replaces_the_targets(v2_feed):
    feed = v2_feed()
    t1, t2, t3 = v2_feed(), v2_feed(), v2_feed()
    fid, when = _targeted(feed, [t1, t2])
    resp = feed.update_activity_to_targets(fid, when, new_targets=[t3.id, t2.id])
    assert_duration(resp["duration"])
    assert sorted(resp["activity"]["to"]) == sorted([t3.id, t2.id])
    assert _results(t1) == []
    assert [a["foreign_id"] for a in _results(t2)] == [fid]
    assert [a["foreign_id"] for a in _results(t3)] == [fid]
    assert sorted(_results(feed)[0]["to"]) == sorted([t3.id, t2.id])


def test_update_activity_to_targets_adds_and_removes(v2_feed):
    feed = v2_feed()
    t1, t2, t3, t4 = v2_feed(), v2_feed(), v2_feed(), v2_feed()
    fid, when = _targeted(feed, [t1, t2])
    resp = feed.update_activity_to_targets(
        fid, when, added_targets=[t3.id, t4.id], removed_targets=[t1.id]
    )
    assert sorted(resp["activity"]["to"]) == sorted([t2.id, t3.id, t4.id])
    assert _results(t1) == []
    for t in (t2, t3, t4):
        assert [a["foreign_id"] for a in _results(t)] == [fid]


def test_update_activity_to_targets_refuses_new_with_added(v2_feed):
    feed = v2_feed()
    t1, t2 = v2_feed(), v2_feed()
    fid, when = _targeted(feed, [t1])
    assert_v2_error(
        lambda: feed.update_activity_to_targets(
            fid, when, new_targets=[t2.id], added_targets=[t2.id]
        ),
        InputException,
        4,
        400,
    )
    assert _results(t2) == []
