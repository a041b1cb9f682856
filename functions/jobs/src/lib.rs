//! Scheduled jobs, run by EventBridge schedules (see `infra/template.yaml`) and locally by
//! `scripts/dev` on a short interval, or once with `scripts/job <name>`.
//!
//! - `expiry` removes activities whose `expires_at` has passed, for good: the activity,
//!   its entries in its own feeds and (through the task queue) in followers' feeds, and
//!   its feeds' counts. It finds them through the expiry index (gsi2, a partition per day)
//!   and the registry of days that may hold any, never by scanning. Reads already leave
//!   expired activities out, so the job is about storage, not visibility.
//! - `hiding` sweeps activities older than `HIDE_ACTIVITIES_AFTER` out of followers'
//!   feeds, walking the all-activities index (gsi3) oldest first from where it stopped.
//!
//! Each run does a bounded amount of work ([`BUDGET`] activities) and reports whether more
//! remains; the next run continues. Running a job twice does no harm.

mod expiry;
mod hiding;

use serde::{Deserialize, Serialize};
use tributary_domain::time::Nanos;
use tributary_domain::ApiError;
use tributary_domain::ApiResult;
use tributary_store::Store;
use tributary_tasks::queue::TaskQueue;

/// Activities one run handles at most.
pub const BUDGET: usize = 1000;
/// Activities read per round.
const ROUND: usize = 100;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Job {
    Expiry,
    Hiding,
}

/// What a schedule sends: `{"job": "expiry"}`.
#[derive(Debug, Deserialize)]
pub struct JobEvent {
    pub job: Job,
}

#[derive(Debug, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Activities removed (expiry) or swept out of timelines (hiding).
    pub done: usize,
    /// Whether work remains for the next run.
    pub more: bool,
}

/// What the jobs need.
pub struct Context<'a> {
    pub store: &'a Store,
    pub queue: &'a TaskQueue,
    pub hide_activities_after: Option<Nanos>,
    pub budget: usize,
}

pub async fn run(ctx: &Context<'_>, job: Job, now: Nanos) -> ApiResult<Report> {
    let report = match job {
        Job::Expiry => expiry::run(ctx, now).await?,
        Job::Hiding => hiding::run(ctx, now).await?,
    };
    tracing::info!(?job, done = report.done, more = report.more, "job ran");
    Ok(report)
}

/// Parses a schedule's event (anything with a `job` field).
pub fn job_of(event: &serde_json::Value) -> ApiResult<Job> {
    let job = event
        .get("job")
        .or_else(|| event.get("detail").and_then(|d| d.get("job")))
        .ok_or_else(|| ApiError::field("job", "the event names no job"))?;
    serde_json::from_value(job.clone())
        .map_err(|_| ApiError::field("job", format!("job: {job} is not one of expiry, hiding")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn events() {
        assert_eq!(job_of(&json!({"job": "expiry"})).unwrap(), Job::Expiry);
        assert_eq!(
            job_of(&json!({"detail": {"job": "hiding"}})).unwrap(),
            Job::Hiding
        );
        assert!(job_of(&json!({"job": "vacuum"})).is_err());
        assert!(job_of(&json!({})).is_err());
    }
}
