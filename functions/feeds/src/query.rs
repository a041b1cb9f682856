//! `query_feeds`: feeds by group or by creator (indexed), narrowed by visibility, filter
//! tags and name. A filter naming neither group nor creator walks every group's index
//! partition in turn; nothing scans the table.

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tributary_domain::access::Capability;
use tributary_domain::filter::predicate::{self, Field, Kind, EQ_IN, TAGS, TEXT};
use tributary_domain::model::feed::Feed;
use tributary_domain::ApiError;
use tributary_domain::ApiResult;
use tributary_http::{AppState, Auth, Body};
use tributary_store::keys;
use tributary_v3::render;
use tributary_v3::replies::FeedsReply;

const DEFAULT_LIMIT: usize = 25;
const MAX_LIMIT: usize = 100;

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct QueryFeedsRequest {
    filter: Option<Value>,
    sort: Option<Vec<SortParam>>,
    limit: Option<i64>,
    next: Option<String>,
}

/// One entry of a query's `sort`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SortParam {
    field: Option<String>,
    direction: Option<i64>,
}

/// Feeds sort by creation time, oldest first unless `direction` is -1.
fn newest_first(sort: Option<&[SortParam]>) -> ApiResult<bool> {
    match sort {
        None | Some([]) => Ok(false),
        Some([one]) => {
            let field = one.field.as_deref().unwrap_or("created_at");
            if field != "created_at" {
                return Err(ApiError::field(
                    "sort",
                    format!("sort: feeds sort by created_at only, not '{field}'"),
                ));
            }
            match one.direction.unwrap_or(1) {
                1 => Ok(false),
                -1 => Ok(true),
                d => Err(ApiError::field(
                    "sort",
                    format!("sort: direction must be 1 or -1, got {d}"),
                )),
            }
        }
        Some(_) => Err(ApiError::field(
            "sort",
            "sort: feeds sort by one field (created_at)",
        )),
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Position {
    partition: usize,
    after: Option<(String, String)>,
}

#[derive(Default)]
struct Conditions {
    groups: Option<Vec<String>>,
    creators: Option<Vec<String>>,
    visibility: Option<Vec<String>>,
    tags: Option<Vec<String>>,
    name: Option<String>,
    fids: Option<Vec<String>>,
}

fn parse(filter: Option<Value>) -> ApiResult<Conditions> {
    let fields = |name: &str| {
        let ops = match name {
            "group_id" | "created_by_id" | "visibility" | "feed" | "fid" => EQ_IN,
            "filter_tags" => TAGS,
            "name" => TEXT,
            _ => return None,
        };
        Some(Field {
            name: "",
            kind: Kind::Plain,
            ops,
        })
    };
    let mut c = Conditions::default();
    for term in predicate::parse_terms(filter.as_ref(), &fields)? {
        let values = term.values;
        match term.field.as_str() {
            "group_id" => c.groups = Some(values),
            "created_by_id" => c.creators = Some(values),
            "visibility" => c.visibility = Some(values),
            // Tags match any of the given ones, whatever the operator.
            "filter_tags" => c.tags = Some(values),
            "name" => match values.as_slice() {
                [name] => c.name = Some(name.clone()),
                _ => return Err(ApiError::field("filter", "filter.name: expected a string")),
            },
            _ => c.fids = Some(values),
        }
    }
    Ok(c)
}

impl Conditions {
    fn accepts(&self, f: &Feed) -> bool {
        f.deleted_at.is_none()
            && self.groups.as_ref().is_none_or(|g| g.contains(&f.group_id))
            && self
                .creators
                .as_ref()
                .is_none_or(|c| c.contains(&f.created_by_id))
            && self
                .visibility
                .as_ref()
                .is_none_or(|v| v.iter().any(|x| x == f.visibility.as_str()))
            && self
                .tags
                .as_ref()
                .is_none_or(|t| t.iter().any(|x| f.filter_tags.contains(x)))
            && self
                .name
                .as_ref()
                .is_none_or(|n| f.name.to_lowercase().contains(&n.to_lowercase()))
            && self.fids.as_ref().is_none_or(|ids| ids.contains(&f.fid))
    }
}

pub async fn query_feeds(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Body(req): Body<QueryFeedsRequest>,
) -> tributary_http::HttpResult<Json<FeedsReply>> {
    let limit = tributary_domain::validate::limit("limit", req.limit, DEFAULT_LIMIT, MAX_LIMIT)?;
    let cond = parse(req.filter)?;
    let newest_first = newest_first(req.sort.as_deref())?;
    // Index partitions to walk: by creator when named (usually smaller), else by group.
    let partitions: Vec<(&str, String)> = match (&cond.creators, &cond.groups) {
        (Some(creators), _) => creators
            .iter()
            .map(|c| (keys::GSI2, keys::feed_by_creator(c, 0, "").0))
            .collect(),
        (None, Some(groups)) => groups
            .iter()
            .map(|g| (keys::GSI1, keys::feed_by_group(g, 0, "").0))
            .collect(),
        (None, None) => s
            .store
            .list_feed_groups()
            .await?
            .iter()
            .map(|g| (keys::GSI1, keys::feed_by_group(&g.id, 0, "").0))
            .collect(),
    };
    let mut pos: Position = match &req.next {
        Some(c) => s.cursors.decode("next", c)?,
        None => Position::default(),
    };
    let mut found: Vec<Feed> = Vec::new();
    while pos.partition < partitions.len() && found.len() < limit {
        let (index, partition) = &partitions[pos.partition];
        let (fids, next) = s
            .store
            .feeds_in_index(
                index,
                partition,
                limit - found.len(),
                pos.after.take(),
                newest_first,
            )
            .await?;
        let feeds = s.store.get_feeds(&fids).await?;
        let matching: Vec<Feed> = fids
            .iter()
            .filter_map(|f| feeds.get(f))
            .filter(|f| cond.accepts(f))
            .cloned()
            .collect();
        // A user sees only the feeds it may read.
        let access = s.store.feeds_access(&caller, &matching).await?;
        found.extend(
            matching
                .into_iter()
                .zip(access)
                .filter(|(_, a)| a.allows(Capability::ReadFeed))
                .map(|(f, _)| f),
        );
        match next {
            Some(after) => pos.after = Some(after),
            None => pos.partition += 1,
        }
    }
    let rendered = render::feeds(&s.store, &found).await?;
    let next = (pos.partition < partitions.len()).then(|| s.cursors.encode(&pos));
    Ok(Json(FeedsReply {
        feeds: rendered,
        next,
    }))
}
