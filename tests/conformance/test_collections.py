"""v3 collections through `getstream`: create, read, update, upsert, delete and query (with
cursors), a user token writing only its own collections, bad input refused with nothing
changed, activities reading with their referenced collections enriched (and updated on
the next read), and activities written with inline `collections` (created or updated with
them, their refs joining `collection_refs`, refused whole for someone else's)."""

from __future__ import annotations

from getstream.models import (
    ActivityRequest,
    CollectionRequest,
    SortParamRequest,
    UpdateCollectionRequest,
)

from conformance_support import assert_api_error, assert_duration, assert_recent, fid_for, uid

INPUT = dict(code=4, status=400)
NOT_ALLOWED = dict(code=17, status=403)
NOT_FOUND = dict(code=16, status=404)


def _refs(name, *ids):
    return [f"{name}:{i}" for i in ids]


def test_create_read_update_upsert_delete(client):
    name = uid("movies")
    created = client.feeds.create_collections(
        collections=[
            CollectionRequest(name=name, id="lotr", custom={"title": "LOTR", "rating": 9}),
            CollectionRequest(name=name, custom={"title": "untitled"}, user_id="amy"),
        ]
    )
    assert_duration(created.data.duration)
    lotr, other = created.data.collections
    assert (lotr.name, lotr.id, lotr.custom) == (name, "lotr", {"title": "LOTR", "rating": 9})
    assert lotr.user_id is None
    assert_recent(lotr.created_at)
    assert other.id and other.user_id == "amy"

    read = client.feeds.read_collections(collection_refs=_refs(name, other.id, "missing", "lotr"))
    assert [c.id for c in read.data.collections] == [other.id, "lotr"]

    updated = client.feeds.update_collections(
        collections=[UpdateCollectionRequest(name=name, id="lotr", custom={"title": "The Lord"})]
    )
    (u,) = updated.data.collections
    assert u.custom == {"title": "The Lord"}
    assert u.created_at == lotr.created_at and u.updated_at > lotr.updated_at

    upserted = client.feeds.upsert_collections(
        collections=[
            CollectionRequest(name=name, id="lotr", custom={"title": "LOTR 2"}),
            CollectionRequest(name=name, id="hobbit", custom={"title": "Hobbit"}),
        ]
    )
    assert [c.id for c in upserted.data.collections] == ["lotr", "hobbit"]
    assert upserted.data.collections[0].created_at == lotr.created_at

    deleted = client.feeds.delete_collections(collection_refs=_refs(name, "hobbit", "missing"))
    assert_duration(deleted.data.duration)
    read = client.feeds.read_collections(collection_refs=_refs(name, "hobbit", "lotr"))
    assert [(c.id, c.custom["title"]) for c in read.data.collections] == [("lotr", "LOTR 2")]


def test_creating_an_existing_collection_creates_nothing(client):
    name = uid("c")
    client.feeds.create_collections(collections=[CollectionRequest(name=name, id="a", custom={"x": 1})])
    assert_api_error(
        lambda: client.feeds.create_collections(
            collections=[
                CollectionRequest(name=name, id="b", custom={"x": 2}),
                CollectionRequest(name=name, id="a", custom={"x": 3}),
            ]
        ),
        **INPUT,
    )
    read = client.feeds.read_collections(collection_refs=_refs(name, "a", "b"))
    assert [(c.id, c.custom) for c in read.data.collections] == [("a", {"x": 1})]


def test_updating_a_missing_collection_is_not_found(client):
    name = uid("c")
    assert_api_error(
        lambda: client.feeds.update_collections(
            collections=[UpdateCollectionRequest(name=name, id="none", custom={"x": 1})]
        ),
        **NOT_FOUND,
    )


def test_bad_input_is_refused_naming_the_field(client):
    name = uid("c")
    good = CollectionRequest(name=name, id="ok", custom={"x": 1})
    for bad, field in [
        (CollectionRequest(name=name, id="x", custom={}), "custom"),
        (CollectionRequest(name="bad name!", id="x", custom={"x": 1}), "name"),
        (CollectionRequest(name=name, id="a#b", custom={"x": 1}), "id"),
    ]:
        exc = assert_api_error(
            lambda: client.feeds.create_collections(collections=[good, bad]), **INPUT
        )
        assert field in exc.message, exc.message
    too_many = [CollectionRequest(name=name, id=f"i{i}", custom={"x": 1}) for i in range(101)]
    assert_api_error(lambda: client.feeds.upsert_collections(collections=too_many), **INPUT)
    assert_api_error(
        lambda: client.feeds.read_collections(collection_refs=["no-colon"]), **INPUT
    )
    read = client.feeds.read_collections(collection_refs=_refs(name, "ok", "i0"))
    assert read.data.collections == []


