//! `GET enrich/activities/`: the activities `activities/` reads (by `ids`, or by
//! `foreign_ids` + `timestamps`; `read::find`), with `SU:`/`SO:` references resolved and
//! reactions added as asked (`tributary_v2::enrich`).

use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};

use tributary_http::v2::{Action, V2Auth, V2Query, V2Result};
use tributary_http::AppState;
use tributary_v2::activity::render;
use tributary_v2::enrich::{enrich, EnrichOptions};

pub async fn get(
    State(state): State<AppState>,
    V2Auth(auth): V2Auth,
    q: V2Query,
) -> V2Result<Json<Value>> {
    auth.require("activities", Action::Read, None)?;
    let options = EnrichOptions::from_query(&q.0, &auth.caller)?;
    let mut results: Vec<Value> = crate::read::find(&state, &auth.caller, &q)
        .await?
        .iter()
        .map(|a| render(a, None))
        .collect();
    enrich(&state.store, &mut results, &options).await?;
    Ok(Json(json!({ "results": results })))
}
