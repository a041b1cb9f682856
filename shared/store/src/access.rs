//! Loads what the permission model ([`tributary_domain::access`]) needs to decide how a
//! caller stands to feeds: their memberships, whether one of their own feeds follows, and
//! the grants of the feeds' visibility levels. One BatchGetItem for any number of feeds
//! (up to the batch limit the callers keep).

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use tributary_domain::access::{
    default_grants, level_sees_tag, parse_grants, Capability, FeedAccess, Grants,
};
use tributary_domain::caller::Caller;
use tributary_domain::model::comment::Comment;
use tributary_domain::model::feed::{Feed, FeedVisibility};
use tributary_domain::model::{Activity, Visibility};
use tributary_domain::{ApiError, ApiResult};

use crate::keys::{self, Key};
use crate::{serde_error, Item, Store};

/// A visibility level's grants as stored by `update_feed_visibility`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StoredGrants {
    pub name: String,
    pub grants: BTreeMap<String, Vec<String>>,
    pub updated_at: i64,
}

impl Store {
    /// The grants of each level: stored changes over the defaults.
    pub async fn visibility_grants(
        &self,
        levels: &[FeedVisibility],
    ) -> ApiResult<HashMap<FeedVisibility, Grants>> {
        let keys = levels
            .iter()
            .map(|v| keys::feed_visibility(v.as_str()))
            .collect();
        let items = self.batch_get(keys).await?;
        grants_from(levels, &items)
    }

    /// Saves a level's grants (all of them: what is not named is no longer granted).
    pub async fn put_visibility_grants(&self, stored: &StoredGrants) -> ApiResult<()> {
        let context = "save feed visibility";
        let mut item: Item = serde_dynamo::to_item(stored).map_err(|e| serde_error(context, e))?;
        item.extend(keys::feed_visibility(&stored.name).to_item());
        self.put_item(context, item).await
    }

    /// How `caller` stands to one feed.
    pub async fn feed_access(&self, caller: &Caller, feed: &Feed) -> ApiResult<FeedAccess> {
        Ok(self
            .feeds_access(caller, std::slice::from_ref(feed))
            .await?
            .remove(0))
    }

    /// How `caller` stands to each of `feeds`, in their order: one BatchGetItem of the
    /// caller's membership and follows for every feed, and of the levels' grants.
    pub async fn feeds_access(
        &self,
        caller: &Caller,
        feeds: &[Feed],
    ) -> ApiResult<Vec<FeedAccess>> {
        Ok(self
            .standings(caller, feeds)
            .await?
            .into_iter()
            .map(|s| s.access)
            .collect())
    }

    /// Like [`Store::feeds_access`], keeping the items the decision was read from (the
    /// caller's membership and follows), for reads that show them (`own_membership`,
    /// `own_follows`).
    pub async fn standings(&self, caller: &Caller, feeds: &[Feed]) -> ApiResult<Vec<Standing>> {
        let user = match caller {
            Caller::Server => return Ok(feeds.iter().map(|_| Standing::server()).collect()),
            Caller::User(me) => Some(me.as_str()),
            Caller::Anonymous => None,
        };
        let mut levels: Vec<FeedVisibility> = Vec::new();
        for f in feeds {
            if !levels.contains(&f.visibility) {
                levels.push(f.visibility);
            }
        }
        let fids: Vec<&str> = feeds.iter().map(|f| f.fid.as_str()).collect();
        let items = self.batch_get(standing_keys(user, &levels, &fids)).await?;
        decide(user, feeds, &levels, &items)
    }

    /// What deciding `caller`'s standing to the feed `fid` reads, known from the feed's id
    /// alone (every visibility level's grants, the caller's membership and follows): read
    /// beside the feed itself, so the decision adds no round trip.
    pub async fn prefetch_standing(&self, caller: &Caller, fid: &str) -> ApiResult<Prefetched> {
        let user = match caller {
            Caller::Server => return Ok(Prefetched::default()),
            Caller::User(me) => Some(me.as_str()),
            Caller::Anonymous => None,
        };
        let items = self
            .batch_get(standing_keys(user, &FeedVisibility::ALL, &[fid]))
            .await?;
        Ok(Prefetched { items })
    }
}

