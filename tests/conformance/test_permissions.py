"""The feed permission model through the SDK, with user tokens.

Each feed has a visibility level; what a user may do to it follows from the roles they hold
(owner, member, accepted follower, any signed-in user):

| visibility | reads | follows | posts | comments / reacts |
| --- | --- | --- | --- | --- |
| `public` | anyone | anyone | anyone | anyone |
| `visible` (`user`, `story`) | anyone | anyone | owner, members | anyone |
| `followers` | owner, members, accepted followers | by request | owner, members | readers |
| `members` | owner, members | members | owner, members | owner, members |
| `private` | owner | owner | owner | owner |

Server tokens may do everything. Every refusal is 403, code 17. These are also regression
tests for the holes the permission model closed (posting into other users' feeds, creating
them, reading private activities' comments, pending follows shown to strangers, ...).
"""

from __future__ import annotations

import time
import warnings

import jwt
from getstream import Stream
from getstream.models import (
    FeedInput,
    FeedMemberRequest,
    FeedRequest,
    GetOrCreateFeedResponse,
    QueryFollowsResponse,
)

from conformance_support import assert_api_error, assert_duration, uid


def _split(fid: str):
    group, feed_id = fid.split(":", 1)
    return group, feed_id


def _read(c: Stream, fid: str, **kwargs) -> GetOrCreateFeedResponse:
    group, feed_id = _split(fid)
    resp = c.feeds.get_or_create_feed(feed_group_id=group, feed_id=feed_id, **kwargs)
    assert isinstance(resp.data, GetOrCreateFeedResponse)
    assert_duration(resp.data.duration)
    return resp.data


def _server_read(client: Stream, fid: str, owner: str) -> GetOrCreateFeedResponse:
    return _read(client, fid, user_id=owner)


def _post(c: Stream, fid: str, user: str | None = None, **kwargs):
    kwargs.setdefault("type", "post")
    kwargs.setdefault("text", "permissions conformance")
    if user is not None:
        kwargs["user_id"] = user
    return lambda: c.feeds.add_activity(feeds=[fid], **kwargs)


def _ids(data: GetOrCreateFeedResponse):
    return [a.id for a in data.activities]


def _token(claims: dict, key: str) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # short dev secret
        return jwt.encode(claims, key, algorithm="HS256")


def _feed_with_visibility(client, owner: str, visibility: str, group: str = "user") -> str:
    fid = f"{group}:{owner}"
    data = _read(client, fid, user_id=owner, data=FeedInput(visibility=visibility))
    assert data.feed.visibility == visibility
    return fid


# --- (1) posting into another user's feeds ----------------------------------------------------


def test_user_cannot_post_into_another_users_feeds(client, make_user, user_client):
    alice, bob = make_user(), make_user()
    as_alice = user_client(alice)
    for group in ("timeline", "notification", "user"):
        fid = f"{group}:{bob}"
        _server_read(client, fid, bob)  # the feed exists, created by bob
        assert_api_error(_post(as_alice, fid), 17, 403)
        # Naming herself as the author changes nothing.
        assert_api_error(_post(as_alice, fid, user=alice), 17, 403)
        # Nor does naming her own feed beside it: nothing is written anywhere.
        assert_api_error(
            lambda: as_alice.feeds.add_activity(
                type="post", text="sneaky", feeds=[f"user:{alice}", fid]
            ),
            17,
            403,
        )
        after = _server_read(client, fid, bob)
        assert after.activities == [], f"{fid} gained activities: {_ids(after)}"
        assert after.feed.activity_count == 0
    assert _server_read(client, f"user:{alice}", alice).activities == []


def test_owner_posts_into_own_feeds(client, user, user_client):
    me = user_client(user)
    for group in ("user", "timeline"):
        fid = f"{group}:{user}"
        act = _post(me, fid)().data.activity
        assert act.user.id == user
        assert act.id in _ids(_server_read(client, fid, user))


# --- (2) creating another user's feed ---------------------------------------------------------


