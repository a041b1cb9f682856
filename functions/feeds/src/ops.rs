//! Feed operations: what a feed is made with, updating, deleting (soft or hard) and the
//! batches.

use serde::Deserialize;
use serde_json::{Map, Value};
use tributary_domain::access::Capability;
use tributary_domain::caller::Caller;
use tributary_domain::model::feed::{Feed, FeedVisibility};
use tributary_domain::model::feed_group::FeedGroup;
use tributary_domain::model::Location;
use tributary_domain::time::now_nanos;
use tributary_domain::validate::{batch_len, Fid};
use tributary_domain::{ApiError, ApiResult};
use tributary_http::AppState;
use tributary_store::feed_rules;

/// `FeedInput`: what a feed is created or updated with.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct FeedInput {
    pub name: Option<String>,
    pub description: Option<String>,
    pub visibility: Option<String>,
    pub filter_tags: Option<Vec<String>>,
    #[schema(value_type = Option<Object>)]
    pub custom: Option<Map<String, Value>>,
    #[schema(value_type = Option<Object>)]
    pub location: Option<Location>,
    pub created_by_id: Option<String>,
}

impl FeedInput {
    pub fn apply(self, feed: &mut Feed) -> ApiResult<()> {
        if let Some(v) = self.name {
            feed.name = v;
        }
        if let Some(v) = self.description {
            feed.description = v;
        }
        if let Some(v) = self.visibility {
            feed.visibility = FeedVisibility::parse(&v).ok_or_else(|| {
                ApiError::field("visibility", format!("visibility: '{v}' is not one of public, visible, followers, members, private"))
            })?;
        }
        if let Some(v) = self.filter_tags {
            tributary_domain::validate::tags("filter_tags", &v)?;
            feed.filter_tags = v;
        }
        if let Some(v) = self.custom {
            feed.custom = v;
        }
        if let Some(v) = self.location {
            feed.location = Some(v);
        }
        Ok(())
    }
}

pub async fn parse_fid(s: &AppState, group: &str, id: &str) -> ApiResult<Fid> {
    Ok(parse_fid_with_group(s, group, id).await?.0)
}

/// The feed id and its group (which must exist).
pub async fn parse_fid_with_group(
    s: &AppState,
    group: &str,
    id: &str,
) -> ApiResult<(Fid, FeedGroup)> {
    let fid = Fid::parse("feed", &format!("{group}:{id}"))?;
    let group = feed_group(s, &fid).await?;
    Ok((fid, group))
}

/// The group of `fid`; 404 when it does not exist (or was deleted).
pub async fn feed_group(s: &AppState, fid: &Fid) -> ApiResult<FeedGroup> {
    match s.store.feed_groups(&[&fid.group]).await?.remove(&fid.group) {
        Some(g) if g.deleted_at.is_none() => Ok(g),
        _ => Err(ApiError::not_found(format!(
            "feed group '{}' does not exist",
            fid.group
        ))),
    }
}

pub async fn load(s: &AppState, fid: &Fid) -> ApiResult<Feed> {
    match s.store.get_feed(&fid.to_string()).await? {
        Some(f) if f.deleted_at.is_none() => Ok(f),
        _ => Err(ApiError::not_found(format!("feed '{fid}' does not exist"))),
    }
}

/// Applies `input` to the feed at `fid` (its owner, or a server call, may).
pub async fn update(s: &AppState, caller: &Caller, fid: &Fid, input: FeedInput) -> ApiResult<Feed> {
    let mut feed = load(s, fid).await?;
    s.store
        .feed_access(caller, &feed)
        .await?
        .require(Capability::UpdateFeed)?;
    if let Some(creator) = input.created_by_id.clone() {
        if !caller.is_server() {
            return Err(ApiError::not_allowed(
                "only server-side requests may change a feed's creator",
            ));
        }
        feed.created_by_id = creator;
    }
    input.apply(&mut feed)?;
    feed.updated_at = now_nanos();
    s.store.put_feed(&feed).await?;
    Ok(feed)
}

