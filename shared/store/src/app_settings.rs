//! The app's settings that `update_app` changes: its `activity_metrics_config`, the metric
//! limits merged over the defaults (`tributary_domain::metrics`), and
//! `feed_audit_logs_enabled` (revision history). One item
//! (`keys::app_settings`), read strongly consistent so a change applies to the next request.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::AttributeValue;
use serde::Deserialize;
use tributary_domain::ApiResult;

use crate::keys;
use crate::{n, serde_error, Store};

/// The stored settings; `None` for what was never set.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct AppSettings {
    #[serde(default)]
    pub activity_metrics_config: Option<BTreeMap<String, i64>>,
    /// Whether changes of activities and comments are recorded (revision history).
    #[serde(default)]
    pub feed_audit_logs_enabled: Option<bool>,
}

impl AppSettings {
    /// The configured metric limits, empty when none were set.
    pub fn metrics_config(&self) -> BTreeMap<String, i64> {
        self.activity_metrics_config.clone().unwrap_or_default()
    }
}

impl Store {
    /// The app's settings: one strongly consistent GetItem (the defaults when never set).
    pub async fn app_settings(&self) -> ApiResult<AppSettings> {
        let context = "read app settings";
        match self.get_raw(context, keys::app_settings(), true).await? {
            Some(item) => serde_dynamo::from_item(item).map_err(|e| serde_error(context, e)),
            None => Ok(AppSettings::default()),
        }
    }

    /// Replaces the app's `activity_metrics_config` (a map of metric names to limits),
    /// keeping its other settings: one UpdateItem.
    pub async fn put_activity_metrics_config(
        &self,
        config: &BTreeMap<String, i64>,
        updated_at: i64,
    ) -> ApiResult<()> {
        let map = config
            .iter()
            .map(|(name, limit)| (name.clone(), n(*limit)))
            .collect();
        self.run(
            "save activity metrics config",
            self.update(keys::app_settings())
                .update_expression("SET activity_metrics_config = :c, updated_at = :u")
                .expression_attribute_values(":c", AttributeValue::M(map))
                .expression_attribute_values(":u", n(updated_at)),
        )
        .await?;
        Ok(())
    }

    /// Turns revision history on or off, keeping the app's other settings: one UpdateItem.
    pub async fn put_feed_audit_logs_enabled(&self, on: bool, updated_at: i64) -> ApiResult<()> {
        self.run(
            "save audit log setting",
            self.update(keys::app_settings())
                .update_expression("SET feed_audit_logs_enabled = :on, updated_at = :u")
                .expression_attribute_values(":on", AttributeValue::Bool(on))
                .expression_attribute_values(":u", n(updated_at)),
        )
        .await?;
        Ok(())
    }
}