def test_user_cannot_create_another_users_feed(client, make_user, user_client):
    alice, newcomer = make_user(), make_user()
    assert_api_error(
        lambda: user_client(alice).feeds.get_or_create_feed(
            feed_group_id="timeline", feed_id=newcomer
        ),
        17,
        403,
    )
    # The refused call created nothing: the newcomer's own first call creates it.
    as_newcomer = user_client(newcomer)
    first = _read(as_newcomer, f"timeline:{newcomer}")
    assert first.created is True
    assert first.feed.created_by.id == newcomer
    again = _read(as_newcomer, f"timeline:{newcomer}")
    assert again.created is False
    assert again.feed.feed == f"timeline:{newcomer}"


def test_user_cannot_create_a_feed_named_after_no_one(client, user, user_client):
    assert_api_error(
        lambda: user_client(user).feeds.get_or_create_feed(
            feed_group_id="user", feed_id=uid("f")
        ),
        17,
        403,
    )


# --- (3) create_feeds_batch --------------------------------------------------------------------


def test_create_feeds_batch_refuses_another_users_feed(client, make_user, user_client):
    alice, bob = make_user(), make_user()
    assert_api_error(
        lambda: user_client(alice).feeds.create_feeds_batch(
            feeds=[
                FeedRequest(feed_group_id="user", feed_id=alice),
                FeedRequest(feed_group_id="user", feed_id=bob),
            ]
        ),
        17,
        403,
    )
    # Nothing of the batch was written: both feeds are still new.
    assert _server_read(client, f"user:{bob}", bob).created is True
    assert _server_read(client, f"user:{alice}", alice).created is True


def test_create_feeds_batch_with_own_feed(client, user, user_client):
    resp = user_client(user).feeds.create_feeds_batch(
        feeds=[FeedRequest(feed_group_id="user", feed_id=user)]
    )
    assert [f.feed for f in resp.data.feeds] == [f"user:{user}"]


# --- (4) a private activity ---------------------------------------------------------------------


def test_private_activity_is_closed_to_other_users(client, make_user, user_client):
    owner, other = make_user(), make_user()
    fid = f"user:{owner}"
    as_owner = user_client(owner)
    act = as_owner.feeds.add_activity(
        type="post", text="for my eyes", feeds=[fid], visibility="private"
    ).data.activity
    mine = as_owner.feeds.add_comment(
        object_id=act.id, object_type="activity", comment="note to self"
    ).data.comment
    as_owner.feeds.add_activity_reaction(activity_id=act.id, type="like")

    as_other = user_client(other)
    assert_api_error(
        lambda: as_other.feeds.get_comments(object_id=act.id, object_type="activity"), 17, 403
    )
    assert_api_error(lambda: as_other.feeds.get_comment(id=mine.id), 17, 403)
    listed = as_other.feeds.query_comments(filter={"object_id": act.id}).data.comments
    assert listed == [], [c.id for c in listed]
    assert_api_error(lambda: as_other.feeds.query_activity_reactions(activity_id=act.id), 17, 403)
    # A private activity does not exist for anyone but its author.
    assert_api_error(lambda: as_other.feeds.get_activity(id=act.id), 16, 404)
    found = as_other.feeds.query_activities(filter={"id": act.id}).data.activities
    assert found == []
    assert_api_error(
        lambda: as_other.feeds.add_comment(
            object_id=act.id, object_type="activity", comment="let me in"
        ),
        17,
        403,
    )
    assert_api_error(
        lambda: as_other.feeds.add_activity_reaction(activity_id=act.id, type="like"), 17, 403
    )

    # Nothing was written: the owner's comment and reaction only.
    after = client.feeds.get_activity(id=act.id).data.activity
    assert after.comment_count == 1
    assert after.reaction_count == 1
    assert [r.user.id for r in after.latest_reactions] == [owner]
    comments = client.feeds.get_comments(object_id=act.id, object_type="activity").data.comments
    assert [c.id for c in comments] == [mine.id]

    # The owner still sees everything.
    assert as_owner.feeds.get_comment(id=mine.id).data.comment.id == mine.id
    assert [
        c.id
        for c in as_owner.feeds.get_comments(object_id=act.id, object_type="activity").data.comments
    ] == [mine.id]
    assert [
        a.id for a in as_owner.feeds.query_activities(filter={"id": act.id}).data.activities
    ] == [act.id]