/// Soft: the feed reads as gone. Hard: its metadata, counters, follows (both ways, with
/// the other feeds' counts corrected) and the entries it received are removed.
pub async fn remove(s: &AppState, caller: &Caller, fid: &Fid, hard: bool) -> ApiResult<()> {
    let fid_s = fid.to_string();
    let mut feed = match s.store.get_feed(&fid_s).await? {
        Some(f) => f,
        None => return Err(ApiError::not_found(format!("feed '{fid}' does not exist"))),
    };
    s.store
        .feed_access(caller, &feed)
        .await?
        .require(Capability::DeleteFeed)?;
    if !hard {
        feed.deleted_at = Some(now_nanos());
        return s.store.put_feed(&feed).await;
    }
    // A large feed is in its flat followers' pulled sets (or joining them): it leaves them
    // with its follows, so their reads stop querying it.
    let pulled = feed.pull_since.is_some()
        || s.config
            .pull_follower_threshold
            .is_some_and(|t| feed.follower_count >= t);
    // Follows in both directions, a page at a time.
    for followers in [true, false] {
        loop {
            let (page, next) = if followers {
                s.store.followers_page(&fid_s, 100, None, false).await?
            } else {
                s.store.following_page(&fid_s, 100, None).await?
            };
            for f in &page {
                s.store.delete_follow(f).await?;
                if followers && pulled {
                    s.store.remove_pulled(&f.source, &fid_s).await?;
                }
            }
            if next.is_none() || page.is_empty() {
                break;
            }
        }
    }
    // What it received from others goes; its own activities stay where they were shared.
    loop {
        let (entries, more) = s
            .store
            .feed_entries(&fid_s, 500, None, tributary_store::Direction::Older)
            .await?;
        let ops = entries
            .iter()
            .map(|e| {
                tributary_store::WriteOp::Delete(tributary_store::keys::feed_entry(
                    &fid_s,
                    e.created_at,
                    &e.activity_id,
                ))
            })
            .collect();
        s.store.batch_write(ops).await?;
        if !more || entries.is_empty() {
            break;
        }
    }
    s.store.delete_feed_items(&fid_s).await
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct FeedRequest {
    pub feed_group_id: Option<String>,
    pub feed_id: Option<String>,
    #[serde(flatten)]
    pub input: FeedInputFields,
}

/// The `FeedInput` fields of a batch item (kept flat so errors name their field).
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct FeedInputFields {
    name: Option<String>,
    description: Option<String>,
    visibility: Option<String>,
    filter_tags: Option<Vec<String>>,
    #[schema(value_type = Option<Object>)]
    custom: Option<Map<String, Value>>,
    #[schema(value_type = Option<Object>)]
    location: Option<Location>,
    created_by_id: Option<String>,
}

/// Creates several feeds; existing ones are returned as they are. Every item is checked
/// before any is written.
pub async fn create_batch(
    s: &AppState,
    caller: &Caller,
    items: Vec<FeedRequest>,
) -> ApiResult<Vec<Feed>> {
    batch_len("feeds", items.len())?;
    let mut prepared = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let at = format!("feeds[{i}]");
        let group = item.feed_group_id.ok_or_else(|| {
            ApiError::field(format!("{at}.feed_group_id"), "feed_group_id is required")
        })?;
        let id = item
            .feed_id
            .ok_or_else(|| ApiError::field(format!("{at}.feed_id"), "feed_id is required"))?;
        let (fid, feed_group) = parse_fid_with_group(s, &group, &id)
            .await
            .map_err(|e| e.within(&at))?;
        feed_rules::may_create(caller, &fid).map_err(|e| e.within(&at))?;
        let creator = match (caller, item.input.created_by_id.clone()) {
            (Caller::Server, Some(c)) => c,
            (Caller::User(me), _) => me.clone(),
            (Caller::Anonymous, _) => {
                return Err(ApiError::not_allowed("anonymous users cannot create feeds"))
            }
            (Caller::Server, None) => fid.id.clone(),
        };
        let mut feed = feed_group.new_feed(&fid.id, &creator, now_nanos());
        let i = item.input;
        FeedInput {
            name: i.name,
            description: i.description,
            visibility: i.visibility,
            filter_tags: i.filter_tags,
            custom: i.custom,
            location: i.location,
            created_by_id: None,
        }
        .apply(&mut feed)
        .map_err(|e| e.within(&at))?;
        prepared.push(feed);
    }
    let mut out = Vec::new();
    for feed in prepared {
        out.push(s.store.create_feed_if_missing(&feed).await?.0);
    }
    Ok(out)
}

/// Deletes several feeds, all of which must exist.
pub async fn delete_batch(
    s: &AppState,
    caller: &Caller,
    fids: &[String],
    hard: bool,
) -> ApiResult<()> {
    batch_len("feeds", fids.len())?;
    let parsed: Vec<Fid> = fids
        .iter()
        .enumerate()
        .map(|(i, f)| Fid::parse(&format!("feeds[{i}]"), f))
        .collect::<ApiResult<_>>()?;
    for fid in &parsed {
        if s.store.get_feed(&fid.to_string()).await?.is_none() {
            return Err(ApiError::not_found(format!("feed '{fid}' does not exist")));
        }
    }
    for fid in &parsed {
        remove(s, caller, fid, hard).await?;
    }
    Ok(())
}
