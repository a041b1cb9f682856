//! Recording revisions of activities and comments while the app's audit logs are on
//! (`update_app` with `feed_audit_logs_enabled`): creations, edits (skipped when nothing a
//! user sees changed), soft deletes and restores, each with who made it (`user` for a user
//! token, `admin` with an empty `user_id` for a server-side call) and, but for creations,
//! the object as it was. Hard deletes record nothing and remove the object's history.

use serde_json::Value;
use tributary_domain::caller::Caller;
use tributary_domain::model::comment::Comment;
use tributary_domain::model::Activity;
use tributary_domain::revision::{activity_snapshot, changed_fields, comment_snapshot};
use tributary_domain::time::now_nanos;
use tributary_domain::{ids, ApiResult};
use tributary_http::AppState;
use tributary_store::revisions::Revision;

/// What a revision records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Create,
    Edit,
    Delete,
    Restore,
}

impl Action {
    fn name(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Edit => "edit",
            Action::Delete => "delete",
            Action::Restore => "restore",
        }
    }
}

/// Records a change of an activity: `before` is the activity as it was (none for a
/// creation), `after` as it is now (needed for edits).
pub async fn activity(
    state: &AppState,
    caller: &Caller,
    action: Action,
    before: Option<&Activity>,
    after: Option<&Activity>,
) -> ApiResult<()> {
    let Some(id) = after.or(before).map(|a| a.id.clone()) else {
        return Ok(());
    };
    record(
        state,
        caller,
        ("activity", id),
        action,
        before.map(activity_snapshot),
        after.map(activity_snapshot),
    )
    .await
}

/// Records a change of a comment, as [`activity`] does.
pub async fn comment(
    state: &AppState,
    caller: &Caller,
    action: Action,
    before: Option<&Comment>,
    after: Option<&Comment>,
) -> ApiResult<()> {
    let Some(id) = after.or(before).map(|c| c.id.clone()) else {
        return Ok(());
    };
    record(
        state,
        caller,
        ("comment", id),
        action,
        before.map(comment_snapshot),
        after.map(comment_snapshot),
    )
    .await
}

/// Removes an object's history with the object (`activity` or `comment`).
pub async fn forget(state: &AppState, object_type: &str, object_id: &str) -> ApiResult<()> {
    state.store.delete_revisions(object_type, object_id).await
}

async fn record(
    state: &AppState,
    caller: &Caller,
    (object_type, object_id): (&str, String),
    action: Action,
    before: Option<Value>,
    after: Option<Value>,
) -> ApiResult<()> {
    if !state.audit_logs_enabled().await? {
        return Ok(());
    }
    let changed = match (action, &before, &after) {
        (Action::Edit, Some(b), Some(a)) => {
            let changed = changed_fields(b, a);
            if changed.is_empty() {
                return Ok(());
            }
            changed
        }
        _ => Vec::new(),
    };
    let (actor_type, user_id) = match caller {
        Caller::User(id) => ("user", id.clone()),
        _ => ("admin", String::new()),
    };
    let revision = Revision {
        id: ids::new_id(),
        object_type: object_type.to_string(),
        object_id,
        action_type: action.name().to_string(),
        actor_type: actor_type.to_string(),
        user_id,
        created_at: now_nanos(),
        changed_fields: changed,
        previous: if action == Action::Create {
            None
        } else {
            before
        },
    };
    state.store.put_revision(&revision).await
}
