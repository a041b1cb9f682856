//! Notification activities: what a follow, a reaction, a comment or a mention adds to the
//! `notification` feed of the user it concerns (with `create_notification_activity`), and
//! takes away again (with `delete_notification_activity`).
//!
//! A notification's id is derived from what caused it (kind, cause, recipient), so the same
//! cause never notifies twice while its notification stands: that is the built-in group's
//! deduplication. With a `deduplication_window`, a repeat after the window notifies anew.
//! Comments are never deduplicated (each comment is its own cause). Nobody is notified of
//! their own actions.

use serde_json::{json, Map, Value};
use uuid::Uuid;

use crate::fanout;
use tributary_domain::aggregation::{self, Format};
use tributary_domain::model::feed_group::FeedGroup;
use tributary_domain::model::{Activity, ActivityContent};
use tributary_domain::time::{now_nanos, Nanos};
use tributary_domain::ApiResult;
use tributary_store::Store;

/// The built-in notification group, which these activities go to.
pub const GROUP: &str = "notification";

/// Ids of notification activities are UUID v5 in this namespace.
const NAMESPACE: Uuid = Uuid::from_u128(0x7b1e_6f0a_3c2d_4e5f_9a8b_1c2d_3e4f_5a6b);

/// A duration like `30s`, `10m`, `24h`, `7d` or `2w`, in nanoseconds; `""` is "always
/// deduplicate" (no window).
pub fn parse_window(raw: &str) -> Option<Nanos> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Some(0);
    }
    let (digits, unit) = raw.split_at(raw.find(|c: char| !c.is_ascii_digit())?);
    let n: i64 = digits.parse().ok()?;
    let seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        "w" => 604_800,
        "y" => 31_536_000,
        _ => return None,
    };
    n.checked_mul(seconds)?.checked_mul(1_000_000_000)
}

/// Whether a repeat of a standing notification (made at `made_at`) merges into it: always
/// with no window (0), within the window otherwise, never for causes that do not deduplicate.
fn merges(deduplicate: bool, window: Nanos, made_at: Nanos, now: Nanos) -> bool {
    deduplicate && (window == 0 || made_at > now - window)
}

/// What a notification is about.
#[derive(Clone, Debug)]
pub struct Notice {
    /// `follow`, `reaction`, `comment`, `comment_reaction`, `mention`, `comment_mention`.
    pub kind: &'static str,
    /// Who acted.
    pub actor: String,
    /// Who is told.
    pub recipient: String,
    /// Identifies the cause (the reaction, the comment, the follow...).
    pub cause: String,
    /// `notification_context.target`: what was acted on.
    pub target: Value,
    /// Human-readable text of the trigger.
    pub text: String,
    /// Custom data copied to the notification (`copy_custom_to_notification`).
    pub custom: Map<String, Value>,
    /// Whether repeats of this cause are merged (comments are not).
    pub deduplicate: bool,
}

impl Notice {
    pub fn id(&self) -> String {
        notification_id(self.kind, &self.cause, &self.recipient)
    }
}

pub fn notification_id(kind: &str, cause: &str, recipient: &str) -> String {
    Uuid::new_v5(
        &NAMESPACE,
        format!("{kind}\u{1f}{cause}\u{1f}{recipient}").as_bytes(),
    )
    .to_string()
}

/// The notification feed of `user`.
pub fn feed_of(user: &str) -> String {
    format!("{GROUP}:{user}")
}

