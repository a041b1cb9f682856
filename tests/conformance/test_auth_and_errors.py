"""Authentication and authorization, as the SDK exercises them.

Server clients sign a token with the app secret and may act for any user; user clients carry a
user token and may only act as that user. Bad credentials are 401s with Stream's error codes:
2 (API key), 5 (generic authentication), 40 (token expired), 41 (not valid yet),
42 (issued in the future), 43 (signature invalid); acting as someone else is 403 code 17.
"""

from __future__ import annotations

import time
import warnings

import jwt
import pytest
from getstream import Stream
from getstream.exceptions import StreamApiException

from conformance_support import assert_api_error, assert_duration, assert_error_envelope, uid


def _token(claims: dict, key, algorithm: str) -> str:
    with warnings.catch_warnings():
        # PyJWT warns about short HMAC keys (the dev secret is short); irrelevant here.
        warnings.simplefilter("ignore")
        return jwt.encode(claims, key, algorithm=algorithm)


def _token_client(settings, token: str) -> Stream:
    return Stream(api_key=settings["api_key"], token=token, base_url=settings["base_url"])


def _add_as(c: Stream, user: str, **kwargs):
    kwargs.setdefault("type", "post")
    kwargs.setdefault("text", "auth test")
    kwargs.setdefault("feeds", [f"user:{user}"])
    return lambda: c.feeds.add_activity(**kwargs)


# --- bad credentials ---------------------------------------------------------------------------


def test_wrong_secret(settings, user):
    bad = Stream(
        api_key=settings["api_key"],
        api_secret=settings["api_secret"] + "-wrong",
        base_url=settings["base_url"],
    )
    with bad:
        assert_api_error(_add_as(bad, user, user_id=user), code=43, status=401)


def test_wrong_api_key(settings, user):
    bad = Stream(
        api_key="no-such-key-" + uid("k"),
        api_secret=settings["api_secret"],
        base_url=settings["base_url"],
    )
    with bad:
        assert_api_error(_add_as(bad, user, user_id=user), code=2, status=401)


def test_expired_user_token(client, user):
    # exp an hour in the past: expired under any reasonable clock leeway.
    expired = client.create_token(user, expiration=-3600)
    c = client.clone_for_token(expired)
    with c:
        assert_api_error(_add_as(c, user), code=40, status=401)


def test_token_issued_in_the_future(settings, user):
    now = int(time.time())
    token = _token({"user_id": user, "iat": now + 3600}, settings["api_secret"], "HS256")
    with _token_client(settings, token) as c:
        assert_api_error(_add_as(c, user), code=42, status=401)


def test_token_not_valid_yet(settings, user):
    now = int(time.time())
    token = _token(
        {"user_id": user, "iat": now - 5, "nbf": now + 3600}, settings["api_secret"], "HS256"
    )
    with _token_client(settings, token) as c:
        assert_api_error(_add_as(c, user), code=41, status=401)


@pytest.mark.parametrize(
    "algorithm,use_secret",
    [pytest.param("none", False, id="alg-none"), pytest.param("HS512", True, id="HS512")],
)
def test_token_with_wrong_algorithm(settings, user, algorithm, use_secret):
    key = settings["api_secret"] if use_secret else None
    token = _token({"user_id": user}, key, algorithm)
    with _token_client(settings, token) as c:
        with pytest.raises(StreamApiException) as info:
            _add_as(c, user)()
    exc = info.value
    assert exc.status_code == 401, exc.raw_response_body
    assert exc.code in (5, 43), exc.raw_response_body
    assert_error_envelope(exc)


def test_server_token_signed_with_wrong_algorithm(settings, user):
    token = _token({}, None, "none")
    with _token_client(settings, token) as c:
        with pytest.raises(StreamApiException) as info:
            _add_as(c, user, user_id=user)()
    assert info.value.status_code == 401
    assert info.value.code in (5, 43)


