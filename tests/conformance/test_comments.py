"""Threaded comments on activities, driven through the SDK.

Covers adding a root comment and replies (replies inherit the object), nesting by depth,
reading replies, the activity's comment_count under concurrent adds and the comments a read of
the activity carries (newest five top-level by default, or comment_limit / comment_sort),
paging get_comments, editing (full and partial), soft delete / restore / hard delete,
restrict_replies, and the failures with their codes.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from getstream.models import AddCommentRequest

from conformance_support import assert_api_error, assert_duration, assert_recent

SORTS_NEWEST = "last"
SORTS_OLDEST = "first"


def _activity(client, user, **kwargs):
    """A fresh post by `user` on its own user feed; returns the activity id."""
    act = client.feeds.add_activity(
        type="post", feeds=[f"user:{user}"], text="comment on me", user_id=user, **kwargs
    ).data.activity
    assert act.comment_count == 0
    return act.id


def _comment(client, user, text, *, object_id=None, parent_id=None, **kwargs):
    """Adds a comment (on `object_id`, or as a reply to `parent_id`); returns the comment."""
    if parent_id is None:
        kwargs.setdefault("object_type", "activity")
    resp = client.feeds.add_comment(
        comment=text, object_id=object_id, parent_id=parent_id, user_id=user, **kwargs
    )
    assert_duration(resp.data.duration)
    return resp.data.comment


def _ids(comments):
    return [c.id for c in comments]


def _texts(comments):
    return [c.text for c in comments]


def _all_pages(client, activity_id, *, limit, sort=None):
    """Every top-level comment through get_comments pages of `limit`, in page order."""
    seen, cursor, pages = [], None, 0
    while True:
        data = client.feeds.get_comments(
            object_id=activity_id, object_type="activity", limit=limit, sort=sort, next=cursor
        ).data
        assert_duration(data.duration)
        assert len(data.comments) <= limit
        seen.extend(data.comments)
        pages += 1
        assert pages < 50, "get_comments keeps returning a next cursor"
        if not data.next:
            return seen, pages
        cursor = data.next


# --- adding --------------------------------------------------------------------------------


def test_add_root_comment(client, make_user):
    author, reader = make_user(), make_user(name="A Reader")
    activity_id = _activity(client, author)

    c = _comment(client, reader, "first!", object_id=activity_id, custom={"mood": "happy"})

    assert isinstance(c.id, str) and c.id
    assert c.object_id == activity_id
    assert c.object_type == "activity"
    assert c.text == "first!"
    assert c.user.id == reader
    assert c.user.name == "A Reader"
    assert c.reply_count == 0
    assert c.status == "active"
    assert c.parent_id is None
    assert c.custom == {"mood": "happy"}
    assert c.deleted_at is None
    assert c.edited_at is None
    assert_recent(c.created_at)
    assert_recent(c.updated_at)

    got = client.feeds.get_comment(c.id).data
    assert_duration(got.duration)
    assert got.comment.id == c.id
    assert got.comment.text == "first!"
    assert got.comment.object_id == activity_id
    assert got.comment.user.id == reader
    assert got.comment.status == "active"
    assert got.comment.created_at == c.created_at

    act = client.feeds.get_activity(activity_id).data.activity
    assert act.comment_count == 1
    assert _ids(act.comments) == [c.id]


def test_replies_inherit_the_object_and_count(client, make_user):
    author, a, b = make_user(), make_user(), make_user()
    activity_id = _activity(client, author)
    root = _comment(client, a, "root", object_id=activity_id)

    reply = _comment(client, b, "a reply", parent_id=root.id)
    assert reply.parent_id == root.id
    assert reply.object_id == activity_id, "a reply inherits its parent's object"
    assert reply.object_type == "activity"
    assert reply.user.id == b
    assert reply.status == "active"
    assert reply.reply_count == 0

    assert client.feeds.get_comment(root.id).data.comment.reply_count == 1
    assert client.feeds.get_activity(activity_id).data.activity.comment_count == 2


def test_depth_controls_nesting(client, make_user):
    author, user = make_user(), make_user()
    activity_id = _activity(client, author)
    root = _comment(client, user, "root", object_id=activity_id)
    chain = [root]
    for level in (1, 2, 3):
        reply = _comment(client, user, f"level {level}", parent_id=chain[-1].id)
        assert reply.object_id == activity_id
        chain.append(reply)

    deep = client.feeds.get_comments(
        object_id=activity_id, object_type="activity", depth=4
    ).data
    assert_duration(deep.duration)
    assert _ids(deep.comments) == [root.id], "only the root is top-level"
    node = deep.comments[0]
    for level in (1, 2, 3):
        assert node.replies, f"level {level} is missing under {node.text!r} at depth=4"
        assert len(node.replies) == 1
        node = node.replies[0]
        assert node.id == chain[level].id
        assert node.text == f"level {level}"
        assert node.parent_id == chain[level - 1].id
    assert not node.replies, "nothing is below level 3"

    shallow = client.feeds.get_comments(
        object_id=activity_id, object_type="activity", depth=1
    ).data
    assert _ids(shallow.comments) == [root.id]
    top = shallow.comments[0]
    assert top.text == "root"
    assert top.reply_count == 1
    assert not top.replies, "depth=1 carries no replies"

    two = client.feeds.get_comments(
        object_id=activity_id, object_type="activity", depth=2
    ).data.comments[0]
    assert _ids(two.replies) == [chain[1].id]
    assert not two.replies[0].replies, "depth=2 stops at the first level of replies"

    assert client.feeds.get_activity(activity_id).data.activity.comment_count == 4


def test_get_comment_replies(client, make_user):
    author, user, other = make_user(), make_user(), make_user()
    activity_id = _activity(client, author)
    root = _comment(client, user, "root", object_id=activity_id)
    sibling = _comment(client, user, "another root", object_id=activity_id)
    replies = [_comment(client, other, f"reply {i}", parent_id=root.id) for i in range(3)]
    nested = _comment(client, user, "nested", parent_id=replies[0].id)
    _comment(client, other, "not mine", parent_id=sibling.id)

    data = client.feeds.get_comment_replies(root.id).data
    assert_duration(data.duration)
    assert _ids(data.comments) == _ids(replies), "the root's direct replies, oldest first"
    assert all(r.parent_id == root.id for r in data.comments)
    assert all(r.object_id == activity_id for r in data.comments)

    newest = client.feeds.get_comment_replies(root.id, sort=SORTS_NEWEST).data
    assert _ids(newest.comments) == list(reversed(_ids(replies)))

    deeper = client.feeds.get_comment_replies(root.id, depth=2).data
    assert _ids(deeper.comments[0].replies) == [nested.id]

    paged = client.feeds.get_comment_replies(root.id, limit=2).data
    assert _ids(paged.comments) == _ids(replies[:2])
    assert paged.next
    rest = client.feeds.get_comment_replies(root.id, limit=2, next=paged.next).data
    assert _ids(rest.comments) == _ids(replies[2:])
    assert not rest.next


def test_add_comments_batch(client, make_user):
    author, user = make_user(), make_user()
    activity_id = _activity(client, author)
    data = client.feeds.add_comments_batch(
        comments=[
            AddCommentRequest(
                comment="one", object_id=activity_id, object_type="activity", user_id=user
            ),
            AddCommentRequest(
                comment="two", object_id=activity_id, object_type="activity", user_id=user
            ),
        ]
    ).data
    assert_duration(data.duration)
    assert _texts(data.comments) == ["one", "two"]
    assert all(c.object_id == activity_id and c.user.id == user for c in data.comments)
    assert client.feeds.get_activity(activity_id).data.activity.comment_count == 2


# --- counts and the comments a read of the activity carries ---------------------------------


def test_ten_concurrent_comments_count_exactly(client, make_user):
    author = make_user()
    activity_id = _activity(client, author)
    users = [make_user() for _ in range(10)]

    with ThreadPoolExecutor(max_workers=10) as pool:
        added = list(
            pool.map(lambda u: _comment(client, u, f"by {u}", object_id=activity_id), users)
        )
    assert len({c.id for c in added}) == 10

    act = client.feeds.get_activity(activity_id).data.activity
    assert act.comment_count == 10
    shown = act.comments
    assert len(shown) == 5, "a read carries five comments"
    assert len(set(_ids(shown))) == 5
    assert set(_ids(shown)) <= {c.id for c in added}
    times = [c.created_at for c in shown]
    assert times == sorted(times, reverse=True), "newest first"
    newest_five = sorted(added, key=lambda c: c.created_at, reverse=True)[:5]
    assert min(times) >= newest_five[-1].created_at, "the five shown are the newest five"

    listed, _ = _all_pages(client, activity_id, limit=100)
    assert sorted(_ids(listed)) == sorted(c.id for c in added)


def test_activity_shows_newest_five_top_level_or_as_asked(client, make_user):
    author, user = make_user(), make_user()
    activity_id = _activity(client, author)
    tops = [_comment(client, user, f"c{i}", object_id=activity_id) for i in range(7)]
    reply = _comment(client, author, "a reply", parent_id=tops[-1].id)

    act = client.feeds.get_activity(activity_id).data.activity
    assert act.comment_count == 8
    newest_first = list(reversed(_ids(tops)))
    assert _ids(act.comments) == newest_first[:5], "the newest five top-level comments"
    assert reply.id not in _ids(act.comments), "replies are not listed on the activity"
    assert act.comments[0].user.id == user
    assert act.comments[0].text == "c6"

    oldest = client.feeds.get_activity(
        activity_id, comment_limit=7, comment_sort=SORTS_OLDEST
    ).data.activity
    assert _ids(oldest.comments) == _ids(tops), "comment_limit=7, oldest first"
    assert oldest.comment_count == 8


# --- get_comments paging -------------------------------------------------------------------


def test_get_comments_pages_without_duplicates_or_gaps(client, make_user):
    author, user = make_user(), make_user()
    activity_id = _activity(client, author)
    tops = [_comment(client, user, f"c{i}", object_id=activity_id) for i in range(7)]
    _comment(client, user, "reply", parent_id=tops[0].id)

    oldest, pages = _all_pages(client, activity_id, limit=3)
    assert _ids(oldest) == _ids(tops), "default order is oldest first, top-level only"
    assert pages == 3

    newest, pages = _all_pages(client, activity_id, limit=3, sort=SORTS_NEWEST)
    assert _ids(newest) == list(reversed(_ids(tops))), "sort=last is newest first"
    assert pages == 3

    first = client.feeds.get_comments(
        object_id=activity_id, object_type="activity", limit=2, sort=SORTS_NEWEST
    ).data
    assert first.sort == SORTS_NEWEST
    assert _texts(first.comments) == ["c6", "c5"]
    assert first.next


# --- editing -------------------------------------------------------------------------------


def test_update_comment_changes_text_and_sets_edited_at(client, make_user):
    author, user = make_user(), make_user()
    activity_id = _activity(client, author)
    c = _comment(client, user, "v1", object_id=activity_id)

    data = client.feeds.update_comment(c.id, comment="v2", user_id=user).data
    assert_duration(data.duration)
    updated = data.comment
    assert updated.id == c.id
    assert updated.text == "v2"
    assert updated.user.id == user
    assert_recent(updated.edited_at)
    assert updated.created_at == c.created_at
    assert updated.updated_at >= c.updated_at

    read = client.feeds.get_comment(c.id).data.comment
    assert read.text == "v2"
    assert read.edited_at is not None
    assert _texts(client.feeds.get_activity(activity_id).data.activity.comments) == ["v2"]


def test_update_comment_partial_set_and_unset(client, make_user):
    author, user = make_user(), make_user()
    activity_id = _activity(client, author)
    c = _comment(client, user, "hello", object_id=activity_id, custom={"keep": 1, "y": "old"})

    data = client.feeds.update_comment_partial(
        c.id, set={"custom.x": 42}, unset=["custom.y"], user_id=user
    ).data
    assert_duration(data.duration)
    assert data.comment.custom == {"keep": 1, "x": 42}
    assert data.comment.text == "hello", "text is untouched"

    read = client.feeds.get_comment(c.id).data.comment
    assert read.custom == {"keep": 1, "x": 42}

    again = client.feeds.update_comment_partial(c.id, set={"text": "hi"}, user_id=user).data
    assert again.comment.text == "hi"
    assert again.comment.custom == {"keep": 1, "x": 42}


def test_user_cannot_edit_someone_elses_comment(client, make_user, user_client):
    author, owner, intruder = make_user(), make_user(), make_user()
    activity_id = _activity(client, author)
    c = _comment(client, owner, "mine", object_id=activity_id)

    as_intruder = user_client(intruder)
    assert_api_error(lambda: as_intruder.feeds.update_comment(c.id, comment="hacked"), 17, 403)
    assert_api_error(
        lambda: as_intruder.feeds.update_comment_partial(c.id, set={"text": "hacked"}), 17, 403
    )
    assert client.feeds.get_comment(c.id).data.comment.text == "mine"

    as_owner = user_client(owner)
    assert as_owner.feeds.update_comment(c.id, comment="still mine").data.comment.text == (
        "still mine"
    )


# --- deleting ------------------------------------------------------------------------------


def test_soft_delete_keeps_replies_and_restore(client, make_user):
    author, user = make_user(), make_user()
    activity_id = _activity(client, author)
    root = _comment(client, user, "root", object_id=activity_id)
    reply = _comment(client, user, "reply", parent_id=root.id)

    deleted = client.feeds.delete_comment(root.id).data
    assert_duration(deleted.duration)
    assert deleted.comment.id == root.id
    assert deleted.comment.status == "deleted"
    assert_recent(deleted.comment.deleted_at)
    assert deleted.activity.id == activity_id

    got = client.feeds.get_comment(root.id).data.comment
    assert got.status == "deleted"
    assert got.deleted_at is not None

    thread = client.feeds.get_comments(
        object_id=activity_id, object_type="activity", depth=2
    ).data
    assert _ids(thread.comments) == [root.id], "a soft-deleted comment keeps its place"
    top = thread.comments[0]
    assert top.status == "deleted"
    assert _ids(top.replies) == [reply.id], "its replies stay"
    assert top.replies[0].text == "reply"
    assert top.replies[0].status == "active"
    assert client.feeds.get_comment(reply.id).data.comment.status == "active"

    restored = client.feeds.restore_comment(root.id, user_id=user).data
    assert_duration(restored.duration)
    assert restored.comment.id == root.id
    assert restored.comment.status == "active"
    assert restored.comment.text == "root"
    assert restored.comment.deleted_at is None
    assert restored.activity.id == activity_id
    read = client.feeds.get_comment(root.id).data.comment
    assert read.status == "active"
    assert read.text == "root"
    assert client.feeds.get_activity(activity_id).data.activity.comment_count == 2


def test_hard_delete_removes_the_comment(client, make_user):
    author, user = make_user(), make_user()
    activity_id = _activity(client, author)
    keep = _comment(client, user, "keep", object_id=activity_id)
    gone = _comment(client, user, "gone", object_id=activity_id)

    data = client.feeds.delete_comment(gone.id, hard_delete=True).data
    assert_duration(data.duration)
    assert data.comment.id == gone.id

    assert_api_error(lambda: client.feeds.get_comment(gone.id), 16, 404)
    act = client.feeds.get_activity(activity_id).data.activity
    assert act.comment_count == 1
    assert _ids(act.comments) == [keep.id]
    listed = client.feeds.get_comments(object_id=activity_id, object_type="activity").data
    assert _ids(listed.comments) == [keep.id]


# --- restrict_replies ----------------------------------------------------------------------


def test_restrict_replies_nobody(client, make_user):
    author, other = make_user(), make_user()
    activity_id = _activity(client, author, restrict_replies="nobody")

    assert_api_error(
        lambda: client.feeds.add_comment(
            comment="hi", object_id=activity_id, object_type="activity", user_id=other
        ),
        17,
        403,
    )
    own = _comment(client, author, "the author may", object_id=activity_id)
    assert own.user.id == author
    assert client.feeds.get_activity(activity_id).data.activity.comment_count == 1


def test_restrict_replies_people_i_follow(client, make_user):
    author, friend, stranger = make_user(), make_user(), make_user()
    activity_id = _activity(client, author, restrict_replies="people_i_follow")
    client.feeds.follow(source=f"timeline:{author}", target=f"user:{friend}")

    ok = _comment(client, friend, "hi from a friend", object_id=activity_id)
    assert ok.user.id == friend
    assert_api_error(
        lambda: client.feeds.add_comment(
            comment="hi", object_id=activity_id, object_type="activity", user_id=stranger
        ),
        17,
        403,
    )
    _comment(client, author, "my own", object_id=activity_id)
    assert client.feeds.get_activity(activity_id).data.activity.comment_count == 2


# --- failures ------------------------------------------------------------------------------


def test_comment_on_missing_activity_is_not_found(client, make_user, uid):
    user = make_user()
    assert_api_error(
        lambda: client.feeds.add_comment(
            comment="x", object_id=uid("missing"), object_type="activity", user_id=user
        ),
        16,
        404,
    )


def test_reply_to_missing_parent_is_not_found(client, make_user, uid):
    user = make_user()
    assert_api_error(
        lambda: client.feeds.add_comment(comment="x", parent_id=uid("missing"), user_id=user),
        16,
        404,
    )


def test_comment_over_ten_kilobytes_is_refused(client, make_user):
    author, user = make_user(), make_user()
    activity_id = _activity(client, author)
    assert_api_error(
        lambda: client.feeds.add_comment(
            comment="x" * (10 * 1024 + 1),
            object_id=activity_id,
            object_type="activity",
            user_id=user,
        ),
        4,
        400,
    )
    assert client.feeds.get_activity(activity_id).data.activity.comment_count == 0


def test_unknown_sort_is_refused(client, make_user):
    author = make_user()
    activity_id = _activity(client, author)
    assert_api_error(
        lambda: client.feeds.get_comments(
            object_id=activity_id, object_type="activity", sort="sideways"
        ),
        4,
        400,
    )
    assert_api_error(
        lambda: client.feeds.get_activity(activity_id, comment_sort="sideways"), 4, 400
    )
