"""The v2 "Activities" page (seed 001) through Stream's v2 Python client, `stream-python`:
adding (one, a batch, custom fields, the response), reading (limit, offset, id_lt/id_lte/
id_gt/id_gte, the 100 cap, `next`, discard_actors), removing (by id, by foreign_id), updating by
foreign_id + time, partial updates with dotted paths (one and batched, and their refusals),
uniqueness of foreign_id + time, `get_activities`, and the limits (10 KB, 255-byte verbs,
100 per call).

Every read comes right after the write, with no wait: v2 clients rely on reading their writes."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from stream.exceptions import DoesNotExistException, InputException

from conformance_support import assert_duration, assert_v2_error

UTC = timezone.utc


def _now() -> datetime:
    """Now in UTC, as a naive datetime (the client sends it as `%Y-%m-%dT%H:%M:%S.%f`)."""
    return datetime.now(UTC).replace(tzinfo=None)


def _aware(dt: datetime) -> datetime:
    return dt.replace(tzinfo=UTC)


def _results(feed, **params):
    resp = feed.get(**params)
    assert_duration(resp["duration"])
    return resp["results"]


def _ids(feed, **params):
    return [a["id"] for a in _results(feed, **params)]


# --- adding ---------------------------------------------------------------------------------


def test_add_the_simplest_activity(v2_feed):
    """'Erik is pinning Hawaii': actor, verb and object; the response carries the new id."""
    feed = v2_feed()
    resp = feed.add_activity({"actor": "User:1", "verb": "pin", "object": "Place:42"})
    assert_duration(resp["duration"])
    assert isinstance(resp["id"], str) and resp["id"]
    assert (resp["actor"], resp["verb"], resp["object"]) == ("User:1", "pin", "Place:42")
    # No time given: the server's current time, in UTC, decoded by the client as a datetime.
    assert isinstance(resp["time"], datetime), resp["time"]
    assert abs((datetime.now(UTC) - resp["time"]).total_seconds()) < 300
    [read] = _results(feed)
    assert read["id"] == resp["id"]
    assert (read["actor"], read["verb"], read["object"]) == ("User:1", "pin", "Place:42")
    assert read["time"] == resp["time"]


def test_add_with_foreign_id_and_time_keeps_both(v2_feed):
    feed = v2_feed()
    # The seed's time; a foreign_id of this run's own (the pair names one activity for good).
    foreign_id = f"Activity:{feed.user_id}"
    resp = feed.add_activity(
        {
            "actor": "User:1",
            "verb": "pin",
            "object": "Place:42",
            "foreign_id": foreign_id,
            "time": "2017-07-01T20:30:45.123",
        }
    )
    when = datetime(2017, 7, 1, 20, 30, 45, 123000, tzinfo=UTC)
    assert resp["foreign_id"] == foreign_id
    assert resp["time"] == when
    [read] = _results(feed)
    assert (read["id"], read["foreign_id"], read["time"]) == (resp["id"], foreign_id, when)


def test_the_plain_read_shape(v2_feed):
    """`origin` and `target` are always there (null here); no list or dict appears that the
    activity does not have (apps put read results into sets, which needs hashable values)."""
    feed = v2_feed()
    feed.add_activity({"actor": "User:1", "verb": "pin", "object": "Place:42"})
    [read] = _results(feed)
    assert "origin" in read and read["origin"] is None, read
    assert "target" in read and read["target"] is None, read
    assert set(read.items()), read  # raises TypeError on a list or dict value
    unhashable = {k: v for k, v in read.items() if isinstance(v, (list, dict))}
    assert unhashable == {}, f"fields the activity was not given: {unhashable}"


def test_custom_fields_round_trip(v2_feed):
    """The 'run' example: nested objects, lists and datetimes come back as they were sent."""
    feed = v2_feed()
    started = datetime(2014, 11, 11, 14, 6, 16, 250000)
    activity = {
        "actor": "User:1",
        "verb": "run",
        "object": "Exercise:42",
        "foreign_id": "run:1",
        "course": {"name": "Golden Gate park", "distance": 10},
        "participants": ["Thierry", "Tommaso"],
        "started_at": started,
        "price": 9.99,
        "count": 9001,
        "public": True,
        "nothing": None,
    }
    resp = feed.add_activity(activity)
    for item in (resp, _results(feed)[0]):
        assert item["course"] == {"name": "Golden Gate park", "distance": 10}
        assert item["participants"] == ["Thierry", "Tommaso"]
        assert item["started_at"] == _aware(started)
        assert item["price"] == 9.99 and item["count"] == 9001 and item["public"] is True
        assert "nothing" in item and item["nothing"] is None
        assert item["foreign_id"] == "run:1"


def test_numeric_actor_and_object_come_back_as_strings(v2_feed):
    """The README's `{'actor': 1, 'verb': 'tweet', 'object': 1, 'foreign_id': 'tweet:1'}`."""
    feed = v2_feed()
    resp = feed.add_activity({"actor": 1, "verb": "tweet", "object": 1, "foreign_id": "tweet:1"})
    [read] = _results(feed)
    for item in (resp, read):
        assert item["actor"] == "1" and item["object"] == "1" and item["verb"] == "tweet"


