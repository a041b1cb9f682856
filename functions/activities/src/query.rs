// Over 400 lines only with its unit tests; the query itself is one read path.
//! `query_activities`: activities matching a filter, newest first (or oldest first, or by a
//! counter), with cursors.
//!
//! The filter picks where candidates come from (see `shared/store/queries.md`):
//! - `id` (`$eq`/`$in`): the activities themselves, one batched read;
//! - `user_id`: each user's activities on gsi1;
//! - `feed`: each feed's entries;
//! - otherwise: every activity on gsi3, one partition per year that holds any, with an
//!   `activity_type` filter applied on the index.
//!
//! Partitions are merged in time order and `created_at` ranges bound the reads. Everything
//! else in the filter is checked on the fetched activities; a request examines at most
//! [`EXAMINE_BUDGET`] candidates and returns a cursor when it stops early.

use serde::Deserialize;
use serde_json::{json, Value};
use tributary_domain::access::Capability;
use tributary_domain::caller::Caller;
use tributary_domain::filter::predicate::{self, Cond, Field, Kind};
use tributary_domain::model::{Activity, Visibility};
use tributary_domain::time::{now_nanos, Nanos};
use tributary_domain::validate;
use tributary_domain::ApiError;
use tributary_domain::ApiResult;
use tributary_http::AppState;
use tributary_store::keys;
use tributary_store::walk::{self, PageCursor as Cursor, Walk};
use tributary_store::TimePartition;
use tributary_v3::render::{self, Enrichment};
use tributary_v3::responses::ActivityResponse;

const DEFAULT_LIMIT: usize = 25;
const MAX_LIMIT: usize = 100;
/// Candidates one request may examine before it returns what it found with a cursor.
pub const EXAMINE_BUDGET: usize = 2000;
/// Counter sorts rank at most this many matches (the newest).
pub const RANK_WINDOW: usize = 1000;

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct QueryActivitiesRequest {
    pub filter: Option<Value>,
    pub sort: Option<Vec<SortParam>>,
    pub limit: Option<i64>,
    pub next: Option<String>,
    pub user_id: Option<String>,
    #[serde(default)]
    pub include_soft_deleted_activities: bool,
    #[serde(default)]
    pub include_expired_activities: bool,
    #[serde(default)]
    pub include_private_activities: bool,
    pub enrich_own_fields: Option<bool>,
    pub enrichment_options: Option<Value>,
}

/// One entry of a query's `sort`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SortParam {
    pub field: Option<String>,
    pub direction: Option<i64>,
}

/// The fields `query_activities` filters on and the operators each takes.
fn field(name: &str) -> Option<Field> {
    use predicate::{ANY, EQ_IN, RANGE, TAGS, TEXT};
    let (kind, ops) = match name {
        "id" | "activity_type" | "type" | "user_id" | "feed" | "feeds" | "fid" | "visibility" => {
            (Kind::Plain, EQ_IN)
        }
        "filter_tags" | "interest_tags" | "mentioned_user_ids" => (Kind::Plain, TAGS),
        "created_at" | "updated_at" => (Kind::Time, RANGE),
        "expires_at" => (
            Kind::Time,
            &[
                predicate::Op::Eq,
                predicate::Op::Gt,
                predicate::Op::Gte,
                predicate::Op::Lt,
                predicate::Op::Lte,
                predicate::Op::Exists,
            ][..],
        ),
        "popularity" | "reaction_count" | "comment_count" | "share_count" | "score" => {
            (Kind::Plain, ANY)
        }
        "text" => (Kind::Plain, TEXT),
        "search_data" => (
            Kind::Plain,
            &[predicate::Op::Q, predicate::Op::Autocomplete][..],
        ),
        "near" => (Kind::Near, EQ_IN),
        "within_bounds" => (Kind::Bounds, EQ_IN),
        n => return predicate::custom_field(n),
    };
    Some(Field {
        name: "",
        kind,
        ops,
    })
}

