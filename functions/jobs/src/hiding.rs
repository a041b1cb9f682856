//! Sweeping activities older than `HIDE_ACTIVITIES_AFTER` out of followers' feeds.
//!
//! Feed reads already leave such activities out; this makes it permanent for timelines:
//! the entries fan-out wrote into followers' feeds are removed, while the activities and
//! their own feeds' entries stay. Turning the setting off therefore shows old activities
//! again in the feeds they were posted to, but not in timelines that were swept.

use tributary_domain::time::Nanos;
use tributary_domain::ApiResult;
use tributary_store::keys;
use tributary_store::walk::id_of;
use tributary_store::{Slice, TimePartition};
use tributary_tasks::fanout;

use crate::Context;
use crate::Report;
use crate::ROUND;

const JOB: &str = "hiding";

pub async fn run(ctx: &Context<'_>, now: Nanos) -> ApiResult<Report> {
    let Some(age) = ctx.hide_activities_after else {
        return Ok(Report::default());
    };
    let store = ctx.store;
    let cutoff = now - age;
    let last_bucket = keys::activity_bucket(cutoff);
    let parts: Vec<TimePartition> = store
        .activity_buckets()
        .await?
        .into_iter()
        .filter(|b| *b <= last_bucket)
        .map(|b| TimePartition::index(keys::GSI3, keys::activity_bucket_partition(b)))
        .collect();
    let mut after = store.job_position(JOB).await?;
    let from = keys::time_part(0);
    let to = keys::time_part(cutoff);
    let mut report = Report::default();
    loop {
        if report.done >= ctx.budget {
            report.more = true;
            break;
        }
        let slice = Slice::oldest_first(&from, &to, ROUND);
        let (positions, resume) = store
            .merged_positions(&parts, &slice, after.as_deref())
            .await?;
        let ids: Vec<String> = positions.iter().map(|p| id_of(p).to_string()).collect();
        let found = store.get_activities(&ids).await?;
        for a in found.values() {
            fanout::retract_from_followers(store, ctx.queue, a).await?;
        }
        report.done += found.len();
        // Continue from where every partition has been read (or after the last one seen).
        let reached = resume.clone().or_else(|| positions.last().cloned());
        if let Some(p) = &reached {
            store.set_job_position(JOB, p).await?;
            after = Some(p.clone());
        }
        if resume.is_none() {
            break;
        }
    }
    Ok(report)
}