def test_batch_add_answers_in_input_order_and_reads_newest_first(v2_feed):
    feed = v2_feed()
    batch = [{"actor": str(i), "verb": "tweet", "object": str(i)} for i in range(5)]
    resp = feed.add_activities(batch)
    assert_duration(resp["duration"])
    added = resp["activities"]
    assert [a["actor"] for a in added] == ["0", "1", "2", "3", "4"]
    assert len({a["id"] for a in added}) == 5
    assert _ids(feed) == [a["id"] for a in reversed(added)]
    # Server-assigned times are distinct and increasing within one batch.
    times = [a["time"] for a in added]
    assert times == sorted(times) and len(set(times)) == 5


def test_batch_of_more_than_100_is_refused_and_adds_nothing(v2_feed):
    feed = v2_feed()
    batch = [{"actor": "1", "verb": "tweet", "object": str(i)} for i in range(101)]
    assert_v2_error(lambda: feed.add_activities(batch), InputException, 4, 400)
    assert _results(feed) == []


def test_a_bad_activity_in_a_batch_adds_none(v2_feed):
    feed = v2_feed()
    batch = [{"actor": "1", "verb": "tweet", "object": "1"}, {"verb": "tweet", "object": "2"}]
    assert_v2_error(lambda: feed.add_activities(batch), InputException, 4, 400)
    assert _results(feed) == []


def test_missing_actor_is_an_input_error(v2_feed):
    feed = v2_feed()
    exc = assert_v2_error(
        lambda: feed.add_activity({"verb": "tweet", "object": 1}), InputException, 4, 400
    )
    assert "actor" in str(exc), f"the error should name the field: {exc}"
    assert _results(feed) == []


def test_missing_verb_is_an_input_error(v2_feed):
    feed = v2_feed()
    exc = assert_v2_error(
        lambda: feed.add_activity({"actor": "1", "object": 1}), InputException, 4, 400
    )
    assert "verb" in str(exc), exc


def test_verb_longer_than_255_bytes_is_refused(v2_feed):
    feed = v2_feed()
    assert_v2_error(
        lambda: feed.add_activity({"actor": "1", "verb": "v" * 256, "object": "1"}),
        InputException,
        4,
        400,
    )
    resp = feed.add_activity({"actor": "1", "verb": "v" * 255, "object": "1"})
    assert resp["verb"] == "v" * 255


def test_activity_over_10kb_is_refused(v2_feed):
    feed = v2_feed()
    big = {"actor": "1", "verb": "post", "object": "1", "blob": "x" * (11 * 1024)}
    assert_v2_error(lambda: feed.add_activity(big), InputException, 4, 400)
    assert _results(feed) == []


# --- reading --------------------------------------------------------------------------------


