"""Feed groups v3 through the SDK: list (with the built-in groups), create with custom
settings, get, get-or-create, update, soft and hard delete, restore, and the errors
(duplicates, built-ins, missing groups, user tokens)."""

from __future__ import annotations

import pytest
from getstream.models import AggregationConfig, FeedInput, RankingConfig

from conformance_support import assert_api_error, assert_duration, assert_recent, uid

BUILT_IN = ("user", "timeline", "foryou", "notification", "story", "stories")

AGGREGATION_FORMAT = "{{ type }}-{{ time.strftime('%Y-%m-%d') }}"


def _group_id() -> str:
    return uid("g").replace("-", "_")


def _create(client, **kwargs):
    group_id = kwargs.pop("id", None) or _group_id()
    resp = client.feeds.create_feed_group(id=group_id, **kwargs)
    assert_duration(resp.data.duration)
    assert resp.data.feed_group.id == group_id
    return resp.data.feed_group


# --- listing -------------------------------------------------------------------------------


def _list_groups(client, **kwargs):
    """list_feed_groups; the SDK's ListFeedGroupsResponse wants `groups` as an object keyed
    by group id, and a list there makes the SDK itself blow up while decoding."""
    try:
        resp = client.feeds.list_feed_groups(**kwargs)
    except (KeyError, TypeError, AttributeError, ValueError) as err:
        pytest.fail(
            "the SDK could not decode the list_feed_groups response (ListFeedGroupsResponse."
            f"groups must be an object keyed by group id): {type(err).__name__}: {err}"
        )
    assert_duration(resp.data.duration)
    groups = resp.data.groups
    assert isinstance(groups, dict), f"groups must be an object keyed by id: {groups!r}"
    return groups


def test_list_feed_groups_includes_built_ins_and_created_groups(client):
    created = _create(client)
    groups = _list_groups(client)
    for gid in BUILT_IN + (created.id,):
        assert gid in groups, f"{gid} missing from {sorted(groups)}"
        assert groups[gid].id == gid


def test_list_feed_groups_shows_soft_deleted_only_on_request(client):
    group = _create(client)
    client.feeds.delete_feed_group(id=group.id)
    listed = _list_groups(client)
    assert group.id not in listed
    with_deleted = _list_groups(client, include_soft_deleted=True)
    assert group.id in with_deleted
    assert with_deleted[group.id].deleted_at is not None


def test_built_in_groups_can_be_read(client):
    for gid in BUILT_IN:
        resp = client.feeds.get_feed_group(id=gid)
        assert_duration(resp.data.duration)
        assert resp.data.feed_group.id == gid
        assert resp.data.feed_group.deleted_at is None


# --- create, get, get-or-create, update ----------------------------------------------------


def test_create_feed_group_with_settings_round_trips(client):
    group = _create(
        client,
        default_visibility="public",
        aggregation=AggregationConfig(format=AGGREGATION_FORMAT),
        ranking=RankingConfig(type="expression", score="decay_linear(time) * popularity"),
        custom={"team": "conformance", "level": 3, "nested": {"ok": True}},
    )
    assert group.default_visibility == "public"
    assert group.aggregation is not None and group.aggregation.format == AGGREGATION_FORMAT
    assert group.ranking is not None
    assert group.ranking.type == "expression"
    assert group.ranking.score == "decay_linear(time) * popularity"
    assert group.custom == {"team": "conformance", "level": 3, "nested": {"ok": True}}
    assert_recent(group.created_at)
    assert_recent(group.updated_at)
    assert group.deleted_at is None

    got = client.feeds.get_feed_group(id=group.id)
    assert_duration(got.data.duration)
    read = got.data.feed_group
    assert read.id == group.id
    assert read.default_visibility == "public"
    assert read.aggregation.format == AGGREGATION_FORMAT
    assert read.ranking.type == "expression"
    assert read.ranking.score == "decay_linear(time) * popularity"
    assert read.custom == {"team": "conformance", "level": 3, "nested": {"ok": True}}
    assert read.created_at == group.created_at


def test_get_or_create_feed_group_creates_once(client):
    group_id = _group_id()
    first = client.feeds.get_or_create_feed_group(
        id=group_id, custom={"v": 1}, default_visibility="visible"
    )
    assert_duration(first.data.duration)
    assert first.data.was_created is True
    assert first.data.feed_group.id == group_id
    assert first.data.feed_group.custom == {"v": 1}
    assert first.data.feed_group.default_visibility == "visible"

    second = client.feeds.get_or_create_feed_group(id=group_id, custom={"v": 2})
    assert second.data.was_created is False
    # An existing group is returned as it is, not changed.
    assert second.data.feed_group.custom == {"v": 1}
    assert second.data.feed_group.created_at == first.data.feed_group.created_at

    assert client.feeds.get_feed_group(id=group_id).data.feed_group.custom == {"v": 1}


