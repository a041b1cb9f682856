//! Settings every function reads from its environment once, at cold start.

use tributary_domain::ApiError;

#[derive(Clone, Debug)]
pub struct AppConfig {
    pub table_name: String,
    pub api_key: String,
    pub api_secret: String,
    /// The task queue; functions that do not enqueue work may run without it.
    pub task_queue_url: Option<String>,
    /// `HIDE_ACTIVITIES_AFTER` (`90d`, `6mo`, `1y`): feed reads leave out activities older
    /// than this, and the hiding job sweeps them out of followers' feeds.
    pub hide_activities_after: Option<tributary_domain::time::Nanos>,
    /// `USER_RATE_LIMIT`: requests a user token may make to one endpoint from one platform
    /// per minute (Stream's default 60); `0` turns per-user limits off.
    pub user_rate_limit: Option<u32>,
    /// `INLINE_FANOUT`: followers (or history entries) a write delivers before it answers;
    /// the rest goes through the task queue. `0` queues everything.
    pub inline_fanout: usize,
    /// `REALTIME_ENDPOINT`: the WebSocket API's management endpoint. Without it there is no
    /// realtime API, and writes queue no events.
    pub realtime_endpoint: Option<String>,
    /// How often a function instance writes its usage counts (`USAGE_FLUSH_SECONDS`, default
    /// [`DEFAULT_USAGE_FLUSH_SECS`]; 0: after every request); `None`: only when asked.
    pub usage_flush: Option<std::time::Duration>,
    /// How long a function instance keeps the app settings it read
    /// (`APP_SETTINGS_TTL_SECONDS`, default [`DEFAULT_SETTINGS_TTL_SECS`]; 0: read each time).
    pub settings_ttl: std::time::Duration,
    /// `PULL_FOLLOWER_THRESHOLD` (default [`DEFAULT_PULL_FOLLOWER_THRESHOLD`]; 0 turns it
    /// off): a feed with this many followers stops pushing its posts into its flat followers'
    /// feeds; they merge its entries into their reads instead (docs/pull.md).
    pub pull_follower_threshold: Option<i64>,
}

/// Followers a write delivers to before it answers, unless `INLINE_FANOUT` says otherwise.
/// `scripts/bench inline_fanout` on DynamoDB Local: an add with 50 followers delivered inline
/// takes about 3x one that queues them (43 ms against 13 ms); with 100, about 6x.
pub const DEFAULT_INLINE_FANOUT: usize = 50;

/// Followers from which a feed's posts are pulled by its flat followers rather than pushed
/// to them, unless `PULL_FOLLOWER_THRESHOLD` says otherwise. `scripts/bench pull` on DynamoDB
/// Local: a pushed post costs 1 write unit per follower (10,005 WU at 10,000 followers) and
/// keeps one worker delivering for about 6 s (1,400-1,600 deliveries/s); a pulled feed adds
/// 0.5 read units and one Query, run beside the reader's own, to each read of a follower's
/// page (20 pulled feeds: 47.5 RU against 37.5 for the same page pushed, same sequential
/// depth), and the post costs 5 WU and 11 round trips whatever the audience (1,000 or
/// 1,000,000). From 10,000 followers on, a post's delivery would take seconds and tens of
/// thousands of writes at once, while the pull side stays a fraction of a unit per read.
pub const DEFAULT_PULL_FOLLOWER_THRESHOLD: i64 = 10_000;

/// Seconds a function instance keeps the app settings it read before reading them again.
pub const DEFAULT_SETTINGS_TTL_SECS: u64 = 10;

/// Seconds between a function instance's writes of its usage counts: one write unit per
/// instance per interval, whatever the traffic (see `usage`).
pub const DEFAULT_USAGE_FLUSH_SECS: u64 = 10;

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
            task_queue_url: std::env::var("TASK_QUEUE_URL")
                .ok()
                .filter(|v| !v.is_empty()),
            hide_activities_after: match std::env::var("HIDE_ACTIVITIES_AFTER") {
                Ok(v) if !v.trim().is_empty() => {
                    Some(tributary_domain::time::parse_age(&v).ok_or_else(|| {
                        ApiError::internal_msg(format!(
                            "HIDE_ACTIVITIES_AFTER: '{v}' is not an age such as 90d, 6mo or 1y"
                        ))
                    })?)
                }
                _ => None,
            },
            user_rate_limit: match std::env::var("USER_RATE_LIMIT") {
                Ok(v) if !v.trim().is_empty() => {
                    let limit: u32 = v.trim().parse().map_err(|_| {
                        ApiError::internal_msg(format!(
                            "USER_RATE_LIMIT: '{v}' is not a number of requests a minute"
                        ))
                    })?;
                    (limit > 0).then_some(limit)
                }
                _ => Some(tributary_domain::rate_limit::DEFAULT_USER_LIMIT),
            },
            inline_fanout: match std::env::var("INLINE_FANOUT") {
                Ok(v) if !v.trim().is_empty() => v.trim().parse().map_err(|_| {
                    ApiError::internal_msg(format!(
                        "INLINE_FANOUT: '{v}' is not a number of followers"
                    ))
                })?,
                _ => DEFAULT_INLINE_FANOUT,
            },
            realtime_endpoint: std::env::var("REALTIME_ENDPOINT")
                .ok()
                .filter(|v| !v.is_empty()),
            usage_flush: Some(std::time::Duration::from_secs(
                match std::env::var("USAGE_FLUSH_SECONDS") {
                    Ok(v) if !v.trim().is_empty() => v.trim().parse().map_err(|_| {
                        ApiError::internal_msg(format!(
                            "USAGE_FLUSH_SECONDS: '{v}' is not a number of seconds"
                        ))
                    })?,
                    _ => DEFAULT_USAGE_FLUSH_SECS,
                },
            )),
            settings_ttl: std::time::Duration::from_secs(
                match std::env::var("APP_SETTINGS_TTL_SECONDS") {
                    Ok(v) if !v.trim().is_empty() => v.trim().parse().map_err(|_| {
                        ApiError::internal_msg(format!(
                            "APP_SETTINGS_TTL_SECONDS: '{v}' is not a number of seconds"
                        ))
                    })?,
                    _ => DEFAULT_SETTINGS_TTL_SECS,
                },
            ),
            pull_follower_threshold: match std::env::var("PULL_FOLLOWER_THRESHOLD") {
                Ok(v) if !v.trim().is_empty() => {
                    let n: i64 = v.trim().parse().ok().filter(|n| *n >= 0).ok_or_else(|| {
                        ApiError::internal_msg(format!(
                            "PULL_FOLLOWER_THRESHOLD: '{v}' is not a number of followers"
                        ))
                    })?;
                    (n > 0).then_some(n)
                }
                _ => Some(DEFAULT_PULL_FOLLOWER_THRESHOLD),
            },
        })
    }
}
