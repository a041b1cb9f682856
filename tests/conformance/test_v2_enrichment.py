"""v2 enrichment through `stream-python`: `SU:` (user) and `SO:` (collection entry) references
resolved by the `enrich/` reads of feeds and of `get_activities` (plain reads keep the reference
strings), and reactions on enriched reads: `latest_reactions`, `own_reactions` (for the
`user_id` the read names), `reaction_counts`, each narrowed by `reactionKindsFilter`."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

from conformance_support import assert_duration, without_duration


def _uid(prefix="u"):
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


def test_user_reference_is_enriched(v2_client, v2_feed):
    user = without_duration(v2_client.users.add(_uid(), {"name": "Mike"}))
    feed = v2_feed()
    ref = v2_client.users.create_reference(user)
    assert ref == f"SU:{user['id']}"
    feed.add_activity({"actor": ref, "verb": "buy", "object": "time machine"})
    [plain] = feed.get()["results"]
    assert plain["actor"] == ref
    enriched = feed.get(enrich=True)
    assert_duration(enriched["duration"])
    assert enriched["results"][0]["actor"] == user


def test_collection_reference_is_enriched(v2_client, v2_feed):
    name = f"items{uuid.uuid4().hex[:8]}"
    entry = without_duration(v2_client.collections.add(name, {"name": "time machine"}))
    ref = v2_client.collections.create_reference(entry=entry)
    assert ref == f"SO:{entry['collection']}:{entry['id']}"
    feed = v2_feed()
    feed.add_activity({"actor": "mike", "verb": "buy", "object": ref})
    [plain] = feed.get()["results"]
    assert plain["object"] == ref
    assert set(plain.items())  # plain reads keep only hashable values
    assert feed.get(enrich=True)["results"][0]["object"] == entry


def test_an_updated_user_shows_in_later_enriched_reads(v2_client, v2_feed):
    user_id = _uid()
    v2_client.users.add(user_id, {"name": "Mike"})
    feed = v2_feed()
    feed.add_activity({"actor": f"SU:{user_id}", "verb": "buy", "object": "1"})
    v2_client.users.update(user_id, {"name": "Michael"})
    assert feed.get(enrich=True)["results"][0]["actor"]["data"] == {"name": "Michael"}


def _with_reactions(v2_client, v2_feed):
    feed = v2_feed()
    aid = feed.add_activity({"actor": "mike", "verb": "buy", "object": "object"})["id"]
    like = without_duration(v2_client.reactions.add("like", aid, "mike"))
    other_like = without_duration(v2_client.reactions.add("like", aid, "liker"))
    comment = v2_client.reactions.add("comment", aid, "rob", data={"text": "nice"})
    comment = without_duration(comment)
    return feed, aid, like, other_like, comment


def test_recent_reactions_and_counts(v2_client, v2_feed):
    feed, _, like, other_like, comment = _with_reactions(v2_client, v2_feed)
    [a] = feed.get(reactions={"recent": True, "counts": True})["results"]
    assert a["latest_reactions"] == {"like": [other_like, like], "comment": [comment]}
    assert a["reaction_counts"] == {"like": 2, "comment": 1}
    assert "own_reactions" not in a or a["own_reactions"] == {}


def test_own_reactions_are_the_named_users(v2_client, v2_feed):
    feed, _, like, _, _ = _with_reactions(v2_client, v2_feed)
    [a] = feed.get(reactions={"own": True}, user_id="mike")["results"]
    assert a["own_reactions"] == {"like": [like]}


def test_reaction_kinds_filter(v2_client, v2_feed):
    feed, _, like, other_like, _ = _with_reactions(v2_client, v2_feed)
    [a] = feed.get(
        reactions={"recent": True, "counts": True, "own": True, "kinds": ["like", "share"]},
        user_id="rob",
    )["results"]
    assert a["latest_reactions"] == {"like": [other_like, like]}
    assert a["reaction_counts"] == {"like": 2}
    assert a["own_reactions"] == {}


def test_deleted_reactions_leave_the_counts(v2_client, v2_feed):
    feed, _, like, other_like, comment = _with_reactions(v2_client, v2_feed)
    v2_client.reactions.delete(like["id"])
    v2_client.reactions.delete(comment["id"], soft=True)
    [a] = feed.get(reactions={"recent": True, "counts": True})["results"]
    assert a["reaction_counts"] == {"like": 1}
    assert a["latest_reactions"] == {"like": [other_like]}


def test_get_activities_enriched_by_id_and_by_foreign_id(v2_client, v2_feed):
    """stream-python's test_get_activities_full_with_enrichment."""
    when = datetime.now(timezone.utc).replace(tzinfo=None)
    actor = without_duration(v2_client.users.add(_uid(), data={"name": "barry"}))
    feed = v2_feed()
    fid = f"awesome-{uuid.uuid4().hex[:8]}"
    activity = feed.add_activity(
        {"actor": v2_client.users.create_reference(actor["id"]), "object": "09", "verb": "tweet",
         "time": when, "foreign_id": fid}
    )
    like = v2_client.reactions.add("like", activity["id"], "liker")
    reshare = v2_client.reactions.add("reshare", activity["id"], "sharer")
    reactions = {"recent": True, "counts": True}
    for resp in (
        v2_client.get_activities(ids=[activity["id"]], reactions=reactions),
        v2_client.get_activities(foreign_id_times=[(fid, when)], reactions=reactions),
    ):
        [a] = resp["results"]
        assert (a["id"], a["foreign_id"]) == (activity["id"], fid)
        assert a["actor"] == actor
        assert a["latest_reactions"]["like"][0]["id"] == like["id"]
        assert a["latest_reactions"]["reshare"][0]["id"] == reshare["id"]
        assert a["reaction_counts"] == {"like": 1, "reshare": 1}
    narrowed = v2_client.get_activities(
        ids=[activity["id"]], reactions={**reactions, "kinds": ["like", "comment"]}
    )["results"][0]
    assert list(narrowed["latest_reactions"]) == ["like"]
    assert narrowed["reaction_counts"] == {"like": 1}


def test_enriched_read_of_a_follower_feed(v2_client, v2_feed):
    user = without_duration(v2_client.users.add(_uid(), {"name": "Ann"}))
    source, follower = v2_feed(), v2_feed("timeline")
    follower.follow(source.slug, source.user_id)
    aid = source.add_activity({"actor": f"SU:{user['id']}", "verb": "post", "object": "1"})["id"]
    v2_client.reactions.add("like", aid, "x")
    [a] = follower.get(enrich=True, reactions={"counts": True})["results"]
    assert (a["id"], a["origin"], a["actor"]) == (aid, source.id, user)
    assert a["reaction_counts"] == {"like": 1}