def _twelve(feed):
    """Twelve activities; answers their ids oldest first."""
    resp = feed.add_activities(
        [{"actor": "1", "verb": "tweet", "object": str(i)} for i in range(12)]
    )
    return [a["id"] for a in resp["activities"]]


def test_read_with_limit_and_offset(v2_feed):
    """'Get activities from 5 to 10': limit=5, offset=5."""
    feed = v2_feed()
    newest_first = list(reversed(_twelve(feed)))
    assert _ids(feed, limit=5) == newest_first[:5]
    assert _ids(feed, limit=5, offset=5) == newest_first[5:10]
    assert _ids(feed, limit=5, offset=10) == newest_first[10:]
    assert _ids(feed) == newest_first  # default limit 25


def test_read_with_id_filters(v2_feed):
    feed = v2_feed()
    newest_first = list(reversed(_twelve(feed)))
    pivot = newest_first[4]
    assert _ids(feed, limit=5, id_lt=pivot) == newest_first[5:10]
    assert _ids(feed, limit=5, id_lte=pivot) == newest_first[4:9]
    assert _ids(feed, limit=3, id_gt=pivot) == newest_first[1:4]
    assert _ids(feed, limit=25, id_gt=pivot) == newest_first[:4]
    assert _ids(feed, limit=25, id_gte=pivot) == newest_first[:5]


def test_paging_through_next(v2_client, v2_feed):
    """`next` leads to the following page; the last page has `next == ""`."""
    feed = v2_feed()
    newest_first = list(reversed(_twelve(feed)))
    first = feed.get(limit=5)
    assert [a["id"] for a in first["results"]] == newest_first[:5]
    nxt = first["next"]
    assert isinstance(nxt, str) and nxt.startswith(f"/api/v1.0/feed/{feed.slug}/{feed.user_id}/")
    assert f"id_lt={newest_first[4]}" in nxt and "limit=5" in nxt, nxt
    seen = [a["id"] for a in first["results"]]
    for _ in range(5):
        if not nxt:
            break
        query = dict(p.split("=", 1) for p in nxt.split("?", 1)[1].split("&"))
        query.pop("api_key", None)
        page = feed.get(**query)
        seen += [a["id"] for a in page["results"]]
        nxt = page["next"]
    assert seen == newest_first
    assert nxt == ""


def test_read_caps_limit_at_100(v2_feed):
    feed = v2_feed()
    for start in (0, 100):
        feed.add_activities(
            [{"actor": "1", "verb": "tweet", "object": str(i)} for i in range(start, start + 60)]
        )
    assert len(_results(feed, limit=250)) == 100


def test_discard_actors_leaves_their_activities_out(v2_feed):
    """'userA has blocked userB and userC'."""
    feed = v2_feed()
    feed.add_activities(
        [
            {"actor": "userB", "verb": "post", "object": "1"},
            {"actor": "userA", "verb": "post", "object": "2"},
            {"actor": "userC", "verb": "post", "object": "3"},
            {"actor": "userD", "verb": "post", "object": "4"},
        ]
    )
    kept = _results(feed, discard_actors=",".join(["userB", "userC"]))
    assert [a["actor"] for a in kept] == ["userD", "userA"]
    assert len(_results(feed)) == 4


# --- removing -------------------------------------------------------------------------------


def test_remove_by_id(v2_feed):
    feed = v2_feed()
    keep = feed.add_activity({"actor": "1", "verb": "tweet", "object": "1"})["id"]
    gone = feed.add_activity({"actor": "1", "verb": "tweet", "object": "2"})["id"]
    resp = feed.remove_activity(gone)
    assert_duration(resp["duration"])
    assert resp.get("removed") == gone, resp
    assert _ids(feed) == [keep]