def test_public_activity_on_visible_feed_is_open_to_other_users(client, make_user, user_client):
    owner, other = make_user(), make_user()
    act = user_client(owner).feeds.add_activity(
        type="post", text="hello all", feeds=[f"user:{owner}"]
    ).data.activity
    as_other = user_client(other)
    c = as_other.feeds.add_comment(object_id=act.id, object_type="activity", comment="hi").data
    assert c.comment.user.id == other
    as_other.feeds.add_activity_reaction(activity_id=act.id, type="like")
    assert as_other.feeds.get_activity(id=act.id).data.activity.comment_count == 1
    listed = as_other.feeds.get_comments(object_id=act.id, object_type="activity").data.comments
    assert [x.id for x in listed] == [c.comment.id]


# --- (5) and (6) follow requests ---------------------------------------------------------------


def test_pending_follow_requests_show_only_to_owner_and_requester(client, make_user, user_client):
    owner, fan, friend, stranger = make_user(), make_user(), make_user(), make_user()
    target = _feed_with_visibility(client, owner, "followers")
    pending = user_client(fan).feeds.follow(source=f"timeline:{fan}", target=target).data.follow
    assert pending.status == "pending"
    user_client(friend).feeds.follow(source=f"timeline:{friend}", target=target)
    user_client(owner).feeds.accept_follow(source=f"timeline:{friend}", target=target)

    def sources(c, **flt):
        resp = c.feeds.query_follows(filter={"target_feed": target, **flt})
        assert isinstance(resp.data, QueryFollowsResponse)
        return sorted((f.source_feed.feed, f.status) for f in resp.data.follows)

    both = sorted([(f"timeline:{fan}", "pending"), (f"timeline:{friend}", "accepted")])
    assert sources(client) == both
    assert sources(user_client(owner)) == both
    # An accepted follower reads the feed's follows, without others' pending requests.
    assert sources(user_client(friend)) == [(f"timeline:{friend}", "accepted")]
    assert sources(user_client(friend), status="pending") == []
    # The requester sees its own request.
    mine = user_client(fan).feeds.query_follows(
        filter={"source_feed": f"timeline:{fan}"}
    ).data.follows
    assert [(f.target_feed.feed, f.status) for f in mine] == [(target, "pending")]
    # A stranger may not list the follows of a followers-only feed at all.
    assert_api_error(
        lambda: user_client(stranger).feeds.query_follows(filter={"target_feed": target}),
        17,
        403,
    )


def test_server_follow_of_followers_feed_starts_pending(client, make_user):
    owner, fan, vip = make_user(), make_user(), make_user()
    target = _feed_with_visibility(client, owner, "followers")
    follow = client.feeds.follow(source=f"timeline:{fan}", target=target).data.follow
    assert follow.status == "pending"
    assert follow.request_accepted_at is None
    assert _server_read(client, target, owner).feed.follower_count == 0
    # A server token naming the status decides it.
    forced = client.feeds.follow(
        source=f"timeline:{vip}", target=target, status="accepted"
    ).data.follow
    assert forced.status == "accepted"
    assert _server_read(client, target, owner).feed.follower_count == 1


# --- (7) query_follows with a server token and no filter ----------------------------------------


def test_server_query_follows_without_filter_pages(client, make_user):
    a, b, c = make_user(), make_user(), make_user()
    client.feeds.follow(source=f"timeline:{a}", target=f"user:{b}", activity_copy_limit=0)
    client.feeds.follow(source=f"timeline:{a}", target=f"user:{c}", activity_copy_limit=0)
    first = client.feeds.query_follows(limit=10).data
    assert isinstance(first, QueryFollowsResponse)
    assert_duration(first.duration)
    assert 2 <= len(first.follows) <= 10
    one = client.feeds.query_follows(limit=1).data
    assert len(one.follows) == 1
    assert one.next, "a one-follow page of a bigger list has a next cursor"
    two = client.feeds.query_follows(limit=1, next=one.next).data
    assert len(two.follows) == 1
    key = lambda f: (f.source_feed.feed, f.target_feed.feed)  # noqa: E731
    assert key(two.follows[0]) != key(one.follows[0])


def test_user_query_follows_of_own_feed(client, make_user, user_client):
    a, b = make_user(), make_user()
    client.feeds.follow(source=f"timeline:{a}", target=f"user:{b}", activity_copy_limit=0)
    got = user_client(a).feeds.query_follows(filter={"source_feed": f"timeline:{a}"}).data.follows
    assert [f.target_feed.feed for f in got] == [f"user:{b}"]


# --- (8) malformed token claims ------------------------------------------------------------------


