"""Feeds v3 through the SDK: get-or-create (with `data` and `user_id`), the FeedResponse
fields, update, delete, batch create, query_feeds, and reading a feed page by page
(`limit`, `next`, `prev`, `filter`, cursor and limit errors)."""

from __future__ import annotations

from getstream.models import FeedInput, FeedRequest

from conformance_support import assert_api_error, assert_duration, assert_recent, uid


def _split(fid: str):
    group, feed_id = fid.split(":", 1)
    return group, feed_id


def _read(client, fid, **kwargs):
    group, feed_id = _split(fid)
    resp = client.feeds.get_or_create_feed(feed_group_id=group, feed_id=feed_id, **kwargs)
    assert_duration(resp.data.duration)
    return resp.data


def _ids(data):
    return [a.id for a in data.activities]


def _post(client, fid, user, **kwargs):
    kwargs.setdefault("type", "post")
    kwargs.setdefault("text", "feeds conformance")
    return client.feeds.add_activity(feeds=[fid], user_id=user, **kwargs).data.activity.id


# --- get-or-create -------------------------------------------------------------------------


def test_get_or_create_feed_creates_on_first_call(client, user):
    data = FeedInput(
        name="Alice's feed",
        description="Everything Alice posts",
        visibility="public",
        custom={"theme": "dark", "rank": 2},
        filter_tags=["sports", "news"],
    )
    first = _read(client, f"user:{user}", user_id=user, data=data)
    assert first.created is True
    feed = first.feed
    assert feed.feed == f"user:{user}"
    assert feed.group_id == "user"
    assert feed.id == user
    assert feed.created_by.id == user
    assert feed.name == "Alice's feed"
    assert feed.description == "Everything Alice posts"
    assert feed.visibility == "public"
    assert feed.custom == {"theme": "dark", "rank": 2}
    assert sorted(feed.filter_tags) == ["news", "sports"]
    assert feed.activity_count == 0
    assert feed.follower_count == 0
    assert feed.following_count == 0
    assert feed.member_count == 0
    assert feed.pin_count == 0
    assert_recent(feed.created_at)
    assert_recent(feed.updated_at)
    assert feed.deleted_at is None
    assert first.activities == []
    assert first.followers == []
    assert first.following == []
    assert first.next is None and first.prev is None

    second = _read(client, f"user:{user}", user_id=user, data=FeedInput(name="ignored"))
    assert second.created is False
    # The existing feed is returned unchanged.
    assert second.feed.name == "Alice's feed"
    assert second.feed.created_at == feed.created_at


def test_get_or_create_feed_without_data_uses_defaults(client, user):
    resp = _read(client, f"user:{user}", user_id=user)
    assert resp.created is True
    assert resp.feed.name == ""
    assert resp.feed.description == ""
    assert resp.feed.created_by.id == user


def test_user_client_creates_its_own_feed(client, user, user_client):
    as_user = user_client(user)
    resp = as_user.feeds.get_or_create_feed(
        feed_group_id="user", feed_id=user, data=FeedInput(visibility="visible")
    )
    assert resp.data.created is True
    assert resp.data.feed.created_by.id == user
    assert resp.data.feed.visibility == "visible"


def test_activity_count_counts_posts(client, user):
    fid = f"user:{user}"
    for _ in range(3):
        _post(client, fid, user)
    assert _read(client, fid, limit=0).feed.activity_count == 3


def test_unknown_group_is_not_found(client, user):
    assert_api_error(
        lambda: client.feeds.get_or_create_feed(
            feed_group_id=uid("nosuchgroup"), feed_id=user, user_id=user
        ),
        16,
        404,
    )


def test_invalid_visibility_is_an_input_error(client, user):
    assert_api_error(
        lambda: _read(client, f"user:{user}", user_id=user, data=FeedInput(visibility="secret")),
        4,
        400,
    )


# --- update and delete ---------------------------------------------------------------------


