//! The stored records. Their wire shapes live with each wire dialect.

pub mod activity;
pub mod comment;
pub mod feed;
pub mod feed_group;
pub mod follow;
pub mod member;
pub mod reaction;
pub mod user;

pub use activity::{Activity, ActivityContent, Location, RestrictReplies, Visibility};
pub use feed_group::FeedGroup;
pub use member::{Member, MemberStatus, MembershipLevel};
pub use user::User;