/// The items a standing is decided from, read ahead ([`Store::prefetch_standing`]).
#[derive(Debug, Default)]
pub struct Prefetched {
    items: Vec<Item>,
}

impl Prefetched {
    /// `caller`'s standing to `feed` (the feed the items were read for).
    pub fn standing(&self, caller: &Caller, feed: &Feed) -> ApiResult<Standing> {
        let user = match caller {
            Caller::Server => return Ok(Standing::server()),
            Caller::User(me) => Some(me.as_str()),
            Caller::Anonymous => None,
        };
        let mut out = decide(
            user,
            std::slice::from_ref(feed),
            &FeedVisibility::ALL,
            &self.items,
        )?;
        Ok(out.remove(0))
    }
}

/// The keys a standing is decided from: the levels' grants, and for a user their membership
/// and follows of each feed.
fn standing_keys(user: Option<&str>, levels: &[FeedVisibility], fids: &[&str]) -> Vec<Key> {
    let mut wanted: Vec<Key> = levels
        .iter()
        .map(|v| keys::feed_visibility(v.as_str()))
        .collect();
    if let Some(me) = user {
        for fid in fids {
            wanted.push(keys::member(fid, me));
            wanted.extend(keys::follows_from_user(me, fid));
        }
    }
    wanted
}

/// Decides standings from the items [`standing_keys`] named.
fn decide(
    user: Option<&str>,
    feeds: &[Feed],
    levels: &[FeedVisibility],
    items: &[Item],
) -> ApiResult<Vec<Standing>> {
    let grants = grants_from(levels, items)?;
    let by_key: HashMap<(String, String), &Item> = items
        .iter()
        .filter_map(|item| {
            let pk = item.get(keys::PK)?.as_s().ok()?.clone();
            let sk = item.get(keys::SK)?.as_s().ok()?.clone();
            Some(((pk, sk), item))
        })
        .collect();
    let found = |k: &Key| by_key.get(&(k.pk.clone(), k.sk.clone())).copied();
    Ok(feeds
        .iter()
        .map(|f| {
            let (membership, follows) = match user {
                Some(me) => (
                    found(&keys::member(&f.fid, me)).cloned(),
                    keys::follows_from_user(me, &f.fid)
                        .iter()
                        .filter_map(|k| found(k).cloned())
                        .collect(),
                ),
                None => (None, Vec::new()),
            };
            let member_role = membership
                .as_ref()
                .filter(|m| attr(m, "status") == Some("member"))
                .map(|m| {
                    attr(m, "role")
                        .filter(|r| !r.is_empty())
                        .unwrap_or(tributary_domain::access::roles::MEMBER)
                        .to_string()
                });
            let is_follower = follows
                .iter()
                .any(|i: &Item| attr(i, "status") == Some("accepted"));
            let access = FeedAccess::for_user(
                &f.fid,
                user,
                user.is_some_and(|me| me == f.created_by_id),
                member_role.as_deref(),
                is_follower,
                grants[&f.visibility].clone(),
            );
            Standing {
                access,
                membership,
                follows,
            }
        })
        .collect())
}

/// How a caller stands to one feed: the decision, and the caller's membership and follows
/// (any status) it was made from.
#[derive(Clone, Debug)]
pub struct Standing {
    pub access: FeedAccess,
    pub membership: Option<Item>,
    pub follows: Vec<Item>,
}

impl Standing {
    /// A server-side call's standing: everything.
    fn server() -> Standing {
        Standing {
            access: FeedAccess::Server,
            membership: None,
            follows: Vec::new(),
        }
    }
}

fn attr<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    item.get(name)?.as_s().ok().map(String::as_str)
}