/// Adds the notification to the recipient's notification feed (unless it is about the
/// recipient's own action, or a repeat within the deduplication window).
pub async fn notify(store: &Store, n: Notice) -> ApiResult<()> {
    if n.actor == n.recipient || n.recipient.is_empty() {
        return Ok(());
    }
    let group = store.get_feed_group(GROUP).await?;
    let Some(group) = group.filter(|g| g.deleted_at.is_none()) else {
        return Ok(());
    };
    let window = group
        .settings
        .get("notification")
        .and_then(|c| c.get("deduplication_window"))
        .and_then(Value::as_str)
        .and_then(parse_window)
        .unwrap_or(0);
    let format = format_of(&group);
    let now = now_nanos();
    let id = n.id();
    if let Some(existing) = store.get_activity(&id).await? {
        if merges(n.deduplicate, window, existing.created_at, now) {
            return Ok(());
        }
        // Outside the window the repeat notifies again, as a fresh notification.
        remove(store, &existing, format.as_ref()).await?;
    }
    let fid = feed_of(&n.recipient);
    let activity = {
        let content = ActivityContent {
            feeds: vec![fid.clone()],
            text: Some(n.text.clone()),
            custom: n.custom.clone(),
            ..Default::default()
        };
        let mut a = Activity::new(id, n.kind.to_string(), n.actor.clone(), content, now);
        a.notification_context = Some(json!({
            "trigger": {"type": n.kind, "text": n.text, "custom": n.custom},
            "target": n.target,
        }));
        a
    };
    store.create_activity(&activity).await?;
    let (existed, _) = store.count_activity_added(&fid).await?;
    if !existed {
        // The recipient's notification feed, with the group's visibility (private by default).
        let feed = group.new_feed(&n.recipient, &n.recipient, now);
        store.create_feed_if_missing(&feed).await?;
    }
    if let Some(format) = format {
        let formats = std::collections::HashMap::from([(GROUP.to_string(), format)]);
        let adds = fanout::group_adds(&formats, [(fid.as_str(), &activity)]);
        fanout::add_to_groups(store, adds).await?;
    }
    Ok(())
}

/// Takes back the notification a cause made, if it stands.
pub async fn retract(store: &Store, kind: &str, cause: &str, recipient: &str) -> ApiResult<()> {
    let id = notification_id(kind, cause, recipient);
    let Some(existing) = store.get_activity(&id).await? else {
        return Ok(());
    };
    let group = store.get_feed_group(GROUP).await?;
    remove(
        store,
        &existing,
        group.as_ref().and_then(format_of).as_ref(),
    )
    .await
}

/// The notification group's aggregation format, if it aggregates.
fn format_of(group: &FeedGroup) -> Option<Format> {
    aggregation::format_of(&group.settings).and_then(|f| Format::parse(f).ok())
}

/// Removes a notification activity, its entry and its place in its group.
async fn remove(store: &Store, a: &Activity, format: Option<&Format>) -> ApiResult<()> {
    store.delete_activity_hard(a).await?;
    for fid in &a.content.feeds {
        store.bump_feed_counter(fid, "activity_count", -1).await?;
        if let Some(key) = format.and_then(|f| f.render(a, fid).ok()) {
            let position = tributary_store::walk::position(a.created_at, &a.id);
            store.remove_from_group(fid, &key, &position).await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows() {
        assert_eq!(parse_window(""), Some(0));
        assert_eq!(parse_window("30s"), Some(30_000_000_000));
        assert_eq!(parse_window("24h"), Some(86_400_000_000_000));
        assert_eq!(parse_window("7d"), Some(7 * 86_400_000_000_000));
        assert_eq!(parse_window("7"), None);
        assert_eq!(parse_window("d"), None);
        assert_eq!(parse_window("5q"), None);
    }

    #[test]
    fn deduplication_window() {
        let hour = parse_window("1h").unwrap();
        let now = 10 * hour;
        assert!(merges(true, 0, 0, now), "no window: always merged");
        assert!(merges(true, hour, now - hour / 2, now));
        assert!(
            !merges(true, hour, now - 2 * hour, now),
            "past the window: notify anew"
        );
        assert!(!merges(false, 0, now, now), "comments are never merged");
    }

    #[test]
    fn ids_follow_the_cause() {
        let a = notification_id("reaction", "act1|bob|like", "amy");
        assert_eq!(a, notification_id("reaction", "act1|bob|like", "amy"));
        assert_ne!(a, notification_id("reaction", "act1|bob|like", "cy"));
        assert_ne!(a, notification_id("follow", "act1|bob|like", "amy"));
    }
}
