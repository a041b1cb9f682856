// The handler future nests the SDK clients' futures deeply; the default limit is too low to lay it out.
#![recursion_limit = "256"]

use aws_lambda_events::apigw::{ApiGatewayProxyResponse, ApiGatewayWebsocketProxyRequest};
use lambda_runtime::{service_fn, Error, LambdaEvent};
use tributary_http::{init_tracing, AppState};
use tributary_tasks::realtime::Publisher;

#[tokio::main]
async fn main() -> Result<(), Error> {
    init_tracing();
    let state = AppState::from_env().await?;
    let publisher = Publisher::from_env()
        .await
        .ok_or("REALTIME_ENDPOINT is not set: the realtime function cannot answer clients")?;
    let realtime = realtime::Realtime::new(state, publisher);
    let realtime = &realtime;
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<ApiGatewayWebsocketProxyRequest>| async move {
            Ok::<ApiGatewayProxyResponse, Error>(realtime.handle(event.payload).await)
        },
    ))
    .await
}
