use tributary_http::AppState;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    tributary_http::init_tracing();
    let state = AppState::from_env().await?;
    tributary_http::v2::serve(v2_feeds::app(state)).await
}
