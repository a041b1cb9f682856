"""delete_feed_user_data and export_feed_user_data through the SDK: both return a task id at
once; the task (run through the task queue) is followed with get_task until it completes."""

from __future__ import annotations

from conformance_support import assert_api_error, wait_until


def _finished(client, task_id):
    return wait_until(
        lambda: client.get_task(task_id).data,
        lambda t: t.status in ("completed", "failed"),
        what=f"task {task_id} to finish",
        timeout=60,
    )


def _world(client, make_user):
    amy, bob = make_user(), make_user()
    posts = [
        client.feeds.add_activity(type="post", feeds=[f"user:{amy}"], text=f"amy {n}", user_id=amy).data.activity.id
        for n in range(2)
    ]
    bob_post = client.feeds.add_activity(type="post", feeds=[f"user:{bob}"], user_id=bob).data.activity.id
    client.feeds.follow(source=f"timeline:{bob}", target=f"user:{amy}")
    client.feeds.add_activity_reaction(bob_post, type="like", user_id=amy)
    comment = client.feeds.add_comment(
        comment="hi bob", object_id=bob_post, object_type="activity", user_id=amy
    ).data.comment.id
    return amy, bob, posts, bob_post, comment


def test_export_contains_everything_the_user_created(client, make_user):
    amy, _, posts, bob_post, comment = _world(client, make_user)
    task_id = client.feeds.export_feed_user_data(user_id=amy).data.task_id
    task = _finished(client, task_id)
    assert task.status == "completed"
    data = task.result["data"]
    assert sorted(a["id"] for a in data["activities"]) == sorted(posts)
    assert [c["id"] for c in data["comments"]] == [comment]
    assert [r["activity_id"] for r in data["reactions"]] == [bob_post]
    assert data["user"]["id"] == amy


def test_hard_delete_removes_content_and_corrects_counts(client, make_user):
    amy, bob, posts, bob_post, comment = _world(client, make_user)
    task_id = client.feeds.delete_feed_user_data(user_id=amy, hard_delete=True).data.task_id
    assert _finished(client, task_id).status == "completed"
    for post in posts:
        assert_api_error(lambda: client.feeds.get_activity(post), code=16, status=404)
    assert_api_error(lambda: client.feeds.get_comment(comment), code=16, status=404)
    theirs = client.feeds.get_activity(bob_post).data.activity
    assert (theirs.reaction_count, theirs.comment_count) == (0, 0)
    timeline = client.feeds.get_or_create_feed(feed_group_id="timeline", feed_id=bob).data
    assert timeline.feed.following_count == 0
    assert not set(a.id for a in timeline.activities) & set(posts)


def test_unknown_task_is_not_found(client):
    assert_api_error(lambda: client.get_task("no-such-task"), code=16, status=404)
