//! `query_follows`: follows by source feed(s) or target feed(s), never by scanning.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashSet;
use tributary_domain::filter::predicate::{self, Field, Kind, EQ_IN};

use tributary_domain::access::Capability;
use tributary_domain::caller::Caller;
use tributary_domain::model::feed::Feed;
use tributary_domain::model::follow::{Follow, FollowStatus};
use tributary_domain::validate::{self, Fid};
use tributary_domain::ApiError;
use tributary_domain::ApiResult;
use tributary_http::AppState;
use tributary_store::AllFollowsPosition;

const DEFAULT_LIMIT: usize = 25;
const MAX_LIMIT: usize = 100;

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct QueryFollowsRequest {
    pub filter: Option<Value>,
    pub limit: Option<i64>,
    pub next: Option<String>,
    #[allow(dead_code)]
    pub sort: Option<Value>,
}

/// Where a query stopped: which of the listed feeds, and the key to continue after.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Position {
    feed: usize,
    after: Option<String>,
}

pub async fn query(
    state: &AppState,
    caller: &Caller,
    req: QueryFollowsRequest,
) -> ApiResult<(Vec<Follow>, Option<String>)> {
    let limit = validate::limit("limit", req.limit, DEFAULT_LIMIT, MAX_LIMIT)?;
    let fields = |name: &str| {
        matches!(name, "source_feed" | "target_feed" | "status").then_some(Field {
            name: "",
            kind: Kind::Plain,
            ops: EQ_IN,
        })
    };
    let mut sources = None;
    let mut targets = None;
    let mut statuses = None;
    for term in predicate::parse_terms(req.filter.as_ref(), &fields)? {
        match term.field.as_str() {
            "source_feed" => sources = Some(term.values),
            "target_feed" => targets = Some(term.values),
            _ => statuses = Some(term.values),
        }
    }
    for list in [&sources, &targets].into_iter().flatten() {
        for f in list {
            Fid::parse("filter", f)?;
        }
    }
    let by_source = sources.is_some();
    let feeds = match (sources, &targets) {
        (Some(s), _) => s,
        (None, Some(t)) => t.clone(),
        (None, None) if caller.is_server() => {
            return all(state, limit, statuses.as_deref(), req.next.as_deref()).await;
        }
        (None, None) => {
            return Err(ApiError::field(
                "filter",
                "filter must name source_feed or target_feed",
            ));
        }
    };
    let scope = Scope::load(state, caller, &feeds, targets.as_deref()).await?;
    let mut pos: Position = match &req.next {
        Some(c) => state.cursors.decode("next", c)?,
        None => Position::default(),
    };
    let mut out = Vec::new();
    while pos.feed < feeds.len() && out.len() < limit {
        let fid = &feeds[pos.feed];
        let want = limit - out.len();
        let (page, next) = if by_source {
            state
                .store
                .following_page(fid, want, pos.after.as_deref())
                .await?
        } else {
            state
                .store
                .followers_page(fid, want, pos.after.as_deref(), false)
                .await?
        };
        out.extend(page.into_iter().filter(|f| {
            let target_ok = !by_source || targets.as_ref().is_none_or(|t| t.contains(&f.target));
            let status_ok = statuses
                .as_ref()
                .is_none_or(|s| s.iter().any(|x| x == f.status.as_str()));
            target_ok && status_ok && scope.shows(f)
        }));
        match next {
            Some(after) => pos.after = Some(after),
            None => {
                pos.feed += 1;
                pos.after = None;
            }
        }
    }
    let next = (pos.feed < feeds.len()).then(|| state.cursors.encode(&pos));
    Ok((out, next))
}

/// Every follow, newest first (server-side only), through the all-follows index.
async fn all(
    state: &AppState,
    limit: usize,
    statuses: Option<&[String]>,
    next: Option<&str>,
) -> ApiResult<(Vec<Follow>, Option<String>)> {
    let pos: AllFollowsPosition = match next {
        Some(c) => state.cursors.decode("next", c)?,
        None => AllFollowsPosition::default(),
    };
    let (page, more) = state.store.all_follows_page(limit, pos).await?;
    let page = page
        .into_iter()
        .filter(|f| statuses.is_none_or(|s| s.iter().any(|x| x == f.status.as_str())))
        .collect();
    Ok((page, more.map(|p| state.cursors.encode(&p))))
}

/// What a user token may see of the follows of the feeds a query names: it must hold
/// `query-follows` on each (403, code 17 otherwise), and sees requests that are not
/// accepted only where it answers them (the target's `update-feed-followers`) or made them
/// (a source feed named by its own id).
struct Scope {
    server: bool,
    user: Option<String>,
    answers: HashSet<String>,
}

impl Scope {
    async fn load(
        state: &AppState,
        caller: &Caller,
        named: &[String],
        targets: Option<&[String]>,
    ) -> ApiResult<Scope> {
        let user = match caller {
            Caller::Server => {
                return Ok(Scope {
                    server: true,
                    user: None,
                    answers: HashSet::new(),
                })
            }
            Caller::User(me) => Some(me.clone()),
            Caller::Anonymous => None,
        };
        let mut fids: Vec<String> = named.to_vec();
        fids.extend(targets.unwrap_or_default().iter().cloned());
        fids.sort();
        fids.dedup();
        let feeds: Vec<Feed> = state.store.get_feeds(&fids).await?.into_values().collect();
        let access = state.store.feeds_access(caller, &feeds).await?;
        let mut answers = HashSet::new();
        for (f, a) in feeds.iter().zip(&access) {
            if named.contains(&f.fid) {
                a.require(Capability::QueryFollows)?;
            }
            if a.allows(Capability::UpdateFeedFollowers) {
                answers.insert(f.fid.clone());
            }
        }
        Ok(Scope {
            server: false,
            user,
            answers,
        })
    }

    fn shows(&self, f: &Follow) -> bool {
        if self.server || f.status == FollowStatus::Accepted {
            return true;
        }
        let own_request = self
            .user
            .as_deref()
            .is_some_and(|me| f.source.split_once(':').is_some_and(|(_, id)| id == me));
        own_request || self.answers.contains(&f.target)
    }
}
