"""v2 reactions through `stream-python` (`client.reactions`): add, add_child, get, update,
delete (hard and soft), restore, filter (by activity, user or parent reaction, with kind,
id_lt/id_lte paging and `with_activity_data`), and reactions that write into `target_feeds`.

One reaction object everywhere: add, get, filter and a parent's `latest_children` show the same
keys and values (`parent` is "" at the top level, `data` is {} when none was sent)."""

from __future__ import annotations

import uuid
from datetime import datetime

from stream.exceptions import DoesNotExistException, InputException

from conformance_support import assert_duration, assert_v2_error, without_duration

REACTION_KEYS = {
    "id", "kind", "activity_id", "user_id", "data", "parent", "created_at", "updated_at",
    "latest_children", "children_counts",
}


def _activity(v2_feed):
    feed = v2_feed()
    return feed, feed.add_activity({"actor": "1", "verb": "post", "object": "1"})["id"]


def test_add_a_reaction(v2_client, v2_feed):
    _, aid = _activity(v2_feed)
    user = f"u-{uuid.uuid4().hex[:12]}"
    r = v2_client.reactions.add("like", aid, user)
    assert_duration(r["duration"])
    assert set(without_duration(r)) == REACTION_KEYS, without_duration(r)
    assert (r["kind"], r["activity_id"], r["user_id"]) == ("like", aid, user)
    assert r["parent"] == "" and r["data"] == {}
    assert r["latest_children"] == {} and r["children_counts"] == {}
    assert isinstance(r["created_at"], datetime) and r["created_at"] == r["updated_at"]
    assert without_duration(v2_client.reactions.get(r["id"])) == without_duration(r)


def test_reactions_on_unknown_activities_are_accepted(v2_client):
    r = v2_client.reactions.add("like", "54a60c1e-4ee3-494b-a1e3-50c06acb5ed4", "mike",
                                data={"n": 1})
    assert r["data"] == {"n": 1}
    assert v2_client.reactions.get(r["id"])["activity_id"] == "54a60c1e-4ee3-494b-a1e3-50c06acb5ed4"


def test_missing_kind_or_user_is_an_input_error(v2_client, v2_feed):
    _, aid = _activity(v2_feed)
    assert_v2_error(lambda: v2_client.reactions.add("", aid, "mike"), InputException, 4, 400)
    assert_v2_error(lambda: v2_client.reactions.add("like", aid, None), InputException, 4, 400)
    assert v2_client.reactions.filter(activity_id=aid)["results"] == []


def test_add_child(v2_client, v2_feed):
    _, aid = _activity(v2_feed)
    parent = v2_client.reactions.add("comment", aid, "mike", data={"text": "hi"})
    child = v2_client.reactions.add_child("like", parent["id"], "rob")
    assert set(without_duration(child)) == REACTION_KEYS
    assert (child["parent"], child["activity_id"], child["kind"]) == (parent["id"], aid, "like")
    got = v2_client.reactions.get(parent["id"])
    assert got["children_counts"] == {"like": 1}
    children = [without_duration(c) for c in got["latest_children"]["like"]]
    assert children == [without_duration(child)]


def test_add_child_of_an_unknown_reaction_does_not_exist(v2_client):
    assert_v2_error(
        lambda: v2_client.reactions.add_child("like", str(uuid.uuid4()), "rob"),
        DoesNotExistException,
        16,
        404,
    )


def test_update(v2_client, v2_feed):
    _, aid = _activity(v2_feed)
    r = v2_client.reactions.add("comment", aid, "mike", data={"text": "hi"})
    resp = v2_client.reactions.update(r["id"], data={"text": "edited"})
    assert_duration(resp["duration"])
    got = v2_client.reactions.get(r["id"])
    assert got["data"] == {"text": "edited"}
    assert got["created_at"] == r["created_at"] and got["updated_at"] >= r["updated_at"]
    assert (got["kind"], got["activity_id"], got["user_id"]) == ("comment", aid, "mike")


def test_update_of_an_unknown_reaction_does_not_exist(v2_client):
    assert_v2_error(
        lambda: v2_client.reactions.update(str(uuid.uuid4()), data={"a": 1}),
        DoesNotExistException,
        16,
        404,
    )


def test_hard_delete(v2_client, v2_feed):
    _, aid = _activity(v2_feed)
    r = v2_client.reactions.add("like", aid, "mike")
    assert_duration(v2_client.reactions.delete(r["id"])["duration"])
    assert_v2_error(lambda: v2_client.reactions.get(r["id"]), DoesNotExistException, 16, 404)
    assert v2_client.reactions.filter(activity_id=aid)["results"] == []
    # Gone for good: it cannot be restored.
    assert_v2_error(lambda: v2_client.reactions.restore(r["id"]), DoesNotExistException, 16, 404)


def test_soft_delete_and_restore(v2_client, v2_feed):
    _, aid = _activity(v2_feed)
    r = v2_client.reactions.add("like", aid, "mike")
    v2_client.reactions.delete(r["id"], soft=True)
    deleted = v2_client.reactions.get(r["id"])
    assert isinstance(deleted["deleted_at"], datetime)
    assert v2_client.reactions.filter(activity_id=aid)["results"] == []
    assert_duration(v2_client.reactions.restore(r["id"])["duration"])
    restored = v2_client.reactions.get(r["id"])
    assert "deleted_at" not in restored
    assert [x["id"] for x in v2_client.reactions.filter(activity_id=aid)["results"]] == [r["id"]]