def test_query_collections_pages_both_ways(client):
    name = uid("books")
    for i in range(5):
        client.feeds.create_collections(
            collections=[CollectionRequest(name=name, id=f"b{i}", custom={"n": i, "even": i % 2 == 0})]
        )
    first = client.feeds.query_collections(filter={"name": name}, limit=2)
    assert [c.id for c in first.data.collections] == ["b4", "b3"]
    assert first.data.prev is None and first.data.next
    second = client.feeds.query_collections(filter={"name": name}, limit=2, next=first.data.next)
    assert [c.id for c in second.data.collections] == ["b2", "b1"]
    back = client.feeds.query_collections(filter={"name": name}, limit=2, prev=second.data.prev)
    assert [c.id for c in back.data.collections] == ["b4", "b3"]
    oldest = client.feeds.query_collections(
        filter={"name": name, "custom.even": True},
        sort=[SortParamRequest(field="created_at", direction=1)],
    )
    assert [c.id for c in oldest.data.collections] == ["b0", "b2", "b4"]
    assert oldest.data.next is None


def test_user_tokens_write_only_their_own(client, make_user, user_client):
    amy, bob = make_user(), make_user()
    name = uid("notes")
    as_amy, as_bob = user_client(amy), user_client(bob)
    mine = as_amy.feeds.create_collections(
        collections=[CollectionRequest(name=name, id="n1", custom={"t": "amy's"})]
    )
    assert mine.data.collections[0].user_id == amy
    assert_api_error(
        lambda: as_amy.feeds.create_collections(
            collections=[CollectionRequest(name=name, id="n2", custom={"t": 1}, user_id=bob)]
        ),
        **NOT_ALLOWED,
    )
    change = [UpdateCollectionRequest(name=name, id="n1", custom={"t": "bob's"})]
    assert_api_error(lambda: as_bob.feeds.update_collections(collections=change), **NOT_ALLOWED)
    assert_api_error(
        lambda: as_bob.feeds.upsert_collections(
            collections=[CollectionRequest(name=name, id="n1", custom={"t": "bob's"})]
        ),
        **NOT_ALLOWED,
    )
    assert_api_error(
        lambda: as_bob.feeds.delete_collections(collection_refs=_refs(name, "n1")), **NOT_ALLOWED
    )
    assert_api_error(
        lambda: as_bob.feeds.read_collections(collection_refs=_refs(name, "n1")), **NOT_ALLOWED
    )
    assert as_bob.feeds.query_collections(filter={"name": name}).data.collections == []
    assert [c.id for c in as_amy.feeds.query_collections(filter={"name": name}).data.collections] == ["n1"]
    read = client.feeds.read_collections(collection_refs=_refs(name, "n1", "n2"))
    assert [(c.id, c.custom) for c in read.data.collections] == [("n1", {"t": "amy's"})]
    as_amy.feeds.delete_collections(collection_refs=_refs(name, "n1"))
    assert client.feeds.read_collections(collection_refs=_refs(name, "n1")).data.collections == []


def test_activities_read_with_their_collections(client, user):
    name = uid("products")
    client.feeds.create_collections(
        collections=[CollectionRequest(name=name, id="p1", custom={"price": 10})]
    )
    p1, gone = f"{name}:p1", f"{name}:gone"
    feed = fid_for(user)
    added = client.feeds.add_activity(
        type="post", feeds=[feed], user_id=user, text="sale", collection_refs=[p1, gone]
    )
    activity_id = added.data.activity.id

    got = client.feeds.get_activity(id=activity_id).data.activity
    assert got.collections[p1].status == "ok"
    assert got.collections[p1].custom == {"price": 10}
    assert got.collections[p1].name == name and got.collections[p1].id == "p1"
    assert got.collections[gone].status == "notfound"

    client.feeds.update_collections(
        collections=[UpdateCollectionRequest(name=name, id="p1", custom={"price": 12})]
    )
    group, feed_id = feed.split(":")
    read = client.feeds.get_or_create_feed(feed_group_id=group, feed_id=feed_id, user_id=user)
    (activity,) = read.data.activities
    assert activity.collections[p1].custom == {"price": 12}
    assert activity.collections[gone].status == "notfound"