def test_garbage_token(settings, user):
    with _token_client(settings, "this-is-not-a-jwt") as c:
        with pytest.raises(StreamApiException) as info:
            _add_as(c, user)()
    exc = info.value
    assert exc.status_code == 401, exc.raw_response_body
    assert exc.code in (5, 43), exc.raw_response_body
    assert_error_envelope(exc)


def test_user_token_signed_with_another_secret(settings, user):
    token = _token({"user_id": user}, settings["api_secret"] + "-other", "HS256")
    with _token_client(settings, token) as c:
        assert_api_error(_add_as(c, user), code=43, status=401)


# --- acting as a user ----------------------------------------------------------------------------


def test_server_token_may_act_for_any_user(client, make_user):
    for someone in (make_user(), make_user()):
        resp = client.feeds.add_activity(
            type="post", feeds=[f"user:{someone}"], user_id=someone, text="on behalf"
        )
        assert_duration(resp.data.duration)
        assert resp.data.activity.user.id == someone


def test_user_token_acts_as_itself_without_user_id(client, user, user_client):
    c = user_client(user)
    resp = c.feeds.add_activity(type="post", feeds=[f"user:{user}"], text="mine")
    assert_duration(resp.data.duration)
    act = resp.data.activity
    assert act.user.id == user
    read = c.feeds.get_activity(act.id).data.activity
    assert read.user.id == user
    assert client.feeds.get_activity(act.id).data.activity.user.id == user


def test_user_token_acts_as_itself_with_own_user_id(user, user_client):
    c = user_client(user)
    act = c.feeds.add_activity(
        type="post", feeds=[f"user:{user}"], text="mine", user_id=user
    ).data.activity
    assert act.user.id == user


def test_user_token_cannot_act_as_another_user(make_user, user_client):
    alice, bob = make_user(), make_user()
    c = user_client(alice)
    assert_api_error(_add_as(c, alice, user_id=bob), code=17, status=403)


def test_user_token_cannot_update_another_users_activity(client, make_user, user_client):
    alice, bob = make_user(), make_user()
    act = client.feeds.add_activity(
        type="post", feeds=[f"user:{bob}"], user_id=bob, text="bob's"
    ).data.activity
    c = user_client(alice)
    assert_api_error(
        lambda: c.feeds.update_activity_partial(act.id, set={"text": "hijacked"}),
        code=17,
        status=403,
    )
    assert client.feeds.get_activity(act.id).data.activity.text == "bob's"


def test_user_token_cannot_delete_another_users_activity(client, make_user, user_client):
    alice, bob = make_user(), make_user()
    act = client.feeds.add_activity(
        type="post", feeds=[f"user:{bob}"], user_id=bob, text="bob's"
    ).data.activity
    c = user_client(alice)
    assert_api_error(lambda: c.feeds.delete_activity(act.id), code=17, status=403)
    assert client.feeds.get_activity(act.id).data.activity.deleted_at is None


def test_user_token_may_update_own_activity(user, user_client):
    c = user_client(user)
    act = c.feeds.add_activity(type="post", feeds=[f"user:{user}"], text="v1").data.activity
    upd = c.feeds.update_activity_partial(act.id, set={"text": "v2"}).data.activity
    assert upd.text == "v2"
    assert upd.user.id == user


# --- the error envelope --------------------------------------------------------------------------


def test_error_envelope_on_not_found(client):
    exc = assert_api_error(lambda: client.feeds.get_activity(uid("missing")), code=16, status=404)
    assert exc.unrecoverable in (True, False)


def test_error_envelope_on_input_error(client, user):
    exc = assert_api_error(
        lambda: client.feeds.add_activity(type="post", feeds=[], user_id=user),
        code=4,
        status=400,
    )
    assert exc.message


def test_success_responses_carry_duration(client, feed, user):
    add = client.feeds.add_activity(type="post", feeds=[feed], user_id=user, text="d")
    assert_duration(add.data.duration)
    get = client.feeds.get_activity(add.data.activity.id)
    assert_duration(get.data.duration)
    assert get.status_code() == 200
    assert "application/json" in get.headers().get("content-type", "")
