//! Activity metrics: which metrics an app has and how much of each one user may add to one
//! activity per hour.
//!
//! Every app has the default metrics ([`DEFAULTS`]). An app's configuration
//! (`activity_metrics_config`, set with `update_app`) is merged on top of them: a new name
//! adds a metric, a default's name changes its limit, a limit of 0 turns the metric off, and
//! defaults the configuration does not name keep their limits. At most
//! [`MAX_CUSTOM_METRICS`] names that are not defaults may be configured.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::{ApiError, ApiResult};

/// The default metrics and their hourly limits per user and activity.
pub const DEFAULTS: [(&str, i64); 3] = [("views", 10), ("clicks", 5), ("impressions", 50)];

/// Names beyond the defaults an app may configure.
pub const MAX_CUSTOM_METRICS: usize = 10;

/// Longest metric name.
pub const MAX_NAME_LEN: usize = 64;

/// Whether `name` may name a metric: 1-64 ASCII letters, digits, `_` or `-`.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME_LEN
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn is_default(name: &str) -> bool {
    DEFAULTS.iter().any(|(d, _)| *d == name)
}

/// Checks an `activity_metrics_config` as a client sent it (`field` names it in errors): an
/// object of metric names to non-negative whole limits, at most [`MAX_CUSTOM_METRICS`] of
/// them not defaults.
pub fn parse_config(field: &str, value: &Value) -> ApiResult<BTreeMap<String, i64>> {
    let Value::Object(entries) = value else {
        return Err(ApiError::field(
            field,
            format!("{field} must be an object of metric names to hourly limits"),
        ));
    };
    let mut config = BTreeMap::new();
    for (name, limit) in entries {
        let at = format!("{field}.{name}");
        if !valid_name(name) {
            return Err(ApiError::field(
                at,
                format!(
                    "metric name '{name}' must be 1-{MAX_NAME_LEN} letters, digits, underscores or dashes"
                ),
            ));
        }
        let limit = limit
            .as_u64()
            .and_then(|l| i64::try_from(l).ok())
            .ok_or_else(|| {
                ApiError::field(
                    at,
                    format!("the limit of metric '{name}' must be a non-negative integer"),
                )
            })?;
        config.insert(name.clone(), limit);
    }
    let custom = config.keys().filter(|n| !is_default(n)).count();
    if custom > MAX_CUSTOM_METRICS {
        return Err(ApiError::field(
            field,
            format!("at most {MAX_CUSTOM_METRICS} custom metrics may be configured, got {custom}"),
        ));
    }
    Ok(config)
}

/// What tracking a metric may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetricLimit {
    /// Counted, up to this much per user, activity and hour.
    Hourly(i64),
    /// Configured with a limit of 0.
    Disabled,
    /// Neither a default nor configured.
    Unknown,
}

/// An app's metrics: the defaults merged with its configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MetricLimits(BTreeMap<String, i64>);

impl MetricLimits {
    /// The defaults with `config` on top (a limit of 0 disables).
    pub fn merged(config: &BTreeMap<String, i64>) -> Self {
        let mut limits: BTreeMap<String, i64> = DEFAULTS
            .iter()
            .map(|(name, limit)| (name.to_string(), *limit))
            .collect();
        limits.extend(config.iter().map(|(n, l)| (n.clone(), *l)));
        MetricLimits(limits)
    }

    pub fn of(&self, metric: &str) -> MetricLimit {
        match self.0.get(metric) {
            None => MetricLimit::Unknown,
            Some(0) => MetricLimit::Disabled,
            Some(&limit) => MetricLimit::Hourly(limit),
        }
    }
}

impl Default for MetricLimits {
    fn default() -> Self {
        MetricLimits::merged(&BTreeMap::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn config(v: Value) -> BTreeMap<String, i64> {
        parse_config("activity_metrics_config", &v).unwrap()
    }

    fn field_of(err: ApiError) -> Option<String> {
        match err {
            ApiError::Input { field, .. } => field,
            other => panic!("not an input error: {other:?}"),
        }
    }

    #[test]
    fn without_configuration_the_defaults_apply() {
        let limits = MetricLimits::default();
        assert_eq!(limits.of("views"), MetricLimit::Hourly(10));
        assert_eq!(limits.of("clicks"), MetricLimit::Hourly(5));
        assert_eq!(limits.of("impressions"), MetricLimit::Hourly(50));
        assert_eq!(limits.of("shares"), MetricLimit::Unknown);
    }

    #[test]
    fn configuration_adds_overrides_and_disables_over_the_defaults() {
        let limits = MetricLimits::merged(&config(json!({"shares": 3, "views": 25, "clicks": 0})));
        assert_eq!(limits.of("shares"), MetricLimit::Hourly(3));
        assert_eq!(limits.of("views"), MetricLimit::Hourly(25));
        assert_eq!(limits.of("clicks"), MetricLimit::Disabled);
        assert_eq!(limits.of("impressions"), MetricLimit::Hourly(50));
        assert_eq!(limits.of("likes"), MetricLimit::Unknown);
        // A custom metric configured at 0 is known but off.
        let off = MetricLimits::merged(&config(json!({"saves": 0})));
        assert_eq!(off.of("saves"), MetricLimit::Disabled);
    }

    #[test]
    fn ten_custom_names_are_taken_and_eleven_refused() {
        let mut ten: serde_json::Map<String, Value> =
            (0..10).map(|i| (format!("m{i}"), json!(1))).collect();
        // Defaults named alongside do not count towards the ten.
        ten.insert("views".into(), json!(0));
        ten.insert("clicks".into(), json!(7));
        assert_eq!(config(Value::Object(ten.clone())).len(), 12);
        ten.insert("m10".into(), json!(1));
        let err = parse_config("activity_metrics_config", &Value::Object(ten)).unwrap_err();
        assert_eq!(field_of(err).as_deref(), Some("activity_metrics_config"));
    }

    #[test]
    fn bad_names_and_limits_are_refused_naming_the_entry() {
        let f = "activity_metrics_config";
        for (body, at) in [
            (json!({"bad name": 1}), "activity_metrics_config.bad name"),
            (json!({"": 1}), "activity_metrics_config."),
            (
                json!({"x".repeat(65): 1}),
                &format!("{f}.{}", "x".repeat(65)),
            ),
            (json!({"shares": -1}), "activity_metrics_config.shares"),
            (json!({"shares": 1.5}), "activity_metrics_config.shares"),
            (json!({"shares": "3"}), "activity_metrics_config.shares"),
            (json!({"shares": null}), "activity_metrics_config.shares"),
            (json!([1]), "activity_metrics_config"),
            (json!("views"), "activity_metrics_config"),
        ] {
            let err = parse_config(f, &body).unwrap_err();
            assert_eq!(field_of(err).as_deref(), Some(at), "{body}");
        }
        assert_eq!(
            config(json!({"x".repeat(64): 1, "a-b_C9": 0})).len(),
            2,
            "64 characters and every allowed character are taken"
        );
        assert!(config(json!({})).is_empty());
    }

    #[test]
    fn metric_names() {
        assert!(valid_name("video-watch_time2"));
        assert!(!valid_name(""));
        assert!(!valid_name("views!"));
        assert!(!valid_name("vüews"));
        assert!(valid_name(&"a".repeat(64)));
        assert!(!valid_name(&"a".repeat(65)));
    }
}
