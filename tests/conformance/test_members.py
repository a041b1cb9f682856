"""Feed members and membership levels through the SDK.

`update_feed_members` (upsert, remove, set), invites answered with
`accept_feed_member_invite` / `reject_feed_member_invite`, `query_feed_members` (filter,
sort, paging), the feed's `member_count`, `members` on feed reads, and membership levels
(create, query, update, delete; server-side only), the own fields of many feeds at once
(`own_batch`), a feed's counts (`get_feed_counts`) and feed visibility levels (list, get,
update grants; `change_feed_visibility` with its follow reconciliation). Every response must
parse into the SDK's typed response object.
"""

from __future__ import annotations

from getstream.models import (
    AcceptFeedMemberInviteResponse,
    ChangeFeedVisibilityResponse,
    CreateMembershipLevelResponse,
    FeedOwnData,
    FeedVisibilityResponse,
    GetFeedCountsResponse,
    GetFeedVisibilityResponse,
    ListFeedVisibilitiesResponse,
    OwnBatchResponse,
    FeedMemberRequest,
    FeedMemberResponse,
    GetOrCreateFeedResponse,
    MembershipLevelResponse,
    PagerRequest,
    QueryFeedMembersResponse,
    QueryMembershipLevelsResponse,
    RejectFeedMemberInviteResponse,
    SortParamRequest,
    UpdateFeedMembersResponse,
    UpdateFeedVisibilityResponse,
    UpdateMembershipLevelResponse,
)

from conformance_support import assert_api_error, assert_duration, assert_recent, uid


def _owned_feed(client, owner: str, group: str = "user") -> tuple[str, str]:
    """Creates <group>:<owner> as its owner; returns (group, feed_id)."""
    client.feeds.get_or_create_feed(feed_group_id=group, feed_id=owner, user_id=owner)
    return group, owner


def _update(c, feed, operation, members, **kwargs) -> UpdateFeedMembersResponse:
    group, feed_id = feed
    resp = c.feeds.update_feed_members(
        feed_group_id=group, feed_id=feed_id, operation=operation, members=members, **kwargs
    )
    assert isinstance(resp.data, UpdateFeedMembersResponse)
    assert_duration(resp.data.duration)
    return resp.data


def _query(c, feed, **kwargs) -> QueryFeedMembersResponse:
    group, feed_id = feed
    resp = c.feeds.query_feed_members(feed_group_id=group, feed_id=feed_id, **kwargs)
    assert isinstance(resp.data, QueryFeedMembersResponse)
    assert_duration(resp.data.duration)
    return resp.data


def _read(c, feed, **kwargs) -> GetOrCreateFeedResponse:
    group, feed_id = feed
    resp = c.feeds.get_or_create_feed(feed_group_id=group, feed_id=feed_id, **kwargs)
    assert isinstance(resp.data, GetOrCreateFeedResponse)
    return resp.data


def _member_ids(members):
    return sorted(m.user.id for m in members)


def _check_member(m, user_id: str, status: str, role: str | None = None):
    assert isinstance(m, FeedMemberResponse)
    assert m.user.id == user_id
    assert m.status == status
    if role is not None:
        assert m.role == role
    assert_recent(m.created_at)
    assert_recent(m.updated_at)


# --- update_feed_members -------------------------------------------------------------------------


def test_upsert_adds_then_updates_members(client, make_user):
    owner, a, b = make_user(), make_user(), make_user()
    feed = _owned_feed(client, owner)
    added = _update(
        client,
        feed,
        "upsert",
        [FeedMemberRequest(user_id=a), FeedMemberRequest(user_id=b, role="moderator")],
    )
    assert _member_ids(added.added) == sorted([a, b])
    assert added.updated == [] and added.removed_ids == []
    by_id = {m.user.id: m for m in added.added}
    _check_member(by_id[a], a, "member", "feed_member")
    _check_member(by_id[b], b, "member", "moderator")

    again = _update(
        client, feed, "upsert", [FeedMemberRequest(user_id=a, role="editor", custom={"k": 1})]
    )
    assert again.added == []
    assert [m.user.id for m in again.updated] == [a]
    assert again.updated[0].role == "editor"
    assert again.updated[0].custom == {"k": 1}

    data = _read(client, feed, user_id=owner)
    assert data.feed.member_count == 2
    assert _member_ids(data.members) == sorted([a, b])