def test_tokens_with_bad_user_id_or_exp_are_refused(settings, user):
    now = int(time.time())
    claims = [
        {"user_id": None},
        {"user_id": ""},
        {"user_id": user, "exp": "tomorrow"},
        {"user_id": user, "exp": str(now + 3600)},
        {"user_id": user, "exp": -5},
    ]
    for claim in claims:
        token = _token(claim, settings["api_secret"])
        with Stream(api_key=settings["api_key"], token=token, base_url=settings["base_url"]) as c:
            exc = assert_api_error(
                lambda: c.feeds.add_activity(type="post", text="x", feeds=[f"user:{user}"]),
                5,
                401,
            )
            assert exc.status_code == 401, claim


# --- (9) huge $in --------------------------------------------------------------------------------


def test_in_filter_with_too_many_values_is_refused_quickly(client):
    values = [f"timeline:{uid('x')}" for _ in range(5000)]
    started = time.monotonic()
    exc = assert_api_error(
        lambda: client.feeds.query_follows(filter={"source_feed": {"$in": values}}), 4, 400
    )
    assert time.monotonic() - started < 5.0
    assert "source_feed" in exc.message


def test_in_filter_with_100_values_is_fine(client, make_user):
    a, b = make_user(), make_user()
    client.feeds.follow(source=f"timeline:{a}", target=f"user:{b}", activity_copy_limit=0)
    values = [f"timeline:{uid('x')}" for _ in range(99)] + [f"timeline:{a}"]
    got = client.feeds.query_follows(filter={"source_feed": {"$in": values}}).data.follows
    assert [f.target_feed.feed for f in got] == [f"user:{b}"]


# --- the matrix on a few visibility levels -------------------------------------------------------


def _members_feed(client, make_user):
    """user:<owner> with visibility `members`, one member and one accepted follower."""
    owner, member, follower, stranger = make_user(), make_user(), make_user(), make_user()
    fid = _feed_with_visibility(client, owner, "members")
    group, feed_id = _split(fid)
    client.feeds.update_feed_members(
        feed_group_id=group,
        feed_id=feed_id,
        operation="upsert",
        members=[FeedMemberRequest(user_id=member)],
    )
    follow = client.feeds.follow(
        source=f"timeline:{follower}", target=fid, status="accepted"
    ).data.follow
    assert follow.status == "accepted"
    return fid, owner, member, follower, stranger


def test_members_feed_reading(client, make_user, user_client):
    fid, owner, member, follower, stranger = _members_feed(client, make_user)
    post_id = _post(client, fid, owner)().data.activity.id
    for reader in (owner, member):
        data = _read(user_client(reader), fid)
        assert _ids(data) == [post_id], reader
        caps = data.feed.own_capabilities
        assert isinstance(caps, list) and all(isinstance(c, str) for c in caps), caps
        assert "read-feed" in caps and "add-activity" in caps, (reader, caps)
    assert _read(user_client(member), fid).feed.own_membership.user.id == member
    assert _read(user_client(owner), fid).feed.own_membership is None
    for outsider in (follower, stranger):
        assert_api_error(lambda: _read(user_client(outsider), fid), 17, 403)
        found = user_client(outsider).feeds.query_activities(filter={"id": post_id}).data
        assert found.activities == [], outsider


def test_members_feed_posting(client, make_user, user_client):
    fid, owner, member, follower, stranger = _members_feed(client, make_user)
    posted = []
    for writer in (owner, member):
        posted.append(_post(user_client(writer), fid)().data.activity.id)
    for outsider in (follower, stranger):
        assert_api_error(_post(user_client(outsider), fid), 17, 403)
    assert sorted(_ids(_server_read(client, fid, owner))) == sorted(posted)


def test_members_feed_outsiders_cannot_comment(client, make_user, user_client):
    fid, owner, member, follower, stranger = _members_feed(client, make_user)
    post_id = _post(client, fid, owner)().data.activity.id
    user_client(member).feeds.add_comment(object_id=post_id, object_type="activity", comment="m")
    for outsider in (follower, stranger):
        assert_api_error(
            lambda: user_client(outsider).feeds.add_comment(
                object_id=post_id, object_type="activity", comment="x"
            ),
            17,
            403,
        )
        assert_api_error(
            lambda: user_client(outsider).feeds.add_activity_reaction(
                activity_id=post_id, type="like"
            ),
            17,
            403,
        )
    assert client.feeds.get_activity(id=post_id).data.activity.comment_count == 1


