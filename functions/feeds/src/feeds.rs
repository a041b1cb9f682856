//! Feeds: get-or-create (which also reads the feed), update, delete, batches.

use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use tributary_domain::caller::Caller;
use tributary_domain::ids;
use tributary_domain::model::feed::{Feed, FeedVisibility};
use tributary_domain::model::Location;
use tributary_domain::time::now_nanos;
use tributary_domain::validate::{batch_len, Fid};
use tributary_domain::ApiError;
use tributary_domain::ApiResult;
use tributary_http::{AppState, Auth, Body, QueryParams};
use tributary_store::feed_rules;
use tributary_v3::render;
use tributary_v3::responses::FeedResponse;

use crate::aggregated;
use crate::read::{self, Access, ActivityFilter, Pager};

type Reply = tributary_http::HttpResult<Json<Value>>;

/// `FeedInput`: what a feed is created or updated with.
#[derive(Debug, Default, Deserialize)]
pub struct FeedInput {
    pub name: Option<String>,
    pub description: Option<String>,
    pub visibility: Option<String>,
    pub filter_tags: Option<Vec<String>>,
    pub custom: Option<Map<String, Value>>,
    pub location: Option<Location>,
    pub created_by_id: Option<String>,
}

impl FeedInput {
    fn apply(self, feed: &mut Feed) -> ApiResult<()> {
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

async fn parse_fid(s: &AppState, group: &str, id: &str) -> ApiResult<Fid> {
    Ok(parse_fid_with_group(s, group, id).await?.0)
}

/// The feed id and its group (which must exist).
async fn parse_fid_with_group(
    s: &AppState,
    group: &str,
    id: &str,
) -> ApiResult<(Fid, tributary_domain::model::feed_group::FeedGroup)> {
    let fid = Fid::parse("feed", &format!("{group}:{id}"))?;
    match s.store.feed_groups(&[&fid.group]).await?.remove(&fid.group) {
        Some(g) if g.deleted_at.is_none() => Ok((fid, g)),
        _ => Err(ApiError::not_found(format!("feed group '{}' does not exist", fid.group)).into()),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct GetOrCreateFeedRequest {
    user_id: Option<String>,
    data: Option<FeedInput>,
    limit: Option<i64>,
    next: Option<String>,
    prev: Option<String>,
    id_around: Option<String>,
    filter: Option<Value>,
    followers_pagination: Option<Pager>,
    following_pagination: Option<Pager>,
    enrichment_options: Option<Value>,
    /// Aggregated and notification feeds: groups (or everything, `true`) to mark read or
    /// seen after this read, which shows the state from before.
    mark_read: Option<Value>,
    mark_seen: Option<Value>,
}

/// Creates the feed on first call (`created` says so) and reads it.
pub async fn get_or_create(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Path((group, id)): Path<(String, String)>,
    Body(req): Body<GetOrCreateFeedRequest>,
) -> Reply {
    let (fid, feed_group) = parse_fid_with_group(&s, &group, &id).await?;
    let kind = aggregated::Kind::of(&feed_group);
    let mark_read = aggregated::Marks::parse("mark_read", req.mark_read.as_ref())?;
    let mark_seen = aggregated::Marks::parse("mark_seen", req.mark_seen.as_ref())?;
    let acting = caller.acting_user(req.user_id.as_deref())?;
    let limit = read::limit("limit", req.limit, read::DEFAULT_LIMIT)?;
    let mut filter = ActivityFilter::parse(req.filter.as_ref())?;
    let enrich = render::Enrichment::from_options(req.enrichment_options.as_ref());
    let (feed, created) = match s.store.get_feed(&fid.to_string()).await? {
        Some(feed) if feed.deleted_at.is_none() => (feed, false),
        Some(_) => return Err(ApiError::not_found(format!("feed '{fid}' was deleted")).into()),
        None => {
            let creator = acting.clone().unwrap_or_else(|| fid.id.clone());
            let mut feed = Feed::new(&fid.group, &fid.id, &creator, now_nanos());
            if let Some(v) = feed_group
                .default_visibility
                .clone()
                .and_then(|v| FeedVisibility::parse(&v))
            {
                feed.visibility = v;
            }
            if let Some(data) = req.data {
                data.apply(&mut feed)?;
            }
            s.store.create_feed_if_missing(&feed).await?
        }
    };
    // Reads act as the named user when a server call names one.
    let reader = match (&caller, &acting) {
        (Caller::Server, Some(user)) => Caller::User(user.clone()),
        _ => caller.clone(),
    };
    let access = read::access(&s, &reader, &feed).await?;
    // Story groups with `skip_watched` leave out what the reader has watched; only groups
    // with `track_watched` report `is_watched`.
    let story_flag = |name: &str| {
        feed_group
            .settings
            .get("stories")
            .and_then(|st| st.get(name))
            .and_then(Value::as_bool)
            .unwrap_or(false)
    };
    let (skip_watched, track_watched) = (story_flag("skip_watched"), story_flag("track_watched"));
    if let (true, Caller::User(me)) = (skip_watched, &reader) {
        filter.exclude = s.store.user_marks(me).await?.watched;
    }
    let viewer = match &reader {
        Caller::User(me) => Some(me.clone()),
        _ => None,
    };
    let groups = if kind.aggregated && access == Access::Full {
        Some(
            aggregated::read(
                &s,
                &feed.fid,
                kind,
                viewer.as_deref(),
                limit,
                req.next.as_deref(),
                enrich,
            )
            .await?,
        )
    } else {
        None
    };
    let page = if access == Access::Full && groups.is_none() {
        read::activities(
            &s,
            &reader,
            &feed,
            read::PageRequest {
                limit,
                next: req.next.as_deref(),
                prev: req.prev.as_deref(),
                id_around: req.id_around.as_deref(),
                filter: &filter,
            },
        )
        .await?
    } else {
        read::Page {
            activities: Vec::new(),
            next: None,
            prev: None,
        }
    };
    let (followers, followers_next) =
        read::follow_list(&s, &feed.fid, req.followers_pagination.as_ref(), true).await?;
    let (following, following_next) =
        read::follow_list(&s, &feed.fid, req.following_pagination.as_ref(), false).await?;
    let followers = render::follows(&s.store, &followers).await?;
    let following = render::follows(&s.store, &following).await?;
    // One read of users serves the activities and the feed's creator.
    let (mut activities, users) = {
        let viewer = match &reader {
            Caller::User(me) => Some(me.as_str()),
            _ => None,
        };
        render::activities_with_users(
            &s.store,
            &page.activities,
            &[&feed.created_by_id],
            viewer,
            enrich,
        )
        .await?
    };
    let rendered_feed = FeedResponse::render(&feed, &users);
    // Read from a feed, an activity's current feed is that feed.
    for a in activities.iter_mut().filter(|_| enrich.current_feed) {
        a.current_feed = Some(Box::new(rendered_feed.clone()));
    }
    if !track_watched {
        for a in activities.iter_mut() {
            a.is_watched = None;
        }
    }

    let mut aggregated_activities = Vec::new();
    let mut notification_status = None;
    let mut groups_next = None;
    if let Some(g) = groups {
        activities = g.activities;
        aggregated_activities = g.aggregated;
        notification_status = g.status;
        groups_next = g.next;
        if mark_read.is_some() || mark_seen.is_some() {
            aggregated::apply_marks(&s, &feed.fid, mark_read, mark_seen, now_nanos()).await?;
        }
    }
    let mut body = json!({
        "created": created,
        "feed": rendered_feed,
        "activities": activities,
        "aggregated_activities": aggregated_activities,
        "pinned_activities": [],
        "followers": followers,
        "following": following,
        "members": [],
    });
    if let Some(n) = page.next.or(groups_next) {
        body["next"] = json!(n);
    }
    if let Some(status) = notification_status {
        body["notification_status"] = status;
    }
    if let Some(p) = page.prev {
        body["prev"] = json!(p);
    }
    if let Some(n) = followers_next {
        body["followers_pagination"] = json!({ "next": n });
    }
    if let Some(n) = following_next {
        body["following_pagination"] = json!({ "next": n });
    }
    Ok(Json(body))
}

async fn load(s: &AppState, fid: &Fid) -> ApiResult<Feed> {
    match s.store.get_feed(&fid.to_string()).await? {
        Some(f) if f.deleted_at.is_none() => Ok(f),
        _ => Err(ApiError::not_found(format!("feed '{fid}' does not exist")).into()),
    }
}

pub async fn update(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Path((group, id)): Path<(String, String)>,
    Body(input): Body<FeedInput>,
) -> Reply {
    let fid = parse_fid(&s, &group, &id).await?;
    let mut feed = load(&s, &fid).await?;
    feed_rules::check_owner(
        &caller,
        &feed.created_by_id,
        &format!("update feed '{fid}'"),
    )?;
    if let Some(creator) = input.created_by_id.clone() {
        if !caller.is_server() {
            return Err(ApiError::not_allowed(
                "only server-side requests may change a feed's creator",
            )
            .into());
        }
        feed.created_by_id = creator;
    }
    input.apply(&mut feed)?;
    feed.updated_at = now_nanos();
    s.store.put_feed(&feed).await?;
    let rendered = render::feeds(&s.store, std::slice::from_ref(&feed))
        .await?
        .remove(0);
    Ok(Json(json!({ "feed": rendered })))
}

#[derive(Debug, Default, Deserialize)]
pub struct DeleteQuery {
    hard_delete: Option<bool>,
}

/// Soft: the feed reads as gone. Hard: its metadata, counters, follows (both ways, with
/// the other feeds' counts corrected) and the entries it received are removed.
async fn remove(s: &AppState, caller: &Caller, fid: &Fid, hard: bool) -> ApiResult<()> {
    let fid_s = fid.to_string();
    let mut feed = match s.store.get_feed(&fid_s).await? {
        Some(f) => f,
        None => return Err(ApiError::not_found(format!("feed '{fid}' does not exist")).into()),
    };
    feed_rules::check_owner(caller, &feed.created_by_id, &format!("delete feed '{fid}'"))?;
    if !hard {
        feed.deleted_at = Some(now_nanos());
        return s.store.put_feed(&feed).await;
    }
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

pub async fn delete(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Path((group, id)): Path<(String, String)>,
    QueryParams(q): QueryParams<DeleteQuery>,
) -> Reply {
    let fid = parse_fid(&s, &group, &id).await?;
    remove(&s, &caller, &fid, q.hard_delete.unwrap_or(false)).await?;
    Ok(Json(json!({ "task_id": ids::new_id() })))
}

#[derive(Debug, Deserialize)]
pub struct FeedRequest {
    feed_group_id: Option<String>,
    feed_id: Option<String>,
    #[serde(flatten)]
    input: FeedInputFields,
}

/// The `FeedInput` fields of a batch item (kept flat so errors name their field).
#[derive(Debug, Default, Deserialize)]
pub struct FeedInputFields {
    name: Option<String>,
    description: Option<String>,
    visibility: Option<String>,
    filter_tags: Option<Vec<String>>,
    custom: Option<Map<String, Value>>,
    location: Option<Location>,
    created_by_id: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct CreateFeedsBatchRequest {
    feeds: Option<Vec<FeedRequest>>,
}

/// Creates several feeds; existing ones are returned as they are.
pub async fn create_batch(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Body(req): Body<CreateFeedsBatchRequest>,
) -> Reply {
    let items = req
        .feeds
        .ok_or_else(|| ApiError::field("feeds", "feeds is a required field"))?;
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
        let fid = parse_fid(&s, &group, &id)
            .await
            .map_err(|e| e.within(&at))?;
        let creator = match (&caller, item.input.created_by_id.clone()) {
            (Caller::Server, Some(c)) => c,
            (Caller::User(me), _) => me.clone(),
            (Caller::Anonymous, _) => {
                return Err(ApiError::not_allowed("anonymous users cannot create feeds").into())
            }
            (Caller::Server, None) => fid.id.clone(),
        };
        let mut feed = Feed::new(&fid.group, &fid.id, &creator, now_nanos());
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
    let feeds = render::feeds(&s.store, &out).await?;
    Ok(Json(json!({ "feeds": feeds })))
}

#[derive(Debug, Deserialize)]
pub struct DeleteFeedsBatchRequest {
    feeds: Option<Vec<String>>,
    #[serde(default)]
    hard_delete: bool,
}

pub async fn delete_batch(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Body(req): Body<DeleteFeedsBatchRequest>,
) -> Reply {
    let fids = req
        .feeds
        .ok_or_else(|| ApiError::field("feeds", "feeds is a required field"))?;
    batch_len("feeds", fids.len())?;
    let parsed: Vec<Fid> = fids
        .iter()
        .enumerate()
        .map(|(i, f)| Fid::parse(&format!("feeds[{i}]"), f))
        .collect::<ApiResult<_>>()?;
    for fid in &parsed {
        if s.store.get_feed(&fid.to_string()).await?.is_none() {
            return Err(ApiError::not_found(format!("feed '{fid}' does not exist")).into());
        }
    }
    for fid in &parsed {
        remove(&s, &caller, fid, req.hard_delete).await?;
    }
    Ok(Json(json!({ "task_id": ids::new_id() })))
}
