//! Removing expired activities for good, a day of the expiry index at a time.

use std::collections::HashSet;

use tributary_domain::time::Nanos;
use tributary_domain::ApiResult;
use tributary_store::keys;
use tributary_store::walk::id_of;
use tributary_store::{Slice, TimePartition};
use tributary_tasks::fanout;

use crate::Context;
use crate::Report;
use crate::ROUND;

pub async fn run(ctx: &Context<'_>, now: Nanos) -> ApiResult<Report> {
    let store = ctx.store;
    let today = keys::expiry_day(now);
    let mut report = Report::default();
    let days = store.registry(keys::expiry_days()).await?;
    let from = keys::time_part(0);
    let to = keys::time_part(now);
    for day in days.into_iter().filter(|d| *d <= today) {
        let part = TimePartition::index(keys::GSI2, keys::expiry_partition(day));
        let mut handled: HashSet<String> = HashSet::new();
        loop {
            if report.done >= ctx.budget {
                report.more = true;
                return Ok(report);
            }
            let slice = Slice::oldest_first(&from, &to, ROUND);
            let (positions, more) = store.positions(&part, &slice).await?;
            let ids: Vec<String> = positions
                .iter()
                .map(|p| id_of(p).to_string())
                .filter(|id| !handled.contains(id))
                .collect();
            // The index may still list what was just removed (it is eventually
            // consistent): a round with nothing new ends the day.
            if ids.is_empty() {
                break;
            }
            let found = store.get_activities(&ids).await?;
            for id in ids {
                if report.done >= ctx.budget {
                    report.more = true;
                    return Ok(report);
                }
                handled.insert(id.clone());
                let Some(a) = found.get(&id) else { continue };
                if a.content.expires_at.is_none_or(|e| e > now) {
                    continue;
                }
                fanout::remove_for_good(store, ctx.queue, a).await?;
                report.done += 1;
            }
            if more.is_none() && positions.len() < ROUND {
                break;
            }
        }
        // A past day, swept to its end, holds nothing more to do.
        if day < today {
            store.forget_in_registry(keys::expiry_days(), day).await?;
        }
    }
    Ok(report)
}
