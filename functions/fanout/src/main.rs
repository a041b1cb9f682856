use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use lambda_runtime::{service_fn, Error, LambdaEvent};
use tributary_core::config::AppConfig;
use tributary_core::http::init_tracing;
use tributary_core::queue::FanoutQueue;
use tributary_core::store::Store;

#[tokio::main]
async fn main() -> Result<(), Error> {
    init_tracing();
    let config = AppConfig::from_env()?;
    let store = Store::connect(&config.table_name).await;
    let url = config
        .fanout_queue_url
        .as_deref()
        .ok_or("FANOUT_QUEUE_URL is not set")?;
    let queue = FanoutQueue::connect(url).await;
    let (store, queue) = (&store, &queue);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        Ok::<SqsBatchResponse, Error>(fanout::handle(store, queue, event.payload).await)
    }))
    .await
}