def test_remove_by_foreign_id_removes_every_activity_with_it(v2_feed):
    feed = v2_feed()
    base = _now() - timedelta(hours=1)
    feed.add_activities(
        [
            {"actor": "1", "verb": "run", "object": "1", "foreign_id": "run:1", "time": base},
            {"actor": "1", "verb": "walk", "object": "2", "foreign_id": "walk:1", "time": base},
            {
                "actor": "1",
                "verb": "run",
                "object": "3",
                "foreign_id": "run:1",
                "time": base + timedelta(minutes=1),
            },
        ]
    )
    assert len(_results(feed)) == 3
    resp = feed.remove_activity(foreign_id="run:1")
    assert_duration(resp["duration"])
    assert [a["foreign_id"] for a in _results(feed)] == ["walk:1"]


def test_removing_an_unknown_foreign_id_is_not_an_error(v2_feed):
    feed = v2_feed()
    feed.add_activity({"actor": "1", "verb": "run", "object": "1", "foreign_id": "run:1"})
    feed.remove_activity(foreign_id="run:does-not-exist")
    assert len(_results(feed)) == 1


def test_removing_from_the_origin_removes_from_followers(v2_feed):
    source, follower = v2_feed(), v2_feed("timeline")
    follower.follow(source.slug, source.user_id)
    aid = source.add_activity({"actor": "1", "verb": "tweet", "object": "1"})["id"]
    assert _ids(follower) == [aid]
    source.remove_activity(aid)
    assert _ids(source) == [] and _ids(follower) == []


# --- updating -------------------------------------------------------------------------------


def test_update_activities_by_foreign_id_and_time(v2_client, v2_feed):
    """The popularity example: the change shows in every feed that holds the activity."""
    feed, follower = v2_feed(), v2_feed("timeline")
    follower.follow(feed.slug, feed.user_id)
    when = _now()
    activity = {
        "actor": "User:1",
        "verb": "like",
        "object": "Object:3",
        "time": when,
        "foreign_id": "like:3",
        "popularity": 100,
    }
    aid = feed.add_activity(activity)["id"]
    activity["popularity"] = 10
    resp = v2_client.update_activities([activity])
    assert_duration(resp["duration"])
    for f in (feed, follower):
        [read] = _results(f)
        assert (read["id"], read["popularity"]) == (aid, 10)
        assert read["time"] == _aware(when)


def test_update_replaces_the_activitys_data(v2_client, v2_feed):
    """The update carries the whole activity: fields it leaves out are gone."""
    feed = v2_feed()
    when = _now()
    feed.add_activity(
        {"actor": "1", "verb": "like", "object": "3", "time": when, "foreign_id": "like:3", "a": 1}
    )
    v2_client.update_activity(
        {"actor": "1", "verb": "like", "object": "4", "time": when, "foreign_id": "like:3", "b": 2}
    )
    [read] = _results(feed)
    assert (read["actor"], read["verb"], read["object"], read["b"]) == ("1", "like", "4", 2)
    assert "a" not in read


def test_update_ignores_changes_to_to(v2_client, v2_feed):
    feed, first, second = v2_feed(), v2_feed(), v2_feed()
    when = _now()
    base = {"actor": "1", "verb": "like", "object": "3", "time": when, "foreign_id": "like:3"}
    aid = feed.add_activity({**base, "to": [first.id]})["id"]
    v2_client.update_activities([{**base, "to": [second.id], "n": 1}])
    assert [(a["id"], a["n"]) for a in _results(first)] == [(aid, 1)]
    assert _results(second) == []


def test_update_needs_foreign_id_and_time(v2_client, v2_feed):
    feed = v2_feed()
    feed.add_activity({"actor": "1", "verb": "like", "object": "3", "foreign_id": "like:3"})
    assert_v2_error(
        lambda: v2_client.update_activities([{"actor": "1", "verb": "like", "object": "3",
                                              "foreign_id": "like:3"}]),
        InputException,
        4,
        400,
    )
    assert_v2_error(
        lambda: v2_client.update_activities([{"actor": "1", "verb": "like", "object": "3",
                                              "time": _now()}]),
        InputException,
        4,
        400,
    )


