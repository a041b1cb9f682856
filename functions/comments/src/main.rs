use tributary_core::http::{self, AppState};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    http::init_tracing();
    let state = AppState::from_env().await?;
    http::serve(comments::app(state)).await
}
