"""The app's usage figures through the SDK.

`query_feeds_usage_stats` answers, per UTC day of a range (`from`/`to`, default the last 30
days and today), the activities added, follows made and API requests answered, each as a
`DailyMetricStatsResponse` (a total and every day's value), parsed into
`QueryFeedsUsageStatsResponse`. Writes through both API generations count; a follow that
exists already does not. Users may not read it (403 code 17); a bad date or range is 400 code
4 naming the field.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from getstream.models import DailyMetricStatsResponse, FollowRequest, QueryFeedsUsageStatsResponse

from conformance_support import assert_api_error, assert_duration, fid_for


def _range() -> tuple[str, str]:
    # Yesterday to today: a run across midnight still sees its counts in the totals.
    today = datetime.now(timezone.utc).date()
    return (today - timedelta(days=1)).isoformat(), today.isoformat()


def _usage(client, **kwargs) -> QueryFeedsUsageStatsResponse:
    resp = client.feeds.query_feeds_usage_stats(**kwargs)
    assert isinstance(resp.data, QueryFeedsUsageStatsResponse)
    assert_duration(resp.data.duration)
    return resp.data


def _totals(client) -> QueryFeedsUsageStatsResponse:
    start, end = _range()
    return _usage(client, _from=start, to=end)


def test_usage_counts_activities_follows_and_requests(client, make_user, user_client, v2_feed):
    before = _totals(client)
    for stats in (before.activities, before.follows, before.api_requests, before.openai_requests):
        assert isinstance(stats, DailyMetricStatsResponse)
        assert [d.date for d in stats.daily] == list(_range())
        assert stats.total == sum(d.value for d in stats.daily)
    assert before.openai_requests.total == 0

    amy, bob = make_user(), make_user()
    client.feeds.add_activity(feeds=[fid_for(amy)], type="post", text="one", user_id=amy)
    client.feeds.add_activity(feeds=[fid_for(amy)], type="post", text="two", user_id=amy)
    v2_feed().add_activity({"actor": bob, "verb": "post", "object": "o:1"})
    client.feeds.follow(source=fid_for(amy, "timeline"), target=fid_for(bob))
    # Following again is answered but makes no follow.
    client.feeds.get_or_create_follows(
        follows=[FollowRequest(source=fid_for(amy, "timeline"), target=fid_for(bob))]
    )

    after = _totals(client)
    assert after.activities.total - before.activities.total == 3
    assert after.follows.total - before.follows.total == 1
    # Two users, three adds, two follow calls and this read at least (other clients of the
    # same server may add theirs).
    assert after.api_requests.total - before.api_requests.total >= 8


def test_usage_defaults_refusals_and_bad_ranges(client, make_user, user_client):
    default = _usage(client)
    today = datetime.now(timezone.utc).date()
    assert len(default.api_requests.daily) == 31
    assert default.api_requests.daily[-1].date == today.isoformat()
    assert default.api_requests.daily[0].date == (today - timedelta(days=30)).isoformat()

    reader = make_user()
    assert_api_error(lambda: user_client(reader).feeds.query_feeds_usage_stats(), 17, 403)
    assert_api_error(lambda: client.feeds.query_feeds_usage_stats(_from="2026-02-30"), 4, 400, "from")
    assert_api_error(lambda: client.feeds.query_feeds_usage_stats(to="today"), 4, 400, "to")
    assert_api_error(
        lambda: client.feeds.query_feeds_usage_stats(_from="2026-03-02", to="2026-03-01"), 4, 400, "from"
    )
    assert_api_error(
        lambda: client.feeds.query_feeds_usage_stats(_from="2020-01-01", to="2026-01-01"), 4, 400, "from"
    )
