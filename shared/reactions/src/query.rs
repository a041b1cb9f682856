//! Querying reactions: by activity or comment ids, filtered by type and user, newest or
//! oldest first, with cursors.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tributary_domain::caller::Caller;
use tributary_domain::filter::predicate::{self, Field, Kind, EQ_IN};
use tributary_domain::model::reaction::{Reaction, Subject};
use tributary_domain::validate;
use tributary_domain::ApiError;
use tributary_domain::ApiResult;
use tributary_http::AppState;

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct QueryReactionsRequest {
    pub filter: Option<Value>,
    pub sort: Option<Vec<SortParam>>,
    pub limit: Option<i64>,
    pub next: Option<String>,
    pub activity_ids: Option<Vec<String>>,
    pub comment_ids: Option<Vec<String>>,
}

/// One entry of a query's `sort`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SortParam {
    field: Option<String>,
    direction: Option<i64>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Position {
    activity: usize,
    after: Option<String>,
}

struct Filter {
    kinds: Option<Vec<String>>,
    users: Option<Vec<String>>,
}

fn parse_filter(v: Option<&Value>) -> ApiResult<Filter> {
    let mut f = Filter {
        kinds: None,
        users: None,
    };
    let fields = |name: &str| {
        matches!(name, "reaction_type" | "type" | "user_id").then_some(Field {
            name: "",
            kind: Kind::Plain,
            ops: EQ_IN,
        })
    };
    for term in predicate::parse_terms(v, &fields)? {
        match term.field.as_str() {
            "user_id" => f.users = Some(term.values),
            _ => f.kinds = Some(term.values),
        }
    }
    Ok(f)
}

fn newest_first(sort: Option<&[SortParam]>) -> ApiResult<bool> {
    match sort {
        None | Some([]) => Ok(true),
        Some([one]) => {
            let field = one.field.as_deref().unwrap_or("created_at");
            if field != "created_at" {
                return Err(ApiError::field(
                    "sort",
                    format!("sort: reactions sort by created_at only, not '{field}'"),
                ));
            }
            Ok(one.direction.unwrap_or(-1) < 0)
        }
        Some(_) => Err(ApiError::field(
            "sort",
            "sort: reactions sort by one field (created_at)",
        )),
    }
}

/// Reactions to one or several activities, filtered by type and user, newest first unless
/// sorted otherwise, a page at a time.
fn subject(on: On, id: &str) -> Subject<'_> {
    match on {
        On::Activities => Subject::Activity(id),
        On::Comments => Subject::Comment(id),
    }
}

/// What a reactions query lists the reactions of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum On {
    Activities,
    Comments,
}

pub async fn query(
    state: &AppState,
    caller: &Caller,
    on: On,
    activity_ids: &[String],
    req: &QueryReactionsRequest,
) -> ApiResult<(Vec<Reaction>, Option<String>)> {
    let limit = validate::limit("limit", req.limit, 25, 100)?;
    let filter = parse_filter(req.filter.as_ref())?;
    let newest = newest_first(req.sort.as_deref())?;
    for (i, id) in activity_ids.iter().enumerate() {
        validate::id(&format!("activity_ids[{i}]"), id)?;
    }
    let mut pos: Position = match &req.next {
        Some(c) => state.cursors.decode("next", c)?,
        None => Position {
            activity: 0,
            after: None,
        },
    };
    // The activity each subject belongs to (a comment's is its object).
    let owners: std::collections::HashMap<String, String> = match on {
        On::Activities => activity_ids
            .iter()
            .map(|id| (id.clone(), id.clone()))
            .collect(),
        On::Comments => {
            let found = state.store.get_comments(activity_ids).await?;
            let mut owners = std::collections::HashMap::new();
            for id in activity_ids {
                let c = found
                    .get(id)
                    .ok_or_else(|| ApiError::not_found(format!("comment '{id}' does not exist")))?;
                owners.insert(id.clone(), c.object_id.clone());
            }
            owners
        }
    };
    require_readable(state, caller, owners.values()).await?;
    let mut out = Vec::new();
    while pos.activity < activity_ids.len() && out.len() < limit {
        let (page, next) = state
            .store
            .reactions_page(
                subject(on, &activity_ids[pos.activity]),
                &owners[&activity_ids[pos.activity]],
                limit - out.len(),
                pos.after.as_deref(),
                newest,
            )
            .await?;
        out.extend(page.into_iter().filter(|r| {
            filter.kinds.as_ref().is_none_or(|k| k.contains(&r.kind))
                && filter.users.as_ref().is_none_or(|u| u.contains(&r.user_id))
        }));
        match next {
            Some(after) => pos.after = Some(after),
            None => {
                pos.activity += 1;
                pos.after = None;
            }
        }
    }
    let next = (pos.activity < activity_ids.len()).then(|| state.cursors.encode(&pos));
    Ok((out, next))
}

/// Refuses (403, code 17) a user who may not read every activity listed (activities that
/// no longer exist have no reactions to show).
async fn require_readable<'a>(
    state: &AppState,
    caller: &Caller,
    activity_ids: impl Iterator<Item = &'a String>,
) -> ApiResult<()> {
    if caller.is_server() {
        return Ok(());
    }
    let ids: Vec<String> = activity_ids.cloned().collect();
    let readable = state.store.readable_activities(caller, &ids).await?;
    match readable.iter().find(|(_, ok)| !**ok) {
        Some((id, _)) => Err(ApiError::not_allowed(format!(
            "not allowed to read the reactions of activity '{id}'"
        ))),
        None => Ok(()),
    }
}
