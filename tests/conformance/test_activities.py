"""Activities v3: every example of Stream's "Activities" docs page, driven through the SDK.

Covers add (post, video, share, tag visibility), full update, partial update (set, unset,
dotted paths), batch upsert, batch partial update, soft/hard delete, batch delete, restore.
"""

from __future__ import annotations

import time
from datetime import datetime

from getstream.models import ActivityRequest, Attachment, UpdateActivityPartialChangeRequest

from conformance_support import assert_api_error, assert_duration, assert_recent, uid


def _post(client, feed, user, **kwargs):
    kwargs.setdefault("type", "post")
    kwargs.setdefault("text", "hello from the conformance suite")
    resp = client.feeds.add_activity(feeds=[feed], user_id=user, **kwargs)
    assert_duration(resp.data.duration)
    return resp.data.activity


# --- creating activities -------------------------------------------------------------------


def test_add_post_with_text_and_custom(client, feed, user):
    stamp = int(datetime.now().timestamp())
    resp = client.feeds.add_activity(
        type="post",
        feeds=[feed],
        text="This is a test activity from the conformance suite",
        user_id=user,
        custom={"test_field": "test_value", "timestamp": stamp},
    )
    assert_duration(resp.data.duration)
    act = resp.data.activity
    assert isinstance(act.id, str) and act.id
    assert act.type == "post"
    assert act.text == "This is a test activity from the conformance suite"
    assert act.custom == {"test_field": "test_value", "timestamp": stamp}
    assert act.feeds == [feed]
    assert act.user is not None and act.user.id == user
    assert_recent(act.created_at)
    assert_recent(act.updated_at)
    assert act.deleted_at is None

    got = client.feeds.get_activity(act.id)
    assert_duration(got.data.duration)
    read = got.data.activity
    assert read.id == act.id
    assert read.type == "post"
    assert read.text == act.text
    assert read.custom == {"test_field": "test_value", "timestamp": stamp}
    assert read.feeds == [feed]
    assert read.user.id == user
    assert read.created_at == act.created_at


def test_add_activity_user_is_enriched(client, make_user):
    user = make_user(name="Enriched Name")
    act = _post(client, f"user:{user}", user)
    assert act.user.id == user
    assert act.user.name == "Enriched Name"
    read = client.feeds.get_activity(act.id).data.activity
    assert read.user.id == user
    assert read.user.name == "Enriched Name"


def test_add_video_with_attachment(client, feed, user):
    attachment = Attachment(
        custom={"duration": 120},
        asset_url="https://example.com/amazing-video.mp4",
        type="video",
        title="Amazing Video",
    )
    resp = client.feeds.add_activity(
        type="video",
        feeds=[feed],
        text="Check out this amazing video!",
        user_id=user,
        attachments=[attachment],
        custom={"video_quality": "4K", "duration_seconds": 120},
    )
    act = resp.data.activity
    assert act.type == "video"
    assert act.attachments == [attachment]
    assert act.custom == {"video_quality": "4K", "duration_seconds": 120}

    read = client.feeds.get_activity(act.id).data.activity
    assert read.attachments == [attachment]
    assert read.attachments[0].custom == {"duration": 120}
    assert read.attachments[0].asset_url == "https://example.com/amazing-video.mp4"
    assert read.attachments[0].type == "video"
    assert read.attachments[0].title == "Amazing Video"


def test_share_counts_on_parent_and_returns_parent(client, make_user):
    author = make_user()
    sharer = make_user()
    parent = _post(client, f"user:{author}", author, text="original post")
    assert parent.share_count == 0

    share = client.feeds.add_activity(
        type="post",
        feeds=[f"user:{sharer}"],
        text="Couldn't agree more!",
        parent_id=parent.id,
        user_id=sharer,
    ).data.activity
    assert share.id != parent.id

    parent_now = client.feeds.get_activity(parent.id).data.activity
    assert parent_now.share_count == 1

    share_read = client.feeds.get_activity(share.id).data.activity
    assert share_read.parent is not None, "a share must carry its parent activity"
    assert share_read.parent.id == parent.id
    assert share_read.parent.text == "original post"
    assert share_read.parent.user.id == author


def test_tag_visibility_round_trips(client, feed, user):
    act = client.feeds.add_activity(
        feeds=[feed],
        type="post",
        text="Premium content",
        visibility="tag",
        visibility_tag="premium",
        user_id=user,
    ).data.activity
    assert act.visibility == "tag"
    assert act.visibility_tag == "premium"
    read = client.feeds.get_activity(act.id).data.activity
    assert read.visibility == "tag"
    assert read.visibility_tag == "premium"


def test_add_to_multiple_feeds(client, user, new_feed):
    feeds = [f"user:{user}", new_feed("timeline"), new_feed("user")]
    act = client.feeds.add_activity(
        type="post", feeds=feeds, text="to many feeds", user_id=user
    ).data.activity
    assert sorted(act.feeds) == sorted(feeds)
    read = client.feeds.get_activity(act.id).data.activity
    assert sorted(read.feeds) == sorted(feeds)
    # getActivity never sets current_feed for an activity in several feeds.
    assert read.current_feed is None


