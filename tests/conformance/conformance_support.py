"""Shared helpers for the conformance tests (no fixtures here; see conftest.py)."""

from __future__ import annotations

import json
import re
import time
import uuid
from datetime import datetime, timezone
from typing import Any, Callable, Dict, Optional

import pytest
from getstream.exceptions import StreamApiException

# Stream reports the server-side time of a request as e.g. "3ms" or "1.27ms".
DURATION_RE = re.compile(r"^[0-9]+(\.[0-9]+)?ms$")

# Keys every error body must carry for the SDK's APIError model to deserialize.
ERROR_BODY_KEYS = ("code", "message", "StatusCode", "duration", "more_info", "details")


def uid(prefix: str = "t") -> str:
    """A unique, id-safe string so tests never collide and can rerun on the same database."""
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


def fid_for(user_id: str, group: str = "user") -> str:
    return f"{group}:{user_id}"


def assert_duration(value: Any) -> None:
    assert isinstance(value, str), f"duration must be a string, got {value!r}"
    assert DURATION_RE.match(value), f"duration must look like '<n>ms', got {value!r}"


def assert_api_error(
    call: Callable[[], Any],
    code: int,
    status: int,
    message_contains: Optional[str] = None,
) -> StreamApiException:
    """Run `call`, require a StreamApiException with the given Stream code and HTTP status,
    and check the error envelope the SDK relies on. Returns the exception."""
    with pytest.raises(StreamApiException) as info:
        call()
    exc = info.value
    assert exc.status_code == status, (
        f"expected HTTP {status}, got {exc.status_code}: {exc.raw_response_body}"
    )
    assert exc.code == code, f"expected code {code}, got {exc.code}: {exc.raw_response_body}"
    assert_error_envelope(exc)
    if message_contains is not None:
        assert message_contains in exc.message, (
            f"error message should mention {message_contains!r}: {exc.message!r}"
        )
    return exc


def error_body(exc: StreamApiException) -> Dict[str, Any]:
    assert exc.raw_response_body, "error response has no body"
    try:
        body = json.loads(exc.raw_response_body)
    except ValueError as err:  # pragma: no cover - reported as a failure
        pytest.fail(f"error body is not JSON: {exc.raw_response_body!r} ({err})")
    assert isinstance(body, dict), f"error body must be a JSON object: {body!r}"
    return body


def assert_error_envelope(exc: StreamApiException) -> Dict[str, Any]:
    body = error_body(exc)
    missing = [k for k in ERROR_BODY_KEYS if k not in body]
    assert not missing, f"error body lacks {missing}: {body!r}"
    assert body["StatusCode"] == exc.status_code, body
    assert body["code"] == exc.code, body
    assert isinstance(body["message"], str) and body["message"], body
    assert isinstance(body["more_info"], str), body
    assert isinstance(body["details"], list), body
    assert_duration(body["duration"])
    # The SDK parsed it into its APIError model (no parse failure fallback).
    assert exc.api_error is not None, "SDK could not parse the error envelope"
    return body


def assert_recent(dt: Any, *, within_seconds: float = 300.0) -> None:
    """A response timestamp decoded by the SDK: a timezone-aware datetime near now."""
    assert isinstance(dt, datetime), f"expected a datetime, got {dt!r}"
    assert dt.tzinfo is not None, f"expected an aware datetime, got {dt!r}"
    delta = abs((datetime.now(timezone.utc) - dt).total_seconds())
    assert delta < within_seconds, f"timestamp {dt.isoformat()} is {delta:.0f}s away from now"


def wait_until(
    fetch: Callable[[], Any],
    done: Callable[[Any], bool],
    *,
    what: str,
    timeout: float = 30.0,
    interval: float = 0.5,
) -> Any:
    """Call `fetch()` until `done(result)` holds, for asynchronous effects (fan-out runs from a
    queue). Returns the last result; fails naming `what` and the last result on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        result = fetch()
        if done(result):
            return result
        if time.monotonic() >= deadline:
            pytest.fail(f"{what}: not so after {timeout:.0f}s; last seen: {result!r}")
        time.sleep(interval)


# --- the v2 dialect (stream-python) ------------------------------------------------------------


def v2_base_url(base_url: str) -> str:
    """The base URL for `stream.connect(base_url=...)`: stream-python puts `api.` before every
    host but `localhost`, so a loopback address must be spelled `localhost`."""
    return base_url.rstrip("/").replace("://127.0.0.1", "://localhost")


def v2_feed_id(prefix: str = "f") -> str:
    """A fresh v2 feed id (stream-python allows only word characters and `-`)."""
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


def assert_v2_error(call: Callable[[], Any], exc_class: type, code: int, status: int) -> Any:
    """Run `call` and require the v2 error `exc_class` (a stream.exceptions class) with Stream's
    `code` and HTTP `status`. The client raises only for bodies carrying `exception`, so this
    also proves the envelope. Returns the exception."""
    with pytest.raises(exc_class) as info:
        call()
    exc = info.value
    assert type(exc) is exc_class, f"expected {exc_class.__name__}, got {type(exc).__name__}: {exc}"
    assert exc.code == code, f"expected code {code}, got {exc.code}: {exc}"
    assert exc.status_code == status, f"expected HTTP {status}, got {exc.status_code}: {exc}"
    return exc


def without_duration(resp: Dict[str, Any]) -> Dict[str, Any]:
    """A v2 response object as it appears embedded elsewhere (everything but `duration`)."""
    return {k: v for k, v in resp.items() if k != "duration"}
