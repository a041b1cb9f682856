"""Reactions to comments, driven through the SDK.

Covers adding (the comment's reaction_count, reaction_groups and latest_reactions), upvotes and
downvotes driving upvote_count, downvote_count and score, enforce_unique switching a vote,
querying one comment's reactions and several comments' at once, deleting, and the failures.
"""

from __future__ import annotations

from conformance_support import assert_api_error, assert_duration


def _comment(client, user):
    activity = client.feeds.add_activity(
        type="post", feeds=[f"user:{user}"], text="comment here", user_id=user
    ).data.activity.id
    return client.feeds.add_comment(
        comment="react to me", object_id=activity, object_type="activity", user_id=user
    ).data.comment.id


def test_add_comment_reaction_counts_and_returns_it(client, make_user):
    author, fan = make_user(), make_user()
    comment = _comment(client, author)
    resp = client.feeds.add_comment_reaction(comment, type="heart", user_id=fan)
    assert_duration(resp.data.duration)
    assert resp.data.reaction.type == "heart"
    assert resp.data.reaction.user.id == fan
    c = resp.data.comment
    assert c.id == comment
    assert c.reaction_count == 1
    assert c.reaction_groups["heart"].count == 1
    assert [r.user.id for r in c.latest_reactions] == [fan]


def test_votes_drive_score_and_enforce_unique_switches(client, make_user):
    author = make_user()
    voters = [make_user() for _ in range(3)]
    comment = _comment(client, author)
    for v in voters:
        client.feeds.add_comment_reaction(comment, type="upvote", user_id=v)
    c = client.feeds.add_comment_reaction(
        comment, type="downvote", user_id=voters[0], enforce_unique=True
    ).data.comment
    assert (c.upvote_count, c.downvote_count, c.score) == (2, 1, 1)
    assert c.reaction_count == 3
    fetched = client.feeds.get_comment(comment).data.comment
    assert (fetched.upvote_count, fetched.downvote_count, fetched.score) == (2, 1, 1)


def test_query_and_batch_query_comment_reactions(client, make_user):
    author, a, b = make_user(), make_user(), make_user()
    first, second = _comment(client, author), _comment(client, author)
    client.feeds.add_comment_reaction(first, type="like", user_id=a)
    client.feeds.add_comment_reaction(first, type="heart", user_id=b)
    client.feeds.add_comment_reaction(second, type="like", user_id=b)
    data = client.feeds.query_comment_reactions(first).data
    assert_duration(data.duration)
    assert sorted(r.type for r in data.reactions) == ["heart", "like"]
    likes = client.feeds.query_comment_reactions(first, filter={"reaction_type": "like"}).data
    assert [r.user.id for r in likes.reactions] == [a]
    page = client.feeds.query_comment_reactions(first, limit=1).data
    assert len(page.reactions) == 1 and page.next
    rest = client.feeds.query_comment_reactions(first, limit=1, next=page.next).data
    assert len(rest.reactions) == 1 and rest.reactions[0].user.id != page.reactions[0].user.id
    both = client.feeds.batch_query_comment_reactions(comment_ids=[first, second]).data
    assert sorted(r.comment_id for r in both.reactions) == sorted([first, first, second])


def test_delete_comment_reaction(client, make_user):
    author, fan = make_user(), make_user()
    comment = _comment(client, author)
    client.feeds.add_comment_reaction(comment, type="upvote", user_id=fan)
    resp = client.feeds.delete_comment_reaction(comment, "upvote", user_id=fan)
    assert_duration(resp.data.duration)
    c = client.feeds.get_comment(comment).data.comment
    assert (c.reaction_count, c.upvote_count, c.score) == (0, 0, 0)
    assert_api_error(
        lambda: client.feeds.delete_comment_reaction(comment, "upvote", user_id=fan),
        code=16,
        status=404,
    )


def test_reacting_to_a_missing_comment_is_not_found(client, make_user):
    assert_api_error(
        lambda: client.feeds.add_comment_reaction("no-such-comment", type="like", user_id=make_user()),
        code=16,
        status=404,
    )
