use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use lambda_runtime::{service_fn, Error, LambdaEvent};
use tributary_http::{init_tracing, AppState};

#[tokio::main]
async fn main() -> Result<(), Error> {
    init_tracing();
    let (config, store, queue) = AppState::background_from_env().await?;
    // The state renders the events that show a v3 read (notification feeds).
    let state = AppState::new(config, store, Some(queue.clone()));
    let publisher = tributary_tasks::realtime::Publisher::from_env().await;
    let (state, queue, publisher) = (&state, &queue, publisher.as_ref());
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        Ok::<SqsBatchResponse, Error>(worker::handle(state, queue, publisher, event.payload).await)
    }))
    .await
}
