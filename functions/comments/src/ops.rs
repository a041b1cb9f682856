//! The rules of commenting.

use serde::Deserialize;
use serde_json::{Map, Value};
use tributary_core::revisions::{self, Action};
use tributary_domain::access::Capability;
use tributary_domain::caller::Caller;
use tributary_domain::ids;
use tributary_domain::model::comment::Comment;
use tributary_domain::model::{Activity, RestrictReplies};
use tributary_domain::time::now_nanos;
use tributary_domain::validate;
use tributary_domain::ApiError;
use tributary_domain::ApiResult;
use tributary_http::AppState;
use tributary_store::keys;
use tributary_store::CommentConflict;
use tributary_tasks::notifications::Notice;
use tributary_v3::responses::CommentResponse;
use tributary_v3::responses::UserDirectory;

/// Longest comment text, in bytes.
pub const MAX_TEXT: usize = 10 * 1024;
const UPDATE_ATTEMPTS: usize = 10;
/// How many of its newest comment ids an activity keeps for reads (they show 5).
const KEEP_LISTED: usize = 10;

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct AddCommentRequest {
    pub comment: Option<String>,
    pub id: Option<String>,
    pub object_id: Option<String>,
    pub object_type: Option<String>,
    pub parent_id: Option<String>,
    pub user_id: Option<String>,
    #[schema(value_type = Option<Vec<Object>>)]
    pub attachments: Option<Vec<Map<String, Value>>>,
    pub mentioned_user_ids: Option<Vec<String>>,
    #[schema(value_type = Option<Object>)]
    pub custom: Option<Map<String, Value>>,
    /// Notify the author of what was commented on, and the mentioned users.
    pub create_notification_activity: Option<bool>,
    pub copy_custom_to_notification: Option<bool>,
}

/// Who a comment notifies as its "comment" notification: the parent comment's author for
/// a reply, otherwise the activity's author (`None` for other objects).
pub async fn comment_recipient(state: &AppState, c: &Comment) -> ApiResult<Option<String>> {
    if let Some(parent) = &c.parent_id {
        return Ok(state.store.get_comment(parent).await?.map(|p| p.user_id));
    }
    if c.object_type != "activity" {
        return Ok(None);
    }
    Ok(state
        .store
        .get_activity(&c.object_id)
        .await?
        .map(|a| a.user_id))
}

/// The notifications a new comment makes: its author's "comment" notification for the
/// author of what it answers, and a "comment_mention" for each mentioned user.
pub async fn notify_comment(state: &AppState, c: &Comment, copy_custom: bool) -> ApiResult<()> {
    let custom = if copy_custom {
        c.custom.clone()
    } else {
        Map::new()
    };
    let target = serde_json::json!({
        "id": c.object_id, "type": c.object_type,
        "comment": {"id": c.id, "comment": c.text.as_deref().unwrap_or(""), "user_id": c.user_id},
    });
    let mut notices = Vec::new();
    if let Some(recipient) = comment_recipient(state, c).await? {
        notices.push(Notice {
            kind: "comment",
            actor: c.user_id.clone(),
            recipient,
            cause: c.id.clone(),
            target: target.clone(),
            text: format!(
                "{} commented: {}",
                c.user_id,
                c.text.as_deref().unwrap_or("")
            ),
            custom: custom.clone(),
            deduplicate: false,
        });
    }
    for mentioned in &c.mentioned_user_ids {
        notices.push(Notice {
            kind: "comment_mention",
            actor: c.user_id.clone(),
            recipient: mentioned.clone(),
            cause: c.id.clone(),
            target: target.clone(),
            text: format!("{} mentioned you in a comment", c.user_id),
            custom: custom.clone(),
            deduplicate: true,
        });
    }
    for n in notices {
        state.notify(n).await?;
    }
    Ok(())
}

fn not_found(what: &str, id: &str) -> ApiError {
    ApiError::not_found(format!("{what} '{id}' does not exist"))
}

fn check_text(text: Option<&str>) -> ApiResult<()> {
    if text.is_some_and(|t| t.len() > MAX_TEXT) {
        return Err(ApiError::field(
            "comment",
            format!("comment is longer than {MAX_TEXT} bytes"),
        ));
    }
    Ok(())
}

