"""Follows v3 through the SDK: follow, counts, fan-out of new posts, history copy on follow
(`activity_copy_limit`), unfollow with and without `keep_history`, follow requests to
`followers`-only feeds (accept, reject), batches and upserts, update, query_follows, and
the errors.

Delivery to followers and the history copied or removed by (un)follows are asynchronous
(a queue and a fan-out worker), so those checks poll for up to 30 s."""

from __future__ import annotations

from getstream.models import FeedInput, FollowRequest, PagerRequest, UnfollowPair

from conformance_support import (
    assert_api_error,
    assert_duration,
    assert_recent,
    uid,
    wait_until,
)

FANOUT_TIMEOUT = 30.0


def _read(client, fid, **kwargs):
    group, feed_id = fid.split(":", 1)
    resp = client.feeds.get_or_create_feed(feed_group_id=group, feed_id=feed_id, **kwargs)
    assert_duration(resp.data.duration)
    return resp.data


def _feed(client, fid):
    """The FeedResponse of a feed (metadata and counts), without its activities."""
    return _read(client, fid, limit=0).feed


def _ids(client, fid):
    return [a.id for a in _read(client, fid, limit=100).activities]


def _post(client, user, text="follows conformance"):
    resp = client.feeds.add_activity(type="post", feeds=[f"user:{user}"], user_id=user, text=text)
    return resp.data.activity.id


def _wait_ids(client, fid, done, what):
    return wait_until(lambda: _ids(client, fid), done, what=what, timeout=FANOUT_TIMEOUT)


def _follow(client, source, target, **kwargs):
    resp = client.feeds.follow(source=source, target=target, **kwargs)
    assert_duration(resp.data.duration)
    return resp.data.follow


# --- following -----------------------------------------------------------------------------


def test_follow_is_accepted_and_counted(client, make_user):
    a, b = make_user(), make_user()
    source, target = f"timeline:{a}", f"user:{b}"
    follow = _follow(client, source, target, custom={"why": "friends"})
    assert follow.status == "accepted"
    assert follow.source_feed.feed == source
    assert follow.source_feed.group_id == "timeline"
    assert follow.source_feed.id == a
    assert follow.target_feed.feed == target
    assert follow.target_feed.group_id == "user"
    assert follow.target_feed.id == b
    assert follow.custom == {"why": "friends"}
    assert isinstance(follow.follower_role, str)
    assert isinstance(follow.push_preference, str)
    assert_recent(follow.created_at)
    assert_recent(follow.updated_at)

    assert _feed(client, target).follower_count == 1
    assert _feed(client, target).following_count == 0
    assert _feed(client, source).following_count == 1
    assert _feed(client, source).follower_count == 0

    tl = _read(client, source)
    assert [f.target_feed.feed for f in tl.following] == [target]
    assert [f.source_feed.feed for f in _read(client, target).followers] == [source]


def test_user_follows_from_own_feed(client, make_user, user_client):
    a, b = make_user(), make_user()
    follow = user_client(a).feeds.follow(source=f"timeline:{a}", target=f"user:{b}").data.follow
    assert follow.status == "accepted"
    assert _feed(client, f"user:{b}").follower_count == 1


def test_followers_and_following_lists_paginate(client, make_user):
    b = make_user()
    target = f"user:{b}"
    sources = [f"timeline:{make_user()}" for _ in range(3)]
    for s in sources:
        _follow(client, s, target, activity_copy_limit=0)
    first = _read(client, target, followers_pagination=PagerRequest(limit=2))
    assert len(first.followers) == 2
    assert first.followers_pagination is not None and first.followers_pagination.next
    rest = _read(
        client,
        target,
        followers_pagination=PagerRequest(limit=2, next=first.followers_pagination.next),
    )
    assert len(rest.followers) == 1
    got = [f.source_feed.feed for f in first.followers + rest.followers]
    assert sorted(got) == sorted(sources)


def test_new_posts_reach_the_followers_timeline(client, make_user):
    a, b = make_user(), make_user()
    timeline = f"timeline:{a}"
    _follow(client, timeline, f"user:{b}")
    posted = _post(client, b, "hello followers")
    ids = _wait_ids(client, timeline, lambda ids: posted in ids, f"{posted} in {timeline}")
    assert ids == [posted]
    act = _read(client, timeline).activities[0]
    assert act.user.id == b
    assert act.text == "hello followers"


