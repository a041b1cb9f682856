use std::sync::Arc;

use crate::auth::Authenticator;
use crate::config::AppConfig;
use crate::store::Store;

/// What every handler can reach: built once per cold start, cloned cheaply per request.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<AppConfig>,
    pub auth: Arc<Authenticator>,
    pub store: Store,
}

impl AppState {
    pub fn new(config: AppConfig, store: Store) -> Self {
        let auth = Authenticator::new(&config.api_key, &config.api_secret);
        AppState {
            config: Arc::new(config),
            auth: Arc::new(auth),
            store,
        }
    }

    /// Reads the configuration from the environment and connects to DynamoDB.
    pub async fn from_env() -> Result<Self, crate::ApiError> {
        let config = AppConfig::from_env()?;
        let store = Store::connect(&config.table_name).await;
        Ok(AppState::new(config, store))
    }
}
