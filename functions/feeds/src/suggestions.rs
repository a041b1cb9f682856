//! `get_follow_suggestions`: feeds of one group the user may want to follow, found through
//! the people the user follows ("friends of friends"): the feeds their `timeline` feeds
//! follow, ranked by how many of them follow each.
//!
//! The work is bounded whatever the graph's size, and nothing scans the table:
//! - one Query of the user's `timeline` follows (at most [`FOLLOWED`]) and one BatchGetItem
//!   of those feeds, for their owners (the friends);
//! - one Query per friend of their `timeline` follows (at most [`FRIEND_FOLLOWS`] each, a few
//!   at a time);
//! - then the best [`CANDIDATES`] of the group, [`CHUNK`] at a time until `limit` are found:
//!   per chunk one BatchGetItem of the feeds and one of the user's standing on them (the
//!   permission model's inputs, which also say whether one of the user's feeds follows them);
//! - and for the suggestions found, the owners (one BatchGetItem of users) and the own fields
//!   the client keeps (one BatchGetItem), as a feed read returns them.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use axum::extract::{Path, State};
use axum::Json;
use futures::{stream, StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};
use tributary_domain::access::Capability;
use tributary_domain::caller::Caller;
use tributary_domain::model::feed::Feed;
use tributary_domain::validate::{self, Fid};
use tributary_domain::{ApiError, ApiResult};
use tributary_http::{AppState, Auth, HttpResult, QueryParams};
use tributary_store::access::Standing;
use tributary_store::feed_rules;
use tributary_v3::own::{self, Wanted};
use tributary_v3::render;
use tributary_v3::responses::FeedResponse;

/// What `algorithm_used` and `algorithm_scores` call the one algorithm.
pub const ALGORITHM: &str = "friends_of_friends";
/// The user's followed feeds read for friends.
pub const FOLLOWED: usize = 25;
/// Each friend's followed feeds read.
pub const FRIEND_FOLLOWS: usize = 25;
/// The best-ranked candidates looked at for readable feeds the user does not follow yet.
pub const CANDIDATES: usize = 200;
/// Candidates loaded and checked together.
const CHUNK: usize = 50;
/// Friends' follows read at once.
const CONCURRENCY: usize = 8;
const DEFAULT_LIMIT: usize = 10;
const MAX_LIMIT: usize = 100;

#[derive(Debug, Default, Deserialize)]
pub struct SuggestionsQuery {
    limit: Option<i64>,
    user_id: Option<String>,
}

/// Stream's `FeedSuggestionResponse`: a feed (with the reader's own fields) and why it is
/// suggested.
#[derive(Debug, Serialize)]
pub struct FeedSuggestionResponse {
    #[serde(flatten)]
    feed: FeedResponse,
    reason: String,
    /// The share of the people the user follows who follow the feed (0 to 1).
    recommendation_score: f64,
    algorithm_scores: BTreeMap<&'static str, f64>,
}

#[derive(Debug, Serialize)]
pub struct FollowSuggestionsReply {
    suggestions: Vec<FeedSuggestionResponse>,
    algorithm_used: &'static str,
}

/// A feed the friends follow, and how many of them do.
#[derive(Debug, PartialEq)]
struct Candidate {
    fid: String,
    friends: usize,
}

pub async fn get(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Path(group): Path<String>,
    QueryParams(q): QueryParams<SuggestionsQuery>,
) -> HttpResult<Json<FollowSuggestionsReply>> {
    let limit = validate::limit("limit", q.limit, DEFAULT_LIMIT, MAX_LIMIT)?;
    let me = caller.require_user(q.user_id.as_deref())?;
    match s.store.feed_groups(&[group.as_str()]).await?.remove(&group) {
        Some(g) if g.deleted_at.is_none() => {}
        _ => {
            return Err(ApiError::not_found(format!("feed group '{group}' does not exist")).into())
        }
    }
    let suggestions = if limit == 0 {
        Vec::new()
    } else {
        suggest(&s, &me, &group, limit).await?
    };
    Ok(Json(FollowSuggestionsReply {
        suggestions,
        algorithm_used: ALGORITHM,
    }))
}