def test_remove_members(client, make_user):
    owner, a, b = make_user(), make_user(), make_user()
    feed = _owned_feed(client, owner)
    _update(client, feed, "upsert", [FeedMemberRequest(user_id=a), FeedMemberRequest(user_id=b)])
    removed = _update(client, feed, "remove", [FeedMemberRequest(user_id=a)])
    assert removed.removed_ids == [a]
    assert removed.added == [] and removed.updated == []
    assert _read(client, feed, user_id=owner).feed.member_count == 1
    assert _member_ids(_query(client, feed).members) == [b]


def test_set_replaces_the_member_list(client, make_user):
    owner, a, b, c = make_user(), make_user(), make_user(), make_user()
    feed = _owned_feed(client, owner)
    _update(client, feed, "upsert", [FeedMemberRequest(user_id=a), FeedMemberRequest(user_id=b)])
    result = _update(
        client, feed, "set", [FeedMemberRequest(user_id=b), FeedMemberRequest(user_id=c)]
    )
    assert [m.user.id for m in result.added] == [c]
    assert result.removed_ids == [a]
    assert _member_ids(_query(client, feed).members) == sorted([b, c])
    assert _read(client, feed, user_id=owner).feed.member_count == 2


def test_unknown_operation_is_an_input_error(client, make_user):
    owner, a = make_user(), make_user()
    feed = _owned_feed(client, owner)
    exc = assert_api_error(
        lambda: _update(client, feed, "merge", [FeedMemberRequest(user_id=a)]), 4, 400
    )
    assert "operation" in exc.message


def test_owner_manages_members_but_others_may_not(client, make_user, user_client):
    owner, a, stranger = make_user(), make_user(), make_user()
    feed = _owned_feed(client, owner)
    got = _update(user_client(owner), feed, "upsert", [FeedMemberRequest(user_id=a)])
    assert [m.user.id for m in got.added] == [a]
    for intruder in (stranger, a):
        assert_api_error(
            lambda: _update(
                user_client(intruder), feed, "upsert", [FeedMemberRequest(user_id=intruder)]
            ),
            17,
            403,
        )
    assert _member_ids(_query(client, feed).members) == [a]


def test_members_on_feed_reads(client, make_user, user_client):
    owner, a, b = make_user(), make_user(), make_user()
    feed = _owned_feed(client, owner)
    _update(client, feed, "upsert", [FeedMemberRequest(user_id=a), FeedMemberRequest(user_id=b)])
    data = _read(user_client(a), feed, member_pagination=PagerRequest(limit=1))
    assert data.feed.member_count == 2
    assert len(data.members) == 1
    assert data.member_pagination is not None and data.member_pagination.next
    assert data.feed.own_membership is not None
    assert data.feed.own_membership.user.id == a
    assert data.feed.own_membership.status == "member"
    rest = _read(
        user_client(a),
        feed,
        member_pagination=PagerRequest(limit=1, next=data.member_pagination.next),
    )
    assert _member_ids(data.members + rest.members) == sorted([a, b])


# --- invites -------------------------------------------------------------------------------------


def test_invite_then_accept(client, make_user, user_client):
    owner, guest = make_user(), make_user()
    feed = _owned_feed(client, owner)
    invited = _update(client, feed, "upsert", [FeedMemberRequest(user_id=guest, invite=True)])
    _check_member(invited.added[0], guest, "pending")
    assert invited.added[0].invite_accepted_at is None
    assert _read(client, feed, user_id=owner).feed.member_count == 0

    group, feed_id = feed
    resp = user_client(guest).feeds.accept_feed_member_invite(
        feed_id=feed_id, feed_group_id=group
    )
    assert isinstance(resp.data, AcceptFeedMemberInviteResponse)
    assert_duration(resp.data.duration)
    _check_member(resp.data.member, guest, "member")
    assert_recent(resp.data.member.invite_accepted_at)
    assert _read(client, feed, user_id=owner).feed.member_count == 1
    # Accepting again: there is no pending invite any more.
    assert_api_error(
        lambda: user_client(guest).feeds.accept_feed_member_invite(
            feed_id=feed_id, feed_group_id=group
        ),
        4,
        400,
    )


