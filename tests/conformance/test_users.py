"""Users are upserted through the common `/api/v2/users` endpoint (the activities tests need
them). Its response must deserialize completely into the SDK's FullUserResponse."""

from __future__ import annotations

from getstream.models import UserRequest

from conformance_support import assert_duration, assert_recent, uid


def test_upsert_users_returns_full_users(client):
    a, b = uid("u"), uid("u")
    resp = client.upsert_users(
        UserRequest(id=a, name="Ada", custom={"plan": "pro"}),
        UserRequest(id=b, name="Bo"),
    )
    assert_duration(resp.data.duration)
    users = resp.data.users
    assert set(users) == {a, b}
    assert users[a].id == a
    assert users[a].name == "Ada"
    assert users[a].custom == {"plan": "pro"}
    assert users[b].name == "Bo"
    for u in users.values():
        assert isinstance(u.role, str) and u.role
        assert_recent(u.created_at)
        assert_recent(u.updated_at)


def test_upsert_users_again_updates(client):
    a = uid("u")
    first = client.upsert_users(UserRequest(id=a, name="Before")).data.users[a]
    second = client.upsert_users(UserRequest(id=a, name="After")).data.users[a]
    assert second.name == "After"
    assert second.created_at == first.created_at


def test_activity_author_reflects_user_update(client):
    a = uid("u")
    client.upsert_users(UserRequest(id=a, name="Old Name"))
    act = client.feeds.add_activity(
        type="post", feeds=[f"user:{a}"], user_id=a, text="hi"
    ).data.activity
    client.upsert_users(UserRequest(id=a, name="New Name"))
    assert client.feeds.get_activity(act.id).data.activity.user.name == "New Name"