def test_update_of_more_than_100_is_refused(v2_client, v2_feed):
    when = _now()
    batch = [
        {"actor": "1", "verb": "like", "object": "3", "time": when, "foreign_id": f"like:{i}"}
        for i in range(101)
    ]
    assert_v2_error(lambda: v2_client.update_activities(batch), InputException, 4, 400)


# --- partial updates ------------------------------------------------------------------------

PRODUCT = {
    "sku": 12345,
    "price": {"eur": 7.99, "usd": 9.99},
    "name": "shoes",
    "popularity": 9000,
}


def _product_activity(feed, **extra):
    when = _now()
    resp = feed.add_activity(
        {
            "actor": "1",
            "verb": "buy",
            "object": "product:123",
            "foreign_id": "product:123",
            "time": when,
            "product": PRODUCT,
            "popularity": 9000,
            **extra,
        }
    )
    return resp, when


def test_partial_update_by_id_with_dotted_paths(v2_client, v2_feed):
    """The seed's example: set nested keys (changing one, creating one), set a new object and a
    new field, unset a nested key and a top-level one."""
    feed = v2_feed()
    added, _ = _product_activity(feed)
    resp = v2_client.activity_partial_update(
        id=added["id"],
        set={
            "product.price.eur": 8.99,
            "product.price.gbp": 6.99,
            "product.available": {"blue": 100, "black": 300},
            "facebook_page": "fb",
        },
        unset=["product.price.usd", "popularity"],
    )
    assert_duration(resp["duration"])
    [read] = _results(feed)
    assert read["product"] == {
        "sku": 12345,
        "price": {"eur": 8.99, "gbp": 6.99},
        "name": "shoes",
        "popularity": 9000,
        "available": {"blue": 100, "black": 300},
    }
    assert read["facebook_page"] == "fb"
    assert "popularity" not in read
    assert (read["id"], read["time"], read["foreign_id"]) == (
        added["id"],
        added["time"],
        "product:123",
    )


def test_partial_update_by_foreign_id_and_time(v2_client, v2_feed):
    feed = v2_feed()
    added, when = _product_activity(feed)
    v2_client.activity_partial_update(
        foreign_id="product:123", time=when, set={"product.name": "boots"}, unset=["popularity"]
    )
    [read] = _results(feed)
    assert read["id"] == added["id"]
    assert read["product"]["name"] == "boots" and "popularity" not in read


def test_partial_update_shows_in_every_feed(v2_client, v2_feed):
    feed, follower = v2_feed(), v2_feed("timeline")
    follower.follow(feed.slug, feed.user_id)
    added, _ = _product_activity(feed)
    v2_client.activity_partial_update(id=added["id"], set={"product.sku": 1})
    assert _results(follower)[0]["product"]["sku"] == 1


def test_partial_update_leaves_reads_stable(v2_client, v2_feed):
    """Apart from the changed field, the activity and the feed order stay exactly the same."""
    feed = v2_feed()
    first, _ = _product_activity(feed)
    feed.add_activity({"actor": "1", "verb": "tweet", "object": "2"})
    before = _results(feed)
    v2_client.activity_partial_update(id=first["id"], set={"popularity": 1})
    after = _results(feed)
    assert [a["id"] for a in after] == [a["id"] for a in before]
    assert after[0] == before[0]
    assert after[1] == {**before[1], "popularity": 1}


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"set": {"product.colors.blue": 1}}, id="set-under-missing-hierarchy"),
        pytest.param({"set": {"product.sku.x": 1}}, id="set-under-a-non-object"),
        pytest.param({"unset": ["missing"]}, id="unset-missing-key"),
        pytest.param({"unset": ["product.colors.blue"]}, id="unset-under-missing-hierarchy"),
        pytest.param({"set": {"actor": "2"}}, id="set-reserved-actor"),
        pytest.param({"set": {"time": "2020-01-01T00:00:00.000000"}}, id="set-reserved-time"),
        pytest.param({"set": {"foreign_id": "x"}}, id="set-reserved-foreign_id"),
        pytest.param({"set": {"to": ["user:1"]}}, id="set-reserved-to"),
        pytest.param({"unset": ["verb"]}, id="unset-reserved-verb"),
        pytest.param({"unset": ["origin"]}, id="unset-reserved-origin"),
        pytest.param(
            {"set": {"product.price.eur": 1}, "unset": ["product.price"]}, id="set-unset-conflict"
        ),
        pytest.param({"set": {f"k{i}": i for i in range(26)}}, id="set-over-25-keys"),
        pytest.param({"unset": [f"product.k{i}" for i in range(26)]}, id="unset-over-25"),
    ],
)
def test_refused_partial_updates_change_nothing(v2_client, v2_feed, changes):
    feed = v2_feed()
    added, _ = _product_activity(feed)
    before = _results(feed)
    assert_v2_error(
        lambda: v2_client.activity_partial_update(id=added["id"], **changes),
        InputException,
        4,
        400,
    )
    assert _results(feed) == before


