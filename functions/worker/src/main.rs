use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use lambda_runtime::{service_fn, Error, LambdaEvent};
use tributary_http::{init_tracing, AppState};

#[tokio::main]
async fn main() -> Result<(), Error> {
    init_tracing();
    let (_, store, queue) = AppState::background_from_env().await?;
    let publisher = tributary_tasks::realtime::Publisher::from_env().await;
    let (store, queue, publisher) = (&store, &queue, publisher.as_ref());
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        Ok::<SqsBatchResponse, Error>(worker::handle(store, queue, publisher, event.payload).await)
    }))
    .await
}
