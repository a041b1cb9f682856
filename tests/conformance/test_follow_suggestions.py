"""Follow suggestions and stopping a watch through the SDK.

`get_follow_suggestions`: feeds of a group that the people a user follows (the owners of the
feeds the user's timeline follows) follow from their timelines, most followed first, with a
reason and a score; the user's own feeds, feeds it follows already and feeds it may not read
are left out; `limit`; user tokens act only as themselves. Every response must parse into the
SDK's `GetFollowSuggestionsResponse`.

`stop_watching_feed` (which Stream's browser client calls; the Python SDK has no method for it,
so its generic request is used): a connection id is required, and stopping a watch that is not
there succeeds. Which connection a user may stop is checked with real connections in the Rust
integration tests and the browser client's tests.
"""

from __future__ import annotations

from getstream.models import (
    FeedInput,
    FeedSuggestionResponse,
    GetFollowSuggestionsResponse,
    Response,
)

from conformance_support import assert_api_error, assert_duration, assert_recent, uid


def _suggest(c, group="user", **kwargs) -> GetFollowSuggestionsResponse:
    resp = c.feeds.get_follow_suggestions(feed_group_id=group, **kwargs)
    assert isinstance(resp.data, GetFollowSuggestionsResponse)
    assert_duration(resp.data.duration)
    return resp.data


def _fids(data: GetFollowSuggestionsResponse):
    return [s.feed for s in data.suggestions]


def _graph(client, make_user):
    """me follows friend1, friend2 and known. friend1's timeline follows common, single, me,
    known, a private feed and friend2; friend2's follows common and friend1; friend1's also
    follows a topic feed. Returns (me, friend1, common, single, topic)."""
    me, friend1, friend2, known = make_user(), make_user(), make_user(), make_user()
    common, single, secret = make_user(), make_user(), make_user()
    client.feeds.get_or_create_feed(
        feed_group_id="user",
        feed_id=secret,
        user_id=secret,
        data=FeedInput(visibility="private"),
    )
    topic = f"topic:{uid('rust')}"
    for target in (friend1, friend2, known):
        client.feeds.follow(source=f"timeline:{me}", target=f"user:{target}")
    for target in (common, single, me, known, secret, friend2):
        client.feeds.follow(source=f"timeline:{friend1}", target=f"user:{target}")
    client.feeds.follow(source=f"timeline:{friend1}", target=topic)
    for target in (common, friend1):
        client.feeds.follow(source=f"timeline:{friend2}", target=f"user:{target}")
    return me, friend1, f"user:{common}", f"user:{single}", topic


def test_suggestions_are_feeds_the_people_one_follows_follow(client, make_user, user_client):
    me, _, common, single, topic = _graph(client, make_user)
    data = _suggest(user_client(me))
    assert _fids(data) == [common, single]
    assert data.algorithm_used == "friends_of_friends"
    best, second = data.suggestions
    assert isinstance(best, FeedSuggestionResponse)
    assert best.group_id == "user" and best.id == common.split(":", 1)[1]
    assert best.created_by.id == best.id
    assert best.follower_count == 2
    assert_recent(best.created_at)
    assert best.reason == "followed by 2 people you follow"
    assert second.reason == "followed by 1 person you follow"
    # The share of the three people followed who follow the feed.
    assert abs(best.recommendation_score - 2 / 3) < 1e-9
    assert abs(second.recommendation_score - 1 / 3) < 1e-9
    assert best.own_capabilities and "read-feed" in best.own_capabilities
    assert best.own_follows == []

    assert _fids(_suggest(user_client(me), group="topic")) == [topic]
    assert _fids(_suggest(user_client(me), limit=1)) == [common]
    # A server call names the user.
    assert _fids(_suggest(client, user_id=me)) == [common, single]


def test_following_a_suggestion_removes_it(client, make_user, user_client):
    me, _, common, single, _ = _graph(client, make_user)
    client.feeds.follow(source=f"timeline:{me}", target=common)
    assert _fids(_suggest(user_client(me))) == [single]


def test_no_follows_no_suggestions(user, user_client):
    assert _fids(_suggest(user_client(user))) == []


def test_suggestion_errors(client, make_user, user_client):
    me, other = make_user(), make_user()
    assert_api_error(lambda: _suggest(user_client(me), limit=101), 4, 400, "limit")
    assert_api_error(lambda: _suggest(user_client(me), limit=-1), 4, 400, "limit")
    assert_api_error(lambda: _suggest(user_client(other), user_id=me), 17, 403)
    assert_api_error(lambda: _suggest(client), 4, 400, "user_id")
    assert_api_error(lambda: _suggest(user_client(me), group=uid("nogroup")), 16, 404)


def _stop_watching(c, fid, **query):
    group, feed_id = fid.split(":", 1)
    resp = c.feeds.delete(
        "/api/v2/feeds/feed_groups/{feed_group_id}/feeds/{feed_id}/watch",
        Response,
        path_params={"feed_group_id": group, "feed_id": feed_id},
        query_params=query,
    )
    assert isinstance(resp.data, Response)
    assert_duration(resp.data.duration)
    return resp.data


def test_stop_watching_needs_a_connection_and_is_idempotent(user, user_client):
    c = user_client(user)
    fid = f"user:{user}"
    assert_api_error(lambda: _stop_watching(c, fid), 4, 400, "connection_id")
    # A connection that watches nothing (or is gone): nothing to remove, and no error.
    for _ in range(2):
        _stop_watching(c, fid, connection_id=uid("conn"))
