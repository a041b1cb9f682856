"""Revision history through the SDK.

With `update_app(feed_audit_logs_enabled=True)` (server-side; `get_app` shows it), creations,
edits, soft deletes and restores of activities and comments are recorded, and
`query_revision_history` lists an object's revisions (filter on `object_type` and
`object_id`, narrowed by `action_type`, `actor_type`, `user_id`, `created_at`), newest first
or sorted by `created_at`, paged with `next` and `prev`, parsed into
`QueryRevisionHistoryResponse`: who acted (`user` with their id for a user token, `admin`
with an empty id server-side), which fields an edit changed and the object as it was. A hard
delete removes the history. Users may not read it (403 code 17); a filter without the object
is 400 code 4 naming it. The setting is app-wide: the test puts back what it found.
"""

from __future__ import annotations

import warnings

from getstream.models import QueryRevisionHistoryResponse, RevisionHistoryResponse, SortParamRequest

from conformance_support import assert_api_error, assert_duration, assert_recent, fid_for


def _audit_logs_on(client) -> bool:
    # get_app answers the app fields Tributary has; the SDK warns about the chat and video
    # settings it leaves out.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return bool(client.get_app().data.app.feed_audit_logs_enabled)


def _history(client, object_type, object_id, **kwargs) -> QueryRevisionHistoryResponse:
    flt = {"object_type": object_type, "object_id": object_id, **kwargs.pop("filter", {})}
    resp = client.feeds.query_revision_history(filter=flt, **kwargs)
    assert isinstance(resp.data, QueryRevisionHistoryResponse)
    assert_duration(resp.data.duration)
    return resp.data


def _actions(data) -> list[str]:
    return [r.action_type for r in data.revisions]


def test_revision_history_records_changes(client, make_user, user_client):
    was_on = _audit_logs_on(client)
    client.update_app(feed_audit_logs_enabled=True)
    try:
        assert _audit_logs_on(client) is True
        amy = make_user()
        me = user_client(amy)
        activity = me.feeds.add_activity(feeds=[fid_for(amy)], type="post", text="first").data.activity.id
        client.feeds.update_activity_partial(id=activity, set={"text": "second"})
        me.feeds.delete_activity(id=activity)
        client.feeds.restore_activity(id=activity)

        data = _history(client, "activity", activity)
        assert _actions(data) == ["restore", "delete", "edit", "create"]
        assert all(isinstance(r, RevisionHistoryResponse) for r in data.revisions)
        create, edit = data.revisions[3], data.revisions[2]
        assert (create.actor_type, create.user_id, create.object_type, create.object_id) == (
            "user",
            amy,
            "activity",
            activity,
        )
        assert create.previous_obj_serialized is None
        assert_recent(create.created_at)
        assert (edit.actor_type, edit.user_id) == ("admin", "")
        assert edit.changed_fields == ["text"]
        assert edit.previous_obj_serialized["text"] == "first"

        oldest = _history(client, "activity", activity, sort=[SortParamRequest(field="created_at", direction=1)])
        assert _actions(oldest) == ["create", "edit", "delete", "restore"]
        mine = _history(client, "activity", activity, filter={"user_id": amy})
        assert _actions(mine) == ["delete", "create"]
        first = _history(client, "activity", activity, limit=3)
        assert _actions(first) == ["restore", "delete", "edit"] and first.prev is None
        rest = _history(client, "activity", activity, limit=3, next=first.next)
        assert _actions(rest) == ["create"] and rest.next is None
        back = _history(client, "activity", activity, limit=3, prev=rest.prev)
        assert _actions(back) == ["restore", "delete", "edit"]

        comment = client.feeds.add_comment(
            object_id=activity, object_type="activity", comment="hi", user_id=amy
        ).data.comment.id
        me.feeds.update_comment(id=comment, comment="hello")
        comments = _history(client, "comment", comment)
        assert _actions(comments) == ["edit", "create"]
        assert comments.revisions[0].previous_obj_serialized["text"] == "hi"

        client.feeds.delete_activity(id=activity, hard_delete=True)
        assert _history(client, "activity", activity).revisions == []

        assert_api_error(
            lambda: me.feeds.query_revision_history(filter={"object_type": "activity", "object_id": activity}),
            17,
            403,
        )
        assert_api_error(
            lambda: client.feeds.query_revision_history(filter={"object_type": "activity"}), 4, 400, "object_id"
        )
    finally:
        client.update_app(feed_audit_logs_enabled=bool(was_on))


def test_nothing_is_recorded_while_audit_logs_are_off(client, make_user):
    was_on = _audit_logs_on(client)
    client.update_app(feed_audit_logs_enabled=False)
    try:
        amy = make_user()
        activity = client.feeds.add_activity(feeds=[fid_for(amy)], type="post", text="x", user_id=amy)
        activity_id = activity.data.activity.id
        client.feeds.update_activity_partial(id=activity_id, set={"text": "y"})
        assert _history(client, "activity", activity_id).revisions == []
    finally:
        client.update_app(feed_audit_logs_enabled=bool(was_on))
