"""Pinned activities through the SDK.

`pin_activity`, `unpin_activity` and `query_pinned_activities` parse into the SDK's
`PinActivityResponse`, `UnpinActivityResponse` and `QueryPinnedActivitiesResponse`; a feed
read answers its pins in `pinned_activities` (`ActivityPinResponse`) and their number in
`feed.pin_count`. Only the feed's owner (or a server call naming a user) pins: members,
followers and strangers get 403 code 17. An activity of another feed is 400 code 4, a missing
one 404, pinning twice keeps the first pin, unpinning what is not pinned is 404, and a deleted
activity's pin stops showing.
"""

from __future__ import annotations

from getstream.models import (
    ActivityPinResponse,
    FeedMemberRequest,
    GetOrCreateFeedResponse,
    PinActivityResponse,
    QueryPinnedActivitiesResponse,
    SortParamRequest,
    UnpinActivityResponse,
)

from conformance_support import assert_api_error, assert_duration, assert_recent, fid_for


def _post(client, user) -> str:
    resp = client.feeds.add_activity(feeds=[fid_for(user)], type="post", text="hi", user_id=user)
    return resp.data.activity.id


def _read(client, user, **kwargs) -> GetOrCreateFeedResponse:
    resp = client.feeds.get_or_create_feed(feed_group_id="user", feed_id=user, **kwargs)
    assert isinstance(resp.data, GetOrCreateFeedResponse)
    return resp.data


def _query(c, user, **kwargs) -> QueryPinnedActivitiesResponse:
    resp = c.feeds.query_pinned_activities(feed_group_id="user", feed_id=user, **kwargs)
    assert isinstance(resp.data, QueryPinnedActivitiesResponse)
    assert_duration(resp.data.duration)
    return resp.data


def _ids(pins):
    return [p.activity.id for p in pins]


def test_pin_read_and_unpin(client, user, user_client):
    ids = [_post(client, user) for _ in range(3)]
    me = user_client(user)
    resp = me.feeds.pin_activity(feed_group_id="user", feed_id=user, activity_id=ids[0])
    assert isinstance(resp.data, PinActivityResponse)
    assert_duration(resp.data.duration)
    assert resp.data.activity.id == ids[0]
    assert resp.data.feed == fid_for(user)
    assert resp.data.user_id == user
    assert_recent(resp.data.created_at)
    first_pinned = resp.data.created_at

    # Pinning again keeps the pin.
    again = me.feeds.pin_activity(feed_group_id="user", feed_id=user, activity_id=ids[0])
    assert again.data.created_at == first_pinned
    me.feeds.pin_activity(feed_group_id="user", feed_id=user, activity_id=ids[2])
    # A server call pins as the user it names.
    client.feeds.pin_activity(feed_group_id="user", feed_id=user, activity_id=ids[1], user_id=user)

    read = _read(client, user)
    assert read.feed.pin_count == 3
    assert _ids(read.pinned_activities) == [ids[1], ids[2], ids[0]]
    pin = read.pinned_activities[0]
    assert isinstance(pin, ActivityPinResponse)
    assert pin.feed == fid_for(user)
    assert pin.user.id == user
    assert_recent(pin.created_at)
    assert_recent(pin.updated_at)

    resp = me.feeds.unpin_activity(feed_group_id="user", feed_id=user, activity_id=ids[2])
    assert isinstance(resp.data, UnpinActivityResponse)
    assert_duration(resp.data.duration)
    assert resp.data.activity.id == ids[2]
    assert resp.data.feed == fid_for(user)
    assert resp.data.user_id == user
    read = _read(client, user)
    assert read.feed.pin_count == 2
    assert _ids(read.pinned_activities) == [ids[1], ids[0]]

    assert_api_error(
        lambda: me.feeds.unpin_activity(feed_group_id="user", feed_id=user, activity_id=ids[2]),
        16,
        404,
    )
    assert _read(client, user).feed.pin_count == 2


