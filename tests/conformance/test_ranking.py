"""Ranked feeds through the official clients: a feed group whose `ranking` is an expression
orders `get_or_create_feed` by score (getstream), with `external_ranking`, `interest_weights`
and cursors; rankings that cannot be computed are refused; and v2 reads naming a `ranking`
(stream-python) order by the same ranking, page with `offset` and carry each `score`."""

from __future__ import annotations

import json

from getstream.models import DecayFunctionConfig, RankingConfig
from stream.exceptions import MissingRankingException

from conformance_support import assert_api_error, assert_duration, error_body, uid


def _ranked_group(client, **ranking) -> str:
    group_id = uid("rk").replace("-", "_")
    resp = client.feeds.create_feed_group(id=group_id, ranking=RankingConfig(**ranking))
    assert resp.data.feed_group.ranking.type == ranking["type"]
    return group_id


def _post(client, group, owner, **fields) -> str:
    fields.setdefault("type", "post")
    return client.feeds.add_activity(
        feeds=[f"{group}:{owner}"], user_id=owner, **fields
    ).data.activity.id


def test_expression_ranking_orders_reads_by_score_and_pages(client, make_user):
    group = _ranked_group(
        client,
        type="expression",
        score="reaction_counts.like * 10 + custom.boost",
        defaults={"custom.boost": 0},
    )
    owner = make_user()
    plain = _post(client, group, owner)
    liked = _post(client, group, owner)
    boosted = _post(client, group, owner, custom={"boost": 5})
    for _ in range(2):
        client.feeds.add_activity_reaction(liked, type="like", user_id=make_user())

    read = client.feeds.get_or_create_feed(group, owner, user_id=owner).data
    assert_duration(read.duration)
    assert [a.id for a in read.activities] == [liked, boosted, plain]
    assert [a.score for a in read.activities] == [20.0, 5.0, 0.0]

    pages, cursor = [], None
    while True:
        page = client.feeds.get_or_create_feed(group, owner, user_id=owner, limit=1, next=cursor).data
        pages += [a.id for a in page.activities]
        cursor = page.next
        if not cursor:
            break
    assert pages == [liked, boosted, plain]


def test_external_ranking_and_interest_weights(client, make_user):
    group = _ranked_group(
        client,
        type="interest",
        score="(type == favourite ? 100 : 0) + interest_score",
    )
    owner = make_user()
    sport = _post(client, group, owner, interest_tags=["sport"])
    music = _post(client, group, owner, interest_tags=["music"])
    event = _post(client, group, owner, type="event")
    read = client.feeds.get_or_create_feed(
        group,
        owner,
        user_id=owner,
        external_ranking={"favourite": "event"},
        interest_weights={"sport": 3.0, "music": 1.0},
    ).data
    assert [a.id for a in read.activities] == [event, sport, music]
    assert [a.score for a in read.activities] == [100.0, 3.0, 1.0]


def test_decay_functions_from_the_group_config(client, make_user):
    group = _ranked_group(
        client,
        type="expression",
        score="fresh(time) * 100",
        functions={"fresh": DecayFunctionConfig(base="decay_exp", scale="1d", decay="0.5")},
    )
    owner = make_user()
    _post(client, group, owner)
    [a] = client.feeds.get_or_create_feed(group, owner, user_id=owner).data.activities
    assert 99.0 < a.score <= 100.0, a.score


def test_rankings_that_cannot_be_computed_are_refused(client):
    group = _ranked_group(client, type="expression", score="popularity")
    for ranking, field in [
        (RankingConfig(type="expression"), "ranking.score"),
        (RankingConfig(type="expression", score="nosuch(time)"), "ranking.score"),
        (RankingConfig(type="expression", score="popularity *"), "ranking.score"),
        (RankingConfig(type="sideways", score="1"), "ranking.type"),
    ]:
        exc = assert_api_error(
            lambda: client.feeds.update_feed_group(id=group, ranking=ranking), 4, 400
        )
        assert field in error_body(exc)["exception_fields"], error_body(exc)
    assert client.feeds.get_feed_group(id=group).data.feed_group.ranking.score == "popularity"


# --- v2 -------------------------------------------------------------------------------------


def test_v2_ranked_reads_use_the_groups_ranking(client, v2_client):
    group = _ranked_group(
        client,
        type="expression",
        score="decay_linear(time) * popularity ^ 0.5",
        defaults={"popularity": 1},
    )
    feed = v2_client.feed(group, uid("v2"))
    ids = [
        feed.add_activity({"actor": "a", "verb": "post", "object": uid("o"), "popularity": p})["id"]
        for p in (4, 100, 9, 25)
    ]
    first = feed.get(ranking="popular", limit=2)
    assert_duration(first["duration"])
    assert [a["id"] for a in first["results"]] == [ids[1], ids[3]]
    assert 9.9 < first["results"][0]["score"] <= 10.0
    assert "offset=2" in first["next"]
    second = feed.get(ranking="popular", limit=2, offset=2)
    assert [a["id"] for a in second["results"]] == [ids[2], ids[0]]
    assert second["next"] == ""
    # Unranked, the same feed reads newest first.
    assert [a["id"] for a in feed.get()["results"]] == ids[::-1]


def test_v2_ranking_vars(client, v2_client):
    group = _ranked_group(client, type="expression", score="type == favourite ? 10 : 1")
    feed = v2_client.feed(group, uid("v2"))
    like = feed.add_activity({"actor": "a", "verb": "like", "object": "o"})["id"]
    share = feed.add_activity({"actor": "a", "verb": "share", "object": "o"})["id"]
    read = feed.get(ranking="r", ranking_vars=json.dumps({"favourite": "like"}))
    assert [(a["id"], a["score"]) for a in read["results"]] == [(like, 10.0), (share, 1.0)]


def test_v2_ranked_read_of_a_group_without_ranking(v2_feed):
    feed = v2_feed("user")
    feed.add_activity({"actor": "a", "verb": "post", "object": "o"})
    try:
        feed.get(ranking="popularity")
    except MissingRankingException as exc:
        assert exc.code == 12 and exc.status_code == 400
    else:
        raise AssertionError("a ranked read of a group without ranking is refused")
