"""Every field of AddActivityRequest round-trips through get_activity, and a new activity
carries every field the SDK's ActivityResponse model requires, with the documented defaults."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from getstream.models import Attachment, Location

from conformance_support import assert_duration, assert_recent, uid


def _rfc3339(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_every_add_field_round_trips(client, make_user, feed, user):
    mentioned = sorted([make_user(), make_user()])
    activity_id = uid("act")
    expires = (datetime.now(timezone.utc) + timedelta(hours=1)).replace(microsecond=0)
    attachments = [
        Attachment(
            custom={"width": 640},
            type="image",
            image_url="https://example.com/cat.png",
            title="A cat",
        ),
        Attachment(custom={}, type="url", title_link="https://example.com/read", text="Read"),
    ]
    sent = dict(
        id=activity_id,
        type="checkin",
        feeds=[feed],
        user_id=user,
        text="Checking in with every field set",
        attachments=attachments,
        custom={"mood": "happy", "nested": {"a": [1, 2, 3], "b": True, "c": 1.5}},
        expires_at=_rfc3339(expires),
        filter_tags=["green", "outdoor"],
        interest_tags=["hiking", "travel"],
        location=Location(lat=52.3676, lng=4.9041),
        mentioned_user_ids=mentioned,
        restrict_replies="people_i_follow",
        search_data={"keywords": ["amsterdam", "canal"], "rank": 7},
        visibility="private",
        skip_enrich_url=True,
    )
    resp = client.feeds.add_activity(**sent)
    assert_duration(resp.data.duration)

    for act in (resp.data.activity, client.feeds.get_activity(activity_id).data.activity):
        assert act.id == activity_id
        assert act.type == "checkin"
        assert act.feeds == [feed]
        assert act.user.id == user
        assert act.text == "Checking in with every field set"
        assert act.attachments == attachments
        assert act.custom == {"mood": "happy", "nested": {"a": [1, 2, 3], "b": True, "c": 1.5}}
        assert act.expires_at is not None, "expires_at was sent and must come back"
        assert isinstance(act.expires_at, datetime)
        assert abs((act.expires_at - expires).total_seconds()) < 1.0, act.expires_at
        assert act.filter_tags == ["green", "outdoor"]
        assert act.interest_tags == ["hiking", "travel"]
        assert act.location is not None
        assert act.location.lat == pytest.approx(52.3676)
        assert act.location.lng == pytest.approx(4.9041)
        assert sorted(u.id for u in act.mentioned_users) == mentioned
        assert act.restrict_replies == "people_i_follow"
        assert act.search_data == {"keywords": ["amsterdam", "canal"], "rank": 7}
        assert act.visibility == "private"
        assert act.visibility_tag in (None, "")


def test_expires_at_with_fractional_seconds_and_offset(client, feed, user):
    expires = datetime.now(timezone.utc) + timedelta(hours=2)
    # RFC 3339 with a non-UTC offset and microseconds.
    sent = expires.astimezone(timezone(timedelta(hours=2))).isoformat(timespec="microseconds")
    act = client.feeds.add_activity(
        type="post", feeds=[feed], user_id=user, text="expiring", expires_at=sent
    ).data.activity
    read = client.feeds.get_activity(act.id).data.activity
    assert read.expires_at is not None
    assert abs((read.expires_at - expires).total_seconds()) < 1.0


def test_new_activity_defaults(client, feed, user):
    act = client.feeds.add_activity(
        type="post", feeds=[feed], user_id=user, text="defaults"
    ).data.activity
    read = client.feeds.get_activity(act.id).data.activity
    for a in (act, read):
        # Counters start at zero.
        assert a.reaction_count == 0
        assert a.comment_count == 0
        assert a.share_count == 0
        assert a.bookmark_count == 0
        assert isinstance(a.popularity, int)
        assert isinstance(a.score, (int, float))
        # Required lists and maps are present (the SDK fills missing ones with None).
        for name in (
            "latest_reactions",
            "own_reactions",
            "own_bookmarks",
            "comments",
            "mentioned_users",
            "attachments",
            "filter_tags",
            "interest_tags",
        ):
            value = getattr(a, name)
            assert isinstance(value, list), f"{name} must be a list, got {value!r}"
            assert value == [], f"{name} must be empty on a new activity, got {value!r}"
        for name in ("custom", "search_data", "reaction_groups", "collections"):
            value = getattr(a, name)
            assert isinstance(value, dict), f"{name} must be an object, got {value!r}"
        assert a.custom == {}
        assert a.reaction_groups == {}
        # Documented defaults.
        assert a.visibility == "public"
        assert a.restrict_replies == "everyone"
        assert a.hidden is False
        assert a.preview is False
        assert a.deleted_at is None
        assert a.edited_at is None
        assert a.expires_at is None
        assert a.parent is None
        assert a.poll is None
        # Timestamps are decoded by the SDK from integer nanoseconds.
        assert_recent(a.created_at)
        assert_recent(a.updated_at)
        assert a.updated_at >= a.created_at
        # The author is a full user object.
        assert a.user.id == user
        assert isinstance(a.user.role, str) and a.user.role
        assert isinstance(a.user.custom, dict)
        assert isinstance(a.user.teams, list)
        assert isinstance(a.user.blocked_user_ids, list)
        assert_recent(a.user.created_at, within_seconds=3600)


def test_server_generates_distinct_ids(client, feed, user):
    ids = {
        client.feeds.add_activity(type="post", feeds=[feed], user_id=user, text=str(i))
        .data.activity.id
        for i in range(3)
    }
    assert len(ids) == 3
    assert all(isinstance(i, str) and i for i in ids)


def test_unicode_text_and_custom_round_trip(client, feed, user):
    text = "héllo wörld — 日本 🎉 \"quoted\" \\ backslash"
    custom = {"emoji": "🎉", "ключ": "значение", "empty": "", "zero": 0, "flag": False}
    act = client.feeds.add_activity(
        type="post", feeds=[feed], user_id=user, text=text, custom=custom
    ).data.activity
    read = client.feeds.get_activity(act.id).data.activity
    assert read.text == text
    assert read.custom == custom
