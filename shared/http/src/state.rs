use std::sync::Arc;

use crate::auth::Authenticator;
use crate::config::AppConfig;
use crate::cursor::CursorCodec;
use serde::Serialize;
use tributary_domain::{ApiError, ApiResult};
use tributary_store::Store;
use tributary_tasks::queue::TaskQueue;

/// What every handler can reach: built once per cold start, cloned cheaply per request.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<AppConfig>,
    pub auth: Arc<Authenticator>,
    pub cursors: Arc<CursorCodec>,
    pub store: Store,
    /// The task queue, when the function enqueues background work.
    pub queue: Option<TaskQueue>,
}

impl AppState {
    pub fn new(config: AppConfig, store: Store, queue: Option<TaskQueue>) -> Self {
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
    pub async fn from_env() -> ApiResult<Self> {
        let config = AppConfig::from_env()?;
        let store = Store::connect(&config.table_name).await;
        let queue = match &config.task_queue_url {
            Some(url) => Some(TaskQueue::connect(url).await),
            None => None,
        };
        Ok(AppState::new(config, store, queue))
    }

    /// What the functions that run background work (the task worker, the scheduled jobs)
    /// need: the configuration, the store and the task queue, which they cannot do without.
    pub async fn background_from_env() -> ApiResult<(AppConfig, Store, TaskQueue)> {
        let config = AppConfig::from_env()?;
        let url = config.task_queue_url.as_deref().ok_or_else(no_queue)?;
        let queue = TaskQueue::connect(url).await;
        let store = Store::connect(&config.table_name).await;
        Ok((config, store, queue))
    }

    /// Queues background work. Without a queue configured there is nowhere to send it, which
    /// is a deployment error.
    pub async fn enqueue<T: Serialize>(&self, tasks: &[T]) -> ApiResult<()> {
        if tasks.is_empty() {
            return Ok(());
        }
        match &self.queue {
            Some(queue) => queue.send(tasks).await,
            None => Err(no_queue()),
        }
    }
}

fn no_queue() -> ApiError {
    ApiError::internal_msg("TASK_QUEUE_URL is not set: tasks cannot be queued")
}
