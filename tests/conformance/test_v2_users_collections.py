"""v2 users (`client.users`) and collections (`client.collections`) through `stream-python`:
add (plain and get_or_create), get (with follow counts), update, delete; collection entries
added with and without ids, read, updated, deleted, and the batch forms (upsert, select,
delete_many)."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest
from stream.exceptions import DoesNotExistException, StreamApiException

from conformance_support import assert_duration, assert_v2_error, without_duration

USER_KEYS = {"id", "data", "created_at", "updated_at"}
ENTRY_KEYS = {"id", "collection", "foreign_id", "data", "created_at", "updated_at"}


def _uid():
    return f"u-{uuid.uuid4().hex[:16]}"


# --- users ----------------------------------------------------------------------------------


def test_add_and_get_a_user(v2_client):
    user_id = _uid()
    added = v2_client.users.add(user_id, {"name": "Barry", "age": 42})
    assert_duration(added["duration"])
    assert set(without_duration(added)) == USER_KEYS
    assert (added["id"], added["data"]) == (user_id, {"name": "Barry", "age": 42})
    assert isinstance(added["created_at"], datetime)
    assert without_duration(v2_client.users.get(user_id)) == without_duration(added)


def test_a_user_without_data_has_empty_data(v2_client):
    added = v2_client.users.add(_uid())
    assert added["data"] == {}
    assert v2_client.users.get(added["id"])["data"] == {}


def test_get_or_create_answers_the_stored_user(v2_client):
    user_id = _uid()
    first = v2_client.users.add(user_id, {"name": "first"})
    again = v2_client.users.add(user_id, {"name": "second"}, get_or_create=True)
    assert without_duration(again) == without_duration(first)
    assert v2_client.users.get(user_id)["data"] == {"name": "first"}


def test_adding_an_existing_user_is_a_conflict(v2_client):
    user_id = _uid()
    v2_client.users.add(user_id, {"name": "first"})
    with pytest.raises(StreamApiException) as info:
        v2_client.users.add(user_id, {"name": "second"})
    assert info.value.status_code == 409, info.value
    assert v2_client.users.get(user_id)["data"] == {"name": "first"}


def test_get_with_follow_counts(v2_client, v2_feed):
    user_id = _uid()
    v2_client.users.add(user_id)
    feed = v2_client.feed("user", user_id)
    v2_feed("timeline").follow(feed.slug, feed.user_id)
    timeline = v2_client.feed("timeline", user_id)
    timeline.follow(feed.slug, v2_feed().user_id)
    got = v2_client.users.get(user_id, with_follow_counts=True)
    assert got["id"] == user_id
    assert isinstance(got["followers_count"], int) and isinstance(got["following_count"], int)
    assert (got["followers_count"], got["following_count"]) == (1, 1)
    assert "followers_count" not in v2_client.users.get(user_id)


def test_update_a_user(v2_client):
    user_id = _uid()
    added = v2_client.users.add(user_id, {"name": "Barry"})
    updated = v2_client.users.update(user_id, {"changed": True})
    assert_duration(updated["duration"])
    assert updated["data"] == {"changed": True}
    got = v2_client.users.get(user_id)
    assert got["data"] == {"changed": True}
    assert got["created_at"] == added["created_at"] and got["updated_at"] >= added["updated_at"]


def test_update_of_an_unknown_user_does_not_exist(v2_client):
    assert_v2_error(
        lambda: v2_client.users.update(_uid(), {"a": 1}), DoesNotExistException, 16, 404
    )


def test_delete_a_user(v2_client):
    user_id = _uid()
    v2_client.users.add(user_id)
    assert_duration(v2_client.users.delete(user_id)["duration"])
    assert_v2_error(lambda: v2_client.users.get(user_id), DoesNotExistException, 16, 404)


def test_getting_an_unknown_user_does_not_exist(v2_client):
    assert_v2_error(lambda: v2_client.users.get(_uid()), DoesNotExistException, 16, 404)


# --- collections ------------------------------------------------------------------------------


def _collection():
    return f"items{uuid.uuid4().hex[:8]}"


def test_add_and_get_an_entry(v2_client):
    name, entry_id = _collection(), _uid()
    added = v2_client.collections.add(name, {"data": 1}, id=entry_id, user_id="tom")
    assert_duration(added["duration"])
    assert ENTRY_KEYS <= set(without_duration(added)), without_duration(added)
    assert (added["id"], added["collection"], added["foreign_id"], added["data"]) == (
        entry_id, name, f"{name}:{entry_id}", {"data": 1}
    )
    got = v2_client.collections.get(name, entry_id)
    assert without_duration(got) == without_duration(added)


def test_add_without_an_id_gets_one(v2_client):
    name = _collection()
    a = v2_client.collections.add(name, {"data": 1})
    b = v2_client.collections.add(name, {"data": 2})
    assert isinstance(a["id"], str) and a["id"] and a["id"] != b["id"]
    assert v2_client.collections.get(name, a["id"])["data"] == {"data": 1}


def test_adding_an_existing_entry_is_a_conflict(v2_client):
    name, entry_id = _collection(), _uid()
    v2_client.collections.add(name, {"data": 1}, id=entry_id)
    with pytest.raises(StreamApiException) as info:
        v2_client.collections.add(name, {"data": 2}, id=entry_id)
    assert info.value.status_code == 409, info.value
    assert v2_client.collections.get(name, entry_id)["data"] == {"data": 1}


def test_update_an_entry(v2_client):
    name, entry_id = _collection(), _uid()
    added = v2_client.collections.add(name, {"data": 1}, id=entry_id)
    updated = v2_client.collections.update(name, entry_id, data={"changed": True})
    assert updated["data"] == {"changed": True}
    got = v2_client.collections.get(name, entry_id)
    assert got["data"] == {"changed": True} and got["created_at"] == added["created_at"]


def test_delete_an_entry(v2_client):
    name, entry_id = _collection(), _uid()
    v2_client.collections.add(name, {"data": 1}, id=entry_id)
    assert_duration(v2_client.collections.delete(name, entry_id)["duration"])
    assert_v2_error(
        lambda: v2_client.collections.get(name, entry_id), DoesNotExistException, 16, 404
    )


def test_getting_an_unknown_entry_does_not_exist(v2_client):
    assert_v2_error(
        lambda: v2_client.collections.get(_collection(), _uid()), DoesNotExistException, 16, 404
    )


def test_upsert_select_and_delete_many(v2_client):
    name = _collection()
    resp = v2_client.collections.upsert(
        name, [{"id": "1", "name": "one"}, {"id": "2", "name": "two"}, {"id": "3", "name": "x"}]
    )
    assert_duration(resp["duration"])
    v2_client.collections.upsert(name, {"id": "3", "name": "three"})
    selected = v2_client.collections.select(name, ["1", "3", "404"])
    found = {e["foreign_id"]: e for e in selected["response"]["data"]}
    assert set(found) == {f"{name}:1", f"{name}:3"}
    assert found[f"{name}:3"]["data"]["name"] == "three"
    assert_duration(v2_client.collections.delete_many(name, ["1", "2"])["duration"])
    left = v2_client.collections.select(name, ["1", "2", "3"])["response"]["data"]
    assert [e["foreign_id"] for e in left] == [f"{name}:3"]
    assert_v2_error(lambda: v2_client.collections.get(name, "1"), DoesNotExistException, 16, 404)
