//! Turns stored records into responses: loads the users, parents and feeds a page needs in
//! batched reads, never one call per item.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use crate::responses::CommentResponse;
use crate::responses::FeedResponse;
use crate::responses::{ActivityResponse, ReactionResponse, ShareResponse, UserDirectory};
use tributary_domain::model::comment::Comment;
use tributary_domain::model::feed::Feed;
use tributary_domain::model::follow::Follow;
use tributary_domain::model::{Activity, Visibility};
use tributary_domain::ApiResult;
use tributary_store::by_activity;
use tributary_store::keys;
use tributary_store::Store;
use tributary_store::LATEST_SHARES_KEPT;

/// How many of an activity's newest top-level comments a read shows.
pub const COMMENTS_SHOWN: usize = 5;

/// How many of an activity's newest shares a read shows (`latest_shares`).
pub const SHARES_SHOWN: usize = 5;

/// Whether a share is listed to `reader`: private shares only to their author (and to
/// server-side reads, which have no reader).
fn shown_to(reader: Option<&str>, share: &Activity) -> bool {
    share.content.visibility != Visibility::Private || reader.is_none_or(|r| r == share.user_id)
}

/// What a read adds to its activities, as Stream's `enrichment_options` choose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Enrichment {
    /// How many of the newest top-level comments to show.
    pub comments: usize,
    pub reactions: bool,
    pub mentioned_users: bool,
    pub parents: bool,
    pub current_feed: bool,
    /// The reader's bookmarks of each activity (`own_bookmarks`).
    pub own_bookmarks: bool,
    /// The objects `collection_refs` name, read with the page's users.
    pub collections: bool,
    /// The newest shares (`latest_shares`), read with the shared parents.
    pub shares: bool,
}

impl Default for Enrichment {
    fn default() -> Self {
        Enrichment {
            comments: COMMENTS_SHOWN,
            reactions: true,
            mentioned_users: true,
            parents: true,
            current_feed: true,
            own_bookmarks: true,
            collections: true,
            shares: true,
        }
    }
}

impl Enrichment {
    /// From `enrichment_options` (`skip_all`, `skip_activity_comments`, ...).
    pub fn from_options(options: Option<&serde_json::Value>) -> Self {
        let flag = |name: &str| {
            options
                .and_then(|o| o.get(name))
                .and_then(serde_json::Value::as_bool)
                .unwrap_or(false)
        };
        if flag("skip_all") || flag("skip_activity") {
            return Enrichment {
                comments: 0,
                reactions: false,
                mentioned_users: false,
                parents: false,
                current_feed: false,
                own_bookmarks: false,
                collections: false,
                shares: false,
            };
        }
        Enrichment {
            comments: if flag("skip_activity_comments") {
                0
            } else {
                COMMENTS_SHOWN
            },
            reactions: !flag("skip_activity_reactions"),
            mentioned_users: !flag("skip_activity_mentioned_users"),
            parents: !flag("skip_activity_parents"),
            current_feed: !flag("skip_activity_current_feed"),
            own_bookmarks: !flag("skip_activity_own_bookmarks"),
            collections: !flag("skip_activity_collections"),
            shares: true,
        }
    }
}

/// Renders activities in order, fully enriched.
pub async fn activities(store: &Store, list: &[Activity]) -> ApiResult<Vec<ActivityResponse>> {
    Ok(
        activities_with_users(store, list, &[], None, Enrichment::default())
            .await?
            .0,
    )
}

/// Like [`activities`], with `own_reactions` filled in for `reader`.
pub async fn activities_for(
    store: &Store,
    list: &[Activity],
    reader: Option<&str>,
) -> ApiResult<Vec<ActivityResponse>> {
    Ok(
        activities_with_users(store, list, &[], reader, Enrichment::default())
            .await?
            .0,
    )
}