# --- full and partial updates ----------------------------------------------------------------


def test_update_activity_full(client, feed, user):
    act = _post(client, feed, user, text="before", custom={"original": True, "n": 1})
    assert act.edited_at is None
    time.sleep(0.01)

    stamp = int(datetime.now().timestamp())
    resp = client.feeds.update_activity(
        act.id,
        text="Updated activity text from the conformance suite",
        user_id=user,
        custom={"updated": True, "update_time": stamp},
    )
    assert_duration(resp.data.duration)
    upd = resp.data.activity
    assert upd.id == act.id
    assert upd.text == "Updated activity text from the conformance suite"
    assert upd.custom == {"updated": True, "update_time": stamp}
    assert upd.edited_at is not None
    assert_recent(upd.edited_at)
    assert upd.updated_at > act.updated_at
    assert upd.created_at == act.created_at

    read = client.feeds.get_activity(act.id).data.activity
    assert read.text == "Updated activity text from the conformance suite"
    assert read.custom == {"updated": True, "update_time": stamp}
    assert "original" not in read.custom
    assert read.edited_at is not None
    assert read.updated_at > act.updated_at
    # Fields the update did not mention stay as they were.
    assert read.type == "post"
    assert read.feeds == [feed]
    assert read.user.id == user


def test_partial_update_set_then_unset_dotted(client, feed, user):
    act = _post(client, feed, user, text="before", custom={"initial": True})

    resp = client.feeds.update_activity_partial(
        act.id,
        user_id=user,
        set={
            "text": "Japan has over 6,800 islands.",
            "custom": {"topic": "fun facts", "color": "blue"},
        },
    )
    assert_duration(resp.data.duration)
    after_set = resp.data.activity
    assert after_set.text == "Japan has over 6,800 islands."
    # Setting the whole `custom` object replaces it.
    assert after_set.custom == {"topic": "fun facts", "color": "blue"}

    resp = client.feeds.update_activity_partial(act.id, user_id=user, unset=["custom.color"])
    after_unset = resp.data.activity
    assert after_unset.custom == {"topic": "fun facts"}
    assert after_unset.text == "Japan has over 6,800 islands."

    read = client.feeds.get_activity(act.id).data.activity
    assert read.custom == {"topic": "fun facts"}
    assert read.text == "Japan has over 6,800 islands."
    assert read.type == "post"
    assert read.feeds == [feed]


def test_partial_update_dotted_set_keeps_siblings(client, feed, user):
    act = _post(client, feed, user, custom={"topic": "fun facts", "color": "red"})
    upd = client.feeds.update_activity_partial(
        act.id,
        user_id=user,
        set={"custom.color": "blue", "custom.size": 3},
    ).data.activity
    assert upd.custom == {"topic": "fun facts", "color": "blue", "size": 3}
    read = client.feeds.get_activity(act.id).data.activity
    assert read.custom == {"topic": "fun facts", "color": "blue", "size": 3}
    assert read.text == act.text


def test_partial_update_dotted_set_nested_object(client, feed, user):
    act = _post(client, feed, user, custom={"product": {"price": {"eur": 7.99, "usd": 9.99}}})
    client.feeds.update_activity_partial(
        act.id,
        user_id=user,
        set={"custom.product.price.eur": 8.99, "custom.product.price.gbp": 6.99},
        unset=["custom.product.price.usd"],
    )
    read = client.feeds.get_activity(act.id).data.activity
    assert read.custom == {"product": {"price": {"eur": 8.99, "gbp": 6.99}}}


def test_partial_update_set_and_unset_top_level_fields(client, feed, user):
    act = _post(client, feed, user, filter_tags=["a", "b"], custom={"k": "v"})
    upd = client.feeds.update_activity_partial(
        act.id,
        user_id=user,
        set={"interest_tags": ["cooking"], "restrict_replies": "nobody"},
        unset=["filter_tags"],
    ).data.activity
    assert upd.interest_tags == ["cooking"]
    assert upd.restrict_replies == "nobody"
    assert upd.filter_tags == []
    read = client.feeds.get_activity(act.id).data.activity
    assert read.interest_tags == ["cooking"]
    assert read.restrict_replies == "nobody"
    assert read.filter_tags == []
    assert read.custom == {"k": "v"}