def test_invite_then_reject(client, make_user, user_client):
    owner, guest = make_user(), make_user()
    feed = _owned_feed(client, owner)
    _update(client, feed, "upsert", [FeedMemberRequest(user_id=guest, invite=True)])
    group, feed_id = feed
    resp = client.feeds.reject_feed_member_invite(
        feed_group_id=group, feed_id=feed_id, user_id=guest
    )
    assert isinstance(resp.data, RejectFeedMemberInviteResponse)
    _check_member(resp.data.member, guest, "rejected")
    assert_recent(resp.data.member.invite_rejected_at)
    assert _read(client, feed, user_id=owner).feed.member_count == 0
    statuses = {m.user.id: m.status for m in _query(client, feed).members}
    assert statuses.get(guest) in (None, "rejected")


def test_only_the_invited_user_answers(client, make_user, user_client):
    owner, guest, other = make_user(), make_user(), make_user()
    feed = _owned_feed(client, owner)
    _update(client, feed, "upsert", [FeedMemberRequest(user_id=guest, invite=True)])
    group, feed_id = feed
    # Another user answering for the guest, or for itself without an invite.
    assert_api_error(
        lambda: user_client(other).feeds.accept_feed_member_invite(
            feed_id=feed_id, feed_group_id=group, user_id=guest
        ),
        17,
        403,
    )
    assert_api_error(
        lambda: user_client(other).feeds.accept_feed_member_invite(
            feed_id=feed_id, feed_group_id=group
        ),
        17,
        403,
    )
    statuses = {m.user.id: m.status for m in _query(client, feed).members}
    assert statuses == {guest: "pending"}


# --- query_feed_members --------------------------------------------------------------------------


def test_query_feed_members_filter_and_paging(client, make_user):
    owner = make_user()
    feed = _owned_feed(client, owner)
    members = [make_user() for _ in range(5)]
    invited = make_user()
    _update(
        client,
        feed,
        "upsert",
        [FeedMemberRequest(user_id=m) for m in members]
        + [FeedMemberRequest(user_id=invited, invite=True)],
    )
    everyone = _query(client, feed)
    assert _member_ids(everyone.members) == sorted(members + [invited])

    accepted = _query(client, feed, filter={"status": "member"})
    assert _member_ids(accepted.members) == sorted(members)
    pending = _query(client, feed, filter={"status": "pending"})
    assert _member_ids(pending.members) == [invited]
    two = _query(client, feed, filter={"user_id": {"$in": members[:2]}})
    assert _member_ids(two.members) == sorted(members[:2])

    seen = []
    page = _query(client, feed, limit=2, filter={"status": "member"})
    pages = 0
    while True:
        pages += 1
        assert len(page.members) <= 2
        seen += [m.user.id for m in page.members]
        if not page.next:
            break
        page = _query(client, feed, limit=2, next=page.next, filter={"status": "member"})
    assert pages == 3
    assert sorted(seen) == sorted(members)
    assert len(set(seen)) == len(seen)


def test_query_feed_members_sort(client, make_user):
    owner = make_user()
    feed = _owned_feed(client, owner)
    first, second = make_user(), make_user()
    _update(client, feed, "upsert", [FeedMemberRequest(user_id=first)])
    _update(client, feed, "upsert", [FeedMemberRequest(user_id=second)])
    newest = _query(client, feed, sort=[SortParamRequest(field="created_at", direction=-1)])
    assert [m.user.id for m in newest.members] == [second, first]
    oldest = _query(client, feed, sort=[SortParamRequest(field="created_at", direction=1)])
    assert [m.user.id for m in oldest.members] == [first, second]


def test_query_feed_members_permissions(client, make_user, user_client):
    owner, member, stranger = make_user(), make_user(), make_user()
    feed = _owned_feed(client, owner)
    _update(client, feed, "upsert", [FeedMemberRequest(user_id=member)])
    assert _member_ids(_query(user_client(owner), feed).members) == [member]
    assert _member_ids(_query(user_client(member), feed).members) == [member]
    assert_api_error(lambda: _query(user_client(stranger), feed), 17, 403)


def test_query_feed_members_bad_filter_field(client, make_user):
    owner = make_user()
    feed = _owned_feed(client, owner)
    assert_api_error(lambda: _query(client, feed, filter={"no_such_field": "x"}), 4, 400)


# --- membership levels ---------------------------------------------------------------------------


def _check_level(level, level_id, name):
    assert isinstance(level, MembershipLevelResponse)
    assert level.id == level_id
    assert level.name == name
    assert_recent(level.created_at)
    assert_recent(level.updated_at)


