"""Reactions to activities, driven through the SDK.

Covers adding a reaction (the activity's reaction_count, reaction_groups, latest_reactions and
the reaction itself), own_reactions per reader, exact counts under concurrent reactions,
enforce_unique, refusing a repeated type, deleting, querying (paging, filters, sort), the batch
query over several activities, and the failures with their codes.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from getstream.models import SortParamRequest

from conformance_support import assert_api_error, assert_duration, assert_recent, uid


def _activity(client, user):
    """A fresh post by `user` on its own user feed; returns the activity id."""
    act = client.feeds.add_activity(
        type="post", feeds=[f"user:{user}"], text="react to me", user_id=user
    ).data.activity
    assert act.reaction_count == 0
    return act.id


def _react(client, activity_id, user, kind="like", **kwargs):
    resp = client.feeds.add_activity_reaction(activity_id, type=kind, user_id=user, **kwargs)
    assert_duration(resp.data.duration)
    return resp.data


def _users_of(reactions):
    return [r.user.id for r in reactions]


# --- adding --------------------------------------------------------------------------------


def test_add_reaction_updates_activity_and_returns_reaction(client, make_user):
    author, fan = make_user(), make_user(name="A Fan")
    activity_id = _activity(client, author)

    data = _react(client, activity_id, fan, "like", custom={"emoji": "thumbs", "n": 2})

    r = data.reaction
    assert r.type == "like"
    assert r.activity_id == activity_id
    assert r.user.id == fan
    assert r.user.name == "A Fan"
    assert r.custom == {"emoji": "thumbs", "n": 2}
    assert_recent(r.created_at)
    assert_recent(r.updated_at)

    act = data.activity
    assert act.id == activity_id
    assert act.reaction_count == 1
    assert set(act.reaction_groups) == {"like"}
    group = act.reaction_groups["like"]
    assert group.count == 1
    assert_recent(group.first_reaction_at)
    assert_recent(group.last_reaction_at)
    assert group.first_reaction_at == group.last_reaction_at, "one reaction: first is last"
    assert len(act.latest_reactions) == 1
    latest = act.latest_reactions[0]
    assert latest.user.id == fan
    assert latest.type == "like"
    assert latest.activity_id == activity_id

    # The stored activity says the same.
    read = client.feeds.get_activity(activity_id).data.activity
    assert read.reaction_count == 1
    assert read.reaction_groups["like"].count == 1
    assert read.reaction_groups["like"].first_reaction_at == group.first_reaction_at
    assert _users_of(read.latest_reactions) == [fan]


def test_get_activity_own_reactions_are_the_readers(client, make_user):
    author, fan, other = make_user(), make_user(), make_user()
    activity_id = _activity(client, author)
    _react(client, activity_id, fan, "like", custom={"k": "v"})

    mine = client.feeds.get_activity(activity_id, user_id=fan)
    assert_duration(mine.data.duration)
    own = mine.data.activity.own_reactions
    assert len(own) == 1
    assert own[0].type == "like"
    assert own[0].user.id == fan
    assert own[0].activity_id == activity_id
    assert own[0].custom == {"k": "v"}

    theirs = client.feeds.get_activity(activity_id, user_id=other).data.activity
    assert theirs.own_reactions == []
    assert theirs.reaction_count == 1, "the count is everyone's, whoever reads"

    anonymous = client.feeds.get_activity(activity_id).data.activity
    assert anonymous.own_reactions == []


def test_twenty_concurrent_reactions_count_exactly(client, make_user):
    author = make_user()
    activity_id = _activity(client, author)
    fans = [make_user() for _ in range(20)]

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(lambda u: _react(client, activity_id, u, "like"), fans))
    assert sorted(d.reaction.user.id for d in results) == sorted(fans)

    act = client.feeds.get_activity(activity_id, user_id=fans[5]).data.activity
    assert act.reaction_count == 20
    assert set(act.reaction_groups) == {"like"}
    group = act.reaction_groups["like"]
    assert group.count == 20
    assert group.first_reaction_at <= group.last_reaction_at
    assert 1 <= len(act.latest_reactions) <= 20
    assert set(_users_of(act.latest_reactions)) <= set(fans)
    assert len(set(_users_of(act.latest_reactions))) == len(act.latest_reactions)
    assert [(r.user.id, r.type) for r in act.own_reactions] == [(fans[5], "like")]

    listed = client.feeds.query_activity_reactions(activity_id, limit=100).data
    assert sorted(_users_of(listed.reactions)) == sorted(fans)
    assert listed.next is None


def test_enforce_unique_replaces_the_users_other_type(client, make_user):
    author, fan = make_user(), make_user()
    activity_id = _activity(client, author)
    _react(client, activity_id, fan, "like")

    data = _react(client, activity_id, fan, "love", enforce_unique=True, custom={"k": 1})
    assert data.reaction.type == "love"
    assert data.reaction.user.id == fan
    assert data.reaction.custom == {"k": 1}
    act = data.activity
    assert act.reaction_count == 1
    assert set(act.reaction_groups) == {"love"}
    assert act.reaction_groups["love"].count == 1
    assert [(r.user.id, r.type) for r in act.latest_reactions] == [(fan, "love")]

    read = client.feeds.get_activity(activity_id, user_id=fan).data.activity
    assert read.reaction_count == 1
    assert set(read.reaction_groups) == {"love"}
    assert [r.type for r in read.own_reactions] == ["love"]
    listed = client.feeds.query_activity_reactions(activity_id).data.reactions
    assert [(r.user.id, r.type) for r in listed] == [(fan, "love")]


def test_enforce_unique_leaves_other_users_alone(client, make_user):
    author, fan, other = make_user(), make_user(), make_user()
    activity_id = _activity(client, author)
    _react(client, activity_id, other, "like")
    _react(client, activity_id, fan, "like")

    act = _react(client, activity_id, fan, "wow", enforce_unique=True).activity
    assert act.reaction_count == 2
    assert act.reaction_groups["like"].count == 1
    assert act.reaction_groups["wow"].count == 1
    theirs = client.feeds.get_activity(activity_id, user_id=other).data.activity
    assert [r.type for r in theirs.own_reactions] == ["like"]


def test_same_type_twice_without_enforce_unique_is_refused(client, make_user):
    author, fan = make_user(), make_user()
    activity_id = _activity(client, author)
    _react(client, activity_id, fan, "like")

    assert_api_error(
        lambda: client.feeds.add_activity_reaction(activity_id, type="like", user_id=fan),
        code=4,
        status=400,
    )
    read = client.feeds.get_activity(activity_id, user_id=fan).data.activity
    assert read.reaction_count == 1
    assert read.reaction_groups["like"].count == 1
    assert len(read.own_reactions) == 1


def test_different_types_by_one_user_both_count(client, make_user):
    author, fan = make_user(), make_user()
    activity_id = _activity(client, author)
    _react(client, activity_id, fan, "like")
    act = _react(client, activity_id, fan, "wow").activity
    assert act.reaction_count == 2
    assert {k: g.count for k, g in act.reaction_groups.items()} == {"like": 1, "wow": 1}
    read = client.feeds.get_activity(activity_id, user_id=fan).data.activity
    assert sorted(r.type for r in read.own_reactions) == ["like", "wow"]


# --- deleting ------------------------------------------------------------------------------


def test_delete_reaction(client, make_user):
    author, fan, other = make_user(), make_user(), make_user()
    activity_id = _activity(client, author)
    _react(client, activity_id, other, "like")
    _react(client, activity_id, fan, "like", custom={"gone": True})

    resp = client.feeds.delete_activity_reaction(activity_id, "like", user_id=fan)
    assert_duration(resp.data.duration)
    assert resp.data.reaction.type == "like"
    assert resp.data.reaction.user.id == fan
    assert resp.data.reaction.activity_id == activity_id
    act = resp.data.activity
    assert act.id == activity_id
    assert act.reaction_count == 1
    assert act.reaction_groups["like"].count == 1
    assert _users_of(act.latest_reactions) == [other]
    assert act.own_reactions == []

    read = client.feeds.get_activity(activity_id, user_id=fan).data.activity
    assert read.reaction_count == 1
    assert read.reaction_groups["like"].count == 1
    assert read.own_reactions == []
    assert _users_of(read.latest_reactions) == [other]
    assert _users_of(client.feeds.query_activity_reactions(activity_id).data.reactions) == [
        other
    ]

    # Deleting it again: there is nothing left to delete.
    assert_api_error(
        lambda: client.feeds.delete_activity_reaction(activity_id, "like", user_id=fan),
        code=16,
        status=404,
    )

    # The last reaction goes too: nothing is counted any more.
    last = client.feeds.delete_activity_reaction(activity_id, "like", user_id=other).data
    assert last.activity.reaction_count == 0
    assert last.activity.latest_reactions == []
    group = last.activity.reaction_groups.get("like")
    assert group is None or group.count == 0, f"an emptied group still counts: {group!r}"


def test_delete_then_react_again(client, make_user):
    author, fan = make_user(), make_user()
    activity_id = _activity(client, author)
    _react(client, activity_id, fan, "like")
    client.feeds.delete_activity_reaction(activity_id, "like", user_id=fan)
    act = _react(client, activity_id, fan, "like").activity
    assert act.reaction_count == 1
    assert act.reaction_groups["like"].count == 1


# --- querying ------------------------------------------------------------------------------


def _five_reactions(client, make_user):
    """An activity with five reactions added one after another: like, wow, like, wow, like.
    Returns (activity_id, the five users in the order they reacted)."""
    activity_id = _activity(client, make_user())
    fans = [make_user() for _ in range(5)]
    for i, fan in enumerate(fans):
        _react(client, activity_id, fan, "like" if i % 2 == 0 else "wow")
    return activity_id, fans


def test_query_reactions_pages_newest_first(client, make_user):
    activity_id, fans = _five_reactions(client, make_user)

    first = client.feeds.query_activity_reactions(activity_id, limit=2)
    assert_duration(first.data.duration)
    assert _users_of(first.data.reactions) == [fans[4], fans[3]], "newest first"
    assert first.data.next, "a further page must be announced with `next`"

    second = client.feeds.query_activity_reactions(activity_id, limit=2, next=first.data.next)
    assert _users_of(second.data.reactions) == [fans[2], fans[1]]
    assert second.data.next

    third = client.feeds.query_activity_reactions(activity_id, limit=2, next=second.data.next)
    assert _users_of(third.data.reactions) == [fans[0]]
    assert third.data.next is None

    for r in first.data.reactions + second.data.reactions + third.data.reactions:
        assert r.activity_id == activity_id
        assert_recent(r.created_at)

    everything = client.feeds.query_activity_reactions(activity_id).data
    assert _users_of(everything.reactions) == list(reversed(fans))
    assert everything.next is None


def test_query_reactions_filter_on_type_and_user(client, make_user):
    activity_id, fans = _five_reactions(client, make_user)

    likes = client.feeds.query_activity_reactions(
        activity_id, filter={"reaction_type": "like"}
    ).data.reactions
    assert _users_of(likes) == [fans[4], fans[2], fans[0]]
    assert {r.type for r in likes} == {"like"}

    wows = client.feeds.query_activity_reactions(
        activity_id, filter={"reaction_type": {"$eq": "wow"}}
    ).data.reactions
    assert _users_of(wows) == [fans[3], fans[1]]

    one = client.feeds.query_activity_reactions(
        activity_id, filter={"user_id": fans[1]}
    ).data.reactions
    assert [(r.user.id, r.type) for r in one] == [(fans[1], "wow")]

    some = client.feeds.query_activity_reactions(
        activity_id, filter={"user_id": {"$in": [fans[0], fans[3]]}}
    ).data.reactions
    assert _users_of(some) == [fans[3], fans[0]]

    none = client.feeds.query_activity_reactions(
        activity_id, filter={"reaction_type": "like", "user_id": fans[1]}
    ).data.reactions
    assert none == []


def test_query_reactions_sorted_oldest_first(client, make_user):
    activity_id, fans = _five_reactions(client, make_user)
    asc = [SortParamRequest(field="created_at", direction=1)]

    oldest = client.feeds.query_activity_reactions(activity_id, limit=3, sort=asc).data
    assert _users_of(oldest.reactions) == fans[:3]
    assert oldest.next
    rest = client.feeds.query_activity_reactions(
        activity_id, limit=3, sort=asc, next=oldest.next
    ).data
    assert _users_of(rest.reactions) == fans[3:]

    desc = [SortParamRequest(field="created_at", direction=-1)]
    newest = client.feeds.query_activity_reactions(activity_id, limit=1, sort=desc).data
    assert _users_of(newest.reactions) == [fans[4]]


def test_batch_query_reactions_over_two_activities(client, make_user):
    a, fans = _five_reactions(client, make_user)
    b = _activity(client, make_user())
    late = make_user()
    _react(client, b, fans[0], "like")
    _react(client, b, late, "wow")

    resp = client.feeds.batch_query_activity_reactions(activity_ids=[a, b], limit=100)
    assert_duration(resp.data.duration)
    got = sorted((r.activity_id, r.user.id, r.type) for r in resp.data.reactions)
    want = sorted(
        [(a, f, "like" if i % 2 == 0 else "wow") for i, f in enumerate(fans)]
        + [(b, fans[0], "like"), (b, late, "wow")]
    )
    assert got == want
    assert resp.data.next is None

    # Paging walks across both activities without losing or repeating any.
    seen, cursor = [], None
    for _ in range(10):
        page = client.feeds.batch_query_activity_reactions(
            activity_ids=[a, b], limit=3, next=cursor
        ).data
        assert len(page.reactions) <= 3
        seen += [(r.activity_id, r.user.id, r.type) for r in page.reactions]
        cursor = page.next
        if not cursor:
            break
    assert sorted(seen) == want

    likes = client.feeds.batch_query_activity_reactions(
        activity_ids=[a, b], filter={"reaction_type": "like"}, limit=100
    ).data.reactions
    assert sorted((r.activity_id, r.user.id) for r in likes) == sorted(
        [(a, fans[0]), (a, fans[2]), (a, fans[4]), (b, fans[0])]
    )


# --- failures ------------------------------------------------------------------------------


def test_react_to_missing_activity(client, make_user):
    fan = make_user()
    assert_api_error(
        lambda: client.feeds.add_activity_reaction(uid("missing"), type="like", user_id=fan),
        code=16,
        status=404,
    )


def test_react_to_soft_deleted_activity(client, make_user):
    author, fan = make_user(), make_user()
    activity_id = _activity(client, author)
    client.feeds.delete_activity(activity_id)
    assert_api_error(
        lambda: client.feeds.add_activity_reaction(activity_id, type="like", user_id=fan),
        code=16,
        status=404,
    )


def test_react_without_type(client, make_user):
    author, fan = make_user(), make_user()
    activity_id = _activity(client, author)
    for missing in (None, ""):
        assert_api_error(
            lambda: client.feeds.add_activity_reaction(activity_id, type=missing, user_id=fan),
            code=4,
            status=400,
        )
    assert client.feeds.get_activity(activity_id).data.activity.reaction_count == 0


def test_react_with_invalid_type(client, make_user):
    author, fan = make_user(), make_user()
    activity_id = _activity(client, author)
    for bad in ("li ke", "x" * 65):
        assert_api_error(
            lambda: client.feeds.add_activity_reaction(activity_id, type=bad, user_id=fan),
            code=4,
            status=400,
        )
    assert client.feeds.get_activity(activity_id).data.activity.reaction_count == 0


def test_user_token_reacts_as_itself_only(client, make_user, user_client):
    author, alice, bob = make_user(), make_user(), make_user()
    activity_id = _activity(client, author)
    c = user_client(alice)

    assert_api_error(
        lambda: c.feeds.add_activity_reaction(activity_id, type="like", user_id=bob),
        code=17,
        status=403,
    )
    assert client.feeds.get_activity(activity_id).data.activity.reaction_count == 0

    own = c.feeds.add_activity_reaction(activity_id, type="like").data
    assert own.reaction.user.id == alice
    assert own.activity.reaction_count == 1
    assert [r.user.id for r in own.activity.own_reactions] == [alice]


def test_query_reactions_unknown_filter_field(client, make_user):
    author, fan = make_user(), make_user()
    activity_id = _activity(client, author)
    _react(client, activity_id, fan, "like")
    assert_api_error(
        lambda: client.feeds.query_activity_reactions(activity_id, filter={"score": 1}),
        code=4,
        status=400,
    )
    assert_api_error(
        lambda: client.feeds.batch_query_activity_reactions(
            activity_ids=[activity_id], filter={"no_such_field": "x"}
        ),
        code=4,
        status=400,
    )