/// Like [`activities`], also loading `extra_users` in the same read (for whatever else the
/// response shows, such as a feed's creator), and returning the users loaded. With a
/// `reader`, their own reactions are read too: a key per activity and reaction type it has.
///
/// The reader's reactions, shared parents and newest comments of the whole page are three
/// batched reads made at once, then one batched read of every user they name.
pub async fn activities_with_users(
    store: &Store,
    list: &[Activity],
    extra_users: &[&str],
    reader: Option<&str>,
    enrich: Enrichment,
) -> ApiResult<(Vec<ActivityResponse>, UserDirectory)> {
    let own_keys: Vec<keys::Key> = match reader.filter(|_| enrich.reactions) {
        Some(reader) => list
            .iter()
            .flat_map(|a| {
                a.reaction_groups
                    .keys()
                    .map(move |kind| keys::reaction(&a.id, reader, kind))
            })
            .collect(),
        None => Vec::new(),
    };
    // Shared parents and the newest shares are both activities: one batched read.
    let parents_of = list.iter().filter_map(|a| a.parent_id.clone());
    let shares_of = list
        .iter()
        .flat_map(|a| a.latest_share_ids.iter().take(LATEST_SHARES_KEPT).cloned());
    let related_ids: Vec<String> = match (enrich.parents, enrich.shares) {
        (true, true) => parents_of.chain(shares_of).collect::<HashSet<_>>(),
        (true, false) => parents_of.collect(),
        (false, true) => shares_of.collect(),
        (false, false) => HashSet::new(),
    }
    .into_iter()
    .collect();
    let comment_ids: Vec<String> = list
        .iter()
        .flat_map(|a| a.latest_comment_ids.iter().take(enrich.comments).cloned())
        .collect();
    let bookmark_keys = match reader.filter(|_| enrich.own_bookmarks) {
        Some(reader) => crate::bookmarks::own_keys(list, reader),
        None => Vec::new(),
    };
    // Metrics: the shards of the page's tracked activities, one batched read.
    let tracked = list.iter().filter(|a| a.has_metrics).map(|a| a.id.as_str());
    // The users and collection objects the page's own activities name are known now: they
    // are read in the same step as everything else the page keys by its activities.
    let first_users: HashSet<&str> = list
        .iter()
        .flat_map(ActivityResponse::user_ids)
        .chain(extra_users.iter().copied())
        .chain(reader)
        .collect();
    let first_users: Vec<String> = first_users.into_iter().map(str::to_string).collect();
    let first_refs = if enrich.collections {
        crate::collections::referenced(list.iter().flat_map(|a| a.content.collection_refs.iter()))
    } else {
        Vec::new()
    };
    let (own, related, comments, marks, bookmarks, metrics, polls, (users, objects)) = tokio::try_join!(
        async {
            Ok::<_, tributary_domain::ApiError>(by_activity(store.get_reactions(own_keys).await?))
        },
        async {
            if related_ids.is_empty() {
                Ok(HashMap::new())
            } else {
                store.get_activities(&related_ids).await
            }
        },
        store.get_comments(&comment_ids),
        async {
            match reader {
                Some(r) => store.user_marks(r).await,
                None => Ok(Default::default()),
            }
        },
        store.get_bookmarks(bookmark_keys),
        store.activity_metrics(tracked),
        crate::polls::of_page(store, list),
        store.get_users_and_objects(&first_users, &first_refs),
    )?;

    let parents: HashMap<&str, &Activity> = list
        .iter()
        .filter(|_| enrich.parents)
        .filter_map(|a| a.parent_id.as_deref())
        .filter_map(|id| related.get_key_value(id))
        .map(|(id, p)| (id.as_str(), p))
        .collect();
    let shares_of = |a: &Activity| -> Vec<&Activity> {
        if !enrich.shares {
            return Vec::new();
        }
        a.latest_share_ids
            .iter()
            .filter_map(|id| related.get(id))
            .filter(|share| share.deleted_at.is_none() && shown_to(reader, share))
            .take(SHARES_SHOWN)
            .collect()
    };
    // Second step: the users and objects only the parents, shares and comments name, the
    // folders of the reader's bookmarks and the reader's poll votes, read at once (each
    // only when there is something to read).
    let more_users: HashSet<&str> = parents
        .values()
        .copied()
        .flat_map(ActivityResponse::user_ids)
        .chain(list.iter().flat_map(shares_of).map(|a| a.user_id.as_str()))
        .chain(comments.values().flat_map(Comment::user_ids))
        .filter(|u| !users.contains_key(*u))
        .collect();
    let more_users: Vec<String> = more_users.into_iter().map(str::to_string).collect();
    let more_refs: Vec<(String, String)> = if enrich.collections {
        crate::collections::referenced(
            parents
                .values()
                .flat_map(|a| a.content.collection_refs.iter()),
        )
        .into_iter()
        .filter(|(name, id)| !objects.contains_key(&format!("{name}:{id}")))
        .collect()
    } else {
        Vec::new()
    };
    let (more, own_folders, polls) = tokio::try_join!(
        async {
            if more_users.is_empty() && more_refs.is_empty() {
                Ok(Default::default())
            } else {
                store.get_users_and_objects(&more_users, &more_refs).await
            }
        },
        // The folders of the reader's bookmarks: made only when some are filed.
        crate::bookmarks::folders_of(store, &bookmarks),
        crate::polls::as_seen_by(store, &polls, reader),
    )?;
    let (mut users, mut objects) = (users, objects);
    users.extend(more.0);
    objects.extend(more.1);
    let users = UserDirectory(users);
    let collections_of = |a: &Activity| {
        if enrich.collections {
            crate::collections::enriched(&a.content.collection_refs, &objects)
        } else {
            Default::default()
        }
    };

    let rendered = list
        .iter()
        .map(|a| {
            let parent = a
                .parent_id
                .as_ref()
                .and_then(|id| parents.get(id.as_str()))
                .map(|p| {
                    let mut parent = ActivityResponse::render(p, &users, None);
                    parent.collections = collections_of(p);
                    parent
                });
            let mut rendered = ActivityResponse::render(a, &users, parent);
            rendered.collections = collections_of(a);
            rendered.latest_shares = shares_of(a)
                .into_iter()
                .map(|share| ShareResponse {
                    activity_id: share.id.clone(),
                    created_at: share.created_at,
                    user: users.get(&share.user_id),
                })
                .collect();
            rendered.metrics = metrics.get(&a.id).cloned();
            rendered.poll = a
                .content
                .poll_id
                .as_ref()
                .and_then(|p| polls.get(p).cloned());
            if !enrich.mentioned_users {
                rendered.mentioned_users.clear();
            }
            if !enrich.reactions {
                rendered.latest_reactions.clear();
            }
            // The list is kept newest first, but comments written at the same moment may
            // land in it out of their time order: order what is shown by time.
            let mut listed: Vec<&Comment> = a
                .latest_comment_ids
                .iter()
                .filter_map(|id| comments.get(id))
                .collect();
            listed.sort_by(|x, y| y.created_at.cmp(&x.created_at).then(y.id.cmp(&x.id)));
            rendered.comments = listed
                .into_iter()
                .take(COMMENTS_SHOWN)
                .map(|c| CommentResponse::render(c, &users))
                .collect();
            if reader.is_some() {
                rendered.hidden = marks.hidden.contains(&a.id);
                rendered.is_watched = Some(marks.watched.contains(&a.id));
            }
            if let Some(mine) = own.get(&a.id) {
                let mut mine = mine.clone();
                mine.sort_by_key(|r| std::cmp::Reverse(r.created_at));
                rendered.own_reactions = mine
                    .iter()
                    .map(|r| ReactionResponse::render(r, &users))
                    .collect();
            }
            rendered.own_bookmarks =
                crate::bookmarks::own_of(&rendered, &bookmarks, &own_folders, &users);
            rendered
        })
        .collect();
    Ok((rendered, users))
}

