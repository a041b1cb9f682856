"""Input validation and not-found errors on the activities endpoints.

Every error is a StreamApiException carrying Stream's code and HTTP status, and the full error
envelope (code, message, StatusCode, duration, more_info, details) checked by assert_api_error.
"""

from __future__ import annotations

import pytest
from getstream.exceptions import StreamApiException
from getstream.models import ActivityRequest

from conformance_support import assert_api_error, assert_error_envelope, uid

INPUT = dict(code=4, status=400)
NOT_FOUND = dict(code=16, status=404)


def _add(client, **kwargs):
    return lambda: client.feeds.add_activity(**kwargs)


# --- add_activity validation -------------------------------------------------------------------


def test_missing_type(client, feed, user):
    # type=None is dropped from the JSON body by the SDK, so the field is absent.
    exc = assert_api_error(
        _add(client, type=None, feeds=[feed], user_id=user, text="x"), **INPUT
    )
    assert "type" in exc.message


def test_empty_type(client, feed, user):
    exc = assert_api_error(_add(client, type="", feeds=[feed], user_id=user, text="x"), **INPUT)
    assert "type" in exc.message


def test_empty_feeds(client, user):
    exc = assert_api_error(_add(client, type="post", feeds=[], user_id=user, text="x"), **INPUT)
    assert "feeds" in exc.message


def test_missing_feeds(client, user):
    exc = assert_api_error(
        _add(client, type="post", feeds=None, user_id=user, text="x"), **INPUT
    )
    assert "feeds" in exc.message


def test_too_many_feeds(client, user):
    feeds = [f"user:{uid('f')}" for _ in range(256)]
    exc = assert_api_error(_add(client, type="post", feeds=feeds, user_id=user, text="x"), **INPUT)
    assert "feeds" in exc.message


def test_unknown_feed_group(client, user):
    assert_api_error(
        _add(client, type="post", feeds=["nosuchgroup:x"], user_id=user, text="x"), **INPUT
    )


@pytest.mark.parametrize("bad_fid", ["user", "user:", ":abc", ""])
def test_malformed_fid(client, user, bad_fid):
    assert_api_error(_add(client, type="post", feeds=[bad_fid], user_id=user, text="x"), **INPUT)


def test_tag_visibility_requires_visibility_tag(client, feed, user):
    exc = assert_api_error(
        _add(client, type="post", feeds=[feed], user_id=user, text="x", visibility="tag"),
        **INPUT,
    )
    assert "visibility_tag" in exc.message


def test_unknown_visibility(client, feed, user):
    assert_api_error(
        _add(client, type="post", feeds=[feed], user_id=user, text="x", visibility="friends"),
        **INPUT,
    )


def test_unknown_restrict_replies(client, feed, user):
    assert_api_error(
        _add(client, type="post", feeds=[feed], user_id=user, text="x", restrict_replies="some"),
        **INPUT,
    )


def test_activity_over_10kb(client, feed, user):
    assert_api_error(
        _add(client, type="post", feeds=[feed], user_id=user, text="x" * 11_000), **INPUT
    )


def test_bad_expires_at(client, feed, user):
    assert_api_error(
        _add(client, type="post", feeds=[feed], user_id=user, text="x", expires_at="tomorrow"),
        **INPUT,
    )


def test_share_of_missing_parent(client, feed, user):
    exc = pytest.raises(
        StreamApiException,
        client.feeds.add_activity,
        type="post",
        feeds=[feed],
        user_id=user,
        text="x",
        parent_id=uid("missing"),
    ).value
    assert (exc.status_code, exc.code) in {(400, 4), (404, 16)}, exc.raw_response_body
    assert_error_envelope(exc)


def test_duplicate_client_id_is_refused(client, feed, user):
    activity_id = uid("act")
    client.feeds.add_activity(
        id=activity_id, type="post", feeds=[feed], user_id=user, text="original"
    )
    with pytest.raises(StreamApiException) as info:
        client.feeds.add_activity(
            id=activity_id, type="post", feeds=[feed], user_id=user, text="impostor"
        )
    exc = info.value
    assert exc.status_code in (400, 409), exc.raw_response_body
    if exc.status_code == 400:
        assert exc.code == 4
    assert_error_envelope(exc)
    read = client.feeds.get_activity(activity_id).data.activity
    assert read.text == "original"


