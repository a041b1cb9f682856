//! The rules of reacting.

use serde::Deserialize;
use serde_json::{Map, Value};
use tributary_domain::access::Capability;
use tributary_domain::caller::Caller;
use tributary_domain::model::reaction::{Reaction, Subject, LATEST_KEPT};
use tributary_domain::model::Activity;
use tributary_domain::time::now_nanos;
use tributary_domain::validate;
use tributary_domain::ApiError;
use tributary_domain::ApiResult;
use tributary_http::AppState;
use tributary_store::{latest_index, Added};
use tributary_tasks::notifications::Notice;

/// Attempts at removing a reaction while the activity's newest-reactions list keeps moving.
const REMOVE_ATTEMPTS: usize = 20;

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct AddReactionRequest {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub user_id: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub custom: Option<Map<String, Value>>,
    pub enforce_unique: Option<bool>,
    pub create_users: Option<bool>,
    /// Notify the author of what was reacted to, in their `notification` feed.
    pub create_notification_activity: Option<bool>,
    pub copy_custom_to_notification: Option<bool>,
}

/// What identifies a reaction as the cause of a notification.
pub fn notification_cause(r: &Reaction) -> String {
    match &r.comment_id {
        Some(c) => format!("comment:{c}|{}|{}", r.user_id, r.kind),
        None => format!("activity:{}|{}|{}", r.activity_id, r.user_id, r.kind),
    }
}

/// The notification a reaction to an activity makes for the activity's author.
pub fn activity_notice(
    r: &Reaction,
    a: &tributary_domain::model::Activity,
    copy_custom: bool,
) -> Notice {
    Notice {
        kind: "reaction",
        actor: r.user_id.clone(),
        recipient: a.user_id.clone(),
        cause: notification_cause(r),
        target: serde_json::json!({
            "id": a.id, "type": a.activity_type, "text": a.content.text, "user_id": a.user_id,
        }),
        text: format!("{} reacted with {} to your activity", r.user_id, r.kind),
        custom: if copy_custom {
            r.custom.clone()
        } else {
            Map::new()
        },
        deduplicate: true,
    }
}

/// A reaction type: 1-64 letters, digits, `_` or `-`.
pub fn kind(raw: Option<&str>) -> ApiResult<String> {
    let k = raw
        .filter(|k| !k.is_empty())
        .ok_or_else(|| ApiError::field("type", "type is a required field"))?;
    if k.len() > 64
        || !k
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err(ApiError::field(
            "type",
            format!("type: '{k}' may contain only letters, digits, '_' and '-' (at most 64)"),
        ));
    }
    Ok(k.to_string())
}

fn user_key(user: &str) -> ApiResult<()> {
    if user.contains('#') {
        return Err(ApiError::field("user_id", "user_id may not contain '#'"));
    }
    Ok(())
}

/// A reaction's subject as it stands: the activity it belongs to, and its newest reactions.
struct Live {
    activity_id: String,
    latest: Vec<Reaction>,
    /// The activity itself, when the subject is one (read once, for the permission check).
    activity: Option<Activity>,
}

fn subject_name(subject: Subject<'_>) -> (&'static str, &str) {
    match subject {
        Subject::Activity(id) => ("activity", id),
        Subject::Comment(id) => ("comment", id),
    }
}

/// The subject, unless it is gone or soft-deleted.
async fn live(state: &AppState, subject: Subject<'_>) -> ApiResult<Option<Live>> {
    Ok(match subject {
        Subject::Activity(id) => state
            .store
            .get_activity(id)
            .await?
            .filter(|a| a.deleted_at.is_none())
            .map(|a| Live {
                activity_id: a.id.clone(),
                latest: a.latest_reactions.clone(),
                activity: Some(a),
            }),
        Subject::Comment(id) => state
            .store
            .get_comment(id)
            .await?
            .filter(|c| c.deleted_at.is_none())
            .map(|c| Live {
                activity_id: c.object_id,
                latest: c.latest_reactions,
                activity: None,
            }),
    })
}

async fn load_live(state: &AppState, subject: Subject<'_>) -> ApiResult<Live> {
    let (what, id) = subject_name(subject);
    validate::id(&format!("{what}_id"), id)?;
    live(state, subject)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("{what} '{id}' does not exist")))
}

