"""v2 authentication through `stream-python`: feed-scoped tokens (the read-only token reads and
is refused every write; a feed's token covers only that feed), the wrong API key (ApiKeyException,
code 2) and the wrong secret (NotAllowedException, code 17); every refusal changes nothing."""

from __future__ import annotations

import stream
from stream.exceptions import ApiKeyException, NotAllowedException

from conformance_support import assert_duration, assert_v2_error, v2_base_url


def _ids(feed):
    return [a["id"] for a in feed.get()["results"]]


def test_read_only_token_reads(v2_client, v2_feed):
    feed = v2_feed()
    aid = feed.add_activity({"actor": "1", "verb": "tweet", "object": "1"})["id"]
    token = feed.get_readonly_token()
    resp = v2_client.get(feed.feed_url, signature=token)
    assert_duration(resp["duration"])
    assert [a["id"] for a in resp["results"]] == [aid]
    assert v2_client.get(f"{feed.feed_url[:-1]}/follows/", signature=token)["results"] == []
    assert v2_client.get(f"{feed.feed_url[:-1]}/followers/", signature=token)["results"] == []


def test_read_only_token_refuses_writes(v2_client, v2_feed):
    feed, other = v2_feed(), v2_feed()
    aid = feed.add_activity({"actor": "1", "verb": "tweet", "object": "1"})["id"]
    token = feed.get_readonly_token()
    refused = [
        lambda: v2_client.post(
            feed.feed_url, signature=token, data={"actor": "1", "verb": "t", "object": "2"}
        ),
        lambda: v2_client.delete(f"{feed.feed_url}{aid}/", signature=token),
        lambda: v2_client.post(
            f"{feed.feed_url}follows/", signature=token, data={"target": other.id}
        ),
    ]
    for call in refused:
        assert_v2_error(call, NotAllowedException, 17, 403)
    assert _ids(feed) == [aid]
    assert feed.following()["results"] == []


def test_a_feed_token_covers_only_its_feed(v2_client, v2_feed):
    mine, theirs = v2_feed(), v2_feed()
    theirs.add_activity({"actor": "1", "verb": "tweet", "object": "1"})
    write_mine = mine.create_scope_token("feed", "write")
    read_mine = mine.create_scope_token("feed", "read")
    assert_v2_error(
        lambda: v2_client.post(
            theirs.feed_url, signature=write_mine, data={"actor": "1", "verb": "t", "object": "2"}
        ),
        NotAllowedException,
        17,
        403,
    )
    assert_v2_error(
        lambda: v2_client.get(theirs.feed_url, signature=read_mine), NotAllowedException, 17, 403
    )
    # A read token does not write its own feed either.
    assert_v2_error(
        lambda: v2_client.post(
            mine.feed_url, signature=read_mine, data={"actor": "1", "verb": "t", "object": "2"}
        ),
        NotAllowedException,
        17,
        403,
    )
    assert len(_ids(theirs)) == 1 and _ids(mine) == []


def test_feed_tokens_do_not_reach_client_level_calls(v2_client, v2_feed):
    feed = v2_feed()
    aid = feed.add_activity({"actor": "1", "verb": "tweet", "object": "1"})["id"]
    token = feed.create_scope_token("feed", "write")
    assert_v2_error(
        lambda: v2_client.post(
            "activity/", signature=token, data={"changes": [{"id": aid, "set": {"a": 1}}]}
        ),
        NotAllowedException,
        17,
        403,
    )
    assert "a" not in feed.get()["results"][0]


def test_wrong_api_key(settings, v2_feed):
    feed = v2_feed()
    bad = stream.connect(
        "not-the-key", "not-the-secret", base_url=v2_base_url(settings["base_url"]), timeout=30.0
    )
    assert_v2_error(
        lambda: bad.feed(feed.slug, feed.user_id).add_activity(
            {"actor": "1", "verb": "t", "object": "1"}
        ),
        ApiKeyException,
        2,
        401,
    )
    assert _ids(feed) == []


def test_wrong_secret(settings, v2_feed):
    feed = v2_feed()
    bad = stream.connect(
        settings["api_key"], "not-the-secret", base_url=v2_base_url(settings["base_url"]),
        timeout=30.0,
    )
    assert_v2_error(
        lambda: bad.feed(feed.slug, feed.user_id).add_activity(
            {"actor": "1", "verb": "t", "object": "1"}
        ),
        NotAllowedException,
        17,
        403,
    )
    assert _ids(feed) == []
