//! Tributary's domain: the records the feeds are made of and the rules they follow, free of
//! HTTP, of storage and of any one wire format.
//!
//! - [`error`]: the one error type, with Stream's error codes.
//! - [`caller`]: who a request acts as; [`access`]: what a user may do to a feed.
//! - [`model`]: the stored records (activities, comments, reactions, feeds, groups, follows, users).
//! - [`validate`] and [`partial`]: input rules and set/unset updates.
//! - [`filter`]: Stream's query filters, parsed and evaluated.
//! - [`aggregation`]: the group keys of aggregated feeds (Jinja formats).
//! - [`ranking`]: ranked feeds' scores: Stream's ranking expressions, decay functions and variables.
//! - [`rate_limit`]: per-user limits per endpoint and platform, and their windows.
//! - [`metrics`]: activity metrics and their hourly limits, defaults merged with an app's own.
//! - [`time`] and [`ids`]: timestamps and identifiers; [`retry`]: backoff for retry loops.

pub mod access;
pub mod aggregation;
pub mod caller;
pub mod error;
pub mod filter;
pub mod ids;
pub mod metrics;
pub mod model;
pub mod partial;
pub mod ranking;
pub mod rate_limit;
pub mod retry;
pub mod revision;
pub mod time;
pub mod validate;

pub use error::{ApiError, ApiResult};