def test_add_activity_writes_inline_collections(client, user):
    name = uid("menu")
    client.feeds.create_collections(
        collections=[CollectionRequest(name=name, id="soup", custom={"price": 4})]
    )
    before = client.feeds.read_collections(collection_refs=_refs(name, "soup")).data.collections[0]
    bread, soup, pie = _refs(name, "bread", "soup", "pie")
    added = client.feeds.add_activity(
        type="post",
        feeds=[fid_for(user)],
        user_id=user,
        collection_refs=[bread, soup],
        collections=[
            CollectionRequest(name=name, id="pie", custom={"price": 6}),
            CollectionRequest(name=name, id="soup", custom={"price": 5}),
        ],
    )
    activity = added.data.activity
    assert sorted(activity.collections) == sorted([bread, soup, pie])
    assert activity.collections[pie].status == "ok"
    assert activity.collections[pie].custom == {"price": 6}
    assert activity.collections[soup].custom == {"price": 5}
    assert activity.collections[bread].status == "notfound"

    got = client.feeds.get_activity(id=activity.id).data.activity
    assert got.collections[pie].custom == {"price": 6}
    assert got.collections[soup].custom == {"price": 5}
    read = client.feeds.read_collections(collection_refs=_refs(name, "soup", "pie")).data.collections
    assert [(c.id, c.custom) for c in read] == [("soup", {"price": 5}), ("pie", {"price": 6})]
    assert read[0].created_at == before.created_at
    assert read[0].updated_at > before.updated_at


def test_upsert_activities_write_inline_collections(client, user):
    name = uid("tags")
    tag = f"{name}:t"
    upserted = client.feeds.upsert_activities(
        activities=[
            ActivityRequest(
                type="post",
                feeds=[fid_for(user)],
                user_id=user,
                collections=[CollectionRequest(name=name, id="t", custom={"v": 1})],
            )
        ]
    )
    (activity,) = upserted.data.activities
    assert list(activity.collections) == [tag]
    assert activity.collections[tag].custom == {"v": 1}
    read = client.feeds.read_collections(collection_refs=[tag]).data.collections
    assert [(c.id, c.custom, c.user_id) for c in read] == [("t", {"v": 1}, user)]


def test_inline_collections_follow_the_ownership_rules(client, make_user, user_client):
    amy, bob = make_user(), make_user()
    name = uid("lists")
    as_amy, as_bob = user_client(amy), user_client(bob)
    as_amy.feeds.create_collections(
        collections=[CollectionRequest(name=name, id="l1", custom={"t": "amy's"})]
    )
    activity_id = uid("act")
    assert_api_error(
        lambda: as_bob.feeds.add_activity(
            id=activity_id,
            type="post",
            feeds=[fid_for(bob)],
            collections=[
                CollectionRequest(name=name, id="l2", custom={"t": "bob's"}),
                CollectionRequest(name=name, id="l1", custom={"t": "bob's"}),
            ],
        ),
        **NOT_ALLOWED,
    )
    read = client.feeds.read_collections(collection_refs=_refs(name, "l1", "l2")).data.collections
    assert [(c.id, c.custom) for c in read] == [("l1", {"t": "amy's"})]
    assert_api_error(lambda: client.feeds.get_activity(id=activity_id), **NOT_FOUND)

    # Referencing hers needs no permission; writing his own does not either.
    l1, l2 = _refs(name, "l1", "l2")
    added = as_bob.feeds.add_activity(
        id=activity_id,
        type="post",
        feeds=[fid_for(bob)],
        collection_refs=[l1],
        collections=[CollectionRequest(name=name, id="l2", custom={"t": "bob's"})],
    ).data.activity
    assert sorted(added.collections) == sorted([l1, l2])
    assert added.collections[l1].custom == {"t": "amy's"}
    assert added.collections[l2].user_id == bob


def test_inline_collections_bad_input_names_the_field(client, user):
    name = uid("bad")
    activity_id = uid("act")
    exc = assert_api_error(
        lambda: client.feeds.add_activity(
            id=activity_id,
            type="post",
            feeds=[fid_for(user)],
            user_id=user,
            collections=[
                CollectionRequest(name=name, id="ok", custom={"x": 1}),
                CollectionRequest(name=name, id="a#b", custom={"x": 1}),
            ],
        ),
        **INPUT,
    )
    assert "collections[1].id" in exc.message, exc.message
    listed = [f"{name}:r{i}" for i in range(250)]
    exc = assert_api_error(
        lambda: client.feeds.add_activity(
            id=activity_id,
            type="post",
            feeds=[fid_for(user)],
            user_id=user,
            collection_refs=listed,
            collections=[
                CollectionRequest(name=name, id=f"c{i}", custom={"x": i}) for i in range(6)
            ],
        ),
        **INPUT,
    )
    assert "collections" in exc.message, exc.message
    assert client.feeds.read_collections(collection_refs=_refs(name, "ok", "c0")).data.collections == []
    assert_api_error(lambda: client.feeds.get_activity(id=activity_id), **NOT_FOUND)
