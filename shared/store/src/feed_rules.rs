//! Feed rules shared by the families that touch feeds: who owns a feed, and creating a
//! feed the first time it is used.

use crate::Store;
use tributary_domain::caller::Caller;
use tributary_domain::model::feed::Feed;
use tributary_domain::time::{now_nanos, Nanos};
use tributary_domain::validate::Fid;
use tributary_domain::ApiError;
use tributary_domain::ApiResult;

/// The stored feed, or a new one created now for `creator` (its owner).
pub async fn get_or_create(store: &Store, fid: &Fid, creator: &str) -> ApiResult<(Feed, bool)> {
    let fid_string = fid.to_string();
    if let Some(feed) = store.get_feed(&fid_string).await? {
        return Ok((feed, false));
    }
    let feed = new_feed(store, fid, creator, now_nanos()).await?;
    store.create_feed_if_missing(&feed).await
}

/// A feed as it is made the first time it is used: owned by `creator`, with its group's
/// default visibility (public when the group is gone).
pub async fn new_feed(store: &Store, fid: &Fid, creator: &str, now: Nanos) -> ApiResult<Feed> {
    Ok(
        match store.feed_groups(&[&fid.group]).await?.remove(&fid.group) {
            Some(group) => group.new_feed(&fid.id, creator, now),
            None => Feed::new(&fid.group, &fid.id, creator, now),
        },
    )
}

/// Who owns a feed that may not exist yet: its creator, or else the user its id names.
pub fn owner(feed: Option<&Feed>, fid: &Fid) -> String {
    feed.map(|f| f.created_by_id.clone())
        .unwrap_or_else(|| fid.id.clone())
}

/// Refuses user tokens acting on a feed they do not own.
pub fn check_owner(caller: &Caller, owner: &str, what: &str) -> ApiResult<()> {
    match caller {
        Caller::Server => Ok(()),
        Caller::User(me) if me == owner => Ok(()),
        Caller::User(me) => Err(ApiError::not_allowed(format!(
            "user '{me}' is not allowed to {what}"
        ))),
        Caller::Anonymous => Err(ApiError::not_allowed(format!(
            "anonymous users are not allowed to {what}"
        ))),
    }
}

/// Whether `caller` may create the feed `fid`. A user token may create only feeds whose id
/// is its own user id (`timeline:<me>`, `user:<me>`, ...): a feed id never lets one user
/// take another's feed. Server tokens create any feed.
pub fn may_create(caller: &Caller, fid: &Fid) -> ApiResult<()> {
    match caller {
        Caller::Server => Ok(()),
        Caller::User(me) if *me == fid.id => Ok(()),
        Caller::User(me) => Err(ApiError::not_allowed(format!(
            "user '{me}' is not allowed to create feed '{fid}': users create only feeds named by their own id"
        ))),
        Caller::Anonymous => Err(ApiError::not_allowed(format!(
            "anonymous users are not allowed to create feed '{fid}'"
        ))),
    }
}