# --- partial update validation -----------------------------------------------------------------


@pytest.fixture
def activity(client, feed, user):
    return client.feeds.add_activity(
        type="post", feeds=[feed], user_id=user, text="target", custom={"topic": "t"}
    ).data.activity


def test_unset_unknown_field(client, user, activity):
    assert_api_error(
        lambda: client.feeds.update_activity_partial(
            activity.id, user_id=user, unset=["nonexistent_field"]
        ),
        **INPUT,
    )


@pytest.mark.parametrize("field", ["id", "type", "user_id", "created_at", "nonexistent_field"])
def test_set_reserved_or_unknown_field(client, user, activity, field):
    assert_api_error(
        lambda: client.feeds.update_activity_partial(
            activity.id, user_id=user, set={field: "x"}
        ),
        **INPUT,
    )
    read = client.feeds.get_activity(activity.id).data.activity
    assert read.id == activity.id
    assert read.type == "post"


def test_dotted_set_through_missing_hierarchy(client, user, activity):
    # Dotted paths may create a leaf, but every parent on the path must already exist.
    assert_api_error(
        lambda: client.feeds.update_activity_partial(
            activity.id, user_id=user, set={"custom.colors.blue": 1}
        ),
        **INPUT,
    )
    assert client.feeds.get_activity(activity.id).data.activity.custom == {"topic": "t"}


def test_conflicting_set_and_unset(client, user, activity):
    assert_api_error(
        lambda: client.feeds.update_activity_partial(
            activity.id, user_id=user, set={"custom.topic": "new"}, unset=["custom.topic"]
        ),
        **INPUT,
    )
    assert client.feeds.get_activity(activity.id).data.activity.custom == {"topic": "t"}


def test_partial_update_over_10kb(client, user, activity):
    assert_api_error(
        lambda: client.feeds.update_activity_partial(
            activity.id, user_id=user, set={"text": "y" * 11_000}
        ),
        **INPUT,
    )
    assert client.feeds.get_activity(activity.id).data.activity.text == "target"


# --- missing activities --------------------------------------------------------------------------


def test_get_missing_activity(client):
    assert_api_error(lambda: client.feeds.get_activity(uid("missing")), **NOT_FOUND)


def test_update_missing_activity(client, user):
    assert_api_error(
        lambda: client.feeds.update_activity(uid("missing"), user_id=user, text="x"),
        **NOT_FOUND,
    )


def test_partial_update_missing_activity(client, user):
    assert_api_error(
        lambda: client.feeds.update_activity_partial(
            uid("missing"), user_id=user, set={"text": "x"}
        ),
        **NOT_FOUND,
    )


def test_delete_missing_activity(client):
    assert_api_error(lambda: client.feeds.delete_activity(uid("missing")), **NOT_FOUND)


def test_restore_missing_activity(client, user):
    assert_api_error(
        lambda: client.feeds.restore_activity(uid("missing"), user_id=user), **NOT_FOUND
    )


# --- batch upsert is all-or-nothing --------------------------------------------------------------


@pytest.mark.parametrize(
    "invalid",
    [
        pytest.param(dict(type="", feeds=None), id="empty-type"),
        pytest.param(dict(type="post", feeds=["nosuchgroup:x"]), id="unknown-group"),
    ],
)
def test_failed_upsert_batch_writes_nothing(client, feed, user, invalid):
    good_id = uid("act")
    bad = dict(invalid)
    bad["feeds"] = bad["feeds"] or [feed]
    assert_api_error(
        lambda: client.feeds.upsert_activities(
            activities=[
                ActivityRequest(id=good_id, type="post", text="ok", user_id=user, feeds=[feed]),
                ActivityRequest(user_id=user, text="bad", **bad),
            ]
        ),
        **INPUT,
    )
    assert_api_error(lambda: client.feeds.get_activity(good_id), **NOT_FOUND)


def test_empty_upsert_batch(client):
    assert_api_error(lambda: client.feeds.upsert_activities(activities=[]), **INPUT)


def test_delete_activities_requires_ids(client):
    assert_api_error(lambda: client.feeds.delete_activities(ids=[]), **INPUT)
