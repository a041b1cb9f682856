//! `query_revision_history` (`POST /api/v2/feeds/revisions/query`, server-side only): an
//! activity's or a comment's recorded changes (`tributary_core::revisions`, kept while the
//! app's `feed_audit_logs_enabled` is on), newest first unless sorted by `created_at`
//! ascending, with `next` and `prev` cursors.
//!
//! The filter names the object: `object_type` (`activity` or `comment`) and `object_id`,
//! each a value or `{"$eq": value}`; it may also narrow by `action_type`, `actor_type`,
//! `user_id` (`$eq`, `$in`) and `created_at` (`$gt`, `$gte`, `$lt`, `$lte`). A page is one
//! Query of the object's history (more only when the filter skips entries, up to a budget).

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tributary_domain::filter::predicate;
use tributary_domain::time::Nanos;
use tributary_domain::validate;
use tributary_domain::{ApiError, ApiResult};
use tributary_http::paging::Paging;
use tributary_http::{AppState, Auth, Body, HttpResult};
use tributary_store::revisions::Revision;

const DEFAULT_LIMIT: usize = 25;
const MAX_LIMIT: usize = 100;
/// Revisions one query may examine looking for those its filter keeps.
const EXAMINE_BUDGET: usize = 1000;

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct QueryRevisionHistoryRequest {
    #[schema(value_type = Option<Object>)]
    filter: Option<Value>,
    sort: Option<Vec<crate::collections::SortParam>>,
    limit: Option<i64>,
    next: Option<String>,
    prev: Option<String>,
}

/// Stream's `RevisionHistoryResponse`.
#[derive(Debug, Serialize)]
pub struct RevisionResponse {
    action_type: String,
    actor_type: String,
    created_at: Nanos,
    object_id: String,
    object_type: String,
    user_id: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    changed_fields: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    previous_obj_serialized: Option<Value>,
}

impl From<Revision> for RevisionResponse {
    fn from(r: Revision) -> Self {
        RevisionResponse {
            action_type: r.action_type,
            actor_type: r.actor_type,
            created_at: r.created_at,
            object_id: r.object_id,
            object_type: r.object_type,
            user_id: r.user_id,
            changed_fields: r.changed_fields,
            previous_obj_serialized: r.previous,
        }
    }
}

/// Stream's `QueryRevisionHistoryResponse`.
#[derive(Debug, Serialize)]
pub struct QueryRevisionHistoryReply {
    revisions: Vec<RevisionResponse>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    prev: Option<String>,
}

fn revision_field(name: &str) -> Option<predicate::Field> {
    let (kind, ops) = match name {
        "action_type" | "actor_type" | "user_id" => (predicate::Kind::Plain, predicate::EQ_IN),
        "created_at" => (predicate::Kind::Time, predicate::RANGE),
        _ => return None,
    };
    Some(predicate::Field {
        name: "",
        kind,
        ops,
    })
}

fn revision_value(r: &Revision, name: &str) -> Option<Value> {
    Some(match name {
        "action_type" => Value::from(r.action_type.clone()),
        "actor_type" => Value::from(r.actor_type.clone()),
        "user_id" => Value::from(r.user_id.clone()),
        "created_at" => Value::from(r.created_at),
        _ => return None,
    })
}

/// The object a filter names (`object_type`, `object_id`), and the rest of the filter.
fn object_of(filter: Option<&Value>) -> ApiResult<((String, String), Map<String, Value>)> {
    let mut rest = match filter {
        Some(Value::Object(map)) => map.clone(),
        None | Some(Value::Null) => Map::new(),
        Some(_) => return Err(ApiError::field("filter", "filter: must be an object")),
    };
    let mut take = |name: &str| -> ApiResult<String> {
        let missing = || {
            ApiError::field(
                format!("filter.{name}"),
                format!("filter.{name}: required, as a value or {{\"$eq\": value}}"),
            )
        };
        let value = match rest.remove(name).ok_or_else(missing)? {
            Value::Object(ops) if ops.len() == 1 => ops.get("$eq").cloned().ok_or_else(missing)?,
            v => v,
        };
        value
            .as_str()
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .ok_or_else(missing)
    };
    let object_type = take("object_type")?;
    let object_id = take("object_id")?;
    if object_type != "activity" && object_type != "comment" {
        return Err(ApiError::field(
            "filter.object_type",
            "filter.object_type: revisions are kept for activity and comment",
        ));
    }
    validate::id("filter.object_id", &object_id)?;
    Ok(((object_type, object_id), rest))
}

pub async fn query_revision_history(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Body(req): Body<QueryRevisionHistoryRequest>,
) -> HttpResult<Json<QueryRevisionHistoryReply>> {
    if !caller.is_server() {
        return Err(
            ApiError::not_allowed("only server-side requests may read revision history").into(),
        );
    }
    let ((object_type, object_id), rest) = object_of(req.filter.as_ref())?;
    let cond = predicate::parse(Some(&Value::Object(rest)), &revision_field)?;
    let limit = validate::limit("limit", req.limit, DEFAULT_LIMIT, MAX_LIMIT)?.max(1);
    let newest = crate::polls::time_order(req.sort.as_deref(), "revisions")?;
    let scope = format!("{object_type}:{object_id}");
    let paging = Paging::from_request(
        &s.cursors,
        req.next.as_deref(),
        req.prev.as_deref(),
        &scope,
        newest,
    )?;
    // Pages of the history until one more than `limit` match, the history ends or the
    // examining budget does (then `resume` says where to go on).
    let oldest_first = !paging.reads_newest_first(newest);
    let mut page: Vec<(String, Revision)> = Vec::new();
    let mut after = paging.after.clone();
    let mut examined = 0;
    let mut resume = None;
    loop {
        let listed = s
            .store
            .revisions(
                &object_type,
                &object_id,
                limit + 1,
                after.as_deref(),
                oldest_first,
            )
            .await?;
        examined += listed.revisions.len();
        let last_seen = listed.revisions.last().map(|(p, _)| p.clone());
        page.extend(
            listed
                .revisions
                .into_iter()
                .filter(|(_, r)| cond.matches(&|f| revision_value(r, f))),
        );
        if page.len() > limit || listed.last.is_none() {
            break;
        }
        if examined >= EXAMINE_BUDGET {
            resume = last_seen;
            break;
        }
        after = listed.last;
    }
    let (next, prev) = paging.finish(&s.cursors, &scope, newest, &mut page, limit, resume);
    Ok(Json(QueryRevisionHistoryReply {
        revisions: page.into_iter().map(|(_, r)| r.into()).collect(),
        next,
        prev,
    }))
}