def test_follow_copies_at_most_activity_copy_limit_earlier_activities(client, make_user):
    a, b, c = make_user(), make_user(), make_user()
    posted = [_post(client, b, f"old {i}") for i in range(3)]
    limited, unlimited = f"timeline:{a}", f"timeline:{c}"
    _follow(client, limited, f"user:{b}", activity_copy_limit=2)
    _follow(client, unlimited, f"user:{b}")
    _wait_ids(client, unlimited, lambda ids: len(ids) == 3, f"3 copied into {unlimited}")
    got = _wait_ids(client, limited, lambda ids: len(ids) >= 2, f"2 copied into {limited}")
    assert got == [posted[2], posted[1]], "the newest two, newest first"


def test_follow_with_copy_limit_zero_copies_nothing(client, make_user):
    a, b, c = make_user(), make_user(), make_user()
    _post(client, b, "before")
    _follow(client, f"timeline:{a}", f"user:{b}", activity_copy_limit=0)
    # A second follower with the default copy marks when the queue has been worked.
    _follow(client, f"timeline:{c}", f"user:{b}")
    _wait_ids(client, f"timeline:{c}", lambda ids: len(ids) == 1, "history copied to c")
    assert _ids(client, f"timeline:{a}") == []


def test_unfollow_removes_history_unless_kept(client, make_user):
    a, b, c, d = make_user(), make_user(), make_user(), make_user()
    target = f"user:{b}"
    posted = [_post(client, b, f"p{i}") for i in range(2)]
    dropper, keeper = f"timeline:{a}", f"timeline:{c}"
    _follow(client, dropper, target)
    _follow(client, keeper, target)
    for fid in (dropper, keeper):
        _wait_ids(client, fid, lambda ids: len(ids) == 2, f"history copied into {fid}")

    resp = client.feeds.unfollow(source=dropper, target=target)
    assert_duration(resp.data.duration)
    assert resp.data.follow.source_feed.feed == dropper
    assert resp.data.follow.target_feed.feed == target
    kept = client.feeds.unfollow(source=keeper, target=target, keep_history=True)
    assert kept.data.follow.source_feed.feed == keeper

    assert _feed(client, target).follower_count == 0
    assert _feed(client, dropper).following_count == 0
    _wait_ids(client, dropper, lambda ids: ids == [], f"{target}'s activities gone from {dropper}")
    assert _ids(client, keeper) == list(reversed(posted))

    # New posts reach neither: d, still following, receives it; they do not.
    _follow(client, f"timeline:{d}", target, activity_copy_limit=0)
    later = _post(client, b, "after the unfollow")
    _wait_ids(client, f"timeline:{d}", lambda ids: later in ids, "the new post reaches d")
    assert later not in _ids(client, keeper)
    assert later not in _ids(client, dropper)


# --- follow requests -----------------------------------------------------------------------


def _followers_only_feed(client, user_client, owner):
    """The owner creates user:<owner> needing approval to follow, and posts once in it."""
    resp = user_client(owner).feeds.get_or_create_feed(
        feed_group_id="user", feed_id=owner, data=FeedInput(visibility="followers")
    )
    assert resp.data.created is True
    assert resp.data.feed.visibility == "followers"
    return f"user:{owner}", _post(client, owner, "before the fans came")


def test_accepting_a_follow_request(client, make_user, user_client):
    owner, fan = make_user(), make_user()
    target, earlier = _followers_only_feed(client, user_client, owner)
    source = f"timeline:{fan}"
    fan_client = user_client(fan)

    pending = fan_client.feeds.follow(source=source, target=target).data.follow
    assert pending.status == "pending"
    assert pending.request_accepted_at is None
    assert _feed(client, target).follower_count == 0
    # A pending follower may not read the feed yet.
    assert_api_error(
        lambda: fan_client.feeds.get_or_create_feed(feed_group_id="user", feed_id=owner),
        17,
        403,
    )
    # Only the owner answers.
    assert_api_error(lambda: fan_client.feeds.accept_follow(source=source, target=target), 17, 403)

    resp = user_client(owner).feeds.accept_follow(source=source, target=target)
    assert_duration(resp.data.duration)
    accepted = resp.data.follow
    assert accepted.status == "accepted"
    assert accepted.source_feed.feed == source
    assert accepted.target_feed.feed == target
    assert_recent(accepted.request_accepted_at)
    assert _feed(client, target).follower_count == 1

    _wait_ids(client, source, lambda ids: earlier in ids, "history copied on accept")
    read = fan_client.feeds.get_or_create_feed(feed_group_id="user", feed_id=owner).data
    assert [a.id for a in read.activities] == [earlier]


