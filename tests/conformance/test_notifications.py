"""Aggregated and notification feeds through the SDK.

Covers aggregation by a feed group's Jinja format (20 likes in a day make one group keeping
15 activities, the seed's if/else format), fan-out into an aggregated follower feed, the
notification status with mark_activity (mark_all_seen, mark_read by id, mark_all_read), formats
refused when the group is saved, and the notification activities reactions, comments and follows
create for the user they concern (never for the actor themself).
"""

from __future__ import annotations

from getstream.models import AggregationConfig, NotificationConfig

from conformance_support import assert_api_error, uid, wait_until

DAY = '{{ verb }}_{{ time.strftime("%Y-%m-%d") }}'


def _group(client, **settings):
    group_id = uid("agg").replace("-", "_")
    client.feeds.create_feed_group(id=group_id, **settings)
    return group_id


def _read(client, fid, **kwargs):
    group, feed_id = fid.split(":", 1)
    return client.feeds.get_or_create_feed(feed_group_id=group, feed_id=feed_id, **kwargs).data


def _mark(client, fid, **kwargs):
    group, feed_id = fid.split(":", 1)
    return client.feeds.mark_activity(feed_group_id=group, feed_id=feed_id, **kwargs)


def test_twenty_likes_in_a_day_make_one_group(client, make_user):
    group = _group(client, aggregation=AggregationConfig(format=DAY))
    fid = f"{group}:{make_user()}"
    for _ in range(20):
        client.feeds.add_activity(type="like", feeds=[fid], user_id=make_user())
    data = _read(client, fid)
    assert len(data.aggregated_activities) == 1
    g = data.aggregated_activities[0]
    assert g.activity_count == 20
    assert len(g.activities) == 15
    assert g.user_count == 20
    assert g.user_count_truncated is True
    assert g.group.startswith("like_")


def test_seed_format_groups_follows_per_actor(client, make_user):
    fmt = (
        "{% if verb == 'follow' %}{{ actor }}_{{ verb }}_{{ time.strftime('%Y-%m-%d') }}"
        "{% else %}{{ verb }}_{{ time.strftime('%Y-%m-%d') }}{% endif %}"
    )
    group = _group(client, aggregation=AggregationConfig(format=fmt))
    fid = f"{group}:{make_user()}"
    eric, amy = make_user(), make_user()
    for actor, verb in [(eric, "follow"), (eric, "follow"), (amy, "follow"), (eric, "like"), (amy, "like")]:
        client.feeds.add_activity(type=verb, feeds=[fid], user_id=actor)
    counts = sorted(
        (g.group.split("_")[0] if "follow" in g.group else "like", g.activity_count)
        for g in _read(client, fid).aggregated_activities
    )
    assert counts == sorted([(eric, 2), (amy, 1), ("like", 2)])


def test_fan_out_aggregates_into_follower_feed(client, make_user):
    group = _group(client, aggregation=AggregationConfig(format=DAY))
    john, reader = make_user(), make_user()
    follower = f"{group}:{reader}"
    client.feeds.follow(source=follower, target=f"user:{john}")
    for _ in range(3):
        client.feeds.add_activity(type="post", feeds=[f"user:{john}"], user_id=john)

    groups = wait_until(
        lambda: _read(client, follower).aggregated_activities,
        lambda gs: bool(gs) and gs[0].activity_count == 3,
        what="three posts in one group of the follower feed",
    )
    assert len(groups) == 1 and groups[0].user_count == 1


def test_bad_formats_are_refused_when_saved(client):
    for fmt, needle in [("{{ verb ", "aggregation.format"), ("{{ time.strftime('%Q') }}", "strftime")]:
        assert_api_error(
            lambda: client.feeds.create_feed_group(
                id=uid("bad").replace("-", "_"), aggregation=AggregationConfig(format=fmt)
            ),
            code=4,
            status=400,
            message_contains=needle,
        )


def test_unseen_falls_after_mark_all_seen(client, make_user):
    group = _group(
        client,
        aggregation=AggregationConfig(format="{{ verb }}"),
        notification=NotificationConfig(track_read=True, track_seen=True),
    )
    fid = f"{group}:{make_user()}"
    for verb in ["like", "like", "follow", "comment"]:
        client.feeds.add_activity(type=verb, feeds=[fid], user_id=make_user())
    before = _read(client, fid)
    assert (before.notification_status.unread, before.notification_status.unseen) == (3, 3)
    assert all(g.is_seen is False for g in before.aggregated_activities)
    _mark(client, fid, mark_all_seen=True)
    after = _read(client, fid)
    assert (after.notification_status.unread, after.notification_status.unseen) == (3, 0)
    _mark(client, fid, mark_read=["like"])
    data = _read(client, fid)
    assert data.notification_status.unread == 2
    assert [g.is_read for g in data.aggregated_activities if g.group == "like"] == [True]
    _mark(client, fid, mark_all_read=True)
    assert _read(client, fid).notification_status.unread == 0
    assert_api_error(lambda: _mark(client, fid, mark_read=["nope"]), code=4, status=400)


def test_reaction_and_comment_notify_the_author_not_the_actor(client, make_user):
    john, amy = make_user(), make_user()
    post = client.feeds.add_activity(type="post", feeds=[f"user:{john}"], text="photo", user_id=john)
    post_id = post.data.activity.id
    client.feeds.add_activity_reaction(post_id, type="like", user_id=amy, create_notification_activity=True)
    client.feeds.add_activity_reaction(post_id, type="like", user_id=john, create_notification_activity=True)
    client.feeds.add_comment(
        comment="nice", object_id=post_id, object_type="activity", user_id=amy, create_notification_activity=True
    )
    data = _read(client, f"notification:{john}")
    assert sorted(a.type for a in data.activities) == ["comment", "reaction"]
    assert all(a.user.id == amy for a in data.activities)
    assert data.notification_status.unseen == 2
    assert not _read(client, f"notification:{amy}").activities
    client.feeds.delete_activity_reaction(post_id, "like", user_id=amy, delete_notification_activity=True)
    assert [a.type for a in _read(client, f"notification:{john}").activities] == ["comment"]


def test_follow_notifies_the_followed(client, make_user):
    john, cy = make_user(), make_user()
    client.feeds.get_or_create_feed(feed_group_id="user", feed_id=john, user_id=john)
    client.feeds.follow(source=f"timeline:{cy}", target=f"user:{john}", create_notification_activity=True)
    data = _read(client, f"notification:{john}")
    assert [(a.type, a.user.id) for a in data.activities] == [("follow", cy)]