/// The value of a filter field on an activity.
fn value_of(a: &Activity, name: &str) -> Option<Value> {
    let c = &a.content;
    Some(match name {
        "id" => json!(a.id),
        "activity_type" | "type" => json!(a.activity_type),
        "user_id" => json!(a.user_id),
        "feed" | "feeds" | "fid" => json!(c.feeds),
        "visibility" => serde_json::to_value(c.visibility).ok()?,
        "filter_tags" => json!(c.filter_tags),
        "interest_tags" => json!(c.interest_tags),
        "mentioned_user_ids" => json!(c.mentioned_user_ids),
        "created_at" => json!(a.created_at),
        "updated_at" => json!(a.updated_at),
        "expires_at" => json!(c.expires_at?),
        "popularity" => json!(a.weighted_popularity()),
        "reaction_count" => json!(a.reaction_count),
        "comment_count" => json!(a.comment_count),
        "share_count" => json!(a.share_count),
        "score" => json!(a.score),
        "text" => json!(c.text.as_ref()?),
        "search_data" => Value::Object(c.search_data.clone()),
        "near" | "within_bounds" => serde_json::to_value(c.location.as_ref()?).ok()?,
        custom => return predicate::custom_value(&c.custom, custom),
    })
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Order {
    Time {
        newest_first: bool,
    },
    /// By a counter, highest first (or lowest first), ties newest first.
    Counter {
        field: &'static str,
        desc: bool,
    },
}

fn order(sort: Option<&[SortParam]>) -> ApiResult<Order> {
    let Some(first) = sort.and_then(|s| s.first()) else {
        return Ok(Order::Time { newest_first: true });
    };
    if sort.is_some_and(|s| s.len() > 1) {
        return Err(ApiError::field(
            "sort",
            "sort: activities sort by one field",
        ));
    }
    let desc = match first.direction.unwrap_or(-1) {
        -1 => true,
        1 => false,
        d => {
            return Err(ApiError::field(
                "sort",
                format!("sort: direction must be 1 or -1, got {d}"),
            ))
        }
    };
    let field = match first.field.as_deref().unwrap_or("created_at") {
        "created_at" => return Ok(Order::Time { newest_first: desc }),
        "popularity" => "popularity",
        "reaction_count" => "reaction_count",
        "comment_count" => "comment_count",
        "share_count" => "share_count",
        "score" => "score",
        other => {
            return Err(ApiError::field(
                "sort",
                format!(
                    "sort: '{other}' is not one of created_at, popularity, reaction_count, \
                     comment_count, share_count, score"
                ),
            ))
        }
    };
    Ok(Order::Counter { field, desc })
}

/// Where candidates come from.
enum Source {
    Ids(Vec<String>),
    Partitions {
        parts: Vec<TimePartition>,
        types: Option<Vec<String>>,
    },
}

async fn source(
    state: &AppState,
    cond: &Cond,
    range: (Option<Nanos>, Option<Nanos>),
) -> ApiResult<Source> {
    if let Some(ids) = predicate::pinned(cond, "id") {
        return Ok(Source::Ids(ids));
    }
    if let Some(users) = predicate::pinned(cond, "user_id") {
        let parts = users
            .iter()
            .map(|u| TimePartition::index(keys::GSI1, keys::activities_of_user(u)))
            .collect();
        return Ok(Source::Partitions { parts, types: None });
    }
    let feeds = ["feed", "feeds", "fid"]
        .iter()
        .find_map(|f| predicate::pinned(cond, f));
    if let Some(feeds) = feeds {
        let parts = feeds
            .iter()
            .map(|f| TimePartition::table(keys::feed_partition(f), keys::FEED_ENTRY_PREFIX))
            .collect();
        return Ok(Source::Partitions { parts, types: None });
    }
    let (from, to) = range;
    let first = from.map(keys::activity_bucket);
    let last = to.map(|t| keys::activity_bucket(t.saturating_sub(1)));
    let parts = state
        .store
        .activity_buckets()
        .await?
        .into_iter()
        .filter(|b| first.is_none_or(|f| *b >= f) && last.is_none_or(|l| *b <= l))
        .map(|b| TimePartition::index(keys::GSI3, keys::activity_bucket_partition(b)))
        .collect();
    let types =
        predicate::pinned(cond, "activity_type").or_else(|| predicate::pinned(cond, "type"));
    Ok(Source::Partitions { parts, types })
}

fn position(a: &Activity) -> String {
    walk::position(a.created_at, &a.id)
}

/// Who is asking, what they may see and what they asked for.
struct Scope<'a> {
    cond: &'a Cond,
    range: (Option<Nanos>, Option<Nanos>),
    caller: &'a Caller,
    reader: Option<&'a str>,
    req: &'a QueryActivitiesRequest,
    now: Nanos,
}

impl Scope<'_> {
    fn shows(&self, a: &Activity) -> bool {
        if a.deleted_at.is_some() && !self.req.include_soft_deleted_activities {
            return false;
        }
        if a.content.expires_at.is_some_and(|e| e <= self.now)
            && !self.req.include_expired_activities
        {
            return false;
        }
        if a.content.visibility == Visibility::Private {
            return match (self.caller, self.reader) {
                // A server request acting for a user sees as that user does.
                (_, Some(me)) => me == a.user_id,
                (Caller::Server, None) => self.req.include_private_activities,
                _ => false,
            };
        }
        true
    }
}

