//! `query_follows`: follows by source feed(s) or target feed(s), never by scanning.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tributary_domain::filter::predicate::{self, Field, Kind, EQ_IN};
use tributary_domain::model::follow::Follow;
use tributary_domain::validate::{self, Fid};
use tributary_domain::ApiError;
use tributary_domain::ApiResult;
use tributary_http::AppState;

const DEFAULT_LIMIT: usize = 25;
const MAX_LIMIT: usize = 100;

#[derive(Debug, Default, Deserialize)]
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
        (None, None) => {
            return Err(ApiError::field(
                "filter",
                "filter must name source_feed or target_feed",
            ));
        }
    };
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
            target_ok && status_ok
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
