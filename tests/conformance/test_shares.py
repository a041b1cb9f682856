"""An activity's shares through the SDK.

`query_activity_shares` lists the activities whose `parent_id` is the activity, newest first,
each as a `ShareResponse` (the sharing activity's id, when, and who shared), paged with
`limit`, `next` and `prev`, and parses into `QueryActivitySharesResponse`. Deleted shares
stop showing, private ones show only to their author, a missing activity is 404 code 16, a
bad limit or cursor 400 code 4, and the shares of an activity in a private feed are for those
who may read it (403 code 17 for others).
"""

from __future__ import annotations

from getstream.models import FeedInput, QueryActivitySharesResponse, ShareResponse

from conformance_support import assert_api_error, assert_duration, assert_recent, fid_for


def _post(client, user, **kwargs) -> str:
    resp = client.feeds.add_activity(feeds=[fid_for(user)], type="post", user_id=user, **kwargs)
    return resp.data.activity.id


def _share(client, user, parent, **kwargs) -> str:
    return _post(client, user, parent_id=parent, **kwargs)


def _shares(c, activity_id, **kwargs) -> QueryActivitySharesResponse:
    resp = c.feeds.query_activity_shares(activity_id=activity_id, **kwargs)
    assert isinstance(resp.data, QueryActivitySharesResponse)
    assert_duration(resp.data.duration)
    return resp.data


def _ids(data):
    return [s.activity_id for s in data.shares]


def test_shares_page_newest_first(client, make_user):
    author = make_user()
    parent = _post(client, author)
    sharers = [make_user(f"Sharer {i}") for i in range(5)]
    shares = [_share(client, u, parent) for u in sharers]

    first = _shares(client, parent, limit=2)
    assert _ids(first) == [shares[4], shares[3]]
    share = first.shares[0]
    assert isinstance(share, ShareResponse)
    assert share.user.id == sharers[4]
    assert share.user.name == "Sharer 4"
    assert_recent(share.created_at)
    assert first.prev is None
    second = _shares(client, parent, limit=2, next=first.next)
    assert _ids(second) == [shares[2], shares[1]]
    third = _shares(client, parent, limit=2, next=second.next)
    assert _ids(third) == [shares[0]]
    assert third.next is None
    back = _shares(client, parent, limit=2, prev=third.prev)
    assert _ids(back) == [shares[2], shares[1]]

    assert client.feeds.get_activity(id=parent).data.activity.share_count == 5
    client.feeds.delete_activity(id=shares[4])
    client.feeds.delete_activity(id=shares[3], hard_delete=True)
    assert _ids(_shares(client, parent)) == [shares[2], shares[1], shares[0]]


def test_private_shares_and_bad_input(client, make_user, user_client):
    author, sharer, reader = make_user(), make_user(), make_user()
    parent = _post(client, author)
    public = _share(client, sharer, parent)
    private = _share(client, sharer, parent, visibility="private")
    assert _ids(_shares(user_client(reader), parent)) == [public]
    assert _ids(_shares(user_client(sharer), parent)) == [private, public]

    assert _shares(client, _post(client, author)).shares == []
    assert_api_error(lambda: _shares(client, "no-such-activity"), 16, 404)
    assert_api_error(lambda: _shares(client, parent, limit=1000), 4, 400)
    assert_api_error(lambda: _shares(client, parent, next="forged"), 4, 400)

    owner = make_user()
    client.feeds.get_or_create_feed(
        feed_group_id="user", feed_id=owner, user_id=owner, data=FeedInput(visibility="private")
    )
    secret = _post(client, owner)
    _share(client, owner, secret)
    assert_api_error(lambda: _shares(user_client(reader), secret), 17, 403)
    assert len(_shares(user_client(owner), secret).shares) == 1
