use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use lambda_runtime::{service_fn, Error, LambdaEvent};
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
    let (store, queue) = (&store, &queue);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        Ok::<SqsBatchResponse, Error>(worker::handle(store, queue, event.payload).await)
    }))
    .await
}