def test_restoring_a_reaction_that_is_not_deleted_does_not_exist(v2_client, v2_feed):
    _, aid = _activity(v2_feed)
    r = v2_client.reactions.add("like", aid, "mike")
    assert_v2_error(lambda: v2_client.reactions.restore(r["id"]), DoesNotExistException, 16, 404)
    assert "deleted_at" not in v2_client.reactions.get(r["id"])


# --- filter -----------------------------------------------------------------------------------


def test_filter_by_activity_kind_user_and_parent(v2_client, v2_feed):
    """stream-python's test_reaction_filter, plus the newest-first order."""
    _, aid = _activity(v2_feed)
    user = f"u-{uuid.uuid4().hex[:12]}"
    like = v2_client.reactions.add("like", aid, user)
    child = v2_client.reactions.add_child("like", like["id"], user)
    like = without_duration(v2_client.reactions.get(like["id"]))
    comment_id = v2_client.reactions.add("comment", aid, user)["id"]
    comment = without_duration(v2_client.reactions.get(comment_id))

    by_parent = v2_client.reactions.filter(reaction_id=like["id"])
    assert_duration(by_parent["duration"])
    assert by_parent["results"] == [without_duration(child)]

    assert v2_client.reactions.filter(activity_id=aid)["results"] == [comment, like]
    assert v2_client.reactions.filter(activity_id=aid, kind="like")["results"] == [like]
    assert v2_client.reactions.filter(user_id=user, kind="like", id_lte=like["id"])["results"] == [
        like
    ]
    assert v2_client.reactions.filter(activity_id=aid, kind="comment")["results"] == [comment]
    assert v2_client.reactions.filter(user_id=user)["results"] == [comment, like]


def test_filter_pages_with_limit_and_id_lt(v2_client, v2_feed):
    _, aid = _activity(v2_feed)
    ids = [v2_client.reactions.add("like", aid, f"user-{i}")["id"] for i in range(5)]
    newest_first = list(reversed(ids))
    first = v2_client.reactions.filter(activity_id=aid, limit=2)
    assert [r["id"] for r in first["results"]] == newest_first[:2]
    assert isinstance(first["next"], str) and first["next"]
    rest = v2_client.reactions.filter(activity_id=aid, limit=10, id_lt=newest_first[1])
    assert [r["id"] for r in rest["results"]] == newest_first[2:]
    assert rest["next"] == ""


def test_filter_with_activity_data(v2_client, v2_feed):
    _, aid = _activity(v2_feed)
    v2_client.reactions.add("like", aid, "mike")
    resp = v2_client.reactions.filter(activity_id=aid, with_activity_data=True)
    assert resp["activity"]["id"] == aid
    assert (resp["activity"]["verb"], resp["activity"]["actor"]) == ("post", "1")


def test_filter_on_unknown_ids_finds_nothing(v2_client):
    for lookup in ("activity_id", "user_id", "reaction_id"):
        resp = v2_client.reactions.filter(**{lookup: str(uuid.uuid4())})
        assert resp["results"] == [], lookup
    assert v2_client.reactions.filter(activity_id=str(uuid.uuid4()), kind="like")["results"] == []


# --- target feeds -----------------------------------------------------------------------------


def test_reaction_with_target_feeds_adds_an_activity_there(v2_client, v2_feed):
    """stream-python's test_reaction_add_to_target_feeds, on fresh feeds."""
    _, aid = _activity(v2_feed)
    target = v2_feed()
    r = v2_client.reactions.add(
        "superlike",
        aid,
        "mike",
        data={"popularity": 50},
        target_feeds=[target.id],
        target_feeds_extra_data={"popularity": 100},
    )
    assert r["data"]["popularity"] == 50
    [a] = target.get(limit=1)["results"]
    assert r["id"] in a["reaction"]
    assert (a["verb"], a["popularity"]) == ("superlike", 100)

    child = v2_client.reactions.add_child(
        "superlike",
        r["id"],
        "rob",
        data={"popularity": 60},
        target_feeds=[target.id],
        target_feeds_extra_data={"popularity": 200},
    )
    newest = target.get(limit=1)["results"][0]
    assert child["id"] in newest["reaction"]
    assert (newest["verb"], newest["popularity"]) == ("superlike", 200)
    assert len(target.get()["results"]) == 2


def test_reaction_target_feeds_reach_their_followers(v2_client, v2_feed):
    _, aid = _activity(v2_feed)
    target, follower = v2_feed(), v2_feed("timeline")
    follower.follow(target.slug, target.user_id)
    r = v2_client.reactions.add("like", aid, "mike", target_feeds=[target.id])
    [a] = follower.get()["results"]
    assert r["id"] in a["reaction"] and a["origin"] == target.id


def test_reaction_with_a_malformed_target_feed_adds_nothing(v2_client, v2_feed):
    _, aid = _activity(v2_feed)
    assert_v2_error(
        lambda: v2_client.reactions.add("like", aid, "mike", target_feeds=["nocolon"]),
        InputException,
        4,
        400,
    )
    assert v2_client.reactions.filter(activity_id=aid)["results"] == []