def test_update_activities_partial_batch(client, feed, user):
    a = _post(client, feed, user, text="first", custom={"n": 1, "keep": "yes"})
    b = _post(client, feed, user, text="second", custom={"n": 2, "drop": "me"})

    resp = client.feeds.update_activities_partial_batch(
        changes=[
            UpdateActivityPartialChangeRequest(
                activity_id=a.id, set={"text": "first, edited", "custom.n": 10}
            ),
            UpdateActivityPartialChangeRequest(
                activity_id=b.id, set={"custom.n": 20}, unset=["custom.drop"]
            ),
        ]
    )
    assert_duration(resp.data.duration)
    by_id = {act.id: act for act in resp.data.activities}
    assert set(by_id) == {a.id, b.id}
    assert by_id[a.id].text == "first, edited"
    assert by_id[a.id].custom == {"n": 10, "keep": "yes"}
    assert by_id[b.id].custom == {"n": 20}

    read_a = client.feeds.get_activity(a.id).data.activity
    read_b = client.feeds.get_activity(b.id).data.activity
    assert read_a.text == "first, edited"
    assert read_a.custom == {"n": 10, "keep": "yes"}
    assert read_b.text == "second"
    assert read_b.custom == {"n": 20}


# --- batch upsert ------------------------------------------------------------------------------


def test_upsert_activities_batch(client, feed, user):
    resp = client.feeds.upsert_activities(
        activities=[
            ActivityRequest(type="post", text="Batch activity 1", user_id=user, feeds=[feed]),
            ActivityRequest(type="post", text="Batch activity 2", user_id=user, feeds=[feed]),
        ]
    )
    assert_duration(resp.data.duration)
    acts = resp.data.activities
    assert len(acts) == 2
    assert sorted(a.text for a in acts) == ["Batch activity 1", "Batch activity 2"]
    assert len({a.id for a in acts}) == 2
    for a in acts:
        read = client.feeds.get_activity(a.id).data.activity
        assert read.id == a.id
        assert read.text == a.text
        assert read.user.id == user
        assert read.feeds == [feed]


def test_upsert_activities_same_id_updates(client, feed, user):
    id1, id2 = uid("act"), uid("act")
    first = client.feeds.upsert_activities(
        activities=[
            ActivityRequest(id=id1, type="post", text="v1", user_id=user, feeds=[feed]),
            ActivityRequest(id=id2, type="post", text="other", user_id=user, feeds=[feed]),
        ]
    ).data.activities
    assert {a.id for a in first} == {id1, id2}
    created = {a.id: a.created_at for a in first}

    time.sleep(0.01)
    second = client.feeds.upsert_activities(
        activities=[
            ActivityRequest(
                id=id1, type="post", text="v2", user_id=user, feeds=[feed], custom={"rev": 2}
            )
        ]
    ).data.activities
    assert [a.id for a in second] == [id1]
    assert second[0].text == "v2"

    read = client.feeds.get_activity(id1).data.activity
    assert read.text == "v2"
    assert read.custom == {"rev": 2}
    assert read.created_at == created[id1], "an upsert of an existing id must update it in place"
    assert read.updated_at >= read.created_at
    assert client.feeds.get_activity(id2).data.activity.text == "other"


# --- deleting and restoring --------------------------------------------------------------------


def test_soft_delete_keeps_activity_with_deleted_at(client, feed, user):
    act = _post(client, feed, user)
    resp = client.feeds.delete_activity(act.id)
    assert_duration(resp.data.duration)
    read = client.feeds.get_activity(act.id).data.activity
    assert read.id == act.id
    assert read.deleted_at is not None
    assert_recent(read.deleted_at)


def test_hard_delete_removes_activity(client, feed, user):
    act = _post(client, feed, user)
    resp = client.feeds.delete_activity(act.id, hard_delete=True)
    assert_duration(resp.data.duration)
    assert_api_error(lambda: client.feeds.get_activity(act.id), code=16, status=404)


def test_delete_activities_soft(client, feed, user):
    a = _post(client, feed, user, text="a")
    b = _post(client, feed, user, text="b")
    keep = _post(client, feed, user, text="keep")
    resp = client.feeds.delete_activities(ids=[a.id, b.id])
    assert_duration(resp.data.duration)
    assert sorted(resp.data.deleted_ids) == sorted([a.id, b.id])
    for act_id in (a.id, b.id):
        assert client.feeds.get_activity(act_id).data.activity.deleted_at is not None
    assert client.feeds.get_activity(keep.id).data.activity.deleted_at is None


def test_delete_activities_hard(client, feed, user):
    a = _post(client, feed, user, text="a")
    b = _post(client, feed, user, text="b")
    resp = client.feeds.delete_activities(ids=[a.id, b.id], hard_delete=True)
    assert sorted(resp.data.deleted_ids) == sorted([a.id, b.id])
    for act_id in (a.id, b.id):
        assert_api_error(lambda: client.feeds.get_activity(act_id), code=16, status=404)


def test_restore_after_soft_delete(client, feed, user):
    act = _post(client, feed, user, text="come back", custom={"x": 1})
    client.feeds.delete_activity(act.id)
    assert client.feeds.get_activity(act.id).data.activity.deleted_at is not None

    resp = client.feeds.restore_activity(act.id, user_id=user)
    assert_duration(resp.data.duration)
    restored = resp.data.activity
    assert restored.id == act.id
    assert restored.deleted_at is None
    assert restored.text == "come back"

    read = client.feeds.get_activity(act.id).data.activity
    assert read.deleted_at is None
    assert read.text == "come back"
    assert read.custom == {"x": 1}
