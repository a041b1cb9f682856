"""Fixtures for the SDK conformance tests.

The tests talk to a running Tributary server only through Stream's official Python SDK
(`getstream`). Configure the target with:

    TRIBUTARY_BASE_URL    e.g. http://127.0.0.1:3030
    TRIBUTARY_API_KEY     e.g. tributary-dev-key
    TRIBUTARY_API_SECRET  e.g. tributary-dev-secret

Missing configuration is a failure, never a skip.
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path
from typing import Callable, List

import pytest
from getstream import Stream
from getstream.models import UserRequest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from conformance_support import fid_for, uid as _uid  # noqa: E402

ENV_VARS = ("TRIBUTARY_BASE_URL", "TRIBUTARY_API_KEY", "TRIBUTARY_API_SECRET")

# The SDK decodes responses with `infer_missing=True`: a required field that is absent (or
# null) silently becomes None and only a RuntimeWarning says so. Stream always sends those
# fields, and stricter SDKs (TypeScript, Go, Swift, Kotlin) depend on them, so here the
# warning is an error raised at the SDK call that received the incomplete response.
MISSING_FIELD_FILTER = "error:Missing value of non-optional type:RuntimeWarning"


def pytest_configure(config):
    config.addinivalue_line("filterwarnings", MISSING_FIELD_FILTER)
    # The dev secret is shorter than PyJWT's recommended HMAC key length.
    config.addinivalue_line("filterwarnings", "ignore::jwt.warnings.InsecureKeyLengthWarning")


@pytest.fixture(scope="session")
def settings() -> dict:
    missing = [name for name in ENV_VARS if not os.environ.get(name)]
    if missing:
        pytest.fail(
            "Conformance tests need a running Tributary server. Set "
            + ", ".join(missing)
            + " (for the local dev stack: TRIBUTARY_BASE_URL=http://127.0.0.1:3030 "
            "TRIBUTARY_API_KEY=tributary-dev-key TRIBUTARY_API_SECRET=tributary-dev-secret).",
            pytrace=False,
        )
    return {
        "base_url": os.environ["TRIBUTARY_BASE_URL"].rstrip("/"),
        "api_key": os.environ["TRIBUTARY_API_KEY"],
        "api_secret": os.environ["TRIBUTARY_API_SECRET"],
    }


@pytest.fixture(scope="session")
def client(settings) -> Stream:
    """A server-side client (signed with the app secret), exactly as an app would build it."""
    c = Stream(
        api_key=settings["api_key"],
        api_secret=settings["api_secret"],
        base_url=settings["base_url"],
        request_timeout=30.0,
    )
    yield c
    c.close()


@pytest.fixture
def uid() -> Callable[..., str]:
    """uid(prefix="t") -> a fresh unique id."""
    return _uid


@pytest.fixture
def make_user(client) -> Callable[..., str]:
    """make_user(name=None) upserts a brand-new user and returns its id."""

    def _make(name: str | None = None) -> str:
        user_id = _uid("u")
        # Users are only scaffolding here: the completeness of the user endpoint's response
        # is checked once, strictly, in test_users.py, not in every activities test.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            resp = client.upsert_users(UserRequest(id=user_id, name=name or f"User {user_id}"))
        assert user_id in resp.data.users, f"upsert_users did not return {user_id}"
        return user_id

    return _make


@pytest.fixture
def user(make_user) -> str:
    """The id of a freshly upserted user."""
    return make_user()


@pytest.fixture
def feed(user) -> str:
    """The `user` feed of the fresh user: `user:<unique id>`."""
    return fid_for(user)


@pytest.fixture
def new_feed() -> Callable[..., str]:
    """new_feed(group="user") -> a fid on a fresh feed id, e.g. `user:f-1a2b...`."""

    def _make(group: str = "user") -> str:
        return f"{group}:{_uid('f')}"

    return _make


@pytest.fixture
def user_client(client, settings) -> Callable[[str], Stream]:
    """user_client(user_id) -> a client authenticated with that user's token."""
    made: List[Stream] = []

    def _make(user_id: str) -> Stream:
        c = client.clone_for_token(client.create_token(user_id, expiration=3600))
        made.append(c)
        return c

    yield _make
    for c in made:
        c.close()


# --- the v2 dialect, through Stream's v2 Python client (stream-python) ---------------------------


@pytest.fixture(scope="session")
def v2_client(settings):
    """A server-side stream-python client (signed with the app secret) for the v2 API."""
    import stream

    from conformance_support import v2_base_url

    return stream.connect(
        settings["api_key"],
        settings["api_secret"],
        base_url=v2_base_url(settings["base_url"]),
        timeout=30.0,
    )


@pytest.fixture
def v2_feed(v2_client) -> Callable:
    """v2_feed(group="user") -> a stream-python feed on a fresh feed id."""
    from conformance_support import v2_feed_id

    def _make(group: str = "user"):
        return v2_client.feed(group, v2_feed_id())

    return _make
