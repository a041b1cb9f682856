// The job futures nest deeply (jobs -> tasks -> store); layout computation needs headroom.
#![recursion_limit = "256"]

use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::Value;
use tributary_domain::time::now_nanos;
use tributary_http::{init_tracing, AppState};

#[tokio::main]
async fn main() -> Result<(), Error> {
    init_tracing();
    let (config, store, queue) = AppState::background_from_env().await?;
    let ctx = jobs::Context {
        store: &store,
        queue: &queue,
        hide_activities_after: config.hide_activities_after,
        budget: jobs::BUDGET,
    };
    let ctx = &ctx;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        let job = jobs::job_of(&event.payload)?;
        let report = jobs::run(ctx, job, now_nanos()).await?;
        Ok::<Value, Error>(serde_json::to_value(report)?)
    }))
    .await
}
