//! The feed permission matrix through the HTTP API with real tokens: for every visibility
//! level, each role (owner, member, accepted follower, pending follower, stranger,
//! anonymous) tries each action (read, post, comment, react, follow, list members, update
//! and delete the owner's activity). The expected outcome comes from the model itself
//! (`default_grants` + `FeedAccess::for_user`), so the test checks that the HTTP layer
//! enforces what the model says: allowed → 2xx, refused → 403 code 17 with nothing changed.

use serde_json::{json, Value};
use tributary_domain::access::{default_grants, roles, Capability, FeedAccess};
use tributary_domain::model::feed::FeedVisibility;
use tributary_integration_tests::{unique, Reply, TestApp};

#[derive(Clone, Copy, Debug)]
enum Role {
    Owner,
    Member,
    Follower,
    Pending,
    Stranger,
    Anonymous,
}

#[derive(Clone, Copy, Debug)]
enum Action {
    Read,
    Post,
    Comment,
    React,
    Follow,
    QueryMembers,
    UpdateOthers,
    DeleteOthers,
}

impl Action {
    fn capability(self) -> Capability {
        match self {
            Action::Read => Capability::ReadActivities,
            Action::Post => Capability::AddActivity,
            Action::Comment => Capability::AddComment,
            Action::React => Capability::AddActivityReaction,
            Action::Follow => Capability::Follow,
            Action::QueryMembers => Capability::QueryFeedMembers,
            Action::UpdateOthers => Capability::UpdateAnyActivity,
            Action::DeleteOthers => Capability::DeleteAnyActivity,
        }
    }
}

fn access(fid: &str, user: &str, role: Role, v: FeedVisibility) -> FeedAccess {
    let (owner, member, follower) = match role {
        Role::Owner => (true, None, false),
        Role::Member => (false, Some(roles::MEMBER), false),
        Role::Follower => (false, None, true),
        Role::Pending | Role::Stranger | Role::Anonymous => (false, None, false),
    };
    let user = (!matches!(role, Role::Anonymous)).then_some(user);
    FeedAccess::for_user(fid, user, owner, member, follower, default_grants(v))
}

fn feed_path(fid: &str) -> String {
    let (g, id) = fid.split_once(':').expect("group:id");
    format!("/api/v2/feeds/feed_groups/{g}/feeds/{id}")
}

async fn activity_count(app: &TestApp, fid: &str) -> usize {
    app.server("POST", &feed_path(fid), Some(json!({})))
        .await
        .expect_ok()["activities"]
        .as_array()
        .expect("activities")
        .len()
}

async fn activity_json(app: &TestApp, id: &str) -> Value {
    app.server("GET", &format!("/api/v2/feeds/activities/{id}"), None)
        .await
        .expect_ok()["activity"]
        .clone()
}

async fn follows_between(app: &TestApp, source: &str, target: &str) -> usize {
    app.server(
        "POST",
        "/api/v2/feeds/follows/query",
        Some(json!({"filter": {"source_feed": source, "target_feed": target}})),
    )
    .await
    .expect_ok()["follows"]
        .as_array()
        .expect("follows")
        .len()
}

/// One case's outcome, for the failure report.
fn describe(v: FeedVisibility, role: Role, action: Action, reply: &Reply) -> String {
    format!(
        "visibility={} role={role:?} action={action:?} status={} body={}",
        v.as_str(),
        reply.status,
        reply.body
    )
}

fn is_refusal(reply: &Reply) -> bool {
    reply.status == 403 && reply.body["code"] == 17
}