def test_rejecting_a_follow_request(client, make_user, user_client):
    owner, fan = make_user(), make_user()
    target, _ = _followers_only_feed(client, user_client, owner)
    source = f"timeline:{fan}"
    assert user_client(fan).feeds.follow(source=source, target=target).data.follow.status == (
        "pending"
    )

    resp = user_client(owner).feeds.reject_follow(source=source, target=target)
    assert_duration(resp.data.duration)
    rejected = resp.data.follow
    assert rejected.status == "rejected"
    assert_recent(rejected.request_rejected_at)
    assert _feed(client, target).follower_count == 0
    # It is no longer pending.
    assert_api_error(
        lambda: user_client(owner).feeds.accept_follow(source=source, target=target), 4, 400
    )
    assert_api_error(
        lambda: user_client(fan).feeds.get_or_create_feed(feed_group_id="user", feed_id=owner),
        17,
        403,
    )


# --- batches, upserts, update ----------------------------------------------------------------


def test_follow_batch(client, make_user):
    a, b, c = make_user(), make_user(), make_user()
    source = f"timeline:{a}"
    resp = client.feeds.follow_batch(
        follows=[
            FollowRequest(source=source, target=f"user:{b}", activity_copy_limit=0),
            FollowRequest(source=source, target=f"user:{c}", custom={"n": 2}),
        ]
    )
    assert_duration(resp.data.duration)
    assert sorted(f.target_feed.feed for f in resp.data.follows) == sorted(
        [f"user:{b}", f"user:{c}"]
    )
    assert len(resp.data.created) == 2
    assert all(f.status == "accepted" for f in resp.data.follows)
    by_target = {f.target_feed.feed: f for f in resp.data.follows}
    assert by_target[f"user:{c}"].custom == {"n": 2}
    assert _feed(client, source).following_count == 2


def test_get_or_create_follows_reports_only_new_ones(client, make_user):
    a, b, c = make_user(), make_user(), make_user()
    source = f"timeline:{a}"
    _follow(client, source, f"user:{b}")
    resp = client.feeds.get_or_create_follows(
        follows=[
            FollowRequest(source=source, target=f"user:{b}"),
            FollowRequest(source=source, target=f"user:{c}"),
        ]
    )
    assert_duration(resp.data.duration)
    assert sorted(f.target_feed.feed for f in resp.data.follows) == sorted(
        [f"user:{b}", f"user:{c}"]
    )
    assert [f.target_feed.feed for f in resp.data.created] == [f"user:{c}"]
    # The existing follow is not counted twice.
    assert _feed(client, f"user:{b}").follower_count == 1
    assert _feed(client, source).following_count == 2


def test_get_or_create_follow(client, make_user):
    a, b = make_user(), make_user()
    source, target = f"timeline:{a}", f"user:{b}"
    first = client.feeds.get_or_create_follow(source=source, target=target, custom={"v": 1})
    assert_duration(first.data.duration)
    assert first.data.created is True
    assert first.data.follow.status == "accepted"
    second = client.feeds.get_or_create_follow(source=source, target=target, custom={"v": 2})
    assert second.data.created is False
    assert second.data.follow.custom == {"v": 1}
    assert second.data.follow.created_at == first.data.follow.created_at
    assert _feed(client, target).follower_count == 1


def test_update_follow_custom(client, make_user):
    a, b = make_user(), make_user()
    source, target = f"timeline:{a}", f"user:{b}"
    created = _follow(client, source, target, custom={"x": 1})
    resp = client.feeds.update_follow(source=source, target=target, custom={"y": 2})
    assert_duration(resp.data.duration)
    follow = resp.data.follow
    assert follow.custom == {"y": 2}
    assert follow.status == "accepted"
    assert follow.source_feed.feed == source
    assert follow.target_feed.feed == target
    assert follow.updated_at >= created.updated_at
    listed = client.feeds.query_follows(filter={"source_feed": source}).data.follows
    assert [f.custom for f in listed] == [{"y": 2}]


