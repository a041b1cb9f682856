//! Hybrid push/pull, on the follow side: a flat feed that follows a large feed (one with
//! `PULL_FOLLOWER_THRESHOLD` followers or more) pulls it at read time instead of receiving
//! its posts, and the follow that makes a feed reach the threshold starts its one-time
//! switch (`tributary_tasks::pull`). Reads merge the pulled feeds in `feed_page::collect`.

use tributary_domain::model::feed::Feed;
use tributary_domain::model::follow::Follow;
use tributary_domain::time::now_nanos;
use tributary_domain::{ApiError, ApiResult};
use tributary_http::AppState;
use tributary_store::MAX_PULLED;
use tributary_tasks::fanout;
use tributary_tasks::pull::{self, PullTask};

/// Whether `target` has reached the threshold once this follow counts (`target` was read
/// before it).
fn large(state: &AppState, target: &Feed) -> bool {
    state
        .config
        .pull_follower_threshold
        .is_some_and(|t| target.follower_count + 1 >= t)
}

/// Whether `source`, following `target`, is to pull it: the target is large and the
/// source's group reads by merging (does not aggregate).
pub async fn will_pull(state: &AppState, source: &str, target: &Feed) -> ApiResult<bool> {
    if !large(state, target) {
        return Ok(false);
    }
    let formats = fanout::formats(&state.store).await?;
    Ok(pull::pulls(&formats, source))
}

/// Refuses a follow that would make `source` pull more than [`MAX_PULLED`] large feeds.
pub fn room_to_pull(source: Option<&Feed>, target: &str) -> ApiResult<()> {
    match source {
        Some(s) if s.pulled.len() >= MAX_PULLED && !s.pulled.iter().any(|p| p == target) => {
            Err(ApiError::field(
                "target",
                format!(
                    "feed '{}' already follows {MAX_PULLED} feeds with very large audiences",
                    s.fid
                ),
            ))
        }
        _ => Ok(()),
    }
}

/// After an active follow of `target` was stored: the source pulls the target when
/// `pulls`, and a target that has just reached the threshold starts its switch (once).
pub async fn followed(state: &AppState, f: &Follow, target: &Feed, pulls: bool) -> ApiResult<()> {
    if pulls {
        state.store.add_pulled(&f.source, &f.target, None).await?;
    }
    if large(state, target)
        && target.pull_since.is_none()
        && state
            .store
            .claim_pull_switch(&f.target, now_nanos())
            .await?
    {
        let task = PullTask::SwitchToPull {
            target: f.target.clone(),
            after: None,
        };
        state.enqueue(&[task]).await?;
    }
    Ok(())
}

/// A pending follow was accepted: as [`followed`], reading the target first.
pub async fn became_active(state: &AppState, f: &Follow) -> ApiResult<()> {
    if state.config.pull_follower_threshold.is_none() {
        return Ok(());
    }
    let Some(target) = state.store.get_feed(&f.target).await? else {
        return Ok(());
    };
    let pulls = will_pull(state, &f.source, &target).await?;
    followed(state, f, &target, pulls).await
}