def test_visible_feed_reads_and_takes_part_but_only_owner_posts(client, make_user, user_client):
    owner, stranger = make_user(), make_user()
    fid = f"user:{owner}"
    created = _read(user_client(owner), fid)
    assert created.feed.visibility == "visible"  # the built-in `user` group's default
    post_id = _post(user_client(owner), fid)().data.activity.id
    as_stranger = user_client(stranger)
    data = _read(as_stranger, fid)
    assert _ids(data) == [post_id]
    caps = data.feed.own_capabilities
    assert "read-feed" in caps and "follow" in caps and "add-comment" in caps, caps
    assert "add-activity" not in caps, caps
    assert_api_error(_post(as_stranger, fid), 17, 403)
    follow = as_stranger.feeds.follow(source=f"timeline:{stranger}", target=fid).data.follow
    assert follow.status == "accepted"
    as_stranger.feeds.add_comment(object_id=post_id, object_type="activity", comment="nice")
    # The follow shows on the stranger's next read.
    again = _read(as_stranger, fid)
    assert [f.source_feed.feed for f in again.feed.own_follows] == [f"timeline:{stranger}"]


def test_public_feed_lets_anyone_post(client, make_user, user_client):
    owner, stranger = make_user(), make_user()
    fid = _feed_with_visibility(client, owner, "public")
    act = _post(user_client(stranger), fid)().data.activity
    assert act.user.id == stranger
    assert act.id in _ids(_server_read(client, fid, owner))


def test_private_feed_is_owner_only(client, make_user, user_client):
    owner, stranger = make_user(), make_user()
    fid = _feed_with_visibility(client, owner, "private")
    _post(user_client(owner), fid)()
    assert_api_error(lambda: _read(user_client(stranger), fid), 17, 403)
    assert_api_error(_post(user_client(stranger), fid), 17, 403)
    assert_api_error(
        lambda: user_client(stranger).feeds.follow(source=f"timeline:{stranger}", target=fid),
        17,
        403,
    )
    assert len(_read(user_client(owner), fid).activities) == 1


def test_followers_feed_matrix(client, make_user, user_client):
    owner, friend, stranger = make_user(), make_user(), make_user()
    fid = _feed_with_visibility(client, owner, "followers")
    post_id = _post(client, fid, owner)().data.activity.id
    client.feeds.follow(source=f"timeline:{friend}", target=fid, status="accepted")
    as_friend = user_client(friend)
    assert _ids(_read(as_friend, fid)) == [post_id]
    as_friend.feeds.add_comment(object_id=post_id, object_type="activity", comment="ok")
    assert_api_error(_post(as_friend, fid), 17, 403)
    as_stranger = user_client(stranger)
    assert_api_error(lambda: _read(as_stranger, fid), 17, 403)
    assert_api_error(
        lambda: as_stranger.feeds.add_comment(
            object_id=post_id, object_type="activity", comment="x"
        ),
        17,
        403,
    )


def test_builtin_user_and_story_groups_default_to_visible(client, user, user_client):
    for group in ("user", "story"):
        assert client.feeds.get_feed_group(id=group).data.feed_group.default_visibility == "visible"
        data = _read(user_client(user), f"{group}:{user}")
        assert data.created is True
        assert data.feed.visibility == "visible", group
        caps = data.feed.own_capabilities
        assert "add-activity" in caps and "update-feed" in caps, caps


def test_query_feeds_with_user_token_leaves_out_unreadable_feeds(client, make_user, user_client):
    owner, stranger = make_user(), make_user()
    fids = {
        "visible": _feed_with_visibility(client, owner, "visible", group="user"),
        "members": _feed_with_visibility(client, owner, "members", group="story"),
        "private": _feed_with_visibility(client, owner, "private", group="timeline"),
    }
    flt = {"feed": {"$in": sorted(fids.values())}}
    mine = client.feeds.query_feeds(filter=flt).data.feeds
    assert sorted(f.feed for f in mine) == sorted(fids.values())
    theirs = user_client(stranger).feeds.query_feeds(filter=flt).data.feeds
    assert [f.feed for f in theirs] == [fids["visible"]]
