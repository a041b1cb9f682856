use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::auth::Authenticator;
use crate::config::AppConfig;
use crate::cursor::CursorCodec;
use crate::usage::UsageMeter;
use futures::{StreamExt, TryStreamExt};
use serde::Serialize;
use tributary_domain::{ApiError, ApiResult};
use tributary_store::app_settings::AppSettings;
use tributary_store::Store;
use tributary_tasks::fanout::{self, FanoutTask};
use tributary_tasks::queue::TaskQueue;
use tributary_tasks::realtime::RealtimeTask;

/// What every handler can reach: built once per cold start, cloned cheaply per request.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<AppConfig>,
    pub auth: Arc<Authenticator>,
    pub cursors: Arc<CursorCodec>,
    pub store: Store,
    /// The task queue, when the function enqueues background work.
    pub queue: Option<TaskQueue>,
    /// This instance's usage counts not yet written.
    pub usage: Arc<UsageMeter>,
    /// The app settings this instance read last, and when (see [`AppState::app_settings`]).
    settings: Arc<Mutex<Option<(Instant, AppSettings)>>>,
}

impl AppState {
    pub fn new(config: AppConfig, store: Store, queue: Option<TaskQueue>) -> Self {
        let auth = Authenticator::new(&config.api_key, &config.api_secret);
        let cursors = CursorCodec::new(&config.api_secret);
        let usage = Arc::new(UsageMeter::new(config.usage_flush));
        AppState {
            usage,
            settings: Arc::new(Mutex::new(None)),
            config: Arc::new(config),
            auth: Arc::new(auth),
            cursors: Arc::new(cursors),
            store,
            queue,
        }
    }

    /// The app's settings (`update_app`), as read at most `APP_SETTINGS_TTL_SECONDS` ago by
    /// this instance (10 s deployed: one read per instance per interval on write paths that
    /// consult them; 0 on the local stack and in tests: read every time).
    pub async fn app_settings(&self) -> ApiResult<AppSettings> {
        let ttl = self.config.settings_ttl;
        if !ttl.is_zero() {
            let cached = self.settings.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((at, settings)) = cached.as_ref() {
                if at.elapsed() < ttl {
                    return Ok(settings.clone());
                }
            }
        }
        let settings = self.store.app_settings().await?;
        *self.settings.lock().unwrap_or_else(|e| e.into_inner()) =
            Some((Instant::now(), settings.clone()));
        Ok(settings)
    }

    /// Whether changes of activities and comments are recorded (`feed_audit_logs_enabled`).
    pub async fn audit_logs_enabled(&self) -> ApiResult<bool> {
        Ok(self.app_settings().await?.feed_audit_logs_enabled == Some(true))
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

    /// Runs fan-out work so that its first page (up to `inline_fanout` followers or entries)
    /// is written before the request answers, and queues the rest: a follower reads a small
    /// audience's posts, follows and unfollows right after the write (the v2 clients rely on
    /// it); a large audience's continuation runs in the task worker as before. Each step is
    /// idempotent, so a page written here and again by a redelivered task changes nothing.
    pub async fn fan_out(&self, tasks: Vec<FanoutTask>) -> ApiResult<()> {
        let page = self.config.inline_fanout;
        if page == 0 {
            return self.enqueue(&tasks).await;
        }
        let store = &self.store;
        let rest: Vec<Option<FanoutTask>> = futures::stream::iter(tasks)
            .map(|task| async move { fanout::run_paged(store, &task, page).await })
            .buffer_unordered(8)
            .try_collect()
            .await?;
        let rest: Vec<FanoutTask> = rest.into_iter().flatten().collect();
        self.enqueue(&rest).await
    }

    /// Queues a realtime event for the connections watching its feeds. The write it reports
    /// is done, so a failure to queue is logged, not answered; without a WebSocket API
    /// (`REALTIME_ENDPOINT`) there is no one to tell.
    pub async fn publish(&self, tasks: Vec<RealtimeTask>) {
        if self.config.realtime_endpoint.is_none() {
            return;
        }
        if let Err(e) = self.enqueue(&tasks).await {
            e.log();
        }
    }

    /// Writes a notification into its recipient's notification feed, and queues the
    /// realtime event that shows the feed's new state to its watchers.
    pub async fn notify(&self, notice: tributary_tasks::notifications::Notice) -> ApiResult<()> {
        let recipient = notice.recipient.clone();
        let to_self = notice.actor == notice.recipient;
        tributary_tasks::notifications::notify(&self.store, notice).await?;
        if !to_self && !recipient.is_empty() {
            self.publish(vec![RealtimeTask::notification_feed(&recipient)])
                .await;
        }
        Ok(())
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
