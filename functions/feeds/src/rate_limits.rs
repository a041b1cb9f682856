//! `get_feeds_rate_limits`: the per-user limit of every feeds endpoint, per platform.
//!
//! A user token sees its own standing in the current window (one Query of its counts). A
//! server token, which is not limited per endpoint, sees the allowance each user starts a
//! window with; `server_side` is never listed, as no endpoint limits server calls (the API as
//! a whole is throttled by API Gateway when deployed).

use std::collections::{BTreeMap, HashMap, HashSet};

use axum::extract::State;
use axum::Json;
use serde::Deserialize;

use tributary_domain::caller::Caller;
use tributary_domain::rate_limit::{endpoint_name, Platform, Standing, Window};
use tributary_domain::time::now_nanos;
use tributary_http::{AppState, Auth, HttpResult, QueryParams};
use tributary_v3::replies::{LimitInfoResponse, RateLimitsReply};

/// The query: which endpoints (comma-separated names) and which platforms; none named
/// means all.
#[derive(Debug, Default, Deserialize)]
pub struct RateLimitsQuery {
    endpoints: Option<String>,
    android: Option<bool>,
    ios: Option<bool>,
    web: Option<bool>,
    unity: Option<bool>,
    unity_desktop: Option<bool>,
    unity_console: Option<bool>,
    server_side: Option<bool>,
}

impl RateLimitsQuery {
    fn platforms(&self) -> Vec<Platform> {
        let asked: Vec<Platform> = [
            (self.android, Platform::Android),
            (self.ios, Platform::Ios),
            (self.web, Platform::Web),
            (self.unity, Platform::Unity),
            (self.unity_desktop, Platform::UnityDesktop),
            (self.unity_console, Platform::UnityConsole),
            (self.server_side, Platform::ServerSide),
        ]
        .into_iter()
        .filter_map(|(flag, platform)| (flag == Some(true)).then_some(platform))
        .collect();
        if asked.is_empty() {
            Platform::ALL.to_vec()
        } else {
            asked
        }
    }

    /// The endpoint names asked for, when the query names any.
    fn endpoints(&self) -> Option<HashSet<String>> {
        let names: HashSet<String> = self
            .endpoints
            .as_deref()?
            .split(',')
            .map(|name| name.trim().to_string())
            .filter(|name| !name.is_empty())
            .collect();
        (!names.is_empty()).then_some(names)
    }
}

/// Every feeds endpoint's name, in order.
fn feeds_endpoints() -> Vec<String> {
    let mut names: Vec<String> = tributary_http::routes::served_operations()
        .iter()
        .filter(|(path, _)| path.starts_with("/api/v2/feeds/"))
        .map(|(_, id)| endpoint_name(id))
        .collect();
    names.sort();
    names.dedup();
    names
}

pub async fn get(
    State(s): State<AppState>,
    Auth(caller): Auth,
    QueryParams(query): QueryParams<RateLimitsQuery>,
) -> HttpResult<Json<RateLimitsReply>> {
    let mut reply = RateLimitsReply::default();
    let Some(limit) = s.config.user_rate_limit else {
        return Ok(Json(reply));
    };
    let window = Window::at(now_nanos() / 1_000_000_000);
    let counts: HashMap<(Platform, String), u64> = match &caller {
        Caller::User(user) => s
            .store
            .request_counts(user, window)
            .await?
            .into_iter()
            .map(|c| ((c.platform, c.endpoint), c.count))
            .collect(),
        _ => HashMap::new(),
    };
    let wanted = query.endpoints();
    let endpoints: Vec<String> = feeds_endpoints()
        .into_iter()
        .filter(|name| wanted.as_ref().is_none_or(|w| w.contains(name)))
        .collect();
    for platform in query.platforms() {
        if platform == Platform::ServerSide {
            continue;
        }
        let limits: BTreeMap<String, LimitInfoResponse> = endpoints
            .iter()
            .map(|name| {
                let used = counts.get(&(platform, name.clone())).copied().unwrap_or(0);
                let standing = Standing::after(limit, used, window);
                let info = LimitInfoResponse {
                    limit: standing.limit,
                    remaining: standing.remaining,
                    reset: standing.reset,
                };
                (name.clone(), info)
            })
            .collect();
        *reply.platform_mut(platform) = Some(limits);
    }
    Ok(Json(reply))
}
