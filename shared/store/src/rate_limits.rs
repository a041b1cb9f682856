//! Request counts for per-user rate limits: one counter item per user, window, platform and
//! endpoint, in a partition per user and window that expires after its window.
//!
//! Counting a request is one UpdateItem (`ADD n :1`, the new count returned): one write unit.
//! Reading a user's counts for a window is one Query of that partition.

use aws_sdk_dynamodb::types::ReturnValue;

use tributary_domain::rate_limit::{Platform, Window, WINDOW_SECS};
use tributary_domain::ApiResult;

use crate::keys;
use crate::{n, Store};

/// How long a window's counts are kept after it ends (TTL clean-up only: reads never look
/// at another window).
const KEEP_SECS: i64 = 2 * WINDOW_SECS;

/// One endpoint's count in a window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateCount {
    pub platform: Platform,
    pub endpoint: String,
    pub count: u64,
}

impl Store {
    /// Counts one request and answers the window's count so far, this request included.
    pub async fn count_request(
        &self,
        user_id: &str,
        window: Window,
        platform: Platform,
        endpoint: &str,
    ) -> ApiResult<u64> {
        let out = self
            .run(
                "count request",
                self.update(keys::rate_count(
                    user_id,
                    window.0,
                    platform.name(),
                    endpoint,
                ))
                .update_expression("ADD #n :one SET #ttl = if_not_exists(#ttl, :ttl)")
                .expression_attribute_names("#n", "n")
                .expression_attribute_names("#ttl", keys::TTL)
                .expression_attribute_values(":one", n(1))
                .expression_attribute_values(":ttl", n(window.reset_at() + KEEP_SECS))
                .return_values(ReturnValue::UpdatedNew),
            )
            .await?;
        Ok(out
            .attributes
            .as_ref()
            .and_then(|a| a.get("n"))
            .and_then(|v| v.as_n().ok())
            .and_then(|v| v.parse().ok())
            .unwrap_or(1))
    }

    /// A user's counts in a window, every platform and endpoint. A window holds at most one
    /// item per endpoint and platform, so the partition is small.
    pub async fn request_counts(&self, user_id: &str, window: Window) -> ApiResult<Vec<RateCount>> {
        let items = self
            .query_all(
                "request counts",
                self.query()
                    .key_condition_expression("#pk = :pk")
                    .expression_attribute_names("#pk", keys::PK)
                    .expression_attribute_values(
                        ":pk",
                        crate::s(keys::rate_counts(user_id, window.0)),
                    ),
            )
            .await?;
        Ok(items
            .iter()
            .filter_map(|item| {
                let sk = item.get(keys::SK)?.as_s().ok()?;
                let (platform, endpoint) = sk.split_once('#')?;
                Some(RateCount {
                    platform: Platform::from_name(platform)?,
                    endpoint: endpoint.to_string(),
                    count: item.get("n")?.as_n().ok()?.parse().ok()?,
                })
            })
            .collect())
    }
}