fn check_lists(mentions: &[String]) -> ApiResult<()> {
    if mentions.len() > validate::MAX_TAGS {
        return Err(ApiError::field(
            "mentioned_user_ids",
            "mentioned_user_ids: at most 255 entries",
        ));
    }
    Ok(())
}

/// Whether `user` may comment on `activity` under its `restrict_replies`.
async fn may_reply(state: &AppState, user: &str, activity: &Activity) -> ApiResult<()> {
    if user == activity.user_id {
        return Ok(());
    }
    match activity.content.restrict_replies {
        RestrictReplies::Everyone => Ok(()),
        RestrictReplies::Nobody => {
            Err(ApiError::not_allowed("replies to this activity are closed"))
        }
        RestrictReplies::PeopleIFollow => {
            // The author follows the commenter when their timeline follows the commenter's feed.
            let keys = ["user", "story"]
                .iter()
                .map(|g| {
                    keys::follow(
                        &format!("timeline:{}", activity.user_id),
                        &format!("{g}:{user}"),
                    )
                })
                .collect();
            let follows = state.store.batch_get(keys).await?;
            let followed = follows.iter().any(|i| {
                i.get("status")
                    .and_then(|v| v.as_s().ok())
                    .is_some_and(|s| s == "accepted")
            });
            if followed {
                Ok(())
            } else {
                Err(ApiError::not_allowed(
                    "only people the author follows may reply to this activity",
                ))
            }
        }
    }
}

/// Adds a comment on an object, or a reply to a comment (which inherits its object).
pub async fn add(state: &AppState, caller: &Caller, req: AddCommentRequest) -> ApiResult<Comment> {
    let user = caller.require_user(req.user_id.as_deref())?;
    check_text(req.comment.as_deref())?;
    let mentions = req.mentioned_user_ids.clone().unwrap_or_default();
    check_lists(&mentions)?;
    let store = &state.store;
    let parent = match req.parent_id.as_deref().filter(|p| !p.is_empty()) {
        Some(pid) => {
            validate::id("parent_id", pid)?;
            let parent = store
                .get_comment(pid)
                .await?
                .ok_or_else(|| not_found("comment", pid))?;
            if parent.deleted_at.is_some() {
                return Err(not_found("comment", pid));
            }
            Some(parent)
        }
        None => None,
    };
    let (object_type, object_id) = match &parent {
        Some(p) => (p.object_type.clone(), p.object_id.clone()),
        None => {
            let object_id = req
                .object_id
                .clone()
                .filter(|o| !o.is_empty())
                .ok_or_else(|| ApiError::field("object_id", "object_id is a required field"))?;
            validate::id("object_id", &object_id)?;
            (
                req.object_type.clone().unwrap_or_else(|| "activity".into()),
                object_id,
            )
        }
    };
    let mut listed_comments = 0;
    let mut feeds: Vec<String> = Vec::new();
    if object_type == "activity" {
        let activity = match store.get_activity(&object_id).await? {
            Some(a) if a.deleted_at.is_none() => a,
            _ => return Err(not_found("activity", &object_id)),
        };
        store
            .require_on_activity(caller, &activity, Capability::AddComment)
            .await?;
        may_reply(state, &user, &activity).await?;
        listed_comments = activity.latest_comment_ids.len();
        feeds = activity.content.feeds.clone();
    }
    let id = match req.id.clone() {
        Some(id) => {
            validate::id("id", &id)?;
            id
        }
        None => ids::new_id(),
    };
    let now = now_nanos();
    let mut comment = Comment::new(id, (object_type, object_id), user, req.comment.clone(), now);
    comment.parent_id = parent.map(|p| p.id);
    comment.attachments = req.attachments.clone().unwrap_or_default();
    comment.custom = req.custom.clone().unwrap_or_default();
    comment.mentioned_user_ids = mentions;
    match store.create_comment(&comment).await? {
        Ok(()) => {
            count_in_feeds(store, &feeds, 1).await?;
            revisions::comment(state, caller, Action::Create, None, Some(&comment)).await?;
            // Top-level comments join the activity's newest-comments list; keep it short.
            if comment.object_type == "activity"
                && comment.parent_id.is_none()
                && listed_comments + 1 > 2 * KEEP_LISTED
            {
                store
                    .trim_activity_list(
                        &comment.object_id,
                        "latest_comment_ids",
                        KEEP_LISTED,
                        listed_comments + 1,
                    )
                    .await?;
            }
            Ok(comment)
        }
        Err(CommentConflict::IdTaken) => Err(ApiError::field(
            "id",
            format!("a comment with id '{}' already exists", comment.id),
        )),
        Err(CommentConflict::ObjectGone) => Err(not_found("activity", &comment.object_id)),
        Err(CommentConflict::ParentGone) => Err(not_found(
            "comment",
            comment.parent_id.as_deref().unwrap_or(""),
        )),
    }
}