#[tokio::test]
async fn feed_permissions_match_the_model() {
    let app = &TestApp::spawn().await;
    let mut checked = 0usize;
    let mut refused = 0usize;
    let mut failures: Vec<String> = Vec::new();

    let group = unique("mx");
    app.server(
        "POST",
        "/api/v2/feeds/feed_groups",
        Some(json!({"id": group})),
    )
    .await
    .expect_ok();

    for v in [
        FeedVisibility::Public,
        FeedVisibility::Visible,
        FeedVisibility::Followers,
        FeedVisibility::Members,
        FeedVisibility::Private,
    ] {
        let owner = unique("o");
        let member = unique("m");
        let follower = unique("f");
        let stranger = unique("s");
        let pending = unique("p");
        let nobody = unique("anon");
        for u in [&owner, &member, &follower, &pending, &stranger] {
            app.upsert_user(u, u).await;
        }
        let fid = format!("{group}:{}", unique("feed"));
        let path = feed_path(&fid);

        // The feed, owned by O, with the visibility under test.
        let created = app
            .server(
                "POST",
                &path,
                Some(json!({"user_id": owner, "data": {"visibility": v.as_str()}})),
            )
            .await;
        let created = created.expect_ok();
        assert_eq!(
            created["feed"]["visibility"],
            v.as_str(),
            "feed created with visibility: {created}"
        );
        // M a member, F an accepted follower (from timeline:F), S nothing.
        app.server(
            "PATCH",
            &format!("{path}/members"),
            Some(json!({"operation": "upsert", "members": [{"user_id": member}]})),
        )
        .await
        .expect_ok();
        app.follow(
            &format!("timeline:{follower}"),
            &fid,
            json!({"status": "accepted"}),
        )
        .await;
        // P asked to follow and waits.
        app.follow(
            &format!("timeline:{pending}"),
            &fid,
            json!({"status": "pending"}),
        )
        .await;
        // The owner's activity that others comment on and react to.
        let seed = app
            .add_activity(
                &owner,
                json!({"type": "post", "feeds": [fid], "text": "seed"}),
            )
            .await;
        let seed_id = seed["id"].as_str().expect("activity id").to_string();

        for (role, user) in [
            (Role::Owner, &owner),
            (Role::Member, &member),
            (Role::Follower, &follower),
            (Role::Pending, &pending),
            (Role::Stranger, &stranger),
            (Role::Anonymous, &nobody),
        ] {
            let acc = access(&fid, user, role, v);
            for action in [
                Action::Read,
                Action::Post,
                Action::Comment,
                Action::React,
                Action::Follow,
                Action::QueryMembers,
                Action::UpdateOthers,
                Action::DeleteOthers,
            ] {
                if matches!(
                    (role, action),
                    (Role::Follower | Role::Pending, Action::Follow)
                ) {
                    continue; // already follows, or asked to
                }
                // The author may always change their own activity.
                let allowed = acc.allows(action.capability())
                    || (matches!(role, Role::Owner)
                        && matches!(action, Action::UpdateOthers | Action::DeleteOthers));
                // A fresh activity of the owner's for each update or delete.
                let target = match action {
                    Action::UpdateOthers | Action::DeleteOthers => app
                        .add_activity(&owner, json!({"type": "post", "feeds": [fid], "text": "t"}))
                        .await["id"]
                        .as_str()
                        .expect("activity id")
                        .to_string(),
                    _ => seed_id.clone(),
                };
                let send = |method: &'static str, path: String, body: Option<Value>| async move {
                    match role {
                        Role::Anonymous => app.anonymous(method, &path, body).await,
                        _ => app.as_user(user, method, &path, body).await,
                    }
                };
                let source = format!("timeline:{user}");
                // State before, for refusals.
                let before_count = activity_count(app, &fid).await;
                let before_activity = activity_json(app, &target).await;
                let before_follows = follows_between(app, &source, &fid).await;

                let reply = match action {
                    Action::Read => send("POST", path.clone(), Some(json!({}))).await,
                    Action::Post => {
                        send(
                            "POST",
                            "/api/v2/feeds/activities".into(),
                            Some(json!({"type": "post", "feeds": [fid], "text": "x"})),
                        )
                        .await
                    }
                    Action::Comment => {
                        send(
                            "POST",
                            "/api/v2/feeds/comments".into(),
                            Some(json!({
                                "object_id": seed_id,
                                "object_type": "activity",
                                "comment": "hi"
                            })),
                        )
                        .await
                    }
                    Action::React => {
                        send(
                            "POST",
                            format!("/api/v2/feeds/activities/{seed_id}/reactions"),
                            Some(json!({"type": "like"})),
                        )
                        .await
                    }
                    Action::Follow => {
                        send(
                            "POST",
                            "/api/v2/feeds/follows".into(),
                            Some(json!({"source": source, "target": fid})),
                        )
                        .await
                    }
                    Action::QueryMembers => {
                        send("POST", format!("{path}/members/query"), Some(json!({}))).await
                    }
                    Action::UpdateOthers => {
                        send(
                            "PATCH",
                            format!("/api/v2/feeds/activities/{target}"),
                            Some(json!({"set": {"text": "changed"}})),
                        )
                        .await
                    }
                    Action::DeleteOthers => {
                        send("DELETE", format!("/api/v2/feeds/activities/{target}"), None).await
                    }
                };
                checked += 1;
                if !allowed || (matches!(action, Action::Read) && !acc.allows(Capability::ReadFeed))
                {
                    refused += 1;
                }
                let case = describe(v, role, action, &reply);

                // A read needs read-feed to get through at all; with read-feed but not
                // read-activities it returns no activities.
                if let Action::Read = action {
                    let read_feed = acc.allows(Capability::ReadFeed);
                    if !read_feed {
                        if !is_refusal(&reply) {
                            failures.push(format!("expected 403/17: {case}"));
                        }
                    } else if reply.status != 200 {
                        failures.push(format!("expected 200: {case}"));
                    } else {
                        let ids: Vec<&str> = reply.body["activities"]
                            .as_array()
                            .map(|a| a.iter().filter_map(|x| x["id"].as_str()).collect())
                            .unwrap_or_default();
                        let sees_seed = ids.contains(&seed_id.as_str());
                        if allowed && !sees_seed {
                            failures.push(format!("expected the seed activity: {case}"));
                        }
                        if !allowed && !ids.is_empty() {
                            failures.push(format!("expected no activities: {case}"));
                        }
                    }
                    continue;
                }

                if allowed {
                    if !(200..300).contains(&reply.status) {
                        failures.push(format!("expected 2xx: {case}"));
                    }
                    continue;
                }
                if !is_refusal(&reply) {
                    failures.push(format!("expected 403/17: {case}"));
                }
                // Nothing changed.
                let after_count = activity_count(app, &fid).await;
                let after_activity = activity_json(app, &target).await;
                let after_follows = follows_between(app, &source, &fid).await;
                let unchanged = match action {
                    Action::Post => after_count == before_count,
                    Action::Comment => {
                        after_activity["comment_count"] == before_activity["comment_count"]
                    }
                    Action::React => {
                        after_activity["reaction_count"] == before_activity["reaction_count"]
                    }
                    Action::Follow => after_follows == 0 && before_follows == 0,
                    Action::UpdateOthers | Action::DeleteOthers => {
                        after_activity == before_activity
                    }
                    Action::Read | Action::QueryMembers => true,
                };
                if !unchanged {
                    failures.push(format!(
                        "refused but state changed (activities {before_count}->{after_count}, \
                         comments {}->{}, reactions {}->{}, follows {before_follows}->{after_follows}): {case}",
                        before_activity["comment_count"],
                        after_activity["comment_count"],
                        before_activity["reaction_count"],
                        after_activity["reaction_count"],
                    ));
                }
            }
        }
    }

    app.settle_fanout().await;
    eprintln!(
        "permissions matrix: {checked} cases checked (5 visibilities x 6 roles x 8 actions, \
         minus the followers' follow), {refused} expected refusals, {} failed",
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {checked} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