def test_partial_update_past_10kb_is_refused(v2_client, v2_feed):
    feed = v2_feed()
    added, _ = _product_activity(feed)
    assert_v2_error(
        lambda: v2_client.activity_partial_update(id=added["id"], set={"blob": "x" * 11000}),
        InputException,
        4,
        400,
    )
    assert "blob" not in _results(feed)[0]


def test_partial_update_of_an_unknown_activity_does_not_exist(v2_client):
    assert_v2_error(
        lambda: v2_client.activity_partial_update(
            id="54a60c1e-4ee3-494b-a1e3-50c06acb5ed4", set={"a": 1}
        ),
        DoesNotExistException,
        16,
        404,
    )


def test_batched_partial_updates_by_id_and_by_foreign_id(v2_client, v2_feed):
    feed = v2_feed()
    when = _now()
    added = feed.add_activities(
        [
            {"actor": "1", "verb": "stroll", "object": str(i), "foreign_id": f"stroll:{i}",
             "time": when, "removed": 1, "keys": 2}
            for i in range(4)
        ]
    )["activities"]
    resp = v2_client.activities_partial_update(
        [
            {"id": added[0]["id"], "set": {"key": "new-value"}, "unset": ["removed", "keys"]},
            {"id": added[1]["id"], "set": {"foo": "bar", "baz": "quux"}},
            {"foreign_id": "stroll:2", "time": when, "set": {"key": "new-value"},
             "unset": ["removed"]},
            {"foreign_id": "stroll:3", "time": when, "unset": ["keys"]},
        ]
    )
    assert_duration(resp["duration"])
    by_object = {a["object"]: a for a in _results(feed)}
    assert by_object["0"]["key"] == "new-value"
    assert "removed" not in by_object["0"] and "keys" not in by_object["0"]
    assert (by_object["1"]["foo"], by_object["1"]["baz"], by_object["1"]["removed"]) == (
        "bar", "quux", 1
    )
    assert by_object["2"]["key"] == "new-value" and "removed" not in by_object["2"]
    assert by_object["2"]["keys"] == 2
    assert "keys" not in by_object["3"] and by_object["3"]["removed"] == 1


def test_batched_partial_update_of_more_than_100_is_refused(v2_client, v2_feed):
    feed = v2_feed()
    aid = feed.add_activity({"actor": "1", "verb": "tweet", "object": "1"})["id"]
    changes = [{"id": aid, "set": {"n": i}} for i in range(101)]
    assert_v2_error(lambda: v2_client.activities_partial_update(changes), InputException, 4, 400)
    assert "n" not in _results(feed)[0]


# --- uniqueness -----------------------------------------------------------------------------


