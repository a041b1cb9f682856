"""Schemathesis hooks for fuzzing the local stack (loaded through SCHEMATHESIS_HOOKS by
scripts/lib/fuzz.py): the checks Stream's clients rely on beyond "no 5xx"."""

from __future__ import annotations

import json

import schemathesis

# What every error body carries (Stream's clients parse these members).
ENVELOPE = ("code", "message", "StatusCode", "duration", "more_info", "details")


@schemathesis.check
def stream_error_envelope(ctx, response, case):
    """Every 4xx answer is Stream's error envelope, with StatusCode repeating the status."""
    status = response.status_code
    if not 400 <= status < 500:
        return None
    text = response.content.decode("utf-8", errors="replace") if response.content else ""
    try:
        body = json.loads(text)
    except ValueError:
        raise AssertionError(f"{status} answer is not JSON: {text[:300]!r}") from None
    if not isinstance(body, dict):
        raise AssertionError(f"{status} answer is not a JSON object: {text[:300]!r}")
    missing = [member for member in ENVELOPE if member not in body]
    if missing:
        raise AssertionError(f"{status} answer lacks {', '.join(missing)}: {text[:300]!r}")
    if body["StatusCode"] != status:
        raise AssertionError(f"{status} answer says StatusCode {body['StatusCode']!r}")
    if not isinstance(body["code"], int) or not isinstance(body["message"], str):
        raise AssertionError(f"{status} answer's code or message has the wrong type: {text[:300]!r}")
    return True