def test_membership_level_lifecycle(client):
    level_id = uid("lvl")
    created = client.feeds.create_membership_level(
        id=level_id, name="Gold", description="paying", priority=10, tags=["gold"], custom={"c": 1}
    )
    assert isinstance(created.data, CreateMembershipLevelResponse)
    assert_duration(created.data.duration)
    lvl = created.data.membership_level
    _check_level(lvl, level_id, "Gold")
    assert lvl.priority == 10
    assert lvl.tags == ["gold"]
    assert lvl.description == "paying"
    assert lvl.custom == {"c": 1}

    # The same id again is an input error.
    assert_api_error(lambda: client.feeds.create_membership_level(id=level_id, name="x"), 4, 400)

    q = client.feeds.query_membership_levels(filter={"id": level_id})
    assert isinstance(q.data, QueryMembershipLevelsResponse)
    assert [l.id for l in q.data.membership_levels] == [level_id]

    upd = client.feeds.update_membership_level(id=level_id, name="Platinum", priority=20)
    assert isinstance(upd.data, UpdateMembershipLevelResponse)
    _check_level(upd.data.membership_level, level_id, "Platinum")
    assert upd.data.membership_level.priority == 20
    assert upd.data.membership_level.tags == ["gold"]  # untouched

    q = client.feeds.query_membership_levels(filter={"id": level_id}).data.membership_levels
    assert [(l.name, l.priority) for l in q] == [("Platinum", 20)]

    deleted = client.feeds.delete_membership_level(id=level_id)
    assert_duration(deleted.data.duration)
    gone = client.feeds.query_membership_levels(filter={"id": level_id}).data
    assert gone.membership_levels == []
    assert_api_error(lambda: client.feeds.update_membership_level(id=level_id, name="x"), 16, 404)


def test_query_membership_levels_by_priority_and_paging(client):
    base = uid("lvl")
    ids = [f"{base}-{i}" for i in range(3)]
    for i, level_id in enumerate(ids):
        client.feeds.create_membership_level(id=level_id, name=f"L{i}", priority=1000 + i)
    got = client.feeds.query_membership_levels(
        filter={"id": {"$in": ids}, "priority": {"$gte": 1001}},
        sort=[SortParamRequest(field="priority", direction=-1)],
    ).data.membership_levels
    assert [l.id for l in got] == [ids[2], ids[1]]
    first = client.feeds.query_membership_levels(filter={"id": {"$in": ids}}, limit=2).data
    assert len(first.membership_levels) == 2 and first.next
    rest = client.feeds.query_membership_levels(
        filter={"id": {"$in": ids}}, limit=2, next=first.next
    ).data
    assert sorted(l.id for l in first.membership_levels + rest.membership_levels) == sorted(ids)
    for level_id in ids:
        client.feeds.delete_membership_level(id=level_id)


def test_user_tokens_may_not_manage_membership_levels(client, user, user_client):
    level_id = uid("lvl")
    client.feeds.create_membership_level(id=level_id, name="Silver")
    c = user_client(user)
    assert_api_error(lambda: c.feeds.create_membership_level(id=uid("lvl"), name="x"), 17, 403)
    assert_api_error(lambda: c.feeds.query_membership_levels(), 17, 403)
    assert_api_error(lambda: c.feeds.update_membership_level(id=level_id, name="x"), 17, 403)
    assert_api_error(lambda: c.feeds.delete_membership_level(id=level_id), 17, 403)
    left = client.feeds.query_membership_levels(filter={"id": level_id}).data.membership_levels
    assert [(l.id, l.name) for l in left] == [(level_id, "Silver")]
    client.feeds.delete_membership_level(id=level_id)


def test_member_with_membership_level(client, make_user):
    owner, a = make_user(), make_user()
    level_id = uid("lvl")
    client.feeds.create_membership_level(id=level_id, name="VIP", tags=["vip"])
    feed = _owned_feed(client, owner)
    got = _update(
        client, feed, "upsert", [FeedMemberRequest(user_id=a, membership_level=level_id)]
    )
    level = got.added[0].membership_level
    assert level is not None
    _check_level(level, level_id, "VIP")
    assert level.tags == ["vip"]
    exc = assert_api_error(
        lambda: _update(
            client, feed, "upsert", [FeedMemberRequest(user_id=a, membership_level=uid("none"))]
        ),
        4,
        400,
    )
    assert "membership_level" in exc.message
    client.feeds.delete_membership_level(id=level_id)


# --- own_batch, get_feed_counts ------------------------------------------------------------------