pub async fn activity(store: &Store, a: &Activity) -> ApiResult<ActivityResponse> {
    let mut rendered = activities(store, std::slice::from_ref(a)).await?;
    Ok(rendered.pop().expect("one activity in, one out"))
}

/// Renders feeds with their creators, loaded in one batch.
pub async fn feeds(store: &Store, list: &[Feed]) -> ApiResult<Vec<FeedResponse>> {
    let users = UserDirectory(
        store
            .get_users(list.iter().map(|f| f.created_by_id.as_str()))
            .await?,
    );
    Ok(list
        .iter()
        .map(|f| FeedResponse::render(f, &users))
        .collect())
}

/// Renders follows with both of their feeds. Feeds never stored (followed before anyone
/// wrote to them) render with defaults.
pub async fn follows(store: &Store, list: &[Follow]) -> ApiResult<Vec<FollowResponse>> {
    let fids: Vec<String> = list
        .iter()
        .flat_map(|f| [f.source.clone(), f.target.clone()])
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let stored = store.get_feeds(&fids).await?;
    let all: Vec<Feed> = fids
        .iter()
        .map(|fid| {
            stored
                .get(fid)
                .cloned()
                .unwrap_or_else(|| placeholder_feed(fid))
        })
        .collect();
    let rendered: HashMap<String, FeedResponse> = feeds(store, &all)
        .await?
        .into_iter()
        .map(|f| (f.feed.clone(), f))
        .collect();
    Ok(list
        .iter()
        .map(|f| FollowResponse {
            source_feed: rendered[&f.source].clone(),
            target_feed: rendered[&f.target].clone(),
            status: f.status.as_str(),
            custom: f.custom.clone(),
            follower_role: f.follower_role.clone(),
            push_preference: f.push_preference.clone(),
            created_at: f.created_at,
            updated_at: f.updated_at,
            request_accepted_at: f.request_accepted_at,
            request_rejected_at: f.request_rejected_at,
        })
        .collect())
}