def test_update_feed(client, user):
    fid = f"user:{user}"
    created = _read(client, fid, user_id=user, data=FeedInput(name="before", custom={"a": 1}))
    resp = client.feeds.update_feed(
        feed_group_id="user",
        feed_id=user,
        name="after",
        description="now with a description",
        custom={"b": 2},
        filter_tags=["x"],
    )
    assert_duration(resp.data.duration)
    feed = resp.data.feed
    assert feed.feed == fid
    assert feed.name == "after"
    assert feed.description == "now with a description"
    assert feed.custom == {"b": 2}
    assert feed.filter_tags == ["x"]
    assert feed.created_by.id == user
    assert feed.updated_at >= created.feed.updated_at

    read = _read(client, fid).feed
    assert read.name == "after"
    assert read.description == "now with a description"
    assert read.custom == {"b": 2}


def test_owner_updates_own_feed_but_not_anothers(client, make_user, user_client):
    owner, other = make_user(), make_user()
    _read(client, f"user:{owner}", user_id=owner)
    resp = user_client(owner).feeds.update_feed(
        feed_group_id="user", feed_id=owner, description="mine"
    )
    assert resp.data.feed.description == "mine"
    assert_api_error(
        lambda: user_client(other).feeds.update_feed(
            feed_group_id="user", feed_id=owner, description="theirs"
        ),
        17,
        403,
    )
    assert _read(client, f"user:{owner}").feed.description == "mine"


def test_update_missing_feed_is_not_found(client):
    assert_api_error(
        lambda: client.feeds.update_feed(feed_group_id="user", feed_id=uid("f"), name="x"),
        16,
        404,
    )


def test_delete_feed(client, user):
    fid = f"user:{user}"
    _read(client, fid, user_id=user)
    resp = client.feeds.delete_feed(feed_group_id="user", feed_id=user)
    assert_duration(resp.data.duration)
    assert isinstance(resp.data.task_id, str) and resp.data.task_id
    assert_api_error(
        lambda: client.feeds.update_feed(feed_group_id="user", feed_id=user, name="x"), 16, 404
    )


def test_delete_missing_feed_is_not_found(client):
    assert_api_error(
        lambda: client.feeds.delete_feed(feed_group_id="user", feed_id=uid("f")), 16, 404
    )


# --- batch create and query ----------------------------------------------------------------


def test_create_feeds_batch(client, user):
    resp = client.feeds.create_feeds_batch(
        feeds=[
            FeedRequest(feed_group_id="timeline", feed_id=user, created_by_id=user, name="tl"),
            FeedRequest(
                feed_group_id="foryou",
                feed_id=user,
                created_by_id=user,
                description="picked for you",
                filter_tags=["fy"],
            ),
        ]
    )
    assert_duration(resp.data.duration)
    feeds = {f.feed: f for f in resp.data.feeds}
    assert set(feeds) == {f"timeline:{user}", f"foryou:{user}"}
    assert feeds[f"timeline:{user}"].name == "tl"
    assert feeds[f"timeline:{user}"].group_id == "timeline"
    assert feeds[f"foryou:{user}"].description == "picked for you"
    assert feeds[f"foryou:{user}"].filter_tags == ["fy"]
    for f in feeds.values():
        assert f.id == user
        assert f.created_by.id == user
    # They exist now: get-or-create finds them.
    again = _read(client, f"timeline:{user}", user_id=user)
    assert again.created is False
    assert again.feed.name == "tl"


def test_create_feeds_batch_unknown_group_is_not_found(client, user):
    assert_api_error(
        lambda: client.feeds.create_feeds_batch(
            feeds=[FeedRequest(feed_group_id=uid("nosuchgroup"), feed_id=user)]
        ),
        16,
        404,
    )


