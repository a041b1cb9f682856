//! `track_activity_metrics`: counts views, clicks and impressions of activities.
//!
//! The app's metrics are the defaults merged with its `activity_metrics_config`
//! (`tributary_domain::metrics`, set with `update_app`), read beside the activities. A name
//! Stream would take but this app has not configured, a metric configured with a limit of 0
//! (disabled), a missing (or invisible, or deleted) activity and an event over the user's
//! hourly allowance each answer `allowed: false` for that event, with an `error` for the
//! first three. Malformed input (no
//! events, more than 100, an empty activity id, a metric name that is not 1-64 letters,
//! digits, `_` or `-`, a zero delta) is refused whole with a 400 naming the field, before
//! anything is written. Counting lives in `tributary_store` (sharded counters).

use std::collections::{HashMap, HashSet};

use axum::extract::State;
use axum::Json;
use futures::stream::{self, StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tributary_domain::metrics::{self, MetricLimit, MetricLimits};
use tributary_domain::{ApiError, ApiResult};
use tributary_http::{AppState, Auth, Body, HttpResult};

use crate::ops::visible_to;

/// At most this many events in one request, as Stream documents.
const MAX_EVENTS: usize = 100;
/// Events tracked at once.
const CONCURRENCY: usize = 8;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TrackActivityMetricsEvent {
    pub activity_id: Option<String>,
    pub metric: Option<String>,
    pub delta: Option<i64>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TrackActivityMetricsRequest {
    pub events: Option<Vec<TrackActivityMetricsEvent>>,
    pub user_id: Option<String>,
    /// Accepted as the SDKs send it; the acting user is `user_id` or the token's.
    #[allow(dead_code)]
    #[schema(value_type = Option<Object>)]
    pub user: Option<Value>,
}

/// Stream's `TrackActivityMetricsEventResult`.
#[derive(Debug, Serialize)]
pub struct EventResult {
    activity_id: String,
    metric: String,
    allowed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct TrackActivityMetricsReply {
    results: Vec<EventResult>,
}

/// One checked event.
struct Event {
    activity_id: String,
    metric: String,
    delta: i64,
}

fn check(req: TrackActivityMetricsRequest) -> ApiResult<Vec<Event>> {
    let events = req
        .events
        .filter(|e| !e.is_empty())
        .ok_or_else(|| ApiError::field("events", "events must hold at least one event"))?;
    if events.len() > MAX_EVENTS {
        return Err(ApiError::field(
            "events",
            format!("events may hold at most {MAX_EVENTS} events"),
        ));
    }
    events
        .into_iter()
        .enumerate()
        .map(|(i, e)| {
            let activity_id = e.activity_id.filter(|id| !id.is_empty()).ok_or_else(|| {
                ApiError::field(
                    format!("events[{i}].activity_id"),
                    "activity_id is required",
                )
            })?;
            let metric = e.metric.filter(|m| metrics::valid_name(m)).ok_or_else(|| {
                ApiError::field(
                    format!("events[{i}].metric"),
                    "metric must be 1-64 letters, digits, underscores or dashes",
                )
            })?;
            let delta = e.delta.unwrap_or(1);
            if delta == 0 {
                return Err(ApiError::field(
                    format!("events[{i}].delta"),
                    "delta must not be zero",
                ));
            }
            Ok(Event {
                activity_id,
                metric,
                delta,
            })
        })
        .collect()
}

pub async fn track(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Body(req): Body<TrackActivityMetricsRequest>,
) -> HttpResult<Json<TrackActivityMetricsReply>> {
    let user = caller.require_user(req.user_id.as_deref())?;
    let events = check(req)?;
    let ids: Vec<String> = events
        .iter()
        .map(|e| e.activity_id.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let (activities, settings) =
        tokio::try_join!(s.store.get_activities(&ids), s.store.app_settings())?;
    let limits = MetricLimits::merged(&settings.metrics_config());
    let present: HashMap<&str, bool> = activities
        .values()
        .filter(|a| a.deleted_at.is_none() && visible_to(&caller, a))
        .map(|a| (a.id.as_str(), a.has_metrics))
        .collect();
    let hour = tributary_domain::time::now_nanos() / 1_000_000_000 / 3600;
    let store = &s.store;
    let user = user.as_str();
    let present = &present;
    let limits = &limits;
    // Events on the same activity and metric are applied in their order (a later one may
    // be over the allowance an earlier one used up); different ones run at once.
    let mut groups: Vec<Vec<(usize, Event)>> = Vec::new();
    let mut group_of: HashMap<(String, String), usize> = HashMap::new();
    for (i, e) in events.into_iter().enumerate() {
        let key = (e.activity_id.clone(), e.metric.clone());
        let g = *group_of.entry(key).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[g].push((i, e));
    }
    let done: Vec<Vec<(usize, EventResult)>> = stream::iter(groups)
        .map(|group| async move {
            let mut out = Vec::with_capacity(group.len());
            for (i, e) in group {
                out.push((i, track_one(store, user, hour, present, limits, e).await?));
            }
            Ok::<_, ApiError>(out)
        })
        .buffer_unordered(CONCURRENCY)
        .try_collect()
        .await?;
    let mut done: Vec<(usize, EventResult)> = done.into_iter().flatten().collect();
    done.sort_by_key(|(i, _)| *i);
    let results = done.into_iter().map(|(_, r)| r).collect();
    Ok(Json(TrackActivityMetricsReply { results }))
}

/// Tracks one event: refused with an error for a missing activity or an unknown or disabled
/// metric, refused without one over the user's allowance, else counted.
async fn track_one(
    store: &tributary_store::Store,
    user: &str,
    hour: i64,
    present: &HashMap<&str, bool>,
    limits: &MetricLimits,
    e: Event,
) -> ApiResult<EventResult> {
    let refuse = |error: Option<String>| EventResult {
        activity_id: e.activity_id.clone(),
        metric: e.metric.clone(),
        allowed: false,
        error,
    };
    let Some(&tracked) = present.get(e.activity_id.as_str()) else {
        return Ok(refuse(Some(format!(
            "activity '{}' does not exist",
            e.activity_id
        ))));
    };
    let limit = match limits.of(&e.metric) {
        MetricLimit::Hourly(limit) => limit,
        MetricLimit::Disabled => {
            return Ok(refuse(Some(format!(
                "metric '{}' is disabled for this app",
                e.metric
            ))))
        }
        MetricLimit::Unknown => {
            return Ok(refuse(Some(format!(
                "metric '{}' is not configured for this app",
                e.metric
            ))))
        }
    };
    let allowed = store
        .take_metric_allowance(user, hour, &e.activity_id, &e.metric, e.delta.abs(), limit)
        .await?;
    if !allowed {
        return Ok(refuse(None));
    }
    store
        .add_to_metric(&e.activity_id, &e.metric, e.delta)
        .await?;
    if !tracked {
        store.mark_has_metrics(&e.activity_id).await?;
    }
    Ok(EventResult {
        activity_id: e.activity_id,
        metric: e.metric,
        allowed: true,
        error: None,
    })
}
