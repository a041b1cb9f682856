//! Per-user rate limits, as Stream counts them: each user may call each endpoint a set number
//! of times per one-minute window, counted separately per client platform. Server tokens are
//! not limited per user (Stream's rule); the API-wide limit is the gateway's throttling.
//!
//! This module holds the rules only: which platform a request comes from, which window it
//! falls in, an endpoint's public name, and what a count means. Counting is the store's.

use crate::ApiError;

/// The length of a window, in seconds. Counts start again at each window's start.
pub const WINDOW_SECS: i64 = 60;

/// Stream's default: 60 requests a minute per user, endpoint and platform.
pub const DEFAULT_USER_LIMIT: u32 = 60;

/// The client platforms Stream counts apart. A request's platform comes from the
/// `X-Stream-Client` header its SDK sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Platform {
    Android,
    Ios,
    Web,
    Unity,
    UnityDesktop,
    UnityConsole,
    ServerSide,
}

impl Platform {
    pub const ALL: [Platform; 7] = [
        Platform::Android,
        Platform::Ios,
        Platform::Web,
        Platform::Unity,
        Platform::UnityDesktop,
        Platform::UnityConsole,
        Platform::ServerSide,
    ];

    /// The name Stream uses for the platform, in `get_feeds_rate_limits`' answer and query.
    pub fn name(self) -> &'static str {
        match self {
            Platform::Android => "android",
            Platform::Ios => "ios",
            Platform::Web => "web",
            Platform::Unity => "unity",
            Platform::UnityDesktop => "unity_desktop",
            Platform::UnityConsole => "unity_console",
            Platform::ServerSide => "server_side",
        }
    }

    pub fn from_name(name: &str) -> Option<Platform> {
        Platform::ALL.into_iter().find(|p| p.name() == name)
    }

    /// The platform of a request made with a user token, from its `X-Stream-Client` header
    /// (`stream-feeds-android-…`, `stream-feeds-swift-…`, `stream-feeds-js-…`). A client
    /// that names no mobile or Unity platform is a web client.
    pub fn of_user_client(client: Option<&str>) -> Platform {
        let client = client.unwrap_or_default().to_ascii_lowercase();
        let has = |word: &str| client.contains(word);
        if has("android") || has("kotlin") {
            Platform::Android
        } else if has("ios") || has("swift") {
            Platform::Ios
        } else if has("unity") && has("console") {
            Platform::UnityConsole
        } else if has("unity") && has("desktop") {
            Platform::UnityDesktop
        } else if has("unity") {
            Platform::Unity
        } else {
            Platform::Web
        }
    }
}

/// A one-minute window, numbered from the Unix epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Window(pub i64);

impl Window {
    /// The window holding `now_secs` (Unix seconds).
    pub fn at(now_secs: i64) -> Window {
        Window(now_secs.div_euclid(WINDOW_SECS))
    }

    /// When the window ends and counts start again (Unix seconds).
    pub fn reset_at(self) -> i64 {
        (self.0 + 1) * WINDOW_SECS
    }
}

/// An endpoint's public name: the operation id in Stream's casing (`add_activity` is
/// `AddActivity`), as `get_feeds_rate_limits` reports it and its `endpoints` filter names it.
pub fn endpoint_name(operation_id: &str) -> String {
    operation_id
        .split('_')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// Where a caller stands against one limit after a request was counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Standing {
    pub limit: u32,
    /// Calls left in the window (never below zero).
    pub remaining: u32,
    /// When the window ends (Unix seconds).
    pub reset: i64,
    /// Whether this request went over the limit.
    pub exceeded: bool,
}

impl Standing {
    /// The standing after the window's `count`-th call (this request included).
    pub fn after(limit: u32, count: u64, window: Window) -> Standing {
        Standing {
            limit,
            remaining: u32::try_from(u64::from(limit).saturating_sub(count)).unwrap_or(0),
            reset: window.reset_at(),
            exceeded: count > u64::from(limit),
        }
    }

    /// Whole seconds until the window ends, at least one: the `Retry-After` of a refusal.
    pub fn retry_after(&self, now_secs: i64) -> i64 {
        (self.reset - now_secs).max(1)
    }

    /// The refusal of a request over the limit: code 9, 429.
    pub fn refusal(&self, endpoint: &str, now_secs: i64) -> ApiError {
        ApiError::RateLimited {
            message: format!(
                "too many requests to {endpoint}: at most {} a minute per user; retry in {} s",
                self.limit,
                self.retry_after(now_secs)
            ),
            retry_after: self.retry_after(now_secs),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platforms_come_from_the_client_header() {
        let of = |c| Platform::of_user_client(Some(c));
        assert_eq!(of("stream-feeds-js-2.2.0"), Platform::Web);
        assert_eq!(
            of("stream-feeds-react-native-1.0|os=android"),
            Platform::Android
        );
        assert_eq!(of("stream-feeds-swift-1.0"), Platform::Ios);
        assert_eq!(of("stream-feeds-android-1.0"), Platform::Android);
        assert_eq!(of("stream-unity-console-1"), Platform::UnityConsole);
        assert_eq!(of("stream-unity-1"), Platform::Unity);
        assert_eq!(Platform::of_user_client(None), Platform::Web);
        for p in Platform::ALL {
            assert_eq!(Platform::from_name(p.name()), Some(p));
        }
    }

    #[test]
    fn windows_are_minutes() {
        assert_eq!(Window::at(0), Window(0));
        assert_eq!(Window::at(59), Window(0));
        assert_eq!(Window::at(60), Window(1));
        assert_eq!(Window::at(125).reset_at(), 180);
    }

    #[test]
    fn endpoint_names_are_stream_casing() {
        assert_eq!(endpoint_name("add_activity"), "AddActivity");
        assert_eq!(endpoint_name("get_or_create_feed"), "GetOrCreateFeed");
        assert_eq!(endpoint_name("own_batch"), "OwnBatch");
    }

    #[test]
    fn the_call_past_the_limit_is_refused() {
        let w = Window(10);
        let at_limit = Standing::after(3, 3, w);
        assert!(!at_limit.exceeded);
        assert_eq!(at_limit.remaining, 0);
        let over = Standing::after(3, 4, w);
        assert!(over.exceeded);
        assert_eq!(over.remaining, 0);
        assert_eq!(over.reset, 660);
        assert_eq!(over.retry_after(659), 1);
        assert_eq!(over.retry_after(700), 1);
        assert_eq!(over.retry_after(630), 30);
        let err = over.refusal("AddActivity", 630);
        assert_eq!(err.status(), 429);
        assert_eq!(err.code(), 9);
    }
}