def test_own_batch_for_member_and_stranger(client, make_user, user_client):
    owner, member, stranger = make_user(), make_user(), make_user()
    feed = _owned_feed(client, owner)
    fid = f"{feed[0]}:{feed[1]}"
    _update(client, feed, "upsert", [FeedMemberRequest(user_id=member)])
    missing = f"user:{uid('nobody')}"

    resp = user_client(member).feeds.own_batch(feeds=[fid, missing])
    assert isinstance(resp.data, OwnBatchResponse)
    assert_duration(resp.data.duration)
    assert list(resp.data.data) == [fid]  # feeds that do not exist are left out
    mine = resp.data.data[fid]
    assert isinstance(mine, FeedOwnData)
    assert "add-activity" in mine.own_capabilities
    assert "query-feed-members" in mine.own_capabilities
    assert mine.own_membership is not None and mine.own_membership.user.id == member

    theirs = user_client(stranger).feeds.own_batch(feeds=[fid]).data.data[fid]
    assert "read-feed" in theirs.own_capabilities  # `user` feeds are `visible`
    assert "add-activity" not in theirs.own_capabilities
    assert theirs.own_membership is None
    assert not theirs.own_follows

    # A server call answers for the named user; `fields` narrows what is computed.
    as_server = client.feeds.own_batch(feeds=[fid], user_id=stranger).data.data[fid]
    assert sorted(as_server.own_capabilities) == sorted(theirs.own_capabilities)
    client.feeds.follow(source=f"timeline:{stranger}", target=fid, activity_copy_limit=0)
    narrowed = client.feeds.own_batch(
        feeds=[fid], user_id=stranger, fields=["own_follows"]
    ).data.data[fid]
    assert [f.source_feed.feed for f in narrowed.own_follows] == [f"timeline:{stranger}"]
    assert not narrowed.own_capabilities

    assert_api_error(
        lambda: client.feeds.own_batch(feeds=[fid], user_id=stranger, fields=["nope"]), 4, 400
    )


def test_get_feed_counts(client, make_user, user_client):
    owner, stranger = make_user(), make_user()
    feed = _owned_feed(client, owner)
    fid = f"{feed[0]}:{feed[1]}"
    a1 = client.feeds.add_activity(type="post", text="1", feeds=[fid], user_id=owner).data.activity
    client.feeds.add_activity(type="post", text="2", feeds=[fid], user_id=owner)
    top = client.feeds.add_comment(
        object_id=a1.id, object_type="activity", comment="c", user_id=owner
    ).data.comment
    client.feeds.add_comment(
        object_id=a1.id, object_type="activity", comment="r", parent_id=top.id, user_id=owner
    )
    resp = client.feeds.get_feed_counts(feed_group_id=feed[0], feed_id=feed[1])
    assert isinstance(resp.data, GetFeedCountsResponse)
    assert_duration(resp.data.duration)
    assert (resp.data.activity_count, resp.data.comment_count, resp.data.total_count) == (2, 2, 4)
    # Whoever reads the feed may ask; on a private feed only its owner.
    assert user_client(stranger).feeds.get_feed_counts(
        feed_group_id=feed[0], feed_id=feed[1]
    ).data.total_count == 4
    client.feeds.change_feed_visibility(
        feed_group_id=feed[0], feed_id=feed[1], visibility="private"
    )
    assert_api_error(
        lambda: user_client(stranger).feeds.get_feed_counts(feed_group_id=feed[0], feed_id=feed[1]),
        17,
        403,
    )
    assert_api_error(
        lambda: client.feeds.get_feed_counts(feed_group_id="user", feed_id=uid("nobody")), 16, 404
    )


# --- feed visibilities ---------------------------------------------------------------------------


VISIBILITIES = ["followers", "members", "private", "public", "visible"]


