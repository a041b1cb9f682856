//! The AWS SDK configuration every client is built from.

use aws_config::{BehaviorVersion, SdkConfig};
use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
use aws_smithy_http_client::Builder;

/// Credentials, region and endpoints from the environment (locally, `AWS_ENDPOINT_URL_*` point
/// at DynamoDB Local and the SQS stand-in), with an HTTP client on rustls and ring: the SDK's
/// default client brings aws-lc, a second crypto library beside the ring that token signing
/// links, and the functions are kept small (the workspace's Cargo.toml turns it off).
pub async fn sdk_config() -> SdkConfig {
    // The SDK's HTTP client (hyper, pooling connections) on rustls with ring; it speaks plain
    // http too.
    let http = Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https();
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(http)
        .load()
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn clients_get_an_http_client() {
        let config = sdk_config().await;
        // Without it the SDK, built without its default client, could not send a request.
        assert!(
            config.http_client().is_some(),
            "an HTTP client is configured"
        );
    }
}
