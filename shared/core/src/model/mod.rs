//! Stored records and the wire types built from them.

pub mod activity;
pub mod activity_request;
pub mod comment;
pub mod feed;
pub mod feed_group;
pub mod follow;
pub mod reaction;
pub mod response;
pub mod user;

pub use activity::{Activity, ActivityContent, Location, RestrictReplies, Visibility};
pub use feed_group::FeedGroup;
pub use user::User;
