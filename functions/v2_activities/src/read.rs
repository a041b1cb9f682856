//! `GET activities/`: activities by `ids=a,b`, or by `foreign_ids=f1,f2&timestamps=t1,t2`
//! (pairs, in order). Ids or pairs that name nothing are left out; so are deleted and expired
//! activities and, for a user's token, those the user may not read.

use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};

use tributary_domain::access::Capability;
use tributary_domain::caller::Caller;
use tributary_domain::model::Activity;
use tributary_domain::{validate, ApiError, ApiResult};
use tributary_http::v2::{Action, V2Auth, V2Query, V2Result};
use tributary_http::AppState;
use tributary_v2::activity::render;

use crate::lookup::{self, parse_time, Named};

/// Most activities one request may name (Stream's limit).
pub const MAX_IDS: usize = 100;

/// The activities the query names, as `{ids}` or `{foreign_ids, timestamps}` say.
pub fn named(q: &V2Query) -> ApiResult<Vec<Named>> {
    let ids = q.all("ids");
    let foreign_ids = q.all("foreign_ids");
    let timestamps = q.all("timestamps");
    let by_foreign = !foreign_ids.is_empty() || !timestamps.is_empty();
    let mut out: Vec<Named> = match (ids.is_empty(), by_foreign) {
        (false, true) => {
            return Err(ApiError::field(
                "ids",
                "give either ids, or foreign_ids and timestamps, not both",
            ))
        }
        (false, false) => ids
            .into_iter()
            .map(|id| validate::id("ids", &id).map(|()| Named::Id(id)))
            .collect::<ApiResult<_>>()?,
        (true, true) => {
            if foreign_ids.len() != timestamps.len() {
                return Err(ApiError::field(
                    "timestamps",
                    format!(
                        "timestamps must give one time per foreign id: {} foreign ids, {} timestamps",
                        foreign_ids.len(),
                        timestamps.len()
                    ),
                ));
            }
            foreign_ids
                .into_iter()
                .zip(&timestamps)
                .map(|(foreign_id, t)| {
                    Ok(Named::ForeignId {
                        foreign_id,
                        time: parse_time("timestamps", t)?,
                    })
                })
                .collect::<ApiResult<_>>()?
        }
        (true, false) => {
            return Err(ApiError::field(
                "ids",
                "ids, or foreign_ids and timestamps, are required",
            ))
        }
    };
    let mut seen = std::collections::HashSet::new();
    out.retain(|n| seen.insert(n.clone()));
    if out.len() > MAX_IDS {
        return Err(ApiError::field(
            "ids",
            format!("at most {MAX_IDS} activities may be read at once"),
        ));
    }
    Ok(out)
}

/// The activities the query names that exist and `caller` may read, in the order named.
pub async fn find(state: &AppState, caller: &Caller, q: &V2Query) -> ApiResult<Vec<Activity>> {
    let named = named(q)?;
    let found: Vec<Activity> = lookup::load(state, &named)
        .await?
        .into_iter()
        .flatten()
        .filter(|a| tributary_core::activities::visible_to(caller, a))
        .collect();
    let refs: Vec<&Activity> = found.iter().collect();
    let allowed = state
        .store
        .activities_allow(caller, &refs, Capability::ReadActivities)
        .await?;
    Ok(found
        .into_iter()
        .zip(allowed)
        .filter_map(|(a, ok)| ok.then_some(a))
        .collect())
}

pub async fn get(
    State(state): State<AppState>,
    V2Auth(auth): V2Auth,
    q: V2Query,
) -> V2Result<Json<Value>> {
    auth.require("activities", Action::Read, None)?;
    let results: Vec<Value> = find(&state, &auth.caller, &q)
        .await?
        .iter()
        .map(|a| render(a, None))
        .collect();
    Ok(Json(json!({ "results": results })))
}
