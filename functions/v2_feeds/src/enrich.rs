//! `GET enrich/feed/{group}/{id}/`: the page `feed/{group}/{id}/` reads (the same paging,
//! through `read::flat`, or the same groups for groups that aggregate), with `SU:`/`SO:`
//! references resolved and reactions added as asked (`tributary_v2::enrich`).

use axum::extract::{Path, State};
use axum::Json;
use serde_json::{json, Value};

use tributary_http::v2::{Action, V2Auth, V2Query, V2Result};
use tributary_http::AppState;
use tributary_v2::enrich::{enrich, EnrichOptions};

use crate::fid_of;
use crate::read::{aggregating, flat};

pub async fn read(
    State(state): State<AppState>,
    V2Auth(auth): V2Auth,
    Path((group, id)): Path<(String, String)>,
    q: V2Query,
) -> V2Result<Json<Value>> {
    let fid = fid_of(&group, &id)?;
    auth.require("feed", Action::Read, Some(&fid))?;
    let options = EnrichOptions::from_query(&q.0, &auth.caller)?;
    if let Some(kind) = aggregating(&state, &auth.caller, &group, &fid).await? {
        let mut answer = crate::aggregated::read(&state, &fid, kind, &q).await?;
        if let Some(Value::Array(groups)) = answer.get_mut("results") {
            enrich(&state.store, groups, &options).await?;
        }
        return Ok(Json(answer));
    }
    let base = format!("/api/v1.0/enrich/feed/{group}/{id}/");
    let (mut results, next) = flat(&state, &auth.caller, &fid, &q, &base).await?;
    enrich(&state.store, &mut results, &options).await?;
    Ok(Json(json!({"results": results, "next": next})))
}