def test_query_feeds_by_creator_and_group(client, user, make_user):
    other = make_user()
    _read(client, f"user:{user}", user_id=user, data=FeedInput(name="mine"))
    client.feeds.create_feeds_batch(
        feeds=[
            FeedRequest(feed_group_id="timeline", feed_id=user, created_by_id=user),
            FeedRequest(feed_group_id="foryou", feed_id=user, created_by_id=user),
        ]
    )
    _read(client, f"user:{other}", user_id=other)

    resp = client.feeds.query_feeds(filter={"created_by_id": user})
    assert_duration(resp.data.duration)
    fids = sorted(f.feed for f in resp.data.feeds)
    assert fids == sorted([f"user:{user}", f"timeline:{user}", f"foryou:{user}"])
    for f in resp.data.feeds:
        assert f.created_by.id == user

    narrowed = client.feeds.query_feeds(filter={"created_by_id": user, "group_id": "user"})
    assert [f.feed for f in narrowed.data.feeds] == [f"user:{user}"]
    assert narrowed.data.feeds[0].name == "mine"

    by_in = client.feeds.query_feeds(
        filter={"created_by_id": {"$in": [user, other]}, "group_id": "user"}
    )
    assert sorted(f.feed for f in by_in.data.feeds) == sorted([f"user:{user}", f"user:{other}"])


def test_query_feeds_by_group_pages(client):
    group = uid("g").replace("-", "_")
    client.feeds.create_feed_group(id=group)
    made = [uid("f") for _ in range(5)]
    client.feeds.create_feeds_batch(
        feeds=[FeedRequest(feed_group_id=group, feed_id=f) for f in made]
    )
    seen = []
    resp = client.feeds.query_feeds(filter={"group_id": group}, limit=2)
    pages = 0
    while True:
        pages += 1
        assert len(resp.data.feeds) <= 2
        seen.extend(f.feed for f in resp.data.feeds)
        if not resp.data.next:
            break
        assert pages < 10, "query_feeds keeps returning a next cursor"
        resp = client.feeds.query_feeds(filter={"group_id": group}, limit=2, next=resp.data.next)
    assert sorted(seen) == sorted(f"{group}:{f}" for f in made)
    assert len(seen) == len(set(seen)), f"duplicates across pages: {seen}"


def test_query_feeds_unknown_filter_field_is_an_input_error(client):
    assert_api_error(lambda: client.feeds.query_feeds(filter={"colour": "red"}), 4, 400)


# --- reading a feed ------------------------------------------------------------------------


def test_reading_pages_newest_first_without_gaps_or_duplicates(client, user):
    fid = f"user:{user}"
    posted = [_post(client, fid, user, text=f"post {i}") for i in range(12)]
    newest_first = list(reversed(posted))

    pages = []
    first = _read(client, fid, limit=5)
    assert first.prev is None, "nothing is newer than the first page"
    page = first
    while True:
        assert len(page.activities) <= 5
        pages.append(_ids(page))
        if page.next is None:
            break
        assert len(pages) < 10, "the feed keeps returning a next cursor"
        page = _read(client, fid, limit=5, next=page.next)
    assert [len(p) for p in pages] == [5, 5, 2]
    read = [i for p in pages for i in p]
    assert len(read) == len(set(read)), f"duplicates: {read}"
    assert read == newest_first

    # prev from page 2 leads back to page 1.
    second = _read(client, fid, limit=5, next=first.next)
    assert _ids(second) == newest_first[5:10]
    assert second.prev is not None
    back = _read(client, fid, limit=5, prev=second.prev)
    assert _ids(back) == newest_first[:5]


def test_read_filters_on_activity_type(client, user):
    fid = f"user:{user}"
    photos = []
    for i in range(4):
        if i % 2:
            photos.append(_post(client, fid, user, type="photo"))
        else:
            _post(client, fid, user, type="post")
    got = _read(client, fid, filter={"activity_type": "photo"})
    assert _ids(got) == list(reversed(photos))
    assert all(a.type == "photo" for a in got.activities)


def test_tampered_cursor_is_an_input_error(client, user):
    fid = f"user:{user}"
    for i in range(3):
        _post(client, fid, user)
    cursor = _read(client, fid, limit=1).next
    assert cursor
    mid = len(cursor) // 2
    tampered = cursor[:mid] + ("A" if cursor[mid] != "A" else "B") + cursor[mid + 1 :]
    assert_api_error(lambda: _read(client, fid, limit=1, next=tampered), 4, 400)
    assert_api_error(lambda: _read(client, fid, limit=1, next="not-a-cursor"), 4, 400)


def test_limit_above_100_is_an_input_error(client, user):
    assert_api_error(lambda: _read(client, f"user:{user}", user_id=user, limit=101), 4, 400)