/// Each level's grants: the stored ones among `items`, else the defaults.
fn grants_from(
    levels: &[FeedVisibility],
    items: &[Item],
) -> ApiResult<HashMap<FeedVisibility, Grants>> {
    let mut out = HashMap::new();
    for v in levels {
        let key = keys::feed_visibility(v.as_str());
        let stored = items.iter().find(|i| {
            i.get(keys::PK).and_then(|a| a.as_s().ok()) == Some(&key.pk)
                && i.get(keys::SK).and_then(|a| a.as_s().ok()) == Some(&key.sk)
        });
        let grants = match stored {
            Some(item) => {
                let s: StoredGrants = serde_dynamo::from_item(item.clone())
                    .map_err(|e| serde_error("read feed visibility", e))?;
                parse_grants("grants", &s.grants)?
            }
            None => default_grants(*v),
        };
        out.insert(*v, grants);
    }
    Ok(out)
}

impl Store {
    /// Whether `caller` may `cap` on each of `activities`, in their order. An activity's
    /// author may; a private activity is its author's alone; otherwise the activity takes
    /// the rights of the feeds it was posted to (any one of them granting is enough). One
    /// read of the feeds and one of the caller's standing, for the whole list.
    pub async fn activities_allow(
        &self,
        caller: &Caller,
        activities: &[&Activity],
        cap: Capability,
    ) -> ApiResult<Vec<bool>> {
        let me = match caller {
            Caller::Server => return Ok(vec![true; activities.len()]),
            Caller::User(me) => Some(me.as_str()),
            Caller::Anonymous => None,
        };
        let decided = |a: &Activity| -> Option<bool> {
            if me == Some(a.user_id.as_str()) {
                Some(true)
            } else if a.content.visibility == Visibility::Private {
                Some(false)
            } else {
                None
            }
        };
        let mut fids: Vec<String> = Vec::new();
        for a in activities.iter().filter(|a| decided(a).is_none()) {
            for f in &a.content.feeds {
                if !fids.contains(f) {
                    fids.push(f.clone());
                }
            }
        }
        let feeds: Vec<Feed> = self.get_feeds(&fids).await?.into_values().collect();
        let access = self.feeds_access(caller, &feeds).await?;
        let allowed: HashMap<&str, bool> = feeds
            .iter()
            .zip(&access)
            .map(|(f, a)| (f.fid.as_str(), a.allows(cap)))
            .collect();
        Ok(activities
            .iter()
            .map(|a| {
                decided(a).unwrap_or_else(|| {
                    a.content
                        .feeds
                        .iter()
                        .any(|f| allowed.get(f.as_str()).copied().unwrap_or(false))
                })
            })
            .collect())
    }

    /// `Ok` when `caller` may `cap` on `activity`; Stream's 403 (code 17) otherwise.
    pub async fn require_on_activity(
        &self,
        caller: &Caller,
        activity: &Activity,
        cap: Capability,
    ) -> ApiResult<()> {
        if self.activities_allow(caller, &[activity], cap).await?[0] {
            return Ok(());
        }
        Err(ApiError::not_allowed(format!(
            "not allowed to {} on activity '{}' (missing capability '{}')",
            match cap {
                Capability::AddComment => "comment",
                Capability::AddActivityReaction => "react",
                Capability::AddActivityBookmark => "bookmark",
                _ => "read",
            },
            activity.id,
            cap.as_str()
        )))
    }
}

/// An item read by [`Store::batch_get`], parsed (for layers that do not speak DynamoDB).
pub fn parse_item<T: serde::de::DeserializeOwned>(context: &str, item: &Item) -> ApiResult<T> {
    crate::document::from_item(context, item.clone())
}

impl Store {
    /// `Ok` when `caller` may change (update, delete, restore) `activity`: its author may,
    /// and so may whoever holds `any` (`update-any-activity`, `delete-any-activity`) on a
    /// feed it was posted to, such as the feed's owner.
    pub async fn may_change_activity(
        &self,
        caller: &Caller,
        activity: &Activity,
        any: Capability,
    ) -> ApiResult<()> {
        let author = caller.may_modify(&activity.user_id);
        if author.is_ok() || self.activities_allow(caller, &[activity], any).await?[0] {
            return Ok(());
        }
        author
    }

