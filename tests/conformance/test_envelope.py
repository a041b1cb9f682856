"""Stream's error envelope on every path, and requests that must never be dropped (issue 12).

Deployed, the HTTP API's `$default` route sends whatever no other route takes to the `users`
function; locally scripts/lib/gateway.py does the same with the router's `/{*rest}`. So an unknown
path is a 404 in Stream's envelope (code 16), never a proxy's own document, and the SDK raises its
StreamApiException. A method a path does not take is a 405 in the envelope.

A JSON body that is not UTF-8 reaches the function (API Gateway base64-encodes it) and is refused
with 400 code 4, not a 500 from the local stack. Concurrent requests to several functions, with
responses larger than one network read, all get the function's answer.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import warnings
from typing import Optional

import jwt
import pytest
from getstream.exceptions import StreamApiException
from getstream.models import Response

from conformance_support import assert_api_error, assert_duration, uid

ENVELOPE_KEYS = ("code", "message", "StatusCode", "duration", "more_info", "details")


def _server_token(secret: str) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the dev secret is shorter than PyJWT likes
        return jwt.encode({"server": True}, secret, algorithm="HS256")


def _raw(settings, method: str, path: str, body: Optional[bytes] = None, *, auth: bool = True,
         content_type: str = "application/json") -> tuple[int, dict, bytes]:
    """One request with urllib: (status, headers, body); no SDK in between."""
    url = settings["base_url"] + path
    if auth:
        url += ("&" if "?" in path else "?") + "api_key=" + urllib.parse.quote(settings["api_key"])
    request = urllib.request.Request(url, data=body, method=method)
    if auth:
        request.add_header("Authorization", _server_token(settings["api_secret"]))
        request.add_header("stream-auth-type", "jwt")
    if body is not None:
        request.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read()


def _envelope(status: int, headers: dict, body: bytes, *, expect_status: int, expect_code: int) -> dict:
    assert status == expect_status, (status, body[:300])
    assert headers.get("content-type", "").startswith("application/json"), (headers, body[:300])
    data = json.loads(body)
    missing = [k for k in ENVELOPE_KEYS if k not in data]
    assert not missing, f"error body lacks {missing}: {data!r}"
    assert data["StatusCode"] == expect_status, data
    assert data["code"] == expect_code, data
    assert isinstance(data["message"], str) and data["message"], data
    assert isinstance(data["details"], list), data
    assert_duration(data["duration"])
    return data


# --- malformed requests ----------------------------------------------------------------------------


def test_a_header_with_a_control_character_is_refused_not_a_500(settings):
    # Clients cannot send a NUL in a header; a raw socket can. API Gateway refuses such a
    # request with 400 itself; the local stand-in does the same instead of failing on it.
    url = urllib.parse.urlsplit(settings["base_url"])
    request = (
        f"GET /health HTTP/1.1\r\nHost: {url.hostname}\r\nX-Odd: a\x00b\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    with socket.create_connection((url.hostname, url.port), timeout=10) as conn:
        conn.sendall(request)
        answer = b""
        while chunk := conn.recv(4096):
            answer += chunk
    status = int(answer.split(b" ", 2)[1])
    assert status == 400, answer[:300]


# --- unknown paths and methods --------------------------------------------------------------------


@pytest.mark.parametrize(
    "method,path",
    [
        ("GET", "/"),
        ("GET", "/nope"),
        ("POST", "/api/v2/feeds/no_such_operation"),
        ("GET", "/api/v2/no/such/path/at/all"),
        ("DELETE", "/api/v3/feeds/activities"),
    ],
)
@pytest.mark.parametrize("auth", [True, False], ids=["signed", "anonymous"])
def test_unknown_path_answers_the_404_envelope(settings, method, path, auth):
    body = b"{}" if method == "POST" else None
    status, headers, raw = _raw(settings, method, path, body, auth=auth)
    _envelope(status, headers, raw, expect_status=404, expect_code=16)


@pytest.mark.parametrize("method", ["PATCH", "DELETE", "PUT"])
def test_wrong_method_answers_the_405_envelope(settings, method):
    # /health takes GET only, deployed (its route) and locally (the users function's router).
    status, headers, raw = _raw(settings, method, "/health", b"{}" if method != "DELETE" else None)
    _envelope(status, headers, raw, expect_status=405, expect_code=16)


def test_sdk_raises_its_api_error_for_an_unknown_operation(client):
    # An operation this server does not have, sent the way the SDK sends every operation: the SDK
    # must parse the answer into StreamApiException (not fail with KeyError 'code').
    exc = assert_api_error(
        lambda: client.feeds.post("/api/v2/feeds/no_such_operation", Response, json={}),
        code=16,
        status=404,
    )
    assert isinstance(exc, StreamApiException)
    exc = assert_api_error(lambda: client.get("/api/v2/no_such_thing", Response), code=16, status=404)
    assert exc.api_error is not None


# --- bodies that are not UTF-8 ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        b"\xff\xfe{\x00}\x00",  # UTF-16 with a byte order mark
        b'{"type":"post","feeds":["user:x"],"text":"caf\xe9"}',  # Latin-1 inside a string
        b"\x80\x81\x82",
    ],
    ids=["utf16", "latin1-in-string", "garbage"],
)
def test_json_body_that_is_not_utf8_is_a_400(settings, body):
    status, headers, raw = _raw(settings, "POST", "/api/v2/feeds/activities", body)
    _envelope(status, headers, raw, expect_status=400, expect_code=4)


def test_json_body_that_is_not_utf8_is_a_400_on_every_family(settings):
    body = b'{"x":"\xff"}'
    for path in (
        "/api/v2/users",
        "/api/v2/feeds/comments",
        "/api/v2/feeds/follows",
        "/api/v2/feeds/feed_groups",
        "/api/v2/feeds/activities/" + uid("a") + "/reactions",
    ):
        status, headers, raw = _raw(settings, "POST", path, body)
        _envelope(status, headers, raw, expect_status=400, expect_code=4)


# --- nothing is dropped under concurrency ----------------------------------------------------------


def test_concurrent_mixed_requests_all_get_the_functions_answer(client, settings, make_user):
    """20 clients, requests to four functions at once, large responses (feed pages and queries of
    ~30 KB): every answer is the function's JSON (the local stack used to turn ~1% of these into a
    500 `text/plain` problem document)."""
    author = make_user()
    reader = make_user()
    # Activities with long texts, so that a page is larger than one network read.
    for i in range(25):
        client.feeds.add_activity(type="post", feeds=[f"user:{author}"], text=f"{i} " + "x" * 900, user_id=author)
    client.feeds.follow(source=f"timeline:{reader}", target=f"user:{author}")
    activity = client.feeds.add_activity(type="post", feeds=[f"user:{author}"], text="target", user_id=author).data.activity.id

    requests = [
        ("POST", f"/api/v2/feeds/feed_groups/user/feeds/{author}", {"user_id": reader, "limit": 25}),
        ("POST", "/api/v2/feeds/activities/query", {"filter": {"user_id": author}, "limit": 25}),
        ("POST", "/api/v2/feeds/activities", {"type": "post", "feeds": [f"user:{author}"], "text": "more", "user_id": author}),
        ("POST", "/api/v2/feeds/comments", {"object_id": activity, "object_type": "activity", "comment": "c", "user_id": reader}),
        ("POST", f"/api/v2/feeds/activities/{activity}/reactions", None),  # a reaction of its own each time
    ]
    failures: list[str] = []
    lock = threading.Lock()

    def worker(index: int) -> None:
        for k in range(12):
            method, path, body = requests[(index + k) % len(requests)]
            if body is None:
                body = {"type": f"r{index}x{k}", "user_id": reader}
            status, headers, raw = _raw(settings, method, path, json.dumps(body).encode())
            ok = 200 <= status < 300 and headers.get("content-type", "").startswith("application/json")
            if ok:
                try:
                    json.loads(raw)
                except ValueError:
                    ok = False
            if not ok:
                with lock:
                    failures.append(f"{method} {path} -> {status} {headers.get('content-type')} {raw[:200]!r}")

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(20)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in threads), "requests still running after 300 s"
    assert not failures, f"{len(failures)} of 240 requests failed ({time.monotonic() - started:.0f}s):\n" + "\n".join(failures[:10])