def test_list_and_get_feed_visibilities(client, user, user_client):
    resp = client.feeds.list_feed_visibilities()
    assert isinstance(resp.data, ListFeedVisibilitiesResponse)
    assert_duration(resp.data.duration)
    assert sorted(resp.data.feed_visibilities) == VISIBILITIES
    for name, v in resp.data.feed_visibilities.items():
        assert isinstance(v, FeedVisibilityResponse)
        assert v.name == name
        assert isinstance(v.grants, dict)
        assert set(v.grants["feed_owner"]) >= {"read-feed", "add-activity", "update-feed"}
    public = resp.data.feed_visibilities["public"].grants
    visible = resp.data.feed_visibilities["visible"].grants
    assert "add-activity" in public["user"]
    assert "add-activity" not in visible["user"]
    assert "read-feed" in visible["user"]
    assert not resp.data.feed_visibilities["private"].grants.get("user")

    one = client.feeds.get_feed_visibility(name="members")
    assert isinstance(one.data, GetFeedVisibilityResponse)
    assert one.data.feed_visibility.name == "members"
    assert "add-activity" in one.data.feed_visibility.grants["feed_member"]
    assert "read-feed" not in one.data.feed_visibility.grants.get("user", [])

    assert_api_error(lambda: client.feeds.get_feed_visibility(name="secret"), 16, 404)
    c = user_client(user)
    assert_api_error(lambda: c.feeds.list_feed_visibilities(), 17, 403)
    assert_api_error(lambda: c.feeds.get_feed_visibility(name="public"), 17, 403)
    assert_api_error(
        lambda: c.feeds.update_feed_visibility(name="public", grants={"user": []}), 17, 403
    )


def test_update_feed_visibility_changes_what_users_may_do(client, make_user, user_client):
    owner, stranger = make_user(), make_user()
    feed = _owned_feed(client, owner)
    client.feeds.change_feed_visibility(
        feed_group_id=feed[0], feed_id=feed[1], visibility="private"
    )
    assert_api_error(lambda: _read(user_client(stranger), feed), 17, 403)
    before = client.feeds.get_feed_visibility(name="private").data.feed_visibility.grants
    try:
        resp = client.feeds.update_feed_visibility(
            name="private", grants={"user": ["read-feed", "read-activities"]}
        )
        assert isinstance(resp.data, UpdateFeedVisibilityResponse)
        grants = resp.data.feed_visibility.grants
        assert sorted(grants["user"]) == ["read-activities", "read-feed"]
        assert sorted(grants["feed_owner"]) == sorted(before["feed_owner"])  # untouched
        assert _read(user_client(stranger), feed).feed.feed == f"{feed[0]}:{feed[1]}"
    finally:
        client.feeds.update_feed_visibility(name="private", grants={"user": before.get("user", [])})
    assert_api_error(lambda: _read(user_client(stranger), feed), 17, 403)
    assert_api_error(
        lambda: client.feeds.update_feed_visibility(name="private", grants={"user": ["fly"]}),
        4,
        400,
    )


def test_change_feed_visibility_approves_pending_follows(client, make_user, user_client):
    owner, fan, stranger = make_user(), make_user(), make_user()
    feed = _owned_feed(client, owner)
    group, feed_id = feed
    fid = f"{group}:{feed_id}"
    client.feeds.change_feed_visibility(
        feed_group_id=group, feed_id=feed_id, visibility="followers"
    )
    assert client.feeds.follow(source=f"timeline:{fan}", target=fid).data.follow.status == "pending"
    assert_api_error(
        lambda: user_client(stranger).feeds.change_feed_visibility(
            feed_group_id=group, feed_id=feed_id, visibility="public"
        ),
        17,
        403,
    )
    resp = user_client(owner).feeds.change_feed_visibility(
        feed_group_id=group, feed_id=feed_id, visibility="public"
    )
    assert isinstance(resp.data, ChangeFeedVisibilityResponse)
    assert resp.data.feed.visibility == "public"
    assert resp.data.feed.follower_count == 1
    follows = client.feeds.query_follows(filter={"target_feed": fid}).data.follows
    assert [(f.source_feed.feed, f.status) for f in follows] == [(f"timeline:{fan}", "accepted")]
    assert_api_error(
        lambda: client.feeds.change_feed_visibility(
            feed_group_id=group, feed_id=feed_id, visibility="secret"
        ),
        4,
        400,
    )


def test_change_feed_visibility_rejecting_pending_follows(client, make_user):
    owner, fan = make_user(), make_user()
    group, feed_id = _owned_feed(client, owner)
    fid = f"{group}:{feed_id}"
    client.feeds.change_feed_visibility(
        feed_group_id=group, feed_id=feed_id, visibility="followers"
    )
    client.feeds.follow(source=f"timeline:{fan}", target=fid)
    resp = client.feeds.change_feed_visibility(
        feed_group_id=group, feed_id=feed_id, visibility="visible", pending_follows_action="reject"
    )
    assert resp.data.feed.follower_count == 0
    pending = client.feeds.query_follows(filter={"target_feed": fid, "status": "pending"})
    assert pending.data.follows == []
