//! Get-or-create, which also reads the feed: the feed (created on first call, with its
//! group's default visibility), a page of its activities or groups, its followers and
//! following, its newest pins, and for notification feeds their status.

use serde::Deserialize;
use serde_json::{Map, Value};
use tributary_core::ranked::RankedRead;
use tributary_domain::access::Capability;
use tributary_domain::caller::Caller;
use tributary_domain::model::feed::Feed;
use tributary_domain::model::feed_group::FeedGroup;
use tributary_domain::time::now_nanos;
use tributary_domain::validate::Fid;
use tributary_domain::{ApiError, ApiResult};
use tributary_http::AppState;
use tributary_store::feed_rules;
use tributary_v3::feed_read::{FeedReadResponse, PagerResponse};
use tributary_v3::own;
use tributary_v3::render;
use tributary_v3::responses::FeedResponse;

use crate::aggregated;
use crate::ops::{self, FeedInput};
use crate::pins;
use crate::read::{self, Access, ActivityFilter, Pager};

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct GetOrCreateFeedRequest {
    pub user_id: Option<String>,
    pub data: Option<FeedInput>,
    pub limit: Option<i64>,
    pub next: Option<String>,
    pub prev: Option<String>,
    pub id_around: Option<String>,
    pub filter: Option<Value>,
    pub followers_pagination: Option<Pager>,
    pub following_pagination: Option<Pager>,
    pub member_pagination: Option<Pager>,
    pub enrichment_options: Option<Value>,
    /// Aggregated and notification feeds: groups (or everything, `true`) to mark read or
    /// seen after this read, which shows the state from before.
    pub mark_read: Option<Value>,
    pub mark_seen: Option<Value>,
    /// Ranked groups: variables the group's ranking expression can use by name.
    pub external_ranking: Option<Map<String, Value>>,
    /// Ranked groups: tag to weight; `interest_score` sums the weights of an activity's
    /// `interest_tags`.
    pub interest_weights: Option<Map<String, Value>>,
    /// Subscribes the WebSocket connection (`connection_id`, in the query as the clients
    /// send it) to the feed's events.
    pub watch: Option<bool>,
    pub connection_id: Option<String>,
}

/// Subscribes `connection_id` to the feed's events: only a connection of the reader's own,
/// and only to a feed whose activities the reader may read.
async fn watch(
    s: &AppState,
    reader: &Caller,
    fid: &str,
    connection_id: Option<&str>,
    access: &Access,
) -> ApiResult<()> {
    let id = connection_id.filter(|c| !c.is_empty()).ok_or_else(|| {
        ApiError::field(
            "connection_id",
            "connection_id: a watched read names the WebSocket connection to subscribe",
        )
    })?;
    let connection = s.store.get_connection(id).await?.ok_or_else(|| {
        ApiError::field(
            "connection_id",
            format!("connection_id: '{id}' is not an open connection"),
        )
    })?;
    if let Caller::User(me) = reader {
        if *me != connection.user_id {
            return Err(ApiError::not_allowed(
                "the connection belongs to another user",
            ));
        }
    }
    if *access != Access::Full {
        return Err(ApiError::not_allowed(format!(
            "you may not watch the activities of feed {fid}"
        )));
    }
    s.store.watch(&connection, fid).await
}

/// Which first step of a page to read ahead of knowing the feed's group.
struct AheadGuess {
    entries: bool,
    groups: bool,
}

impl AheadGuess {
    /// A built-in group reads the way its defaults say; a custom group may do either.
    fn of(group: &str) -> AheadGuess {
        match FeedGroup::built_in(group) {
            Some(g) => {
                let aggregated = aggregated::Kind::of(&g).aggregated;
                AheadGuess {
                    entries: !aggregated,
                    groups: aggregated,
                }
            }
            None => AheadGuess {
                entries: true,
                groups: true,
            },
        }
    }
}