pub async fn load(state: &AppState, id: &str) -> ApiResult<Comment> {
    validate::id("id", id)?;
    state
        .store
        .get_comment(id)
        .await?
        .ok_or_else(|| not_found("comment", id))
}

/// Fields an update may change.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct CommentChanges {
    pub comment: Option<String>,
    #[schema(value_type = Option<Vec<Object>>)]
    pub attachments: Option<Vec<Map<String, Value>>>,
    pub mentioned_user_ids: Option<Vec<String>>,
    #[schema(value_type = Option<Object>)]
    pub custom: Option<Map<String, Value>>,
    pub user_id: Option<String>,
}

/// Read-modify-write of a comment's content by its author (or the server).
pub async fn update_with<F>(
    state: &AppState,
    caller: &Caller,
    id: &str,
    acting: Option<&str>,
    change: F,
) -> ApiResult<Comment>
where
    F: Fn(&Comment) -> ApiResult<Comment>,
{
    caller.acting_user(acting)?;
    for _ in 0..UPDATE_ATTEMPTS {
        let current = load(state, id).await?;
        state
            .store
            .may_change_comment(caller, &current, Capability::UpdateAnyComment)
            .await?;
        let next = change(&current)?;
        check_text(next.text.as_deref())?;
        check_lists(&next.mentioned_user_ids)?;
        if let Some(updated) = state
            .store
            .replace_comment_content(&current, &next, now_nanos())
            .await?
        {
            revisions::comment(state, caller, Action::Edit, Some(&current), Some(&updated)).await?;
            return Ok(updated);
        }
    }
    Err(ApiError::internal_msg(format!(
        "comment '{id}' kept changing during the update"
    )))
}

/// What `get_comments` / `get_comment_replies` take.
pub async fn render(state: &AppState, list: &[Comment]) -> ApiResult<Vec<CommentResponse>> {
    let users = UserDirectory(
        state
            .store
            .get_users(list.iter().flat_map(Comment::user_ids))
            .await?,
    );
    Ok(list
        .iter()
        .map(|c| CommentResponse::render(c, &users))
        .collect())
}

/// The comments among `comments` the caller may read: those on activities it may read
/// (and those on other objects). One read of the activities, one of the caller's standing.
pub async fn readable(
    state: &AppState,
    caller: &Caller,
    comments: Vec<Comment>,
) -> ApiResult<Vec<Comment>> {
    if caller.is_server() {
        return Ok(comments);
    }
    let ids: Vec<String> = comments
        .iter()
        .filter(|c| c.object_type == "activity")
        .map(|c| c.object_id.clone())
        .collect();
    let readable = state.store.readable_activities(caller, &ids).await?;
    Ok(comments
        .into_iter()
        .filter(|c| c.object_type != "activity" || readable.get(&c.object_id) == Some(&true))
        .collect())
}

/// Refuses (403, code 17) a caller who may not read the activity `object_id`; comments on
/// other kinds of objects, and activities that do not exist, are left to the caller.
pub async fn require_readable_object(
    state: &AppState,
    caller: &Caller,
    object_type: &str,
    object_id: &str,
) -> ApiResult<()> {
    if caller.is_server() || object_type != "activity" {
        return Ok(());
    }
    match state.store.get_activity(object_id).await? {
        Some(a) => {
            state
                .store
                .require_on_activity(caller, &a, Capability::ReadActivities)
                .await
        }
        None => Ok(()),
    }
}

/// Keeps `comment_count` of the feeds an activity was posted to (for `get_feed_counts`).
pub async fn count_in_feeds(
    store: &tributary_store::Store,
    feeds: &[String],
    delta: i64,
) -> ApiResult<()> {
    for fid in feeds {
        store.bump_feed_counter(fid, "comment_count", delta).await?;
    }
    Ok(())
}
