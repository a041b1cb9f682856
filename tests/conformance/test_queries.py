"""query_activities and query_comments, driven through the SDK.

Covers the indexed filters (user_id, feed, activity_type), conditions checked on what is read
(tags, custom fields, text search), created_at ranges, sorts, paging with `next`, soft-deleted and
expired activities on request, and malformed filters refused with code 4 naming the operator.
"""

from __future__ import annotations

from getstream.models import SortParamRequest

from conformance_support import assert_api_error, assert_duration, uid


def _post(client, user, **kwargs):
    kwargs.setdefault("type", "post")
    kwargs.setdefault("feeds", [f"user:{user}"])
    return client.feeds.add_activity(user_id=user, **kwargs).data.activity


def _ids(items):
    return [i.id for i in items]


def _all_activities(client, **kwargs):
    """Every page of a query_activities call, following `next`."""
    seen, cursor, pages = [], None, 0
    while True:
        data = client.feeds.query_activities(next=cursor, **kwargs).data
        assert_duration(data.duration)
        seen.extend(data.activities)
        pages += 1
        cursor = data.next
        if not cursor:
            return seen, pages
        assert pages < 50


def test_query_by_user_pages_newest_first(client, make_user):
    user = make_user()
    made = [_post(client, user, text=f"post {i}").id for i in range(5)]
    seen, pages = _all_activities(client, filter={"user_id": user}, limit=2)
    assert _ids(seen) == list(reversed(made))
    assert pages == 3
    oldest, _ = _all_activities(
        client,
        filter={"user_id": {"$in": [user]}},
        sort=[SortParamRequest(field="created_at", direction=1)],
        limit=10,
    )
    assert _ids(oldest) == made
    # The activities come enriched like any read: the author is a user object.
    assert seen[0].user.id == user


def test_query_by_feed_lists_shared_activity_once(client, make_user):
    a, b = make_user(), make_user()
    both = _post(client, a, feeds=[f"user:{a}", f"user:{b}"]).id
    only_b = _post(client, b).id
    data = client.feeds.query_activities(filter={"feed": {"$in": [f"user:{a}", f"user:{b}"]}}).data
    assert _ids(data.activities) == [only_b, both]


def test_query_by_type_with_content_conditions(client, make_user):
    user = make_user()
    kind = uid("kind")
    hot = _post(
        client,
        user,
        type=kind,
        text="The quick brown fox",
        filter_tags=["news", "sport"],
        interest_tags=["dogs"],
        custom={"rating": 9},
    ).id
    cold = _post(client, user, type=kind, text="A lazy dog", filter_tags=["weather"], custom={"rating": 2}).id

    def query(**extra):
        return _ids(client.feeds.query_activities(filter={"activity_type": kind, **extra}).data.activities)

    assert query() == [cold, hot]
    assert query(filter_tags={"$in": ["sport"]}) == [hot]
    assert query(interest_tags={"$contains": "dogs"}) == [hot]
    assert query(**{"custom.rating": {"$lt": 5}}) == [cold]
    assert query(text={"$q": "quick fox"}) == [hot]
    assert query(created_at={"$lt": "2001-01-01T00:00:00Z"}) == []


def test_soft_deleted_and_expired_only_on_request(client, make_user):
    user = make_user()
    live = _post(client, user).id
    gone = _post(client, user).id
    client.feeds.delete_activity(gone)
    expired = _post(client, user, expires_at="2001-01-01T00:00:00Z").id
    base = {"filter": {"user_id": user}}
    assert _ids(client.feeds.query_activities(**base).data.activities) == [live]
    with_deleted = client.feeds.query_activities(include_soft_deleted_activities=True, **base).data
    assert _ids(with_deleted.activities) == [gone, live]
    with_expired = client.feeds.query_activities(include_expired_activities=True, **base).data
    assert _ids(with_expired.activities) == [expired, live]


def test_sort_by_reaction_count(client, make_user):
    user = make_user()
    quiet, loud = _post(client, user).id, _post(client, user).id
    for n in range(2):
        client.feeds.add_activity_reaction(quiet, type="like", user_id=make_user())
    client.feeds.add_activity_reaction(loud, type="like", user_id=make_user())
    data = client.feeds.query_activities(
        filter={"user_id": user}, sort=[SortParamRequest(field="reaction_count", direction=-1)]
    ).data
    assert _ids(data.activities) == [quiet, loud]
    assert [a.reaction_count for a in data.activities] == [2, 1]


def test_malformed_activity_filters_are_refused(client):
    for flt, needle in [
        ({"user_id": {"$gt": "a"}}, "$gt"),
        ({"colour": "red"}, "colour"),
        ({"created_at": {"$gte": "last week"}}, "created_at"),
    ]:
        assert_api_error(
            lambda: client.feeds.query_activities(filter=flt), code=4, status=400, message_contains=needle
        )


# --- comments ------------------------------------------------------------------------------


def _comment(client, user, text, **kwargs):
    return client.feeds.add_comment(comment=text, user_id=user, **kwargs).data.comment


def test_query_comments_by_object_user_and_parent(client, make_user):
    author, ann, ben = make_user(), make_user(), make_user()
    activity = _post(client, author).id
    first = _comment(client, ann, "first thoughts", object_id=activity, object_type="activity").id
    second = _comment(client, ben, "second", object_id=activity, object_type="activity").id
    reply = _comment(client, ben, "a reply", parent_id=first).id

    def query(flt, **kwargs):
        data = client.feeds.query_comments(filter=flt, **kwargs).data
        assert_duration(data.duration)
        return data

    assert _ids(query({"object_id": activity}, sort="first").comments) == [first, second, reply]
    assert _ids(query({"user_id": ben}, sort="last").comments) == [reply, second]
    assert _ids(query({"parent_id": first}).comments) == [reply]
    assert _ids(query({"object_id": activity, "comment_text": {"$q": "thoughts"}}).comments) == [first]
    page = query({"object_id": activity}, sort="last", limit=2)
    assert _ids(page.comments) == [reply, second]
    rest = client.feeds.query_comments(filter={"object_id": activity}, sort="last", limit=2, next=page.next).data
    assert _ids(rest.comments) == [first]
    assert not rest.next


def test_query_comments_top_and_bad_input(client, make_user):
    author = make_user()
    activity = _post(client, author).id
    meh = _comment(client, author, "meh", object_id=activity, object_type="activity").id
    great = _comment(client, author, "great", object_id=activity, object_type="activity").id
    for _ in range(2):
        client.feeds.add_comment_reaction(great, type="upvote", user_id=make_user())
    data = client.feeds.query_comments(filter={"object_id": activity}, sort="top").data
    assert _ids(data.comments) == [great, meh]
    assert data.comments[0].upvote_count == 2
    assert_api_error(
        lambda: client.feeds.query_comments(filter={"object_id": activity}, sort="loudest"),
        code=4,
        status=400,
        message_contains="loudest",
    )
    assert_api_error(
        lambda: client.feeds.query_comments(filter={"object_id": {"$gt": "x"}}),
        code=4,
        status=400,
        message_contains="$gt",
    )
