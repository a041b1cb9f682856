//! Realtime events: a write queues a [`RealtimeTask`] with the event as the client reads it
//! (rendered by the writer, which has it at hand) and the feeds it is about; the task worker
//! finds each feed's watching connections and posts the event to them through API Gateway's
//! management API. Writes never wait for delivery. A connection that answers 410 Gone is
//! forgotten. Events about an activity reach its author's followers' feeds too
//! (`followers_of`), a page of followers per step, like fan-out.

use aws_sdk_apigatewaymanagement::config::http::HttpResponse;
use aws_sdk_apigatewaymanagement::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_apigatewaymanagement::primitives::Blob;
use futures::stream::{self, StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tributary_domain::model::{Activity, Visibility};
use tributary_domain::time::now_nanos;
use tributary_domain::{ApiError, ApiResult};
use tributary_store::Store;

use crate::queue::TaskQueue;

/// Follower feeds one step of a task reaches before handing the rest to a follow-up task.
pub const FOLLOWER_PAGE: usize = 200;
/// Connections posted to at once.
const CONCURRENCY: usize = 16;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RealtimeTask {
    /// Post `event` (its `fid` set to each feed's) to the connections watching `fids`, and
    /// to those watching the feeds that follow `followers_of`.
    Publish {
        event: Value,
        fids: Vec<String>,
        /// Only these users receive it (a private activity's author and feed owners);
        /// everyone watching when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        audience: Option<Vec<String>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        followers_of: Option<String>,
        /// The follower (source fid) to continue after.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        after: Option<String>,
    },
    /// Tell the watchers of a notification feed its new state
    /// (`feeds.notification_feed.updated`). The event shows the feed's groups as a v3 read
    /// does, so the task worker renders it and then publishes it.
    NotificationFeed { fid: String },
}

impl RealtimeTask {
    /// The same event, for `user_id`'s connections only (and only if it was theirs to see).
    pub fn only_to(self, user_id: &str) -> Self {
        match self {
            RealtimeTask::Publish {
                event,
                fids,
                audience,
                followers_of,
                after,
            } => {
                let allowed = audience.is_none_or(|users| users.iter().any(|u| u == user_id));
                RealtimeTask::Publish {
                    event,
                    fids,
                    audience: Some(if allowed {
                        vec![user_id.to_string()]
                    } else {
                        Vec::new()
                    }),
                    followers_of,
                    after,
                }
            }
            other => other,
        }
    }

    /// The event about `user_id`'s notification feed, after a notification was written.
    pub fn notification_feed(user_id: &str) -> Self {
        RealtimeTask::NotificationFeed {
            fid: crate::notifications::feed_of(user_id),
        }
    }

    pub fn publish(event: Value, fids: Vec<String>) -> Self {
        RealtimeTask::Publish {
            event,
            fids,
            audience: None,
            followers_of: None,
            after: None,
        }
    }
}

/// The events about an activity (`feeds.activity.added`, `...updated`, `...deleted`): one
/// task per feed it is in, reaching that feed's watchers and its followers' watchers.
/// `fields` (an object) are the event's own: `activity` as the client reads it, `reaction`,
/// `comment`. Events about a private activity reach only its author and the owners of its
/// feeds.
pub fn activity_events(kind: &str, a: &Activity, fields: Value) -> Vec<RealtimeTask> {
    let audience = (a.content.visibility == Visibility::Private).then(|| {
        let mut users = vec![a.user_id.clone()];
        users.extend(
            a.content
                .feeds
                .iter()
                .filter_map(|f| f.split_once(':').map(|(_, id)| id.to_string())),
        );
        users
    });
    let mut event = json!({"type": kind, "created_at": now_nanos(), "custom": {}});
    if let Value::Object(fields) = fields {
        for (k, v) in fields {
            event[k] = v;
        }
    }
    a.content
        .feeds
        .iter()
        .map(|fid| RealtimeTask::Publish {
            event: event.clone(),
            fids: vec![fid.clone()],
            audience: audience.clone(),
            followers_of: Some(fid.clone()),
            after: None,
        })
        .collect()
}

/// Posts frames to connections through API Gateway's management API (`REALTIME_ENDPOINT`:
/// the WebSocket API's stage URL, or the local stand-in's).
#[derive(Clone, Debug)]
pub struct Publisher {
    client: aws_sdk_apigatewaymanagement::Client,
}

/// What became of a post.
#[derive(Debug, PartialEq, Eq)]
pub enum Delivery {
    Sent,
    /// The connection is closed (410 Gone).
    Gone,
}

impl Publisher {
    pub async fn connect(endpoint: &str) -> Self {
        let config = tributary_store::sdk_config().await;
        let conf = aws_sdk_apigatewaymanagement::config::Builder::from(&config)
            .endpoint_url(endpoint)
            .build();
        Publisher {
            client: aws_sdk_apigatewaymanagement::Client::from_conf(conf),
        }
    }

    /// The publisher for `REALTIME_ENDPOINT`, when it is set.
    pub async fn from_env() -> Option<Self> {
        let endpoint = std::env::var("REALTIME_ENDPOINT")
            .ok()
            .filter(|v| !v.is_empty())?;
        Some(Publisher::connect(&endpoint).await)
    }

    /// Sends one text frame.
    pub async fn send(&self, connection_id: &str, frame: &Value) -> ApiResult<Delivery> {
        let result = self
            .client
            .post_to_connection()
            .connection_id(connection_id)
            .data(Blob::new(frame.to_string().into_bytes()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(Delivery::Sent),
            Err(e) if gone(&e) => Ok(Delivery::Gone),
            Err(e) => {
                let code = e.code().unwrap_or("unknown").to_string();
                Err(ApiError::internal(
                    format!("post to connection ({code})"),
                    e,
                ))
            }
        }
    }

    /// Closes a connection (its `$disconnect` then runs as for any close).
    pub async fn close(&self, connection_id: &str) -> ApiResult<()> {
        match self
            .client
            .delete_connection()
            .connection_id(connection_id)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if gone(&e) => Ok(()),
            Err(e) => Err(ApiError::internal("close connection", e)),
        }
    }
}

/// Whether a management call failed because the connection is closed: API Gateway's
/// `GoneException`, or its status (410) where the error type is not named.
fn gone<E: ProvideErrorMetadata>(e: &SdkError<E, HttpResponse>) -> bool {
    e.code() == Some("GoneException")
        || e.raw_response().is_some_and(|r| r.status().as_u16() == 410)
}

/// Runs one step: delivers to the watchers of `fids` (and of a page of `followers_of`'s
/// followers), queueing the rest. Without a publisher (no WebSocket API) it does nothing.
pub async fn run(
    store: &Store,
    queue: &TaskQueue,
    publisher: Option<&Publisher>,
    task: &RealtimeTask,
) -> ApiResult<()> {
    let Some(publisher) = publisher else {
        return Ok(());
    };
    let RealtimeTask::Publish {
        event,
        fids,
        audience,
        followers_of,
        after,
    } = task
    else {
        // Rendered by the worker, which publishes the result as a `Publish`.
        tracing::warn!(
            ?task,
            "a realtime task that needs rendering reached the plain runner"
        );
        return Ok(());
    };
    let mut feeds: Vec<String> = if after.is_none() {
        fids.clone()
    } else {
        Vec::new()
    };
    if let Some(origin) = followers_of {
        let (followers, next) = store
            .followers_page(origin, FOLLOWER_PAGE, after.as_deref(), true)
            .await?;
        feeds.extend(followers.into_iter().map(|f| f.source));
        if let Some(next) = next {
            let rest = RealtimeTask::Publish {
                event: event.clone(),
                fids: Vec::new(),
                audience: audience.clone(),
                followers_of: Some(origin.clone()),
                after: Some(next),
            };
            queue.send(&[rest]).await?;
        }
    }
    stream::iter(feeds)
        .map(|fid| deliver(store, publisher, event, audience.as_deref(), fid))
        .buffer_unordered(CONCURRENCY)
        .try_collect::<Vec<()>>()
        .await?;
    Ok(())
}

/// Posts `event` about `fid` to the feed's watchers.
async fn deliver(
    store: &Store,
    publisher: &Publisher,
    event: &Value,
    audience: Option<&[String]>,
    fid: String,
) -> ApiResult<()> {
    let watchers = store.watchers(&fid).await?;
    if watchers.is_empty() {
        return Ok(());
    }
    let mut frame = event.clone();
    frame["fid"] = Value::String(fid.clone());
    for w in watchers {
        if audience.is_some_and(|users| !users.contains(&w.user_id)) {
            continue;
        }
        match publisher.send(&w.connection_id, &frame).await {
            Ok(Delivery::Sent) => {}
            Ok(Delivery::Gone) => store.drop_connection(&w.connection_id).await?,
            // One connection's failure does not hold back the others; the event is not
            // retried (a retry would repeat it to those it reached).
            Err(e) => e.log(),
        }
    }
    Ok(())
}
