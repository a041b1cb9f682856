//! `update_app` (`PATCH /api/v2/app`, server-side only): the app settings Tributary keeps.
//!
//! Two settings are kept: `activity_metrics_config`, the custom metric limits merged over the
//! default metrics (`tributary_domain::metrics`), which a request naming it replaces; and
//! `feed_audit_logs_enabled`, whether changes of activities and comments are recorded
//! (`query_revision_history`). Any other setting Stream's clients can send is refused (code
//! 4, naming it) rather than accepted and dropped; a refused request writes nothing.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use serde_json::{Map, Value};
use tributary_domain::caller::Caller;
use tributary_domain::metrics;
use tributary_domain::time::now_nanos;
use tributary_domain::{ApiError, ApiResult};
use tributary_http::{AppState, Auth, Body, HttpResult};
use tributary_v3::replies::EmptyReply;

const METRICS_CONFIG: &str = "activity_metrics_config";
const AUDIT_LOGS: &str = "feed_audit_logs_enabled";

/// What a request changes.
#[derive(Debug, Default, PartialEq)]
struct Changes {
    metrics: Option<BTreeMap<String, i64>>,
    audit_logs: Option<bool>,
}

/// Stream's `UpdateAppRequest`, of which Tributary keeps one setting.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct UpdateAppRequest {
    /// Metric name → how much one user may add to one activity per hour; merged over the
    /// defaults (views 10, clicks 5, impressions 50), 0 disables a metric, at most 10 names
    /// that are not defaults.
    #[allow(dead_code)]
    activity_metrics_config: Option<BTreeMap<String, u32>>,
    /// Whether changes of activities and comments are recorded (revision history).
    #[allow(dead_code)]
    feed_audit_logs_enabled: Option<bool>,
}

/// The settings a request changes, checked whole before anything is written.
fn check(body: &Map<String, Value>) -> ApiResult<Changes> {
    if let Some((field, _)) = body.iter().find(|(field, value)| {
        field.as_str() != METRICS_CONFIG && field.as_str() != AUDIT_LOGS && !value.is_null()
    }) {
        return Err(ApiError::field(
            field.clone(),
            format!(
                "{field} is not supported: this server does not keep that app setting \
                 (only {METRICS_CONFIG} and {AUDIT_LOGS})"
            ),
        ));
    }
    let metrics = match body.get(METRICS_CONFIG) {
        None | Some(Value::Null) => None,
        Some(config) => Some(metrics::parse_config(METRICS_CONFIG, config)?),
    };
    let audit_logs = match body.get(AUDIT_LOGS) {
        None | Some(Value::Null) => None,
        Some(Value::Bool(on)) => Some(*on),
        Some(_) => {
            return Err(ApiError::field(
                AUDIT_LOGS,
                format!("{AUDIT_LOGS} must be true or false"),
            ))
        }
    };
    Ok(Changes {
        metrics,
        audit_logs,
    })
}

pub async fn update_app(
    State(s): State<AppState>,
    Auth(caller): Auth,
    Body(body): Body<Map<String, Value>>,
) -> HttpResult<Json<EmptyReply>> {
    if caller != Caller::Server {
        return Err(ApiError::not_allowed("app settings can only be changed server-side").into());
    }
    let changes = check(&body)?;
    if let Some(config) = &changes.metrics {
        s.store
            .put_activity_metrics_config(config, now_nanos())
            .await?;
    }
    if let Some(on) = changes.audit_logs {
        s.store.put_feed_audit_logs_enabled(on, now_nanos()).await?;
    }
    Ok(Json(EmptyReply::default()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => unreachable!(),
        }
    }

    fn refused_field(v: Value) -> Option<String> {
        match check(&body(v)).unwrap_err() {
            ApiError::Input { field, .. } => field,
            other => panic!("not an input error: {other:?}"),
        }
    }

    #[test]
    fn only_the_metrics_config_is_kept() {
        assert_eq!(
            check(&body(json!({"activity_metrics_config": {"shares": 2}})))
                .unwrap()
                .metrics,
            Some(BTreeMap::from([("shares".to_string(), 2)]))
        );
        assert_eq!(check(&body(json!({}))).unwrap(), Changes::default());
        assert_eq!(
            check(&body(json!({"feed_audit_logs_enabled": true})))
                .unwrap()
                .audit_logs,
            Some(true)
        );
        assert_eq!(
            refused_field(json!({"feed_audit_logs_enabled": 1})).as_deref(),
            Some("feed_audit_logs_enabled")
        );
        // Settings sent as null (unset) are not changes.
        assert_eq!(
            check(&body(
                json!({"webhook_url": null, "activity_metrics_config": null})
            ))
            .unwrap(),
            Changes::default()
        );
        assert_eq!(
            refused_field(json!({"activity_metrics_config": {}, "webhook_url": "http://x"}))
                .as_deref(),
            Some("webhook_url")
        );
        assert_eq!(
            refused_field(json!({"activity_metrics_config": {"a b": 1}})).as_deref(),
            Some("activity_metrics_config.a b")
        );
    }
}
