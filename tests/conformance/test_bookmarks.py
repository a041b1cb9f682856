"""Bookmarks and bookmark folders, driven through the SDK.

Covers bookmarking activities and comments (into no folder, a new folder made on the fly, or
an existing folder by id), moving and removing bookmarks, bookmark_count and own_bookmarks on
reads, query_bookmarks (filters, sort, next/prev paging), query_bookmark_folders,
update_bookmark_folder and delete_bookmark_folder, exact counts under concurrent bookmarks, the
privacy of a user's bookmarks and folders, and bad input with its codes, changing nothing.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from getstream.models import AddFolderRequest, SortParamRequest

from conformance_support import assert_api_error, assert_duration, assert_recent


def _activity(client, author):
    return client.feeds.add_activity(
        type="post", feeds=[f"user:{author}"], text="bookmark me", user_id=author
    ).data.activity.id


def _comment(client, activity_id, user):
    return client.feeds.add_comment(
        comment="worth keeping", object_id=activity_id, object_type="activity", user_id=user
    ).data.comment.id


def _objects(resp):
    return [b.object_id for b in resp.data.bookmarks]


def _folders(client, user):
    return client.feeds.query_bookmark_folders(filter={"user_id": user}).data.bookmark_folders


def test_add_bookmark_into_a_new_folder_and_read_it_back(client, make_user):
    author, reader = make_user(), make_user(name="Reader")
    activity_id = _activity(client, author)

    resp = client.feeds.add_bookmark(
        activity_id,
        user_id=reader,
        custom={"note": "later"},
        new_folder=AddFolderRequest(name="Read later", custom={"icon": "clock"}),
    )
    assert_duration(resp.data.duration)
    b = resp.data.bookmark
    assert b.object_id == activity_id
    assert b.object_type == "activity"
    assert b.activity_id == activity_id
    assert b.activity.id == activity_id
    assert b.activity.bookmark_count == 1
    assert b.user.id == reader
    assert b.user.name == "Reader"
    assert b.custom == {"note": "later"}
    assert b.folder.name == "Read later"
    assert b.folder.custom == {"icon": "clock"}
    assert b.folder.user.id == reader
    assert_recent(b.created_at)
    assert_recent(b.folder.created_at)

    act = client.feeds.get_activity(activity_id, user_id=reader).data.activity
    assert act.bookmark_count == 1
    assert [x.folder.id for x in act.own_bookmarks] == [b.folder.id]
    assert act.own_bookmarks[0].activity.id == activity_id
    other = client.feeds.get_activity(activity_id, user_id=author).data.activity
    assert other.own_bookmarks == []

    # A new folder of a name the user has files into that folder.
    second = _activity(client, author)
    again = client.feeds.add_bookmark(
        second, user_id=reader, new_folder=AddFolderRequest(name="Read later")
    ).data.bookmark
    assert again.folder.id == b.folder.id
    assert [f.id for f in _folders(client, reader)] == [b.folder.id]


def test_update_and_delete_bookmark(client, make_user):
    author, reader = make_user(), make_user()
    activity_id = _activity(client, author)
    first = client.feeds.add_bookmark(
        activity_id, user_id=reader, new_folder=AddFolderRequest(name="one")
    ).data.bookmark
    moved = client.feeds.update_bookmark(
        activity_id,
        user_id=reader,
        folder_id=first.folder.id,
        new_folder=AddFolderRequest(name="two"),
        custom={"star": True},
    )
    assert_duration(moved.data.duration)
    m = moved.data.bookmark
    assert m.folder.name == "two"
    assert m.custom == {"star": True}
    back = client.feeds.update_bookmark(
        activity_id, user_id=reader, new_folder_id=first.folder.id
    ).data.bookmark
    assert back.folder.id == first.folder.id

    deleted = client.feeds.delete_bookmark(activity_id, folder_id=first.folder.id, user_id=reader)
    assert_duration(deleted.data.duration)
    assert deleted.data.bookmark.object_id == activity_id
    act = client.feeds.get_activity(activity_id, user_id=reader).data.activity
    assert act.bookmark_count == 0
    assert act.own_bookmarks == []
    assert_api_error(lambda: client.feeds.delete_bookmark(activity_id, user_id=reader), 16, 404)


def test_comment_bookmarks(client, make_user):
    author, reader = make_user(), make_user()
    activity_id = _activity(client, author)
    comment_id = _comment(client, activity_id, author)

    added = client.feeds.add_comment_bookmark(comment_id, user_id=reader, custom={"q": 1})
    assert_duration(added.data.duration)
    b = added.data.bookmark
    assert b.object_type == "comment"
    assert b.object_id == comment_id
    assert b.comment.id == comment_id
    assert b.comment.bookmark_count == 1
    assert b.activity.id == activity_id
    assert client.feeds.get_comment(comment_id).data.comment.bookmark_count == 1

    updated = client.feeds.update_comment_bookmark(
        comment_id, user_id=reader, new_folder=AddFolderRequest(name="quotes")
    )
    assert_duration(updated.data.duration)
    assert updated.data.bookmark.folder.name == "quotes"

    listed = client.feeds.query_bookmarks(filter={"user_id": reader, "object_type": "comment"})
    assert _objects(listed) == [comment_id]

    deleted = client.feeds.delete_comment_bookmark(comment_id, user_id=reader)
    assert_duration(deleted.data.duration)
    assert deleted.data.bookmark.object_id == comment_id
    assert client.feeds.get_comment(comment_id).data.comment.bookmark_count == 0
    assert_api_error(
        lambda: client.feeds.delete_comment_bookmark(comment_id, user_id=reader), 16, 404
    )


def test_query_bookmarks_filters_sorts_and_pages(client, make_user):
    author, reader = make_user(), make_user()
    ids = []
    for n in range(5):
        activity_id = _activity(client, author)
        folder = AddFolderRequest(name="even") if n % 2 == 0 else None
        client.feeds.add_bookmark(activity_id, user_id=reader, new_folder=folder)
        ids.append(activity_id)
    newest = list(reversed(ids))

    resp = client.feeds.query_bookmarks(filter={"user_id": reader})
    assert_duration(resp.data.duration)
    assert _objects(resp) == newest
    oldest = client.feeds.query_bookmarks(
        filter={"user_id": reader}, sort=[SortParamRequest(field="created_at", direction=1)]
    )
    assert _objects(oldest) == ids

    p1 = client.feeds.query_bookmarks(filter={"user_id": reader}, limit=2)
    assert _objects(p1) == newest[:2]
    assert p1.data.prev is None
    p2 = client.feeds.query_bookmarks(filter={"user_id": reader}, limit=2, next=p1.data.next)
    assert _objects(p2) == newest[2:4]
    p3 = client.feeds.query_bookmarks(filter={"user_id": reader}, limit=2, next=p2.data.next)
    assert _objects(p3) == newest[4:]
    assert p3.data.next is None
    back = client.feeds.query_bookmarks(filter={"user_id": reader}, limit=2, prev=p3.data.prev)
    assert _objects(back) == newest[2:4]

    folder_id = _folders(client, reader)[0].id
    even = client.feeds.query_bookmarks(filter={"user_id": reader, "folder_id": folder_id})
    assert _objects(even) == [ids[4], ids[2], ids[0]]
    one = client.feeds.query_bookmarks(filter={"user_id": reader, "activity_id": {"$in": [ids[1]]}})
    assert _objects(one) == [ids[1]]
    # The SDK holds times to the microsecond, rounded: a microsecond before the third
    # bookmark is still after the fourth, written by a request of its own.
    third = resp.data.bookmarks[2].created_at - timedelta(microseconds=1)
    since = client.feeds.query_bookmarks(
        filter={"user_id": reader, "created_at": {"$gte": third.isoformat()}}
    )
    assert _objects(since) == newest[:3]


def test_bookmark_folders_query_update_and_delete(client, make_user):
    author, reader = make_user(), make_user()
    a1, a2 = _activity(client, author), _activity(client, author)
    client.feeds.add_bookmark(a1, user_id=reader, new_folder=AddFolderRequest(name="one"))
    client.feeds.add_bookmark(a2, user_id=reader, new_folder=AddFolderRequest(name="two"))

    resp = client.feeds.query_bookmark_folders(filter={"user_id": reader})
    assert_duration(resp.data.duration)
    folders = resp.data.bookmark_folders
    assert [f.name for f in folders] == ["two", "one"]
    assert all(f.user.id == reader for f in folders)
    page = client.feeds.query_bookmark_folders(filter={"user_id": reader}, limit=1)
    rest = client.feeds.query_bookmark_folders(
        filter={"user_id": reader}, limit=1, next=page.data.next
    )
    assert [f.name for f in rest.data.bookmark_folders] == ["one"]
    one, two = folders[1].id, folders[0].id

    updated = client.feeds.update_bookmark_folder(one, name="uno", custom={"c": 1}, user_id=reader)
    assert_duration(updated.data.duration)
    assert updated.data.bookmark_folder.name == "uno"
    assert updated.data.bookmark_folder.custom == {"c": 1}
    assert_api_error(
        lambda: client.feeds.update_bookmark_folder(one, name="two", user_id=reader), 4, 400
    )

    deleted = client.feeds.delete_bookmark_folder(one)
    assert_duration(deleted.data.duration)
    assert client.feeds.get_activity(a1).data.activity.bookmark_count == 0
    assert client.feeds.get_activity(a2).data.activity.bookmark_count == 1
    assert [f.id for f in _folders(client, reader)] == [two]
    assert _objects(client.feeds.query_bookmarks(filter={"user_id": reader})) == [a2]
    assert_api_error(lambda: client.feeds.delete_bookmark_folder(one), 16, 404)
    assert_api_error(lambda: client.feeds.update_bookmark_folder(one, name="x"), 16, 404)


def test_concurrent_bookmarks_count_exactly(client, make_user):
    author = make_user()
    activity_id = _activity(client, author)
    users = [make_user() for _ in range(20)]

    def add(u):
        client.feeds.add_bookmark(activity_id, user_id=u, new_folder=AddFolderRequest(name="s"))

    with ThreadPoolExecutor(max_workers=10) as pool:
        list(pool.map(add, users))
    assert client.feeds.get_activity(activity_id).data.activity.bookmark_count == 20

    def remove(u):
        client.feeds.delete_bookmark(activity_id, user_id=u)

    with ThreadPoolExecutor(max_workers=10) as pool:
        list(pool.map(remove, users[:8]))
    assert client.feeds.get_activity(activity_id).data.activity.bookmark_count == 12


def test_bookmarks_and_folders_are_private(client, make_user, user_client):
    author, amy, bob = make_user(), make_user(), make_user()
    activity_id = _activity(client, author)
    as_amy, as_bob = user_client(amy), user_client(bob)
    b = as_amy.feeds.add_bookmark(
        activity_id, new_folder=AddFolderRequest(name="mine")
    ).data.bookmark
    assert b.user.id == amy
    folder = b.folder.id

    assert_api_error(lambda: as_bob.feeds.add_bookmark(activity_id, user_id=amy), 17, 403)
    assert_api_error(lambda: as_bob.feeds.delete_bookmark(activity_id, user_id=amy), 17, 403)
    assert_api_error(
        lambda: as_bob.feeds.update_bookmark(activity_id, user_id=amy, custom={"x": 1}), 17, 403
    )
    assert_api_error(lambda: as_bob.feeds.add_bookmark(activity_id, folder_id=folder), 17, 403)
    assert_api_error(lambda: as_bob.feeds.update_bookmark_folder(folder, name="bob's"), 17, 403)
    assert_api_error(lambda: as_bob.feeds.delete_bookmark_folder(folder), 17, 403)
    assert_api_error(lambda: as_bob.feeds.query_bookmarks(filter={"user_id": amy}), 17, 403)
    assert_api_error(
        lambda: as_bob.feeds.query_bookmark_folders(filter={"user_id": amy}), 17, 403
    )
    assert as_bob.feeds.query_bookmarks().data.bookmarks == []
    assert as_bob.feeds.query_bookmarks(filter={"folder_id": folder}).data.bookmarks == []
    assert as_bob.feeds.query_bookmark_folders().data.bookmark_folders == []

    # Amy's bookmark and folder are as they were, and she sees them.
    act = as_amy.feeds.get_activity(activity_id).data.activity
    assert act.bookmark_count == 1
    assert act.own_bookmarks[0].folder.name == "mine"
    assert _objects(as_amy.feeds.query_bookmarks()) == [activity_id]
    assert [f.id for f in as_amy.feeds.query_bookmark_folders().data.bookmark_folders] == [folder]
    as_amy.feeds.update_bookmark_folder(folder, name="still mine")
    as_amy.feeds.delete_bookmark(activity_id)
    as_amy.feeds.delete_bookmark_folder(folder)
    assert as_amy.feeds.query_bookmark_folders().data.bookmark_folders == []


def test_bad_input_is_refused_and_changes_nothing(client, make_user, uid):
    author, reader = make_user(), make_user()
    activity_id = _activity(client, author)

    assert_api_error(
        lambda: client.feeds.add_bookmark(
            uid("missing"), user_id=reader, new_folder=AddFolderRequest(name="f")
        ),
        16,
        404,
    )
    assert_api_error(
        lambda: client.feeds.add_comment_bookmark(uid("missing"), user_id=reader), 16, 404
    )
    assert_api_error(
        lambda: client.feeds.add_bookmark(activity_id, user_id=reader, folder_id=uid("nofolder")),
        16,
        404,
    )
    assert_api_error(
        lambda: client.feeds.add_bookmark(
            activity_id, user_id=reader, folder_id="x", new_folder=AddFolderRequest(name="f")
        ),
        4,
        400,
    )
    assert_api_error(lambda: client.feeds.add_bookmark(activity_id), 4, 400)
    assert_api_error(lambda: client.feeds.query_bookmarks(), 4, 400)
    assert_api_error(
        lambda: client.feeds.query_bookmarks(filter={"user_id": reader, "colour": "red"}), 4, 400
    )
    assert_api_error(
        lambda: client.feeds.query_bookmarks(filter={"user_id": reader}, next="nonsense"), 4, 400
    )
    assert client.feeds.get_activity(activity_id).data.activity.bookmark_count == 0
    assert _folders(client, reader) == []

    client.feeds.add_bookmark(activity_id, user_id=reader)
    assert_api_error(
        lambda: client.feeds.add_bookmark(
            activity_id, user_id=reader, new_folder=AddFolderRequest(name="dup")
        ),
        4,
        400,
    )
    assert client.feeds.get_activity(activity_id).data.activity.bookmark_count == 1
    assert _folders(client, reader) == []
    other = _activity(client, author)
    assert_api_error(
        lambda: client.feeds.update_bookmark(other, user_id=reader, custom={}), 16, 404
    )
    assert_api_error(
        lambda: client.feeds.update_bookmark(
            activity_id, user_id=reader, new_folder_id=uid("nofolder")
        ),
        16,
        404,
    )