def test_bad_input_changes_nothing(client, make_user, user_client):
    owner, other = make_user(), make_user()
    mine, theirs = _post(client, owner), _post(client, other)
    me = user_client(owner)
    assert_api_error(
        lambda: me.feeds.pin_activity(feed_group_id="user", feed_id=owner, activity_id=theirs),
        4,
        400,
        "activity_id",
    )
    assert_api_error(
        lambda: me.feeds.pin_activity(
            feed_group_id="user", feed_id=owner, activity_id="no-such-activity"
        ),
        16,
        404,
    )
    assert_api_error(
        lambda: client.feeds.pin_activity(feed_group_id="user", feed_id=owner, activity_id=mine),
        4,
        400,
        "user_id",
    )
    assert_api_error(
        lambda: _query(client, owner, filter={"text": "x"}),
        4,
        400,
    )
    assert_api_error(
        lambda: _query(client, owner, next="forged"),
        4,
        400,
    )
    read = _read(client, owner)
    assert read.feed.pin_count == 0
    assert read.pinned_activities == []


def test_only_the_owner_pins(client, make_user, user_client):
    owner, member, follower, stranger = make_user(), make_user(), make_user(), make_user()
    activity = _post(client, owner)
    client.feeds.get_or_create_feed(feed_group_id="user", feed_id=owner, user_id=owner)
    client.feeds.update_feed_members(
        feed_group_id="user",
        feed_id=owner,
        operation="upsert",
        members=[FeedMemberRequest(user_id=member)],
    )
    client.feeds.follow(source=f"timeline:{follower}", target=fid_for(owner))
    for who in (member, follower, stranger):
        assert_api_error(
            lambda: user_client(who).feeds.pin_activity(
                feed_group_id="user", feed_id=owner, activity_id=activity
            ),
            17,
            403,
            "pin-activity",
        )
    user_client(owner).feeds.pin_activity(feed_group_id="user", feed_id=owner, activity_id=activity)
    assert_api_error(
        lambda: user_client(stranger).feeds.unpin_activity(
            feed_group_id="user", feed_id=owner, activity_id=activity
        ),
        17,
        403,
    )
    assert _read(client, owner).feed.pin_count == 1
    # Readers of a public feed read its pins.
    assert _ids(_query(user_client(stranger), owner).pinned_activities) == [activity]


def test_query_pages_sorts_and_filters(client, user, user_client):
    ids = [_post(client, user) for _ in range(5)]
    me = user_client(user)
    for a in ids:
        me.feeds.pin_activity(feed_group_id="user", feed_id=user, activity_id=a)
    first = _query(client, user, limit=2)
    assert _ids(first.pinned_activities) == [ids[4], ids[3]]
    assert first.prev is None
    second = _query(client, user, limit=2, next=first.next)
    assert _ids(second.pinned_activities) == [ids[2], ids[1]]
    third = _query(client, user, limit=2, next=second.next)
    assert _ids(third.pinned_activities) == [ids[0]]
    assert third.next is None
    back = _query(client, user, limit=2, prev=third.prev)
    assert _ids(back.pinned_activities) == [ids[2], ids[1]]

    oldest = _query(
        client, user, limit=2, sort=[SortParamRequest(field="created_at", direction=1)]
    )
    assert _ids(oldest.pinned_activities) == [ids[0], ids[1]]
    some = _query(client, user, filter={"activity_id": {"$in": [ids[1], ids[3]]}})
    assert _ids(some.pinned_activities) == [ids[3], ids[1]]
    # By when they were pinned (a page of the filtered pins, not a filtered page) and by whom.
    since = oldest.pinned_activities[1].created_at.isoformat()
    later = _query(
        client,
        user,
        limit=2,
        filter={"created_at": {"$gte": since}},
        sort=[SortParamRequest(field="created_at", direction=1)],
    )
    assert _ids(later.pinned_activities) == [ids[1], ids[2]]
    assert _ids(_query(client, user, filter={"user_id": user}).pinned_activities) == list(reversed(ids))
    assert _query(client, user, filter={"user_id": "someone-else"}).pinned_activities == []

    # A deleted activity's pin stops showing.
    client.feeds.delete_activity(id=ids[4])
    assert ids[4] not in _ids(_query(client, user).pinned_activities)
    assert ids[4] not in _ids(_read(client, user).pinned_activities)