def test_update_feed_group(client):
    group = _create(client, custom={"a": 1}, aggregation=AggregationConfig(format="{{ type }}"))
    resp = client.feeds.update_feed_group(
        id=group.id,
        custom={"b": 2},
        ranking=RankingConfig(type="expression", score="popularity"),
    )
    assert_duration(resp.data.duration)
    updated = resp.data.feed_group
    assert updated.id == group.id
    assert updated.custom == {"b": 2}
    assert updated.ranking.type == "expression"
    assert updated.ranking.score == "popularity"
    # Settings not named in the update stay.
    assert updated.aggregation.format == "{{ type }}"
    assert updated.updated_at >= group.updated_at
    assert updated.created_at == group.created_at

    read = client.feeds.get_feed_group(id=group.id).data.feed_group
    assert read.custom == {"b": 2}
    assert read.ranking.score == "popularity"
    assert read.aggregation.format == "{{ type }}"


def test_feeds_can_be_created_in_a_custom_group(client, user):
    group = _create(client)
    resp = client.feeds.get_or_create_feed(
        feed_group_id=group.id, feed_id=user, user_id=user, data=FeedInput(name="custom")
    )
    assert resp.data.created is True
    assert resp.data.feed.feed == f"{group.id}:{user}"
    assert resp.data.feed.group_id == group.id


# --- delete and restore --------------------------------------------------------------------


def test_soft_delete_then_restore_feed_group(client, user):
    group = _create(client, custom={"keep": "me"})
    deleted = client.feeds.delete_feed_group(id=group.id)
    assert_duration(deleted.data.duration)

    assert_api_error(lambda: client.feeds.get_feed_group(id=group.id), 16, 404)
    # Soft-deleted: still readable when asked for.
    hidden = client.feeds.get_feed_group(id=group.id, include_soft_deleted=True).data.feed_group
    assert hidden.id == group.id
    assert_recent(hidden.deleted_at)
    # Its feeds are gone with it.
    assert_api_error(
        lambda: client.feeds.get_or_create_feed(
            feed_group_id=group.id, feed_id=user, user_id=user
        ),
        16,
        404,
    )

    restored = client.feeds.restore_feed_group(feed_group_id=group.id)
    assert_duration(restored.data.duration)
    assert restored.data.feed_group.id == group.id
    assert restored.data.feed_group.deleted_at is None
    assert restored.data.feed_group.custom == {"keep": "me"}

    read = client.feeds.get_feed_group(id=group.id).data.feed_group
    assert read.deleted_at is None
    assert read.custom == {"keep": "me"}
    feed = client.feeds.get_or_create_feed(feed_group_id=group.id, feed_id=user, user_id=user)
    assert feed.data.feed.group_id == group.id


def test_hard_delete_feed_group(client):
    group = _create(client)
    client.feeds.delete_feed_group(id=group.id, hard_delete=True)
    assert_api_error(
        lambda: client.feeds.get_feed_group(id=group.id, include_soft_deleted=True), 16, 404
    )
    assert_api_error(lambda: client.feeds.restore_feed_group(feed_group_id=group.id), 16, 404)


# --- errors --------------------------------------------------------------------------------


def test_duplicate_create_is_an_input_error(client):
    group = _create(client)
    assert_api_error(lambda: client.feeds.create_feed_group(id=group.id), 4, 400)


def test_creating_a_built_in_group_is_an_input_error(client):
    assert_api_error(lambda: client.feeds.create_feed_group(id="user"), 4, 400)


def test_deleting_a_built_in_group_is_an_input_error(client):
    for gid in ("user", "timeline"):
        assert_api_error(lambda: client.feeds.delete_feed_group(id=gid), 4, 400)
    # And it is still there.
    assert client.feeds.get_feed_group(id="user").data.feed_group.id == "user"


def test_missing_group_is_not_found(client):
    missing = _group_id()
    assert_api_error(lambda: client.feeds.get_feed_group(id=missing), 16, 404)
    assert_api_error(lambda: client.feeds.update_feed_group(id=missing, custom={}), 16, 404)
    assert_api_error(lambda: client.feeds.delete_feed_group(id=missing), 16, 404)
    assert_api_error(lambda: client.feeds.restore_feed_group(feed_group_id=missing), 16, 404)


def test_invalid_group_id_is_an_input_error(client):
    assert_api_error(lambda: client.feeds.create_feed_group(id="no spaces allowed"), 4, 400)


def test_user_tokens_cannot_manage_feed_groups(client, user, user_client):
    as_user = user_client(user)
    assert_api_error(lambda: as_user.feeds.create_feed_group(id=_group_id()), 17, 403)
    assert_api_error(lambda: as_user.feeds.get_or_create_feed_group(id=_group_id()), 17, 403)
    group = _create(client, custom={"owner": "server"})
    assert_api_error(
        lambda: as_user.feeds.update_feed_group(id=group.id, custom={"owner": "user"}), 17, 403
    )
    assert_api_error(lambda: as_user.feeds.delete_feed_group(id=group.id), 17, 403)
    # Nothing changed.
    read = client.feeds.get_feed_group(id=group.id).data.feed_group
    assert read.custom == {"owner": "server"}
    assert read.deleted_at is None
