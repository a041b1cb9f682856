//! Membership levels (`/api/v2/feeds/membership_levels...`): server-side only. An app
//! defines a handful, so a query reads them all (one small partition) and filters, sorts and
//! pages in memory.

use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{Map, Value};
use tributary_domain::caller::Caller;
use tributary_domain::filter::predicate::{self, Field, Kind, Op, EQ_IN};
use tributary_domain::model::member::MembershipLevel;
use tributary_domain::time::now_nanos;
use tributary_domain::validate;
use tributary_domain::ApiError;
use tributary_domain::ApiResult;
use tributary_http::{AppState, Auth, Body, HttpResult};
use tributary_v3::members::{MembershipLevelReply, MembershipLevelResponse, MembershipLevelsReply};
use tributary_v3::replies::EmptyReply;

use crate::listing::{page_of, sort_by_fields, sort_keys, SortParam};

const DEFAULT_LIMIT: usize = 25;
const MAX_LIMIT: usize = 100;

fn server_only(caller: &Caller) -> ApiResult<()> {
    if caller.is_server() {
        Ok(())
    } else {
        Err(ApiError::not_allowed(
            "membership levels can only be managed server-side",
        ))
    }
}

fn reply(level: &MembershipLevel) -> HttpResult<Json<MembershipLevelReply>> {
    Ok(Json(MembershipLevelReply {
        membership_level: MembershipLevelResponse::from(level),
    }))
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("membership level '{id}' does not exist"))
}

fn check_name(name: &str) -> ApiResult<()> {
    if name.trim().is_empty() {
        return Err(ApiError::field("name", "name must not be empty"));
    }
    Ok(())
}

fn check_tags(tags: &[String]) -> ApiResult<()> {
    if tags.len() > validate::MAX_TAGS {
        return Err(ApiError::field(
            "tags",
            format!("tags: at most {} entries are allowed", validate::MAX_TAGS),
        ));
    }
    if tags.iter().any(|t| t.is_empty()) {
        return Err(ApiError::field("tags", "tags: entries must not be empty"));
    }
    Ok(())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = CreateMembershipLevelRequest)]
pub struct CreateRequest {
    id: Option<String>,
    name: Option<String>,
    priority: Option<i64>,
    tags: Option<Vec<String>>,
    description: Option<String>,
    #[schema(value_type = Option<Object>)]
    custom: Option<Map<String, Value>>,
}

pub async fn create(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Body(req): Body<CreateRequest>,
) -> HttpResult<Json<MembershipLevelReply>> {
    server_only(&caller)?;
    let id = req.id.unwrap_or_default();
    validate::id("id", &id)?;
    let name = req
        .name
        .ok_or_else(|| ApiError::field("name", "name is a required field"))?;
    check_name(&name)?;
    let tags = req.tags.unwrap_or_default();
    check_tags(&tags)?;
    let now = now_nanos();
    let level = MembershipLevel {
        id,
        name,
        priority: req.priority.unwrap_or(0),
        tags,
        description: req.description,
        custom: req.custom.unwrap_or_default(),
        created_at: now,
        updated_at: now,
    };
    if !s.store.put_membership_level(&level, true).await? {
        return Err(ApiError::field(
            "id",
            format!("id: membership level '{}' already exists", level.id),
        )
        .into());
    }
    reply(&level)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = UpdateMembershipLevelRequest)]
pub struct UpdateRequest {
    name: Option<String>,
    priority: Option<i64>,
    tags: Option<Vec<String>>,
    description: Option<String>,
    #[schema(value_type = Option<Object>)]
    custom: Option<Map<String, Value>>,
}

pub async fn update(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
    Body(req): Body<UpdateRequest>,
) -> HttpResult<Json<MembershipLevelReply>> {
    server_only(&caller)?;
    let mut level = s
        .store
        .get_membership_level(&id)
        .await?
        .ok_or_else(|| not_found(&id))?;
    if let Some(name) = req.name {
        check_name(&name)?;
        level.name = name;
    }
    if let Some(priority) = req.priority {
        level.priority = priority;
    }
    if let Some(tags) = req.tags {
        check_tags(&tags)?;
        level.tags = tags;
    }
    if let Some(description) = req.description {
        level.description = Some(description);
    }
    if let Some(custom) = req.custom {
        level.custom = custom;
    }
    level.updated_at = now_nanos();
    if !s.store.put_membership_level(&level, false).await? {
        return Err(not_found(&id).into());
    }
    reply(&level)
}

pub async fn delete(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Path(id): Path<String>,
) -> HttpResult<Json<EmptyReply>> {
    server_only(&caller)?;
    if !s.store.delete_membership_level(&id).await? {
        return Err(not_found(&id).into());
    }
    Ok(Json(EmptyReply {}))
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = QueryMembershipLevelsRequest)]
pub struct QueryRequest {
    filter: Option<Value>,
    sort: Option<Vec<SortParam>>,
    limit: Option<i64>,
    next: Option<String>,
    prev: Option<String>,
}

fn level_fields(name: &str) -> Option<Field> {
    const NUMBER: &[Op] = &[Op::Eq, Op::In, Op::Gt, Op::Gte, Op::Lt, Op::Lte];
    let ops = match name {
        "id" | "name" => EQ_IN,
        "priority" => NUMBER,
        _ => return None,
    };
    Some(Field {
        name: "",
        kind: Kind::Plain,
        ops,
    })
}

fn level_value(l: &MembershipLevel, field: &str) -> Option<Value> {
    Some(match field {
        "id" => Value::from(l.id.clone()),
        "name" => Value::from(l.name.clone()),
        "priority" => Value::from(l.priority),
        "created_at" => Value::from(l.created_at),
        "updated_at" => Value::from(l.updated_at),
        _ => return None,
    })
}

/// Levels sort by priority, highest first, unless `sort` says otherwise; ties by id.
pub async fn query(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Body(req): Body<QueryRequest>,
) -> HttpResult<Json<MembershipLevelsReply>> {
    server_only(&caller)?;
    let limit = validate::limit("limit", req.limit, DEFAULT_LIMIT, MAX_LIMIT)?;
    let cond = predicate::parse(req.filter.as_ref(), &level_fields)?;
    let order = sort_keys(
        req.sort.as_deref(),
        &["priority", "created_at", "updated_at", "id", "name"],
        ("priority", true),
    )?;
    let mut found: Vec<MembershipLevel> = s
        .store
        .membership_levels()
        .await?
        .into_iter()
        .filter(|l| cond.matches(&|f| level_value(l, f)))
        .collect();
    sort_by_fields(&mut found, &order, level_value, |a, b| a.id.cmp(&b.id));
    let (page, next, prev) = page_of(&s, found, limit, req.next.as_deref(), req.prev.as_deref())?;
    Ok(Json(MembershipLevelsReply {
        membership_levels: page.iter().map(MembershipLevelResponse::from).collect(),
        next,
        prev,
    }))
}
