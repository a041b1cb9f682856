"""The README of Stream's v2 Python client (seed 004), call by call, against Tributary: what a
v2 app does first. Feed ids are made unique per test (the README's `user:1`, `flat:42`, ...
would collide across runs); everything else is the README's own data.

Left out, being client-side only: `create_redirect_url` (it builds a URL to Stream's hosted
analytics service and sends nothing)."""

from __future__ import annotations

from datetime import datetime, timezone

from conformance_support import assert_duration, v2_feed_id


def test_readme_feed_reads_and_writes(v2_client):
    user_feed_1 = v2_client.feed("user", v2_feed_id("1"))

    # Create a new activity; then a bit more complex one.
    activity_response = user_feed_1.add_activity(
        {"actor": 1, "verb": "tweet", "object": 1, "foreign_id": "tweet:1"}
    )
    assert_duration(activity_response["duration"])
    run = user_feed_1.add_activity(
        {
            "actor": 1,
            "verb": "run",
            "object": 1,
            "foreign_id": "run:1",
            "course": {"name": "Golden Gate park", "distance": 10},
            "participants": ["Thierry", "Tommaso"],
            "started_at": datetime.now(timezone.utc),
        }
    )
    for i in range(8):
        user_feed_1.add_activity({"actor": 1, "verb": "tweet", "object": i + 2})

    # Get activities from 5 to 10 (slow pagination).
    result = user_feed_1.get(limit=5, offset=5)
    assert len(result["results"]) == 5
    assert [a["id"] for a in result["results"]][-1] == activity_response["id"]
    # (Recommended & faster) filter on an id less than the given one. The README's own UUID is
    # from another app: the call still answers a page.
    assert isinstance(user_feed_1.get(limit=5, id_lt="e561de8f-00f1-11e4-b400-0cc47a024be0")[
        "results"], list)
    older = user_feed_1.get(limit=5, id_lt=run["id"])["results"]
    assert [a["id"] for a in older] == [activity_response["id"]]

    # Remove an activity by its id, or by foreign id.
    user_feed_1.remove_activity(activity_response["id"])
    user_feed_1.remove_activity(foreign_id="run:1")
    left = user_feed_1.get(limit=25)["results"]
    assert len(left) == 8
    assert {a["verb"] for a in left} == {"tweet"}


def test_readme_follows(v2_client):
    user_feed_1 = v2_client.feed("user", v2_feed_id("1"))
    flat_42 = v2_feed_id("42")
    v2_client.feed("flat", flat_42).add_activity({"actor": 1, "verb": "tweet", "object": 1})

    # Follow another feed, stop following it.
    user_feed_1.follow("flat", flat_42)
    assert len(user_feed_1.get()["results"]) == 1
    user_feed_1.unfollow("flat", flat_42)
    assert user_feed_1.get()["results"] == []

    # List followers/following.
    user_feed_1.follow("flat", flat_42)
    following = user_feed_1.following(offset=0, limit=2)
    followers = v2_client.feed("flat", flat_42).followers(offset=0, limit=10)
    assert [f["target_id"] for f in following["results"]] == [f"flat:{flat_42}"]
    assert [f["feed_id"] for f in followers["results"]] == [user_feed_1.id]

    # Creates many follow relationships in one request.
    flat_1 = f"flat:{v2_feed_id('1')}"
    users = [f"user:{v2_feed_id(str(i))}" for i in (1, 2, 3)]
    follows = [{"source": flat_1, "target": u} for u in users]
    v2_client.follow_many(follows)
    slug, fid = flat_1.split(":")
    listed = v2_client.feed(slug, fid).following(limit=10)["results"]
    assert sorted(f["target_id"] for f in listed) == sorted(users)


def test_readme_batch_add_and_to(v2_client):
    user_feed_1 = v2_client.feed("user", v2_feed_id("1"))
    # Batch adding activities.
    activities = [
        {"actor": 1, "verb": "tweet", "object": 1},
        {"actor": 2, "verb": "watch", "object": 3},
    ]
    added = user_feed_1.add_activities(activities)["activities"]
    assert [a["verb"] for a in added] == ["tweet", "watch"]

    # Add an activity and push it to other feeds too using the `to` field.
    user_44, user_45 = v2_feed_id("44"), v2_feed_id("45")
    activity = {
        "actor": "1",
        "verb": "like",
        "object": "3",
        "to": [f"user:{user_44}", f"user:{user_45}"],
    }
    aid = user_feed_1.add_activity(activity)["id"]
    for target in (user_44, user_45):
        assert [a["id"] for a in v2_client.feed("user", target).get()["results"]] == [aid]


def test_readme_get_and_partially_update_activities(v2_client):
    user_feed_1 = v2_client.feed("user", v2_feed_id("1"))
    activity_time = datetime.now(timezone.utc).replace(tzinfo=None)
    foreign_id = "product:123"
    activity_id = user_feed_1.add_activity(
        {
            "actor": 1,
            "verb": "like",
            "object": "product:123",
            "foreign_id": foreign_id,
            "time": activity_time,
            "product": {"name": "shoes", "price": 9.99},
            "popularity": 10,
            "size": 42,
        }
    )["id"]

    # Retrieve an activity by its ID, or by the combination of foreign_id and time.
    by_id = v2_client.get_activities(ids=[activity_id])["results"]
    by_foreign = v2_client.get_activities(foreign_id_times=[(foreign_id, activity_time)])[
        "results"
    ]
    assert [a["id"] for a in by_id] == [a["id"] for a in by_foreign] == [activity_id]

    # Update some parts of an activity with activity_partial_update.
    set = {
        "product.name": "boots",
        "colors": {"red": "0xFF0000", "green": "0x00FF00"},
    }
    unset = ["popularity", "size"]
    v2_client.activity_partial_update(id=activity_id, set=set, unset=unset)
    [a] = v2_client.get_activities(ids=[activity_id])["results"]
    assert a["product"] == {"name": "boots", "price": 9.99}
    assert a["colors"] == {"red": "0xFF0000", "green": "0x00FF00"}
    assert "popularity" not in a and "size" not in a

    # ...or by combination of foreign_id and time.
    v2_client.activity_partial_update(
        foreign_id=foreign_id, time=activity_time, set={"product.name": "sandals"}, unset=["colors"]
    )
    [a] = v2_client.get_activities(ids=[activity_id])["results"]
    assert a["product"]["name"] == "sandals" and "colors" not in a


def test_readme_client_side_tokens(v2_client):
    """`feed.token` and `get_readonly_token()` are what a client-side app is given: the first
    reads and writes the feed, the second only reads it."""
    user_feed_1 = v2_client.feed("user", v2_feed_id("1"))
    token = user_feed_1.token
    readonly_token = user_feed_1.get_readonly_token()
    added = v2_client.post(
        user_feed_1.feed_url, signature=token, data={"actor": "1", "verb": "tweet", "object": "1"}
    )
    for t in (token, readonly_token):
        results = v2_client.get(user_feed_1.feed_url, signature=t)["results"]
        assert [a["id"] for a in results] == [added["id"]]