def test_same_foreign_id_and_time_is_the_same_activity(v2_feed):
    feed = v2_feed()
    now = _now()
    first = feed.add_activity(
        {"actor": "1", "verb": "like", "object": "3", "time": now, "foreign_id": "like:3"}
    )
    second = feed.add_activity(
        {
            "actor": "1",
            "verb": "like",
            "object": "3",
            "time": now,
            "foreign_id": "like:3",
            "extra": "extra_value",
        }
    )
    assert first["id"] == second["id"]
    [read] = _results(feed)
    assert read["id"] == first["id"] and read["extra"] == "extra_value"


def test_another_time_is_another_activity(v2_feed):
    feed = v2_feed()
    now = _now()
    base = {"actor": "1", "verb": "like", "object": "3", "foreign_id": "like:3"}
    a = feed.add_activity({**base, "time": now})["id"]
    b = feed.add_activity({**base, "time": now + timedelta(seconds=1)})["id"]
    assert a != b
    assert _ids(feed) == [b, a]


def test_same_data_and_time_without_foreign_id_is_one_activity(v2_feed):
    feed = v2_feed()
    activity = {"actor": "1", "verb": "tweet", "object": "1", "time": _now()}
    a = feed.add_activity(activity)["id"]
    b = feed.add_activity(activity)["id"]
    assert a == b
    assert _ids(feed) == [a]


def test_the_same_activity_in_two_feeds_shows_once_to_a_follower_of_both(v2_feed):
    topic, user, timeline = v2_feed("topic"), v2_feed(), v2_feed("timeline")
    timeline.follow(topic.slug, topic.user_id)
    timeline.follow(user.slug, user.user_id)
    activity = {"actor": "1", "verb": "tweet", "object": "1", "time": _now()}
    a = topic.add_activity(activity)["id"]
    b = user.add_activity(activity)["id"]
    assert a == b
    assert _ids(timeline) == [a]


# --- get_activities ---------------------------------------------------------------------------


def test_get_activities_by_ids(v2_client, v2_feed):
    feed = v2_feed()
    added = feed.add_activities(
        [{"actor": "1", "verb": "tweet", "object": str(i)} for i in range(3)]
    )["activities"]
    wanted = [added[2]["id"], added[0]["id"], "54a60c1e-4ee3-494b-a1e3-50c06acb5ed4"]
    resp = v2_client.get_activities(ids=wanted)
    assert_duration(resp["duration"])
    got = {a["id"]: a for a in resp["results"]}
    assert set(got) == {added[2]["id"], added[0]["id"]}
    assert got[added[0]["id"]]["object"] == "0"
    assert got[added[0]["id"]]["time"] == added[0]["time"]


def test_get_activities_by_foreign_id_and_time(v2_client, v2_feed):
    feed = v2_feed()
    t1, t2 = _now(), _now() - timedelta(days=1)
    a = feed.add_activity({"actor": "1", "verb": "run", "object": "1", "foreign_id": "run:1",
                           "time": t1})
    b = feed.add_activity({"actor": "1", "verb": "run", "object": "2", "foreign_id": "run:2",
                           "time": t2})
    resp = v2_client.get_activities(foreign_id_times=[("run:1", t1), ("run:2", t2)])
    assert sorted(x["id"] for x in resp["results"]) == sorted([a["id"], b["id"]])
    # The time must match too.
    wrong = v2_client.get_activities(foreign_id_times=[("run:1", t2)])
    assert wrong["results"] == []


def test_get_activities_with_nothing_to_find(v2_client):
    unknown_pair = v2_client.get_activities(foreign_id_times=[("fid-x", _now())])
    assert unknown_pair["results"] == []
    unknown = v2_client.get_activities(ids=["54a60c1e-4ee3-494b-a1e3-50c06acb5ed4"])
    assert unknown["results"] == []


def test_get_activities_reflects_a_removal(v2_client, v2_feed):
    feed = v2_feed()
    aid = feed.add_activity({"actor": "1", "verb": "tweet", "object": "1"})["id"]
    assert [a["id"] for a in v2_client.get_activities(ids=[aid])["results"]] == [aid]
    feed.remove_activity(aid)
    assert v2_client.get_activities(ids=[aid])["results"] == []