/// Adds a reaction to an activity or a comment. With `enforce_unique` the user's reactions
/// of other types are replaced, and repeating a type changes nothing; without, repeating a
/// type is refused.
pub async fn add(
    state: &AppState,
    caller: &Caller,
    subject: Subject<'_>,
    req: AddReactionRequest,
) -> ApiResult<Reaction> {
    let kind = kind(req.kind.as_deref())?;
    let user = caller.require_user(req.user_id.as_deref())?;
    user_key(&user)?;
    let store = &state.store;
    let (what, subject_id) = subject_name(subject);
    let target = load_live(state, subject).await?;
    if !caller.is_server() {
        let cap = match subject {
            Subject::Activity(_) => Capability::AddActivityReaction,
            Subject::Comment(_) => Capability::AddCommentReaction,
        };
        let activity = match &target.activity {
            Some(a) => Some(a.clone()),
            None => store.get_activity(&target.activity_id).await?,
        };
        if let Some(activity) = activity {
            store.require_on_activity(caller, &activity, cap).await?;
        }
    }
    if req.create_users.unwrap_or(false) {
        store.create_missing_users(&[&user], now_nanos()).await?;
    }
    let unique = req.enforce_unique.unwrap_or(false);
    let existing = store.user_reactions(subject, &user).await?;
    let already = || {
        ApiError::field(
            "type",
            format!("user '{user}' already reacted with '{kind}' to this {what}"),
        )
    };
    if let Some(same) = existing.iter().find(|r| r.kind == kind) {
        return if unique {
            Ok(same.clone())
        } else {
            Err(already())
        };
    }
    if unique {
        for old in &existing {
            remove(state, old).await?;
        }
    }
    let now = now_nanos();
    let reaction = Reaction {
        activity_id: target.activity_id.clone(),
        comment_id: match subject {
            Subject::Comment(c) => Some(c.to_string()),
            Subject::Activity(_) => None,
        },
        user_id: user.clone(),
        kind: kind.clone(),
        custom: req.custom.unwrap_or_default(),
        created_at: now,
        updated_at: now,
    };
    match store.add_reaction(&reaction).await? {
        Added::Added => {}
        // The same reaction sent at once by another request won the race: with
        // `enforce_unique` that is this request's answer too.
        Added::Exists if unique => {
            return store
                .user_reactions(subject, &user)
                .await?
                .into_iter()
                .find(|r| r.kind == kind)
                .ok_or_else(already);
        }
        Added::Exists => return Err(already()),
        Added::ActivityGone => {
            return Err(ApiError::not_found(format!(
                "{what} '{subject_id}' does not exist"
            )))
        }
    }
    let length = target.latest.len() + 1;
    if length > 2 * LATEST_KEPT {
        if let Subject::Activity(id) = subject {
            store
                .trim_activity_list(id, "latest_reactions", LATEST_KEPT, length)
                .await?;
        }
    }
    Ok(reaction)
}

/// Removes a reaction, keeping its subject's counts and newest-reactions list exact.
async fn remove(state: &AppState, r: &Reaction) -> ApiResult<()> {
    for _ in 0..REMOVE_ATTEMPTS {
        let index = live(state, r.subject())
            .await?
            .and_then(|l| latest_index(&l.latest, &r.user_id, &r.kind));
        if state.store.remove_reaction(r, index).await? {
            return Ok(());
        }
        if state
            .store
            .user_reactions(r.subject(), &r.user_id)
            .await?
            .iter()
            .all(|x| x.kind != r.kind)
        {
            return Ok(()); // someone else removed it
        }
    }
    Err(ApiError::internal_msg(
        "the reaction kept changing while it was being removed",
    ))
}

pub async fn delete(
    state: &AppState,
    caller: &Caller,
    subject: Subject<'_>,
    raw_kind: &str,
    user_id: Option<&str>,
) -> ApiResult<Reaction> {
    let kind = kind(Some(raw_kind))?;
    let user = caller.require_user(user_id)?;
    user_key(&user)?;
    let (what, id) = subject_name(subject);
    validate::id(&format!("{what}_id"), id)?;
    let reaction = state
        .store
        .user_reactions(subject, &user)
        .await?
        .into_iter()
        .find(|r| r.kind == kind)
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "user '{user}' has no '{kind}' reaction on {what} '{id}'"
            ))
        })?;
    remove(state, &reaction).await?;
    Ok(reaction)
}
