"""Unit tests of scripts/lib/functions_bench.py (scripts/bench functions): the Lambda runtime API
stand-in that times a function process from its start to its first answer, and the typical events.

The "function" here is a small Python program speaking the runtime API, as a bootstrap does."""

from __future__ import annotations

import json
import socket
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts" / "lib"))

import functions_bench as fb  # noqa: E402
from common import StackError  # noqa: E402

# Answers its first event with the event echoed in a 200, after allocating `HOLD_MB` (so its
# peak memory shows), then waits for the next event; FAIL=1 reports an invocation error instead.
FUNCTION = textwrap.dedent(
    """
    import json, os, time, urllib.request
    api = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime/invocation/"
    time.sleep(float(os.environ.get("INIT_SECONDS", "0")))
    with urllib.request.urlopen(api + "next") as r:
        request_id = r.headers["Lambda-Runtime-Aws-Request-Id"]
        event = json.loads(r.read())
    hold = bytearray(int(os.environ.get("HOLD_MB", "0")) * 1024 * 1024)
    for i in range(0, len(hold), 4096):
        hold[i] = 1
    if os.environ.get("FAIL"):
        url, body = api + request_id + "/error", {"errorType": "Boom", "errorMessage": "failed"}
    else:
        url = api + request_id + "/response"
        body = {"statusCode": 200, "body": json.dumps({"got": event, "name": os.environ["AWS_LAMBDA_FUNCTION_NAME"]})}
    urllib.request.urlopen(urllib.request.Request(url, data=json.dumps(body).encode(), method="POST")).read()
    urllib.request.urlopen(api + "next").read()
    """
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def api() -> int:
    """The port of the runtime API stand-in (each start gets a server of its own)."""
    return free_port()


@pytest.fixture()
def function(tmp_path):
    path = tmp_path / "bootstrap"
    path.write_text(f"#!{sys.executable}\n{FUNCTION}")
    path.chmod(0o755)
    return path


def test_a_cold_start_is_timed_to_its_first_answer_and_its_peak_memory_read(api, function, tmp_path):
    env = {"PATH": "/usr/bin:/bin", "INIT_SECONDS": "0.3", "HOLD_MB": "64"}
    with open(tmp_path / "log", "wb") as log:
        sample, answer = fb.invoke_cold(api, function, "users", {"hello": "world"}, env, log)
    assert answer["statusCode"] == 200
    body = fb.answer_body(answer)
    assert body == {"got": {"hello": "world"}, "name": "users"}
    # Init lasts at least the function's set-up; the answer comes after init.
    assert 300 <= sample.init_ms < 10_000
    assert sample.init_ms <= sample.answer_ms
    # The 64 MiB it touched are in its peak resident memory.
    assert sample.peak_kib >= 64 * 1024
    fb.check_answer("users", answer)


def test_each_start_is_a_new_process_and_an_error_fails_the_benchmark(api, function, tmp_path):
    with open(tmp_path / "log", "wb") as log:
        first, _ = fb.invoke_cold(api, function, "feeds", {"n": 1}, {"PATH": "/usr/bin:/bin"}, log)
        second, answer = fb.invoke_cold(api, function, "feeds", {"n": 2}, {"PATH": "/usr/bin:/bin"}, log)
        assert fb.answer_body(answer)["got"] == {"n": 2}
        with pytest.raises(StackError, match="answered with an error"):
            fb.invoke_cold(api, function, "feeds", {}, {"PATH": "/usr/bin:/bin", "FAIL": "1"}, log)
    assert first.peak_kib > 0 and second.peak_kib > 0


def test_a_function_that_exits_before_answering_fails(api, tmp_path):
    path = tmp_path / "bootstrap"
    path.write_text("#!/bin/sh\nexit 3\n")
    path.chmod(0o755)
    with open(tmp_path / "log", "wb") as log:
        with pytest.raises(StackError, match="exited with status 3"):
            fb.invoke_cold(api, path, "users", {}, {"PATH": "/usr/bin:/bin"}, log)


def test_unsuccessful_answers_are_refused():
    fb.check_answer("worker", {"batchItemFailures": []})
    fb.check_answer("jobs", {"done": 0, "more": False})
    with pytest.raises(StackError):
        fb.check_answer("users", {"statusCode": 401, "body": "{}"})
    with pytest.raises(StackError):
        fb.check_answer("worker", {"batchItemFailures": [{"itemIdentifier": "m1"}]})
    with pytest.raises(StackError):
        fb.check_answer("jobs", None)


def test_typical_http_events_follow_the_routes_to_the_function_measured():
    events = fb.Events("t1")
    event = events.event("users")
    assert event["version"] == "2.0"
    assert event["requestContext"]["http"]["method"] == "POST"
    assert event["rawPath"] == "/api/v2/users"
    assert "api_key=" in event["rawQueryString"]
    assert event["headers"]["stream-auth-type"] == "jwt"
    assert set(json.loads(event["body"])["users"]) == {events.a, events.b}
    # v2 requests carry the v2 server token and no stream-auth-type.
    v2 = events.event("v2_feeds")
    assert v2["rawPath"] == f"/api/v1.0/feed/timeline/{events.b}/"
    assert "stream-auth-type" not in v2["headers"]
    # A request another function serves is refused, so each function gets its own.
    with pytest.raises(StackError, match="routed to activities"):
        events.http("feeds", "POST", "/api/v2/feeds/activities", {})
    # Events that need an earlier function's result say so.
    with pytest.raises(StackError, match="no activity"):
        events.event("reactions")
    with pytest.raises(StackError, match="no fan-out task"):
        events.event("worker")
    events.activity_id = "act-1"
    assert events.event("reactions")["rawPath"] == "/api/v2/feeds/activities/act-1/reactions"
    for name in fb.FUNCTIONS:
        if name != "worker":
            assert isinstance(events.event(name), dict)


def test_the_report_marks_a_bootstrap_over_the_budget():
    sizes = {name: 5_000_000 for name in fb.FUNCTIONS}
    samples = {name: [fb.Sample(20.0, 40.0, 10240), fb.Sample(22.0, 44.0, 11264), fb.Sample(30.0, 90.0, 12288)] for name in fb.FUNCTIONS}
    table, within = fb.report(sizes, sizes, samples)
    assert within and "OVER" not in table
    line = next(l for l in table.splitlines() if l.strip().startswith("users "))
    assert line.split()[1:] == ["5.00", "ok", "5.00", "22", "44", "11.0"]
    sizes["feeds"] = fb.BUDGET_BYTES + 1
    table, within = fb.report(sizes, sizes, samples)
    assert not within and "OVER" in table
    figures = fb.figures(sizes, samples)
    assert {"bench": "functions", "measure": "users peak RSS", "value": 11.0, "unit": "MiB"} in figures
    assert {"bench": "functions", "measure": "users start to first answer", "value": 44.0, "unit": "ms"} in figures
