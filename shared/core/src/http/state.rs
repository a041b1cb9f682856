use std::sync::Arc;

use crate::auth::Authenticator;
use crate::config::AppConfig;
use crate::cursor::CursorCodec;
use crate::fanout::FanoutTask;
use crate::queue::FanoutQueue;
use crate::store::Store;
use crate::ApiResult;

/// What every handler can reach: built once per cold start, cloned cheaply per request.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<AppConfig>,
    pub auth: Arc<Authenticator>,
    pub cursors: Arc<CursorCodec>,
    pub store: Store,
    /// The fan-out queue, when the function enqueues fan-out work.
    pub queue: Option<FanoutQueue>,
}

impl AppState {
    pub fn new(config: AppConfig, store: Store, queue: Option<FanoutQueue>) -> Self {
        let auth = Authenticator::new(&config.api_key, &config.api_secret);
        let cursors = CursorCodec::new(&config.api_secret);
        AppState {
            config: Arc::new(config),
            auth: Arc::new(auth),
            cursors: Arc::new(cursors),
            store,
            queue,
        }
    }

    /// Reads the configuration from the environment and connects to DynamoDB (and SQS).
    pub async fn from_env() -> Result<Self, crate::ApiError> {
        let config = AppConfig::from_env()?;
        let store = Store::connect(&config.table_name).await;
        let queue = match &config.fanout_queue_url {
            Some(url) => Some(FanoutQueue::connect(url).await),
            None => None,
        };
        Ok(AppState::new(config, store, queue))
    }

    /// Queues fan-out work. Without a queue configured there is nowhere to send it, which
    /// is a deployment error.
    pub async fn enqueue(&self, tasks: &[FanoutTask]) -> ApiResult<()> {
        if tasks.is_empty() {
            return Ok(());
        }
        match &self.queue {
            Some(queue) => queue.send(tasks).await,
            None => Err(crate::ApiError::internal_msg(
                "FANOUT_QUEUE_URL is not set: fan-out work cannot be queued",
            )),
        }
    }
}
