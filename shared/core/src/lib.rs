//! Tributary's domain crate, shared by every Lambda function.
//!
//! - [`error`]: the one error type, rendered as Stream's error envelope.
//! - [`auth`]: api key + JWT verification, and who a request acts as.
//! - [`http`]: the plumbing every endpoint family shares (state, extractors, `duration`, limits).
//! - [`model`]: wire types and stored records (activities, users, feed groups).
//! - [`validate`] and [`partial`]: input rules and set/unset updates.
//! - [`keys`]: the single-table key builders (see `keys.md` beside it for the access patterns).
//! - [`store`]: the DynamoDB access layer.

pub mod aggregation;
pub mod auth;
pub mod config;
pub mod cursor;
pub mod error;
pub mod fanout;
pub mod feeds;
pub mod filter;
pub mod http;
pub mod ids;
pub mod keys;
pub mod model;
pub mod notifications;
pub mod partial;
pub mod predicate;
pub mod queue;
pub mod render;
pub mod scan;
pub mod store;
pub mod threads;
pub mod time;
pub mod user_data;
pub mod validate;

pub use error::{ApiError, ApiResult};