/// Creates the feed on first call (`created` says so) and reads it.
pub async fn get_or_create(
    s: &AppState,
    caller: &Caller,
    group: &str,
    id: &str,
    req: GetOrCreateFeedRequest,
) -> ApiResult<FeedReadResponse> {
    let fid = Fid::parse("feed", &format!("{group}:{id}"))?;
    let mark_read = aggregated::Marks::parse("mark_read", req.mark_read.as_ref())?;
    let mark_seen = aggregated::Marks::parse("mark_seen", req.mark_seen.as_ref())?;
    // Anonymous callers read (what the model lets them) as no one.
    let acting = match caller {
        Caller::Anonymous => None,
        _ => caller.acting_user(req.user_id.as_deref())?,
    };
    let limit = read::limit("limit", req.limit, read::DEFAULT_LIMIT)?;
    let mut filter = ActivityFilter::parse(req.filter.as_ref())?;
    let enrich = render::Enrichment::from_options(req.enrichment_options.as_ref());
    // Reads act as the named user when a server call names one.
    let reader = match (caller, &acting) {
        (Caller::Server, Some(user)) => Caller::User(user.clone()),
        _ => caller.clone(),
    };
    let viewer = match &reader {
        Caller::User(me) => Some(me.as_str()),
        _ => None,
    };
    // The group, the feed and what the reader's standing is decided from all follow from
    // the feed's id: one step of reads made at once.
    // A page's first step follows from it too, and is read ahead with them: a time-ordered
    // page's first entries, or an aggregated page's group names and read/seen state. Which
    // one is guessed from the group's built-in settings (a custom group reads both); a feed
    // that turns out to read another way (ranked, or a changed group) leaves them unused.
    let fid_text = fid.to_string();
    let guess = AheadGuess::of(&fid.group);
    let entries_ahead = async {
        if guess.entries {
            tributary_core::feed_page::read_ahead(
                s,
                &fid_text,
                limit,
                req.next.as_deref(),
                req.prev.as_deref(),
                req.id_around.as_deref(),
            )
            .await
        } else {
            Ok(None)
        }
    };
    let groups_ahead = async {
        if guess.groups && req.prev.is_none() && req.id_around.is_none() {
            aggregated::read_ahead(s, &fid_text, limit, req.next.as_deref()).await
        } else {
            Ok(None)
        }
    };
    // The lists shown beside the feed (followers, following, members) are keyed by its id
    // too; they are rendered later, and the members only shown to readers who may list them.
    let first_step = Box::pin(async {
        tokio::try_join!(
            ops::feed_group(s, &fid),
            s.store.get_feed(&fid_text),
            s.store.prefetch_standing(&reader, &fid_text),
            entries_ahead,
            groups_ahead,
            read::follows_page(s, &fid_text, req.followers_pagination.as_ref(), true),
            read::follows_page(s, &fid_text, req.following_pagination.as_ref(), false),
            read::members_page(s, &fid_text, req.member_pagination.as_ref()),
        )
    });
    let (feed_group, stored, prefetched, ahead, groups_ahead, followers, following, members) =
        first_step.await?;
    let kind = aggregated::Kind::of(&feed_group);
    let (feed, created) = open(
        s,
        caller,
        &fid,
        &feed_group,
        acting.as_deref(),
        req.data,
        stored,
    )
    .await?;
    let standing = prefetched.standing(&reader, &feed)?;
    let feed_access = &standing.access;
    let access = read::access(feed_access)?;
    if req.watch == Some(true) {
        watch(s, &reader, &feed.fid, req.connection_id.as_deref(), &access).await?;
    }
    let (skip_watched, track_watched) = (
        story_flag(&feed_group, "skip_watched"),
        story_flag(&feed_group, "track_watched"),
    );
    if let (true, Some(me)) = (skip_watched, viewer) {
        filter.exclude = s.store.user_marks(me).await?.watched;
    }
    let grouped = kind.aggregated && access == Access::Full;
    let groups = async {
        if grouped {
            let next = req.next.as_deref();
            let request = aggregated::GroupsRequest {
                kind,
                viewer,
                limit,
                next,
                enrich,
                ahead: groups_ahead,
            };
            aggregated::read(s, &feed.fid, request).await.map(Some)
        } else {
            Ok(None)
        }
    };
    // Groups that rank order by score; aggregated ones group in time order.
    let ranked = feed_group.ranking().map(|ranking| RankedRead {
        external: req.external_ranking.unwrap_or_default(),
        interest_weights: req.interest_weights.unwrap_or_default(),
        ..RankedRead::new(ranking)
    });
    // The page (or the groups), the pins, the follow lists, the members and the reader's own
    // fields of the feed are read at once.
    let page = async {
        if access == Access::Full && !grouped {
            let request = read::PageRequest {
                ranked: ranked.as_ref(),
                limit,
                next: req.next.as_deref(),
                prev: req.prev.as_deref(),
                id_around: req.id_around.as_deref(),
                filter: &filter,
                ahead,
            };
            // Boxed, as the other large parts of this read: the whole read's future would
            // otherwise be large enough to strain a thread's stack in unoptimised builds.
            Box::pin(read::activities(s, &reader, &feed, request)).await
        } else {
            Ok(read::Page::default())
        }
    };
    // The newest pins (one Query, one batched read of their activities), rendered with the
    // page: one read of users serves the activities, the pinners and the feed's creator. A
    // feed with no pins (its counter says so) costs nothing more.
    let pinned = async {
        if access == Access::Full && feed.pin_count > 0 {
            let listed = s
                .store
                .pins(&feed.fid, pins::PINS_SHOWN, None, false)
                .await?;
            pins::load_pinned(s, &reader, &feed, listed.pins).await
        } else {
            Ok(Default::default())
        }
    };
    let members = async {
        if feed_access.allows(Capability::QueryFeedMembers) {
            read::member_list(s, members).await
        } else {
            Ok((Vec::new(), None))
        }
    };
    let own = own::own_data(
        &s.store,
        &reader,
        std::slice::from_ref(&feed),
        std::slice::from_ref(&standing),
        own::Wanted::ALL,
    );
    // A grouped read renders its own activities; the feed's creator is read beside it.
    let creator = async {
        if grouped {
            s.store
                .get_users(std::iter::once(feed.created_by_id.as_str()))
                .await
        } else {
            Ok(Default::default())
        }
    };
    // The follow lists render (their feeds, then those feeds' creators) beside the page's
    // own rendering, not before it.
    // Boxed: the read's future is large, and a future this size is better kept off the stack.
    let lists = Box::pin(async {
        tokio::try_join!(
            read::follow_list(s, followers),
            read::follow_list(s, following)
        )
    });
    let shown = Box::pin(async {
        let (page, groups, (pins, pinned), members, own, creator) =
            tokio::try_join!(page, groups, pinned, members, own, creator)?;
        let shown = page.activities.len();
        let mut all = page.activities.clone();
        all.extend(pinned);
        let extra_users: Vec<&str> = std::iter::once(feed.created_by_id.as_str())
            .chain(pins.iter().map(|p| p.user_id.as_str()))
            .collect();
        let (mut activities, users) = if all.is_empty() && grouped {
            (Vec::new(), tributary_v3::responses::UserDirectory(creator))
        } else {
            render::activities_with_users(&s.store, &all, &extra_users, viewer, enrich).await?
        };
        render::apply_previews(&s.store, &reader, &all, &mut activities).await?;
        Ok::<_, ApiError>((page, groups, pins, members, own, shown, activities, users))
    });
    let (
        ((followers, followers_next), (following, following_next)),
        (page, groups, pins, (members, members_next), mut own, shown, mut activities, users),
    ) = tokio::try_join!(lists, shown)?;
    let pinned_activities = activities.split_off(shown);
    let mut rendered_feed = FeedResponse::render(&feed, &users);
    // Read from a feed, an activity's current feed is that feed.
    for a in activities.iter_mut().filter(|_| enrich.current_feed) {
        a.current_feed = Some(Box::new(rendered_feed.clone()));
    }
    rendered_feed.own = own.remove(0);
    let mut pinned_activities = pins::pin_responses(&pins, pinned_activities, &users);
    if !track_watched {
        let pinned = pinned_activities.iter_mut().map(|p| &mut p.activity);
        for a in activities.iter_mut().chain(pinned) {
            a.is_watched = None;
        }
    }
    let mut response = FeedReadResponse {
        created,
        feed: rendered_feed,
        activities,
        aggregated_activities: Vec::new(),
        pinned_activities,
        followers,
        following,
        members,
        next: page.next,
        notification_status: None,
        prev: page.prev,
        followers_pagination: followers_next.map(|next| PagerResponse { next }),
        following_pagination: following_next.map(|next| PagerResponse { next }),
        member_pagination: members_next.map(|next| PagerResponse { next }),
    };
    if let Some(g) = groups {
        response.activities = g.activities;
        response.aggregated_activities = g.aggregated;
        response.notification_status = g.status;
        response.next = response.next.or(g.next);
        if mark_read.is_some() || mark_seen.is_some() {
            aggregated::apply_marks(
                s,
                &feed.fid,
                mark_read,
                mark_seen,
                now_nanos(),
                aggregated::MarkIds::GroupsOrActivities,
            )
            .await?;
        }
    }
    Ok(response)
}