    /// `Ok` when `caller` may change `comment`: its author may, and so may whoever holds
    /// `any` (`update-any-comment`, `delete-any-comment`) on a feed of the activity it is on.
    pub async fn may_change_comment(
        &self,
        caller: &Caller,
        comment: &Comment,
        any: Capability,
    ) -> ApiResult<()> {
        let author = caller.may_modify(&comment.user_id);
        if author.is_ok() || comment.object_type != "activity" {
            return author;
        }
        match self.get_activity(&comment.object_id).await? {
            Some(a) if self.activities_allow(caller, &[&a], any).await?[0] => Ok(()),
            _ => author,
        }
    }
}

impl Store {
    /// Which of `activities` the caller sees only as a preview: those restricted to a tag
    /// (`visibility: tag`) that the caller's membership level does not reach
    /// ([`level_sees_tag`]), unless the caller wrote the activity or owns a feed it is in.
    /// Reads nothing when no activity is tagged; otherwise the feeds, the caller's
    /// memberships of them (one BatchGetItem each) and the levels (one Query).
    pub async fn previews(
        &self,
        caller: &Caller,
        activities: &[&Activity],
    ) -> ApiResult<Vec<bool>> {
        let me = match caller {
            Caller::Server => return Ok(vec![false; activities.len()]),
            Caller::User(me) => Some(me.as_str()),
            Caller::Anonymous => None,
        };
        let tagged = |a: &Activity| {
            a.content.visibility == Visibility::Tag && me != Some(a.user_id.as_str())
        };
        if !activities.iter().any(|a| tagged(a)) {
            return Ok(vec![false; activities.len()]);
        }
        let mut fids: Vec<String> = activities
            .iter()
            .filter(|a| tagged(a))
            .flat_map(|a| a.content.feeds.iter().cloned())
            .collect();
        fids.sort();
        fids.dedup();
        let (feeds, members, levels) = match me {
            Some(me) => {
                let keys = fids.iter().map(|f| keys::member(f, me)).collect();
                let (feeds, members, levels) = tokio::try_join!(
                    self.get_feeds(&fids),
                    self.batch_get(keys),
                    self.membership_levels()
                )?;
                (feeds, members, levels)
            }
            None => (HashMap::new(), Vec::new(), Vec::new()),
        };
        let level_in = |fid: &str| -> Option<&str> {
            let key = keys::member(fid, me?);
            members
                .iter()
                .find(|i| {
                    attr(i, keys::SK) == Some(key.sk.as_str())
                        && attr(i, keys::PK) == Some(key.pk.as_str())
                })
                .filter(|i| attr(i, "status") == Some("member"))
                .and_then(|i| attr(i, "membership_level"))
        };
        Ok(activities
            .iter()
            .map(|a| {
                if !tagged(a) {
                    return false;
                }
                let tag = a.content.visibility_tag.as_deref().unwrap_or_default();
                let sees = a.content.feeds.iter().any(|f| {
                    feeds
                        .get(f)
                        .is_some_and(|feed| me == Some(feed.created_by_id.as_str()))
                        || level_sees_tag(level_in(f), tag, &levels)
                });
                !sees
            })
            .collect())
    }
}

impl Store {
    /// Of the activities `ids` names, which the caller may read (id → whether); ids of
    /// activities that do not exist are absent. One BatchGetItem of the activities, then
    /// [`Store::activities_allow`].
    pub async fn readable_activities(
        &self,
        caller: &Caller,
        ids: &[String],
    ) -> ApiResult<HashMap<String, bool>> {
        let mut ids = ids.to_vec();
        ids.sort();
        ids.dedup();
        let found = self.get_activities(&ids).await?;
        let activities: Vec<&Activity> = found.values().collect();
        let allowed = self
            .activities_allow(caller, &activities, Capability::ReadActivities)
            .await?;
        Ok(activities
            .iter()
            .map(|a| a.id.clone())
            .zip(allowed)
            .collect())
    }
}
