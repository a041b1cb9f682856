"""Activity metrics through the SDK.

`track_activity_metrics` takes a batch of `TrackActivityMetricsEvent`s (activity, metric,
optional delta) and answers `TrackActivityMetricsResponse`: one result per event, in order,
with `allowed` false for an event over the user's hourly limit (views 10, clicks 5,
impressions 50 per user and activity), and false with an `error` for a metric the app does
not have or an activity that does not exist. Activity reads show the counts in `metrics`;
concurrent trackers count exactly. Malformed input is 400 code 4 and counts nothing; a user
token tracking as another user is 403 code 17.

`update_app(activity_metrics_config=...)` (server-side only) sets the app's custom metrics,
merged over the defaults: a new name adds a metric, a default's name changes its limit, 0
turns a metric off; `get_app` shows the configuration. It is app-wide, so the test that sets
it uses its own metric names and puts the previous configuration back however it ends.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import warnings

from getstream.models import Response, TrackActivityMetricsEvent, TrackActivityMetricsResponse

from conformance_support import assert_api_error, assert_duration, error_body, fid_for, uid


def _post(client, user) -> str:
    resp = client.feeds.add_activity(feeds=[fid_for(user)], type="post", user_id=user)
    return resp.data.activity.id


def _ev(activity_id, metric, delta=None) -> TrackActivityMetricsEvent:
    return TrackActivityMetricsEvent(activity_id=activity_id, metric=metric, delta=delta)


def _track(c, events, **kwargs) -> TrackActivityMetricsResponse:
    resp = c.feeds.track_activity_metrics(events=events, **kwargs)
    assert isinstance(resp.data, TrackActivityMetricsResponse)
    assert_duration(resp.data.duration)
    return resp.data


def _metrics(client, activity_id):
    return client.feeds.get_activity(id=activity_id).data.activity.metrics


def test_tracked_metrics_show_on_reads(client, make_user, user_client):
    author, viewer = make_user(), make_user()
    activity = _post(client, author)
    untracked = _post(client, author)
    assert _metrics(client, activity) is None

    data = _track(
        client,
        [_ev(activity, "views"), _ev(activity, "clicks", 2), _ev(activity, "impressions", 3)],
        user_id=viewer,
    )
    assert [(r.activity_id, r.metric, r.allowed) for r in data.results] == [
        (activity, "views", True),
        (activity, "clicks", True),
        (activity, "impressions", True),
    ]
    assert all(r.error is None for r in data.results)
    _track(user_client(viewer), [_ev(activity, "views", 2)])

    assert _metrics(client, activity) == {"views": 3, "clicks": 2, "impressions": 3}
    assert _metrics(client, untracked) is None
    read = client.feeds.query_activities(filter={"id": activity}).data.activities
    assert read[0].metrics == {"views": 3, "clicks": 2, "impressions": 3}


def test_concurrent_trackers_count_exactly(client, make_user, user_client):
    activity = _post(client, make_user())
    viewers = [make_user() for _ in range(20)]

    def track(v):
        return _track(user_client(v), [_ev(activity, "views")]).results[0].allowed

    with ThreadPoolExecutor(max_workers=10) as pool:
        assert all(pool.map(track, viewers))
    assert _metrics(client, activity) == {"views": 20}


def test_hourly_limit_and_per_event_refusals(client, make_user):
    activity = _post(client, make_user())
    viewer = make_user()
    data = _track(
        client,
        [
            _ev(activity, "views", 10),
            _ev(activity, "views"),
            _ev(activity, "not_a_metric"),
            _ev("no-such-activity-" + viewer, "views"),
        ],
        user_id=viewer,
    )
    assert [r.allowed for r in data.results] == [True, False, False, False]
    assert data.results[1].error is None
    assert "not_a_metric" in data.results[2].error
    assert "does not exist" in data.results[3].error
    assert _metrics(client, activity) == {"views": 10}


def test_bad_input_changes_nothing(client, make_user, user_client):
    activity = _post(client, make_user())
    viewer = make_user()
    good = _ev(activity, "views")
    assert_api_error(lambda: client.feeds.track_activity_metrics(events=[], user_id=viewer), 4, 400)
    assert_api_error(
        lambda: client.feeds.track_activity_metrics(
            events=[good, _ev(activity, "bad name!")], user_id=viewer
        ),
        4,
        400,
        "metric",
    )
    assert_api_error(
        lambda: client.feeds.track_activity_metrics(
            events=[good, _ev(activity, "views", 0)], user_id=viewer
        ),
        4,
        400,
        "delta",
    )
    assert_api_error(
        lambda: client.feeds.track_activity_metrics(events=[good] * 101, user_id=viewer), 4, 400
    )
    assert_api_error(lambda: client.feeds.track_activity_metrics(events=[good]), 4, 400, "user_id")
    assert_api_error(
        lambda: user_client(viewer).feeds.track_activity_metrics(
            events=[good], user_id=make_user()
        ),
        17,
        403,
    )
    assert _metrics(client, activity) is None


def _app_metrics_config(client):
    # The app model has settings this server does not keep; the SDK warns on each.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        resp = client.get_app()
    assert_duration(resp.data.duration)
    return resp.data.app.activity_metrics_config


def _update_app_metrics(client, config) -> None:
    resp = client.update_app(activity_metrics_config=config)
    assert isinstance(resp.data, Response)
    assert_duration(resp.data.duration)


def test_custom_metrics_through_update_app(client, make_user, user_client):
    previous = _app_metrics_config(client) or {}
    activity = _post(client, make_user())
    viewer = make_user()
    custom = uid("saves").replace("-", "_")
    config = {**previous, custom: 3, "impressions": 60}
    try:
        _update_app_metrics(client, config)
        assert _app_metrics_config(client) == config

        # The new metric counts up to its own limit; impressions takes its new one.
        data = _track(
            client,
            [_ev(activity, custom, 2), _ev(activity, custom, 2), _ev(activity, custom),
             _ev(activity, "impressions", 60), _ev(activity, "views")],
            user_id=viewer,
        )
        assert [r.allowed for r in data.results] == [True, False, True, True, True]
        assert data.results[1].error is None
        assert _metrics(client, activity) == {custom: 3, "impressions": 60, "views": 1}

        # A user token may not change the app; bad configurations are refused whole.
        assert_api_error(
            lambda: user_client(viewer).update_app(activity_metrics_config={}), 17, 403
        )
        too_many = {f"{custom}_{i}": 1 for i in range(11)}
        for bad, field in [
            (too_many, "activity_metrics_config"),
            ({"bad name!": 1}, "activity_metrics_config.bad name!"),
            ({custom: -1}, f"activity_metrics_config.{custom}"),
            ({custom: 1.5}, f"activity_metrics_config.{custom}"),
        ]:
            exc = assert_api_error(
                lambda: client.update_app(activity_metrics_config=bad), 4, 400
            )
            assert field in error_body(exc).get("exception_fields", {}), exc.raw_response_body
        exc = assert_api_error(
            lambda: client.update_app(webhook_url="https://example.com/hook"),
            4,
            400,
            "does not keep",
        )
        assert "webhook_url" in error_body(exc).get("exception_fields", {})
        assert _app_metrics_config(client) == config

        # A default set to 0 is off, with an error saying so (briefly: other tests use it).
        _update_app_metrics(client, {**config, "clicks": 0})
        data = _track(client, [_ev(activity, "clicks")], user_id=viewer)
        _update_app_metrics(client, config)
        assert not data.results[0].allowed
        assert "disabled" in data.results[0].error
    finally:
        _update_app_metrics(client, previous)
    assert _app_metrics_config(client) == previous
    # Without the configuration the custom metric is unknown again.
    data = _track(client, [_ev(activity, custom)], user_id=viewer)
    assert not data.results[0].allowed
    assert custom in data.results[0].error