def test_update_missing_follow_is_not_found(client, make_user):
    a, b = make_user(), make_user()
    assert_api_error(
        lambda: client.feeds.update_follow(
            source=f"timeline:{a}", target=f"user:{b}", custom={"y": 2}
        ),
        16,
        404,
    )


# --- query_follows ---------------------------------------------------------------------------


def test_query_follows_by_source_feed_pages(client, make_user):
    a = make_user()
    source = f"timeline:{a}"
    targets = [f"user:{make_user()}" for _ in range(5)]
    for t in targets:
        _follow(client, source, t, activity_copy_limit=0)

    seen = []
    resp = client.feeds.query_follows(filter={"source_feed": source}, limit=2)
    pages = 0
    while True:
        pages += 1
        assert_duration(resp.data.duration)
        assert len(resp.data.follows) <= 2
        for f in resp.data.follows:
            assert f.source_feed.feed == source
            seen.append(f.target_feed.feed)
        if not resp.data.next:
            break
        assert pages < 10, "query_follows keeps returning a next cursor"
        resp = client.feeds.query_follows(
            filter={"source_feed": source}, limit=2, next=resp.data.next
        )
    assert pages == 3
    assert len(seen) == len(set(seen)), f"duplicates across pages: {seen}"
    assert sorted(seen) == sorted(targets)


def test_query_follows_by_target_feed(client, make_user):
    target = f"user:{make_user()}"
    sources = [f"timeline:{make_user()}" for _ in range(3)]
    for s in sources:
        _follow(client, s, target, activity_copy_limit=0)
    first = client.feeds.query_follows(filter={"target_feed": target}, limit=2)
    assert len(first.data.follows) == 2
    assert first.data.next
    rest = client.feeds.query_follows(
        filter={"target_feed": target}, limit=2, next=first.data.next
    )
    got = [f.source_feed.feed for f in first.data.follows + rest.data.follows]
    assert sorted(got) == sorted(sources)
    assert rest.data.next is None
    assert all(f.target_feed.feed == target for f in first.data.follows + rest.data.follows)


def test_query_follows_by_both_ends_and_status(client, make_user):
    a, b, c = make_user(), make_user(), make_user()
    source = f"timeline:{a}"
    _follow(client, source, f"user:{b}", activity_copy_limit=0)
    _follow(client, source, f"user:{c}", activity_copy_limit=0)
    one = client.feeds.query_follows(
        filter={"source_feed": source, "target_feed": f"user:{c}"}
    ).data.follows
    assert [f.target_feed.feed for f in one] == [f"user:{c}"]
    accepted = client.feeds.query_follows(
        filter={"source_feed": source, "status": "accepted"}
    ).data.follows
    assert len(accepted) == 2
    pending = client.feeds.query_follows(
        filter={"source_feed": source, "status": "pending"}
    ).data.follows
    assert pending == []


# --- unfollow batches ------------------------------------------------------------------------


def test_unfollow_batch(client, make_user):
    a, b, c = make_user(), make_user(), make_user()
    source = f"timeline:{a}"
    for t in (f"user:{b}", f"user:{c}"):
        _follow(client, source, t, activity_copy_limit=0)
    resp = client.feeds.unfollow_batch(
        follows=[
            UnfollowPair(source=source, target=f"user:{b}"),
            UnfollowPair(source=source, target=f"user:{c}", keep_history=True),
        ]
    )
    assert_duration(resp.data.duration)
    assert sorted(f.target_feed.feed for f in resp.data.follows) == sorted(
        [f"user:{b}", f"user:{c}"]
    )
    assert _feed(client, source).following_count == 0
    assert _feed(client, f"user:{b}").follower_count == 0
    assert client.feeds.query_follows(filter={"source_feed": source}).data.follows == []


def test_unfollow_batch_with_a_missing_follow_is_not_found_and_removes_nothing(
    client, make_user
):
    a, b, c = make_user(), make_user(), make_user()
    source = f"timeline:{a}"
    _follow(client, source, f"user:{b}", activity_copy_limit=0)
    assert_api_error(
        lambda: client.feeds.unfollow_batch(
            follows=[
                UnfollowPair(source=source, target=f"user:{b}"),
                UnfollowPair(source=source, target=f"user:{c}"),
            ]
        ),
        16,
        404,
    )
    assert _feed(client, f"user:{b}").follower_count == 1


