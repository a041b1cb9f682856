//! Hybrid push/pull: which large feeds a feed pulls at read time, and a large feed's
//! switch from pushing its posts to its flat followers to letting them pull.

use aws_sdk_dynamodb::types::AttributeValue;
use tributary_domain::time::Nanos;
use tributary_domain::ApiResult;

use super::{n, s, Store};
use crate::keys;

/// Large feeds one feed may pull from through follows: each costs its reads one more
/// Query (run alongside the feed's own). A feed that crosses the threshold joins its
/// followers' sets whatever their size, so a set may grow past this only that way.
pub const MAX_PULLED: usize = 100;

impl Store {
    /// Adds `source` to the feeds `fid` pulls. With `cap`, refuses (returns false) when the
    /// set already holds that many other feeds. Repeating it changes nothing.
    pub async fn add_pulled(&self, fid: &str, source: &str, cap: Option<usize>) -> ApiResult<bool> {
        let mut update = self
            .update(keys::pulled_sources(fid))
            .update_expression("ADD sources :s")
            .expression_attribute_values(":s", AttributeValue::Ss(vec![source.to_string()]));
        if let Some(cap) = cap {
            update = update
                .condition_expression(
                    "attribute_not_exists(sources) OR size(sources) < :max OR contains(sources, :one)",
                )
                .expression_attribute_values(":max", n(cap as i64))
                .expression_attribute_values(":one", s(source));
        }
        Ok(self.run_if("add pulled feed", update).await?.is_some())
    }

    /// Takes `source` out of the feeds `fid` pulls (an unfollow): its posts leave `fid`'s
    /// reads at once.
    pub async fn remove_pulled(&self, fid: &str, source: &str) -> ApiResult<()> {
        self.run(
            "remove pulled feed",
            self.update(keys::pulled_sources(fid))
                .update_expression("DELETE sources :s")
                .expression_attribute_values(":s", AttributeValue::Ss(vec![source.to_string()])),
        )
        .await?;
        Ok(())
    }

    /// Claims the one-time switch of `fid` to pull: true for the first caller only, who
    /// then queues the walk that adds `fid` to its flat followers' sets.
    pub async fn claim_pull_switch(&self, fid: &str, now: Nanos) -> ApiResult<bool> {
        let update = self
            .update(keys::feed_counts(fid))
            .update_expression("SET pull_started = :now")
            .condition_expression("attribute_not_exists(pull_started)")
            .expression_attribute_values(":now", n(now));
        Ok(self.run_if("claim pull switch", update).await?.is_some())
    }

    /// Marks `fid`'s switch done: every flat follower pulls it, so posts stop pushing to them.
    pub async fn set_pull_since(&self, fid: &str, now: Nanos) -> ApiResult<()> {
        self.run(
            "set pull_since",
            self.update(keys::feed_counts(fid))
                .update_expression("SET pull_since = if_not_exists(pull_since, :now)")
                .expression_attribute_values(":now", n(now)),
        )
        .await?;
        Ok(())
    }
}