/// A feed that has no stored metadata: `group:id`, owned by the user its id names.
pub fn placeholder_feed(fid: &str) -> Feed {
    let (group, id) = fid.split_once(':').unwrap_or((fid, ""));
    Feed::new(group, id, id, 0)
}

#[derive(Clone, Debug, Serialize)]
pub struct FollowResponse {
    pub source_feed: FeedResponse,
    pub target_feed: FeedResponse,
    pub status: &'static str,
    pub custom: serde_json::Map<String, serde_json::Value>,
    pub follower_role: String,
    pub push_preference: String,
    pub created_at: tributary_domain::time::Nanos,
    pub updated_at: tributary_domain::time::Nanos,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_accepted_at: Option<tributary_domain::time::Nanos>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_rejected_at: Option<tributary_domain::time::Nanos>,
}

/// Comments by id, in the order given (missing ones are skipped), with their users.
pub async fn comments(store: &Store, ids: &[String]) -> ApiResult<Vec<CommentResponse>> {
    let found = store.get_comments(ids).await?;
    let list: Vec<&Comment> = ids.iter().filter_map(|id| found.get(id)).collect();
    let users = UserDirectory(
        store
            .get_users(list.iter().flat_map(|c| c.user_ids()))
            .await?,
    );
    Ok(list
        .iter()
        .map(|c| CommentResponse::render(c, &users))
        .collect())
}

/// Turns the activities the caller sees only as a preview (tagged above its membership
/// level) into previews. `list` holds the records `rendered` was made from.
pub async fn apply_previews(
    store: &Store,
    caller: &tributary_domain::caller::Caller,
    list: &[Activity],
    rendered: &mut [ActivityResponse],
) -> ApiResult<()> {
    let refs: Vec<&Activity> = list.iter().collect();
    let previews = store.previews(caller, &refs).await?;
    let hidden: HashSet<&str> = list
        .iter()
        .zip(previews)
        .filter_map(|(a, p)| p.then_some(a.id.as_str()))
        .collect();
    for r in rendered
        .iter_mut()
        .filter(|r| hidden.contains(r.id.as_str()))
    {
        r.make_preview();
    }
    Ok(())
}
