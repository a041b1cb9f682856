use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::Value;
use tributary_domain::time::now_nanos;
use tributary_http::config::AppConfig;
use tributary_http::init_tracing;
use tributary_store::Store;
use tributary_tasks::queue::TaskQueue;

#[tokio::main]
async fn main() -> Result<(), Error> {
    init_tracing();
    let config = AppConfig::from_env()?;
    let store = Store::connect(&config.table_name).await;
    let url = config
        .task_queue_url
        .as_deref()
        .ok_or("TASK_QUEUE_URL is not set")?;
    let queue = TaskQueue::connect(url).await;
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
