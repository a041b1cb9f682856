//! `GET enrich/feed/{group}/{id}/`: the page `feed/{group}/{id}/` reads (the same paging,
//! through `read::page`, or the same groups for groups that aggregate), with `SU:`/`SO:`
//! references resolved and reactions added as asked (`tributary_v2::enrich`).

use axum::extract::{Path, State};
use axum::Json;
use serde_json::{json, Value};

use tributary_core::feed_page;
use tributary_core::groups::Kind;
use tributary_domain::ApiError;
use tributary_http::v2::{Action, V2Auth, V2Query, V2Result};
use tributary_http::AppState;
use tributary_v2::enrich::{enrich, EnrichOptions};

use crate::fid_of;
use crate::read::{origin_of, page};

pub async fn read(
    State(state): State<AppState>,
    V2Auth(auth): V2Auth,
    Path((group, id)): Path<(String, String)>,
    q: V2Query,
) -> V2Result<Json<Value>> {
    let fid = fid_of(&group, &id)?;
    auth.require("feed", Action::Read, Some(&fid))?;
    let options = EnrichOptions::from_query(&q.0, &auth.caller)?;
    let feed_group = state
        .store
        .get_feed_group(&group)
        .await?
        .filter(|g| g.deleted_at.is_none())
        .ok_or_else(|| ApiError::field("feed", format!("feed group '{group}' does not exist")))?;
    let kind = Kind::of(&feed_group);
    if kind.aggregated {
        if let Some(feed) = state.store.get_feed(&fid).await? {
            feed_page::access(&state.store.feed_access(&auth.caller, &feed).await?)?;
        }
        let mut answer = crate::aggregated::read(&state, &fid, kind, &q).await?;
        if let Some(Value::Array(groups)) = answer.get_mut("results") {
            enrich(&state.store, groups, &options).await?;
        }
        return Ok(Json(answer));
    }
    let (found, more, limit) = page(&state, &auth.caller, &fid, &q).await?;
    let mut results: Vec<Value> = found
        .iter()
        .map(|e| tributary_v2::activity::render(&e.activity, origin_of(e, &fid)))
        .collect();
    enrich(&state.store, &mut results, &options).await?;
    let next = match (more, found.last()) {
        (true, Some(last)) => format!(
            "/api/v1.0/enrich/feed/{group}/{id}/?id_lt={}&limit={limit}",
            last.activity.id
        ),
        _ => String::new(),
    };
    Ok(Json(json!({"results": results, "next": next})))
}