/// Finds up to `want` matches in time order after `after`. Returns them and the position to
/// continue from when more may follow.
async fn scan(
    state: &AppState,
    source: &Source,
    scope: &Scope<'_>,
    newest_first: bool,
    after: Option<String>,
    want: usize,
) -> ApiResult<(Vec<Activity>, Option<String>)> {
    let accepts = |a: &Activity| scope.shows(a) && scope.cond.matches(&|f| value_of(a, f));
    let (from, to) = walk::bounds(scope.range);
    let (parts, types): (&[TimePartition], _) = match source {
        Source::Ids(_) => (&[], None),
        Source::Partitions { parts, types } => (parts, types.as_deref()),
    };
    let walk = Walk {
        parts,
        from: &from,
        to: &to,
        newest_first,
        types,
        want,
        budget: EXAMINE_BUDGET,
    };
    if let Source::Ids(ids) = source {
        let found = state.store.get_activities(ids).await?;
        let list = found.into_values().filter(accepts).collect();
        return Ok(walk::page_in_memory(
            list,
            position,
            &walk,
            after.as_deref(),
        ));
    }
    let load = |ids: Vec<String>| async move { state.store.get_activities(&ids).await };
    walk::matches(&state.store, &walk, after, load, accepts).await
}

pub async fn query(
    state: &AppState,
    caller: &Caller,
    req: &QueryActivitiesRequest,
) -> ApiResult<(Vec<ActivityResponse>, Option<String>)> {
    let reader = caller.acting_user(req.user_id.as_deref())?;
    let limit = validate::limit("limit", req.limit, DEFAULT_LIMIT, MAX_LIMIT)?;
    let cond = predicate::parse(req.filter.as_ref(), &field)?;
    let order = order(req.sort.as_deref())?;
    let cursor = match &req.next {
        Some(c) if !c.is_empty() => Some(state.cursors.decode::<Cursor>("next", c)?),
        _ => None,
    };
    let range = predicate::time_range(&cond, "created_at");
    let source = source(state, &cond, range).await?;
    let scope = Scope {
        cond: &cond,
        range,
        caller,
        reader: reader.as_deref(),
        req,
        now: now_nanos(),
    };
    let (page, next) = match order {
        Order::Time { newest_first } => {
            let after = match cursor {
                Some(Cursor::After(p)) => Some(p),
                None => None,
                Some(Cursor::Offset(_)) => {
                    return Err(ApiError::field(
                        "next",
                        "next: this cursor belongs to another sort",
                    ))
                }
            };
            let (page, resume) = if limit == 0 {
                (vec![], None)
            } else {
                scan(state, &source, &scope, newest_first, after, limit).await?
            };
            (page, resume.map(Cursor::After))
        }
        Order::Counter { field, desc } => {
            let offset = match cursor {
                Some(Cursor::Offset(o)) => o,
                None => 0,
                Some(Cursor::After(_)) => {
                    return Err(ApiError::field(
                        "next",
                        "next: this cursor belongs to another sort",
                    ))
                }
            };
            let (mut ranked, _) = scan(state, &source, &scope, true, None, RANK_WINDOW).await?;
            let key = |a: &Activity| value_of(a, field).and_then(|v| v.as_f64()).unwrap_or(0.0);
            ranked.sort_by(|a, b| {
                let by = if desc {
                    key(b).total_cmp(&key(a))
                } else {
                    key(a).total_cmp(&key(b))
                };
                by.then(b.created_at.cmp(&a.created_at))
            });
            let end = (offset + limit).min(ranked.len());
            let more = end < ranked.len();
            let page = ranked.drain(offset.min(end)..end).collect();
            (page, more.then_some(Cursor::Offset(end)))
        }
    };
    // A user sees only activities in feeds they may read.
    let page: Vec<Activity> = if caller.is_server() {
        page
    } else {
        let refs: Vec<&Activity> = page.iter().collect();
        let allowed = state
            .store
            .activities_allow(caller, &refs, Capability::ReadActivities)
            .await?;
        page.into_iter()
            .zip(allowed)
            .filter_map(|(a, ok)| ok.then_some(a))
            .collect()
    };
    let enrich = Enrichment::from_options(req.enrichment_options.as_ref());
    let reader_for_own = reader
        .as_deref()
        .filter(|_| req.enrich_own_fields != Some(false));
    let (mut rendered, _) =
        render::activities_with_users(&state.store, &page, &[], reader_for_own, enrich).await?;
    let as_reader = match (caller, &reader) {
        (Caller::Server, Some(user)) => Caller::User(user.clone()),
        _ => caller.clone(),
    };
    render::apply_previews(&state.store, &as_reader, &page, &mut rendered).await?;
    Ok((rendered, next.map(|c| state.cursors.encode(&c))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts() {
        let s = |field: &str, direction: i64| {
            vec![SortParam {
                field: Some(field.into()),
                direction: Some(direction),
            }]
        };
        assert_eq!(order(None).unwrap(), Order::Time { newest_first: true });
        assert_eq!(
            order(Some(&s("created_at", 1))).unwrap(),
            Order::Time {
                newest_first: false
            }
        );
        assert_eq!(
            order(Some(&s("popularity", -1))).unwrap(),
            Order::Counter {
                field: "popularity",
                desc: true
            }
        );
        let err = order(Some(&s("colour", 1))).unwrap_err().to_string();
        assert!(err.contains("colour"), "{err}");
        assert!(order(Some(&s("created_at", 2))).is_err());
    }
}
