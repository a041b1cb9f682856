"""Per-user rate limits through the SDK: a user token may call each endpoint 60 times a minute
per platform (Stream's default). The SDK reads the `X-RateLimit-*` headers into
`response.rate_limit()`, raises `StreamRateLimitException` (code 9, 429, with `retry_after`)
for the call past the limit, and `get_feeds_rate_limits` reports what is left.

Counts live in one-minute windows: a run that straddles a boundary starts again with a fresh
user (the reset time tells)."""

from __future__ import annotations

from datetime import timedelta

from getstream.exceptions import StreamRateLimitException
from getstream.models import GetFeedsRateLimitsResponse, LimitInfoResponse

from conformance_support import assert_api_error, fid_for

LIMIT = 60


def _in_one_window(make_user, calls):
    """Runs `calls(user)` (which makes LIMIT + 1 calls and answers their responses and the
    final exception) until all of them fall in one window."""
    for _ in range(3):
        user = make_user()
        responses, refused = calls(user)
        resets = {r.rate_limit().reset for r in responses}
        if len(resets) == 1 and refused is not None:
            return user, responses, refused
    raise AssertionError("three attempts straddled a window boundary")


def test_the_read_past_the_limit_raises_the_sdks_rate_limit_error(client, make_user, user_client):
    author = make_user()
    activity = client.feeds.add_activity(
        type="post", feeds=[fid_for(author)], text="rate limited", user_id=author
    ).data.activity

    def calls(user):
        c = user_client(user)
        responses = [c.feeds.get_activity(id=activity.id) for _ in range(LIMIT)]
        try:
            c.feeds.get_activity(id=activity.id)
        except StreamRateLimitException as exc:
            return responses, exc
        return responses, None

    _, responses, refused = _in_one_window(make_user, calls)
    first, last = responses[0].rate_limit(), responses[-1].rate_limit()
    assert (first.limit, first.remaining) == (LIMIT, LIMIT - 1)
    assert (last.limit, last.remaining) == (LIMIT, 0)
    assert last.reset.second == 0, "a window ends on a minute"
    assert refused.status_code == 429 and refused.code == 9
    assert refused.retry_after is not None
    assert timedelta(seconds=1) <= refused.retry_after <= timedelta(seconds=60)
    assert not refused.unrecoverable, "the SDK's retry policy retries recoverable 429s"


def test_a_refused_write_changes_nothing(client, make_user, user_client):
    def calls(user):
        c = user_client(user)
        post = lambda: c.feeds.add_activity(type="post", feeds=[fid_for(user)], text="x")  # noqa: E731
        responses = [post() for _ in range(LIMIT)]
        try:
            post()
        except StreamRateLimitException as exc:
            return responses, exc
        return responses, None

    user, _, _ = _in_one_window(make_user, calls)
    found = client.feeds.query_activities(filter={"user_id": user}, limit=100).data.activities
    assert len(found) == LIMIT
    # Other endpoints and other users are untouched, and server tokens are never limited.
    user_client(user).feeds.query_activities(filter={"user_id": user}, limit=1)
    other = make_user()
    user_client(other).feeds.add_activity(type="post", feeds=[fid_for(other)], text="y")
    resp = client.feeds.add_activity(type="post", feeds=[fid_for(user)], text="z", user_id=user)
    assert resp.rate_limit() is None


def test_get_feeds_rate_limits(client, make_user, user_client):
    user = make_user()
    c = user_client(user)
    posted = c.feeds.add_activity(type="post", feeds=[fid_for(user)], text="counted")
    resp = c.feeds.get_feeds_rate_limits()
    assert isinstance(resp.data, GetFeedsRateLimitsResponse)
    web = resp.data.web
    assert isinstance(web["AddActivity"], LimitInfoResponse)
    assert web["AddActivity"].limit == LIMIT
    if resp.rate_limit().reset == posted.rate_limit().reset:  # the same window
        assert web["AddActivity"].remaining == LIMIT - 1
        assert web["AddActivity"].reset == int(posted.rate_limit().reset.timestamp())
    assert web["GetOrCreateFeed"].remaining == LIMIT
    assert resp.data.android["AddActivity"].remaining == LIMIT
    assert resp.data.server_side is None

    some = c.feeds.get_feeds_rate_limits(endpoints="AddActivity,QueryActivities", ios=True).data
    assert sorted(some.ios) == ["AddActivity", "QueryActivities"]
    assert some.web is None

    server = client.feeds.get_feeds_rate_limits(web=True).data
    assert server.web["AddActivity"].remaining == LIMIT


def test_bad_query_parameters_are_input_errors(user_client, make_user):
    c = user_client(make_user())
    read = lambda: c.feeds.get(  # noqa: E731
        "/api/v2/feeds/feeds/rate_limits", GetFeedsRateLimitsResponse, query_params={"web": "maybe"}
    )
    assert_api_error(read, 4, 400)
