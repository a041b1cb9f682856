"""Expiry, activity feedback and stories through the SDK and the local stack.

An activity expiring a second ahead is in the feed, then not (no job involved), then gone from
storage once the expiry job has run (invoked as its schedule would, through the Lambda invoke API
of `cargo lambda watch`); feedback hides an activity for its user only; a watched story is skipped
where the group sets skip_watched.
"""

from __future__ import annotations

import json
import time
import urllib.request
from datetime import datetime, timedelta, timezone

from getstream.models import StoriesConfig

from conformance_support import assert_api_error, uid


def _run_job(settings, job):
    """Runs a scheduled job to the end, as `scripts/job` does."""
    url = f"{settings['base_url']}/2015-03-31/functions/jobs/invocations"
    for _ in range(100):
        request = urllib.request.Request(
            url, data=json.dumps({"job": job}).encode(), method="POST", headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=120) as resp:
            report = json.loads(resp.read())
        if not report.get("more"):
            return report
    raise AssertionError("the job did not finish")


def _rfc3339(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _ids(data):
    return [a.id for a in data.activities]


def _read(client, fid, **kwargs):
    group, feed_id = fid.split(":", 1)
    return client.feeds.get_or_create_feed(feed_group_id=group, feed_id=feed_id, **kwargs).data


def test_expiring_activity_leaves_reads_then_storage(client, settings, make_user):
    user = make_user()
    fid = f"user:{user}"
    soon = _rfc3339(datetime.now(timezone.utc) + timedelta(seconds=1))
    activity = client.feeds.add_activity(type="story", feeds=[fid], user_id=user, expires_at=soon).data.activity
    assert _ids(_read(client, fid)) == [activity.id]
    time.sleep(1.5)
    assert _ids(_read(client, fid)) == []
    # Still stored: an admin query that asks for expired activities finds it.
    found = client.feeds.query_activities(filter={"user_id": user}, include_expired_activities=True).data
    assert _ids(found) == [activity.id]
    _run_job(settings, "expiry")
    found = client.feeds.query_activities(filter={"user_id": user}, include_expired_activities=True).data
    assert _ids(found) == []
    assert_api_error(lambda: client.feeds.get_activity(activity.id), code=16, status=404)


def test_hidden_for_its_user_only(client, make_user):
    author, amy, bob = make_user(), make_user(), make_user()
    post = client.feeds.add_activity(type="post", feeds=[f"user:{author}"], user_id=author).data.activity
    resp = client.feeds.activity_feedback(post.id, hide=True, user_id=amy)
    assert resp.data.activity_id == post.id
    for_amy = _read(client, f"user:{author}", user_id=amy).activities
    for_bob = _read(client, f"user:{author}", user_id=bob).activities
    assert [a.hidden for a in for_amy if a.id == post.id] == [True]
    assert [a.hidden for a in for_bob if a.id == post.id] == [False]


def test_watched_story_is_skipped_with_skip_watched(client, make_user):
    group = uid("stories").replace("-", "_")
    client.feeds.create_feed_group(id=group, stories=StoriesConfig(skip_watched=True, track_watched=True))
    viewer = make_user()
    fid = f"{group}:{viewer}"
    later = _rfc3339(datetime.now(timezone.utc) + timedelta(days=1))
    stories = [
        client.feeds.add_activity(type="story", feeds=[fid], user_id=make_user(), expires_at=later).data.activity.id
        for _ in range(2)
    ]
    assert sorted(_ids(_read(client, fid, user_id=viewer))) == sorted(stories)
    client.feeds.mark_activity(feed_group_id=group, feed_id=viewer, mark_watched=[stories[0]], user_id=viewer)
    assert _ids(_read(client, fid, user_id=viewer)) == [stories[1]]
