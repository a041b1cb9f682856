//! Settings every function reads from its environment once, at cold start.

use crate::ApiError;

#[derive(Clone, Debug)]
pub struct AppConfig {
    pub table_name: String,
    pub api_key: String,
    pub api_secret: String,
    /// The fan-out queue; functions that do not enqueue work may run without it.
    pub fanout_queue_url: Option<String>,
}

impl AppConfig {
    pub fn from_env() -> Result<Self, ApiError> {
        let required = |name: &str| {
            std::env::var(name)
                .ok()
                .filter(|v| !v.is_empty())
                .ok_or_else(|| {
                    ApiError::internal_msg(format!("environment variable {name} is not set"))
                })
        };
        Ok(AppConfig {
            table_name: required("TABLE_NAME")?,
            api_key: required("API_KEY")?,
            api_secret: required("API_SECRET")?,
            fanout_queue_url: std::env::var("FANOUT_QUEUE_URL")
                .ok()
                .filter(|v| !v.is_empty()),
        })
    }
}