def test_get_or_create_unfollows_tolerates_missing_follows(client, make_user):
    a, b, c = make_user(), make_user(), make_user()
    source = f"timeline:{a}"
    _follow(client, source, f"user:{b}", activity_copy_limit=0)
    resp = client.feeds.get_or_create_unfollows(
        follows=[
            UnfollowPair(source=source, target=f"user:{b}"),
            UnfollowPair(source=source, target=f"user:{c}"),
        ]
    )
    assert_duration(resp.data.duration)
    assert [f.target_feed.feed for f in resp.data.follows] == [f"user:{b}"]
    assert _feed(client, f"user:{b}").follower_count == 0
    again = client.feeds.get_or_create_unfollows(
        follows=[UnfollowPair(source=source, target=f"user:{b}")]
    )
    assert again.data.follows == []


def test_get_or_create_unfollow(client, make_user):
    a, b = make_user(), make_user()
    source, target = f"timeline:{a}", f"user:{b}"
    _follow(client, source, target, activity_copy_limit=0)
    first = client.feeds.get_or_create_unfollow(source=source, target=target)
    assert_duration(first.data.duration)
    assert first.data.deleted is True
    assert first.data.follow is not None and first.data.follow.target_feed.feed == target
    second = client.feeds.get_or_create_unfollow(source=source, target=target)
    assert second.data.deleted is False
    assert second.data.follow is None


# --- errors ----------------------------------------------------------------------------------


def test_following_oneself_is_an_input_error(client, user):
    fid = f"user:{user}"
    assert_api_error(lambda: client.feeds.follow(source=fid, target=fid), 4, 400)


def test_malformed_fid_is_an_input_error(client, user):
    assert_api_error(lambda: client.feeds.follow(source="user", target=f"user:{user}"), 4, 400)
    assert_api_error(
        lambda: client.feeds.follow(source=f"timeline:{user}", target="user"), 4, 400
    )


def test_unknown_group_is_an_input_error(client, user):
    assert_api_error(
        lambda: client.feeds.follow(
            source=f"timeline:{user}", target=f"{uid('nosuchgroup')}:{user}"
        ),
        4,
        400,
    )


def test_activity_copy_limit_above_1000_is_an_input_error(client, make_user):
    a, b = make_user(), make_user()
    assert_api_error(
        lambda: client.feeds.follow(
            source=f"timeline:{a}", target=f"user:{b}", activity_copy_limit=1001
        ),
        4,
        400,
    )
    # Nothing was created.
    assert _feed(client, f"user:{b}").follower_count == 0


def test_duplicate_follow_is_an_input_error(client, make_user):
    a, b = make_user(), make_user()
    _follow(client, f"timeline:{a}", f"user:{b}")
    assert_api_error(
        lambda: client.feeds.follow(source=f"timeline:{a}", target=f"user:{b}"), 4, 400
    )
    assert _feed(client, f"user:{b}").follower_count == 1


def test_unfollowing_a_missing_follow_is_not_found(client, make_user):
    a, b = make_user(), make_user()
    assert_api_error(
        lambda: client.feeds.unfollow(source=f"timeline:{a}", target=f"user:{b}"), 16, 404
    )
    _follow(client, f"timeline:{a}", f"user:{b}", activity_copy_limit=0)
    client.feeds.unfollow(source=f"timeline:{a}", target=f"user:{b}")
    assert_api_error(
        lambda: client.feeds.unfollow(source=f"timeline:{a}", target=f"user:{b}"), 16, 404
    )


def test_user_cannot_follow_from_another_users_feed(client, make_user, user_client):
    owner, mallory, target = make_user(), make_user(), make_user()
    assert_api_error(
        lambda: user_client(mallory).feeds.follow(
            source=f"timeline:{owner}", target=f"user:{target}"
        ),
        17,
        403,
    )
    assert _feed(client, f"user:{target}").follower_count == 0


def test_user_cannot_unfollow_for_another_user(client, make_user, user_client):
    owner, mallory, target = make_user(), make_user(), make_user()
    _follow(client, f"timeline:{owner}", f"user:{target}", activity_copy_limit=0)
    assert_api_error(
        lambda: user_client(mallory).feeds.unfollow(
            source=f"timeline:{owner}", target=f"user:{target}"
        ),
        17,
        403,
    )
    assert _feed(client, f"user:{target}").follower_count == 1