/// The stored feed, or a new one made now (a user token may create only its own feeds):
/// owned by the acting user (or the user its id names), with the group's default visibility and the request's data.
async fn open(
    s: &AppState,
    caller: &Caller,
    fid: &Fid,
    group: &FeedGroup,
    acting: Option<&str>,
    data: Option<FeedInput>,
    stored: Option<Feed>,
) -> ApiResult<(Feed, bool)> {
    match stored {
        Some(feed) if feed.deleted_at.is_none() => Ok((feed, false)),
        Some(_) => Err(ApiError::not_found(format!("feed '{fid}' was deleted"))),
        None => {
            feed_rules::may_create(caller, fid)?;
            let creator = acting.map_or_else(|| fid.id.clone(), str::to_string);
            let mut feed = group.new_feed(&fid.id, &creator, now_nanos());
            if let Some(data) = data {
                data.apply(&mut feed)?;
            }
            s.store.create_feed_if_missing(&feed).await
        }
    }
}

/// Story groups with `skip_watched` leave out what the reader has watched; only groups with
/// `track_watched` report `is_watched`.
fn story_flag(group: &FeedGroup, name: &str) -> bool {
    group
        .settings
        .get("stories")
        .and_then(|st| st.get(name))
        .and_then(Value::as_bool)
        .unwrap_or(false)
}