async fn suggest(
    s: &AppState,
    me: &str,
    group: &str,
    limit: usize,
) -> ApiResult<Vec<FeedSuggestionResponse>> {
    let (candidates, friends) = friends_of_friends(s, me, group).await?;
    let reader = Caller::User(me.to_string());
    let mut feeds: Vec<Feed> = Vec::new();
    let mut standings: Vec<Standing> = Vec::new();
    let mut counts: Vec<usize> = Vec::new();
    for chunk in candidates.chunks(CHUNK) {
        if feeds.len() >= limit {
            break;
        }
        let fids: Vec<String> = chunk.iter().map(|c| c.fid.clone()).collect();
        let stored = s.store.get_feeds(&fids).await?;
        let (found, found_counts): (Vec<Feed>, Vec<usize>) = chunk
            .iter()
            .filter_map(|c| stored.get(&c.fid).map(|f| (f.clone(), c.friends)))
            .filter(|(f, _)| f.deleted_at.is_none() && f.created_by_id != me)
            .unzip();
        let found_standings = s.store.standings(&reader, &found).await?;
        for ((feed, count), standing) in found.into_iter().zip(found_counts).zip(found_standings) {
            // Followed already by one of the user's feeds (or asked to be), or not readable.
            if feeds.len() < limit
                && standing.follows.is_empty()
                && standing.access.allows(Capability::ReadFeed)
            {
                feeds.push(feed);
                standings.push(standing);
                counts.push(count);
            }
        }
    }
    let own = own::own_data(&s.store, &reader, &feeds, &standings, Wanted::ALL).await?;
    let rendered = render::feeds(&s.store, &feeds).await?;
    Ok(rendered
        .into_iter()
        .zip(own)
        .zip(counts)
        .map(|((mut feed, own), count)| {
            feed.own = own;
            let score = count as f64 / friends.max(1) as f64;
            FeedSuggestionResponse {
                feed,
                reason: reason(count),
                recommendation_score: score,
                algorithm_scores: BTreeMap::from([(ALGORITHM, score)]),
            }
        })
        .collect())
}

fn reason(friends: usize) -> String {
    match friends {
        1 => "followed by 1 person you follow".to_string(),
        n => format!("followed by {n} people you follow"),
    }
}

/// The feeds of `group` that the owners of the feeds `timeline:<me>` follows follow from
/// their own timelines, best first (most friends, then feed id), at most [`CANDIDATES`],
/// leaving out the user's own feeds and those the timeline follows; and how many friends
/// were read.
async fn friends_of_friends(
    s: &AppState,
    me: &str,
    group: &str,
) -> ApiResult<(Vec<Candidate>, usize)> {
    let (follows, _) = s
        .store
        .following_page(&format!("timeline:{me}"), FOLLOWED, None)
        .await?;
    // Follows still waiting for approval are not followed yet, but not suggested either.
    let followed: HashSet<String> = follows.iter().map(|f| f.target.clone()).collect();
    let accepted: Vec<String> = follows
        .into_iter()
        .filter(|f| f.is_active())
        .map(|f| f.target)
        .collect();
    let stored = s.store.get_feeds(&accepted).await?;
    let friends: BTreeSet<String> = accepted
        .iter()
        .filter_map(|fid| {
            let parsed = Fid::parse("feed", fid).ok()?;
            Some(feed_rules::owner(stored.get(fid), &parsed))
        })
        .filter(|owner| owner != me)
        .collect();
    let sources: Vec<String> = friends.iter().map(|f| format!("timeline:{f}")).collect();
    let pages: Vec<_> = stream::iter(sources)
        .map(|source| async move { s.store.following_page(&source, FRIEND_FOLLOWS, None).await })
        .buffer_unordered(CONCURRENCY)
        .try_collect()
        .await?;
    let mut counts: HashMap<String, usize> = HashMap::new();
    for (page, _) in pages {
        for f in page.into_iter().filter(|f| f.is_active()) {
            let Some((target_group, target_id)) = f.target.split_once(':') else {
                continue;
            };
            if target_group == group && target_id != me && !followed.contains(&f.target) {
                *counts.entry(f.target).or_default() += 1;
            }
        }
    }
    Ok((rank(counts), friends.len()))
}

/// Most friends first, then by feed id; at most [`CANDIDATES`].
fn rank(counts: HashMap<String, usize>) -> Vec<Candidate> {
    let mut ranked: Vec<Candidate> = counts
        .into_iter()
        .map(|(fid, friends)| Candidate { fid, friends })
        .collect();
    ranked.sort_by(|a, b| b.friends.cmp(&a.friends).then_with(|| a.fid.cmp(&b.fid)));
    ranked.truncate(CANDIDATES);
    ranked
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_by_friends_then_id_and_keeps_the_best() {
        let counts = HashMap::from([
            ("user:b".to_string(), 2),
            ("user:a".to_string(), 2),
            ("user:c".to_string(), 3),
            ("user:d".to_string(), 1),
        ]);
        let order: Vec<String> = rank(counts).into_iter().map(|c| c.fid).collect();
        assert_eq!(order, ["user:c", "user:a", "user:b", "user:d"]);
        let many = (0..CANDIDATES + 5)
            .map(|i| (format!("user:{i:04}"), 1))
            .collect();
        assert_eq!(rank(many).len(), CANDIDATES);
    }

    #[test]
    fn reasons_count_the_friends() {
        assert_eq!(reason(1), "followed by 1 person you follow");
        assert_eq!(reason(3), "followed by 3 people you follow");
    }
}
